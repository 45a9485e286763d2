/* jetgen.c: the command line. `jetgen check|emit|eval|verify SPEC ...`; see
   `jetgen --help` and README.md. Exit status: 0 success, 1 bad input, 2 bad
   usage. Errors go to stderr; nothing is written unless all went well, and
   files are written to a temporary name, then renamed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "jetgen.h"
#include "emit.h"
#include "jit.h"
#include "mem.h"
#include "model.h"
#include "plan.h"
#include "safetensors.h"

static const char usage_main[] =
    "usage: jetgen COMMAND SPEC [OPTIONS]\n"
    "\n"
    "jetgen turns a layer spec and its safetensors weights into C that computes\n"
    "u(x), du/dx and d2u/dx2 of the network in closed form.\n"
    "\n"
    "commands:\n"
    "  check SPEC   validate spec and weights; print layers, parameters, FLOPs\n"
    "  emit SPEC    write the C source (and header)\n"
    "  eval SPEC    compile in memory with libtcc and evaluate at points\n"
    "  verify SPEC  check the emitted derivatives against differences in long double\n"
    "  init WEIGHTS write a starting spec from the tensors of a safetensors file\n"
    "\n"
    "`jetgen COMMAND --help` tells more. --version prints the version.\n";

static const char usage_check[] =
    "usage: jetgen check SPEC\n"
    "\n"
    "Reads SPEC and the weights it names, reports every error with its place,\n"
    "and prints the layers with their shapes, the parameter count and the\n"
    "floating-point operations per point for each derivative mode. Warns about\n"
    "layers whose second derivative is zero almost everywhere (relu, ...).\n";

static const char usage_emit[] =
    "usage: jetgen emit SPEC [-o FILE.c] [--header FILE.h] [--single-header FILE.h]\n"
    "                   [--prefix NAME] [--precision double|float]\n"
    "                   [--hessian full,diag,laplacian]\n"
    "\n"
    "Writes one or more of (at least one; `-` for one of them is stdout):\n"
    "  -o FILE.c        the C99 source, which holds its own declarations\n"
    "  --header FILE.h  a header with the declarations, for FILE.c\n"
    "  --single-header FILE.h\n"
    "                   one file in the stb way: declarations, and the bodies\n"
    "                   where NAME_IMPLEMENTATION is defined (NAME_STATIC: all\n"
    "                   functions static); NAME in upper case\n"
    "Options:\n"
    "  --prefix NAME    names of the emitted functions: NAME_eval,\n"
    "                   NAME_jacobian, NAME_hessian (default: model)\n"
    "  --precision P    the type of every number: double (default) or float\n"
    "  --hessian LIST   the second-derivative functions, comma-separated:\n"
    "                   full (NAME_hessian, the default), diag (NAME_hessian_diag:\n"
    "                   d2u/dx_i^2 only), laplacian (NAME_laplacian: their sum)\n";

static const char usage_eval[] =
    "usage: jetgen eval SPEC [--order 0|1|2] [--points FILE] [--format json|text]\n"
    "                   [--precision double|float] [--hessian full|diag|laplacian]\n"
    "\n"
    "Compiles the network in memory with libtcc and evaluates it at the points:\n"
    "N_IN numbers per line, from FILE or stdin (blank lines and # comments are\n"
    "skipped).\n"
    "  --order 0|1|2        u; u and du/dx; u, du/dx and d2u/dx2 (default 2)\n"
    "  --hessian H          with order 2: full (default, \"d2u\"), diag (\"d2u_diag\":\n"
    "                       d2u/dx_i^2 only) or laplacian (\"lap\": their sum)\n"
    "  --format json|text   json: {\"points\", \"u\", \"du\", \"d2u\"} with %.17g numbers\n"
    "                       (%.9g in float; null for NaN and infinities); text: a\n"
    "                       table (default)\n"
    "  --precision P        compute in double (default) or float\n";

static const char usage_init[] =
    "usage: jetgen init WEIGHTS.safetensors [--activation NAME] [-o SPEC]\n"
    "\n"
    "Writes a spec for the dense layers of WEIGHTS: every rank-2 tensor NAME.weight,\n"
    "in the natural order of the names (linears.2 before linears.10), chained by\n"
    "their shapes, with the activation between them (default tanh; with its\n"
    "PyTorch default parameters). The spec names the weights file without its\n"
    "folder: keep the spec beside it. -o writes to SPEC (default: stdout).\n";

int cli_usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "jetgen: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}

/* --precision's value into *p; 0, or -1 when it is neither. */
int cli_parse_precision(const char *v, jg_precision *p)
{
    if (strcmp(v, "double") == 0)
        *p = JG_DOUBLE;
    else if (strcmp(v, "float") == 0)
        *p = JG_FLOAT;
    else
        return -1;
    return 0;
}

/* One --hessian name into its JG_HESSIAN_* bit, or 0. */
static unsigned hessian_bit(const char *v, size_t len)
{
    static const char *const names[3] = {"full", "diag", "laplacian"};
    unsigned k;
    for (k = 0; k < 3; k++)
        if (strlen(names[k]) == len && strncmp(v, names[k], len) == 0)
            return 1u << k;
    return 0;
}

/* Prints the collected messages; returns the exit status they call for. */
int cli_report(jg_diag *d)
{
    fputs(jg_buf_str(&d->text), stderr);
    return d->n_errors ? EXIT_INPUT : 0;
}

/* ---- check ---- */

/* v with the fewest digits that read back exactly. */
static void print_number(double v)
{
    char s[40];
    int prec;
    for (prec = 6; prec < 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, v);
        if (strtod(s, NULL) == v)
            break;
    }
    printf("%.*g", prec, v);
}

static void print_flops(const char *what, double f)
{
    printf("  %-24s %.0f\n", what, f);
}

static int cmd_check(int argc, char **argv)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    size_t i;
    const char *spec = NULL;
    int rc;
    for (i = 0; i < (size_t)argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage_check, stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error(usage_check, "unknown option '%s'", argv[i]);
        } else if (spec != NULL) {
            return cli_usage_error(usage_check, "one SPEC only ('%s' is extra)", argv[i]);
        }
        spec = argv[i];
    }
    if (spec == NULL)
        return cli_usage_error(usage_check, "%s", "no SPEC given");
    m = jg_model_load(spec, &d);
    if (m != NULL)
        jg_model_warn(m, &d);
    rc = cli_report(&d);
    jg_diag_free(&d);
    if (m == NULL)
        return rc ? rc : EXIT_INPUT;
    printf("%s: ok\n", spec);
    printf("  input   %zu", m->n_in);
    if (m->input_names != NULL)
        for (i = 0; i < m->n_in; i++)
            printf("%s%s", i ? " " : " (", m->input_names[i]);
    printf("%s\n", m->input_names != NULL ? ")" : "");
    printf("  weights %s\n\n", m->weights_path);
    printf("  layer  line  kind            out     in  parameters  tensor / arguments\n");
    for (i = 0; i < m->n_layers; i++) {
        const jg_layer *l = &m->layers[i];
        int k;
        printf("  %5zu  %4d  %-12s %6zu %6zu", i + 1, l->line, l->info->keyword, l->n_out, l->n_in);
        if (l->kind == JG_DENSE)
            printf("  %10zu  %s (%s%s)", jg_layer_params(l), l->tensor, l->dtype,
                   l->b ? ", with bias" : ", no bias");
        else if (l->kind == JG_FOURIER)
            printf("  %10zu  %s (%s)", jg_layer_params(l), l->tensor, l->dtype);
        else if (l->kind == JG_SCALE) {
            printf("  %10zu  mul ", jg_layer_params(l));
            if (l->tensor)
                printf("%s", l->tensor);
            else
                print_number(l->param[0]);
            if (l->tensor2) {
                printf(", add %s", l->tensor2);
            } else {
                printf(", add ");
                print_number(l->param[1]);
            }
        } else if (l->kind == JG_RESIDUAL || l->kind == JG_END)
            printf("  %10s  block %d", "", l->depth + 1);
        for (k = 0; k < l->info->n_params; k++) {
            printf("%s%s=", k ? " " : "  " "          " "  ", l->info->param_name[k]);
            print_number(l->param[k]);
        }
        printf("\n");
    }
    printf("\n  outputs     %zu\n  parameters  %zu\n", m->n_out, jg_model_params(m));
    printf("  floating-point operations per point (a multiply-add counts 2):\n");
    print_flops("u", jg_model_flops(m, JG_MODE_VALUE));
    print_flops("u, du/dx", jg_model_flops(m, JG_MODE_JACOBIAN));
    print_flops("u, du/dx, d2u/dx2", jg_model_flops(m, JG_MODE_HESSIAN));
    print_flops("u, du/dx, diag d2u/dx2", jg_model_flops(m, JG_MODE_DIAG));
    print_flops("u, du/dx, Laplacian", jg_model_flops(m, JG_MODE_LAPLACIAN));
    for (i = 0; i < 2; i++) {
        jg_plan *p = jg_plan_make(m, i ? JG_FLOAT : JG_DOUBLE, &d);
        if (p == NULL)
            break;
        if (i == 0)
            printf("  plan (the layout every back end runs):\n");
        printf("  %-6s  points per tile %zu, %zu, %zu, %zu, %zu (u; du; d2u; diag; Laplacian), "
               "work space %zu bytes, %s\n", i ? "float" : "double", p->tile[0], p->tile[1], p->tile[2],
               p->tile[3], p->tile[4], p->work_bytes,
               p->on_stack ? "on the stack" : "from malloc in the plain functions");
        jg_plan_free(p);
    }
    cli_report(&d);
    jg_diag_free(&d);
    jg_model_free(m);
    return 0;
}

/* ---- emit ---- */

/* Writes text to a temporary file beside path, readable as the umask allows
   (mkstemp makes it private); *tmp_out is its name, for write_outputs().
   Returns 0 or -1 with a message in d. */
static int write_temp(const char *path, const jg_buf *text, jg_diag *d, char **tmp_out)
{
    size_t n = strlen(path);
    char *tmp = (char *)jg_malloc(n + 16);
    mode_t mask;
    int fd;
    FILE *fp;
    if (tmp == NULL) {
        jg_diag_error(d, path, 0, 0, "out of memory");
        return -1;
    }
    memcpy(tmp, path, n);
    strcpy(tmp + n, ".tmp.XXXXXX");
    fd = mkstemp(tmp);
    if (fd < 0) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        jg_free(tmp);
        return -1;
    }
    mask = umask(0);
    umask(mask);
    fp = fdopen(fd, "wb");
    if (fp == NULL || fchmod(fd, 0666 & ~mask) != 0
        || fwrite(text->data, 1, text->len, fp) != text->len || fclose(fp) != 0) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        if (fp == NULL)
            close(fd);
        unlink(tmp);
        jg_free(tmp);
        return -1;
    }
    *tmp_out = tmp;
    return 0;
}

/* The outputs of one command: each is written to a temporary file first
   and renamed only when all of them were written, so that a failure
   leaves every target as it was. "-" is stdout. */
typedef struct output {
    const char *path;
    jg_buf text;
    char *tmp;
} output;

static void write_outputs(output *out, size_t n, jg_diag *d)
{
    size_t k;
    for (k = 0; k < n && d->n_errors == 0; k++)
        if (out[k].path != NULL && strcmp(out[k].path, "-") != 0)
            write_temp(out[k].path, &out[k].text, d, &out[k].tmp);
    for (k = 0; k < n && d->n_errors == 0; k++)
        if (out[k].path != NULL && strcmp(out[k].path, "-") == 0
            && (fwrite(out[k].text.data, 1, out[k].text.len, stdout) != out[k].text.len
                || fflush(stdout) != 0))
            jg_diag_error(d, "<stdout>", 0, 0, "write error");
    for (k = 0; k < n; k++) {
        if (out[k].tmp == NULL)
            continue;
        if (d->n_errors == 0 && rename(out[k].tmp, out[k].path) != 0)
            jg_diag_error(d, out[k].path, 0, 0, "cannot rename: %s", strerror(errno));
        if (d->n_errors != 0)
            unlink(out[k].tmp);
        jg_free(out[k].tmp);
    }
}

static char *join_args(int argc, char **argv)
{
    jg_buf b = JG_BUF_INIT;
    int i;
    jg_buf_puts(&b, "jetgen");
    for (i = 0; i < argc; i++) {
        jg_buf_putc(&b, ' ');
        jg_buf_puts(&b, argv[i]);
    }
    if (b.failed) {
        jg_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int cmd_emit(int argc, char **argv, int all_argc, char **all_argv)
{
    enum { SOURCE, HEADER, SINGLE };
    jg_diag d = JG_DIAG_INIT;
    output out[3] = {{NULL, JG_BUF_INIT, NULL}, {NULL, JG_BUF_INIT, NULL}, {NULL, JG_BUF_INIT, NULL}};
    jg_emit_opts o;
    jg_model *m;
    const char *spec = NULL, *why;
    char *command;
    int i, k, n_stdout = 0, rc = 0;

    o.prefix = "model";
    o.target = JG_TARGET_FILE;
    o.precision = JG_DOUBLE;
    o.hessians = 0;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            fputs(usage_emit, stdout);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--header") == 0 || strcmp(a, "--prefix") == 0
                   || strcmp(a, "--precision") == 0 || strcmp(a, "--hessian") == 0
                   || strcmp(a, "--single-header") == 0) {
            if (i + 1 == argc)
                return cli_usage_error(usage_emit, "'%s' needs a value", a);
            if (strcmp(a, "--hessian") == 0) {
                const char *v = argv[++i], *comma;
                o.hessians = 0;
                for (;;) {
                    size_t len;
                    unsigned bit;
                    comma = strchr(v, ',');
                    len = comma != NULL ? (size_t)(comma - v) : strlen(v);
                    bit = hessian_bit(v, len);
                    if (bit == 0)
                        return cli_usage_error(usage_emit, "--hessian takes full, diag and laplacian, "
                                               "comma-separated, not '%s'", argv[i]);
                    o.hessians |= bit;
                    if (comma == NULL)
                        break;
                    v = comma + 1;
                }
            } else if (strcmp(a, "-o") == 0)
                out[SOURCE].path = argv[++i];
            else if (strcmp(a, "--header") == 0)
                out[HEADER].path = argv[++i];
            else if (strcmp(a, "--single-header") == 0)
                out[SINGLE].path = argv[++i];
            else if (strcmp(a, "--prefix") == 0)
                o.prefix = argv[++i];
            else if (cli_parse_precision(argv[++i], &o.precision) != 0)
                return cli_usage_error(usage_emit, "--precision takes double or float, not '%s'", argv[i]);
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error(usage_emit, "unknown option '%s'", a);
        } else if (spec != NULL) {
            return cli_usage_error(usage_emit, "one SPEC only ('%s' is extra)", a);
        } else {
            spec = a;
        }
    }
    if (spec == NULL)
        return cli_usage_error(usage_emit, "%s", "no SPEC given");
    for (k = 0; k < 3; k++)
        n_stdout += out[k].path != NULL && strcmp(out[k].path, "-") == 0;
    if (out[SOURCE].path == NULL && out[HEADER].path == NULL && out[SINGLE].path == NULL)
        return cli_usage_error(usage_emit, "%s", "no output given: -o FILE.c, --header FILE.h or "
                           "--single-header FILE.h (- for stdout)");
    if (n_stdout > 1)
        return cli_usage_error(usage_emit, "%s", "only one output can go to stdout (-)");
    why = jg_prefix_problem(o.prefix);
    if (why != NULL) {
        fprintf(stderr, "jetgen: prefix '%s' is not a usable C identifier: %s\n", o.prefix, why);
        return EXIT_USAGE;
    }
    m = jg_model_load(spec, &d);
    if (m == NULL) {
        rc = cli_report(&d);
        jg_diag_free(&d);
        return rc ? rc : EXIT_INPUT;
    }
    jg_model_warn(m, &d);
    command = join_args(all_argc - 1, all_argv + 1);
    o.command = command;
    if ((out[SOURCE].path != NULL || out[HEADER].path != NULL)
        && jg_emit(m, &o, &out[SOURCE].text, &out[HEADER].text, &d) != 0)
        goto done;
    o.target = JG_TARGET_SINGLE;
    if (out[SINGLE].path != NULL && jg_emit(m, &o, &out[SINGLE].text, NULL, &d) != 0)
        goto done;
    write_outputs(out, 3, &d);
done:
    rc = cli_report(&d);
    for (k = 0; k < 3; k++)
        jg_buf_free(&out[k].text);
    jg_free(command);
    jg_diag_free(&d);
    jg_model_free(m);
    return rc;
}

/* ---- eval ---- */

int cli_jit(const jg_model *m, const char *spec, jg_precision precision, jg_jit **jit, jg_diag *d)
{
    jg_buf src = JG_BUF_INIT;
    jg_emit_opts o;
    int rc = -1;
    o.prefix = "model";
    o.target = JG_TARGET_JIT;
    o.command = NULL;
    o.precision = precision;
    o.hessians = JG_HESSIAN_ALL;
    if (jg_emit(m, &o, &src, NULL, d) != 0)
        goto done;
    switch (jg_jit_compile("<jit model.c>", jg_buf_str(&src), jit)) {
    case JG_OK:
        rc = 0;
        break;
    case JG_ENOMEM:
        jg_diag_error(d, spec, 0, 0, "out of memory compiling the network");
        break;
    default:
        jg_diag_error(d, spec, 0, 0, "internal error: libtcc rejected the emitted code:\n%s",
                      jg_jit_errmsg(*jit));
        break;
    }
done:
    jg_buf_free(&src);
    return rc;
}

/* The next line of fp, '\n' included, NUL-terminated, into *line (grown
   with jg_realloc; *cap its size). Returns 1, 0 at the end of the file, -1
   out of memory, -2 for a line longer than 1 MiB. */
static int read_line(FILE *fp, char **line, size_t *cap)
{
    size_t len = 0;
    int c;
    while ((c = getc(fp)) != EOF) {
        if (len + 2 > *cap) {
            size_t nc = *cap ? 2 * *cap : 256;
            char *nl;
            if (nc > ((size_t)1 << 20))
                return -2;
            nl = (char *)jg_realloc(*line, nc);
            if (nl == NULL)
                return -1;
            *line = nl;
            *cap = nc;
        }
        (*line)[len++] = (char)c;
        if (c == '\n')
            break;
    }
    if (len == 0)
        return 0;
    (*line)[len] = '\0';
    return 1;
}

/* Reads N_IN numbers per line from fp into pts; every bad line is
   reported. Returns 0 or -1. */
int cli_read_points(FILE *fp, const char *name, size_t n_in, cli_points *pts, jg_diag *d)
{
    char *line = NULL;
    size_t cap = 0, k;
    int lineno = 0, errors0 = d->n_errors, got;
    double *vals = (double *)jg_malloc_n(n_in, sizeof *vals);
    if (vals == NULL) {
        jg_diag_error(d, name, 0, 0, "out of memory");
        return -1;
    }
    while ((got = read_line(fp, &line, &cap)) > 0) {
        char *s = line, *end, *hash = strchr(line, '#');
        size_t count = 0;
        int bad = 0;
        lineno++;
        if (hash != NULL)
            *hash = '\0';
        for (;;) {
            double v;
            while (*s == ' ' || *s == '\t' || *s == ',' || *s == '\r' || *s == '\n')
                s++;
            if (*s == '\0')
                break;
            v = strtod(s, &end);
            if (end == s || (*end != '\0' && strchr(" \t,\r\n", *end) == NULL)) {
                jg_diag_error(d, name, lineno, (int)(s - line) + 1, "not a number");
                bad = 1;
                break;
            }
            if (count < n_in)
                vals[count] = v;
            count++;
            s = end;
        }
        if (bad || count == 0)
            continue;
        if (count != n_in) {
            jg_diag_error(d, name, lineno, 0, "expected %zu number%s, found %zu", n_in,
                          n_in == 1 ? "" : "s", count);
            continue;
        }
        if (pts->n == pts->cap) {
            int overflow = 0;
            size_t nc = pts->cap ? 2 * pts->cap : 64;
            double *nx = (double *)jg_realloc_n(pts->x, jg_mul(nc, n_in, &overflow), sizeof *nx);
            if (nx == NULL) {
                jg_diag_error(d, name, lineno, 0, "out of memory");
                break;
            }
            pts->x = nx;
            pts->cap = nc;
        }
        for (k = 0; k < n_in; k++)
            pts->x[pts->n * n_in + k] = vals[k];
        pts->n++;
    }
    jg_free(line);
    jg_free(vals);
    if (got < 0)
        jg_diag_error(d, name, lineno + 1, 0, got == -1 ? "out of memory" : "line longer than 1 MiB");
    else if (ferror(fp))
        jg_diag_error(d, name, 0, 0, "read error");
    return d->n_errors == errors0 ? 0 : -1;
}

static int digits = 17;     /* significant digits of results: 17, or 9 in float */

static void json_number(double v)
{
    if (isfinite(v))
        printf("%.*g", digits, v);
    else
        printf("null");
}

/* Prints v as nested JSON arrays of the given dims (row-major). */
static void json_array(const double *v, const size_t *dims, int rank)
{
    size_t i, stride = 1;
    int r;
    for (r = 1; r < rank; r++)
        stride *= dims[r];
    putchar('[');
    for (i = 0; i < dims[0]; i++) {
        if (i)
            fputs(", ", stdout);
        if (rank == 1)
            json_number(v[i]);
        else
            json_array(v + i * stride, dims + 1, rank - 1);
    }
    putchar(']');
}

/* Second-derivative values per output for a mode: N_IN^2, N_IN or 1. */
static void print_json(size_t n_in, size_t n_out, int mode, const cli_points *pts, const double *u,
                       const double *du, const double *d2u)
{
    size_t dims[4];
    dims[0] = pts->n;
    dims[1] = n_in;
    fputs("{\"points\": ", stdout);
    json_array(pts->x, dims, 2);
    dims[1] = n_out;
    dims[2] = dims[3] = n_in;
    fputs(",\n \"u\": ", stdout);
    json_array(u, dims, 2);
    if (mode >= JG_MODE_JACOBIAN) {
        fputs(",\n \"du\": ", stdout);
        json_array(du, dims, 3);
    }
    if (mode == JG_MODE_HESSIAN) {
        fputs(",\n \"d2u\": ", stdout);
        json_array(d2u, dims, 4);
    } else if (mode == JG_MODE_DIAG) {
        fputs(",\n \"d2u_diag\": ", stdout);
        json_array(d2u, dims, 3);
    } else if (mode == JG_MODE_LAPLACIAN) {
        fputs(",\n \"lap\": ", stdout);
        json_array(d2u, dims, 2);
    }
    fputs("}\n", stdout);
}

static const char *input_name(const jg_net *m, size_t i, char tmp[32])
{
    if (jg_net_input_name(m, i) != NULL)
        return jg_net_input_name(m, i);
    if (jg_net_n_in(m) == 1)
        return "x";
    snprintf(tmp, 32, "x%zu", i);
    return tmp;
}

static void print_text(const jg_net *m, int mode, const cli_points *pts, const double *u,
                       const double *du, const double *d2u)
{
    size_t p, k, i, j, ni = jg_net_n_in(m), no = jg_net_n_out(m);
    char a[32], b[32];
    for (p = 0; p < pts->n; p++) {
        printf("%spoint %zu:", p ? "\n" : "", p + 1);
        for (i = 0; i < ni; i++)
            printf(" %s = %.17g", input_name(m, i, a), pts->x[p * ni + i]);
        printf("\n  %6s %24s", "k", "u");
        for (i = 0; mode >= JG_MODE_JACOBIAN && i < ni; i++) {
            char h[48];
            snprintf(h, sizeof h, "du/d%s", input_name(m, i, a));
            printf(" %24s", h);
        }
        if (mode == JG_MODE_LAPLACIAN)
            printf(" %24s", "laplacian");
        for (i = 0; (mode == JG_MODE_HESSIAN || mode == JG_MODE_DIAG) && i < ni; i++)
            for (j = i; j < (mode == JG_MODE_HESSIAN ? ni : i + 1); j++) {
                char h[80];
                if (i == j)
                    snprintf(h, sizeof h, "d2u/d%s2", input_name(m, i, a));
                else
                    snprintf(h, sizeof h, "d2u/d%sd%s", input_name(m, i, a), input_name(m, j, b));
                printf(" %24s", h);
            }
        printf("\n");
        for (k = 0; k < no; k++) {
            size_t pk = p * no + k;
            printf("  %6zu %24.*g", k, digits, u[pk]);
            for (i = 0; mode >= JG_MODE_JACOBIAN && i < ni; i++)
                printf(" %24.*g", digits, du[pk * ni + i]);
            if (mode == JG_MODE_LAPLACIAN)
                printf(" %24.*g", digits, d2u[pk]);
            for (i = 0; mode == JG_MODE_DIAG && i < ni; i++)
                printf(" %24.*g", digits, d2u[pk * ni + i]);
            for (i = 0; mode == JG_MODE_HESSIAN && i < ni; i++)
                for (j = i; j < ni; j++)
                    printf(" %24.*g", digits, d2u[(pk * ni + i) * ni + j]);
            printf("\n");
        }
    }
}

int cli_call(jg_jit_fn f, int mode, int is_float, const jg_model *m, size_t n, const double *x,
             double *u, double *du, double *d2)
{
    const size_t nx = n * m->n_in, nu = n * m->n_out, ndu = nu * m->n_in;
    const size_t nd2 = nu * jg_plan_per_output2(m->n_in, (jg_mode)mode);
    float *fx, *fu, *fdu, *fd2;
    size_t i;
    /* eval and jacobian take fewer arguments: each is called with its own type */
    if (!is_float) {
        if (mode == JG_MODE_VALUE)
            ((void (*)(size_t, const double *, double *))f)(n, x, u);
        else if (mode == JG_MODE_JACOBIAN)
            ((void (*)(size_t, const double *, double *, double *))f)(n, x, u, du);
        else
            ((void (*)(size_t, const double *, double *, double *, double *))f)(n, x, u, du, d2);
        return 0;
    }
    fx = (float *)jg_malloc_n(nx, sizeof *fx);
    fu = (float *)jg_malloc_n(nu, sizeof *fu);
    fdu = (float *)jg_malloc_n(ndu, sizeof *fdu);
    fd2 = (float *)jg_malloc_n(nd2, sizeof *fd2);
    if (fx == NULL || fu == NULL || fdu == NULL || fd2 == NULL) {
        jg_free(fx);
        jg_free(fu);
        jg_free(fdu);
        jg_free(fd2);
        return -1;
    }
    for (i = 0; i < nx; i++)
        fx[i] = (float)x[i];
    if (mode == JG_MODE_VALUE)
        ((void (*)(size_t, const float *, float *))f)(n, fx, fu);
    else if (mode == JG_MODE_JACOBIAN)
        ((void (*)(size_t, const float *, float *, float *))f)(n, fx, fu, fdu);
    else
        ((void (*)(size_t, const float *, float *, float *, float *))f)(n, fx, fu, fdu, fd2);
    for (i = 0; i < nu; i++)
        u[i] = fu[i];
    for (i = 0; mode >= 1 && i < ndu; i++)
        du[i] = fdu[i];
    for (i = 0; mode >= 2 && i < nd2; i++)
        d2[i] = fd2[i];
    jg_free(fx);
    jg_free(fu);
    jg_free(fdu);
    jg_free(fd2);
    return 0;
}

static int cmd_eval(int argc, char **argv)
{
    jg_diag d = JG_DIAG_INIT;
    jg_net *net = NULL;
    jg_net_options opt;
    cli_points pts = {0, 0, NULL};
    const char *spec = NULL, *pfile = NULL, *format = "text";
    double *u = NULL, *du = NULL, *d2u = NULL;
    jg_precision precision = JG_DOUBLE;
    int i, order = 2, mode, rc = EXIT_INPUT, overflow = 0;
    unsigned hessian = JG_HESSIAN_FULL;
    size_t nu, ndu, nd2u, n_in, n_out;
    FILE *fp = stdin;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            fputs(usage_eval, stdout);
            return 0;
        } else if (strcmp(a, "--order") == 0 || strcmp(a, "--points") == 0 || strcmp(a, "--format") == 0
                   || strcmp(a, "--precision") == 0 || strcmp(a, "--hessian") == 0) {
            if (i + 1 == argc)
                return cli_usage_error(usage_eval, "'%s' needs a value", a);
            if (strcmp(a, "--hessian") == 0) {
                const char *v = argv[++i];
                hessian = hessian_bit(v, strlen(v));
                if (hessian == 0)
                    return cli_usage_error(usage_eval, "--hessian takes full, diag or laplacian, not '%s'", v);
            } else if (strcmp(a, "--order") == 0) {
                const char *v = argv[++i];
                if (strlen(v) != 1 || v[0] < '0' || v[0] > '2')
                    return cli_usage_error(usage_eval, "--order takes 0, 1 or 2, not '%s'", v);
                order = v[0] - '0';
            } else if (strcmp(a, "--points") == 0) {
                pfile = argv[++i];
            } else if (strcmp(a, "--precision") == 0) {
                if (cli_parse_precision(argv[++i], &precision) != 0)
                    return cli_usage_error(usage_eval, "--precision takes double or float, not '%s'", argv[i]);
            } else {
                format = argv[++i];
                if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
                    return cli_usage_error(usage_eval, "--format takes json or text, not '%s'", format);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error(usage_eval, "unknown option '%s'", a);
        } else if (spec != NULL) {
            return cli_usage_error(usage_eval, "one SPEC only ('%s' is extra)", a);
        } else {
            spec = a;
        }
    }
    if (spec == NULL)
        return cli_usage_error(usage_eval, "%s", "no SPEC given");
    mode = order < 2 ? order : hessian == JG_HESSIAN_FULL ? JG_MODE_HESSIAN
         : hessian == JG_HESSIAN_DIAG ? JG_MODE_DIAG : JG_MODE_LAPLACIAN;

    opt.precision = precision == JG_FLOAT ? JG_NET_FLOAT : JG_NET_DOUBLE;
    opt.backend = JG_NET_JIT;
    switch (jg_net_open(spec, &opt, &net)) {
    case JG_NET_OK:
        break;
    case JG_NET_ENOMEM:
        fprintf(stderr, "%s: out of memory\n", spec);
        rc = EXIT_INPUT;
        goto done;
    default:
        fprintf(stderr, "%s\n", jg_net_errmsg(net));
        rc = EXIT_INPUT;
        goto done;
    }
    fputs(jg_net_warnings(net), stderr);
    if (pfile != NULL && strcmp(pfile, "-") != 0) {
        fp = fopen(pfile, "r");
        if (fp == NULL) {
            jg_diag_error(&d, pfile, 0, 0, "cannot open: %s", strerror(errno));
            goto done;
        }
    }
    n_in = jg_net_n_in(net);
    n_out = jg_net_n_out(net);
    if (cli_read_points(fp, pfile ? pfile : "<stdin>", n_in, &pts, &d) != 0)
        goto done;
    nu = jg_mul(pts.n, n_out, &overflow);
    ndu = jg_mul(nu, n_in, &overflow);
    nd2u = jg_mul(nu, jg_plan_per_output2(n_in, (jg_mode)mode), &overflow);
    if (!overflow) {
        u = (double *)jg_malloc(jg_mul(nu, sizeof *u, &overflow));
        du = mode >= 1 ? (double *)jg_malloc(jg_mul(ndu, sizeof *du, &overflow)) : NULL;
        d2u = mode >= 2 ? (double *)jg_malloc(jg_mul(nd2u, sizeof *d2u, &overflow)) : NULL;
    }
    if (overflow || u == NULL || (mode >= 1 && du == NULL) || (mode >= 2 && d2u == NULL)) {
        jg_diag_error(&d, spec, 0, 0, "out of memory for the results of %zu points", pts.n);
        goto done;
    }
    if (precision == JG_FLOAT) {
        size_t k;
        digits = 9;
        for (k = 0; k < pts.n * n_in; k++)       /* the points the float code sees, shown so */
            pts.x[k] = (float)pts.x[k];
    }
    if (jg_net_run(net, mode, pts.n, pts.x, u, du, d2u) != JG_NET_OK) {
        jg_diag_error(&d, spec, 0, 0, "out of memory for the results of %zu points", pts.n);
        goto done;
    }
    if (strcmp(format, "json") == 0)
        print_json(n_in, n_out, mode, &pts, u, du, d2u);
    else
        print_text(net, mode, &pts, u, du, d2u);
    if (fflush(stdout) != 0 || ferror(stdout))
        jg_diag_error(&d, "<stdout>", 0, 0, "write error");
    else
        rc = 0;
done:
    if (fp != stdin && fp != NULL)
        fclose(fp);
    if (d.n_errors)
        rc = EXIT_INPUT;
    cli_report(&d);
    jg_diag_free(&d);
    jg_net_free(net);
    jg_free(pts.x);
    jg_free(u);
    jg_free(du);
    jg_free(d2u);
    return rc;
}

/* ---- init ---- */

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

static int cmd_init(int argc, char **argv)
{
    jg_diag d = JG_DIAG_INIT;
    jg_buf spec = JG_BUF_INIT;
    const char *weights = NULL, *out = NULL, *act = "tanh", *base;
    const jg_layer_info *info;
    const jg_st_tensor **dense = NULL;
    jg_st_file *f;
    size_t i, n = 0;
    int rc = EXIT_INPUT;
    for (i = 0; i < (size_t)argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            fputs(usage_init, stdout);
            return 0;
        } else if (strcmp(a, "--activation") == 0 || strcmp(a, "-o") == 0) {
            if (i + 1 == (size_t)argc)
                return cli_usage_error(usage_init, "'%s' needs a value", a);
            if (a[1] == 'o')
                out = argv[++i];
            else
                act = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error(usage_init, "unknown option '%s'", a);
        } else if (weights != NULL) {
            return cli_usage_error(usage_init, "one WEIGHTS file only ('%s' is extra)", a);
        } else {
            weights = a;
        }
    }
    if (weights == NULL)
        return cli_usage_error(usage_init, "%s", "no WEIGHTS given");
    info = jg_layer_lookup(act);
    if (info == NULL || (info->kind != JG_ACTIVATION && info->kind != JG_IDENTITY))
        return cli_usage_error(usage_init, "--activation takes an activation (tanh, sigmoid, gelu, ...), not '%s'", act);
    f = jg_st_open(weights, &d);
    if (f == NULL)
        goto done;
    dense = (const jg_st_tensor **)jg_malloc_n(f->n_tensors + 1, sizeof *dense);
    if (dense == NULL) {
        jg_diag_error(&d, weights, 0, 0, "out of memory");
        goto done;
    }
    for (i = 0; i < f->n_tensors; i++) {
        const jg_st_tensor *t = &f->tensors[i];
        size_t len = strlen(t->name);
        if (t->rank == 2 && t->is_float && len > 7 && strcmp(t->name + len - 7, ".weight") == 0)
            dense[n++] = t;
    }
    if (n == 0) {
        jg_diag_error(&d, weights, 0, 0, "no rank-2 tensor named NAME.weight: no dense layer to write");
        goto done;
    }
    qsort(dense, n, sizeof *dense, cmp_tensor_names);
    for (i = 1; i < n; i++)
        if (dense[i]->shape[1] != dense[i - 1]->shape[0]) {
            jg_diag_error(&d, weights, 0, 0, "%s is [%zu, %zu] but %s gives %zu values: the tensors do not "
                          "chain; write the spec by hand", dense[i]->name, dense[i]->shape[0], dense[i]->shape[1],
                          dense[i - 1]->name, dense[i - 1]->shape[0]);
            goto done;
        }
    base = strrchr(weights, '/');
    base = base != NULL ? base + 1 : weights;
    jg_buf_printf(&spec, "# written by jetgen init from %s: check the layers and the activation\n", base);
    jg_buf_printf(&spec, "input %zu\nweights %s\n", dense[0]->shape[1], base);
    for (i = 0; i < n; i++) {
        size_t len = strlen(dense[i]->name) - 7;
        jg_buf_printf(&spec, "dense %zu %.*s\n", dense[i]->shape[0], (int)len, dense[i]->name);
        if (i + 1 < n)
            jg_buf_printf(&spec, "%s\n", act);
    }
    if (spec.failed) {
        jg_diag_error(&d, weights, 0, 0, "out of memory");
    } else {
        output o = {NULL, JG_BUF_INIT, NULL};
        o.path = out != NULL ? out : "-";
        o.text = spec;
        write_outputs(&o, 1, &d);
        rc = d.n_errors ? EXIT_INPUT : 0;
    }
done:
    cli_report(&d);
    jg_diag_free(&d);
    jg_buf_free(&spec);
    jg_free((void *)dense);
    jg_st_close(f);
    return rc;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (cmd == NULL)
        return cli_usage_error(usage_main, "%s", "no command given");
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || (argc > 2 && strcmp(argv[2], "--version") == 0)) {
        printf("jetgen %s\n", JG_VERSION);
        return 0;
    }
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "emit") == 0)
        return cmd_emit(argc - 2, argv + 2, argc, argv);
    if (strcmp(cmd, "eval") == 0)
        return cmd_eval(argc - 2, argv + 2);
    if (strcmp(cmd, "init") == 0)
        return cmd_init(argc - 2, argv + 2);
    if (strcmp(cmd, "verify") == 0)
        return cli_verify(argc - 2, argv + 2);
    return cli_usage_error(usage_main, "unknown command '%s'", cmd);
}
