#!/usr/bin/env bash
# run.sh: the benchmark in one command (bench/README.md). Installs what it
# needs (jetgen's build, PyTorch, OpenBLAS, ADOL-C), builds, and runs
# bench/bench.py, which prints the tables. Add --quick for N = 1 and 100
# only.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_packages="$jetgen_packages python3-torch python3-numpy libopenblas0-pthread libadolc-dev libboost-system-dev"
jetgen_deps
jetgen_build
exec /usr/bin/python3 bench/bench.py build "$@"
