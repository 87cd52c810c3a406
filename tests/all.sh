#!/bin/sh
# The whole test suite, as the README's second command runs it:
#   1. `cargo test`: the core's unit tests, the FFI tests, the header freshness check, the
#      conformance vectors (numpy's results, committed), the C programs in c_tests/ and the
#      C example, all against the freshly built library, and tests/install.rs: `make
#      install` into a temporary prefix, with C and C++ programs built against it by
#      pkg-config and CMake (that part skipped, saying so, without cmake or pkg-config,
#      except under CI=true), and tests/mpi.rs: examples/mpi_blocks.c built with MPICH and
#      run with 2, 3 and 4 ranks (skipped, saying so, without mpicc.mpich and
#      mpiexec.mpich, except under CI=true);
#   2. the Python binding's tests against numpy (pytest + hypothesis, at least 2,000
#      generated cases), in a virtual environment `.venv` that bindings/python/run-tests.sh
#      creates and fills with pinned versions, against the package as a user installs it:
#      `pip install ./bindings/python` (which builds libgradient in release mode into
#      target/release and puts it inside the package);
#   3. that the committed conformance files are what their generator writes with that
#      pinned numpy (tests/conformance/check-generated.sh; about a second; skipped without
#      numpy, except under CI=true);
#   4. the MATLAB/Octave binding in Octave (bindings/matlab/run-tests.sh: the MEX gateway
#      built with mkoctfile, its tests against Octave's gradient and numpy's golden values;
#      skipped, saying so, without octave-cli and mkoctfile, except under CI=true);
#   5. the Julia package's syntax, parsed by tree-sitter-julia (bindings/julia/tools/
#      check-syntax.sh, which installs its two pinned packages into .venv); its @ccall
#      signatures are checked against the header by `cargo test` (tests/julia_ccalls.rs).
# Needs only the Rust toolchain, a C compiler, make and python3 with venv and pip.
set -eu
cd "$(dirname "$0")/.."

cargo test

sh bindings/python/run-tests.sh -q

sh tests/conformance/check-generated.sh

# The MEX gateway links the debug build's libgradient.a, which `cargo test` does not make.
cargo build -p ndgradient-capi
GRADIENT_LIBRARY="$(pwd)/target/debug/libgradient.so" sh bindings/matlab/run-tests.sh

sh bindings/julia/tools/check-syntax.sh
