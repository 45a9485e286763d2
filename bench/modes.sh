#!/usr/bin/env bash
# modes.sh: what the diagonal and Laplacian modes save over the full
# Hessian, for IN-50-50-50-OUT tanh networks with IN = 3 and 10 (random
# float32 weights written by this script; no PyTorch needed):
#   bash bench/modes.sh
# Prints a table: microseconds per point of each mode at N = 1000 points
# (one core, gcc -O3 -march=native), and the full Hessian's time over each.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_deps
jetgen_build
work=build/bench-modes
mkdir -p "$work"
echo "| network | N | full us/pt | diag us/pt | laplacian us/pt | full / diag | full / laplacian |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for n_in in 3 10; do
    for n_out in 1 501; do
        d="$work/in$n_in-out$n_out"
        mkdir -p "$d"
        /usr/bin/python3 - "$d" "$n_in" "$n_out" <<'PY'
import json, random, struct, sys
d, n_in, n_out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(n_in * 1000 + n_out)
sizes = [n_in, 50, 50, 50, n_out]
header, blobs, off = {}, [], 0
spec = ["input %d" % n_in, "weights model.safetensors"]
for i in range(4):
    w = [r.uniform(-1, 1) / sizes[i] ** 0.5 for _ in range(sizes[i] * sizes[i + 1])]
    b = [r.uniform(-0.5, 0.5) for _ in range(sizes[i + 1])]
    for name, v, shape in (("l%d.weight" % i, w, [sizes[i + 1], sizes[i]]), ("l%d.bias" % i, b, [sizes[i + 1]])):
        blob = struct.pack("<%df" % len(v), *v)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    spec.append("dense %d l%d" % (sizes[i + 1], i))
    if i < 3:
        spec.append("tanh")
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(d + "/model.safetensors", "wb").write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
open(d + "/model.spec", "w").write("\n".join(spec) + "\n")
PY
        build/jetgen emit "$d/model.spec" -o "$d/net.c" --header "$d/net.h" --prefix net \
            --hessian full,diag,laplacian
        gcc -std=c99 -D_POSIX_C_SOURCE=200809L -O3 -march=native -I"$d" bench/modes.c "$d/net.c" -o "$d/modes" -lm
        printf '| %s ' "${n_in}-50-50-50-${n_out}" && "$d/modes" 1000 | sed 's/^| [0-9]* inputs //'
    done
done
