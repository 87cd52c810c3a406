//! The C API, exercised from C and C++: every program in `c_tests/` and the C and C++
//! examples are compiled with `-Wall -Wextra -Wpedantic -Werror`, linked against the
//! `libgradient` that cargo just built, and run. The programs using `gradient.hpp` are
//! built as C++17 and C++20 (and C++17 with `-fno-exceptions`), with
//! `-Wconversion -Wsign-conversion` as well. A program passes when it exits with status 0;
//! on failure the test shows its stdout and stderr.
//!
//! Each program gets its own module, so a failure names it:
//! - `<program>::runs`: linked against `libgradient.so` (every `cargo test`);
//! - `<program>::under_sanitizers` (ignored by default): built with AddressSanitizer and
//!   UndefinedBehaviorSanitizer;
//! - `<program>::under_valgrind` (ignored by default): run under valgrind's memcheck with
//!   leak checking.
//!
//! CI runs the ignored ones: `cargo test --test c_api -- --ignored under_sanitizers`, and
//! `cargo test --release --test c_api -- --ignored under_valgrind` (the release library,
//! which users run; valgrind reports nothing on it either). See
//! `tests/support/cbuild.rs` for how the library is found and why the library search path
//! is pinned to `target/<profile>/deps`.

#[path = "support/cbuild.rs"]
mod cbuild;

use cbuild::{Build, CXX_STRICT_FLAGS, Program, SANITIZER_FLAGS};
use std::process::{Command, Output};

/// A program using `gradient.hpp`, compiled as C++17 with [`CXX_STRICT_FLAGS`].
fn cxx17(source: &str) -> Build {
    Build::cxx(source)
        .flags(CXX_STRICT_FLAGS)
        .flags(&["-std=c++17"])
        .tag("cxx17")
}

/// A program using `gradient.hpp`, compiled as C++20 with [`CXX_STRICT_FLAGS`].
fn cxx20(source: &str) -> Build {
    Build::cxx(source)
        .flags(CXX_STRICT_FLAGS)
        .flags(&["-std=c++20"])
        .tag("cxx20")
}

/// Compiles `build`, or panics with the compiler's output.
fn compile(build: &Build) -> Program {
    build
        .compile()
        .unwrap_or_else(|message| panic!("{message}"))
}

/// Compiles and runs a program linked against `libgradient.so`; panics unless it exits 0.
fn run(build: Build) -> Output {
    let program = compile(&build);
    program.run().unwrap_or_else(|message| panic!("{message}"))
}

/// Builds with ASan and UBSan and runs; panics on any report or a non-zero exit.
fn run_sanitized(build: Build) {
    let program = compile(&build.flags(SANITIZER_FLAGS).tag("sanitized"));
    let mut cmd = program.command();
    // An address-space cap (test_errors' out-of-memory case) cannot work beside ASan's
    // shadow memory; let its allocator return NULL, as the real one does, if asked for
    // too much.
    cmd.env("GRADIENT_NO_RLIMIT", "1");
    cmd.env(
        "ASAN_OPTIONS",
        "allocator_may_return_null=1:detect_leaks=1:abort_on_error=0",
    );
    cmd.env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
    program
        .check(cmd)
        .unwrap_or_else(|message| panic!("{message}"));
}

/// Runs under valgrind's memcheck; panics on any error, a definite or indirect leak, or a
/// non-zero exit.
fn run_under_valgrind(build: Build) {
    let found = Command::new("valgrind").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "valgrind is not installed (or does not run); install it, e.g. `apt-get install valgrind`"
    );
    let program = compile(&build.tag("valgrind"));
    let mut cmd = program.wrapped(&[
        "valgrind",
        "--error-exitcode=1",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect",
        "--quiet",
    ]);
    // valgrind manages the address space itself: no cap for the out-of-memory case.
    cmd.env("GRADIENT_NO_RLIMIT", "1");
    program
        .check(cmd)
        .unwrap_or_else(|message| panic!("{message}"));
}

/// One module per program: `runs`, and the ignored `under_sanitizers` / `under_valgrind`.
macro_rules! c_program {
    ($(#[$doc:meta])* $name:ident => $build:expr) => {
        $(#[$doc])*
        mod $name {
            use super::*;

            #[test]
            fn runs() {
                run($build);
            }

            #[test]
            #[ignore = "slow; CI runs it with `cargo test --test c_api -- --ignored`"]
            fn under_sanitizers() {
                run_sanitized($build);
            }

            #[test]
            #[ignore = "slow; CI runs it with `cargo test --test c_api -- --ignored`"]
            fn under_valgrind() {
                run_under_valgrind($build);
            }
        }
    };
}

c_program!(
    /// numpy's worked examples, bit for bit.
    test_worked_examples => Build::c("c_tests/test_worked_examples.c")
);
c_program!(
    /// Every spacing kind, precision mode and dtype.
    test_spacing => Build::c("c_tests/test_spacing.c")
);
c_program!(
    /// Strided, negative, Fortran, transposed, broadcast and interleaved arrays.
    test_layouts => Build::c("c_tests/test_layouts.c")
);
c_program!(
    /// Every provokable failure status, its message, and untouched outputs.
    test_errors => Build::c("c_tests/test_errors.c")
);
c_program!(
    /// `grad_gradient_f64` in both layouts.
    test_plain_f64 => Build::c("c_tests/test_plain_f64.c")
);
c_program!(
    /// Status messages, versions, enum values and struct layout.
    test_misc => Build::c("c_tests/test_misc.c")
);
c_program!(
    /// The plan API: options, plans, execution from 16 threads, grad_last_error_copy.
    test_plan => Build::c("c_tests/test_plan.c").flags(&["-pthread"])
);
c_program!(
    /// The matlab scheme against its definition; INVALID_SCHEME; length-1 axes.
    test_scheme => Build::c("c_tests/test_scheme.c").flags(&["-lm"])
);
c_program!(
    /// Blocks with halos: stitched blocks give the whole array's bits; halo widths; errors.
    test_blocks => Build::c("c_tests/test_blocks.c")
);
c_program!(
    /// The header compiled and used as C++11.
    header_cxx => Build::cxx("c_tests/header_cxx.cpp")
);
c_program!(
    /// `gradient.hpp` as C++17: every form against numpy's bits and the C API's.
    test_cxx17 => cxx17("c_tests/test_cxx.cpp")
);
c_program!(
    /// `gradient.hpp` as C++20: the same, plus the `std::span` overloads.
    test_cxx20 => cxx20("c_tests/test_cxx.cpp")
);
c_program!(
    /// `gradient.hpp` as C++17 with `-fno-exceptions`: the `try_` forms alone.
    test_cxx17_no_exceptions => cxx17("c_tests/test_cxx.cpp")
        .flags(&["-fno-exceptions"])
        .tag("noexcept")
);
c_program!(
    /// The C++ example (`examples/plan.cpp`), as C++17.
    plan_cxx_example => cxx17("examples/plan.cpp")
);
c_program!(
    /// The C example for newcomers (its output is checked by `example_output_is_expected`).
    worked_examples_example => Build::c("examples/worked_examples.c")
);

/// The static library works too: the worked examples linked against `libgradient.a`.
#[test]
fn test_worked_examples_links_statically() {
    run(Build::c("c_tests/test_worked_examples.c")
        .static_link()
        .tag("static"));
}

/// The C example prints exactly `examples/worked_examples.expected`.
#[test]
fn example_output_is_expected() {
    let output = run(Build::c("examples/worked_examples.c").tag("expected"));
    let expected_path = cbuild::manifest_dir().join("examples/worked_examples.expected");
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", expected_path.display()));
    let actual = String::from_utf8_lossy(&output.stdout);
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .map_or_else(
                || "one output is a prefix of the other".to_string(),
                |i| format!("first difference on line {}", i + 1),
            );
        panic!(
            "examples/worked_examples.c printed something else than {} ({first_difference}).\n\
             If the change is intended, regenerate the file with\n  \
             cargo run --example worked_examples > examples/worked_examples.expected\n\
             --- printed ---\n{actual}--- expected ---\n{expected}",
            expected_path.display()
        );
    }
}
