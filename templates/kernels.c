/* templates/kernels.c: the kernels every emitted network calls, as C that
   compiles on its own (cc -std=c99 -c templates/kernels.c).

   jetgen copies the sections a network needs into the emitted file, and
   renames model_ to the user's prefix (model__ marks private helpers).
   Sections, each between banner comments:
     includes   the headers this file needs when compiled alone (dropped)
     common     tile layout, seeding, dense layers, storing results
     activate   the chain rule through an elementwise activation
     tanh, sigmoid   value, first and second derivative of one activation

   The layout of a tile. A tile holds np points. For each neuron k of a layer
   it holds nch channels of np values each, channel-major, so a row of the
   buffer is ld = nch * np doubles:
     buf[k * ld + 0 * np + p]          a_k at point p
     buf[k * ld + (1 + i) * np + p]    d a_k / d x_i                  (order >= 1)
     buf[k * ld + t * np + p]          d2 a_k / d x_i d x_j, i <= j,   (order >= 2)
                                       t = 1 + N_IN + (pairs before (i, j))
   so a dense layer is one matrix product over all channels and points at
   once: one weight load feeds the value and every derivative channel. */

/**** begin includes ****/
#include <math.h>
#include <stddef.h>
/**** end includes ****/

/**** begin common ****/
/* Channels per point for derivatives up to order: 1, 1 + n_x, or
   1 + n_x + n_x (n_x + 1) / 2. */
static size_t model__channels(size_t n_x, int order)
{
    if (order <= 0)
        return 1;
    if (order == 1)
        return 1 + n_x;
    return 1 + n_x + n_x * (n_x + 1) / 2;
}

/* The input layer: a_i = x_i, d a_i / d x_j = [i == j], second
   derivatives 0. x is [np][n_x]. */
static void model__seed(size_t n_x, int order, size_t np, size_t ld,
                        const double *x, double *a)
{
    size_t i, c, p;
    for (i = 0; i < n_x; i++) {
        double *ai = a + i * ld;
        for (c = 0; c < ld; c++)
            ai[c] = 0.0;
        for (p = 0; p < np; p++) {
            ai[p] = x[p * n_x + i];
            if (order >= 1)
                ai[(1 + i) * np + p] = 1.0;
        }
    }
}

/* z = W a + b on every channel (the bias only on the value channel):
   z[j][c][p] = sum_k w[j][k] a[k][c][p].  w is [n_out][n_in]; b may be
   NULL. */
static void model__dense(size_t n_out, size_t n_in, const double *w,
                         const double *b, size_t np, size_t ld,
                         const double *a, double *z)
{
    size_t j, k, c, p;
    for (j = 0; j < n_out; j++) {
        double *zj = z + j * ld;
        const double *wj = w + j * n_in;
        for (c = 0; c < ld; c++)
            zj[c] = 0.0;
        for (k = 0; k < n_in; k++) {
            const double wk = wj[k];
            const double *ak = a + k * ld;
            for (c = 0; c < ld; c++)
                zj[c] += wk * ak[c];
        }
        if (b != NULL)
            for (p = 0; p < np; p++)
                zj[p] += b[j];
    }
}

/* Copies rows [0, rows) of z, outputs k0 .. k0 + rows - 1, into the caller's
   layout: u [np][n_out], du [np][n_out][n_x], d2u [np][n_out][n_x][n_x]
   (both triangles). Any of u, du, d2u may be NULL. */
static void model__store(size_t n_out, size_t k0, size_t rows, size_t n_x,
                         int order, size_t np, size_t ld, const double *z,
                         double *u, double *du, double *d2u)
{
    size_t r, p, i, j, t;
    for (r = 0; r < rows; r++) {
        const double *zr = z + r * ld;
        const size_t k = k0 + r;
        for (p = 0; p < np; p++) {
            const size_t pk = p * n_out + k;
            if (u != NULL)
                u[pk] = zr[p];
            if (order >= 1 && du != NULL)
                for (i = 0; i < n_x; i++)
                    du[pk * n_x + i] = zr[(1 + i) * np + p];
            if (order >= 2 && d2u != NULL) {
                t = 1 + n_x;
                for (i = 0; i < n_x; i++)
                    for (j = i; j < n_x; j++, t++)
                        d2u[(pk * n_x + i) * n_x + j] = d2u[(pk * n_x + j) * n_x + i]
                            = zr[t * np + p];
            }
        }
    }
}
/**** end common ****/

/**** begin activate ****/
/* a = s(z) on n rows in place, with the chain rule
   a'_i = s' z'_i  and  a''_ij = s'' z'_i z'_j + s' z''_ij.
   f(z, s) sets s[0] = s(z), s[1] = s'(z), s[2] = s''(z). */
static void model__activate(void (*f)(double, double *), size_t n,
                            size_t n_x, int order, size_t np, size_t ld,
                            double *z)
{
    size_t k, p, i, j, t;
    for (k = 0; k < n; k++) {
        for (p = 0; p < np; p++) {
            double *r = z + k * ld + p;     /* channel c at r[c * np] */
            double s[3];
            f(r[0], s);
            r[0] = s[0];
            if (order >= 2) {
                t = 1 + n_x;
                for (i = 0; i < n_x; i++)
                    for (j = i; j < n_x; j++, t++)
                        r[t * np] = s[2] * r[(1 + i) * np] * r[(1 + j) * np]
                                    + s[1] * r[t * np];
            }
            if (order >= 1)
                for (i = 0; i < n_x; i++)
                    r[(1 + i) * np] *= s[1];
        }
    }
}
/**** end activate ****/

/**** begin tanh ****/
/* tanh: s' = 1 - a^2, s'' = -2 a s'. Both are exactly 0 once tanh rounds
   to +-1, so saturated neurons give zeros, never NaN. */
static void model__tanh(double z, double *s)
{
    const double a = tanh(z);
    s[0] = a;
    s[1] = 1.0 - a * a;
    s[2] = -2.0 * a * s[1];
}
/**** end tanh ****/

/**** begin sigmoid ****/
/* sigmoid: a = 1 / (1 + e^-z), s' = a (1 - a), s'' = s' (1 - 2 a). 1 - a is
   computed as e^-|z| / (1 + e^-|z|) on the side where it is small, so it
   keeps full relative precision and exp never overflows. */
static void model__sigmoid(double z, double *s)
{
    const double e = exp(-fabs(z));
    const double hi = 1.0 / (1.0 + e), lo = e / (1.0 + e);
    const double a = z >= 0.0 ? hi : lo, b = z >= 0.0 ? lo : hi;   /* b = 1 - a */
    s[0] = a;
    s[1] = a * b;
    s[2] = s[1] * (b - a);
}
/**** end sigmoid ****/
