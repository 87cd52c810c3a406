//! The committed `include/gradient.h` must be exactly what cbindgen generates from the
//! sources (build.rs writes the fresh copy to `$OUT_DIR`). Run with `GRADIENT_BLESS=1`
//! to update the committed copy after changing the FFI layer.

use std::path::Path;

#[test]
fn committed_header_is_fresh() {
    let generated = std::fs::read_to_string(env!("GRADIENT_GENERATED_HEADER"))
        .expect("build.rs generated the header");
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/gradient.h");
    if std::env::var_os("GRADIENT_BLESS").is_some() {
        std::fs::write(&committed_path, &generated).expect("write include/gradient.h");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/gradient.h is stale: run `GRADIENT_BLESS=1 cargo test --test header` and commit the result"
    );
}

#[test]
fn header_version_macros_match_the_crate() {
    let header = std::fs::read_to_string(env!("GRADIENT_GENERATED_HEADER")).unwrap();
    for (name, value) in [
        ("GRAD_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("GRAD_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("GRAD_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(
            header.contains(&format!("#define {name} {value}\n")),
            "{name} is not {value}"
        );
    }
    let packed = (env!("CARGO_PKG_VERSION_MAJOR").parse::<u32>().unwrap() << 16)
        | (env!("CARGO_PKG_VERSION_MINOR").parse::<u32>().unwrap() << 8)
        | env!("CARGO_PKG_VERSION_PATCH").parse::<u32>().unwrap();
    assert_eq!(gradient::ffi::grad_version(), packed);
    // SAFETY: grad_version_string returns a static NUL-terminated string.
    let s = unsafe { std::ffi::CStr::from_ptr(gradient::ffi::grad_version_string()) };
    assert_eq!(s.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_export_is_documented_in_the_header() {
    // Each function declaration in the header is preceded by its doc comment.
    let header = std::fs::read_to_string(env!("GRADIENT_GENERATED_HEADER")).unwrap();
    for decl in [
        "\ngrad_status grad_gradient(",
        "\ngrad_status grad_gradient_f64(",
        "\nconst char *grad_status_message(",
        "\nconst char *grad_last_error(",
        "\nuint32_t grad_version(",
        "\nconst char *grad_version_string(",
    ] {
        let at = header
            .find(decl)
            .unwrap_or_else(|| panic!("{decl:?} missing"));
        assert!(header[..at].ends_with("*/"), "{decl:?} has no doc comment");
    }
    assert_eq!(gradient::ffi::GRAD_MAX_NDIM, ndgradient::MAX_NDIM);
}
