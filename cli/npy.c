/* npy.c: NumPy's .npy files (format versions 1.0 to 3.0), as far as jetgen
   reads and writes them: one C-order array of float64 or float32 numbers.
   The header is a Python dict literal, e.g.
       {'descr': '<f8', 'fortran_order': False, 'shape': (100, 2), }
   padded with spaces and a newline so that the data starts at a multiple
   of 64 bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

static int host_little(void)
{
    const unsigned one = 1;
    return *(const unsigned char *)&one == 1;
}

int cli_npy_is(const unsigned char *start, size_t n)
{
    return n >= 6 && memcmp(start, npy_magic, 6) == 0;
}

/* A little reader of the header's dict literal: s walks it. */
static void skip_space(const char **s)
{
    while (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')
        (*s)++;
}

/* A quoted string ('...' or "...") into out (at most cap - 1 bytes); 0 or -1. */
static int read_string(const char **s, char *out, size_t cap)
{
    const char q = **s;
    size_t n = 0;
    if (q != '\'' && q != '"')
        return -1;
    (*s)++;
    while (**s != q) {
        if (**s == '\0' || n + 1 >= cap)
            return -1;
        out[n++] = *(*s)++;
    }
    (*s)++;
    out[n] = '\0';
    return 0;
}

int cli_npy_read_header(FILE *fp, const char *name, cli_npy *h, jg_diag *d)
{
    unsigned char pre[12];
    size_t len, got, k;
    char *text = NULL, descr[32] = "";
    const char *s;
    int have_descr = 0, have_order = 0, have_shape = 0, rc = -1;
    memset(h, 0, sizeof *h);
    if (fread(pre, 1, 10, fp) != 10 || !cli_npy_is(pre, 10)) {
        jg_diag_error(d, name, 0, 0, "not an .npy file (no \\x93NUMPY at its start)");
        return -1;
    }
    if (pre[6] == 1) {
        len = (size_t)pre[8] | (size_t)pre[9] << 8;
        h->data_at = 10;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if (fread(pre + 10, 1, 2, fp) != 2) {
            jg_diag_error(d, name, 0, 0, "an .npy file that ends inside its header");
            return -1;
        }
        len = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        h->data_at = 12;
    } else {
        jg_diag_error(d, name, 0, 0, "an .npy file of format version %d.%d: jetgen reads 1.0 to 3.0", pre[6],
                      pre[7]);
        return -1;
    }
    if (len > 65536 || (text = (char *)jg_malloc(len + 1)) == NULL) {
        jg_diag_error(d, name, 0, 0, "an .npy header of %zu bytes: too long", len);
        return -1;
    }
    got = fread(text, 1, len, fp);
    text[got] = '\0';
    h->data_at += (long)len;
    if (got != len || strlen(text) != len) {
        jg_diag_error(d, name, 0, 0, "an .npy file that ends inside its header");
        goto done;
    }
    s = text;
    skip_space(&s);
    if (*s++ != '{')
        goto bad;
    for (;;) {
        char key[32];
        skip_space(&s);
        if (*s == '}')
            break;
        if (read_string(&s, key, sizeof key) != 0)
            goto bad;
        skip_space(&s);
        if (*s++ != ':')
            goto bad;
        skip_space(&s);
        if (strcmp(key, "descr") == 0) {
            if (*s == '[') {
                jg_diag_error(d, name, 0, 0, "an .npy array of records (a structured dtype): jetgen takes "
                              "float64 or float32 numbers, shape (n, N_IN)");
                goto done;
            }
            if (read_string(&s, descr, sizeof descr) != 0)
                goto bad;
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (strncmp(s, "False", 5) == 0) {
                s += 5;
            } else if (strncmp(s, "True", 4) == 0) {
                jg_diag_error(d, name, 0, 0, "an .npy array in Fortran order: jetgen takes C order "
                              "(numpy.save(f, numpy.ascontiguousarray(x)))");
                goto done;
            } else {
                goto bad;
            }
            have_order = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (*s++ != '(')
                goto bad;
            for (;;) {
                char *end;
                unsigned long long v;
                skip_space(&s);
                if (*s == ')')
                    break;
                if (*s < '0' || *s > '9' || h->rank == 4)
                    goto bad_shape;
                v = strtoull(s, &end, 10);
                if ((size_t)v != v || v > ((size_t)-1 >> 4))
                    goto bad_shape;
                h->shape[h->rank++] = (size_t)v;
                s = end;
                skip_space(&s);
                if (*s == ',')
                    s++;
                else if (*s != ')')
                    goto bad;
            }
            s++;
            have_shape = 1;
        } else {
            goto bad;
        }
        skip_space(&s);
        if (*s == ',')
            s++;
        else if (*s != '}')
            goto bad;
    }
    if (!have_descr || !have_order || !have_shape)
        goto bad;
    /* the numbers' type: float64 or float32, either byte order */
    if ((descr[0] == '<' || descr[0] == '>' || descr[0] == '=') && descr[1] == 'f'
        && (strcmp(descr + 2, "8") == 0 || strcmp(descr + 2, "4") == 0)) {
        h->f32 = descr[2] == '4';
        h->swap = descr[0] != '=' && (descr[0] == '<') != host_little();
    } else {
        static const char *const kinds[][2] = {{"f2", "float16"}, {"f16", "float128"}, {"i1", "int8"},
                                               {"i2", "int16"},   {"i4", "int32"},     {"i8", "int64"},
                                               {"u1", "uint8"},   {"u2", "uint16"},    {"u4", "uint32"},
                                               {"u8", "uint64"},  {"b1", "bool"},      {"c8", "complex64"},
                                               {"c16", "complex128"}};
        const char *kind = NULL, *t = descr[0] == '<' || descr[0] == '>' || descr[0] == '=' || descr[0] == '|'
                                        ? descr + 1 : descr;
        for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            if (strcmp(t, kinds[k][0]) == 0)
                kind = kinds[k][1];
        jg_diag_error(d, name, 0, 0, "an .npy array of %s%s('%s'): jetgen takes float64 or float32 "
                      "(x.astype(numpy.float64))", kind != NULL ? kind : "", kind != NULL ? " " : "", descr);
        goto done;
    }
    rc = 0;
    goto done;
bad_shape:
    jg_diag_error(d, name, 0, 0, "an .npy header with a shape jetgen does not take: %.*s", (int)len, text);
    goto done;
bad:
    jg_diag_error(d, name, 0, 0, "an .npy header jetgen cannot read: %.*s", (int)(len > 200 ? 200 : len), text);
done:
    jg_free(text);
    return rc;
}

int cli_npy_write_header(FILE *fp, int f32, const size_t *shape, int rank)
{
    char dict[256];
    unsigned char pre[10];
    size_t n, total;
    int r;
    n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                         host_little() ? '<' : '>', f32 ? "f4" : "f8");
    for (r = 0; r < rank; r++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, "%zu%s", shape[r], rank == 1 ? "," : r + 1 < rank ? ", " : "");
    n += (size_t)snprintf(dict + n, sizeof dict - n, "), }");
    /* spaces and a newline to a multiple of 64, as numpy writes */
    total = (10 + n + 1 + 63) / 64 * 64;
    while (10 + n + 1 < total)
        dict[n++] = ' ';
    dict[n++] = '\n';
    memcpy(pre, npy_magic, 6);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(n & 0xff);
    pre[9] = (unsigned char)(n >> 8);
    return fwrite(pre, 1, 10, fp) == 10 && fwrite(dict, 1, n, fp) == n ? 0 : -1;
}
