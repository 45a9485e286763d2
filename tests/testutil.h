/* testutil.h: helpers shared by the tests: temporary folders, a small
   safetensors writer, the PyTorch reference data, error norms. */
#ifndef JG_TESTUTIL_H
#define JG_TESTUTIL_H

#include <stddef.h>

#include "buf.h"
#include "emit.h"

/* A new empty folder under $TMPDIR (or /tmp); the path is owned by the
   helper and valid until the next call. Aborts on failure. */
const char *tu_tmpdir(void);

/* path = dir "/" name, into a static buffer valid until the next call. */
const char *tu_path(const char *dir, const char *name);

/* Writes text to path; aborts on failure. */
void tu_write_file(const char *path, const char *text, size_t len);
/* The whole file as a NUL-terminated buffer (caller frees), or NULL. */
char *tu_read_file(const char *path, size_t *len);

/* A tensor to write: F64 or F32 values from data. */
typedef struct tu_tensor {
    const char *name;
    const char *dtype;          /* "F64", "F32" or "I64" */
    size_t rank;
    size_t shape[4];
    const double *data;
} tu_tensor;

/* Writes a safetensors file the way safetensors.torch.save_file does. */
void tu_write_safetensors(const char *path, const tu_tensor *t, size_t n);

/* The reference data of one example (tests/data/NAME/expected-f64.json). */
typedef struct tu_reference {
    size_t n, n_in, n_out;
    double *x;      /* [n][n_in] */
    double *u;      /* [n][n_out] */
    double *du;     /* [n][n_out][n_in] */
    double *d2u;    /* [n][n_out][n_in][n_in] */
} tu_reference;

/* Loads path (an expected-*.json file); aborts on failure. */
void tu_reference_load(tu_reference *r, const char *path);
void tu_reference_free(tu_reference *r);

/* max |got - want| / max |want| over n values (max |want| = 0: absolute). */
double tu_normwise(const double *got, const double *want, size_t n);

/* The project's tests/data folder ($JG_TEST_DATA, set by meson). */
const char *tu_data_dir(void);

struct jg_net;
/* tests/data/NAME/model.spec opened with precision and backend
   (JG_NET_*); fails the test with the library's message otherwise. */
struct jg_net *tu_open_net(const char *name, int precision, int backend);

/* 1 when $JG_SAMPLE is 1: meson sets it in a sanitizer's build for the
   tests whose loops the plain build runs exhaustively (random arguments by
   the hundred thousand, every shape of a kernel; each kernel set's random
   networks), which run a fixed sample there, so that the sanitizers still
   see every code path in bounded time. */
int tu_sampled(void);
/* Of n, the number to run: n, or n / 8 (at least 1) when sampled. */
long tu_sample_count(long n);
/* The cases of a loop test of n cases, over few forked runs when sampled
   (a fork of a sanitized process is slow): tu_case_runs(n) runs, run r
   doing cases tu_first_case(r), tu_next_case(.., n), ... below n. Plain:
   n runs of one case each. Sampled: 8 runs, together one case in five (a
   fixed pattern that still meets every shape parameter). */
int tu_case_runs(int n);
int tu_first_case(int run);
int tu_next_case(int i, int n);

struct Suite;
/* Runs every test of the suite (forking per test, as Check does by
   default), frees it, and returns the exit status for main. */
int tu_run_suite(struct Suite *s);

/* A small deterministic random generator (xorshift64) for test data. */
typedef struct tu_rng { unsigned long long s; } tu_rng;
/* Uniform in [lo, hi); an integer in [0, n). */
double tu_uniform(tu_rng *r, double lo, double hi);
int tu_pick(tu_rng *r, int n);

/* Runs a shell command; returns its exit status (-1 if it did not exit). */
int tu_run(const char *command);


/* The three entry points of an emitted network, however it was compiled. */
typedef struct tu_net {
    void (*eval)(size_t, const double *, double *);
    void (*jacobian)(size_t, const double *, double *, double *);
    void (*hessian)(size_t, const double *, double *, double *, double *);
    void (*hessian_diag)(size_t, const double *, double *, double *, double *);
    void (*laplacian)(size_t, const double *, double *, double *, double *);
    void (*hessian_f)(size_t, const float *, float *, float *, float *);   /* float networks */
    void *owner;        /* the JIT handle or the dlopen handle */
    int is_jit;
} tu_net;

struct jg_model;
/* m's C for target with prefix, every second-derivative function, into src
   (and the header into h, which may be NULL). 0, or -1 with the reason in
   msg. */
int tu_emit(const struct jg_model *m, jg_emit_target target, const char *prefix,
            jg_precision prec, jg_buf *src, jg_buf *h, char *msg, size_t msg_len);
/* Emits m for the JIT and compiles it with libtcc (prefix "model").
   Returns 0, or -1 with the reason in msg. */
int tu_net_jit(tu_net *net, const struct jg_model *m, char *msg, size_t msg_len);
/* Emits m as a standalone file with prefix, compiles it into a shared
   object with `compile` (e.g. "cc -std=c99 -O2 -Wall -Wextra -pedantic
   -Werror") and loads it. Returns 0, or -1 with the reason in msg. */
int tu_net_cc(tu_net *net, const struct jg_model *m, const char *compile,
              const char *prefix, char *msg, size_t msg_len);
void tu_net_free(tu_net *net);

/* The same for --precision float: only hessian_f is set. */
int tu_net_jit_float(tu_net *net, const struct jg_model *m, char *msg, size_t msg_len);
int tu_net_cc_float(tu_net *net, const struct jg_model *m, const char *compile,
                    const char *prefix, char *msg, size_t msg_len);
/* hessian_f on double points (rounded to float), results widened. */
void tu_hessian_float(const tu_net *net, size_t n, size_t n_in, size_t n_out,
                      const double *x, double *u, double *du, double *d2u);

#endif
