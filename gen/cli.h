/* cli.h: what the commands of the jetgen program share: usage errors,
   messages, options, points to evaluate at, the JIT. The commands are in
   jetgen.c but verify, in verify.c. */
#ifndef JG_CLI_H
#define JG_CLI_H

#include <stdio.h>

#include "diag.h"
#include "emit.h"
#include "jit.h"
#include "model.h"

#define EXIT_INPUT 1    /* bad input: spec, weights, points, files */
#define EXIT_USAGE 2    /* bad command line */

/* Prints "jetgen: " fmt (with arg), then usage, to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, const char *arg);

/* Prints the collected messages; returns the exit status they call for. */
int cli_report(jg_diag *d);

/* --precision's value into *p; 0, or -1 when it is neither. */
int cli_parse_precision(const char *v, jg_precision *p);

typedef struct cli_points {
    size_t n, cap;
    double *x;          /* [n][n_in], owned (jg_free) */
} cli_points;

/* Reads N_IN numbers per line from fp into pts (name for messages); every
   bad line is reported. Returns 0 or -1. */
int cli_read_points(FILE *fp, const char *name, size_t n_in, cli_points *pts, jg_diag *d);

/* m's code for the JIT in precision, compiled: *jit (free with
   jg_jit_free) has model_eval, model_jacobian, model_hessian,
   model_hessian_diag and model_laplacian. Returns 0, or -1 with the reason
   in d (spec names the place). */
int cli_jit(const jg_model *m, const char *spec, jg_precision precision, jg_jit **jit, jg_diag *d);

/* Calls f, the emitted function for mode (JG_MODE_*), at the n points x
   [n][N_IN] in the code's precision (is_float: x rounded to float, results
   widened); u, du and d2 (the mode's second derivatives) in double, each
   written only if the mode gives it. Returns 0, or -1: out of memory. */
int cli_call(jg_jit_fn f, int mode, int is_float, const jg_model *m, size_t n, const double *x,
             double *u, double *du, double *d2);

/* `jetgen verify` (verify.c). */
int cli_verify(int argc, char **argv);

#endif
