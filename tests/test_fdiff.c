/* test_fdiff.c: the oracle of `jetgen verify` (gen/fdiff.c) against
   PyTorch autograd in float64 on both reference networks
   (tests/data/NAME/expected-f64.json), and against hyper-dual numbers
   (through the emitted code, itself checked against them in test_oracle.c)
   on a network with every layer kind (tests/golden/layers.spec). Normwise
   error per point and quantity at most 1e-14 for u, 1e-12 for du and
   1e-11 for d2u (measured: 3e-16 to 2e-15 for du, 3e-15 to 4e-13 for
   d2u). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fdiff.h"
#include "testutil.h"

static jg_model *load(const char *path)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m = jg_model_load(path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    return m;
}

/* max |got - want| / max |want|, with got in long double */
static double normwise_ld(const long double *got, const double *want, size_t n)
{
    double *g = malloc(n * sizeof *g), e;
    size_t k;
    for (k = 0; k < n; k++)
        g[k] = (double)got[k];
    e = tu_normwise(g, want, n);
    free(g);
    return e;
}

static const char *const nets[] = {"seed-pinn", "pinn-xt"};

START_TEST(fdiff_matches_pytorch)
{
    char path[1024];
    tu_reference r;
    jg_model *m;
    jg_fdiff *f;
    size_t p, no, ni;
    long double *u, *du, *du_err, *d2u, *d2u_err;
    snprintf(path, sizeof path, "%s/%s/model.spec", tu_data_dir(), nets[_i]);
    m = load(path);
    snprintf(path, sizeof path, "%s/%s/expected-f64.json", tu_data_dir(), nets[_i]);
    tu_reference_load(&r, path);
    no = r.n_out;
    ni = r.n_in;
    f = jg_fdiff_new(m);
    ck_assert(f != NULL);
    u = malloc(no * sizeof *u);
    du = malloc(no * ni * sizeof *du);
    du_err = malloc(no * ni * sizeof *du);
    d2u = malloc(no * ni * ni * sizeof *du);
    d2u_err = malloc(no * ni * ni * sizeof *du);
    for (p = 0; p < r.n; p++) {
        double eu, edu, ed2u;
        ck_assert(jg_fdiff_jet(f, r.x + p * ni, u, du, du_err, d2u, d2u_err) == 0);
        eu = normwise_ld(u, r.u + p * no, no);
        edu = normwise_ld(du, r.du + p * no * ni, no * ni);
        ed2u = normwise_ld(d2u, r.d2u + p * no * ni * ni, no * ni * ni);
        ck_assert_msg(eu <= 1e-14 && edu <= 1e-12 && ed2u <= 1e-11,
                      "%s point %zu: normwise errors u %.3g, du %.3g, d2u %.3g", nets[_i], p, eu, edu, ed2u);
    }
    free(u);
    free(du);
    free(du_err);
    free(d2u);
    free(d2u_err);
    jg_fdiff_free(f);
    tu_reference_free(&r);
    jg_model_free(m);
}
END_TEST

/* Every layer kind: the differences against the JIT's jets, themselves
   checked against hyper-dual numbers elsewhere, at random points. */
START_TEST(fdiff_matches_jets_on_every_layer_kind)
{
    char path[1024], msg[4096];
    jg_model *m;
    jg_fdiff *f;
    tu_net net;
    tu_rng rng = {7};
    size_t p, k, no, ni;
    long double *u, *du, *du_err, *d2u, *d2u_err;
    double *ju, *jdu, *jd2u, x[3];
    snprintf(path, sizeof path, "%s/tests/golden/layers.spec", getenv("JG_SOURCE_ROOT"));
    m = load(path);
    no = m->n_out;
    ni = m->n_in;
    ck_assert_msg(tu_net_jit(&net, m, msg, sizeof msg) == 0, "%s", msg);
    f = jg_fdiff_new(m);
    ck_assert(f != NULL);
    u = malloc(no * sizeof *u);
    du = malloc(no * ni * sizeof *du);
    du_err = malloc(no * ni * sizeof *du);
    d2u = malloc(no * ni * ni * sizeof *du);
    d2u_err = malloc(no * ni * ni * sizeof *du);
    ju = malloc(no * sizeof *ju);
    jdu = malloc(no * ni * sizeof *ju);
    jd2u = malloc(no * ni * ni * sizeof *ju);
    for (p = 0; p < 20; p++) {
        double e;
        for (k = 0; k < ni; k++)
            x[k] = tu_uniform(&rng, -2, 2);
        net.hessian(1, x, ju, jdu, jd2u);
        ck_assert(jg_fdiff_jet(f, x, u, du, du_err, d2u, d2u_err) == 0);
        ck_assert_msg((e = normwise_ld(u, ju, no)) <= 1e-14, "u at point %zu: %.3g", p, e);
        ck_assert_msg((e = normwise_ld(du, jdu, no * ni)) <= 1e-12, "du at point %zu: %.3g", p, e);
        ck_assert_msg((e = normwise_ld(d2u, jd2u, no * ni * ni)) <= 1e-11, "d2u at point %zu: %.3g", p, e);
    }
    free(u);
    free(du);
    free(du_err);
    free(d2u);
    free(d2u_err);
    free(ju);
    free(jdu);
    free(jd2u);
    tu_net_free(&net);
    jg_fdiff_free(f);
    jg_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fdiff");
    TCase *tc = tcase_create("fdiff");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, fdiff_matches_pytorch, 0, 2);
    tcase_add_test(tc, fdiff_matches_jets_on_every_layer_kind);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
