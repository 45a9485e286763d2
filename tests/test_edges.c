/* test_edges.c: whole networks at the edges of the double range, through
   the JIT in double and float and through the gcc-built file. The inputs
   are +-inf, NaN, +-1e308, +-1e30 and subnormals. Every call returns
   (Check forks: a crash fails); a NaN in x gives NaN in every u; a
   subnormal x gives what x = 0 gives (1e-15 normwise); and for the tanh
   network, whose first layer saturates, x = +-inf and +-1e308 give the
   same bits as +-1e30: the limit, with finite derivatives (zeros from the
   saturated neurons, never NaN). Each activation alone at these inputs is
   checked against PyTorch and its limits in tests/interop.py. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "model.h"
#include "testutil.h"

static const char *const specs[] = {"%s/pinn-xt/model.spec", "%s/../golden/layers.spec"};
static const char *const builds[] = {"jit", "jit float", "gcc -std=c99 -O2 -march=native"};

#define N_BUILDS (sizeof builds / sizeof builds[0])

static void eval(const tu_net *net, int is_float, size_t n_in, size_t n_out, const double *x, double *u,
                 double *du, double *d2u)
{
    if (is_float)
        tu_hessian_float(net, 1, n_in, n_out, x, u, du, d2u);
    else
        net->hessian(1, x, u, du, d2u);
}

START_TEST(networks_at_the_edges)
{
    const size_t b = (size_t)_i % N_BUILDS;
    const int is_float = b == 1, tanh_net = _i / N_BUILDS == 0;
    char path[1024], msg[8192];
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    tu_net net;
    size_t ni, no, i, k, q;
    double x[3], x0[3], u[2], du[6], d2u[18], u0[2], du0[6], d2u0[18];
    static const double big[] = {INFINITY, -INFINITY, 1e308, -1e308};
    snprintf(path, sizeof path, specs[_i / N_BUILDS], tu_data_dir());
    m = jg_load(path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ni = m->n_in;
    no = m->n_out;
    ck_assert(ni <= 3 && no <= 2);
    if (b == 0)
        ck_assert_msg(tu_net_jit(&net, m, msg, sizeof msg) == 0, "%s", msg);
    else if (b == 1)
        ck_assert_msg(tu_net_jit_float(&net, m, msg, sizeof msg) == 0, "%s", msg);
    else
        ck_assert_msg(tu_net_cc(&net, m, builds[b], "edge", msg, sizeof msg) == 0, "%s", msg);

    /* NaN in any component: NaN in every u */
    for (i = 0; i < ni; i++) {
        for (k = 0; k < ni; k++)
            x[k] = k == i ? NAN : 0.25;
        eval(&net, is_float, ni, no, x, u, du, d2u);
        for (k = 0; k < no; k++)
            ck_assert_msg(isnan(u[k]), "%s, %s: NaN in x[%zu] gives u[%zu] = %g", path, builds[b], i, k, u[k]);
    }
    /* subnormal x: what 0 gives */
    for (k = 0; k < ni; k++)
        x0[k] = 0;
    eval(&net, is_float, ni, no, x0, u0, du0, d2u0);
    for (q = 0; q < 3; q++) {
        const double sub = q == 0 ? 4.9406564584124654e-324 : q == 1 ? -DBL_MIN / 3 : DBL_MIN / 2;
        for (k = 0; k < ni; k++)
            x[k] = sub;
        eval(&net, is_float, ni, no, x, u, du, d2u);
        ck_assert(tu_normwise(u, u0, no) <= 1e-15);
        ck_assert(tu_normwise(du, du0, no * ni) <= 1e-15);
        ck_assert(tu_normwise(d2u, d2u0, no * ni * ni) <= 1e-15);
    }
    /* +-inf and +-1e308 in one component */
    for (q = 0; q < 4; q++)
        for (i = 0; i < ni; i++) {
            for (k = 0; k < ni; k++)
                x[k] = k == i ? big[q] : 0.25;
            eval(&net, is_float, ni, no, x, u, du, d2u);
            if (!tanh_net)
                continue;       /* sin of infinity is NaN: only the call is checked */
            for (k = 0; k < ni; k++)
                x0[k] = k == i ? (big[q] > 0 ? 1e30 : -1e30) : 0.25;
            eval(&net, is_float, ni, no, x0, u0, du0, d2u0);
            ck_assert_msg(memcmp(u, u0, no * sizeof *u) == 0 && memcmp(du, du0, no * ni * sizeof *du) == 0
                          && memcmp(d2u, d2u0, no * ni * ni * sizeof *d2u) == 0,
                          "%s, %s: x[%zu] = %g does not give what +-1e30 gives", path, builds[b], i, big[q]);
            for (k = 0; k < no * ni * ni; k++)
                ck_assert(isfinite(d2u[k]) && (k >= no * ni || isfinite(du[k])) && (k >= no || isfinite(u[k])));
        }
    tu_net_free(&net);
    jg_model_free(m);
    jg_diag_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("edges");
    TCase *tc = tcase_create("edges");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, networks_at_the_edges, 0, (int)(2 * N_BUILDS));
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
