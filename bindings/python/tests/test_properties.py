"""Property tests: gradient() equals numpy.gradient bit for bit.

Random ranks (1-5), shapes down to the minimum axis length, memory layouts (transposed,
negative and non-unit strides, misaligned, strides that are not a multiple of the item
size, non-native byte order, broadcast), every data dtype, every spacing form (Python and
numpy scalars of every real type, 0-d arrays, coordinate arrays of every real dtype,
uniform or not, with NaN/Inf and repeats), axes and both edge orders.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from _support import (COMPLEX_DTYPES, FLOAT_DTYPES, INT_DTYPES, Layout, assert_bitwise,
                      assert_bitwise_array, assert_same_as_numpy, count, examples, gradient_cases, layouts,
                      numpy_gradient, outcome, public_type, random_values)
from ndgradient import gradient


def _snapshot(x):
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


@examples(1200)
@given(gradient_cases())
def test_matches_numpy(case):
    count("test_matches_numpy")
    kind, expected = outcome(numpy_gradient, case.f, *case.spacing, **case.kwargs())
    before = _snapshot(case.f)
    if kind == "raise":  # e.g. ZeroDivisionError: a Python 0 step at edge_order 2
        with pytest.raises(public_type(expected)):
            gradient(case.f, *case.spacing, **case.kwargs())
        return
    result = gradient(case.f, *case.spacing, **case.kwargs())
    assert_bitwise(result, expected)
    if isinstance(case.f, np.ndarray):
        np.testing.assert_array_equal(case.f, before)  # the input is never written


@examples(100)
@given(gradient_cases(max_size=200_000, allow_lists=False, big=True))
def test_large_arrays_match_numpy(case):
    """Arrays of 10^4 to 2*10^5 elements, for the library's code paths for long axes."""
    count("test_large_arrays_match_numpy")
    kind, expected = outcome(numpy_gradient, case.f, *case.spacing, **case.kwargs())
    if kind == "raise":
        with pytest.raises(public_type(expected)):
            gradient(case.f, *case.spacing, **case.kwargs())
        return
    assert_bitwise(gradient(case.f, *case.spacing, **case.kwargs()), expected)


@st.composite
def cases_with_out(draw):
    case = draw(gradient_cases(allow_lists=False))
    f = np.asarray(case.f)
    kind, expected = outcome(numpy_gradient, case.f, *case.spacing, **case.kwargs())
    assume(kind == "ok")
    results = expected if isinstance(expected, tuple) else (expected,)
    k = len(results)
    otype = results[0].dtype
    form = draw(st.sampled_from(["separate", "separate", "interleaved", "stacked"]))
    if form == "interleaved":
        big = np.full(f.shape + (k,), 7, otype)
        outs = [big[..., j] for j in range(k)]
    elif form == "stacked":
        big = np.full((k,) + f.shape, 7, otype)
        outs = list(big)
    else:
        outs = []
        for _ in range(k):
            lay = draw(layouts(f.ndim, allow_broadcast=False, allow_nonnative=False))
            outs.append(lay.make(np.full(f.shape, 7, otype)))
    case.notes.append(f"out form {form}")
    return case, expected, outs


@examples(500)
@given(cases_with_out(), st.booleans())
def test_out_writes_the_same_bits(data, as_tuple):
    count("test_out_writes_the_same_bits")
    case, expected, outs = data
    single = not isinstance(expected, tuple)
    out = (outs[0] if not as_tuple else (outs[0],)) if single else tuple(outs)
    result = gradient(case.f, *case.spacing, out=out, **case.kwargs())
    if single:
        assert result is outs[0]
        assert_bitwise_array(result, expected)
    else:
        assert isinstance(result, tuple) and len(result) == len(outs)
        for r, o, e in zip(result, outs, expected):
            assert r is o
            assert_bitwise_array(r, e)


# Every numpy scalar type (and 0-d array) as spacing, with every data dtype: the
# precision each one implies (reference §1.7) is mapped onto the right spacing kind.
SCALAR_MAKERS = {
    "python float": lambda v: float(v),
    "python int": lambda v: int(v),
    "python bool": lambda v: bool(v),
    **{f"np.{t.__name__}": (lambda t: lambda v: t(v))(t)
       for t in (np.float64, np.float32, np.int8, np.int16, np.int32, np.int64, np.uint8,
                 np.uint16, np.uint32, np.uint64, np.bool_)},
    **{f"0-d {t.__name__}": (lambda t: lambda v: np.array(v, dtype=t))(t)
       for t in (np.float64, np.float32, np.int8, np.int16, np.int32, np.int64, np.uint8,
                 np.uint16, np.uint32, np.uint64, np.bool_)},
}


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + COMPLEX_DTYPES + [np.int32, np.uint8])
@pytest.mark.parametrize("maker", sorted(SCALAR_MAKERS))
@pytest.mark.parametrize("edge_order", [1, 2])
def test_every_scalar_type(dtype, maker, edge_order):
    rng = np.random.default_rng(12345)
    f = random_values(rng, dtype, (5, 37), "normal", 0.02)
    values = [3, 7, 0.3, 1e-3, 100, 1, 0] if "bool" not in maker else [1, 0]
    for v in values:
        if "int" in maker and v != int(v):
            continue
        h = SCALAR_MAKERS[maker](v)
        for axis in (None, 0, -1):
            assert_same_as_numpy(gradient, f, h, axis=axis, edge_order=edge_order)
        # and as per-axis scalars, mixed with a Python number
        assert_same_as_numpy(gradient, f, h, 0.7, edge_order=edge_order)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + COMPLEX_DTYPES + INT_DTYPES)
def test_layouts_of_every_dtype(dtype):
    """The same values in many layouts give numpy's bits (deterministic companion of the
    property tests, one per dtype)."""
    rng = np.random.default_rng(7)
    values = random_values(rng, dtype, (4, 5, 6), "normal", 0.05)
    lays = [Layout(), Layout(perm=(2, 1, 0)), Layout(perm=(1, 2, 0), steps=(2, 1, 3),
            flips=(True, False, True)), Layout(buffer="misaligned"), Layout(buffer="field"),
            Layout(buffer="nonnative", flips=(False, True, False)), Layout(broadcast_axis=1)]
    x = np.cumsum(rng.uniform(0.1, 1, 6))
    for lay in lays:
        f = lay.make(values)
        for eo in (1, 2):
            assert_bitwise(gradient(f, 0.5, 2, x, edge_order=eo),
                           numpy_gradient(f, 0.5, 2, x, edge_order=eo))
