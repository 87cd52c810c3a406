#!/bin/sh
# The benchmark in one command: builds the release library, makes sure numpy and matplotlib
# are available (in .venv-bench), and runs benches/bench.py, which prints the table and the
# targets and writes benches/ns-per-element.png. Takes a few minutes.
# GRADIENT_BENCH_QUICK=1 runs fewer repeats.
# `sh benches/run.sh --compare A.so B.so [reps=N] [eo=2] [coords=K] SHAPE...` instead times
# builds of the library side by side (benches/compare.py says how).
# `sh benches/run.sh --python [--quick]` instead installs the Python package into .venv
# (pip install ./bindings/python) and times it against numpy.gradient on 16, 256 and 4096
# elements (bindings/python/bench/plan_timing.py: one-shot calls and reused plans).
# `sh benches/run.sh --dask [--quick]` instead installs dask into .venv-bench and times
# ndgradient.dask.gradient against dask.array.gradient (benches/dask_compare.py: 4096^2
# in 4 and 16 chunks, 256^3 in 8 chunks; about 2 minutes, --quick about 1).
set -eu
cd "$(dirname "$0")/.."
cargo build --release
# The benchmark's own environment: pinned numpy (as the tests) and matplotlib (the figure).
if [ ! -x .venv-bench/bin/python ]; then
    python3 -m venv .venv-bench
fi
.venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -r benches/requirements.txt
# numpy.gradient uses no BLAS; unset the OpenBLAS overrides this machine sets for old builds.
script=benches/bench.py
if [ "${1:-}" = "--python" ]; then
    shift
    .venv/bin/python -m pip install --quiet --disable-pip-version-check ./bindings/python
    exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u GRADIENT_LIBRARY -u PYTHONPATH \
        .venv/bin/python bindings/python/bench/plan_timing.py "$@"
fi
if [ "${1:-}" = "--dask" ]; then
    shift
    .venv-bench/bin/python -m pip install --quiet --disable-pip-version-check \
        -r benches/requirements-dask.txt
    exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        GRADIENT_LIBRARY="$(pwd)/target/release/libgradient.so" \
        PYTHONPATH="$(pwd)/bindings/python" .venv-bench/bin/python benches/dask_compare.py "$@"
fi
if [ "${1:-}" = "--compare" ]; then
    shift
    script=benches/compare.py
fi
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    GRADIENT_LIBRARY="$(pwd)/target/release/libgradient.so" .venv-bench/bin/python "$script" "$@"
