/* mem.c: the one place that allocates (see mem.h). */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

/* The test switch. Written only by jg_mem_fail_after, which tests call
   while nothing else runs; when it is off (fail_at = 0) nothing below
   writes a static, so threads can allocate at once. */
static unsigned long fail_at;   /* 0: off; else the allocation that fails first */
static unsigned long n_calls;   /* allocations asked for while on */
static long n_live;             /* allocations made minus those freed, while on */
static int fill;                /* jg_mem_fill's switch */

static int should_fail(void)
{
    if (fail_at == 0)
        return 0;
    n_calls++;
    return n_calls >= fail_at;
}

unsigned long jg_mem_fail_after(unsigned long k)
{
    unsigned long made = n_calls;
    fail_at = k;
    n_calls = 0;
    n_live = 0;
    return made;
}

long jg_mem_live(void)
{
    return n_live;
}

void jg_mem_fill(int on)
{
    fill = on;
}

void *jg_malloc(size_t size)
{
    void *p;
    if (should_fail())
        return NULL;
    p = malloc(size ? size : 1);
    if (p != NULL && fail_at != 0)
        n_live++;
    if (p != NULL && fill) {
        const unsigned int word = 1;
        size_t k;
        for (k = 0; k + sizeof word <= size; k += sizeof word)
            memcpy((unsigned char *)p + k, &word, sizeof word);
    }
    return p;
}

void *jg_realloc(void *p, size_t size)
{
    void *q;
    if (should_fail())
        return NULL;
    q = realloc(p, size ? size : 1);
    if (q != NULL && p == NULL && fail_at != 0)
        n_live++;
    return q;
}

void jg_free(void *p)
{
    if (p != NULL && fail_at != 0)
        n_live--;
    free(p);
}

void jg_spare_init(jg_spare *s, size_t cap)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->cap = cap;
}

void *jg_spare_take(jg_spare *s, size_t bytes, unsigned long key)
{
    void *b = NULL;
    int i;
    pthread_mutex_lock(&s->lock);
    for (i = 0; i < JG_SPARE_SLOTS && b == NULL; i++)
        if (s->slot[i].block != NULL && s->slot[i].key == key && s->slot[i].bytes >= bytes
            && s->slot[i].bytes / 2 <= bytes) {
            b = s->slot[i].block;
            s->slot[i].block = NULL;
        }
    pthread_mutex_unlock(&s->lock);
    return b != NULL ? b : jg_calloc_n(bytes, 1);
}

/* The slot of s kept longest ago among those holding a block but not
   `but`, or -1. */
static int spare_oldest(const jg_spare *s, int but)
{
    int i, at = -1;
    for (i = 0; i < JG_SPARE_SLOTS; i++)
        if (i != but && s->slot[i].block != NULL && (at < 0 || s->slot[i].kept < s->slot[at].kept))
            at = i;
    return at;
}

void jg_spare_keep(jg_spare *s, void *block, size_t bytes, unsigned long key)
{
    void *gone[JG_SPARE_SLOTS + 1];
    size_t total = bytes;
    int i, at = -1, n = 0;
    if (block == NULL)
        return;
    if (s->cap > 0 && bytes > s->cap) {
        jg_free(block);
        return;
    }
    pthread_mutex_lock(&s->lock);
    /* an empty slot, else the least recently kept: not the place of a
       block of the same key, which a take running beside this one (the
       other thread's tape, a second batch of points in one step) needs */
    for (i = 0; i < JG_SPARE_SLOTS && at < 0; i++)
        if (s->slot[i].block == NULL)
            at = i;
    if (at < 0)
        at = spare_oldest(s, -1);
    if (s->slot[at].block != NULL)
        gone[n++] = s->slot[at].block;
    s->slot[at].block = block;
    s->slot[at].bytes = bytes;
    s->slot[at].key = key;
    s->slot[at].kept = ++s->clock;
    for (i = 0; i < JG_SPARE_SLOTS; i++)
        if (i != at && s->slot[i].block != NULL)
            total += s->slot[i].bytes;
    while (s->cap > 0 && total > s->cap && (i = spare_oldest(s, at)) >= 0) {
        gone[n++] = s->slot[i].block;
        total -= s->slot[i].bytes;
        s->slot[i].block = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    while (n > 0)
        jg_free(gone[--n]);
}

void jg_spare_free(jg_spare *s)
{
    int i;
    pthread_mutex_destroy(&s->lock);
    for (i = 0; i < JG_SPARE_SLOTS; i++) {
        jg_free(s->slot[i].block);
        s->slot[i].block = NULL;
    }
}

char *jg_strndup(const char *s, size_t n)
{
    char *d = (char *)jg_malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *jg_strdup(const char *s)
{
    return jg_strndup(s, strlen(s));
}

size_t jg_mul(size_t n, size_t size, int *overflow)
{
    if (size != 0 && n > (size_t)-1 / size) {
        *overflow = 1;
        return (size_t)-1;
    }
    return n * size;
}

void *jg_malloc_n(size_t n, size_t size)
{
    int overflow = 0;
    const size_t bytes = jg_mul(n, size, &overflow);
    return overflow ? NULL : jg_malloc(bytes);
}

void *jg_calloc_n(size_t n, size_t size)
{
    void *p;
    int overflow = 0;
    jg_mul(n, size, &overflow);
    if (overflow || should_fail())
        return NULL;
    p = calloc(n ? n : 1, size ? size : 1);
    if (p != NULL && fail_at != 0)
        n_live++;
    return p;
}

void *jg_realloc_n(void *p, size_t n, size_t size)
{
    int overflow = 0;
    const size_t bytes = jg_mul(n, size, &overflow);
    return overflow ? NULL : jg_realloc(p, bytes);
}
