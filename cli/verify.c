/* verify.c: `jetgen verify SPEC`: the emitted functions (compiled by the
   JIT, or a shared object the user built from the emitted file) against an
   independent computation (fdiff.c: the network in long double, derivatives
   by central differences with Romberg extrapolation), at sample points;
   prints the worst error of each quantity and exits non-zero when one is
   above the tolerance. With --reference, the reference is the numbers of
   a file instead (the module's, as tools/jetgen_export.py writes them). */
#include <dlfcn.h>
#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "emit.h"
#include "fdiff.h"
#include "jetgen.h"
#include "load.h"
#include "mem.h"
#include "model.h"
#include "plan.h"
#include "taylor.h"

static const char usage_verify[] =
    "usage: jetgen verify SPEC [--points FILE | --range R --count N --seed S]\n"
    "                     [--precision double|float] [--tolerance T]\n"
    "                     [--library FILE.so [--prefix NAME] | --backend jit|executor]\n"
    "\n"
    "Checks u, du/dx, d2u/dx2, its diagonal and the Laplacian, from every emitted\n"
    "function, against the network in long double with derivatives by central\n"
    "differences and Richardson extrapolation. Prints the worst error of each\n"
    "quantity; exits 1 if one is above the tolerance.\n"
    "  --points FILE     text or .npy, as for eval; `-` for stdin\n"
    "  --range R         else points drawn uniformly: R is LO:HI for every input,\n"
    "                    or NAME=LO:HI,... per input (names of `input`, or\n"
    "                    numbers from 0; inputs not named keep -1:1)\n"
    "                    (default -1:1), --count of them (default 16), from a\n"
    "                    fixed --seed (default 1; splitmix64)\n"
    "  --precision P     the precision of the code checked (default double)\n"
    "  --tolerance T     the largest error allowed (default 1e-8 in double; in\n"
    "                    float, per quantity from float's epsilon and the\n"
    "                    network's conditioning)\n"
    "  --backend B       the library's back end checked: jit (default; libtcc)\n"
    "                    or executor (the plan walked in C)\n"
    "  --library FILE.so check this shared object, built from the emitted file\n"
    "                    of the same SPEC, instead of the JIT's code; its\n"
    "                    functions are NAME_eval, ... (--prefix, default model)\n"
    "  --reference FILE  check against the numbers in FILE instead: JSON with\n"
    "                    \"points\", \"u\", \"du\" and \"d2u\" (the full Hessian) as\n"
    "                    `jetgen eval --format json` writes them, e.g. PyTorch's\n"
    "                    for the module (jetgen_export.py --reference); the\n"
    "                    tolerance defaults to 1e-10 (in float, as above)\n"
    "  --terms LIST      partial derivatives of order 0 to 4, comma-separated\n"
    "                    (xxx,xxxx; \"\" for u), in place of the spec's `terms`:\n"
    "                    each checked against the network on Taylor polynomials\n"
    "                    in long double (the library's partials; tolerance as\n"
    "                    above, 2e-4 in float)\n";

/* The reference file: its points, and u, du, d2u at each (in the layouts
   of the emitted functions). */
typedef struct reference {
    double *u, *du, *d2u;
} reference;

/* Numbers of a JSON array nested `depth` deep, each level as long as
   dims[], into out (row-major); the place of a mismatch in *why. */
static int json_numbers(const json_t *a, const size_t *dims, int depth, double *out, size_t *at,
                        const char **why)
{
    size_t i;
    if (depth == 0) {
        if (!json_is_number(a)) {
            *why = json_is_null(a) ? "a null (NaN or an infinity)" : "something that is not a number";
            return -1;
        }
        out[(*at)++] = json_number_value(a);
        return 0;
    }
    if (!json_is_array(a) || json_array_size(a) != dims[0]) {
        *why = "an array of the wrong length for the network";
        return -1;
    }
    for (i = 0; i < dims[0]; i++)
        if (json_numbers(json_array_get(a, i), dims + 1, depth - 1, out, at, why) != 0)
            return -1;
    return 0;
}

/* Reads FILE into pts and r for m. 0, or -1 with the reason in d. */
static int read_reference(const char *path, const jg_model *m, cli_points *pts, reference *r, jg_diag *d)
{
    static const char *const key[4] = {"points", "u", "du", "d2u"};
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    const json_t *points;
    double **dst[4];
    size_t n, k, dims[4][5];
    int depth[4] = {2, 2, 3, 4}, rc = -1, overflow = 0;
    if (root == NULL) {
        jg_diag_error(d, path, je.line, je.column, "not a reference file: %s", je.text);
        return -1;
    }
    points = json_object_get(root, "points");
    if (!json_is_array(points) || (n = json_array_size(points)) == 0) {
        jg_diag_error(d, path, 0, 0, "no \"points\" array (a reference is JSON with \"points\", \"u\", "
                      "\"du\", \"d2u\")");
        goto done;
    }
    for (k = 0; k < 4; k++)
        dims[k][0] = n;
    dims[0][1] = m->n_in;
    dims[1][1] = dims[2][1] = dims[3][1] = m->n_out;
    dims[2][2] = dims[3][2] = dims[3][3] = m->n_in;
    dst[0] = &pts->x;
    dst[1] = &r->u;
    dst[2] = &r->du;
    dst[3] = &r->d2u;
    for (k = 0; k < 4; k++) {
        size_t len = n, at = 0;
        int j;
        const char *why = NULL;
        for (j = 1; j < depth[k]; j++)
            len = jg_mul(len, dims[k][j], &overflow);
        *dst[k] = (double *)jg_malloc_n(len, sizeof(double));
        if (overflow || *dst[k] == NULL) {
            jg_diag_error(d, path, 0, 0, "out of memory for %zu points", n);
            goto done;
        }
        if (json_numbers(json_object_get(root, key[k]), dims[k], depth[k], *dst[k], &at, &why) != 0) {
            jg_diag_error(d, path, 0, 0, "\"%s\" holds %s (%zu points, %zu inputs, %zu outputs)", key[k],
                          why, n, m->n_in, m->n_out);
            goto done;
        }
    }
    pts->n = n;
    rc = 0;
done:
    json_decref(root);
    return rc;
}

enum { Q_U, Q_DU, Q_D2U, Q_DIAG, Q_LAP, N_Q };
static const char *const q_name[N_Q] = {"u", "du", "d2u", "d2u_diag", "lap"};
/* A function of the shared object, cast to its real type before a call. */
typedef void (*library_fn)(void);

static const char *const fn_suffix[JG_N_MODES] = {"eval", "jacobian", "hessian", "hessian_diag",
                                                  "laplacian"};

/* The worst error of a quantity, and where. */
typedef struct worst {
    double err, jet, ref;
    size_t point, entry;
    int mode;
    size_t judged, unjudged;
    size_t not_finite;      /* judged entries where the network itself is NaN or infinite */
    unsigned modes;         /* bits: the functions that gave this quantity */
} worst;

/* The quantities a mode's function gives, as bits of Q_*. */
static unsigned quantities_of(int mode)
{
    static const unsigned q[JG_N_MODES] = {1u << Q_U, 1u << Q_U | 1u << Q_DU,
                                           1u << Q_U | 1u << Q_DU | 1u << Q_D2U,
                                           1u << Q_U | 1u << Q_DU | 1u << Q_DIAG,
                                           1u << Q_U | 1u << Q_DU | 1u << Q_LAP};
    return q[mode];
}

/* Numbers in a quantity for one point. */
static size_t q_len(const jg_model *m, int q)
{
    return q == Q_U || q == Q_LAP ? m->n_out : q == Q_D2U ? m->n_out * m->n_in * m->n_in
         : q == Q_DIAG ? m->n_out * m->n_over : m->n_out * m->n_in;
}

/* The scale of a quantity's errors at a point: its largest |ref|, at least
   floor_scale (1e-3 of the point's largest number). */
static long double q_scale(const long double *ref, size_t len, long double floor_scale)
{
    long double scale = floor_scale;
    size_t k;
    for (k = 0; k < len; k++)
        if (isfinite(ref[k]) && fabsl(ref[k]) > scale)      /* an infinity would hide every error */
            scale = fabsl(ref[k]);
    return scale;
}

/* The largest |number| of any quantity of one point. */
static long double point_biggest(const jg_model *m, long double *const *ref)
{
    long double biggest = 0;
    int q;
    for (q = 0; q < N_Q; q++) {
        const long double s = q_scale(ref[q], q_len(m, q), 0);
        if (s > biggest)
            biggest = s;
    }
    return biggest;
}

/* The next number of splitmix64 from state *s, uniform in [0, 1). */
static double next_uniform(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* Quantities diag and lap of one point from its full d2u (and the same of
   their error estimates, when err is not NULL). */
static void fold_second(const jg_model *m, long double **ref, long double **err)
{
    const size_t ni = m->n_in;
    size_t k, i;
    for (k = 0; k < m->n_out; k++) {
        ref[Q_LAP][k] = 0;
        if (err != NULL)
            err[Q_LAP][k] = 0;
        for (i = 0; i < m->n_over; i++) {      /* over the chosen inputs (spec: over) */
            const size_t s = m->over != NULL ? m->over[i] : i, at = (k * ni + s) * ni + s;
            ref[Q_DIAG][k * m->n_over + i] = ref[Q_D2U][at];
            ref[Q_LAP][k] += ref[Q_D2U][at];
            if (err != NULL) {
                err[Q_DIAG][k * m->n_over + i] = err[Q_D2U][at];
                err[Q_LAP][k] += err[Q_D2U][at];
            }
        }
    }
}

/* The numbers of layer i's arrays (weights, bias, a scale's factors and
   terms) as (pointer, count) pairs into a; their number. */
static size_t layer_arrays(jg_layer *l, double **a, size_t *n)
{
    size_t c = 0;
    if (jg_kinds[l->kind].halves == 0 && !jg_kinds[l->kind].vectors)
        return 0;
    if (l->w != NULL)
        a[c] = l->w, n[c++] = jg_layer_tensor_count(l, 0);
    if (l->b != NULL)
        a[c] = l->b, n[c++] = l->n_out;
    return c;
}

/* How far the rounding of a sum of n products carries beyond that of one
   product: each partial sum is rounded, and n roundings of random sign
   grow as sqrt(n). Weights of a layer summing n_in products (dense,
   matmul, fourier) are moved by sqrt(n_in) times float's unit roundoff, so
   that a 7720-wide sum gets the tolerance its rounding needs (found by
   fuzz/differential.py); biases and scale factors enter once. */
static long double sum_growth(const jg_layer *l, size_t array)
{
    if (array == 0 && jg_kinds[l->kind].halves > 0 && l->n_in > 1)
        return sqrtl((long double)l->n_in);
    return 1;
}

#define FLOAT_TRIALS 2      /* perturbed networks */
#define FLOAT_MARGIN 16.0   /* the tolerance over the largest change they make */

/* The tolerances of float, one per quantity, from float's epsilon and the
   network's conditioning: the long-double reference of the network is
   computed again with every weight, bias and scale factor, and x, moved
   by a random relative amount of at most float's unit roundoff (what
   rounding them to float does, and about what float's rounding in each
   activation does; weights of a sum of n products by sqrt(n) times that,
   for the rounding of the sum: sum_growth), FLOAT_TRIALS times; a quantity's tolerance is
   FLOAT_MARGIN times the largest change (the error measure of judge) at
   any point, and at least 32 FLT_EPSILON. m's numbers are restored. 0, or
   -1: out of memory. */
static int float_tolerances(jg_model *m, const cli_points *pts, double *tolq)
{
    const size_t ni = m->n_in, no = m->n_out;
    const long double u_f = (long double)FLT_EPSILON / 2;
    jg_fdiff *fd = jg_fdiff_new(m);
    long double *base[N_Q], *pert[N_Q], *e_du = NULL, *e_d2 = NULL;
    double *saved = NULL, *xp = NULL;
    double *arr[4];
    size_t cnt[4], n_saved = 0, i, j, k, p, c, t;
    unsigned long long s;
    int q, rc = -1;
    memset(base, 0, sizeof base);
    memset(pert, 0, sizeof pert);
    for (i = 0; i < m->n_layers; i++)
        for (c = layer_arrays(&m->layers[i], arr, cnt); c-- > 0;)
            n_saved += cnt[c];
    saved = (double *)jg_malloc_n(n_saved + 1, sizeof *saved);
    xp = (double *)jg_malloc_n(ni, sizeof *xp);
    e_du = (long double *)jg_malloc_n(no * ni, sizeof *e_du);
    e_d2 = (long double *)jg_malloc_n(no * ni * ni, sizeof *e_d2);
    for (q = 0; q < N_Q; q++) {
        base[q] = (long double *)jg_malloc_n(q_len(m, q), sizeof(long double));
        pert[q] = (long double *)jg_malloc_n(q_len(m, q), sizeof(long double));
        if (base[q] == NULL || pert[q] == NULL)
            goto done;
        tolq[q] = 0;
    }
    if (fd == NULL || saved == NULL || xp == NULL || e_du == NULL || e_d2 == NULL)
        goto done;
    for (i = 0, k = 0; i < m->n_layers; i++)
        for (c = layer_arrays(&m->layers[i], arr, cnt); c-- > 0; k += cnt[c])
            memcpy(saved + k, arr[c], cnt[c] * sizeof *saved);
    for (p = 0; p < pts->n; p++) {
        const double *x = pts->x + p * ni;
        long double biggest;
        if (jg_fdiff_jet(fd, x, base[Q_U], base[Q_DU], e_du, base[Q_D2U], e_d2) != 0)
            goto done;
        fold_second(m, base, NULL);
        biggest = point_biggest(m, base);
        for (t = 1; t <= FLOAT_TRIALS; t++) {
            s = 0x6a09e667f3bcc908ull * t + p;
            for (i = 0; i < m->n_layers; i++)
                for (c = layer_arrays(&m->layers[i], arr, cnt); c-- > 0;) {
                    const long double amp = u_f * sum_growth(&m->layers[i], c);
                    for (j = 0; j < cnt[c]; j++)
                        arr[c][j] = (double)((long double)arr[c][j] * (1 + amp * (2 * next_uniform(&s) - 1)));
                }
            for (i = 0; i < ni; i++)
                xp[i] = (double)((long double)x[i] * (1 + u_f * (2 * next_uniform(&s) - 1)));
            rc = jg_fdiff_jet(fd, xp, pert[Q_U], pert[Q_DU], e_du, pert[Q_D2U], e_d2);
            for (i = 0, k = 0; i < m->n_layers; i++)       /* m as it was */
                for (c = layer_arrays(&m->layers[i], arr, cnt); c-- > 0; k += cnt[c])
                    memcpy(arr[c], saved + k, cnt[c] * sizeof *saved);
            if (rc != 0)
                goto done;
            rc = -1;
            fold_second(m, pert, NULL);
            for (q = 0; q < N_Q; q++) {
                const long double scale = q_scale(base[q], q_len(m, q), 1e-3L * biggest);
                long double change = 0;
                for (k = 0; scale > 0 && k < q_len(m, q); k++)
                    if (fabsl(pert[q][k] - base[q][k]) / scale > change)
                        change = fabsl(pert[q][k] - base[q][k]) / scale;
                if (FLOAT_MARGIN * (double)change > tolq[q])
                    tolq[q] = FLOAT_MARGIN * (double)change;
            }
        }
    }
    for (q = 0; q < N_Q; q++)
        if (tolq[q] < 32 * FLT_EPSILON)
            tolq[q] = 32 * FLT_EPSILON;
    rc = 0;
done:
    for (q = 0; q < N_Q; q++) {
        jg_free(base[q]);
        jg_free(pert[q]);
    }
    jg_free(saved);
    jg_free(xp);
    jg_free(e_du);
    jg_free(e_d2);
    jg_fdiff_free(fd);
    return rc;
}

/* "entry" of quantity q as indices: u[k], du[k][i], d2u[k][i][j]. */
static void print_entry(const jg_model *m, int q, size_t e)
{
    const size_t ni = m->n_in;
    if (q == Q_U || q == Q_LAP)
        printf("%s[%zu]", q_name[q], e);
    else if (q == Q_D2U)
        printf("%s[%zu][%zu][%zu]", q_name[q], e / (ni * ni), e / ni % ni, e % ni);
    else if (q == Q_DIAG)
        printf("%s[%zu][%zu]", q_name[q], e / m->n_over, e % m->n_over);
    else
        printf("%s[%zu][%zu]", q_name[q], e / ni, e % ni);
}

static void print_point(const jg_model *m, const double *x)
{
    size_t i;
    printf("(");
    for (i = 0; i < m->n_in; i++)
        printf("%s%.17g", i ? ", " : "", x[i]);
    printf(")");
}

/* Folds the jets of one point, quantity q from function mode, into w:
   jet and ref [len], err the reference's error estimates. */
static void judge(worst *w, int mode, size_t point, const double *jet, const long double *ref,
                  const long double *err, size_t len, long double floor_scale, double tol)
{
    const long double scale = q_scale(ref, len, floor_scale);
    size_t k;
    for (k = 0; k < len; k++) {
        double e;
        if (scale > 0 && err[k] / scale > tol / 4) {
            w->unjudged++;
            continue;
        }
        w->judged++;
        e = scale > 0 ? (double)(fabsl((long double)jet[k] - ref[k]) / scale)
                      : fabs(jet[k]) > 0 ? HUGE_VAL : 0.0;
        if (isnan(jet[k]))
            e = HUGE_VAL;
        /* where the network itself is not finite (1/0, an overflow), the
           code agrees when it gives the same: NaN for NaN, the same
           infinity */
        if (!isfinite(ref[k]) && (isnan(ref[k]) ? isnan(jet[k]) : (long double)jet[k] == ref[k]))
            e = 0;
        if (!isfinite(ref[k]))
            w->not_finite++;
        if (w->judged == 1 || e > w->err) {
            w->err = e;
            w->jet = jet[k];
            w->ref = (double)ref[k];
            w->point = point;
            w->entry = k;
            w->mode = mode;
        }
    }
}

/* Calls f, the library's function for mode (JG_MODE_*), at the n points x
   [n][N_IN] in the code's precision (is_float: x rounded to float, results
   widened); u, du and d2 (the mode's second derivatives) in double, each
   written only if the mode gives it. Returns 0, or -1: out of memory. */
static int call_library(library_fn f, int mode, int is_float, const jg_model *m, size_t n, const double *x,
                        double *u, double *du, double *d2)
{
    const size_t nx = n * m->n_in, nu = n * m->n_out, ndu = nu * m->n_in;
    const size_t nd2 = nu * jg_plan_per_output2(m, (jg_mode)mode);
    float *fx, *fu, *fdu, *fd2;
    size_t i;
    /* eval and jacobian take fewer arguments: each is called with its own type */
    if (!is_float) {
        if (mode == JG_MODE_VALUE)
            ((void (*)(size_t, const double *, double *))f)(n, x, u);
        else if (mode == JG_MODE_JACOBIAN)
            ((void (*)(size_t, const double *, double *, double *))f)(n, x, u, du);
        else
            ((void (*)(size_t, const double *, double *, double *, double *))f)(n, x, u, du, d2);
        return 0;
    }
    fx = (float *)jg_malloc_n(nx, sizeof *fx);
    fu = (float *)jg_malloc_n(nu, sizeof *fu);
    fdu = (float *)jg_malloc_n(ndu, sizeof *fdu);
    fd2 = (float *)jg_malloc_n(nd2, sizeof *fd2);
    if (fx == NULL || fu == NULL || fdu == NULL || fd2 == NULL) {
        jg_free(fx);
        jg_free(fu);
        jg_free(fdu);
        jg_free(fd2);
        return -1;
    }
    for (i = 0; i < nx; i++)
        fx[i] = (float)x[i];
    if (mode == JG_MODE_VALUE)
        ((void (*)(size_t, const float *, float *))f)(n, fx, fu);
    else if (mode == JG_MODE_JACOBIAN)
        ((void (*)(size_t, const float *, float *, float *))f)(n, fx, fu, fdu);
    else
        ((void (*)(size_t, const float *, float *, float *, float *))f)(n, fx, fu, fdu, fd2);
    for (i = 0; i < nu; i++)
        u[i] = fu[i];
    for (i = 0; mode >= 1 && i < ndu; i++)
        du[i] = fdu[i];
    for (i = 0; mode >= 2 && i < nd2; i++)
        d2[i] = fd2[i];
    jg_free(fx);
    jg_free(fu);
    jg_free(fdu);
    jg_free(fd2);
    return 0;
}

/* Calls f, the library's PREFIX_partials, at the n points x as
   call_library does: out [n][N_OUT][N_TERMS] in double. 0, or -1: out of
   memory. */
static int call_partials(library_fn f, int is_float, const jg_model *m, size_t n, const double *x, double *out)
{
    const size_t nx = n * m->n_in, no = n * m->n_out * m->n_terms;
    float *fx, *fo;
    size_t i;
    if (!is_float) {
        ((void (*)(size_t, const double *, double *))f)(n, x, out);
        return 0;
    }
    fx = (float *)jg_malloc_n(nx, sizeof *fx);
    fo = (float *)jg_malloc_n(no, sizeof *fo);
    if (fx == NULL || fo == NULL) {
        jg_free(fx);
        jg_free(fo);
        return -1;
    }
    for (i = 0; i < nx; i++)
        fx[i] = (float)x[i];
    ((void (*)(size_t, const float *, float *))f)(n, fx, fo);
    for (i = 0; i < no; i++)
        out[i] = fo[i];
    jg_free(fx);
    jg_free(fo);
    return 0;
}

/* What the shared object says it holds (PREFIX_info) against the spec
   (gen/emit.h, jg_emit_info_check): another network, precision or ABI is
   refused (its numbers would be read with the wrong sizes); other spec text
   with the same weights is a warning. 0, or -1 with the reason in d. */
static int check_library(void *lib, const char *library, const char *prefix, const jg_model *m,
                         const char *spec, int precision, jg_diag *d)
{
    char name[64 + 16];
    const char *(*info)(void);
    jg_buf why = JG_BUF_INIT;
    void *sym;
    int rc;
    snprintf(name, sizeof name, "%s_info", prefix);
    sym = dlsym(lib, name);
    if (sym == NULL) {
        jg_diag_error(d, library, 0, 0, "has no %s_info, so it cannot say which network it holds: "
                      "emit it again with this jetgen (%s)", prefix, JETGEN_VERSION);
        return -1;
    }
    memcpy(&info, &sym, sizeof info);
    rc = jg_emit_info_check(m, info(), precision == JG_NET_FLOAT ? JG_FLOAT : JG_DOUBLE, spec, &why);
    if (rc < 0)
        jg_diag_error(d, library, 0, 0, "%s", jg_buf_str(&why));
    else if (rc > 0)
        jg_diag_warning(d, library, 0, 0, "%s", jg_buf_str(&why));
    jg_buf_free(&why);
    return rc < 0 ? -1 : 0;
}

/* In `NAME=LO:HI,...`, the first entry whose NAME an earlier entry has,
   or NULL: a key given twice is a usage error, as an option given twice. */
static const char *repeated_key(const char *arg)
{
    const char *s;
    for (s = arg; s != NULL && *s != '\0'; s = strchr(s, ',') != NULL ? strchr(s, ',') + 1 : NULL) {
        const size_t len = strcspn(s, "=,");
        const char *t;
        for (t = arg; t < s; t = strchr(t, ',') + 1)
            if (strcspn(t, "=,") == len && strncmp(t, s, len) == 0)
                return s;
    }
    return NULL;
}

/* `NAME=LO:HI,...` (names of `input`, or numbers from 0) into lo, hi per
   input. 0, or -1 with the reason in d (an input given twice, by name and
   number, among them). */
static int parse_ranges(const char *arg, const jg_model *m, double *lo, double *hi, jg_diag *d)
{
    const char *s = arg;
    unsigned char *seen = (unsigned char *)jg_malloc(m->n_in + 1);
    if (seen == NULL) {
        jg_diag_error(d, "--range", 0, 0, "out of memory");
        return -1;
    }
    memset(seen, 0, m->n_in + 1);
    while (*s != '\0') {
        const char *eq = strchr(s, '='), *comma = strchr(s, ',');
        const size_t len = eq != NULL ? (size_t)(eq - s) : 0;
        size_t i = m->n_in;
        double a, b;
        char *end;
        if (eq == NULL || (comma != NULL && comma < eq) || len == 0) {
            jg_diag_error(d, "--range", 0, 0, "'%s': write NAME=LO:HI for each input, separated by commas", arg);
            jg_free(seen);
            return -1;
        }
        if (m->input_names != NULL)
            for (i = 0; i < m->n_in; i++)
                if (strlen(m->input_names[i]) == len && strncmp(m->input_names[i], s, len) == 0)
                    break;
        if (i == m->n_in && s[0] >= '0' && s[0] <= '9') {
            i = (size_t)strtoul(s, &end, 10);
            if (end != eq)
                i = m->n_in;
        }
        if (i >= m->n_in) {
            jg_diag_error(d, "--range", 0, 0, "'%.*s' is not an input of the network (%zu input%s%s)", (int)len, s,
                          m->n_in, m->n_in == 1 ? "" : "s", m->input_names != NULL ? ", named in its spec" : "");
            jg_free(seen);
            return -1;
        }
        a = strtod(eq + 1, &end);
        if (end == eq + 1 || *end != ':' || (b = strtod(end + 1, &end), *end != '\0' && *end != ',')
            || !(a < b) || !isfinite(a) || !isfinite(b)) {
            jg_diag_error(d, "--range", 0, 0, "'%.*s': LO:HI must be finite numbers with LO < HI", (int)len, s);
            jg_free(seen);
            return -1;
        }
        if (seen[i]) {
            jg_diag_error(d, "--range", 0, 0, "'%.*s': input %zu has a range already", (int)len, s, i);
            jg_free(seen);
            return -1;
        }
        seen[i] = 1;
        lo[i] = a;
        hi[i] = b;
        s = *end == ',' ? end + 1 : end;
    }
    jg_free(seen);
    return 0;
}

/* The command line of `jetgen verify`. */
typedef struct verify_args {
    const char *spec, *pfile, *library, *prefix, *rfile, *terms;
    const char *range_arg;      /* per input: NAME=LO:HI,..., read once the inputs are known */
    double lo, hi, tol;
    int derived;                /* float's tolerances from its epsilon and the network */
    unsigned long long seed;
    unsigned long count;
    int precision, backend;
} verify_args;

/* argv into a: -1 to go on, else the exit status (usage errors said,
   --help printed). */
static int parse_verify_args(int argc, char **argv, verify_args *a)
{
    size_t k;
    memset(a, 0, sizeof *a);
    a->prefix = "model";
    a->lo = -1;
    a->hi = 1;
    a->seed = 1;
    a->count = 16;
    a->precision = JG_NET_DOUBLE;
    a->backend = -1;
    for (k = 0; k < (size_t)argc; k++) {
        const char *o = argv[k], *v;
        char *end;
        if (strcmp(o, "--help") == 0) {
            fputs(usage_verify, stdout);
            return 0;
        }
        if (o[0] == '-' && o[1] != '\0' && k + 1 == (size_t)argc)
            return strcmp(o, "--points") == 0 || strcmp(o, "--range") == 0 || strcmp(o, "--count") == 0
                           || strcmp(o, "--seed") == 0 || strcmp(o, "--precision") == 0
                           || strcmp(o, "--tolerance") == 0 || strcmp(o, "--library") == 0
                           || strcmp(o, "--prefix") == 0 || strcmp(o, "--reference") == 0
                           || strcmp(o, "--backend") == 0 || strcmp(o, "--terms") == 0
                       ? cli_usage_error(usage_verify, "'%s' needs a value", o)
                       : cli_usage_error(usage_verify, "unknown option '%s'", o);
        v = k + 1 < (size_t)argc ? argv[k + 1] : "";
        errno = 0;
        if (strcmp(o, "--points") == 0) {
            a->pfile = v;
        } else if (strcmp(o, "--range") == 0 && strchr(v, '=') != NULL) {
            const char *twice = repeated_key(v);
            if (twice != NULL) {
                char msg[160];
                snprintf(msg, sizeof msg, "--range names input '%.*s' twice", (int)strcspn(twice, "="), twice);
                return cli_usage_error(usage_verify, "%s", msg);
            }
            a->range_arg = v;
        } else if (strcmp(o, "--range") == 0) {
            a->lo = strtod(v, &end);
            if (end == v || *end != ':' || (a->hi = strtod(end + 1, &end), *end != '\0')
                || !(a->lo < a->hi) || !isfinite(a->lo) || !isfinite(a->hi))
                return cli_usage_error(usage_verify, "--range takes LO:HI, finite numbers with LO < HI, "
                                       "not '%s'", v);
        } else if (strcmp(o, "--count") == 0) {
            a->count = strtoul(v, &end, 10);
            if (end == v || *end != '\0' || v[0] == '-' || a->count == 0 || a->count > 1000000 || errno)
                return cli_usage_error(usage_verify, "--count takes a number from 1 to 1000000, not '%s'", v);
        } else if (strcmp(o, "--seed") == 0) {
            a->seed = strtoull(v, &end, 10);
            if (end == v || *end != '\0' || v[0] == '-' || errno)
                return cli_usage_error(usage_verify, "--seed takes a whole number, not '%s'", v);
        } else if (strcmp(o, "--precision") == 0) {
            if (cli_parse_precision(v, &a->precision) != 0)
                return cli_usage_error(usage_verify, "--precision takes double or float, not '%s'", v);
        } else if (strcmp(o, "--tolerance") == 0) {
            a->tol = strtod(v, &end);
            if (end == v || *end != '\0' || !(a->tol > 0) || !isfinite(a->tol))
                return cli_usage_error(usage_verify, "--tolerance takes a positive number, not '%s'", v);
        } else if (strcmp(o, "--library") == 0) {
            a->library = v;
        } else if (strcmp(o, "--backend") == 0) {
            if (cli_parse_backend(v, &a->backend) != 0)
                return cli_usage_error(usage_verify, "--backend takes jit or executor, not '%s'", v);
        } else if (strcmp(o, "--reference") == 0) {
            a->rfile = v;
        } else if (strcmp(o, "--terms") == 0) {
            a->terms = v;
        } else if (strcmp(o, "--prefix") == 0) {
            a->prefix = v;
            if (jg_net_prefix_problem(a->prefix) != NULL)
                return cli_usage_error(usage_verify, "--prefix takes the C identifier given to emit, "
                                       "not '%s'", v);
        } else if (o[0] == '-' && o[1] != '\0') {
            return cli_usage_error(usage_verify, "unknown option '%s'", o);
        } else if (a->spec != NULL) {
            return cli_usage_error(usage_verify, "one SPEC only ('%s' is extra)", o);
        } else {
            a->spec = o;
            continue;
        }
        k++;
    }
    if (a->spec == NULL)
        return cli_usage_error(usage_verify, "%s", "no SPEC given");
    if (a->library != NULL && a->backend >= 0)
        return cli_usage_error(usage_verify, "%s", "--library checks a shared object: no --backend with it");
    if (a->rfile != NULL && a->pfile != NULL)
        return cli_usage_error(usage_verify, "%s", "--reference brings its own points: no --points with it");
    a->derived = a->tol == 0 && a->precision == JG_NET_FLOAT;
    if (a->tol == 0)
        a->tol = a->rfile != NULL ? 1e-10 : 1e-8;
    return -1;
}

/* The points: the reference file's (with its numbers into rf), the points
   file's, or count drawn from the ranges (rlo, rhi per input, set here);
   rounded to float for float code. 0, or -1 with the reason in d. */
static int verify_points(const verify_args *a, const jg_model *m, cli_points *pts, reference *rf, double **rlo,
                         double **rhi, jg_diag *d)
{
    const size_t ni = m->n_in;
    unsigned long long state;
    size_t k;
    if (a->rfile != NULL) {
        if (read_reference(a->rfile, m, pts, rf, d) != 0)
            return -1;
    } else if (a->pfile != NULL) {
        if (cli_points_load(a->pfile, ni, (const char *const *)m->input_names, pts, d) != 0)
            return -1;
        if (pts->n == 0) {
            jg_diag_error(d, a->pfile, 0, 0, "no points");
            return -1;
        }
    } else {
        int overflow = 0;
        pts->n = a->count;
        pts->x = (double *)jg_malloc(jg_mul(jg_mul(a->count, ni, &overflow), sizeof(double), &overflow));
        if (overflow || pts->x == NULL) {
            jg_diag_error(d, a->spec, 0, 0, "out of memory for %lu points", a->count);
            return -1;
        }
        *rlo = (double *)jg_malloc_n(ni, sizeof **rlo);
        *rhi = (double *)jg_malloc_n(ni, sizeof **rhi);
        if (*rlo == NULL || *rhi == NULL) {
            jg_diag_error(d, a->spec, 0, 0, "out of memory");
            return -1;
        }
        for (k = 0; k < ni; k++) {
            (*rlo)[k] = a->lo;
            (*rhi)[k] = a->hi;
        }
        if (a->range_arg != NULL && parse_ranges(a->range_arg, m, *rlo, *rhi, d) != 0)
            return -1;
        state = a->seed;
        for (k = 0; k < a->count * ni; k++)
            pts->x[k] = (*rlo)[k % ni] + ((*rhi)[k % ni] - (*rlo)[k % ni]) * next_uniform(&state);
    }
    if (a->precision == JG_NET_FLOAT)      /* the points the float code sees */
        for (k = 0; k < pts->n * ni; k++)
            pts->x[k] = (float)pts->x[k];
    return 0;
}

/* The functions under test: a shared object's (checked against the spec)
   or a handle's, whose modes have[] says. */
typedef struct under_test {
    void *lib;
    jg_net *net;
    library_fn fn[JG_N_MODES];       /* the library's functions, or NULL */
    library_fn partials;            /* its PREFIX_partials (the terms'), or NULL */
    int have[JG_N_MODES];           /* the mode's function is there */
} under_test;

static int open_under_test(const verify_args *a, const jg_model *m, under_test *t, jg_diag *d)
{
    int mode;
    if (a->library != NULL) {
        char name[64 + 16];
        t->lib = dlopen(a->library, RTLD_NOW | RTLD_LOCAL);
        if (t->lib == NULL) {
            jg_diag_error(d, a->library, 0, 0, "cannot load: %s", dlerror());
            return -1;
        }
        for (mode = 0; mode < JG_N_MODES; mode++) {
            void *sym;
            snprintf(name, sizeof name, "%s_%s", a->prefix, fn_suffix[mode]);
            sym = dlsym(t->lib, name);
            memcpy(&t->fn[mode], &sym, sizeof sym);
        }
        if (t->fn[JG_MODE_VALUE] == NULL || t->fn[JG_MODE_JACOBIAN] == NULL) {
            jg_diag_error(d, a->library, 0, 0, "has no %s_eval or %s_jacobian: emitted with another "
                          "--prefix?", a->prefix, a->prefix);
            return -1;
        }
        if (check_library(t->lib, a->library, a->prefix, m, a->spec, a->precision, d) != 0)
            return -1;
        {   /* the terms' (the report said they are the spec's) */
            void *sym;
            snprintf(name, sizeof name, "%s_partials", a->prefix);
            sym = dlsym(t->lib, name);
            memcpy(&t->partials, &sym, sizeof sym);
        }
        if (m->n_terms > 0 && t->partials == NULL) {
            jg_diag_error(d, a->library, 0, 0, "has no %s_partials, though its report names the terms",
                          a->prefix);
            return -1;
        }
        for (mode = 0; mode < JG_N_MODES; mode++)
            t->have[mode] = t->fn[mode] != NULL;
    } else {
        jg_net_options o;
        o.precision = a->precision;
        o.backend = a->backend >= 0 ? a->backend : JG_NET_JIT;
        if (jg_net_open(a->spec, &o, &t->net) != JG_NET_OK) {
            jg_diag_error(d, a->spec, 0, 0, "cannot compile the network: %s", jg_net_errmsg(t->net));
            return -1;
        }
        if (a->terms != NULL && jg_net_set_terms(t->net, a->terms) != JG_NET_OK) {
            jg_diag_error(d, a->spec, 0, 0, "%s", jg_net_errmsg(t->net));
            return -1;
        }
        for (mode = 0; mode < JG_N_MODES; mode++)
            t->have[mode] = 1;
    }
    return 0;
}

/* Every function under test at every point: jet[mode] = u, du and the
   mode's second derivatives (allocated here). 0, or -1 out of memory. */
static int run_jets(const verify_args *a, const jg_model *m, const under_test *t, const cli_points *pts,
                    double *jet[JG_N_MODES][3])
{
    const size_t ni = m->n_in, no = m->n_out;
    int mode;
    for (mode = 0; mode < JG_N_MODES; mode++) {
        const size_t len2 = mode == JG_MODE_HESSIAN ? q_len(m, Q_D2U) : mode == JG_MODE_DIAG
                            ? q_len(m, Q_DIAG) : q_len(m, Q_LAP);
        int overflow = 0;
        if (!t->have[mode])
            continue;
        jet[mode][0] = (double *)jg_malloc_n(jg_mul(pts->n, no, &overflow), sizeof(double));
        jet[mode][1] = (double *)jg_malloc_n(jg_mul(pts->n, no * ni, &overflow), sizeof(double));
        jet[mode][2] = (double *)jg_malloc_n(jg_mul(pts->n, len2, &overflow), sizeof(double));
        if (jet[mode][0] == NULL || jet[mode][1] == NULL || jet[mode][2] == NULL
            || (t->net != NULL
                    ? jg_net_run(t->net, mode, pts->n, pts->x, jet[mode][0], jet[mode][1], jet[mode][2])
                          != JG_NET_OK
                    : call_library(t->fn[mode], mode, a->precision == JG_NET_FLOAT, m, pts->n, pts->x,
                                   jet[mode][0], jet[mode][1], jet[mode][2]) != 0))
            return -1;
    }
    return 0;
}

/* The reference point by point (rf's numbers, or the long-double oracle)
   against the jets: the worst error of each quantity into w. 0, or -1
   with the reason in d. */
static int compare_jets(const verify_args *a, const jg_model *m, const under_test *t, const cli_points *pts,
                        const reference *rf, double *jet[JG_N_MODES][3], const double *tolq, worst *w,
                        jg_diag *d)
{
    const size_t ni = m->n_in, no = m->n_out;
    long double *ref[N_Q], *err[N_Q];
    jg_fdiff *fd = jg_fdiff_new(m);
    cli_progress progress;
    int q, mode, rc = 0, failed = 0;
    size_t p, k;
    memset(&progress, 0, sizeof progress);
    for (q = 0; q < N_Q; q++) {
        ref[q] = (long double *)jg_malloc_n(q_len(m, q), sizeof(long double));
        err[q] = (long double *)jg_malloc_n(q_len(m, q), sizeof(long double));
        failed |= ref[q] == NULL || err[q] == NULL;
    }
    if (fd == NULL || failed) {
        jg_diag_error(d, a->spec, 0, 0, "out of memory for the reference");
        rc = -1;
        goto done;
    }
    cli_progress_start(&progress, "verify");
    for (p = 0; p < pts->n; p++) {
        long double biggest = 0;
        cli_progress_show(&progress, p, pts->n);
        if (a->rfile != NULL) {
            for (k = 0; k < no; k++)
                ref[Q_U][k] = rf->u[p * no + k];
            for (k = 0; k < no * ni; k++) {
                ref[Q_DU][k] = rf->du[p * no * ni + k];
                err[Q_DU][k] = 0;
            }
            for (k = 0; k < no * ni * ni; k++) {
                ref[Q_D2U][k] = rf->d2u[p * no * ni * ni + k];
                err[Q_D2U][k] = 0;
            }
        } else if (jg_fdiff_jet(fd, pts->x + p * ni, ref[Q_U], ref[Q_DU], err[Q_DU], ref[Q_D2U], err[Q_D2U])
                   != 0) {
            jg_diag_error(d, a->spec, 0, 0, "out of memory for the reference");
            rc = -1;
            goto done;
        }
        for (k = 0; k < no; k++)
            err[Q_U][k] = 0;
        fold_second(m, ref, err);
        biggest = point_biggest(m, ref);
        for (mode = 0; mode < JG_N_MODES; mode++) {
            if (!t->have[mode])
                continue;
            for (q = 0; q < N_Q; q++) {
                const size_t len = q_len(m, q);
                const double *j = q == Q_U ? jet[mode][0] : q == Q_DU ? jet[mode][1] : jet[mode][2];
                if (!(quantities_of(mode) & (1u << q)))
                    continue;
                w[q].modes |= 1u << mode;
                judge(&w[q], mode, p, j + p * len, ref[q], err[q], len, 1e-3L * biggest, tolq[q]);
            }
        }
    }
done:
    cli_progress_end(&progress);
    for (q = 0; q < N_Q; q++) {
        jg_free(ref[q]);
        jg_free(err[q]);
    }
    jg_fdiff_free(fd);
    return rc;
}

/* The terms' partials in float: float's rounding at orders to 4 (a few
   thousand units of float's roundoff); --tolerance sets them too. */
#define TERMS_FLOAT_TOLERANCE 2e-4

/* The spec's terms (issue 25) from the handle (jg_net_partials) against
   the long-double Taylor oracle (gen/taylor.c: the network on truncated
   Taylor polynomials in the terms' inputs, with error estimates) at every
   point, judged as the jets are, into *wt. 0, or -1 with the reason in d. */
static int compare_terms(const verify_args *a, const jg_model *m, const under_test *t, const cli_points *pts,
                         double tol, worst *wt, jg_diag *d)
{
    const size_t ni = m->n_in, no = m->n_out, nt = m->n_terms;
    size_t vars[JG_TAYLOR_MAX_VARS], nv = 0, p, k, tt, i, all;
    int overflow = 0, rc = -1;
    jg_taylor *tay;
    double *out;
    long double *ref = NULL, *err = NULL, *r = NULL, *e = NULL;
    size_t *where = NULL;
    for (i = 0; i < ni; i++)        /* the inputs some term names */
        if (m->monos.first[i] != 0) {
            if (nv == JG_TAYLOR_MAX_VARS) {
                jg_diag_error(d, a->spec, 0, 0, "the terms name more than %d inputs: the reference takes at most "
                              "that many", JG_TAYLOR_MAX_VARS);
                return -1;
            }
            vars[nv++] = i;
        }
    tay = jg_taylor_new(m, nv, vars, m->monos.order);
    out = (double *)jg_malloc_n(jg_mul(jg_mul(pts->n, no, &overflow), nt, &overflow), sizeof *out);
    all = tay != NULL ? jg_taylor_n_terms(tay) : 0;
    ref = (long double *)jg_malloc_n(jg_mul(no, all, &overflow), sizeof *ref);
    err = (long double *)jg_malloc_n(jg_mul(no, all, &overflow), sizeof *err);
    r = (long double *)jg_malloc_n(no * nt, sizeof *r);
    e = (long double *)jg_malloc_n(no * nt, sizeof *e);
    where = (size_t *)jg_malloc_n(nt, sizeof *where);
    if (tay == NULL || out == NULL || ref == NULL || err == NULL || r == NULL || e == NULL || where == NULL
        || overflow) {
        jg_diag_error(d, a->spec, 0, 0, "out of memory for the terms' reference");
        goto done;
    }
    for (tt = 0; tt < nt; tt++) {       /* each term's monomial of the oracle */
        unsigned char pw[JG_TAYLOR_MAX_VARS];
        int o;
        memset(pw, 0, sizeof pw);
        for (o = 0; o < m->terms[tt].order; o++)
            for (i = 0; i < nv; i++)
                pw[i] += vars[i] == m->terms[tt].in[o];
        where[tt] = jg_taylor_term_at(tay, pw);
    }
    if (t->net != NULL && jg_net_partials(t->net, pts->n, pts->x, out) != JG_NET_OK) {
        jg_diag_error(d, a->spec, 0, 0, "the terms' partials: %s", jg_net_errmsg(t->net));
        goto done;
    }
    if (t->net == NULL && call_partials(t->partials, a->precision == JG_NET_FLOAT, m, pts->n, pts->x, out) != 0) {
        jg_diag_error(d, a->spec, 0, 0, "out of memory for the terms' partials");
        goto done;
    }
    for (p = 0; p < pts->n; p++) {
        if (jg_taylor_partials(tay, pts->x + p * ni, ref, err) != 0) {
            for (k = 0; k < no * all; k++)      /* not finite somewhere: judged as such */
                err[k] = isfinite(ref[k]) ? err[k] : 0;
        }
        for (k = 0; k < no; k++)
            for (tt = 0; tt < nt; tt++) {
                r[k * nt + tt] = ref[k * all + where[tt]];
                e[k * nt + tt] = err[k * all + where[tt]];
            }
        judge(wt, JG_MODE_PARTIALS, p, out + p * no * nt, r, e, no * nt, 1e-3L * q_scale(r, no * nt, 0), tol);
    }
    rc = 0;
done:
    jg_taylor_free(tay);
    jg_free(out);
    jg_free(ref);
    jg_free(err);
    jg_free(r);
    jg_free(e);
    jg_free(where);
    return rc;
}

/* The report on stdout; whether a quantity FAILED. */
static int print_verify_report(const verify_args *a, const jg_model *m, const under_test *t,
                               const cli_points *pts, const double *rlo, const double *rhi, const double *tolq,
                               const worst *w, const worst *wt, double tol_terms)
{
    const size_t ni = m->n_in;
    int q, mode, any, failed = 0;
    size_t k;
    if (a->rfile != NULL)
        printf("jetgen verify %s: %zu point%s from %s", a->spec, pts->n, pts->n == 1 ? "" : "s", a->rfile);
    else if (a->pfile != NULL)
        printf("jetgen verify %s: %zu point%s from %s", a->spec, pts->n, pts->n == 1 ? "" : "s", a->pfile);
    else if (a->range_arg == NULL)
        printf("jetgen verify %s: %zu point%s drawn uniformly from [%g, %g]^%zu (seed %llu)", a->spec, pts->n,
               pts->n == 1 ? "" : "s", a->lo, a->hi, ni, a->seed);
    else {
        printf("jetgen verify %s: %zu point%s drawn uniformly from", a->spec, pts->n, pts->n == 1 ? "" : "s");
        for (k = 0; k < ni; k++) {
            if (m->input_names != NULL)
                printf("%s %s in [%g, %g]", k ? "," : "", m->input_names[k], rlo[k], rhi[k]);
            else
                printf("%s x%zu in [%g, %g]", k ? "," : "", k, rlo[k], rhi[k]);
        }
        printf(" (seed %llu)", a->seed);
    }
    printf("\n  checked:   %s, in %s\n", a->library != NULL ? a->library
                                  : t->net != NULL && jg_net_backend(t->net) == JG_NET_EXECUTOR ? "the executor"
                                  : "the JIT's code",
           a->precision == JG_NET_FLOAT ? "float" : "double");
    if (a->rfile != NULL)
        printf("  reference: the numbers in %s\n", a->rfile);
    else
        printf("  reference: the network in long double; du, d2u by central differences, steps 1/2\n"
               "             to 1/%.0f, with Richardson extrapolation\n", 1.0 / (double)ldexpl(JG_FDIFF_H0,
                                                                                         1 - JG_FDIFF_LEVELS));
    printf("  error:     |code - reference| / the largest |reference| of the quantity at the point\n"
           "             (at least 1e-3 of the point's largest number); entries whose difference\n"
           "             estimate is less sure than tolerance / 4 are not judged\n");
    if (a->derived)
        printf("  tolerance: float's, per quantity: %g times the largest change of the reference when\n"
               "             every weight and x moves by up to float's unit roundoff (%d tries), at\n"
               "             least 32 FLT_EPSILON; --tolerance T sets one for all\n", FLOAT_MARGIN,
               FLOAT_TRIALS);
    printf("\n");
    printf("  %-9s %-10s %-13s %8s %10s  %s\n", "quantity", "worst", "tolerance", "judged", "not judged",
           "functions");
    for (q = 0; q < N_Q; q++) {
        if (w[q].modes == 0)
            continue;
        printf("  %-9s %-10.3g %-13.3g %8zu %10zu ", q_name[q], w[q].err, tolq[q], w[q].judged, w[q].unjudged);
        for (mode = 0; mode < JG_N_MODES; mode++)
            if (w[q].modes & (1u << mode))
                printf(" %s", fn_suffix[mode]);
        printf("%s\n", w[q].err > tolq[q] || w[q].judged == 0 ? "  FAILED" : "");
    }
    if (wt->modes != 0)
        printf("  %-9s %-10.3g %-13.3g %8zu %10zu  partials (%zu term%s, against the network on Taylor\n"
               "            polynomials in long double)%s\n", "terms", wt->err, tol_terms, wt->judged, wt->unjudged,
               m->n_terms, m->n_terms == 1 ? "" : "s", wt->err > tol_terms || wt->judged == 0 ? "  FAILED" : "");
    else if (m->n_terms > 0)
        printf("  terms     not checked: the reference file holds u, du and d2u only\n");
    if (wt->modes != 0 && wt->judged == 0) {
        printf("\nFAILED: terms: no entry could be judged\n");
        failed = 1;
    } else if (wt->modes != 0 && wt->err > tol_terms) {
        jg_buf name = JG_BUF_INIT;
        jg_term_name(&m->terms[wt->entry % m->n_terms], m->n_in, m->input_names, &name);
        printf("\nFAILED: term %s of output %zu at point %zu ", jg_buf_str(&name), wt->entry / m->n_terms,
               wt->point + 1);
        print_point(m, pts->x + wt->point * ni);
        printf(": %.17g, reference %.17g: error %.3g > %.3g\n", wt->jet, wt->ref, wt->err, tol_terms);
        jg_buf_free(&name);
        failed = 1;
    }
    for (q = 0; q < N_Q; q++) {
        if (w[q].modes == 0)
            continue;
        if (w[q].judged == 0) {
            printf("\nFAILED: %s: no entry could be judged (the differences are not sure enough at\n"
                   "this tolerance: a kink of relu or hardtanh near every point?)\n", q_name[q]);
            failed = 1;
        } else if (w[q].err > tolq[q]) {
            printf("\nFAILED: %s from %s_%s at point %zu ", q_name[q], a->prefix, fn_suffix[w[q].mode],
                   w[q].point + 1);
            print_point(m, pts->x + w[q].point * ni);
            printf(":\n  ");
            print_entry(m, q, w[q].entry);
            printf(" = %.17g, reference %.17g: error %.3g > %.3g\n", w[q].jet, w[q].ref, w[q].err, tolq[q]);
            failed = 1;
        }
    }
    for (q = 0, any = 0; q < N_Q; q++)
        if (w[q].modes != 0 && w[q].not_finite > 0)
            printf("%s %s %zu of %zu", any++ ? "," : "\nnote: the network itself is NaN or infinite (in long double too):",
                   q_name[q], w[q].not_finite, w[q].judged);
    if (any)
        printf(" judged numbers;\n  the code agrees there only in giving the same (sqrt or a negative power off\n"
               "  its domain, an overflow)\n");
    if (failed)
        printf("\nverify: FAILED\n");
    else if (a->derived)
        printf("\nverify: every quantity within its tolerance\n");
    else
        printf("\nverify: every quantity within %.3g\n", a->tol);
    return failed;
}

int cli_verify(int argc, char **argv)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m = NULL;
    under_test t;
    verify_args a;
    cli_points pts = {0, 0, NULL};
    reference rf = {NULL, NULL, NULL};
    double tolq[N_Q], *rlo = NULL, *rhi = NULL, tol_terms;
    double *jet[JG_N_MODES][3];
    worst w[N_Q], wt;
    int mode, q, k, rc = parse_verify_args(argc, argv, &a), failed;

    if (rc >= 0)
        return rc;
    rc = EXIT_INPUT;
    memset(&t, 0, sizeof t);
    memset(jet, 0, sizeof jet);
    memset(w, 0, sizeof w);
    memset(&wt, 0, sizeof wt);
    for (q = 0; q < N_Q; q++)
        tolq[q] = a.tol;
    m = jg_load(a.spec, &d);
    if (m == NULL || (a.terms != NULL && jg_model_set_terms(m, a.terms, &d) != 0))
        goto done;
    jg_model_warn(m, &d);
    if (verify_points(&a, m, &pts, &rf, &rlo, &rhi, &d) != 0 || open_under_test(&a, m, &t, &d) != 0)
        goto done;
    if (run_jets(&a, m, &t, &pts, jet) != 0) {
        jg_diag_error(&d, a.spec, 0, 0, "out of memory for the results of %zu points", pts.n);
        goto done;
    }
    if (a.derived && float_tolerances(m, &pts, tolq) != 0) {
        jg_diag_error(&d, a.spec, 0, 0, "out of memory for the reference");
        goto done;
    }
    if (compare_jets(&a, m, &t, &pts, &rf, jet, tolq, w, &d) != 0)
        goto done;
    tol_terms = a.precision == JG_NET_FLOAT && a.derived ? TERMS_FLOAT_TOLERANCE : a.tol;
    if (m->n_terms > 0 && a.rfile == NULL) {
        wt.modes = 1;
        if (compare_terms(&a, m, &t, &pts, tol_terms, &wt, &d) != 0)
            goto done;
    }
    failed = print_verify_report(&a, m, &t, &pts, rlo, rhi, tolq, w, &wt, tol_terms);
    if (fflush(stdout) != 0 || ferror(stdout))
        jg_diag_error(&d, "<stdout>", 0, 0, "write error");
    else
        rc = failed ? EXIT_INPUT : 0;
done:
    if (d.n_errors)
        rc = EXIT_INPUT;
    cli_report(&d);
    jg_diag_free(&d);
    for (mode = 0; mode < JG_N_MODES; mode++)
        for (k = 0; k < 3; k++)
            jg_free(jet[mode][k]);
    jg_free(rf.u);
    jg_free(rf.du);
    jg_free(rf.d2u);
    jg_free(rlo);
    jg_free(rhi);
    jg_net_free(t.net);
    if (t.lib != NULL)
        dlclose(t.lib);
    jg_model_free(m);
    jg_free(pts.x);
    return rc;
}
