/* model.c: the layer table and sizes of a model (see model.h). */
#include "model.h"

#include <string.h>

#include "mem.h"

static const jg_layer_info layer_table[] = {
    {"dense", JG_DENSE, "z = W a + b;  z' = W a';  z'' = W a''"},
    {"tanh", JG_TANH, "a = tanh(z);  s' = 1 - a^2;  s'' = -2 a s'"},
    {"sigmoid", JG_SIGMOID, "a = 1 / (1 + exp(-z));  s' = a (1 - a);  s'' = s' (1 - 2 a)"},
    {"identity", JG_IDENTITY, "a = z"},
};
#define N_LAYER_KINDS (sizeof layer_table / sizeof layer_table[0])

const jg_layer_info *jg_layer_lookup(const char *kw)
{
    size_t i;
    for (i = 0; i < N_LAYER_KINDS; i++)
        if (strcmp(layer_table[i].keyword, kw) == 0)
            return &layer_table[i];
    return NULL;
}

const jg_layer_info *jg_layer_info_of(jg_layer_kind kind)
{
    size_t i;
    for (i = 0; i < N_LAYER_KINDS; i++)
        if (layer_table[i].kind == kind)
            return &layer_table[i];
    return NULL;
}

/* Levenshtein distance of short strings, capped at 99. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t row[33];
    if (la > 32 || lb > 32)
        return 99;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *jg_layer_suggest(const char *kw)
{
    static const char *const words[] = {"input", "weights", "dense", "tanh", "sigmoid", "identity"};
    const char *best = NULL;
    size_t i, best_d = 3;       /* at most two edits away */
    for (i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t dist = edit_distance(kw, words[i]);
        if (dist < best_d) {
            best_d = dist;
            best = words[i];
        }
    }
    return best;
}

void jg_model_free(jg_model *m)
{
    size_t i;
    if (m == NULL)
        return;
    for (i = 0; i < m->n_layers; i++) {
        jg_free(m->layers[i].tensor);
        jg_free(m->layers[i].w);
        jg_free(m->layers[i].b);
    }
    jg_free(m->layers);
    if (m->input_names != NULL)
        for (i = 0; i < m->n_in; i++)
            jg_free(m->input_names[i]);
    jg_free(m->input_names);
    jg_free(m->spec_path);
    jg_free(m->weights_path);
    jg_free(m);
}

size_t jg_model_channels(const jg_model *m, int order)
{
    size_t n = m->n_in;
    if (order <= 0)
        return 1;
    if (order == 1)
        return 1 + n;
    return 1 + n + n * (n + 1) / 2;
}

size_t jg_model_params(const jg_model *m)
{
    size_t i, n = 0;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        if (l->kind == JG_DENSE)
            n += l->n_out * l->n_in + (l->b != NULL ? l->n_out : 0);
    }
    return n;
}

double jg_model_flops(const jg_model *m, int order)
{
    double nch = (double)jg_model_channels(m, order), flops = 0.0;
    double n_x = (double)m->n_in, pairs = n_x * (n_x + 1) / 2;
    size_t i;
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        double n = (double)l->n_out;
        if (l->kind == JG_DENSE) {
            flops += 2.0 * (double)l->n_in * n * nch + (l->b != NULL ? n : 0.0);
        } else if (l->kind != JG_IDENTITY) {
            /* the function, then a' = s' z' (n_x) and
               a''_ij = s'' z'_i z'_j + s' z''_ij (3 per pair) */
            flops += n * (1.0 + (order >= 1 ? n_x : 0.0) + (order >= 2 ? 3.0 * pairs : 0.0));
        }
    }
    return flops;
}
