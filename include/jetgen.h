/* jetgen.h: the jetgen library. A network (a layer spec and its weights,
   docs/spec.md) is loaded once into a handle; the handle evaluates u(x),
   du/dx and d2u/dx2 (or the Hessian's diagonal, or the Laplacian) at many
   points, with the code compiled in memory by libtcc (the JIT) or walked by
   the executor, which needs no compiler. Build against it with
       cc prog.c $(pkg-config --cflags --libs --static jetgen)
   Conventions (SQLite's and Lua's): functions return a status, JG_NET_OK
   or another JG_NET_* code; a handle keeps the message of its last failed
   load, open, set or emit (jg_net_errmsg); arrays are row-major and owned
   by the caller; the library prints nothing. Layouts are those of the
   emitted code (docs/abi.md): x [n][N_IN], u [n][N_OUT],
   du [n][N_OUT][N_IN], d2u [n][N_OUT][N_IN][N_IN], d2u_diag
   [n][N_OUT][N_OVER], lap [n][N_OUT], where the diagonal and the Laplacian
   are taken over the N_OVER inputs the spec's `over` names (all of them
   unless it names some: jg_net_n_over, jg_net_over_input). */
#ifndef JETGEN_H
#define JETGEN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JETGEN_VERSION        "0.2.0"
#define JETGEN_VERSION_NUMBER 2000      /* major * 1000000 + minor * 1000 + patch */
#define JETGEN_ABI            1         /* of the emitted code: docs/abi.md */

/* Status codes. Misuse, a call that breaks this header's contract (a NULL
   handle, out or array where one is needed, running a handle whose load
   failed, a mode or option out of range, float arrays for a double handle,
   gradients of a float handle), stops the program in a debug build (NDEBUG
   not defined), naming the function and the rule on stderr, as assert
   does; a release build (-DNDEBUG) and libjetgen_core.a return
   JG_NET_EINPUT instead and do nothing. */
#define JG_NET_OK        0
#define JG_NET_EINPUT    1  /* a bad spec, weights file or argument: see the message */
#define JG_NET_ENOMEM    2  /* out of memory */
#define JG_NET_EINTERNAL 3  /* a bug in jetgen: the message says what */

/* What a call computes. */
#define JG_NET_EVAL         0   /* u */
#define JG_NET_JACOBIAN     1   /* u, du */
#define JG_NET_HESSIAN      2   /* u, du, d2u */
#define JG_NET_HESSIAN_DIAG 3   /* u, du, d2u_diag */
#define JG_NET_LAPLACIAN    4   /* u, du, lap */
#define JG_NET_PARTIALS     5   /* the spec's terms, jg_net_partials' out as u (du, d2 unused): for the
                                   gradient and tape calls (jg_net_run refuses it) */

/* How a handle computes. */
#define JG_NET_JIT      0   /* libtcc compiles the plan's calls; weights bound by address
                               (the executor in a build without libtcc, libjetgen_core.a) */
#define JG_NET_EXECUTOR 1   /* the plan walked in C: no compiler */

#define JG_NET_DOUBLE 0
#define JG_NET_FLOAT  1     /* weights rounded to float, every number a float */

typedef struct jg_net jg_net;

typedef struct jg_net_options {
    int precision;          /* JG_NET_DOUBLE (0) or JG_NET_FLOAT */
    int backend;            /* JG_NET_JIT (0) or JG_NET_EXECUTOR */
} jg_net_options;

/* Loads the spec at spec_path and its weights, in double, with the JIT.
   Sets *out to a new handle, to be freed with jg_net_free whatever the
   status; on failure the handle holds only the message (every problem
   found, `FILE:LINE:COL: message` a line). *out is NULL only when even the
   handle could not be allocated. */
int jg_net_load(const char *spec_path, jg_net **out);
/* The same with options (NULL: the defaults of jg_net_load). */
int jg_net_open(const char *spec_path, const jg_net_options *options, jg_net **out);
/* The same from memory: the spec's text spec[spec_len] (not NUL-terminated)
   and the safetensors bytes weights[weights_len] that its `weights`
   statement stands for (both copied: the caller keeps them). name is the
   spec's name in messages (NULL: "<memory>"). weights NULL: the file the
   spec names is read, relative to name's folder, as jg_net_open would. */
int jg_net_load_mem(const char *name, const char *spec, size_t spec_len, const void *weights, size_t weights_len,
                    const jg_net_options *options, jg_net **out);

/* The message of the last failed load, open, set or emit on net, or "".
   Owned by the handle, valid until the next such call on it. */
const char *jg_net_errmsg(const jg_net *net);

/* The warnings of the load (one a line: layers whose second derivative is
   zero almost everywhere), or "". Owned by the handle. */
const char *jg_net_warnings(const jg_net *net);

/* Sizes and settings; 0 for a handle whose load failed. */
size_t jg_net_n_in(const jg_net *net);
size_t jg_net_n_out(const jg_net *net);
/* The name of input i from the spec (`input x t`), or NULL when unnamed or
   out of range. Owned by the handle. */
const char *jg_net_input_name(const jg_net *net, size_t i);
/* The inputs the Hessian's diagonal and the Laplacian are taken over: how
   many (N_IN unless the spec's `over` names fewer), and the index of the
   k-th, in the order of the inputs ((size_t)-1 out of range). */
size_t jg_net_n_over(const jg_net *net);
size_t jg_net_over_input(const jg_net *net, size_t k);
/* The partial derivatives the spec's `terms` statement names (issue 25):
   how many (0 without the statement), and the name of term t ("xxt",
   "x1*x1*x2", "\"\"" for u; NULL out of range; owned by the handle). */
size_t jg_net_n_terms(const jg_net *net);
const char *jg_net_term_name(const jg_net *net, size_t t);
int jg_net_precision(const jg_net *net);
/* The back end the handle runs: JG_NET_EXECUTOR also when the JIT was asked
   for in a build without libtcc. */
int jg_net_backend(const jg_net *net);
/* Bytes of work space one call takes: jg_net_run and its kin allocate it
   per call and free it before they return; jg_net_run_work takes it from
   the caller (any alignment) and allocates nothing. */
size_t jg_net_work_bytes(const jg_net *net);

/* The network at n points x. Any of u, du and the second derivatives may
   be NULL. In a float handle the numbers are rounded to float and back.
   Safe to call from several threads at once on one handle (each call has
   its own work space). JG_NET_OK, JG_NET_EINPUT (a handle whose load
   failed, x NULL with n > 0) or JG_NET_ENOMEM. */
int jg_net_eval(jg_net *net, size_t n, const double *x, double *u);
int jg_net_jacobian(jg_net *net, size_t n, const double *x, double *u, double *du);
int jg_net_hessian(jg_net *net, size_t n, const double *x, double *u, double *du, double *d2u);
int jg_net_hessian_diag(jg_net *net, size_t n, const double *x, double *u, double *du,
                        double *d2u_diag);
int jg_net_laplacian(jg_net *net, size_t n, const double *x, double *u, double *du, double *lap);
/* Any mode (JG_NET_EVAL ...): d2 is d2u, d2u_diag or lap by mode. */
int jg_net_run(jg_net *net, int mode, size_t n, const double *x, double *u, double *du, double *d2);
/* The same in float, for a float handle only (else JG_NET_EINPUT): no
   conversion. */
int jg_net_run_float(jg_net *net, int mode, size_t n, const float *x, float *u, float *du,
                     float *d2);
/* The spec's terms at n points x: out [n][N_OUT][jg_net_n_terms(net)],
   out[(p N_OUT + k) n_terms + t] = d^|t| u_k / d x^t at point p, by the
   Taylor coefficients of the terms' monomials propagated in closed form
   (every order to 4, mixed terms exact). The executor computes them in
   both back ends (the JIT and emitted code do not yet). JG_NET_EINPUT for
   a spec without `terms`; in a float handle jg_net_partials rounds to float
   and back, jg_net_partials_float takes floats (a float handle only). */
int jg_net_partials(jg_net *net, size_t n, const double *x, double *out);
int jg_net_partials_float(jg_net *net, size_t n, const float *x, float *out);
/* Replaces the spec's terms (or gives a handle terms) by the comma-separated
   list `terms` ("xxx,xxxx", "\"\",x,xx": the syntax of the spec's `terms`
   statement, "" or an empty item for u): the handle's plans (and the JIT's
   code) are made again from its network, with every jg_net_set_tensor
   change kept; tapes made before are refused. JG_NET_EINPUT with the
   message `terms:1:COL: ...` names a bad term and leaves the handle as
   it was; a failure after that (out of memory) leaves a handle holding
   only the message. Not to be called while another thread runs the
   handle. */
int jg_net_set_terms(jg_net *net, const char *terms);
/* jg_net_run (a double handle) and jg_net_run_float (a float handle) in
   the caller's work space of jg_net_work_bytes(net) bytes: no allocation
   (a controller's loop; CasADi's convention). A work space serves one
   call at a time: threads running at once each give their own. */
int jg_net_run_work(jg_net *net, int mode, size_t n, const double *x, double *u, double *du, double *d2,
                    void *work);
int jg_net_run_float_work(jg_net *net, int mode, size_t n, const float *x, float *u, float *du, float *d2,
                          void *work);
/* jg_net_run with the points split over up to `threads` threads (0: one
   per core this process may run on, its CPU affinity, each given about
   5 million flops of work at least, so that a short call stays on fewer;
   fewer also when there are few points). */
int jg_net_run_parallel(jg_net *net, int mode, int threads, size_t n, const double *x, double *u,
                        double *du, double *d2);

/* Replaces the numbers of a tensor of the weights file (`linears.0.weight`,
   `linears.0.bias`, a scale's or fourier's tensor) with count numbers
   (row-major, the tensor's shape), in place: later calls see them, with
   no reload and no compile. Not to be called while another thread runs
   the handle. JG_NET_EINPUT names an unknown tensor, a wrong count or a
   non-finite number. */
int jg_net_set_tensor(jg_net *net, const char *tensor, const double *values, size_t count);
/* Several tensors at once (a training step's new weights): tensors[i]
   gets counts[i] numbers from values[i]. All are checked first (on an
   error nothing changes, and the message names the tensor); then the
   arrays are made once, where n calls of jg_net_set_tensor make them n
   times (18 tensors of a [2,20x8,1] network: 390 -> 30 us here; 7 us
   since the forward plans' arrays are filled at the next forward that
   reads them, which a training step by tapes never calls). */
int jg_net_set_tensors(jg_net *net, size_t n, const char *const *tensors, const double *const *values,
                       const size_t *counts);

/* ---- Gradients, for training ---- */

/* The tensors the network reads (its parameters), each once, in the order
   of the layers that first read them: name (as in the weights file),
   numbers, and place in the gradient array of jg_net_gradient, whose
   length is jg_net_n_grad. Owned by the handle; 0 / NULL out of range or
   for a handle whose load failed. */
size_t jg_net_n_tensors(jg_net *net);
const char *jg_net_tensor_name(jg_net *net, size_t i);
size_t jg_net_tensor_count(jg_net *net, size_t i);
size_t jg_net_tensor_offset(jg_net *net, size_t i);
size_t jg_net_n_grad(jg_net *net);

/* For the results of a mode at the n points x (u, du and the mode's
   second derivatives d2, the layouts of jg_net_run) and cotangents of
   them gu, gdu, gd2 (the same layouts; each may be NULL, meaning zeros),
   the gradients of
       L = sum(gu u) + sum(gdu du) + sum(gd2 d2)
   with respect to every tensor of the network, into grad
   [jg_net_n_grad] (overwritten; a tensor read by several layers gets the
   sum), and to x, into gx [n][N_IN] (or NULL): a forward sweep that keeps
   every value, then a reverse sweep through the 2-jet (third derivatives
   of the activations in closed form). The weights are those of the
   handle, with jg_net_set_tensor's changes. In double: a float handle
   gives JG_NET_EINPUT (jg_net_gradient_float is its). Calls may run in several threads at once (each
   takes its own work space); the first builds the reverse sweep's plan.
   Mode JG_NET_PARTIALS (a spec with `terms`): u is jg_net_partials' out,
   gu its cotangents [n][N_OUT][n_terms], gdu and gd2 unread; the reverse
   sweep runs through the terms' series, each activation's Taylor
   coefficients one order above the terms'. */
int jg_net_gradient(jg_net *net, int mode, size_t n, const double *x, const double *gu, const double *gdu,
                    const double *gd2, double *grad, double *gx);
/* The same for a float handle (else JG_NET_EINPUT): points, cotangents
   and gx in float, the forward and reverse sweeps in float with the
   handle's rounded weights, each tile's gradients summed in float and the
   tiles' sums in double, into grad (double). About twice as fast as
   jg_net_gradient where the work is the vectors'; the gradients within a
   few float roundings of double's (tests/gradients.py states the bound). */
int jg_net_gradient_float(jg_net *net, int mode, size_t n, const float *x, const float *gu, const float *gdu,
                          const float *gd2, double *grad, float *gx);

/* One forward a training step: jg_net_forward_tape computes a mode's
   results at the n points x, as jg_net_run does (any of u, du, d2 may be
   NULL), and keeps every value of that forward sweep in a tape
   (jg_net_tape_bytes(net, mode, n) bytes of memory, allocated here);
   jg_net_gradient_tape then gives what jg_net_gradient gives at those
   points, from the tape, without computing the forward again. The tape
   holds the numbers of the weights it was made with: after
   jg_net_set_tensor it is refused (JG_NET_EINPUT; make a new one). It is
   only read, so several jg_net_gradient_tape calls (other cotangents) may
   use one tape, also from several threads. In double; the _float pair is
   a float handle's, as jg_net_gradient_float (each handle refuses the
   other's pair, JG_NET_EINPUT). JG_NET_OK, JG_NET_EINPUT or
   JG_NET_ENOMEM. */
typedef struct jg_net_tape jg_net_tape;
size_t jg_net_tape_bytes(jg_net *net, int mode, size_t n);
int jg_net_forward_tape(jg_net *net, int mode, size_t n, const double *x, double *u, double *du, double *d2,
                        jg_net_tape **tape);
int jg_net_gradient_tape(jg_net *net, const jg_net_tape *tape, const double *gu, const double *gdu,
                         const double *gd2, double *grad, double *gx);
int jg_net_forward_tape_float(jg_net *net, int mode, size_t n, const float *x, float *u, float *du, float *d2,
                              jg_net_tape **tape);
int jg_net_gradient_tape_float(jg_net *net, const jg_net_tape *tape, const float *gu, const float *gdu,
                               const float *gd2, double *grad, float *gx);
void jg_net_tape_free(jg_net_tape *tape);
/* The floating-point operations a point of the forward sweep that
   jg_net_gradient computes again and a tape saves (its dense products in
   every channel of mode): against jg_net_tape_bytes, whether a tape pays
   (jetgen.torch.Jet keeps one from 1 per byte). 0 for a bad call. */
size_t jg_net_recompute_flops(jg_net *net, int mode);

/* ---- What a handle holds (what `jetgen check` prints) ---- */

typedef struct jg_net_layer {
    const char *kind;           /* the spec keyword: "dense", "tanh", "scale", "residual", ... */
    int line;                   /* its line in the spec */
    size_t n_out, n_in;         /* widths */
    size_t n_params;            /* numbers it reads from the weights file */
    const char *tensor;         /* dense, fourier: the tensor (dense: NAME of NAME.weight);
                                   scale: mul's tensor; else NULL */
    const char *tensor2;        /* scale: add's tensor, or NULL */
    const char *dtype;          /* dense, fourier: the tensor's dtype ("F32", ...), else NULL */
    int has_bias;               /* dense: NAME.bias is there */
    int block;                  /* residual, end: the block, from 1; else 0 */
    int n_args;                 /* activation parameters, or scale's constants (2) */
    const char *arg_name[2];    /* PyTorch's names ("beta", ...); scale: "mul", "add" */
    double arg[2];
} jg_net_layer;

size_t jg_net_n_layers(const jg_net *net);
/* Layer i (from 0) into *out (its strings owned by the handle).
   JG_NET_OK, or JG_NET_EINPUT past the last. */
int jg_net_layer_info(const jg_net *net, size_t i, jg_net_layer *out);
/* In a graph (format 3): the name of layer i's value (NULL in a chain),
   and the names of its operands, k < jg_net_layer_n_operands ("input", an
   input's name or a value's; NULL in a chain or out of range). Owned by
   the handle. */
const char *jg_net_layer_value(const jg_net *net, size_t i);
size_t jg_net_layer_n_operands(const jg_net *net, size_t i);
const char *jg_net_layer_operand(const jg_net *net, size_t i, size_t k);
/* The weights file, as the spec names it resolved against its folder
   (owned by the handle), or NULL. */
const char *jg_net_weights_path(const jg_net *net);
size_t jg_net_n_params(const jg_net *net);
/* Floating-point operations per point for a mode (a multiply-add counts 2,
   an activation function call 1; JG_NET_PARTIALS: the spec's terms, 0
   without them). */
double jg_net_flops(const jg_net *net, int mode);
/* The plan, in the handle's precision: points per tile for a mode, and
   whether emitted code's functions without a work argument take their work
   space (jg_net_work_bytes) from malloc, 1, or from the stack, 0. */
size_t jg_net_tile_points(const jg_net *net, int mode);
int jg_net_plain_allocates(const jg_net *net);

/* ---- C source ---- */

#define JG_NET_EMIT_SOURCE 0    /* the .c file */
#define JG_NET_EMIT_HEADER 1    /* its header */
#define JG_NET_EMIT_SINGLE 2    /* one header in the stb way */

/* Second-derivative functions to emit, bits (0: PREFIX_hessian). */
#define JG_NET_EMIT_HESSIAN      1u     /* PREFIX_hessian */
#define JG_NET_EMIT_HESSIAN_DIAG 2u     /* PREFIX_hessian_diag */
#define JG_NET_EMIT_LAPLACIAN    4u     /* PREFIX_laplacian */

typedef struct jg_net_emit_options {
    int form;               /* JG_NET_EMIT_SOURCE, _HEADER or _SINGLE */
    const char *prefix;     /* names the functions; NULL: "model" */
    unsigned functions;     /* JG_NET_EMIT_HESSIAN, ... bits; 0: JG_NET_EMIT_HESSIAN */
    const char *command;    /* the command line for the provenance comment, or NULL */
} jg_net_emit_options;

/* The C source for the network with the current weights, in the handle's
   precision, as `jetgen emit` writes it (options NULL: the .c file, prefix
   model, PREFIX_hessian). *text (NUL-terminated, *len bytes without the
   NUL; len may be NULL) is the caller's, freed with jg_net_free_text.
   JG_NET_EINPUT for a prefix that cannot name C functions. */
int jg_net_emit(jg_net *net, const jg_net_emit_options *options, char **text, size_t *len);
void jg_net_free_text(char *text);

/* Whether the report of emitted code (the string its PREFIX_info()
   returns) describes the network net holds, in precision (JG_NET_DOUBLE,
   JG_NET_FLOAT, or -1: either): JG_NET_OK; JG_NET_EINPUT when it holds
   another network, precision, `over` or ABI (its arrays would be sized
   wrong), with the reason in jg_net_errmsg. *same_text (may be NULL) is 0
   when the code came from another text of the spec with the same weights
   (the reason in jg_net_errmsg too), else 1. For a program that loads an
   emitted shared object beside the spec it came from. */
int jg_net_check_info(jg_net *net, const char *info, int precision, int *same_text);

/* NULL when prefix can name the emitted functions (a C identifier, not
   starting with _, at most 64 bytes), else why not (a static string). */
const char *jg_net_prefix_problem(const char *prefix);

/* The spec keyword of activation i (from 0: "tanh", "sigmoid", ...), or
   NULL past the last: the list jetgen knows (gen/activations.h). */
const char *jg_activation_name(size_t i);

/* A starting spec for the safetensors file at weights_path: its rank-2
   NAME.weight tensors in the natural order of their names (linears.2
   before linears.10), chained by shape, with `activation` (a spec keyword)
   between them (`jetgen init`). On JG_NET_OK *text holds it, else
   *message says why (both freed with jg_net_free_text; len may be NULL). */
int jg_spec_from_weights(const char *weights_path, const char *activation, char **text, size_t *len,
                         char **message);

/* Frees the handle and everything it holds. NULL is fine. */
void jg_net_free(jg_net *net);

#ifdef __cplusplus
}
#endif

#endif
