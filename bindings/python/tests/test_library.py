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
LIBRARY = ndgradient.library_path()


def _copy_package(tree: Path, bundled: bool = False) -> Path:
    """A copy of the package at ``tree/bindings/python/ndgradient``, without the library
    pip puts inside it unless ``bundled`` (then a copy of the loaded one is put there)."""
    dest = tree / "bindings" / "python" / "ndgradient"
    shutil.copytree(PACKAGE, dest, ignore=shutil.ignore_patterns("__pycache__", "_libgradient*"))
    if bundled:
        shutil.copy(LIBRARY, dest / "_libgradient.abi3.so")
    return dest


def _checkout(tree: Path) -> None:
    """Makes ``tree`` look like a repository checkout (what ``_lib`` looks for)."""
    (tree / "include").mkdir(parents=True, exist_ok=True)
    (tree / "include" / "gradient.h").write_text("")
    (tree / "Cargo.toml").write_text("")


def _import(dest: Path, env_library=None, **env_extra):
    """Imports the package copy ``dest`` in a new interpreter; prints library_path()."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GRADIENT_LIBRARY", "PYTHONPATH", "LD_LIBRARY_PATH", "LIBRARY_PATH")}
    if env_library is not None:
        env["GRADIENT_LIBRARY"] = env_library
    env.update(env_extra)
    code = "import ndgradient; print(ndgradient.library_path())"
    return subprocess.run([sys.executable, "-c", code], cwd=dest.parent, env=env,
                          capture_output=True, text=True, timeout=60)


def test_version():
    assert ndgradient.library_version().count(".") == 2
    assert os.path.isfile(ndgradient.library_path())
    major, minor, _ = (int(x) for x in ndgradient.library_version().split("."))
    assert (major, minor) in _lib.SUPPORTED_ABI


def test_installed_copy_is_tested():
    """Under run-tests.sh's default mode (GRADIENT_TEST_INSTALLED=1) the suite runs
    against the package pip installed, with the library inside it, not the checkout."""
    if os.environ.get("GRADIENT_TEST_INSTALLED") != "1":
        pytest.skip("testing the source tree (GRADIENT_LIBRARY set by run-tests.sh)")
    assert "site-packages" in PACKAGE.parts, PACKAGE
    assert Path(LIBRARY).parent == PACKAGE and Path(LIBRARY).name.startswith("_libgradient")
    assert (PACKAGE / "py.typed").is_file()
    from importlib.metadata import version
    assert ndgradient.__version__ == version("ndgradient") == ndgradient.library_version()


def test_no_library_is_a_clear_import_error(tmp_path):
    import ctypes.util
    if ctypes.util.find_library("gradient"):
        pytest.skip("a libgradient is installed on this system (found by ctypes.util)")
    r = _import(_copy_package(tmp_path))
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "GRADIENT_LIBRARY" in r.stderr
    assert "pip install" in r.stderr and "find_library" in r.stderr


def test_bad_environment_variable_is_an_import_error(tmp_path):
    r = _import(_copy_package(tmp_path), env_library=str(tmp_path / "nope.so"))
    assert r.returncode != 0 and "ImportError" in r.stderr and "nope.so" in r.stderr


def test_library_inside_the_package_comes_first(tmp_path):
    dest = _copy_package(tmp_path, bundled=True)
    _checkout(tmp_path)
    (tmp_path / "target" / "release").mkdir(parents=True)
    shutil.copy(LIBRARY, tmp_path / "target" / "release" / "libgradient.so")
    r = _import(dest, env_library=str(tmp_path / "nope.so"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(dest / "_libgradient.abi3.so")


def test_environment_variable_comes_second(tmp_path):
    dest = _copy_package(tmp_path)
    _checkout(tmp_path)
    (tmp_path / "target" / "release").mkdir(parents=True)
    shutil.copy(LIBRARY, tmp_path / "target" / "release" / "libgradient.so")
    r = _import(dest, env_library=LIBRARY)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == LIBRARY


@pytest.mark.parametrize("profiles,expected", [(["debug"], "debug"),
                                               (["release", "debug"], "release")])
def test_checkout_target_directories(tmp_path, profiles, expected):
    _checkout(tmp_path)
    for p in profiles:
        (tmp_path / "target" / p).mkdir(parents=True)
        shutil.copy(LIBRARY, tmp_path / "target" / p / "libgradient.so")
    r = _import(_copy_package(tmp_path))
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).parent.name == expected


def test_target_directories_outside_a_checkout_are_ignored(tmp_path):
    import ctypes.util
    if ctypes.util.find_library("gradient"):
        pytest.skip("a libgradient is installed on this system (found by ctypes.util)")
    (tmp_path / "target" / "release").mkdir(parents=True)
    shutil.copy(LIBRARY, tmp_path / "target" / "release" / "libgradient.so")
    r = _import(_copy_package(tmp_path))
    assert r.returncode != 0 and "ImportError" in r.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the loader paths below are Linux's")
def test_system_library_comes_last(tmp_path):
    """With nothing else, ``ctypes.util.find_library("gradient")`` finds an installed
    library: here one in a directory named by LIBRARY_PATH/LD_LIBRARY_PATH (which gcc
    and ld search), loaded through its soname as the dynamic loader would."""
    import ctypes.util
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(LIBRARY, lib / "libgradient.so")
    paths = {"LIBRARY_PATH": str(lib), "LD_LIBRARY_PATH": str(lib)}
    code = "import ctypes.util; print(ctypes.util.find_library('gradient'))"
    env = {**{k: v for k, v in os.environ.items() if k not in paths}, **paths}
    found = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, timeout=60).stdout.strip()
    if found in ("", "None"):
        pytest.skip("ctypes.util.find_library cannot search LIBRARY_PATH here (no gcc or ld)")
    if found != "libgradient.so":
        shutil.copy(LIBRARY, lib / found)  # the soname, e.g. libgradient.so.0.2
    r = _import(_copy_package(tmp_path), **paths)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == found


def test_abi_check():
    version = ndgradient.library_version()
    major, minor, patch = (int(x) for x in version.split("."))
    _lib.check_abi(major << 16 | minor << 8 | patch, "here")  # the loaded one passes
    for bad in [(1, 0, 0), (0, 1, 9), (0, 99, 0)]:
        with pytest.raises(ImportError) as e:
            _lib.check_abi(bad[0] << 16 | bad[1] << 8 | bad[2], "/x/libgradient.so")
        assert "/x/libgradient.so" in str(e.value)
        assert "{}.{}.{}".format(*bad) in str(e.value) and "0.4.x" in str(e.value)


def test_library_of_another_abi_version_is_refused(tmp_path):
    """A library whose ``grad_version()`` says 1.2.3 is refused at import, naming it."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or sys.platform != "linux":
        pytest.skip("needs a C compiler on Linux to build the impostor library")
    src = tmp_path / "old.c"
    src.write_text("unsigned grad_version(void) { return 0x010203; }\n"
                   "const char *grad_version_string(void) { return \"1.2.3\"; }\n")
    lib = tmp_path / "libold.so"
    subprocess.run([cc, "-shared", "-fPIC", str(src), "-o", str(lib)], check=True)
    r = _import(_copy_package(tmp_path), env_library=str(lib))
    assert r.returncode != 0 and "ImportError" in r.stderr
    assert "1.2.3" in r.stderr and "0.4.x" in r.stderr and str(lib) in r.stderr


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
