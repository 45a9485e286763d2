"""partials.py: partial derivatives of order 3 and 4 (issue 25) through
jetgen's Net.partials against the PyTorch users write, side by side in one
run, float64, one thread, N points:

  kdv          Raissi's discrete-time KdV network [1, 50 x 4, 50] tanh:
               u, u_x, u_xxx of every output; PyTorch: fwd_gradients
               (a dummy cotangent, twice) three times, as his code
  beam         an Euler-Bernoulli beam network [1, 20 x 3, 1] tanh: u_xxxx;
               PyTorch: torch.autograd.grad nested four times (DeepXDE's)
  biharmonic   a plate network [2, 50 x 3, 1] tanh: u_xxxx, u_xxyy,
               u_yyyy; PyTorch: nested torch.autograd.grad, input by input
  kdv-xt       continuous-time KdV u(x, t), [2, 50 x 4, 1] tanh: u, u_t,
               u_x, u_xxx; PyTorch: nested torch.autograd.grad of u's sum
               with respect to the points, each level giving both inputs'
               columns (u_x and u_t from one call), as PINN codes write it
  kdv-xt20     the same on a narrow deep [2, 20 x 6, 1]
  ks           Kuramoto-Sivashinsky u(x, t), [2, 50 x 4, 1] tanh: u, u_t,
               u_x, u_xx, u_xxxx; PyTorch as kdv-xt
  ks100        the same on a wide [2, 100 x 5, 1]
  cahn-hilliard  u(x, t), [2, 64 x 3, 1] tanh: u, u_t, u_x, u_xx, u_xxxx;
               PyTorch as kdv-xt

Beside each row: the floor, the multiply-adds of the dense products on the
terms' channels (the monomials dividing some term: 4, 5, 13, 5 and 6 here) at the
FMA peak measured in the same run (bench/peak.c), and jetgen's fraction of
it. Each method's best time: blocks of 3 calls (a warm-up, two timed),
the methods' blocks taking turns for 5 rounds (best()).

Then a training step on the same networks, float64 and float32: the loss
of a residual built from the terms (KdV's u + u u_x + u_xxx of every
output, the beam's u_xxxx - 1, the plate's u_xxxx + 2 u_xxyy + u_yyyy,
u_t + 6 u u_x + u_xxx, u_t + u u_x + u_xx + u_xxxx, u_t - (u^3 - u -
0.01 u_xx)_xx), backward to every parameter, an Adam step; PyTorch's by the nested
autograd above (create_graph), its terms separate tensors as its users
have them; jetgen's by jetgen.torch.Jet(model, terms=...), the terms
taken from its (n, n_out, n_terms) result by d.unbind(-1), and again by
slices d[:, :, k] ('sliced': each slice's backward zeroes a whole copy
of d, dear with KdV's 50 outputs). Its floor: three times the forward's dense multiply-adds on
the terms' channels (the forward, the adjoints, the weight gradients) at
the peak (float32's: twice double's). Its bound: the most any method's
ratio could be, PyTorch's step over the floor plus what every method
pays besides the terms (the loss from them, its backward, Adam), timed
in the same run. Run alone (bench/partials.sh): the machine is shared.
"""

import os
import platform
import sys
import time

import numpy as np
import torch
from torch import nn

import jetgen

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from step import fwd_gradients  # noqa: E402
from train import fma_peak  # noqa: E402


def mlp(widths):
    layers = []
    for a, b in zip(widths[:-2], widths[1:-1]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    return nn.Sequential(*layers, nn.Linear(widths[-2], widths[-1])).double()


def channels(terms):
    """The monomials dividing some term (the constant included)."""
    out = {()}
    for t in terms:
        t = tuple(sorted(t))
        stack = [t]
        while stack:
            m = stack.pop()
            if m in out:
                continue
            out.add(m)
            stack.extend(m[:i] + m[i + 1:] for i in range(len(m)))
    return len(out)


def best(*fs, rounds=5, block=3):
    """The best time of each of fs: in each of rounds, each function runs
    block times in a row, its first call a warm-up (its caches and
    allocator as a training loop has them: interleaving single calls made
    the fast method meet the caches the other had left, 10% slower); the
    blocks take turns, so that every method meets the shared machine's
    slower and faster moments alike (one method timed after the other
    saw a neighbour's load on one side only: a ratio moved 25% run to
    run)."""
    t = [float("inf")] * len(fs)
    for _ in range(rounds):
        for i, f in enumerate(fs):
            f()
            for _ in range(block - 1):
                t0 = time.perf_counter()
                f()
                t[i] = min(t[i], time.perf_counter() - t0)
    return t if len(fs) > 1 else t[0]


def kdv(N):
    m = mlp([1, 50, 50, 50, 50, 50])
    X = np.random.default_rng(0).uniform(-1, 1, (N, 1))
    Xt = torch.tensor(X, requires_grad=True)

    def users():
        u = m(Xt)
        return fwd_gradients(fwd_gradients(fwd_gradients(u, Xt), Xt), Xt)
    return m, ["", "x", "xxx"], ["x"], X, users


def beam(N):
    m = mlp([1, 20, 20, 20, 1])
    X = np.random.default_rng(1).uniform(-1, 1, (N, 1))
    Xt = torch.tensor(X, requires_grad=True)

    def users():
        g = m(Xt)
        for _ in range(4):
            g, = torch.autograd.grad(g.sum(), Xt, create_graph=True)
        return g
    return m, ["xxxx"], ["x"], X, users


def biharmonic(N):
    m = mlp([2, 50, 50, 50, 1])
    X = np.random.default_rng(2).uniform(-1, 1, (N, 2))
    Xt = torch.tensor(X, requires_grad=True)

    def users():
        u = m(Xt)

        def d(f, i):
            return torch.autograd.grad(f.sum(), Xt, create_graph=True)[0][:, i]
        uxx, uyy = d(d(u, 0), 0), d(d(u, 1), 1)
        return d(d(uxx, 0), 0), d(d(uxx, 1), 1), d(d(uyy, 1), 1)
    return m, ["xxxx", "xxyy", "yyyy"], ["x", "y"], X, users


def nested(m, Xt, names, terms):
    """{term: its column (n,)} by nested torch.autograd.grad of the sum
    with respect to all the points, each level's call giving every
    input's column (u_x and u_t at once), shared between terms."""
    have = {"": m(Xt)[:, 0]}

    def of(t):
        if t not in have:
            g = torch.autograd.grad(of(t[:-1]).sum(), Xt, create_graph=True)[0]
            for i, c in enumerate(names):
                have.setdefault(t[:-1] + c, g[:, i])
        return have[t]
    return {t: of(t) for t in terms}


def xt_case(widths, terms, seed):
    """A case of one output u(x, t) (kdv-xt, ks, cahn-hilliard)."""
    def case(N):
        m = mlp(widths)
        X = np.random.default_rng(seed).uniform(-1, 1, (N, 2))
        Xt = torch.tensor(X, requires_grad=True)
        return m, terms, ["x", "t"], X, lambda: nested(m, Xt, "xt", terms)
    return case


KDV_XT, KS_XT = ["", "t", "x", "xxx"], ["", "t", "x", "xx", "xxxx"]
CASES = (("kdv", kdv), ("beam", beam), ("biharmonic", biharmonic),
         ("kdv-xt", xt_case([2, 50, 50, 50, 50, 1], KDV_XT, 3)),
         ("kdv-xt20", xt_case([2, 20, 20, 20, 20, 20, 20, 1], KDV_XT, 4)),
         ("ks", xt_case([2, 50, 50, 50, 50, 1], KS_XT, 5)),
         ("ks100", xt_case([2, 100, 100, 100, 100, 100, 1], KS_XT, 6)),
         ("cahn-hilliard", xt_case([2, 64, 64, 64, 1], KS_XT, 7)))


def residual(name, d):
    """The case's PDE residual from the terms d, a sequence of (n, n_out)
    tensors in the case's order of terms, as PyTorch's step and jetgen's
    both build it."""
    if name == "kdv":
        return d[0] + d[0] * d[1] + d[2]
    if name == "beam":
        return d[0] - 1
    if name == "biharmonic":
        return d[0] + 2 * d[1] + d[2]
    u, ut, ux = d[0], d[1], d[2]
    if name.startswith("kdv-xt"):                       # u_t + 6 u u_x + u_xxx
        return ut + 6 * u * ux + d[3]
    if name.startswith("ks"):                           # u_t + u u_x + u_xx + u_xxxx
        return ut + u * ux + d[3] + d[4]
    # Cahn-Hilliard: u_t = (u^3 - u - 0.01 u_xx)_xx
    return ut - (6 * u * ux ** 2 + (3 * u ** 2 - 1) * d[3] - 0.01 * d[4])


def step_users(name, m, Xt):
    """PyTorch's terms at Xt, each (n, n_out), differentiable again: the
    nested autograd of the first table, as its users have them (separate
    tensors: nothing stacked)."""
    if name == "kdv":
        u = m(Xt)
        ux = fwd_gradients(u, Xt)
        return u, ux, fwd_gradients(fwd_gradients(ux, Xt), Xt)
    if name == "beam":
        g = m(Xt)
        for _ in range(4):
            g, = torch.autograd.grad(g.sum(), Xt, create_graph=True)
        return (g,)
    if name != "biharmonic":
        terms = KDV_XT if name.startswith("kdv-xt") else KS_XT
        d = nested(m, Xt, "xt", terms)
        return tuple(d[t].reshape(-1, 1) for t in terms)
    u = m(Xt)

    def d(f, i):
        return torch.autograd.grad(f.sum(), Xt, create_graph=True)[0][:, i]
    uxx, uyy = d(d(u, 0), 0), d(d(u, 1), 1)
    return tuple(v.reshape(-1, 1) for v in (d(d(uxx, 0), 0), d(d(uxx, 1), 1), d(d(uyy, 1), 1)))


def sliced(d):
    """The terms of Jet's (n, n_out, n_terms) result taken as d[:, :, k]:
    each slice's backward zeroes a whole (n, n_out, n_terms) tensor (a
    loss on KdV's 50 outputs: 2.6 ms at 1,000 points against 0.8 by
    unbind, session 15)."""
    return [d[:, :, k] for k in range(d.shape[2])]


def training(counts, peak):
    from jetgen.torch import Jet
    print()
    print("a training step (loss of the residual, backward, Adam):")
    print("(jetgen's loss takes the terms by d.unbind(-1); 'sliced': by d[:, :, k], whose backward")
    print("zeroes a whole copy of d a slice; PyTorch's terms are separate tensors, as users have them)")
    print("%-13s %-7s %6s  %14s %12s %7s  %9s %7s %7s  %12s %7s" % (
        "network", "dtype", "N", "PyTorch us/pt", "jetgen us/pt", "ratio", "floor", "jetgen", "bound",
        "sliced us/pt", "ratio"))
    for N in counts:
        for dtype in (torch.float64, torch.float32):
            for name, case in CASES:
                m, terms, names, X, _ = case(N)
                m = m.to(dtype)
                Xt = torch.tensor(X, dtype=dtype, requires_grad=True)
                opt = torch.optim.Adam(m.parameters(), lr=1e-6)
                jet = Jet(m, input_names=names, terms=terms, threads=1)

                def users():
                    loss = (residual(name, step_users(name, m, Xt)) ** 2).mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()

                def ours():         # the terms split by unbind, as the README's Python section shows
                    loss = (residual(name, jet(Xt).unbind(-1)) ** 2).mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()

                def ours_sliced():  # the terms split by slices d[:, :, k]
                    loss = (residual(name, sliced(jet(Xt))) ** 2).mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                held = [t.detach().requires_grad_() for t in step_users(name, m, Xt)]

                def rest():         # what every method pays besides the terms: loss, its backward, Adam
                    loss = (residual(name, held) ** 2).mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                t_j, t_u, t_r, t_s = best(ours, users, rest, ours_sliced)
                sizes = [l.in_features * l.out_features for l in m if isinstance(l, nn.Linear)]
                rate = peak * (2 if dtype == torch.float32 else 1)
                floor = 3 * 2.0 * channels(terms) * sum(sizes) / (rate * 1e9)
                print("%-13s %-7s %6d  %14.2f %12.2f %6.1fx  %6.2f us %6.1f%% %6.1fx  %12.2f %6.1fx" % (
                    name, str(dtype).replace("torch.", ""), N, t_u / N * 1e6, t_j / N * 1e6, t_u / t_j,
                    floor * 1e6, 100 * floor * N / t_j, t_u / (floor * N + t_r), t_s / N * 1e6, t_u / t_s),
                    flush=True)


def main():
    global CASES
    torch.set_num_threads(1)
    torch.manual_seed(0)
    counts = [int(a) for a in sys.argv[1:] if a.isdigit()] or [1000]
    named = [a for a in sys.argv[1:] if a in dict(CASES)]
    CASES = tuple(c for c in CASES if not named or c[0] in named)
    peak = fma_peak()
    model_name = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                       if line.startswith("model name")), platform.machine())
    isa = "AVX-512" if "avx512f" in open("/proc/cpuinfo").read() else "AVX2"
    if os.environ.get("JETGEN_ISA") == "avx2" and isa == "AVX-512":
        isa = "AVX-512 machine as AVX2"
    print("machine: %s (%s), %s, one thread, float64; FMA peak %.1f GFLOP/s (double, bench/peak.c, this run)"
          % (model_name, isa, platform.python_version(), peak))
    print("%-13s %6s  %14s %12s %7s  %9s %7s" % ("network", "N", "PyTorch us/pt", "jetgen us/pt", "ratio",
                                               "floor", "jetgen"))
    for N in counts:
        for name, case in CASES:
            m, terms, names, X, users = case(N)
            net = jetgen.from_torch(m, threads=1, input_names=names, terms=terms)
            t_j, t_u = best(lambda: net.partials(X), users)
            sizes = [l.in_features * l.out_features for l in m if isinstance(l, nn.Linear)]
            floor = 2.0 * channels(terms) * sum(sizes) / (peak * 1e9)
            print("%-13s %6d  %14.2f %12.2f %6.1fx  %6.2f us %6.1f%%" % (
                name, N, t_u / N * 1e6, t_j / N * 1e6, t_u / t_j, floor * 1e6, 100 * floor * N / t_j),
                flush=True)
    if "--no-step" not in sys.argv:
        training(counts, peak)


if __name__ == "__main__":
    main()
