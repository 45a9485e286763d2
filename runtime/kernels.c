/* kernels.c: picks the kernel set for the machine this runs on (see
   kernels.h). JETGEN_ISA=baseline|avx2|avx512 in the environment forces a
   set the machine can run, for tests and benchmarks. */
#include "kernels.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const jg_kernel_set jg_kernel_baseline_set, jg_kernel_baseline_f_set;
#if defined(JG_X86_VARIANTS)
extern const jg_kernel_set jg_kernel_avx2_set, jg_kernel_avx2_f_set;
extern const jg_kernel_set jg_kernel_avx512_set, jg_kernel_avx512_f_set;
#endif

/* 0 baseline, 1 AVX2 with FMA, 2 AVX-512: the widest this machine runs, or
   a narrower one JETGEN_ISA asks for. */
static int pick(void)
{
#if defined(JG_X86_VARIANTS)
    const char *want = getenv("JETGEN_ISA");
    const int avx512 = __builtin_cpu_supports("avx512f");
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (want != NULL && strcmp(want, "baseline") == 0)
        return 0;
    if (want != NULL && strcmp(want, "avx2") == 0 && avx2)
        return 1;
    if (avx512)
        return 2;
    if (avx2)
        return 1;
#endif
    return 0;
}

static int isa;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;

static void pick_once(void)
{
    isa = pick();
}

static const jg_kernel_set *best(int is_float)
{
    pthread_once(&isa_once, pick_once);     /* threads may ask at once */
#if defined(JG_X86_VARIANTS)
    if (isa == 2)
        return is_float ? &jg_kernel_avx512_f_set : &jg_kernel_avx512_set;
    if (isa == 1)
        return is_float ? &jg_kernel_avx2_f_set : &jg_kernel_avx2_set;
#endif
    return is_float ? &jg_kernel_baseline_f_set : &jg_kernel_baseline_set;
}

#if defined(JG_MUTANT)
/* The mutation test's build only (jetgen-mutant, tests/meson.build): with
   JETGEN_MUTANT=NAME:ORDER:FACTOR in the environment, activation NAME's
   kernel gives s (ORDER 0), s' (1) or s'' (2) times 1 + FACTOR, or its
   Taylor kernel s''' (3) or s'''' (4) (the coefficients of the terms'
   partials), in both precisions, so that the suite can show that
   `verify` catches it. tanh and sigmoid on one input's series form no
   coefficient past s' (the Riccati equation, model__uni_rows_riccati):
   there the activation's output series has its coefficient of order 3
   or 4 times 1 + FACTOR, which on one activation of a linear z (the
   test's network: A_k = s^(k)(z_0) z_1^k / k!) is the same error. */
static jg_kernel_set mutant[2];
static jg_kernels_double mutant_typed_d;
static jg_kernels_float mutant_typed_f;
static jg_act_double mutant_orig_d;
static jg_act_float mutant_orig_f;
static jg_taylor_double mutant_taylor_orig_d;
static jg_taylor_float mutant_taylor_orig_f;
static int mutant_on, mutant_order, mutant_act;
static double mutant_factor;
typedef void (*mutant_partials_fn_d)(jg_taylor_double, double, double, int, size_t, size_t, size_t, const size_t *,
                                     const unsigned short *, const double *, size_t, double *, size_t, int);
typedef void (*mutant_partials_fn_f)(jg_taylor_float, double, double, int, size_t, size_t, size_t, const size_t *,
                                     const unsigned short *, const float *, size_t, float *, size_t, int);
static mutant_partials_fn_d mutant_partials_orig_d;
static mutant_partials_fn_f mutant_partials_orig_f;

static void mutant_d(size_t n, double p, double q, const double *z, double *s0, double *s1, double *s2)
{
    double *s = mutant_order == 0 ? s0 : mutant_order == 1 ? s1 : s2;
    size_t k;
    mutant_orig_d(n, p, q, z, s0, s1, s2);
    for (k = 0; s != NULL && k < n; k++)
        s[k] *= 1.0 + mutant_factor;
}

static void mutant_f(size_t n, double p, double q, const float *z, float *s0, float *s1, float *s2)
{
    float *s = mutant_order == 0 ? s0 : mutant_order == 1 ? s1 : s2;
    size_t k;
    mutant_orig_f(n, p, q, z, s0, s1, s2);
    for (k = 0; s != NULL && k < n; k++)
        s[k] = (float)((double)s[k] * (1.0 + mutant_factor));
}

/* c[k n + j] = s^(k)(z_j) / k!: row mutant_order scaled */
static void mutant_taylor_d(size_t n, double p, double q, const double *z, int K, double *c)
{
    size_t j;
    mutant_taylor_orig_d(n, p, q, z, K, c);
    for (j = 0; K >= mutant_order && j < n; j++)
        c[(size_t)mutant_order * n + j] *= 1.0 + mutant_factor;
}

static void mutant_taylor_f(size_t n, double p, double q, const float *z, int K, float *c)
{
    size_t j;
    mutant_taylor_orig_f(n, p, q, z, K, c);
    for (j = 0; K >= mutant_order && j < n; j++)
        c[(size_t)mutant_order * n + j] = (float)((double)c[(size_t)mutant_order * n + j] * (1.0 + mutant_factor));
}

/* One input's series (K + 1 channels, channel k of order k) through the
   Riccati path: channel mutant_order of the result scaled. */
static void mutant_partials_d(jg_taylor_double fn, double p, double q, int K, size_t n, size_t nch, size_t np,
                              const size_t *upto, const unsigned short *pairs, const double *z, size_t ldz, double *a,
                              size_t lda, int riccati)
{
    size_t pt, j;
    mutant_partials_orig_d(fn, p, q, K, n, nch, np, upto, pairs, z, ldz, a, lda, riccati);
    if (riccati != JG_RICCATI(mutant_act) || riccati == 0 || nch != (size_t)K + 1 || K < mutant_order)
        return;
    for (pt = 0; pt < np; pt++)
        for (j = 0; j < n; j++)
            a[((size_t)mutant_order * np + pt) * lda + j] *= 1.0 + mutant_factor;
}

static void mutant_partials_f(jg_taylor_float fn, double p, double q, int K, size_t n, size_t nch, size_t np,
                              const size_t *upto, const unsigned short *pairs, const float *z, size_t ldz, float *a,
                              size_t lda, int riccati)
{
    size_t pt, j, o;
    mutant_partials_orig_f(fn, p, q, K, n, nch, np, upto, pairs, z, ldz, a, lda, riccati);
    if (riccati != JG_RICCATI(mutant_act) || riccati == 0 || nch != (size_t)K + 1 || K < mutant_order)
        return;
    for (pt = 0; pt < np; pt++)
        for (j = 0; j < n; j++) {
            o = ((size_t)mutant_order * np + pt) * lda + j;
            a[o] = (float)((double)a[o] * (1.0 + mutant_factor));
        }
}

static pthread_once_t mutant_once = PTHREAD_ONCE_INIT;

static void make_mutant(void)
{
    const char *spec = getenv("JETGEN_MUTANT");
    char name[32];
    int a;
    if (spec == NULL || sscanf(spec, "%31[a-z_0-9]:%d:%lf", name, &mutant_order, &mutant_factor) != 3)
        return;
    mutant[0] = *best(0);
    mutant[1] = *best(1);
    mutant_typed_d = *mutant[0].d;
    mutant_typed_f = *mutant[1].f;
    mutant[0].d = &mutant_typed_d;
    mutant[1].f = &mutant_typed_f;
    for (a = 0; a < JG_N_ACTIVATIONS && mutant_order >= 3; a++)
        if (strcmp(mutant[0].k[JG_KERNEL_OF_ACTIVATION(a)].name, name) == 0) {
            jg_taylor_double d = mutant_taylor_d;
            jg_taylor_float f = mutant_taylor_f;
            mutant_taylor_orig_d = mutant_typed_d.taylor[a];
            mutant_taylor_orig_f = mutant_typed_f.taylor[a];
            mutant_typed_d.taylor[a] = d;
            mutant_typed_f.taylor[a] = f;
            memcpy(&mutant[0].k[JG_KERNEL_OF_TAYLOR(a)].fn, &d, sizeof d);
            memcpy(&mutant[1].k[JG_KERNEL_OF_TAYLOR(a)].fn, &f, sizeof f);
            mutant_on = 1;
            if (JG_RICCATI(a) != 0) {       /* its Riccati path too */
                mutant_act = a;
                mutant_partials_orig_d = mutant_typed_d.partials_activate;
                mutant_partials_orig_f = mutant_typed_f.partials_activate;
                mutant_typed_d.partials_activate = mutant_partials_d;
                mutant_typed_f.partials_activate = mutant_partials_f;
                {
                    const mutant_partials_fn_d pd = mutant_partials_d;
                    const mutant_partials_fn_f pf = mutant_partials_f;
                    memcpy(&mutant[0].k[JG_KERNEL_partials_activate].fn, &pd, sizeof pd);
                    memcpy(&mutant[1].k[JG_KERNEL_partials_activate].fn, &pf, sizeof pf);
                }
            }
        }
    for (a = 0; a < JG_N_ACTIVATIONS && mutant_order < 3; a++)
        if (strcmp(mutant[0].k[JG_KERNEL_OF_ACTIVATION(a)].name, name) == 0) {
            jg_act_double d = mutant_d;
            jg_act_float f = mutant_f;
            mutant_orig_d = mutant_typed_d.act[a];
            mutant_orig_f = mutant_typed_f.act[a];
            mutant_typed_d.act[a] = d;
            mutant_typed_f.act[a] = f;
            memcpy(&mutant[0].k[JG_KERNEL_OF_ACTIVATION(a)].fn, &d, sizeof d);      /* the JIT's symbols */
            memcpy(&mutant[1].k[JG_KERNEL_OF_ACTIVATION(a)].fn, &f, sizeof f);
            mutant_on = 1;
        }
}
#endif

const jg_kernel_set *jg_kernels_best(int is_float)
{
#if defined(JG_MUTANT)
    pthread_once(&mutant_once, make_mutant);
    if (mutant_on)
        return &mutant[is_float != 0];
#endif
    return best(is_float);
}
