/* taylor.c: the network in long double on truncated Taylor polynomials
   (see taylor.h). Written from the definitions in docs/spec.md and the
   SERIES column of gen/activations.h, not from templates/: it shares no
   code with what it checks, nor with gen/fdiff.c's differences. */
#include "taylor.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "activations.h"
#include "mem.h"

/* The rounding error of a coefficient relative to the sum of the
   magnitudes of what was summed into it, a layer: 16 units in the last
   place (long double's); an estimate, not a bound. */
#define TEPS (16.0L * LDBL_EPSILON)
/* The mixed-radix table that finds a monomial from its powers may have at
   most this many entries ((order + 1)^vars). */
#define MAX_KEYS (1u << 20)

/* ---- univariate series: s(z0 + h) = sum c[k] h^k, k <= order ----
   Each operation takes a slot of the arena for its result; the SERIES
   column of an activation is an expression of them (the S_ words below),
   on Z, the series of z0 + h. The recurrences are the classical ones of
   Taylor arithmetic (Griewank and Walther, "Evaluating Derivatives", ch.
   13): for r = f(a) with r' = g a', r_k = (1/k) sum_j j a_j g_(k-j). */

#define LEN (JG_TAYLOR_MAX_ORDER + 1)
#define SLOTS 32

typedef struct arena {
    long double slot[SLOTS][LEN];
    int used, k, full;
} arena;

static long double *take(arena *T)
{
    if (T->used == SLOTS) {         /* an expression deeper than SLOTS: a bug, said by the tests */
        T->full = 1;
        return T->slot[SLOTS - 1];
    }
    memset(T->slot[T->used], 0, sizeof T->slot[0]);
    return T->slot[T->used++];
}

static const long double *s_const(arena *T, long double c)
{
    long double *r = take(T);
    r[0] = c;
    return r;
}

static const long double *s_scale(arena *T, const long double *a, long double c)
{
    long double *r = take(T);
    int k;
    for (k = 0; k <= T->k; k++)
        r[k] = c * a[k];
    return r;
}

static const long double *s_shift(arena *T, const long double *a, long double c)
{
    long double *r = take(T);
    memcpy(r, a, sizeof T->slot[0]);
    r[0] += c;
    return r;
}

static const long double *s_add(arena *T, const long double *a, const long double *b)
{
    long double *r = take(T);
    int k;
    for (k = 0; k <= T->k; k++)
        r[k] = a[k] + b[k];
    return r;
}

static const long double *s_mul(arena *T, const long double *a, const long double *b)
{
    long double *r = take(T);
    int k, j;
    for (k = 0; k <= T->k; k++)
        for (j = 0; j <= k; j++)
            r[k] += a[j] * b[k - j];
    return r;
}

static const long double *s_recip(arena *T, const long double *a)
{
    long double *r = take(T);
    int k, j;
    r[0] = 1.0L / a[0];
    for (k = 1; k <= T->k; k++) {
        long double s = 0.0L;
        for (j = 1; j <= k; j++)
            s += a[j] * r[k - j];
        r[k] = -s / a[0];
    }
    return r;
}

/* r_k = (1/k) sum_{j=1..k} j a_j g_(k-j), given r_0: r' = g a'. */
static void integrate(int order, const long double *a, const long double *g, long double *r)
{
    int k, j;
    for (k = 1; k <= order; k++) {
        long double s = 0.0L;
        for (j = 1; j <= k; j++)
            s += (long double)j * a[j] * g[k - j];
        r[k] = s / (long double)k;
    }
}

static const long double *s_exp(arena *T, const long double *a)
{
    long double *r = take(T);
    int k, j;
    r[0] = expl(a[0]);
    for (k = 1; k <= T->k; k++) {       /* r' = r a' */
        long double s = 0.0L;
        for (j = 1; j <= k; j++)
            s += (long double)j * a[j] * r[k - j];
        r[k] = s / (long double)k;
    }
    return r;
}

static const long double *s_expm1(arena *T, const long double *a)
{
    const long double *e = s_exp(T, a);
    long double *r = take(T);
    memcpy(r, e, sizeof T->slot[0]);
    r[0] = expm1l(a[0]);
    return r;
}

static const long double *s_log1p(arena *T, const long double *a)
{
    long double *r = take(T);
    const long double b0 = 1.0L + a[0];
    int k, j;
    r[0] = log1pl(a[0]);
    for (k = 1; k <= T->k; k++) {       /* (1 + a) r' = a' */
        long double s = 0.0L;
        for (j = 1; j < k; j++)
            s += (long double)j * r[j] * a[k - j];
        r[k] = (a[k] - s / (long double)k) / b0;
    }
    return r;
}

static const long double *s_tanh(arena *T, const long double *a)
{
    long double *r = take(T), *w = take(T);     /* w = 1 - r^2, as r grows */
    const long double ch = coshl(a[0]);
    int k, j, i;
    r[0] = tanhl(a[0]);
    w[0] = 1.0L / (ch * ch);
    for (k = 1; k <= T->k; k++) {       /* r' = (1 - r^2) a' */
        long double s = 0.0L;
        for (j = 1; j <= k; j++)
            s += (long double)j * a[j] * w[k - j];
        r[k] = s / (long double)k;
        for (i = 0, w[k] = 0.0L; i <= k; i++)
            w[k] -= r[i] * r[k - i];
    }
    return r;
}

/* sin a into s, cos a into c. */
static void sincos_of(arena *T, const long double *a, long double *s, long double *c)
{
    int k, j;
    s[0] = sinl(a[0]);
    c[0] = cosl(a[0]);
    for (k = 1; k <= T->k; k++) {       /* s' = c a', c' = -s a' */
        long double ss = 0.0L, cc = 0.0L;
        for (j = 1; j <= k; j++) {
            ss += (long double)j * a[j] * c[k - j];
            cc -= (long double)j * a[j] * s[k - j];
        }
        s[k] = ss / (long double)k;
        c[k] = cc / (long double)k;
    }
}

static const long double *s_sin(arena *T, const long double *a)
{
    long double *s = take(T), *c = take(T);
    sincos_of(T, a, s, c);
    return s;
}

static const long double *s_cos(arena *T, const long double *a)
{
    long double *s = take(T), *c = take(T);
    sincos_of(T, a, s, c);
    return c;
}

/* erf a (sign 1) or erfc a (sign -1): r' = sign 2/sqrt(pi) exp(-a^2) a'. */
static const long double *s_erf_sign(arena *T, const long double *a, int sign)
{
    const long double two_over_sqrt_pi = 1.12837916709551257389615890312154517L;
    const long double *g = s_scale(T, s_exp(T, s_scale(T, s_mul(T, a, a), -1.0L)), sign * two_over_sqrt_pi);
    long double *r = take(T);
    r[0] = sign > 0 ? erfl(a[0]) : erfcl(a[0]);
    integrate(T->k, a, g, r);
    return r;
}

static const long double *s_sqrt(arena *T, const long double *a)
{
    long double *r = take(T);
    int k, j;
    r[0] = sqrtl(a[0]);
    for (k = 1; k <= T->k; k++) {       /* r^2 = a */
        long double s = 0.0L;
        for (j = 1; j < k; j++)
            s += r[j] * r[k - j];
        r[k] = (a[k] - s) / (2.0L * r[0]);
    }
    return r;
}

static const long double *s_acos(arena *T, const long double *a)
{
    /* r' = -a' / sqrt(1 - a^2) */
    const long double *g = s_scale(T, s_recip(T, s_sqrt(T, s_shift(T, s_scale(T, s_mul(T, a, a), -1.0L), 1.0L))),
                                   -1.0L);
    long double *r = take(T);
    r[0] = acosl(a[0]);
    integrate(T->k, a, g, r);
    return r;
}

/* 1 / (1 + e^-a), with e^(-|a_0| ...) only: e^-a / ... never overflows. */
static const long double *s_logistic(arena *T, const long double *a)
{
    if (a[0] >= 0)
        return s_recip(T, s_shift(T, s_exp(T, s_scale(T, a, -1.0L)), 1.0L));
    {
        const long double *e = s_exp(T, a);
        return s_mul(T, e, s_recip(T, s_shift(T, e, 1.0L)));
    }
}

/* |a| on a's piece (a_0 < 0: -a). */
static const long double *s_abs(arena *T, const long double *a)
{
    return a[0] < 0 ? s_scale(T, a, -1.0L) : a;
}

static const long double *s_powi(arena *T, const long double *a, int n)
{
    const long double *r = s_const(T, 1.0L), *b = a;
    int e = n < 0 ? -n : n;
    for (; e > 0; e >>= 1) {
        if (e & 1)
            r = s_mul(T, r, b);
        if (e > 1)
            b = s_mul(T, b, b);
    }
    return n < 0 ? s_recip(T, r) : r;
}

/* The words of the SERIES column. */
#define S_CONST(c) s_const(T, (c))
#define S_SCALE(a, c) s_scale(T, (a), (c))
#define S_SHIFT(a, c) s_shift(T, (a), (c))
#define S_ADD(a, b) s_add(T, (a), (b))
#define S_MUL(a, b) s_mul(T, (a), (b))
#define S_RECIP(a) s_recip(T, (a))
#define S_EXP(a) s_exp(T, (a))
#define S_EXPM1(a) s_expm1(T, (a))
#define S_LOG1P(a) s_log1p(T, (a))
#define S_TANH(a) s_tanh(T, (a))
#define S_SIN(a) s_sin(T, (a))
#define S_COS(a) s_cos(T, (a))
#define S_ERF(a) s_erf_sign(T, (a), 1)
#define S_ERFC(a) s_erf_sign(T, (a), -1)
#define S_SQRT(a) s_sqrt(T, (a))
#define S_ACOS(a) s_acos(T, (a))
#define S_ABS(a) s_abs(T, (a))
#define S_LOGISTIC(a) s_logistic(T, (a))
#define S_POWI(a, n) s_powi(T, (a), (n))

/* The series of activation act at z (the arena's order), NULL for an
   index out of the registry. */
static const long double *activation_series(arena *T, int act, long double p, long double q, long double z)
{
    long double *Z = take(T);
    Z[0] = z;
    if (T->k >= 1)
        Z[1] = 1.0L;
    switch (act) {
#define T_ROW(name, np, p0, d0, p1, d1, pl, valid, needs, torch, formula, value, piece, series) \
    case JG_ACT_##name:                                                                         \
        return (series);
        JG_ACTIVATIONS(T_ROW)
#undef T_ROW
    }
    (void)p, (void)q;
    return NULL;
}

int jg_taylor_activation(int act, long double p, long double q, long double z, int order, long double *c)
{
    arena T;
    const long double *r;
    if (order < 0 || order > JG_TAYLOR_MAX_ORDER)
        return -1;
    T.used = T.full = 0;
    T.k = order;
    r = activation_series(&T, act, p, q, z);
    if (r == NULL || T.full)
        return -1;
    memcpy(c, r, (size_t)(order + 1) * sizeof *c);
    return 0;
}

/* ---- polynomials in the chosen inputs ---- */

typedef struct product {
    unsigned i, j, k;               /* term i times term j adds to term k */
} product;

struct jg_taylor {
    const jg_model *m;
    size_t n_vars, vars[JG_TAYLOR_MAX_VARS];
    int order;
    size_t n_terms;
    unsigned char *pow;             /* [n_terms][n_vars] */
    long double *fact;              /* [n_terms]: the product of the powers' factorials */
    size_t n_products;
    product *products;
    size_t *at;                     /* [n_layers + 1]: where each value starts, in neurons */
    long double *val, *mag;         /* [neurons][n_terms]: coefficients, and the sums of the
                                       magnitudes of what went into them */
    long double *tmp;               /* [6][n_terms]: scratch */
};

static size_t key_of(const jg_taylor *t, const unsigned char *pow)
{
    size_t v, key = 0;
    for (v = 0; v < t->n_vars; v++)
        key = key * (size_t)(t->order + 1) + pow[v];
    return key;
}

/* The exponent vectors of total degree <= order, degree by degree: into
   t->pow (when not NULL); returns their count. */
static size_t enumerate(jg_taylor *t, unsigned char *pow)
{
    unsigned char e[JG_TAYLOR_MAX_VARS];
    size_t n = 0, v, keys = 1;
    int d;
    for (v = 0; v < t->n_vars; v++)
        keys *= (size_t)(t->order + 1);
    for (d = 0; d <= t->order; d++) {
        size_t key;
        for (key = 0; key < keys; key++) {      /* every vector in the box, those of degree d */
            size_t r = key;
            int sum = 0;
            for (v = t->n_vars; v-- > 0;) {
                e[v] = (unsigned char)(r % (size_t)(t->order + 1));
                r /= (size_t)(t->order + 1);
                sum += e[v];
            }
            if (sum != d)
                continue;
            if (pow != NULL)
                memcpy(pow + n * t->n_vars, e, t->n_vars);
            n++;
        }
    }
    return n;
}

jg_taylor *jg_taylor_new(const jg_model *m, size_t n_vars, const size_t *vars, int order)
{
    jg_taylor *t;
    size_t i, j, v, keys = 1, total, *where = NULL;
    int overflow = 0;
    if (n_vars > JG_TAYLOR_MAX_VARS || order < 0 || order > JG_TAYLOR_MAX_ORDER)
        return NULL;
    for (v = 0; v < n_vars; v++) {
        if (vars[v] >= m->n_in)
            return NULL;
        for (j = 0; j < v; j++)
            if (vars[j] == vars[v])
                return NULL;
        keys *= (size_t)(order + 1);
        if (keys > MAX_KEYS)
            return NULL;
    }
    if ((t = (jg_taylor *)jg_malloc(sizeof *t)) == NULL)
        return NULL;
    memset(t, 0, sizeof *t);
    t->m = m;
    t->n_vars = n_vars;
    memcpy(t->vars, vars, n_vars * sizeof *vars);
    t->order = order;
    t->n_terms = enumerate(t, NULL);
    t->pow = (unsigned char *)jg_malloc(jg_mul(t->n_terms, n_vars + 1, &overflow));
    t->fact = (long double *)jg_malloc(jg_mul(t->n_terms, sizeof *t->fact, &overflow));
    where = (size_t *)jg_malloc(jg_mul(keys, sizeof *where, &overflow));
    t->at = (size_t *)jg_malloc(jg_mul(m->n_layers + 1, sizeof *t->at, &overflow));
    t->tmp = (long double *)jg_malloc(jg_mul(jg_mul(6, t->n_terms, &overflow), sizeof *t->tmp, &overflow));
    if (overflow || t->pow == NULL || t->fact == NULL || where == NULL || t->at == NULL || t->tmp == NULL)
        goto oom;
    enumerate(t, t->pow);
    for (i = 0; i < t->n_terms; i++) {
        const unsigned char *e = t->pow + i * n_vars;
        t->fact[i] = 1.0L;
        for (v = 0; v < n_vars; v++)
            for (j = 2; j <= e[v]; j++)
                t->fact[i] *= (long double)j;
        where[key_of(t, e)] = i;
    }
    /* the products of two terms within the order */
    for (i = 0; i < t->n_terms; i++)
        for (j = 0; j < t->n_terms; j++) {
            int d = 0;
            for (v = 0; v < n_vars; v++)
                d += t->pow[i * n_vars + v] + t->pow[j * n_vars + v];
            t->n_products += d <= order;
        }
    t->products = (product *)jg_malloc(jg_mul(t->n_products + 1, sizeof *t->products, &overflow));
    if (t->products == NULL || overflow)
        goto oom;
    t->n_products = 0;
    for (i = 0; i < t->n_terms; i++)
        for (j = 0; j < t->n_terms; j++) {
            unsigned char e[JG_TAYLOR_MAX_VARS];
            int d = 0;
            for (v = 0; v < n_vars; v++) {
                e[v] = (unsigned char)(t->pow[i * n_vars + v] + t->pow[j * n_vars + v]);
                d += e[v];
            }
            if (d > order)
                continue;
            t->products[t->n_products].i = (unsigned)i;
            t->products[t->n_products].j = (unsigned)j;
            t->products[t->n_products].k = (unsigned)where[key_of(t, e)];
            t->n_products++;
        }
    total = m->n_in;
    t->at[0] = 0;
    for (i = 0; i < m->n_layers; i++) {
        t->at[i + 1] = total;
        total += m->layers[i].n_out;
        overflow |= total < m->layers[i].n_out;
    }
    t->val = (long double *)jg_malloc(jg_mul(jg_mul(total, t->n_terms, &overflow), sizeof *t->val, &overflow));
    t->mag = (long double *)jg_malloc(jg_mul(jg_mul(total, t->n_terms, &overflow), sizeof *t->mag, &overflow));
    if (overflow || t->val == NULL || t->mag == NULL)
        goto oom;
    jg_free(where);
    return t;
oom:
    jg_free(where);
    jg_taylor_free(t);
    return NULL;
}

void jg_taylor_free(jg_taylor *t)
{
    if (t == NULL)
        return;
    jg_free(t->pow);
    jg_free(t->fact);
    jg_free(t->products);
    jg_free(t->at);
    jg_free(t->val);
    jg_free(t->mag);
    jg_free(t->tmp);
    jg_free(t);
}

size_t jg_taylor_n_terms(const jg_taylor *t)
{
    return t->n_terms;
}

size_t jg_taylor_term_at(const jg_taylor *t, const unsigned char *pow)
{
    size_t i;
    for (i = 0; i < t->n_terms; i++)
        if (memcmp(t->pow + i * t->n_vars, pow, t->n_vars) == 0)
            return i;
    return (size_t)-1;
}

const unsigned char *jg_taylor_powers(const jg_taylor *t, size_t i)
{
    return t->pow + i * t->n_vars;
}

/* r = a b (r distinct from a and b), and its magnitudes from a's and b's. */
static void poly_mul(const jg_taylor *t, const long double *a, const long double *am, const long double *b,
                     const long double *bm, long double *r, long double *rm)
{
    size_t k;
    memset(r, 0, t->n_terms * sizeof *r);
    memset(rm, 0, t->n_terms * sizeof *rm);
    for (k = 0; k < t->n_products; k++) {
        const product *p = &t->products[k];
        r[p->k] += a[p->i] * b[p->j];
        rm[p->k] += am[p->i] * bm[p->j];
    }
}

/* r = f(a), f's series c[0 .. order] at a's constant term: the sum of
   c_k (a - a_0)^k by Horner's rule on the polynomials. */
static void compose(const jg_taylor *t, const long double *c, const long double *a, const long double *am,
                    long double *r, long double *rm)
{
    const size_t n = t->n_terms;
    long double *d = t->tmp, *dm = d + n, *s = dm + n, *sm = s + n;
    int k;
    memcpy(d, a, n * sizeof *d);
    memcpy(dm, am, n * sizeof *dm);
    d[0] = dm[0] = 0.0L;
    memset(r, 0, n * sizeof *r);
    memset(rm, 0, n * sizeof *rm);
    r[0] = c[t->order];
    rm[0] = fabsl(c[t->order]);
    for (k = t->order - 1; k >= 0; k--) {
        poly_mul(t, r, rm, d, dm, s, sm);
        memcpy(r, s, n * sizeof *r);
        memcpy(rm, sm, n * sizeof *rm);
        r[0] += c[k];
        rm[0] += fabsl(c[k]);
    }
}

int jg_taylor_partials(jg_taylor *t, const double *x, long double *d, long double *err)
{
    const jg_model *m = t->m;
    const size_t n = t->n_terms;
    size_t i, j, k, c, v;
    arena T;
    T.used = T.full = 0;
    T.k = t->order;
    /* the input: x + the chosen inputs' first-degree terms */
    memset(t->val, 0, m->n_in * n * sizeof *t->val);
    for (i = 0; i < m->n_in; i++) {
        t->val[i * n] = (long double)x[i];
        for (c = 0; c < n; c++)
            t->mag[i * n + c] = fabsl(t->val[i * n + c]);
    }
    for (v = 0; v < t->n_vars && t->order >= 1; v++) {
        unsigned char e[JG_TAYLOR_MAX_VARS] = {0};
        e[v] = 1;
        k = jg_taylor_term_at(t, e);
        t->val[t->vars[v] * n + k] = t->mag[t->vars[v] * n + k] = 1.0L;
    }
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        long double *z = t->val + t->at[i + 1] * n, *zm = t->mag + t->at[i + 1] * n;
        const long double *a = t->val + t->at[l->arg[0]] * n, *am = t->mag + t->at[l->arg[0]] * n;
        const long double *b = l->n_args > 1 ? t->val + t->at[l->arg[1]] * n : NULL;
        const long double *bm = l->n_args > 1 ? t->mag + t->at[l->arg[1]] * n : NULL;
        /* a one-wide operand stands for every component (broadcast) */
        const size_t sa = jg_model_width(m, l->arg[0]) == 1 ? 0 : 1;
        const size_t sb = b == NULL ? 0 : jg_model_width(m, l->arg[1]) == 1 ? 0 : 1;
        switch (l->kind) {
        case JG_DENSE:
        case JG_MATMUL:
        case JG_FOURIER: {
            const size_t rows = jg_layer_rows(l);
            for (j = 0; j < rows; j++) {
                long double *s = l->kind == JG_FOURIER ? t->tmp + 4 * n : z + j * n;
                long double *sm = l->kind == JG_FOURIER ? t->tmp + 5 * n : zm + j * n;
                for (c = 0; c < n; c++) {
                    long double acc = 0.0L, accm = 0.0L;
                    for (k = 0; k < l->n_in; k++) {
                        const long double w = (long double)l->w[j * l->n_in + k];
                        acc += w * a[k * n + c];
                        accm += fabsl(w) * am[k * n + c];
                    }
                    s[c] = acc;
                    sm[c] = accm;
                }
                if (l->kind != JG_FOURIER && l->b != NULL) {
                    s[0] += (long double)l->b[j];
                    sm[0] += fabsl((long double)l->b[j]);
                }
                if (l->kind == JG_FOURIER) {    /* [sin s, cos s] */
                    long double sc[2][LEN];
                    sincos_of(&T, (const long double[LEN]){s[0], 1.0L}, sc[0], sc[1]);
                    compose(t, sc[0], s, sm, z + j * n, zm + j * n);
                    compose(t, sc[1], s, sm, z + (rows + j) * n, zm + (rows + j) * n);
                }
            }
            break;
        }
        case JG_SCALE:
            for (j = 0; j < l->n_out; j++)
                for (c = 0; c < n; c++) {
                    z[j * n + c] = (long double)l->w[j] * a[j * n + c];
                    zm[j * n + c] = fabsl((long double)l->w[j]) * am[j * n + c];
                    if (c == 0) {
                        z[j * n] += (long double)l->b[j];
                        zm[j * n] += fabsl((long double)l->b[j]);
                    }
                }
            break;
        case JG_RESIDUAL:
        case JG_IDENTITY:
        case JG_SLICE: {
            const size_t off = l->kind == JG_SLICE ? l->off : 0;
            memcpy(z, a + off * n, l->n_out * n * sizeof *z);
            memcpy(zm, am + off * n, l->n_out * n * sizeof *zm);
            break;
        }
        case JG_END:
        case JG_ADD: {
            const long double f = l->kind == JG_ADD ? (long double)l->param[0] : 1.0L;
            for (j = 0; j < l->n_out; j++)
                for (c = 0; c < n; c++) {
                    z[j * n + c] = a[j * sa * n + c] + f * b[j * sb * n + c];
                    zm[j * n + c] = am[j * sa * n + c] + fabsl(f) * bm[j * sb * n + c];
                }
            break;
        }
        case JG_MUL:
            for (j = 0; j < l->n_out; j++)
                poly_mul(t, a + j * sa * n, am + j * sa * n, b + j * sb * n, bm + j * sb * n, z + j * n, zm + j * n);
            break;
        case JG_CAT:
            for (j = 0, k = 0; k < l->n_args; k++) {
                const size_t w = jg_model_width(m, l->arg[k]);
                memcpy(z + j * n, t->val + t->at[l->arg[k]] * n, w * n * sizeof *z);
                memcpy(zm + j * n, t->mag + t->at[l->arg[k]] * n, w * n * sizeof *zm);
                j += w;
            }
            break;
        case JG_ACTIVATION:
            for (j = 0; j < l->n_out; j++) {
                long double cs[LEN];
                if (jg_taylor_activation(l->info->activation, l->param[0], l->param[1], a[j * n], t->order, cs) != 0)
                    return -1;
                compose(t, cs, a + j * n, am + j * n, z + j * n, zm + j * n);
            }
            break;
        }
    }
    for (k = 0; k < m->n_out; k++)
        for (c = 0; c < n; c++) {
            const long double *u = t->val + (t->at[m->output] + k) * n, *um = t->mag + (t->at[m->output] + k) * n;
            d[k * n + c] = u[c] * t->fact[c];
            if (err != NULL)
                err[k * n + c] = um[c] * t->fact[c] * TEPS * (long double)(m->n_layers + 1);
            if (!isfinite(d[k * n + c]))
                return -1;
        }
    return 0;
}
