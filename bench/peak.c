/* peak.c: the machine's double-precision FMA peak on one core, measured by
   a tight loop of independent fused multiply-adds on the widest vectors the
   compiler targets (bench.py builds it with -O3 -march=native). Prints
   GFLOP/s (a fused multiply-add counts 2). */
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
#define V 8
#elif defined(__AVX__)
#define V 4
#else
#define V 2
#endif
#define CHAINS 12   /* independent accumulators: enough to hide FMA latency, few enough for registers */

typedef double vec __attribute__((vector_size(V * sizeof(double))));

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    vec acc[CHAINS], a, b;
    double best = 0.0, sink = 0.0;
    long i, iters = 20000000;
    int c, run, k;
    for (k = 0; k < V; k++) {
        a[k] = 0.999999;
        b[k] = 1e-7;
    }
    for (run = 0; run < 5; run++) {
        double t0, t;
        for (c = 0; c < CHAINS; c++)
            acc[c] = a * (double)(c + 1);
        t0 = now();
        for (i = 0; i < iters; i++)
            for (c = 0; c < CHAINS; c++)
                acc[c] = acc[c] * a + b;
        t = now() - t0;
        for (c = 0; c < CHAINS; c++)
            sink += acc[c][0];
        if (2.0 * V * CHAINS * (double)iters / t / 1e9 > best)
            best = 2.0 * V * CHAINS * (double)iters / t / 1e9;
    }
    printf("{\"peak_gflops\": %.2f, \"vector_doubles\": %d, \"sink\": %g}\n", best, V, sink);
    return 0;
}
