/* mem.c: the one place that allocates (see mem.h). */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

static unsigned long fail_at;   /* 0: never fail; else the count that fails */
static unsigned long n_calls;   /* allocations since jg_mem_fail_after */

static int should_fail(void)
{
    n_calls++;
    return fail_at != 0 && n_calls >= fail_at;
}

unsigned long jg_mem_fail_after(unsigned long k)
{
    unsigned long made = n_calls;
    fail_at = k;
    n_calls = 0;
    return made;
}

void *jg_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *jg_realloc(void *p, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(p, size ? size : 1);
}

void jg_free(void *p)
{
    free(p);
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
        return 0;
    }
    return n * size;
}
