"""partials.py: the partial derivatives of orders 3 and 4 against PyTorch
nested autograd in float64: the oracle (gen/taylor.c, the Python
extension's taylor()) and the library's (Net.partials, from
jetgen.from_torch(module, terms=[...]): the executor's closed-form
propagation of the terms' Taylor coefficients).

Every network of tests/zoo.py (every architecture the exporter takes) and
random chains of every activation (tests/interop.py's random_net) is
exported in memory; at a few points of its domain, every partial
derivative of total order 0 to 4 in its first three inputs (35 terms for
three inputs: u_xxxx, u_xxyy, u_xyzt's kin) is compared with
torch.autograd.grad nested term by term (create_graph) on the module in
float64 (F.layer_norm's third derivative is wrong in PyTorch 1.13: the
reference computes layer norms by elementary ops, tests/gradients.py's
composed()): normwise per order over the points and outputs, at most 1e-9
(issue 25's bound; measured far closer), for the oracle and for
Net.partials of the same terms (given as tuples of input indices). Run by
meson with PYTHONPATH=BUILD/python.
"""

import copy
import os
import sys
import warnings

import numpy as np
import torch

import jetgen
from jetgen import export
from jetgen._jetgen import taylor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo  # noqa: E402
import interop  # noqa: E402
import gradients  # noqa: E402
from harness import failures, check, normwise, refused  # noqa: E402

ORDER = 4
TOL = 1e-9
worst = [0.0] * (ORDER + 1)
worst_net = [0.0] * (ORDER + 1)
compared = [0]


def nested(f, X, vars_, powers):
    """d^|a| f / d vars^a for every row a of powers, (n, n_out, n_terms), by
    autograd.grad nested one input at a time (each term from the one a
    power lower, as the Taylor terms are listed, degree by degree)."""
    U = f(X)
    n, n_out = U.shape
    out = torch.zeros(n, n_out, len(powers), dtype=torch.float64)
    for k in range(n_out):
        made = {}
        for t, pw in enumerate(powers):
            key = tuple(int(p) for p in pw)
            if sum(key) == 0:
                d = U[:, k]
            else:
                v = next(i for i, p in enumerate(key) if p > 0)
                lower = made[key[:v] + (key[v] - 1,) + key[v + 1:]]
                if lower.requires_grad:
                    g, = torch.autograd.grad(lower.sum(), X, create_graph=True, allow_unused=True)
                    d = torch.zeros(n, dtype=torch.float64) if g is None else g[:, vars_[v]]
                else:       # a constant already (a piecewise-linear network's higher terms)
                    d = torch.zeros(n, dtype=torch.float64)
            made[key] = d
            out[:, k, t] = d.detach()
    return out


def compare(name, module, kw, points=3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text, tr, blob = export._do_export(module, None, **kw)
    widths, _, output = tr.graph_args
    n_in = sum(1 if w is None else w for w in widths)
    vars_ = list(range(min(n_in, 3)))
    X = export._points(n_in, kw.get("domain"), points, seed=77)
    d, err, powers = taylor("model.spec", X.numpy(), vars_, ORDER, text.encode(), blob)
    m64 = copy.deepcopy(gradients.composed(module)).double()
    Xg = X.clone().requires_grad_(True)

    def f(Y):
        return export._output_at(m64, widths, output, Y).reshape(Y.shape[0], -1)
    want = nested(f, Xg, vars_, powers).numpy()
    terms = [tuple(v for v, p in zip(vars_, pw) for _ in range(int(p))) for pw in powers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = jetgen.from_torch(module, terms=terms, **kw)
    got = net.partials(X.numpy())
    orders = powers.sum(axis=1)
    for o in range(ORDER + 1):
        sel = orders == o
        if not sel.any():
            continue
        e = normwise(d[:, :, sel], want[:, :, sel])
        worst[o] = max(worst[o], e)
        check(e <= TOL, "%s: order %d partials off by %.3g normwise" % (name, o, e))
        e = normwise(got[:, :, sel], want[:, :, sel])
        worst_net[o] = max(worst_net[o], e)
        check(e <= TOL, "%s: Net.partials of order %d off by %.3g normwise" % (name, o, e))
    compared[0] += 1


def main():
    for name, module, kw in zoo.zoo():
        kw = {k: v for k, v in kw.items() if k != "over"}
        compare(name, module, kw)
    for seed in range(24):
        net, n_in = interop.random_net(seed)
        compare("random network %d" % seed, net.eval(), {})
    # what is not there yet is refused, not ignored; a term that names no input likewise
    import jetgen.torch
    net = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    refused(lambda: jetgen.torch.Jet(net, terms=["xxx"]), (jetgen.Error,), ["do not train through Jet yet"],
            "Jet(terms=...)")
    refused(lambda: jetgen.from_torch(net, input_names=["x"], terms=["xq"]), (export.ExportError,),
            ["term 'xq'", "'q' is not an input"], "a term naming no input")
    print("%d networks; worst normwise error by order: the oracle %s; Net.partials %s" % (
        compared[0], ", ".join("%d: %.2g" % (o, e) for o, e in enumerate(worst)),
        ", ".join("%d: %.2g" % (o, e) for o, e in enumerate(worst_net))))
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
