"""``Plan``: gradient() checked and prepared once for one shape, dtype and layout, then
executed on many arrays (libgradient's ``grad_plan``, through ctypes).

A plan does at construction everything ``gradient()`` does before it touches the data:
numpy's checks of the axes, spacing and edge order (with numpy's exception types, through
the same code as ``gradient()``), the C library's ``grad_plan_new`` (the checks that
depend on the shape and layout, and every coefficient). A call checks only what depends
on the arrays (shape, dtype, layout, ``out``) and runs ``grad_plan_execute``.

The call path is kept short: for an ndarray of the planned dtype, shape and strides, and
outputs that the plan allocates or that have the planned output layout, a call is a few
attribute comparisons, one pointer read per array and one foreign call, with the output
pointer array reused (one per Python thread). Everything else (other layouts, non-native
byte order, misaligned data, lists, subclasses, odd ``out`` arguments) goes through
``gradient()``'s own code (``_api._compute``) with a C plan per layout.
"""

from __future__ import annotations

import ctypes
import operator
import sys
import threading
import weakref

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import _api, _lib

__all__ = ["Plan"]

_ndarray = np.ndarray
_execute = _lib.grad_plan_execute_by_address
_pointer_at = _lib._pointer_at
#: Where an ndarray keeps its data pointer (see ``_lib._data_pointer_offset``); None
#: (other interpreters) turns the fast path off.
_OFFSET = _lib._DATA_OFFSET
_MISALIGNED = _lib.Status.MISALIGNED

#: Layouts (input strides, output strides) a plan keeps a C plan for, the planned one
#: included. Calls on further layouts make and free a C plan each time.
MAX_LAYOUTS = 8


class _CopiedCoordinates:
    """Stands for a coordinate array once the library has copied it into the options:
    the plan keeps no reference to the caller's array."""

    unsupported = None
    small_int = False


def _pointer_array(n: int) -> tuple:
    """A ``void *[n]`` for the fast path's output pointers (one per plan and thread) and
    its address, which ``grad_plan_execute_by_address`` takes as an int."""
    ptrs = (ctypes.c_void_p * n)()
    return ptrs, ctypes.addressof(ptrs)


def _shape_tuple(shape) -> tuple:
    """``shape`` as ``np.empty`` reads it: an int or a sequence of ints, none negative."""
    try:
        return _check_lengths((operator.index(shape),))
    except TypeError:
        pass
    try:
        dims = tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a sequence of ints, not "
                        f"{shape!r}") from None
    return _check_lengths(dims)


def _check_lengths(dims: tuple) -> tuple:
    if any(n < 0 for n in dims):
        raise ValueError("negative dimensions are not allowed")
    if any(n > sys.maxsize for n in dims):
        raise ValueError("Maximum allowed dimension exceeded")  # numpy's words
    return dims


def _c_order_strides(shape, itemsize: int) -> tuple:
    """The byte strides numpy gives a C-contiguous array of ``shape``."""
    if 0 in shape:
        return (0,) * len(shape)
    strides, step = [], itemsize
    for n in reversed(shape):
        strides.append(step)
        if n:
            step *= n
    return tuple(reversed(strides))


def _element_strides(shape, byte_strides, itemsize: int) -> tuple:
    """``_api._element_strides`` for the layout ``byte_strides``: element strides, 0 on
    axes of length 0 or 1 and everywhere in an array without elements."""
    if 0 in shape:
        return (0,) * len(shape)
    return tuple(0 if n <= 1 else s // itemsize for n, s in zip(shape, byte_strides))


def _planned_layout(shape, dtype: np.dtype, strides):
    """(byte strides, element strides) of the planned input layout."""
    item = dtype.itemsize
    if strides is None:
        byte_strides = _c_order_strides(shape, item)
    else:
        try:
            byte_strides = tuple(operator.index(s) for s in strides)
        except TypeError:
            raise TypeError(f"strides must be None or a sequence of ints, not "
                            f"{strides!r}") from None
        if any(abs(s) > sys.maxsize for s in byte_strides):
            raise ValueError(f"strides {byte_strides} do not fit in a ptrdiff_t")
        if len(byte_strides) != len(shape):
            raise ValueError(f"strides has {len(byte_strides)} entries for a shape of "
                             f"{len(shape)} axes")
        if item and 0 not in shape and any(n > 1 and s % item for n, s in
                                           zip(shape, byte_strides)):
            raise ValueError(f"strides {byte_strides} are not multiples of the item size "
                             f"({item} bytes) of {dtype}")
    return byte_strides, _element_strides(shape, byte_strides, max(item, 1))


def _same_type(a: np.dtype, b: np.dtype) -> bool:
    """Equal dtypes up to byte order."""
    if a == b:
        return True
    try:
        return a.newbyteorder("=") == b.newbyteorder("=")
    except (TypeError, ValueError):
        return False


def _native_dtype(dt: np.dtype) -> np.dtype:
    """``dt`` in native byte order, as the same object numpy gives its arrays when it can
    (so that the fast path's ``is`` comparison usually succeeds)."""
    native = dt.newbyteorder("=")
    try:
        canonical = np.dtype(native.str)
    except TypeError:  # pragma: no cover - dtypes without a plain string form
        return native
    return canonical if canonical == native else native


def _free(plans: dict, options) -> None:
    for handle in plans.values():
        _lib.free_plan(handle)
    plans.clear()
    _lib.free_options(options)


class Plan:
    """A gradient made ready for arrays of one shape and dtype: ``gradient()`` checked
    once, executed many times.

    ``Plan(shape, dtype, *varargs, axis=None, edge_order=1, workers=1, strides=None)``
    takes ``gradient()``'s arguments with ``f`` replaced by the ``shape`` and ``dtype``
    of the arrays it will be called on (and, optionally, their memory layout). Every check
    that does not depend on the data runs here, with ``gradient()``'s exception types and
    order; the spacing (coordinate arrays included) is copied into the plan, and
    libgradient's ``grad_plan_new`` computes every coefficient. ``plan(f)`` then returns
    exactly what ``gradient(f, *varargs, axis=axis, edge_order=edge_order,
    workers=workers)`` returns, the same bits as ``numpy.gradient``, computed by
    ``grad_plan_execute``.

    Parameters
    ----------
    shape : int or sequence of ints
        The shape of the arrays the plan is called on.
    dtype : data-type
        Their dtype: float64, float32, complex128, complex64 or an integer type (integer
        data gives float64 results). Calls accept this dtype in either byte order.
    *varargs : scalars or 1-D arrays, optional
        The spacing, as for ``gradient()`` and ``numpy.gradient``, with the same precision
        rules (a Python number computes in the data's precision, a numpy float64 scalar in
        double precision). Coordinate arrays, in coordinate units, are copied: later
        changes to them do not affect the plan.
    axis : None, int or tuple of ints, optional
        The axes to differentiate, as for ``gradient()``. Default: all.
    edge_order : {1, 2}, optional
        Accuracy order of the one-sided differences at the boundaries.
    workers : int, optional
        Keyword-only: the most threads one call may use (``gradient()``'s ``workers``,
        the C ``n_threads``; -1 for ``os.cpu_count()``). Results are the same bits for
        every value.
    strides : sequence of ints, optional
        Keyword-only: the byte strides (``ndarray.strides``) of the arrays the plan is
        mostly called on; multiples of the item size. Default: C order. Arrays of any
        other layout are computed too, correctly but with more work per call (see
        Notes).
    scheme : {"numpy", "matlab"}, optional
        Keyword-only: the formulas, as ``gradient()``'s ``scheme`` ("matlab": MATLAB's
        first-order interior on coordinates, ``edge_order`` 1 only, zeros along an axis
        of length 1).

    Attributes
    ----------
    shape : tuple of ints
        The planned shape.
    dtype : numpy.dtype
        The planned dtype, as given.
    strides : tuple of ints
        The planned byte strides.
    axes : tuple of ints
        The requested axes, normalised (non-negative, in the order requested); the
        outputs are in this order.
    edge_order : int
        1 or 2.
    output_dtype : numpy.dtype
        The dtype of the results (native byte order data).
    closed : bool
        Whether ``close()`` has run.

    Raises
    ------
    TypeError, ValueError, IndexError, ZeroDivisionError, OverflowError, numpy.exceptions.AxisError
        What ``gradient()`` raises for an ``f`` of this shape and dtype with the same
        other arguments, raised here rather than at each call. Also TypeError for a
        ``shape`` or ``strides`` that is not made of ints, ValueError for a negative
        length, for ``strides`` of the wrong length or not multiples of the item size,
        and for a shape and strides that overflow the address space; MemoryError if the
        library cannot allocate the plan.

    Notes
    -----
    **Calls.** ``plan(f, out=None)`` computes the gradient of ``f`` (an array_like of the
    plan's shape and dtype) along each planned axis and returns one array for one axis,
    else a tuple, exactly as ``gradient()``: ``out`` is one array (one axis) or a
    sequence of one array per axis, of ``f``'s shape and the output dtype, any strides,
    written and returned; without it, new arrays are allocated in ``f``'s axis order. An
    ``f`` of another shape or dtype raises ValueError naming both; ``out`` is checked as
    ``gradient()`` checks it (TypeError, ValueError; an output sharing memory with
    ``f`` or another output raises ValueError). On any error nothing is written. Unlike
    ``gradient()``, an output may share memory with a coordinate array given to the
    plan: the plan reads its own copy. A plan with no axis to compute (``axis=()`` or a
    0-d shape) returns ``()``.

    **Layouts.** The fast path is an ndarray (not a subclass) of the planned shape and
    strides in native byte order, with outputs allocated by the plan or of the layout it
    allocates (C order for a C-ordered plan). Any other layout is computed by a further C
    plan made on first use and kept (up to 8 layouts per plan); data the C library cannot
    address in place (non-native byte order, misaligned, strides that are not multiples
    of the item size) is copied first, as ``gradient()`` does. A result is never computed
    with another layout's plan.

    **Freeing.** The C plan and options are freed by ``close()``, at the end of a
    ``with`` block, or when the plan is garbage-collected. A closed plan raises
    ValueError when called.

    **Threads.** Any number of Python threads may call one plan at the same time (ctypes
    releases the GIL during the computation), with outputs no other call uses.
    ``close()`` must not run while another thread is calling the plan.

    Examples
    --------
    >>> import numpy as np
    >>> from ndgradient import Plan
    >>> plan = Plan(6, np.float64, 0.5)
    >>> plan(np.array([1., 2, 4, 7, 11, 16]))
    array([ 2.,  3.,  5.,  7.,  9., 10.])

    Reuse one plan and one output array over many steps:

    >>> out = np.empty(6)
    >>> for t in range(1, 4):
    ...     _ = plan(np.arange(6.0) ** t, out=out)
    >>> out
    array([  2.,   8.,  26.,  56.,  98., 122.])
    >>> plan.close()

    Two axes, non-uniform coordinates along the second, as a context manager:

    >>> x = np.array([0., 1, 1.5, 3.5])
    >>> with Plan((2, 4), np.float64, 2.0, x) as plan:
    ...     dy, dx = plan(np.array([[1., 2, 4, 8], [3, 5, 9, 17]]))
    >>> dx
    array([[1. , 3. , 3.6, 2. ],
           [2. , 6. , 7.2, 4. ]])
    """

    def __init__(self, shape: int | Sequence[int], dtype: DTypeLike, *varargs: ArrayLike,
                 axis: int | Sequence[int] | None = None, edge_order: int = 1,
                 workers: int = 1, strides: Sequence[int] | None = None,
                 scheme: str = "numpy") -> None:
        self._closed = True
        self._finalizer = None
        self._f_bytes = None  # disables the fast path until the plan is ready
        self._fdt = self._otype = self._handle = self._options = None
        # 0 and 1: gradient()'s order: workers, then the data (here its description).
        n_threads = _api._n_threads(workers)
        scheme_value = _api._scheme_value(scheme)
        shape = _shape_tuple(shape)
        dtype = np.dtype(dtype)
        byte_strides, f_strides = _planned_layout(shape, dtype, strides)
        # 2 to 5: gradient()'s own checks.
        args = _api._check_arguments(shape, dtype, _api._dtype_scope(dtype), varargs, axis,
                                     edge_order, scheme)
        self._shape = shape
        self._dtype = dtype
        self._strides = byte_strides
        self._args = args
        self._n_out = n_out = len(args.axes)
        self._plans = {}
        self._lock = threading.Lock()
        self._tls = threading.local()
        self._closed = False
        if n_out == 0:
            return  # nothing to compute: no C objects (grad_plan_new needs ndim >= 1)

        self._c_dtype = _api._c_dtype(dtype)
        options = _lib.new_options(args.spacing(), args.axes, args.eo, n_threads,
                                   scheme_value)
        self._options = options
        self._finalizer = weakref.finalize(self, _free, self._plans, options)
        # The library copied the coordinates: drop the references to the caller's arrays.
        args.dx = [_CopiedCoordinates if isinstance(s, _api._Coordinates) else s
                   for s in args.dx]

        # Outputs the plan allocates: numpy.empty_like's axis order for the planned
        # layout (the largest stride first), contiguous.
        ndim = len(shape)
        perm = sorted(range(ndim), key=lambda k: -abs(byte_strides[k]))
        self._out_perm_shape = tuple(shape[k] for k in perm)
        inverse = [0] * ndim
        for i, k in enumerate(perm):
            inverse[k] = i
        self._out_inverse = None if perm == list(range(ndim)) else tuple(inverse)
        otype = _native_dtype(args.otype)
        c_perm = _c_order_strides(self._out_perm_shape, otype.itemsize)
        out_bytes = [0] * ndim
        for i, k in enumerate(perm):
            out_bytes[k] = c_perm[i]
        self._out_bytes = tuple(out_bytes)
        out_strides = _element_strides(shape, out_bytes, otype.itemsize)
        try:
            handle = self._new_c_plan(f_strides, [out_strides] * n_out)
        except BaseException:
            self.close()
            raise
        self._plans[(f_strides, (out_strides,) * n_out)] = handle
        self._handle = handle
        self._otype = otype

        # The fast path: native dtype, no extra edge calls (complex64 data with a small
        # numpy integer step at edge_order 1, see gradient()).
        self._fdt = _native_dtype(dtype)
        needs_edge_calls = (args.eo == 1 and self._fdt.kind == "c" and self._fdt.itemsize == 8
                            and any(s.small_int for s in args.dx))
        if not needs_edge_calls and _OFFSET is not None:
            self._f_bytes = byte_strides

    def _new_c_plan(self, f_strides, out_strides) -> int:
        handle, n_out, out_dtype = _lib.new_plan(self._c_dtype, self._shape, f_strides,
                                                 out_strides, self._options)
        expected = _api._c_dtype(self._args.otype)
        if n_out != self._n_out or out_dtype != expected:  # pragma: no cover - a bug
            _lib.free_plan(handle)
            raise RuntimeError(f"ndgradient.Plan: the library planned {n_out} outputs of "
                               f"dtype {out_dtype}; expected {self._n_out} of {expected}")
        return handle

    # ------------------------------------------------------------------ properties

    @property
    def shape(self) -> tuple:
        """The planned shape."""
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        """The planned dtype, as given."""
        return self._dtype

    @property
    def strides(self) -> tuple:
        """The planned byte strides (C order unless given)."""
        return self._strides

    @property
    def axes(self) -> tuple:
        """The requested axes, non-negative, in the order of the outputs."""
        return self._args.axes

    @property
    def edge_order(self) -> int:
        """1 or 2."""
        return self._args.eo

    @property
    def output_dtype(self) -> np.dtype:
        """The dtype of the results for native byte order data."""
        return self._args.otype.newbyteorder("=")

    @property
    def closed(self) -> bool:
        """Whether the plan has been closed (its C objects freed)."""
        return self._closed

    def __repr__(self) -> str:
        state = ", closed" if self._closed else ""
        return (f"Plan(shape={self._shape}, dtype={self._dtype}, axes={self.axes}, "
                f"edge_order={self.edge_order}{state})")

    # ------------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Frees the C plans and options now (idempotent). Must not run while another
        thread is calling the plan; later calls raise ValueError."""
        self._f_bytes = None
        self._closed = True
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> bool:
        self.close()
        return False

    # ------------------------------------------------------------------ calls

    def __call__(self, f: ArrayLike,
                 out: np.ndarray | Sequence[np.ndarray] | None = None
                 ) -> np.ndarray | tuple[np.ndarray, ...]:
        """The gradient of ``f`` (see the class documentation, Notes: Calls)."""
        # The fast path: every test is an attribute comparison, every pointer one read.
        if (type(f) is _ndarray and f.strides == self._f_bytes and f.shape == self._shape
                and (f.dtype is self._fdt or f.dtype == self._fdt)):
            otype = self._otype
            if self._n_out == 1:
                if out is None:
                    inv = self._out_inverse
                    o = (np.empty(self._shape, otype) if inv is None else
                         np.empty(self._out_perm_shape, otype).transpose(inv))
                elif (type(out) is _ndarray and out.strides == self._out_bytes
                      and out.shape == self._shape and (out.dtype is otype or out.dtype == otype)
                      and out.flags.writeable):
                    o = out
                else:
                    return self._call(f, out)
                try:
                    ptrs, address = self._tls.ptrs
                except AttributeError:
                    ptrs, address = self._tls.ptrs = _pointer_array(1)
                ptrs[0] = _pointer_at(id(o) + _OFFSET).value
                status = _execute(self._handle, _pointer_at(id(f) + _OFFSET).value, address, 1)
                if status == 0:
                    return o
            else:
                outs = self._fast_outputs(out)
                if outs is not None:
                    n = len(outs)
                    try:
                        ptrs, address = self._tls.ptrs
                    except AttributeError:
                        ptrs, address = self._tls.ptrs = _pointer_array(n)
                    for k in range(n):
                        ptrs[k] = _pointer_at(id(outs[k]) + _OFFSET).value
                    status = _execute(self._handle, _pointer_at(id(f) + _OFFSET).value, address, n)
                    if status == 0:
                        return tuple(outs)
                else:
                    return self._call(f, out)
            if status != _MISALIGNED:
                raise _lib.error_for_status(status)
            # Misaligned data or output: nothing was written; the general path copies.
        return self._call(f, out)

    def _fast_outputs(self, out):
        """The outputs of a fast call with more than one axis (allocated, or the caller's
        if they all have the planned output layout), or None."""
        otype, n = self._otype, self._n_out
        if out is None:
            inv = self._out_inverse
            if inv is None:
                return [np.empty(self._shape, otype) for _ in range(n)]
            return [np.empty(self._out_perm_shape, otype).transpose(inv) for _ in range(n)]
        if (type(out) is not tuple and type(out) is not list) or len(out) != n:
            return None
        shape, out_bytes = self._shape, self._out_bytes
        for o in out:
            if not (type(o) is _ndarray and o.strides == out_bytes and o.shape == shape
                    and (o.dtype is otype or o.dtype == otype) and o.flags.writeable):
                return None
        return out

    def _call(self, f, out):
        """Every call outside the fast path: gradient()'s steps 6 and 7 (``_compute``)
        with this plan's C plans."""
        if self._closed:
            raise ValueError("ndgradient.Plan: this plan is closed")
        f = np.asanyarray(f)
        if f.shape != self._shape or not _same_type(f.dtype, self._dtype):
            raise ValueError(f"ndgradient.Plan: f has shape {f.shape} and dtype {f.dtype}; "
                             f"this plan takes shape {self._shape} and dtype {self._dtype}")
        args = self._args
        if args.axes and isinstance(f, np.ma.MaskedArray):
            raise TypeError(f"gradient: {_api._MASKED}")
        otype = _api._output_dtype(f.dtype)
        if otype != args.otype:  # the other byte order
            args = _api._Arguments(args.axes, args.dx, args.eo, args.n_varargs, otype)
        return _api._compute(f, out, args, self._run, coordinates_read=False)

    def _run(self, src, f_strides, targets, out_strides):
        key = (tuple(f_strides), tuple(tuple(s) for s in out_strides))
        handle = self._plans.get(key)
        temporary = False
        if handle is None:
            with self._lock:
                if self._closed:
                    raise ValueError("ndgradient.Plan: this plan is closed")
                handle = self._plans.get(key)
                if handle is None:
                    handle = self._new_c_plan(key[0], key[1])
                    if len(self._plans) < MAX_LAYOUTS:
                        self._plans[key] = handle
                    else:
                        temporary = True
        try:
            _lib.execute_plan(handle, _lib.array_address(src),
                              [_lib.array_address(t) for t in targets])
        finally:
            if temporary:
                _lib.free_plan(handle)
