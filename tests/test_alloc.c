/* test_alloc.c: allocation failure. A whole cycle (load a spec and its
   weights, warn, emit the three forms, JIT-compile, evaluate, build the
   long-double reference of verify) is run with the k-th allocation of
   gen/ and runtime/ failing (jansson's too: it allocates through util/mem.c),
   for k = 1, 2, ... until the cycle makes fewer than k allocations. Every
   run must end without a crash (Check forks: a crash fails the test), free
   everything it allocated (counted by util/mem.c; LeakSanitizer in the
   sanitizer run checks the rest), say why it failed when it did, and give
   the same bits as a run without failure when it says it succeeded.
   libtcc's own allocations do not go through util/mem.c and are not failed. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "fdiff.h"
#include "jetgen.h"
#include "jit.h"
#include "load.h"
#include "mem.h"
#include "model.h"
#include "testutil.h"

#define N_POINTS 3

typedef void (*hessian_fn)(size_t, const double *, double *, double *, double *);

/* The results of one cycle. */
typedef struct cycle {
    int done;                   /* every step succeeded */
    int said_why;               /* a step failed and a message or status said so */
    double u[N_POINTS * 8], du[N_POINTS * 8 * 3], d2u[N_POINTS * 8 * 9];
    long double ref_u[8];
} cycle;

static const double points[N_POINTS * 3] = {0.1, -0.2, 0.3, 1.5, 0.25, -1, -0.75, 0.5, 2};

static void run_cycle(const char *spec, cycle *c)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    memset(c, 0, sizeof *c);
    m = jg_load(spec, &d);
    if (m == NULL) {
        c->said_why = d.n_errors > 0;
    } else {
        static const jg_emit_target targets[3] = {JG_TARGET_FILE, JG_TARGET_SINGLE, JG_TARGET_JIT};
        jg_buf src[3] = {JG_BUF_INIT, JG_BUF_INIT, JG_BUF_INIT}, h = JG_BUF_INIT;
        jg_jit *jit = NULL;
        jg_fdiff *f = NULL;
        int k, ok = 1;
        ck_assert_uint_le(m->n_out, 8);
        ck_assert_uint_le(m->n_in, 3);
        jg_model_warn(m, &d);
        for (k = 0; k < 3 && ok; k++) {
            jg_emit_opts o;
            o.prefix = "walk";
            o.target = targets[k];
            o.command = "jetgen emit layers.spec";
            o.precision = JG_DOUBLE;
            o.hessians = JG_HESSIAN_ALL;
            if (jg_emit(m, &o, &src[k], k == 0 ? &h : NULL, &d) != 0) {
                ok = 0;
                c->said_why = d.n_errors > 0;
            }
        }
        if (ok) {
            int rc = jg_jit_compile("<walk>", jg_buf_str(&src[2]), &jit);
            if (rc != JG_OK) {
                ok = 0;
                c->said_why = rc == JG_ENOMEM;
            }
        }
        if (ok) {
            jg_jit_fn fn = jg_jit_function(jit, "walk_hessian");
            hessian_fn hess;
            ck_assert_msg(fn != NULL, "%s", jg_jit_errmsg(jit));
            memcpy(&hess, &fn, sizeof hess);
            hess(N_POINTS, points, c->u, c->du, c->d2u);
            f = jg_fdiff_new(m);
            if (f == NULL) {
                ok = 0;
                c->said_why = 1;    /* NULL is its only way to say it */
            } else {
                long double du[8 * 3], du_err[8 * 3], d2u[8 * 9], d2u_err[8 * 9];
                if (jg_fdiff_jet(f, points, c->ref_u, du, du_err, d2u, d2u_err) != 0) {
                    ok = 0;
                    c->said_why = 1;
                }
            }
        }
        c->done = ok;
        jg_fdiff_free(f);
        jg_jit_free(jit);
        for (k = 0; k < 3; k++)
            jg_buf_free(&src[k]);
        jg_buf_free(&h);
        jg_model_free(m);
    }
    jg_diag_free(&d);
}

START_TEST(every_allocation_can_fail)
{
    char spec[1024];
    cycle *want = malloc(sizeof *want), *got = malloc(sizeof *got);
    unsigned long k, made, failures = 0;
    snprintf(spec, sizeof spec, "%s/tests/golden/layers.spec", getenv("JG_SOURCE_ROOT"));
    jg_mem_fail_after(ULONG_MAX);       /* count, fail nothing */
    run_cycle(spec, want);
    made = jg_mem_fail_after(0);
    ck_assert_msg(want->done, "the cycle fails without any failure injected");
    ck_assert_uint_gt(made, 100);
    fprintf(stderr, "alloc: %lu allocations in a cycle\n", made);
    for (k = 1;; k++) {
        unsigned long asked;
        long live;
        jg_mem_fail_after(k);
        run_cycle(spec, got);
        live = jg_mem_live();
        asked = jg_mem_fail_after(0);
        ck_assert_msg(live == 0, "allocation %lu failing leaks %ld allocation%s", k, live, live == 1 ? "" : "s");
        if (asked < k)
            break;      /* nothing failed: the walk is over */
        failures++;
        if (got->done)
            ck_assert_msg(memcmp(got->u, want->u, sizeof want->u) == 0
                          && memcmp(got->du, want->du, sizeof want->du) == 0
                          && memcmp(got->d2u, want->d2u, sizeof want->d2u) == 0
                          && memcmp(got->ref_u, want->ref_u, sizeof want->ref_u) == 0,
                          "allocation %lu failing: the cycle says it succeeded, with other numbers", k);
        else
            ck_assert_msg(got->said_why, "allocation %lu failing: a step failed without saying so", k);
    }
    ck_assert_uint_eq(failures, made);
    ck_assert(got->done);
    free(want);
    free(got);
}
END_TEST

/* The same walk through the library's handle (include/jetgen.h): open
   (spec, weights, plan, and the JIT's compile or the executor), every
   mode at the points, a tensor replaced, the source emitted, freed. _i:
   the back end. */
static void run_net_cycle(const char *spec, int backend, cycle *c)
{
    static const double bias[2] = {0.25, -0.5};
    jg_net_options o;
    jg_net *net = NULL;
    char *text = NULL;
    int rc;
    memset(c, 0, sizeof *c);
    o.precision = JG_NET_DOUBLE;
    o.backend = backend;
    /* layers.spec: 3 inputs, 2 outputs from net.4 (with a bias); u, du, d2u
       hold the Hessian's results first, then the Laplacian's and the
       outputs after net.4.bias changed */
    rc = jg_net_open(spec, &o, &net);
    if (rc == JG_NET_OK) {
        ck_assert(jg_net_n_in(net) == 3 && jg_net_n_out(net) == 2);
        rc = jg_net_hessian(net, N_POINTS, points, c->u, c->du, c->d2u);
    }
    if (rc == JG_NET_OK)
        rc = jg_net_laplacian(net, N_POINTS, points, NULL, NULL, c->d2u + N_POINTS * 2 * 9);
    if (rc == JG_NET_OK)
        rc = jg_net_emit(net, NULL, &text, NULL);
    if (rc == JG_NET_OK)
        rc = jg_net_set_tensor(net, "net.4.bias", bias, 2);
    if (rc == JG_NET_OK)
        rc = jg_net_eval(net, N_POINTS, points, c->u + N_POINTS * 2);
    c->done = rc == JG_NET_OK;
    c->said_why = rc != JG_NET_OK && (net == NULL || jg_net_errmsg(net)[0] != '\0' || rc == JG_NET_ENOMEM);
    jg_net_free_text(text);
    jg_net_free(net);
}

START_TEST(every_allocation_of_the_library_can_fail)
{
    char spec[1024];
    cycle *want = malloc(sizeof *want), *got = malloc(sizeof *got);
    unsigned long k, made, failures = 0;
    snprintf(spec, sizeof spec, "%s/tests/golden/layers.spec", getenv("JG_SOURCE_ROOT"));
    jg_mem_fail_after(ULONG_MAX);
    run_net_cycle(spec, _i, want);
    made = jg_mem_fail_after(0);
    ck_assert_msg(want->done, "the cycle fails without any failure injected");
    fprintf(stderr, "alloc: %lu allocations in a library cycle (%s)\n", made, _i ? "executor" : "JIT");
    for (k = 1;; k++) {
        unsigned long asked;
        long live;
        jg_mem_fail_after(k);
        run_net_cycle(spec, _i, got);
        live = jg_mem_live();
        asked = jg_mem_fail_after(0);
        ck_assert_msg(live == 0, "allocation %lu failing leaks %ld allocation%s", k, live, live == 1 ? "" : "s");
        if (asked < k)
            break;
        failures++;
        if (got->done)
            ck_assert_msg(memcmp(got->u, want->u, sizeof want->u) == 0
                          && memcmp(got->du, want->du, sizeof want->du) == 0
                          && memcmp(got->d2u, want->d2u, sizeof want->d2u) == 0,
                          "allocation %lu failing: the cycle says it succeeded, with other numbers", k);
        else
            ck_assert_msg(got->said_why, "allocation %lu failing: a step failed without saying so", k);
    }
    ck_assert_uint_eq(failures, made);
    ck_assert(got->done);
    free(want);
    free(got);
}
END_TEST

/* jg_net_run_work and jg_net_run_float_work in the caller's work space
   allocate nothing (every allocation would fail) and give jg_net_run's
   bits, in both precisions, with either back end. */
START_TEST(run_work_allocates_nothing)
{
    char spec[1024];
    const int precision = _i / 2 ? JG_NET_FLOAT : JG_NET_DOUBLE;
    jg_net_options o;
    jg_net *net = NULL;
    double u[N_POINTS * 8], du[N_POINTS * 8 * 3], d2[N_POINTS * 8 * 9];
    double u2[N_POINTS * 8], du2[N_POINTS * 8 * 3], d22[N_POINTS * 8 * 9];
    float fx[N_POINTS * 3], fu[N_POINTS * 8], fdu[N_POINTS * 8 * 3], fd2[N_POINTS * 8 * 9];
    float fu2[N_POINTS * 8], fdu2[N_POINTS * 8 * 3], fd22[N_POINTS * 8 * 9];
    void *work;
    size_t k;
    unsigned long asked;
    snprintf(spec, sizeof spec, "%s/tests/golden/layers.spec", getenv("JG_SOURCE_ROOT"));
    o.precision = precision;
    o.backend = _i % 2 ? JG_NET_EXECUTOR : JG_NET_JIT;
    ck_assert_msg(jg_net_open(spec, &o, &net) == JG_NET_OK, "%s", jg_net_errmsg(net));
    ck_assert(jg_net_n_in(net) == 3 && jg_net_n_out(net) <= 8);
    work = malloc(jg_net_work_bytes(net) + 1);
    ck_assert(work != NULL);
    for (k = 0; k < N_POINTS * 3; k++)
        fx[k] = (float)points[k];
    memset(u, 0, sizeof u), memset(du, 0, sizeof du), memset(d2, 0, sizeof d2);     /* past n_out: equal */
    memset(u2, 0, sizeof u2), memset(du2, 0, sizeof du2), memset(d22, 0, sizeof d22);
    memset(fu, 0, sizeof fu), memset(fdu, 0, sizeof fdu), memset(fd2, 0, sizeof fd2);
    memset(fu2, 0, sizeof fu2), memset(fdu2, 0, sizeof fdu2), memset(fd22, 0, sizeof fd22);
    if (precision == JG_NET_DOUBLE)
        ck_assert_int_eq(jg_net_run(net, JG_NET_HESSIAN, N_POINTS, points, u, du, d2), JG_NET_OK);
    else
        ck_assert_int_eq(jg_net_run_float(net, JG_NET_HESSIAN, N_POINTS, fx, fu, fdu, fd2), JG_NET_OK);
    jg_mem_fail_after(1);       /* the first allocation fails, and every one after it */
    if (precision == JG_NET_DOUBLE)     /* a work space at an odd address: the code aligns within */
        ck_assert_int_eq(jg_net_run_work(net, JG_NET_HESSIAN, N_POINTS, points, u2, du2, d22,
                                         (char *)work + 1), JG_NET_OK);
    else
        ck_assert_int_eq(jg_net_run_float_work(net, JG_NET_HESSIAN, N_POINTS, fx, fu2, fdu2, fd22, work),
                         JG_NET_OK);
    asked = jg_mem_fail_after(0);
    ck_assert_msg(asked == 0, "jg_net_run%s_work asked for %lu allocations", precision ? "_float" : "", asked);
    if (precision == JG_NET_DOUBLE)
        ck_assert(memcmp(u, u2, sizeof u) == 0 && memcmp(du, du2, sizeof du) == 0
                  && memcmp(d2, d22, sizeof d2) == 0);
    else
        ck_assert(memcmp(fu, fu2, sizeof fu) == 0 && memcmp(fdu, fdu2, sizeof fdu) == 0
                  && memcmp(fd2, fd22, sizeof fd2) == 0);
    free(work);
    jg_net_free(net);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, every_allocation_can_fail);
    tcase_add_loop_test(tc, every_allocation_of_the_library_can_fail, 0, 2);
    tcase_add_loop_test(tc, run_work_allocates_nothing, 0, 4);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
