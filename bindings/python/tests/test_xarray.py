"""The xarray recipe of README.md (differentiate along a named dimension with
``xr.apply_ufunc``): numpy's bits, xarray's own ``DataArray.differentiate`` bits (which
calls numpy.gradient with the coordinate), the dimension order and coordinates kept.
Skipped, saying so, where xarray is not installed (run-tests.sh installs it, pinned)."""

import numpy as np
import pytest

from _support import assert_bitwise, numpy_gradient

xr = pytest.importorskip("xarray", reason="xarray is not installed (requirements-test.txt pins it)")

from ndgradient import gradient  # noqa: E402


# -- the recipe, as README.md and bindings/python/README.md show it ------------------------
def differentiate(da, dim, edge_order=1):
    """d(da)/d(dim) with ndgradient, along the dimension named ``dim`` and its coordinate."""
    return xr.apply_ufunc(
        gradient, da, da[dim],
        input_core_dims=[[dim], [dim]],    # dim moves last in both arguments...
        output_core_dims=[[dim]],
        kwargs={"axis": -1, "edge_order": edge_order},   # ...so differentiate the last axis
    ).transpose(*da.dims)
# ------------------------------------------------------------------------------------------


def _data():
    rng = np.random.default_rng(3)
    time = np.cumsum(rng.uniform(0.5, 2.0, 30))         # non-uniform
    lat = np.linspace(-60.0, 60.0, 13)                    # uniform
    values = rng.standard_normal((30, 13, 7))
    return xr.DataArray(values, dims=("time", "lat", "lon"),
                        coords={"time": time, "lat": lat, "lon": np.arange(7) * 5})


@pytest.mark.parametrize("dim", ["time", "lat", "lon"])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_recipe_gives_numpys_and_xarrays_bits(dim, edge_order):
    da = _data()
    got = differentiate(da, dim, edge_order)
    axis = da.get_axis_num(dim)
    assert got.dims == da.dims and got.shape == da.shape
    assert all(np.array_equal(got[c].values, da[c].values) for c in da.coords)
    assert_bitwise(got.values, numpy_gradient(da.values, da[dim].values, axis=axis,
                                              edge_order=edge_order))
    assert_bitwise(got.values, da.differentiate(dim, edge_order=edge_order).values)


def test_recipe_on_a_float32_array_of_a_dataset():
    ds = xr.Dataset({"t": _data().astype(np.float32)})
    got = differentiate(ds["t"], "lat")
    assert got.dtype == np.float32
    assert_bitwise(got.values, numpy_gradient(ds["t"].values, ds["lat"].values, axis=1))
