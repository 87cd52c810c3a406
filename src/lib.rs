//! `gradient`: `numpy.gradient`, bit for bit, as a Rust library with a C ABI.
//!
//! The derivative of a sampled function along each requested axis: second-order central
//! differences in the interior (`(f[i+1] - f[i-1]) / 2h`, or the three-point formula on
//! non-uniform coordinates) and first- or second-order one-sided differences at the ends,
//! with numpy ≥ 2.0's exact operations, operation order and precision rules.
//!
//! Two layers:
//! - [`core`]: the safe Rust API on `ndarray` views ([`gradient_into`], [`gradient`]). It has
//!   no `unsafe` and knows nothing of C.
//! - `ffi`: the C ABI (`include/gradient.h`): `extern "C"` functions that validate raw
//!   pointers, shapes and strides and call the core. The only place with `unsafe`.
//!
//! ```
//! use gradient::{gradient, Spacing};
//! use ndarray::arr1;
//! let f = arr1(&[5.0, 7.0, 4.0, 8.0]);
//! let g = gradient(f.view(), &[Spacing::Scalar(0.5)], None, 1).unwrap();
//! assert_eq!(g[0], arr1(&[4.0, -1.0, 1.0, 8.0]));
//! ```
#![deny(missing_docs)]

pub mod core;
pub mod ffi;

pub use crate::core::{
    Coordinates, ELEMENTS_PER_THREAD, Element, GradError, MAX_NDIM, Options, Plan, Real, Spacing,
    Value, gradient, gradient_into, gradient_into_threads,
};
/// Complex numbers as the core takes them (`#[repr(C)]`, laid out as C99 `_Complex`).
pub use num_complex::Complex;
