"""jetgen: u(x), du/dx and d2u/dx2 of neural networks in closed form, in process.

    import jetgen
    net = jetgen.load("tests/data/seed-pinn/model.spec")     # or jetgen.from_torch(module)
    u = net.eval(x)                                         # x: (n, n_in)
    u, du = net.jacobian(x)                                 # (n, out), (n, out, in)
    u, du, d2u = net.hessian(x)                             # and (n, out, in, in)
    u, du, d2u_diag = net.hessian_diag(x)                   # (n, out, n_over)
    u, du, lap = net.laplacian(x)                           # (n, out)

The network runs in C (the library's executor on libjetgen_core.a: no
compiler at run time), with the GIL released, its points split over
`threads` threads (default: $JETGEN_THREADS, else every core the process may run on). float64 by
default; load(..., dtype="float32") computes in float. Results come back
in new numpy arrays, or in the arrays given as out=. Errors are
jetgen.Error, with the library's message (FILE:LINE:COL: ...).

numpy is needed; torch only for from_torch and the exporter (jetgen.export,
also tools/jetgen_export.py). Built by meson for /usr/bin/python3 and
importable from the build folder with PYTHONPATH=BUILD/python.
"""

import contextlib
import math
import os
import threading

import numpy as np

try:
    from ._jetgen import Error, Net as _Net, buffer as _buffer, gather as _gather, oracle as _oracle_ext, \
        unchanged as _unchanged, version as __version__
except ImportError as _e:      # the source tree, not built: the exporter still works
    _Net, _buffer, _gather, _oracle_ext, _unchanged, _missing, __version__ = None, None, None, None, None, _e, None

    class Error(RuntimeError):
        """jetgen's errors, with the library's message."""

__all__ = ["Error", "Net", "load", "from_torch", "load_library"]

_MODES = {"eval": 0, "jacobian": 1, "hessian": 2, "hessian_diag": 3, "laplacian": 4, "partials": 5}


def _shapes(mode, n, n_out, n_in, n_over, n_terms=0):
    """The shapes of a mode's results (u; du; d2u, d2u_diag or lap; or the
    partials of n_terms terms) at n points: docs/abi.md's layouts."""
    if mode == 5:
        return [(n, n_out, n_terms)]
    shapes = [(n, n_out), (n, n_out, n_in)]
    if mode == 2:
        shapes.append((n, n_out, n_in, n_in))
    elif mode == 3:
        shapes.append((n, n_out, n_over))
    elif mode == 4:
        shapes.append((n, n_out))
    return shapes[:1 + min(mode, 2)]


def _default_threads():
    env = os.environ.get("JETGEN_THREADS")
    if env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError("JETGEN_THREADS=%r is not a number of threads" % env) from None
        if n < 1:
            raise ValueError("JETGEN_THREADS=%r: at least 1" % env)
        return n
    try:        # the cores this process may run on (DistributedDataParallel, taskset)
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _need_extension():
    """ImportError unless the C extension was imported."""
    if _Net is None:
        raise ImportError("jetgen's C extension is not here (%s): build with meson and import the package "
                          "with PYTHONPATH=BUILD/python, or install it with meson install" % _missing)


class Net:
    """A network loaded from a spec (jetgen.load) or a module (jetgen.from_torch).

    Attributes: n_in, n_out, input_names (a tuple, or None), over (the inputs
    hessian_diag and laplacian are taken over), dtype, warnings, n_params.
    """

    def __init__(self, spec, dtype="float64", threads=None, _mem=None):
        # _mem: (the spec's text, the weights' bytes) from memory, spec
        # naming them in messages (from_torch, the export's check)
        dtype = np.dtype(dtype)
        if dtype not in (np.float64, np.float32):
            raise ValueError("dtype %s: jetgen computes in float64 or float32" % dtype)
        self.dtype = dtype
        if threads is not None and int(threads) < 1:
            raise ValueError("threads=%r: at least 1" % (threads,))
        self.threads = threads
        _need_extension()
        self._net = _Net(os.fspath(spec), dtype == np.float32) if _mem is None else \
            _Net(os.fspath(spec), dtype == np.float32, _mem[0], _mem[1])
        info = self._net.info()
        self.n_in, self.n_out = info["n_in"], info["n_out"]
        names = info["input_names"]
        self.input_names = None if any(v is None for v in names) else names
        self.over = info["over"]
        self.n_over = len(self.over)
        # the partial derivatives the spec's `terms` names, as its names
        # ("xxt", "x1*x1*x2", '""' for u): partials(x)'s last axis
        self.terms = list(info["terms"])
        self._terms_text = None         # the list set_terms gave last
        self._terms_lock = threading.RLock()
        self.warnings = info["warnings"]
        self.n_params = info["n_params"]
        self.weights_path = info["weights_path"] or None
        # {name: shape} of the weights file's tensors: set_tensor checks shapes
        self.tensor_shapes = _tensor_shapes(self.weights_path, None if _mem is None else _mem[1]) \
            if self.weights_path else {}
        self._n_grad = None     # the gradient array's length, once asked

    def __repr__(self):
        return "<jetgen.Net %d -> %d, %s>" % (self.n_in, self.n_out, self.dtype)

    def _points(self, x):
        x = np.asarray(x)
        if x.ndim == 1 and self.n_in == 1:
            x = x.reshape(-1, 1)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError("x has shape %s; the network takes (n, %d)" % (x.shape, self.n_in))
        return np.ascontiguousarray(x, dtype=self.dtype)

    def _out(self, out, k, shape):
        if out is None or out[k] is None:     # over a pooled buffer (_jetgen.c: no page faults a call)
            return _buffer(math.prod(shape) * self.dtype.itemsize).view(self.dtype).reshape(shape)
        a = out[k]
        if not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != self.dtype \
                or not a.flags.c_contiguous or not a.flags.writeable:
            raise ValueError("out[%d] must be a writeable C-contiguous %s array of shape %s"
                             % (k, self.dtype, shape))
        return a

    def _run(self, mode, x, out, threads, keep_tape=False):
        x = self._points(x)
        n = x.shape[0]
        shapes = _shapes(mode, n, self.n_out, self.n_in, self.n_over, len(self.terms))
        if out is not None:
            out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            if len(out) != len(shapes):
                raise ValueError("out= takes %d arrays here, not %d" % (len(shapes), len(out)))
        res = tuple(self._out(out, k, s) for k, s in enumerate(shapes))
        tape = self._call(mode, x, res, threads, keep_tape)
        if keep_tape:
            return res, tape
        return res[0] if len(res) == 1 else res

    def _run_rows(self, mode, x, shapes, keep_tape):
        """_run for jetgen.torch's Jet, whose points x are a C-contiguous
        array (n, n_in) of the network's dtype already and whose results'
        shapes (_shapes) it knows: (results as a tuple, the tape or None),
        over pooled buffers."""
        # the terms of this call, whatever another thread sets
        with self._terms_lock if mode == 5 else contextlib.nullcontext():
            if mode == 5:
                shapes = _shapes(5, x.shape[0], self.n_out, self.n_in, self.n_over, len(self.terms))
            res = tuple(self._out(None, 0, s) for s in shapes)
            return res, self._call(mode, x, res, None, keep_tape)

    def _call(self, mode, x, res, threads, keep_tape):
        """The C call of mode at the points x (checked) into its results
        res (1 to 3 arrays), in threads (None: the Net's, else every core):
        the tape where keep_tape, else None."""
        return self._net.run(mode, x.shape[0], x, res[0], res[1] if len(res) > 1 else None,
                             res[2] if len(res) > 2 else None, self._threads(threads), keep_tape)

    def _threads(self, threads):
        """The threads of a call: threads, else the Net's, at least 1; else
        every core ($JETGEN_THREADS) as -k for the extension: up to k
        threads, each with work enough to pay for it (a call of a few
        hundred points of a small network stays on one)."""
        t = threads if threads is not None else self.threads
        if t is None:
            return -_default_threads()
        if int(t) < 1:
            raise ValueError("threads=%r: at least 1" % (t,))
        return int(t)

    def partials(self, x, terms=None, out=None, threads=None):
        """The partial derivatives the spec's `terms` statement names (or
        from_torch's terms=..., or `terms` here: set_terms first),
        (n, n_out, len(net.terms)): out[p, k, t] = the derivative of u_k by
        the inputs of term net.terms[t] at point p (orders 0 to 4, mixed
        terms exact; the executor, the points split over threads as for
        the other results)."""
        with self._terms_lock:      # the terms of this call, whatever another thread asks
            if terms is not None:
                self.set_terms(terms)
            if not self.terms:
                raise Error("the network has no terms: name them (net.partials(x, terms=['', 'x', 'xxx'])), in "
                            "the spec (terms \"\" x xx xxxx) or in from_torch(module, terms=[...])")
            return self._run(5, x, out, threads)

    def set_terms(self, terms):
        """Makes terms the network's (net.terms, partials' last axis): a
        list of strings of one-character input names ("xxyy", "" for u),
        names joined by '*', or tuples of input names or indices; the
        network's plans are made again (its weights, with set_tensor's
        changes, kept) unless it holds these already. A bad term raises
        jetgen.Error and leaves the terms as they were."""
        from .export import ExportError, _term_words
        names = list(self.input_names) if self.input_names else [str(i) for i in range(self.n_in)]
        try:
            text = ",".join(_term_words(terms, names))
        except ExportError as e:
            raise Error(str(e)) from None
        if text == self._terms_text:
            return
        with self._terms_lock:
            self._net.set_terms(text)
            self._terms_text = text
            self.terms = list(self._net.info()["terms"])

    def tape_bytes(self, mode, n):
        """The memory of taped(mode, x)'s tape at n points."""
        if mode not in _MODES:
            raise ValueError("mode %r: one of %s" % (mode, ", ".join(_MODES)))
        return self._net.tape_bytes(_MODES[mode], int(n))

    def recompute_flops(self, mode):
        """The floating-point operations a point of the forward sweep that
        gradient() without a tape computes again: what a tape saves, against
        tape_bytes(mode, n) / n bytes a point."""
        if mode not in _MODES:
            raise ValueError("mode %r: one of %s" % (mode, ", ".join(_MODES)))
        return self._net.recompute_flops(_MODES[mode])

    def taped(self, mode, x, out=None, threads=None):
        """(the results of mode at x, as a tuple; the forward's tape): one
        forward a training step, gradient(..., tape=) reads the tape instead
        of computing the forward again (include/jetgen.h, jg_net_forward_tape;
        the tape's memory is jg_net_tape_bytes), in the network's dtype;
        set_tensor makes the tape stale (gradient refuses it)."""
        if mode not in _MODES:
            raise ValueError("mode %r: one of %s" % (mode, ", ".join(_MODES)))
        return self._run(_MODES[mode], x, out, threads, keep_tape=True)

    def eval(self, x, out=None, threads=None):
        """u (n, out) at the points x (n, n_in)."""
        return self._run(0, x, out, threads)

    def jacobian(self, x, out=None, threads=None):
        """(u, du): du[p, k, i] = d u_k / d x_i."""
        return self._run(1, x, out, threads)

    def hessian(self, x, out=None, threads=None):
        """(u, du, d2u): d2u[p, k, i, j] = d2 u_k / d x_i d x_j."""
        return self._run(2, x, out, threads)

    def hessian_diag(self, x, out=None, threads=None):
        """(u, du, d2u_diag): d2u_diag[p, k, t] = d2 u_k / d x_s^2, s = over[t]."""
        return self._run(3, x, out, threads)

    def laplacian(self, x, out=None, threads=None):
        """(u, du, lap): lap[p, k] = sum over s in over of d2 u_k / d x_s^2."""
        return self._run(4, x, out, threads)

    def tensors(self):
        """((name, count, offset), ...): the tensors the network reads, as the
        gradient array of `gradient` lays them out."""
        return self._net.tensors()

    def gradient(self, mode, x, gu=None, gdu=None, gd2=None, wrt_x=False, threads=None, tape=None):
        """The gradients of L = sum(gu u) + sum(gdu du) + sum(gd2 d2) for the
        results of mode ("eval", "jacobian", "hessian", "hessian_diag",
        "laplacian") at x: a dict {tensor name: gradient in the tensor's
        shape as a flat array}, and with wrt_x, (that dict, dL/dx). The
        cotangents have the shapes of the results; None means zeros. A
        float32 network computes both sweeps in float32 (points, cotangents
        and dL/dx in float32; each tile's gradients summed in float32, the
        tiles' sums in float64: the gradients come as float64). The points
        are split over `threads` threads as for the results. With tape
        (from taped(mode, x)), the forward is read
        from it, not computed again."""
        if mode not in _MODES and mode not in _MODES.values():
            raise ValueError("mode %r: one of %s" % (mode, ", ".join(_MODES)))
        m = _MODES[mode] if isinstance(mode, str) else int(mode)
        x = self._points(x)
        n = x.shape[0]
        per2 = {2: self.n_in * self.n_in, 3: self.n_over, 4: 1}.get(m, 0)
        shapes = _shapes(m, n, self.n_out, self.n_in, self.n_over, len(self.terms))
        for a, k, name in ((gdu, 1, "gdu"), (gd2, 2, "gd2")):
            if a is not None and k >= len(shapes):
                raise ValueError("%s given, but mode %s has no %s" % (name, mode, ("", "du", "second derivatives")[k]))

        def cot(a, k, size):
            if a is None:
                return None
            a = np.ascontiguousarray(a, dtype=self.dtype)
            if a.shape != tuple(shapes[k]):
                raise ValueError("%s has shape %s; the %s of mode %s has shape %s" % (
                    ("gu", "gdu", "gd2")[k], a.shape, ("u", "du", "third result")[k],
                    mode, shapes[k] if k < len(shapes) else "(none)"))
            return a.reshape(size)

        grad, gx = self._gradient_flat(m, x, cot(gu, 0, math.prod(shapes[0])), cot(gdu, 1, n * self.n_out * self.n_in),
                                       cot(gd2, 2, n * self.n_out * per2) if per2 else None, wrt_x, threads, tape)
        out = {name: grad[off:off + c] for name, c, off in self._net.tensors()}
        return (out, gx) if wrt_x else out

    def _gradient_flat(self, m, x, gu, gdu, gd2, wrt_x, threads=None, tape=None):
        """gradient's numbers as one float64 array in the layout of
        tensors(), and dL/dx (or None), for mode number m: x and the
        cotangents (or None) contiguous arrays of the net's dtype whose
        sizes the C side checks (jetgen.torch's Jet, which shaped them)."""
        if self._n_grad is None:
            self._n_grad = sum(c for _, c, _ in self._net.tensors())
        n = x.shape[0]
        grad = np.empty(self._n_grad, dtype=np.float64)
        gx = np.empty((n, self.n_in), dtype=self.dtype) if wrt_x else None
        self._net.gradient(m, n, x, gu, gdu, gd2, grad, gx, self._threads(threads), tape)
        return grad, gx

    def set_tensor(self, name, values):
        """Replaces the numbers of tensor `name` (as in the weights file) in
        place; values has the tensor's shape (a transposed matrix is
        refused). Safe while other threads run the net: their calls see the
        old numbers or the new, never a mixture."""
        self.set_tensors({name: values})

    def set_tensors(self, tensors):
        """set_tensor of every {name: values} of tensors at once: all are
        checked before any is written, and the network's arrays are made
        once (a training step's new weights)."""
        pairs = []
        for name, values in tensors.items():
            values = np.asarray(values, dtype=np.float64)
            shape = self.tensor_shapes.get(name)
            if shape is not None and values.shape != shape and values.size == math.prod(shape) \
                    and values.size != 1:
                label = getattr(self, "_label", None)
                raise ValueError("%s: tensor '%s' has shape %s; the values given have shape %s" % (
                    label[1] if label else self.weights_path, name, shape, values.shape))
            pairs.append((name, values))
        self._set_tensors(pairs)

    def _set_tensors(self, pairs, segments=None, flat=None):
        """set_tensors of [(name, values)] pairs (checked) and of
        [(name, count)] segments whose values lie one after another from
        the start of flat, a contiguous float64 array (jetgen.torch's Jet:
        a step's parameters from one copy); all or none are written."""
        try:
            self._net.set_tensors(pairs, segments, flat)
        except Error as e:
            label = getattr(self, "_label", None)        # from_torch's spec, in a folder gone by now
            raise Error(str(e).replace(label[0], label[1]) if label else str(e)) from None


def _tensor_shapes(path, data=None):
    """{name: shape} of the tensors of a safetensors file (its JSON
    header; data: the file's bytes, where they are in memory), or {} when
    it cannot be read."""
    import json
    try:
        if data is None:
            with open(path, "rb") as f:
                data = f.read(8)
                n = int.from_bytes(data, "little")
                data += f.read(n) if 0 < n < 100 << 20 else b""
        n = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + n]) if 0 < n < 100 << 20 else {}
    except (OSError, ValueError):
        return {}
    if not isinstance(header, dict):
        return {}
    return {k: tuple(v["shape"]) for k, v in header.items()
            if k != "__metadata__" and isinstance(v, dict) and isinstance(v.get("shape"), list)}


def load(spec, dtype="float64", threads=None):
    """The network of a spec file (and the weights it names)."""
    return Net(spec, dtype=dtype, threads=threads)


def from_torch(module, dtype="float64", threads=None, **export_args):
    """The network a PyTorch module's forward() computes, exported (and
    checked against the module) by jetgen.export in memory, then loaded
    from there (no file is written); export_args go to
    jetgen.export.export (input_names, n_in, output, domain, over, ...)."""
    return _from_torch(module, dtype, threads, False, export_args)


def _from_torch(module, dtype, threads, float32_too, export_args):
    """from_torch; with float32_too (jetgen.torch.Jet), the net has a
    float32 twin from the same export (net.float32_twin; None where a weight is
    beyond float32's range)."""
    from .export import _do_export
    _need_extension()
    # in memory: exported, checked and loaded from the spec's text and the
    # weights' bytes, no file written
    spec = "model.spec"
    text, tr, blob = _do_export(module, None, **export_args)
    mem = (text.encode(), blob)
    net = Net(spec, dtype=dtype, threads=threads, _mem=mem)
    net.float32_twin = None
    if float32_too:
        try:
            net.float32_twin = Net(spec, dtype="float32", threads=threads, _mem=mem)
        except Error:
            pass
    net._label = (spec, "%s (from_torch)" % type(module).__name__)
    if net.float32_twin is not None:
        net.float32_twin._label = net._label
    # for jetgen.torch: the saved tensors recomputed from parameters
    # ((tensor, parameters, fn, shape, text); the spec's `# trainable:`
    # lines), the trainable parameters forward() reads, those whose value
    # went into the network as a plain number (where), the tensors it took
    # as constants, and its dropouts and batch norms (evaluation mode's)
    net.derived, net.touched, net.lost, net.constants = tr.derived, tr.touched, tr.lost, tr.constants
    net.train_modes, net.called, net.widths = tr.train_modes, tr.called, tr.widths
    net.lines, net.graph_args = tr.lines, tr.graph_args
    net.saved_constants = _constants_of(module, tr)
    return net


def _constants_of(module, tr):
    """{name: copy} of the tensors the export saved that are neither
    trainable parameters nor recomputed from them: what Jet compares when
    forward() is traced again."""
    from .fx import parameters_of
    params = parameters_of(module)
    derived = {d[0] for d in tr.derived}
    return {name: t.detach().to(device="cpu", copy=True) for name, t in tr.tensors
            if name not in derived and not (name in params and params[name].requires_grad)}


def load_library(path, spec, prefix="model"):
    """A shared object built from `jetgen emit SPEC --prefix PREFIX`, loaded
    with ctypes once its own report (ABI, counts, precision, the SHA-256 of
    spec and weights) matches spec: jetgen.library."""
    from .library import Library
    return Library(path, spec, prefix)
