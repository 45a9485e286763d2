/* emit.h: writes the C for a model: a source file and a header (ABI 1,
   docs/abi.md), filled from the templates in templates/. */
#ifndef JG_EMIT_H
#define JG_EMIT_H

#include "buf.h"
#include "jetgen.h"
#include "diag.h"
#include "model.h"
#include "plan.h"

#define JG_VERSION JETGEN_VERSION   /* include/jetgen.h */
#define JG_MAX_PREFIX 64

typedef enum jg_emit_target {
    JG_TARGET_FILE,     /* standalone C99: includes <math.h>, <stddef.h> */
    JG_TARGET_SINGLE,   /* one header in the stb way: bodies under PREFIX_IMPLEMENTATION */
    JG_TARGET_JIT,      /* for libtcc: no system headers; the runtime binds the kernels */
    JG_TARGET_JIT_BOUND /* the same, with every array of the plan declared extern as
                           PREFIX__a<i> (i its index in the plan) for the runtime to bind
                           by address: the weights are not printed */
} jg_emit_target;

/* The second-derivative functions to emit (bits; the JIT gets all). */
#define JG_HESSIAN_FULL      1u     /* PREFIX_hessian: d2u [n][N_OUT][N_IN][N_IN] */
#define JG_HESSIAN_DIAG      2u     /* PREFIX_hessian_diag: d2u_diag [n][N_OUT][N_IN] */
#define JG_HESSIAN_LAPLACIAN 4u     /* PREFIX_laplacian: lap [n][N_OUT] */
#define JG_HESSIAN_ALL       7u

typedef struct jg_emit_opts {
    const char *prefix;     /* names: PREFIX_eval, PREFIX_N_IN, ...; a C identifier */
    jg_emit_target target;
    const char *command;    /* the command line, for the provenance comment; or NULL */
    jg_precision precision;     /* for jg_emit; jg_emit_plan takes the plan's */
    unsigned hessians;      /* JG_HESSIAN_* bits; 0 means JG_HESSIAN_FULL */
} jg_emit_opts;

/* NULL when prefix can name the emitted functions, else why not. */
const char *jg_prefix_problem(const char *prefix);

/* Appends the source of plan p (for JG_TARGET_SINGLE the single header) to
   c and the header to h (h may be NULL; it is not written for
   JG_TARGET_SINGLE), in p's precision (o->precision is not read). Returns 0, or -1 with the
   reason added to d. Same plan and options: same bytes. */
int jg_emit_plan(const jg_plan *p, const jg_emit_opts *o, jg_buf *c, jg_buf *h,
                 jg_diag *d);
/* What an emitted file's own report (the string PREFIX_info() returns, as
   this file writes it) says against model m: 0 when it holds m's network
   (in precision JG_DOUBLE or JG_FLOAT; -1: either); 1 when it does but was
   built from another text of the spec, with the same weights; -1 when it
   holds another network, precision, `over` or ABI (its numbers would be
   read with the wrong sizes). For 1 and -1 the reason is appended to why
   (one line, naming the spec as spec). The command line's `verify` and the
   Python package's load_library read reports only through this. */
int jg_emit_info_check(const jg_model *m, const char *info, int precision, const char *spec, jg_buf *why);

/* The same for model m, planned in o->precision. */
int jg_emit(const jg_model *m, const jg_emit_opts *o, jg_buf *c, jg_buf *h,
            jg_diag *d);

#endif
