#!/usr/bin/env bash
# graph.sh: format-3 graphs (modified MLP, plain MLP) against PyTorch,
# side by side in one run (bench/graph.py). Installs what it needs and
# builds jetgen first. Run alone: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_packages="$jetgen_packages python3-torch python3-numpy libopenblas0-pthread"
jetgen_deps
jetgen_build
# PyTorch's best footing, as bench/bench.py gives it: OpenBLAS (the package
# above) with its AVX-512 kernels where the CPU has them (OpenBLAS 0.3.21
# misdetects this CPU), one thread.
if grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
unset OPENBLAS_L2_SIZE
export OMP_NUM_THREADS=1
JETGEN="$PWD/build/jetgen" exec /usr/bin/python3 bench/graph.py "$@"
