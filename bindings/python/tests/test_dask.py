"""``ndgradient.dask.gradient``: lazy, chunked as its input, and numpy.gradient of the
computed array bit for bit for any chunking, spacing form, dtype and edge order; on the
synchronous and threaded schedulers and on a LocalCluster of worker processes.

No test can hang: every compute names its scheduler (nothing global is configured), the
property tests compute synchronously (hypothesis drives no thread pool), and the
cluster test has timeouts on start, compute and shutdown.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import _support
from _support import assert_bitwise, examples, gradient_cases, numpy_gradient, outcome

da = pytest.importorskip("dask.array")
import ndgradient.dask  # noqa: E402

#: A hang fails the test (pytest-timeout) instead of stopping the suite.
pytestmark = pytest.mark.timeout(600)


@st.composite
def chunkings(draw, shape):
    """Chunks for ``shape``: one chunk, 1-sample chunks, equal chunks with an uneven last
    one, or random sizes, per axis."""
    chunks = []
    for n in shape:
        form = draw(st.sampled_from(["one", "ones", "even", "random", "random"]))
        if n == 0 or form == "one":
            chunks.append((n,))
        elif form == "ones":
            chunks.append((1,) * n)
        elif form == "even":
            size = draw(st.integers(1, n))
            chunks.append((size,) * (n // size) + ((n % size,) if n % size else ()))
        else:
            sizes, left = [], n
            while left:
                k = draw(st.integers(1, left))
                sizes.append(k)
                left -= k
            chunks.append(tuple(sizes))
    return tuple(chunks)


def _computed(result, scheduler="sync"):
    import dask
    if isinstance(result, tuple):
        return tuple(dask.compute(*result, scheduler=scheduler))
    return result.compute(scheduler=scheduler)


def _check(f, chunks, spacing=(), scheduler="sync", **kwargs):
    """ndgradient.dask.gradient of ``f`` chunked as ``chunks``: numpy's exception type, or
    numpy's bits, chunked as ``chunks``."""
    x = da.from_array(f, chunks=chunks)
    kind, expected = outcome(numpy_gradient, f, *spacing, **kwargs)
    got_kind, lazy = outcome(ndgradient.dask.gradient, x, *spacing, **kwargs)
    if kind == "raise":
        assert got_kind == "raise", f"numpy raised {expected!r}; we returned"
        assert _support.public_type(lazy) is _support.public_type(expected), (lazy, expected)
        return
    assert got_kind == "ok", lazy
    for a in (lazy if isinstance(lazy, tuple) else (lazy,)):
        assert a.chunks == x.chunks
        assert a.dtype == (expected[0] if isinstance(expected, tuple) else expected).dtype
    assert_bitwise(_computed(lazy, scheduler), expected)


@examples(120)
@given(case=gradient_cases(allow_lists=False, max_size=300), data=st.data())
def test_any_chunking_gives_numpys_bits(case, data):
    """Every dtype, layout, spacing form (unit, scalars of every type, coordinates of every
    dtype incl. float32, non-uniform, uniform ones), axis and edge order."""
    chunks = data.draw(chunkings(case.f.shape))
    _check(case.f, chunks, case.spacing, **case.kwargs())
    _support.count("test_any_chunking_gives_numpys_bits")


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("chunks", [1, 2, 3, 5, 16, (1, 15), (15, 1), (7, 7, 2)])
def test_one_sample_chunks_and_uneven_last_chunks(edge_order, chunks):
    """dask#7025: dask.array.gradient needs edge_order + 1 samples in every chunk,
    the last one included; any chunking works here."""
    rng = np.random.default_rng(1)
    f = rng.standard_normal(16)
    x = np.cumsum(rng.uniform(0.5, 1.5, 16))
    _check(f, chunks, (), edge_order=edge_order)
    _check(f, chunks, (x,), edge_order=edge_order)


def test_coordinates_uniform_in_a_chunk_but_not_globally():
    """numpy takes exactly uniform coordinates as one step only if the whole axis is
    uniform; dask.array.gradient decides per chunk window and gets other bits here."""
    x = np.concatenate([np.arange(8.0) * 3, 21 + np.arange(1.0, 9) * 5])
    f = np.sin(np.arange(16) * 0.37)
    _check(f, 8, (x,))
    _check(f, 8, (x.astype(np.float32),), edge_order=2)
    naive = da.gradient(da.from_array(f, chunks=8), x)
    naive = (naive[0] if isinstance(naive, list) else naive).compute(scheduler="sync")
    assert not np.array_equal(naive, numpy_gradient(f, x))  # what this test is about


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64,
                                   np.int32, np.uint8])
def test_dtypes_on_the_threaded_scheduler(dtype):
    rng = np.random.default_rng(2)
    f = _support.random_values(rng, dtype, (23, 17), "normal", 0.0)
    x = np.cumsum(rng.uniform(0.5, 1.5, 17)).astype(np.float32)
    for spacing in [(), (0.5,), (np.float32(0.5),), (2.0, x), (np.int16(3),)]:
        for edge_order in (1, 2):
            _check(f, (5, 4), spacing, scheduler="threads", edge_order=edge_order)
    _check(f, (5, 4), (), scheduler="threads", axis=1)
    _check(f, (5, 4), (), scheduler="threads", axis=(1, 0))


@pytest.mark.parametrize("edge_order", [1, 2])
def test_empty_chunks(edge_order):
    """dask allows chunks of 0 samples anywhere along an axis."""
    f = np.random.default_rng(6).standard_normal((6, 9))
    _check(f, ((3, 0, 3), (0, 4, 0, 1, 4, 0)), (), edge_order=edge_order)
    _check(np.zeros((0, 5)), ((0,), (2, 0, 3)), (), axis=1, edge_order=edge_order)


def test_three_dimensions_threaded_with_one_sample_chunks():
    rng = np.random.default_rng(3)
    f = rng.standard_normal((6, 5, 7))
    _check(f, (1, 2, 3), (), scheduler="threads", edge_order=2)
    _check(f, (6, 1, 7), (0.25, np.arange(5.0) ** 2, 3), scheduler="threads")


def test_dask_coordinates_stay_lazy():
    calls = []

    def coordinates(n):
        calls.append(n)
        return np.cumsum(np.linspace(0.5, 1.5, n))

    import dask
    x_lazy = da.from_delayed(dask.delayed(coordinates)(20), shape=(20,), dtype=np.float64)
    x_lazy = x_lazy.rechunk(6)
    f = np.sin(np.arange(60.0)).reshape(3, 20)
    g = ndgradient.dask.gradient(da.from_array(f, chunks=(2, 7)), x_lazy, axis=1,
                                 edge_order=2)
    assert calls == []  # building the graph read no coordinate
    assert_bitwise(g.compute(scheduler="sync"),
                   numpy_gradient(f, coordinates(20), axis=1, edge_order=2))


def test_lazy_scalar_steps():
    """A 0-d dask array as a step stays lazy and keeps numpy's precision rule of a numpy
    scalar of its dtype (float32 data: a float64 step promotes, a float32 one does not)."""
    f = np.sin(np.arange(30.0)).astype(np.float32).reshape(5, 6)
    x = da.from_array(f, chunks=(2, 4))
    for h in (np.float64(0.3), np.float32(0.3)):
        got = ndgradient.dask.gradient(x, da.from_array(np.asarray(h)), edge_order=2)
        assert_bitwise(_computed(got), numpy_gradient(f, h, edge_order=2))


def test_lazy_coordinates_are_checked_like_numpys():
    f = da.zeros((4, 5), chunks=2)
    with pytest.raises(ValueError, match="distances must match"):
        ndgradient.dask.gradient(f, da.arange(4.0, chunks=2), da.arange(4.0, chunks=2))
    with pytest.raises(ValueError, match="1d"):
        ndgradient.dask.gradient(f, da.zeros((4, 2)), 1.0)


def test_return_forms_and_errors_at_construction():
    x = da.from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    assert ndgradient.dask.gradient(x, axis=()) == ()
    assert isinstance(ndgradient.dask.gradient(x, axis=1), da.Array)
    assert len(ndgradient.dask.gradient(x)) == 2
    ndgradient.dask.gradient(x, edge_order=2, axis=0)  # 3 samples: enough
    with pytest.raises(ValueError, match="too small"):
        ndgradient.dask.gradient(x[:2], edge_order=2)
    with pytest.raises(np.exceptions.AxisError):
        ndgradient.dask.gradient(x, axis=2)
    with pytest.raises(TypeError):
        ndgradient.dask.gradient(x.astype(np.float16))
    # numpy input is accepted (converted with dask.array.asarray).
    assert_bitwise(ndgradient.dask.gradient(np.arange(5.0) ** 2).compute(scheduler="sync"),
                   numpy_gradient(np.arange(5.0) ** 2))


@pytest.mark.parametrize("chunks", [1, 2, 3, (4, 1, 2)])
def test_matlab_scheme_for_any_chunking(chunks):
    """scheme="matlab": MATLAB's definition written with numpy slices (test_scheme.py), and
    the whole-array call's bits, on coordinates of two dtypes, scalar steps and an axis of
    length 1 (zeros under MATLAB's rules, AXIS_TOO_SHORT under numpy's)."""
    from test_scheme import matlab_definition
    rng = np.random.default_rng(7)
    f = rng.standard_normal((7, 1, 6))
    x = np.cumsum(rng.uniform(0.5, 1.5, 6))
    lazy_f = da.from_array(f, chunks=chunks)
    for steps in [(1.0, 1.0, 1.0), (0.5, 2.0, x), (1.0, 1.0, x.astype(np.float32))]:
        got = _computed(ndgradient.dask.gradient(lazy_f, *steps, scheme="matlab"))
        assert_bitwise(got, ndgradient.gradient(f, *steps, scheme="matlab"))
        for k, h in enumerate(steps):
            assert_bitwise(got[k], matlab_definition(f, h, k))
    # Computed together: graphs that differ only in the scheme must not share keys.
    import dask
    numpys, matlabs = dask.compute(
        ndgradient.dask.gradient(lazy_f, 1.0, x, axis=(0, 2)),
        ndgradient.dask.gradient(lazy_f, 1.0, x, axis=(0, 2), scheme="matlab"),
        scheduler="sync")
    assert_bitwise(tuple(numpys), numpy_gradient(f, 1.0, x, axis=(0, 2)))
    assert_bitwise(matlabs[1], matlab_definition(f, x, 2))
    with pytest.raises(ValueError, match="too small"):
        ndgradient.dask.gradient(lazy_f)
    with pytest.raises(ValueError, match="edge_order"):
        ndgradient.dask.gradient(lazy_f, edge_order=2, scheme="matlab")
    with pytest.raises(ValueError, match="scheme"):
        ndgradient.dask.gradient(lazy_f, scheme="octave")


def test_a_task_holds_its_chunk_and_halo():
    """Each output chunk depends on its own input chunk and on halo slabs, each cut from
    a face neighbour (never a diagonal one) by a task of its own and one sample thick
    here: only the halo travels between workers."""
    from dask.local import get_sync
    x = da.from_array(np.arange(81.0).reshape(9, 9), chunks=3)
    g = ndgradient.dask.gradient(x, axis=(0, 1))[0]
    deps = g.dask.get_all_dependencies()
    name = g.name.replace("-0-", "-", 1)

    def inputs(block):
        own, slabs = set(), {}
        for key in deps[(name, *block)]:
            if key[0] == x.name:
                own.add(key[1:])
            else:
                (chunk,) = deps[key]
                slabs[chunk[1:]] = get_sync(g.dask, key).shape
        return own, slabs

    assert inputs((1, 1)) == ({(1, 1)}, {(0, 1): (1, 3), (2, 1): (1, 3), (1, 0): (3, 1),
                                         (1, 2): (3, 1)})
    assert inputs((0, 0)) == ({(0, 0)}, {(1, 0): (1, 3), (0, 1): (3, 1)})


def test_the_library_gets_c_ordered_windows(monkeypatch):
    """Every window given to gradient_block is C-contiguous (the library's fast path):
    the chunk plus its halo along the differentiated axis only."""
    seen = []
    real = ndgradient.dask.gradient_block

    def spy(window, *args, **kwargs):
        seen.append((window.shape, window.flags.c_contiguous, kwargs["halo_before"],
                     kwargs["halo_after"]))
        return real(window, *args, **kwargs)

    monkeypatch.setattr(ndgradient.dask, "gradient_block", spy)
    f = np.arange(63.0).reshape(7, 9) ** 2
    x = da.from_array(f, chunks=(3, 4))
    assert_bitwise(_computed(ndgradient.dask.gradient(x, axis=1)), numpy_gradient(f, axis=1))
    assert len(seen) == 9
    for shape, contiguous, before, after in seen:
        assert contiguous and before[0] == after[0] == 0
        assert shape[1] - before[1] - after[1] in (4, 1)


@pytest.mark.timeout(180)
def test_local_cluster_of_processes():
    """Two worker processes (they load libgradient as this process does: the installed
    package, or the source tree with GRADIENT_LIBRARY, through the inherited
    environment)."""
    distributed = pytest.importorskip("distributed")
    if sys.platform != "linux":
        pytest.skip("worker processes are only tested on Linux")
    env = {k: os.environ[k] for k in ("PYTHONPATH", "GRADIENT_LIBRARY") if k in os.environ}
    rng = np.random.default_rng(4)
    f = rng.standard_normal((40, 30))
    x = np.cumsum(rng.uniform(0.5, 1.5, 30))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, env=env,
                                  silence_logs=40) as cluster, \
            distributed.Client(cluster, timeout=60) as client:
        # A few chunks (each task costs the scheduler about a millisecond), with 1-sample
        # chunks whose edge_order-2 halo comes from two chunks.
        chunks = ((13, 1, 13, 13), (1, 14, 15))
        lazy = ndgradient.dask.gradient(da.from_array(f, chunks=chunks), 0.5, x,
                                        edge_order=2)
        futures = client.compute(list(lazy))
        got = tuple(future.result(timeout=60) for future in futures)
        workers = client.run(lambda: __import__("ndgradient").library_path())
    assert len(workers) == 2
    assert_bitwise(got, numpy_gradient(f, 0.5, x, edge_order=2))


def test_the_readme_recipe_runs():
    """The Dask recipe of README.md's "Beyond one machine", run as it is shown."""
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme[readme.index("### Dask\n"):readme.index("### MPI\n")]
    code = section[section.index("```python\n") + 10:]
    code = code[:code.index("```")]
    exec(compile(code, "README.md (Dask recipe)", "exec"), {})  # noqa: S102 - our README
