"""Side-by-side timing shared by the benchmarks (bench.py, dask_compare.py)."""

import random
import statistics
import time


def timed(variants, repeats):
    """Median seconds per variant of ``variants`` (name -> callable): one warm-up call of
    each (page faults, caches, code), then ``repeats`` rounds, each running every variant
    once in a shuffled order, so that a slow spell of a shared machine hits all alike."""
    times = {name: [] for name in variants}
    for fn in variants.values():
        fn()
    for _ in range(repeats):
        order = list(variants)
        random.shuffle(order)
        for name in order:
            t0 = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}
