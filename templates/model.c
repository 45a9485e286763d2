/**** begin provenance ****/
/* templates/model.c: the source jetgen emits for a network, as C that
   compiles on its own, here for a sample network (2 inputs; dense 3, tanh,
   dense 3, sigmoid, dense 2):  cc -std=c99 -Itemplates -c templates/model.c
   jetgen replaces each section between banner comments and renames model_ /
   MODEL_ to the user's prefix (model__ marks private names). Sections:
     provenance    this comment: what made the file
     includes      the headers (the JIT gets its own few declarations)
     declarations  model.h, less its provenance and includes
     kernels       the needed sections of templates/kernels.c
     work          tile size and work space of this network
     weights       the weights, as exact round-trip literals
     layers        the body of model__tile: the network, step by step */
/**** end provenance ****/

/**** begin includes ****/
#include <math.h>
#include <stddef.h>
/**** end includes ****/

/**** begin declarations ****/
#include "model.h"
/**** end declarations ****/

/**** begin kernels ****/
#include "kernels.c"
/**** end kernels ****/

/**** begin work ****/
#define MODEL__TILE  16     /* points per tile */
#define MODEL__NCH   6      /* channels per point for second derivatives */
#define MODEL__WIDTH 3      /* widest layer held in the work space */
/**** end work ****/
#define MODEL__WORK (MODEL__WIDTH * MODEL__NCH * MODEL__TILE)

/**** begin weights ****/
static const double model__w1[6] = {0.5, -0.25, 1.0, 0.75, -1.5, 0.125};
static const double model__b1[3] = {0.1, -0.2, 0.3};
static const double model__w3[9] = {1, 0, 0.5, 0, 1, -0.5, 0.25, 0.25, 1};
static const double model__w5[6] = {1.0, -2.0, 0.5, 0.25, 0.75, -1.0};
static const double model__b5[2] = {0.0, 1.0};
/**** end weights ****/

/* np <= MODEL__TILE points x [np][MODEL_N_IN] through the network, with
   derivatives up to order; results go to u, du, d2u (offset to the tile's
   first point, each may be NULL). */
static void model__tile(int order, size_t np, const double *x, double *u,
                        double *du, double *d2u)
{
/**** begin layers ****/
    double work0[MODEL__WORK], work1[MODEL__WORK], row[MODEL__NCH * MODEL__TILE];
    const size_t ld = model__channels(MODEL_N_IN, order) * np;
    size_t k;
    model__seed(MODEL_N_IN, order, np, ld, x, work0);
    model__dense(3, 2, model__w1, model__b1, np, ld, work0, work1);
    model__activate(model__tanh, 3, MODEL_N_IN, order, np, ld, work1);
    model__dense(3, 3, model__w3, NULL, np, ld, work1, work0);
    model__activate(model__sigmoid, 3, MODEL_N_IN, order, np, ld, work0);
    for (k = 0; k < 2; k++) {
        model__dense(1, 3, model__w5 + k * 3, model__b5 + k, np, ld, work0, row);
        model__store(MODEL_N_OUT, k, 1, MODEL_N_IN, order, np, ld, row, u, du, d2u);
    }
/**** end layers ****/
}

/* All n points, a tile at a time. */
static void model__run(int order, size_t n, const double *x, double *u,
                       double *du, double *d2u)
{
    size_t p, np;
    for (p = 0; p < n; p += np) {
        np = n - p < MODEL__TILE ? n - p : MODEL__TILE;
        model__tile(order, np, x + p * MODEL_N_IN,
                    u != NULL ? u + p * MODEL_N_OUT : NULL,
                    du != NULL ? du + p * MODEL_N_OUT * MODEL_N_IN : NULL,
                    d2u != NULL ? d2u + p * MODEL_N_OUT * MODEL_N_IN * MODEL_N_IN : NULL);
    }
}

void model_eval(size_t n, const double *x, double *u)
{
    model__run(0, n, x, u, NULL, NULL);
}

void model_jacobian(size_t n, const double *x, double *u, double *du)
{
    model__run(1, n, x, u, du, NULL);
}

void model_hessian(size_t n, const double *x, double *u, double *du,
                   double *d2u)
{
    model__run(2, n, x, u, du, d2u);
}
