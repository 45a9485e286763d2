/* init.c: `jetgen init WEIGHTS`: a starting spec from a weights file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jetgen.h"

static const char usage_init[] =
    "usage: jetgen init WEIGHTS.safetensors [--activation NAME] [-o SPEC]\n"
    "\n"
    "Writes a spec for the dense layers of WEIGHTS: every rank-2 tensor NAME.weight,\n"
    "in the natural order of the names (linears.2 before linears.10), chained by\n"
    "their shapes, with the activation between them (default tanh; with its\n"
    "PyTorch default parameters). The spec names the weights file without its\n"
    "folder: keep the spec beside it. -o writes to SPEC (default: stdout).\n";


int cli_init(int argc, char **argv)
{
    jg_diag d = JG_DIAG_INIT;
    const char *weights = NULL, *out = NULL, *act = "tanh";
    char *text = NULL, *message = NULL;
    size_t i, len = 0;
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
    if (!cli_is_activation(act)) {
        const char *guess = cli_activation_suggest(act);
        char msg[160];
        if (guess != NULL) {
            snprintf(msg, sizeof msg, "--activation: unknown activation '%.60s' (did you mean '%s'?)", act, guess);
            return cli_usage_error(usage_init, "%s", msg);
        }
        return cli_usage_error(usage_init, "--activation takes an activation (tanh, sigmoid, gelu, ...), not '%s'",
                               act);
    }
    if (jg_spec_from_weights(weights, act, &text, &len, &message) != JG_NET_OK) {
        fprintf(stderr, "%s\n", message != NULL ? message : "out of memory");
    } else {
        cli_output o = {NULL, JG_BUF_INIT};
        o.path = out != NULL ? out : "-";
        jg_buf_putn(&o.text, text, len);
        if (o.text.failed)
            jg_diag_error(&d, weights, 0, 0, "out of memory");
        else
            cli_write_outputs(&o, 1, &weights, 1, &d);
        jg_buf_free(&o.text);
        rc = d.n_errors ? EXIT_INPUT : 0;
    }
    cli_report(&d);
    jg_diag_free(&d);
    jg_net_free_text(text);
    jg_net_free_text(message);
    return rc;
}
