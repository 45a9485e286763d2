/* kernels.h: the kernels of templates/kernels.c as the runtime carries them,
   compiled by the build's optimizing compiler once per vector width, for
   JIT-compiled networks to call (libtcc does not optimize). */
#ifndef JG_KERNELS_H
#define JG_KERNELS_H

#include "activations.h"

typedef void (*jg_kernel_fn)(void);

typedef struct jg_kernel {
    const char *name;       /* e.g. "dense": bound as jetgen__dense */
    jg_kernel_fn fn;        /* cast to the real type before a call */
} jg_kernel;

/* seed, dense, store, scale, copy, add, mul, dense_back, activate_back,
   activate_to, tanh_of_a, tanh3, sigmoid3, acc, sum_to, activate,
   lanes_seed, lanes_dense, lanes_store, lanes_outer, lanes_fold, tanh_chain,
   tanh_chain_back, and an
   activation kernel for each of gen/activations.h. */
#define JG_N_KERNELS (23 + JG_N_ACTIVATIONS)

/* Where activation a (JG_ACT_*) has its kernel in a set: after the others,
   in the registry's order (runtime/kernel_set.c). */
#define JG_KERNEL_OF_ACTIVATION(a) (23 + (a))

typedef struct jg_kernel_set {
    const char *isa;        /* "avx512", "avx2" or "baseline", "_f" added for float */
    jg_kernel k[JG_N_KERNELS];
} jg_kernel_set;

/* The set for the widest vectors this machine runs, of double kernels (is_float
   0: bound as jetgen__NAME) or float kernels (1: jetgenf__NAME); chosen
   once. */
const jg_kernel_set *jg_kernels_best(int is_float);

/* The kernel called name in ks, or NULL. */
jg_kernel_fn jg_kernel_find(const jg_kernel_set *ks, const char *name);

#endif
