/* plan.c: the layout of a model's computation (see plan.h). */
#include "plan.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "template.h"

size_t jg_plan_pad(const jg_plan *p, size_t n)
{
    return (n + p->lanes - 1) / p->lanes * p->lanes;
}

/* The numbers of a row of n neurons: n padded to lanes in the row layout,
   a channel of n neurons' lanes in the lanes layout. */
static size_t row_len(const jg_plan *p, size_t n)
{
    return p->lane_points > 0 ? n * p->lane_points : jg_plan_pad(p, n);
}

/* The numbers of n neurons in a row, unpadded: n, or n lanes of points.
   Offsets in a row and elementwise counts are spans. */
static size_t span(const jg_plan *p, size_t n)
{
    return p->lane_points > 0 ? n * p->lane_points : n;
}

size_t jg_plan_per_output2(const jg_model *m, jg_mode mode)
{
    return mode == JG_MODE_HESSIAN ? m->n_in * m->n_in
         : mode == JG_MODE_DIAG ? m->n_over : mode == JG_MODE_LAPLACIAN ? 1 : 0;
}

/* Points per tile for nch channels within max_rows rows: the most, up to
   JG_TILE_POINTS, whose rows fill whole 6-row register blocks; else the
   most that fit; at least 1. */
static size_t tile_points(size_t nch, size_t max_rows)
{
    size_t t;
    for (t = JG_TILE_POINTS; t > 1; t--)
        if (nch * t <= max_rows && nch * t % 6 == 0)
            return t;
    for (t = JG_TILE_POINTS; t > 1; t--)
        if (nch * t <= max_rows)
            return t;
    return 1;
}

size_t jg_plan_buf_numbers(const jg_plan *p, int b)
{
    return p->tape ? p->rows * p->buf_ld[b] : p->buf_len;
}

void jg_plan_put_last(jg_plan *p, const unsigned char *rank, size_t before[JG_PLAN_RANKS])
{
    size_t b, at = 0;
    int r;
    for (r = 0; r < JG_PLAN_RANKS; r++) {
        before[r] = at;
        for (b = 0; b < p->n_work; b++)
            if (rank[b] == r) {
                p->buf_at[b] = at;
                at += jg_plan_buf_numbers(p, (int)b);
            }
    }
}

/* Tiles, rows and buffer sizes for tiles of at most max_rows rows; returns
   the work bytes, saturated (SIZE_MAX) when they overflow. */
static size_t lay_out(jg_plan *p, size_t max_rows)
{
    int o, overflow = 0;
    size_t bufs, b;
    p->rows = 0;
    for (o = 0; o < JG_N_PLAN_MODES; o++) {
        /* points in lanes: one row a channel, every tile as wide */
        size_t rows;
        p->tile[o] = p->lane_points > 0 ? p->lane_points : tile_points(p->channels[o], max_rows);
        rows = p->channels[o] * (p->lane_points > 0 ? 1 : p->tile[o]);
        if (rows > p->rows)
            p->rows = rows;
    }
    p->buf_len = jg_mul(p->rows, p->width, &overflow);
    p->out_len = jg_mul(p->rows, p->out, &overflow);
    for (b = 0, bufs = 0; b < p->n_work; b++) {
        p->buf_at[b] = bufs;
        bufs += p->tape ? jg_mul(p->rows, p->buf_ld[b], &overflow) : p->buf_len;
        overflow |= bufs < p->buf_at[b];
    }
    p->buf_at[p->n_work] = bufs;
    bufs = jg_mul(bufs + p->out_len, p->real_bytes, &overflow);
    if (overflow || bufs > SIZE_MAX - 64)
        return SIZE_MAX;
    return bufs + 64;
}

static jg_step *add_step(jg_plan *p, jg_step_op op, size_t layer)
{
    jg_step *s = &p->steps[p->n_steps++];
    memset(s, 0, sizeof *s);
    s->op = op;
    s->layer = layer;
    s->src = s->dst = s->src2 = s->w = s->b = -1;
    return s;
}

/* A new array of len numbers (zeros); its index, or -1 out of memory. */
static int add_array(jg_plan *p, size_t layer, const char *tensor, const char *role, size_t len)
{
    jg_plan_array *a = &p->arrays[p->n_arrays];
    a->v = (double *)jg_malloc_n(len, sizeof *a->v);
    if (a->v == NULL)
        return -1;
    memset(a->v, 0, len * sizeof *a->v);
    a->layer = layer;
    a->tensor = tensor;
    a->role = role;
    a->len = len;
    return (int)p->n_arrays++;
}

/* Array a's numbers: w [n_out][n_in] as W^T in panels of p->panel
   columns, the layout of the dense kernel (templates/kernels.c,
   MODEL__PANEL): W[j][k] is at panel * p * n_in + k * pw + j % panel,
   p = j / panel, pw the panel's width; W's row j is w's row j % rows
   (rows = n_out, or half of it for a Fourier layer's [B; B]). */
static void fill_panels(jg_plan *p, int a, const double *w, size_t rows, size_t n_out, size_t n_in)
{
    const size_t ldw = jg_plan_pad(p, n_out), panel = p->panel;
    double *v = p->arrays[a].v;
    size_t p0, k, j;
    memset(v, 0, ldw * n_in * sizeof *v);      /* the padding columns */
    for (p0 = 0; p0 < ldw; p0 += panel, v += panel * n_in) {
        const size_t pw = ldw - p0 < panel ? ldw - p0 : panel;
        /* W's rows j of this panel, each read in one pass: w's row j, or
           j - rows in [B; B]'s second half */
        for (j = p0; j < p0 + pw && j < n_out; j++) {
            const double *wj = w + (j < rows ? j : j - rows) * n_in;
            double *vj = v + (j - p0);
            for (k = 0; k < n_in; k++)
                vj[k * pw] = wj[k];
        }
    }
}

static int add_panels(jg_plan *p, size_t layer, const char *tensor, const char *role,
                      const double *w, size_t rows, size_t n_out, size_t n_in)
{
    int overflow = 0, a = add_array(p, layer, tensor, role, jg_mul(jg_plan_pad(p, n_out), n_in, &overflow));
    if (a >= 0)
        fill_panels(p, a, w, rows, n_out, n_in);
    return a;
}

/* v [n] padded to a row. */
static int add_row(jg_plan *p, size_t layer, const char *tensor, const char *role,
                   const double *v, size_t n)
{
    int a = add_array(p, layer, tensor, role, jg_plan_pad(p, n));
    if (a >= 0)
        memcpy(p->arrays[a].v, v, n * sizeof *v);
    return a;
}

void jg_plan_refill(jg_plan *p)
{
    size_t k;
    for (k = 0; k < p->n_arrays; k++) {
        const jg_plan_array *a = &p->arrays[k];
        const jg_layer *l = &p->m->layers[a->layer];
        if (strcmp(a->role, "weight") == 0)
            fill_panels(p, (int)k, l->w, l->n_out, l->n_out, l->n_in);
        else if (strcmp(a->role, "B_twice") == 0)
            fill_panels(p, (int)k, l->w, l->n_out / 2, l->n_out, l->n_in);
        else
            memcpy(a->v, strcmp(a->role, "mul") == 0 ? l->w : l->b, l->n_out * sizeof *a->v);
    }
}

/* Where a value lives while the tile runs. */
typedef struct vloc {
    int buf;            /* work buffer */
    size_t off, ld;     /* its first neuron there, the buffer's row stride */
} vloc;

/* The state of make_steps: each value's place and last use, each
   buffer's last use. */
typedef struct alloc {
    vloc *loc;          /* [n_layers + 1] */
    size_t *last;       /* [n_layers + 1]: the last layer reading it, n_layers for u */
    size_t *buf_last;   /* [n_layers + 1]: the last use of any value in a buffer */
    size_t *buf_ld;     /* [n_layers + 1]: the widest row stride of a value in a buffer */
    size_t n_bufs;
    int tape;           /* keep every value: no buffer reused, nothing in place */
} alloc;

/* A value is needed by nobody but u: a dense layer making it writes
   straight to u, du, d2u (JG_STEP_OUTPUT), but in a tape plan or with
   points in lanes (keep: either). */
static int dense_output(const jg_model *m, int keep)
{
    size_t i, k;
    const jg_layer *l;
    if (m->output == 0 || keep)
        return 0;
    l = &m->layers[m->output - 1];
    if (jg_kinds[l->kind].halves != 1)      /* dense, matmul: a matrix, once */
        return 0;
    for (i = 0; i < m->n_layers; i++)
        for (k = 0; k < m->layers[i].n_args; k++)
            if (m->layers[i].arg[k] == m->output)
                return 0;
    return 1;
}

/* Value v placed at buffer b from column off, stride ld. */
static void place(alloc *al, size_t v, int b, size_t off, size_t ld, size_t at)
{
    const size_t last = al->last[v] != SIZE_MAX ? al->last[v] : at;
    al->loc[v].buf = b;
    al->loc[v].off = off;
    al->loc[v].ld = ld;
    if (al->buf_last[b] == SIZE_MAX || last > al->buf_last[b])
        al->buf_last[b] = last;
    if (ld > al->buf_ld[b])
        al->buf_ld[b] = ld;
}

/* A buffer free at layer i (every value in it last used before i): the
   first, or a new one. */
static int free_buf(alloc *al, size_t i)
{
    size_t b;
    for (b = 0; !al->tape && b < al->n_bufs; b++)
        if (al->buf_last[b] < i) {
            al->buf_last[b] = SIZE_MAX;
            return (int)b;
        }
    al->buf_last[al->n_bufs] = SIZE_MAX;
    al->buf_ld[al->n_bufs] = 0;
    return (int)al->n_bufs++;
}

/* Operand k of layer i may be overwritten by it: nothing in its buffer is
   needed after i, and no other operand in that buffer but one at the same
   place and of the same width (read at the index written). A narrower one
   there, broadcast, is read for every component after the first is
   written: `mul x0 input` with x0 input's first component computed
   x0^2 x1 for x0 x1 (found by fuzz/differential.py). */
static int in_place_ok(const alloc *al, const jg_model *m, const jg_layer *l, size_t i, size_t k)
{
    const vloc *x = &al->loc[l->arg[k]];
    size_t j;
    if (al->tape || al->buf_last[x->buf] > i)
        return 0;
    for (j = 0; j < l->n_args; j++) {
        const vloc *y = &al->loc[l->arg[j]];
        if (j != k && y->buf == x->buf
            && (y->off != x->off || jg_model_width(m, l->arg[j]) != jg_model_width(m, l->arg[k])))
            return 0;
    }
    return 1;
}

static void set_src(jg_step *s, const vloc *x)
{
    s->src = x->buf;
    s->off = x->off;
    s->ld_src = x->ld;
}

static void set_dst(jg_step *s, const vloc *x)
{
    s->dst = x->buf;
    s->off_dst = x->off;
    s->ld_dst = x->ld;
}

/* Layer i's value in a buffer of its own at v's place: operand 0 itself when
   it may be overwritten, else a copy of it (n neurons, broadcast when
   operand 0 is narrower). */
static void own_copy(jg_plan *p, alloc *al, size_t i)
{
    const jg_layer *l = &p->m->layers[i];
    const size_t v = i + 1, a = l->arg[0];
    jg_step *s;
    int b;
    if (jg_model_width(p->m, a) == l->n_out && in_place_ok(al, p->m, l, i, 0)) {
        place(al, v, al->loc[a].buf, al->loc[a].off, al->loc[a].ld, i);
        return;
    }
    b = free_buf(al, i);
    s = add_step(p, JG_STEP_COPY, i);
    s->n = span(p, l->n_out);
    set_src(s, &al->loc[a]);
    s->bc = jg_model_width(p->m, a) < l->n_out;
    place(al, v, b, 0, row_len(p, l->n_out), i);
    set_dst(s, &al->loc[v]);
}

/* The steps of each kind of layer i (value i + 1) of the model, placing
   its value with al: 0, or -1 out of memory. keep: the tape or lanes,
   where a dense output goes through a buffer. */

/* z = W a + b (or B a): an output layer writes to the results directly */
static int steps_dense(jg_plan *p, alloc *al, size_t i, int keep)
{
    const jg_model *m = p->m;
    const jg_layer *l = &m->layers[i];
    const size_t v = i + 1, ldo = row_len(p, l->n_out);
    const int out = v == m->output && dense_output(m, keep);
    jg_step *s = add_step(p, out ? JG_STEP_OUTPUT : JG_STEP_DENSE, i);
    s->n = out || p->lane_points > 0 ? l->n_out : ldo;  /* lanes: exactly, the next channel follows */
    s->n_in = l->n_in;
    set_src(s, &al->loc[l->arg[0]]);
    s->ld_dst = ldo;
    s->w = add_panels(p, i, l->tensor, "weight", l->w, l->n_out, l->n_out, l->n_in);
    if (s->w < 0 || (l->b != NULL && (s->b = add_row(p, i, l->tensor, "bias", l->b, l->n_out)) < 0))
        return -1;
    if (out) {
        s->direct = m->n_in == 1 ? l->n_out / p->lanes * p->lanes : 0;
    } else {
        place(al, v, free_buf(al, i), 0, ldo, i);
        set_dst(s, &al->loc[v]);
    }
    return 0;
}

/* [sin(B a), cos(B a)]: [B; B] in one product gives the arguments of sin
   and of cos; a tape keeps B a for the reverse sweep, sin and cos then
   work on a copy */
static int steps_fourier(jg_plan *p, alloc *al, size_t i)
{
    const jg_layer *l = &p->m->layers[i];
    const size_t v = i + 1, ldo = row_len(p, l->n_out), half = l->n_out / 2;
    jg_step *s = add_step(p, JG_STEP_DENSE, i);
    vloc z;
    size_t k;
    s->n = ldo;
    s->n_in = l->n_in;
    set_src(s, &al->loc[l->arg[0]]);
    s->w = add_panels(p, i, l->tensor, "B_twice", l->w, half, l->n_out, l->n_in);
    if (s->w < 0)
        return -1;
    place(al, v, free_buf(al, i), 0, ldo, i);
    set_dst(s, &al->loc[v]);
    z = al->loc[v];
    if (al->tape) {
        s = add_step(p, JG_STEP_COPY, i);
        s->n = l->n_out;
        set_src(s, &z);
        place(al, v, free_buf(al, i), 0, ldo, i);
        set_dst(s, &al->loc[v]);
    }
    for (k = 0; k < 2; k++) {
        s = add_step(p, JG_STEP_ACTIVATE, i);
        s->act = jg_layer_lookup(k == 0 ? "sin" : "cos");
        s->n = half;
        set_src(s, &al->loc[v]);
        s->off = span(p, k * half);
        s->p = 1.0;
        if (al->tape) {
            s->src2 = z.buf;
            s->off2 = z.off + span(p, k * half);
            s->ld2 = z.ld;
        }
    }
    return 0;
}

/* an activation or a scale, elementwise: a tape keeps the operand, z of
   the reverse sweep (an activation reads it and writes a buffer of its
   own, a scale works on a copy) */
static int steps_elementwise(jg_plan *p, alloc *al, size_t i)
{
    const jg_model *m = p->m;
    const jg_layer *l = &m->layers[i];
    const size_t v = i + 1, ldo = row_len(p, l->n_out);
    const vloc la = al->loc[l->arg[0]];
    const int to = al->tape && l->kind == JG_ACTIVATION && jg_model_width(m, l->arg[0]) == l->n_out;
    jg_step *s;
    if (to)
        place(al, v, free_buf(al, i), 0, ldo, i);
    else
        own_copy(p, al, i);
    s = add_step(p, l->kind == JG_SCALE ? JG_STEP_SCALE : JG_STEP_ACTIVATE, i);
    set_src(s, &al->loc[v]);
    s->n = s->off == 0 && p->lane_points == 0 ? ldo : span(p, l->n_out);
    if (al->tape) {
        s->n = span(p, l->n_out);
        s->src2 = la.buf;
        s->off2 = la.off;
        s->ld2 = la.ld;
        s->from2 = to;
    }
    if (l->kind == JG_SCALE) {
        s->w = add_row(p, i, l->tensor, "mul", l->w, l->n_out);
        s->b = add_row(p, i, l->tensor2, "add", l->b, l->n_out);
        if (s->w < 0 || s->b < 0)
            return -1;
    } else {
        s->act = l->info;
        s->p = l->param[0];
        s->q = l->param[1];
    }
    return 0;
}

/* a + c b (end of a residual block, add, sub) or a b: in place over an
   operand whose value no later layer reads, else into a buffer of its
   own */
static void steps_binary(jg_plan *p, alloc *al, size_t i)
{
    const jg_model *m = p->m;
    const jg_layer *l = &m->layers[i];
    const size_t v = i + 1, ldo = row_len(p, l->n_out);
    const double c = l->kind == JG_ADD ? l->param[0] : 1.0;
    const size_t wa = jg_model_width(m, l->arg[0]), wb = jg_model_width(m, l->arg[1]);
    size_t x;       /* the operand overwritten, or 2: none */
    jg_step *s;
    if (wa == l->n_out && in_place_ok(al, m, l, i, 0))
        x = 0;
    else if (wb == l->n_out && c == 1.0 && in_place_ok(al, m, l, i, 1))
        x = 1;
    else
        x = 2;
    if (x < 2) {
        const vloc at = al->loc[l->arg[x]];
        place(al, v, at.buf, at.off, at.ld, i);
    } else if (l->kind == JG_MUL) {
        place(al, v, free_buf(al, i), 0, ldo, i);
    } else {
        own_copy(p, al, i);
        x = 0;
    }
    if (l->kind == JG_MUL) {
        s = add_step(p, JG_STEP_MUL, i);
        set_src(s, &al->loc[l->arg[0]]);
        s->bc = wa < l->n_out;
        s->src2 = al->loc[l->arg[1]].buf;
        s->off2 = al->loc[l->arg[1]].off;
        s->ld2 = al->loc[l->arg[1]].ld;
        s->bc2 = wb < l->n_out;
    } else {
        const size_t o = l->arg[1 - x];
        s = add_step(p, JG_STEP_ADD, i);
        set_src(s, &al->loc[o]);
        s->bc = jg_model_width(m, o) < l->n_out;
        s->c = c;
    }
    s->n = span(p, l->n_out);
    set_dst(s, &al->loc[v]);
}

/* the operands side by side in a buffer of their own; or, where they lie
   side by side in order already (the inputs' slices joined again, as
   forward(x, t) does by torch.cat([x, t], 1)), a name for them there: no
   step */
static void steps_cat(jg_plan *p, alloc *al, size_t i)
{
    const jg_layer *l = &p->m->layers[i];
    const size_t ldo = row_len(p, l->n_out);
    const vloc a0 = al->loc[l->arg[0]];
    size_t at = 0, k;
    int nb;
    for (k = 0; k < l->n_args; k++) {
        const vloc *a = &al->loc[l->arg[k]];
        if (a->buf != a0.buf || a->ld != a0.ld || a->off != a0.off + span(p, at))
            break;
        at += jg_model_width(p->m, l->arg[k]);
    }
    if (k == l->n_args) {
        place(al, i + 1, a0.buf, a0.off, a0.ld, i);
        return;
    }
    nb = free_buf(al, i);
    at = 0;
    for (k = 0; k < l->n_args; k++) {
        const size_t w = jg_model_width(p->m, l->arg[k]);
        jg_step *s = add_step(p, JG_STEP_COPY, i);
        s->n = span(p, w);
        set_src(s, &al->loc[l->arg[k]]);
        s->dst = nb;
        s->off_dst = span(p, at);
        s->ld_dst = ldo;
        at += w;
    }
    place(al, i + 1, nb, 0, ldo, i);
}

/* The steps of a tile and the arrays they read (plan.h): the values in
   order, each in a buffer chosen by liveness (a chain uses two, as ping
   and pong). Returns 0, or -1 out of memory. */
static int make_steps(jg_plan *p)
{
    const jg_model *m = p->m;
    const size_t nv = m->n_layers + 1;
    size_t i, k, max_steps = 2;
    alloc al;
    jg_step *s;
    int rc = -1, b, keep;
    for (i = 0; i < m->n_layers; i++)
        max_steps += m->layers[i].n_args + 3;
    al.loc = (vloc *)jg_malloc_n(nv, sizeof *al.loc);
    al.last = (size_t *)jg_malloc_n(nv, sizeof *al.last);
    /* at most a buffer a value, and a tape plan's Fourier layer takes two
       (its product, and the copy sin and cos work on) */
    al.buf_last = (size_t *)jg_malloc_n(2 * nv, sizeof *al.buf_last);
    al.buf_ld = (size_t *)jg_malloc_n(2 * nv, sizeof *al.buf_ld);
    al.n_bufs = 0;
    al.tape = p->tape;
    keep = p->tape || p->lane_points > 0;
    p->steps = (jg_step *)jg_malloc_n(max_steps, sizeof *p->steps);
    p->arrays = (jg_plan_array *)jg_malloc_n(2 * m->n_layers, sizeof *p->arrays);
    p->buf_at = (size_t *)jg_malloc_n(2 * nv + 1, sizeof *p->buf_at);
    if (al.loc == NULL || al.last == NULL || al.buf_last == NULL || al.buf_ld == NULL || p->steps == NULL
        || p->arrays == NULL || p->buf_at == NULL)
        goto done;
    for (i = 0; i < nv; i++)
        al.last[i] = SIZE_MAX;
    for (i = 0; i < m->n_layers; i++)
        for (k = 0; k < m->layers[i].n_args; k++)
            al.last[m->layers[i].arg[k]] = i;
    al.last[m->output] = m->n_layers;

    b = free_buf(&al, 0);
    place(&al, 0, b, 0, row_len(p, m->n_in), 0);
    s = add_step(p, JG_STEP_SEED, SIZE_MAX);
    s->n = m->n_in;
    set_dst(s, &al.loc[0]);
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        const vloc *la = &al.loc[l->arg[0]];
        switch (l->kind) {
        case JG_DENSE:
        case JG_MATMUL:
            if (steps_dense(p, &al, i, keep) != 0)
                goto done;
            break;
        case JG_FOURIER:
            if (steps_fourier(p, &al, i) != 0)
                goto done;
            break;
        case JG_SCALE:
        case JG_ACTIVATION:
            if (steps_elementwise(p, &al, i) != 0)
                goto done;
            break;
        case JG_RESIDUAL:
        case JG_IDENTITY:       /* a name for the operand's value: no step */
            place(&al, i + 1, la->buf, la->off, la->ld, i);
            break;
        case JG_SLICE:
            place(&al, i + 1, la->buf, la->off + span(p, l->off), la->ld, i);
            break;
        case JG_END:
        case JG_ADD:
        case JG_MUL:
            steps_binary(p, &al, i);
            break;
        case JG_CAT:
            steps_cat(p, &al, i);
            break;
        }
    }
    if (!(m->output > 0 && dense_output(m, keep))) {
        s = add_step(p, JG_STEP_STORE, SIZE_MAX);
        s->n = m->n_out;
        set_src(s, &al.loc[m->output]);
    }
    p->n_work = al.n_bufs;
    p->buf_ld = al.buf_ld;
    al.buf_ld = NULL;
    rc = 0;
done:
    jg_free(al.loc);
    jg_free(al.last);
    jg_free(al.buf_last);
    jg_free(al.buf_ld);
    return rc;
}

const jg_step_info jg_step_ops[JG_N_STEP_OPS] = {
#define JG_STEP_INFO(NAME, name, section, writes, over, src2, back_src, back_src2) \
    {#name, section, writes, over, src2, back_src, back_src2},
    JG_STEP_OPS(JG_STEP_INFO)
#undef JG_STEP_INFO
};

/* Adds section name to the plan's kernels once. The list holds every
   section a plan can name (JG_PLAN_MAX_KERNELS counts them): full is a bug,
   said, not dropped. */
static int add_kernel(jg_plan *p, const char *name)
{
    size_t i;
    for (i = 0; i < p->n_kernels; i++)
        if (strcmp(p->kernels[i], name) == 0)
            return 0;
    if (p->n_kernels == JG_PLAN_MAX_KERNELS)
        return -1;
    p->kernels[p->n_kernels++] = name;
    return 0;
}

/* The helper sections kernel section name needs in the plan's precision,
   as bits of jg_tpl_helpers (the table the build reads from the `needs:`
   lines of templates/kernels.c, CasADi's add_auxiliary as data). */
static unsigned needs_of(const char *name, int is_float)
{
    const jg_tpl_needs *n;
    for (n = jg_tpl_needs_of; n->section != NULL; n++)
        if (strcmp(n->section, name) == 0)
            return n->helpers[is_float != 0];
    return 0;
}

/* The sections of templates/kernels.c the steps call, in the order a file
   needs them: common, then per step, the helpers of the activations just
   before the first of them (in the template's order); with terms, their
   seed and results, the activations' and products' series kernels and each
   activation's Taylor kernel (NAME_taylor) last. 0, or -1 when the list is
   full (a bug). */
static int find_kernels(jg_plan *p)
{
#define JG_TAYLOR_SECTION(name, ...) #name "_taylor",
    static const char *const taylor[JG_N_ACTIVATIONS] = {JG_ACTIVATIONS(JG_TAYLOR_SECTION)};
#undef JG_TAYLOR_SECTION
    const int is_float = p->precision == JG_FLOAT, terms = p->m->n_terms > 0;
    size_t i, k, first_act = 0;
    unsigned mask = 0;
    int rc = add_kernel(p, "common"), acts = 0, muls = 0;
    for (i = 0; i < p->n_steps; i++) {
        const jg_step *s = &p->steps[i];
        const char *section = jg_step_ops[s->op].section;
        if (s->op == JG_STEP_ACTIVATE) {    /* and the activation's own kernel, with its helpers */
            if (first_act == 0) {
                rc |= add_kernel(p, section);
                first_act = p->n_kernels;
            }
            rc |= add_kernel(p, s->act->keyword);
            mask |= needs_of(s->act->keyword, is_float);
            acts = 1;
        } else if (section != NULL) {
            rc |= add_kernel(p, section);
        }
        muls |= s->op == JG_STEP_MUL;
    }
    if (terms) {
        rc |= add_kernel(p, "partials");
        if (acts) {
            rc |= add_kernel(p, "partials_activate");
            mask |= needs_of("partials_activate", is_float);
        }
        if (muls)
            rc |= add_kernel(p, "partials_mul");
        for (i = 0; i < p->n_steps; i++)
            if (p->steps[i].op == JG_STEP_ACTIVATE) {
                const char *t = taylor[p->steps[i].act->activation];
                rc |= add_kernel(p, t);
                mask |= needs_of(t, is_float);
            }
    }
    if (mask == 0 || rc != 0)
        return rc;
    /* the helpers go in before the first activation kernel */
    {
        const char *after[JG_PLAN_MAX_KERNELS];
        size_t n_after = p->n_kernels - first_act;
        memcpy(after, p->kernels + first_act, n_after * sizeof *after);
        p->n_kernels = first_act;
        for (k = 0; k < jg_tpl_n_helpers; k++)
            if (mask & (1u << k))
                rc |= add_kernel(p, jg_tpl_helpers[k]);
        for (k = 0; k < n_after; k++)
            rc |= add_kernel(p, after[k]);
    }
    return rc;
}

/* The widest value a work buffer holds, padded to lanes: the input and
   every layer's output but a dense output's, which goes out in chunks. */
static size_t widest(const jg_model *m, size_t lanes, int keep)
{
    const int out = dense_output(m, keep);
    size_t i, w = (m->n_in + lanes - 1) / lanes * lanes;
    for (i = 0; i < m->n_layers; i++) {
        const size_t n = (m->layers[i].n_out + lanes - 1) / lanes * lanes;
        if (!(out && i + 1 == m->output) && n > w)
            w = n;
    }
    return w;
}

int jg_plan_check(const jg_model *m, jg_diag *d)
{
    const size_t nch = jg_model_channels(m, JG_MODE_HESSIAN), width = widest(m, 8, 0);
    if (nch > JG_MAX_WORK_POINT / sizeof(double) || width > JG_MAX_WORK_POINT / sizeof(double) / nch) {
        jg_diag_error(d, m->spec_path, 0, 0,
                      "too large: %zu inputs and a %zu-wide layer need more than %u bytes of "
                      "work space per point for second derivatives", m->n_in, width,
                      JG_MAX_WORK_POINT);
        return -1;
    }
    return 0;
}

/* In float every array is rounded to float: a number beyond float's range
   cannot be (converting it is undefined in C, and no literal could say
   it). Each array holding one is an error naming its tensor and spec line.
   0, or -1. */
static int check_float_range(const jg_plan *p, jg_diag *d)
{
    size_t k, i;
    int bad = 0;
    for (k = 0; k < p->n_arrays; k++) {
        const jg_plan_array *a = &p->arrays[k];
        const jg_layer *l = &p->m->layers[a->layer];
        for (i = 0; i < a->len; i++)
            if (fabs(a->v[i]) > FLT_MAX) {
                if (a->tensor != NULL && l->kind == JG_DENSE)
                    jg_diag_error(d, p->m->spec_path, l->line, 0, "%s.%s holds %g, beyond float's range: "
                                  "--precision float cannot hold it", a->tensor, a->role, a->v[i]);
                else if (a->tensor != NULL)
                    jg_diag_error(d, p->m->spec_path, l->line, 0, "%s holds %g, beyond float's range: "
                                  "--precision float cannot hold it", a->tensor, a->v[i]);
                else
                    jg_diag_error(d, p->m->spec_path, l->line, 0, "scale's %s %g is beyond float's range: "
                                  "--precision float cannot hold it", a->role, a->v[i]);
                bad = 1;
                break;
            }
    }
    return bad ? -1 : 0;
}

jg_plan *jg_plan_make(const jg_model *m, jg_precision precision, jg_diag *d)
{
    return jg_plan_make_for(m, precision, 0, d);
}

/* Points in lanes suit m: no value wider than JG_LANES_WIDTH (a tape of
   terms: JG_LANES_WIDTH_TERMS), no scale or Fourier layer and nothing
   broadcast (one neuron against many), which the lanes kernels do not
   have; and for a tape plan without terms, rows of `lanes` numbers would
   waste more than a tenth of the dense layers' products on padding.
   (Measured, bench/step.sh: points in lanes give the faster forward at
   every width up to 64, while the reverse sweep of rows is as fast or
   faster where they waste nothing, [3, 64, 64, 64, 1]. A tape of terms
   has many channels, whose reverse sweep is faster in lanes at every
   width to 128: [2, 64 x 3, 1] and [2, 100 x 5, 1] with the terms of
   Kuramoto-Sivashinsky, 8 to 11% on an AMD EPYC (AVX2), whose forward
   is 3 to 6% slower, and the whole step 6 to 9% faster on an AVX-512
   Xeon, sessions 15 and 16; without a tape, 128 wide, rows stay 7 to 18%
   faster on the EPYC.) JETGEN_LANES=0 in the environment says no, for tests and
   benchmarks of the row layout. */
static int lanes_suit(const jg_model *m, size_t lanes, int tape)
{
    const char *env = getenv("JETGEN_LANES");
    const int terms = tape && m->n_terms > 0;
    const size_t widest_ok = terms ? JG_LANES_WIDTH_TERMS : JG_LANES_WIDTH;
    double used = 0, padded = 0;
    size_t i;
    if ((env != NULL && strcmp(env, "0") == 0) || m->n_in > widest_ok)
        return 0;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        size_t k;
        int same = 1;       /* every operand as wide as the layer: nothing broadcast */
        for (k = 0; k < l->n_args; k++)
            same &= jg_model_width(m, l->arg[k]) == l->n_out;
        if (l->n_out > widest_ok)
            return 0;
        if (jg_kinds[l->kind].lanes == 0 || (jg_kinds[l->kind].lanes == 2 && !same))
            return 0;
        if (jg_kinds[l->kind].halves == 1) {
            used += (double)l->n_in * (double)l->n_out;
            padded += (double)l->n_in * (double)((l->n_out + lanes - 1) / lanes * lanes);
        }
    }
    return !tape || terms || padded > 1.1 * used;
}

jg_plan *jg_plan_make_for(const jg_model *m, jg_precision precision, int flags, jg_diag *d)
{
    jg_plan *p = (jg_plan *)jg_malloc(sizeof *p);
    const size_t units = widest(m, 1, 1);       /* the widest value, in neurons */
    size_t max_rows, work;
    int o;
    if (p == NULL) {
        jg_diag_error(d, m->spec_path, 0, 0, "out of memory");
        return NULL;
    }
    memset(p, 0, sizeof *p);
    p->m = m;
    p->precision = precision;
    p->tape = (flags & JG_PLAN_TAPE) != 0;
    p->real_bytes = precision == JG_FLOAT ? sizeof(float) : sizeof(double);
    p->lanes = 64 / p->real_bytes;
    p->panel = 256 / p->real_bytes;
    for (o = 0; o < JG_N_PLAN_MODES; o++)
        p->channels[o] = jg_model_channels(m, (jg_mode)o);
    /* a buffer of a tile in lanes at most JG_LANES_BUFFER bytes in every
       mode (many inputs' full Hessians have hundreds of channels: rows,
       whose tiles shrink to fit, keep those) */
    if ((flags & JG_PLAN_LANES) && lanes_suit(m, p->lanes, p->tape)
        && (double)(p->channels[JG_MODE_HESSIAN] > p->channels[JG_MODE_PARTIALS] ? p->channels[JG_MODE_HESSIAN]
                    : p->channels[JG_MODE_PARTIALS]) * (double)units * 256.0 <= JG_LANES_BUFFER) {
        /* 256 bytes of points a tile; every weight in one panel, plain W^T */
        p->lane_points = p->panel;
        p->panel = jg_plan_pad(p, JG_LANES_WIDTH_TERMS);
        p->width = units * p->lane_points;
    } else {
        p->width = widest(m, p->lanes, p->tape);
    }
    if (dense_output(m, p->tape || p->lane_points > 0))
        p->out = jg_plan_pad(p, m->n_out) < JG_OUT_CHUNK ? jg_plan_pad(p, m->n_out) : JG_OUT_CHUNK;

    if (jg_plan_check(m, d) != 0) {
        jg_plan_free(p);
        return NULL;
    }
    if (make_steps(p) != 0) {
        jg_diag_error(d, m->spec_path, 0, 0, "out of memory");
        jg_plan_free(p);
        return NULL;
    }
    /* the largest tiles whose work fits the stack budget; where even one
       point does not fit, the plain functions allocate, and tiles of one
       point keep that small. A tape plan's work is the heap's (grad.c):
       the largest tiles, for the reverse sweep to load each weight for
       as many rows as it can */
    for (max_rows = JG_TILE_ROWS; max_rows > 1 && !p->tape; max_rows--)
        if (lay_out(p, max_rows) <= JG_STACK_BUDGET)
            break;
    work = lay_out(p, max_rows);
    p->on_stack = work <= JG_STACK_BUDGET;
    p->work_bytes = work;
    if (find_kernels(p) != 0) {
        jg_diag_error(d, m->spec_path, 0, 0, "more kernel sections than JG_PLAN_MAX_KERNELS: a bug in jetgen");
        jg_plan_free(p);
        return NULL;
    }
    if (precision == JG_FLOAT && check_float_range(p, d) != 0) {
        jg_plan_free(p);
        return NULL;
    }
    return p;
}

void jg_plan_free(jg_plan *p)
{
    size_t i;
    if (p == NULL)
        return;
    for (i = 0; i < p->n_arrays; i++)
        jg_free(p->arrays[i].v);
    jg_free(p->arrays);
    jg_free(p->steps);
    jg_free(p->buf_ld);
    jg_free(p->buf_at);
    jg_free(p);
}
