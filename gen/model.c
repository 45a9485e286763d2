/* model.c: the layer table and sizes of a model (see model.h). */
#include "model.h"

#include <math.h>
#include <string.h>

#include "activations.h"
#include "mem.h"

#define NO_PARAMS 0, {NULL, NULL}, {0.0, 0.0}
#define CHAIN ";  a' = s' z';  a'' = s'' z' z'^T + s' z''"

static const jg_layer_info layer_table[] = {
    {"dense", JG_DENSE, "z = W a + b;  z' = W a';  z'' = W a''", NO_PARAMS, 0, 0, -1, NULL, NULL},
    {"scale", JG_SCALE, "a = mul a + add;  a' = mul a';  a'' = mul a''", NO_PARAMS, 0, 0, -1, NULL, NULL},
    {"fourier", JG_FOURIER, "z = B a;  a = [sin z, cos z]" CHAIN, NO_PARAMS, 0, 0, -1, NULL, NULL},
    {"residual", JG_RESIDUAL, "a0 = a: the block's input, kept", NO_PARAMS, 0, 0, -1, NULL, NULL},
    {"end", JG_END, "a = a0 + a;  a' = a0' + a';  a'' = a0'' + a''", NO_PARAMS, 0, 0, -1, NULL, NULL},
    {"identity", JG_IDENTITY, "a = z", NO_PARAMS, 0, 0, -1, NULL, NULL},
    {"matmul", JG_MATMUL, "z = B a;  z' = B a';  z'' = B a''", NO_PARAMS, 0, 1, -1, NULL, NULL},
    {"add", JG_ADD, "c = a + b;  c' = a' + b';  c'' = a'' + b''", NO_PARAMS, 0, 1, -1, NULL, NULL},
    {"sub", JG_ADD, "c = a - b;  c' = a' - b';  c'' = a'' - b''", NO_PARAMS, 0, 1, -1, NULL, NULL},
    {"mul", JG_MUL, "c = a b;  c' = a' b + a b';  c'' = a'' b + a' b'^T + b' a'^T + a b''",
     NO_PARAMS, 0, 1, -1, NULL, NULL},
    {"cat", JG_CAT, "c = [a, b, ...], derivatives likewise", NO_PARAMS, 0, 1, -1, NULL, NULL},
    {"slice", JG_SLICE, "c = a[start:stop], derivatives likewise", NO_PARAMS, 0, 1, -1, NULL, NULL},
#define ACTIVATION(name, np, p0, d0, p1, d1, pl, valid, needs, torch, formula, ...) \
    {#name, JG_ACTIVATION, formula CHAIN, np, {p0, p1}, {d0, d1}, pl, 0, JG_ACT_##name, needs, torch},
    JG_ACTIVATIONS(ACTIVATION)
#undef ACTIVATION
};
#define N_KEYWORDS (sizeof layer_table / sizeof layer_table[0])

const jg_kind_info jg_kinds[JG_N_LAYER_KINDS] = {
#define KIND(NAME, name, halves, w_suffix, b_suffix, vectors, lanes) \
    [JG_##NAME] = {#name, halves, w_suffix, b_suffix, vectors, lanes},
    JG_LAYER_KINDS(KIND)
#undef KIND
};

int jg_activation_valid(int a, double p, double q)
{
    switch (a) {
#define VALID(name, np, p0, d0, p1, d1, pl, valid, ...) \
    case JG_ACT_##name:                                 \
        return (valid);
        JG_ACTIVATIONS(VALID)
#undef VALID
    }
    (void)p, (void)q;
    return 0;
}

const jg_layer_info *jg_layer_lookup(const char *kw)
{
    size_t i;
    for (i = 0; i < N_KEYWORDS; i++)
        if (strcmp(layer_table[i].keyword, kw) == 0)
            return &layer_table[i];
    return NULL;
}

const jg_layer_info *jg_layer_info_at(size_t i)
{
    return i < N_KEYWORDS ? &layer_table[i] : NULL;
}

const char *jg_layer_suggest(const char *kw)
{
    static const char *const words[] = {"input", "weights", "output", "format", "over", "terms"};
    const size_t n_words = sizeof words / sizeof words[0];
    const char *best = NULL;
    size_t i, best_d = strlen(kw) <= 4 ? 2 : 3;     /* one edit away, two for longer words */
    for (i = 0; i < n_words + N_KEYWORDS; i++) {
        const char *w = i < n_words ? words[i] : layer_table[i - n_words].keyword;
        size_t dist = jg_edit_distance(kw, strlen(kw), w, strlen(w));
        if (dist < best_d) {
            best_d = dist;
            best = w;
        }
    }
    return best;
}

size_t jg_model_width(const jg_model *m, size_t v)
{
    return v == 0 ? m->n_in : m->layers[v - 1].n_out;
}

size_t jg_layer_rows(const jg_layer *l)
{
    const int halves = jg_kinds[l->kind].halves;
    return halves > 0 ? l->n_out / (size_t)halves : 0;
}

size_t jg_layer_tensor_count(const jg_layer *l, int which)
{
    return which == 0 && jg_kinds[l->kind].halves > 0 ? jg_layer_rows(l) * l->n_in : l->n_out;
}

size_t jg_layer_tensor_name(const jg_layer *l, int which, char *out)
{
    const jg_kind_info *k = &jg_kinds[l->kind];
    const char *base = NULL, *tail = "";
    size_t n;
    if (k->vectors) {           /* mul's and add's tensors, or constants */
        base = which == 0 ? l->tensor : l->tensor2;
    } else if (k->halves > 0 && (which == 0 || (k->b_suffix != NULL && l->b != NULL))) {
        base = l->tensor;
        tail = which == 0 ? k->w_suffix : k->b_suffix;
    }
    if (base == NULL)
        return 0;
    n = strlen(base) + strlen(tail);
    if (out != NULL) {
        strcpy(out, base);
        strcat(out, tail);
    }
    return n + 1;
}

void jg_model_free(jg_model *m)
{
    size_t i;
    if (m == NULL)
        return;
    for (i = 0; i < m->n_layers; i++) {
        jg_free(m->layers[i].tensor);
        jg_free(m->layers[i].tensor2);
        jg_free(m->layers[i].w);
        jg_free(m->layers[i].b);
        jg_free(m->layers[i].name);
    }
    jg_free(m->layers);
    if (m->input_names != NULL)
        for (i = 0; i < m->n_in; i++)
            jg_free(m->input_names[i]);
    jg_free(m->input_names);
    jg_free(m->over);
    jg_free(m->terms);
    jg_monos_free(&m->monos);
    jg_free(m->spec_path);
    jg_free(m->weights_path);
    jg_free(m);
}

size_t jg_model_channels(const jg_model *m, jg_mode mode)
{
    size_t n = m->n_in;
    switch (mode) {
    case JG_MODE_VALUE:
        return 1;
    case JG_MODE_JACOBIAN:
        return 1 + n;
    case JG_MODE_HESSIAN:
        return 1 + n + n * (n + 1) / 2;
    case JG_MODE_DIAG:
        return 1 + n + m->n_over;
    case JG_MODE_LAPLACIAN:
        return 2 + n;
    }
    if ((int)mode == JG_MODE_PARTIALS && m->n_terms > 0)
        return m->monos.n;
    return 1;
}

size_t jg_layer_params(const jg_layer *l)
{
    size_t n = 0;
    int which;
    for (which = 0; which < 2; which++)
        if (jg_layer_tensor_name(l, which, NULL) > 0)
            n += jg_layer_tensor_count(l, which);
    return n;
}

size_t jg_model_params(const jg_model *m)
{
    size_t i, n = 0;
    for (i = 0; i < m->n_layers; i++)
        n += jg_layer_params(&m->layers[i]);
    return n;
}

/* The flops of m's layers a point with nch channels: a matrix's products
   on every channel (a final dense layer's on the `read` channels only),
   its bias, Fourier's [sin, cos] as an activation; per neuron `act` for an
   activation, `mul` for a product of values, nch for a sum, nch + 1 for a
   scale. */
static double layers_flops(const jg_model *m, double nch, double read, double act, double mul)
{
    double flops = 0.0;
    size_t i;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        const double n = (double)l->n_out;
        if (jg_kinds[l->kind].halves > 0)
            flops += 2.0 * (double)l->n_in * (double)jg_layer_rows(l)
                         * (i + 1 == m->n_layers && l->kind == JG_DENSE ? read : nch)
                     + (l->b != NULL ? n : 0.0) + (jg_kinds[l->kind].halves == 2 ? n * act : 0.0);
        switch (l->kind) {
        case JG_SCALE:
            flops += n * (nch + 1.0);
            break;
        case JG_END:
        case JG_ADD:
            flops += n * nch;
            break;
        case JG_MUL:
            flops += n * mul;
            break;
        case JG_ACTIVATION:
            flops += n * act;
            break;
        default:
            break;
        }
    }
    return flops;
}

/* The terms' channels' (JG_MODE_PARTIALS) as the kernels compute them
   (templates/kernels.c, partials): linear layers as in every mode over
   the nch channels; per neuron of an activation its Taylor coefficients
   to the highest order K (about K^2, after the function call and its
   first two derivatives: 3) and Horner's rule, K products of series,
   each a multiply by the constant term on nch - 1 channels and the pairs
   the partial sum's degree reaches (upto), 2 flops each; per neuron of a
   product of values, the full product of two series. A final dense layer
   only on the channels the terms read (jg_monos_runs). */
static double partials_flops(const jg_model *m)
{
    const jg_monos *mo = &m->monos;
    const double nch = (double)mo->n;
    size_t runs[2 * JG_MAX_CHANNELS], n_runs = jg_monos_runs(mo, runs), i;
    double horner = 0.0, read = n_runs > 0 ? 0.0 : nch;      /* channels the terms read */
    int k;
    for (i = 0; i < n_runs; i++)
        read += (double)runs[2 * i + 1];
    for (k = 0; k < mo->order; k++)
        horner += 2.0 * (nch - 1.0) + 2.0 * (double)mo->upto[k] + 1.0;
    return layers_flops(m, nch, read, 3.0 + (double)(mo->order * mo->order) + horner,
                        1.0 + 3.0 * (nch - 1.0) + 2.0 * (double)mo->n_pairs);
}

double jg_model_flops(const jg_model *m, jg_mode mode)
{
    const double nch = (double)jg_model_channels(m, mode), n_x = (double)m->n_in, n_s = (double)m->n_over;
    double second = 0.0, mul2 = 0.0;
    /* the chain rule through an activation, per neuron: the function (1),
       a' = s' z' (n_x), then by mode a''_ij = s'' z'_i z'_j + s' z''_ij
       (3 per pair or per diagonal entry), or the sum of squares (2 n_x)
       and s'' sum + s' lap z (3); a product c = a b, c' = a' b + a b' (3
       per input), then by mode 7 per pair or diagonal entry, or 2 per
       input and 5 */
    if (mode == JG_MODE_PARTIALS)
        return partials_flops(m);
    if (mode == JG_MODE_HESSIAN)
        second = 3.0 * n_x * (n_x + 1) / 2, mul2 = 7.0 * n_x * (n_x + 1) / 2;
    else if (mode == JG_MODE_DIAG)
        second = 3.0 * n_s, mul2 = 7.0 * n_s;
    else if (mode == JG_MODE_LAPLACIAN)
        second = 2.0 * n_s + 3.0, mul2 = 2.0 * n_s + 5.0;
    return layers_flops(m, nch, nch, 1.0 + (mode >= JG_MODE_JACOBIAN ? n_x : 0.0) + second,
                        1.0 + (mode >= JG_MODE_JACOBIAN ? 3.0 * n_x : 0.0) + mul2);
}

int jg_model_set_terms(jg_model *m, const char *list, jg_diag *d)
{
    jg_term *terms = (jg_term *)jg_malloc_n(JG_MAX_TERMS, sizeof *terms);
    jg_monos monos;
    char msg[256];
    size_t at = 0;
    int n;
    if (terms == NULL) {
        jg_diag_error(d, "terms", 0, 0, "out of memory");
        return -1;
    }
    n = jg_terms_parse(list, m->n_in, m->input_names, terms, JG_MAX_TERMS, msg, sizeof msg, &at);
    if (n < 0) {
        jg_diag_error(d, "terms", 1, (int)at + 1, "%s", msg);
        jg_free(terms);
        return -1;
    }
    if (n == 0 || jg_monos_make(terms, (size_t)n, m->n_in, &monos) != 0) {
        jg_diag_error(d, "terms", 1, 1, n == 0 ? "no terms: name at least one (\"\" for u)"
                      : "these terms take more than %d channels (the monomials dividing some term), or memory "
                        "ran out: name fewer", JG_MAX_CHANNELS);
        jg_free(terms);
        return -1;
    }
    jg_free(m->terms);
    jg_monos_free(&m->monos);
    m->terms = terms;
    m->n_terms = (size_t)n;
    m->monos = monos;
    return 0;
}

/* The layer making value v, past identities and residual openings; NULL
   for the input. */
static const jg_layer *maker(const jg_model *m, size_t v)
{
    while (v > 0 && (m->layers[v - 1].kind == JG_IDENTITY || m->layers[v - 1].kind == JG_RESIDUAL))
        v = m->layers[v - 1].arg[0];
    return v == 0 ? NULL : &m->layers[v - 1];
}

/* How many layers read value v. */
static size_t readers(const jg_model *m, size_t v)
{
    size_t i, k, n = 0;
    for (i = 0; i < m->n_layers; i++)
        for (k = 0; k < m->layers[i].n_args; k++)
            n += m->layers[i].arg[k] == v;
    return n;
}

/* Warnings once per spec, each naming its first place and counting the
   others: piecewise-linear activations (d2u gets nothing from them), and
   a dense layer right after another that nothing else reads (two linear
   maps are one: an activation is probably missing; a layer norm's mean,
   a matmul beside the centering that also reads the dense layer, is not
   that). */
int jg_model_warn(const jg_model *m, jg_diag *d)
{
    const jg_layer *pl = NULL, *dd = NULL;
    size_t i, n_pl = 0, n_dd = 0;
    int n = 0;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i], *before;
        if (l->kind == JG_ACTIVATION && l->info->piecewise_linear && n_pl++ == 0)
            pl = l;
        if ((l->kind == JG_DENSE || l->kind == JG_MATMUL) && (before = maker(m, l->arg[0])) != NULL
            && before->kind == JG_DENSE && readers(m, (size_t)(before - m->layers) + 1) == 1 && n_dd++ == 0)
            dd = l;
    }
    if (pl != NULL) {
        jg_diag_warning(d, m->spec_path, pl->line, pl->col,
                        "%s is piecewise linear%s: its second derivative is 0 wherever it is "
                        "defined, so d2u/dx2 gets nothing from %s kinks (PyTorch's autograd gives the "
                        "same); a smooth activation (tanh, silu, softplus, gelu) has one",
                        pl->info->keyword, n_pl > 1 ? ", as are the other relu-type layers" : "",
                        n_pl > 1 ? "their" : "its");
        n++;
    }
    if (dd != NULL) {
        jg_diag_warning(d, m->spec_path, dd->line, dd->col,
                        "a dense layer right after another dense layer, nothing between them%s: two linear "
                        "maps in a row are one linear map; an activation is probably missing",
                        n_dd > 1 ? " (and in other places)" : "");
        n++;
    }
    return n;
}
