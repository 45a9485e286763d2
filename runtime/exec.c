/* exec.c: the executor (see exec.h). */
#include "exec.h"

#include <string.h>

#include "mem.h"

/* The runs of channels the terms read (points in lanes) into x->runs
   (jg_monos_runs). 0, or -1 out of memory. */
static int terms_runs(jg_exec *x)
{
    const jg_plan *p = x->plan;
    const jg_monos *mo = &p->m->monos;
    if (p->m->n_terms == 0 || p->lane_points == 0)
        return 0;
    if ((x->runs = (size_t *)jg_malloc_n(2 * mo->n, sizeof *x->runs)) == NULL)
        return -1;
    x->n_runs = jg_monos_runs(mo, x->runs);
    return 0;
}

/* Whether step k of p is a dense step whose values nothing after it reads
   but the results (a store of the same place). */
static int stored(const jg_plan *p, size_t k)
{
    const jg_step *s = &p->steps[k];
    size_t j;
    int store = 0;
    if (s->op != JG_STEP_DENSE)
        return 0;
    for (j = k + 1; j < p->n_steps; j++) {
        const jg_step *t = &p->steps[j];
        if (t->op == JG_STEP_STORE && t->src == s->dst && t->off == s->off_dst)
            store = 1;
        else if (t->src == s->dst || t->dst == s->dst || t->src2 == s->dst)
            return 0;
    }
    return store;
}

int jg_exec_init(jg_exec *x, const jg_plan *p, const jg_kernel_set *ks,
                 const void *const *arrays)
{
    size_t k;
    memset(x, 0, sizeof *x);
    x->plan = p;
    x->ks = ks;
    x->arrays = arrays;
    if ((p->precision == JG_FLOAT ? (const void *)ks->f : (const void *)ks->d) == NULL)
        return -1;      /* a set of the other precision */
    x->act = (int *)jg_malloc_n(p->n_steps, sizeof *x->act);
    x->stored = (unsigned char *)jg_malloc_n(p->n_steps, 1);
    if (x->act == NULL || x->stored == NULL || terms_runs(x) != 0) {
        jg_exec_free(x);
        return -1;
    }
    for (k = 0; k < p->n_steps; k++) {
        x->act[k] = p->steps[k].op == JG_STEP_ACTIVATE ? p->steps[k].act->activation : -1;
        x->stored[k] = x->n_runs > 0 && stored(p, k);
    }
    return 0;
}

void jg_exec_free(jg_exec *x)
{
    jg_free(x->act);
    jg_free(x->stored);
    jg_free(x->runs);
    x->act = NULL;
    x->stored = NULL;
    x->runs = NULL;
    x->n_runs = 0;
}

#define REAL double
#define FN(name) exec_d_##name
#define KERNELS(e) ((e)->ks->d)
#define KERNELS_TYPE jg_kernels_double
#include "exec_real.h"
#undef REAL
#undef FN
#undef KERNELS
#undef KERNELS_TYPE
#define REAL float
#define FN(name) exec_f_##name
#define KERNELS(e) ((e)->ks->f)
#define KERNELS_TYPE jg_kernels_float
#include "exec_real.h"
#undef REAL
#undef FN
#undef KERNELS
#undef KERNELS_TYPE

void jg_exec_tile_double(const jg_exec *x, int mode, size_t np, const double *xs, double *u, double *du,
                         double *d2, double *work, const unsigned char *skip)
{
    exec_d_tile(x, mode, np, xs, u, du, d2, work, skip);
}

void jg_exec_tile_float(const jg_exec *x, int mode, size_t np, const float *xs, float *u, float *du, float *d2,
                        float *work, const unsigned char *skip)
{
    exec_f_tile(x, mode, np, xs, u, du, d2, work, skip);
}

void jg_exec_run(const jg_exec *x, int mode, size_t n, const void *xs, void *u, void *du,
                 void *d2, void *work)
{
    if (x->plan->precision == JG_FLOAT)
        exec_f_run(x, mode, n, (const float *)xs, (float *)u, (float *)du, (float *)d2, work);
    else
        exec_d_run(x, mode, n, (const double *)xs, (double *)u, (double *)du, (double *)d2, work);
}
