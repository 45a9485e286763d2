/* kernel_set.c: templates/kernels.c compiled as the runtime's kernels. The
   build compiles this file once per instruction set, with JG_VARIANT set to
   its name and the matching -march (meson.build), so the one source of the
   kernels is the template; kernels.c picks the set at run time. */
#include "kernels.h"

#ifndef JG_VARIANT
#error "JG_VARIANT names the instruction set this copy is built for"
#endif

#define JG_K2(v, n) jg_kernel_##v##_##n
#define JG_K1(v, n) JG_K2(v, n)
#define JG_STR2(v) #v
#define JG_STR(v) JG_STR2(v)

/* float kernels (the variant's name ends in _f), else double */
#if defined(JG_FLOAT)
#define MODEL__FLOAT 1
#endif

/* The kernels are static in this file: each variant is a file of its own,
   and only its table leaves it. */
#define MODEL__API static

#include "../templates/kernels.c"

/* Function pointers of different types, kept as one type: the JIT code
   declares each with its real type. The activations come from the
   registry (gen/activations.h), last, in its order
   (JG_KERNEL_OF_ACTIVATION). */
#define JG_ENTRY(n) {#n, (jg_kernel_fn)model__##n},
#define JG_ACTIVATION_ENTRY(name, ...) JG_ENTRY(name)
#define JG_TAYLOR_ENTRY(name, ...) JG_ENTRY(name##_taylor)

#define JG_NAMED_ENTRY(name, params) JG_ENTRY(name)
#define JG_TYPED_ENTRY(name, params) model__##name,
#define JG_TYPED_ACTIVATION(name, ...) model__##name,
#define JG_TYPED_TAYLOR(name, ...) model__##name##_taylor,

/* the typed table: an initializer of another type than its member is an
   error (-Werror=incompatible-pointer-types, meson.build) */
#if defined(JG_FLOAT)
static const jg_kernels_float typed = {
#else
static const jg_kernels_double typed = {
#endif
    JG_KERNEL_TYPES(JG_TYPED_ENTRY, double)
    {JG_ACTIVATIONS(JG_TYPED_ACTIVATION)},
    {JG_ACTIVATIONS(JG_TYPED_TAYLOR)},
};

const jg_kernel_set JG_K1(JG_VARIANT, set) = {
    JG_STR(JG_VARIANT),
    {JG_KERNEL_TYPES(JG_NAMED_ENTRY, double)
     JG_ACTIVATIONS(JG_ACTIVATION_ENTRY)
     JG_ACTIVATIONS(JG_TAYLOR_ENTRY)},
#if defined(JG_FLOAT)
    NULL, &typed,
#else
    &typed, NULL,
#endif
};
