"""numpy.gradient, bit for bit, computed by libgradient through its C ABI (ctypes).

>>> import numpy as np, ndgradient
>>> ndgradient.gradient(np.array([1., 2, 4, 7, 11, 16]), 0.5)
array([ 2.,  3.,  5.,  7.,  9., 10.])

``gradient(f, *varargs, axis=None, edge_order=1, out=None, workers=1)`` is a drop-in
replacement for ``numpy.gradient`` (numpy >= 2.0) with an ``out=`` argument and a
``workers=`` thread count (scipy's name; -1 for every CPU).

The shared library libgradient is the one ``pip install`` put inside this package, else
the file named by the environment variable ``GRADIENT_LIBRARY``, else (in a checkout)
the repository's ``target/release`` or ``target/debug``, else the system's
(``ctypes.util.find_library``); ``ImportError`` otherwise, and for a library of an ABI
version this package does not support. ``library_path()`` and ``library_version()`` say
which was loaded:

>>> major, minor, patch = ndgradient.library_version().split(".")
>>> (int(major), int(minor)) in ndgradient._lib.SUPPORTED_ABI
True

``Plan(shape, dtype, *varargs, axis=None, edge_order=1, workers=1, strides=None)`` does
``gradient()``'s checks and libgradient's planning once for arrays of one shape and
dtype; calling it, ``plan(f, out=None)``, returns what ``gradient()`` returns, with far
less work per call:

>>> plan = ndgradient.Plan(6, np.float64, 0.5)
>>> plan(np.array([1., 2, 4, 7, 11, 16]))
array([ 2.,  3.,  5.,  7.,  9., 10.])

``gradient_block(f, *varargs, global_shape, start, halo_before, halo_after, ...)``
computes one block of a larger array from the block and a halo of neighbouring samples,
whose widths ``block_halo(global_shape, start, shape, *varargs, ...)`` gives; the
module ``ndgradient.dask`` builds a lazy ``gradient`` of a dask array on them.
"""

from ._api import gradient
from ._block import block_halo, gradient_block
from ._lib import library_path, library_version
from ._plan import Plan

__all__ = ["Plan", "block_halo", "gradient", "gradient_block", "library_path",
           "library_version"]


def _version() -> str:
    """The installed distribution's version (the C library's version it was built from),
    or, for a package used from a checkout, the loaded library's version."""
    from importlib import metadata
    from pathlib import Path
    try:
        dist = metadata.distribution("ndgradient")
    except metadata.PackageNotFoundError:
        return library_version()
    here = Path(__file__).resolve()
    if Path(dist.locate_file("ndgradient/__init__.py")).resolve() != here:
        return library_version()
    return dist.version


#: The package's version: that of the libgradient it was built with (Cargo.toml's).
__version__ = _version()
