#!/usr/bin/env bash
# deps.sh: installs with apt-get what jetgen needs to build and test, if it
# is missing. Sourced by tools/test.sh and tools/example.sh.
#   compilers: gcc, g++, clang, tcc (the emitted code is checked under all four)
#   build:     meson, ninja-build, pkg-config
#   libraries: libtcc-dev (in-memory JIT), libjansson-dev (safetensors JSON
#              header), nettle-dev (SHA-256 for provenance), check (unit tests)
jetgen_packages="gcc g++ clang tcc libtcc-dev meson ninja-build pkg-config libjansson-dev nettle-dev check"

jetgen_deps() {
    local missing="" p
    for p in $jetgen_packages; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "jetgen: installing$missing" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
}

# Configures a build folder (default build/) with the meson options given:
# jetgen_setup [DIR OPTION...].
jetgen_setup() {
    local dir=${1:-build}
    [ $# -gt 0 ] && shift
    local log
    log=$(mktemp)
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
    else
        meson setup "$dir" "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; return 1; }
    fi
    rm -f "$log"
}

# Configures and builds everything: jetgen_build [DIR OPTION...]. Quiet
# when all goes well; a failure prints what ninja said (its last 60 lines).
jetgen_build() {
    jetgen_setup "$@"
    local log
    log=$(mktemp)
    if ! ninja -C "${1:-build}" >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        rm -f "$log"
        echo "jetgen: the build of ${1:-build} failed (above)" >&2
        return 1
    fi
    rm -f "$log"
}

# PyTorch's best footing for a timing, as bench/bench.py gives it: OpenBLAS
# (libopenblas0-pthread, which the caller adds to jetgen_packages) with its
# AVX-512 kernels where the CPU has them (OpenBLAS 0.3.21 misdetects this
# CPU), one thread. JETGEN_ISA=avx2 stands for a machine without AVX-512
# on both sides: jetgen's AVX2 kernels, and PyTorch's (ATEN_CPU_CAPABILITY)
# and OpenBLAS's (Haswell) as well.
jetgen_torch_footing() {
    if [ "${JETGEN_ISA:-}" = avx2 ]; then
        export OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2
    elif grep -q avx512f /proc/cpuinfo; then
        export OPENBLAS_CORETYPE=SkylakeX
    fi
    unset OPENBLAS_L2_SIZE
    export OMP_NUM_THREADS=1
}

# The set-up of the Python benches (bench/train.sh, step.sh, partials.sh):
# PyTorch and numpy installed, jetgen built, PyTorch's kernels as
# jetgen_torch_footing sets them, the package and the command line found.
jetgen_python_bench() {
    jetgen_packages="$jetgen_packages python3-torch python3-numpy python3-dev libopenblas0-pthread"
    jetgen_deps
    jetgen_build
    jetgen_torch_footing
    export JETGEN="$PWD/build/jetgen" PYTHONPATH="$PWD/build/python"
}
