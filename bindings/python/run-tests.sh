#!/bin/sh
# Runs the Python binding's tests with pinned numpy, pytest and hypothesis.
#
# Creates a virtual environment at the repository root (.venv, ignored by git; override
# with GRADIENT_VENV) on first use, installs bindings/python/requirements-test.txt into it
# whenever that file changes, then runs pytest from the repository root. Extra arguments
# go to pytest. The library is found as the package finds it: GRADIENT_LIBRARY, else
# target/release, else target/debug (build it first: cargo build --release).
#
#   bindings/python/run-tests.sh                                  # default run
#   GRADIENT_HYPOTHESIS_SCALE=10 bindings/python/run-tests.sh     # 10x longer run
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${GRADIENT_VENV:-$root/.venv}
requirements=$root/bindings/python/requirements-test.txt
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
stamp=$venv/.gradient-python-requirements
if ! cmp -s "$requirements" "$stamp"; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi
cd "$root"
exec "$venv/bin/python" -m pytest bindings/python/tests "$@"
