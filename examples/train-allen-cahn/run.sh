#!/usr/bin/env bash
# run.sh: installs what the example needs, builds jetgen, and trains
# (examples/train.sh; train.py's options pass on).
#   bash examples/train-allen-cahn/run.sh [--steps N] [--q Q]
exec bash "$(dirname "$0")/../train.sh" train-allen-cahn "$@"
