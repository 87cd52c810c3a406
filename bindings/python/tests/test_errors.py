"""Errors: every bad input numpy rejects raises the same exception type here, in
numpy's order of checks; on any error nothing is written to ``out``; and the inputs
numpy accepts but this binding deliberately rejects (documented in README.md) raise
TypeError or ValueError."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.exceptions import AxisError
from numpy.lib.array_utils import normalize_axis_tuple

from _support import (assert_bitwise, count, examples, numpy_gradient, outcome,
                      public_type)
import ndgradient
from ndgradient import gradient

EDGE_ORDERS = [1, 2, 1, 2, 3, 2.5, None, "1", 0, -1, 1.5, True, False, 2.0, np.int64(2),
               float("nan"), 1 + 0j]


def _ours_rejects_edge_order(eo) -> bool:
    """edge_order values numpy lets through its `> 2` check that we reject."""
    try:
        if eo > 2:
            return False
    except TypeError:
        return False
    return not (eo == 1 or eo == 2)


@st.composite
def maybe_bad_calls(draw):
    """A call that is often invalid, with flags for what lies outside our scope."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    unsupported = []
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    fkind = draw(st.sampled_from(["float64"] * 5 + ["int32", "float32", "complex64", "bool",
                                                    "str", "float16", "object", "list"]))
    if fkind == "str":
        f = np.full(shape, "a")
    elif fkind == "object":
        f = rng.standard_normal(shape).astype(object)
    elif fkind == "list":
        f = rng.standard_normal(shape).tolist() if 0 not in shape else np.zeros(shape)
    else:
        f = (rng.standard_normal(shape) * 5).astype(fkind)
    if fkind in ("bool", "str", "float16", "object"):
        unsupported.append(f"f {fkind}")
    axis = draw(st.one_of(
        st.none(), st.none(), st.integers(-4, 4),
        st.lists(st.integers(-4, 4), max_size=3).map(tuple),
        st.sampled_from([1.5, [0], (), "a", np.int64(0), [0, 0], (-1, 0)])))
    n = draw(st.integers(0, 4))
    spacing = []
    for _ in range(n):
        kind = draw(st.sampled_from([
            "py_float", "py_float", "py_int", "zero", "np_float64", "np_float64_zero", "none",
            "str", "complex", "np_float16", "coords", "coords", "coords", "coords_2d",
            "coords_bool", "coords_str", "coords_complex", "coords_f16", "ragged",
            "coords_list", "np_complex", "0d_object"]))
        k = draw(st.integers(0, 5))
        if kind == "py_float":
            s = draw(st.floats(-10, 10))
        elif kind == "py_int":
            s = draw(st.integers(-3, 3))
        elif kind == "zero":
            s = draw(st.sampled_from([0, 0.0, -0.0, False]))
        elif kind == "np_float64":
            s = np.float64(draw(st.floats(-10, 10)))
        elif kind == "np_float64_zero":
            s = np.float64(0.0)
        elif kind == "none":
            s = None
        elif kind == "str":
            s = "1"
        elif kind == "complex":
            s, _ = 1 + 1j, unsupported.append("complex spacing")
        elif kind == "np_complex":
            s, _ = np.complex128(2 + 0j), unsupported.append("complex spacing")
        elif kind == "np_float16":
            s, _ = np.float16(0.5), unsupported.append("float16 spacing")
        elif kind == "0d_object":
            s, _ = np.array(0.5, dtype=object), unsupported.append("object spacing")
        elif kind == "coords":
            s = np.cumsum(rng.uniform(0.5, 2, k))
        elif kind == "coords_list":
            s = list(range(k))
        elif kind == "coords_2d":
            s = np.ones((k, 2))
        elif kind == "coords_bool":
            s, _ = np.arange(k) % 2 == 0, unsupported.append("bool coordinates")
        elif kind == "coords_str":
            s = np.array(["a"] * k)
        elif kind == "coords_complex":
            s, _ = np.arange(k) + 0.5j, unsupported.append("complex coordinates")
        elif kind == "coords_f16":
            s, _ = np.arange(k, dtype=np.float16), unsupported.append("float16 coordinates")
        else:  # ragged
            s = [[1, 2], [3]]
        spacing.append(s)
    edge_order = draw(st.sampled_from(EDGE_ORDERS))
    with_out = draw(st.booleans())
    return f, spacing, axis, edge_order, with_out, unsupported


def _sentinel_outs(f, axis):
    """Outputs of the right shape/dtype for the call, filled with a sentinel."""
    a = np.asarray(f)
    try:
        k = a.ndim if axis is None else len(normalize_axis_tuple(axis, a.ndim))
    except Exception:  # noqa: BLE001
        k = 1
    if a.ndim == 0 or k == 0:
        return None, []
    otype = a.dtype if a.dtype.kind in "fc" else np.dtype(np.float64)
    outs = [np.full(a.shape, 1234, otype) for _ in range(k)]
    return (outs[0] if k == 1 else tuple(outs)), outs


@examples(400)
@given(maybe_bad_calls())
def test_same_exception_types_as_numpy(call):
    count("test_same_exception_types_as_numpy")
    f, spacing, axis, edge_order, with_out, unsupported = call
    kw = {"edge_order": edge_order}
    if axis is not None:
        kw["axis"] = axis
    kind, expected = outcome(numpy_gradient, f, *spacing, **kw)
    out, outs = _sentinel_outs(f, axis) if with_out else (None, [])
    got_kind, got = outcome(gradient, f, *spacing, out=out, **kw)

    if got_kind == "raise":
        for o in outs:  # nothing written on any error
            assert (o == 1234).all()

    if _ours_rejects_edge_order(edge_order):
        # numpy lets this edge_order through its check and fails later or not at all;
        # we stop at that check. Errors numpy finds before it must still match.
        k3, e3 = outcome(numpy_gradient, f, *spacing, **{**kw, "edge_order": 3})
        assert k3 == "raise"
        if "'edge_order' greater than 2" in str(e3):
            assert got_kind == "raise" and type(got) is ValueError, got
        else:
            assert got_kind == "raise" and public_type(got) is public_type(e3), (e3, got)
        return
    if kind == "raise":
        assert got_kind == "raise", f"numpy raised {expected!r}, we returned"
        assert public_type(got) is public_type(expected), f"numpy {expected!r}, ours {got!r}"
        return
    if got_kind == "raise":
        # numpy computed something we deliberately do not: must be a documented case.
        assert unsupported, f"numpy returned, we raised {got!r}"
        assert type(got) is TypeError, got
        return
    assert_bitwise(got, expected)
    if outs:
        assert got is out or all(g is o for g, o in zip(got, outs))


# --------------------------------------------------------------------------- §2.2 table

F1 = np.array([5.0, 7, 4, 8])
F2 = np.array([[1.0, 2, 6], [3, 4, 5]])

NUMPY_ERRORS = [
    ("spacing count", (F2, 1.0, 2.0, 3.0), {}, TypeError),
    ("spacing count with axis", (F2, 2.0, 3.0), {"axis": 1}, TypeError),
    ("one array for two axes", (F2, [1, 2, 3]), {}, TypeError),
    ("2-d spacing", (F1, np.ones((4, 1))), {}, ValueError),
    ("wrong length", (F1, [0, 1, 2]), {}, ValueError),
    ("length 1 coordinates", (np.zeros(1), [3.0]), {}, IndexError),
    ("length 0 coordinates", (np.zeros((0, 3)), []), {"axis": 0}, IndexError),
    ("edge_order 3", (F1,), {"edge_order": 3}, ValueError),
    ("edge_order 2.5", (F1,), {"edge_order": 2.5}, ValueError),
    ("edge_order None", (F1,), {"edge_order": None}, TypeError),
    ("edge_order str", (F1,), {"edge_order": "1"}, TypeError),
    ("length error before edge_order", (F1, [0, 1]), {"edge_order": 3}, ValueError),
    ("axis before edge_order", (F2,), {"axis": 5, "edge_order": 3}, AxisError),
    ("too small", (np.zeros(1),), {}, ValueError),
    ("too small eo2", (np.zeros(2),), {"edge_order": 2}, ValueError),
    ("too small axis 0 of (1,4)", (np.zeros((1, 4)),), {}, ValueError),
    ("too small with coordinates", (F2, 2, [1, 2, 4]), {"edge_order": 2}, ValueError),
    ("axis out of bounds", (F2,), {"axis": 2}, AxisError),
    ("negative axis out of bounds", (F2,), {"axis": -3}, AxisError),
    ("repeated axis", (F2,), {"axis": (0, -2)}, ValueError),
    ("float axis", (F2,), {"axis": 1.5}, TypeError),
    ("0-d with axis", (np.array(5.0),), {"axis": 0}, AxisError),
    ("0-d with two spacings", (5.0, 1, 2), {}, TypeError),
    ("None spacing", (F1, None), {}, TypeError),
    ("str spacing", (F1, "1"), {}, TypeError),
    ("bool data", (np.array([True, False, True]),), {}, TypeError),
    ("str data", (np.array(["a", "b", "c"]),), {}, TypeError),
    ("Python zero step, eo2", (F1, 0), {"edge_order": 2}, ZeroDivisionError),
    ("Python False step, eo2", (F1, False), {"edge_order": 2}, ZeroDivisionError),
    ("Python huge int step", (F1, 10**400), {}, OverflowError),
    ("ragged spacing", (F2, [[1, 2], [3]]), {}, ValueError),
    ("ragged data", ([[1, 2], [3]],), {}, ValueError),
    ("str coordinates", (F1, ["a", "b", "c", "d"]), {}, TypeError),
    ("bool data, too small later axis", (np.ones((3, 1), bool),), {}, TypeError),
]


@pytest.mark.parametrize("name,args,kwargs,exc", NUMPY_ERRORS, ids=[e[0] for e in NUMPY_ERRORS])
def test_numpy_error_table(name, args, kwargs, exc):
    with pytest.raises(exc) as theirs:
        numpy_gradient(*args, **kwargs)
    assert public_type(theirs.value) is exc
    with pytest.raises(exc) as ours:
        gradient(*args, **kwargs)
    assert public_type(ours.value) is exc


def test_zero_step_is_fine_as_numpy_scalar_and_at_edge_order_1():
    for h in (np.float64(0), 0, 0.0):
        assert_bitwise(gradient(F1, h), numpy_gradient(F1, h))
    assert_bitwise(gradient(F1, np.float64(0), edge_order=2),
                   numpy_gradient(F1, np.float64(0), edge_order=2))


def test_bool_data_raises_numpys_error_in_numpys_order():
    # numpy computes axis 0 (non-uniform coordinates, edge_order 2: no subtraction of
    # bools) and then finds axis 1 too short: ValueError, not TypeError.
    f = np.ones((4, 2), bool)
    x = [0.0, 1.0, 3.0, 3.5]
    with pytest.raises(ValueError):
        np.gradient(f, x, 1.0, edge_order=2)
    with pytest.raises(ValueError):
        gradient(f, x, 1.0, edge_order=2)


# --------------------------------------------------------------------------- differences

@pytest.mark.parametrize("eo", [0, -1, 1.5, False, float("nan"), -2])
def test_nonsense_edge_order_raises_value_error(eo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kind, _ = outcome(np.gradient, np.arange(5.0), edge_order=eo)
    assert kind == "ok" or eo in (0,)  # numpy accepts these (or fails by accident)
    with pytest.raises(ValueError, match="edge_order"):
        gradient(np.arange(5.0), edge_order=eo)


@pytest.mark.parametrize("eo,expected", [(True, 1), (1.0, 1), (2.0, 2), (np.int64(2), 2),
                                         (np.float64(1.0), 1)])
def test_integral_edge_orders_are_accepted(eo, expected):
    f = np.array([1.0, 2, 4, 7, 11])
    assert_bitwise(gradient(f, edge_order=eo), np.gradient(f, edge_order=expected))


UNSUPPORTED = [
    ("float16 data", (np.arange(4, dtype=np.float16),)),
    ("longdouble data", (np.arange(4, dtype=np.longdouble),)),
    ("clongdouble data", (np.arange(4, dtype=np.clongdouble),)),
    ("datetime64 data", (np.arange(4).astype("M8[D]"),)),
    ("timedelta64 data", (np.arange(4).astype("m8[s]"),)),
    ("object data", (np.arange(4).astype(object),)),
    ("masked data", (np.ma.masked_array(np.arange(4.0), [0, 1, 0, 0]),)),
    ("bool data, coordinates, eo2", (np.array([True, False, True, True]),
                                     [0.0, 1.0, 3.0, 3.5], {"edge_order": 2})),
    ("complex spacing", (np.arange(4.0), 1j)),
    ("complex spacing, complex data", (np.arange(4.0) * 1j, 2 + 0j)),
    ("numpy complex spacing", (np.arange(4.0), np.complex64(2))),
    ("float16 spacing", (np.arange(4.0), np.float16(0.5))),
    ("longdouble spacing", (np.arange(4.0), np.longdouble(0.5))),
    ("Fraction spacing", (np.arange(4.0), __import__("fractions").Fraction(1, 3))),
    ("float16 coordinates", (np.arange(4.0), np.arange(4, dtype=np.float16))),
    ("longdouble coordinates", (np.arange(4.0), np.arange(4, dtype=np.longdouble))),
    ("complex coordinates", (np.arange(4.0), np.arange(4) * (1 + 1j))),
    ("bool coordinates, uniform", (np.arange(3.0), np.array([False, True, False]))),
    ("masked coordinates", (np.arange(4.0), np.ma.masked_array(np.arange(4.0)))),
]


@pytest.mark.parametrize("name,args", UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_outside_scope_raises_type_error(name, args):
    kw = args[-1] if isinstance(args[-1], dict) else {}
    args = args[:-1] if kw else args
    kind, _ = outcome(numpy_gradient, *args, **kw)
    assert kind == "ok"  # numpy computes these; we refuse with a clear TypeError
    with pytest.raises(TypeError, match="not supported"):
        gradient(*args, **kw)


def test_outside_scope_still_zero_d_and_empty_axes():
    # numpy returns () before any arithmetic: so do we, whatever the dtype.
    assert gradient(np.float16(3)) == ()
    assert gradient(np.ones((2, 3), np.float16), axis=()) == ()
    assert gradient(np.array(True)) == ()


def test_messages_are_clear():
    with pytest.raises(TypeError, match="float16"):
        gradient(np.arange(4, dtype=np.float16))
    with pytest.raises(ValueError, match="edge_order must be 1 or 2"):
        gradient(np.arange(4.0), edge_order=0)
    assert math.isfinite(gradient(np.arange(4.0))[0])


@pytest.mark.parametrize("call,exc,details", [
    # numpy's own words first, then which axis, what length, what was expected
    (lambda g: g(np.zeros((4, 5)), 1.0, np.arange(4.0)), ValueError,
     ["distances must match", "axis 1", "spacing argument 1", "have 4 values",
      "has length 5"]),
    (lambda g: g(np.zeros((4, 5)), np.arange(4.0), 1.0, axis=(1, 0)), ValueError,
     ["distances must match", "axis 1", "spacing argument 0", "has length 5"]),
    (lambda g: g(np.zeros((4, 5)), 1.0, np.zeros((5, 1))), ValueError,
     ["scalars or 1d", "axis 1", "2 dimensions", "(5, 1)"]),
    (lambda g: g(np.zeros((4, 5)), 1.0, 2.0, 3.0), TypeError,
     ["invalid number of arguments", "3 spacing arguments", "2 requested axes"]),
    (lambda g: g(np.zeros((4, 2)), edge_order=2), ValueError,
     ["too small", "Axis 1 has length 2", "at least 3"]),
    (lambda g: g(np.zeros(4), edge_order=3), ValueError,
     ["greater than 2", "got 3", "expected 1 or 2"]),
    (lambda g: g(np.zeros((1, 4)), np.arange(1.0), 1.0), IndexError,
     ["out of bounds", "axis 0 have 1 values", "at least 2"]),
])
def test_errors_carry_the_detail(call, exc, details):
    """numpy's exception type and message, followed by which axis, what length and what
    was expected; the same from a Plan."""
    with pytest.raises(exc):
        call(numpy_gradient)
    with pytest.raises(exc) as e:
        call(ndgradient.gradient)
    for d in details:
        assert d in str(e.value), (d, str(e.value))
    with pytest.raises(exc) as e:
        call(lambda f, *a, **k: ndgradient.Plan(f.shape, f.dtype, *a, **k))
    for d in details:
        assert d in str(e.value), (d, str(e.value))
