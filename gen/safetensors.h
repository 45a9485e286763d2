/* safetensors.h: reads the safetensors format (8-byte little-endian header
   length, a JSON header, raw little-endian data) and converts floating-point
   tensors exactly to double. Everything in the header is validated before a
   tensor is handed out: the header length against the file size, offsets
   inside the data and not overlapping, shape x dtype size = byte length,
   dtype known, names unique. */
#ifndef JG_SAFETENSORS_H
#define JG_SAFETENSORS_H

#include <stddef.h>

#include "diag.h"

#define JG_ST_MAX_RANK 8                          /* dimensions of one tensor */
#define JG_ST_MAX_HEADER ((size_t)100 << 20)      /* 100 MiB, as the format says */
#define JG_ST_MAX_FILE ((size_t)16 << 30)         /* 16 GiB */

typedef struct jg_st_tensor {
    char *name;                 /* owned by the file */
    const char *dtype;          /* "F32", ...: static text */
    size_t elem_size;           /* bytes per element */
    int is_float;               /* F64, F32, F16 or BF16: convertible */
    size_t rank;
    size_t shape[JG_ST_MAX_RANK];
    size_t n_elems;
    size_t begin, end;          /* byte range inside the data section */
} jg_st_tensor;

typedef struct jg_st_file {
    char *path;                 /* owned: the name used in messages */
    unsigned char *bytes;       /* owned: the whole file */
    size_t size;
    size_t data_start;          /* 8 + header length */
    size_t n_tensors;
    jg_st_tensor *tensors;      /* owned, in header order */
} jg_st_file;

/* Reads and validates the file at path. Returns a new file (free with
   jg_st_close) or NULL with the reasons added to d. */
jg_st_file *jg_st_open(const char *path, jg_diag *d);

/* Validates bytes[0..size) as safetensors; takes ownership of bytes (freed
   with jg_free, also on failure). name is used in messages. */
jg_st_file *jg_st_parse(const char *name, unsigned char *bytes, size_t size,
                        jg_diag *d);

/* The tensor called name, or NULL. */
const jg_st_tensor *jg_st_find(const jg_st_file *f, const char *name);

/* Converts a floating-point tensor exactly to double: out[t->n_elems].
   Returns 0, or -1 when the dtype is not a floating-point one. */
int jg_st_to_double(const jg_st_file *f, const jg_st_tensor *t, double *out);

void jg_st_close(jg_st_file *f);

#endif
