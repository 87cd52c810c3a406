//! Whether an external tool a test needs is here, and whether the run is CI's (where
//! nothing may be skipped). Shared by `tests/install.rs` and `tests/mpi.rs` (as
//! `#[path = "support/tools.rs"] mod tools;`).

use std::process::Command;

/// Whether this is a CI run (`CI=true`): `.ci/run` installs every tool, so a missing one
/// is a failure there rather than a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether `tool --version` runs.
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}
