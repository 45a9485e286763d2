"""python_package.py: the Python package (python/jetgen) as a user calls it,
imported from the build folder (PYTHONPATH=BUILD/python, set by meson):

- both reference networks against PyTorch's numbers in tests/data (float64,
  1e-12 normwise per point and quantity), every mode, shapes as documented;
  float32 within twice PyTorch's float32 error plus 8 float epsilons;
- the same bits for 1, 2 and 7 threads, with out= arrays, and for one
  point; the diagonal and the Laplacian against the full Hessian; `over`;
- set_tensor, then the same numbers as a network loaded with those weights;
- from_torch on a module written as PINN code writes it, against autograd;
- errors: a bad spec (jetgen.Error with FILE:LINE:COL), a wrong x, wrong
  out= arrays, a bad dtype, a bad JETGEN_THREADS;
- load_library: a shared object gcc built from the emitted file, in double
  and float, against PyTorch's numbers and the in-process Net; another
  network's object, other weights, another prefix refused by name; another
  text of the spec a warning; an object emitted with terms: partials against
  PyTorch (orders 0 to 2) and Net; terms that differ from the spec's refused.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np

import jetgen
from harness import failures, check, normwise  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("JG_TEST_DATA", os.path.join(ROOT, "tests", "data"))


def reference_networks():
    for name in ("seed-pinn", "pinn-xt"):
        spec = os.path.join(DATA, name, "model.spec")
        ref = json.load(open(os.path.join(DATA, name, "expected-f64.json")))
        ref32 = json.load(open(os.path.join(DATA, name, "expected-f32.json")))
        x = np.array(ref["points"], dtype=np.float64)
        n, n_in = x.shape
        net = jetgen.load(spec)
        check(net.n_in == n_in and net.n_out == len(ref["u"][0]), "%s: sizes %d, %d" % (name, net.n_in, net.n_out))
        check(net.input_names == (("x", "t") if name == "pinn-xt" else None), "%s: names %r" % (name,
                                                                                                net.input_names))
        u, du, d2u = net.hessian(x)
        check(u.shape == (n, net.n_out) and du.shape == (n, net.n_out, n_in)
              and d2u.shape == (n, net.n_out, n_in, n_in), "%s: shapes" % name)
        for p in range(n):
            for q, got, want in (("u", u[p], ref["u"][p]), ("du", du[p], ref["du"][p]),
                                 ("d2u", d2u[p], ref["d2u"][p])):
                e = normwise(got, want)
                check(e <= 1e-12, "%s point %d: %s off by %.3g" % (name, p, q, e))
        check(np.array_equal(net.eval(x), u), "%s: eval gives other bits" % name)
        u1, du1 = net.jacobian(x)
        check(np.array_equal(u1, u) and np.array_equal(du1, du), "%s: jacobian gives other bits" % name)
        _, _, dg = net.hessian_diag(x)
        _, _, lap = net.laplacian(x)
        want_dg = np.diagonal(d2u, axis1=2, axis2=3)
        check(dg.shape == (n, net.n_out, n_in) and normwise(dg, want_dg) <= 1e-14, "%s: hessian_diag" % name)
        check(lap.shape == (n, net.n_out) and normwise(lap, want_dg.sum(-1)) <= 1e-14, "%s: laplacian" % name)
        # threads, out=, one point
        res = tuple(np.empty_like(a) for a in (u, du, d2u))
        for t in (1, 2, 7):
            got = net.hessian(x, out=res, threads=t)
            check(got[0] is res[0] and all(np.array_equal(g, w) for g, w in zip(got, (u, du, d2u))),
                  "%s: %d threads with out= give other bits" % (name, t))
        one = net.hessian(x[3]) if n_in == 1 else net.hessian(x[3:4])
        check(np.array_equal(one[2][0], d2u[3]), "%s: one point gives other bits" % name)
        # float32
        f = jetgen.load(spec, dtype="float32")
        uf, duf, d2f = f.hessian(x.astype(np.float32))
        check(uf.dtype == np.float32 and d2f.dtype == np.float32, "%s: float32 dtypes" % name)
        for p in range(n):
            for q, got, want, theirs in (("u", uf[p], ref["u"][p], ref32["u"][p]),
                                         ("du", duf[p], ref["du"][p], ref32["du"][p]),
                                         ("d2u", d2f[p], ref["d2u"][p], ref32["d2u"][p])):
                bound = 2 * normwise(theirs, want) + 8 * np.finfo(np.float32).eps
                e = normwise(got, want)
                check(e <= bound, "%s float32 point %d: %s off by %.3g > %.3g" % (name, p, q, e, bound))


def over_and_set_tensor(folder):
    spec = os.path.join(folder, "over.spec")
    weights = os.path.join(DATA, "pinn-xt", "model.safetensors")
    text = open(os.path.join(DATA, "pinn-xt", "model.spec")).read()
    text = text.replace("weights model.safetensors", "over t\nweights %s" % weights)
    with open(spec, "w") as f:
        f.write(text)
    net = jetgen.load(spec)
    x = np.array([[0.1, 0.2], [-0.4, 0.9], [0.7, -0.3]])
    _, _, h = net.hessian(x)
    _, _, dg = net.hessian_diag(x)
    _, _, lap = net.laplacian(x)
    check(net.over == (1,) and dg.shape == (3, 1, 1), "over: %r, %s" % (net.over, dg.shape))
    check(normwise(dg[:, :, 0], h[:, :, 1, 1]) <= 1e-14 and normwise(lap, h[:, :, 1, 1]) <= 1e-14, "over t")
    # set_tensor: the numbers of a network loaded with those weights
    import torch
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import jetgen_export as jx
    w = np.linspace(-1, 1, 20 * 2).reshape(20, 2)
    net.set_tensor("linears.0.weight", w)
    tensors = []
    with open(weights, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        dt = {"F64": np.float64, "F32": np.float32}[v["dtype"]]
        arr = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dt).reshape(v["shape"]).astype(np.float64)
        tensors.append((k, torch.from_numpy(w.copy() if k == "linears.0.weight" else arr.copy())))
    jx.save_safetensors(tensors, os.path.join(folder, "new.safetensors"))
    with open(os.path.join(folder, "new.spec"), "w") as f:
        f.write(text.replace("weights %s" % weights, "weights new.safetensors"))
    other = jetgen.load(os.path.join(folder, "new.spec"))
    check(all(np.array_equal(a, b) for a, b in zip(net.hessian(x), other.hessian(x))),
          "set_tensor: other numbers than the network loaded with the new weights")
    try:
        net.set_tensor("linears.0.weight", np.zeros(3))
        check(False, "set_tensor took 3 numbers for 40")
    except jetgen.Error as e:
        check("has 40 numbers, not 3" in str(e), "set_tensor's message: %s" % e)


def from_torch():
    import torch
    from torch import nn

    class PINN(nn.Module):
        def __init__(self):
            super().__init__()
            self.linears = nn.ModuleList([nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1)])
            self.activation = torch.tanh

        def forward(self, x, t):
            h = torch.cat([x, t], dim=1)
            for lin in self.linears[:-1]:
                h = self.activation(lin(h))
            return self.linears[-1](h) * x * (1 - x)

    torch.manual_seed(4)
    m = PINN().double()
    # from memory: no temporary file (a temporary folder that cannot be
    # made would fail it), nothing new in the working folder
    before, saved = sorted(os.listdir(".")), tempfile.tempdir
    tempfile.tempdir = "/nonexistent/jetgen-no-temporary-files"
    try:
        net = jetgen.from_torch(m, over=["x"])
    finally:
        tempfile.tempdir = saved
    check(sorted(os.listdir(".")) == before, "from_torch wrote into the working folder")
    try:
        net.set_tensor("linears.0.weight", np.ones(3))
        check(False, "set_tensor took 3 numbers for 32")
    except jetgen.Error as e:
        check(str(e).startswith("PINN (from_torch): tensor 'linears.0.weight' has 32 numbers, not 3"),
              "from_torch's set_tensor: %s" % e)
    check(net.input_names == ("x", "t") and net.over == (0,), "from_torch: %r %r" % (net.input_names, net.over))
    x = np.array([[0.2, 0.5], [0.8, -0.1]])
    u, du, lap = net.laplacian(x)
    for p in range(2):
        X = torch.tensor(x[p:p + 1, 0:1], requires_grad=True)
        T = torch.tensor(x[p:p + 1, 1:2], requires_grad=True)
        U = m(X, T)
        ux, = torch.autograd.grad(U, X, create_graph=True)
        uxx, = torch.autograd.grad(ux, X)
        check(normwise(u[p], U.detach().numpy().ravel()) <= 1e-12, "from_torch: u")
        check(normwise(du[p, 0, 0], ux.detach().numpy().ravel()) <= 1e-12, "from_torch: u_x")
        check(normwise(lap[p], uxx.numpy().ravel()) <= 1e-12, "from_torch: u_xx")


def errors(folder):
    bad = os.path.join(folder, "bad.spec")
    with open(bad, "w") as f:
        f.write("input 1\ndense 4 l0\ntahn\n")
    try:
        jetgen.load(bad)
        check(False, "a bad spec loaded")
    except jetgen.Error as e:
        check("bad.spec:3:1: unknown layer 'tahn' (did you mean 'tanh'?)" in str(e), "load's message: %s" % e)
    net = jetgen.load(os.path.join(DATA, "pinn-xt", "model.spec"))
    for call, what in ((lambda: net.eval(np.zeros((3, 3))), "(n, 2)"),
                       (lambda: net.hessian(np.zeros((3, 2)), out=(np.zeros((3, 1)),)), "takes 3 arrays"),
                       (lambda: net.hessian(np.zeros((3, 2)), out=(np.zeros((3, 1)), np.zeros((3, 1, 2)),
                                                                   np.zeros((3, 1, 2, 3)))), "out[2]"),
                       (lambda: net.eval(np.zeros((3, 2)), threads=0), "at least 1"),
                       (lambda: net.gradient("eval", np.zeros((3, 2)), gu=np.ones((3, 1)), threads=0),
                        "at least 1"),
                       (lambda: jetgen.load(os.path.join(DATA, "pinn-xt", "model.spec"), threads=0),
                        "threads=0: at least 1"),
                       (lambda: jetgen.load(os.path.join(DATA, "pinn-xt", "model.spec"), dtype="int32"),
                        "float64 or float32"),
                       (lambda: net.gradient("hess", np.zeros((3, 2)), gu=np.ones((3, 1))), "one of eval"),
                       (lambda: net.gradient("hessian", np.zeros((3, 2)), gu=np.ones((3, 2))),
                        "gu has shape (3, 2); the u of mode hessian has shape (3, 1)"),
                       (lambda: net.gradient("laplacian", np.zeros((3, 2)), gd2=np.ones((3, 1, 2, 2))),
                        "gd2 has shape (3, 1, 2, 2); the third result of mode laplacian has shape (3, 1)"),
                       (lambda: net.gradient("jacobian", np.zeros((3, 2)), gd2=np.ones((3, 1, 2, 2))),
                        "gd2 given, but mode jacobian has no second derivatives")):
        try:
            call()
            check(False, "accepted: " + what)
        except ValueError as e:
            check(what in str(e), "message %r does not say %r" % (str(e), what))
    os.environ["JETGEN_THREADS"] = "many"
    try:
        net.eval(np.zeros((3, 2)))
        check(False, "JETGEN_THREADS=many accepted")
    except ValueError as e:
        check("JETGEN_THREADS" in str(e), "JETGEN_THREADS message: %s" % e)
    os.environ["JETGEN_THREADS"] = "2"
    check(net.eval(np.zeros((3, 2))).shape == (3, 1), "JETGEN_THREADS=2")
    del os.environ["JETGEN_THREADS"]


def build_library(folder, spec, prefix, precision="double", terms=None):
    """spec emitted with every function (and the partials of terms, a
    --terms list) and built by gcc into a shared object in folder; its
    path."""
    c = os.path.join(folder, "%s-%s%s.c" % (prefix, precision, "-terms" if terms else ""))
    so = c[:-2] + ".so"
    subprocess.run([os.environ.get("JETGEN", os.path.join(ROOT, "build", "jetgen")), "emit", spec, "-o", c,
                    "--prefix", prefix, "--precision", precision, "--hessian", "full,diag,laplacian"]
                   + (["--terms", terms] if terms else []), check=True, capture_output=True)
    subprocess.run(["gcc", "-std=c99", "-O2", "-shared", "-fPIC", "-o", so, c, "-lm"], check=True)
    return so


def libraries(folder):
    """jetgen.load_library against the reference data and the in-process Net;
    its refusals."""
    spec = os.path.join(DATA, "pinn-xt", "model.spec")
    with open(os.path.join(DATA, "pinn-xt", "expected-f64.json")) as f:
        ref = json.load(f)
    x = np.array(ref["points"])
    so = build_library(folder, spec, "pinn")
    lib = jetgen.load_library(so, spec, prefix="pinn")
    check(lib.modes == ("eval", "jacobian", "hessian", "hessian_diag", "laplacian"), "modes %s" % (lib.modes,))
    u, du, d2u = lib.hessian(x)
    for got, key in ((u, "u"), (du, "du"), (d2u, "d2u")):
        check(normwise(got, np.array(ref[key])) <= 1e-12, "library %s off PyTorch" % key)
    net = jetgen.load(spec)
    for mode in ("eval", "jacobian", "hessian_diag", "laplacian"):
        a, b = getattr(lib, mode)(x), getattr(net, mode)(x)
        for p, q in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            check(p.shape == q.shape and normwise(p, q) <= 1e-13, "library %s against Net" % mode)
    lib32 = jetgen.load_library(build_library(folder, spec, "pinn", "float"), spec, prefix="pinn")
    u32 = lib32.eval(x.astype(np.float32))
    check(u32.dtype == np.float32 and normwise(u32, np.array(ref["u"])) <= 1e-6, "float library")
    # the terms' partials (emit --terms): orders 0 to 2 against PyTorch's
    # u, du, d2u; 3 and 4 against the in-process Net's
    check(lib.terms == () and "partials" not in lib.modes, "a library without terms: %s" % (lib.terms,))
    libt = jetgen.load_library(build_library(folder, spec, "pinn", terms='"",x,t,xx,xt,xxx,xxxx'), spec,
                               prefix="pinn")
    check(libt.terms == ((), (0,), (1,), (0, 0), (0, 1), (0, 0, 0), (0, 0, 0, 0)), "terms %s" % (libt.terms,))
    d = libt.partials(x)
    check(d.shape == (len(x), 1, 7), "partials shape %s" % (d.shape,))
    low = np.stack([np.array(ref["u"])[:, 0], np.array(ref["du"])[:, 0, 0], np.array(ref["du"])[:, 0, 1],
                    np.array(ref["d2u"])[:, 0, 0, 0], np.array(ref["d2u"])[:, 0, 0, 1]], axis=1)
    check(normwise(d[:, 0, :5], low) <= 1e-12, "library partials of order <= 2 off PyTorch")
    nett = jetgen.load(spec)
    nett.set_terms(["", "x", "t", "xx", "xt", "xxx", "xxxx"])
    check(normwise(d, nett.partials(x)) <= 1e-13, "library partials against Net")
    refusals = [
        (lambda: jetgen.load_library(so, os.path.join(DATA, "seed-pinn", "model.spec"), prefix="pinn"),
         "holds a network of 2 inputs and 1 output"),
        (lambda: jetgen.load_library(so, spec, prefix="model"), "has no model_info"),
        (lambda: jetgen.load_library(os.path.join(folder, "none.so"), spec, prefix="pinn"), "cannot load"),
    ]
    # other weights: the same spec beside changed weights
    other = os.path.join(folder, "other")
    os.mkdir(other)
    shutil.copy(spec, other)
    with open(os.path.join(DATA, "pinn-xt", "model.safetensors"), "rb") as f:
        w = bytearray(f.read())
    w[-1] ^= 1
    with open(os.path.join(other, "model.safetensors"), "wb") as f:
        f.write(w)
    refusals.append((lambda: jetgen.load_library(so, os.path.join(other, "model.spec"), prefix="pinn"),
                     "was built from other weights"))
    # an object built without `over`, loaded with a spec that has it: its
    # d2u_diag would be sized by the spec (a corrupted heap before)
    with_over = os.path.join(folder, "over")
    os.mkdir(with_over)
    shutil.copy(os.path.join(DATA, "pinn-xt", "model.safetensors"), with_over)
    with open(spec) as f:
        text = f.read()
    with open(os.path.join(with_over, "model.spec"), "w") as f:
        f.write(text.replace("weights model.safetensors", "over t\nweights model.safetensors"))
    refusals.append((lambda: jetgen.load_library(so, os.path.join(with_over, "model.spec"), prefix="pinn"),
                     "over other inputs than"))
    # a spec with terms, and an object with none or others
    with_terms = os.path.join(folder, "terms")
    os.mkdir(with_terms)
    shutil.copy(os.path.join(DATA, "pinn-xt", "model.safetensors"), with_terms)
    with open(os.path.join(with_terms, "model.spec"), "w") as f:
        f.write(text + 'terms "" x xxx\n')
    for obj in (so, libt._lib._name):
        refusals.append((lambda obj=obj: jetgen.load_library(obj, os.path.join(with_terms, "model.spec"),
                                                             prefix="pinn"), "other terms than those asked for"))
    for call, want in refusals:
        try:
            call()
            check(False, "load_library accepted a mismatch (%s)" % want)
        except jetgen.Error as e:
            check(want in str(e), "load_library's refusal: %s" % e)
    # another text of the same spec: a warning, and it runs
    with open(spec) as f:
        text = f.read()
    with open(os.path.join(other, "model.spec"), "w") as f:
        f.write("# a comment\n" + text)
    shutil.copy(os.path.join(DATA, "pinn-xt", "model.safetensors"), other)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        lib2 = jetgen.load_library(so, os.path.join(other, "model.spec"), prefix="pinn")
    check(any("another text" in str(w.message) for w in said), "no warning for another spec text")
    check(lib2.eval(x).shape == (len(x), 1), "library after the warning")


def main():
    with tempfile.TemporaryDirectory() as folder:
        reference_networks()
        over_and_set_tensor(folder)
        from_torch()
        errors(folder)
        libraries(folder)
    print("python_package: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
