/* buf.c: a growable byte string (see buf.h). */
#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "mem.h"

static int reserve(jg_buf *b, size_t extra)
{
    size_t need, cap;
    char *d;
    if (b->failed)
        return 0;
    if (extra > (size_t)-1 - b->len - 1) {
        b->failed = 1;
        return 0;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    d = (char *)jg_realloc(b->data, cap);
    if (d == NULL) {
        b->failed = 1;
        return 0;
    }
    b->data = d;
    b->cap = cap;
    return 1;
}

void jg_buf_putn(jg_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void jg_buf_puts(jg_buf *b, const char *s)
{
    jg_buf_putn(b, s, strlen(s));
}

void jg_buf_putc(jg_buf *b, char c)
{
    jg_buf_putn(b, &c, 1);
}

void jg_buf_vprintf(jg_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void jg_buf_printf(jg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    jg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *jg_buf_str(const jg_buf *b)
{
    return b->len ? b->data : "";
}

void jg_buf_free(jg_buf *b)
{
    jg_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
