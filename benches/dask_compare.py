"""ndgradient.dask.gradient against dask.array.gradient, side by side on the same chunked
arrays (the threaded scheduler, every axis, unit spacing, edge_order 1, float64). Run it
with `sh benches/run.sh --dask [--quick]`, which builds the release library and installs
numpy and dask in .venv-bench.

Workloads (issue #17): 4096 x 4096 in 4 and in 16 chunks, 256 x 256 x 256 in 8 chunks,
from numpy arrays in memory (dask.array.from_array). Each timed call builds the graph and
computes every output on the threaded scheduler (as many threads as CPUs), two ways:
"compute" (dask.compute: the outputs as numpy arrays, which ends with dask gathering the
chunks of each output into one new array on the calling thread, the same cost for both)
and "persist" (dask.persist: the output chunks computed and kept, as a pipeline that goes
on with them has them). Each repeat runs the four variants once, in a fresh random order;
the medians and the ratios are printed.
Before timing, ndgradient's results are checked against numpy.gradient bit for bit (and
dask's are reported as equal or not).

A last table splits one chunk's task of ndgradient (the window copy, the library call on
the C-ordered window) and times the library on the same chunk without halo and
numpy.gradient on the window, to show where the time goes.

    python benches/dask_compare.py [--quick]
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np

import dask
import dask.array as da

import ndgradient
import ndgradient.dask
from timing import timed

WORKLOADS = [
    ("4096x4096, 4 chunks", (4096, 4096), (2048, 2048)),
    ("4096x4096, 16 chunks", (4096, 4096), (1024, 1024)),
    ("256x256x256, 8 chunks", (256, 256, 256), (128, 128, 128)),
]


def compute(lazy):
    return dask.compute(*lazy, scheduler="threads")


def persist(lazy):
    return dask.persist(*lazy, scheduler="threads")


def main(argv):
    quick = "--quick" in argv
    repeats = 3 if quick else 7
    print(f"ndgradient {ndgradient.__file__}, library {ndgradient.library_path()}; "
          f"dask {dask.__version__}, numpy {np.__version__}; {os.cpu_count()} CPUs; "
          f"medians of {repeats} interleaved repeats")
    print(f"{'workload':24} {'compute: ours':>14} {'dask':>9} {'ratio':>6}   "
          f"{'persist: ours':>14} {'dask':>9} {'ratio':>6}   bits vs numpy (ours / dask)")
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
                     "dask": lambda: compute(da.gradient(x)),
                     "ours persist": lambda: persist(ndgradient.dask.gradient(x)),
                     "dask persist": lambda: persist(da.gradient(x))}, repeats)
        print(f"{label:24} {med['ours'] * 1e3:11.1f} ms {med['dask'] * 1e3:6.1f} ms "
              f"{med['dask'] / med['ours']:5.2f}x   {med['ours persist'] * 1e3:11.1f} ms "
              f"{med['dask persist'] * 1e3:6.1f} ms "
              f"{med['dask persist'] / med['ours persist']:5.2f}x   "
              f"{'equal' if same[0] else 'DIFFERENT'} / {'equal' if same[1] else 'DIFFERENT'}")
    print()
    print("One task, one thread: the window copy, the library on the window (outputs "
          "preallocated), the library on the chunk alone, numpy.gradient of the window:")
    for label, shape, size in [("4096x4096, 16 chunks", (4096, 4096), 1024),
                               ("256x256x256, 8 chunks", (256, 256, 256), 128)]:
        f = rng.standard_normal(shape)
        ndim = len(shape)
        # The first chunk: halo 1 after it along every axis.
        box = (slice(0, size + 1),) * ndim
        chunk = np.ascontiguousarray(f[(slice(0, size),) * ndim])
        window = np.ascontiguousarray(f[box])
        kwargs = dict(global_shape=shape, start=(0,) * ndim, halo_before=(0,) * ndim,
                      halo_after=(1,) * ndim)
        outs = tuple(np.empty((size,) * ndim) for _ in range(ndim))
        med = timed({
            "copy": lambda: np.copyto(window, f[box]),
            "block": lambda: ndgradient.gradient_block(window, out=outs, **kwargs),
            "chunk": lambda: ndgradient.gradient(chunk, out=outs),
            "numpy": lambda: np.gradient(window),
        }, repeats * 3)
        print(f"  {label:24} copy {med['copy'] * 1e3:6.2f} ms, gradient_block "
              f"{med['block'] * 1e3:6.2f} ms, chunk alone {med['chunk'] * 1e3:6.2f} ms, "
              f"numpy.gradient {med['numpy'] * 1e3:6.2f} ms")
    print()
    print("Outside the tasks, the same for both: dask's gather of the persisted outputs of "
          "256^3 in 8 chunks into numpy arrays, and one ndgradient.gradient call on a "
          "4096x4096 array into new outputs and into reused ones:")
    x = da.from_array(rng.standard_normal((256, 256, 256)), chunks=128)
    kept = persist(ndgradient.dask.gradient(x))
    big = rng.standard_normal((4096, 4096))
    reused = tuple(np.empty_like(big) for _ in range(2))
    med = timed({"gather": lambda: compute(kept),
                 "new": lambda: ndgradient.gradient(big),
                 "reused": lambda: ndgradient.gradient(big, out=reused)}, repeats)
    print(f"  gather {med['gather'] * 1e3:6.1f} ms; 4096x4096 into new outputs "
          f"{med['new'] * 1e3:6.1f} ms, into reused ones {med['reused'] * 1e3:6.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
