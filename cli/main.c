/* main.c: the command line, one file per command (check.c, emit.c, eval.c,
   init.c, verify.c; common.c for what they share). `jetgen check|emit|eval|verify SPEC ...`; see
   `jetgen --help` and README.md. Exit status: 0 success, 1 bad input, 2 bad
   usage. Errors go to stderr; nothing is written unless all went well, and
   files are written to a temporary name, then renamed. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jetgen.h"

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
        printf("jetgen %s\n", JETGEN_VERSION);
        return 0;
    }
    if (strcmp(cmd, "check") == 0)
        return cli_check(argc - 2, argv + 2);
    if (strcmp(cmd, "emit") == 0)
        return cli_emit(argc - 2, argv + 2, argc, argv);
    if (strcmp(cmd, "eval") == 0)
        return cli_eval(argc - 2, argv + 2);
    if (strcmp(cmd, "init") == 0)
        return cli_init(argc - 2, argv + 2);
    if (strcmp(cmd, "verify") == 0)
        return cli_verify(argc - 2, argv + 2);
    return cli_usage_error(usage_main, "unknown command '%s'", cmd);
}
