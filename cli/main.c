/* main.c: the command line, one file per command (check.c, emit.c, eval.c,
   init.c, verify.c; common.c for what they share). `jetgen check|emit|eval|verify SPEC ...`; see
   `jetgen --help` and README.md. Exit status: 0 success, 1 bad input, 2 bad
   usage. Errors go to stderr; nothing is written unless all went well, and
   files are written to a temporary name, then renamed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jetgen.h"

static const char *const commands[] = {"check", "emit", "eval", "init", "verify"};

/* An option: `--word...`, or `-x` (one letter). */
static int is_option(const char *s)
{
    return (s[0] == '-' && s[1] == '-' && s[2] != '\0')
        || (s[0] == '-' && ((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z')) && s[2] == '\0');
}

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

static int run(int argc, char **argv);

/* Every command's output is checked: a failed write of stdout (a full
   device, a closed pipe) is an error, whatever the command said. */
int main(int argc, char **argv)
{
    int rc = run(argc, argv);
    if (cli_stdout_status() != 0 && rc == 0)
        rc = 1;
    return rc;
}

static int run(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (cmd == NULL)
        return cli_usage_error(usage_main, "%s", "no command given");
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || (argc > 2 && strcmp(argv[2], "--version") == 0)) {
        printf("jetgen %s\n", JETGEN_VERSION);
        return 0;
    }
    {
        /* `--opt=value` is `--opt value`; an option given twice is an error */
        char **args = (char **)malloc(2 * (size_t)argc * sizeof *args);
        char *names = (char *)malloc(4096 + (size_t)argc * 64);   /* the option names split off, copied */
        size_t used = 0;
        int n = 0, i, j, rc;
        size_t k;
        if (args == NULL || names == NULL) {
            free(args);
            free(names);
            fputs("jetgen: out of memory\n", stderr);
            return 1;
        }
        for (i = 2; i < argc; i++) {
            const char *eq = argv[i][0] == '-' && argv[i][1] == '-' ? strchr(argv[i], '=') : NULL;
            const size_t len = eq != NULL ? (size_t)(eq - argv[i]) : 0;
            if (eq != NULL && len > 2 && len < 64) {
                memcpy(names + used, argv[i], len);
                names[used + len] = '\0';
                args[n++] = names + used;
                args[n++] = (char *)(eq + 1);
                used += len + 1;
            } else {
                args[n++] = argv[i];
            }
        }
        args[n] = NULL;
        for (i = 0; i < n; i++)
            for (j = 0; j < i && is_option(args[i]) && strcmp(args[i], "--help") != 0; j++)
                if (strcmp(args[i], args[j]) == 0) {
                    char msg[128];
                    snprintf(msg, sizeof msg, "option '%.80s' given twice", args[i]);
                    free(args);
                    free(names);
                    return cli_usage_error(usage_main, "%s", msg);
                }
        for (k = 0; k < sizeof commands / sizeof commands[0]; k++)
            if (strcmp(cmd, commands[k]) == 0)
                break;
        rc = k == 0 ? cli_check(n, args) : k == 1 ? cli_emit(n, args, argc, argv) : k == 2 ? cli_eval(n, args)
           : k == 3 ? cli_init(n, args) : k == 4 ? cli_verify(n, args) : -1;
        free(args);
        free(names);
        if (rc >= 0)
            return rc;
    }
    {
        size_t k;
        for (k = 0; k < sizeof commands / sizeof commands[0]; k++)
            if (jg_edit_distance(cmd, strlen(cmd), commands[k], strlen(commands[k])) <= 2) {
                char msg[160];
                snprintf(msg, sizeof msg, "unknown command '%.60s' (did you mean '%s'?)", cmd, commands[k]);
                return cli_usage_error(usage_main, "%s", msg);
            }
    }
    return cli_usage_error(usage_main, "unknown command '%s'", cmd);
}
