#!/usr/bin/python3
"""bench.py: jetgen against PyTorch and ADOL-C, side by side in one run.

Measures u + du/dx + d2u/dx2 for every output, on one core (and on two where
it applies), for the reference network (PINN 1-50-50-50-501, tanh) and a
3-input variant (same widths, full 3x3 Hessians), at N = 1, 100 and 10,000
points, for:
  jetgen file -O3   the emitted file, gcc -O3 -march=native
  jetgen file -O2   the emitted file, gcc -O2 (no -march)
  jetgen JIT        libtcc orchestration + the runtime's optimized kernels
  ... float         the same with --precision float
  torch closed      the fastest PyTorch method found (closed form, batched)
  ADOL-C            Taylor forward on a tape (tensor_eval)
  torch jac2        torch.autograd.functional.jacobian twice, a few points
Every method's numbers are checked against jetgen file -O3 (normwise
relative error <= 1e-12, per quantity) before any time is reported. The FMA
peak is measured in the same run by bench/peak.c. Each time is the best of
several runs of at least 0.2 s inside a process, and the best of three
processes, the methods taking turns (one process for ADOL-C and the
jacobian route): the machine is shared and its speed drifts by up to 40%.

usage: bench/bench.py BUILD_DIR [--quick]
(bench/run.sh installs what it needs, builds, and calls this.)
"""
import json
import os
import random
import struct
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
TOL = 1e-12
TOL_FLOAT = 1e-5    # float results against double: float rounding, about 4e-7 measured


def run(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit("bench: `%s` failed:\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def make_variant(folder):
    """PINN([3, 50, 50, 50, 501]) with Tanh, torch.manual_seed(0), saved the
    way the reference network was: float32 state_dict in safetensors."""
    import torch
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    sizes = [3, 50, 50, 50, 501]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.Tanh())
    state = torch.nn.Sequential(*layers).state_dict()
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in state.items():
        b = t.detach().numpy().astype("<f4").tobytes()
        header["linears." + name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(os.path.join(folder, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    spec = ["# PINN([3, 50, 50, 50, 501]) with Tanh, torch.manual_seed(0) (bench/bench.py)",
            "input x y t", "weights model.safetensors"]
    for i in range(0, 7, 2):
        spec.append("dense %d linears.%d" % (sizes[i // 2 + 1], i))
        if i < 6:
            spec.append("tanh")
    with open(os.path.join(folder, "model.spec"), "w") as f:
        f.write("\n".join(spec) + "\n")
    return os.path.join(folder, "model.spec")


def flops_of(jetgen, spec):
    for line in run([jetgen, "check", spec]).splitlines():
        if "u, du/dx, d2u/dx2" in line:
            return float(line.split()[-1])
    sys.exit("bench: no FLOP count from jetgen check")


def normwise(got, want):
    scale = np.abs(want).max()
    return np.abs(got - want).max() / (scale if scale > 0 else 1.0)


def check(name, got_path, want_path, n, n_in, n_out, tol=TOL):
    """Each of u, du, d2u of got agrees with want (jetgen file -O3)."""
    got, want = np.fromfile(got_path), np.fromfile(want_path)
    sizes = [n * n_out, n * n_out * n_in, n * n_out * n_in * n_in]
    at = 0
    for q, size in zip(("u", "du", "d2u"), sizes):
        e = normwise(got[at:at + size], want[at:at + size])
        if not e <= tol:
            sys.exit("bench: %s disagrees with jetgen on %s at N = %d: normwise error %.3g" % (name, q, n, e))
        at += size
    return True


def main():
    build = os.path.abspath(sys.argv[1])
    quick = "--quick" in sys.argv
    jetgen = os.path.join(build, "jetgen")
    jbench = os.path.join(build, "bench", "jetgen_bench")
    abench = os.path.join(build, "bench", "adolc_bench")
    work = os.path.join(build, "bench-data")
    os.makedirs(work, exist_ok=True)
    tenv = dict(os.environ)
    # PyTorch's best footing: OpenBLAS with its AVX-512 kernels where the CPU
    # has them (OpenBLAS 0.3.21 misdetects this CPU).
    if "avx512f" in open("/proc/cpuinfo").read():
        tenv["OPENBLAS_CORETYPE"] = "SkylakeX"
    tenv.pop("OPENBLAS_L2_SIZE", None)
    tenv["OMP_NUM_THREADS"] = "1"

    run(["gcc", "-O3", "-march=native", os.path.join(ROOT, "bench", "peak.c"), "-o", os.path.join(work, "peak")])
    peak = last_json(run([os.path.join(work, "peak")]))["peak_gflops"]

    nets = [("reference 1-50-50-50-501", os.path.join(ROOT, "tests", "data", "seed-pinn", "model.spec"), 1),
            ("3-input variant 3-50-50-50-501", make_variant(os.path.join(work, "pinn3")), 3)]
    sizes = [1, 100] if quick else [1, 100, 10000]
    rows, compile_rows = [], []
    for title, spec, n_in in nets:
        n_out = 501
        flops = flops_of(jetgen, spec)
        rnd = random.Random(1)
        points = os.path.join(work, "points-%d.bin" % n_in)
        with open(points, "wb") as f:
            f.write(struct.pack("<%dd" % (10000 * n_in), *[rnd.uniform(-2, 2) for _ in range(10000 * n_in)]))
        src = os.path.join(work, "net%d.c" % n_in)
        run([jetgen, "emit", spec, "-o", src, "--prefix", "net"])
        srcf = os.path.join(work, "net%df.c" % n_in)
        run([jetgen, "emit", spec, "-o", srcf, "--prefix", "net", "--precision", "float"])
        sos = {}
        for label, flags, c in (("file -O3", ["-O3", "-march=native"], src), ("file -O2", ["-O2"], src),
                                ("file -O3 float", ["-O3", "-march=native"], srcf)):
            so = os.path.join(work, "net%d%s%s.so" % (n_in, flags[0], "f" if c == srcf else ""))
            t0 = time.perf_counter()
            run(["gcc", "-std=c99"] + flags + ["-fPIC", "-shared", c, "-o", so, "-lm"])
            if c == src:
                compile_rows.append((title, "gcc " + " ".join(flags), 1e3 * (time.perf_counter() - t0)))
            sos[label] = so
        for n in sizes:
            ref = os.path.join(work, "ref-%d-%d.bin" % (n_in, n))
            methods = [("jetgen file -O3", [jbench, spec, "so:" + sos["file -O3"], points, str(n), ref], None),
                       ("jetgen file -O2", [jbench, spec, "so:" + sos["file -O2"], points, str(n)], None),
                       ("jetgen JIT", [jbench, spec, "jit", points, str(n)], None),
                       ("jetgen file -O3, float", [jbench, spec, "sof:" + sos["file -O3 float"], points, str(n)],
                        None),
                       ("jetgen JIT, float", [jbench, spec, "jitf", points, str(n)], None),
                       ("torch closed", [PY, os.path.join(ROOT, "bench", "torch_bench.py"), spec, "closed",
                                         points, str(n)], tenv)]
            if os.path.exists(abench):
                methods.append(("ADOL-C", [abench, spec, points, str(n)], None))
            if n == 10000:
                methods.append(("jetgen file -O3, 2 threads",
                                [jbench, spec, "so:" + sos["file -O3"], points, str(n)], None))
                methods.append(("jetgen JIT, 2 threads", [jbench, spec, "jit", points, str(n)], None))
            # The machine is shared and its speed drifts: the methods take
            # turns, three rounds (one for ADOL-C), and each keeps its best.
            best = {}
            for rnd in range(3):
                for mi, (name, cmd, env) in enumerate(methods):
                    if name == "ADOL-C" and rnd > 0:
                        continue
                    out = ref if name == "jetgen file -O3" else os.path.join(work, "out-%d.bin" % mi)
                    full = cmd + ([] if cmd[-1] == ref else [out]) + (["2"] if "2 threads" in name else [])
                    res = last_json(run(full, env))
                    if name not in best or res["sec_per_point"] < best[name][0]["sec_per_point"]:
                        best[name] = (res, out)
            for name, cmd, env in methods:
                res, out = best[name]
                check(name, out, ref, n, n_in, n_out, TOL_FLOAT if "float" in name else TOL)
                rows.append((title, n, name, res["sec_per_point"], flops))
                if name == "jetgen JIT" and n == sizes[0]:
                    compile_rows.append((title, "libtcc (JIT)", res["compile_ms"]))
        # the usual route, on a few points
        njac = 1 if quick or n_in > 1 else 2
        ref = os.path.join(work, "ref-jac.bin")
        run([jbench, spec, "so:" + sos["file -O3"], points, str(njac), ref])
        out = os.path.join(work, "out.bin")
        res = last_json(run([PY, os.path.join(ROOT, "bench", "torch_bench.py"), spec, "jac2", points, str(njac),
                             out], tenv))
        check("torch jac2", out, ref, njac, n_in, n_out)
        rows.append((title, njac, "torch jac2 (autograd, usual)", res["sec_per_point"], flops))

    print("All methods agree with jetgen (normwise relative error <= %g for u, du and d2u; "
          "float ones <= %g)." % (TOL, TOL_FLOAT))
    print("FMA peak of one core, measured now: %.1f GFLOP/s in double (twice that in float)\n" % peak)
    for title in [t for t, _, _ in nets]:
        print("## %s" % title)
        print("| N | method | us/point | time vs jetgen file -O3 | GFLOP/s | of peak |")
        print("|---:|---|---:|---:|---:|---:|")
        for t, n, name, sec, flops in rows:
            if t != title:
                continue
            base = [s for tt, nn, nm, s, _ in rows if tt == t and nm == "jetgen file -O3"
                    and (nn == n or (name.startswith("torch jac2") and nn == 1))]
            ratio = sec / base[0] if base else float("nan")
            # the peak of the run's resources: threads, and twice the FMAs in float
            scale = (2 if "2 threads" in name else 1) * (2 if "float" in name else 1)
            print("| %d | %s | %.2f | %.2fx | %.1f | %.0f%% |" % (
                n, name, sec * 1e6, ratio, flops / sec / 1e9, 100 * flops / sec / 1e9 / (peak * scale)))
        print()
    print("## Compile cost")
    print("| network | compiler | ms |")
    print("|---|---|---:|")
    for title, what, ms in compile_rows:
        print("| %s | %s | %.1f |" % (title, what, ms))


if __name__ == "__main__":
    main()
