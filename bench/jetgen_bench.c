/* jetgen_bench.c: times jetgen's evaluation of u, du/dx, d2u/dx2 for one
   method, as bench/bench.py asks:

     jetgen_bench SPEC METHOD POINTS.bin N OUT.bin [THREADS]

   METHOD is `jit` (the spec emitted for and compiled by libtcc, with the
   runtime's kernels) or a shared object built from `jetgen emit` output
   with prefix `net` (so:PATH); `jitf` and `sof:PATH` are the same in
   float (--precision float), timed on float arrays, results widened to
   double in OUT.bin. POINTS.bin holds at least N x N_IN doubles;
   the results for the first N points go to OUT.bin (u, du, d2u, raw
   doubles). Prints one JSON line: seconds per point (best of several runs
   of at least 0.2 s), and for the JIT its compile time. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emit.h"
#include "jit.h"
#include "load.h"
#include "mem.h"
#include "model.h"
#include "parallel.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "jetgen_bench: %s%s\n", what, detail);
    exit(1);
}

static double *read_doubles(const char *path, size_t count)
{
    FILE *fp = fopen(path, "rb");
    double *v = malloc(count * sizeof *v + 8);
    if (fp == NULL || v == NULL || fread(v, sizeof *v, count, fp) != count)
        die("cannot read points from ", path);
    fclose(fp);
    return v;
}

typedef void (*hessian_float_fn)(size_t, const float *, float *, float *, float *);

/* Times a float network (one thread) and writes its results as doubles. */
static int run_float(hessian_float_fn float_fn, jg_model *m, char **argv, size_t n, int threads,
                     double compile_ms)
{
    const size_t n_in = m->n_in, n_out = m->n_out;
    const size_t nu = n * n_out, ndu = nu * n_in, nd2u = ndu * n_in;
    double *xd = read_doubles(argv[3], n * n_in), best = 1e30;
    float *x = malloc(n * n_in * sizeof *x), *u = malloc(nu * sizeof *u);
    float *du = malloc(ndu * sizeof *du), *d2u = malloc(nd2u * sizeof *d2u);
    size_t i, reps;
    int run;
    FILE *out;
    if (x == NULL || u == NULL || du == NULL || d2u == NULL)
        die("out of memory", "");
    if (threads != 1)
        die("float is timed on one thread", "");
    for (i = 0; i < n * n_in; i++)
        x[i] = (float)xd[i];
    float_fn(n, x, u, du, d2u);
    {
        double t0 = now(), t;
        float_fn(n, x, u, du, d2u);
        t = now() - t0;
        reps = t > 0.2 ? 1 : (size_t)(0.2 / (t > 1e-7 ? t : 1e-7)) + 1;
    }
    for (run = 0; run < 7; run++) {
        double t0 = now(), t;
        for (i = 0; i < reps; i++)
            float_fn(n, x, u, du, d2u);
        t = (now() - t0) / (double)reps / (double)n;
        if (t < best)
            best = t;
    }
    out = fopen(argv[5], "wb");
    if (out == NULL)
        die("cannot write ", argv[5]);
    for (i = 0; i < nu; i++)
        fwrite(&(double){u[i]}, sizeof(double), 1, out);
    for (i = 0; i < ndu; i++)
        fwrite(&(double){du[i]}, sizeof(double), 1, out);
    for (i = 0; i < nd2u; i++)
        fwrite(&(double){d2u[i]}, sizeof(double), 1, out);
    if (fclose(out) != 0)
        die("cannot write ", argv[5]);
    printf("{\"method\": \"%s\", \"n\": %zu, \"threads\": 1, \"sec_per_point\": %.6g, \"compile_ms\": %.3f}\n",
           argv[2], n, best, compile_ms);
    free(xd);
    free(x);
    free(u);
    free(du);
    free(d2u);
    jg_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    jg_hessian_fn f = NULL;
    hessian_float_fn float_fn = NULL;
    jg_jit *jit = NULL;
    double compile_ms = -1.0, best = 1e30, *x, *u, *du, *d2u;
    size_t n, n_in, n_out, reps, r;
    int threads, run, is_float;
    FILE *out;

    if (argc < 6)
        die("usage: jetgen_bench SPEC jit|so:PATH POINTS.bin N OUT.bin [THREADS]", "");
    m = jg_load(argv[1], &d);
    if (m == NULL)
        die("", jg_buf_str(&d.text));
    n = (size_t)atol(argv[4]);
    threads = argc > 6 ? atoi(argv[6]) : 1;
    n_in = m->n_in;
    n_out = m->n_out;
    is_float = strcmp(argv[2], "jitf") == 0 || strncmp(argv[2], "sof:", 4) == 0;
    if (strcmp(argv[2], "jit") == 0 || strcmp(argv[2], "jitf") == 0) {
        jg_buf src = JG_BUF_INIT;
        jg_emit_opts o = {"net", JG_TARGET_JIT, NULL, JG_DOUBLE, 0};
        o.precision = is_float ? JG_FLOAT : JG_DOUBLE;
        double t0;
        if (jg_emit(m, &o, &src, NULL, &d) != 0)
            die("", jg_buf_str(&d.text));
        t0 = now();
        if (jg_jit_compile("<bench>", jg_buf_str(&src), &jit) != JG_OK)
            die("jit: ", jit ? jg_jit_errmsg(jit) : "out of memory");
        compile_ms = 1e3 * (now() - t0);
        if (is_float)
            float_fn = (hessian_float_fn)jg_jit_function(jit, "net_hessian");
        else
            f = (jg_hessian_fn)jg_jit_function(jit, "net_hessian");
        jg_buf_free(&src);
    } else if (strncmp(argv[2], "so:", 3) == 0 || strncmp(argv[2], "sof:", 4) == 0) {
        void *h = dlopen(strchr(argv[2], ':') + 1, RTLD_NOW | RTLD_LOCAL), *p;
        if (h == NULL)
            die("dlopen: ", dlerror());
        p = dlsym(h, "net_hessian");
        memcpy(is_float ? (void *)&float_fn : (void *)&f, &p, sizeof p);
    }
    if (f == NULL && float_fn == NULL)
        die("no net_hessian in ", argv[2]);
    if (is_float)
        return run_float(float_fn, m, argv, n, threads, compile_ms);

    x = read_doubles(argv[3], n * n_in);
    u = malloc(n * n_out * sizeof *u);
    du = malloc(n * n_out * n_in * sizeof *du);
    d2u = malloc(n * n_out * n_in * n_in * sizeof *d2u);
    if (u == NULL || du == NULL || d2u == NULL)
        die("out of memory", "");
    /* warm up, then enough repetitions for 0.2 s a run */
    jg_parallel_hessian(f, JG_MODE_HESSIAN, n_in, n_in, n_out, n, x, u, du, d2u, threads, 64);
    {
        double t0 = now(), t;
        jg_parallel_hessian(f, JG_MODE_HESSIAN, n_in, n_in, n_out, n, x, u, du, d2u, threads, 64);
        t = now() - t0;
        reps = t > 0.2 ? 1 : (size_t)(0.2 / (t > 1e-7 ? t : 1e-7)) + 1;
    }
    for (run = 0; run < 7; run++) {
        double t0 = now(), t;
        for (r = 0; r < reps; r++)
            jg_parallel_hessian(f, JG_MODE_HESSIAN, n_in, n_in, n_out, n, x, u, du, d2u, threads, 64);
        t = (now() - t0) / (double)reps / (double)n;
        if (t < best)
            best = t;
    }
    out = fopen(argv[5], "wb");
    if (out == NULL || fwrite(u, sizeof *u, n * n_out, out) != n * n_out
        || fwrite(du, sizeof *du, n * n_out * n_in, out) != n * n_out * n_in
        || fwrite(d2u, sizeof *d2u, n * n_out * n_in * n_in, out) != n * n_out * n_in * n_in
        || fclose(out) != 0)
        die("cannot write ", argv[5]);
    printf("{\"method\": \"%s\", \"n\": %zu, \"threads\": %d, \"sec_per_point\": %.6g, \"compile_ms\": %.3f}\n",
           strcmp(argv[2], "jit") == 0 ? "jit" : argv[2] + 3, n, threads, best, compile_ms);
    jg_jit_free(jit);
    jg_model_free(m);
    free(x);
    free(u);
    free(du);
    free(d2u);
    return 0;
}
