#!/bin/sh
# The MATLAB/Octave binding's tests, in Octave: builds the MEX gateway (ngradient.c) with
# `mkoctfile --mex -R2018a` against the repository's static library into target/matlab/,
# and runs tests/test_ngradient.m with octave-cli. First it checks that the numpy golden
# values (tests/golden_numpy.m, and bindings/julia/test/golden.jl) are what
# bindings/make-golden.py writes with the pinned numpy.
#
# The library: the directory of GRADIENT_LIBRARY (a path to libgradient.so) if set, else
# target/release if it holds libgradient.a, else target/debug (build it first: cargo build).
#
# Without octave-cli and mkoctfile (Debian packages octave and liboctave-dev) it prints why
# and skips, except under CI (CI=true), where it fails; likewise the golden-value check
# without the .venv's numpy. Octave runs are judged by their exit status only: Debian's
# Octave 7.3 prints "error: ignoring const execution_exception" at every exit, even a
# clean one.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)

skip() {
    if [ "${CI:-}" = true ]; then
        echo "matlab tests: $1; CI=true, so this is a failure" >&2
        exit 1
    fi
    echo "matlab tests: SKIPPED: $1"
    exit 0
}

# The golden values (Octave's and the Julia package's): numpy's, with the pinned numpy of
# the Python tests' environment; checked even where Octave is missing.
venv=${GRADIENT_VENV:-$root/.venv}
if "$venv/bin/python" -c "import numpy" 2>/dev/null; then
    "$venv/bin/python" "$root/bindings/make-golden.py" --check || {
        echo "Regenerate them: $venv/bin/python bindings/make-golden.py" >&2
        exit 1
    }
elif [ "${CI:-}" = true ]; then
    echo "matlab tests: no numpy in $venv to check the golden values; CI=true" >&2
    exit 1
else
    echo "matlab tests: golden-value freshness check SKIPPED: no numpy in $venv"
fi

for tool in octave-cli mkoctfile; do
    command -v "$tool" >/dev/null ||
        skip "$tool not found (apt-get install -y --no-install-recommends octave liboctave-dev)"
done

if [ -n "${GRADIENT_LIBRARY:-}" ]; then
    libdir=$(dirname "$GRADIENT_LIBRARY")
elif [ -f "$root/target/release/libgradient.a" ]; then
    libdir=$root/target/release
else
    libdir=$root/target/debug
fi
[ -f "$libdir/libgradient.a" ] || {
    echo "matlab tests: $libdir/libgradient.a not found; run cargo build first" >&2
    exit 1
}

out=$root/target/matlab
mkdir -p "$out"
start=$(date +%s)
mkoctfile --mex -R2018a -I"$root/include" -o "$out/ngradient" \
    "$root/bindings/matlab/ngradient.c" "$libdir/libgradient.a" -lpthread -ldl -lm
# The help file beside the MEX file, as a user installs them (the MEX file takes
# precedence; `help ngradient` reads the .m).
cp "$root/bindings/matlab/ngradient.m" "$out/"
status=0
octave-cli --no-gui --norc --quiet --eval \
    "addpath('$out'); addpath('$root/bindings/matlab/tests'); test_ngradient" || status=$?
if [ "$status" != 0 ]; then
    echo "matlab tests: FAILED (octave-cli exit status $status)" >&2
    exit 1
fi
# The README's example, as written (the first ```matlab block).
awk '/^```matlab$/ { on = 1; next } on && /^```$/ { exit } on' "$root/README.md" \
    >"$out/readme_example.m"
[ -s "$out/readme_example.m" ] || { echo "matlab tests: no matlab block in README.md" >&2; exit 1; }
octave-cli --no-gui --norc --quiet --eval "addpath('$out'); run('$out/readme_example.m')" \
    >"$out/readme_example.log" 2>&1 || status=$?
if [ "$status" != 0 ] || ! grep -q "ngradient:axisTooShort" "$out/readme_example.log"; then
    cat "$out/readme_example.log" >&2
    echo "matlab tests: the README's example FAILED (exit status $status)" >&2
    exit 1
fi
echo "matlab tests: the README's example ran"

echo "matlab tests: passed in $(( $(date +%s) - start )) s (build and Octave run)"
