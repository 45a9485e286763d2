/* test_cli.c: the jetgen program as a user runs it: exit statuses, messages
   with places, nothing written on failure, JSON that reproduces PyTorch's
   reference data, deterministic output, and an emitted header and source
   that build into a program. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "testutil.h"

static char dir[512];
static char out_text[1 << 16], err_text[1 << 16];

/* Runs `jetgen ARGS` in dir; returns the exit status and keeps the start
   of stdout and stderr. */
static int jetgen(const char *args)
{
    char cmd[4096], *s;
    int st;
    /* args may send stdout elsewhere itself */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s %s 2>err.txt", dir, getenv("JETGEN"), args,
             strchr(args, '>') ? "" : ">out.txt");
    st = tu_run(cmd);
    s = tu_read_file(tu_path(dir, "out.txt"), NULL);
    snprintf(out_text, sizeof out_text, "%s", s ? s : "");
    free(s);
    s = tu_read_file(tu_path(dir, "err.txt"), NULL);
    snprintf(err_text, sizeof err_text, "%s", s ? s : "");
    free(s);
    remove(tu_path(dir, "out.txt"));
    remove(tu_path(dir, "err.txt"));
    return st;
}

/* A fresh folder holding a copy of an example. */
static void setup_example(const char *name)
{
    char cmd[2048];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    snprintf(cmd, sizeof cmd, "cp '%s/%s/model.spec' '%s/%s/model.safetensors' '%s/'", tu_data_dir(), name,
             tu_data_dir(), name, dir);
    ck_assert_int_eq(tu_run(cmd), 0);
}

/* The names in dir, sorted, space-separated. */
static void listing(char *out, size_t n)
{
    char cmd[1024];
    char *s;
    snprintf(cmd, sizeof cmd, "cd '%s' && ls -A | tr '\\n' ' ' >../listing-%s.txt", dir, strrchr(dir, '/') + 1);
    ck_assert_int_eq(tu_run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/../listing-%s.txt", dir, strrchr(dir, '/') + 1);
    s = tu_read_file(cmd, NULL);
    snprintf(out, n, "%s", s ? s : "");
    free(s);
    remove(cmd);
}

START_TEST(help_and_version)
{
    setup_example("pinn-xt");
    ck_assert_int_eq(jetgen("--version"), 0);
    ck_assert_str_eq(out_text, "jetgen 0.2.0\n");
    ck_assert_int_eq(jetgen("eval --version"), 0);
    ck_assert_int_eq(jetgen("--help"), 0);
    ck_assert(strstr(out_text, "usage: jetgen COMMAND") != NULL);
    ck_assert_int_eq(jetgen("check --help"), 0);
    ck_assert_int_eq(jetgen("emit --help"), 0);
    ck_assert(strstr(out_text, "--prefix NAME") != NULL);
    ck_assert_int_eq(jetgen("eval --help"), 0);
    ck_assert_int_eq(jetgen(""), 2);
    ck_assert_int_eq(jetgen("frob x"), 2);
    ck_assert(strstr(err_text, "unknown command 'frob'") != NULL);
    ck_assert_int_eq(jetgen("eval model.spec --order 3"), 2);
    ck_assert_int_eq(jetgen("eval model.spec --format xml"), 2);
    ck_assert_int_eq(jetgen("eval model.spec --precision half"), 2);
    ck_assert(strstr(err_text, "--precision takes double or float, not 'half'") != NULL);
    ck_assert_int_eq(jetgen("emit model.spec -o x.c --precision quad"), 2);
    ck_assert_int_eq(jetgen("emit model.spec"), 2);
    ck_assert_int_eq(jetgen("emit model.spec -o x.c --bogus"), 2);
    ck_assert_int_eq(jetgen("check"), 2);
}
END_TEST

START_TEST(check_reports_the_network)
{
    setup_example("seed-pinn");
    ck_assert_int_eq(jetgen("check model.spec"), 0);
    ck_assert_msg(strstr(out_text, "parameters  30751") != NULL, "%s", out_text);
    ck_assert(strstr(out_text, "linears.6 (F32, with bias)") != NULL);
    ck_assert(strstr(out_text, "u, du/dx, d2u/dx2") != NULL);
    /* the plan: 3 channels x 16 points of d2u by 56 padded neurons, two
       work buffers and 48 rows x 64 outputs of chunks, 8-byte numbers, plus
       64 bytes to align: (2 * 48 * 56 + 48 * 64) * 8 + 64 */
    ck_assert_msg(strstr(out_text, "double  points per tile 12, 15, 16, 16, 16 (u; du; d2u; diag; Laplacian), "
                                   "work space 67648 bytes, on the stack") != NULL, "%s", out_text);
    ck_assert_int_eq(jetgen("check missing.spec"), 1);
    ck_assert_str_eq(err_text, "missing.spec: cannot open: No such file or directory\n");
    /* a spec with terms: their flops, names and tiles too */
    setup_example("pinn-xt");
    ck_assert_int_eq(jetgen("check model.spec"), 0);
    ck_assert(strstr(out_text, "the terms' partials") == NULL);
    {
        char *text = tu_read_file(tu_path(dir, "model.spec"), NULL), *at = strstr(text, "input x t\n");
        jg_buf b = JG_BUF_INIT;
        ck_assert(at != NULL);
        jg_buf_printf(&b, "%.*sinput x t\nterms \"\" t x xxx xxtt\n%s", (int)(at - text), text,
                      at + strlen("input x t\n"));
        tu_write_file(tu_path(dir, "model.spec"), b.data, b.len);
        jg_buf_free(&b);
        free(text);
    }
    ck_assert_int_eq(jetgen("check model.spec"), 0);
    ck_assert_msg(strstr(out_text, "  the terms' partials ") != NULL, "%s", out_text);
    ck_assert_msg(strstr(out_text, "(the terms: \"\" t x xxx xxtt)") != NULL, "%s", out_text);
    ck_assert_msg(strstr(out_text, "points per tile of the terms' partials 32") != NULL, "%s", out_text);
    /* --terms in place of the spec's; a bad one named by place */
    ck_assert_int_eq(jetgen("check model.spec --terms 'xxxx,\"\",xt'"), 0);
    ck_assert_msg(strstr(out_text, "(the terms: xxxx \"\" xt)") != NULL, "%s", out_text);
    ck_assert_int_eq(jetgen("check model.spec --terms x,xq"), 1);
    ck_assert_msg(strstr(err_text, "terms:1:3: term 'xq'") != NULL, "%s", err_text);
    ck_assert_int_eq(jetgen("verify model.spec --terms 'xxxx,xt,\"\"' --count 4"), 0);
    ck_assert_msg(strstr(out_text, "  terms ") != NULL && strstr(out_text, "partials (3 terms") != NULL, "%s",
                  out_text);
    ck_assert_int_eq(jetgen("verify model.spec --terms xxxxx"), 1);
    ck_assert_msg(strstr(err_text, "order above 4") != NULL, "%s", err_text);
}
END_TEST

static void eval_matches_reference(const char *name)
{
    char path[1024], cmd[256];
    tu_reference r, got;
    jg_buf pts = JG_BUF_INIT;
    size_t p, i, no, ni;
    setup_example(name);
    snprintf(path, sizeof path, "%s/%s/expected-f64.json", tu_data_dir(), name);
    tu_reference_load(&r, path);
    for (p = 0; p < r.n; p++)
        for (i = 0; i < r.n_in; i++)
            jg_buf_printf(&pts, "%.17g%s", r.x[p * r.n_in + i], i + 1 < r.n_in ? " " : "\n");
    tu_write_file(tu_path(dir, "points.txt"), pts.data, pts.len);
    snprintf(cmd, sizeof cmd, "eval model.spec --format json --points points.txt >result.json");
    ck_assert_int_eq(jetgen(cmd), 0);
    tu_reference_load(&got, tu_path(dir, "result.json"));
    ck_assert_uint_eq(got.n, r.n);
    ck_assert_uint_eq(got.n_in, r.n_in);
    ck_assert_uint_eq(got.n_out, r.n_out);
    no = r.n_out;
    ni = r.n_in;
    for (p = 0; p < r.n; p++) {
        ck_assert(tu_normwise(got.x + p * ni, r.x + p * ni, ni) == 0.0);
        ck_assert(tu_normwise(got.u + p * no, r.u + p * no, no) <= 1e-12);
        ck_assert(tu_normwise(got.du + p * no * ni, r.du + p * no * ni, no * ni) <= 1e-12);
        ck_assert(tu_normwise(got.d2u + p * no * ni * ni, r.d2u + p * no * ni * ni, no * ni * ni) <= 1e-12);
    }
    tu_reference_free(&r);
    tu_reference_free(&got);
    jg_buf_free(&pts);
}

START_TEST(eval_json_reproduces_pytorch)
{
    eval_matches_reference("seed-pinn");
    eval_matches_reference("pinn-xt");
}
END_TEST

START_TEST(eval_orders_and_formats)
{
    setup_example("pinn-xt");
    tu_write_file(tu_path(dir, "p.txt"), "# x t\n0.5 0.25\n\n-1, 2\n", 21);
    ck_assert_int_eq(jetgen("eval model.spec --order 0 --format json --points p.txt"), 0);
    ck_assert(strstr(out_text, "\"u\"") != NULL && strstr(out_text, "\"du\"") == NULL);
    ck_assert(strstr(out_text, "[[0.5, 0.25], [-1, 2]]") != NULL);
    ck_assert_int_eq(jetgen("eval model.spec --order 1 --format json --points p.txt"), 0);
    ck_assert(strstr(out_text, "\"du\"") != NULL && strstr(out_text, "\"d2u\"") == NULL);
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt"), 0);
    ck_assert_msg(strstr(out_text, "point 2: x = -1 t = 2") != NULL, "%s", out_text);
    ck_assert(strstr(out_text, "d2u/dxdt") != NULL);
    ck_assert_int_eq(jetgen("eval model.spec --format json < p.txt"), 0);
    ck_assert(strstr(out_text, "\"d2u\"") != NULL);
    /* the terms' partials: u, u_t, u_xx as the 2-jet gives them (CSV) */
    {
        double jet[2][4], part[2][3];
        char *line;
        int r;
        ck_assert_int_eq(jetgen("eval model.spec --format csv --points p.txt"), 0);
        line = strchr(out_text, '\n');
        for (r = 0; r < 2; r++, line = strchr(line + 1, '\n'))
            ck_assert_int_eq(sscanf(line + 1, "%*d,%*g,%*g,%*d,%lg,%*g,%lg,%lg,%*g,%lg", &jet[r][0], &jet[r][1],
                                    &jet[r][2], &jet[r][3]), 4);
        ck_assert_int_eq(jetgen("eval model.spec --terms '\"\",t,xx' --format csv --points p.txt"), 0);
        ck_assert_msg(strncmp(out_text, "point,x,t,output,u,u_t,u_xx\n", 28) == 0, "%s", out_text);
        line = strchr(out_text, '\n');
        for (r = 0; r < 2; r++, line = strchr(line + 1, '\n'))
            ck_assert_int_eq(sscanf(line + 1, "%*d,%*g,%*g,%*d,%lg,%lg,%lg", &part[r][0], &part[r][1], &part[r][2]),
                             3);
        for (r = 0; r < 2; r++) {   /* u, du/dt, d2u/dx2 of the columns u, du/dx, du/dt, d2u/dx2, ... */
            ck_assert(fabs(part[r][0] - jet[r][0]) <= 1e-15 * (1 + fabs(jet[r][0])));
            ck_assert(fabs(part[r][1] - jet[r][1]) <= 1e-14 * (1 + fabs(jet[r][1])));
            ck_assert(fabs(part[r][2] - jet[r][2]) <= 1e-13 * (1 + fabs(jet[r][2])));
        }
        ck_assert_int_eq(jetgen("eval model.spec --terms xxxx,t --format json --points p.txt"), 0);
        ck_assert_msg(strstr(out_text, "\"terms\": [\"xxxx\", \"t\"]") != NULL && strstr(out_text, "\"partials\"")
                      != NULL, "%s", out_text);
        ck_assert_int_eq(jetgen("eval model.spec --order terms --points p.txt"), 1);
        ck_assert_msg(strstr(err_text, "names no terms") != NULL, "%s", err_text);
        ck_assert_int_eq(jetgen("eval model.spec --terms x --order 2 --points p.txt"), 2);
        ck_assert_int_eq(jetgen("eval model.spec --terms x,xq --points p.txt"), 1);
        ck_assert_msg(strstr(err_text, "terms:1:3: term 'xq'") != NULL, "%s", err_text);
    }
}
END_TEST

START_TEST(eval_in_float)
{
    double u0, du0;
    setup_example("pinn-xt");
    tu_write_file(tu_path(dir, "p.txt"), "0.5 0.25\n", 9);
    ck_assert_int_eq(jetgen("eval model.spec --precision float --order 1 --format json --points p.txt"), 0);
    /* nine digits, and the same numbers as double to float rounding */
    ck_assert_int_eq(sscanf(strstr(out_text, "\"u\": [[") + 7, "%lf", &u0), 1);
    ck_assert_int_eq(sscanf(strstr(out_text, "\"du\": [[[") + 9, "%lf", &du0), 1);
    ck_assert_int_eq(jetgen("eval model.spec --order 1 --format json --points p.txt"), 0);
    {
        double v0, dv0;
        ck_assert_int_eq(sscanf(strstr(out_text, "\"u\": [[") + 7, "%lf", &v0), 1);
        ck_assert_int_eq(sscanf(strstr(out_text, "\"du\": [[[") + 9, "%lf", &dv0), 1);
        ck_assert_msg(fabs(u0 - v0) <= 1e-6 * (1 + fabs(v0)), "float u %.9g, double %.17g", u0, v0);
        ck_assert_msg(fabs(du0 - dv0) <= 1e-6 * (1 + fabs(dv0)), "float du %.9g, double %.17g", du0, dv0);
        ck_assert(u0 != v0);    /* it did compute in float */
    }
}
END_TEST

START_TEST(eval_refuses_bad_points)
{
    setup_example("seed-pinn");
    tu_write_file(tu_path(dir, "p.txt"), "0.5\n1 2\n0.25\nabc\n", 18);
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt"), 1);
    ck_assert_str_eq(err_text, "p.txt:2: expected 1 number, found 2\np.txt:4:1: not a number\n");
    ck_assert_str_eq(out_text, "");
    /* beyond double's range, and empty fields, with their columns; inf,
       nan and underflow to 0 are numbers */
    {
        static const char pts[] = "1e400\n 2,,\n,3\n4,\n-1e999\ninf\n1e-400\n";
        tu_write_file(tu_path(dir, "p.txt"), pts, sizeof pts - 1);
    }
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt"), 1);
    ck_assert_str_eq(err_text, "p.txt:1:1: 1e400 is beyond double's range (write inf for an infinity)\n"
                               "p.txt:2:4: an empty field: the numbers of a point are separated by spaces, tabs or "
                               "one comma\n"
                               "p.txt:3:1: an empty field: the numbers of a point are separated by spaces, tabs or "
                               "one comma\n"
                               "p.txt:4:2: an empty field: the numbers of a point are separated by spaces, tabs or "
                               "one comma\n"
                               "p.txt:5:1: -1e999 is beyond double's range (write inf for an infinity)\n");
    {
        static const char pts[] = "inf\n1e-400\n-0.5, \n";
        tu_write_file(tu_path(dir, "p.txt"), pts, sizeof pts - 1);
    }
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt --order 0"), 1);
    ck_assert_str_eq(err_text, "p.txt:3:5: an empty field: the numbers of a point are separated by spaces, tabs or "
                               "one comma\n");
    ck_assert_int_eq(jetgen("eval model.spec --points nothere.txt"), 1);
    ck_assert_str_eq(err_text, "nothere.txt: cannot open: No such file or directory\n");
    {
        /* a line over the 1 MiB limit */
        size_t n = ((size_t)1 << 20) + 10;
        char *line = malloc(n);
        memset(line, ' ', n);
        line[0] = '1';
        line[n - 1] = '\n';
        tu_write_file(tu_path(dir, "long2.txt"), line, n);
        free(line);
        ck_assert_int_eq(jetgen("eval model.spec --points long2.txt"), 1);
        ck_assert_str_eq(err_text, "long2.txt:1: line longer than 1 MiB\n");
    }
}
END_TEST

START_TEST(failed_emit_writes_nothing)
{
    char before[2048], after[2048], *kept;
    static const char bad[] = "input 1\nweights model.safetensors\ndense 50 linears.0\ntahn\n";
    setup_example("seed-pinn");
    tu_write_file(tu_path(dir, "bad.spec"), bad, sizeof bad - 1);
    tu_write_file(tu_path(dir, "keep.c"), "keep", 4);
    listing(before, sizeof before);
    ck_assert_int_eq(jetgen("emit bad.spec -o new.c --header new.h"), 1);
    ck_assert_str_eq(err_text, "bad.spec:4:1: unknown layer 'tahn' (did you mean 'tanh'?)\n");
    ck_assert_int_eq(jetgen("emit bad.spec -o keep.c"), 1);
    ck_assert_int_eq(jetgen("emit model.spec -o keep.c --prefix 'my net'"), 2);
    ck_assert(strstr(err_text, "prefix 'my net' is not a usable C identifier") != NULL);
    ck_assert_int_eq(jetgen("emit model.spec -o nodir/x.c"), 1);
    ck_assert(strstr(err_text, "nodir/x.c: cannot write") != NULL);
    /* all outputs or none */
    ck_assert_int_eq(jetgen("emit model.spec -o new.c --single-header nodir/x.h"), 1);
    ck_assert(strstr(err_text, "nodir/x.h: cannot write") != NULL);
    ck_assert_int_eq(jetgen("emit model.spec"), 2);
    ck_assert(strstr(err_text, "no output given") != NULL);
    ck_assert_int_eq(jetgen("emit model.spec -o - --single-header -"), 2);
    ck_assert(strstr(err_text, "only one output can go to stdout") != NULL);
    listing(after, sizeof after);
    ck_assert_str_eq(before, after);
    kept = tu_read_file(tu_path(dir, "keep.c"), NULL);
    ck_assert_str_eq(kept, "keep");
    free(kept);
}
END_TEST

/* An unreadable weights file and spec are named with the reason. As root,
   where every file is readable, jetgen runs as nobody (setpriv), from a
   copy in the test's folder so that nobody can reach it. */
START_TEST(unreadable_files_are_named)
{
    const char *as = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
    char cmd[4096], *err;
    setup_example("pinn-xt");
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/jetgen' && chmod 755 '%s' && chmod 000 '%s/model.safetensors'",
             getenv("JETGEN"), dir, dir, dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && %s./jetgen check model.spec 2>err1.txt", dir, as);
    ck_assert_int_eq(tu_run(cmd), 1);
    err = tu_read_file(tu_path(dir, "err1.txt"), NULL);
    ck_assert_str_eq(err, "model.safetensors: cannot open: Permission denied\n");
    free(err);
    snprintf(cmd, sizeof cmd, "cd '%s' && chmod 000 model.spec && %s./jetgen check model.spec 2>err2.txt",
             dir, as);
    ck_assert_int_eq(tu_run(cmd), 1);
    err = tu_read_file(tu_path(dir, "err2.txt"), NULL);
    ck_assert_str_eq(err, "model.spec: cannot open: Permission denied\n");
    free(err);
}
END_TEST

/* --single-header alone, and the files readable as the umask allows. */
START_TEST(emit_single_header)
{
    struct stat st;
    const mode_t mask = umask(022);
    char *t;
    umask(mask);
    setup_example("pinn-xt");
    ck_assert_int_eq(jetgen("emit model.spec --single-header xt.h --prefix xt"), 0);
    ck_assert_int_eq(stat(tu_path(dir, "xt.h"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0666 & ~mask);
    t = tu_read_file(tu_path(dir, "xt.h"), NULL);
    ck_assert(strstr(t, "/* Single-file C99 header generated by jetgen") == t);
    ck_assert(strstr(t, "#if defined(XT_IMPLEMENTATION) && !defined(XT__IMPLEMENTED)") != NULL);
    ck_assert(strstr(t, "#define XT_DEF static __attribute__((unused))") != NULL);
    ck_assert(strstr(t, "extern \"C\" {") != NULL);
    free(t);
}
END_TEST

/* jetgen verify: passes on every example, in double and float. */
START_TEST(verify_passes_on_every_example)
{
    static const char *const specs[] = {"%s/pinn-xt/model.spec", "%s/seed-pinn/model.spec",
                                        "%s/../golden/layers.spec"};
    char args[2048], spec[1024];
    setup_example("pinn-xt");
    snprintf(spec, sizeof spec, specs[_i / 2], tu_data_dir());
    snprintf(args, sizeof args, "verify '%s' --precision %s", spec, _i % 2 ? "float" : "double");
    ck_assert_msg(jetgen(args) == 0, "%s\n%s", out_text, err_text);
    ck_assert(strstr(out_text, "verify: every quantity within") != NULL);
    ck_assert(strstr(out_text, "FAILED") == NULL);
}
END_TEST

/* jetgen verify of a network that is NaN at every point (sqrt of negative
   numbers): the code agrees with the oracle, and verify says that the
   network itself is not finite, rather than only "within 1e-08". */
START_TEST(verify_names_a_network_that_is_not_finite)
{
    static const double w[8] = {0.5, -0.25, 0.125, 1.0, -1.0, 2.0, 0.75, -0.5};
    tu_tensor t[2] = {{"a.weight", "F64", 2, {4, 1, 0, 0}, w}, {"b.weight", "F64", 2, {1, 4, 0, 0}, w + 4}};
    static const char spec[] = "input 1\nweights w.safetensors\ndense 4 a\nsqrt\ndense 1 b\n";
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, 2);
    tu_write_file(tu_path(dir, "a.spec"), spec, sizeof spec - 1);
    ck_assert_msg(jetgen("verify a.spec --count 8") == 0, "%s\n%s", out_text, err_text);
    ck_assert_msg(strstr(out_text, "note: the network itself is NaN or infinite (in long double too): u 40 of 40")
                  != NULL, "%s", out_text);
}
END_TEST

/* jetgen verify on code compiled by the user: the emitted file passes; with
   tanh's second derivative off by 0.1 %, or its first, it fails and says
   where. */
START_TEST(verify_fails_on_a_broken_kernel)
{
    static const char *const breaks[] = {
        "s/s2\\[k\\] = -2.0 \\* a \\* (1.0 - a \\* a);/s2[k] = -2.002 * a * (1.0 - a * a);/",
        "s/s1\\[k\\] = 1.0 - a \\* a;/s1[k] = 1.001 - a * a;/",
    };
    char cmd[4096];
    size_t k;
    setup_example("pinn-xt");
    ck_assert_int_eq(jetgen("emit model.spec -o net.c --prefix pinn --hessian full,diag,laplacian"), 0);
    for (k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "cd '%s' && sed '%s' net.c > broken%zu.c && ! cmp -s net.c broken%zu.c",
                 dir, breaks[k], k, k);
        ck_assert_msg(tu_run(cmd) == 0, "the sed did not change the kernel: %s", cmd);
        snprintf(cmd, sizeof cmd, "cd '%s' && cc -std=c99 -O2 -fPIC -shared broken%zu.c -o broken%zu.so -lm",
                 dir, k, k);
        ck_assert_int_eq(tu_run(cmd), 0);
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && cc -std=c99 -O2 -fPIC -shared net.c -o net.so -lm", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_msg(jetgen("verify model.spec --library ./net.so --prefix pinn") == 0, "%s", out_text);
    ck_assert(strstr(out_text, "checked:   ./net.so, in double") != NULL);

    ck_assert_int_eq(jetgen("verify model.spec --library ./broken0.so --prefix pinn"), 1);
    ck_assert_msg(strstr(out_text, "\nFAILED: d2u from pinn_hessian at point ") != NULL, "%s", out_text);
    ck_assert(strstr(out_text, "\nFAILED: d2u_diag from pinn_hessian_diag") != NULL);
    ck_assert(strstr(out_text, "\nFAILED: lap from pinn_laplacian") != NULL);
    ck_assert(strstr(out_text, "\nFAILED: du") == NULL);
    ck_assert(strstr(out_text, "verify: FAILED\n") != NULL);

    ck_assert_int_eq(jetgen("verify model.spec --library ./broken1.so --prefix pinn"), 1);
    ck_assert_msg(strstr(out_text, "\nFAILED: du from pinn_") != NULL, "%s", out_text);
    ck_assert(strstr(out_text, "\nFAILED: u ") == NULL);

    /* and the user's mistakes */
    ck_assert_int_eq(jetgen("verify model.spec --library ./net.so"), 1);
    ck_assert(strstr(err_text, "./net.so: has no model_eval or model_jacobian") != NULL);
    ck_assert_int_eq(jetgen("verify model.spec --library ./nothere.so"), 1);
    ck_assert(strstr(err_text, "./nothere.so: cannot load") != NULL);
    /* a library of another network, precision or weights is refused by what
       it says it holds (pinn_info); another text of the spec is a warning */
    snprintf(cmd, sizeof cmd, "cd '%s' && mkdir seed && cp '%s/seed-pinn/model.spec' "
             "'%s/seed-pinn/model.safetensors' seed/ && sed s/model.safetensors/w2.safetensors/ model.spec "
             "> w2.spec && cp model.safetensors w2.safetensors && printf '\\001' | dd of=w2.safetensors bs=1 "
             "seek=$(( $(stat -c %%s w2.safetensors) - 1 )) conv=notrunc 2>/dev/null && "
             "(cat model.spec; echo '# a comment') > c.spec", dir, tu_data_dir(), tu_data_dir());
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_int_eq(jetgen("verify seed/model.spec --library ./net.so --prefix pinn"), 1);
    ck_assert_msg(strstr(err_text, "./net.so: holds a network of 2 inputs and 1 output, seed/model.spec one "
                                   "of 1 and 501: built from another spec?") != NULL, "%s", err_text);
    ck_assert_int_eq(jetgen("verify model.spec --library ./net.so --prefix pinn --precision float"), 1);
    ck_assert_msg(strstr(err_text, "./net.so: holds double code: verify it with --precision double") != NULL,
                  "%s", err_text);
    ck_assert_int_eq(jetgen("verify w2.spec --library ./net.so --prefix pinn"), 1);
    ck_assert_msg(strstr(err_text, "./net.so: was built from other weights") != NULL, "%s", err_text);
    ck_assert_int_eq(jetgen("verify c.spec --library ./net.so --prefix pinn"), 0);
    ck_assert_msg(strstr(err_text, "./net.so: warning: was built from another text of the spec") != NULL, "%s",
                  err_text);
    ck_assert_int_eq(jetgen("verify model.spec --range 1:0"), 2);
    ck_assert_int_eq(jetgen("verify model.spec --count 0"), 2);
    ck_assert_int_eq(jetgen("verify model.spec --tolerance -1"), 2);
    ck_assert_int_eq(jetgen("verify model.spec --seed"), 2);
    tu_write_file(tu_path(dir, "pts.txt"), "0.5 0.25\n-0.5 1\n", 16);
    ck_assert_int_eq(jetgen("verify model.spec --points pts.txt"), 0);
    ck_assert(strstr(out_text, "2 points from pts.txt") != NULL);
}
END_TEST

/* verify on a float shared object that has only some of the functions:
   it checks what is there. */
START_TEST(verify_a_float_library)
{
    char cmd[4096];
    setup_example("pinn-xt");
    ck_assert_int_eq(jetgen("emit model.spec -o f.c --prefix pf --precision float --hessian diag"), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && cc -std=c99 -O2 -fPIC -shared f.c -o f.so -lm", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_msg(jetgen("verify model.spec --library ./f.so --prefix pf --precision float") == 0, "%s",
                  out_text);
    ck_assert(strstr(out_text, "checked:   ./f.so, in float") != NULL);
    ck_assert(strstr(out_text, "  d2u_diag ") != NULL);
    ck_assert(strstr(out_text, "  d2u ") == NULL && strstr(out_text, "  lap ") == NULL);
    ck_assert(strstr(out_text, "eval jacobian hessian_diag\n") != NULL);
}
END_TEST

START_TEST(emit_is_deterministic_and_builds)
{
    char *a, *b, *h, cmd[2048];
    size_t la, lb;
    static const char prog[] =
        "#include <stdio.h>\n#include \"pinn.h\"\n"
        "int main(void) {\n"
        "    double x[PINN_N_IN] = {0.047286}, u[PINN_N_OUT], du[PINN_N_OUT], d2u[PINN_N_OUT];\n"
        "    pinn_hessian(1, x, u, du, d2u);\n"
        "    printf(\"%.17g %.17g %.17g\\n\", u[0], du[0], d2u[0]);\n"
        "    return 0;\n}\n";
    double u, du, d2u;
    setup_example("seed-pinn");
    ck_assert_int_eq(jetgen("emit model.spec -o pinn.c --header pinn.h --prefix pinn"), 0);
    ck_assert_str_eq(err_text, "");
    a = tu_read_file(tu_path(dir, "pinn.c"), &la);
    h = tu_read_file(tu_path(dir, "pinn.h"), NULL);
    ck_assert_int_eq(jetgen("emit model.spec -o pinn.c --header pinn.h --prefix pinn"), 0);
    b = tu_read_file(tu_path(dir, "pinn.c"), &lb);
    ck_assert(la == lb && memcmp(a, b, la) == 0);
    ck_assert(strstr(a, "void pinn_hessian(size_t n, const pinn_real *x, pinn_real *u,") != NULL);
    ck_assert(strstr(h, "#define PINN_N_OUT 501") != NULL);
    ck_assert(strstr(h, "typedef double pinn_real;") != NULL);
    ck_assert(strstr(a, "sha256 ") != NULL);
    ck_assert_int_eq(jetgen("emit model.spec -o - --prefix pinn"), 0);
    ck_assert(strncmp(out_text, "/* C99 source generated by jetgen 0.2.0", 39) == 0);
    tu_write_file(tu_path(dir, "main.c"), prog, sizeof prog - 1);
    snprintf(cmd, sizeof cmd, "cd '%s' && cc -std=c99 -Wall -Wextra -pedantic -Werror -O2 main.c pinn.c "
             "-lm -o main && ./main >main.txt", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    free(b);
    b = tu_read_file(tu_path(dir, "main.txt"), NULL);
    ck_assert_int_eq(sscanf(b, "%lf %lf %lf", &u, &du, &d2u), 3);
    /* PyTorch, float64: expected-f64.json, point 0 (x = 0.047286), output 0 */
    {
        tu_reference r;
        char path[1024];
        snprintf(path, sizeof path, "%s/seed-pinn/expected-f64.json", tu_data_dir());
        tu_reference_load(&r, path);
        ck_assert(r.x[0] == 0.047286);
        ck_assert_msg(tu_normwise(&u, &r.u[0], 1) <= 1e-12, "u = %.17g, want %.17g", u, r.u[0]);
        ck_assert_msg(tu_normwise(&du, &r.du[0], 1) <= 1e-12, "du = %.17g, want %.17g", du, r.du[0]);
        ck_assert_msg(tu_normwise(&d2u, &r.d2u[0], 1) <= 1e-12, "d2u = %.17g, want %.17g", d2u, r.d2u[0]);
        tu_reference_free(&r);
    }
    free(a);
    free(b);
    free(h);
}
END_TEST

/* No output lands on an input: emit and init refuse (exit 1, a message,
   nothing written) when an output is the spec or the weights, by any name
   (./, a link), or when two outputs are one file. */
/* Options as `--opt=value` or `--opt value`; an option given twice is a
   usage error; a mistyped command gets a suggestion. */
START_TEST(option_forms)
{
    char *first;
    setup_example("pinn-xt");
    tu_write_file(tu_path(dir, "p.txt"), "0.1 0.2\n", 8);
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt --order 1 --format json"), 0);
    first = strdup(out_text);
    ck_assert_int_eq(jetgen("eval model.spec --points=p.txt --order=1 --format=json"), 0);
    ck_assert_str_eq(out_text, first);
    free(first);
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt --order 1 --order 2"), 2);
    ck_assert_msg(strstr(err_text, "jetgen: option '--order' given twice") == err_text, "%s", err_text);
    ck_assert_int_eq(jetgen("emit model.spec -o a.c -o b.c"), 2);
    ck_assert_msg(strstr(err_text, "jetgen: option '-o' given twice") == err_text, "%s", err_text);
    ck_assert_int_eq(jetgen("eval model.spec --points=p.txt --points=p.txt"), 2);
    ck_assert_int_eq(jetgen("verfy model.spec"), 2);
    ck_assert_msg(strstr(err_text, "jetgen: unknown command 'verfy' (did you mean 'verify'?)") == err_text, "%s",
                  err_text);
    ck_assert_int_eq(jetgen("eval model.spec --hesian full"), 2);
    ck_assert_msg(strstr(err_text, "jetgen: unknown option '--hesian' (did you mean '--hessian'?)\n") == err_text,
                  "%s", err_text);
    ck_assert_int_eq(jetgen("verify model.spec --tolerence 1"), 2);
    ck_assert_msg(strstr(err_text, "(did you mean '--tolerance'?)") != NULL, "%s", err_text);
    /* and for activation names on the command line (the spec reader has its own) */
    ck_assert_int_eq(jetgen("init model.safetensors --activation tahn"), 2);
    ck_assert_msg(strstr(err_text, "jetgen: --activation: unknown activation 'tahn' (did you mean 'tanh'?)") != NULL,
                  "%s", err_text);
    ck_assert_int_eq(jetgen("init model.safetensors --activation sigmiod"), 2);
    ck_assert_msg(strstr(err_text, "(did you mean 'sigmoid'?)") != NULL, "%s", err_text);
    ck_assert_int_eq(jetgen("init model.safetensors --activation zzzzzzzz"), 2);
    ck_assert_msg(strstr(err_text, "did you mean") == NULL && strstr(err_text, "not 'zzzzzzzz'") != NULL, "%s",
                  err_text);
    /* a file of the wrong kind, named in one line */
    ck_assert_int_eq(jetgen("check model.safetensors"), 1);
    ck_assert_str_eq(err_text, "model.safetensors: this is a safetensors weights file, not a spec: did you mean "
                               "`jetgen init model.safetensors`, which writes a spec for it?\n");
    ck_assert_int_eq(jetgen("init model.spec --activation tanh"), 1);
    ck_assert_str_eq(err_text, "model.spec: this is a spec (text), not a safetensors weights file: `jetgen check`, "
                               "`eval`, `emit` and `verify` take it\n");
    {
        static const char zip[] = "PK\003\004rest of a zip";
        tu_write_file(tu_path(dir, "ckpt.pt"), zip, sizeof zip - 1);
    }
    ck_assert_int_eq(jetgen("eval ckpt.pt"), 1);
    ck_assert_msg(strstr(err_text, "ckpt.pt: this is a zip file (a PyTorch checkpoint from torch.save?), not a "
                                   "spec") == err_text, "%s", err_text);
    /* verify --range per input, by name or number */
    ck_assert_int_eq(jetgen("verify model.spec --range x=0:1,t=-2:-1 --count 4"), 0);
    ck_assert_msg(strstr(out_text, "4 points drawn uniformly from x in [0, 1], t in [-2, -1] (seed 1)") != NULL,
                  "%s", out_text);
    ck_assert_int_eq(jetgen("verify model.spec --range=1=0.5:0.75 --count 2"), 0);
    ck_assert_msg(strstr(out_text, "x in [-1, 1], t in [0.5, 0.75]") != NULL, "%s", out_text);
    ck_assert_int_eq(jetgen("verify model.spec --range y=0:1"), 1);
    ck_assert_str_eq(err_text, "--range: 'y' is not an input of the network (2 inputs, named in its spec)\n");
    ck_assert_int_eq(jetgen("verify model.spec --range t=1:0"), 1);
    ck_assert_str_eq(err_text, "--range: 't': LO:HI must be finite numbers with LO < HI\n");
    ck_assert_int_eq(jetgen("frobnicate model.spec"), 2);
    ck_assert_msg(strstr(err_text, "jetgen: unknown command 'frobnicate'\n") == err_text, "%s", err_text);
}
END_TEST

START_TEST(outputs_never_land_on_inputs)
{
    static const char *const cases[][2] = {
        {"emit model.spec -o model.spec", "model.spec: is model.spec, an input"},
        {"emit model.spec -o ./model.spec", "./model.spec: is model.spec, an input"},
        {"emit model.spec -o x.c --header model.safetensors", "model.safetensors: is "},
        {"emit model.spec --single-header link.h", "link.h: is model.spec, an input"},
        {"emit model.spec -o a.c --header a.c", "a.c: is named for two outputs"},
        {"init model.safetensors -o model.safetensors", "model.safetensors: is model.safetensors, an input"},
        {"init ./model.safetensors -o model.safetensors", "model.safetensors: is ./model.safetensors, an input"},
    };
    char *spec0, *w0, *spec1, *w1, cmd[2048];
    size_t k, ls0, lw0, ls1, lw1;
    setup_example("pinn-xt");
    snprintf(cmd, sizeof cmd, "cd '%s' && ln -s model.spec link.h", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    spec0 = tu_read_file(tu_path(dir, "model.spec"), &ls0);
    w0 = tu_read_file(tu_path(dir, "model.safetensors"), &lw0);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ck_assert_int_eq(jetgen(cases[k][0]), 1);
        ck_assert_msg(strstr(err_text, cases[k][1]) != NULL, "%s: %s", cases[k][0], err_text);
        spec1 = tu_read_file(tu_path(dir, "model.spec"), &ls1);
        w1 = tu_read_file(tu_path(dir, "model.safetensors"), &lw1);
        ck_assert_msg(ls1 == ls0 && memcmp(spec1, spec0, ls0) == 0, "%s changed the spec", cases[k][0]);
        ck_assert_msg(lw1 == lw0 && memcmp(w1, w0, lw0) == 0, "%s changed the weights", cases[k][0]);
        free(spec1);
        free(w1);
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && test -L link.h && test ! -e a.c && test ! -e x.c", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    free(spec0);
    free(w0);
}
END_TEST

/* -o onto what is not a plain file, or is a link: devices and FIFOs are
   written in place (never replaced by a file), links followed to the file
   they name (the link stays), a full device reported, a name as long as
   the folder allows taken (issue 21, points 9 and 14). */
START_TEST(outputs_of_every_kind)
{
    char cmd[4096], name[251], *got;
    size_t len;
    setup_example("pinn-xt");
    snprintf(cmd, sizeof cmd, "cd '%s' && printf '0.1 0.2\n' > p.txt && echo old > real.txt && "
             "ln -s real.txt link.txt && ln -s made.txt dangling.txt && mkfifo pipe", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt -o link.txt"), 0);
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt -o dangling.txt"), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && test -L link.txt && test -L dangling.txt && grep -q 'point 1' real.txt "
             "&& grep -q 'point 1' made.txt", dir);
    ck_assert_msg(tu_run(cmd) == 0, "a link was replaced, or its file not written");
    /* a FIFO: its reader gets the results, and it stays a FIFO */
    snprintf(cmd, sizeof cmd, "cd '%s' && (cat pipe > from-pipe.txt &) && '%s' eval model.spec --points p.txt "
             "-o pipe && sleep 0.2 && test -p pipe && grep -q 'point 1' from-pipe.txt", dir, getenv("JETGEN"));
    ck_assert_msg(tu_run(cmd) == 0, "-o FIFO");
    /* a character device: written, not replaced (a node of its own where we may make one) */
    snprintf(cmd, sizeof cmd, "cd '%s' && (mknod null c 1 3 2>/dev/null || ln -s /dev/null null) && "
             "'%s' eval model.spec --points p.txt -o null && test -c null && "
             "'%s' eval model.spec --points p.txt -o /dev/null && test -c /dev/null", dir, getenv("JETGEN"),
             getenv("JETGEN"));
    ck_assert_msg(tu_run(cmd) == 0, "-o onto a character device replaced it");
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt -o /dev/full"), 1);
    ck_assert_msg(strstr(err_text, "No space left on device") != NULL, "%s", err_text);
    /* /dev/stdout: the shell's redirection gets the results */
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt -o /dev/stdout > sent.txt"), 0);
    got = tu_read_file(tu_path(dir, "sent.txt"), &len);
    ck_assert_msg(got != NULL && strstr(got, "point 1") != NULL, "-o /dev/stdout");
    free(got);
    /* the longest name the folder takes */
    memset(name, 'n', 250);
    name[250] = '\0';
    snprintf(cmd, sizeof cmd, "eval model.spec --points p.txt -o %s", name);
    ck_assert_msg(jetgen(cmd) == 0, "a 250-byte name: %s", err_text);
    /* a folder is no file */
    snprintf(cmd, sizeof cmd, "cd '%s' && mkdir folder", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt -o folder"), 1);
    ck_assert_msg(strstr(err_text, "folder: is a folder") != NULL, "%s", err_text);
}
END_TEST

/* A failed write of stdout is an error for every command (issue 21,
   point 10); a --range key given twice is a usage error (point 11). */
START_TEST(stdout_failures_and_repeated_keys)
{
    static const char *const cases[] = {
        "check model.spec > /dev/full", "--help > /dev/full", "--version > /dev/full",
        "eval --help > /dev/full", "eval model.spec --points p.txt > /dev/full",
        "emit model.spec -o - > /dev/full", "verify model.spec --count 2 > /dev/full",
    };
    char cmd[1024];
    size_t k;
    setup_example("pinn-xt");
    snprintf(cmd, sizeof cmd, "cd '%s' && printf '0.1 0.2\n' > p.txt", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ck_assert_msg(jetgen(cases[k]) != 0, "%s: exit 0", cases[k]);
        ck_assert_msg(strstr(err_text, "write error") != NULL || strstr(err_text, "No space") != NULL, "%s: %s",
                      cases[k], err_text);
    }
    ck_assert_int_eq(jetgen("verify model.spec --range x=0:1,x=5:6"), 2);
    ck_assert_msg(strstr(err_text, "--range names input 'x' twice") != NULL, "%s", err_text);
    ck_assert_int_eq(jetgen("verify model.spec --range x=0:1,0=5:6"), 1);
    ck_assert_msg(strstr(err_text, "has a range already") != NULL, "%s", err_text);
}
END_TEST

/* eval --format npy: every file or none (issue 21, point 13): a third
   file that cannot be written leaves the first two as they were. */
START_TEST(npy_all_or_nothing)
{
    char cmd[1024], *u;
    size_t len;
    setup_example("pinn-xt");
    snprintf(cmd, sizeof cmd, "cd '%s' && printf '0.1 0.2\n' > p.txt && mkdir out && echo old > out/u.npy && "
             "mkdir out/d2u.npy", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_int_eq(jetgen("eval model.spec --points p.txt --format npy -o out"), 1);
    u = tu_read_file(tu_path(dir, "out/u.npy"), &len);
    ck_assert_msg(u != NULL && len == 4 && memcmp(u, "old\n", 4) == 0, "u.npy was replaced");
    free(u);
    snprintf(cmd, sizeof cmd, "cd '%s' && test ! -e out/du.npy && test -d out/d2u.npy && "
             "test -z \"$(ls -A out | grep jetgen)\"", dir);
    ck_assert_msg(tu_run(cmd) == 0, "du.npy written or a temporary file left");
}
END_TEST

/* A shared object built without `over`, checked against a spec with it:
   refused (its diagonal's arrays are sized otherwise; issue 21, point 12). */
START_TEST(verify_library_over)
{
    char cmd[4096];
    setup_example("pinn-xt");
    ck_assert_int_eq(jetgen("emit model.spec -o f.c --prefix pf --hessian diag"), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && cc -std=c99 -O2 -fPIC -shared f.c -o f.so -lm && "
             "sed -i 's/^weights /over t\\nweights /' model.spec", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_int_eq(jetgen("verify model.spec --library ./f.so --prefix pf"), 1);
    ck_assert_msg(strstr(err_text, "over other inputs") != NULL, "%s", err_text);
}
END_TEST

/* emit --terms: the object's partials verified against the oracle; a
   0.1% error in tanh's fourth Taylor coefficient fails them alone; other
   terms than the object's refused; a bad list named by place, nothing
   written. */
START_TEST(verify_library_terms)
{
    char cmd[4096];
    setup_example("pinn-xt");
    ck_assert_int_eq(jetgen("emit model.spec -o t.c --prefix pt --terms '\"\",x,xt,xxx,xxxx'"), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && grep -q '^#define PT__TERM_CHANNELS 7 ' t.c && "
             "sed 's|(pt__real)(1.0 / k)|(pt__real)((k == 4 ? 1.001 : 1.0) / k)|' t.c > b.c && "
             "! cmp -s t.c b.c && cc -std=c99 -O2 -fPIC -shared t.c -o t.so -lm && "
             "cc -std=c99 -O2 -fPIC -shared b.c -o b.so -lm", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_int_eq(jetgen("verify model.spec --library ./t.so --prefix pt --terms '\"\",x,xt,xxx,xxxx'"), 0);
    ck_assert_msg(strstr(out_text, "partials (5 terms") != NULL, "%s", out_text);
    ck_assert_int_eq(jetgen("verify model.spec --library ./b.so --prefix pt --terms '\"\",x,xt,xxx,xxxx'"), 1);
    ck_assert_msg(strstr(out_text, "\nFAILED: term xxxx of output 0 at point ") != NULL, "%s", out_text);
    ck_assert_msg(strstr(out_text, "\nFAILED: u") == NULL && strstr(out_text, "\nFAILED: du") == NULL, "%s",
                  out_text);
    /* a star (no mixed term: each input's series apart, model__star_rows) */
    ck_assert_int_eq(jetgen("emit model.spec -o s.c --prefix ps --terms '\"\",t,tt,x,xxxx'"), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && grep -q '^#define PS__TERM_CHANNELS 7 ' s.c && "
             "sed 's|(ps__real)(1.0 / k)|(ps__real)((k == 4 ? 1.001 : 1.0) / k)|' s.c > c.c && "
             "! cmp -s s.c c.c && cc -std=c99 -O2 -fPIC -shared s.c -o s.so -lm && "
             "cc -std=c99 -O2 -fPIC -shared c.c -o c.so -lm", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_int_eq(jetgen("verify model.spec --library ./s.so --prefix ps --terms '\"\",t,tt,x,xxxx'"), 0);
    ck_assert_int_eq(jetgen("verify model.spec --library ./c.so --prefix ps --terms '\"\",t,tt,x,xxxx'"), 1);
    ck_assert_msg(strstr(out_text, "\nFAILED: term xxxx of output 0 at point ") != NULL, "%s", out_text);
    ck_assert_int_eq(jetgen("verify model.spec --library ./t.so --prefix pt --terms xxx"), 1);
    ck_assert_msg(strstr(err_text, "./t.so: holds the partial derivatives of other terms") != NULL, "%s",
                  err_text);
    ck_assert_int_eq(jetgen("emit model.spec -o u.c --terms x,xq"), 1);
    ck_assert_msg(strstr(err_text, "terms:1:3: term 'xq'") != NULL, "%s", err_text);
    ck_assert_int_eq(jetgen("emit model.spec -o u.c --terms x --terms xx"), 2);
    snprintf(cmd, sizeof cmd, "cd '%s' && test ! -e u.c", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
}
END_TEST

/* The terms' flops `check` prints. */
static double terms_flops(void)
{
    const char *at = strstr(out_text, "  the terms' partials ");
    ck_assert_msg(at != NULL, "%s", out_text);
    return strtod(at + strlen("  the terms' partials "), NULL);
}

/* The final dense layer of emitted partials on the channels the terms
   read alone (KdV's u, u_x, u_xxx: channels 0-1 and 3 of 4), 501 outputs
   (many chunks): verified; the first run without its bias, or the second
   on the wrong channel, fails. `check` counts the flops so: the terms
   reading the fourth channel too cost one more channel of the last layer
   (50 x 501 multiply-adds). */
START_TEST(verify_library_terms_channels)
{
    char cmd[4096];
    double all;
    setup_example("seed-pinn");
    ck_assert_int_eq(jetgen("check model.spec --terms '\"\",0,00,000'"), 0);
    all = terms_flops();
    ck_assert_int_eq(jetgen("check model.spec --terms '\"\",0,000'"), 0);
    ck_assert_msg(all - terms_flops() == 2.0 * 50 * 501, "%g %g", all, terms_flops());
    ck_assert_int_eq(jetgen("emit model.spec -o k.c --prefix pk --terms '\"\",0,000'"), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && grep -q '^#define PK__TERM_CHANNELS 4 ' k.c && "
             "grep -q 'bias + j, 2 \\* np, np, work[0-9] + 0 \\* np' k.c && "
             "grep -q ', NULL, 1 \\* np, np, work[0-9] + 3 \\* np' k.c && "
             "sed 's|[a-z0-9_]*bias + j, 2 \\* np|NULL, 2 * np|' k.c > b.c && "
             "sed 's|, NULL, 1 \\* np, np, \\(work[0-9]\\) + 3 \\* np|, NULL, 1 * np, np, \\1 + 2 * np|' k.c > c.c && "
             "! cmp -s k.c b.c && ! cmp -s k.c c.c && cc -std=c99 -O1 -fPIC -shared k.c -o k.so -lm && "
             "cc -std=c99 -O1 -fPIC -shared b.c -o b.so -lm && cc -std=c99 -O1 -fPIC -shared c.c -o c.so -lm", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    ck_assert_int_eq(jetgen("verify model.spec --library ./k.so --prefix pk --count 4 --terms '\"\",0,000'"), 0);
    ck_assert_msg(strstr(out_text, "partials (3 terms") != NULL, "%s", out_text);
    ck_assert_int_eq(jetgen("verify model.spec --library ./b.so --prefix pk --count 4 --terms '\"\",0,000'"), 1);
    ck_assert_msg(strstr(out_text, "\nFAILED: term \"\" of output ") != NULL, "%s", out_text);
    ck_assert_int_eq(jetgen("verify model.spec --library ./c.so --prefix pk --count 4 --terms '\"\",0,000'"), 1);
    ck_assert_msg(strstr(out_text, "\nFAILED: term 0*0*0 of output ") != NULL, "%s", out_text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("jetgen");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, help_and_version);
    tcase_add_test(tc, check_reports_the_network);
    tcase_add_test(tc, eval_json_reproduces_pytorch);
    tcase_add_test(tc, eval_orders_and_formats);
    tcase_add_test(tc, eval_in_float);
    tcase_add_test(tc, eval_refuses_bad_points);
    tcase_add_test(tc, failed_emit_writes_nothing);
    tcase_add_test(tc, emit_is_deterministic_and_builds);
    tcase_add_test(tc, emit_single_header);
    tcase_add_test(tc, unreadable_files_are_named);
    tcase_add_loop_test(tc, verify_passes_on_every_example, 0, 6);
    tcase_add_test(tc, verify_names_a_network_that_is_not_finite);
    tcase_add_test(tc, verify_fails_on_a_broken_kernel);
    tcase_add_test(tc, verify_a_float_library);
    tcase_add_test(tc, outputs_never_land_on_inputs);
    tcase_add_test(tc, option_forms);
    tcase_add_test(tc, outputs_of_every_kind);
    tcase_add_test(tc, stdout_failures_and_repeated_keys);
    tcase_add_test(tc, npy_all_or_nothing);
    tcase_add_test(tc, verify_library_over);
    tcase_add_test(tc, verify_library_terms);
    tcase_add_test(tc, verify_library_terms_channels);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
