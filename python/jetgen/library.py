"""jetgen.library: a shared object built from an emitted file, loaded in
process with ctypes after checking what it holds against its spec.

    lib = jetgen.load_library("./libpinn.so", "pinn.spec", prefix="pinn")
    u, du, d2u = lib.hessian(x)             # x (n, n_in) float64 (float32 for float code)

Before any call, the object's own report (PREFIX_info: ABI, input and
output counts, precision, modes, `over`, SHA-256 of the spec and weights it
was emitted from) is read and compared with the spec by jetgen's own
reader of it (the one `jetgen verify --library` uses): another ABI,
another network's counts, other `over` inputs or other weights are
refused with jetgen.Error naming them; another text of the same spec (a
comment changed) is a warning.
The arrays are those of docs/abi.md; functions the object does not hold
(--hessian chose them) raise jetgen.Error. An object emitted with terms
(the spec's `terms`, or `jetgen emit --terms`) has partials(x): (n, n_out,
len(terms)), the terms in lib.terms as tuples of input numbers.
"""

import ctypes
import os
import re
import warnings

import numpy as np


class Library:
    """The functions of one shared object: eval, jacobian and those of
    hessian, hessian_diag and laplacian it holds (attribute modes)."""

    def __init__(self, path, spec, prefix="model"):
        from . import Error, load
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", prefix):
            raise Error("prefix %r: the C identifier given to `jetgen emit --prefix`" % prefix)
        net = load(spec)
        try:
            self._lib = ctypes.CDLL(os.path.abspath(path))
        except OSError as e:
            raise Error("%s: cannot load: %s" % (path, e))
        info_fn = getattr(self._lib, prefix + "_info", None)
        if info_fn is None:
            raise Error("%s has no %s_info, so it cannot say which network it holds: emitted with another "
                        "--prefix, or by an older jetgen?" % (path, prefix))
        info_fn.restype = ctypes.c_char_p
        info_fn.argtypes = []
        self.info = info_fn().decode()
        # what it holds against the spec: jetgen's own reader of the report
        # (gen/emit.c, the writer's file; the command line's verify reads it so)
        same, same_text, why = net._net.check_info(self.info.encode())
        if not same:
            raise Error("%s: %s" % (path, why))
        if not same_text:
            warnings.warn("%s: %s" % (path, why), stacklevel=3)
        fields = dict(f.strip().split(" ", 1) for f in self.info.split(";") if " " in f.strip())
        n_in, n_out = net.n_in, net.n_out
        self.path, self.prefix = path, prefix
        self.precision = fields.get("precision")
        self.dtype = np.float32 if self.precision == "float" else np.float64
        self.modes = tuple(fields.get("modes", "").split())
        self.n_in, self.n_out, self.n_over = n_in, n_out, len(net.over)
        self._fns = {}
        real = ctypes.POINTER(ctypes.c_float if self.dtype == np.float32 else ctypes.c_double)
        for mode, n_arrays in (("eval", 1), ("jacobian", 2), ("hessian", 3), ("hessian_diag", 3),
                               ("laplacian", 3)):
            f = getattr(self._lib, "%s_%s" % (prefix, mode), None) if mode in self.modes else None
            if f is not None:
                f.restype = None
                f.argtypes = [ctypes.c_size_t, real] + [real] * n_arrays
                self._fns[mode] = f
        # the terms, as the report names them: input numbers joined by '*', "" for u
        self.terms = tuple(() if t == '""' else tuple(int(i) for i in t.split("*"))
                           for t in fields.get("terms", "").split(",") if t)
        f = getattr(self._lib, prefix + "_partials", None) if "partials" in self.modes else None
        if f is not None:
            f.restype = None
            f.argtypes = [ctypes.c_size_t, real, real]
            self._fns["partials"] = f

    def _run(self, mode, x):
        from . import Error, _MODES, _shapes
        f = self._fns.get(mode)
        if f is None:
            raise Error("%s holds no %s_%s (emit it with --hessian naming it)" % (self.path, self.prefix, mode))
        x = np.ascontiguousarray(x, dtype=self.dtype)
        if x.ndim == 1 and self.n_in == 1:
            x = x.reshape(-1, 1)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise Error("x of shape %s: the network takes (n, %d)" % (x.shape, self.n_in))
        n = x.shape[0]
        if mode == "partials":
            outs = [np.empty((n, self.n_out, len(self.terms)), dtype=self.dtype)]
        else:
            outs = [np.empty(s, dtype=self.dtype)
                    for s in _shapes(_MODES[mode], n, self.n_out, self.n_in, self.n_over)]
        ptr = ctypes.POINTER(ctypes.c_float if self.dtype == np.float32 else ctypes.c_double)
        f(n, x.ctypes.data_as(ptr), *[o.ctypes.data_as(ptr) for o in outs])
        return outs[0] if mode in ("eval", "partials") else tuple(outs)

    def eval(self, x):
        return self._run("eval", x)

    def jacobian(self, x):
        return self._run("jacobian", x)

    def hessian(self, x):
        return self._run("hessian", x)

    def hessian_diag(self, x):
        return self._run("hessian_diag", x)

    def laplacian(self, x):
        return self._run("laplacian", x)

    def partials(self, x):
        """The terms' partial derivatives, (n, n_out, len(self.terms))."""
        from . import Error
        if "partials" not in self._fns:
            raise Error("%s holds no %s_partials (emit it from a spec with `terms`, or with --terms)"
                        % (self.path, self.prefix))
        return self._run("partials", x)
