"""Median time per call of numpy.gradient, ndgradient.gradient and a reused ndgradient.Plan
(with and without ``out=``), and ndgradient.gradient with its plan cache off
("uncached": every call a one-shot ``grad_gradient``), on float64 arrays of 16, 256 and 4096 elements (1-D) and
64 x 64 (2-D). A measurement script, not a test:

    cargo build --release
    .venv/bin/python bindings/python/bench/plan_timing.py       # from the repository root

Each figure is the median over 41 rounds of the mean time of a batch of calls (batches
of about 2 ms, the five timed in turn in each round), in microseconds.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import ndgradient  # noqa: E402
from ndgradient import _api  # noqa: E402


def batch_size(fn):
    """Calls per batch: about 2 ms."""
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t > 2e-3:
            return n
        n *= 2


def medians_us(fns, repeats=41):
    """Median time per call of each function, in microseconds. The functions are timed
    in turn within each repeat, so that load from other processes affects them alike."""
    sizes = [batch_size(fn) for fn in fns]
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, n, ts in zip(fns, sizes, times):
            t = time.perf_counter()
            for _ in range(n):
                fn()
            ts.append((time.perf_counter() - t) / n)
    return [statistics.median(ts) * 1e6 for ts in times]


def main():
    print(f"library {ndgradient.library_path()}, numpy {np.__version__}, Python "
          f"{sys.version.split()[0]}")
    rng = np.random.default_rng(0)
    cases = [("1-D 16", (16,)), ("1-D 256", (256,)), ("1-D 4096", (4096,)),
             ("2-D 64x64", (64, 64))]
    print(f"{'case':<11}{'numpy':>8}{'gradient()':>12}{'uncached':>10}{'plan(f)':>9}"
          f"{'plan(f,out)':>13}   numpy/plan(f,out)  numpy/gradient()  numpy/uncached")
    for name, shape in cases:
        f = rng.standard_normal(shape)
        plan = ndgradient.Plan(shape, np.float64)
        out = plan(f)

        def uncached():
            _api.PLAN_CACHE_SIZE = 0
            try:
                return ndgradient.gradient(f)
            finally:
                _api.PLAN_CACHE_SIZE = size

        size = _api.PLAN_CACHE_SIZE
        t_np, t_g, t_u, t_p, t_po = medians_us([
            lambda: np.gradient(f), lambda: ndgradient.gradient(f), uncached,
            lambda: plan(f), lambda: plan(f, out=out)])
        print(f"{name:<11}{t_np:8.2f}{t_g:12.2f}{t_u:10.2f}{t_p:9.2f}{t_po:13.2f}"
              f"{t_np / t_po:19.1f}x{t_np / t_g:17.1f}x{t_np / t_u:15.1f}x")
        plan.close()


if __name__ == "__main__":
    main()
