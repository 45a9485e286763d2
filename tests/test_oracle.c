/* test_oracle.c: random networks, chains and graphs (format 3), against
   oracles of the test's own, written independently of the templates:
   - hyper-dual numbers a + b e1 + c e2 + d e1 e2 (e1^2 = e2^2 = 0) carried
     through the network, with the activations' derivatives from other
     formulas (tanh' = 1 / cosh^2, ...): exact to rounding, so 1e-12;
   - central differences of u and of du/dx: 1e-7 (truncation and rounding);
   - the emitted file compiled by gcc against the JIT: 1e-13.
   The networks vary inputs 1-4, depth, widths, activations (tanh, sigmoid,
   identity, or none between dense layers, or one after the last), bias or
   none, F32 or F64 weights, and the number of points (across tiles). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "model.h"
#include "testutil.h"

#define N_NETS 48
#define MAX_LAYERS 10
#define MAX_W 12
#define MAX_PTS 40

typedef struct hd { double a, b, c, d; } hd;


/* One random network: written as spec and weights into a new folder. */
typedef struct net {
    int n_in, n_layers;
    int kind[MAX_LAYERS];       /* 0 dense, 1 tanh, 2 sigmoid, 3 identity */
    int width[MAX_LAYERS];      /* output width of each layer */
    double w[MAX_LAYERS][MAX_W * MAX_W], b[MAX_LAYERS][MAX_W];
    int has_b[MAX_LAYERS];
    char spec_path[1024];
} net;

static void make_net(net *n, int seed)
{
    tu_rng r;
    char spec[4096], name[32];
    tu_tensor t[2 * MAX_LAYERS];
    size_t nt = 0, len = 0;
    int i, j, width, n_dense;
    static char names[2 * MAX_LAYERS][32];
    const char *dir = tu_tmpdir();
    r.s = 0x9e3779b97f4a7c15ull * (unsigned long long)(seed + 1);
    memset(n, 0, sizeof *n);
    n->n_in = 1 + tu_pick(&r, 4);
    n_dense = 1 + tu_pick(&r, 4);
    width = n->n_in;
    len += (size_t)sprintf(spec + len, "input %d\nweights w.safetensors\n", n->n_in);
    for (i = 0; i < n_dense; i++) {
        const int out = i + 1 == n_dense ? 1 + tu_pick(&r, 5) : 1 + tu_pick(&r, 9);
        const int k = n->n_layers++;
        const char *dtype = tu_pick(&r, 2) ? "F64" : "F32";
        n->kind[k] = 0;
        n->width[k] = out;
        n->has_b[k] = tu_pick(&r, 4) != 0;
        for (j = 0; j < out * width; j++) {
            double v = tu_uniform(&r, -1.2, 1.2);
            n->w[k][j] = dtype[1] == '3' ? (double)(float)v : v;
        }
        for (j = 0; j < out; j++) {
            double v = tu_uniform(&r, -0.5, 0.5);
            n->b[k][j] = dtype[1] == '3' ? (double)(float)v : v;
        }
        sprintf(name, "layer%d", k);
        len += (size_t)sprintf(spec + len, "dense %d %s\n", out, name);
        sprintf(names[nt], "%s.weight", name);
        t[nt].name = names[nt];
        t[nt].dtype = dtype;
        t[nt].rank = 2;
        t[nt].shape[0] = (size_t)out;
        t[nt].shape[1] = (size_t)width;
        t[nt++].data = n->w[k];
        if (n->has_b[k]) {
            sprintf(names[nt], "%s.bias", name);
            t[nt].name = names[nt];
            t[nt].dtype = dtype;
            t[nt].rank = 1;
            t[nt].shape[0] = (size_t)out;
            t[nt++].data = n->b[k];
        }
        width = out;
        if (i + 1 < n_dense || tu_pick(&r, 3) == 0) {
            static const char *const acts[] = {"", "tanh", "sigmoid", "identity"};
            const int a = i + 1 < n_dense ? tu_pick(&r, 4) : 1 + tu_pick(&r, 3);
            if (a != 0) {
                n->kind[n->n_layers] = a;
                n->width[n->n_layers++] = width;
                len += (size_t)sprintf(spec + len, "%s\n", acts[a]);
            }
        }
    }
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, nt);
    snprintf(n->spec_path, sizeof n->spec_path, "%s/model.spec", dir);
    tu_write_file(n->spec_path, spec, len);
}

static hd hd_fn(hd x, double f, double f1, double f2)
{
    hd y;
    y.a = f;
    y.b = f1 * x.b;
    y.c = f1 * x.c;
    y.d = f1 * x.d + f2 * x.b * x.c;
    return y;
}

/* u_k(x + e1 e_i + e2 e_j) for all k, as hyper-dual numbers. */
static void hd_eval(const net *n, const double *x, int i, int j, hd *out)
{
    hd a[MAX_W], z[MAX_W];
    int width = n->n_in, l, k, m;
    for (k = 0; k < width; k++) {
        a[k].a = x[k];
        a[k].b = k == i;
        a[k].c = k == j;
        a[k].d = 0.0;
    }
    for (l = 0; l < n->n_layers; l++) {
        const int out = n->width[l];
        for (k = 0; k < out; k++) {
            if (n->kind[l] == 0) {
                z[k].a = n->has_b[l] ? n->b[l][k] : 0.0;
                z[k].b = z[k].c = z[k].d = 0.0;
                for (m = 0; m < width; m++) {
                    const double w = n->w[l][k * width + m];
                    z[k].a += w * a[m].a;
                    z[k].b += w * a[m].b;
                    z[k].c += w * a[m].c;
                    z[k].d += w * a[m].d;
                }
            } else if (n->kind[l] == 1) {
                const double ch = cosh(a[k].a);
                z[k] = hd_fn(a[k], tanh(a[k].a), 1.0 / (ch * ch), -2.0 * sinh(a[k].a) / (ch * ch * ch));
            } else if (n->kind[l] == 2) {
                const double e = exp(-a[k].a), q = 1.0 + e;
                z[k] = hd_fn(a[k], 1.0 / q, e / (q * q), e * (e - 1.0) / (q * q * q));
            } else {
                z[k] = a[k];
            }
        }
        memcpy(a, z, sizeof a);
        width = out;
    }
    memcpy(out, a, (size_t)width * sizeof *out);
}

static void random_network_matches_oracles_case(int which)
{
    static net n;
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    tu_net jit;
    char msg[8192];
    tu_rng r;
    size_t np, p, k, i, j, no, ni;
    double x[MAX_PTS * 4], *u, *du, *d2u, *up, *um, *dup, *dum;
    double *ref_u, *ref_du, *ref_d2u;
    hd out[MAX_W];
    const double h = 1e-5;

    make_net(&n, which);
    m = jg_load(n.spec_path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_msg(tu_net_jit(&jit, m, msg, sizeof msg) == 0, "%s", msg);
    no = m->n_out;
    ni = m->n_in;
    r.s = 12345 + (unsigned long long)which;
    np = 1 + (size_t)tu_pick(&r, MAX_PTS);
    for (p = 0; p < np * ni; p++)
        x[p] = tu_uniform(&r, -2.0, 2.0);
    u = malloc(np * no * sizeof *u);
    du = malloc(np * no * ni * sizeof *du);
    d2u = malloc(np * no * ni * ni * sizeof *d2u);
    ref_u = malloc(no * sizeof *u);
    ref_du = malloc(no * ni * sizeof *u);
    ref_d2u = malloc(no * ni * ni * sizeof *u);
    up = malloc(no * sizeof *u);
    um = malloc(no * sizeof *u);
    dup = malloc(no * ni * sizeof *u);
    dum = malloc(no * ni * sizeof *u);
    jit.hessian(np, x, u, du, d2u);

    for (p = 0; p < np; p++) {
        const double *xp = x + p * ni;
        double xs[4];
        /* hyper-dual oracle */
        for (i = 0; i < ni; i++)
            for (j = i; j < ni; j++) {
                hd_eval(&n, xp, (int)i, (int)j, out);
                for (k = 0; k < no; k++) {
                    ref_u[k] = out[k].a;
                    ref_du[k * ni + i] = out[k].b;
                    ref_du[k * ni + j] = out[k].c;
                    ref_d2u[(k * ni + i) * ni + j] = ref_d2u[(k * ni + j) * ni + i] = out[k].d;
                }
            }
        ck_assert_msg(tu_normwise(u + p * no, ref_u, no) <= 1e-12, "net %d point %zu: u off by %.3g",
                      which, p, tu_normwise(u + p * no, ref_u, no));
        ck_assert_msg(tu_normwise(du + p * no * ni, ref_du, no * ni) <= 1e-12, "net %d point %zu: du off by %.3g",
                      which, p, tu_normwise(du + p * no * ni, ref_du, no * ni));
        ck_assert_msg(tu_normwise(d2u + p * no * ni * ni, ref_d2u, no * ni * ni) <= 1e-12,
                      "net %d point %zu: d2u off by %.3g", which, p,
                      tu_normwise(d2u + p * no * ni * ni, ref_d2u, no * ni * ni));
        /* central differences along each input */
        for (j = 0; j < ni; j++) {
            memcpy(xs, xp, ni * sizeof *xs);
            xs[j] = xp[j] + h;
            jit.jacobian(1, xs, up, dup);
            xs[j] = xp[j] - h;
            jit.jacobian(1, xs, um, dum);
            for (k = 0; k < no; k++) {
                ref_du[k * ni + j] = (up[k] - um[k]) / (2 * h);
                for (i = 0; i < ni; i++)
                    ref_d2u[(k * ni + i) * ni + j] = (dup[k * ni + i] - dum[k * ni + i]) / (2 * h);
            }
        }
        ck_assert_msg(tu_normwise(du + p * no * ni, ref_du, no * ni) <= 1e-7,
                      "net %d point %zu: du differs from central differences by %.3g", which, p,
                      tu_normwise(du + p * no * ni, ref_du, no * ni));
        ck_assert_msg(tu_normwise(d2u + p * no * ni * ni, ref_d2u, no * ni * ni) <= 1e-7,
                      "net %d point %zu: d2u differs from central differences by %.3g", which, p,
                      tu_normwise(d2u + p * no * ni * ni, ref_d2u, no * ni * ni));
    }

    {   /* --precision float agrees to float rounding: 2e-5 normwise (about
           170 float epsilons) allows for the rounding of inputs, weights
           and sums of up to 9 terms over 4 layers, and the cancellation in
           second derivatives; double agrees to 1e-12 above */
        tu_net fnet;
        double *u2 = malloc(np * no * sizeof *u), *du2 = malloc(np * no * ni * sizeof *du);
        double *d2u2 = malloc(np * no * ni * ni * sizeof *d2u);
        ck_assert_msg((which % 3 == 1 ? tu_net_cc_float(&fnet, m, "gcc -std=c99 -O2 -march=native -Wall -Wextra "
                                                     "-pedantic -Werror", "rndf", msg, sizeof msg)
                                   : tu_net_jit_float(&fnet, m, msg, sizeof msg)) == 0, "%s", msg);
        tu_hessian_float(&fnet, np, ni, no, x, u2, du2, d2u2);
        for (p = 0; p < np; p++) {
            ck_assert_msg(tu_normwise(u2 + p * no, u + p * no, no) <= 2e-5, "net %d float u off by %.3g", which,
                          tu_normwise(u2 + p * no, u + p * no, no));
            ck_assert_msg(tu_normwise(du2 + p * no * ni, du + p * no * ni, no * ni) <= 2e-5,
                          "net %d float du off by %.3g", which, tu_normwise(du2 + p * no * ni, du + p * no * ni, no * ni));
            ck_assert_msg(tu_normwise(d2u2 + p * no * ni * ni, d2u + p * no * ni * ni, no * ni * ni) <= 2e-5,
                          "net %d float d2u off by %.3g", which,
                          tu_normwise(d2u2 + p * no * ni * ni, d2u + p * no * ni * ni, no * ni * ni));
        }
        tu_net_free(&fnet);
        free(u2);
        free(du2);
        free(d2u2);
    }

    if (which % 3 == 0) {      /* the emitted file, compiled by gcc, agrees */
        tu_net cc;
        double *u2 = malloc(np * no * sizeof *u), *du2 = malloc(np * no * ni * sizeof *du);
        double *d2u2 = malloc(np * no * ni * ni * sizeof *d2u);
        ck_assert_msg(tu_net_cc(&cc, m, "gcc -std=c99 -O2 -Wall -Wextra -pedantic -Werror", "rnd",
                                msg, sizeof msg) == 0, "%s", msg);
        cc.hessian(np, x, u2, du2, d2u2);
        ck_assert(tu_normwise(u2, u, np * no) <= 1e-13);
        ck_assert(tu_normwise(du2, du, np * no * ni) <= 1e-13);
        ck_assert(tu_normwise(d2u2, d2u, np * no * ni * ni) <= 1e-13);
        tu_net_free(&cc);
        free(u2);
        free(du2);
        free(d2u2);
    }
    free(u);
    free(du);
    free(d2u);
    free(ref_u);
    free(ref_du);
    free(ref_d2u);
    free(up);
    free(um);
    free(dup);
    free(dum);
    tu_net_free(&jit);
    jg_model_free(m);
}

START_TEST(random_network_matches_oracles)
{
    int i;
    for (i = tu_first_case(_i); i < N_NETS; i = tu_next_case(i, N_NETS))
        random_network_matches_oracles_case(i);
}
END_TEST

/* Saturated activations give exact zeros for the derivatives, not NaN. */
START_TEST(saturation_gives_zeros)
{
    static net n;
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    tu_net jit;
    char msg[4096];
    const char *dir = tu_tmpdir();
    static const double w[2] = {1e300, -1e300};
    static const char spec[] = "input 1\nweights w.st\ndense 2 a\ntanh\ndense 2 b\nsigmoid\n";
    double wb[4] = {1e300, 1e300, 1e300, 1e300};
    tu_tensor t[2] = {{"a.weight", "F64", 2, {2, 1, 0, 0}, w}, {"b.weight", "F64", 2, {2, 2, 0, 0}, wb}};
    double x[3] = {1.0, -3.0, 0.5}, u[6], du[6], d2u[6];
    size_t i;
    (void)n;
    tu_write_safetensors(tu_path(dir, "w.st"), t, 2);
    tu_write_file(tu_path(dir, "model.spec"), spec, sizeof spec - 1);
    m = jg_load(tu_path(dir, "model.spec"), &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_msg(tu_net_jit(&jit, m, msg, sizeof msg) == 0, "%s", msg);
    jit.hessian(3, x, u, du, d2u);
    for (i = 0; i < 6; i++) {
        ck_assert_msg(u[i] == 0.0 || u[i] == 1.0 || u[i] == 0.5, "u[%zu] = %g", i, u[i]);
        ck_assert_msg(du[i] == 0.0, "du[%zu] = %g", i, du[i]);
        ck_assert_msg(d2u[i] == 0.0, "d2u[%zu] = %g", i, d2u[i]);
    }
    tu_net_free(&jit);
    jg_model_free(m);
}
END_TEST

/* Every weight literal reads back exactly: u = W x at x = 1 with no bias
   is W itself, bit for bit, through the JIT (libtcc), gcc and tcc. */
static const char *const literal_builds[] = {NULL, "gcc -std=c99 -O2", "tcc"};

START_TEST(literals_are_exact)
{
    enum { N = 1200 };
    static double w64[N], w32[N];
    static const double edge[] = {4.9406564584124654e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                                  -2.2250738585072009e-308, 1.401298464324817e-45, 3.4028234663852886e38, 1.0 / 3.0, 0.1};
    const char *dir = tu_tmpdir();
    static const char spec[] = "input 1\nweights w.st\ndense 1200 a\n";
    tu_tensor t[1] = {{"a.weight", "F64", 2, {N, 1, 0, 0}, w64}};
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    tu_net net;
    char msg[4096];
    double one = 1.0, u[N];
    tu_rng r;
    size_t i, pass;
    r.s = 77;
    for (i = 0; i < N; i++) {
        /* doubles over many binades, and floats */
        w64[i] = tu_uniform(&r, -1.0, 1.0) * pow(10.0, (double)tu_pick(&r, 40) - 20.0);
        w32[i] = (double)(float)(tu_uniform(&r, -1.0, 1.0) * pow(10.0, (double)tu_pick(&r, 20) - 10.0));
    }
    memcpy(w64, edge, sizeof edge);
    for (i = 0; i < 4; i++)
        w32[i] = (double)(float)edge[4 + i];
    for (pass = 0; pass < 2; pass++) {
        t[0].data = pass ? w32 : w64;
        t[0].dtype = pass ? "F32" : "F64";
        tu_write_safetensors(tu_path(dir, "w.st"), t, 1);
        tu_write_file(tu_path(dir, "m.spec"), spec, sizeof spec - 1);
        m = jg_load(tu_path(dir, "m.spec"), &d);
        ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
        for (i = 0; i < sizeof literal_builds / sizeof literal_builds[0]; i++) {
            const char *b = literal_builds[i];
            size_t k;
            ck_assert_msg((b ? tu_net_cc(&net, m, b, "lit", msg, sizeof msg)
                             : tu_net_jit(&net, m, msg, sizeof msg)) == 0, "%s", msg);
            net.eval(1, &one, u);
            for (k = 0; k < N; k++)
                ck_assert_msg(memcmp(&u[k], &t[0].data[k], sizeof u[k]) == 0,
                              "%s, %s weight %zu: read back %.17g, wrote %.17g", b ? b : "JIT",
                              t[0].dtype, k, u[k], t[0].data[k]);
            tu_net_free(&net);
        }
        jg_model_free(m);
    }
}
END_TEST

/* ---- random graphs (format 3) against hyper-dual numbers ---- */

#define G_MAX_V 24      /* values of a graph */
#define G_W 6           /* widest value */

enum { G_IN, G_DENSE, G_TANH, G_SIGMOID, G_SIN, G_POW, G_SCALE, G_ADD, G_SUB, G_MUL, G_CAT, G_SLICE, G_IDENTITY };

/* A random graph: value 0 the input, each other value an op on values
   before it (operands drawn from all earlier values, so that branches,
   reuse and fan-out occur); widths up to G_W, one-wide operands broadcast.
   The output is the last value. */
typedef struct graph {
    int n_in, n_v;
    int op[G_MAX_V], a[G_MAX_V], b[G_MAX_V], width[G_MAX_V], off[G_MAX_V], pw[G_MAX_V];
    double w[G_MAX_V][G_W * G_W], bias[G_MAX_V][G_W], mul[G_MAX_V], add[G_MAX_V];
    char spec_path[1024];
} graph;

static void make_graph(graph *g, int seed)
{
    static const char *const op_name[] = {"", "dense", "tanh", "sigmoid", "sin", "pow", "scale", "add", "sub",
                                          "mul", "cat", "slice", "identity"};
    static char names[G_MAX_V][32];
    tu_tensor t[2 * G_MAX_V];
    size_t nt = 0, len = 0;
    char spec[8192];
    const char *dir = tu_tmpdir();
    tu_rng r;
    int v, j;
    r.s = 0x51ed2701ull * (unsigned long long)(seed + 3);
    memset(g, 0, sizeof *g);
    g->n_in = 1 + tu_pick(&r, 3);
    g->width[0] = g->n_in;
    g->n_v = 8 + tu_pick(&r, G_MAX_V - 8);
    len += (size_t)sprintf(spec, "format 3\ninput %d\nweights w.safetensors\n", g->n_in);
    len += (size_t)sprintf(spec + len, "v0 = identity input\n");
    g->op[0] = G_IN;
    for (v = 1; v < g->n_v; v++) {
        int op = v == 1 ? G_DENSE : 1 + tu_pick(&r, G_IDENTITY);
        const int a = v == 1 ? 0 : tu_pick(&r, v), b = tu_pick(&r, v);
        const int wa = g->width[a], wb = g->width[b];
        if ((op == G_ADD || op == G_SUB || op == G_MUL) && wa != wb && wa != 1 && wb != 1)
            op = G_TANH;
        if (op == G_CAT && wa + wb > G_W)
            op = G_SIN;
        if (op == G_SLICE && wa < 2)
            op = G_SIGMOID;
        g->op[v] = op;
        g->a[v] = a;
        g->b[v] = b;
        g->width[v] = wa;
        switch (op) {
        case G_DENSE: {
            const int out = 1 + tu_pick(&r, G_W);
            g->width[v] = out;
            for (j = 0; j < out * wa; j++)
                g->w[v][j] = tu_uniform(&r, -1.2, 1.2) / sqrt((double)wa);
            for (j = 0; j < out; j++)
                g->bias[v][j] = tu_uniform(&r, -0.5, 0.5);
            sprintf(names[v], "d%d.weight", v);
            t[nt].name = names[v];
            t[nt].dtype = "F64";
            t[nt].rank = 2;
            t[nt].shape[0] = (size_t)out;
            t[nt].shape[1] = (size_t)wa;
            t[nt++].data = g->w[v];
            len += (size_t)sprintf(spec + len, "v%d = dense %d d%d v%d\n", v, out, v, a);
            break;
        }
        case G_POW:
            g->pw[v] = 2 + tu_pick(&r, 2);
            len += (size_t)sprintf(spec + len, "v%d = pow v%d n=%d\n", v, a, g->pw[v]);
            break;
        case G_SCALE:
            g->mul[v] = tu_uniform(&r, -1.5, 1.5);
            g->add[v] = tu_uniform(&r, -0.5, 0.5);
            len += (size_t)sprintf(spec + len, "v%d = scale v%d %.17g %.17g\n", v, a, g->mul[v], g->add[v]);
            break;
        case G_ADD:
        case G_SUB:
        case G_MUL:
            g->width[v] = wa > wb ? wa : wb;
            len += (size_t)sprintf(spec + len, "v%d = %s v%d v%d\n", v, op_name[op], a, b);
            break;
        case G_CAT:
            g->width[v] = wa + wb;
            len += (size_t)sprintf(spec + len, "v%d = cat v%d v%d\n", v, a, b);
            break;
        case G_SLICE:
            g->off[v] = tu_pick(&r, wa - 1);
            g->width[v] = 1 + tu_pick(&r, wa - g->off[v]);
            len += (size_t)sprintf(spec + len, "v%d = slice v%d %d %d\n", v, a, g->off[v],
                                   g->off[v] + g->width[v]);
            break;
        default:
            len += (size_t)sprintf(spec + len, "v%d = %s v%d\n", v, op_name[op], a);
            break;
        }
    }
    len += (size_t)sprintf(spec + len, "output v%d\n", g->n_v - 1);
    /* the dense layers' biases, named after their weights */
    {
        static char bnames[G_MAX_V][32];
        size_t k, n_w = nt;
        for (k = 0; k < n_w; k++) {
            const int dv = atoi(t[k].name + 1);
            sprintf(bnames[dv], "d%d.bias", dv);
            t[nt].name = bnames[dv];
            t[nt].dtype = "F64";
            t[nt].rank = 1;
            t[nt].shape[0] = (size_t)g->width[dv];
            t[nt++].data = g->bias[dv];
        }
    }
    tu_write_safetensors(tu_path(dir, "w.safetensors"), t, nt);
    snprintf(g->spec_path, sizeof g->spec_path, "%s/model.spec", dir);
    tu_write_file(g->spec_path, spec, len);
}

static hd hd_mul(hd x, hd y)
{
    hd z;
    z.a = x.a * y.a;
    z.b = x.b * y.a + x.a * y.b;
    z.c = x.c * y.a + x.a * y.c;
    z.d = x.d * y.a + x.b * y.c + x.c * y.b + x.a * y.d;
    return z;
}

/* The graph's output at x + e1 e_i + e2 e_j, as hyper-dual numbers. */
static void hd_graph(const graph *g, const double *x, int i, int j, hd *out)
{
    static hd val[G_MAX_V][2 * G_W];
    int v, k, m;
    for (k = 0; k < g->n_in; k++) {
        val[0][k].a = x[k];
        val[0][k].b = k == i;
        val[0][k].c = k == j;
        val[0][k].d = 0.0;
    }
    for (v = 1; v < g->n_v; v++) {
        const hd *a = val[g->a[v]], *b = val[g->b[v]];
        const int sa = g->width[g->a[v]] == 1 ? 0 : 1, sb = g->width[g->b[v]] == 1 ? 0 : 1;
        hd *z = val[v];
        for (k = 0; k < g->width[v]; k++) {
            const hd x0 = a[k * sa], y0 = b[k * sb];
            switch (g->op[v]) {
            case G_DENSE:
                z[k].a = g->bias[v][k];
                z[k].b = z[k].c = z[k].d = 0.0;
                for (m = 0; m < g->width[g->a[v]]; m++) {
                    const double w = g->w[v][k * g->width[g->a[v]] + m];
                    z[k].a += w * a[m].a;
                    z[k].b += w * a[m].b;
                    z[k].c += w * a[m].c;
                    z[k].d += w * a[m].d;
                }
                break;
            case G_TANH: {
                const double ch = cosh(x0.a);
                z[k] = hd_fn(x0, tanh(x0.a), 1.0 / (ch * ch), -2.0 * sinh(x0.a) / (ch * ch * ch));
                break;
            }
            case G_SIGMOID: {
                const double e = exp(-x0.a), q = 1.0 + e;
                z[k] = hd_fn(x0, 1.0 / q, e / (q * q), e * (e - 1.0) / (q * q * q));
                break;
            }
            case G_SIN:
                z[k] = hd_fn(x0, sin(x0.a), cos(x0.a), -sin(x0.a));
                break;
            case G_POW:
                z[k] = hd_fn(x0, pow(x0.a, g->pw[v]), g->pw[v] * pow(x0.a, g->pw[v] - 1),
                             g->pw[v] * (g->pw[v] - 1) * pow(x0.a, g->pw[v] - 2));
                break;
            case G_SCALE:
                z[k] = hd_fn(x0, g->mul[v] * x0.a + g->add[v], g->mul[v], 0.0);
                break;
            case G_ADD:
            case G_SUB: {
                const double c = g->op[v] == G_ADD ? 1.0 : -1.0;
                z[k].a = x0.a + c * y0.a;
                z[k].b = x0.b + c * y0.b;
                z[k].c = x0.c + c * y0.c;
                z[k].d = x0.d + c * y0.d;
                break;
            }
            case G_MUL:
                z[k] = hd_mul(x0, y0);
                break;
            case G_CAT:
                z[k] = k < g->width[g->a[v]] ? a[k] : b[k - g->width[g->a[v]]];
                break;
            case G_SLICE:
                z[k] = a[g->off[v] + k];
                break;
            default:
                z[k] = a[k];
                break;
            }
        }
    }
    memcpy(out, val[g->n_v - 1], (size_t)g->width[g->n_v - 1] * sizeof *out);
}

/* u, du, the Hessian, its diagonal and the Laplacian of random graphs by
   the JIT (modes 2, 3 and 4) against hyper-dual numbers: 1e-12 relative
   to the size of each quantity. */
static void random_graph_matches_hyper_duals_case(int which)
{
    static graph g;
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    tu_net jit;
    char msg[8192];
    tu_rng r;
    size_t np, p, k, i, j, no, ni;
    double x[MAX_PTS * 4], *u, *du, *d2u, *dg, *lap;
    hd out[2 * G_W];

    make_graph(&g, which);
    m = jg_load(g.spec_path, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_msg(tu_net_jit(&jit, m, msg, sizeof msg) == 0, "%s", msg);
    no = m->n_out;
    ni = m->n_in;
    ck_assert_uint_eq(no, (size_t)g.width[g.n_v - 1]);
    r.s = 777 + (unsigned long long)which;
    np = 1 + (size_t)tu_pick(&r, MAX_PTS);
    for (p = 0; p < np * ni; p++)
        x[p] = tu_uniform(&r, -1.5, 1.5);
    u = malloc(np * no * sizeof *u);
    du = malloc(np * no * ni * sizeof *du);
    d2u = malloc(np * no * ni * ni * sizeof *d2u);
    dg = malloc(np * no * ni * sizeof *dg);
    lap = malloc(np * no * sizeof *lap);
    jit.hessian(np, x, u, du, d2u);
    for (p = 0; p < np; p++)
        for (i = 0; i < ni; i++)
            for (j = i; j < ni; j++) {
                hd_graph(&g, x + p * ni, (int)i, (int)j, out);
                for (k = 0; k < no; k++) {
                    const double *h = d2u + ((p * no + k) * ni + i) * ni;
                    ck_assert_msg(fabs(u[p * no + k] - out[k].a) <= 1e-12 * (1 + fabs(out[k].a)),
                                  "graph %d point %zu u[%zu] = %.17g, hyper-dual %.17g", which, p, k, u[p * no + k],
                                  out[k].a);
                    ck_assert_msg(fabs(du[(p * no + k) * ni + i] - out[k].b) <= 1e-12 * (1 + fabs(out[k].b)),
                                  "graph %d point %zu du[%zu][%zu]", which, p, k, i);
                    ck_assert_msg(fabs(h[j] - out[k].d) <= 1e-11 * (1 + fabs(out[k].d)),
                                  "graph %d point %zu d2u[%zu][%zu][%zu] = %.17g, hyper-dual %.17g:\n%s", which, p,
                                  k, i, j, h[j], out[k].d, tu_read_file(g.spec_path, NULL));
                }
            }
    jit.hessian_diag(np, x, u, du, dg);
    jit.laplacian(np, x, u, du, lap);
    for (p = 0; p < np; p++)
        for (k = 0; k < no; k++) {
            double sum = 0, big = 1;
            for (i = 0; i < ni; i++) {
                const double want = d2u[((p * no + k) * ni + i) * ni + i];
                ck_assert_msg(fabs(dg[(p * no + k) * ni + i] - want) <= 1e-12 * (1 + fabs(want)),
                              "graph %d: diagonal", which);
                sum += want;
                big += fabs(want);
            }
            ck_assert_msg(fabs(lap[p * no + k] - sum) <= 1e-12 * big, "graph %d: Laplacian", which);
        }
    tu_net_free(&jit);
    jg_model_free(m);
    jg_diag_free(&d);
    free(u);
    free(du);
    free(d2u);
    free(dg);
    free(lap);
}

START_TEST(random_graph_matches_hyper_duals)
{
    int i;
    for (i = tu_first_case(_i); i < 64; i = tu_next_case(i, 64))
        random_graph_matches_hyper_duals_case(i);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("oracle");
    TCase *tc = tcase_create("random");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, random_network_matches_oracles, 0, tu_case_runs(N_NETS));
    tcase_add_loop_test(tc, random_graph_matches_hyper_duals, 0, tu_case_runs(64));
    tcase_add_test(tc, saturation_gives_zeros);
    tcase_add_test(tc, literals_are_exact);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
