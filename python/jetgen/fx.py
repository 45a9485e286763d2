"""jetgen.fx: what a module's forward() computes, as a jetgen spec of format 3.

The graph comes from torch.fx (symbolic tracing of forward()); each node
becomes a statement naming its operands (docs/spec.md, format 3). Used by
jetgen.export (and so tools/jetgen_export.py), which writes the files and
checks them against the module; nothing here writes a file.

A node is one of: a network value (_Net: a spec value of some width,
[N, width], or [N] when `flat`), a constant (_Const: a number or a tensor,
from the module's parameters, buffers, plain attributes or literals,
folded in float64 when every operand is constant), a tuple of them, or the
batch size (x.shape[0]). What cannot be one of these is refused with the
op, the module path and the line of forward() it came from.
"""

import dis
import inspect
import math
import operator
import os
import traceback

import torch
from torch import nn
import torch.fx as fx
import torch.nn.functional as F

from . import _jetgen


class ExportError(ValueError):
    """A module jetgen cannot express (or did not reproduce), named in the message."""


class _Net:
    """A network value: [N, width], or [N] when flat, or [N, *dims] (dims:
    two or more sizes, width their product) kept flat in the spec, row
    after row as PyTorch lays it out."""

    def __init__(self, name, width, flat=False, dims=None):
        self.name, self.width, self.flat, self.dims = name, width, flat, dims

    def shape(self):
        """The sizes after the batch's."""
        return self.dims if self.dims else () if self.flat else (self.width,)


def _nd(name, shape):
    """The _Net of spec value `name` holding [N, *shape]."""
    shape = tuple(shape)
    width = 1
    for k in shape:
        width *= k
    if len(shape) >= 2:
        return _Net(name, width, False, shape)
    return _Net(name, width, not shape)


def _replication(src, dst):
    """The 0/1 matrix [prod(dst), prod(src)] that broadcasts a value of
    shape src to dst (PyTorch's rules: sizes aligned at the right, 1s
    repeated)."""
    src = (1,) * (len(dst) - len(src)) + tuple(src)
    n_src = 1
    for k in src:
        n_src *= k
    idx = torch.arange(n_src).reshape(src).expand(dst).reshape(-1)
    M = torch.zeros(idx.numel(), n_src, dtype=torch.float64)
    M[torch.arange(idx.numel()), idx] = 1.0
    return M


class _Src:
    """How a constant of the network derives from the module's trainable
    parameters: `params`, their names (module paths); `fn(values)`, the
    constant recomputed by the same torch operations from {name: tensor}
    (differentiable, so jetgen.torch.Jet carries gradients back through
    it by autograd); `text`, the expression, for the spec's comments."""

    def __init__(self, params, fn, text):
        self.params, self.fn, self.text = params, fn, text


def _at(v, values):
    """v with every constant that derives from parameters recomputed from
    values (see _Src); other constants as their tensors."""
    if isinstance(v, _Const):
        return v.src.fn(values) if v.src is not None else v.tensor()
    if isinstance(v, (tuple, list)):
        return type(v)(_at(u, values) for u in v)
    return v


def _text(v):
    if isinstance(v, _Const):
        if v.src is not None:
            return v.src.text
        t = v.tensor()
        return _number(t.reshape(()).item()) if t.numel() == 1 else "<constant %s>" % list(t.shape)
    if isinstance(v, (tuple, list)):
        return "[%s]" % ", ".join(_text(u) for u in v)
    return repr(v)


def _derive(name, f, args, kwargs=None):
    """The _Src of f(*args, **kwargs) (args possibly _Const), or None when
    no argument derives from a parameter."""
    kwargs = kwargs or {}
    found = []

    def walk(v):
        if isinstance(v, _Const) and v.src is not None:
            found.append(v.src)
        elif isinstance(v, (tuple, list)):
            for u in v:
                walk(u)
    for v in list(args) + list(kwargs.values()):
        walk(v)
    if not found:
        return None
    params = tuple(sorted({p for s in found for p in s.params}))
    text = "%s(%s)" % (name, ", ".join([_text(v) for v in args] +
                                      ["%s=%s" % (k, _text(v)) for k, v in kwargs.items()]))
    def fn(values):
        r = f(*_at(list(args), values), **{k: _at(v, values) for k, v in kwargs.items()})
        # a number (a.item(), float(a)): PyTorch carries no gradient through
        # it, but its value follows the parameter
        return torch.tensor(float(r), dtype=torch.float64) if isinstance(r, (int, float)) else r
    return _Src(params, fn, text)


class _Const:
    """A constant of the network: a number or a tensor (float64), with
    src (a _Src) when it derives from trainable parameters."""

    def __init__(self, value, src=None):
        if isinstance(value, torch.Tensor):
            value = value.detach().to(torch.float64)
        self.value = value
        self.src = src

    def tensor(self):
        v = self.value
        return v if isinstance(v, torch.Tensor) else torch.tensor(float(v), dtype=torch.float64)


def _plain_number(c):
    """The float of a one-number constant without a parameter in it, or None."""
    if isinstance(c, (int, float)):
        return float(c)
    if isinstance(c, _Const) and c.src is None and c.tensor().numel() == 1:
        return c.tensor().reshape(()).item()
    return None


class _Batch:
    """x.shape[0] or x.size(0): the number of points."""


class _Shape:
    def __init__(self, net):
        self.net = net


class _Proxy(fx.Proxy):
    """fx's Proxy, able to unpack `a, b = torch.split(...)` under Python
    3.11 too: torch 1.13 finds the unpacking instruction by f_lasti // 2,
    which 3.11's inline caches throw off; here it is found by its offset.
    Its .dtype is float64 and its .device the CPU, the numbers jetgen
    computes in and the check compares at, so that
    `self.B.to(device=x.device, dtype=x.dtype)` (PINA's embeddings) and
    `torch.tensor(array, dtype=x.dtype)` trace."""

    def __getattr__(self, k):
        if k == "dtype":
            return torch.float64
        if k == "device":
            return torch.device("cpu")
        # a parameter's or buffer's shape is known: range(self.B.shape[1])
        v = self.__dict__.get("jg_value")
        if v is not None:
            if k == "shape":
                return v.shape
            if k == "ndim":
                return v.dim()
            if k in ("size", "dim", "numel", "nelement"):
                return getattr(v, k)
        return super().__getattr__(k)

    def __len__(self):
        v = self.__dict__.get("jg_value")
        if v is not None:
            return len(v)
        return super().__len__()

    def __iter__(self):
        frame = inspect.currentframe().f_back
        for inst in dis.get_instructions(frame.f_code):
            if inst.offset == frame.f_lasti:
                if inst.opname == "UNPACK_SEQUENCE":
                    return (self[i] for i in range(inst.argval))
                break
        return self.tracer.iter(self)


class _Tracer(fx.Tracer):
    """fx's tracer, noting on every node the module path it was made in and
    the line of forward() that made it."""

    def __init__(self):
        super().__init__()
        self.record_stack_traces = True
        # buffers as get_attr nodes, as parameters are: a buffer's methods
        # then take the batch size (self.shift.expand(x.shape[0], -1)), and
        # its name is its path in the module
        self.proxy_buffer_attributes = True
        self._paths = [""]

    def call_module(self, m, forward, args, kwargs):
        try:
            path = self.path_of_module(m)
        except NameError:
            # a module made inside forward() (nn.Tanh()(h)): traced through,
            # as its forward's torch calls, when it holds no tensors
            if next(m.parameters(), None) is None and next(m.buffers(), None) is None:
                return forward(*args, **kwargs)
            raise
        self._paths.append(path)
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self._paths.pop()

    def proxy(self, node):
        p = _Proxy(node, self)
        if node.op == "get_attr":
            # (through the modules' tables: their getattr is fx's while tracing)
            *path, last = node.target.split(".")
            m = self.root
            for part in path:
                m = m._modules.get(part) if isinstance(m, nn.Module) else None
            v = None
            if isinstance(m, nn.Module):
                v = m._parameters.get(last, m._buffers.get(last, vars(m).get(last)))
            if isinstance(v, torch.Tensor):
                p.jg_value = v      # its shape for Python (_Proxy.__getattr__)
        return p

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        node.meta["jg_path"] = self._paths[-1]
        return node


def _ours(path):
    """True for a file of this package (its frames are not the user's)."""
    return os.path.dirname(os.path.abspath(path)) == os.path.dirname(os.path.abspath(__file__))


def _user_line(node):
    """'file.py:42: h = self.a(x) * h' of the user's code that made node, or ''."""
    st = getattr(node, "stack_trace", None) or node.meta.get("stack_trace")
    if not st:
        return ""
    frames = [l.strip() for l in st.strip().splitlines()]
    # innermost first, in pairs: File "...", line N, in f / the code
    for i, l in enumerate(frames):
        if l.startswith("File ") and "/torch/" not in l and not _ours(l.split('"')[1] if '"' in l else ""):
            try:
                path = l.split('"')[1]
                line = l.split("line ")[1].split(",")[0]
            except IndexError:
                continue
            code = frames[i + 1] if i + 1 < len(frames) and not frames[i + 1].startswith("File ") else ""
            return "%s:%s: %s" % (path.rsplit("/", 1)[-1], line, code)
    return ""


def _op_name(node):
    t = node.target
    if node.op == "call_module":
        return "module %s" % t
    if node.op == "call_method":
        return ".%s()" % t
    return getattr(t, "__name__", str(t))


# activations, from the registry (gen/activations.h, through the extension):
# a function or method name -> (keyword, ((param, default), ...)), an nn
# module class name -> (keyword, params), and the piecewise-linear keywords.
# gelu (its approximate= picks the row) and relu6 are read below.
_ACT, _MODULE_ACT, _PIECEWISE = {}, {}, set()
for _kw, _params, _pl, _spellings in _jetgen.activations():
    for _s in _spellings:
        (_MODULE_ACT if _s[:1].isupper() else _ACT)[_s] = (_kw, _params)
    if _pl:
        _PIECEWISE.add(_kw)

_IDENTITY_MODULES = (nn.Identity, nn.Dropout, nn.AlphaDropout, nn.FeatureAlphaDropout)
_IDENTITY_METHODS = ("detach", "clone", "contiguous", "float", "double", "to", "type", "requires_grad_",
                     "type_as")
# the arithmetic of forward(), as functions and as methods, to the operator it is
_FUNCTION_OPS = {operator.add: operator.add, torch.add: operator.add, operator.sub: operator.sub,
                 torch.sub: operator.sub, operator.mul: operator.mul, torch.mul: operator.mul,
                 operator.truediv: operator.truediv, torch.div: operator.truediv, operator.pow: operator.pow,
                 torch.pow: operator.pow, torch.true_divide: operator.truediv}
_METHOD_OPS = {"add": operator.add, "__add__": operator.add, "sub": operator.sub, "mul": operator.mul,
               "div": operator.truediv, "pow": operator.pow, "__mul__": operator.mul,
               "__sub__": operator.sub, "__truediv__": operator.truediv, "__radd__": operator.add,
               "true_divide": operator.truediv}


def _number(v):
    return repr(float(v))


class Translator:
    """One module's graph into spec statements and the tensors they name."""

    def __init__(self, module, widths, names, output=None):
        self.module = module
        self.widths = widths            # per placeholder, or None: [N] (flat)
        self.names = names              # input component names
        self.output = output
        self.lines = []
        self.tensors = []               # (name, tensor)
        self.derived = []               # (tensor, parameters, fn, shape, text): a saved tensor
                                        # recomputed from parameters by fn (see _Src)
        self.touched = set()            # the trainable parameters forward() reads
        self.lost = {}                  # parameter -> where its value was used as a plain number
        self.constants = set()          # the frozen parameters, buffers and tensor attributes it reads
        self.attrs = {}                 # fx's tensor constants (trace(): graph.jg_attrs)
        self.called = set()             # the modules forward() calls whose tensors are read
        self.train_modes = []           # (module path, or "" for F.dropout, where, what): dropouts
                                        # and batch norms, computed here as in evaluation mode
        self._saved = {}                # id(tensor) -> name
        self._used = set(names) | {"input", "output", "weights", "format"}
        self.n_relu = 0

    # ---- names and statements ----
    def fresh(self, hint):
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in str(hint)) or "v"
        if base[0].isdigit():
            base = "v_" + base
        base = base[:100]
        name, k = base, 1
        while name in self._used:
            name = "%s_%d" % (base, k)
            k += 1
        self._used.add(name)
        return name

    def emit(self, hint, text, width, flat=False, dims=None):
        name = self.fresh(hint)
        self.lines.append("%s = %s" % (name, text))
        return _Net(name, width, flat, dims)

    def save(self, hint, t, share=True):
        """The name of tensor t in the weights file: saved under hint (or
        hint_K), or, with share, the name t was saved under before."""
        key = (id(t), tuple(t.shape))
        if share and key in self._saved:
            return self._saved[key][0]
        name = hint
        k = 1
        taken = {n for n, _ in self.tensors}
        while name in taken:
            name = "%s_%d" % (hint, k)
            k += 1
        self.tensors.append((name, t.detach()))
        self._saved[key] = (name, t)       # t kept alive: its id stays its own
        return name

    # ---- refusals ----
    def where(self, node):
        path = node.meta.get("jg_path", "")
        line = _user_line(node)
        if node.op == "call_module":
            s = "%s (%s)" % (node.target, type(self.module.get_submodule(node.target)).__name__)
        else:
            s = "%s (node %s%s)" % (_op_name(node), node.name, " in %s" % path if path else "")
        if line:
            s += " at %s" % line
        return s

    def refuse(self, node, why, hint=""):
        raise ExportError("%s: %s%s" % (self.where(node), why, ("; " + hint) if hint else ""))

    # ---- the graph ----
    def run(self, graph):
        self.attrs = getattr(graph, "jg_attrs", {})
        env = {}
        placeholders = [n for n in graph.nodes if n.op == "placeholder"]
        if len(placeholders) != len(self.widths):
            raise ExportError("forward() takes %d inputs, but %d widths were given"
                              % (len(placeholders), len(self.widths)))
        at = 0
        for node, w in zip(placeholders, self.widths):
            n = 1 if w is None else w
            if len(placeholders) == 1 and w is not None:
                env[node] = _Net("input", n)
            elif n == 1:
                env[node] = _Net(self.names[at], 1, flat=w is None)     # the input's own name
            else:
                env[node] = self.emit(node.name, "slice input %d %d" % (at, at + n), n, flat=w is None)
            at += n
        result = None
        for node in graph.nodes:
            if node.op == "placeholder":
                continue
            if node.op == "output":
                result = self.out(node, fx.node.map_arg(node.args[0], lambda a: env[a]))
                break
            args = fx.node.map_arg(node.args, lambda a: env[a])
            kwargs = fx.node.map_arg(node.kwargs, lambda a: env[a])
            env[node] = self.node(node, args, kwargs)
        return result

    def out(self, node, v):
        if isinstance(v, dict):
            v = tuple(v.values())
        if isinstance(v, (tuple, list)):
            if self.output is None:
                if len(v) == 1:
                    v = v[0]
                else:
                    self.refuse(node, "forward() returns %d values" % len(v),
                                "pass output=K (0 to %d) to choose the one to export" % (len(v) - 1))
            else:
                if not 0 <= self.output < len(v):
                    self.refuse(node, "output=%d, but forward() returns %d values" % (self.output, len(v)))
                v = v[self.output]
        elif self.output not in (None, 0):
            self.refuse(node, "output=%d, but forward() returns one value" % self.output)
        if isinstance(v, _Const):
            self.refuse(node, "the output does not depend on the input")
        if not isinstance(v, _Net):
            self.refuse(node, "the output is not a tensor of the network")
        if v.name == "input":
            v = self.emit("u", "identity input", v.width)
        self.lines.append("output %s" % v.name)
        return v

    # ---- one node ----
    def node(self, node, args, kwargs):
        if node.op == "get_attr":
            if node.target in self.attrs:       # fx's own constant (trace())
                obj = self.attrs[node.target]
            else:
                obj = self.module
                for part in node.target.split("."):
                    obj = getattr(obj, part)
            if isinstance(obj, torch.Tensor):
                return self.tensor_const(node.target, obj)
            if isinstance(obj, (int, float)):
                return _Const(float(obj))
            self.refuse(node, "an attribute of type %s" % type(obj).__name__)
        if node.op == "call_module":
            return self.call_module(node, args, kwargs)
        if node.op == "call_function":
            return self.call(node, node.target, args, kwargs, method=False)
        if node.op == "call_method":
            return self.call(node, node.target, args, kwargs, method=True)
        self.refuse(node, "an fx node of kind %s" % node.op)

    def call_module(self, node, args, kwargs):
        m = self.module.get_submodule(node.target)
        x = args[0] if args else None
        if args and all(isinstance(a, (_Const, int, float)) for a in list(args) + list(kwargs.values())):
            return self.fold_module(node, m, args, kwargs)
        if isinstance(m, nn.Linear):
            x = self.net(node, x, "nn.Linear's input")
            if x.flat or x.width != m.in_features:
                self.refuse(node, "nn.Linear(%d, %d) applied to a value %s wide" % (
                    m.in_features, m.out_features, "[N]" if x.flat else x.width),
                    "the points are %d wide, as input_names or n_in said: name %d inputs" % (
                        x.width, m.in_features) if x.name == "input" and not x.flat else "")
            base = node.target
            self.called.add(base)
            saved = {n for n, _ in self.tensors}
            for local in ("weight", "bias") if m.bias is not None else ("weight",):
                name = "%s.%s" % (base, local)
                c = self.module_tensor(node, m, base, local)
                if name in saved:       # a module called again
                    continue
                # each under its layer's own name, which `dense` reads, even
                # when tied to another layer's (hidden[i].weight = hidden[0].weight)
                if c is None:
                    self.save(name, getattr(m, local), share=False)
                else:
                    self.save_derived(name, c, lambda v: v, share=False)
            return self.emit(node.name, "dense %d %s %s" % (m.out_features, base, x.name), m.out_features)
        if isinstance(m, nn.GELU):
            return self.gelu(node, x, getattr(m, "approximate", "none"))
        act = next((_MODULE_ACT[c.__name__] for c in type(m).__mro__ if c.__module__ == nn.Tanh.__module__
                    and c.__name__ in _MODULE_ACT and type(m).forward is c.forward), None)
        if act is not None:     # its parameters are its attributes (ReLU6: a Hardtanh of 0 and 6)
            return self.activation(node, act[0], x, ["%s=%s" % (name, _number(getattr(m, name)))
                                                     for name, _ in act[1]])
        if isinstance(m, _IDENTITY_MODULES):
            if getattr(m, "p", 0) > 0:
                self.train_modes.append((node.target, self.where(node), "a dropout"))
            return x
        if isinstance(m, nn.Flatten):
            return self.flatten(node, x, m.start_dim, m.end_dim)
        if isinstance(m, nn.BatchNorm1d):
            return self.batch_norm(node, m, x)
        if isinstance(m, nn.LayerNorm):
            self.called.add(node.target)
            w = b = None
            if m.elementwise_affine:
                w = self.module_tensor(node, m, node.target, "weight") or self.tensor_const(
                    node.target + ".weight", m.weight)
                b = self.module_tensor(node, m, node.target, "bias") or self.tensor_const(
                    node.target + ".bias", m.bias)
            return self.layer_norm(node, x, m.normalized_shape, w, b, m.eps)
        self.refuse(node, "%s is not something jetgen computes" % type(m).__name__,
                    "jetgen exports Linear layers, the activations of docs/spec.md and elementwise "
                    "arithmetic; write the layer in forward() with those, or leave it out of the network")

    def fold_module(self, node, m, args, kwargs):
        """A module applied to constants (DeepONet's branch on its fixed
        sensors): a constant of the network, computed in float64 and, when
        the module has trainable parameters (or its input derives from
        some), recomputed from them by Jet at every step."""
        from torch.nn.utils import stateless
        path = node.target
        tensors = dict(m.named_parameters())
        tensors.update(m.named_buffers())
        trainable = {k: "%s.%s" % (path, k) for k, t in m.named_parameters() if t.requires_grad}
        for k, t in tensors.items():
            if k not in trainable:
                self.constants.add("%s.%s" % (path, k))
        self.touched.update(trainable.values())
        self.called.add(path)
        fixed = {k: t.detach().to(torch.float64) for k, t in tensors.items() if k not in trainable}

        def run(values, xs, kw):
            state = dict(fixed)
            state.update({k: values[v].to(torch.float64) for k, v in trainable.items()})
            return stateless.functional_call(m, state, tuple(xs), kw)
        with torch.no_grad():
            value = run({v: tensors[k] for k, v in trainable.items()},
                        [a.tensor() if isinstance(a, _Const) else a for a in args],
                        {k: v.tensor() if isinstance(v, _Const) else v for k, v in kwargs.items()})
        inner = _derive("x", lambda *a: a, args)
        names = tuple(sorted(set(trainable.values()) | set(inner.params if inner else ())))
        if not names:
            return _Const(value)
        return _Const(value, src=_Src(names, lambda values: run(values, _at(list(args), values),
                                                                   {k: _at(v, values) for k, v in kwargs.items()}),
                                      "%s(%s)" % (path, ", ".join(_text(a) for a in args))))

    # ---- helpers ----
    def linear_map(self, node, x, M, hint):
        """x [N, in] times the constant M [out, in]: a `matmul` (the
        replications, permutations and sums PyTorch writes as broadcasting,
        flip, expand or einsum)."""
        name = self.save("jetgen.%s_%s" % (node.name, hint), M.to(torch.float64).contiguous(), share=False)
        return self.emit("%s_%s" % (node.name, hint), "matmul %d %s %s" % (M.shape[0], name, x.name), M.shape[0])

    def widen(self, node, x, width):
        """A one-wide value repeated `width` times (PyTorch's broadcasting of
        [N, 1] against [width])."""
        if x.width == width:
            return x
        if x.width != 1 or x.flat:
            self.refuse(node, "a value %s wide broadcast to %d" % ("[N]" if x.flat else x.width, width))
        return self.linear_map(node, x, torch.ones(width, 1, dtype=torch.float64), "wide")

    def expand(self, node, x, sizes):
        """x.expand(*sizes): a constant broadcast (its batch dimension stays
        1), or a network value as wide as asked."""
        sizes = list(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else list(sizes)
        if isinstance(x, _Const):
            t = x.tensor()
            want = [1 if isinstance(k, _Batch) else k for k in sizes]
            try:
                v = t.expand(want)
            except RuntimeError as e:
                self.refuse(node, "expand of a constant of shape %s to %s: %s" % (list(t.shape), sizes, e))
            return _Const(v, src=_derive("expand", lambda u: u.expand(want), [x]))
        x = self.net(node, x, "the expanded value", nd=True)
        if x.dims or len(sizes) > 2:
            return self.nd_expand(node, x, sizes)
        if x.flat or len(sizes) != 2 or not (isinstance(sizes[0], _Batch) or sizes[0] == -1):
            self.refuse(node, "expand of a %s value to %s" % ("[N]" if x.flat else "[N, %d]" % x.width, sizes))
        return x if sizes[1] in (-1, x.width) else self.widen(node, x, sizes[1])

    def einsum(self, node, eq, ops):
        """torch.einsum of a network value [N, i] with a constant matrix or
        vector (a dense layer written as einsum), or of two network values
        of one width (their product, summed or not)."""
        eq = eq.replace(" ", "")
        if "->" not in eq or eq.count(",") != 1 or len(ops) != 2 or "." in eq:
            self.refuse(node, "einsum %r" % eq, "jetgen takes einsum of two operands with an explicit output "
                        "('ni,ij->nj', 'ni,ni->n')")
        lhs, out = eq.split("->")
        sa, sb = lhs.split(",")
        a, b = ops
        if isinstance(b, _Net) and isinstance(a, _Const):
            a, b, sa, sb = b, a, sb, sa
        if isinstance(a, _Net) and a.dims and isinstance(b, _Const) and len(sa) == 1 + len(a.dims) and \
                len(out) == 2 and out[0] == sa[0] and set(sa[1:]) <= set(sb) and out[1] in sb and \
                sa[0] not in sb and len(set(sb)) == len(sb) == b.tensor().dim() == len(sa):
            # 'bid,iod->bo' (Chebyshev-KAN's coefficients): the contracted
            # dimensions flattened as the value is, then a matmul
            order = [sb.index(c) for c in sa[1:]] + [sb.index(out[1])]
            k = b.tensor().shape[sb.index(out[1])]
            M = b.tensor().permute(order).reshape(a.width, k)
            return self.matmul(node, _Net(a.name, a.width), _Const(M, src=_derive(
                "einsum_matrix", lambda v: v.permute(order).reshape(-1, k), [b])))
        if isinstance(a, _Net) and isinstance(b, _Const) and len(sa) == 2 and not a.flat and not a.dims:
            n, i = sa
            B = b.tensor()
            if n not in sb and out[:1] == n and i in sb and B.dim() == len(sb) and len(set(sb)) == len(sb):
                if len(sb) == 2 and len(out) == 2 and out[1] in sb and out[1] != i:
                    M = B if sb == i + out[1] else B.t()
                    return self.matmul(node, a, _Const(M, src=_derive("einsum_matrix", lambda v, t=sb == i + out[1]:
                                                                       v if t else v.t(), [b])))
                if len(sb) == 1 and out == n:
                    r = self.matmul(node, a, _Const(B.reshape(-1, 1), src=_derive(
                        "einsum_vector", lambda v: v.reshape(-1, 1), [b])))
                    return _Net(r.name, 1, True)
        if isinstance(a, _Net) and isinstance(b, _Net) and not a.dims and not b.dims and not a.flat and \
                not b.flat and len(sa) == len(sb) == 2 and sa[0] == sb[0] and sa[1] != sb[1] and \
                out == sa + sb[1]:
            # 'ni,nj->nij' (separable PINNs): a [N, i, 1] times b [N, 1, j]
            return self.nd_binary(node, operator.mul, _nd(a.name, (a.width, 1)), _nd(b.name, (1, b.width)))
        if isinstance(a, _Net) and isinstance(b, _Net) and sa == sb and len(sa) == 2 and out in (sa, sa[0]):
            prod = self.binary(node, operator.mul, a, b)
            return prod if out == sa else self.reduce(node, prod, 1, False, False)
        self.refuse(node, "einsum %r of these operands" % eq, "jetgen takes 'ni,ij->nj' (and its transposes) "
                    "with a constant matrix, 'ni,i->n', and 'ni,ni->ni' or 'ni,ni->n' of two network values")

    def layer_norm(self, node, x, shape, weight, bias, eps):
        """Layer normalization over the features, in the spec's ops:
        (x - mean) / sqrt(var + eps) * weight + bias, mean and var over the
        features (var biased, as PyTorch's), exact in every derivative."""
        x = self.net(node, x, "LayerNorm's input")
        shape = [shape] if isinstance(shape, int) else list(shape)
        if x.flat or shape != [x.width]:
            self.refuse(node, "LayerNorm over %s of a value %s wide" % (shape, "[N]" if x.flat else x.width),
                        "jetgen normalizes over the features of [N, width] values")
        mean = self.reduce(node, x, -1, True, True)
        c = self.emit(node.name + "_centered", "sub %s %s" % (x.name, mean.name), x.width)
        sq = self.emit(node.name + "_sq", "mul %s %s" % (c.name, c.name), x.width)
        var = self.reduce(node, sq, -1, True, True)
        v = self.emit(node.name + "_var_eps", "scale %s 1 %s" % (var.name, _number(eps)), 1)
        sd = self.emit(node.name + "_sd", "sqrt %s" % v.name, 1)
        inv = self.emit(node.name + "_inv_sd", "pow %s n=-1" % sd.name, 1)
        y = self.emit(node.name + "_normed", "mul %s %s" % (c.name, inv.name), x.width)
        if weight is None and bias is None:
            return y
        return self.scale(node, y, weight if weight is not None else "1.0", bias if bias is not None else "0.0")

    def net(self, node, v, what, nd=False):
        """v, a network value (of more than two dimensions only where the
        caller takes them: nd)."""
        if not isinstance(v, _Net):
            self.refuse(node, "%s is not a tensor computed from the input" % what)
        if v.dims and not nd:
            self.refuse(node, "%s has shape [N, %s]" % (what, ", ".join(map(str, v.dims))),
                        "values of more than two dimensions go through elementwise operations, activations, "
                        "unsqueeze, view or reshape, expand, sums over a dimension and einsum with a constant; "
                        "reshape to [N, width] before the rest")
        return v

    def nd_binary(self, node, op, a, b):
        """An elementwise operation where a value has more than two
        dimensions or a constant more than one: both broadcast to the
        result's shape (a replicating matmul, an expanded constant), the
        operation on the flat values, the shape kept."""
        shapes = []
        for v in (a, b):
            if isinstance(v, _Net):
                shapes.append(v.shape())
            elif isinstance(v, _Const):
                t = v.tensor()
                # a constant as wide as [N, ...] has a batch dimension of 1
                shapes.append(tuple(t.shape[1:]) if t.dim() == 1 + max(
                    len(u.shape()) for u in (a, b) if isinstance(u, _Net)) else tuple(t.shape))
            else:
                shapes.append(())
        try:
            S = tuple(torch.broadcast_shapes(*shapes))
        except RuntimeError:
            self.refuse(node, "shapes %s do not broadcast" % " and ".join("[N, %s]" % ", ".join(map(str, u))
                                                                           for u in shapes))
        flat = []
        for v, sh in zip((a, b), shapes):
            if isinstance(v, _Net):
                if sh != S:
                    v = self.linear_map(node, _Net(v.name, v.width), _replication(sh, S), "broadcast")
                flat.append(_Net(v.name, v.width))
            elif isinstance(v, _Const) and sh != S:
                flat.append(_Const(v.tensor().reshape(sh).expand(S).reshape(-1), src=_derive(
                    "broadcast", lambda u, sh=sh: u.reshape(sh).expand(S).reshape(-1), [v])))
            elif isinstance(v, _Const) and v.tensor().numel() > 1:
                flat.append(_Const(v.tensor().reshape(-1), src=_derive("flatten", lambda u: u.reshape(-1), [v])))
            else:
                flat.append(v)
        r = self.binary(node, op, flat[0], flat[1], flat_only=True)
        return _nd(r.name, S)

    def nd_reduce(self, node, x, dim, keepdim, mean):
        """A sum or mean over one dimension (not the batch's) of a value
        [N, *dims]: a matmul by a 0/1 (or 1/n) matrix."""
        sh = x.shape()
        if not isinstance(dim, int) or not (-len(sh) <= dim <= len(sh)) or dim == 0 or dim == -len(sh) - 1:
            self.refuse(node, "a sum over dim %r of a value [N, %s]" % (dim, ", ".join(map(str, sh))),
                        "jetgen sums over the dimensions after the batch's")
        d = (dim - 1) if dim > 0 else len(sh) + dim
        kept = tuple(1 if i == d else k for i, k in enumerate(sh))
        n_out = 1
        for k in kept:
            n_out *= k
        to = torch.arange(n_out).reshape(kept).expand(sh).reshape(-1)
        M = torch.zeros(n_out, x.width, dtype=torch.float64)
        M[to, torch.arange(x.width)] = 1.0 / sh[d] if mean else 1.0
        r = self.linear_map(node, _Net(x.name, x.width), M, "sum")
        return _nd(r.name, kept if keepdim else tuple(k for i, k in enumerate(sh) if i != d))

    def nd_expand(self, node, x, sizes):
        """x.expand(-1, ...) of a value [N, *dims]."""
        sh = x.shape()
        sizes = list(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else list(sizes)
        if len(sizes) != len(sh) + 1 or not (isinstance(sizes[0], _Batch) or sizes[0] == -1) or \
                any(not isinstance(k, int) for k in sizes[1:]):
            self.refuse(node, "expand of a value [N, %s] to %s" % (", ".join(map(str, sh)), sizes))
        S = tuple(k if w == -1 else w for k, w in zip(sh, sizes[1:]))
        if S == sh:
            return x
        r = self.linear_map(node, _Net(x.name, x.width), _replication(sh, S), "expand")
        return _nd(r.name, S)

    def activation(self, node, kw, x, params):
        if isinstance(x, _Const):
            return None
        x = self.net(node, x, "the activation's operand", nd=True)
        if kw in _PIECEWISE:
            self.n_relu += 1
        return self.emit(node.name, " ".join([kw, x.name] + params), x.width, x.flat, x.dims)

    def gelu(self, node, x, approx):
        if approx not in ("none", "tanh"):
            self.refuse(node, "GELU approximate=%r is neither 'none' nor 'tanh'" % (approx,))
        return self.activation(node, "gelu_tanh" if approx == "tanh" else "gelu", x, [])

    def flatten(self, node, x, start=1, end=-1):
        x = self.net(node, x, "flatten's operand")
        if x.flat:
            return x
        if start in (1, -1) and end in (-1, 1):
            return x
        if start == 0 and x.width == 1:
            return _Net(x.name, 1, True)
        self.refuse(node, "flatten(%s, %s) of a [N, %d] value" % (start, end, x.width))

    def const_arg(self, node, c, width, role):
        """A constant as a scale argument for a value `width` wide: a number,
        or the name of a saved tensor of shape [width]."""
        t = c.tensor()
        if c.src is not None and (t.numel() == 1 or (t.shape[-1] == width and t.numel() == width)):
            def widen(v):
                return v.reshape(-1) * torch.ones(width, dtype=torch.float64)
            return self.save_derived("jetgen.%s_%s" % (node.name, role), c, widen)
        if t.numel() == 1:
            return _number(t.reshape(()).item())
        if t.dim() >= 1 and t.shape[-1] == width and t.numel() == width:
            return self.save("jetgen.%s_%s" % (node.name, role), t.reshape(width).contiguous())
        self.refuse(node, "a constant of shape %s with a value %d wide" % (list(t.shape), width),
                    "constants combine with network values as numbers or per-feature vectors of shape "
                    "[width] or [1, width]")

    def batch_norm(self, node, m, x):
        """nn.BatchNorm1d as evaluation mode computes it, (x - mean) /
        sqrt(var + eps) * weight + bias with the running statistics: a
        per-feature scale (training mode, which uses the batch's
        statistics, is Jet's to refuse)."""
        x = self.net(node, x, "BatchNorm1d's input")
        if x.flat or x.width != m.num_features:
            self.refuse(node, "BatchNorm1d(%d) applied to a value %s wide" % (
                m.num_features, "[N]" if x.flat else x.width))
        if not m.track_running_stats or m.running_mean is None:
            self.refuse(node, "BatchNorm1d without running statistics normalizes by each batch's statistics",
                        "jetgen computes one point at a time")
        path = node.target
        self.called.add(path)
        self.train_modes.append((path, self.where(node), "a batch norm"))
        self.constants.update({path + ".running_mean", path + ".running_var"})
        mean, var, eps = _Const(m.running_mean), _Const(m.running_var), float(m.eps)

        def tensor(local):
            c = self.module_tensor(node, m, path, local)
            return c if c is not None else self.tensor_const("%s.%s" % (path, local), getattr(m, local))
        if m.affine:
            w, b = tensor("weight"), tensor("bias")
        else:
            w, b = _Const(torch.ones(m.num_features)), _Const(torch.zeros(m.num_features))

        def mul_of(w, var):
            return w / torch.sqrt(var + eps)

        def add_of(b, w, mean, var):
            return b - mean * w / torch.sqrt(var + eps)
        mul = _Const(mul_of(w.tensor(), var.tensor()), src=_derive("batch_norm_scale", mul_of, [w, var]))
        add = _Const(add_of(b.tensor(), w.tensor(), mean.tensor(), var.tensor()),
                     src=_derive("batch_norm_shift", add_of, [b, w, mean, var]))
        return self.scale(node, x, mul, add)

    def tensor_const(self, path, t):
        """The module's tensor at path as a constant of the network: from
        itself when it is a trainable parameter (Jet trains it), else a
        constant whose changes Jet watches."""
        if isinstance(t, nn.Parameter) and t.requires_grad:
            self.touched.add(path)
            return _Const(t, src=_Src((path,), lambda values: values[path], path))
        if path not in self.attrs:      # fx's own are remade by every trace
            self.constants.add(path)
        return _Const(t)

    def module_tensor(self, node, m, path, local):
        """A called module's tensor `local` (weight, bias): None when it is
        the parameter or buffer of that name; else a _Const computed from
        the module's parameters as PyTorch computes it before forward()
        (torch.nn.utils.weight_norm, torch.nn.utils.parametrize), or, for a
        plain tensor attribute, a constant."""
        if local in m._parameters or local in m._buffers:
            return None
        parametrized = getattr(m, "parametrizations", None)
        if parametrized is not None and local in parametrized:
            plist = parametrized[local]
            names = {k: "%s.parametrizations.%s.%s" % (path, local, k) for k, _ in plist.named_parameters()}
            if any(k not in ("original",) for k in names):
                self.refuse(node, "%s.%s has a parametrization of several tensors" % (path, local))
            from torch.nn.utils import stateless

            def fn(values):
                return stateless.functional_call(plist, {k: values[v] for k, v in names.items()}, ())
            with torch.no_grad():
                value = getattr(m, local)
            return _Const(value, src=_Src(tuple(sorted(names.values())), fn, "%s(%s)" % (
                "parametrization", ", ".join(sorted(names.values())))))
        hooks = [h for h in m._forward_pre_hooks.values()
                 if type(h).__name__ == "WeightNorm" and getattr(h, "name", None) == local]
        if hooks:
            g, v, dim = "%s.%s_g" % (path, local), "%s.%s_v" % (path, local), hooks[0].dim

            def fn(values):
                return torch._weight_norm(values[v], values[g], dim)
            with torch.no_grad():
                value = torch._weight_norm(getattr(m, local + "_v"), getattr(m, local + "_g"), dim)
            return _Const(value, src=_Src((g, v), fn, "weight_norm(%s, %s, dim=%d)" % (v, g, dim)))
        if m._forward_pre_hooks:
            self.refuse(node, "%s.%s is remade before every forward() by %s, which jetgen does not know" % (
                path, local, ", ".join(sorted(type(h).__name__ for h in m._forward_pre_hooks.values()))),
                "torch.nn.utils.weight_norm and torch.nn.utils.parametrize are known")
        if isinstance(getattr(m, local, None), torch.Tensor):
            return self.tensor_const("%s.%s" % (path, local), getattr(m, local))
        self.refuse(node, "%s.%s is not a tensor" % (path, local))

    def save_derived(self, hint, c, shape_of, share=True):
        """Saves shape_of(c's tensor) and, when c derives from parameters,
        notes how to recompute it (jetgen.torch.Jet's gradients)."""
        name = self.save(hint, shape_of(c.tensor()).contiguous(), share)
        if c.src is not None and all(d[0] != name for d in self.derived):
            src = c.src
            self.derived.append((name, src.params,
                                 lambda values: shape_of(src.fn(values)).to(torch.float64).contiguous(),
                                 tuple(shape_of(c.tensor()).shape), src.text))
        return name

    def number(self, node, c, what):
        """The number of a one-number constant (a power, an activation's
        parameter), noting a parameter in it as lost to Jet's gradients."""
        if c.src is not None:
            for p in c.src.params:
                self.lost.setdefault(p, "%s at %s" % (what, self.where(node)))
        return c.tensor().reshape(-1)[0].item() if c.tensor().numel() == 1 else None

    def scale(self, node, x, mul, add):
        """mul * x + add, mul and add numbers or _Const."""
        m = mul if isinstance(mul, str) else self.const_arg(node, mul, x.width, "mul")
        a = add if isinstance(add, str) else self.const_arg(node, add, x.width, "add")
        return self.emit(node.name, "scale %s %s %s" % (x.name, m, a), x.width, x.flat)

    def width_of(self, node, a, b):
        if a.flat != b.flat:
            self.refuse(node, "a [N] value combined with a [N, k] one (PyTorch broadcasts them to [N, N] "
                        "or [N, k] against the batch)", "reshape the [N] value to [N, 1] first")
        if a.width != b.width and 1 not in (a.width, b.width):
            self.refuse(node, "values %d and %d wide combined elementwise" % (a.width, b.width))
        return max(a.width, b.width)

    def binary(self, node, op, a, b, flat_only=False):
        if not flat_only and any(isinstance(v, _Net) and v.dims or isinstance(v, _Const) and v.tensor().dim() > 2
                                 and isinstance(a if v is b else b, _Net) for v in (a, b)):
            return self.nd_binary(node, op, a, b)
        ca, cb = isinstance(a, _Const), isinstance(b, _Const)
        if isinstance(a, (int, float)):
            a, ca = _Const(float(a)), True
        if isinstance(b, (int, float)):
            b, cb = _Const(float(b)), True
        if ca and cb:
            return _Const(op(a.tensor(), b.tensor()), src=_derive(op.__name__, op, [a, b]))
        if not (isinstance(a, (_Net, _Const)) and isinstance(b, (_Net, _Const))):
            self.refuse(node, "an operand that is neither a tensor nor a number")
        if not ca and not cb:
            w = self.width_of(node, a, b)
            if op is operator.add:
                return self.emit(node.name, "add %s %s" % (a.name, b.name), w, a.flat)
            if op is operator.sub:
                return self.emit(node.name, "sub %s %s" % (a.name, b.name), w, a.flat)
            if op is operator.mul:
                return self.emit(node.name, "mul %s %s" % (a.name, b.name), w, a.flat)
            if op is operator.truediv:
                r = self.emit(node.name + "_inv", "pow %s n=-1" % b.name, b.width, b.flat)
                return self.emit(node.name, "mul %s %s" % (a.name, r.name), w, a.flat)
            self.refuse(node, "%s of two network values" % op.__name__)
        net, c = (b, a) if ca else (a, b)
        t = c.tensor()
        if t.numel() > 1 and net.width == 1 and not net.flat and t.shape[-1] > 1 and t.numel() == t.shape[-1]:
            net = self.widen(node, net, t.shape[-1])      # [N, 1] against [k]: [N, k]
            a, b = (c, net) if ca else (net, c)
        if op is operator.add:
            return self.scale(node, net, "1.0", c)
        if op is operator.mul:
            return self.scale(node, net, c, "0.0")
        if op is operator.sub:
            if cb:
                return self.scale(node, net, "1.0", _Const(-c.tensor(), src=_derive("neg", operator.neg, [c])))
            return self.scale(node, net, "-1.0", c)
        if op is operator.truediv:
            if cb:
                return self.scale(node, net, _Const(1.0 / c.tensor(), src=_derive("reciprocal", torch.reciprocal,
                                                                                  [c])), "0.0")
            r = self.emit(node.name + "_inv", "pow %s n=-1" % net.name, net.width, net.flat)
            if c.src is None and c.tensor().numel() == 1 and c.tensor().item() == 1.0:
                return r
            return self.scale(node, r, c, "0.0")
        if op is operator.pow:
            if cb:
                e = self.number(node, c, "the power")
                if e is None or 2 * e != math.floor(2 * e) or abs(e) > (64 if e == math.floor(e) else 32):
                    self.refuse(node, "a power %s" % c.tensor().tolist(),
                                "jetgen takes integer powers from -64 to 64 and half-integer ones from -32 to 32")
                if e != math.floor(e):      # x ** (n / 2) = sqrt(x) ** n
                    net = self.emit(node.name + "_sqrt", "sqrt %s" % net.name, net.width, net.flat)
                    e = 2 * e
                n = int(e)
                if n == 1:
                    return net
                return self.emit(node.name, "pow %s n=%d" % (net.name, n), net.width, net.flat)
            base = self.number(node, c, "the base of a power")
            if base is None or not base > 0:
                self.refuse(node, "a constant to the power of a network value needs a positive number")
            s = self.scale(node, net, _number(math.log(base)), "0.0")
            return self.emit(node.name + "_exp", "exp %s" % s.name, net.width, net.flat)
        self.refuse(node, "%s with a constant" % getattr(op, "__name__", op))

    def index(self, node, x, idx):
        if isinstance(x, (tuple, list)):
            return x[idx]
        if isinstance(x, _Shape):
            if idx == 0:
                return _Batch()
            if idx in (1, -1) and not x.net.flat:
                return x.net.width
            self.refuse(node, "shape[%r]" % (idx,))
        if isinstance(x, _Const):
            return _Const(x.tensor()[idx], src=_derive("getitem", operator.getitem, [x, idx]))
        x = self.net(node, x, "the indexed value")
        if not isinstance(idx, tuple):
            idx = (idx,)
        if idx and idx[0] is Ellipsis:
            idx = (slice(None),) + idx[1:] if x.flat else (slice(None),) * 1 + idx[1:]
        if x.flat:
            if idx == (slice(None),):
                return x
            if len(idx) == 2 and idx[0] == slice(None) and idx[1] is None:
                return _Net(x.name, 1)
            self.refuse(node, "indexing a [N] value with %r" % (idx,))
        if not idx or idx[0] != slice(None, None, None):
            self.refuse(node, "indexing the batch dimension (%r)" % (idx,),
                        "index features only: x[:, 0:1], x[:, 2], x[..., 1:]")
        rest = idx[1:]
        if len(rest) == 0:
            return x
        if len(rest) == 2 and rest[1] is None and isinstance(rest[0], int):
            rest = (slice(rest[0] % x.width, rest[0] % x.width + 1),)
        if len(rest) != 1:
            self.refuse(node, "indexing with %r" % (idx,))
        k = rest[0]
        if isinstance(k, int):
            k = k % x.width if -x.width <= k < x.width else self.refuse(node, "index %d of %d" % (k, x.width))
            return self.emit(node.name, "slice %s %d %d" % (x.name, k, k + 1), 1, True)
        if isinstance(k, slice):
            start, stop, step = k.indices(x.width)
            if step != 1 or stop <= start:
                self.refuse(node, "the slice %r of a value %d wide" % (k, x.width))
            if start == 0 and stop == x.width:
                return x
            return self.emit(node.name, "slice %s %d %d" % (x.name, start, stop), stop - start)
        if isinstance(k, (list, tuple)) and all(isinstance(i, int) for i in k):
            parts = [self.emit("%s_%d" % (node.name, j), "slice %s %d %d" % (x.name, i % x.width,
                                                                            i % x.width + 1), 1)
                     for j, i in enumerate(k)]
            return self.emit(node.name, "cat " + " ".join(p.name for p in parts), len(parts))
        self.refuse(node, "indexing with %r" % (k,))

    def cat(self, node, items, dim):
        items = list(items)
        if not all(isinstance(v, _Net) for v in items):
            self.refuse(node, "torch.cat of constants and network values",
                        "concatenate network values only (a constant feature is a Linear bias)")
        if any(v.flat for v in items):
            self.refuse(node, "torch.cat of [N] values", "make them [N, 1] first (x[:, None])")
        for v in items:
            self.net(node, v, "an operand of torch.cat")      # [N, width] only
        if dim not in (1, -1):
            self.refuse(node, "torch.cat along dim %r" % (dim,), "jetgen concatenates features (dim=-1)")
        if len(items) == 1:
            return items[0]
        names = [v.name for v in items]
        if len(names) > 16:
            head = self.cat(node, items[:16], dim)
            return self.cat(node, [head] + items[16:], dim)
        return self.emit(node.name, "cat " + " ".join(names), sum(v.width for v in items))

    def split(self, node, x, size, dim):
        x = self.net(node, x, "the split value")
        if dim not in (1, -1) or x.flat:
            self.refuse(node, "split along dim %r" % (dim,))
        sizes = [size] * (x.width // size) + ([x.width % size] if x.width % size else []) \
            if isinstance(size, int) else list(size)
        out, at = [], 0
        for j, s in enumerate(sizes):
            out.append(self.emit("%s_%d" % (node.name, j), "slice %s %d %d" % (x.name, at, at + s), s))
            at += s
        return tuple(out)

    def matmul(self, node, a, b):
        if isinstance(a, _Net):
            self.net(node, a, "the matrix product's operand")       # [N, width] only
        if isinstance(a, _Net) and isinstance(b, _Const):
            B = b.tensor()
            if B.dim() != 2 or B.shape[0] != a.width or a.flat:
                self.refuse(node, "a matrix product of a value %d wide with a constant of shape %s"
                            % (a.width, list(B.shape)))
            name = self.save_derived("jetgen.%s" % node.name, b, lambda v: v.t())
            return self.emit(node.name, "matmul %d %s %s" % (B.shape[1], name, a.name), B.shape[1])
        if isinstance(a, _Const) and isinstance(b, _Const):
            return _Const(a.tensor() @ b.tensor(), src=_derive("matmul", operator.matmul, [a, b]))
        self.refuse(node, "a matrix product that is not (network value) @ (constant matrix)",
                    "write x @ B with B [in, out], or an nn.Linear")

    def reduce(self, node, x, dim, keepdim, mean):
        x = self.net(node, x, "the reduced value", nd=True)
        if x.dims:
            return self.nd_reduce(node, x, dim, keepdim, mean)
        if dim not in (1, -1) or x.flat:
            self.refuse(node, "a sum over dim %r" % (dim,), "jetgen sums features (dim=-1)")
        ones = torch.full((1, x.width), 1.0 / x.width if mean else 1.0, dtype=torch.float64)
        name = self.save("jetgen.%s" % node.name, ones)
        return self.emit(node.name, "matmul 1 %s %s" % (name, x.name), 1, not keepdim)

    def reshape(self, node, x, shape):
        x = self.net(node, x, "the reshaped value", nd=True)
        shape = [(-1 if isinstance(s, _Batch) else s) for s in shape]
        if (x.dims or len(shape) > 2) and len(shape) >= 2 and shape[0] == -1 and \
                all(isinstance(k, int) for k in shape[1:]) and shape[1:].count(-1) == 1:
            known = 1       # one size left to infer after the batch's
            for k in shape[1:]:
                known *= k if k != -1 else 1
            if known > 0 and x.width % known == 0:
                shape = [-1] + [x.width // known if k == -1 else k for k in shape[1:]]
        if (x.dims or len(shape) > 2) and len(shape) >= 2 and shape[0] == -1 and \
                all(isinstance(k, int) and k > 0 for k in shape[1:]):
            n = 1
            for k in shape[1:]:
                n *= k
            if n == x.width:        # row after row: the spec's value as it is
                return _nd(x.name, shape[1:])
        if x.dims:
            self.refuse(node, "reshape of a value [N, %s] to %r" % (", ".join(map(str, x.dims)), shape),
                        "keep the batch first: view(-1, ...) or view(x.shape[0], ...)")
        if len(shape) == 1 and shape[0] == -1:
            if x.width != 1 and not x.flat:
                self.refuse(node, "reshape of [N, %d] to [-1]" % x.width)
            return _Net(x.name, 1, True)
        if len(shape) == 2 and (shape[0] == -1 or shape[1] in (-1, x.width)):
            w = x.width if shape[1] == -1 else shape[1]
            if w != x.width:
                self.refuse(node, "reshape of a value %d wide to %r" % (x.width, shape))
            return _Net(x.name, w, False)
        self.refuse(node, "reshape to %r" % (shape,), "jetgen keeps values as [N, width]")

    def call(self, node, target, args, kwargs, method):
        name = target if method else getattr(target, "__name__", "")
        a0 = args[0] if args else None
        # constants fold in float64
        if all(not isinstance(v, (_Net, _Shape, _Batch)) for v in list(args) + list(kwargs.values())) and \
                not any(isinstance(v, (tuple, list)) and any(isinstance(u, _Net) for u in v) for v in args):
            def real(v):
                return v.tensor() if isinstance(v, _Const) else v
            try:
                if method:
                    r = getattr(real(a0), target)(*[real(v) for v in args[1:]],
                                                  **{k: real(v) for k, v in kwargs.items()})
                else:
                    r = target(*[real(v) for v in args], **{k: real(v) for k, v in kwargs.items()})
            except Exception as e:     # noqa: BLE001: the user's code, reported
                self.refuse(node, "folding a constant failed: %s" % e)
            if method:
                src = _derive(target, lambda v, *rest, **kw: getattr(v, target)(*rest, **kw), args, kwargs)
            else:
                src = _derive(name or str(target), target, args, kwargs)
            if isinstance(r, torch.Tensor) or isinstance(r, (int, float)):
                return _Const(r, src=src)
            if isinstance(r, (tuple, list)):
                return tuple(_Const(v, src=None if src is None else _Src(
                    src.params, lambda values, k=k: src.fn(values)[k], "%s[%d]" % (src.text, k)))
                    for k, v in enumerate(r))
            self.refuse(node, "a constant of type %s" % type(r).__name__)
        if (not method and target in _FUNCTION_OPS) or (method and target in _METHOD_OPS):
            op = _FUNCTION_OPS[target] if not method else _METHOD_OPS[target]
            b = args[1] if len(args) > 1 else kwargs.get("other", kwargs.get("exponent"))
            if "alpha" in kwargs and op in (operator.add, operator.sub):
                b = self.binary(node, operator.mul, b, kwargs["alpha"])
            if not method and target is torch.div and kwargs.get("rounding_mode") is not None:
                self.refuse(node, "division with rounding_mode=%r" % kwargs["rounding_mode"])
            return self.binary(node, op, a0, b)
        if (not method and target is torch.rsub) or (method and target == "__rsub__"):
            return self.binary(node, operator.sub, args[1], a0)
        if (not method and target in (operator.neg, torch.neg)) or (method and target == "neg"):
            x = self.net(node, a0, "the operand", nd=True)
            if x.dims:
                return _nd(self.scale(node, _Net(x.name, x.width), "-1.0", "0.0").name, x.dims)
            return self.scale(node, x, "-1.0", "0.0")
        if (not method and target is operator.pos):
            return a0
        if (not method and target in (operator.matmul, torch.matmul, torch.mm)) or \
                (method and target in ("matmul", "mm", "__matmul__")):
            return self.matmul(node, a0, args[1])
        if not method and target is F.linear:
            x = self.net(node, a0, "F.linear's input")
            W = args[1] if len(args) > 1 else kwargs.get("weight")
            b = args[2] if len(args) > 2 else kwargs.get("bias")
            if not isinstance(W, _Const) or (b is not None and not isinstance(b, _Const)):
                self.refuse(node, "F.linear with weights computed from the input")
            t = W.tensor()
            if t.dim() != 2 or t.shape[1] != x.width:
                self.refuse(node, "F.linear with W of shape %s on a value %d wide" % (list(t.shape), x.width))
            base = "jetgen.%s" % node.name
            self.save_derived(base + ".weight", W, lambda v: v, share=False)
            if b is not None:
                self.save_derived(base + ".bias", b, lambda v: v.reshape(-1), share=False)
            return self.emit(node.name, "dense %d %s %s" % (t.shape[0], base, x.name), t.shape[0])
        if not method and target is operator.getitem:
            return self.index(node, a0, args[1])
        if not method and target is getattr:
            if args[1] == "shape":
                return _Shape(self.net(node, a0, "the value"))
            if args[1] == "T" and isinstance(a0, _Const):
                return _Const(a0.tensor().T, src=_derive("T", lambda v: v.T, [a0]))
            self.refuse(node, "the attribute .%s of a network value" % args[1])
        if method and target == "size":
            s = _Shape(self.net(node, a0, "the value"))
            return s if len(args) < 2 else self.index(node, s, args[1])
        if (not method and target in (torch.cat, torch.concat, torch.hstack)) or (method and target == "cat"):
            items = a0
            dim = args[1] if len(args) > 1 else kwargs.get("dim", 1 if target is torch.hstack else 0)
            if any(isinstance(v, _Net) and v.flat for v in items) and target is not torch.hstack:
                self.refuse(node, "torch.cat of [N] values")
            return self.cat(node, items, dim)
        if not method and target is torch.stack:
            dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
            if all(isinstance(v, _Net) and not v.flat and not v.dims for v in a0) and dim in (1, 2, -1) and \
                    len(set(v.width for v in a0)) == 1:
                # [N, k] values stacked to [N, n, k] (the cat's layout) or [N, k, n]
                n, k = len(a0), a0[0].width
                c = self.cat(node, list(a0), 1)
                if dim == 1:
                    return _nd(c.name, (n, k))
                P = torch.zeros(n * k, n * k, dtype=torch.float64)
                P[torch.arange(n * k), torch.arange(n * k).reshape(n, k).t().reshape(-1)] = 1.0
                return _nd(self.linear_map(node, c, P, "stack").name, (k, n))
            if dim not in (1, -1) or not all(isinstance(v, _Net) and v.flat for v in a0):
                self.refuse(node, "torch.stack of anything but [N] values along dim 1",
                            "stack [N] values with dim=1, or torch.cat [N, k] ones with dim=-1")
            return self.cat(node, [_Net(v.name, 1) for v in a0], 1)
        if (not method and target in (torch.split, torch.chunk)) or (method and target in ("split", "chunk")):
            x = self.net(node, a0, "the split value")
            n = args[1] if len(args) > 1 else kwargs.get("split_size_or_sections", kwargs.get("chunks"))
            dim = args[2] if len(args) > 2 else kwargs.get("dim", 0)
            if target in (torch.chunk, "chunk"):
                n = -(-x.width // n)
            return self.split(node, x, n, dim)
        if (not method and target in (torch.sum, torch.mean)) or (method and target in ("sum", "mean")):
            dim = args[1] if len(args) > 1 else kwargs.get("dim", kwargs.get("axis"))
            if isinstance(dim, (tuple, list)) and len(dim) == 1:
                dim = dim[0]
            keep = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
            return self.reduce(node, a0, dim, keep, name == "mean")
        if method and target in ("view", "reshape"):
            shape = args[1:] if not (len(args) == 2 and isinstance(args[1], (tuple, list))) else args[1]
            return self.reshape(node, a0, list(shape))
        if (not method and target is torch.reshape):
            return self.reshape(node, a0, list(args[1]))
        if (method and target in ("unsqueeze",)) or (not method and target is torch.unsqueeze):
            x = self.net(node, a0, "the value", nd=True)
            dim = args[1] if len(args) > 1 else kwargs.get("dim")
            if x.flat and dim in (1, -1):
                return _Net(x.name, 1)
            sh = x.shape()
            if isinstance(dim, int) and -len(sh) - 2 < dim <= len(sh) + 1 and dim not in (0, -len(sh) - 2):
                d = dim - 1 if dim > 0 else len(sh) + 1 + dim
                return _nd(x.name, sh[:d] + (1,) + sh[d:])
            self.refuse(node, "unsqueeze(%r) of a [N%s] value" % (dim, "" if x.flat else ", %d" % x.width))
        if (method and target == "squeeze") or (not method and target is torch.squeeze):
            x = self.net(node, a0, "the value", nd=True)
            if x.dims:
                dim = args[1] if len(args) > 1 else kwargs.get("dim")
                sh = x.dims
                keep = [i for i, k in enumerate(sh) if k != 1 or (dim is not None and i != (
                    dim - 1 if dim > 0 else len(sh) + dim))]
                return _nd(x.name, tuple(sh[i] for i in keep))
            dim = args[1] if len(args) > 1 else kwargs.get("dim")
            if x.flat or x.width != 1:
                return x
            if dim in (1, -1, None):
                return _Net(x.name, 1, True)
            self.refuse(node, "squeeze(%r)" % (dim,))
        if (method and target == "flatten") or (not method and target is torch.flatten):
            start = args[1] if len(args) > 1 else kwargs.get("start_dim", 0)
            end = args[2] if len(args) > 2 else kwargs.get("end_dim", -1)
            return self.flatten(node, a0, start, end)
        if method and target in _IDENTITY_METHODS:
            return a0
        if method and target in ("expand", "expand_as"):
            if target == "expand_as":
                other = args[1] if len(args) > 1 else kwargs.get("other")
                other = self.net(node, other, "expand_as's model")
                return self.expand(node, a0, [_Batch(), other.width])
            return self.expand(node, a0, list(args[1:]) or list(kwargs.get("size", ())))
        if not method and target in (torch.ones_like, torch.zeros_like, torch.full_like):
            fill = 1.0 if target is torch.ones_like else 0.0 if target is torch.zeros_like else \
                (args[1] if len(args) > 1 else kwargs.get("fill_value"))
            if not isinstance(fill, (int, float)) or isinstance(fill, bool):
                self.refuse(node, "full_like with fill_value %r" % (fill,))
            x = self.net(node, a0, "the model value")
            return self.emit(node.name, "scale %s 0 %s" % (x.name, _number(fill)), x.width, x.flat)
        if (not method and target in (torch.norm, torch.linalg.norm, torch.linalg.vector_norm)) or \
                (method and target == "norm"):
            # the Euclidean norm over the features: sqrt of the sum of squares
            p = args[1] if len(args) > 1 else kwargs.get("p", kwargs.get("ord", 2))
            dim = args[2] if len(args) > 2 else kwargs.get("dim")
            keep = args[3] if len(args) > 3 else kwargs.get("keepdim", False)
            if p not in (2, 2.0, None, "fro") or dim is None:
                self.refuse(node, "a norm with p=%r over dim=%r" % (p, dim), "jetgen takes the Euclidean norm "
                            "over the features (dim=-1)")
            x = self.net(node, a0, "the norm's operand", nd=True)
            sq = self.binary(node, operator.mul, x, x)
            total = self.reduce(node, sq, dim[0] if isinstance(dim, (tuple, list)) and len(dim) == 1 else dim,
                                keep, False)
            return self.activation(node, "sqrt", total, [])
        if (not method and target is torch.prod) or (method and target == "prod"):
            x = self.net(node, a0, "the product's operand")
            dim = args[1] if len(args) > 1 else kwargs.get("dim")
            keep = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
            if dim not in (1, -1) or x.flat or x.width > 64:
                self.refuse(node, "a product over dim %r of a value %s wide" % (dim, "[N]" if x.flat else x.width),
                            "jetgen multiplies the features of [N, width] values (dim=-1, at most 64)")
            r = self.emit(node.name + "_0", "slice %s 0 1" % x.name, 1)
            for k in range(1, x.width):
                f = self.emit("%s_%d" % (node.name, k), "slice %s %d %d" % (x.name, k, k + 1), 1)
                r = self.emit(node.name, "mul %s %s" % (r.name, f.name), 1)
            return r if keep else _Net(r.name, 1, True)
        if (not method and target in (torch.clamp, torch.clip)) or (method and target in ("clamp", "clip")):
            lo = args[1] if len(args) > 1 else kwargs.get("min")
            hi = args[2] if len(args) > 2 else kwargs.get("max")
            if not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lo, hi)) or \
                    (lo is None and hi is None) or (lo is not None and hi is not None and not lo < hi):
                self.refuse(node, "clamp(min=%r, max=%r)" % (lo, hi), "jetgen clamps between numbers")
            x = self.net(node, a0, "the clamped value", nd=True)
            if lo is not None and hi is not None:
                return self.activation(node, "hardtanh", x, ["min_val=%s" % _number(lo), "max_val=%s" % _number(hi)])
            # max(x, lo) = relu(x - lo) + lo; min(x, hi) = hi - relu(hi - x)
            sign, c = (1.0, lo) if lo is not None else (-1.0, hi)
            d = self.emit(node.name + "_shift", "scale %s %s %s" % (x.name, _number(sign), _number(-sign * c)),
                          x.width, x.flat, x.dims)
            r = self.activation(node, "relu", d, [])
            return self.emit(node.name, "scale %s %s %s" % (r.name, _number(sign), _number(c)), x.width, x.flat,
                             x.dims)
        if (not method and target is torch.abs) or (method and target == "abs"):
            # |x| = relu(x) + relu(-x): PyTorch's derivative 0 at 0 as well
            x = self.net(node, a0, "the operand of abs", nd=True)
            pos = self.activation(node, "relu", x, [])
            m = self.emit(node.name + "_neg", "scale %s -1 0" % x.name, x.width, x.flat, x.dims)
            neg = self.activation(node, "relu", m, [])
            return self.emit(node.name, "add %s %s" % (pos.name, neg.name), x.width, x.flat, x.dims)
        if (not method and target is torch.flip) or (method and target == "flip"):
            x = self.net(node, a0, "the flipped value")
            dims = args[1] if len(args) > 1 else kwargs.get("dims")
            dims = list(dims) if isinstance(dims, (tuple, list)) else [dims]
            if x.flat or dims not in ([1], [-1]):
                self.refuse(node, "flip over dims %r" % (dims,), "jetgen flips the features (dims=[-1]), not "
                            "the batch")
            return self.linear_map(node, x, torch.eye(x.width, dtype=torch.float64).flip(0), "flip")
        if not method and target is torch.addmm:
            inp, m1, m2 = (list(args) + [kwargs.get(k) for k in ("input", "mat1", "mat2")[len(args):]])[:3]
            beta, alpha = kwargs.get("beta", 1), kwargs.get("alpha", 1)
            r = self.matmul(node, m1, m2)
            if alpha != 1:
                r = self.binary(node, operator.mul, r, alpha)
            return self.binary(node, operator.add, r, self.binary(node, operator.mul, inp, beta) if beta != 1 else inp)
        if not method and target is torch.einsum:
            ops = list(args[1:]) if not (len(args) == 2 and isinstance(args[1], (tuple, list))) else list(args[1])
            return self.einsum(node, a0, ops)
        if not method and target is F.layer_norm:
            shape = args[1] if len(args) > 1 else kwargs.get("normalized_shape")
            w = args[2] if len(args) > 2 else kwargs.get("weight")
            b = args[3] if len(args) > 3 else kwargs.get("bias")
            eps = args[4] if len(args) > 4 else kwargs.get("eps", 1e-5)
            return self.layer_norm(node, a0, shape, w, b, eps)
        if not method and name == "grad" and getattr(target, "__module__", "").startswith("torch.autograd"):
            self.refuse(node, "torch.autograd.grad inside forward()", "jetgen gives the derivatives itself: "
                        "export the network forward() differentiates (psi), and take u from its jet "
                        "(net.jacobian: u = d psi / dy, v = -d psi / dx)")
        if not method and target in (F.dropout, F.alpha_dropout):
            p = args[1] if len(args) > 1 else kwargs.get("p", 0.5)
            if not isinstance(p, (int, float)) or p > 0:
                self.train_modes.append(("", self.where(node), "a dropout"))
            return a0
        if not method and target in (torch.clone, torch.detach):
            return a0
        if not method and target is torch.square or (method and target == "square"):
            return self.binary(node, operator.pow, a0, 2)
        if not method and target is torch.rsqrt or (method and target == "rsqrt"):
            return self.binary(node, operator.pow, a0, -0.5)
        if not method and target in (F.gelu,) or (method and target == "gelu"):
            return self.gelu(node, a0, kwargs.get("approximate", "none"))
        if (not method and target in (F.relu6,)) or (method and target == "relu6"):
            return self.activation(node, "hardtanh", a0, ["min_val=0.0", "max_val=6.0"])
        if name in _ACT or (name.endswith("_") and name[:-1] in _ACT):
            inplace = name.endswith("_")
            kw, params = _ACT[name[:-1] if inplace else name]
            vals = []
            for k, (pname, default) in enumerate(params):
                if len(args) <= 1 + k and pname not in kwargs:
                    continue        # PyTorch's default, the spec's too
                v = args[1 + k] if len(args) > 1 + k else kwargs[pname]
                if isinstance(v, _Const):
                    shape = list(v.tensor().shape)
                    v = self.number(node, v, "the activation's %s" % pname)
                    if v is None:
                        self.refuse(node, "%s=%s: a parameter must be a number" % (pname, shape))
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    self.refuse(node, "%s=%r: a parameter must be a number" % (pname, v))
                vals.append("%s=%s" % (pname, _number(v)))
            return self.activation(node, kw, a0, vals)
        what = "method .%s()" % target if method else "function %s" % (getattr(target, "__module__", "") + "." +
                                                                        name).lstrip(".")
        self.refuse(node, "%s is not something jetgen computes" % what,
                    "jetgen exports Linear layers, matrix products with constants, the activations of "
                    "docs/spec.md, elementwise + - * / and integer and half-integer powers, cat, split and slicing")


def parameters_of(module):
    """{name: parameter} of module under every name forward() may reach it
    by: a parameter tied to another layer's (hidden[i].weight =
    hidden[0].weight) under both, where named_parameters() gives the
    first alone."""
    out = {}
    for path, sub in module.named_modules(remove_duplicate=False):
        for k, p in sub._parameters.items():
            if p is not None:
                out[path + "." + k if path else k] = p
    return out


def as_float64(module):
    """A copy of module in float64 and eval mode: parameters, buffers and
    plain tensor attributes alike (module.double() leaves the last as they
    are)."""
    import copy
    # a tensor computed from parameters (torch.nn.utils.weight_norm's
    # weight, remade before every forward()) cannot be deep-copied: a
    # detached copy stands in for it
    memo = {}
    for sub in module.modules():
        for v in vars(sub).values():
            if isinstance(v, torch.Tensor) and not v.is_leaf:
                memo[id(v)] = v.detach().clone()
    m = copy.deepcopy(module, memo).double().eval()
    for sub in m.modules():
        for k, v in list(vars(sub).items()):
            if isinstance(v, torch.Tensor) and v.is_floating_point():
                setattr(sub, k, v.double())
    return m


def _state_of(module):
    """What tracing may change in module and its submodules: each one's
    attributes (its __dict__, and in it the tables of parameters, buffers,
    submodules and hooks) and the contents of its list, dict and set
    attributes, one level deep, as (object, kind, copy)."""
    saved = []
    for sub in module.modules():
        d = vars(sub)
        saved.append((d, "dict", dict(d)))
        for v in list(d.values()):
            if isinstance(v, dict):
                saved.append((v, "dict", dict(v)))
            elif isinstance(v, list):
                saved.append((v, "list", list(v)))
            elif isinstance(v, set):
                saved.append((v, "set", set(v)))
    return saved


def _restore(saved):
    """Puts back what _state_of saw, in the same objects."""
    for obj, kind, copy in saved:
        if kind == "list":
            obj[:] = copy
        elif kind == "set":
            obj.clear()
            obj.update(copy)
        elif obj.keys() != copy.keys() or any(obj[k] is not v for k, v in copy.items()):
            obj.clear()
            obj.update(copy)


def _drop_defaults(graph):
    """Takes out of graph what fx's concrete_args leave: the arguments'
    placeholders (with their defaults) and the checks that a call gives
    those values (torch._assert of an ==, _assert_is_none)."""
    checks = (torch._assert, operator.eq, getattr(fx._symbolic_trace, "_assert_is_none", None))
    for node in reversed(list(graph.nodes)):
        if node.users:
            continue
        if node.op == "call_function" and node.target in checks or node.op == "placeholder" and node.args:
            graph.erase_node(node)


def trace(module):
    """The fx graph of module.forward, or ExportError saying why not. The
    module is left as it was (issue 24): what forward() stores on self
    while traced (fx Proxies: DeepXDE's MsFFN keeps its features) and the
    tensor constants fx adds to the root (_tensor_constant0, from a
    torch.tensor(numpy array) in forward()) are taken away again; the
    latter travel with the graph, as graph.jg_attrs, for the translator."""
    if isinstance(module, torch.jit.ScriptModule):
        raise ExportError("%s is a TorchScript module: pass the Python nn.Module" % type(module).__name__)
    if not isinstance(module, nn.Module):
        raise ExportError("a %s is not an nn.Module" % type(module).__name__)
    tracer = _Tracer()
    saved = _state_of(module)
    before = dict(vars(module))
    # forward(x, flag=False, scale=2.0): traced with its defaults, as a
    # call with the tensors alone runs it
    try:
        params = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):
        params = ()
    concrete = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty and
                p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and
                (p.default is None or isinstance(p.default, (bool, int, float, str)))}
    try:
        graph = tracer.trace(module, concrete_args=concrete or None)
        _drop_defaults(graph)
        graph.jg_attrs = {k: v for k, v in vars(module).items() if k not in before and k in tracer.tensor_attrs.values()}
        return graph
    except Exception as e:      # noqa: BLE001: fx's errors, reported with the user's line
        tb = traceback.extract_tb(e.__traceback__)
        user = [f for f in tb if "torch/" not in f.filename and not _ours(f.filename)]
        at = ""
        if user:
            f = user[-1]
            at = " at %s:%d: %s" % (f.filename.rsplit("/", 1)[-1], f.lineno, (f.line or "").strip())
        raise ExportError("torch.fx could not trace %s.forward()%s: %s: %s; jetgen exports what forward() "
                          "computes, so forward() must not branch on the values or shapes of its input "
                          "(if, for, while on tensors) or call code fx cannot follow"
                          % (type(module).__name__, at, type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
    finally:
        _restore(saved)
