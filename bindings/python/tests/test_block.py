"""``block_halo()`` and ``gradient_block()``: one block of a larger array, from the block
and its halo, equals that block of numpy.gradient of the whole array, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.exceptions import AxisError

import _support
from _support import assert_bitwise, examples, gradient_cases, numpy_gradient, outcome
from ndgradient import block_halo, gradient_block


def _cut(result, box):
    """numpy's result (an array or a tuple) cut to ``box`` (a tuple of slices)."""
    if isinstance(result, tuple):
        return tuple(r[box] for r in result)
    return result[box]


def _window(f, start, shape, before, after):
    """The block of ``f`` at ``start`` of ``shape`` with its halo."""
    return f[tuple(slice(s - b, s + n + a) for s, n, b, a in zip(start, shape, before, after))]


# ------------------------------------------------------------------------ block_halo

@pytest.mark.parametrize("global_shape,start,shape,kwargs,expected", [
    # Interior blocks reach one sample each side along each differentiated axis.
    ((10,), (3,), (4,), {}, ((1,), (1,))),
    ((10,), (0,), (4,), {}, ((0,), (1,))),          # at the global start
    ((10,), (6,), (4,), {}, ((1,), (0,))),          # at the global end
    ((10,), (0,), (10,), {}, ((0,), (0,))),         # the whole axis
    ((10, 8), (2, 3), (3, 2), {"axis": 1}, ((0, 1), (0, 1))),  # axis 0 not differentiated
    # edge_order 2: the edge formula reads 3 samples from the edge.
    ((10,), (0,), (1,), {"edge_order": 2}, ((0,), (2,))),
    ((10,), (0,), (2,), {"edge_order": 2}, ((0,), (1,))),
    ((10,), (9,), (1,), {"edge_order": 2}, ((2,), (0,))),
    ((10,), (8,), (2,), {"edge_order": 2}, ((1,), (0,))),
    ((10,), (1,), (1,), {"edge_order": 2}, ((1,), (1,))),
    ((10,), (4,), (0,), {}, ((0,), (0,))),          # an empty block needs nothing
])
def test_block_halo_hand_derived(global_shape, start, shape, kwargs, expected):
    assert block_halo(global_shape, start, shape, **kwargs) == expected


def test_block_halo_takes_the_spacing_of_the_global_array():
    x = np.cumsum(np.arange(1.0, 11.0))  # 10 coordinates: the global axis's length
    assert block_halo((10, 4), (5, 0), (2, 4), x, 0.5) == ((1, 0), (1, 0))
    with pytest.raises(ValueError, match="distances must match"):
        block_halo((10, 4), (5, 0), (2, 4), x[:2], 0.5)  # the block's length is not it


@pytest.mark.parametrize("args,kwargs,exc,match", [
    (((10,), (8,), (4,)), {}, ValueError, "block"),             # past the global end
    (((10, 4), (0,), (4, 4)), {}, ValueError, "start has 1 entries"),
    (((10,), (-1,), (4,)), {}, ValueError, "negative"),
    (((10,), (1.5,), (4,)), {}, TypeError, "ints"),
    (((1,), (0,), (1,)), {}, ValueError, "too small"),           # numpy's, on the global shape
    (((10,), (0,), (1,)), {"axis": 1}, AxisError, "axis 1"),
    (((10,), (0,), (1,)), {"edge_order": 3}, ValueError, "edge_order"),
])
def test_block_halo_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        block_halo(*args, **kwargs)


# ------------------------------------------------------------------------ gradient_block

@st.composite
def blocks(draw, shape):
    """A block (start, shape) of an array of ``shape``: empty, one sample, or any box."""
    start, size = [], []
    for n in shape:
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, n))
        start.append(a)
        size.append(b - a)
    return tuple(start), tuple(size)


@examples(150)
@given(case=gradient_cases(allow_lists=False, max_size=400), data=st.data())
def test_every_block_is_numpys_block(case, data):
    """Random calls (every dtype, layout, spacing form, axis and edge order), a random
    block and a halo of at least block_halo()'s: the block of numpy's result, or numpy's
    exception type for the global array."""
    f = case.f
    start, shape = data.draw(blocks(f.shape))
    box = tuple(slice(s, s + n) for s, n in zip(start, shape))
    kind, expected = outcome(numpy_gradient, f, *case.spacing, **case.kwargs())
    got_kind, halo = outcome(block_halo, f.shape, start, shape, *case.spacing,
                             **case.kwargs())
    if kind == "raise":
        assert got_kind == "raise", f"numpy raised {expected!r}; block_halo returned"
        assert _support.public_type(halo) is _support.public_type(expected), (halo, expected)
        return
    assert got_kind == "ok", halo
    before, after = halo
    # A wider halo is accepted: up to 2 more samples, where the global array has them.
    before = tuple(min(s, b + data.draw(st.integers(0, 2))) for s, b in zip(start, before))
    after = tuple(min(n - s - m, a + data.draw(st.integers(0, 2)))
                  for n, s, m, a in zip(f.shape, start, shape, after))
    window = _window(f, start, shape, before, after)
    got = gradient_block(window, *case.spacing, global_shape=f.shape, start=start,
                         halo_before=before, halo_after=after, **case.kwargs())
    assert_bitwise(got, _cut(expected, box))
    _support.count("test_every_block_is_numpys_block")


def test_uniform_inside_the_window_but_not_globally():
    """numpy decides uniformity over the whole axis: a block whose coordinates are
    uniform in its window still uses the non-uniform formula (dask.array.gradient's
    mistake), and vice versa."""
    x = np.concatenate([np.arange(8.0) * 3, 21 + np.arange(1.0, 9) * 5])
    f = np.sin(np.arange(16) * 0.37)
    expected = numpy_gradient(f, x)
    got = gradient_block(f[1:7], x, global_shape=(16,), start=(2,), halo_before=(1,),
                         halo_after=(1,))
    assert_bitwise(got, expected[2:6])
    # The window's own coordinates, taken as a whole array, give other bits.
    assert not np.array_equal(numpy_gradient(f[1:7], x[1:7])[1:-1], expected[2:6])


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.int16, np.uint8])
@pytest.mark.parametrize("h", [0.3, np.float64(0.3), np.float32(0.3), np.int16(3),
                               np.uint8(2)])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_precision_rules_of_scalar_steps(dtype, h, edge_order):
    """numpy's promotion of the step (Python number, numpy float64/float32, small numpy
    ints, whose complex64 edges numpy divides in complex64) on blocks at both global edges
    and inside, and on empty blocks at a global edge (their windows hold no edge)."""
    rng = np.random.default_rng(5)
    f = _support.random_values(rng, dtype, (9, 7), "normal", 0.0)
    expected = numpy_gradient(f, h, edge_order=edge_order)
    for start, shape in [((0, 0), (3, 7)), ((3, 2), (3, 3)), ((6, 4), (3, 3)),
                         ((8, 6), (1, 1)), ((0, 0), (9, 7)), ((8, 6), (0, 1)),
                         ((0, 7), (2, 0))]:
        before, after = block_halo(f.shape, start, shape, h, edge_order=edge_order)
        got = gradient_block(_window(f, start, shape, before, after), h, global_shape=f.shape,
                             start=start, halo_before=before, halo_after=after,
                             edge_order=edge_order)
        box = tuple(slice(s, s + n) for s, n in zip(start, shape))
        assert_bitwise(got, _cut(expected, box))


def test_out_is_written_and_returned():
    f = np.arange(30.0).reshape(5, 6) ** 2
    out = (np.full((2, 3), 7.0), np.full((3, 2), 7.0).T)
    got = gradient_block(f[1:5, 2:6], global_shape=(5, 6), start=(2, 3), halo_before=(1, 1),
                         halo_after=(1, 0), out=out)
    assert got[0] is out[0] and got[1] is out[1]
    assert_bitwise(got, _cut(numpy_gradient(f), (slice(2, 4), slice(3, 6))))


def test_a_single_axis_returns_an_array_and_no_axis_an_empty_tuple():
    f = np.arange(10.0) ** 2
    got = gradient_block(f[2:7], global_shape=(10,), start=(3,), halo_before=(1,),
                         halo_after=(1,), axis=0)
    assert isinstance(got, np.ndarray)
    assert gradient_block(f[3:6], global_shape=(10,), start=(3,), halo_before=(0,),
                          halo_after=(0,), axis=()) == ()


def _call(f, **kwargs):
    block = {"global_shape": (10,), "start": (3,), "halo_before": (1,), "halo_after": (1,)}
    block.update(kwargs)
    return gradient_block(f, **block)


F = np.arange(10.0)


@pytest.mark.parametrize("f,kwargs,exc,match", [
    (F[2:7], {"halo_before": (0,)}, ValueError, "halo"),           # HALO_TOO_SMALL
    (F[2:7], {"halo_after": (0,)}, ValueError, "halo"),
    (F[2:7], {"start": (8,)}, ValueError, "block covers"),         # INVALID_BLOCK: past the end
    (F[2:7], {"start": (7,)}, ValueError, "halo_after"),           # INVALID_BLOCK: the halo
    (F[0:5], {"start": (0,)}, ValueError, "halo_before"),          # before the global start
    (F[2:7], {"global_shape": (10, 1)}, ValueError, "2 entries"),
    (F[2:7], {"start": (3.0,)}, TypeError, "ints"),
    (F[2:7], {"halo_before": (-1,)}, ValueError, "negative"),
    (F[2:4], {"halo_before": (2,)}, ValueError, "longer than f"),
    (F[2:7], {"global_shape": (1,), "start": (0,), "halo_before": (0,), "halo_after": (0,)},
     ValueError, "too small"),                                     # numpy's, global shape
])
def test_errors(f, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        _call(f, **kwargs)


def test_errors_write_nothing():
    out = np.full(3, 42.0)
    with pytest.raises(ValueError, match="halo"):
        gradient_block(F[3:7], global_shape=(10,), start=(3,), halo_before=(0,),
                       halo_after=(1,), out=out)
    assert (out == 42.0).all()


def test_global_coordinates_are_checked_against_the_global_axis():
    x = np.arange(5.0)  # the block's length, not the global one
    with pytest.raises(ValueError, match="distances must match"):
        gradient_block(F[2:7], x, global_shape=(10,), start=(3,), halo_before=(1,),
                       halo_after=(1,))
