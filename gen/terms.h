/* terms.h: partial derivatives named as terms (issue 25). A term is a
   multiset of inputs, of order 0 to JG_MAX_TERM_ORDER: in a network of
   `input x t`, "xxt" is d3u / dx2 dt, "" is u itself. Written as
   - the inputs' one-character names side by side: "xxt";
   - names or component numbers (from 0) joined by '*': "x1*x1*x2", "0*0*1"
     (any names; the only way for names longer than one character);
   - one input's name, or one component number: "x1", "3";
   - the components' digits side by side where there are at most 10
     inputs, named or not (unless the digits are an input's name): "001"
     (with more, digits are one component number: "12");
   - "" (two double quotes, or nothing between commas) for u.
   The same syntax in a spec's `terms` statement, on the command line
   (--terms xx,xxxx) and in the library (jg_net_set_terms). */
#ifndef JG_TERMS_H
#define JG_TERMS_H

#include <stddef.h>

#include "buf.h"

/* The highest order of a term, the most terms of one list, and the most
   channels their partial derivatives take (the monomials dividing some
   term: 35 for every term to order 4 in three inputs, 70 in four; the
   kernels hold a neuron's channels on the stack). */
#define JG_MAX_TERM_ORDER 4
#define JG_MAX_TERMS 256
#define JG_MAX_CHANNELS 128

typedef struct jg_term {
    int order;                          /* 0 .. JG_MAX_TERM_ORDER */
    size_t in[JG_MAX_TERM_ORDER];       /* its inputs, in increasing order, repeated */
} jg_term;

/* Reads the term text[0 .. len) (not NUL-terminated) of a network of n_in
   inputs named names[0 .. n_in - 1] (or names NULL: unnamed) into *out:
   0, or -1 with the reason in msg (NUL-terminated, at most msg_len bytes). */
int jg_term_parse(const char *text, size_t len, size_t n_in, char *const *names, jg_term *out, char *msg,
                  size_t msg_len);

/* Reads the comma-separated list of terms `list` (the command line's and
   the library's) into out[0 .. max - 1]: their count, or -1 with the
   reason in msg and the offset of the term at fault in *at. A term given
   twice is refused. */
int jg_terms_parse(const char *list, size_t n_in, char *const *names, jg_term *out, size_t max, char *msg,
                   size_t msg_len, size_t *at);

/* Whether a and b are the same term. */
int jg_term_same(const jg_term *a, const jg_term *b);

/* The channels of the terms' partial derivatives: the monomials that
   divide some term (the terms' Taylor coefficients need exactly these:
   a product or a power adds degrees, so nothing outside contributes),
   the constant first, degree by degree. Each channel of a value holds
   its Taylor coefficient of that monomial; a term's partial derivative
   is its channel times the product of its inputs' multiplicities'
   factorials. */
typedef struct jg_monos {
    size_t n;                   /* channels */
    int order;                  /* the highest degree */
    jg_term *mono;              /* [n] (owned) */
    size_t n_pairs;             /* products of two non-constant monomials within the set: */
    unsigned short *pairs;      /* [n_pairs][3]: i, j, k with mono i times mono j = mono k (owned),
                                   by i's degree, then by k */
    size_t upto[JG_MAX_TERM_ORDER + 1];     /* pairs whose i has degree <= d: a prefix (Horner's rule
                                               on a series of degree d needs only these) */
    size_t n_terms;
    size_t *of_term;            /* [n_terms]: each term's channel (owned) */
    double *factor;             /* [n_terms]: its factorials' product (owned) */
    size_t *first;              /* [n_in]: the channel of input i's first-degree monomial, or 0 (owned) */
} jg_monos;

/* The channels of terms[0 .. n_terms - 1] of a network of n_in inputs into
   *m: 0, or -1 (out of memory, or more than JG_MAX_CHANNELS channels). */
int jg_monos_make(const jg_term *terms, size_t n_terms, size_t n_in, jg_monos *m);
void jg_monos_free(jg_monos *m);

/* The runs of channels of m that its terms read, as pairs (first channel,
   count) in increasing order into runs (room for 2 m->n): their count, or
   0 when the terms read every channel (or there are none). A final dense
   layer whose values only the results read computes these alone. */
size_t jg_monos_runs(const jg_monos *m, size_t *runs);

/* Appends term t's name to out: its inputs' names side by side where every
   input has a one-character name, else joined by '*' (numbers for unnamed
   inputs); "" (two quotes) for u. */
void jg_term_name(const jg_term *t, size_t n_in, char *const *names, jg_buf *out);

#endif
