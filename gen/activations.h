/* activations.h: the registry of jetgen's activations, one row each.
   Everything that needs to know them reads this list: the spec keywords
   with their parameters, checks and formulas (gen/model.c's table), the
   kernel table the JIT binds and the executor calls (runtime/kernel_set.c),
   the count of kernels (runtime/kernels.h), the long-double oracle's
   definitions and kinks (gen/fdiff.c), the reverse sweep's enumeration
   (runtime/grad.c) and the exporter's PyTorch spellings (the Python
   extension's activations(), which python/jetgen/fx.py reads). Each
   activation's kernel is the section NAME of templates/kernels.c,
   model__NAME(n, p, q, z, s0, s1, s2), which names its helper sections in a
   `needs:` line there.

   To add an activation (README, "How to add an activation"): a row here;
   its kernel section and -decl section in templates/kernels.c; its third
   derivative in runtime/grad.c's jg_grad_act3 (the compiler names a missing
   case); its tests (tests/test_layers.c's long-double derivatives, an
   exporter case if PyTorch has it). Nothing else.

   X(NAME, N_PARAMS, PARAM0, DEFAULT0, PARAM1, DEFAULT1, PIECEWISE_LINEAR,
     VALID, NEEDS, TORCH, FORMULA, VALUE, PIECE, SERIES):
   NAME        the spec keyword and kernel name
   N_PARAMS .. DEFAULT1   PyTorch's parameter names and defaults
               (`name=value` in a spec; NULL where there is none)
   PIECEWISE_LINEAR   s'' = 0 almost everywhere (a warning)
   VALID       a C expression in the parameters p and q, true for the
               values the activation takes; NEEDS says which in words
               ("softplus needs beta > 0")
   TORCH       PyTorch's spellings, space-separated: lower-case words are
               functions and tensor methods that take the parameters in
               order after the input (torch.tanh, F.softplus, x.tanh());
               capitalized ones are torch.nn modules (or their bases) whose
               attributes of the parameters' names give their values
   FORMULA     the math of a, s' and s'' for comments in the emitted code
   VALUE       s(z) in long double from PyTorch's definition (z, p, q long
               double; <math.h>'s long-double functions): the oracle's
   PIECE       the piece of the definition z is on, where the activation
               has kinks, jumps or poles (0 for smooth ones): the oracle's
               differences never straddle a change of it
   SERIES      the Taylor series of s(z0 + t) in t, from the same
               definition in Taylor arithmetic (gen/taylor.c's S_ words on
               the series Z of z0 + t, z = z0; S_POWI's power an integer;
               S_LOGISTIC never overflows):
               the order-3 and order-4 oracle's, on z0's piece */
#ifndef JG_ACTIVATIONS_H
#define JG_ACTIVATIONS_H

#define JG_ACTIVATIONS(X) \
    X(tanh, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "tanh Tanh", \
      "a = tanh(z);  s' = 1 - a^2;  s'' = -2 a s'", tanhl(z), 0, \
      S_TANH(Z)) \
    X(sigmoid, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "sigmoid expit special_expit Sigmoid", \
      "a = 1 / (1 + exp(-z));  s' = a (1 - a);  s'' = s' (1 - 2 a)", 1.0L / (1.0L + expl(-z)), 0, \
      S_LOGISTIC(Z)) \
    X(softplus, 2, "beta", 1.0, "threshold", 20.0, 0, p > 0.0, "beta > 0", "softplus Softplus", \
      "a = log(1 + exp(beta z)) / beta (z where beta z > threshold);  s' = sigma(beta z);  " \
      "s'' = beta s' (1 - s')", p * z > q ? z : log1pl(expl(p * z)) / p, p * z > q, \
      p * z > q ? Z : S_SCALE(S_LOG1P(S_EXP(S_SCALE(Z, p))), 1.0L / p)) \
    X(sin, 1, "w0", 1.0, NULL, 0.0, 0, 1, NULL, "sin", \
      "a = sin(w0 z);  s' = w0 cos(w0 z);  s'' = -w0^2 a", sinl(p * z), 0, \
      S_SIN(S_SCALE(Z, p))) \
    X(cos, 1, "w0", 1.0, NULL, 0.0, 0, 1, NULL, "cos", \
      "a = cos(w0 z);  s' = -w0 sin(w0 z);  s'' = -w0^2 a", cosl(p * z), 0, \
      S_COS(S_SCALE(Z, p))) \
    X(gelu, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "", \
      "a = z Phi(z);  s' = Phi + z phi;  s'' = phi (2 - z^2)", \
      0.5L * z * erfcl(-z * 0.70710678118654752440084436210484903L), 0, \
      S_MUL(S_SCALE(Z, 0.5L), S_ERFC(S_SCALE(Z, -0.70710678118654752440084436210484903L)))) \
    X(gelu_tanh, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "", \
      "a = z (1 + tanh(k (z + 0.044715 z^3))) / 2, k = sqrt(2 / pi)", \
      0.5L * z * (1.0L + tanhl(0.79788456080286535587989211986876373L * (z + 0.044715L * z * z * z))), 0, \
      S_MUL(Z, S_LOGISTIC(S_SCALE(S_ADD(Z, S_SCALE(S_POWI(Z, 3), 0.044715L)), \
                                  1.59576912160573071175979973785752746L)))) \
    X(silu, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "silu SiLU", \
      "a = z sigma(z);  s' = sigma (1 + z (1 - sigma));  s'' = sigma (1 - sigma) (2 + z (1 - 2 sigma))", \
      z / (1.0L + expl(-z)), 0, \
      S_MUL(Z, S_LOGISTIC(Z))) \
    X(mish, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "mish Mish", \
      "a = z T, T = tanh(softplus(z));  s' = T + z (1 - T^2) sigma(z)", z * tanhl(log1pl(expl(z))), 0, \
      S_MUL(Z, S_TANH(S_LOG1P(S_EXP(Z))))) \
    X(elu, 1, "alpha", 1.0, NULL, 0.0, 0, 1, NULL, "elu ELU", \
      "a = z if z > 0 else alpha (exp(z) - 1);  s' = s'' = alpha exp(z) for z <= 0", \
      z > 0 ? z : p * expm1l(z), z > 0, \
      z > 0 ? Z : S_SCALE(S_EXPM1(Z), p)) \
    X(erf, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "erf special_erf", \
      "a = erf(z);  s' = 2 exp(-z^2) / sqrt(pi);  s'' = -2 z s'", erfl(z), 0, \
      S_ERF(Z)) \
    X(sqrt, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "sqrt", \
      "a = sqrt(z);  s' = 1 / (2 a);  s'' = -s' / (2 z)  (z > 0)", sqrtl(z), z > 0, \
      S_SQRT(Z)) \
    X(acos, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "acos arccos", \
      "a = acos(z);  s' = -1 / sqrt(1 - z^2);  s'' = s' z / (1 - z^2)  (-1 < z < 1)", acosl(z), \
      z <= -1 ? 0 : z < 1 ? 1 : 2, \
      S_ACOS(Z)) \
    X(selu, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "selu SELU", \
      "a = scale (z if z > 0 else alpha (exp(z) - 1)), PyTorch's alpha and scale", \
      1.0507009873554804934193349852946L * (z > 0 ? z : 1.6732632423543772848170429916717L * expm1l(z)), z > 0, \
      S_SCALE(z > 0 ? Z : S_SCALE(S_EXPM1(Z), 1.6732632423543772848170429916717L), 1.0507009873554804934193349852946L)) \
    X(softsign, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "softsign Softsign", \
      "a = z / (1 + |z|);  s' = 1 / (1 + |z|)^2;  s'' = -2 sign(z) / (1 + |z|)^3", z / (1.0L + fabsl(z)), z > 0, \
      S_MUL(Z, S_RECIP(S_SHIFT(S_ABS(Z), 1.0L)))) \
    X(exp, 0, NULL, 0.0, NULL, 0.0, 0, 1, NULL, "exp", "a = s' = s'' = exp(z)", expl(z), 0, \
      S_EXP(Z)) \
    X(relu, 0, NULL, 0.0, NULL, 0.0, 1, 1, NULL, "relu ReLU", "a = max(z, 0);  s' = [z > 0];  s'' = 0", \
      z > 0 ? z : 0.0L, z > 0, \
      z > 0 ? Z : S_CONST(0.0L)) \
    X(leaky_relu, 1, "negative_slope", 0.01, NULL, 0.0, 1, 1, NULL, "leaky_relu LeakyReLU", \
      "a = z if z > 0 else negative_slope z;  s'' = 0", z > 0 ? z : p * z, z > 0, \
      z > 0 ? Z : S_SCALE(Z, p)) \
    X(pow, 1, "n", 2.0, NULL, 0.0, 0, p == floor(p) && fabs(p) <= 64, "an integer n from -64 to 64", "", \
      "a = z^n (n an integer);  s' = n z^(n-1);  s'' = n (n-1) z^(n-2)", powl(z, p), p < 0 && z > 0, \
      S_POWI(Z, (int)p)) \
    X(hardtanh, 2, "min_val", -1.0, "max_val", 1.0, 1, p < q, "min_val < max_val", "hardtanh Hardtanh", \
      "a = min(max(z, min_val), max_val);  s' = [min_val < z < max_val];  s'' = 0", \
      z < p ? p : z > q ? q : z, z <= p ? 0 : z < q ? 1 : 2, \
      z < p ? S_CONST(p) : z > q ? S_CONST(q) : Z)

/* JG_ACT_tanh, ...: an activation's place in the list; JG_N_ACTIVATIONS.
   (A consumer that reads only the first columns takes the rest as ....) */
#define JG_ACT_ENUM(name, ...) JG_ACT_##name,
enum { JG_ACTIVATIONS(JG_ACT_ENUM) JG_N_ACTIVATIONS };

/* The partials kernels' riccati argument for activation a: 1 for tanh
   (s' = 1 - s^2), 2 for sigmoid (s' = s - s^2), whose terms' series they
   form from s and s' at z_0 alone; 0 for the others (Taylor coefficients
   to the order of the terms). */
#define JG_RICCATI(a) ((a) == JG_ACT_tanh ? 1 : (a) == JG_ACT_sigmoid ? 2 : 0)

#endif
