/* grad.c: gradients through the 2-jet (see grad.h). The forward sweep is
   the executor's, on a tape plan; the reverse sweep walks the same steps
   backwards, with an adjoint buffer beside every work buffer (the same
   layout: rows of channel c and point p, buf[(c np + p) ld + k]). A view
   (identity, slice, a residual block's input) shares its operand's
   buffer, so it shares its adjoint too. Written from the jet rules of
   docs/spec.md; the kernels of templates/kernels.c give s, s', s''. */
#include "grad.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "activations.h"
#include "exec.h"
#include "kernels.h"
#include "mem.h"
#include "plan.h"

/* The activations, enumerated from the one list: a switch over them
   without a default, so that the compiler names one left out. */
#define G_ENUM(name, np, p0, d0, p1, d1, pl, formula) G_##name,
#define G_NAME(name, np, p0, d0, p1, d1, pl, formula) #name,
typedef enum gact { JG_ACTIVATIONS(G_ENUM) G_NONE } gact;
static const char *const act_names[G_NONE] = {JG_ACTIVATIONS(G_NAME)};

static double logistic(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

static double ipow(double z, int e)
{
    double r = 1.0, b = z;
    int k = e < 0 ? -e : e;
    for (; k > 0; k >>= 1) {
        if (k & 1)
            r *= b;
        b *= b;
    }
    return e < 0 ? 1.0 / r : r;
}

double jg_grad_act3(int act, double p, double q, double z)
{
    static const double selu_alpha = 1.6732632423543772848170429916717;
    static const double selu_scale = 1.0507009873554804934193349852946;
    static const double sqrt_2_over_pi = 0.79788456080286535587989211986876373;
    double s, g, a, t;
    switch ((gact)act) {
    case G_tanh:
        a = tanh(z);
        g = 1.0 - a * a;                    /* s' */
        return -2.0 * g * g + 4.0 * a * a * g;
    case G_sigmoid:
        s = logistic(z);
        g = z >= 0 ? s * logistic(-z) : s * (1.0 - s);
        return g * ((1.0 - 2.0 * s) * (1.0 - 2.0 * s) - 2.0 * g);
    case G_softplus:
        if (p * z > q)
            return 0.0;
        s = logistic(p * z);
        g = s * logistic(-p * z);
        return p * p * g * (1.0 - 2.0 * s);
    case G_sin:
        return -p * p * p * cos(p * z);
    case G_cos:
        return p * p * p * sin(p * z);
    case G_gelu:
        g = exp(-0.5 * z * z) * 0.39894228040143267793994605993438;     /* phi */
        return g == 0.0 ? 0.0 : g * z * (z * z - 4.0);
    case G_gelu_tanh: {
        const double c = 0.044715, k = sqrt_2_over_pi;
        const double u1 = k * (1.0 + 3.0 * c * z * z), u2 = 6.0 * k * c * z, u3 = 6.0 * k * c;
        double y1, y2, y3, A, A1;
        t = tanh(k * (z + c * z * z * z));
        A = 1.0 - t * t;                                /* sech^2 */
        if (A == 0.0)
            return 0.0;
        y1 = A * u1;                                    /* (1 + T)' */
        y2 = A * (u2 - 2.0 * t * u1 * u1);
        A1 = -2.0 * t * y1;                             /* (sech^2)' */
        y3 = A1 * (u2 - 2.0 * t * u1 * u1) + A * (u3 - 2.0 * y1 * u1 * u1 - 4.0 * t * u1 * u2);
        return 0.5 * (3.0 * y2 + z * y3);
    }
    case G_silu:
        s = logistic(z);
        g = z >= 0 ? s * logistic(-z) : s * (1.0 - s);
        if (g == 0.0)
            return 0.0;
        return 3.0 * g * (1.0 - 2.0 * s) + z * g * ((1.0 - 2.0 * s) * (1.0 - 2.0 * s) - 2.0 * g);
    case G_mish: {
        double sp, A, A1, T1, T2, T3, s1, s2;
        s = logistic(z);
        s1 = z >= 0 ? s * logistic(-z) : s * (1.0 - s);
        if (s == 0.0 || s1 == 0.0)
            return 0.0;
        s2 = s1 * (1.0 - 2.0 * s);
        sp = z > 40.0 ? z : log1p(exp(z));
        t = tanh(sp);
        A = 1.0 - t * t;
        T1 = A * s;
        T2 = A * (s1 - 2.0 * t * s * s);
        A1 = -2.0 * t * T1;
        T3 = A1 * (s1 - 2.0 * t * s * s) + A * (s2 - 2.0 * T1 * s * s - 4.0 * t * s * s1);
        return 3.0 * T2 + z * T3;
    }
    case G_elu:
        return z > 0 ? 0.0 : p * exp(z);
    case G_selu:
        return z > 0 ? 0.0 : selu_scale * selu_alpha * exp(z);
    case G_softsign:
        t = 1.0 + fabs(z);
        return 6.0 / (t * t * t * t);
    case G_exp:
        return exp(z);
    case G_relu:
    case G_leaky_relu:
    case G_hardtanh:
        return 0.0;
    case G_pow: {
        const int e = (int)p;
        return e >= 0 && e <= 2 ? 0.0 : (double)e * (e - 1) * (e - 2) * ipow(z, e - 3);
    }
    case G_NONE:
        break;
    }
    return 0.0;
}

/* The third derivative s''' of m values given s and s' (the activate_back
   kernel's f3): from them for tanh and sigmoid, else by jg_grad_act3, one
   function per activation of the list. */
typedef void (*act3_fn)(size_t, double, double, const double *, const double *, const double *, double *);

static void act3_of_tanh(size_t m, double p, double q, const double *z, const double *s0, const double *s1,
                         double *s3)
{
    size_t k;
    (void)p, (void)q, (void)z;
    for (k = 0; k < m; k++)
        s3[k] = -2.0 * s1[k] * (s1[k] - 2.0 * s0[k] * s0[k]);
}

static void act3_of_sigmoid(size_t m, double p, double q, const double *z, const double *s0, const double *s1,
                            double *s3)
{
    size_t k;
    (void)p, (void)q, (void)z;
    for (k = 0; k < m; k++)
        s3[k] = s1[k] * ((1.0 - 2.0 * s0[k]) * (1.0 - 2.0 * s0[k]) - 2.0 * s1[k]);
}

#define G_ACT3(name, np, p0, d0, p1, d1, pl, formula)                                                      \
    static void act3_by_##name(size_t m, double p, double q, const double *z, const double *s0,            \
                               const double *s1, double *s3)                                               \
    {                                                                                                      \
        size_t k;                                                                                          \
        (void)s0, (void)s1;                                                                                \
        for (k = 0; k < m; k++)                                                                            \
            s3[k] = jg_grad_act3(G_##name, p, q, z[k]);                                                    \
    }
JG_ACTIVATIONS(G_ACT3)
#define G_ACT3_ENTRY(name, np, p0, d0, p1, d1, pl, formula) act3_by_##name,
static const act3_fn act3_by[G_NONE] = {JG_ACTIVATIONS(G_ACT3_ENTRY)};

/* ---- the engine ---- */

typedef struct tensor {
    char *name;
    size_t count, offset;
} tensor;

struct jg_grad {
    const jg_model *m;
    jg_plan *p;                 /* the tape plan, in double (owned) */
    jg_exec x;                  /* its forward sweep */
    const void **arrays;        /* the plan's arrays (owned pointers into p) */
    size_t n_tensors, n_params;
    tensor *tensors;            /* owned */
    size_t *w_at, *b_at;        /* per layer: where its weight (B, mul) and bias (add) gradients go, or SIZE_MAX */
    int *act;                   /* per step: the activation's place in the list, or -1 */
    unsigned char *idle;        /* per step: 1 where the reverse sweep reads nothing it
                                   makes (a final dense layer's values): skipped when
                                   no results are asked for */
    jg_kernel_fn dense_back;    /* the runtime's kernels */
    jg_kernel_fn activate_back;
    act3_fn *act3;              /* per step: an activation's third derivative, or NULL */
    double **wp;                /* per layer: W (or B) in rows padded to ldw, for dense_back (owned) */
    size_t *ldw;
    size_t scratch;             /* numbers of a gradient nobody reads (a layer without a tensor) */
};

size_t jg_grad_n_tensors(const jg_grad *g)
{
    return g->n_tensors;
}

const char *jg_grad_tensor_name(const jg_grad *g, size_t i)
{
    return i < g->n_tensors ? g->tensors[i].name : NULL;
}

size_t jg_grad_tensor_count(const jg_grad *g, size_t i)
{
    return i < g->n_tensors ? g->tensors[i].count : 0;
}

size_t jg_grad_tensor_offset(const jg_grad *g, size_t i)
{
    return i < g->n_tensors ? g->tensors[i].offset : 0;
}

size_t jg_grad_n_params(const jg_grad *g)
{
    return g->n_params;
}

/* The offset of tensor `name` (count numbers), added to the list when new;
   SIZE_MAX out of memory. */
static size_t tensor_at(jg_grad *g, const char *name, const char *suffix, size_t count)
{
    jg_buf full = JG_BUF_INIT;
    size_t i;
    jg_buf_printf(&full, "%s%s", name, suffix);
    if (full.failed) {
        jg_buf_free(&full);
        return SIZE_MAX;
    }
    for (i = 0; i < g->n_tensors; i++)
        if (strcmp(g->tensors[i].name, jg_buf_str(&full)) == 0) {
            jg_buf_free(&full);
            return g->tensors[i].offset;
        }
    g->tensors[g->n_tensors].name = jg_strdup(jg_buf_str(&full));
    jg_buf_free(&full);
    if (g->tensors[g->n_tensors].name == NULL)
        return SIZE_MAX;
    g->tensors[g->n_tensors].count = count;
    g->tensors[g->n_tensors].offset = g->n_params;
    g->n_params += count;
    return g->tensors[g->n_tensors++].offset;
}

void jg_grad_free(jg_grad *g)
{
    size_t i;
    if (g == NULL)
        return;
    for (i = 0; i < g->n_tensors; i++)
        jg_free(g->tensors[i].name);
    jg_free(g->tensors);
    jg_free(g->w_at);
    jg_free(g->b_at);
    for (i = 0; g->wp != NULL && i < g->m->n_layers; i++)
        jg_free(g->wp[i]);
    jg_free(g->wp);
    jg_free(g->ldw);
    jg_free(g->act);
    jg_free(g->act3);
    jg_free(g->idle);
    jg_free(g->arrays);
    jg_exec_free(&g->x);
    jg_plan_free(g->p);
    jg_free(g);
}

/* g->idle: the steps whose values neither the reverse sweep nor a step it
   needs reads (by buffer, so conservatively): a final dense layer makes
   most of a network's forward work and only its results read it. 0, or
   -1 out of memory. */
static int mark_idle(jg_grad *g)
{
    const jg_plan *p = g->p;
    unsigned char *need = (unsigned char *)jg_malloc(p->n_work + 1);
    size_t k;
    g->idle = (unsigned char *)jg_malloc(p->n_steps + 1);
    if (need == NULL || g->idle == NULL) {
        jg_free(need);
        return -1;
    }
    memset(need, 0, p->n_work + 1);
    for (k = 0; k < p->n_steps; k++) {         /* what the reverse sweep reads */
        const jg_step *s = &p->steps[k];
        if (s->op == JG_STEP_DENSE || s->op == JG_STEP_MUL)
            need[s->src] = 1;
        if (s->op == JG_STEP_ACTIVATE || s->op == JG_STEP_SCALE || s->op == JG_STEP_MUL)
            need[s->src2] = 1;
    }
    for (k = p->n_steps; k-- > 0;) {            /* and what the steps making it read */
        const jg_step *s = &p->steps[k];
        const int in_place = s->op == JG_STEP_ACTIVATE || s->op == JG_STEP_SCALE;
        const int made = s->op == JG_STEP_STORE ? -1 : in_place ? s->src : s->dst;
        g->idle[k] = !(made >= 0 && need[made]);
        if (g->idle[k])
            continue;
        if (s->src >= 0)
            need[s->src] = 1;
        if (s->op == JG_STEP_MUL)
            need[s->src2] = 1;
    }
    jg_free(need);
    return 0;
}

jg_grad *jg_grad_new(const jg_model *m, jg_diag *d)
{
    jg_grad *g = (jg_grad *)jg_malloc(sizeof *g);
    size_t i, k;
    int overflow = 0;
    if (g == NULL) {
        jg_diag_error(d, m->spec_path, 0, 0, "out of memory");
        return NULL;
    }
    memset(g, 0, sizeof *g);
    g->m = m;
    g->p = jg_plan_make_for(m, JG_DOUBLE, 1, d);
    if (g->p == NULL) {
        jg_grad_free(g);
        return NULL;
    }
    g->arrays = (const void **)jg_malloc_n(g->p->n_arrays + 1, sizeof *g->arrays);
    g->tensors = (tensor *)jg_malloc_n(2 * m->n_layers + 1, sizeof *g->tensors);
    g->w_at = (size_t *)jg_malloc_n(m->n_layers + 1, sizeof *g->w_at);
    g->b_at = (size_t *)jg_malloc_n(m->n_layers + 1, sizeof *g->b_at);
    g->act = (int *)jg_malloc_n(g->p->n_steps + 1, sizeof *g->act);
    g->act3 = (act3_fn *)jg_malloc_n(g->p->n_steps + 1, sizeof *g->act3);
    g->wp = (double **)jg_malloc_n(m->n_layers + 1, sizeof *g->wp);
    g->ldw = (size_t *)jg_malloc_n(m->n_layers + 1, sizeof *g->ldw);
    if (g->wp != NULL)
        memset(g->wp, 0, (m->n_layers + 1) * sizeof *g->wp);
    if (g->wp == NULL || g->ldw == NULL || g->arrays == NULL || g->tensors == NULL || g->w_at == NULL || g->b_at == NULL || g->act == NULL
        || g->act3 == NULL)
        goto oom;
    for (k = 0; k < g->p->n_arrays; k++)
        g->arrays[k] = g->p->arrays[k].v;
    if (jg_exec_init(&g->x, g->p, jg_kernels_best(0), g->arrays) != 0)
        goto oom;
    for (k = 0; k < JG_N_KERNELS; k++) {
        if (strcmp(g->x.ks->k[k].name, "dense_back") == 0)
            g->dense_back = g->x.ks->k[k].fn;
        if (strcmp(g->x.ks->k[k].name, "activate_back") == 0)
            g->activate_back = g->x.ks->k[k].fn;
    }
    if (g->dense_back == NULL || g->activate_back == NULL)
        goto oom;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        g->w_at[i] = g->b_at[i] = SIZE_MAX;
        if (l->kind == JG_DENSE || l->kind == JG_MATMUL || l->kind == JG_FOURIER) {
            const size_t rows = l->kind == JG_FOURIER ? l->n_out / 2 : l->n_out, ld = (l->n_in + 7) / 8 * 8;
            size_t r;
            if (l->n_out * l->n_in > g->scratch)
                g->scratch = l->n_out * l->n_in;
            g->ldw[i] = ld;
            g->wp[i] = (double *)jg_malloc_n(jg_mul(rows, ld, &overflow), sizeof(double));
            if (g->wp[i] == NULL || overflow)
                goto oom;
            memset(g->wp[i], 0, rows * ld * sizeof(double));
            for (r = 0; r < rows; r++)
                memcpy(g->wp[i] + r * ld, l->w + r * l->n_in, l->n_in * sizeof(double));
        }
        if (l->kind == JG_DENSE && l->tensor != NULL) {
            if ((g->w_at[i] = tensor_at(g, l->tensor, ".weight", l->n_out * l->n_in)) == SIZE_MAX
                || (l->b != NULL && (g->b_at[i] = tensor_at(g, l->tensor, ".bias", l->n_out)) == SIZE_MAX))
                goto oom;
        } else if ((l->kind == JG_MATMUL || l->kind == JG_FOURIER) && l->tensor != NULL) {
            if ((g->w_at[i] = tensor_at(g, l->tensor, "", l->kind == JG_FOURIER ? l->n_out / 2 * l->n_in
                                        : l->n_out * l->n_in)) == SIZE_MAX)
                goto oom;
        } else if (l->kind == JG_SCALE) {
            if ((l->tensor != NULL && (g->w_at[i] = tensor_at(g, l->tensor, "", l->n_out)) == SIZE_MAX)
                || (l->tensor2 != NULL && (g->b_at[i] = tensor_at(g, l->tensor2, "", l->n_out)) == SIZE_MAX))
                goto oom;
        }
    }
    for (k = 0; k < g->p->n_steps; k++) {
        const jg_step *s = &g->p->steps[k];
        g->act[k] = -1;
        g->act3[k] = NULL;
        if (s->op == JG_STEP_ACTIVATE) {
            int a;
            for (a = 0; a < G_NONE; a++)
                if (strcmp(act_names[a], s->act->keyword) == 0) {
                    g->act[k] = a;
                    g->act3[k] = a == G_tanh ? act3_of_tanh : a == G_sigmoid ? act3_of_sigmoid : act3_by[a];
                }
        }
    }
    if (mark_idle(g) != 0)
        goto oom;
    return g;
oom:
    jg_diag_error(d, m->spec_path, 0, 0, "out of memory");
    jg_grad_free(g);
    return NULL;
}

/* ---- the reverse sweep of one tile ---- */

typedef struct tile {
    const jg_grad *g;
    int mode;
    size_t np, nch, n_x, n_s;
    const size_t *over;
    const double *fwd;          /* the forward buffers (the tape: only read) */
    double *adj;                /* their adjoints */
    double *gp;
    double *scratch;            /* where the gradients of tensor-less weights go */
} tile;

static double *buf(const tile *t, double *base, int b, size_t off)
{
    return base + t->g->p->buf_at[b] + off;
}

static const double *fwd_buf(const tile *t, int b, size_t off)
{
    return t->fwd + t->g->p->buf_at[b] + off;
}

/* The second-derivative channel of the pair (i, j), i <= j, in mode 2. */
static size_t pair(size_t n_x, size_t i, size_t j)
{
    return 1 + n_x + i * n_x - i * (i - 1) / 2 + (j - i);
}

/* The cotangents of the results (the caller's layouts, points p0 on) onto
   the adjoint of the output value (n_out neurons at a, stride ld): one
   loop over the neurons per channel, so that each runs contiguously. */
static void load_cotangents(const tile *t, size_t p0, const double *gu, const double *gdu, const double *gd2,
                            double *a, size_t ld)
{
    const size_t no = t->g->m->n_out, nx = t->n_x, np = t->np;
    size_t p, k, i, j;
    for (p = 0; p < np; p++) {
        const size_t q = p0 + p;
        double *r;
        if (gu != NULL)
            for (r = a + p * ld, k = 0; k < no; k++)
                r[k] += gu[q * no + k];
        for (i = 0; t->mode >= 1 && gdu != NULL && i < nx; i++)
            for (r = a + ((1 + i) * np + p) * ld, k = 0; k < no; k++)
                r[k] += gdu[(q * no + k) * nx + i];
        if (gd2 == NULL)
            continue;
        if (t->mode == 2) {
            for (i = 0; i < nx; i++)
                for (j = i; j < nx; j++)
                    for (r = a + (pair(nx, i, j) * np + p) * ld, k = 0; k < no; k++) {
                        const double *h = gd2 + (q * no + k) * nx * nx;
                        r[k] += i == j ? h[i * nx + i] : h[i * nx + j] + h[j * nx + i];
                    }
        } else if (t->mode == 3) {
            for (i = 0; i < t->n_s; i++)
                for (r = a + ((1 + nx + i) * np + p) * ld, k = 0; k < no; k++)
                    r[k] += gd2[(q * no + k) * t->n_s + i];
        } else if (t->mode == 4) {
            for (r = a + ((1 + nx) * np + p) * ld, k = 0; k < no; k++)
                r[k] += gd2[q * no + k];
        }
    }
}

/* z = W a + b on every channel (W [n_out][n_in] of the layer, [B; B] for
   fourier: B's gradient from both halves): a's adjoint, W's and b's
   gradients, by the runtime's dense_back kernel (templates/kernels.c). */
static void dense_back(const tile *t, const jg_step *s, size_t layer)
{
    typedef void (*back_fn)(size_t, size_t, const double *, size_t, size_t, size_t, const double *, size_t,
                            const double *, size_t, double *, double *, double *);
    const back_fn f = (back_fn)t->g->dense_back;
    const jg_layer *l = &t->g->m->layers[layer];
    const size_t nrow = t->nch * t->np, n_in = l->n_in;
    const size_t halves = l->kind == JG_FOURIER ? 2 : 1, n = l->n_out / halves;
    const double *zb = buf(t, t->adj, s->dst, s->off_dst), *a = fwd_buf(t, s->src, s->off);
    double *ab = buf(t, t->adj, s->src, s->off);
    double *gw = t->g->w_at[layer] != SIZE_MAX ? t->gp + t->g->w_at[layer] : t->scratch;
    double *gb = t->g->b_at[layer] != SIZE_MAX ? t->gp + t->g->b_at[layer] : NULL;
    size_t h;
    for (h = 0; h < halves; h++)
        f(n, n_in, t->g->wp[layer], t->g->ldw[layer], nrow, t->np, zb + h * n, s->ld_dst, a, s->ld_src, ab, gw,
          gb);
}

/* a = s(z), z kept at src2: z's adjoint from a's (then a's is spent), by
   the runtime's activate_back kernel (templates/kernels.c), given the
   activation's kernel and its third derivative f3. */
static void activate_back(const tile *t, const jg_step *s, jg_kernel_fn kernel, act3_fn f3)
{
    typedef void (*act_fn)(size_t, double, double, const double *, double *, double *, double *);
    typedef void (*back_fn)(act_fn, act3_fn, double, double, size_t, size_t, size_t, const size_t *, int,
                            size_t, size_t, const double *, double *, size_t, double *, size_t);
    const back_fn back = (back_fn)t->g->activate_back;
    back((act_fn)kernel, f3, s->p, s->q, s->n, t->n_x, t->n_s, t->over, t->mode, t->np, t->nch,
         fwd_buf(t, s->src2, s->off2), buf(t, t->adj, s->src2, s->off2), s->ld2, buf(t, t->adj, s->src, s->off),
         s->ld_src);
}

/* a = mul z + add, z kept at src2. */
static void scale_back(const tile *t, const jg_step *s, size_t layer)
{
    const jg_layer *l = &t->g->m->layers[layer];
    const size_t nrow = t->nch * t->np, n = s->n;
    double *ab = buf(t, t->adj, s->src, s->off), *zb = buf(t, t->adj, s->src2, s->off2);
    const double *z = fwd_buf(t, s->src2, s->off2);
    double *gm = t->g->w_at[layer] != SIZE_MAX ? t->gp + t->g->w_at[layer] : NULL;
    double *ga = t->g->b_at[layer] != SIZE_MAX ? t->gp + t->g->b_at[layer] : NULL;
    size_t r, k;
    for (r = 0; r < nrow; r++) {
        double *abr = ab + r * s->ld_src, *zbr = zb + r * s->ld2;
        const double *zr = z + r * s->ld2;
        for (k = 0; k < n; k++) {
            zbr[k] += l->w[k] * abr[k];
            if (gm != NULL)
                gm[k] += abr[k] * zr[k];
            if (ga != NULL && r < t->np)
                ga[k] += abr[k];
            abr[k] = 0.0;
        }
    }
}

/* c = a b (src, src2) into dst: both operands' adjoints. */
static void mul_back(const tile *t, const jg_step *s)
{
    const size_t np = t->np, nx = t->n_x, n = s->n, sa = s->bc ? 0 : 1, sb = s->bc2 ? 0 : 1;
    const double *a = fwd_buf(t, s->src, s->off), *b = fwd_buf(t, s->src2, s->off2);
    double *ab = buf(t, t->adj, s->src, s->off), *bb = buf(t, t->adj, s->src2, s->off2);
    const double *cb = buf(t, t->adj, s->dst, s->off_dst);
    size_t p, k, i, j, c;
    for (p = 0; p < np; p++) {
#define A(ch) (a + ((ch) * np + p) * s->ld_src)
#define B(ch) (b + ((ch) * np + p) * s->ld2)
#define AB(ch) (ab + ((ch) * np + p) * s->ld_src)
#define BB(ch) (bb + ((ch) * np + p) * s->ld2)
#define CB(ch) (cb + ((ch) * np + p) * s->ld_dst)
        for (k = 0; k < n; k++) {
            const size_t ka = k * sa, kb = k * sb;
            const double y0 = CB(0)[k];
            AB(0)[ka] += y0 * B(0)[kb];
            BB(0)[kb] += y0 * A(0)[ka];
            for (i = 0; t->mode >= 1 && i < nx; i++) {
                const double yi = CB(1 + i)[k];
                AB(1 + i)[ka] += yi * B(0)[kb];
                BB(0)[kb] += yi * A(1 + i)[ka];
                AB(0)[ka] += yi * B(1 + i)[kb];
                BB(1 + i)[kb] += yi * A(0)[ka];
            }
            if (t->mode == 2) {
                for (i = 0; i < nx; i++)
                    for (j = i; j < nx; j++) {
                        const size_t tt = pair(nx, i, j);
                        const double y = CB(tt)[k];
                        AB(tt)[ka] += y * B(0)[kb];
                        BB(0)[kb] += y * A(tt)[ka];
                        AB(1 + i)[ka] += y * B(1 + j)[kb];
                        BB(1 + j)[kb] += y * A(1 + i)[ka];
                        AB(1 + j)[ka] += y * B(1 + i)[kb];
                        BB(1 + i)[kb] += y * A(1 + j)[ka];
                        AB(0)[ka] += y * B(tt)[kb];
                        BB(tt)[kb] += y * A(0)[ka];
                    }
            } else if (t->mode == 3 || t->mode == 4) {
                const size_t n2 = t->mode == 3 ? t->n_s : 1;
                for (c = 0; c < n2; c++) {
                    const size_t tt = 1 + nx + c;
                    const size_t first = t->mode == 3 ? c : 0, last = t->mode == 3 ? c + 1 : t->n_s;
                    const double y = CB(tt)[k];
                    size_t e;
                    AB(tt)[ka] += y * B(0)[kb];
                    BB(0)[kb] += y * A(tt)[ka];
                    AB(0)[ka] += y * B(tt)[kb];
                    BB(tt)[kb] += y * A(0)[ka];
                    for (e = first; e < last; e++) {
                        const size_t ch = 1 + (t->over != NULL ? t->over[e] : e);
                        AB(ch)[ka] += 2.0 * y * B(ch)[kb];
                        BB(ch)[kb] += 2.0 * y * A(ch)[ka];
                    }
                }
            }
        }
#undef A
#undef B
#undef AB
#undef BB
#undef CB
    }
}

/* One tile: the forward sweep (results to u, du, d2 when asked), then the
   reverse sweep from the cotangents. */
static void tile_back(const tile *t, size_t p0, const double *gu, const double *gdu, const double *gd2,
                      double *gx)
{
    const jg_grad *g = t->g;
    const jg_plan *pl = g->p;
    const size_t nrow = t->nch * t->np;
    size_t k, r, c;
    for (k = pl->n_steps; k-- > 0;) {
        const jg_step *s = &pl->steps[k];
        switch (s->op) {
        case JG_STEP_STORE:
            load_cotangents(t, p0, gu, gdu, gd2, buf(t, t->adj, s->src, s->off), s->ld_src);
            break;
        case JG_STEP_DENSE:
            dense_back(t, s, s->layer);
            break;
        case JG_STEP_ACTIVATE:
            activate_back(t, s, g->x.act[k], g->act3[k]);
            break;
        case JG_STEP_SCALE:
            scale_back(t, s, s->layer);
            break;
        case JG_STEP_COPY:
        case JG_STEP_ADD: {
            const double f = s->op == JG_STEP_ADD ? s->c : 1.0;
            for (r = 0; r < nrow; r++) {
                const double *db = buf(t, t->adj, s->dst, s->off_dst) + r * s->ld_dst;
                double *sb = buf(t, t->adj, s->src, s->off) + r * s->ld_src;
                for (c = 0; c < s->n; c++)
                    sb[s->bc ? 0 : c] += f * db[c];
            }
            break;
        }
        case JG_STEP_MUL:
            mul_back(t, s);
            break;
        case JG_STEP_SEED:
            for (r = 0; gx != NULL && r < t->np; r++)
                for (c = 0; c < t->n_x; c++)
                    gx[(p0 + r) * t->n_x + c] += buf(t, t->adj, s->dst, s->off_dst)[r * s->ld_dst + c];
            break;
        case JG_STEP_OUTPUT:
            break;          /* not in a tape plan */
        }
    }
}

/* A tile's frame for mode over the buffers at work (forward values at
   fwd, adjoints after them). */
static void tile_init(tile *t, const jg_grad *g, int mode, double *gp)
{
    const jg_model *m = g->m;
    memset(t, 0, sizeof *t);
    t->g = g;
    t->mode = mode;
    t->nch = g->p->channels[mode];
    t->n_x = m->n_in;
    t->n_s = m->n_over;
    t->over = m->over;
    t->gp = gp;
}

/* Numbers of one tile's values: a multiple of 8, so that every tile of a
   tape starts 64-byte aligned when the tape does. */
static size_t tile_numbers(const jg_grad *g)
{
    return (g->p->buf_at[g->p->n_work] + 7) / 8 * 8;
}

size_t jg_grad_tape_numbers(const jg_grad *g, int mode, size_t n)
{
    const size_t tile_np = g->p->tile[mode];
    int overflow = 0;
    const size_t k = jg_mul((n + tile_np - 1) / tile_np, tile_numbers(g), &overflow);
    return overflow ? SIZE_MAX : k;
}

size_t jg_grad_recompute_fmas(const jg_grad *g, int mode)
{
    const jg_plan *p = g->p;
    size_t k, fmas = 0;
    for (k = 0; k < p->n_steps; k++)
        if (p->steps[k].op == JG_STEP_DENSE && !g->idle[k])
            fmas += p->channels[mode] * p->steps[k].n * p->steps[k].n_in;
    return fmas;
}

int jg_grad_forward(const jg_grad *g, int mode, size_t n, const double *x, double *u, double *du, double *d2,
                    double *tape)
{
    const jg_model *m = g->m;
    const size_t per2 = jg_plan_per_output2(m, (jg_mode)mode), tile_np = g->p->tile[mode], stride = tile_numbers(g);
    size_t p0, np, k = 0;
    for (p0 = 0; p0 < n; p0 += np, k++) {
        np = n - p0 < tile_np ? n - p0 : tile_np;
        jg_exec_tile_double(&g->x, mode, np, x + p0 * m->n_in, u != NULL ? u + p0 * m->n_out : NULL,
                            du != NULL ? du + p0 * m->n_out * m->n_in : NULL,
                            d2 != NULL ? d2 + p0 * m->n_out * per2 : NULL, tape + k * stride,
                            u == NULL && du == NULL && d2 == NULL ? g->idle : NULL);
    }
    return 0;
}

/* The reverse sweep of n points tile by tile: each tile's values read from
   tape (jg_grad_back), or computed into a buffer of its own first
   (jg_grad_run; u, du, d2 get the results when not NULL). 0, or -1. */
static int sweep(const jg_grad *g, int mode, size_t n, const double *x, const double *tape, const double *gu,
                 const double *gdu, const double *gd2, double *gp, double *gx, double *u, double *du, double *d2)
{
    const jg_model *m = g->m;
    const size_t per2 = jg_plan_per_output2(m, (jg_mode)mode), tile_np = g->p->tile[mode];
    const size_t half = g->p->buf_at[g->p->n_work], stride = tile_numbers(g), own = tape == NULL ? half : 0;
    double *space, *work;
    tile t;
    size_t p0, np, k = 0;
    int overflow = 0;
    space = (double *)jg_malloc_n(jg_mul(1 + (own > 0), half, &overflow) + g->scratch + 8, sizeof(double));
    if (space == NULL || overflow) {
        jg_free(space);
        return -1;
    }
    work = (double *)(void *)((unsigned char *)space + (64 - (size_t)space % 64) % 64);
    if (g->n_params > 0)
        memset(gp, 0, g->n_params * sizeof *gp);
    if (gx != NULL)
        memset(gx, 0, n * m->n_in * sizeof *gx);
    tile_init(&t, g, mode, gp);
    t.adj = work + own;
    t.scratch = work + own + half;
    for (p0 = 0; p0 < n; p0 += np, k++) {
        np = n - p0 < tile_np ? n - p0 : tile_np;
        t.np = np;
        if (tape != NULL) {
            t.fwd = tape + k * stride;
        } else {
            jg_exec_tile_double(&g->x, mode, np, x + p0 * m->n_in, u != NULL ? u + p0 * m->n_out : NULL,
                                du != NULL ? du + p0 * m->n_out * m->n_in : NULL,
                                d2 != NULL ? d2 + p0 * m->n_out * per2 : NULL, work,
                                u == NULL && du == NULL && d2 == NULL ? g->idle : NULL);
            t.fwd = work;
        }
        memset(t.adj, 0, half * sizeof *t.adj);
        tile_back(&t, p0, gu, gdu, gd2, gx);
    }
    jg_free(space);
    return 0;
}

int jg_grad_back(const jg_grad *g, int mode, size_t n, const double *tape, const double *gu, const double *gdu,
                 const double *gd2, double *gp, double *gx)
{
    return sweep(g, mode, n, NULL, tape, gu, gdu, gd2, gp, gx, NULL, NULL, NULL);
}

int jg_grad_run(const jg_grad *g, int mode, size_t n, const double *x, const double *gu,
                const double *gdu, const double *gd2, double *gp, double *gx, double *u, double *du,
                double *d2)
{
    return sweep(g, mode, n, x, NULL, gu, gdu, gd2, gp, gx, u, du, d2);
}
