/* _jetgen.c: the C extension of the Python package (python/jetgen): a
   handle of the public library (include/jetgen.h) on libjetgen_core.a,
   the library without libtcc (Debian's libtcc.a is not position-
   independent, so no extension module can contain it): every handle runs
   the executor, no compiler at run time. The Python side (__init__.py)
   shapes and allocates the arrays; this side checks them, releases the
   GIL and splits the points over threads. Errors are jetgen.Error with
   the library's message.

   Threads: a Net may be shared by any number of Python threads. Runs and
   gradients take the net's lock shared (they run at once), set_tensor takes
   it alone (include/jetgen.h: no run while a tensor is replaced), so a run
   sees the old numbers or the new, never a mixture; a Net is loaded once
   (a second __init__ is refused: it would free the handle under a run). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jetgen.h"
#include "diag.h"
#include "fdiff.h"
#include "load.h"
#include "model.h"
#include "parallel.h"
#include "taylor.h"


static PyObject *jetgen_error;

typedef struct net_object {
    PyObject_HEAD
    jg_net *net;
    int precision;          /* JG_NET_DOUBLE or JG_NET_FLOAT */
    pthread_rwlock_t lock;  /* runs shared, set_tensor alone */
    int has_lock;
} net_object;

/* The lock of a new object; writers first, so that set_tensor is not
   starved by a stream of runs. */
static int lock_init(net_object *self)
{
    pthread_rwlockattr_t a;
    int rc;
    if (pthread_rwlockattr_init(&a) != 0)
        return -1;
#ifdef __GLIBC__
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    rc = pthread_rwlock_init(&self->lock, &a);
    pthread_rwlockattr_destroy(&a);
    if (rc != 0)
        return -1;
    self->has_lock = 1;
    return 0;
}

/* The mode's second-derivative numbers per output (include/jetgen.h). */
static size_t per_output2(jg_net *net, int mode)
{
    const size_t n_in = jg_net_n_in(net);
    return mode == JG_NET_HESSIAN ? n_in * n_in : mode == JG_NET_HESSIAN_DIAG ? jg_net_n_over(net)
         : mode == JG_NET_LAPLACIAN ? 1 : 0;
}

/* u's numbers per point: n_out, or every term of every output
   (JG_NET_PARTIALS). */
static size_t u_per_point(jg_net *net, int mode)
{
    return jg_net_n_out(net) * (mode == JG_NET_PARTIALS ? jg_net_n_terms(net) : 1);
}

/* Whether mode is one that fn takes (JG_NET_PARTIALS only for a network
   with terms); else a ValueError, and 0. */
static int mode_ok(jg_net *net, int mode, const char *fn)
{
    if (mode == JG_NET_PARTIALS && jg_net_n_terms(net) == 0) {
        PyErr_Format(PyExc_ValueError, "%s: the network has no terms", fn);
        return 0;
    }
    if (mode < JG_NET_EVAL || mode > JG_NET_PARTIALS) {
        PyErr_Format(PyExc_ValueError, "%s: bad mode", fn);
        return 0;
    }
    return 1;
}

/* ---- threads ---- */

/* The forward tapes of one call's runs of points (a capsule's). */
typedef struct tapes {
    size_t nt, at[JG_MAX_THREADS + 1];
    int mode;
    jg_net_tape *t[JG_MAX_THREADS];
    PyObject *owner;            /* the Net (a reference): the tapes are its */
} tapes;

typedef struct chunk {
    jg_net *net;
    int precision, mode, rc;
    size_t n;
    const char *x;
    char *u, *du, *d2;
    jg_net_tape **tape;         /* or NULL: no tape kept */
} chunk;

static void *run_chunk(void *arg)
{
    chunk *c = (chunk *)arg;
    if (c->tape != NULL && c->precision == JG_NET_FLOAT)
        c->rc = jg_net_forward_tape_float(c->net, c->mode, c->n, (const float *)(const void *)c->x,
                                          (float *)(void *)c->u, (float *)(void *)c->du, (float *)(void *)c->d2,
                                          c->tape);
    else if (c->tape != NULL)
        c->rc = jg_net_forward_tape(c->net, c->mode, c->n, (const double *)(const void *)c->x,
                                    (double *)(void *)c->u, (double *)(void *)c->du, (double *)(void *)c->d2,
                                    c->tape);
    else if (c->mode == JG_NET_PARTIALS && c->precision == JG_NET_FLOAT)
        c->rc = jg_net_partials_float(c->net, c->n, (const float *)(const void *)c->x, (float *)(void *)c->u);
    else if (c->mode == JG_NET_PARTIALS)
        c->rc = jg_net_partials(c->net, c->n, (const double *)(const void *)c->x, (double *)(void *)c->u);
    else if (c->precision == JG_NET_FLOAT)
        c->rc = jg_net_run_float(c->net, c->mode, c->n, (const float *)(const void *)c->x,
                                 (float *)(void *)c->u, (float *)(void *)c->du, (float *)(void *)c->d2);
    else
        c->rc = jg_net_run(c->net, c->mode, c->n, (const double *)(const void *)c->x,
                           (double *)(void *)c->u, (double *)(void *)c->du, (double *)(void *)c->d2);
    return NULL;
}

/* The n points over up to `threads` threads (split); with tp, each run
   keeps its forward's tape in tp. The status of the first failure, or
   JG_NET_OK. */
static int run_threads(jg_net *net, int precision, int mode, int threads, size_t n, const char *x, char *u,
                       char *du, char *d2, tapes *tp)
{
    const size_t real = precision == JG_NET_FLOAT ? sizeof(float) : sizeof(double);
    const size_t n_in = jg_net_n_in(net), n_out = jg_net_n_out(net);
    const size_t per2 = per_output2(net, mode);
    chunk c[JG_MAX_THREADS];
    size_t at[JG_MAX_THREADS + 1], t;
    /* threads as asked for, or -k: the default, up to k (jg_split_work) */
    const size_t nt = jg_split_work(n, threads, jg_net_flops(net, mode), at);
    int rc = JG_NET_OK;
    for (t = 0; t < nt; t++) {
        c[t].net = net;
        c[t].precision = precision;
        c[t].mode = mode;
        c[t].rc = JG_NET_OK;
        c[t].n = at[t + 1] - at[t];
        c[t].x = x + at[t] * n_in * real;
        c[t].u = u != NULL ? u + at[t] * u_per_point(net, mode) * real : NULL;
        c[t].du = du != NULL ? du + at[t] * n_out * n_in * real : NULL;
        c[t].d2 = d2 != NULL ? d2 + at[t] * n_out * per2 * real : NULL;
        c[t].tape = tp != NULL ? &tp->t[t] : NULL;
    }
    if (tp != NULL) {
        tp->nt = nt;
        tp->mode = mode;
        memcpy(tp->at, at, sizeof at);
    }
    jg_in_threads(run_chunk, c, sizeof c[0], nt);
    for (t = 0; t < nt; t++)
        if (c[t].rc != JG_NET_OK && rc == JG_NET_OK)
            rc = c[t].rc;
    return rc;
}

/* ---- the Net type ---- */

static int net_init(net_object *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"spec", "float32", "text", "weights", NULL};
    PyObject *path_obj = NULL, *bytes = NULL, *text_obj = Py_None, *weights_obj = Py_None;
    Py_buffer text, weights;
    jg_net_options o;
    jg_net *net = NULL;
    int is_float = 0, rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|pOO", kwlist, &path_obj, &is_float, &text_obj, &weights_obj))
        return -1;
    if (self->net != NULL || self->has_lock) {
        PyErr_SetString(jetgen_error, "this Net is loaded already: make a new one (loading again would free the "
                                      "network under a call that runs it)");
        return -1;
    }
    if (lock_init(self) != 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (!PyUnicode_FSConverter(path_obj, &bytes))
        return -1;
    memset(&text, 0, sizeof text);
    memset(&weights, 0, sizeof weights);
    if ((text_obj != Py_None && PyObject_GetBuffer(text_obj, &text, PyBUF_SIMPLE) != 0)
        || (weights_obj != Py_None && PyObject_GetBuffer(weights_obj, &weights, PyBUF_SIMPLE) != 0)) {
        if (text.obj != NULL)
            PyBuffer_Release(&text);
        Py_DECREF(bytes);
        return -1;
    }
    o.precision = is_float ? JG_NET_FLOAT : JG_NET_DOUBLE;
    o.backend = JG_NET_EXECUTOR;
    Py_BEGIN_ALLOW_THREADS
    /* text given: the spec from memory (spec names it in messages), with
       the weights' bytes where given */
    rc = text.obj == NULL ? jg_net_open(PyBytes_AS_STRING(bytes), &o, &net)
                          : jg_net_load_mem(PyBytes_AS_STRING(bytes), (const char *)text.buf, (size_t)text.len,
                                            weights.obj != NULL ? weights.buf : NULL,
                                            weights.obj != NULL ? (size_t)weights.len : 0, &o, &net);
    Py_END_ALLOW_THREADS
    if (text.obj != NULL)
        PyBuffer_Release(&text);
    if (weights.obj != NULL)
        PyBuffer_Release(&weights);
    Py_DECREF(bytes);
    if (rc != JG_NET_OK) {
        if (net == NULL || rc == JG_NET_ENOMEM)
            PyErr_NoMemory();
        else
            PyErr_SetString(jetgen_error, jg_net_errmsg(net));
        jg_net_free(net);
        return -1;
    }
    self->net = net;
    self->precision = o.precision;
    return 0;
}

static void net_dealloc(net_object *self)
{
    jg_net_free(self->net);
    if (self->has_lock)
        pthread_rwlock_destroy(&self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int ready(net_object *self)
{
    if (self->net == NULL) {
        PyErr_SetString(jetgen_error, "the network was not loaded");
        return 0;
    }
    return 1;
}

/* An array's bytes, for the overlap check. */
typedef struct span {
    const char *name;
    const char *at;
    size_t bytes;
    int written;
} span;

/* a is None (when may_be_none) or a C-contiguous, aligned array of the
   handle's dtype with `count` elements (writeable unless it is x). */
static int check_array_of(int type, PyObject *a, const char *name, size_t count, int writeable,
                          int may_be_none, char **data)
{
    PyArrayObject *arr;
    *data = NULL;
    if (a == Py_None && may_be_none)
        return 1;
    if (!PyArray_Check(a)) {
        PyErr_Format(PyExc_TypeError, "%s must be a numpy array", name);
        return 0;
    }
    arr = (PyArrayObject *)a;
    if (PyArray_TYPE(arr) != type || !PyArray_IS_C_CONTIGUOUS(arr) || !PyArray_ISALIGNED(arr)
        || (writeable && !PyArray_ISWRITEABLE(arr))) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous, aligned%s array of %s", name,
                     writeable ? ", writeable" : "", type == NPY_FLOAT32 ? "float32" : "float64");
        return 0;
    }
    if ((size_t)PyArray_SIZE(arr) != count) {
        PyErr_Format(PyExc_ValueError, "%s has %zd numbers, not %zu", name, (Py_ssize_t)PyArray_SIZE(arr),
                     count);
        return 0;
    }
    *data = (char *)PyArray_DATA(arr);
    return 1;
}

/* check_array_of in the handle's precision. */
static int check_array(net_object *self, PyObject *a, const char *name, size_t count, int writeable,
                       int may_be_none, char **data)
{
    return check_array_of(self->precision == JG_NET_FLOAT ? NPY_FLOAT32 : NPY_FLOAT64, a, name, count, writeable,
                          may_be_none, data);
}

/* Refuses (ValueError) an array written by the call whose bytes overlap
   another array of the call: results written over the points, or u over
   du, would be read after they are overwritten. */
static int check_overlap(const span *s, size_t n)
{
    size_t i, j;
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++) {
            if (s[i].at == NULL || s[j].at == NULL || s[i].bytes == 0 || s[j].bytes == 0
                || !(s[i].written || s[j].written))
                continue;
            if (s[i].at < s[j].at + s[j].bytes && s[j].at < s[i].at + s[i].bytes) {
                PyErr_Format(PyExc_ValueError, "%s and %s share memory: give arrays that do not overlap",
                             s[i].name, s[j].name);
                return 0;
            }
        }
    return 1;
}

/* ---- tapes: one forward a training step ---- */

static void tapes_free(PyObject *capsule)
{
    tapes *tp = (tapes *)PyCapsule_GetPointer(capsule, "jetgen.tape");
    size_t t;
    if (tp == NULL)
        return;
    for (t = 0; t < tp->nt; t++)
        jg_net_tape_free(tp->t[t]);
    Py_XDECREF(tp->owner);
    free(tp);
}

/* The tapes of capsule o, made by self's run: NULL with TypeError else. */
static const tapes *tapes_of(net_object *self, PyObject *o, int mode, size_t n)
{
    const tapes *tp = PyCapsule_IsValid(o, "jetgen.tape") ? (const tapes *)PyCapsule_GetPointer(o, "jetgen.tape")
                                                        : NULL;
    if (tp == NULL || tp->owner != (PyObject *)self || tp->mode != mode || tp->at[tp->nt] != n) {
        PyErr_SetString(PyExc_TypeError, "tape: not the tape of this net's forward in this mode at these points");
        return NULL;
    }
    return tp;
}

/* run(mode, n, x, u, du, d2, threads): the results of mode at the n points
   x into u, du and d2 (each None or an array of the mode's size). */
static PyObject *net_run(net_object *self, PyObject *args)
{
    PyObject *xo, *uo, *duo, *d2o, *capsule = NULL;
    Py_ssize_t n_arg;
    int mode, threads, rc, keep = 0;
    size_t n, n_in, n_out, per2;
    char *x, *u, *du, *d2;
    tapes *tp = NULL;
    if (!ready(self) || !PyArg_ParseTuple(args, "inOOOOi|p", &mode, &n_arg, &xo, &uo, &duo, &d2o, &threads, &keep))
        return NULL;
    if (!mode_ok(self->net, mode, "run"))
        return NULL;
    if (n_arg < 0) {
        PyErr_SetString(PyExc_ValueError, "run: bad point count");
        return NULL;
    }
    if (mode == JG_NET_PARTIALS && (duo != Py_None || d2o != Py_None)) {
        PyErr_SetString(PyExc_ValueError, "run: the partials have no du or d2u (u holds every term)");
        return NULL;
    }
    n = (size_t)n_arg;
    n_in = jg_net_n_in(self->net);
    n_out = u_per_point(self->net, mode);     /* u's numbers a point */
    per2 = per_output2(self->net, mode);
    if (!check_array(self, xo, "x", n * n_in, 0, 0, &x) || !check_array(self, uo, "u", n * n_out, 1, 1, &u)
        || !check_array(self, duo, "du", n * n_out * n_in, 1, 1, &du)
        || !check_array(self, d2o, "d2u", n * n_out * per2, 1, 1, &d2))
        return NULL;
    {
        const size_t real = self->precision == JG_NET_FLOAT ? sizeof(float) : sizeof(double);
        const span s[4] = {{"x", x, n * n_in * real, 0}, {"u", u, n * n_out * real, 1},
                           {"du", mode >= JG_NET_JACOBIAN ? du : NULL, n * n_out * n_in * real, 1},
                           {"the second derivatives", mode >= JG_NET_HESSIAN ? d2 : NULL,
                            n * n_out * per2 * real, 1}};
        if (!check_overlap(s, 4))
            return NULL;
    }
    if (keep) {
        tp = (tapes *)calloc(1, sizeof *tp);
        capsule = tp != NULL ? PyCapsule_New(tp, "jetgen.tape", tapes_free) : NULL;
        if (capsule == NULL) {
            free(tp);
            return PyErr_NoMemory();
        }
        Py_INCREF(self);
        tp->owner = (PyObject *)self;
        tp->mode = mode;
    }
    if (n == 0) {
        if (capsule != NULL)
            return capsule;
        Py_RETURN_NONE;
    }
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_rdlock(&self->lock);
    rc = run_threads(self->net, self->precision, mode, threads, n, x, mode >= 0 ? u : NULL,
                     mode >= JG_NET_JACOBIAN ? du : NULL, mode >= JG_NET_HESSIAN ? d2 : NULL, tp);
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    if (rc != JG_NET_OK) {
        Py_XDECREF(capsule);
        if (rc == JG_NET_ENOMEM)
            return PyErr_NoMemory();
        PyErr_SetString(jetgen_error, "the network could not be evaluated");
        return NULL;
    }
    if (capsule != NULL)
        return capsule;
    Py_RETURN_NONE;
}

/* None for JG_NET_OK, else the exception of status rc (MemoryError, or
   jetgen.Error with the handle's message). */
static PyObject *status(net_object *self, int rc)
{
    if (rc == JG_NET_ENOMEM)
        return PyErr_NoMemory();
    if (rc != JG_NET_OK) {
        PyErr_SetString(jetgen_error, jg_net_errmsg(self->net));
        return NULL;
    }
    Py_RETURN_NONE;
}

/* partials(n, x, out): jg_net_partials (or _float) of the n points x into
   out [n][n_out][n_terms], one thread. */
static PyObject *net_partials(net_object *self, PyObject *args)
{
    PyObject *xo, *oo;
    Py_ssize_t n_arg;
    size_t n, n_in, per;
    char *x, *out;
    int rc;
    if (!ready(self) || !PyArg_ParseTuple(args, "nOO", &n_arg, &xo, &oo))
        return NULL;
    if (n_arg < 0) {
        PyErr_SetString(PyExc_ValueError, "partials: a negative point count");
        return NULL;
    }
    n = (size_t)n_arg;
    n_in = jg_net_n_in(self->net);
    per = jg_net_n_out(self->net) * jg_net_n_terms(self->net);
    if (!check_array(self, xo, "x", n * n_in, 0, 0, &x) || !check_array(self, oo, "out", n * per, 1, 0, &out))
        return NULL;
    {
        const size_t real = self->precision == JG_NET_FLOAT ? sizeof(float) : sizeof(double);
        const span s[2] = {{"x", x, n * n_in * real, 0}, {"out", out, n * per * real, 1}};
        if (!check_overlap(s, 2))
            return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_rdlock(&self->lock);
    rc = self->precision == JG_NET_FLOAT
             ? jg_net_partials_float(self->net, n, (const float *)(const void *)x, (float *)(void *)out)
             : jg_net_partials(self->net, n, (const double *)(const void *)x, (double *)(void *)out);
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    return status(self, rc);
}

/* set_tensor(name, values): a float64 array, the tensor's numbers in place. */
static PyObject *net_set_tensor(net_object *self, PyObject *args)
{
    const char *name;
    PyObject *vo;
    PyArrayObject *v;
    int rc;
    if (!ready(self) || !PyArg_ParseTuple(args, "sO", &name, &vo))
        return NULL;
    v = (PyArrayObject *)PyArray_FROMANY(vo, NPY_FLOAT64, 0, 0, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (v == NULL)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_wrlock(&self->lock);
    rc = jg_net_set_tensor(self->net, name, (const double *)PyArray_DATA(v), (size_t)PyArray_SIZE(v));
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    Py_DECREF(v);
    return status(self, rc);
}

/* set_terms(list): jg_net_set_terms (the plans made again: the write
   lock). */
static PyObject *net_set_terms(net_object *self, PyObject *args)
{
    const char *list;
    int rc;
    if (!ready(self) || !PyArg_ParseTuple(args, "s", &list))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_wrlock(&self->lock);
    rc = jg_net_set_terms(self->net, list);
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    return status(self, rc);
}

/* set_tensors(pairs[, segments, flat]): jg_net_set_tensors of every
   (name, values) of pairs and every (name, count) of segments, whose
   values lie one after another from the start of flat (a float64 array: a
   training step's parameters, copied once), all checked before any is
   written, the arrays made once. */
static PyObject *net_set_tensors(net_object *self, PyObject *args)
{
    PyObject *seq, *segs = Py_None, *flat_o = Py_None, *items = NULL, *parts = NULL;
    Py_ssize_t n_pairs, n_segs = 0, n, i;
    const char **names = NULL;
    const double **values = NULL;
    size_t *counts = NULL, used = 0;
    PyArrayObject **arrays = NULL;
    char *flat = NULL;
    PyObject *result = NULL;
    int rc;
    if (!ready(self) || !PyArg_ParseTuple(args, "O|OO", &seq, &segs, &flat_o))
        return NULL;
    if ((items = PySequence_Fast(seq, "set_tensors takes a sequence of (name, values) pairs")) == NULL)
        return NULL;
    if (segs != Py_None) {
        if ((parts = PySequence_Fast(segs, "set_tensors takes a sequence of (name, count) segments")) == NULL)
            goto done;
        n_segs = PySequence_Fast_GET_SIZE(parts);
        if (!PyArray_Check(flat_o) || PyArray_TYPE((PyArrayObject *)flat_o) != NPY_FLOAT64
            || !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)flat_o) || !PyArray_ISALIGNED((PyArrayObject *)flat_o)) {
            PyErr_SetString(PyExc_TypeError, "set_tensors: the segments' values must be a C-contiguous float64 array");
            goto done;
        }
        flat = (char *)PyArray_DATA((PyArrayObject *)flat_o);
    }
    n_pairs = PySequence_Fast_GET_SIZE(items);
    n = n_pairs + n_segs;
    names = (const char **)PyMem_Calloc((size_t)n + 1, sizeof *names);
    values = (const double **)PyMem_Calloc((size_t)n + 1, sizeof *values);
    counts = (size_t *)PyMem_Calloc((size_t)n + 1, sizeof *counts);
    arrays = (PyArrayObject **)PyMem_Calloc((size_t)n + 1, sizeof *arrays);
    if (names == NULL || values == NULL || counts == NULL || arrays == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n_pairs; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(items, i), *vo;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2
            || (names[i] = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 0))) == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "set_tensors takes (name, values) pairs");
            goto done;
        }
        vo = PyTuple_GET_ITEM(pair, 1);
        arrays[i] = (PyArrayObject *)PyArray_FROMANY(vo, NPY_FLOAT64, 0, 0, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
        if (arrays[i] == NULL)
            goto done;
        values[i] = (const double *)PyArray_DATA(arrays[i]);
        counts[i] = (size_t)PyArray_SIZE(arrays[i]);
    }
    for (i = 0; i < n_segs; i++) {
        PyObject *seg = PySequence_Fast_GET_ITEM(parts, i);
        Py_ssize_t c;
        if (!PyTuple_Check(seg) || PyTuple_GET_SIZE(seg) != 2
            || (names[n_pairs + i] = PyUnicode_AsUTF8(PyTuple_GET_ITEM(seg, 0))) == NULL
            || (c = PyLong_AsSsize_t(PyTuple_GET_ITEM(seg, 1))) < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "set_tensors takes (name, count) segments");
            goto done;
        }
        if ((size_t)c > (size_t)PyArray_SIZE((PyArrayObject *)flat_o) - used) {
            PyErr_SetString(PyExc_ValueError, "set_tensors: the segments run past the end of their values");
            goto done;
        }
        values[n_pairs + i] = (const double *)(void *)flat + used;
        counts[n_pairs + i] = (size_t)c;
        used += (size_t)c;
    }
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_wrlock(&self->lock);
    rc = jg_net_set_tensors(self->net, (size_t)n, names, values, counts);
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    if (rc == JG_NET_ENOMEM)
        PyErr_NoMemory();
    else if (rc != JG_NET_OK)
        PyErr_SetString(jetgen_error, jg_net_errmsg(self->net));
    else
        result = Py_None, Py_INCREF(Py_None);
done:
    for (i = 0; arrays != NULL && i < n_pairs; i++)
        Py_XDECREF(arrays[i]);
    PyMem_Free(names);
    PyMem_Free(values);
    PyMem_Free(counts);
    PyMem_Free(arrays);
    Py_XDECREF(parts);
    Py_DECREF(items);
    return result;
}

/* The gradients of a run of points, in a thread of its own: its own
   gradient array, summed after. */
typedef struct grad_chunk {
    jg_net *net;
    int mode, rc, is_float;
    size_t n;
    const char *x, *gu, *gdu, *gd2;     /* in the handle's precision */
    double *grad;
    char *gx;
    const jg_net_tape *tape;    /* the run's forward, or NULL: computed again */
} grad_chunk;

static void *grad_run(void *arg)
{
    grad_chunk *c = (grad_chunk *)arg;
    if (c->is_float && c->tape != NULL)
        c->rc = jg_net_gradient_tape_float(c->net, c->tape, (const float *)(const void *)c->gu,
                                           (const float *)(const void *)c->gdu, (const float *)(const void *)c->gd2,
                                           c->grad, (float *)(void *)c->gx);
    else if (c->is_float)
        c->rc = jg_net_gradient_float(c->net, c->mode, c->n, (const float *)(const void *)c->x,
                                      (const float *)(const void *)c->gu, (const float *)(const void *)c->gdu,
                                      (const float *)(const void *)c->gd2, c->grad, (float *)(void *)c->gx);
    else if (c->tape != NULL)
        c->rc = jg_net_gradient_tape(c->net, c->tape, (const double *)(const void *)c->gu,
                                     (const double *)(const void *)c->gdu, (const double *)(const void *)c->gd2,
                                     c->grad, (double *)(void *)c->gx);
    else
        c->rc = jg_net_gradient(c->net, c->mode, c->n, (const double *)(const void *)c->x,
                                (const double *)(const void *)c->gu, (const double *)(const void *)c->gdu,
                                (const double *)(const void *)c->gd2, c->grad, (double *)(void *)c->gx);
    return NULL;
}

/* jg_net_gradient over up to `threads` runs of the points (split; with
   tp, the runs of its forward, from their tapes), the gradients summed
   into grad. */
static int gradient_threads(jg_net *net, int is_float, int mode, int threads, size_t n, const char *x,
                            const char *gu, const char *gdu, const char *gd2, double *grad, char *gx, const tapes *tp)
{
    const size_t real = is_float ? sizeof(float) : sizeof(double);
    const size_t n_in = jg_net_n_in(net), n_out = jg_net_n_out(net), ng = jg_net_n_grad(net);
    const size_t per2 = per_output2(net, mode);
    grad_chunk c[JG_MAX_THREADS];
    double *extra = NULL;
    size_t at[JG_MAX_THREADS + 1], t, k, nt;
    int rc = JG_NET_OK;
    if (tp != NULL && tp->nt == 0)
        tp = NULL;          /* no points, no tape: the gradients are zeros */
    if (tp != NULL) {
        nt = tp->nt;
        memcpy(at, tp->at, sizeof at);
    } else {
        nt = jg_split_work(n, threads, 3.0 * jg_net_flops(net, mode), at);  /* about three forwards' work */
    }
    if (nt > 1 && (extra = (double *)malloc((nt - 1) * (ng > 0 ? ng : 1) * sizeof *extra)) == NULL) {
        if (tp != NULL)
            return JG_NET_ENOMEM;
        nt = jg_split_points(n, 1, JG_MIN_PER_THREAD, at);
    }
    for (t = 0; t < nt; t++) {
        c[t].net = net;
        c[t].mode = mode;
        c[t].is_float = is_float;
        c[t].rc = JG_NET_OK;
        c[t].n = at[t + 1] - at[t];
        c[t].x = x + at[t] * n_in * real;
        c[t].gu = gu != NULL ? gu + at[t] * u_per_point(net, mode) * real : NULL;
        c[t].gdu = gdu != NULL ? gdu + at[t] * n_out * n_in * real : NULL;
        c[t].gd2 = gd2 != NULL ? gd2 + at[t] * n_out * per2 * real : NULL;
        c[t].grad = t == 0 ? grad : extra + (t - 1) * ng;
        c[t].gx = gx != NULL ? gx + at[t] * n_in * real : NULL;
        c[t].tape = tp != NULL ? tp->t[t] : NULL;
    }
    jg_in_threads(grad_run, c, sizeof c[0], nt);
    for (t = 0; t < nt; t++) {
        if (c[t].rc != JG_NET_OK && rc == JG_NET_OK)
            rc = c[t].rc;
        for (k = 0; t > 0 && k < ng; k++)
            grad[k] += c[t].grad[k];
    }
    free(extra);
    return rc;
}

/* The gradient array's length. The reverse sweep's engine that knows it is
   made on first use and dropped by set_tensor: asked under the lock. */
static size_t n_grad_of(net_object *self)
{
    size_t ng;
    pthread_rwlock_rdlock(&self->lock);
    ng = jg_net_n_grad(self->net);
    pthread_rwlock_unlock(&self->lock);
    return ng;
}

/* gradient(mode, n, x, gu, gdu, gd2, grad, gx, threads): the gradients of
   sum(gu u + gdu du + gd2 d2) into grad [n_grad] and gx [n][n_in] (or
   None); cotangents None mean zeros. float64 handles only. */
static PyObject *net_gradient(net_object *self, PyObject *args)
{
    PyObject *xo, *guo, *gduo, *gd2o, *gpo, *gxo, *tape = Py_None;
    Py_ssize_t n_arg;
    int mode, rc, threads;
    size_t n, n_in, n_out, per2, ng;
    char *x, *gu, *gdu, *gd2, *gp, *gx;
    const tapes *tp = NULL;
    if (!ready(self) || !PyArg_ParseTuple(args, "inOOOOOOi|O", &mode, &n_arg, &xo, &guo, &gduo, &gd2o, &gpo, &gxo,
                                          &threads, &tape))
        return NULL;
    if (!mode_ok(self->net, mode, "gradient"))
        return NULL;
    if (n_arg < 0) {
        PyErr_SetString(PyExc_ValueError, "gradient: bad point count");
        return NULL;
    }
    if (mode == JG_NET_PARTIALS && (gduo != Py_None || gd2o != Py_None)) {
        PyErr_SetString(PyExc_ValueError, "gradient: the partials have no du or d2u (gu holds every term)");
        return NULL;
    }
    n = (size_t)n_arg;
    if (tape != Py_None && (tp = tapes_of(self, tape, mode, n)) == NULL)
        return NULL;
    n_in = jg_net_n_in(self->net);
    n_out = u_per_point(self->net, mode);     /* gu's numbers a point */
    per2 = per_output2(self->net, mode);
    ng = n_grad_of(self);
    if (!check_array(self, xo, "x", n * n_in, 0, 0, &x) || !check_array(self, guo, "gu", n * n_out, 0, 1, &gu)
        || !check_array(self, gduo, "gdu", n * n_out * n_in, 0, 1, &gdu)
        || !check_array(self, gd2o, "gd2", n * n_out * per2, 0, 1, &gd2)
        || !check_array_of(NPY_FLOAT64, gpo, "grad", ng, 1, 0, &gp)
        || !check_array(self, gxo, "gx", n * n_in, 1, 1, &gx))
        return NULL;
    {
        const size_t real = self->precision == JG_NET_FLOAT ? sizeof(float) : sizeof(double);
        const span s[6] = {{"x", x, n * n_in * real, 0}, {"gu", gu, n * n_out * real, 0},
                           {"gdu", mode >= JG_NET_JACOBIAN ? gdu : NULL, n * n_out * n_in * real, 0},
                           {"gd2", mode >= JG_NET_HESSIAN ? gd2 : NULL, n * n_out * per2 * real, 0},
                           {"grad", gp, ng * sizeof(double), 1},
                           {"gx", gx, n * n_in * real, 1}};
        if (!check_overlap(s, 6))
            return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    pthread_rwlock_rdlock(&self->lock);
    rc = gradient_threads(self->net, self->precision == JG_NET_FLOAT, mode, threads, n, x, gu,
                          mode >= JG_NET_JACOBIAN ? gdu : NULL, mode >= JG_NET_HESSIAN ? gd2 : NULL,
                          (double *)(void *)gp, gx, tp);
    pthread_rwlock_unlock(&self->lock);
    Py_END_ALLOW_THREADS
    if (rc == JG_NET_ENOMEM)
        return PyErr_NoMemory();
    if (rc != JG_NET_OK) {
        PyErr_SetString(jetgen_error, tp != NULL ? "the tape holds the numbers of weights set_tensor has changed "
                                                   "since: run the forward again" : "the gradients could not be computed");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* tensors(): ((name, count, offset), ...) of the gradient array. */
static PyObject *net_tensors(net_object *self, PyObject *unused)
{
    PyObject *t;
    size_t i, nt;
    (void)unused;
    if (!ready(self))
        return NULL;
    pthread_rwlock_rdlock(&self->lock);     /* the names are the engine's, which set_tensor drops */
    nt = jg_net_n_tensors(self->net);
    t = PyTuple_New((Py_ssize_t)nt);
    if (t == NULL) {
        pthread_rwlock_unlock(&self->lock);
        return NULL;
    }
    for (i = 0; i < nt; i++) {
        PyObject *e = Py_BuildValue("(snn)", jg_net_tensor_name(self->net, i),
                                    (Py_ssize_t)jg_net_tensor_count(self->net, i),
                                    (Py_ssize_t)jg_net_tensor_offset(self->net, i));
        if (e == NULL) {
            pthread_rwlock_unlock(&self->lock);
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, e);
    }
    pthread_rwlock_unlock(&self->lock);
    return t;
}

/* check_info(info): (same, same_text, message) of emitted code's report
   (its PREFIX_info()) against this network (jg_net_check_info): same 0 with
   the reason where it holds another network; same_text 0 with the reason
   where only the spec's text differs. */
static PyObject *net_check_info(net_object *self, PyObject *args)
{
    const char *info;
    int rc, same_text = 1;
    PyObject *res;
    if (!ready(self) || !PyArg_ParseTuple(args, "y", &info))
        return NULL;
    pthread_rwlock_wrlock(&self->lock);     /* the handle's message is written */
    rc = jg_net_check_info(self->net, info, -1, &same_text);
    if (rc == JG_NET_ENOMEM) {
        pthread_rwlock_unlock(&self->lock);
        return PyErr_NoMemory();
    }
    res = Py_BuildValue("(iis)", rc == JG_NET_OK, same_text,
                        rc == JG_NET_OK && same_text ? "" : jg_net_errmsg(self->net));
    pthread_rwlock_unlock(&self->lock);
    return res;
}

static PyObject *net_info(net_object *self, PyObject *unused)
{
    PyObject *names, *over, *d;
    size_t i, n_in;
    (void)unused;
    if (!ready(self))
        return NULL;
    n_in = jg_net_n_in(self->net);
    names = PyTuple_New((Py_ssize_t)n_in);
    over = PyTuple_New((Py_ssize_t)jg_net_n_over(self->net));
    if (names == NULL || over == NULL) {
        Py_XDECREF(names);
        Py_XDECREF(over);
        return NULL;
    }
    for (i = 0; i < n_in; i++) {
        const char *s = jg_net_input_name(self->net, i);
        PyObject *o = s != NULL ? PyUnicode_FromString(s) : (Py_INCREF(Py_None), Py_None);
        if (o == NULL) {
            Py_DECREF(names);
            Py_DECREF(over);
            return NULL;
        }
        PyTuple_SET_ITEM(names, (Py_ssize_t)i, o);
    }
    for (i = 0; i < jg_net_n_over(self->net); i++) {
        PyObject *o = PyLong_FromSize_t(jg_net_over_input(self->net, i));
        if (o == NULL) {
            Py_DECREF(names);
            Py_DECREF(over);
            return NULL;
        }
        PyTuple_SET_ITEM(over, (Py_ssize_t)i, o);
    }
    {
        PyObject *terms = PyTuple_New((Py_ssize_t)jg_net_n_terms(self->net));
        for (i = 0; terms != NULL && i < jg_net_n_terms(self->net); i++) {
            PyObject *o = PyUnicode_FromString(jg_net_term_name(self->net, i));
            if (o == NULL) {
                Py_CLEAR(terms);
                break;
            }
            PyTuple_SET_ITEM(terms, (Py_ssize_t)i, o);
        }
        if (terms == NULL) {
            Py_DECREF(names);
            Py_DECREF(over);
            return NULL;
        }
        d = Py_BuildValue("{s:n,s:n,s:N,s:N,s:s,s:s,s:n,s:N}", "n_in", (Py_ssize_t)n_in, "n_out",
                          (Py_ssize_t)jg_net_n_out(self->net), "input_names", names, "over", over, "warnings",
                          jg_net_warnings(self->net), "weights_path",
                          jg_net_weights_path(self->net) != NULL ? jg_net_weights_path(self->net) : "",
                          "n_params", (Py_ssize_t)jg_net_n_params(self->net), "terms", terms);
    }
    return d;
}

/* ---- result buffers ----
   Fresh arrays of many megabytes cost the kernel's page faults and zeroing
   at every call (more than the network's work, for u, du, d2u of the
   reference network at 10,000 points). Results are numpy arrays over
   buffers of this pool: when the last array, tensor or view over a buffer
   is gone, Python frees its capsule, whose destructor puts the buffer back
   for a later call. No reference count is looked at: the buffer returns
   only when nothing can reach it. At most POOL_KEEP buffers wait, 64-byte
   aligned; a buffer is reused for a request of at least half its size; when
   POOL_KEEP wait, the one that waited longest is freed. */

#define POOL_KEEP 6

static struct {
    pthread_mutex_t lock;
    void *block[POOL_KEEP];
    size_t bytes[POOL_KEEP];
    size_t n;
} pool = {PTHREAD_MUTEX_INITIALIZER, {NULL}, {0}, 0};

static void pool_put(PyObject *capsule)
{
    void *b = PyCapsule_GetPointer(capsule, "jetgen.buffer");
    size_t bytes = (size_t)PyCapsule_GetContext(capsule);
    void *gone = NULL;
    if (b == NULL)
        return;
    pthread_mutex_lock(&pool.lock);
    if (pool.n == POOL_KEEP) {          /* full: the one that waited longest goes */
        gone = pool.block[0];
        memmove(pool.block, pool.block + 1, (POOL_KEEP - 1) * sizeof pool.block[0]);
        memmove(pool.bytes, pool.bytes + 1, (POOL_KEEP - 1) * sizeof pool.bytes[0]);
        pool.n--;
    }
    pool.block[pool.n] = b;
    pool.bytes[pool.n++] = bytes;
    pthread_mutex_unlock(&pool.lock);
    free(gone);
}

/* buffer(nbytes): a writeable uint8 array of nbytes (64-byte aligned)
   over a buffer of the pool, or a new one. */
static PyObject *module_buffer(PyObject *unused, PyObject *args)
{
    Py_ssize_t n;
    size_t bytes, k, best = SIZE_MAX;
    void *b = NULL;
    PyObject *capsule, *arr;
    npy_intp dims[1];
    (void)unused;
    if (!PyArg_ParseTuple(args, "n", &n) || n < 0)
        return n < 0 ? (PyErr_SetString(PyExc_ValueError, "buffer: a negative size"), NULL) : NULL;
    bytes = (size_t)n > 0 ? (size_t)n : 1;
    pthread_mutex_lock(&pool.lock);
    for (k = 0; k < pool.n; k++)
        if (pool.bytes[k] >= bytes && pool.bytes[k] / 2 <= bytes && (best == SIZE_MAX || pool.bytes[k] < pool.bytes[best]))
            best = k;
    if (best != SIZE_MAX) {
        b = pool.block[best];
        bytes = pool.bytes[best];
        memmove(pool.block + best, pool.block + best + 1, (pool.n - best - 1) * sizeof pool.block[0]);
        memmove(pool.bytes + best, pool.bytes + best + 1, (pool.n - best - 1) * sizeof pool.bytes[0]);
        pool.n--;
    }
    pthread_mutex_unlock(&pool.lock);
    if (b == NULL && posix_memalign(&b, 64, bytes) != 0)
        return PyErr_NoMemory();
    capsule = PyCapsule_New(b, "jetgen.buffer", pool_put);
    if (capsule == NULL || PyCapsule_SetContext(capsule, (void *)bytes) != 0) {
        if (capsule == NULL)
            free(b);
        Py_XDECREF(capsule);
        return NULL;
    }
    dims[0] = n;
    arr = PyArray_SimpleNewFromData(1, dims, NPY_UINT8, b);
    if (arr == NULL || PyArray_SetBaseObject((PyArrayObject *)arr, capsule) != 0) {
        Py_XDECREF(arr);
        if (arr == NULL)
            Py_DECREF(capsule);
        return NULL;
    }
    return arr;
}

/* oracle(spec, x[, text, weights]): u, du, d2u of the spec's network (from
   memory where text is given) at the points x
   (float64 (n, n_in)) by verify's reference (gen/fdiff.h: the network in
   long double, derivatives by extrapolated central differences), rounded
   to float64; the exporter's judge of ill-conditioned networks. */
static PyObject *module_oracle(PyObject *unused, PyObject *args)
{
    PyObject *path_obj, *bytes = NULL, *xo, *res = NULL;
    const char *text = NULL, *weights = NULL;
    Py_ssize_t text_len = 0, weights_len = 0;
    PyArrayObject *x = NULL, *u = NULL, *du = NULL, *d2 = NULL;
    jg_diag d = JG_DIAG_INIT;
    jg_model *m = NULL;
    jg_fdiff *f = NULL;
    long double *lu = NULL, *ldu = NULL, *ldu_err = NULL, *ld2 = NULL, *ld2_err = NULL;
    size_t ni, no, n, p, i;
    int rc = 0;
    (void)unused;
    /* (spec, x[, text, weights]): with text, the spec from memory, named spec */
    if (!PyArg_ParseTuple(args, "OO|y#y#", &path_obj, &xo, &text, &text_len, &weights, &weights_len)
        || !PyUnicode_FSConverter(path_obj, &bytes))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    m = text == NULL ? jg_load(PyBytes_AS_STRING(bytes), &d)
                     : jg_load_mem(PyBytes_AS_STRING(bytes), text, (size_t)text_len, weights, (size_t)weights_len,
                                   &d);
    Py_END_ALLOW_THREADS
    if (m == NULL) {
        PyErr_SetString(jetgen_error, jg_buf_str(&d.text));
        goto done;
    }
    ni = m->n_in;
    no = m->n_out;
    x = (PyArrayObject *)PyArray_FROMANY(xo, NPY_FLOAT64, 2, 2, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (x == NULL)
        goto done;
    if ((size_t)PyArray_DIM(x, 1) != ni) {
        PyErr_Format(PyExc_ValueError, "x has %zd columns; the network takes %zu inputs", PyArray_DIM(x, 1), ni);
        goto done;
    }
    n = (size_t)PyArray_DIM(x, 0);
    {
        npy_intp su[2] = {(npy_intp)n, (npy_intp)no}, sd[3] = {(npy_intp)n, (npy_intp)no, (npy_intp)ni},
                 s2[4] = {(npy_intp)n, (npy_intp)no, (npy_intp)ni, (npy_intp)ni};
        u = (PyArrayObject *)PyArray_SimpleNew(2, su, NPY_FLOAT64);
        du = (PyArrayObject *)PyArray_SimpleNew(3, sd, NPY_FLOAT64);
        d2 = (PyArrayObject *)PyArray_SimpleNew(4, s2, NPY_FLOAT64);
    }
    f = jg_fdiff_new(m);
    lu = (long double *)PyMem_RawCalloc(no, sizeof *lu);
    ldu = (long double *)PyMem_RawCalloc(no * ni, sizeof *ldu);
    ldu_err = (long double *)PyMem_RawCalloc(no * ni, sizeof *ldu_err);
    ld2 = (long double *)PyMem_RawCalloc(no * ni * ni, sizeof *ld2);
    ld2_err = (long double *)PyMem_RawCalloc(no * ni * ni, sizeof *ld2_err);
    if (u == NULL || du == NULL || d2 == NULL || f == NULL || lu == NULL || ldu == NULL || ldu_err == NULL
        || ld2 == NULL || ld2_err == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (p = 0; p < n && rc == 0; p++) {
        const double *xp = (const double *)PyArray_DATA(x) + p * ni;
        double *up = (double *)PyArray_DATA(u) + p * no, *dp = (double *)PyArray_DATA(du) + p * no * ni,
               *hp = (double *)PyArray_DATA(d2) + p * no * ni * ni;
        rc = jg_fdiff_jet(f, xp, lu, ldu, ldu_err, ld2, ld2_err);
        for (i = 0; rc == 0 && i < no; i++)
            up[i] = (double)lu[i];
        for (i = 0; rc == 0 && i < no * ni; i++)
            dp[i] = (double)ldu[i];
        for (i = 0; rc == 0 && i < no * ni * ni; i++)
            hp[i] = (double)ld2[i];
    }
    Py_END_ALLOW_THREADS
    if (rc != 0)
        PyErr_NoMemory();
    else
        res = Py_BuildValue("(OOO)", u, du, d2);
done:
    PyMem_RawFree(lu);
    PyMem_RawFree(ldu);
    PyMem_RawFree(ldu_err);
    PyMem_RawFree(ld2);
    PyMem_RawFree(ld2_err);
    jg_fdiff_free(f);
    jg_model_free(m);
    jg_diag_free(&d);
    Py_XDECREF(x);
    Py_XDECREF(u);
    Py_XDECREF(du);
    Py_XDECREF(d2);
    Py_XDECREF(bytes);
    return res;
}

/* taylor(spec, x, vars, order[, text, weights]): (d, err, powers): the
   partial derivatives of the spec's network of total order 0 .. order in
   the inputs vars (a sequence of input indices) at the points x (float64
   (n, n_in)) by the Taylor-arithmetic oracle (gen/taylor.h: the network
   on truncated Taylor polynomials in long double), rounded to float64:
   d and its rounding-error estimate err (n, n_out, n_terms), and each
   term's powers of vars (n_terms, len(vars)), uint8. Orders 3 and 4's
   judge. */
static PyObject *module_taylor(PyObject *unused, PyObject *args)
{
    PyObject *path_obj, *bytes = NULL, *xo, *vo, *vseq = NULL, *res = NULL;
    const char *text = NULL, *weights = NULL;
    Py_ssize_t text_len = 0, weights_len = 0;
    PyArrayObject *x = NULL, *d = NULL, *e = NULL, *pw = NULL;
    jg_diag dg = JG_DIAG_INIT;
    jg_model *m = NULL;
    jg_taylor *t = NULL;
    long double *ld = NULL, *le = NULL;
    size_t vars[JG_TAYLOR_MAX_VARS], nv, nt = 0, no, n, p, i;
    int order, rc = 0;
    (void)unused;
    if (!PyArg_ParseTuple(args, "OOOi|y#y#", &path_obj, &xo, &vo, &order, &text, &text_len, &weights, &weights_len)
        || !PyUnicode_FSConverter(path_obj, &bytes))
        return NULL;
    if ((vseq = PySequence_Fast(vo, "taylor: vars is a sequence of input indices")) == NULL)
        goto done;
    nv = (size_t)PySequence_Fast_GET_SIZE(vseq);
    if (nv > JG_TAYLOR_MAX_VARS) {
        PyErr_Format(PyExc_ValueError, "taylor: at most %d inputs", JG_TAYLOR_MAX_VARS);
        goto done;
    }
    for (i = 0; i < nv; i++) {
        const Py_ssize_t v = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(vseq, (Py_ssize_t)i));
        if (v < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "taylor: an input index is negative");
            goto done;
        }
        vars[i] = (size_t)v;
    }
    Py_BEGIN_ALLOW_THREADS
    m = text == NULL ? jg_load(PyBytes_AS_STRING(bytes), &dg)
                     : jg_load_mem(PyBytes_AS_STRING(bytes), text, (size_t)text_len, weights, (size_t)weights_len,
                                   &dg);
    Py_END_ALLOW_THREADS
    if (m == NULL) {
        PyErr_SetString(jetgen_error, jg_buf_str(&dg.text));
        goto done;
    }
    no = m->n_out;
    x = (PyArrayObject *)PyArray_FROMANY(xo, NPY_FLOAT64, 2, 2, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (x == NULL)
        goto done;
    if ((size_t)PyArray_DIM(x, 1) != m->n_in) {
        PyErr_Format(PyExc_ValueError, "x has %zd columns; the network takes %zu inputs", PyArray_DIM(x, 1), m->n_in);
        goto done;
    }
    if ((t = jg_taylor_new(m, nv, vars, order)) == NULL) {
        PyErr_Format(PyExc_ValueError, "taylor: inputs out of range or repeated, or order %d out of 0 .. %d, or too "
                     "many terms", order, JG_TAYLOR_MAX_ORDER);
        goto done;
    }
    n = (size_t)PyArray_DIM(x, 0);
    nt = jg_taylor_n_terms(t);
    {
        npy_intp sd[3] = {(npy_intp)n, (npy_intp)no, (npy_intp)nt}, sp[2] = {(npy_intp)nt, (npy_intp)nv};
        d = (PyArrayObject *)PyArray_SimpleNew(3, sd, NPY_FLOAT64);
        e = (PyArrayObject *)PyArray_SimpleNew(3, sd, NPY_FLOAT64);
        pw = (PyArrayObject *)PyArray_SimpleNew(2, sp, NPY_UINT8);
    }
    ld = (long double *)PyMem_RawCalloc(no * nt, sizeof *ld);
    le = (long double *)PyMem_RawCalloc(no * nt, sizeof *le);
    if (d == NULL || e == NULL || pw == NULL || ld == NULL || le == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < nt; i++)
        memcpy((unsigned char *)PyArray_DATA(pw) + i * nv, jg_taylor_powers(t, i), nv);
    Py_BEGIN_ALLOW_THREADS
    for (p = 0; p < n && rc == 0; p++) {
        rc = jg_taylor_partials(t, (const double *)PyArray_DATA(x) + p * m->n_in, ld, le);
        for (i = 0; rc == 0 && i < no * nt; i++) {
            ((double *)PyArray_DATA(d))[p * no * nt + i] = (double)ld[i];
            ((double *)PyArray_DATA(e))[p * no * nt + i] = (double)le[i];
        }
    }
    Py_END_ALLOW_THREADS
    if (rc != 0)
        PyErr_SetString(jetgen_error, "taylor: a value of the network is not finite at a point");
    else
        res = Py_BuildValue("(OOO)", d, e, pw);
done:
    PyMem_RawFree(ld);
    PyMem_RawFree(le);
    jg_taylor_free(t);
    jg_model_free(m);
    jg_diag_free(&dg);
    Py_XDECREF(vseq);
    Py_XDECREF(x);
    Py_XDECREF(d);
    Py_XDECREF(e);
    Py_XDECREF(pw);
    Py_XDECREF(bytes);
    return res;
}

/* gather(arrays, out, held): the numbers of arrays (C-contiguous float32
   or float64 arrays: jetgen.torch's views of a module's parameters), one
   after another, into out (a float64 array of exactly their total), and
   whether out differs from held (a float64 array as long, bit for bit; or
   None: True). A training step's snapshot of its parameters, in one call. */
static PyObject *module_gather(PyObject *unused, PyObject *args)
{
    PyObject *seq, *items, *out_o, *held_o;
    PyArrayObject *out, *held = NULL;
    Py_ssize_t n, i;
    size_t at = 0, total;
    double *to;
    (void)unused;
    if (!PyArg_ParseTuple(args, "OOO", &seq, &out_o, &held_o))
        return NULL;
    if (!PyArray_Check(out_o) || PyArray_TYPE((PyArrayObject *)out_o) != NPY_FLOAT64
        || !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)out_o) || !PyArray_ISWRITEABLE((PyArrayObject *)out_o)) {
        PyErr_SetString(PyExc_TypeError, "gather: out must be a writeable C-contiguous float64 array");
        return NULL;
    }
    out = (PyArrayObject *)out_o;
    total = (size_t)PyArray_SIZE(out);
    to = (double *)PyArray_DATA(out);
    if (held_o != Py_None) {
        if (!PyArray_Check(held_o) || PyArray_TYPE((PyArrayObject *)held_o) != NPY_FLOAT64
            || !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)held_o)) {
            PyErr_SetString(PyExc_TypeError, "gather: held must be a C-contiguous float64 array or None");
            return NULL;
        }
        held = (PyArrayObject *)held_o;
    }
    if ((items = PySequence_Fast(seq, "gather takes a sequence of arrays")) == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(items);
    for (i = 0; i < n; i++) {
        PyObject *a_o = PySequence_Fast_GET_ITEM(items, i);
        PyArrayObject *a = (PyArrayObject *)a_o;
        size_t c, k;
        if (!PyArray_Check(a_o) || (PyArray_TYPE(a) != NPY_FLOAT32 && PyArray_TYPE(a) != NPY_FLOAT64)
            || !PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a)) {
            PyErr_SetString(PyExc_TypeError, "gather takes C-contiguous float32 or float64 arrays");
            Py_DECREF(items);
            return NULL;
        }
        c = (size_t)PyArray_SIZE(a);
        if (c > total - at) {
            PyErr_SetString(PyExc_ValueError, "gather: the arrays hold more numbers than out");
            Py_DECREF(items);
            return NULL;
        }
        if (PyArray_TYPE(a) == NPY_FLOAT64)
            memcpy(to + at, PyArray_DATA(a), c * sizeof *to);
        else
            for (k = 0; k < c; k++)
                to[at + k] = ((const float *)PyArray_DATA(a))[k];
        at += c;
    }
    Py_DECREF(items);
    if (at != total) {
        PyErr_SetString(PyExc_ValueError, "gather: the arrays hold fewer numbers than out");
        return NULL;
    }
    if (held != NULL && (size_t)PyArray_SIZE(held) == total
        && memcmp(PyArray_DATA(held), to, total * sizeof *to) == 0)
        Py_RETURN_FALSE;
    Py_RETURN_TRUE;
}

/* unchanged(sizes, entries): whether every (dict, n) of sizes still has n
   entries and every (dict, key, value) of entries still maps key to that
   very object (jetgen.torch's quick test of a module's tables, a step:
   the loop in C). */
static PyObject *module_unchanged(PyObject *unused, PyObject *args)
{
    PyObject *sizes, *entries;
    Py_ssize_t i;
    (void)unused;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &sizes, &PyList_Type, &entries))
        return NULL;
    for (i = 0; i < PyList_GET_SIZE(sizes); i++) {
        PyObject *e = PyList_GET_ITEM(sizes, i);
        Py_ssize_t n;
        if (!PyTuple_Check(e) || PyTuple_GET_SIZE(e) != 2 || !PyDict_Check(PyTuple_GET_ITEM(e, 0))) {
            PyErr_SetString(PyExc_TypeError, "unchanged: sizes are (dict, n) pairs");
            return NULL;
        }
        if ((n = PyLong_AsSsize_t(PyTuple_GET_ITEM(e, 1))) == -1 && PyErr_Occurred())
            return NULL;
        if (PyDict_GET_SIZE(PyTuple_GET_ITEM(e, 0)) != n)
            Py_RETURN_FALSE;
    }
    for (i = 0; i < PyList_GET_SIZE(entries); i++) {
        PyObject *e = PyList_GET_ITEM(entries, i), *now;
        if (!PyTuple_Check(e) || PyTuple_GET_SIZE(e) != 3 || !PyDict_Check(PyTuple_GET_ITEM(e, 0))) {
            PyErr_SetString(PyExc_TypeError, "unchanged: entries are (dict, key, value) triples");
            return NULL;
        }
        now = PyDict_GetItemWithError(PyTuple_GET_ITEM(e, 0), PyTuple_GET_ITEM(e, 1));   /* borrowed */
        if (now == NULL && PyErr_Occurred())
            return NULL;
        if (now != PyTuple_GET_ITEM(e, 2))
            Py_RETURN_FALSE;
    }
    Py_RETURN_TRUE;
}

/* activations(): the registry of gen/activations.h, as ((name, ((param,
   default), ...), piecewise_linear, [PyTorch spelling, ...]), ...) in its
   order: what the exporter (fx.py) maps PyTorch's activations by. */
static PyObject *module_activations(PyObject *self, PyObject *unused)
{
    PyObject *list = PyList_New(0);
    size_t i;
    (void)self;
    (void)unused;
    if (list == NULL)
        return NULL;
    for (i = 0; jg_layer_info_at(i) != NULL; i++) {
        const jg_layer_info *info = jg_layer_info_at(i);
        PyObject *params, *torch, *words, *row;
        int k, rc;
        if (info->activation < 0)
            continue;
        params = PyTuple_New(info->n_params);
        words = PyUnicode_FromString(info->torch);
        torch = words != NULL ? PyUnicode_Split(words, NULL, -1) : NULL;     /* a list */
        Py_XDECREF(words);
        if (params == NULL || torch == NULL) {
            Py_XDECREF(params);
            Py_XDECREF(torch);
            Py_DECREF(list);
            return NULL;
        }
        for (k = 0; k < info->n_params; k++) {
            PyObject *pair = Py_BuildValue("(sd)", info->param_name[k], info->param_default[k]);
            if (pair == NULL) {
                Py_DECREF(params);
                Py_DECREF(torch);
                Py_DECREF(list);
                return NULL;
            }
            PyTuple_SET_ITEM(params, k, pair);
        }
        row = Py_BuildValue("(sNOO)", info->keyword, params, info->piecewise_linear ? Py_True : Py_False, torch);
        Py_DECREF(torch);
        if (row == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        rc = PyList_Append(list, row);
        Py_DECREF(row);
        if (rc != 0) {
            Py_DECREF(list);
            return NULL;
        }
    }
    return list;
}

static PyMethodDef module_methods[] = {
    {"activations", module_activations, METH_NOARGS,
     "activations(): [(name, ((param, default), ...), piecewise_linear, [PyTorch spellings, ...]), ...]"},
    {"buffer", module_buffer, METH_VARARGS, "buffer(nbytes): a uint8 array over a pooled, reusable buffer"},
    {"unchanged", module_unchanged, METH_VARARGS,
     "unchanged(sizes, entries): every (dict, n) still n entries, every (dict, key, value) still that object"},
    {"gather", module_gather, METH_VARARGS,
     "gather(arrays, out, held): arrays' numbers one after another into out (float64); whether they differ from held"},
    {"taylor", module_taylor, METH_VARARGS,
     "taylor(spec, x, vars, order[, text, weights]): (d, err, powers), partials to `order` in long double"},
    {"oracle", module_oracle, METH_VARARGS,
     "oracle(spec, x): (u, du, d2u) in long double, rounded: verify's reference"},
    {NULL, NULL, 0, NULL}
};

/* tape_bytes(mode, n): the memory of a forward's tape at n points. */
static PyObject *net_tape_bytes(net_object *self, PyObject *args)
{
    int mode;
    Py_ssize_t n;
    size_t b;
    if (!ready(self) || !PyArg_ParseTuple(args, "in", &mode, &n))
        return NULL;
    if (!mode_ok(self->net, mode, "tape_bytes"))
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "tape_bytes: bad point count");
        return NULL;
    }
    pthread_rwlock_rdlock(&self->lock);
    b = jg_net_tape_bytes(self->net, mode, (size_t)n);
    pthread_rwlock_unlock(&self->lock);
    return PyLong_FromSize_t(b);
}

/* recompute_flops(mode): what a tape saves a point (jg_net_recompute_flops). */
static PyObject *net_recompute_flops(net_object *self, PyObject *args)
{
    int mode;
    size_t f;
    if (!ready(self) || !PyArg_ParseTuple(args, "i", &mode))
        return NULL;
    if (!mode_ok(self->net, mode, "recompute_flops"))
        return NULL;
    pthread_rwlock_rdlock(&self->lock);
    f = jg_net_recompute_flops(self->net, mode);
    pthread_rwlock_unlock(&self->lock);
    return PyLong_FromSize_t(f);
}

static PyMethodDef net_methods[] = {
    {"tape_bytes", (PyCFunction)net_tape_bytes, METH_VARARGS, "tape_bytes(mode, n): a forward tape's memory"},
    {"recompute_flops", (PyCFunction)net_recompute_flops, METH_VARARGS,
     "recompute_flops(mode): the forward's flops a point that a tape saves"},
    {"partials", (PyCFunction)net_partials, METH_VARARGS,
     "partials(n, x, out): the spec's terms at the points, out (n, n_out, n_terms)"},
    {"run", (PyCFunction)net_run, METH_VARARGS,
     "run(mode, n, x, u, du, d2, threads, keep_tape=False): into the arrays; with keep_tape, the forward's tape"},
    {"set_tensor", (PyCFunction)net_set_tensor, METH_VARARGS, "set_tensor(name, values): in place"},
    {"set_terms", (PyCFunction)net_set_terms, METH_VARARGS,
     "set_terms(list): the terms replaced (comma-separated, the spec's syntax), the plans made again"},
    {"set_tensors", (PyCFunction)net_set_tensors, METH_VARARGS,
     "set_tensors(((name, values), ...)[, ((name, count), ...), flat]): in place, all checked first, the arrays "
     "made once; the segments' values one after another in flat"},
    {"info", (PyCFunction)net_info, METH_NOARGS, "sizes, names and the rest, as a dict"},
    {"check_info", (PyCFunction)net_check_info, METH_VARARGS,
     "(same, same_text, message): emitted code's PREFIX_info() against this network"},
    {"gradient", (PyCFunction)net_gradient, METH_VARARGS,
     "gradient(mode, n, x, gu, gdu, gd2, grad, gx, threads, tape=None): of sum(gu u + gdu du + gd2 d2)"},
    {"tensors", (PyCFunction)net_tensors, METH_NOARGS, "((name, count, offset), ...) of the gradients"},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject net_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "jetgen._jetgen.Net",
    .tp_basicsize = sizeof(net_object),
    .tp_dealloc = (destructor)net_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Net(spec, float32=False): a network of the library, run by its executor",
    .tp_methods = net_methods,
    .tp_init = (initproc)net_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_jetgen", "jetgen's C extension: see jetgen/__init__.py", -1, module_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__jetgen(void);

PyMODINIT_FUNC PyInit__jetgen(void)
{
    PyObject *m;
    import_array();
    if (PyType_Ready(&net_type) < 0)
        return NULL;
    m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    jetgen_error = PyErr_NewException("jetgen.Error", PyExc_RuntimeError, NULL);
    if (jetgen_error == NULL || PyModule_AddObject(m, "Error", jetgen_error) < 0) {
        Py_XDECREF(jetgen_error);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(jetgen_error);
    Py_INCREF(&net_type);
    if (PyModule_AddObject(m, "Net", (PyObject *)&net_type) < 0) {
        Py_DECREF(&net_type);
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddStringConstant(m, "version", JETGEN_VERSION);
    return m;
}
