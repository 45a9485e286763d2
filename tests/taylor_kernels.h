/* taylor_kernels.h: the test of every activation's Taylor kernel
   (model__NAME_taylor) against the long-double oracle (gen/taylor.c),
   shared by test_kernels.c (double) and test_kernels_float.c (float):
   included after templates/kernels.c, with TAYLOR_TOL the relative
   tolerance and TAYLOR_ABS the share of the largest coefficient's
   magnitude it is taken against as well (the kernels' s, s', s'' are
   accurate to their scale, not each to its own), and the numbers beyond
   the precision's range left out (float's subnormals, exp's overflow). */
#include "taylor.h"

/* model__NAME_taylor of every activation, in the registry's order */
typedef void (*taylor_fn)(size_t, double, double, const model__real *, int, model__real *);
#define TAYLOR_FN(name, ...) model__##name##_taylor,
static const taylor_fn taylor_of[JG_N_ACTIVATIONS] = {JG_ACTIVATIONS(TAYLOR_FN)};

START_TEST(taylor_coefficients_match_the_oracle)
{
    enum { N = 2000, K = MODEL__TAYLOR_MAX };
    static model__real z[N], c[(K + 1) * N];
    static const double alt[JG_N_ACTIVATIONS][2] = {
        [JG_ACT_softplus] = {2.5, 3.0}, [JG_ACT_sin] = {3.0, 0}, [JG_ACT_cos] = {0.5, 0}, [JG_ACT_elu] = {0.7, 0},
        [JG_ACT_leaky_relu] = {0.2, 0}, [JG_ACT_pow] = {-3.0, 0}, [JG_ACT_hardtanh] = {-0.5, 0.8}};
    const jg_layer_info *info = jg_layer_info_at(0);
    size_t i, j;
    int set, k, checked = 0;
    for (i = 0; (info = jg_layer_info_at(i)) != NULL; i++)
        if (info->activation == _i)
            break;
    ck_assert(info != NULL);
    for (j = 0; j < N; j++)       /* [-8, 8], some beyond, none at a kink */
        z[j] = j % 10 == 9 ? (j % 20 == 19 ? -1.0 : 1.0) * (10.0 + j) : -8.0 + 16.0 * (j + 0.37) / N;
    for (set = 0; set < 2; set++) {
        const double p = set == 0 || (alt[_i][0] == 0 && alt[_i][1] == 0) ? info->param_default[0] : alt[_i][0];
        const double q = set == 0 || (alt[_i][0] == 0 && alt[_i][1] == 0) ? info->param_default[1] : alt[_i][1];
        taylor_of[_i](N, p, q, z, K, c);
        for (j = 0; j < N; j++) {
            long double want[K + 1], big = 0.0L;
            ck_assert_int_eq(jg_taylor_activation(_i, p, q, z[j], K, want), 0);
            for (k = 0; k <= K; k++)
                if (isfinite(want[k]) && fabsl(want[k]) > big)
                    big = fabsl(want[k]);
            if (big > TAYLOR_HUGE)
                continue;           /* beyond the precision's range */
            for (k = 0; k <= K; k++) {
                const long double got = c[(size_t)k * N + j];
                if (!isfinite(want[k])) {       /* sqrt, acos outside their domains */
                    ck_assert_msg(!isfinite(got) || k == 0, "%s(%g): c_%d %Lg, the oracle's %Lg", info->keyword,
                                  z[j], k, got, want[k]);
                    continue;
                }
                ck_assert_msg(fabsl(got - want[k]) <= TAYLOR_TOL * (fabsl(want[k]) + TAYLOR_ABS * big) + TAYLOR_TINY,
                              "%s(%g; %g, %g): c_%d %.17Lg, the oracle's %.17Lg", info->keyword, z[j], p, q, k, got,
                              want[k]);
                checked++;
            }
        }
    }
    ck_assert(checked > N);
}
END_TEST

