"""numpy.gradient, bit for bit, computed by libgradient through its C ABI (ctypes).

>>> import numpy as np, ndgradient
>>> ndgradient.gradient(np.array([1., 2, 4, 7, 11, 16]), 0.5)
array([ 2.,  3.,  5.,  7.,  9., 10.])

``gradient(f, *varargs, axis=None, edge_order=1, out=None, workers=1)`` is a drop-in
replacement for ``numpy.gradient`` (numpy >= 2.0) with an ``out=`` argument and a
``workers=`` thread count (scipy's name; -1 for every CPU). The shared library is
found through the environment variable ``GRADIENT_LIBRARY``, else in the repository's
``target/release``, then ``target/debug``; ``ImportError`` otherwise.

``Plan(shape, dtype, *varargs, axis=None, edge_order=1, workers=1, strides=None)`` does
``gradient()``'s checks and libgradient's planning once for arrays of one shape and
dtype; calling it, ``plan(f, out=None)``, returns what ``gradient()`` returns, with far
less work per call:

>>> plan = ndgradient.Plan(6, np.float64, 0.5)
>>> plan(np.array([1., 2, 4, 7, 11, 16]))
array([ 2.,  3.,  5.,  7.,  9., 10.])
"""

from ._api import gradient
from ._lib import library_path, library_version
from ._plan import Plan

__all__ = ["Plan", "gradient", "library_path", "library_version"]
__version__ = "0.3.0"
