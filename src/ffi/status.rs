//! The one result type of the C ABI, its messages, and the per-thread error detail.

use libc::c_char;
use ndgradient::GradError;
use std::cell::RefCell;
use std::ffi::{CStr, CString};

/// Result of every fallible `grad_` function. `GRAD_STATUS_OK` (0) is success; every other
/// value names one kind of failure: `grad_status_message()` gives its fixed description
/// (the first sentence of its documentation here) and `grad_last_error()` or
/// `grad_last_error_copy()` the detail of the failed call. On any failure but PANIC (a bug)
/// nothing has been written to any output. Numbers are fixed and never reused.
///
/// **Order of checks.** A call with several faults reports the first of them in this
/// order, the same in every function (each runs the stages that concern its arguments):
/// 1. Handles, tags and counts, in parameter order: a handle or result pointer
///    (NULL_POINTER, MISALIGNED), `dtype` (INVALID_DTYPE), `ndim` (INVALID_NDIM), `layout`
///    (INVALID_LAYOUT), `scheme` (INVALID_SCHEME), counts no array can use (`n_spacing` above `GRAD_MAX_NDIM`:
///    SPACING_COUNT; `n_axes` above it: REPEATED_AXIS), then `n_out` against the number
///    of requested axes (OUTPUT_COUNT).
/// 2. The argument arrays, in parameter order (`shape`, `strides`, `spacing`, `axes`,
///    the `out` list, `out_strides`): NULL_POINTER, then MISALIGNED.
/// 3. Each spacing entry, in order: its kind (INVALID_SPACING_KIND); for coordinates,
///    their dtype (INVALID_DTYPE), then their array as stages 4 and 6 check the input's.
/// 4. Sizes: for a plan with a block (`grad_options_set_block`), first the block against
///    the plan's shape (INVALID_BLOCK), which gives the input's shape (the block's with its
///    halo); the element count and extent of the input's and then each output's shape
///    and strides (OVERFLOW); for `grad_gradient_f64` the output buffer (OVERFLOW,
///    OUTPUT_TOO_SMALL).
/// 5. numpy's checks, in numpy's order (with a block, on its global shape):
///    AXIS_OUT_OF_BOUNDS, REPEATED_AXIS, SPACING_COUNT, COORDINATES_LENGTH,
///    COORDINATES_TOO_SHORT, INVALID_EDGE_ORDER, AXIS_TOO_SHORT; then OUT_OF_MEMORY
///    (coefficient tables), then HALO_TOO_SMALL (a block's halo). Stages 1 to 5 are what
///    `grad_plan_new` checks (stage 3 ran in `grad_options_set_spacing`).
/// 6. The data pointers, the input first, then each output in order: NULL_POINTER,
///    MISALIGNED, then OVERFLOW (the array would reach beyond the address space there).
/// 7. OVERLAP. Stages 6 and 7 are what `grad_plan_execute` checks, after its own stages
///    1 and 2 (the plan handle, `n_out`, the `out` list).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum grad_status {
    /// Success.
    ///
    /// Every output element was written.
    Ok = 0,
    /// A required pointer is NULL.
    ///
    /// Data with elements, `shape`, the output list, `axes` with `n_axes > 0`, `spacing`
    /// with `n_spacing > 0`, coordinates, a plan or options handle, a result pointer.
    NullPointer = 1,
    /// `ndim` must be between 1 and `GRAD_MAX_NDIM`.
    InvalidNdim = 2,
    /// Unknown or unsupported dtype.
    ///
    /// A dtype tag is not a `grad_dtype` value, or not allowed where it is used
    /// (coordinates must be real: float or integer).
    InvalidDtype = 3,
    /// Shape or strides overflow the address space.
    ///
    /// The element count or the memory extent described by a shape and strides does not
    /// fit in the address space (`isize`), as with a stride of `PTRDIFF_MIN` on an axis
    /// longer than 1 (on an axis of length 1 any stride is accepted: it reaches nothing).
    Overflow = 4,
    /// Pointer not aligned for its element type.
    ///
    /// A data, output, coordinate or argument-array pointer.
    Misaligned = 5,
    /// Axis out of bounds.
    ///
    /// A requested axis is outside `-ndim .. ndim-1`.
    AxisOutOfBounds = 6,
    /// Repeated axis.
    ///
    /// An axis is requested twice (after negative axes are resolved).
    RepeatedAxis = 7,
    /// Invalid number of spacing arguments.
    ///
    /// `n_spacing` is not 0, not 1 (a scalar kind), and not the number of requested axes.
    SpacingCount = 8,
    /// Unknown spacing kind.
    ///
    /// A `grad_spacing.kind` is not a `grad_spacing_kind` value.
    InvalidSpacingKind = 9,
    /// Coordinate array length differs from its axis length.
    CoordinatesLength = 10,
    /// Coordinate array has fewer than 2 entries.
    ///
    /// Its axis has fewer than 2 elements.
    CoordinatesTooShort = 11,
    /// `edge_order` must be 1 or 2 (1 under the matlab scheme).
    InvalidEdgeOrder = 12,
    /// Axis too short: at least `edge_order + 1` elements are required.
    AxisTooShort = 13,
    /// An output shares memory with an input or another output.
    ///
    /// An output shares a byte with `f`, a coordinate array or another output, or its own
    /// strides do not nest (each at least the extent of the smaller ones). Slices of one
    /// array along one axis (such as the components of one `(..., n_out)` array, `f`
    /// included) and ranges of one axis are told apart exactly in O(ndim log ndim) time; other
    /// interleavings go to an exact search of at most 2^20 steps per call and, if it runs
    /// out, are refused with this code ("... interleave in a way too complex to prove
    /// disjoint") though they may share no byte.
    Overlap = 14,
    /// Out of memory.
    ///
    /// Memory for coefficient tables (O(axis length)) or for the options' copy of a
    /// coordinate array could not be allocated. (The plan and options objects themselves
    /// are small; if even they cannot be allocated, the process aborts, as Rust's allocator
    /// does.)
    OutOfMemory = 15,
    /// Number of outputs differs from number of requested axes.
    OutputCount = 16,
    /// Output buffer too small.
    ///
    /// The output buffer of `grad_gradient_f64` holds fewer than `ndim * prod(shape)`
    /// elements.
    OutputTooSmall = 17,
    /// Unknown layout.
    ///
    /// The `layout` argument of `grad_gradient_f64` is not a `grad_layout` value.
    InvalidLayout = 18,
    /// Array shape differs from the plan's shape.
    ///
    /// Returned by the Rust API's `Plan::execute`; the C functions take every shape from
    /// the plan and never return it.
    ShapeMismatch = 19,
    /// Unknown scheme.
    ///
    /// The `scheme` argument of `grad_options_set_scheme` is not a `grad_scheme` value.
    InvalidScheme = 20,
    /// Invalid block.
    ///
    /// A block set by `grad_options_set_block` does not fit its global array: its `ndim`
    /// differs from the plan's, or along some axis the block (`start` to `start + shape`)
    /// or its halo reaches outside `0 .. global_shape`.
    InvalidBlock = 21,
    /// Halo too small.
    ///
    /// A block's halo along a differentiated axis is thinner than the stencil reads there
    /// (`grad_block_halo` gives the widths needed).
    HaloTooSmall = 22,
    /// Internal error in the gradient library (please report).
    ///
    /// A bug: a Rust panic was caught at the boundary. Please report it with the message
    /// from `grad_last_error()`.
    Panic = 99,
}

// `grad_status::ALL` and `grad_status::message`, generated by build.rs from the enum
// above: every variant, and the first paragraph of its documentation (without its final
// period and backticks, its first letter lowercased unless it starts a capitalised name).
include!(concat!(env!("OUT_DIR"), "/status_table.rs"));

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
        // No wildcard: a new core error does not compile until it has its status.
        let status = match e {
            GradError::AxisOutOfBounds { .. } => grad_status::AxisOutOfBounds,
            GradError::RepeatedAxis { .. } => grad_status::RepeatedAxis,
            GradError::SpacingCount { .. } => grad_status::SpacingCount,
            GradError::CoordinatesLength { .. } => grad_status::CoordinatesLength,
            GradError::CoordinatesTooShort { .. } => grad_status::CoordinatesTooShort,
            GradError::EdgeOrder { .. } | GradError::SchemeEdgeOrder { .. } => {
                grad_status::InvalidEdgeOrder
            }
            GradError::AxisTooShort { .. } => grad_status::AxisTooShort,
            GradError::InvalidBlock { .. } => grad_status::InvalidBlock,
            GradError::HaloTooSmall { .. } => grad_status::HaloTooSmall,
            GradError::OutputCount { .. } => grad_status::OutputCount,
            GradError::InputShape { .. } | GradError::OutputShape { .. } => {
                grad_status::ShapeMismatch
            }
            GradError::OutOfMemory { .. } => grad_status::OutOfMemory,
        };
        Failure::new(status, e.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records the outcome of a call on this thread: the detail of a failure, or nothing.
pub(crate) fn record(outcome: Option<&str>) {
    // `try_with`: a call made while this thread's locals are being destroyed records
    // nothing rather than panicking outside the boundary.
    let _ = LAST_ERROR.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        match outcome {
            None if slot.as_bytes().is_empty() => {}
            None => *slot = CString::default(),
            Some(text) => *slot = CString::new(text.replace('\0', " ")).unwrap_or_default(),
        }
    });
}

/// Runs `read` on this thread's last error detail.
pub(crate) fn with_last_error<R>(read: impl FnOnce(&CStr) -> R) -> R {
    LAST_ERROR.with(|slot| read(&slot.borrow()))
}

/// This thread's last error detail; valid until the next `grad_` call on this thread.
pub(crate) fn last_error() -> *const c_char {
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}
