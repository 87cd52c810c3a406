"""gradient()'s one-shot path (``_api._one_shot``): the calls it takes, computed in one
foreign call from preallocated argument buffers, give numpy's bits and numpy's result
layout, and the calls it declines (returning None, so that the general path handles and
raises) are exactly those outside its documented case."""

import threading

import numpy as np
import pytest

from _support import assert_bitwise, numpy_gradient
from ndgradient import _api

RNG = np.random.default_rng(11)
BASE = RNG.standard_normal((6, 7, 5)) * 100

DTYPES = [np.float64, np.float32, np.complex128, np.complex64, np.int8, np.int16, np.int32,
          np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


def _data(dtype, view):
    a = BASE.astype(dtype) if np.dtype(dtype).kind != "c" else (BASE + 1j * BASE[::-1]).astype(dtype)
    return {"c": a, "1d": a[2, 3, :].copy(), "T": a.transpose(2, 0, 1), "rev": a[::-1, :, ::-2],
            "slice": a[1:5, 2, :], "F": np.asfortranarray(a), "len1": a[:, :1, :]}[view]


def _taken(f, *varargs, **kwargs):
    """_one_shot's result, which must exist, compared with numpy's bits and layout."""
    kw = {"axis": None, "edge_order": 1, "workers": 1, **kwargs}
    ours = _api._one_shot(f, varargs, kw["axis"], kw["edge_order"], kw["workers"])
    assert ours is not None, (f.shape, f.strides, f.dtype, varargs, kwargs)
    kwargs.pop("workers", None)
    theirs = numpy_gradient(f, *varargs, **kwargs)
    assert_bitwise(ours, theirs)
    for o, t in zip(ours if isinstance(ours, tuple) else (ours,),
                    theirs if isinstance(theirs, tuple) else (theirs,)):
        assert o.strides == t.strides and o.dtype == t.dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["c", "1d", "T", "rev", "slice", "F", "len1"])
def test_taken_calls_give_numpys_bits_and_layout(dtype, view):
    f = _data(dtype, view)
    every = {"axis": 0} if view == "len1" else {}  # a length-1 axis cannot be requested
    _taken(f, **every)
    _taken(f, 0.5, edge_order=2, **every)
    _taken(f, 3, axis=-1)
    _taken(f, np.float64(0.1), axis=0, edge_order=2)
    _taken(f, np.float32(0.1), workers=2, **every)


def test_declined_calls():
    f = _data(np.float64, "c")
    declined = [
        (f.astype(">f8"), (), None, 1, 1),                   # byte order
        (f.astype(np.float16), (), None, 1, 1),              # dtype outside the scope
        (f.astype(bool), (), None, 1, 1),
        (np.zeros((3, 0, 4)), (), None, 1, 1),               # an empty axis
        (np.zeros(()), (), None, 1, 1),                      # 0-d
        (np.zeros((2,) * 9), (), None, 1, 1),                # more than 8 dimensions
        (f, (), (0, 1), 1, 1),                               # a tuple axis
        (f, (), 3, 1, 1),                                    # an axis out of range
        (f, (), None, 2.0, 1),                               # edge_order not an int
        (f, (), None, 3, 1),
        (f, (), None, 1, 1.0),                               # workers not an int
        (f, (), None, 1, -2),
        (f, (1.0, 2.0, 3.0), None, 1, 1),                    # one spacing per axis
        (f, (np.arange(6.0),), 0, 1, 1),                     # coordinates
        (f, (True,), None, 1, 1),                            # a bool spacing
        (f, (np.int16(2),), None, 1, 1),                     # a numpy integer spacing
        (f, (0,), None, 2, 1),                               # Python 0 at edge_order 2
        (f, (10 ** 400,), None, 1, 1),                       # an int too large for a float
        (f[:, :2, :], (), None, 2, 1),                       # an axis too short
        (f[:, :1, :], (), None, 1, 1),
        (np.frombuffer(bytes(8 * 43), np.uint8)[3:3 + 8 * 42].view(np.float64), (), None, 1, 1),
        (np.ndarray((6,), np.float64, bytes(64), strides=(9,)), (), None, 1, 1),
    ]
    for f_, varargs, axis, eo, workers in declined:
        assert _api._one_shot(f_, varargs, axis, eo, workers) is None, (f_.shape, varargs, axis, eo, workers)


def test_threads_use_their_own_buffers():
    """The argument buffers are per thread: concurrent one-shot calls of different shapes
    and spacings each get their own numpy bits."""
    cases = [(BASE[:, :, i % 5].copy(), 0.5 + i) for i in range(8)] + \
            [(BASE[i % 6].T.copy(), float(i + 1)) for i in range(8)]
    errors = []

    def work(f, h):
        try:
            for _ in range(200):
                ours = _api._one_shot(f, (h,), None, 1, 1)
                assert_bitwise(ours, numpy_gradient(f, h))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=c) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
