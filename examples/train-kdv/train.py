"""KdV with a discrete-time Runge-Kutta PINN (Raissi, Perdikaris and
Karniadakis 2019, section 4.2's KdV network), trained twice from one
initialization in float64: with jetgen.torch.Jet(terms=...), and with the
PyTorch Raissi's code writes (fwd_gradients, a dummy cotangent, nested
three times for u_xxx of every output).

    u_t + u u_x + 0.0025 u_xxx = 0,  x in [-1, 1],  periodic,
    u(0, x) = cos(pi x)

(Zabusky and Kruskal's equation, the coefficients of Raissi's KdV data.)
One implicit Runge-Kutta step of q Gauss-Legendre stages from t = 0 to
t = dt: the network x -> (U_1 .. U_q, U_{q+1}) (the stages and u at dt),
and each of its q + 1 outputs must give back u(0, x):
    U_j + dt sum_k a_jk N[U_k] = u(0, x),   N[u] = u u_x + 0.0025 u_xxx
(the last row with b), plus periodicity of U, U_x and U_xx. The loss needs
u, u_x, u_xx and u_xxx of every output: jetgen's terms "", x, xx, xxx, of
a [1, 50 x 4, q + 1] tanh network.

    PYTHONPATH=build/python /usr/bin/python3 examples/train-kdv/train.py [--steps N] [--q Q]

prints the time per step of both, checks that their loss histories agree
(relative 1e-8 over the first --compare steps), and writes loss.png and
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
from pinn import fwd_gradients, gauss_legendre_irk, plot_loss, report, train  # noqa: E402

NU = 0.0025     # the dispersion coefficient


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def torch_terms(model, x):
    """u, u_x, u_xx, u_xxx of every output (n, out) as Raissi's code gets them."""
    x = x.clone().requires_grad_(True)
    u = model(x)
    ux = fwd_gradients(u, x)
    uxx = fwd_gradients(ux, x)
    return u, ux, uxx, fwd_gradients(uxx, x)


def residual_loss(u, ux, uxx, uxxx, u0, A1, dt, n_pts):
    """The discrete-time loss of one Runge-Kutta step (u: (n, q + 1))."""
    q = u.shape[1] - 1
    N = u[:, :q] * ux[:, :q] + NU * uxxx[:, :q]
    U0 = u + dt * N @ A1.T                     # (n, q + 1): each row must give u0
    interior = ((U0[:n_pts] - u0) ** 2).sum()
    periodic = sum(((d[n_pts] - d[n_pts + 1]) ** 2).sum() for d in (u, ux, uxx))
    return interior + periodic


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000, help="Adam steps with jetgen (default 2000)")
    ap.add_argument("--compare", type=int, default=50, help="steps trained both ways and compared (default 50)")
    ap.add_argument("--q", type=int, default=50, help="Runge-Kutta stages (default 50, Raissi's)")
    ap.add_argument("--dt", type=float, default=0.2, help="the step (default 0.2)")
    ap.add_argument("--points", type=int, default=200, help="collocation points (default 200)")
    ap.add_argument("--lbfgs", type=int, default=1000, help="L-BFGS iterations after Adam (default 1000)")
    ap.add_argument("--no-plots", action="store_true")
    a = ap.parse_args(argv[1:])
    torch.set_num_threads(1)
    torch.manual_seed(1234)
    q, dt, n_pts = a.q, a.dt, a.points
    A, b, c, resid = gauss_legendre_irk(q)
    print("Gauss-Legendre, q = %d stages: order conditions hold to %.1e" % (q, resid))
    if resid > 1e-12 or np.abs(A).max() > 1:
        print("the tableau is not reliable at q = %d: choose a smaller q" % q)
        return 1
    A1 = torch.tensor(np.vstack([A, b]), dtype=torch.float64)        # (q + 1, q)
    xs = torch.linspace(-1, 1, n_pts, dtype=torch.float64).reshape(-1, 1)
    x = torch.cat([xs, torch.tensor([[-1.0], [1.0]], dtype=torch.float64)])     # + the two boundaries
    u0 = torch.cos(math.pi * xs)
    sizes = [1, 50, 50, 50, 50, q + 1]
    init = mlp(sizes).double()
    state = {k: v.clone() for k, v in init.state_dict().items()}

    # PyTorch as Raissi's code: fwd_gradients nested, autograd for the parameters
    ref = mlp(sizes).double()
    ref.load_state_dict(state)
    hist_t, time_t = train(ref, lambda: residual_loss(*torch_terms(ref, x), u0, A1, dt, n_pts), a.compare)

    # jetgen: the same network, the same steps
    model = mlp(sizes).double()
    model.load_state_dict(state)
    jet = Jet(model, input_names=["x"], terms=["", "x", "xx", "xxx"], threads=1)

    def terms(x):
        return jet(x).unbind(-1)        # (n, q + 1, 4): u, u_x, u_xx, u_xxx, each (n, q + 1)

    hist_j, time_j = train(model, lambda: residual_loss(*terms(x), u0, A1, dt, n_pts), max(a.steps, a.compare))
    # then L-BFGS, as Raissi et al. train, through the same Jet
    lbfgs = torch.optim.LBFGS(model.parameters(), max_iter=a.lbfgs, history_size=50, tolerance_grad=1e-12,
                              tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        loss = residual_loss(*terms(x), u0, A1, dt, n_pts)
        loss.backward()
        hist_j.append(loss.item())
        return loss
    if a.lbfgs > 0:
        lbfgs.step(closure)
    ok = report(hist_j, time_j, hist_t, time_t, a.compare, x.shape[0], "%d outputs, u to u_xxx" % (q + 1),
                "PyTorch fwd_gradients")
    if not a.no_plots:
        plt = plot_loss(os.path.join(HERE, "loss.png"), hist_j, hist_t, "PyTorch (fwd_gradients nested)",
                        "KdV, Runge-Kutta PINN, q = %d" % q, max(a.steps, a.compare))
        with torch.no_grad():
            xf = torch.linspace(-1, 1, 400, dtype=torch.float64).reshape(-1, 1)
            uf = model(xf)
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(xf.numpy(), torch.cos(math.pi * xf).numpy(), label="u(0, x)")
        ax.plot(xf.numpy(), uf[:, -1].numpy(), label="u(%g, x), the network" % dt)
        ax.set_xlabel("x")
        ax.legend()
        ax.set_title("KdV: one Runge-Kutta step of %d stages" % q)
        fig.tight_layout()
        fig.savefig(os.path.join(HERE, "solution.png"), dpi=100)
        print("wrote %s and %s" % (os.path.join(HERE, "loss.png"), os.path.join(HERE, "solution.png")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
