#!/usr/bin/env bash
# train.sh: the training step (jetgen.torch.Jet against PyTorch and
# functorch) and in-process evaluation against the emitted file, side by
# side in one run (bench/train.py), twice: with glibc's default malloc,
# which gives every array of 32 MB or more fresh 4 KB pages that the
# kernel zeroes one fault at a time (at N = 10,000 each of PyTorch's
# (N, 501) tensors), and with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which
# asks for transparent huge pages instead. Installs what it needs and
# builds jetgen first. Run alone: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_python_bench
env -u GLIBC_TUNABLES /usr/bin/python3 bench/train.py "$@"
echo
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 /usr/bin/python3 bench/train.py "$@"
