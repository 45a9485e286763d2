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
    x->seed = jg_kernel_find(ks, "seed");
    x->dense = jg_kernel_find(ks, "dense");
    x->store = jg_kernel_find(ks, "store");
    x->scale = jg_kernel_find(ks, "scale");
    x->copy = jg_kernel_find(ks, "copy");
    x->add = jg_kernel_find(ks, "add");
    x->mul = jg_kernel_find(ks, "mul");
    x->activate = jg_kernel_find(ks, "activate");
    x->activate_to = jg_kernel_find(ks, "activate_to");
    x->lanes_seed = jg_kernel_find(ks, "lanes_seed");
    x->lanes_dense = jg_kernel_find(ks, "lanes_dense");
    x->lanes_store = jg_kernel_find(ks, "lanes_store");
    x->tanh_chain = jg_kernel_find(ks, "tanh_chain");
    x->act = (jg_kernel_fn *)jg_malloc_n(p->n_steps, sizeof *x->act);
    x->fused = (unsigned char *)jg_malloc_n(p->n_steps, 1);
    if (x->act == NULL || x->fused == NULL) {
        jg_exec_free(x);
        return -1;
    }
    for (k = 0; k < p->n_steps; k++) {
        const jg_step *s = &p->steps[k];
        x->act[k] = NULL;
        /* tanh by its own kernel, its chain rule fused */
        x->fused[k] = s->op == JG_STEP_ACTIVATE && x->tanh_chain != NULL && strcmp(s->act->keyword, "tanh") == 0;
        if (s->op == JG_STEP_ACTIVATE && (x->act[k] = jg_kernel_find(ks, s->act->keyword)) == NULL) {
            jg_exec_free(x);
            return -1;
        }
    }
    return 0;
}

void jg_exec_free(jg_exec *x)
{
    jg_free(x->act);
    jg_free(x->fused);
    x->act = NULL;
    x->fused = NULL;
}

#define REAL double
#define FN(name) exec_d_##name
#include "exec_real.h"
#undef REAL
#undef FN
#define REAL float
#define FN(name) exec_f_##name
#include "exec_real.h"
#undef REAL
#undef FN

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
