/* test_golden.c: the emitted C, byte for byte. Each case runs the jetgen
   program from the source root on a spec in the repository and compares
   what it writes with a file in tests/golden/, so that the output changes
   only when the generator does, and when it does the change is seen in
   the diff of the golden files. After a deliberate change to the
   generator or the templates, rewrite them with
       meson compile -C build golden-update
   (this program with --update) and commit them with the change.
   A change detector, not a check of correctness: the golden files were
   written by the generator itself, so they say only that the output did
   not change. Whether the numbers are right is for the suites that compare
   with independent references (reference, oracle, layers, matrix, net). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "testutil.h"

typedef struct golden_case {
    const char *file;   /* in tests/golden/ */
    const char *args;   /* jetgen's arguments; the output goes to stdout */
} golden_case;

static const golden_case cases[] = {
    {"pinn-xt.c", "emit tests/data/pinn-xt/model.spec --prefix pinn -o -"},
    {"pinn-xt.h", "emit tests/data/pinn-xt/model.spec --prefix pinn --header -"},
    {"pinn-xt-float-single.h", "emit tests/data/pinn-xt/model.spec --prefix pinnf --precision float "
                               "--hessian full,diag,laplacian --single-header -"},
    {"layers.c", "emit tests/golden/layers.spec --prefix layers --hessian full,diag,laplacian -o -"},
    {"layers-single.h", "emit tests/golden/layers.spec --prefix layers --hessian diag,laplacian "
                        "--single-header -"},
    {"graph.c", "emit tests/golden/graph.spec --prefix graph --hessian full,diag,laplacian -o -"},
    /* the terms' partials (issue 25): a product of series in a graph, and
       one input's series (Horner's rule in registers) in float */
    {"graph-terms.c", "emit tests/golden/graph.spec --prefix graph --terms '\"\",x,xy,xxyy,yyy' -o -"},
    {"pinn-xt-terms-float-single.h", "emit tests/data/pinn-xt/model.spec --prefix kdv --precision float "
                                     "--terms '\"\",x,xx,xxx,xxxx' --single-header -"},
    {"pinn-xt-terms.h", "emit tests/data/pinn-xt/model.spec --prefix kdv --terms '\"\",x,xx,xxx,xxxx' "
                        "--header -"},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* Runs case k; returns what jetgen wrote to stdout (owned by the caller),
   or NULL with the reason in why (no Check calls: --update runs it too). */
static char *run_case(size_t k, size_t *len, jg_buf *why)
{
    const char *root = getenv("JG_SOURCE_ROOT"), *jetgen = getenv("JETGEN");
    const char *dir = tu_tmpdir();
    jg_buf cmd = JG_BUF_INIT;
    char *out = NULL;
    if (root == NULL || jetgen == NULL) {
        jg_buf_puts(why, "JG_SOURCE_ROOT and JETGEN must be set (meson sets them)");
        return NULL;
    }
    jg_buf_printf(&cmd, "cd '%s' && '%s' %s > '%s/out' 2> '%s/err'", root, jetgen, cases[k].args, dir, dir);
    if (tu_run(jg_buf_str(&cmd)) != 0) {
        char *err = tu_read_file(tu_path(dir, "err"), NULL);
        jg_buf_printf(why, "`%s` failed:\n%s", jg_buf_str(&cmd), err != NULL ? err : "");
        free(err);
    } else {
        out = tu_read_file(tu_path(dir, "out"), len);
    }
    jg_buf_free(&cmd);
    return out;
}

START_TEST(emitted_c_matches_golden_file)
{
    const size_t k = (size_t)_i;
    char path[1024];
    size_t got_len, want_len, at, line = 1;
    jg_buf why = JG_BUF_INIT;
    char *got = run_case(k, &got_len, &why), *want;
    ck_assert_msg(got != NULL, "%s", jg_buf_str(&why));
    snprintf(path, sizeof path, "%s/tests/golden/%s", getenv("JG_SOURCE_ROOT"), cases[k].file);
    want = tu_read_file(path, &want_len);
    ck_assert_msg(want != NULL, "%s is missing: make it with `meson compile -C build golden-update`", path);
    for (at = 0; at < got_len && at < want_len && got[at] == want[at]; at++)
        line += got[at] == '\n';
    if (at < got_len || at < want_len) {
        size_t g = at;     /* the start of the line that differs, in both */
        while (g > 0 && got[g - 1] != '\n')
            g--;
        ck_abort_msg("jetgen %s differs from tests/golden/%s at line %zu:\n  got:  %.*s\n  want: %.*s\n"
                     "If the generator changed on purpose: meson compile -C build golden-update",
                     cases[k].args, cases[k].file, line, (int)strcspn(got + g, "\n"), got + g,
                     (int)strcspn(want + g, "\n"), want + g);
    }
    free(got);
    free(want);
    jg_buf_free(&why);
}
END_TEST

/* Writes every golden file from the current generator. */
static int update(void)
{
    size_t k;
    for (k = 0; k < N_CASES; k++) {
        char path[1024];
        size_t len;
        jg_buf why = JG_BUF_INIT;
        char *out = run_case(k, &len, &why);
        if (out == NULL) {
            fprintf(stderr, "%s\n", jg_buf_str(&why));
            return 1;
        }
        snprintf(path, sizeof path, "%s/tests/golden/%s", getenv("JG_SOURCE_ROOT"), cases[k].file);
        tu_write_file(path, out, len);
        printf("wrote %s (%zu bytes)\n", path, len);
        free(out);
    }
    return 0;
}

int main(int argc, char **argv)
{
    Suite *s;
    TCase *tc;
    if (argc == 2 && strcmp(argv[1], "--update") == 0)
        return update();
    s = suite_create("golden");
    tc = tcase_create("golden");
    tcase_add_loop_test(tc, emitted_c_matches_golden_file, 0, (int)N_CASES);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
