"""The C ABI of libgradient, seen through ctypes.

This module only loads the shared library, declares the functions and types of
``include/gradient.h`` and turns a failed call's ``grad_status`` into a Python
exception. It knows nothing of numpy's calling conventions (see ``_api``).

Finding the library, first match wins (``library_path()`` tells which was loaded):

1. the library inside this package, ``ndgradient/_libgradient.abi3.so`` (``.pyd`` on
   Windows), put there by ``pip install`` / ``pip wheel`` (see pyproject.toml);
2. the path in the environment variable ``GRADIENT_LIBRARY`` (an error if it does
   not load: a set variable is never silently ignored);
3. when the package is used from a checkout (``PYTHONPATH=bindings/python``), the
   repository's ``target/release``, then ``target/debug``;
4. the system's ``libgradient`` (``ctypes.util.find_library("gradient")``: the loader's
   cache, e.g. after ``make install`` and ``ldconfig``).

Nothing found raises ``ImportError`` naming every place that was tried; a library whose
ABI version (``grad_version()``) this binding does not support raises ``ImportError``
naming both versions (``SUPPORTED_ABI``).
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

import numpy as np
from numpy.exceptions import AxisError

__all__ = [
    "GradSpacing",
    "Status",
    "DTYPE",
    "SPACING_UNIT",
    "SPACING_SCALAR",
    "SPACING_SCALAR_F64",
    "SPACING_SCALAR_F32",
    "SPACING_COORDINATES",
    "MAX_NDIM",
    "call_gradient",
    "new_options",
    "new_plan",
    "free_options",
    "free_plan",
    "execute_plan",
    "grad_plan_execute",
    "grad_gradient_by_address",
    "grad_plan_execute_by_address",
    "array_address",
    "library_path",
    "library_version",
]

#: ``GRAD_MAX_NDIM``.
MAX_NDIM = 64

# grad_spacing_kind
SPACING_UNIT = 0
SPACING_SCALAR = 1
SPACING_SCALAR_F64 = 2
SPACING_SCALAR_F32 = 3
SPACING_COORDINATES = 4

#: numpy dtype (native byte order) -> ``grad_dtype`` tag. Keyed by (kind, itemsize) so
#: that platform aliases (``long``/``longlong``, ``intc``...) map by their actual width.
DTYPE = {
    ("f", 8): 1,
    ("f", 4): 2,
    ("c", 16): 3,
    ("c", 8): 4,
    ("i", 1): 5,
    ("i", 2): 6,
    ("i", 4): 7,
    ("i", 8): 8,
    ("u", 1): 9,
    ("u", 2): 10,
    ("u", 4): 11,
    ("u", 8): 12,
}


class Status:
    """``grad_status`` values (include/gradient.h)."""

    OK = 0
    NULL_POINTER = 1
    INVALID_NDIM = 2
    INVALID_DTYPE = 3
    OVERFLOW = 4
    MISALIGNED = 5
    AXIS_OUT_OF_BOUNDS = 6
    REPEATED_AXIS = 7
    SPACING_COUNT = 8
    INVALID_SPACING_KIND = 9
    COORDINATES_LENGTH = 10
    COORDINATES_TOO_SHORT = 11
    INVALID_EDGE_ORDER = 12
    AXIS_TOO_SHORT = 13
    OVERLAP = 14
    OUT_OF_MEMORY = 15
    OUTPUT_COUNT = 16
    OUTPUT_TOO_SMALL = 17
    INVALID_LAYOUT = 18
    SHAPE_MISMATCH = 19
    INVALID_SCHEME = 20
    INVALID_BLOCK = 21
    HALO_TOO_SMALL = 22
    PANIC = 99


#: The Python exception for each failure status: numpy's type where numpy has the same
#: failure (§2.2 of the reference), else the closest builtin. Statuses the binding never
#: provokes on valid use (NULL_POINTER, INVALID_SPACING_KIND, ...) and PANIC are bugs:
#: RuntimeError.
EXCEPTION_FOR_STATUS = {
    Status.NULL_POINTER: RuntimeError,
    Status.INVALID_NDIM: ValueError,
    Status.INVALID_DTYPE: TypeError,
    Status.OVERFLOW: ValueError,
    Status.MISALIGNED: ValueError,
    Status.AXIS_OUT_OF_BOUNDS: AxisError,
    Status.REPEATED_AXIS: ValueError,
    Status.SPACING_COUNT: TypeError,
    Status.INVALID_SPACING_KIND: RuntimeError,
    Status.COORDINATES_LENGTH: ValueError,
    Status.COORDINATES_TOO_SHORT: IndexError,
    Status.INVALID_EDGE_ORDER: ValueError,
    Status.AXIS_TOO_SHORT: ValueError,
    Status.OVERLAP: ValueError,
    Status.OUT_OF_MEMORY: MemoryError,
    Status.OUTPUT_COUNT: ValueError,
    Status.OUTPUT_TOO_SMALL: ValueError,
    Status.INVALID_LAYOUT: ValueError,
    Status.SHAPE_MISMATCH: ValueError,
    Status.INVALID_SCHEME: ValueError,
    Status.INVALID_BLOCK: ValueError,
    Status.HALO_TOO_SMALL: ValueError,
    Status.PANIC: RuntimeError,
}


class GradSpacing(ctypes.Structure):
    """``struct grad_spacing``."""

    _fields_ = [
        ("kind", ctypes.c_int32),
        ("dtype", ctypes.c_int32),
        ("h", ctypes.c_double),
        ("coordinates", ctypes.c_void_p),
        ("length", ctypes.c_size_t),
        ("stride", ctypes.c_ssize_t),  # ptrdiff_t
    ]


def _library_names() -> list[str]:
    if sys.platform == "darwin":
        return ["libgradient.dylib"]
    if os.name == "nt":
        return ["gradient.dll"]
    return ["libgradient.so"]


#: The suffixes of the library file inside the package (setuptools-rust names it like an
#: extension module, although it never links to Python).
_BUNDLED_SUFFIXES = (".so", ".dylib", ".pyd", ".dll")


def _bundled() -> list[Path]:
    """The library files inside this package (``_libgradient.*``), normally one."""
    here = Path(__file__).resolve().parent
    return sorted(p for p in here.glob("_libgradient*") if p.suffix in _BUNDLED_SUFFIXES)


def _checkout_candidates() -> list[Path]:
    """``target/{release,debug}`` of the repository, if this package lies in a checkout
    (``bindings/python/ndgradient`` under a directory with the C library's Cargo.toml)."""
    root = Path(__file__).resolve().parents[3]
    if not (root / "Cargo.toml").is_file() or not (root / "include" / "gradient.h").is_file():
        return []
    return [root / "target" / profile / name for profile in ("release", "debug")
            for name in _library_names()]


def _open(path: str, where: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f"ndgradient: {where} {path!r} could not be loaded: {e}") from e


def _load() -> tuple[ctypes.CDLL, str]:
    """The library and its path, searched as the module documentation says."""
    bundled = _bundled()
    if bundled:
        return _open(str(bundled[0]), "the library inside the package"), str(bundled[0])
    tried = [f"{Path(__file__).resolve().parent}{os.sep}_libgradient.* (none: "
                 "the package was not installed by pip)"]
    env = os.environ.get("GRADIENT_LIBRARY")
    if env:
        return _open(env, "GRADIENT_LIBRARY ="), env
    tried.append("GRADIENT_LIBRARY (not set)")
    for path in _checkout_candidates():
        tried.append(str(path))
        if path.is_file():
            return _open(str(path), "the repository's"), str(path)
    import ctypes.util
    found = ctypes.util.find_library("gradient")
    tried.append("the system's libgradient (ctypes.util.find_library: "
                 f"{'found ' + found if found else 'not found'})")
    if found:
        return _open(found, "the system's library"), found
    raise ImportError(
        "ndgradient: the shared library libgradient was not found. Install the package "
        "with `pip install ./bindings/python` from the repository (it builds the library "
        "into the package), or set GRADIENT_LIBRARY to the path of libgradient. "
        "Tried: " + "; ".join(tried))


_dll, _library_path = _load()

_size_p = ctypes.POINTER(ctypes.c_size_t)
_ptrdiff_p = ctypes.POINTER(ctypes.c_ssize_t)

#: Every function of ``include/gradient.h`` this binding calls, with its ctypes prototype:
#: name -> (restype, argtypes). The binding calls the library only through these
#: (``tests/test_prototypes.py`` checks each against the header, and that no other
#: function is called). ``grad_status`` and the other typed enums are ``int32_t``.
PROTOTYPES = {
    "grad_gradient": (ctypes.c_int32, [     # grad_status
        ctypes.c_int32,                    # dtype
        ctypes.c_void_p,                   # f
        ctypes.c_size_t,                   # ndim
        _size_p,                           # shape
        _ptrdiff_p,                        # strides (elements)
        ctypes.POINTER(GradSpacing),       # spacing
        ctypes.c_size_t,                   # n_spacing
        ctypes.POINTER(ctypes.c_int32),    # axes
        ctypes.c_size_t,                   # n_axes
        ctypes.c_int32,                    # edge_order
        ctypes.POINTER(ctypes.c_void_p),   # out
        ctypes.c_size_t,                   # n_out
        _ptrdiff_p,                        # out_strides (elements)
        ctypes.c_size_t,                   # n_threads
    ]),
    "grad_last_error": (ctypes.c_char_p, []),
    "grad_options_new": (ctypes.c_int32, [ctypes.POINTER(ctypes.c_void_p)]),  # options_out
    "grad_options_free": (None, [ctypes.c_void_p]),
    "grad_options_set_axes": (ctypes.c_int32, [
        ctypes.c_void_p,                   # options
        ctypes.POINTER(ctypes.c_int32),    # axes
        ctypes.c_size_t,                   # n_axes
    ]),
    "grad_options_set_spacing": (ctypes.c_int32, [
        ctypes.c_void_p,                   # options
        ctypes.POINTER(GradSpacing),       # spacing
        ctypes.c_size_t,                   # n_spacing
    ]),
    "grad_options_set_edge_order": (ctypes.c_int32, [ctypes.c_void_p, ctypes.c_int32]),
    "grad_options_set_threads": (ctypes.c_int32, [ctypes.c_void_p, ctypes.c_size_t]),
    "grad_options_set_scheme": (ctypes.c_int32, [ctypes.c_void_p, ctypes.c_int32]),
    "grad_options_set_block": (ctypes.c_int32, [
        ctypes.c_void_p,                   # options
        ctypes.c_size_t,                   # ndim
        _size_p,                           # global_shape
        _size_p,                           # start
        _size_p,                           # halo_before (elements)
        _size_p,                           # halo_after (elements)
    ]),
    "grad_block_halo": (ctypes.c_int32, [
        ctypes.c_void_p,                   # options (const; NULL: the defaults)
        ctypes.c_size_t,                   # ndim
        _size_p,                           # global_shape
        _size_p,                           # start
        _size_p,                           # shape
        _size_p,                           # halo_before (written, elements)
        _size_p,                           # halo_after (written, elements)
    ]),
    "grad_plan_new": (ctypes.c_int32, [
        ctypes.POINTER(ctypes.c_void_p),   # plan_out
        ctypes.c_int32,                    # dtype
        ctypes.c_size_t,                   # ndim
        _size_p,                           # shape
        _ptrdiff_p,                        # strides (elements)
        _ptrdiff_p,                        # out_strides (elements)
        ctypes.c_void_p,                   # options
    ]),
    "grad_plan_execute": (ctypes.c_int32, [
        ctypes.c_void_p,                   # plan
        ctypes.c_void_p,                   # f
        ctypes.POINTER(ctypes.c_void_p),   # out
        ctypes.c_size_t,                   # n_out
    ]),
    "grad_plan_free": (None, [ctypes.c_void_p]),
    "grad_plan_output_count": (ctypes.c_size_t, [ctypes.c_void_p]),
    "grad_plan_output_dtype": (ctypes.c_int32, [ctypes.c_void_p]),
    "grad_status_message": (ctypes.c_char_p, [ctypes.c_int32]),
    "grad_version": (ctypes.c_uint32, []),
    "grad_version_string": (ctypes.c_char_p, []),
}


#: The ABI versions (major, minor) of libgradient this binding is written for: the
#: ``grad_version()`` of the loaded library must be one of them. Before 1.0 a new minor
#: version may change the ABI, so each is named; 0.4 introduced the blocks it calls
#: (``grad_options_set_block``, ``grad_block_halo``), so older libraries are refused.
SUPPORTED_ABI = ((0, 4),)


def _abi_version(version: int) -> tuple[int, int, int]:
    """``grad_version()``'s ``major << 16 | minor << 8 | patch`` as a tuple."""
    return version >> 16, (version >> 8) & 0xFF, version & 0xFF


def check_abi(version: int, path: str) -> None:
    """Raises ImportError unless the ``grad_version()`` value ``version`` of the library
    at ``path`` has a (major, minor) in ``SUPPORTED_ABI``."""
    major, minor, patch = _abi_version(version)
    if (major, minor) not in SUPPORTED_ABI:
        supported = ", ".join(f"{a}.{b}.x" for a, b in SUPPORTED_ABI)
        raise ImportError(
            f"ndgradient: the library {path} has ABI version {major}.{minor}.{patch}; this "
            f"binding supports {supported}. Install the matching package "
            "(`pip install ./bindings/python` from the same checkout) or point "
            "GRADIENT_LIBRARY at a supported build.")


def _check_loaded_abi(lib: ctypes.CDLL, path: str) -> None:
    """``check_abi`` on the loaded library, before any other function is looked up."""
    try:
        version, version_string = lib.grad_version, lib.grad_version_string
    except AttributeError as e:  # a library, but not ours
        raise ImportError(f"ndgradient: {path} is not libgradient: {e}") from e
    version.restype, version.argtypes = ctypes.c_uint32, []
    version_string.restype, version_string.argtypes = ctypes.c_char_p, []
    check_abi(version(), path)


_check_loaded_abi(_dll, _library_path)


def _declare(lib: ctypes.CDLL, prototypes: dict) -> dict:
    """Looks up each function of ``prototypes`` and sets its restype and argtypes."""
    functions = {}
    for name, (restype, argtypes) in prototypes.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as e:  # a library, but not ours
            raise ImportError(f"ndgradient: {_library_path} is not libgradient: {e}") from e
        fn.restype = restype
        fn.argtypes = argtypes
        functions[name] = fn
    return functions


_functions = _declare(_dll, PROTOTYPES)
_grad_gradient = _functions["grad_gradient"]
#: ``grad_gradient`` again, with every pointer parameter declared ``c_void_p`` (derived
#: from ``PROTOTYPES``, so the two cannot drift): gradient()'s one-shot path passes the
#: addresses of its preallocated argument arrays as ints, which ctypes converts faster
#: than typed pointers. The same C function and the same bits at the ABI level.
def _by_address(name: str):
    """A new function object for ``name`` (not the one ``_declare`` set up) with the
    prototype of ``PROTOTYPES[name]``, every typed pointer parameter as ``c_void_p``."""
    fn = _dll[name]
    restype, argtypes = PROTOTYPES[name]
    fn.restype = restype
    fn.argtypes = [ctypes.c_void_p if issubclass(t, ctypes._Pointer) else t for t in argtypes]
    return fn


grad_gradient_by_address = _by_address("grad_gradient")
#: ``grad_plan_execute`` the same way, for ``Plan``'s fast path (its output pointer array
#: is kept per thread and passed by address).
grad_plan_execute_by_address = _by_address("grad_plan_execute")
_grad_last_error = _functions["grad_last_error"]
_grad_status_message = _functions["grad_status_message"]
_grad_version = _functions["grad_version"]
_grad_version_string = _functions["grad_version_string"]
_grad_options_new = _functions["grad_options_new"]
_grad_options_free = _functions["grad_options_free"]
_grad_options_set_axes = _functions["grad_options_set_axes"]
_grad_options_set_spacing = _functions["grad_options_set_spacing"]
_grad_options_set_edge_order = _functions["grad_options_set_edge_order"]
_grad_options_set_threads = _functions["grad_options_set_threads"]
_grad_options_set_scheme = _functions["grad_options_set_scheme"]
_grad_options_set_block = _functions["grad_options_set_block"]
_grad_block_halo = _functions["grad_block_halo"]

#: ``grad_scheme`` values by the name the Python API takes.
SCHEMES = {"numpy": 0, "matlab": 1}
_grad_plan_new = _functions["grad_plan_new"]
#: ``grad_plan_execute`` (``execute_plan``: the general path of a ``Plan`` call).
grad_plan_execute = _functions["grad_plan_execute"]
_grad_plan_free = _functions["grad_plan_free"]
_grad_plan_output_count = _functions["grad_plan_output_count"]
_grad_plan_output_dtype = _functions["grad_plan_output_dtype"]

#: The largest ``n_threads`` (``SIZE_MAX``); larger thread counts are clamped to it.
SIZE_MAX = ctypes.c_size_t(-1).value

def library_path() -> str:
    """The path of the libgradient shared library this package loaded at import.

    Found inside the package first, then ``GRADIENT_LIBRARY``, then a checkout's
    ``target/release`` and ``target/debug``, then the system (see ``ndgradient._lib``).

    Returns
    -------
    str
        A file path, as given to ``ctypes.CDLL``.

    Examples
    --------
    >>> import ndgradient
    >>> "gradient" in ndgradient.library_path()
    True
    """
    return _library_path


def library_version() -> str:
    """The version of the loaded libgradient, ``"major.minor.patch"``.

    Its major and minor are one of ``SUPPORTED_ABI`` (checked at import). Thread-safe.

    Examples
    --------
    >>> import ndgradient
    >>> ndgradient.library_version().count(".")
    2
    """
    return _grad_version_string().decode()


def error_for_status(status: int) -> Exception:
    """The exception for a failed call, with ``grad_last_error()``'s detail.

    Must be called on the thread that made the call, before any other ``grad_`` call.
    """
    detail = _grad_last_error().decode("utf-8", "replace")
    summary = _grad_status_message(status).decode("utf-8", "replace")
    cls = EXCEPTION_FOR_STATUS.get(status, RuntimeError)
    return cls(f"{summary}: {detail}" if detail else summary)


def call_gradient(dtype: int, f_addr: int, shape, strides, spacing, axes,
                  edge_order: int, out_addrs, out_strides, n_threads: int = 1) -> None:
    """One ``grad_gradient`` call; raises the mapped exception on failure.

    ``shape``, ``strides`` (elements), ``axes`` and every entry of ``out_strides``
    (elements) are sequences of ints; ``spacing`` is a list of ``GradSpacing``;
    ``out_addrs`` a list of addresses. ``n_threads`` is the C argument: 0 or 1 for the
    calling thread, N for up to N threads (at most ``SIZE_MAX``). The caller keeps every
    array alive.
    """
    ndim = len(shape)
    n_out = len(out_addrs)
    c_shape = (ctypes.c_size_t * ndim)(*shape)
    c_strides = (ctypes.c_ssize_t * ndim)(*strides)
    c_spacing = (GradSpacing * len(spacing))(*spacing) if spacing else None
    c_axes = (ctypes.c_int32 * len(axes))(*axes)
    c_out = (ctypes.c_void_p * n_out)(*out_addrs)
    flat = [s for st in out_strides for s in st]
    c_out_strides = (ctypes.c_ssize_t * len(flat))(*flat)
    status = _grad_gradient(dtype, f_addr, ndim, c_shape, c_strides, c_spacing,
                            len(spacing), c_axes, len(axes), edge_order, c_out, n_out,
                            c_out_strides, n_threads)
    if status != Status.OK:
        raise error_for_status(status)


def _array_address_slow(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _data_pointer_offset():
    """The offset of ``PyArrayObject_fields.data`` (numpy's C ABI: the first member after
    ``PyObject_HEAD``) from an ndarray's ``id()``, or None if this interpreter or numpy does
    not lay arrays out that way (checked on a few arrays, views and subclasses).

    ``a.__array_interface__["data"][0]`` and ``a.ctypes.data`` build a dict or an object
    per call (about 1.8 us, more than a whole ``grad_plan_execute`` on 4096 elements);
    reading the pointer where numpy keeps it takes about 0.13 us.
    """
    if sys.implementation.name != "cpython":
        return None
    offset = object.__basicsize__  # sizeof(PyObject): also right for debug and free-threaded builds
    class Subclass(np.ndarray):
        pass

    base = np.arange(24.0).reshape(4, 6)
    samples = [base, base[1:, 2:], base[::-1], base.T, np.zeros(0), base.view(Subclass),
               np.ma.masked_array(base)[1:], np.arange(7, dtype=np.int8)[3:],
               np.empty((3, 0, 2), np.complex64)]
    try:
        for a in samples:
            if ctypes.c_void_p.from_address(id(a) + offset).value != _array_address_slow(a):
                return None
    except (ValueError, OSError):  # pragma: no cover - defensive
        return None
    return offset


_DATA_OFFSET = _data_pointer_offset()
_pointer_at = ctypes.c_void_p.from_address


if _DATA_OFFSET is not None:
    def array_address(a: np.ndarray) -> int:
        """The address of element ``[0, ..., 0]`` of the ndarray ``a`` (any subclass); 0
        for an array without elements whose data pointer is NULL."""
        return _pointer_at(id(a) + _DATA_OFFSET).value or 0
else:  # pragma: no cover - other interpreters
    def array_address(a: np.ndarray) -> int:
        """The address of element ``[0, ..., 0]`` of the ndarray ``a`` (any subclass)."""
        return _array_address_slow(a)


def check(status: int) -> None:
    """Raises the exception for ``status`` (on the calling thread, right after the call)."""
    if status != Status.OK:
        raise error_for_status(status)


def new_options(spacing, axes, edge_order: int, n_threads: int, scheme: int = 0,
                block=None) -> int:
    """A ``grad_options`` handle (an address) with ``spacing`` (a list of ``GradSpacing``,
    empty for unit spacing; coordinate arrays are copied by the library), ``axes`` (at
    least one), ``edge_order``, ``n_threads``, the ``grad_scheme`` value ``scheme`` and
    ``block``: None (the whole array) or ``(global_shape, start, halo_before,
    halo_after)``, four sequences of ints (elements), for ``grad_options_set_block``.
    Free it with ``free_options``."""
    handle = ctypes.c_void_p()
    check(_grad_options_new(ctypes.byref(handle)))
    try:
        if spacing:
            check(_grad_options_set_spacing(handle, (GradSpacing * len(spacing))(*spacing),
                                            len(spacing)))
        check(_grad_options_set_axes(handle, (ctypes.c_int32 * len(axes))(*axes), len(axes)))
        check(_grad_options_set_edge_order(handle, edge_order))
        check(_grad_options_set_threads(handle, n_threads))
        if scheme:
            check(_grad_options_set_scheme(handle, scheme))
        if block is not None:
            ndim = len(block[0])
            lists = [(ctypes.c_size_t * ndim)(*values) for values in block]
            check(_grad_options_set_block(handle, ndim, *lists))
    except BaseException:
        _grad_options_free(handle)
        raise
    return handle.value


def block_halo(options: int | None, global_shape, start, shape):
    """``grad_block_halo``: the halo ``(before, after)`` (lists of ints, elements) a block
    of ``shape`` at ``start`` of an array of ``global_shape`` needs with the options
    handle ``options`` (None: the defaults). The three sequences have one int per axis
    (the library checks them); raises the mapped exception on failure."""
    ndim = len(shape)
    size_n = ctypes.c_size_t * ndim
    before, after = size_n(), size_n()
    check(_grad_block_halo(options, ndim, size_n(*global_shape), size_n(*start),
                           size_n(*shape), before, after))
    return list(before), list(after)


def free_options(handle) -> None:
    """``grad_options_free`` (None or 0 is ignored)."""
    if handle:
        _grad_options_free(handle)


def new_plan(dtype: int, shape, strides, out_strides, options: int):
    """A ``grad_plan`` handle (an address) for data of the ``grad_dtype`` ``dtype``,
    ``shape`` and element ``strides``, outputs of element strides ``out_strides`` (one
    sequence per output), made from the options handle ``options``. Returns
    ``(handle, output count, output grad_dtype)``. Free it with ``free_plan``."""
    ndim = len(shape)
    flat = [s for st in out_strides for s in st]
    handle = ctypes.c_void_p()
    check(_grad_plan_new(ctypes.byref(handle), dtype, ndim, (ctypes.c_size_t * ndim)(*shape),
                         (ctypes.c_ssize_t * ndim)(*strides),
                         (ctypes.c_ssize_t * len(flat))(*flat), options))
    return (handle.value, _grad_plan_output_count(handle),
            _grad_plan_output_dtype(handle))


def free_plan(handle) -> None:
    """``grad_plan_free`` (None or 0 is ignored)."""
    if handle:
        _grad_plan_free(handle)


def execute_plan(handle: int, f_addr: int, out_addrs) -> None:
    """One ``grad_plan_execute`` call; raises the mapped exception on failure."""
    n = len(out_addrs)
    check(grad_plan_execute(handle, f_addr, (ctypes.c_void_p * n)(*out_addrs), n))
