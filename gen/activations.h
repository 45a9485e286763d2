/* activations.h: the one list of jetgen's activations. Everything that
   needs to know them derives from it: the spec keywords with their
   parameters and formulas (gen/model.c's table), the kernel table the JIT
   binds and the executor calls (runtime/kernel_set.c), the count of kernels
   (runtime/kernels.h), and the enumeration of the long-double oracle
   (gen/fdiff.c, whose definitions stay its own). Each activation's kernel
   is the section NAME of templates/kernels.c, model__NAME(n, p, q, z, s0,
   s1, s2), and names its helper sections in a `needs:` line there.

   To add an activation: an entry here; its kernel section (and -decl
   section) in templates/kernels.c; its definition in gen/fdiff.c's switch
   (the compiler names a missing case); its tests (tests/test_layers.c's
   long-double definitions, the exporter's module in tools/jetgen_export.py
   if PyTorch has one). Nothing else.

   X(NAME, N_PARAMS, PARAM0, DEFAULT0, PARAM1, DEFAULT1, PIECEWISE_LINEAR, FORMULA):
   parameters are PyTorch's names and defaults (`name=value` in a spec);
   PIECEWISE_LINEAR marks s'' = 0 almost everywhere (a warning); FORMULA
   is the math of a, s' and s'' for comments in the emitted code. */
#ifndef JG_ACTIVATIONS_H
#define JG_ACTIVATIONS_H

#define JG_ACTIVATIONS(X) \
    X(tanh, 0, NULL, 0.0, NULL, 0.0, 0, "a = tanh(z);  s' = 1 - a^2;  s'' = -2 a s'") \
    X(sigmoid, 0, NULL, 0.0, NULL, 0.0, 0, "a = 1 / (1 + exp(-z));  s' = a (1 - a);  s'' = s' (1 - 2 a)") \
    X(softplus, 2, "beta", 1.0, "threshold", 20.0, 0, \
      "a = log(1 + exp(beta z)) / beta (z where beta z > threshold);  s' = sigma(beta z);  " \
      "s'' = beta s' (1 - s')") \
    X(sin, 1, "w0", 1.0, NULL, 0.0, 0, "a = sin(w0 z);  s' = w0 cos(w0 z);  s'' = -w0^2 a") \
    X(cos, 1, "w0", 1.0, NULL, 0.0, 0, "a = cos(w0 z);  s' = -w0 sin(w0 z);  s'' = -w0^2 a") \
    X(gelu, 0, NULL, 0.0, NULL, 0.0, 0, "a = z Phi(z);  s' = Phi + z phi;  s'' = phi (2 - z^2)") \
    X(gelu_tanh, 0, NULL, 0.0, NULL, 0.0, 0, \
      "a = z (1 + tanh(k (z + 0.044715 z^3))) / 2, k = sqrt(2 / pi)") \
    X(silu, 0, NULL, 0.0, NULL, 0.0, 0, "a = z sigma(z);  s' = sigma (1 + z (1 - sigma));  " \
      "s'' = sigma (1 - sigma) (2 + z (1 - 2 sigma))") \
    X(mish, 0, NULL, 0.0, NULL, 0.0, 0, "a = z T, T = tanh(softplus(z));  s' = T + z (1 - T^2) sigma(z)") \
    X(elu, 1, "alpha", 1.0, NULL, 0.0, 0, \
      "a = z if z > 0 else alpha (exp(z) - 1);  s' = s'' = alpha exp(z) for z <= 0") \
    X(selu, 0, NULL, 0.0, NULL, 0.0, 0, \
      "a = scale (z if z > 0 else alpha (exp(z) - 1)), PyTorch's alpha and scale") \
    X(softsign, 0, NULL, 0.0, NULL, 0.0, 0, \
      "a = z / (1 + |z|);  s' = 1 / (1 + |z|)^2;  s'' = -2 sign(z) / (1 + |z|)^3") \
    X(exp, 0, NULL, 0.0, NULL, 0.0, 0, "a = s' = s'' = exp(z)") \
    X(relu, 0, NULL, 0.0, NULL, 0.0, 1, "a = max(z, 0);  s' = [z > 0];  s'' = 0") \
    X(leaky_relu, 1, "negative_slope", 0.01, NULL, 0.0, 1, "a = z if z > 0 else negative_slope z;  s'' = 0") \
    X(pow, 1, "n", 2.0, NULL, 0.0, 0, "a = z^n (n an integer);  s' = n z^(n-1);  s'' = n (n-1) z^(n-2)") \
    X(hardtanh, 2, "min_val", -1.0, "max_val", 1.0, 1, \
      "a = min(max(z, min_val), max_val);  s' = [min_val < z < max_val];  s'' = 0")

/* JG_ACT_tanh, ...: an activation's place in the list; JG_N_ACTIVATIONS. */
#define JG_ACT_ENUM(name, np, p0, d0, p1, d1, pl, formula) JG_ACT_##name,
enum { JG_ACTIVATIONS(JG_ACT_ENUM) JG_N_ACTIVATIONS };

#endif
