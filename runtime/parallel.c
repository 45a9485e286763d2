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

size_t jg_split_points(size_t n, int threads, size_t min_per, size_t at[JG_MAX_THREADS + 1])
{
    size_t t, nt;
    if (threads <= 0)
        threads = jg_default_threads();
    nt = (size_t)threads < JG_MAX_THREADS ? (size_t)threads : JG_MAX_THREADS;
    if (min_per == 0)
        min_per = 1;
    if (n / min_per < nt)
        nt = n / min_per > 0 ? n / min_per : 1;
    at[0] = 0;
    for (t = 0; t < nt; t++)
        at[t + 1] = at[t] + n / nt + (t < n % nt ? 1 : 0);
    return nt;
}

size_t jg_min_per_thread(double flops)
{
    const double per = flops > 0.0 ? JG_MIN_THREAD_FLOPS / flops : 0.0;
    return per > (double)JG_MIN_PER_THREAD ? (per < 1e9 ? (size_t)per + 1 : (size_t)1e9) : JG_MIN_PER_THREAD;
}

size_t jg_split_work(size_t n, int threads, double flops, size_t at[JG_MAX_THREADS + 1])
{
    if (threads > 0)
        return jg_split_points(n, threads, JG_MIN_PER_THREAD, at);
    return jg_split_points(n, -threads, jg_min_per_thread(flops), at);
}

size_t jg_in_threads(void *(*job)(void *), void *arg, size_t size, size_t nt)
{
    pthread_t tid[JG_MAX_THREADS];
    int started[JG_MAX_THREADS];
    size_t t, failed = 0;
    for (t = 1; t < nt; t++)
        started[t] = pthread_create(&tid[t], NULL, job, (char *)arg + t * size) == 0;
    job(arg);
    for (t = 1; t < nt; t++) {
        if (started[t]) {
            pthread_join(tid[t], NULL);
        } else {
            job((char *)arg + t * size);
            failed++;
        }
    }
    return failed;
}

int jg_parallel_hessian(jg_hessian_fn f, int mode, size_t n_in, size_t n_over, size_t n_out, size_t n,
                        const double *x, double *u, double *du, double *d2u,
                        int threads, size_t min_per_thread)
{
    run runs[JG_MAX_THREADS];
    size_t at[JG_MAX_THREADS + 1];
    const size_t per2 = mode == JG_MODE_HESSIAN ? n_in * n_in : mode == JG_MODE_DIAG ? n_over
                      : mode == JG_MODE_LAPLACIAN ? 1 : 0;
    size_t t, nt;
    if (JG_MISUSE(f == NULL, "jg_parallel_hessian", "f is NULL")
        || JG_MISUSE(per2 == 0, "jg_parallel_hessian",
                     "mode is none of JG_MODE_HESSIAN, JG_MODE_DIAG, JG_MODE_LAPLACIAN")
        || JG_MISUSE(x == NULL && n > 0, "jg_parallel_hessian", "x is NULL with n > 0"))
        return -1;
    nt = jg_split_points(n, threads, min_per_thread, at);
    for (t = 0; t < nt; t++) {
        run *r = &runs[t];
        r->f = f;
        r->n = at[t + 1] - at[t];
        r->x = x + at[t] * n_in;
        r->u = u != NULL ? u + at[t] * n_out : NULL;
        r->du = du != NULL ? du + at[t] * n_out * n_in : NULL;
        r->d2u = d2u != NULL ? d2u + at[t] * n_out * per2 : NULL;
    }
    return jg_in_threads(run_points, runs, sizeof runs[0], nt) == 0 ? 0 : -1;
}
