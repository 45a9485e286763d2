/* exec.h: the executor, which runs a plan (gen/plan.h) in C with the
   runtime's kernels and no compiler at all: for hosts where libtcc cannot
   be linked (a shared object, a Python extension). It makes, step by step,
   the calls the emitted tile function makes, so it gives the same numbers
   as the JIT's code. */
#ifndef JG_EXEC_H
#define JG_EXEC_H

#include <stddef.h>

#include "kernels.h"
#include "plan.h"

/* A plan bound to a kernel set and to its arrays in the plan's precision
   (double, or float copies): what a call needs, resolved once. */
typedef struct jg_exec {
    const jg_plan *plan;            /* not owned */
    const jg_kernel_set *ks;        /* not owned */
    const void *const *arrays;      /* plan->n_arrays arrays (not owned) */
    int *act;                       /* per step: the activation (JG_ACT_*), or -1 (owned) */
    unsigned char *stored;          /* per step: 1 for a dense step whose values only the results
                                       read, points in lanes: the terms' channels alone made (runs)
                                       and, in the reverse sweep, read (owned) */
    size_t n_runs;                  /* runs of channels the terms read; 0 when they read every one */
    size_t *runs;                   /* [n_runs][2]: first channel, count (owned) */
} jg_exec;

/* Binds p to ks (its typed table: ks->d or ks->f, as the plan's precision)
   and arrays. 0, or -1 out of memory. */
int jg_exec_init(jg_exec *x, const jg_plan *p, const jg_kernel_set *ks,
                 const void *const *arrays);
void jg_exec_free(jg_exec *x);

/* n points of mode (JG_MODE_*): x [n][N_IN], u, du, d2 as the emitted
   functions take them (each may be NULL), in the plan's precision (double
   or float pointers); work: plan->work_bytes, any alignment. */
void jg_exec_run(const jg_exec *x, int mode, size_t n, const void *xs, void *u, void *du,
                 void *d2, void *work);
/* One tile of np <= plan->tile[mode] points of a double plan, its buffers
   in work (64-byte aligned, plan->work_bytes - 64 bytes): what the reverse
   sweep (grad.c) reads back. u, du, d2 as above (each may be NULL); skip,
   if not NULL, flags steps not to run (plan->n_steps, nonzero: skipped). */
void jg_exec_tile_double(const jg_exec *x, int mode, size_t np, const double *xs, double *u, double *du,
                         double *d2, double *work, const unsigned char *skip);
/* The same of a float plan. */
void jg_exec_tile_float(const jg_exec *x, int mode, size_t np, const float *xs, float *u, float *du, float *d2,
                        float *work, const unsigned char *skip);

#endif
