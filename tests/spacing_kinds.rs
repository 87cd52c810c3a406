//! What the documentation of `grad_spacing_kind` says about the three scalar kinds, checked
//! through the C ABI: for `double` (and integer) data `GRAD_SPACING_KIND_SCALAR` and
//! `GRAD_SPACING_KIND_SCALAR_F64` give the same bits, while `GRAD_SPACING_KIND_SCALAR_F32`
//! rounds `h` to `float` and so gives `np.gradient(f, np.float32(h))`, which differs.
//!
//! The expected bits are numpy 2.4.6's:
//! `np.gradient(np.array([1., 2, 4, 7, 11, 16]), h, edge_order=eo).view(np.uint64)` with
//! `h = 0.1` and `h = np.float32(0.1)`. The Python binding's tests compare the same calls
//! with numpy directly (`bindings/python/tests/test_spacing_kinds.py`).

use gradient::ffi::{grad_dtype, grad_gradient, grad_spacing, grad_spacing_kind, grad_status};
use std::ffi::c_void;
use std::ptr;

/// The data of every test here.
const F: [f64; 6] = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
/// The step: not exactly a `float`.
const H: f64 = 0.1;

/// `np.gradient(F, 0.1, edge_order=1)` (= with `np.float64(0.1)`).
const NUMPY_H_EO1: [u64; 6] = [
    0x4024000000000000,
    0x402E000000000000,
    0x4039000000000000,
    0x4041800000000000,
    0x4046800000000000,
    0x4049000000000000,
];
/// `np.gradient(F, np.float32(0.1), edge_order=1)`.
const NUMPY_F32_EO1: [u64; 6] = [
    0x4023FFFFFB000001,
    0x402DFFFFF8800002,
    0x4038FFFFF9C00002,
    0x40417FFFFBA00001,
    0x40467FFFFA600001,
    0x4048FFFFF9C00002,
];
/// `np.gradient(F, 0.1, edge_order=2)`.
const NUMPY_H_EO2: [u64; 6] = [
    0x4014000000000000,
    0x402E000000000000,
    0x4039000000000000,
    0x4041800000000000,
    0x4046800000000000,
    0x404B800000000000,
];
/// `np.gradient(F, np.float32(0.1), edge_order=2)`: the edge coefficients `-1.5 / h` ... are
/// float32 and happen to give the same edges here; the interior differs.
const NUMPY_F32_EO2: [u64; 6] = [
    0x4014000000000000,
    0x402DFFFFF8800002,
    0x4038FFFFF9C00002,
    0x40417FFFFBA00001,
    0x40467FFFFA600001,
    0x404B800000000000,
];

/// One `grad_gradient` call on the 1-D array `data` of `dtype`, with one scalar spacing of
/// `kind` and step `H`; returns the output's bits (every dtype used here gives `double`).
fn gradient_bits<T>(dtype: grad_dtype, data: &[T], kind: grad_spacing_kind, eo: i32) -> Vec<u64> {
    let spacing = grad_spacing {
        kind: kind as i32,
        dtype: 0,
        h: H,
        coordinates: ptr::null(),
        length: 0,
        stride: 0,
    };
    let mut out = vec![f64::NAN; data.len()];
    let outs = [out.as_mut_ptr().cast::<c_void>()];
    let shape = [data.len()];
    // SAFETY: every pointer is valid for the extent its count gives, for the whole call.
    let status = unsafe {
        grad_gradient(
            dtype as i32,
            data.as_ptr().cast(),
            1,
            shape.as_ptr(),
            ptr::null(),
            &spacing,
            1,
            ptr::null(),
            0,
            eo,
            outs.as_ptr(),
            1,
            ptr::null(),
            1,
        )
    };
    assert_eq!(status, grad_status::Ok);
    out.iter().map(|x| x.to_bits()).collect()
}

fn hex(bits: &[u64]) -> Vec<String> {
    bits.iter().map(|b| format!("{b:#018X}")).collect()
}

#[test]
fn double_data_scalar_and_scalar_f64_agree_scalar_f32_is_numpys_float32_step() {
    for (eo, numpy_h, numpy_f32) in [
        (1, NUMPY_H_EO1, NUMPY_F32_EO1),
        (2, NUMPY_H_EO2, NUMPY_F32_EO2),
    ] {
        let scalar = gradient_bits(grad_dtype::F64, &F, grad_spacing_kind::Scalar, eo);
        let scalar_f64 = gradient_bits(grad_dtype::F64, &F, grad_spacing_kind::ScalarF64, eo);
        let scalar_f32 = gradient_bits(grad_dtype::F64, &F, grad_spacing_kind::ScalarF32, eo);
        assert_eq!(hex(&scalar), hex(&numpy_h), "SCALAR, edge_order {eo}");
        assert_eq!(
            hex(&scalar_f64),
            hex(&scalar),
            "SCALAR_F64, edge_order {eo}"
        );
        assert_ne!(scalar_f32, scalar, "SCALAR_F32, edge_order {eo}");
        assert_eq!(
            hex(&scalar_f32),
            hex(&numpy_f32),
            "SCALAR_F32, edge_order {eo}"
        );
    }
}

#[test]
fn integer_data_behaves_as_double_data() {
    let ints: Vec<i32> = F.iter().map(|&x| x as i32).collect();
    for eo in [1, 2] {
        for kind in [
            grad_spacing_kind::Scalar,
            grad_spacing_kind::ScalarF64,
            grad_spacing_kind::ScalarF32,
        ] {
            assert_eq!(
                gradient_bits(grad_dtype::I32, &ints, kind, eo),
                gradient_bits(grad_dtype::F64, &F, kind, eo),
                "{kind:?}, edge_order {eo}"
            );
        }
    }
}

/// The documentation once claimed the opposite of the first test (issue: "the three scalar
/// spacing kinds give identical results for double and integer data"); the header and the
/// README must not say it again, and must name numpy's float32 step for SCALAR_F32.
#[test]
fn documentation_does_not_claim_the_scalar_kinds_agree_on_double_data() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["include/gradient.h", "README.md"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        // Doc comments are wrapped: compare with runs of whitespace and comment stars
        // collapsed to one space.
        let flat = text
            .replace(['*', '\n'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for claim in [
            "the three scalar kinds give identical results",
            "all scalar kinds give identical results",
        ] {
            assert!(!flat.contains(claim), "{file} still says {claim:?}");
        }
        assert!(
            flat.contains("np.gradient(f, np.float32(h))"),
            "{file} does not name np.gradient(f, np.float32(h))"
        );
    }
}
