"""``gradient()`` of a dask array, lazy, block by block (needs ``dask[array]``).

>>> import numpy as np, dask.array as da
>>> import ndgradient.dask
>>> f = np.arange(12.0) ** 2
>>> g = ndgradient.dask.gradient(da.from_array(f, chunks=5), 0.5)
>>> g.chunks
((5, 5, 2),)
>>> bool((g.compute(scheduler="sync") == np.gradient(f, 0.5)).all())
True

Each output chunk is one task that reads the input chunk at the same place and the
samples of its halo (``ndgradient.block_halo``), cut from the neighbouring chunks by
small tasks of their own (slabs of at most 2 samples), copies them into one C-ordered
window and calls ``ndgradient.gradient_block`` on it: the results are
``numpy.gradient`` of the whole array, bit for bit, for any chunking (1-element chunks,
an uneven last chunk, one chunk), and a task holds its chunk, its halo and its outputs.
The output chunks are the input's.
"""

from __future__ import annotations

import bisect
import itertools
import math

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from . import _api, _lib
from ._block import gradient_block

__all__ = ["gradient"]


class _Window:
    """What one task needs besides its input parts: where its block lies, the window
    (the block and its halo) it assembles, and ``gradient_block``'s other arguments.
    A plain object, so that dask passes it to the task as it is.

    ``copies``: one ``(window index, part index)`` pair of slice tuples per input part,
    in the order of the task's list: the block's own chunk, then the halo slabs cut from
    its face neighbours (part index None: the whole slab). The window's other samples
    (the corners where the halos of two or more axes meet) are read by no formula; they
    are set to 0, so that the window holds no uninitialised memory."""

    __slots__ = ("global_shape", "start", "halo_before", "halo_after", "shape", "copies",
                 "dtype", "axes", "edge_order", "scheme")

    def __init__(self, global_shape, start, halo_before, halo_after, shape, copies, dtype,
                 axes, edge_order, scheme):
        self.global_shape, self.start, self.shape = global_shape, start, shape
        self.halo_before, self.halo_after = halo_before, halo_after
        self.copies, self.dtype, self.axes, self.edge_order = copies, dtype, axes, edge_order
        self.scheme = scheme

    def __call__(self, parts: list, spacing: list):
        """The outputs of this block (an array, or a tuple for several axes)."""
        before, after = self.halo_before, self.halo_after
        if not any(before) and not any(after):  # the chunk itself: no copy
            window = np.asarray(parts[0])
        else:
            shape = tuple(b + n + a for b, n, a in zip(before, self.shape, after))
            window = np.empty(shape, dtype=self.dtype)
            for k, (b, a) in enumerate(zip(before, after)):  # the halo slabs, corners
                lead = (slice(None),) * k                     # included: thin
                window[lead + (slice(0, b),)] = 0
                window[lead + (slice(shape[k] - a, shape[k]),)] = 0
            for part, (dst, src) in zip(parts, self.copies):
                window[dst] = np.asarray(part) if src is None else np.asarray(part)[src]
        return gradient_block(window, *spacing, global_shape=self.global_shape,
                              start=self.start, halo_before=before, halo_after=after,
                              axis=self.axes, edge_order=self.edge_order, scheme=self.scheme)


class _Slab:
    """The task that cuts a halo slab (a tuple of slices) out of a neighbouring chunk."""

    __slots__ = ("index",)

    def __init__(self, index: tuple):
        self.index = index

    def __call__(self, chunk) -> np.ndarray:
        # A copy: the slab alone travels or stays in memory, not the chunk it views.
        return np.array(np.asarray(chunk)[self.index], copy=True)


def _output(result: tuple, k: int) -> np.ndarray:
    """Output ``k`` of a block task's tuple."""
    return result[k]


def _axis_pieces(chunks: tuple, halos: list) -> list:
    """Per chunk ``c`` of one axis, the pieces of its window (the chunk and its halo
    ``halos[c] = (before, after)``): ``(own, neighbours)``, where ``own`` is ``(window
    slice, chunk slice)`` of the chunk itself and ``neighbours`` lists ``(chunk index,
    window slice, chunk slice)`` for every other chunk the window overlaps, in order."""
    bounds = [0, *itertools.accumulate(chunks)]
    result = []
    for c, (n, (before, after)) in enumerate(zip(chunks, halos)):
        lo, hi = bounds[c] - before, bounds[c] + n + after
        own, neighbours = (slice(before, before + n), slice(0, n)), []
        j = bisect.bisect_right(bounds, lo) - 1  # the chunk holding sample lo
        while j < len(chunks) and bounds[j] < hi:
            a, b = max(lo, bounds[j]), min(hi, bounds[j + 1])
            if a < b and j != c:
                neighbours.append((j, slice(a - lo, b - lo),
                                   slice(a - bounds[j], b - bounds[j])))
            j += 1
        result.append((own, neighbours))
    return result


def gradient(x, *varargs: ArrayLike, axis: int | Sequence[int] | None = None,
             edge_order: int = 1, scheme: str = "numpy"):
    """numpy.gradient of a dask array, lazy: the same results, bit for bit, as dask arrays
    chunked as ``x``.

    Parameters
    ----------
    x : dask.array.Array or array_like
        The samples, of a dtype ``ndgradient.gradient()`` takes; anything else is
        converted with ``dask.array.asarray``. Chunk sizes must be known.
    *varargs : scalars, 1-D arrays or 1-D dask arrays, optional
        The spacing, as for numpy.gradient, of the whole array: coordinate arrays have the
        whole axis's length. numpy arrays are put in the graph once; a dask array stays
        lazy (computed as one chunk, which every task of that axis reads).
    axis : None, int or tuple of ints, optional
        The axes to differentiate. Default: all.
    edge_order : {1, 2}, optional
        As for numpy.gradient (other values raise ValueError).
    scheme : {"numpy", "matlab"}, optional
        The formulas, as for ``ndgradient.gradient()``: numpy's (the default) or MATLAB's
        ``gradient`` (first-order edges only, the two-point quotient on coordinates,
        zeros along an axis of length 1).

    Returns
    -------
    dask.array.Array or tuple of dask.array.Array
        One array for one axis, else a tuple in the order of ``axis``; chunked as ``x``,
        of numpy's output dtype.

    Raises
    ------
    TypeError, ValueError, IndexError, ZeroDivisionError, numpy.exceptions.AxisError
        What ``ndgradient.gradient()`` raises for an array of ``x``'s shape and dtype,
        raised here, at graph construction (the values of a dask coordinate array are
        only read when computed). ValueError for unknown chunk sizes.

    Notes
    -----
    Unlike ``dask.array.gradient``, any chunking works (a chunk of one sample with
    ``edge_order=2`` takes its halo from two neighbouring chunks) and coordinates are
    treated as numpy treats them: exactly uniform coordinates are one step only if the
    whole axis is uniform. Each task copies its chunk and halo into one C-ordered window
    (no copy for a chunk that needs no halo) and makes one libgradient plan, computing
    every requested axis on the calling worker thread. Thread- and process-safe: the
    tasks share nothing.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from ndgradient.dask import gradient
    >>> f = da.from_array(np.arange(20.0).reshape(4, 5) ** 2, chunks=(1, 2))
    >>> gy, gx = gradient(f, 2.0, edge_order=2)
    >>> gx.chunks
    ((1, 1, 1, 1), (2, 2, 1))
    >>> gx[0].compute(scheduler="sync")
    array([0., 1., 2., 3., 4.])
    """
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    if not isinstance(x, da.Array):
        x = da.asarray(x)
    if any(math.isnan(n) for c in x.chunks for n in c):
        raise ValueError("ndgradient.dask.gradient: x has unknown chunk sizes; call "
                         "x.compute_chunk_sizes() first")
    shape, ndim = x.shape, x.ndim
    scheme_value = _api._scheme_value(scheme)

    # numpy's checks, on placeholders of the dask spacing arrays' shape and dtype (the
    # checks read no coordinate value); numpy arrays as numpy converts them.
    checked, spacing, deps = [], [], [x]
    for h in varargs:
        if isinstance(h, da.Array):
            checked.append(np.broadcast_to(np.zeros((), h.dtype), h.shape))
            whole = h.rechunk(-1) if h.ndim else h
            deps.append(whole)
            spacing.append((whole.name,) + (0,) * h.ndim)
        else:
            h = h if np.ndim(h) == 0 else np.asanyarray(h)
            checked.append(h)
            spacing.append(h)
    args = _api._check_arguments(shape, x.dtype, _api._dtype_scope(x.dtype), checked, axis,
                                 edge_order, scheme)
    axes, otype = args.axes, args.otype
    if not axes:
        return ()

    lazy = [i for i, h in enumerate(varargs) if isinstance(h, da.Array)]
    halos = _halos(args, lazy, shape, x.chunks, scheme_value)
    token = tokenize(x, axes, args.eo, scheme,
                     *[(type(s).__name__, s if isinstance(s, tuple) else tokenize(s))
                       for s in spacing])
    name = f"ndgradient-gradient-{token}"
    dsk = {}
    # numpy spacing arrays: one graph entry each, read by every task.
    for i, (h, s) in enumerate(zip(varargs, spacing)):
        if isinstance(s, np.ndarray):
            key = (f"ndgradient-spacing-{token}", i)
            dsk[key] = s
            spacing[i] = key
    pieces = [_axis_pieces(x.chunks[k], halos[k]) for k in range(ndim)]
    bounds = [[0, *itertools.accumulate(c)] for c in x.chunks]
    slab_name = f"ndgradient-halo-{token}"
    for index in itertools.product(*(range(len(c)) for c in x.chunks)):
        own, neighbours = zip(*(pieces[k][i] for k, i in enumerate(index)))
        own_dst = tuple(p[0] for p in own)
        own_src = tuple(p[1] for p in own)
        keys, copies = [(x.name, *index)], [(own_dst, own_src)]
        # Halo slabs of the face neighbours (along one axis, the block's extent along
        # the others), each cut by a task of its own so that only the slab (at most 2
        # samples thick) travels to the task's worker.
        for k, axis_pieces in enumerate(neighbours):
            for j, dst, src in axis_pieces:
                slab = (slab_name, *index, len(keys))
                chunk = (x.name, *index[:k], j, *index[k + 1:])
                dsk[slab] = (_Slab(own_src[:k] + (src,) + own_src[k + 1:]), chunk)
                keys.append(slab)
                copies.append((own_dst[:k] + (dst,) + own_dst[k + 1:], None))
        halo = [halos[k][i] for k, i in enumerate(index)]
        window = _Window(shape, tuple(bounds[k][i] for k, i in enumerate(index)),
                         tuple(h[0] for h in halo), tuple(h[1] for h in halo),
                         tuple(c[i] for c, i in zip(x.chunks, index)), copies, x.dtype,
                         axes, args.eo, scheme)
        dsk[(name, *index)] = (window, keys, list(spacing))
    meta = np.empty((0,) * ndim, dtype=otype)
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=deps)
    if len(axes) == 1:
        return da.Array(graph, name, chunks=x.chunks, meta=meta)
    blocks = da.Array(graph, name, chunks=x.chunks, meta=np.empty((0,) * ndim, object))
    outputs = []
    for k in range(len(axes)):
        out_name = f"ndgradient-gradient-{k}-{token}"
        layer = {(out_name, *key[1:]): (_output, key, k) for key in dsk if key[0] == name}
        g = HighLevelGraph.from_collections(out_name, layer, dependencies=[blocks])
        outputs.append(da.Array(g, out_name, chunks=x.chunks, meta=meta))
    return tuple(outputs)


def _halos(args, lazy: list, shape: tuple, chunks: tuple, scheme: int) -> list:
    """Per axis, per chunk along it: the halo ``(before, after)`` the library asks for a
    block of that chunk spanning the other axes. The halo depends on where a block lies,
    not on the spacing's values, so a dask coordinate array (its index in ``lazy``) is
    represented by zeros. ``scheme``: the ``grad_scheme`` value."""
    dx = list(args.dx)
    for i in lazy:
        if isinstance(dx[i], _api._Coordinates):
            dx[i] = _api._Coordinates(np.zeros(len(dx[i].given)), args.axes[i])
    halo_args = _api._Arguments(args.axes, dx, args.eo, args.n_varargs, args.otype)
    options = _lib.new_options(halo_args.spacing(), args.axes, args.eo, 1, scheme)
    try:
        halos = []
        for k, axis_chunks in enumerate(chunks):
            if k not in args.axes:
                halos.append([(0, 0)] * len(axis_chunks))
                continue
            per_chunk, start = [], 0
            for n in axis_chunks:
                block_start = tuple(start if j == k else 0 for j in range(len(shape)))
                block_shape = tuple(n if j == k else shape[j] for j in range(len(shape)))
                before, after = _lib.block_halo(options, shape, block_start, block_shape)
                per_chunk.append((before[k], after[k]))
                start += n
            halos.append(per_chunk)
    finally:
        _lib.free_options(options)
    return halos
