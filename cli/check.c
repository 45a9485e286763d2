/* check.c: `jetgen check SPEC`: validates a spec and its weights and
   prints the layers, sizes, operation counts and the plan, all through
   the library (include/jetgen.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jetgen.h"

static const char usage_check[] =
    "usage: jetgen check SPEC [--terms LIST]\n"
    "\n"
    "Reads SPEC and the weights it names, reports every error with its place,\n"
    "and prints the layers with their shapes, the parameter count and the\n"
    "floating-point operations per point for each derivative mode. Warns about\n"
    "layers whose second derivative is zero almost everywhere (relu, ...).\n"
    "  --terms LIST   partial derivatives of order 0 to 4, comma-separated\n"
    "                 (xxx,xxxx; \"\" for u), in place of the spec's `terms`:\n"
    "                 their flops a point\n";


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

/* Opens spec as jetgen check needs it: the executor (no compile) in
   precision, with the terms (or NULL: the spec's). Prints the messages
   of a failed open; NULL then. */
static jg_net *open_for_check(const char *spec, int precision, const char *terms)
{
    jg_net_options o;
    jg_net *net = NULL;
    o.precision = precision;
    o.backend = JG_NET_EXECUTOR;
    if (jg_net_open(spec, &o, &net) != JG_NET_OK || (terms != NULL && jg_net_set_terms(net, terms) != JG_NET_OK)) {
        fprintf(stderr, "%s\n", net != NULL ? jg_net_errmsg(net) : "out of memory");
        jg_net_free(net);
        return NULL;
    }
    return net;
}

int cli_check(int argc, char **argv)
{
    static const char *const what[5] = {"u", "u, du/dx", "u, du/dx, d2u/dx2", "u, du/dx, diag d2u/dx2",
                                        "u, du/dx, Laplacian"};
    jg_net *net;
    size_t i, n_in;
    const char *spec = NULL, *terms = NULL;
    int p;
    for (i = 0; i < (size_t)argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage_check, stdout);
            return 0;
        } else if (strcmp(argv[i], "--terms") == 0 || strncmp(argv[i], "--terms=", 8) == 0) {
            if (terms != NULL)
                return cli_usage_error(usage_check, "%s", "--terms given twice");
            if (argv[i][7] == '=')
                terms = argv[i] + 8;
            else if (i + 1 < (size_t)argc)
                terms = argv[++i];
            else
                return cli_usage_error(usage_check, "%s", "--terms needs a list (xxx,xxxx)");
            continue;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error(usage_check, "unknown option '%s'", argv[i]);
        } else if (spec != NULL) {
            return cli_usage_error(usage_check, "one SPEC only ('%s' is extra)", argv[i]);
        }
        spec = argv[i];
    }
    if (spec == NULL)
        return cli_usage_error(usage_check, "%s", "no SPEC given");
    net = open_for_check(spec, JG_NET_DOUBLE, terms);
    if (net == NULL)
        return EXIT_INPUT;
    fputs(jg_net_warnings(net), stderr);
    n_in = jg_net_n_in(net);
    printf("%s: ok\n", spec);
    printf("  input   %zu", n_in);
    for (i = 0; i < n_in && jg_net_input_name(net, i) != NULL; i++)
        printf("%s%s", i ? " " : " (", jg_net_input_name(net, i));
    printf("%s\n", i > 0 ? ")" : "");
    printf("  weights %s\n\n", jg_net_weights_path(net));
    printf("  layer  line  kind            out     in  parameters  tensor / arguments\n");
    for (i = 0; i < jg_net_n_layers(net); i++) {
        jg_net_layer l;
        int k;
        jg_net_layer_info(net, i, &l);
        printf("  %5zu  %4d  %-12s %6zu %6zu", i + 1, l.line, l.kind, l.n_out, l.n_in);
        if (strcmp(l.kind, "dense") == 0)
            printf("  %10zu  %s (%s%s)", l.n_params, l.tensor, l.dtype, l.has_bias ? ", with bias" : ", no bias");
        else if (strcmp(l.kind, "fourier") == 0 || strcmp(l.kind, "matmul") == 0)
            printf("  %10zu  %s (%s)", l.n_params, l.tensor, l.dtype);
        else if (strcmp(l.kind, "scale") == 0) {
            printf("  %10zu  mul ", l.n_params);
            if (l.tensor != NULL)
                printf("%s", l.tensor);
            else
                print_number(l.arg[0]);
            printf(", add ");
            if (l.tensor2 != NULL)
                printf("%s", l.tensor2);
            else
                print_number(l.arg[1]);
        } else if (l.block > 0)
            printf("  %10s  block %d", "", l.block);
        for (k = 0; strcmp(l.kind, "scale") != 0 && k < l.n_args; k++) {
            printf("%s%s=", k ? " " : "  " "          " "  ", l.arg_name[k]);
            print_number(l.arg[k]);
        }
        if (jg_net_layer_value(net, i) != NULL) {
            size_t a;
            printf("   [%s =", jg_net_layer_value(net, i));
            for (a = 0; a < jg_net_layer_n_operands(net, i); a++)
                printf(" %s", jg_net_layer_operand(net, i, a));
            printf("]");
        }
        printf("\n");
    }
    printf("\n  outputs     %zu\n  parameters  %zu\n", jg_net_n_out(net), jg_net_n_params(net));
    printf("  floating-point operations per point (a multiply-add counts 2):\n");
    for (i = 0; i < 5; i++)
        print_flops(what[i], jg_net_flops(net, (int)i));
    if (jg_net_n_terms(net) > 0) {      /* the spec's terms (orders to 4) */
        printf("  %-24s %.0f\n  (the terms:", "the terms' partials", jg_net_flops(net, JG_NET_PARTIALS));
        for (i = 0; i < jg_net_n_terms(net); i++)
            printf(" %s", jg_net_term_name(net, i));
        printf(")\n");
    }
    printf("  plan (the layout every back end runs):\n");
    for (p = JG_NET_DOUBLE; p <= JG_NET_FLOAT && net != NULL; p++) {
        printf("  %-6s  points per tile %zu, %zu, %zu, %zu, %zu (u; du; d2u; diag; Laplacian), "
               "work space %zu bytes, %s\n", p == JG_NET_FLOAT ? "float" : "double",
               jg_net_tile_points(net, 0), jg_net_tile_points(net, 1), jg_net_tile_points(net, 2),
               jg_net_tile_points(net, 3), jg_net_tile_points(net, 4), jg_net_work_bytes(net),
               jg_net_plain_allocates(net) ? "from malloc in the plain functions" : "on the stack");
        if (jg_net_n_terms(net) > 0)
            printf("  %-6s  points per tile of the terms' partials %zu\n", "", jg_net_tile_points(net, JG_NET_PARTIALS));
        jg_net_free(net);
        net = p == JG_NET_DOUBLE ? open_for_check(spec, JG_NET_FLOAT, terms) : NULL;
    }
    jg_net_free(net);
    return 0;
}
