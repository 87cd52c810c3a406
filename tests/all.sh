#!/bin/sh
# The whole test suite, as the README's second command runs it:
#   1. `cargo test`: the core's unit tests, the FFI tests, the header freshness check, the
#      conformance vectors (numpy's results, committed), the C programs in c_tests/ and the
#      C example, all against the freshly built library, and tests/install.rs: `make
#      install` into a temporary prefix, with C and C++ programs built against it by
#      pkg-config and CMake (that part skipped, saying so, without cmake or pkg-config,
#      except under CI=true);
#   2. the Python binding's tests against numpy (pytest + hypothesis, at least 2,000
#      generated cases), in a virtual environment `.venv` that bindings/python/run-tests.sh
#      creates and fills with pinned versions, against the package as a user installs it:
#      `pip install ./bindings/python` (which builds libgradient in release mode into
#      target/release and puts it inside the package);
#   3. that the committed conformance files are what their generator writes with that
#      pinned numpy (tests/conformance/check-generated.sh; about a second; skipped without
#      numpy, except under CI=true).
# Needs only the Rust toolchain, a C compiler, make and python3 with venv and pip.
set -eu
cd "$(dirname "$0")/.."

cargo test

sh bindings/python/run-tests.sh -q

sh tests/conformance/check-generated.sh
