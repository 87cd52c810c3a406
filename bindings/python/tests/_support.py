"""Shared helpers of the binding's tests: the example budget, bitwise comparison,
random values and random memory layouts, and the hypothesis strategies."""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

#: Multiplies every property test's example count (GRADIENT_HYPOTHESIS_SCALE=10: 10x run).
SCALE = float(os.environ.get("GRADIENT_HYPOTHESIS_SCALE", "1"))

#: Hypothesis cases run per test (printed at the end of the session by conftest.py).
CASES: Counter = Counter()

#: Functions of include/gradient.h the binding does not wrap (listed at the end of the
#: session by conftest.py; filled by test_prototypes.py).
UNWRAPPED: list = []


def examples(n: int):
    """``settings`` for a property test of ``n`` examples at scale 1."""
    return settings(max_examples=max(1, int(round(n * SCALE))))


def count(name: str) -> None:
    CASES[name] += 1


# --------------------------------------------------------------------------- comparison

def public_type(e: BaseException) -> type:
    """The exception's first class that is builtin or in numpy.exceptions (numpy raises
    private subclasses such as ``_UFuncNoLoopError``, which are TypeErrors)."""
    for cls in type(e).__mro__:
        if cls.__module__ in ("builtins", "numpy.exceptions"):
            return cls
    return type(e)


def numpy_gradient(*args, **kwargs):
    """numpy.gradient without its floating-point warnings."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.gradient(*args, **kwargs)


#: Known libgradient issue (see test_examples.py::test_complex_multiply_signed_zero): for
#: complex results, numpy's SIMD complex multiply uses fused multiply-adds on CPUs with
#: FMA, so a coefficient times a component that underflows to zero can keep a -0.0 where
#: libgradient gives +0.0. Until the core reproduces that, complex comparisons treat a
#: +0.0/-0.0 pair as equal (every other bit still compared) and count the occurrences.
#: GRADIENT_STRICT_COMPLEX_ZERO=1 makes them strict.
STRICT_COMPLEX_ZERO = os.environ.get("GRADIENT_STRICT_COMPLEX_ZERO", "") == "1"
KNOWN_ISSUES: Counter = Counter()


def _bits(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "c":
        a = np.stack([a.real, a.imag], axis=-1)
    a = np.ascontiguousarray(a)
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


def assert_bitwise_array(ours, theirs, what="result"):
    assert isinstance(ours, np.ndarray), f"{what}: {type(ours)} is not an ndarray"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} != numpy {theirs.dtype}"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != numpy {theirs.shape}"
    o = ours if ours.dtype.kind != "c" else np.stack([ours.real, ours.imag], -1)
    t = theirs if theirs.dtype.kind != "c" else np.stack([theirs.real, theirs.imag], -1)
    nan_o, nan_t = np.isnan(o), np.isnan(t)
    if not np.array_equal(nan_o, nan_t):
        idx = np.argwhere(nan_o != nan_t)[:5]
        raise AssertionError(f"{what}: NaN positions differ at {idx.tolist()}: ours "
                             f"{o[tuple(idx.T)]} numpy {t[tuple(idx.T)]}")
    o, t = np.where(nan_o, 0, o), np.where(nan_t, 0, t)
    if ours.dtype.kind == "c" and not STRICT_COMPLEX_ZERO:
        signed_zeros = (o == 0) & (t == 0) & (np.signbit(o) != np.signbit(t))
        if signed_zeros.any():
            KNOWN_ISSUES["complex +0.0/-0.0 (numpy FMA complex multiply)"] += int(signed_zeros.sum())
            o = np.where(signed_zeros, t, o)
    ob, tb = _bits(o), _bits(t)
    if not np.array_equal(ob, tb):
        idx = np.argwhere(ob != tb)[:5]
        raise AssertionError(
            f"{what}: bits differ at {idx.tolist()}: ours "
            f"{[float(x) for x in o[tuple(idx.T)]]} numpy {[float(x) for x in t[tuple(idx.T)]]}")


def assert_bitwise(ours, theirs):
    """Same return form (array or tuple), dtypes, shapes and bits (NaN where numpy has
    NaN, any payload)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple), f"numpy returns a tuple, we return {type(ours)}"
        assert len(ours) == len(theirs), f"{len(ours)} results, numpy {len(theirs)}"
        for k, (o, t) in enumerate(zip(ours, theirs)):
            assert_bitwise_array(o, t, f"result {k}")
    else:
        assert_bitwise_array(ours, theirs)


def assert_same_as_numpy(ours_fn, *args, **kwargs):
    """numpy.gradient(*args, **kwargs) and ours_fn(*args, **kwargs) give the same bits,
    or raise exceptions of the same type. Returns numpy's outcome."""
    kind, expected = outcome(numpy_gradient, *args, **kwargs)
    got_kind, got = outcome(ours_fn, *args, **kwargs)
    if kind == "raise":
        assert got_kind == "raise", f"numpy raised {expected!r}; we returned"
        assert public_type(got) is public_type(expected), (
            f"numpy raised {expected!r}, we raised {got!r}")
    else:
        if got_kind == "raise":
            raise AssertionError(f"numpy returned, we raised {got!r}") from got
        assert_bitwise(got, expected)
    return kind, expected


def outcome(fn, *args, **kwargs):
    """('ok', result) or ('raise', exception)."""
    try:
        return "ok", fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - we compare any exception
        return "raise", e


# --------------------------------------------------------------------------- values

FLOAT_DTYPES = [np.float64, np.float32]
COMPLEX_DTYPES = [np.complex128, np.complex64]
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
DATA_DTYPES = FLOAT_DTYPES + COMPLEX_DTYPES + INT_DTYPES


def random_reals(rng: np.random.Generator, size: int, mode: str, special: float) -> np.ndarray:
    """float64 values of several flavours, with NaN/Inf/zeros/extremes at rate ``special``."""
    if mode == "normal":
        v = rng.standard_normal(size) * 10.0 ** rng.integers(-3, 4)
    elif mode == "wide":
        v = rng.standard_normal(size) * 10.0 ** rng.integers(-300, 300, size)
    elif mode == "ints":
        v = rng.integers(-20, 20, size).astype(np.float64)
    elif mode == "bits":
        v = rng.integers(0, 2**63, size, dtype=np.int64).view(np.float64) * rng.choice([-1, 1], size)
    else:  # smooth: a polynomial-ish signal, where cancellation matters
        x = np.linspace(-1, 1, size)
        v = 3 * x**3 - x + 0.25
    if special > 0:
        specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e-310, 5e-324,
                             3.4e38, 1e-45])
        mask = rng.random(size) < special
        v[mask] = rng.choice(specials, int(mask.sum()))
    return v


def random_values(rng, dtype, shape, mode, special) -> np.ndarray:
    dtype = np.dtype(dtype)
    size = int(np.prod(shape))
    with np.errstate(all="ignore"):
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            if mode == "ints":
                lo, hi = max(info.min, -50), min(info.max, 50)
            else:
                lo, hi = info.min, info.max
            v = rng.integers(lo, hi, size, dtype=dtype, endpoint=True)
        elif dtype.kind == "c":
            v = (random_reals(rng, size, mode, special)
                 + 1j * random_reals(rng, size, mode, special)).astype(dtype)
        else:
            v = random_reals(rng, size, mode, special).astype(dtype)
    return v.reshape(shape)


# --------------------------------------------------------------------------- layouts

@dataclass
class Layout:
    """How an array lies in memory: axis order, per-axis step and direction, and the
    buffer it is carved from (plain, misaligned by one byte, or a field of a packed
    structured array so that strides are not multiples of the item size)."""
    perm: tuple = ()
    steps: tuple = ()
    flips: tuple = ()
    buffer: str = "plain"      # plain | misaligned | field | nonnative
    broadcast_axis: int | None = None

    def make(self, values: np.ndarray) -> np.ndarray:
        shape, dtype, nd = values.shape, values.dtype, values.ndim
        perm = self.perm or tuple(range(nd))
        steps = self.steps or (1,) * nd
        flips = self.flips or (False,) * nd
        big_shape = tuple(max(shape[p], 1) * steps[p] for p in perm)
        count = int(np.prod(big_shape))
        if self.buffer == "misaligned" and dtype.itemsize > 1:
            raw = np.zeros(count * dtype.itemsize + 1, np.uint8)
            big = raw[1:].view(dtype).reshape(big_shape)
        elif self.buffer == "field":
            rec = np.dtype([("x", dtype), ("pad", "u1", (3,))])  # packed: itemsize + 3
            big = np.zeros(big_shape, rec)["x"]
        elif self.buffer == "nonnative" and dtype.itemsize > 1:
            big = np.zeros(big_shape, dtype.newbyteorder("S"))
        else:
            big = np.zeros(big_shape, dtype)
        v = big.transpose(np.argsort(perm))
        v = v[tuple(slice(None, None, -s) if fl else slice(None, None, s)
                    for s, fl in zip(steps, flips))]
        v = v[tuple(slice(0, n) for n in shape)]
        if self.broadcast_axis is not None and shape[self.broadcast_axis] > 0:
            ax = self.broadcast_axis
            v[...] = np.broadcast_to(np.take(values, [0], axis=ax), shape)
            first = v[(slice(None),) * ax + (slice(0, 1),)]
            return np.broadcast_to(first, shape)
        v[...] = values
        assert v.shape == shape
        return v


@st.composite
def layouts(draw, ndim: int, allow_broadcast: bool = True, allow_nonnative: bool = True):
    kind = draw(st.sampled_from(["C", "C", "F", "general", "general", "general"]))
    if kind == "C":
        return Layout()
    if kind == "F":
        return Layout(perm=tuple(reversed(range(ndim))))
    perm = tuple(draw(st.permutations(range(ndim))))
    steps = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=ndim, max_size=ndim)))
    flips = tuple(draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim)))
    buffers = ["plain", "plain", "plain", "misaligned", "field"]
    if allow_nonnative:
        buffers.append("nonnative")
    buffer = draw(st.sampled_from(buffers))
    bcast = None
    if allow_broadcast and draw(st.integers(0, 9)) == 0:
        bcast = draw(st.integers(0, ndim - 1))
    return Layout(perm, steps, flips, buffer, bcast)


# --------------------------------------------------------------------------- spacing

SCALAR_TYPES = ["py_float", "py_int", "py_bool", "np_float64", "np_float32", "0d_float64",
                "0d_float32", "np_int8", "np_int16", "np_int32", "np_int64", "np_uint8",
                "np_uint16", "np_uint32", "np_uint64", "np_bool", "0d_int16", "0d_uint64",
                "py_bigint"]

SPECIAL_STEPS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e39, -1e39, 1e-40, 5e-324, 1e300,
                 1e-300, 3.4028235e38]


@st.composite
def scalar_spacings(draw):
    """(description, spacing object)."""
    kind = draw(st.sampled_from(SCALAR_TYPES))
    if kind.startswith("np_int") or kind.startswith("np_uint") or kind.startswith("0d_int") \
            or kind.startswith("0d_uint"):
        name = kind.split("_", 1)[1]
        info = np.iinfo(name)
        v = draw(st.one_of(st.integers(-3, 7).filter(lambda x: info.min <= x <= info.max),
                           st.integers(int(info.min), int(info.max))))
        obj = np.dtype(name).type(v)
        if kind.startswith("0d"):
            obj = np.array(obj)
        return f"{kind}({v})", obj
    if kind == "np_bool":
        v = draw(st.booleans())
        return f"np.bool({v})", np.bool_(v)
    if kind == "py_bool":
        v = draw(st.booleans())
        return f"{v}", v
    if kind == "py_int":
        v = draw(st.one_of(st.integers(-5, 20), st.integers(-2**31, 2**31)))
        return f"{v}", v
    if kind == "py_bigint":
        v = draw(st.one_of(st.integers(-2**70, 2**70), st.sampled_from(
            [2**53 + 1, 2**60 + 2**36 + 1, 2**64 + 5, 10**30, 10**39, -(2**63) - 1, 2**63])))
        return f"{v}", v
    v = draw(st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=1e-3, max_value=1e3),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e3, max_value=1e3),
        st.floats(),
        st.sampled_from(SPECIAL_STEPS)))
    if kind == "py_float":
        return f"{v!r}", float(v)
    if kind == "np_float64":
        return f"np.float64({v!r})", np.float64(v)
    if kind == "0d_float64":
        return f"np.array({v!r})", np.array(v)
    with np.errstate(all="ignore"):
        v32 = np.float32(v)
    if kind == "np_float32":
        return f"np.float32({v!r})", v32
    return f"np.array({v!r}, float32)", np.array(v32)


COORD_DTYPES = ["float64", "float64", "float32", "float32", "int8", "int16", "int32", "int64",
                "uint8", "uint16", "uint32", "uint64", "timedelta64[s]"]
COORD_KINDS = ["uniform_int", "uniform_pow2", "arange_tenth", "sorted_random", "random",
               "with_nonfinite", "repeated", "decreasing", "constant", "linspace"]


def coordinate_values(rng, n: int, kind: str, dtype: str) -> np.ndarray:
    dt = np.dtype(dtype)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "uniform_int":
            x = rng.integers(-5, 5) + np.arange(n) * int(rng.integers(1, 4)) * int(rng.choice([-1, 1]))
        elif kind == "uniform_pow2":
            x = float(rng.integers(-8, 8)) + np.arange(n) * 2.0 ** int(rng.integers(-4, 4))
        elif kind == "arange_tenth":
            x = np.arange(n) * 0.1
        elif kind == "linspace":
            x = np.linspace(rng.uniform(-3, 0), rng.uniform(1, 4), n)
        elif kind == "sorted_random":
            x = np.sort(rng.uniform(-10, 10, n))
        elif kind == "random":
            x = rng.uniform(-10, 10, n)
        elif kind == "with_nonfinite":
            x = np.sort(rng.uniform(-10, 10, n))
            x[rng.integers(0, n)] = rng.choice([np.nan, np.inf, -np.inf])
        elif kind == "repeated":
            x = np.sort(rng.integers(0, max(2, n // 2), n)).astype(np.float64)
        elif kind == "decreasing":
            x = -np.sort(rng.uniform(-10, 10, n))
        else:  # constant
            x = np.full(n, float(rng.integers(-3, 3)))
        if dt.kind in "iu":
            info = np.iinfo(dt)
            x = np.nan_to_num(x, nan=0, posinf=10, neginf=-10)
            x = np.round(x * (1 if kind.startswith("uniform") else 7))
            if dt.kind == "u":
                x = x - x.min() if len(x) else x
            x = np.clip(x, info.min, info.max)
            if rng.integers(0, 6) == 0 and len(x):  # large values near the type's limits
                x = (np.linspace(0, 1, len(x)) * float(info.max)).astype(np.float64)
                x = np.clip(x, info.min, info.max)
            return x.astype(dt)
        if dt.kind == "m":
            x = np.nan_to_num(x, nan=0, posinf=10, neginf=-10)
            return np.round(x * 3).astype(np.int64).astype(dt)
        return x.astype(dt)


@dataclass
class Case:
    """One call: ``gradient(f, *spacing, axis=axis, edge_order=edge_order)``."""
    f: object
    spacing: list = field(default_factory=list)
    axis: object = None
    edge_order: object = 1
    notes: list = field(default_factory=list)

    def kwargs(self):
        kw = {"edge_order": self.edge_order}
        if self.axis is not None:
            kw["axis"] = self.axis
        return kw

    def __repr__(self):
        f = self.f
        fd = (f"array(shape={f.shape}, dtype={f.dtype}, strides={f.strides})"
              if isinstance(f, np.ndarray) else repr(f))
        sp = [f"array({s.dtype}, len {len(s)}, strides {s.strides})"
              if isinstance(s, np.ndarray) and s.ndim else repr(s) for s in self.spacing]
        return (f"Case(f={fd}, spacing={sp}, axis={self.axis!r}, edge_order={self.edge_order!r},"
                f" notes={self.notes})")


@st.composite
def coordinate_arrays(draw, rng, n: int):
    dtype = draw(st.sampled_from(COORD_DTYPES))
    kind = draw(st.sampled_from(COORD_KINDS))
    x = coordinate_values(rng, n, kind, dtype)
    form = draw(st.sampled_from(["array", "array", "reversed", "strided", "list", "misaligned",
                                 "nonnative", "field"]))
    if form == "reversed":
        x = np.ascontiguousarray(x[::-1])[::-1]
    elif form == "strided":
        buf = np.zeros(3 * n, x.dtype)
        buf[::3] = x
        x = buf[::3]
    elif form == "list" and x.dtype.kind in "fi":
        x = x.tolist()
    elif form == "misaligned" and x.dtype.itemsize > 1:
        raw = np.zeros(x.nbytes + 1, np.uint8)
        y = raw[1:].view(x.dtype)
        y[...] = x
        x = y
    elif form == "nonnative" and x.dtype.itemsize > 1:
        x = x.astype(x.dtype.newbyteorder("S"))
    elif form == "field":
        y = np.zeros(n, [("x", x.dtype), ("pad", "u1", (3,))])["x"]
        y[...] = x
        x = y
    return f"coords({dtype},{kind},{form})", x


@st.composite
def gradient_cases(draw, dtypes=DATA_DTYPES, max_size=720, allow_lists=True, big=False):
    """A valid call: random rank (1-5), shape (requested axes down to edge_order + 1),
    layout, dtype, values with NaN/Inf, axes, edge order and every spacing form."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    eo = draw(st.sampled_from([1, 2]))
    ndim = draw(st.integers(1, 5))
    axis_form = draw(st.sampled_from(["none", "none", "int", "tuple"]))
    if axis_form == "none":
        axes = list(range(ndim))
        axis = None
    elif axis_form == "int":
        a = draw(st.integers(0, ndim - 1))
        axes = [a]
        axis = a - ndim if draw(st.booleans()) else a
    else:
        axes = draw(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim))
        axis = tuple(a - ndim if draw(st.booleans()) else a for a in axes)
    # shape: requested axes at least eo + 1, others may be 0 or 1.
    per_axis_cap = ({1: 40, 2: 26, 3: 9, 4: 6, 5: 4} if not big else
                    {1: 200_000, 2: 1_000, 3: 90, 4: 30, 5: 16})[ndim]
    shape = []
    for k in range(ndim):
        lo = eo + 1 if k in axes else 0
        if big:
            n = draw(st.integers(max(lo, per_axis_cap // 4), per_axis_cap))
        else:
            n = draw(st.one_of(st.integers(lo, lo + 2), st.integers(lo, max(lo, per_axis_cap))))
        shape.append(n)
    while int(np.prod(shape)) > max_size:
        k = int(np.argmax(shape))
        shape[k] = max(shape[k] - 1, eo + 1 if k in axes else 0)
        if int(np.prod(shape)) > max_size and all(
                s == (eo + 1 if i in axes else 0) for i, s in enumerate(shape)):
            break
    shape = tuple(shape)
    mode = draw(st.sampled_from(["normal", "normal", "wide", "ints", "bits", "smooth"]))
    special = draw(st.sampled_from([0.0, 0.0, 0.05, 0.3]))
    values = random_values(rng, dtype, shape, mode, special)
    notes = [f"seed={seed}", f"mode={mode}", f"special={special}"]
    container = draw(st.sampled_from(["array"] * 9 + (["list"] if allow_lists else ["array"])))
    if 0 in shape:
        container = "array"  # a nested list cannot say (2, 0, 3)
    if container == "list":
        f = values.tolist()
        notes.append("f as nested list")
    else:
        lay = draw(layouts(ndim))
        notes.append(repr(lay))
        f = lay.make(values)
    # spacing
    sp_form = draw(st.sampled_from(["none", "one", "per_axis", "per_axis", "per_axis"]))
    spacing = []
    if sp_form == "one":
        desc, s = draw(scalar_spacings())
        spacing = [s]
        notes.append(f"spacing {desc}")
    elif sp_form == "per_axis":
        for a in axes:
            if draw(st.booleans()):
                desc, s = draw(scalar_spacings())
            else:
                desc, s = draw(coordinate_arrays(rng, shape[a]))
            spacing.append(s)
            notes.append(f"axis {a}: {desc}")
    return Case(f, spacing, axis, eo, notes)
