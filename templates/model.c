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
     work          tile sizes and work space of this network
     weights       the weights, transposed and padded, as exact literals
     layers        the body of model__tile: the network, step by step
     api-NAME      model_NAME for the second derivatives asked for (hessian,
                   hessian_diag, laplacian); the others are dropped
     end           empty here; `--single-header` closes the guard */
/**** end provenance ****/

/**** begin includes ****/
#include <math.h>
#include <stddef.h>
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
#define MODEL__TILE0 16     /* points per tile for u */
#define MODEL__TILE1 16     /* points per tile for u, du */
#define MODEL__TILE2 10     /* points per tile for u, du, d2u */
#define MODEL__TILE3 12     /* points per tile for u, du, d2u_diag */
#define MODEL__TILE4 15     /* points per tile for u, du, lap */
#define MODEL__ROWS  60     /* rows of a tile at most: channels x points */
#define MODEL__WIDTH 8      /* widest layer held in the work space, padded */
#define MODEL__OUT   8      /* output neurons computed at once, padded */
/**** end work ****/
#define MODEL__WORK (MODEL__ROWS * MODEL__WIDTH + 64 / sizeof(model_real))

/* Weights are aligned to 64 bytes where the compiler can be told; rows
   are padded to 64 bytes. */
#if defined(__GNUC__) || defined(__TINYC__)
#define MODEL__ALIGN __attribute__((aligned(64)))
#else
#define MODEL__ALIGN
#endif

/* Channels per point for a mode (see the layout in the kernels): 1;
   1 + N_IN; and N_IN (N_IN + 1) / 2, N_IN or 1 more for the Hessian, its
   diagonal or its trace. */
static size_t model__channels(int mode)
{
    const size_t n = MODEL_N_IN;
    return mode == 0 ? 1 : mode == 1 ? 1 + n : mode == 2 ? 1 + n + n * (n + 1) / 2
         : mode == 3 ? 1 + 2 * n : 2 + n;
}

/* p rounded up to a multiple of 64 bytes (work space is declared with 64
   bytes to spare). */
static model_real *model__align(model_real *p)
{
    return p + (64 - (size_t)p % 64) % 64 / sizeof(model_real);
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
   np * model__channels(mode) <= MODEL__ROWS. */
static void model__tile(int mode, size_t np, const model_real *x,
                        model_real *u, model_real *du, model_real *d2u)
{
/**** begin layers ****/
    model_real work0_[MODEL__WORK], work1_[MODEL__WORK];
    model_real *work0 = model__align(work0_), *work1 = model__align(work1_);
    const size_t nrow = model__channels(mode) * np;
    model__seed(MODEL_N_IN, nrow, np, x, work0, 8);
    model__dense(8, 2, model__l1_w, 8, 0, model__l1_b, nrow, np, work0, 8, work1, 8, NULL);
    model__activate(model__tanh, 0.0, 0.0, 8, MODEL_N_IN, mode, np, work1, 8);
    model__dense(8, 3, model__l3_w, 8, 0, NULL, nrow, np, work1, 8, work0, 8, NULL);
    model__activate(model__sigmoid, 0.0, 0.0, 8, MODEL_N_IN, mode, np, work0, 8);
    model__dense(8, 3, model__l5_w, 8, 0, model__l5_b, nrow, np, work0, 8, work1, 8, NULL);
    model__store(MODEL_N_OUT, 0, 2, MODEL_N_IN, mode, np, work1, 8, u, du, d2u);
/**** end layers ****/
}

/* All n points, a tile at a time. */
static void model__run(int mode, size_t n, const model_real *x,
                       model_real *u, model_real *du, model_real *d2u)
{
    const size_t tile = mode == 0 ? MODEL__TILE0 : mode == 1 ? MODEL__TILE1 : mode == 2 ? MODEL__TILE2
                      : mode == 3 ? MODEL__TILE3 : MODEL__TILE4;
    const size_t per2 = mode == 2 ? MODEL_N_OUT * MODEL_N_IN * MODEL_N_IN
                      : mode == 3 ? MODEL_N_OUT * MODEL_N_IN : MODEL_N_OUT;
    size_t p, np;
    for (p = 0; p < n; p += np) {
        np = n - p < tile ? n - p : tile;
        model__tile(mode, np, x + p * MODEL_N_IN,
                    u != NULL ? u + p * MODEL_N_OUT : NULL,
                    du != NULL ? du + p * MODEL_N_OUT * MODEL_N_IN : NULL,
                    d2u != NULL ? d2u + p * per2 : NULL);
    }
}

MODEL_DEF void model_eval(size_t n, const model_real *x, model_real *u)
{
    model__run(0, n, x, u, NULL, NULL);
}

MODEL_DEF void model_jacobian(size_t n, const model_real *x, model_real *u,
                              model_real *du)
{
    model__run(1, n, x, u, du, NULL);
}
/**** begin api-hessian ****/

MODEL_DEF void model_hessian(size_t n, const model_real *x, model_real *u,
                             model_real *du, model_real *d2u)
{
    model__run(2, n, x, u, du, d2u);
}
/**** end api-hessian ****/
/**** begin api-hessian_diag ****/

MODEL_DEF void model_hessian_diag(size_t n, const model_real *x, model_real *u,
                                  model_real *du, model_real *d2u_diag)
{
    model__run(3, n, x, u, du, d2u_diag);
}
/**** end api-hessian_diag ****/
/**** begin api-laplacian ****/

MODEL_DEF void model_laplacian(size_t n, const model_real *x, model_real *u,
                               model_real *du, model_real *lap)
{
    model__run(4, n, x, u, du, lap);
}
/**** end api-laplacian ****/
/**** begin end ****/
/**** end end ****/
