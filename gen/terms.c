/* terms.c: reading and naming terms (see terms.h). */
#include "terms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Whether every input has a name of one character. */
static int single_letters(size_t n_in, char *const *names)
{
    size_t i;
    if (names == NULL)
        return 0;
    for (i = 0; i < n_in; i++)
        if (strlen(names[i]) != 1)
            return 0;
    return 1;
}

/* Whether text[0 .. len) is digits alone. */
static int digits_only(const char *text, size_t len)
{
    size_t k;
    for (k = 0; k < len; k++)
        if (text[k] < '0' || text[k] > '9')
            return 0;
    return 1;
}

/* The input whose name is text[0 .. len), or n_in (names NULL: none). */
static size_t name_of(const char *text, size_t len, size_t n_in, char *const *names)
{
    size_t i;
    for (i = 0; names != NULL && i < n_in; i++)
        if (strlen(names[i]) == len && memcmp(names[i], text, len) == 0)
            return i;
    return n_in;
}

/* The input text[0 .. len) names (a name, or a component number), or n_in. */
static size_t input_of(const char *text, size_t len, size_t n_in, char *const *names)
{
    size_t i, v = 0;
    if ((i = name_of(text, len, n_in, names)) < n_in)
        return i;
    if (len == 0 || len > 6 || !digits_only(text, len))
        return n_in;
    for (i = 0; i < len; i++)
        v = v * 10 + (size_t)(text[i] - '0');
    return v < n_in ? v : n_in;
}

/* Adds input i to t, keeping its inputs in increasing order; -1 past the order. */
static int add_input(jg_term *t, size_t i)
{
    int k;
    if (t->order == JG_MAX_TERM_ORDER)
        return -1;
    for (k = t->order; k > 0 && t->in[k - 1] > i; k--)
        t->in[k] = t->in[k - 1];
    t->in[k] = i;
    t->order++;
    return 0;
}

static void said(char *msg, size_t msg_len, const char *text, size_t len, const char *why)
{
    snprintf(msg, msg_len, "term '%.*s': %s", (int)(len < 64 ? len : 64), text, why);
}

int jg_term_parse(const char *text, size_t len, size_t n_in, char *const *names, jg_term *out, char *msg,
                  size_t msg_len)
{
    const char *star = len > 0 ? (const char *)memchr(text, '*', len) : NULL;
    jg_term t;
    size_t k, i;
    int digits;
    char why[160];
    memset(&t, 0, sizeof t);
    if (len == 0 || (len == 2 && text[0] == '"' && text[1] == '"')) {
        *out = t;
        return 0;
    }
    if (star != NULL) {         /* names or numbers joined by '*' */
        size_t from = 0;
        for (k = 0; k <= len; k++) {
            if (k < len && text[k] != '*')
                continue;
            i = input_of(text + from, k - from, n_in, names);
            if (i == n_in) {
                snprintf(why, sizeof why, "'%.*s' is not an input (%s)", (int)(k - from < 32 ? k - from : 32),
                         text + from, names != NULL ? "a name of 'input', or a number from 0" : "a number from 0");
                said(msg, msg_len, text, len, why);
                return -1;
            }
            if (add_input(&t, i) != 0)
                goto too_high;
            from = k + 1;
        }
        *out = t;
        return 0;
    }
    i = input_of(text, len, n_in, names);
    digits = digits_only(text, len) && name_of(text, len, n_in, names) == n_in;
    if (len > 1 && (digits ? n_in <= 10 : single_letters(n_in, names))) {
        /* one character an input; a whole name of several characters only
           where no split reads it too */
        for (k = 0; k < len; k++) {
            const size_t c = input_of(text + k, 1, n_in, names);
            if (c == n_in) {
                snprintf(why, sizeof why, "'%c' is not an input (%s)", text[k],
                         names != NULL && !digits ? "one-character input names side by side, or names joined by '*'"
                                                  : "component digits side by side, or numbers joined by '*'");
                said(msg, msg_len, text, len, why);
                return -1;
            }
            if (add_input(&t, c) != 0)
                goto too_high;
        }
        *out = t;
        return 0;
    }
    if (i == n_in) {
        said(msg, msg_len, text, len, names != NULL ? "not an input: write input names side by side where each "
             "is one character (xxt), else joined by '*' (x1*x1*x2)" : "not an input: write component numbers "
             "joined by '*' (0*0*1)");
        return -1;
    }
    add_input(&t, i);
    *out = t;
    return 0;
too_high:
    snprintf(why, sizeof why, "order above %d, the highest jetgen computes", JG_MAX_TERM_ORDER);
    said(msg, msg_len, text, len, why);
    return -1;
}

int jg_term_same(const jg_term *a, const jg_term *b)
{
    int k;
    if (a->order != b->order)
        return 0;
    for (k = 0; k < a->order; k++)
        if (a->in[k] != b->in[k])
            return 0;
    return 1;
}

int jg_terms_parse(const char *list, size_t n_in, char *const *names, jg_term *out, size_t max, char *msg,
                   size_t msg_len, size_t *at)
{
    size_t n = 0, from = 0, k, j, len = strlen(list);
    for (k = 0; k <= len; k++) {
        if (k < len && list[k] != ',')
            continue;
        *at = from;
        if (n == max) {
            snprintf(msg, msg_len, "more than %zu terms", max);
            return -1;
        }
        if (jg_term_parse(list + from, k - from, n_in, names, &out[n], msg, msg_len) != 0)
            return -1;
        for (j = 0; j < n; j++)
            if (jg_term_same(&out[j], &out[n])) {
                said(msg, msg_len, list + from, k - from, "given twice");
                return -1;
            }
        n++;
        from = k + 1;
    }
    return (int)n;
}

void jg_term_name(const jg_term *t, size_t n_in, char *const *names, jg_buf *out)
{
    const int letters = single_letters(n_in, names);
    int k;
    if (t->order == 0) {
        jg_buf_puts(out, "\"\"");
        return;
    }
    for (k = 0; k < t->order; k++) {
        if (k > 0 && !letters)
            jg_buf_puts(out, "*");
        if (names != NULL)
            jg_buf_puts(out, names[t->in[k]]);
        else
            jg_buf_printf(out, "%zu", t->in[k]);
    }
}

/* Whether a comes before b: degree, then inputs in order. */
static int before(const jg_term *a, const jg_term *b)
{
    int k;
    if (a->order != b->order)
        return a->order < b->order;
    for (k = 0; k < a->order; k++)
        if (a->in[k] != b->in[k])
            return a->in[k] < b->in[k];
    return 0;
}

/* Adds t and every monomial dividing it to set[0 .. *n), each once. */
static void add_divisors(const jg_term *t, jg_term *set, size_t *n)
{
    size_t i;
    int k;
    for (i = 0; i < *n; i++)
        if (jg_term_same(&set[i], t))
            return;
    set[(*n)++] = *t;
    for (k = 0; k < t->order; k++) {
        jg_term d;
        int j, o = 0;
        if (k > 0 && t->in[k] == t->in[k - 1])
            continue;           /* the same divisor as the one before */
        memset(&d, 0, sizeof d);
        for (j = 0; j < t->order; j++)
            if (j != k)
                d.in[o++] = t->in[j];
        d.order = o;
        add_divisors(&d, set, n);
    }
}

/* The product of a and b (orders summing to at most JG_MAX_TERM_ORDER). */
static jg_term product_of(const jg_term *a, const jg_term *b)
{
    jg_term r;
    int i = 0, j = 0, o = 0;
    memset(&r, 0, sizeof r);
    while (i < a->order || j < b->order)
        r.in[o++] = j >= b->order || (i < a->order && a->in[i] <= b->in[j]) ? a->in[i++] : b->in[j++];
    r.order = o;
    return r;
}

/* A pair's place in m's order: its first monomial's degree, then the
   product's channel, then the two factors (n <= JG_MAX_CHANNELS: no
   overflow). */
typedef struct pair_key {
    size_t key;
    unsigned short p[3];
} pair_key;

static int pair_order(const void *a, const void *b)
{
    const size_t x = ((const pair_key *)a)->key, y = ((const pair_key *)b)->key;
    return x < y ? -1 : x > y;
}

/* m's pairs by their first monomial's degree (upto[] counts prefixes of
   them), and within a degree by the product's channel: a Horner step
   adds each channel's products in one run, its sum in a register. 0, or
   -1 out of memory. */
static int sort_pairs(jg_monos *m)
{
    const size_t n = m->n;
    pair_key *k = (pair_key *)jg_malloc_n(m->n_pairs + 1, sizeof *k);
    size_t e;
    if (k == NULL)
        return -1;
    for (e = 0; e < m->n_pairs; e++) {
        const unsigned short *p = m->pairs + 3 * e;
        k[e].key = (((size_t)m->mono[p[0]].order * n + p[2]) * n + p[0]) * n + p[1];
        memcpy(k[e].p, p, sizeof k[e].p);
    }
    qsort(k, m->n_pairs, sizeof *k, pair_order);
    for (e = 0; e < m->n_pairs; e++)
        memcpy(m->pairs + 3 * e, k[e].p, sizeof k[e].p);
    jg_free(k);
    return 0;
}

int jg_monos_make(const jg_term *terms, size_t n_terms, size_t n_in, jg_monos *m)
{
    /* a term of order 4 has at most 16 divisors */
    const size_t most = (n_terms + 1) * 16;
    size_t i, j, k, n = 0;
    memset(m, 0, sizeof *m);
    m->mono = (jg_term *)jg_malloc_n(most, sizeof *m->mono);
    m->of_term = (size_t *)jg_malloc_n(n_terms + 1, sizeof *m->of_term);
    m->factor = (double *)jg_malloc_n(n_terms + 1, sizeof *m->factor);
    m->first = (size_t *)jg_malloc_n(n_in + 1, sizeof *m->first);
    if (m->mono == NULL || m->of_term == NULL || m->factor == NULL || m->first == NULL)
        goto fail;
    memset(m->first, 0, (n_in + 1) * sizeof *m->first);
    memset(&m->mono[0], 0, sizeof m->mono[0]);
    n = 1;                      /* the constant, always */
    for (i = 0; i < n_terms; i++)
        add_divisors(&terms[i], m->mono, &n);
    if (n > JG_MAX_CHANNELS)
        goto fail;
    for (i = 1; i < n; i++)     /* in order (insertion: few monomials) */
        for (j = i; j > 0 && before(&m->mono[j], &m->mono[j - 1]); j--) {
            const jg_term t = m->mono[j];
            m->mono[j] = m->mono[j - 1];
            m->mono[j - 1] = t;
        }
    m->n = n;
    for (i = 0; i < n; i++) {
        if (m->mono[i].order > m->order)
            m->order = m->mono[i].order;
        if (m->mono[i].order == 1)
            m->first[m->mono[i].in[0]] = i;
    }
    for (k = 0; k < 2; k++) {   /* count the pairs, then list them (then in order) */
        m->n_pairs = 0;
        for (i = 1; i < n; i++)
            for (j = 1; j < n; j++) {
                jg_term r;
                size_t t;
                if (m->mono[i].order + m->mono[j].order > m->order)
                    continue;
                r = product_of(&m->mono[i], &m->mono[j]);
                for (t = 1; t < n && !jg_term_same(&m->mono[t], &r); t++)
                    ;
                if (t == n)
                    continue;
                if (k == 1) {
                    m->pairs[3 * m->n_pairs] = (unsigned short)i;
                    m->pairs[3 * m->n_pairs + 1] = (unsigned short)j;
                    m->pairs[3 * m->n_pairs + 2] = (unsigned short)t;
                }
                m->n_pairs++;
            }
        if (k == 0 && (m->pairs = (unsigned short *)jg_malloc_n(3 * m->n_pairs + 3, sizeof *m->pairs)) == NULL)
            goto fail;
    }
    if (sort_pairs(m) != 0)
        goto fail;
    for (k = 0; k <= JG_MAX_TERM_ORDER; k++)
        for (i = 0; i < m->n_pairs; i++)
            m->upto[k] += m->mono[m->pairs[3 * i]].order <= (int)k;
    m->n_terms = n_terms;
    for (i = 0; i < n_terms; i++) {
        int a, run = 1;
        for (j = 0; !jg_term_same(&m->mono[j], &terms[i]); j++)
            ;
        m->of_term[i] = j;
        m->factor[i] = 1.0;
        for (a = 1; a < terms[i].order; a++) {      /* the multiplicities' factorials */
            run = terms[i].in[a] == terms[i].in[a - 1] ? run + 1 : 1;
            m->factor[i] *= run;
        }
    }
    return 0;
fail:
    jg_monos_free(m);
    return -1;
}

size_t jg_monos_runs(const jg_monos *m, size_t *runs)
{
    size_t c, t, n_runs = 0, n_read = 0;
    for (c = 0; c < m->n; c++) {
        for (t = 0; t < m->n_terms && m->of_term[t] != c; t++)
            ;
        if (t == m->n_terms)
            continue;
        if (n_runs == 0 || runs[2 * n_runs - 2] + runs[2 * n_runs - 1] != c) {     /* a new run */
            runs[2 * n_runs] = c;
            runs[2 * n_runs++ + 1] = 0;
        }
        runs[2 * n_runs - 1]++;
        n_read++;
    }
    return n_read == m->n ? 0 : n_runs;
}

void jg_monos_free(jg_monos *m)
{
    jg_free(m->mono);
    jg_free(m->pairs);
    jg_free(m->of_term);
    jg_free(m->factor);
    jg_free(m->first);
    memset(m, 0, sizeof *m);
}
