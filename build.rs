//! Generates the C header from the FFI module's Rust declarations and doc comments.
//!
//! The header is written to `$OUT_DIR/gradient.h` only (a build script must not write into
//! the source tree); `tests/header.rs` checks that the committed `include/gradient.h` is
//! byte-identical, and rewrites it when `GRADIENT_BLESS=1`.
//!
//! On ELF platforms it also gives the shared library its ABI identity, in every profile:
//! the soname `libgradient.so.<sover>` by cargo-c's rule (see [`sover`]), so that a plain
//! `cargo build --release`, `make install` and `cargo cinstall` agree (`tests/install.rs`
//! checks it, and that the library exports exactly the header's `grad_` functions).

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

    let table = status_table(&dir.join("src/ffi/status.rs"));
    let table_path = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(table_path.join("status_table.rs"), table).expect("write status_table.rs");

    println!(
        "cargo:rustc-env=GRADIENT_GENERATED_HEADER={}",
        out.display()
    );
    println!(
        "cargo:rustc-env=GRADIENT_TARGET={}",
        env::var("TARGET").expect("cargo sets TARGET")
    );
    link_args(&major, &minor, &patch);

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
}

/// The soname's version suffix, as cargo-c computes it (`LibraryCApiConfig::sover`): before
/// 1.0 a minor release may change the ABI, so `0.0.PATCH` and `0.MINOR`; from 1.0, `MAJOR`.
/// The Makefile derives the same names from Cargo.toml's version.
fn sover(major: &str, minor: &str, patch: &str) -> String {
    match (major, minor) {
        ("0", "0") => format!("0.0.{patch}"),
        ("0", _) => format!("0.{minor}"),
        _ => major.to_string(),
    }
}

/// The cdylib's soname on ELF targets (cargo-c's list of soname platforms,
/// less Android, which wants no version suffix).
fn link_args(major: &str, minor: &str, patch: &str) {
    let os = env::var("CARGO_CFG_TARGET_OS").expect("cargo sets CARGO_CFG_TARGET_OS");
    let elf = [
        "linux",
        "freebsd",
        "dragonfly",
        "netbsd",
        "openbsd",
        "illumos",
        "hurd",
    ];
    if !elf.contains(&os.as_str()) {
        println!("cargo:rustc-env=GRADIENT_SONAME=");
        return;
    }
    let soname = format!("libgradient.so.{}", sover(major, minor, patch));
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    // For tests/support/cbuild.rs: programs linked with `-lgradient` record this name
    // (DT_NEEDED) and the loader looks for a file of that name.
    println!("cargo:rustc-env=GRADIENT_SONAME={soname}");
    // No version script: rustc already links a cdylib with its own, which exports the
    // `#[no_mangle]` functions only; a second one is merged into it and cannot narrow it
    // (tried: `global: grad_version*;` left every `grad_` function exported).
    // tests/install.rs checks the exports against the header's declarations instead.
}

/// The Rust code of `grad_status::ALL` and `grad_status::message()`, from the enum's one
/// definition in `status.rs`: each variant in order, with the first paragraph of its doc
/// comment as its message (final period and backticks dropped, first letter lowercased
/// unless the first word is a capitalised name such as `NULL`).
fn status_table(path: &std::path::Path) -> String {
    let source = std::fs::read_to_string(path).expect("read src/ffi/status.rs");
    let file = syn::parse_file(&source).expect("src/ffi/status.rs parses");
    let variants = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Enum(e) if e.ident == "grad_status" => Some(&e.variants),
            _ => None,
        })
        .expect("status.rs defines enum grad_status");
    let mut all = String::new();
    let mut arms = String::new();
    for v in variants {
        let docs: Vec<String> = v
            .attrs
            .iter()
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value().trim().to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let first: Vec<&str> = docs
            .iter()
            .map(String::as_str)
            .take_while(|l| !l.is_empty())
            .collect();
        assert!(
            !first.is_empty(),
            "grad_status::{} has no doc comment",
            v.ident
        );
        let text = first.join(" ").replace('`', "");
        let text = text.strip_suffix('.').unwrap_or(&text);
        let mut chars = text.chars();
        let (c0, c1) = (chars.next().unwrap_or(' '), chars.next().unwrap_or(' '));
        let message = match c1.is_lowercase() || c1 == ' ' {
            true => format!("{}{}", c0.to_lowercase(), &text[c0.len_utf8()..]),
            false => text.to_string(),
        };
        assert!(
            !message.contains('"') && !message.contains('\\'),
            "grad_status::{}: no quotes or backslashes in a message",
            v.ident
        );
        all += &format!("        grad_status::{},\n", v.ident);
        arms += &format!("            grad_status::{} => c\"{message}\",\n", v.ident);
    }
    format!(
        "impl grad_status {{\n\
         \x20   /// Every status, in the order of their definition.\n\
         \x20   pub(crate) const ALL: [grad_status; {n}] = [\n{all}    ];\n\n\
         \x20   /// The fixed, one-line description of the status: the first sentence of its\n\
         \x20   /// documentation.\n\
         \x20   pub fn message(self) -> &'static CStr {{\n\
         \x20       match self {{\n{arms}        }}\n    }}\n}}\n",
        n = variants.len()
    )
}
