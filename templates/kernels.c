/* templates/kernels.c: the kernels every emitted network calls, as C that
   compiles on its own (cc -std=c99 -c templates/kernels.c).

   One source for two uses. jetgen copies the sections a network needs into
   each standalone file it emits, renaming model_ to the user's prefix
   (model__ marks private names), and the runtime compiles this file with
   the build's optimizing compiler, once per vector width, and binds those
   copies into JIT-compiled networks (runtime/kernels.c).
   Sections, each between banner comments:
     includes    the headers this file needs when compiled alone (dropped)
     real        the precision: model__real is double, or float
     vector      the vector type and FMA for the machine compiled for
     NAME-decl   the declarations of section NAME's kernels (all that a
                 JIT-compiled network sees of them)
     common      seeding, dense layers, storing results
     dense_back  the reverse of a dense layer (training, the library only)
     scale       the elementwise affine layer
     copy, add, mul   copies, sums and products of values (residual
                 blocks, graphs)
     activate    the chain rule through an elementwise activation
     activate_back  its reverse (training, the library only)
     taylor      Taylor coefficients of activations to order 6, for
                 the NAME_taylor kernels (partial derivatives of order
                 3 and 4: a spec's `terms`, issue 25)
     series      products of series and Horner's rule on them
     partials, partials_activate, partials_mul   the terms' seed and
                 results, activations and products
     partials_lanes, partials_back   the same with points in lanes, and
                 the reverses (the library only)
     pow2, pow2f 2^n from bits and the series of e^r - 1, for expm1 and
                 exp (pow2f: in float)
     expm1       e^x - 1 for x in [0, 40], vectorizable
     exp_neg     e^-x for x >= 0, vectorizable
     expm1_neg   e^x - 1 for x <= 0 given e^x (elu, selu)
     logistic    sigma(x) and 1 - sigma(x), each to full relative precision
     log1p       log(1 + w) for w in [0, 1], vectorizable
     sincos      sin y and cos y for |y| <= 2^19, vectorizable
     tanh, sigmoid, softplus, ...   value, first and second derivative of
                 one activation (a first line `needs: ...` names the helper
                 sections it calls, and, after `in float:`, those of float;
                 tools/embed.c reads it when jetgen is built), f(n, p, q, z, s0, s1, s2) with up to two
                 parameters p, q (PyTorch's: softplus beta and threshold,
                 sin/cos frequency, elu alpha, leaky_relu slope, hardtanh
                 min and max; ignored by the others)

   The layout of a tile. A tile holds np points. Each layer keeps, for every
   point p and channel c, a row of its neurons, padded with zeros to a
   multiple of 8 (the row stride ld):
     buf[(c * np + p) * ld + k]     channel c of neuron k at point p
     c = 0                          the value a_k
     c = 1 + i                      d a_k / d x_i                     (mode >= 1)
     c = 1 + N_IN + t               second derivatives, by mode:
                                    2 (full): d2 a_k / d x_i d x_j, i <= j,
                                      t = pairs (i', j') before (i, j)
                                    3 (diagonal): d2 a_k / d x_s^2 for the
                                      chosen inputs s = over[t] (t = 0 ..
                                      n_s - 1; over NULL: all, s = t)
                                    4 (Laplacian): sum_s d2 a_k / d x_s^2, t = 0
   The mode says what a call computes: 0 values, 1 and first derivatives,
   2 and the full Hessian, 3 and its diagonal, 4 and its trace. Modes 3
   and 4 carry N_IN and 1 second-derivative channels instead of
   N_IN (N_IN + 1) / 2: the diagonal of a'' needs only the diagonal of z''.
   A dense layer is then one matrix product of all nch * np rows by the
   transposed weights, W^T [in][ld]: one load of 8 weights feeds the value
   and every derivative channel of every point in the block.

   Numbers: the kernels give the same results under every compiler up to
   rounding differences of fused multiply-adds (a compiler may fuse a * b + c
   or not); tanh and sigmoid come from polynomials within 4 units in the
   last place of the exact values, their derivatives within a few
   DBL_EPSILON (tests/test_kernels.c holds them to it); the other
   activations call libm (sin, cos, erfc, expm1, log1p) in double. Do not
   compile with -ffast-math: the kernels
   rely on IEEE arithmetic (the build stops if __FAST_MATH__ is set). */

/**** begin includes ****/
#include <math.h>
#include <stddef.h>
#include <string.h>
/**** end includes ****/

/**** begin real ****/
/* model__real: the precision of the network's numbers, double unless
   MODEL__FLOAT is defined (jetgen emit --precision float). In float, tanh
   is computed in float (within a few float units in the last place) and
   every other activation in double, rounded once. */
#if defined(MODEL__FLOAT)
typedef float model__real;
#else
typedef double model__real;
#endif
/**** end real ****/

/**** begin vector ****/
#if defined(__FAST_MATH__)
#error "jetgen kernels need IEEE arithmetic: compile without -ffast-math"
#endif

/* MODEL__V numbers per vector: what the compiler targets (GNU C vector
   extensions in gcc and clang), or 1 in plain C. Rows are padded to 64
   bytes, a multiple of every width. MODEL__FMA(acc, s, w): acc += s * w,
   fused where the target has FMA (also under -std=c99, where compilers do
   not fuse on their own); MODEL__VFMA(acc, x, y): acc += x * y for
   vectors x and y, fused likewise. */
#if defined(__GNUC__) && !defined(__TINYC__)
#if defined(__AVX512F__)
#define MODEL__VBYTES 64
#define MODEL__WMAX 4       /* widest register block, in vectors: 24 of 32 registers */
#elif defined(__AVX__)
#define MODEL__VBYTES 32
#define MODEL__WMAX 2       /* 12 of 16 registers */
#else
#define MODEL__VBYTES 16
#define MODEL__WMAX 2
#endif
#define MODEL__V (MODEL__VBYTES / sizeof(model__real))
typedef model__real model__vec __attribute__((vector_size(MODEL__VBYTES)));
#define MODEL__INLINE static __inline__ __attribute__((always_inline))
#define MODEL__RESTRICT __restrict__    /* also in C++ */
#if defined(__AVX512F__) && defined(MODEL__FLOAT)
#include <immintrin.h>
#define MODEL__FMA(acc, s, w) ((acc) = _mm512_fmadd_ps(_mm512_set1_ps(s), (w), (acc)))
#define MODEL__VFMA(acc, x, y) ((acc) = _mm512_fmadd_ps((x), (y), (acc)))
#elif defined(__AVX512F__)
#include <immintrin.h>
#define MODEL__FMA(acc, s, w) ((acc) = _mm512_fmadd_pd(_mm512_set1_pd(s), (w), (acc)))
#define MODEL__VFMA(acc, x, y) ((acc) = _mm512_fmadd_pd((x), (y), (acc)))
#elif defined(__AVX__) && defined(__FMA__) && defined(MODEL__FLOAT)
#include <immintrin.h>
#define MODEL__FMA(acc, s, w) ((acc) = _mm256_fmadd_ps(_mm256_set1_ps(s), (w), (acc)))
#define MODEL__VFMA(acc, x, y) ((acc) = _mm256_fmadd_ps((x), (y), (acc)))
#elif defined(__AVX__) && defined(__FMA__)
#include <immintrin.h>
#define MODEL__FMA(acc, s, w) ((acc) = _mm256_fmadd_pd(_mm256_set1_pd(s), (w), (acc)))
#define MODEL__VFMA(acc, x, y) ((acc) = _mm256_fmadd_pd((x), (y), (acc)))
#else
#define MODEL__FMA(acc, s, w) ((acc) += (s) * (w))
#define MODEL__VFMA(acc, x, y) ((acc) += (x) * (y))
#endif
/* MODEL__MASKED: the vector bytes of the target's masked loads and stores
   (model__load_n), or 0 */
#if defined(__AVX512F__)
#define MODEL__MASKED 64
#elif defined(__AVX2__)
#include <immintrin.h>
#define MODEL__MASKED 32
#else
#define MODEL__MASKED 0
#endif
#else
#define MODEL__MASKED 0
#define MODEL__V 1
#define MODEL__WMAX 4
typedef model__real model__vec;
#define MODEL__INLINE static
#define MODEL__RESTRICT
#define MODEL__FMA(acc, s, w) ((acc) += (s) * (w))
#define MODEL__VFMA(acc, x, y) ((acc) += (x) * (y))
#endif

/* MODEL__MADD(a, b, c): a * b + c for double scalars (MODEL__MADDF for
   float), fused where the target has FMA (a loop over it vectorizes to
   FMA instructions), else as written. */
#if defined(__GNUC__) && !defined(__TINYC__) && defined(__FMA__)
#define MODEL__MADD(a, b, c) __builtin_fma((a), (b), (c))
#define MODEL__MADDF(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define MODEL__MADDF(a, b, c) ((a) * (b) + (c))
#define MODEL__MADD(a, b, c) ((a) * (b) + (c))
#endif

MODEL__INLINE model__vec model__load(const model__real *p)
{
    model__vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

MODEL__INLINE void model__put(model__real *p, model__vec v)
{
    memcpy(p, &v, sizeof v);
}
/**** end vector ****/

/**** begin common-decl ****/
#ifndef MODEL__API
#define MODEL__API static
#endif
MODEL__API void model__seed(size_t n_x, size_t nrow, size_t np, const model__real *x,
                            model__real *a, size_t lda);
MODEL__API void model__dense(size_t n_out, size_t n_in, const model__real *wt,
                             size_t ldw, size_t j0, const model__real *b,
                             size_t nrow, size_t np, const model__real *a,
                             size_t lda, model__real *z, size_t ldz,
                             model__real *const *rows);
MODEL__API void model__store(size_t n_out, size_t k0, size_t m, size_t n_x, size_t n_s,
                             int mode, size_t np, const model__real *z,
                             size_t ldz, model__real *u, model__real *du, model__real *d2u);
/**** end common-decl ****/

/**** begin dense_back-decl ****/
MODEL__API void model__dense_back(size_t n_out, size_t n_in, const model__real *wp, size_t ldw, size_t nrow,
                                  size_t np, const model__real *zb, size_t ldz, const model__real *a,
                                  size_t lda, model__real *ab, model__real *gw, model__real *gb);
/**** end dense_back-decl ****/

/**** begin lanes-decl ****/
MODEL__API void model__lanes_seed(size_t n_x, size_t nch, size_t np, size_t n, const model__real *x,
                                  model__real *a, size_t ldc);
MODEL__API void model__lanes_dense(size_t n_out, size_t n_in, const model__real *wt, size_t ldw,
                                   const model__real *b, size_t nch, size_t np, const model__real *a,
                                   size_t ldc_a, model__real *z, size_t ldc_z, int add);
MODEL__API void model__lanes_store(size_t n_out, size_t n_x, size_t n_s, int mode, size_t np, size_t n,
                                   const model__real *z, size_t ldc, model__real *u, model__real *du,
                                   model__real *d2u);
MODEL__API void model__lanes_outer(size_t n_out, size_t n_in, size_t nch, size_t np, const model__real *zb,
                                   size_t ldc_z, const model__real *a, size_t ldc_a, model__real *gv,
                                   model__real *gbv);
MODEL__API void model__lanes_fold(size_t n, model__real *gv, double *g);
/**** end lanes-decl ****/

/**** begin scale-decl ****/
MODEL__API void model__scale(size_t n, const model__real *mul, const model__real *add,
                             size_t nrow, size_t np, model__real *z, size_t ldz);
/**** end scale-decl ****/

/**** begin copy-decl ****/
MODEL__API void model__copy(size_t n, size_t nrow, const model__real *a, size_t lda, int bc,
                            model__real *z, size_t ldz);
/**** end copy-decl ****/

/**** begin add-decl ****/
MODEL__API void model__add(size_t n, size_t nrow, double c, const model__real *a, size_t lda,
                           int bc, model__real *z, size_t ldz);
/**** end add-decl ****/

/**** begin mul-decl ****/
MODEL__API void model__mul(size_t n, size_t n_x, size_t n_s, const size_t *over, int mode, size_t np,
                           const model__real *a, size_t lda, int bca, const model__real *b, size_t ldb,
                           int bcb, model__real *z, size_t ldz);
/**** end mul-decl ****/

/**** begin activate-decl ****/
typedef void (*model__fn)(size_t n, double p, double q, const model__real *z,
                          model__real *s0, model__real *s1, model__real *s2);
MODEL__API void model__activate(model__fn f, double p, double q, size_t n, size_t n_x, size_t n_s,
                                const size_t *over, int mode, size_t np, model__real *z, size_t ldz);
/**** end activate-decl ****/

/**** begin partials-decl ****/
MODEL__API void model__partials_seed(size_t n_x, size_t nch, size_t np, const size_t *first, const model__real *x,
                                     model__real *a, size_t lda);
MODEL__API void model__partials_store(size_t n_out, size_t k0, size_t m, size_t np, size_t n_terms,
                                      const size_t *of_term, const double *factor, const model__real *z, size_t ldz,
                                      model__real *out);
/**** end partials-decl ****/

/**** begin partials_activate-decl ****/
typedef void (*model__taylor_fn)(size_t n, double p, double q, const model__real *z, int K, model__real *c);
MODEL__API void model__partials_activate(model__taylor_fn fn, double p, double q, int K, size_t n, size_t nch,
                                         size_t np, const size_t *upto, const unsigned short *pairs,
                                         const model__real *z, size_t ldz, model__real *a, size_t lda,
                                         int riccati);
/**** end partials_activate-decl ****/

/**** begin partials_mul-decl ****/
MODEL__API void model__partials_mul(size_t n, size_t nch, size_t np, size_t n_pairs, const unsigned short *pairs,
                                    const model__real *a, size_t lda, int bca, const model__real *b, size_t ldb,
                                    int bcb, model__real *c, size_t ldc);
/**** end partials_mul-decl ****/

/**** begin partials_lanes-decl ****/
MODEL__API void model__partials_lanes_seed(size_t n_x, size_t nch, size_t lp, size_t n, const size_t *first,
                                           const model__real *x, model__real *a, size_t lda);
MODEL__API void model__partials_lanes_store(size_t n_out, size_t lp, size_t n, size_t n_terms,
                                            const size_t *of_term, const double *factor, const model__real *z,
                                            size_t ldz, model__real *out);
MODEL__API void model__partials_lanes_load(size_t n_out, size_t lp, size_t n, size_t n_terms,
                                           const size_t *of_term, const double *factor, const model__real *g,
                                           model__real *zb, size_t ldz);
/**** end partials_lanes-decl ****/

/**** begin partials_back-decl ****/
MODEL__API void model__partials_activate_back(model__taylor_fn fn, double p, double q, int K, size_t n, size_t nch,
                                              size_t np, const size_t *upto, const unsigned short *pairs,
                                              const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                              size_t lda, int riccati, const model__real *a, int assign);
MODEL__API void model__partials_mul_back(size_t n, size_t nch, size_t np, size_t n_pairs,
                                         const unsigned short *pairs, const model__real *a, model__real *ab,
                                         size_t lda, int bca, const model__real *b, model__real *bb, size_t ldb,
                                         int bcb, const model__real *cb, size_t ldc);
MODEL__API void model__partials_back_reads_z(size_t nch, int K, const size_t *upto, const unsigned short *pairs,
                                             int *reads);
/**** end partials_back-decl ****/

/**** begin activate_back-decl ****/
typedef void (*model__fn3)(size_t n, double p, double q, const model__real *z, const model__real *s0,
                           const model__real *s1, model__real *s3);
MODEL__API void model__activate_back(model__fn f, model__fn3 f3, double p, double q, size_t n, size_t n_x,
                                     size_t n_s, const size_t *over, int mode, size_t np, size_t nch,
                                     const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                     size_t lda, int assign);
MODEL__API void model__tanh3(size_t n, double p, double q, const model__real *z, const model__real *s0,
                             const model__real *s1, model__real *s3);
MODEL__API void model__sigmoid3(size_t n, double p, double q, const model__real *z, const model__real *s0,
                                const model__real *s1, model__real *s3);
MODEL__API void model__activate_to(model__fn f, double p, double q, size_t n, size_t n_x, size_t n_s,
                                   const size_t *over, int mode, size_t np, const model__real *z, size_t ldz,
                                   model__real *a, size_t lda);
MODEL__API void model__acc(size_t n, const model__real *x, size_t incx, model__real *y);
MODEL__API void model__sum_to(size_t n, const model__real *t, double *s);
/**** end activate_back-decl ****/

/**** begin tanh-decl ****/
MODEL__API void model__tanh(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2);
/**** end tanh-decl ****/

/**** begin tanh_taylor-decl ****/
MODEL__API void model__tanh_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c);
/**** end tanh_taylor-decl ****/

/**** begin sigmoid-decl ****/
MODEL__API void model__sigmoid(size_t n, double p, double q, const model__real *z,
                               model__real *s0, model__real *s1, model__real *s2);
/**** end sigmoid-decl ****/

/**** begin sigmoid_taylor-decl ****/
MODEL__API void model__sigmoid_taylor(size_t n, double p, double q, const model__real *z, int K,
                                      model__real *c);
/**** end sigmoid_taylor-decl ****/

/**** begin softplus-decl ****/
MODEL__API void model__softplus(size_t n, double p, double q, const model__real *z,
                                model__real *s0, model__real *s1, model__real *s2);
/**** end softplus-decl ****/

/**** begin softplus_taylor-decl ****/
MODEL__API void model__softplus_taylor(size_t n, double p, double q, const model__real *z, int K,
                                       model__real *c);
/**** end softplus_taylor-decl ****/

/**** begin sin-decl ****/
MODEL__API void model__sin(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2);
/**** end sin-decl ****/

/**** begin sin_taylor-decl ****/
MODEL__API void model__sin_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c);
/**** end sin_taylor-decl ****/

/**** begin cos-decl ****/
MODEL__API void model__cos(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2);
/**** end cos-decl ****/

/**** begin cos_taylor-decl ****/
MODEL__API void model__cos_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c);
/**** end cos_taylor-decl ****/

/**** begin gelu-decl ****/
MODEL__API void model__gelu(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2);
/**** end gelu-decl ****/

/**** begin gelu_taylor-decl ****/
MODEL__API void model__gelu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c);
/**** end gelu_taylor-decl ****/

/**** begin gelu_tanh-decl ****/
MODEL__API void model__gelu_tanh(size_t n, double p, double q, const model__real *z,
                                 model__real *s0, model__real *s1, model__real *s2);
/**** end gelu_tanh-decl ****/

/**** begin gelu_tanh_taylor-decl ****/
MODEL__API void model__gelu_tanh_taylor(size_t n, double p, double q, const model__real *z, int K,
                                        model__real *c);
/**** end gelu_tanh_taylor-decl ****/

/**** begin silu-decl ****/
MODEL__API void model__silu(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2);
/**** end silu-decl ****/

/**** begin silu_taylor-decl ****/
MODEL__API void model__silu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c);
/**** end silu_taylor-decl ****/

/**** begin mish-decl ****/
MODEL__API void model__mish(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2);
/**** end mish-decl ****/

/**** begin mish_taylor-decl ****/
MODEL__API void model__mish_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c);
/**** end mish_taylor-decl ****/

/**** begin elu-decl ****/
MODEL__API void model__elu(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2);
/**** end elu-decl ****/

/**** begin elu_taylor-decl ****/
MODEL__API void model__elu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c);
/**** end elu_taylor-decl ****/

/**** begin erf-decl ****/
MODEL__API void model__erf(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2);
/**** end erf-decl ****/

/**** begin erf_taylor-decl ****/
MODEL__API void model__erf_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c);
/**** end erf_taylor-decl ****/

/**** begin sqrt-decl ****/
MODEL__API void model__sqrt(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2);
/**** end sqrt-decl ****/

/**** begin sqrt_taylor-decl ****/
MODEL__API void model__sqrt_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c);
/**** end sqrt_taylor-decl ****/

/**** begin acos-decl ****/
MODEL__API void model__acos(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2);
/**** end acos-decl ****/

/**** begin acos_taylor-decl ****/
MODEL__API void model__acos_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c);
/**** end acos_taylor-decl ****/

/**** begin selu-decl ****/
MODEL__API void model__selu(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2);
/**** end selu-decl ****/

/**** begin selu_taylor-decl ****/
MODEL__API void model__selu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c);
/**** end selu_taylor-decl ****/

/**** begin softsign-decl ****/
MODEL__API void model__softsign(size_t n, double p, double q, const model__real *z,
                                model__real *s0, model__real *s1, model__real *s2);
/**** end softsign-decl ****/

/**** begin softsign_taylor-decl ****/
MODEL__API void model__softsign_taylor(size_t n, double p, double q, const model__real *z, int K,
                                       model__real *c);
/**** end softsign_taylor-decl ****/

/**** begin exp-decl ****/
MODEL__API void model__exp(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2);
/**** end exp-decl ****/

/**** begin exp_taylor-decl ****/
MODEL__API void model__exp_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c);
/**** end exp_taylor-decl ****/

/**** begin relu-decl ****/
MODEL__API void model__relu(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2);
/**** end relu-decl ****/

/**** begin relu_taylor-decl ****/
MODEL__API void model__relu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c);
/**** end relu_taylor-decl ****/

/**** begin leaky_relu-decl ****/
MODEL__API void model__leaky_relu(size_t n, double p, double q, const model__real *z,
                                  model__real *s0, model__real *s1, model__real *s2);
/**** end leaky_relu-decl ****/

/**** begin leaky_relu_taylor-decl ****/
MODEL__API void model__leaky_relu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                         model__real *c);
/**** end leaky_relu_taylor-decl ****/

/**** begin pow-decl ****/
MODEL__API void model__pow(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2);
/**** end pow-decl ****/

/**** begin pow_taylor-decl ****/
MODEL__API void model__pow_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c);
/**** end pow_taylor-decl ****/

/**** begin hardtanh-decl ****/
MODEL__API void model__hardtanh(size_t n, double p, double q, const model__real *z,
                                model__real *s0, model__real *s1, model__real *s2);
/**** end hardtanh-decl ****/

/**** begin hardtanh_taylor-decl ****/
MODEL__API void model__hardtanh_taylor(size_t n, double p, double q, const model__real *z, int K,
                                       model__real *c);
/**** end hardtanh_taylor-decl ****/

/**** begin common ****/
/* The input layer, nrow = nch * np rows: a_i = x_i, d a_i / d x_j =
   [i == j], second derivatives 0; the padding lanes up to lda are zeroed.
   x is [np][n_x]. */
MODEL__API void model__seed(size_t n_x, size_t nrow, size_t np, const model__real *x,
                            model__real *a, size_t lda)
{
    size_t r, i;
    for (r = 0; r < nrow; r++) {
        const size_t c = r / np, p = r % np;
        model__real *ar = a + r * lda;
        for (i = 0; i < lda; i++)
            ar[i] = i >= n_x ? 0.0 : c == 0 ? x[p * n_x + i] : c == 1 + i ? 1.0 : 0.0;
    }
}

/* The register blocks of model__dense: R rows of a (R = 6, 3, 1) times NV
   vectors of weights (NV = 4, 2, 1), R * NV accumulators that stay in
   registers; one weight load feeds R rows. MODEL__BLOCK_FN writes out each
   block function from the lists below. Row q of the block is stored at
   zr[q] + j; rows q < nb get the bias. */
#define MODEL__ROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define MODEL__ROWS3(X) X(0) X(1) X(2)
#define MODEL__ROWS1(X) X(0)
#define MODEL__VECS4(X, q) X(q, 0) X(q, 1) X(q, 2) X(q, 3)
#define MODEL__VECS3(X, q) X(q, 0) X(q, 1) X(q, 2)
#define MODEL__VECS2(X, q) X(q, 0) X(q, 1)
#define MODEL__VECS1(X, q) X(q, 0)
#define MODEL__INIT(q, v) model__vec acc##q##v = b != NULL && q < nb ? model__load(b + v * MODEL__V) : zero;
#define MODEL__W(q, v) const model__vec w##v = model__load(wk + v * MODEL__V);
#define MODEL__ACC(q, v) MODEL__FMA(acc##q##v, s##q, w##v);
#define MODEL__PUT(q, v) model__put(zr[q] + j + v * MODEL__V, acc##q##v);
#define MODEL__INIT_4(q) MODEL__VECS4(MODEL__INIT, q)
#define MODEL__INIT_3(q) MODEL__VECS3(MODEL__INIT, q)
#define MODEL__INIT_2(q) MODEL__VECS2(MODEL__INIT, q)
#define MODEL__INIT_1(q) MODEL__VECS1(MODEL__INIT, q)
#define MODEL__ACC_4(q) { const model__real s##q = a[q * lda + k]; MODEL__VECS4(MODEL__ACC, q) }
#define MODEL__ACC_3(q) { const model__real s##q = a[q * lda + k]; MODEL__VECS3(MODEL__ACC, q) }
#define MODEL__ACC_2(q) { const model__real s##q = a[q * lda + k]; MODEL__VECS2(MODEL__ACC, q) }
#define MODEL__ACC_1(q) { const model__real s##q = a[q * lda + k]; MODEL__VECS1(MODEL__ACC, q) }
#define MODEL__PUT_4(q) MODEL__VECS4(MODEL__PUT, q)
#define MODEL__PUT_3(q) MODEL__VECS3(MODEL__PUT, q)
#define MODEL__PUT_2(q) MODEL__VECS2(MODEL__PUT, q)
#define MODEL__PUT_1(q) MODEL__VECS1(MODEL__PUT, q)
#define MODEL__BLOCK_FN(R, N)                                                   \
    static void model__block##R##x##N(size_t n_in, const model__real *wt,            \
                                      size_t ldw, const model__real *b, size_t nb,   \
                                      const model__real *a, size_t lda,              \
                                      model__real *const *zr, size_t j)              \
    {                                                                           \
        const model__vec zero = {0};                                            \
        size_t k;                                                               \
        MODEL__ROWS##R(MODEL__INIT_##N)                                         \
        for (k = 0; k < n_in; k++) {                                            \
            const model__real *wk = wt + k * ldw;                                    \
            MODEL__VECS##N(MODEL__W, 0)                                         \
            MODEL__ROWS##R(MODEL__ACC_##N)                                      \
        }                                                                       \
        MODEL__ROWS##R(MODEL__PUT_##N)                                          \
    }

MODEL__BLOCK_FN(6, 4)
MODEL__BLOCK_FN(6, 3)
MODEL__BLOCK_FN(6, 2)
MODEL__BLOCK_FN(6, 1)
MODEL__BLOCK_FN(3, 4)
MODEL__BLOCK_FN(3, 3)
MODEL__BLOCK_FN(3, 2)
MODEL__BLOCK_FN(3, 1)
MODEL__BLOCK_FN(1, 4)
MODEL__BLOCK_FN(1, 3)
MODEL__BLOCK_FN(1, 2)
MODEL__BLOCK_FN(1, 1)

/* Weights are stored as W^T cut into panels of 256 bytes of columns: panel
   p holds, for k = 0 .. n_in - 1, the entries W^T[k][p P .. p P + P - 1]
   (P = MODEL__PANEL), the last panel as wide as what is left. A register
   block then reads its weights as one contiguous stream, which the
   hardware prefetches, instead of n_in rows a page apart. */
#define MODEL__PANEL (256 / sizeof(model__real))

/* z = W a + b on every row of the tile, the bias only on the value rows
   (the first np): z_r[j] = sum_k a[r][k] W^T[k][j0 + j], for r < nrow and
   j < n_out (a multiple of 64 bytes). wt is W^T in panels, ldw its padded
   width; b, if not NULL, has n_out entries (from j0). Row r of z is rows[r]
   when rows is not NULL (so a final layer can write straight into the
   caller's arrays), else z + r * ldz. */
MODEL__API void model__dense(size_t n_out, size_t n_in, const model__real *wt,
                             size_t ldw, size_t j0, const model__real *b,
                             size_t nrow, size_t np, const model__real *a,
                             size_t lda, model__real *z, size_t ldz,
                             model__real *const *rows)
{
    model__real *zr[6];
    size_t r, q, j, w, nq;
    for (r = 0; r < nrow; r += nq) {
        const size_t nb = r < np ? np - r : 0;    /* rows of the block with bias */
        const model__real *ar = a + r * lda;
        nq = nrow - r >= 6 ? 6 : nrow - r >= 3 ? 3 : 1;
        for (q = 0; q < nq; q++)
            zr[q] = rows != NULL ? rows[r + q] : z + (r + q) * ldz;
        for (j = 0; j < n_out; j += w * MODEL__V) {
            const size_t lane = j0 + j, p0 = lane / MODEL__PANEL * MODEL__PANEL;
            const size_t pw = ldw - p0 < MODEL__PANEL ? ldw - p0 : MODEL__PANEL;
            const size_t left = (n_out - j) / MODEL__V, in_panel = (p0 + pw - lane) / MODEL__V;
            const size_t most = left < in_panel ? left : in_panel;
            const model__real *bj = b != NULL ? b + j : NULL;
            const model__real *wj = wt + p0 * n_in + (lane - p0);    /* row stride pw */
            /* 3 vectors where 3 are left (a 20-wide layer in double on
               AVX-512: one pass over the rows, not a 2 and a 1) */
            w = MODEL__WMAX >= 4 && most >= 3 ? (most >= 4 ? 4 : 3) : most >= 2 ? 2 : 1;
            if (nq == 6)
                (w == 4 ? model__block6x4 : w == 3 ? model__block6x3 : w == 2 ? model__block6x2 : model__block6x1)(
                    n_in, wj, pw, bj, nb, ar, lda, zr, j);
            else if (nq == 3)
                (w == 4 ? model__block3x4 : w == 3 ? model__block3x3 : w == 2 ? model__block3x2 : model__block3x1)(
                    n_in, wj, pw, bj, nb, ar, lda, zr, j);
            else
                (w == 4 ? model__block1x4 : w == 3 ? model__block1x3 : w == 2 ? model__block1x2 : model__block1x1)(
                    n_in, wj, pw, bj, nb, ar, lda, zr, j);
        }
    }
}

/* Copies neurons [0, m) of the tile z (row stride ldz), outputs k0 ..
   k0 + m - 1, into the caller's layout: u [np][n_out], du [np][n_out][n_x],
   and by mode d2u [np][n_out][n_x][n_x] (2: both triangles),
   [np][n_out][n_s] (3: the diagonal over the n_s chosen inputs) or
   [np][n_out] (4: the Laplacian). Any of them may be NULL. */
MODEL__INLINE void model__store_n(size_t n_out, size_t k0, size_t m, size_t n_x, size_t n_s,
                                  int mode, size_t np,
                                  const model__real *MODEL__RESTRICT z, size_t ldz,
                                  model__real *MODEL__RESTRICT u,
                                  model__real *MODEL__RESTRICT du,
                                  model__real *MODEL__RESTRICT d2u)
{
    size_t p, i, j, t, k;
    for (p = 0; p < np; p++) {
        if (u != NULL) {
            const model__real *zp = z + p * ldz;
            model__real *up = u + p * n_out + k0;
            for (k = 0; k + MODEL__V <= m; k += MODEL__V)     /* not a memcpy call: m is short */
                model__put(up + k, model__load(zp + k));
            for (; k < m; k++)
                up[k] = zp[k];
        }
        /* neuron by neuron, so that the writes to du and d2u are contiguous */
        if (mode >= 1 && du != NULL) {
            const model__real *z1 = z + (np + p) * ldz;     /* channel 1 + i at z1[i * np * ldz] */
            model__real *dp = du + (p * n_out + k0) * n_x;
            for (k = 0; k < m; k++)
                for (i = 0; i < n_x; i++)
                    dp[k * n_x + i] = z1[i * np * ldz + k];
        }
        if (mode == 2 && d2u != NULL) {
            const size_t nn = n_x * n_x;
            const model__real *z2 = z + ((1 + n_x) * np + p) * ldz;
            model__real *hp = d2u + (p * n_out + k0) * nn;
            for (k = 0; k < m; k++, hp += nn)
                for (i = 0, t = 0; i < n_x; i++)
                    for (j = i; j < n_x; j++, t++)
                        hp[i * n_x + j] = hp[j * n_x + i] = z2[t * np * ldz + k];
        } else if (mode == 3 && d2u != NULL) {
            const model__real *z2 = z + ((1 + n_x) * np + p) * ldz;
            model__real *hp = d2u + (p * n_out + k0) * n_s;
            for (k = 0; k < m; k++)
                for (i = 0; i < n_s; i++)
                    hp[k * n_s + i] = z2[i * np * ldz + k];
        } else if (mode == 4 && d2u != NULL) {
            const model__real *z2 = z + ((1 + n_x) * np + p) * ldz;
            model__real *lp = d2u + p * n_out + k0;
            for (k = 0; k < m; k++)
                lp[k] = z2[k];
        }
    }
}
/* model__store_n with n_x a constant for 1 to 3 inputs, so that the
   loops over inputs and pairs unroll. */
MODEL__API void model__store(size_t n_out, size_t k0, size_t m, size_t n_x, size_t n_s,
                             int mode, size_t np, const model__real *z,
                             size_t ldz, model__real *u, model__real *du, model__real *d2u)
{
    if (n_x == 1)
        model__store_n(n_out, k0, m, 1, 1, mode, np, z, ldz, u, du, d2u);
    else if (n_x == 2 && n_s == 2)
        model__store_n(n_out, k0, m, 2, 2, mode, np, z, ldz, u, du, d2u);
    else if (n_x == 3 && n_s == 3)
        model__store_n(n_out, k0, m, 3, 3, mode, np, z, ldz, u, du, d2u);
    else
        model__store_n(n_out, k0, m, n_x, n_s, mode, np, z, ldz, u, du, d2u);
}

/**** end common ****/

/**** begin dense_back ****/
/* The reverse of model__dense, for the reverse sweep of training (the
   library's runtime/grad.c; no emitted file calls it). With wp = W
   [n_out][n_in] in rows padded to ldw (a multiple of 64 bytes, zeros), zb
   the adjoint of z and a the layer's input on nrow rows (strides ldz and
   lda, each a multiple of 64 bytes):
     ab[r][k] += sum_j zb[r][j] W[j][k]      (a's adjoint; its padding gets zeros)
     gw[j][k] += sum_r zb[r][j] a[r][k]      (W's gradient, [n_out][n_in] unpadded)
     gb[j]    += sum_{r < np} zb[r][j]       (b's, value rows only; gb may be NULL)
   Both products are the forward's register blocks turned around: R rows of
   scalars s[q] = sp[q ldq + i lds] times N vectors vp[i ldv + v V], summed
   over i < len into R x N accumulators (24 of AVX-512's 32 registers at
   6 x 4), then written to out[q N + v]. */
#define MODEL__BACC(q, v) MODEL__FMA(acc##q##v, s##q, w##v);
#define MODEL__BZERO(q, v) model__vec acc##q##v = zero;
#define MODEL__BOUT(q, v) out[(q) * nvec + (v)] = acc##q##v;
#define MODEL__BVEC(q, v) const model__vec w##v = model__load(vi + (v) * MODEL__V);
#define MODEL__BZERO_4(q) MODEL__VECS4(MODEL__BZERO, q)
#define MODEL__BZERO_3(q) MODEL__VECS3(MODEL__BZERO, q)
#define MODEL__BZERO_2(q) MODEL__VECS2(MODEL__BZERO, q)
#define MODEL__BZERO_1(q) MODEL__VECS1(MODEL__BZERO, q)
#define MODEL__BACC_4(q) { const model__real s##q = si[(q) * ldq]; MODEL__VECS4(MODEL__BACC, q) }
#define MODEL__BACC_3(q) { const model__real s##q = si[(q) * ldq]; MODEL__VECS3(MODEL__BACC, q) }
#define MODEL__BACC_2(q) { const model__real s##q = si[(q) * ldq]; MODEL__VECS2(MODEL__BACC, q) }
#define MODEL__BACC_1(q) { const model__real s##q = si[(q) * ldq]; MODEL__VECS1(MODEL__BACC, q) }
#define MODEL__BOUT_4(q) MODEL__VECS4(MODEL__BOUT, q)
#define MODEL__BOUT_3(q) MODEL__VECS3(MODEL__BOUT, q)
#define MODEL__BOUT_2(q) MODEL__VECS2(MODEL__BOUT, q)
#define MODEL__BOUT_1(q) MODEL__VECS1(MODEL__BOUT, q)
#define MODEL__BACK_FN(R, N)                                                    \
    static void model__back##R##x##N(size_t len, const model__real *sp, size_t ldq, \
                                     size_t lds, const model__real *vp, size_t ldv, \
                                     model__vec *out)                           \
    {                                                                           \
        const model__vec zero = {0};                                            \
        const size_t nvec = N;                                                  \
        size_t i;                                                               \
        MODEL__ROWS##R(MODEL__BZERO_##N)                                        \
        for (i = 0; i < len; i++) {                                             \
            const model__real *si = sp + i * lds, *vi = vp + i * ldv;           \
            MODEL__VECS##N(MODEL__BVEC, 0)                                      \
            MODEL__ROWS##R(MODEL__BACC_##N)                                     \
        }                                                                       \
        MODEL__ROWS##R(MODEL__BOUT_##N)                                         \
    }

MODEL__BACK_FN(6, 4)
MODEL__BACK_FN(6, 3)
MODEL__BACK_FN(6, 2)
MODEL__BACK_FN(6, 1)
MODEL__BACK_FN(3, 4)
MODEL__BACK_FN(3, 3)
MODEL__BACK_FN(3, 2)
MODEL__BACK_FN(3, 1)
MODEL__BACK_FN(1, 4)
MODEL__BACK_FN(1, 3)
MODEL__BACK_FN(1, 2)
MODEL__BACK_FN(1, 1)

/* One R x N block of either product, R from the rows left (6, 3, 1), N
   from the vectors left (4, 3, 2, 1; 3 and 4 where MODEL__WMAX is 4). */
static void model__back_block(size_t nq, size_t nv, size_t len, const model__real *sp, size_t ldq,
                              size_t lds, const model__real *vp, size_t ldv, model__vec *out)
{
    if (nq == 6)
        (nv == 4 ? model__back6x4 : nv == 3 ? model__back6x3 : nv == 2 ? model__back6x2 : model__back6x1)(
            len, sp, ldq, lds, vp, ldv, out);
    else if (nq == 3)
        (nv == 4 ? model__back3x4 : nv == 3 ? model__back3x3 : nv == 2 ? model__back3x2 : model__back3x1)(
            len, sp, ldq, lds, vp, ldv, out);
    else
        (nv == 4 ? model__back1x4 : nv == 3 ? model__back1x3 : nv == 2 ? model__back1x2 : model__back1x1)(
            len, sp, ldq, lds, vp, ldv, out);
}

MODEL__API void model__dense_back(size_t n_out, size_t n_in, const model__real *wp, size_t ldw, size_t nrow,
                                  size_t np, const model__real *zb, size_t ldz, const model__real *a,
                                  size_t lda, model__real *ab, model__real *gw, model__real *gb)
{
    model__vec out[24];
    model__real tmp[MODEL__V];
    size_t r, j, k, q, v, nq, nv, left, m;
    /* ab += zb W: rows r of zb (scalars along j) times rows j of W */
    for (r = 0; r < nrow; r += nq) {
        nq = nrow - r >= 6 ? 6 : nrow - r >= 3 ? 3 : 1;
        for (k = 0; k < ldw; k += nv * MODEL__V) {
            left = (ldw - k) / MODEL__V;
            nv = MODEL__WMAX >= 4 && left >= 3 ? (left >= 4 ? 4 : 3) : left >= 2 ? 2 : 1;
            model__back_block(nq, nv, n_out, zb + r * ldz, ldz, 1, wp + k, ldw, out);
            for (q = 0; q < nq; q++)
                for (v = 0; v < nv; v++) {
                    model__real *d = ab + (r + q) * lda + k + v * MODEL__V;
                    model__put(d, model__load(d) + out[q * nv + v]);
                }
        }
    }
    /* gw += zb^T a: outputs j (scalars zb[i][j] along the rows i) times
       rows i of a; zb's padding beyond n_out is read, never stored */
    for (j = 0; j < n_out; j += nq) {
        nq = n_out - j >= 6 ? 6 : n_out - j >= 3 ? 3 : 1;
        for (k = 0; k < n_in; k += nv * MODEL__V) {
            left = (lda - k) / MODEL__V;
            nv = MODEL__WMAX >= 4 && left >= 3 ? (left >= 4 ? 4 : 3) : left >= 2 ? 2 : 1;
            model__back_block(nq, nv, nrow, zb + j, 1, ldz, a + k, lda, out);
            for (q = 0; q < nq; q++)
                for (v = 0; v < nv && k + v * MODEL__V < n_in; v++) {
                    model__real *g = gw + (j + q) * n_in + k + v * MODEL__V;
                    m = n_in - k - v * MODEL__V < MODEL__V ? n_in - k - v * MODEL__V : MODEL__V;
                    if (m == MODEL__V) {
                        model__put(g, model__load(g) + out[q * nv + v]);
                        continue;
                    }
                    model__put(tmp, out[q * nv + v]);
                    while (m-- > 0)
                        g[m] += tmp[m];
                }
        }
    }
    if (gb != NULL)
        for (r = 0; r < np; r++)
            for (j = 0; j < n_out; j++)
                gb[j] += zb[r * ldz + j];
}
/**** end dense_back ****/

/**** begin lanes ****/
/* Points in lanes: the layout of narrow networks in the library's
   executor and reverse sweep (runtime/exec.c, runtime/grad.c; no emitted
   file calls these). A tile of np points (a multiple of MODEL__V: the
   plan's 256 bytes of points) keeps channel c of neuron k at point p at
     buf[c * ldc + k * np + p]
   so a vector holds one neuron of MODEL__V points and no lane is padding
   however narrow the layer: a 20-wide layer is 20 rows of whole vectors
   where the row layout (common) pads it to 24 numbers (double) or 32
   (float). A channel is then one row of n np numbers for the elementwise
   kernels (activate, activate_back with np = 1); the dense layer is a
   product by broadcast weights (model__lanes_dense). */

/* The input layer: a_i = x_i, d a_i / d x_j = [i == j], second
   derivatives 0, for the n <= np points of x ([n][n_x]); the other points
   of the tile get zeros in the value channel. */
MODEL__API void model__lanes_seed(size_t n_x, size_t nch, size_t np, size_t n, const model__real *x,
                                  model__real *a, size_t ldc)
{
    size_t c, i, p;
    for (c = 0; c < nch; c++)
        for (i = 0; i < n_x; i++) {
            model__real *row = a + c * ldc + i * np;
            for (p = 0; p < np; p++)
                row[p] = c == 0 ? (p < n ? x[p * n_x + i] : 0.0) : c == 1 + i ? 1.0 : 0.0;
        }
}

/* The register blocks of model__lanes_dense: R neurons j (1 to 6) times
   N vectors of points (1 to 4), R * N accumulators; per input k, N loads
   of a's row and R broadcast weights, wt[k * ldw + j]. One call does nb
   such blocks side by side (neurons j to j + nb R), so that the set-up of
   a call (a fifth of the time of 6 x 2 with AVX2, 64 inputs) is paid once
   for them all. */
#define MODEL__ROWS2(X) X(0) X(1)
#define MODEL__ROWS4(X) X(0) X(1) X(2) X(3)
#define MODEL__ROWS5(X) X(0) X(1) X(2) X(3) X(4)
#define MODEL__LINIT(q, v) model__vec acc##q##v = add ? model__load(zq + (q) * np + (v) * MODEL__V) \
                                        : bq != NULL ? zero + bq[q] : zero;
#define MODEL__LVEC(q, v) const model__vec x##v = model__load(ak + (v) * MODEL__V);
#define MODEL__LACC(q, v) MODEL__FMA(acc##q##v, s##q, x##v);
#define MODEL__LPUT(q, v) model__put(zq + (q) * np + (v) * MODEL__V, acc##q##v);
#define MODEL__LINIT_4(q) MODEL__VECS4(MODEL__LINIT, q)
#define MODEL__LINIT_3(q) MODEL__VECS3(MODEL__LINIT, q)
#define MODEL__LINIT_2(q) MODEL__VECS2(MODEL__LINIT, q)
#define MODEL__LINIT_1(q) MODEL__VECS1(MODEL__LINIT, q)
#define MODEL__LACC_4(q) { const model__real s##q = wk[q]; MODEL__VECS4(MODEL__LACC, q) }
#define MODEL__LACC_3(q) { const model__real s##q = wk[q]; MODEL__VECS3(MODEL__LACC, q) }
#define MODEL__LACC_2(q) { const model__real s##q = wk[q]; MODEL__VECS2(MODEL__LACC, q) }
#define MODEL__LACC_1(q) { const model__real s##q = wk[q]; MODEL__VECS1(MODEL__LACC, q) }
#define MODEL__LPUT_4(q) MODEL__VECS4(MODEL__LPUT, q)
#define MODEL__LPUT_3(q) MODEL__VECS3(MODEL__LPUT, q)
#define MODEL__LPUT_2(q) MODEL__VECS2(MODEL__LPUT, q)
#define MODEL__LPUT_1(q) MODEL__VECS1(MODEL__LPUT, q)
#define MODEL__LANES_FN(R, N)                                                   \
    static void model__lanes##R##x##N(size_t nb, size_t n_in, const model__real *wt, size_t ldw, \
                                      const model__real *b, const model__real *a, size_t np, \
                                      model__real *z, int add)                  \
    {                                                                           \
        const model__vec zero = {0};                                            \
        size_t i, k;                                                            \
        for (i = 0; i < nb; i++) {                                              \
            const model__real *wq = wt + i * (R), *bq = b != NULL ? b + i * (R) : NULL; \
            model__real *zq = z + i * (R) * np;                                 \
            MODEL__ROWS##R(MODEL__LINIT_##N)                                    \
            for (k = 0; k < n_in; k++) {                                        \
                const model__real *ak = a + k * np, *wk = wq + k * ldw;         \
                MODEL__VECS##N(MODEL__LVEC, 0)                                  \
                MODEL__ROWS##R(MODEL__LACC_##N)                                 \
            }                                                                   \
            MODEL__ROWS##R(MODEL__LPUT_##N)                                     \
        }                                                                       \
    }
#define MODEL__LANES_FNS(R) MODEL__LANES_FN(R, 1) MODEL__LANES_FN(R, 2) MODEL__LANES_FN(R, 3) MODEL__LANES_FN(R, 4)
MODEL__LANES_FNS(1)
MODEL__LANES_FNS(2)
MODEL__LANES_FNS(3)
MODEL__LANES_FNS(4)
MODEL__LANES_FNS(5)
MODEL__LANES_FNS(6)

typedef void (*model__lanes_block)(size_t, size_t, const model__real *, size_t, const model__real *,
                                   const model__real *, size_t, model__real *, int);

/* z = W a + b on every channel, n_out neurons exactly (the next channel's
   rows follow): z[c][j][p] = sum_k W[j][k] a[c][k][p], plus b[j] on the
   value channel (b may be NULL), or added to z where add is set. wt is W^T,
   wt[k * ldw + j]; given W itself ([j][k], stride ldw) and add set, this is
   the reverse sweep's a's adjoint, ab += W^T zb. */
MODEL__API void model__lanes_dense(size_t n_out, size_t n_in, const model__real *wt, size_t ldw,
                                   const model__real *b, size_t nch, size_t np, const model__real *a,
                                   size_t ldc_a, model__real *z, size_t ldc_z, int add)
{
    static const model__lanes_block blocks[6][4] = {
        {model__lanes1x1, model__lanes1x2, model__lanes1x3, model__lanes1x4},
        {model__lanes2x1, model__lanes2x2, model__lanes2x3, model__lanes2x4},
        {model__lanes3x1, model__lanes3x2, model__lanes3x3, model__lanes3x4},
        {model__lanes4x1, model__lanes4x2, model__lanes4x3, model__lanes4x4},
        {model__lanes5x1, model__lanes5x2, model__lanes5x3, model__lanes5x4},
        {model__lanes6x1, model__lanes6x2, model__lanes6x3, model__lanes6x4}};
    /* blocks of as even a count of neurons as can be (50: 6 x 5 and 5 x 4,
       not 6 x 8 and a 2 at half the speed): `wide` blocks of base + 1,
       then the rest of base */
    const size_t nb = (n_out + 5) / 6, base = nb > 0 ? n_out / nb : 0, wide = nb > 0 ? n_out % nb : 0;
    const size_t j2 = wide * (base + 1);
    size_t c, p, nv;
    for (c = 0; c < nch; c++)
        for (p = 0; p < np; p += nv * MODEL__V) {
            const model__real *ac = a + c * ldc_a + p;
            const model__real *bc = c == 0 ? b : NULL;
            model__real *zc = z + c * ldc_z + p;
            nv = (np - p) / MODEL__V < MODEL__WMAX ? (np - p) / MODEL__V : MODEL__WMAX;
            if (wide > 0)
                blocks[base][nv - 1](wide, n_in, wt, ldw, bc, ac, np, zc, add);
            if (nb > wide)
                blocks[base - 1][nv - 1](nb - wide, n_in, wt + j2, ldw, bc != NULL ? bc + j2 : NULL, ac, np,
                                         zc + j2 * np, add);
        }
}

/* The first n points of the tile z (n_out neurons) into the caller's
   layouts, as model__store. */
MODEL__API void model__lanes_store(size_t n_out, size_t n_x, size_t n_s, int mode, size_t np, size_t n,
                                   const model__real *z, size_t ldc, model__real *u, model__real *du,
                                   model__real *d2u)
{
    size_t p, k, i, j, t;
    for (k = 0; k < n_out; k++) {
        const model__real *zk = z + k * np;
        for (p = 0; u != NULL && p < n; p++)
            u[p * n_out + k] = zk[p];
        for (i = 0; mode >= 1 && du != NULL && i < n_x; i++)
            for (p = 0; p < n; p++)
                du[(p * n_out + k) * n_x + i] = zk[(1 + i) * ldc + p];
        if (d2u == NULL)
            continue;
        if (mode == 2) {
            for (i = 0, t = 1 + n_x; i < n_x; i++)
                for (j = i; j < n_x; j++, t++)
                    for (p = 0; p < n; p++)
                        d2u[((p * n_out + k) * n_x + i) * n_x + j] = d2u[((p * n_out + k) * n_x + j) * n_x + i]
                            = zk[t * ldc + p];
        } else if (mode == 3) {
            for (i = 0; i < n_s; i++)
                for (p = 0; p < n; p++)
                    d2u[(p * n_out + k) * n_s + i] = zk[(1 + n_x + i) * ldc + p];
        } else if (mode == 4) {
            for (p = 0; p < n; p++)
                d2u[p * n_out + k] = zk[(1 + n_x) * ldc + p];
        }
    }
}

/* The gradients of a dense layer's weights in the reverse sweep, from the
   adjoint zb of its output and its input a (both points in lanes), as
   partial sums: each gradient has a slot of 64 bytes, lanes summed later
   (model__lanes_fold), so that a tile costs no sum across a vector:
     slot of gw[j][k] += sum_c sum_p zb[c][j][p] a[c][k][p]   (gv: n_out n_in slots)
     slot of gb[j]    += sum_p zb[0][j][p]                    (gbv: n_out slots, or NULL)
   Blocks of MODEL__OUTER_J x MODEL__OUTER_K (j, k) pairs keep their
   partial sums in registers over the channels and points, a's vector
   streamed: 5 x 5 of 32 registers (25 sums, 5 of zb, 1 of a: 50 x 50
   cached, 65 GFLOP/s from 4 x 4's 58 on an AVX-512 Xeon), 3 x 4 of 16
   (36 from 3 x 3's 34 with AVX2). */
#if defined(MODEL__VBYTES) && MODEL__VBYTES >= 64
#define MODEL__OUTER_J 5
#define MODEL__OUTER_K 5
#else
#define MODEL__OUTER_J 3
#define MODEL__OUTER_K 4
#endif
#define MODEL__SLOT (64 / sizeof(model__real))
/* MODEL__PREFETCH(p): the cache line at p asked for ahead of its use */
#if defined(__GNUC__) && !defined(__TINYC__)
#define MODEL__PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#define MODEL__PREFETCH(p) ((void)(p))
#endif

MODEL__INLINE void model__add_slot(model__real *slot, model__vec v)
{
    model__put(slot, model__load(slot) + v);
}

/* One block of model__lanes_outer: nj x nk (j, k) pairs (constants where
   inlined, at most MODEL__OUTER_J x MODEL__OUTER_K), zb's rows from zr and
   a's from ar (a row of np points a channel, channels ldc_z and ldc_a
   apart), the sums onto the slots at gv (rows n_in slots apart). */
MODEL__INLINE void model__outer_block(int nj, int nk, size_t n_in, size_t nch, size_t np, const model__real *zr,
                                      size_t ldc_z, const model__real *ar, size_t ldc_a, model__real *gv)
{
    model__vec acc[MODEL__OUTER_J][MODEL__OUTER_K];
    const model__vec zero = {0};
    size_t c, p, oz, oa;
    int q, r;
    for (q = 0; q < nj; q++)
        for (r = 0; r < nk; r++)
            acc[q][r] = zero;
    /* every channel's points as one run: two offsets */
    for (c = 0, oz = 0, oa = 0; c < nch; c++, oz += ldc_z - np, oa += ldc_a - np)
        for (p = 0; p < np; p += MODEL__V, oz += MODEL__V, oa += MODEL__V) {
            model__vec zv[MODEL__OUTER_J], av;
            for (q = 0; q < nj; q++)
                zv[q] = model__load(zr + (size_t)q * np + oz);
            for (r = 0; r < nk; r++) {
                av = model__load(ar + (size_t)r * np + oa);
                for (q = 0; q < nj; q++)
                    MODEL__VFMA(acc[q][r], zv[q], av);
            }
        }
    for (q = 0; q < nj; q++)
        for (r = 0; r < nk; r++)
            model__add_slot(gv + ((size_t)q * n_in + (size_t)r) * MODEL__SLOT, acc[q][r]);
}

/* model__outer_block with nk (1 .. MODEL__OUTER_K) a constant */
#define MODEL__OUTER_CALL(NJ, NK) model__outer_block(NJ, NK, n_in, nch, np, zr, ldc_z, ar, ldc_a, g); break;
#if MODEL__OUTER_K > 4
#define MODEL__OUTER_NK(NJ)                                                                    \
    switch (nk) {                                                                              \
    case 1: MODEL__OUTER_CALL(NJ, 1)                                                           \
    case 2: MODEL__OUTER_CALL(NJ, 2)                                                           \
    case 3: MODEL__OUTER_CALL(NJ, 3)                                                           \
    case 4: MODEL__OUTER_CALL(NJ, 4)                                                           \
    default: MODEL__OUTER_CALL(NJ, MODEL__OUTER_K)                                             \
    }
#else
#define MODEL__OUTER_NK(NJ)                                                                    \
    switch (nk) {                                                                              \
    case 1: MODEL__OUTER_CALL(NJ, 1)                                                           \
    case 2: MODEL__OUTER_CALL(NJ, 2)                                                           \
    case 3: MODEL__OUTER_CALL(NJ, 3)                                                           \
    default: MODEL__OUTER_CALL(NJ, MODEL__OUTER_K)                                             \
    }
#endif

MODEL__API void model__lanes_outer(size_t n_out, size_t n_in, size_t nch, size_t np, const model__real *zb,
                                   size_t ldc_z, const model__real *a, size_t ldc_a, model__real *gv,
                                   model__real *gbv)
{
    const model__vec zero = {0};
    /* a's neurons in chunks whose rows (every channel) fit in half of a
       32 KB L1 cache beside a block of zb's: each chunk read from the
       next level once, not once a block of j */
    const size_t row = nch * np * sizeof(model__real);
    const size_t chunk = row * MODEL__OUTER_K <= 16384 ? 16384 / row / MODEL__OUTER_K * MODEL__OUTER_K : MODEL__OUTER_K;
    const size_t nb = (n_out + MODEL__OUTER_J - 1) / MODEL__OUTER_J, line = 64 / sizeof(model__real);
    size_t j, k, k0, nj, nk, q, p, next, lines, per, pc, pl;
    for (k0 = 0; k0 < n_in; k0 += chunk) {
        /* the next chunk's rows of a (a tape's, read from memory), asked
           for while this one is worked on, spread over the blocks of j
           (plate, AMD EPYC: 43 GFLOP/s from 38 on a cold tape) */
        const size_t kn = k0 + chunk < n_in ? k0 + chunk : n_in, ke = kn + chunk < n_in ? kn + chunk : n_in;
        lines = (ke - kn) * np / line;
        per = (lines * nch + nb - 1) / nb;
        next = pc = pl = 0;     /* line pl of channel pc: no division */
        for (j = 0; j < n_out; j += nj) {
            nj = n_out - j < MODEL__OUTER_J ? n_out - j : MODEL__OUTER_J;
            for (q = 0; q < per && next < lines * nch; q++, next++) {
                MODEL__PREFETCH(a + pc * ldc_a + kn * np + pl * line);
                if (++pl == lines)
                    pl = 0, pc++;
            }
            /* blocks of the exact size at the edges (50 neurons with
               AVX2: 3 x 4 blocks, then 2 rows and 2 columns, none
               repeated and dropped), each a constant shape */
            for (k = k0; k < n_in && k < k0 + chunk; k += nk) {
                const model__real *zr = zb + j * np, *ar = a + k * np;
                model__real *g = gv + (j * n_in + k) * MODEL__SLOT;
                nk = n_in - k < MODEL__OUTER_K ? n_in - k : MODEL__OUTER_K;
                switch (nj) {
                case 1: MODEL__OUTER_NK(1) break;
                case 2: MODEL__OUTER_NK(2) break;
#if MODEL__OUTER_J > 3
                case 3: MODEL__OUTER_NK(3) break;
                case 4: MODEL__OUTER_NK(4) break;
#endif
                default: MODEL__OUTER_NK(MODEL__OUTER_J) break;
                }
            }
        }
    }
    for (j = 0; gbv != NULL && j < n_out; j++) {
        model__vec s = zero;
        for (p = 0; p < np; p += MODEL__V)
            s += model__load(zb + j * np + p);
        model__add_slot(gbv + j * MODEL__SLOT, s);
    }
}
#undef MODEL__OUTER_NK
#undef MODEL__OUTER_CALL

/* The partial sums of model__lanes_outer, n slots, onto g (in double; g
   may be NULL: dropped), the slots zeroed. */
MODEL__API void model__lanes_fold(size_t n, model__real *gv, double *g)
{
    size_t i, l;
    for (i = 0; i < n; i++) {
        model__real *slot = gv + i * MODEL__SLOT;
        double s = 0;
        for (l = 0; l < MODEL__SLOT; l++) {
            s += slot[l];
            slot[l] = 0;
        }
        if (g != NULL)
            g[i] += s;
    }
}
/**** end lanes ****/

/**** begin scale ****/
/* The elementwise affine map a = mul * z + add on n neurons: the value rows
   (the first np of nrow) get mul and add, the derivative rows mul only. */
MODEL__API void model__scale(size_t n, const model__real *mul, const model__real *add,
                             size_t nrow, size_t np, model__real *z, size_t ldz)
{
    size_t r, k;
    for (r = 0; r < nrow; r++) {
        model__real *zr = z + r * ldz;
        if (r < np)
            for (k = 0; k < n; k++)
                zr[k] = mul[k] * zr[k] + add[k];
        else
            for (k = 0; k < n; k++)
                zr[k] *= mul[k];
    }
}
/**** end scale ****/

/**** begin copy ****/
/* Values combined, every channel of nrow rows (np points): a operand with
   bc set is one neuron wide and stands for all n (PyTorch's broadcasting
   of a [N, 1] tensor); a row of a has stride lda, of z ldz.
   model__copy: z = a on n neurons (a value kept while it is changed in
   place, the parts of a concatenation). */
MODEL__API void model__copy(size_t n, size_t nrow, const model__real *a, size_t lda, int bc,
                            model__real *z, size_t ldz)
{
    const size_t s = bc ? 0 : 1;
    size_t r, k;
    for (r = 0; r < nrow; r++)
        for (k = 0; k < n; k++)
            z[r * ldz + k] = a[r * lda + k * s];
}
/**** end copy ****/

/**** begin add ****/
/* z += c a on n neurons of nrow rows, a broadcast when bc (one neuron):
   a sum of values (c = 1: a residual block's end, branches added; c = -1:
   a difference). Derivatives of a sum are sums. */
MODEL__API void model__add(size_t n, size_t nrow, double c, const model__real *a, size_t lda,
                           int bc, model__real *z, size_t ldz)
{
    const size_t s = bc ? 0 : 1;
    size_t r, k;
    if (c == 1.0) {
        for (r = 0; r < nrow; r++)
            for (k = 0; k < n; k++)
                z[r * ldz + k] += a[r * lda + k * s];
    } else {
        for (r = 0; r < nrow; r++)
            for (k = 0; k < n; k++)
                z[r * ldz + k] += (model__real)c * a[r * lda + k * s];
    }
}

/**** end add ****/

/**** begin mul ****/
/* z = a b elementwise on n neurons, by the product rule (a one-wide
   operand, bca or bcb set, stands for all n):
     z'_i = a'_i b + a b'_i
     z''_ij = a''_ij b + a'_i b'_j + a'_j b'_i + a b''_ij   (mode 2, i <= j)
     z''_ii = a''_ii b + 2 a'_i b'_i + a b''_ii             (mode 3)
     lap z = lap a b + 2 sum_i a'_i b'_i + a lap b           (mode 4)
   z may be a or b (in place): each channel is written only after every
   channel that reads it has been read (second derivatives first, the
   value last). */
MODEL__INLINE void model__mul_n(size_t n, size_t n_x, size_t n_s, const size_t *over, int mode,
                                size_t np, const model__real *a, size_t lda, int bca,
                                const model__real *b, size_t ldb, int bcb, model__real *z, size_t ldz)
{
    const size_t sa = bca ? 0 : 1, sb = bcb ? 0 : 1;
    size_t pt, i, j, t, k;
    for (pt = 0; pt < np; pt++) {
#define MODEL__A(c) (a + ((c) * np + pt) * lda)
#define MODEL__B(c) (b + ((c) * np + pt) * ldb)
#define MODEL__Z(c) (z + ((c) * np + pt) * ldz)
        const model__real *a0 = MODEL__A(0), *b0 = MODEL__B(0);
        if (mode == 2) {
            t = 1 + n_x;
            for (i = 0; i < n_x; i++)
                for (j = i; j < n_x; j++, t++) {
                    const model__real *ai = MODEL__A(1 + i), *aj = MODEL__A(1 + j), *at = MODEL__A(t);
                    const model__real *bi = MODEL__B(1 + i), *bj = MODEL__B(1 + j), *bt = MODEL__B(t);
                    model__real *zt = MODEL__Z(t);
                    for (k = 0; k < n; k++)
                        zt[k] = at[k * sa] * b0[k * sb] + ai[k * sa] * bj[k * sb]
                              + aj[k * sa] * bi[k * sb] + a0[k * sa] * bt[k * sb];
                }
        } else if (mode == 3) {
            for (i = 0; i < n_s; i++) {
                const size_t c = 1 + (over != NULL ? over[i] : i);
                const model__real *ai = MODEL__A(c), *at = MODEL__A(1 + n_x + i);
                const model__real *bi = MODEL__B(c), *bt = MODEL__B(1 + n_x + i);
                model__real *zt = MODEL__Z(1 + n_x + i);
                for (k = 0; k < n; k++)
                    zt[k] = at[k * sa] * b0[k * sb] + 2 * ai[k * sa] * bi[k * sb] + a0[k * sa] * bt[k * sb];
            }
        } else if (mode == 4) {
            const model__real *at = MODEL__A(1 + n_x), *bt = MODEL__B(1 + n_x);
            model__real *zt = MODEL__Z(1 + n_x);
            for (k = 0; k < n; k++)
                zt[k] = at[k * sa] * b0[k * sb] + a0[k * sa] * bt[k * sb];
            for (i = 0; i < n_s; i++) {
                const size_t c = 1 + (over != NULL ? over[i] : i);
                const model__real *ai = MODEL__A(c), *bi = MODEL__B(c);
                for (k = 0; k < n; k++)
                    zt[k] += 2 * ai[k * sa] * bi[k * sb];
            }
        }
        if (mode >= 1)
            for (i = 0; i < n_x; i++) {
                const model__real *ai = MODEL__A(1 + i), *bi = MODEL__B(1 + i);
                model__real *zi = MODEL__Z(1 + i);
                for (k = 0; k < n; k++)
                    zi[k] = ai[k * sa] * b0[k * sb] + a0[k * sa] * bi[k * sb];
            }
        {
            model__real *z0 = MODEL__Z(0);
            for (k = 0; k < n; k++)
                z0[k] = a0[k * sa] * b0[k * sb];
        }
#undef MODEL__A
#undef MODEL__B
#undef MODEL__Z
    }
}

/* model__mul_n with n_x a constant for 1 to 3 inputs (over all). */
MODEL__API void model__mul(size_t n, size_t n_x, size_t n_s, const size_t *over, int mode, size_t np,
                           const model__real *a, size_t lda, int bca, const model__real *b, size_t ldb,
                           int bcb, model__real *z, size_t ldz)
{
    if (over != NULL)
        model__mul_n(n, n_x, n_s, over, mode, np, a, lda, bca, b, ldb, bcb, z, ldz);
    else if (n_x == 1)
        model__mul_n(n, 1, 1, NULL, mode, np, a, lda, bca, b, ldb, bcb, z, ldz);
    else if (n_x == 2)
        model__mul_n(n, 2, 2, NULL, mode, np, a, lda, bca, b, ldb, bcb, z, ldz);
    else if (n_x == 3)
        model__mul_n(n, 3, 3, NULL, mode, np, a, lda, bca, b, ldb, bcb, z, ldz);
    else
        model__mul_n(n, n_x, n_x, NULL, mode, np, a, lda, bca, b, ldb, bcb, z, ldz);
}
/**** end mul ****/

/**** begin activate ****/
#define MODEL__ACT_CHUNK 128    /* values whose s, s', s'' are held at once */

/* Lanes 0 .. r - 1 of a vector (0 < r <= MODEL__V) from p, the others 0;
   and lanes 0 .. r - 1 of v to p, nothing past them. A whole vector goes
   by plain loads and stores; a row's last, partial one by masked loads
   (and AVX-512's masked stores; AVX2's are slow on AMD's cores, so there
   its lanes are stored one by one), so that a short row (20 neurons: one
   vector and a part) costs whole vectors, not a scalar remainder loop. */
#if MODEL__MASKED == 64 && defined(MODEL__FLOAT)
#define MODEL__MASK(r) ((__mmask16)((1u << (r)) - 1u))
#define MODEL__LOAD_PART(p, r) ((model__vec)_mm512_maskz_loadu_ps(MODEL__MASK(r), (p)))
#define MODEL__PUT_PART(p, v, r) _mm512_mask_storeu_ps((p), MODEL__MASK(r), (v))
#elif MODEL__MASKED == 64
#define MODEL__MASK(r) ((__mmask8)((1u << (r)) - 1u))
#define MODEL__LOAD_PART(p, r) ((model__vec)_mm512_maskz_loadu_pd(MODEL__MASK(r), (p)))
#define MODEL__PUT_PART(p, v, r) _mm512_mask_storeu_pd((p), MODEL__MASK(r), (v))
#elif MODEL__MASKED == 32 && defined(MODEL__FLOAT)
#define MODEL__LOAD_PART(p, r) \
    ((model__vec)_mm256_maskload_ps((p), _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(r)), \
                                                           _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))))
#elif MODEL__MASKED == 32
#define MODEL__LOAD_PART(p, r) \
    ((model__vec)_mm256_maskload_pd((p), _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(r)), \
                                                           _mm256_setr_epi64x(0, 1, 2, 3))))
#endif

MODEL__INLINE model__vec model__load_n(const model__real *p, size_t r)
{
#if defined(MODEL__LOAD_PART)
    return r == MODEL__V ? model__load(p) : MODEL__LOAD_PART(p, r);
#else
    model__vec v;
    if (r == MODEL__V)
        return model__load(p);
    memset(&v, 0, sizeof v);
    memcpy(&v, p, r * sizeof *p);
    return v;
#endif
}

MODEL__INLINE void model__put_n(model__real *p, model__vec v, size_t r)
{
    if (r == MODEL__V)
        model__put(p, v);
    else {
#if defined(MODEL__PUT_PART)
        MODEL__PUT_PART(p, v, r);
#else
        model__real t[MODEL__V > 1 ? MODEL__V : 1];
        memcpy(t, &v, sizeof v);
        memcpy(p, t, r * sizeof *p);
#endif
    }
}

/* Packs neurons k0 .. k0 + m - 1 of the values (channel 0, stride ldz) of
   as many points from p0 on as fill MODEL__ACT_CHUNK into zc, point after
   point; returns how many points. */
MODEL__INLINE size_t model__act_pack(const model__real *z, size_t ldz, size_t k0, size_t m, size_t p0,
                                     size_t np, model__real *zc)
{
    const size_t g = np - p0 < MODEL__ACT_CHUNK / m ? np - p0 : MODEL__ACT_CHUNK / m;
    size_t u, k;
    for (u = 0; u < g; u++)
        for (k = 0; k < m; k += MODEL__V) {
            const size_t r = m - k < MODEL__V ? m - k : MODEL__V;
            model__put_n(zc + u * m + k, model__load_n(z + (p0 + u) * ldz + k0 + k, r), r);
        }
    return g;
}

/* ONE(MODE, R) on a row of n values, k its index: the whole vectors
   (R = MODEL__V) with the mode a constant (0 to 4), so that the branches
   of the chain rule and its reverse on it leave the loop, then the rest,
   a part of a vector (R = n - k), with the mode as it is. */
#define MODEL__ROW_IN(ONE, k, n, MODE) for (k = 0; k + MODEL__V <= (n); k += MODEL__V) ONE(MODE, MODEL__V)
#define MODEL__BY_ROW(ONE, k, n, mode)            \
    switch (mode) {                               \
    case 0: MODEL__ROW_IN(ONE, k, n, 0) break;    \
    case 1: MODEL__ROW_IN(ONE, k, n, 1) break;    \
    case 2: MODEL__ROW_IN(ONE, k, n, 2) break;    \
    case 3: MODEL__ROW_IN(ONE, k, n, 3) break;    \
    default: MODEL__ROW_IN(ONE, k, n, 4) break;   \
    }                                             \
    if (k < (n))                                  \
        ONE(mode, (n) - k)

/* The chain rule of model__activate on r <= MODEL__V values of every
   channel: channel c at z + c zs, its result at a + c as (a may be z),
   given s, s', s'' of the values (v0, v1, v2). Each channel is read
   before its result is written. */
MODEL__INLINE void model__chain(size_t n_x, size_t n_s, const size_t *over, int mode, size_t r,
                                model__vec v0, model__vec v1, model__vec v2, const model__real *z, size_t zs,
                                model__real *a, size_t as)
{
    const model__vec zero = {0};
    size_t i, j, t;
    if (mode == 2) {
        t = 1 + n_x;
        for (i = 0; i < n_x; i++)
            for (j = i; j < n_x; j++, t++) {
                const model__vec di = model__load_n(z + (1 + i) * zs, r), dj = model__load_n(z + (1 + j) * zs, r);
                model__put_n(a + t * as, v2 * di * dj + v1 * model__load_n(z + t * zs, r), r);
            }
    } else if (mode == 3) {
        for (i = 0; i < n_s; i++) {
            const model__vec di = model__load_n(z + (1 + (over != NULL ? over[i] : i)) * zs, r);
            const model__vec dt = model__load_n(z + (1 + n_x + i) * zs, r);
            model__put_n(a + (1 + n_x + i) * as, v2 * di * di + v1 * dt, r);
        }
    } else if (mode == 4) {
        model__vec sq = zero;
        for (i = 0; i < n_s; i++) {
            const model__vec di = model__load_n(z + (1 + (over != NULL ? over[i] : i)) * zs, r);
            sq = sq + di * di;
        }
        model__put_n(a + (1 + n_x) * as, v2 * sq + v1 * model__load_n(z + (1 + n_x) * zs, r), r);
    }
    if (mode >= 1)
        for (i = 0; i < n_x; i++)
            model__put_n(a + (1 + i) * as, v1 * model__load_n(z + (1 + i) * zs, r), r);
    model__put_n(a, v0, r);
}

/* a = s(z) on n neurons, in place (a = z) or into a (stride lda), with the
   chain rule
     a'_i = s' z'_i
     a''_ij = s'' z'_i z'_j + s' z''_ij          (mode 2, i <= j)
     a''_ii = s'' z'_i^2 + s' z''_ii             (mode 3)
     lap a = s'' sum_i z'_i^2 + s' lap z         (mode 4)
   f(m, p, q, z, s0, s1, s2) sets s(z), s'(z), s''(z) for m values. In
   modes 3 and 4 i runs over the n_s chosen inputs over[] (NULL: all).
   A narrow layer's values of several points are packed into one call of
   f (g points of m neurons), so that f runs on whole vectors rather than
   on one short row at a time; then each vector of a point's row takes
   every channel's chain rule at once. */
MODEL__INLINE void model__activate_n(model__fn f, double p, double q, size_t n, size_t n_x,
                                     size_t n_s, const size_t *over, int mode, size_t np,
                                     const model__real *z, size_t ldz, model__real *a, size_t lda)
{
    model__real zc[MODEL__ACT_CHUNK], s0[MODEL__ACT_CHUNK], s1[MODEL__ACT_CHUNK], s2[MODEL__ACT_CHUNK];
    size_t p0, pt, u, g, k0, k, m;
    for (k0 = 0; k0 < n; k0 += m) {
        m = n - k0 < MODEL__ACT_CHUNK ? n - k0 : MODEL__ACT_CHUNK;
        for (p0 = 0; p0 < np; p0 += g) {
            /* one point (a channel of points in lanes): its values are
               already one after another */
            g = np == 1 ? 1 : model__act_pack(z, ldz, k0, m, p0, np, zc);
            f(g * m, p, q, np == 1 ? z + k0 : zc, s0, s1, s2);
            for (u = 0, pt = p0; u < g; u++, pt++) {
#define MODEL__ONE(MODE, R)                                                                                 \
    model__chain(n_x, n_s, over, MODE, R, model__load_n(s0 + u * m + k, R), model__load_n(s1 + u * m + k, R), \
                 model__load_n(s2 + u * m + k, R), z + pt * ldz + k0 + k, np * ldz, a + pt * lda + k0 + k,  \
                 np * lda);
                MODEL__BY_ROW(MODEL__ONE, k, m, mode)
#undef MODEL__ONE
            }
        }
    }
}

/* CALL(N_X, N_S, OVER) with the inputs' counts as constants where they
   are small, so that the loops of the function it calls over inputs and
   pairs unroll: u(x, t) over x (Burgers', Allen-Cahn's), u(x, y, t) over
   x, y, and 1 to 3 inputs over all; else as given. */
#define MODEL__BY_INPUTS(CALL, n_x, n_s, over) \
    do {                                                      \
        if ((over) != NULL && (n_x) == 2 && (n_s) == 1)       \
            CALL(2, 1, over);                                 \
        else if ((over) != NULL && (n_x) == 3 && (n_s) == 2)  \
            CALL(3, 2, over);                                 \
        else if ((over) != NULL)                              \
            CALL(n_x, n_s, over);                             \
        else if ((n_x) == 1)                                  \
            CALL(1, 1, NULL);                                 \
        else if ((n_x) == 2)                                  \
            CALL(2, 2, NULL);                                 \
        else if ((n_x) == 3)                                  \
            CALL(3, 3, NULL);                                 \
        else                                                  \
            CALL(n_x, n_x, NULL);                             \
    } while (0)

/* model__activate_n with the inputs' counts constants where small. */
MODEL__INLINE void model__activate_k(model__fn f, double p, double q, size_t n, size_t n_x, size_t n_s,
                                     const size_t *over, int mode, size_t np, const model__real *z, size_t ldz,
                                     model__real *a, size_t lda)
{
#define MODEL__CALL(NX, NS, OVER) model__activate_n(f, p, q, n, NX, NS, OVER, mode, np, z, ldz, a, lda)
    MODEL__BY_INPUTS(MODEL__CALL, n_x, n_s, over);
#undef MODEL__CALL
}

MODEL__API void model__activate(model__fn f, double p, double q, size_t n, size_t n_x, size_t n_s,
                                const size_t *over, int mode, size_t np, model__real *z, size_t ldz)
{
    model__activate_k(f, p, q, n, n_x, n_s, over, mode, np, z, ldz, z, ldz);
}
/**** end activate ****/

/**** begin activate_back ****/
/* The reverse of model__activate, for the reverse sweep of training (the
   library's runtime/grad.c; no emitted file calls it). z holds the
   activation's input, every channel, as model__activate read it (stride
   ldz); ab is the adjoint of its output a (stride lda), zb that of z
   (stride ldz). Each term of model__activate's chain rule gives back:
     zb   += s' ab                                          (value)
     zb_i += s' ab_i,  zb += s'' ab_i z_i                   (first, mode >= 1)
     zb_t += s' ab_t,  zb_i += s'' ab_t z_j,  zb_j += s'' ab_t z_i,
       zb += ab_t (s''' z_i z_j + s'' z_t)                  (pair t = (i, j), mode 2)
     zb_t += s' ab_t,  zb_i += 2 s'' ab_t z_i,
       zb += ab_t (s''' sum_i z_i^2 + s'' z_t)              (modes 3 and 4: i = over[t],
                                                              or every chosen i)
   where z_i is channel 1 + i and z_t a second-derivative channel.
   f3(m, p, q, z, s0, s1, s3) sets s'''(z) for m values, given s and s'
   (modes 2 to 4 only). ab is spent: its n neurons of all nch channels are
   set to zero. Points are packed into the calls of f and f3 as in
   model__activate. (tanh, whose values the forward kept, has its own
   reverse: model__tanh_chain_back.) */
/* The reverse of model__chain on r <= MODEL__V values of every channel:
   z's channel c at z + c zs (its adjoint at zb + c zs), the adjoint of
   the result's at ab + c as, given the first three derivatives of s at
   the values (v1, v2, v3); ab's nch channels are spent (set to zero).
   With assign, zb's channels are set rather than added to, and ab is left
   as it is (the reverse sweep's one writer of every adjoint: grad.c).
   With at most MODEL__CHAIN_REG inputs, the first derivatives' adjoints
   are summed in registers (g) and stored once, in the same order of
   additions as through memory. */
#define MODEL__CHAIN_REG 4
MODEL__INLINE void model__chain_back(size_t n_x, size_t n_s, const size_t *over, int mode, size_t nch, size_t r,
                                     model__vec v1, model__vec v2, model__vec v3, const model__real *z,
                                     model__real *zb, size_t zs, model__real *ab, size_t as, int assign)
{
#define MODEL__Z(ch) model__load_n(z + (ch) * zs, r)
#define MODEL__ADD(to, v) model__put_n((to), model__load_n((to), r) + (v), r)
#define MODEL__SET(to, v) (assign ? model__put_n((to), (v), r) : MODEL__ADD((to), (v)))
/* zb_i += v (first derivative i), in g or in memory */
#define MODEL__ADD_I(i, v) (reg ? (void)(g[i] = g[i] + (v)) : MODEL__ADD(zb + (1 + (i)) * zs, (v)))
    const model__vec zero = {0};
    const int reg = n_x <= MODEL__CHAIN_REG;
    model__vec zb0 = v1 * model__load_n(ab, r), g[MODEL__CHAIN_REG];
    size_t i, j, t, c, e;
    for (i = 0; reg && i < n_x; i++)
        g[i] = assign ? zero : model__load_n(zb + (1 + i) * zs, r);
    if (assign) {       /* the first derivatives' adjoints are added to below */
        for (i = 0; !reg && mode >= 2 && i < n_x; i++)
            model__put_n(zb + (1 + i) * zs, zero, r);
    } else {
        zb0 = model__load_n(zb, r) + zb0;
    }
    if (mode == 2) {
        for (i = 0, t = 1 + n_x; i < n_x; i++)
            for (j = i; j < n_x; j++, t++) {
                const model__vec at = model__load_n(ab + t * as, r), zi = MODEL__Z(1 + i), zj = MODEL__Z(1 + j);
                MODEL__SET(zb + t * zs, v1 * at);
                MODEL__ADD_I(i, v2 * at * zj);
                MODEL__ADD_I(j, v2 * at * zi);
                zb0 = zb0 + at * (v3 * zi * zj + v2 * MODEL__Z(t));
            }
    } else if (mode == 3 || mode == 4) {
        const size_t n2 = mode == 3 ? n_s : 1;
        for (t = 0; t < n2; t++) {
            const model__vec at = model__load_n(ab + (1 + n_x + t) * as, r);
            const size_t first = mode == 3 ? t : 0, last = mode == 3 ? t + 1 : n_s;
            model__vec sq = zero;       /* the sum of squares */
            for (e = first; e < last; e++) {
                const size_t ie = over != NULL ? over[e] : e;
                const model__vec zi = MODEL__Z(1 + ie);
                MODEL__ADD_I(ie, (v2 + v2) * at * zi);
                sq = sq + zi * zi;
            }
            MODEL__SET(zb + (1 + n_x + t) * zs, v1 * at);
            zb0 = zb0 + at * (v3 * sq + v2 * MODEL__Z(1 + n_x + t));
        }
    }
    if (mode >= 1)
        for (i = 0; i < n_x; i++) {
            const model__vec ai = model__load_n(ab + (1 + i) * as, r);
            if (reg)
                model__put_n(zb + (1 + i) * zs, g[i] + v1 * ai, r);
            else if (mode == 1 && assign)
                model__put_n(zb + (1 + i) * zs, v1 * ai, r);
            else
                MODEL__ADD(zb + (1 + i) * zs, v1 * ai);
            zb0 = zb0 + v2 * ai * MODEL__Z(1 + i);
        }
    model__put_n(zb, zb0, r);
    for (c = 0; !assign && c < nch; c++)
        model__put_n(ab + c * as, zero, r);
#undef MODEL__Z
#undef MODEL__ADD
#undef MODEL__SET
#undef MODEL__ADD_I
}

MODEL__INLINE void model__activate_back_n(model__fn f, model__fn3 f3, double p, double q, size_t n,
                                          size_t n_x, size_t n_s, const size_t *over, int mode,
                                          size_t np, size_t nch, const model__real *z,
                                          model__real *zb, size_t ldz, model__real *ab, size_t lda, int assign)
{
    model__real zc[MODEL__ACT_CHUNK], s0[MODEL__ACT_CHUNK], s1[MODEL__ACT_CHUNK], s2[MODEL__ACT_CHUNK],
        s3[MODEL__ACT_CHUNK];
    const model__vec zero = {0};
    size_t p0, pt, u, g, k0, k, m;
    for (k0 = 0; k0 < n; k0 += m) {
        m = n - k0 < MODEL__ACT_CHUNK ? n - k0 : MODEL__ACT_CHUNK;
        for (p0 = 0; p0 < np; p0 += g) {
            const model__real *zv = np == 1 ? z + k0 : zc;     /* as in model__activate_n */
            g = np == 1 ? 1 : model__act_pack(z, ldz, k0, m, p0, np, zc);
            f(g * m, p, q, zv, s0, s1, s2);
            if (mode >= 2)
                f3(g * m, p, q, zv, s0, s1, s3);
            for (u = 0, pt = p0; u < g; u++, pt++) {
#define MODEL__ONE(MODE, R)                                                                                    \
    model__chain_back(n_x, n_s, over, MODE, nch, R, model__load_n(s1 + u * m + k, R),                        \
                      model__load_n(s2 + u * m + k, R), (MODE) >= 2 ? model__load_n(s3 + u * m + k, R) : zero, \
                      z + pt * ldz + k0 + k, zb + pt * ldz + k0 + k, np * ldz, ab + pt * lda + k0 + k,        \
                      np * lda, assign);
                MODEL__BY_ROW(MODEL__ONE, k, m, mode)
#undef MODEL__ONE
            }
        }
    }
}

/* model__activate_back_n with the inputs' counts constants where small. */
MODEL__API void model__activate_back(model__fn f, model__fn3 f3, double p, double q, size_t n, size_t n_x,
                                     size_t n_s, const size_t *over, int mode, size_t np, size_t nch,
                                     const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                     size_t lda, int assign)
{
#define MODEL__CALL(NX, NS, OVER) \
    model__activate_back_n(f, f3, p, q, n, NX, NS, OVER, mode, np, nch, z, zb, ldz, ab, lda, assign)
    MODEL__BY_INPUTS(MODEL__CALL, n_x, n_s, over);
#undef MODEL__CALL
}

/* model__activate out of place: z (stride ldz) is kept, a (stride lda)
   gets the result; for the reverse sweep's forward, which keeps both. */
MODEL__API void model__activate_to(model__fn f, double p, double q, size_t n, size_t n_x, size_t n_s,
                                   const size_t *over, int mode, size_t np, const model__real *z, size_t ldz,
                                   model__real *a, size_t lda)
{
    model__activate_k(f, p, q, n, n_x, n_s, over, mode, np, z, ldz, a, lda);
}

/* f3 of tanh and of sigmoid from s and s': tanh''' = -2 s' (s' - 2 s^2),
   sigmoid''' = s' ((1 - 2 s)^2 - 2 s'). */
MODEL__API void model__tanh3(size_t n, double p, double q, const model__real *z, const model__real *s0,
                             const model__real *s1, model__real *s3)
{
    size_t k;
    (void)p, (void)q, (void)z;
    for (k = 0; k < n; k++)
        s3[k] = -2 * s1[k] * (s1[k] - 2 * s0[k] * s0[k]);
}

MODEL__API void model__sigmoid3(size_t n, double p, double q, const model__real *z, const model__real *s0,
                                const model__real *s1, model__real *s3)
{
    size_t k;
    (void)p, (void)q, (void)z;
    for (k = 0; k < n; k++)
        s3[k] = s1[k] * ((1 - 2 * s0[k]) * (1 - 2 * s0[k]) - 2 * s1[k]);
}

/* y[k] += x[k incx] for k < n: a column of the caller's cotangents onto a
   row of an adjoint (the reverse sweep's first step), whole vectors where
   the column is contiguous. */
MODEL__API void model__acc(size_t n, const model__real *x, size_t incx, model__real *y)
{
    size_t k = 0;
    if (incx == 1)
        for (; k + MODEL__V <= n; k += MODEL__V)
            model__put(y + k, model__load(y + k) + model__load(x + k));
    for (; k < n; k++)
        y[k] += x[k * incx];
}

/* s[i] += t[i] for i < n, s in double: a tile's gradients onto their sums
   over the tiles (a float tile's rounded sums, each added exactly), in
   blocks of 8 that the compiler vectorizes for the target. */
MODEL__API void model__sum_to(size_t n, const model__real *t, double *s)
{
    const model__real *MODEL__RESTRICT a = t;
    double *MODEL__RESTRICT b = s;
    size_t i;
    for (i = 0; i + 8 <= n; i += 8) {
        b[i] += a[i], b[i + 1] += a[i + 1], b[i + 2] += a[i + 2], b[i + 3] += a[i + 3];
        b[i + 4] += a[i + 4], b[i + 5] += a[i + 5], b[i + 6] += a[i + 6], b[i + 7] += a[i + 7];
    }
    for (; i < n; i++)
        b[i] += a[i];
}
/**** end activate_back ****/

/**** begin taylor ****/
/* The Taylor coefficients of an activation, for the NAME_taylor kernels
   (the partial derivatives of order 3 and 4, issue 25): c[k n + j] =
   s^(k)(z_j) / k!, k = 0 .. K <= MODEL__TAYLOR_MAX, in rows of n, at least
   3 rows: the activation's own kernel fills rows 0 to 2 (s, s', s'', the
   numbers of every other mode), row 2 is halved, and each NAME_taylor
   kernel climbs from there by a recurrence its activation satisfies, in
   double. */
#define MODEL__TAYLOR_MAX 6
#define MODEL__C(k) c[(size_t)(k) * n + j]

/* Rows 0 to 2 by the activation's kernel f, row 2 halved; K, at most
   MODEL__TAYLOR_MAX. */
MODEL__INLINE int model__taylor_start(void (*f)(size_t, double, double, const model__real *, model__real *,
                                                model__real *, model__real *),
                                      size_t n, double p, double q, const model__real *z, int K, model__real *c)
{
    size_t j;
    f(n, p, q, z, c, c + n, c + 2 * n);
    for (j = 0; j < n; j++)
        c[2 * n + j] *= (model__real)0.5;
    return K > MODEL__TAYLOR_MAX ? MODEL__TAYLOR_MAX : K;
}
/**** end taylor ****/

/**** begin taylor_riccati ****/
/* k c_k = lin c_(k-1) - [c^2]_(k-1) for k = 3 .. K: s' = lin s - s^2 + a
   constant (tanh: 1 - s^2; sigmoid: s - s^2). A vector of values at a
   time, its coefficients in registers ([c^2]_m = sum over i + l = m of
   c_i c_l: each pair once, doubled); model__load_n and model__put_n of
   the activate section, which every activation's file has. */
MODEL__INLINE void model__taylor_riccati(size_t n, double lin, int K, model__real *c)
{
    const model__vec zero = {0}, l = zero + (model__real)lin;
    size_t j;
    int k, i;
    for (j = 0; j < n && K >= 3; j += MODEL__V) {
        const size_t w = n - j < MODEL__V ? n - j : MODEL__V;
        model__vec v[MODEL__TAYLOR_MAX + 1], sq;
        for (k = 0; k < 3; k++)
            v[k] = model__load_n(c + (size_t)k * n + j, w);
        for (k = 3; k <= K; k++) {
            sq = v[0] * v[k - 1];
            for (i = 1; i < k - 1 - i; i++)
                MODEL__VFMA(sq, v[i], v[k - 1 - i]);
            sq += sq;
            if ((k - 1) % 2 == 0)
                sq += v[(k - 1) / 2] * v[(k - 1) / 2];
            v[k] = (l * v[k - 1] - sq) * (model__real)(1.0 / k);
            model__put_n(c + (size_t)k * n + j, v[k], w);
        }
    }
}
/**** end taylor_riccati ****/

/**** begin taylor_harmonic ****/
/* c_k = -w^2 c_(k-2) / (k (k - 1)) for k = 3 .. K: s'' = -w^2 s (sin, cos). */
MODEL__INLINE void model__taylor_harmonic(size_t n, double w, int K, model__real *c)
{
    size_t j;
    int k;
    for (k = 3; k <= K; k++)
        for (j = 0; j < n; j++)
            MODEL__C(k) = (model__real)(-w * w * (double)MODEL__C(k - 2) / (k * (k - 1)));
}
/**** end taylor_harmonic ****/

/**** begin taylor_exp_piece ****/
/* c_k = c_(k-1) / k for k = 3 .. K (s' = s: exp, and elu and selu for
   z <= 0), or 0 where z > 0 and `linear` says the activation is linear
   there; all 0 with `flat` (relu, leaky_relu, hardtanh). */
MODEL__INLINE void model__taylor_exp_piece(size_t n, const model__real *z, int linear, int flat, int K,
                                           model__real *c)
{
    size_t j;
    int k;
    for (k = 3; k <= K; k++)
        for (j = 0; j < n; j++)
            MODEL__C(k) = flat || (linear && z[j] > 0) ? 0 : (model__real)((double)MODEL__C(k - 1) / k);
}
/**** end taylor_exp_piece ****/

/**** begin taylor_logistic ****/
/* The coefficients g[0 .. K] of sigma(v(h)) for the series v[0 .. K],
   given g0 = sigma(v0) and gm0 = 1 - g0 (each to full relative
   precision): g' = g (1 - g) v'. */
MODEL__INLINE void model__taylor_logistic(int K, const double *v, double g0, double gm0, double *g)
{
    double h[MODEL__TAYLOR_MAX + 1];
    int m, i;
    g[0] = g0;
    h[0] = g0 * gm0;
    for (m = 0; m < K; m++) {
        double s = 0.0, t;
        for (i = 0; i <= m; i++)
            s += (double)(i + 1) * v[i + 1] * h[m - i];
        g[m + 1] = s / (double)(m + 1);
        t = g[m + 1];
        for (i = 0; i <= m + 1; i++)
            t -= g[i] * g[m + 1 - i];
        h[m + 1] = t;
    }
}
/**** end taylor_logistic ****/

/**** begin taylor_tanh ****/
/* The coefficients t[0 .. K] of tanh(u(h)) for the series u[0 .. K],
   given t0 = tanh(u0) and w0 = 1 - t0^2: t' = (1 - t^2) u'. */
MODEL__INLINE void model__taylor_tanh(int K, const double *u, double t0, double w0, double *t)
{
    double w[MODEL__TAYLOR_MAX + 1];
    int m, i;
    t[0] = t0;
    w[0] = w0;
    for (m = 0; m < K; m++) {
        double s = 0.0, r = 0.0;
        for (i = 0; i <= m; i++)
            s += (double)(i + 1) * u[i + 1] * w[m - i];
        t[m + 1] = s / (double)(m + 1);
        for (i = 0; i <= m + 1; i++)
            r -= t[i] * t[m + 1 - i];
        w[m + 1] = r;
    }
}
/**** end taylor_tanh ****/

/**** begin series ****/
/* The series arithmetic of the partials kernels and their reverses:
   products of series over the pairs of a monomial set (gen/terms.h,
   jg_monos), Horner's rule on them, one input's series held in
   registers. Neurons go a vector at a time where their channels fit in
   registers' worth of stack (nch <= MODEL__PARTIALS_VEC; model__load_n
   and model__put_n of the activate section), in chunks of
   MODEL__PARTIALS_CHUNK neurons. */
#define MODEL__PARTIALS_VEC 32
#define MODEL__PARTIALS_CHUNK 64
/* MODEL__NOINLINE: a static function the compiler keeps apart (a loop of
   its own gets registers of its own) */
#if defined(__GNUC__) && !defined(__TINYC__)
#define MODEL__NOINLINE static __attribute__((noinline))
#else
#define MODEL__NOINLINE static
#endif
/* MODEL__UNROLL: unroll the next loop whole (its bounds are constants
   where the function is inlined, K fixed by a switch), so that a series
   stays in registers */
#if defined(__GNUC__) && !defined(__TINYC__)
#define MODEL__UNROLL _Pragma("GCC unroll 16")
#else
#define MODEL__UNROLL
#endif

/* r = r d for series r (constant term r[0]) and d (none), nch channels. */
MODEL__INLINE void model__series_times(size_t nch, size_t n_pairs, const unsigned short *pairs, double *r,
                                       const double *d, double *t)
{
    size_t c, k;
    t[0] = 0.0;
    for (c = 1; c < nch; c++)
        t[c] = r[0] * d[c];
    for (k = 0; k < n_pairs; k++)
        t[pairs[3 * k + 2]] += r[pairs[3 * k]] * d[pairs[3 * k + 1]];
    for (c = 0; c < nch; c++)
        r[c] = t[c];
}

/* r = sum_k c_k d^k (der 0: an activation's series) or sum_k (k + 1)
   c_(k+1) d^k (der 1: its derivative's), k <= K, by Horner's rule on the
   series d (nch channels, d[0] unread; t scratch), for B vectors of
   neighbouring neurons at once (channel c's u-th at [c B + u]: B
   independent sums a pair, to hide the latency of the sums in memory),
   each w neurons wide, whose Taylor coefficients c_k are at cf[k m + u
   MODEL__V]; each step's product by d takes only the pairs whose first
   monomial's degree r can have (upto, jg_monos). The result is in r or
   t (the arrays trade places a step): the one returned. */
#define MODEL__PB 4
MODEL__INLINE model__vec *model__series_horner(int B, int K, int der, const model__real *cf, size_t m, size_t w,
                                               size_t nch, const size_t *upto, const unsigned short *pairs,
                                               model__vec *r, const model__vec *d, model__vec *t)
{
    const model__vec zero = {0};
    size_t c, e;
    int k, u;
    for (c = (size_t)B; c < nch * (size_t)B; c++)
        r[c] = zero;
    for (u = 0; u < B; u++)
        r[u] = (model__real)(der ? K + 1 : 1) * model__load_n(cf + (size_t)(K + der) * m + (size_t)u * MODEL__V, w);
    for (k = K - 1; k >= 0; k--) {
        model__vec *const was = r;
        for (c = 1; c < nch; c++)
            for (u = 0; u < B; u++)
                t[c * B + u] = r[u] * d[c * B + u];
        for (e = 0; e < upto[K - 1 - k];) {       /* r of degree K - 1 - k */
            const size_t o = pairs[3 * e + 2] * (size_t)B;
            model__vec acc[MODEL__PB];
            for (u = 0; u < B; u++)
                acc[u] = t[o + u];
            for (; e < upto[K - 1 - k] && pairs[3 * e + 2] * (size_t)B == o; e++) {   /* o's run */
                const size_t i = pairs[3 * e] * (size_t)B, j = pairs[3 * e + 1] * (size_t)B;
                for (u = 0; u < B; u++)
                    MODEL__VFMA(acc[u], r[i + u], d[j + u]);
            }
            for (u = 0; u < B; u++)
                t[o + u] = acc[u];
        }
        r = t;          /* the product is the new r; the old is the next scratch */
        t = was;
        for (u = 0; u < B; u++)
            r[u] = (model__real)(der ? k + 1 : 1) * model__load_n(cf + (size_t)(k + der) * m + (size_t)u * MODEL__V, w);
    }
    return r;
}

/* One input's series (the terms name one input only: channel c the
   coefficient of x^c, c <= K, K + 1 channels), K known where these are
   inlined (a switch over K <= MODEL__UNI_MAX), so that every channel
   stays in a register: Horner's rule as model__series_horner's, the
   product of series in place from the highest degree down. */
#define MODEL__UNI_MAX 4
/* MODEL__UNI_ROWS(KK), the caller's loop, with KK a constant 1 to
   MODEL__UNI_MAX: the same loop once per K, each inlined for its K */
#define MODEL__BY_K(K)                 \
    switch (K) {                        \
    case 1: MODEL__UNI_ROWS(1) break;   \
    case 2: MODEL__UNI_ROWS(2) break;   \
    case 3: MODEL__UNI_ROWS(3) break;   \
    default: MODEL__UNI_ROWS(4) break;  \
    }
MODEL__INLINE void model__uni_horner(int K, int der, const model__real *cf, size_t m, size_t w, model__vec *r,
                                     const model__vec *d)
{
    const model__vec zero = {0};
    int k, c, i;
    for (c = 1; c <= K; c++)
        r[c] = zero;
    r[0] = (model__real)(der ? K + 1 : 1) * model__load_n(cf + (size_t)(K + der) * m, w);
    for (k = K - 1; k >= 0; k--) {
        for (c = K; c >= 1; c--) {
            model__vec t = r[0] * d[c];
            for (i = 1; i < c; i++)
                MODEL__VFMA(t, r[i], d[c - i]);
            r[c] = t;
        }
        r[0] = (model__real)(der ? k + 1 : 1) * model__load_n(cf + (size_t)(k + der) * m, w);
    }
}
/**** end series ****/

/**** begin partials ****/
/* The partial derivatives of chosen terms (issue 25), in the row layout:
   channel c of a value is its Taylor coefficient of monomial c of the
   terms' set (gen/terms.h, jg_monos: the constant first, degree by
   degree), channel c of point p at row c np + p. Dense, scale, copy and
   add layers are linear and run as in every mode; the seed and the
   results are here, activations (partials_activate) and products
   (partials_mul) in sections of their own, and the seed and results of
   points in lanes in partials_lanes (the runtime's only).
   pairs [n_pairs][3] lists i, j, k with monomial i times monomial j =
   monomial k, for i, j > 0, by i's degree, then by k; upto[d] counts those
   whose i has degree <= d (n_pairs = upto[K - 1]). At most
   MODEL__PARTIALS_MAX channels (the spec's `terms` is refused beyond:
   gen/terms.h, JG_MAX_CHANNELS). */
#define MODEL__PARTIALS_MAX 128

/* a = x + the first-degree monomials: channel first[i] of input i is 1
   (first[i] = 0: input i is in no term), every other channel 0. */
MODEL__API void model__partials_seed(size_t n_x, size_t nch, size_t np, const size_t *first, const model__real *x,
                                     model__real *a, size_t lda)
{
    size_t c, p, i;
    for (c = 0; c < nch; c++)
        for (p = 0; p < np; p++)
            for (i = 0; i < n_x; i++)
                a[(c * np + p) * lda + i] = c == 0 ? x[p * n_x + i] : c == first[i] ? 1 : 0;
}

/* The terms' partial derivatives of outputs k0 .. k0 + m - 1 (of n_out),
   the first m neurons of z: out[(pt n_out + k) n_terms + t] = channel
   of_term[t] times factor[t]. */
MODEL__API void model__partials_store(size_t n_out, size_t k0, size_t m, size_t np, size_t n_terms,
                                      const size_t *of_term, const double *factor, const model__real *z, size_t ldz,
                                      model__real *out)
{
    size_t pt, k, t;
    for (pt = 0; pt < np; pt++)
        for (k = 0; k < m; k++)
            for (t = 0; t < n_terms; t++)
                out[(pt * n_out + k0 + k) * n_terms + t] =
                    (model__real)(factor[t] * (double)z[(of_term[t] * np + pt) * ldz + k]);
}
/**** end partials ****/

/**** begin partials_activate ****/
/* needs: taylor series */
/* One input's series through the activation on w neurons at j: its
   power c's rows at zc[c] + j (z, c >= 1) and ac[c] + j (a, ac[0] the
   value's; a may be z: in place), from their Taylor coefficients at cf
   (rows of m, cf at j) by Horner's rule. */
MODEL__INLINE void model__uni_activate(int K, const model__real *cf, size_t m, size_t w, size_t j,
                                       const model__real *const *zc, model__real *const *ac)
{
    model__vec r[MODEL__UNI_MAX + 1], d[MODEL__UNI_MAX + 1];
    int c;
    for (c = 1; c <= K; c++)
        d[c] = model__load_n(zc[c] + j, w);
    model__uni_horner(K, 0, cf, m, w, r, d);
    for (c = 0; c <= K; c++)
        model__put_n(ac[c] + j, r[c], w);
}

/* Coefficient e >= 1 of s'(z)'s series for tanh (riccati 1: s' = 1 -
   s^2) or sigmoid (2: s' = s - s^2) from the series A of s(z), A_0 to
   A_e: lin A_e - [A^2]_e, each pair of factors once, doubled. */
MODEL__INLINE model__vec model__riccati_term(int e, int riccati, const model__vec *A)
{
    model__vec s = A[0] * A[e];
    int i;
    for (i = 1; i < e - i; i++)
        MODEL__VFMA(s, A[i], A[e - i]);
    s += s;
    if (e % 2 == 0)
        MODEL__VFMA(s, A[e / 2], A[e / 2]);
    return riccati == 2 ? A[e] - s : -s;
}

/* The same for tanh (riccati 1: s' = 1 - s^2) and sigmoid (2: s' = s -
   s^2) from s and s' at z_0 alone (rows 0 and 1 of cf), by the equation
   A' = B Z' of a = s(z) along the series (A = a's, Z = z's, B = s'(Z)'s):
   k A_k = sum_(j = 1..k) j Z_j B_(k - j), B_m = lin A_m - [A^2]_m, lin 0
   or 1, each from the ones before. No Taylor coefficients past s', no
   Horner steps: K (K + 1) / 2 products for A, about as many for B. */
MODEL__INLINE void model__uni_activate_riccati(int K, int riccati, const model__real *cf, size_t m, size_t w,
                                               const model__real *z, size_t ldz, model__real *a, size_t lda)
{
    model__vec A[MODEL__UNI_MAX + 1], B[MODEL__UNI_MAX + 1], Z[MODEL__UNI_MAX + 1], s;
    int k, j;
    A[0] = model__load_n(cf, w);
    B[0] = model__load_n(cf + m, w);
    for (k = 1; k <= K; k++)
        Z[k] = (model__real)k * model__load_n(z + (size_t)k * ldz, w);
    for (k = 1; k <= K; k++) {
        s = Z[1] * B[k - 1];
        for (j = 2; j <= k; j++)
            MODEL__VFMA(s, Z[j], B[k - j]);
        A[k] = s * (model__real)(1.0 / k);
        if (k < K)
            B[k] = model__riccati_term(k, riccati, A);
    }
    for (k = 0; k <= K; k++)
        model__put_n(a + (size_t)k * lda, A[k], w);
}

MODEL__NOINLINE void model__uni_rows_riccati(int K, int riccati, const model__real *cf, size_t m,
                                             const model__real *z, size_t ldz, model__real *a, size_t lda)
{
    size_t j;
#define MODEL__UNI_ROWS(KK)                                                                    \
    for (j = 0; j + MODEL__V <= m; j += MODEL__V)                                             \
        model__uni_activate_riccati(KK, riccati, cf + j, m, MODEL__V, z + j, ldz, a + j, lda); \
    if (j < m)                                                                                 \
        model__uni_activate_riccati(KK, riccati, cf + j, m, m - j, z + j, ldz, a + j, lda);
    MODEL__BY_K(K)
#undef MODEL__UNI_ROWS
}

/* The shape of a monomial set, read from its pairs: its first-degree
   channels 1 .. n1 (an input each), and every channel's powers of them.
   A star: no channel mixes two inputs (terms such as t, x, xx, xxxx: each
   input's series apart, by model__uni_horner, in registers); a grid: two
   inputs, mixed (x^a y^b, a + b <= K <= MODEL__UNI_MAX: the whole
   triangle in registers, the monomials missing from the set zeros, which
   none of its own needs); else generic (the pairs read at run time). */
#define MODEL__SHAPE_GENERIC 0
#define MODEL__SHAPE_STAR 1
#define MODEL__SHAPE_GRID 2
typedef struct model__shape {
    int kind;
    size_t n1;                                                      /* first-degree channels */
    unsigned char kd[MODEL__PARTIALS_MAX];                          /* star: input d's highest power */
    unsigned char chan[MODEL__PARTIALS_MAX][MODEL__UNI_MAX + 1];    /* star: the channel of its power e */
    signed char grid[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1];      /* grid: the channel of x^a y^b, or -1 */
} model__shape;

/* Fills *sh for the nch channels of order K and their pairs (a pair (i,
   j, k) with j of the first degree gives k's powers from i's; the pairs go
   by i's degree, so that i's are known by then). */
MODEL__INLINE void model__series_shape(size_t nch, int K, const size_t *upto, const unsigned short *pairs,
                                       model__shape *sh)
{
    unsigned char dir[MODEL__PARTIALS_MAX], pw[MODEL__PARTIALS_MAX], ea[MODEL__PARTIALS_MAX];
    unsigned char eb[MODEL__PARTIALS_MAX], seen[MODEL__PARTIALS_MAX];
    const size_t n_pairs = K >= 1 ? upto[K - 1] : 0;
    size_t c, e, d;
    int mixed = 0;
    sh->kind = MODEL__SHAPE_GENERIC;
    sh->n1 = n_pairs > 0 ? (size_t)pairs[2] - 1 : nch - 1;
    if (K < 1 || K > MODEL__UNI_MAX || nch > MODEL__PARTIALS_MAX || sh->n1 < 1 || sh->n1 >= nch)
        return;
    for (c = 0; c < nch; c++) {
        seen[c] = c <= sh->n1;
        dir[c] = (unsigned char)(c > 0 ? c - 1 : 0);
        pw[c] = c > 0;
        ea[c] = c == 1;
        eb[c] = c == 2;
    }
    for (e = 0; e < n_pairs; e++) {
        const size_t i = pairs[3 * e], j = pairs[3 * e + 1], k = pairs[3 * e + 2];
        if (j > sh->n1 || k >= nch || seen[k] || !seen[i])
            continue;
        seen[k] = 1;
        dir[k] = dir[i];
        pw[k] = (unsigned char)(pw[i] + 1);
        mixed |= dir[i] != j - 1;
        ea[k] = (unsigned char)(ea[i] + (j == 1));
        eb[k] = (unsigned char)(eb[i] + (j == 2));
    }
    for (c = 0; c < nch; c++)
        if (!seen[c] || pw[c] > K || ea[c] + eb[c] > K)
            return;             /* not a set of jg_monos: the pairs alone */
    if (!mixed) {
        for (d = 0; d < sh->n1; d++)
            sh->kd[d] = 0;
        for (c = 1; c < nch; c++) {
            d = dir[c];
            sh->chan[d][pw[c]] = (unsigned char)c;
            if (pw[c] > sh->kd[d])
                sh->kd[d] = pw[c];
        }
        sh->kind = MODEL__SHAPE_STAR;
        return;
    }
    if (sh->n1 != 2)
        return;
    memset(sh->grid, -1, sizeof sh->grid);
    for (c = 0; c < nch; c++)
        sh->grid[ea[c]][eb[c]] = (signed char)c;
    sh->kind = MODEL__SHAPE_GRID;
}

/* A star's activation on m neighbouring neurons: each input's series
   apart, a loop of its own with K a constant (model__uni_activate; the
   value written by each, the same), so that the series stays in
   registers. One input's series is a star of one. */
MODEL__NOINLINE void model__star_rows(const model__shape *sh, const model__real *cf, size_t m, const model__real *z,
                                      size_t ldz, model__real *a, size_t lda)
{
    const model__real *zc[MODEL__UNI_MAX + 1];
    model__real *ac[MODEL__UNI_MAX + 1];
    size_t j, d;
    int e;
#define MODEL__UNI_ROWS(KK)                                                                    \
    for (j = 0; j + MODEL__V <= m; j += MODEL__V)                                             \
        model__uni_activate(KK, cf + j, m, MODEL__V, j, zc, ac);                              \
    if (j < m)                                                                                 \
        model__uni_activate(KK, cf + j, m, m - j, j, zc, ac);
    for (d = 0; d < sh->n1; d++) {
        zc[0] = z;
        ac[0] = a;
        for (e = 1; e <= sh->kd[d]; e++) {
            zc[e] = z + (size_t)sh->chan[d][e] * ldz;
            ac[e] = a + (size_t)sh->chan[d][e] * lda;
        }
        MODEL__BY_K(sh->kd[d])
    }
#undef MODEL__UNI_ROWS
}

/* Horner's rule as model__series_horner's on the whole triangle of two
   inputs' monomials (r[a][b]: x^a y^b, a + b <= K; h[0][0] unread), K a
   constant where inlined: every loop unrolled, the series in registers. */
MODEL__INLINE void model__grid_horner(int K, int der, const model__real *cf, size_t m, size_t w,
                                      model__vec r[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1],
                                      model__vec h[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1])
{
    const model__vec zero = {0};
    model__vec t[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1];
    int k, a, b, a1, b1;
    MODEL__UNROLL
    for (a = 0; a <= K; a++) {
        MODEL__UNROLL
        for (b = 0; a + b <= K; b++)
            r[a][b] = zero;
    }
    r[0][0] = (model__real)(der ? K + 1 : 1) * model__load_n(cf + (size_t)(K + der) * m, w);
    MODEL__UNROLL
    for (k = K - 1; k >= 0; k--) {
        MODEL__UNROLL
        for (a = 0; a <= K; a++) {
            MODEL__UNROLL
            for (b = a == 0; a + b <= K; b++) {      /* t = r h, r of degree K - 1 - k */
                model__vec s = zero;
                MODEL__UNROLL
                for (a1 = 0; a1 <= a; a1++) {
                    MODEL__UNROLL
                    for (b1 = 0; b1 <= b; b1++)
                        if (a1 + b1 <= K - 1 - k && a1 + b1 < a + b)
                            MODEL__VFMA(s, r[a1][b1], h[a - a1][b - b1]);
                }
                t[a][b] = s;
            }
        }
        MODEL__UNROLL
        for (a = 0; a <= K; a++) {
            MODEL__UNROLL
            for (b = a == 0; a + b <= K; b++)
                r[a][b] = t[a][b];
        }
        r[0][0] = (model__real)(der ? k + 1 : 1) * model__load_n(cf + (size_t)(k + der) * m, w);
    }
}

/* A grid's channels of w neurons from z (at ldz) into h, the missing ones
   zeros. */
MODEL__INLINE void model__grid_load(const model__shape *sh, const model__real *z, size_t ldz, size_t w,
                                    model__vec h[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1])
{
    const model__vec zero = {0};
    int a, b;
    for (a = 0; a <= MODEL__UNI_MAX; a++)
        for (b = 0; a + b <= MODEL__UNI_MAX; b++)
            h[a][b] = sh->grid[a][b] > 0 ? model__load_n(z + (size_t)sh->grid[a][b] * ldz, w) : zero;
}

/* A grid's activation on w neurons at j (w a constant where inlined). */
MODEL__INLINE void model__grid_at(const model__shape *sh, int K, const model__real *cf, size_t m, size_t j,
                                  size_t w, const model__real *z, size_t ldz, model__real *a, size_t lda)
{
    model__vec h[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1], r[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1];
    int p, q;
    model__grid_load(sh, z + j, ldz, w, h);
    switch (K) {
    case 2: model__grid_horner(2, 0, cf + j, m, w, r, h); break;
    case 3: model__grid_horner(3, 0, cf + j, m, w, r, h); break;
    default: model__grid_horner(4, 0, cf + j, m, w, r, h); break;
    }
    for (p = 0; p <= K; p++)
        for (q = 0; p + q <= K; q++)
            if (sh->grid[p][q] >= 0)
                model__put_n(a + (size_t)sh->grid[p][q] * lda + j, r[p][q], w);
}

/* A grid's activation on m neighbouring neurons: whole vectors, then the
   rest. */
MODEL__NOINLINE void model__grid_rows(const model__shape *sh, int K, const model__real *cf, size_t m,
                                      const model__real *z, size_t ldz, model__real *a, size_t lda)
{
    size_t j;
    for (j = 0; j + MODEL__V <= m; j += MODEL__V)
        model__grid_at(sh, K, cf, m, j, MODEL__V, z, ldz, a, lda);
    if (j < m)
        model__grid_at(sh, K, cf, m, j, m - j, z, ldz, a, lda);
}

/* model__series_horner on B vectors (MODEL__PB or 1) of the series at z
   (channel c at z[c ldz], loaded into d). */
MODEL__INLINE model__vec *model__series_block(int B, int K, int der, const model__real *cf, size_t m, size_t w,
                                              size_t nch, const size_t *upto, const unsigned short *pairs,
                                              const model__real *z, size_t ldz, model__vec *r, model__vec *d,
                                              model__vec *t)
{
    size_t c;
    int u;
    for (c = 1; c < nch; c++)
        for (u = 0; u < B; u++)
            d[c * B + u] = model__load_n(z + c * ldz + (size_t)u * MODEL__V, w);
    return B == MODEL__PB ? model__series_horner(MODEL__PB, K, der, cf, m, w, nch, upto, pairs, r, d, t)
                          : model__series_horner(1, K, der, cf, m, w, nch, upto, pairs, r, d, t);
}

/* The generic activation (model__series_horner on the pairs) on m
   neighbouring neurons, MODEL__PB vectors at a time where they fill a
   block, its stack apart. */
MODEL__NOINLINE void model__series_rows(int K, const model__real *cf, size_t m, size_t nch, const size_t *upto,
                                        const unsigned short *pairs, const model__real *z, size_t ldz,
                                        model__real *a, size_t lda)
{
    model__vec r[MODEL__PARTIALS_VEC * MODEL__PB], d[MODEL__PARTIALS_VEC * MODEL__PB];
    model__vec t[MODEL__PARTIALS_VEC * MODEL__PB], *y;
    size_t j, c;
    int B = 1, u;
    for (j = 0; j < m; j += (size_t)B * MODEL__V) {
        const size_t w = m - j < MODEL__V ? m - j : MODEL__V;
        B = m - j >= MODEL__PB * MODEL__V ? MODEL__PB : 1;      /* a block, or one vector */
        y = model__series_block(B, K, 0, cf + j, m, w, nch, upto, pairs, z + j, ldz, r, d, t);
        for (c = 0; c < nch; c++)
            for (u = 0; u < B; u++)
                model__put_n(a + c * lda + j + u * MODEL__V, y[c * B + u], w);
    }
}

/* The same one neuron at a time in double, for sets of more channels
   than MODEL__PARTIALS_VEC. */
MODEL__NOINLINE void model__series_rows_wide(int K, const model__real *cf, size_t m, size_t nch, const size_t *upto,
                                             const unsigned short *pairs, const model__real *z, size_t ldz,
                                             model__real *a, size_t lda)
{
    double r[MODEL__PARTIALS_MAX], d[MODEL__PARTIALS_MAX], t[MODEL__PARTIALS_MAX];
    size_t j, c;
    int k;
    for (j = 0; j < m; j++) {
        for (c = 0; c < nch; c++) {
            d[c] = c == 0 ? 0.0 : (double)z[c * ldz + j];
            r[c] = c == 0 ? (double)cf[(size_t)K * m + j] : 0.0;
        }
        for (k = K - 1; k >= 0; k--) {
            model__series_times(nch, upto[K - 1 - k], pairs, r, d, t);
            r[0] += (double)cf[(size_t)k * m + j];
        }
        for (c = 0; c < nch; c++)
            a[c * lda + j] = (model__real)r[c];
    }
}

/* The activation whose Taylor kernel is fn (parameters p, q) on n neurons
   of np points, from z into a (in place where a = z, lda = ldz; a tape
   keeps z): a = sum_k c_k (z - z_0)^k, k <= K, with c_k
   its Taylor coefficients at z_0 (Horner's rule on the series): a vector
   of neighbouring neurons at a time where their channels fit in
   registers' worth of stack (nch <= MODEL__PARTIALS_VEC; model__load_n
   and model__put_n of the activate section), one neuron at a time in
   double beyond. riccati (1 tanh, 2 sigmoid, else 0; JG_RICCATI): one
   input's series from s and s' alone, by the equation s satisfies. */
MODEL__API void model__partials_activate(model__taylor_fn fn, double p, double q, int K, size_t n, size_t nch,
                                         size_t np, const size_t *upto, const unsigned short *pairs,
                                         const model__real *z, size_t ldz, model__real *a, size_t lda,
                                         int riccati)
{
    model__real cf[(MODEL__TAYLOR_MAX + 1) * MODEL__PARTIALS_CHUNK];
    model__shape sh;
    size_t pt, j0, m;
    if (K > MODEL__TAYLOR_MAX)
        K = MODEL__TAYLOR_MAX;
    model__series_shape(nch, K, upto, pairs, &sh);
    for (pt = 0; pt < np; pt++)
        for (j0 = 0; j0 < n; j0 += m) {
            const model__real *zp = z + pt * ldz + j0;
            model__real *ap = a + pt * lda + j0;
            m = n - j0 < MODEL__PARTIALS_CHUNK ? n - j0 : MODEL__PARTIALS_CHUNK;
            if (riccati != 0 && sh.kind == MODEL__SHAPE_STAR && sh.n1 == 1) {
                fn(m, p, q, zp, 1, cf);     /* s and s' at z_0 only */
                model__uni_rows_riccati(K, riccati, cf, m, zp, np * ldz, ap, np * lda);
                continue;
            }
            fn(m, p, q, zp, K, cf);
            if (sh.kind == MODEL__SHAPE_STAR)
                model__star_rows(&sh, cf, m, zp, np * ldz, ap, np * lda);
            else if (sh.kind == MODEL__SHAPE_GRID)
                model__grid_rows(&sh, K, cf, m, zp, np * ldz, ap, np * lda);
            else if (nch <= MODEL__PARTIALS_VEC)
                model__series_rows(K, cf, m, nch, upto, pairs, zp, np * ldz, ap, np * lda);
            else
                model__series_rows_wide(K, cf, m, nch, upto, pairs, zp, np * ldz, ap, np * lda);
        }
}
/**** end partials_activate ****/

/**** begin partials_mul ****/
/* c = a b on n neurons (a, b broadcast when bca, bcb: one neuron for
   all): the product of the series. c may be a or b. */
MODEL__API void model__partials_mul(size_t n, size_t nch, size_t np, size_t n_pairs, const unsigned short *pairs,
                                    const model__real *a, size_t lda, int bca, const model__real *b, size_t ldb,
                                    int bcb, model__real *c, size_t ldc)
{
    double r[MODEL__PARTIALS_MAX];
    size_t pt, j, ch, k;
    for (pt = 0; pt < np; pt++)
        for (j = 0; j < n; j++) {
            const size_t ja = bca ? 0 : j, jb = bcb ? 0 : j;
#define MODEL__A(ch) ((double)a[((ch) * np + pt) * lda + ja])
#define MODEL__B(ch) ((double)b[((ch) * np + pt) * ldb + jb])
            r[0] = MODEL__A(0) * MODEL__B(0);
            for (ch = 1; ch < nch; ch++)
                r[ch] = MODEL__A(0) * MODEL__B(ch) + MODEL__A(ch) * MODEL__B(0);
            for (k = 0; k < n_pairs; k++)
                r[pairs[3 * k + 2]] += MODEL__A(pairs[3 * k]) * MODEL__B(pairs[3 * k + 1]);
#undef MODEL__A
#undef MODEL__B
            for (ch = 0; ch < nch; ch++)
                c[(ch * np + pt) * ldc + j] = (model__real)r[ch];
        }
}
/**** end partials_mul ****/

/**** begin partials_lanes ****/
/* The seed and the results with points in lanes (gen/plan.h: channel c
   of neuron k of point p at a[c lda + k lp + p], lp points a tile, the
   first n of them real; the activations and products above see a
   channel's row as one row of n lp neurons). */
MODEL__API void model__partials_lanes_seed(size_t n_x, size_t nch, size_t lp, size_t n, const size_t *first,
                                           const model__real *x, model__real *a, size_t lda)
{
    size_t c, i, p;
    for (c = 0; c < nch; c++)
        for (i = 0; i < n_x; i++) {
            model__real *row = a + c * lda + i * lp;
            for (p = 0; p < lp; p++)
                row[p] = c == 0 ? (p < n ? x[p * n_x + i] : 0) : c == first[i] ? 1 : 0;
        }
}

/* The results out [n][n_out][n_terms] of the tile's n points: term t of
   output k is factor[t] times channel of_term[t] of neuron k. A run of
   MODEL__RUN (output, term) pairs at a time, their rows found once: each
   point's run of out written in order, its numbers gathered from the
   rows (in the cache: a tile's). */
#define MODEL__RUN 64
MODEL__API void model__partials_lanes_store(size_t n_out, size_t lp, size_t n, size_t n_terms,
                                            const size_t *of_term, const double *factor, const model__real *z,
                                            size_t ldz, model__real *out)
{
    const size_t per = n_out * n_terms;
    size_t at[MODEL__RUN], m0, m, w, p;
    double f[MODEL__RUN];
    for (m0 = 0; m0 < per; m0 += w) {
        w = per - m0 < MODEL__RUN ? per - m0 : MODEL__RUN;
        for (m = 0; m < w; m++) {
            at[m] = of_term[(m0 + m) % n_terms] * ldz + (m0 + m) / n_terms * lp;
            f[m] = factor[(m0 + m) % n_terms];
        }
        for (p = 0; p < n; p++)
            for (m = 0; m < w; m++)
                out[p * per + m0 + m] = (model__real)(f[m] * (double)z[at[m] + p]);
    }
}

/* The reverse of model__partials_lanes_store: the cotangents g [n][n_out]
   [n_terms] of its results added to the adjoints zb of the rows they were
   read from, one (output, term) row at a time (a term listed twice adds
   twice). */
MODEL__API void model__partials_lanes_load(size_t n_out, size_t lp, size_t n, size_t n_terms,
                                           const size_t *of_term, const double *factor, const model__real *g,
                                           model__real *zb, size_t ldz)
{
    const size_t per = n_out * n_terms;
    size_t k, t, p;
    for (k = 0; k < n_out; k++)
        for (t = 0; t < n_terms; t++) {
            model__real *row = zb + of_term[t] * ldz + k * lp;
            const model__real *gk = g + k * n_terms + t;
            const double f = factor[t];
            for (p = 0; p < n; p++)
                row[p] += (model__real)(f * (double)gk[p * per]);
        }
}
/**** end partials_lanes ****/

/**** begin partials_back ****/
/* needs: taylor taylor_riccati series */
/* The reverses of the partials kernels (training, the library only). The
   adjoint of a series is the series of the adjoints of its channels; the
   reverse of r = a d (for every channel m, r_k = sum over i j = k of a_i
   d_j) sends r's adjoint rb to a's as ab_m += sum_k rb_k d_(k / m): rb_m
   d_0, and rb_k d_j over the pairs (m, j, k); ab_0 += sum_c rb_c d_c. */

/* t += the reverse of the product by g of the series b (the adjoint of
   g d sent to d's), for B vectors as model__series_horner's: t_0 +=
   sum_c b_c g_c, t_m += b_m g_0 + sum over the pairs (m, j, k) of b_k
   g_j. */
MODEL__INLINE void model__series_reverse(int B, size_t nch, size_t n_pairs, const unsigned short *pairs,
                                         const model__vec *b, const model__vec *g, model__vec *t)
{
    size_t c, e;
    int u;
    for (u = 0; u < B; u++) {
        model__vec s = b[u] * g[u];
        for (c = 1; c < nch; c++) {
            MODEL__VFMA(s, b[c * B + u], g[c * B + u]);
            MODEL__VFMA(t[c * B + u], b[c * B + u], g[u]);
        }
        t[u] += s;
    }
    for (e = 0; e < n_pairs; e++) {
        const size_t i = pairs[3 * e] * (size_t)B, j = pairs[3 * e + 1] * (size_t)B;
        const size_t o = pairs[3 * e + 2] * (size_t)B;
        for (u = 0; u < B; u++)
            MODEL__VFMA(t[i + u], b[o + u], g[j + u]);
    }
}

/* g = s'(z) for tanh (riccati 1: 1 - s^2) or sigmoid (2: s - s^2) from
   the series A of s(z), one input's (A[0 .. K], K a constant where
   inlined): g_0 = (1 - a)(1 + a) or a (1 - a), each exact where a nears a
   bound, then g_e = lin A_e - sum_(i + l = e) A_i A_l (each pair once,
   doubled). */
/* The reverse sweep's sum s onto an adjoint's row at p (w lanes): added
   to what it holds, or with assign (the row's only contribution in this
   tile: the runtime's plans whose every adjoint has one writer) put. */
MODEL__INLINE void model__give_n(model__real *p, model__vec s, size_t w, int assign)
{
    model__put_n(p, assign ? s : model__load_n(p, w) + s, w);
}

/* CALL(R, A) with R the riccati kind and A the assign flag of the caller's
   riccati and assign, each a constant: the kernels' reverses inline a
   copy of their loops for each (their series in registers). */
#define MODEL__BY_RICCATI_ASSIGN(CALL)      \
    if (riccati == 1 && assign)             \
        CALL(1, 1)                          \
    else if (riccati == 1)                  \
        CALL(1, 0)                          \
    else if (riccati == 2 && assign)        \
        CALL(2, 1)                          \
    else if (riccati == 2)                  \
        CALL(2, 0)                          \
    else if (assign)                        \
        CALL(0, 1)                          \
    else                                    \
        CALL(0, 0)

MODEL__INLINE void model__riccati_uni(int K, int riccati, const model__vec *A, model__vec *g)
{
    int e;
    g[0] = riccati == 2 ? A[0] * ((model__real)1 - A[0]) : ((model__real)1 - A[0]) * ((model__real)1 + A[0]);
    for (e = 1; e <= K; e++)
        g[e] = model__riccati_term(e, riccati, A);
}

/* Its reverse (model__partials_activate_back's): zb += the reverse of the
   product of ab by g = s'(z), from the Taylor coefficients cf and z's
   series, or with riccati from the kept output's at a (lda); ab zeroed. */
MODEL__INLINE void model__uni_activate_back(int K, const model__real *cf, size_t m, size_t w, const model__real *z,
                                           model__real *zb, size_t ldz, model__real *ab, size_t lda, int riccati,
                                           const model__real *a, int assign)
{
    const model__vec zero = {0};
    model__vec g[MODEL__UNI_MAX + 1], d[MODEL__UNI_MAX + 1], b[MODEL__UNI_MAX + 1], s;
    int c, j;
    if (riccati != 0) {
        for (c = 0; c <= K; c++)
            d[c] = model__load_n(a + (size_t)c * lda, w);
        model__riccati_uni(K, riccati, d, g);
    } else {
        for (c = 1; c <= K; c++)
            d[c] = model__load_n(z + (size_t)c * ldz, w);
        model__uni_horner(K, 1, cf, m, w, g, d);
    }
    for (c = 0; c <= K; c++) {
        b[c] = model__load_n(ab + (size_t)c * lda, w);
        if (!assign)
            model__put_n(ab + (size_t)c * lda, zero, w);
    }
    s = b[0] * g[0];
    for (c = 1; c <= K; c++)
        MODEL__VFMA(s, b[c], g[c]);
    model__give_n(zb, s, w, assign);
    for (c = 1; c <= K; c++) {
        s = b[c] * g[0];
        for (j = 1; c + j <= K; j++)
            MODEL__VFMA(s, b[c + j], g[j]);
        model__give_n(zb + (size_t)c * ldz, s, w, assign);
    }
}

/* The Taylor coefficients c[k n + j], k <= K, of tanh (riccati 1: s' =
   1 - s^2) or sigmoid (2: s' = s - s^2) from their values c_0 = a[j],
   without the exponential: c_1 = (1 - a)(1 + a) or a (1 - a) (each
   exact where a nears a bound), 2 c_2 = (lin - 2 c_0) c_1, then
   model__taylor_riccati. */
MODEL__INLINE void model__taylor_of_value(int riccati, size_t n, const model__real *a, int K, model__real *c)
{
    const double lin = riccati == 2 ? 1.0 : 0.0;
    size_t j;
    for (j = 0; j < n; j++) {
        const model__real c0 = a[j];
        const model__real c1 = riccati == 2 ? c0 * (1 - c0) : (1 - c0) * (1 + c0);
        c[j] = c0;
        c[n + j] = c1;
        c[2 * n + j] = (model__real)((lin - 2.0 * (double)c0) * (double)c1 * 0.5);
    }
    model__taylor_riccati(n, lin, K, c);
}

/* model__uni_activate_back on m neighbouring neurons a vector at a time,
   its loop in a function of its own, K fixed in each. */
MODEL__INLINE void model__uni_rows_back_as(int K, const model__real *cf, size_t m, const model__real *z,
                                           model__real *zb, size_t ldz, model__real *ab, size_t lda, int riccati,
                                           const model__real *a, int assign)
{
    size_t j;
#define MODEL__UNI_ROWS(KK)                                                                    \
    for (j = 0; j + MODEL__V <= m; j += MODEL__V)                                             \
        model__uni_activate_back(KK, cf + j, m, MODEL__V, z + j, zb + j, ldz, ab + j, lda, riccati, a + j, \
                                 assign);                                                      \
    if (j < m)                                                                                 \
        model__uni_activate_back(KK, cf + j, m, m - j, z + j, zb + j, ldz, ab + j, lda, riccati, a + j, assign);
    MODEL__BY_K(K)
#undef MODEL__UNI_ROWS
}

/* model__uni_rows_back_as with riccati and assign constant in each call
   (a copy of the loops each, the series in registers: the beam's reverse
   with the AVX2 kernels 0.93 -> 0.73 ms at 1,000 points). */
MODEL__NOINLINE void model__uni_rows_back(int K, const model__real *cf, size_t m, const model__real *z,
                                          model__real *zb, size_t ldz, model__real *ab, size_t lda, int riccati,
                                          const model__real *a, int assign)
{
#define MODEL__CALL(R, A) model__uni_rows_back_as(K, cf, m, z, zb, ldz, ab, lda, R, a, A);
    MODEL__BY_RICCATI_ASSIGN(MODEL__CALL)
#undef MODEL__CALL
}

/* A star's reverse (model__star_rows') on w neurons at j (w a constant
   where inlined: whole vectors with plain loads and stores, no mask): g =
   s'(z) along each input by model__uni_horner (or with riccati from the
   kept output's series at a, model__riccati_uni); zb_0 += sum_c ab_c
   g_c, zb of input d's power e += sum_i ab_(e + i) g_i; ab zeroed. */
MODEL__INLINE void model__star_back_at(const model__shape *sh, const model__real *cf, size_t m, size_t j, size_t w,
                                       const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                       size_t lda, int riccati, const model__real *a, int assign)
{
    const model__vec zero = {0};
    model__vec b0, s0, a0 = zero;
    size_t d;
    int e, i;
#define MODEL__STAR_BACK(KK)                                                                   \
    {                                                                                          \
        model__vec g[KK + 1], h[KK + 1], b[KK + 1], s;                                         \
        if (riccati != 0) {                                                                    \
            h[0] = a0;                                                                         \
            for (e = 1; e <= KK; e++)                                                          \
                h[e] = model__load_n(a + (size_t)ch[e] * lda + j, w);                          \
            model__riccati_uni(KK, riccati, h, g);                                             \
        } else {                                                                               \
            for (e = 1; e <= KK; e++)                                                          \
                h[e] = model__load_n(z + (size_t)ch[e] * ldz + j, w);                          \
            model__uni_horner(KK, 1, cf + j, m, w, g, h);                                      \
        }                                                                                      \
        if (d == 0)                                                                            \
            s0 = b0 * g[0];                                                                    \
        for (e = 1; e <= KK; e++) {                                                            \
            b[e] = model__load_n(ab + (size_t)ch[e] * lda + j, w);                             \
            if (!assign)                                                                       \
                model__put_n(ab + (size_t)ch[e] * lda + j, zero, w);                           \
            MODEL__VFMA(s0, b[e], g[e]);                                                       \
        }                                                                                      \
        for (e = 1; e <= KK; e++) {                                                            \
            s = b[e] * g[0];                                                                   \
            for (i = 1; e + i <= KK; i++)                                                      \
                MODEL__VFMA(s, b[e + i], g[i]);                                                \
            model__give_n(zb + (size_t)ch[e] * ldz + j, s, w, assign);                         \
        }                                                                                      \
    }
    b0 = model__load_n(ab + j, w);
    s0 = zero;
    if (riccati != 0)
        a0 = model__load_n(a + j, w);
    for (d = 0; d < sh->n1; d++) {
        const unsigned char *ch = sh->chan[d];
        switch (sh->kd[d]) {
        case 1: MODEL__STAR_BACK(1) break;
        case 2: MODEL__STAR_BACK(2) break;
        case 3: MODEL__STAR_BACK(3) break;
        default: MODEL__STAR_BACK(4) break;
        }
    }
    if (!assign)
        model__put_n(ab + j, zero, w);
    model__give_n(zb + j, s0, w, assign);
#undef MODEL__STAR_BACK
}

/* model__star_back_at on m neighbouring neurons, a vector at a time. */
MODEL__INLINE void model__star_rows_back_as(const model__shape *sh, const model__real *cf, size_t m,
                                            const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                            size_t lda, int riccati, const model__real *a, int assign)
{
    size_t j;
    for (j = 0; j + MODEL__V <= m; j += MODEL__V)
        model__star_back_at(sh, cf, m, j, MODEL__V, z, zb, ldz, ab, lda, riccati, a, assign);
    if (j < m)
        model__star_back_at(sh, cf, m, j, m - j, z, zb, ldz, ab, lda, riccati, a, assign);
}

/* model__star_rows_back_as with riccati and assign constant in each call
   (a copy of the loop each, the series in registers). */
MODEL__NOINLINE void model__star_rows_back(const model__shape *sh, const model__real *cf, size_t m,
                                           const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                           size_t lda, int riccati, const model__real *a, int assign)
{
#define MODEL__CALL(R, A) model__star_rows_back_as(sh, cf, m, z, zb, ldz, ab, lda, R, a, A);
    MODEL__BY_RICCATI_ASSIGN(MODEL__CALL)
#undef MODEL__CALL
}

/* t = the reverse of the product by g of the series b on a grid's
   triangle (model__series_reverse's): t_00 = sum b_ab g_ab, t_ab = sum
   over a2 >= a, b2 >= b of b_(a2 b2) g_(a2 - a, b2 - b). */
MODEL__INLINE void model__grid_reverse(int K, model__vec b[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1],
                                       model__vec g[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1],
                                       model__vec t[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1])
{
    const model__vec zero = {0};
    int a, c, a2, c2;
    MODEL__UNROLL
    for (a = 0; a <= K; a++) {
        MODEL__UNROLL
        for (c = 0; a + c <= K; c++) {
            model__vec s = zero;
            MODEL__UNROLL
            for (a2 = a; a2 <= K; a2++) {
                MODEL__UNROLL
                for (c2 = c; a2 + c2 <= K; c2++)
                    if (a + c == 0)
                        MODEL__VFMA(s, b[a2][c2], g[a2][c2]);
                    else
                        MODEL__VFMA(s, b[a2][c2], g[a2 - a][c2 - c]);
            }
            t[a][c] = s;
        }
    }
}

/* g = s'(z) for tanh or sigmoid from the series A of s(z) on a grid's
   triangle, as model__riccati_uni. */
MODEL__INLINE void model__riccati_grid(int K, int riccati, model__vec A[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1],
                                       model__vec g[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1])
{
    const model__vec zero = {0};
    int a, b, a1, b1;
    g[0][0] = riccati == 2 ? A[0][0] * ((model__real)1 - A[0][0])
                           : ((model__real)1 - A[0][0]) * ((model__real)1 + A[0][0]);
    MODEL__UNROLL
    for (a = 0; a <= K; a++) {
        MODEL__UNROLL
        for (b = a == 0; a + b <= K; b++) {
            model__vec s = zero;
            MODEL__UNROLL
            for (a1 = 0; a1 <= a; a1++) {
                MODEL__UNROLL
                for (b1 = 0; b1 <= b; b1++)
                    MODEL__VFMA(s, A[a1][b1], A[a - a1][b - b1]);
            }
            g[a][b] = riccati == 2 ? A[a][b] - s : -s;
        }
    }
}

/* A grid's reverse (model__grid_rows') on w neurons at j (w a constant
   where inlined; g from the kept output's series at a with riccati); ab
   zeroed. */
MODEL__INLINE void model__grid_back_at(const model__shape *sh, int K, const model__real *cf, size_t m, size_t j,
                                       size_t w, const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                       size_t lda, int riccati, const model__real *a, int assign)
{
    const model__vec zero = {0};
    model__vec h[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1], g[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1];
    model__vec b[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1], t[MODEL__UNI_MAX + 1][MODEL__UNI_MAX + 1];
    size_t o;
    int p, q;
    model__grid_load(sh, riccati != 0 ? a + j : z + j, riccati != 0 ? lda : ldz, w, h);
    model__grid_load(sh, ab + j, lda, w, b);
    b[0][0] = model__load_n(ab + j, w);
    if (riccati != 0)
        h[0][0] = model__load_n(a + j, w);
#define MODEL__GRID_BACK(KK)                                                                   \
    if (riccati != 0)                                                                          \
        model__riccati_grid(KK, riccati, h, g);                                                \
    else                                                                                       \
        model__grid_horner(KK, 1, cf + j, m, w, g, h);                                         \
    model__grid_reverse(KK, b, g, t);
    switch (K) {
    case 2: MODEL__GRID_BACK(2) break;
    case 3: MODEL__GRID_BACK(3) break;
    default: MODEL__GRID_BACK(4) break;
    }
#undef MODEL__GRID_BACK
    for (p = 0; p <= K; p++)
        for (q = 0; p + q <= K; q++)
            if (sh->grid[p][q] >= 0) {
                o = (size_t)sh->grid[p][q];
                if (!assign)
                    model__put_n(ab + o * lda + j, zero, w);
                model__give_n(zb + o * ldz + j, t[p][q], w, assign);
            }
}

/* model__grid_back_at on m neighbouring neurons: whole vectors, then the
   rest. */
MODEL__INLINE void model__grid_rows_back_as(const model__shape *sh, int K, const model__real *cf, size_t m,
                                            const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                            size_t lda, int riccati, const model__real *a, int assign)
{
    size_t j;
    for (j = 0; j + MODEL__V <= m; j += MODEL__V)
        model__grid_back_at(sh, K, cf, m, j, MODEL__V, z, zb, ldz, ab, lda, riccati, a, assign);
    if (j < m)
        model__grid_back_at(sh, K, cf, m, j, m - j, z, zb, ldz, ab, lda, riccati, a, assign);
}

/* model__grid_rows_back_as with riccati and assign constant in each call. */
MODEL__NOINLINE void model__grid_rows_back(const model__shape *sh, int K, const model__real *cf, size_t m,
                                           const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                           size_t lda, int riccati, const model__real *a, int assign)
{
#define MODEL__CALL(R, A) model__grid_rows_back_as(sh, K, cf, m, z, zb, ldz, ab, lda, R, a, A);
    MODEL__BY_RICCATI_ASSIGN(MODEL__CALL)
#undef MODEL__CALL
}

/* The generic reverse (model__series_horner and model__series_reverse on
   the pairs) on m neighbouring neurons, as model__series_rows. */
MODEL__NOINLINE void model__series_rows_back(int K, const model__real *cf, size_t m, size_t nch, const size_t *upto,
                                             const unsigned short *pairs, const model__real *z, model__real *zb,
                                             size_t ldz, model__real *ab, size_t lda)
{
    model__vec g[MODEL__PARTIALS_VEC * MODEL__PB], d[MODEL__PARTIALS_VEC * MODEL__PB];
    model__vec t[MODEL__PARTIALS_VEC * MODEL__PB], f[MODEL__PARTIALS_VEC * MODEL__PB], *y;
    const model__vec zero = {0};
    const size_t n_pairs = K >= 1 ? upto[K - 1] : 0;     /* all of them */
    size_t j, c;
    int B = 1, u;
    for (j = 0; j < m; j += (size_t)B * MODEL__V) {
        const size_t w = m - j < MODEL__V ? m - j : MODEL__V;
        B = m - j >= MODEL__PB * MODEL__V ? MODEL__PB : 1;      /* a block, or one vector */
        y = model__series_block(B, K, 1, cf + j, m, w, nch, upto, pairs, z + j, ldz, g, d, f);
        for (c = 0; c < nch; c++)           /* ab read into d, zb's sums into t */
            for (u = 0; u < B; u++) {
                const size_t oa = c * lda + j + u * MODEL__V, oz = c * ldz + j + u * MODEL__V;
                d[c * B + u] = model__load_n(ab + oa, w);
                t[c * B + u] = model__load_n(zb + oz, w);
                model__put_n(ab + oa, zero, w);
            }
        if (B == MODEL__PB)     /* y: s'(z)'s series */
            model__series_reverse(MODEL__PB, nch, n_pairs, pairs, d, y, t);
        else
            model__series_reverse(1, nch, n_pairs, pairs, d, y, t);
        for (c = 0; c < nch; c++)
            for (u = 0; u < B; u++)
                model__put_n(zb + c * ldz + j + u * MODEL__V, t[c * B + u], w);
    }
}

/* The same one neuron at a time in double, for sets of more channels
   than MODEL__PARTIALS_VEC. */
MODEL__NOINLINE void model__series_rows_wide_back(int K, const model__real *cf, size_t m, size_t nch,
                                                  const size_t *upto, const unsigned short *pairs,
                                                  const model__real *z, model__real *zb, size_t ldz,
                                                  model__real *ab, size_t lda)
{
    double g[MODEL__PARTIALS_MAX], d[MODEL__PARTIALS_MAX], t[MODEL__PARTIALS_MAX];
    const size_t n_pairs = K >= 1 ? upto[K - 1] : 0;     /* all of them */
    size_t j, c, e;
    int k;
    for (j = 0; j < m; j++) {
        double s = 0.0;
        for (c = 0; c < nch; c++) {
            d[c] = c == 0 ? 0.0 : (double)z[c * ldz + j];
            g[c] = c == 0 ? (double)(K + 1) * (double)cf[(size_t)(K + 1) * m + j] : 0.0;
        }
        for (k = K - 1; k >= 0; k--) {
            model__series_times(nch, upto[K - 1 - k], pairs, g, d, t);
            g[0] += (double)(k + 1) * (double)cf[(size_t)(k + 1) * m + j];
        }
        for (c = 0; c < nch; c++) {
            d[c] = (double)ab[c * lda + j];
            t[c] = c == 0 ? 0.0 : d[c] * g[0];
            s += d[c] * g[c];
            ab[c * lda + j] = 0;
        }
        t[0] = s;
        for (e = 0; e < n_pairs; e++)
            t[pairs[3 * e]] += d[pairs[3 * e + 2]] * g[pairs[3 * e + 1]];
        for (c = 0; c < nch; c++)
            zb[c * ldz + j] += (model__real)t[c];
    }
}

/* a = s(z) (z kept, its adjoint zb, at ldz; a's adjoint ab at lda): zb +=
   the reverse of the product of ab by g = s'(z), the series of the
   derivative (sum_k (k + 1) c_(k + 1) (z - z_0)^k, by Horner's rule: the
   Taylor kernel's coefficients to K + 1); ab spent (zeroed). Vectors of
   neighbouring neurons where their channels fit (nch <=
   MODEL__PARTIALS_VEC), one neuron at a time in double beyond. The
   coefficients come from fn, or, with riccati (1 tanh, 2 sigmoid) and a
   the kept output (at lda, channel 0 read), from its values
   (model__taylor_of_value). With assign (the runtime's, where zb has no
   other contribution) zb is set, not added to, and ab left as it is. */
MODEL__API void model__partials_activate_back(model__taylor_fn fn, double p, double q, int K, size_t n, size_t nch,
                                              size_t np, const size_t *upto, const unsigned short *pairs,
                                              const model__real *z, model__real *zb, size_t ldz, model__real *ab,
                                              size_t lda, int riccati, const model__real *a, int assign)
{
    model__real cf[(MODEL__TAYLOR_MAX + 1) * MODEL__PARTIALS_CHUNK];
    model__shape sh;
    size_t pt, j0, m, c, j;
    if (K > MODEL__TAYLOR_MAX - 1)
        K = MODEL__TAYLOR_MAX - 1;
    model__series_shape(nch, K, upto, pairs, &sh);
    for (pt = 0; pt < np; pt++)
        for (j0 = 0; j0 < n; j0 += m) {
            const model__real *zp = z + pt * ldz + j0;
            model__real *zbp = zb + pt * ldz + j0, *abp = ab + pt * lda + j0;
            m = n - j0 < MODEL__PARTIALS_CHUNK ? n - j0 : MODEL__PARTIALS_CHUNK;
            const model__real *av = riccati != 0 ? a + pt * lda + j0 : NULL;
            if (riccati != 0 && sh.kind != MODEL__SHAPE_GENERIC)
                ;           /* g from the kept output's series: no coefficients */
            else if (riccati != 0)
                model__taylor_of_value(riccati, m, av, K + 1, cf);
            else
                fn(m, p, q, zp, K + 1, cf);
            if (sh.kind == MODEL__SHAPE_STAR && sh.n1 == 1)         /* one input's series */
                model__uni_rows_back(K, cf, m, zp, zbp, np * ldz, abp, np * lda, riccati, av, assign);
            else if (sh.kind == MODEL__SHAPE_STAR)
                model__star_rows_back(&sh, cf, m, zp, zbp, np * ldz, abp, np * lda, riccati, av, assign);
            else if (sh.kind == MODEL__SHAPE_GRID)
                model__grid_rows_back(&sh, K, cf, m, zp, zbp, np * ldz, abp, np * lda, riccati, av, assign);
            else {
                for (c = 0; assign && c < nch; c++)     /* the generic kernels add: onto zeros */
                    for (j = 0; j < m; j++)
                        zbp[c * np * ldz + j] = 0;
                if (nch <= MODEL__PARTIALS_VEC)
                    model__series_rows_back(K, cf, m, nch, upto, pairs, zp, zbp, np * ldz, abp, np * lda);
                else
                    model__series_rows_wide_back(K, cf, m, nch, upto, pairs, zp, zbp, np * ldz, abp, np * lda);
            }
        }
}

/* Whether model__partials_activate_back with riccati set reads z, for the
   terms' channels (nch, K, upto, pairs): *reads is 1 where their set
   takes the generic kernels (on z's series), 0 where g comes from the kept
   output a alone (the runtime's tape then keeps no z: runtime/grad.c). */
MODEL__API void model__partials_back_reads_z(size_t nch, int K, const size_t *upto, const unsigned short *pairs,
                                             int *reads)
{
    model__shape sh;
    if (K > MODEL__TAYLOR_MAX - 1)
        K = MODEL__TAYLOR_MAX - 1;
    model__series_shape(nch, K, upto, pairs, &sh);
    *reads = sh.kind == MODEL__SHAPE_GENERIC;
}

/* c = a b on n neurons (a, b broadcast when bca, bcb: their adjoints
   summed over the neurons): ab and bb += the reverses of the products by
   b and by a of c's adjoint cb. */
MODEL__API void model__partials_mul_back(size_t n, size_t nch, size_t np, size_t n_pairs,
                                         const unsigned short *pairs, const model__real *a, model__real *ab,
                                         size_t lda, int bca, const model__real *b, model__real *bb, size_t ldb,
                                         int bcb, const model__real *cb, size_t ldc)
{
    double ra[MODEL__PARTIALS_MAX], rb[MODEL__PARTIALS_MAX];
    size_t pt, j, ch, k;
    for (pt = 0; pt < np; pt++)
        for (j = 0; j < n; j++) {
            const size_t ja = bca ? 0 : j, jb = bcb ? 0 : j;
#define MODEL__A(ch) ((double)a[((ch) * np + pt) * lda + ja])
#define MODEL__B(ch) ((double)b[((ch) * np + pt) * ldb + jb])
#define MODEL__CB(ch) ((double)cb[((ch) * np + pt) * ldc + j])
            ra[0] = rb[0] = 0.0;
            for (ch = 0; ch < nch; ch++) {
                ra[0] += MODEL__CB(ch) * MODEL__B(ch);
                rb[0] += MODEL__CB(ch) * MODEL__A(ch);
                if (ch > 0) {
                    ra[ch] = MODEL__CB(ch) * MODEL__B(0);
                    rb[ch] = MODEL__CB(ch) * MODEL__A(0);
                }
            }
            for (k = 0; k < n_pairs; k++) {
                ra[pairs[3 * k]] += MODEL__CB(pairs[3 * k + 2]) * MODEL__B(pairs[3 * k + 1]);
                rb[pairs[3 * k]] += MODEL__CB(pairs[3 * k + 2]) * MODEL__A(pairs[3 * k + 1]);
            }
#undef MODEL__A
#undef MODEL__B
#undef MODEL__CB
            for (ch = 0; ch < nch; ch++) {
                ab[(ch * np + pt) * lda + ja] += (model__real)ra[ch];
                bb[(ch * np + pt) * ldb + jb] += (model__real)rb[ch];
            }
        }
}
/**** end partials_back ****/

/**** begin pow2 ****/
/* 2^n for an integer n in [-1022, 1023], from its bits: adding 1.5 * 2^52
   puts n + 1023 in the low bits of t, and shifting them into the exponent
   field gives 2^n. Branch-free, so loops over it vectorize. */
MODEL__INLINE double model__pow2(double n)
{
    double t = n + (6755399441055744.0 + 1023.0);
    unsigned long long bits;
    memcpy(&bits, &t, sizeof bits);
    bits <<= 52;
    memcpy(&t, &bits, sizeof t);
    return t;
}

/* e^r - 1 for |r| <= ln2 / 2 by its Taylor series to r^13: truncation
   below 1e-17 relative. The sum is taken by Estrin's scheme (pairs, then
   pairs of pairs by r^2, r^4, r^8): a chain of 5 multiply-adds, not 12,
   so that a vector loop over it is not bound by their latency. */
MODEL__INLINE double model__expm1_series(double r)
{
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double b0 = MODEL__MADD(1.0 / 6.0, r, 0.5), b1 = MODEL__MADD(1.0 / 120.0, r, 1.0 / 24.0);
    const double b2 = MODEL__MADD(1.0 / 5040.0, r, 1.0 / 720.0), b3 = MODEL__MADD(1.0 / 362880.0, r, 1.0 / 40320.0);
    const double b4 = MODEL__MADD(1.0 / 39916800.0, r, 1.0 / 3628800.0);
    const double b5 = MODEL__MADD(1.0 / 6227020800.0, r, 1.0 / 479001600.0);
    const double c0 = MODEL__MADD(b1, r2, b0), c1 = MODEL__MADD(b3, r2, b2), c2 = MODEL__MADD(b5, r2, b4);
    const double q = MODEL__MADD(c2, r8, MODEL__MADD(c1, r4, c0));
    return MODEL__MADD(q, r2, r);
}

/**** end pow2 ****/

/**** begin cap ****/
/* min(x, c) for x >= 0 and c > 0 (a NaN x gives c): nonnegative doubles
   are ordered as their bits are, and an integer minimum stays a select
   where a compare of doubles would let GCC split the loop on it (a
   branch, and no vector loop without -fno-trapping-math). */
MODEL__INLINE double model__cap(double x, double c)
{
    long long bx, bc;
    memcpy(&bx, &x, sizeof bx);
    memcpy(&bc, &c, sizeof bc);
    bx = bx < bc ? bx : bc;
    memcpy(&x, &bx, sizeof x);
    return x;
}

/* t >= 0 with x's sign: sign(x) t for every x but NaN (0 and -0 keep
   theirs), by the bits (an and and an or in a vector loop). */
MODEL__INLINE double model__signed(double t, double x)
{
    unsigned long long bt, bx;
    memcpy(&bt, &t, sizeof bt);
    memcpy(&bx, &x, sizeof bx);
    bt |= bx & 0x8000000000000000ULL;
    memcpy(&t, &bt, sizeof t);
    return t;
}

/* t, or x where x is a NaN, by the bits: infinity's minus the magnitude's
   borrows into the top bit exactly for a NaN, and that bit, spread, picks
   x. Where x == x ? t : x (or an integer ?:) leaves GCC's loop scalar on
   AVX2 and SSE2 without -fno-trapping-math, this is a vector loop on
   every target. */
MODEL__INLINE double model__or_nan(double t, double x)
{
    unsigned long long bt, bx, m;
    memcpy(&bt, &t, sizeof bt);
    memcpy(&bx, &x, sizeof bx);
    m = 0 - ((0x7ff0000000000000ULL - (bx & 0x7fffffffffffffffULL)) >> 63);
    bt = (bx & m) | (bt & ~m);
    memcpy(&t, &bt, sizeof t);
    return t;
}
/**** end cap ****/

/**** begin pow2f ****/
#if defined(MODEL__FLOAT)
/* 2^n in float, for an integer n in [-126, 127], the same way. */
MODEL__INLINE float model__pow2f(float n)
{
    float t = n + (12582912.0f + 127.0f);
    unsigned int bits;
    memcpy(&bits, &t, sizeof bits);
    bits <<= 23;
    memcpy(&t, &bits, sizeof t);
    return t;
}
#endif
/**** end pow2f ****/

/**** begin capf ****/
#if defined(MODEL__FLOAT)
/* min(x, c) in float, as model__cap. */
MODEL__INLINE float model__capf(float x, float c)
{
    int bx, bc;
    memcpy(&bx, &x, sizeof bx);
    memcpy(&bc, &c, sizeof bc);
    bx = bx < bc ? bx : bc;
    memcpy(&x, &bx, sizeof x);
    return x;
}

/* t >= 0 with x's sign in float, as model__signed. */
MODEL__INLINE float model__signedf(float t, float x)
{
    unsigned int bt, bx;
    memcpy(&bt, &t, sizeof bt);
    memcpy(&bx, &x, sizeof bx);
    bt |= bx & 0x80000000U;
    memcpy(&t, &bt, sizeof t);
    return t;
}

/* t, or x where x is a NaN, in float, as model__or_nan. */
MODEL__INLINE float model__or_nanf(float t, float x)
{
    unsigned int bt, bx, m;
    memcpy(&bt, &t, sizeof bt);
    memcpy(&bx, &x, sizeof bx);
    m = 0 - ((0x7f800000U - (bx & 0x7fffffffU)) >> 31);
    bt = (bx & m) | (bt & ~m);
    memcpy(&t, &bt, sizeof t);
    return t;
}
#endif
/**** end capf ****/

/**** begin expm1 ****/
#if !defined(MODEL__FLOAT)
/* e^x - 1 for x in [0, 40]: x = n ln2 + r with |r| <= ln2 / 2, then
   2^n (e^r - 1) + (2^n - 1). Within 1.5 units in the last place. */
MODEL__INLINE double model__expm1(double x)
{
    const double shift = 6755399441055744.0;    /* x + shift rounds x to an integer */
    const double n = (x * 1.4426950408889634 + shift) - shift;
    const double r = MODEL__MADD(-n, 1.90821492927058770002e-10, MODEL__MADD(-n, 6.93147180369123816490e-01, x));
    const double s = model__pow2(n), q = model__expm1_series(r);
    return MODEL__MADD(s, q, s - 1.0);
}
#else
/* e^x - 1 for x in [0, 40] in float: the same steps, the series to r^7
   (truncation below 2e-8 relative). Within 2 units in the last place of
   float. */
MODEL__INLINE float model__expm1f(float x)
{
    const float shift = 12582912.0f;    /* 1.5 * 2^23 */
    const float n = (x * 1.44269504f + shift) - shift;
    const float r = MODEL__MADDF(-n, 1.42860677e-06f, MODEL__MADDF(-n, 0.693145751953125f, x));
    const float s = model__pow2f(n);
    const float r2 = r * r;
    const float q = MODEL__MADDF(MODEL__MADDF(MODEL__MADDF(1.0f / 5040.0f, r, 1.0f / 720.0f), r2,
                                            MODEL__MADDF(1.0f / 120.0f, r, 1.0f / 24.0f)),
                                r2, MODEL__MADDF(1.0f / 6.0f, r, 0.5f));      /* Estrin's, as in double */
    return MODEL__MADDF(s, MODEL__MADDF(q, r2, r), s - 1.0f);
}
#endif
/**** end expm1 ****/

/**** begin exp_neg ****/
/* e^-x (0 beyond x = 746, infinity below -710, NaN for NaN): -x = n ln2
   + r, e^r from the series, times 2^n in two factors so that results from
   the subnormals to the largest double are reached. Within 1.5 units in
   the last place. */
MODEL__INLINE double model__exp_neg(double x)
{
    const double shift = 6755399441055744.0;
    const double y = x > 746.0 ? -746.0 : x < -710.0 ? 710.0 : -x;
    const double n = (y * 1.4426950408889634 + shift) - shift;
    const double r = (y - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
    const double h = (n * 0.5 + shift) - shift;
    const double q = 1.0 + model__expm1_series(r);
    return q * model__pow2(h) * model__pow2(n - h);
}
/**** end exp_neg ****/

/**** begin expm1_neg ****/
/* e^x - 1 for x <= 0, given e = e^x: the series for |x| <= 0.34, m (m + 2)
   with m = e^(x/2) - 1 from the series down to -0.69, then e - 1 (e <= 1/2:
   no cancellation). Within 2.5 units in the last place (test_kernels). */
MODEL__INLINE double model__expm1_neg(double x, double e)
{
    const double m = model__expm1_series(0.5 * x);
    return x > -0.34 ? model__expm1_series(x) : x > -0.69 ? m * (m + 2.0) : e - 1.0;
}
/**** end expm1_neg ****/

/**** begin logistic ****/
/* a = sigma(x) = 1 / (1 + e^-x) and b = 1 - a. With e = e^-|x|, a and b
   are 1 / (1 + e) and e / (1 + e) in the order of the sign of x, so the
   small one keeps full relative precision. */
MODEL__INLINE void model__logistic(double x, double *a, double *b)
{
    const double e = model__exp_neg(fabs(x));
    const double hi = 1.0 / (1.0 + e), lo = e / (1.0 + e);
    *a = x >= 0.0 ? hi : lo;
    *b = x >= 0.0 ? lo : hi;
}

/**** end logistic ****/

/**** begin log1p ****/
/* log(1 + w) for w in [0, 1] (NaN for NaN), branch-free: u = 1 + w, with
   Kahan's correction c = (w - (u - 1)) / u for what u lost; u = 2^e m with
   m in [1/sqrt 2, sqrt 2] (e = 0 or 1); log m = 2 atanh(s), s = (m - 1) /
   (m + 1), |s| <= 0.172, by its series to s^23 (truncation below 1e-18).
   Within 2 units in the last place (test_kernels). */
MODEL__INLINE double model__log1p01(double w)
{
    const double u = 1.0 + w, c = (w - (u - 1.0)) / u;
    const double e = u > 1.4142135623730951 ? 1.0 : 0.0, m = u > 1.4142135623730951 ? 0.5 * u : u;
    const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double t = 1.0 / 23.0;
    t = t * s2 + 1.0 / 21.0;
    t = t * s2 + 1.0 / 19.0;
    t = t * s2 + 1.0 / 17.0;
    t = t * s2 + 1.0 / 15.0;
    t = t * s2 + 1.0 / 13.0;
    t = t * s2 + 1.0 / 11.0;
    t = t * s2 + 1.0 / 9.0;
    t = t * s2 + 1.0 / 7.0;
    t = t * s2 + 1.0 / 5.0;
    t = t * s2 + 1.0 / 3.0;
    t = 2.0 * s + 2.0 * s * s2 * t;         /* log m */
    return e * 6.93147180369123816490e-01 + (t + (e * 1.90821492927058770002e-10 + c));
}
/**** end log1p ****/

/**** begin tanh ****/
/* needs: pow2 expm1 cap; in float: pow2f expm1 capf */
/* tanh: a = sign(z) e / (e + 2) with e = e^(2|z|) - 1 (2|z| capped at 40,
   where tanh is 1 to the last bit); s' = 1 - a^2, s'' = -2 a s'. Both are
   exactly 0 once a rounds to +-1: saturated neurons give zeros, never NaN.
   z = 0 and a NaN z give z back. Selects and bit operations only, no
   branch: the loop is a vector loop under -O3 with or without
   -fno-trapping-math. model__tanh_of is a, for the other tanh kernels. */
#if defined(MODEL__FLOAT)
MODEL__INLINE float model__tanh_of(float x)
{
    const float e = model__expm1f(model__capf(2.0f * fabsf(x), 40.0f));
    return model__or_nanf(model__signedf(e / (e + 2.0f), x), x);
}
#else
MODEL__INLINE double model__tanh_of(double x)
{
    const double e = model__expm1(model__cap(2.0 * fabs(x), 40.0));
    return model__or_nan(model__signed(e / (e + 2.0), x), x);
}
#endif

MODEL__API void model__tanh(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
#if defined(MODEL__FLOAT)
    for (k = 0; k < n; k++) {
        const float a = model__tanh_of(z[k]);
        s0[k] = a;
        s1[k] = 1.0f - a * a;
        s2[k] = -2.0f * a * (1.0f - a * a);
    }
#else
    for (k = 0; k < n; k++) {
        const double a = model__tanh_of(z[k]);
        s0[k] = a;
        s1[k] = 1.0 - a * a;
        s2[k] = -2.0 * a * (1.0 - a * a);
    }
#endif
}
/**** end tanh ****/

/**** begin tanh_taylor ****/
/* needs: taylor taylor_riccati */
/* tanh's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   (k + 1) c_(k+1) = -[c^2]_k, from s' = 1 - s^2. */
MODEL__API void model__tanh_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c)
{
    K = model__taylor_start(model__tanh, n, p, q, z, K, c);
    model__taylor_riccati(n, 0.0, K, c);
}
/**** end tanh_taylor ****/

/**** begin sigmoid ****/
/* needs: pow2 exp_neg logistic */
/* sigmoid: a = 1 / (1 + e^-z), s' = a (1 - a), s'' = s' (1 - 2 a). */
MODEL__API void model__sigmoid(size_t n, double p, double q, const model__real *z,
                               model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        double a, b;
        model__logistic(z[k], &a, &b);
        s0[k] = (model__real)a;
        s1[k] = (model__real)(a * b);
        s2[k] = (model__real)(a * b * (b - a));
    }
}
/**** end sigmoid ****/

/**** begin sigmoid_taylor ****/
/* needs: taylor taylor_riccati */
/* sigmoid's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   (k + 1) c_(k+1) = c_k - [c^2]_k, from s' = s - s^2. */
MODEL__API void model__sigmoid_taylor(size_t n, double p, double q, const model__real *z, int K,
                                      model__real *c)
{
    K = model__taylor_start(model__sigmoid, n, p, q, z, K, c);
    model__taylor_riccati(n, 1.0, K, c);
}
/**** end sigmoid_taylor ****/

/**** begin softplus ****/
/* needs: pow2 exp_neg logistic log1p */
/* softplus (PyTorch's, p = beta > 0, q = threshold): a = log(1 + e^(beta z))
   / beta, linear (a = z, s' = 1, s'' = 0) where beta z > threshold;
   s' = sigma(beta z), s'' = beta sigma (1 - sigma). log(1 + e^y) is
   max(y, 0) + log1p(e^-|y|), which neither overflows nor loses digits. */
MODEL__API void model__softplus(size_t n, double p, double q, const model__real *z,
                                model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    for (k = 0; k < n; k++) {       /* both sides computed, one kept: no branch */
        const double x = z[k], y = p * x;
        const double sp = ((y > 0.0 ? y : 0.0) + model__log1p01(model__exp_neg(fabs(y)))) / p;
        double a, b;
        model__logistic(y, &a, &b);
        s0[k] = y > q ? z[k] : (model__real)sp;
        s1[k] = y > q ? 1 : (model__real)a;
        s2[k] = y > q ? 0 : (model__real)(p * a * b);
    }
}
/**** end softplus ****/

/**** begin softplus_taylor ****/
/* needs: taylor taylor_logistic pow2 exp_neg logistic */
/* softplus's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   s' = g = sigma(beta z), g' = beta g (1 - g), c_(k+1) = g_k / (k + 1); 0 on the linear piece. */
MODEL__API void model__softplus_taylor(size_t n, double p, double q, const model__real *z, int K,
                                       model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__softplus, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const double x = z[j];
        double v[MODEL__TAYLOR_MAX + 1] = {0}, g[MODEL__TAYLOR_MAX + 1], a, b;
        v[0] = p * x;
        v[1] = p;
        model__logistic(v[0], &a, &b);
        model__taylor_logistic(K - 1, v, a, b, g);
        for (k = 3; k <= K; k++)
            MODEL__C(k) = p * x > q ? 0 : (model__real)(g[k - 1] / k);
    }
}
/**** end softplus_taylor ****/

/**** begin sincos ****/
/* sin y and cos y for |y| <= MODEL__SINCOS_MAX, branch-free so that loops
   over it vectorize: y = k pi/2 + r with k the nearest integer to y / (pi/2)
   and |r| <= pi/4, subtracting k pi/2 in three parts (two of 33 bits,
   whose products with k < 2^20 are exact, and the rest), then the Taylor
   series of sin r and cos r to r^17 and r^18 (truncation below 1e-19).
   The quadrant k mod 4 comes from the low bits of y 2/pi + 1.5 * 2^52 and
   picks +-sin r or +-cos r. Within 2 units of 2^-53 (tests/test_kernels.c).
   Beyond the range, and for infinities and NaN, the kernels call libm. */
#define MODEL__SINCOS_MAX 524288.0
MODEL__INLINE void model__sincos(double y, double *s, double *c)
{
    const double t = y * 0.63661977236758134308 + 6755399441055744.0;
    const double k = t - 6755399441055744.0;
    const double r = ((y - k * 1.57079632673412561417e+00) - k * 6.07710050630396597660e-11)
                     - k * 2.02226624879595063154e-21;
    const double r2 = r * r;
    double ps, pc, a, b;
    unsigned long long q, bits;
    ps = 1.0 / 355687428096000.0;
    ps = ps * r2 - 1.0 / 1307674368000.0;
    ps = ps * r2 + 1.0 / 6227020800.0;
    ps = ps * r2 - 1.0 / 39916800.0;
    ps = ps * r2 + 1.0 / 362880.0;
    ps = ps * r2 - 1.0 / 5040.0;
    ps = ps * r2 + 1.0 / 120.0;
    ps = ps * r2 - 1.0 / 6.0;
    ps = r + r * r2 * ps;
    pc = -1.0 / 6402373705728000.0;
    pc = pc * r2 + 1.0 / 20922789888000.0;
    pc = pc * r2 - 1.0 / 87178291200.0;
    pc = pc * r2 + 1.0 / 479001600.0;
    pc = pc * r2 - 1.0 / 3628800.0;
    pc = pc * r2 + 1.0 / 40320.0;
    pc = pc * r2 - 1.0 / 720.0;
    pc = pc * r2 + 1.0 / 24.0;
    pc = 1.0 - 0.5 * r2 + r2 * r2 * pc;
    memcpy(&q, &t, sizeof q);
    a = (q & 1) ? pc : ps;                  /* sin y: sin r, cos r, -sin r, -cos r */
    b = (q & 1) ? ps : pc;                  /* cos y: cos r, -sin r, -cos r, sin r */
    memcpy(&bits, &a, sizeof bits);
    bits ^= (q & 2) << 62;
    memcpy(s, &bits, sizeof bits);
    memcpy(&bits, &b, sizeof bits);
    bits ^= ((q + 1) & 2) << 62;
    memcpy(c, &bits, sizeof bits);
}

/* The one body of model__sin (is_cos 0) and model__cos (1): f(p z) with
   s' = p f'(p z) and s'' = -p^2 f(p z); a first loop that vectorizes, a
   second that gives what lies beyond model__sincos's range to libm. */
MODEL__INLINE void model__sincos_jet(size_t n, double p, int is_cos, const model__real *z, model__real *s0,
                                     model__real *s1, model__real *s2)
{
    size_t k;
    for (k = 0; k < n; k++) {
        const double y = p * z[k];
        double sn, cs;
        model__sincos(y, &sn, &cs);
        s0[k] = (model__real)(is_cos ? cs : sn);
        s1[k] = (model__real)(is_cos ? -p * sn : p * cs);
        s2[k] = (model__real)(-(p * p) * (is_cos ? cs : sn));
    }
    for (k = 0; k < n; k++) {
        const double y = p * z[k];
        if (!(fabs(y) <= MODEL__SINCOS_MAX)) {
            const double sn = sin(y), cs = cos(y);
            s0[k] = (model__real)(is_cos ? cs : sn);
            s1[k] = (model__real)(is_cos ? -p * sn : p * cs);
            s2[k] = (model__real)(-(p * p) * (is_cos ? cs : sn));
        }
    }
}
/**** end sincos ****/

/**** begin sin ****/
/* needs: sincos */
/* sin(p z) (SIREN's w0 = p; p = 1 for plain sin): s' = p cos(p z),
   s'' = -p^2 sin(p z). */
MODEL__API void model__sin(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2)
{
    (void)q;
    model__sincos_jet(n, p, 0, z, s0, s1, s2);
}
/**** end sin ****/

/**** begin sin_taylor ****/
/* needs: taylor taylor_harmonic */
/* sin's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   c_k = -w0^2 c_(k-2) / (k (k - 1)), from s'' = -w0^2 s. */
MODEL__API void model__sin_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c)
{
    K = model__taylor_start(model__sin, n, p, q, z, K, c);
    model__taylor_harmonic(n, p, K, c);
}
/**** end sin_taylor ****/

/**** begin cos ****/
/* needs: sincos */
/* cos(p z): s' = -p sin(p z), s'' = -p^2 cos(p z). */
MODEL__API void model__cos(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2)
{
    (void)q;
    model__sincos_jet(n, p, 1, z, s0, s1, s2);
}
/**** end cos ****/

/**** begin cos_taylor ****/
/* needs: taylor taylor_harmonic */
/* cos's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   c_k = -w0^2 c_(k-2) / (k (k - 1)), from s'' = -w0^2 s. */
MODEL__API void model__cos_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c)
{
    K = model__taylor_start(model__cos, n, p, q, z, K, c);
    model__taylor_harmonic(n, p, K, c);
}
/**** end cos_taylor ****/

/**** begin gelu ****/
/* needs: pow2 exp_neg */
/* gelu, erf form: a = z Phi(z), Phi(z) = erfc(-z / sqrt 2) / 2 (no
   cancellation for z < 0), phi(z) = e^(-z^2/2) / sqrt(2 pi);
   s' = Phi + z phi, s'' = phi (2 - z^2). phi is taken at z clamped to
   [-40, 40], where it is already 0, so that z^2 cannot overflow. */
MODEL__API void model__gelu(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], xc = x > 40.0 ? 40.0 : x < -40.0 ? -40.0 : x;
        const double xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;    /* no inf * 0 */
        const double cdf = 0.5 * erfc(-x * 0.70710678118654752440);
        const double pdf = 0.39894228040143267794 * model__exp_neg(0.5 * xc * xc);
        s0[k] = (model__real)(x > 1e300 ? x : xl * cdf);
        s1[k] = (model__real)(cdf + xl * pdf);
        s2[k] = (model__real)(pdf * (2.0 - xc * xc));
    }
}
/**** end gelu ****/

/**** begin gelu_taylor ****/
/* needs: taylor pow2 exp_neg */
/* gelu's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   s = z Phi, Phi_(m+1) = phi_m / (m + 1), (m + 1) phi_(m+1) = -(z phi_m + phi_(m-1)) from phi' = -z phi; c_k = z Phi_k + Phi_(k-1). */
MODEL__API void model__gelu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__gelu, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const double x = z[j], xc = x > 40.0 ? 40.0 : x < -40.0 ? -40.0 : x;
        const double xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;    /* no inf * 0 */
        double ph[MODEL__TAYLOR_MAX + 1];
        ph[0] = 0.39894228040143267794 * model__exp_neg(0.5 * xc * xc);
        ph[1] = -xc * ph[0];
        for (k = 1; k + 1 < K; k++)
            ph[k + 1] = -(xc * ph[k] + ph[k - 1]) / (k + 1);
        for (k = 3; k <= K; k++)
            MODEL__C(k) = (model__real)(xl * ph[k - 1] / k + ph[k - 2] / (k - 1));
    }
}
/**** end gelu_taylor ****/

/**** begin erf ****/
/* needs: pow2 exp_neg */
/* erf: a = erf(z) (C99's), s' = 2 e^(-z^2) / sqrt(pi), s'' = -2 z s'. The
   exponential is taken at z clamped to [-40, 40], where it is already 0, so
   that z^2 cannot overflow. */
MODEL__API void model__erf(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], xc = x > 40.0 ? 40.0 : x < -40.0 ? -40.0 : x;
        const double d = 1.12837916709551257390 * model__exp_neg(xc * xc);     /* 2 / sqrt(pi) */
        s0[k] = (model__real)erf(x);
        s1[k] = (model__real)d;
        s2[k] = (model__real)(-2.0 * xc * d);
    }
}
/**** end erf ****/

/**** begin erf_taylor ****/
/* needs: taylor */
/* erf's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   c_(k+1) = g_k / (k + 1), g = s', (m + 1) g_(m+1) = -2 (z g_m + g_(m-1)) from g' = -2 z g. */
MODEL__API void model__erf_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__erf, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const double x = z[j], xc = x > 40.0 ? 40.0 : x < -40.0 ? -40.0 : x;
        double g[MODEL__TAYLOR_MAX + 1];
        g[0] = (double)MODEL__C(1);
        g[1] = -2.0 * xc * g[0];
        for (k = 1; k + 1 < K; k++)
            g[k + 1] = -2.0 * (xc * g[k] + g[k - 1]) / (k + 1);
        for (k = 3; k <= K; k++)
            MODEL__C(k) = (model__real)(g[k - 1] / k);
    }
}
/**** end erf_taylor ****/

/**** begin sqrt ****/
/* sqrt (torch.sqrt, x ** 0.5): a = sqrt(z), s' = 1 / (2 a), s'' = -s' / (2 z),
   as PyTorch's: at z = 0 the derivatives are infinite, below it every
   number is NaN. */
MODEL__API void model__sqrt(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], a = sqrt(x), d = 0.5 / a;
        s0[k] = (model__real)a;
        s1[k] = (model__real)d;
        s2[k] = (model__real)(-0.5 * d / x);
    }
}
/**** end sqrt ****/

/**** begin sqrt_taylor ****/
/* needs: taylor */
/* sqrt's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   c_k = c_(k-1) (3/2 - k) / (k z): binom(1/2, k) z^(1/2 - k). */
MODEL__API void model__sqrt_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__sqrt, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        for (k = 3; k <= K; k++)
            MODEL__C(k) = (model__real)((double)MODEL__C(k - 1) * (1.5 - k) / (k * (double)z[j]));
    }
}
/**** end sqrt_taylor ****/

/**** begin acos ****/
/* acos (torch.acos, Chebyshev-KAN's cos(k acos x)): a = acos(z), s' = -1 /
   sqrt(1 - z^2), s'' = s' z / (1 - z^2), as PyTorch's: at z = +-1 the
   derivatives are infinite, beyond them every number is NaN. */
MODEL__API void model__acos(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], r = (1.0 - x) * (1.0 + x), d = -1.0 / sqrt(r);
        s0[k] = (model__real)acos(x);
        s1[k] = (model__real)d;
        s2[k] = (model__real)(d * x / r);
    }
}
/**** end acos ****/

/**** begin acos_taylor ****/
/* needs: taylor */
/* acos's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   c_(k+1) = g_k / (k + 1), g = s' = -1 / sqrt(1 - z^2): (1 - z^2) g' = z g, g_(m+1) = (z (2m + 1) g_m + m g_(m-1)) / ((1 - z^2)(m + 1)). */
MODEL__API void model__acos_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__acos, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const double x = z[j], r = (1.0 - x) * (1.0 + x);
        double g[MODEL__TAYLOR_MAX + 1];
        g[0] = (double)MODEL__C(1);
        g[1] = x * g[0] / r;
        for (k = 1; k + 1 < K; k++)
            g[k + 1] = (x * (2 * k + 1) * g[k] + k * g[k - 1]) / (r * (k + 1));
        for (k = 3; k <= K; k++)
            MODEL__C(k) = (model__real)(g[k - 1] / k);
    }
}
/**** end acos_taylor ****/

/**** begin gelu_tanh ****/
/* needs: pow2 exp_neg logistic */
/* gelu, tanh approximation (approximate='tanh'): a = z g with
   g = (1 + tanh(u)) / 2 = sigma(v), v = 2 u = 2 k (z + c z^3),
   k = sqrt(2 / pi), c = 0.044715. With h = g (1 - g): g' = h v',
   g'' = h (1 - 2 g) v'^2 + h v'', s' = g + z g', s'' = 2 g' + z g''.
   v' and v'' are taken at z clamped to [-1e6, 1e6] (h is exactly 0 long
   before), so that z^3 cannot overflow. */
MODEL__API void model__gelu_tanh(size_t n, double p, double q, const model__real *z,
                                 model__real *s0, model__real *s1, model__real *s2)
{
    const double k2 = 1.5957691216057307117, c = 0.044715;     /* k2 = 2 k */
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], xc = x > 1e6 ? 1e6 : x < -1e6 ? -1e6 : x;
        const double v = k2 * (xc + c * xc * xc * xc);
        const double v1 = k2 * (1.0 + 3.0 * c * xc * xc), v2 = k2 * 6.0 * c * xc;
        double g, gm, h, g1, g2, xl;
        model__logistic(v, &g, &gm);
        h = g * gm;
        g1 = h * v1;
        g2 = h * (gm - g) * v1 * v1 + h * v2;
        xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;    /* no inf * 0 */
        s0[k] = (model__real)(x > 1e300 ? x : xl * g);
        s1[k] = (model__real)(g + xl * g1);
        s2[k] = (model__real)(2.0 * g1 + xl * g2);
    }
}
/**** end gelu_tanh ****/

/**** begin gelu_tanh_taylor ****/
/* needs: taylor taylor_logistic pow2 exp_neg logistic */
/* gelu_tanh's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   s = z g, g = sigma(v), v = 2 k (z + c z^3) (model__gelu_tanh's), by the series of v; c_k = z g_k + g_(k-1). */
MODEL__API void model__gelu_tanh_taylor(size_t n, double p, double q, const model__real *z, int K,
                                        model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__gelu_tanh, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const double k2 = 1.5957691216057307117, cc = 0.044715;
        const double x = z[j], xc = x > 1e6 ? 1e6 : x < -1e6 ? -1e6 : x;
        const double xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;
        double v[MODEL__TAYLOR_MAX + 1] = {0}, g[MODEL__TAYLOR_MAX + 1], a, b;
        v[0] = k2 * (xc + cc * xc * xc * xc);
        v[1] = k2 * (1.0 + 3.0 * cc * xc * xc);
        v[2] = k2 * 3.0 * cc * xc;
        v[3] = k2 * cc;
        model__logistic(v[0], &a, &b);
        model__taylor_logistic(K, v, a, b, g);
        for (k = 3; k <= K; k++)
            MODEL__C(k) = (model__real)(xl * g[k] + g[k - 1]);
    }
}
/**** end gelu_tanh_taylor ****/

/**** begin silu ****/
/* needs: pow2 exp_neg logistic */
/* silu: a = z sigma(z); with b = 1 - sigma: s' = sigma (1 + z b),
   s'' = sigma b (2 + z (b - sigma)). */
MODEL__API void model__silu(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;    /* no inf * 0 */
        double a, b;
        model__logistic(x, &a, &b);
        s0[k] = (model__real)(x > 1e300 ? x : xl * a);
        s1[k] = (model__real)(a * (1.0 + xl * b));
        s2[k] = (model__real)(a * b * (2.0 + xl * (b - a)));
    }
}
/**** end silu ****/

/**** begin silu_taylor ****/
/* needs: taylor taylor_logistic pow2 exp_neg logistic */
/* silu's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   s = z sigma; c_k = z sigma_k + sigma_(k-1). */
MODEL__API void model__silu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__silu, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const double x = z[j], xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;
        double v[MODEL__TAYLOR_MAX + 1] = {0}, g[MODEL__TAYLOR_MAX + 1], a, b;
        v[0] = x;
        v[1] = 1.0;
        model__logistic(x, &a, &b);
        model__taylor_logistic(K, v, a, b, g);
        for (k = 3; k <= K; k++)
            MODEL__C(k) = (model__real)(xl * g[k] + g[k - 1]);
    }
}
/**** end silu_taylor ****/

/**** begin mish ****/
/* needs: pow2 exp_neg logistic */
/* mish: a = z T, T = tanh(softplus(z)). With w = e^-|z|, T and 1 - T are
   (1 + 2w) / (1 + 2w + 2w^2) and 2w^2 / (1 + 2w + 2w^2) for z >= 0, and
   m / (m + 2) and 2 / (m + 2), m = w (w + 2), for z < 0: no cancellation.
   With S = 1 - T^2 and sigma = sigma(z), b = 1 - sigma:
   s' = T + z S sigma, s'' = S sigma (2 + z (b - 2 T sigma)). */
MODEL__INLINE void model__mish_t(double x, double *t, double *omt)
{
    const double w = model__exp_neg(fabs(x));
    const double dp = 1.0 + 2.0 * w + 2.0 * w * w, m = w * (w + 2.0);
    *t = x >= 0.0 ? (1.0 + 2.0 * w) / dp : m / (m + 2.0);
    *omt = x >= 0.0 ? 2.0 * w * w / dp : 2.0 / (m + 2.0);
}

MODEL__API void model__mish(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;    /* no inf * 0 */
        double t, omt, sech2, a, b;
        model__mish_t(x, &t, &omt);
        sech2 = omt * (1.0 + t);
        model__logistic(x, &a, &b);
        s0[k] = (model__real)(x > 1e300 ? x : xl * t);
        s1[k] = (model__real)(t + xl * sech2 * a);
        s2[k] = (model__real)(sech2 * a * (2.0 + xl * (b - 2.0 * t * a)));
    }
}
/**** end mish ****/

/**** begin mish_taylor ****/
/* needs: taylor taylor_logistic taylor_tanh pow2 exp_neg logistic */
/* mish's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   s = z T, T = tanh(S), S = softplus(z) with S' = sigma; c_k = z T_k + T_(k-1). */
MODEL__API void model__mish_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__mish, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const double x = z[j], xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;
        double v[MODEL__TAYLOR_MAX + 1] = {0}, g[MODEL__TAYLOR_MAX + 1], u[MODEL__TAYLOR_MAX + 1] = {0},
            t[MODEL__TAYLOR_MAX + 1], a, b, th, omt;
        v[0] = x;
        v[1] = 1.0;
        model__logistic(x, &a, &b);
        model__taylor_logistic(K, v, a, b, g);
        for (k = 1; k <= K; k++)
            u[k] = g[k - 1] / k;
        model__mish_t(x, &th, &omt);
        model__taylor_tanh(K, u, th, omt * (1.0 + th), t);
        for (k = 3; k <= K; k++)
            MODEL__C(k) = (model__real)(xl * t[k] + t[k - 1]);
    }
}
/**** end mish_taylor ****/

/**** begin elu ****/
/* needs: pow2 exp_neg expm1_neg */
/* elu (p = alpha): z for z > 0; alpha (e^z - 1) for z <= 0, where
   s' = s'' = alpha e^z (PyTorch's at z = 0: alpha). */
MODEL__API void model__elu(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], xn = x > 0.0 ? 0.0 : x, e = model__exp_neg(-xn);
        const double em = model__expm1_neg(xn, e);
        s0[k] = x > 0.0 ? z[k] : (model__real)(p * em);
        s1[k] = x > 0.0 ? 1 : (model__real)(p * e);
        s2[k] = x > 0.0 ? 0 : (model__real)(p * e);
    }
}
/**** end elu ****/

/**** begin elu_taylor ****/
/* needs: taylor taylor_exp_piece */
/* elu's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   alpha e^z / k! for z <= 0, 0 for z > 0. */
MODEL__API void model__elu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c)
{
    K = model__taylor_start(model__elu, n, p, q, z, K, c);
    model__taylor_exp_piece(n, z, 1, 0, K, c);
}
/**** end elu_taylor ****/

/**** begin selu ****/
/* needs: pow2 exp_neg expm1_neg */
/* selu: scale elu(z, alpha) with PyTorch's constants. */
MODEL__API void model__selu(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2)
{
    const double scale = 1.0507009873554804934193349852946;
    const double sa = 1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], xn = x > 0.0 ? 0.0 : x, e = model__exp_neg(-xn);
        const double em = model__expm1_neg(xn, e);
        s0[k] = (model__real)(x > 0.0 ? scale * x : sa * em);
        s1[k] = (model__real)(x > 0.0 ? scale : sa * e);
        s2[k] = x > 0.0 ? 0 : (model__real)(sa * e);
    }
}
/**** end selu ****/

/**** begin selu_taylor ****/
/* needs: taylor taylor_exp_piece */
/* selu's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   scale alpha e^z / k! for z <= 0, 0 for z > 0. */
MODEL__API void model__selu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c)
{
    K = model__taylor_start(model__selu, n, p, q, z, K, c);
    model__taylor_exp_piece(n, z, 1, 0, K, c);
}
/**** end selu_taylor ****/

/**** begin softsign ****/
/* softsign: a = z / (1 + |z|), s' = 1 / (1 + |z|)^2,
   s'' = -2 sign(z) / (1 + |z|)^3 (0 at z = 0, as PyTorch's). */
MODEL__API void model__softsign(size_t n, double p, double q, const model__real *z,
                                model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k], xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;    /* no inf / inf */
        const double d = 1.0 + fabs(xl), r = 1.0 / d;
        const double sg = x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;
        s0[k] = (model__real)(xl * r);
        s1[k] = (model__real)(r * r);
        s2[k] = (model__real)(-2.0 * sg * r * r * r);
    }
}
/**** end softsign ****/

/**** begin softsign_taylor ****/
/* needs: taylor */
/* softsign's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   (-1)^(k+1) / (1 + z)^(k+1) for z > 0, 1 / (1 - z)^(k+1) for z < 0 (at 0 their mean, as s'' is 0 there). */
MODEL__API void model__softsign_taylor(size_t n, double p, double q, const model__real *z, int K,
                                       model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__softsign, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const double x = z[j], xl = x > 1e300 ? 1e300 : x < -1e300 ? -1e300 : x;
        const double r = 1.0 / (1.0 + fabs(xl));
        double rk = r * r * r;
        for (k = 3; k <= K; k++) {
            rk *= r;
            MODEL__C(k) = (model__real)((x > 0.0 ? (k % 2 ? 1.0 : -1.0) : x < 0.0 ? 1.0 : (k % 2 ? 1.0 : 0.0)) * rk);
        }
    }
}
/**** end softsign_taylor ****/

/**** begin exp ****/
/* needs: pow2 exp_neg */
/* exp: a = s' = s'' = e^z. */
MODEL__API void model__exp(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const model__real e = (model__real)model__exp_neg(-(double)z[k]);
        s0[k] = e;
        s1[k] = e;
        s2[k] = e;
    }
}
/**** end exp ****/

/**** begin exp_taylor ****/
/* needs: taylor taylor_exp_piece */
/* exp's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   c_k = c_(k-1) / k. */
MODEL__API void model__exp_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c)
{
    K = model__taylor_start(model__exp, n, p, q, z, K, c);
    model__taylor_exp_piece(n, z, 0, 0, K, c);
}
/**** end exp_taylor ****/

/**** begin relu ****/
/* relu: a = max(z, 0) (NaN stays NaN), s' = 1 for z > 0 else 0 (PyTorch's
   at the kink), s'' = 0. */
MODEL__API void model__relu(size_t n, double p, double q, const model__real *z,
                            model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)p;
    (void)q;
    for (k = 0; k < n; k++) {
        const model__real x = z[k];
        s0[k] = x > 0 ? x : x == x ? 0 : x;
        s1[k] = x > 0 ? 1 : 0;
        s2[k] = 0;
    }
}
/**** end relu ****/

/**** begin relu_taylor ****/
/* needs: taylor taylor_exp_piece */
/* relu's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   0: piecewise linear. */
MODEL__API void model__relu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                   model__real *c)
{
    K = model__taylor_start(model__relu, n, p, q, z, K, c);
    model__taylor_exp_piece(n, z, 0, 1, K, c);
}
/**** end relu_taylor ****/

/**** begin leaky_relu ****/
/* leaky_relu (p = negative slope): a = z for z > 0 else p z; s' = 1 or p
   (p at the kink, as PyTorch), s'' = 0. */
MODEL__API void model__leaky_relu(size_t n, double p, double q, const model__real *z,
                                  model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    (void)q;
    for (k = 0; k < n; k++) {
        const model__real x = z[k];
        s0[k] = x > 0 ? x : (model__real)(p * x);
        s1[k] = x > 0 ? 1 : (model__real)p;
        s2[k] = 0;
    }
}
/**** end leaky_relu ****/

/**** begin leaky_relu_taylor ****/
/* needs: taylor taylor_exp_piece */
/* leaky_relu's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   0: piecewise linear. */
MODEL__API void model__leaky_relu_taylor(size_t n, double p, double q, const model__real *z, int K,
                                         model__real *c)
{
    K = model__taylor_start(model__leaky_relu, n, p, q, z, K, c);
    model__taylor_exp_piece(n, z, 0, 1, K, c);
}
/**** end leaky_relu_taylor ****/

/**** begin pow ****/
/* z^e for an integer e, |e| <= 64, by squaring: exact for e = 0, 1, 2 (as
   PyTorch's x * x), within a few units in the last place beyond. */
static double model__ipow(double z, int e)
{
    double r = 1.0, b = z;
    int k = e < 0 ? -e : e;
    for (; k > 0; k >>= 1) {
        if (k & 1)
            r *= b;
        b *= b;
    }
    return e < 0 ? 1.0 / r : r;
}

/* pow (p = n, an integer): a = z^n, s' = n z^(n-1), s'' = n (n-1) z^(n-2);
   each power taken on its own, so that n = 1 and 2 stay exact at z = 0
   and a negative n gives PyTorch's infinities there. */
MODEL__API void model__pow(size_t n, double p, double q, const model__real *z,
                           model__real *s0, model__real *s1, model__real *s2)
{
    const int e = (int)p;
    size_t k;
    (void)q;
    for (k = 0; k < n; k++) {
        const double x = z[k];
        s0[k] = (model__real)model__ipow(x, e);
        s1[k] = e == 0 ? 0 : (model__real)(e * model__ipow(x, e - 1));
        s2[k] = e == 0 || e == 1 ? 0 : (model__real)((double)e * (e - 1) * model__ipow(x, e - 2));
    }
}
/**** end pow ****/

/**** begin pow_taylor ****/
/* needs: taylor */
/* pow's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   binom(n, k) z^(n-k), each power taken on its own (0 past n for n >= 0). */
MODEL__API void model__pow_taylor(size_t n, double p, double q, const model__real *z, int K,
                                  model__real *c)
{
    size_t j;
    int k;
    K = model__taylor_start(model__pow, n, p, q, z, K, c);
    for (j = 0; j < n; j++) {
        const int e = (int)p;
        double binom = (double)e * (e - 1) / 2;
        for (k = 3; k <= K; k++) {
            binom = binom * (e - k + 1) / k;
            MODEL__C(k) = e >= 0 && k > e ? 0 : (model__real)(binom * model__ipow((double)z[j], e - k));
        }
    }
}
/**** end pow_taylor ****/

/**** begin hardtanh ****/
/* hardtanh (p = min, q = max): a = z clamped to [p, q] (NaN stays NaN);
   s' = 1 strictly inside, 0 from the edges on (PyTorch's), s'' = 0. */
MODEL__API void model__hardtanh(size_t n, double p, double q, const model__real *z,
                                model__real *s0, model__real *s1, model__real *s2)
{
    size_t k;
    for (k = 0; k < n; k++) {
        const double x = z[k];
        s0[k] = x < p ? (model__real)p : x > q ? (model__real)q : z[k];
        s1[k] = x > p && x < q ? 1 : 0;
        s2[k] = 0;
    }
}
/**** end hardtanh ****/

/**** begin hardtanh_taylor ****/
/* needs: taylor taylor_exp_piece */
/* hardtanh's Taylor coefficients (model__taylor's layout; K <= MODEL__TAYLOR_MAX):
   0: piecewise linear. */
MODEL__API void model__hardtanh_taylor(size_t n, double p, double q, const model__real *z, int K,
                                       model__real *c)
{
    K = model__taylor_start(model__hardtanh, n, p, q, z, K, c);
    model__taylor_exp_piece(n, z, 0, 1, K, c);
}
/**** end hardtanh_taylor ****/

/**** begin tanh_chain ****/
/* tanh with its chain rule (the executor's and the reverse sweep's; no
   emitted file calls it): model__activate's job for the commonest
   activation of PINNs. Only a = tanh(z) is held between the two passes of
   a chunk; s' = 1 - a^2 and s'' = -2 a s' are formed in registers where
   each vector takes its chain rule (model__activate keeps all three of
   any activation in memory). model__tanh_chain_n does n values of one
   point: channel c at z + c zs, its result at a + c as (a may be z). */

MODEL__INLINE void model__tanh_chain_n(size_t n, size_t n_x, size_t n_s, const size_t *over, int mode,
                                       const model__real *z, size_t zs, model__real *a, size_t as)
{
    model__real s0[MODEL__ACT_CHUNK];
    const model__vec zero = {0}, one = zero + 1, minus2 = zero - 2;
    size_t k0, k, m;
    for (k0 = 0; k0 < n; k0 += m) {
        m = n - k0 < MODEL__ACT_CHUNK ? n - k0 : MODEL__ACT_CHUNK;
        for (k = 0; k < m; k++)         /* model__tanh's a */
            s0[k] = model__tanh_of(z[k0 + k]);
#define MODEL__ONE(MODE, R)                                                                               \
    {                                                                                                     \
        const model__vec v0 = model__load_n(s0 + k, R), v1 = one - v0 * v0;                               \
        model__chain(n_x, n_s, over, MODE, R, v0, v1, minus2 * v0 * v1, z + k0 + k, zs, a + k0 + k, as);   \
    }
        MODEL__BY_ROW(MODEL__ONE, k, m, mode)
#undef MODEL__ONE
    }
}

/* model__tanh_chain_n on n values of np points (row layout: channel c of
   point p at z + (c np + p) ldz; points in lanes: np = 1), with the
   inputs' counts constants where they are small (MODEL__BY_INPUTS's
   cases). */
MODEL__API void model__tanh_chain(size_t n, size_t n_x, size_t n_s, const size_t *over, int mode, size_t np,
                                  const model__real *z, size_t ldz, model__real *a, size_t lda)
{
    size_t p;
    for (p = 0; p < np; p++) {
        const model__real *zp = z + p * ldz;
        model__real *ap = a + p * lda;
#define MODEL__CALL(NX, NS, OVER) model__tanh_chain_n(n, NX, NS, OVER, mode, zp, np * ldz, ap, np * lda)
        MODEL__BY_INPUTS(MODEL__CALL, n_x, n_s, over);
#undef MODEL__CALL
    }
}

/* The reverse of model__tanh_chain_n (model__activate_back's job): the
   derivatives s1, s2, s3 of tanh come from the forward's values a
   (channel 0), in registers. ab is spent (set to zero). */
MODEL__INLINE void model__tanh_chain_back_n(size_t n, size_t n_x, size_t n_s, const size_t *over, int mode,
                                            size_t nch, const model__real *z, model__real *zb, size_t zs,
                                            const model__real *a, model__real *ab, size_t as, int assign)
{
    const model__vec zero = {0}, one = zero + 1, two = zero + 2;
    size_t k;
#define MODEL__ONE(MODE, R)                                                                                \
    {                                                                                                      \
        const model__vec v0 = model__load_n(a + k, R), v1 = one - v0 * v0;                                 \
        model__chain_back(n_x, n_s, over, MODE, nch, R, v1, zero - two * v0 * v1,                          \
                          zero - two * v1 * (v1 - two * v0 * v0), /* model__tanh3's */                    \
                          z + k, zb + k, zs, ab + k, as, assign);                                          \
    }
    MODEL__BY_ROW(MODEL__ONE, k, n, mode)
#undef MODEL__ONE
}

/* model__tanh_chain_back_n on n values of np points, as model__tanh_chain. */
MODEL__API void model__tanh_chain_back(size_t n, size_t n_x, size_t n_s, const size_t *over, int mode, size_t np,
                                       size_t nch, const model__real *z, model__real *zb, size_t ldz,
                                       const model__real *a, model__real *ab, size_t lda, int assign)
{
    size_t p;
    for (p = 0; p < np; p++) {
        const model__real *zp = z + p * ldz, *ap = a + p * lda;
        model__real *zbp = zb + p * ldz, *abp = ab + p * lda;
        const size_t zs = np * ldz, as = np * lda;
#define MODEL__CALL(NX, NS, OVER) \
    model__tanh_chain_back_n(n, NX, NS, OVER, mode, nch, zp, zbp, zs, ap, abp, as, assign)
        MODEL__BY_INPUTS(MODEL__CALL, n_x, n_s, over);
#undef MODEL__CALL
    }
}
/**** end tanh_chain ****/
