/* test_runtime.c: the JIT from several threads. Compiles are serialized
   inside the runtime; compiled code runs in many threads at once. Each
   thread's numbers must equal, bit for bit, those of a single-threaded run. */
#if defined(__linux__)
#define _GNU_SOURCE     /* sched_setaffinity: the default thread count under taskset */
#include <sched.h>
#endif
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "model.h"
#include "parallel.h"
#include "testutil.h"

#define N_THREADS 4
#define ROUNDS 4

static const char *const nets[] = {"seed-pinn", "pinn-xt"};
static tu_reference refs[2];
static double *want[2];            /* d2u of a single-threaded run */
static jg_model *models[2];

static size_t d2u_count(int k)
{
    return refs[k].n * refs[k].n_out * refs[k].n_in * refs[k].n_in;
}

static void setup(void)
{
    int k;
    for (k = 0; k < 2; k++) {
        char path[1024], msg[4096];
        jg_diag d = JG_DIAG_INIT;
        tu_net net;
        snprintf(path, sizeof path, "%s/%s/expected-f64.json", tu_data_dir(), nets[k]);
        tu_reference_load(&refs[k], path);
        snprintf(path, sizeof path, "%s/%s/model.spec", tu_data_dir(), nets[k]);
        models[k] = jg_load(path, &d);
        ck_assert_msg(models[k] != NULL, "%s", jg_buf_str(&d.text));
        ck_assert_msg(tu_net_jit(&net, models[k], msg, sizeof msg) == 0, "%s", msg);
        want[k] = malloc(d2u_count(k) * sizeof *want[k]);
        net.hessian(refs[k].n, refs[k].x, NULL, NULL, want[k]);
        tu_net_free(&net);
    }
}

/* Compiles its own copy of a network each round and checks the numbers. */
static void *compile_and_run(void *arg)
{
    const int id = (int)(size_t)arg;
    int round;
    for (round = 0; round < ROUNDS; round++) {
        const int k = (id + round) % 2;
        char msg[4096];
        tu_net net;
        double *got = malloc(d2u_count(k) * sizeof *got);
        if (tu_net_jit(&net, models[k], msg, sizeof msg) != 0)
            return (void *)1;
        net.hessian(refs[k].n, refs[k].x, NULL, NULL, got);
        tu_net_free(&net);
        if (memcmp(got, want[k], d2u_count(k) * sizeof *got) != 0)
            return (void *)2;
        free(got);
    }
    return NULL;
}

START_TEST(threads_compile_and_run)
{
    pthread_t t[N_THREADS];
    size_t i;
    setup();
    for (i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, compile_and_run, (void *)i), 0);
    for (i = 0; i < N_THREADS; i++) {
        void *r;
        ck_assert_int_eq(pthread_join(t[i], &r), 0);
        ck_assert_msg(r == NULL, "thread %zu: %s", i, r == (void *)1 ? "compile failed" : "numbers differ");
    }
}
END_TEST

static tu_net shared;

static void *run_shared(void *arg)
{
    int round;
    (void)arg;
    for (round = 0; round < 20; round++) {
        double *got = malloc(d2u_count(0) * sizeof *got);
        shared.hessian(refs[0].n, refs[0].x, NULL, NULL, got);
        if (memcmp(got, want[0], d2u_count(0) * sizeof *got) != 0)
            return (void *)2;
        free(got);
    }
    return NULL;
}

START_TEST(threads_share_compiled_code)
{
    pthread_t t[N_THREADS];
    char msg[4096];
    size_t i;
    setup();
    ck_assert_msg(tu_net_jit(&shared, models[0], msg, sizeof msg) == 0, "%s", msg);
    for (i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, run_shared, NULL), 0);
    for (i = 0; i < N_THREADS; i++) {
        void *r;
        ck_assert_int_eq(pthread_join(t[i], &r), 0);
        ck_assert_msg(r == NULL, "thread %zu: numbers differ", i);
    }
    tu_net_free(&shared);
}
END_TEST

/* jg_parallel_hessian splits points over threads; the bits are those of
   one call. */
START_TEST(parallel_matches_one_thread)
{
    char msg[4096];
    tu_net net;
    double *u, *du, *d2u, *x;
    size_t n = 1003, i, no, cnt;
    static const int threads[] = {1, 2, 3, 8, 0};
    double *want_u, *want_du, *want_d2u;
    setup();
    ck_assert_msg(tu_net_jit(&net, models[1], msg, sizeof msg) == 0, "%s", msg);
    no = refs[1].n_out;
    cnt = n * no * 4;
    x = malloc(n * 2 * sizeof *x);
    for (i = 0; i < n * 2; i++)
        x[i] = -2.0 + 4.0 * (double)((i * 37) % 101) / 100.0;
    u = malloc(cnt * sizeof *u);
    du = malloc(cnt * sizeof *u);
    d2u = malloc(cnt * sizeof *u);
    want_u = malloc(cnt * sizeof *u);
    want_du = malloc(cnt * sizeof *u);
    want_d2u = malloc(cnt * sizeof *u);
    net.hessian(n, x, want_u, want_du, want_d2u);
    for (i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        memset(d2u, 0, cnt * sizeof *u);
        ck_assert_int_eq(jg_parallel_hessian(net.hessian, JG_MODE_HESSIAN, 2, 2, no, n, x, u, du, d2u, threads[i],
                                             10), 0);
        ck_assert(memcmp(u, want_u, n * no * sizeof *u) == 0);
        ck_assert(memcmp(du, want_du, n * no * 2 * sizeof *u) == 0);
        ck_assert_msg(memcmp(d2u, want_d2u, n * no * 4 * sizeof *u) == 0, "%d threads", threads[i]);
    }
    /* NULL outputs are passed on */
    memset(du, 0, cnt * sizeof *u);
    ck_assert_int_eq(jg_parallel_hessian(net.hessian, JG_MODE_HESSIAN, 2, 2, no, n, x, NULL, du, NULL, 4, 1), 0);
    ck_assert(memcmp(du, want_du, n * no * 2 * sizeof *u) == 0);
    /* the diagonal mode: exactly n * no * 2 numbers written (a canary past
       them stays), the bits of one call */
    net.hessian_diag(n, x, want_u, want_du, want_d2u);
    for (i = 0; i < cnt; i++)
        d2u[i] = -777.0;
    ck_assert_int_eq(jg_parallel_hessian(net.hessian_diag, JG_MODE_DIAG, 2, 2, no, n, x, u, du, d2u, 3, 10), 0);
    ck_assert(memcmp(d2u, want_d2u, n * no * 2 * sizeof *u) == 0);
    for (i = n * no * 2; i < cnt; i++)
        ck_assert_msg(d2u[i] == -777.0, "written past the diagonal's results at %zu", i);
    free(x);
    free(u);
    free(du);
    free(d2u);
    free(want_u);
    free(want_du);
    free(want_d2u);
    tu_net_free(&net);
}
END_TEST

/* One splitter for every threaded call (the library's, the emitted code's
   helper, the Python extension's): contiguous runs that cover the points
   once, sizes differing by at most one, at least min_per points a run,
   at most JG_MAX_THREADS runs. */
START_TEST(split_points_even_and_capped)
{
    static const size_t ns[] = {0, 1, 15, 16, 17, 100, 1000, 12345};
    static const int threads[] = {1, 2, 3, 7, 1000};
    size_t at[JG_MAX_THREADS + 1], i, j, t, nt;
    for (i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (j = 0; j < sizeof threads / sizeof threads[0]; j++) {
            nt = jg_split_points(ns[i], threads[j], 16, at);
            ck_assert(nt >= 1 && nt <= (size_t)threads[j] && nt <= JG_MAX_THREADS);
            ck_assert(nt == 1 || ns[i] / nt >= 16);
            ck_assert(at[0] == 0 && at[nt] == ns[i]);
            for (t = 0; t < nt; t++) {
                const size_t len = at[t + 1] - at[t];
                ck_assert(len == ns[i] / nt || len == ns[i] / nt + 1);
            }
        }
    nt = (size_t)jg_default_threads();
    ck_assert_uint_eq(jg_split_points(1000000, 0, 1, at), nt < JG_MAX_THREADS ? nt : JG_MAX_THREADS);
}
END_TEST

/* Default threads take work enough to pay for a thread each: at least
   JG_MIN_THREAD_FLOPS a thread, never fewer than JG_MIN_PER_THREAD points
   (flops unknown: 0); so 200 points of a narrow network (25,000 flops a
   point) stay on one thread, 100,000 points of it take every core. */
START_TEST(min_per_thread_by_work)
{
    size_t at[JG_MAX_THREADS + 1];
    ck_assert_uint_eq(jg_min_per_thread(0.0), JG_MIN_PER_THREAD);
    ck_assert_uint_eq(jg_min_per_thread(1e9), JG_MIN_PER_THREAD);
    ck_assert_uint_eq(jg_min_per_thread(25000.0), 201);
    ck_assert_uint_eq(jg_min_per_thread(1e-300), 1000000000);
    ck_assert((double)jg_min_per_thread(3000.0) * 3000.0 >= JG_MIN_THREAD_FLOPS);
    ck_assert_uint_eq(jg_split_points(200, 8, jg_min_per_thread(25000.0), at), 1);
    ck_assert_uint_eq(jg_split_points(402, 8, jg_min_per_thread(25000.0), at), 2);
    ck_assert_uint_eq(jg_split_points(100000, 8, jg_min_per_thread(25000.0), at), 8);
}
END_TEST

/* A call given 0 threads uses the cores the process may run on: one under
   an affinity of one core (taskset, a DistributedDataParallel worker), not
   every core of the machine. */
START_TEST(default_threads_follow_affinity)
{
#if defined(__linux__)
    cpu_set_t all, one;
    int c;
    ck_assert_int_eq(sched_getaffinity(0, sizeof all, &all), 0);
    ck_assert_int_eq(jg_default_threads(), CPU_COUNT(&all));
    for (c = 0; c < CPU_SETSIZE && !CPU_ISSET(c, &all); c++)
        ;
    CPU_ZERO(&one);
    CPU_SET(c, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
    ck_assert_int_eq(jg_default_threads(), 1);
    ck_assert_int_eq(sched_setaffinity(0, sizeof all, &all), 0);
#else
    ck_assert_int_ge(jg_default_threads(), 1);
#endif
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, threads_compile_and_run);
    tcase_add_test(tc, threads_share_compiled_code);
    tcase_add_test(tc, parallel_matches_one_thread);
    tcase_add_test(tc, default_threads_follow_affinity);
    tcase_add_test(tc, split_points_even_and_capped);
    tcase_add_test(tc, min_per_thread_by_work);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
