/* cli.h: the commands of the jetgen program (one file each: check.c,
   emit.c, eval.c, init.c, verify.c; main.c picks one) and what they share
   (common.c): usage errors, messages, option values, points to evaluate
   at, writing files. The commands call the library (include/jetgen.h) as
   any program would, and util/ for messages and buffers; verify also
   calls the generator's long-double oracle (gen/fdiff.h). None calls
   another. */
#ifndef JG_CLI_H
#define JG_CLI_H

#include <stdio.h>

#include "buf.h"
#include "diag.h"
#include "jetgen.h"

#define EXIT_INPUT 1    /* bad input: spec, weights, points, files */
#define EXIT_USAGE 2    /* bad command line */

/* The commands: argv holds the arguments after the command's name. emit
   also takes the whole command line, for its provenance comment. Each
   returns the exit status. */
int cli_check(int argc, char **argv);
int cli_emit(int argc, char **argv, int all_argc, char **all_argv);
int cli_eval(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_verify(int argc, char **argv);

/* Prints "jetgen: " fmt (with arg), then usage, to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, const char *arg);
/* Prints the collected messages; returns the exit status they call for. */
int cli_report(jg_diag *d);

/* --precision's value into *p (JG_NET_DOUBLE or JG_NET_FLOAT); 0, or -1
   when it is neither. */
int cli_parse_precision(const char *v, int *p);

/* --backend's value into *b (JG_NET_JIT or JG_NET_EXECUTOR); 0, or -1. */
int cli_parse_backend(const char *v, int *b);

/* One --hessian name (v, len bytes) into its JG_NET_EMIT_* bit, or 0. */
unsigned cli_hessian_bit(const char *v, size_t len);

/* 1 when name is an activation or identity (what --activation takes). */
int cli_is_activation(const char *name);
/* The activation nearest to a mistyped name (two edits at most), or NULL. */
const char *cli_activation_suggest(const char *name);

typedef struct cli_points {
    size_t n, cap;
    double *x;          /* [n][n_in], owned (jg_free) */
} cli_points;

/* Points from a file (points.c): text, N_IN numbers per line (blank lines
   and # comments skipped; a first row holding the input names, as a
   spreadsheet writes, skipped), or .npy (float64 or float32, shape
   (n, N_IN), or (n,) for one input; C order; either byte order). */
typedef struct cli_source {
    const char *name;           /* for messages: the path, or "<stdin>" */
    FILE *fp;
    int owned;                  /* fp is closed by cli_source_close */
    int npy, f32, swap;         /* .npy: float32 numbers, of the other byte order */
    size_t n_in;
    size_t n;                   /* the points it holds (counted when opened) */
    size_t done;                /* read so far */
    const char *const *names;   /* the n_in input names, or NULL */
    int lineno, header_line, bad_lines;
    char *line;                 /* text: the line buffer */
    size_t cap;
} cli_source;

/* Opens path (NULL or "-": stdin, copied to a temporary file) and checks it
   whole: every bad line reported to d, the points counted. names: the
   input names (for a header row and hints) or NULL. 0, or -1. */
int cli_source_open(cli_source *src, const char *path, size_t n_in, const char *const *names, jg_diag *d);
/* The next points, at most max, into x[max][n_in]: how many (0 at the end,
   or on a problem, reported to d). */
size_t cli_source_read(cli_source *src, double *x, size_t max, jg_diag *d);
void cli_source_close(cli_source *src);
/* All the points of path into pts (for verify). 0, or -1. */
int cli_points_load(const char *path, size_t n_in, const char *const *names, cli_points *pts, jg_diag *d);

/* .npy files (npy.c): one C-order array of float64 or float32 numbers. */
typedef struct cli_npy {
    int f32, swap;              /* float32; the other byte order than this machine's */
    int rank;
    size_t shape[4];
    long data_at;               /* where the numbers start */
} cli_npy;
/* 1 when the n bytes at start begin an .npy file. */
int cli_npy_is(const unsigned char *start, size_t n);
/* Reads and checks the header at fp's position into h (any dtype other
   than float64 or float32, Fortran order or a rank above 4 refused with a
   message naming them). 0, or -1. */
int cli_npy_read_header(FILE *fp, const char *name, cli_npy *h, jg_diag *d);
/* Writes the header of a float64 (f32: float32) array of this machine's
   byte order and the given shape. 0, or -1 on a write error. */
int cli_npy_write_header(FILE *fp, int f32, const size_t *shape, int rank);

/* A file written for an output path. A regular file (or none yet) is
   written to a temporary file beside the file the path names (a symbolic
   link's target: the link stays) and renamed over it by cli_files_commit;
   what is not a regular file (a device such as /dev/null, a FIFO, a
   terminal, /dev/stdout) is written in place, never replaced. */
typedef struct cli_file {
    FILE *fp;           /* open for writing */
    const char *path;   /* as given, for messages */
    char *tmp;          /* the temporary file, or NULL when written in place */
    char *target;       /* what tmp is renamed over (links followed), or NULL */
    char *backup;       /* while committing: a link to the old target */
} cli_file;

/* Opens f for path: 0, or -1 with a message in d (a folder, no
   permission, a link that cannot be followed). */
int cli_file_open(cli_file *f, const char *path, jg_diag *d);

/* Closes f[0..n) (a write error, such as a full device, reported) and
   renames every temporary file over its target, all or none: a rename
   that fails puts back the files renamed before it. 0, or -1 with the
   message in d and nothing replaced. */
int cli_files_commit(cli_file *f, size_t n, jg_diag *d);

/* Closes f[0..n) and removes their temporary files: nothing replaced. */
void cli_files_discard(cli_file *f, size_t n);

/* The outputs of one command: written all or none (cli_file); a path
   "-" is stdout, NULL skips the entry. */
typedef struct cli_output {
    const char *path;
    jg_buf text;
} cli_output;

/* 1 when a and b name one existing file (the same device and inode:
   ./m.spec, links). */
int cli_same_file(const char *a, const char *b);

/* Copies what is left of from to to: 0, or -1 on a read or write error. */
int cli_copy_stream(FILE *to, FILE *from);

/* Writes out[0..n), all or none; problems go to d. None is written when
   one of them is the same file as one of inputs[0..n_inputs) (the spec,
   the weights: compared as files, so ./m.spec and links count) or as
   another output. */
void cli_write_outputs(cli_output *out, size_t n, const char *const *inputs, size_t n_inputs, jg_diag *d);

/* Flushes stdout: 0, or, when a write to it failed (a closed pipe, a
   full device), 1 after saying so on stderr. Every command's last word. */
int cli_stdout_status(void);

/* Progress of a long run on stderr: shown only when stderr is a terminal
   (JETGEN_PROGRESS=1 or 0 forces it on or off) and the run has taken more
   than a second; one line, redrawn at most four times a second, erased at
   the end. */
typedef struct cli_progress {
    const char *what;
    int on, shown;
    double t0, last;
} cli_progress;
void cli_progress_start(cli_progress *p, const char *what);
void cli_progress_show(cli_progress *p, size_t done, size_t total);
void cli_progress_end(cli_progress *p);

#endif
