"""jetgen.torch: the jet of a PyTorch module as a torch.autograd.Function,
for training loops.

    from jetgen.torch import Jet
    jet = Jet(model, mode="hessian")         # or "jacobian", "hessian_diag", "laplacian", "eval"
    u, du, d2u = jet(x)                      # x (n, n_in): torch tensors, through jetgen's C
    loss = ((d2u[:, :, 0, 0] - f) ** 2).mean() + ...
    loss.backward()                          # gradients to model.parameters() (and to x)
    optimizer.step()                         # the next jet(x) reads the new parameters

Derivatives of order 3 and 4 (KdV's u_xxx, a beam's u_xxxx):

    jet = Jet(model, terms=["", "x", "xxx"])  # the inputs' names, or tuples of names or indices
    d = jet(x)                               # (n, n_out, 3): d[:, k, 2] = d3 u_k / dx3
    loss = ((d[:, 0, 0] * d[:, 0, 1] + d[:, 0, 2]) ** 2).mean(); loss.backward()

(the reverse sweep runs through the terms' Taylor series, each
activation's coefficients one order above the terms').

Across processes (DistributedDataParallel, any backend):

    ddp = DDP(JetModule(model, mode="laplacian"))
    u, du, lap = ddp(x_local)                # each process its share of the points

The module is exported once (jetgen.export, checked against the module).
At every call the parameters' numbers are copied (a write through .data
or a numpy view changes no version counter) and put into the network
where they differ from what it holds; what the export took as constants
(buffers, frozen parameters, tensor attributes) is compared by content,
and the module's other values forward() may read as literals (numbers,
numpy arrays, lists, dicts) are watched: a change that changes the
network is refused. The points and parameters are saved for backward as
PyTorch's functions save them (changed in place before backward: PyTorch's
error), and backward differentiates at the numbers of its forward, even
after calls with other weights. One Jet may be called from several
threads. backward runs jetgen's reverse sweep
through the 2-jet (jg_net_gradient) and gives gradients to the module's
parameters that forward() reads, and to x when x requires grad: the
weights and biases of its Linear layers directly, and through PyTorch's
autograd any parameter the export folded into a tensor of the network by
torch operations on parameters and constants (an adaptive activation's
slope tanh(n * a * x) or exp(a) * x, a gate alpha * h + (1 - alpha) * x,
a per-feature factor, a trainable Fourier matrix x @ (2 pi B), a weight
used as x @ W.T or in F.linear, a product of two parameters): Jet
recomputes such tensors from the parameters by the same operations at
every step and carries their gradients back by torch.autograd.grad.
Parameters forward() does not read (a PDE coefficient of the loss) are
left to PyTorch. A parameter whose value forward() uses as a plain number
(an integer power, an activation's keyword argument) is refused by name
rather than trained wrong, and so is a frozen parameter or buffer the
export took as a constant once it changes, and a call in training mode of
a module with dropout or batch norms (whose random masks and batch
statistics jetgen does not draw: evaluation mode only). Results are
differentiable once: a backward through Jet's own gradients
(create_graph=True) raises. A float32 module on float32 points computes
in float32 (a float32 twin of the network: both sweeps in float32, the
gradients summed over tiles in float64); anything else in float64
(float32 points of a float64 module: results rounded once to float32).
"""

import math
import threading
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from . import _MODES, Error, _from_torch, _gather, _shapes, _unchanged
from .fx import parameters_of

_OUTPUTS = {"eval": 1, "jacobian": 2, "hessian": 3, "hessian_diag": 3, "laplacian": 3, "partials": 1}

# The largest forward tape a call keeps for its backward (Net.taped); above
# it the backward computes the forward again, tile by tile in the caches.
# It is the runtime's spare block (runtime/net.c JG_TAPE_SPARE): a tape up
# to it reuses the last one's pages, a larger one is mapped afresh at every
# step, and the page faults cost more than the forward it saves. Measured
# (Intel Xeon, AVX-512, float64 training steps, the tape against the
# forward again): [2,50x3,1] with 13 channels, 32 MB at 1,000 points,
# 13.4 -> 11.5 ms, 64 MB at 2,000 25.4 -> 22.6; KdV's [1,50x4,50], 58 MB at
# 4,000, 40.4 -> 36.8; at 126 MB and 116 MB twice as slow as the forward
# again. (16 MB before, from a 160 MB tape that cost more than it saved.)
TAPE_BYTES = 64 << 20
# A tape is kept only where the forward it saves costs at least this many
# flops per byte of tape: writing a tape and reading it back can cost more
# than computing a narrow network's forward again in the caches. With
# points in lanes (gen/plan.h) the tape pays on the networks measured (an
# AMD EPYC, AVX-512, N = 1,000 / 10,000, a whole step: [2,20x8,1] over x
# 1.46 flops a byte, the tape 9% / 4% faster in float64, 7% in float32;
# [3,64x3,1] 5.2, 7-10% / 1%; [1,50x3,501] 1.7, 5-9% at 1,000 in float64,
# even in float32); before them [2,20x8,1]'s was 18% slower.
TAPE_FLOPS_PER_BYTE = 1.0


class Jet:
    """u and its derivatives of `module` by jetgen, differentiable.

    Safe to call from several threads: a call's weights, points and results
    are its own (a lock keeps the network's weights those of the call
    running it)."""

    def __init__(self, module, mode=None, threads=None, **export_args):
        terms = export_args.get("terms")
        if mode is None:
            mode = "hessian" if terms is None else "partials"
        if mode not in _OUTPUTS:
            raise ValueError("mode %r: one of %s" % (mode, ", ".join(_OUTPUTS)))
        if (mode == "partials") != (terms is not None):
            raise ValueError("jetgen.torch.Jet: %s" % (
                "mode='partials' computes the terms= given: name them (terms=['', 'x', 'xxx'])"
                if terms is None else "terms=... gives the partials (n, n_out, len(terms)), not mode %r: "
                "leave mode out" % mode))
        self.module = module
        self.mode = mode
        self.net = _from_torch(module, "float64", threads, True, export_args)
        # a float32 module with float32 points runs both sweeps in float32
        # (net.float32_twin, the same network with its numbers rounded); others
        # compute in float64
        self._nets = (self.net,) if self.net.float32_twin is None else (self.net, self.net.float32_twin)
        per_point = self.net.tape_bytes(mode, 4096) / 4096
        self._tape_pays = self.net.recompute_flops(mode) >= TAPE_FLOPS_PER_BYTE * per_point
        params = parameters_of(module)
        read = [name for name, _, _ in self.net.tensors()]
        self._direct = set(name for name in read if name in params)
        # tensors the export computed from parameters (x @ (2 pi B), exp(a) * h,
        # F.linear(x, W, b), ...), recomputed here by the same torch operations
        self._derived = [d for d in self.net.derived]
        via = set(p for d in self._derived for p in d[1])
        lost = ["%s (%s)" % (p, where) for p, where in sorted(self.net.lost.items())]
        missing = sorted(p for p in self.net.touched if p not in via and p not in self._direct
                         and p not in self.net.lost)
        # a parameter of a module forward() calls (a Linear layer) that is
        # not the tensor read: computed from it in a way the export does not know
        missing += sorted(p for p, v in params.items() if v.requires_grad and p not in via and p not in self._direct
                          and p not in self.net.lost and p not in missing
                          and any(p.startswith(c + ".") for c in self.net.called))
        if lost or missing:
            raise Error("jetgen.torch.Jet: the gradient of %s would be lost: %s; freeze %s "
                        "(requires_grad_(False)) or use it as a tensor (a Linear layer's weights, a factor, a "
                        "matrix product)" % (
                            "a trainable parameter" if len(lost) + len(missing) == 1 else "trainable parameters",
                            "; ".join(lost + ["%s is read in a way the export does not record" % p
                                              for p in missing]),
                            "it" if len(lost) + len(missing) == 1 else "them"))
        # parameters forward() never reads (a PDE coefficient trained in the
        # loss, say) are not jetgen's: PyTorch gives them no gradient through
        # the jet either
        self.params = [(name, params[name]) for name in read if name in params]
        self.params += [(name, params[name]) for name in sorted(via - self._direct)]
        self._shapes = dict(self.net.tensor_shapes)
        self._code = _MODES[mode]
        # the tensors read directly are self.params[:len(self._direct)]: a
        # snapshot holds them one after another from its start (written to
        # the network by one call), and their gradients are slices of the
        # gradient array: (start, end, shape) a parameter, None for the others
        self._segments = tuple((name, p.numel()) for name, p in self.params[:len(self._direct)])
        at = {name: off for name, _, off in self.net.tensors()}
        self._grad_at = [(at[name], at[name] + p.numel(), tuple(p.shape)) if name in self._direct else None
                         for name, p in self.params]
        self._all_direct = all(at is not None for at in self._grad_at)
        self._loaded = {net: None for net in self._nets}  # the float64 parameter values each network holds now
        # where each parameter sits in a snapshot, and the snapshot's length
        self._layout, self._n_values = {}, 0
        for name, p in self.params:
            self._layout[name] = (self._n_values, p.numel(), tuple(p.shape))
            self._n_values += p.numel()
        self._param_shapes = {name: tuple(p.shape) for name, p in self.params}
        self._tape_fits = {}    # {n: whether a tape of n points is at most TAPE_BYTES}, each net
        self._key = self._kind = self._all32 = self._arrays = None      # _views_of
        self._lock = threading.RLock()
        # what the export took as constants (frozen parameters, buffers, tensor
        # attributes), compared by content at every call: a write through
        # .data or numpy changes no version counter
        self._constants = {}
        for path in sorted(self.net.constants):
            t = _resolve(module, path)
            self._constants[path] = (_copy(t), getattr(t, "requires_grad", False))
        # every other value of the module forward() may read as a literal
        # (numbers, numpy arrays, lists, dicts, plain objects): a change is
        # checked by tracing forward() again
        self._literals = _literals(module)
        # a quick test that the module's tables (its literals, submodules and
        # parameters) hold what they held at the last call, made at the first
        self._quick = None

    def _current(self):
        """The module's parameters as they are now: a layer replaced by one
        of the same shape is read from, anything else refused."""
        for k, (name, p) in enumerate(self.params):
            now = _resolve(self.module, name)
            if now is not p:
                if not isinstance(now, nn.Parameter) or now.shape != p.shape:
                    raise Error("jetgen.torch.Jet: the module's %s is no longer a parameter of shape %s, as it was "
                                "when the Jet was made; make a new Jet" % (name, list(p.shape)))
                self.params[k] = (name, now)

    def _check(self, quick=False):
        """Refuses a module that no longer computes the exported network:
        training mode where jetgen computes evaluation mode, a constant
        changed, a literal whose change changes the network (not compared
        when quick: self._quick held, under the same hold of the lock)."""
        for path, where, what in self.net.train_modes:
            m = self.module.get_submodule(path) if path else self.module
            if m.training:
                raise Error("jetgen.torch.Jet: %s is %s, and %s is in training mode, where PyTorch %s; jetgen "
                            "computes it as evaluation mode does: call model.eval() to train through Jet" % (
                                where, what, "the module" if path else type(self.module).__name__,
                                "drops features at random" if what == "a dropout" else
                                "normalizes by each batch's statistics"))
        for path, (was, grad) in self._constants.items():
            t = _resolve(self.module, path)
            if getattr(t, "requires_grad", False) != grad or not _same(t, was):
                raise Error("jetgen.torch.Jet: %s, which the export took as a constant, has changed%s since "
                            "the Jet was made; make a new Jet" % (
                                path, " (it now requires grad)" if getattr(t, "requires_grad", False) else ""))
        if quick:
            return
        literals = _literals(self.module)
        if literals != self._literals:
            from .export import retranslate
            lines, tensors = retranslate(self.module, *self.net.graph_args)
            same = lines == self.net.lines and set(tensors) >= set(self.net.saved_constants) and all(
                _same(tensors[k], v) for k, v in self.net.saved_constants.items())
            if not same:
                said = [k for k in sorted(set(literals) | set(self._literals))
                        if literals.get(k) != self._literals.get(k)]
                raise Error("jetgen.torch.Jet: values of the module that forward() reads have changed since the "
                            "Jet was made (%s), and with them what forward() computes; make a new Jet"
                            % ", ".join(_said(k, self._literals.get(k), literals.get(k)) for k in said[:5]))
            self._literals = literals
        self._quick = _Quick(self.module, self._literals)

    def _views_of(self, ps):
        """Sets self._kind (the parameters' (dtype, device) where they share
        one, else None), self._all32 (whether all are float32) and
        self._arrays (numpy views of them where all are contiguous float32
        or float64 tensors on the CPU, else None) for the parameters ps,
        when they are not those of the last call: same data pointers,
        shapes, strides and dtypes (self._key). The views stay right while
        the key holds: they keep the memory they view alive, so no other
        tensor can be given its address."""
        key = [(p.data_ptr(), p.shape, p.stride(), p.dtype) for p in ps]
        if key == self._key:
            return
        for (name, _), p in zip(self.params, ps):      # p.data = a tensor of another shape
            if tuple(p.shape) != self._param_shapes[name]:
                raise Error("jetgen.torch.Jet: the module's %s is no longer a parameter of shape %s, as it was "
                            "when the Jet was made; make a new Jet" % (name, list(self._param_shapes[name])))
        kinds = set((p.dtype, p.device) for p in ps)
        self._kind = next(iter(kinds)) if len(kinds) == 1 else None
        self._all32 = all(dtype == torch.float32 for dtype, _ in kinds)
        self._arrays = [p.detach().numpy() for p in ps] if all(
            p.device.type == "cpu" and p.dtype in _NUMPY and p.is_contiguous() for p in ps) else None
        self._key = key

    def _snapshot(self, kind, arrays=None, held=None):
        """{name: a float64 copy of the parameter on the CPU}: the numbers
        this call computes with, whatever is written to the module later.
        One flat copy of all of them (_Values: a tensor a name on demand),
        made by one call: from arrays (self._arrays) where there are some,
        which gives held back when it holds the same numbers; else by
        torch, where the parameters share a dtype and device (kind: that
        (dtype, device), or None)."""
        if arrays is not None:
            flat = np.empty(self._n_values)
            if not _gather(arrays, flat, None if held is None else held.array):
                return held
            return _Values(flat, self._layout, kind, was=held)
        ps = [p for _, p in self.params]
        with torch.no_grad():
            flat = None
            if len(ps) > 1:
                try:            # one call (across dtypes: a type that holds them all)
                    flat = _flatten(ps).to(device="cpu", dtype=torch.float64)
                except RuntimeError:        # on several devices
                    flat = None
            if flat is None:
                flat = torch.cat([p.reshape(-1).to(device="cpu", dtype=torch.float64) for p in ps]) if ps \
                    else torch.zeros(0, dtype=torch.float64)
            if len(ps) == 1 and flat.data_ptr() == ps[0].data_ptr():
                flat = flat.clone()         # a flattening of one tensor may give it back
        return _Values(flat.numpy(), self._layout, kind)

    def _load(self, values, net):
        """Puts the parameter values into net where they differ from what it
        holds (compared by content), and recomputes the tensors derived from
        the changed ones. Under self._lock."""
        held, self._loaded[net] = self._loaded[net], None      # unknown until every tensor is written
        if held is values or held is not None and values.was is not held \
                and held.flat.shape == values.flat.shape and torch.equal(held.flat, values.flat):
            self._loaded[net] = values      # the numbers it holds: nothing to write
            return
        # every tensor read directly is written (one call from the snapshot's
        # array; comparing each costs more than writing it); the derived
        # ones where a source changed
        new = {}        # {derived tensor: (values, what)}
        if self._derived:
            changed = set(values) if held is None or held.layout is not values.layout \
                else set(name for name in values if not held.same(values, name))
            with torch.no_grad():
                for t, sources, fn, shape, _ in self._derived:
                    if changed.intersection(sources):
                        new[t] = (fn(values).cpu().numpy().reshape(self._shapes[t]),
                                  "computed from " + ", ".join(sources))
        if new or self._segments:
            self._write(net, [(t, v) for t, (v, _) in new.items()], values.array, new)
        self._loaded[net] = values

    def _sync(self, net, arrays):
        """_snapshot then _load, in two C calls, for parameters all read
        directly (no derived tensors) whose numpy views (arrays) the call
        has: the values net now holds (the snapshot net held when the
        parameters hold its numbers). Under self._lock."""
        held = self._loaded[net]
        flat = np.empty(self._n_values)
        if not _gather(arrays, flat, None if held is None else held.array):
            return held
        values = _Values(flat, self._layout, self._kind, was=held)
        self._loaded[net] = None        # unknown until every tensor is written
        self._write(net, (), flat, {})
        self._loaded[net] = values
        return values

    def _write(self, net, pairs, flat, new):
        """net._set_tensors(pairs, self._segments, flat), a refusal of a
        number that is not finite named by its parameter (or by what the
        derived tensor of new {tensor: (values, what)} is computed from)."""
        try:
            net._set_tensors(pairs, self._segments, flat)
        except Error as e:
            bad, at = [], 0
            for name, count in self._segments:
                if not np.isfinite(flat[at:at + count]).all():
                    bad.append(name)
                at += count
            bad += [what for v, what in new.values() if not np.isfinite(v).all()]
            if not bad:
                raise
            raise Error("jetgen.torch.Jet: the module's parameters hold a number that is not finite (%s: %s); "
                        "has the training diverged?" % (bad[0], e)) from None

    def _tape_fits_in(self, net, n):
        """Whether net's tape of n points is at most TAPE_BYTES."""
        fits = self._tape_fits.get((net, n))
        if fits is None:
            if len(self._tape_fits) > 64:       # a few sizes in a training loop: no growing table
                self._tape_fits.clear()
            fits = self._tape_fits[(net, n)] = net.tape_bytes(self.mode, n) <= TAPE_BYTES
        return fits

    def __call__(self, *xs):
        return self.jet(*xs)

    def jet(self, *xs):
        """The mode's results at the points: u; (u, du); (u, du, d2u) or the
        diagonal's or the Laplacian's third. The points as forward() takes
        them: for forward(x, t), jet(x, t) with each (n, w) or (n,); or
        one tensor (n, n_in), every input's columns side by side (x's, then
        t's), which is also the order of du's and d2u's columns."""
        widths = self.net.widths
        for v in xs:
            if not isinstance(v, torch.Tensor):
                raise TypeError("jetgen.torch.Jet takes the points as torch tensors, not a %s (for numpy "
                                "arrays, jetgen.from_torch(module) gives a Net)" % type(v).__name__)
            if not v.is_floating_point():
                raise TypeError("jetgen.torch.Jet: the points are %s; pass floating-point points (x.double())"
                                % str(v.dtype).replace("torch.", ""))
        if len(xs) != len(widths) and len(xs) != 1:
            raise TypeError("jetgen.torch.Jet: %s.forward() takes %d input%s, %d given" % (
                type(self.module).__name__, len(widths), "" if len(widths) == 1 else "s", len(xs)))
        if len(xs) > 1:             # else (n, n_in): every input side by side
            for k, (v, w) in enumerate(zip(xs, widths)):
                if v.dim() != (1 if w is None else 2) or (w is not None and v.shape[1] != w) \
                        or v.shape[0] != xs[0].shape[0]:
                    raise ValueError("jetgen.torch.Jet: input %d has shape %s; forward() takes (n%s)" % (
                        k, tuple(v.shape), "" if w is None else ", %d" % w))
        with self._lock:       # (reentrant: the forward takes it again)
            quick = self._quick is not None and self._quick.holds()
            if not quick:
                self._current()
            params = [p for _, p in self.params]
            self._views_of(params)
            # a float32 module on float32 points: the float32 twin
            net = self._nets[1] if len(self._nets) > 1 and self._all32 \
                and all(v.dtype == torch.float32 for v in xs) else self.net
            # a forward that a backward may follow keeps its tape (one forward
            # a step: the backward reads it instead of computing the forward
            # again) when the tape is small enough to stay in the caches (a
            # larger one costs more memory traffic than the forward it saves)
            # and the forward it saves is dear enough (TAPE_FLOPS_PER_BYTE)
            taped = self._tape_pays and torch.is_grad_enabled() \
                and (any(v.requires_grad for v in xs) or any(p.requires_grad for p in params)) \
                and self._tape_fits_in(net, xs[0].shape[0])
            out = _JetFunction.apply(self, (net, taped, quick, self._kind, self._arrays, len(xs)), *xs, *params)
        return out[0] if len(out) == 1 else out


class _Values(Mapping):
    """{name: tensor} of a call's parameter values: one flat float64 copy
    (.flat, compared at once), a name's tensor a view of it made when
    asked (layout: {name: (offset, numbers, shape)}), and the parameters'
    (dtype, device) where they share one (.kind)."""

    def __init__(self, array, layout, kind=None, was=None):
        self.array = array      # the numbers, a float64 numpy array
        self.layout, self._views, self._flat = layout, {}, None
        self.kind = kind        # the parameters' (dtype, device) where they share one
        self.was = was          # a snapshot these numbers are known to differ from

    @property
    def flat(self):
        """The numbers as a tensor (made when first asked: most steps never do)."""
        if self._flat is None:
            self._flat = torch.from_numpy(self.array)
        return self._flat

    def __getitem__(self, name):
        v = self._views.get(name)
        if v is None:
            off, n, shape = self.layout[name]
            v = self._views[name] = self.flat[off:off + n].view(shape)
        return v

    def __iter__(self):
        return iter(self.layout)

    def __len__(self):
        return len(self.layout)

    def same(self, other, name):
        off, n, _ = self.layout[name]
        return np.array_equal(self.array[off:off + n], other.array[off:off + n])


def _flatten(ps):
    """The tensors ps flattened into one, by one call (DistributedDataParallel's
    own helper) where this PyTorch has it."""
    flatten = getattr(getattr(torch._C, "_nn", None), "flatten_dense_tensors", None)
    return flatten(ps) if flatten is not None else torch.cat([p.reshape(-1) for p in ps])


def _resolve(module, path):
    """The tensor at module path 'a.b.0.c', or None: through the modules'
    own tables where it can (nn.Module.__getattr__ is slow), else getattr."""
    obj = module
    for part in path.split("."):
        d = obj.__dict__ if hasattr(obj, "__dict__") else {}
        if part in d:
            obj = d[part]
        elif "_modules" in d and part in d["_modules"]:
            obj = d["_modules"][part]
        elif "_parameters" in d and part in d["_parameters"]:
            obj = d["_parameters"][part]
        else:
            obj = getattr(obj, part, None)
    return obj


def _copy(t):
    """A copy of a constant's numbers (or the object, if not a tensor)."""
    return t.detach().to(device="cpu", copy=True) if isinstance(t, torch.Tensor) else t


def _same(t, was):
    """Whether t holds what `was` (from _copy) holds: same shape, dtype and
    numbers (NaN as NaN)."""
    if not isinstance(t, torch.Tensor) or not isinstance(was, torch.Tensor):
        return t is was
    if t.shape != was.shape or t.dtype != was.dtype:
        return False
    t = t.detach().cpu()
    return bool(torch.equal(t, was)) or (t.is_floating_point() and bool(
        ((t == was) | (torch.isnan(t) & torch.isnan(was))).all()))


_MODULE_KEYS = frozenset(vars(nn.Module()))
_NUMPY = {torch.float32: np.float32, torch.float64: np.float64}
_SCALARS = frozenset((bool, int, float, complex, str, bytes, type(None)))


def _literals(module):
    """{path: fingerprint} of every value of the module and its submodules
    that forward() could read as a literal the trace copies into the
    network: numbers, strings, numpy arrays, and lists, tuples, dicts and
    plain objects of them (Raissi ports keep lb, ub as numpy arrays; a
    config dict; a step counter). Tensors that are parameters, buffers or
    attributes are watched as constants; the trace's own _tensor_constantN
    are not the user's."""
    out = {}
    for name, sub in _modules_of(module, "", [], set()):
        d = vars(sub)
        for k in d.keys() - _MODULE_KEYS:
            if k.startswith("_tensor_constant"):
                continue
            v = d[k]
            f = (type(v).__name__, v) if type(v) in _SCALARS else _fingerprint(v, 0, set())
            if f is not None:
                out[name + "." + k if name else k] = f
    return out


class _Quick:
    """A quick test that a module's submodules, parameters and literals
    (_literals) are what they were at the last call: every module's
    __dict__, _modules and _parameters hold the same number of entries,
    each entry (but nn.Module's own) the same object (identity: numbers and
    strings are immutable), and the values that can change in place
    (arrays, lists, dicts, plain objects) the same fingerprint. When it
    fails, Jet looks for the parameters again and compares the literals in
    full."""

    def __init__(self, module, literals):
        self.sizes, self.same, self.inside = [], [], []
        for name, sub in _modules_of(module, "", [], set()):
            d = vars(sub)
            self.sizes.append((d, len(d)))
            for table in (d.get("_modules"), d.get("_parameters")):
                if table is not None:
                    self.sizes.append((table, len(table)))
                    self.same.extend((table, k, v) for k, v in table.items())
            for k in d.keys() - _MODULE_KEYS:
                v = d[k]
                self.same.append((d, k, v))
                path = name + "." + k if name else k
                if type(v) not in _SCALARS and path in literals:
                    self.inside.append((v, literals[path]))

    def holds(self):
        return _unchanged(self.sizes, self.same) and all(_fingerprint(v, 0, set()) == f for v, f in self.inside)


def _modules_of(module, prefix, out, seen):
    """[(path, module)] of module and its submodules, each once (what
    named_modules gives, in a tenth of its time)."""
    if id(module) in seen:
        return out
    seen.add(id(module))
    out.append((prefix, module))
    for k, sub in module._modules.items():
        if sub is not None:
            _modules_of(sub, prefix + "." + k if prefix else k, out, seen)
    return out


def _fingerprint(v, depth, seen):
    """A comparable copy of a plain value, or None for what is not one
    (modules, tensors, functions)."""
    if v is None or isinstance(v, (bool, int, float, complex, str, bytes)):
        return (type(v).__name__, v)
    if isinstance(v, np.generic):
        return ("np", v.dtype.str, v.tobytes())
    if isinstance(v, np.ndarray):
        return ("array", v.dtype.str, v.shape, v.tobytes()) if v.dtype != object else \
            ("array", v.shape, tuple(_fingerprint(e, depth + 1, seen) for e in v.ravel().tolist()))
    if depth > 4 or id(v) in seen or isinstance(v, (nn.Module, torch.Tensor)) or callable(v):
        return None
    seen = seen | {id(v)}
    if isinstance(v, (list, tuple)):
        if len(v) > 4096:       # a loss history, not literals of a network: its length and a sample
            step = len(v) // 64
            return (type(v).__name__, len(v), tuple(_fingerprint(e, depth + 1, seen)
                                                    for e in list(v[::step]) + list(v[-64:])))
        return (type(v).__name__, tuple(_fingerprint(e, depth + 1, seen) for e in v))
    if isinstance(v, dict):
        return ("dict", tuple((repr(k), _fingerprint(e, depth + 1, seen)) for k, e in v.items()))
    if hasattr(v, "__dict__") and not isinstance(v, type):
        return (type(v).__name__, tuple((k, _fingerprint(e, depth + 1, seen)) for k, e in vars(v).items()))
    return None


def _said(path, was, now):
    """A literal's change, for a message."""
    def show(f):
        if f is None:
            return "(gone)"
        if f[0] in ("bool", "int", "float", "complex", "str"):
            return repr(f[1])
        return "a %s" % ("numpy array" if f[0] == "array" else f[0])
    a, b = show(was), show(now)
    return "%s %s -> %s" % (path, a, b) if a != b or a.startswith("(") or "'" in a or a[0].isdigit() \
        else "%s: %s changed" % (path, a)


class JetModule(torch.nn.Module):
    """Jet as a module, whose forward(x) is jet(x): what
    torch.nn.parallel.DistributedDataParallel wraps, so that its gradient
    hooks see the backward of every step (DDP(JetModule(model)))."""

    def __init__(self, module, mode=None, threads=None, **export_args):
        super().__init__()
        self.module = module
        self._jet = Jet(module, mode=mode, threads=threads, **export_args)

    def forward(self, *xs):
        return self._jet(*xs)


class _Once(torch.autograd.Function):
    """A gradient of Jet's backward in a graph PyTorch records
    (create_graph=True), whose own backward refuses. Its inputs are the
    points and parameters that need a gradient besides a token, so that
    torch.autograd.grad of it with respect to them reaches this refusal
    (rather than PyTorch's "appears to not have been used in the
    graph")."""

    @staticmethod
    def forward(ctx, g, token, *leaves):
        return g.clone()

    @staticmethod
    def backward(ctx, _):
        raise Error("jetgen.torch.Jet: a derivative of the gradients Jet's backward gave (autograd.grad with "
                    "create_graph=True, then backward through the result: d/dx of u, du or d2u as in "
                    "gradient-enhanced PINNs, or second derivatives with respect to the parameters) needs "
                    "derivatives beyond the 2-jet, which jetgen does not compute; Jet's results are "
                    "differentiable once")


class _JetFunction(torch.autograd.Function):
    """jetgen's results at x, differentiable once. The points and every
    parameter are saved with save_for_backward, so an in-place change of
    them before backward raises as PyTorch's own functions do; the
    parameters' numbers are copied at the call (a write through .data
    changes no version counter), and backward differentiates at those
    numbers, whatever the module holds by then."""

    @staticmethod
    def forward(ctx, jet, how, *args):
        # how: the network, whether to keep a tape, whether jet() found the
        # module's tables unchanged, the parameters' (dtype, device) and numpy
        # views (or None), and how many of args are the points' parts (the
        # inputs of forward(), or one tensor (n, n_in)); the parameters follow
        net, taped, quick, kind, arrays, k = how
        parts, params = args[:k], args[k:]
        real = torch.float32 if net.dtype == np.float32 else torch.float64
        # side by side, C-contiguous, in the network's dtype (a copy:
        # backward computes at these numbers); the results in the points'
        # dtype, as torch.cat promotes them
        x = parts[0] if k == 1 else torch.cat([v if v.dim() == 2 else v.reshape(-1, 1) for v in parts], dim=1)
        dtype, device, n = x.dtype, x.device, x.shape[0]
        xs = np.ascontiguousarray(x.detach().to(device="cpu", dtype=real, copy=k == 1).numpy())
        with jet._lock:
            jet._check(quick)
            if arrays is not None and not jet._derived:
                values = jet._sync(net, arrays)
            else:
                values = jet._snapshot(kind, arrays, jet._loaded[net])
                jet._load(values, net)
            res, tape = net._run_rows(jet._code, xs, _shapes(jet._code, n, net.n_out, net.n_in, net.n_over, 0),
                                      taped)
        ctx.set_materialize_grads(False)    # an unused result's cotangent is None, not zeros to read
        ctx.save_for_backward(*parts, *params)
        ctx.jet = jet
        ctx.net = net
        ctx.xs = xs
        ctx.values = values
        ctx.tape = tape
        ctx.k = k
        if dtype == real and device.type == "cpu":
            return tuple(torch.from_numpy(r) for r in res)
        return tuple(torch.from_numpy(r).to(dtype=dtype, device=device) for r in res)

    @staticmethod
    def backward(ctx, *grads):
        saved = ctx.saved_tensors     # raises if a point or a parameter was changed in place since the forward
        if not torch.is_grad_enabled():
            return _JetFunction.gradients(ctx, grads, saved[:ctx.k])
        # create_graph=True: PyTorch records the backward to differentiate
        # it again; the gradients are given as they are, but a backward
        # through them raises rather than giving nothing
        with torch.no_grad():
            out = _JetFunction.gradients(ctx, grads, saved[:ctx.k])
        token = torch.zeros((), requires_grad=True)
        leaves = [v for v in saved if v.requires_grad]
        return tuple(None if g is None else _Once.apply(g, token, *leaves) for g in out)

    @staticmethod
    def gradients(ctx, grads, parts):
        jet, net = ctx.jet, ctx.net
        real = torch.float32 if net.dtype == np.float32 else torch.float64
        cot = [None if g is None else np.ascontiguousarray(
            (g if g.dtype == real and g.device.type == "cpu" else g.to(device="cpu", dtype=real)).detach().numpy())
            for g in grads]
        while len(cot) < 3:
            cot.append(None)
        k = ctx.k
        want_x = any(ctx.needs_input_grad[2:2 + k])
        with jet._lock:         # the forward's weights, whatever calls came between
            if jet._loaded[net] is not ctx.values:
                jet._load(ctx.values, net)
            got = None
            if ctx.tape is not None:
                try:
                    got = net._gradient_flat(jet._code, ctx.xs, cot[0], cot[1], cot[2], want_x, tape=ctx.tape)
                except Error:   # set_tensor came between (other weights, then these again): no tape
                    got = None
            if got is None:
                got = net._gradient_flat(jet._code, ctx.xs, cot[0], cot[1], cot[2], want_x)
        gflat, gx = got
        out = [None, None]      # jet, how; then dL/d of each part of the points
        if not want_x:
            out.extend([None] * k)
        else:
            col = 0
            for v, need in zip(parts, ctx.needs_input_grad[2:2 + k]):
                w = net.n_in if k == 1 else 1 if v.dim() == 1 else v.shape[1]
                if need:
                    g = torch.from_numpy(np.ascontiguousarray(gx[:, col:col + w]).reshape(v.shape))
                    out.append(g if g.dtype == v.dtype and v.device.type == "cpu"
                               else g.to(dtype=v.dtype, device=v.device))
                else:
                    out.append(None)
                col += w
        # the gradients are slices of one fresh float64 array: converted to
        # the parameters' dtype at once where they share one (on the CPU,
        # in numpy: a tensor a parameter made by from_numpy is the quickest)
        kind = ctx.values.kind
        arr = flat = None
        if kind is not None and kind[0] in _NUMPY and kind[1].type == "cpu":
            arr = gflat.astype(_NUMPY[kind[0]], copy=False)
        else:
            flat = torch.from_numpy(gflat)
            if kind is not None:
                flat = flat.to(dtype=kind[0], device=kind[1])
        grads = {}
        if jet._derived:
            wanted = set(name for (name, _), need in zip(jet.params, ctx.needs_input_grad[2 + k:]) if need)
            derived = [d for d in jet._derived if wanted.intersection(d[1])]
        else:
            derived = None
        if derived:         # the chain rule through the tensors derived from parameters, by autograd
            where = {name: off for name, _, off in net.tensors()}
            with torch.enable_grad():
                values = {name: ctx.values[name].detach().requires_grad_(p.requires_grad)
                          for name, p in jet.params}
                made = [(d[2](values), torch.from_numpy(gflat[where[d[0]]:where[d[0]] + math.prod(d[3])])
                         .reshape(d[3])) for d in derived]
                made = [(v, g) for v, g in made if v.requires_grad]
                leaves = [(name, values[name]) for name in sorted(wanted) if values[name].requires_grad]
                if made and leaves:
                    back = torch.autograd.grad([v for v, _ in made], [v for _, v in leaves],
                                               [g for _, g in made], allow_unused=True)
                    for (name, _), g in zip(leaves, back):
                        if g is not None:
                            grads[name] = g
        if arr is not None and jet._all_direct and not grads:       # the common case, in one pass
            out.extend(torch.from_numpy(arr[at[0]:at[1]].reshape(at[2])) if need else None
                       for need, at in zip(ctx.needs_input_grad[2 + k:], jet._grad_at))
            return tuple(out)
        for (name, p), need, at in zip(jet.params, ctx.needs_input_grad[2 + k:], jet._grad_at):
            if not need:
                out.append(None)
                continue
            g = None if at is None else flat[at[0]:at[1]].view(at[2]) if arr is None \
                else torch.from_numpy(arr[at[0]:at[1]].reshape(at[2]))
            extra = grads.get(name)
            if extra is not None:
                g = extra + g.to(dtype=extra.dtype, device=extra.device) if g is not None else extra
            if g is None:
                g = torch.zeros(p.shape, dtype=p.dtype, device=p.device)
            elif kind is None or extra is not None:
                g = g.to(dtype=p.dtype, device=p.device)
            out.append(g)
        return tuple(out)
