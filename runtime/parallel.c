/* parallel.c: one contiguous run of points per thread (see parallel.h). */
#if defined(__linux__)
#define _GNU_SOURCE     /* sched_getaffinity, CPU_COUNT: the cores this process may run on */
#include <sched.h>
#endif
#include "parallel.h"

#include <pthread.h>
#include <unistd.h>

#include "misuse.h"
#include "plan.h"

#define MAX_THREADS 256

typedef struct run {
    jg_hessian_fn f;
    size_t n;
    const double *x;
    double *u, *du, *d2u;
} run;

static void *run_points(void *arg)
{
    const run *r = (const run *)arg;
    r->f(r->n, r->x, r->u, r->du, r->d2u);
    return NULL;
}

int jg_default_threads(void)
{
    long online;
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
#endif
    online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

int jg_parallel_hessian(jg_hessian_fn f, int mode, size_t n_in, size_t n_over, size_t n_out, size_t n,
                        const double *x, double *u, double *du, double *d2u,
                        int threads, size_t min_per_thread)
{
    pthread_t tid[MAX_THREADS];
    run runs[MAX_THREADS];
    const size_t per2 = mode == JG_MODE_HESSIAN ? n_in * n_in : mode == JG_MODE_DIAG ? n_over
                      : mode == JG_MODE_LAPLACIAN ? 1 : 0;
    size_t t, nt, start = 0, started = 0;
    int rc = 0;
    if (JG_MISUSE(f == NULL, "jg_parallel_hessian", "f is NULL")
        || JG_MISUSE(per2 == 0, "jg_parallel_hessian",
                     "mode is none of JG_MODE_HESSIAN, JG_MODE_DIAG, JG_MODE_LAPLACIAN")
        || JG_MISUSE(x == NULL && n > 0, "jg_parallel_hessian", "x is NULL with n > 0"))
        return -1;
    if (threads <= 0)
        threads = jg_default_threads();
    nt = (size_t)threads < MAX_THREADS ? (size_t)threads : MAX_THREADS;
    if (min_per_thread == 0)
        min_per_thread = 1;
    if (n / min_per_thread < nt)
        nt = n / min_per_thread > 0 ? n / min_per_thread : 1;
    for (t = 0; t < nt; t++) {
        const size_t len = n / nt + (t < n % nt ? 1 : 0);
        run *r = &runs[t];
        r->f = f;
        r->n = len;
        r->x = x + start * n_in;
        r->u = u != NULL ? u + start * n_out : NULL;
        r->du = du != NULL ? du + start * n_out * n_in : NULL;
        r->d2u = d2u != NULL ? d2u + start * n_out * per2 : NULL;
        start += len;
    }
    /* runs[0] goes in this thread, the others in new ones */
    for (t = 1; t < nt; t++) {
        if (pthread_create(&tid[t], NULL, run_points, &runs[t]) != 0) {
            rc = -1;
            break;
        }
        started = t;
    }
    run_points(&runs[0]);
    for (t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    for (t = started + 1; t < nt; t++)     /* the ones that could not start */
        run_points(&runs[t]);
    return rc;
}
