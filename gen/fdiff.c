/* fdiff.c: the network in long double and its derivatives by differences
   (see fdiff.h). Written from the definitions in docs/spec.md, not from
   templates/: it shares no code with what it checks. */
#include "fdiff.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "activations.h"
#include "mem.h"

/* The rounding error of u in long double, relative to |u|, assumed for the
   error estimates: 64 units in the last place, for the sums of a layer. */
#define FEPS (64.0L * LDBL_EPSILON)

/* The activations, enumerated from the registry (activations.h), whose
   VALUE and PIECE columns are their definitions in long double, from
   PyTorch's documentation: they share nothing with the kernels of
   templates/kernels.c. A_NONE: no activation. */
#define A_ENUM(name, ...) A_##name,
#define A_NAME(name, ...) #name,
typedef enum act { JG_ACTIVATIONS(A_ENUM) A_NONE } act;
static const char *const names[A_NONE] = {JG_ACTIVATIONS(A_NAME)};

struct jg_fdiff {
    const jg_model *m;
    act *act;               /* per layer: A_*, or A_NONE */
    size_t *at;             /* [n_layers + 1]: where each value starts in val */
    long double *val;       /* every value of the network, one after the other */
    long double *xs;        /* [n_in]: a shifted point */
    long double *f[4];      /* [n_out] each: u at the shifted points */
    long double *tab;       /* [3][2][2][JG_FDIFF_LEVELS][n_out]: Romberg tableaux */
    long double *best, *err;    /* [3][n_out]: the tableaux' results */
    unsigned char *side;        /* per value: the piece of its activation at x */
    int watch;                  /* jg_fdiff_eval: 1 records side (at x itself), 2
                                   sets crossed for a value on another piece */
    int crossed;
};

/* The piece of a piecewise activation z is on (its PIECE column: relu,
   leaky_relu, elu, selu at 0; hardtanh at its bounds; softplus where
   beta z passes threshold, a jump; softsign at 0, where s'' jumps; pow
   with n < 0, a pole at 0), where differences whose stencil straddles one
   are no derivative. 0 for the smooth ones. */
static unsigned char piece(act kind, long double p, long double q, long double z)
{
    switch (kind) {
#define A_PIECE(name, np, p0, d0, p1, d1, pl, valid, needs, torch, formula, value, piece, ...) \
    case A_##name:                                                                        \
        return (unsigned char)(piece);
        JG_ACTIVATIONS(A_PIECE)
#undef A_PIECE
    case A_NONE:
        break;
    }
    (void)p, (void)q, (void)z;
    return 0;
}

/* s(z) as PyTorch defines it (its VALUE column), p and q its parameters. */
static long double activate(act kind, long double p, long double q, long double z)
{
    switch (kind) {
#define A_VALUE(name, np, p0, d0, p1, d1, pl, valid, needs, torch, formula, value, ...) \
    case A_##name:                                                                        \
        return (value);
        JG_ACTIVATIONS(A_VALUE)
#undef A_VALUE
    case A_NONE:
        break;
    }
    (void)p, (void)q;
    return z;
}

jg_fdiff *jg_fdiff_new(const jg_model *m)
{
    jg_fdiff *f = (jg_fdiff *)jg_malloc(sizeof *f);
    size_t i, k, no = m->n_out;
    int overflow = 0;
    if (f == NULL)
        return NULL;
    memset(f, 0, sizeof *f);
    f->m = m;
    f->act = (act *)jg_malloc(jg_mul(m->n_layers + 1, sizeof *f->act, &overflow));
    f->at = (size_t *)jg_malloc(jg_mul(m->n_layers + 1, sizeof *f->at, &overflow));
    if (f->at != NULL) {
        size_t total = m->n_in;
        f->at[0] = 0;
        for (i = 0; i < m->n_layers; i++) {
            f->at[i + 1] = total;
            total += m->layers[i].n_out;
            overflow |= total < m->layers[i].n_out;
        }
        f->val = (long double *)jg_malloc(jg_mul(total, sizeof(long double), &overflow));
        f->side = (unsigned char *)jg_malloc(total + 1);
    }
    f->xs = (long double *)jg_malloc(jg_mul(m->n_in, sizeof(long double), &overflow));
    for (k = 0; k < 4; k++)
        f->f[k] = (long double *)jg_malloc(jg_mul(no, sizeof(long double), &overflow));
    f->tab = (long double *)jg_malloc(jg_mul(jg_mul(12 * JG_FDIFF_LEVELS, no, &overflow),
                                             sizeof(long double), &overflow));
    f->best = (long double *)jg_malloc(jg_mul(3 * no, sizeof(long double), &overflow));
    f->err = (long double *)jg_malloc(jg_mul(3 * no, sizeof(long double), &overflow));
    if (overflow || f->act == NULL || f->at == NULL || f->val == NULL || f->side == NULL || f->xs == NULL
        || f->f[0] == NULL || f->f[1] == NULL || f->f[2] == NULL || f->f[3] == NULL || f->tab == NULL
        || f->best == NULL || f->err == NULL) {
        jg_fdiff_free(f);
        return NULL;
    }
    for (i = 0; i < m->n_layers; i++) {
        f->act[i] = A_NONE;
        if (m->layers[i].kind == JG_ACTIVATION)
            for (k = 0; k < A_NONE; k++)
                if (strcmp(m->layers[i].info->keyword, names[k]) == 0)
                    f->act[i] = (act)k;
    }
    return f;
}

void jg_fdiff_free(jg_fdiff *f)
{
    size_t k;
    if (f == NULL)
        return;
    jg_free(f->act);
    jg_free(f->at);
    jg_free(f->val);
    jg_free(f->side);
    jg_free(f->xs);
    for (k = 0; k < 4; k++)
        jg_free(f->f[k]);
    jg_free(f->tab);
    jg_free(f->best);
    jg_free(f->err);
    jg_free(f);
}

void jg_fdiff_eval(jg_fdiff *f, const long double *x, long double *u)
{
    const jg_model *m = f->m;
    size_t i, j, k;
    memcpy(f->val, x, m->n_in * sizeof *f->val);
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        long double *z = f->val + f->at[i + 1];
        const long double *a = f->val + f->at[l->arg[0]];
        const long double *b = l->n_args > 1 ? f->val + f->at[l->arg[1]] : NULL;
        /* a one-wide operand stands for every component (broadcast) */
        const size_t sa = jg_model_width(m, l->arg[0]) == 1 ? 0 : 1;
        const size_t sb = b == NULL ? 0 : jg_model_width(m, l->arg[1]) == 1 ? 0 : 1;
        switch (l->kind) {
        case JG_DENSE:
        case JG_MATMUL:
            for (j = 0; j < l->n_out; j++) {
                long double s = l->b != NULL ? (long double)l->b[j] : 0.0L;
                for (k = 0; k < l->n_in; k++)
                    s += (long double)l->w[j * l->n_in + k] * a[k];
                z[j] = s;
            }
            break;
        case JG_FOURIER:
            for (j = 0; j < l->n_out / 2; j++) {
                long double s = 0.0L;
                for (k = 0; k < l->n_in; k++)
                    s += (long double)l->w[j * l->n_in + k] * a[k];
                z[j] = sinl(s);
                z[l->n_out / 2 + j] = cosl(s);
            }
            break;
        case JG_SCALE:
            for (j = 0; j < l->n_out; j++)
                z[j] = (long double)l->w[j] * a[j] + (long double)l->b[j];
            break;
        case JG_RESIDUAL:
        case JG_IDENTITY:
            memcpy(z, a, l->n_out * sizeof *z);
            break;
        case JG_SLICE:
            memcpy(z, a + l->off, l->n_out * sizeof *z);
            break;
        case JG_END:
        case JG_ADD:
            for (j = 0; j < l->n_out; j++)
                z[j] = a[j * sa] + (l->kind == JG_ADD ? (long double)l->param[0] : 1.0L) * b[j * sb];
            break;
        case JG_MUL:
            for (j = 0; j < l->n_out; j++)
                z[j] = a[j * sa] * b[j * sb];
            break;
        case JG_CAT:
            for (j = 0, k = 0; k < l->n_args; k++) {
                const size_t v = l->arg[k], w = jg_model_width(m, v);
                memcpy(z + j, f->val + f->at[v], w * sizeof *z);
                j += w;
            }
            break;
        case JG_ACTIVATION:
            for (j = 0; j < l->n_out; j++) {
                const unsigned char side = piece(f->act[i], l->param[0], l->param[1], a[j]);
                z[j] = activate(f->act[i], l->param[0], l->param[1], a[j]);
                if (f->watch == 1)
                    f->side[f->at[i + 1] + j] = side;
                else if (f->watch == 2 && side != f->side[f->at[i + 1] + j])
                    f->crossed = 1;
            }
            break;
        }
    }
    memcpy(u, f->val + f->at[m->output], m->n_out * sizeof *u);
}

/* Romberg's tableau for n values at once, fed one step at a time: level L
   gives D(h_L), h_L = H0 / 2^L, whose error is a series in h^2, and r, a
   bound on its rounding error. Column c of a row removes the h^2c term:
   T[L][c] = (4^c T[L][c-1] - T[L-1][c-1]) / (4^c - 1), whose rounding
   error is (4^c r[L][c-1] + r[L-1][c-1]) / (4^c - 1). Each entry is judged
   by its distance to the two it came from (Ridders) plus its rounding
   error; the best so far is kept with that sum as its error estimate. tab
   holds two rows of JG_FDIFF_LEVELS columns of values, then the same of
   rounding errors. */
static void romberg_add(long double *tab, long double *best, long double *err, size_t n, int level,
                        const long double *d, const long double *r)
{
    const size_t row = JG_FDIFF_LEVELS * n, noise = 2 * row;
    long double *cur = tab + (size_t)(level % 2) * row;
    const long double *prev = tab + (size_t)((level + 1) % 2) * row;
    size_t k;
    int c;
    memcpy(cur, d, n * sizeof *cur);
    memcpy(cur + noise, r, n * sizeof *cur);
    if (level == 0)
        for (k = 0; k < n; k++) {
            best[k] = d[k];
            err[k] = HUGE_VALL;
        }
    for (c = 1; c <= level; c++) {
        const long double fac = ldexpl(1.0L, 2 * c);
        const long double *t1 = cur + (size_t)(c - 1) * n, *t0 = prev + (size_t)(c - 1) * n;
        long double *t = cur + (size_t)c * n;
        for (k = 0; k < n; k++) {
            const long double e1 = fabsl(fac * (t1[k] - t0[k]) / (fac - 1.0L));
            const long double e2 = fabsl((t1[k] - t0[k]) / (fac - 1.0L));
            const long double rt = (fac * t1[noise + k] + t0[noise + k]) / (fac - 1.0L);
            long double e = (e1 > e2 ? e1 : e2) + rt;
            t[k] = (fac * t1[k] - t0[k]) / (fac - 1.0L);
            /* and its distance to the same column one step up, so that two
               entries agreeing by chance do not pass for converged */
            if (c < level && fabsl(t[k] - prev[(size_t)c * n + k]) + rt > e)
                e = fabsl(t[k] - prev[(size_t)c * n + k]) + rt;
            t[noise + k] = rt;
            if (e <= err[k]) {
                err[k] = e;
                best[k] = t[k];
            }
        }
    }
}

/* Marks n results as unknown: err infinite. */
static void unsure(long double *err, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++)
        err[k] = HUGE_VALL;
}

int jg_fdiff_jet(jg_fdiff *f, const double *x, long double *u, long double *du,
                 long double *du_err, long double *d2u, long double *d2u_err)
{
    const size_t ni = f->m->n_in, no = f->m->n_out, tab_size = 4 * JG_FDIFF_LEVELS * no;
    long double *f0 = f->f[0], *fp = f->f[1], *fm = f->f[2], *fq = f->f[3];
    long double *d1, *d2, *r1, *r2;
    size_t i, j, k;
    int level, start, overflow = 0;
    d1 = (long double *)jg_malloc_n(jg_mul(4, no, &overflow), sizeof *d1);
    if (d1 == NULL)
        return -1;
    d2 = d1 + no;
    r1 = d2 + no;
    r2 = r1 + no;
    for (i = 0; i < ni; i++)
        f->xs[i] = x[i];
    f->watch = 1;                       /* the pieces at x */
    jg_fdiff_eval(f, f->xs, f0);
    f->watch = 2;
    memcpy(u, f0, no * sizeof *u);
    /* du/dx_i from (f(x + h e_i) - f(x - h e_i)) / 2h, and d2u/dx_i^2 from
       (f(x + h e_i) - 2 f(x) + f(x - h e_i)) / h^2 at the same points */
    for (i = 0; i < ni; i++) {
        for (level = 0, start = 0; level < JG_FDIFF_LEVELS; level++) {
            const long double h = ldexpl(JG_FDIFF_H0, -level);
            f->crossed = 0;
            f->xs[i] = x[i] + h;
            jg_fdiff_eval(f, f->xs, fp);
            f->xs[i] = x[i] - h;
            jg_fdiff_eval(f, f->xs, fm);
            f->xs[i] = x[i];
            if (f->crossed) {           /* a kink within the step: start again below it */
                start = level + 1;
                unsure(f->err, 2 * no);
                continue;
            }
            for (k = 0; k < no; k++) {
                const long double a = FEPS * (fabsl(fp[k]) + fabsl(fm[k]));
                d1[k] = (fp[k] - fm[k]) / (2.0L * h);
                d2[k] = (fp[k] - 2.0L * f0[k] + fm[k]) / (h * h);
                r1[k] = a / (2.0L * h);
                r2[k] = (a + 2.0L * FEPS * fabsl(f0[k])) / (h * h);
            }
            romberg_add(f->tab, f->best, f->err, no, level - start, d1, r1);
            romberg_add(f->tab + tab_size, f->best + no, f->err + no, no, level - start, d2, r2);
        }
        for (k = 0; k < no; k++) {
            du[k * ni + i] = f->best[k];
            du_err[k * ni + i] = f->err[k];
            d2u[(k * ni + i) * ni + i] = f->best[no + k];
            d2u_err[(k * ni + i) * ni + i] = f->err[no + k];
        }
    }
    /* d2u/dx_i dx_j from (f(++) - f(+-) - f(-+) + f(--)) / 4h^2 */
    for (i = 0; i < ni; i++)
        for (j = i + 1; j < ni; j++) {
            for (level = 0, start = 0; level < JG_FDIFF_LEVELS; level++) {
                const long double h = ldexpl(JG_FDIFF_H0, -level);
                f->crossed = 0;
                f->xs[i] = x[i] + h, f->xs[j] = x[j] + h;
                jg_fdiff_eval(f, f->xs, fp);
                f->xs[j] = x[j] - h;
                jg_fdiff_eval(f, f->xs, fm);
                f->xs[i] = x[i] - h;
                jg_fdiff_eval(f, f->xs, fq);
                for (k = 0; k < no; k++) {
                    d2[k] = fp[k] - fm[k] + fq[k];
                    r2[k] = FEPS * (fabsl(fp[k]) + fabsl(fm[k]) + fabsl(fq[k]));
                }
                f->xs[j] = x[j] + h;
                jg_fdiff_eval(f, f->xs, fm);
                f->xs[i] = x[i], f->xs[j] = x[j];
                if (f->crossed) {
                    start = level + 1;
                    unsure(f->err + 2 * no, no);
                    continue;
                }
                for (k = 0; k < no; k++) {
                    d2[k] = (d2[k] - fm[k]) / (4.0L * h * h);
                    r2[k] = (r2[k] + FEPS * fabsl(fm[k])) / (4.0L * h * h);
                }
                romberg_add(f->tab + 2 * tab_size, f->best + 2 * no, f->err + 2 * no, no, level - start, d2, r2);
            }
            for (k = 0; k < no; k++) {
                d2u[(k * ni + i) * ni + j] = d2u[(k * ni + j) * ni + i] = f->best[2 * no + k];
                d2u_err[(k * ni + i) * ni + j] = d2u_err[(k * ni + j) * ni + i] = f->err[2 * no + k];
            }
        }
    f->watch = 0;
    jg_free(d1);
    return 0;
}
