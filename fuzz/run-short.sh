#!/bin/sh
# Builds the fuzz targets and runs them briefly, all at the same time, each for
# FUZZ_SECONDS (default 45: on 2 cores, three targets at once get about 30 s of CPU each),
# starting from the committed seed corpus in a scratch directory (the committed corpus is
# not modified). Exits non-zero on any crash, leak, timeout or harness failure; the failing
# input is left in fuzz/artifacts/<target>/ and the target's log is printed.
#
# The build is a lighter one than a long run's: optimisation level 1 instead of 3 and 16
# codegen units instead of one. On 2 cores it took 2.8 minutes instead of 4.1 from
# scratch (`rm -rf fuzz/target` then this script with --build-only, against
# `cargo fuzz build`), and the targets ran 0.5-0.7x as many inputs per second (the
# "exec/s" of each target's final line), which a run this short, mostly spent on the
# seed corpus, can spare.
#
# `run-short.sh --build-only` only builds them (.ci/run builds them in the background while
# the tests run, then runs this script again, which finds them built).
#
# Installs cargo-fuzz if it is missing (`cargo install cargo-fuzz --locked`, about a
# minute) and runs on the stable toolchain through RUSTC_BOOTSTRAP=1. Called from
# .ci/run; see fuzz/README.md.
set -eu

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-45}"
targets="gradient_valid gradient_hostile gradient_blocks"
build="--codegen-units 16"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=1
export RUSTC_BOOTSTRAP=1
# Fallback for std's per-thread records of the library's worker threads (see lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "run-short.sh: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

cargo fuzz build $build
if [ "${1:-}" = "--build-only" ]; then
    exit 0
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in $targets; do
    mkdir -p "$scratch/$target"
    (
        status=0
        cargo fuzz run $build "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
            -max_total_time="$seconds" -max_len=512 -print_final_stats=1 \
            >"$scratch/$target.log" 2>&1 || status=$?
        echo "$status" >"$scratch/$target.status"
    ) &
done
echo "run-short.sh: ${seconds}s, three targets at once"
wait
failed=""
for target in $targets; do
    status=$(cat "$scratch/$target.status")
    if [ "$status" = 0 ]; then
        echo "== $target: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$scratch/$target.log" | tail -n 1)"
    else
        echo "== $target: FAILED (exit $status); its log:"
        cat "$scratch/$target.log"
        failed="$failed $target"
    fi
done
if [ -n "$failed" ]; then
    echo "run-short.sh: failures in$failed"
    exit 1
fi
echo "run-short.sh: no crash in ${seconds}s per target"
