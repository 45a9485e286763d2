/* backends.c: the library's two back ends against the emitted file, side
   by side in one run (bench/backends.sh builds the file):

     backends SPEC FILE.so

   Prints the time of jg_net_open (spec, weights, plan, and for the JIT the
   libtcc compile; the median of 21 opens), then microseconds per point of
   u, du/dx and d2u/dx2 at N = 100 and N = 10,000 for the JIT (weights
   bound by address), the executor (no compiler) and the emitted file
   (FILE.so, prefix net, built with gcc -O3 -march=native), each the best
   of 7 rounds taken in turn, and the ratios to the file. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jetgen.h"

typedef void (*hessian_fn)(size_t, const double *, double *, double *, double *);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double open_ms(const char *spec, int backend)
{
    double t[21];
    int i;
    for (i = 0; i < 21; i++) {
        jg_net_options o = {JG_NET_DOUBLE, 0};
        jg_net *net;
        double t0;
        o.backend = backend;
        t0 = now();
        if (jg_net_open(spec, &o, &net) != JG_NET_OK) {
            fprintf(stderr, "%s\n", jg_net_errmsg(net));
            exit(1);
        }
        t[i] = (now() - t0) * 1e3;
        jg_net_free(net);
    }
    qsort(t, 21, sizeof t[0], cmp);
    return t[10];
}

int main(int argc, char **argv)
{
    static const size_t ns[2] = {100, 10000};
    jg_net_options o = {JG_NET_DOUBLE, JG_NET_JIT};
    jg_net *jit, *exe;
    hessian_fn file;
    void *lib, *sym;
    size_t k, ni, no;
    int s;
    if (argc != 3) {
        fprintf(stderr, "usage: backends SPEC FILE.so\n");
        return 2;
    }
    lib = dlopen(argv[2], RTLD_NOW);
    sym = lib != NULL ? dlsym(lib, "net_hessian") : NULL;
    if (sym == NULL) {
        fprintf(stderr, "backends: no net_hessian in %s\n", argv[2]);
        return 1;
    }
    memcpy(&file, &sym, sizeof sym);
    printf("jg_net_open, median of 21: JIT %.2f ms, executor %.2f ms\n", open_ms(argv[1], JG_NET_JIT),
           open_ms(argv[1], JG_NET_EXECUTOR));
    if (jg_net_open(argv[1], &o, &jit) != JG_NET_OK)
        return 1;
    o.backend = JG_NET_EXECUTOR;
    if (jg_net_open(argv[1], &o, &exe) != JG_NET_OK)
        return 1;
    ni = jg_net_n_in(jit);
    no = jg_net_n_out(jit);
    for (s = 0; s < 2; s++) {
        const size_t n = ns[s];
        double *x = malloc(n * ni * sizeof *x), *u = malloc(n * no * sizeof *u);
        double *du = malloc(n * no * ni * sizeof *du), *d2u = malloc(n * no * ni * ni * sizeof *d2u);
        double best[3] = {1e30, 1e30, 1e30};
        int round, b;
        for (k = 0; k < n * ni; k++)
            x[k] = -1.0 + 2.0 * (double)((k * 7919) % 1000) / 1000.0;
        for (round = 0; round < 7; round++)
            for (b = 0; b < 3; b++) {
                size_t reps = 0;
                double t0 = now(), t;
                do {
                    if (b == 0)
                        jg_net_hessian(jit, n, x, u, du, d2u);
                    else if (b == 1)
                        jg_net_hessian(exe, n, x, u, du, d2u);
                    else
                        file(n, x, u, du, d2u);
                    reps++;
                } while ((t = now() - t0) < 0.1);
                t = t / (double)reps / (double)n * 1e6;
                if (t < best[b])
                    best[b] = t;
            }
        printf("N = %5zu: JIT %.3f us/point (%.3fx the file), executor %.3f us/point (%.3fx), "
               "file %.3f us/point\n", n, best[0], best[0] / best[2], best[1], best[1] / best[2], best[2]);
        free(x); free(u); free(du); free(d2u);
    }
    jg_net_free(jit);
    jg_net_free(exe);
    dlclose(lib);
    return 0;
}
