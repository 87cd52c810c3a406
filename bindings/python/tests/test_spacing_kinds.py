"""The documented behaviour of the three scalar spacing kinds (``grad_spacing_kind`` in
include/gradient.h), checked at the C ABI against numpy itself: for double, complex128 and
integer data SCALAR and SCALAR_F64 give the same bits, while SCALAR_F32 rounds ``h`` to
float, so it differs, and equals ``np.gradient(f, np.float32(h))``."""

import numpy as np
import pytest

from _support import assert_bitwise, numpy_gradient
from ndgradient import _lib

F = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0])


def _with_kind(f: np.ndarray, kind: int, h: float, edge_order: int) -> np.ndarray:
    """One direct ``grad_gradient`` call with one scalar spacing of ``kind``."""
    out = np.empty(f.shape, dtype=np.result_type(f.dtype, np.float64)
                   if f.dtype.kind in "iu" else f.dtype)
    _lib.call_gradient(_lib.DTYPE[(f.dtype.kind, f.dtype.itemsize)], _lib.array_address(f),
                       f.shape, [1], [_lib.GradSpacing(kind=kind, h=h)], [0], edge_order,
                       [_lib.array_address(out)], [[1]])
    return out


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.int64, np.uint8])
def test_scalar_kinds_on_double_data(dtype, edge_order):
    f = F.astype(dtype)
    if f.dtype.kind == "c":
        f = f + 1j * F[::-1]
    h = 0.1
    scalar = _with_kind(f, _lib.SPACING_SCALAR, h, edge_order)
    scalar_f64 = _with_kind(f, _lib.SPACING_SCALAR_F64, h, edge_order)
    scalar_f32 = _with_kind(f, _lib.SPACING_SCALAR_F32, h, edge_order)
    assert_bitwise(scalar, numpy_gradient(f, h, edge_order=edge_order))
    assert_bitwise(scalar_f64, numpy_gradient(f, np.float64(h), edge_order=edge_order))
    assert_bitwise(scalar_f64, scalar)
    assert_bitwise(scalar_f32, numpy_gradient(f, np.float32(h), edge_order=edge_order))
    assert not np.array_equal(scalar_f32, scalar)


def test_scalar_f32_agrees_when_the_step_is_a_float():
    """0.5 and its edge coefficients are exact in float: all three kinds agree."""
    for edge_order in (1, 2):
        results = [_with_kind(F, kind, 0.5, edge_order)
                   for kind in (_lib.SPACING_SCALAR, _lib.SPACING_SCALAR_F64,
                                _lib.SPACING_SCALAR_F32)]
        for r in results[1:]:
            assert_bitwise(r, results[0])
