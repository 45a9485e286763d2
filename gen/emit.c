/* emit.c: the C for a model, from the templates (see emit.h). Nothing from
   the spec reaches the output unchecked: names become identifiers through
   ident_part(), and free text reaches comments only through comment_text(). */
#include "emit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "template.h"

#define TILE_MAX 16     /* points per tile */
#define TILE_ROWS 60    /* rows (channels x points) per tile at most, if they fit */
#define OUT_CHUNK 64    /* output neurons computed at once by a final dense layer */
#define JIT_KERNELS "jetgen"    /* prefix of the runtime's kernels in JIT code */
#define JIT_KERNELS_FLOAT "jetgenf"     /* the same for float networks */

/* What one emission needs to know besides the model. */
typedef struct emitter {
    const jg_model *m;
    const char *prefix;             /* names of the network's functions */
    char up[JG_MAX_PREFIX + 1];     /* the prefix in upper case */
    const char *kp;                 /* names of the kernels: the prefix, or the runtime's */
    char kup[JG_MAX_PREFIX + 1];    /* kp in upper case */
    int is_float;                   /* numbers are float, not double */
    const char *real;               /* "float" or "double" */
    size_t lanes;                   /* numbers in 64 bytes: rows are padded to this */
    unsigned hessians;              /* JG_HESSIAN_* bits: second-derivative functions */
} emitter;

/* n rounded up to a multiple of 64 bytes of numbers: the rows of a tile
   and of the weights. */
static size_t pad(const emitter *e, size_t n)
{
    return (n + e->lanes - 1) / e->lanes * e->lanes;
}

const char *jg_prefix_problem(const char *prefix)
{
    size_t i;
    if (prefix[0] == '\0')
        return "it is empty";
    if (strlen(prefix) > JG_MAX_PREFIX)
        return "it is longer than 64 bytes";
    if (prefix[0] == '_')
        return "names that start with _ are reserved";
    if (prefix[0] >= '0' && prefix[0] <= '9')
        return "it starts with a digit";
    for (i = 0; prefix[i] != '\0'; i++) {
        char ch = prefix[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '_'))
            return "it holds a character other than a letter, digit or _";
    }
    return NULL;
}

/* s made safe inside a C comment: printable ASCII but '*', '\\' and '?'
   (no comment end, no line splice, no trigraph); the rest become '_'. */
static void comment_text(jg_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        int ok = ch >= 0x20 && ch < 0x7f && ch != '*' && ch != '\\' && ch != '?';
        jg_buf_putc(b, ok ? (char)ch : '_');
    }
}

/* s made part of an identifier: letters and digits kept, the rest '_',
   at most 48 bytes. */
static void ident_part(jg_buf *b, const char *s)
{
    size_t n;
    for (n = 0; s[n] != '\0' && n < 48; n++) {
        char ch = s[n];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        jg_buf_putc(b, ok ? ch : '_');
    }
}

/* The shortest literal that reads back as exactly v (v is finite). A value
   that is a float (as weights saved in float32 are) and is written shorter
   as a float literal gets one with an f suffix: "0.1f" is exactly the float
   nearest 0.1, and a double initializer keeps it exactly. */
static void put_double(jg_buf *b, double v)
{
    char s[48], f[48];
    int prec;
    for (prec = 15; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, v);
        if (strtod(s, NULL) == v)
            break;
    }
    if (fabs(v) <= 3.4e38 && (double)(float)v == v) {
        for (prec = 6; prec <= 9; prec++) {
            snprintf(f, sizeof f, "%.*g", prec, v);
            if ((double)strtof(f, NULL) == v)
                break;
        }
        if (strlen(f) + 1 < strlen(s)) {
            if (strpbrk(f, ".e") == NULL)
                strcat(f, ".0");
            strcat(f, "f");
            jg_buf_puts(b, f);
            return;
        }
    }
    if (strpbrk(s, ".e") == NULL)
        strcat(s, ".0");
    jg_buf_puts(b, s);
}

/* A float literal that reads back as exactly (float)v. */
static void put_float(jg_buf *b, double v)
{
    char f[48];
    const float x = (float)v;
    int prec;
    for (prec = 6; prec <= 9; prec++) {
        snprintf(f, sizeof f, "%.*g", prec, (double)x);
        if (strtof(f, NULL) == x)
            break;
    }
    if (strpbrk(f, ".e") == NULL)
        strcat(f, ".0");
    strcat(f, "f");
    jg_buf_puts(b, f);
}

/* Name of a layer's array: PREFIX__l<layer>_<tensor>_<role>, or
   PREFIX__l<layer>_<role> when it comes from no tensor. */
static void array_name(jg_buf *b, const char *prefix, size_t layer,
                       const char *tensor, const char *role)
{
    jg_buf_printf(b, "%s__l%zu_", prefix, layer + 1);
    if (tensor != NULL) {
        ident_part(b, tensor);
        jg_buf_putc(b, '_');
    }
    jg_buf_puts(b, role);
}

/* v [rows][cols] as a [rows][pad(cols)] array, zero-padded. */
static void put_array(jg_buf *b, const emitter *e, size_t layer,
                      const char *tensor, const char *role, const double *v,
                      size_t rows, size_t cols)
{
    const size_t ld = pad(e, cols);
    size_t r, c, n = 0;
    jg_buf_printf(b, "static const %s_real ", e->prefix);
    array_name(b, e->prefix, layer, tensor, role);
    jg_buf_printf(b, "[%zu] %s__ALIGN = {", rows * ld, e->up);
    for (r = 0; r < rows; r++)
        for (c = 0; c < ld; c++, n++) {
            jg_buf_puts(b, n % 4 == 0 ? "\n    " : " ");
            if (c >= cols)
                jg_buf_puts(b, e->is_float ? "0.0f" : "0.0");
            else if (e->is_float)
                put_float(b, v[r * cols + c]);
            else
                put_double(b, v[r * cols + c]);
            if (n + 1 < rows * ld)
                jg_buf_putc(b, ',');
        }
    jg_buf_puts(b, "\n};\n");
}

/* Widest layer the work space holds, padded: the input and every layer
   output but a final dense layer's, which goes out in chunks. */
static size_t work_width(const emitter *e)
{
    const jg_model *m = e->m;
    size_t i, w = pad(e, m->n_in);
    for (i = 0; i < m->n_layers; i++)
        if (!(i + 1 == m->n_layers && m->layers[i].kind == JG_DENSE) && pad(e, m->layers[i].n_out) > w)
            w = pad(e, m->layers[i].n_out);
    return w;
}

/* Points per tile for a mode: the most, up to 16, whose rows (channels x
   points) fill whole 6-row register blocks and stay within TILE_ROWS; else
   the most within TILE_ROWS; at least 1. */
static size_t tile_points(const jg_model *m, jg_mode mode)
{
    const size_t nch = jg_model_channels(m, mode);
    size_t t;
    for (t = TILE_MAX; t > 1; t--)
        if (nch * t <= TILE_ROWS && nch * t % 6 == 0)
            return t;
    for (t = TILE_MAX; t > 1; t--)
        if (nch * t <= TILE_ROWS)
            return t;
    return 1;
}

static size_t tile_rows(const jg_model *m)
{
    size_t rows = 0;
    int o;
    for (o = 0; o < JG_N_MODES; o++)
        if (jg_model_channels(m, (jg_mode)o) * tile_points(m, (jg_mode)o) > rows)
            rows = jg_model_channels(m, (jg_mode)o) * tile_points(m, (jg_mode)o);
    return rows;
}

/* Output neurons per chunk of a final dense layer (0: none). */
static size_t out_chunk(const emitter *e)
{
    const jg_layer *l = &e->m->layers[e->m->n_layers - 1];
    if (l->kind != JG_DENSE)
        return 0;
    return pad(e, l->n_out) < OUT_CHUNK ? pad(e, l->n_out) : OUT_CHUNK;
}

static void put_provenance(jg_buf *b, const jg_model *m, const jg_emit_opts *o,
                           const char *what)
{
    size_t i, n_act = 0, n_dense = 0;
    for (i = 0; i < m->n_layers; i++) {
        n_dense += m->layers[i].kind == JG_DENSE;
        n_act += m->layers[i].kind == JG_ACTIVATION;
    }
    jg_buf_printf(b, "/* %s generated by jetgen %s. Do not edit: regenerate.\n", what, JG_VERSION);
    if (o->command != NULL) {
        jg_buf_puts(b, "   command: ");
        comment_text(b, o->command);
        jg_buf_puts(b, "\n");
    }
    jg_buf_puts(b, "   spec:    ");
    comment_text(b, m->spec_path);
    jg_buf_printf(b, "\n            sha256 %s\n", m->spec_sha256);
    if (m->weights_path != NULL) {
        jg_buf_puts(b, "   weights: ");
        comment_text(b, m->weights_path);
        jg_buf_printf(b, "\n            sha256 %s\n", m->weights_sha256);
    }
    jg_buf_printf(b, "   network: %zu input%s", m->n_in, m->n_in == 1 ? "" : "s");
    if (m->input_names != NULL) {
        jg_buf_puts(b, " (");
        for (i = 0; i < m->n_in; i++)
            jg_buf_printf(b, "%s%s", i ? ", " : "", m->input_names[i]);
        jg_buf_puts(b, ")");
    }
    jg_buf_printf(b, " -> %zu output%s; %zu layer%s (%zu dense, %zu activation%s), %zu parameters */\n",
                  m->n_out, m->n_out == 1 ? "" : "s", m->n_layers, m->n_layers == 1 ? "" : "s",
                  n_dense, n_act, n_act == 1 ? "" : "s", jg_model_params(m));
}

/* Work buffers of the tile: 1, or 2 where a layer (dense or fourier, but
   a final dense one) writes into a buffer other than its input's. */
static size_t work_buffers(const jg_model *m)
{
    size_t i;
    for (i = 0; i < m->n_layers; i++)
        if ((m->layers[i].kind == JG_DENSE && i + 1 < m->n_layers) || m->layers[i].kind == JG_FOURIER)
            return 2;
    return 1;
}

static void put_sizes(jg_buf *b, const emitter *e)
{
    const jg_model *m = e->m;
    const size_t rows = tile_rows(m);
    const size_t work = rows * work_width(e) + e->lanes;
    const size_t out = out_chunk(e) ? rows * out_chunk(e) + e->lanes : 0;
    const size_t n_buf = work_buffers(m) + (size_t)m->max_depth;
    jg_buf_printf(b, "#define %s_N_IN  %zu\n#define %s_N_OUT %zu\n", e->up, m->n_in, e->up, m->n_out);
    jg_buf_printf(b, "#define %s_STACK_BYTES %zu\n", e->up,
                  (n_buf * work + out) * (e->is_float ? sizeof(float) : sizeof(double)));
    jg_buf_printf(b, "typedef %s %s_real;%s/* the precision of every number below */\n", e->real,
                  e->prefix, e->is_float ? "       " : "      ");
}

static void put_work(jg_buf *b, const emitter *e)
{
    const jg_model *m = e->m;
    const char *up = e->up;
    int o;
    static const char *const what[JG_N_MODES] = {"u", "u, du", "u, du, d2u", "u, du, d2u_diag", "u, du, lap"};
    for (o = 0; o < JG_N_MODES; o++)
        jg_buf_printf(b, "#define %s__TILE%d %zu     /* points per tile for %s */\n", up, o,
                      tile_points(m, (jg_mode)o), what[o]);
    jg_buf_printf(b, "#define %s__ROWS  %zu     /* rows of a tile at most: channels x points */\n",
                  up, tile_rows(m));
    jg_buf_printf(b, "#define %s__WIDTH %zu     /* widest layer held in the work space, padded */\n",
                  up, work_width(e));
    jg_buf_printf(b, "#define %s__OUT   %zu     /* output neurons computed at once, padded */\n",
                  up, out_chunk(e));
}

/* w [n_out][n_in] as W^T in panels of 256 bytes (the kernels'
   MODEL__PANEL), with its comment. */
static void put_panels(jg_buf *b, const emitter *e, size_t layer, const jg_layer *l,
                       const double *w, size_t n_out, const char *role)
{
    const size_t ldw = pad(e, n_out), panel = 4 * e->lanes;
    double *wt;
    size_t p0, k, c, at = 0;
    int overflow = 0;
    jg_buf_printf(b, "/* Stored as W^T [%zu][%zu], padded with zeros, in panels of %zu columns:\n"
                     "   W[j][k] is at %zu * p * %zu + k * w + j %% %zu, with p = j / %zu and w the\n"
                     "   width of panel p (%zu, or what is left for the last one). */\n",
                  l->n_in, ldw, panel, panel, l->n_in, panel, panel, panel);
    wt = (double *)jg_malloc_n(jg_mul(ldw, l->n_in, &overflow), sizeof *wt);
    if (wt == NULL) {
        b->failed = 1;
        return;
    }
    for (p0 = 0; p0 < ldw; p0 += panel) {
        const size_t pw = ldw - p0 < panel ? ldw - p0 : panel;
        for (k = 0; k < l->n_in; k++)
            for (c = 0; c < pw; c++)
                wt[at++] = p0 + c < n_out ? w[(p0 + c) * l->n_in + k] : 0.0;
    }
    put_array(b, e, layer, l->tensor, role, wt, 1, ldw * l->n_in);
    jg_free(wt);
}

static void put_weights(jg_buf *b, const emitter *e)
{
    const jg_model *m = e->m;
    const char *rounded = e->is_float ? ", rounded to float" : "";
    size_t i;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        if (l->kind == JG_DENSE) {
            jg_buf_printf(b, "/* layer %zu (spec line %d): dense %zu <- %zu, tensors ", i + 1, l->line,
                          l->n_out, l->n_in);
            comment_text(b, l->tensor);
            jg_buf_printf(b, ".weight [%zu x %zu]", l->n_out, l->n_in);
            if (l->b != NULL) {
                jg_buf_puts(b, " and ");
                comment_text(b, l->tensor);
                jg_buf_printf(b, ".bias [%zu]", l->n_out);
            }
            jg_buf_printf(b, ", read as %s%s. */\n", l->dtype, rounded);
            put_panels(b, e, i, l, l->w, l->n_out, "weight");
            if (l->b != NULL)
                put_array(b, e, i, l->tensor, "bias", l->b, 1, l->n_out);
        } else if (l->kind == JG_FOURIER) {
            /* [B; B]: one product gives the arguments of sin and of cos */
            const size_t half = l->n_out / 2;
            int overflow = 0;
            double *w2 = (double *)jg_malloc_n(jg_mul(l->n_out, l->n_in, &overflow), sizeof *w2);
            if (w2 == NULL) {
                b->failed = 1;
                return;
            }
            memcpy(w2, l->w, half * l->n_in * sizeof *w2);
            memcpy(w2 + half * l->n_in, l->w, half * l->n_in * sizeof *w2);
            jg_buf_printf(b, "/* layer %zu (spec line %d): fourier %zu <- %zu, tensor ", i + 1, l->line,
                          l->n_out, l->n_in);
            comment_text(b, l->tensor);
            jg_buf_printf(b, " = B [%zu x %zu], read as %s%s, stacked twice: [B; B]. */\n", half, l->n_in,
                          l->dtype, rounded);
            put_panels(b, e, i, l, w2, l->n_out, "B_twice");
            jg_free(w2);
        } else if (l->kind == JG_SCALE) {
            jg_buf_printf(b, "/* layer %zu (spec line %d): scale %zu, a = mul a + add: mul ", i + 1, l->line,
                          l->n_out);
            if (l->tensor != NULL)
                comment_text(b, l->tensor);
            else
                put_double(b, l->param[0]);
            jg_buf_puts(b, ", add ");
            if (l->tensor2 != NULL)
                comment_text(b, l->tensor2);
            else
                put_double(b, l->param[1]);
            jg_buf_printf(b, "%s. */\n", rounded);
            put_array(b, e, i, l->tensor, "mul", l->w, 1, l->n_out);
            put_array(b, e, i, l->tensor2, "add", l->b, 1, l->n_out);
        }
    }
}

/* The activation's parameters as two double arguments. */
static void put_params(jg_buf *b, const jg_layer *l)
{
    put_double(b, l->param[0]);
    jg_buf_puts(b, ", ");
    put_double(b, l->param[1]);
}

/* The comment of a layer in the tile: its place, what it is, its math. */
static void put_layer_comment(jg_buf *b, const jg_model *m, size_t i)
{
    const jg_layer *l = &m->layers[i];
    const jg_layer_info *info = l->info;
    int k;
    jg_buf_printf(b, "    /* layer %zu (spec line %d): %s", i + 1, l->line, info->keyword);
    if (l->kind == JG_DENSE || l->kind == JG_FOURIER) {
        jg_buf_printf(b, " %zu <- %zu ", l->n_out, l->n_in);
        comment_text(b, l->tensor);
    }
    for (k = 0; k < info->n_params; k++) {
        jg_buf_printf(b, " %s=", info->param_name[k]);
        put_double(b, l->param[k]);
    }
    if (l->kind == JG_RESIDUAL || l->kind == JG_END)
        jg_buf_printf(b, " (block %d)", l->depth + 1);
    jg_buf_printf(b, "\n       %s%s */\n", info->formula,
                  l->kind == JG_DENSE && i + 1 == m->n_layers ? "; the output, in chunks" : "");
}

static void put_layers(jg_buf *b, const emitter *e)
{
    const jg_model *m = e->m;
    const char *prefix = e->prefix, *up = e->up, *kp = e->kp;
    const size_t n_buf = work_buffers(m);
    size_t i, ld = pad(e, m->n_in);
    int cur = 0, d;
    const int last_dense = m->layers[m->n_layers - 1].kind == JG_DENSE;

    jg_buf_printf(b, "    %s_real work0_[%s__WORK]", prefix, up);
    if (n_buf > 1)
        jg_buf_printf(b, ", work1_[%s__WORK]", up);
    for (d = 0; d < m->max_depth; d++)
        jg_buf_printf(b, ", keep%d_[%s__WORK]", d, up);
    if (last_dense)
        jg_buf_printf(b, ", out_[%s__ROWS * %s__OUT + %zu]", up, up, e->lanes);
    jg_buf_printf(b, ";\n    %s_real *work0 = %s__align(work0_)", prefix, prefix);
    if (n_buf > 1)
        jg_buf_printf(b, ", *work1 = %s__align(work1_)", prefix);
    for (d = 0; d < m->max_depth; d++)
        jg_buf_printf(b, ", *keep%d = %s__align(keep%d_)", d, prefix, d);
    if (last_dense)
        jg_buf_printf(b, ", *out = %s__align(out_)", prefix);
    jg_buf_printf(b, ";\n    const size_t nrow = %s__channels(mode) * np;\n", prefix);
    if (last_dense && m->n_in == 1 && m->layers[m->n_layers - 1].n_out >= e->lanes)
        jg_buf_printf(b, "    %s_real *rows[%s__ROWS];\n    size_t r, j, m;\n", prefix, up);
    else if (last_dense)
        jg_buf_puts(b, "    size_t j, m;\n");
    jg_buf_printf(b, "    /* input: a = x, a' = identity, a'' = 0 */\n"
                     "    %s__seed(%s_N_IN, nrow, np, x, work0, %zu);\n", kp, up, ld);
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        const size_t ldo = pad(e, l->n_out);
        jg_buf wn = JG_BUF_INIT, bn = JG_BUF_INIT;
        put_layer_comment(b, m, i);
        switch (l->kind) {
        case JG_DENSE:
            array_name(&wn, prefix, i, l->tensor, "weight");
            if (l->b != NULL)
                array_name(&bn, prefix, i, l->tensor, "bias");
            if (i + 1 == m->n_layers) {
                const size_t direct = m->n_in == 1 ? l->n_out / e->lanes * e->lanes : 0;
                const char *bias = l->b != NULL ? jg_buf_str(&bn) : "NULL";
                if (direct > 0) {
                    jg_buf_printf(b, "    /* with one input every channel of an output row is contiguous in the\n"
                                     "       caller's arrays: the first %zu outputs go there directly */\n"
                                     "    j = 0;\n"
                                     "    if (u != NULL && (mode < 1 || du != NULL) && (mode < 2 || d2u != NULL)) {\n"
                                     "        for (r = 0; r < nrow; r++)\n"
                                     "            rows[r] = (r < np ? u : r < 2 * np ? du : d2u) + r %% np * %s_N_OUT;\n"
                                     "        %s__dense(%zu, %zu, %s, %zu, 0, %s, nrow, np, work%d, %zu, NULL, 0, rows);\n"
                                     "        j = %zu;\n    }\n    for (; j < %zu; j += %s__OUT) {\n",
                                  direct, up, kp, direct, l->n_in, jg_buf_str(&wn), ldo, bias, cur, ld, direct,
                                  l->n_out, up);
                } else {
                    jg_buf_printf(b, "    for (j = 0; j < %zu; j += %s__OUT) {\n", l->n_out, up);
                }
                jg_buf_printf(b, "        m = %zu - j < %s__OUT ? %zu - j : %s__OUT;\n", l->n_out, up, l->n_out, up);
                jg_buf_printf(b, "        %s__dense((m + %zu) / %zu * %zu, %zu, %s, %zu, j, %s%s, nrow, np, work%d, %zu, out, %s__OUT, NULL);\n",
                              kp, e->lanes - 1, e->lanes, e->lanes, l->n_in, jg_buf_str(&wn), ldo, bias, l->b != NULL ? " + j" : "", cur, ld, up);
                jg_buf_printf(b, "        %s__store(%s_N_OUT, j, m, %s_N_IN, mode, np, out, %s__OUT, u, du, d2u);\n"
                                 "    }\n", kp, up, up, up);
            } else {
                jg_buf_printf(b, "    %s__dense(%zu, %zu, %s, %zu, 0, %s, nrow, np, work%d, %zu, work%d, %zu, NULL);\n", kp,
                              ldo, l->n_in, jg_buf_str(&wn), ldo, l->b != NULL ? jg_buf_str(&bn) : "NULL",
                              cur, ld, 1 - cur, ldo);
                cur = 1 - cur;
            }
            ld = ldo;
            break;
        case JG_FOURIER:
            array_name(&wn, prefix, i, l->tensor, "B_twice");
            jg_buf_printf(b, "    %s__dense(%zu, %zu, %s, %zu, 0, NULL, nrow, np, work%d, %zu, work%d, %zu, NULL);\n",
                          kp, ldo, l->n_in, jg_buf_str(&wn), ldo, cur, ld, 1 - cur, ldo);
            cur = 1 - cur;
            ld = ldo;
            jg_buf_printf(b, "    %s__activate(%s__sin, 1.0, 0.0, %zu, %s_N_IN, mode, np, work%d, %zu);\n",
                          kp, kp, l->n_out / 2, up, cur, ld);
            jg_buf_printf(b, "    %s__activate(%s__cos, 1.0, 0.0, %zu, %s_N_IN, mode, np, work%d + %zu, %zu);\n",
                          kp, kp, l->n_out / 2, up, cur, l->n_out / 2, ld);
            break;
        case JG_SCALE:
            array_name(&wn, prefix, i, l->tensor, "mul");
            array_name(&bn, prefix, i, l->tensor2, "add");
            jg_buf_printf(b, "    %s__scale(%zu, %s, %s, nrow, np, work%d, %zu);\n", kp, ld,
                          jg_buf_str(&wn), jg_buf_str(&bn), cur, ld);
            break;
        case JG_RESIDUAL:
            jg_buf_printf(b, "    %s__copy(%zu, nrow, work%d, keep%d, %zu);\n", kp, ld, cur, l->depth, ld);
            break;
        case JG_END:
            jg_buf_printf(b, "    %s__add(%zu, nrow, keep%d, work%d, %zu);\n", kp, ld, l->depth, cur, ld);
            break;
        case JG_ACTIVATION:
            jg_buf_printf(b, "    %s__activate(%s__%s, ", kp, kp, l->info->keyword);
            put_params(b, l);
            jg_buf_printf(b, ", %zu, %s_N_IN, mode, np, work%d, %zu);\n", ld, up, cur, ld);
            break;
        case JG_IDENTITY:
            break;
        }
        if (wn.failed || bn.failed)
            b->failed = 1;
        jg_buf_free(&wn);
        jg_buf_free(&bn);
    }
    if (!last_dense)
        jg_buf_printf(b, "    /* the output */\n"
                         "    %s__store(%s_N_OUT, 0, %s_N_OUT, %s_N_IN, mode, np, work%d, %zu, u, du, d2u);\n",
                      kp, up, up, up, cur, ld);
}

/* The helper sections an activation's kernel needs, in the order they
   must appear (each is written once, before its first user). */
static const char *const helper_order[] = {"pow2", "pow2f", "expm1", "exp_neg", "logistic", "log1p",
                                           "sincos"};
#define N_HELPERS (sizeof helper_order / sizeof helper_order[0])

static unsigned helpers_of(const char *kernel, int is_float)
{
    /* bits: 1 pow2, 2 pow2f, 4 expm1, 8 exp_neg, 16 logistic, 32 log1p, 64 sincos */
    static const char *const uses_logistic[] = {"sigmoid", "softplus", "gelu_tanh", "silu", "mish"};
    size_t i;
    if (strcmp(kernel, "tanh") == 0)
        return (is_float ? 2u : 1u) | 4u;
    if (strcmp(kernel, "gelu") == 0 || strcmp(kernel, "elu") == 0 || strcmp(kernel, "selu") == 0
        || strcmp(kernel, "exp") == 0)
        return 1u | 8u;
    if (strcmp(kernel, "sin") == 0 || strcmp(kernel, "cos") == 0)
        return 64u;
    if (strcmp(kernel, "softplus") == 0)
        return 1u | 8u | 16u | 32u;
    for (i = 0; i < sizeof uses_logistic / sizeof uses_logistic[0]; i++)
        if (strcmp(kernel, uses_logistic[i]) == 0)
            return 1u | 8u | 16u;
    return 0;
}

/* Appends the template section name of templates/kernels.c, renamed. */
static int put_section(jg_buf *b, const emitter *e, const char *name)
{
    size_t len;
    const char *s = jg_tpl_section(jg_tpl_kernels_c, name, &len);
    if (s == NULL)
        return -1;
    jg_tpl_rename(b, s, len, e->kp);
    return 0;
}

/* The kernel sections this model calls, renamed to kp: in full for a
   standalone file, their declarations only for the JIT. */
static int put_kernels(jg_buf *b, const emitter *e, int jit)
{
    const jg_model *m = e->m;
    const char *names[64];
    size_t n = 0, i, j, first_act = 0;
    unsigned helpers = 0;
    int rc = 0;
    names[n++] = "common";
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        const char *want[3];
        size_t k, n_want = 0;
        if (l->kind == JG_SCALE)
            want[n_want++] = "scale";
        if (l->kind == JG_RESIDUAL)
            want[n_want++] = "residual";
        if ((l->kind == JG_ACTIVATION || l->kind == JG_FOURIER) && first_act == 0)
            want[n_want++] = "activate";
        if (l->kind == JG_ACTIVATION)
            want[n_want++] = l->info->keyword;
        if (l->kind == JG_FOURIER) {
            want[n_want++] = "sin";
            want[n_want++] = "cos";
        }
        for (k = 0; k < n_want; k++) {
            for (j = 1; j < n; j++)
                if (strcmp(names[j], want[k]) == 0)
                    break;
            if (j < n || n == sizeof names / sizeof names[0])
                continue;
            if (strcmp(want[k], "activate") == 0)
                first_act = n + 1;     /* activation kernels come after it */
            names[n++] = want[k];
            helpers |= helpers_of(want[k], e->is_float);
        }
    }
    if (e->is_float)
        jg_buf_printf(b, "#define %s__FLOAT 1\n", e->kup);
    rc |= put_section(b, e, "real");
    jg_buf_putc(b, '\n');
    if (!jit) {
        rc |= put_section(b, e, "vector");
        jg_buf_putc(b, '\n');
    }
    for (i = 0; i < n; i++) {
        char decl[48];
        snprintf(decl, sizeof decl, "%s-decl", names[i]);
        rc |= put_section(b, e, decl);
    }
    if (jit)
        return rc;
    for (i = 0; i < n; i++) {
        if (i == first_act && first_act > 0)     /* the activations' helpers, before the first of them */
            for (j = 0; j < N_HELPERS; j++)
                if (helpers & (1u << j)) {
                    jg_buf_putc(b, '\n');
                    rc |= put_section(b, e, helper_order[j]);
                }
        jg_buf_putc(b, '\n');
        rc |= put_section(b, e, names[i]);
    }
    return rc;
}

/* For the JIT (renamed like a template): no system headers, and the
   kernels are the runtime's, with external linkage. */
static const char jit_includes[] =
    "/* For the JIT: libtcc compiles this without system headers; the kernels\n"
    "   are the runtime's, compiled by an optimizing compiler and bound by name. */\n"
    "typedef __SIZE_TYPE__ size_t;\n"
    "#define NULL ((void *)0)\n"
    "#define MODEL__API\n";

static void upper(char *dst, const char *s)
{
    for (; *s != '\0'; s++)
        *dst++ = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A') : *s;
    *dst = '\0';
}

int jg_emit(const jg_model *m, const jg_emit_opts *o, jg_buf *c, jg_buf *h,
            jg_diag *d)
{
    emitter e;
    const char *bad = NULL, *why;
    jg_buf prov_c = JG_BUF_INIT, prov_h = JG_BUF_INIT, sizes = JG_BUF_INIT;
    jg_buf decl = JG_BUF_INIT, kern = JG_BUF_INIT, work = JG_BUF_INIT;
    jg_buf weights = JG_BUF_INIT, layers = JG_BUF_INIT, tpl_c = JG_BUF_INIT, tpl_h = JG_BUF_INIT;
    jg_buf tpl_s = JG_BUF_INIT, incl = JG_BUF_INIT;
    jg_buf api_text[6] = {JG_BUF_INIT, JG_BUF_INIT, JG_BUF_INIT, JG_BUF_INIT, JG_BUF_INIT, JG_BUF_INIT};
    jg_buf single_text[4] = {JG_BUF_INIT, JG_BUF_INIT, JG_BUF_INIT, JG_BUF_INIT};
    jg_buf *const temps[] = {&prov_c, &prov_h, &sizes, &decl, &kern, &work, &weights, &layers,
                             &tpl_c, &tpl_h, &tpl_s, &incl, &api_text[0], &api_text[1], &api_text[2],
                             &api_text[3], &api_text[4], &api_text[5], &single_text[0],
                             &single_text[1], &single_text[2], &single_text[3]};
    const int single = o->target == JG_TARGET_SINGLE;
    const char *kp;
    size_t k;
    int rc = 0, failed = 0;

    why = jg_prefix_problem(o->prefix);
    if (why != NULL) {
        jg_buf shown = JG_BUF_INIT;
        comment_text(&shown, o->prefix);
        jg_diag_error(d, "jetgen", 0, 0, "prefix '%s' is not a usable C identifier: %s",
                      jg_buf_str(&shown), why);
        jg_buf_free(&shown);
        return -1;
    }
    e.m = m;
    e.prefix = o->prefix;
    upper(e.up, o->prefix);
    e.is_float = o->precision == JG_FLOAT;
    e.real = e.is_float ? "float" : "double";
    e.lanes = e.is_float ? 16 : 8;
    e.kp = kp = o->target != JG_TARGET_JIT ? o->prefix : e.is_float ? JIT_KERNELS_FLOAT : JIT_KERNELS;
    e.hessians = o->target == JG_TARGET_JIT ? JG_HESSIAN_ALL : o->hessians != 0 ? o->hessians : JG_HESSIAN_FULL;
    upper(e.kup, e.kp);

    put_provenance(&prov_c, m, o, o->target == JG_TARGET_JIT ? "JIT source"
                   : single ? "Single-file C99 header" : "C99 source");
    put_provenance(&prov_h, m, o, "Header");
    put_sizes(&sizes, &e);
    put_work(&work, &e);
    put_weights(&weights, &e);
    put_layers(&layers, &e);
    if (put_kernels(&kern, &e, o->target == JG_TARGET_JIT) != 0) {
        bad = "kernels";
        rc = -1;
    }
    jg_tpl_rename(&tpl_c, jg_tpl_model_c, strlen(jg_tpl_model_c), o->prefix);
    jg_tpl_rename(&tpl_h, jg_tpl_model_h, strlen(jg_tpl_model_h), o->prefix);
    jg_tpl_rename(&tpl_s, jg_tpl_single_h, strlen(jg_tpl_single_h), o->prefix);
    {
        static const char *const api[3] = {"api-hessian", "api-hessian_diag", "api-laplacian"};
        static const char *const single_part[4] = {"usage", "linkage", "implementation", "end"};
        const char *part[4];    /* the sections of templates/single.h, or "" */
        jg_tpl_slot hs[7], cs[12];
        size_t lh, lc, ls;
        /* the single header's sections; the linkage of model.h otherwise */
        for (k = 0; k < 4; k++) {
            const char *from = single ? jg_buf_str(&tpl_s) : k == 1 ? jg_buf_str(&tpl_h) : NULL;
            const char *t = from != NULL ? jg_tpl_section(from, single_part[k], &ls) : "";
            part[k] = "";
            if (t == NULL) {
                rc = -1;
                bad = single_part[k];
            } else if (from != NULL) {
                jg_buf_putn(&single_text[k], t, ls);
                part[k] = jg_buf_str(&single_text[k]);
            }
        }
        hs[0].name = "provenance";
        hs[0].text = "";
        hs[1].name = "includes";
        hs[1].text = single ? "#include <stddef.h>\n" : "";
        hs[2].name = "linkage";
        hs[2].text = part[1];
        hs[3].name = "sizes";
        hs[3].text = jg_buf_str(&sizes);
        cs[0].name = "provenance";
        jg_buf_puts(&prov_c, part[0]);
        cs[0].text = jg_buf_str(&prov_c);
        if (o->target == JG_TARGET_JIT)
            jg_tpl_rename(&incl, jit_includes, strlen(jit_includes), kp);
        else if (!single)
            jg_buf_puts(&incl, "#include <math.h>\n#include <stddef.h>\n#include <string.h>\n");
        cs[1].name = "includes";
        cs[1].text = jg_buf_str(&incl);
        cs[2].name = "declarations";
        cs[3].name = "implementation";
        cs[3].text = part[2];
        cs[4].name = "kernels";
        cs[4].text = jg_buf_str(&kern);
        cs[5].name = "work";
        cs[5].text = jg_buf_str(&work);
        cs[6].name = "weights";
        cs[6].text = jg_buf_str(&weights);
        cs[7].name = "layers";
        cs[7].text = jg_buf_str(&layers);
        cs[11].name = "end";
        cs[11].text = part[3];
        /* a second-derivative function asked for keeps its section's text
           (banners dropped); the others are dropped whole */
        for (k = 0; k < 3; k++) {
            const char *th = jg_tpl_section(jg_buf_str(&tpl_h), api[k], &lh);
            const char *tc = jg_tpl_section(jg_buf_str(&tpl_c), api[k], &lc);
            const int on = (e.hessians >> k) & 1u;
            hs[4 + k].name = cs[8 + k].name = api[k];
            if (th == NULL || tc == NULL) {
                rc = -1;
                bad = api[k];
                continue;
            }
            if (on) {
                jg_buf_putn(&api_text[k], th, lh);
                jg_buf_putn(&api_text[3 + k], tc, lc);
            }
            hs[4 + k].text = jg_buf_str(&api_text[k]);
            cs[8 + k].text = jg_buf_str(&api_text[3 + k]);
        }
        if (rc == 0)
            rc = jg_tpl_fill(&decl, jg_buf_str(&tpl_h), hs, 7, &bad);
        if (rc == 0 && h != NULL && !single) {
            hs[0].text = jg_buf_str(&prov_h);
            hs[1].text = "#include <stddef.h>\n";
            rc = jg_tpl_fill(h, jg_buf_str(&tpl_h), hs, 7, &bad);
        }
        cs[2].text = jg_buf_str(&decl);
        if (rc == 0)
            rc = jg_tpl_fill(c, jg_buf_str(&tpl_c), cs, 12, &bad);
    }
    if (rc != 0)
        jg_diag_error(d, "jetgen", 0, 0, "internal error: template section '%s' does not match", bad);
    failed = c->failed || (h != NULL && h->failed);
    for (k = 0; k < sizeof temps / sizeof temps[0]; k++) {
        failed |= temps[k]->failed;
        jg_buf_free(temps[k]);
    }
    if (rc == 0 && failed) {
        jg_diag_error(d, "jetgen", 0, 0, "out of memory while writing C");
        rc = -1;
    }
    return rc;
}
