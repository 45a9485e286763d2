/* emit.c: `jetgen emit SPEC`: writes the C of a network (.c, .h, single
   header), all files or none, each to a temporary name then renamed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jetgen.h"
#include "mem.h"

static const char usage_emit[] =
    "usage: jetgen emit SPEC [-o FILE.c] [--header FILE.h] [--single-header FILE.h]\n"
    "                   [--prefix NAME] [--precision double|float]\n"
    "                   [--hessian full,diag,laplacian] [--terms LIST]\n"
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
    "                   d2u/dx_i^2 only), laplacian (NAME_laplacian: their sum)\n"
    "  --terms LIST     partial derivatives of order 0 to 4, comma-separated\n"
    "                   (xxx,xxxx; \"\" for u), in place of the spec's `terms`:\n"
    "                   NAME_partials(n, x, out), out [n][N_OUT][N_TERMS]\n";


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

int cli_emit(int argc, char **argv, int all_argc, char **all_argv)
{
    enum { SOURCE, HEADER, SINGLE };
    jg_diag d = JG_DIAG_INIT;
    cli_output out[3] = {{NULL, JG_BUF_INIT}, {NULL, JG_BUF_INIT}, {NULL, JG_BUF_INIT}};
    jg_net_emit_options o;
    jg_net_options no;
    jg_net *net = NULL;
    const char *spec = NULL, *why, *terms = NULL;
    char *command = NULL;
    int i, k, n_stdout = 0, rc = 0;

    o.prefix = "model";
    o.functions = 0;
    no.precision = JG_NET_DOUBLE;
    no.backend = JG_NET_EXECUTOR;   /* no compile: only the plan is printed */
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            fputs(usage_emit, stdout);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--header") == 0 || strcmp(a, "--prefix") == 0
                   || strcmp(a, "--precision") == 0 || strcmp(a, "--hessian") == 0
                   || strcmp(a, "--single-header") == 0 || strcmp(a, "--terms") == 0) {
            if (i + 1 == argc)
                return cli_usage_error(usage_emit, "'%s' needs a value", a);
            if (strcmp(a, "--terms") == 0) {
                if (terms != NULL)
                    return cli_usage_error(usage_emit, "%s", "--terms given twice");
                terms = argv[++i];
            } else if (strcmp(a, "--hessian") == 0) {
                const char *v = argv[++i], *comma;
                o.functions = 0;
                for (;;) {
                    size_t len;
                    unsigned bit;
                    comma = strchr(v, ',');
                    len = comma != NULL ? (size_t)(comma - v) : strlen(v);
                    bit = cli_hessian_bit(v, len);
                    if (bit == 0)
                        return cli_usage_error(usage_emit, "--hessian takes full, diag and laplacian, "
                                               "comma-separated, not '%s'", argv[i]);
                    o.functions |= bit;
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
            else if (cli_parse_precision(argv[++i], &no.precision) != 0)
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
    why = jg_net_prefix_problem(o.prefix);
    if (why != NULL) {
        fprintf(stderr, "jetgen: prefix '%s' is not a usable C identifier: %s\n", o.prefix, why);
        return EXIT_USAGE;
    }
    if (jg_net_open(spec, &no, &net) != JG_NET_OK || (terms != NULL && jg_net_set_terms(net, terms) != JG_NET_OK)) {
        fprintf(stderr, "%s\n", net != NULL ? jg_net_errmsg(net) : "out of memory");
        jg_net_free(net);
        return EXIT_INPUT;
    }
    fputs(jg_net_warnings(net), stderr);
    command = join_args(all_argc - 1, all_argv + 1);
    o.command = command;
    for (k = 0; k < 3; k++) {
        char *text = NULL;
        size_t len = 0;
        if (out[k].path == NULL)
            continue;
        o.form = k == SOURCE ? JG_NET_EMIT_SOURCE : k == HEADER ? JG_NET_EMIT_HEADER : JG_NET_EMIT_SINGLE;
        if (jg_net_emit(net, &o, &text, &len) != JG_NET_OK) {
            jg_diag_error(&d, spec, 0, 0, "%s", jg_net_errmsg(net));
            goto done;
        }
        jg_buf_putn(&out[k].text, text, len);
        jg_net_free_text(text);
        if (out[k].text.failed) {
            jg_diag_error(&d, spec, 0, 0, "out of memory");
            goto done;
        }
    }
    {
        const char *inputs[2];
        inputs[0] = spec;
        inputs[1] = jg_net_weights_path(net);
        cli_write_outputs(out, 3, inputs, 2, &d);
    }
done:
    rc = cli_report(&d);
    for (k = 0; k < 3; k++)
        jg_buf_free(&out[k].text);
    jg_free(command);
    jg_diag_free(&d);
    jg_net_free(net);
    return rc;
}
