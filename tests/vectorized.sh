#!/usr/bin/env bash
# tests/vectorized.sh JETGEN: the README's promise that an emitted file's
# tanh loop is a vector loop when a user builds the file with GCC for AVX2
# or plain x86-64 (SSE2) without -fno-trapping-math (the runtime's kernels
# have the flag; a user's build usually does not). Emits the u(x, t)
# network in double and in float, preprocesses it (so that the lines GCC
# reports are those of the code it compiles), compiles it with gcc -O3 for
# both targets, and reads GCC's own report (-fopt-info-vec-optimized) of
# the loop whose body calls PREFIX__tanh_of(z[k]). Session 15's NaN test
# (x == x ? a : x) had left that loop scalar on these targets.
set -euo pipefail
jetgen=$1
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for precision in double float; do
    "$jetgen" emit "$src/tests/data/pinn-xt/model.spec" --prefix v --precision "$precision" -o "$tmp/v.c"
    gcc -std=c99 -E -P "$tmp/v.c" -o "$tmp/v.i"
    call=$(grep -n 'v__tanh_of(z\[k\])' "$tmp/v.i" | cut -d: -f1)
    [ "$(echo "$call" | wc -w)" = 1 ] || { echo "FAIL: not one call of v__tanh_of(z[k]) ($call)"; exit 1; }
    loop=$((call - 1))
    sed -n "${loop}p" "$tmp/v.i" | grep -q 'for (k = 0; k < n; k++)' \
        || { echo "FAIL: the line before v__tanh_of(z[k]) is not its loop"; exit 1; }
    for march in x86-64-v3 x86-64; do
        gcc -std=c99 -O3 -march="$march" -c "$tmp/v.i" -o "$tmp/v.o" -fopt-info-vec-optimized="$tmp/vec.txt"
        if grep -q "v.i:$loop:[0-9]*: optimized: loop vectorized" "$tmp/vec.txt"; then
            echo "ok: $precision, -march=$march: tanh's loop is a vector loop"
        else
            echo "FAIL: $precision, -march=$march: tanh's loop (v.i:$loop) was not vectorized"
            status=1
        fi
    done
done
exit $status
