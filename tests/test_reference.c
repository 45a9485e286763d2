/* test_reference.c: both reference networks against PyTorch autograd in
   float64 (tests/data/NAME/expected-f64.json), through the JIT and through
   the emitted file compiled by gcc, clang, g++ and tcc with every warning an
   error (gcc and clang also with -march=native, for the vector paths, and
   gcc and g++ with -march=x86-64-v3 for AVX2 on an AVX-512 machine).
   Tolerance: normwise relative error 1e-12 per point and quantity. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "load.h"
#include "model.h"
#include "testutil.h"

#define TOL 1e-12

static const char *const nets[] = {"seed-pinn", "pinn-xt"};
static const char *const builds[] = {
    NULL,   /* the JIT */
    "gcc -std=c99 -O2 -Wall -Wextra -pedantic -Werror",
    "clang -std=c99 -O2 -Wall -Wextra -pedantic -Werror",
    "g++ -x c++ -O2 -Wall -Wextra -pedantic -Werror",
    "tcc -Wall -Werror",
    /* the vector paths: AVX-512 or AVX2 intrinsics, as the machine has them */
    "gcc -std=c99 -O3 -march=native -Wall -Wextra -pedantic -Werror",
    "clang -std=c99 -O3 -march=native -Wall -Wextra -pedantic -Werror",
#if defined(__x86_64__)
    /* AVX2's masked loads and stores also where the machine has AVX-512 */
    "gcc -std=c99 -O3 -march=x86-64-v3 -Wall -Wextra -pedantic -Werror",
    "g++ -x c++ -O3 -march=x86-64-v3 -Wall -Wextra -pedantic -Werror",
#endif
};
#define N_BUILDS (sizeof builds / sizeof builds[0])

static jg_model *load(const char *net)
{
    char path[1024];
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    snprintf(path, sizeof path, "%s/%s/model.spec", tu_data_dir(), net);
    m = jg_load(path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    return m;
}

static void check_point(const char *what, size_t p, const double *got, const double *want, size_t n)
{
    double e = tu_normwise(got, want, n);
    ck_assert_msg(e <= TOL, "%s at point %zu: normwise error %.3g > %.0e (got[0] = %.17g, want %.17g)",
                  what, p, e, TOL, got[0], want[0]);
}

START_TEST(reference_matches_pytorch)
{
    const char *net_name = nets[_i / N_BUILDS], *build = builds[_i % N_BUILDS];
    char path[1024], msg[8192];
    tu_reference r;
    tu_net net;
    jg_model *m = load(net_name);
    size_t p, no, ni;
    double *u, *du, *d2u, *u1, *du1, *u0;

    snprintf(path, sizeof path, "%s/%s/expected-f64.json", tu_data_dir(), net_name);
    tu_reference_load(&r, path);
    ck_assert_uint_eq(r.n_in, m->n_in);
    ck_assert_uint_eq(r.n_out, m->n_out);
    if (build == NULL)
        ck_assert_msg(tu_net_jit(&net, m, msg, sizeof msg) == 0, "%s", msg);
    else
        ck_assert_msg(tu_net_cc(&net, m, build, "pinn", msg, sizeof msg) == 0, "%s", msg);
    no = r.n_out;
    ni = r.n_in;
    u = malloc(r.n * no * sizeof *u);
    du = malloc(r.n * no * ni * sizeof *du);
    d2u = malloc(r.n * no * ni * ni * sizeof *d2u);
    u1 = malloc(r.n * no * sizeof *u);
    du1 = malloc(r.n * no * ni * sizeof *du);
    u0 = malloc(r.n * no * sizeof *u);
    net.hessian(r.n, r.x, u, du, d2u);
    for (p = 0; p < r.n; p++) {
        check_point("u", p, u + p * no, r.u + p * no, no);
        check_point("du", p, du + p * no * ni, r.du + p * no * ni, no * ni);
        check_point("d2u", p, d2u + p * no * ni * ni, r.d2u + p * no * ni * ni, no * ni * ni);
    }
    /* Lower orders give the same numbers, and NULL outputs are skipped. */
    net.jacobian(r.n, r.x, u1, du1);
    net.eval(r.n, r.x, u0);
    ck_assert(memcmp(u1, u, r.n * no * sizeof *u) == 0);
    ck_assert(memcmp(u0, u, r.n * no * sizeof *u) == 0);
    ck_assert(memcmp(du1, du, r.n * no * ni * sizeof *du) == 0);
    memset(du1, 0, r.n * no * ni * sizeof *du);
    net.hessian(r.n, r.x, NULL, NULL, d2u);
    net.jacobian(r.n, r.x, NULL, du1);
    ck_assert(memcmp(du1, du, r.n * no * ni * sizeof *du) == 0);
    /* One point at a time gives the same as a batch. */
    for (p = 0; p < r.n; p++) {
        net.hessian(1, r.x + p * ni, u1, du1, NULL);
        ck_assert(memcmp(u1, u + p * no, no * sizeof *u) == 0);
    }
    free(u);
    free(du);
    free(d2u);
    free(u1);
    free(du1);
    free(u0);
    tu_net_free(&net);
    tu_reference_free(&r);
    jg_model_free(m);
}
END_TEST

/* --precision float against the float64 reference, held to PyTorch's own
   float32 accuracy: for each point and each of u, du, d2u, the normwise
   error of jetgen's float result (vs expected-f64.json) must be at most
   twice that of PyTorch's float32 result (expected-f32.json) plus 8
   float epsilons (about 1e-6): both compute in float32 with sums of the
   same lengths in different orders, so neither is the more exact one, and
   PyTorch's error is the scale of float32 rounding for this network (up to
   3e-3 on d2u, from cancellation in the second derivative). */
START_TEST(float_matches_pytorch_float32)
{
    const char *net_name = nets[_i / N_BUILDS], *build = builds[_i % N_BUILDS];
    char path[1024], msg[8192];
    tu_reference r64, r32;
    tu_net net;
    jg_model *m = load(net_name);
    size_t p, q, no, ni;
    double *out[3];
    snprintf(path, sizeof path, "%s/%s/expected-f64.json", tu_data_dir(), net_name);
    tu_reference_load(&r64, path);
    snprintf(path, sizeof path, "%s/%s/expected-f32.json", tu_data_dir(), net_name);
    tu_reference_load(&r32, path);
    if (build == NULL)
        ck_assert_msg(tu_net_jit_float(&net, m, msg, sizeof msg) == 0, "%s", msg);
    else
        ck_assert_msg(tu_net_cc_float(&net, m, build, "pinnf", msg, sizeof msg) == 0, "%s", msg);
    no = r64.n_out;
    ni = r64.n_in;
    out[0] = malloc(r64.n * no * sizeof(double));
    out[1] = malloc(r64.n * no * ni * sizeof(double));
    out[2] = malloc(r64.n * no * ni * ni * sizeof(double));
    tu_hessian_float(&net, r64.n, ni, no, r64.x, out[0], out[1], out[2]);
    for (p = 0; p < r64.n; p++)
        for (q = 0; q < 3; q++) {
            const size_t len = q == 0 ? no : q == 1 ? no * ni : no * ni * ni;
            const double *want = q == 0 ? r64.u : q == 1 ? r64.du : r64.d2u;
            const double *torch = q == 0 ? r32.u : q == 1 ? r32.du : r32.d2u;
            const double ours = tu_normwise(out[q] + p * len, want + p * len, len);
            const double theirs = tu_normwise(torch + p * len, want + p * len, len);
            ck_assert_msg(ours <= 2.0 * theirs + 8.0 * 1.1920929e-7,
                          "%s point %zu, %s: float error %.3g, PyTorch float32's %.3g", net_name, p,
                          q == 0 ? "u" : q == 1 ? "du" : "d2u", ours, theirs);
        }
    free(out[0]);
    free(out[1]);
    free(out[2]);
    tu_net_free(&net);
    tu_reference_free(&r64);
    tu_reference_free(&r32);
    jg_model_free(m);
}
END_TEST

/* The JIT uses the kernel set JETGEN_ISA asks for, where the machine runs
   it, else the widest one it runs. */
START_TEST(kernel_set_is_the_one_asked_for)
{
    const char *want = getenv("JETGEN_ISA");
    const char *isa = jg_kernels_best(0)->isa;
#if defined(__x86_64__)
    if (want != NULL && strcmp(want, "baseline") == 0)
        ck_assert_str_eq(isa, "baseline");
    else if (want != NULL && strcmp(want, "avx2") == 0 && __builtin_cpu_supports("avx2")
             && __builtin_cpu_supports("fma"))
        ck_assert_str_eq(isa, "avx2");
    else if (__builtin_cpu_supports("avx512f"))
        ck_assert_str_eq(isa, "avx512");
#else
    (void)want;
    ck_assert_str_eq(isa, "baseline");
#endif
}
END_TEST

/* Each activation's kernel sits where JG_KERNEL_OF_ACTIVATION says, in
   both precisions (the reverse sweep reaches pow's kernel there). */
START_TEST(activation_kernels_where_the_index_says)
{
    int f, a;
    for (f = 0; f < 2; f++)
        for (a = 0; jg_activation_name((size_t)a) != NULL; a++)
            ck_assert_str_eq(jg_kernels_best(f)->k[JG_KERNEL_OF_ACTIVATION(a)].name,
                             jg_activation_name((size_t)a));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reference");
    TCase *tc = tcase_create("pytorch");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, reference_matches_pytorch, 0, (int)(2 * N_BUILDS));
    tcase_add_test(tc, kernel_set_is_the_one_asked_for);
    tcase_add_test(tc, activation_kernels_where_the_index_says);
    tcase_add_loop_test(tc, float_matches_pytorch_float32, 0, (int)(2 * N_BUILDS));
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
