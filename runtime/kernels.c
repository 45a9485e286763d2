/* kernels.c: picks the kernel set for the machine this runs on (see
   kernels.h). JETGEN_ISA=baseline|avx2|avx512 in the environment forces a
   set the machine can run, for tests and benchmarks. */
#include "kernels.h"

#include <pthread.h>
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

const jg_kernel_set *jg_kernels_best(int is_float)
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
