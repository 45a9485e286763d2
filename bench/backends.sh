#!/usr/bin/env bash
# backends.sh: the JIT (weights bound by address) and the executor against
# the emitted -O3 file on the reference network, side by side (bench/backends.c).
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
