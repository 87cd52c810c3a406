#!/bin/sh
# Builds the fuzz targets and runs each one briefly (FUZZ_SECONDS each, default 30), one
# after the other, starting from the committed seed corpus in a scratch directory (the
# committed corpus is not modified). Exits non-zero on any crash, leak, timeout or
# harness failure; the failing input is left in fuzz/artifacts/<target>/.
#
# Installs cargo-fuzz if it is missing (`cargo install cargo-fuzz --locked`, about a
# minute) and runs on the stable toolchain through RUSTC_BOOTSTRAP=1. Called from
# .ci/run; see fuzz/README.md.
set -eu

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
export RUSTC_BOOTSTRAP=1
# Fallback for std's per-thread records of the library's worker threads (see lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "run-short.sh: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

cargo fuzz build
for target in gradient_valid gradient_hostile gradient_blocks; do
    echo "== $target: ${seconds}s"
    mkdir -p "$scratch/$target"
    cargo fuzz run "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=512 -print_final_stats=1
done
echo "run-short.sh: no crash in ${seconds}s per target"
