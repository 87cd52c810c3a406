//! The one result type of the C ABI, its messages, and the per-thread error detail.

use crate::core::GradError;
use libc::c_char;
use std::cell::RefCell;
use std::ffi::{CStr, CString};

/// Result of every fallible `grad_` function. `GRAD_STATUS_OK` (0) is success; every other
/// value names one kind of failure, and `grad_last_error()` gives the detail. On any
/// failure nothing has been written to any output. Numbers are fixed and never reused.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum grad_status {
    /// Success: every output element was written.
    Ok = 0,
    /// A pointer that must not be NULL was NULL (data with elements, `shape`, the output
    /// list, `axes` with `n_axes > 0`, `spacing` with `n_spacing > 0`, coordinates).
    NullPointer = 1,
    /// `ndim` is 0 or above `GRAD_MAX_NDIM`.
    InvalidNdim = 2,
    /// A dtype tag is not a `grad_dtype` value, or not allowed where it is used
    /// (coordinates must be real: float or integer).
    InvalidDtype = 3,
    /// The element count or the memory extent described by a shape and strides does not
    /// fit in the address space (`isize`), or a stride is `PTRDIFF_MIN`.
    Overflow = 4,
    /// A data, output or coordinate pointer is not aligned for its element type.
    Misaligned = 5,
    /// A requested axis is outside `-ndim .. ndim-1`.
    AxisOutOfBounds = 6,
    /// An axis is requested twice (after negative axes are resolved).
    RepeatedAxis = 7,
    /// `n_spacing` is not 0, not 1 (a scalar kind), and not the number of requested axes.
    SpacingCount = 8,
    /// A `grad_spacing.kind` is not a `grad_spacing_kind` value.
    InvalidSpacingKind = 9,
    /// A coordinate array's length differs from the length of its axis.
    CoordinatesLength = 10,
    /// A coordinate array has fewer than 2 entries (its axis has fewer than 2 elements).
    CoordinatesTooShort = 11,
    /// `edge_order` is not 1 or 2.
    InvalidEdgeOrder = 12,
    /// A requested axis has fewer than `edge_order + 1` elements.
    AxisTooShort = 13,
    /// An output shares memory with the input, a coordinate array or another output
    /// (interleaved outputs that share no element are fine), or its own strides do not nest
    /// (each at least the extent of the smaller ones), which could let two of its elements
    /// share an address.
    Overlap = 14,
    /// Memory for the coefficient tables (O(axis length)) could not be allocated.
    OutOfMemory = 15,
    /// `n_out` differs from the number of requested axes.
    OutputCount = 16,
    /// The output buffer of `grad_gradient_f64` holds fewer than `ndim * prod(shape)` elements.
    OutputTooSmall = 17,
    /// The `layout` argument of `grad_gradient_f64` is not a `grad_layout` value.
    InvalidLayout = 18,
    /// A bug in the library (a Rust panic was caught at the boundary). Please report it
    /// with the message from `grad_last_error()`.
    Panic = 99,
}

impl grad_status {
    /// Every status, for tables and tests.
    pub(crate) const ALL: [grad_status; 20] = [
        grad_status::Ok,
        grad_status::NullPointer,
        grad_status::InvalidNdim,
        grad_status::InvalidDtype,
        grad_status::Overflow,
        grad_status::Misaligned,
        grad_status::AxisOutOfBounds,
        grad_status::RepeatedAxis,
        grad_status::SpacingCount,
        grad_status::InvalidSpacingKind,
        grad_status::CoordinatesLength,
        grad_status::CoordinatesTooShort,
        grad_status::InvalidEdgeOrder,
        grad_status::AxisTooShort,
        grad_status::Overlap,
        grad_status::OutOfMemory,
        grad_status::OutputCount,
        grad_status::OutputTooSmall,
        grad_status::InvalidLayout,
        grad_status::Panic,
    ];

    /// A fixed, one-line description of the status.
    pub fn message(self) -> &'static CStr {
        match self {
            grad_status::Ok => c"success",
            grad_status::NullPointer => c"a required pointer is NULL",
            grad_status::InvalidNdim => c"ndim must be between 1 and GRAD_MAX_NDIM",
            grad_status::InvalidDtype => c"unknown or unsupported dtype",
            grad_status::Overflow => c"shape or strides overflow the address space",
            grad_status::Misaligned => c"pointer not aligned for its element type",
            grad_status::AxisOutOfBounds => c"axis out of bounds",
            grad_status::RepeatedAxis => c"repeated axis",
            grad_status::SpacingCount => c"invalid number of spacing arguments",
            grad_status::InvalidSpacingKind => c"unknown spacing kind",
            grad_status::CoordinatesLength => {
                c"coordinate array length differs from its axis length"
            }
            grad_status::CoordinatesTooShort => c"coordinate array has fewer than 2 entries",
            grad_status::InvalidEdgeOrder => c"edge_order must be 1 or 2",
            grad_status::AxisTooShort => {
                c"axis too short: at least edge_order + 1 elements are required"
            }
            grad_status::Overlap => c"an output shares memory with an input or another output",
            grad_status::OutOfMemory => c"out of memory",
            grad_status::OutputCount => c"number of outputs differs from number of requested axes",
            grad_status::OutputTooSmall => c"output buffer too small",
            grad_status::InvalidLayout => c"unknown layout",
            grad_status::Panic => c"internal error in the gradient library (please report)",
        }
    }
}

/// A failed call: its status and a detailed, human-readable message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: grad_status,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: grad_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl From<GradError> for Failure {
    fn from(e: GradError) -> Self {
        let status = match e {
            GradError::AxisOutOfBounds { .. } => grad_status::AxisOutOfBounds,
            GradError::RepeatedAxis { .. } => grad_status::RepeatedAxis,
            GradError::SpacingCount { .. } => grad_status::SpacingCount,
            GradError::CoordinatesLength { .. } => grad_status::CoordinatesLength,
            GradError::CoordinatesTooShort { .. } => grad_status::CoordinatesTooShort,
            GradError::EdgeOrder { .. } => grad_status::InvalidEdgeOrder,
            GradError::AxisTooShort { .. } => grad_status::AxisTooShort,
            GradError::OutputCount { .. } => grad_status::OutputCount,
            GradError::OutOfMemory { .. } => grad_status::OutOfMemory,
            // The FFI layer builds every output with the input's shape.
            _ => grad_status::Panic,
        };
        Failure::new(status, e.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records the outcome of a call on this thread: the detail of a failure, or nothing.
pub(crate) fn record(outcome: Option<&str>) {
    LAST_ERROR.with(|slot| {
        let mut slot = slot.borrow_mut();
        match outcome {
            None if slot.as_bytes().is_empty() => {}
            None => *slot = CString::default(),
            Some(text) => *slot = CString::new(text.replace('\0', " ")).unwrap_or_default(),
        }
    });
}

/// This thread's last error detail; valid until the next `grad_` call on this thread.
pub(crate) fn last_error() -> *const c_char {
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}
