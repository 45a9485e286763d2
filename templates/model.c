/**** begin provenance ****/
/* templates/model.c: the source jetgen emits for a network, as C that
   compiles on its own, here for a sample network (2 inputs; dense 3, tanh,
   dense 3, sigmoid, dense 2):  cc -std=c99 -Itemplates -c templates/model.c
   jetgen replaces each section between banner comments and renames model_ /
   MODEL_ to the user's prefix (model__ marks private names). Sections:
     provenance    this comment: what made the file
     includes      the headers (the JIT gets its own few declarations)
     declarations  model.h, less its provenance and includes
     implementation  empty here; `--single-header` opens the bodies with
                   the MODEL_IMPLEMENTATION guard (templates/single.h)
     kernels       the needed sections of templates/kernels.c (for the JIT,
                   their declarations only: the runtime supplies them)
     work          tile sizes and work buffers of this network
     weights       the weights, transposed and padded, as exact literals
     layers        the body of model__tile: the network, step by step
     info          the body of model_info: what the code holds
     plain         where the functions without a work argument find their
                   work space: replaced by its part plain-stack or plain-heap
     api-NAME      model_NAME for the second derivatives asked for (hessian,
                   hessian_diag, laplacian); the others are dropped
     api-partials  model_partials, where the spec names terms (else
                   dropped): partials-tables their channels, partials-layers
                   the body of model__tile_partials, partials-plain the work
                   space of model_partials (its part partials-stack or
                   partials-heap)
     end           empty here; `--single-header` closes the guard */
/**** end provenance ****/

/**** begin includes ****/
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
/**** end includes ****/

/**** begin declarations ****/
#include "model.h"
/**** end declarations ****/
/**** begin implementation ****/
/**** end implementation ****/

/**** begin kernels ****/
#define MODEL__API      /* in this sample every kernel is external: none unused */
#include "kernels.c"
/**** end kernels ****/

/**** begin work ****/
/* Per mode (0 u; 1 u, du; 2 u, du, d2u; 3 u, du, d2u_diag; 4 u, du, lap):
   channels per point, points per tile, second-derivative numbers per
   output in the results. */
static const size_t model__channels[5] = {1, 3, 6, 5, 4};
static const size_t model__tile_points[5] = {16, 16, 10, 12, 15};
static const size_t model__per2[5] = {0, 0, 4, 2, 1};
#define MODEL__ROWS  60     /* rows of a tile at most: channels x points */
#define MODEL__WIDTH 8      /* widest layer held in the work space, padded */
#define MODEL__OUT   8      /* output neurons computed at once, padded */
#define MODEL__BUF   480    /* numbers in a work buffer: ROWS x WIDTH */
/**** end work ****/

/* Weights are aligned to 64 bytes where the compiler can be told; rows
   are padded to 64 bytes. */
#if defined(__GNUC__) || defined(__TINYC__)
#define MODEL__ALIGN __attribute__((aligned(64)))
#else
#define MODEL__ALIGN
#endif

/* The caller's work space from its first 64-byte boundary on
   (MODEL_WORK_BYTES has 64 bytes to spare for it). */
static model_real *model__align(void *work)
{
    unsigned char *p = (unsigned char *)work;
    return (model_real *)(void *)(p + (64 - (size_t)p % 64) % 64);
}

/**** begin weights ****/
/* layer 1: W^T [2][8], rows padded with zeros (one panel: 8 columns) */
static const model_real model__l1_w[16] MODEL__ALIGN = {
    0.5, 1.0, -1.5, 0, 0, 0, 0, 0,
    -0.25, 0.75, 0.125, 0, 0, 0, 0, 0};
static const model_real model__l1_b[8] MODEL__ALIGN = {0.1, -0.2, 0.3, 0, 0, 0, 0, 0};
static const model_real model__l3_w[24] MODEL__ALIGN = {
    1, 0, 0.25, 0, 0, 0, 0, 0,
    0, 1, 0.25, 0, 0, 0, 0, 0,
    0.5, -0.5, 1, 0, 0, 0, 0, 0};
static const model_real model__l5_w[24] MODEL__ALIGN = {
    1.0, 0.25, 0, 0, 0, 0, 0, 0,
    -2.0, 0.75, 0, 0, 0, 0, 0, 0,
    0.5, -1.0, 0, 0, 0, 0, 0, 0};
static const model_real model__l5_b[8] MODEL__ALIGN = {0.0, 1.0, 0, 0, 0, 0, 0, 0};
/**** end weights ****/

/* np points x [np][MODEL_N_IN] through the network, computing what mode
   asks; results go to u, du, d2u (offset to the tile's first point, each
   may be NULL; d2u is the Hessian, its diagonal or the Laplacian, by mode).
   np * model__channels[mode] <= MODEL__ROWS. The tile's rows live in work
   (64-byte aligned): buffers of MODEL__BUF numbers, one after the other. */
static void model__tile(int mode, size_t np, const model_real *x,
                        model_real *u, model_real *du, model_real *d2u,
                        model_real *work)
{
/**** begin layers ****/
    model_real *work0 = work, *work1 = work + MODEL__BUF;
    const size_t nrow = model__channels[mode] * np;
    model__seed(MODEL_N_IN, nrow, np, x, work0, 8);
    model__dense(8, 2, model__l1_w, 8, 0, model__l1_b, nrow, np, work0, 8, work1, 8, NULL);
    model__activate(model__tanh, 0.0, 0.0, 8, MODEL_N_IN, MODEL_N_OVER, NULL, mode, np, work1, 8);
    model__dense(8, 3, model__l3_w, 8, 0, NULL, nrow, np, work1, 8, work0, 8, NULL);
    model__activate(model__sigmoid, 0.0, 0.0, 8, MODEL_N_IN, MODEL_N_OVER, NULL, mode, np, work0, 8);
    model__dense(8, 3, model__l5_w, 8, 0, model__l5_b, nrow, np, work0, 8, work1, 8, NULL);
    model__store(MODEL_N_OUT, 0, 2, MODEL_N_IN, MODEL_N_OVER, mode, np, work1, 8, u, du, d2u);
/**** end layers ****/
}

/* All n points, a tile at a time, in the caller's work space. */
static void model__run(int mode, size_t n, const model_real *x,
                       model_real *u, model_real *du, model_real *d2u,
                       void *work_space)
{
    model_real *const work = model__align(work_space);
    const size_t tile = model__tile_points[mode], per2 = MODEL_N_OUT * model__per2[mode];
    size_t p, np;
    for (p = 0; p < n; p += np) {
        np = n - p < tile ? n - p : tile;
        model__tile(mode, np, x + p * MODEL_N_IN,
                    u != NULL ? u + p * MODEL_N_OUT : NULL,
                    du != NULL ? du + p * MODEL_N_OUT * MODEL_N_IN : NULL,
                    d2u != NULL ? d2u + p * per2 : NULL, work);
    }
}

/**** begin plain ****/
#if MODEL_ALLOCATES == 0
/**** begin plain-stack ****/
/* The functions without a work argument keep their work space on the
   stack: MODEL_STACK_BYTES. */
static void model__plain(int mode, size_t n, const model_real *x,
                         model_real *u, model_real *du, model_real *d2u)
{
    model_real work[MODEL_WORK_BYTES / sizeof(model_real)];
    model__run(mode, n, x, u, du, d2u, work);
}
/**** end plain-stack ****/
#else
/**** begin plain-heap ****/
/* This network's work space, MODEL_WORK_BYTES, is more than a stack should
   hold: the functions without a work argument take it from malloc and give
   it back before they return. Should malloc fail, every result asked for
   is NaN. The _work functions never allocate. */
static void model__plain(int mode, size_t n, const model_real *x,
                         model_real *u, model_real *du, model_real *d2u)
{
    const size_t per2 = MODEL_N_OUT * model__per2[mode];
    void *work = malloc(MODEL_WORK_BYTES);
    size_t i;
    if (work != NULL) {
        model__run(mode, n, x, u, du, d2u, work);
        free(work);
        return;
    }
    for (i = 0; u != NULL && i < n * MODEL_N_OUT; i++)
        u[i] = (model_real)NAN;
    for (i = 0; mode >= 1 && du != NULL && i < n * MODEL_N_OUT * MODEL_N_IN; i++)
        du[i] = (model_real)NAN;
    for (i = 0; mode >= 2 && d2u != NULL && i < n * per2; i++)
        d2u[i] = (model_real)NAN;
}
/**** end plain-heap ****/
#endif
/**** end plain ****/

MODEL_DEF size_t model_work_bytes(void)
{
    return MODEL_WORK_BYTES;
}

MODEL_DEF size_t model_n_in(void)
{
    return MODEL_N_IN;
}

MODEL_DEF size_t model_n_out(void)
{
    return MODEL_N_OUT;
}

MODEL_DEF int model_abi_version(void)
{
    return MODEL_ABI_VERSION;
}

MODEL_DEF const char *model_info(void)
{
/**** begin info ****/
    return "jetgen 0.2.0; abi 1; n_in 2; n_out 2; precision double; "
           "modes eval jacobian hessian hessian_diag laplacian; spec_sha256 -; weights_sha256 -";
/**** end info ****/
}

MODEL_DEF void model_eval(size_t n, const model_real *x, model_real *u)
{
    model__plain(0, n, x, u, NULL, NULL);
}

MODEL_DEF void model_eval_work(size_t n, const model_real *x, model_real *u,
                               void *work)
{
    model__run(0, n, x, u, NULL, NULL, work);
}

MODEL_DEF void model_jacobian(size_t n, const model_real *x, model_real *u,
                              model_real *du)
{
    model__plain(1, n, x, u, du, NULL);
}

MODEL_DEF void model_jacobian_work(size_t n, const model_real *x, model_real *u,
                                   model_real *du, void *work)
{
    model__run(1, n, x, u, du, NULL, work);
}
/**** begin api-hessian ****/

MODEL_DEF void model_hessian(size_t n, const model_real *x, model_real *u,
                             model_real *du, model_real *d2u)
{
    model__plain(2, n, x, u, du, d2u);
}

MODEL_DEF void model_hessian_work(size_t n, const model_real *x, model_real *u,
                                  model_real *du, model_real *d2u, void *work)
{
    model__run(2, n, x, u, du, d2u, work);
}
/**** end api-hessian ****/
/**** begin api-hessian_diag ****/

MODEL_DEF void model_hessian_diag(size_t n, const model_real *x, model_real *u,
                                  model_real *du, model_real *d2u_diag)
{
    model__plain(3, n, x, u, du, d2u_diag);
}

MODEL_DEF void model_hessian_diag_work(size_t n, const model_real *x, model_real *u,
                                       model_real *du, model_real *d2u_diag, void *work)
{
    model__run(3, n, x, u, du, d2u_diag, work);
}
/**** end api-hessian_diag ****/
/**** begin api-laplacian ****/

MODEL_DEF void model_laplacian(size_t n, const model_real *x, model_real *u,
                               model_real *du, model_real *lap)
{
    model__plain(4, n, x, u, du, lap);
}

MODEL_DEF void model_laplacian_work(size_t n, const model_real *x, model_real *u,
                                    model_real *du, model_real *lap, void *work)
{
    model__run(4, n, x, u, du, lap, work);
}
/**** end api-laplacian ****/
/**** begin api-partials ****/

/**** begin partials-tables ****/
/* The terms' partial derivatives: channel c of a value (row c np + p of point
   p) holds its Taylor coefficient of monomial c of the inputs; a term's
   partial derivative is the coefficient of its monomial times the product of
   its inputs' multiplicities' factorials. The monomials:
    0 1, 1 x0, 2 x1, 3 x0*x0, 4 x0*x1, 5 x0*x0*x1 */
#define MODEL__TERM_CHANNELS 6  /* per point */
#define MODEL__TERM_POINTS   10  /* per tile */
#define MODEL__TERM_ORDER    3  /* the highest degree */
/* input i's first-degree monomial (0: in no term) */
static const size_t model__first[2] = {1, 2};
/* each term's monomial, and the factor of its coefficient */
static const size_t model__of_term[3] = {0, 1, 5};
static const double model__factor[3] = {1.0, 1.0, 2.0};
/* pairs whose first monomial has degree <= d, d = 0 .. 4 */
static const size_t model__upto[5] = {0, 5, 7, 7, 7};
/* monomial i times monomial j = monomial k, as i, j, k (by i's degree, then k) */
static const unsigned short model__pairs[21] = {1, 1, 3,  1, 2, 4,  2, 1, 4,  1, 4, 5,  2, 3, 5,  3, 2, 5,
    4, 1, 5};
/**** end partials-tables ****/

/* np points x through the network, each value's terms' channels
   (MODEL__TERM_CHANNELS a point) as model__tile's: u [np][MODEL_N_OUT]
   [MODEL_N_TERMS] the terms' partial derivatives (offset to the tile's
   first point). np <= MODEL__TERM_POINTS. */
static void model__tile_partials(size_t np, const model_real *x, model_real *u, model_real *work)
{
/**** begin partials-layers ****/
    model_real *work0 = work, *work1 = work + MODEL__BUF, *out = work + 2 * MODEL__BUF;
    const size_t nrow = MODEL__TERM_CHANNELS * np;
    size_t j, m;
    /* input: a = x + its first-degree monomials */
    model__partials_seed(MODEL_N_IN, MODEL__TERM_CHANNELS, np, model__first, x, work0, 8);
    model__dense(8, 2, model__l1_w, 8, 0, model__l1_b, nrow, np, work0, 8, work1, 8, NULL);
    model__partials_activate(model__tanh_taylor, 0.0, 0.0, MODEL__TERM_ORDER, 8, MODEL__TERM_CHANNELS, np, model__upto, model__pairs, work1, 8, work1, 8, 1);
    model__dense(8, 3, model__l3_w, 8, 0, NULL, nrow, np, work1, 8, work0, 8, NULL);
    model__partials_activate(model__sigmoid_taylor, 0.0, 0.0, MODEL__TERM_ORDER, 8, MODEL__TERM_CHANNELS, np, model__upto, model__pairs, work0, 8, work0, 8, 2);
    for (j = 0; j < 2; j += MODEL__OUT) {
        m = 2 - j < MODEL__OUT ? 2 - j : MODEL__OUT;
        model__dense((m + 7) / 8 * 8, 3, model__l5_w, 8, j, model__l5_b + j, nrow, np, work0, 8, out, MODEL__OUT, NULL);
        model__partials_store(MODEL_N_OUT, j, m, np, MODEL_N_TERMS, model__of_term, model__factor, out, MODEL__OUT, u);
    }
/**** end partials-layers ****/
}

/* All n points, a tile at a time, in the caller's work space. */
static void model__run_partials(size_t n, const model_real *x, model_real *out, void *work_space)
{
    model_real *const work = model__align(work_space);
    size_t p, np;
    for (p = 0; p < n; p += np) {
        np = n - p < MODEL__TERM_POINTS ? n - p : MODEL__TERM_POINTS;
        model__tile_partials(np, x + p * MODEL_N_IN, out + p * MODEL_N_OUT * MODEL_N_TERMS, work);
    }
}

MODEL_DEF void model_partials(size_t n, const model_real *x, model_real *out)
{
/**** begin partials-plain ****/
#if MODEL_ALLOCATES == 0
/**** begin partials-stack ****/
    model_real work[MODEL_WORK_BYTES / sizeof(model_real)];
    model__run_partials(n, x, out, work);
/**** end partials-stack ****/
#else
/**** begin partials-heap ****/
    void *work = malloc(MODEL_WORK_BYTES);
    size_t i;
    if (work != NULL) {
        model__run_partials(n, x, out, work);
        free(work);
        return;
    }
    for (i = 0; i < n * MODEL_N_OUT * MODEL_N_TERMS; i++)
        out[i] = (model_real)NAN;
/**** end partials-heap ****/
#endif
/**** end partials-plain ****/
}

MODEL_DEF void model_partials_work(size_t n, const model_real *x, model_real *out, void *work)
{
    model__run_partials(n, x, out, work);
}
/**** end api-partials ****/
/**** begin end ****/
/**** end end ****/
