"""gradient(..., scheme="matlab") and Plan(..., scheme="matlab") against the scheme's
definition written with numpy slices: MATLAB's interior quotient on coordinates
``(f[i+1] - f[i-1]) / (x[i+1] - x[i-1])``, first-order edges, zeros along a length-1
axis, and numpy's precision rules (the difference in the data's type, the division in the
wider of the data's and the coordinates' precision)."""

import numpy as np
import pytest

from ndgradient import Plan, gradient


def matlab_definition(f: np.ndarray, x, axis: int) -> np.ndarray:
    """The matlab scheme along ``axis`` of ``f`` with coordinates ``x`` (a 1-D array) or a
    Python-number step ``x``, by numpy slicing (numpy's type promotion rules)."""
    g = np.moveaxis(f, axis, -1)
    n = g.shape[-1]
    if n == 1:
        return np.zeros_like(f)
    if np.ndim(x) == 0:
        x = np.arange(n) * x  # only used with steps whose multiples are exact
    x = np.asarray(x)
    out = np.empty_like(g)
    out[..., 0] = (g[..., 1] - g[..., 0]) / (x[1] - x[0])
    out[..., -1] = (g[..., -1] - g[..., -2]) / (x[-1] - x[-2])
    out[..., 1:-1] = (g[..., 2:] - g[..., :-2]) / (x[2:] - x[:-2])
    return np.moveaxis(out, -1, axis)


RNG = np.random.default_rng(20261202)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(9,), (4, 7), (3, 1, 5)])
def test_coordinates_follow_the_definition_bit_for_bit(dtype, shape):
    f = RNG.uniform(-3, 3, shape).astype(dtype)
    # Coordinates need 2 entries (numpy's IndexError otherwise): a step on a length-1 axis.
    xs = [np.cumsum(RNG.uniform(0.1, 2.0, n)) if n > 1 else 0.5 for n in shape]
    got = gradient(f, *xs, scheme="matlab")
    got = got if isinstance(got, tuple) else (got,)
    for axis, (g, x) in enumerate(zip(got, xs)):
        want = matlab_definition(f, x, axis).astype(dtype)
        assert g.dtype == dtype
        assert g.tobytes() == want.tobytes(), (axis, g, want)
    # Fortran order and a plan give the same bits.
    plan = Plan(shape, dtype, *xs, scheme="matlab")
    again = plan(np.asfortranarray(f))
    again = again if isinstance(again, tuple) else (again,)
    for a, b in zip(again, got):
        assert a.tobytes() == np.ascontiguousarray(b).tobytes()


def test_scalar_steps_are_numpys_edge_order_1_and_length_one_is_zero():
    f = RNG.uniform(-3, 3, (6, 5))
    for h in (1.0, 0.3):
        np.testing.assert_array_equal(gradient(f, h, scheme="matlab"), np.gradient(f, h))
    np.testing.assert_array_equal(gradient(f, 0.5, axis=1, scheme="matlab"),
                                  matlab_definition(f, 0.5, 1))
    g = gradient(np.array([[np.inf, 1.0, 4.0]]), scheme="matlab")
    np.testing.assert_array_equal(g[0], [[0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(g[1], [[-np.inf, -np.inf, 3.0]])  # (4 - inf) / 2
    with pytest.raises(ValueError, match="too small"):
        gradient(np.array([[1.0, 2.0]]))  # numpy's scheme still refuses it


def test_complex_data_is_divided_as_numpy_divides():
    f = RNG.uniform(-3, 3, 8) + 1j * RNG.uniform(-3, 3, 8)
    x = np.cumsum(RNG.uniform(0.1, 2.0, 8))
    got = gradient(f, x, scheme="matlab")
    assert got.tobytes() == matlab_definition(f, x, 0).tobytes()


def test_bad_schemes_and_edge_orders():
    f = np.arange(5.0)
    with pytest.raises(ValueError, match="scheme must be 'numpy' or 'matlab'"):
        gradient(f, scheme="octave")
    with pytest.raises(ValueError, match="scheme must be"):
        Plan(f.shape, f.dtype, scheme=1)
    with pytest.raises(ValueError, match="1 under the matlab scheme"):
        gradient(f, edge_order=2, scheme="matlab")
    np.testing.assert_array_equal(gradient(f, scheme="numpy"), np.gradient(f))
