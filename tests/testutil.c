/* testutil.c: helpers shared by the tests (see testutil.h). */
#define _XOPEN_SOURCE 700   /* nftw */
#include "testutil.h"
#include "jetgen.h"

#include <check.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what, const char *arg)
{
    fprintf(stderr, "testutil: %s %s\n", what, arg);
    abort();
}

/* The folders tu_tmpdir made, each with the process that made it: a
   process removes its own at exit (a Check test runs in a forked child,
   which must not remove its parent's). JETGEN_TEST_KEEP keeps them. */
typedef struct made_dir {
    pid_t pid;
    char *path;
} made_dir;
static made_dir *made_dirs;
static size_t n_made_dirs;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void remove_made_dirs(void)
{
    size_t i;
    const char *keep = getenv("JETGEN_TEST_KEEP");
    for (i = 0; i < n_made_dirs; i++) {
        if (made_dirs[i].pid == getpid() && !(keep && *keep))
            nftw(made_dirs[i].path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(made_dirs[i].path);
    }
    free(made_dirs);
    made_dirs = NULL;
    n_made_dirs = 0;
}

const char *tu_tmpdir(void)
{
    static char dir[512];
    made_dir *grown;
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/jetgen-test-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(dir) == NULL)
        die("cannot make a folder like", dir);
    if (made_dirs == NULL && atexit(remove_made_dirs) != 0)
        die("cannot register the clean-up of", dir);
    grown = (made_dir *)realloc(made_dirs, (n_made_dirs + 1) * sizeof *grown);
    if (grown == NULL || (grown[n_made_dirs].path = strdup(dir)) == NULL)
        die("out of memory for", dir);
    grown[n_made_dirs++].pid = getpid();
    made_dirs = grown;
    return dir;
}

const char *tu_path(const char *dir, const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

void tu_write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL || fwrite(text, 1, len, fp) != len || fclose(fp) != 0)
        die("cannot write", path);
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *s;
    long n;
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    s = (char *)malloc((size_t)n + 1);
    if (s == NULL || fread(s, 1, (size_t)n, fp) != (size_t)n)
        die("cannot read", path);
    fclose(fp);
    s[n] = '\0';
    if (len != NULL)
        *len = (size_t)n;
    return s;
}

void tu_write_safetensors(const char *path, const tu_tensor *t, size_t n)
{
    jg_buf head = JG_BUF_INIT, data = JG_BUF_INIT, file = JG_BUF_INIT;
    size_t i, k, count;
    unsigned char len8[8];
    unsigned long long hl;
    jg_buf_puts(&head, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (i = 0; i < n; i++) {
        size_t begin = data.len;
        int f64 = strcmp(t[i].dtype, "F64") == 0, i64 = strcmp(t[i].dtype, "I64") == 0;
        count = 1;
        for (k = 0; k < t[i].rank; k++)
            count *= t[i].shape[k];
        for (k = 0; k < count; k++) {
            if (i64) {
                long long v = (long long)t[i].data[k];
                jg_buf_putn(&data, (const char *)&v, 8);
            } else if (f64) {
                jg_buf_putn(&data, (const char *)&t[i].data[k], 8);
            } else {
                float f = (float)t[i].data[k];
                jg_buf_putn(&data, (const char *)&f, 4);
            }
        }
        jg_buf_puts(&head, ",\"");
        for (k = 0; t[i].name[k] != '\0'; k++) {     /* JSON string escapes */
            if (t[i].name[k] == '"' || t[i].name[k] == '\\')
                jg_buf_putc(&head, '\\');
            jg_buf_putc(&head, t[i].name[k]);
        }
        jg_buf_printf(&head, "\":{\"dtype\":\"%s\",\"shape\":[", t[i].dtype);
        for (k = 0; k < t[i].rank; k++)
            jg_buf_printf(&head, "%s%zu", k ? "," : "", t[i].shape[k]);
        jg_buf_printf(&head, "],\"data_offsets\":[%zu,%zu]}", begin, data.len);
    }
    jg_buf_putc(&head, '}');
    while (head.len % 8 != 0)
        jg_buf_putc(&head, ' ');
    hl = head.len;
    for (i = 0; i < 8; i++)
        len8[i] = (unsigned char)(hl >> (8 * i));
    jg_buf_putn(&file, (const char *)len8, 8);
    jg_buf_putn(&file, head.data, head.len);
    if (data.len)
        jg_buf_putn(&file, data.data, data.len);
    tu_write_file(path, file.data, file.len);
    jg_buf_free(&head);
    jg_buf_free(&data);
    jg_buf_free(&file);
}

/* Flattens a nested JSON array of numbers into out[]; returns the count. */
static size_t flatten(json_t *v, double *out, size_t at)
{
    size_t i;
    if (json_is_number(v)) {
        if (out != NULL)
            out[at] = json_number_value(v);
        return at + 1;
    }
    if (!json_is_array(v))
        die("not a number array in", "reference data");
    for (i = 0; i < json_array_size(v); i++)
        at = flatten(json_array_get(v, i), out, at);
    return at;
}

static double *take(json_t *root, const char *key, size_t *count)
{
    json_t *v = json_object_get(root, key);
    double *out;
    if (v == NULL)
        die("missing key", key);
    *count = flatten(v, NULL, 0);
    out = (double *)malloc(*count * sizeof *out + 1);
    flatten(v, out, 0);
    return out;
}

void tu_reference_load(tu_reference *r, const char *path)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    size_t nx, nu, ndu, nd2u;
    if (root == NULL)
        die("cannot read JSON", path);
    r->n = json_array_size(json_object_get(root, "points"));
    r->x = take(root, "points", &nx);
    r->u = take(root, "u", &nu);
    r->du = take(root, "du", &ndu);
    r->d2u = take(root, "d2u", &nd2u);
    r->n_in = nx / r->n;
    r->n_out = nu / r->n;
    if (ndu != nu * r->n_in || nd2u != ndu * r->n_in)
        die("inconsistent shapes in", path);
    json_decref(root);
}

void tu_reference_free(tu_reference *r)
{
    free(r->x);
    free(r->u);
    free(r->du);
    free(r->d2u);
}

double tu_normwise(const double *got, const double *want, size_t n)
{
    double err = 0.0, scale = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double e = fabs(got[i] - want[i]);
        if (!(e <= err))        /* NaN counts as the worst */
            err = e;
        if (fabs(want[i]) > scale)
            scale = fabs(want[i]);
    }
    return scale > 0.0 ? err / scale : err;
}

const char *tu_data_dir(void)
{
    const char *d = getenv("JG_TEST_DATA");
    if (d == NULL)
        die("JG_TEST_DATA is not set:", "run the tests through meson");
    return d;
}

jg_net *tu_open_net(const char *name, int precision, int backend)
{
    char path[1024];
    jg_net_options o;
    jg_net *net = NULL;
    int rc;
    o.precision = precision;
    o.backend = backend;
    snprintf(path, sizeof path, "%s/%s/model.spec", tu_data_dir(), name);
    rc = jg_net_open(path, &o, &net);
    ck_assert_msg(rc == JG_NET_OK, "%s: %s", path, jg_net_errmsg(net));
    return net;
}

int tu_sampled(void)
{
    const char *s = getenv("JG_SAMPLE");
    return s != NULL && strcmp(s, "1") == 0;
}

long tu_sample_count(long n)
{
    return tu_sampled() ? (n / 8 > 0 ? n / 8 : 1) : n;
}

int tu_case_runs(int n)
{
    return tu_sampled() && n > 8 ? 8 : n;
}

int tu_first_case(int run)
{
    return tu_sampled() ? 5 * run : run;
}

int tu_next_case(int i, int n)
{
    return tu_sampled() ? i + 40 : n;
}

int tu_run(const char *command)
{
    int st = system(command);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

#include <dlfcn.h>

#include "emit.h"
#include "jit.h"
#include "model.h"

static void set_fns(tu_net *net, void *(*lookup)(void *, const char *), void *owner,
                    const char *prefix, jg_precision prec)
{
    char name[128];
    void *p;
    if (prec == JG_FLOAT) {
        snprintf(name, sizeof name, "%s_hessian", prefix);
        p = lookup(owner, name);
        memcpy(&net->hessian_f, &p, sizeof p);
        return;
    }
    snprintf(name, sizeof name, "%s_eval", prefix);
    p = lookup(owner, name);
    memcpy(&net->eval, &p, sizeof p);
    snprintf(name, sizeof name, "%s_jacobian", prefix);
    p = lookup(owner, name);
    memcpy(&net->jacobian, &p, sizeof p);
    snprintf(name, sizeof name, "%s_hessian", prefix);
    p = lookup(owner, name);
    memcpy(&net->hessian, &p, sizeof p);
    snprintf(name, sizeof name, "%s_hessian_diag", prefix);
    p = lookup(owner, name);
    memcpy(&net->hessian_diag, &p, sizeof p);
    snprintf(name, sizeof name, "%s_laplacian", prefix);
    p = lookup(owner, name);
    memcpy(&net->laplacian, &p, sizeof p);
}

static void *jit_lookup(void *owner, const char *name)
{
    jg_jit_fn f = jg_jit_function((jg_jit *)owner, name);
    void *p;
    memcpy(&p, &f, sizeof p);
    return p;
}

int tu_emit(const jg_model *m, jg_emit_target target, const char *prefix,
            jg_precision prec, jg_buf *src, jg_buf *h, char *msg, size_t msg_len)
{
    jg_diag d = JG_DIAG_INIT;
    jg_emit_opts o;
    o.prefix = prefix;
    o.target = target;
    o.command = NULL;
    o.precision = prec;
    o.hessians = JG_HESSIAN_ALL;
    if (jg_emit(m, &o, src, h, &d) != 0) {
        snprintf(msg, msg_len, "emit: %s", jg_buf_str(&d.text));
        jg_diag_free(&d);
        return -1;
    }
    return 0;
}

static int net_jit(tu_net *net, const jg_model *m, jg_precision prec, char *msg, size_t msg_len)
{
    jg_buf src = JG_BUF_INIT;
    jg_jit *jit = NULL;
    memset(net, 0, sizeof *net);
    if (tu_emit(m, JG_TARGET_JIT, "model", prec, &src, NULL, msg, msg_len) != 0)
        return -1;
    if (jg_jit_compile("<test>", jg_buf_str(&src), &jit) != JG_OK) {
        snprintf(msg, msg_len, "jit: %s", jit ? jg_jit_errmsg(jit) : "out of memory");
        jg_jit_free(jit);
        jg_buf_free(&src);
        return -1;
    }
    jg_buf_free(&src);
    net->owner = jit;
    net->is_jit = 1;
    set_fns(net, jit_lookup, jit, "model", prec);
    if (prec == JG_FLOAT ? !net->hessian_f : (!net->eval || !net->jacobian || !net->hessian)) {
        snprintf(msg, msg_len, "jit: %s", jg_jit_errmsg(jit));
        tu_net_free(net);
        return -1;
    }
    return 0;
}

static void *dl_lookup(void *owner, const char *name)
{
    return dlsym(owner, name);
}

static int net_cc(tu_net *net, const jg_model *m, jg_precision prec, const char *compile,
                  const char *prefix, char *msg, size_t msg_len)
{
    jg_buf src = JG_BUF_INIT, cmd = JG_BUF_INIT;
    char dir[512], c_path[600], so_path[600];
    void *h;
    memset(net, 0, sizeof *net);
    if (tu_emit(m, JG_TARGET_FILE, prefix, prec, &src, NULL, msg, msg_len) != 0)
        return -1;
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    snprintf(c_path, sizeof c_path, "%s/net.c", dir);
    snprintf(so_path, sizeof so_path, "%s/net.so", dir);
    tu_write_file(c_path, src.data, src.len);
    jg_buf_free(&src);
    jg_buf_printf(&cmd, "%s -fPIC -shared -o %s %s -lm 2>%s/cc.log", compile, so_path, c_path, dir);
    if (tu_run(jg_buf_str(&cmd)) != 0) {
        char *log;
        snprintf(so_path, sizeof so_path, "%s/cc.log", dir);
        log = tu_read_file(so_path, NULL);
        snprintf(msg, msg_len, "`%s` failed:\n%s", jg_buf_str(&cmd), log ? log : "");
        free(log);
        jg_buf_free(&cmd);
        return -1;
    }
    jg_buf_free(&cmd);
    h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(msg, msg_len, "dlopen: %s", dlerror());
        return -1;
    }
    net->owner = h;
    set_fns(net, dl_lookup, h, prefix, prec);
    if (prec == JG_FLOAT ? !net->hessian_f
                         : (!net->eval || !net->jacobian || !net->hessian || !net->hessian_diag || !net->laplacian)) {
        snprintf(msg, msg_len, "dlsym: missing %s_eval/_jacobian/_hessian/_hessian_diag/_laplacian", prefix);
        tu_net_free(net);
        return -1;
    }
    return 0;
}

void tu_net_free(tu_net *net)
{
    if (net->owner != NULL) {
        if (net->is_jit)
            jg_jit_free((jg_jit *)net->owner);
        else
            dlclose(net->owner);
    }
    memset(net, 0, sizeof *net);
}

int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int tu_net_jit(tu_net *net, const jg_model *m, char *msg, size_t msg_len)
{
    return net_jit(net, m, JG_DOUBLE, msg, msg_len);
}

int tu_net_cc(tu_net *net, const jg_model *m, const char *compile,
              const char *prefix, char *msg, size_t msg_len)
{
    return net_cc(net, m, JG_DOUBLE, compile, prefix, msg, msg_len);
}

int tu_net_jit_float(tu_net *net, const jg_model *m, char *msg, size_t msg_len)
{
    return net_jit(net, m, JG_FLOAT, msg, msg_len);
}

int tu_net_cc_float(tu_net *net, const jg_model *m, const char *compile,
                    const char *prefix, char *msg, size_t msg_len)
{
    return net_cc(net, m, JG_FLOAT, compile, prefix, msg, msg_len);
}

void tu_hessian_float(const tu_net *net, size_t n, size_t n_in, size_t n_out,
                      const double *x, double *u, double *du, double *d2u)
{
    float *fx = malloc(n * n_in * sizeof *fx), *fu = malloc(n * n_out * sizeof *fu);
    float *fdu = malloc(n * n_out * n_in * sizeof *fu), *fd2u = malloc(n * n_out * n_in * n_in * sizeof *fu);
    size_t i;
    for (i = 0; i < n * n_in; i++)
        fx[i] = (float)x[i];
    net->hessian_f(n, fx, fu, fdu, fd2u);
    for (i = 0; i < n * n_out; i++)
        u[i] = fu[i];
    for (i = 0; i < n * n_out * n_in; i++)
        du[i] = fdu[i];
    for (i = 0; i < n * n_out * n_in * n_in; i++)
        d2u[i] = fd2u[i];
    free(fx);
    free(fu);
    free(fdu);
    free(fd2u);
}

double tu_uniform(tu_rng *r, double lo, double hi)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return lo + (hi - lo) * (double)(r->s >> 11) / 9007199254740992.0;
}

int tu_pick(tu_rng *r, int n)
{
    return (int)tu_uniform(r, 0, n - 1e-9);
}
