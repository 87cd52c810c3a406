#!/bin/sh
# The Julia package's syntax check, without Julia: parses bindings/julia/src/*.jl,
# test/*.jl and the README's julia example with tree-sitter-julia (pinned in
# requirements-check.txt, installed into the Python tests' environment .venv, or
# GRADIENT_VENV, when missing). Without that environment (bindings/python/run-tests.sh
# creates it) it prints why and skips, except under CI=true. Run by tests/all.sh; the
# @ccall signatures are checked by tests/julia_ccalls.rs.
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
venv=${GRADIENT_VENV:-$root/.venv}
here=$root/bindings/julia/tools
if [ ! -x "$venv/bin/python" ]; then
    if [ "${CI:-}" = true ]; then
        echo "julia syntax check: no $venv; CI=true, so this is a failure" >&2
        exit 1
    fi
    echo "julia syntax check: SKIPPED: no $venv (sh bindings/python/run-tests.sh creates it)"
    exit 0
fi
stamp=$venv/.gradient-julia-check-requirements
if ! cmp -s "$here/requirements-check.txt" "$stamp"; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$here/requirements-check.txt"
    cp "$here/requirements-check.txt" "$stamp"
fi
cd "$root"
exec "$venv/bin/python" "$here/check_syntax.py" bindings/julia/src/*.jl bindings/julia/test/*.jl -
