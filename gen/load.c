/* load.c: a model in one step (see load.h): the spec read (spec.c), the
   plan's limits checked (plan.c), the weights read (safetensors.c) into
   the layers. The one caller of all three; none of them calls back. */
#include "load.h"

#include <nettle/sha2.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "file.h"
#include "mem.h"
#include "plan.h"
#include "safetensors.h"
#include "spec.h"

typedef struct loader {
    const char *path;   /* the spec's, for messages */
    jg_diag *d;
    jg_model *m;
} loader;

static void oom(loader *p)
{
    jg_diag_error(p->d, p->path, 0, 0, "out of memory");
}

static void sha256_hex(const void *data, size_t len, char hex[65])
{
    struct sha256_ctx ctx;
    unsigned char dig[SHA256_DIGEST_SIZE];
    size_t i;
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)data);
    sha256_digest(&ctx, sizeof dig, dig);
    for (i = 0; i < sizeof dig; i++)
        sprintf(hex + 2 * i, "%02x", dig[i]);
}

/* Reads tensor name into a new double array of the expected shape. */
static double *read_tensor(loader *p, const jg_st_file *f, const jg_layer *l,
                           const char *name, size_t rows, size_t cols, int rank)
{
    char show[256];
    const jg_st_tensor *t = jg_st_find(f, name);
    double *v;
    size_t i;
    if (t == NULL)
        return NULL;
    if ((int)t->rank != rank || t->shape[0] != rows || (rank == 2 && t->shape[1] != cols)) {
        jg_buf got = JG_BUF_INIT;
        for (i = 0; i < t->rank; i++)
            jg_buf_printf(&got, "%s%zu", i ? ", " : "", t->shape[i]);
        if (rank == 2)
            jg_diag_error(p->d, p->path, l->line, 0, "tensor %s has shape [%s], expected [%zu, %zu]",
                          jg_shown(name, show), jg_buf_str(&got), rows, cols);
        else
            jg_diag_error(p->d, p->path, l->line, 0, "tensor %s has shape [%s], expected [%zu]",
                          jg_shown(name, show), jg_buf_str(&got), rows);
        jg_buf_free(&got);
        return NULL;
    }
    if (!t->is_float) {
        jg_diag_error(p->d, p->path, l->line, 0,
                      "tensor %s has dtype %s; weights must be F64, F32, F16 or BF16",
                      jg_shown(name, show), t->dtype);
        return NULL;
    }
    v = (double *)jg_malloc_n(t->n_elems, sizeof *v);
    if (v == NULL) {
        oom(p);
        return NULL;
    }
    jg_st_to_double(f, t, v);
    for (i = 0; i < t->n_elems; i++) {
        if (!isfinite(v[i])) {
            jg_diag_error(p->d, p->path, l->line, 0, "tensor %s holds %s at index %zu",
                          jg_shown(name, show), isnan(v[i]) ? "NaN" : "an infinity", i);
            jg_free(v);
            return NULL;
        }
    }
    return v;
}

/* The scale layer's factor and offset: tensors where named, else its
   constants, as arrays of its width. */
static void read_scale(loader *p, const jg_st_file *f, jg_layer *l)
{
    char show[256];
    double **dst[2];
    const char *name[2];
    size_t i, k;
    dst[0] = &l->w;
    dst[1] = &l->b;
    name[0] = l->tensor;
    name[1] = l->tensor2;
    for (i = 0; i < 2; i++) {
        if (name[i] != NULL) {
            if (f == NULL || jg_st_find(f, name[i]) == NULL) {
                jg_diag_error(p->d, p->path, l->line, 0, "tensor %s not found%s%s", jg_shown(name[i], show),
                              f != NULL ? " in " : "", f != NULL ? p->m->weights_path : "");
                continue;
            }
            *dst[i] = read_tensor(p, f, l, name[i], l->n_out, 1, 1);
            continue;
        }
        *dst[i] = (double *)jg_malloc_n(l->n_out, sizeof(double));
        if (*dst[i] == NULL) {
            oom(p);
            continue;
        }
        for (k = 0; k < l->n_out; k++)
            (*dst[i])[k] = l->param[i];
    }
}

/* Every tensor the layers name, from f (NULL: the spec names no weights
   file), into the layers' arrays. */
static void bind_weights(loader *p, const jg_st_file *f)
{
    char show[256];
    jg_buf name = JG_BUF_INIT;
    size_t i;
    for (i = 0; i < p->m->n_layers; i++) {
        jg_layer *l = &p->m->layers[i];
        const jg_kind_info *k = &jg_kinds[l->kind];
        const jg_st_tensor *t;
        if (k->vectors) {
            read_scale(p, f, l);
            continue;
        }
        if (k->halves == 0 || l->tensor == NULL || f == NULL)
            continue;
        name.len = 0;
        jg_buf_printf(&name, "%s%s", l->tensor, k->w_suffix);
        if (name.failed) {
            oom(p);
            break;
        }
        t = jg_st_find(f, jg_buf_str(&name));
        if (t == NULL) {
            jg_diag_error(p->d, p->path, l->line, 0, "tensor %s not found in %s",
                          jg_shown(jg_buf_str(&name), show), p->m->weights_path);
            continue;
        }
        l->w = read_tensor(p, f, l, jg_buf_str(&name), jg_layer_rows(l), l->n_in, 2);
        l->dtype = t->dtype;
        if (k->b_suffix == NULL)
            continue;
        name.len = 0;
        jg_buf_printf(&name, "%s%s", l->tensor, k->b_suffix);
        if (!name.failed && jg_st_find(f, jg_buf_str(&name)) != NULL) {
            l->b = read_tensor(p, f, l, jg_buf_str(&name), l->n_out, 1, 1);
        }
    }
    jg_buf_free(&name);
}


/* The model of spec text, its weights from weights[0 .. weights_len) when
   weights is not NULL (the spec's `weights` name then only in messages),
   else from the file the spec names. */
static jg_model *load(const char *spec_path, const char *text, size_t len, const void *weights,
                      size_t weights_len, jg_diag *d)
{
    const int errors0 = d->n_errors;
    loader p;
    jg_st_file *f = NULL;
    p.path = spec_path;
    p.d = d;
    p.m = jg_spec_parse(spec_path, text, len, d);
    if (p.m == NULL)
        return NULL;
    sha256_hex(text, len, p.m->spec_sha256);
    jg_plan_check(p.m, d);
    if (d->n_errors == errors0 && weights != NULL && p.m->weights_path == NULL)
        jg_diag_error(d, spec_path, 0, 0, "weights were given, but the spec has no 'weights' statement to "
                      "read them for");
    if (d->n_errors == errors0 && p.m->weights_path != NULL) {
        if (weights == NULL) {
            f = jg_st_open(p.m->weights_path, d);
        } else {
            unsigned char *copy = (unsigned char *)jg_malloc(weights_len > 0 ? weights_len : 1);
            if (copy == NULL)
                oom(&p);
            else
                f = jg_st_parse(p.m->weights_path, (unsigned char *)memcpy(copy, weights, weights_len),
                                weights_len, d);
        }
        if (f != NULL)
            sha256_hex(f->bytes, f->size, p.m->weights_sha256);
    }
    if (d->n_errors == errors0)
        bind_weights(&p, f);
    jg_st_close(f);
    if (d->n_errors != errors0) {
        jg_model_free(p.m);
        return NULL;
    }
    return p.m;
}

jg_model *jg_load(const char *spec_path, jg_diag *d)
{
    size_t len = 0;
    char *text = jg_file_read(spec_path, JG_MAX_SPEC_BYTES, "spec", &len, d);
    jg_model *m;
    if (text == NULL)
        return NULL;
    m = load(spec_path, text, len, NULL, 0, d);
    jg_free(text);
    return m;
}

jg_model *jg_load_mem(const char *spec_path, const char *text, size_t len, const void *weights,
                      size_t weights_len, jg_diag *d)
{
    return load(spec_path, text, len, weights, weights_len, d);
}
