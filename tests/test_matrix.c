/* test_matrix.c: the compile matrix. The pinn-xt network is emitted in each
   of its three forms (the .c alone; a program that includes the .h, linked
   with the .c; one file that includes the single header with
   PREFIX_IMPLEMENTATION, and with PREFIX_STATIC as well), in double and in
   float, and each is compiled by gcc, clang, tcc, g++ and clang++ with
   -Wall -Wextra -pedantic -Werror (-std=c99 for the C compilers) into a
   program that prints u, du, d2u, d2u_diag and lap at the reference
   points. Every build
   must compile without a warning and give the same numbers:
     double: normwise error at most 1e-12 against PyTorch float64
             (tests/data/pinn-xt/expected-f64.json), for each point and
             quantity (d2u_diag and lap against the diagonal and trace of
             PyTorch's Hessian);
     float:  at most twice PyTorch's own float32 error plus 8 float epsilons,
             the bound of test_reference.c. */
#include <check.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "load.h"
#include "model.h"
#include "template.h"
#include "testutil.h"

static const char *const compilers[] = {
    "gcc -std=c99 -O2 -Wall -Wextra -pedantic -Werror",
    "clang -std=c99 -O2 -Wall -Wextra -pedantic -Werror",
    "tcc -std=c99 -Wall -Wextra -pedantic -Werror",
    "g++ -x c++ -O2 -Wall -Wextra -pedantic -Werror",
    "clang++ -x c++ -O2 -Wall -Wextra -pedantic -Werror",
};
#define N_COMPILERS (sizeof compilers / sizeof compilers[0])

enum { FORM_SOURCE, FORM_HEADER, FORM_SINGLE, FORM_SINGLE_STATIC, N_FORMS };
static const char *const form_names[N_FORMS] = {".c", ".h + .c", "single header",
                                                "single header, static"};

/* The driver: reads points (N_IN numbers each) from stdin, prints u, du,
   d2u, d2u_diag, lap of each, one number a line. DRIVER_INCLUDE is the
   line that brings the network in; model_ is renamed to the prefix. */
static const char driver[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "DRIVER_INCLUDE\n"
    "#define NI MODEL_N_IN\n"
    "#define NO MODEL_N_OUT\n"
    "int main(void)\n"
    "{\n"
    "    model_real x[NI], u[NO], du[NO * NI], d2u[NO * NI * NI], dd[NO * NI], lap[NO];\n"
    "    double v;\n"
    "    size_t i;\n"
    "    for (;;) {\n"
    "        for (i = 0; i < NI; i++) {\n"
    "            if (scanf(\"%lf\", &v) != 1)\n"
    "                return 0;\n"
    "            x[i] = (model_real)v;\n"
    "        }\n"
    "        model_hessian(1, x, u, du, d2u);\n"
    "        model_hessian_diag(1, x, NULL, NULL, dd);\n"
    "        model_laplacian(1, x, NULL, NULL, lap);\n"
    "        for (i = 0; i < NO; i++) printf(\"%.17g\\n\", (double)u[i]);\n"
    "        for (i = 0; i < NO * NI; i++) printf(\"%.17g\\n\", (double)du[i]);\n"
    "        for (i = 0; i < NO * NI * NI; i++) printf(\"%.17g\\n\", (double)d2u[i]);\n"
    "        for (i = 0; i < NO * NI; i++) printf(\"%.17g\\n\", (double)dd[i]);\n"
    "        for (i = 0; i < NO; i++) printf(\"%.17g\\n\", (double)lap[i]);\n"
    "    }\n"
    "}\n";

/* The five quantities of one point, PyTorch's or a build's. */
typedef struct point_result {
    double *q[5];
    size_t len[5];
} point_result;

static const char *const quantity[5] = {"u", "du", "d2u", "d2u_diag", "lap"};

static void results_alloc(point_result *r, size_t ni, size_t no)
{
    size_t k;
    r->len[0] = no;
    r->len[1] = no * ni;
    r->len[2] = no * ni * ni;
    r->len[3] = no * ni;
    r->len[4] = no;
    for (k = 0; k < 5; k++)
        r->q[k] = calloc(r->len[k], sizeof(double));
}

static void results_free(point_result *r)
{
    size_t k;
    for (k = 0; k < 5; k++)
        free(r->q[k]);
}

/* Point p of a reference file, with d2u_diag and lap from its Hessian. */
static void reference_point(const tu_reference *ref, size_t p, point_result *r)
{
    const size_t ni = ref->n_in, no = ref->n_out;
    size_t k, i;
    memcpy(r->q[0], ref->u + p * no, no * sizeof(double));
    memcpy(r->q[1], ref->du + p * no * ni, no * ni * sizeof(double));
    memcpy(r->q[2], ref->d2u + p * no * ni * ni, no * ni * ni * sizeof(double));
    for (k = 0; k < no; k++) {
        r->q[4][k] = 0;
        for (i = 0; i < ni; i++) {
            r->q[3][k * ni + i] = r->q[2][(k * ni + i) * ni + i];
            r->q[4][k] += r->q[2][(k * ni + i) * ni + i];
        }
    }
}

static void write_buf(const char *dir, const char *name, const jg_buf *b)
{
    tu_write_file(tu_path(dir, name), b->data, b->len);
}

START_TEST(every_form_compiles_and_agrees)
{
    const size_t form = (size_t)_i % N_FORMS, cc = (size_t)_i / N_FORMS % N_COMPILERS;
    const int is_float = _i / (N_FORMS * N_COMPILERS) == 1;
    const char *prefix = is_float ? "pinnf" : "pinn";
    const char *dir = tu_tmpdir();
    char spec[1024], path[1024], msg[4096];
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    jg_buf src = JG_BUF_INIT, h = JG_BUF_INIT, drv = JG_BUF_INIT, include = JG_BUF_INIT, cmd = JG_BUF_INIT;
    tu_reference r64, r32;
    point_result want, want32, got;
    size_t p, k, i, n_in;
    char *out, *s;

    snprintf(spec, sizeof spec, "%s/pinn-xt/model.spec", tu_data_dir());
    m = jg_load(spec, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    n_in = m->n_in;

    /* the network in the form under test, and the driver that includes it */
    if (form == FORM_SOURCE || form == FORM_HEADER) {
        ck_assert_msg(tu_emit(m, JG_TARGET_FILE, prefix, is_float ? JG_FLOAT : JG_DOUBLE, &src, &h, msg,
                              sizeof msg) == 0, "%s", msg);
        write_buf(dir, "net.c", &src);
        write_buf(dir, "net.h", &h);
        jg_buf_puts(&include, form == FORM_SOURCE ? "#include \"net.c\"" : "#include \"net.h\"");
    } else {
        ck_assert_msg(tu_emit(m, JG_TARGET_SINGLE, prefix, is_float ? JG_FLOAT : JG_DOUBLE, &src, NULL, msg,
                              sizeof msg) == 0, "%s", msg);
        write_buf(dir, "net_single.h", &src);
        jg_buf_printf(&include, "%s#define MODEL_IMPLEMENTATION\n#include \"net_single.h\"\n"
                      "#include \"net_single.h\"     /* twice: the guards hold */",
                      form == FORM_SINGLE_STATIC ? "#define MODEL_STATIC\n" : "");
    }
    {
        jg_buf text = JG_BUF_INIT;
        const char *at = strstr(driver, "DRIVER_INCLUDE");
        jg_buf_putn(&text, driver, (size_t)(at - driver));
        jg_buf_puts(&text, jg_buf_str(&include));
        jg_buf_puts(&text, at + strlen("DRIVER_INCLUDE"));
        jg_tpl_rename(&drv, jg_buf_str(&text), text.len, prefix);
        jg_buf_free(&text);
    }
    write_buf(dir, "driver.c", &drv);

    /* build and run */
    /* build and run: the .c is compiled on its own in every form that has
       one (in FORM_SOURCE the driver includes it as well) */
    jg_buf_printf(&cmd, "cd '%s' && ", dir);
    if (form == FORM_SOURCE || form == FORM_HEADER)
        jg_buf_printf(&cmd, "%s -c net.c -o net.o 2>>cc.log && ", compilers[cc]);
    jg_buf_printf(&cmd, "%s -c driver.c -o driver.o 2>>cc.log && ", compilers[cc]);
    jg_buf_printf(&cmd, "%.*s driver.o %s -o driver -lm 2>>cc.log && ./driver < points > out.txt",
                  (int)strcspn(compilers[cc], " "), compilers[cc], form == FORM_HEADER ? "net.o" : "");
    snprintf(path, sizeof path, "%s/tests/data/pinn-xt/expected-f64.json", getenv("JG_SOURCE_ROOT"));
    tu_reference_load(&r64, path);
    snprintf(path, sizeof path, "%s/tests/data/pinn-xt/expected-f32.json", getenv("JG_SOURCE_ROOT"));
    tu_reference_load(&r32, path);
    {
        jg_buf pts = JG_BUF_INIT;
        for (p = 0; p < r64.n; p++)
            for (i = 0; i < n_in; i++)
                jg_buf_printf(&pts, "%.17g%c", r64.x[p * n_in + i], i + 1 == n_in ? '\n' : ' ');
        write_buf(dir, "points", &pts);
        jg_buf_free(&pts);
    }
    if (tu_run(jg_buf_str(&cmd)) != 0) {
        char *log = tu_read_file(tu_path(dir, "cc.log"), NULL);
        ck_abort_msg("%s, %s: `%s` failed:\n%s", form_names[form], compilers[cc], jg_buf_str(&cmd),
                     log != NULL ? log : "");
    }
    out = tu_read_file(tu_path(dir, "out.txt"), NULL);
    ck_assert(out != NULL);

    /* compare, point by point */
    results_alloc(&want, n_in, m->n_out);
    results_alloc(&want32, n_in, m->n_out);
    results_alloc(&got, n_in, m->n_out);
    s = out;
    for (p = 0; p < r64.n; p++) {
        reference_point(&r64, p, &want);
        reference_point(&r32, p, &want32);
        for (k = 0; k < 5; k++)
            for (i = 0; i < got.len[k]; i++) {
                char *end;
                got.q[k][i] = strtod(s, &end);
                ck_assert_msg(end != s, "%s, %s: the program printed too few numbers", form_names[form],
                              compilers[cc]);
                s = end;
            }
        for (k = 0; k < 5; k++) {
            const double e = tu_normwise(got.q[k], want.q[k], got.len[k]);
            const double tol = is_float ? 2 * tu_normwise(want32.q[k], want.q[k], got.len[k]) + 8 * FLT_EPSILON
                                        : 1e-12;
            ck_assert_msg(e <= tol, "%s, %s, %s: %s at point %zu: normwise error %.3g > %.3g",
                          form_names[form], compilers[cc], is_float ? "float" : "double", quantity[k], p,
                          e, tol);
        }
    }
    free(out);
    results_free(&want);
    results_free(&want32);
    results_free(&got);
    tu_reference_free(&r64);
    tu_reference_free(&r32);
    jg_buf_free(&src);
    jg_buf_free(&h);
    jg_buf_free(&drv);
    jg_buf_free(&include);
    jg_buf_free(&cmd);
    jg_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("matrix");
    TCase *tc = tcase_create("matrix");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, every_form_compiles_and_agrees, 0, (int)(2 * N_FORMS * N_COMPILERS));
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
