#!/usr/bin/env bash
# partials.sh: issue 25's partial derivatives of order 3 and 4 through
# Net.partials against the nested autograd users write (bench/partials.py).
# Installs what it needs and builds jetgen first. Run alone: the machine is
# shared.
#   bash bench/partials.sh [N ...]            (default: 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_python_bench
/usr/bin/python3 bench/partials.py "$@"
