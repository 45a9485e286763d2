/* net.c: the library's handle (include/jetgen.h): spec and weights ->
   model -> plan -> the JIT's code (weights bound by address) or the
   executor. */
#include "jetgen.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "parallel.h"
#include "emit.h"
#include "activations.h"
#include "exec.h"
#include "grad.h"
#include "init.h"
#include "jit.h"      /* its types only, when built without libtcc (JG_NO_JIT) */
#include "kernels.h"
#include "load.h"
#include "mem.h"
#include "misuse.h"
#include "model.h"
#include "plan.h"

/* The emitted functions with a work argument: eval, jacobian, and the
   three second-derivative modes (pointers of the plan's precision, here
   void: every pointer type has one representation on the hosts libtcc
   runs on). */
typedef void (*work_fn)(void);
typedef void (*eval_fn)(size_t n, const void *x, void *u, void *work);
typedef void (*jacobian_fn)(size_t n, const void *x, void *u, void *du, void *work);
typedef void (*second_fn)(size_t n, const void *x, void *u, void *du, void *d2, void *work);

/* A tensor a layer reads, by its name in the weights file: the handle's
   index of them, sorted by name (then layer), for jg_net_set_tensors. */
typedef struct named_tensor {
    const char *name;           /* into the handle's names block */
    size_t layer;
    int which;                  /* 0: the layer's w, 1: its b */
} named_tensor;

/* A tensor the network reads, once, in the order of the layers that first
   read them: the list jg_net_n_tensors and its kin give, and the layout
   of the gradient array (the reverse sweep's, runtime/grad.c, is made in
   the same order). */
typedef struct listed_tensor {
    const char *name;
    size_t count, offset;
} listed_tensor;

struct jg_net {
    jg_buf msg;                 /* the last message */
    jg_buf warnings;            /* the load's */
    jg_model *model;            /* owned; NULL when the load failed */
    jg_plan *plan;              /* owned */
    int backend;
    unsigned char *block;       /* the arrays in the plan's precision, 64-byte aligned within (owned) */
    const void **arrays;        /* plan->n_arrays pointers into block (owned) */
    jg_exec exec;               /* JG_NET_EXECUTOR */
    /* JG_NET_EXECUTOR of a network that suits points in lanes (gen/plan.h):
       that plan, its arrays and executor, for the whole tiles of a call;
       the rest of its points (and calls of fewer) go by the row plan, which
       wastes no work on a tile's absent points (one point: 4 us against
       26 for [2,20x8,1], AVX-512) */
    jg_plan *lanes;             /* owned, or NULL */
    unsigned char *lanes_block;
    const void **lanes_arrays;
    jg_exec lanes_exec;
    jg_jit *jit;                /* JG_NET_JIT (owned) */
    jg_jit_symbol *syms;        /* names bound in the JIT (owned, with their names) */
    work_fn fn[JG_N_PLAN_MODES];    /* JG_NET_JIT (JG_MODE_PARTIALS: with terms) */
    jg_grad *grad;              /* the reverse sweep, made at its first use (owned) */
    unsigned long generation;   /* counts jg_net_set_tensor's changes: a tape's weights */
    named_tensor *named;        /* every (tensor, layer) a layer reads, sorted by name (owned) */
    size_t n_named;
    listed_tensor *listed;      /* each tensor once, in the order layers first read them (owned) */
    size_t n_listed, n_grad;
    char *names;                /* their names (owned) */
    char *term_text;            /* the terms' names, NUL after each (owned) */
    const char **term_name;     /* [n_terms] into term_text (owned) */
    pthread_mutex_t grad_lock;  /* guards making it */
    /* jg_net_set_tensors writes new numbers into the model and the reverse
       sweep's plan at once, and into the forward plans' arrays (plan,
       lanes) at the next forward that reads them (a training step by
       tapes reads only the sweep's): stale says they are due, fill_lock
       makes the first forward after the change fill them while the
       others wait. */
    pthread_mutex_t fill_lock;
    int stale;
};

/* Frees what the handle computes with, keeping its messages: after a
   failed open, and in jg_net_free. */
static void release(jg_net *net)
{
    size_t k;
    if (net->syms != NULL && net->plan != NULL)
        for (k = 0; k < net->plan->n_arrays; k++)
            jg_free((void *)net->syms[k].name);
    jg_free(net->syms);
#if !defined(JG_NO_JIT)
    jg_jit_free(net->jit);
#endif
    jg_exec_free(&net->exec);
    jg_exec_free(&net->lanes_exec);
    jg_plan_free(net->lanes);
    jg_free(net->lanes_block);
    jg_free(net->lanes_arrays);
    net->lanes = NULL;
    net->lanes_block = NULL;
    net->lanes_arrays = NULL;
    jg_grad_free(net->grad);
    net->grad = NULL;
    jg_free(net->arrays);
    jg_free(net->block);
    jg_free(net->named);
    jg_free(net->names);
    jg_free(net->listed);
    jg_free(net->term_text);
    jg_free((void *)net->term_name);
    net->term_text = NULL;
    net->term_name = NULL;
    net->named = NULL;
    net->names = NULL;
    net->listed = NULL;
    net->n_named = net->n_listed = net->n_grad = 0;
    jg_plan_free(net->plan);
    jg_model_free(net->model);
    net->syms = NULL;
    net->jit = NULL;
    net->arrays = NULL;
    net->block = NULL;
    net->plan = NULL;
    net->model = NULL;
}

/* The terms' names (jg_net_term_name): 0, or -1 out of memory. */
static int name_terms(jg_net *net)
{
    const jg_model *m = net->model;
    jg_buf text = JG_BUF_INIT;
    size_t t, at;
    if (m->n_terms == 0)
        return 0;
    for (t = 0; t < m->n_terms; t++) {
        jg_term_name(&m->terms[t], m->n_in, m->input_names, &text);
        jg_buf_putc(&text, '\0');
    }
    net->term_name = (const char **)jg_malloc_n(m->n_terms, sizeof *net->term_name);
    if (text.failed || net->term_name == NULL) {
        jg_buf_free(&text);
        return -1;
    }
    net->term_text = text.data;         /* the handle owns the buffer's bytes now */
    for (t = 0, at = 0; t < m->n_terms; t++) {
        net->term_name[t] = net->term_text + at;
        at += strlen(net->term_text + at) + 1;
    }
    return 0;
}

/* Keeps text (a diagnostic's lines, its last newline dropped) as the
   handle's message; returns status. */
static int fail(jg_net *net, int status, const char *text)
{
    net->msg.len = 0;
    jg_buf_puts(&net->msg, text);
    if (net->msg.len > 0 && net->msg.data[net->msg.len - 1] == '\n')
        net->msg.data[--net->msg.len] = '\0';
    return status;
}

/* Copies plan p's arrays to `arrays`, in the plan's precision. */
static void fill_arrays(const jg_plan *p, const void **arrays)
{
    size_t k, i;
    for (k = 0; k < p->n_arrays; k++) {
        const jg_plan_array *a = &p->arrays[k];
        if (p->precision == JG_FLOAT) {
            float *f = (float *)(void *)arrays[k];
            for (i = 0; i < a->len; i++)
                f[i] = (float)a->v[i];
        } else {
            memcpy((void *)arrays[k], a->v, a->len * sizeof(double));
        }
    }
}

/* Plan p's arrays in its precision, each 64-byte aligned in one block:
   *arrays points into *block (both owned by the caller). 0, or -1. */
static int make_arrays(const jg_plan *p, unsigned char **block, const void ***arrays)
{
    size_t k, total = 64, at;
    int overflow = 0;
    for (k = 0; k < p->n_arrays; k++)
        total += jg_mul(p->arrays[k].len, p->real_bytes, &overflow);
    *arrays = (const void **)jg_malloc_n(p->n_arrays + 1, sizeof **arrays);
    *block = overflow ? NULL : (unsigned char *)jg_malloc(total);
    if (*arrays == NULL || *block == NULL)
        return -1;
    at = (64 - (size_t)*block % 64) % 64;
    for (k = 0; k < p->n_arrays; k++) {
        (*arrays)[k] = *block + at;
        at += p->arrays[k].len * p->real_bytes;    /* a multiple of 64 */
    }
    fill_arrays(p, *arrays);
    return 0;
}

/* The executor's second plan, points in lanes, where the model suits it
   (none where it does not). 0, or -1: out of memory. */
static int make_lanes(jg_net *net, const jg_kernel_set *ks)
{
    jg_diag d = JG_DIAG_INIT;
    net->lanes = jg_plan_make_for(net->model, net->plan->precision, JG_PLAN_LANES, &d);
    jg_diag_free(&d);
    if (net->lanes == NULL)
        return -1;      /* the row plan of the same model was made: only memory fails */
    if (net->lanes->lane_points == 0) {
        jg_plan_free(net->lanes);
        net->lanes = NULL;
        return 0;
    }
    if (make_arrays(net->lanes, &net->lanes_block, &net->lanes_arrays) != 0
        || jg_exec_init(&net->lanes_exec, net->lanes, ks, net->lanes_arrays) != 0)
        return -1;
    return 0;
}

#if !defined(JG_NO_JIT)
static int make_jit(jg_net *net)
{
    static const char *const names[JG_N_PLAN_MODES] = {"model_eval_work", "model_jacobian_work",
                                                       "model_hessian_work", "model_hessian_diag_work",
                                                       "model_laplacian_work", "model_partials_work"};
    const jg_plan *p = net->plan;
    jg_emit_opts o;
    jg_buf src = JG_BUF_INIT;
    jg_diag d = JG_DIAG_INIT;
    size_t k;
    int rc = JG_NET_OK, o2;
    o.prefix = "model";
    o.target = JG_TARGET_JIT_BOUND;
    o.command = NULL;
    o.precision = p->precision;
    o.hessians = JG_HESSIAN_ALL;
    net->syms = (jg_jit_symbol *)jg_malloc_n(p->n_arrays + 1, sizeof *net->syms);
    if (net->syms == NULL)
        return fail(net, JG_NET_ENOMEM, "out of memory");
    memset(net->syms, 0, (p->n_arrays + 1) * sizeof *net->syms);
    for (k = 0; k < p->n_arrays; k++) {
        char name[40];
        snprintf(name, sizeof name, "model__a%zu", k);
        net->syms[k].name = jg_strdup(name);
        net->syms[k].addr = net->arrays[k];
        if (net->syms[k].name == NULL)
            return fail(net, JG_NET_ENOMEM, "out of memory");
    }
    if (jg_emit_plan(p, &o, &src, NULL, &d) != 0) {
        rc = fail(net, d.text.failed ? JG_NET_ENOMEM : JG_NET_EINTERNAL, jg_buf_str(&d.text));
        goto done;
    }
    switch (jg_jit_compile_bound("<jit model.c>", jg_buf_str(&src), net->syms, p->n_arrays, &net->jit)) {
    case JG_OK:
        break;
    case JG_ENOMEM:
        rc = fail(net, JG_NET_ENOMEM, "out of memory compiling the network");
        goto done;
    default:
        net->msg.len = 0;
        jg_buf_printf(&net->msg, "%s: internal error: libtcc rejected the emitted code:\n%s",
                      p->m->spec_path, net->jit != NULL ? jg_jit_errmsg(net->jit) : "");
        rc = JG_NET_EINTERNAL;
        goto done;
    }
    for (o2 = 0; o2 < (p->m->n_terms > 0 ? JG_N_PLAN_MODES : JG_N_MODES); o2++) {
        jg_jit_fn f = jg_jit_function(net->jit, names[o2]);
        if (f == NULL) {
            net->msg.len = 0;
            jg_buf_printf(&net->msg, "%s: internal error: no function '%s' in the compiled code",
                          p->m->spec_path, names[o2]);
            rc = JG_NET_EINTERNAL;
            goto done;
        }
        memcpy(&net->fn[o2], &f, sizeof f);
    }
done:
    jg_buf_free(&src);
    jg_diag_free(&d);
    return rc;
}
#endif

static int named_order(const void *a, const void *b)
{
    const named_tensor *x = (const named_tensor *)a, *y = (const named_tensor *)b;
    const int c = strcmp(x->name, y->name);
    return c != 0 ? c : x->layer != y->layer ? (x->layer < y->layer ? -1 : 1) : x->which - y->which;
}

/* The handle's index of the tensors its layers read (net->named): 0, or
   -1 out of memory. */
static int index_tensors(jg_net *net)
{
    const jg_model *m = net->model;
    size_t k, bytes = 0, at = 0, n = 0;
    int which;
    for (k = 0; k < m->n_layers; k++)
        for (which = 0; which < 2; which++) {
            const size_t len = jg_layer_tensor_name(&m->layers[k], which, NULL);
            n += len > 0;
            bytes += len;
        }
    net->named = (named_tensor *)jg_malloc((n > 0 ? n : 1) * sizeof *net->named);
    net->names = (char *)jg_malloc(bytes > 0 ? bytes : 1);
    if (net->named == NULL || net->names == NULL)
        return -1;
    for (k = 0; k < m->n_layers; k++)
        for (which = 0; which < 2; which++) {
            const size_t len = jg_layer_tensor_name(&m->layers[k], which, net->names + at);
            if (len == 0)
                continue;
            net->named[net->n_named].name = net->names + at;
            net->named[net->n_named].layer = k;
            net->named[net->n_named].which = which;
            net->n_named++;
            at += len;
        }
    /* the list of tensors, each once, in the order of the layers that first
       read them (net->named is in layer order until it is sorted) */
    net->listed = (listed_tensor *)jg_malloc((n > 0 ? n : 1) * sizeof *net->listed);
    if (net->listed == NULL)
        return -1;
    for (k = 0; k < net->n_named; k++) {
        const named_tensor *t = &net->named[k];
        size_t e;
        for (e = 0; e < k && strcmp(net->named[e].name, t->name) != 0; e++)
            ;
        if (e < k)
            continue;       /* read by an earlier layer */
        net->listed[net->n_listed].name = t->name;
        net->listed[net->n_listed].count = jg_layer_tensor_count(&m->layers[t->layer], t->which);
        net->listed[net->n_listed].offset = net->n_grad;
        net->n_grad += net->listed[net->n_listed++].count;
    }
    qsort(net->named, net->n_named, sizeof *net->named, named_order);
    return 0;
}

/* The first entry of net->named for tensor, or net->n_named: a binary
   search (the entries of one name are adjacent). */
static size_t find_named(const jg_net *net, const char *tensor)
{
    size_t lo = 0, hi = net->n_named;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (strcmp(net->named[mid].name, tensor) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < net->n_named && strcmp(net->named[lo].name, tensor) == 0 ? lo : net->n_named;
}

/* jg_net_open and jg_net_load_mem: the spec's text and weights from mem
   (NULL: from the file spec_path and the file it names). */
typedef struct mem_spec {
    const char *text;
    size_t len;
    const void *weights;
    size_t weights_len;
} mem_spec;

static int build(jg_net *net, int precision);

/* d's errors as the handle's message (freeing d), and their status:
   JG_NET_ENOMEM where memory ran out, else JG_NET_EINPUT; with drop, the
   handle then holds only the message. */
static int fail_from(jg_net *net, jg_diag *d, int drop)
{
    const int rc = d->text.failed || strstr(jg_buf_str(&d->text), "out of memory") != NULL ? JG_NET_ENOMEM
                                                                                          : JG_NET_EINPUT;
    fail(net, rc, jg_buf_str(&d->text));
    jg_diag_free(d);
    if (drop)
        release(net);
    return rc;
}

static int open_net(const char *fn, const char *spec_path, const mem_spec *mem, const jg_net_options *options,
                    jg_net **out)
{
    jg_net *net;
    jg_diag d = JG_DIAG_INIT;
    const int precision = options != NULL ? options->precision : JG_NET_DOUBLE;
    const int backend = options != NULL ? options->backend : JG_NET_JIT;

    if (JG_MISUSE(out == NULL, fn, "out is NULL: nowhere to put the handle"))
        return JG_NET_EINPUT;
    *out = net = (jg_net *)jg_malloc(sizeof *net);
    if (net == NULL)
        return JG_NET_ENOMEM;
    memset(net, 0, sizeof *net);
    net->backend = backend;
    pthread_mutex_init(&net->grad_lock, NULL);
    pthread_mutex_init(&net->fill_lock, NULL);
    if (JG_MISUSE(mem == NULL && spec_path == NULL, fn, "spec_path is NULL"))
        return fail(net, JG_NET_EINPUT, "no spec path");
    if (JG_MISUSE(mem != NULL && (mem->text == NULL || (mem->weights == NULL && mem->weights_len > 0)), fn,
                  "spec is NULL, or weights is NULL with weights_len > 0"))
        return fail(net, JG_NET_EINPUT, "no spec text, or no weights for weights_len bytes");
    if (JG_MISUSE((precision != JG_NET_DOUBLE && precision != JG_NET_FLOAT)
                  || (backend != JG_NET_JIT && backend != JG_NET_EXECUTOR),
                  fn, "options->precision or options->backend is none of the JG_NET_* values"))
        return fail(net, JG_NET_EINPUT, "options: unknown precision or backend");
#if defined(JG_NO_JIT)
    net->backend = JG_NET_EXECUTOR;     /* built without libtcc: jg_net_backend says so */
#endif
    net->model = mem == NULL ? jg_load(spec_path, &d)
                             : jg_load_mem(spec_path, mem->text, mem->len, mem->weights, mem->weights_len, &d);
    if (net->model == NULL)
        return fail_from(net, &d, 1);
    jg_diag_free(&d);
    return build(net, precision);
}

/* Everything a handle computes with, from its model: the plan, the
   arrays, the executors or the JIT's code, the names; the warnings. On
   failure the handle holds only the message. */
static int build(jg_net *net, int precision)
{
    jg_diag d = JG_DIAG_INIT;
    int rc = JG_NET_OK;
    net->plan = jg_plan_make(net->model, precision == JG_NET_FLOAT ? JG_FLOAT : JG_DOUBLE, &d);
    if (net->plan == NULL)
        return fail_from(net, &d, 1);
    jg_diag_free(&d);          /* empty again, for the warnings */
    jg_model_warn(net->model, &d);
    jg_buf_free(&net->warnings);
    net->warnings = d.text;     /* the handle owns them now */
    if (net->warnings.failed || make_arrays(net->plan, &net->block, &net->arrays) != 0 || index_tensors(net) != 0
        || name_terms(net) != 0)
        rc = fail(net, JG_NET_ENOMEM, "out of memory");
    else if (net->backend == JG_NET_EXECUTOR) {
        const jg_kernel_set *ks = jg_kernels_best(precision == JG_NET_FLOAT);
        if (jg_exec_init(&net->exec, net->plan, ks, net->arrays) != 0 || make_lanes(net, ks) != 0)
            rc = fail(net, JG_NET_ENOMEM, "out of memory");
    }
#if !defined(JG_NO_JIT)
    else {
        rc = make_jit(net);
    }
#endif
    if (rc != JG_NET_OK)
        release(net);       /* a handle holding only the message */
    return rc;
}

int jg_net_set_terms(jg_net *net, const char *terms)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    int precision;
    if (JG_MISUSE(net == NULL, "jg_net_set_terms", "net is NULL")
        || JG_MISUSE(net->plan == NULL, "jg_net_set_terms", "the handle's load failed (jg_net_errmsg says why)")
        || JG_MISUSE(terms == NULL, "jg_net_set_terms", "terms is NULL"))
        return JG_NET_EINPUT;
    if (jg_model_set_terms(net->model, terms, &d) != 0)
        return fail_from(net, &d, 0);       /* the handle as it was */
    jg_diag_free(&d);
    /* everything made from the model again, the model (and every
       jg_net_set_tensor change in it) kept; a tape made before is refused */
    precision = net->plan->precision == JG_FLOAT ? JG_NET_FLOAT : JG_NET_DOUBLE;
    m = net->model;
    net->model = NULL;
    release(net);
    net->model = m;
    net->generation++;
    net->stale = 0;
    net->msg.len = 0;
    return build(net, precision);
}

int jg_net_open(const char *spec_path, const jg_net_options *options, jg_net **out)
{
    return open_net("jg_net_open", spec_path, NULL, options, out);
}

int jg_net_load_mem(const char *name, const char *spec, size_t spec_len, const void *weights, size_t weights_len,
                    const jg_net_options *options, jg_net **out)
{
    mem_spec mem;
    mem.text = spec;
    mem.len = spec_len;
    mem.weights = weights;
    mem.weights_len = weights_len;
    return open_net("jg_net_load_mem", name != NULL ? name : "<memory>", &mem, options, out);
}

int jg_net_load(const char *spec_path, jg_net **out)
{
    return jg_net_open(spec_path, NULL, out);
}

const char *jg_net_warnings(const jg_net *net)
{
    return net != NULL ? jg_buf_str(&net->warnings) : "";
}

const char *jg_net_errmsg(const jg_net *net)
{
    return net != NULL ? jg_buf_str(&net->msg) : "out of memory";
}

size_t jg_net_n_in(const jg_net *net)
{
    return net != NULL && net->model != NULL ? net->model->n_in : 0;
}

size_t jg_net_n_out(const jg_net *net)
{
    return net != NULL && net->model != NULL ? net->model->n_out : 0;
}

const char *jg_net_input_name(const jg_net *net, size_t i)
{
    if (net == NULL || net->model == NULL || net->model->input_names == NULL || i >= net->model->n_in)
        return NULL;
    return net->model->input_names[i];
}

size_t jg_net_n_over(const jg_net *net)
{
    return net != NULL && net->model != NULL ? net->model->n_over : 0;
}

size_t jg_net_n_terms(const jg_net *net)
{
    return net != NULL && net->model != NULL ? net->model->n_terms : 0;
}

const char *jg_net_term_name(const jg_net *net, size_t t)
{
    return net != NULL && net->model != NULL && t < net->model->n_terms ? net->term_name[t] : NULL;
}

size_t jg_net_over_input(const jg_net *net, size_t k)
{
    if (net == NULL || net->model == NULL || k >= net->model->n_over)
        return (size_t)-1;
    return net->model->over != NULL ? net->model->over[k] : k;
}

int jg_net_precision(const jg_net *net)
{
    return net != NULL && net->plan != NULL && net->plan->precision == JG_FLOAT ? JG_NET_FLOAT
                                                                                 : JG_NET_DOUBLE;
}

int jg_net_backend(const jg_net *net)
{
    return net != NULL ? net->backend : JG_NET_JIT;
}

size_t jg_net_work_bytes(const jg_net *net)
{
    if (net == NULL || net->plan == NULL)
        return 0;
    return net->lanes != NULL && net->lanes->work_bytes > net->plan->work_bytes ? net->lanes->work_bytes
                                                                               : net->plan->work_bytes;
}

/* The forward plans' arrays hold the model's numbers (net->stale). */
static void fill_forward(jg_net *net)
{
    pthread_mutex_lock(&net->fill_lock);
    if (net->stale) {
        jg_plan_refill(net->plan);      /* the same layout, new numbers */
        fill_arrays(net->plan, net->arrays);
        if (net->lanes != NULL) {
            jg_plan_refill(net->lanes);
            fill_arrays(net->lanes, net->lanes_arrays);
        }
        net->stale = 0;
    }
    pthread_mutex_unlock(&net->fill_lock);
}

/* n points in the plan's precision, pointers as the emitted code takes them. */
static int run_real(jg_net *net, int mode, size_t n, const void *x, void *u, void *du, void *d2, void *given)
{
    void *work = given;
    if (n == 0)
        return JG_NET_OK;
    fill_forward(net);
    if (work == NULL && (work = jg_malloc(jg_net_work_bytes(net))) == NULL)
        return JG_NET_ENOMEM;
    if (net->backend == JG_NET_EXECUTOR && net->lanes != NULL && n >= net->lanes->tile[mode]) {
        /* whole tiles in lanes, the rest by rows */
        const size_t whole = n / net->lanes->tile[mode] * net->lanes->tile[mode], r = net->plan->real_bytes;
        const size_t per2 = jg_plan_per_output2(net->model, (jg_mode)mode), no = net->model->n_out;
        jg_exec_run(&net->lanes_exec, mode, whole, x, u, du, d2, work);
        if (whole < n)
            jg_exec_run(&net->exec, mode, n - whole, (const char *)x + whole * net->model->n_in * r,
                        u != NULL ? (char *)u + whole * no * r : NULL,
                        du != NULL ? (char *)du + whole * no * net->model->n_in * r : NULL,
                        d2 != NULL ? (char *)d2 + whole * no * per2 * r : NULL, work);
    } else if (net->backend == JG_NET_EXECUTOR)
        jg_exec_run(&net->exec, mode, n, x, u, du, d2, work);
    else if (mode == JG_NET_EVAL)
        ((eval_fn)net->fn[mode])(n, x, u, work);
    else if (mode == JG_NET_JACOBIAN)
        ((jacobian_fn)net->fn[mode])(n, x, u, du, work);
    else
        ((second_fn)net->fn[mode])(n, x, u, du, d2, work);
    if (given == NULL)
        jg_free(work);
    return JG_NET_OK;
}

/* The contract of every call that computes (fn names it for a misuse). */
static int check_call(const char *fn, const jg_net *net, int mode, size_t n, const void *x)
{
    if (JG_MISUSE(net == NULL, fn, "net is NULL")
        || JG_MISUSE(net->plan == NULL, fn, "the handle's load failed (jg_net_errmsg says why)")
        || JG_MISUSE(mode < 0 || mode >= JG_N_MODES, fn, "mode is none of JG_NET_EVAL ... JG_NET_LAPLACIAN")
        || JG_MISUSE(x == NULL && n > 0, fn, "x is NULL with n > 0"))
        return JG_NET_EINPUT;
    return JG_NET_OK;
}

/* check_call for the calls that also take JG_NET_PARTIALS (the gradient
   and tape calls): that mode only for a spec with terms. */
static int check_grad_call(const char *fn, jg_net *net, int mode, size_t n, const void *x)
{
    if (mode != JG_NET_PARTIALS)
        return check_call(fn, net, mode, n, x);
    if (check_call(fn, net, JG_NET_EVAL, n, x) != JG_NET_OK)
        return JG_NET_EINPUT;
    if (net->model->n_terms == 0)
        return fail(net, JG_NET_EINPUT, "JG_NET_PARTIALS: the spec names no terms: add a `terms` statement "
                    "(terms \"\" x xx xxxx)");
    return JG_NET_OK;
}

int jg_misuse_stop(const char *fn, const char *rule)
{
    fprintf(stderr, "jetgen: %s: misuse: %s (a bug in the calling program; a build with NDEBUG returns "
            "an error status instead)\n", fn, rule);
    fflush(stderr);
    abort();
}

/* Points per chunk when a float handle is called in double. */
#define FLOAT_CHUNK 256

int jg_net_run(jg_net *net, int mode, size_t n, const double *x, double *u, double *du, double *d2)
{
    size_t n_in, n_out, per2, i, c, k;
    float *fx, *fu, *fdu, *fd2;
    int rc = check_call("jg_net_run", net, mode, n, x), overflow = 0;
    if (rc != JG_NET_OK)
        return rc;
    if (net->plan->precision != JG_FLOAT)
        return run_real(net, mode, n, x, u, du, d2, NULL);
    n_in = net->model->n_in;
    n_out = net->model->n_out;
    per2 = jg_plan_per_output2(net->model, (jg_mode)mode);
    fx = (float *)jg_malloc_n(jg_mul(FLOAT_CHUNK, n_in, &overflow), sizeof *fx);
    fu = (float *)jg_malloc_n(jg_mul(FLOAT_CHUNK, n_out, &overflow), sizeof *fu);
    fdu = (float *)jg_malloc_n(jg_mul(jg_mul(FLOAT_CHUNK, n_out, &overflow), n_in, &overflow), sizeof *fdu);
    fd2 = (float *)jg_malloc_n(jg_mul(jg_mul(FLOAT_CHUNK, n_out, &overflow), per2 + 1, &overflow),
                               sizeof *fd2);
    if (fx == NULL || fu == NULL || fdu == NULL || fd2 == NULL)
        rc = JG_NET_ENOMEM;
    for (i = 0; rc == JG_NET_OK && i < n; i += c) {
        c = n - i < FLOAT_CHUNK ? n - i : FLOAT_CHUNK;
        for (k = 0; k < c * n_in; k++)
            fx[k] = (float)x[i * n_in + k];
        rc = run_real(net, mode, c, fx, u != NULL ? fu : NULL, mode >= 1 && du != NULL ? fdu : NULL,
                      mode >= 2 && d2 != NULL ? fd2 : NULL, NULL);
        for (k = 0; u != NULL && k < c * n_out; k++)
            u[i * n_out + k] = fu[k];
        for (k = 0; mode >= 1 && du != NULL && k < c * n_out * n_in; k++)
            du[i * n_out * n_in + k] = fdu[k];
        for (k = 0; mode >= 2 && d2 != NULL && k < c * n_out * per2; k++)
            d2[i * n_out * per2 + k] = fd2[k];
    }
    jg_free(fx);
    jg_free(fu);
    jg_free(fdu);
    jg_free(fd2);
    return rc;
}

/* The terms' partials of n points in the plan's precision, by the
   executor: whole tiles in lanes where the model suits them, the rest by
   rows. */
static int partials_real(jg_net *net, size_t n, const void *x, void *out)
{
    const size_t r = net->plan->real_bytes, per = net->model->n_out * net->model->n_terms;
    size_t whole = 0;
    void *work;
    if (n == 0)
        return JG_NET_OK;
    fill_forward(net);
    if ((work = jg_malloc(jg_net_work_bytes(net))) == NULL)
        return JG_NET_ENOMEM;
    if (net->backend == JG_NET_JIT) {       /* the compiled model_partials_work */
        ((eval_fn)net->fn[JG_MODE_PARTIALS])(n, x, out, work);
        jg_free(work);
        return JG_NET_OK;
    }
    if (net->lanes != NULL) {
        whole = n / net->lanes->tile[JG_MODE_PARTIALS] * net->lanes->tile[JG_MODE_PARTIALS];
        jg_exec_run(&net->lanes_exec, JG_MODE_PARTIALS, whole, x, out, NULL, NULL, work);
    }
    if (whole < n)
        jg_exec_run(&net->exec, JG_MODE_PARTIALS, n - whole, (const char *)x + whole * net->model->n_in * r,
                    (char *)out + whole * per * r, NULL, NULL, work);
    jg_free(work);
    return JG_NET_OK;
}

/* The contract of jg_net_partials and jg_net_partials_float (precision:
   the handle's that the call takes, or -1 for any). */
static int check_partials(const char *fn, jg_net *net, int precision, size_t n, const void *x, const void *out)
{
    int rc = check_call(fn, net, JG_NET_EVAL, n, x);
    if (rc != JG_NET_OK)
        return rc;
    if (JG_MISUSE(out == NULL && n > 0, fn, "out is NULL with n > 0")
        || JG_MISUSE(precision >= 0 && (int)net->plan->precision != precision, fn,
                     "float arrays for a double handle (open it with JG_NET_FLOAT, or call jg_net_partials)"))
        return JG_NET_EINPUT;
    if (net->model->n_terms == 0)
        return fail(net, JG_NET_EINPUT, "the spec names no terms: add a `terms` statement (terms \"\" x xx xxxx)");
    return JG_NET_OK;
}

int jg_net_partials(jg_net *net, size_t n, const double *x, double *out)
{
    size_t n_in, per, i, c, k;
    float *fx, *fo;
    int rc = check_partials("jg_net_partials", net, -1, n, x, out), overflow = 0;
    if (rc != JG_NET_OK)
        return rc;
    if (net->plan->precision != JG_FLOAT)
        return partials_real(net, n, x, out);
    n_in = net->model->n_in;
    per = net->model->n_out * net->model->n_terms;
    fx = (float *)jg_malloc_n(jg_mul(FLOAT_CHUNK, n_in, &overflow), sizeof *fx);
    fo = (float *)jg_malloc_n(jg_mul(FLOAT_CHUNK, per, &overflow), sizeof *fo);
    if (fx == NULL || fo == NULL || overflow)
        rc = JG_NET_ENOMEM;
    for (i = 0; rc == JG_NET_OK && i < n; i += c) {
        c = n - i < FLOAT_CHUNK ? n - i : FLOAT_CHUNK;
        for (k = 0; k < c * n_in; k++)
            fx[k] = (float)x[i * n_in + k];
        rc = partials_real(net, c, fx, fo);
        for (k = 0; rc == JG_NET_OK && k < c * per; k++)
            out[i * per + k] = fo[k];
    }
    jg_free(fx);
    jg_free(fo);
    return rc;
}

int jg_net_partials_float(jg_net *net, size_t n, const float *x, float *out)
{
    int rc = check_partials("jg_net_partials_float", net, JG_FLOAT, n, x, out);
    return rc != JG_NET_OK ? rc : partials_real(net, n, x, out);
}

int jg_net_run_float(jg_net *net, int mode, size_t n, const float *x, float *u, float *du, float *d2)
{
    int rc = check_call("jg_net_run_float", net, mode, n, x);
    if (rc != JG_NET_OK)
        return rc;
    if (JG_MISUSE(net->plan->precision != JG_FLOAT, "jg_net_run_float",
                  "float arrays for a double handle (open it with JG_NET_FLOAT, or call jg_net_run)"))
        return JG_NET_EINPUT;
    return run_real(net, mode, n, x, u, du, d2, NULL);
}

/* jg_net_run_work and jg_net_run_float_work: the handle in `precision`,
   the caller's work space. */
static int run_work(const char *fn, jg_precision precision, jg_net *net, int mode, size_t n, const void *x,
                    void *u, void *du, void *d2, void *work)
{
    int rc = check_call(fn, net, mode, n, x);
    if (rc != JG_NET_OK)
        return rc;
    if (JG_MISUSE(net->plan->precision != precision, fn,
                  precision == JG_DOUBLE ? "a float handle (its call with a work space is jg_net_run_float_work)"
                                         : "float arrays for a double handle (call jg_net_run_work)")
        || JG_MISUSE(work == NULL && n > 0, fn, "work is NULL: give jg_net_work_bytes(net) bytes"))
        return JG_NET_EINPUT;
    return run_real(net, mode, n, x, u, du, d2, work);
}

int jg_net_run_work(jg_net *net, int mode, size_t n, const double *x, double *u, double *du, double *d2,
                    void *work)
{
    return run_work("jg_net_run_work", JG_DOUBLE, net, mode, n, x, u, du, d2, work);
}

int jg_net_run_float_work(jg_net *net, int mode, size_t n, const float *x, float *u, float *du, float *d2,
                          void *work)
{
    return run_work("jg_net_run_float_work", JG_FLOAT, net, mode, n, x, u, du, d2, work);
}

int jg_net_eval(jg_net *net, size_t n, const double *x, double *u)
{
    return jg_net_run(net, JG_NET_EVAL, n, x, u, NULL, NULL);
}

int jg_net_jacobian(jg_net *net, size_t n, const double *x, double *u, double *du)
{
    return jg_net_run(net, JG_NET_JACOBIAN, n, x, u, du, NULL);
}

int jg_net_hessian(jg_net *net, size_t n, const double *x, double *u, double *du, double *d2u)
{
    return jg_net_run(net, JG_NET_HESSIAN, n, x, u, du, d2u);
}

int jg_net_hessian_diag(jg_net *net, size_t n, const double *x, double *u, double *du,
                        double *d2u_diag)
{
    return jg_net_run(net, JG_NET_HESSIAN_DIAG, n, x, u, du, d2u_diag);
}

int jg_net_laplacian(jg_net *net, size_t n, const double *x, double *u, double *du, double *lap)
{
    return jg_net_run(net, JG_NET_LAPLACIAN, n, x, u, du, lap);
}

/* One thread's share of jg_net_run_parallel. */
typedef struct slice {
    jg_net *net;
    int mode, rc;
    size_t n;
    const double *x;
    double *u, *du, *d2;
} slice;

static void *run_slice(void *arg)
{
    slice *s = (slice *)arg;
    s->rc = jg_net_run(s->net, s->mode, s->n, s->x, s->u, s->du, s->d2);
    return NULL;
}

int jg_net_run_parallel(jg_net *net, int mode, int threads, size_t n, const double *x, double *u,
                        double *du, double *d2)
{
    slice s[JG_MAX_THREADS];
    size_t at[JG_MAX_THREADS + 1], n_in, n_out, per2, t, nt;
    int rc = check_call("jg_net_run_parallel", net, mode, n, x);
    if (rc != JG_NET_OK)
        return rc;
    nt = jg_split_work(n, threads, jg_net_flops(net, mode), at);
    if (nt <= 1)
        return jg_net_run(net, mode, n, x, u, du, d2);
    n_in = net->model->n_in;
    n_out = net->model->n_out;
    per2 = jg_plan_per_output2(net->model, (jg_mode)mode);
    for (t = 0; t < nt; t++) {
        s[t].net = net;
        s[t].mode = mode;
        s[t].rc = JG_NET_OK;
        s[t].n = at[t + 1] - at[t];
        s[t].x = x + at[t] * n_in;
        s[t].u = u != NULL ? u + at[t] * n_out : NULL;
        s[t].du = mode >= 1 && du != NULL ? du + at[t] * n_out * n_in : NULL;
        s[t].d2 = mode >= 2 && d2 != NULL ? d2 + at[t] * n_out * per2 : NULL;
    }
    jg_in_threads(run_slice, s, sizeof s[0], nt);
    for (t = 0; t < nt; t++)
        if (s[t].rc != JG_NET_OK)
            rc = s[t].rc;
    return rc;
}

/* The checks of one tensor of jg_net_set_tensors: JG_NET_OK, or
   JG_NET_EINPUT with the message set. */
static int check_tensor(jg_net *net, const char *tensor, const double *values, size_t count)
{
    const double most = net->plan->precision == JG_FLOAT ? 3.4028234663852886e38 : DBL_MAX;
    size_t i, e, found = 0;
    int bad = 0;
    if (JG_MISUSE(tensor == NULL || (values == NULL && count > 0), "jg_net_set_tensor",
                  "tensor is NULL, or values is NULL with count > 0"))
        return fail(net, JG_NET_EINPUT, "jg_net_set_tensor: no tensor name or values");
    for (e = find_named(net, tensor); e < net->n_named && strcmp(net->named[e].name, tensor) == 0; e++) {
        const jg_layer *l = &net->model->layers[net->named[e].layer];
        const int which = net->named[e].which;
        found++;
        if (count != jg_layer_tensor_count(l, which)) {
            net->msg.len = 0;
            jg_buf_printf(&net->msg, "%s: tensor '%s' has %zu numbers, not %zu", net->model->spec_path, tensor,
                          jg_layer_tensor_count(l, which), count);
            return JG_NET_EINPUT;
        }
    }
    if (found == 0) {
        net->msg.len = 0;
        jg_buf_printf(&net->msg, "%s: no tensor '%s' in the network", net->model->spec_path, tensor);
        return JG_NET_EINPUT;
    }
    /* the largest magnitude the network holds: a NaN, an infinity or a
       double beyond float's range fails it (one branch-free pass; the
       place is looked for only when one does) */
    for (i = 0; i < count; i++)
        bad |= !(fabs(values[i]) <= most);
    for (i = 0; bad && i < count; i++)
        if (!(fabs(values[i]) <= most)) {
            net->msg.len = 0;
            jg_buf_printf(&net->msg, "%s: tensor '%s' [%zu] is %g: not a number the network can hold",
                          net->model->spec_path, tensor, i, values[i]);
            return JG_NET_EINPUT;
        }
    return JG_NET_OK;
}

int jg_net_set_tensors(jg_net *net, size_t n, const char *const *tensors, const double *const *values,
                       const size_t *counts)
{
    size_t t, e;
    if (JG_MISUSE(net == NULL, "jg_net_set_tensor", "net is NULL")
        || JG_MISUSE(net->plan == NULL, "jg_net_set_tensor", "the handle's load failed (jg_net_errmsg says why)"))
        return JG_NET_EINPUT;
    if (JG_MISUSE(n > 0 && (tensors == NULL || values == NULL || counts == NULL), "jg_net_set_tensors",
                  "tensors, values or counts is NULL with n > 0"))
        return fail(net, JG_NET_EINPUT, "jg_net_set_tensors: no tensors");
    for (t = 0; t < n; t++)
        if (check_tensor(net, tensors[t], values[t], counts[t]) != JG_NET_OK)
            return JG_NET_EINPUT;
    if (n == 0)
        return JG_NET_OK;
    for (t = 0; t < n; t++)         /* into every layer that reads it */
        for (e = find_named(net, tensors[t]); e < net->n_named && strcmp(net->named[e].name, tensors[t]) == 0; e++) {
            jg_layer *l = &net->model->layers[net->named[e].layer];
            memcpy(net->named[e].which == 0 ? l->w : l->b, values[t], counts[t] * sizeof *values[t]);
        }
    strcpy(net->model->weights_sha256, "-");   /* emitted code no longer holds the file's numbers */
    net->generation++;                          /* tapes of the old numbers are stale */
    if (net->grad != NULL && jg_grad_refresh(net->grad) != 0) {     /* its copies of the old numbers */
        jg_grad_free(net->grad);    /* made again when needed */
        net->grad = NULL;
    }
    pthread_mutex_lock(&net->fill_lock);
    net->stale = 1;                 /* the forward plans' arrays at their next use (fill_forward) */
    pthread_mutex_unlock(&net->fill_lock);
    return JG_NET_OK;
}

int jg_net_set_tensor(jg_net *net, const char *tensor, const double *values, size_t count)
{
    return jg_net_set_tensors(net, 1, &tensor, &values, &count);
}

int jg_net_check_info(jg_net *net, const char *info, int precision, int *same_text)
{
    jg_buf why = JG_BUF_INIT;
    int rc;
    if (same_text != NULL)
        *same_text = 1;
    if (JG_MISUSE(net == NULL, "jg_net_check_info", "net is NULL")
        || JG_MISUSE(net->plan == NULL, "jg_net_check_info", "the handle's load failed (jg_net_errmsg says why)"))
        return JG_NET_EINPUT;
    if (JG_MISUSE(info == NULL || precision < -1 || precision > JG_NET_FLOAT, "jg_net_check_info",
                  "info is NULL, or precision is none of -1, JG_NET_DOUBLE, JG_NET_FLOAT"))
        return fail(net, JG_NET_EINPUT, "jg_net_check_info: bad arguments");
    rc = jg_emit_info_check(net->model, info, precision < 0 ? -1 : precision == JG_NET_FLOAT ? JG_FLOAT : JG_DOUBLE,
                            net->model->spec_path, &why);
    if (why.failed) {
        jg_buf_free(&why);
        return fail(net, JG_NET_ENOMEM, "out of memory");
    }
    if (rc != 0)        /* the reason, for a refusal and for another text alike */
        fail(net, JG_NET_EINPUT, jg_buf_str(&why));
    jg_buf_free(&why);
    if (rc > 0 && same_text != NULL)
        *same_text = 0;
    return rc < 0 ? JG_NET_EINPUT : JG_NET_OK;
}

int jg_net_emit(jg_net *net, const jg_net_emit_options *options, char **text, size_t *len)
{
    static const jg_net_emit_options defaults = {JG_NET_EMIT_SOURCE, NULL, 0, NULL};
    const jg_net_emit_options *eo = options != NULL ? options : &defaults;
    jg_plan *plan = NULL;
    jg_emit_opts o;
    jg_buf c = JG_BUF_INIT, h = JG_BUF_INIT;
    jg_diag d = JG_DIAG_INIT;
    int rc = JG_NET_OK;
    if (text != NULL)
        *text = NULL;
    if (JG_MISUSE(net == NULL, "jg_net_emit", "net is NULL")
        || JG_MISUSE(net->plan == NULL, "jg_net_emit", "the handle's load failed (jg_net_errmsg says why)"))
        return JG_NET_EINPUT;
    if (JG_MISUSE(text == NULL, "jg_net_emit", "text is NULL: nowhere to put the code")
        || JG_MISUSE(eo->form < 0 || eo->form > 2 || eo->functions > JG_HESSIAN_ALL, "jg_net_emit",
                     "options->form or options->functions is none of the JG_NET_EMIT_* values"))
        return fail(net, JG_NET_EINPUT, "jg_net_emit: bad arguments");
    o.prefix = eo->prefix != NULL ? eo->prefix : "model";
    o.target = eo->form == JG_NET_EMIT_SINGLE ? JG_TARGET_SINGLE : JG_TARGET_FILE;
    o.command = eo->command;
    o.precision = net->plan->precision;
    o.hessians = eo->functions;     /* the same bits as JG_HESSIAN_* */
    /* a plan of the model as it is now: jg_net_set_tensor's numbers are the
       model's, and the handle's own plan keeps those it was loaded with */
    plan = jg_plan_make(net->model, net->plan->precision, &d);
    if (plan == NULL) {
        rc = fail(net, d.text.failed || d.n_errors == 0 ? JG_NET_ENOMEM : JG_NET_EINPUT, jg_buf_str(&d.text));
    } else if (jg_emit_plan(plan, &o, &c, eo->form == JG_NET_EMIT_HEADER ? &h : NULL, &d) != 0) {
        rc = fail(net, d.text.failed ? JG_NET_ENOMEM : JG_NET_EINPUT, jg_buf_str(&d.text));
    } else {
        jg_buf *keep = eo->form == JG_NET_EMIT_HEADER ? &h : &c;
        if (keep->failed || keep->data == NULL) {
            rc = fail(net, JG_NET_ENOMEM, "out of memory");
        } else {
            *text = keep->data;
            if (len != NULL)
                *len = keep->len;
            keep->data = NULL;
        }
    }
    jg_plan_free(plan);
    jg_buf_free(&c);
    jg_buf_free(&h);
    jg_diag_free(&d);
    return rc;
}

/* The emit bits of jetgen.h are the generator's. */
typedef char emit_bits_agree[JG_NET_EMIT_HESSIAN == JG_HESSIAN_FULL && JG_NET_EMIT_HESSIAN_DIAG == JG_HESSIAN_DIAG
                             && JG_NET_EMIT_LAPLACIAN == JG_HESSIAN_LAPLACIAN ? 1 : -1];

const char *jg_net_prefix_problem(const char *prefix)
{
    return prefix != NULL ? jg_prefix_problem(prefix) : "it is NULL";
}

/* A diagnostic's text as a message for the caller (jg_net_free_text), its
   last newline dropped; NULL out of memory. */
static char *message_of(const jg_diag *d)
{
    const char *t = jg_buf_str(&d->text);
    size_t n = strlen(t);
    char *m;
    if (n > 0 && t[n - 1] == '\n')
        n--;
    m = jg_strndup(t, n);
    return m;
}

int jg_spec_from_weights(const char *weights_path, const char *activation, char **text, size_t *len,
                         char **message)
{
    jg_buf spec = JG_BUF_INIT;
    jg_diag d = JG_DIAG_INIT;
    int rc = JG_NET_OK;
    if (text != NULL)
        *text = NULL;
    if (message != NULL)
        *message = NULL;
    if (JG_MISUSE(weights_path == NULL || activation == NULL || text == NULL, "jg_spec_from_weights",
                  "weights_path, activation or text is NULL"))
        return JG_NET_EINPUT;
    if (jg_init_spec(weights_path, activation, &spec, &d) != 0) {
        rc = d.text.failed || strstr(jg_buf_str(&d.text), "out of memory") != NULL ? JG_NET_ENOMEM
                                                                                  : JG_NET_EINPUT;
        if (message != NULL)
            *message = message_of(&d);
    } else {
        *text = spec.data;
        if (len != NULL)
            *len = spec.len;
        spec.data = NULL;
    }
    jg_buf_free(&spec);
    jg_diag_free(&d);
    return rc;
}

const char *jg_activation_name(size_t i)
{
#define NAME(name, ...) #name,
    static const char *const names[JG_N_ACTIVATIONS] = {JG_ACTIVATIONS(NAME)};
#undef NAME
    return i < JG_N_ACTIVATIONS ? names[i] : NULL;
}

size_t jg_net_n_layers(const jg_net *net)
{
    return net != NULL && net->model != NULL ? net->model->n_layers : 0;
}

const char *jg_net_layer_value(const jg_net *net, size_t i)
{
    if (net == NULL || net->model == NULL || i >= net->model->n_layers || net->model->format != 3)
        return NULL;
    return net->model->layers[i].name;
}

size_t jg_net_layer_n_operands(const jg_net *net, size_t i)
{
    if (net == NULL || net->model == NULL || i >= net->model->n_layers || net->model->format != 3)
        return 0;
    return net->model->layers[i].n_args;
}

const char *jg_net_layer_operand(const jg_net *net, size_t i, size_t k)
{
    size_t v;
    if (k >= jg_net_layer_n_operands(net, i))
        return NULL;
    v = net->model->layers[i].arg[k];
    return v == 0 ? "input" : net->model->layers[v - 1].name;
}

int jg_net_layer_info(const jg_net *net, size_t i, jg_net_layer *out)
{
    const jg_layer *l;
    int k;
    if (JG_MISUSE(out == NULL, "jg_net_layer_info", "out is NULL"))
        return JG_NET_EINPUT;
    if (net == NULL || net->model == NULL || i >= net->model->n_layers)
        return JG_NET_EINPUT;
    l = &net->model->layers[i];
    memset(out, 0, sizeof *out);
    out->kind = l->info->keyword;
    out->line = l->line;
    out->n_out = l->n_out;
    out->n_in = l->n_in;
    out->n_params = jg_layer_params(l);
    if (jg_kinds[l->kind].halves > 0 || jg_kinds[l->kind].vectors)
        out->tensor = l->tensor;
    if (jg_kinds[l->kind].vectors)
        out->tensor2 = l->tensor2;
    if (jg_kinds[l->kind].halves > 0)
        out->dtype = l->dtype;
    out->has_bias = jg_kinds[l->kind].b_suffix != NULL && l->b != NULL;
    out->block = l->kind == JG_RESIDUAL || l->kind == JG_END ? l->depth + 1 : 0;
    if (jg_kinds[l->kind].vectors) {
        out->n_args = 2;
        out->arg_name[0] = "mul";
        out->arg_name[1] = "add";
    } else {
        out->n_args = l->info->n_params;
        for (k = 0; k < l->info->n_params; k++)
            out->arg_name[k] = l->info->param_name[k];
    }
    out->arg[0] = l->param[0];
    out->arg[1] = l->param[1];
    return JG_NET_OK;
}

const char *jg_net_weights_path(const jg_net *net)
{
    return net != NULL && net->model != NULL ? net->model->weights_path : NULL;
}

size_t jg_net_n_params(const jg_net *net)
{
    return net != NULL && net->model != NULL ? jg_model_params(net->model) : 0;
}

double jg_net_flops(const jg_net *net, int mode)
{
    if (net == NULL || net->model == NULL || mode < 0 || mode > JG_NET_PARTIALS
        || (mode == JG_NET_PARTIALS && net->model->n_terms == 0))
        return 0.0;
    return jg_model_flops(net->model, (jg_mode)mode);
}

size_t jg_net_tile_points(const jg_net *net, int mode)
{
    if (net == NULL || net->plan == NULL || mode < 0 || mode > JG_NET_PARTIALS
        || (mode == JG_NET_PARTIALS && net->model->n_terms == 0))
        return 0;
    return (net->lanes != NULL ? net->lanes : net->plan)->tile[mode];
}

int jg_net_plain_allocates(const jg_net *net)
{
    return net != NULL && net->plan != NULL && !net->plan->on_stack;
}

void jg_net_free_text(char *text)
{
    jg_free(text);
}

void jg_net_free(jg_net *net)
{
    if (net == NULL)
        return;
    release(net);
    pthread_mutex_destroy(&net->grad_lock);
    pthread_mutex_destroy(&net->fill_lock);
    jg_buf_free(&net->msg);
    jg_buf_free(&net->warnings);
    jg_free(net);
}

/* The reverse sweep, made at the first call (under the handle's lock:
   calls may come from several threads); NULL out of memory or for a
   handle whose load failed. */
static jg_grad *grad_of(jg_net *net)
{
    jg_grad *g;
    if (net == NULL || net->model == NULL)
        return NULL;
    pthread_mutex_lock(&net->grad_lock);
    if (net->grad == NULL) {
        jg_diag d = JG_DIAG_INIT;
        net->grad = jg_grad_new(net->model, net->plan != NULL && net->plan->precision == JG_FLOAT, &d);
        jg_diag_free(&d);
    }
    g = net->grad;
    pthread_mutex_unlock(&net->grad_lock);
    return g;
}

/* The list comes from the handle's index, made at load: no reverse sweep
   is made to answer, and nothing can fail. */
size_t jg_net_n_tensors(jg_net *net)
{
    return net != NULL ? net->n_listed : 0;
}

const char *jg_net_tensor_name(jg_net *net, size_t i)
{
    return net != NULL && i < net->n_listed ? net->listed[i].name : NULL;
}

size_t jg_net_tensor_count(jg_net *net, size_t i)
{
    return net != NULL && i < net->n_listed ? net->listed[i].count : 0;
}

size_t jg_net_tensor_offset(jg_net *net, size_t i)
{
    return net != NULL && i < net->n_listed ? net->listed[i].offset : 0;
}

size_t jg_net_n_grad(jg_net *net)
{
    return net != NULL ? net->n_grad : 0;
}

int jg_net_gradient(jg_net *net, int mode, size_t n, const double *x, const double *gu, const double *gdu,
                    const double *gd2, double *grad, double *gx)
{
    jg_grad *g;
    if (check_grad_call("jg_net_gradient", net, mode, n, x) != JG_NET_OK
        || JG_MISUSE(net->plan->precision != JG_DOUBLE, "jg_net_gradient",
                     "a float handle (gradients are computed in double: open it with JG_NET_DOUBLE)"))
        return JG_NET_EINPUT;
    g = grad_of(net);
    if (g == NULL)
        return JG_NET_ENOMEM;
    if (JG_MISUSE(grad == NULL && jg_grad_n_params(g) > 0, "jg_net_gradient", "grad is NULL"))
        return JG_NET_EINPUT;
    return jg_grad_run(g, mode, n, x, gu, gdu, gd2, grad, gx, NULL, NULL, NULL) == 0 ? JG_NET_OK : JG_NET_ENOMEM;
}

int jg_net_gradient_float(jg_net *net, int mode, size_t n, const float *x, const float *gu, const float *gdu,
                          const float *gd2, double *grad, float *gx)
{
    jg_grad *g;
    if (check_grad_call("jg_net_gradient_float", net, mode, n, x) != JG_NET_OK
        || JG_MISUSE(net->plan->precision != JG_FLOAT, "jg_net_gradient_float",
                     "float arrays for a double handle (open it with JG_NET_FLOAT, or call jg_net_gradient)"))
        return JG_NET_EINPUT;
    g = grad_of(net);
    if (g == NULL)
        return JG_NET_ENOMEM;
    if (JG_MISUSE(grad == NULL && jg_grad_n_params(g) > 0, "jg_net_gradient_float", "grad is NULL"))
        return JG_NET_EINPUT;
    return jg_grad_run_float(g, mode, n, x, gu, gdu, gd2, grad, gx) == 0 ? JG_NET_OK : JG_NET_ENOMEM;
}

/* ---- One forward a training step ---- */

struct jg_net_tape {
    const jg_net *net;
    unsigned long generation;   /* the handle's weights it was made with */
    int mode;
    size_t n;
    void *block;                /* owned; tape is 64-byte aligned within */
    size_t bytes;               /* block's */
    unsigned long key;          /* its layout's, for the spare (tape_key) */
    void *tape;                 /* numbers in the handle's precision */
};

size_t jg_net_tape_bytes(jg_net *net, int mode, size_t n)
{
    jg_grad *g;
    size_t k, real;
    if (check_grad_call("jg_net_tape_bytes", net, mode, n, "") != JG_NET_OK || (g = grad_of(net)) == NULL)
        return 0;
    k = jg_grad_tape_numbers(g, mode, n);
    real = jg_grad_is_float(g) ? sizeof(float) : sizeof(double);
    return k == SIZE_MAX || k > (SIZE_MAX - 64 - sizeof(jg_net_tape)) / real ? SIZE_MAX
         : k * real + 64 + sizeof(jg_net_tape);
}

size_t jg_net_recompute_flops(jg_net *net, int mode)
{
    jg_grad *g;
    if (check_grad_call("jg_net_recompute_flops", net, mode, 1, "") != JG_NET_OK || (g = grad_of(net)) == NULL)
        return 0;
    return 2 * jg_grad_recompute_fmas(g, mode);
}

/* The blocks of the tapes freed last, kept for the next tapes (a training
   loop makes one a step, of the same size): a fresh block of megabytes
   costs the kernel's page faults and zeroing at every step (glibc maps
   every block as large as the last one freed afresh), more than the
   forward sweep that fills it at a thousand points. At most JG_TAPE_SPARE
   bytes kept, for every handle together; a tape of the same layout
   (handle and mode) takes one when it needs between half of it and all
   of it. */
#define JG_TAPE_SPARE ((size_t)64 << 20)
static jg_spare tape_spare = JG_SPARE_INIT(JG_TAPE_SPARE);

/* The layout of g's tapes in mode, as the spare's key: a block is handed
   on only to tapes of the same layout, whose padding it leaves zero. */
static unsigned long tape_key(const jg_grad *g, int mode)
{
    return jg_grad_serial(g) * 8 + (unsigned long)mode;
}

/* A new tape of net's forward in mode at n points, for the handle's
   precision `precision` (checked, as fn says), and in *g the reverse
   sweep that fills it (the caller's sweep). JG_NET_OK with *tape set, or
   the error. */
static int tape_new(jg_net *net, const char *fn, int mode, size_t n, const void *x, jg_precision precision,
                    jg_net_tape **tape, jg_grad **g)
{
    jg_net_tape *t;
    size_t k, real;
    if (tape != NULL)
        *tape = NULL;
    if (check_grad_call(fn, net, mode, n, x) != JG_NET_OK
        || JG_MISUSE(tape == NULL, fn, "tape is NULL: nowhere to put the tape")
        || JG_MISUSE(net->plan->precision != precision, fn,
                     precision == JG_FLOAT ? "a double handle (jg_net_forward_tape is its)"
                                           : "a float handle (jg_net_forward_tape_float is its)"))
        return JG_NET_EINPUT;
    if ((*g = grad_of(net)) == NULL)
        return JG_NET_ENOMEM;
    k = jg_grad_tape_numbers(*g, mode, n);
    real = precision == JG_FLOAT ? sizeof(float) : sizeof(double);
    t = (jg_net_tape *)jg_malloc(sizeof *t);
    if (t == NULL)
        return JG_NET_ENOMEM;
    t->bytes = k != SIZE_MAX && k < SIZE_MAX / real - 64 ? k * real + 64 : 0;
    t->key = tape_key(*g, mode);
    t->block = t->bytes > 0 ? jg_spare_take(&tape_spare, t->bytes, t->key) : NULL;
    if (t->block == NULL) {
        jg_free(t);
        return JG_NET_ENOMEM;
    }
    t->tape = (unsigned char *)t->block + (64 - (size_t)t->block % 64) % 64;
    t->net = net;
    t->generation = net->generation;
    t->mode = mode;
    t->n = n;
    *tape = t;
    return JG_NET_OK;
}

int jg_net_forward_tape(jg_net *net, int mode, size_t n, const double *x, double *u, double *du, double *d2,
                        jg_net_tape **tape)
{
    jg_grad *g = NULL;
    const int rc = tape_new(net, "jg_net_forward_tape", mode, n, x, JG_DOUBLE, tape, &g);
    if (rc == JG_NET_OK)
        jg_grad_forward(g, mode, n, x, u, du, d2, (double *)(*tape)->tape);
    return rc;
}

int jg_net_forward_tape_float(jg_net *net, int mode, size_t n, const float *x, float *u, float *du, float *d2,
                              jg_net_tape **tape)
{
    jg_grad *g = NULL;
    const int rc = tape_new(net, "jg_net_forward_tape_float", mode, n, x, JG_FLOAT, tape, &g);
    if (rc == JG_NET_OK)
        jg_grad_forward_float(g, mode, n, x, u, du, d2, (float *)(*tape)->tape);
    return rc;
}

/* The handle's reverse sweep for tape, checked as fn says: NULL with the
   status in *rc where the call cannot go on. */
static jg_grad *tape_grad(jg_net *net, const char *fn, const jg_net_tape *tape, jg_precision precision,
                          const double *grad, int *rc)
{
    jg_grad *g;
    *rc = JG_NET_EINPUT;
    if (JG_MISUSE(net == NULL || net->plan == NULL, fn, "net is NULL or its load failed")
        || JG_MISUSE(tape == NULL || tape->net != net, fn, "tape is NULL or was made by another handle")
        || JG_MISUSE(net->plan->precision != precision, fn,
                     precision == JG_FLOAT ? "a double handle (jg_net_gradient_tape is its)"
                                           : "a float handle (jg_net_gradient_tape_float is its)"))
        return NULL;
    if (tape->generation != net->generation) {
        net->msg.len = 0;
        jg_buf_printf(&net->msg, "%s: the tape holds the numbers of weights jg_net_set_tensor has changed since: "
                      "make a new one", net->model->spec_path);
        return NULL;
    }
    if ((g = grad_of(net)) == NULL) {
        *rc = JG_NET_ENOMEM;
        return NULL;
    }
    if (JG_MISUSE(grad == NULL && jg_grad_n_params(g) > 0, fn, "grad is NULL"))
        return NULL;
    *rc = JG_NET_OK;
    return g;
}

int jg_net_gradient_tape(jg_net *net, const jg_net_tape *tape, const double *gu, const double *gdu,
                         const double *gd2, double *grad, double *gx)
{
    int rc;
    jg_grad *g = tape_grad(net, "jg_net_gradient_tape", tape, JG_DOUBLE, grad, &rc);
    if (g == NULL)
        return rc;
    return jg_grad_back(g, tape->mode, tape->n, (const double *)tape->tape, gu,
                        tape->mode >= JG_NET_JACOBIAN ? gdu : NULL, tape->mode >= JG_NET_HESSIAN ? gd2 : NULL, grad,
                        gx) == 0 ? JG_NET_OK : JG_NET_ENOMEM;
}

int jg_net_gradient_tape_float(jg_net *net, const jg_net_tape *tape, const float *gu, const float *gdu,
                               const float *gd2, double *grad, float *gx)
{
    int rc;
    jg_grad *g = tape_grad(net, "jg_net_gradient_tape_float", tape, JG_FLOAT, grad, &rc);
    if (g == NULL)
        return rc;
    return jg_grad_back_float(g, tape->mode, tape->n, (const float *)tape->tape, gu,
                              tape->mode >= JG_NET_JACOBIAN ? gdu : NULL, tape->mode >= JG_NET_HESSIAN ? gd2 : NULL,
                              grad, gx) == 0 ? JG_NET_OK : JG_NET_ENOMEM;
}

void jg_net_tape_free(jg_net_tape *tape)
{
    if (tape == NULL)
        return;
    jg_spare_keep(&tape_spare, tape->block, tape->bytes, tape->key);
    jg_free(tape);
}
