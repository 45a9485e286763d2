/* check.c: `jetgen check SPEC`: validates a spec and its weights and
   prints the layers, sizes, operation counts and the plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model.h"
#include "plan.h"

static const char usage_check[] =
    "usage: jetgen check SPEC\n"
    "\n"
    "Reads SPEC and the weights it names, reports every error with its place,\n"
    "and prints the layers with their shapes, the parameter count and the\n"
    "floating-point operations per point for each derivative mode. Warns about\n"
    "layers whose second derivative is zero almost everywhere (relu, ...).\n";


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

int cli_check(int argc, char **argv)
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
