#!/usr/bin/env bash
# run.sh: builds the libFuzzer targets with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-fuzz/, and runs each for a time.
#   bash fuzz/run.sh [SECONDS] [spec|safetensors ...]    (default: 60 s, both)
# Both targets run at once, one per core. The corpora in fuzz/corpus/ grow
# with what the fuzzers find (merged, so only inputs that add coverage are
# kept); a crash is written to fuzz/regressions/TARGET/ and the run stops:
# fix it, keep the file (the test suite replays it), commit both.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_packages="$jetgen_packages libclang-rt-14-dev"     # libFuzzer and the sanitizers for clang
jetgen_deps
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(spec safetensors)
if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz "${targets[@]/#/fuzz/fuzz_}" >/dev/null
export JG_FUZZ_DIR="$PWD/fuzz/weights"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
pids=()
for t in "${targets[@]}"; do
    mkdir -p "build-fuzz/corpus-$t"
    (
        build-fuzz/fuzz/fuzz_$t "build-fuzz/corpus-$t" "fuzz/corpus/$t" -max_total_time="$seconds" \
            -dict="fuzz/$t.dict" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
            -artifact_prefix="fuzz/regressions/$t/" >"build-fuzz/fuzz-$t.log" 2>&1
        echo "fuzz_$t: exit $?" >>"build-fuzz/fuzz-$t.log"
    ) &
    pids+=($!)
done
wait "${pids[@]}"
status=0
for t in "${targets[@]}"; do
    tail -n 12 "build-fuzz/fuzz-$t.log" | grep -E 'stat::number_of_executed_units|cov:|exit' | tail -n 3
    grep -q "fuzz_$t: exit 0" "build-fuzz/fuzz-$t.log" || status=1
    # keep only what adds coverage
    mkdir -p "build-fuzz/merged-$t"
    build-fuzz/fuzz/fuzz_$t -merge=1 "build-fuzz/merged-$t" "fuzz/corpus/$t" "build-fuzz/corpus-$t" \
        >/dev/null 2>&1
    if [ -n "$(ls "build-fuzz/merged-$t")" ]; then
        rm -rf "fuzz/corpus/$t" && mv "build-fuzz/merged-$t" "fuzz/corpus/$t"
    fi
    echo "fuzz/corpus/$t: $(ls "fuzz/corpus/$t" | wc -l) inputs"
done
[ $status -eq 0 ] || echo "a target stopped: see build-fuzz/fuzz-*.log and fuzz/regressions/"
exit $status
