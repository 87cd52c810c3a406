"""Median time per call of numpy.gradient, gradient.gradient and a reused gradient.Plan
(with and without ``out=``), on float64 arrays of 16, 256 and 4096 elements (1-D) and
64 x 64 (2-D). A measurement script, not a test:

    cargo build --release
    .venv/bin/python bindings/python/bench/plan_timing.py       # from the repository root

Each figure is the median over 31 runs of the mean of a batch of calls (batches sized
to take about 2 ms), in microseconds.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import gradient  # noqa: E402


def median_us(fn, repeats=31):
    n = 1
    while True:  # batch size: about 2 ms per batch
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t > 2e-3:
            break
        n *= 2
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t) / n)
    return statistics.median(times) * 1e6


def main():
    print(f"library {gradient.library_path}, numpy {np.__version__}, Python "
          f"{sys.version.split()[0]}")
    rng = np.random.default_rng(0)
    cases = [("1-D 16", (16,)), ("1-D 256", (256,)), ("1-D 4096", (4096,)),
             ("2-D 64x64", (64, 64))]
    header = (f"{'case':<11}{'numpy':>9}{'gradient()':>12}{'plan(f)':>10}"
              f"{'plan(f,out)':>13}{'np/plan_out':>13}{'np/gradient':>13}")
    print(header)
    for name, shape in cases:
        f = rng.standard_normal(shape)
        plan = gradient.Plan(shape, np.float64)
        res = plan(f)
        out = res if isinstance(res, tuple) else res
        t_np = median_us(lambda: np.gradient(f))
        t_g = median_us(lambda: gradient.gradient(f))
        t_p = median_us(lambda: plan(f))
        t_po = median_us(lambda: plan(f, out=out))
        print(f"{name:<11}{t_np:9.2f}{t_g:12.2f}{t_p:10.2f}{t_po:13.2f}"
              f"{t_np / t_po:12.1f}x{t_np / t_g:12.1f}x")
        plan.close()


if __name__ == "__main__":
    main()
