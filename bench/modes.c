/* modes.c: the three second-derivative modes of one emitted network, timed
   side by side (bench/modes.sh builds it with the network's net.c, prefix
   net, all three functions emitted):

     modes N

   Prints, for N points, microseconds per point of net_hessian (the full
   Hessian), net_hessian_diag and net_laplacian, each the best of 7 runs
   of at least 0.2 s, the modes taking turns; and checks first that diag
   and Laplacian agree with the full Hessian's diagonal and trace. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "net.h"

typedef void (*second_fn)(size_t, const net_real *, net_real *, net_real *, net_real *);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1000, ni = NET_N_IN, no = NET_N_OUT;
    static const char *const names[3] = {"full", "diag", "laplacian"};
    const second_fn fns[3] = {net_hessian, net_hessian_diag, net_laplacian};
    const size_t per[3] = {no * ni * ni, no * ni, no};
    double *x = malloc(n * ni * sizeof *x), *u = malloc(n * no * sizeof *u);
    double *du = malloc(n * no * ni * sizeof *du), *out[3], best[3] = {1e30, 1e30, 1e30}, worst = 0.0;
    size_t i, k, p, round;
    int m;
    for (m = 0; m < 3; m++)
        out[m] = malloc(n * per[m] * sizeof(double));
    for (i = 0; i < n * ni; i++)
        x[i] = sin(0.37 * (double)i);
    for (m = 0; m < 3; m++)
        fns[m](n, x, u, du, out[m]);
    for (p = 0; p < n; p++)
        for (k = 0; k < no; k++) {
            double lap = 0.0, scale = 1e-300;
            for (i = 0; i < ni; i++) {
                const double h = out[0][(p * no + k) * ni * ni + i * ni + i];
                scale = fmax(scale, fabs(h));
                worst = fmax(worst, fabs(out[1][(p * no + k) * ni + i] - h));
                lap += h;
            }
            worst = fmax(worst, fabs(out[2][p * no + k] - lap) / (1.0 + fabs(lap)));
        }
    if (worst > 1e-10) {
        fprintf(stderr, "modes: diag or Laplacian differ from the full Hessian by %g\n", worst);
        return 1;
    }
    for (round = 0; round < 7; round++)
        for (m = 0; m < 3; m++) {
            double t0 = now(), t;
            size_t reps = 0;
            do {
                fns[m](n, x, u, du, out[m]);
                reps++;
                t = now() - t0;
            } while (t < 0.2);
            if (t / (double)(reps * n) < best[m])
                best[m] = t / (double)(reps * n);
        }
    printf("| %zu inputs | %zu |", ni, n);
    for (m = 0; m < 3; m++)
        printf(" %.2f |", 1e6 * best[m]);
    printf(" %.2fx | %.2fx |\n", best[0] / best[1], best[0] / best[2]);
    (void)names;
    for (m = 0; m < 3; m++)
        free(out[m]);
    free(x);
    free(u);
    free(du);
    return 0;
}
