/* parallel.h: evaluating an emitted network on many points with several
   threads. The emitted functions are reentrant and single-threaded; this
   splits the points into one contiguous run per thread. */
#ifndef JG_PARALLEL_H
#define JG_PARALLEL_H

#include <stddef.h>

/* The signature of PREFIX_hessian (eval and jacobian fit it through the
   wrapper below). */
typedef void (*jg_hessian_fn)(size_t n, const double *x, double *u,
                              double *du, double *d2u);

/* Calls f on n points x [n][n_in], writing u [n][n_out], du
   [n][n_out][n_in], d2u [n][n_out][n_in][n_in] (each may be NULL, as f
   allows), with up to `threads` threads (0: one per online processor);
   batches smaller than min_per_thread points per thread use fewer. Returns
   0, or -1 if a thread could not be started (the points are then all done
   in the calling thread). */
int jg_parallel_hessian(jg_hessian_fn f, size_t n_in, size_t n_out, size_t n,
                        const double *x, double *u, double *du, double *d2u,
                        int threads, size_t min_per_thread);

#endif
