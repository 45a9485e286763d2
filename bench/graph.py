"""graph.py: graphs of format 3 against PyTorch, side by side in one run.

Two networks of 2 inputs (x, t) and one output, float64, one thread:
  modified MLP  Wang, Teng and Perdikaris: U = tanh(W1 x), V = tanh(W2 x),
                four layers h = (1 - Z) U + Z V, Z = tanh(W h), width 64
  plain MLP     2-64-64-64-64-1 tanh, exported (format 3) and as a chain
                (format 2), to show that a chain written as a graph costs
                the same
each exported with tools/jetgen_export.py, then u, du/dx and the full
Hessian at N = 10,000 points of [-1, 1]^2 by
  jetgen        the emitted file (cc -O3 -march=native), jetgen_hessian
                through ctypes on all N points at once
  torch vmap    functorch.vmap(functorch.hessian) and vmap(jacrev), the
                fastest batched PyTorch route for these derivatives
  torch grad    torch.autograd.grad with create_graph, per input, batched
                (what PINN training loops write)
The numbers of every method are checked against each other (1e-10) before
a time is shown. Times are the best of 5 runs; ratios are PyTorch's time
over jetgen's. Run alone: bench/graph.sh.
"""

import ctypes
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import jetgen_export as jx  # noqa: E402

JETGEN = os.environ.get("JETGEN", os.path.join(ROOT, "build", "jetgen"))
os.environ["JETGEN"] = JETGEN
N = 10000
REPEAT = 5


class ModifiedMLP(nn.Module):
    def __init__(self, n_in=2, width=64, depth=4):
        super().__init__()
        self.U, self.V = nn.Linear(n_in, width), nn.Linear(n_in, width)
        self.hidden = nn.ModuleList([nn.Linear(n_in if i == 0 else width, width) for i in range(depth)])
        self.last = nn.Linear(width, 1)

    def forward(self, x):
        U, V = torch.tanh(self.U(x)), torch.tanh(self.V(x))
        h = x
        for layer in self.hidden:
            Z = torch.tanh(layer(h))
            h = (1 - Z) * U + Z * V
        return self.last(h)


def plain_mlp():
    layers = [nn.Linear(2, 64), nn.Tanh()]
    for _ in range(3):
        layers += [nn.Linear(64, 64), nn.Tanh()]
    layers.append(nn.Linear(64, 1))
    return nn.Sequential(*layers)


def best(f):
    t = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = f()
        t.append(time.perf_counter() - t0)
    return min(t), out


def jetgen_file(folder, spec, name, x):
    c, so = os.path.join(folder, name + ".c"), os.path.join(folder, name + ".so")
    subprocess.run([JETGEN, "emit", spec, "-o", c, "--prefix", "net"], check=True, capture_output=True)
    subprocess.run(["cc", "-std=c99", "-O3", "-march=native", "-shared", "-fPIC", c, "-o", so, "-lm"],
                   check=True)
    lib = ctypes.CDLL(so)
    n = x.shape[0]
    xs = np.ascontiguousarray(x, dtype=np.float64)
    u, du, d2 = np.empty(n), np.empty(n * 2), np.empty(n * 4)
    P = ctypes.POINTER(ctypes.c_double)

    def run():
        lib.net_hessian(ctypes.c_size_t(n), xs.ctypes.data_as(P), u.ctypes.data_as(P), du.ctypes.data_as(P),
                        d2.ctypes.data_as(P))
        return u.copy(), du.reshape(n, 2).copy(), d2.reshape(n, 2, 2).copy()
    return best(run)


def torch_vmap(net, x):
    import functorch
    X = torch.from_numpy(x)

    def f(p):
        return net(p.unsqueeze(0)).squeeze()

    def run():
        u = net(X).detach().reshape(-1)
        du = functorch.vmap(functorch.jacrev(f))(X).detach()
        d2 = functorch.vmap(functorch.hessian(f))(X).detach()
        return u.numpy(), du.numpy(), d2.numpy()
    return best(run)


def torch_grad(net, x):
    def run():
        X = torch.from_numpy(x).clone().requires_grad_(True)
        u = net(X)
        du = torch.autograd.grad(u.sum(), X, create_graph=True)[0]
        rows = [torch.autograd.grad(du[:, i].sum(), X, retain_graph=True)[0] for i in range(2)]
        d2 = torch.stack(rows, dim=1)
        return u.detach().numpy().reshape(-1), du.detach().numpy(), d2.detach().numpy()
    return best(run)


def agree(a, b):
    return all(np.linalg.norm(p - q) <= 1e-10 * max(1.0, np.linalg.norm(q)) for p, q in zip(a, b))


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(N, 2))
    rows = []
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nets = [("modified MLP", ModifiedMLP().double()), ("plain MLP", plain_mlp().double())]
        for name, net in nets:
            spec = os.path.join(folder, name.split()[0] + ".spec")
            jx.export(net, spec)
            tj, rj = jetgen_file(folder, spec, name.split()[0], x)
            entries = [("jetgen, format 3", tj, rj)]
            if name == "plain MLP":
                chain = os.path.join(folder, "chain.spec")
                lines = ["input 2", "weights plain.safetensors"]
                for i, m in enumerate(net):
                    lines.append("dense %d %d" % (m.out_features, i) if isinstance(m, nn.Linear) else "tanh")
                with open(chain, "w") as f:
                    f.write("\n".join(lines) + "\n")
                tc, rc = jetgen_file(folder, chain, "chain", x)
                entries.append(("jetgen, format 2 chain", tc, rc))
            tv, rv = torch_vmap(net, x)
            tg, rg = torch_grad(net, x)
            entries += [("torch vmap(hessian)", tv, rv), ("torch autograd.grad", tg, rg)]
            for label, t, r in entries:
                if not agree(r, rj):
                    print("%s, %s: results differ from jetgen's" % (name, label))
                    return 1
                rows.append((name, label, t, t / tj))
    print("u, du/dx and the full Hessian at N = %d points, float64, one thread, best of %d" % (N, REPEAT))
    print("%-14s %-26s %12s %14s" % ("network", "method", "us/point", "time / jetgen"))
    for name, label, t, ratio in rows:
        print("%-14s %-26s %12.3f %13.1fx" % (name, label, 1e6 * t / N, ratio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
