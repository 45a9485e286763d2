/* kernels.c: picks the kernel set for the machine this runs on (see
   kernels.h). JETGEN_ISA=baseline|avx2|avx512 in the environment forces a
   set the machine can run, for tests and benchmarks. */
#include "kernels.h"

#include <stdlib.h>
#include <string.h>

extern const jg_kernel_set jg_kernel_baseline_set;
#if defined(JG_X86_VARIANTS)
extern const jg_kernel_set jg_kernel_avx2_set;
extern const jg_kernel_set jg_kernel_avx512_set;
#endif

static const jg_kernel_set *pick(void)
{
#if defined(JG_X86_VARIANTS)
    const char *want = getenv("JETGEN_ISA");
    const int avx512 = __builtin_cpu_supports("avx512f");
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (want != NULL && strcmp(want, "baseline") == 0)
        return &jg_kernel_baseline_set;
    if (want != NULL && strcmp(want, "avx2") == 0 && avx2)
        return &jg_kernel_avx2_set;
    if (avx512)
        return &jg_kernel_avx512_set;
    if (avx2)
        return &jg_kernel_avx2_set;
#endif
    return &jg_kernel_baseline_set;
}

const jg_kernel_set *jg_kernels_best(void)
{
    /* The choice depends only on the machine and the environment, so a
       race between threads computes the same pointer twice: harmless. */
    static const jg_kernel_set *best;
    if (best == NULL)
        best = pick();
    return best;
}
