/* test_embed.c: the programs of examples/embed, which link two networks
   emitted as single headers at build time, one C program and one C++
   program. Each is run at the reference points of seed-pinn and must print
   PyTorch's u, du/dx and d2u/dx2 (tests/data/seed-pinn/expected-f64.json,
   normwise error at most 1e-12 per point and quantity), and for the second
   network what the JIT computes for it (the same 1e-12), and its partials
   u, u_x, u_t, u_xx (against the JIT's Hessian) and u_xxx, u_xxxx (against
   the long-double Taylor oracle), emitted with --terms. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "model.h"
#include "taylor.h"
#include "testutil.h"

#define TOL 1e-12

static const char *const programs[] = {"EMBED", "EMBED_CPP"};

/* The next number after the text "after" in *s; advances *s past it. */
static double next_number(char **s, const char *after)
{
    char *at = strstr(*s, after), *end;
    double v;
    ck_assert_msg(at != NULL, "the program's output lacks '%s'", after);
    v = strtod(at + strlen(after), &end);
    ck_assert_msg(end != at + strlen(after), "no number after '%s'", after);
    *s = end;
    return v;
}

START_TEST(embedded_networks_match_references)
{
    const char *program = getenv(programs[_i]);
    const char *dir = tu_tmpdir();
    char path[1024], msg[4096];
    jg_diag d = JG_DIAG_INIT;
    jg_buf cmd = JG_BUF_INIT;
    tu_reference r;
    tu_net xt;
    jg_model *m;
    double *u, *du, *d2u;
    char *out, *s;
    size_t p, k;

    ck_assert_msg(program != NULL, "$%s is not set (meson sets it)", programs[_i]);
    snprintf(path, sizeof path, "%s/seed-pinn/expected-f64.json", tu_data_dir());
    tu_reference_load(&r, path);
    ck_assert_uint_eq(r.n_in, 1);
    jg_buf_printf(&cmd, "'%s'", program);
    for (p = 0; p < r.n; p++)
        jg_buf_printf(&cmd, " %.17g", r.x[p]);
    jg_buf_printf(&cmd, " > '%s/out'", dir);
    ck_assert_msg(tu_run(jg_buf_str(&cmd)) == 0, "`%s` failed", jg_buf_str(&cmd));
    out = tu_read_file(tu_path(dir, "out"), NULL);
    ck_assert(out != NULL);

    snprintf(path, sizeof path, "%s/pinn-xt/model.spec", tu_data_dir());
    m = jg_load(path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_msg(tu_net_jit(&xt, m, msg, sizeof msg) == 0, "%s", msg);

    u = malloc(r.n_out * sizeof *u);
    du = malloc(r.n_out * sizeof *du);
    d2u = malloc(r.n_out * sizeof *d2u);
    s = out;
    for (p = 0; p < r.n; p++) {
        double y[2], v[1], dv[2], d2v[4], got_v[1], got_dv[2], got_d2v[4];
        ck_assert(next_number(&s, "reference network at x = ") == r.x[p]);
        s = strstr(s, "d2u/dx2");
        ck_assert(s != NULL);
        s += strlen("d2u/dx2");
        for (k = 0; k < r.n_out; k++) {
            ck_assert(strtod(s, &s) == (double)k);
            u[k] = strtod(s, &s);
            du[k] = strtod(s, &s);
            d2u[k] = strtod(s, &s);
        }
        ck_assert_msg(tu_normwise(u, r.u + p * r.n_out, r.n_out) <= TOL, "%s: u at point %zu", program, p);
        ck_assert_msg(tu_normwise(du, r.du + p * r.n_out, r.n_out) <= TOL, "%s: du at point %zu", program, p);
        ck_assert_msg(tu_normwise(d2u, r.d2u + p * r.n_out, r.n_out) <= TOL, "%s: d2u at point %zu", program, p);

        y[0] = next_number(&s, "pinn-xt at (x, t) = (");
        y[1] = next_number(&s, ", ");
        got_v[0] = next_number(&s, "u ");
        got_dv[0] = next_number(&s, "du ");
        got_dv[1] = strtod(s, &s);
        got_d2v[0] = next_number(&s, "d2u ");
        for (k = 1; k < 4; k++)
            got_d2v[k] = strtod(s, &s);
        ck_assert(y[0] == r.x[p] && y[1] == 0.25);
        xt.hessian(1, y, v, dv, d2v);
        ck_assert_msg(tu_normwise(got_v, v, 1) <= TOL && tu_normwise(got_dv, dv, 2) <= TOL
                      && tu_normwise(got_d2v, d2v, 4) <= TOL,
                      "%s: the second network at point %zu differs from the JIT", program, p);
        /* its partials u, u_x, u_t, u_xx (the JIT's Hessian) and u_xxx,
           u_xxxx (the long-double Taylor oracle) */
        {
            const size_t vars[2] = {0, 1};
            const unsigned char pw[2][2] = {{3, 0}, {4, 0}};
            jg_taylor *tay = jg_taylor_new(m, 2, vars, 4);
            long double ref[15];
            double part[6], want[6];
            ck_assert(tay != NULL && jg_taylor_n_terms(tay) == 15);
            ck_assert_int_eq(jg_taylor_partials(tay, y, ref, NULL), 0);
            part[0] = next_number(&s, "partials ");
            for (k = 1; k < 6; k++)
                part[k] = strtod(s, &s);
            want[0] = v[0];
            want[1] = dv[0];
            want[2] = dv[1];
            want[3] = d2v[0];
            want[4] = (double)ref[jg_taylor_term_at(tay, pw[0])];
            want[5] = (double)ref[jg_taylor_term_at(tay, pw[1])];
            ck_assert_msg(tu_normwise(part, want, 4) <= TOL && tu_normwise(part + 4, want + 4, 2) <= TOL,
                          "%s: the second network's partials at point %zu", program, p);
            jg_taylor_free(tay);
        }
    }
    free(u);
    free(du);
    free(d2u);
    free(out);
    tu_net_free(&xt);
    jg_model_free(m);
    jg_diag_free(&d);
    jg_buf_free(&cmd);
    tu_reference_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("embed");
    TCase *tc = tcase_create("embed");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, embedded_networks_match_references, 0, 2);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
