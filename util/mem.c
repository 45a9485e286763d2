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

void jg_spare_init(jg_spare *s)
{
    pthread_mutex_init(&s->lock, NULL);
    s->block = NULL;
    s->bytes = 0;
    s->key = 0;
}

void *jg_spare_take(jg_spare *s, size_t bytes, unsigned long key)
{
    void *b = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->block != NULL && s->key == key && s->bytes >= bytes && s->bytes / 2 <= bytes) {
        b = s->block;
        s->block = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    return b != NULL ? b : jg_calloc_n(bytes, 1);
}

void jg_spare_keep(jg_spare *s, void *block, size_t bytes, unsigned long key)
{
    void *gone;
    pthread_mutex_lock(&s->lock);
    gone = s->block;
    s->block = block;
    s->bytes = bytes;
    s->key = key;
    pthread_mutex_unlock(&s->lock);
    jg_free(gone);
}

void jg_spare_free(jg_spare *s)
{
    pthread_mutex_destroy(&s->lock);
    jg_free(s->block);
    s->block = NULL;
    s->bytes = 0;
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
