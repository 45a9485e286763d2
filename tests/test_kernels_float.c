/* test_kernels_float.c: the activations of templates/kernels.c in float
   (--precision float), compiled into the test as the runtime's float set
   is: tanh (a float polynomial) and sigmoid (computed in double, rounded)
   against long double over the float range, within 4 float units in the
   last place, derivatives within a few FLT_EPSILON; saturation gives exact
   zeros; NaN and infinities as in double. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#define MODEL__FLOAT 1
#define MODEL__API /* external: no warning for kernels this test does not call */
#include "../templates/kernels.c"

#include "testutil.h"

#define TAYLOR_TOL 2e-5L
#define TAYLOR_ABS 1.0L
#define TAYLOR_TINY 1e-36L
#define TAYLOR_HUGE FLT_MAX
#include "taylor_kernels.h"

static float arg(unsigned long long *s)
{
    double u;
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    u = (double)(*s >> 11) / 9007199254740992.0;
    if (*s % 3 == 0)
        return (float)(40.0 * u - 20.0);
    return (float)((*s & 1 ? -1.0 : 1.0) * pow(10.0, -37.0 + 75.0 * u));
}

static double ulps_f(float got, long double want)
{
    long double scale = fabsl(want) * (long double)FLT_EPSILON;
    if (fabsl(want) < (long double)FLT_MIN)
        scale = (long double)FLT_MIN * (long double)FLT_EPSILON;
    return (double)(fabsl((long double)got - want) / scale);
}

START_TEST(float_activations_are_accurate)
{
    enum { N = 64 };
    float z[N], s0[N], s1[N], s2[N];
    double worst_t = 0.0, worst_s = 0.0, worst_c = 0.0;
    unsigned long long seed = 5;
    int round, k;
    for (round = 0; round < tu_sample_count(4000); round++) {
        for (k = 0; k < N; k++)
            z[k] = arg(&seed);
        model__tanh(N, 0.0, 0.0, z, s0, s1, s2);
        for (k = 0; k < N; k++) {
            const long double t = tanhl((long double)z[k]), d1 = 1.0L - t * t;
            const double e = ulps_f(s0[k], t);
            worst_t = e > worst_t ? e : worst_t;
            ck_assert_msg(fabsl((long double)s1[k] - d1) <= 4.0L * FLT_EPSILON, "tanh'(%.9g) = %.9g", z[k], s1[k]);
            ck_assert_msg(fabsl((long double)s2[k] + 2.0L * t * d1) <= 8.0L * FLT_EPSILON, "tanh''(%.9g) = %.9g",
                          z[k], s2[k]);
            if (fabsf(z[k]) > 10.0f)
                ck_assert_msg(s1[k] == 0.0f && s2[k] == 0.0f, "tanh saturated at %.9g: s' = %g", z[k], s1[k]);
        }
        /* tanh_chain's values, on rows of 1 to N */
        model__tanh_chain((size_t)(1 + round % N), 1, 1, NULL, 0, 1, z, N, s1, N);
        for (k = 0; k < 1 + round % N; k++) {
            const double e = ulps_f(s1[k], tanhl((long double)z[k]));
            worst_c = e > worst_c ? e : worst_c;
        }
        model__sigmoid(N, 0.0, 0.0, z, s0, s1, s2);
        for (k = 0; k < N; k++) {
            const long double e = expl(-fabsl((long double)z[k]));
            const long double a = z[k] >= 0 ? 1.0L / (1.0L + e) : e / (1.0L + e);
            const long double b = z[k] >= 0 ? e / (1.0L + e) : 1.0L / (1.0L + e);
            if (fabsl(a) > (long double)FLT_MIN) {
                const double err = ulps_f(s0[k], a);
                worst_s = err > worst_s ? err : worst_s;
            }
            ck_assert_msg(fabsl((long double)s1[k] - a * b) <= 2.0L * FLT_EPSILON * fabsl(a * b) + FLT_MIN,
                          "sigmoid'(%.9g) = %.9g", z[k], s1[k]);
            ck_assert_msg(fabsl((long double)s2[k] - a * b * (b - a)) <= 2.0L * FLT_EPSILON, "sigmoid''(%.9g)",
                          z[k]);
        }
    }
    ck_assert_msg(worst_t <= 4.0, "float tanh: %.2f ulp", worst_t);
    ck_assert_msg(worst_c <= 4.0, "float tanh_chain: %.2f ulp", worst_c);
    ck_assert_msg(worst_s <= 1.0, "float sigmoid: %.2f ulp", worst_s);
}
END_TEST

START_TEST(float_special_values)
{
    const float z[6] = {NAN, INFINITY, -INFINITY, 0.0f, 1e38f, -0.0f};
    float s0[6], s1[6], s2[6];
    model__tanh(6, 0.0, 0.0, z, s0, s1, s2);
    ck_assert(isnan(s0[0]) && isnan(s1[0]) && isnan(s2[0]));
    ck_assert(s0[1] == 1.0f && s1[1] == 0.0f && s2[1] == 0.0f);
    ck_assert(s0[2] == -1.0f && s1[2] == 0.0f && s2[2] == 0.0f);
    ck_assert(s0[3] == 0.0f && s1[3] == 1.0f && s2[3] == 0.0f);
    ck_assert(s0[4] == 1.0f && s1[4] == 0.0f);
    ck_assert(s0[5] == 0.0f && signbit(s0[5]) && s1[5] == 1.0f);     /* tanh(-0) = -0 */
    model__sigmoid(5, 0.0, 0.0, z, s0, s1, s2);
    ck_assert(isnan(s0[0]));
    ck_assert(s0[1] == 1.0f && s1[1] == 0.0f);
    ck_assert(s0[2] == 0.0f && s1[2] == 0.0f);
    ck_assert(s0[3] == 0.5f && s1[3] == 0.25f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernels-float");
    TCase *tc = tcase_create("template");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, float_activations_are_accurate);
    tcase_add_loop_test(tc, taylor_coefficients_match_the_oracle, 0, JG_N_ACTIVATIONS);
    tcase_add_test(tc, float_special_values);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
