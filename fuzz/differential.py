"""differential.py: whole-network differential fuzzing.

Writes random valid networks (spec and safetensors weights): chains of
format 2 with every layer kind (dense, scale with numbers or tensors,
fourier, residual blocks, identity, `over`) and every activation with
random parameters, and graphs of format 3 (dense, matmul, fourier,
activations, scale, add, sub, mul with broadcasting, cat, slice,
identity); 1 to 32 inputs, named or not, depths to 64, widths from 1 to
20,000 (the widest only where the work space and the oracle's time allow),
weights in F64, F32, F16 and BF16. Each runs through every back end:

- `jetgen verify`: the JIT, the executor, each in double and float, and
  the emitted file built by gcc into a shared object (double, or float on
  every other case), each against the long-double oracle (gen/fdiff.c:
  the network in long double, derivatives by Richardson-extrapolated
  central differences), with verify's tolerances (1e-8 in double; in
  float derived from float's epsilon and the network's conditioning);
- with each other: u, du and d2u (`jetgen eval --format npy`) of the JIT
  and the executor, and the shared object called through ctypes, at the
  same points, within XTOL (normwise per point and quantity).

Usage: /usr/bin/python3 fuzz/differential.py [--seconds S] [--seed N] [--keep DIR]
A failing case is kept in DIR (default build/differential-failures) with
the commands that fail; the exit status is 1 if any case failed. JETGEN
names the jetgen binary (default build/jetgen).
"""

import argparse
import ctypes
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
JETGEN = os.environ.get("JETGEN", os.path.join(ROOT, "build", "jetgen"))
XTOL = 1e-10        # JIT, executor and gcc's build against each other, double
# verify failures on second derivatives the second opinion put down to the
# oracle; float failures of networks float cannot hold (tolerance >= 1e-3)
stats_unsure = [0, 0]

ACTIVATIONS = [
    ("tanh", lambda r: {}), ("sigmoid", lambda r: {}),
    ("softplus", lambda r: {"beta": r.choice([1, 0.5, 2.5]), "threshold": r.choice([20, 2, 0.5])}),
    ("sin", lambda r: {"w0": r.choice([1, 0.5, 3])}), ("cos", lambda r: {"w0": r.choice([1, 2])}),
    ("gelu", lambda r: {}), ("gelu", lambda r: {"approximate": "tanh"}), ("gelu_tanh", lambda r: {}),
    ("silu", lambda r: {}), ("mish", lambda r: {}), ("elu", lambda r: {"alpha": r.choice([1, 0.3, 2])}),
    ("selu", lambda r: {}), ("softsign", lambda r: {}), ("exp", lambda r: {}), ("relu", lambda r: {}),
    ("erf", lambda r: {}),
    ("leaky_relu", lambda r: {"negative_slope": r.choice([0.01, 0.2, 1.5])}),
    ("pow", lambda r: {"n": r.choice([1, 2, 3, 0])}),     # n < 0 only after exp or sigmoid (chain)
    ("hardtanh", lambda r: {"min_val": r.choice([-1, -0.5]), "max_val": r.choice([1, 2])}),
    ("identity", lambda r: {}),
]
# activations whose values stay within [-1.1, 1.1]: exp follows only them,
# so that no intermediate leaves float's range (exp(89) is inf in float:
# a float result of NaN there is float's range, not a finding)
BOUNDED = ("tanh", "sigmoid", "sin", "cos", "softsign", "hardtanh", "erf")
DTYPES = {"F64": (np.float64, 8), "F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2)}


def bf16_bytes(a):
    """float64 numbers rounded to bfloat16 (to nearest even), as bytes."""
    b = np.asarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    b = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)
    return b.tobytes()


def write_safetensors(path, tensors):
    """tensors: list of (name, array, dtype). The safetensors format: an
    8-byte little-endian header length, a JSON header, the data."""
    header, blobs, at = {}, [], 0
    for name, a, dtype in tensors:
        a = np.ascontiguousarray(a, dtype=np.float64)
        if dtype == "BF16":
            data = bf16_bytes(a)
        else:
            data = a.astype(DTYPES[dtype][0]).astype("<" + np.dtype(DTYPES[dtype][0]).str[1:]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Net:
    """A random network being written: its spec lines and tensors."""

    def __init__(self, r, n_in, max_w, budget):
        self.r, self.n_in, self.max_w, self.budget = r, n_in, max_w, budget
        self.lines, self.tensors, self.params, self.count = [], [], 0, 0
        self.dtype = r.choice(["F64", "F64", "F32", "F16", "BF16"])
        self.fouriers = 0

    def name(self, stem):
        self.count += 1
        return "%s%d" % (stem, self.count)

    def width(self, w_in):
        """A width for a new layer, within the budget and the work space."""
        r = self.r
        left = max(1, (self.budget - self.params) // max(1, w_in))
        if r.random() < 0.05:
            w = r.randint(1, 20000)
        elif r.random() < 0.2:
            w = r.randint(1, 300)
        else:
            w = r.randint(1, 40)
        return max(1, min(w, self.max_w, left))

    def tensor(self, name, shape, scale):
        r = self.r
        a = np.array([r.uniform(-scale, scale) for _ in range(int(np.prod(shape)))]).reshape(shape)
        self.tensors.append((name, a, self.dtype))
        self.params += a.size

    def dense(self, w_in, w_out, stem="d", bias=None, gain=None):
        name = self.name(stem)
        gain = gain if gain is not None else self.r.choice([0.5, 1.0, 1.0, 2.0])
        self.tensor(name + ".weight", (w_out, w_in), gain / np.sqrt(w_in))
        if bias if bias is not None else self.r.random() < 0.85:
            self.tensor(name + ".bias", (w_out,), 1.0 / np.sqrt(w_in))
        return name

    def activation(self):
        kw, params = self.r.choice(ACTIVATIONS)
        p = params(self.r)
        return kw + "".join(" %s=%s" % (k, v) for k, v in p.items())

    def scale_args(self, w):
        r = self.r
        if r.random() < 0.5:
            mul = "%g" % r.choice([0.5, -1.0, 2.0, 0.25])
            add = " %g" % r.uniform(-1, 1) if r.random() < 0.5 else ""
            return mul + add
        name = self.name("s")
        self.tensors.append((name + ".mul", np.array([r.uniform(0.3, 2) * r.choice([1, -1]) for _ in range(w)]),
                             self.dtype))
        self.params += w
        if r.random() < 0.5:
            self.tensors.append((name + ".add", np.array([r.uniform(-1, 1) for _ in range(w)]), self.dtype))
            self.params += w
            return "%s.mul %s.add" % (name, name)
        return name + ".mul"


def chain(r, n_in, max_w, budget, depth):
    """A format-2 chain; returns (spec text, tensors)."""
    net = Net(r, n_in, max_w, budget)
    names = None
    if r.random() < 0.4:
        names = ["x%s" % chr(ord("a") + i) if i < 26 else "in%d" % i for i in range(n_in)]
    head = ["input " + (" ".join(names) if names else str(n_in)), "weights w.safetensors"]
    if n_in > 1 and r.random() < 0.3:
        over = sorted(r.sample(range(n_in), r.randint(1, n_in)))
        head.append("over " + " ".join(names[i] if names and r.random() < 0.5 else str(i) for i in over))
    w = n_in
    body = []
    open_blocks = []        # widths at the start of each open residual block

    def layer(w, allow_block=True):
        kinds = ["dense"] * 4 + ["act"] * 4 + ["scale", "fourier", "identity"] + (["residual"] if allow_block else [])
        k = r.choice(kinds)
        if k == "dense" or net.params >= budget:
            out = net.width(w) if net.params < budget else max(1, min(w, 4))
            body.append("dense %d %s" % (out, net.dense(w, out)))
            return out
        if k == "act" or (k == "fourier" and net.fouriers > 0):
            a = net.activation()
            if a.startswith("sin") and n_layers == 0 and r.random() < 0.5:
                a = "sin w0=30"     # SIREN's first layer
            if a == "exp" and (not body or body[-1].split()[0] not in BOUNDED):
                a = "tanh"      # exp of a bounded value only: float's range holds
            body.append(a)
            if a.split()[0] in ("exp", "sigmoid") and r.random() < 0.4:
                # 1/e^z: a negative power away from its pole; sqrt on its domain
                body.append(r.choice(["pow n=-1", "pow n=-2", "sqrt"]))
            return w
        if k == "scale":
            body.append("scale " + net.scale_args(w))
            return w
        if k == "identity":
            body.append("identity")
            return w
        if k == "fourier" and net.fouriers == 0:     # one embedding, as PINNs have
            net.fouriers += 1
            m = max(1, min(net.width(w) // 2 or 1, max_w // 2, 64))
            name = net.name("ff")
            net.tensor(name, (m, w), r.choice([0.5, 1.0, 3.0]))
            body.append("fourier %d %s" % (m, name))
            return 2 * m
        # a residual block: a = a + f(a), f ending as wide as it began; its
        # closing dense (inner x w) is within the budget only where w x w
        # leaves room (a block at 2087 neurons closed with 4.4 million
        # parameters, 10 minutes of the oracle)
        if len(open_blocks) >= 3 or 4 * w * w > budget - net.params:
            return w
        body.append("residual")
        open_blocks.append(w)
        inner = w
        for _ in range(r.randint(1, 3)):
            inner = layer(inner, allow_block=len(open_blocks) < 3)
        if inner != w or r.random() < 0.5:
            body.append(net.activation())
            body.append("dense %d %s" % (w, net.dense(inner, w, gain=0.5)))
        open_blocks.pop()
        body.append("end")
        return w

    n_layers = 0
    while n_layers < depth:
        w = layer(w)
        n_layers += 1
    out = max(1, min(r.choice([1, 1, 2, 3, 7]), max_w))
    body.append("dense %d %s" % (out, net.dense(w, out)))
    if r.random() < 0.2:
        body.append(net.activation())
    return "\n".join(head + body) + "\n", net.tensors


def graph(r, n_in, max_w, budget, depth):
    """A format-3 graph; returns (spec text, tensors)."""
    net = Net(r, n_in, max_w, budget)
    names = ["x%d" % i for i in range(n_in)] if r.random() < 0.5 else None
    lines = ["format 3", "input " + (" ".join(names) if names else str(n_in)), "weights w.safetensors"]
    values = [("input", n_in)] + ([(n, 1) for n in names] if names else [])
    bounded = set()
    last = None
    for i in range(depth):
        v = "v%d" % i
        a, wa = r.choice(values[-6:] if r.random() < 0.7 else values)
        op = r.choice(["dense"] * 3 + ["matmul", "fourier", "act", "act", "scale", "add", "sub", "mul", "cat",
                                       "slice", "identity"])
        if op in ("dense", "matmul") or (net.params >= budget and op == "fourier"):
            out = net.width(wa) if net.params < budget else max(1, min(wa, 4))
            if op == "matmul":
                t = net.name("B")
                net.tensor(t, (out, wa), 1 / np.sqrt(wa))
                lines.append("%s = matmul %d %s %s" % (v, out, t, a))
            else:
                lines.append("%s = dense %d %s %s" % (v, out, net.dense(wa, out), a))
            w = out
        elif op == "fourier" and net.fouriers == 0:
            net.fouriers += 1
            m = max(1, min(net.width(wa) // 2 or 1, max_w // 2, 32))
            t = net.name("ff")
            net.tensor(t, (m, wa), 1.0)
            lines.append("%s = fourier %d %s %s" % (v, m, t, a))
            w = 2 * m
        elif op == "act":
            act = net.activation().split(" ")
            if act[0] == "exp" and a not in bounded:
                act = ["tanh"]
            if act[0] in BOUNDED:
                bounded.add(v)
            lines.append("%s = %s %s%s" % (v, act[0], a, "".join(" " + p for p in act[1:])))
            w = wa
        elif op == "scale":
            lines.append("%s = scale %s %s" % (v, a, net.scale_args(wa)))
            w = wa
        elif op in ("add", "sub", "mul"):
            same = [(b, wb) for b, wb in values if wb == wa or wb == 1 or wa == 1]
            b, wb = r.choice(same)
            if r.random() < 0.5:
                a, b = b, a
            lines.append("%s = %s %s %s" % (v, op, a, b))
            w = max(wa, wb)
        elif op == "cat":
            ops = [(a, wa)]
            for _ in range(r.randint(0, 3)):
                c = r.choice(values)
                if sum(x[1] for x in ops) + c[1] <= max_w:
                    ops.append(c)
            lines.append("%s = cat %s" % (v, " ".join(x[0] for x in ops)))
            w = sum(x[1] for x in ops)
        elif op == "slice":
            start = r.randrange(wa)
            stop = r.randint(start + 1, wa)
            lines.append("%s = slice %s %d %d" % (v, a, start, stop))
            w = stop - start
        else:
            lines.append("%s = identity %s" % (v, a))
            w = wa
        values.append((v, w))
        last = (v, w)
    # the output: a dense of the last value, so that every graph has weights
    out = max(1, min(r.choice([1, 1, 2, 3]), max_w))
    lines.append("u = dense %d %s %s" % (out, net.dense(last[1], out), last[0]))
    lines.append("output u")
    return "\n".join(lines) + "\n", net.tensors


def oracle_evals(n_in):
    """Network evaluations per point of verify's oracle (about)."""
    return 14 * (1 + 2 * n_in + 2 * n_in * (n_in + 1))


def random_case(r):
    n_in = r.choice([1, 1, 1, 2, 2, 3, 4, 5, 8]) if r.random() < 0.9 else r.randint(9, 32)
    # the work space: (1 + N_IN + N_IN (N_IN + 1) / 2) x width (padded to 8) x 8 bytes under 1 MiB
    per = 1 + n_in + n_in * (n_in + 1) // 2
    max_w = max(1, ((1 << 20) // (8 * per) - 8) // 8 * 8)
    # the oracle's time: about 3e8 multiply-adds in long double per point
    budget = max(200, min(300000, int(3e8 / oracle_evals(n_in))))
    depth = r.choice([1, 2, 3, 4, 6, 8]) if r.random() < 0.85 else r.randint(9, 64)
    if depth > 12:
        budget = min(budget, 20000)
    kind = "graph" if r.random() < 0.35 else "chain"
    text, tensors = (graph if kind == "graph" else chain)(r, n_in, max_w, budget, depth)
    return kind, n_in, text, tensors


def run(args, cwd, timeout=600):
    try:
        p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return -1, "timed out after %d s" % timeout


def normwise(a, b, floor):
    """Largest |a - b| / max(|b| of the quantity at the point, floor) over
    the points (axis 0)."""
    a, b = a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)
    if a.shape[1] == 0:
        return 0.0
    scale = np.maximum(np.abs(b).max(axis=1), floor)
    diff = np.abs(a - b).max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(scale > 0, diff / np.where(scale > 0, scale, 1), np.where(diff > 0, np.inf, 0.0))
    e[~np.isfinite(a).all(axis=1) & ~(np.isnan(a) == np.isnan(b)).all(axis=1)] = np.inf
    return float(np.nan_to_num(e, nan=np.inf).max()) if e.size else 0.0


def call_library(so, prefix, x, n_out):
    lib = ctypes.CDLL(so)
    n, n_in = x.shape
    u = np.zeros((n, n_out))
    du = np.zeros((n, n_out, n_in))
    d2 = np.zeros((n, n_out, n_in, n_in))
    p = ctypes.POINTER(ctypes.c_double)
    f = getattr(lib, prefix + "_hessian")
    f.restype = None
    f.argtypes = [ctypes.c_size_t, p, p, p, p]
    xs = np.ascontiguousarray(x)
    f(n, xs.ctypes.data_as(p), u.ctypes.data_as(p), du.ctypes.data_as(p), d2.ctypes.data_as(p))
    return {"u": u, "du": du, "d2u": d2}


def inconclusive(out):
    """verify failed only because no entry of a quantity could be judged
    (every point near a kink at the oracle's smallest step): no finding."""
    fails = [ln for ln in out.splitlines() if ln.startswith("FAILED: ")]
    return bool(fails) and all("no entry could be judged" in ln for ln in fails)


def failed_points(out):
    """The quantities and points of verify's FAILED lines:
    [(quantity, [x...]), ...]."""
    found = []
    for line in out.splitlines():
        m = re.match(r"FAILED: (\w+) from \w+ at point \d+ \(([^)]*)\)", line)
        if m:
            found.append((m.group(1), [float(v) for v in m.group(2).split(",")]))
    return found


def tolerances(out):
    """verify's tolerance per quantity, from its table."""
    tol = {}
    for line in out.splitlines():
        w = line.split()
        if len(w) >= 3 and w[0] in ("u", "du", "d2u", "d2u_diag", "lap"):
            try:
                tol[w[0]] = float(w[2])
            except ValueError:
                pass
    return tol


def code_is_consistent(case_dir, out, n_in, in_float):
    """A second opinion where verify failed on second derivatives only: at
    each failing point, the double code's d2u against central differences
    of its own du (which verify judged right), at two steps; in float also
    the float code's d2u against the double code's, within verify's
    tolerance. True when the code's d2u is the derivative of its du there
    (to 1e-6 of the largest) and float agrees: then the oracle's
    differences were unsure, not the code."""
    pts = failed_points(out)
    if not pts or any(q in ("u", "du") for q, _ in pts):
        return False
    tol = tolerances(out).get("d2u", 0.0)
    for _, x in pts:
        x = np.array(x)
        rows = [x]
        for h in (1e-4, 1e-5):
            for j in range(n_in):
                for sgn in (1, -1):
                    y = x.copy()
                    y[j] += sgn * h
                    rows.append(y)
        np.save(os.path.join(case_dir, "second.npy"), np.array(rows))
        rc, _ = run([JETGEN, "eval", "m.spec", "--points", "second.npy", "--format", "npy", "-o", "second"], case_dir)
        if rc != 0:
            return False
        du = np.load(os.path.join(case_dir, "second", "du.npy"))
        d2 = np.load(os.path.join(case_dir, "second", "d2u.npy"))[0]
        scale = max(np.abs(d2).max(), 1e-300)
        fds = []
        for t, h in enumerate((1e-4, 1e-5)):
            base = 1 + t * 2 * n_in
            fd = np.stack([(du[base + 2 * j] - du[base + 2 * j + 1]) / (2 * h) for j in range(n_in)], axis=-1)
            fds.append(np.abs(fd - d2).max() / scale)
        if not min(fds) <= 1e-6:
            return False
        if in_float:
            np.save(os.path.join(case_dir, "second.npy"), x.reshape(1, n_in))
            rc, _ = run([JETGEN, "eval", "m.spec", "--points", "second.npy", "--format", "npy", "-o", "second32",
                         "--precision", "float"], case_dir)
            if rc != 0:
                return False
            f2 = np.load(os.path.join(case_dir, "second32", "d2u.npy"))[0].astype(np.float64)
            if not np.abs(f2 - d2).max() / scale <= tol:
                return False
    return True


def check_case(case_dir, seed, n_in, use_float_lib):
    """Every back end against the oracle and each other. Returns a list of
    failures (each a line), empty when all agree."""
    fails = []
    pts = "--count 4 --seed %d" % (seed % 1000 + 1)
    checks = [("JIT, double", ["verify", "m.spec"] + pts.split()),
              ("executor, double", ["verify", "m.spec", "--backend", "executor"] + pts.split()),
              ("JIT, float", ["verify", "m.spec", "--precision", "float"] + pts.split()),
              ("executor, float", ["verify", "m.spec", "--backend", "executor", "--precision", "float"] + pts.split())]
    for what, args in checks:
        rc, out = run([JETGEN] + args, case_dir)
        if rc != 0 and not inconclusive(out):
            if code_is_consistent(case_dir, out, n_in, what.endswith("float")):
                stats_unsure[0] += 1
                continue
            if what.endswith("float") and max(tolerances(out).values() or [0]) >= 1e-3:
                stats_unsure[1] += 1    # verify's own estimate: float cannot hold this network to 1e-3
                continue
            fails.append("%s: jetgen %s: exit %d\n%s" % (what, " ".join(args), rc, out[-3000:]))
    # the emitted file, built by gcc
    prec = "float" if use_float_lib else "double"
    rc, out = run([JETGEN, "emit", "m.spec", "-o", "m.c", "--prefix", "fz", "--precision", prec, "--hessian",
                   "full,diag,laplacian"], case_dir)
    if rc != 0:
        fails.append("emit: exit %d\n%s" % (rc, out[-3000:]))
        return fails
    rc, out = run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-pedantic", "-Werror", "-shared", "-fPIC",
                   "-o", "m.so", "m.c", "-lm"], case_dir, timeout=1200)
    if rc != 0:
        fails.append("gcc: exit %d\n%s" % (rc, out[-3000:]))
        return fails
    args = ["verify", "m.spec", "--library", "./m.so", "--prefix", "fz", "--precision", prec] + pts.split()
    rc, out = run([JETGEN] + args, case_dir)
    if rc != 0 and not inconclusive(out) and not code_is_consistent(case_dir, out, n_in, prec == "float"):
        fails.append("gcc's build, %s: jetgen %s: exit %d\n%s" % (prec, " ".join(args), rc, out[-3000:]))
    # with each other, in double, at the same points
    x = np.random.default_rng(seed).uniform(-1, 1, (5, n_in))
    np.save(os.path.join(case_dir, "p.npy"), x)
    got = {}
    for backend in ("jit", "executor"):
        rc, out = run([JETGEN, "eval", "m.spec", "--points", "p.npy", "--format", "npy", "-o", backend,
                       "--backend", backend], case_dir)
        if rc != 0:
            fails.append("eval --backend %s: exit %d\n%s" % (backend, rc, out[-3000:]))
            return fails
        got[backend] = {q: np.load(os.path.join(case_dir, backend, q + ".npy")) for q in ("u", "du", "d2u")}
    if not use_float_lib:
        got["gcc"] = call_library(os.path.join(case_dir, "m.so"), "fz", x, got["jit"]["u"].shape[1])
    for other in [k for k in got if k != "jit"]:
        for q in ("u", "du", "d2u"):
            big = max(np.abs(got["jit"][k]).max() if got["jit"][k].size else 0 for k in ("u", "du", "d2u"))
            e = normwise(got[other][q], got["jit"][q], 1e-3 * big)
            if not e <= XTOL:
                fails.append("%s against the JIT: %s differs by %.3g (> %g)" % (other, q, e, XTOL))
    return fails


def inputs_of(spec):
    """The number of inputs of a spec (its `input` statement)."""
    for line in spec.splitlines():
        words = line.split("#")[0].split()
        if words and words[0] == "input":
            return int(words[1]) if len(words) == 2 and words[1].isdigit() else len(words) - 1
    raise ValueError("no input statement")


def replay(folder):
    """Every kept case through every back end, in double and float; the
    number that failed (each printed)."""
    failed = 0
    for name in sorted(os.listdir(folder)):
        case = os.path.join(folder, name)
        if not os.path.exists(os.path.join(case, "m.spec")):
            continue
        with open(os.path.join(case, "m.spec")) as f:
            n_in = inputs_of(f.read())
        for float_lib in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                work = os.path.join(tmp, name)
                shutil.copytree(case, work)
                fails = check_case(work, 1, n_in, float_lib)
            if fails:
                failed += 1
                print("FAILED: kept case %s (%s): %s" % (name, "float" if float_lib else "double",
                                                         "; ".join(f.splitlines()[0] for f in fails)))
    print("differential: replayed the cases of %s, %d failed" % (folder, failed))
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", default=os.path.join(ROOT, "build", "differential-failures"))
    ap.add_argument("--cases", type=int, default=0, help="stop after this many cases (0: by time)")
    ap.add_argument("--replay", default=None, help="first run every case kept in this folder "
                    "(fuzz/regressions/differential: one folder per case, m.spec and w.safetensors)")
    opt = ap.parse_args()
    replayed = replay(opt.replay) if opt.replay else 0
    seed0 = opt.seed if opt.seed is not None else int(time.time()) % 100000 * 1000
    t0 = time.time()
    n_cases = n_failed = 0
    stats = {"chain": 0, "graph": 0, "max_in": 0, "max_depth": 0, "max_width": 0, "max_params": 0}
    with tempfile.TemporaryDirectory() as tmp:
        seed = seed0
        while (opt.cases and n_cases < opt.cases) or (not opt.cases and time.time() - t0 < opt.seconds):
            r = random.Random(seed)
            kind, n_in, text, tensors = random_case(r)
            case_dir = os.path.join(tmp, "case%d" % seed)
            os.mkdir(case_dir)
            with open(os.path.join(case_dir, "m.spec"), "w") as f:
                f.write(text)
            write_safetensors(os.path.join(case_dir, "w.safetensors"), tensors)
            fails = check_case(case_dir, seed, n_in, use_float_lib=seed % 2 == 1)
            n_cases += 1
            stats[kind] += 1
            stats["max_in"] = max(stats["max_in"], n_in)
            stats["max_depth"] = max(stats["max_depth"], sum(1 for ln in text.splitlines()[2:] if ln))
            widths = [t[1].shape[0] for t in tensors]
            stats["max_width"] = max([stats["max_width"]] + widths)
            stats["max_params"] = max(stats["max_params"], sum(t[1].size for t in tensors))
            if fails:
                n_failed += 1
                keep = os.path.join(opt.keep, "seed%d" % seed)
                shutil.rmtree(keep, ignore_errors=True)
                os.makedirs(os.path.dirname(keep), exist_ok=True)
                shutil.copytree(case_dir, keep)
                with open(os.path.join(keep, "failures.txt"), "w") as f:
                    f.write("\n\n".join(fails) + "\n")
                print("FAILED: seed %d (%s, %d inputs): kept in %s" % (seed, kind, n_in, keep))
                for line in fails:
                    print("  " + line.splitlines()[0])
            shutil.rmtree(case_dir, ignore_errors=True)
            seed += 1
    print("differential: %d networks (%d chains, %d graphs; seeds %d..%d) in %.0f s, each through the JIT and "
          "the executor in double and float and gcc's build of the emitted file, against the long-double "
          "oracle and each other; up to %d inputs, %d statements, width %d, %d parameters; %d failed "
          "(%d second derivatives where the oracle was unsure and the code's d2u is the derivative of its du; "
          "%d float runs of networks verify found too ill-conditioned for float, tolerance >= 1e-3)" %
          (n_cases, stats["chain"], stats["graph"], seed0, seed0 + n_cases - 1, time.time() - t0, stats["max_in"],
           stats["max_depth"], stats["max_width"], stats["max_params"], n_failed, stats_unsure[0],
           stats_unsure[1]))
    sys.exit(1 if n_failed or replayed else 0)


if __name__ == "__main__":
    main()
