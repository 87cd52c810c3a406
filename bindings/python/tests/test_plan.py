"""ndgradient.Plan: the same results as numpy.gradient (bit for bit) and the same errors as
gradient() (type and message), reuse, layouts, freeing and threads."""

import doctest
import gc
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.exceptions import AxisError

import ndgradient as gradient_package
from _support import (Layout, assert_bitwise, assert_bitwise_array, assert_same_as_numpy,
                      count, examples, gradient_cases, layouts, numpy_gradient, outcome,
                      public_type, random_values)
from ndgradient import Plan, _api, _lib, _plan, gradient
from test_errors import NUMPY_ERRORS, UNSUPPORTED, maybe_bad_calls


def _describable(f: np.ndarray) -> bool:
    """Whether ``f.strides`` can be given as a plan's ``strides`` (item-size multiples)."""
    return all(n <= 1 or s % f.itemsize == 0 for n, s in zip(f.shape, f.strides))


def _plan_for(case, **kw):
    f = np.asarray(case.f)
    return Plan(f.shape, f.dtype, *case.spacing, **case.kwargs(), **kw)


# ------------------------------------------------------------------- results

@examples(400)
@given(gradient_cases(), st.booleans())
def test_plan_matches_numpy(case, planned_layout):
    """Random calls: the plan raises at construction exactly when numpy raises (same
    type), else every call returns numpy's bits, the planned layout or not."""
    count("test_plan_matches_numpy")
    kind, expected = outcome(numpy_gradient, case.f, *case.spacing, **case.kwargs())
    f = np.asarray(case.f)
    kw = {}
    if planned_layout and isinstance(case.f, np.ndarray) and _describable(f):
        kw["strides"] = f.strides
    if kind == "raise":
        with pytest.raises(public_type(expected)):
            _plan_for(case, **kw)
        return
    with _plan_for(case, **kw) as plan:
        before = np.array(f, copy=True)
        assert_bitwise(plan(case.f), expected)
        assert_bitwise(plan(case.f), expected)  # reused
        np.testing.assert_array_equal(f, before)  # the input is never written


@examples(200)
@given(gradient_cases(allow_lists=False), st.data())
def test_plan_out_writes_the_same_bits(case, data):
    count("test_plan_out_writes_the_same_bits")
    kind, expected = outcome(numpy_gradient, case.f, *case.spacing, **case.kwargs())
    if kind == "raise":
        return
    results = expected if isinstance(expected, tuple) else (expected,)
    outs = []
    for r in results:
        lay = data.draw(layouts(r.ndim, allow_broadcast=False, allow_nonnative=False))
        outs.append(lay.make(np.full(r.shape, 7, r.dtype)))
    out = outs[0] if len(outs) == 1 else tuple(outs)
    with _plan_for(case) as plan:
        got = plan(case.f, out=out)
        assert got is out if len(outs) == 1 else all(g is o for g, o in zip(got, outs))
        assert_bitwise(got, expected)


@examples(300)
@given(maybe_bad_calls())
def test_same_errors_as_gradient(call):
    """Often invalid calls: a plan raises what gradient() raises, the same type and
    message, and returns what it returns."""
    count("test_same_errors_as_gradient")
    f, spacing, axis, edge_order, with_out, _ = call
    kw = {"edge_order": edge_order}
    if axis is not None:
        kw["axis"] = axis
    a = np.asarray(f)
    expected_kind, expected = outcome(gradient, f, *spacing, **kw)
    got_kind, got = outcome(lambda: Plan(a.shape, a.dtype, *spacing, **kw)(f))
    assert got_kind == expected_kind, (expected, got)
    if expected_kind == "raise":
        assert type(got) is type(expected) and str(got) == str(expected), (expected, got)
    else:
        assert_bitwise(got, numpy_gradient(f, *spacing, **kw))


#: numpy's errors that concern the arguments a plan takes (not a ragged ``f``).
PLANNABLE_ERRORS = [e for e in NUMPY_ERRORS if e[0] != "ragged data"]


@pytest.mark.parametrize("name,args,kwargs,exc", PLANNABLE_ERRORS,
                         ids=[e[0] for e in PLANNABLE_ERRORS])
def test_numpy_errors_are_raised_at_construction(name, args, kwargs, exc):
    f, spacing = args[0], args[1:]
    a = np.asarray(f)
    with pytest.raises(exc) as ours:
        Plan(a.shape, a.dtype, *spacing, **kwargs)
    with pytest.raises(exc) as theirs:
        gradient(f, *spacing, **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name,args", UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_outside_scope_raises_type_error_at_construction(name, args):
    kw = args[-1] if isinstance(args[-1], dict) else {}
    args = args[:-1] if kw else args
    f, spacing = args[0], args[1:]
    if isinstance(f, np.ma.MaskedArray):
        plan = Plan(f.shape, f.dtype, *spacing, **kw)  # masked: a property of the array
        with pytest.raises(TypeError, match="masked"):
            plan(f)
        return
    with pytest.raises(TypeError, match="not supported"):
        Plan(f.shape, f.dtype, *spacing, **kw)


def test_reuse_on_many_inputs():
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.uniform(0.1, 1, 33))
    with Plan((17, 33), np.float32, np.float64(0.25), x, edge_order=2) as plan:
        outs = (np.empty((17, 33), np.float32), np.empty((17, 33), np.float32))
        for i in range(60):
            f = random_values(rng, np.float32, (17, 33), "normal", 0.02 * (i % 3))
            expected = numpy_gradient(f, np.float64(0.25), x, edge_order=2)
            assert_bitwise(plan(f), expected)
            got = plan(f, out=outs)
            assert all(g is o for g, o in zip(got, outs))
            assert_bitwise(outs, expected)


def test_coordinates_are_copied():
    x = np.array([0.0, 1, 3, 3.5])
    f = np.array([5.0, 7, 4, 8])
    plan = Plan(4, np.float64, x)
    expected = numpy_gradient(f, x.copy())
    x[:] = [9, 8, 7, 6]  # changing the caller's array does not change the plan
    assert_bitwise(plan(f), expected)
    # and an output may share memory with the coordinates the plan no longer reads
    assert_bitwise(plan(f, out=x), expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64,
                                   np.int8, np.uint16, np.int64])
def test_every_dtype_and_both_byte_orders(dtype):
    rng = np.random.default_rng(11)
    f = random_values(rng, dtype, (6, 7), "normal", 0.0)
    swapped = f.astype(f.dtype.newbyteorder("S"))
    for planned in (f.dtype, swapped.dtype):
        with Plan(f.shape, planned, 0.5, np.int16(3), edge_order=2) as plan:
            for data in (f, swapped):
                got, want = plan(data), gradient(data, 0.5, np.int16(3), edge_order=2)
                assert_bitwise(got, numpy_gradient(data, 0.5, np.int16(3), edge_order=2))
                assert [g.dtype for g in got] == [w.dtype for w in want]


def test_complex64_with_small_integer_step_edges():
    """gradient()'s two extra edge calls (numpy divides those edges in complex64)."""
    rng = np.random.default_rng(2)
    f = random_values(rng, np.complex64, (5, 9), "wide", 0.0)
    for h in (np.int8(3), np.uint16(7), np.array(np.int16(5))):
        with Plan(f.shape, f.dtype, h) as plan:
            assert_bitwise(plan(f), numpy_gradient(f, h))


def test_no_axes():
    assert Plan((), np.float64)(np.float64(3)) == ()
    plan = Plan((2, 3), np.float16, axis=())
    assert plan(np.ones((2, 3), np.float16)) == ()
    assert plan(np.ones((2, 3), np.float16), out=()) == ()
    with pytest.raises(ValueError, match="no axes"):
        plan(np.ones((2, 3), np.float16), out=np.ones((2, 3)))


# ------------------------------------------------------------------- calls

def test_shape_and_dtype_mismatch_name_both():
    plan = Plan((4, 5), np.float64)
    with pytest.raises(ValueError, match=r"shape \(4, 6\).*float64.*shape \(4, 5\)"):
        plan(np.zeros((4, 6)))
    with pytest.raises(ValueError, match=r"dtype float32.*dtype float64"):
        plan(np.zeros((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"shape \(20,\)"):
        plan(np.zeros(20))


def test_out_errors_as_gradient_and_nothing_written():
    f = np.arange(12.0).reshape(3, 4)
    plan = Plan(f.shape, f.dtype)
    good = np.full((3, 4), 5.0)
    cases = [np.empty((3, 4)), (good,), (good, np.empty((3, 4), np.float32)),
             (good, np.empty((4, 3))), (good, [1, 2]), (good, f), (good, good),
             (good, np.broadcast_to(np.empty(4), (3, 4))), "out"]
    for out in cases:
        _, theirs = outcome(gradient, f, out=out)
        _, ours = outcome(plan, f, out=out)
        assert isinstance(theirs, Exception)
        assert type(ours) is type(theirs) and str(ours) == str(theirs), (out, theirs, ours)
        assert (good == 5.0).all()


def test_fast_path_is_taken(monkeypatch):
    """ndarrays of the planned layout with plan-allocated or planned-layout outputs never
    reach the general path."""
    def general(self, f, out):
        raise AssertionError("general path")

    for shape, strides in [((16,), None), ((8, 9), None), ((8, 9), (8, 64)),
                           ((3, 4, 5), (8, 120, 24))]:
        f = np.lib.stride_tricks.as_strided(np.arange(500.0), shape, strides) \
            if strides else np.arange(float(np.prod(shape))).reshape(shape)
        plan = Plan(shape, np.float64, 2.0, strides=strides)
        expected = numpy_gradient(f, 2.0)
        monkeypatch.setattr(Plan, "_call", general)
        got = plan(f)
        if isinstance(got, tuple):
            out = tuple(np.empty_like(g) for g in got)
            assert all(r is o for r, o in zip(plan(f, out=out), out))
            assert all(r is o for r, o in zip(plan(f, out=list(out)), out))
        else:
            out = np.empty_like(got)
            assert plan(f, out=out) is out
        monkeypatch.undo()
        assert_bitwise(got, expected)
        assert_bitwise(out, expected)
        # the plan allocates its outputs in f's axis order, as gradient() does
        ref = gradient(f, 2.0)
        if isinstance(got, tuple):
            assert [g.strides for g in got] == [r.strides for r in ref]
        else:
            assert got.strides == ref.strides
        assert len(plan._plans) == 1


def test_layouts_outside_the_plan():
    """Every layout of the reference tests through a C-ordered plan: new C plans (at most
    MAX_LAYOUTS kept, then temporary ones) or copies, never a wrong result."""
    rng = np.random.default_rng(7)
    values = random_values(rng, np.float64, (4, 5, 6), "normal", 0.05)
    lays = [Layout(), Layout(perm=(2, 1, 0)), Layout(perm=(1, 2, 0), steps=(2, 1, 3),
            flips=(True, False, True)), Layout(buffer="misaligned"), Layout(buffer="field"),
            Layout(buffer="nonnative", flips=(False, True, False)), Layout(broadcast_axis=1)]
    lays += [Layout(steps=(1, k, 1)) for k in range(2, 8)]  # more layouts than kept
    x = np.cumsum(rng.uniform(0.1, 1, 6))
    with Plan(values.shape, values.dtype, 0.5, 2, x, edge_order=2) as plan:
        for lay in lays:
            f = lay.make(values)
            expected = numpy_gradient(f, 0.5, 2, x, edge_order=2)
            assert_bitwise(plan(f), expected)
            outs = tuple(Layout(perm=(2, 0, 1)).make(np.zeros_like(e)) for e in expected)
            assert_bitwise(plan(f, out=outs), expected)
        assert len(plan._plans) == _plan.MAX_LAYOUTS


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_lists_and_subclasses():
    plan = Plan(6, np.int64)
    assert_bitwise(plan([1, 2, 4, 7, 11, 16]), numpy_gradient([1, 2, 4, 7, 11, 16]))
    m = np.matrix(np.arange(12.0).reshape(3, 4))
    plan2 = Plan((3, 4), np.float64)
    got = plan2(m)
    assert type(got[0]) is np.ndarray
    assert_bitwise(got, tuple(np.asarray(g) for g in numpy_gradient(m)))


def test_misaligned_planned_layout_falls_back():
    raw = np.zeros(8 * 10 + 1, np.uint8)
    f = raw[1:].view(np.float64)
    f[:] = np.arange(10.0) ** 2
    plan = Plan(10, np.float64)  # same strides as f: the fast path, then MISALIGNED
    assert_bitwise(plan(f), numpy_gradient(f))
    out = np.zeros(8 * 10 + 1, np.uint8)[1:].view(np.float64)
    assert plan(np.arange(10.0), out=out) is out
    assert_bitwise_array(out, numpy_gradient(np.arange(10.0)))


def test_overlap_is_a_value_error_and_nothing_written():
    f = np.arange(10.0)
    plan = Plan(10, np.float64)
    with pytest.raises(ValueError, match="shares memory"):
        plan(f, out=f)
    np.testing.assert_array_equal(f, np.arange(10.0))
    big = np.full((2, 5), 3.0)
    plan2 = Plan(5, np.float64)
    with pytest.raises(ValueError, match="shares memory"):
        plan2(big[0], out=np.lib.stride_tricks.as_strided(big, (5,), (8,)))
    assert (big == 3.0).all()


def test_construction_arguments():
    with pytest.raises(TypeError, match="shape"):
        Plan("abc", np.float64)
    with pytest.raises(ValueError, match="negative"):
        Plan((3, -1), np.float64)
    with pytest.raises(TypeError):
        Plan(3, "no such dtype")
    with pytest.raises(ValueError, match="entries"):
        Plan((3, 4), np.float64, strides=(8,))
    with pytest.raises(ValueError, match="multiples"):
        Plan((3, 4), np.float64, strides=(36, 9))
    with pytest.raises(TypeError, match="strides"):
        Plan((3, 4), np.float64, strides=(8.0, 32))
    with pytest.raises(ValueError, match="workers"):
        Plan(3, np.float64, workers=-2)
    with pytest.raises(TypeError, match="workers"):
        Plan(3, np.float64, workers=1.5)
    with pytest.raises(AxisError):
        Plan((3, 4), np.float64, axis=2)
    with pytest.raises(ValueError, match="overflow|address"):
        Plan((2**62, 3), np.float64)  # grad_plan_new: OVERFLOW
    p = Plan([3, 4], "f4", axis=-1, edge_order=2.0, strides=(4, 12))
    assert (p.shape, p.dtype, p.strides, p.axes, p.edge_order, p.output_dtype) == (
        (3, 4), np.float32, (4, 12), (1,), 2, np.float32)
    assert Plan(5, np.int16).output_dtype == np.float64
    assert "Plan(shape=(3, 4)" in repr(p)


def test_workers():
    rng = np.random.default_rng(1)
    f = rng.standard_normal((1024, 520))  # enough elements for 2 threads
    x = np.cumsum(rng.uniform(0.1, 1.0, 520))
    expected = numpy_gradient(f, 0.5, x, edge_order=2)
    for workers in (0, 2, -1):
        with Plan(f.shape, f.dtype, 0.5, x, edge_order=2, workers=workers) as plan:
            assert_bitwise(plan(f), expected)


# ------------------------------------------------------------------- lifetime

@pytest.fixture
def freed(monkeypatch):
    """The handles of the plans and options the binding frees, in order (earlier
    garbage collected first, so that only this test's objects are recorded)."""
    gc.collect()
    record = {"plan": [], "options": []}
    real_plan, real_options = _lib.free_plan, _lib.free_options

    def free_plan(h):
        if h:
            record["plan"].append(h)
        real_plan(h)

    def free_options(h):
        if h:
            record["options"].append(h)
        real_options(h)

    monkeypatch.setattr(_lib, "free_plan", free_plan)
    monkeypatch.setattr(_lib, "free_options", free_options)
    return record


def _handles(plan):
    return sorted(plan._plans.values()), [plan._options]


def test_close_and_context_manager(freed):
    plan = Plan((3, 4), np.float64)
    plan(np.zeros((3, 4), order="F"))  # a second C plan
    plans, options = _handles(plan)
    assert len(plans) == 2 and not plan.closed
    plan.close()
    assert plan.closed and sorted(freed["plan"]) == plans and freed["options"] == options
    plan.close()  # idempotent
    assert sorted(freed["plan"]) == plans and freed["options"] == options
    with pytest.raises(ValueError, match="closed"):
        plan(np.zeros((3, 4)))
    with Plan(5, np.float64) as p2:
        p2(np.arange(5.0))
        plans2, options2 = _handles(p2)
    assert p2.closed and sorted(freed["plan"]) == sorted(plans + plans2)
    assert freed["options"] == options + options2
    with pytest.raises(ValueError, match="closed"):
        p2(np.arange(5.0))


def test_garbage_collection_frees(freed):
    plan = Plan((3, 4), np.float64, 0.5, [0, 1, 2, 4])
    plan(np.ones((3, 4)))
    plans, options = _handles(plan)
    del plan
    gc.collect()
    assert freed["plan"] == plans and freed["options"] == options


def test_failed_construction_frees_the_options(freed, monkeypatch):
    made = []
    real = _lib.new_options
    monkeypatch.setattr(_lib, "new_options", lambda *a: made.append(real(*a)) or made[-1])
    with pytest.raises(ValueError):
        Plan((2**62, 3), np.float64)  # grad_plan_new fails: OVERFLOW
    gc.collect()
    assert len(made) == 1 and freed == {"plan": [], "options": made}


# ------------------------------------------------------------------- threads

def test_threads_share_one_plan():
    rng = np.random.default_rng(5)
    x = np.cumsum(rng.uniform(0.1, 1, 65))
    arrays = [rng.standard_normal((64, 65)) for _ in range(8)]
    expected = [numpy_gradient(a, 0.5, x) for a in arrays]
    plan = Plan((64, 65), np.float64, 0.5, x)
    errors = []
    barrier = threading.Barrier(8)

    def work(i):
        try:
            barrier.wait()
            outs = (np.empty((64, 65)), np.empty((64, 65)))
            for j in range(200):
                a = arrays[(i + j) % 8]
                got = plan(a) if j % 2 else plan(a, out=outs)
                assert_bitwise(got, expected[(i + j) % 8])
                if j % 50 == 0:  # failing calls: each thread raises its own error
                    with pytest.raises(ValueError, match="shares memory"):
                        plan(a, out=(outs[0], outs[0]))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    plan.close()


# ------------------------------------------------------------------- gradient()'s cache

@pytest.fixture
def fresh_cache(monkeypatch):
    monkeypatch.setattr(_api, "_plans", {})
    monkeypatch.setattr(_api, "_seen", {})
    return _api


@pytest.fixture
def grad_gradient_calls(monkeypatch):
    calls = []
    real = _lib._grad_gradient

    def spy(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(_lib, "_grad_gradient", spy)
    return calls


@examples(300)
@given(gradient_cases(allow_lists=False))
def test_repeated_calls_match_numpy(case):
    """gradient() three times on one signature: the third (when cacheable) runs a plan."""
    count("test_repeated_calls_match_numpy")
    kind, expected = outcome(numpy_gradient, case.f, *case.spacing, **case.kwargs())
    for _ in range(3):
        if kind == "raise":
            with pytest.raises(public_type(expected)):
                gradient(case.f, *case.spacing, **case.kwargs())
        else:
            assert_bitwise(gradient(case.f, *case.spacing, **case.kwargs()), expected)


def test_second_call_of_a_signature_makes_a_plan(fresh_cache, grad_gradient_calls):
    f = np.arange(20.0).reshape(4, 5) ** 2
    expected = numpy_gradient(f, 0.5, 2, edge_order=2)
    for i in range(4):
        assert_bitwise(gradient(f.copy(), 0.5, 2, edge_order=2), expected)
    assert len(grad_gradient_calls) == 1  # then a plan, made once
    assert len(fresh_cache._plans) == 1
    # out= and its errors through the cached plan, as gradient() checks them
    out = (np.empty((4, 5)), np.empty((4, 5)))
    assert all(g is o for g, o in zip(gradient(f, 0.5, 2, edge_order=2, out=out), out))
    assert_bitwise(out, expected)
    with pytest.raises(TypeError, match=r"out\[1\] has dtype float32"):
        gradient(f, 0.5, 2, edge_order=2, out=(out[0], out[1].astype(np.float32)))
    assert len(grad_gradient_calls) == 1


@pytest.mark.parametrize("first,second", [(0.0, -0.0), (float("nan"), -float("nan")),
                                          (1, 1.0), (np.float64(0.1), np.float32(0.1)),
                                          (0.1, np.float64(0.1))])
def test_cache_keys_are_exact(fresh_cache, first, second):
    f = np.array([1.0, 2, 4, 7, 11, 16], np.float32)
    for h in (first, first, first, second, second, second):
        assert_same_as_numpy(gradient, f, h)
        assert_same_as_numpy(gradient, f, h, edge_order=2)


def test_uncached_calls(fresh_cache):
    f = np.arange(6.0)
    x = np.arange(6.0) ** 2
    for args, kw in [((x,), {}), ((True,), {}), ((), {"edge_order": True}),
                     ((), {"axis": np.int64(0)}), ((), {"workers": np.int64(1)}),
                     ((np.float16(2),), {"workers": 1})]:
        for _ in range(3):
            outcome(gradient, f, *args, **kw)
    assert fresh_cache._plans == {}
    m = np.ma.masked_array(f)
    for _ in range(3):
        with pytest.raises(TypeError):
            gradient(m)
    assert fresh_cache._plans == {}


def test_cached_layouts_outside_the_c_abi(fresh_cache):
    """Fields of packed records (strides not a multiple of the item size), misaligned and
    byte-swapped arrays: planned with default strides, computed through copies."""
    rng = np.random.default_rng(9)
    values = random_values(rng, np.float64, (4, 5), "normal", 0.0)
    for lay in (Layout(buffer="field"), Layout(buffer="misaligned"),
                Layout(buffer="nonnative", flips=(True, False))):
        f = lay.make(values)
        for _ in range(3):
            assert_bitwise(gradient(f, 0.5), numpy_gradient(f, 0.5))
    assert len(fresh_cache._plans) == 3


def test_cache_is_bounded(fresh_cache, monkeypatch):
    monkeypatch.setattr(_api, "PLAN_CACHE_SIZE", 4)
    for n in range(3, 13):
        f = np.arange(float(n))
        for _ in range(3):
            assert_bitwise(gradient(f), numpy_gradient(f))
        assert len(fresh_cache._plans) <= 4 and len(fresh_cache._seen) <= 4
    assert len(fresh_cache._plans) == 4


def test_workers_reach_the_plan(fresh_cache, monkeypatch):
    seen = []
    real = _lib._grad_options_set_threads
    monkeypatch.setattr(_lib, "_grad_options_set_threads",
                        lambda options, n: seen.append(n) or real(options, n))
    Plan(4, np.float64, workers=3)
    f = np.arange(5.0)
    for _ in range(2):
        gradient(f, workers=0)
    assert seen == [3, 0]


# ------------------------------------------------------------------- docs

@pytest.mark.parametrize("module", [_plan, _api, gradient_package],
                         ids=["Plan", "gradient", "package"])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted >= 2
