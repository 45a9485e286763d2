/**** begin provenance ****/
/* templates/model.h: the header jetgen emits for a network, as C that
   compiles on its own. jetgen replaces each section between banner comments
   and renames model_ / MODEL_ to the user's prefix. Sections:
     provenance    this comment: what made the file
     includes      the headers the declarations need
     linkage       MODEL_DEF, the linkage of the functions (extern unless
                   defined before; `--single-header` adds MODEL_STATIC)
     sizes         N_IN, N_OUT, the work space and stack of a call, the
                   precision, the versions
     api-NAME      the second-derivative functions asked for
     api-partials  the terms' partial derivatives, where the spec names
                   terms (partials-size: how many, and which)
   The sample values below are those of the sample network in model.c. */
/**** end provenance ****/
#ifndef MODEL_JETGEN_H
#define MODEL_JETGEN_H

/**** begin includes ****/
#include <stddef.h>
/**** end includes ****/

/**** begin linkage ****/
#ifndef MODEL_DEF
#define MODEL_DEF extern    /* the linkage of the functions below */
#endif
/**** end linkage ****/

#ifdef __cplusplus
extern "C" {
#endif

/**** begin sizes ****/
#define MODEL_N_IN  2
#define MODEL_N_OUT 2
#define MODEL_N_OVER 2  /* inputs of hessian_diag and laplacian: all */
#define MODEL_WORK_BYTES  4416  /* work space of the _work functions, any alignment */
#define MODEL_STACK_BYTES 4416  /* stack of the others: the work space, or 0 */
#define MODEL_ALLOCATES   0     /* 1: the others take the work space from malloc */
typedef double model_real;      /* the precision of every number below */
#define MODEL_ABI_VERSION 1     /* of this interface: docs/abi.md */
#define MODEL_JETGEN_VERSION "0.2.0"  /* the jetgen that wrote it */
/**** end sizes ****/

/* The network at n points. Arrays are row-major, owned by the caller:
     x    [n][MODEL_N_IN]                          the input points
     u    [n][MODEL_N_OUT]                         u = f(x)
     du   [n][MODEL_N_OUT][MODEL_N_IN]             du[p][k][i] = d u_k / d x_i
   and, by function, the second derivatives:
     d2u      [n][MODEL_N_OUT][MODEL_N_IN][MODEL_N_IN]  d2u[p][k][i][j] = d2 u_k / d x_i d x_j
     d2u_diag [n][MODEL_N_OUT][MODEL_N_OVER]       d2u_diag[p][k][t] = d2 u_k / d x_s^2
     lap      [n][MODEL_N_OUT]                     lap[p][k] = sum_s d2 u_k / d x_s^2
   where s runs over the N_OVER inputs the spec's `over` chose (all unless
   it names some, as for u_xx + u_yy of a network of x, y, t), in the order
   of the inputs. Past x, any array may be NULL when not wanted.
   hessian_diag and laplacian carry only what they need (N_OVER
   second-derivative channels, or 1, instead of N_IN (N_IN + 1) / 2).
   Reentrant: no globals are written.
   Memory: each function has a twin NAME_work that takes the work space from
   the caller (work: MODEL_WORK_BYTES = model_work_bytes() bytes, any
   alignment, not shared between threads at once) and allocates nothing.
   The functions without it keep the work space on the stack
   (MODEL_STACK_BYTES), or, where MODEL_ALLOCATES is 1 (too much for a
   stack), take it from malloc and write NaN to every result if that fails.
   Besides, a call uses under 36 KiB of stack (docs/abi.md, "Memory"). */
MODEL_DEF size_t model_work_bytes(void);
/* What the compiled code holds, for programs that load it at run time
   (dlopen, ctypes) to check before they call: MODEL_N_IN, MODEL_N_OUT,
   MODEL_ABI_VERSION, and one line
     "jetgen 0.2.0; abi 1; n_in 2; n_out 2; precision double;
      modes eval jacobian hessian; spec_sha256 HEX; weights_sha256 HEX"
   (a static string; the modes are the functions present). */
MODEL_DEF size_t model_n_in(void);
MODEL_DEF size_t model_n_out(void);
MODEL_DEF int model_abi_version(void);
MODEL_DEF const char *model_info(void);
MODEL_DEF void model_eval(size_t n, const model_real *x, model_real *u);
MODEL_DEF void model_eval_work(size_t n, const model_real *x, model_real *u,
                               void *work);
MODEL_DEF void model_jacobian(size_t n, const model_real *x, model_real *u,
                              model_real *du);
MODEL_DEF void model_jacobian_work(size_t n, const model_real *x, model_real *u,
                                   model_real *du, void *work);
/**** begin api-hessian ****/
MODEL_DEF void model_hessian(size_t n, const model_real *x, model_real *u,
                             model_real *du, model_real *d2u);
MODEL_DEF void model_hessian_work(size_t n, const model_real *x, model_real *u,
                                  model_real *du, model_real *d2u, void *work);
/**** end api-hessian ****/
/**** begin api-hessian_diag ****/
MODEL_DEF void model_hessian_diag(size_t n, const model_real *x, model_real *u,
                                  model_real *du, model_real *d2u_diag);
MODEL_DEF void model_hessian_diag_work(size_t n, const model_real *x, model_real *u,
                                       model_real *du, model_real *d2u_diag, void *work);
/**** end api-hessian_diag ****/
/**** begin api-laplacian ****/
MODEL_DEF void model_laplacian(size_t n, const model_real *x, model_real *u,
                               model_real *du, model_real *lap);
MODEL_DEF void model_laplacian_work(size_t n, const model_real *x, model_real *u,
                                    model_real *du, model_real *lap, void *work);
/**** end api-laplacian ****/
/**** begin api-partials ****/
/**** begin partials-size ****/
#define MODEL_N_TERMS 3   /* the spec's terms, in order (the partial derivative by the
   inputs named, u for none): u x0 x0*x0*x1 */
/**** end partials-size ****/
/* The partial derivatives the spec's `terms` name (or `jetgen emit
   --terms`), of order 0 to 4, at n points:
     out  [n][MODEL_N_OUT][MODEL_N_TERMS]      out[p][k][t] = term t's partial derivative of u_k
   As the functions above: a _work twin; without it, NaN in every result
   if the work space's malloc fails. */
MODEL_DEF void model_partials(size_t n, const model_real *x, model_real *out);
MODEL_DEF void model_partials_work(size_t n, const model_real *x, model_real *out, void *work);
/**** end api-partials ****/

#ifdef __cplusplus
}
#endif

#endif
