/* test_layers.c: every activation and layer kind against the test's own
   oracles, written independently of the templates:
   - each activation kernel against its definition in long double (libm's
     long double functions, the plain formulas) at ordinary points and at
     extreme ones (|z| up to 1e300): no NaN where the value is defined;
   - random networks mixing every activation (with random parameters),
     scale (constants and tensors), fourier and residual blocks (nested),
     carried through as hyper-dual numbers: 1e-12 normwise for u, du, d2u,
     through the JIT and through the emitted file compiled by gcc; the
     library's JIT (weights bound by address) and executor give the same
     bits in every mode;
   - hessian_diag and laplacian: the diagonal and the trace of the full
     Hessian (1e-12), and the hyper-dual oracle's;
   - one network holding every kernel, emitted in double and float, compiles
     with no warning under gcc, clang, g++ and tcc. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL__API /* external: no warning for kernels this test does not call */
#include "../templates/kernels.c"

#include "grad.h"
#include "load.h"
#include "model.h"
#include "jetgen.h"
#include "testutil.h"

/* ---- the activations' definitions, in long double ---- */

enum { TANH, SIGMOID, SOFTPLUS, SIN, COS, GELU, GELU_TANH, SILU, MISH, ELU, SELU, SOFTSIGN, EXP, RELU,
       LEAKY_RELU, POW, HARDTANH, ERF, SQRT, ACOS, N_ACTS };

static const char *const act_name[N_ACTS] = {
    "tanh", "sigmoid", "softplus", "sin", "cos", "gelu", "gelu_tanh", "silu", "mish", "elu", "selu",
    "softsign", "exp", "relu", "leaky_relu", "pow", "hardtanh", "erf", "sqrt", "acos"};

static const model__fn act_kernel[N_ACTS] = {
    model__tanh, model__sigmoid, model__softplus, model__sin, model__cos, model__gelu, model__gelu_tanh,
    model__silu, model__mish, model__elu, model__selu, model__softsign, model__exp, model__relu,
    model__leaky_relu, model__pow, model__hardtanh, model__erf, model__sqrt, model__acos};

/* f(x), f'(x), f''(x) of activation a with parameters p, q. */
static void act_ref(int a, long double p, long double q, long double x, long double f[3])
{
    const long double selu_alpha = 1.6732632423543772848170429916717L;
    const long double selu_scale = 1.0507009873554804934193349852946L;
    long double s, t, e, u, u1, u2, sech2;
    switch (a) {
    case TANH:
        t = tanhl(x);
        f[0] = t;
        f[1] = 1.0L / (coshl(x) * coshl(x));
        f[2] = isinf(coshl(x)) ? 0.0L : -2.0L * sinhl(x) / (coshl(x) * coshl(x) * coshl(x));
        return;
    case SIGMOID:
        s = 1.0L / (1.0L + expl(-x));
        f[0] = s;
        f[1] = s * (1.0L - s);
        f[2] = s * (1.0L - s) * (1.0L - 2.0L * s);
        return;
    case SOFTPLUS:
        if (p * x > q) {
            f[0] = x;
            f[1] = 1.0L;
            f[2] = 0.0L;
            return;
        }
        s = 1.0L / (1.0L + expl(-p * x));
        f[0] = log1pl(expl(p * x)) / p;
        f[1] = s;
        f[2] = p * s * (1.0L - s);
        return;
    case SIN:
    case COS:
        u = (long double)((double)p * (double)x);     /* the argument as PyTorch rounds it */
        f[0] = a == SIN ? sinl(u) : cosl(u);
        f[1] = a == SIN ? p * cosl(u) : -p * sinl(u);
        f[2] = -p * p * f[0];
        return;
    case GELU:
        e = expl(-x * x / 2.0L) / sqrtl(2.0L * 3.14159265358979323846264338327950288L);
        s = 0.5L * (1.0L + erfl(x / sqrtl(2.0L)));
        f[0] = x * s;
        f[1] = s + x * e;
        f[2] = e == 0.0L ? 0.0L : (2.0L - x * x) * e;
        return;
    case GELU_TANH:
        u = sqrtl(2.0L / 3.14159265358979323846264338327950288L);
        u1 = u * (1.0L + 3.0L * 0.044715L * x * x);
        u2 = u * 6.0L * 0.044715L * x;
        t = tanhl(u * (x + 0.044715L * x * x * x));
        sech2 = 1.0L - t * t;
        f[0] = 0.5L * x * (1.0L + t);
        f[1] = 0.5L * (1.0L + t) + (sech2 == 0.0L ? 0.0L : 0.5L * x * sech2 * u1);
        f[2] = sech2 == 0.0L ? 0.0L : sech2 * u1 + 0.5L * x * sech2 * (u2 - 2.0L * t * u1 * u1);
        return;
    case SILU:
        s = 1.0L / (1.0L + expl(-x));
        f[0] = x * s;
        f[1] = s + (s == 0.0L ? 0.0L : x * s * (1.0L - s));
        f[2] = s == 0.0L || s == 1.0L ? 0.0L : s * (1.0L - s) * (2.0L + x * (1.0L - 2.0L * s));
        return;
    case MISH:
        s = 1.0L / (1.0L + expl(-x));
        t = tanhl(x > 40.0L ? x : log1pl(expl(x)));
        sech2 = 1.0L - t * t;
        f[0] = x * t;
        f[1] = t + (sech2 == 0.0L || s == 0.0L ? 0.0L : x * sech2 * s);
        f[2] = sech2 == 0.0L || s == 0.0L ? 0.0L : sech2 * s * (2.0L + x * (1.0L - s) - 2.0L * x * t * s);
        return;
    case ELU:
    case SELU:
        u = a == ELU ? p : selu_alpha;
        s = a == ELU ? 1.0L : selu_scale;
        f[0] = s * (x > 0.0L ? x : u * (expl(x) - 1.0L));
        f[1] = s * (x > 0.0L ? 1.0L : u * expl(x));
        f[2] = s * (x > 0.0L ? 0.0L : u * expl(x));
        return;
    case SOFTSIGN:
        f[0] = x / (1.0L + fabsl(x));
        f[1] = 1.0L / ((1.0L + fabsl(x)) * (1.0L + fabsl(x)));
        f[2] = (x > 0.0L ? -2.0L : x < 0.0L ? 2.0L : 0.0L) / powl(1.0L + fabsl(x), 3.0L);
        return;
    case EXP:
        f[0] = f[1] = f[2] = expl(x);
        return;
    case RELU:
        f[0] = x > 0.0L ? x : 0.0L;
        f[1] = x > 0.0L ? 1.0L : 0.0L;
        f[2] = 0.0L;
        return;
    case LEAKY_RELU:
        f[0] = x > 0.0L ? x : p * x;
        f[1] = x > 0.0L ? 1.0L : p;
        f[2] = 0.0L;
        return;
    case POW:
        f[0] = powl(x, p);
        f[1] = p * powl(x, p - 1.0L);
        f[2] = p * (p - 1.0L) * powl(x, p - 2.0L);
        return;
    case ERF:
        f[0] = erfl(x);
        f[1] = 2.0L / sqrtl(3.14159265358979323846264338327950288L) * expl(-x * x);
        f[2] = -2.0L * x * f[1];
        return;
    case ACOS:          /* -1 < z < 1: the callers keep it there */
        f[0] = acosl(x);
        f[1] = -1.0L / sqrtl((1.0L - x) * (1.0L + x));
        f[2] = f[1] * x / ((1.0L - x) * (1.0L + x));
        return;
    case SQRT:          /* z >= 0: the callers take |z| */
        f[0] = sqrtl(x);
        f[1] = 0.5L / f[0];
        f[2] = -0.25L / (x * f[0]);
        return;
    default:    /* HARDTANH */
        f[0] = x < p ? p : x > q ? q : x;
        f[1] = x > p && x < q ? 1.0L : 0.0L;
        f[2] = 0.0L;
        return;
    }
}

/* Parameters to test an activation with: PyTorch's defaults, or others. */
static void act_params(int a, int variant, double *p, double *q)
{
    *p = *q = 0.0;
    if (a == SOFTPLUS) {
        *p = variant ? 2.5 : 1.0;
        *q = variant ? 5.0 : 20.0;
    } else if (a == SIN || a == COS) {
        *p = variant ? 30.0 : 1.0;
    } else if (a == ELU) {
        *p = variant ? 0.5 : 1.0;
    } else if (a == LEAKY_RELU) {
        *p = variant ? 0.2 : 0.01;
    } else if (a == POW) {
        *p = variant ? 3.0 : 2.0;
    } else if (a == HARDTANH) {
        *p = variant ? -0.5 : -1.0;
        *q = variant ? 2.0 : 1.0;
    }
}

/* Ordinary points and extreme ones: every kernel against act_ref. The
   bound is relative to the size of the quantity (1 + |f|, times w0^k for
   sin and cos, where an argument of 1e300 is still evaluated exactly). */
START_TEST(activations_match_definitions)
{
    static const double extreme[] = {1e300, -1e300, 1e100, -1e100, 1e10, -1e10, 745.0, -745.0, 710.0,
                                     -710.0, 40.0, -40.0, 20.0, -20.0, 1e-300, -1e-300, 0.0, -0.0,
                                     4.9406564584124654e-324};
    enum { N = 400 };
    double z[N], s0[N], s1[N], s2[N], p, q;
    const int a = _i / 2, variant = _i % 2;
    unsigned long long seed = 7 + (unsigned long long)_i;
    size_t k, n_ext = sizeof extreme / sizeof extreme[0];
    act_params(a, variant, &p, &q);
    for (k = 0; k < N; k++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        z[k] = k < n_ext ? extreme[k] : -8.0 + 16.0 * (double)(seed >> 11) / 9007199254740992.0;
        if (a == SQRT)          /* NaN below 0, as PyTorch's */
            z[k] = fabs(z[k]);
        if (a == ACOS)          /* NaN beyond +-1 */
            z[k] = k < n_ext ? (k % 2 ? -1.0 : 1.0) * (1.0 - 1.0 / (double)(k + 2)) : z[k] / 8.0 * 0.999;
    }
    act_kernel[a](N, p, q, z, s0, s1, s2);
    for (k = 0; k < N; k++) {
        long double f[3];
        const double got[3] = {s0[k], s1[k], s2[k]};
        int d;
        act_ref(a, p, q, z[k], f);
        for (d = 0; d < 3; d++) {
            const long double scale = (1.0L + fabsl(f[d])) * ((a == SIN || a == COS) ? powl(p, d) : 1.0L);
            ck_assert_msg(!isnan(got[d]), "%s(p=%g, q=%g) at z = %.17g: derivative %d is NaN", act_name[a],
                          p, q, z[k], d);
            if (fabsl(f[d]) > (long double)DBL_MAX) {     /* overflows double: the result is inf */
                f[d] = f[d] > 0 ? (long double)INFINITY : -(long double)INFINITY;
                ck_assert_msg((long double)got[d] == f[d], "%s at %.17g: %d: %.17g, want %Lg", act_name[a],
                              z[k], d, got[d], f[d]);
                continue;
            }
            ck_assert_msg(fabsl((long double)got[d] - f[d]) <= 4e-15L * scale,
                          "%s(p=%g, q=%g) at z = %.17g: derivative %d = %.17g, want %.17Lg", act_name[a], p, q,
                          z[k], d, got[d], f[d]);
        }
    }
}
END_TEST

/* The third derivatives of the reverse sweep (runtime/grad.c, closed
   forms) against central differences of act_ref's s'' in long double
   (step 1e-5 |z|, at least 1e-5: truncation near 1e-10, rounding near
   1e-14), away from the points where s'' jumps (0 for elu, selu,
   softsign; softplus's threshold); and where an activation saturates
   (|z| up to 1e300, infinities), a finite third derivative, not NaN. */
START_TEST(third_derivatives_match_differences)
{
    static const double far[] = {1e300, -1e300, 1e10, -1e10, 745.0, -745.0, 60.0, -60.0, INFINITY, -INFINITY};
    const int a = _i / 2, variant = _i % 2;
    int reg = -1, k;
    double p, q;
    unsigned long long seed = 99 + (unsigned long long)_i;
    act_params(a, variant, &p, &q);
    for (k = 0; jg_activation_name((size_t)k) != NULL; k++)
        if (strcmp(jg_activation_name((size_t)k), act_name[a]) == 0)
            reg = k;
    ck_assert_msg(reg >= 0, "%s is not in the list", act_name[a]);
    for (k = 0; k < 400; k++) {
        long double fp[3], fm[3], h, want;
        double z, got;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        z = -8.0 + 16.0 * (double)(seed >> 11) / 9007199254740992.0;
        if (a == SQRT && (z = fabs(z)) < 0.25)   /* its domain, where h is small against z */
            continue;
        if (a == ACOS && fabs(z = z / 8.0 * 0.9) > 0.75)   /* its domain, away from its poles */
            continue;
        h = 1e-5L * (fabsl((long double)z) > 1 ? fabsl((long double)z) : 1.0L);
        if ((a == ELU || a == SELU || a == SOFTSIGN || a == RELU || a == LEAKY_RELU) && fabs(z) < 3e-5)
            continue;
        if (a == HARDTANH && (fabs(z - p) < 3e-5 || fabs(z - q) < 3e-5))
            continue;
        if (a == SOFTPLUS && fabs(p * z - q) < 3e-4 * (1 + fabs(q)))
            continue;
        act_ref(a, p, q, (long double)z + h, fp);
        act_ref(a, p, q, (long double)z - h, fm);
        want = (fp[2] - fm[2]) / (2.0L * h);
        got = jg_grad_act3(reg, p, q, z);
        ck_assert_msg(fabsl((long double)got - want) <= 1e-7L * (1.0L + fabsl(want))
                      * ((a == SIN || a == COS) ? powl(p, 3) : 1.0L),
                      "%s(p=%g, q=%g) at z = %.17g: third derivative %.17g, differences %.17Lg", act_name[a], p,
                      q, z, got, want);
    }
    for (k = 0; k < (int)(sizeof far / sizeof far[0]); k++) {
        const double got = jg_grad_act3(reg, p, q, far[k]);
        if ((a == EXP && far[k] > 700) || (a == POW && fabs(far[k]) > 1e100) || ((a == SIN || a == COS) && isinf(far[k]))
            || (a == SQRT && far[k] < 0) || a == ACOS)
            continue;           /* the function itself overflows, or is NaN there */
        ck_assert_msg(!isnan(got), "%s at %g: the third derivative is NaN", act_name[a], far[k]);
    }
}
END_TEST

/* ---- random networks ---- */

#define MAX_OPS 24
#define MAX_W 12
#define MAX_PTS 23

enum { OP_DENSE, OP_SCALE, OP_FOURIER, OP_RESIDUAL, OP_END, OP_ACT };

typedef struct op {
    int kind, act, width;       /* width: output width */
    double p, q;
    double w[MAX_W * MAX_W], b[MAX_W];
    int has_b;
    int mul_tensor, add_tensor;
} op;

typedef struct net {
    int n_in, n_ops;
    op ops[MAX_OPS];
    char spec_path[1024];
} net;


typedef struct writer {
    char spec[8192];
    size_t len;
    tu_tensor t[4 * MAX_OPS];
    char names[4 * MAX_OPS][64];
    size_t nt;
} writer;

static void add_tensor(writer *wr, const char *name, size_t rows, size_t cols, const double *data)
{
    snprintf(wr->names[wr->nt], sizeof wr->names[0], "%s", name);
    wr->t[wr->nt].name = wr->names[wr->nt];
    wr->t[wr->nt].dtype = "F64";
    wr->t[wr->nt].rank = cols ? 2 : 1;
    wr->t[wr->nt].shape[0] = rows;
    wr->t[wr->nt].shape[1] = cols;
    wr->t[wr->nt++].data = data;
}

static op *new_op(net *n, int kind, int width)
{
    op *o = &n->ops[n->n_ops++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->width = width;
    return o;
}

/* A dense layer width <- in, with weights scaled to keep z moderate. */
static void add_dense(net *n, writer *wr, tu_rng *r, int in, int out)
{
    op *o = new_op(n, OP_DENSE, out);
    char name[32];
    int j;
    o->has_b = tu_pick(r, 3) != 0;
    for (j = 0; j < out * in; j++)
        o->w[j] = tu_uniform(r, -1.5, 1.5) / sqrt((double)in);
    for (j = 0; j < out; j++)
        o->b[j] = tu_uniform(r, -0.5, 0.5);
    sprintf(name, "d%d", n->n_ops);
    wr->len += (size_t)sprintf(wr->spec + wr->len, "dense %d %s\n", out, name);
    sprintf(name, "d%d.weight", n->n_ops);
    add_tensor(wr, name, (size_t)out, (size_t)in, o->w);
    if (o->has_b) {
        sprintf(name, "d%d.bias", n->n_ops);
        add_tensor(wr, name, (size_t)out, 0, o->b);
    }
}

static void add_act(net *n, writer *wr, tu_rng *r, int width, int a)
{
    op *o;
    double p, q;
    const char *const *names;
    static const char *const none[2] = {NULL, NULL};
    static const char *const softplus[2] = {"beta", "threshold"}, *const w0[2] = {"w0", NULL};
    static const char *const alpha[2] = {"alpha", NULL}, *const slope[2] = {"negative_slope", NULL};
    static const char *const minmax[2] = {"min_val", "max_val"}, *const power[2] = {"n", NULL};
    if (a == SQRT)              /* its domain: after exp, positive */
        add_act(n, wr, r, width, EXP);
    if (a == ACOS)              /* its domain: after tanh, within (-1, 1) */
        add_act(n, wr, r, width, TANH);
    o = new_op(n, OP_ACT, width);
    o->act = a;
    act_params(a, tu_pick(r, 2), &p, &q);
    if (a == SIN || a == COS)
        p = tu_uniform(r, 0.5, 3.0);
    o->p = p;
    o->q = q;
    names = a == SOFTPLUS ? softplus : a == SIN || a == COS ? w0 : a == ELU ? alpha
          : a == LEAKY_RELU ? slope : a == HARDTANH ? minmax : a == POW ? power : none;
    wr->len += (size_t)sprintf(wr->spec + wr->len, "%s", act_name[a]);
    if (names[0] != NULL)
        wr->len += (size_t)sprintf(wr->spec + wr->len, " %s=%.17g", names[0], p);
    if (names[1] != NULL)
        wr->len += (size_t)sprintf(wr->spec + wr->len, " %s=%.17g", names[1], q);
    wr->len += (size_t)sprintf(wr->spec + wr->len, "\n");
}

/* A random network: input, maybe a scale, then layers of dense and an
   activation, some in residual blocks (nested), maybe a fourier layer, and
   a final dense layer. Activation a0 comes first, so that every one is
   drawn across the nets. */
static void make_net(net *n, int seed, int a0)
{
    tu_rng r;
    writer *wr = calloc(1, sizeof *wr);
    int width, i, blocks, depth = 0, open_width[4];
    char name[32];
    const char *dir = tu_tmpdir();
    r.s = 0x9e3779b97f4a7c15ull * (unsigned long long)(seed + 11);
    memset(n, 0, sizeof *n);
    n->n_in = 1 + tu_pick(&r, 4);
    width = n->n_in;
    wr->len += (size_t)sprintf(wr->spec, "input %d\nweights w.safetensors\n", n->n_in);
    if (tu_pick(&r, 2)) {  /* scale the input, by constants or tensors */
        op *o = new_op(n, OP_SCALE, width);
        const char *args[2];
        char an[2][32];
        for (i = 0; i < 2; i++) {
            int j;
            const int tensor = tu_pick(&r, 2);
            const double c = i == 0 ? tu_uniform(&r, 0.3, 2.0) : tu_uniform(&r, -1.0, 1.0);
            for (j = 0; j < width; j++)
                (i == 0 ? o->w : o->b)[j] = tensor ? (i == 0 ? tu_uniform(&r, 0.3, 2.0) : tu_uniform(&r, -1, 1)) : c;
            if (tensor) {
                sprintf(an[i], "s%d.%s", n->n_ops, i == 0 ? "mul" : "add");
                add_tensor(wr, an[i], (size_t)width, 0, i == 0 ? o->w : o->b);
            } else {
                sprintf(an[i], "%.17g", c);
            }
            args[i] = an[i];
        }
        wr->len += (size_t)sprintf(wr->spec + wr->len, "scale %s %s\n", args[0], args[1]);
    }
    if (tu_pick(&r, 3) == 0) {     /* Fourier features of the input */
        op *o = new_op(n, OP_FOURIER, 0);
        const int m = 1 + tu_pick(&r, 5);
        for (i = 0; i < m * width; i++)
            o->w[i] = tu_uniform(&r, -2.0, 2.0);
        o->width = 2 * m;
        sprintf(name, "ff%d.B", n->n_ops);
        add_tensor(wr, name, (size_t)m, (size_t)width, o->w);
        wr->len += (size_t)sprintf(wr->spec + wr->len, "fourier %d %s\n", m, name);
        width = 2 * m;
    }
    blocks = 1 + tu_pick(&r, 3);
    for (i = 0; i < blocks; i++) {
        const int out = depth > 0 ? width : 2 + tu_pick(&r, 9), a = i == 0 ? a0 : tu_pick(&r, N_ACTS);
        add_dense(n, wr, &r, width, out);
        width = out;
        add_act(n, wr, &r, width, a);
        if (tu_pick(&r, 2) && depth < 3) {     /* a residual block: dense, activation, maybe nested */
            new_op(n, OP_RESIDUAL, width);
            wr->len += (size_t)sprintf(wr->spec + wr->len, "residual\n");
            open_width[depth++] = width;
            add_dense(n, wr, &r, width, width);
            add_act(n, wr, &r, width, tu_pick(&r, N_ACTS));
            if (tu_pick(&r, 2) == 0 || i + 1 == blocks) {
                while (depth > 0 && width == open_width[depth - 1]) {
                    new_op(n, OP_END, width);
                    wr->len += (size_t)sprintf(wr->spec + wr->len, "end\n");
                    depth--;
                    if (tu_pick(&r, 2))
                        break;
                }
            }
        }
    }
    while (depth > 0) {
        new_op(n, OP_END, width);
        wr->len += (size_t)sprintf(wr->spec + wr->len, "end\n");
        depth--;
    }
    add_dense(n, wr, &r, width, 1 + tu_pick(&r, 5));
    if (tu_pick(&r, 4) == 0)
        add_act(n, wr, &r, n->ops[n->n_ops - 1].width, tu_pick(&r, N_ACTS));
    tu_write_safetensors(tu_path(dir, "w.safetensors"), wr->t, wr->nt);
    snprintf(n->spec_path, sizeof n->spec_path, "%s/model.spec", dir);
    tu_write_file(n->spec_path, wr->spec, wr->len);
    free(wr);
}

typedef struct hd { double a, b, c, d; } hd;

static hd hd_fn(hd x, long double f[3])
{
    hd y;
    y.a = (double)f[0];
    y.b = (double)(f[1] * x.b);
    y.c = (double)(f[1] * x.c);
    y.d = (double)(f[1] * x.d + f[2] * x.b * x.c);
    return y;
}

/* u_k(x + e1 e_i + e2 e_j) for all k, as hyper-dual numbers. */
static int hd_eval(const net *n, const double *x, int i, int j, hd *out)
{
    hd a[MAX_W], z[MAX_W], keep[4][MAX_W];
    int width = n->n_in, l, k, m, depth = 0;
    for (k = 0; k < width; k++) {
        a[k].a = x[k];
        a[k].b = k == i;
        a[k].c = k == j;
        a[k].d = 0.0;
    }
    for (l = 0; l < n->n_ops; l++) {
        const op *o = &n->ops[l];
        long double f[3];
        for (k = 0; k < o->width; k++) {
            switch (o->kind) {
            case OP_DENSE:
            case OP_FOURIER: {
                const int row = o->kind == OP_FOURIER ? k % (o->width / 2) : k;
                hd s = {0, 0, 0, 0};
                s.a = o->kind == OP_DENSE && o->has_b ? o->b[k] : 0.0;
                for (m = 0; m < width; m++) {
                    const double w = o->w[row * width + m];
                    s.a += w * a[m].a;
                    s.b += w * a[m].b;
                    s.c += w * a[m].c;
                    s.d += w * a[m].d;
                }
                if (o->kind == OP_FOURIER)
                    act_ref(k < o->width / 2 ? SIN : COS, 1.0L, 0.0L, s.a, f), s = hd_fn(s, f);
                z[k] = s;
                break;
            }
            case OP_SCALE:
                z[k].a = o->w[k] * a[k].a + o->b[k];
                z[k].b = o->w[k] * a[k].b;
                z[k].c = o->w[k] * a[k].c;
                z[k].d = o->w[k] * a[k].d;
                break;
            case OP_RESIDUAL:
                keep[depth][k] = a[k];
                z[k] = a[k];
                break;
            case OP_END:
                z[k].a = a[k].a + keep[depth - 1][k].a;
                z[k].b = a[k].b + keep[depth - 1][k].b;
                z[k].c = a[k].c + keep[depth - 1][k].c;
                z[k].d = a[k].d + keep[depth - 1][k].d;
                break;
            default:
                act_ref(o->act, o->p, o->q, a[k].a, f);
                z[k] = hd_fn(a[k], f);
                break;
            }
        }
        depth += o->kind == OP_RESIDUAL ? 1 : o->kind == OP_END ? -1 : 0;
        memcpy(a, z, sizeof a);
        width = o->width;
    }
    memcpy(out, a, (size_t)width * sizeof *out);
    return width;
}

/* Random points land on a kink of relu, leaky_relu or hardtanh with
   probability zero. */
static void random_network_matches_oracle_case(int which)
{
    static net n;
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    tu_net jit, cc;
    char msg[8192];
    tu_rng r;
    size_t np, p, k, i, j, no, ni;
    double x[MAX_PTS * 4], *u, *du, *d2u, *dg, *lap, *u2, *du2, *d2u2, ref_u[MAX_W], ref_du[MAX_W * 4];
    double ref_d2u[MAX_W * 16], ref_dg[MAX_W * 4], ref_lap[MAX_W];
    hd out[MAX_W];

    make_net(&n, which, which % N_ACTS);
    m = jg_load(n.spec_path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_msg(tu_net_jit(&jit, m, msg, sizeof msg) == 0, "%s", msg);
    no = m->n_out;
    ni = m->n_in;
    r.s = 777 + (unsigned long long)which;
    np = 1 + (size_t)tu_pick(&r, MAX_PTS);
    for (p = 0; p < np * ni; p++)
        x[p] = tu_uniform(&r, -1.5, 1.5);
    u = malloc(np * no * sizeof *u);
    du = malloc(np * no * ni * sizeof *du);
    d2u = malloc(np * no * ni * ni * sizeof *d2u);
    dg = malloc(np * no * ni * sizeof *dg);
    lap = malloc(np * no * sizeof *lap);
    u2 = malloc(np * no * sizeof *u);
    du2 = malloc(np * no * ni * sizeof *du);
    d2u2 = malloc(np * no * ni * ni * sizeof *d2u);
    jit.hessian(np, x, u, du, d2u);

    for (p = 0; p < np; p++) {
        for (i = 0; i < ni; i++)
            for (j = i; j < ni; j++) {
                hd_eval(&n, x + p * ni, (int)i, (int)j, out);
                for (k = 0; k < no; k++) {
                    ref_u[k] = out[k].a;
                    ref_du[k * ni + i] = out[k].b;
                    ref_du[k * ni + j] = out[k].c;
                    ref_d2u[(k * ni + i) * ni + j] = ref_d2u[(k * ni + j) * ni + i] = out[k].d;
                }
            }
        ck_assert_msg(tu_normwise(u + p * no, ref_u, no) <= 1e-12, "net %d point %zu: u off by %.3g\n%s", which,
                      p, tu_normwise(u + p * no, ref_u, no), n.spec_path);
        ck_assert_msg(tu_normwise(du + p * no * ni, ref_du, no * ni) <= 1e-12,
                      "net %d point %zu: du off by %.3g", which, p, tu_normwise(du + p * no * ni, ref_du, no * ni));
        ck_assert_msg(tu_normwise(d2u + p * no * ni * ni, ref_d2u, no * ni * ni) <= 1e-12,
                      "net %d point %zu: d2u off by %.3g", which, p,
                      tu_normwise(d2u + p * no * ni * ni, ref_d2u, no * ni * ni));
    }

    /* the diagonal and the Laplacian: from the full Hessian, and computed
       on their own channels */
    memset(u2, 0, np * no * sizeof *u2);
    memset(du2, 0, np * no * ni * sizeof *du2);
    jit.hessian_diag(np, x, u2, du2, dg);
    ck_assert(tu_normwise(u2, u, np * no) <= 1e-15 && tu_normwise(du2, du, np * no * ni) <= 1e-15);
    jit.laplacian(np, x, u2, NULL, lap);
    ck_assert(tu_normwise(u2, u, np * no) <= 1e-15);
    for (p = 0; p < np; p++) {
        for (k = 0; k < no; k++) {
            ref_lap[k] = 0.0;
            for (i = 0; i < ni; i++) {
                ref_dg[k * ni + i] = d2u[((p * no + k) * ni + i) * ni + i];
                ref_lap[k] += ref_dg[k * ni + i];
            }
        }
        ck_assert_msg(tu_normwise(dg + p * no * ni, ref_dg, no * ni) <= 1e-12, "net %d: diag off by %.3g", which,
                      tu_normwise(dg + p * no * ni, ref_dg, no * ni));
        ck_assert_msg(tu_normwise(lap + p * no, ref_lap, no) <= 1e-12, "net %d: laplacian off by %.3g", which,
                      tu_normwise(lap + p * no, ref_lap, no));
    }

    /* the library's JIT (weights bound by address) and its executor give
       the bits of the code checked above, in every mode */
    for (k = 0; k < 2; k++) {
        jg_net_options o;
        jg_net *lib = NULL;
        double *lu = malloc(np * no * sizeof *lu), *ldu = malloc(np * no * ni * sizeof *ldu);
        double *ld2u = malloc(np * no * ni * ni * sizeof *ld2u);
        o.precision = JG_NET_DOUBLE;
        o.backend = (int)k;
        ck_assert_msg(jg_net_open(n.spec_path, &o, &lib) == JG_NET_OK, "%s", jg_net_errmsg(lib));
        ck_assert_int_eq(jg_net_hessian(lib, np, x, lu, ldu, ld2u), JG_NET_OK);
        ck_assert_msg(memcmp(lu, u, np * no * sizeof *u) == 0 && memcmp(ldu, du, np * no * ni * sizeof *du) == 0
                      && memcmp(ld2u, d2u, np * no * ni * ni * sizeof *d2u) == 0,
                      "net %d, %s: not the bits of the checked code", which, k ? "executor" : "JIT");
        ck_assert_int_eq(jg_net_hessian_diag(lib, np, x, NULL, NULL, ld2u), JG_NET_OK);
        ck_assert(memcmp(ld2u, dg, np * no * ni * sizeof *dg) == 0);
        ck_assert_int_eq(jg_net_laplacian(lib, np, x, NULL, NULL, ld2u), JG_NET_OK);
        ck_assert(memcmp(ld2u, lap, np * no * sizeof *lap) == 0);
        free(lu);
        free(ldu);
        free(ld2u);
        jg_net_free(lib);
    }

    if (which % 4 == 0) {      /* the emitted file, compiled by gcc, agrees */
        ck_assert_msg(tu_net_cc(&cc, m, "gcc -std=c99 -O2 -march=native -Wall -Wextra -pedantic -Werror", "lay",
                                msg, sizeof msg) == 0, "%s", msg);
        cc.hessian(np, x, u2, du2, d2u2);
        ck_assert(tu_normwise(u2, u, np * no) <= 1e-13);
        ck_assert(tu_normwise(du2, du, np * no * ni) <= 1e-13);
        ck_assert(tu_normwise(d2u2, d2u, np * no * ni * ni) <= 1e-13);
        cc.laplacian(np, x, u2, du2, d2u2);
        ck_assert(tu_normwise(d2u2, lap, np * no) <= 1e-13);
        tu_net_free(&cc);
    }
    tu_net_free(&jit);
    jg_model_free(m);
    jg_diag_free(&d);
    free(u);
    free(du);
    free(d2u);
    free(dg);
    free(lap);
    free(u2);
    free(du2);
    free(d2u2);
}

START_TEST(random_network_matches_oracle)
{
    int i;
    for (i = tu_first_case(_i); i < 4 * N_ACTS; i = tu_next_case(i, 4 * N_ACTS))
        random_network_matches_oracle_case(i);
}
END_TEST

/* jg_plan_refill after the model's tensors change gives the arrays a new
   plan of the changed model has, bit for bit, in both kinds of plan (the
   tape plan of training and the forward's, each with points in lanes
   where they suit): random networks with every
   kind of array (dense weights and biases, Fourier's [B; B], scale's mul
   and add). */
START_TEST(plan_refill_matches_a_new_plan)
{
    int seed, tape, prec;
    for (seed = 0; seed < 24; seed++) {
        net n;
        jg_diag d = JG_DIAG_INIT;
        jg_model *m;
        size_t i, k;
        make_net(&n, 300 + seed, seed % N_ACTS);
        m = jg_load(n.spec_path, &d);
        ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
        for (tape = 0; tape < 4; tape++)     /* flags: JG_PLAN_TAPE, JG_PLAN_LANES */
            for (prec = 0; prec < 2; prec++) {
                jg_plan *p = jg_plan_make_for(m, prec ? JG_FLOAT : JG_DOUBLE, tape, &d), *q;
                ck_assert(p != NULL);
                for (i = 0; i < m->n_layers; i++) {     /* new numbers, in place */
                    jg_layer *l = &m->layers[i];
                    const size_t nw = l->kind == JG_FOURIER ? l->n_out / 2 * l->n_in
                                    : l->kind == JG_SCALE ? l->n_out : l->n_out * l->n_in;
                    for (k = 0; l->w != NULL && (l->kind == JG_DENSE || l->kind == JG_FOURIER
                                                 || l->kind == JG_SCALE) && k < nw; k++)
                        l->w[k] = 0.75 * l->w[k] + 0.125 * (double)(k % 5);
                    for (k = 0; l->b != NULL && (l->kind == JG_DENSE || l->kind == JG_SCALE) && k < l->n_out; k++)
                        l->b[k] = -0.5 * l->b[k] + 0.25;
                }
                jg_plan_refill(p);
                q = jg_plan_make_for(m, prec ? JG_FLOAT : JG_DOUBLE, tape, &d);
                ck_assert(q != NULL && q->n_arrays == p->n_arrays);
                for (k = 0; k < p->n_arrays; k++) {
                    ck_assert(p->arrays[k].len == q->arrays[k].len);
                    ck_assert_msg(memcmp(p->arrays[k].v, q->arrays[k].v, p->arrays[k].len * sizeof(double)) == 0,
                                  "net %d (tape %d, float %d): array %zu (%s %s) differs after refill", seed, tape,
                                  prec, k, p->arrays[k].tensor ? p->arrays[k].tensor : "-", p->arrays[k].role);
                }
                jg_plan_free(p);
                jg_plan_free(q);
            }
        jg_model_free(m);
        jg_diag_free(&d);
    }
}
END_TEST


/* The plan keeps points in lanes for the networks where they pay
   (gen/plan.h, JG_PLAN_LANES): a narrow network's forward and tape; a
   tape of layers that fill whole rows keeps rows; many inputs' Hessian
   channels (a tile's buffer past JG_LANES_BUFFER) keep rows; so do a
   scale layer and a broadcast, which the lanes kernels do not have. */
START_TEST(lanes_only_where_they_pay)
{
    static const struct {
        int n_in, width;
        const char *extra;      /* a last line before the output layer */
        int forward, tape;      /* lanes expected in the double plans */
    } cases[] = {
        {2, 20, "", 1, 1},              /* 20 of 24 doubles a row: lanes */
        {3, 64, "", 1, 0},              /* 64 fill rows: the tape keeps them ([3,64x3,1]) */
        {24, 16, "", 0, 0},             /* 325 channels x 16 x 256 bytes: past 1 MB */
        {2, 20, "scale 2 1\n", 0, 0},   /* no scale kernel in lanes */
        {2, 20, "mul", 0, 0},           /* a layer times one neuron of it: a broadcast */
    };
    static double w[64 * 64];
    char dir[512], path[1024];
    size_t c;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char spec[1024], names[3][32];
        tu_tensor t[3];
        jg_diag d = JG_DIAG_INIT;
        jg_model *m;
        jg_plan *fwd, *tape;
        const int wd = cases[c].width;
        size_t k;
        for (k = 0; k < 3; k++) {
            snprintf(names[k], sizeof names[k], "l%zu.weight", k);
            t[k].name = names[k];
            t[k].dtype = "F64";
            t[k].rank = 2;
            t[k].shape[0] = k == 2 ? 1 : (size_t)wd;
            t[k].shape[1] = k == 0 ? (size_t)cases[c].n_in : (size_t)wd;
            t[k].data = w;
        }
        tu_write_safetensors(tu_path(dir, "lanes.safetensors"), t, 3);
        snprintf(spec, sizeof spec, "input %d\nweights lanes.safetensors\ndense %d l0\ntanh\n"
                 "dense %d l1\nsigmoid\ndense %d l1\ntanh\n%sdense 1 l2\n", cases[c].n_in, wd, wd, wd,
                 strstr(cases[c].extra, "mul") != NULL ? "" : cases[c].extra);
        if (strstr(cases[c].extra, "mul") != NULL)     /* a product of a layer and one neuron of it */
            snprintf(spec, sizeof spec, "format 3\ninput x y\nweights lanes.safetensors\nh0 = matmul %d l0.weight input\n"
                     "h = tanh h0\ng0 = matmul %d l1.weight h\ng1 = sigmoid g0\ns = slice g1 0 1\n"
                     "g = mul g1 s\nu = matmul 1 l2.weight g\noutput u\n", wd, wd);
        snprintf(path, sizeof path, "%s/lanes.spec", dir);
        tu_write_file(path, spec, strlen(spec));
        m = jg_load(path, &d);
        ck_assert_msg(m != NULL, "case %zu: %s", c, jg_buf_str(&d.text));
        fwd = jg_plan_make_for(m, JG_DOUBLE, JG_PLAN_LANES, &d);
        tape = jg_plan_make_for(m, JG_DOUBLE, JG_PLAN_LANES | JG_PLAN_TAPE, &d);
        ck_assert(fwd != NULL && tape != NULL);
        ck_assert_msg((fwd->lane_points > 0) == cases[c].forward && (tape->lane_points > 0) == cases[c].tape,
                      "case %zu: lanes in the forward %zu, the tape %zu", c, fwd->lane_points, tape->lane_points);
        jg_plan_free(fwd);
        jg_plan_free(tape);
        jg_model_free(m);
        jg_diag_free(&d);
    }
}
END_TEST

/* The handle's list of tensors (jg_net_n_tensors and its kin, made at
   load from the layers) is the reverse sweep's gradient layout, name,
   count and offset, on random networks of every array kind. */
START_TEST(tensor_list_is_the_gradients_layout)
{
    int seed;
    for (seed = 0; seed < 24; seed++) {
        net n;
        jg_diag d = JG_DIAG_INIT;
        jg_model *m;
        jg_grad *g;
        jg_net *lib = NULL;
        size_t i;
        make_net(&n, 400 + seed, seed % N_ACTS);
        m = jg_load(n.spec_path, &d);
        ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
        g = jg_grad_new(m, 0, &d);
        ck_assert(g != NULL);
        ck_assert_msg(jg_net_load(n.spec_path, &lib) == JG_NET_OK, "%s", jg_net_errmsg(lib));
        ck_assert_uint_eq(jg_net_n_tensors(lib), jg_grad_n_tensors(g));
        ck_assert_uint_eq(jg_net_n_grad(lib), jg_grad_n_params(g));
        for (i = 0; i < jg_grad_n_tensors(g); i++) {
            ck_assert_str_eq(jg_net_tensor_name(lib, i), jg_grad_tensor_name(g, i));
            ck_assert_uint_eq(jg_net_tensor_count(lib, i), jg_grad_tensor_count(g, i));
            ck_assert_uint_eq(jg_net_tensor_offset(lib, i), jg_grad_tensor_offset(g, i));
        }
        ck_assert(jg_net_tensor_name(lib, i) == NULL && jg_net_tensor_count(lib, i) == 0);
        jg_net_free(lib);
        jg_grad_free(g);
        jg_model_free(m);
        jg_diag_free(&d);
    }
}
END_TEST

/* Every kernel in one network, emitted in double and float, compiles with
   no warning under gcc, clang, g++ and tcc; so does a graph of every
   format-3 statement (tests/golden/graph.spec: copy, add, mul, offsets). */
START_TEST(every_kernel_compiles_cleanly)
{
    static const char *const compilers[] = {
        "gcc -std=c99 -Wall -Wextra -pedantic -Werror", "clang -std=c99 -Wall -Wextra -pedantic -Werror",
        "g++ -x c++ -Wall -Wextra -pedantic -Werror", "tcc -Wall -Werror"};
    static double w1[8 * 2], w2[8 * 8], bb[4 * 8];
    const char *dir = tu_tmpdir();
    char spec[4096], cmd[8192], c_path[1024];
    tu_tensor t[3];
    size_t len = 0, c;
    int a, prec;
    t[0].name = "l1.weight";
    t[1].name = "l2.weight";
    t[2].name = "ff";
    t[0].dtype = t[1].dtype = t[2].dtype = "F64";
    t[0].rank = t[1].rank = t[2].rank = 2;
    t[0].shape[0] = 8;
    t[0].shape[1] = 2;
    t[1].shape[0] = t[1].shape[1] = 8;
    t[2].shape[0] = 4;
    t[2].shape[1] = 8;
    t[0].data = w1;
    t[1].data = w2;
    t[2].data = bb;
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, 3);
    len += (size_t)sprintf(spec, "input x y\nweights w.safetensors\nscale 0.5 -1\ndense 8 l1\nresidual\n");
    for (a = 0; a < N_ACTS; a++)
        len += (size_t)sprintf(spec + len, "%s\n", act_name[a]);
    len += (size_t)sprintf(spec + len, "end\nfourier 4 ff\ndense 8 l2\n");
    tu_write_file(tu_path(dir, "m.spec"), spec, len);
    for (prec = 0; prec < 4; prec++) {
        char spec_path[1024];
        if (prec < 2)
            snprintf(spec_path, sizeof spec_path, "%s/m.spec", dir);
        else
            snprintf(spec_path, sizeof spec_path, "%s/tests/golden/graph.spec", getenv("JG_SOURCE_ROOT"));
        snprintf(c_path, sizeof c_path, "%s/m%d.c", dir, prec);
        snprintf(cmd, sizeof cmd, "'%s' emit '%s' -o '%s' --precision %s --hessian full,diag,laplacian "
                 "2>/dev/null", getenv("JETGEN"), spec_path, c_path, prec % 2 ? "float" : "double");
        ck_assert_msg(tu_run(cmd) == 0, "%s", cmd);
        for (c = 0; c < sizeof compilers / sizeof compilers[0]; c++) {
            snprintf(cmd, sizeof cmd, "%s -c '%s' -o '%s/m.o' 2>'%s/cc.log'", compilers[c], c_path, dir, dir);
            if (tu_run(cmd) != 0) {
                char *log = tu_read_file(tu_path(dir, "cc.log"), NULL);
                ck_abort_msg("%s\n%s", cmd, log ? log : "");
            }
        }
    }
}
END_TEST

/* Each activation alone (dense, it, dense) emitted in double compiles with
   no warning under every compiler: a kernel must not bring helpers it does
   not call (clang warns about an unused static inline function). Run once,
   not per instruction set. */
START_TEST(each_activation_alone_compiles_cleanly)
{
    static const char *const compilers[] = {
        "gcc -std=c99 -Wall -Wextra -pedantic -Werror", "clang -std=c99 -Wall -Wextra -pedantic -Werror",
        "tcc -Wall -Werror", "g++ -x c++ -Wall -Wextra -pedantic -Werror"};
    static const double w1[8] = {0.5, -0.25, 0.125, 1.0, -1.0, 2.0, 0.75, -0.5};
    const char *dir = tu_tmpdir();
    char spec[512], cmd[4096], c_path[1024];
    tu_tensor t[2] = {{"a.weight", "F64", 2, {4, 1, 0, 0}, w1}, {"b.weight", "F64", 2, {1, 4, 0, 0}, w1}};
    size_t c;
    int len;
    if (getenv("JETGEN_ISA") != NULL)
        return;
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, 2);
    len = snprintf(spec, sizeof spec, "input 1\nweights w.safetensors\ndense 4 a\n%s\ndense 1 b\n",
                   act_name[_i]);
    tu_write_file(tu_path(dir, "a.spec"), spec, (size_t)len);
    snprintf(c_path, sizeof c_path, "%s/a.c", dir);
    snprintf(cmd, sizeof cmd, "'%s' emit '%s/a.spec' -o '%s' --hessian full,diag,laplacian 2>/dev/null",
             getenv("JETGEN"), dir, c_path);
    ck_assert_msg(tu_run(cmd) == 0, "%s", cmd);
    for (c = 0; c < sizeof compilers / sizeof compilers[0]; c++) {
        snprintf(cmd, sizeof cmd, "%s -c '%s' -o '%s/a.o' 2>'%s/cc.log'", compilers[c], c_path, dir, dir);
        if (tu_run(cmd) != 0) {
            char *log = tu_read_file(tu_path(dir, "cc.log"), NULL);
            ck_abort_msg("%s alone: %s\n%s", act_name[_i], cmd, log ? log : "");
        }
    }
}
END_TEST

/* A network with `over` but no activation and no product reads no over
   list: none is emitted (gcc warned of an unused constant; found by
   fuzz/differential.py). */
START_TEST(linear_network_with_over_compiles_cleanly)
{
    static const char *const compilers[] = {
        "gcc -std=c99 -Wall -Wextra -pedantic -Werror", "clang -std=c99 -Wall -Wextra -pedantic -Werror",
        "tcc -Wall -Werror", "g++ -x c++ -Wall -Wextra -pedantic -Werror"};
    static const double w1[12] = {0.5, -0.25, 0.125, 1.0, -1.0, 2.0, 0.75, -0.5, 0.25, 0.5, 1.5, -2.0};
    static const char spec[] = "input x y t\nweights w.safetensors\nover x 2\ndense 4 a\nscale 2 1\n"
                               "dense 1 b\n";
    const char *dir = tu_tmpdir();
    char cmd[4096], c_path[1024];
    tu_tensor t[2] = {{"a.weight", "F64", 2, {4, 3, 0, 0}, w1}, {"b.weight", "F64", 2, {1, 4, 0, 0}, w1}};
    size_t c;
    int prec;
    if (getenv("JETGEN_ISA") != NULL)
        return;
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, 2);
    tu_write_file(tu_path(dir, "l.spec"), spec, sizeof spec - 1);
    for (prec = 0; prec < 2; prec++) {
        snprintf(c_path, sizeof c_path, "%s/l%d.c", dir, prec);
        snprintf(cmd, sizeof cmd, "'%s' emit '%s/l.spec' -o '%s' --precision %s --hessian full,diag,laplacian "
                 "2>/dev/null", getenv("JETGEN"), dir, c_path, prec ? "float" : "double");
        ck_assert_msg(tu_run(cmd) == 0, "%s", cmd);
        for (c = 0; c < sizeof compilers / sizeof compilers[0]; c++) {
            snprintf(cmd, sizeof cmd, "%s -c '%s' -o '%s/l.o' 2>'%s/cc.log'", compilers[c], c_path, dir, dir);
            if (tu_run(cmd) != 0) {
                char *log = tu_read_file(tu_path(dir, "cc.log"), NULL);
                ck_abort_msg("%s\n%s", cmd, log ? log : "");
            }
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("layers");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, activations_match_definitions, 0, 2 * N_ACTS);
    tcase_add_loop_test(tc, third_derivatives_match_differences, 0, 2 * N_ACTS);
    tcase_add_loop_test(tc, random_network_matches_oracle, 0, tu_case_runs(4 * N_ACTS));
    tcase_add_test(tc, plan_refill_matches_a_new_plan);
    tcase_add_test(tc, tensor_list_is_the_gradients_layout);
    tcase_add_test(tc, lanes_only_where_they_pay);
    tcase_add_test(tc, every_kernel_compiles_cleanly);
    tcase_add_loop_test(tc, each_activation_alone_compiles_cleanly, 0, N_ACTS);
    tcase_add_test(tc, linear_network_with_over_compiles_cleanly);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
