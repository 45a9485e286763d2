/* mem.h: every allocation in gen/ and runtime/ goes through here, so that a
   test can make the k-th allocation fail on purpose (as Lua's ltests.c does). */
#ifndef JG_MEM_H
#define JG_MEM_H

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

/* Tests only: the k-th allocation from now on (1 = the next) and all after it
   fail; k = 0 turns failure off (k = ULONG_MAX counts without failing).
   Returns the allocations asked for since the last call, while it was on.
   Not thread-safe: call it while nothing else allocates. */
unsigned long jg_mem_fail_after(unsigned long k);

/* Tests only: allocations made minus allocations freed since the last
   jg_mem_fail_after (counted while failure is on): 0 when nothing leaked. */
long jg_mem_live(void);

#endif
