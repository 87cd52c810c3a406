"""``out=``: results written in place with no other allocation, the same objects
returned, aliasing rejected, nothing written on any error; and no copy of the input."""

import tracemalloc

import numpy as np
import pytest

from _support import Layout, assert_bitwise_array, numpy_gradient
from ndgradient import gradient

RNG = np.random.default_rng(2024)
F = RNG.standard_normal((6, 7))
X = np.cumsum(RNG.uniform(0.5, 1.5, 7))


def test_same_objects_are_returned():
    o = np.empty_like(F)
    assert gradient(F, axis=1, out=o) is o
    assert gradient(F, axis=1, out=(o,)) is o
    o0, o1 = np.empty_like(F), np.empty_like(F)
    r = gradient(F, 2.0, X, out=[o0, o1])
    assert isinstance(r, tuple) and r[0] is o0 and r[1] is o1
    e = numpy_gradient(F, 2.0, X)
    assert_bitwise_array(o0, e[0])
    assert_bitwise_array(o1, e[1])


def test_components_of_one_array():
    big = np.empty(F.shape + (2,))
    gradient(F, out=(big[..., 0], big[..., 1]))
    e = numpy_gradient(F)
    assert_bitwise_array(big[..., 0], e[0])
    assert_bitwise_array(big[..., 1], e[1])


def test_integer_data_writes_float64():
    f = np.arange(12, dtype=np.int16).reshape(3, 4) ** 2
    o = np.empty((3, 4), np.float64)
    gradient(f, axis=0, out=o)
    assert_bitwise_array(o, numpy_gradient(f, axis=0))


@pytest.mark.parametrize("layout", [Layout(perm=(1, 0), steps=(2, 3), flips=(True, False)),
                                    Layout(buffer="misaligned"), Layout(buffer="field")])
def test_any_out_layout(layout):
    o = layout.make(np.zeros(F.shape))
    gradient(F, X, axis=1, out=o)
    assert_bitwise_array(o, numpy_gradient(F, X, axis=1))


def _filled(shape, dtype=np.float64):
    return np.full(shape, 99.0, dtype)


BAD_OUTS = [
    ("wrong shape", lambda: _filled((6, 6)), ValueError),
    ("wrong dtype", lambda: _filled(F.shape, np.float32), TypeError),
    ("non-native dtype", lambda: _filled(F.shape, ">f8"), TypeError),
    ("read-only", lambda: np.broadcast_to(_filled(F.shape[1:]), F.shape), ValueError),
    ("not an array", lambda: [[0.0] * 7] * 6, TypeError),
    ("too many", lambda: (_filled(F.shape), _filled(F.shape)), ValueError),
    ("masked", lambda: np.ma.masked_array(_filled(F.shape)), TypeError),
]


@pytest.mark.parametrize("name,make,exc", BAD_OUTS, ids=[b[0] for b in BAD_OUTS])
def test_bad_out_raises_and_writes_nothing(name, make, exc):
    o = make()
    before = np.array(o, copy=True) if isinstance(o, np.ndarray) else None
    with pytest.raises(exc):
        gradient(F, axis=0, out=o)
    if before is not None:
        np.testing.assert_array_equal(o, before)


def test_out_count_for_several_axes():
    with pytest.raises(ValueError):
        gradient(F, out=np.empty_like(F))
    with pytest.raises(ValueError):
        gradient(F, out=(np.empty_like(F),))
    assert gradient(F, axis=(), out=()) == ()
    with pytest.raises(ValueError):
        gradient(F, axis=(), out=(np.empty_like(F),))


def test_numpy_errors_come_first_and_write_nothing():
    o = _filled(F.shape)
    with pytest.raises(np.exceptions.AxisError):
        gradient(F, axis=3, out=o)
    with pytest.raises(ValueError, match="distances must match"):
        gradient(F, [1.0, 2.0], axis=0, out=o)
    assert (o == 99).all()


@pytest.mark.parametrize("case", ["f itself", "f transposed", "overlapping slices",
                                  "two outs the same", "outs overlap", "coordinates",
                                  "out overlaps itself", "misaligned f view",
                                  "field out overlapping f"])
def test_aliasing_raises_value_error_and_writes_nothing(case):
    buf = RNG.standard_normal(200)
    f = buf[:120].reshape(10, 12)
    kw, args = {"axis": 1}, ()
    if case == "f itself":
        out = f
    elif case == "f transposed":
        f = buf[:100].reshape(10, 10)
        out = f.T
    elif case == "overlapping slices":
        out = buf[60:180].reshape(10, 12)
    elif case == "two outs the same":
        o = np.zeros((10, 12))
        out, kw = (o, o), {}
    elif case == "outs overlap":
        o = np.zeros(130)
        out, kw = (o[:120].reshape(10, 12), o[10:130].reshape(10, 12)), {}
    elif case == "coordinates":
        out = np.zeros((10, 12))
        big = np.zeros((10, 13))
        out = big[:, :12]
        big[0, :12] = np.arange(12.0)
        args = (big[0, :12],)  # the coordinates are inside the output
    elif case == "out overlaps itself":
        out = np.lib.stride_tricks.as_strided(np.zeros(12), (10, 12), (0, 8))
    elif case == "misaligned f view":
        raw = np.zeros(8 * 120 + 1, np.uint8)
        f = raw[1:].view(np.float64).reshape(10, 12)
        f[...] = 1.0
        out = f
    else:  # structured field output, overlapping f
        rec = np.zeros((10, 12), [("x", "f8"), ("pad", "u1", (3,))])
        f = rec["x"]
        f[...] = RNG.standard_normal((10, 12))
        out = rec["x"]
    outs = out if isinstance(out, tuple) else (out,)
    snapshots = [np.array(o, copy=True) for o in outs]
    f_before = np.array(f, copy=True)
    with pytest.raises(ValueError, match="memory"):
        gradient(f, *args, out=out, **kw)
    for o, s in zip(outs, snapshots):
        np.testing.assert_array_equal(o, s)
    np.testing.assert_array_equal(f, f_before)


def _peak(fn):
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("view", ["contiguous", "transposed", "reversed", "strided"])
def test_no_allocation_with_out_and_no_copy_of_f(view):
    base = RNG.standard_normal((400, 600))
    f = {"contiguous": base, "transposed": base.T, "reversed": base[::-1, ::-2],
         "strided": base[::2, 1::3]}[view]
    outs = tuple(np.empty(f.shape) for _ in range(2))
    x = np.cumsum(RNG.uniform(0.5, 1.5, f.shape[1]))
    gradient(f, 0.5, x, out=outs)  # warm up (imports, ctypes caches)
    peak = _peak(lambda: gradient(f, 0.5, x, out=outs))
    assert peak < 64 * 1024, f"out= call allocated {peak} bytes"
    e = numpy_gradient(f, 0.5, x)
    assert_bitwise_array(outs[0], e[0])
    assert_bitwise_array(outs[1], e[1])
    # without out: the two results and nothing of f's size besides
    peak = _peak(lambda: gradient(f, 0.5, x))
    assert peak < 2 * f.size * 8 + 64 * 1024, peak
