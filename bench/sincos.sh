#!/usr/bin/env bash
# sincos.sh: the sin kernel against libm, side by side (bench/sincos.c).
#   bash bench/sincos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_deps
mkdir -p build
gcc -std=c99 -O3 -march=native -D_POSIX_C_SOURCE=200809L -Wall -Wextra -pedantic -Werror \
    -Itemplates bench/sincos.c -o build/bench-sincos -lm
./build/bench-sincos
