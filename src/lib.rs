//! `libgradient`: the C ABI of [`ndgradient`] (`include/gradient.h`).
//!
//! `extern "C"` functions that validate raw pointers, shapes and strides (in elements) and
//! call the safe core, the `ndgradient` crate, which computes `numpy.gradient` bit for bit.
//! This package is built as `libgradient.so` / `libgradient.a`; its `build.rs` generates
//! the header with cbindgen. It is the only place with `unsafe` that touches caller memory.
//! Rust users depend on `ndgradient` instead, which builds none of this.
#![deny(missing_docs)]

pub mod ffi;

/// The Rust examples of the repository's README.md, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
