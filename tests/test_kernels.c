/* test_kernels.c: the kernels of templates/kernels.c compiled into the
   test as they are (the runtime's way), checked on their own:
   - tanh and sigmoid against libm in long double over the whole double
     range: within 4 units in the last place; their derivatives within a
     few DBL_EPSILON absolute (their scale is 1), sigmoid' within 8 units
     in the last place; exact zeros where saturated, NaN for NaN, the
     limits for infinities;
   - sin and cos (through the sin and cos kernels, p = 1, 128,000
     arguments) against libm in long double: within 2 units of 2^-53
     absolute where they are computed by the vectorized reduction and
     series (|y| <= 2^19), within 1 unit in the last place beyond (libm),
     NaN for NaN and infinities;
   - e^x (model__exp_neg, for elu, selu and exp) within 2 units in the last
     place over [-745, 709.7] where the result is normal, e^x - 1 for
     x <= 0 (model__expm1_neg) within 3, log(1 + w) for w in [0, 1]
     (model__log1p01, for softplus) within 2 (250,000 arguments each);
   - the dense kernel against a plain triple loop, for every shape of
     register block and edge (rows 1-13, widths 8-72, with and without
     bias, row pointers or a strided buffer, first column 0, 8 or 16 of
     weights in panels); its reverse (model__dense_back, for training)
     against plain loops for every block shape and edge;
   - the reverse of an activation (model__activate_back) against the
     forward one by the dot-product test, in every mode and packing;
   - every activation's Taylor coefficients to order 6 (model__NAME_taylor,
     the partial derivatives of order 3 and 4) against the long-double
     oracle's (gen/taylor.c, Taylor arithmetic on the activation's
     definition), at 2,000 arguments with two sets of parameters. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL__API /* external: no warning for kernels this test does not call */
#include "../templates/kernels.c"

#include "testutil.h"

/* |got - want| in units in the last place of want (long double). */
static double ulps(double got, long double want)
{
    long double scale;
    if (want == 0.0L)
        return got == 0.0 ? 0.0 : INFINITY;
    scale = fabsl(want) * (long double)DBL_EPSILON;
    if (fabsl(want) < (long double)DBL_MIN)
        scale = (long double)DBL_MIN * (long double)DBL_EPSILON;
    return (double)(fabsl((long double)got - want) / scale);
}

static double arg(unsigned long long *s)
{
    /* |z| from 1e-300 to 1e300, log-uniform, either sign; and many in [-25, 25] */
    double u, e;
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    u = (double)(*s >> 11) / 9007199254740992.0;
    if (*s % 3 == 0)
        return 50.0 * u - 25.0;
    e = -300.0 + 600.0 * u;
    return (*s & 1 ? -1.0 : 1.0) * pow(10.0, e) * (1.0 + (double)(*s % 1000) / 1000.0);
}

enum { N_DENSE = 13 * 9 * 4, N_DENSE_BACK = 14 * 21 * 2 };   /* shapes of the dense kernels' tests */

START_TEST(tanh_is_accurate)
{
    enum { N = 64 };
    double z[N], s0[N], s1[N], s2[N], worst = 0.0, at = 0.0;
    unsigned long long seed = 42;
    int round, k;
    for (round = 0; round < tu_sample_count(4000); round++) {
        for (k = 0; k < N; k++)
            z[k] = arg(&seed);
        model__tanh(N, 0.0, 0.0, z, s0, s1, s2);
        for (k = 0; k < N; k++) {
            const long double t = tanhl((long double)z[k]);
            const long double d1 = 1.0L - t * t;
            double e = ulps(s0[k], t);
            if (e > worst) {
                worst = e;
                at = z[k];
            }
            /* s' = 1 - a^2 from the rounded a: absolute error ~ 2 |a| ulp(a) */
            ck_assert_msg(fabsl((long double)s1[k] - d1) <= 4.0L * DBL_EPSILON,
                          "tanh'(%.17g) = %.17g, want %.17Lg", z[k], s1[k], d1);
            ck_assert_msg(fabsl((long double)s2[k] + 2.0L * t * d1) <= 8.0L * DBL_EPSILON,
                          "tanh''(%.17g) = %.17g", z[k], s2[k]);
            if (fabs(z[k]) > 20.0)
                ck_assert_msg(s1[k] == 0.0 && s2[k] == 0.0, "tanh saturated at %.17g: s' = %g", z[k], s1[k]);
        }
    }
    ck_assert_msg(worst <= 4.0, "tanh: %.2f ulp at %.17g", worst, at);
}
END_TEST

/* tanh_chain's values (the executor's and the reverse sweep's tanh, not
   model__tanh's loop) against tanhl, on rows of every length to 64 (whole
   vectors and a part), and its special values as model__tanh's. */
START_TEST(tanh_chain_is_accurate)
{
    enum { N = 64 };
    const double sp[8] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e308, -1e308, 4.9406564584124654e-324};
    double z[N], a[N], worst = 0.0, at = 0.0;
    unsigned long long seed = 7;
    int round, k, m;
    for (round = 0; round < tu_sample_count(4000); round++) {
        m = 1 + round % N;
        for (k = 0; k < N; k++)
            z[k] = arg(&seed);
        model__tanh_chain((size_t)m, 1, 1, NULL, 0, 1, z, N, a, N);
        for (k = 0; k < m; k++) {
            const double e = ulps(a[k], tanhl((long double)z[k]));
            if (e > worst) {
                worst = e;
                at = z[k];
            }
        }
    }
    ck_assert_msg(worst <= 4.0, "tanh_chain: %.2f ulp at %.17g", worst, at);
    model__tanh_chain(8, 1, 1, NULL, 0, 1, sp, 8, a, 8);
    ck_assert(isnan(a[0]) && a[1] == 1.0 && a[2] == -1.0 && a[3] == 0.0 && !signbit(a[3]));
    ck_assert(a[4] == 0.0 && signbit(a[4]) && a[5] == 1.0 && a[6] == -1.0 && a[7] == sp[7]);
}
END_TEST

START_TEST(sigmoid_is_accurate)
{
    enum { N = 64 };
    double z[N], s0[N], s1[N], s2[N], worst = 0.0, at = 0.0;
    unsigned long long seed = 7;
    int round, k;
    for (round = 0; round < tu_sample_count(4000); round++) {
        for (k = 0; k < N; k++)
            z[k] = arg(&seed);
        model__sigmoid(N, 0.0, 0.0, z, s0, s1, s2);
        for (k = 0; k < N; k++) {
            const long double e = expl(-fabsl((long double)z[k]));
            const long double a = z[k] >= 0 ? 1.0L / (1.0L + e) : e / (1.0L + e);
            const long double b = z[k] >= 0 ? e / (1.0L + e) : 1.0L / (1.0L + e);   /* 1 - a, without cancellation */
            const double err = ulps(s0[k], a);
            if (err > worst && fabsl(a) > 1e-300L) {
                worst = err;
                at = z[k];
            }
            if (fabsl(a * b) > 1e-300L)
                ck_assert_msg(ulps(s1[k], a * b) <= 8.0, "sigmoid'(%.17g) = %.17g, want %.17Lg", z[k], s1[k], a * b);
            /* s'' = s' (b - a) loses relative precision near z = 0, where it
               vanishes: held to an absolute bound, as tanh's derivatives */
            ck_assert_msg(fabsl((long double)s2[k] - a * b * (b - a)) <= 2.0L * DBL_EPSILON,
                          "sigmoid''(%.17g) = %.17g, want %.17Lg", z[k], s2[k], a * b * (b - a));
        }
    }
    ck_assert_msg(worst <= 4.0, "sigmoid: %.2f ulp at %.17g", worst, at);
}
END_TEST

START_TEST(special_values)
{
    const double z[8] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e308, -1e308, 4.9406564584124654e-324};
    double s0[8], s1[8], s2[8];
    model__tanh(8, 0.0, 0.0, z, s0, s1, s2);
    ck_assert(isnan(s0[0]) && isnan(s1[0]) && isnan(s2[0]));
    ck_assert(s0[1] == 1.0 && s1[1] == 0.0 && s2[1] == 0.0);
    ck_assert(s0[2] == -1.0 && s1[2] == 0.0 && s2[2] == 0.0);
    ck_assert(s0[3] == 0.0 && s1[3] == 1.0 && s2[3] == 0.0);
    ck_assert(s0[4] == 0.0 && signbit(s0[4]) && s1[4] == 1.0);       /* tanh(-0) = -0 */
    ck_assert(s0[5] == 1.0 && s1[5] == 0.0 && s0[6] == -1.0 && s1[6] == 0.0);
    ck_assert(s0[7] == z[7] && s1[7] == 1.0);
    model__sigmoid(8, 0.0, 0.0, z, s0, s1, s2);
    ck_assert(isnan(s0[0]) && isnan(s1[0]) && isnan(s2[0]));
    ck_assert(s0[1] == 1.0 && s1[1] == 0.0 && s2[1] == 0.0);
    ck_assert(s0[2] == 0.0 && s1[2] == 0.0 && s2[2] == 0.0);
    ck_assert(s0[3] == 0.5 && s1[3] == 0.25 && s2[3] == 0.0);
    ck_assert(s0[5] == 1.0 && s1[5] == 0.0 && s0[6] == 0.0 && s1[6] == 0.0);
}
END_TEST

/* model__dense against a triple loop, every block shape and edge. */
START_TEST(sin_and_cos_are_accurate)
{
    enum { N = 64 };
    static const double special[] = {0.0, -0.0, 1e-300, 0.78539816339744828, 0.78539816339744839,
                                     1.5707963267948966, 3.1415926535897931, 524288.0, -524288.0,
                                     524288.00000000006, 1e22, 1e300, -1e300};
    double z[N], s0[N], s1[N], s2[N], c0[N], c1[N], c2[N], worst = 0.0, at = 0.0;
    unsigned long long seed = 7;
    int round, k;
    for (round = 0; round < tu_sample_count(2000); round++) {
        for (k = 0; k < N; k++) {
            const double u = (double)((seed = seed * 6364136223846793005ull + 1442695040888963407ull) >> 11)
                             / 9007199254740992.0;
            z[k] = round == 0 && k < (int)(sizeof special / sizeof special[0]) ? special[k]
                 : k % 4 == 0 ? arg(&seed) : k % 4 == 1 ? 1048576.0 * u - 524288.0
                 : k % 4 == 2 ? 200.0 * u - 100.0 : 8.0 * u - 4.0;
        }
        model__sin(N, 1.0, 0.0, z, s0, s1, s2);
        model__cos(N, 1.0, 0.0, z, c0, c1, c2);
        for (k = 0; k < N; k++) {
            const long double sn = sinl((long double)z[k]), cs = cosl((long double)z[k]);
            const double got[4] = {s0[k], s1[k], c0[k], c1[k]};
            const long double want[4] = {sn, cs, cs, -sn};
            int d;
            ck_assert(s2[k] == -s0[k] && c2[k] == -c0[k]);
            for (d = 0; d < 4; d++) {
                const double e = fabs(z[k]) <= 524288.0 ? (double)(fabsl((long double)got[d] - want[d]) * 0x1p53L)
                                                         : ulps(got[d], want[d]);
                if (e > worst) {
                    worst = e;
                    at = z[k];
                }
            }
        }
    }
    ck_assert_msg(worst <= 2.0, "sin/cos: error %.2f at %.17g", worst, at);
    z[0] = NAN;
    z[1] = INFINITY;
    z[2] = -INFINITY;
    model__sin(3, 1.0, 0.0, z, s0, s1, s2);
    for (k = 0; k < 3; k++)
        ck_assert(isnan(s0[k]) && isnan(s1[k]) && isnan(s2[k]));
}
END_TEST

START_TEST(exp_expm1_log1p_are_accurate)
{
    unsigned long long seed = 12345;
    double worst_exp = 0.0, at_exp = 0.0, worst_m1 = 0.0, at_m1 = 0.0;
    long i;
    for (i = 0; i < tu_sample_count(250000); i++) {
        double x;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        x = i % 2 ? 1454.7 * (double)(seed >> 11) / 9007199254740992.0 - 745.0
                  : -2.0 * (double)(seed >> 11) / 9007199254740992.0;
        if (expl((long double)x) >= (long double)DBL_MIN) {
            const double e = ulps(model__exp_neg(-x), expl((long double)x));
            if (e > worst_exp) {
                worst_exp = e;
                at_exp = x;
            }
        }
        if (x < 0.0) {
            const double e = ulps(model__expm1_neg(x, model__exp_neg(-x)), expm1l((long double)x));
            if (e > worst_m1) {
                worst_m1 = e;
                at_m1 = x;
            }
        }
    }
    for (i = 0; i < tu_sample_count(250000); i++) {
        double w, e;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        w = i % 3 == 0 ? (double)(seed >> 11) / 9007199254740992.0
                       : pow(10.0, -320.0 * (double)(seed >> 11) / 9007199254740992.0);
        e = ulps(model__log1p01(w), log1pl((long double)w));
        ck_assert_msg(e <= 2.0, "log1p(%.17g): %.2f ulp", w, e);
    }
    ck_assert(model__log1p01(0.0) == 0.0 && isnan(model__log1p01(NAN)));
    ck_assert_msg(worst_exp <= 2.0, "exp: %.2f ulp at %.17g", worst_exp, at_exp);
    ck_assert_msg(worst_m1 <= 3.0, "expm1: %.2f ulp at %.17g", worst_m1, at_m1);
    ck_assert(model__exp_neg(-710.0) == INFINITY && model__exp_neg(-1e300) == INFINITY);
    ck_assert(model__exp_neg(746.0) == 0.0 && model__exp_neg(1e300) == 0.0 && isnan(model__exp_neg(NAN)));
}
END_TEST

static void dense_case(int i)
{
    static double a[13 * 40], wt[40 * 72], packed[40 * 72], b[72], z[13 * 80], want[13 * 72];
    double *rows[13];
    const size_t j0 = 8 * ((size_t)i / 2 % 3), ldw = 72;   /* first column: panel edges included */
    const size_t nrow = 1 + (size_t)i % 13, n_out0 = 8 * (1 + (size_t)i / 13 % 9);
    const size_t n_out = n_out0 + j0 <= ldw ? n_out0 : ldw - j0;
    const size_t n_in = 1 + (size_t)i % 37, np = 1 + (size_t)i % nrow;
    const int bias = i % 2, use_rows = i / 2 % 2;
    unsigned long long seed = 99 + (unsigned long long)i;
    size_t r, j, k, p0, at = 0;
    for (k = 0; k < 13 * 40; k++)
        a[k] = arg(&seed) > 0 ? 0.5 : -0.25 * (double)(k % 7);
    for (k = 0; k < 40 * 72; k++)
        wt[k] = (double)((k * 7919) % 23) / 23.0 - 0.5;
    for (k = 0; k < 72; k++)
        b[k] = (double)k / 72.0;
    /* W^T [n_in][72] into panels of MODEL__PANEL columns, as jetgen emits it */
    for (p0 = 0; p0 < ldw; p0 += MODEL__PANEL)
        for (k = 0; k < n_in; k++)
            for (j = p0; j < ldw && j < p0 + MODEL__PANEL; j++)
                packed[at++] = wt[k * 72 + j];
    for (r = 0; r < nrow; r++)
        for (j = 0; j < n_out; j++) {
            long double s = bias && r < np ? b[j0 + j] : 0.0L;
            for (k = 0; k < n_in; k++)
                s += (long double)a[r * 40 + k] * wt[k * 72 + j0 + j];
            want[r * 72 + j] = (double)s;
        }
    memset(z, 0, sizeof z);
    for (r = 0; r < nrow; r++)
        rows[r] = z + r * 80;
    model__dense(n_out, n_in, packed, ldw, j0, bias ? b + j0 : NULL, nrow, np, a, 40, z, 80,
                 use_rows ? rows : NULL);
    for (r = 0; r < nrow; r++) {
        for (j = 0; j < n_out; j++)
            ck_assert_msg(fabs(z[r * 80 + j] - want[r * 72 + j]) <= 1e-14 * (1.0 + fabs(want[r * 72 + j])),
                          "rows %zu, out %zu from %zu, in %zu: z[%zu][%zu] = %.17g, want %.17g", nrow, n_out, j0,
                          n_in, r, j, z[r * 80 + j], want[r * 72 + j]);
        for (; j < 80; j++)
            ck_assert_msg(z[r * 80 + j] == 0.0, "wrote past the row: z[%zu][%zu]", r, j);
    }
}

START_TEST(dense_matches_a_plain_loop)
{
    int i;
    for (i = tu_first_case(_i); i < N_DENSE; i = tu_next_case(i, N_DENSE))
        dense_case(i);
}
END_TEST

/* model__dense_back against plain loops in long double, for every shape
   of register block and edge: rows 1-14 (blocks of 6, 3, 1), outputs 1-20
   and 37, inputs 1-72 (vectors of 4, 3, 2, 1 and a partial one), with
   and without the bias; the accumulators start from values already there
   (the sweep adds), and nothing is written past a row or a gradient. */
static void dense_back_case(int i)
{
    enum { LD = 80 };
    static double w[37 * LD], zb[14 * 40], a[14 * LD], ab[14 * LD], gw[37 * 72 + 8], gb[37 + 8];
    static double ab0[14 * LD], gw0[37 * 72 + 8], gb0[37 + 8];
    const size_t nrow = 1 + (size_t)i % 14, n_out = i / 14 % 21 < 20 ? 1 + (size_t)i / 14 % 21 : 37;
    const size_t n_in = 1 + ((size_t)i * 7) % 72, ldw = (n_in + 7) / 8 * 8, np = 1 + (size_t)i % nrow;
    const int bias = i / (14 * 21) == 0;
    unsigned long long seed = 7 + (unsigned long long)i;
    size_t r, j, k;
    for (j = 0; j < 37; j++)
        for (k = 0; k < LD; k++)
            w[j * LD + k] = k < n_in ? arg(&seed) > 0 ? 0.75 - (double)(j % 5) / 8 : (double)(k % 9) / 9 : 0.0;
    for (k = 0; k < 14 * 40; k++)
        zb[k] = (double)((k * 7919) % 29) / 29.0 - 0.5;
    for (k = 0; k < 14 * LD; k++) {
        a[k] = (double)((k * 104729) % 31) / 31.0 - 0.25;
        ab0[k] = (double)(k % 5) / 4.0;
    }
    for (k = 0; k < 37 * 72 + 8; k++)
        gw0[k] = (double)(k % 3);
    for (k = 0; k < 37 + 8; k++)
        gb0[k] = (double)(k % 4);
    memcpy(ab, ab0, sizeof ab);
    memcpy(gw, gw0, sizeof gw);
    memcpy(gb, gb0, sizeof gb);
    /* W as rows padded to ldw, packed (stride ldw) */
    {
        static double wp[37 * LD];
        for (j = 0; j < n_out; j++)
            for (k = 0; k < ldw; k++)
                wp[j * ldw + k] = w[j * LD + k];
        model__dense_back(n_out, n_in, wp, ldw, nrow, np, zb, 40, a, LD, ab, gw, bias ? gb : NULL);
    }
    for (r = 0; r < nrow; r++)
        for (k = 0; k < LD; k++) {
            long double s = ab0[r * LD + k];
            for (j = 0; k < ldw && j < n_out; j++)
                s += (long double)zb[r * 40 + j] * w[j * LD + k];
            ck_assert_msg(fabs(ab[r * LD + k] - (double)s) <= 1e-13 * (1.0 + fabsl(s)),
                          "rows %zu, out %zu, in %zu: ab[%zu][%zu] = %.17g, want %.17Lg", nrow, n_out, n_in, r, k,
                          ab[r * LD + k], s);
        }
    for (j = 0; j < 37; j++)
        for (k = 0; k < 72; k++) {
            const size_t at = j * n_in + k;
            long double s;
            if (j >= n_out || k >= n_in)
                continue;
            s = gw0[at];
            for (r = 0; r < nrow; r++)
                s += (long double)zb[r * 40 + j] * a[r * LD + k];
            ck_assert_msg(fabs(gw[at] - (double)s) <= 1e-13 * (1.0 + fabsl(s)),
                          "rows %zu, out %zu, in %zu: gw[%zu][%zu] = %.17g, want %.17Lg", nrow, n_out, n_in, j, k,
                          gw[at], s);
        }
    for (k = n_out * n_in; k < 37 * 72 + 8; k++)
        ck_assert_msg(gw[k] == gw0[k], "wrote past the gradient: gw[%zu]", k);
    for (j = 0; j < 37 + 8; j++) {
        long double s = gb0[j];
        for (r = 0; bias && j < n_out && r < np; r++)
            s += zb[r * 40 + j];
        ck_assert_msg(fabs(gb[j] - (double)s) <= 1e-13 * (1.0 + fabsl(s)), "gb[%zu] = %.17g, want %.17Lg", j,
                      gb[j], s);
    }
}

START_TEST(dense_back_matches_plain_loops)
{
    int i;
    for (i = tu_first_case(_i); i < N_DENSE_BACK; i = tu_next_case(i, N_DENSE_BACK))
        dense_back_case(i);
}
END_TEST

/* model__activate_back against model__activate by the dot-product test:
   for the forward map F of model__activate (all channels of a tile, in
   place) and random directions dz, sum ab . (F(z + h dz) - F(z - h dz)) /
   2h (central differences in double) equals sum (zb - zb0) . dz, where
   zb - zb0 is what the kernel added (its third derivatives f3 by central
   differences of s''); ab is left zero on the n neurons and untouched
   beyond, zb untouched beyond n; with assign, zb set to what it adds to
   zeros and ab untouched (tanh_chain_back the same). Every mode, 1 to 3 inputs (3 with
   over = {0, 2}), 1 to 130 neurons (packed several points to a call of
   f, or split), 1 to 16 points, four activations. */
static model__fn back_f;        /* the activation f3_by_differences differentiates */
static double back_p, back_q;

static void f3_by_differences(size_t n, double p, double q, const double *z, const double *s0,
                              const double *s1, double *s3)
{
    size_t k;
    (void)s0, (void)s1;
    for (k = 0; k < n; k++) {
        const double h = 1e-4 * (1.0 + fabs(z[k]));
        double zp = z[k] + h, zm = z[k] - h, a0, a1, sp, sm;
        back_f(1, p, q, &zp, &a0, &a1, &sp);
        back_f(1, p, q, &zm, &a0, &a1, &sm);
        s3[k] = (sp - sm) / (2.0 * h);
    }
}

/* tanh's s''' from s and s' */
static void tanh3_from_value(size_t n, double p, double q, const double *a, const double *s0, const double *s1,
                             double *s3)
{
    size_t k;
    (void)p, (void)q, (void)a;
    for (k = 0; k < n; k++)
        s3[k] = -2.0 * s1[k] * (s1[k] - 2.0 * s0[k] * s0[k]);
}

enum { N_ACT_BACK = 4 * 4 * 4 * 6 * 3 };

static void activate_back_case(int i)
{
    enum { NMAX = 130, LD = 136, LDA = 144, PMAX = 16, CMAX = 10 };
    static double z[CMAX * PMAX * LD], zb[CMAX * PMAX * LD], zb0[CMAX * PMAX * LD];
    static double ab[CMAX * PMAX * LDA], abc[CMAX * PMAX * LDA], dz[CMAX * PMAX * LD];
    static double zp[CMAX * PMAX * LD], zm[CMAX * PMAX * LD];
    static const size_t over3[] = {0, 2};
    static const size_t widths[] = {1, 5, 20, 50, 64, 130}, points[] = {1, 7, 16};
    const int act = i % 4, mode = 1 + i / 4 % 4, inputs = i / 16 % 4;
    const size_t n = widths[i / 64 % 6], np = points[i / 384 % 3];
    const size_t n_x = inputs == 3 ? 3 : 1 + (size_t)inputs, n_s = inputs == 3 ? 2 : n_x;
    const size_t *over = inputs == 3 ? over3 : NULL;
    const size_t nch = mode == 1 ? 1 + n_x : mode == 2 ? 1 + n_x + n_x * (n_x + 1) / 2
                     : mode == 3 ? 1 + n_x + n_s : 2 + n_x;
    const size_t nz = nch * np * LD, na = nch * np * LDA;
    unsigned long long seed = 99 + (unsigned long long)i;
    size_t k, r, d;
    back_f = act == 0 ? model__tanh : act == 1 ? model__sigmoid : act == 2 ? model__softplus : model__sin;
    back_p = act == 2 ? 1.5 : act == 3 ? 1.3 : 0.0;
    back_q = act == 2 ? 20.0 : 0.0;
    for (k = 0; k < nz; k++) {
        z[k] = k % LD < n ? (double)(int)(arg(&seed) > 0 ? 1 : -1) * (0.1 + (double)(k * 7919 % 97) / 60.0) : 0.0;
        zb0[k] = (double)(k % 7) / 7.0 - 0.4;
    }
    for (k = 0; k < na; k++)
        ab[k] = k % LDA < n ? (double)(k * 104729 % 53) / 53.0 - 0.5 : 0.25;
    memcpy(zb, zb0, nz * sizeof *zb);
    memcpy(abc, ab, na * sizeof *ab);
    model__activate_back(back_f, f3_by_differences, back_p, back_q, n, n_x, n_s, over, mode, np, nch, z, zb, LD,
                         abc, LDA, 0);
    {   /* assign: zb's n neurons set to what the kernel adds to zeros, ab and zb beyond n untouched */
        static double zbz[CMAX * PMAX * LD], zba[CMAX * PMAX * LD], abz[CMAX * PMAX * LDA], aba[CMAX * PMAX * LDA];
        for (k = 0; k < nz; k++) {
            zbz[k] = k % LD < n ? 0.0 : zb0[k];
            zba[k] = k % LD < n ? 7.0 : zb0[k];
        }
        memcpy(abz, ab, na * sizeof *ab);
        memcpy(aba, ab, na * sizeof *ab);
        model__activate_back(back_f, f3_by_differences, back_p, back_q, n, n_x, n_s, over, mode, np, nch, z, zbz,
                             LD, abz, LDA, 0);
        model__activate_back(back_f, f3_by_differences, back_p, back_q, n, n_x, n_s, over, mode, np, nch, z, zba,
                             LD, aba, LDA, 1);
        for (k = 0; k < nz; k++)
            ck_assert_msg(zba[k] == zbz[k], "case %d: assign: zb[%zu] = %.17g, not %.17g", i, k, zba[k], zbz[k]);
        for (k = 0; k < na; k++)
            ck_assert_msg(aba[k] == ab[k], "case %d: assign: ab[%zu] written", i, k);
        if (act == 0) {     /* the same of tanh_chain_back (abz: tanh's values) */
            static double abt[CMAX * PMAX * LDA];
            for (k = 0; k < nz; k++) {
                zbz[k] = k % LD < n ? 0.0 : zb0[k];
                zba[k] = k % LD < n ? 7.0 : zb0[k];
            }
            memcpy(aba, ab, na * sizeof *ab);
            memcpy(abt, ab, na * sizeof *ab);
            for (k = 0; k < na; k++)
                abz[k] = 0.0;
            for (r = 0; r < np; r++)
                for (k = 0; k < n; k++)
                    abz[r * LDA + k] = tanh(z[r * LD + k]);
            model__tanh_chain_back(n, n_x, n_s, over, mode, np, nch, z, zbz, LD, abz, abt, LDA, 0);
            model__tanh_chain_back(n, n_x, n_s, over, mode, np, nch, z, zba, LD, abz, aba, LDA, 1);
            for (k = 0; k < na; k++)
                ck_assert_msg(aba[k] == ab[k], "case %d: tanh_chain_back, assign: ab[%zu] written", i, k);
            for (k = 0; k < nz; k++)
                ck_assert_msg(zba[k] == zbz[k], "case %d: tanh_chain_back, assign: zb[%zu] = %.17g, not %.17g",
                              i, k, zba[k], zbz[k]);
        }
    }
    if (act == 0) {     /* tanh_chain_back, tanh from its values a (not z): the adjoints from z, the same s''' */
        static double av[CMAX * PMAX * LDA], zb1[CMAX * PMAX * LD], zb2[CMAX * PMAX * LD], ab2[CMAX * PMAX * LDA];
        for (k = 0; k < na; k++)
            av[k] = 0.0;
        for (r = 0; r < np; r++)
            for (k = 0; k < n; k++)
                av[r * LDA + k] = tanh(z[r * LD + k]);
        memcpy(zb1, zb0, nz * sizeof *zb1);
        memcpy(ab2, ab, na * sizeof *ab);
        model__activate_back(model__tanh, tanh3_from_value, 0.0, 0.0, n, n_x, n_s, over, mode, np, nch, z, zb1,
                             LD, ab2, LDA, 0);
        memcpy(zb2, zb0, nz * sizeof *zb2);
        memcpy(ab2, ab, na * sizeof *ab);
        model__tanh_chain_back(n, n_x, n_s, over, mode, np, nch, z, zb2, LD, av, ab2, LDA, 0);
        for (k = 0; k < nz; k++)
            ck_assert_msg(fabs(zb2[k] - zb1[k]) <= 1e-13 * (1.0 + fabs(zb1[k])), "case %d: tanh_chain_back: "
                          "zb[%zu] = %.17g, from z %.17g", i, k, zb2[k], zb1[k]);
        for (k = 0; k < na; k++)
            ck_assert_msg(ab2[k] == (k % LDA < n ? 0.0 : ab[k]), "case %d: tanh_chain_back: ab[%zu] = %g after",
                          i, k, ab2[k]);
    }
    for (k = 0; k < na; k++)
        ck_assert_msg(abc[k] == (k % LDA < n ? 0.0 : ab[k]), "case %d: ab[%zu] = %g after the sweep", i, k, abc[k]);
    for (k = 0; k < nz; k++)
        ck_assert_msg(k % LD < n || zb[k] == zb0[k], "case %d: zb[%zu] written beyond n", i, k);
    for (d = 0; d < 3; d++) {
        const double h = 1e-6;
        long double lhs = 0.0L, rhs = 0.0L, size = 0.0L;
        for (k = 0; k < nz; k++) {
            dz[k] = k % LD < n ? (double)((k + 31 * d) * 6007 % 41) / 41.0 - 0.5 : 0.0;
            zp[k] = z[k] + h * dz[k];
            zm[k] = z[k] - h * dz[k];
        }
        model__activate(back_f, back_p, back_q, n, n_x, n_s, over, mode, np, zp, LD);
        model__activate(back_f, back_p, back_q, n, n_x, n_s, over, mode, np, zm, LD);
        for (r = 0; r < nch * np; r++)
            for (k = 0; k < n; k++) {
                const long double df = ((long double)zp[r * LD + k] - zm[r * LD + k]) / (2.0L * h);
                lhs += (long double)ab[r * LDA + k] * df;
                size += fabsl((long double)ab[r * LDA + k] * df);
                rhs += ((long double)zb[r * LD + k] - zb0[r * LD + k]) * dz[r * LD + k];
            }
        ck_assert_msg(fabsl(lhs - rhs) <= 1e-6L * (1.0L + size),
                      "case %d (act %d, mode %d, n_x %zu, n %zu, np %zu): <ab, F' dz> = %.12Lg, <zb, dz> = %.12Lg",
                      i, act, mode, n_x, n, np, lhs, rhs);
    }
}

/* The reverse sweep's helpers against closed forms in long double written
   another way: tanh''' = -2 (1 - t^2)(1 - 3 t^2) with t = tanhl(z),
   sigmoid''' = g (1 - g)(1 - 6 g + 6 g^2) with g = 1 / (1 + e^-z). */
START_TEST(third_derivatives)
{
    enum { N = 2001 };
    static double z[N], s0[N], s1[N], s2[N], s3[N];
    size_t k;
    for (k = 0; k < N; k++)
        z[k] = -20.0 + 40.0 * (double)k / (N - 1);
    model__tanh(N, 0.0, 0.0, z, s0, s1, s2);
    model__tanh3(N, 0.0, 0.0, z, s0, s1, s3);
    for (k = 0; k < N; k++) {
        const long double t = tanhl((long double)z[k]), d3 = -2.0L * (1.0L - t * t) * (1.0L - 3.0L * t * t);
        ck_assert_msg(fabsl((long double)s3[k] - d3) <= 1e-14L, "tanh'''(%.17g) = %.17g, not %.17Lg", z[k], s3[k],
                      d3);
    }
    model__sigmoid(N, 0.0, 0.0, z, s0, s1, s2);
    model__sigmoid3(N, 0.0, 0.0, z, s0, s1, s3);
    for (k = 0; k < N; k++) {
        const long double g = 1.0L / (1.0L + expl(-(long double)z[k]));
        const long double d3 = g * (1.0L - g) * (1.0L - 6.0L * g + 6.0L * g * g);
        ck_assert_msg(fabsl((long double)s3[k] - d3) <= 1e-15L, "sigmoid'''(%.17g) = %.17g, not %.17Lg", z[k],
                      s3[k], d3);
    }
}
END_TEST

#define TAYLOR_TOL 1e-12L
#define TAYLOR_ABS 1e-2L
#define TAYLOR_TINY 1e-300L
#define TAYLOR_HUGE DBL_MAX
#include "taylor_kernels.h"

START_TEST(activate_back_is_the_adjoint_of_activate)
{
    int i;
    for (i = tu_first_case(_i); i < N_ACT_BACK; i = tu_next_case(i, N_ACT_BACK))
        activate_back_case(i);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernels");
    TCase *tc = tcase_create("template");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tanh_is_accurate);
    tcase_add_test(tc, tanh_chain_is_accurate);
    tcase_add_test(tc, sigmoid_is_accurate);
    tcase_add_test(tc, special_values);
    tcase_add_test(tc, third_derivatives);
    tcase_add_loop_test(tc, taylor_coefficients_match_the_oracle, 0, JG_N_ACTIVATIONS);
    tcase_add_test(tc, sin_and_cos_are_accurate);
    tcase_add_test(tc, exp_expm1_log1p_are_accurate);
    tcase_add_loop_test(tc, dense_matches_a_plain_loop, 0, tu_case_runs(N_DENSE));
    tcase_add_loop_test(tc, dense_back_matches_plain_loops, 0, tu_case_runs(N_DENSE_BACK));
    tcase_add_loop_test(tc, activate_back_is_the_adjoint_of_activate, 0, tu_case_runs(N_ACT_BACK));
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
