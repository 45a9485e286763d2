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

/* Name of a dense layer's array: PREFIX__l<layer>_<tensor>_<role>. */
static void array_name(jg_buf *b, const char *prefix, size_t layer,
                       const jg_layer *l, const char *role)
{
    jg_buf_printf(b, "%s__l%zu_", prefix, layer + 1);
    ident_part(b, l->tensor);
    jg_buf_printf(b, "_%s", role);
}

/* v [rows][cols] as a [rows][pad(cols)] array, zero-padded. */
static void put_array(jg_buf *b, const emitter *e, size_t layer,
                      const jg_layer *l, const char *role, const double *v,
                      size_t rows, size_t cols)
{
    const size_t ld = pad(e, cols);
    size_t r, c, n = 0;
    jg_buf_printf(b, "static const %s_real ", e->prefix);
    array_name(b, e->prefix, layer, l, role);
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

/* Points per tile for an order: the most, up to 16, whose rows (channels x
   points) fill whole 6-row register blocks and stay within TILE_ROWS; else
   the most within TILE_ROWS; at least 1. */
static size_t tile_points(const jg_model *m, int order)
{
    const size_t nch = jg_model_channels(m, order);
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
    size_t rows = 0, o;
    for (o = 0; o < 3; o++)
        if (jg_model_channels(m, (int)o) * tile_points(m, (int)o) > rows)
            rows = jg_model_channels(m, (int)o) * tile_points(m, (int)o);
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
        n_act += m->layers[i].kind != JG_DENSE;
    }
    jg_buf_printf(b, "/* %s generated by jetgen %s. Do not edit: regenerate.\n", what, JG_VERSION);
    if (o->command != NULL) {
        jg_buf_puts(b, "   command: ");
        comment_text(b, o->command);
        jg_buf_puts(b, "\n");
    }
    jg_buf_puts(b, "   spec:    ");
    comment_text(b, m->spec_path);
    jg_buf_printf(b, "\n            sha256 %s\n   weights: ", m->spec_sha256);
    comment_text(b, m->weights_path);
    jg_buf_printf(b, "\n            sha256 %s\n", m->weights_sha256);
    jg_buf_printf(b, "   network: %zu input%s", m->n_in, m->n_in == 1 ? "" : "s");
    if (m->input_names != NULL) {
        jg_buf_puts(b, " (");
        for (i = 0; i < m->n_in; i++)
            jg_buf_printf(b, "%s%s", i ? ", " : "", m->input_names[i]);
        jg_buf_puts(b, ")");
    }
    jg_buf_printf(b, " -> %zu output%s; %zu dense layer%s, %zu activation%s, %zu parameters */\n",
                  m->n_out, m->n_out == 1 ? "" : "s", n_dense, n_dense == 1 ? "" : "s",
                  n_act, n_act == 1 ? "" : "s", jg_model_params(m));
}

static void put_sizes(jg_buf *b, const emitter *e)
{
    const jg_model *m = e->m;
    const size_t rows = tile_rows(m);
    const size_t work = rows * work_width(e) + e->lanes;
    const size_t out = out_chunk(e) ? rows * out_chunk(e) + e->lanes : 0;
    size_t n_buf = 1, i;
    for (i = 0; i + 1 < m->n_layers; i++)
        n_buf = m->layers[i].kind == JG_DENSE ? 2 : n_buf;
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
    static const char *const what[3] = {"u", "u, du", "u, du, d2u"};
    for (o = 0; o < 3; o++)
        jg_buf_printf(b, "#define %s__TILE%d %zu     /* points per tile for %s */\n", up, o,
                      tile_points(m, o), what[o]);
    jg_buf_printf(b, "#define %s__ROWS  %zu     /* rows of a tile at most: channels x points */\n",
                  up, tile_rows(m));
    jg_buf_printf(b, "#define %s__WIDTH %zu     /* widest layer held in the work space, padded */\n",
                  up, work_width(e));
    jg_buf_printf(b, "#define %s__OUT   %zu     /* output neurons computed at once, padded */\n",
                  up, out_chunk(e));
}

static void put_weights(jg_buf *b, const emitter *e)
{
    const jg_model *m = e->m;
    size_t i;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        if (l->kind != JG_DENSE)
            continue;
        jg_buf_printf(b, "/* layer %zu (spec line %d): dense %zu <- %zu, tensors ", i + 1, l->line,
                      l->n_out, l->n_in);
        comment_text(b, l->tensor);
        jg_buf_printf(b, ".weight [%zu x %zu]", l->n_out, l->n_in);
        if (l->b != NULL) {
            jg_buf_puts(b, " and ");
            comment_text(b, l->tensor);
            jg_buf_printf(b, ".bias [%zu]", l->n_out);
        }
        jg_buf_printf(b, ", read as %s%s.\n   Stored as W^T [%zu][%zu], padded with zeros, in panels of %zu columns:\n"
                         "   W[j][k] is at %zu * p * %zu + k * w + j %% %zu, with p = j / %zu and w the\n"
                         "   width of panel p (%zu, or what is left for the last one). */\n",
                      l->dtype, e->is_float ? ", rounded to float" : "", l->n_in, pad(e, l->n_out),
                      4 * e->lanes, 4 * e->lanes, l->n_in, 4 * e->lanes, 4 * e->lanes, 4 * e->lanes);
        {
            /* W^T in panels of 256 bytes (the kernels' MODEL__PANEL) */
            const size_t ldw = pad(e, l->n_out), panel = 4 * e->lanes;
            double *wt = (double *)jg_malloc(ldw * l->n_in * sizeof *wt);
            size_t p0, k, c, at = 0;
            if (wt == NULL) {
                b->failed = 1;
                return;
            }
            for (p0 = 0; p0 < ldw; p0 += panel) {
                const size_t pw = ldw - p0 < panel ? ldw - p0 : panel;
                for (k = 0; k < l->n_in; k++)
                    for (c = 0; c < pw; c++)
                        wt[at++] = p0 + c < l->n_out ? l->w[(p0 + c) * l->n_in + k] : 0.0;
            }
            put_array(b, e, i, l, "weight", wt, 1, ldw * l->n_in);
            jg_free(wt);
        }
        if (l->b != NULL)
            put_array(b, e, i, l, "bias", l->b, 1, l->n_out);
    }
}

static void put_layers(jg_buf *b, const emitter *e)
{
    const jg_model *m = e->m;
    const char *prefix = e->prefix, *up = e->up, *kp = e->kp;
    size_t i, n_buf = 1, ld = pad(e, m->n_in);
    int cur = 0;
    const int last_dense = m->layers[m->n_layers - 1].kind == JG_DENSE;
    for (i = 0; i + 1 < m->n_layers; i++)
        n_buf = m->layers[i].kind == JG_DENSE ? 2 : n_buf;

    jg_buf_printf(b, "    %s_real work0_[%s__WORK]", prefix, up);
    if (n_buf > 1)
        jg_buf_printf(b, ", work1_[%s__WORK]", up);
    if (last_dense)
        jg_buf_printf(b, ", out_[%s__ROWS * %s__OUT + %zu]", up, up, e->lanes);
    jg_buf_printf(b, ";\n    %s_real *work0 = %s__align(work0_)", prefix, prefix);
    if (n_buf > 1)
        jg_buf_printf(b, ", *work1 = %s__align(work1_)", prefix);
    if (last_dense)
        jg_buf_printf(b, ", *out = %s__align(out_)", prefix);
    jg_buf_printf(b, ";\n    const size_t nrow = %s__channels(order) * np;\n", prefix);
    if (last_dense && m->n_in == 1 && m->layers[m->n_layers - 1].n_out >= e->lanes)
        jg_buf_printf(b, "    %s_real *rows[%s__ROWS];\n    size_t r, j, m;\n", prefix, up);
    else if (last_dense)
        jg_buf_puts(b, "    size_t j, m;\n");
    jg_buf_printf(b, "    /* input: a = x, a' = identity, a'' = 0 */\n"
                     "    %s__seed(%s_N_IN, nrow, np, x, work0, %zu);\n", kp, up, ld);
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        const jg_layer_info *info = jg_layer_info_of(l->kind);
        const size_t ldo = pad(e, l->n_out);
        jg_buf_printf(b, "    /* layer %zu (spec line %d): %s", i + 1, l->line, info->keyword);
        if (l->kind == JG_DENSE) {
            jg_buf_printf(b, " %zu <- %zu ", l->n_out, l->n_in);
            comment_text(b, l->tensor);
        }
        jg_buf_printf(b, "   %s%s%s */\n", info->formula,
                      l->kind != JG_DENSE && l->kind != JG_IDENTITY ? ";  a' = s' z';  a'' = s'' z' z'^T + s' z''" : "",
                      l->kind == JG_DENSE && i + 1 == m->n_layers ? "; the output, in chunks" : "");
        if (l->kind == JG_DENSE) {
            jg_buf wn = JG_BUF_INIT, bn = JG_BUF_INIT;
            array_name(&wn, prefix, i, l, "weight");
            if (l->b != NULL)
                array_name(&bn, prefix, i, l, "bias");
            if (i + 1 == m->n_layers) {
                const size_t direct = m->n_in == 1 ? l->n_out / e->lanes * e->lanes : 0;
                const char *bias = l->b != NULL ? jg_buf_str(&bn) : "NULL";
                if (direct > 0) {
                    jg_buf_printf(b, "    /* with one input every channel of an output row is contiguous in the\n"
                                     "       caller's arrays: the first %zu outputs go there directly */\n"
                                     "    j = 0;\n"
                                     "    if (u != NULL && (order < 1 || du != NULL) && (order < 2 || d2u != NULL)) {\n"
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
                jg_buf_printf(b, "        %s__store(%s_N_OUT, j, m, %s_N_IN, order, np, out, %s__OUT, u, du, d2u);\n"
                                 "    }\n", kp, up, up, up);
            } else {
                jg_buf_printf(b, "    %s__dense(%zu, %zu, %s, %zu, 0, %s, nrow, np, work%d, %zu, work%d, %zu, NULL);\n", kp,
                              ldo, l->n_in, jg_buf_str(&wn), ldo, l->b != NULL ? jg_buf_str(&bn) : "NULL",
                              cur, ld, 1 - cur, ldo);
                cur = 1 - cur;
            }
            ld = ldo;
            if (wn.failed || bn.failed)
                b->failed = 1;
            jg_buf_free(&wn);
            jg_buf_free(&bn);
        } else if (l->kind != JG_IDENTITY) {
            jg_buf_printf(b, "    %s__activate(%s__%s, %zu, %s_N_IN, order, np, work%d, %zu);\n", kp,
                          kp, info->keyword, ld, up, cur, ld);
        }
    }
    if (!last_dense)
        jg_buf_printf(b, "    /* the output */\n"
                         "    %s__store(%s_N_OUT, 0, %s_N_OUT, %s_N_IN, order, np, work%d, %zu, u, du, d2u);\n",
                      kp, up, up, up, cur, ld);
}

/* The kernel sections this model calls, renamed to kp: in full for a
   standalone file, their declarations only for the JIT. */
static int put_kernels(jg_buf *b, const emitter *e, int jit)
{
    const jg_model *m = e->m;
    const char *kp = e->kp;
    const char *names[8];
    size_t n = 0, i, j, len;
    char done = 0;      /* helper sections written: 1 pow2, 2 expm1, 4 exp, 8 pow2f */
    names[n++] = "common";
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer_kind k = m->layers[i].kind;
        if (k == JG_DENSE || k == JG_IDENTITY)
            continue;
        if (n == 1)
            names[n++] = "activate";
        for (j = 2; j < n; j++)
            if (strcmp(names[j], jg_layer_info_of(k)->keyword) == 0)
                break;
        if (j == n && n < sizeof names / sizeof names[0])
            names[n++] = jg_layer_info_of(k)->keyword;
    }
    if (e->is_float)
        jg_buf_printf(b, "#define %s__FLOAT 1\n", e->kup);
    {
        const char *s = jg_tpl_section(jg_tpl_kernels_c, "real", &len);
        if (s == NULL)
            return -1;
        jg_tpl_rename(b, s, len, kp);
        jg_buf_putc(b, '\n');
    }
    if (!jit) {
        const char *s = jg_tpl_section(jg_tpl_kernels_c, "vector", &len);
        if (s == NULL)
            return -1;
        jg_tpl_rename(b, s, len, kp);
        jg_buf_putc(b, '\n');
    }
    for (i = 0; i < n; i++) {
        char decl[32];
        const char *s;
        snprintf(decl, sizeof decl, "%s-decl", names[i]);
        s = jg_tpl_section(jg_tpl_kernels_c, decl, &len);
        if (s == NULL)
            return -1;
        jg_tpl_rename(b, s, len, kp);
    }
    for (i = 0; !jit && i < n; i++) {
        /* a section's helpers go first, each once */
        static const char *const helpers[][3] = {
            {"tanh", "pow2", "expm1"}, {"sigmoid", "pow2", "exp"},
        };
        size_t h, k;
        const char *s;
        for (h = 0; h < sizeof helpers / sizeof helpers[0]; h++) {
            if (strcmp(names[i], helpers[h][0]) != 0)
                continue;
            for (k = 1; k < 3; k++) {
                /* tanh in float runs on pow2f */
                const char *sec = e->is_float && h == 0 && k == 1 ? "pow2f" : helpers[h][k];
                char flag = (char)(strcmp(sec, "pow2") == 0 ? 1 : strcmp(sec, "expm1") == 0 ? 2
                                   : strcmp(sec, "exp") == 0 ? 4 : 8);
                if (done & flag)
                    continue;
                done |= flag;
                s = jg_tpl_section(jg_tpl_kernels_c, sec, &len);
                if (s == NULL)
                    return -1;
                jg_buf_putc(b, '\n');
                jg_tpl_rename(b, s, len, kp);
            }
        }
        s = jg_tpl_section(jg_tpl_kernels_c, names[i], &len);
        if (s == NULL)
            return -1;
        jg_buf_putc(b, '\n');
        jg_tpl_rename(b, s, len, kp);
    }
    return 0;
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
    jg_buf incl = JG_BUF_INIT;
    const char *kp;
    int rc = 0;

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
    upper(e.kup, e.kp);

    put_provenance(&prov_c, m, o, o->target == JG_TARGET_JIT ? "JIT source" : "C99 source");
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
    {
        jg_tpl_slot hs[] = {{"provenance", "", 0}, {"includes", "", 0}, {"sizes", NULL, 0}};
        hs[2].text = jg_buf_str(&sizes);
        if (rc == 0)
            rc = jg_tpl_fill(&decl, jg_buf_str(&tpl_h), hs, 3, &bad);
        if (rc == 0 && h != NULL) {
            hs[0].text = jg_buf_str(&prov_h);
            hs[1].text = "#include <stddef.h>\n";
            rc = jg_tpl_fill(h, jg_buf_str(&tpl_h), hs, 3, &bad);
        }
    }
    if (rc == 0) {
        jg_tpl_slot cs[] = {
            {"provenance", NULL, 0}, {"includes", NULL, 0}, {"declarations", NULL, 0},
            {"kernels", NULL, 0}, {"work", NULL, 0}, {"weights", NULL, 0}, {"layers", NULL, 0},
        };
        cs[0].text = jg_buf_str(&prov_c);
        if (o->target == JG_TARGET_JIT)
            jg_tpl_rename(&incl, jit_includes, strlen(jit_includes), kp);
        else
            jg_buf_puts(&incl, "#include <math.h>\n#include <stddef.h>\n#include <string.h>\n");
        cs[1].text = jg_buf_str(&incl);
        cs[2].text = jg_buf_str(&decl);
        cs[3].text = jg_buf_str(&kern);
        cs[4].text = jg_buf_str(&work);
        cs[5].text = jg_buf_str(&weights);
        cs[6].text = jg_buf_str(&layers);
        rc = jg_tpl_fill(c, jg_buf_str(&tpl_c), cs, sizeof cs / sizeof cs[0], &bad);
    }
    if (rc != 0)
        jg_diag_error(d, "jetgen", 0, 0, "internal error: template section '%s' does not match", bad);
    else if (c->failed || (h != NULL && h->failed) || prov_c.failed || prov_h.failed || sizes.failed
             || decl.failed || kern.failed || work.failed || weights.failed || layers.failed
             || tpl_c.failed || tpl_h.failed || incl.failed) {
        jg_diag_error(d, "jetgen", 0, 0, "out of memory while writing C");
        rc = -1;
    }
    jg_buf_free(&prov_c);
    jg_buf_free(&prov_h);
    jg_buf_free(&sizes);
    jg_buf_free(&decl);
    jg_buf_free(&kern);
    jg_buf_free(&work);
    jg_buf_free(&weights);
    jg_buf_free(&layers);
    jg_buf_free(&tpl_c);
    jg_buf_free(&tpl_h);
    jg_buf_free(&incl);
    return rc;
}
