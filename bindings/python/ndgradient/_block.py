"""Blocks of a larger array: ``block_halo()`` and ``gradient_block()``, libgradient's
block contract (``grad_options_set_block``, ``grad_block_halo``) with numpy's calling
convention.

A block is a box of a global array: its ``start`` (the global index of its first element
along each axis) and its ``shape``. Its gradient is computed from the block plus a halo
of neighbouring samples (``halo_before[k]`` samples before it and ``halo_after[k]`` after
it along axis ``k``); the results equal that box of ``gradient()`` of the whole array, bit
for bit. Everything else is global: the spacing (scalars, or coordinate arrays of the
global axis's length), numpy's checks (axis and coordinate lengths), and numpy's decisions
over a whole axis (exactly uniform coordinates taken as one step).

Checks, in order: the four lists (ints, one per axis of ``f``, none negative; the halos
fit in ``f``), then numpy's checks on the global shape (as ``gradient()``, with numpy's
exception types), then the library's: ValueError for a block or halo outside the global
array (``GRAD_STATUS_INVALID_BLOCK``) and for a halo thinner than ``block_halo()``'s
(``GRAD_STATUS_HALO_TOO_SMALL``).
"""

from __future__ import annotations

import operator

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from . import _api, _lib, _plan

__all__ = ["block_halo", "gradient_block"]


def _index_list(name: str, values, ndim: int) -> tuple:
    """``values`` as a tuple of ``ndim`` non-negative ints (TypeError, ValueError)."""
    try:
        items = tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of ints, not {values!r}") from None
    if len(items) != ndim:
        raise ValueError(f"{name} has {len(items)} entries but the block has {ndim} axes")
    if any(v < 0 for v in items):
        raise ValueError(f"{name} must not be negative: {items}")
    if any(v > _lib.SIZE_MAX for v in items):
        raise ValueError(f"{name} does not fit in a size_t: {items}")
    return items


def block_halo(global_shape: Sequence[int], start: Sequence[int], shape: Sequence[int],
               *varargs: ArrayLike, axis: int | Sequence[int] | None = None,
               edge_order: int = 1, scheme: str = "numpy") -> tuple[tuple[int, ...],
                                                                     tuple[int, ...]]:
    """The halo a block needs: ``(before, after)``, samples per axis, in elements.

    A block of ``shape`` at global index ``start`` of an array of ``global_shape`` needs
    ``before[k]`` samples before it and ``after[k]`` after it along each axis ``k`` for
    ``gradient_block()`` with the same spacing, ``axis``, ``edge_order`` and ``scheme``:
    0 along an axis not differentiated and where the block touches the global edge on
    that side, else the stencil's reach: 1, or 2 on the far side of a block of 1 sample
    at a global edge with ``edge_order=2`` (its edge formula reads three samples).

    Parameters
    ----------
    global_shape, start, shape : sequences of ints
        The global array's shape, the block's first global index and the block's shape,
        one entry per axis each.
    *varargs, axis, edge_order, scheme
        As for ``gradient()``, for the global array (coordinate arrays have the global
        axis's length).

    Returns
    -------
    (tuple of ints, tuple of ints)
        The halo before and after the block along each axis.

    Raises
    ------
    TypeError, ValueError, IndexError, numpy.exceptions.AxisError
        ``gradient()``'s errors for an array of ``global_shape``; TypeError and
        ValueError for lists that are not ints, of different lengths or negative;
        ValueError for a block outside the global array.

    Notes
    -----
    Thread-safe: a pure function of its arguments.

    Examples
    --------
    >>> from ndgradient import block_halo
    >>> block_halo((100, 50), (40, 0), (20, 50))        # inside along axis 0 only
    ((1, 0), (1, 0))
    >>> block_halo((100,), (99,), (1,), edge_order=2)  # the last sample, alone
    ((2,), (0,))
    >>> block_halo((100, 50), (40, 10), (20, 20), axis=1)
    ((0, 1), (0, 1))
    """
    shape = _index_list("shape", shape, _ndim_of(shape))
    ndim = len(shape)
    global_shape = _index_list("global_shape", global_shape, ndim)
    start = _index_list("start", start, ndim)
    if ndim == 0:
        return (), ()
    scheme_value = _api._scheme_value(scheme)
    dtype = np.dtype(np.float64)  # the halo does not depend on the data's dtype
    args = _api._check_arguments(global_shape, dtype, None, varargs, axis, edge_order,
                                 scheme)
    options = _lib.new_options(args.spacing(), args.axes, args.eo, 1, scheme_value)
    try:
        before, after = _lib.block_halo(options, global_shape, start, shape)
    finally:
        _lib.free_options(options)
    return tuple(before), tuple(after)


def _ndim_of(shape) -> int:
    try:
        return len(shape)
    except TypeError:
        raise TypeError(f"shape must be a sequence of ints, not {shape!r}") from None


def gradient_block(f: ArrayLike, *varargs: ArrayLike, global_shape: Sequence[int],
                   start: Sequence[int], halo_before: Sequence[int],
                   halo_after: Sequence[int], axis: int | Sequence[int] | None = None,
                   edge_order: int = 1, out: np.ndarray | Sequence[np.ndarray] | None = None,
                   workers: int = 1, scheme: str = "numpy"
                   ) -> np.ndarray | tuple[np.ndarray, ...]:
    """The gradient of one block of a larger array, from the block and its halo.

    ``f`` holds the block plus ``halo_before[k]`` samples before it and ``halo_after[k]``
    after it along each axis ``k``; the block lies at global index ``start`` of an array
    of ``global_shape``. Returns what ``gradient()`` of the whole array returns, cut to
    the block: one array for one axis, else a tuple, each of the block's shape
    (``f.shape[k] - halo_before[k] - halo_after[k]``), bit for bit.

    Parameters
    ----------
    f : array_like
        The block with its halo, of any dtype ``gradient()`` takes, any layout.
    *varargs : scalars or 1-D arrays, optional
        The spacing of the GLOBAL array, as for ``gradient()``: coordinate arrays have
        the global axis's length.
    global_shape, start, halo_before, halo_after : sequences of ints
        Keyword-only, one entry per axis of ``f``, in elements. A halo at least
        ``block_halo()``'s is needed (wider is accepted).
    axis, edge_order, workers, scheme
        As for ``gradient()``.
    out : ndarray or tuple of ndarrays, optional
        As for ``gradient()``, of the block's shape (not ``f``'s).

    Returns
    -------
    ndarray or tuple of ndarray
        The derivative along each requested axis on the block, in the order of ``axis``
        (C order when allocated).

    Raises
    ------
    TypeError, ValueError, IndexError, ZeroDivisionError, numpy.exceptions.AxisError
        ``gradient()``'s errors for an array of ``global_shape``; TypeError and ValueError
        for block lists that are not ints, do not have one entry per axis of ``f``, are
        negative, or whose halos are longer than ``f``; ValueError for a block or halo
        outside the global array and for a halo thinner than ``block_halo()``'s. On any
        error nothing is written.

    Notes
    -----
    Thread-safe, as ``gradient()``: any number of threads may call it at once, on outputs
    no other call uses. Each call makes and frees one libgradient plan.

    Examples
    --------
    Samples 3..5 of ``x**2`` (``x = 0, 1, ..., 9``), with one sample of halo each side:

    >>> import numpy as np
    >>> from ndgradient import gradient_block
    >>> f = np.arange(10.0) ** 2
    >>> gradient_block(f[2:7], global_shape=(10,), start=(3,), halo_before=(1,),
    ...                halo_after=(1,))
    array([ 6.,  8., 10.])
    >>> np.gradient(f)[3:6]
    array([ 6.,  8., 10.])

    The last two samples with ``edge_order=2``, non-uniform global coordinates:

    >>> x = np.array([0., 1, 3, 4, 6, 7, 9, 10, 12, 13])
    >>> gradient_block(f[6:], x, global_shape=(10,), start=(8,), halo_before=(2,),
    ...                halo_after=(0,), edge_order=2)
    array([13.83333333, 20.16666667])
    >>> np.gradient(f, x, edge_order=2)[8:]
    array([13.83333333, 20.16666667])
    """
    n_threads = _api._n_threads(workers)
    scheme_value = _api._scheme_value(scheme)
    f = np.asanyarray(f)
    ndim = f.ndim
    global_shape = _index_list("global_shape", global_shape, ndim)
    start = _index_list("start", start, ndim)
    halo_before = _index_list("halo_before", halo_before, ndim)
    halo_after = _index_list("halo_after", halo_after, ndim)
    shape = tuple(n - b - a for n, b, a in zip(f.shape, halo_before, halo_after))
    if any(n < 0 for n in shape):
        raise ValueError(f"the halos ({halo_before} before, {halo_after} after) are longer "
                         f"than f, of shape {f.shape}")
    block = _api._Block(global_shape, start, halo_before, halo_after, shape)
    args = _api._check_arguments(global_shape, f.dtype, _api._data_scope(f), varargs, axis,
                                 edge_order, scheme)
    if ndim == 0:  # no axis to compute (grad_plan_new needs ndim >= 1)
        return _api._compute(f, out, args, None, coordinates_read=False, block=block)
    c_dtype = _api._c_dtype(f.dtype)
    options = _lib.new_options(args.spacing(), args.axes, args.eo, n_threads, scheme_value,
                               block.lists())
    plans = {}
    try:
        # The plan of C-ordered operands, made first: the library's checks of the block
        # (and every other) run before anything is written.
        c_strides = _c_order(f.shape)
        out_strides = (_c_order(shape),) * len(args.axes)
        plans[(c_strides, out_strides)] = _new_plan(c_dtype, shape, c_strides, out_strides,
                                                    options, args)

        def run(src, f_strides, targets, target_strides):
            key = (tuple(f_strides), tuple(tuple(s) for s in target_strides))
            handle = plans.get(key)
            if handle is None:
                handle = plans[key] = _new_plan(c_dtype, shape, key[0], key[1], options,
                                                args)
            _lib.execute_plan(handle, _lib.array_address(src),
                              [_lib.array_address(t) for t in targets])

        return _api._compute(f, out, args, run, coordinates_read=False, block=block)
    finally:
        for handle in plans.values():
            _lib.free_plan(handle)
        _lib.free_options(options)


def _c_order(shape) -> tuple:
    """The element strides of a C-ordered array of ``shape``, as the library is given
    them (``_plan._element_strides``: 0 on axes of length 0 or 1)."""
    return _plan._element_strides(shape, _plan._c_order_strides(shape, 1), 1)


def _new_plan(c_dtype: int, shape, f_strides, out_strides, options: int, args) -> int:
    """A block plan's handle; its output count and dtype are checked as ``Plan`` does."""
    handle, n_out, out_dtype = _lib.new_plan(c_dtype, shape, f_strides, out_strides, options)
    if n_out != len(args.axes) or out_dtype != _api._c_dtype(args.otype):  # pragma: no cover
        _lib.free_plan(handle)
        raise RuntimeError(f"ndgradient.gradient_block: the library planned {n_out} outputs "
                           f"of dtype {out_dtype}")
    return handle
