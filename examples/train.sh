#!/usr/bin/env bash
# train.sh: installs what the training examples need (jetgen's build,
# PyTorch, numpy, matplotlib), builds jetgen, and runs example NAME's
# train.py (its options pass on). Each example's run.sh calls it.
#   bash examples/train.sh NAME [options]
set -euo pipefail
name=$1
shift
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_packages="$jetgen_packages python3-torch python3-numpy python3-matplotlib python3-dev libopenblas0-pthread"
jetgen_deps
jetgen_build
jetgen_torch_footing
PYTHONPATH="$PWD/build/python" exec /usr/bin/python3 "examples/$name/train.py" "$@"
