#!/usr/bin/env bash
# step.sh: issue 22's training steps, jetgen.torch.Jet against the route
# users write (bench/step.py), PyTorch on OpenBLAS as bench/train.sh gives
# it. Installs what it needs and builds jetgen first. Run alone: the
# machine is shared.
#   bash bench/step.sh [N ...] [burgers|poisson|reference ...] [threads=K]
#                   (default: 1000 10000, all three, one thread; threads=K:
#                    PyTorch and Jet on K threads, the floor K cores' peak)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_python_bench
/usr/bin/python3 bench/step.py "$@"
