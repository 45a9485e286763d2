/* diag.h: diagnostics collected while reading a spec and its weights. Every
   message names its place, `file:line:col: message`, and all of them are
   kept (lemon's ErrorMsg), so the user sees every problem in one run, up
   to JG_DIAG_MAX_SHOWN; past them, a last line says how many more there
   were. The library never prints: the caller decides where the text goes. */
#ifndef JG_DIAG_H
#define JG_DIAG_H

#include "buf.h"

/* Messages kept in full, at most; past them one line counts the rest. */
#define JG_DIAG_MAX_SHOWN 20

typedef struct jg_diag {
    jg_buf text;        /* one message per line */
    int n_errors;
    int n_warnings;
    int n_hidden;       /* messages past JG_DIAG_MAX_SHOWN, counted in text's last line */
    size_t tail;        /* where that line starts in text */
} jg_diag;

#define JG_DIAG_INIT {JG_BUF_INIT, 0, 0, 0, 0}

/* Records an error at file:line:col (line 0: `file: `; col 0: `file:line: `). */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void jg_diag_error(jg_diag *d, const char *file, int line, int col,
                   const char *fmt, ...);
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
void jg_diag_warning(jg_diag *d, const char *file, int line, int col,
                     const char *fmt, ...);

void jg_diag_free(jg_diag *d);

/* s shown safely inside a message (a name from a spec or a weights file):
   printable ASCII kept, the rest as \xNN, cut to about 60 bytes; written
   into out, which is returned. */
const char *jg_shown(const char *s, char out[256]);

/* The edit distance of a[0 .. la) and b[0 .. lb), a swap of neighbours
   counting one edit (optimal string alignment: "tahn" is one edit from
   "tanh"); 99 when either is longer than 32. What every "did you mean"
   of the spec parser and the command line measures. */
size_t jg_edit_distance(const char *a, size_t la, const char *b, size_t lb);

#endif
