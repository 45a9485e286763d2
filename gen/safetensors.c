/* safetensors.c: the safetensors reader (see safetensors.h). */
#include "safetensors.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "mem.h"

static const struct {
    const char *name;
    size_t size;
    int is_float;
} dtypes[] = {
    {"F64", 8, 1}, {"F32", 4, 1}, {"F16", 2, 1}, {"BF16", 2, 1},
    {"BOOL", 1, 0}, {"U8", 1, 0}, {"I8", 1, 0}, {"F8_E4M3", 1, 0},
    {"F8_E5M2", 1, 0}, {"I16", 2, 0}, {"U16", 2, 0}, {"I32", 4, 0},
    {"U32", 4, 0}, {"I64", 8, 0}, {"U64", 8, 0},
};

void jg_st_close(jg_st_file *f)
{
    size_t i;
    if (f == NULL)
        return;
    for (i = 0; i < f->n_tensors; i++)
        jg_free(f->tensors[i].name);
    jg_free(f->tensors);
    jg_free(f->bytes);
    jg_free(f->path);
    jg_free(f);
}

/* A JSON integer that is >= 0, as size_t, or -1. */
/* jansson allocates through util/mem.c too, so that tests can make its
   allocations fail; set once for the process. */
static pthread_once_t json_alloc_once = PTHREAD_ONCE_INIT;

static void json_use_jg_alloc(void)
{
    json_set_alloc_funcs(jg_malloc, jg_free);
}

static int get_size(json_t *v, size_t *out)
{
    json_int_t i;
    if (!json_is_integer(v))
        return -1;
    i = json_integer_value(v);
    if (i < 0 || (unsigned long long)i > (size_t)-1)
        return -1;
    *out = (size_t)i;
    return 0;
}

/* Fills t from the header entry v; on error adds a message and returns -1. */
static int read_entry(jg_st_file *f, const char *key, json_t *v,
                      size_t data_size, jg_st_tensor *t, jg_diag *d)
{
    json_t *dt = json_object_get(v, "dtype");
    json_t *shape = json_object_get(v, "shape");
    json_t *offs = json_object_get(v, "data_offsets");
    size_t i, bytes;
    int over = 0;
    const char *p = f->path;

    if (!json_is_object(v)) {
        jg_diag_error(d, p, 0, 0, "tensor '%s': header entry is not an object", key);
        return -1;
    }
    if (!json_is_string(dt)) {
        jg_diag_error(d, p, 0, 0, "tensor '%s': missing or non-string \"dtype\"", key);
        return -1;
    }
    for (i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(json_string_value(dt), dtypes[i].name) == 0)
            break;
    if (i == sizeof dtypes / sizeof dtypes[0]) {
        jg_diag_error(d, p, 0, 0, "tensor '%s': unknown dtype '%.20s'", key,
                      json_string_value(dt));
        return -1;
    }
    t->dtype = dtypes[i].name;
    t->elem_size = dtypes[i].size;
    t->is_float = dtypes[i].is_float;

    if (!json_is_array(shape) || json_array_size(shape) > JG_ST_MAX_RANK) {
        jg_diag_error(d, p, 0, 0, "tensor '%s': \"shape\" must be an array of at most %d sizes",
                      key, JG_ST_MAX_RANK);
        return -1;
    }
    t->rank = json_array_size(shape);
    t->n_elems = 1;
    for (i = 0; i < t->rank; i++) {
        if (get_size(json_array_get(shape, i), &t->shape[i]) != 0) {
            jg_diag_error(d, p, 0, 0, "tensor '%s': shape[%zu] is not a size", key, i);
            return -1;
        }
        t->n_elems = jg_mul(t->n_elems, t->shape[i], &over);
    }
    bytes = jg_mul(t->n_elems, t->elem_size, &over);
    if (over) {
        jg_diag_error(d, p, 0, 0, "tensor '%s': shape is too large", key);
        return -1;
    }
    if (!json_is_array(offs) || json_array_size(offs) != 2
        || get_size(json_array_get(offs, 0), &t->begin) != 0
        || get_size(json_array_get(offs, 1), &t->end) != 0) {
        jg_diag_error(d, p, 0, 0, "tensor '%s': \"data_offsets\" must be [begin, end]", key);
        return -1;
    }
    if (t->begin > t->end || t->end > data_size) {
        jg_diag_error(d, p, 0, 0,
                      "tensor '%s': data_offsets [%zu, %zu] lie outside the data (%zu bytes)",
                      key, t->begin, t->end, data_size);
        return -1;
    }
    if (t->end - t->begin != bytes) {
        jg_diag_error(d, p, 0, 0,
                      "tensor '%s': %zu bytes of data, but shape and dtype %s need %zu",
                      key, t->end - t->begin, t->dtype, bytes);
        return -1;
    }
    t->name = jg_strdup(key);
    if (t->name == NULL) {
        jg_diag_error(d, p, 0, 0, "out of memory");
        return -1;
    }
    return 0;
}

static int by_begin(const void *a, const void *b)
{
    const jg_st_tensor *x = *(const jg_st_tensor *const *)a;
    const jg_st_tensor *y = *(const jg_st_tensor *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Reports the first pair of tensors whose data overlap. */
static int check_overlaps(jg_st_file *f, jg_diag *d)
{
    jg_st_tensor **order;
    size_t i;
    int rc = 0;
    if (f->n_tensors < 2)
        return 0;
    order = (jg_st_tensor **)jg_malloc_n(f->n_tensors, sizeof *order);
    if (order == NULL) {
        jg_diag_error(d, f->path, 0, 0, "out of memory");
        return -1;
    }
    for (i = 0; i < f->n_tensors; i++)
        order[i] = &f->tensors[i];
    qsort(order, f->n_tensors, sizeof *order, by_begin);
    for (i = 1; i < f->n_tensors; i++) {
        if (order[i]->begin < order[i - 1]->end) {
            jg_diag_error(d, f->path, 0, 0,
                          "tensors '%s' and '%s' overlap in the data ([%zu, %zu] and [%zu, %zu])",
                          order[i - 1]->name, order[i]->name, order[i - 1]->begin,
                          order[i - 1]->end, order[i]->begin, order[i]->end);
            rc = -1;
            break;
        }
    }
    jg_free(order);
    return rc;
}

/* A file of another kind than safetensors, named in one line (util/file.h):
   a zip or pickle from torch.save, or a spec. 0 when it may be safetensors. */
static int other_kind(const jg_st_file *f, jg_diag *d)
{
    const jg_file_kind k = jg_file_kind_of(f->bytes, f->size);
    if (k == JG_FILE_ZIP) {
        jg_diag_error(d, f->path, 0, 0, "this is a zip file (a PyTorch checkpoint from torch.save?), not "
                      "safetensors: export the module with tools/jetgen_export.py, or save its state_dict "
                      "with safetensors.torch.save_file");
        return -1;
    }
    if (k == JG_FILE_PICKLE) {
        jg_diag_error(d, f->path, 0, 0, "this is a Python pickle (torch.save?), not safetensors: export the "
                      "module with tools/jetgen_export.py");
        return -1;
    }
    if (k == JG_FILE_TEXT && f->size >= 5 && (memcmp(f->bytes, "input", 5) == 0
                                             || memcmp(f->bytes, "forma", 5) == 0 || f->bytes[0] == '#')) {
        jg_diag_error(d, f->path, 0, 0, "this is a spec (text), not a safetensors weights file: `jetgen check`, "
                      "`eval`, `emit` and `verify` take it");
        return -1;
    }
    return 0;
}

static int parse_header(jg_st_file *f, jg_diag *d)
{
    unsigned long long n = 0;
    size_t data_size, i;
    json_t *root, *v;
    json_error_t err;
    const char *key;
    int rc = 0;

    if (other_kind(f, d) != 0)
        return -1;
    if (f->size < 8) {
        jg_diag_error(d, f->path, 0, 0, "file is %zu bytes, too short for a safetensors header", f->size);
        return -1;
    }
    for (i = 0; i < 8; i++)
        n |= (unsigned long long)f->bytes[i] << (8 * i);
    if (n > f->size - 8 || n > JG_ST_MAX_HEADER) {
        jg_diag_error(d, f->path, 0, 0, "header length %llu does not fit in a %zu-byte file%s",
                      n, f->size, n > JG_ST_MAX_HEADER ? " (limit 100 MiB)" : "");
        return -1;
    }
    if (n < 2) {
        jg_diag_error(d, f->path, 0, 0, "header length %llu is too short for a JSON header", n);
        return -1;
    }
    f->data_start = 8 + (size_t)n;
    data_size = f->size - f->data_start;
    pthread_once(&json_alloc_once, json_use_jg_alloc);
    root = json_loadb((const char *)f->bytes + 8, (size_t)n, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        jg_diag_error(d, f->path, 0, 0, "header is not valid JSON (byte %d of the header): %s",
                      err.position, err.text);
        return -1;
    }
    if (!json_is_object(root)) {
        jg_diag_error(d, f->path, 0, 0, "header is not a JSON object");
        json_decref(root);
        return -1;
    }
    f->tensors = (jg_st_tensor *)jg_malloc_n(json_object_size(root), sizeof *f->tensors);
    if (f->tensors == NULL) {
        jg_diag_error(d, f->path, 0, 0, "out of memory");
        json_decref(root);
        return -1;
    }
    json_object_foreach(root, key, v) {
        if (strcmp(key, "__metadata__") == 0)
            continue;
        memset(&f->tensors[f->n_tensors], 0, sizeof f->tensors[0]);
        if (read_entry(f, key, v, data_size, &f->tensors[f->n_tensors], d) != 0) {
            rc = -1;
            continue;
        }
        f->n_tensors++;
    }
    json_decref(root);
    if (rc == 0)
        rc = check_overlaps(f, d);
    return rc;
}

jg_st_file *jg_st_parse(const char *name, unsigned char *bytes, size_t size,
                        jg_diag *d)
{
    jg_st_file *f = (jg_st_file *)jg_malloc(sizeof *f);
    if (f == NULL) {
        jg_free(bytes);
        jg_diag_error(d, name, 0, 0, "out of memory");
        return NULL;
    }
    memset(f, 0, sizeof *f);
    f->bytes = bytes;
    f->size = size;
    f->path = jg_strdup(name);
    if (f->path == NULL) {
        jg_diag_error(d, name, 0, 0, "out of memory");
        jg_st_close(f);
        return NULL;
    }
    if (parse_header(f, d) != 0) {
        jg_st_close(f);
        return NULL;
    }
    return f;
}

jg_st_file *jg_st_open(const char *path, jg_diag *d)
{
    size_t size = 0;
    char *bytes = jg_file_read(path, JG_ST_MAX_FILE, "weights file", &size, d);
    if (bytes == NULL)
        return NULL;
    return jg_st_parse(path, (unsigned char *)bytes, size, d);
}

const jg_st_tensor *jg_st_find(const jg_st_file *f, const char *name)
{
    size_t i;
    for (i = 0; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

static unsigned long long load_le(const unsigned char *p, size_t n)
{
    unsigned long long v = 0;
    size_t i;
    for (i = 0; i < n; i++)
        v |= (unsigned long long)p[i] << (8 * i);
    return v;
}

/* IEEE binary16 to double, exactly. */
static double half_to_double(unsigned h)
{
    unsigned sign = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp((double)m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexp((double)(m | 0x400), (int)e - 25);
    return sign ? -v : v;
}

int jg_st_to_double(const jg_st_file *f, const jg_st_tensor *t, double *out)
{
    const unsigned char *p = f->bytes + f->data_start + t->begin;
    size_t i;
    if (!t->is_float)
        return -1;
    for (i = 0; i < t->n_elems; i++, p += t->elem_size) {
        unsigned long long bits = load_le(p, t->elem_size);
        if (t->elem_size == 8) {
            double v;
            memcpy(&v, &bits, sizeof v);
            out[i] = v;
        } else if (t->elem_size == 4 || t->dtype[0] == 'B') {
            unsigned int b32 = (unsigned int)(t->elem_size == 4 ? bits : bits << 16);
            float v;
            memcpy(&v, &b32, sizeof v);
            out[i] = v;
        } else {
            out[i] = half_to_double((unsigned)bits);
        }
    }
    return 0;
}
