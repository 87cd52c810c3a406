"""Median time per call of numpy.gradient and of ndgradient on float64 arrays of 16, 256
and 4096 elements (1-D) and 64 x 64 (2-D), with the ratios the speed targets name:

- "one-shot": ``ndgradient.gradient(f)`` with the plan cache off, so every call checks
  its arguments and makes one ``grad_gradient`` call (target: faster than numpy);
- "repeated": ``ndgradient.gradient(f)`` with the plan cache on (the default);
- "plan(f)" and "plan(f,out)": a reused ``ndgradient.Plan`` (target: at least 3x faster
  than numpy).

A measurement script, not a test. From the repository root:

    sh benches/run.sh --python          # installs the package into .venv, runs this
    .venv/bin/python bindings/python/bench/plan_timing.py [--quick]

Each figure is the median, over 41 rounds (15 with --quick), of the mean time per call of
a batch of calls (batches of about 2 ms), the six timed in turn in each round so that load
from other processes affects them alike. Times are the calling thread's CPU time
(``time.thread_time``), which a loaded machine inflates less than wall time; every call
here runs on the calling thread.
"""

import statistics
import sys
import time

import numpy as np

import ndgradient
from ndgradient import _api

CLOCK = time.thread_time


def batch_size(fn):
    """Calls per batch: about 2 ms."""
    n = 1
    while True:
        t = CLOCK()
        for _ in range(n):
            fn()
        if CLOCK() - t > 2e-3:
            return n
        n *= 2


def medians_us(fns, repeats):
    """Median time per call of each function, in microseconds, timed in turn."""
    sizes = [batch_size(fn) for fn in fns]
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, n, ts in zip(fns, sizes, times):
            t = CLOCK()
            for _ in range(n):
                fn()
            ts.append((CLOCK() - t) / n)
    return [statistics.median(ts) * 1e6 for ts in times]


def main():
    repeats = 15 if "--quick" in sys.argv[1:] else 41
    print(f"ndgradient {ndgradient.__version__}, library {ndgradient.library_path()}, "
          f"numpy {np.__version__}, Python {sys.version.split()[0]}; median us per call "
          f"(thread CPU time), {repeats} rounds")
    rng = np.random.default_rng(0)
    cases = [("1-D 16", (16,)), ("1-D 256", (256,)), ("1-D 4096", (4096,)),
             ("2-D 64x64", (64, 64))]
    print(f"{'case':<10}{'numpy':>8}{'one-shot':>10}{'repeated':>10}{'plan(f)':>9}"
          f"{'plan(f,out)':>12}  {'numpy/one-shot':>15}{'numpy/plan(f)':>14}"
          f"{'numpy/plan(f,out)':>18}")
    size = _api.PLAN_CACHE_SIZE
    for name, shape in cases:
        f = rng.standard_normal(shape)
        plan = ndgradient.Plan(shape, np.float64)
        out = plan(f)

        def one_shot():
            _api.PLAN_CACHE_SIZE = 0
            try:
                return ndgradient.gradient(f)
            finally:
                _api.PLAN_CACHE_SIZE = size

        t_np, t_one, t_rep, t_p, t_po = medians_us([
            lambda: np.gradient(f), one_shot, lambda: ndgradient.gradient(f),
            lambda: plan(f), lambda: plan(f, out=out)], repeats)
        print(f"{name:<10}{t_np:8.2f}{t_one:10.2f}{t_rep:10.2f}{t_p:9.2f}{t_po:12.2f}  "
              f"{t_np / t_one:14.2f}x{t_np / t_p:13.2f}x{t_np / t_po:17.2f}x")
        plan.close()


if __name__ == "__main__":
    main()
