#!/usr/bin/env bash
# test.sh: installs what is missing, builds, and runs the whole test suite.
#   bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_deps
jetgen_build
status=0
meson test -C build --print-errorlogs --verbose --num-processes 2 | tee build/test-output.txt || status=$?
# One closing line that any reader understands.
passed=$(grep -Eo '^Ok: +[0-9]+' build/test-output.txt | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^Fail: +[0-9]+' build/test-output.txt | grep -Eo '[0-9]+' || echo 0)
echo "tests: $passed passed, $failed failed"
exit $status
