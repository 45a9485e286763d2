/* buf.h: a growable byte string. An allocation failure makes the buffer
   sticky-failed: later appends do nothing and jg_buf_failed says so, so a
   writer can append freely and check once at the end. */
#ifndef JG_BUF_H
#define JG_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct jg_buf {
    char *data;     /* owned; always NUL-terminated when len > 0 */
    size_t len;
    size_t cap;
    int failed;     /* an allocation failed: contents are incomplete */
} jg_buf;

#define JG_BUF_INIT {NULL, 0, 0, 0}

void jg_buf_putn(jg_buf *b, const char *s, size_t n);
void jg_buf_puts(jg_buf *b, const char *s);
void jg_buf_putc(jg_buf *b, char c);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void jg_buf_printf(jg_buf *b, const char *fmt, ...);
void jg_buf_vprintf(jg_buf *b, const char *fmt, va_list ap);

/* The contents as a C string ("" when empty); owned by the buffer. */
const char *jg_buf_str(const jg_buf *b);
/* Frees the contents and resets the buffer to empty. */
void jg_buf_free(jg_buf *b);

#endif
