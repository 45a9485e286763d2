/* exec.c: the executor (see exec.h). */
#include "exec.h"

#include <string.h>

#include "mem.h"

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
    if (x->act == NULL)
        return -1;
    for (k = 0; k < p->n_steps; k++)
        x->act[k] = p->steps[k].op == JG_STEP_ACTIVATE ? p->steps[k].act->activation : -1;
    return 0;
}

void jg_exec_free(jg_exec *x)
{
    jg_free(x->act);
    x->act = NULL;
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
