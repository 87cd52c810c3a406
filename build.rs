//! Generates the C header from the FFI module's Rust declarations and doc comments.
//!
//! The header is written to `$OUT_DIR/gradient.h` only (a build script must not write into
//! the source tree); `tests/header.rs` checks that the committed `include/gradient.h` is
//! byte-identical, and rewrites it when `GRADIENT_BLESS=1`.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("gradient.h");
    let version =
        |part: &str| env::var(format!("CARGO_PKG_VERSION_{part}")).expect("cargo sets the version");
    let (major, minor, patch) = (version("MAJOR"), version("MINOR"), version("PATCH"));

    let mut config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    config.after_includes = Some(format!(
        "\n/** Version of the header: compare with grad_version() for the loaded library. */\n\
         #define GRAD_VERSION_MAJOR {major}\n\
         #define GRAD_VERSION_MINOR {minor}\n\
         #define GRAD_VERSION_PATCH {patch}\n\
         /** (MAJOR << 16) | (MINOR << 8) | PATCH, as grad_version() returns. */\n\
         #define GRAD_VERSION ((GRAD_VERSION_MAJOR << 16) | (GRAD_VERSION_MINOR << 8) | GRAD_VERSION_PATCH)\n"
    ));
    cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write_to_file(&out);

    println!(
        "cargo:rustc-env=GRADIENT_GENERATED_HEADER={}",
        out.display()
    );
    println!(
        "cargo:rustc-env=GRADIENT_TARGET={}",
        env::var("TARGET").expect("cargo sets TARGET")
    );
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
}
