"""cli_io.py: `jetgen eval`'s machine-readable input and output, read and
written by numpy (the independent reader), checked against PyTorch's
reference data (tests/data, autograd in float64).

- points as .npy (float64, float32, big-endian, shape (n,) for one input),
  as text from a pipe, and as CSV with a header row;
- results as .npy (u, du, d2u; d2u_diag and lap for those modes), CSV and
  JSON, all the same numbers, with the documented shapes;
- bad .npy inputs refused in one line, nothing written;
- memory bounded: 40,000 points of the reference network (480 MB of
  results) in 96 MB of address space;
- progress on stderr when it is a terminal, and only then.

Run by meson (`cli-io`), with JETGEN naming the jetgen binary and
JG_SOURCE_ROOT the source tree.
"""

import csv
import json
import os
import pty
import resource
import subprocess
import sys
import tempfile

import numpy as np
from harness import failures, check, normwise  # noqa: E402

ROOT = os.environ.get("JG_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), ".."))
JETGEN = os.environ.get("JETGEN", os.path.join(ROOT, "build", "jetgen"))
DATA = os.path.join(ROOT, "tests", "data")


def jetgen(args, cwd, stdin=None, stderr=subprocess.PIPE):
    return subprocess.run([JETGEN] + args, cwd=cwd, input=stdin, stdout=subprocess.PIPE, stderr=stderr)


def example(tmp, name, folder=None):
    """A copy of an example in its own folder, and its reference data."""
    d = os.path.join(tmp, folder or name)
    os.mkdir(d)
    for f in ("model.spec", "model.safetensors"):
        with open(os.path.join(DATA, name, f), "rb") as src, open(os.path.join(d, f), "wb") as dst:
            dst.write(src.read())
    with open(os.path.join(DATA, name, "expected-f64.json")) as f:
        ref = json.load(f)
    return d, {k: np.array(ref[k], dtype=np.float64) for k in ("points", "u", "du", "d2u")}


def load_dir(d, names):
    return {n: np.load(os.path.join(d, n + ".npy")) for n in names}


def check_npy_results(d, name, ref, what):
    r = jetgen(["eval", "model.spec", "--points", "p.npy", "--format", "npy", "-o", "out"], d)
    check(r.returncode == 0, "%s %s: exit %d: %s" % (name, what, r.returncode, r.stderr.decode()))
    got = load_dir(os.path.join(d, "out"), ("u", "du", "d2u"))
    n, no, ni = ref["du"].shape
    check(got["u"].shape == (n, no) and got["u"].dtype == np.float64, "%s %s: u.npy shape %s" %
          (name, what, got["u"].shape))
    check(got["du"].shape == (n, no, ni), "%s %s: du.npy shape %s" % (name, what, got["du"].shape))
    check(got["d2u"].shape == (n, no, ni, ni), "%s %s: d2u.npy shape %s" % (name, what, got["d2u"].shape))
    for q in ("u", "du", "d2u"):
        e = normwise(got[q], ref[q])
        check(e <= 1e-12, "%s %s: %s off PyTorch by %.3g" % (name, what, q, e))
    return got


def points_and_results(tmp):
    for name in ("seed-pinn", "pinn-xt"):
        d, ref = example(tmp, name)
        x = ref["points"]
        n, ni = x.shape
        np.save(os.path.join(d, "p.npy"), x)
        got = check_npy_results(d, name, ref, "float64 points")
        np.save(os.path.join(d, "p.npy"), x.astype(">f8"))
        check_npy_results(d, name, ref, "big-endian points")
        if ni == 1:
            np.save(os.path.join(d, "p.npy"), x[:, 0])
            check_npy_results(d, name, ref, "points of shape (n,)")

        # the same numbers as JSON and CSV, and from text on a pipe
        text = "".join(" ".join("%.17g" % v for v in row) + "\n" for row in x).encode()
        r = jetgen(["eval", "model.spec", "--format", "json"], d, stdin=text)
        check(r.returncode == 0, "%s: json from a pipe: %s" % (name, r.stderr.decode()))
        js = json.loads(r.stdout)
        for q in ("u", "du", "d2u"):
            check(np.array_equal(np.array(js[q], dtype=np.float64), got[q]), "%s: json %s differs from npy" %
                  (name, q))
        r = jetgen(["eval", "model.spec", "--points", "p.npy", "--format", "csv", "-o", "r.csv"], d)
        check(r.returncode == 0 and r.stdout == b"", "%s: csv: %s" % (name, r.stderr.decode()))
        with open(os.path.join(d, "r.csv"), newline="") as f:
            rows = list(csv.reader(f))
        inputs = ["x"] if ni == 1 else ["x", "t"]
        pairs = [(i, j) for i in range(ni) for j in range(i, ni)]
        head = (["point"] + inputs + ["output", "u"] + ["du/d" + v for v in inputs] +
                ["d2u/d%s2" % inputs[i] if i == j else "d2u/d%sd%s" % (inputs[i], inputs[j]) for i, j in pairs])
        check(rows[0] == head, "%s: csv header %s" % (name, rows[0]))
        no = got["u"].shape[1]
        check(len(rows) == 1 + n * no, "%s: csv has %d rows" % (name, len(rows)))
        ok = True
        for r_ in rows[1:]:
            p, k = int(r_[0]), int(r_[1 + ni])
            vals = [float(v) for v in r_[2 + ni:]]
            want = ([got["u"][p, k]] + list(got["du"][p, k]) + [got["d2u"][p, k, i, j] for i, j in pairs])
            ok = ok and [float(v) for v in r_[1:1 + ni]] == list(x[p]) and vals == want
        check(ok, "%s: csv numbers differ from npy" % name)

        # a spreadsheet's file of points: a header row of the input names
        np.savetxt(os.path.join(d, "p.csv"), x, delimiter=",", header=",".join(inputs), comments="",
                   fmt="%.17g")
        r = jetgen(["eval", "model.spec", "--points", "p.csv", "--format", "npy", "-o", "fromcsv"], d)
        check(r.returncode == 0, "%s: csv points with a header: %s" % (name, r.stderr.decode()))
        if r.returncode == 0:
            check(np.array_equal(np.load(os.path.join(d, "fromcsv", "d2u.npy")), got["d2u"]),
                  "%s: csv points give other numbers" % name)

        # diagonal and Laplacian modes
        for mode, fname in (("diag", "d2u_diag"), ("laplacian", "lap")):
            r = jetgen(["eval", "model.spec", "--points", "p.npy", "--format", "npy", "-o", mode, "--hessian",
                        mode], d)
            check(r.returncode == 0, "%s: %s: %s" % (name, mode, r.stderr.decode()))
            a = np.load(os.path.join(d, mode, fname + ".npy"))
            diag = np.diagonal(ref["d2u"], axis1=2, axis2=3)
            want = diag if mode == "diag" else diag.sum(axis=2)
            check(a.shape == want.shape, "%s: %s.npy shape %s, not %s" % (name, fname, a.shape, want.shape))
            if a.shape == want.shape:
                check(normwise(a, want) <= 1e-12, "%s: %s off PyTorch" % (name, fname))
            check(not os.path.exists(os.path.join(d, mode, "d2u.npy")), "%s: %s wrote d2u.npy" % (name, mode))

        # float: float32 points in, float32 results out
        x32 = x.astype(np.float32)
        np.save(os.path.join(d, "p32.npy"), x32)
        r = jetgen(["eval", "model.spec", "--points", "p32.npy", "--format", "npy", "-o", "f32", "--precision",
                    "float"], d)
        check(r.returncode == 0, "%s: float: %s" % (name, r.stderr.decode()))
        r2 = jetgen(["eval", "model.spec", "--format", "npy", "-o", "f64", "--points", "p32.npy"], d)
        check(r2.returncode == 0, "%s: float32 points: %s" % (name, r2.stderr.decode()))
        for q in ("u", "du", "d2u"):
            a = np.load(os.path.join(d, "f32", q + ".npy"))
            b = np.load(os.path.join(d, "f64", q + ".npy"))
            check(a.dtype == np.float32 and b.dtype == np.float64, "%s: float %s dtypes %s %s" %
                  (name, q, a.dtype, b.dtype))
            check(normwise(a, b) <= 1e-5, "%s: float %s off double by %.3g" % (name, q, normwise(a, b)))


def refusals(tmp):
    d = example(tmp, "pinn-xt", "bad")[0]
    x = np.zeros((5, 2))
    cases = [
        ("fortran.npy", lambda p: np.save(p, np.asfortranarray(np.zeros((5, 2)))), "in Fortran order"),
        ("int.npy", lambda p: np.save(p, np.zeros((5, 2), dtype=np.int64)), "int64 ('<i8')"),
        ("half.npy", lambda p: np.save(p, np.zeros((5, 2), dtype=np.float16)), "float16"),
        ("shape.npy", lambda p: np.save(p, np.zeros((5, 3))), "shape (5, 3): the network has 2 inputs"),
        ("rank3.npy", lambda p: np.save(p, np.zeros((5, 2, 1))), "shape (5, 2, 1)"),
        ("rec.npy", lambda p: np.save(p, np.zeros(5, dtype=[("x", "f8"), ("t", "f8")])), "records"),
        ("short.npy", None, "needs 80"),
        ("both.npz", lambda p: np.savez(p, x=x), "zip file"),
    ]
    for fname, make, want in cases:
        path = os.path.join(d, fname)
        if make is None:
            np.save(path, x)
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 8)
        else:
            make(path)
        r = jetgen(["eval", "model.spec", "--points", fname, "--format", "npy", "-o", "never"], d)
        err = r.stderr.decode()
        check(r.returncode == 1 and want in err and err.count("\n") == 1 and err.startswith(fname + ": "),
              "%s: exit %d, %r" % (fname, r.returncode, err))
        check(not os.path.exists(os.path.join(d, "never")), "%s: an output folder was made" % fname)
    # outputs never land on inputs
    np.save(os.path.join(d, "p.npy"), x)
    os.mkdir(os.path.join(d, "out"))
    os.symlink(os.path.join("..", "p.npy"), os.path.join(d, "out", "u.npy"))
    r = jetgen(["eval", "model.spec", "--points", "p.npy", "--format", "npy", "-o", "out"], d)
    check(r.returncode == 1 and b"an input of this command" in r.stderr, "u.npy onto the points: %r" % r.stderr)
    check(np.array_equal(np.load(os.path.join(d, "p.npy")), x), "the points were overwritten")
    check(sorted(os.listdir(os.path.join(d, "out"))) == ["u.npy"], "temporary files left behind")
    r = jetgen(["eval", "model.spec", "--points", "p.npy", "-o", "./model.spec"], d)
    check(r.returncode == 1 and b"an input of this command" in r.stderr, "-o onto the spec: %r" % r.stderr)
    r = jetgen(["eval", "model.spec", "--points", "p.npy", "--format", "npy"], d)
    check(r.returncode == 2 and b"-o DIR" in r.stderr, "npy to stdout: %r" % r.stderr)
    # a bad line late in a pipe: nothing on stdout
    text = b"0.1 0.2\n" * 1000 + b"0.1 zz\n"
    r = jetgen(["eval", "model.spec", "--format", "json"], d, stdin=text)
    check(r.returncode == 1 and r.stdout == b"" and r.stderr == b"<stdin>:1001:5: not a number\n",
          "a bad line in a pipe: %d %r %r" % (r.returncode, r.stdout[:80], r.stderr))


def bounded_memory(tmp):
    """40,000 points of the reference network: 480 MB of results, written
    by a process that may map 96 MB in all (the limit left off in a
    sanitizer's build, whose shadow memory is terabytes of address space)."""
    d = example(tmp, "seed-pinn", "big")[0]
    n = 40000
    np.save(os.path.join(d, "p.npy"), np.linspace(-1.0, 1.0, n).reshape(n, 1))
    limited = os.environ.get("JG_SANITIZE", "none") in ("", "none")

    def limit():
        if limited:
            resource.setrlimit(resource.RLIMIT_AS, (96 << 20, 96 << 20))
    r = subprocess.run([JETGEN, "eval", "model.spec", "--points", "p.npy", "--format", "npy", "-o", "big"], cwd=d,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit)
    check(r.returncode == 0, "40,000 points in 96 MB of address space: %s" % r.stderr.decode())
    if r.returncode == 0:
        a = np.load(os.path.join(d, "big", "d2u.npy"), mmap_mode="r")
        check(a.shape == (n, 501, 1, 1), "40,000 points: d2u shape %s" % (a.shape,))
        b = np.load(os.path.join(d, "big", "u.npy"), mmap_mode="r")
        check(np.isfinite(b[-1]).all() and b[-1].any(), "40,000 points: the last point's u is not written")
        del a, b
    for f in os.listdir(os.path.join(d, "big")):
        os.unlink(os.path.join(d, "big", f))


def on_a_terminal(args, cwd):
    """Runs jetgen with stderr on a pseudo-terminal: (exit status, what it
    wrote there)."""
    master, slave = pty.openpty()
    r = subprocess.run([JETGEN] + args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return r.returncode, seen


def progress(tmp):
    """Runs of some seconds (eval, verify): a progress line on a terminal,
    erased at the end; none in a file."""
    d = example(tmp, "pinn-xt", "progress")[0]
    np.save(os.path.join(d, "p.npy"), np.random.default_rng(1).uniform(-1, 1, (6000, 2)))
    runs = [(["eval", "model.spec", "--points", "p.npy", "--oracle", "--format", "npy", "-o", "o"],
             b"\rjetgen: eval: ", b" of 6000 points ("),
            (["verify", "model.spec", "--count", "5000"], b"\rjetgen: verify: ", b" of 5000 points (")]
    for args, head, count in runs:
        rc, seen = on_a_terminal(args, d)
        check(rc == 0, "%s on a terminal: exit %d" % (args[0], rc))
        check(head in seen and count in seen and seen.endswith(b"\r\x1b[K"),
              "%s: no progress on a terminal: %r" % (args[0], seen[:200]))
        r = jetgen(args, d)
        check(r.returncode == 0 and r.stderr == b"", "%s: progress in a file: %r" % (args[0], r.stderr[:200]))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        points_and_results(tmp)
        refusals(tmp)
        bounded_memory(tmp)
        progress(tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("cli-io: all passed")


if __name__ == "__main__":
    main()
