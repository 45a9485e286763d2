"""A cantilever Euler-Bernoulli beam, fourth order (DeepXDE's Euler beam
example), trained twice from one initialization in float64: with
jetgen.torch.Jet(terms=...), and with the nested torch.autograd.grad users
write (four times for u_xxxx, as DeepXDE's hessian of hessian).

    u_xxxx = -1 on [0, 1],  u(0) = u_x(0) = 0,  u_xx(1) = u_xxx(1) = 0,
    exact u(x) = -x^4 / 24 + x^3 / 6 - x^2 / 4

The network x -> u is DeepXDE's [1, 20 x 3, 1] tanh; the loss is the mean
squared residual at collocation points plus the four boundary conditions,
every order from u to u_xxxx: jetgen's terms "", x, xx, xxx, xxxx.

    PYTHONPATH=build/python /usr/bin/python3 examples/train-beam/train.py [--steps N]

prints the time per step of both, checks that their loss histories agree
(relative 1e-8 over the first --compare steps) and the trained network's
relative L2 error against the exact deflection, and writes loss.png and
solution.png beside this file.
"""

import argparse
import os
import sys

import torch
from torch import nn

from jetgen.torch import Jet

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from pinn import plot_loss, report, train  # noqa: E402


def exact(x):
    return -x ** 4 / 24 + x ** 3 / 6 - x ** 2 / 4


def torch_terms(model, x):
    """u, u_x, u_xx, u_xxx, u_xxxx (n, 1) by torch.autograd.grad nested."""
    x = x.clone().requires_grad_(True)
    out = [model(x)]
    for _ in range(4):
        g, = torch.autograd.grad(out[-1].sum(), x, create_graph=True)
        out.append(g)
    return out


def loss_of(d, n_pts):
    """d: u .. u_xxxx at the collocation points, then x = 0 and x = 1."""
    u, ux, uxx, uxxx, uxxxx = d
    pde = ((uxxxx[:n_pts] + 1) ** 2).mean()
    bc = u[n_pts] ** 2 + ux[n_pts] ** 2 + uxx[n_pts + 1] ** 2 + uxxx[n_pts + 1] ** 2
    return pde + bc.sum()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=10000, help="Adam steps with jetgen (default 10000, DeepXDE's)")
    ap.add_argument("--compare", type=int, default=200, help="steps trained both ways and compared (default 200)")
    ap.add_argument("--points", type=int, default=100, help="collocation points (default 100)")
    ap.add_argument("--no-plots", action="store_true")
    a = ap.parse_args(argv[1:])
    torch.set_num_threads(1)
    torch.manual_seed(1234)
    n_pts = a.points
    xs = torch.linspace(0, 1, n_pts, dtype=torch.float64).reshape(-1, 1)
    x = torch.cat([xs, torch.tensor([[0.0], [1.0]], dtype=torch.float64)])     # + the two ends

    def mlp():
        return nn.Sequential(nn.Linear(1, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 20),
                             nn.Tanh(), nn.Linear(20, 1)).double()
    init = mlp()
    state = {k: v.clone() for k, v in init.state_dict().items()}

    ref = mlp()
    ref.load_state_dict(state)
    hist_t, time_t = train(ref, lambda: loss_of(torch_terms(ref, x), n_pts), a.compare)

    model = mlp()
    model.load_state_dict(state)
    jet = Jet(model, input_names=["x"], terms=["", "x", "xx", "xxx", "xxxx"], threads=1)

    def terms(x):
        d = jet(x)                      # (n, 1, 5)
        return [d[:, :, k] for k in range(5)]

    hist_j, time_j = train(model, lambda: loss_of(terms(x), n_pts), max(a.steps, a.compare))
    with torch.no_grad():
        xf = torch.linspace(0, 1, 401, dtype=torch.float64).reshape(-1, 1)
        uf, ue = model(xf), exact(xf)
    l2 = (torch.linalg.norm(uf - ue) / torch.linalg.norm(ue)).item()
    print("the trained deflection against the exact one: relative L2 error %.2e" % l2)
    ok = report(hist_j, time_j, hist_t, time_t, a.compare, x.shape[0], "u to u_xxxx",
                "PyTorch nested autograd.grad")
    if not a.no_plots:
        plt = plot_loss(os.path.join(HERE, "loss.png"), hist_j, hist_t, "PyTorch (autograd.grad nested)",
                        "Euler-Bernoulli cantilever, u_xxxx = -1")
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(xf.numpy(), ue.numpy(), label="exact")
        ax.plot(xf.numpy(), uf.numpy(), "--", label="the network (L2 error %.1e)" % l2)
        ax.set_xlabel("x")
        ax.set_ylabel("deflection u")
        ax.legend()
        ax.set_title("Euler-Bernoulli cantilever")
        fig.tight_layout()
        fig.savefig(os.path.join(HERE, "solution.png"), dpi=100)
        print("wrote %s and %s" % (os.path.join(HERE, "loss.png"), os.path.join(HERE, "solution.png")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
