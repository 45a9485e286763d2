/* spec.c: reads a layer spec (formats 1 to 3, docs/spec.md) into a
   jg_model of its layers, whose weights load.c reads. Every error is
   collected with its place; a model is returned only when there were
   none. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "mem.h"
#include "model.h"
#include "spec.h"

#define MAX_TOKENS 1024    /* words on a line: `input` with a thousand names */

typedef struct token {
    const char *s;      /* NUL-terminated copy inside the line buffer */
    int col;            /* 1-based byte column */
} token;

typedef struct parser {
    const char *path;
    jg_diag *d;
    jg_model *m;
    int line;
    int have_input, weights_line;
    int dense_lines;    /* `dense` statements seen, well-formed or not */
    int tensor_lines;   /* statements that name a tensor */
    size_t width;       /* current width while reading layers */
    size_t cap_layers;
    int depth;          /* residual blocks open */
    int open_line[JG_MAX_NESTING];      /* where each was opened */
    size_t open_width[JG_MAX_NESTING];  /* and its input width */
    size_t open_value[JG_MAX_NESTING];  /* and its input value */
    int format;         /* 1 (until a `format` statement says otherwise), 2 or 3 */
    int statements;     /* statements read */
    int output_line;    /* format 3: where `output` was */
    int over_line;      /* where `over` was */
    int terms_line;     /* where `terms` was */
    char **failed;      /* format 3: values whose statement had an error (owned) */
    size_t n_failed;    /* (their uses say nothing more) */
} parser;

static int is_ident(const char *s)
{
    size_t i;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return 0;
    for (i = 1; s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return i <= JG_MAX_NAME;
}

/* A width 1..JG_MAX_WIDTH written in decimal, or 0. */
static size_t parse_width(const char *s)
{
    size_t v = 0;
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (size_t)(*s - '0');
        if (v > JG_MAX_WIDTH)
            return 0;
    }
    return v;
}

static int all_digits(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static void oom(parser *p)
{
    jg_diag_error(p->d, p->path, p->line, 0, "out of memory");
}

static void do_input(parser *p, token *t, int nt)
{
    char show[256];
    int i, j;
    if (p->have_input) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'input' given twice");
        return;
    }
    p->have_input = 1;
    if (p->m->n_layers > 0)
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'input' must come before the layers");
    if (nt < 2) {
        jg_diag_error(p->d, p->path, p->line, t[0].col,
                      "'input' needs a count or one name per component");
        return;
    }
    if (nt == 2 && all_digits(t[1].s)) {
        p->m->n_in = parse_width(t[1].s);
        if (p->m->n_in == 0)
            jg_diag_error(p->d, p->path, p->line, t[1].col,
                          "input count must be 1 to %d, not %s", JG_MAX_WIDTH, jg_shown(t[1].s, show));
        p->width = p->m->n_in;
        return;
    }
    for (i = 1; i < nt; i++) {
        if (!is_ident(t[i].s)) {
            jg_diag_error(p->d, p->path, p->line, t[i].col,
                          "input name '%s' is not an identifier (letters, digits, _; at most %d bytes)",
                          jg_shown(t[i].s, show), JG_MAX_NAME);
            return;
        }
        for (j = 1; j < i; j++)
            if (strcmp(t[i].s, t[j].s) == 0) {
                jg_diag_error(p->d, p->path, p->line, t[i].col, "input name '%s' given twice", t[i].s);
                return;
            }
    }
    p->m->input_names = (char **)jg_malloc_n((size_t)(nt - 1), sizeof(char *));
    if (p->m->input_names == NULL) {
        oom(p);
        return;
    }
    for (i = 1; i < nt; i++) {
        p->m->input_names[i - 1] = jg_strdup(t[i].s);
        p->m->n_in = (size_t)i;
        if (p->m->input_names[i - 1] == NULL) {
            p->m->n_in = (size_t)i - 1;
            oom(p);
            return;
        }
    }
    p->width = p->m->n_in;
}

/* The weights path: as given when absolute, else next to the spec file. */
static char *resolve_path(const char *spec_path, const char *rel)
{
    const char *slash = strrchr(spec_path, '/');
    size_t dir = slash ? (size_t)(slash - spec_path) + 1 : 0;
    char *out;
    if (rel[0] == '/' || dir == 0)
        return jg_strdup(rel);
    out = (char *)jg_malloc(dir + strlen(rel) + 1);
    if (out != NULL) {
        memcpy(out, spec_path, dir);
        strcpy(out + dir, rel);
    }
    return out;
}

static void do_weights(parser *p, token *t, int nt)
{
    if (p->weights_line) {
        jg_diag_error(p->d, p->path, p->line, t[0].col,
                      "'weights' given twice (first on line %d)", p->weights_line);
        return;
    }
    p->weights_line = p->line;
    if (nt != 2) {
        jg_diag_error(p->d, p->path, p->line, t[0].col,
                      "'weights' takes one path (without spaces)");
        return;
    }
    p->m->weights_path = resolve_path(p->path, t[1].s);
    if (p->m->weights_path == NULL)
        oom(p);
}

static jg_layer *add_layer(parser *p, jg_layer_kind kind, int col)
{
    jg_layer *l;
    if (p->m->n_layers == JG_MAX_LAYERS) {
        jg_diag_error(p->d, p->path, p->line, col, "more than %d layers", JG_MAX_LAYERS);
        return NULL;
    }
    if (p->m->n_layers == p->cap_layers) {
        size_t cap = p->cap_layers ? 2 * p->cap_layers : 16;
        jg_layer *nl = (jg_layer *)jg_realloc_n(p->m->layers, cap, sizeof *nl);
        if (nl == NULL) {
            oom(p);
            return NULL;
        }
        p->m->layers = nl;
        p->cap_layers = cap;
    }
    l = &p->m->layers[p->m->n_layers++];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->line = p->line;
    l->col = col;
    l->n_in = p->width;
    l->n_out = p->width;
    l->n_args = 1;
    l->arg[0] = p->m->n_layers - 1;     /* a chain: the value before */
    return l;
}

/* s as a finite number written in full (strtod's syntax), into *v. */
static int parse_number(const char *s, double *v)
{
    char *end;
    if (*s == '\0')
        return 0;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v);
}

/* Checks a tensor name and keeps a copy in *dst; 0 on success. */
static int take_tensor(parser *p, const token *t, char **dst)
{
    if (strlen(t->s) > JG_MAX_NAME) {
        jg_diag_error(p->d, p->path, p->line, t->col, "tensor name is longer than %d bytes",
                      JG_MAX_NAME);
        return -1;
    }
    p->tensor_lines++;
    *dst = jg_strdup(t->s);
    if (*dst == NULL) {
        oom(p);
        return -1;
    }
    return 0;
}

/* An activation's `name=value` parameters, over the defaults. */
static int read_params(parser *p, const jg_layer_info *info, token *t, int nt, double param[2])
{
    char show[256];
    int i, k, seen[2] = {0, 0};
    param[0] = info->param_default[0];
    param[1] = info->param_default[1];
    for (i = 1; i < nt; i++) {
        const char *eq = strchr(t[i].s, '=');
        size_t len = eq != NULL ? (size_t)(eq - t[i].s) : 0;
        if (info->n_params == 0) {
            jg_diag_error(p->d, p->path, p->line, t[i].col, "'%s' takes no arguments", info->keyword);
            return -1;
        }
        for (k = 0; k < info->n_params; k++)
            if (eq != NULL && strlen(info->param_name[k]) == len
                && strncmp(t[i].s, info->param_name[k], len) == 0)
                break;
        if (k == info->n_params) {
            if (info->n_params == 1)
                jg_diag_error(p->d, p->path, p->line, t[i].col, "'%s' takes %s=VALUE, not '%s'",
                              info->keyword, info->param_name[0], jg_shown(t[i].s, show));
            else
                jg_diag_error(p->d, p->path, p->line, t[i].col, "'%s' takes %s=VALUE and %s=VALUE, not '%s'",
                              info->keyword, info->param_name[0], info->param_name[1], jg_shown(t[i].s, show));
            return -1;
        }
        if (seen[k]++) {
            jg_diag_error(p->d, p->path, p->line, t[i].col, "%s given twice", info->param_name[k]);
            return -1;
        }
        if (!parse_number(eq + 1, &param[k])) {
            jg_diag_error(p->d, p->path, p->line, t[i].col + (int)len + 1,
                          "%s must be a finite number, not '%s'", info->param_name[k], jg_shown(eq + 1, show));
            return -1;
        }
    }
    if (info->activation >= 0 && !jg_activation_valid(info->activation, param[0], param[1])) {
        if (info->n_params == 1)
            jg_diag_error(p->d, p->path, p->line, t[0].col, "%s needs %s, not %g", info->keyword, info->needs,
                          param[0]);
        else
            jg_diag_error(p->d, p->path, p->line, t[0].col, "%s needs %s, not %g and %g", info->keyword,
                          info->needs, param[0], param[1]);
        return -1;
    }
    return 0;
}

/* `dense N NAME` and `fourier N NAME`: the width N, or 0 after an error. */
/* Outputs a unit of a layer's width makes (fourier N: [sin, cos], 2 N),
   and the widest width it may be given. */
static size_t per_unit(const jg_layer_info *info)
{
    return jg_kinds[info->kind].halves == 2 ? 2 : 1;
}

static size_t widest_width(const jg_layer_info *info)
{
    return JG_MAX_WIDTH / per_unit(info);
}

static size_t read_width_and_name(parser *p, const jg_layer_info *info, token *t, int nt)
{
    char show[256];
    size_t n;
    if (nt != 3) {
        jg_diag_error(p->d, p->path, p->line, t[0].col,
                      "'%s' takes a width and a tensor name: %s N NAME", info->keyword, info->keyword);
        return 0;
    }
    n = parse_width(t[1].s);
    if (n == 0 || n > widest_width(info)) {
        jg_diag_error(p->d, p->path, p->line, t[1].col, "%s width must be 1 to %zu, not '%s'",
                      info->keyword, widest_width(info), jg_shown(t[1].s, show));
        return 0;
    }
    return n;
}

static void do_layer(parser *p, const jg_layer_info *info, token *t, int nt)
{
    jg_layer *l;
    size_t n = 0;
    double param[2] = {0.0, 0.0};
    int i;
    if (!p->have_input) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "a layer before 'input'");
        p->have_input = 1;      /* say it once */
    }
    switch (info->kind) {
    case JG_DENSE:
    case JG_FOURIER:
        p->dense_lines += info->kind == JG_DENSE;
        n = read_width_and_name(p, info, t, nt);
        if (n == 0)
            return;
        break;
    case JG_SCALE:
        if (nt < 2 || nt > 3) {
            jg_diag_error(p->d, p->path, p->line, t[0].col,
                          "'scale' takes a factor and an optional offset, each a number or a tensor name");
            return;
        }
        for (i = 1; i < nt; i++) {
            double v;
            if (parse_number(t[i].s, &v))
                param[i - 1] = v;
            else if (strlen(t[i].s) > JG_MAX_NAME) {
                jg_diag_error(p->d, p->path, p->line, t[i].col, "tensor name is longer than %d bytes",
                              JG_MAX_NAME);
                return;
            }
        }
        break;
    case JG_RESIDUAL:
    case JG_END:
    case JG_IDENTITY:
        if (nt != 1) {
            jg_diag_error(p->d, p->path, p->line, t[1].col, "'%s' takes no arguments", info->keyword);
            return;
        }
        if (info->kind == JG_RESIDUAL && p->depth == JG_MAX_NESTING) {
            jg_diag_error(p->d, p->path, p->line, t[0].col,
                          "residual blocks nested more than %d deep", JG_MAX_NESTING);
            return;
        }
        if (info->kind == JG_END && p->depth == 0) {
            jg_diag_error(p->d, p->path, p->line, t[0].col, "'end' without an open 'residual'");
            return;
        }
        if (info->kind == JG_END && p->width != p->open_width[p->depth - 1]) {
            jg_diag_error(p->d, p->path, p->line, t[0].col,
                          "the residual block from line %d ends %zu wide but started %zu wide: "
                          "a + f(a) needs equal widths",
                          p->open_line[p->depth - 1], p->width, p->open_width[p->depth - 1]);
            p->depth--;
            return;
        }
        break;
    case JG_ACTIVATION:
        if (read_params(p, info, t, nt, param) != 0)
            return;
        break;
    default:        /* format 3's, refused before */
        return;
    }
    l = add_layer(p, info->kind, t[0].col);
    if (l == NULL)
        return;
    l->info = info;
    l->param[0] = param[0];
    l->param[1] = param[1];
    switch (info->kind) {
    case JG_DENSE:
    case JG_FOURIER:
        l->n_out = per_unit(info) * n;
        p->width = l->n_out;
        take_tensor(p, &t[2], &l->tensor);
        break;
    case JG_SCALE:
        for (i = 1; i < nt; i++) {
            double v;
            if (!parse_number(t[i].s, &v))
                take_tensor(p, &t[i], i == 1 ? &l->tensor : &l->tensor2);
        }
        break;
    case JG_RESIDUAL:
        l->depth = p->depth;
        p->open_line[p->depth] = p->line;
        p->open_value[p->depth] = p->m->n_layers;
        p->open_width[p->depth++] = p->width;
        if (p->depth > p->m->max_depth)
            p->m->max_depth = p->depth;
        break;
    case JG_END:
        l->depth = --p->depth;
        l->n_args = 2;
        l->arg[1] = l->arg[0];
        l->arg[0] = p->open_value[p->depth];
        break;
    default:
        break;
    }
}

/* `format N`: the first statement, if any. */
static void do_format(parser *p, token *t, int nt)
{
    char show[256];
    if (p->statements > 1) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'format' must be the first statement");
        return;
    }
    if (nt != 2 || (strcmp(t[1].s, "1") != 0 && strcmp(t[1].s, "2") != 0 && strcmp(t[1].s, "3") != 0)) {
        jg_diag_error(p->d, p->path, p->line, nt > 1 ? t[1].col : t[0].col,
                      "'format' takes 1, 2 or 3, not '%s'", nt > 1 ? jg_shown(t[1].s, show) : "");
        return;
    }
    p->format = t[1].s[0] - '0';
}

static int reserved(const char *s)
{
    return strcmp(s, "input") == 0 || strcmp(s, "output") == 0 || strcmp(s, "weights") == 0
        || strcmp(s, "format") == 0 || strcmp(s, "over") == 0 || strcmp(s, "terms") == 0;
}

/* The value a format-3 operand names: `input` (all of x), an input's name
   (one component: a slice made on first use) or a value defined before.
   0 with the value in *v, or -1 after an error. */
static int find_value(parser *p, const token *t, size_t *v)
{
    char show[256];
    const jg_model *m = p->m;
    size_t i;
    jg_layer *l;
    if (strcmp(t->s, "input") == 0) {
        *v = 0;
        return 0;
    }
    for (i = m->n_layers; i-- > 0;)
        if (m->layers[i].name != NULL && strcmp(m->layers[i].name, t->s) == 0) {
            *v = i + 1;
            return 0;
        }
    for (i = 0; m->input_names != NULL && i < m->n_in; i++)
        if (strcmp(m->input_names[i], t->s) == 0)
            break;
    if (m->input_names == NULL || i == m->n_in) {
        for (i = 0; i < p->n_failed; i++)
            if (strcmp(p->failed[i], t->s) == 0)
                return -1;      /* its statement's error was said */
        jg_diag_error(p->d, p->path, p->line, t->col, "unknown value '%s' (a value is named by "
                      "'NAME = ...' before its use, or is an input)", jg_shown(t->s, show));
        return -1;
    }
    p->width = m->n_in;
    l = add_layer(p, JG_SLICE, t->col);
    if (l == NULL)
        return -1;
    l->info = jg_layer_lookup("slice");
    l->arg[0] = 0;
    l->off = i;
    l->n_out = 1;
    l->name = jg_strdup(t->s);
    if (l->name == NULL) {
        oom(p);
        return -1;
    }
    *v = p->m->n_layers;
    return 0;
}

/* A statement of format 3: NAME = KEYWORD ARGS, the operands named. */
static int assign_op(parser *p, token *t, int nt);

static void do_assign(parser *p, token *t, int nt)
{
    char show[256];
    size_t i;
    if (strchr(t[0].s, '=') != NULL || nt < 2 || strcmp(t[1].s, "=") != 0) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "a statement of format 3 is 'NAME = KEYWORD "
                      "OPERANDS...', with spaces around '='");
        return;
    }
    if (!is_ident(t[0].s) || reserved(t[0].s)) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'%s' cannot name a value (letters, digits, _; "
                      "at most %d bytes; not input, output, weights, format)", jg_shown(t[0].s, show),
                      JG_MAX_NAME);
        return;
    }
    for (i = 0; i < p->m->n_layers; i++)
        if (p->m->layers[i].name != NULL && strcmp(p->m->layers[i].name, t[0].s) == 0) {
            jg_diag_error(p->d, p->path, p->line, t[0].col, "value '%s' is defined twice (first on line %d): "
                          "each value is named once", t[0].s, p->m->layers[i].line);
            return;
        }
    for (i = 0; p->m->input_names != NULL && i < p->m->n_in; i++)
        if (strcmp(p->m->input_names[i], t[0].s) == 0) {
            jg_diag_error(p->d, p->path, p->line, t[0].col, "'%s' is an input's name", t[0].s);
            return;
        }
    if (assign_op(p, t, nt) != 0) {
        char **f = (char **)jg_realloc_n(p->failed, p->n_failed + 1, sizeof *f);
        if (f == NULL || (f[p->n_failed] = jg_strdup(t[0].s)) == NULL) {
            if (f != NULL)
                p->failed = f;
            oom(p);
            return;
        }
        p->failed = f;
        p->n_failed++;
    }
}

/* The operation of a format-3 statement, t[2] on; 0, or -1 after an error. */
/* An assignment's operands: where they are among the words ([*first,
   *last)), and a dense, matmul or fourier layer's width (*n). 0, or -1
   with the error said. */
static int operand_places(parser *p, const jg_layer_info *info, const token *t, int nt, size_t *n, int *first,
                          int *last)
{
    char show[256];
    *first = 3;
    *last = nt;
    switch (info->kind) {
    case JG_DENSE:
    case JG_MATMUL:
    case JG_FOURIER:
        if (nt != 6) {
            jg_diag_error(p->d, p->path, p->line, t[2].col, "'%s' takes a width, a tensor name and an "
                          "operand: NAME = %s N TENSOR VALUE", info->keyword, info->keyword);
            return -1;
        }
        *n = parse_width(t[3].s);
        if (*n == 0 || *n > widest_width(info)) {
            jg_diag_error(p->d, p->path, p->line, t[3].col, "%s width must be 1 to %zu, not '%s'", info->keyword,
                          widest_width(info), jg_shown(t[3].s, show));
            return -1;
        }
        *first = 5;
        break;
    case JG_ACTIVATION:
    case JG_SCALE:
    case JG_IDENTITY:
    case JG_SLICE:
        *last = 4;
        break;
    case JG_ADD:
    case JG_MUL:
        if (nt != 5) {
            jg_diag_error(p->d, p->path, p->line, t[2].col, "'%s' takes two operands: NAME = %s A B",
                          info->keyword, info->keyword);
            return -1;
        }
        break;
    case JG_CAT:
        if (nt < 4 || nt > 3 + JG_MAX_ARGS) {
            jg_diag_error(p->d, p->path, p->line, t[2].col, "'cat' takes 1 to %d operands", JG_MAX_ARGS);
            return -1;
        }
        break;
    default:
        break;
    }
    if (nt <= *first) {
        jg_diag_error(p->d, p->path, p->line, t[2].col, "'%s' needs an operand", info->keyword);
        return -1;
    }
    return 0;
}

/* The words after an assignment's operand (p->width: the operand's
   width): the layer's parameters, its width *n and a slice's start; gelu's
   `approximate=tanh` turns *info into gelu_tanh. 0, or -1 with the error
   said. */
static int assign_args(parser *p, const jg_layer_info **info, token *t, int nt, const size_t *args,
                       size_t n_args, size_t *n, double param[2], size_t *start)
{
    const jg_layer_info *in = *info;
    size_t i;
    int k;
    switch (in->kind) {
    case JG_ACTIVATION:
        t[3].s = in->keyword;     /* read_params names the keyword from its first word */
        if (strcmp(in->keyword, "gelu") == 0 && nt == 5 && strcmp(t[4].s, "approximate=tanh") == 0) {
            *info = in = jg_layer_lookup("gelu_tanh");
            nt = 4;
        } else if (strcmp(in->keyword, "gelu") == 0 && nt == 5 && strcmp(t[4].s, "approximate=none") == 0) {
            nt = 4;
        }
        if (read_params(p, in, t + 3, nt - 3, param) != 0)
            return -1;
        *n = p->width;
        break;
    case JG_SCALE:
        if (nt < 5 || nt > 6) {
            jg_diag_error(p->d, p->path, p->line, t[2].col, "'scale' takes an operand, a factor and an "
                          "optional offset: NAME = scale VALUE MUL [ADD]");
            return -1;
        }
        for (k = 4; k < nt; k++) {
            double v;
            if (parse_number(t[k].s, &v))
                param[k - 4] = v;
            else if (strlen(t[k].s) > JG_MAX_NAME) {
                jg_diag_error(p->d, p->path, p->line, t[k].col, "tensor name is longer than %d bytes",
                              JG_MAX_NAME);
                return -1;
            }
        }
        *n = p->width;
        break;
    case JG_IDENTITY:
        if (nt != 4) {
            jg_diag_error(p->d, p->path, p->line, t[4].col, "'identity' takes one operand");
            return -1;
        }
        *n = p->width;
        break;
    case JG_SLICE: {
        size_t stop;
        if (nt != 6 || !all_digits(t[4].s) || !all_digits(t[5].s) || strlen(t[4].s) > 6 || strlen(t[5].s) > 6) {
            jg_diag_error(p->d, p->path, p->line, t[2].col, "'slice' takes an operand and two component "
                          "numbers: NAME = slice VALUE START STOP (components START to STOP - 1)");
            return -1;
        }
        *start = (size_t)atol(t[4].s);
        stop = (size_t)atol(t[5].s);
        if (!(*start < stop && stop <= p->width)) {
            jg_diag_error(p->d, p->path, p->line, t[4].col, "slice %zu %zu of a value %zu wide: START < STOP "
                          "<= %zu", *start, stop, p->width, p->width);
            return -1;
        }
        *n = stop - *start;
        break;
    }
    case JG_ADD:
    case JG_MUL: {
        const size_t wa = jg_model_width(p->m, args[0]), wb = jg_model_width(p->m, args[1]);
        if (wa != wb && wa != 1 && wb != 1) {
            jg_diag_error(p->d, p->path, p->line, t[4].col, "'%s' of values %zu and %zu wide: widths must "
                          "match, or one be 1 (broadcast)", in->keyword, wa, wb);
            return -1;
        }
        *n = wa > wb ? wa : wb;
        param[0] = strcmp(in->keyword, "sub") == 0 ? -1.0 : 1.0;
        break;
    }
    case JG_CAT:
        for (i = 0; i < n_args; i++)
            *n += jg_model_width(p->m, args[i]);
        if (*n > JG_MAX_WIDTH) {
            jg_diag_error(p->d, p->path, p->line, t[2].col, "'cat' makes a value %zu wide, more than %d",
                          *n, JG_MAX_WIDTH);
            return -1;
        }
        break;
    case JG_DENSE:
        p->dense_lines++;
        break;
    default:
        break;
    }
    return 0;
}

/* `NAME = KEYWORD ...` of format 3: the keyword, its operands (values
   named before), the words after them, then the layer. 0, or -1 with the
   error said. */
static int assign_op(parser *p, token *t, int nt)
{
    char show[256];
    const jg_layer_info *info;
    jg_layer *l;
    size_t args[JG_MAX_ARGS], n_args = 0, n = 0, start = 0;
    double param[2] = {0.0, 0.0};
    int first_arg, last_arg, k, ok = 1;
    if (nt < 3) {
        jg_diag_error(p->d, p->path, p->line, t[1].col, "'=' needs a keyword and operands after it");
        return -1;
    }
    info = jg_layer_lookup(t[2].s);
    if (info == NULL) {
        const char *guess = jg_layer_suggest(t[2].s);
        jg_diag_error(p->d, p->path, p->line, t[2].col, "unknown layer '%s'%s%s%s", jg_shown(t[2].s, show),
                      guess ? " (did you mean '" : "", guess ? guess : "", guess ? "'?)" : "");
        return -1;
    }
    if (info->kind == JG_RESIDUAL || info->kind == JG_END) {
        jg_diag_error(p->d, p->path, p->line, t[2].col, "'%s' is for chains (format 2); in a graph write "
                      "'y = add x f' for a residual block", info->keyword);
        return -1;
    }
    if (operand_places(p, info, t, nt, &n, &first_arg, &last_arg) != 0)
        return -1;
    for (k = first_arg; k < last_arg; k++) {
        if (find_value(p, &t[k], &args[n_args]) != 0)
            ok = 0;
        n_args++;
    }
    if (!ok)
        return -1;
    p->width = jg_model_width(p->m, args[0]);
    if (assign_args(p, &info, t, nt, args, n_args, &n, param, &start) != 0)
        return -1;
    l = add_layer(p, info->kind, t[2].col);
    if (l == NULL)
        return -1;
    l->info = info;
    l->param[0] = param[0];
    l->param[1] = param[1];
    l->n_args = n_args;
    memcpy(l->arg, args, n_args * sizeof *args);
    l->off = start;
    l->n_out = per_unit(info) * n;
    l->name = jg_strdup(t[0].s);
    if (l->name == NULL) {
        oom(p);
        return -1;
    }
    if (jg_kinds[info->kind].halves > 0)
        take_tensor(p, &t[4], &l->tensor);
    if (jg_kinds[info->kind].vectors)
        for (k = 4; k < nt; k++) {
            double v;
            if (!parse_number(t[k].s, &v))
                take_tensor(p, &t[k], k == 4 ? &l->tensor : &l->tensor2);
        }
    return 0;
}

/* What `over` and `terms` both check: given once (*line: where it was),
   after `input`, with words after the keyword (else the usage). 0 to go
   on, or -1 after an error. */
static int list_statement(parser *p, const token *t, int nt, int *line, const char *usage)
{
    if (*line) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'%s' given twice (first on line %d)", t[0].s, *line);
        return -1;
    }
    *line = p->line;
    if (!p->have_input || p->m->n_in == 0) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'%s' must come after 'input'", t[0].s);
        return -1;
    }
    if (nt < 2) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'%s' %s", t[0].s, usage);
        return -1;
    }
    return 0;
}

/* `over NAME...` (or component numbers): the inputs the Hessian's
   diagonal and the Laplacian are taken over, e.g. `over x y` for
   u_xx + u_yy of a network of (x, y, t). After `input`. */
static void do_over(parser *p, token *t, int nt)
{
    char show[256];
    jg_model *m = p->m;
    size_t *over;
    int k, j;
    if (list_statement(p, t, nt, &p->over_line, "names the inputs of the Laplacian and the Hessian's diagonal: "
                       "over x y (or their numbers, from 0)") != 0)
        return;
    if ((size_t)(nt - 1) > m->n_in) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'over' names %d inputs of %zu", nt - 1, m->n_in);
        return;
    }
    over = (size_t *)jg_malloc_n((size_t)(nt - 1), sizeof *over);
    if (over == NULL) {
        oom(p);
        return;
    }
    for (k = 1; k < nt; k++) {
        size_t i = m->n_in;
        if (all_digits(t[k].s) && strlen(t[k].s) <= 6) {
            i = (size_t)atol(t[k].s);
        } else if (m->input_names != NULL) {
            for (i = 0; i < m->n_in; i++)
                if (strcmp(m->input_names[i], t[k].s) == 0)
                    break;
        }
        if (i >= m->n_in) {
            jg_diag_error(p->d, p->path, p->line, t[k].col, "'%s' is not an input (%s)", jg_shown(t[k].s, show),
                          m->input_names != NULL ? "a name of 'input', or a number from 0" : "a number from 0");
            jg_free(over);
            return;
        }
        for (j = 0; j < k - 1; j++)
            if (over[j] >= i) {
                jg_diag_error(p->d, p->path, p->line, t[k].col, "'over' takes each input once, in the "
                              "order of 'input'");
                jg_free(over);
                return;
            }
        over[k - 1] = i;
    }
    jg_free(m->over);
    m->over = over;
    m->n_over = (size_t)(nt - 1);
}

/* `terms TERM ...`: the partial derivatives that `partials` computes
   (gen/terms.h: "" for u, xx, xxxx, x*y, ...), each once. */
static void do_terms(parser *p, token *t, int nt)
{
    jg_model *m = p->m;
    jg_term *terms;
    char msg[256];
    int k, j;
    if (list_statement(p, t, nt, &p->terms_line, "names the partial derivatives to compute: terms \"\" x xx xxxx "
                       "(\"\" for u; inputs side by side, or joined by '*')") != 0)
        return;
    if (nt - 1 > JG_MAX_TERMS) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'terms' names %d terms; at most %d", nt - 1, JG_MAX_TERMS);
        return;
    }
    terms = (jg_term *)jg_malloc_n((size_t)(nt - 1), sizeof *terms);
    if (terms == NULL) {
        oom(p);
        return;
    }
    for (k = 1; k < nt; k++) {
        if (jg_term_parse(t[k].s, strlen(t[k].s), m->n_in, m->input_names, &terms[k - 1], msg, sizeof msg) != 0) {
            jg_diag_error(p->d, p->path, p->line, t[k].col, "%s", msg);
            jg_free(terms);
            return;
        }
        for (j = 0; j < k - 1; j++)
            if (jg_term_same(&terms[j], &terms[k - 1])) {
                jg_diag_error(p->d, p->path, p->line, t[k].col, "term '%s' given twice", t[k].s);
                jg_free(terms);
                return;
            }
    }
    jg_free(m->terms);
    jg_monos_free(&m->monos);
    m->terms = terms;
    m->n_terms = (size_t)(nt - 1);
    if (jg_monos_make(terms, m->n_terms, m->n_in, &m->monos) != 0)
        jg_diag_error(p->d, p->path, p->line, t[0].col, "these terms take more than %d channels (the monomials "
                      "dividing some term), or memory ran out: name fewer, or split them over specs",
                      JG_MAX_CHANNELS);
}

/* `output NAME`: the value that is u (format 3). */
static void do_output(parser *p, token *t, int nt)
{
    size_t v;
    if (p->format != 3) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'output' is a statement of format 3: start the "
                      "spec with 'format 3'");
        return;
    }
    if (p->output_line) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'output' given twice (first on line %d)",
                      p->output_line);
        return;
    }
    p->output_line = p->line;
    if (nt != 2) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'output' names one value: output NAME "
                      "(put several side by side with 'u = cat a b')");
        return;
    }
    if (find_value(p, &t[1], &v) == 0) {
        p->m->output = v;
        p->m->n_out = jg_model_width(p->m, v);
    }
}

static void do_statement(parser *p, token *t, int nt)
{
    char show[256];
    const jg_layer_info *info;
    const char *guess;
    p->statements++;
    if (strcmp(t[0].s, "format") == 0) {
        do_format(p, t, nt);
        return;
    }
    if (strcmp(t[0].s, "input") == 0) {
        do_input(p, t, nt);
        return;
    }
    if (strcmp(t[0].s, "output") == 0) {
        do_output(p, t, nt);
        return;
    }
    if (strcmp(t[0].s, "over") == 0) {
        do_over(p, t, nt);
        return;
    }
    if (strcmp(t[0].s, "terms") == 0) {
        do_terms(p, t, nt);
        return;
    }
    if (strcmp(t[0].s, "weights") == 0) {
        do_weights(p, t, nt);
        return;
    }
    if (p->format == 3) {
        if (!p->have_input) {
            jg_diag_error(p->d, p->path, p->line, t[0].col, "a layer before 'input'");
            p->have_input = 1;
        }
        if (jg_layer_lookup(t[0].s) != NULL && (nt < 2 || strcmp(t[1].s, "=") != 0)) {
            jg_diag_error(p->d, p->path, p->line, t[0].col, "in format 3 a layer names its value and "
                          "operands: NAME = %s ... VALUE", t[0].s);
            return;
        }
        do_assign(p, t, nt);
        return;
    }
    info = jg_layer_lookup(t[0].s);
    if (info != NULL && info->graph_only) {
        jg_diag_error(p->d, p->path, p->line, t[0].col, "'%s' is a statement of format 3 (a graph of named "
                      "values): start the spec with 'format 3'", info->keyword);
        return;
    }
    if (info != NULL && strcmp(t[0].s, "gelu") == 0 && nt == 2 && strcmp(t[1].s, "approximate=tanh") == 0) {
        nt = 1;         /* PyTorch's nn.GELU(approximate='tanh') */
        info = jg_layer_lookup("gelu_tanh");
    } else if (info != NULL && strcmp(t[0].s, "gelu") == 0 && nt == 2 && strcmp(t[1].s, "approximate=none") == 0) {
        nt = 1;
    }
    if (info != NULL) {
        do_layer(p, info, t, nt);
        return;
    }
    guess = jg_layer_suggest(t[0].s);
    if (guess != NULL)
        jg_diag_error(p->d, p->path, p->line, t[0].col,
                      "unknown layer '%s' (did you mean '%s'?)", jg_shown(t[0].s, show), guess);
    else
        jg_diag_error(p->d, p->path, p->line, t[0].col, "unknown layer '%s'", jg_shown(t[0].s, show));
}

/* Splits one line (already NUL-terminated, comment cut) into tokens. */
static int split(parser *p, char *line, token *t)
{
    int nt = 0;
    char *s = line;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (*s == '\0')
            return nt;
        if (nt == MAX_TOKENS) {
            jg_diag_error(p->d, p->path, p->line, (int)(s - line) + 1,
                          "too many words on one line (at most %d)", MAX_TOKENS);
            return -1;
        }
        t[nt].s = s;
        t[nt].col = (int)(s - line) + 1;
        nt++;
        while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
        if (*s != '\0')
            *s++ = '\0';
    }
}

static void read_statements(parser *p, const char *text, size_t len)
{
    size_t pos = 0;
    token t[MAX_TOKENS];
    while (pos < len) {
        size_t end = pos, n;
        char *line;
        int nt;
        while (end < len && text[end] != '\n')
            end++;
        n = end - pos;
        p->line++;
        if (memchr(text + pos, '\0', n) != NULL) {
            jg_diag_error(p->d, p->path, p->line, 0, "a NUL byte in the spec");
        } else if ((line = jg_strndup(text + pos, n)) == NULL) {
            oom(p);
        } else {
            char *hash = strchr(line, '#');
            if (hash != NULL)
                *hash = '\0';
            nt = split(p, line, t);
            if (nt > 0)
                do_statement(p, t, nt);
            jg_free(line);
        }
        pos = end + 1;
    }
}

/* A file of another kind than a spec, named in one line (util/file.h).
   0 when it may be a spec. */
static int other_kind(const char *path, const char *text, size_t len, jg_diag *d)
{
    switch (jg_file_kind_of((const unsigned char *)text, len)) {
    case JG_FILE_SAFETENSORS:
        jg_diag_error(d, path, 0, 0, "this is a safetensors weights file, not a spec: did you mean `jetgen "
                      "init %s`, which writes a spec for it?", path);
        return -1;
    case JG_FILE_ZIP:
        jg_diag_error(d, path, 0, 0, "this is a zip file (a PyTorch checkpoint from torch.save?), not a spec: "
                      "export the module with tools/jetgen_export.py");
        return -1;
    case JG_FILE_PICKLE:
        jg_diag_error(d, path, 0, 0, "this is a Python pickle (torch.save?), not a spec: export the module "
                      "with tools/jetgen_export.py");
        return -1;
    case JG_FILE_BINARY:
        jg_diag_error(d, path, 0, 0, "this is a binary file, not a spec (a spec is text: docs/spec.md)");
        return -1;
    case JG_FILE_TEXT:
        break;
    }
    return 0;
}

jg_model *jg_spec_parse(const char *spec_path, const char *text, size_t len, jg_diag *d)
{
    parser p;
    int errors0 = d->n_errors;
    if (other_kind(spec_path, text, len, d) != 0)
        return NULL;
    memset(&p, 0, sizeof p);
    p.format = 1;
    p.path = spec_path;
    p.d = d;
    p.m = (jg_model *)jg_malloc(sizeof *p.m);
    if (p.m == NULL) {
        jg_diag_error(d, spec_path, 0, 0, "out of memory");
        return NULL;
    }
    memset(p.m, 0, sizeof *p.m);
    p.m->spec_path = jg_strdup(spec_path);
    if (p.m->spec_path == NULL)
        oom(&p);
    read_statements(&p, text, len);
    if (!p.have_input)
        jg_diag_error(d, spec_path, 0, 0, "no 'input' statement");
    if (p.have_input && p.dense_lines == 0 && p.format != 3)
        jg_diag_error(d, spec_path, 0, 0, "no 'dense' layer: a network needs at least one");
    if (p.have_input && p.format == 3 && !p.output_line)
        jg_diag_error(d, spec_path, 0, 0, "no 'output' statement naming the value that is u");
    if (p.tensor_lines > 0 && !p.weights_line)
        jg_diag_error(d, spec_path, 0, 0, "no 'weights' statement naming the safetensors file");
    while (p.depth > 0) {
        p.depth--;
        jg_diag_error(d, spec_path, p.open_line[p.depth], 0, "'residual' is never closed with 'end'");
    }
    if (p.format != 3) {
        p.m->n_out = p.width;
        p.m->output = p.m->n_layers;
    }
    p.m->format = p.format;
    if (p.m->over == NULL)
        p.m->n_over = p.m->n_in;
    {
        size_t i;
        for (i = 0; i < p.n_failed; i++)
            jg_free(p.failed[i]);
        jg_free(p.failed);
    }
    if (d->n_errors != errors0) {
        jg_model_free(p.m);
        return NULL;
    }
    return p.m;
}
