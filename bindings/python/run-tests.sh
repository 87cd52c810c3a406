#!/bin/sh
# Runs the Python binding's tests with pinned numpy, pytest and hypothesis.
#
# Creates a virtual environment at the repository root (.venv, ignored by git; override
# with GRADIENT_VENV) on first use and installs bindings/python/requirements-test.txt into
# it whenever that file changes. Then, by default, it installs the package into that
# environment as a user would, `pip install ./bindings/python` (which builds libgradient
# in release mode with cargo, into the workspace's target/ or CARGO_TARGET_DIR, and puts
# it inside the package), and runs the tests against that installed copy.
#
# With GRADIENT_LIBRARY set (the path of a libgradient.so), it instead tests the package's
# source tree (bindings/python/ndgradient, on PYTHONPATH) with that library: .ci/run does
# this for the build without AVX2 dispatch. Extra arguments go to pytest.
#
#   sh bindings/python/run-tests.sh                                  # default run
#   GRADIENT_HYPOTHESIS_SCALE=10 sh bindings/python/run-tests.sh     # 10x longer run
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
if [ -n "${GRADIENT_LIBRARY:-}" ]; then
    echo "run-tests.sh: testing the source tree bindings/python/ndgradient with GRADIENT_LIBRARY=$GRADIENT_LIBRARY"
    export PYTHONPATH="$root/bindings/python" GRADIENT_TEST_INSTALLED=0
else
    echo "run-tests.sh: pip install ./bindings/python (builds libgradient in release mode)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check ./bindings/python
    export GRADIENT_TEST_INSTALLED=1
    unset PYTHONPATH
fi
# The pytest script, not `python -m pytest`: the current directory stays off sys.path, so
# `import ndgradient` finds the installed package (or PYTHONPATH's), never the checkout.
exec "$venv/bin/pytest" bindings/python/tests "$@"
