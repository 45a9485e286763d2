"""interop.py: jetgen against PyTorch itself (Debian's python3-torch).

Random networks over every activation and layer kind are built as torch
modules, exported with tools/jetgen_export.py, evaluated by `jetgen eval`,
and compared with PyTorch autograd in float64 (jacobian, and jacobian of
jacobian): u, du/dx and d2u/dx2 within 1e-12 normwise per point, and the
diagonal and Laplacian modes against the diagonal and trace of PyTorch's
Hessian. Also: the export of a ModuleList network (the reference networks'
shape), `jetgen init` on its weights, the refusal of a layer jetgen
cannot express, and the widest one-input networks jetgen accepts with
small stacks in every form.

Run by meson (`interop`), with JETGEN naming the jetgen binary and
JG_SOURCE_ROOT the source tree.
"""

import copy
import ctypes
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import warnings

import torch
from torch import nn

ROOT = os.environ.get("JG_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
JETGEN = os.environ.get("JETGEN", os.path.join(ROOT, "build", "jetgen"))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import jetgen_export as jx  # noqa: E402
from harness import failures, check, normwise  # noqa: E402

torch.set_default_dtype(torch.float64)


class Erf(nn.Module):
    """erf as users write it: torch.erf, or torch.special.erf."""

    def __init__(self, special=False):
        super().__init__()
        self.special = special

    def forward(self, x):
        return torch.special.erf(x) if self.special else torch.erf(x)


class Expit(nn.Module):
    def forward(self, x):
        return torch.special.expit(x)


ACTIVATIONS = [
    lambda r: nn.Tanh(), lambda r: nn.Sigmoid(),
    lambda r: nn.Softplus(beta=r.choice([1.0, 2.5]), threshold=r.choice([20.0, 2.0])),
    lambda r: jx.Sin(w0=r.uniform(0.5, 3.0)), lambda r: jx.Cos(w0=r.uniform(0.5, 3.0)),
    lambda r: nn.GELU(), lambda r: nn.GELU(approximate="tanh"), lambda r: nn.SiLU(), lambda r: nn.Mish(),
    lambda r: nn.ELU(alpha=r.choice([1.0, 0.7])), lambda r: nn.SELU(), lambda r: nn.Softsign(),
    lambda r: jx.Exp(), lambda r: nn.ReLU(), lambda r: nn.LeakyReLU(r.choice([0.01, 0.2])),
    lambda r: nn.Hardtanh(-0.5, 0.8), lambda r: nn.ReLU6(), lambda r: nn.Identity(),
    lambda r: Erf(special=r.random() < 0.5), lambda r: Expit(),
]


def linear(r, n_in, n_out):
    lin = nn.Linear(n_in, n_out, bias=r.random() < 0.8)
    with torch.no_grad():
        lin.weight.uniform_(-1.5 / n_in ** 0.5, 1.5 / n_in ** 0.5)
        if lin.bias is not None:
            lin.bias.uniform_(-0.5, 0.5)
    return lin


def random_net(seed):
    r = random.Random(seed)
    torch.manual_seed(seed)
    n_in = r.randint(1, 3)
    layers, width = [], n_in
    if r.random() < 0.5:
        mul = torch.empty(width).uniform_(0.3, 2.0) if r.random() < 0.5 else r.uniform(0.3, 2.0)
        add = torch.empty(width).uniform_(-1, 1) if r.random() < 0.5 else r.uniform(-1, 1)
        layers.append(jx.Scale(mul, add))
    if r.random() < 0.3:
        m = r.randint(1, 4)
        layers.append(jx.Fourier(torch.empty(m, width).uniform_(-2, 2)))
        width = 2 * m
    for block in range(r.randint(1, 3)):
        out = r.randint(2, 10)
        act = ACTIVATIONS[(seed + block) % len(ACTIVATIONS)] if block == 0 else r.choice(ACTIVATIONS)
        layers += [linear(r, width, out), act(r)]
        width = out
        if r.random() < 0.5:
            inner = [linear(r, width, width), r.choice(ACTIVATIONS)(r)]
            if r.random() < 0.3:
                inner.append(jx.Residual(linear(r, width, width), r.choice(ACTIVATIONS)(r)))
            layers.append(jx.Residual(*inner))
    layers.append(linear(r, width, r.randint(1, 4)))
    net = nn.Sequential(*layers)
    if r.random() < 0.5:
        net = net.float()       # weights saved in float32, as PyTorch's default
    return net, n_in


def torch_derivatives(net, x):
    f = copy.deepcopy(net).double()
    u = f(x)
    du = torch.autograd.functional.jacobian(f, x)
    d2u = torch.autograd.functional.jacobian(lambda y: torch.autograd.functional.jacobian(f, y, create_graph=True),
                                             x)
    return u, du, d2u


def jetgen_eval(spec, points, hessian="full"):
    text = "\n".join(" ".join(repr(float(v)) for v in p) for p in points) + "\n"
    run = subprocess.run([JETGEN, "eval", spec, "--format", "json", "--hessian", hessian], input=text,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError("jetgen eval %s failed:\n%s" % (spec, run.stderr))
    return json.loads(run.stdout)


def random_networks(folder, count):
    for seed in range(count):
        net, n_in = random_net(seed)
        spec = os.path.join(folder, "net%d.spec" % seed)
        jx.export(net, spec, n_in=n_in)
        r = random.Random(1000 + seed)
        points = [[r.uniform(-1.5, 1.5) for _ in range(n_in)] for _ in range(4)]
        got = jetgen_eval(spec, points)
        diag = jetgen_eval(spec, points, "diag") if seed % 3 == 0 else None
        lap = jetgen_eval(spec, points, "laplacian") if seed % 3 == 1 else None
        for p, x in enumerate(points):
            u, du, d2u = torch_derivatives(net, torch.tensor(x))
            for name, g, w in (("u", got["u"][p], u), ("du", got["du"][p], du), ("d2u", got["d2u"][p], d2u)):
                e = normwise(g, w)
                check(e <= 1e-12, "net %d point %d: %s off by %.3g\n%s" % (seed, p, name, e, open(spec).read()))
            hd = torch.diagonal(d2u, dim1=-2, dim2=-1)
            if diag is not None:
                e = normwise(diag["d2u_diag"][p], hd)
                check(e <= 1e-12, "net %d point %d: d2u_diag off by %.3g" % (seed, p, e))
            if lap is not None:
                e = normwise(lap["lap"][p], hd.sum(-1))
                check(e <= 1e-12, "net %d point %d: lap off by %.3g" % (seed, p, e))


class PINN(nn.Module):
    """The reference networks' shape: layers in one ModuleList."""

    def __init__(self, sizes):
        super().__init__()
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers.append(nn.Tanh())
        self.linears = nn.ModuleList(layers)

    def forward(self, x):
        for layer in self.linears:
            x = layer(x)
        return x


def module_list_and_init(folder):
    torch.manual_seed(3)
    net = PINN([2, 8, 8, 3]).float()
    spec = os.path.join(folder, "pinn.spec")
    text = jx.export(net, spec, input_names=["x", "t"])
    check(text.splitlines()[1:] == ["format 3", "input x t", "weights pinn.safetensors",
                                    "linears_0 = dense 8 linears.0 input", "linears_1 = tanh linears_0",
                                    "linears_2 = dense 8 linears.2 linears_1", "linears_3 = tanh linears_2",
                                    "linears_4 = dense 3 linears.4 linears_3", "output linears_4"],
          "export text:\n" + text)
    x = [0.3, -0.7]
    got = jetgen_eval(spec, [x])
    u, du, d2u = torch_derivatives(net, torch.tensor(x))
    check(normwise(got["d2u"][0], d2u) <= 1e-12, "PINN export: d2u")
    # jetgen init writes the same layers from the weights alone
    run = subprocess.run([JETGEN, "init", os.path.join(folder, "pinn.safetensors"), "--activation", "tanh"],
                         capture_output=True, text=True)
    check(run.returncode == 0, "jetgen init failed: " + run.stderr)
    lines = [l for l in run.stdout.splitlines() if l and not l.startswith("#")]
    check(lines == ["input 2", "weights pinn.safetensors", "dense 8 linears.0", "tanh", "dense 8 linears.2",
                    "tanh", "dense 3 linears.4"], "jetgen init:\n" + run.stdout)


def refusals(folder):
    net = nn.Sequential(nn.Linear(2, 4), nn.Conv1d(1, 1, 1))
    try:
        jx.export(net, os.path.join(folder, "bad.spec"))
        check(False, "Conv1d was exported")
    except jx.ExportError as e:
        check("1 (Conv1d)" in str(e) and "Conv1d is not something jetgen computes" in str(e),
              "refusal message: %s" % e)
    check(not os.path.exists(os.path.join(folder, "bad.spec")), "a refused export left a file")
    # more input names than the first layer takes: said, with the count to name
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    try:
        jx.export(net, os.path.join(folder, "bad.spec"), input_names=["x", "t", "y"])
        check(False, "three input names for nn.Linear(2, 4) were exported")
    except jx.ExportError as e:
        check("applied to a value 3 wide" in str(e) and "name 2 inputs" in str(e), "refusal message: %s" % e)
    check(not os.path.exists(os.path.join(folder, "bad.spec")), "a refused export left a file")
    # a layer norm right after a Linear: its mean (a matmul) beside the
    # centering is no "Linear after Linear" (the warning is for a chain)
    net = nn.Sequential(nn.Linear(2, 6), nn.LayerNorm(6), nn.Tanh(), nn.Linear(6, 1)).double()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        jx.export(net, os.path.join(folder, "ln.spec"))
    check(not [w for w in said if "dense layer right after" in str(w.message)],
          "a layer norm after nn.Linear warned: %s" % [str(w.message) for w in said])
    net = nn.Sequential(nn.Linear(2, 6), nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 1)).double()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        jx.export(net, os.path.join(folder, "ll.spec"))
    check([w for w in said if "dense layer right after" in str(w.message)],
          "Linear right after Linear did not warn: %s" % [str(w.message) for w in said])


def extremes(folder):
    """Each activation alone (u = s(x)) at extreme x: no NaN from jetgen, and
    PyTorch's value and derivatives wherever PyTorch gives a number."""
    xs = [1e300, -1e300, 1e100, -1e100, 1e10, -1e10, 745.0, -745.0, 50.0, -50.0, 1e-300, 0.5]
    for k, make in enumerate(ACTIVATIONS):
        act = make(random.Random(k))
        one = nn.Linear(1, 1)
        with torch.no_grad():
            one.weight.fill_(1.0)
            one.bias.fill_(0.0)
        net = nn.Sequential(one, act, copy.deepcopy(one))
        spec = os.path.join(folder, "x%d.spec" % k)
        jx.export(net, spec)
        got = jetgen_eval(spec, [[x] for x in xs])
        for p, x in enumerate(xs):
            u, du, d2u = torch_derivatives(net, torch.tensor([x]))
            for name, g, w in (("u", got["u"][p][0], u.item()), ("du", got["du"][p][0][0], du.item()),
                               ("d2u", got["d2u"][p][0][0][0], d2u.item())):
                overflows = isinstance(act, jx.Exp) and x > 709.0     # e^x is beyond double: inf
                check(g is not None or overflows, "%s at %g: %s is NaN or infinite" % (type(act).__name__, x, name))
                if g is None or w != w or abs(w) == float("inf"):
                    continue
                check(abs(g - w) <= 1e-12 * max(1.0, abs(w)),
                      "%s at %g: %s = %.17g, PyTorch %.17g" % (type(act).__name__, x, name, g, w))


def limits_at_infinity(act):
    """The limits of s at -inf and +inf where they are finite (None where not)."""
    name = type(act).__name__
    if name in ("Tanh", "Softsign", "Erf"):
        return -1.0, 1.0
    if name in ("Sigmoid", "Expit"):
        return 0.0, 1.0
    if name in ("GELU", "SiLU", "Mish", "Softplus", "ReLU"):
        return 0.0, None
    if name == "ELU":
        return -act.alpha, None
    if name == "SELU":
        return -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946, None
    if name in ("Hardtanh", "ReLU6"):
        return act.min_val, act.max_val
    return None, None


def edges(folder):
    """Each activation alone (u = s(x)) at x = +-inf, NaN, +-1e308 and
    subnormals: at +-inf, the limit where it is finite, with derivatives
    exactly 0 (PyTorch often gives NaN there: inf/inf, 0*inf); a NaN in x
    gives a NaN u; at the finite ones no NaN or infinity (but e^1e308), and
    PyTorch's numbers (1e-12) wherever PyTorch gives a number."""
    inf = float("inf")
    xs = [inf, -inf, float("nan"), 1e308, -1e308, 5e-324, -5e-324, 1.1125369292536007e-308]
    for k, make in enumerate(ACTIVATIONS):
        act = make(random.Random(k))
        name = type(act).__name__
        one = nn.Linear(1, 1)
        with torch.no_grad():
            one.weight.fill_(1.0)
            one.bias.fill_(0.0)
        net = nn.Sequential(one, act, copy.deepcopy(one))
        spec = os.path.join(folder, "edge%d.spec" % k)
        jx.export(net, spec)
        got = jetgen_eval(spec, [[x] for x in xs])
        lo, hi = limits_at_infinity(act)
        for p, x in enumerate(xs):
            g = (got["u"][p][0], got["du"][p][0][0], got["d2u"][p][0][0][0])
            u, du, d2u = torch_derivatives(net, torch.tensor([x], dtype=torch.float64))
            w = (u.item(), du.item(), d2u.item())
            if x != x:
                check(g[0] is None, "%s at NaN: u = %r, not NaN" % (name, g[0]))
                continue
            limit = (hi if x > 0 else lo) if abs(x) == inf else None
            if limit is not None:
                check(g == (limit, 0.0, 0.0), "%s at %g: (u, du, d2u) = %r, want (%r, 0, 0)" % (name, x, g, limit))
                continue
            overflows = isinstance(act, jx.Exp) and x > 709.0     # e^x is beyond double: inf
            for q, what in enumerate(("u", "du", "d2u")):
                check(g[q] is not None or overflows or abs(x) == inf,
                      "%s at %g: %s is NaN or infinite" % (name, x, what))
                if w[q] == w[q] and abs(w[q]) != inf:     # else PyTorch overflowed inside
                    check(g[q] is not None and abs(g[q] - w[q]) <= 1e-12 * max(1.0, abs(w[q])),
                          "%s at %g: %s = %r, PyTorch %.17g" % (name, x, what, g[q], w[q]))


def verify_piecewise_linear(folder):
    """jetgen verify on a ReLU network, whose second derivatives are 0 but
    for the kinks the differences cannot see past: it passes, and says how
    many entries it could not judge."""
    torch.manual_seed(3)
    net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    spec = os.path.join(folder, "relu.spec")
    jx.export(net, spec)
    run = subprocess.run([JETGEN, "verify", spec, "--count", "200"], capture_output=True, text=True)
    check(run.returncode == 0, "verify on a ReLU network failed:\n%s" % run.stdout)
    check("verify: every quantity within 1e-08" in run.stdout, "verify on a ReLU network:\n%s" % run.stdout)


def wide_networks(folder):
    """The widest networks jetgen accepts with one input, 1 -> 12000 -> 1 and
    1 -> 40000 -> 1 tanh, as PyTorch builds them: `jetgen eval` with a 256 KiB
    stack for its main thread, and the emitted file and the single header
    (compiled by cc, called through ctypes in a thread with a 256 KiB stack),
    against PyTorch autograd (1e-12)."""
    points = [[-0.9], [0.1], [0.7]]
    for width in (12000, 40000):
        torch.manual_seed(width)
        net = nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))
        spec = os.path.join(folder, "wide%d.spec" % width)
        jx.export(net, spec, n_in=1)
        want = [torch_derivatives(net, torch.tensor(x)) for x in points]
        text = "".join("%r\n" % x[0] for x in points)
        run = subprocess.run(["sh", "-c", 'ulimit -s 256 && exec "$0" eval "$1" --format json', JETGEN, spec],
                             input=text, capture_output=True, text=True)
        check(run.returncode == 0, "wide %d: jetgen eval with a 256 KiB stack: %s" % (width, run.stderr))
        got = json.loads(run.stdout) if run.returncode == 0 else None
        for form in ("eval", "file", "single header"):
            if form != "eval":
                got = emitted_in_small_thread(folder, spec, form, points)
            for p in range(len(points)):
                for name, k in (("u", 0), ("du", 1), ("d2u", 2)):
                    e = normwise(got[name][p], want[p][k].reshape(-1)) if got is not None else 1.0
                    check(e <= 1e-12, "wide %d, %s, point %d: %s off by %.3g" % (width, form, p, name, e))


def emitted_in_small_thread(folder, spec, form, points):
    """The network of spec emitted as a file or a single header, built into a
    shared object, its wide_hessian called in a thread with a 256 KiB stack."""
    base = os.path.join(folder, os.path.basename(spec)[:-5] + ("_file" if form == "file" else "_single"))
    if form == "file":
        subprocess.run([JETGEN, "emit", spec, "-o", base + ".c", "--prefix", "wide"], check=True)
    else:
        subprocess.run([JETGEN, "emit", spec, "--single-header", base + ".h", "--prefix", "wide"], check=True)
        with open(base + ".c", "w") as f:
            f.write('#define WIDE_IMPLEMENTATION\n#include "%s"\n' % os.path.basename(base + ".h"))
    subprocess.run(["cc", "-std=c99", "-O2", "-shared", "-fPIC", "-I", folder, base + ".c", "-o", base + ".so",
                    "-lm"], check=True)
    lib = ctypes.CDLL(base + ".so")
    got = {"u": [], "du": [], "d2u": []}

    def work():
        for x in points:
            xs, u, du, d2u = (ctypes.c_double * 1)(x[0]), (ctypes.c_double * 1)(), (ctypes.c_double * 1)(), \
                (ctypes.c_double * 1)()
            lib.wide_hessian(ctypes.c_size_t(1), xs, u, du, d2u)
            got["u"].append([u[0]])
            got["du"].append([du[0]])
            got["d2u"].append([d2u[0]])

    old = threading.stack_size(256 * 1024)
    try:
        t = threading.Thread(target=work)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    return got


def main():
    with tempfile.TemporaryDirectory() as folder:
        verify_piecewise_linear(folder)
        random_networks(folder, 2 * len(ACTIVATIONS))
        extremes(folder)
        edges(folder)
        module_list_and_init(folder)
        refusals(folder)
        wide_networks(folder)
    print("interop: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
