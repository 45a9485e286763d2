#!/usr/bin/env bash
# test.sh: installs what is missing, builds, and runs the whole test suite,
# then runs it again built with AddressSanitizer (LeakSanitizer included)
# and UndefinedBehaviorSanitizer (build-asan/), and the concurrency tests
# under ThreadSanitizer (build-tsan/); any sanitizer report fails the test
# that made it.
#   bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
# the interop test compares with PyTorch (for /usr/bin/python3); the
# pip-install test builds the package with meson-python in a venv
jetgen_packages="$jetgen_packages python3-torch python3-numpy python3-mesonpy python3-venv"
jetgen_deps
# -Werror in the project's own test builds only: a user's newer compiler
# may warn where ours does not, and must still build a release
jetgen_build build -Dwerror=true
status=0
meson test -C build --print-errorlogs --verbose --num-processes 2 | tee build/test-output.txt || status=$?
echo "== the whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/)"
# -O1, the sanitizers' own advice, for the kernels too (meson.build): at
# -O3 their unrolled loops, every access checked, took most of the ASan
# build's 17 minutes to compile (5m41 at -O1)
jetgen_build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    meson test -C build-asan --print-errorlogs --verbose --num-processes 2 --timeout-multiplier 3 \
    | tee -a build/test-output.txt || status=$?
echo "== the concurrency tests under ThreadSanitizer (build-tsan/)"
jetgen_setup build-tsan -Dwerror=true -Db_sanitize=thread -Db_lundef=false -Doptimization=1
ninja -C build-tsan tests/test_threads tests/test_runtime >/dev/null
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    meson test -C build-tsan --no-rebuild --print-errorlogs --verbose threads runtime \
    | tee -a build/test-output.txt || status=$?
# One closing line that any reader understands: Check's counts, summed
# over the suites, plus any suite that died before Check could count.
awk -v status="$status" '
    /[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/ {
        gsub(/,/, ""); checks += $3; bad += $5 + $7 }
    /^Fail: +[0-9]+/ { suites_failed += $2 }
    END {
        if (bad == 0 && status != 0) bad = suites_failed ? suites_failed : 1
        printf "checks: %d passed, %d failed\n", checks - bad, bad }' build/test-output.txt
exit $status
