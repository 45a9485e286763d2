/* eval.c: `jetgen eval SPEC`: the network at points from a file or stdin,
   through the library (include/jetgen.h), printed as text or JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fdiff.h"
#include "jetgen.h"
#include "mem.h"
#include "model.h"
#include "plan.h"

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
    "  --precision P        compute in double (default) or float\n"
    "  --oracle             compute with verify's reference instead of the\n"
    "                       compiled code: the network in long double, du and\n"
    "                       d2u by central differences with Richardson\n"
    "                       extrapolation (slow; for checking)\n";

/* The long-double oracle (gen/fdiff.h) at the points, in the layouts of
   mode. 0, or -1 with the reason in d. */
static int run_oracle(const char *spec, int mode, const cli_points *pts, double *u, double *du, double *d2,
                      jg_diag *d)
{
    jg_model *m = jg_model_load(spec, d);
    jg_fdiff *f = m != NULL ? jg_fdiff_new(m) : NULL;
    long double *lu = NULL, *ldu = NULL, *ldu_err = NULL, *ld2 = NULL, *ld2_err = NULL;
    size_t p, k, i, ni, no, per2;
    int rc = -1, overflow = 0;
    if (m == NULL)
        return -1;
    ni = m->n_in;
    no = m->n_out;
    per2 = jg_plan_per_output2(m, (jg_mode)mode);
    lu = (long double *)jg_malloc_n(no, sizeof *lu);
    ldu = (long double *)jg_malloc_n(jg_mul(no, ni, &overflow), sizeof *ldu);
    ldu_err = (long double *)jg_malloc_n(jg_mul(no, ni, &overflow), sizeof *ldu);
    ld2 = (long double *)jg_malloc_n(jg_mul(jg_mul(no, ni, &overflow), ni, &overflow), sizeof *ld2);
    ld2_err = (long double *)jg_malloc_n(jg_mul(jg_mul(no, ni, &overflow), ni, &overflow), sizeof *ld2);
    if (f == NULL || overflow || lu == NULL || ldu == NULL || ldu_err == NULL || ld2 == NULL || ld2_err == NULL) {
        jg_diag_error(d, spec, 0, 0, "out of memory for the oracle");
        goto done;
    }
    for (p = 0; p < pts->n; p++) {
        if (jg_fdiff_jet(f, pts->x + p * ni, lu, ldu, ldu_err, ld2, ld2_err) != 0) {
            jg_diag_error(d, spec, 0, 0, "out of memory for the oracle");
            goto done;
        }
        for (k = 0; k < no; k++) {
            u[p * no + k] = (double)lu[k];
            for (i = 0; mode >= JG_MODE_JACOBIAN && i < ni; i++)
                du[(p * no + k) * ni + i] = (double)ldu[k * ni + i];
            if (mode == JG_MODE_HESSIAN)
                for (i = 0; i < ni * ni; i++)
                    d2[(p * no + k) * per2 + i] = (double)ld2[k * ni * ni + i];
            else if (mode == JG_MODE_DIAG || mode == JG_MODE_LAPLACIAN) {
                long double sum = 0;
                for (i = 0; i < m->n_over; i++) {
                    const size_t s = m->over != NULL ? m->over[i] : i;
                    const long double v = ld2[(k * ni + s) * ni + s];
                    sum += v;
                    if (mode == JG_MODE_DIAG)
                        d2[(p * no + k) * per2 + i] = (double)v;
                }
                if (mode == JG_MODE_LAPLACIAN)
                    d2[p * no + k] = (double)sum;
            }
        }
    }
    rc = 0;
done:
    jg_free(lu);
    jg_free(ldu);
    jg_free(ldu_err);
    jg_free(ld2);
    jg_free(ld2_err);
    jg_fdiff_free(f);
    jg_model_free(m);
    return rc;
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

/* Second-derivative values per output for a mode: N_IN^2, N_OVER or 1. */
static void print_json(size_t n_in, size_t n_over, size_t n_out, int mode, const cli_points *pts,
                       const double *u, const double *du, const double *d2u)
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
    if (mode >= JG_NET_JACOBIAN) {
        fputs(",\n \"du\": ", stdout);
        json_array(du, dims, 3);
    }
    if (mode == JG_NET_HESSIAN) {
        fputs(",\n \"d2u\": ", stdout);
        json_array(d2u, dims, 4);
    } else if (mode == JG_NET_HESSIAN_DIAG) {
        fputs(",\n \"d2u_diag\": ", stdout);
        dims[2] = n_over;
        json_array(d2u, dims, 3);
    } else if (mode == JG_NET_LAPLACIAN) {
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
    size_t p, k, i, j, ni = jg_net_n_in(m), no = jg_net_n_out(m), ns = jg_net_n_over(m);
    char a[32], b[32];
    for (p = 0; p < pts->n; p++) {
        printf("%spoint %zu:", p ? "\n" : "", p + 1);
        for (i = 0; i < ni; i++)
            printf(" %s = %.17g", input_name(m, i, a), pts->x[p * ni + i]);
        printf("\n  %6s %24s", "k", "u");
        for (i = 0; mode >= JG_NET_JACOBIAN && i < ni; i++) {
            char h[48];
            snprintf(h, sizeof h, "du/d%s", input_name(m, i, a));
            printf(" %24s", h);
        }
        if (mode == JG_NET_LAPLACIAN)
            printf(" %24s", ns < ni ? "laplacian (over)" : "laplacian");
        for (i = 0; mode == JG_NET_HESSIAN_DIAG && i < ns; i++) {
            char h[48];
            snprintf(h, sizeof h, "d2u/d%s2", input_name(m, jg_net_over_input(m, i), a));
            printf(" %24s", h);
        }
        for (i = 0; mode == JG_NET_HESSIAN && i < ni; i++)
            for (j = i; j < ni; j++) {
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
            for (i = 0; mode >= JG_NET_JACOBIAN && i < ni; i++)
                printf(" %24.*g", digits, du[pk * ni + i]);
            if (mode == JG_NET_LAPLACIAN)
                printf(" %24.*g", digits, d2u[pk]);
            for (i = 0; mode == JG_NET_HESSIAN_DIAG && i < ns; i++)
                printf(" %24.*g", digits, d2u[pk * ns + i]);
            for (i = 0; mode == JG_NET_HESSIAN && i < ni; i++)
                for (j = i; j < ni; j++)
                    printf(" %24.*g", digits, d2u[(pk * ni + i) * ni + j]);
            printf("\n");
        }
    }
}

int cli_eval(int argc, char **argv)
{
    jg_diag d = JG_DIAG_INIT;
    jg_net *net = NULL;
    jg_net_options opt;
    cli_points pts = {0, 0, NULL};
    const char *spec = NULL, *pfile = NULL, *format = "text";
    double *u = NULL, *du = NULL, *d2u = NULL;
    int precision = JG_NET_DOUBLE;
    int i, order = 2, mode, rc = EXIT_INPUT, overflow = 0, oracle = 0;
    unsigned hessian = JG_NET_EMIT_HESSIAN;
    size_t nu, ndu, nd2u, n_in, n_out;
    FILE *fp = stdin;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            fputs(usage_eval, stdout);
            return 0;
        } else if (strcmp(a, "--oracle") == 0) {
            oracle = 1;
        } else if (strcmp(a, "--order") == 0 || strcmp(a, "--points") == 0 || strcmp(a, "--format") == 0
                   || strcmp(a, "--precision") == 0 || strcmp(a, "--hessian") == 0) {
            if (i + 1 == argc)
                return cli_usage_error(usage_eval, "'%s' needs a value", a);
            if (strcmp(a, "--hessian") == 0) {
                const char *v = argv[++i];
                hessian = cli_hessian_bit(v, strlen(v));
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
    mode = order < 2 ? order : hessian == JG_NET_EMIT_HESSIAN ? JG_NET_HESSIAN
         : hessian == JG_NET_EMIT_HESSIAN_DIAG ? JG_NET_HESSIAN_DIAG : JG_NET_LAPLACIAN;

    opt.precision = precision;
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
    /* the mode's second derivatives per output (the layouts of jetgen.h) */
    nd2u = jg_mul(nu, mode == JG_NET_HESSIAN ? n_in * n_in : mode == JG_NET_HESSIAN_DIAG ? jg_net_n_over(net) : 1,
                  &overflow);
    if (!overflow) {
        u = (double *)jg_malloc(jg_mul(nu, sizeof *u, &overflow));
        du = mode >= 1 ? (double *)jg_malloc(jg_mul(ndu, sizeof *du, &overflow)) : NULL;
        d2u = mode >= 2 ? (double *)jg_malloc(jg_mul(nd2u, sizeof *d2u, &overflow)) : NULL;
    }
    if (overflow || u == NULL || (mode >= 1 && du == NULL) || (mode >= 2 && d2u == NULL)) {
        jg_diag_error(&d, spec, 0, 0, "out of memory for the results of %zu points", pts.n);
        goto done;
    }
    if (precision == JG_NET_FLOAT) {
        size_t k;
        digits = 9;
        for (k = 0; k < pts.n * n_in; k++)       /* the points the float code sees, shown so */
            pts.x[k] = (float)pts.x[k];
    }
    if (oracle && precision == JG_NET_FLOAT) {
        jg_diag_error(&d, spec, 0, 0, "--oracle computes in long double: no --precision float with it");
        goto done;
    }
    if (oracle) {
        if (run_oracle(spec, mode, &pts, u, du, d2u, &d) != 0)
            goto done;
    } else if (jg_net_run(net, mode, pts.n, pts.x, u, du, d2u) != JG_NET_OK) {
        jg_diag_error(&d, spec, 0, 0, "out of memory for the results of %zu points", pts.n);
        goto done;
    }
    if (strcmp(format, "json") == 0)
        print_json(n_in, jg_net_n_over(net), n_out, mode, &pts, u, du, d2u);
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
