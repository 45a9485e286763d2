"""step.py: a PINN training step through jetgen.torch.Jet against the
route users write, side by side in one run (issue 22's three networks).

  burgers    [2, 20 x 8, 1] tanh (Raissi's Burgers network): residual
             u_t + u u_x - 0.01/pi u_xx; Jet in hessian_diag mode over x
             only; the users' route: nested torch.autograd.grad (DeepXDE's)
  poisson    [3, 64, 64, 64, 1] tanh: residual lap u + 1; Jet in laplacian
             mode; the users' route: nested torch.autograd.grad, input by
             input
  reference  [1, 50, 50, 50, 501] tanh (Raissi's discrete-time
             Allen-Cahn): residual u - 0.1 (0.0001 u_xx - 5 u^3 + 5 u) of
             every output; Jet in hessian mode; the users' route: Raissi's
             fwd_gradients (a dummy cotangent, twice)

each at N = 1,000 and 10,000 points, in float64 and float32 (the module
and points in that dtype; Jet computes float32 in float32), one
thread (threads=K: K threads for both, the floor at K cores' peak),
loss = mean(r^2), backward() to every parameter, then an SGD step (lr 1e-3: weights change at every step, in float32 too, so Jet
writes the new weights into its network at every step, as in training;
at lr 1e-6 no float32 weight of the Burgers network changed, and Jet's
write was skipped). Before the timed steps, at
the same weights, Jet's parameter gradients are compared with the users'
route's (normwise per tensor; float64: at most 1e-10).

Beside each row: the floor, the multiply-adds of the step's dense
products any method must do (the forward jets' channels through every
layer, the weights' gradients, the adjoints of every layer's input but
the first: activations not counted) at the FMA peak of one core
(bench/peak.c, in double; float32's taken as twice it) measured in the
same run, and each method's fraction of it; and the bound on any
method's ratio: the users' step over the floor plus what every method
pays besides the network (the loss from u, du, d2 and its backward to
them, the SGD step), timed in the same rounds. After the steps, jetgen's
two C calls alone (the forward jets, the gradient) with their floors'
fractions; and Jet's own cost a step (its Python: the parameters' sync, the
checks, the arrays; timed around jetgen's C calls) beside the step.
The methods take turns for REPEAT rounds (a slow spell of the shared
machine falls on all of them); in each round a method runs WARM steps
untimed and then one timed, as a training loop runs its steps back to
back (a step timed right after another method's starts on caches and
pages that method left); medians. Run alone, from bench/step.sh: the
machine is shared.
"""

import math
import os
import platform
import sys
import time

import numpy as np
import torch
from torch import nn

from jetgen.torch import Jet, _JetFunction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import fma_peak  # noqa: E402


def mlp(widths):
    layers = []
    for a, b in zip(widths[:-2], widths[1:-1]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    return nn.Sequential(*layers, nn.Linear(widths[-2], widths[-1]))


class XT(nn.Module):
    """forward(x, t), as PINN code writes Burgers' network."""

    def __init__(self, widths):
        super().__init__()
        self.net = mlp(widths)

    def forward(self, x, t):
        return self.net(torch.cat([x, t], dim=1))


# ---- the users' routes

def burgers_user(model, x, t):
    x = x.clone().requires_grad_(True)
    t = t.clone().requires_grad_(True)
    u = model(x, t)
    u_x, u_t = torch.autograd.grad(u.sum(), (x, t), create_graph=True)
    u_xx, = torch.autograd.grad(u_x.sum(), x, create_graph=True)
    return ((u_t + u * u_x - 0.01 / math.pi * u_xx) ** 2).mean()


def burgers_loss(u, du, d2):
    return ((du[:, 0, 1] + u[:, 0] * du[:, 0, 0] - 0.01 / math.pi * d2[:, 0, 0]) ** 2).mean()


def burgers_jet(jet, x, t):
    return burgers_loss(*jet(x, t))


def poisson_user(model, x):
    x = x.clone().requires_grad_(True)
    u = model(x)
    g, = torch.autograd.grad(u.sum(), x, create_graph=True)
    lap = sum(torch.autograd.grad(g[:, i].sum(), x, create_graph=True)[0][:, i] for i in range(x.shape[1]))
    return ((lap + 1.0) ** 2).mean()


def poisson_loss(u, du, lap):
    return ((lap[:, 0] + 1.0) ** 2).mean()


def poisson_jet(jet, x):
    return poisson_loss(*jet(x))


def fwd_gradients(u, x):
    """Raissi's forward-mode trick: du/dx of every column of u, (n, q)."""
    v = torch.ones_like(u, requires_grad=True)
    g, = torch.autograd.grad(u, x, v, create_graph=True)
    d, = torch.autograd.grad(g, v, torch.ones_like(g), create_graph=True)
    return d


def reference_user(model, x):
    x = x.clone().requires_grad_(True)
    u = model(x)
    u_x = fwd_gradients(u, x)
    u_xx = fwd_gradients(u_x, x)
    return ((u - 0.1 * (0.0001 * u_xx - 5 * u ** 3 + 5 * u)) ** 2).mean()


def reference_loss(u, du, d2):
    u_xx = d2[:, :, 0, 0]
    return ((u - 0.1 * (0.0001 * u_xx - 5 * u ** 3 + 5 * u)) ** 2).mean()


def reference_jet(jet, x):
    return reference_loss(*jet(x))


# ---- the floor

def floor_fmas(widths, channels):
    """Multiply-adds a point in the dense products of any method's step."""
    sizes = [a * b for a, b in zip(widths[:-1], widths[1:])]
    return channels * (2 * sum(sizes) + sum(sizes[1:]))


CASES = [
    # name, widths, Jet's mode and arguments, channels (value, first, second)
    ("burgers", [2] + [20] * 8 + [1], dict(mode="hessian_diag", over=["x"]), 1 + 2 + 1),
    ("poisson", [3, 64, 64, 64, 1], dict(mode="laplacian"), 1 + 3 + 1),
    ("reference", [1, 50, 50, 50, 501], dict(mode="hessian"), 1 + 1 + 1),
]
REPEAT = 5
WARM = 2


def median_times(fns):
    """(median seconds, last result) of each of fns over REPEAT rounds in
    which they take turns, each running WARM times untimed before its
    timed call."""
    outs = [None] * len(fns)
    ts = [[] for _ in fns]
    for _ in range(REPEAT):
        for k, fn in enumerate(fns):
            for _ in range(WARM):
                fn()
            t0 = time.perf_counter()
            outs[k] = fn()
            ts[k].append(time.perf_counter() - t0)
    return [(float(np.median(t)), o) for t, o in zip(ts, outs)]


def grads(model):
    return [torch.zeros_like(p, dtype=torch.float64) if p.grad is None else p.grad.detach().double().clone()
            for p in model.parameters()]


def normwise(a, b):
    n = b.abs().max().item()
    return (a - b).abs().max().item() / n if n > 0 else (a - b).abs().max().item()


def main():
    # threads=K: both sides on K threads (PyTorch's intra-op threads, Jet's
    # points split over K), the floor at K times one core's peak
    threads = [int(v.split("=", 1)[1]) for v in sys.argv[1:] if v.startswith("threads=")]
    threads = threads[-1] if threads else 1
    if threads < 1:
        sys.exit("step.py: threads=%d: at least 1" % threads)
    argv = [v for v in sys.argv[1:] if not v.startswith("threads=")]
    torch.set_num_threads(threads)
    names = [v for v in argv if not v.isdigit()]
    unknown = [v for v in names if v not in [c[0] for c in CASES]]
    if unknown:
        sys.exit("step.py: no network %s (%s)" % (unknown[0], ", ".join(c[0] for c in CASES)))
    sizes = [int(v) for v in argv if v.isdigit()] or [1000, 10000]
    peak = fma_peak() * threads
    isa = "AVX-512" if "avx512f" in open("/proc/cpuinfo").read() else "AVX2"
    if os.environ.get("JETGEN_ISA") == "avx2" and isa == "AVX-512":
        isa = "AVX-512 machine as AVX2: jetgen's, PyTorch's and OpenBLAS's kernels"
    model_name = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
    print("machine: %s (%s), %s, %s; FMA peak %.1f GFLOP/s (double, bench/peak.c, this run%s)"
          % (model_name, isa, platform.python_version(), "one thread" if threads == 1 else "%d threads" % threads,
             peak, "" if threads == 1 else "; one core's times %d" % threads))
    print("%-10s %-8s %6s  %12s %12s %6s  %10s %7s %7s %6s  %s" % (
        "network", "dtype", "N", "users us/pt", "Jet us/pt", "ratio", "floor", "users", "Jet", "bound", "grads"))
    alone, own = [], []
    for name, widths, jet_args, channels in CASES:
        if names and name not in names:
            continue
        for dtype in (torch.float64, torch.float32):
            torch.manual_seed(0)
            model = (XT(widths) if name == "burgers" else mlp(widths)).to(dtype)
            jet = Jet(model, threads=threads, **jet_args)
            for N in sizes:
                g = torch.Generator().manual_seed(1)
                pts = torch.rand(N, widths[0], generator=g, dtype=torch.float64).to(dtype)
                args = (pts[:, :1], pts[:, 1:]) if name == "burgers" else (pts,)
                user = {"burgers": burgers_user, "poisson": poisson_user, "reference": reference_user}[name]
                mine = {"burgers": burgers_jet, "poisson": poisson_jet, "reference": reference_jet}[name]
                loss = {"burgers": burgers_loss, "poisson": poisson_loss, "reference": reference_loss}[name]

                model.zero_grad()
                user(model, *args).backward()
                g_user = grads(model)
                model.zero_grad()
                mine(jet, *args).backward()
                g_jet = grads(model)
                opt = torch.optim.SGD(model.parameters(), lr=1e-3)

                def by_user():
                    model.zero_grad()
                    user(model, *args).backward()
                    opt.step()

                def by_jet():
                    model.zero_grad()
                    mine(jet, *args).backward()
                    opt.step()
                with torch.no_grad():
                    res = [r.detach().clone().requires_grad_(True) for r in jet(*args)]

                def by_loss():      # what any method pays besides the network
                    model.zero_grad()
                    for r in res:
                        r.grad = None
                    loss(*res).backward()
                    opt.step()
                (t_user, _), (t_jet, _), (t_loss, _) = median_times([by_user, by_jet, by_loss])
                err = max(normwise(a, b) for a, b in zip(g_jet, g_user))
                # float32's peak: twice double's (twice the numbers a vector)
                fpeak = peak * (2 if dtype == torch.float32 else 1)
                floor = 2.0 * floor_fmas(widths, channels) / (fpeak * 1e9)     # seconds a point
                alone.append(c_calls(jet, name, widths, channels, dtype, N, fpeak))
                own.append((name, str(dtype).replace("torch.", ""), N) + own_cost(jet, by_jet) + (t_jet * 1e6,))
                ok = err <= 1e-10 if dtype == torch.float64 else True
                print("%-10s %-8s %6d  %12.2f %12.2f %5.2fx  %8.2f us %6.1f%% %6.1f%% %5.1fx  %.1e%s" % (
                    name, str(dtype).replace("torch.", ""), N, t_user / N * 1e6, t_jet / N * 1e6,
                    t_user / t_jet, floor * 1e6, 100 * floor * N / t_user, 100 * floor * N / t_jet,
                    t_user / (t_loss + floor * N), err,
                    "" if ok else "  GRADIENTS DIFFER"), flush=True)
    print("\njetgen's C calls alone (net.<mode> and net.gradient through the Python package), us a point "
          "(fraction of their floors: the forward's dense products; the gradient's recomputed forward but for "
          "the last layer, weights' gradients and inputs' adjoints):")
    print("%-10s %-8s %6s  %14s %14s" % ("network", "dtype", "N", "forward", "gradient"))
    for row in alone:
        print("%-10s %-8s %6d  %6.2f (%4.1f%%)  %6.2f (%4.1f%%)" % row, flush=True)
    print("\nJet's own cost a step (its Python in jet() and in backward besides jetgen's C calls: the parameters' "
          "sync, the checks, the arrays; medians of %d steps), against the step of the table above:" % OWN_STEPS)
    print("%-10s %-8s %6s  %10s %10s %10s %8s" % ("network", "dtype", "N", "forward", "backward", "step", "share"))
    for name, dtype, N, f, b, step in own:
        print("%-10s %-8s %6d  %7.1f us %7.1f us %7.0f us %7.1f%%" % (name, dtype, N, f, b, step,
                                                                   100 * (f + b) / step), flush=True)


OWN_STEPS = 41


def own_cost(jet, step):
    """(forward, backward) us of Jet's own cost a step: the time in jet()
    and in its autograd backward besides the C calls (net._run,
    net._gradient_flat), by wrappers around them (each costs well under
    a microsecond); medians of OWN_STEPS steps."""
    t = {"jet": 0.0, "backward": 0.0, "run": 0.0, "gradient": 0.0}
    undo = []

    def timed(obj, attr, key, static=False):
        f = getattr(obj, attr)

        def g(*a, **k):
            t0 = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                t[key] += time.perf_counter() - t0
        undo.append((obj, attr, obj.__dict__[attr] if static else None))
        setattr(obj, attr, staticmethod(g) if static else g)
    for net in jet._nets:
        timed(net, "_run_rows", "run")
        timed(net, "_gradient_flat", "gradient")
    timed(jet, "jet", "jet")
    timed(_JetFunction, "backward", "backward", static=True)
    fwd, back = [], []
    try:
        for _ in range(OWN_STEPS):
            for k in t:
                t[k] = 0.0
            step()
            fwd.append(t["jet"] - t["run"])
            back.append(t["backward"] - t["gradient"])
    finally:
        for obj, attr, was in undo:
            if was is None:
                delattr(obj, attr)
            else:
                setattr(obj, attr, was)
    return float(np.median(fwd)) * 1e6, float(np.median(back)) * 1e6


def c_calls(jet, name, widths, channels, dtype, N, fpeak):
    """(name, dtype, N, forward us a point, % of its floor, gradient us a
    point, % of its floor) of the network Jet computes with."""
    net = jet.net if dtype == torch.float64 or jet.net.float32_twin is None else jet.net.float32_twin
    x = np.random.default_rng(3).uniform(0, 1, (N, widths[0])).astype(net.dtype)
    res = getattr(net, jet.mode)(x)
    cot = [np.ones_like(r) for r in res]
    (t_f, _), (t_g, _) = median_times([lambda: getattr(net, jet.mode)(x),
                                        lambda: net.gradient(jet.mode, x, *cot)])
    sizes = [a * b for a, b in zip(widths[:-1], widths[1:])]
    f_fwd = 2.0 * channels * sum(sizes) / (fpeak * 1e9)
    f_grad = 2.0 * channels * (sum(sizes[:-1]) + sum(sizes) + sum(sizes[1:])) / (fpeak * 1e9)
    return (name, str(dtype).replace("torch.", ""), N, t_f / N * 1e6, 100 * f_fwd * N / t_f,
            t_g / N * 1e6, 100 * f_grad * N / t_g)


if __name__ == "__main__":
    main()
