/* test_mutation.c: `jetgen verify --precision float` catches a 0.1% error
   in any activation's value, first or second derivative. For each
   activation of gen/activations.h, a network dense 4, the activation,
   dense 1 (sqrt after exp) is verified in float by jetgen-mutant (the command line built
   with runtime/kernels.c's JETGEN_MUTANT hook, tests only): as it is, it
   passes (float's tolerances are not too tight), and with the activation's
   s, s' or s'' times 1.001 it fails (they are not too loose), where that
   quantity is not zero everywhere (s'' of relu, leaky_relu, hardtanh);
   and verify of a spec's terms catches s''' or s'''' times 1.001. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "jetgen.h"
#include "testutil.h"

START_TEST(verify_in_float_catches_a_mutant)
{
    static const double w1[8] = {0.5, -0.25, 0.125, 1.0, -1.0, 2.0, 0.75, -0.5};
    const char *act = jg_activation_name((size_t)_i / 3), *cli = getenv("JETGEN_MUTANT_CLI");
    const int order = _i % 3;
    const char *dir = tu_tmpdir();
    char spec[512], cmd[4096];
    tu_tensor t[2] = {{"a.weight", "F64", 2, {4, 1, 0, 0}, w1}, {"b.weight", "F64", 2, {1, 4, 0, 0}, w1}};
    int len, rc;
    ck_assert(act != NULL && cli != NULL);
    if (order == 2 && (strcmp(act, "relu") == 0 || strcmp(act, "leaky_relu") == 0 || strcmp(act, "hardtanh") == 0))
        return;     /* s'' = 0 wherever it is defined: 1.001 times it is the same */
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, 2);
    /* sqrt and acos on their domains: after exp, after tanh (off them both
       sides are NaN alike) */
    len = snprintf(spec, sizeof spec, "input 1\nweights w.safetensors\ndense 4 a\n%s%s%s\ndense 1 b\n",
                   strcmp(act, "sqrt") == 0 ? "exp\n" : strcmp(act, "acos") == 0 ? "tanh\n" : "", act,
                   strcmp(act, "pow") == 0 ? " n=3" : "");
    tu_write_file(tu_path(dir, "a.spec"), spec, (size_t)len);
    snprintf(cmd, sizeof cmd, "'%s' verify '%s/a.spec' --precision float --count 32 >'%s/out.txt' 2>&1", cli, dir,
             dir);
    rc = tu_run(cmd);
    if (rc != 0) {
        char *out = tu_read_file(tu_path(dir, "out.txt"), NULL);
        ck_abort_msg("%s as it is fails verify in float (%d):\n%s", act, rc, out ? out : "");
    }
    snprintf(cmd, sizeof cmd, "JETGEN_MUTANT=%s:%d:1e-3 '%s' verify '%s/a.spec' --precision float --count 32 "
             ">'%s/out.txt' 2>&1", act, order, cli, dir, dir);
    rc = tu_run(cmd);
    if (rc != 1) {
        char *out = tu_read_file(tu_path(dir, "out.txt"), NULL);
        ck_abort_msg("%s with s%s times 1.001: verify in float gives %d, not 1 (FAILED):\n%s", act,
                     order == 0 ? "" : order == 1 ? "'" : "''", rc, out ? out : "");
    }
}
END_TEST

/* `jetgen verify` of a spec's terms (issue 25) in double catches a 0.1%
   error in any activation's third or fourth derivative (its Taylor
   kernel's coefficient), where that derivative is not zero everywhere. */
START_TEST(verify_of_terms_catches_a_mutant)
{
    static const double w1[8] = {0.5, -0.25, 0.125, 1.0, -1.0, 2.0, 0.75, -0.5};
    const char *act = jg_activation_name((size_t)_i / 2), *cli = getenv("JETGEN_MUTANT_CLI");
    const int order = 3 + _i % 2;
    const char *dir = tu_tmpdir();
    char spec[512], cmd[4096];
    tu_tensor t[2] = {{"a.weight", "F64", 2, {4, 1, 0, 0}, w1}, {"b.weight", "F64", 2, {1, 4, 0, 0}, w1}};
    int len, rc;
    ck_assert(act != NULL && cli != NULL);
    if (strcmp(act, "relu") == 0 || strcmp(act, "leaky_relu") == 0 || strcmp(act, "hardtanh") == 0
        || (strcmp(act, "pow") == 0 && order == 4))
        return;     /* that derivative is 0 wherever it is defined (pow: n = 3) */
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, 2);
    len = snprintf(spec, sizeof spec, "input x\nterms \"\" x xx xxx xxxx\nweights w.safetensors\ndense 4 a\n%s%s%s\n"
                   "dense 1 b\n", strcmp(act, "sqrt") == 0 ? "exp\n" : strcmp(act, "acos") == 0 ? "tanh\n" : "", act,
                   strcmp(act, "pow") == 0 ? " n=3" : "");
    tu_write_file(tu_path(dir, "a.spec"), spec, (size_t)len);
    snprintf(cmd, sizeof cmd, "'%s' verify '%s/a.spec' --count 32 >'%s/out.txt' 2>&1", cli, dir, dir);
    rc = tu_run(cmd);
    if (rc != 0) {
        char *out = tu_read_file(tu_path(dir, "out.txt"), NULL);
        ck_abort_msg("%s as it is fails verify of its terms (%d):\n%s", act, rc, out ? out : "");
    }
    snprintf(cmd, sizeof cmd, "JETGEN_MUTANT=%s:%d:1e-3 '%s' verify '%s/a.spec' --count 32 >'%s/out.txt' 2>&1", act,
             order, cli, dir, dir);
    rc = tu_run(cmd);
    if (rc != 1) {
        char *out = tu_read_file(tu_path(dir, "out.txt"), NULL);
        ck_abort_msg("%s with its derivative of order %d times 1.001: verify gives %d, not 1 (FAILED):\n%s", act,
                     order, rc, out ? out : "");
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mutation");
    TCase *tc = tcase_create("mutation");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, verify_in_float_catches_a_mutant, 0, 3 * JG_N_ACTIVATIONS);
    tcase_add_loop_test(tc, verify_of_terms_catches_a_mutant, 0, 2 * JG_N_ACTIVATIONS);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
