"""``workers=``: the C ``n_threads`` of the call, scipy's name for it."""

import os

import numpy as np
import pytest

from _support import assert_bitwise, numpy_gradient
from ndgradient import _api, _lib, gradient


@pytest.fixture
def n_threads_seen(monkeypatch):
    """Records the ``n_threads`` argument of every ``grad_gradient`` call (with
    gradient()'s plan cache off, so that every call is one), through the general path's
    function and the one-shot path's."""
    monkeypatch.setattr(_api, "PLAN_CACHE_SIZE", 0)
    seen = []

    def spy(real):
        def call(*args):
            seen.append(args[-1])
            return real(*args)
        return call

    monkeypatch.setattr(_lib, "_grad_gradient", spy(_lib._grad_gradient))
    monkeypatch.setattr(_api, "_grad_gradient", spy(_api._grad_gradient))
    return seen


@pytest.mark.parametrize("workers,expected", [
    (None, 1), (0, 0), (1, 1), (2, 2), (7, 7), (np.int64(3), 3), (-1, os.cpu_count() or 1),
])
def test_workers_is_passed_as_n_threads(n_threads_seen, workers, expected):
    f = np.arange(12.0).reshape(3, 4)
    kwargs = {} if workers is None else {"workers": workers}
    assert_bitwise(gradient(f, 0.5, **kwargs), numpy_gradient(f, 0.5))
    assert n_threads_seen == [expected]


def test_threads_give_numpys_bits():
    # 2 x GRAD_ELEMENTS_PER_THREAD elements or more: the library really uses 2 threads.
    rng = np.random.default_rng(7)
    f = rng.standard_normal((1024, 520))
    x = np.cumsum(rng.uniform(0.1, 1.0, 520))
    expected = numpy_gradient(f, 0.5, x, edge_order=2)
    for workers in (1, 2, 3, -1):
        assert_bitwise(gradient(f, 0.5, x, edge_order=2, workers=workers), expected)


@pytest.mark.parametrize("workers,exc", [
    (-2, ValueError), (-100, ValueError), (1.0, TypeError), (2.5, TypeError),
    ("2", TypeError), (True, TypeError), (np.float64(2), TypeError),
])
def test_invalid_workers_raise_and_write_nothing(workers, exc):
    f = np.arange(6.0)
    out = np.full(6, 42.0)
    with pytest.raises(exc, match="workers"):
        gradient(f, out=out, workers=workers)
    assert (out == 42.0).all()


def test_workers_is_keyword_only():
    # A positional value is a spacing argument, as in numpy.
    f = np.arange(6.0)
    assert_bitwise(gradient(f, 2), numpy_gradient(f, 2))
