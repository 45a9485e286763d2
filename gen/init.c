/* init.c: a starting spec from a weights file alone (see init.h). */
#include "init.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "model.h"
#include "safetensors.h"

/* strcmp, but runs of digits compare as numbers: l2 < l10. */
static int natural_cmp(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            const char *ea = a, *eb = b;
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
                ;
            for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
                ;
            if (ea - a != eb - b)
                return ea - a < eb - b ? -1 : 1;
            for (; a < ea; a++, b++)
                if (*a != *b)
                    return *a < *b ? -1 : 1;
            a = ea;
            b = eb;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return *a != '\0' ? 1 : *b != '\0' ? -1 : 0;
}

static int cmp_tensor_names(const void *x, const void *y)
{
    const jg_st_tensor *const *a = (const jg_st_tensor *const *)x, *const *b = (const jg_st_tensor *const *)y;
    return natural_cmp((*a)->name, (*b)->name);
}

int jg_init_spec(const char *weights, const char *activation, jg_buf *spec, jg_diag *d)
{
    const jg_layer_info *info = jg_layer_lookup(activation);
    const jg_st_tensor **dense = NULL;
    const char *base;
    jg_st_file *f;
    size_t i, n = 0;
    int rc = -1;
    if (info == NULL || (info->kind != JG_ACTIVATION && info->kind != JG_IDENTITY)) {
        jg_diag_error(d, weights, 0, 0, "'%s' is not an activation (tanh, sigmoid, gelu, ...)", activation);
        return -1;
    }
    f = jg_st_open(weights, d);
    if (f == NULL)
        return -1;
    dense = (const jg_st_tensor **)jg_malloc_n(f->n_tensors + 1, sizeof *dense);
    if (dense == NULL) {
        jg_diag_error(d, weights, 0, 0, "out of memory");
        goto done;
    }
    for (i = 0; i < f->n_tensors; i++) {
        const jg_st_tensor *t = &f->tensors[i];
        size_t len = strlen(t->name);
        if (t->rank == 2 && t->is_float && len > 7 && strcmp(t->name + len - 7, ".weight") == 0)
            dense[n++] = t;
    }
    if (n == 0) {
        jg_diag_error(d, weights, 0, 0, "no rank-2 tensor named NAME.weight: no dense layer to write");
        goto done;
    }
    qsort(dense, n, sizeof *dense, cmp_tensor_names);
    for (i = 1; i < n; i++)
        if (dense[i]->shape[1] != dense[i - 1]->shape[0]) {
            jg_diag_error(d, weights, 0, 0, "%s is [%zu, %zu] but %s gives %zu values: the tensors do not "
                          "chain; write the spec by hand", dense[i]->name, dense[i]->shape[0], dense[i]->shape[1],
                          dense[i - 1]->name, dense[i - 1]->shape[0]);
            goto done;
        }
    base = strrchr(weights, '/');
    base = base != NULL ? base + 1 : weights;
    jg_buf_printf(spec, "# written by jetgen init from %s: check the layers and the activation\n", base);
    jg_buf_printf(spec, "input %zu\nweights %s\n", dense[0]->shape[1], base);
    for (i = 0; i < n; i++) {
        size_t len = strlen(dense[i]->name) - 7;
        jg_buf_printf(spec, "dense %zu %.*s\n", dense[i]->shape[0], (int)len, dense[i]->name);
        if (i + 1 < n)
            jg_buf_printf(spec, "%s\n", activation);
    }
    if (spec->failed)
        jg_diag_error(d, weights, 0, 0, "out of memory");
    else
        rc = 0;
done:
    jg_free((void *)dense);
    jg_st_close(f);
    return rc;
}
