/* test_matrix.c: the compile matrix. The pinn-xt network is emitted in each
   of its three forms (the .c alone; a program that includes the .h, linked
   with the .c; one file that includes the single header with
   PREFIX_IMPLEMENTATION, and with PREFIX_STATIC as well), in double and in
   float, and each is compiled by gcc, clang, tcc, g++ and clang++ with
   -Wall -Wextra -pedantic -Werror (-std=c99 for the C compilers) into a
   program that prints u, du, d2u, d2u_diag and lap at the reference
   points, and the partial derivatives of ten terms of orders 0 to 4
   (PREFIX_partials, all the points in one call). Every build
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
#include "taylor.h"
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

/* The driver: reads points (N_IN numbers each, at most 64) from stdin,
   prints u, du, d2u, d2u_diag, lap of each, one number a line, point by
   point; then the terms' partials of all the points from one call (tiles
   of several points, the last one short). DRIVER_INCLUDE is the line that
   brings the network in; model_ is renamed to the prefix. */
static const char driver[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "DRIVER_INCLUDE\n"
    "#define NI MODEL_N_IN\n"
    "#define NO MODEL_N_OUT\n"
    "#define NT MODEL_N_TERMS\n"
    "int main(void)\n"
    "{\n"
    "    static model_real xs[64 * NI], part[64 * NO * NT];\n"
    "    model_real u[NO], du[NO * NI], d2u[NO * NI * NI], dd[NO * NI], lap[NO];\n"
    "    double v;\n"
    "    size_t i, n = 0;\n"
    "    while (n < 64 && scanf(\"%lf\", &v) == 1) {\n"
    "        xs[n * NI] = (model_real)v;\n"
    "        for (i = 1; i < NI; i++) {\n"
    "            if (scanf(\"%lf\", &v) != 1)\n"
    "                return 1;\n"
    "            xs[n * NI + i] = (model_real)v;\n"
    "        }\n"
    "        n++;\n"
    "    }\n"
    "    for (i = 0; i < n; i++) {\n"
    "        const model_real *x = xs + i * NI;\n"
    "        size_t k;\n"
    "        model_hessian(1, x, u, du, d2u);\n"
    "        model_hessian_diag(1, x, NULL, NULL, dd);\n"
    "        model_laplacian(1, x, NULL, NULL, lap);\n"
    "        for (k = 0; k < NO; k++) printf(\"%.17g\\n\", (double)u[k]);\n"
    "        for (k = 0; k < NO * NI; k++) printf(\"%.17g\\n\", (double)du[k]);\n"
    "        for (k = 0; k < NO * NI * NI; k++) printf(\"%.17g\\n\", (double)d2u[k]);\n"
    "        for (k = 0; k < NO * NI; k++) printf(\"%.17g\\n\", (double)dd[k]);\n"
    "        for (k = 0; k < NO; k++) printf(\"%.17g\\n\", (double)lap[k]);\n"
    "    }\n"
    "    model_partials(n, xs, part);\n"
    "    for (i = 0; i < n * NO * NT; i++) printf(\"%.17g\\n\", (double)part[i]);\n"
    "    return 0;\n"
    "}\n";

/* The terms the network is emitted with: orders 0 to 2 checked against
   PyTorch's u, du and d2u; 3 and 4 against the long-double Taylor oracle
   (gen/taylor.c). */
#define TERMS "\"\",x,t,xx,xt,tt,xxx,xxxx,xxtt,ttt"
#define N_TERMS 10

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

/* The partials the program printed after the rest (from s on) against
   PyTorch's u, du, d2u (orders 0 to 2) and the Taylor oracle (3 and 4),
   normwise per point over the outputs and terms of each kind: double
   1e-12 (the oracle's own rounding error is far below); float 2e-6 and
   2e-5 (measured: 1e-7; float's rounding grows with the order). */
static void check_partials(const jg_model *m, const tu_reference *r, const char *s, int is_float, const char *form,
                           const char *cc)
{
    const size_t ni = m->n_in, no = m->n_out, nt = m->n_terms, vars[2] = {0, 1};
    jg_taylor *tay = jg_taylor_new(m, 2, vars, 4);
    long double *ref;
    double got[64], low[64], lowr[64], high[64], highr[64];
    size_t p, k, t, nl, nh;
    ck_assert(tay != NULL && no * nt <= 64);
    ref = malloc(no * jg_taylor_n_terms(tay) * sizeof *ref);
    for (p = 0; p < r->n; p++) {
        ck_assert_int_eq(jg_taylor_partials(tay, r->x + p * ni, ref, NULL), 0);
        for (k = 0; k < no * nt; k++) {
            char *end;
            got[k] = strtod(s, &end);
            ck_assert_msg(end != s, "%s, %s: the program printed too few partials", form, cc);
            s = end;
        }
        nl = nh = 0;
        for (k = 0; k < no; k++)
            for (t = 0; t < nt; t++) {
                const jg_term *tm = &m->terms[t];
                const double g = got[k * nt + t];
                if (tm->order <= 2) {
                    const size_t i = tm->order >= 1 ? tm->in[0] : 0, j = tm->order == 2 ? tm->in[1] : 0;
                    low[nl] = g;
                    lowr[nl++] = tm->order == 0 ? r->u[p * no + k] : tm->order == 1 ? r->du[(p * no + k) * ni + i]
                                 : r->d2u[((p * no + k) * ni + i) * ni + j];
                } else {
                    unsigned char pw[2] = {0, 0};
                    int o;
                    for (o = 0; o < tm->order; o++)
                        pw[tm->in[o]]++;
                    high[nh] = g;
                    highr[nh++] = (double)ref[k * jg_taylor_n_terms(tay) + jg_taylor_term_at(tay, pw)];
                }
            }
        {
            const double el = tu_normwise(low, lowr, nl), eh = tu_normwise(high, highr, nh);
            const double tl = is_float ? 2e-6 : 1e-12, th = is_float ? 2e-5 : 1e-12;
            ck_assert_msg(el <= tl, "%s, %s, %s: terms of order <= 2 at point %zu: normwise error %.3g > %.3g",
                          form, cc, is_float ? "float" : "double", p, el, tl);
            ck_assert_msg(eh <= th, "%s, %s, %s: terms of order 3, 4 at point %zu: normwise error %.3g > %.3g",
                          form, cc, is_float ? "float" : "double", p, eh, th);
        }
    }
    free(ref);
    jg_taylor_free(tay);
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
    ck_assert_int_eq(jg_model_set_terms(m, TERMS, &d), 0);
    ck_assert_uint_eq(m->n_terms, N_TERMS);
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
    check_partials(m, &r64, s, is_float, form_names[form], compilers[cc]);
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

/* The graph of every format-3 statement (tests/golden/graph.spec: scale,
   Fourier features, gates, products, a power, cat, slice) with terms of
   orders 0 to 4 in its three inputs, mixed, emitted as one .c in double
   and in float, built by each compiler, at 7 points in one call (a tile
   and a short one): against the long-double Taylor oracle, normwise per
   point, double 1e-12 and float 1e-5 (measured: 1e-16, 7e-8). */
static const char graph_driver[] =
    "#include <stdio.h>\n"
    "#include \"net.c\"\n"
    "int main(void)\n"
    "{\n"
    "    static graph_real xs[64 * GRAPH_N_IN], part[64 * GRAPH_N_OUT * GRAPH_N_TERMS];\n"
    "    double v;\n"
    "    size_t i, n = 0;\n"
    "    while (n < 64 * GRAPH_N_IN && scanf(\"%lf\", &v) == 1)\n"
    "        xs[n++] = (graph_real)v;\n"
    "    n /= GRAPH_N_IN;\n"
    "    graph_partials(n, xs, part);\n"
    "    for (i = 0; i < n * GRAPH_N_OUT * GRAPH_N_TERMS; i++) printf(\"%.17g\\n\", (double)part[i]);\n"
    "    return 0;\n"
    "}\n";

START_TEST(graph_terms_agree_with_the_oracle)
{
    const size_t cc = (size_t)_i % N_COMPILERS;
    const int is_float = _i / N_COMPILERS == 1;
    const size_t vars[3] = {0, 1, 2}, np = 7;
    const char *dir = tu_tmpdir();
    char spec[1024], msg[4096];
    jg_diag d = JG_DIAG_INIT;
    jg_buf src = JG_BUF_INIT, pts = JG_BUF_INIT, cmd = JG_BUF_INIT, drv = JG_BUF_INIT;
    double x[7 * 3], got[64], want[64];
    long double *ref;
    jg_taylor *tay;
    jg_model *m;
    size_t p, k, t, i;
    char *out, *s;

    snprintf(spec, sizeof spec, "%s/tests/golden/graph.spec", getenv("JG_SOURCE_ROOT"));
    m = jg_load(spec, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_int_eq(jg_model_set_terms(m, "\"\",x,t,xy,xxyy,yyy,xyt,tttt", &d), 0);
    jg_diag_free(&d);
    ck_assert_msg(tu_emit(m, JG_TARGET_FILE, "graph", is_float ? JG_FLOAT : JG_DOUBLE, &src, NULL, msg,
                          sizeof msg) == 0, "%s", msg);
    write_buf(dir, "net.c", &src);
    jg_buf_puts(&drv, graph_driver);
    write_buf(dir, "driver.c", &drv);
    for (p = 0; p < np; p++)
        for (i = 0; i < 3; i++) {
            x[p * 3 + i] = -0.9 + 0.27 * (double)p + 0.31 * (double)i - 0.05 * (double)(p * i);
            jg_buf_printf(&pts, "%.17g%c", x[p * 3 + i], i == 2 ? '\n' : ' ');
        }
    write_buf(dir, "points", &pts);
    jg_buf_printf(&cmd, "cd '%s' && %s -c driver.c -o driver.o 2>>cc.log && %.*s driver.o -o driver -lm "
                  "2>>cc.log && ./driver < points > out.txt", dir, compilers[cc],
                  (int)strcspn(compilers[cc], " "), compilers[cc]);
    if (tu_run(jg_buf_str(&cmd)) != 0) {
        char *log = tu_read_file(tu_path(dir, "cc.log"), NULL);
        ck_abort_msg("graph, %s: `%s` failed:\n%s", compilers[cc], jg_buf_str(&cmd), log != NULL ? log : "");
    }
    out = tu_read_file(tu_path(dir, "out.txt"), NULL);
    ck_assert(out != NULL);
    tay = jg_taylor_new(m, 3, vars, 4);
    ck_assert(tay != NULL && m->n_out * m->n_terms <= 64);
    ref = malloc(m->n_out * jg_taylor_n_terms(tay) * sizeof *ref);
    s = out;
    for (p = 0; p < np; p++) {
        double e;
        ck_assert_int_eq(jg_taylor_partials(tay, x + p * 3, ref, NULL), 0);
        for (k = 0; k < m->n_out; k++)
            for (t = 0; t < m->n_terms; t++) {
                unsigned char pw[3] = {0, 0, 0};
                char *end;
                int o;
                for (o = 0; o < m->terms[t].order; o++)
                    pw[m->terms[t].in[o]]++;
                want[k * m->n_terms + t] = (double)ref[k * jg_taylor_n_terms(tay) + jg_taylor_term_at(tay, pw)];
                got[k * m->n_terms + t] = strtod(s, &end);
                ck_assert_msg(end != s, "graph, %s: the program printed too few partials", compilers[cc]);
                s = end;
            }
        e = tu_normwise(got, want, m->n_out * m->n_terms);
        ck_assert_msg(e <= (is_float ? 1e-5 : 1e-12), "graph, %s, %s: the terms at point %zu: normwise error %.3g",
                      compilers[cc], is_float ? "float" : "double", p, e);
    }
    free(ref);
    free(out);
    jg_taylor_free(tay);
    jg_buf_free(&src);
    jg_buf_free(&pts);
    jg_buf_free(&cmd);
    jg_buf_free(&drv);
    jg_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("matrix");
    TCase *tc = tcase_create("matrix");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, every_form_compiles_and_agrees, 0, (int)(2 * N_FORMS * N_COMPILERS));
    tcase_add_loop_test(tc, graph_terms_agree_with_the_oracle, 0, (int)(2 * N_COMPILERS));
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
