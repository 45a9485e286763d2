/* taylor.h: an independent computation of a network's partial derivatives
   of any order up to JG_TAYLOR_MAX_ORDER, for checking orders 3 and 4:
   the network evaluated layer by layer in long double on truncated Taylor
   polynomials in the chosen inputs (Taylor arithmetic: every value is the
   polynomial of its Taylor coefficients about the point), each activation
   from its definition written in series arithmetic (the SERIES column of
   gen/activations.h). No differences, so nothing to converge: the error is
   rounding alone, estimated alongside. Like gen/fdiff.c, written from the
   definitions in docs/spec.md; it shares no code with what it checks. */
#ifndef JG_TAYLOR_H
#define JG_TAYLOR_H

#include <stddef.h>

#include "model.h"

/* The highest total order: 4 for the terms, 5 for the reverse sweep's
   checks, and some to spare. */
#define JG_TAYLOR_MAX_ORDER 8
/* The most inputs the polynomials run over. */
#define JG_TAYLOR_MAX_VARS 8

typedef struct jg_taylor jg_taylor;     /* a model and its work space */

/* A reference for m (which must outlive it) in the inputs vars[0 ..
   n_vars - 1] (distinct indices below m->n_in) to total order `order`;
   NULL for arguments out of range, or out of memory. */
jg_taylor *jg_taylor_new(const jg_model *m, size_t n_vars, const size_t *vars, int order);
void jg_taylor_free(jg_taylor *t);

/* The monomials of the polynomials, degree 0 first: their count, and
   the place of the one whose power of vars[v] is pow[v]; (size_t)-1 for a
   total degree above the order. */
size_t jg_taylor_n_terms(const jg_taylor *t);
size_t jg_taylor_term_at(const jg_taylor *t, const unsigned char *pow);
/* The powers of vars of monomial i (n_vars of them). */
const unsigned char *jg_taylor_powers(const jg_taylor *t, size_t i);

/* At x [n_in]: for each output k and monomial i, the partial derivative
   of u_k by the monomial's powers (d^|a| u_k / d vars^a, the Taylor
   coefficient times a!), into d [n_out][n_terms], and an estimate of its
   rounding error into err (same layout; or NULL). Returns 0, or -1 when
   a value is not finite. */
int jg_taylor_partials(jg_taylor *t, const double *x, long double *d, long double *err);

/* The Taylor coefficients c[0 .. order] of activation `act` (its row of
   gen/activations.h, parameters p, q) at z: s(z + h) = sum c[k] h^k on
   z's piece. 0, or -1 (order out of range). Exposed for the tests. */
int jg_taylor_activation(int act, long double p, long double q, long double z, int order, long double *c);

#endif
