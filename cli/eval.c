/* eval.c: `jetgen eval SPEC`: the network at points from a file or stdin
   (text or .npy, points.c), through the library (include/jetgen.h), written
   as text, JSON, CSV or .npy files. Points go through in chunks and each
   chunk's results are written before the next is read, so memory stays
   bounded whatever the number of points; outputs go to temporary files
   renamed only when all went well. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fdiff.h"
#include "jetgen.h"
#include "load.h"
#include "mem.h"
#include "model.h"
#include "plan.h"

static const char usage_eval[] =
    "usage: jetgen eval SPEC [--order 0|1|2|terms] [--terms LIST] [--points FILE]\n"
    "                   [--format text|json|csv|npy] [-o PATH] [--precision double|float]\n"
    "                   [--hessian full|diag|laplacian] [--backend jit|executor]\n"
    "\n"
    "Compiles the network in memory with libtcc and evaluates it at the points of\n"
    "FILE or stdin: text, N_IN numbers per line (blank lines and # comments are\n"
    "skipped, and a first row naming the inputs in order), or an .npy file of\n"
    "float64 or float32, shape (n, N_IN), C order.\n"
    "  --order 0|1|2        u; u and du/dx; u, du/dx and d2u/dx2 (default 2)\n"
    "  --order terms        the partial derivatives the spec's `terms` names\n"
    "                       (\"partials\": (n, out, terms); npy: partials.npy)\n"
    "  --terms LIST         those of LIST instead, comma-separated (xxx,xxxx;\n"
    "                       \"\" for u): orders 0 to 4, mixed terms exact\n"
    "  --hessian H          with order 2: full (default, \"d2u\"), diag (\"d2u_diag\":\n"
    "                       d2u/dx_i^2 only) or laplacian (\"lap\": their sum)\n"
    "  --format F           text: a table per point (default); json: {\"points\",\n"
    "                       \"u\", \"du\", \"d2u\"} with %.17g numbers (%.9g in float;\n"
    "                       null for NaN and infinities); csv: a header row, then\n"
    "                       one row per point and output; npy: u.npy (n, out),\n"
    "                       du.npy (n, out, in), d2u.npy (n, out, in, in),\n"
    "                       d2u_diag.npy (n, out, over) or lap.npy (n, out) in the\n"
    "                       folder -o names (created if missing)\n"
    "  -o PATH              write there (a file; npy: a folder) instead of stdout\n"
    "  --precision P        compute in double (default) or float (npy: float32)\n"
    "  --backend B          jit (default): compiled in memory by libtcc; executor:\n"
    "                       the plan walked in C (no compiler)\n"
    "  --oracle             compute with verify's reference instead of the\n"
    "                       compiled code: the network in long double, du and\n"
    "                       d2u by central differences with Richardson\n"
    "                       extrapolation (slow; for checking)\n";

/* ---- The long-double oracle (gen/fdiff.h) ---- */

typedef struct oracle {
    jg_model *m;
    jg_fdiff *f;
    long double *u, *du, *du_err, *d2, *d2_err;
} oracle;

static void oracle_free(oracle *o)
{
    jg_free(o->u);
    jg_free(o->du);
    jg_free(o->du_err);
    jg_free(o->d2);
    jg_free(o->d2_err);
    jg_fdiff_free(o->f);
    jg_model_free(o->m);
}

static int oracle_open(oracle *o, const char *spec, jg_diag *d)
{
    size_t ni, no;
    int overflow = 0;
    memset(o, 0, sizeof *o);
    o->m = jg_load(spec, d);
    if (o->m == NULL)
        return -1;
    ni = o->m->n_in;
    no = o->m->n_out;
    o->f = jg_fdiff_new(o->m);
    o->u = (long double *)jg_malloc_n(no, sizeof *o->u);
    o->du = (long double *)jg_malloc_n(jg_mul(no, ni, &overflow), sizeof *o->du);
    o->du_err = (long double *)jg_malloc_n(jg_mul(no, ni, &overflow), sizeof *o->du);
    o->d2 = (long double *)jg_malloc_n(jg_mul(jg_mul(no, ni, &overflow), ni, &overflow), sizeof *o->d2);
    o->d2_err = (long double *)jg_malloc_n(jg_mul(jg_mul(no, ni, &overflow), ni, &overflow), sizeof *o->d2);
    if (o->f == NULL || overflow || o->u == NULL || o->du == NULL || o->du_err == NULL || o->d2 == NULL
        || o->d2_err == NULL) {
        jg_diag_error(d, spec, 0, 0, "out of memory for the oracle");
        return -1;
    }
    return 0;
}

/* The oracle at the n points x, in the layouts of mode. 0, or -1. */
static int oracle_run(oracle *o, int mode, size_t n, const double *x, double *u, double *du, double *d2)
{
    const size_t ni = o->m->n_in, no = o->m->n_out, per2 = jg_plan_per_output2(o->m, (jg_mode)mode);
    size_t p, k, i;
    for (p = 0; p < n; p++) {
        if (jg_fdiff_jet(o->f, x + p * ni, o->u, o->du, o->du_err, o->d2, o->d2_err) != 0)
            return -1;
        for (k = 0; k < no; k++) {
            u[p * no + k] = (double)o->u[k];
            for (i = 0; mode >= JG_MODE_JACOBIAN && i < ni; i++)
                du[(p * no + k) * ni + i] = (double)o->du[k * ni + i];
            if (mode == JG_MODE_HESSIAN)
                for (i = 0; i < ni * ni; i++)
                    d2[(p * no + k) * per2 + i] = (double)o->d2[k * ni * ni + i];
            else if (mode == JG_MODE_DIAG || mode == JG_MODE_LAPLACIAN) {
                long double sum = 0;
                for (i = 0; i < o->m->n_over; i++) {
                    const size_t s = o->m->over != NULL ? o->m->over[i] : i;
                    const long double v = o->d2[(k * ni + s) * ni + s];
                    sum += v;
                    if (mode == JG_MODE_DIAG)
                        d2[(p * no + k) * per2 + i] = (double)v;
                }
                if (mode == JG_MODE_LAPLACIAN)
                    d2[p * no + k] = (double)sum;
            }
        }
    }
    return 0;
}

/* ---- Where the results go ---- */

enum { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV, FORMAT_NPY };
static const char *const format_names[] = {"text", "json", "csv", "npy"};

/* The results of eval, written chunk by chunk: text and CSV straight to
   their file; JSON's points too, its u, du and d2 sections to temporary
   files appended at the end; npy to one file per quantity, whose headers
   (the number of points known from the start) come first. Files are
   temporary until sink_finish renames them. */
typedef struct sink {
    int format, mode, digits;   /* digits: 17, or 9 in float; mode JG_NET_PARTIALS: the terms */
    int f32;                    /* npy: float32 numbers */
    const jg_net *net;
    size_t ni, no, per2, n;     /* per2: second derivatives per output */
    size_t nt;                  /* the terms (mode JG_NET_PARTIALS) */
    size_t written;             /* points so far */
    FILE *fp;                   /* text, json, csv: the output (stdout, or file's) */
    cli_file file[3];           /* text, json, csv: -o's file in [0]; npy: u, du, d2's */
    size_t n_files;             /* of file[] open */
    const char *path;           /* text, json, csv: -o's file, or NULL */
    FILE *part[3];              /* json: u, du, d2 sections; npy: u, du, d2 files */
    char *part_path[3];         /* npy: their names (owned) */
    char *dir_made;             /* npy: the folder, when eval made it */
    float conv[4096];           /* npy in float: numbers on their way out */
} sink;

static const char *input_name(const jg_net *m, size_t i, char tmp[32])
{
    if (jg_net_input_name(m, i) != NULL)
        return jg_net_input_name(m, i);
    if (jg_net_n_in(m) == 1)
        return "x";
    snprintf(tmp, 32, "x%zu", i);
    return tmp;
}

/* The column heads of the second derivatives (text, CSV): d2u/dx2 ... */
static void second_heads(const sink *o, void (*put)(FILE *, const char *), FILE *fp)
{
    size_t i, j, ns = jg_net_n_over(o->net);
    char a[32], b[32], h[80];
    if (o->mode == JG_NET_LAPLACIAN)
        put(fp, ns < o->ni ? "laplacian (over)" : "laplacian");
    for (i = 0; o->mode == JG_NET_HESSIAN_DIAG && i < ns; i++) {
        snprintf(h, sizeof h, "d2u/d%s2", input_name(o->net, jg_net_over_input(o->net, i), a));
        put(fp, h);
    }
    for (i = 0; o->mode == JG_NET_HESSIAN && i < o->ni; i++)
        for (j = i; j < o->ni; j++) {
            if (i == j)
                snprintf(h, sizeof h, "d2u/d%s2", input_name(o->net, i, a));
            else
                snprintf(h, sizeof h, "d2u/d%sd%s", input_name(o->net, i, a), input_name(o->net, j, b));
            put(fp, h);
        }
}

/* The column heads of the terms (text, CSV): u, u_xxt, u_x1*x2 ... */
static void term_heads(const sink *o, void (*put)(FILE *, const char *), FILE *fp)
{
    size_t t;
    char h[64];
    for (t = 0; t < o->nt; t++) {
        const char *name = jg_net_term_name(o->net, t);
        snprintf(h, sizeof h, "%s%s", strcmp(name, "\"\"") == 0 ? "u" : "u_", strcmp(name, "\"\"") == 0 ? "" : name);
        put(fp, h);
    }
}

static void put_text_head(FILE *fp, const char *h)
{
    fprintf(fp, " %24s", h);
}

static void put_csv_head(FILE *fp, const char *h)
{
    fprintf(fp, ",%s", h);
}

/* One output's numbers at one point (u, du, then the second derivatives
   as second_heads names them), each after sep. */
static void put_row(const sink *o, FILE *fp, const char *sep, int width, size_t pk, const double *u,
                    const double *du, const double *d2)
{
    size_t i, j, ns = jg_net_n_over(o->net), ni = o->ni;
    if (o->mode == JG_NET_PARTIALS) {       /* u holds every term */
        for (i = 0; i < o->nt; i++)
            fprintf(fp, "%s%*.*g", sep, width, o->digits, u[pk * o->nt + i]);
        return;
    }
    fprintf(fp, "%s%*.*g", sep, width, o->digits, u[pk]);
    for (i = 0; o->mode >= JG_NET_JACOBIAN && i < ni; i++)
        fprintf(fp, "%s%*.*g", sep, width, o->digits, du[pk * ni + i]);
    if (o->mode == JG_NET_LAPLACIAN)
        fprintf(fp, "%s%*.*g", sep, width, o->digits, d2[pk]);
    for (i = 0; o->mode == JG_NET_HESSIAN_DIAG && i < ns; i++)
        fprintf(fp, "%s%*.*g", sep, width, o->digits, d2[pk * ns + i]);
    for (i = 0; o->mode == JG_NET_HESSIAN && i < ni; i++)
        for (j = i; j < ni; j++)
            fprintf(fp, "%s%*.*g", sep, width, o->digits, d2[(pk * ni + i) * ni + j]);
}

static void write_text(sink *o, size_t n, const double *x, const double *u, const double *du, const double *d2)
{
    size_t p, k, i;
    char a[32];
    for (p = 0; p < n; p++) {
        fprintf(o->fp, "%spoint %zu:", o->written + p ? "\n" : "", o->written + p + 1);
        for (i = 0; i < o->ni; i++)
            fprintf(o->fp, " %s = %.17g", input_name(o->net, i, a), x[p * o->ni + i]);
        fprintf(o->fp, "\n  %6s", "k");
        if (o->mode == JG_NET_PARTIALS)
            term_heads(o, put_text_head, o->fp);
        else
            fprintf(o->fp, " %24s", "u");
        for (i = 0; o->mode >= JG_NET_JACOBIAN && o->mode != JG_NET_PARTIALS && i < o->ni; i++) {
            char h[48];
            snprintf(h, sizeof h, "du/d%s", input_name(o->net, i, a));
            fprintf(o->fp, " %24s", h);
        }
        second_heads(o, put_text_head, o->fp);
        fputc('\n', o->fp);
        for (k = 0; k < o->no; k++) {
            fprintf(o->fp, "  %6zu", k);
            put_row(o, o->fp, " ", 24, p * o->no + k, u, du, d2);
            fputc('\n', o->fp);
        }
    }
}

static void write_csv(sink *o, size_t n, const double *x, const double *u, const double *du, const double *d2)
{
    size_t p, k, i;
    char a[32];
    if (o->written == 0) {
        fprintf(o->fp, "point");
        for (i = 0; i < o->ni; i++)
            fprintf(o->fp, ",%s", input_name(o->net, i, a));
        fprintf(o->fp, ",output");
        if (o->mode == JG_NET_PARTIALS)
            term_heads(o, put_csv_head, o->fp);
        else
            fprintf(o->fp, ",u");
        for (i = 0; o->mode >= JG_NET_JACOBIAN && o->mode != JG_NET_PARTIALS && i < o->ni; i++)
            fprintf(o->fp, ",du/d%s", input_name(o->net, i, a));
        second_heads(o, put_csv_head, o->fp);
        fputc('\n', o->fp);
    }
    for (p = 0; p < n; p++)
        for (k = 0; k < o->no; k++) {
            fprintf(o->fp, "%zu", o->written + p);
            for (i = 0; i < o->ni; i++)
                fprintf(o->fp, ",%.17g", x[p * o->ni + i]);
            fprintf(o->fp, ",%zu", k);
            put_row(o, o->fp, ",", 0, p * o->no + k, u, du, d2);
            fputc('\n', o->fp);
        }
}

static void json_number(FILE *fp, int digits, double v)
{
    if (isfinite(v))
        fprintf(fp, "%.*g", digits, v);
    else
        fputs("null", fp);
}

/* v as nested JSON arrays of the given dims (row-major). */
static void json_array(FILE *fp, int digits, const double *v, const size_t *dims, int rank)
{
    size_t i, stride = 1;
    int r;
    for (r = 1; r < rank; r++)
        stride *= dims[r];
    fputc('[', fp);
    for (i = 0; i < dims[0]; i++) {
        if (i)
            fputs(", ", fp);
        if (rank == 1)
            json_number(fp, digits, v[i]);
        else
            json_array(fp, digits, v + i * stride, dims + 1, rank - 1);
    }
    fputc(']', fp);
}

/* The shape of one point's quantity q (0 u, 1 du, 2 d2) and its rank. */
static int point_dims(const sink *o, int q, size_t *dims)
{
    dims[0] = o->no;
    dims[1] = dims[2] = o->ni;
    if (o->mode == JG_NET_PARTIALS) {
        dims[1] = o->nt;
        return 2;
    }
    if (q == 0 || (q == 2 && o->mode == JG_NET_LAPLACIAN))
        return 1;
    if (q == 2 && o->mode == JG_NET_HESSIAN_DIAG) {
        dims[1] = o->per2;
        return 2;
    }
    return q == 1 ? 2 : 3;
}

static size_t per_point(const sink *o, int q)
{
    return o->mode == JG_NET_PARTIALS ? o->no * o->nt : q == 0 ? o->no : q == 1 ? o->no * o->ni : o->no * o->per2;
}

static int quantities(const sink *o)
{
    return o->mode == 0 || o->mode == JG_NET_PARTIALS ? 1 : o->mode == JG_NET_JACOBIAN ? 2 : 3;
}

static void write_json(sink *o, size_t n, const double *x, const double *u, const double *du, const double *d2)
{
    const double *v[3];
    size_t p, dims[3];
    int q;
    v[0] = u;
    v[1] = du;
    v[2] = d2;
    for (p = 0; p < n; p++) {
        if (o->written + p)
            fputs(", ", o->fp);
        json_array(o->fp, 17, x + p * o->ni, &o->ni, 1);
        for (q = 0; q < quantities(o); q++) {
            const int rank = point_dims(o, q, dims);
            if (o->written + p)
                fputs(", ", o->part[q]);
            json_array(o->part[q], o->digits, v[q] + p * per_point(o, q), dims, rank);
        }
    }
}

static int write_npy(sink *o, size_t n, const double *u, const double *du, const double *d2)
{
    const double *v[3];
    int q;
    v[0] = u;
    v[1] = du;
    v[2] = d2;
    for (q = 0; q < quantities(o); q++) {
        const size_t m = n * per_point(o, q);
        size_t k, j;
        if (!o->f32) {
            if (fwrite(v[q], sizeof(double), m, o->part[q]) != m)
                return -1;
            continue;
        }
        for (k = 0; k < m; k += j) {
            for (j = 0; j < 4096 && k + j < m; j++)
                o->conv[j] = (float)v[q][k + j];
            if (fwrite(o->conv, sizeof(float), j, o->part[q]) != j)
                return -1;
        }
    }
    return 0;
}

/* The names of the npy files of a mode. */
static const char *npy_name(int mode, int q)
{
    return mode == JG_NET_PARTIALS ? "partials.npy" : q == 0 ? "u.npy" : q == 1 ? "du.npy" : mode == JG_NET_HESSIAN ? "d2u.npy"
         : mode == JG_NET_HESSIAN_DIAG ? "d2u_diag.npy" : "lap.npy";
}

/* A path of an output that is one of the inputs (spec, weights, points):
   reported, 1. */
static int lands_on_input(const char *path, const char *const *inputs, jg_diag *d)
{
    int k;
    for (k = 0; k < 3; k++)
        if (inputs[k] != NULL && cli_same_file(path, inputs[k])) {
            jg_diag_error(d, path, 0, 0, "is %s, an input of this command: refusing to write over it", inputs[k]);
            return 1;
        }
    return 0;
}

/* Opens the outputs (nothing renamed over anything yet). 0, or -1. */
static int sink_open(sink *o, const char *path, const char *const *inputs, jg_diag *d)
{
    int q;
    if (o->format != FORMAT_NPY) {
        if (path == NULL || strcmp(path, "-") == 0) {
            o->fp = stdout;
        } else {
            o->path = path;
            if (lands_on_input(path, inputs, d))
                return -1;
            if (cli_file_open(&o->file[0], path, d) != 0)
                return -1;
            o->n_files = 1;
            o->fp = o->file[0].fp;
        }
        if (o->format == FORMAT_JSON) {
            fputs("{\"points\": [", o->fp);
            for (q = 0; q < quantities(o); q++)
                if ((o->part[q] = tmpfile()) == NULL) {
                    jg_diag_error(d, "<json>", 0, 0, "cannot make a temporary file: %s", strerror(errno));
                    return -1;
                }
        }
        return 0;
    }
    /* npy: a folder of files */
    {
        struct stat st;
        if (stat(path, &st) != 0) {
            if (mkdir(path, 0777) != 0) {
                jg_diag_error(d, path, 0, 0, "cannot make the folder: %s", strerror(errno));
                return -1;
            }
            o->dir_made = jg_strdup(path);
        } else if (!S_ISDIR(st.st_mode)) {
            jg_diag_error(d, path, 0, 0, "is not a folder: --format npy writes u.npy, du.npy, ... into the "
                          "folder -o names");
            return -1;
        }
    }
    for (q = 0; q < quantities(o); q++) {
        size_t shape[4], dims[3], len = strlen(path) + 16;
        const int rank = point_dims(o, q, dims);
        int r;
        o->part_path[q] = (char *)jg_malloc(len);
        if (o->part_path[q] == NULL) {
            jg_diag_error(d, path, 0, 0, "out of memory");
            return -1;
        }
        snprintf(o->part_path[q], len, "%s/%s", path, npy_name(o->mode, q));
        if (lands_on_input(o->part_path[q], inputs, d))
            return -1;
        if (cli_file_open(&o->file[q], o->part_path[q], d) != 0)
            return -1;
        o->n_files = (size_t)q + 1;
        o->part[q] = o->file[q].fp;
        shape[0] = o->n;
        for (r = 0; r < rank; r++)
            shape[r + 1] = dims[r];
        if (cli_npy_write_header(o->part[q], o->f32, shape, rank + 1) != 0) {
            jg_diag_error(d, o->part_path[q], 0, 0, "cannot write: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int sink_write(sink *o, size_t n, const double *x, const double *u, const double *du, const double *d2)
{
    int rc = 0;
    if (o->format == FORMAT_TEXT)
        write_text(o, n, x, u, du, d2);
    else if (o->format == FORMAT_CSV)
        write_csv(o, n, x, u, du, d2);
    else if (o->format == FORMAT_JSON)
        write_json(o, n, x, u, du, d2);
    else
        rc = write_npy(o, n, u, du, d2);
    o->written += n;
    return rc != 0 || (o->fp != NULL && ferror(o->fp)) ? -1 : 0;
}

/* Completes the outputs and renames them into place when ok and all was
   written; else removes every temporary file (and a folder eval made). */
static void sink_finish(sink *o, int ok, jg_diag *d)
{
    static const char *const json_keys[4][3] = {{"u", "du", "d2u"}, {"u", "du", "d2u"},
                                                {"u", "du", "d2u_diag"}, {"u", "du", "lap"}};
    int q, bad = !ok;
    if (ok && o->format == FORMAT_JSON) {
        fputs("]", o->fp);
        if (o->mode == JG_NET_PARTIALS) {    /* the terms' names, then "partials" */
            size_t t;
            const char *c;
            fputs(",\n \"terms\": [", o->fp);
            for (t = 0; t < o->nt; t++) {
                fputs(t ? ", \"" : "\"", o->fp);
                for (c = jg_net_term_name(o->net, t); *c != '\0'; c++)
                    fprintf(o->fp, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
                fputc('"', o->fp);
            }
            fputs("]", o->fp);
        }
        for (q = 0; q < quantities(o); q++) {
            fprintf(o->fp, ",\n \"%s\": [", o->mode == JG_NET_PARTIALS ? "partials"
                                                 : json_keys[o->mode == 0 ? 0 : o->mode - 1][q]);
            rewind(o->part[q]);
            if (cli_copy_stream(o->fp, o->part[q]) != 0)
                bad = 1;
            fputs("]", o->fp);
        }
        fputs("}\n", o->fp);
    }
    for (q = 0; o->format == FORMAT_JSON && q < 3; q++) {     /* the spools */
        if (o->part[q] != NULL && fclose(o->part[q]) != 0)
            bad = 1;
        o->part[q] = NULL;
    }
    if (o->fp == stdout && (fflush(stdout) != 0 || ferror(stdout)))
        bad = 1;
    if (bad && ok)
        jg_diag_error(d, o->path != NULL ? o->path : o->fp == stdout ? "<stdout>" : o->part_path[0], 0, 0,
                      "write error: %s", strerror(errno));
    /* every file renamed into place, or none (a write error, a full
       device, a rename that fails: nothing replaced) */
    if (bad || cli_files_commit(o->file, o->n_files, d) != 0) {
        cli_files_discard(o->file, o->n_files);
        if (o->dir_made != NULL)
            rmdir(o->dir_made);
    }
    o->n_files = 0;
    for (q = 0; q < 3; q++)
        jg_free(o->part_path[q]);
    jg_free(o->dir_made);
}

/* Points per chunk: results of about 8 MiB (64 points for the oracle). */
static size_t chunk_points(const sink *o, int oracle)
{
    size_t bytes = sizeof(double) * o->ni, c;
    int q;
    for (q = 0; q < quantities(o); q++)
        bytes += sizeof(double) * per_point(o, q);
    c = ((size_t)8 << 20) / bytes;
    if (oracle && c > 64)
        c = 64;
    return c == 0 ? 1 : c;
}

/* What `jetgen eval` was asked. */
typedef struct eval_args {
    const char *spec, *pfile, *opath, *terms;
    int precision, format, backend, use_oracle;
    int mode;       /* JG_NET_* */
} eval_args;

/* Reads the command line into a. 0 to go on; else 1 with *rc the exit
   status (--help: 0; a usage error: its status, said). */
static int eval_parse(int argc, char **argv, eval_args *a, int *rc)
{
    int i, order = 2, order_given = 0;
    unsigned hessian = JG_NET_EMIT_HESSIAN;
    memset(a, 0, sizeof *a);
    a->precision = JG_NET_DOUBLE;
    a->format = FORMAT_TEXT;
    a->backend = JG_NET_JIT;
    *rc = 0;
    for (i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--help") == 0) {
            fputs(usage_eval, stdout);
            return 1;
        } else if (strcmp(o, "--oracle") == 0) {
            a->use_oracle = 1;
        } else if (strcmp(o, "--order") == 0 || strcmp(o, "--points") == 0 || strcmp(o, "--format") == 0
                   || strcmp(o, "--precision") == 0 || strcmp(o, "--hessian") == 0 || strcmp(o, "-o") == 0
                   || strcmp(o, "--backend") == 0 || strcmp(o, "--terms") == 0) {
            const char *v = i + 1 < argc ? argv[++i] : NULL;
            if (v == NULL) {
                *rc = cli_usage_error(usage_eval, "'%s' needs a value", o);
            } else if (strcmp(o, "--hessian") == 0) {
                hessian = cli_hessian_bit(v, strlen(v));
                if (hessian == 0)
                    *rc = cli_usage_error(usage_eval, "--hessian takes full, diag or laplacian, not '%s'", v);
            } else if (strcmp(o, "--order") == 0) {
                if (strcmp(v, "terms") == 0)
                    order = 3;
                else if (strlen(v) != 1 || v[0] < '0' || v[0] > '2')
                    *rc = cli_usage_error(usage_eval, "--order takes 0, 1, 2 or terms, not '%s'", v);
                else
                    order = v[0] - '0';
                order_given = 1;
            } else if (strcmp(o, "--terms") == 0) {
                a->terms = v;
            } else if (strcmp(o, "--points") == 0) {
                a->pfile = v;
            } else if (strcmp(o, "-o") == 0) {
                a->opath = v;
            } else if (strcmp(o, "--backend") == 0) {
                if (cli_parse_backend(v, &a->backend) != 0)
                    *rc = cli_usage_error(usage_eval, "--backend takes jit or executor, not '%s'", v);
            } else if (strcmp(o, "--precision") == 0) {
                if (cli_parse_precision(v, &a->precision) != 0)
                    *rc = cli_usage_error(usage_eval, "--precision takes double or float, not '%s'", v);
            } else {
                for (a->format = 0; a->format < 4 && strcmp(v, format_names[a->format]) != 0; a->format++)
                    ;
                if (a->format == 4)
                    *rc = cli_usage_error(usage_eval, "--format takes text, json, csv or npy, not '%s'", v);
            }
            if (*rc != 0)
                return 1;
        } else if (o[0] == '-' && o[1] != '\0') {
            *rc = cli_usage_error(usage_eval, "unknown option '%s'", o);
            return 1;
        } else if (a->spec != NULL) {
            *rc = cli_usage_error(usage_eval, "one SPEC only ('%s' is extra)", o);
            return 1;
        } else {
            a->spec = o;
        }
    }
    if (a->spec == NULL)
        *rc = cli_usage_error(usage_eval, "%s", "no SPEC given");
    else if (a->format == FORMAT_NPY && (a->opath == NULL || strcmp(a->opath, "-") == 0))
        *rc = cli_usage_error(usage_eval, "%s", "--format npy writes several files: name their folder with -o DIR");
    else if (a->use_oracle && a->precision == JG_NET_FLOAT)
        *rc = cli_usage_error(usage_eval, "%s", "--oracle computes in long double: no --precision float with it");
    else if (a->terms != NULL && order_given && order != 3)
        *rc = cli_usage_error(usage_eval, "%s", "--terms gives the terms' partials: no --order 0, 1 or 2 with it");
    else if (a->use_oracle && (order == 3 || a->terms != NULL))
        *rc = cli_usage_error(usage_eval, "%s", "--oracle computes u, du and d2u; `jetgen verify` checks the "
                              "terms against their long-double reference");
    if (*rc != 0)
        return 1;
    if (a->terms != NULL)
        order = 3;
    a->mode = order == 3 ? JG_NET_PARTIALS : order < 2 ? order : hessian == JG_NET_EMIT_HESSIAN ? JG_NET_HESSIAN
            : hessian == JG_NET_EMIT_HESSIAN_DIAG ? JG_NET_HESSIAN_DIAG : JG_NET_LAPLACIAN;
    return 0;
}

int cli_eval(int argc, char **argv)
{
    jg_diag d = JG_DIAG_INIT;
    jg_net *net = NULL;
    jg_net_options opt;
    cli_source src;
    cli_progress progress;
    oracle orc;
    sink out;
    eval_args a;
    const char *spec, *pfile, *opath, *inputs[3], *terms;
    const char **names = NULL;
    char (*name_tmp)[32] = NULL;
    double *x = NULL, *u = NULL, *du = NULL, *d2u = NULL;
    int precision, mode, rc = EXIT_INPUT, overflow = 0, use_oracle, ok = 0;
    size_t n_in, n_out, chunk, k;

    if (eval_parse(argc, argv, &a, &rc) != 0)
        return rc;
    rc = EXIT_INPUT;
    spec = a.spec;
    pfile = a.pfile;
    opath = a.opath;
    terms = a.terms;
    precision = a.precision;
    use_oracle = a.use_oracle;
    mode = a.mode;
    memset(&src, 0, sizeof src);
    memset(&orc, 0, sizeof orc);
    memset(&out, 0, sizeof out);
    opt.precision = precision;
    opt.backend = a.backend;
    switch (jg_net_open(spec, &opt, &net)) {
    case JG_NET_OK:
        break;
    case JG_NET_ENOMEM:
        fprintf(stderr, "%s: out of memory\n", spec);
        goto done;
    default:
        fprintf(stderr, "%s\n", jg_net_errmsg(net));
        goto done;
    }
    if (terms != NULL && jg_net_set_terms(net, terms) != JG_NET_OK) {
        fprintf(stderr, "%s\n", jg_net_errmsg(net));
        goto done;
    }
    if (mode == JG_NET_PARTIALS && jg_net_n_terms(net) == 0) {
        fprintf(stderr, "%s: names no terms: add a `terms` statement, or give --terms LIST (xxx,xxxx)\n", spec);
        goto done;
    }
    fputs(jg_net_warnings(net), stderr);
    n_in = jg_net_n_in(net);
    n_out = jg_net_n_out(net);

    /* the points, checked whole before anything is written */
    names = (const char **)jg_malloc_n(n_in, sizeof *names);
    name_tmp = (char (*)[32])jg_malloc_n(n_in, sizeof *name_tmp);
    if (names == NULL || name_tmp == NULL) {
        jg_diag_error(&d, spec, 0, 0, "out of memory");
        goto done;
    }
    for (k = 0; k < n_in; k++)
        names[k] = input_name(net, k, name_tmp[k]);
    if (cli_source_open(&src, pfile, n_in, names, &d) != 0)
        goto done;
    if (use_oracle && oracle_open(&orc, spec, &d) != 0)
        goto done;

    out.format = a.format;
    out.mode = mode;
    out.digits = precision == JG_NET_FLOAT ? 9 : 17;
    out.f32 = precision == JG_NET_FLOAT;
    out.net = net;
    out.ni = n_in;
    out.no = n_out;
    out.per2 = mode == JG_NET_HESSIAN ? n_in * n_in : mode == JG_NET_HESSIAN_DIAG ? jg_net_n_over(net) : 1;
    out.nt = jg_net_n_terms(net);
    out.n = src.n;
    chunk = chunk_points(&out, use_oracle);
    if (chunk > src.n)
        chunk = src.n > 0 ? src.n : 1;
    x = (double *)jg_malloc(jg_mul(jg_mul(chunk, n_in, &overflow), sizeof *x, &overflow));
    u = (double *)jg_malloc(jg_mul(jg_mul(chunk, per_point(&out, 0), &overflow), sizeof *u, &overflow));
    du = quantities(&out) >= 2 ? (double *)jg_malloc(jg_mul(jg_mul(chunk, per_point(&out, 1), &overflow),
                                                            sizeof *du, &overflow))
                               : NULL;
    d2u = quantities(&out) >= 3 ? (double *)jg_malloc(jg_mul(jg_mul(chunk, per_point(&out, 2), &overflow),
                                                             sizeof *d2u, &overflow))
                                : NULL;
    if (overflow || x == NULL || u == NULL || (quantities(&out) >= 2 && du == NULL)
        || (quantities(&out) >= 3 && d2u == NULL)) {
        jg_diag_error(&d, spec, 0, 0, "out of memory for the results of %zu points", chunk);
        goto done;
    }
    inputs[0] = spec;
    inputs[1] = jg_net_weights_path(net);
    inputs[2] = pfile != NULL && strcmp(pfile, "-") != 0 ? pfile : NULL;
    if (sink_open(&out, opath, inputs, &d) != 0)
        goto finish;

    cli_progress_start(&progress, "eval");
    while (src.done < src.n) {
        const size_t n = cli_source_read(&src, x, chunk, &d);
        if (n == 0)
            break;
        if (precision == JG_NET_FLOAT)
            for (k = 0; k < n * n_in; k++)      /* the points the float code sees, shown so */
                x[k] = (float)x[k];
        if (use_oracle ? oracle_run(&orc, mode, n, x, u, du, d2u) != 0
            : mode == JG_NET_PARTIALS ? jg_net_partials(net, n, x, u) != JG_NET_OK
                                      : jg_net_run(net, mode, n, x, u, du, d2u) != JG_NET_OK) {
            jg_diag_error(&d, spec, 0, 0, "out of memory for the results of %zu points", n);
            break;
        }
        if (sink_write(&out, n, x, u, du, d2u) != 0) {
            jg_diag_error(&d, opath != NULL ? opath : "<stdout>", 0, 0, "write error: %s", strerror(errno));
            break;
        }
        cli_progress_show(&progress, src.done, src.n);
    }
    cli_progress_end(&progress);
    ok = d.n_errors == 0 && src.done == src.n;
finish:
    sink_finish(&out, ok, &d);
    if (d.n_errors == 0)
        rc = 0;
done:
    cli_source_close(&src);
    oracle_free(&orc);
    cli_report(&d);
    jg_diag_free(&d);
    jg_net_free(net);
    jg_free(names);
    jg_free(name_tmp);
    jg_free(x);
    jg_free(u);
    jg_free(du);
    jg_free(d2u);
    return rc;
}
