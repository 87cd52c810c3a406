#!/bin/sh
# The benchmark in one command: builds the release library, makes sure numpy is available
# (in .venv, as the test suite does), and runs benches/bench.py. Takes a few minutes.
# GRADIENT_BENCH_QUICK=1 runs fewer repeats.
# `sh benches/run.sh --compare A.so B.so [reps=N] [eo=2] [coords=K] SHAPE...` instead times
# builds of the library side by side (benches/compare.py says how).
# `sh benches/run.sh --python [--quick]` instead installs the Python package into .venv
# (pip install ./bindings/python) and times it against numpy.gradient on 16, 256 and 4096
# elements (bindings/python/bench/plan_timing.py: one-shot calls and reused plans).
set -eu
cd "$(dirname "$0")/.."
cargo build --release
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r bindings/python/requirements-test.txt
# numpy.gradient uses no BLAS; unset the OpenBLAS overrides this machine sets for old builds.
script=benches/bench.py
if [ "${1:-}" = "--python" ]; then
    shift
    .venv/bin/python -m pip install --quiet --disable-pip-version-check ./bindings/python
    exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u GRADIENT_LIBRARY -u PYTHONPATH \
        .venv/bin/python bindings/python/bench/plan_timing.py "$@"
fi
if [ "${1:-}" = "--compare" ]; then
    shift
    script=benches/compare.py
fi
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    GRADIENT_LIBRARY="$(pwd)/target/release/libgradient.so" .venv/bin/python "$script" "$@"
