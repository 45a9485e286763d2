"""Allen-Cahn with a discrete-time Runge-Kutta PINN (Raissi, Perdikaris and
Karniadakis 2019, section 4.2), trained twice from one initialization in
float64: with jetgen.torch.Jet, and with the fastest plain PyTorch route
(the network's jets written in torch ops, then autograd).

    u_t = 0.0001 u_xx - 5 u^3 + 5 u,  x in [-1, 1],  periodic,
    u(0, x) = x^2 cos(pi x)

One implicit Runge-Kutta step of q Gauss-Legendre stages from t = 0 to
t = dt: the network x -> (U_1 .. U_q, U_{q+1}) (the stages and u at dt),
and each of its q + 1 outputs must give back u(0, x):
    U_j + dt sum_k a_jk N[U_k] = u(0, x),   N[u] = -0.0001 u_xx + 5 u^3 - 5 u
(the last row with b), plus periodicity of U and U_x. The loss needs u,
u_x and u_xx of every output: the reference network's family (1 input,
q + 1 outputs, three hidden tanh layers of 50).

    PYTHONPATH=build/python /usr/bin/python3 examples/train-allen-cahn/train.py [--steps N] [--q Q]

prints the time per step of both, checks that their loss histories agree
(relative 1e-8 over the first 100 steps), and writes loss.png and
solution.png beside this file.
"""

import argparse
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from jetgen.torch import Jet

HERE = os.path.dirname(os.path.abspath(__file__))


def gauss_legendre_irk(q):
    """Butcher tableau (A, b, c) of the q-stage Gauss-Legendre method:
    a_ij = the integral from 0 to c_i of the Lagrange polynomial l_j through
    the nodes, by Gauss quadrature with l_j in barycentric form (stable; a
    Vandermonde solve is not beyond q = 20), and the largest residual of
    the order conditions sum_j a_ij c_j^(k-1) = c_i^k / k, k <= q."""
    nodes, weights = np.polynomial.legendre.leggauss(q)
    c = (nodes + 1) / 2
    b = weights / 2
    w = np.array([1.0 / np.prod([c[j] - c[k] for k in range(q) if k != j]) for j in range(q)])
    w /= np.abs(w).max()
    t, tw = np.polynomial.legendre.leggauss(q)
    A = np.zeros((q, q))
    for i in range(q):
        tau = c[i] * (t + 1) / 2                    # quadrature nodes on [0, c_i]
        terms = w[None, :] / (tau[:, None] - c[None, :])
        L = terms / terms.sum(axis=1, keepdims=True)    # l_j(tau), barycentric
        A[i] = (c[i] / 2) * (tw[:, None] * L).sum(axis=0)
    cond = max(np.abs(A @ c ** (k - 1) - c ** k / k).max() for k in range(1, q + 1))
    return A, b, c, cond


class PINN(nn.Module):
    """The reference network's shape: Linear and Tanh in one ModuleList."""

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


def torch_jets(model, x):
    """u, u_x, u_xx of every output (n, out), one input: the jets of the
    network written in torch ops (the fastest PyTorch route for this)."""
    a, da, d2a = x, torch.ones_like(x), torch.zeros_like(x)
    for layer in model.linears:
        if isinstance(layer, nn.Linear):
            a = a @ layer.weight.T + layer.bias
            da = da @ layer.weight.T
            d2a = d2a @ layer.weight.T
        else:
            t = torch.tanh(a)
            s1 = 1 - t * t
            a, da, d2a = t, s1 * da, -2 * t * s1 * da * da + s1 * d2a
    return a, da, d2a


def residual_loss(u, ux, uxx, u0, A1, dt, n_pts):
    """The discrete-time loss of one Runge-Kutta step (u: (n, q + 1))."""
    q = u.shape[1] - 1
    N = -0.0001 * uxx[:, :q] + 5 * u[:, :q] ** 3 - 5 * u[:, :q]
    U0 = u + dt * N @ A1.T                     # (n, q + 1): each row must give u0
    interior = ((U0[:n_pts] - u0) ** 2).sum()
    periodic = ((u[n_pts] - u[n_pts + 1]) ** 2).sum() + ((ux[n_pts] - ux[n_pts + 1]) ** 2).sum()
    return interior + periodic


def train(model, jets, x, u0, A1, dt, steps, n_pts):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    history, times = [], []
    for step in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        u, ux, uxx = jets(x)
        loss = residual_loss(u, ux, uxx, u0, A1, dt, n_pts)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        history.append(loss.item())
    return history, times


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000, help="Adam steps with jetgen (default 2000)")
    ap.add_argument("--compare", type=int, default=100, help="steps trained both ways and compared (default 100)")
    ap.add_argument("--q", type=int, default=100, help="Runge-Kutta stages (default 100)")
    ap.add_argument("--points", type=int, default=200, help="collocation points (default 200)")
    ap.add_argument("--lbfgs", type=int, default=3000, help="L-BFGS iterations after Adam (default 3000)")
    ap.add_argument("--no-plots", action="store_true")
    a = ap.parse_args(argv[1:])
    torch.set_num_threads(1)
    torch.manual_seed(1234)
    q, dt, n_pts = a.q, 0.1, a.points
    A, b, c, resid = gauss_legendre_irk(q)
    print("Gauss-Legendre, q = %d stages: order conditions hold to %.1e" % (q, resid))
    if resid > 1e-12 or np.abs(A).max() > 1:
        print("the tableau is not reliable at q = %d: choose a smaller q" % q)
        return 1
    A1 = torch.tensor(np.vstack([A, b]), dtype=torch.float64)        # (q + 1, q)
    xs = torch.linspace(-1, 1, n_pts, dtype=torch.float64).reshape(-1, 1)
    x = torch.cat([xs, torch.tensor([[-1.0], [1.0]], dtype=torch.float64)])     # + the two boundaries
    u0 = (xs ** 2 * torch.cos(math.pi * xs))
    init = PINN([1, 50, 50, 50, q + 1]).double()
    state = {k: v.clone() for k, v in init.state_dict().items()}

    # PyTorch: the jets in torch ops, autograd for the parameters
    ref = PINN([1, 50, 50, 50, q + 1]).double()
    ref.load_state_dict(state)
    hist_t, time_t = train(ref, lambda x: torch_jets(ref, x), x, u0, A1, dt, a.compare, n_pts)

    # jetgen: the same network, the same steps
    model = PINN([1, 50, 50, 50, q + 1]).double()
    model.load_state_dict(state)
    jet = Jet(model, mode="hessian", threads=1)

    def jets(x):
        u, du, d2u = jet(x)
        return u, du[:, :, 0], d2u[:, :, 0, 0]

    hist_j, time_j = train(model, jets, x, u0, A1, dt, max(a.steps, a.compare), n_pts)
    worst = max(abs(hj - ht) / abs(ht) for hj, ht in zip(hist_j[:a.compare], hist_t))
    # then L-BFGS, as Raissi et al. train, through the same Jet
    lbfgs = torch.optim.LBFGS(model.parameters(), max_iter=a.lbfgs, history_size=50, tolerance_grad=1e-12,
                              tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        u, ux, uxx = jets(x)
        loss = residual_loss(u, ux, uxx, u0, A1, dt, n_pts)
        loss.backward()
        hist_j.append(loss.item())
        return loss
    if a.lbfgs > 0:
        lbfgs.step(closure)
    n = x.shape[0]
    tj, tt = np.median(time_j[1:a.compare]), np.median(time_t[1:])
    print("loss: step 1 %.6e, step %d %.6e, step %d %.6e" % (hist_j[0], a.compare, hist_j[a.compare - 1],
                                                           len(hist_j), hist_j[-1]))
    print("loss histories over %d steps: largest relative difference %.2e" % (a.compare, worst))
    print("time per step (%d points, %d outputs, one thread, median): jetgen %.2f ms (%.1f us/point), "
          "PyTorch %.2f ms (%.1f us/point): %.1fx" % (n, q + 1, 1e3 * tj, 1e6 * tj / n, 1e3 * tt, 1e6 * tt / n,
                                                      tt / tj))
    ok = worst <= 1e-8
    print("agree: %s" % ("yes" if ok else "NO"))
    if not a.no_plots:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.semilogy(range(1, len(hist_j) + 1), hist_j, label="jetgen.torch.Jet")
        ax.semilogy(range(1, len(hist_t) + 1), hist_t, "--", label="PyTorch (jets in torch ops)")
        ax.axvline(max(a.steps, a.compare), color="gray", lw=0.5)
        ax.set_xlabel("Adam steps, then L-BFGS evaluations")
        ax.set_ylabel("loss")
        ax.set_title("Allen-Cahn, Runge-Kutta PINN, q = %d" % q)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(HERE, "loss.png"), dpi=100)
        with torch.no_grad():
            xf = torch.linspace(-1, 1, 400, dtype=torch.float64).reshape(-1, 1)
            uf = model(xf)
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(xf.numpy(), (xf ** 2 * torch.cos(math.pi * xf)).numpy(), label="u(0, x)")
        ax.plot(xf.numpy(), uf[:, -1].numpy(), label="u(%.1f, x), the network" % dt)
        ax.set_xlabel("x")
        ax.legend()
        ax.set_title("Allen-Cahn: one Runge-Kutta step of %d stages" % q)
        fig.tight_layout()
        fig.savefig(os.path.join(HERE, "solution.png"), dpi=100)
        print("wrote %s and %s" % (os.path.join(HERE, "loss.png"), os.path.join(HERE, "solution.png")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
