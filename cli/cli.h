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
/* Edit distance of two short words (at most 31 bytes each), or 99: for
   "did you mean". */
int cli_edit_distance(const char *a, size_t la, const char *b, size_t lb);

/* Prints the collected messages; returns the exit status they call for. */
int cli_report(jg_diag *d);

/* --precision's value into *p (JG_NET_DOUBLE or JG_NET_FLOAT); 0, or -1
   when it is neither. */
int cli_parse_precision(const char *v, int *p);

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

/* Reads N_IN numbers per line from fp into pts (name for messages); every
   bad line is reported. Returns 0 or -1. */
int cli_read_points(FILE *fp, const char *name, size_t n_in, cli_points *pts, jg_diag *d);

/* The outputs of one command: each is written to a temporary file beside
   its path first and renamed only when all of them were written, so that a
   failure leaves every target as it was. A path "-" is stdout, NULL skips
   the entry. */
typedef struct cli_output {
    const char *path;
    jg_buf text;
    char *tmp;          /* the temporary file's name while written (owned) */
} cli_output;

/* Writes out[0..n), all or none; problems go to d. None is written when
   one of them is the same file as one of inputs[0..n_inputs) (the spec,
   the weights: compared as files, so ./m.spec and links count) or as
   another output. */
void cli_write_outputs(cli_output *out, size_t n, const char *const *inputs, size_t n_inputs, jg_diag *d);

#endif
