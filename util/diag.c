/* diag.c: diagnostics with places (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void add(jg_diag *d, const char *kind, const char *file, int line,
                int col, const char *fmt, va_list ap)
{
    if (d->n_errors + d->n_warnings >= JG_DIAG_MAX_SHOWN) {
        /* counted, not kept: the last line says how many */
        if (d->n_hidden++ == 0)
            d->tail = d->text.len;
        d->text.len = d->tail;
        if (d->text.data != NULL)
            d->text.data[d->tail] = '\0';
        jg_buf_printf(&d->text, "%s: and %d more message%s (the first %d are shown)\n", file, d->n_hidden,
                      d->n_hidden == 1 ? "" : "s", JG_DIAG_MAX_SHOWN);
        return;
    }
    jg_buf_puts(&d->text, file);
    if (line > 0)
        jg_buf_printf(&d->text, ":%d", line);
    if (line > 0 && col > 0)
        jg_buf_printf(&d->text, ":%d", col);
    jg_buf_puts(&d->text, kind);
    jg_buf_vprintf(&d->text, fmt, ap);
    jg_buf_putc(&d->text, '\n');
}

void jg_diag_error(jg_diag *d, const char *file, int line, int col,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, ": ", file, line, col, fmt, ap);
    va_end(ap);
    d->n_errors++;
}

void jg_diag_warning(jg_diag *d, const char *file, int line, int col,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, ": warning: ", file, line, col, fmt, ap);
    va_end(ap);
    d->n_warnings++;
}

void jg_diag_free(jg_diag *d)
{
    jg_buf_free(&d->text);
    d->n_errors = d->n_warnings = d->n_hidden = 0;
    d->tail = 0;
}

/* s shown safely inside a message: printable ASCII kept, the rest as \xNN,
   cut to about 60 bytes. */
const char *jg_shown(const char *s, char out[256])
{
    size_t n = 0;
    for (; *s != '\0' && n < 240; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[n++] = (char)c;
        } else {
            sprintf(out + n, "\\x%02x", c);
            n += 4;
        }
        if (n > 60) {
            strcpy(out + n, "...");
            return out;
        }
    }
    out[n] = '\0';
    return out;
}


size_t jg_edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[33][33], i, j;
    if (la > 32 || lb > 32)
        return 99;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++)
        for (j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}
