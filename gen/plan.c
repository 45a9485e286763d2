/* plan.c: the layout of a model's computation (see plan.h). */
#include "plan.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include "template.h"

size_t jg_plan_pad(const jg_plan *p, size_t n)
{
    return (n + p->lanes - 1) / p->lanes * p->lanes;
}

size_t jg_plan_per_output2(size_t n_in, jg_mode mode)
{
    return mode == JG_MODE_HESSIAN ? n_in * n_in
         : mode == JG_MODE_DIAG ? n_in : mode == JG_MODE_LAPLACIAN ? 1 : 0;
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

/* Tiles, rows and buffer sizes for tiles of at most max_rows rows; returns
   the work bytes, saturated (SIZE_MAX) when they overflow. */
static size_t lay_out(jg_plan *p, size_t max_rows)
{
    int o, overflow = 0;
    size_t bufs;
    p->rows = 0;
    for (o = 0; o < JG_N_MODES; o++) {
        p->tile[o] = tile_points(p->channels[o], max_rows);
        if (p->channels[o] * p->tile[o] > p->rows)
            p->rows = p->channels[o] * p->tile[o];
    }
    p->buf_len = jg_mul(p->rows, p->width, &overflow);
    p->out_len = jg_mul(p->rows, p->out, &overflow);
    bufs = jg_mul(p->n_work + p->n_keep, p->buf_len, &overflow);
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
    s->src = s->dst = s->w = s->b = -1;
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

/* w [n_out][n_in] as W^T in panels of p->panel columns, the layout of the
   dense kernel (templates/kernels.c, MODEL__PANEL): W[j][k] is at
   panel * p * n_in + k * pw + j % panel, p = j / panel, pw the panel's width. */
static int add_panels(jg_plan *p, size_t layer, const char *tensor, const char *role,
                      const double *w, size_t n_out, size_t n_in)
{
    const size_t ldw = jg_plan_pad(p, n_out), panel = p->panel;
    int overflow = 0, a = add_array(p, layer, tensor, role, jg_mul(ldw, n_in, &overflow));
    size_t p0, k, c, at = 0;
    if (a < 0)
        return -1;
    for (p0 = 0; p0 < ldw; p0 += panel) {
        const size_t pw = ldw - p0 < panel ? ldw - p0 : panel;
        for (k = 0; k < n_in; k++)
            for (c = 0; c < pw; c++)
                p->arrays[a].v[at++] = p0 + c < n_out ? w[(p0 + c) * n_in + k] : 0.0;
    }
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

/* The steps of a tile and the arrays they read (plan.h). Returns 0, or -1
   out of memory. */
static int make_steps(jg_plan *p)
{
    const jg_model *m = p->m;
    size_t i, ld = jg_plan_pad(p, m->n_in);
    int cur = 0;
    jg_step *s;
    p->steps = (jg_step *)jg_malloc_n(2 * m->n_layers + 2, sizeof *p->steps);
    p->arrays = (jg_plan_array *)jg_malloc_n(2 * m->n_layers, sizeof *p->arrays);
    if (p->steps == NULL || p->arrays == NULL)
        return -1;
    s = add_step(p, JG_STEP_SEED, SIZE_MAX);
    s->n = m->n_in;
    s->dst = 0;
    s->ld_dst = ld;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        const size_t ldo = jg_plan_pad(p, l->n_out);
        switch (l->kind) {
        case JG_DENSE:
            s = add_step(p, i + 1 == m->n_layers ? JG_STEP_OUTPUT : JG_STEP_DENSE, i);
            s->n = i + 1 == m->n_layers ? l->n_out : ldo;
            s->n_in = l->n_in;
            s->src = cur;
            s->ld_src = ld;
            s->ld_dst = ldo;
            s->w = add_panels(p, i, l->tensor, "weight", l->w, l->n_out, l->n_in);
            if (s->w < 0 || (l->b != NULL && (s->b = add_row(p, i, l->tensor, "bias", l->b, l->n_out)) < 0))
                return -1;
            if (s->op == JG_STEP_OUTPUT) {
                s->direct = m->n_in == 1 ? l->n_out / p->lanes * p->lanes : 0;
            } else {
                s->dst = 1 - cur;
                cur = 1 - cur;
            }
            ld = ldo;
            break;
        case JG_FOURIER: {
            /* [B; B]: one product gives the arguments of sin and of cos */
            const size_t half = l->n_out / 2;
            int overflow = 0;
            double *w2 = (double *)jg_malloc_n(jg_mul(l->n_out, l->n_in, &overflow), sizeof *w2);
            if (w2 == NULL)
                return -1;
            memcpy(w2, l->w, half * l->n_in * sizeof *w2);
            memcpy(w2 + half * l->n_in, l->w, half * l->n_in * sizeof *w2);
            s = add_step(p, JG_STEP_DENSE, i);
            s->n = ldo;
            s->n_in = l->n_in;
            s->src = cur;
            s->ld_src = ld;
            s->dst = 1 - cur;
            s->ld_dst = ldo;
            s->w = add_panels(p, i, l->tensor, "B_twice", w2, l->n_out, l->n_in);
            jg_free(w2);
            if (s->w < 0)
                return -1;
            cur = 1 - cur;
            ld = ldo;
            s = add_step(p, JG_STEP_ACTIVATE, i);
            s->act = jg_layer_lookup("sin");
            s->n = half;
            s->src = cur;
            s->ld_src = ld;
            s->p = 1.0;
            s = add_step(p, JG_STEP_ACTIVATE, i);
            s->act = jg_layer_lookup("cos");
            s->n = half;
            s->off = half;
            s->src = cur;
            s->ld_src = ld;
            s->p = 1.0;
            break;
        }
        case JG_SCALE:
            s = add_step(p, JG_STEP_SCALE, i);
            s->n = ld;
            s->src = cur;
            s->ld_src = ld;
            s->w = add_row(p, i, l->tensor, "mul", l->w, l->n_out);
            s->b = add_row(p, i, l->tensor2, "add", l->b, l->n_out);
            if (s->w < 0 || s->b < 0)
                return -1;
            break;
        case JG_RESIDUAL:
            s = add_step(p, JG_STEP_COPY, i);
            s->n = ld;
            s->src = cur;
            s->dst = 2 + l->depth;
            s->ld_src = s->ld_dst = ld;
            break;
        case JG_END:
            s = add_step(p, JG_STEP_ADD, i);
            s->n = ld;
            s->src = 2 + l->depth;
            s->dst = cur;
            s->ld_src = s->ld_dst = ld;
            break;
        case JG_ACTIVATION:
            s = add_step(p, JG_STEP_ACTIVATE, i);
            s->act = l->info;
            s->n = ld;
            s->src = cur;
            s->ld_src = ld;
            s->p = l->param[0];
            s->q = l->param[1];
            break;
        case JG_IDENTITY:
            break;
        }
    }
    if (m->layers[m->n_layers - 1].kind != JG_DENSE) {
        s = add_step(p, JG_STEP_STORE, SIZE_MAX);
        s->n = m->n_out;
        s->src = cur;
        s->ld_src = ld;
    }
    return 0;
}

static void add_kernel(jg_plan *p, const char *name)
{
    size_t i;
    for (i = 0; i < p->n_kernels; i++)
        if (strcmp(p->kernels[i], name) == 0)
            return;
    if (p->n_kernels < JG_PLAN_MAX_KERNELS)
        p->kernels[p->n_kernels++] = name;
}

/* The helper sections a kernel section says it needs, in the template
   itself (CasADi's add_auxiliary): a comment line
       / * needs: pow2 expm1; in float: pow2f expm1 * /
   whose names are sections of templates/kernels.c. Adds them to *mask as
   bits of their place in helpers[]. */
static void needs_of(const char *name, int is_float, const char *const *helpers, size_t n_helpers,
                     unsigned *mask)
{
    size_t len, i;
    const char *s = jg_tpl_section(jg_tpl_kernels_c, name, &len), *end, *at, *fl;
    if (s == NULL || (at = strstr(s, "/* needs:")) == NULL || at >= s + len)
        return;
    end = strstr(at, "*/");
    at += 9;
    fl = strstr(at, "; in float:");
    if (fl != NULL && fl < end) {
        if (is_float)
            at = fl + 11;
        else
            end = fl;
    }
    while (at < end) {
        size_t n;
        while (at < end && *at == ' ')
            at++;
        for (n = 0; at + n < end && at[n] != ' ' && at[n] != ';'; n++)
            ;
        for (i = 0; i < n_helpers && n > 0; i++)
            if (strlen(helpers[i]) == n && memcmp(helpers[i], at, n) == 0)
                *mask |= 1u << i;
        at += n;
        if (at < end && *at == ';')
            break;
    }
}

/* The sections of templates/kernels.c the steps call, in the order a file
   needs them: common, then per step, the helpers of the activations just
   before the first of them (in the template's order). */
static void find_kernels(jg_plan *p)
{
    static const char *const helpers[] = {"pow2", "pow2f", "expm1", "exp_neg", "logistic", "log1p",
                                          "sincos"};
    const size_t n_helpers = sizeof helpers / sizeof helpers[0];
    size_t i, k, first_act = 0;
    unsigned mask = 0;
    add_kernel(p, "common");
    for (i = 0; i < p->n_steps; i++) {
        const jg_step *s = &p->steps[i];
        if (s->op == JG_STEP_SCALE)
            add_kernel(p, "scale");
        else if (s->op == JG_STEP_COPY)
            add_kernel(p, "residual");
        else if (s->op == JG_STEP_ACTIVATE) {
            if (first_act == 0) {
                add_kernel(p, "activate");
                first_act = p->n_kernels;
            }
            add_kernel(p, s->act->keyword);
            needs_of(s->act->keyword, p->precision == JG_FLOAT, helpers, n_helpers, &mask);
        }
    }
    if (mask == 0)
        return;
    /* the helpers go in before the first activation kernel */
    {
        const char *acts[JG_PLAN_MAX_KERNELS];
        size_t n_acts = p->n_kernels - first_act;
        memcpy(acts, p->kernels + first_act, n_acts * sizeof *acts);
        p->n_kernels = first_act;
        for (k = 0; k < n_helpers; k++)
            if (mask & (1u << k))
                add_kernel(p, helpers[k]);
        for (k = 0; k < n_acts; k++)
            add_kernel(p, acts[k]);
    }
}

/* The widest layer a work buffer holds, padded to lanes: the input and
   every output but a final dense layer's, which goes out in chunks. */
static size_t widest(const jg_model *m, size_t lanes)
{
    size_t i, w = (m->n_in + lanes - 1) / lanes * lanes;
    for (i = 0; i < m->n_layers; i++) {
        const size_t n = (m->layers[i].n_out + lanes - 1) / lanes * lanes;
        if (!(i + 1 == m->n_layers && m->layers[i].kind == JG_DENSE) && n > w)
            w = n;
    }
    return w;
}

int jg_plan_check(const jg_model *m, jg_diag *d)
{
    const size_t nch = jg_model_channels(m, JG_MODE_HESSIAN), width = widest(m, 8);
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
    jg_plan *p = (jg_plan *)jg_malloc(sizeof *p);
    size_t i, max_rows, work;
    int o;
    if (p == NULL) {
        jg_diag_error(d, m->spec_path, 0, 0, "out of memory");
        return NULL;
    }
    memset(p, 0, sizeof *p);
    p->m = m;
    p->precision = precision;
    p->real_bytes = precision == JG_FLOAT ? sizeof(float) : sizeof(double);
    p->lanes = 64 / p->real_bytes;
    p->panel = 256 / p->real_bytes;
    for (o = 0; o < JG_N_MODES; o++)
        p->channels[o] = jg_model_channels(m, (jg_mode)o);
    p->width = widest(m, p->lanes);
    p->n_work = 1;
    for (i = 0; i < m->n_layers; i++)
        if ((m->layers[i].kind == JG_DENSE && i + 1 < m->n_layers) || m->layers[i].kind == JG_FOURIER)
            p->n_work = 2;
    p->n_keep = (size_t)m->max_depth;
    if (m->layers[m->n_layers - 1].kind == JG_DENSE)
        p->out = jg_plan_pad(p, m->n_out) < JG_OUT_CHUNK ? jg_plan_pad(p, m->n_out) : JG_OUT_CHUNK;

    if (jg_plan_check(m, d) != 0) {
        jg_plan_free(p);
        return NULL;
    }
    /* the largest tiles whose work fits the stack budget; where even one
       point does not fit, the plain functions allocate, and tiles of one
       point keep that small */
    for (max_rows = JG_TILE_ROWS; max_rows > 1; max_rows--)
        if (lay_out(p, max_rows) <= JG_STACK_BUDGET)
            break;
    work = lay_out(p, max_rows);
    p->on_stack = work <= JG_STACK_BUDGET;
    p->work_bytes = work;
    if (make_steps(p) != 0) {
        jg_diag_error(d, m->spec_path, 0, 0, "out of memory");
        jg_plan_free(p);
        return NULL;
    }
    find_kernels(p);
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
    jg_free(p);
}
