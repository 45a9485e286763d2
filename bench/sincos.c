/* sincos.c: the sin kernel of templates/kernels.c (vectorized reduction and
   series, libm beyond |y| = 2^19) against the same work done with libm's
   sin and cos, side by side in one run, for SIREN's w0 = 30 on arguments
   in [-3, 3] (y in [-90, 90]). Both write s, s' and s'' for 64 neurons at
   a time, as the activation kernel asks.
     gcc -std=c99 -O3 -march=native -Itemplates bench/sincos.c -o sincos -lm && ./sincos
   (bash bench/sincos.sh does that). Prints ns per neuron, best of 5 rounds. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MODEL__API
#include "kernels.c"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The kernel as it was: libm per neuron. */
static void sin_libm(size_t n, double p, const double *z, double *s0, double *s1, double *s2)
{
    size_t k;
    for (k = 0; k < n; k++) {
        const double y = p * z[k], sn = sin(y), cs = cos(y);
        s0[k] = sn;
        s1[k] = p * cs;
        s2[k] = -(p * p) * sn;
    }
}

int main(void)
{
    enum { N = 64, R = 100000 };
    static double z[N], s0[N], s1[N], s2[N], l0[N], l1[N], l2[N];
    double best[2] = {1e30, 1e30}, worst_diff = 0, sink = 0;
    int round, r, k, m;
    for (k = 0; k < N; k++)
        z[k] = -3.0 + 6.0 * (k + 0.5) / N;
    for (round = 0; round < 5; round++)
        for (m = 0; m < 2; m++) {
            const double t0 = now();
            for (r = 0; r < R; r++) {
                z[r % N] = -z[r % N];       /* keep the compiler from hoisting the call */
                if (m == 0)
                    model__sin(N, 30.0, 0.0, z, s0, s1, s2);
                else
                    sin_libm(N, 30.0, z, l0, l1, l2);
                sink += m == 0 ? s0[r % N] : l0[r % N];
            }
            if ((now() - t0) / R / N * 1e9 < best[m])
                best[m] = (now() - t0) / R / N * 1e9;
        }
    model__sin(N, 30.0, 0.0, z, s0, s1, s2);
    sin_libm(N, 30.0, z, l0, l1, l2);
    for (k = 0; k < N; k++)
        if (fabs(s0[k] - l0[k]) > worst_diff)
            worst_diff = fabs(s0[k] - l0[k]);
    printf("sin kernel (w0 = 30), 64 neurons a call, best of 5:\n");
    printf("  jetgen's sin kernel   %6.2f ns per neuron\n", best[0]);
    printf("  libm sin and cos      %6.2f ns per neuron\n", best[1]);
    printf("  ratio                 %6.2f   (largest difference in s: %.2g; checksum %g)\n",
           best[1] / best[0], worst_diff, sink);
    return 0;
}
