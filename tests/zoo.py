"""zoo.py: networks written the way public PINN code writes them, exported
as written by tools/jetgen_export.py and checked against PyTorch autograd in
float64: u, du/dx, the full Hessian, its diagonal and the Laplacian, through
`jetgen eval` (the JIT) and through the emitted file compiled by cc and
called with ctypes, normwise within 1e-12 for every quantity (the export's
own check allows 1e-10 for derivatives; these agree far closer); `jetgen
verify` and `verify --reference` pass on each.

The modules are this test's own, written in the style of the codebases they
name (Raissi's PINNs and their PyTorch ports, DeepXDE's FNN, SIREN, Fourier
features, ResNet blocks, the modified MLP of Wang, Teng and Perdikaris,
PirateNet, adaptive activations, PINA, TorchPhysics). Then refusals: what
jetgen cannot compute is refused with its place, and nothing is written.
Run by meson (tests/meson.build) with JETGEN set."""

import collections
import ctypes
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import jetgen_export as jx  # noqa: E402
from harness import failures, check  # noqa: E402

JETGEN = os.environ.get("JETGEN", os.path.join(os.path.dirname(__file__), "..", "build", "jetgen"))
os.environ["JETGEN"] = JETGEN


class RaissiPINN(nn.Module):
    """Raissi's PINN as PyTorch ports write it: layers in a list, the input
    scaled to [-1, 1] inside forward, forward(x, t)."""

    def __init__(self, layers, lb, ub):
        super().__init__()
        self.lb, self.ub = torch.tensor(lb), torch.tensor(ub)
        self.linears = nn.ModuleList([nn.Linear(layers[i], layers[i + 1]) for i in range(len(layers) - 1)])
        self.activation = nn.Tanh()

    def forward(self, x, t):
        X = torch.cat([x, t], dim=1)
        H = 2.0 * (X - self.lb) / (self.ub - self.lb) - 1.0
        for layer in self.linears[:-1]:
            H = self.activation(layer(H))
        return self.linears[-1](H)


class DNN(nn.Module):
    """The PINNs PyTorch port's DNN: an nn.Sequential of an OrderedDict."""

    def __init__(self, layers):
        super().__init__()
        depth = len(layers) - 1
        items = []
        for i in range(depth - 1):
            items.append(("layer_%d" % i, nn.Linear(layers[i], layers[i + 1])))
            items.append(("activation_%d" % i, nn.Tanh()))
        items.append(("layer_%d" % (depth - 1), nn.Linear(layers[-2], layers[-1])))
        self.layers = nn.Sequential(collections.OrderedDict(items))

    def forward(self, x):
        return self.layers(x)


class FNN(nn.Module):
    """DeepXDE's FNN (PyTorch backend): a ModuleList, the activation a
    function applied in forward, optional input and output transforms."""

    def __init__(self, sizes, activation=torch.tanh, input_transform=None, output_transform=None):
        super().__init__()
        self.activation = activation
        self._input_transform = input_transform
        self._output_transform = output_transform
        self.linears = nn.ModuleList()
        for i in range(1, len(sizes)):
            self.linears.append(nn.Linear(sizes[i - 1], sizes[i]))
            nn.init.xavier_normal_(self.linears[-1].weight)
            nn.init.zeros_(self.linears[-1].bias)

    def forward(self, inputs):
        x = inputs
        if self._input_transform is not None:
            x = self._input_transform(x)
        for linear in self.linears[:-1]:
            x = self.activation(linear(x))
        x = self.linears[-1](x)
        if self._output_transform is not None:
            x = self._output_transform(inputs, x)
        return x


def hard_dirichlet(inputs, outputs):
    """DeepXDE's apply_output_transform for u(0) = u(1) = 0."""
    x = inputs[:, 0:1]
    return x * (1 - x) * outputs


def periodic_features(x):
    """DeepXDE-style input transform: periodic in x, t as it is."""
    return torch.cat([torch.cos(math.pi * x[:, 0:1]), torch.sin(math.pi * x[:, 0:1]), x[:, 1:2]], dim=1)


class SineLayer(nn.Module):
    """SIREN's layer, omega_0 inside."""

    def __init__(self, in_features, out_features, is_first=False, omega_0=30.0):
        super().__init__()
        self.omega_0, self.is_first = omega_0, is_first
        self.linear = nn.Linear(in_features, out_features)
        with torch.no_grad():
            bound = 1 / in_features if is_first else math.sqrt(6 / in_features) / omega_0
            self.linear.weight.uniform_(-bound, bound)

    def forward(self, x):
        return torch.sin(self.omega_0 * self.linear(x))


class Siren(nn.Module):
    def __init__(self, n_in, hidden, n_layers, n_out):
        super().__init__()
        net = [SineLayer(n_in, hidden, is_first=True)]
        for _ in range(n_layers):
            net.append(SineLayer(hidden, hidden))
        final = nn.Linear(hidden, n_out)
        net.append(final)
        self.net = nn.Sequential(*net)

    def forward(self, coords):
        return self.net(coords)


class FourierFeatures(nn.Module):
    """Random Fourier features, B a buffer [in, m], 2 pi outside, [sin, cos]."""

    def __init__(self, n_in, m, sigma, hidden, n_out):
        super().__init__()
        self.register_buffer("B", torch.randn(n_in, m) * sigma)
        self.mlp = nn.Sequential(nn.Linear(2 * m, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                 nn.Linear(hidden, n_out))

    def forward(self, x):
        x_proj = (2.0 * np.pi * x) @ self.B
        return self.mlp(torch.cat([torch.sin(x_proj), torch.cos(x_proj)], dim=-1))


class FourierPlain(nn.Module):
    """Fourier features from a plain tensor attribute [m, in], [cos, sin]."""

    def __init__(self, n_in, m, hidden):
        super().__init__()
        self.W = torch.randn(m, n_in) * 2.0
        self.l1 = nn.Linear(2 * m, hidden)
        self.l2 = nn.Linear(hidden, 1)

    def forward(self, x):
        z = torch.matmul(x, self.W.T)
        h = torch.cat((torch.cos(z), torch.sin(z)), 1)
        return self.l2(torch.tanh(self.l1(h)))


class ResBlock(nn.Module):
    def __init__(self, width, act):
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(width, width), nn.Linear(width, width), act

    def forward(self, x):
        return x + self.act(self.fc2(self.act(self.fc1(x))))


class ResNetPINN(nn.Module):
    def __init__(self, n_in, width, blocks, n_out):
        super().__init__()
        self.inp = nn.Linear(n_in, width)
        self.blocks = nn.ModuleList([ResBlock(width, nn.Tanh()) for _ in range(blocks)])
        self.out = nn.Linear(width, n_out)

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        for b in self.blocks:
            h = b(h)
        return self.out(h)


class ModifiedMLP(nn.Module):
    """Wang, Teng and Perdikaris: U = s(W1 x), V = s(W2 x), h = (1 - Z) U + Z V."""

    def __init__(self, n_in, width, depth, n_out):
        super().__init__()
        self.U, self.V = nn.Linear(n_in, width), nn.Linear(n_in, width)
        self.hidden = nn.ModuleList([nn.Linear(n_in if i == 0 else width, width) for i in range(depth)])
        self.last = nn.Linear(width, n_out)
        self.act = torch.tanh

    def forward(self, x):
        U, V = self.act(self.U(x)), self.act(self.V(x))
        H = x
        for layer in self.hidden:
            Z = self.act(layer(H))
            H = torch.mul(1 - Z, U) + torch.mul(Z, V)
        return self.last(H)


class PirateBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.d1, self.d2, self.d3 = nn.Linear(width, width), nn.Linear(width, width), nn.Linear(width, width)
        self.alpha = nn.Parameter(torch.tensor(0.3))

    def forward(self, x, u, v):
        f = torch.tanh(self.d1(x))
        z1 = f * u + (1 - f) * v
        g = torch.tanh(self.d2(z1))
        z2 = g * u + (1 - g) * v
        h = torch.tanh(self.d3(z2))
        return self.alpha * h + (1 - self.alpha) * x


class PirateNet(nn.Module):
    """PirateNet: a Fourier embedding, gates U and V, adaptive residual blocks."""

    def __init__(self, n_in, m, width, blocks):
        super().__init__()
        self.register_buffer("B", torch.randn(m, n_in))
        self.u, self.v = nn.Linear(2 * m, width), nn.Linear(2 * m, width)
        self.inp = nn.Linear(2 * m, width)
        self.blocks = nn.ModuleList([PirateBlock(width) for _ in range(blocks)])
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        e = torch.cat([torch.cos(x @ self.B.T), torch.sin(x @ self.B.T)], dim=-1)
        u, v = torch.tanh(self.u(e)), torch.tanh(self.v(e))
        h = torch.tanh(self.inp(e))
        for b in self.blocks:
            h = b(h, u, v)
        return self.out(h)


class AdaptiveTanh(nn.Module):
    """Jagtap's adaptive activation: tanh(n a x), a trainable."""

    def __init__(self, n=10.0):
        super().__init__()
        self.n = n
        self.a = nn.Parameter(torch.tensor(0.1 + 0.05 * torch.rand(1).item()))

    def forward(self, x):
        return torch.tanh(self.n * self.a * x)


class LocallyAdaptive(nn.Module):
    """Layer-wise adaptive slopes in a ParameterList."""

    def __init__(self, sizes):
        super().__init__()
        self.fcs = nn.ModuleList([nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)])
        self.a = nn.ParameterList([nn.Parameter(torch.tensor(0.5 + 0.1 * i)) for i in range(len(sizes) - 2)])

    def forward(self, x):
        for i, fc in enumerate(self.fcs[:-1]):
            x = torch.sin(2.0 * self.a[i] * fc(x))
        return self.fcs[-1](x)


class PinaFeedForward(nn.Module):
    """PINA's FeedForward: an activation instance per layer, built in a loop."""

    def __init__(self, input_dimensions, output_dimensions, inner_size=20, n_layers=2, func=nn.Tanh):
        super().__init__()
        tmp = [input_dimensions] + [inner_size] * n_layers + [output_dimensions]
        layers = []
        for i in range(len(tmp) - 1):
            layers.append(nn.Linear(tmp[i], tmp[i + 1]))
            if i < len(tmp) - 2:
                layers.append(func())
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class TorchPhysicsFCN(nn.Module):
    """TorchPhysics' FCN: one activation instance reused between the layers."""

    def __init__(self, n_in, hidden, n_out, activations=nn.Tanh()):
        super().__init__()
        layers = [nn.Linear(n_in, hidden[0]), activations]
        for i in range(len(hidden) - 1):
            layers += [nn.Linear(hidden[i], hidden[i + 1]), activations]
        layers.append(nn.Linear(hidden[-1], n_out))
        self.sequential = nn.Sequential(*layers)

    def forward(self, points):
        return self.sequential(points)


class WithDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(3, 16), nn.SiLU(), nn.Dropout(0.1), nn.Identity(),
                                 nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 2))

    def forward(self, x):
        return self.net(x)


class ThreeInputs(nn.Module):
    """forward(x, y, t) as Navier-Stokes codes write it; returns (u, v, p)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 3))

    def forward(self, x, y, t):
        out = self.net(torch.cat([x, y, t], dim=1))
        u, v, p = out[:, 0:1], out[:, 1:2], out[:, 2:3]
        return u, v, p


class SplitOutputs(nn.Module):
    """psi and p from one network, split; u = psi * p kept as the output."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 24), nn.Tanh(), nn.Linear(24, 24), nn.Tanh(), nn.Linear(24, 2))

    def forward(self, x):
        psi, p = torch.split(self.net(x), 1, dim=1)
        return psi * p + psi.clone() * 0.5


class Normalize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("std", torch.tensor(std))

    def forward(self, x):
        return (x - self.mean) / self.std


class OutputScale(nn.Module):
    def __init__(self, scale, shift):
        super().__init__()
        self.scale, self.shift = scale, shift

    def forward(self, u):
        return u * self.scale + self.shift


class NormalizedNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = Normalize([0.5, 1.0], [0.25, 2.0])
        self.body = nn.Sequential(nn.Linear(2, 16), nn.Softplus(beta=2.0), nn.Linear(16, 16), nn.Tanh(),
                                  nn.Linear(16, 1))
        self.scale = OutputScale(3.5, -0.25)

    def forward(self, x):
        return self.scale(self.body(self.norm(x)))


class Functional(nn.Module):
    """Activations as functions: F.silu, F.gelu(tanh), F.softplus(beta), sigmoid."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3, self.l4 = nn.Linear(2, 12), nn.Linear(12, 12), nn.Linear(12, 12), \
            nn.Linear(12, 1)

    def forward(self, x):
        h = F.silu(self.l1(x))
        h = F.gelu(self.l2(h), approximate="tanh")
        h = F.softplus(self.l3(h), beta=2.0) + torch.sigmoid(h)
        return self.l4(h)


class SineConstraint(nn.Module):
    """u = sin(pi x) net(x, t) + t^2: a hard constraint with a power."""

    def __init__(self):
        super().__init__()
        self.net = FNN([2, 16, 16, 1])

    def forward(self, x):
        return torch.sin(math.pi * x[:, 0:1]) * self.net(x) + x[:, 1:2] ** 2


class Powers(nn.Module):
    """(1 - x^2) net + torch.square, and a division by a network value."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(1, 10)
        self.b = nn.Linear(10, 1)

    def forward(self, x):
        h = torch.tanh(self.a(x))
        n = self.b(h)
        return (1 - x ** 2) * n + torch.square(n) / (1.0 + x * x)


class FlatIndex(nn.Module):
    """x[:, 0] and x[:, 1] as [N] values, back to [N, 1] with unsqueeze and None."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        a, t = x[:, 0], x[:, 1]
        X = torch.stack([a * 2.0, t], dim=1)
        return self.net(X) * t[:, None] + a.unsqueeze(1)


class MultiScale(nn.Module):
    """Two branches on differently scaled inputs, added (multi-scale Fourier style)."""

    def __init__(self):
        super().__init__()
        self.b1 = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh())
        self.b2 = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh())
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return self.out(self.b1(x) + self.b2(10.0 * x))


class ChunkGate(nn.Module):
    """torch.chunk of a layer into a gate and a value (GLU-like)."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(2, 32)
        self.l2 = nn.Linear(16, 1)

    def forward(self, x):
        a, g = torch.chunk(self.l1(x), 2, dim=-1)
        return self.l2(a * torch.sigmoid(g))


class DecayConstraint(nn.Module):
    """u = exp(-t) net(x, t) + (1 - exp(-t)) g(x): forward(x, t)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x, t):
        return torch.exp(-t) * self.net(torch.cat([x, t], 1)) + (1 - torch.exp(-t)) * torch.cos(x)


class FeatureScale(nn.Module):
    """A trainable per-feature vector multiplied in, and a sum over features."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(3, 8)
        self.s = nn.Parameter(torch.linspace(0.5, 1.5, 8))
        self.l2 = nn.Linear(8, 8)

    def forward(self, x):
        h = torch.tanh(self.l1(x) * self.s)
        return torch.sum(torch.tanh(self.l2(h)), dim=1, keepdim=True) + h.mean(dim=-1, keepdim=True)


class DoubleLinear(nn.Module):
    """Two Linear layers with nothing between: right, but warned."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 8), nn.Linear(8, 8), nn.ELU(alpha=0.7), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)


class SteepTanh(nn.Tanh):
    """A subclass of an activation module that changes its forward: traced
    as written (tanh(2z)), never mapped to the base class's tanh."""

    def forward(self, x):
        return torch.tanh(2.0 * x)


class SubclassedActivations(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 12), SteepTanh(), nn.Linear(12, 12), nn.ReLU6(),
                                 nn.Linear(12, 12), nn.Softplus(beta=2.0), nn.Linear(12, 1))

    def forward(self, x):
        return torch.special.erf(self.net(x))


class KeepsFeatures(nn.Module):
    """DeepXDE's multi-scale Fourier feature network as its ports write it:
    forward() keeps its features on self (an export must not leave fx's
    Proxies there), and the scales are a plain list of tensors."""

    def __init__(self):
        super().__init__()
        self.b = [torch.randn(2, 8, dtype=torch.float64) * s for s in (1.0, 4.0)]
        self.hidden = nn.Linear(16, 16)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        self.fourier_feature_weights = [torch.cat([torch.cos(x @ b), torch.sin(x @ b)], 1) for b in self.b]
        ys = [torch.tanh(self.hidden(f)) for f in self.fourier_feature_weights]
        self.calls = getattr(self, "calls", 0) + 1
        return self.out(torch.cat(ys, 1))


class NumpyBounds(nn.Module):
    """Raissi's ports with the bounds as numpy arrays made tensors inside
    forward() (fx keeps such a tensor as a _tensor_constant of the root)."""

    def __init__(self):
        super().__init__()
        self.lb, self.ub = np.array([-1.0, 0.0]), np.array([1.0, 2.0])
        self.net = nn.Sequential(nn.Linear(2, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 1))

    def forward(self, x):
        lb = torch.tensor(self.lb, dtype=x.dtype)
        ub = torch.tensor(self.ub, dtype=x.dtype)
        return self.net(2.0 * (x - lb) / (ub - lb) - 1.0)


class TiedWeights(nn.Module):
    """Hidden layers sharing one weight matrix, each with its own bias
    (hidden[i].weight = hidden[0].weight), as weight-tied PINNs write it."""

    def __init__(self):
        super().__init__()
        self.first = nn.Linear(2, 16)
        self.hidden = nn.ModuleList([nn.Linear(16, 16) for _ in range(3)])
        for layer in self.hidden[1:]:
            layer.weight = self.hidden[0].weight
        self.last = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.tanh(self.first(x))
        for layer in self.hidden:
            h = torch.tanh(layer(h))
        return self.last(h)


class KeywordFlag(nn.Module):
    """forward(x, return_hidden=False, scale=1.0): flags with defaults, as
    models that serve several uses write them; exported as a call with x
    alone computes it."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh())
        self.head = nn.Linear(16, 1)

    def forward(self, x, return_hidden=False, scale=0.5, mask=None):
        h = self.body(x)
        if mask is not None:
            h = h * mask
        if return_hidden:
            return h
        return scale * self.head(h)


class RFunctionDistance(nn.Module):
    """A hard boundary condition by R-functions (Rvachev; Sukumar and
    Srivastava's distance fields): u = phi(x) N(x), phi the R-conjunction
    of two distances, by torch.sqrt, x ** 0.5 and torch.rsqrt."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 20), nn.Tanh(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 1))

    def forward(self, x):
        r2 = x[:, 0:1] ** 2 + x[:, 1:2] ** 2
        phi1 = 1.5 - torch.sqrt(r2 + 1e-2)
        phi2 = (x[:, 0:1] + 2.0) ** 0.5
        phi = phi1 + phi2 - torch.sqrt(phi1 ** 2 + phi2 ** 2)
        return phi * self.net(x) * torch.rsqrt(1.0 + r2) * (2.0 + x[:, 1:2]) ** 1.5


class DeepONetSensors(nn.Module):
    """DeepONet for one input function sampled at fixed sensors (a buffer):
    the branch net runs on constants, its output folds into the network
    (and trains through Jet), the trunk on x; u = <branch, trunk>."""

    def __init__(self):
        super().__init__()
        self.register_buffer("sensors", torch.sin(torch.linspace(0, 3, 10)).reshape(1, 10))
        self.branch = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 8))
        self.trunk = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh())

    def forward(self, x):
        b = self.branch(self.sensors)
        return (b * self.trunk(x)).sum(dim=1, keepdim=True)


class ActivationInForward(nn.Module):
    """Activation modules made inside forward() (nn.Tanh()(h), nn.SiLU()),
    as quick scripts write them."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1)

    def forward(self, x):
        h = nn.Tanh()(self.l1(x))
        return self.l3(nn.Softplus(beta=2.0)(self.l2(h)))


class TFPort(nn.Module):
    """A TensorFlow port: dense layers as torch.addmm and torch.einsum with
    weight parameters, a LayerNorm module and F.layer_norm between them."""

    def __init__(self):
        super().__init__()
        self.W1, self.b1 = nn.Parameter(torch.randn(2, 16) * 0.7), nn.Parameter(torch.randn(16) * 0.1)
        self.W2 = nn.Parameter(torch.randn(16, 16) * 0.3)
        self.norm = nn.LayerNorm(16)
        with torch.no_grad():
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.2, 0.2)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.tanh(self.norm(torch.addmm(self.b1, x, self.W1)))
        h = torch.einsum("ni,ij->nj", h, self.W2)
        h = torch.tanh(F.layer_norm(h, (16,), eps=1e-6))
        return self.out(h)


def _layer_norm(h, eps, weight=None, bias=None):
    c = h - h.mean(dim=1, keepdim=True)
    y = c * ((c * c).mean(dim=1, keepdim=True) + eps) ** -0.5
    return y if weight is None else y * weight + bias


class TFPortComposed(TFPort):
    """TFPort with its layer norms in elementary torch ops, the same
    numbers: the gradients' reference (tests/gradients.py), as PyTorch
    1.13's layer_norm has a wrong third derivative (its double backward's
    backward; the composition's agrees with differences of PyTorch's own
    second derivative)."""

    def forward(self, x):
        h = torch.tanh(_layer_norm(torch.addmm(self.b1, x, self.W1), self.norm.eps, self.norm.weight,
                                   self.norm.bias))
        h = torch.einsum("ni,ij->nj", h, self.W2)
        h = torch.tanh(_layer_norm(h, 1e-6))
        return self.out(h)


class Embeddings(nn.Module):
    """Input embeddings as PINA and harmonic-feature codes write them: a
    Fourier matrix moved to x's device and dtype, a periodic embedding with
    torch.ones_like, harmonics of one input broadcast against a vector of
    frequencies, a buffer shift by .expand, the features flipped, and a
    sum over axis=-1 with keepdim."""

    def __init__(self):
        super().__init__()
        self._matrix = torch.randn(2, 6)
        self.register_buffer("shift", torch.tensor([[0.1, -0.2]]))
        self.k = torch.arange(1.0, 4.0)
        self.net = nn.Sequential(nn.Linear(12 + 1 + 6, 24), nn.Tanh(), nn.Linear(24, 3))

    def forward(self, x):
        m = self._matrix.to(device=x.device, dtype=x.dtype)
        xs = x - self.shift.expand(x.shape[0], -1)
        ff = torch.cat([torch.cos(xs @ m), torch.sin(xs @ m)], dim=-1)
        t = xs[:, 1:2] * self.k
        h = torch.cat([ff, torch.ones_like(x[:, :1]), torch.sin(t), torch.cos(t)], dim=-1)
        y = self.net(torch.flip(h, dims=[1]))
        return torch.sum(y * y, axis=-1, keepdim=True)


class RBFNet(nn.Module):
    """A radial-basis layer as RBF-PINN codes write it: x [N, 2] against
    trainable centers [8, 2] by unsqueeze and broadcasting to [N, 8, 2],
    squared distances summed over the last dimension, exp(-r2 / width)."""

    def __init__(self):
        super().__init__()
        self.centers = nn.Parameter(torch.rand(8, 2) * 2 - 1)
        self.log_width = nn.Parameter(torch.tensor(-0.5))
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        d = x.unsqueeze(1) - self.centers.unsqueeze(0)
        r2 = (d ** 2).sum(dim=-1)
        return self.out(torch.exp(-r2 / torch.exp(self.log_width)))


class FourierKAN(nn.Module):
    """A Fourier Kolmogorov-Arnold layer: each input's harmonics [N, 2, 4]
    (view, expand, a frequency vector), cos and sin, and the coefficients
    [2, 4, 8] contracted by einsum('bik,iko->bo'); then a view back from
    [N, 2, 4] to [N, 8] for a skip branch."""

    def __init__(self):
        super().__init__()
        self.register_buffer("k", torch.arange(1.0, 5.0))
        self.a = nn.Parameter(torch.randn(2, 4, 8) * 0.3)
        self.b = nn.Parameter(torch.randn(2, 4, 8) * 0.3)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        t = x.view(-1, 2, 1).expand(-1, -1, 4) * self.k
        h = torch.einsum("bik,iko->bo", torch.cos(t), self.a) + torch.einsum("bik,iko->bo", torch.sin(t), self.b)
        skip = torch.tanh(t).reshape(x.shape[0], -1)
        return self.out(torch.cat([torch.tanh(h), skip], dim=1))


class SeparablePINN(nn.Module):
    """A separable PINN: one small network per input, their features
    combined by einsum('ni,nj->nij') and summed; and torch.stack of [N, k]
    values along both new dimensions."""

    def __init__(self):
        super().__init__()
        self.fx = nn.Sequential(nn.Linear(1, 12), nn.Tanh(), nn.Linear(12, 4))
        self.fy = nn.Sequential(nn.Linear(1, 12), nn.Tanh(), nn.Linear(12, 4))
        self.mix = nn.Linear(8, 1)

    def forward(self, x):
        a, b = torch.tanh(self.fx(x[:, 0:1])), torch.tanh(self.fy(x[:, 1:2]))
        u = torch.einsum("ni,nj->nij", a, b).sum(dim=1).sum(dim=-1, keepdim=True)
        h = torch.stack([a, b], dim=-1).reshape(x.shape[0], -1)
        g = torch.stack([a, b], dim=1).mean(dim=1)
        return u + self.mix(torch.tanh(h)) * g.sum(dim=1, keepdim=True)


class ChebyKAN(nn.Module):
    """A Chebyshev Kolmogorov-Arnold layer as ChebyKAN codes write it:
    tanh, view to [N, 2, 1], expand to the degrees, acos, times the
    degrees in place, cos (T_k(x) = cos(k acos x)), einsum with the
    coefficients [2, 1, 5]... [in, out, degree + 1]."""

    def __init__(self):
        super().__init__()
        self.coeffs = nn.Parameter(torch.randn(2, 6, 5) * 0.3)
        self.register_buffer("arange", torch.arange(0, 5).double())
        self.out = nn.Linear(6, 1)

    def forward(self, x):
        x = torch.tanh(x)
        x = x.view((-1, 2, 1)).expand(-1, -1, 5)
        x = x.acos()
        x *= self.arange
        x = x.cos()
        y = torch.einsum("bid,iod->bo", x, self.coeffs)
        return self.out(torch.tanh(y))


class HardConstraints(nn.Module):
    """Distance functions of hard boundary conditions as users write them:
    the norm of x (x.norm, torch.linalg.norm), a product over the features
    (torch.prod), and the output clamped and shifted by abs."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        r = x.norm(dim=1, keepdim=True) + torch.linalg.norm(x - 2.0, dim=-1, keepdim=True)
        box = torch.prod(x * (2.0 - x), dim=1, keepdim=True)
        u = self.net(x)
        return box * u * r + torch.clamp(u, min=-3.0, max=3.0) + torch.abs(x[:, 0:1] - 3.0) * torch.clamp(u, min=-5.0)


class ShapesInPython(nn.Module):
    """A buffer's and a parameter's shapes used by Python in forward()
    (range(self.B.shape[1]), self.W.size(1), len(self.B)): known while
    traced, as they are fixed."""

    def __init__(self):
        super().__init__()
        self.register_buffer("B", torch.randn(2, 4))
        self.W = nn.Parameter(torch.randn(2, 3))
        self.out = nn.Linear(4 + 4 + 3, 1)

    def forward(self, x):
        feats = [torch.sin(x @ self.B[:, i:i + 1]) for i in range(self.B.shape[1])]
        n = self.W.size(1) + 0 * len(self.B) + 0 * self.W.dim()
        return self.out(torch.cat(feats + [torch.cos(x @ self.B), torch.tanh(x @ self.W[:, :n])], dim=1))


def zoo():
    """(name, module, export keyword arguments), seeded."""
    torch.manual_seed(12)
    nets = [
        ("raissi", RaissiPINN([2, 20, 20, 20, 2], [-5.0, 0.0], [5.0, math.pi / 2]),
         dict(domain=[(-5, 5), (0, math.pi / 2)])),
        ("dnn_ordereddict", DNN([2, 24, 24, 24, 1]), {}),
        ("deepxde_fnn", FNN([1, 32, 32, 1]), {}),
        ("deepxde_output_transform", FNN([2, 20, 20, 1], output_transform=hard_dirichlet),
         dict(domain=[(0, 1), (0, 1)])),
        ("deepxde_input_transform", FNN([3, 20, 20, 1], input_transform=periodic_features, activation=F.silu),
         dict(input_names=["x", "t"])),
        ("siren", Siren(2, 32, 2, 1), {}),
        ("fourier_features", FourierFeatures(2, 16, 1.0, 32, 1), {}),
        ("fourier_plain_attribute", FourierPlain(2, 8, 24), {}),
        ("resnet", ResNetPINN(2, 24, 3, 1), {}),
        ("modified_mlp", ModifiedMLP(2, 32, 4, 1), {}),
        ("piratenet", PirateNet(2, 8, 24, 2), {}),
        ("adaptive_tanh", nn.Sequential(nn.Linear(1, 20), AdaptiveTanh(), nn.Linear(20, 20), AdaptiveTanh(),
                                        nn.Linear(20, 1)), {}),
        ("locally_adaptive", LocallyAdaptive([2, 20, 20, 1]), {}),
        ("pina_feedforward", PinaFeedForward(2, 1, 20, 3), {}),
        ("torchphysics_fcn", TorchPhysicsFCN(2, [20, 20, 20], 1), {}),
        ("dropout_flatten_identity", WithDropout(), {}),
        ("three_inputs_p", ThreeInputs(), dict(output=2)),
        ("three_inputs_u", ThreeInputs(), dict(output=0)),
        ("navier_stokes_over_xy", ThreeInputs(), dict(output=0, over=["x", "y"])),     # u_xx + u_yy
        ("split_outputs", SplitOutputs(), {}),
        ("normalize_outputscale", NormalizedNet(), dict(domain=[(0, 1), (0, 2)])),
        ("functional_activations", Functional(), {}),
        ("sine_constraint", SineConstraint(), dict(domain=[(0, 1), (0, 1)])),
        ("powers_division", Powers(), {}),
        ("flat_index", FlatIndex(), dict(n_in=2)),     # uses x[:, 0] and x[:, 1] only: n_in says it
        ("multiscale", MultiScale(), {}),
        ("chunk_gate", ChunkGate(), {}),
        ("decay_constraint", DecayConstraint(), dict(domain=[(-1, 1), (0, 2)])),
        ("feature_scale", FeatureScale(), {}),
        ("double_linear", DoubleLinear(), {}),
        ("subclassed_activations_erf", SubclassedActivations(), {}),
        ("keeps_features", KeepsFeatures(), {}),
        ("numpy_bounds", NumpyBounds(), dict(domain=[(-1, 1), (0, 2)])),
        ("tied_weights", TiedWeights(), {}),
        ("keyword_flag", KeywordFlag(), {}),
        ("r_function_sqrt", RFunctionDistance(), {}),
        ("deeponet_fixed_sensors", DeepONetSensors(), {}),
        ("activation_made_in_forward", ActivationInForward(), {}),
        ("tf_port_addmm_einsum_layernorm", TFPort(), {}),
        ("embeddings_broadcast_flip_expand", Embeddings(), {}),
        ("rbf_three_dimensions", RBFNet(), {}),
        ("fourier_kan_einsum_view", FourierKAN(), {}),
        ("separable_einsum_stack", SeparablePINN(), {}),
        ("chebyshev_kan_acos", ChebyKAN(), {}),
        ("hard_constraints_norm_prod_clamp_abs", HardConstraints(), {}),
        ("shapes_in_python", ShapesInPython(), {}),
    ]
    for k, (name, m, kw) in enumerate(nets):
        if k % 2 == 1:
            m.double()      # half in float64, half in PyTorch's default float32
        m.eval()
    return nets


# ---------------------------------------------------------------- checks

def reference(module, widths, output, x):
    return jx._reference(module, widths, output, x)


def normwise(got, want):
    got = torch.as_tensor(np.asarray(got, dtype=np.float64)).reshape(want.shape)
    d = float(torch.linalg.norm((got - want).reshape(-1)))
    n = float(torch.linalg.norm(want.reshape(-1)))
    return d / n if n > 0 else d


def jetgen_eval(spec, points, hessian):
    text = "".join(" ".join("%.17g" % v for v in p) + "\n" for p in points)
    run = subprocess.run([JETGEN, "eval", spec, "--format", "json", "--hessian", hessian], input=text,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr)
    import json
    got = json.loads(run.stdout)
    key = {"full": "d2u", "diag": "d2u_diag", "laplacian": "lap"}[hessian]
    return got["u"], got["du"], got[key]


def emitted(folder, name, spec, points, n_out, n_over):
    """The emitted file, compiled by cc: each of hessian, hessian_diag and
    laplacian at the points."""
    c = os.path.join(folder, name + ".c")
    so = os.path.join(folder, name + ".so")
    subprocess.run([JETGEN, "emit", spec, "-o", c, "--prefix", "zoo", "--hessian", "full,diag,laplacian"],
                   check=True, capture_output=True)
    subprocess.run(["cc", "-std=c99", "-O2", "-Wall", "-Wextra", "-pedantic", "-Werror", "-shared", "-fPIC",
                    c, "-o", so, "-lm"], check=True)
    lib = ctypes.CDLL(so)
    n, n_in = len(points), len(points[0])
    D = ctypes.c_double
    xs = (D * (n * n_in))(*[v for p in points for v in p])
    out = {}
    for fn, per in (("zoo_hessian", n_in * n_in), ("zoo_hessian_diag", n_over), ("zoo_laplacian", 1)):
        u, du, d2 = (D * (n * n_out))(), (D * (n * n_out * n_in))(), (D * (n * n_out * per))()
        getattr(lib, fn)(ctypes.c_size_t(n), xs, u, du, d2)
        out[fn] = (list(u), list(du), list(d2))
    return out


def state(module):
    """What an export must leave as it was: every submodule's attributes
    (names and the objects they hold) and its tables' entries."""
    out = []
    for name, sub in module.named_modules():
        for k, v in sorted(vars(sub).items()):
            out.append((name, k, id(v), tuple((a, id(b)) for a, b in v.items()) if isinstance(v, dict) else
                        tuple(id(b) for b in v) if isinstance(v, list) else None))
    return out


def check_unchanged(name, module, before):
    """The module after an export (made or refused) is the module before it,
    and copy.deepcopy and pickle take it (they fail on fx's Proxies)."""
    import copy
    import pickle
    after = state(module)
    check(after == before, "%s: the export changed the module: %s" % (
        name, sorted(set(after) ^ set(before))[:4]))
    try:
        copy.deepcopy(module)
        pickle.dumps(module)
    except Exception as e:      # noqa: BLE001
        check(False, "%s: after the export, deepcopy or pickle fails: %s: %s" % (name, type(e).__name__, e))


def check_zoo(folder):
    for name, module, kw in zoo():
        spec = os.path.join(folder, name + ".spec")
        before = state(module)
        try:
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always", jx.ExportWarning)
                jx.export(module, spec, reference=spec[:-5] + ".ref.json", **kw)
        except jx.ExportError as e:
            check(False, "%s: refused: %s" % (name, e))
            continue
        finally:
            check_unchanged(name, module, before)
        if name == "double_linear":
            check(any("dense" in str(w.message) and "nothing between" in str(w.message) for w in said),
                  "%s: no warning about two dense layers: %s" % (name, [str(w.message) for w in said]))
        graph = jx.trace(module)
        widths = jx._widths(module, graph, kw.get("n_in"), kw.get("input_names"))
        n_in = sum(1 if w is None else w for w in widths)
        pts = jx._points(n_in, kw.get("domain"), 5, seed=7)
        ref = jx.as_float64(module)
        want = [reference(ref, widths, kw.get("output"), x) for x in pts]
        n_out = want[0][0].numel()
        points = pts.tolist()
        names = kw.get("input_names") or [p.name for p in jx._placeholders(module, graph)]
        sel = [i for i, v in enumerate(names) if v in kw["over"]] if "over" in kw else list(range(n_in))
        for hessian in ("full", "diag", "laplacian"):
            u, du, d2 = jetgen_eval(spec, points, hessian)
            for p in range(len(points)):
                wu, wdu, wd2 = want[p]
                w2 = wd2 if hessian == "full" else torch.diagonal(wd2, dim1=1, dim2=2)[:, sel] if hessian == "diag" \
                    else torch.diagonal(wd2, dim1=1, dim2=2)[:, sel].sum(-1)
                for q, g, w, tol in (("u", u[p], wu, 1e-12), ("du", du[p], wdu, 1e-12), ("d2u", d2[p], w2, 1e-12)):
                    e = normwise(g, w)
                    check(e <= tol, "%s: jetgen eval --hessian %s, point %d: %s off by %.3g" % (name, hessian, p, q,
                                                                                                  e))
        if name in ("raissi", "modified_mlp", "navier_stokes_over_xy"):
            # jetgen eval --oracle: the network in long double, derivatives by
            # extrapolated differences, against PyTorch
            for hessian in ("full", "laplacian"):
                text = "".join(" ".join("%.17g" % v for v in p) + "\n" for p in points)
                run = subprocess.run([JETGEN, "eval", spec, "--oracle", "--format", "json", "--hessian", hessian],
                                     input=text, capture_output=True, text=True)
                import json
                o = json.loads(run.stdout)
                for p in range(len(points)):
                    wu, wdu, wd2 = want[p]
                    w2 = wd2 if hessian == "full" else torch.diagonal(wd2, dim1=1, dim2=2)[:, sel].sum(-1)
                    for q, g, w in (("u", o["u"][p], wu), ("du", o["du"][p], wdu),
                                    ("d2u", o["d2u" if hessian == "full" else "lap"][p], w2)):
                        e = normwise(g, w)
                        check(e <= 1e-8, "%s: eval --oracle --hessian %s, point %d: %s off by %.3g"
                              % (name, hessian, p, q, e))
        got = emitted(folder, name, spec, points, n_out, len(sel))
        for fn, (u, du, d2) in got.items():
            W2 = torch.stack([w[2] for w in want])
            w2 = W2 if fn == "zoo_hessian" else torch.diagonal(W2, dim1=2, dim2=3)[:, :, sel] \
                if fn == "zoo_hessian_diag" else torch.diagonal(W2, dim1=2, dim2=3)[:, :, sel].sum(-1)
            for q, g, w, tol in (("u", u, torch.stack([w[0] for w in want]), 1e-12),
                                 ("du", du, torch.stack([w[1] for w in want]), 1e-12), ("d2u", d2, w2, 1e-12)):
                e = normwise(g, w)
                check(e <= tol, "%s: emitted %s: %s off by %.3g" % (name, fn, q, e))
        run = subprocess.run([JETGEN, "verify", spec, "--count", "4"], capture_output=True, text=True)
        check(run.returncode == 0, "%s: jetgen verify failed:\n%s%s" % (name, run.stdout, run.stderr))
        run = subprocess.run([JETGEN, "verify", spec, "--reference", spec[:-5] + ".ref.json"], capture_output=True,
                             text=True)
        check(run.returncode == 0 and "within 1e-10" in run.stdout,
              "%s: jetgen verify --reference (PyTorch's numbers) failed:\n%s%s" % (name, run.stdout, run.stderr))
        print("zoo: %-26s %d -> %d  ok" % (name, n_in, n_out))


# ---------------------------------------------------------------- refusals

class IllConditioned(nn.Module):
    """u = 1e8 (tanh(x) - tanh((1 + 1e-9) x)): cancellation; jetgen and PyTorch
    differ by far more than 1e-12, each as far from the truth."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(1, 2)
        self.b = nn.Linear(2, 1)
        self.double()
        with torch.no_grad():
            self.a.weight.copy_(torch.tensor([[1.0], [1.0 + 1e-9]], dtype=torch.float64))
            self.a.bias.zero_()
            self.b.weight.copy_(torch.tensor([[1e8, -1e8]], dtype=torch.float64))
            self.b.bias.zero_()

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


class LogNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 4)
        self.o = nn.Linear(4, 1)

    def forward(self, x):
        return self.o(torch.log(torch.sigmoid(self.l(x))))


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 4)

    def forward(self, x):
        h = self.l(x)
        if h.mean() > 0:
            return h
        return -h


class Normed(nn.Module):
    """A softmax over the features: not something jetgen computes (LayerNorm,
    refused here before, now is)."""

    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 4)
        self.n = nn.Softmax(dim=1)

    def forward(self, x):
        return self.n(self.l(x))


class Tupled(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 4)

    def forward(self, x):
        h = self.l(x)
        return h, torch.tanh(h)


class Detached(nn.Module):
    """detach() stops PyTorch's derivatives where jetgen differentiates."""

    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 4)
        self.o = nn.Linear(4, 1)

    def forward(self, x):
        h = torch.tanh(self.l(x))
        return self.o(h) + self.o(h.detach()) ** 2


class BatchIndex(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 4)

    def forward(self, x):
        return self.l(x)[0:1, :]


def check_refusals(folder):
    cases = [
        (LogNet(), "function torch.log is not something jetgen computes", "zoo.py:"),
        (Branchy(), "could not trace Branchy.forward()", "if h.mean() > 0"),
        (Normed(), "n (Softmax)", "Softmax is not something jetgen computes"),
        (Tupled(), "forward() returns 2 values", "output=K"),
        (BatchIndex(), "indexing the batch dimension", "x[:, 0:1]"),
        (Detached(), "does not compute what Detached does", ".detach()"),
        # in a Sequential (torch's forward), the place is the user's call, not jetgen's
        (nn.Sequential(nn.Linear(2, 4), nn.Softmax(dim=1), nn.Linear(4, 1)), "1 (Softmax) at zoo.py:",
         "jx.export(module, spec)"),
    ]
    for module, want1, want2 in cases:
        spec = os.path.join(folder, "refused.spec")
        before = state(module)
        try:
            jx.export(module, spec)
            check(False, "%s was exported" % type(module).__name__)
        except jx.ExportError as e:
            check(want1 in str(e) and want2 in str(e), "%s: refusal says: %s" % (type(module).__name__, e))
        check_unchanged(type(module).__name__, module, before)
        check(not os.path.exists(spec) and not os.path.exists(os.path.join(folder, "refused.safetensors")),
              "%s: a refused export left a file" % type(module).__name__)
    # an ill-conditioned network: exported, with a warning, since jetgen is no
    # worse than PyTorch against long double
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", jx.ExportWarning)
        try:
            jx.export(IllConditioned(), os.path.join(folder, "ill.spec"))
            check(any("ill-conditioned" in str(w.message) for w in said),
                  "ill-conditioned: no warning: %s" % [str(w.message) for w in said])
        except jx.ExportError as e:
            check(False, "ill-conditioned network refused: %s" % e)
    # verify --reference catches a spec that is not the module: the reference
    # of one network against the spec of another of the same shape
    a, b = os.path.join(folder, "va.spec"), os.path.join(folder, "vb.spec")
    torch.manual_seed(1)
    jx.export(DNN([2, 8, 1]), a, reference=os.path.join(folder, "va.json"))
    jx.export(DNN([2, 8, 1]), b)
    run = subprocess.run([JETGEN, "verify", b, "--reference", os.path.join(folder, "va.json")],
                         capture_output=True, text=True)
    check(run.returncode == 1 and "FAILED" in run.stdout, "verify --reference of another module passed:\n"
          + run.stdout)
    # a file the user owns is never replaced
    mine = os.path.join(folder, "mine.spec")
    with open(mine, "w") as f:
        f.write("# my own notes\n")
    try:
        jx.export(DNN([2, 4, 1]), mine)
        check(False, "an export replaced a file it did not write")
    except jx.ExportError as e:
        check("not written by jetgen_export" in str(e), "replacing a user's file: %s" % e)
    with open(mine) as f:
        check(f.read() == "# my own notes\n", "the user's file changed")
    # the command line on a state_dict and on a pickle whose class cannot be imported
    sd = os.path.join(folder, "sd.pt")
    torch.save(DNN([2, 4, 1]).state_dict(), sd)
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "jetgen_export.py")
    run = subprocess.run([sys.executable, tool, sd, os.path.join(folder, "sd.spec")], capture_output=True,
                         text=True)
    check(run.returncode == 1 and "holds a state_dict" in run.stderr and "Traceback" not in run.stderr,
          "state_dict on the command line: %r" % run.stderr)
    pickled = os.path.join(folder, "whole.pt")
    script = ("import torch, sys\nfrom torch import nn\nclass Net(nn.Module):\n"
              "    def __init__(self):\n        super().__init__(); self.l = nn.Linear(2, 1)\n"
              "    def forward(self, x):\n        return torch.tanh(self.l(x))\n"
              "if __name__ == '__main__':\n    torch.save(Net(), sys.argv[1])\n")
    defs = os.path.join(folder, "defs.py")
    with open(defs, "w") as f:
        f.write(script)
    subprocess.run([sys.executable, defs, pickled], check=True)
    run = subprocess.run([sys.executable, tool, pickled, os.path.join(folder, "whole.spec")], capture_output=True,
                         text=True)
    check(run.returncode == 1 and "cannot be imported" in run.stderr and "--import" in run.stderr
          and "Traceback" not in run.stderr, "pickle without its class: %r" % run.stderr)
    run = subprocess.run([sys.executable, tool, pickled, os.path.join(folder, "whole.spec"), "--import", defs],
                         capture_output=True, text=True)
    check(run.returncode == 0 and os.path.exists(os.path.join(folder, "whole.spec")),
          "pickle with --import: %r" % run.stderr)


def main():
    with tempfile.TemporaryDirectory() as folder:
        check_zoo(folder)
        check_refusals(folder)
    print("zoo: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
