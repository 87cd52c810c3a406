//! Runs the C example `examples/worked_examples.c`: numpy.gradient's worked examples
//! computed through the C API.
//!
//! ```text
//! cargo run --release --example worked_examples
//! ```
//!
//! Cargo builds `libgradient` first (this example depends on the library target); the C
//! source is then compiled with the C compiler the `cc` crate selects, linked against the
//! `libgradient.so` just built in `target/<profile>/deps`, and run with its output passed
//! through. The exit status is the C program's. `tests/c_api.rs` checks its output against
//! `examples/worked_examples.expected`.

#[path = "../tests/support/cbuild.rs"]
mod cbuild;

use std::process::ExitCode;

fn main() -> ExitCode {
    let program = match cbuild::Build::c("examples/worked_examples.c").compile() {
        Ok(program) => program,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    // stdout and stderr are inherited: the C program prints straight to the terminal.
    match program.command().status() {
        Ok(status) => match status.code() {
            Some(0) => ExitCode::SUCCESS,
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => {
                eprintln!(
                    "{} was killed by a signal ({status})",
                    program.path.display()
                );
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("cannot run {}: {e}", program.path.display());
            ExitCode::FAILURE
        }
    }
}
