//! The crate `ndgradient` as a Rust project uses it: a throwaway project of its own
//! workspace (in `target/rust-dependent/`) with a path dependency on `ndgradient/`, whose
//!
//! - dependency tree (`cargo tree`, normal and build edges) holds no cbindgen, no serde, no
//!   cc and not this C library package, and exactly one `ndarray`;
//! - build produces no C library (`libgradient.*`) and no header;
//! - program, which names `ndarray` only through `ndgradient::ndarray`, prints the
//!   derivative of a small case derived by hand below, with numpy's bits;
//!
//! and `cargo package -p ndgradient` builds the packaged crate on its own (what crates.io
//! would receive: metadata, licence files, the README its docs include).
//!
//! The project's build stays in `target/rust-dependent/`, so that a second run rebuilds
//! nothing. Needs only cargo and the crates already in cargo's cache (or the
//! network, on a machine that has built nothing yet).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cargo <args>` in `dir` with `target` as its target directory; panics with its
/// output unless it succeeds, and returns its stdout.
fn cargo(dir: &Path, target: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        // The test's own build flags are not the dependent's.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo {args:?} in {} failed:\n{stdout}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The dependent project: written afresh each run (the same bytes), outside the workspace.
fn dependent(root: &Path) -> PathBuf {
    let dir = root.join("project");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = \"uses-ndgradient\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[dependencies]\nndgradient = {{ path = {:?} }}\n\n[workspace]\n",
        repo().join("ndgradient")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // numpy.gradient([1, 4, 9, 16, 25], [0, 1, 2, 4, 5]) by hand. The ends are one-sided:
    // (4 - 1) / 1 = 3 and (25 - 16) / 1 = 9. Inside, numpy's three-point weights with
    // steps hs (left) and hd (right): a = -hd / (hs (hs + hd)), b = (hd - hs) / (hs hd),
    // c = hs / (hd (hs + hd)). x[1] (1, 1): -1/2, 0, 1/2 give 4. x[2] (1, 2): -2/3, 1/2,
    // 1/6 give -8/3 + 9/2 + 8/3 = 4.5. x[3] (2, 1): -1/6, -1/2, 2/3 give
    // -3/2 - 8 + 50/3 = 43/6.
    let main = r#"use ndgradient::ndarray::arr1;
use ndgradient::{gradient, Coordinates, Spacing};

fn main() {
    let f = arr1(&[1.0, 4.0, 9.0, 16.0, 25.0]);
    let x = arr1(&[0.0, 1.0, 2.0, 4.0, 5.0]);
    let g = gradient(f.view(), &[Spacing::Coordinates(Coordinates::F64(x.view()))], None, 1)
        .expect("valid arguments");
    let text: Vec<String> = g[0].iter().map(|v| format!("{v:?}")).collect();
    println!("{}", text.join(" "));
}
"#;
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    dir
}

#[test]
fn a_rust_dependent_builds_neither_cbindgen_nor_the_c_library() {
    let root = repo().join("target/rust-dependent");
    let target = root.join("target");
    let dir = dependent(&root);

    let tree = cargo(
        &dir,
        &target,
        &[
            "tree",
            "--prefix",
            "none",
            "--edges",
            "normal,build",
            "--format",
            "{p}",
        ],
    );
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for banned in ["cbindgen", "serde", "ndgradient-capi", "cc"] {
        assert!(
            !names.contains(&banned),
            "{banned} is in the dependent's tree:\n{tree}"
        );
    }
    assert!(names.contains(&"ndgradient"), "{tree}");
    let mut ndarrays: Vec<&str> = tree.lines().filter(|l| l.starts_with("ndarray ")).collect();
    ndarrays.sort();
    ndarrays.dedup();
    assert_eq!(ndarrays.len(), 1, "one ndarray version expected:\n{tree}");

    let printed = cargo(&dir, &target, &["run", "--quiet"]);
    let got: Vec<f64> = printed
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(got.len(), 5, "{printed}");
    // The hand derivation above, and numpy 2.4.6's bits for the two inexact points
    // (`numpy.gradient` prints 4.5 and 7.166666666666664, 43/6 less 3 ulp).
    assert_eq!(got, [3.0, 4.0, 4.5, 7.166666666666664, 9.0], "{printed}");
    assert!((got[3] - 43.0 / 6.0).abs() < 4.0 * 8.0 * f64::EPSILON);

    let c_artifacts: Vec<PathBuf> = walk(&target)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("libgradient") || name == "gradient.h"
        })
        .collect();
    assert!(
        c_artifacts.is_empty(),
        "the dependent's build made C artefacts: {c_artifacts:?}"
    );
}

#[test]
fn the_crate_packages_and_builds_alone() {
    let target = repo().join("target/rust-dependent/package");
    // --allow-dirty: the suite runs on working copies too; CI runs it on a clean clone.
    cargo(
        &repo(),
        &target,
        &["package", "-p", "ndgradient", "--allow-dirty", "--quiet"],
    );
    let crate_file = target.join(format!(
        "package/ndgradient-{}.crate",
        env!("CARGO_PKG_VERSION")
    ));
    let size = std::fs::metadata(&crate_file)
        .unwrap_or_else(|e| panic!("{}: {e}", crate_file.display()))
        .len();
    // crates.io takes at most 10 MB.
    assert!(size < 1 << 20, "{} is {size} bytes", crate_file.display());
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}
