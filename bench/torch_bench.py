#!/usr/bin/python3
"""torch_bench.py: u, du/dx and d2u/dx2 of a jetgen spec's network in
PyTorch, for bench/bench.py. Two methods:

  closed   the closed-form forward propagation written in torch ops and
           batched (the fastest PyTorch method found): for every layer the
           value, first and second derivative channels are stacked and go
           through one matrix product; activations apply the chain rule.
  jac2     the usual route: torch.autograd.functional.jacobian twice, one
           point at a time (as in the reference data).

usage: torch_bench.py SPEC METHOD POINTS.bin N OUT.bin
Prints one JSON line like jetgen_bench; OUT.bin gets u, du, d2u in jetgen's
layout. Runs on one thread (torch.set_num_threads(1)) in float64.
"""
import json
import os
import struct
import sys
import time

import numpy as np
import torch

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    """The tensors of a safetensors file, as float64 torch tensors."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        a = np.frombuffer(blob[8 + n + b:8 + n + e], dtype=DTYPES[t["dtype"]])
        out[name] = torch.from_numpy(a.astype(np.float64).reshape(t["shape"]))
    return out


def read_spec(path):
    """(n_in, layers) from a spec in format 1: layers are ("dense", W, b),
    ("tanh",), ("sigmoid",) or ("identity",)."""
    n_in, layers, weights = None, [], None
    lines = [l.split("#")[0].split() for l in open(path)]
    for words in lines:
        if words and words[0] == "weights":
            weights = read_safetensors(os.path.join(os.path.dirname(path), words[1]))
    for words in lines:
        if not words or words[0] == "weights":
            continue
        if words[0] == "input":
            n_in = int(words[1]) if words[1].isdigit() else len(words) - 1
        elif words[0] == "dense":
            name = words[2]
            layers.append(("dense", weights[name + ".weight"], weights.get(name + ".bias")))
        else:
            layers.append((words[0],))
    return n_in, layers


def closed_form(n_in, layers, x):
    """Batched closed form. The value v [N, W], gradient d [N, n_in, W] and
    Hessian upper triangle h [N, P, W] go through each dense layer as one
    stacked matrix product; the results are returned as views where the
    layout allows (no copies)."""
    n = x.shape[0]
    pairs = [(i, j) for i in range(n_in) for j in range(i, n_in)]
    npair = len(pairs)
    pi = torch.tensor([p[0] for p in pairs])
    pj = torch.tensor([p[1] for p in pairs])
    a = torch.zeros(n, 1 + n_in + npair, n_in, dtype=torch.float64)
    a[:, 0, :] = x
    a[:, 1:1 + n_in, :] = torch.eye(n_in, dtype=torch.float64)
    for layer in layers:
        if layer[0] == "dense":
            w, b = layer[1], layer[2]
            a = torch.matmul(a, w.t())
            if b is not None:
                a.narrow(1, 0, 1).add_(b)
        elif layer[0] in ("tanh", "sigmoid"):
            v = a.narrow(1, 0, 1)
            d = a.narrow(1, 1, n_in)
            h = a.narrow(1, 1 + n_in, npair)
            if layer[0] == "tanh":
                s0 = torch.tanh(v)
                s1 = 1 - s0 * s0
                s2 = -2 * s0 * s1
            else:
                s0 = torch.sigmoid(v)
                s1 = s0 * (1 - s0)
                s2 = s1 * (1 - 2 * s0)
            if n_in == 1:
                h.mul_(s1).addcmul_(s2 * d, d)
            else:
                h.mul_(s1).addcmul_(s2 * d[:, pi, :], d[:, pj, :])
            d.mul_(s1)
            v.copy_(s0)
    u = a[:, 0, :]
    du = a.narrow(1, 1, n_in).transpose(1, 2)
    if n_in == 1:
        d2u = a.narrow(1, 2, 1).transpose(1, 2).unsqueeze(-1)
    else:
        d2u = torch.empty(n, u.shape[1], n_in, n_in, dtype=torch.float64)
        for t, (i, j) in enumerate(pairs):
            d2u[:, :, i, j] = a[:, 1 + n_in + t, :]
            d2u[:, :, j, i] = a[:, 1 + n_in + t, :]
    return u, du, d2u


def torch_module(layers):
    mods = []
    for layer in layers:
        if layer[0] == "dense":
            w, b = layer[1], layer[2]
            lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=b is not None).double()
            with torch.no_grad():
                lin.weight.copy_(w)
                if b is not None:
                    lin.bias.copy_(b)
            mods.append(lin)
        elif layer[0] == "tanh":
            mods.append(torch.nn.Tanh())
        elif layer[0] == "sigmoid":
            mods.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*mods)


def jacobian_twice(model, x):
    """The usual route, one point at a time."""
    from torch.autograd.functional import jacobian
    us, dus, d2us = [], [], []
    for p in range(x.shape[0]):
        xp = x[p]
        us.append(model(xp).detach())
        dus.append(jacobian(model, xp).detach())
        d2us.append(jacobian(lambda y: jacobian(model, y, create_graph=True), xp).detach())
    return torch.stack(us), torch.stack(dus), torch.stack(d2us)


def main():
    spec, method, points, n, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    torch.set_num_threads(1)
    n_in, layers = read_spec(spec)
    x = torch.from_numpy(np.fromfile(points, dtype=np.float64, count=n * n_in).reshape(n, n_in).copy())
    if method == "closed":
        with torch.no_grad():
            run = lambda: closed_form(n_in, layers, x)
            res = run()
            t0 = time.perf_counter()
            run()
            once = time.perf_counter() - t0
            reps = max(1, int(0.3 / max(once, 1e-7)))
            best = float("inf")
            for _ in range(5):
                t0 = time.perf_counter()
                for _ in range(reps):
                    run()
                best = min(best, (time.perf_counter() - t0) / reps / n)
    else:
        model = torch_module(layers)
        t0 = time.perf_counter()
        res = jacobian_twice(model, x)
        best = (time.perf_counter() - t0) / n
    with open(out, "wb") as f:
        for r in res:
            f.write(r.contiguous().numpy().astype(np.float64).tobytes())
    print(json.dumps({"method": "torch-" + method, "n": n, "threads": 1, "sec_per_point": best,
                      "compile_ms": -1}))


if __name__ == "__main__":
    main()
