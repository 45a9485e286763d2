#!/usr/bin/env bash
# tests/install.sh BUILD SOURCE: the library as a user outside the tree gets
# it. Installs the build into a temporary folder (meson install --destdir),
# builds tests/install/main.c (gcc) and main.cpp (g++) with nothing but
# `pkg-config --cflags --libs --static jetgen` and the compilers' defaults
# (PIE included), and runs both on the two reference networks against
# PyTorch's float64 results (1e-12), and on a bad spec.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --destdir "$tmp/root" --no-rebuild >"$tmp/install.log" 2>&1 \
    || { cat "$tmp/install.log"; exit 1; }
pc=$(find "$tmp/root" -name jetgen.pc | head -n 1)
[ -n "$pc" ] || { echo "no jetgen.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$tmp/root"
flags=$(pkg-config --cflags --libs --static jetgen)
echo "pkg-config --cflags --libs --static jetgen: $flags"
# shellcheck disable=SC2086
gcc -std=c99 -Wall -Wextra -pedantic -Werror "$src/tests/install/main.c" $flags -o "$tmp/main-c"
# shellcheck disable=SC2086
g++ -Wall -Wextra -pedantic -Werror "$src/tests/install/main.cpp" $flags -o "$tmp/main-cpp"
printf 'input 1\ntahn\n' > "$tmp/bad.spec"
for net in seed-pinn pinn-xt; do
    /usr/bin/python3 - "$src/tests/data/$net/expected-f64.json" > "$tmp/$net.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def flat(v):
    return [y for x in v for y in flat(x)] if isinstance(v, list) else [v]
n, ni, no = len(r["points"]), len(r["points"][0]), len(r["u"][0])
print(n, ni, no)
for p in range(n):
    print(" ".join(repr(float(v)) for k in ("points", "u", "du", "d2u") for v in flat(r[k][p])))
PY
    for prog in main-c main-cpp; do
        echo "$prog $net:"
        "$tmp/$prog" "$src/tests/data/$net/model.spec" "$tmp/$net.txt" "$tmp/bad.spec"
    done
done
echo "install: ok"
