/* parallel.h: evaluating an emitted network on many points with several
   threads. The emitted functions are reentrant and single-threaded; this
   splits the points into one contiguous run per thread. */
#ifndef JG_PARALLEL_H
#define JG_PARALLEL_H

#include <stddef.h>

/* The signature of PREFIX_hessian, PREFIX_hessian_diag and
   PREFIX_laplacian. jg_net_run_parallel (include/jetgen.h) does the same
   for a library handle, in every mode. */
typedef void (*jg_hessian_fn)(size_t n, const double *x, double *u,
                              double *du, double *d2u);

/* The most threads one call splits its points over. */
#define JG_MAX_THREADS 256
/* Points a thread takes at least in the library's runs: fewer are not
   worth a thread. */
#define JG_MIN_PER_THREAD 16
/* Floating-point operations a thread takes at least where the threads
   are the default (every core), not asked for: a call split over threads
   pays each thread's start and its core's wake-up (10 to 50 us on a VM),
   so a call worth less than about a hundred microseconds of a core's
   work a thread stays on fewer (Burgers' [2,20x8,1] float32 forward at
   200 points: 57 us on one thread, 113-145 on two, on a 2-vCPU Xeon
   VM). */
#define JG_MIN_THREAD_FLOPS 5e6

/* The points a thread takes at least for work of flops a point (0:
   unknown): JG_MIN_PER_THREAD, or enough for JG_MIN_THREAD_FLOPS. */
size_t jg_min_per_thread(double flops);

/* jg_split_points for a call of flops a point: threads > 0 asked for
   (JG_MIN_PER_THREAD points a run at least), else the default, up to
   jg_default_threads() (0) or -threads (a default counted by the caller),
   each run with jg_min_per_thread(flops) points at least. */
size_t jg_split_work(size_t n, int threads, double flops, size_t at[JG_MAX_THREADS + 1]);

/* Points 0 .. n - 1 cut into at most `threads` (0 or less:
   jg_default_threads(); at most JG_MAX_THREADS) contiguous runs of at least
   min_per points each (fewer runs when there are few points), as even as
   can be: run t is at[t] .. at[t + 1] - 1. Returns the runs, 1 at least. */
size_t jg_split_points(size_t n, int threads, size_t min_per, size_t at[JG_MAX_THREADS + 1]);

/* Runs job(arg + t * size) for t < nt, each in a thread of its own but the
   first, which the calling thread does, as it does any a thread could not
   be started for. Returns how many could not be started. */
size_t jg_in_threads(void *(*job)(void *), void *arg, size_t size, size_t nt);

/* The threads a call that is given 0 uses: the cores this process may run
   on (its CPU affinity: a process of DistributedDataParallel, or one under
   taskset, gets its share, not the whole machine), else every online
   core. At least 1. */
int jg_default_threads(void);

/* Calls f, the emitted function of mode (JG_MODE_HESSIAN: PREFIX_hessian,
   JG_MODE_DIAG: PREFIX_hessian_diag, JG_MODE_LAPLACIAN: PREFIX_laplacian),
   on n points x [n][n_in], writing u [n][n_out], du [n][n_out][n_in] and
   the mode's second derivatives, d2u [n][n_out][n_in][n_in],
   [n][n_out][n_over] (n_over = PREFIX_N_OVER: the inputs the diagonal is
   taken over) or [n][n_out] (each may be NULL, as f allows), with up
   to `threads` threads (0: jg_default_threads());
   batches smaller than min_per_thread points per thread use fewer. Returns
   0, or -1 if a thread could not be started (the points are then all done
   in the calling thread). */
int jg_parallel_hessian(jg_hessian_fn f, int mode, size_t n_in, size_t n_over, size_t n_out, size_t n,
                        const double *x, double *u, double *du, double *d2u,
                        int threads, size_t min_per_thread);

#endif
