#!/usr/bin/env bash
# run.sh: installs what the example needs (jetgen's build, PyTorch, numpy,
# matplotlib), builds jetgen, and trains (train.py; its options pass on).
#   bash examples/train-allen-cahn/run.sh [--steps N] [--q Q]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/deps.sh
jetgen_packages="$jetgen_packages python3-torch python3-numpy python3-matplotlib python3-dev libopenblas0-pthread"
jetgen_deps
jetgen_build
jetgen_torch_footing
PYTHONPATH="$PWD/build/python" exec /usr/bin/python3 examples/train-allen-cahn/train.py "$@"
