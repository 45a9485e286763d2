/* grad.c: gradients through the 2-jet (see grad.h). The forward sweep is
   the executor's, on a tape plan; the reverse sweep walks the same steps
   backwards, with an adjoint buffer beside every work buffer (the same
   layout: rows of channel c and point p, buf[(c np + p) ld + k], or with
   points in lanes buf[c ld + k lp + p]; gen/plan.h). A view
   (identity, slice, a residual block's input) shares its operand's
   buffer, so it shares its adjoint too. Written from the jet rules of
   docs/spec.md; the kernels of templates/kernels.c give s, s', s''. */
#include "grad.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "activations.h"
#include "exec.h"
#include "kernels.h"
#include "mem.h"
#include "plan.h"

/* The activations, enumerated from the one list: a switch over them
   without a default, so that the compiler names one left out. */
#define G_ENUM(name, ...) G_##name,
typedef enum gact { JG_ACTIVATIONS(G_ENUM) G_NONE } gact;

static double logistic(double z)
{
    return z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
}

/* z^e for an integer e by the pow kernel's own power (templates/kernels.c,
   model__ipow), which the runtime compiles: one definition of it. */
static double ipow(double z, int e)
{
    double r, s1, s2;
    jg_kernels_best(0)->d->act[JG_ACT_pow](1, (double)e, 0.0, &z, &r, &s1, &s2);
    return r;
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
    case G_erf:         /* (4 z^2 - 2) s', s' = 2 e^(-z^2) / sqrt(pi) */
        t = fabs(z) > 40.0 ? 40.0 : z;
        return (4.0 * t * t - 2.0) * 1.12837916709551257390 * exp(-t * t);
    case G_sqrt:        /* 3 / (8 z^2 sqrt z) */
        return 0.375 / (z * z * sqrt(z));
    case G_acos:        /* -(1 + 2 z^2) / (1 - z^2)^(5/2) */
        t = (1.0 - z) * (1.0 + z);
        return -(1.0 + 2.0 * z * z) / (t * t * sqrt(t));
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
   kernel's f3), in double (jg_act3_double) and float (jg_act3_float): tanh's
   and sigmoid's from s and s' by the runtime's kernels (tanh3, sigmoid3),
   the others by jg_grad_act3 (in double, rounded once), one function per
   activation of the list. */

#define G_ACT3(name, ...)                                                                                   \
    static void act3_by_##name(size_t m, double p, double q, const double *z, const double *s0,            \
                               const double *s1, double *s3)                                               \
    {                                                                                                      \
        size_t k;                                                                                          \
        (void)s0, (void)s1;                                                                                \
        for (k = 0; k < m; k++)                                                                            \
            s3[k] = jg_grad_act3(G_##name, p, q, z[k]);                                                    \
    }                                                                                                      \
    static void act3f_by_##name(size_t m, double p, double q, const float *z, const float *s0,             \
                                const float *s1, float *s3)                                                \
    {                                                                                                      \
        size_t k;                                                                                          \
        (void)s0, (void)s1;                                                                                \
        for (k = 0; k < m; k++)                                                                            \
            s3[k] = (float)jg_grad_act3(G_##name, p, q, z[k]);                                             \
    }
JG_ACTIVATIONS(G_ACT3)
#define G_ACT3_ENTRY(name, ...) act3_by_##name,
#define G_ACT3F_ENTRY(name, ...) act3f_by_##name,
static const jg_act3_double act3_by[G_NONE] = {JG_ACTIVATIONS(G_ACT3_ENTRY)};
static const jg_act3_float act3f_by[G_NONE] = {JG_ACTIVATIONS(G_ACT3F_ENTRY)};

/* ---- the engine ---- */

typedef struct tensor {
    char *name;
    size_t count, offset;
} tensor;

struct jg_grad {
    const jg_model *m;
    int is_float;               /* the sweep's precision: 0 double, 1 float */
    size_t real;                /* the bytes of its numbers */
    jg_plan *p;                 /* the tape plan, in that precision (owned) */
    jg_exec x;                  /* its forward sweep */
    const void **arrays;        /* the plan's arrays (owned pointers into p, or into farrays) */
    float *farrays;             /* in float: the arrays rounded (owned) */
    size_t n_tensors, n_params;
    tensor *tensors;            /* owned */
    size_t *w_at, *b_at;        /* per layer: where its weight (B, mul) and bias (add) gradients go, or SIZE_MAX */
    int *act;                   /* per step: the activation's place in the list, or -1 */
    unsigned char *idle;        /* per step: 1 where the reverse sweep reads nothing it
                                   makes (a final dense layer's values): skipped when
                                   no results are asked for */
    size_t *pv_at;              /* per layer: where its partial sums start (points in lanes; 64 bytes a
                                   gradient, weights then biases), or SIZE_MAX */
    size_t partials;            /* numbers of them all */
    unsigned char *from_a;      /* per step: 1 for a tanh (with terms, or a sigmoid) whose values no
                                   later step overwrites (the reverse sweep reads s, s', s'' off them) */
    int clears;                 /* whether a tile's reverse sweep leaves every adjoint zero (every
                                   buffer spent by its first writer's reverse, g->spend; or an
                                   activation's or scale's, which zero what they read): the
                                   adjoints are zeroed once a sweep, not once a tile */
    int *spend;                 /* per step: the buffer whose adjoints its reverse is the last to
                                   read (it writes the buffer first, in the forward), to zero after
                                   it; or -1 */
    int one_writer;             /* whether every adjoint has one step of the reverse sweep writing it
                                   (a clearing plan of seed, dense, activation and store steps,
                                   every value read by one step): with points in lanes, each
                                   reverse sets the adjoint it writes rather than adding to it, and
                                   none is zeroed between tiles (grad_real.h) */
    unsigned char *spent;       /* per step: 1 for a copy whose reverse adds only zeros (the
                                   operand of an activation or scale that keeps it: their reverse
                                   gives its adjoint straight to the copy's source and spends the
                                   copy's) */
    void **wp;                  /* per layer: W (or B) in rows padded to ldw, for dense_back, in
                                   the sweep's precision (owned) */
    size_t *ldw;
    size_t scratch;             /* numbers of a gradient nobody reads (a layer without a tensor) */
    size_t kept;                /* numbers of a tile the reverse sweep reads, a multiple of 8: a
                                   tape's stride (tape_plan) */
    size_t kept_terms;          /* the same of the terms' tape (mode JG_MODE_PARTIALS) */
    jg_spare *spare;            /* the last sweep's work space, kept for the next (sweep_space; owned) */
    unsigned long serial;       /* this handle's number in the process (jg_grad_serial) */
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

/* The offset of the tensor layer l reads as `which`, added to the list
   when new; SIZE_MAX out of memory. */
static size_t tensor_at(jg_grad *g, const jg_layer *l, int which)
{
    char *name = (char *)jg_malloc(jg_layer_tensor_name(l, which, NULL));
    size_t i;
    if (name == NULL)
        return SIZE_MAX;
    jg_layer_tensor_name(l, which, name);
    for (i = 0; i < g->n_tensors; i++)
        if (strcmp(g->tensors[i].name, name) == 0) {
            jg_free(name);
            return g->tensors[i].offset;
        }
    g->tensors[g->n_tensors].name = name;
    g->tensors[g->n_tensors].count = jg_layer_tensor_count(l, which);
    g->tensors[g->n_tensors].offset = g->n_params;
    g->n_params += g->tensors[g->n_tensors].count;
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
    jg_free(g->pv_at);
    for (i = 0; g->wp != NULL && i < g->m->n_layers; i++)
        jg_free(g->wp[i]);
    jg_free(g->wp);
    jg_free(g->ldw);
    jg_free(g->act);
    jg_free(g->from_a);
    jg_free(g->spent);
    jg_free(g->spend);
    jg_free(g->idle);
    jg_free(g->arrays);
    jg_free(g->farrays);
    jg_exec_free(&g->x);
    jg_plan_free(g->p);
    if (g->spare != NULL) {
        jg_spare_free(g->spare);
        jg_free(g->spare);
    }
    jg_free(g);
}

/* The bytes of sweep work space a handle keeps between calls, at most. */
#define JG_SWEEP_SPARE ((size_t)64 << 20)

/* The work space of a sweep of g, count numbers of size bytes: a block
   an earlier sweep of the same layout (key) kept when it is as large and
   at most twice as large, else a new one; NULL out of memory. A sweep's space (adjoints of a tile, the
   weights' partial sums: 0.1 to 1 MB) taken afresh at every call comes
   from the top of the heap, which the frees of a PyTorch step between
   trim, and faults in again: about 250 page faults in a third of the steps
   of Cahn-Hilliard's [2,64x3,1] (session 16; 4 to 12 us each on that AMD
   EPYC VM). */
static void *sweep_space(const jg_grad *g, size_t count, size_t size, unsigned long key)
{
    if (count > SIZE_MAX / size)
        return NULL;
    return jg_spare_take(g->spare, count * size, key);
}

/* Keeps block (count numbers of size bytes, from sweep_space for key, the
   sweep's layout) for the next sweep (a handle's sweeps may run in several
   threads at once: the spare keeps one for each). */
static void sweep_space_free(const jg_grad *g, void *block, size_t count, size_t size, unsigned long key)
{
    jg_spare_keep(g->spare, block, count * size, key);
}

/* Handles made so far in the process (jg_grad_serial), under its lock. */
static pthread_mutex_t serial_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long serials;

unsigned long jg_grad_serial(const jg_grad *g)
{
    return g->serial;
}

/* g->spend: each buffer's adjoints zeroed after the reverse of the step
   that writes it first in the forward (the last of the reverse sweep to
   read them: the steps after it that write the buffer again, or read it,
   come before it in the reverse), but where that step is an activation or
   a scale, whose reverse zeroes the adjoint it reads itself. A step that
   writes part of a buffer (a cat's copies, side by side) spends the whole
   only when it is the first. 0, or -1 for a plan of a step (an output
   step: none in a tape plan) that the rule does not cover. */
static int spends(jg_grad *g)
{
    const jg_plan *p = g->p;
    size_t k;
    int b, rc = 0;
    for (k = 0; k < p->n_steps; k++)
        g->spend[k] = -1;
    for (b = 0; b < (int)p->n_work; b++)
        for (k = 0; k < p->n_steps; k++) {
            const jg_step *s = &p->steps[k];
            const int writes = jg_step_ops[s->op].writes;
            if ((writes == JG_WRITES_DST ? s->dst : writes == JG_WRITES_SRC ? s->src : -1) != b)
                continue;
            if (s->op != JG_STEP_ACTIVATE && s->op != JG_STEP_SCALE)
                g->spend[k] = b;
            break;
        }
    for (k = 0; k < p->n_steps; k++)
        if (p->steps[k].op == JG_STEP_OUTPUT)
            rc = -1;
    return rc;
}

/* Whether plan p's reverse sweep writes every adjoint from one step (see
   jg_grad's one_writer): dense steps write their operand's, activations
   their kept operand's, the store its value's; no scale, no offsets. */
static int one_writer(const jg_plan *p)
{
    unsigned char *writers = (unsigned char *)jg_malloc_n(p->n_work + 1, 1);
    size_t k;
    int b, ok = writers != NULL;
    if (writers != NULL)
        memset(writers, 0, p->n_work + 1);
    for (k = 0; ok && k < p->n_steps; k++) {
        const jg_step *s = &p->steps[k];
        b = s->op == JG_STEP_DENSE || s->op == JG_STEP_STORE ? s->src : s->op == JG_STEP_ACTIVATE ? s->src2 : -1;
        if (s->op != JG_STEP_SEED && s->op != JG_STEP_DENSE && s->op != JG_STEP_STORE
            && !(s->op == JG_STEP_ACTIVATE && s->from2))
            ok = 0;
        else if (s->off != 0 || s->off_dst != 0 || s->off2 != 0)
            ok = 0;
        else if (b >= 0 && (b >= (int)p->n_work || writers[b]++ > 0))
            ok = 0;
    }
    jg_free(writers);
    return ok;
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
        if (jg_step_ops[s->op].back_src)
            need[s->src] = 1;
        if (jg_step_ops[s->op].back_src2)
            need[s->src2] = 1;
    }
    for (k = p->n_steps; k-- > 0;) {            /* and what the steps making it read */
        const jg_step *s = &p->steps[k];
        const int writes = jg_step_ops[s->op].writes;
        const int made = writes == JG_WRITES_RESULTS ? -1 : writes == JG_WRITES_SRC ? s->src : s->dst;
        g->idle[k] = !(made >= 0 && need[made]);
        if (g->idle[k])
            continue;
        if (s->src >= 0)
            need[s->src] = 1;
        if (jg_step_ops[s->op].reads_src2)
            need[s->src2] = 1;
    }
    jg_free(need);
    return 0;
}

/* Whether a step after k writes buffer b (its own output, or in place). */
static int overwritten(const jg_plan *p, size_t k, int b)
{
    size_t j;
    for (j = k + 1; j < p->n_steps; j++) {
        const jg_step *s = &p->steps[j];
        const int in_place = s->op == JG_STEP_ACTIVATE || s->op == JG_STEP_SCALE;
        if (s->dst == b || (in_place && s->src == b))
            return 1;
    }
    return 0;
}

/* The engine's copies of the weights from its plan and the model: the
   plan's arrays rounded to float (in a float engine) and the rows of W
   dense_back reads. */
static void copy_numbers(jg_grad *g)
{
    size_t k, j, i, r;
    for (k = 0; g->is_float && k < g->p->n_arrays; k++)
        for (j = 0; j < g->p->arrays[k].len; j++)
            ((float *)(void *)g->arrays[k])[j] = (float)g->p->arrays[k].v[j];
    for (i = 0; i < g->m->n_layers; i++) {
        const jg_layer *l = &g->m->layers[i];
        const size_t rows = jg_layer_rows(l);
        for (r = 0; g->wp[i] != NULL && r < rows; r++)
            for (j = 0; j < l->n_in; j++) {
                if (g->is_float)
                    ((float *)g->wp[i])[r * g->ldw[i] + j] = (float)l->w[r * l->n_in + j];
                else
                    ((double *)g->wp[i])[r * g->ldw[i] + j] = l->w[r * l->n_in + j];
            }
    }
}

/* Numbers of one tile's values: a multiple of 8, so that every tile of a
   tape starts 64-byte aligned when the tape does. */
static size_t tile_numbers(const jg_grad *g)
{
    return (g->p->buf_at[g->p->n_work] + 7) / 8 * 8;
}

/* A tape keeps no buffer its reverse sweep does not read. Rank 2: the
   network's output, where only the dense step making it and STORE (to u,
   du, d2) name its buffer: no reverse reads a forward's output (a dense
   reverse reads its operand and the adjoints), and no tape keeps it (the
   reference network's [.., 50, 501] in three channels: 60% of its Hessian
   tape). Rank 1, for the terms' tape alone: the operand z of a tanh or
   sigmoid whose reverse finds s' from its kept output a (g->from_a),
   where the terms' kernels need no series of z (partials_back_reads_z)
   and nothing but the dense step making it and that activation name the
   buffer (nearly halves the terms' tape of a chain of dense layers and
   tanh: KdV's at 1,000 points 14.8 to 8.4 MB). These buffers go last in a
   tile (jg_plan_put_last) and a tape steps by the numbers before them
   (g->kept, g->kept_terms): a tile's dropped buffers lie where the next
   tile's values go, written after they are read (the output by STORE, at
   the tile's end). 0, or -1 out of memory. */
static int tape_plan(jg_grad *g)
{
    jg_plan *p = g->p;
    const jg_monos *mo = &g->m->monos;
    const size_t nch = p->channels[JG_MODE_PARTIALS];
    unsigned char *rank;
    size_t k, j, before[JG_PLAN_RANKS];
    int reads = 1, any = 0;
    g->kept = g->kept_terms = tile_numbers(g);
    if (g->m->n_terms > 0 && g->is_float)
        g->x.ks->f->partials_back_reads_z(nch, mo->order, mo->upto, mo->pairs, &reads);
    else if (g->m->n_terms > 0)
        g->x.ks->d->partials_back_reads_z(nch, mo->order, mo->upto, mo->pairs, &reads);
    if ((rank = (unsigned char *)jg_malloc_n(p->n_work + 1, 1)) == NULL)
        return -1;
    memset(rank, 0, p->n_work + 1);
    for (k = 0; k < p->n_steps; k++) {
        const jg_step *s = &p->steps[k];
        if (s->op == JG_STEP_ACTIVATE && g->from_a[k] && s->src2 >= 0 && !reads)
            rank[s->src2] = 1;
        if (s->op == JG_STEP_STORE && s->src >= 0)
            rank[s->src] = 2;
    }
    for (k = 0; k < p->n_steps; k++) {     /* any other use keeps the buffer */
        const jg_step *s = &p->steps[k];
        const int at[3] = {s->src, s->dst, s->src2};
        const int free_use[3] = {s->op == JG_STEP_STORE && s->src >= 0 && rank[s->src] == 2,
                                 s->op == JG_STEP_DENSE,
                                 s->op == JG_STEP_ACTIVATE && g->from_a[k] && s->src2 >= 0 && rank[s->src2] == 1};
        for (j = 0; j < 3; j++)
            if (at[j] >= 0 && !free_use[j])
                rank[at[j]] = 0;
    }
    for (k = 0; k < p->n_work; k++)
        any |= rank[k];
    if (any) {
        jg_plan_put_last(p, rank, before);
        g->kept_terms = (before[1] + 7) / 8 * 8;
        g->kept = (before[2] + 7) / 8 * 8;
    }
    jg_free(rank);
    return 0;
}

jg_grad *jg_grad_new(const jg_model *m, int is_float, jg_diag *d)
{
    jg_grad *g = (jg_grad *)jg_malloc(sizeof *g);
    size_t i, k, total = 0;
    int overflow = 0, which;
    if (g == NULL) {
        jg_diag_error(d, m->spec_path, 0, 0, "out of memory");
        return NULL;
    }
    memset(g, 0, sizeof *g);
    g->m = m;
    g->is_float = is_float != 0;
    g->real = is_float ? sizeof(float) : sizeof(double);
    g->p = jg_plan_make_for(m, is_float ? JG_FLOAT : JG_DOUBLE, JG_PLAN_TAPE | JG_PLAN_LANES, d);
    if (g->p == NULL) {
        jg_grad_free(g);
        return NULL;
    }
    g->arrays = (const void **)jg_malloc_n(g->p->n_arrays + 1, sizeof *g->arrays);
    g->tensors = (tensor *)jg_malloc_n(2 * m->n_layers + 1, sizeof *g->tensors);
    g->w_at = (size_t *)jg_malloc_n(m->n_layers + 1, sizeof *g->w_at);
    g->b_at = (size_t *)jg_malloc_n(m->n_layers + 1, sizeof *g->b_at);
    g->pv_at = (size_t *)jg_malloc_n(m->n_layers + 1, sizeof *g->pv_at);
    g->act = (int *)jg_malloc_n(g->p->n_steps + 1, sizeof *g->act);
    g->from_a = (unsigned char *)jg_malloc_n(g->p->n_steps + 1, 1);
    g->spent = (unsigned char *)jg_malloc_n(g->p->n_steps + 1, 1);
    g->spend = (int *)jg_malloc_n(g->p->n_steps + 1, sizeof *g->spend);
    g->wp = (void **)jg_malloc_n(m->n_layers + 1, sizeof *g->wp);
    g->ldw = (size_t *)jg_malloc_n(m->n_layers + 1, sizeof *g->ldw);
    if (g->wp != NULL)
        memset(g->wp, 0, (m->n_layers + 1) * sizeof *g->wp);
    if (g->wp == NULL || g->ldw == NULL || g->arrays == NULL || g->tensors == NULL || g->w_at == NULL || g->b_at == NULL || g->pv_at == NULL || g->act == NULL
        || g->from_a == NULL || g->spent == NULL || g->spend == NULL)
        goto oom;
    if ((g->spare = (jg_spare *)jg_malloc(sizeof *g->spare)) == NULL)
        goto oom;
    jg_spare_init(g->spare, JG_SWEEP_SPARE);
    pthread_mutex_lock(&serial_lock);
    g->serial = ++serials;
    pthread_mutex_unlock(&serial_lock);
    for (k = 0; k < g->p->n_arrays; k++) {
        g->arrays[k] = g->p->arrays[k].v;
        total += (g->p->arrays[k].len + 15) / 16 * 16;     /* each float array 64-byte aligned */
    }
    if (is_float) {
        if ((g->farrays = (float *)jg_malloc_n(total + 16, sizeof(float))) == NULL)
            goto oom;
        for (k = 0, total = (64 - (size_t)g->farrays % 64) % 64 / sizeof(float); k < g->p->n_arrays; k++) {
            g->arrays[k] = g->farrays + total;
            total += (g->p->arrays[k].len + 15) / 16 * 16;
        }
    }
    if (jg_exec_init(&g->x, g->p, jg_kernels_best(is_float), g->arrays) != 0)
        goto oom;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        g->w_at[i] = g->b_at[i] = g->pv_at[i] = SIZE_MAX;
        if (g->p->lane_points > 0 && jg_kinds[l->kind].halves == 1) {     /* lanes_outer's slots */
            g->pv_at[i] = g->partials;
            g->partials += (l->n_out * l->n_in + l->n_out) * g->p->lanes;
        }
        if (jg_kinds[l->kind].halves > 0) {
            const size_t rows = jg_layer_rows(l), ld = jg_plan_pad(g->p, l->n_in);
            if (l->n_out * l->n_in > g->scratch)
                g->scratch = l->n_out * l->n_in;
            g->ldw[i] = ld;
            g->wp[i] = jg_malloc_n(jg_mul(rows, ld, &overflow), g->real);
            if (g->wp[i] == NULL || overflow)
                goto oom;
            memset(g->wp[i], 0, rows * ld * g->real);
        }
        for (which = 0; which < 2; which++)        /* the tensors it reads, named as in the weights file */
            if (jg_layer_tensor_name(l, which, NULL) > 0
                && ((which ? g->b_at : g->w_at)[i] = tensor_at(g, l, which)) == SIZE_MAX)
                goto oom;
    }
    g->clears = spends(g) == 0;
    for (k = 0; k < g->p->n_steps; k++) {
        const jg_step *s = &g->p->steps[k];
        g->act[k] = s->op == JG_STEP_ACTIVATE ? s->act->activation : -1;
        g->from_a[k] = (g->act[k] == JG_ACT_tanh || (g->act[k] == JG_ACT_sigmoid && g->p->m->n_terms > 0))
                       && !overwritten(g->p, k, s->src);
        g->spent[k] = 0;
        if (s->op == JG_STEP_COPY && k + 1 < g->p->n_steps) {
            const jg_step *t = &g->p->steps[k + 1];
            g->spent[k] = (t->op == JG_STEP_ACTIVATE || t->op == JG_STEP_SCALE) && t->src == s->dst
                       && t->off == s->off_dst && t->src2 == s->src && t->off2 == s->off;
        }
    }
    g->one_writer = g->clears && one_writer(g->p);
    if (tape_plan(g) != 0)
        goto oom;
    if (mark_idle(g) != 0)
        goto oom;
    copy_numbers(g);
    return g;
oom:
    jg_diag_error(d, m->spec_path, 0, 0, "out of memory");
    jg_grad_free(g);
    return NULL;
}

int jg_grad_refresh(jg_grad *g)
{
    jg_plan_refill(g->p);       /* the same layout: new numbers */
    copy_numbers(g);
    return 0;
}

/* ---- the reverse sweep ---- */

/* The second-derivative channel of the pair (i, j), i <= j, in mode 2. */
static size_t pair(size_t n_x, size_t i, size_t j)
{
    return 1 + n_x + i * n_x - i * (i - 1) / 2 + (j - i);
}

/* Points whose gradients a float partial sum of points in lanes holds, at
   most: its lanes sum about as many terms as a float tile of the row
   layout (double's hold every point of a call). */
#define JG_FOLD_POINTS 256
/* Points whose gradients a float tile sum of the row layout holds before
   it is added to the double gradients, at least: one tile's (up to 16
   points), or this many (the sum, its zeroing and the add are a pass over
   every weight: 17% of the reference network's float32 gradient, 16
   points a tile). */
#ifndef JG_SUM_POINTS
#define JG_SUM_POINTS 64
#endif

/* The numbers from a tile of a tape in mode to the next. */
static size_t tile_stride(const jg_grad *g, int mode)
{
    return mode == JG_MODE_PARTIALS ? g->kept_terms : g->kept;
}

#define grad_d_exec_tile jg_exec_tile_double
#define grad_f_exec_tile jg_exec_tile_float
#define REAL double
#define FN(name) grad_d_##name
#define GRAD_FLOAT 0
#define KERNELS(g) ((g)->x.ks->d)
#define KERNELS_TYPE jg_kernels_double
#define ACT3_BY act3_by
#include "grad_real.h"
#undef REAL
#undef FN
#undef GRAD_FLOAT
#undef KERNELS
#undef KERNELS_TYPE
#undef ACT3_BY
#define REAL float
#define FN(name) grad_f_##name
#define GRAD_FLOAT 1
#define KERNELS(g) ((g)->x.ks->f)
#define KERNELS_TYPE jg_kernels_float
#define ACT3_BY act3f_by
#include "grad_real.h"
#undef REAL
#undef FN
#undef GRAD_FLOAT
#undef KERNELS
#undef KERNELS_TYPE
#undef ACT3_BY

size_t jg_grad_tape_numbers(const jg_grad *g, int mode, size_t n)
{
    const size_t tile_np = g->p->tile[mode], tiles = (n + tile_np - 1) / tile_np;
    int overflow = 0;
    size_t k;
    if (tiles == 0)
        return 0;
    k = jg_mul(tiles - 1, tile_stride(g, mode), &overflow) + tile_numbers(g);     /* the last tile whole */
    return overflow || k < tile_numbers(g) ? SIZE_MAX : k;
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
    grad_d_forward(g, mode, n, x, u, du, d2, tape);
    return 0;
}

int jg_grad_forward_float(const jg_grad *g, int mode, size_t n, const float *x, float *u, float *du, float *d2,
                          float *tape)
{
    grad_f_forward(g, mode, n, x, u, du, d2, tape);
    return 0;
}

int jg_grad_back_float(const jg_grad *g, int mode, size_t n, const float *tape, const float *gu, const float *gdu,
                       const float *gd2, double *gp, float *gx)
{
    return grad_f_sweep(g, mode, n, NULL, tape, gu, gdu, gd2, gp, gx, NULL, NULL, NULL);
}

int jg_grad_back(const jg_grad *g, int mode, size_t n, const double *tape, const double *gu, const double *gdu,
                 const double *gd2, double *gp, double *gx)
{
    return grad_d_sweep(g, mode, n, NULL, tape, gu, gdu, gd2, gp, gx, NULL, NULL, NULL);
}

int jg_grad_run(const jg_grad *g, int mode, size_t n, const double *x, const double *gu,
                const double *gdu, const double *gd2, double *gp, double *gx, double *u, double *du,
                double *d2)
{
    return grad_d_sweep(g, mode, n, x, NULL, gu, gdu, gd2, gp, gx, u, du, d2);
}

int jg_grad_run_float(const jg_grad *g, int mode, size_t n, const float *x, const float *gu, const float *gdu,
                      const float *gd2, double *gp, float *gx)
{
    return grad_f_sweep(g, mode, n, x, NULL, gu, gdu, gd2, gp, gx, NULL, NULL, NULL);
}

int jg_grad_is_float(const jg_grad *g)
{
    return g->is_float;
}
