/* test_taylor.c: the Taylor-arithmetic oracle of orders 3 and 4
   (gen/taylor.c) against independent numbers:
   - each activation's series to order 5 against Richardson-extrapolated
     central differences of its VALUE column in long double, and tanh's,
     exp's and sin's against their closed-form derivatives;
   - a polynomial network (products of the inputs) against its exact
     partials;
   - orders 0 to 2 of both reference networks against PyTorch autograd in
     float64 (tests/data), and of every layer kind and activation
     (tests/golden/layers.spec) against gen/fdiff.c's differences;
   - orders 3 and 4 of the graph of every format-3 statement
     (tests/golden/graph.spec) against central differences of its own
     orders 2 and 3 at shifted points (which the previous checks tie to
     PyTorch and to the differences: a wrong high-order recurrence cannot
     hide in them). */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "fdiff.h"
#include "jetgen.h"
#include "kernels.h"
#include "load.h"
#include "taylor.h"
#include "terms.h"
#include "testutil.h"

static jg_model *load(const char *path)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m = jg_load(path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    return m;
}

static jg_model *load_text(const char *text)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m = jg_load_mem("poly.spec", text, strlen(text), NULL, 0, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    return m;
}

/* ---- one activation ---- */

/* s(z) from the registry's VALUE column, and its PIECE. */
static long double value_of(int act, long double p, long double q, long double z)
{
    switch (act) {
#define V_ROW(name, np, p0, d0, p1, d1, pl, valid, needs, torch, formula, value, ...) \
    case JG_ACT_##name:                                                                \
        return (value);
        JG_ACTIVATIONS(V_ROW)
#undef V_ROW
    }
    (void)p, (void)q;
    return NAN;
}

static int piece_of(int act, long double p, long double q, long double z)
{
    switch (act) {
#define P_ROW(name, np, p0, d0, p1, d1, pl, valid, needs, torch, formula, value, piece, ...) \
    case JG_ACT_##name:                                                                       \
        return (int)(piece);
        JG_ACTIVATIONS(P_ROW)
#undef P_ROW
    }
    (void)p, (void)q, (void)z;
    return 0;
}

static const char *const act_names[] = {
#define N_ROW(name, ...) #name,
    JG_ACTIVATIONS(N_ROW)
#undef N_ROW
};

/* The k-th derivative at z by central differences of step h (offsets
   (k/2 - i) h), Richardson-extrapolated over `levels` halvings; NAN when a
   stencil point leaves z's piece or the value is not finite. */
static long double derivative(int act, long double p, long double q, long double z, int k, long double h,
                              int levels)
{
    long double t[8][8];
    int lv, i, c;
    const int side = piece_of(act, p, q, z);
    for (lv = 0; lv < levels; lv++, h /= 2) {
        long double s = 0.0L, binom = 1.0L;
        for (i = 0; i <= k; i++) {
            const long double at = z + ((long double)k / 2 - i) * h, f = value_of(act, p, q, at);
            if (!isfinite(f) || piece_of(act, p, q, at) != side)
                return NAN;
            s += (i % 2 ? -binom : binom) * f;
            binom = binom * (k - i) / (i + 1);
        }
        t[lv][0] = s / powl(h, k);
        for (c = 1; c <= lv; c++)
            t[lv][c] = (ldexpl(t[lv][c - 1], 2 * c) - t[lv - 1][c - 1]) / (ldexpl(1.0L, 2 * c) - 1.0L);
    }
    return t[levels - 1][levels - 1];
}

START_TEST(activation_series_match_differences)
{
    static const long double zs[] = {-1.7L, -0.6L, 0.55L, 1.6L, 2.5L};
    const jg_layer_info *info = jg_layer_lookup(act_names[_i]);
    const long double p = info->param_default[0], q = info->param_default[1];
    long double c[6], fact = 1.0L;
    size_t j;
    int k, checked = 0;
    ck_assert(info != NULL && info->activation == _i);
    for (j = 0; j < sizeof zs / sizeof zs[0]; j++) {
        const long double z = zs[j];
        if (!isfinite(value_of(_i, p, q, z)))
            continue;           /* sqrt, acos outside their domains */
        ck_assert_int_eq(jg_taylor_activation(_i, p, q, z, 5, c), 0);
        for (k = 0, fact = 1.0L; k <= 5; k++, fact *= k) {
            /* the differences' own error estimated by a second step (near
               sqrt's and acos's singularities they converge slowly) */
            const long double want = derivative(_i, p, q, z, k, 0.1L, 4), got = c[k] * fact;
            const long double est = fabsl(want - derivative(_i, p, q, z, k, 0.07L, 4));
            const long double tol = k <= 2 ? 1e-10L : k <= 4 ? 1e-8L : 1e-6L;
            if (isnan(want) || isnan(est))
                continue;           /* a stencil across a kink */
            ck_assert_msg(fabsl(got - want) <= tol * (1.0L + fabsl(want)) + 2 * est,
                          "%s at %Lg: derivative %d %.17Lg, by differences %.17Lg +- %.3Lg", act_names[_i], z, k,
                          got, want, est);
            checked++;
        }
    }
    ck_assert_msg(checked >= 12, "%s: only %d derivatives checked", act_names[_i], checked);
}
END_TEST

START_TEST(closed_forms)
{
    static const long double zs[] = {-3.1L, -0.7L, 0.0L, 0.3L, 1.9L, 6.0L};
    size_t j;
    for (j = 0; j < sizeof zs / sizeof zs[0]; j++) {
        const long double z = zs[j], t = tanhl(z), w = 1.0L - t * t, e = expl(z);
        const long double dt[5] = {t, w, -2 * t * w, -2 * w * (1 - 3 * t * t), 8 * t * w * (2 - 3 * t * t)};
        long double c[5], fact = 1.0L;
        int k;
        ck_assert_int_eq(jg_taylor_activation(JG_ACT_tanh, 0, 0, z, 4, c), 0);
        for (k = 0; k <= 4; fact *= ++k)
            ck_assert_msg(fabsl(c[k] * fact - dt[k]) <= 64 * LDBL_EPSILON * (1 + fabsl(dt[k])),
                          "tanh at %Lg: derivative %d %.20Lg, closed form %.20Lg", z, k, c[k] * fact, dt[k]);
        ck_assert_int_eq(jg_taylor_activation(JG_ACT_exp, 0, 0, z, 4, c), 0);
        for (k = 0, fact = 1.0L; k <= 4; fact *= ++k)
            ck_assert(fabsl(c[k] * fact - e) <= 16 * LDBL_EPSILON * e);
        ck_assert_int_eq(jg_taylor_activation(JG_ACT_sin, 3.0L, 0, z, 4, c), 0);
        for (k = 0, fact = 1.0L; k <= 4; fact *= ++k) {
            const long double want = powl(3.0L, k) * sinl(3.0L * z + k * 1.57079632679489661923132169163975144L);
            ck_assert_msg(fabsl(c[k] * fact - want) <= 256 * LDBL_EPSILON * powl(3.0L, k),
                          "sin(3z) at %Lg: derivative %d %.20Lg, closed form %.20Lg", z, k, c[k] * fact, want);
        }
    }
}
END_TEST

/* ---- networks ---- */

/* The partial d^(a+b+..) u / d x^a y^b .. of output k from t's results. */
static long double partial(const jg_taylor *t, const long double *d, size_t k, const unsigned char *pow)
{
    const size_t i = jg_taylor_term_at(t, pow);
    ck_assert(i != (size_t)-1);
    return d[k * jg_taylor_n_terms(t) + i];
}

START_TEST(polynomial_is_exact)
{
    /* u = 3 x^2 y + x: every partial known exactly */
    jg_model *m = load_text("format 3\ninput x y\na = mul x x\nb = mul a y\nc = scale b 3 0\nu = add c x\n"
                            "output u\n");
    const size_t vars[2] = {0, 1};
    jg_taylor *t = jg_taylor_new(m, 2, vars, 4);
    const double x[2] = {1.25, -0.75};
    long double *d, *err;
    size_t i;
    ck_assert(t != NULL);
    ck_assert_uint_eq(jg_taylor_n_terms(t), 15);
    d = malloc(15 * sizeof *d);
    err = malloc(15 * sizeof *err);
    ck_assert_int_eq(jg_taylor_partials(t, x, d, err), 0);
    for (i = 0; i < 15; i++) {
        const unsigned char *pw = jg_taylor_powers(t, i);
        const int a = pw[0], b = pw[1];
        const long double X = x[0], Y = x[1];
        /* d^a/dx^a d^b/dy^b (3 x^2 y + x) */
        const long double px = a == 0 ? X * X : a == 1 ? 2 * X : a == 2 ? 2 : 0;
        const long double py = b == 0 ? Y : b == 1 ? 1 : 0;
        const long double want = 3 * px * py + (b == 0 ? (a == 0 ? X : a == 1 ? 1 : 0) : 0);
        ck_assert_uint_eq(jg_taylor_term_at(t, pw), i);
        ck_assert_msg(d[i] == want, "term %zu: %.20Lg, exactly %.20Lg", i, d[i], want);
        ck_assert(err[i] >= 0 && err[i] < 1e-15L);
    }
    free(d);
    free(err);
    jg_taylor_free(t);
    jg_model_free(m);
}
END_TEST

static const char *const nets[] = {"seed-pinn", "pinn-xt"};

/* u, du, d2u (both triangles) of output k from an order-2 oracle over every input. */
static void jets_of(const jg_taylor *t, const long double *d, size_t n_in, size_t n_out, double *u, double *du,
                    double *d2u)
{
    size_t k, i, j;
    for (k = 0; k < n_out; k++) {
        unsigned char pw[JG_TAYLOR_MAX_VARS] = {0};
        u[k] = (double)partial(t, d, k, pw);
        for (i = 0; i < n_in; i++) {
            pw[i]++;
            du[k * n_in + i] = (double)partial(t, d, k, pw);
            for (j = 0; j < n_in; j++) {
                pw[j]++;
                d2u[(k * n_in + i) * n_in + j] = (double)partial(t, d, k, pw);
                pw[j]--;
            }
            pw[i]--;
        }
    }
}

START_TEST(low_orders_match_pytorch)
{
    char path[1024];
    tu_reference r;
    jg_model *m;
    jg_taylor *t;
    size_t p, no, ni, vars[JG_TAYLOR_MAX_VARS], v;
    long double *d;
    double *u, *du, *d2u;
    snprintf(path, sizeof path, "%s/%s/model.spec", tu_data_dir(), nets[_i]);
    m = load(path);
    snprintf(path, sizeof path, "%s/%s/expected-f64.json", tu_data_dir(), nets[_i]);
    tu_reference_load(&r, path);
    no = r.n_out;
    ni = r.n_in;
    for (v = 0; v < ni; v++)
        vars[v] = v;
    t = jg_taylor_new(m, ni, vars, 2);
    ck_assert(t != NULL);
    d = malloc(no * jg_taylor_n_terms(t) * sizeof *d);
    u = malloc(no * sizeof *u);
    du = malloc(no * ni * sizeof *du);
    d2u = malloc(no * ni * ni * sizeof *d2u);
    for (p = 0; p < r.n; p++) {
        double eu, edu, ed2u;
        ck_assert_int_eq(jg_taylor_partials(t, r.x + p * ni, d, NULL), 0);
        jets_of(t, d, ni, no, u, du, d2u);
        eu = tu_normwise(u, r.u + p * no, no);
        edu = tu_normwise(du, r.du + p * no * ni, no * ni);
        ed2u = tu_normwise(d2u, r.d2u + p * no * ni * ni, no * ni * ni);
        ck_assert_msg(eu <= 1e-14 && edu <= 1e-13 && ed2u <= 1e-12,
                      "%s point %zu: normwise errors u %.3g, du %.3g, d2u %.3g", nets[_i], p, eu, edu, ed2u);
    }
    free(d);
    free(u);
    free(du);
    free(d2u);
    jg_taylor_free(t);
    tu_reference_free(&r);
    jg_model_free(m);
}
END_TEST

START_TEST(low_orders_match_differences)
{
    char path[1024];
    jg_model *m;
    jg_taylor *t;
    jg_fdiff *f;
    const size_t vars[3] = {0, 1, 2};
    long double *d, *err, u[64], du[64 * 3], du_err[64 * 3], d2u[64 * 9], d2u_err[64 * 9];
    tu_rng rng = {20261205u};
    int point, checked = 0;
    snprintf(path, sizeof path, "%s/tests/golden/layers.spec", getenv("JG_SOURCE_ROOT"));
    m = load(path);
    ck_assert(m->n_in == 3 && m->n_out <= 64);
    t = jg_taylor_new(m, 3, vars, 2);
    f = jg_fdiff_new(m);
    ck_assert(t != NULL && f != NULL);
    d = malloc(m->n_out * jg_taylor_n_terms(t) * sizeof *d);
    err = malloc(m->n_out * jg_taylor_n_terms(t) * sizeof *err);
    for (point = 0; point < 20; point++) {
        const double x[3] = {tu_uniform(&rng, -1, 1), tu_uniform(&rng, -1, 1), tu_uniform(&rng, -1, 1)};
        size_t k, i, j;
        ck_assert_int_eq(jg_taylor_partials(t, x, d, err), 0);
        ck_assert_int_eq(jg_fdiff_jet(f, x, u, du, du_err, d2u, d2u_err), 0);
        for (k = 0; k < m->n_out; k++) {
            unsigned char pw[3] = {0, 0, 0};
            ck_assert(fabsl(partial(t, d, k, pw) - u[k]) <= 1e-15L * (1 + fabsl(u[k])));
            for (i = 0; i < 3; i++) {
                pw[i]++;
                if (du_err[k * 3 + i] < 1e-9L) {
                    ck_assert_msg(fabsl(partial(t, d, k, pw) - du[k * 3 + i]) <= 2 * du_err[k * 3 + i] + 1e-13L,
                                  "point %d: du[%zu][%zu] %.17Lg, by differences %.17Lg +- %.3Lg", point, k, i,
                                  partial(t, d, k, pw), du[k * 3 + i], du_err[k * 3 + i]);
                    checked++;
                }
                for (j = 0; j < 3; j++) {
                    const size_t at = (k * 3 + i) * 3 + j;
                    pw[j]++;
                    if (d2u_err[at] < 1e-8L) {
                        ck_assert_msg(fabsl(partial(t, d, k, pw) - d2u[at]) <= 2 * d2u_err[at] + 1e-12L,
                                      "point %d: d2u[%zu][%zu][%zu] %.17Lg, by differences %.17Lg +- %.3Lg", point,
                                      k, i, j, partial(t, d, k, pw), d2u[at], d2u_err[at]);
                        checked++;
                    }
                    pw[j]--;
                }
                pw[i]--;
            }
        }
    }
    ck_assert_msg(checked > 20 * 12 * (int)m->n_out / 2, "only %d derivatives checked", checked);
    free(d);
    free(err);
    jg_fdiff_free(f);
    jg_taylor_free(t);
    jg_model_free(m);
}
END_TEST

/* The partial of pw at x + s e_i (an order-`order` oracle t). */
static long double shifted(jg_taylor *t, long double *d, const double *x, size_t n_in, size_t i, long double s,
                           size_t k, const unsigned char *pw)
{
    double xs[8];
    memcpy(xs, x, n_in * sizeof *xs);
    xs[i] += (double)s;
    ck_assert_int_eq(jg_taylor_partials(t, xs, d, NULL), 0);
    return partial(t, d, k, pw);
}

START_TEST(high_orders_match_differences)
{
    char path[1024];
    jg_model *m;
    jg_taylor *t4, *t3;
    const size_t vars[3] = {0, 1, 2};
    long double *d4, *d3, *err;
    tu_rng rng = {4242u};
    int point, checked = 0;
    snprintf(path, sizeof path, "%s/tests/golden/graph.spec", getenv("JG_SOURCE_ROOT"));
    m = load(path);
    ck_assert(m->n_in == 3);
    t4 = jg_taylor_new(m, 3, vars, 4);
    t3 = jg_taylor_new(m, 3, vars, 3);
    ck_assert(t4 != NULL && t3 != NULL);
    ck_assert_uint_eq(jg_taylor_n_terms(t4), 35);
    d4 = malloc(m->n_out * 35 * sizeof *d4);
    err = malloc(m->n_out * 35 * sizeof *err);
    d3 = malloc(m->n_out * 35 * sizeof *d3);
    for (point = 0; point < 6; point++) {
        /* the points are doubles: steps of powers of two keep x + s exact */
        const double x[3] = {tu_uniform(&rng, -0.8, 0.8), tu_uniform(&rng, -0.8, 0.8), tu_uniform(&rng, -0.8, 0.8)};
        size_t k, i;
        ck_assert_int_eq(jg_taylor_partials(t4, x, d4, err), 0);
        for (i = 0; i < jg_taylor_n_terms(t4); i++) {
            unsigned char pw[3];
            size_t v, by = 3;
            int order;
            memcpy(pw, jg_taylor_powers(t4, i), 3);
            order = pw[0] + pw[1] + pw[2];
            if (order < 3)
                continue;
            for (v = 0; v < 3; v++)     /* differentiate the lower term by an input it has */
                if (pw[v] > 0) {
                    by = v;
                    break;
                }
            pw[by]--;
            for (k = 0; k < m->n_out; k++) {
                /* central differences of the order-3 oracle's lower term,
                   Richardson-extrapolated (h = 2^-4 .. 2^-8) */
                long double tab[5][5], want, got = d4[k * 35 + i];
                int lv, c;
                for (lv = 0; lv < 5; lv++) {
                    const long double h = ldexpl(1.0L, -4 - lv);
                    tab[lv][0] = (shifted(t3, d3, x, 3, by, h, k, pw) - shifted(t3, d3, x, 3, by, -h, k, pw)) / (2 * h);
                    for (c = 1; c <= lv; c++)
                        tab[lv][c] = (ldexpl(tab[lv][c - 1], 2 * c) - tab[lv - 1][c - 1]) / (ldexpl(1.0L, 2 * c) - 1);
                }
                want = tab[4][4];
                ck_assert_msg(fabsl(got - want) <= 1e-9L * (1 + fabsl(want)) + err[k * 35 + i],
                              "point %d output %zu term (%d %d %d): %.17Lg, by differences %.17Lg", point, k,
                              pw[0] + (by == 0), pw[1] + (by == 1), pw[2] + (by == 2), got, want);
                checked++;
            }
        }
    }
    ck_assert_int_eq(checked, 6 * (int)m->n_out * 25);
    free(d4);
    free(d3);
    free(err);
    jg_taylor_free(t4);
    jg_taylor_free(t3);
    jg_model_free(m);
}
END_TEST

/* ---- the kernels of the terms' channels (templates/kernels.c, partials) ---- */

/* The channels' kernels on the model's layers, a minimal executor
   written here: dense layers by a plain loop on every channel, the
   kernels for seed, scale (constant), activations, products and store;
   out [np][n_out][n_terms]. Precision R, table K of the runtime's. */
#define PARTIALS_RUN(R, K, m, mo, np, x, out)                                                                  \
    do {                                                                                                        \
        R *val[64];                                                                                             \
        size_t L, c_, p_, j_, k_;                                                                               \
        R *xr = malloc((np) * (m)->n_in * sizeof(R));                                                          \
        for (k_ = 0; k_ < (np) * (m)->n_in; k_++)                                                              \
            xr[k_] = (R)(x)[k_];                                                                                \
        val[0] = malloc((mo)->n * (np) * (m)->n_in * sizeof(R));                                               \
        (K)->partials_seed((m)->n_in, (mo)->n, np, (mo)->first, xr, val[0], (m)->n_in);                       \
        for (L = 0; L < (m)->n_layers; L++) {                                                                   \
            const jg_layer *l = &(m)->layers[L];                                                                \
            const size_t w = l->n_out, wa = L_WIDTH(m, l->arg[0]);                                              \
            const R *a = val[l->arg[0]];                                                                        \
            R *z = val[L + 1] = calloc((mo)->n * (np) * w, sizeof(R));                                         \
            for (c_ = 0; c_ < (mo)->n; c_++)                                                                    \
                for (p_ = 0; p_ < (np); p_++)                                                                   \
                    for (j_ = 0; j_ < w; j_++) {                                                                \
                        const R *ar = a + (c_ * (np) + p_) * wa;                                                \
                        double s = 0;                                                                           \
                        if (l->kind == JG_DENSE) {                                                              \
                            s = c_ == 0 && l->b != NULL ? l->b[j_] : 0;                                         \
                            for (k_ = 0; k_ < l->n_in; k_++)                                                    \
                                s += l->w[j_ * l->n_in + k_] * (double)ar[k_];                                  \
                        } else if (l->kind == JG_SCALE) {                                                       \
                            s = l->w[j_] * (double)ar[j_] + (c_ == 0 ? l->b[j_] : 0);                           \
                        } else {                                                                                \
                            s = (double)ar[j_];     /* the operand, for the activation in place */              \
                        }                                                                                       \
                        z[(c_ * (np) + p_) * w + j_] = (R)s;                                                    \
                    }                                                                                           \
            if (l->kind == JG_ACTIVATION)                                                                       \
                (K)->partials_activate((K)->taylor[l->info->activation], l->param[0], l->param[1], (mo)->order, \
                                       w, (mo)->n, np, (mo)->upto, (mo)->pairs, z, w, z, w,                     \
                                       JG_RICCATI(l->info->activation));                                        \
            else if (l->kind == JG_MUL)                                                                         \
                (K)->partials_mul(w, (mo)->n, np, (mo)->n_pairs, (mo)->pairs, val[l->arg[0]], wa, wa == 1,     \
                                  val[l->arg[1]], L_WIDTH(m, l->arg[1]), L_WIDTH(m, l->arg[1]) == 1, z, w);     \
            else                                                                                                \
                ck_assert(l->kind == JG_DENSE || l->kind == JG_SCALE);                                          \
        }                                                                                                       \
        {                                                                                                       \
            R *o = malloc((np) * (m)->n_out * (mo)->n_terms * sizeof(R));                                       \
            (K)->partials_store((m)->n_out, 0, (m)->n_out, np, (mo)->n_terms, (mo)->of_term, (mo)->factor,      \
                                val[(m)->output], (m)->n_out, o);                                               \
            for (k_ = 0; k_ < (np) * (m)->n_out * (mo)->n_terms; k_++)                                          \
                (out)[k_] = (double)o[k_];                                                                      \
            free(o);                                                                                            \
        }                                                                                                       \
        for (L = 0; L <= (m)->n_layers; L++)                                                                    \
            free(val[L]);                                                                                       \
        free(xr);                                                                                               \
    } while (0)
#define L_WIDTH(m, v) ((v) == 0 ? (m)->n_in : (m)->layers[(v) - 1].n_out)

/* A graph of two inputs through two activations, their product and a
   third activation, each slot taking the activations in turn: every
   activation is in some case (sqrt on a positive operand, acos on one
   within (-1, 1)). */
START_TEST(partials_kernels_match_the_oracle)
{
    static const char *const acts[] = {"tanh", "sin w0=2", "gelu", "silu", "softplus beta=2", "elu alpha=0.7",
                                       "sigmoid", "cos", "gelu_tanh", "mish", "erf", "selu", "softsign", "exp",
                                       "relu", "leaky_relu negative_slope=0.2", "pow n=3", "hardtanh", "sqrt",
                                       "acos", "tanh"};
    static const char *const term_list = "\"\" x t xx xt tt xxx xxt xxxx xxtt";
    enum { NP = 7, NA = sizeof acts / sizeof acts[0] };
    double wv[6 * 2 + 6 + 5 * 6 + 5 + 2 * 5 + 2];
    const tu_tensor t[] = {
        {"l0.weight", "F64", 2, {6, 2, 0, 0}, wv}, {"l0.bias", "F64", 1, {6, 0, 0, 0}, wv + 12},
        {"l1.weight", "F64", 2, {5, 6, 0, 0}, wv + 18}, {"l1.bias", "F64", 1, {5, 0, 0, 0}, wv + 48},
        {"l2.weight", "F64", 2, {2, 5, 0, 0}, wv + 53}, {"l2.bias", "F64", 1, {2, 0, 0, 0}, wv + 63}};
    const int a1 = _i % NA, a2 = (_i + 7) % NA, a3 = (_i + 14) % NA;
    char spec[1024], dir[1024], path[1100];
    const size_t vars[2] = {0, 1};
    tu_rng rng = {1000u + (unsigned)_i};
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    jg_monos mo;
    jg_taylor *tay;
    double x[NP * 2], *got, scale = 0;
    long double *want;
    size_t k, pt, tt;
    int prec, checked = 0;
    for (k = 0; k < sizeof wv / sizeof wv[0]; k++)
        wv[k] = tu_uniform(&rng, -0.9, 0.9);
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    tu_write_safetensors(tu_path(dir, "w.st"), t, sizeof t / sizeof t[0]);
    snprintf(spec, sizeof spec,
             "format 3\ninput x t\nterms %s\nweights w.st\nh = dense 6 l0 input\n"
             "hs = mul h h\nhp = scale hs 1 0.25\nht = tanh h\nhc = scale ht 0.9 0\n"
             "a = %.*s %s%s\nb = %.*s %s%s\nm = mul a b\ng = dense 5 l1 m\n"
             "gs = mul g g\ngp = scale gs 1 0.25\ngt = tanh g\ngc = scale gt 0.9 0\n"
             "r = %.*s %s%s\nu = dense 2 l2 r\noutput u\n", term_list,
#define SLOT(a, v) (int)strcspn(acts[a], " "), acts[a], a == 18 ? v "p" : a == 19 ? v "c" : v, \
                   strchr(acts[a], ' ') ? strchr(acts[a], ' ') : ""
             SLOT(a1, "h"), SLOT(a2, "h"), SLOT(a3, "g"));
#undef SLOT
    snprintf(path, sizeof path, "%s/model.spec", dir);
    tu_write_file(path, spec, strlen(spec));
    m = jg_load(path, &d);
    ck_assert_msg(m != NULL, "%s\n%s", spec, jg_buf_str(&d.text));
    ck_assert_int_eq(jg_monos_make(m->terms, m->n_terms, m->n_in, &mo), 0);
    ck_assert_uint_eq(mo.n, 11);        /* the ten terms and x^2 t (xxtt's divisor) */
    tay = jg_taylor_new(m, 2, vars, 4);
    ck_assert(tay != NULL);
    for (k = 0; k < NP * 2; k++)
        x[k] = tu_uniform(&rng, -1, 1);
    got = malloc(NP * m->n_out * mo.n_terms * sizeof *got);
    want = malloc(m->n_out * jg_taylor_n_terms(tay) * sizeof *want);
    for (prec = 0; prec < 2; prec++) {
        const jg_kernel_set *ks = jg_kernels_best(prec);
        if (prec == 0)
            PARTIALS_RUN(double, ks->d, m, &mo, NP, x, got);
        else
            PARTIALS_RUN(float, ks->f, m, &mo, NP, x, got);
        for (pt = 0; pt < NP; pt++) {
            ck_assert_int_eq(jg_taylor_partials(tay, x + 2 * pt, want, NULL), 0);
            if (prec == 0)      /* the scale of each point's numbers */
                for (k = 0; k < m->n_out * jg_taylor_n_terms(tay); k++)
                    scale = fabsl(want[k]) > scale ? (double)fabsl(want[k]) : scale;
            for (k = 0; k < m->n_out; k++)
                for (tt = 0; tt < mo.n_terms; tt++) {
                    unsigned char pw[2] = {0, 0};
                    int o;
                    long double w;
                    double g = got[(pt * m->n_out + k) * mo.n_terms + tt];
                    for (o = 0; o < m->terms[tt].order; o++)
                        pw[m->terms[tt].in[o]]++;
                    w = want[k * jg_taylor_n_terms(tay) + jg_taylor_term_at(tay, pw)];
                    ck_assert_msg(fabsl(g - w) <= (prec ? 1e-4L : 1e-12L) * (fabsl(w) + 1e-2L * scale),
                                  "%s\n%s, point %zu, output %zu, term %zu: %.17g, the oracle's %.17Lg", spec,
                                  prec ? "float" : "double", pt, k, tt, g, w);
                    checked++;
                }
        }
    }
    ck_assert_int_eq(checked, 2 * NP * 2 * 10);
    free(got);
    free(want);
    jg_taylor_free(tay);
    jg_monos_free(&mo);
    jg_model_free(m);
    jg_diag_free(&d);
}
END_TEST

/* The library's jg_net_partials (the executor's partials mode) on a
   graph of every layer kind the plan has (scale, Fourier features, dense,
   residual-style add, product, activations) and on a chain, through both
   back ends, in double and float handles: against the oracle (every term,
   order 0 to 4: 1e-11 double, 2e-4 float, normwise per point) and against
   jg_net_hessian for the terms of order up to 2 (1e-12). */
/* Spec `which` of three networks with terms (a graph of every kind of
   operation; chains of dense layers and activations, the second's terms
   in one input) and its weights,
   random in [-0.8, 0.8] from rng, into dir; its path into path. */
static void write_terms_net(int which, tu_rng *rng, char *dir, size_t dir_len, char *path, size_t path_len)
{
    static const char *const specs[3] = {
        "format 3\ninput x t\nterms t \"\" xxxx x xx xt xxx tt xxtt xxxt tttt\nweights layers.safetensors\n"
        "xn = scale input norm.mul norm.add\nff = fourier 2 ff.B xn\nU0 = dense 4 net.0 ff\nU = tanh U0\n"
        "V0 = dense 4 net.1 ff\nV = silu V0\nh = add U V\nZ = mul U V\nm = mul Z x\ng = add h m\n"
        "G = gelu g\no = dense 2 net.4h G\nu = mul o t\noutput u\n",
        "input x t\nterms xxx x \"\" xt xxxx\nweights layers.safetensors\ndense 4 net.0x\nsin w0=2\n"
        "dense 4 net.1\nsoftplus beta=2\ndense 2 net.4h\n",
        "input x t\nterms xxxx xx x xxx\nweights layers.safetensors\ndense 4 net.0x\ntanh\n"
        "dense 4 net.1\nsilu\ndense 2 net.4h\n"};
    double wv[64];
    const tu_tensor tens[] = {
        {"norm.mul", "F64", 1, {2, 0, 0, 0}, wv}, {"norm.add", "F64", 1, {2, 0, 0, 0}, wv + 2},
        {"ff.B", "F64", 2, {2, 2, 0, 0}, wv + 4}, {"net.0.weight", "F64", 2, {4, 4, 0, 0}, wv + 8},
        {"net.0.bias", "F64", 1, {4, 0, 0, 0}, wv + 24}, {"net.1.weight", "F64", 2, {4, 4, 0, 0}, wv + 28},
        {"net.1.bias", "F64", 1, {4, 0, 0, 0}, wv + 44}, {"net.4h.weight", "F64", 2, {2, 4, 0, 0}, wv + 48},
        {"net.4h.bias", "F64", 1, {2, 0, 0, 0}, wv + 56}, {"net.0x.weight", "F64", 2, {4, 2, 0, 0}, wv + 8}};
    size_t k;
    for (k = 0; k < 64; k++)
        wv[k] = tu_uniform(rng, -0.8, 0.8);
    snprintf(dir, dir_len, "%s", tu_tmpdir());
    tu_write_safetensors(tu_path(dir, "layers.safetensors"), tens, sizeof tens / sizeof tens[0]);
    snprintf(path, path_len, "%s/model.spec", dir);
    tu_write_file(path, specs[which], strlen(specs[which]));
}

START_TEST(library_partials_match_the_oracle)
{
    enum { N = 37 };
    const size_t vars[2] = {0, 1};
    char dir[1024], path[1100];
    tu_rng rng = {77u + (unsigned)_i};
    double x[N * 2];
    size_t k, pt;
    int backend, prec;
    write_terms_net(_i, &rng, dir, sizeof dir, path, sizeof path);
    for (k = 0; k < N * 2; k++)
        x[k] = tu_uniform(&rng, -1, 1);
    for (backend = 0; backend < 2; backend++)
        for (prec = 0; prec < 2; prec++) {
            jg_net_options o;
            jg_net *net = NULL;
            jg_diag d = JG_DIAG_INIT;
            jg_model *m = jg_load(path, &d);
            jg_taylor *tay;
            size_t nt, no;
            double *out, *u, *du, *d2;
            long double *want;
            ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
            o.precision = prec ? JG_NET_FLOAT : JG_NET_DOUBLE;
            o.backend = backend ? JG_NET_EXECUTOR : JG_NET_JIT;
            ck_assert_msg(jg_net_open(path, &o, &net) == JG_NET_OK, "%s", jg_net_errmsg(net));
            nt = jg_net_n_terms(net);
            no = jg_net_n_out(net);
            ck_assert_uint_eq(nt, m->n_terms);
            ck_assert_str_eq(jg_net_term_name(net, 0), _i == 0 ? "t" : _i == 1 ? "xxx" : "xxxx");
            ck_assert(jg_net_term_name(net, nt) == NULL);
            out = malloc(N * no * nt * sizeof *out);
            u = malloc(N * no * sizeof *u);
            du = malloc(N * no * 2 * sizeof *du);
            d2 = malloc(N * no * 4 * sizeof *d2);
            ck_assert_int_eq(jg_net_partials(net, N, x, out), JG_NET_OK);
            ck_assert_int_eq(jg_net_hessian(net, N, x, u, du, d2), JG_NET_OK);
            tay = jg_taylor_new(m, 2, vars, 4);
            want = malloc(no * jg_taylor_n_terms(tay) * sizeof *want);
            for (pt = 0; pt < N; pt++) {
                double e = 0, big = 0, e2 = 0, big2 = 0;
                size_t t;
                ck_assert_int_eq(jg_taylor_partials(tay, x + 2 * pt, want, NULL), 0);
                for (k = 0; k < no; k++)
                    for (t = 0; t < nt; t++) {
                        const jg_term *tm = &m->terms[t];
                        unsigned char pw[2] = {0, 0};
                        const double g = out[(pt * no + k) * nt + t];
                        double h;
                        int a;
                        for (a = 0; a < tm->order; a++)
                            pw[tm->in[a]]++;
                        a = 0;
                        {
                            const double w = (double)want[k * jg_taylor_n_terms(tay) + jg_taylor_term_at(tay, pw)];
                            e = fabs(g - w) > e ? fabs(g - w) : e;
                            big = fabs(w) > big ? fabs(w) : big;
                        }
                        /* the same numbers as the 2-jet's for orders up to 2 */
                        h = tm->order == 0 ? u[pt * no + k] : tm->order == 1 ? du[(pt * no + k) * 2 + tm->in[0]]
                          : tm->order == 2 ? d2[((pt * no + k) * 2 + tm->in[0]) * 2 + tm->in[1]] : g;
                        e2 = fabs(g - h) > e2 ? fabs(g - h) : e2;
                        big2 = fabs(h) > big2 ? fabs(h) : big2;
                    }
                ck_assert_msg(e <= (prec ? 2e-4 : 1e-11) * big, "spec %d backend %d %s point %zu: %.3g of %.3g", _i,
                              backend, prec ? "float" : "double", pt, e, big);
                ck_assert_msg(e2 <= (prec ? 2e-4 : 1e-12) * big2, "spec %d point %zu: against the hessian %.3g", _i,
                              pt, e2);
            }
            free(out);
            free(u);
            free(du);
            free(d2);
            free(want);
            jg_taylor_free(tay);
            jg_net_free(net);
            jg_model_free(m);
            jg_diag_free(&d);
        }
}
END_TEST

/* L = sum(G partials) by the oracle at the n points x, in long double. */
static long double oracle_loss(jg_taylor *tay, const jg_model *m, size_t n, const double *x, const double *g)
{
    const size_t no = m->n_out, nt = m->n_terms, all = jg_taylor_n_terms(tay);
    long double *want = malloc(no * all * sizeof *want), L = 0;
    size_t pt, k, t;
    for (pt = 0; pt < n; pt++) {
        ck_assert_int_eq(jg_taylor_partials(tay, x + pt * m->n_in, want, NULL), 0);
        for (k = 0; k < no; k++)
            for (t = 0; t < nt; t++) {
                unsigned char pw[2] = {0, 0};
                int a;
                for (a = 0; a < m->terms[t].order; a++)
                    pw[m->terms[t].in[a]]++;
                L += (long double)g[(pt * no + k) * nt + t] * want[k * all + jg_taylor_term_at(tay, pw)];
            }
    }
    free(want);
    return L;
}

/* Number j of tensor `name` moved by delta in every layer of m that
   reads it. */
static void nudge(jg_model *m, const char *name, size_t j, double delta)
{
    size_t k;
    int which;
    for (k = 0; k < m->n_layers; k++)
        for (which = 0; which < 2; which++) {
            jg_layer *l = &m->layers[k];
            char tn[JG_MAX_NAME * 2 + 16];
            if (jg_layer_tensor_name(l, which, NULL) > 0 && jg_layer_tensor_name(l, which, tn) > 0
                && strcmp(tn, name) == 0)
                (which ? l->b : l->w)[j] += delta;
        }
}

/* The gradients through the terms (jg_net_gradient, JG_NET_PARTIALS: the
   reverse sweep through the series) of both specs of the test above, in
   both back ends and precisions, against Richardson-extrapolated central
   differences of the long-double oracle's L with each weight moved in the
   model (every layer reading the tensor), and against differences in the
   points for the gradient to x; the tape pair gives the same numbers. */
START_TEST(library_gradient_through_partials)
{
    enum { N = 5 };
    const size_t vars[2] = {0, 1};
    char dir[1024], path[1100];
    tu_rng rng = {91u + (unsigned)_i};
    double x[N * 2], *g, *grad, *grad2, gx[N * 2], gx2[N * 2], xs[N * 2];
    size_t k, i, j, no, nt, ng;
    int backend, prec;
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    jg_taylor *tay;
    jg_net *net = NULL;
    jg_net_options o;
    jg_net_tape *tape = NULL;
    write_terms_net(_i, &rng, dir, sizeof dir, path, sizeof path);
    for (k = 0; k < N * 2; k++)
        x[k] = tu_uniform(&rng, -1, 1);
    m = jg_load(path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    tay = jg_taylor_new(m, 2, vars, 4);
    no = m->n_out;
    nt = m->n_terms;
    g = malloc(N * no * nt * sizeof *g);
    for (k = 0; k < N * no * nt; k++)
        g[k] = tu_uniform(&rng, -1, 1);
    ck_assert_int_eq(jg_net_load(path, &net), JG_NET_OK);
    ng = jg_net_n_grad(net);
    grad = malloc(ng * sizeof *grad);
    grad2 = malloc(ng * sizeof *grad2);
    ck_assert_int_eq(jg_net_gradient(net, JG_NET_PARTIALS, N, x, g, NULL, NULL, grad, gx), JG_NET_OK);
    /* every tensor's numbers (at most 6 of each) by differences */
    for (i = 0; i < jg_net_n_tensors(net); i++) {
        const char *name = jg_net_tensor_name(net, i);
        const size_t count = jg_net_tensor_count(net, i), off = jg_net_tensor_offset(net, i);
        double e = 0, big = 0;
        for (j = 0; j < count && j < 6; j++) {
            long double diff[2];
            int r;
            for (r = 0; r < 2; r++) {
                const long double h = r == 0 ? 1e-3L : 5e-4L;
                long double Lp, Lm;
                int sgn;
                for (sgn = 1; sgn >= -1; sgn -= 2) {
                    nudge(m, name, j, (double)(sgn * h));
                    *(sgn > 0 ? &Lp : &Lm) = oracle_loss(tay, m, N, x, g);
                    nudge(m, name, j, -(double)(sgn * h));
                }
                diff[r] = (Lp - Lm) / (2 * h);
            }
            {
                const double want = (double)((4 * diff[1] - diff[0]) / 3);
                e = fabs(grad[off + j] - want) > e ? fabs(grad[off + j] - want) : e;
                big = fabs(want) > big ? fabs(want) : big;
            }
        }
        ck_assert_msg(e <= 1e-6 * (big > 1 ? big : 1), "spec %d: d L / d %s off by %.3g of %.3g", _i, name, e, big);
    }
    /* the points' */
    for (k = 0; k < N * 2; k++) {
        long double diff[2];
        int r;
        memcpy(xs, x, sizeof xs);
        for (r = 0; r < 2; r++) {
            const long double h = r == 0 ? 1e-3L : 5e-4L;
            long double Lp, Lm;
            xs[k] = x[k] + (double)h;
            Lp = oracle_loss(tay, m, N, xs, g);
            xs[k] = x[k] - (double)h;
            Lm = oracle_loss(tay, m, N, xs, g);
            xs[k] = x[k];
            diff[r] = (Lp - Lm) / (2 * h);
        }
        ck_assert_msg(fabs(gx[k] - (double)((4 * diff[1] - diff[0]) / 3)) <= 1e-6 * (1 + fabs(gx[k])),
                      "spec %d: d L / d x[%zu] %.17g, differences %.17g", _i, k, gx[k],
                      (double)((4 * diff[1] - diff[0]) / 3));
    }
    /* the tape pair's, and the other back end's and precision's */
    {
        double *u = malloc(N * no * nt * sizeof *u), *want = malloc(N * no * nt * sizeof *want);
        ck_assert_int_eq(jg_net_forward_tape(net, JG_NET_PARTIALS, N, x, u, NULL, NULL, &tape), JG_NET_OK);
        ck_assert_int_eq(jg_net_partials(net, N, x, want), JG_NET_OK);
        for (k = 0; k < N * no * nt; k++)
            ck_assert_msg(fabs(u[k] - want[k]) <= 1e-13 * (1 + fabs(want[k])), "taped partials %zu", k);
        ck_assert_int_eq(jg_net_gradient_tape(net, tape, g, NULL, NULL, grad2, gx2), JG_NET_OK);
        for (k = 0; k < ng; k++)
            ck_assert_msg(fabs(grad2[k] - grad[k]) <= 1e-13 * (1 + fabs(grad[k])), "taped gradient %zu", k);
        jg_net_tape_free(tape);
        free(u);
        free(want);
    }
    jg_net_free(net);
    for (backend = 0; backend < 2; backend++)
        for (prec = 0; prec < 2; prec++) {
            float fx[N * 2], *fg = malloc(N * no * nt * sizeof *fg), fgx[N * 2];
            o.precision = prec ? JG_NET_FLOAT : JG_NET_DOUBLE;
            o.backend = backend ? JG_NET_EXECUTOR : JG_NET_JIT;
            ck_assert_msg(jg_net_open(path, &o, &net) == JG_NET_OK, "%s", jg_net_errmsg(net));
            for (k = 0; k < N * 2; k++)
                fx[k] = (float)x[k];
            for (k = 0; k < N * no * nt; k++)
                fg[k] = (float)g[k];
            if (prec)
                ck_assert_int_eq(jg_net_gradient_float(net, JG_NET_PARTIALS, N, fx, fg, NULL, NULL, grad2, fgx),
                                 JG_NET_OK);
            else
                ck_assert_int_eq(jg_net_gradient(net, JG_NET_PARTIALS, N, x, g, NULL, NULL, grad2, gx2), JG_NET_OK);
            {
                double e = 0, big = 0;
                for (k = 0; k < ng; k++) {
                    e = fabs(grad2[k] - grad[k]) > e ? fabs(grad2[k] - grad[k]) : e;
                    big = fabs(grad[k]) > big ? fabs(grad[k]) : big;
                }
                /* float: the points and weights rounded, then float sweeps */
                ck_assert_msg(e <= (prec ? 1e-3 : 1e-13) * big, "spec %d backend %d %s: gradients off by %.3g of %.3g",
                              _i, backend, prec ? "float" : "double", e, big);
            }
            free(fg);
            jg_net_free(net);
        }
    free(g);
    free(grad);
    free(grad2);
    jg_taylor_free(tay);
    jg_model_free(m);
    jg_diag_free(&d);
}
END_TEST

/* jg_net_set_terms gives a handle without terms some, and replaces them,
   in both back ends: the partials then agree with the oracle of a model
   given the same terms (jg_model_set_terms), with jg_net_set_tensor's
   weights kept; a bad list is refused by place and leaves the handle
   working; a tape made before is refused; the gradient runs. */
START_TEST(library_set_terms)
{
    static const char spec[] = "input x t\nweights layers.safetensors\ndense 4 net.0x\ntanh\ndense 2 net.4h\n";
    static const double w[8] = {0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.3, -0.6}, b[2] = {0.1, -0.2};
    static const double w2[8] = {0.25, 0.5, -0.75, 0.125, 0.5, -0.25, 0.6, 0.3};
    const tu_tensor tens[] = {{"net.0x.weight", "F64", 2, {4, 2, 0, 0}, w},
                              {"net.4h.weight", "F64", 2, {2, 4, 0, 0}, w2}, {"net.4h.bias", "F64", 1, {2, 0, 0, 0}, b}};
    static const double x[6] = {0.1, 0.2, -0.3, 0.5, 0.7, -0.9};
    const size_t vars[2] = {0, 1};
    char dir[1024], path[1100];
    jg_net_options o;
    jg_net *net = NULL;
    jg_net_tape *tape = NULL;
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    jg_taylor *tay;
    double out[3 * 2 * 4], grad[64], u[3 * 2 * 4];
    long double want[2 * 15];
    size_t p, k, t;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    tu_write_safetensors(tu_path(dir, "layers.safetensors"), tens, 3);
    snprintf(path, sizeof path, "%s/model.spec", dir);
    tu_write_file(path, spec, strlen(spec));
    o.precision = JG_NET_DOUBLE;
    o.backend = _i ? JG_NET_EXECUTOR : JG_NET_JIT;
    ck_assert_int_eq(jg_net_open(path, &o, &net), JG_NET_OK);
    ck_assert_uint_eq(jg_net_n_terms(net), 0);
    ck_assert_int_eq(jg_net_set_terms(net, "xq"), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(net), "terms:1:1:") != NULL, "%s", jg_net_errmsg(net));
    ck_assert_int_eq(jg_net_set_terms(net, "x,xx,x"), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(net), "terms:1:6:") != NULL && strstr(jg_net_errmsg(net), "twice") != NULL,
                  "%s", jg_net_errmsg(net));
    ck_assert_int_eq(jg_net_run(net, 0, 3, x, u, NULL, NULL), JG_NET_OK);     /* still working */
    ck_assert_int_eq(jg_net_forward_tape(net, JG_NET_EVAL, 3, x, u, NULL, NULL, &tape), JG_NET_OK);
    {
        const double w3[8] = {0.4, -0.2, 0.1, 0.9, -0.8, 0.7, 0.35, -0.55};
        ck_assert_int_eq(jg_net_set_tensor(net, "net.0x.weight", w3, 8), JG_NET_OK);
        ck_assert_int_eq(jg_net_set_terms(net, "xxxx,\"\",tx,xxt"), JG_NET_OK);
        ck_assert_int_eq(jg_net_gradient_tape(net, tape, u, NULL, NULL, grad, NULL), JG_NET_EINPUT);
        jg_net_tape_free(tape);
        ck_assert_uint_eq(jg_net_n_terms(net), 4);
        ck_assert_str_eq(jg_net_term_name(net, 2), "xt");
        ck_assert_int_eq(jg_net_partials(net, 3, x, out), JG_NET_OK);
        m = jg_load(path, &d);
        ck_assert(m != NULL);
        memcpy(m->layers[0].w, w3, sizeof w3);      /* the weights set above */
        ck_assert_int_eq(jg_model_set_terms(m, "xxxx,\"\",tx,xxt", &d), 0);
    }
    tay = jg_taylor_new(m, 2, vars, 4);
    for (p = 0; p < 3; p++) {
        ck_assert_int_eq(jg_taylor_partials(tay, x + 2 * p, want, NULL), 0);
        for (k = 0; k < 2; k++)
            for (t = 0; t < 4; t++) {
                unsigned char pw[2] = {0, 0};
                int a;
                long double r;
                for (a = 0; a < m->terms[t].order; a++)
                    pw[m->terms[t].in[a]]++;
                r = want[k * jg_taylor_n_terms(tay) + jg_taylor_term_at(tay, pw)];
                ck_assert_msg(fabsl((long double)out[(p * 2 + k) * 4 + t] - r) <= 1e-13L * (1 + fabsl(r)),
                              "point %zu output %zu term %zu: %.17g, oracle %.17Lg", p, k, t,
                              out[(p * 2 + k) * 4 + t], r);
            }
    }
    ck_assert_int_eq(jg_net_gradient(net, JG_NET_PARTIALS, 3, x, out, NULL, NULL, grad, NULL), JG_NET_OK);
    ck_assert_int_eq(jg_net_set_terms(net, "x"), JG_NET_OK);        /* and again, fewer */
    ck_assert_uint_eq(jg_net_n_terms(net), 1);
    ck_assert_int_eq(jg_net_partials(net, 3, x, out), JG_NET_OK);
    ck_assert_int_eq(jg_net_jacobian(net, 3, x, u, u + 6), JG_NET_OK);
    for (p = 0; p < 6; p++)
        ck_assert(fabs(out[p] - u[6 + p * 2]) <= 1e-15 * (1 + fabs(out[p])));      /* du/dx */
    jg_taylor_free(tay);
    jg_model_free(m);
    jg_diag_free(&d);
    jg_net_free(net);
}
END_TEST

/* jg_net_partials refuses a spec without terms, and its misuse. */
START_TEST(library_partials_refusals)
{
    char dir[1024], path[1100];
    static const double w[4] = {0.5, -0.25, 0.125, 1.0};
    const tu_tensor t[] = {{"l.weight", "F64", 2, {2, 2, 0, 0}, w}};
    jg_net *net = NULL;
    double x[2] = {0.1, 0.2}, out[4];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    tu_write_safetensors(tu_path(dir, "w.st"), t, 1);
    snprintf(path, sizeof path, "%s/model.spec", dir);
    tu_write_file(path, "input x t\nweights w.st\ndense 2 l\n", strlen("input x t\nweights w.st\ndense 2 l\n"));
    ck_assert_int_eq(jg_net_load(path, &net), JG_NET_OK);
    ck_assert_uint_eq(jg_net_n_terms(net), 0);
    ck_assert(jg_net_term_name(net, 0) == NULL);
    ck_assert_int_eq(jg_net_partials(net, 1, x, out), JG_NET_EINPUT);
    ck_assert(strstr(jg_net_errmsg(net), "the spec names no terms") != NULL);
    jg_net_free(net);
    tu_write_file(path, "input x t\nterms x\nweights w.st\ndense 2 l\n",
                  strlen("input x t\nterms x\nweights w.st\ndense 2 l\n"));
    ck_assert_int_eq(jg_net_load(path, &net), JG_NET_OK);
    ck_assert_int_eq(jg_net_partials(net, 0, NULL, NULL), JG_NET_OK);
    ck_assert_int_eq(jg_net_partials(net, 1, x, out), JG_NET_OK);
    ck_assert(fabs(out[0] - 0.5) < 1e-15 && fabs(out[1] - 0.125) < 1e-15);     /* du_k/dx = W[k][0] */
    jg_net_free(net);
    ck_assert_uint_eq(jg_net_n_terms(NULL), 0);
}
END_TEST

START_TEST(bad_arguments)
{
    jg_model *m = load_text("format 3\ninput x y\nu = mul x y\noutput u\n");
    const size_t twice[2] = {1, 1}, past[1] = {2}, one[1] = {0};
    jg_taylor *t;
    long double c[JG_TAYLOR_MAX_ORDER + 2];
    ck_assert(jg_taylor_new(m, 2, twice, 2) == NULL);
    ck_assert(jg_taylor_new(m, 1, past, 2) == NULL);
    ck_assert(jg_taylor_new(m, 1, one, JG_TAYLOR_MAX_ORDER + 1) == NULL);
    ck_assert(jg_taylor_new(m, 1, one, -1) == NULL);
    t = jg_taylor_new(m, 1, one, 0);
    ck_assert(t != NULL && jg_taylor_n_terms(t) == 1);
    jg_taylor_free(t);
    ck_assert_int_eq(jg_taylor_activation(JG_ACT_tanh, 0, 0, 0.5L, JG_TAYLOR_MAX_ORDER + 1, c), -1);
    ck_assert_int_eq(jg_taylor_activation(JG_N_ACTIVATIONS, 0, 0, 0.5L, 2, c), -1);
    ck_assert_int_eq(jg_taylor_activation(JG_ACT_tanh, 0, 0, 0.5L, JG_TAYLOR_MAX_ORDER, c), 0);
    jg_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("taylor");
    TCase *tc = tcase_create("taylor");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, activation_series_match_differences, 0, JG_N_ACTIVATIONS);
    tcase_add_test(tc, closed_forms);
    tcase_add_test(tc, polynomial_is_exact);
    tcase_add_loop_test(tc, low_orders_match_pytorch, 0, 2);
    tcase_add_test(tc, low_orders_match_differences);
    tcase_add_test(tc, high_orders_match_differences);
    tcase_add_test(tc, bad_arguments);
    tcase_add_loop_test(tc, partials_kernels_match_the_oracle, 0, 7);
    tcase_add_loop_test(tc, library_partials_match_the_oracle, 0, 3);
    tcase_add_test(tc, library_partials_refusals);
    tcase_add_loop_test(tc, library_gradient_through_partials, 0, 3);
    tcase_add_loop_test(tc, library_set_terms, 0, 2);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
