"""ndgradient.dask.gradient against dask.array.gradient, side by side on the same chunked
arrays (the threaded scheduler, every axis, unit spacing, edge_order 1, float64). Run it
with `sh benches/run.sh --dask [--quick]`, which builds the release library and installs
numpy and dask in .venv-bench.

Workloads (issue #17): 4096 x 4096 in 4 and in 16 chunks, 256 x 256 x 256 in 8 chunks,
from numpy arrays in memory (dask.array.from_array). Each timed call builds the graph and
computes every output (dask.compute, scheduler="threads", as many threads as CPUs). Each
repeat runs both once, in a fresh random order; the medians and their ratio are printed.
Before timing, ndgradient's results are checked against numpy.gradient bit for bit (and
dask's are reported as equal or not).

A last table splits one chunk's task of ndgradient (the window copy, the library call on
the C-ordered window) and times the library on the same chunk without halo, to show
where the time goes.

    python benches/dask_compare.py [--quick]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

import numpy as np

import dask
import dask.array as da

import ndgradient
import ndgradient.dask

WORKLOADS = [
    ("4096x4096, 4 chunks", (4096, 4096), (2048, 2048)),
    ("4096x4096, 16 chunks", (4096, 4096), (1024, 1024)),
    ("256x256x256, 8 chunks", (256, 256, 256), (128, 128, 128)),
]


def timed(variants: dict, repeats: int) -> dict:
    """Median seconds per variant; each repeat runs every variant once, shuffled."""
    times = {name: [] for name in variants}
    for fn in variants.values():  # warm-up
        fn()
    for _ in range(repeats):
        order = list(variants)
        random.shuffle(order)
        for name in order:
            t0 = time.perf_counter()
            fn = variants[name]
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def compute(lazy):
    return dask.compute(*lazy, scheduler="threads")


def main(argv):
    quick = "--quick" in argv
    repeats = 3 if quick else 7
    print(f"ndgradient {ndgradient.__file__}, library {ndgradient.library_path()}; "
          f"dask {dask.__version__}, numpy {np.__version__}; {os.cpu_count()} CPUs; "
          f"medians of {repeats} interleaved repeats")
    print(f"{'workload':24} {'ndgradient.dask':>16} {'dask.array':>12} {'speed-up':>9}  "
          "bits vs numpy (ndgradient / dask)")
    rng = np.random.default_rng(0)
    for label, shape, chunks in WORKLOADS:
        f = rng.standard_normal(shape)
        x = da.from_array(f, chunks=chunks)
        expected = np.gradient(f)
        ours = compute(ndgradient.dask.gradient(x))
        theirs = compute(da.gradient(x))
        same = [all(np.array_equal(a, b) for a, b in zip(r, expected)) for r in (ours, theirs)]
        assert same[0], f"{label}: ndgradient.dask differs from numpy.gradient"
        del ours, theirs, expected
        med = timed({"ours": lambda: compute(ndgradient.dask.gradient(x)),
                     "dask": lambda: compute(da.gradient(x))}, repeats)
        print(f"{label:24} {med['ours'] * 1e3:13.1f} ms {med['dask'] * 1e3:9.1f} ms "
              f"{med['dask'] / med['ours']:8.2f}x  {'equal' if same[0] else 'DIFFERENT'} / "
              f"{'equal' if same[1] else 'DIFFERENT'}")
    print()
    print("One task of 4096x4096 in 16 chunks (an interior 1024x1024 chunk, halo 1 on both"
          " axes), one thread:")
    f = rng.standard_normal((4096, 4096))
    block = (slice(1024, 2048), slice(1024, 2048))
    window_box = (slice(1023, 2049), slice(1023, 2049))
    chunk = np.ascontiguousarray(f[block])
    window = np.ascontiguousarray(f[window_box])
    kwargs = dict(global_shape=f.shape, start=(1024, 1024), halo_before=(1, 1),
                  halo_after=(1, 1))
    outs = (np.empty((1024, 1024)), np.empty((1024, 1024)))
    med = timed({
        "copy into the window": lambda: np.copyto(window, f[window_box]),
        "gradient_block on the window": lambda: ndgradient.gradient_block(window, out=outs,
                                                                          **kwargs),
        "gradient of the chunk alone": lambda: ndgradient.gradient(chunk, out=outs),
        "numpy.gradient of the window": lambda: np.gradient(window),
    }, repeats * 3)
    for name, t in med.items():
        print(f"  {name:32} {t * 1e3:8.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
