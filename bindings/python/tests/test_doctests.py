"""The examples in the docstrings of the imported package (``help(ndgradient)``,
``help(ndgradient.gradient)``, ``help(ndgradient.Plan)``, ...), run as doctests: each
printed result must be what the call prints, so the documentation cannot drift from the
numerics. Every example's result is also numpy's (checked in test_examples.py)."""

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import ndgradient

#: The package and its Python modules (not the library file ``_libgradient.abi3.so``,
#: which pkgutil lists as an extension module by its suffix).
MODULES = ["ndgradient"] + [f"ndgradient.{m.name}" for m in pkgutil.iter_modules(ndgradient.__path__)
                            if not m.name.startswith("_libgradient")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name, globs={"np": np}) if t.examples]
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_public_api_has_examples():
    """gradient, Plan, gradient_block, block_halo, library_path, library_version and
    ndgradient.dask.gradient each show an example."""
    import ndgradient.dask
    finder = doctest.DocTestFinder()
    for obj in (ndgradient.gradient, ndgradient.Plan, ndgradient.gradient_block,
                ndgradient.block_halo, ndgradient.library_path, ndgradient.library_version,
                ndgradient.dask.gradient):
        assert any(t.examples for t in finder.find(obj)), obj
