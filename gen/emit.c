/* emit.c: the C for a model, from the templates (see emit.h). Nothing from
   the spec reaches the output unchecked: names become identifiers through
   ident_part(), and free text reaches comments only through comment_text(). */
#include "emit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "template.h"

#define JIT_KERNELS "jetgen"    /* prefix of the runtime's kernels in JIT code */
#define JIT_KERNELS_FLOAT "jetgenf"     /* the same for float networks */

/* What one emission needs to know besides the model. */
typedef struct emitter {
    const jg_plan *p;
    const jg_model *m;
    const char *prefix;             /* names of the network's functions */
    char up[JG_MAX_PREFIX + 1];     /* the prefix in upper case */
    const char *kp;                 /* names of the kernels: the prefix, or the runtime's */
    char kup[JG_MAX_PREFIX + 1];    /* kp in upper case */
    int is_float;                   /* numbers are float, not double */
    const char *real;               /* "float" or "double" */
    unsigned hessians;              /* JG_HESSIAN_* bits: second-derivative functions */
    int bound;                      /* arrays are extern, bound by the runtime */
} emitter;


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

/* Name of the plan's array k: PREFIX__l<layer>_<tensor>_<role>, or
   PREFIX__l<layer>_<role> when it comes from no tensor; PREFIX__a<k> when
   the runtime binds it. */
static void array_name(jg_buf *b, const emitter *e, int k)
{
    const jg_plan_array *a = &e->p->arrays[k];
    if (e->bound) {
        jg_buf_printf(b, "%s__a%d", e->prefix, k);
        return;
    }
    jg_buf_printf(b, "%s__l%zu_", e->prefix, a->layer + 1);
    if (a->tensor != NULL) {
        ident_part(b, a->tensor);
        jg_buf_putc(b, '_');
    }
    jg_buf_puts(b, a->role);
}


/* 1 when the code reads the spec's `over` list: only the kernels of
   activations and products take it (a network of dense layers alone has no
   second derivatives to restrict), so it is emitted only then, never as an
   unused constant. */
static int uses_over(const jg_plan *p)
{
    size_t k;
    if (p->m->over == NULL)
        return 0;
    for (k = 0; k < p->n_steps; k++)
        if (jg_step_ops[p->steps[k].op].uses_over)
            return 1;
    return 0;
}

/* Whether the plan has a step of op. */
static int has_op(const jg_plan *p, jg_step_op op)
{
    size_t k;
    for (k = 0; k < p->n_steps; k++)
        if (p->steps[k].op == op)
            return 1;
    return 0;
}

/* The plan's array k, as exact literals (or, bound, its declaration). */
static void put_array(jg_buf *b, const emitter *e, int k)
{
    const jg_plan_array *a = &e->p->arrays[k];
    size_t n;
    if (e->bound) {
        jg_buf_printf(b, "extern const %s_real ", e->prefix);
        array_name(b, e, k);
        jg_buf_printf(b, "[%zu];\n", a->len);
        return;
    }
    jg_buf_printf(b, "static const %s_real ", e->prefix);
    array_name(b, e, k);
    jg_buf_printf(b, "[%zu] %s__ALIGN = {", a->len, e->up);
    for (n = 0; n < a->len; n++) {
        jg_buf_puts(b, n % 4 == 0 ? "\n    " : " ");
        if (e->is_float)
            put_float(b, a->v[n]);
        else
            put_double(b, a->v[n]);
        if (n + 1 < a->len)
            jg_buf_putc(b, ',');
    }
    jg_buf_puts(b, "\n};\n");
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
    jg_buf_puts(b, "   This generated code is yours: use, copy, modify and distribute it under any\n"
                   "   terms (jetgen's license, MIT, does not cover what it writes).\n");
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
        if (m->weights_sha256[0] == '-')
            jg_buf_puts(b, "\n            sha256 - (other numbers than the file's: jg_net_set_tensor)\n");
        else
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

static void put_sizes(jg_buf *b, const emitter *e)
{
    const jg_plan *p = e->p;
    jg_buf_printf(b, "#define %s_N_IN  %zu\n#define %s_N_OUT %zu\n", e->up, p->m->n_in, e->up, p->m->n_out);
    jg_buf_printf(b, "#define %s_N_OVER %zu  /* inputs of hessian_diag and laplacian: %s", e->up, p->m->n_over,
                  p->m->over == NULL ? "all" : "");
    if (p->m->over != NULL) {
        size_t i;
        for (i = 0; i < p->m->n_over; i++) {
            if (p->m->input_names != NULL)
                jg_buf_printf(b, "%s%s", i ? ", " : "", p->m->input_names[p->m->over[i]]);
            else
                jg_buf_printf(b, "%sx%zu", i ? ", " : "", p->m->over[i]);
        }
    }
    jg_buf_puts(b, " */\n");
    jg_buf_printf(b, "#define %s_WORK_BYTES  %zu  /* work space of the _work functions, any alignment */\n",
                  e->up, p->work_bytes);
    jg_buf_printf(b, "#define %s_STACK_BYTES %zu  /* stack of the others: the work space, or 0 */\n",
                  e->up, p->on_stack ? p->work_bytes : 0);
    jg_buf_printf(b, "#define %s_ALLOCATES   %d  /* 1: the others take the work space from malloc */\n",
                  e->up, !p->on_stack);
    jg_buf_printf(b, "typedef %s %s_real;%s/* the precision of every number below */\n", e->real,
                  e->prefix, e->is_float ? "       " : "      ");
    jg_buf_printf(b, "#define %s_ABI_VERSION %d     /* of this interface: docs/abi.md */\n", e->up, JETGEN_ABI);
    jg_buf_printf(b, "#define %s_JETGEN_VERSION \"%s\"  /* the jetgen that wrote it */\n", e->up, JG_VERSION);
}

static void put_work(jg_buf *b, const emitter *e)
{
    const jg_plan *p = e->p;
    const char *up = e->up;
    int o;
    jg_buf_puts(b, "/* Per mode (0 u; 1 u, du; 2 u, du, d2u; 3 u, du, d2u_diag; 4 u, du, lap):\n"
                   "   channels per point, points per tile, second-derivative numbers per\n"
                   "   output in the results. */\n");
    jg_buf_printf(b, "static const size_t %s__channels[5] = {", e->prefix);
    for (o = 0; o < JG_N_MODES; o++)
        jg_buf_printf(b, "%s%zu", o ? ", " : "", p->channels[o]);
    jg_buf_printf(b, "};\nstatic const size_t %s__tile_points[5] = {", e->prefix);
    for (o = 0; o < JG_N_MODES; o++)
        jg_buf_printf(b, "%s%zu", o ? ", " : "", p->tile[o]);
    jg_buf_printf(b, "};\nstatic const size_t %s__per2[5] = {", e->prefix);
    for (o = 0; o < JG_N_MODES; o++)
        jg_buf_printf(b, "%s%zu", o ? ", " : "", jg_plan_per_output2(p->m, (jg_mode)o));
    jg_buf_puts(b, "};\n");
    if (uses_over(p)) {
        size_t i;
        jg_buf_printf(b, "/* the inputs of hessian_diag and laplacian (spec: over) */\n"
                         "static const size_t %s__over[%zu] = {", e->prefix, p->m->n_over);
        for (i = 0; i < p->m->n_over; i++)
            jg_buf_printf(b, "%s%zu", i ? ", " : "", p->m->over[i]);
        jg_buf_puts(b, "};\n");
    }
    jg_buf_printf(b, "#define %s__ROWS  %zu     /* rows of a tile at most: channels x points */\n", up, p->rows);
    jg_buf_printf(b, "#define %s__WIDTH %zu     /* widest layer held in the work space, padded */\n",
                  up, p->width);
    jg_buf_printf(b, "#define %s__OUT   %zu     /* output neurons computed at once, padded */\n", up, p->out);
    jg_buf_printf(b, "#define %s__BUF   %zu     /* numbers in a work buffer: ROWS x WIDTH */\n", up, p->buf_len);
    jg_buf_printf(b, "/* The work space: %zu work buffer%s", p->n_work, p->n_work == 1 ? "" : "s");
    if (p->out > 0)
        jg_buf_printf(b, ", and ROWS x OUT numbers for the output chunks");
    jg_buf_printf(b, ", after\n   up to 64 bytes to reach a 64-byte boundary: %zu bytes in all.\n", p->work_bytes);
    jg_buf_puts(b, "   A buffer holds, for each of the tile's np points p and channels c, a row of\n"
                   "   a layer's neurons k, padded with zeros to a multiple of 64 bytes (ld):\n"
                   "     buf[(c * np + p) * ld + k], c = 0 the value, 1 + i its derivative by x_i,\n"
                   "     then the second derivatives: the Hessian's upper triangle row by row\n"
                   "     (full), its diagonal (diag) or its trace (Laplacian).\n"
                   "   A dense layer is one product of all nrow = channels x np rows by W^T. */\n");
}

/* The name of term or monomial t in comments: its inputs' names (or
   numbers) joined by '*', "1" for the constant (u itself). */
static void term_comment(jg_buf *b, const jg_model *m, const jg_term *t)
{
    int k;
    if (t->order == 0)
        jg_buf_puts(b, "1");
    for (k = 0; k < t->order; k++) {
        if (k > 0)
            jg_buf_putc(b, '*');
        if (m->input_names != NULL)
            comment_text(b, m->input_names[t->in[k]]);
        else
            jg_buf_printf(b, "x%zu", t->in[k]);
    }
}

/* PREFIX_N_TERMS, with the terms named in a comment (header). */
static void put_terms_size(jg_buf *b, const emitter *e)
{
    const jg_model *m = e->m;
    size_t t, col;
    jg_buf_printf(b, "#define %s_N_TERMS %zu   /* the spec's terms, in order (the partial derivative by the\n"
                     "   inputs named, u for none):", e->up, m->n_terms);
    col = 29;
    for (t = 0; t < m->n_terms; t++) {
        jg_buf name = JG_BUF_INIT;
        if (m->terms[t].order == 0)
            jg_buf_puts(&name, "u");
        else
            term_comment(&name, m, &m->terms[t]);
        if (col + 1 + name.len > 100) {
            jg_buf_puts(b, "\n  ");
            col = 2;
        }
        jg_buf_printf(b, " %s", jg_buf_str(&name));
        col += 1 + name.len;
        if (name.failed)
            b->failed = 1;
        jg_buf_free(&name);
    }
    jg_buf_puts(b, " */\n");
}

/* A table of size_t numbers: static const size_t NAME[n] = {...}. */
static void put_size_table(jg_buf *b, const emitter *e, const char *name, const size_t *v, size_t n)
{
    size_t i;
    jg_buf_printf(b, "static const size_t %s__%s[%zu] = {", e->prefix, name, n);
    for (i = 0; i < n; i++)
        jg_buf_printf(b, "%s%zu", i == 0 ? "" : i % 16 == 0 ? ",\n    " : ", ", v[i]);
    jg_buf_puts(b, "};\n");
}

/* The tables of the terms' tile (model__tile_partials): their channels
   (gen/terms.h, jg_monos), as the partials kernels read them. Only the
   tables its calls name: an unused static array draws a warning. */
static void put_partials_tables(jg_buf *b, const emitter *e)
{
    const jg_plan *p = e->p;
    const jg_monos *mo = &e->m->monos;
    const int acts = has_op(p, JG_STEP_ACTIVATE), muls = has_op(p, JG_STEP_MUL);
    size_t i;
    jg_buf_printf(b, "/* The terms' partial derivatives: channel c of a value (row c np + p of point\n"
                     "   p) holds its Taylor coefficient of monomial c of the inputs; a term's\n"
                     "   partial derivative is the coefficient of its monomial times the product of\n"
                     "   its inputs' multiplicities' factorials. The monomials:");
    for (i = 0; i < mo->n; i++) {
        jg_buf_printf(b, "%s%zu ", i % 8 == 0 ? "\n    " : ", ", i);
        term_comment(b, e->m, &mo->mono[i]);
    }
    jg_buf_puts(b, " */\n");
    jg_buf_printf(b, "#define %s__TERM_CHANNELS %zu  /* per point */\n", e->up, mo->n);
    jg_buf_printf(b, "#define %s__TERM_POINTS   %zu  /* per tile */\n", e->up, p->tile[JG_MODE_PARTIALS]);
    jg_buf_printf(b, "#define %s__TERM_ORDER    %d  /* the highest degree */\n", e->up, mo->order);
    jg_buf_puts(b, "/* input i's first-degree monomial (0: in no term) */\n");
    put_size_table(b, e, "first", mo->first, e->m->n_in);
    jg_buf_puts(b, "/* each term's monomial, and the factor of its coefficient */\n");
    put_size_table(b, e, "of_term", mo->of_term, mo->n_terms);
    jg_buf_printf(b, "static const double %s__factor[%zu] = {", e->prefix, mo->n_terms);
    for (i = 0; i < mo->n_terms; i++) {
        jg_buf_puts(b, i == 0 ? "" : i % 8 == 0 ? ",\n    " : ", ");
        put_double(b, mo->factor[i]);
    }
    jg_buf_puts(b, "};\n");
    if (acts) {
        jg_buf_puts(b, "/* pairs whose first monomial has degree <= d, d = 0 .. 4 */\n");
        put_size_table(b, e, "upto", mo->upto, JG_MAX_TERM_ORDER + 1);
    }
    if ((acts || muls) && mo->n_pairs > 0) {
        jg_buf_printf(b, "/* monomial i times monomial j = monomial k, as i, j, k (by i's degree, then k) */\n"
                         "static const unsigned short %s__pairs[%zu] = {", e->prefix, 3 * mo->n_pairs);
        for (i = 0; i < mo->n_pairs; i++)
            jg_buf_printf(b, "%s%u, %u, %u", i == 0 ? "" : i % 6 == 0 ? ",\n    " : ",  ",
                          (unsigned)mo->pairs[3 * i], (unsigned)mo->pairs[3 * i + 1],
                          (unsigned)mo->pairs[3 * i + 2]);
        jg_buf_puts(b, "};\n");
    }
}

/* The comment of a weight panel array. */
static void put_panel_comment(jg_buf *b, const emitter *e, size_t n_out, size_t n_in)
{
    const size_t ldw = jg_plan_pad(e->p, n_out), panel = e->p->panel;
    jg_buf_printf(b, "/* Stored as W^T [%zu][%zu], padded with zeros, in panels of %zu columns:\n"
                     "   W[j][k] is at %zu * p * %zu + k * w + j %% %zu, with p = j / %zu and w the\n"
                     "   width of panel p (%zu, or what is left for the last one). */\n",
                  n_in, ldw, panel, panel, n_in, panel, panel, panel);
}

/* The plan's arrays, each layer's under a comment saying where they come
   from. */
static void put_weights(jg_buf *b, const emitter *e)
{
    const jg_plan *p = e->p;
    const jg_model *m = e->m;
    const char *rounded = e->is_float ? ", rounded to float" : "";
    size_t k;
    for (k = 0; k < p->n_arrays; k++) {
        const size_t i = p->arrays[k].layer;
        const jg_layer *l = &m->layers[i];
        const int first = k == 0 || p->arrays[k - 1].layer != i;
        if (first && l->kind == JG_DENSE) {
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
            if (!e->bound)
                put_panel_comment(b, e, l->n_out, l->n_in);
        } else if (first && l->kind == JG_MATMUL) {
            jg_buf_printf(b, "/* layer %zu (spec line %d): matmul %zu <- %zu, tensor ", i + 1, l->line,
                          l->n_out, l->n_in);
            comment_text(b, l->tensor);
            jg_buf_printf(b, " = B [%zu x %zu], read as %s%s. */\n", l->n_out, l->n_in, l->dtype, rounded);
            if (!e->bound)
                put_panel_comment(b, e, l->n_out, l->n_in);
        } else if (first && l->kind == JG_FOURIER) {
            jg_buf_printf(b, "/* layer %zu (spec line %d): fourier %zu <- %zu, tensor ", i + 1, l->line,
                          l->n_out, l->n_in);
            comment_text(b, l->tensor);
            jg_buf_printf(b, " = B [%zu x %zu], read as %s%s, stacked twice: [B; B]. */\n", l->n_out / 2,
                          l->n_in, l->dtype, rounded);
            if (!e->bound)
                put_panel_comment(b, e, l->n_out, l->n_in);
        } else if (first && l->kind == JG_SCALE) {
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
        }
        put_array(b, e, (int)k);
    }
}

/* The activation's parameters as two double arguments. */
static void put_params(jg_buf *b, double p, double q)
{
    put_double(b, p);
    jg_buf_puts(b, ", ");
    put_double(b, q);
}

/* The name of value v in comments: input, or its format-3 name. */
static void value_name(jg_buf *b, const jg_model *m, size_t v)
{
    if (v == 0)
        jg_buf_puts(b, "input");
    else if (m->layers[v - 1].name != NULL)
        comment_text(b, m->layers[v - 1].name);
    else
        jg_buf_printf(b, "layer %zu", v);
}

/* The comment of a layer in the tile: its place, what it is, its math. */
static void put_layer_comment(jg_buf *b, const jg_model *m, size_t i, int is_output)
{
    const jg_layer *l = &m->layers[i];
    const jg_layer_info *info = l->info;
    size_t k;
    jg_buf_printf(b, "    /* layer %zu (spec line %d): ", i + 1, l->line);
    if (l->name != NULL) {
        comment_text(b, l->name);
        jg_buf_puts(b, " = ");
    }
    jg_buf_puts(b, info->keyword);
    if (jg_kinds[l->kind].halves > 0) {
        jg_buf_printf(b, " %zu <- %zu ", l->n_out, l->n_in);
        comment_text(b, l->tensor);
    }
    if (m->format == 3)
        for (k = 0; k < l->n_args; k++) {
            jg_buf_putc(b, ' ');
            value_name(b, m, l->arg[k]);
        }
    if (l->kind == JG_SLICE)
        jg_buf_printf(b, " %zu %zu", l->off, l->off + l->n_out);
    for (k = 0; k < (size_t)info->n_params; k++) {
        jg_buf_printf(b, " %s=", info->param_name[k]);
        put_double(b, l->param[k]);
    }
    if (l->kind == JG_RESIDUAL || l->kind == JG_END)
        jg_buf_printf(b, " (block %d)", l->depth + 1);
    jg_buf_printf(b, "\n       %s%s */\n", info->formula, is_output ? "; the output, in chunks" : "");
}

/* Buffer k of the tile from neuron off on: work0, work1 + 8, ... */
static const char *buf_name(int k, size_t off, char tmp[48])
{
    if (off > 0)
        snprintf(tmp, 48, "work%d + %zu", k, off);
    else
        snprintf(tmp, 48, "work%d", k);
    return tmp;
}

/* The final dense layer, chunk by chunk into u, du, d2u (partials: the
   terms' tile's, into u, its partials). */
static void put_output(jg_buf *b, const emitter *e, const jg_step *s, const char *w, const char *bias, int partials)
{
    const char *up = e->up, *kp = e->kp;
    char src[48];
    size_t runs[2 * JG_MAX_CHANNELS], n_runs, r;
    buf_name(s->src, s->off, src);
    if (s->direct > 0 && !partials) {
        jg_buf_printf(b, "    /* with one input every channel of an output row is contiguous in the\n"
                         "       caller's arrays: the first %zu outputs go there directly */\n"
                         "    j = 0;\n"
                         "    if (u != NULL && (mode < 1 || du != NULL) && (mode < 2 || d2u != NULL)) {\n"
                         "        for (r = 0; r < nrow; r++)\n"
                         "            rows[r] = (r < np ? u : r < 2 * np ? du : d2u) + r %% np * %s_N_OUT;\n"
                         "        %s__dense(%zu, %zu, %s, %zu, 0, %s, nrow, np, %s, %zu, NULL, 0, rows);\n"
                         "        j = %zu;\n    }\n    for (; j < %zu; j += %s__OUT) {\n",
                      s->direct, up, kp, s->direct, s->n_in, w, s->ld_dst, bias, src, s->ld_src, s->direct,
                      s->n, up);
    } else {
        jg_buf_printf(b, "    for (j = 0; j < %zu; j += %s__OUT) {\n", s->n, up);
    }
    jg_buf_printf(b, "        m = %zu - j < %s__OUT ? %zu - j : %s__OUT;\n", s->n, up, s->n, up);
    if (partials && (n_runs = jg_monos_runs(&e->m->monos, runs)) > 0) {
        /* only the channels the terms read (runs of rows of np points),
           the bias on the values' (channel 0) */
        jg_buf_puts(b, "        /* the channels the terms read */\n");
        for (r = 0; r < n_runs; r++)
            jg_buf_printf(b, "        %s__dense((m + %zu) / %zu * %zu, %zu, %s, %zu, j, %s%s, %zu * np, np, "
                             "%s + %zu * np * %zu, %zu, out + %zu * np * %s__OUT, %s__OUT, NULL);\n",
                          kp, e->p->lanes - 1, e->p->lanes, e->p->lanes, s->n_in, w, s->ld_dst,
                          runs[2 * r] == 0 ? bias : "NULL", runs[2 * r] == 0 && s->b >= 0 ? " + j" : "",
                          runs[2 * r + 1], src, runs[2 * r], s->ld_src, s->ld_src, runs[2 * r], up, up);
    } else {
        jg_buf_printf(b, "        %s__dense((m + %zu) / %zu * %zu, %zu, %s, %zu, j, %s%s, nrow, np, %s, %zu, out, %s__OUT, NULL);\n",
                      kp, e->p->lanes - 1, e->p->lanes, e->p->lanes, s->n_in, w, s->ld_dst, bias,
                      s->b >= 0 ? " + j" : "", src, s->ld_src, up);
    }
    if (partials)
        jg_buf_printf(b, "        %s__partials_store(%s_N_OUT, j, m, np, %s_N_TERMS, %s__of_term, %s__factor, out, "
                         "%s__OUT, u);\n    }\n", kp, up, up, e->prefix, e->prefix, up);
    else
        jg_buf_printf(b, "        %s__store(%s_N_OUT, j, m, %s_N_IN, %s_N_OVER, mode, np, out, %s__OUT, u, du, d2u);\n"
                         "    }\n", kp, up, up, up, up);
}

/* What an emitted step's call reads: the emitter, whether the tile is the
   terms' (model__tile_partials), the kernels' `over` and `pairs`
   arguments, and the step's arrays and buffers by name. */
typedef struct step_text {
    const emitter *e;
    int partials;
    const char *over, *pairs;
    const char *w, *bias;           /* "NULL" for none */
    char src[48], dst[48], src2[48];
} step_text;

/* The call of each step op, one function each, named by JG_STEP_OPS
   (gen/plan.h) and found through put_steps below: an op without its
   text does not build. */
static void put_step_seed(jg_buf *b, const step_text *a, const jg_step *s)
{
    const emitter *e = a->e;
    if (a->partials)
        jg_buf_printf(b, "    /* input: a = x + its first-degree monomials */\n"
                         "    %s__partials_seed(%s_N_IN, %s__TERM_CHANNELS, np, %s__first, x, %s, %zu);\n",
                      e->kp, e->up, e->up, e->prefix, a->dst, s->ld_dst);
    else
        jg_buf_printf(b, "    /* input: a = x, a' = identity, a'' = 0 */\n"
                         "    %s__seed(%s_N_IN, nrow, np, x, %s, %zu);\n", e->kp, e->up, a->dst, s->ld_dst);
}

static void put_step_dense(jg_buf *b, const step_text *a, const jg_step *s)
{
    jg_buf_printf(b, "    %s__dense(%zu, %zu, %s, %zu, 0, %s, nrow, np, %s, %zu, %s, %zu, NULL);\n", a->e->kp,
                  s->n, s->n_in, a->w, s->n, a->bias, a->src, s->ld_src, a->dst, s->ld_dst);
}

static void put_step_output(jg_buf *b, const step_text *a, const jg_step *s)
{
    put_output(b, a->e, s, a->w, a->bias, a->partials);
}

static void put_step_activate(jg_buf *b, const step_text *a, const jg_step *s)
{
    const emitter *e = a->e;
    if (a->partials) {
        jg_buf_printf(b, "    %s__partials_activate(%s__%s_taylor, ", e->kp, e->kp, s->act->keyword);
        put_params(b, s->p, s->q);
        jg_buf_printf(b, ", %s__TERM_ORDER, %zu, %s__TERM_CHANNELS, np, %s__upto, %s, %s, %zu, %s, %zu, %d);\n",
                      e->up, s->n, e->up, e->prefix, a->pairs, a->src, s->ld_src, a->src, s->ld_src,
                      JG_RICCATI(s->act->activation));
        return;
    }
    jg_buf_printf(b, "    %s__activate(%s__%s, ", e->kp, e->kp, s->act->keyword);
    put_params(b, s->p, s->q);
    jg_buf_printf(b, ", %zu, %s_N_IN, %s_N_OVER, %s, mode, np, %s, %zu);\n", s->n, e->up, e->up, a->over, a->src,
                  s->ld_src);
}

static void put_step_scale(jg_buf *b, const step_text *a, const jg_step *s)
{
    jg_buf_printf(b, "    %s__scale(%zu, %s, %s, nrow, np, %s, %zu);\n", a->e->kp, s->n, a->w, a->bias, a->src,
                  s->ld_src);
}

static void put_step_copy(jg_buf *b, const step_text *a, const jg_step *s)
{
    jg_buf_printf(b, "    %s__copy(%zu, nrow, %s, %zu, %d, %s, %zu);\n", a->e->kp, s->n, a->src, s->ld_src, s->bc,
                  a->dst, s->ld_dst);
}

static void put_step_add(jg_buf *b, const step_text *a, const jg_step *s)
{
    jg_buf_printf(b, "    %s__add(%zu, nrow, ", a->e->kp, s->n);
    put_double(b, s->c);
    jg_buf_printf(b, ", %s, %zu, %d, %s, %zu);\n", a->src, s->ld_src, s->bc, a->dst, s->ld_dst);
}

static void put_step_mul(jg_buf *b, const step_text *a, const jg_step *s)
{
    const emitter *e = a->e;
    if (a->partials)
        jg_buf_printf(b, "    %s__partials_mul(%zu, %s__TERM_CHANNELS, np, %zu, %s, %s, %zu, %d, %s, %zu, %d, "
                         "%s, %zu);\n", e->kp, s->n, e->up, e->m->monos.n_pairs, a->pairs, a->src, s->ld_src,
                      s->bc, a->src2, s->ld2, s->bc2, a->dst, s->ld_dst);
    else
        jg_buf_printf(b, "    %s__mul(%zu, %s_N_IN, %s_N_OVER, %s, mode, np, %s, %zu, %d, %s, %zu, %d, %s, %zu);\n",
                      e->kp, s->n, e->up, e->up, a->over, a->src, s->ld_src, s->bc, a->src2, s->ld2, s->bc2,
                      a->dst, s->ld_dst);
}

static void put_step_store(jg_buf *b, const step_text *a, const jg_step *s)
{
    const emitter *e = a->e;
    if (a->partials)
        jg_buf_printf(b, "    /* the output */\n"
                         "    %s__partials_store(%s_N_OUT, 0, %s_N_OUT, np, %s_N_TERMS, %s__of_term, %s__factor, "
                         "%s, %zu, u);\n", e->kp, e->up, e->up, e->up, e->prefix, e->prefix, a->src, s->ld_src);
    else
        jg_buf_printf(b, "    /* the output */\n"
                         "    %s__store(%s_N_OUT, 0, %s_N_OUT, %s_N_IN, %s_N_OVER, mode, np, %s, %zu, u, du, d2u);\n",
                      e->kp, e->up, e->up, e->up, e->up, a->src, s->ld_src);
}

static void (*const put_steps[JG_N_STEP_OPS])(jg_buf *, const step_text *, const jg_step *) = {
#define PUT_STEP(NAME, name, ...) [JG_STEP_##NAME] = put_step_##name,
    JG_STEP_OPS(PUT_STEP)
#undef PUT_STEP
};

/* The body of the tile: the plan's steps as kernel calls; with partials,
   the body of the terms' tile (their channels, model__tile_partials). */
static void put_layers(jg_buf *b, const emitter *e, int partials)
{
    const jg_plan *p = e->p;
    const jg_model *m = e->m;
    const char *prefix = e->prefix, *up = e->up;
    size_t i, k;
    int d;
    jg_buf over = JG_BUF_INIT;     /* the over argument of the kernels */
    char pairs[JG_MAX_PREFIX + 8];
    step_text a;

    snprintf(pairs, sizeof pairs, "%s__pairs", prefix);
    if (uses_over(p))
        jg_buf_printf(&over, "%s__over", prefix);
    else
        jg_buf_puts(&over, "NULL");
    jg_buf_printf(b, "    %s_real *work0 = work", prefix);
    for (d = 1; d < (int)p->n_work; d++) {
        if (d == 1)
            jg_buf_printf(b, ", *work1 = work + %s__BUF", up);
        else
            jg_buf_printf(b, ", *work%d = work + %d * %s__BUF", d, d, up);
    }
    if (p->out > 0)
        jg_buf_printf(b, ", *out = work + %zu * %s__BUF", p->n_work, up);
    if (partials)
        jg_buf_printf(b, ";\n    const size_t nrow = %s__TERM_CHANNELS * np;\n", up);
    else
        jg_buf_printf(b, ";\n    const size_t nrow = %s__channels[mode] * np;\n", prefix);
    for (k = 0; k < p->n_steps; k++)
        if (p->steps[k].op == JG_STEP_OUTPUT)
            jg_buf_printf(b, p->steps[k].direct > 0 && !partials ? "    %s_real *rows[%s__ROWS];\n    size_t r, j, m;\n"
                          : "    size_t j, m;\n", prefix, up);
    a.e = e;
    a.partials = partials;
    a.over = jg_buf_str(&over);
    a.pairs = m->monos.n_pairs > 0 ? pairs : "NULL";
    for (k = 0; k < p->n_steps; k++) {
        const jg_step *s = &p->steps[k];
        jg_buf wn = JG_BUF_INIT, bn = JG_BUF_INIT;
        i = s->layer;
        if (i != SIZE_MAX && (k == 0 || p->steps[k - 1].layer != i))
            put_layer_comment(b, m, i, s->op == JG_STEP_OUTPUT);
        if (s->w >= 0)
            array_name(&wn, e, s->w);
        if (s->b >= 0)
            array_name(&bn, e, s->b);
        a.w = jg_buf_str(&wn);
        a.bias = s->b >= 0 ? jg_buf_str(&bn) : "NULL";
        buf_name(s->src, s->off, a.src);
        buf_name(s->dst, s->off_dst, a.dst);
        buf_name(s->src2, s->off2, a.src2);
        put_steps[s->op](b, &a, s);
        if (wn.failed || bn.failed)
            b->failed = 1;
        jg_buf_free(&wn);
        jg_buf_free(&bn);
    }
    if (over.failed)
        b->failed = 1;
    jg_buf_free(&over);
}

/* The body of PREFIX_info: one line saying what the code holds (the
   hashes are hex digits; nothing from the spec's text). */
static void put_info(jg_buf *b, const emitter *e)
{
    static const char *const fn[3] = {" hessian", " hessian_diag", " laplacian"};
    const jg_model *m = e->m;
    int k;
    jg_buf_printf(b, "    return \"jetgen %s; abi %d; n_in %zu; n_out %zu; precision %s; \"\n"
                     "           \"modes eval jacobian", JG_VERSION, JETGEN_ABI, m->n_in, m->n_out, e->real);
    for (k = 0; k < 3; k++)
        if ((e->hessians >> k) & 1u)
            jg_buf_puts(b, fn[k]);
    if (m->n_terms > 0) {       /* as --terms takes them, by input number */
        size_t t;
        int o;
        jg_buf_puts(b, " partials; terms ");
        for (t = 0; t < m->n_terms; t++) {
            jg_buf_puts(b, t > 0 ? "," : "");
            if (m->terms[t].order == 0)
                jg_buf_puts(b, "\\\"\\\"");
            for (o = 0; o < m->terms[t].order; o++)
                jg_buf_printf(b, "%s%zu", o > 0 ? "*" : "", m->terms[t].in[o]);
        }
    }
    if (m->over != NULL) {
        size_t i;
        jg_buf_puts(b, "; over");
        for (i = 0; i < m->n_over; i++)
            jg_buf_printf(b, " %zu", m->over[i]);
    }
    jg_buf_printf(b, "; spec_sha256 %s; weights_sha256 %s\";\n", m->spec_sha256,
                  m->weights_path != NULL ? m->weights_sha256 : "-");
}

/* The number after `key ` in the info line s, or -1. */
static long info_number(const char *s, const char *key)
{
    const char *at = strstr(s, key);
    long v;
    return at != NULL && sscanf(at + strlen(key), " %ld", &v) == 1 ? v : -1;
}

/* The 64 hex digits after `key ` in the info line s, into hex; 0, or -1. */
static int info_hash(const char *s, const char *key, char hex[65])
{
    const char *at = strstr(s, key);
    return at != NULL && sscanf(at + strlen(key), " %64[0-9a-f]", hex) == 1 && strlen(hex) == 64 ? 0 : -1;
}

/* Whether the info line's `; over i j ...` (none: every input) names the
   inputs m's `over` does: the diagonal's arrays are sized by them. */
static int info_same_over(const char *s, const jg_model *m)
{
    const char *at = strstr(s, "; over ");
    size_t i;
    if (at == NULL)
        return m->n_over == m->n_in;
    at += 7;
    for (i = 0; i < m->n_over; i++) {
        char *end;
        const unsigned long v = strtoul(at, &end, 10);
        if (end == at || v != (m->over != NULL ? m->over[i] : i))
            return 0;
        at = end;
        while (*at == ' ')
            at++;
    }
    return *at == ';' || *at == '\0';
}

/* Whether the info line's `; terms LIST` (none: no partials) holds m's
   terms, in order; without terms in m, any. */
static int info_same_terms(const char *s, const jg_model *m)
{
    const char *at = strstr(s, "; terms ");
    char list[4096], msg[128];
    jg_term *got;
    size_t len, off, t;
    int n, same;
    if (m->n_terms == 0)
        return 1;
    if (at == NULL)
        return 0;
    at += 8;
    len = strcspn(at, ";");
    if (len >= sizeof list)
        return 0;
    memcpy(list, at, len);
    list[len] = '\0';
    got = (jg_term *)malloc(JG_MAX_TERMS * sizeof *got);
    if (got == NULL)
        return 0;
    n = jg_terms_parse(list, m->n_in, NULL, got, JG_MAX_TERMS, msg, sizeof msg, &off);
    same = n == (int)m->n_terms;
    for (t = 0; same && t < m->n_terms; t++)
        same = jg_term_same(&got[t], &m->terms[t]);
    free(got);
    return same;
}

int jg_emit_info_check(const jg_model *m, const char *info, int precision, const char *spec, jg_buf *why)
{
    char hex[65];
    const char *s;
    const long abi = info_number(info, "; abi"), n_in = info_number(info, "; n_in"),
               n_out = info_number(info, "; n_out");
    if (abi != JETGEN_ABI) {
        jg_buf_printf(why, "was built for ABI %ld; this jetgen reads ABI %d: emit it again", abi, JETGEN_ABI);
        return -1;
    }
    if (n_in != (long)m->n_in || n_out != (long)m->n_out) {
        jg_buf_printf(why, "holds a network of %ld input%s and %ld output%s, %s one of %zu and %zu: built from "
                      "another spec?", n_in, n_in == 1 ? "" : "s", n_out, n_out == 1 ? "" : "s", spec, m->n_in,
                      m->n_out);
        return -1;
    }
    if (precision >= 0) {
        const char *want = precision == JG_FLOAT ? "float" : "double";
        if ((s = strstr(info, "; precision ")) == NULL || strncmp(s + 12, want, strlen(want)) != 0) {
            jg_buf_printf(why, "holds %s code: verify it with --precision %s", precision == JG_FLOAT ? "double"
                          : "float", precision == JG_FLOAT ? "double" : "float");
            return -1;
        }
    }
    if (!info_same_over(info, m)) {
        jg_buf_printf(why, "takes the Hessian's diagonal and the Laplacian over other inputs than %s does (its "
                      "report: %s): built from another spec?", spec, info);
        return -1;
    }
    if (!info_same_terms(info, m)) {
        jg_buf_printf(why, "holds the partial derivatives of other terms than those asked for (%s's, or "
                      "--terms; its report: %s): emit it again with these terms", spec, info);
        return -1;
    }
    if (m->weights_path != NULL && info_hash(info, "; weights_sha256", hex) == 0
        && strcmp(hex, m->weights_sha256) != 0) {
        jg_buf_printf(why, "was built from other weights (sha256 %.12s..., %s's are %.12s...)", hex, spec,
                      m->weights_sha256);
        return -1;
    }
    if (info_hash(info, "; spec_sha256", hex) == 0 && strcmp(hex, m->spec_sha256) != 0) {
        jg_buf_printf(why, "was built from another text of the spec (sha256 %.12s..., %s's is %.12s...); the "
                      "weights are the same", hex, spec, m->spec_sha256);
        return 1;
    }
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

/* The kernel sections the plan calls, renamed to kp: in full for a
   standalone file, their declarations only for the JIT. */
static int put_kernels(jg_buf *b, const emitter *e, int jit)
{
    const jg_plan *p = e->p;
    size_t i, len;
    int rc = 0;
    if (e->is_float)
        jg_buf_printf(b, "#define %s__FLOAT 1\n", e->kup);
    rc |= put_section(b, e, "real");
    jg_buf_putc(b, '\n');
    if (!jit) {
        rc |= put_section(b, e, "vector");
        jg_buf_putc(b, '\n');
    }
    for (i = 0; i < p->n_kernels; i++) {
        char decl[48];
        snprintf(decl, sizeof decl, "%s-decl", p->kernels[i]);
        if (jg_tpl_section(jg_tpl_kernels_c, decl, &len) != NULL)  /* helpers have none */
            rc |= put_section(b, e, decl);
    }
    if (jit)
        return rc;
    for (i = 0; i < p->n_kernels; i++) {
        jg_buf_putc(b, '\n');
        rc |= put_section(b, e, p->kernels[i]);
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
    "#define NAN (0.0 / 0.0)\n"
    "void *malloc(size_t size);\n"
    "void free(void *p);\n"
    "#define MODEL__API\n";

static void upper(char *dst, const char *s)
{
    for (; *s != '\0'; s++)
        *dst++ = (*s >= 'a' && *s <= 'z') ? (char)(*s - 'a' + 'A') : *s;
    *dst = '\0';
}

/* The templates' sections of the three second-derivative functions, in
   the order of the JG_HESSIAN_* bits. */
static const char *const api[3] = {"api-hessian", "api-hessian_diag", "api-laplacian"};

/* The texts of one emission, each filling a section of the templates. */
typedef struct emit_texts {
    jg_buf prov_c, prov_h, sizes, decl, kern, work, weights, layers, incl, plain, info;
    jg_buf tpl_c, tpl_h, tpl_s;     /* the templates, renamed to the prefix */
    jg_buf api_h[3], api_c[3];      /* the second-derivative functions' sections, or empty */
    jg_buf part_h, part_c;          /* the terms' sections (api-partials), or empty */
    jg_buf part_size, part_tables, part_layers, part_tpl;   /* what fills them */
    jg_buf single[4];               /* templates/single.h's usage, linkage, implementation, end */
} emit_texts;

/* t's buffers, all of them, into all[]; how many. */
static size_t texts_all(emit_texts *t, jg_buf **all)
{
    jg_buf *const one[] = {&t->prov_c, &t->prov_h, &t->sizes, &t->decl, &t->kern, &t->work, &t->weights,
                           &t->layers, &t->incl, &t->plain, &t->info, &t->tpl_c, &t->tpl_h, &t->tpl_s,
                           &t->part_h, &t->part_c, &t->part_size, &t->part_tables, &t->part_layers,
                           &t->part_tpl};
    size_t n = 0, k;
    for (k = 0; k < sizeof one / sizeof one[0]; k++)
        all[n++] = one[k];
    for (k = 0; k < 3; k++) {
        all[n++] = &t->api_h[k];
        all[n++] = &t->api_c[k];
    }
    for (k = 0; k < 4; k++)
        all[n++] = &t->single[k];
    return n;
}

/* Slot name = text, added at s[*n]. */
static void add_slot(jg_tpl_slot *s, size_t *n, const char *name, const char *text)
{
    s[*n].name = name;
    s[*n].text = text;
    (*n)++;
}

/* The api-partials sections of the header and the source into t, their
   slots filled (where the model has terms): 0, or -1 with *bad the
   section that does not match. */
static int make_partials(const emitter *e, emit_texts *t, const char **bad)
{
    jg_tpl_slot hs[1], cs[3];
    const char *s;
    size_t len, n = 0;
    int rc;
    if (e->m->n_terms == 0)
        return 0;
    put_terms_size(&t->part_size, e);
    put_partials_tables(&t->part_tables, e);
    put_layers(&t->part_layers, e, 1);
    if ((s = jg_tpl_section(jg_buf_str(&t->tpl_h), "api-partials", &len)) == NULL) {
        *bad = "api-partials";
        return -1;
    }
    jg_buf_putn(&t->part_tpl, s, len);
    add_slot(hs, &n, "partials-size", jg_buf_str(&t->part_size));
    if (jg_tpl_fill(&t->part_h, jg_buf_str(&t->part_tpl), hs, n, bad) != 0)
        return -1;
    t->part_tpl.len = 0;
    if ((s = jg_tpl_section(jg_buf_str(&t->tpl_c), "api-partials", &len)) == NULL) {
        *bad = "api-partials";
        return -1;
    }
    jg_buf_putn(&t->part_tpl, s, len);
    n = 0;
    add_slot(cs, &n, "partials-tables", jg_buf_str(&t->part_tables));
    add_slot(cs, &n, "partials-layers", jg_buf_str(&t->part_layers));
    s = jg_tpl_section(jg_buf_str(&t->part_tpl), e->p->on_stack ? "partials-stack" : "partials-heap", &len);
    if (s == NULL) {
        *bad = "partials-plain";
        return -1;
    }
    /* the part chosen, copied out of part_tpl before the fill reads it */
    {
        jg_buf plain = JG_BUF_INIT;
        jg_buf_putn(&plain, s, len);
        add_slot(cs, &n, "partials-plain", jg_buf_str(&plain));
        rc = jg_tpl_fill(&t->part_c, jg_buf_str(&t->part_tpl), cs, n, bad);
        if (plain.failed)
            t->part_c.failed = 1;
        jg_buf_free(&plain);
    }
    return rc;
}

/* Every text of the emission into t; 0, or -1 with *bad the template
   section that does not match. */
static int make_texts(const emitter *e, const jg_emit_opts *o, emit_texts *t, const char **bad)
{
    static const char *const single_part[4] = {"usage", "linkage", "implementation", "end"};
    const jg_plan *p = e->p;
    const int single = o->target == JG_TARGET_SINGLE;
    const int jit = o->target == JG_TARGET_JIT || o->target == JG_TARGET_JIT_BOUND;
    const char *s;
    size_t k, len, lc;
    int rc = 0;
    put_provenance(&t->prov_c, e->m, o, jit ? "JIT source" : single ? "Single-file C99 header" : "C99 source");
    put_provenance(&t->prov_h, e->m, o, "Header");
    put_sizes(&t->sizes, e);
    put_work(&t->work, e);
    put_weights(&t->weights, e);
    put_layers(&t->layers, e, 0);
    put_info(&t->info, e);
    if (put_kernels(&t->kern, e, jit) != 0) {
        *bad = "kernels";
        rc = -1;
    }
    jg_tpl_rename(&t->tpl_c, jg_tpl_model_c, strlen(jg_tpl_model_c), o->prefix);
    jg_tpl_rename(&t->tpl_h, jg_tpl_model_h, strlen(jg_tpl_model_h), o->prefix);
    jg_tpl_rename(&t->tpl_s, jg_tpl_single_h, strlen(jg_tpl_single_h), o->prefix);
    /* the single header's sections; the linkage of model.h otherwise */
    for (k = 0; k < 4; k++) {
        const char *from = single ? jg_buf_str(&t->tpl_s) : k == 1 ? jg_buf_str(&t->tpl_h) : NULL;
        if (from == NULL)
            continue;
        if ((s = jg_tpl_section(from, single_part[k], &len)) == NULL) {
            *bad = single_part[k];
            rc = -1;
        } else {
            jg_buf_putn(&t->single[k], s, len);
        }
    }
    jg_buf_puts(&t->prov_c, jg_buf_str(&t->single[0]));
    if (single && !p->on_stack)
        jg_buf_puts(&t->single[2], "#include <stdlib.h>\n");
    if (jit)
        jg_tpl_rename(&t->incl, jit_includes, strlen(jit_includes), e->kp);
    else if (!single)
        jg_buf_puts(&t->incl, p->on_stack ? "#include <math.h>\n#include <stddef.h>\n#include <string.h>\n"
                    : "#include <math.h>\n#include <stddef.h>\n#include <stdlib.h>\n#include <string.h>\n");
    /* the plain functions' work space: on the stack, or from malloc */
    if ((s = jg_tpl_section(jg_buf_str(&t->tpl_c), p->on_stack ? "plain-stack" : "plain-heap", &len)) == NULL) {
        *bad = "plain";
        rc = -1;
    } else {
        jg_buf_putn(&t->plain, s, len);
    }
    /* a second-derivative function asked for keeps its section's text
       (banners dropped); the others are dropped whole */
    for (k = 0; k < 3; k++) {
        const char *th = jg_tpl_section(jg_buf_str(&t->tpl_h), api[k], &len);
        const char *tc = jg_tpl_section(jg_buf_str(&t->tpl_c), api[k], &lc);
        if (th == NULL || tc == NULL) {
            *bad = api[k];
            rc = -1;
        } else if ((e->hessians >> k) & 1u) {
            jg_buf_putn(&t->api_h[k], th, len);
            jg_buf_putn(&t->api_c[k], tc, lc);
        }
    }
    if (make_partials(e, t, bad) != 0)
        rc = -1;
    return rc;
}

/* The header's slots: its declarations (for the source and the single
   header, provenance and includes empty) or the header file itself. */
static size_t header_slots(const emit_texts *t, int single, int file, jg_tpl_slot *hs)
{
    size_t n = 0, k;
    add_slot(hs, &n, "provenance", file ? jg_buf_str(&t->prov_h) : "");
    add_slot(hs, &n, "includes", file || single ? "#include <stddef.h>\n" : "");
    add_slot(hs, &n, "linkage", jg_buf_str(&t->single[1]));
    add_slot(hs, &n, "sizes", jg_buf_str(&t->sizes));
    for (k = 0; k < 3; k++)
        add_slot(hs, &n, api[k], jg_buf_str(&t->api_h[k]));
    add_slot(hs, &n, "api-partials", jg_buf_str(&t->part_h));
    return n;
}

/* The source's slots (or the single header's). */
static size_t source_slots(const emit_texts *t, jg_tpl_slot *cs)
{
    size_t n = 0, k;
    add_slot(cs, &n, "provenance", jg_buf_str(&t->prov_c));
    add_slot(cs, &n, "includes", jg_buf_str(&t->incl));
    add_slot(cs, &n, "declarations", jg_buf_str(&t->decl));
    add_slot(cs, &n, "implementation", jg_buf_str(&t->single[2]));
    add_slot(cs, &n, "kernels", jg_buf_str(&t->kern));
    add_slot(cs, &n, "work", jg_buf_str(&t->work));
    add_slot(cs, &n, "weights", jg_buf_str(&t->weights));
    add_slot(cs, &n, "layers", jg_buf_str(&t->layers));
    for (k = 0; k < 3; k++)
        add_slot(cs, &n, api[k], jg_buf_str(&t->api_c[k]));
    add_slot(cs, &n, "api-partials", jg_buf_str(&t->part_c));
    add_slot(cs, &n, "end", jg_buf_str(&t->single[3]));
    add_slot(cs, &n, "plain", jg_buf_str(&t->plain));
    add_slot(cs, &n, "info", jg_buf_str(&t->info));
    return n;
}

int jg_emit_plan(const jg_plan *p, const jg_emit_opts *o, jg_buf *c, jg_buf *h,
                 jg_diag *d)
{
    emitter e;
    emit_texts t;
    jg_buf *all[40];
    jg_tpl_slot hs[12], cs[20];
    const char *bad = NULL, *why;
    const int single = o->target == JG_TARGET_SINGLE;
    const int jit = o->target == JG_TARGET_JIT || o->target == JG_TARGET_JIT_BOUND;
    size_t k, n, n_all;
    int rc, failed;

    why = jg_prefix_problem(o->prefix);
    if (why != NULL) {
        jg_buf shown = JG_BUF_INIT;
        comment_text(&shown, o->prefix);
        jg_diag_error(d, "jetgen", 0, 0, "prefix '%s' is not a usable C identifier: %s",
                      jg_buf_str(&shown), why);
        jg_buf_free(&shown);
        return -1;
    }
    e.p = p;
    e.m = p->m;
    e.bound = o->target == JG_TARGET_JIT_BOUND;
    e.prefix = o->prefix;
    upper(e.up, o->prefix);
    e.is_float = p->precision == JG_FLOAT;
    e.real = e.is_float ? "float" : "double";
    e.kp = !jit ? o->prefix : e.is_float ? JIT_KERNELS_FLOAT : JIT_KERNELS;
    e.hessians = jit ? JG_HESSIAN_ALL : o->hessians != 0 ? o->hessians : JG_HESSIAN_FULL;
    upper(e.kup, e.kp);
    memset(&t, 0, sizeof t);        /* every buffer JG_BUF_INIT */
    n_all = texts_all(&t, all);

    rc = make_texts(&e, o, &t, &bad);
    if (rc == 0) {      /* the declarations inside the source; then the header file */
        n = header_slots(&t, single, 0, hs);
        rc = jg_tpl_fill(&t.decl, jg_buf_str(&t.tpl_h), hs, n, &bad);
    }
    if (rc == 0 && h != NULL && !single) {
        n = header_slots(&t, single, 1, hs);
        rc = jg_tpl_fill(h, jg_buf_str(&t.tpl_h), hs, n, &bad);
    }
    if (rc == 0) {
        n = source_slots(&t, cs);
        rc = jg_tpl_fill(c, jg_buf_str(&t.tpl_c), cs, n, &bad);
    }
    if (rc != 0)
        jg_diag_error(d, "jetgen", 0, 0, "internal error: template section '%s' does not match", bad);
    failed = c->failed || (h != NULL && h->failed);
    for (k = 0; k < n_all; k++) {
        failed |= all[k]->failed;
        jg_buf_free(all[k]);
    }
    if (rc == 0 && failed) {
        jg_diag_error(d, "jetgen", 0, 0, "out of memory while writing C");
        rc = -1;
    }
    return rc;
}

int jg_emit(const jg_model *m, const jg_emit_opts *o, jg_buf *c, jg_buf *h,
            jg_diag *d)
{
    jg_plan *p = jg_plan_make(m, o->precision, d);
    int rc;
    if (p == NULL)
        return -1;
    rc = jg_emit_plan(p, o, c, h, d);
    jg_plan_free(p);
    return rc;
}
