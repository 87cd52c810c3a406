#!/bin/sh
# The wheel test: `pip wheel` builds a wheel of the package (with libgradient inside),
# which is installed into a second, fresh virtual environment with no Rust toolchain on
# PATH (every directory holding cargo or rustc removed), where it must import, load the
# library from inside the package and compute numpy's bits. Run by .ci/run; about a
# minute when target/release is already built (run-tests.sh builds it).
#
#   sh bindings/python/wheel-test.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${GRADIENT_VENV:-$root/.venv}
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$root"

echo "wheel-test.sh: pip wheel ./bindings/python"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-deps \
    -w "$work/dist" ./bindings/python
wheel=$(ls "$work"/dist/ndgradient-*.whl)
echo "wheel-test.sh: built $(basename "$wheel")"
case $(basename "$wheel") in
    *-py3-none-*.whl) ;;
    *) echo "wheel-test.sh: expected a py3-none-<platform> wheel" >&2; exit 1 ;;
esac

# PATH without any directory that holds cargo or rustc.
no_rust_path=""
old_ifs=$IFS
IFS=:
for dir in $PATH; do
    if [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ]; then
        continue
    fi
    no_rust_path=${no_rust_path:+$no_rust_path:}$dir
done
IFS=$old_ifs
if PATH=$no_rust_path command -v cargo >/dev/null 2>&1; then
    echo "wheel-test.sh: cargo is still on the reduced PATH" >&2
    exit 1
fi

# A fresh environment, made and used with that PATH and no GRADIENT_LIBRARY.
numpy_pin=$(grep '^numpy==' bindings/python/requirements-test.txt)
run() { env -u GRADIENT_LIBRARY -u PYTHONPATH -u CARGO_TARGET_DIR PATH="$no_rust_path" "$@"; }
run "$python" -m venv "$work/venv"
run "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$numpy_pin" "$wheel"
cd "$work"
run "$work/venv/bin/python" - <<'PY'
import shutil
from pathlib import Path

import numpy as np

import ndgradient

assert shutil.which("cargo") is None and shutil.which("rustc") is None
package = Path(ndgradient.__file__).resolve().parent
assert "site-packages" in package.parts, package
lib = Path(ndgradient.library_path())
assert lib.parent == package and lib.name.startswith("_libgradient"), lib
assert (package / "py.typed").is_file()

rng = np.random.default_rng(7)
f = rng.standard_normal((40, 33))
x = np.cumsum(rng.uniform(0.1, 1.0, 33))
for args, kwargs in [((), {}), ((0.5, x), {"edge_order": 2}), ((2.0,), {"axis": 1})]:
    got, want = ndgradient.gradient(f, *args, **kwargs), np.gradient(f, *args, **kwargs)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert all(g.tobytes() == w.tobytes() for g, w in zip(got, want, strict=True)), args
with ndgradient.Plan(f.shape, f.dtype, 0.5, x) as plan:
    assert all(g.tobytes() == w.tobytes() for g, w in zip(plan(f), np.gradient(f, 0.5, x)))
print(f"wheel-test.sh: ndgradient {ndgradient.__version__} (library "
      f"{ndgradient.library_version()}, {lib.name}) computes numpy's bits without Rust on PATH")
PY
