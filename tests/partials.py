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
Net.partials of the same terms (given as tuples of input indices); and
Jet(terms=...)'s loss and gradients. Run by meson with
PYTHONPATH=BUILD/python; with the argument `jet`, Jet's alone (meson runs
them again on the narrower kernel sets, JETGEN_ISA).
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
worst_grad = [0.0]
worst_many = [0.0]
grads_compared = [0]


def nested(f, X, vars_, powers, keep=False):
    """d^|a| f / d vars^a for every row a of powers, (n, n_out, n_terms), by
    autograd.grad nested one input at a time (each term from the one a
    power lower, as the Taylor terms are listed, degree by degree); with
    keep, a list [k][t] of the terms themselves, differentiable again."""
    U = f(X)
    n, n_out = U.shape
    out = torch.zeros(n, n_out, len(powers), dtype=torch.float64)
    kept = [[None] * len(powers) for _ in range(n_out)]
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
            kept[k][t] = d
    return kept if keep else out


def compare(name, module, kw, points=3, chosen=None):
    """name's partials of every order to ORDER in its first three inputs
    (or those whose powers chosen takes: a set of another shape) against
    nested autograd and the oracle, and its gradients through them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text, tr, blob = export._do_export(module, None, **kw)
    widths, _, output = tr.graph_args
    n_in = sum(1 if w is None else w for w in widths)
    vars_ = list(range(min(n_in, 3)))
    X = export._points(n_in, kw.get("domain"), points, seed=77)
    d, err, every = taylor("model.spec", X.numpy(), vars_, ORDER, text.encode(), blob)
    pick = np.array([chosen is None or bool(chosen(pw)) for pw in every])
    if not pick.any():
        return
    d, powers = d[:, :, pick], every[pick]
    m64 = copy.deepcopy(gradients.composed(module)).double()
    Xg = X.clone().requires_grad_(True)

    def f(Y):
        return export._output_at(m64, widths, output, Y).reshape(Y.shape[0], -1)
    want = nested(f, Xg, vars_, every).numpy()[:, :, pick]
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
    # many points: whole tiles with points in lanes where the network suits
    # them (gen/plan.h), against the oracle there
    Y = export._points(n_in, kw.get("domain"), 70, seed=78)
    d = taylor("model.spec", Y.numpy(), vars_, ORDER, text.encode(), blob)[0][:, :, pick]
    got = net.partials(Y.numpy())
    for o in range(ORDER + 1):
        sel = orders == o
        e = normwise(got[:, :, sel], d[:, :, sel])
        worst_many[0] = max(worst_many[0], e)
        check(e <= TOL, "%s: Net.partials of order %d at 70 points off the oracle by %.3g normwise" % (name, o, e))
    gradient(name, module, widths, output, net, X, vars_, every, pick)


def gradient(name, module, widths, output, net, X, vars_, powers, pick):
    """The gradients of L = sum(G partials) (G random) to every parameter
    the network reads directly and to x, by jetgen's reverse sweep
    through the series (Net.gradient("partials"), what Jet(terms=...)
    calls) against autograd through the nested terms (create_graph)."""
    ref = gradients.composed(jetgen.fx.as_float64(module))
    params = dict(ref.named_parameters())
    names = {n for n, _, _ in net.tensors()}
    every = jetgen.fx.parameters_of(ref)
    alias = {k: [a for a in sorted(names) if a in every and every[a] is p] for k, p in params.items()}
    used = [k for k in params if alias[k]]
    Xg = X.clone().requires_grad_(True)

    def f(Y):
        return export._output_at(ref, widths, output, Y).reshape(Y.shape[0], -1)
    kept = [[d for d, p in zip(row, pick) if p] for row in nested(f, Xg, vars_, powers, keep=True)]
    G = np.random.default_rng(5).normal(size=(X.shape[0], len(kept), int(pick.sum())))
    L = sum((torch.tensor(G[:, k, t]) * d).sum() for k, row in enumerate(kept) for t, d in enumerate(row)
            if d.requires_grad)
    if not isinstance(L, torch.Tensor):
        return      # no term depends on anything (a constant network)
    want = torch.autograd.grad(L, [params[k] for k in used] + [Xg], allow_unused=True)
    got, gx = net.gradient("partials", X.numpy(), gu=G, wrt_x=True)
    for k, w in zip(used, want[:-1]):
        w = np.zeros(params[k].numel()) if w is None else w.detach().numpy().ravel()
        e = normwise(sum(np.asarray(got[a]) for a in alias[k]), w)
        worst_grad[0] = max(worst_grad[0], e)
        check(e <= TOL, "%s: d L / d %s through the partials off by %.3g" % (name, k, e))
    e = normwise(gx, want[-1].detach().numpy())
    worst_grad[0] = max(worst_grad[0], e)
    check(e <= TOL, "%s: d L / d x through the partials off by %.3g" % (name, e))
    grads_compared[0] += 1


class Kdv(torch.nn.Module):
    """Raissi's discrete-time KdV network's shape, small: x -> q outputs."""

    def __init__(self, q=3):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(1, 12), torch.nn.Tanh(), torch.nn.Linear(12, 12),
                                       torch.nn.Tanh(), torch.nn.Linear(12, q))

    def forward(self, x):
        return self.net(x)


def jet_terms():
    """Jet(module, terms=...) as a training loop calls it: a loss of u,
    u_x, u_xxx (KdV's), backward, in float64 and in float32 (a float32
    module on float32 points: both sweeps in float32), against autograd
    through the nested terms in float64; a second call after an
    optimizer step sees the new weights."""
    import jetgen.torch
    torch.manual_seed(3)
    for dtype, tol in ((torch.float64, TOL), (torch.float32, 2e-5)):
        model = Kdv().to(dtype)
        jet = jetgen.torch.Jet(model, terms=["", "x", "xxx"])
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(2):
            x = torch.linspace(-1, 1, 50, dtype=dtype).reshape(-1, 1).requires_grad_(True)
            d = jet(x)
            check(d.shape == (50, 3, 3) and d.dtype == dtype, "Jet(terms) gives %s %s" % (tuple(d.shape), d.dtype))
            loss = ((d[:, :, 0] * d[:, :, 1] + d[:, :, 2]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            ref = jetgen.fx.as_float64(model)
            X = x.detach().double().requires_grad_(True)
            kept = nested(lambda Y: ref(Y), X, [0], np.array([[0], [1], [2], [3]]), keep=True)
            want = sum((((kept[k][0] * kept[k][1] + kept[k][3]) ** 2).sum() for k in range(3))) / 150
            check(abs(loss.item() - want.item()) <= tol * abs(want.item()),
                  "Jet(terms) %s: loss %.17g, nested autograd's %.17g" % (dtype, loss.item(), want.item()))
            wants = torch.autograd.grad(want, list(ref.parameters()) + [X])
            for (k, p), w in zip(model.named_parameters(), wants):
                e = normwise(p.grad.double().numpy(), w.numpy())
                check(e <= tol, "Jet(terms) %s, step %d: d loss / d %s off by %.3g" % (dtype, step, k, e))
            e = normwise(x.grad.double().numpy(), wants[-1].numpy())
            check(e <= tol, "Jet(terms) %s, step %d: d loss / d x off by %.3g" % (dtype, step, e))
            opt.step()


def jet_terms_shapes():
    """Jet(module, terms=...) on a two-input network for the kernels' other
    shapes: the plate's u_xxxx, u_xxyy, u_yyyy as x and t (two inputs mixed) and
    Kuramoto-Sivashinsky's u, u_t, u_x, u_xx, u_xxxx (a star), float64 and
    float32, tanh and sigmoid; and one input's series to order 4 (the
    beam's: tanh's and sigmoid's from s and s' alone): the loss of the
    terms squared, its gradients to every parameter and to x against
    autograd through the nested terms in float64, one thread through
    several tiles of points; and three inputs mixed (the generic
    kernels)."""
    two = np.array([(a, d - a) for d in range(ORDER + 1) for a in range(d, -1, -1)])
    one = np.array([(d,) for d in range(ORDER + 1)])
    three = np.array([(a, b, d - a - b) for d in range(4) for a in range(d, -1, -1) for b in range(d - a, -1, -1)])
    cases = ((["x", "t"], two, ["xxxx", "xxtt", "tttt"], [(4, 0), (2, 2), (0, 4)]),
             (["x", "t"], two, ["", "t", "x", "xx", "xxxx"], [(0, 0), (0, 1), (1, 0), (2, 0), (4, 0)]),
             (["x"], one, ["", "x", "xxx", "xxxx"], [(0,), (1,), (3,), (4,)]),
             (["x", "y", "t"], three, ["xyt", "xx", "t"], [(1, 1, 1), (2, 0, 0), (0, 0, 1)]))
    for act in (torch.nn.Tanh, torch.nn.Sigmoid):
        for names, powers, terms, pws in cases:
            for dtype, tol in ((torch.float64, TOL), (torch.float32, 2e-5)):
                torch.manual_seed(4)
                model = torch.nn.Sequential(torch.nn.Linear(len(names), 10), act(), torch.nn.Linear(10, 10),
                                            act(), torch.nn.Linear(10, 2)).to(dtype)
                what = "Jet(terms=%s) %s %s" % (",".join(terms) or '""', act.__name__, dtype)
                jet_against_nested(what, model, names, powers, terms, pws, tol)


def jet_terms_wide():
    """Jet(terms=...) on networks wider than 64 (the tape of terms keeps
    its points in lanes to 128 wide, wider in rows: gen/plan.c,
    lanes_suit): Kuramoto-Sivashinsky's terms on 100 and 128 wide tanh
    layers and a 130 wide one, and the beam's series on 72 wide sin
    layers, float64 and float32, against autograd through the nested
    terms."""
    two = np.array([(a, d - a) for d in range(ORDER + 1) for a in range(d, -1, -1)])
    one = np.array([(d,) for d in range(ORDER + 1)])
    cases = ((["x", "t"], two, ["", "t", "x", "xx", "xxxx"], [(0, 0), (0, 1), (1, 0), (2, 0), (4, 0)],
              (100, 128), torch.nn.Tanh),
             (["x", "t"], two, ["xxxx", "xxtt"], [(4, 0), (2, 2)], (130, 20), torch.nn.Tanh),
             (["x"], one, ["", "xxxx"], [(0,), (4,)], (72, 72), Sin))
    for names, powers, terms, pws, widths, act in cases:
        for dtype, tol in ((torch.float64, TOL), (torch.float32, 2e-5)):
            torch.manual_seed(6)
            model = torch.nn.Sequential(torch.nn.Linear(len(names), widths[0]), act(),
                                        torch.nn.Linear(widths[0], widths[1]), act(),
                                        torch.nn.Linear(widths[1], 1)).to(dtype)
            what = "Jet(terms=%s) %s %s wide %s" % (",".join(terms), act.__name__, widths, dtype)
            jet_against_nested(what, model, names, powers, terms, pws, tol)


class Sin(torch.nn.Module):
    """sin as an activation module (SIREN-like networks write it so)."""

    def forward(self, x):
        return torch.sin(x)


class PreActivation(torch.nn.Module):
    """A graph that reads a layer's z = W a + b (the operand of an
    activation) elsewhere too: a product tanh(z) z, and a dense layer of z
    beside one of tanh(z)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(1, 10), torch.nn.Linear(10, 10)
        self.c, self.d, self.e = torch.nn.Linear(10, 10), torch.nn.Linear(10, 2), torch.nn.Linear(10, 2)

    def forward(self, x):
        z = self.b(torch.tanh(self.a(x)))
        h = self.c(torch.tanh(z) * z)
        return self.d(torch.tanh(h)) + self.e(h)


def jet_terms_graph():
    """Jet(terms=...) on one input's series (the beam's and KdV's sets,
    whose tape keeps no operand of a tanh: runtime/grad.c, tape_plan) over
    a graph that reads such operands elsewhere (PreActivation), float64 and
    float32, against autograd through the nested terms."""
    one = np.array([(d,) for d in range(ORDER + 1)])
    for dtype, tol in ((torch.float64, TOL), (torch.float32, 2e-5)):
        torch.manual_seed(5)
        model = PreActivation().to(dtype)
        with warnings.catch_warnings():     # (e after c: two linear maps in a row, on purpose)
            warnings.simplefilter("ignore", export.ExportWarning)
            jet_against_nested("Jet(terms) on PreActivation %s" % dtype, model, ["x"], one,
                               ["", "x", "xxx", "xxxx"], [(0,), (1,), (3,), (4,)], tol)


def jet_against_nested(what, model, names, powers, terms, pws, tol):
    """Jet(model, terms) through one thread and 77 points (tiles of 32, the
    last of 13: its lanes past them hold no earlier tile's numbers): the
    loss of the terms squared and its gradients to every parameter and to x
    against autograd through the nested terms (powers, of which pws are
    the terms) in float64."""
    import jetgen.torch
    dtype = next(model.parameters()).dtype
    jet = jetgen.torch.Jet(model, input_names=names, terms=terms, threads=1)
    x = (torch.rand(77, len(names), dtype=dtype) * 2 - 1).requires_grad_(True)
    d = jet(x)
    loss = (d ** 2).mean()
    loss.backward()
    ref = jetgen.fx.as_float64(model)
    X = x.detach().double().requires_grad_(True)
    kept = nested(lambda Y: ref(Y), X, list(range(len(names))), powers, keep=True)
    at = [next(i for i, p in enumerate(powers) if tuple(p) == pw) for pw in pws]
    want = sum((kept[k][i] ** 2).sum() for k in range(d.shape[1]) for i in at) / d.numel()
    check(abs(loss.item() - want.item()) <= tol * abs(want.item()),
          "%s: loss %.17g, nested autograd's %.17g" % (what, loss.item(), want.item()))
    wants = torch.autograd.grad(want, list(ref.parameters()) + [X], allow_unused=True)
    for (k, p), w in zip(model.named_parameters(), wants):    # (u_xxxx reads no output bias)
        g = np.zeros(p.shape) if p.grad is None else p.grad.double().numpy()
        e = normwise(g, np.zeros(p.shape) if w is None else w.numpy())
        check(e <= tol, "%s: d loss / d %s off by %.3g" % (what, k, e))
    e = normwise(x.grad.double().numpy(), wants[-1].numpy())
    check(e <= tol, "%s: d loss / d x off by %.3g" % (what, e))


def set_terms():
    """Net.partials(x, terms=...) on a network exported without terms (the
    plans made again): the numbers of a network exported with them; a
    term naming no input, or of order 5, refused by name with the terms
    left as they were; the same terms again make nothing again."""
    torch.manual_seed(7)
    module = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    X = np.random.default_rng(3).uniform(-1, 1, (40, 2))
    with_terms = jetgen.from_torch(module, input_names=["x", "t"], terms=["", "x", "xxt", "tttt"])
    net = jetgen.from_torch(module, input_names=["x", "t"])
    check(net.terms == [], "a network exported without terms has %r" % (net.terms,))
    got = net.partials(X, terms=[(), ("x",), (0, 0, 1), "tttt"])
    e = normwise(got, with_terms.partials(X))
    check(e <= 1e-15, "Net.partials(x, terms=...) off the exported terms' by %.3g" % e)
    check(net.terms == ['""', "x", "xxt", "tttt"], "net.terms is %r" % (net.terms,))
    refused(lambda: net.partials(X, terms=["xq"]), (jetgen.Error,), ["term 'xq'", "'q' is not an input"],
            "a term naming no input")
    refused(lambda: net.partials(X, terms=["xxxxt"]), (jetgen.Error,), ["order above 4"], "a term of order 5")
    check(net.terms == ['""', "x", "xxt", "tttt"], "a refused set_terms changed the terms to %r" % (net.terms,))
    e = normwise(net.partials(X), got)
    check(e == 0, "the terms after a refusal give other numbers (%.3g)" % e)


def terms_spelled():
    """Terms of an nn.Sequential, whose one input jetgen names x (columns
    x0, x1, ... where it has several): component digits side by side are
    components ("00" is u_xx, not u_x), as in gen/terms.c, the same numbers
    as the names give."""
    one = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    two = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    net = jetgen.from_torch(one, terms=["", "0", "00", "xxx"])
    check(net.terms == ['""', "x", "xx", "xxx"], "nn.Sequential(Linear(1, ...)) terms %r" % (net.terms,))
    net = jetgen.from_torch(two, terms=["01", (1, 1), "x0*x0"])
    check(net.terms == ["x0*x1", "x1*x1", "x0*x0"], "nn.Sequential(Linear(2, ...)) terms %r" % (net.terms,))
    X = np.random.default_rng(2).uniform(-1, 1, (5, 2))
    e = normwise(net.partials(X), jetgen.from_torch(two, terms=[(0, 1), (1, 1), (0, 0)]).partials(X))
    check(e == 0, "digits side by side give other numbers than the indices (%.3g)" % e)


def terms_refused():
    """Terms jetgen cannot compute, refused as the caller's mistake with
    the term's place named (not as a spec the exporter got wrong): order
    5, a term twice (also spelled otherwise), more channels than
    gen/terms.h's 128 (every order-4 term of 6 inputs: 210); every
    order-4 term of 5 inputs (126 channels) taken, its partials right."""
    import jetgen.torch
    net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    for call in (lambda terms: jetgen.from_torch(net, input_names=["x", "t"], terms=terms),
                 lambda terms: jetgen.torch.Jet(net, input_names=["x", "t"], terms=terms)):
        for terms, wants in ((["x", "xxxxt"], ["term 'xxxxt' (terms[1])", "order above 4", "order 5"]),
                             ([(0,) * 5], ["term (0, 0, 0, 0, 0) (terms[0])", "order above 4"]),
                             (["xt", ("t", "x")], ["term ('t', 'x') (terms[1]) is terms[0], 'xt', again"]),
                             (["", ()], ["terms[1]", "again"]),
                             (("x", "t"), ["terms=('x', 't'): pass a list", "[('x', 't')]", "['x', 't']"])):
            refused(lambda: call(terms), (export.ExportError,), wants, "terms %r" % (terms,))
            try:
                call(terms)
            except export.ExportError as e:
                check("bug" not in str(e), "terms %r refused as an exporter's bug: %s" % (terms, e))
    import itertools
    for n_in, ok in ((6, False), (5, True)):
        wide = torch.nn.Sequential(torch.nn.Linear(n_in, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)).double()
        terms = [c for c in itertools.combinations_with_replacement(range(n_in), 4)]
        if not ok:
            refused(lambda: jetgen.from_torch(wide, terms=terms), (export.ExportError,),
                    ["210 channels", "more than 128"], "every order-4 term of 6 inputs")
            continue
        X = np.random.default_rng(1).uniform(-1, 1, (3, n_in))
        got = jetgen.from_torch(wide, terms=terms).partials(X)
        powers = [np.bincount(c, minlength=n_in) for d in range(5)
                  for c in itertools.combinations_with_replacement(range(n_in), d)]     # degree by degree
        want = nested(wide, torch.tensor(X, requires_grad=True), list(range(n_in)), powers)[:, :, -len(terms):]
        e = normwise(got, want)
        check(e <= 1e-12, "every order-4 term of 5 inputs: off nested autograd by %.3g" % e)


def main():
    if sys.argv[1:] == ["jet"]:     # Jet alone (meson's partials-jet-ISA: the kernels JETGEN_ISA names)
        jet_terms()
        jet_terms_shapes()
        jet_terms_wide()
        jet_terms_graph()
        print("Jet(terms=...) with the %s kernels: %d failures" % (os.environ.get("JETGEN_ISA", "best"),
                                                                 len(failures)))
        sys.exit(1 if failures else 0)
    for name, module, kw in zoo.zoo():
        kw = {k: v for k, v in kw.items() if k != "over"}
        compare(name, module, kw)
    for seed in range(24):
        net, n_in = interop.random_net(seed)
        compare("random network %d" % seed, net.eval(), {})
    # sets of other shapes (the kernels' own paths, templates/kernels.c
    # model__series_shape): stars (no mixed term: each input's series
    # apart, of orders of their own), two inputs' grids with monomials
    # missing (the plate's u_xxxx, u_xxyy, u_yyyy; u_xxy; u_xy)
    shapes = (("a star", lambda pw: (pw > 0).sum() <= 1),
              ("a star of orders 4, 1, 2", lambda pw: (pw > 0).sum() <= 1 and (pw <= [4, 1, 2][:len(pw)]).all()),
              ("the plate's terms", lambda pw: tuple(pw[:2]) in ((4, 0), (2, 2), (0, 4)) and pw[2:].sum() == 0),
              ("u_xxy and u_y", lambda pw: tuple(pw[:2]) in ((2, 1), (0, 1)) and pw[2:].sum() == 0),
              ("u_xy", lambda pw: tuple(pw[:2]) == (1, 1) and pw[2:].sum() == 0))
    done = 0
    for seed in range(24):
        net, n_in = interop.random_net(seed)
        if n_in >= 2 and done < 6:
            for what, chosen in shapes:
                compare("random network %d, %s" % (seed, what), net.eval(), {}, chosen=chosen)
            done += 1
    # what is not there yet is refused, not ignored; a term that names no input likewise
    import jetgen.torch
    net = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    refused(lambda: jetgen.torch.Jet(net, mode="hessian", terms=["xxx"]), (ValueError,),
            ["terms=... gives the partials", "not mode 'hessian'"], "Jet(terms=..., mode='hessian')")
    refused(lambda: jetgen.torch.Jet(net, mode="partials"), (ValueError,), ["mode='partials'", "terms="],
            "Jet(mode='partials') without terms")
    jet_terms()
    jet_terms_shapes()
    jet_terms_wide()
    jet_terms_graph()
    set_terms()
    refused(lambda: jetgen.from_torch(net, input_names=["x"], terms=["xq"]), (export.ExportError,),
            ["term 'xq'", "'q' is not an input"], "a term naming no input")
    terms_spelled()
    terms_refused()
    print("%d networks; worst normwise error by order: the oracle %s; Net.partials %s" % (
        compared[0], ", ".join("%d: %.2g" % (o, e) for o, e in enumerate(worst)),
        ", ".join("%d: %.2g" % (o, e) for o, e in enumerate(worst_net))))
    print("Net.partials at 70 points against the oracle: worst normwise error %.2g" % worst_many[0])
    print("gradients through the partials of %d networks: worst normwise error %.2g" % (
        grads_compared[0], worst_grad[0]))
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
