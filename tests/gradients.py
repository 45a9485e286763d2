"""gradients.py: jetgen's gradients through the 2-jet (Net.gradient, the
library's jg_net_gradient) against PyTorch's double backward, float64.

For every network of tests/zoo.py (every architecture the exporter takes:
chains, residual blocks, gates, products, concatenations, slices, Fourier
features, powers, divisions, several inputs, `over`) and random chains of
every activation, in every mode, with random cotangents gu, gdu, gd2 of
u, du and the mode's second derivatives: the gradients of
    L = sum(gu u) + sum(gdu du) + sum(gd2 d2)
with respect to every parameter of the module that jetgen reads (its
Linear layers' weights and biases) and to x, against
torch.autograd.grad of the same L built from autograd's own u, du, d2u
(create_graph): 1e-10 normwise per tensor. Run by meson with
PYTHONPATH=BUILD/python.
"""

import copy
import math
import os
import random
import sys
import warnings

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

import jetgen

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo  # noqa: E402
import interop  # noqa: E402
from harness import failures, check, refused, normwise  # noqa: E402

compared = [0]
worst32 = [0.0]          # float32 gradients against float64, normwise
MODES = ("eval", "jacobian", "hessian", "hessian_diag", "laplacian")


def torch_jets(f, X, n_out):
    """u, du, d2u of f at the points X (n, n_in), by autograd with create_graph."""
    U = f(X).reshape(X.shape[0], n_out)
    dus, d2s = [], []
    for k in range(n_out):
        g, = torch.autograd.grad(U[:, k].sum(), X, create_graph=True)
        dus.append(g)
        rows = [torch.autograd.grad(g[:, i].sum(), X, create_graph=True)[0] for i in range(X.shape[1])]
        d2s.append(torch.stack(rows, dim=1))
    return U, torch.stack(dus, 1), torch.stack(d2s, 1)


def composed(module):
    """module, or for TFPort the same module (sharing its parameters) with
    its layer norms in elementary ops: PyTorch 1.13's layer_norm has a
    wrong third derivative (layer_norm_third_derivative shows it)."""
    if type(module) is zoo.TFPort:
        twin = copy.copy(module)
        twin.__class__ = zoo.TFPortComposed
        return twin
    return module


def layer_norm_third_derivative():
    """The reason for composed(): the third derivative of F.layer_norm by
    autograd is not the derivative of its second (central differences,
    step 1e-5), while that of the composition in elementary ops is."""
    torch.manual_seed(0)
    x0, w = torch.randn(4), torch.randn(4)

    def comp(h):
        c = h - h.mean()
        return c * ((c * c).mean() + 1e-5) ** -0.5

    def native(h):
        return F.layer_norm(h, (4,))

    def second(f, x):
        x = x.clone().requires_grad_(True)
        g, = torch.autograd.grad((f(x) * w).sum(), x, create_graph=True)
        return torch.autograd.grad((g * w).sum(), x, create_graph=True)[0]

    def third(f):
        x = x0.clone().requires_grad_(True)
        return torch.autograd.grad((second(f, x) * w).sum(), x)[0]
    e = 1e-5
    fd = torch.stack([((second(native, x0 + e * d) - second(native, x0 - e * d)) / (2 * e) * w).sum()
                      for d in torch.eye(4)])
    check(normwise(third(comp).numpy(), fd.detach().numpy()) < 1e-8, "the composed layer norm's third derivative")
    print("gradients: PyTorch's layer_norm third derivative off by %.3g from differences of its second (the "
          "composition's: %.3g)" % (normwise(third(native).numpy(), fd.detach().numpy()),
                                    normwise(third(comp).numpy(), fd.detach().numpy())))


def check_network(name, module, widths, net, x, rng):
    """Every mode of net against module at x (n, n_in)."""
    ref = composed(jetgen.export.as_float64(module) if hasattr(jetgen, "export") else module)
    params = dict(ref.named_parameters())
    names = {n for n, _, _ in net.tensors()}
    # a parameter tied into several layers is several tensors of the
    # network (each layer's name): its gradient is the sum of theirs
    every = jetgen.fx.parameters_of(ref)
    alias = {k: [a for a in sorted(names) if a in every and every[a] is p] for k, p in params.items()}
    used = [k for k in params if alias[k]]
    n, n_in, n_out = x.shape[0], net.n_in, net.n_out
    sel = list(net.over)

    def f(X):
        parts, at = [], 0
        for w in widths:
            k = 1 if w is None else w
            parts.append(X[:, at:at + k] if w is not None else X[:, at])
            at += k
        out = ref(*parts)
        if isinstance(out, (tuple, list)):
            out = out[kw_output.get(name, 0) or 0]
        return out

    for mode in MODES:
        X = torch.tensor(x, requires_grad=True)
        U, DU, D2 = torch_jets(f, X, n_out)
        gu = rng.normal(size=(n, n_out))
        gdu = rng.normal(size=(n, n_out, n_in))
        L = (torch.tensor(gu) * U).sum()
        kw = {"gu": gu}
        if mode != "eval":
            L = L + (torch.tensor(gdu) * DU).sum()
            kw["gdu"] = gdu
        if mode == "hessian":
            g2 = rng.normal(size=(n, n_out, n_in, n_in))
            L = L + (torch.tensor(g2) * D2).sum()
        elif mode == "hessian_diag":
            g2 = rng.normal(size=(n, n_out, len(sel)))
            L = L + (torch.tensor(g2) * torch.diagonal(D2, dim1=2, dim2=3)[:, :, sel]).sum()
        elif mode == "laplacian":
            g2 = rng.normal(size=(n, n_out))
            L = L + (torch.tensor(g2) * torch.diagonal(D2, dim1=2, dim2=3)[:, :, sel].sum(-1)).sum()
        if mode in ("hessian", "hessian_diag", "laplacian"):
            kw["gd2"] = g2
        want = torch.autograd.grad(L, [params[k] for k in used] + [X], allow_unused=True)
        got, gx = net.gradient(mode, x, wrt_x=True, **kw)
        for k, w in zip(used, want[:-1]):
            w = np.zeros(params[k].numel()) if w is None else w.detach().numpy().ravel()
            e = normwise(sum(np.asarray(got[a]) for a in alias[k]), w)
            compared[0] += 1
            check(e <= 1e-10, "%s, %s: d L / d %s off by %.3g" % (name, mode, k, e))
        e = normwise(gx, want[-1].detach().numpy())
        check(e <= 1e-10, "%s, %s: d L / d x off by %.3g" % (name, mode, e))


kw_output = {}


def zoo_networks(rng):
    for name, module, kw in zoo.zoo():
        kw_output[name] = kw.get("output")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = jetgen.from_torch(module, **kw)
        graph = jetgen.export.trace(module)
        widths = jetgen.export._widths(module, graph, kw.get("n_in"), kw.get("input_names"))
        # 4 points: one tile, most of its lanes past the points; 75: several
        # tiles, whose reverse sweeps set the adjoints the last one left
        for n in (4, 75):
            x = jetgen.export._points(net.n_in, kw.get("domain"), n, seed=11).numpy()
            check_network(name, module, widths, net, x, rng)
        print("gradients: %-26s ok" % name)


def random_chains(rng):
    """Chains of interop.py's random networks: every activation, scale,
    Fourier features, nested residual blocks, float32 and float64 weights."""
    for seed in range(2 * len(interop.ACTIVATIONS)):
        module, n_in = interop.random_net(seed)
        name = "random %d" % seed
        kw_output[name] = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = jetgen.from_torch(module, n_in=n_in)
        x = np.random.default_rng(seed).uniform(-1.2, 1.2, size=(3, n_in))
        check_network(name, module, [n_in], net, x, rng)


class TrainableConstants(nn.Module):
    """Trainable parameters the export folds affinely into tensors:
    Jagtap's slope tanh(n a x), a per-feature factor, a slope in a
    ParameterList (sin(2 a[0] z)), and a gate alpha h + (1 - alpha) x."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(2, 8)
        self.act = zoo.AdaptiveTanh()
        self.s = nn.Parameter(torch.linspace(0.5, 1.5, 8))
        self.l2 = nn.Linear(8, 8)
        self.a = nn.ParameterList([nn.Parameter(torch.tensor(0.7))])
        self.alpha = nn.Parameter(torch.tensor(0.3))
        self.l3 = nn.Linear(8, 2)

    def forward(self, x):
        h = self.act(self.l1(x)) * self.s
        g = torch.sin(2.0 * self.a[0] * self.l2(h))
        return self.l3(self.alpha * g + (1 - self.alpha) * h)


class TrainableFourier(nn.Module):
    """Random Fourier features with a trainable matrix (x @ (2 pi B)), and a
    trainable weight used through its transpose (e @ W.T)."""

    def __init__(self):
        super().__init__()
        self.B = nn.Parameter(torch.randn(2, 6) * 0.5)
        self.W = nn.Parameter(torch.randn(5, 12) * 0.3)
        self.out = nn.Linear(5, 2)

    def forward(self, x):
        z = x @ (2 * math.pi * self.B)
        return self.out(torch.tanh(torch.cat([torch.sin(z), torch.cos(z)], dim=-1) @ self.W.T))


class FoldedParameters(nn.Module):
    """Parameters folded into the network's tensors by nonlinear torch
    operations: a slope inside exp, a product of two parameters, a softplus
    of a parameter vector, a layer written with F.linear and one as
    x @ W + b, a slice of a parameter matrix, a parameter's .item() (a
    number to PyTorch, without gradient, whose value follows the parameter)."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(2, 8)
        self.a = nn.Parameter(torch.tensor(0.2))
        self.b = nn.Parameter(torch.tensor(1.3))
        self.c = nn.Parameter(torch.linspace(-1.0, 1.0, 8))
        self.W = nn.Parameter(torch.randn(8, 8) * 0.4)
        self.bias = nn.Parameter(torch.randn(8) * 0.1)
        self.V = nn.Parameter(torch.randn(8, 5) * 0.4)
        self.d = nn.Parameter(torch.randn(5) * 0.1)
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        h = torch.tanh(torch.exp(self.a) * self.l1(x))
        h = torch.sin(self.a * self.b * h) * nn.functional.softplus(self.c) * self.b.item()
        h = torch.tanh(nn.functional.linear(h, self.W, self.bias))
        h = torch.tanh(h @ self.V[:, 1:] + self.d[1:] ** 2)
        return self.out(h)


class SiLUWeights(nn.Module):
    """A parametrization: torch.nn.utils.parametrize's weight = W sigmoid(W)."""

    def forward(self, W):
        return W * torch.sigmoid(W)


def weight_normalized():
    """torch.nn.utils.weight_norm (a hook remakes weight from weight_g and
    weight_v before forward), a parametrized weight, weight normalization
    written out in forward() (NVIDIA Modulus' style), and a
    weight-normalized layer used twice."""
    import torch.nn.utils.parametrize as parametrize
    wn = nn.Sequential(nn.utils.weight_norm(nn.Linear(2, 8)), nn.Tanh(),
                       nn.utils.weight_norm(nn.Linear(8, 2), dim=None))
    pz = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    parametrize.register_parametrization(pz[0], "weight", SiLUWeights())
    return [wn, pz, nn.Sequential(WeightNormLinear(2, 8), nn.SiLU(), WeightNormLinear(8, 2)), SharedNormed()]


class SharedNormed(nn.Module):
    """One weight-normalized layer applied twice."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 6)
        self.h = nn.utils.weight_norm(nn.Linear(6, 6))
        self.o = nn.Linear(6, 2)

    def forward(self, x):
        return self.o(torch.tanh(self.h(torch.tanh(self.h(torch.tanh(self.a(x)))))))


class WeightNormLinear(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in) * 0.5)
        self.weight_g = nn.Parameter(torch.rand(n_out, 1) + 0.5)
        self.bias = nn.Parameter(torch.randn(n_out) * 0.1)

    def forward(self, x):
        w = self.weight_g * self.weight / self.weight.norm(dim=1, p=2, keepdim=True)
        return nn.functional.linear(x, w, self.bias)


class IntegerPower(nn.Module):
    """A trainable exponent: the export takes it as the number it is now,
    so Jet would lose its gradient, and refuses."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2 = nn.Linear(1, 8), nn.Linear(8, 1)
        self.p = nn.Parameter(torch.tensor(2.0))

    def forward(self, x):
        return self.l2(torch.tanh(self.l1(x)) ** self.p)


class InverseProblem(nn.Module):
    """Raissi's inverse problems: PDE coefficients trained beside the
    network, read by the loss, not by forward()."""

    def __init__(self):
        super().__init__()
        self.net = zoo.FNN([2, 12, 12, 1])
        self.lambda1 = nn.Parameter(torch.tensor(0.5))
        self.lambda2 = nn.Parameter(torch.tensor(-1.2))
        self.scale = nn.Parameter(torch.tensor(2.0), requires_grad=False)
        self.register_buffer("shift", torch.tensor([0.25, -0.5]))

    def forward(self, x):
        return self.net((x - self.shift) * self.scale)


def jet_function():
    """jetgen.torch.Jet in a training step: loss.backward() gives the module's
    parameters (and x) PyTorch's gradients, for Linear layers and for
    trainable constants (TrainableConstants); an optimizer step takes
    effect at the next call; float32 inputs; a module with a trainable
    parameter jetgen cannot carry the gradient back to is refused."""
    from jetgen.torch import Jet
    torch.manual_seed(5)
    jet_training(Jet, zoo.FNN([2, 16, 16, 3]).double(), 0.1)
    # a smaller step: at 0.1 the steep slope (tanh(10 a z)) makes the
    # network so ill-conditioned after a few steps that the export's check
    # refuses it (jetgen and PyTorch agree, the long-double oracle's
    # differences do not)
    jet_training(Jet, TrainableConstants().double(), 0.01)
    # its loss's gradients start near 2e3: at 0.01 (and 0.001) SGD throws
    # W to 1e14 within the eight steps, where sin of the features is
    # ill-conditioned and the next Jet's export check refuses it rightly
    # (on an AMD EPYC; an AVX-512 Intel happened to round within the bound)
    jet_training(Jet, TrainableFourier().double(), 0.0001)
    model = zoo.FNN([2, 16, 16, 3]).double()
    x = torch.rand(7, 2, dtype=torch.float64) * 2 - 1
    jet = Jet(model, mode="hessian")
    u32 = jet(x.float())
    u64 = jet(x)
    check(u32[0].dtype == torch.float32, "Jet on float32: dtype %s" % u32[0].dtype)
    e = max(normwise(a.detach().double().numpy(), b.detach().numpy()) for a, b in zip(u32, u64))
    check(e <= 1e-6, "Jet on float32 points: %.3g from float64" % e)
    jet_training(Jet, FoldedParameters().double(), 0.01)
    # one weight matrix in three layers: its gradient is the sum of theirs
    jet_training(Jet, zoo.TiedWeights().double(), 0.01)
    # the branch net on fixed sensors, folded: its parameters train through
    # the folded tensor (Jet recomputes it by autograd)
    jet_training(Jet, zoo.DeepONetSensors().double(), 0.01)
    # addmm, einsum and LayerNorm's weight and bias as trainable tensors
    jet_training(Jet, zoo.TFPort().double(), 0.01)
    # values of three dimensions: trainable centers broadcast, a 3-D
    # coefficient tensor contracted by einsum
    jet_training(Jet, zoo.RBFNet().double(), 0.01)
    jet_training(Jet, zoo.SeparablePINN().double(), 0.01)
    jet_training(Jet, zoo.ChebyKAN().double(), 0.001)
    jet_training(Jet, zoo.HardConstraints().double(), 0.001)
    jet_training(Jet, zoo.FourierKAN().double(), 1e-6)     # its loss gradients reach 1e6: SGD diverges above
    for model in weight_normalized():
        jet_training(Jet, model.double(), 0.05)
    inverse_problem(Jet)
    dropout(Jet)
    batch_norm(Jet)
    misuse(Jet)
    several_inputs(Jet)
    numbers(Jet)
    float32_training(Jet)
    refused(lambda: Jet(nn.Sequential(nn.utils.spectral_norm(nn.Linear(1, 8)), nn.Tanh(), nn.Linear(8, 1))),
            jetgen.export.ExportError, ["0.weight is remade before every forward() by SpectralNorm"],
            "Jet on a spectral-normalized layer")
    refused(lambda: Jet(IntegerPower().double()), jetgen.Error,
            ["gradient of a trainable parameter would be lost: p (the power at"], "Jet on a trainable exponent")


class WithDropout(nn.Module):
    """Dropout as a module and as F.dropout(training=self.training)."""

    def __init__(self):
        super().__init__()
        self.l1, self.drop, self.l2 = nn.Linear(2, 8), nn.Dropout(0.2), nn.Linear(8, 1)

    def forward(self, x):
        h = self.drop(torch.tanh(self.l1(x)))
        return self.l2(nn.functional.dropout(h, 0.1, training=self.training))


class WithBatchNorm(nn.Module):
    """BatchNorm1d between layers (affine, and one without weights), with
    running statistics of their own."""

    def __init__(self):
        super().__init__()
        self.l1, self.n1 = nn.Linear(2, 8), nn.BatchNorm1d(8)
        self.l2, self.n2 = nn.Linear(8, 8), nn.BatchNorm1d(8, affine=False)
        self.l3 = nn.Linear(8, 2)
        with torch.no_grad():
            for n in (self.n1, self.n2):
                n.running_mean.uniform_(-0.5, 0.5)
                n.running_var.uniform_(0.5, 2.0)
            self.n1.weight.uniform_(0.5, 1.5)
            self.n1.bias.uniform_(-0.2, 0.2)

    def forward(self, x):
        return self.l3(torch.tanh(self.n2(self.l2(torch.tanh(self.n1(self.l1(x)))))))


def batch_norm(Jet):
    """BatchNorm1d trains through Jet in evaluation mode (its weight and
    bias too); in training mode, where PyTorch uses each batch's
    statistics, Jet refuses."""
    torch.manual_seed(23)
    model = WithBatchNorm().double().eval()
    jet_training(Jet, model, 0.05)
    model.train()
    refused(lambda: Jet(model)(torch.rand(4, 2, dtype=torch.float64)), jetgen.Error,
            ["is a batch norm", "batch's statistics"], "Jet on a batch norm in training mode")


def dropout(Jet):
    """In training mode PyTorch draws dropout's masks, which jetgen does
    not: Jet refuses to run; in evaluation mode it runs, as PyTorch's
    network without dropout."""
    model = WithDropout().double()
    x = torch.rand(4, 2, dtype=torch.float64)
    jet = Jet(model, mode="jacobian")
    for train, which in ((True, "module"), (False, "F.dropout")):
        model.train()
        model.drop.train(train)
        refused(lambda: jet(x), jetgen.Error, ["is a dropout", "training mode"],
                "Jet on dropout (%s) in training mode" % which)
    model.eval()
    u, _ = jet(x)
    check(torch.equal(u, model(x)) or normwise(u.detach().numpy(), model(x).detach().numpy()) <= 1e-12,
          "Jet in evaluation mode: u is not the module's")


def float32_training(Jet):
    """A float32 module on float32 points (PyTorch's default): Jet runs both
    sweeps in float32 (a float32 twin of the network, each tile's gradients
    summed in float32, the tiles' sums in float64), so its gradients are
    within float32's rounding of float64 PyTorch's on the same float32
    weights. Bound stated: 1e-5 normwise per tensor, and at most 4x
    PyTorch's own float32 route's error against the same float64 reference
    (or 1e-6 where that is smaller), over 300 points in every second-order
    mode, 1 to 3 inputs."""
    torch.manual_seed(17)
    for widths, mode in (([2, 16, 16, 3], "hessian"), ([2, 16, 16, 3], "laplacian"),
                         ([3, 24, 24, 24, 1], "hessian_diag"), ([1, 20, 20, 5], "hessian")):
        model = zoo.FNN(widths).float()
        x = torch.rand(300, widths[0], dtype=torch.float32) * 2 - 1
        ref = zoo.FNN(widths).double()
        ref.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
        jet = Jet(model, mode=mode)
        X = x.clone().requires_grad_(True)
        out = jet(X)
        check(all(o.dtype == torch.float32 for o in out), "Jet float32 %s: results %s" % (mode, [o.dtype for o in out]))
        loss = sum((o ** 2).sum() * (k + 1) for k, o in enumerate(out))
        model.zero_grad()
        loss.backward()
        mine = [p.grad for p in model.parameters()] + [X.grad]
        check(all(g.dtype == torch.float32 for g in mine), "Jet float32 %s: gradients not float32" % mode)

        def by_torch(f, X):
            U, DU, D2 = torch_jets(f, X, widths[-1])
            third = D2 if mode == "hessian" else torch.diagonal(D2, dim1=2, dim2=3)
            third = third.sum(-1) if mode == "laplacian" else third
            loss = sum((o ** 2).sum() * (k + 1) for k, o in enumerate([U, DU, third]))
            f.zero_grad()
            loss.backward()
            return [p.grad for p in f.parameters()] + [X.grad]
        theirs = by_torch(ref, x.double().requires_grad_(True))
        theirs32 = by_torch(model, x.clone().requires_grad_(True))
        for k, (a, b, c) in enumerate(zip(mine, theirs, theirs32)):
            e = normwise(a.double().numpy(), b.numpy())
            e_torch = normwise(c.double().numpy(), b.numpy())
            compared[0] += 1
            worst32[0] = max(worst32[0], e)
            check(e <= 1e-5 and e <= max(1e-6, 4 * e_torch),
                  "Jet float32 %s %s: gradient %d off by %.3g from float64 (PyTorch's float32: %.3g)"
                  % (widths, mode, k, e, e_torch))


def several_inputs(Jet):
    """forward(x, t) called as jet(x, t), each (n, 1) or (n,): gradients to
    x, t and the parameters as PyTorch's; jet of the (n, 2) points side
    by side the same numbers; a wrong count or shape refused."""
    class XT(nn.Module):
        def __init__(self, flat):
            super().__init__()
            self.flat = flat
            self.net = nn.Sequential(nn.Linear(2, 12), nn.Tanh(), nn.Linear(12, 1))

        def forward(self, x, t):
            if self.flat:
                return self.net(torch.stack([x, t], dim=1))
            return self.net(torch.cat([x, t], dim=1))
    torch.manual_seed(19)
    for flat in (False, True):
        model = XT(flat).double()
        jet = Jet(model, mode="hessian")
        shape = (7,) if flat else (7, 1)
        x = torch.rand(shape, dtype=torch.float64, requires_grad=True)
        t = torch.rand(shape, dtype=torch.float64, requires_grad=True)
        u, du, d2 = jet(x, t)
        side = jet(torch.stack([x.reshape(-1), t.reshape(-1)], dim=1).detach())
        check(all(torch.equal(a, b) for a, b in zip((u, du, d2), side)), "jet(x, t) and jet(xt) differ")
        model.zero_grad()
        (du[:, 0, 1] - 0.1 * d2[:, 0, 0, 0]).pow(2).sum().backward()
        mine = [x.grad.clone(), t.grad.clone()] + [p.grad.clone() for p in model.parameters()]
        X, T = x.detach().clone().requires_grad_(True), t.detach().clone().requires_grad_(True)
        U = model(X, T)
        ux, ut = torch.autograd.grad(U.sum(), (X, T), create_graph=True)
        uxx, = torch.autograd.grad(ux.sum(), X, create_graph=True)
        model.zero_grad()
        (ut.reshape(-1) - 0.1 * uxx.reshape(-1)).pow(2).sum().backward()
        theirs = [X.grad, T.grad] + [p.grad for p in model.parameters()]
        for k, (a, b) in enumerate(zip(mine, theirs)):
            compared[0] += 1
            e = normwise(a.numpy(), b.numpy())
            check(e <= 1e-10, "jet(x, t), flat %s: gradient %d off by %.3g" % (flat, k, e))
        for bad, what in (((x, t, t), "takes 2 inputs, 3 given"), ((x, t[:5]), "input 1 has shape")):
            refused(lambda: jet(*bad), (TypeError, ValueError), [what], "jet(x, t)")
        # only t requires grad; x in float32 beside t in float64 (the results
        # in float64, as torch.cat would promote them; x's gradient None)
        x32 = x.detach().float()
        t.grad = None
        u, du, d2 = jet(x32, t)
        check(u.dtype == torch.float64 and x32.grad is None, "jet(float32 x, float64 t): %s" % u.dtype)
        (du[:, 0, 1] - 0.1 * d2[:, 0, 0, 0]).pow(2).sum().backward()
        X, T = x32.double(), t.detach().clone().requires_grad_(True)
        U = model(X.requires_grad_(True), T)
        ux, ut = torch.autograd.grad(U.sum(), (X, T), create_graph=True)
        uxx, = torch.autograd.grad(ux.sum(), X, create_graph=True)
        (ut.reshape(-1) - 0.1 * uxx.reshape(-1)).pow(2).sum().backward()
        compared[0] += 1
        e = normwise(t.grad.numpy(), T.grad.numpy())
        check(t.grad.shape == t.shape and e <= 1e-10, "jet(x, t), only t's gradient: off by %.3g" % e)
    # one input of shape (n,) for a network of one input: its gradient (n,)
    model = nn.Sequential(nn.Linear(1, 10), nn.Tanh(), nn.Linear(10, 1)).double()
    jet = Jet(model, mode="hessian")
    x = torch.rand(9, dtype=torch.float64, requires_grad=True)
    u, du, d2 = jet(x)
    (u[:, 0] + d2[:, 0, 0, 0]).sum().backward()
    X = x.detach().clone().reshape(-1, 1).requires_grad_(True)
    U = model(X)
    ux, = torch.autograd.grad(U.sum(), X, create_graph=True)
    uxx, = torch.autograd.grad(ux.sum(), X, create_graph=True)
    (U.sum() + uxx.sum()).backward()
    compared[0] += 1
    e = normwise(x.grad.numpy(), X.grad.reshape(-1).numpy())
    check(x.grad.shape == x.shape and e <= 1e-10, "jet(x of shape (n,)): gradient %s off by %.3g"
          % (tuple(x.grad.shape), e))


class Scaled(nn.Module):
    """A number attribute forward() reads (the trace takes it as a literal)
    and one it does not (a step counter)."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2 = nn.Linear(1, 8), nn.Linear(8, 1)
        self.scale, self.steps = 2.0, 0

    def forward(self, x):
        return self.l2(torch.tanh(self.l1(x * self.scale)))


def numbers(Jet):
    """A counter of the module changing is harmless; a number forward()
    reads changing is refused, not silently ignored."""
    model = Scaled().double()
    jet = Jet(model, mode="hessian")
    x = torch.rand(3, 1, dtype=torch.float64)
    model.steps += 1
    u, _, _ = jet(x)
    check(normwise(u.detach().numpy(), model(x).detach().numpy()) <= 1e-12, "Jet after a counter changed")
    model.scale = 3.0
    refused(lambda: jet(x), jetgen.Error, ["scale 2.0 -> 3.0"], "Jet after a number forward() reads changed")


def misuse(Jet):
    """Points that are not a floating-point tensor; a gradient-enhanced
    loss (d/dx of the residual, create_graph=True) that would need third
    derivatives: refused, not silently missing its term; a layer replaced
    by one of the same shape is read and trained, of another shape refused."""
    torch.manual_seed(13)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    jet = Jet(model, mode="laplacian")
    for x, what in ((np.zeros((3, 2)), "ndarray"), (torch.zeros(3, 2, dtype=torch.int64), "int64")):
        refused(lambda: jet(x), TypeError, [what], "Jet on points as %s" % what)
    x = torch.rand(6, 2, dtype=torch.float64, requires_grad=True)
    u, du, lap = jet(x)
    res = lap[:, 0] - u[:, 0] ** 3
    g, = torch.autograd.grad(res.sum(), x, create_graph=True)
    refused(lambda: ((res ** 2).mean() + (g ** 2).mean()).backward(), jetgen.Error, ["beyond the 2-jet"],
            "a backward through Jet's gradients (create_graph)")
    g, = torch.autograd.grad(res.sum(), x, create_graph=True)
    refused(lambda: torch.autograd.grad(g.sum(), x), jetgen.Error, ["beyond the 2-jet"],
            "torch.autograd.grad of Jet's gradients with respect to the points (create_graph)")
    gw = torch.autograd.grad(res.sum(), list(model.parameters()), create_graph=True)
    refused(lambda: torch.autograd.grad(sum(t.sum() for t in gw), list(model.parameters())), jetgen.Error,
            ["beyond the 2-jet"], "torch.autograd.grad of Jet's parameter gradients (create_graph)")
    model[2] = nn.Linear(8, 1).double()
    X = x.detach().clone()
    u, du, lap = jet(X)
    (u ** 2).sum().backward()
    mine = model[2].weight.grad.clone()
    model.zero_grad()
    (model(X) ** 2).sum().backward()
    check(normwise(mine.numpy(), model[2].weight.grad.numpy()) <= 1e-12,
          "Jet after a layer was replaced: gradient not the new layer's")
    with torch.no_grad():
        model[0].weight[3, 1] = float("inf")
    refused(lambda: jet(X), jetgen.Error, ["0.weight", "diverged"], "Jet with an infinite weight")
    model[2] = nn.Linear(8, 2).double()
    refused(lambda: jet(X), jetgen.Error, ["no longer a parameter of shape"],
            "Jet after a layer was replaced by one of another shape")


def inverse_problem(Jet):
    """Parameters of the loss only (PDE coefficients) get PyTorch's
    gradients beside Jet's; a frozen parameter or buffer the export took as
    a constant is refused once it changes."""
    torch.manual_seed(11)
    model = InverseProblem().double()
    x = torch.rand(9, 2, dtype=torch.float64) * 2 - 1
    jet = Jet(model, mode="laplacian")

    def loss_of(u, du, lap):
        r = du[:, 0, 1] + model.lambda1 * u[:, 0] * du[:, 0, 0] - torch.exp(model.lambda2) * lap[:, 0]
        return (r ** 2).mean() + (u ** 2).mean()
    for step in range(2):
        X = x.clone().requires_grad_(True)
        loss = loss_of(*jet(X))
        model.zero_grad()
        loss.backward()
        mine = [p.grad.clone() for p in model.parameters() if p.requires_grad] + [X.grad.clone()]
        X2 = x.clone().requires_grad_(True)
        U, DU, D2 = torch_jets(model, X2, 1)
        loss2 = loss_of(U, DU, torch.diagonal(D2, dim1=2, dim2=3).sum(-1))
        model.zero_grad()
        loss2.backward()
        theirs = [p.grad.clone() for p in model.parameters() if p.requires_grad] + [X2.grad.clone()]
        check(abs(loss.item() - loss2.item()) <= 1e-12 * abs(loss2.item()), "inverse problem: loss %r, "
              "PyTorch %r" % (loss.item(), loss2.item()))
        for k, (a, b) in enumerate(zip(mine, theirs)):
            e = normwise(a.numpy(), b.numpy())
            compared[0] += 1
            check(e <= 1e-10, "inverse problem, step %d: gradient %d off by %.3g" % (step, k, e))
        with torch.no_grad():
            for p in model.parameters():
                if p.requires_grad:
                    p -= 0.05 * p.grad
    for change, what in ((lambda: model.shift.add_(0.1), "shift"),
                         (lambda: model.scale.requires_grad_(True), "scale")):
        jet = Jet(model, mode="laplacian")
        change()
        refused(lambda: jet(x), jetgen.Error, ["%s, which the export took as a constant, has changed" % what],
                "Jet with %s changed since the export" % what)


def jet_training(Jet, model, lr):
    """Two SGD steps in every mode, Jet's gradients against PyTorch's."""
    reference = composed(model)
    x = torch.rand(7, 2, dtype=torch.float64) * 2 - 1
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    name = type(model).__name__
    n_out = model(x[:1]).shape[1]
    for mode in ("hessian", "laplacian", "hessian_diag", "jacobian"):
        jet = Jet(model, mode=mode)
        for step in range(2):
            X = x.clone().requires_grad_(True)
            out = jet(X)
            loss = sum((o ** 2).sum() * (k + 1) for k, o in enumerate(out))
            opt.zero_grad()
            loss.backward()
            mine = [p.grad.clone() for p in model.parameters()] + [X.grad.clone()]
            X2 = x.clone().requires_grad_(True)
            U, DU, D2 = torch_jets(reference, X2, n_out)
            third = {"hessian": D2, "laplacian": torch.diagonal(D2, dim1=2, dim2=3).sum(-1),
                     "hessian_diag": torch.diagonal(D2, dim1=2, dim2=3), "jacobian": None}[mode]
            ref = [U, DU] + ([third] if third is not None else [])
            loss2 = sum((o ** 2).sum() * (k + 1) for k, o in enumerate(ref))
            check(abs(loss.item() - loss2.item()) <= 1e-12 * abs(loss2.item()), "Jet %s %s: loss %r, PyTorch %r"
                  % (name, mode, loss.item(), loss2.item()))
            opt.zero_grad()
            loss2.backward()
            theirs = [p.grad.clone() for p in model.parameters()] + [X2.grad.clone()]
            for k, (a, b) in enumerate(zip(mine, theirs)):
                e = normwise(a.numpy(), b.numpy())
                compared[0] += 1
                check(e <= 1e-10, "Jet %s %s, step %d: gradient %d off by %.3g" % (name, mode, step, k, e))
            opt.step()      # the next call must see the new weights


def threads():
    """The points split over threads, each with its own gradient array,
    summed: the one-thread gradients to rounding (1e-13)."""
    torch.manual_seed(9)
    net = jetgen.from_torch(zoo.ModifiedMLP(2, 16, 2, 1).double())
    x = np.random.default_rng(3).uniform(-1, 1, size=(200, 2))
    g = np.random.default_rng(4).normal(size=(200, 1))
    one, gx1 = net.gradient("laplacian", x, gu=g, gd2=g, wrt_x=True, threads=1)
    for t in (2, 5):
        many, gxt = net.gradient("laplacian", x, gu=g, gd2=g, wrt_x=True, threads=t)
        for k in one:
            e = normwise(many[k], one[k])
            check(e <= 1e-13, "%d threads: %s off by %.3g" % (t, k, e))
        check(np.array_equal(gx1, gxt), "%d threads: d L / d x differs" % t)


def main():
    import jetgen.export       # noqa: F401: the module's helpers
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(2026)
    random.seed(1)
    layer_norm_third_derivative()
    zoo_networks(rng)
    random_chains(rng)
    jet_function()
    threads()
    check(compared[0] > 1000, "only %d tensors compared" % compared[0])
    print("gradients: %d tensor gradients compared, %d failures; float32 within %.2g of float64"
          % (compared[0], len(failures), worst32[0]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
