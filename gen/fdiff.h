/* fdiff.h: an independent computation of a network's derivatives, for
   `jetgen verify`: the network evaluated layer by layer in long double from
   the definitions of its activations (none of the emitted code or kernels),
   and du/dx, d2u/dx2 from central differences of it with Richardson
   extrapolation (Romberg's tableau with Ridders' error estimate). */
#ifndef JG_FDIFF_H
#define JG_FDIFF_H

#include <stddef.h>

#include "model.h"

/* The steps: h = 1/2, 1/4, ... halved JG_FDIFF_LEVELS - 1 times. Powers
   of two, so that x +- h is exact in long double for |x| < 2^40. */
#define JG_FDIFF_H0     0.5L
#define JG_FDIFF_LEVELS 14

typedef struct jg_fdiff jg_fdiff;   /* a model and its long-double work space */

/* A reference for m (which must outlive it), or NULL: out of memory. */
jg_fdiff *jg_fdiff_new(const jg_model *m);
void jg_fdiff_free(jg_fdiff *f);

/* u(x) [n_out] in long double, x [n_in]. */
void jg_fdiff_eval(jg_fdiff *f, const long double *x, long double *u);

/* At x [n_in]: u [n_out]; du [n_out][n_in]; d2u [n_out][n_in][n_in], both
   triangles; and for each derivative the tableau's estimate of its own
   error, du_err and d2u_err in the same layouts. Returns 0, or -1: out of
   memory. */
int jg_fdiff_jet(jg_fdiff *f, const double *x, long double *u, long double *du,
                 long double *du_err, long double *d2u, long double *d2u_err);

#endif
