#!/usr/bin/env bash
# backends.sh: the JIT (weights bound by address) and the executor against
# the emitted -O3 file on the reference network, side by side (bench/backends.c),
# and jetgen eval of one point end to end.
#   bash bench/backends.sh [SPEC]
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_deps
jetgen_build
spec=${1:-tests/data/seed-pinn/model.spec}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
./build/jetgen emit "$spec" -o "$tmp/net.c" --prefix net
gcc -std=c99 -O3 -march=native -shared -fPIC "$tmp/net.c" -o "$tmp/net.so" -lm
./build/bench/backends "$spec" "$tmp/net.so"
# jetgen eval of one point, end to end (process, spec, weights, plan, compile,
# 501 outputs printed): the median of 21 runs
for _ in $(seq 21); do
    s=$(date +%s%N)
    echo 0.3 | ./build/jetgen eval "$spec" > /dev/null
    e=$(date +%s%N)
    echo $(( (e - s) / 1000 ))
done | sort -n | sed -n 11p | awk '{printf "jetgen eval of one point, end to end, median of 21: %.1f ms\n", $1 / 1000}'
