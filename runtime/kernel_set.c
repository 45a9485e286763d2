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
#define JG_KERNEL(n) JG_K1(JG_VARIANT, n)
#define JG_STR2(v) #v
#define JG_STR(v) JG_STR2(v)

/* float kernels (the variant's name ends in _f), else double */
#if defined(JG_FLOAT)
#define MODEL__FLOAT 1
#endif

/* External linkage, and names of this variant's own. */
#define MODEL__API
#define model__seed JG_KERNEL(seed)
#define model__dense JG_KERNEL(dense)
#define model__store JG_KERNEL(store)
#define model__scale JG_KERNEL(scale)
#define model__copy JG_KERNEL(copy)
#define model__add JG_KERNEL(add)
#define model__activate JG_KERNEL(activate)
#define model__tanh JG_KERNEL(tanh)
#define model__sigmoid JG_KERNEL(sigmoid)
#define model__softplus JG_KERNEL(softplus)
#define model__sin JG_KERNEL(sin)
#define model__cos JG_KERNEL(cos)
#define model__gelu JG_KERNEL(gelu)
#define model__gelu_tanh JG_KERNEL(gelu_tanh)
#define model__silu JG_KERNEL(silu)
#define model__mish JG_KERNEL(mish)
#define model__elu JG_KERNEL(elu)
#define model__selu JG_KERNEL(selu)
#define model__softsign JG_KERNEL(softsign)
#define model__exp JG_KERNEL(exp)
#define model__relu JG_KERNEL(relu)
#define model__leaky_relu JG_KERNEL(leaky_relu)
#define model__hardtanh JG_KERNEL(hardtanh)

#include "../templates/kernels.c"

/* Function pointers of different types, kept as one type: the JIT code
   declares each with its real type. */
#define JG_ENTRY(n) {#n, (jg_kernel_fn)JG_KERNEL(n)}

const jg_kernel_set JG_K1(JG_VARIANT, set) = {
    JG_STR(JG_VARIANT),
    {JG_ENTRY(seed), JG_ENTRY(dense), JG_ENTRY(store), JG_ENTRY(scale), JG_ENTRY(copy),
     JG_ENTRY(add), JG_ENTRY(activate), JG_ENTRY(tanh), JG_ENTRY(sigmoid), JG_ENTRY(softplus),
     JG_ENTRY(sin), JG_ENTRY(cos), JG_ENTRY(gelu), JG_ENTRY(gelu_tanh), JG_ENTRY(silu),
     JG_ENTRY(mish), JG_ENTRY(elu), JG_ENTRY(selu), JG_ENTRY(softsign), JG_ENTRY(exp),
     JG_ENTRY(relu), JG_ENTRY(leaky_relu), JG_ENTRY(hardtanh)},
};
