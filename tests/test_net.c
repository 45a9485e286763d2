/* test_net.c: the library's handle (include/jetgen.h) as a user calls it:
   both reference networks through the JIT and the executor against PyTorch
   autograd in float64 (tests/data, 1e-12 normwise), in float against
   float64 (within PyTorch's own float32 error, twice, plus 8 float
   epsilons); the diagonal and Laplacian modes against the full Hessian;
   many threads on one handle; jg_net_run_parallel in every mode writing
   exactly its results; weights replaced in place; bad specs and misuse;
   and the widest networks `check` accepts (1 -> 12000 -> 1 and
   1 -> 40000 -> 1 tanh) through the JIT, the executor, the emitted file
   and the single header, in double and float, through every
   second-derivative function (plain and _work), inside threads with a
   256 KiB stack, against the network computed in long double; and the library without libtcc inside
   a shared object. */
#include <check.h>
#include <dlfcn.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jetgen.h"
#include "testutil.h"

#define TOL 1e-12

static const char *const nets[] = {"seed-pinn", "pinn-xt"};

static double *alloc(size_t n)
{
    double *p = (double *)malloc((n > 0 ? n : 1) * sizeof *p);
    ck_assert(p != NULL);
    return p;
}

/* _i: network x backend. */
START_TEST(reference_double)
{
    const char *name = nets[_i / 2];
    jg_net *net = tu_open_net(name, JG_NET_DOUBLE, _i % 2);
    char path[1024];
    tu_reference r;
    size_t p, no, ni, k, i;
    double *u, *du, *d2u, *dg, *lap, *u2, *du2;
    snprintf(path, sizeof path, "%s/%s/expected-f64.json", tu_data_dir(), name);
    tu_reference_load(&r, path);
    ni = jg_net_n_in(net);
    no = jg_net_n_out(net);
    ck_assert_uint_eq(ni, r.n_in);
    ck_assert_uint_eq(no, r.n_out);
    ck_assert_int_eq(jg_net_backend(net), _i % 2);
    u = alloc(r.n * no);
    du = alloc(r.n * no * ni);
    d2u = alloc(r.n * no * ni * ni);
    dg = alloc(r.n * no * ni);
    lap = alloc(r.n * no);
    u2 = alloc(r.n * no);
    du2 = alloc(r.n * no * ni);
    ck_assert_int_eq(jg_net_hessian(net, r.n, r.x, u, du, d2u), JG_NET_OK);
    for (p = 0; p < r.n; p++) {
        double e1 = tu_normwise(u + p * no, r.u + p * no, no);
        double e2 = tu_normwise(du + p * no * ni, r.du + p * no * ni, no * ni);
        double e3 = tu_normwise(d2u + p * no * ni * ni, r.d2u + p * no * ni * ni, no * ni * ni);
        ck_assert_msg(e1 <= TOL && e2 <= TOL && e3 <= TOL, "%s point %zu: errors %.3g %.3g %.3g", name, p,
                      e1, e2, e3);
    }
    /* the other modes give the diagonal and trace of the same Hessian, and
       the same u and du */
    ck_assert_int_eq(jg_net_hessian_diag(net, r.n, r.x, u2, du2, dg), JG_NET_OK);
    ck_assert_int_eq(jg_net_laplacian(net, r.n, r.x, NULL, NULL, lap), JG_NET_OK);
    for (k = 0; k < r.n * no; k++) {
        double tr = 0, scale = 1e-300;
        ck_assert(u2[k] == u[k]);
        for (i = 0; i < ni; i++) {
            const double h = d2u[(k * ni + i) * ni + i];
            ck_assert(du2[k * ni + i] == du[k * ni + i]);
            ck_assert_msg(fabs(dg[k * ni + i] - h) <= 1e-12 * (fabs(h) + 1e-3), "diag %zu %zu", k, i);
            tr += h;
            scale += fabs(h);
        }
        ck_assert_msg(fabs(lap[k] - tr) <= 1e-12 * (scale + 1e-3), "lap %zu: %.17g vs %.17g", k, lap[k], tr);
    }
    ck_assert_int_eq(jg_net_eval(net, r.n, r.x, u2), JG_NET_OK);
    ck_assert_int_eq(jg_net_jacobian(net, r.n, r.x, NULL, du2), JG_NET_OK);
    for (k = 0; k < r.n * no; k++)
        ck_assert(u2[k] == u[k]);
    for (k = 0; k < r.n * no * ni; k++)
        ck_assert(du2[k] == du[k]);
    free(u); free(du); free(d2u); free(dg); free(lap); free(u2); free(du2);
    tu_reference_free(&r);
    jg_net_free(net);
}
END_TEST

/* In float: within twice PyTorch's float32 error plus 8 float epsilons,
   both through the double API and jg_net_run_float. */
START_TEST(reference_float)
{
    const char *name = nets[_i / 2];
    jg_net *net = tu_open_net(name, JG_NET_FLOAT, _i % 2);
    char path[1024];
    tu_reference r, r32;
    size_t p, no, ni, k, nd2;
    double *u, *du, *d2u;
    float *fx, *fu;
    snprintf(path, sizeof path, "%s/%s/expected-f64.json", tu_data_dir(), name);
    tu_reference_load(&r, path);
    snprintf(path, sizeof path, "%s/%s/expected-f32.json", tu_data_dir(), name);
    tu_reference_load(&r32, path);
    ni = r.n_in;
    no = r.n_out;
    nd2 = no * ni * ni;
    ck_assert_int_eq(jg_net_precision(net), JG_NET_FLOAT);
    u = alloc(r.n * no);
    du = alloc(r.n * no * ni);
    d2u = alloc(r.n * nd2);
    ck_assert_int_eq(jg_net_hessian(net, r.n, r.x, u, du, d2u), JG_NET_OK);
    for (p = 0; p < r.n; p++) {
        const double *w[3] = {r.u + p * no, r.du + p * no * ni, r.d2u + p * nd2};
        const double *t[3] = {r32.u + p * no, r32.du + p * no * ni, r32.d2u + p * nd2};
        const double *g[3] = {u + p * no, du + p * no * ni, d2u + p * nd2};
        const size_t len[3] = {no, no * ni, nd2};
        for (k = 0; k < 3; k++) {
            const double bound = 2 * tu_normwise(t[k], w[k], len[k]) + 8 * FLT_EPSILON;
            const double e = tu_normwise(g[k], w[k], len[k]);
            ck_assert_msg(e <= bound, "%s point %zu quantity %zu: %.3g > %.3g", name, p, k, e, bound);
        }
    }
    fx = (float *)malloc(r.n * ni * sizeof *fx);
    fu = (float *)malloc(r.n * no * sizeof *fu);
    for (k = 0; k < r.n * ni; k++)
        fx[k] = (float)r.x[k];
    ck_assert_int_eq(jg_net_run_float(net, JG_NET_EVAL, r.n, fx, fu, NULL, NULL), JG_NET_OK);
    for (k = 0; k < r.n * no; k++)
        ck_assert_msg((double)fu[k] == u[k], "u[%zu]: %.9g vs %.9g", k, (double)fu[k], u[k]);
    free(fx); free(fu); free(u); free(du); free(d2u);
    tu_reference_free(&r);
    tu_reference_free(&r32);
    jg_net_free(net);
}
END_TEST

START_TEST(bad_specs)
{
    const char *dir = tu_tmpdir();
    char path[1024];
    jg_net *net = NULL;
    snprintf(path, sizeof path, "%s/bad.spec", dir);
    tu_write_file(path, "input 1\ntahn\n", 13);
    ck_assert_int_ne(jg_net_load(path, &net), JG_NET_OK);
    ck_assert_ptr_nonnull(net);
    ck_assert_msg(strstr(jg_net_errmsg(net), "bad.spec:2:1: unknown layer 'tahn'") != NULL, "%s",
                  jg_net_errmsg(net));
    ck_assert_uint_eq(jg_net_n_in(net), 0);
    jg_net_free(net);       /* running it is misuse: tests/test_misuse.c */
    net = NULL;
    ck_assert_int_eq(jg_net_load(tu_path(dir, "missing.spec"), &net), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(net), "missing.spec") != NULL, "%s", jg_net_errmsg(net));
    jg_net_free(net);
    jg_net_free(NULL);
    /* misuse of a good handle (a mode out of range, x NULL, float arrays
       for a double handle): tests/test_misuse.c */
}
END_TEST

/* jg_net_load_mem: the spec's text and weights from memory give the
   numbers the files give (named where no file is: nothing read from
   disk); its errors name the given name; weights NULL reads the file the
   spec names, next to the name. */
START_TEST(load_from_memory)
{
    char path[1024], wpath[1024];
    size_t len = 0, wlen = 0, n = 5, no, ni, k;
    char *text, *bad;
    unsigned char *w;
    jg_net *a = NULL, *b = NULL;
    double x[5] = {-0.9, -0.3, 0.1, 0.5, 0.8}, *u[2], *du[2], *d2[2];
    jg_net_options o;
    o.precision = JG_NET_DOUBLE;
    o.backend = JG_NET_EXECUTOR;
    snprintf(path, sizeof path, "%s/seed-pinn/model.spec", tu_data_dir());
    snprintf(wpath, sizeof wpath, "%s/seed-pinn/model.safetensors", tu_data_dir());
    text = tu_read_file(path, &len);
    w = (unsigned char *)tu_read_file(wpath, &wlen);
    ck_assert_int_eq(jg_net_open(path, &o, &a), JG_NET_OK);
    ck_assert_int_eq(jg_net_load_mem("/no/such/folder/net.spec", text, len, w, wlen, &o, &b), JG_NET_OK);
    ni = jg_net_n_in(a);
    no = jg_net_n_out(a);
    ck_assert_uint_eq(jg_net_n_in(b), ni);
    ck_assert_uint_eq(jg_net_n_out(b), no);
    ck_assert_uint_le(n * ni, 5);
    for (k = 0; k < 2; k++) {
        u[k] = alloc(n * no);
        du[k] = alloc(n * no * ni);
        d2[k] = alloc(n * no * ni * ni);
    }
    ck_assert_int_eq(jg_net_hessian(a, n / ni, x, u[0], du[0], d2[0]), JG_NET_OK);
    ck_assert_int_eq(jg_net_hessian(b, n / ni, x, u[1], du[1], d2[1]), JG_NET_OK);
    ck_assert(memcmp(u[0], u[1], n / ni * no * sizeof(double)) == 0);
    ck_assert(memcmp(du[0], du[1], n / ni * no * ni * sizeof(double)) == 0);
    ck_assert(memcmp(d2[0], d2[1], n / ni * no * ni * ni * sizeof(double)) == 0);
    jg_net_free(b);
    b = NULL;
    /* weights NULL: the file the spec names, next to the name */
    ck_assert_int_eq(jg_net_load_mem(path, text, len, NULL, 0, &o, &b), JG_NET_OK);
    ck_assert_int_eq(jg_net_hessian(b, n / ni, x, u[1], du[1], d2[1]), JG_NET_OK);
    ck_assert(memcmp(d2[0], d2[1], n / ni * no * ni * ni * sizeof(double)) == 0);
    jg_net_free(b);
    b = NULL;
    /* ... which is not there for a name in another folder */
    ck_assert_int_eq(jg_net_load_mem("/no/such/folder/net.spec", text, len, NULL, 0, &o, &b), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(b), "/no/such/folder/model.safetensors") != NULL, "%s", jg_net_errmsg(b));
    jg_net_free(b);
    b = NULL;
    /* truncated weights: named by the spec's weights statement */
    ck_assert_int_eq(jg_net_load_mem("mem.spec", text, len, w, 40, &o, &b), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(b), "model.safetensors") != NULL, "%s", jg_net_errmsg(b));
    jg_net_free(b);
    b = NULL;
    /* an error in the text, at its place under the given name */
    ck_assert_int_eq(jg_net_load_mem("mem.spec", "input 1\ntahn\n", 13, NULL, 0, &o, &b), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(b), "mem.spec:2:1: unknown layer 'tahn'") != NULL, "%s", jg_net_errmsg(b));
    jg_net_free(b);
    b = NULL;
    /* weights for a spec that reads none */
    bad = "format 3\ninput x\ny = scale x 2\nz = tanh y\noutput z\n";
    ck_assert_int_eq(jg_net_load_mem(NULL, bad, strlen(bad), w, wlen, &o, &b), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(b), "<memory>: weights were given") != NULL, "%s", jg_net_errmsg(b));
    jg_net_free(b);
    for (k = 0; k < 2; k++) {
        free(u[k]);
        free(du[k]);
        free(d2[k]);
    }
    free(text);
    free(w);
    jg_net_free(a);
}
END_TEST

/* jg_net_run_parallel writes exactly the mode's results (a canary past
   them stays) and the bits of one thread, in every mode. */
START_TEST(parallel_modes)
{
    jg_net *net = tu_open_net("pinn-xt", JG_NET_DOUBLE, JG_NET_EXECUTOR);
    const size_t n = 203, ni = jg_net_n_in(net), no = jg_net_n_out(net);
    const size_t per2[5] = {0, 0, ni * ni, ni, 1};
    int mode, threads;
    size_t k;
    double *x = alloc(n * ni);
    tu_rng rng = {7};
    for (k = 0; k < n * ni; k++)
        x[k] = tu_uniform(&rng, -1, 1);
    for (mode = 0; mode < 5; mode++)
        for (threads = 0; threads <= 5; threads++) {
            const size_t nu = n * no, ndu = mode >= 1 ? n * no * ni : 0, nd2 = n * no * per2[mode];
            double *a = alloc(nu + ndu + nd2 + 3), *b = alloc(nu + ndu + nd2 + 3);
            for (k = 0; k < nu + ndu + nd2 + 3; k++)
                a[k] = b[k] = -777.0;
            ck_assert_int_eq(jg_net_run(net, mode, n, x, a, mode >= 1 ? a + nu : NULL,
                                        mode >= 2 ? a + nu + ndu : NULL), JG_NET_OK);
            ck_assert_int_eq(jg_net_run_parallel(net, mode, threads, n, x, b, mode >= 1 ? b + nu : NULL,
                                                 mode >= 2 ? b + nu + ndu : NULL), JG_NET_OK);
            for (k = 0; k < nu + ndu + nd2 + 3; k++)
                ck_assert_msg(memcmp(&a[k], &b[k], sizeof a[k]) == 0, "mode %d threads %d: [%zu]", mode,
                              threads, k);
            for (k = nu + ndu + nd2; k < nu + ndu + nd2 + 3; k++)
                ck_assert(b[k] == -777.0);
            free(a);
            free(b);
        }
    free(x);
    jg_net_free(net);
}
END_TEST

/* Weights replaced in place: a bias shift moves u by exactly that much
   (an output bias), later calls see it, errors name the tensor. */
START_TEST(set_tensor)
{
    jg_net *net = tu_open_net("pinn-xt", JG_NET_DOUBLE, _i);
    const size_t no = jg_net_n_out(net);
    double x[2] = {0.3, -0.2}, u0[4], u1[4], b[4] = {0.5, 0.5, 0.5, 0.5}, w = 1.0;
    char *before = NULL, *after = NULL;
    size_t k;
    ck_assert_uint_le(no, 4);
    ck_assert_int_eq(jg_net_eval(net, 1, x, u0), JG_NET_OK);
    ck_assert_int_eq(jg_net_emit(net, NULL, &before, NULL), JG_NET_OK);
    ck_assert_int_eq(jg_net_set_tensor(net, "linears.6.bias", b, no), JG_NET_OK);
    ck_assert_int_eq(jg_net_eval(net, 1, x, u1), JG_NET_OK);
    /* emitted code holds the numbers set, and says they are not the file's */
    ck_assert_int_eq(jg_net_emit(net, NULL, &after, NULL), JG_NET_OK);
    ck_assert_str_ne(before, after);
    ck_assert_msg(strstr(after, "weights_sha256 -") != NULL && strstr(before, "weights_sha256 -") == NULL,
                  "the report of emitted code after set_tensor");
    jg_net_free_text(before);
    jg_net_free_text(after);
    for (k = 0; k < no; k++)
        ck_assert_msg(u1[k] != u0[k], "u[%zu] did not change", k);
    ck_assert_int_eq(jg_net_set_tensor(net, "nothing.weight", b, 1), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(net), "no tensor 'nothing.weight'") != NULL, "%s", jg_net_errmsg(net));
    ck_assert_int_eq(jg_net_set_tensor(net, "linears.0.weight", &w, 1), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(net), "linears.0.weight") != NULL, "%s", jg_net_errmsg(net));
    w = NAN;
    ck_assert_int_eq(jg_net_set_tensor(net, "linears.6.bias", &w, 1), JG_NET_EINPUT);
    jg_net_free(net);
}
END_TEST

/* Several tensors at once: the numbers of the same calls one by one, to
   the bit, results and gradients (a reverse sweep made before the change
   holds the new numbers); with one bad tensor among them (a wrong count, NaN, an unknown
   name) nothing changes and the message names it. */
START_TEST(set_tensors)
{
    jg_net *a = tu_open_net("pinn-xt", JG_NET_DOUBLE, JG_NET_EXECUTOR), *b = tu_open_net("pinn-xt", JG_NET_DOUBLE, JG_NET_EXECUTOR);
    static double w0[20 * 2], w2[20 * 20], b6[1] = {0.25}, bad[1] = {NAN};
    const char *names[3] = {"linears.0.weight", "linears.2.weight", "linears.6.bias"};
    const double *values[3] = {w0, w2, b6};
    size_t counts[3] = {40, 400, 1}, k;
    double x[4] = {0.3, -0.2, 0.7, 0.1}, ua[2], ub[2], dua[4], dub[4], d2a[8], d2b[8];
    const size_t ng = jg_net_n_grad(a);
    double *ga = malloc(ng * sizeof *ga), *gb = malloc(ng * sizeof *gb);
    for (k = 0; k < 400; k++) {
        if (k < 40)
            w0[k] = sin((double)k);
        w2[k] = 0.05 * cos((double)k);
    }
    /* a's reverse sweep exists before the change (made again in place), b's after */
    ck_assert_int_eq(jg_net_gradient(a, JG_NET_HESSIAN, 2, x, NULL, NULL, d2a, ga, NULL), JG_NET_OK);
    ck_assert_int_eq(jg_net_set_tensors(a, 3, names, values, counts), JG_NET_OK);
    for (k = 0; k < 3; k++)
        ck_assert_int_eq(jg_net_set_tensor(b, names[k], values[k], counts[k]), JG_NET_OK);
    ck_assert_int_eq(jg_net_hessian(a, 2, x, ua, dua, d2a), JG_NET_OK);
    ck_assert_int_eq(jg_net_hessian(b, 2, x, ub, dub, d2b), JG_NET_OK);
    ck_assert(memcmp(ua, ub, sizeof ua) == 0 && memcmp(dua, dub, sizeof dua) == 0 && memcmp(d2a, d2b, sizeof d2a) == 0);
    ck_assert_int_eq(jg_net_gradient(a, JG_NET_HESSIAN, 2, x, ua, dua, d2a, ga, NULL), JG_NET_OK);
    ck_assert_int_eq(jg_net_gradient(b, JG_NET_HESSIAN, 2, x, ua, dua, d2a, gb, NULL), JG_NET_OK);
    ck_assert_msg(memcmp(ga, gb, ng * sizeof *ga) == 0, "gradients after set_tensors differ from a fresh engine's");
    free(ga);
    free(gb);
    values[2] = bad;
    w0[0] += 1.0;
    ck_assert_int_eq(jg_net_set_tensors(a, 3, names, values, counts), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(a), "linears.6.bias") != NULL, "%s", jg_net_errmsg(a));
    counts[2] = 2;
    values[2] = b6;
    ck_assert_int_eq(jg_net_set_tensors(a, 3, names, values, counts), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(a), "has 1 numbers, not 2") != NULL, "%s", jg_net_errmsg(a));
    names[1] = "linears.9.weight";
    counts[2] = 1;
    ck_assert_int_eq(jg_net_set_tensors(a, 3, names, values, counts), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(a), "no tensor 'linears.9.weight'") != NULL, "%s", jg_net_errmsg(a));
    ck_assert_int_eq(jg_net_hessian(a, 2, x, ua, dua, d2a), JG_NET_OK);      /* nothing changed */
    ck_assert(memcmp(ua, ub, sizeof ua) == 0 && memcmp(d2a, d2b, sizeof d2a) == 0);
    ck_assert_int_eq(jg_net_set_tensors(a, 0, NULL, NULL, NULL), JG_NET_OK);
    jg_net_free(a);
    jg_net_free(b);
}
END_TEST

/* Many threads on one handle: the bits of one thread. */
typedef struct job {
    jg_net *net;
    const double *x;
    double *u, *du, *d2u;
    size_t n;
} job;

static void *run_job(void *arg)
{
    job *j = (job *)arg;
    int r;
    for (r = 0; r < 8; r++)
        jg_net_hessian(j->net, j->n, j->x, j->u, j->du, j->d2u);
    return NULL;
}

START_TEST(threads_share)
{
    jg_net *net = tu_open_net("seed-pinn", JG_NET_DOUBLE, _i);
    const size_t n = 37, no = jg_net_n_out(net);
    pthread_t t[6];
    job j[6];
    double x[37], *ref = alloc(n * no * 3);
    size_t k, i;
    for (k = 0; k < n; k++)
        x[k] = -1.5 + 3.0 * (double)k / (double)n;
    ck_assert_int_eq(jg_net_hessian(net, n, x, ref, ref + n * no, ref + 2 * n * no), JG_NET_OK);
    for (i = 0; i < 6; i++) {
        double *o = alloc(n * no * 3);
        j[i].net = net;
        j[i].x = x;
        j[i].n = n;
        j[i].u = o;
        j[i].du = o + n * no;
        j[i].d2u = o + 2 * n * no;
        ck_assert_int_eq(pthread_create(&t[i], NULL, run_job, &j[i]), 0);
    }
    for (i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        ck_assert(memcmp(j[i].u, ref, n * no * 3 * sizeof *ref) == 0);
        free(j[i].u);
    }
    free(ref);
    jg_net_free(net);
}
END_TEST

/* ---- the widest networks ---- */

typedef struct wide {
    size_t width;
    char spec[1024];
    double *w1, *b1, *w2, b2;
} wide;

/* 1 -> width -> 1 tanh with random weights, written to a temporary folder. */
static void wide_make(wide *w, size_t width)
{
    const char *dir = tu_tmpdir();
    char st[1024];
    tu_rng rng = {width};
    tu_tensor t[4];
    size_t j;
    w->width = width;
    w->w1 = alloc(width);
    w->b1 = alloc(width);
    w->w2 = alloc(width);
    for (j = 0; j < width; j++) {
        w->w1[j] = tu_uniform(&rng, -2, 2);
        w->b1[j] = tu_uniform(&rng, -1, 1);
        w->w2[j] = tu_uniform(&rng, -1, 1) / sqrt((double)width);
    }
    w->b2 = 0.25;
    t[0].name = "l0.weight"; t[0].dtype = "F64"; t[0].rank = 2; t[0].shape[0] = width; t[0].shape[1] = 1;
    t[0].data = w->w1;
    t[1].name = "l0.bias"; t[1].dtype = "F64"; t[1].rank = 1; t[1].shape[0] = width; t[1].data = w->b1;
    t[2].name = "l2.weight"; t[2].dtype = "F64"; t[2].rank = 2; t[2].shape[0] = 1; t[2].shape[1] = width;
    t[2].data = w->w2;
    t[3].name = "l2.bias"; t[3].dtype = "F64"; t[3].rank = 1; t[3].shape[0] = 1; t[3].data = &w->b2;
    snprintf(st, sizeof st, "%s/wide.safetensors", dir);
    tu_write_safetensors(st, t, 4);
    snprintf(w->spec, sizeof w->spec, "%s/wide.spec", dir);
    snprintf(st, sizeof st, "input 1\nweights wide.safetensors\ndense %zu l0\ntanh\ndense 1 l2\n", width);
    tu_write_file(w->spec, st, strlen(st));
}

/* u, du, d2u at x in long double: the oracle. */
static void wide_oracle(const wide *w, double x, double out[3])
{
    long double u = w->b2, du = 0, d2u = 0;
    size_t j;
    for (j = 0; j < w->width; j++) {
        const long double t = tanhl((long double)w->w1[j] * x + w->b1[j]), s1 = 1 - t * t;
        u += w->w2[j] * t;
        du += (long double)w->w2[j] * s1 * w->w1[j];
        d2u += (long double)w->w2[j] * (-2 * t * s1) * w->w1[j] * w->w1[j];
    }
    out[0] = (double)u;
    out[1] = (double)du;
    out[2] = (double)d2u;
}

typedef void (*hessian_fn)(size_t, const double *, double *, double *, double *);
typedef void (*hessian_work_fn)(size_t, const double *, double *, double *, double *, void *);
typedef size_t (*bytes_fn)(void);
typedef void (*hessian_f_fn)(size_t, const float *, float *, float *, float *);
typedef void (*hessian_work_f_fn)(size_t, const float *, float *, float *, float *, void *);

typedef struct wide_call {
    jg_net *net;                /* or: */
    hessian_fn plain;
    hessian_work_fn with_work;
    hessian_f_fn plain_f;       /* or the float ones */
    hessian_work_f_fn with_work_f;
    size_t work_bytes;
    int mode;                   /* jg_net: JG_NET_HESSIAN, _DIAG or _LAPLACIAN (one input: the same d2u) */
    double tol;                 /* relative to |want| + 1; 0: 1e-12 */
    double x[5], got[5][3];
    int rc;
} wide_call;

static void *wide_thread(void *arg)
{
    wide_call *c = (wide_call *)arg;
    size_t p;
    void *work = c->with_work != NULL || c->with_work_f != NULL ? malloc(c->work_bytes) : NULL;
    for (p = 0; p < 5; p++) {
        double *g = c->got[p];
        float xf = (float)c->x[p], gf[3];
        if (c->plain_f != NULL || c->with_work_f != NULL) {
            if (c->with_work_f != NULL)
                c->with_work_f(1, &xf, &gf[0], &gf[1], &gf[2], work);
            else
                c->plain_f(1, &xf, &gf[0], &gf[1], &gf[2]);
            g[0] = gf[0];
            g[1] = gf[1];
            g[2] = gf[2];
        } else if (c->net != NULL)
            c->rc |= jg_net_run(c->net, c->mode != 0 ? c->mode : JG_NET_HESSIAN, 1, &c->x[p], &g[0], &g[1],
                                &g[2]);
        else if (c->with_work != NULL)
            c->with_work(1, &c->x[p], &g[0], &g[1], &g[2], work);
        else
            c->plain(1, &c->x[p], &g[0], &g[1], &g[2]);
    }
    free(work);
    return NULL;
}

/* Runs c in a thread with a 256 KiB stack and checks its numbers. */
static void wide_check(const wide *w, wide_call *c, const char *what)
{
    pthread_attr_t attr;
    pthread_t t;
    size_t p, q;
    for (p = 0; p < 5; p++)
        c->x[p] = -1.0 + 0.5 * (double)p + 0.013;
    c->rc = 0;
    ck_assert_int_eq(pthread_attr_init(&attr), 0);
    ck_assert_int_eq(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
    ck_assert_int_eq(pthread_create(&t, &attr, wide_thread, c), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    ck_assert_int_eq(c->rc, 0);
    for (p = 0; p < 5; p++) {
        double want[3];
        wide_oracle(w, c->x[p], want);
        for (q = 0; q < 3; q++)
            ck_assert_msg(fabs(c->got[p][q] - want[q]) <= (c->tol > 0 ? c->tol : 1e-12) * (fabs(want[q]) + 1),
                          "%zu wide, %s, x = %g, quantity %zu: %.17g, want %.17g", w->width, what, c->x[p], q,
                          c->got[p][q], want[q]);
    }
}

static const size_t widths[2] = {12000, 40000};

/* The library's handle, JIT and executor, double and float, every
   second-derivative mode (with one input each gives d2u), in a 256 KiB
   thread. Float: within 1e-4 (float rounding over tens of thousands of
   terms). */
START_TEST(wide_library)
{
    static const int modes[3] = {JG_NET_HESSIAN, JG_NET_HESSIAN_DIAG, JG_NET_LAPLACIAN};
    wide w;
    wide_call c;
    jg_net_options o;
    int b, prec, k;
    char what[64];
    wide_make(&w, widths[_i]);
    for (prec = JG_NET_DOUBLE; prec <= JG_NET_FLOAT; prec++)
        for (b = 0; b < 2; b++) {
            jg_net *net = NULL;
            o.precision = prec;
            o.backend = b;
            ck_assert_msg(jg_net_open(w.spec, &o, &net) == JG_NET_OK, "%s", jg_net_errmsg(net));
            for (k = 0; k < 3; k++) {
                memset(&c, 0, sizeof c);
                c.net = net;
                c.mode = modes[k];
                c.tol = prec == JG_NET_FLOAT ? 1e-4 : 0;
                snprintf(what, sizeof what, "%s, %s, mode %d", b ? "executor" : "JIT",
                         prec == JG_NET_FLOAT ? "float" : "double", modes[k]);
                wide_check(&w, &c, what);
            }
            jg_net_free(net);
        }
    free(w.w1); free(w.b1); free(w.w2);
}
END_TEST

/* The emitted file and the single header, compiled by gcc into a shared
   object: the plain functions and the _work ones, in a 256 KiB thread. */
START_TEST(wide_emitted)
{
    static const char *const fns[3] = {"hessian", "hessian_diag", "laplacian"};
    wide w;
    int f, k;
    wide_make(&w, widths[_i]);
    for (f = 0; f < 4; f++) {       /* file, single header; double, float */
        const char *dir = tu_tmpdir(), *prec = f < 2 ? "double" : "float";
        char cmd[4096], so[1024], name[64], what[96];
        void *lib;
        wide_call c;
        bytes_fn bytes;
        void *sym;
        snprintf(so, sizeof so, "%s/wide.so", dir);
        if (f % 2 == 0)
            snprintf(cmd, sizeof cmd, "'%s' emit '%s' -o '%s/wide.c' --prefix wide --precision %s "
                     "--hessian full,diag,laplacian && gcc -std=c99 -O2 -Wall -Wextra -pedantic -Werror -shared "
                     "-fPIC '%s/wide.c' -o '%s' -lm", getenv("JETGEN"), w.spec, dir, prec, dir, so);
        else
            snprintf(cmd, sizeof cmd, "'%s' emit '%s' --single-header '%s/wide.h' --prefix wide --precision %s "
                     "--hessian full,diag,laplacian && printf '#define WIDE_IMPLEMENTATION\\n#include "
                     "\"wide.h\"\\n' > '%s/w.c' && gcc -std=c99 -O2 -Wall -Wextra -pedantic -Werror -shared -fPIC "
                     "-I'%s' '%s/w.c' -o '%s' -lm", getenv("JETGEN"), w.spec, dir, prec, dir, dir, dir, so);
        ck_assert_msg(tu_run(cmd) == 0, "%s", cmd);
        lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
        ck_assert_msg(lib != NULL, "%s", dlerror());
        sym = dlsym(lib, "wide_work_bytes");
        memcpy(&bytes, &sym, sizeof sym);
        for (k = 0; k < 3; k++) {
            memset(&c, 0, sizeof c);
            c.tol = f < 2 ? 0 : 1e-4;
            snprintf(name, sizeof name, "wide_%s", fns[k]);
            sym = dlsym(lib, name);
            ck_assert_ptr_nonnull(sym);
            if (f < 2)
                memcpy(&c.plain, &sym, sizeof sym);
            else
                memcpy(&c.plain_f, &sym, sizeof sym);
            snprintf(what, sizeof what, "%s in %s, %s, plain", f % 2 ? "single header" : "file", prec, name);
            wide_check(&w, &c, what);
            memset(&c, 0, sizeof c);
            c.tol = f < 2 ? 0 : 1e-4;
            c.work_bytes = bytes();
            snprintf(name, sizeof name, "wide_%s_work", fns[k]);
            sym = dlsym(lib, name);
            ck_assert_ptr_nonnull(sym);
            if (f < 2)
                memcpy(&c.with_work, &sym, sizeof sym);
            else
                memcpy(&c.with_work_f, &sym, sizeof sym);
            snprintf(what, sizeof what, "%s in %s, %s", f % 2 ? "single header" : "file", prec, name);
            wide_check(&w, &c, what);
        }
        dlclose(lib);
    }
    free(w.w1); free(w.b1); free(w.w2);
}
END_TEST

/* jetgen eval on the widest networks: the CLI goes through the library. */
START_TEST(wide_cli)
{
    wide w;
    char cmd[4096], out[1024];
    double want[3], got[3];
    FILE *fp;
    wide_make(&w, widths[_i]);
    snprintf(out, sizeof out, "%s/eval.json", tu_tmpdir());
    snprintf(cmd, sizeof cmd, "echo 0.3 | '%s' eval '%s' --format json > '%s'", getenv("JETGEN"), w.spec, out);
    ck_assert_int_eq(tu_run(cmd), 0);
    fp = fopen(out, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fscanf(fp, "{\"points\": [[%*g]],\n \"u\": [[%lg]],\n \"du\": [[[%lg]]],\n \"d2u\": [[[[%lg]]]]}",
                            &got[0], &got[1], &got[2]), 3);
    fclose(fp);
    wide_oracle(&w, 0.3, want);
    ck_assert_msg(fabs(got[0] - want[0]) <= 1e-12 * (fabs(want[0]) + 1), "u %.17g %.17g", got[0], want[0]);
    ck_assert_msg(fabs(got[1] - want[1]) <= 1e-12 * (fabs(want[1]) + 1), "du %.17g %.17g", got[1], want[1]);
    ck_assert_msg(fabs(got[2] - want[2]) <= 1e-12 * (fabs(want[2]) + 1), "d2u %.17g %.17g", got[2], want[2]);
    free(w.w1); free(w.b1); free(w.w2);
}
END_TEST

/* emit through the handle: the bytes of `jetgen emit` without command. */
START_TEST(emit_text)
{
    jg_net *net = tu_open_net("pinn-xt", JG_NET_DOUBLE, JG_NET_EXECUTOR);
    jg_net_emit_options o = {JG_NET_EMIT_SOURCE, "xt", JG_NET_EMIT_HESSIAN | JG_NET_EMIT_LAPLACIAN, NULL};
    char *text = NULL;
    size_t len = 0;
    ck_assert_int_eq(jg_net_emit(net, &o, &text, &len), JG_NET_OK);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert(strstr(text, "void xt_hessian_work(size_t n") != NULL);
    ck_assert(strstr(text, "void xt_laplacian(size_t n") != NULL);
    ck_assert(strstr(text, "xt_hessian_diag") == NULL);
    jg_net_free_text(text);
    o.form = JG_NET_EMIT_HEADER;
    ck_assert_int_eq(jg_net_emit(net, &o, &text, &len), JG_NET_OK);
    ck_assert(strstr(text, "#define XT_WORK_BYTES") != NULL);
    jg_net_free_text(text);
    o.prefix = "9bad";
    ck_assert_int_eq(jg_net_emit(net, &o, &text, &len), JG_NET_EINPUT);
    ck_assert_ptr_null(text);
    ck_assert_msg(strstr(jg_net_errmsg(net), "prefix '9bad'") != NULL, "%s", jg_net_errmsg(net));
    jg_net_free(net);
}
END_TEST

/* jg_net_gradient_float of a float handle: within 1e-5 normwise of the
   double handle's jg_net_gradient (itself held to PyTorch's by
   tests/gradients.py), in every mode, with dL/dx (a double handle is
   refused: test_misuse.c). */
START_TEST(float_gradients)
{
    enum { N = 53 };
    jg_net *nd = tu_open_net("pinn-xt", JG_NET_DOUBLE, JG_NET_EXECUTOR);
    jg_net *nf = tu_open_net("pinn-xt", JG_NET_FLOAT, JG_NET_EXECUTOR);
    const size_t ng = jg_net_n_grad(nd);
    static double x[N * 2], gu[N], gdu[N * 2], gd2[N * 4], gx[N * 2];
    static float xf[N * 2], guf[N], gduf[N * 2], gd2f[N * 4], gxf[N * 2];
    double *g = malloc(ng * sizeof *g), *gf = malloc(ng * sizeof *gf);
    size_t k;
    int mode;
    ck_assert_uint_eq(jg_net_n_grad(nf), ng);
    for (k = 0; k < N * 4; k++) {
        if (k < N * 2)
            xf[k] = (float)sin(0.7 * (double)k), gduf[k] = (float)cos(0.3 * (double)k);
        if (k < N)
            guf[k] = (float)(0.1 * (double)k - 1);
        gd2f[k] = (float)sin(1.3 * (double)k);
    }
    for (k = 0; k < N * 4; k++) {       /* the same numbers in double */
        if (k < N * 2)
            x[k] = xf[k], gdu[k] = gduf[k];
        if (k < N)
            gu[k] = guf[k];
        gd2[k] = gd2f[k];
    }
    for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++) {
        double big = 0, off = 0, bigx = 0, offx = 0;
        ck_assert_int_eq(jg_net_gradient(nd, mode, N, x, gu, gdu, gd2, g, gx), JG_NET_OK);
        ck_assert_int_eq(jg_net_gradient_float(nf, mode, N, xf, guf, gduf, gd2f, gf, gxf), JG_NET_OK);
        for (k = 0; k < ng; k++) {
            big = fmax(big, fabs(g[k]));
            off = fmax(off, fabs(g[k] - gf[k]));
        }
        for (k = 0; k < N * 2; k++) {
            bigx = fmax(bigx, fabs(gx[k]));
            offx = fmax(offx, fabs(gx[k] - gxf[k]));
        }
        ck_assert_msg(off <= 1e-5 * big && offx <= 1e-5 * bigx, "mode %d: float gradients %g, %g off (of %g, %g)",
                      mode, off, offx, big, bigx);
    }
    free(g);
    free(gf);
    jg_net_free(nd);
    jg_net_free(nf);
}
END_TEST

/* One forward a training step: jg_net_forward_tape's results are
   jg_net_run's, and jg_net_gradient_tape's gradients jg_net_gradient's, to
   the bit, in every mode, twice from one tape; after jg_net_set_tensor the
   tape is refused. */
START_TEST(tape_gradients)
{
    enum { N = 37 };
    jg_net *net = tu_open_net("pinn-xt", JG_NET_DOUBLE, JG_NET_EXECUTOR);
    const size_t ng = jg_net_n_grad(net);
    static double x[N * 2], u[2][N], du[2][N * 2], d2[2][N * 4], gu[N], gdu[N * 2], gd2[N * 4];
    double *g1 = malloc(ng * sizeof *g1), *g2 = malloc(ng * sizeof *g2), gx1[N * 2], gx2[N * 2], b = 0.5;
    jg_net_tape *tape = NULL;
    size_t k;
    int mode;
    for (k = 0; k < N * 4; k++) {
        if (k < N * 2)
            x[k] = sin(0.7 * (double)k), gdu[k] = cos(0.3 * (double)k);
        if (k < N)
            gu[k] = 0.1 * (double)k - 1;
        gd2[k] = sin(1.3 * (double)k);
    }
    ck_assert(jg_net_tape_bytes(net, JG_NET_HESSIAN, N) > N * sizeof(double));
    /* what a tape saves: the hidden layers [2 -> 20, 20 -> 20, 20 -> 20],
       points in lanes (no padding), on 1, 3, 6, 5 (x and t), 4 channels; the
       last layer's product is not computed again */
    {
        static const size_t channels[] = {1, 3, 6, 5, 4};
        for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++)
            ck_assert_uint_eq(jg_net_recompute_flops(net, mode), 2 * channels[mode] * 20 * (2 + 20 + 20));
    }
    for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++) {
        ck_assert_int_eq(jg_net_forward_tape(net, mode, N, x, u[0], du[0], d2[0], &tape), JG_NET_OK);
        ck_assert_int_eq(jg_net_run(net, mode, N, x, u[1], du[1], d2[1]), JG_NET_OK);
        ck_assert_msg(memcmp(u[0], u[1], sizeof u[0]) == 0, "mode %d: the tape's forward gives other u", mode);
        ck_assert_int_eq(jg_net_gradient(net, mode, N, x, gu, gdu, gd2, g1, gx1), JG_NET_OK);
        for (k = 0; k < 2; k++) {
            ck_assert_int_eq(jg_net_gradient_tape(net, tape, gu, gdu, gd2, g2, gx2), JG_NET_OK);
            ck_assert_msg(memcmp(g1, g2, ng * sizeof *g1) == 0 && memcmp(gx1, gx2, sizeof gx1) == 0,
                          "mode %d: gradients from the tape differ", mode);
        }
        jg_net_tape_free(tape);
    }
    ck_assert_int_eq(jg_net_forward_tape(net, JG_NET_HESSIAN, N, x, NULL, NULL, NULL, &tape), JG_NET_OK);
    ck_assert_int_eq(jg_net_set_tensor(net, "linears.6.bias", &b, 1), JG_NET_OK);
    ck_assert_int_eq(jg_net_gradient_tape(net, tape, gu, gdu, gd2, g2, gx2), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(net), "make a new one") != NULL, "%s", jg_net_errmsg(net));
    jg_net_tape_free(tape);
    free(g1);
    free(g2);
    jg_net_free(net);
}
END_TEST

/* The same of a float handle: jg_net_forward_tape_float and
   jg_net_gradient_tape_float give jg_net_run_float's results and
   jg_net_gradient_float's gradients to the bit (each handle refusing the
   other precision's pair is test_misuse's). */
START_TEST(tape_gradients_float)
{
    enum { N = 37 };
    jg_net *net = tu_open_net("pinn-xt", JG_NET_FLOAT, JG_NET_EXECUTOR);
    jg_net *dn = tu_open_net("pinn-xt", JG_NET_DOUBLE, JG_NET_EXECUTOR);
    const size_t ng = jg_net_n_grad(net);
    static float x[N * 2], u[2][N], du[2][N * 2], d2[2][N * 4], gu[N], gdu[N * 2], gd2[N * 4], gx1[N * 2],
        gx2[N * 2];
    double *g1 = malloc(ng * sizeof *g1), *g2 = malloc(ng * sizeof *g2);
    jg_net_tape *tape = NULL;
    size_t k;
    int mode;
    for (k = 0; k < N * 4; k++) {
        if (k < N * 2)
            x[k] = (float)sin(0.7 * (double)k), gdu[k] = (float)cos(0.3 * (double)k);
        if (k < N)
            gu[k] = (float)(0.1 * (double)k - 1);
        gd2[k] = (float)sin(1.3 * (double)k);
    }
    ck_assert(jg_net_tape_bytes(net, JG_NET_HESSIAN, N) > N * sizeof(float)
              && jg_net_tape_bytes(net, JG_NET_HESSIAN, N) < jg_net_tape_bytes(dn, JG_NET_HESSIAN, N));
    for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++) {
        ck_assert_int_eq(jg_net_forward_tape_float(net, mode, N, x, u[0], du[0], d2[0], &tape), JG_NET_OK);
        ck_assert_int_eq(jg_net_run_float(net, mode, N, x, u[1], du[1], d2[1]), JG_NET_OK);
        ck_assert_msg(memcmp(u[0], u[1], sizeof u[0]) == 0, "mode %d: the tape's forward gives other u", mode);
        ck_assert_int_eq(jg_net_gradient_float(net, mode, N, x, gu, gdu, gd2, g1, gx1), JG_NET_OK);
        for (k = 0; k < 2; k++) {
            ck_assert_int_eq(jg_net_gradient_tape_float(net, tape, gu, gdu, gd2, g2, gx2), JG_NET_OK);
            ck_assert_msg(memcmp(g1, g2, ng * sizeof *g1) == 0 && memcmp(gx1, gx2, sizeof gx1) == 0,
                          "mode %d: gradients from the float tape differ", mode);
        }
        jg_net_tape_free(tape);
    }
    free(g1);
    free(g2);
    jg_net_free(net);
    jg_net_free(dn);
}
END_TEST

/* A wide output in rows, over many tiles, in double (_i = 0) and float:
   the tape keeps no copy of the output (seed-pinn's 501 outputs, most of a
   Hessian tape, are only copied to u, du, d2), and the next tile's values
   are written over where it would be; the results are jg_net_run's and
   the gradients jg_net_gradient's, to the bit. */
START_TEST(tape_gradients_wide_output)
{
    enum { N = 301, NO = 501 };
    const int is_float = _i == 1;
    jg_net *net = tu_open_net("seed-pinn", is_float ? JG_NET_FLOAT : JG_NET_DOUBLE, JG_NET_EXECUTOR);
    const size_t ng = jg_net_n_grad(net), real = is_float ? sizeof(float) : sizeof(double);
    static double x[N], u[2][N * NO], du[2][N * NO], d2[2][N * NO], gx[2][N];
    static float xf[N], uf[2][N * NO], duf[2][N * NO], d2f[2][N * NO], gxf[2][N];
    double *g1 = alloc(ng), *g2 = alloc(ng);
    jg_net_tape *tape = NULL;
    size_t k;
    int mode;
    for (k = 0; k < N; k++)
        xf[k] = (float)(x[k] = sin(0.7 * (double)k));
    /* less than the output's three channels alone (the whole would be 2.4 times them) */
    ck_assert_uint_lt(jg_net_tape_bytes(net, JG_NET_HESSIAN, N), 3 * N * NO * real);
    for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++) {
        if (is_float) {
            ck_assert_int_eq(jg_net_forward_tape_float(net, mode, N, xf, uf[0], duf[0], d2f[0], &tape), JG_NET_OK);
            ck_assert_int_eq(jg_net_run_float(net, mode, N, xf, uf[1], duf[1], d2f[1]), JG_NET_OK);
            ck_assert(memcmp(uf[0], uf[1], sizeof uf[0]) == 0 && memcmp(duf[0], duf[1], sizeof duf[0]) == 0
                      && memcmp(d2f[0], d2f[1], sizeof d2f[0]) == 0);
            for (k = 0; k < N * NO; k++)        /* cotangents: the results */
                duf[1][k] = mode >= 1 ? duf[0][k] : 0, d2f[1][k] = mode >= 2 ? d2f[0][k] : 0;
            ck_assert_int_eq(jg_net_gradient_float(net, mode, N, xf, uf[0], duf[1], d2f[1], g1, gxf[0]), JG_NET_OK);
            ck_assert_int_eq(jg_net_gradient_tape_float(net, tape, uf[0], duf[1], d2f[1], g2, gxf[1]), JG_NET_OK);
            ck_assert(memcmp(gxf[0], gxf[1], sizeof gxf[0]) == 0);
        } else {
            ck_assert_int_eq(jg_net_forward_tape(net, mode, N, x, u[0], du[0], d2[0], &tape), JG_NET_OK);
            ck_assert_int_eq(jg_net_run(net, mode, N, x, u[1], du[1], d2[1]), JG_NET_OK);
            ck_assert(memcmp(u[0], u[1], sizeof u[0]) == 0 && memcmp(du[0], du[1], sizeof du[0]) == 0
                      && memcmp(d2[0], d2[1], sizeof d2[0]) == 0);
            for (k = 0; k < N * NO; k++)
                du[1][k] = mode >= 1 ? du[0][k] : 0, d2[1][k] = mode >= 2 ? d2[0][k] : 0;
            ck_assert_int_eq(jg_net_gradient(net, mode, N, x, u[0], du[1], d2[1], g1, gx[0]), JG_NET_OK);
            ck_assert_int_eq(jg_net_gradient_tape(net, tape, u[0], du[1], d2[1], g2, gx[1]), JG_NET_OK);
            ck_assert(memcmp(gx[0], gx[1], sizeof gx[0]) == 0);
        }
        ck_assert_msg(memcmp(g1, g2, ng * sizeof *g1) == 0, "mode %d: gradients from the tape differ", mode);
        jg_net_tape_free(tape);
    }
    free(g1);
    free(g2);
    jg_net_free(net);
}
END_TEST

/* The library without libtcc inside a shared object (tests/core_probe.c):
   jg_net_load runs the executor there, with PyTorch's numbers. */
START_TEST(core_shared_object)
{
    typedef int (*probe_fn)(const char *, size_t, const double *, double *, double *, double *, int *,
                            char *, size_t);
    void *lib = dlopen(getenv("JG_CORE_PROBE"), RTLD_NOW | RTLD_LOCAL), *sym;
    probe_fn probe;
    char path[1024], msg[4096];
    tu_reference r;
    double *u, *du, *d2u;
    int backend = -1;
    size_t p;
    ck_assert_msg(lib != NULL, "%s", dlerror());
    sym = dlsym(lib, "core_probe");
    ck_assert_ptr_nonnull(sym);
    memcpy(&probe, &sym, sizeof sym);
    snprintf(path, sizeof path, "%s/seed-pinn/expected-f64.json", tu_data_dir());
    tu_reference_load(&r, path);
    u = alloc(r.n * r.n_out);
    du = alloc(r.n * r.n_out);
    d2u = alloc(r.n * r.n_out);
    snprintf(path, sizeof path, "%s/seed-pinn/model.spec", tu_data_dir());
    ck_assert_msg(probe(path, r.n, r.x, u, du, d2u, &backend, msg, sizeof msg) == JG_NET_OK, "%s", msg);
    ck_assert_int_eq(backend, JG_NET_EXECUTOR);
    for (p = 0; p < r.n; p++) {
        const size_t no = r.n_out;
        ck_assert(tu_normwise(u + p * no, r.u + p * no, no) <= TOL);
        ck_assert(tu_normwise(du + p * no, r.du + p * no, no) <= TOL);
        ck_assert(tu_normwise(d2u + p * no, r.d2u + p * no, no) <= TOL);
    }
    ck_assert_int_ne(probe(tu_path(tu_tmpdir(), "none.spec"), 1, r.x, u, du, d2u, &backend, msg, sizeof msg),
                     JG_NET_OK);
    ck_assert_msg(strstr(msg, "none.spec") != NULL, "%s", msg);
    free(u);
    free(du);
    free(d2u);
    tu_reference_free(&r);
    dlclose(lib);
}
END_TEST

/* The points and cotangents of lanes_match_rows and
   gradient_is_the_sum_of_the_points, in double and the same numbers in
   float: x [n_x], cot[k] [len[k]] (k = 0, 1, 2); freed by free_inputs. */
static void make_inputs(size_t n_x, const size_t *len, double **x, float **fx, double **cot, float **fcot)
{
    size_t k, i;
    *x = alloc(n_x);
    *fx = malloc(n_x * sizeof **fx);
    for (k = 0; k < n_x; k++)
        (*fx)[k] = (float)((*x)[k] = sin(0.37 * (double)k) * 1.2);
    for (k = 0; k < 3; k++) {
        cot[k] = alloc(len[k]);
        fcot[k] = malloc(len[k] * sizeof *fcot[k]);
        for (i = 0; i < len[k]; i++)
            fcot[k][i] = (float)(cot[k][i] = cos(0.11 * (double)(i + 7 * k)));
    }
}

static void free_inputs(double *x, float *fx, double **cot, float **fcot)
{
    int k;
    for (k = 0; k < 3; k++) {
        free(cot[k]);
        free(fcot[k]);
    }
    free(x);
    free(fx);
}

/* Points in lanes (the executor's layout for narrow networks, gen/plan.h)
   give the row layout's numbers: every mode's results and gradients, in
   double and float, for pinn-xt (20 wide) and a graph of slices,
   concatenations, sums and products over chosen inputs, on 300 points
   (tiles of 32 and 64 points and a part of one; more than the 256 points
   a partial sum of gradients holds). The rows are held to the oracles
   elsewhere; here they are the oracle of the layout. */
START_TEST(lanes_match_rows)
{
    enum { N = 300 };
    static const char graph[] =
        "format 3\ninput x y t\nweights %s/../golden/layers.safetensors\nover x t\n"
        "c0 = cat input t\nU0 = dense 4 net.0 c0\nU = tanh U0\nV0 = dense 4 net.1 c0\nV = sigmoid V0\n"
        "z = dense 4 net.2 c0\nZ = tanh z\na = mul Z U\nb = mul Z V\nh = add a b\n"
        "h2 = matmul 4 net.3.weight h\ng = sub h2 U\np = pow g n=2\nc = cat p x\ns = slice c 1 5\n"
        "o = dense 2 net.4 s\nu = mul o o\noutput u\n";
    char path[2][1024], text[2048];
    int which, prec, mode, layout;
    snprintf(path[0], sizeof path[0], "%s/pinn-xt/model.spec", tu_data_dir());
    snprintf(path[1], sizeof path[1], "%s", tu_path(tu_tmpdir(), "lanes.spec"));
    snprintf(text, sizeof text, graph, tu_data_dir());
    tu_write_file(path[1], text, strlen(text));
    for (which = 0; which < 2; which++)
        for (prec = 0; prec < 2; prec++) {
            jg_net *net[2];
            jg_net_options o;
            size_t ni, no, ng, k, len[3];
            double *r[2][3], *g[2], *gx[2], *x, *cot[3];
            float *fr[2][3], *fgx[2], *fx, *fcot[3];
            o.precision = prec ? JG_NET_FLOAT : JG_NET_DOUBLE;
            o.backend = JG_NET_EXECUTOR;
            for (layout = 0; layout < 2; layout++) {     /* 0 lanes, 1 rows */
                if (layout == 1)
                    setenv("JETGEN_LANES", "0", 1);
                ck_assert_msg(jg_net_open(path[which], &o, &net[layout]) == JG_NET_OK, "%s",
                              jg_net_errmsg(net[layout]));
                unsetenv("JETGEN_LANES");
            }
            ck_assert_uint_eq(jg_net_tile_points(net[0], JG_NET_HESSIAN), prec ? 64 : 32);
            ck_assert_uint_ne(jg_net_tile_points(net[1], JG_NET_HESSIAN), prec ? 64 : 32);
            ni = jg_net_n_in(net[0]);
            no = jg_net_n_out(net[0]);
            ng = jg_net_n_grad(net[0]);
            len[0] = N * no;
            len[1] = N * no * ni;
            len[2] = N * no * ni * ni;
            make_inputs(N * ni, len, &x, &fx, cot, fcot);
            for (layout = 0; layout < 2; layout++) {
                for (k = 0; k < 3; k++) {
                    r[layout][k] = alloc(len[k]);
                    fr[layout][k] = malloc(len[k] * sizeof(float));
                }
                g[layout] = alloc(ng);
                gx[layout] = alloc(N * ni);
                fgx[layout] = malloc(N * ni * sizeof(float));
            }
            for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++) {
                const size_t n2 = mode == JG_NET_HESSIAN ? len[2] : mode == JG_NET_HESSIAN_DIAG ? N * no * jg_net_n_over(net[0])
                                : mode == JG_NET_LAPLACIAN ? N * no : 0;
                const double tol = prec ? 1e-5 : 1e-13;     /* float: the stated bound (tests/gradients.py) */
                double e[5];
                for (layout = 0; layout < 2; layout++) {
                    if (layout == 1)    /* the gradient's plan is made at its first call */
                        setenv("JETGEN_LANES", "0", 1);
                    if (prec) {
                        ck_assert_int_eq(jg_net_run_float(net[layout], mode, N, fx, fr[layout][0], fr[layout][1],
                                                          fr[layout][2]), JG_NET_OK);
                        ck_assert_int_eq(jg_net_gradient_float(net[layout], mode, N, fx, fcot[0],
                                                               mode >= 1 ? fcot[1] : NULL, n2 ? fcot[2] : NULL,
                                                               g[layout], fgx[layout]), JG_NET_OK);
                        for (k = 0; k < len[0]; k++)
                            r[layout][0][k] = fr[layout][0][k];
                        for (k = 0; k < len[1]; k++)
                            r[layout][1][k] = mode >= 1 ? fr[layout][1][k] : 0;
                        for (k = 0; k < n2; k++)
                            r[layout][2][k] = fr[layout][2][k];
                        for (k = 0; k < N * ni; k++)
                            gx[layout][k] = fgx[layout][k];
                    } else {
                        ck_assert_int_eq(jg_net_run(net[layout], mode, N, x, r[layout][0], r[layout][1],
                                                    r[layout][2]), JG_NET_OK);
                        ck_assert_int_eq(jg_net_gradient(net[layout], mode, N, x, cot[0],
                                                         mode >= 1 ? cot[1] : NULL, n2 ? cot[2] : NULL, g[layout],
                                                         gx[layout]), JG_NET_OK);
                    }
                    unsetenv("JETGEN_LANES");
                }
                e[0] = tu_normwise(r[0][0], r[1][0], len[0]);
                e[1] = mode >= 1 ? tu_normwise(r[0][1], r[1][1], len[1]) : 0;
                e[2] = n2 ? tu_normwise(r[0][2], r[1][2], n2) : 0;
                e[3] = tu_normwise(g[0], g[1], ng);
                e[4] = tu_normwise(gx[0], gx[1], N * ni);
                for (k = 0; k < 5; k++)
                    ck_assert_msg(e[k] <= tol, "%s, %s, mode %d: %s of points in lanes off the rows' by %.3g",
                                  which ? "graph" : "pinn-xt", prec ? "float" : "double", mode,
                                  (const char *[]){"u", "du", "d2", "gradient", "dL/dx"}[k], e[k]);
            }
            for (layout = 0; layout < 2; layout++) {
                for (k = 0; k < 3; k++) {
                    free(r[layout][k]);
                    free(fr[layout][k]);
                }
                free(g[layout]);
                free(gx[layout]);
                free(fgx[layout]);
                jg_net_free(net[layout]);
            }
            free_inputs(x, fx, cot, fcot);
        }
}
END_TEST

/* The gradients of n points are the sum of each point's alone, in every
   mode, points in lanes and in rows, double and float, without a tape and
   from one: a reverse sweep of many tiles leaves no tile's adjoints to
   the next (a sweep of dense, activation and scale steps zeroes them once,
   not once a tile; grad.c, clears), and a one-point call is one tile of
   its own. pinn-xt (lanes: 32 and 64 points a tile) and a [4,4,4,4]
   network with a scale, sigmoid, tanh and a final sin (rows), on 150
   points. */
START_TEST(gradient_is_the_sum_of_the_points)
{
    enum { N = 150 };
    static const char spec[] = "input x y z t\nweights %s/../golden/layers.safetensors\nover x t\n"
                               "scale 0.5 -1\ndense 4 net.0\nsigmoid\ndense 4 net.1\ntanh\ndense 4 net.2\nsin\n";
    char path[2][1024], text[1024];
    int which, prec, mode, layout, taped;
    snprintf(path[0], sizeof path[0], "%s/pinn-xt/model.spec", tu_data_dir());
    snprintf(path[1], sizeof path[1], "%s", tu_path(tu_tmpdir(), "sum.spec"));
    snprintf(text, sizeof text, spec, tu_data_dir());
    tu_write_file(path[1], text, strlen(text));
    for (which = 0; which < 2; which++)
        for (prec = 0; prec < 2; prec++)
            for (layout = 0; layout < 2; layout++) {
                jg_net_options o;
                jg_net *net;
                size_t ni, no, ng, k, p, len[3];
                double *x, *cot[3], *g, *sum, *one;
                float *fx, *fcot[3];
                o.precision = prec ? JG_NET_FLOAT : JG_NET_DOUBLE;
                o.backend = JG_NET_EXECUTOR;
                if (layout == 1)
                    setenv("JETGEN_LANES", "0", 1);
                ck_assert_msg(jg_net_open(path[which], &o, &net) == JG_NET_OK, "%s", jg_net_errmsg(net));
                ni = jg_net_n_in(net);
                no = jg_net_n_out(net);
                ng = jg_net_n_grad(net);
                len[0] = N * no;
                len[1] = N * no * ni;
                len[2] = N * no * ni * ni;
                make_inputs(N * ni, len, &x, &fx, cot, fcot);
                g = alloc(ng);
                sum = alloc(ng);
                one = alloc(ng);
                for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++)
                    for (taped = 0; taped < 2; taped++) {
                        const size_t per2 = mode == JG_NET_HESSIAN ? ni * ni
                                          : mode == JG_NET_HESSIAN_DIAG ? jg_net_n_over(net) : 1;
                        const size_t l2 = mode >= JG_NET_HESSIAN ? no * per2 : 0;
                        double e;
                        memset(sum, 0, ng * sizeof *sum);
                        for (p = 0; p <= N; p++) {      /* p = N: all points at once into g */
                            const size_t at = p < N ? p : 0, n = p < N ? 1 : N;
                            double *to = p < N ? one : g;
                            jg_net_tape *tape = NULL;
                            int rc;
                            if (prec && taped) {
                                ck_assert_int_eq(jg_net_forward_tape_float(net, mode, n, fx + at * ni, NULL, NULL,
                                                                           NULL, &tape), JG_NET_OK);
                                rc = jg_net_gradient_tape_float(net, tape, fcot[0] + at * no,
                                                                mode >= 1 ? fcot[1] + at * no * ni : NULL,
                                                                l2 ? fcot[2] + at * l2 : NULL, to, NULL);
                            } else if (prec) {
                                rc = jg_net_gradient_float(net, mode, n, fx + at * ni, fcot[0] + at * no,
                                                           mode >= 1 ? fcot[1] + at * no * ni : NULL,
                                                           l2 ? fcot[2] + at * l2 : NULL, to, NULL);
                            } else if (taped) {
                                ck_assert_int_eq(jg_net_forward_tape(net, mode, n, x + at * ni, NULL, NULL, NULL,
                                                                     &tape), JG_NET_OK);
                                rc = jg_net_gradient_tape(net, tape, cot[0] + at * no,
                                                          mode >= 1 ? cot[1] + at * no * ni : NULL,
                                                          l2 ? cot[2] + at * l2 : NULL, to, NULL);
                            } else {
                                rc = jg_net_gradient(net, mode, n, x + at * ni, cot[0] + at * no,
                                                     mode >= 1 ? cot[1] + at * no * ni : NULL,
                                                     l2 ? cot[2] + at * l2 : NULL, to, NULL);
                            }
                            ck_assert_int_eq(rc, JG_NET_OK);
                            jg_net_tape_free(tape);
                            for (k = 0; p < N && k < ng; k++)
                                sum[k] += one[k];
                        }
                        e = tu_normwise(g, sum, ng);
                        ck_assert_msg(e <= (prec ? 1e-5 : 1e-13), "%s, %s, %s, mode %d%s: the gradient of %d "
                                      "points is off the sum of each one's by %.3g", which ? "rows net" : "pinn-xt",
                                      prec ? "float" : "double", layout ? "rows" : "lanes", mode,
                                      taped ? ", taped" : "", N, e);
                    }
                unsetenv("JETGEN_LANES");
                free_inputs(x, fx, cot, fcot);
                free(g);
                free(sum);
                free(one);
                jg_net_free(net);
            }
}
END_TEST

/* What a handle says it holds, as `jetgen check` prints it; the list of
   activations; a spec from a weights file. pinn-xt is 2 -> 20 -> 20 -> 20
   -> 1 tanh, float32 weights with biases (tests/data/pinn-xt/model.spec). */
START_TEST(introspection)
{
    jg_net *net = tu_open_net("pinn-xt", JG_NET_DOUBLE, JG_NET_EXECUTOR);
    jg_net_layer l;
    char path[1024], *text = NULL, *msg = NULL;
    size_t i, len = 0;
    ck_assert_uint_eq(jg_net_n_layers(net), 7);
    ck_assert_int_eq(jg_net_layer_info(net, 0, &l), JG_NET_OK);
    ck_assert_str_eq(l.kind, "dense");
    ck_assert_str_eq(l.tensor, "linears.0");
    ck_assert_str_eq(l.dtype, "F32");
    ck_assert(l.has_bias && l.n_out == 20 && l.n_in == 2 && l.n_params == 60 && l.line == 4);
    ck_assert_int_eq(jg_net_layer_info(net, 1, &l), JG_NET_OK);
    ck_assert_str_eq(l.kind, "tanh");
    ck_assert(l.tensor == NULL && l.n_params == 0 && l.n_args == 0);
    ck_assert_int_eq(jg_net_layer_info(net, 7, &l), JG_NET_EINPUT);
    ck_assert_uint_eq(jg_net_n_params(net), 60 + 420 + 420 + 21);
    /* eval: 2 * (2*20 + 20*20 + 20*20 + 20*1) multiply-adds, 61 biases, 60 tanh */
    ck_assert_msg(jg_net_flops(net, JG_NET_EVAL) == 2.0 * 860 + 61 + 60, "%g", jg_net_flops(net, JG_NET_EVAL));
    /* the executor's narrow network: points in lanes, 256 bytes of them */
    ck_assert_uint_eq(jg_net_tile_points(net, JG_NET_HESSIAN), 32);
    ck_assert_int_eq(jg_net_plain_allocates(net), 0);
    ck_assert(strstr(jg_net_weights_path(net), "pinn-xt/model.safetensors") != NULL);
    ck_assert_str_eq(jg_net_input_name(net, 0), "x");
    ck_assert_str_eq(jg_net_input_name(net, 1), "t");
    ck_assert_ptr_null(jg_net_input_name(net, 2));
    jg_net_free(net);
    for (i = 0; jg_activation_name(i) != NULL; i++)
        ;
    ck_assert_uint_eq(i, 20);      /* gen/activations.h: 19 and pow */
    ck_assert_str_eq(jg_activation_name(0), "tanh");
    snprintf(path, sizeof path, "%s/pinn-xt/model.safetensors", tu_data_dir());
    ck_assert_int_eq(jg_spec_from_weights(path, "silu", &text, &len, &msg), JG_NET_OK);
    ck_assert_msg(strstr(text, "input 2\nweights model.safetensors\ndense 20 linears.0\nsilu\n") != NULL, "%s",
                  text);
    ck_assert_uint_eq(strlen(text), len);
    jg_net_free_text(text);
    ck_assert_int_eq(jg_spec_from_weights(path, "tahn", &text, &len, &msg), JG_NET_EINPUT);
    ck_assert_ptr_null(text);
    ck_assert_msg(strstr(msg, "'tahn' is not an activation") != NULL, "%s", msg);
    jg_net_free_text(msg);
    ck_assert_int_eq(jg_spec_from_weights(tu_path(tu_tmpdir(), "none.safetensors"), "tanh", &text, NULL, &msg),
                     JG_NET_EINPUT);
    ck_assert_msg(strstr(msg, "none.safetensors") != NULL, "%s", msg);
    jg_net_free_text(msg);
}
END_TEST

/* In float, a weight or scale constant beyond float's range is refused
   with its tensor and line (it used to reach the emitted code as inf.0f);
   in double it is fine. Through the library and `jetgen emit`. */
START_TEST(float_range)
{
    const char *dir = tu_tmpdir();
    static const double w[2] = {1e300, 0.5}, b[2] = {0.0, 0.0}, w2[2] = {1.0, 1.0};
    tu_tensor t[3];
    char spec[1024], st[1024], cmd[4096], *err;
    jg_net_options o;
    jg_net *net = NULL;
    t[0].name = "l0.weight"; t[0].dtype = "F64"; t[0].rank = 2; t[0].shape[0] = 2; t[0].shape[1] = 1;
    t[0].data = w;
    t[1].name = "l0.bias"; t[1].dtype = "F64"; t[1].rank = 1; t[1].shape[0] = 2; t[1].data = b;
    t[2].name = "l1.weight"; t[2].dtype = "F64"; t[2].rank = 2; t[2].shape[0] = 1; t[2].shape[1] = 2;
    t[2].data = w2;
    snprintf(st, sizeof st, "%s/w.safetensors", dir);
    tu_write_safetensors(st, t, 3);
    snprintf(spec, sizeof spec, "%s/big.spec", dir);
    tu_write_file(spec, "input 1\nweights w.safetensors\ndense 2 l0\ntanh\nscale 1e39\ndense 1 l1\n", 68);
    o.precision = JG_NET_DOUBLE;
    o.backend = JG_NET_EXECUTOR;
    ck_assert_msg(jg_net_open(spec, &o, &net) == JG_NET_OK, "%s", jg_net_errmsg(net));
    jg_net_free(net);
    o.precision = JG_NET_FLOAT;
    ck_assert_int_eq(jg_net_open(spec, &o, &net), JG_NET_EINPUT);
    ck_assert_msg(strstr(jg_net_errmsg(net), "big.spec:3: l0.weight holds 1e+300, beyond float's range") != NULL,
                  "%s", jg_net_errmsg(net));
    ck_assert_msg(strstr(jg_net_errmsg(net), "big.spec:5: scale's mul 1e+39 is beyond float's range") != NULL,
                  "%s", jg_net_errmsg(net));
    jg_net_free(net);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' emit big.spec --precision float -o big.c 2>err.txt; "
             "test $? = 1 && test ! -e big.c", dir, getenv("JETGEN"));
    ck_assert_int_eq(tu_run(cmd), 0);
    err = tu_read_file(tu_path(dir, "err.txt"), NULL);
    ck_assert_msg(err != NULL && strstr(err, "l0.weight holds 1e+300") != NULL, "%s", err ? err : "");
    free(err);
}
END_TEST

/* `over t`: hessian_diag and laplacian of the reference network over t
   alone, through the JIT and the executor, in double and float, are the
   t entries of the full Hessian; jg_net_n_over and jg_net_over_input say
   which. */
START_TEST(over_chosen_inputs)
{
    static const int backends[2] = {JG_NET_JIT, JG_NET_EXECUTOR};
    const char *dir = tu_tmpdir();
    char spec[2048];
    double x[6] = {0.1, 0.2, -0.5, 0.7, 0.9, -0.3}, u[3], du[6], h[12], dg[3], lap[3];
    jg_net *net;
    jg_net_options o;
    int b, k;
    snprintf(spec, sizeof spec, "input x t\nover t\nweights %s/pinn-xt/model.safetensors\ndense 20 linears.0\n"
             "tanh\ndense 20 linears.2\ntanh\ndense 20 linears.4\ntanh\ndense 1 linears.6\n", tu_data_dir());
    tu_write_file(tu_path(dir, "over.spec"), spec, strlen(spec));
    for (b = 0; b < 2; b++) {
        o.precision = JG_NET_DOUBLE;
        o.backend = backends[b];
        ck_assert_int_eq(jg_net_open(tu_path(dir, "over.spec"), &o, &net), JG_NET_OK);
        ck_assert_uint_eq(jg_net_n_over(net), 1);
        ck_assert_uint_eq(jg_net_over_input(net, 0), 1);
        ck_assert_uint_eq(jg_net_over_input(net, 1), (size_t)-1);
        ck_assert_int_eq(jg_net_hessian(net, 3, x, u, du, h), JG_NET_OK);
        ck_assert_int_eq(jg_net_hessian_diag(net, 3, x, u, du, dg), JG_NET_OK);
        for (k = 0; k < 3; k++)
            ck_assert_msg(fabs(dg[k] - h[4 * k + 3]) <= 1e-15 * (1 + fabs(h[4 * k + 3])), "diag %d", k);
        ck_assert_int_eq(jg_net_laplacian(net, 3, x, u, du, lap), JG_NET_OK);
        for (k = 0; k < 3; k++)
            ck_assert_msg(fabs(lap[k] - h[4 * k + 3]) <= 1e-15 * (1 + fabs(h[4 * k + 3])), "lap %d", k);
        jg_net_free(net);
    }
}
END_TEST

/* A graph that reads one tensor in two layers (a module used twice) and
   a matmul: jg_net_set_tensor changes every layer that reads it. The
   result is that of the same graph with two tensors, each holding the new
   numbers, loaded from a file. */
START_TEST(set_tensor_shared)
{
    static const double w[4] = {0.5, -1.0, 0.25, 2.0}, w_new[4] = {-0.75, 0.5, 1.5, 0.125};
    static const double b[2] = {0.1, -0.2}, m[4] = {1.0, 0.5, -0.5, 2.0}, m_new[4] = {0.3, -0.1, 0.2, 0.9};
    const char *dir = tu_tmpdir();
    tu_tensor t[6] = {{"d.weight", "F64", 2, {2, 2, 0, 0}, w}, {"d.bias", "F64", 1, {2, 0, 0, 0}, b},
                      {"e.weight", "F64", 2, {2, 2, 0, 0}, w_new}, {"e.bias", "F64", 1, {2, 0, 0, 0}, b},
                      {"M", "F64", 2, {2, 2, 0, 0}, m}, {"N", "F64", 2, {2, 2, 0, 0}, m_new}};
    const char *one = "format 3\ninput x y\nweights w.safetensors\na = dense 2 d input\nb = tanh a\n"
                      "c = dense 2 d b\nk = matmul 2 M c\nu = mul k b\noutput u\n";
    const char *two = "format 3\ninput x y\nweights w.safetensors\na = dense 2 e input\nb = tanh a\n"
                      "c = dense 2 e b\nk = matmul 2 N c\nu = mul k b\noutput u\n";
    double x[4] = {0.3, -0.4, 1.1, 0.2}, u1[4], du1[8], h1[16], u2[4], du2[8], h2[16];
    jg_net *n1, *n2;
    int k;
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, 6);
    tu_write_file(tu_path(dir, "one.spec"), one, strlen(one));
    tu_write_file(tu_path(dir, "two.spec"), two, strlen(two));
    ck_assert_int_eq(jg_net_load(tu_path(dir, "one.spec"), &n1), JG_NET_OK);
    ck_assert_int_eq(jg_net_load(tu_path(dir, "two.spec"), &n2), JG_NET_OK);
    ck_assert_int_eq(jg_net_set_tensor(n1, "d.weight", w_new, 4), JG_NET_OK);
    ck_assert_int_eq(jg_net_set_tensor(n1, "M", m_new, 4), JG_NET_OK);
    ck_assert_int_eq(jg_net_set_tensor(n1, "M", m_new, 3), JG_NET_EINPUT);
    ck_assert_int_eq(jg_net_hessian(n1, 2, x, u1, du1, h1), JG_NET_OK);
    ck_assert_int_eq(jg_net_hessian(n2, 2, x, u2, du2, h2), JG_NET_OK);
    for (k = 0; k < 4; k++)
        ck_assert(u1[k] == u2[k]);
    for (k = 0; k < 16; k++)
        ck_assert(h1[k] == h2[k]);
    jg_net_free(n1);
    jg_net_free(n2);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("net");
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, reference_double, 0, 4);
    tcase_add_loop_test(tc, reference_float, 0, 4);
    tcase_add_test(tc, bad_specs);
    tcase_add_test(tc, load_from_memory);
    tcase_add_test(tc, parallel_modes);
    tcase_add_loop_test(tc, set_tensor, 0, 2);
    tcase_add_loop_test(tc, threads_share, 0, 2);
    tcase_add_loop_test(tc, wide_library, 0, 2);
    tcase_add_loop_test(tc, wide_emitted, 0, 2);
    tcase_add_loop_test(tc, wide_cli, 0, 2);
    tcase_add_test(tc, emit_text);
    tcase_add_loop_test(tc, tape_gradients_wide_output, 0, 2);
    tcase_add_test(tc, core_shared_object);
    tcase_add_test(tc, introspection);
    tcase_add_test(tc, lanes_match_rows);
    tcase_add_test(tc, over_chosen_inputs);
    tcase_add_test(tc, set_tensor_shared);
    tcase_add_test(tc, tape_gradients);
    tcase_add_test(tc, tape_gradients_float);
    tcase_add_test(tc, float_gradients);
    tcase_add_test(tc, gradient_is_the_sum_of_the_points);
    tcase_add_test(tc, set_tensors);
    tcase_add_test(tc, float_range);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
