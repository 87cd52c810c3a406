//! The MPI example, `examples/mpi_blocks.c`: built with MPICH's `mpicc.mpich` against the
//! freshly built `libgradient.so` and run with 2, 3 and 4 ranks by `mpiexec.mpich`. Each
//! run splits a 2-D and a 3-D array over the ranks along one axis and along two (uneven
//! widths, blocks 1 sample wide at global edges), exchanges the halos `grad_block_halo`
//! asks for with `MPI_Sendrecv`, computes each block with a block plan, gathers on rank 0
//! and compares bit for bit with one `grad_gradient` call on the whole array; it exits
//! non-zero on any difference. This test also checks that every case it lists ran, and
//! that the program refuses a rank count other than the one asked for (what a foreign
//! `mpirun`, such as the OpenMPI that Octave pulls in, would give it).
//!
//! About three seconds. An ignored test runs the example under AddressSanitizer and
//! UndefinedBehaviorSanitizer (`cargo test --test mpi -- --ignored`, in `.ci/run`, about
//! five seconds). Without `mpicc.mpich` or `mpiexec.mpich` (Debian: `apt-get install
//! mpich libmpich-dev`) it is skipped with a printed reason, except under `CI=true`, where
//! `.ci/run` installs them and nothing may be skipped.

#[path = "support/cbuild.rs"]
mod cbuild;
#[path = "support/tools.rs"]
mod tools;

use cbuild::{Build, Program, SANITIZER_FLAGS};
use std::io::Write as _;
use std::process::{Command, Output};
use std::sync::OnceLock;
use tools::{have, in_ci};

const MPICC: &str = "mpicc.mpich";
const MPIEXEC: &str = "mpiexec.mpich";
const EXAMPLE: &str = "examples/mpi_blocks.c";

/// The compiled example (built once for both tests that use it), or `None` without MPICH.
fn mpi_program() -> Option<&'static Program> {
    static PROGRAM: OnceLock<Option<Program>> = OnceLock::new();
    PROGRAM.get_or_init(|| compile(Build::c(EXAMPLE))).as_ref()
}

/// `build` compiled with `mpicc.mpich`, or `None` (after saying why, on the real stderr)
/// without MPICH; under `CI=true` a missing tool is a failure instead.
fn compile(build: Build) -> Option<Program> {
    if let Some(tool) = [MPICC, MPIEXEC].into_iter().find(|t| !have(t)) {
        assert!(
            !in_ci(),
            "{tool} is not installed, and CI=true skips nothing: .ci/run installs it"
        );
        let _ = writeln!(
            std::io::stderr(),
            "tests/mpi.rs: SKIPPED: `{tool}` is not installed (Debian: apt-get install mpich libmpich-dev)"
        );
        return None;
    }
    let program = build.compiler(MPICC).compile();
    Some(program.unwrap_or_else(|message| panic!("{message}")))
}

/// `mpiexec.mpich -n <ranks> <program> <asked>`, with the library path the program needs.
/// The fork launcher starts every rank on this machine (no ssh, as root in a container too).
fn mpiexec(program: &Program, ranks: usize, asked: usize) -> Command {
    let ranks = ranks.to_string();
    let mut cmd = program.wrapped(&[MPIEXEC, "-launcher", "fork", "-n", &ranks]);
    cmd.arg(asked.to_string());
    cmd
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn blocks_over_2_3_and_4_ranks_equal_the_whole_array_bit_for_bit() {
    let Some(program) = mpi_program() else {
        return;
    };
    // 6 layouts (2 of them need 3 ranks or more) of 7 cases each.
    for (ranks, cases) in [(2, 28), (3, 42), (4, 42)] {
        let output = program
            .check(mpiexec(program, ranks, ranks))
            .unwrap_or_else(|message| panic!("{message}"));
        let text = stdout(&output);
        let prefix = format!("[{ranks} ranks] ");
        let identical = text
            .lines()
            .filter(|l| l.starts_with(&prefix) && l.contains(": bit-identical ("))
            .count();
        assert_eq!(identical, cases, "with {ranks} ranks:\n{text}");
        let summary = format!("{prefix}{cases} of {cases} cases bit-identical");
        assert!(text.contains(&summary), "with {ranks} ranks:\n{text}");
        // By hand: rows 1+1+10+1 of 11 columns, edge_order 2. Rank 0 (row 0 alone) needs
        // rows 1 and 2, from ranks 1 and 2 (not only its neighbour); rank 1 (row 1) rows 0
        // and 2; rank 2 (rows 2..12) rows 1 and 12; rank 3 (row 12 alone) rows 10 and 11,
        // both from rank 2: 8 rows of 11 cells in 2 + 2 + 2 + 1 messages.
        if ranks == 4 {
            let line = "2-D 13x11, axis 0 split 1+1+10+1 | unit spacing, edge_order 2: \
                        bit-identical (88 halo cells in 7 messages)";
            assert!(text.contains(line), "with 4 ranks:\n{text}");
        }
    }
}

#[test]
fn a_rank_count_other_than_the_one_asked_for_is_refused() {
    let Some(program) = mpi_program() else {
        return;
    };
    let output = mpiexec(program, 2, 3)
        .output()
        .expect("mpiexec.mpich starts");
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        cbuild::describe_streams(&output)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("this process sees 2 rank(s) but 3 were asked for"),
        "{stderr}"
    );
}

/// The example with AddressSanitizer and UndefinedBehaviorSanitizer, with 3 ranks (every
/// layout, the brick one included). Leak detection is off: MPICH keeps allocations until
/// the process exits.
#[test]
#[ignore = "CI runs it with `cargo test --test mpi -- --ignored`"]
fn under_sanitizers_with_3_ranks() {
    let build = Build::c(EXAMPLE).flags(SANITIZER_FLAGS).tag("sanitized");
    let Some(program) = compile(build) else {
        return;
    };
    let mut cmd = mpiexec(&program, 3, 3);
    cmd.env("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0");
    cmd.env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
    let output = program
        .check(cmd)
        .unwrap_or_else(|message| panic!("{message}"));
    let text = stdout(&output);
    assert!(
        text.contains("[3 ranks] 42 of 42 cases bit-identical"),
        "{text}"
    );
}
