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

/* The kernels of a set that are no activation, in the set's order (X(name)
   for each; runtime/kernel_set.c makes the set from this list), then an
   activation kernel for each of gen/activations.h, in its order. */
#define JG_FIXED_KERNELS(X)                                                                       \
    X(seed) X(dense) X(store) X(scale) X(copy) X(add) X(mul) X(dense_back) X(activate_back)      \
    X(activate_to) X(tanh3) X(sigmoid3) X(acc) X(sum_to) X(activate) X(lanes_seed) X(lanes_dense) \
    X(lanes_store) X(lanes_outer) X(lanes_fold) X(tanh_chain) X(tanh_chain_back)
#define JG_KERNEL_INDEX(name) JG_KERNEL_##name,
enum { JG_FIXED_KERNELS(JG_KERNEL_INDEX) JG_N_FIXED_KERNELS };
#define JG_N_KERNELS (JG_N_FIXED_KERNELS + JG_N_ACTIVATIONS)

/* Where activation a (JG_ACT_*) has its kernel in a set: after the others,
   in the registry's order (runtime/kernel_set.c). */
#define JG_KERNEL_OF_ACTIVATION(a) (JG_N_FIXED_KERNELS + (a))

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
