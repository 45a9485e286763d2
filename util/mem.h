/* mem.h: every allocation in gen/ and runtime/ goes through here, so that a
   test can make the k-th allocation fail on purpose (as Lua's ltests.c does). */
#ifndef JG_MEM_H
#define JG_MEM_H

#include <pthread.h>
#include <stddef.h>

/* Like malloc/realloc/free; jg_malloc(0) returns a unique pointer. The caller
   owns what comes back and frees it with jg_free. NULL on failure. */
void *jg_malloc(size_t size);
void *jg_realloc(void *p, size_t size);
void jg_free(void *p);

/* A copy of s (owned by the caller), or NULL on failure. */
char *jg_strdup(const char *s);
char *jg_strndup(const char *s, size_t n);

/* n * size, or SIZE_MAX with *overflow set when it does not fit in size_t
   (so that a product of products stays too large to allocate). */
size_t jg_mul(size_t n, size_t size, int *overflow);

/* n objects of size bytes: like jg_malloc and jg_realloc, NULL also when
   n * size overflows. Every array is allocated through these. */
void *jg_malloc_n(size_t n, size_t size);
void *jg_realloc_n(void *p, size_t n, size_t size);

/* n objects of size bytes, zeroed (calloc); NULL also when n * size
   overflows. */
void *jg_calloc_n(size_t n, size_t size);

/* Blocks kept between calls for the next call of about their size (a
   training loop asks for the same bytes at every step: a fresh block of
   megabytes costs the kernel's page faults and zeroing each time, as glibc
   maps or trims it afresh). A block starts zeroed, and is handed on only
   to a take of the same key (its user's layout): what that user never
   writes (a buffer's padding lanes, which kernels read in whole vectors
   and drop) stays zero. Garbage there is not harmless: subnormal floats
   cost Intel's cores a microcode assist an operation (a float32 reverse
   sweep on heap garbage ran 8-18x slower). Up to JG_SPARE_SLOTS blocks of
   at most cap bytes together (0: no cap), several of a key where several
   are in use at once, the least recently kept going first: two networks
   trained in one loop, two threads' tapes of one, or a step's two
   batches of points (interior, boundary), each find their own. Safe
   across threads, under the lock. A spare starts as JG_SPARE_INIT(cap)
   (or jg_spare_init) and ends with jg_spare_free. */
/* (a machine of 16 cores: a tape a thread for each of two batches) */
#define JG_SPARE_SLOTS 32
typedef struct jg_spare {
    pthread_mutex_t lock;
    size_t cap;                 /* bytes kept at most, all slots together; 0: no cap */
    unsigned long clock;        /* keeps so far: each slot's `kept` is its time */
    struct {
        void *block;            /* kept, or NULL (owned) */
        size_t bytes;
        unsigned long key, kept;
    } slot[JG_SPARE_SLOTS];
} jg_spare;
#define JG_SPARE_INIT(cap) { PTHREAD_MUTEX_INITIALIZER, (cap), 0, {{NULL, 0, 0, 0}} }

void jg_spare_init(jg_spare *s, size_t cap);
/* A block of bytes for key: a kept one of key's with between bytes and
   twice bytes, else a new one, zeroed; NULL out of memory. */
void *jg_spare_take(jg_spare *s, size_t bytes, unsigned long key);
/* Keeps block (bytes, from jg_spare_take for key) for the next take, in
   an empty slot or in the place of the least recently kept (freed), and
   frees the oldest others while they exceed cap; frees block
   itself when it alone exceeds cap. */
void jg_spare_keep(jg_spare *s, void *block, size_t bytes, unsigned long key);
/* Frees the blocks kept; s may be initialized again. */
void jg_spare_free(jg_spare *s);

/* Tests only: the k-th allocation from now on (1 = the next) and all after it
   fail; k = 0 turns failure off (k = ULONG_MAX counts without failing).
   Returns the allocations asked for since the last call, while it was on.
   Not thread-safe: call it while nothing else allocates. */
unsigned long jg_mem_fail_after(unsigned long k);

/* Tests only: on (1), every block jg_malloc hands out comes filled with
   the 32-bit word 1, a subnormal float and, in pairs, a subnormal double
   (what heap garbage can be), so that a test sees a kernel read a number
   nobody wrote; 0 turns it off. Not thread-safe, as jg_mem_fail_after. */
void jg_mem_fill(int on);

/* Tests only: allocations made minus allocations freed since the last
   jg_mem_fail_after (counted while failure is on): 0 when nothing leaked. */
long jg_mem_live(void);

#endif
