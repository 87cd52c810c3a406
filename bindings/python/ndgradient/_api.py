"""``gradient()``: numpy.gradient's calling convention over the C ABI.

The function mirrors numpy's own steps (numpy/lib/_function_base_impl.py, numpy >= 2.0)
so that every check happens in numpy's order and raises numpy's exception type, after
checking its one argument numpy does not have (``workers``, the C ``n_threads``):

1. ``f = np.asanyarray(f)``;
2. axes from ``axis`` (numpy's own ``normalize_axis_tuple``);
3. the spacing arguments (count, rank, length, coordinate arrays too short);
4. ``edge_order > 2``, then this binding's stricter rule (1 or 2 only);
5. per requested axis, in order: the "too small" check, then whatever numpy's
   arithmetic would raise for this axis (only replayed for inputs outside the C ABI's
   scope, see ``_replay_numpy_axis``);
6. inputs outside the scope raise TypeError; ``out`` is checked;
7. one ``grad_gradient`` call computes every axis, straight from the caller's memory.

Nothing here computes a gradient: every result element comes from libgradient.
"""

from __future__ import annotations

import ctypes
import operator
import os
import struct
import threading
import warnings

from collections.abc import Sequence

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple
from numpy.typing import ArrayLike

from . import _lib

__all__ = ["gradient"]

_struct_double = struct.Struct("d")

_TOO_SMALL = ("Shape of array too small to calculate a numerical gradient, "
              "at least (edge_order + 1) elements are required.")


def _c_dtype(dt: np.dtype):
    """The ``grad_dtype`` tag of ``dt`` ignoring byte order, or None if outside scope."""
    return _lib.DTYPE.get((dt.kind, dt.itemsize))


def _c_alignment(dt: np.dtype) -> int:
    # What the C library requires: complex types are aligned as their real parts.
    return dt.itemsize // 2 if dt.kind == "c" else dt.itemsize


def _element_strides(a: np.ndarray):
    """``a``'s strides in elements, or None if the C ABI cannot describe ``a`` as it lies
    in memory (non-native byte order, misaligned, or a byte stride that is not a
    multiple of the item size). Strides of axes of length 0 or 1 are irrelevant: 0."""
    dt = a.dtype
    if not dt.isnative or _c_dtype(dt) is None:
        return None
    if a.size == 0:
        return [0] * a.ndim
    if _lib.array_address(a) % _c_alignment(dt):
        return None
    item = dt.itemsize
    strides = []
    for n, s in zip(a.shape, a.strides):
        if n <= 1:
            strides.append(0)
        elif s % item:
            return None
        else:
            strides.append(s // item)
    return strides


def _native(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` in native byte order, aligned, in ``a``'s axis order."""
    return np.array(a, dtype=a.dtype.newbyteorder("="), order="K", copy=True)


class _Coordinates:
    """A 1-D coordinate array given as a spacing argument (after numpy's rank and length
    checks). Holds the array the C library reads, or the reason it cannot."""

    small_int = False

    def __init__(self, distances: np.ndarray, axis: int):
        self.given = distances
        d = distances
        self.unsupported = None
        self.copied = False
        if isinstance(d, np.ma.MaskedArray):
            self.unsupported = "masked coordinate arrays are not supported"
        elif d.dtype.kind == "m":
            # numpy ranks timedelta64 as an integer type and converts it like one.
            d = d.astype(np.float64)
            self.copied = True
        elif d.dtype.kind not in "iuf" or _c_dtype(d.dtype) is None:
            self.unsupported = (f"coordinate arrays of dtype {d.dtype} are not supported "
                                "(float64, float32 and integer types are)")
        if self.unsupported is not None:
            # numpy differences the array here: replay it for numpy's own exceptions
            # (strings, objects), its IndexError on fewer than 2 entries, and for the
            # spacing value the later arithmetic replay needs.
            self.numpy_dx = _numpy_dx(np.asanyarray(distances))
            return
        if len(d) < 2:
            # numpy: np.diff(...) is empty, and indexing its [0] raises.
            raise IndexError(f"index 0 is out of bounds for axis 0 with size "
                             f"{max(len(d) - 1, 0)}: the coordinates of axis {axis} have "
                             f"{len(d)} values, at least 2 are needed")
        d = d.view(np.ndarray)
        if _element_strides(d) is None:
            d = _native(d)
            self.copied = True
        self.array = d
        self.numpy_dx = None

    def spacing(self) -> _lib.GradSpacing:
        d = self.array
        (stride,) = _element_strides(d)
        return _lib.GradSpacing(kind=_lib.SPACING_COORDINATES, dtype=_c_dtype(d.dtype),
                                h=0.0, coordinates=_lib.array_address(d), length=len(d),
                                stride=stride)

    def numpy_spacing(self):
        """numpy's value for this axis's spacing (a diff array or a collapsed scalar)."""
        if self.numpy_dx is None:
            self.numpy_dx = _numpy_dx(self.given)
        return self.numpy_dx


def _numpy_dx(distances):
    """numpy's parse of one coordinate array, verbatim: only ever used to reproduce
    numpy's exceptions for inputs outside the C ABI's scope."""
    if np.issubdtype(distances.dtype, np.integer):
        distances = distances.astype(np.float64)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diffx = np.diff(distances)
        if (diffx == diffx[0]).all():
            diffx = diffx[0]
    return diffx


class _Scalar:
    """A scalar spacing argument: the ``grad_spacing`` for it, or why it is unsupported.

    How numpy's promotion rules (reference §1.7) map onto the spacing kinds:

    - a Python bool, int or float is "weak": arithmetic in the data's precision, SCALAR;
    - a numpy float64 scalar or 0-d array: SCALAR_F64 (float32 data computed in double);
    - a numpy float32 scalar or 0-d array: SCALAR_F32 (coefficients in single precision);
    - a numpy integer or bool scalar or 0-d array: ``2. * h`` and ``-1.5 / h`` are
      float64, so SCALAR_F64 with ``float(h)``; for float32 data the edge_order-1 edges
      ``diff / h`` are float32 divisions for int8/16 and uint8/16, which a single
      correctly rounded division makes equal to the double-then-round result. Only
      complex64 data differs (complex division is not one rounding): see ``small_int``;
    - anything else (complex, float16, longdouble, datetime, objects, strings): outside
      the C ABI's scope.
    """

    def __init__(self, h):
        self.given = h
        self.unsupported = None
        self.kind = None
        self.value = None
        # complex64 data with an int8/16 or uint8/16 numpy scalar at edge_order 1: numpy
        # divides the edges in complex64 but the interior in complex128 (see gradient()).
        self.small_int = False
        if isinstance(h, np.ndarray) or isinstance(h, np.generic):
            dt = np.asarray(h).dtype
            if dt.kind == "f" and dt.itemsize == 8:
                self.kind = _lib.SPACING_SCALAR_F64
            elif dt.kind == "f" and dt.itemsize == 4:
                self.kind = _lib.SPACING_SCALAR_F32
            elif dt.kind in "biu":
                # 2. * h and -1.5 / h are float64: double-precision arithmetic.
                self.kind = _lib.SPACING_SCALAR_F64
                self.small_int = dt.kind in "iu" and dt.itemsize <= 2
            else:
                self.unsupported = (f"a spacing of dtype {dt} is not supported (Python "
                                    "numbers and real numpy scalars are)")
                return
            self.value = float(h)
        elif isinstance(h, (bool, int, float)):
            self.kind = _lib.SPACING_SCALAR
            try:
                self.value = float(h)
            except OverflowError:
                # numpy's `2. * h` raises the same OverflowError (replayed in the loop).
                self.unsupported = "int too large to convert to float"
        else:
            self.unsupported = (f"a spacing of type {type(h).__name__} is not supported "
                                "(Python numbers, real numpy scalars and 1-D arrays are)")

    def spacing(self, kind=None) -> _lib.GradSpacing:
        return _lib.GradSpacing(kind=self.kind if kind is None else kind, h=self.value)

    def numpy_spacing(self):
        return self.given


class _Unit:
    """No spacing argument: numpy's Python float 1.0."""

    unsupported = None
    small_int = False

    @staticmethod
    def spacing(kind=None) -> _lib.GradSpacing:
        return _lib.GradSpacing(kind=_lib.SPACING_UNIT)

    @staticmethod
    def numpy_spacing():
        return 1.0


def _replay_numpy_axis(fdtype: np.dtype, otype: np.dtype, n: int, ax_dx, edge_order):
    """numpy.gradient's arithmetic for one axis, verbatim, on a 1-D array of zeros of
    ``f``'s (converted) dtype: raises exactly what numpy would raise for this axis.

    Used only when the data or this axis's spacing is outside the C ABI's scope, so that
    such calls fail with numpy's exception where numpy fails, and only then with ours.
    """
    f = np.zeros(n, dtype=fdtype)
    out = np.empty(n, dtype=otype)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        uniform = np.ndim(ax_dx) == 0
        if uniform:
            out[1:-1] = (f[2:] - f[:-2]) / (2. * ax_dx)
        else:
            dx1 = ax_dx[0:-1]
            dx2 = ax_dx[1:]
            a = -(dx2) / (dx1 * (dx1 + dx2))
            b = (dx2 - dx1) / (dx1 * dx2)
            c = dx1 / (dx2 * (dx1 + dx2))
            out[1:-1] = a * f[:-2] + b * f[1:-1] + c * f[2:]
        if edge_order == 1:
            out[0:1] = (f[1:2] - f[0:1]) / (ax_dx if uniform else ax_dx[0])
            out[-1:] = (f[-1:] - f[-2:-1]) / (ax_dx if uniform else ax_dx[-1])
        else:
            if uniform:
                a, b, c = -1.5 / ax_dx, 2. / ax_dx, -0.5 / ax_dx
            else:
                dx1, dx2 = ax_dx[0], ax_dx[1]
                a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2))
                b = (dx1 + dx2) / (dx1 * dx2)
                c = - dx1 / (dx2 * (dx1 + dx2))
            out[0:1] = a * f[0:1] + b * f[1:2] + c * f[2:3]
            if uniform:
                a, b, c = 0.5 / ax_dx, -2. / ax_dx, 1.5 / ax_dx
            else:
                dx1, dx2 = ax_dx[-2], ax_dx[-1]
                a = (dx2) / (dx1 * (dx1 + dx2))
                b = - (dx2 + dx1) / (dx1 * dx2)
                c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2))
            out[-1:] = a * f[-3:-2] + b * f[-2:-1] + c * f[-1:]


_MASKED = "masked arrays are not supported (pass .filled(...) or .data)"


def _data_scope(f: np.ndarray):
    """Why ``f`` is outside the C ABI's scope (None if inside)."""
    if isinstance(f, np.ma.MaskedArray):
        return _MASKED
    return _dtype_scope(f.dtype)


def _dtype_scope(dt: np.dtype):
    """Why data of dtype ``dt`` is outside the C ABI's scope (None if inside)."""
    if _c_dtype(dt) is None or dt.kind not in "fciu":
        return (f"arrays of dtype {dt} are not supported: float64, float32, "
                "complex128, complex64 and integer types are")
    return None


def _output_dtype(dt: np.dtype) -> np.dtype:
    """numpy's ``otype`` for data of dtype ``dt``."""
    if dt.type is np.datetime64:
        return np.dtype(dt.name.replace("datetime", "timedelta"))
    if dt.type is np.timedelta64 or np.issubdtype(dt, np.inexact):
        return dt
    return np.dtype(np.float64)


def _converted_dtype(dt: np.dtype) -> np.dtype:
    """The dtype numpy computes on (after its own conversions of data of dtype ``dt``)."""
    if dt.type is np.datetime64:
        return _output_dtype(dt)
    if np.issubdtype(dt, np.integer) and dt.type is not np.timedelta64:
        return np.dtype(np.float64)
    return dt


def _outputs(out, n_axes: int, shape, otype: np.dtype) -> list:
    """The caller's ``out`` as a list of arrays, checked (not yet for aliasing)."""
    if isinstance(out, np.ndarray):
        if n_axes != 1:
            raise ValueError(f"out: a single array was given but {n_axes} axes are "
                             "requested; pass a tuple of one array per axis")
        outs = [out]
    elif isinstance(out, (tuple, list)):
        outs = list(out)
        for k, o in enumerate(outs):
            if not isinstance(o, np.ndarray):
                raise TypeError(f"out[{k}] must be an ndarray, not {type(o).__name__}")
        if len(outs) != n_axes:
            raise ValueError(f"out: {len(outs)} arrays given, {n_axes} axes requested")
    else:
        raise TypeError(f"out must be an ndarray or a tuple of ndarrays, not "
                        f"{type(out).__name__}")
    for k, o in enumerate(outs):
        if not isinstance(o, np.ndarray):
            raise TypeError(f"out[{k}] must be an ndarray, not {type(o).__name__}")
        if isinstance(o, np.ma.MaskedArray):
            raise TypeError(f"out[{k}] is a masked array; masked outputs are not supported")
        if o.shape != tuple(shape):
            raise ValueError(f"out[{k}] has shape {o.shape}; the result has shape "
                             f"{tuple(shape)}")
        if o.dtype != otype:
            raise TypeError(f"out[{k}] has dtype {o.dtype}; the result has dtype {otype}")
        if not o.flags.writeable:
            raise ValueError(f"out[{k}] is read-only")
    return outs


def _check_aliasing(outs, reads) -> None:
    """Python-side aliasing test, used only when some operand is passed to the C library
    as a copy (so that the library's own test cannot see the caller's memory)."""
    for k, o in enumerate(outs):
        if o.size == 0:
            continue
        if any(n > 1 and s == 0 for n, s in zip(o.shape, o.strides)):
            raise ValueError(f"out[{k}] shares memory with itself (a zero stride)")
        for name, r in reads:
            if np.shares_memory(o, r):
                raise ValueError(f"out[{k}] shares memory with {name}")
        for j in range(k):
            if np.shares_memory(o, outs[j]):
                raise ValueError(f"out[{k}] shares memory with out[{j}]")


def _n_threads(workers) -> int:
    """The C ``n_threads`` for ``workers`` (scipy's convention: -1 is every CPU)."""
    if isinstance(workers, (bool, np.bool_)):
        raise TypeError("workers must be an int, not bool")
    try:
        n = operator.index(workers)
    except TypeError:
        raise TypeError(f"workers must be an int, not {type(workers).__name__}") from None
    if n == -1:
        return os.cpu_count() or 1
    if n < 0:
        raise ValueError(f"workers must be at least 0, or -1 for every CPU; got {n}")
    return min(n, _lib.SIZE_MAX)


def gradient(f: ArrayLike, *varargs: ArrayLike, axis: int | Sequence[int] | None = None,
             edge_order: int = 1, out: np.ndarray | Sequence[np.ndarray] | None = None,
             workers: int = 1, scheme: str = "numpy") -> np.ndarray | tuple[np.ndarray, ...]:
    """Return the gradient of an N-dimensional array: numpy.gradient, bit for bit.

    A drop-in replacement for ``numpy.gradient`` (numpy >= 2.0) computed by libgradient:
    the same arguments, the same result form (one array for one axis, else a tuple),
    the same dtypes and bits, and the same exception types for the same bad inputs.

    Parameters
    ----------
    f : array_like
        Samples of a function, of dtype float64, float32, complex128, complex64 or any
        integer type (converted to float64 first, as numpy does). Lists and Python
        scalars are converted as numpy converts them. Any layout is used in place.
    *varargs : scalars or 1-D arrays, optional
        The spacing, as for numpy.gradient: nothing (unit spacing), one scalar for every
        axis, or one scalar or 1-D coordinate array per requested axis. A Python number
        gives arithmetic in the data's precision; a numpy float64 scalar or 0-d array
        promotes float32 data to float64 arithmetic (rounded once at the end).
    axis : None, int or tuple of ints, optional
        The axes to differentiate (negative counts from the end). Default: all.
    edge_order : {1, 2}, optional
        Accuracy order of the one-sided differences at the boundaries. Unlike numpy,
        any other value raises ValueError.
    out : ndarray or tuple of ndarrays, optional
        Where to write the result: one array (one axis) or one per requested axis, each
        of ``f``'s shape and of the result dtype, any strides. They are returned.
        An output sharing memory with ``f``, a coordinate array or another output
        raises ValueError; on any error nothing is written.
    workers : int, optional
        Keyword-only (scipy's name): the most threads libgradient may use for this call,
        its ``n_threads``. 1 (the default) or 0 computes on the calling thread; N > 1 uses
        up to N threads, started and joined within the call, at most one per 2**18
        elements of ``f`` (``GRAD_ELEMENTS_PER_THREAD``), so smaller arrays stay on the
        calling thread; -1 means ``os.cpu_count()``. The results are the same bits for
        every value. Checked before any other argument.
    scheme : {"numpy", "matlab"}, optional
        Keyword-only: the formulas. "numpy" (the default) is numpy.gradient's, bit for
        bit. "matlab" is MATLAB's ``gradient``: the same on scalar steps, but on
        coordinates ``x`` the first-order interior ``(f[i+1] - f[i-1]) / (x[i+1] -
        x[i-1])``; ``edge_order`` must be 1 (ValueError otherwise) and an axis of length 1
        gives zeros instead of ValueError. Precision rules are numpy's for both. Any
        other value raises ValueError.

    Returns
    -------
    ndarray or tuple of ndarray
        The derivative along each requested axis, in the order of ``axis``.

    Raises
    ------
    TypeError
        As numpy, and for inputs outside libgradient's scope: data of dtype float16,
        longdouble, clongdouble, bool, datetime64, timedelta64, object or strings;
        complex, float16 or longdouble spacings; bool, float16, longdouble, complex or
        object coordinate arrays; masked arrays; a ``workers`` that is not an int
        (a bool or a float).
    ValueError, IndexError, numpy.exceptions.AxisError
        As numpy; also ValueError for an ``edge_order`` other than 1 or 2, and for a
        negative ``workers`` other than -1.

    Notes
    -----
    A call signature that succeeds twice (an ndarray's shape, strides and dtype, spacings
    that are Python or numpy float scalars, compared by type and bits, and int ``axis``,
    ``edge_order`` and ``workers``) gets a ``Plan``, used from its third call on: the same
    results and errors for less work. At most ``PLAN_CACHE_SIZE`` (32) signatures are
    kept; setting ``ndgradient._api.PLAN_CACHE_SIZE = 0`` turns this off. Thread-safe: any
    number of threads may call ``gradient()`` at once, on outputs no other call uses.

    Examples
    --------
    >>> import numpy as np
    >>> from ndgradient import gradient
    >>> gradient(np.array([1, 2, 4, 7, 11, 16]), 2)
    array([0.5 , 0.75, 1.25, 1.75, 2.25, 2.5 ])
    >>> gx, gy = gradient(np.ones((1024, 1024)), workers=2)   # up to 2 threads
    """
    if scheme != "numpy":
        # Only plans take another scheme (the C one-call functions are numpy's).
        from ._plan import Plan
        _scheme_value(scheme)
        f = np.asanyarray(f)
        return Plan(f.shape, f.dtype, *varargs, axis=axis, edge_order=edge_order,
                    workers=workers, scheme=scheme)(f, out)
    # A call seen before: its plan (see _cache_key). Plan runs the same checks and
    # returns the same results, so this only saves work.
    key = _cache_key(f, varargs, axis, edge_order, workers) if PLAN_CACHE_SIZE else None
    if key is not None:
        plan = _plans.get(key)
        if plan is not None:
            return plan(f, out)
        if key in _seen:
            from ._plan import Plan
            item = f.itemsize
            strides = f.strides if item and all(s % item == 0 for s in f.strides) else None
            plan = Plan(f.shape, f.dtype, *varargs, axis=axis, edge_order=edge_order,
                        workers=workers, strides=strides)
            _remember(_plans, key, plan)
            return plan(f, out)

    # The common case in one foreign call with no per-call ctypes objects (see _one_shot);
    # None for anything else, which the general steps below handle (and raise for).
    if type(f) is _ndarray and out is None:
        result = _one_shot(f, varargs, axis, edge_order, workers)
        if result is not None:
            if key is not None:
                _remember(_seen, key, True)
            return result

    # 0. Our own argument, before numpy's checks.
    n_threads = _n_threads(workers)

    # 1. The data, as numpy converts it.
    f = np.asanyarray(f)

    # 2 to 5: numpy's checks of the other arguments.
    args = _check_arguments(f.shape, f.dtype, _data_scope(f), varargs, axis, edge_order)

    # 6 and 7: outputs, then one call.
    def run(src, f_strides, targets, out_strides):
        _lib.call_gradient(_c_dtype(src.dtype), _lib.array_address(src), src.shape,
                           f_strides, args.spacing(), args.axes, args.eo,
                           [_lib.array_address(t) for t in targets], out_strides, n_threads)

    result = _compute(f, out, args, run, coordinates_read=True)
    if key is not None:
        _remember(_seen, key, True)  # a successful call: planned if it comes again
    return result


_ndarray = np.ndarray
_pointer_at = ctypes.c_void_p.from_address
_DATA_OFFSET = _lib._DATA_OFFSET
_DTYPE = _lib.DTYPE
_SCALAR = _lib.SPACING_SCALAR
_grad_gradient = _lib.grad_gradient_by_address
#: The most dimensions the one-shot path takes (its buffers' size); more go the general way.
_ONE_SHOT_NDIM = 8
_F64 = np.dtype(np.float64)
#: The spacing kind of a one-shot scalar spacing, by its exact type (bool excluded: it
#: is an int subclass, but ``type(h) is int`` is False for it).
_SCALAR_KINDS = {float: _lib.SPACING_SCALAR, int: _lib.SPACING_SCALAR,
                 np.float64: _lib.SPACING_SCALAR_F64, np.float32: _lib.SPACING_SCALAR_F32}


class _CallBuffers(threading.local):
    """Per-thread argument arrays of the one-shot ``grad_gradient`` call, allocated once
    per thread, refilled in place and passed by address (no ctypes object per call)."""

    def __init__(self):
        n = _ONE_SHOT_NDIM
        self.shape = (ctypes.c_size_t * n)()
        self.strides = (ctypes.c_ssize_t * n)()
        self.axes = (ctypes.c_int32 * n)()
        self.out = (ctypes.c_void_p * n)()
        self.out_strides = (ctypes.c_ssize_t * (n * n))()
        self.spacing = _lib.GradSpacing()
        self.addresses = tuple(ctypes.addressof(a) for a in (
            self.shape, self.strides, self.axes, self.out, self.out_strides, self.spacing))


_buffers = _CallBuffers()


def _one_shot(f: np.ndarray, varargs, axis, edge_order, workers):
    """gradient() of an ndarray in the common case, or None to take the general path.

    The common case: ``f`` a plain ndarray of 1 to 8 dimensions, no empty axis, native
    byte order, a dtype in libgradient's scope, aligned, byte strides multiples of the
    item size; ``axis`` None or an int in range; no spacing or one scalar that is a Python
    float or int or a numpy float64/float32 scalar (not a Python 0 at ``edge_order`` 2);
    ``edge_order`` the int 1 or 2; ``workers`` an int >= -1; every requested axis long
    enough; no ``out``. Anything else, and any failure status, returns None *before*
    anything is visible to the caller, so that the general path raises numpy's
    exception. The one C call is the general path's own (same arguments, outputs laid
    out as ``np.empty_like`` lays them), so the results are the same bits.
    """
    dt = f.dtype
    tag = _DTYPE.get((dt.kind, dt.itemsize))
    shape = f.shape
    ndim = len(shape)
    if (tag is None or not dt.isnative or not 0 < ndim <= _ONE_SHOT_NDIM or 0 in shape
            or _DATA_OFFSET is None):
        return None
    if type(edge_order) is not int or not (edge_order == 1 or edge_order == 2):
        return None
    if type(workers) is not int or workers < -1 or workers > 1 << 30:
        return None
    if axis is None:
        axes = range(ndim)
    elif type(axis) is int and -ndim <= axis < ndim:
        axes = (axis % ndim,)
    else:
        return None
    for ax in axes:
        if shape[ax] <= edge_order:
            return None
    buffers = _buffers
    c_shape, c_strides, c_axes, c_out, c_out_strides, c_spacing = buffers.addresses
    if varargs:
        if len(varargs) != 1:
            return None
        h = varargs[0]
        kind = _SCALAR_KINDS.get(type(h))
        if kind is None:
            return None
        try:
            value = float(h)
        except OverflowError:
            return None
        if edge_order == 2 and value == 0 and kind == _SCALAR:
            return None  # numpy's Python division by zero: the general path raises it
        spacing = buffers.spacing
        spacing.kind = kind
        spacing.h = value
        n_spacing = 1
    else:
        c_spacing, n_spacing = None, 0
    item = dt.itemsize
    address = _pointer_at(id(f) + _DATA_OFFSET).value
    if address % (item >> 1 if dt.kind == "c" else item):
        return None
    otype = _F64 if dt.kind in "iu" else dt
    n_out = len(axes)
    if ndim == 1:
        s = f.strides[0]
        if s % item:
            return None
        buffers.shape[0] = n = shape[0]
        buffers.strides[0] = s // item if n > 1 else 0
        buffers.axes[0] = 0
        o = np.empty(shape, otype)
        buffers.out[0] = _pointer_at(id(o) + _DATA_OFFSET).value
        buffers.out_strides[0] = 1
        outs = (o,)
    else:
        strides = []
        for n, s in zip(shape, f.strides):
            if n == 1:
                strides.append(0)
            elif s % item:
                return None
            else:
                strides.append(s // item)
        if f.flags.c_contiguous:
            outs = tuple([np.empty(shape, otype) for _ in axes])
            out_strides = strides  # C order in elements, whatever the item size
        else:
            outs = tuple([np.empty_like(f, dtype=otype) for _ in axes])
            oitem = otype.itemsize
            out_strides = [0 if n == 1 else s // oitem for n, s in zip(shape, outs[0].strides)]
        buffers.shape[:ndim] = shape
        buffers.strides[:ndim] = strides
        buffers.axes[:n_out] = axes
        ptrs, all_strides = buffers.out, buffers.out_strides
        for k in range(n_out):
            ptrs[k] = _pointer_at(id(outs[k]) + _DATA_OFFSET).value
            all_strides[k * ndim:(k + 1) * ndim] = out_strides
    n_threads = (os.cpu_count() or 1) if workers == -1 else workers
    if _grad_gradient(tag, address, ndim, c_shape, c_strides, c_spacing, n_spacing, c_axes,
                      n_out, edge_order, c_out, n_out, c_out_strides, n_threads):
        return None
    return outs[0] if n_out == 1 else outs


#: How many call signatures gradient() keeps a ``Plan`` for (0 turns the cache off).
#: A signature gets a plan the second time it is called successfully; only calls whose
#: result depends on nothing but the key (see _cache_key) are cached.
PLAN_CACHE_SIZE = 32
_plans: dict = {}   # key -> Plan
_seen: dict = {}    # key -> True: signatures called once


def _remember(cache: dict, key, value) -> None:
    """Stores ``key`` in a dict of at most PLAN_CACHE_SIZE entries, dropping the oldest.
    An evicted plan is not closed: a thread may be running it; the garbage collector
    frees it when no call uses it any more. Safe under concurrent calls (single dict
    operations only)."""
    while len(cache) >= PLAN_CACHE_SIZE:
        try:
            cache.pop(next(iter(cache)), None)
        except (StopIteration, RuntimeError):  # emptied or changed by another thread
            break
    cache[key] = value


def _scalar_key(h):
    """An exact key for a spacing scalar: its type and bits (so 0.0 and -0.0, or two
    NaNs, never share a plan); None for anything else (not cached)."""
    t = type(h)
    if t is float:
        return (t, _struct_double.pack(h))
    if t is int:
        return (t, h)
    if t is np.float64 or t is np.float32:
        return (t, h.tobytes())
    return None


def _cache_key(f, varargs, axis, edge_order, workers):
    """The plan-cache key of a gradient() call, or None if the call is not cached: ``f``
    must be an ndarray (not a subclass), every spacing a Python float or int or a numpy
    float64/float32 scalar, ``axis`` None, an int or a tuple of ints, ``edge_order`` and
    ``workers`` ints (bools excluded). The key holds everything the result depends on
    besides ``f``'s values and address: shape, strides, dtype, the exact spacings, axis,
    edge_order and workers."""
    if type(f) is not np.ndarray or type(edge_order) is not int or type(workers) is not int:
        return None
    spacing = []
    for h in varargs:
        k = _scalar_key(h)
        if k is None:
            return None
        spacing.append(k)
    if axis is not None and type(axis) is not int:
        if type(axis) is not tuple or any(type(a) is not int for a in axis):
            return None
        axis = ("tuple",) + axis
    return (f.shape, f.strides, f.dtype, tuple(spacing), axis, edge_order, workers)


class _Arguments:
    """gradient()'s arguments other than ``f``, ``out`` and ``workers``, after numpy's
    checks (steps 2 to 5), for data of one shape and dtype."""

    __slots__ = ("axes", "dx", "eo", "n_varargs", "otype")

    def __init__(self, axes, dx, eo, n_varargs, otype):
        self.axes = axes            # tuple of non-negative ints
        self.dx = dx                # one _Unit/_Scalar/_Coordinates per axis
        self.eo = eo                # 1 or 2
        self.n_varargs = n_varargs  # len(varargs): 0 means unit spacing
        self.otype = otype          # numpy's output dtype

    def spacing(self) -> list:
        """The ``grad_spacing`` list of the C ABI (empty for unit spacing)."""
        return [] if self.n_varargs == 0 else [s.spacing() for s in self.dx]


def _scheme_value(scheme) -> int:
    """The ``grad_scheme`` value of a ``scheme`` argument ("numpy" or "matlab");
    ValueError for anything else."""
    if not isinstance(scheme, str) or scheme not in _lib.SCHEMES:
        raise ValueError(f"scheme must be 'numpy' or 'matlab', not {scheme!r}")
    return _lib.SCHEMES[scheme]


def _check_arguments(shape, dtype: np.dtype, data_unsupported, varargs, axis,
                     edge_order, scheme="numpy") -> _Arguments:
    """Steps 2 to 5 of gradient() for data of ``shape`` and ``dtype`` (``data_unsupported``:
    why the data is outside the C ABI's scope, or None): numpy's checks in numpy's order,
    raising numpy's exceptions, then TypeError for anything outside the scope. Under
    ``scheme`` "matlab", ``edge_order`` must be 1 and axes of any length are taken."""
    N = len(shape)

    # 2. Axes: numpy's own normalisation (AxisError, ValueError, TypeError).
    if axis is None:
        axes = tuple(range(N))
    else:
        axes = normalize_axis_tuple(axis, N)
    len_axes = len(axes)

    # 3. Spacing arguments, in numpy's order of checks.
    n = len(varargs)
    if n == 0:
        dx = [_Unit] * len_axes
    elif n == 1 and np.ndim(varargs[0]) == 0:
        dx = [_Scalar(varargs[0])] * len_axes
    elif n == len_axes:
        dx = []
        for i, given in enumerate(varargs):
            distances = np.asanyarray(given)
            if distances.ndim == 0:
                dx.append(_Scalar(given))  # numpy keeps the original object
                continue
            elif distances.ndim != 1:
                raise ValueError(f"distances must be either scalars or 1d: the spacing "
                                 f"of axis {axes[i]} (spacing argument {i}) has "
                                 f"{distances.ndim} dimensions, shape {distances.shape}")
            if len(distances) != shape[axes[i]]:
                raise ValueError(f"when 1d, distances must match the length of the "
                                 f"corresponding dimension: the coordinates of axis "
                                 f"{axes[i]} (spacing argument {i}) have {len(distances)} "
                                 f"values, axis {axes[i]} of f has length {shape[axes[i]]}")
            dx.append(_Coordinates(distances, axes[i]))
    else:
        raise TypeError(f"invalid number of arguments: {n} spacing arguments for "
                        f"{len_axes} requested axes {axes}; expected none, one scalar, "
                        f"or one per requested axis")

    # 4. edge_order: numpy's check, then ours (numpy treats 0, negatives and 1.5 as 2).
    if edge_order > 2:
        raise ValueError(f"'edge_order' greater than 2 not supported: got {edge_order!r}, "
                         "expected 1 or 2")
    if not (edge_order == 1 or edge_order == 2):
        raise ValueError(f"edge_order must be 1 or 2, not {edge_order!r}")
    eo = 1 if edge_order == 1 else 2
    if scheme == "matlab" and eo != 1:
        raise ValueError("edge_order must be 1 under the matlab scheme (first-order edges), "
                         f"got {edge_order!r}")

    # 5. Per axis, in order: numpy's "too small" check, then numpy's own exceptions for
    #    inputs the C library cannot take.
    unsupported = None  # with no axis to compute, numpy does no arithmetic: () for any dtype
    otype = _output_dtype(dtype)
    for ax, spec in zip(axes, dx):
        if shape[ax] < eo + 1 and scheme != "matlab":
            raise ValueError(f"{_TOO_SMALL} Axis {ax} has length {shape[ax]}; edge_order="
                             f"{eo} needs at least {eo + 1}.")
        if data_unsupported or spec.unsupported:
            _replay_numpy_axis(_converted_dtype(dtype), otype, shape[ax],
                               spec.numpy_spacing(), eo)
            unsupported = unsupported or data_unsupported or spec.unsupported
        if eo == 2 and getattr(spec, "kind", None) == _lib.SPACING_SCALAR and spec.value == 0:
            # numpy computes the edge coefficients as `-1.5 / h`: with a Python number,
            # that is Python's own division, which raises for a zero step.
            raise ZeroDivisionError("float division by zero")
    if unsupported:
        raise TypeError(f"gradient: {unsupported}")
    return _Arguments(axes, dx, eo, n, otype)


class _Block:
    """One block of a larger array (``ndgradient.gradient_block``): the global shape, the
    block's global start, the halos before and after it, and the block's shape (the
    outputs'), each a tuple of one int per axis, in elements."""

    __slots__ = ("global_shape", "start", "halo_before", "halo_after", "shape")

    def __init__(self, global_shape, start, halo_before, halo_after, shape):
        self.global_shape = global_shape
        self.start = start
        self.halo_before = halo_before
        self.halo_after = halo_after
        self.shape = shape

    def lists(self) -> tuple:
        """``(global_shape, start, halo_before, halo_after)``, as grad_options_set_block
        takes them."""
        return self.global_shape, self.start, self.halo_before, self.halo_after


def _compute(f: np.ndarray, out, args: _Arguments, run, coordinates_read: bool,
             block: _Block | None = None):
    """Steps 6 and 7 of gradient(): checks ``out`` (or allocates the outputs as numpy
    does), passes operands the C ABI cannot describe in place through copies, and calls
    ``run(src, f_strides, targets, out_strides)`` for the one C computation of every axis
    (``src``: the data as the library reads it; ``f_strides`` its element strides;
    ``targets`` the arrays it writes, ``out_strides`` theirs). Returns gradient()'s result.

    ``coordinates_read``: the library reads the caller's coordinate arrays during the
    call (grad_gradient), so an output must not share memory with them; a plan reads its
    own copy.

    ``block``: ``f`` is one block of a larger array with its halo; the outputs have the
    block's shape (allocated in C order).
    """
    axes = args.axes
    len_axes = len(axes)
    dx = args.dx
    otype = args.otype

    # 6. Outputs.
    if len_axes == 0:
        if out is not None:
            if isinstance(out, np.ndarray) or not isinstance(out, (tuple, list)) or out:
                raise ValueError("out: no axes are requested, so out must be None or ()")
        return ()
    base = f.view(np.ndarray) if type(f) is not np.ndarray else f
    if out is None:
        finals = ([np.empty_like(base, dtype=otype) for _ in axes] if block is None else
                  [np.empty(block.shape, dtype=otype) for _ in axes])
    else:
        finals = _outputs(out, len_axes, f.shape if block is None else block.shape, otype)

    # 7. One call. Operands the C ABI cannot describe in place (non-native byte order,
    #    misaligned, strides not a multiple of the item size) go through copies.
    f_strides = _element_strides(base)
    src = base if f_strides is not None else _native(base)
    if f_strides is None:
        f_strides = _element_strides(src)
    targets, copies_back = [], []
    for o in finals:
        if _element_strides(o) is not None:
            targets.append(o)
        else:
            t = np.empty(o.shape, dtype=o.dtype.newbyteorder("="))
            targets.append(t)
            copies_back.append((o, t))
    coords_copied = coordinates_read and any(
        isinstance(s, _Coordinates) and s.copied for s in dx)
    if out is not None and (src is not base or copies_back or coords_copied):
        reads = [("f", base)]
        if coordinates_read:
            reads += [(f"the coordinates of axis {ax}", s.given)
                      for ax, s in zip(axes, dx) if isinstance(s, _Coordinates)]
        _check_aliasing(finals, reads)

    out_strides = [_element_strides(t) for t in targets]

    # complex64 data, an int8/int16/uint8/uint16 numpy scalar spacing, edge_order 1:
    # numpy's edges are complex64 divisions (c64 / int16 -> c64) while its interior is
    # complex128 (2. * int16 -> float64). One call cannot say both: the edges come from
    # two small extra calls on the first and last two samples of that axis, computed
    # before the main call so that a failure still leaves `out` untouched.
    edge_fixes = []
    if args.eo == 1 and src.dtype.kind == "c" and src.dtype.itemsize == 8:
        for k, (ax, s) in enumerate(zip(axes, dx)):
            if s.small_int:
                edge_fixes.append((k, ax, _edges_in_data_precision(src, ax, s, block)))

    run(src, f_strides, targets, out_strides)
    for k, ax, edges in edge_fixes:
        for at, values in edges:
            idx = [slice(None)] * src.ndim
            idx[ax] = at
            targets[k][tuple(idx)] = values
    for o, t in copies_back:
        np.copyto(o, t, casting="unsafe")
    if len_axes == 1:
        return finals[0]
    return tuple(finals)


def _edges_in_data_precision(src: np.ndarray, ax: int, s: _Scalar, block: _Block | None):
    """The edge_order-1 edges along ``ax`` with the spacing taken in the data's precision
    (a Python number's semantics), computed by libgradient on the first and last two
    samples: ``(f[1] - f[0]) / h`` and ``(f[-1] - f[-2]) / h``. Returns a list of
    ``(index along ax in the outputs, values)``: both edges for a whole array; for a
    block, the global edges it holds (there its halo is empty on that side, so the data's
    first or last two samples are the global ones), cropped to the block on the other
    axes."""
    n = src.shape[ax]
    crop = [slice(None)] * src.ndim
    sides = [(0, 0), (n - 2, -1)]  # (first sample read, output index)
    if block is not None:
        if 0 in block.shape:  # an empty block: no output, and its window may have no edge
            return []
        crop = [slice(b, b + m) for b, m in zip(block.halo_before, block.shape)]
        start, m, n_global = block.start[ax], block.shape[ax], block.global_shape[ax]
        holds = (start == 0, start + m == n_global)
        sides = [side for side, held in zip(sides, holds) if held]
    crop[ax] = slice(None)
    src = src[tuple(crop)]
    edges = []
    for lo, at in sides:
        idx = [slice(None)] * src.ndim
        idx[ax] = slice(lo, lo + 2)
        part = src[tuple(idx)]
        tmp = np.empty(part.shape, dtype=src.dtype)
        _lib.call_gradient(_c_dtype(src.dtype), _lib.array_address(part), part.shape,
                           _element_strides(part), [s.spacing(_lib.SPACING_SCALAR)], [ax],
                           1, [_lib.array_address(tmp)], [_element_strides(tmp)])
        idx[ax] = 0
        edges.append((at, tmp[tuple(idx)]))
    return edges
