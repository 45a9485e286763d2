#!/usr/bin/env bash
# train.sh: the training step (jetgen.torch.Jet against PyTorch and
# functorch) and in-process evaluation against the emitted file, side by
# side in one run (bench/train.py). Installs what it needs and builds
# jetgen first. Run alone: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_packages="$jetgen_packages python3-torch python3-numpy python3-dev"
jetgen_deps
jetgen_build
JETGEN="$PWD/build/jetgen" PYTHONPATH="$PWD/build/python" exec /usr/bin/python3 bench/train.py "$@"
