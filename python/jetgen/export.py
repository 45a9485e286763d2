"""jetgen.export: a PyTorch module into a jetgen spec and safetensors
weights, checked against the module before anything is written. Also
importable as tools/jetgen_export.py (a shim that loads this file).

    from jetgen_export import export
    export(model, "model.spec")                 # writes model.spec, model.safetensors
    export(model, "pinn.spec", input_names=["x", "t"], domain=[(0, 1), (0, 2)],
           reference="pinn.reference.json")    # PyTorch's numbers, for jetgen verify

or from the shell, for a module saved whole with torch.save:

    /usr/bin/python3 tools/jetgen_export.py MODEL.pt SPEC [--input-names x,t]
        [--n-in N] [--output K] [--domain LO:HI,...] [--import FILE.py]
        [--reference FILE.json] [--points N]

What forward() computes is exported, as torch.fx traces it (jetgen/fx.py):
nn.Linear in any nesting, activations as modules or functions, elementwise
arithmetic with numbers, parameters, buffers and tensor attributes, matrix
products with constant matrices, cat, split, slicing, sums of branches,
products of network values, integer powers, several input tensors, tuple
outputs (output=K chooses). The spec is of format 3 (docs/spec.md).

Every export is checked: the module (a float64 copy, in eval mode) and the
exported network (through `jetgen eval`) are evaluated at random points of
the domain (default [-1, 1] per input), and u, du/dx and d2u/dx2 must agree
to 1e-12 (u) and 1e-10 (derivatives) normwise, or, where the network is
ill-conditioned, jetgen must be no worse than 8 times PyTorch's own
float64 error against the network in long double (`jetgen eval --oracle`),
with PyTorch within 1e-3 of it (an ExportWarning says so): both errors are
amplified rounding, which moves with the order of the sums (PyTorch on
OpenBLAS against the reference BLAS moved its error 3-fold). Otherwise
ExportError says how far apart they were, and nothing is written. An existing file at the
spec's or weights' path is replaced only if jetgen_export wrote it (its
first line says so). Uses torch and the standard library only; the weights
are written as safetensors.torch.save_file writes them.

The modules Sin, Cos, Exp, Scale, Fourier and Residual below are kept for
scripts written against the earlier exporter; they are traced like any
other module.
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings

import torch
from torch import nn

from .fx import ExportError, Translator, as_float64, trace  # noqa: E402

HEADER = "# exported by tools/jetgen_export.py"


class ExportWarning(UserWarning):
    """The numbers are right, but the network is probably not what was meant."""


class Sin(nn.Module):
    """sin(w0 * x), as in SIREN (w0 = 30 there)."""

    def __init__(self, w0=1.0):
        super().__init__()
        self.w0 = float(w0)

    def forward(self, x):
        return torch.sin(self.w0 * x)


class Cos(nn.Module):
    """cos(w0 * x)."""

    def __init__(self, w0=1.0):
        super().__init__()
        self.w0 = float(w0)

    def forward(self, x):
        return torch.cos(self.w0 * x)


class Exp(nn.Module):
    def forward(self, x):
        return torch.exp(x)


class Scale(nn.Module):
    """mul * x + add, elementwise; each a number or a tensor of the width,
    e.g. Scale(2 / (ub - lb), -(ub + lb) / (ub - lb)) maps [lb, ub] to
    [-1, 1]."""

    def __init__(self, mul=1.0, add=0.0):
        super().__init__()
        for name, v in (("mul", mul), ("add", add)):
            if isinstance(v, torch.Tensor):
                self.register_buffer(name, v.detach().clone())
            else:
                setattr(self, name, float(v))

    def forward(self, x):
        return self.mul * x + self.add


class Fourier(nn.Module):
    """[sin(x B^T), cos(x B^T)]: Fourier features with B [m, width] (put
    any 2 pi into B)."""

    def __init__(self, B):
        super().__init__()
        self.register_buffer("B", B.detach().clone())

    def forward(self, x):
        z = x @ self.B.T
        return torch.cat([torch.sin(z), torch.cos(z)], dim=-1)


class Residual(nn.Module):
    """x + f(x) with f the layers given, in order."""

    def __init__(self, *layers):
        super().__init__()
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.body(x)


def _dtype_name(t):
    names = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
    if t.dtype not in names:
        raise ExportError("tensor of dtype %s: jetgen reads F64, F32, F16 and BF16" % t.dtype)
    return names[t.dtype]


def _tensor_bytes(t):
    t = t.detach().cpu().contiguous().reshape(-1)
    if t.dtype == torch.float64:
        return struct.pack("<%dd" % t.numel(), *t.tolist())
    if t.dtype == torch.float32:
        return struct.pack("<%df" % t.numel(), *t.tolist())
    if t.dtype == torch.float16:
        return struct.pack("<%de" % t.numel(), *t.tolist())
    # bfloat16: the high half of the float32 bits, exactly
    words = struct.unpack("<%dI" % t.numel(), struct.pack("<%df" % t.numel(), *t.float().tolist()))
    return struct.pack("<%dH" % t.numel(), *(w >> 16 for w in words))


def _write_atomic(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".jetgen-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def safetensors_bytes(tensors):
    """tensors: list of (name, tensor), in the safetensors format, as bytes."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        blob = _tensor_bytes(t)
        header[name] = {"dtype": _dtype_name(t), "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header["__metadata__"] = {"format": "pt", "writer": "jetgen_export"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def save_safetensors(tensors, path):
    """tensors: list of (name, tensor), written in the safetensors format."""
    _write_atomic(path, safetensors_bytes(tensors))


def _jetgen():
    """The jetgen command: $JETGEN, the build of this source tree, or PATH."""
    env = os.environ.get("JETGEN")
    if env:
        return env
    # python/jetgen/export.py in the source tree, BUILD/python/jetgen/export.py in a build
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for here in (os.path.join(root, "build", "jetgen"), os.path.join(root, "jetgen")):
        if os.path.exists(here):
            return here
    found = shutil.which("jetgen")
    if found:
        return found
    raise ExportError("cannot check the export: no jetgen command (set JETGEN, build it with "
                      "`ninja -C build`, or put it on PATH); nothing was written")


def _static_width(module, node):
    """The in_features of the first nn.Linear the input reaches through
    elementwise steps, or None."""
    seen = 0
    while seen < 64:
        seen += 1
        users = list(node.users)
        if not users:
            return None
        lin = [u for u in users if u.op == "call_module"
               and isinstance(module.get_submodule(u.target), nn.Linear)]
        if lin:
            return module.get_submodule(lin[0].target).in_features
        if len(users) != 1:
            return None
        u = users[0]
        if u.op == "call_module" and isinstance(module.get_submodule(u.target), nn.Linear):
            return module.get_submodule(u.target).in_features
        if u.op not in ("call_module", "call_function", "call_method"):
            return None
        node = u
    return None


def _placeholders(module, graph):
    return [n for n in graph.nodes if n.op == "placeholder"]


def _call(module, xs):
    return module(*xs)


def _widths(module, graph, n_in, input_names):
    """Each placeholder's width: [N, w] (an int) or [N] (None)."""
    ph = _placeholders(module, graph)
    if not ph:
        raise ExportError("%s.forward() takes no input" % type(module).__name__)
    if isinstance(n_in, (list, tuple)):
        if len(n_in) != len(ph):
            raise ExportError("n_in gives %d widths for %d inputs of forward()" % (len(n_in), len(ph)))
        return list(n_in)
    total = n_in if n_in is not None else (len(input_names) if input_names is not None else None)
    if len(ph) == 1 and total is None:
        total = _static_width(module, ph[0])
    probe = as_float64(module)

    def works(widths):
        # (a generator of its own: an export leaves torch's global one as it was)
        g = torch.Generator().manual_seed(len(widths))
        xs = [torch.rand(3, w, dtype=torch.float64, generator=g) if w is not None else
              torch.rand(3, dtype=torch.float64, generator=g)
              for w in widths]
        try:
            with torch.no_grad():
                out = _call(probe, xs)
        except Exception:       # noqa: BLE001: a wrong width fails somewhere in the user's code
            return False
        # a width that runs only by folding features into the batch
        # (view(-1, 2, 1) of [3, 6]) gives another number of points
        outs = out.values() if isinstance(out, dict) else out if isinstance(out, (tuple, list)) else [out]
        return all(not isinstance(o, torch.Tensor) or o.dim() == 0 or o.shape[0] == 3 for o in outs)

    def all_used(w):
        """True when u depends on every one of w components of x."""
        x = torch.rand(3, w, dtype=torch.float64, generator=torch.Generator().manual_seed(w)).requires_grad_(True)
        try:
            out = _call(probe, [x])
            if isinstance(out, dict):
                out = tuple(out.values())
            if isinstance(out, (tuple, list)):
                out = out[0]
            g, = torch.autograd.grad(out.sum(), x, allow_unused=True)
        except Exception:       # noqa: BLE001: as works()
            return False
        return g is not None and bool((g != 0).any(0).all())

    if len(ph) == 1:
        if total is not None and (n_in is not None or input_names is not None or works([total])):
            return [total]
        # (the first Linear's width is a guess: einsum, addmm or cat before
        # it change the width)
        ok = [w for w in range(1, 65) if works([w])]
        if len(ok) == 1:
            return ok
        if not ok and total is not None:
            return [total]      # runs at no width: the translation says what fails
        # several widths run (x[:, 0:1] takes any; a [1, 2] buffer or a (2,)
        # vector broadcasts one column too): the widest whose every
        # component u depends on, said in a warning
        used = [w for w in ok if all_used(w)]
        if used:
            warnings.warn("%s.forward() runs with inputs of width %s; exported with %d, the widest whose every "
                          "component the output depends on (pass n_in or input_names to choose)"
                          % (type(module).__name__, ", ".join(map(str, ok[:5])) + (", ..." if len(ok) > 5 else ""),
                             used[-1]), ExportWarning, stacklevel=4)
            return [used[-1]]
        raise ExportError("cannot tell how many inputs %s takes (%s): pass n_in or input_names"
                          % (type(module).__name__, "none of 1 to 64 works" if not ok else
                             "any of %s works" % ", ".join(map(str, ok[:5]))))
    # several tensors: [N, 1] each (x, t), else what the count says
    for cand in ([1] * len(ph), [None] * len(ph)):
        if (total is None or total == len(ph)) and works(cand):
            return cand
    raise ExportError("cannot tell the widths of forward()'s %d inputs: pass n_in=[w1, w2, ...]" % len(ph))


def _points(n_in, domain, count, seed=20261129):
    g = torch.Generator().manual_seed(seed)
    if domain is None:
        domain = [(-1.0, 1.0)] * n_in
    elif len(domain) == 2 and all(isinstance(v, (int, float)) for v in domain):
        domain = [tuple(domain)] * n_in
    if len(domain) != n_in:
        raise ExportError("domain gives %d ranges for %d inputs" % (len(domain), n_in))
    lo = torch.tensor([float(a) for a, _ in domain], dtype=torch.float64)
    hi = torch.tensor([float(b) for _, b in domain], dtype=torch.float64)
    return lo + (hi - lo) * torch.rand(count, n_in, generator=g, dtype=torch.float64)


def _output_at(module, widths, output, X):
    """The module's chosen output at the points X [n, n_in], its inputs cut
    from X's columns as forward() takes them ((n, w), or (n,) for a flat
    one)."""
    parts, at = [], 0
    for w in widths:
        k = 1 if w is None else w
        parts.append(X[:, at] if w is None else X[:, at:at + k])
        at += k
    out = module(*parts)
    if isinstance(out, dict):
        out = tuple(out.values())
    if isinstance(out, (tuple, list)):
        out = out[output or 0] if len(out) > 1 else out[0]
    return out


def _reference(module, widths, output, x):
    """u [n_out], du [n_out, n_in], d2u [n_out, n_in, n_in] of the module at x [n_in], by autograd."""
    def f(y):
        return _output_at(module, widths, output, y.reshape(1, -1)).reshape(-1)
    u = f(x).detach()
    du = torch.autograd.functional.jacobian(f, x)
    d2u = torch.autograd.functional.jacobian(
        lambda y: torch.autograd.functional.jacobian(f, y, create_graph=True), x)
    return u, du, d2u


def _references(module, widths, output, xs):
    """u [n, n_out], du [n, n_out, n_in], d2u [n, n_out, n_in, n_in] of the
    module at the points xs [n, n_in], all points in one batch, by the
    double-backward trick (Raissi's fwd_gradients): with a dummy cotangent
    V, g = V^T du/dx is linear in V, and d(g_i)/dV = du/dx_i for every
    output at once; the same again on du/dx_i gives its row of d2u. Its
    cost grows with the inputs (n_in + n_in^2 backward passes), not with
    the outputs as jacobian() does (a 501-output network took minutes).
    Rows must not mix (every network jetgen computes is per point); None
    when the module's output is not one row per point or autograd fails,
    and the caller goes point by point."""
    n, n_in = xs.shape
    X = xs.detach().clone().requires_grad_(True)
    try:
        with torch.enable_grad():
            out = _output_at(module, widths, output, X)
            if not isinstance(out, torch.Tensor) or out.dim() == 0 or out.shape[0] != n:
                return None
            U = out.reshape(n, -1)
            m = U.shape[1]

            def directional(Y, j):
                """dY/dx_j for every column of Y [n, m], kept differentiable."""
                if not Y.requires_grad:
                    return torch.zeros_like(Y)
                V = torch.zeros_like(Y, requires_grad=True)
                g, = torch.autograd.grad(Y, X, V, create_graph=True, allow_unused=True)
                if g is None or not g.requires_grad:
                    return torch.zeros_like(Y)
                d, = torch.autograd.grad(g[:, j].sum(), V, create_graph=True, allow_unused=True)
                return torch.zeros_like(Y) if d is None else d
            du = [directional(U, i) for i in range(n_in)]
            d2u = [[directional(du[i], j).detach() for j in range(n_in)] for i in range(n_in)]
    except RuntimeError:
        return None
    return (U.detach(), torch.stack([d.detach() for d in du], 2).reshape(n, m, n_in),
            torch.stack([torch.stack(row, 2) for row in d2u], 2).reshape(n, m, n_in, n_in))


def _evaluate(spec_path, xs, mem=None):
    """u, du, d2u of the spec at xs (as nested lists, null as NaN) and
    jetgen's warnings: in process through the package's extension when it
    is built (mem: the spec's text and weights' bytes, spec_path naming
    them), else through `jetgen eval` of the files."""
    from . import Net, _Net
    if _Net is not None:
        try:
            net = Net(spec_path, _mem=mem)
        except Exception as e:      # noqa: BLE001: jetgen.Error, reported as the CLI's would be
            raise ExportError("jetgen could not read the exported spec (a bug in the exporter: please report "
                              "it with the module):\n%s" % e)
        u, du, d2u = net.hessian(xs)
        said = [l.split("warning: ", 1)[1] for l in net.warnings.splitlines() if "warning: " in l]
        return {"u": u.tolist(), "du": du.tolist(), "d2u": d2u.tolist()}, said
    fd, pts = tempfile.mkstemp(prefix=".jetgen-points-", dir=os.path.dirname(spec_path))
    with os.fdopen(fd, "w") as f:
        for row in xs.tolist():
            f.write(" ".join("%.17g" % v for v in row) + "\n")
    try:
        run = subprocess.run([_jetgen(), "eval", spec_path, "--points", pts, "--format", "json", "--order", "2"],
                             capture_output=True, text=True)
    finally:
        os.unlink(pts)
    if run.returncode != 0:
        raise ExportError("jetgen could not read the exported spec (a bug in the exporter: please report "
                          "it with the module):\n" + run.stderr.strip())
    said = [l.split("warning: ", 1)[1] for l in run.stderr.splitlines() if "warning: " in l]
    return json.loads(run.stdout), said


def _oracle(spec_path, xs, mem=None):
    """u, du, d2u of the spec at xs by verify's reference (the network in
    long double, derivatives by extrapolated differences): in process
    through the package's extension when it is built (mem as _evaluate's),
    else by `jetgen eval --oracle`; None when that fails."""
    from . import _oracle_ext
    if _oracle_ext is not None:
        try:
            u, du, d2u = _oracle_ext(spec_path, xs, *(mem or ()))
        except Exception:       # noqa: BLE001: as the command's failure
            return None
        return {"u": u.tolist(), "du": du.tolist(), "d2u": d2u.tolist()}
    text = "".join(" ".join("%.17g" % v for v in row) + "\n" for row in xs.tolist())
    run = subprocess.run([_jetgen(), "eval", spec_path, "--oracle", "--format", "json", "--order", "2"],
                         input=text, capture_output=True, text=True)
    if run.returncode != 0:
        return None
    got = json.loads(run.stdout)
    return {k: _nan_for_null(got[k]) for k in ("u", "du", "d2u")}


def _nan_for_null(v):
    """jetgen's JSON writes NaN and infinities as null."""
    if isinstance(v, list):
        return [_nan_for_null(u) for u in v]
    return float("nan") if v is None else v


def _normwise(got, want):
    d = float(torch.linalg.norm((got - want).reshape(-1)))
    n = float(torch.linalg.norm(want.reshape(-1)))
    return d / n if n > 0 else d


def _check(module, widths, output, spec_path, n_in, domain, count, detaches=False, mem=None):
    """ExportError unless the spec at spec_path (or mem, the spec's text and
    weights' bytes that spec_path names) computes what module does;
    jetgen's warnings come back as a list."""
    ref = as_float64(module)
    xs = _points(n_in, domain, count)
    got, said = _evaluate(spec_path, xs, mem)
    tols = {"u": 1e-12, "du": 1e-10, "d2u": 1e-10}

    def compare(batch):
        """PyTorch's numbers at xs (from batch, or point by point when
        None) and jetgen's normwise errors against them."""
        errs = {"u": 0.0, "du": 0.0, "d2u": 0.0}
        numbers = {"writer": "jetgen_export", "points": xs.tolist(), "u": [], "du": [], "d2u": []}
        for p, x in enumerate(xs):
            u, du, d2u = (batch[0][p], batch[1][p], batch[2][p]) if batch is not None else \
                _reference(ref, widths, output, x)
            numbers["u"].append(u.tolist())
            numbers["du"].append(du.tolist())
            numbers["d2u"].append(d2u.tolist())
            for key, want in (("u", u), ("du", du), ("d2u", d2u)):
                gt = torch.tensor(_nan_for_null(got[key][p]), dtype=torch.float64).reshape(want.shape)
                errs[key] = max(errs[key], _normwise(gt, want))
        return errs, numbers
    # all points at once (fast: n_in + n_in^2 backward passes); where that
    # does not agree, PyTorch's numbers point by point by jacobian(), whose
    # rounding is the one the long-double judge below was set against
    batch = _references(ref, widths, output, xs)
    errs, numbers = compare(batch)
    if batch is not None and any(not errs[k] <= tols[k] for k in tols):
        errs, numbers = compare(None)
    bad = [k for k in ("u", "du", "d2u") if not errs[k] <= tols[k]]
    note = ""
    if bad and all(errs[k] == errs[k] for k in bad) and not detaches:
        # an ill-conditioned network: both against the network in long double
        # (`jetgen eval --oracle`); jetgen passes when no worse than 8 times PyTorch,
        # and PyTorch itself is near it (rounding amplified, not another
        # function: within 1e-3)
        oracle = _oracle(spec_path, xs, mem)
        if oracle is not None:
            still = []
            for k in bad:
                e_jet = max(_normwise(torch.tensor(_nan_for_null(got[k][p]), dtype=torch.float64),
                                      torch.tensor(oracle[k][p], dtype=torch.float64)) for p in range(len(xs)))
                e_torch = max(_normwise(torch.tensor(numbers[k][p], dtype=torch.float64),
                                        torch.tensor(oracle[k][p], dtype=torch.float64)) for p in range(len(xs)))
                if not (e_jet <= max(tols[k], 8.0 * e_torch) and e_torch <= 1e-3):
                    still.append(k)
                note += "; %s against long double: jetgen %.3g, PyTorch %.3g" % (k, e_jet, e_torch)
            bad = still
    if bad:
        why = ""
        if "u" not in bad and detaches:
            why = ("; forward() calls .detach(), which stops PyTorch's derivatives there while jetgen "
                   "differentiates the values forward() computes: take .detach() out of forward()")
        raise ExportError("the exported network does not compute what %s does: at %d points of the domain, "
                          "normwise %s (want u within 1e-12, du and d2u within 1e-10, or no worse than "
                          "PyTorch against long double)%s%s; nothing was written"
                          % (type(module).__name__, count,
                             ", ".join("%s off by %.3g" % (k, errs[k]) for k in ("u", "du", "d2u")), note, why))
    if note:
        said.append("the network is ill-conditioned: jetgen and PyTorch differ by %s, but jetgen is no worse "
                    "than PyTorch against the network in long double (%s)"
                    % (", ".join("%.3g in %s" % (errs[k], k) for k in ("u", "du", "d2u")), note[2:]))
    return said, numbers


def _ours(path):
    """True when path does not exist or jetgen_export wrote it."""
    if not os.path.exists(path):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.startswith(HEADER.encode()) or b'"jetgen_export"' in head


def export(module, spec_path, input_names=None, n_in=None, output=None, domain=None, points=8, reference=None,
           over=None, terms=None):
    """Writes spec_path and, beside it, the weights (spec_path with the
    extension .safetensors), after checking them against module; with
    reference, a path, also PyTorch's u, du and d2u at the check's points
    there (JSON for `jetgen verify SPEC --reference FILE`); with over, input
    names, the Hessian's diagonal and the Laplacian of the emitted code are
    taken over those inputs only (u_xx + u_yy of a network of x, y, t); with
    terms, the partial derivatives of order up to 4 the spec's `terms`
    statement names (Net.partials): each a string of one-character input
    names ("xxt"), names joined by '*' ("x1*x1*x2") or "" for u, or a tuple
    of input names or indices (("x", "x", 1)). Returns
    the spec's text. ExportError says what could not be exported, or how
    far the check found the export from the module; nothing is written
    then. ExportWarning (warnings.warn) says what is right but probably
    not meant (ReLU-type activations, Linear after Linear)."""
    return _do_export(module, spec_path, input_names, n_in, output, domain, points, reference, over, terms)[0]


def _term_list(terms):
    """terms as a list (one string alone is one term; a tuple alone is
    refused: one term, ('x', 't') = u_xt, or a list of two?)."""
    if isinstance(terms, str):
        return [terms]
    if isinstance(terms, tuple):
        raise ExportError("terms=%r: pass a list; a tuple is one term (its inputs), so write [%r] for that term, "
                          "or %r for %d terms" % (terms, terms, list(terms), len(terms)))
    try:
        terms = list(terms)
    except TypeError:
        raise ExportError("terms=%r: a list of terms (strings such as 'xxt', or tuples of input names or "
                          "indices)" % (terms,)) from None
    if not terms:
        raise ExportError("terms=[]: name at least one term")
    return terms


# gen/terms.h's limits: the highest order, the most terms of a list, the
# most channels (monomials dividing some term) their partials take
MAX_TERM_ORDER, MAX_TERMS, MAX_CHANNELS = 4, 256, 128


def _term_word(t, names):
    """A term as the spec's `terms` statement writes it (gen/terms.h), and
    its inputs' indices in increasing order, repeated."""
    if isinstance(t, str):
        if t == "":
            return '""', ()
        # as gen/terms.c reads it: names or numbers joined by '*'; a whole
        # name; digits side by side (components) where there are at most
        # 10 inputs, else one component number; one-character names side by side
        parts = t.split("*") if "*" in t else [t] if t in names or t.isdigit() and len(names) > 10 else list(t)
        for v in parts:
            if v not in names and not (v.isdigit() and int(v) < len(names)):
                raise ExportError("term %r: %r is not an input (the inputs: %s; write one-character names side "
                                  "by side, 'xxt', or names joined by '*', 'x1*x1*x2')" % (t, v, ", ".join(names)))
        return t, tuple(sorted(names.index(v) if v in names else int(v) for v in parts))
    if isinstance(t, tuple):
        if not t:
            return '""', ()
        parts = []
        for v in t:
            if isinstance(v, bool) or not isinstance(v, (int, str)):
                raise ExportError("term %r: a tuple of input names or indices" % (t,))
            if isinstance(v, int) and not 0 <= v < len(names):
                raise ExportError("term %r: input %d out of 0 .. %d" % (t, v, len(names) - 1))
            if isinstance(v, str) and v not in names:
                raise ExportError("term %r: %r is not an input (the inputs: %s)" % (t, v, ", ".join(names)))
            parts.append(names[v] if isinstance(v, int) else v)
        return "*".join(parts), tuple(sorted(names.index(v) for v in parts))
    raise ExportError("term %r: a string ('xxt', '' for u) or a tuple of input names or indices" % (t,))


def _term_words(terms, names):
    """The `terms` statement's words for terms (a list, or one term), each
    checked here with its place named: an order above MAX_TERM_ORDER, a
    term given twice, more than MAX_TERMS terms or MAX_CHANNELS channels
    are the caller's to mend, not a spec the exporter got wrong."""
    terms = _term_list(terms)
    if len(terms) > MAX_TERMS:
        raise ExportError("terms: %d terms; at most %d in one list" % (len(terms), MAX_TERMS))
    words, seen, monos = [], {}, {()}
    for k, t in enumerate(terms):
        word, ins = _term_word(t, names)
        if len(ins) > MAX_TERM_ORDER:
            raise ExportError("term %r (terms[%d]): order above %d, the highest jetgen computes (it is of "
                              "order %d)" % (t, k, MAX_TERM_ORDER, len(ins)))
        if ins in seen:
            raise ExportError("term %r (terms[%d]) is terms[%d], %r, again: name each term once"
                              % (t, k, seen[ins], terms[seen[ins]]))
        seen[ins] = k
        stack = [ins]
        while stack:
            m = stack.pop()
            if m not in monos:
                monos.add(m)
                stack.extend(m[:i] + m[i + 1:] for i in range(len(m)))
        words.append(word)
    if len(monos) > MAX_CHANNELS:
        raise ExportError("terms: their partial derivatives take %d channels (the monomials dividing some term, "
                          "the constant included), more than %d" % (len(monos), MAX_CHANNELS))
    return words


def retranslate(module, widths, names, output):
    """The spec statements module's forward() gives now (no check, nothing
    written): jetgen.torch.Jet's test of whether a number the trace took
    as a literal still gives the network it exported."""
    tr = Translator(module, widths, names, output)
    tr.run(trace(module))
    from . import _constants_of
    return tr.lines, _constants_of(module, tr)


def _do_export(module, spec_path, input_names=None, n_in=None, output=None, domain=None, points=8, reference=None,
               over=None, terms=None):
    """export's work: (the spec's text, the Translator, whose derived,
    touched and lost say how the saved tensors follow the parameters)."""
    graph = trace(module)
    if input_names is not None:
        input_names = [str(v) for v in input_names]
    widths = _widths(module, graph, n_in, input_names)
    total = sum(1 if w is None else w for w in widths)
    if input_names is None:
        # forward()'s parameters' own names (fx renames one that shadows a
        # builtin: Sequential's `input` is input_1), a reserved word of the
        # spec as x: nn.Sequential's one input is x, its columns x0, x1, ...
        names = [str(p.target) for p in _placeholders(module, graph)]
        names = ["x" if v in ("input", "output", "weights", "format") else v for v in names]
        if len(names) == total and len(set(names)) == total and all(n.isidentifier() for n in names):
            input_names = names
        elif len(names) == 1 and total > 1:
            input_names = ["%s%d" % (names[0], i) for i in range(total)]
    if input_names is not None and len(input_names) != total:
        raise ExportError("%d input names for %d inputs" % (len(input_names), total))
    if input_names is not None:
        for v in input_names:
            if not v.isidentifier() or not v.isascii() or len(v) > 128 or \
                    v in ("input", "output", "weights", "format"):
                raise ExportError("input name %r is not a plain identifier (letters, digits, _)" % v)
    names = input_names or ["x%d" % i for i in range(total)]
    over_line = []
    if over is not None:
        over = [str(v) for v in over]
        unknown = [v for v in over if v not in names]
        if unknown or not over or len(set(over)) != len(over):
            raise ExportError("over=%r: name each of the inputs %s at most once" % (over, ", ".join(names)))
        over_line = ["over " + " ".join(v for v in names if v in over)]
    if terms is not None:
        over_line.append("terms " + " ".join(_term_words(terms, names)))
    tr = Translator(module, widths, names, output)
    tr.run(graph)
    tr.graph_args = (widths, names, output)      # what retranslate() needs
    # spec_path None: nothing written (from_torch), the spec named model.spec
    weights_path = os.path.splitext(spec_path or "model.spec")[0] + ".safetensors"
    for path in ((spec_path, weights_path) if spec_path else ()) + ((reference,) if reference else ()):
        if not _ours(path):
            raise ExportError("%s exists and was not written by jetgen_export: not replaced" % path)
    text = "\n".join(["%s from %s (format 3: docs/spec.md)" % (HEADER, type(module).__name__),
                      "format 3",
                      "input " + " ".join(names),
                      "weights " + os.path.basename(weights_path)] + over_line +
                     ["# trainable: %s = %s" % (t, text) for t, _, _, _, text in tr.derived] +
                     tr.lines) + "\n"
    blob = safetensors_bytes(tr.tensors)
    detaches = any(n.op == "call_method" and n.target in ("detach", "detach_") or
                   n.op == "call_function" and n.target is torch.detach for n in graph.nodes)
    from . import _Net
    if _Net is not None or spec_path is None:       # checked in memory
        name = spec_path or "model.spec"
        said, numbers = _check(module, widths, output, name, total, domain, points, detaches,
                               mem=(text.encode(), blob))
        if spec_path is not None:
            if reference:
                _write_atomic(reference, json.dumps(numbers).encode())
            _write_atomic(weights_path, blob)
            _write_atomic(spec_path, text.encode())
    else:       # no extension: `jetgen eval` reads files, beside the targets until they pass
        folder = os.path.dirname(os.path.abspath(spec_path))
        tmp = tempfile.mkdtemp(prefix=".jetgen-export-", dir=folder)
        try:
            tmp_spec = os.path.join(tmp, os.path.basename(spec_path))
            _write_atomic(os.path.join(tmp, os.path.basename(weights_path)), blob)
            with open(tmp_spec, "w") as f:
                f.write(text)
            said, numbers = _check(module, widths, output, tmp_spec, total, domain, points, detaches)
            if reference:
                _write_atomic(reference, json.dumps(numbers).encode())
            os.replace(os.path.join(tmp, os.path.basename(weights_path)), weights_path)
            os.replace(tmp_spec, spec_path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    for w in said:
        warnings.warn(w, ExportWarning, stacklevel=3)
    return text, tr, blob


_STATE_DICT = ("holds a state_dict (tensor names and values), not a module with forward(): jetgen exports "
               "what forward() computes. Load it into your model class and call export(model, SPEC) from "
               "Python; or, for a plain stack of Linear layers, save it as safetensors and run "
               "`jetgen init FILE.safetensors --activation tanh`")


def _load(path, imports):
    for f in imports:
        import runpy
        ns = runpy.run_path(f, run_name="jetgen_user_code")
        main = sys.modules["__main__"]
        for k, v in ns.items():
            if isinstance(v, type):
                setattr(main, k, v)
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        raise ExportError("%s: %s" % (path, e.strerror))
    if len(head) >= 9 and head[8:9] == b"{":
        raise ExportError("%s is a safetensors file (weights only, no forward()): export from the module in "
                          "Python, or write a spec with `jetgen init %s --activation tanh`" % (path, path))
    try:
        obj = torch.load(path, map_location="cpu")
    except (AttributeError, ModuleNotFoundError, ImportError) as e:
        msg = str(e)
        cls = msg.split("'")[1] if msg.count("'") >= 2 else "?"
        raise ExportError("%s is a whole-model pickle whose class %s cannot be imported here (%s): make it "
                          "importable (its package on PYTHONPATH), or pass --import FILE.py, the file that "
                          "defines it" % (path, cls, msg))
    except Exception as e:      # noqa: BLE001: whatever torch.load says of a bad file
        raise ExportError("%s: torch.load cannot read it: %s" % (path, str(e).splitlines()[0] if str(e) else
                                                                  type(e).__name__))
    if isinstance(obj, dict):
        keys = list(obj)
        if all(isinstance(v, torch.Tensor) for v in obj.values()):
            raise ExportError("%s %s" % (path, _STATE_DICT))
        inner = [k for k in keys if isinstance(obj[k], nn.Module)]
        if len(inner) == 1:
            return obj[inner[0]]
        raise ExportError("%s is a checkpoint dictionary (%s) without a module in it: it %s"
                          % (path, ", ".join(map(str, keys[:6])), _STATE_DICT))
    if not isinstance(obj, nn.Module):
        raise ExportError("%s holds a %s, not an nn.Module" % (path, type(obj).__name__))
    return obj


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="jetgen_export.py", description="Exports a module saved whole with "
                                 "torch.save to a jetgen spec and weights, checked against the module.")
    ap.add_argument("model")
    ap.add_argument("spec")
    ap.add_argument("--input-names")
    ap.add_argument("--n-in", type=int)
    ap.add_argument("--output", type=int)
    ap.add_argument("--domain", help="LO:HI per input, comma-separated, or one for all")
    ap.add_argument("--reference", help="also write PyTorch's numbers at the check's points here (JSON for "
                    "`jetgen verify SPEC --reference FILE`)")
    ap.add_argument("--points", type=int, default=8, help="points of the check (default 8)")
    ap.add_argument("--over", help="input names, comma-separated: the Hessian's diagonal and the Laplacian "
                    "over these only (e.g. x,y for u_xx + u_yy)")
    ap.add_argument("--import", dest="imports", action="append", default=[],
                    help="a Python file defining the module's class")
    a = ap.parse_args(argv[1:])
    try:
        module = _load(a.model, a.imports)
        domain = None
        if a.domain:
            try:
                domain = [tuple(float(v) for v in r.split(":")) for r in a.domain.split(",")]
            except ValueError:
                raise ExportError("--domain %s: write LO:HI per input, e.g. 0:1,-1:1" % a.domain)
            if len(domain) == 1:
                domain = domain[0]
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always", ExportWarning)
            export(module, a.spec, input_names=a.input_names.split(",") if a.input_names else None,
                   n_in=a.n_in, output=a.output, domain=domain, points=a.points, reference=a.reference,
                   over=a.over.split(",") if a.over else None)
        for w in said:
            print("jetgen_export: warning: %s" % w.message, file=sys.stderr)
    except ExportError as e:
        print("jetgen_export: %s" % e, file=sys.stderr)
        return 1
    return 0

