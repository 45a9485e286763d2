"""jetgen.torch: the jet of a PyTorch module as a torch.autograd.Function,
for training loops.

    from jetgen.torch import Jet
    jet = Jet(model, mode="hessian")         # or "jacobian", "hessian_diag", "laplacian", "eval"
    u, du, d2u = jet(x)                      # x (n, n_in): torch tensors, through jetgen's C
    loss = ((d2u[:, :, 0, 0] - f) ** 2).mean() + ...
    loss.backward()                          # gradients to model.parameters() (and to x)
    optimizer.step()                         # the next jet(x) reads the new parameters

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

import threading
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from . import Error, _from_torch

_OUTPUTS = {"eval": 1, "jacobian": 2, "hessian": 3, "hessian_diag": 3, "laplacian": 3}

# The largest forward tape a call keeps for its backward (Net.taped); above
# it the backward computes the forward again, tile by tile in the caches.
TAPE_BYTES = 16 << 20
# A tape is kept only where the forward it saves costs at least this many
# flops per byte of tape: writing a tape and reading it back costs more
# than computing a narrow network's forward again in the caches (measured
# on an AMD EPYC, AVX-512: [2,20x8,1] 2 flops a byte, the tape 18% slower;
# [3,64x3,1] 5, even; [3,128x3,1] 10, the tape 9% faster).
TAPE_FLOPS_PER_BYTE = 8


class Jet:
    """u and its derivatives of `module` by jetgen, differentiable.

    Safe to call from several threads: a call's weights, points and results
    are its own (a lock keeps the network's weights those of the call
    running it)."""

    def __init__(self, module, mode="hessian", threads=None, **export_args):
        if mode not in _OUTPUTS:
            raise ValueError("mode %r: one of %s" % (mode, ", ".join(_OUTPUTS)))
        self.module = module
        self.mode = mode
        self.net = _from_torch(module, "float64", threads, True, export_args)
        # a float32 module with float32 points runs both sweeps in float32
        # (net.float32_twin, the same network with its numbers rounded); others
        # compute in float64
        self._nets = (self.net,) if self.net.float32_twin is None else (self.net, self.net.float32_twin)
        per_point = self.net.tape_bytes(mode, 4096) / 4096
        self._tape_pays = self.net.recompute_flops(mode) >= TAPE_FLOPS_PER_BYTE * per_point
        params = dict(module.named_parameters())
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
        self._offsets = self.net.tensors()      # (name, count, offset) in the gradient array
        self._loaded = {net: None for net in self._nets}  # the float64 parameter values each network holds now
        self._layout = None     # where each parameter sits in a snapshot
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

    def _check(self):
        """Refuses a module that no longer computes the exported network:
        training mode where jetgen computes evaluation mode, a constant
        changed, a literal whose change changes the network."""
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

    def _snapshot(self):
        """{name: a float64 copy of the parameter on the CPU}: the numbers
        this call computes with, whatever is written to the module later.
        One flat copy of all of them (_Values: a tensor a name on demand),
        made by one call where the parameters share a dtype and device."""
        ps = [p for _, p in self.params]
        with torch.no_grad():
            if ps and all(p.dtype == ps[0].dtype and p.device == ps[0].device for p in ps):
                flat = _flatten(ps).to(device="cpu", dtype=torch.float64)
            else:
                flat = torch.cat([p.reshape(-1).to(device="cpu", dtype=torch.float64) for p in ps]) if ps \
                    else torch.zeros(0, dtype=torch.float64)
            if ps and flat.data_ptr() in [p.data_ptr() for p in ps]:
                flat = flat.clone()         # a flattening of one tensor may give it back
        if self._layout is None or len(self._layout) != len(ps):
            layout, off = {}, 0
            for (name, p) in self.params:
                layout[name] = (off, p.numel(), tuple(p.shape))
                off += p.numel()
            self._layout = layout
        return _Values(flat, self._layout)

    def _net_for(self, x, params):
        """The network a call computes with: the float32 twin for float32
        points and parameters, else the float64 network."""
        if x.dtype == torch.float32 and len(self._nets) > 1 and all(p.dtype == torch.float32 for p in params):
            return self._nets[1]
        return self.net

    def _load(self, values, net):
        """Puts the parameter values into net where they differ from what it
        holds (compared by content), and recomputes the tensors derived from
        the changed ones. Under self._lock."""
        held, self._loaded[net] = self._loaded[net], None      # unknown until every tensor is written
        if held is not None and held.flat.shape == values.flat.shape and torch.equal(held.flat, values.flat):
            self._loaded[net] = values      # the numbers it holds: nothing to write
            return
        # every tensor read directly is written (one call; comparing each
        # costs more than writing it); the derived ones where a source changed
        new = {name: (values.numpy(name).reshape(self._shapes[name]), name) for name in values
               if name in self._direct}     # {tensor: (values, what)}
        changed = set(values) if held is None or held.layout is not values.layout or not self._derived \
            else set(name for name in values if not held.same(values, name))
        if changed and self._derived:
            with torch.no_grad():
                for t, sources, fn, shape, _ in self._derived:
                    if changed.intersection(sources):
                        new[t] = (fn(values).cpu().numpy().reshape(self._shapes[t]),
                                  "computed from " + ", ".join(sources))
        if new:
            try:
                net.set_tensors({t: v for t, (v, _) in new.items()})
            except Error as e:
                bad = [what for v, what in new.values() if not np.isfinite(v).all()]
                if not bad:
                    raise
                raise Error("jetgen.torch.Jet: the module's parameters hold a number that is not finite (%s: %s); "
                            "has the training diverged?" % (bad[0], e)) from None
        self._loaded[net] = values

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
        if len(xs) == 1:            # (n, n_in): every input side by side
            x = xs[0]
        else:
            parts = []
            for k, (v, w) in enumerate(zip(xs, widths)):
                if v.dim() != (1 if w is None else 2) or (w is not None and v.shape[1] != w) \
                        or v.shape[0] != xs[0].shape[0]:
                    raise ValueError("jetgen.torch.Jet: input %d has shape %s; forward() takes (n%s)" % (
                        k, tuple(v.shape), "" if w is None else ", %d" % w))
                parts.append(v.reshape(-1, 1) if w is None else v)
            x = torch.cat(parts, dim=1)
        with self._lock:
            self._current()
            params = [p for _, p in self.params]
        # a forward that a backward may follow keeps its tape (one forward a
        # step: the backward reads it instead of computing the forward
        # again) when the tape is small enough to stay in the caches (a
        # larger one costs more memory traffic than the forward it saves)
        # and the forward it saves is dear enough (TAPE_FLOPS_PER_BYTE)
        n = x.shape[0]
        taped = torch.is_grad_enabled() and (x.requires_grad or any(p.requires_grad for p in params)) \
            and self._net_for(x, params) is self.net and self._tape_pays \
            and self.net.tape_bytes(self.mode, n) <= TAPE_BYTES
        out = _JetFunction.apply(self, taped, x, *params)
        return out[0] if len(out) == 1 else out


class _Values(Mapping):
    """{name: tensor} of a call's parameter values: one flat float64 copy
    (.flat, compared at once), a name's tensor a view of it made when
    asked (layout: {name: (offset, numbers, shape)})."""

    def __init__(self, flat, layout):
        self.flat, self.layout, self._views = flat, layout, {}

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

    def numpy(self, name):
        off, n, _ = self.layout[name]
        return self.flat.numpy()[off:off + n]

    def same(self, other, name):
        off, n, _ = self.layout[name]
        return np.array_equal(self.flat.numpy()[off:off + n], other.flat.numpy()[off:off + n])


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
        for k, v in vars(sub).items():
            if k in _MODULE_KEYS or k.startswith("_tensor_constant"):
                continue
            f = _fingerprint(v, 0, set())
            if f is not None:
                out[name + "." + k if name else k] = f
    return out


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

    def __init__(self, module, mode="hessian", threads=None, **export_args):
        super().__init__()
        self.module = module
        self._jet = Jet(module, mode=mode, threads=threads, **export_args)

    def forward(self, *xs):
        return self._jet(*xs)


class _Once(torch.autograd.Function):
    """A gradient of Jet's backward in a graph PyTorch records
    (create_graph=True), whose own backward refuses."""

    @staticmethod
    def forward(ctx, g, token):
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
    def forward(ctx, jet, taped, x, *params):
        net = jet._net_for(x, params)
        xs = x.detach().to(device="cpu", dtype=torch.float32 if net.dtype == np.float32 else torch.float64,
                           copy=True).numpy()
        tape = None
        with jet._lock:
            jet._check()
            values = jet._snapshot()
            jet._load(values, net)
            if taped:
                res, tape = net.taped(jet.mode, xs)
            else:
                res = getattr(net, "eval" if jet.mode == "eval" else jet.mode)(xs)
                res = res if isinstance(res, tuple) else (res,)
        ctx.set_materialize_grads(False)    # an unused result's cotangent is None, not zeros to read
        ctx.save_for_backward(x, *params)
        ctx.jet = jet
        ctx.net = net
        ctx.xs = xs
        ctx.values = values
        ctx.tape = tape
        ctx.dtype = x.dtype
        ctx.device = x.device
        return tuple(torch.from_numpy(r).to(dtype=x.dtype, device=x.device) for r in res)

    @staticmethod
    def backward(ctx, *grads):
        ctx.saved_tensors         # raises if x or a parameter was changed in place since the forward
        if not torch.is_grad_enabled():
            return _JetFunction.gradients(ctx, grads)
        # create_graph=True: PyTorch records the backward to differentiate
        # it again; the gradients are given as they are, but a backward
        # through them raises rather than giving nothing
        with torch.no_grad():
            out = _JetFunction.gradients(ctx, grads)
        token = torch.zeros((), requires_grad=True)
        return tuple(None if g is None else _Once.apply(g, token) for g in out)

    @staticmethod
    def gradients(ctx, grads):
        jet, net = ctx.jet, ctx.net
        real = torch.float32 if net.dtype == np.float32 else torch.float64
        cot = [None if g is None else g.detach().to(real).cpu().numpy() for g in grads]
        while len(cot) < 3:
            cot.append(None)
        want_x = ctx.needs_input_grad[2]
        with jet._lock:         # the forward's weights, whatever calls came between
            if jet._loaded[net] is not ctx.values:
                jet._load(ctx.values, net)
            got = None
            if ctx.tape is not None:
                try:
                    got = net.gradient(jet.mode, ctx.xs, gu=cot[0], gdu=cot[1], gd2=cot[2], wrt_x=want_x,
                                       tape=ctx.tape)
                except Error:   # set_tensor came between (other weights, then these again): no tape
                    got = None
            if got is None:
                got = net.gradient(jet.mode, ctx.xs, gu=cot[0], gdu=cot[1], gd2=cot[2], wrt_x=want_x)
        gp, gx = got if want_x else (got, None)
        out = [None, None, None if gx is None else torch.from_numpy(gx).to(dtype=ctx.dtype, device=ctx.device)]
        # the gradients are views of one fresh float64 array: converted to
        # the parameters' dtype at once where they share one
        some = next(iter(gp.values()), None)
        flat = torch.from_numpy(some.base if some is not None and some.base is not None else np.zeros(0))
        kinds = set((p.dtype, p.device) for _, p in jet.params)
        if len(kinds) == 1:
            flat = flat.to(*kinds.pop()[::-1])
        at = {name: off for name, _, off in jet._offsets}
        grads = {name: flat[at[name]:at[name] + p.numel()].view(p.shape)
                 for name, p in jet.params if name in jet._direct}
        wanted = set(name for (name, _), need in zip(jet.params, ctx.needs_input_grad[3:]) if need)
        derived = [d for d in jet._derived if wanted.intersection(d[1])]
        if derived:         # the chain rule through the tensors derived from parameters, by autograd
            with torch.enable_grad():
                values = {name: ctx.values[name].detach().requires_grad_(p.requires_grad)
                          for name, p in jet.params}
                made = [(d[2](values), torch.from_numpy(np.array(gp[d[0]])).reshape(d[3])) for d in derived]
                made = [(v, g) for v, g in made if v.requires_grad]
                leaves = [(name, values[name]) for name in sorted(wanted) if values[name].requires_grad]
                if made and leaves:
                    back = torch.autograd.grad([v for v, _ in made], [v for _, v in leaves],
                                               [g for _, g in made], allow_unused=True)
                    for (name, _), g in zip(leaves, back):
                        if g is not None:
                            grads[name] = grads[name] + g if name in grads else g
        for (name, p), need in zip(jet.params, ctx.needs_input_grad[3:]):
            if not need:
                out.append(None)
                continue
            g = grads.get(name)
            g = torch.zeros(p.shape, dtype=torch.float64) if g is None else g.detach()
            out.append(g.to(dtype=p.dtype, device=p.device))
        return tuple(out)
