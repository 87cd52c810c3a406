#!/bin/sh
# Checks that the committed conformance files (vectors.bin, large.txt) are exactly what the
# committed generator writes: regenerates them into a temporary directory with the pinned
# numpy of the Python tests' environment (.venv, made by bindings/python/run-tests.sh; or
# GRADIENT_VENV) and compares byte for byte.
#
# Without that environment's numpy it prints why and skips, except under CI (CI=true),
# where a skip would hide a stale file: there it fails. It installs nothing.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${GRADIENT_VENV:-$root/.venv}
python=$venv/bin/python
if ! "$python" -c "import numpy" 2>/dev/null; then
    reason="no numpy in $venv (sh bindings/python/run-tests.sh creates it)"
    if [ "${CI:-}" = true ]; then
        echo "check-generated: $reason; CI=true, so this is a failure" >&2
        exit 1
    fi
    echo "check-generated: SKIPPED: $reason"
    exit 0
fi
numpy_version=$("$python" -c 'import numpy; print(numpy.__version__)')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" "$root/tests/conformance/generate.py" --out "$tmp" >"$tmp/log"
status=0
for f in vectors.bin large.txt; do
    if ! cmp "$root/tests/conformance/$f" "$tmp/$f"; then
        status=1
    fi
done
if [ "$status" != 0 ]; then
    echo "check-generated: the committed conformance files differ from what" \
        "tests/conformance/generate.py writes with numpy $numpy_version." >&2
    echo "Regenerate them: $python tests/conformance/generate.py" >&2
    exit 1
fi
echo "check-generated: vectors.bin and large.txt are what generate.py writes with numpy $numpy_version"
