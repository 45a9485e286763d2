/* kernels.h: the kernels of templates/kernels.c as the runtime carries them,
   compiled by the build's optimizing compiler once per vector width, for
   JIT-compiled networks to call (libtcc does not optimize). */
#ifndef JG_KERNELS_H
#define JG_KERNELS_H

#include <stddef.h>

#include "activations.h"

typedef void (*jg_kernel_fn)(void);

typedef struct jg_kernel {
    const char *name;       /* e.g. "dense": bound as jetgen__dense */
    jg_kernel_fn fn;        /* cast to the real type before a call */
} jg_kernel;

/* An activation's kernel (s, s', s'' of n values z, given its numbers p,
   q) and the reverse sweep's third derivative (s''' given s and s'), in
   each precision. */
typedef void (*jg_act_double)(size_t, double, double, const double *, double *, double *, double *);
typedef void (*jg_act_float)(size_t, double, double, const float *, float *, float *, float *);
typedef void (*jg_act3_double)(size_t, double, double, const double *, const double *, const double *, double *);
typedef void (*jg_act3_float)(size_t, double, double, const float *, const float *, const float *, float *);
/* An activation's Taylor coefficients (templates/kernels.c, section
   taylor): c[k n + j] = s^(k)(z_j) / k!, k = 0 .. K, for n values z. */
typedef void (*jg_taylor_double)(size_t, double, double, const double *, int, double *);
typedef void (*jg_taylor_float)(size_t, double, double, const float *, int, float *);

/* Every kernel of a set but the activations, in the set's order, with its
   parameters in precision R (double or float; templates/kernels.c says
   what each is): X(name, parameters). kernel_set.c fills the typed tables
   below from the template's functions, so the compiler checks each
   function against its line here, and each call of the executor and the
   reverse sweep through the tables against the same line. */
#define JG_KERNEL_TYPES(X, R)                                                                                    \
    X(seed, (size_t, size_t, size_t, const R *, R *, size_t))                                                   \
    X(dense, (size_t, size_t, const R *, size_t, size_t, const R *, size_t, size_t, const R *, size_t, R *,     \
              size_t, R *const *))                                                                              \
    X(store, (size_t, size_t, size_t, size_t, size_t, int, size_t, const R *, size_t, R *, R *, R *))          \
    X(scale, (size_t, const R *, const R *, size_t, size_t, R *, size_t))                                       \
    X(copy, (size_t, size_t, const R *, size_t, int, R *, size_t))                                              \
    X(add, (size_t, size_t, double, const R *, size_t, int, R *, size_t))                                       \
    X(mul, (size_t, size_t, size_t, const size_t *, int, size_t, const R *, size_t, int, const R *, size_t, int, \
            R *, size_t))                                                                                       \
    X(dense_back, (size_t, size_t, const R *, size_t, size_t, size_t, const R *, size_t, const R *, size_t, R *, \
                   R *, R *))                                                                                   \
    X(activate_back, (jg_act_##R, jg_act3_##R, double, double, size_t, size_t, size_t, const size_t *, int,     \
                      size_t, size_t, const R *, R *, size_t, R *, size_t, int))                                \
    X(activate_to, (jg_act_##R, double, double, size_t, size_t, size_t, const size_t *, int, size_t, const R *, \
                    size_t, R *, size_t))                                                                       \
    X(tanh3, (size_t, double, double, const R *, const R *, const R *, R *))                                    \
    X(sigmoid3, (size_t, double, double, const R *, const R *, const R *, R *))                                 \
    X(acc, (size_t, const R *, size_t, R *))                                                                    \
    X(sum_to, (size_t, const R *, double *))                                                                    \
    X(activate, (jg_act_##R, double, double, size_t, size_t, size_t, const size_t *, int, size_t, R *, size_t)) \
    X(lanes_seed, (size_t, size_t, size_t, size_t, const R *, R *, size_t))                                     \
    X(lanes_dense, (size_t, size_t, const R *, size_t, const R *, size_t, size_t, const R *, size_t, R *, size_t, \
                    int))                                                                                       \
    X(lanes_store, (size_t, size_t, size_t, int, size_t, size_t, const R *, size_t, R *, R *, R *))             \
    X(lanes_outer, (size_t, size_t, size_t, size_t, const R *, size_t, const R *, size_t, R *, R *))            \
    X(lanes_fold, (size_t, R *, double *))                                                                      \
    X(tanh_chain, (size_t, size_t, size_t, const size_t *, int, size_t, const R *, size_t, R *, size_t))        \
    X(tanh_chain_back, (size_t, size_t, size_t, const size_t *, int, size_t, size_t, const R *, R *, size_t,    \
                        const R *, R *, size_t, int))                                                           \
    X(partials_seed, (size_t, size_t, size_t, const size_t *, const R *, R *, size_t))                           \
    X(partials_activate, (jg_taylor_##R, double, double, int, size_t, size_t, size_t, const size_t *,            \
                          const unsigned short *, const R *, size_t, R *, size_t, int))                         \
    X(partials_mul, (size_t, size_t, size_t, size_t, const unsigned short *, const R *, size_t, int, const R *, \
                     size_t, int, R *, size_t))                                                                 \
    X(partials_store, (size_t, size_t, size_t, size_t, size_t, const size_t *, const double *, const R *, size_t, \
                       R *))                                                                                    \
    X(partials_lanes_seed, (size_t, size_t, size_t, size_t, const size_t *, const R *, R *, size_t))            \
    X(partials_lanes_store, (size_t, size_t, size_t, size_t, const size_t *, const double *, const R *, size_t,   \
                             R *))                                                                              \
    X(partials_lanes_load, (size_t, size_t, size_t, size_t, const size_t *, const double *, const R *, R *,      \
                            size_t))                                                                            \
    X(partials_activate_back, (jg_taylor_##R, double, double, int, size_t, size_t, size_t, const size_t *,       \
                               const unsigned short *, const R *, R *, size_t, R *, size_t, int, const R *,     \
                               int))                                                                            \
    X(partials_back_reads_z, (size_t, int, const size_t *, const unsigned short *, int *))                     \
    X(partials_mul_back, (size_t, size_t, size_t, size_t, const unsigned short *, const R *, R *, size_t, int,   \
                          const R *, R *, size_t, int, const R *, size_t))
#define JG_KERNEL_INDEX(name, params) JG_KERNEL_##name,
enum { JG_KERNEL_TYPES(JG_KERNEL_INDEX, double) JG_N_FIXED_KERNELS };
#define JG_N_KERNELS (JG_N_FIXED_KERNELS + 2 * JG_N_ACTIVATIONS)

/* The typed tables: a set's kernels as the executor and the reverse sweep
   call them, in the set's precision; act[a]: activation a's kernel
   (JG_ACT_*), taylor[a] its Taylor coefficients'. */
#define JG_KERNEL_MEMBER(name, params) void(*name) params;
typedef struct jg_kernels_double {
    JG_KERNEL_TYPES(JG_KERNEL_MEMBER, double)
    jg_act_double act[JG_N_ACTIVATIONS];
    jg_taylor_double taylor[JG_N_ACTIVATIONS];
} jg_kernels_double;
typedef struct jg_kernels_float {
    JG_KERNEL_TYPES(JG_KERNEL_MEMBER, float)
    jg_act_float act[JG_N_ACTIVATIONS];
    jg_taylor_float taylor[JG_N_ACTIVATIONS];
} jg_kernels_float;

/* Where activation a (JG_ACT_*) has its kernel in a set: after the others,
   in the registry's order, then their Taylor kernels, NAME_taylor
   (runtime/kernel_set.c). */
#define JG_KERNEL_OF_ACTIVATION(a) (JG_N_FIXED_KERNELS + (a))
#define JG_KERNEL_OF_TAYLOR(a) (JG_N_FIXED_KERNELS + JG_N_ACTIVATIONS + (a))

typedef struct jg_kernel_set {
    const char *isa;        /* "avx512", "avx2" or "baseline", "_f" added for float */
    jg_kernel k[JG_N_KERNELS];      /* by name, untyped: the JIT binds these to its symbols */
    const jg_kernels_double *d;     /* typed, for the C callers: a double set's (else NULL) */
    const jg_kernels_float *f;      /* a float set's (else NULL) */
} jg_kernel_set;

/* The set for the widest vectors this machine runs, of double kernels (is_float
   0: bound as jetgen__NAME) or float kernels (1: jetgenf__NAME); chosen
   once. */
const jg_kernel_set *jg_kernels_best(int is_float);

#endif
