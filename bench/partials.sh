#!/usr/bin/env bash
# partials.sh: issue 25's partial derivatives of order 3 and 4 through
# Net.partials, and training steps through jetgen.torch.Jet(terms=...),
# against the nested autograd users write (bench/partials.py), twice as
# bench/train.sh: with glibc's default malloc (whose state, and so every
# (N, ...) tensor's page faults, depends on what the process allocated
# before), then with GLIBC_TUNABLES=glibc.malloc.hugetlb=1. Installs what
# it needs and builds jetgen first. Run alone: the machine is shared.
#   bash bench/partials.sh [N ...] [CASE ...]   (default: 1000, every case: kdv beam biharmonic
#   kdv-xt kdv-xt20 ks ks100 cahn-hilliard, bench/partials.py)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_python_bench
env -u GLIBC_TUNABLES /usr/bin/python3 bench/partials.py "$@"
echo
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 /usr/bin/python3 bench/partials.py "$@"
