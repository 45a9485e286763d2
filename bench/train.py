"""train.py: a training step side by side in one run, and in-process
evaluation against the emitted file.

The training step: u, du/dx and the Laplacian of every output at N points,
an Allen-Cahn-like residual on every output
    r = 0.0001 lap u - 5 u^3 + 5 u,   L = mean(r^2)
then backward() to every parameter, float64, one thread, by
  jetgen       jetgen.torch.Jet(mode="laplacian") (forward jets, then the
               reverse sweep through the 2-jet)
  torch jets   the network's jets (value, gradient, Laplacian) written in
               torch ops, then autograd: the fastest PyTorch route found
  functorch    the Laplacian by jvp of jvp along each input, vmap over
               points, then autograd
for the reference network (1-50-50-50-501 tanh, tests/data/seed-pinn) and
its 3-input variant, N = 1,000 and 10,000. The parameter gradients of all
three are checked against each other (1e-10) before a time is shown.

Beside each training row: the FMA peak of one core (bench/peak.c, measured
in the same run) times the dense products of any method's step (forward jets,
weight gradients, input adjoints: a floor for jets and gradients), and with
the residual alone (timed in the same rounds) the most any method could
gain on the torch route.

In-process evaluation: net.hessian of the Python package at N = 10,000
against the emitted -O3 -march=native file called through ctypes, outputs
freshly allocated on both sides.

Each method runs once to warm up, then the methods take turns, 7 rounds,
and each shows its median. Run alone (bench/train.sh, which runs this
twice: with glibc's default allocator settings and with
GLIBC_TUNABLES=glibc.malloc.hugetlb=1): the machine is shared.
"""

import ctypes
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
from torch import nn

import jetgen
from jetgen.torch import Jet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JETGEN = os.environ.get("JETGEN", os.path.join(ROOT, "build", "jetgen"))
REPEAT = 7


def _example():
    """examples/train-allen-cahn/train.py as a module: the network class
    (PINN, the reference network's shape) is written once, there."""
    import importlib.util
    path = os.path.join(ROOT, "examples", "train-allen-cahn", "train.py")
    spec = importlib.util.spec_from_file_location("train_allen_cahn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PINN = _example().PINN


def reference_network(n_in):
    """The reference network's weights (tests/data/seed-pinn) for n_in = 1;
    the same seed's variant for 3 inputs."""
    torch.manual_seed(0)
    m = PINN([n_in, 50, 50, 50, 501]).double()
    if n_in == 1:
        import json
        import struct
        path = os.path.join(ROOT, "tests", "data", "seed-pinn", "model.safetensors")
        raw = open(path, "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        head = json.loads(raw[8:8 + n])
        state = {}
        for k, v in head.items():
            if k == "__metadata__":
                continue
            a, b = v["data_offsets"]
            dt = {"F32": np.float32, "F64": np.float64}[v["dtype"]]
            state[k] = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dt)
                                        .reshape(v["shape"]).astype(np.float64))
        m.load_state_dict(state)
    return m


def loss_of(u, lap):
    r = 0.0001 * lap - 5 * u ** 3 + 5 * u
    return (r ** 2).mean()


def torch_jets(model, x):
    """u, du (n, k, n_in), lap (n, k): the jets in torch ops."""
    n, n_in = x.shape
    a = x
    da = torch.eye(n_in, dtype=x.dtype).expand(n, n_in, n_in).transpose(1, 2)    # (n, width, n_in)
    lap = torch.zeros_like(x)
    for layer in model.linears:
        if isinstance(layer, nn.Linear):
            a = a @ layer.weight.T + layer.bias
            da = torch.einsum("jk,nki->nji", layer.weight, da)
            lap = lap @ layer.weight.T
        else:
            t = torch.tanh(a)
            s1 = 1 - t * t
            s2 = -2 * t * s1
            lap = s2 * (da * da).sum(-1) + s1 * lap
            da = s1.unsqueeze(-1) * da
            a = t
    return a, da, lap


def functorch_lap(model, x):
    import functorch
    n_in = x.shape[1]

    def f(p):
        return model(p.unsqueeze(0)).squeeze(0)

    def lap_one(p):
        total = 0
        for i in range(n_in):
            v = torch.zeros(n_in, dtype=p.dtype)
            v[i] = 1.0
            total = total + functorch.jvp(lambda q: functorch.jvp(f, (q,), (v,))[1], (p,), (v,))[1]
        return total

    u = model(x)
    lap = functorch.vmap(lap_one)(x)
    return u, lap


def median_time(fn):
    return median_times([fn])[0]


def median_times(fns):
    """(median seconds, last result) of each of fns: one warm-up call each,
    then REPEAT rounds in which they take turns (so that a slow spell of
    the shared machine falls on all of them)."""
    outs = [fn() for fn in fns]
    ts = [[] for _ in fns]
    for _ in range(REPEAT):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            outs[k] = fn()
            ts[k].append(time.perf_counter() - t0)
    return [(float(np.median(t)), o) for t, o in zip(ts, outs)]


def step_grads(model):
    return [p.grad.detach().clone() for p in model.parameters()]


def train_step_rows(n_in, N):
    model = reference_network(n_in)
    x = torch.rand(N, n_in, dtype=torch.float64, generator=torch.Generator().manual_seed(N)) * 2 - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jet = Jet(model, mode="laplacian", threads=1)

    def by_jetgen():
        model.zero_grad()
        u, du, lap = jet(x)
        loss_of(u, lap).backward()
        return step_grads(model)

    def by_torch():
        model.zero_grad()
        u, du, lap = torch_jets(model, x)
        loss_of(u, lap).backward()
        return step_grads(model)

    def by_functorch():
        model.zero_grad()
        u, lap = functorch_lap(model, x)
        loss_of(u, lap).backward()
        return step_grads(model)

    u0, _, lap0 = torch_jets(model, x)
    u0, lap0 = u0.detach().requires_grad_(True), lap0.detach().requires_grad_(True)

    def residual_only():
        # the part of every method's step that is the user's PyTorch code:
        # the residual of given u and lap, and its backward to them
        u0.grad = lap0.grad = None
        loss_of(u0, lap0).backward()
        return []

    rows = []
    (tj, gj), (tt, gt), (tr, _) = median_times([by_jetgen, by_torch, residual_only])
    ok = all(float((a - b).abs().max() / b.abs().max()) <= 1e-10 for a, b in zip(gj, gt))
    rows.append(("jetgen (Jet, laplacian)", tj, ok))
    rows.append(("torch jets + autograd", tt, True))
    rows.append(("(residual + its backward only)", tr, None))
    if N <= 1000 or n_in == 1:
        try:
            tf, gf = median_time(by_functorch)
            okf = all(float((a - b).abs().max() / b.abs().max()) <= 1e-10 for a, b in zip(gf, gt))
            rows.append(("functorch jvp of jvp", tf, okf))
        except Exception as e:      # noqa: BLE001: reported as the row's result
            rows.append(("functorch jvp of jvp: %s" % type(e).__name__, float("nan"), False))
    return rows


def eval_rows():
    N = 10000
    spec = os.path.join(ROOT, "tests", "data", "seed-pinn", "model.spec")
    net = jetgen.load(spec, threads=1)
    x = np.linspace(-1, 1, N).reshape(-1, 1)
    with tempfile.TemporaryDirectory() as folder:
        c, so = os.path.join(folder, "net.c"), os.path.join(folder, "net.so")
        subprocess.run([JETGEN, "emit", spec, "-o", c, "--prefix", "net"], check=True, capture_output=True)
        subprocess.run(["cc", "-std=c99", "-O3", "-march=native", "-shared", "-fPIC", c, "-o", so, "-lm"],
                       check=True)
        lib = ctypes.CDLL(so)
        P = ctypes.POINTER(ctypes.c_double)

        def by_file():
            u, du, d2 = np.empty((N, 501)), np.empty((N, 501, 1)), np.empty((N, 501, 1, 1))
            lib.net_hessian(ctypes.c_size_t(N), x.ctypes.data_as(P), u.ctypes.data_as(P), du.ctypes.data_as(P),
                            d2.ctypes.data_as(P))
            return u, du, d2

        (tf, rf), (tp, rp) = median_times([by_file, lambda: net.hessian(x)])
        t0 = time.perf_counter()
        jetgen.load(spec)
        tl = time.perf_counter() - t0
    same = all(np.array_equal(a, b) for a, b in zip(rf, rp))
    return tf, tp, tl, same


def fma_peak():
    """The machine's double FMA peak on one core in GFLOP/s, measured now
    by bench/peak.c (as bench/run.sh does); on AVX2's vectors where
    JETGEN_ISA=avx2 stands for a machine without AVX-512."""
    import json
    with tempfile.TemporaryDirectory() as folder:
        exe = os.path.join(folder, "peak")
        march = "-march=x86-64-v3" if os.environ.get("JETGEN_ISA") == "avx2" else "-march=native"
        subprocess.run(["gcc", "-O3", march, os.path.join(ROOT, "bench", "peak.c"), "-o", exe], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_gflops"]


def step_fmas(model, n_in):
    """Multiply-adds a point in the dense products of any method's step in
    Laplacian mode (value, n_in first-derivative and one Laplacian
    channels): the forward jets, the weights' gradients, and the adjoints
    of every layer's input but the first; activations not counted, so a
    floor."""
    sizes = [m.in_features * m.out_features for m in model.linears if isinstance(m, nn.Linear)]
    return (n_in + 2) * (2 * sum(sizes) + sum(sizes[1:]))


def main():
    torch.set_num_threads(1)
    peak = fma_peak()
    print("training step: u, du/dx, Laplacian of every output, an Allen-Cahn residual, backward to every "
          "parameter; float64, one thread, median of %d; GLIBC_TUNABLES=%s"
          % (REPEAT, os.environ.get("GLIBC_TUNABLES", "(unset)")))
    print("%-8s %-7s %-30s %12s %12s %s" % ("inputs", "N", "method", "us/point", "vs jetgen", "gradients"))
    for n_in in (1, 3):
        for N in (1000, 10000):
            rows = train_step_rows(n_in, N)
            tj = rows[0][1]
            for name, t, ok in rows:
                print("%-8d %-7d %-30s %12.2f %11.2fx %s" % (n_in, N, name, 1e6 * t / N, t / tj,
                                                            "" if ok is None else "agree" if ok else "DIFFER"))
            floor = 2.0 * step_fmas(reference_network(n_in), n_in) / (peak * 1e9)
            print("%-8s %-7s bounds: the dense products of the jets and gradients take at least %.2f us a point "
                  "at the FMA peak (%.1f GFLOP/s, measured now); with the residual, any method's step is at most "
                  "%.2fx faster than the torch route (%.2fx were the jets free)"
                  % ("", "", 1e6 * floor, peak, rows[1][1] / (rows[2][1] + floor * N),
                     rows[1][1] / rows[2][1]))
    tf, tp, tl, same = eval_rows()
    print("\nin-process evaluation, reference network, N = 10,000, net.hessian (fresh outputs):")
    print("  emitted -O3 file through ctypes  %8.2f ms" % (1e3 * tf))
    print("  jetgen Python package            %8.2f ms  (%.2fx the file; same bits: %s)" % (1e3 * tp, tp / tf,
                                                                                          same))
    print("  jetgen.load of the reference network: %.2f ms" % (1e3 * tl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
