"""Finding and loading libgradient, and the mapping of every C status to an exception."""

import ctypes
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from numpy.exceptions import AxisError

import ndgradient
from _support import numpy_gradient
from ndgradient import _lib

PACKAGE = Path(ndgradient.__file__).resolve().parent


def _import_in(tree: Path, env_library=None):
    """Imports a copy of the package placed at ``tree/bindings/python/gradient``."""
    dest = tree / "bindings" / "python" / "ndgradient"
    shutil.copytree(PACKAGE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("GRADIENT_LIBRARY", "PYTHONPATH")}
    if env_library is not None:
        env["GRADIENT_LIBRARY"] = env_library
    code = "import ndgradient; print(ndgradient.library_path)"
    return subprocess.run([sys.executable, "-c", code], cwd=dest.parent, env=env,
                          capture_output=True, text=True, timeout=60)


def test_version():
    assert ndgradient.library_version().count(".") == 2
    assert os.path.isfile(ndgradient.library_path)


def test_no_library_is_a_clear_import_error(tmp_path):
    r = _import_in(tmp_path)
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "GRADIENT_LIBRARY" in r.stderr
    assert "target/release" in r.stderr.replace(os.sep, "/")


def test_bad_environment_variable_is_an_import_error(tmp_path):
    r = _import_in(tmp_path, env_library=str(tmp_path / "nope.so"))
    assert r.returncode != 0 and "ImportError" in r.stderr and "nope.so" in r.stderr


@pytest.mark.parametrize("profiles,expected", [(["debug"], "debug"),
                                               (["release", "debug"], "release")])
def test_repository_target_directories(tmp_path, profiles, expected):
    for p in profiles:
        (tmp_path / "target" / p).mkdir(parents=True)
        shutil.copy(ndgradient.library_path, tmp_path / "target" / p / Path(ndgradient.library_path).name)
    r = _import_in(tmp_path)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).parent.name == expected


def test_environment_variable_wins(tmp_path):
    (tmp_path / "target" / "release").mkdir(parents=True)
    r = _import_in(tmp_path, env_library=ndgradient.library_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ndgradient.library_path


# Direct calls that provoke each status the C library checks, bypassing the Python-side
# checks that normally come first.
F = np.arange(12.0).reshape(3, 4)


def _call(spacing=(), axes=(0,), edge_order=1, out=None, f=F, dtype=1, strides=None):
    out = [np.empty_like(f) for _ in axes] if out is None else out
    st = strides or [s // 8 for s in f.strides]
    _lib.call_gradient(dtype, _lib.array_address(f), f.shape, st, list(spacing), list(axes),
                       edge_order, [_lib.array_address(o) for o in out],
                       [[s // o.itemsize for s in o.strides] for o in out])


def _coords(x):
    return _lib.GradSpacing(kind=_lib.SPACING_COORDINATES, dtype=1,
                            coordinates=_lib.array_address(x), length=len(x), stride=1)


@pytest.mark.parametrize("name,kwargs,exc,status", [
    ("axis out of bounds", {"axes": (2,)}, AxisError, "axis out of bounds"),
    ("repeated axis", {"axes": (0, -2)}, ValueError, "repeated axis"),
    ("spacing count", {"spacing": [_lib.GradSpacing(kind=1, h=1.0)] * 2, "axes": (0,)},
     TypeError, "spacing"),
    ("coordinates length", {"spacing": [_coords(np.arange(4.0))]}, ValueError, "length"),
    ("coordinates too short", {"spacing": [_coords(np.arange(1.0))],
                               "f": np.zeros((1, 4)), "axes": (0,)}, IndexError, "fewer than 2"),
    ("edge order", {"edge_order": 3}, ValueError, "edge_order"),
    ("axis too short", {"f": np.zeros((2, 4)), "edge_order": 2}, ValueError, "too short"),
    ("overlap", {"out": [F]}, ValueError, "shares memory"),
    ("invalid dtype", {"dtype": 77}, TypeError, "dtype"),
    ("invalid spacing kind", {"spacing": [_lib.GradSpacing(kind=42)]}, RuntimeError, "kind"),
    ("misaligned", {"strides": [4, 1], "f": np.frombuffer(bytes(97), np.uint8)[1:].view(
        np.float64).reshape(3, 4)}, ValueError, "aligned"),
    ("output count", {"out": []}, ValueError, "n_out"),
])
def test_status_mapping(name, kwargs, exc, status):
    with pytest.raises(exc) as e:
        _call(**kwargs)
    assert type(e.value) is exc
    assert status in str(e.value)
    assert ":" in str(e.value)  # status summary, then grad_last_error()'s detail


@pytest.mark.parametrize("axes,exc", [((0, 1, -1), ValueError), ((0, 5, 1), AxisError)])
def test_c_abi_checks_axes_before_spacing_count(axes, exc):
    """numpy's order: axis errors before the spacing count (also at the C ABI)."""
    two = [_lib.GradSpacing(kind=1, h=1.0)] * 2
    with pytest.raises(exc):  # np.gradient(F, 1., 2., axis=axes) raises exc
        numpy_gradient(F, 1.0, 2.0, axis=axes)
    with pytest.raises(exc):
        _call(spacing=two, axes=axes)


def test_every_status_has_an_exception():
    for name, value in vars(_lib.Status).items():
        if not name.startswith("_") and value != 0:
            assert value in _lib.EXCEPTION_FOR_STATUS, name
            msg = _lib._grad_status_message(value).decode()
            assert msg and msg != "unknown status code", name


def test_threads_give_the_same_bits():
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((64, 65)) for _ in range(8)]
    expected = [numpy_gradient(a, 0.5, np.cumsum(rng.uniform(0.1, 1, 65))) for a in arrays]
    results, errors = {}, []

    def work(i):
        try:
            x = np.cumsum(np.random.default_rng(i).uniform(0.1, 1, 65))
            for _ in range(20):
                ndgradient.gradient(arrays[i], 0.5, x)
            # deliberately failing calls: each thread reads its own last error
            try:
                ndgradient.gradient(arrays[i], out=(arrays[i], np.empty_like(arrays[i])))
            except ValueError as e:
                assert "shares memory" in str(e)
            results[i] = ndgradient.gradient(arrays[i], 0.5, x)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i, a in enumerate(arrays):
        x = np.cumsum(np.random.default_rng(i).uniform(0.1, 1, 65))
        e = numpy_gradient(a, 0.5, x)
        for r, ee in zip(results[i], e):
            assert np.array_equal(r, ee)
    assert expected  # (computed with other coordinates: only a smoke value)
    assert ctypes  # ctypes releases the GIL during calls
