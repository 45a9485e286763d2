"""pinn.py: what the training examples (train-allen-cahn, train-kdv,
train-beam) share: the Butcher tableau of the q-stage Gauss-Legendre
implicit Runge-Kutta method (Raissi, Perdikaris and Karniadakis 2019's
discrete-time PINNs), Raissi's fwd_gradients, the Adam loop each trains
twice (jetgen's way and PyTorch's), the report of the two runs and the
plot of their losses."""

import time

import numpy as np
import torch


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


def fwd_gradients(u, x):
    """Raissi's forward-mode trick: du/dx of every column of u (n, out)."""
    v = torch.ones_like(u, requires_grad=True)
    g, = torch.autograd.grad(u, x, v, create_graph=True)
    d, = torch.autograd.grad(g, v, torch.ones_like(g), create_graph=True)
    return d


def train(model, loss_of, steps, lr=1e-3):
    """steps Adam steps on loss_of() (a fresh loss each call): the loss
    history and the time of each step."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history, times = [], []
    for step in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_of()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        history.append(loss.item())
    return history, times


def report(hist_j, time_j, hist_t, time_t, compare, n, what, users):
    """Prints the two runs' agreement over the first `compare` steps and
    their median times per step (n points; `what` the terms, `users` the
    PyTorch route): whether they agree to 1e-8 relative."""
    worst = max(abs(hj - ht) / abs(ht) for hj, ht in zip(hist_j[:compare], hist_t))
    tj, tt = np.median(time_j[1:compare]), np.median(time_t[1:])
    print("loss: step 1 %.6e, step %d %.6e, step %d %.6e" % (hist_j[0], compare, hist_j[compare - 1],
                                                           len(hist_j), hist_j[-1]))
    print("loss histories over %d steps: largest relative difference %.2e" % (compare, worst))
    print("time per step (%d points, %s, one thread, median): jetgen %.3f ms (%.2f us/point), %s %.3f ms "
          "(%.2f us/point): %.1fx" % (n, what, 1e3 * tj, 1e6 * tj / n, users, 1e3 * tt, 1e6 * tt / n, tt / tj))
    ok = worst <= 1e-8
    print("agree: %s" % ("yes" if ok else "NO"))
    return ok


def plot_loss(path, hist_j, hist_t, users, title, adam_steps=None):
    """loss.png: both runs' losses (jetgen's, then `users`'), a line where
    Adam gives way to L-BFGS."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(range(1, len(hist_j) + 1), hist_j, label="jetgen.torch.Jet")
    ax.semilogy(range(1, len(hist_t) + 1), hist_t, "--", label=users)
    if adam_steps is not None:
        ax.axvline(adam_steps, color="gray", lw=0.5)
    ax.set_xlabel("Adam steps" + (", then L-BFGS evaluations" if adam_steps is not None else ""))
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return plt
