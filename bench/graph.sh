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
jetgen_torch_footing
JETGEN="$PWD/build/jetgen" exec /usr/bin/python3 bench/graph.py "$@"
