"""pytest configuration for the Python binding's tests.

- Makes ``tests/_support.py`` importable; the package itself is the installed one (or the
  source tree on PYTHONPATH), see run-tests.sh.
- Registers the hypothesis profile: ``GRADIENT_HYPOTHESIS_SCALE`` (default 1) multiplies
  every property test's number of examples, e.g. ``GRADIENT_HYPOTHESIS_SCALE=10`` for
  the 10x run. No example database is written into the checkout.
- Prints how many hypothesis cases ran, per test and in total, and the header functions
  the binding does not wrap (found by test_prototypes.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import HealthCheck, settings  # noqa: E402

import _support  # noqa: E402

settings.register_profile(
    "gradient",
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("gradient")


def pytest_report_header(config):
    import ndgradient
    import numpy
    return (f"ndgradient {ndgradient.__file__}: library {ndgradient.library_path()} "
            f"({ndgradient.library_version()}), "
            f"numpy {numpy.__version__}, hypothesis scale {_support.SCALE:g}")


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    if _support.KNOWN_ISSUES:
        tr.section("known library issues tolerated")
        for name, n in sorted(_support.KNOWN_ISSUES.items()):
            tr.write_line(f"{n:8d}  elements: {name}")
    if _support.UNWRAPPED:
        tr.section("header functions the binding does not wrap")
        for name in _support.UNWRAPPED:
            tr.write_line(f"  {name}")
    counts = _support.CASES
    if not counts:
        return
    tr.section("hypothesis cases")
    for name, n in sorted(counts.items()):
        tr.write_line(f"{n:8d}  {name}")
    tr.write_line(f"{sum(counts.values()):8d}  total (scale {_support.SCALE:g})")
