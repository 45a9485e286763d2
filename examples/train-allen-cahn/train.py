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

import numpy as np
import torch
from torch import nn

from jetgen.torch import Jet

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from pinn import gauss_legendre_irk, plot_loss, report, train  # noqa: E402


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
    hist_t, time_t = train(ref, lambda: residual_loss(*torch_jets(ref, x), u0, A1, dt, n_pts), a.compare)

    # jetgen: the same network, the same steps
    model = PINN([1, 50, 50, 50, q + 1]).double()
    model.load_state_dict(state)
    jet = Jet(model, mode="hessian", threads=1)

    def jets(x):
        u, du, d2u = jet(x)
        return u, du[:, :, 0], d2u[:, :, 0, 0]

    hist_j, time_j = train(model, lambda: residual_loss(*jets(x), u0, A1, dt, n_pts), max(a.steps, a.compare))
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
    ok = report(hist_j, time_j, hist_t, time_t, a.compare, x.shape[0], "%d outputs" % (q + 1),
                "PyTorch (jets in torch ops)")
    if not a.no_plots:
        plt = plot_loss(os.path.join(HERE, "loss.png"), hist_j, hist_t, "PyTorch (jets in torch ops)",
                        "Allen-Cahn, Runge-Kutta PINN, q = %d" % q, max(a.steps, a.compare))
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
