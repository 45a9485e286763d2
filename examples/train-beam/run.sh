#!/usr/bin/env bash
# run.sh: installs what the example needs, builds jetgen, and trains
# (examples/train.sh; train.py's options pass on).
#   bash examples/train-beam/run.sh [--steps N] [--points N]
exec bash "$(dirname "$0")/../train.sh" train-beam "$@"
