/* test_threads.c: the whole library from many threads at once. Eight
   threads, each many times over: load a spec and its weights (three
   different networks, in double and float), emit it for the JIT,
   compile it, evaluate every function, and check the numbers bit for bit
   against a single-threaded run. The sanitizer runs of tools/test.sh run
   it under ThreadSanitizer (build-tsan/) as well. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "jit.h"
#include "load.h"
#include "model.h"
#include "testutil.h"

#define N_THREADS 8
#define ROUNDS 24
#define N_NETS 3
#define N_POINTS 5
#define MAX_OUT 501

typedef void (*second_fn)(size_t, const double *, double *, double *, double *);
typedef void (*second_fn_f)(size_t, const float *, float *, float *, float *);

static char specs[N_NETS][1024];

/* What one evaluation gives: u and du from hessian, then d2u, the diagonal
   and the Laplacian (as doubles, also for the float code). */
typedef struct result {
    double u[N_POINTS * MAX_OUT], du[N_POINTS * MAX_OUT * 3];
    double d2u[N_POINTS * MAX_OUT * 9], diag[N_POINTS * MAX_OUT * 3], lap[N_POINTS * MAX_OUT];
} result;

static result want[N_NETS][2];

static const double points[N_POINTS * 3] = {0.1, -0.2, 0.3, 1.5, 0.25, -1, -0.75, 0.5, 2, 0, 0, 0, -2, 1, 0.5};

/* Loads, emits, compiles and evaluates network k in precision p (0 double,
   1 float) into r. Returns NULL, or what went wrong (static text). */
static const char *run(int k, int p, result *r)
{
    jg_diag d = JG_DIAG_INIT;
    jg_buf src = JG_BUF_INIT;
    jg_jit *jit = NULL;
    jg_model *m = jg_load(specs[k], &d);
    const char *why = NULL;
    static const char *const fns[3] = {"model_hessian", "model_hessian_diag", "model_laplacian"};
    jg_emit_opts o;
    size_t i, j;
    memset(r, 0, sizeof *r);
    if (m == NULL) {
        jg_diag_free(&d);
        return "load failed";
    }
    o.prefix = "model";
    o.target = JG_TARGET_JIT;
    o.command = NULL;
    o.precision = p ? JG_FLOAT : JG_DOUBLE;
    o.hessians = JG_HESSIAN_ALL;
    if (jg_emit(m, &o, &src, NULL, &d) != 0)
        why = "emit failed";
    else if (jg_jit_compile("<thread>", jg_buf_str(&src), &jit) != JG_OK)
        why = "compile failed";
    for (j = 0; why == NULL && j < 3; j++) {
        jg_jit_fn fn = jg_jit_function(jit, fns[j]);
        double *out = j == 0 ? r->d2u : j == 1 ? r->diag : r->lap;
        const size_t n_out = N_POINTS * m->n_out * (j == 0 ? m->n_in * m->n_in : j == 1 ? m->n_in : 1);
        if (fn == NULL) {
            why = "no function";
        } else if (p == 0) {
            second_fn f;
            memcpy(&f, &fn, sizeof f);
            f(N_POINTS, points, j == 0 ? r->u : NULL, j == 0 ? r->du : NULL, out);
        } else {
            float x[N_POINTS * 3], *u = malloc(sizeof r->u / 2), *du = malloc(sizeof r->du / 2);
            float *o2 = malloc(sizeof r->d2u / 2);
            second_fn_f f;
            memcpy(&f, &fn, sizeof f);
            for (i = 0; i < N_POINTS * m->n_in; i++)
                x[i] = (float)points[i];
            f(N_POINTS, x, u, du, o2);
            for (i = 0; j == 0 && i < N_POINTS * m->n_out; i++)
                r->u[i] = u[i];
            for (i = 0; j == 0 && i < N_POINTS * m->n_out * m->n_in; i++)
                r->du[i] = du[i];
            for (i = 0; i < n_out; i++)
                out[i] = o2[i];
            free(u);
            free(du);
            free(o2);
        }
    }
    jg_jit_free(jit);
    jg_buf_free(&src);
    jg_model_free(m);
    jg_diag_free(&d);
    return why;
}

static void setup(void)
{
    int k, p;
    snprintf(specs[0], sizeof specs[0], "%s/seed-pinn/model.spec", tu_data_dir());
    snprintf(specs[1], sizeof specs[1], "%s/pinn-xt/model.spec", tu_data_dir());
    snprintf(specs[2], sizeof specs[2], "%s/tests/golden/layers.spec", getenv("JG_SOURCE_ROOT"));
    for (k = 0; k < N_NETS; k++)
        for (p = 0; p < 2; p++) {
            const char *why = run(k, p, &want[k][p]);
            ck_assert_msg(why == NULL, "%s: %s", specs[k], why);
        }
}

typedef struct job {
    int id;
    char failure[256];
} job;

static void *worker(void *arg)
{
    job *jb = (job *)arg;
    result *got = malloc(sizeof *got);
    int round;
    for (round = 0; round < ROUNDS && jb->failure[0] == '\0'; round++) {
        const int k = (jb->id + round) % N_NETS, p = (jb->id / N_NETS + round) % 2;
        const char *why = run(k, p, got);
        if (why != NULL)
            snprintf(jb->failure, sizeof jb->failure, "thread %d, round %d, %s: %s", jb->id, round,
                     specs[k], why);
        else if (memcmp(got, &want[k][p], sizeof *got) != 0)
            snprintf(jb->failure, sizeof jb->failure, "thread %d, round %d, %s (%s): other numbers than "
                     "in one thread", jb->id, round, specs[k], p ? "float" : "double");
    }
    free(got);
    return NULL;
}

START_TEST(eight_threads_load_compile_and_run)
{
    pthread_t t[N_THREADS];
    job jobs[N_THREADS];
    int i;
    for (i = 0; i < N_THREADS; i++) {
        jobs[i].id = i;
        jobs[i].failure[0] = '\0';
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &jobs[i]), 0);
    }
    for (i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    for (i = 0; i < N_THREADS; i++)
        ck_assert_msg(jobs[i].failure[0] == '\0', "%s", jobs[i].failure);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, eight_threads_load_compile_and_run);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
