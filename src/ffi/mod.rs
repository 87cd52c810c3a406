//! The C ABI: the exported `grad_` functions. Each one runs inside the panic boundary,
//! validates every argument in the order of checks stated on `grad_status` (the rules in
//! `validate`, the stages in `call`), converts the arrays to slices when they are dense
//! and alike (the common case, which spares a small call the cost of views) or to
//! `ndarray` views (see `view`), and calls the safe core. The one-call functions are here;
//! the plan API is in `plan`. The only module with `unsafe`.
//!
//! Conventions for C callers, stated once:
//! - **Units**: shapes and lengths count elements; strides count elements (not bytes) and
//!   may be negative or zero; a NULL strides pointer means C-contiguous (row-major).
//! - **Ownership**: every pointer is borrowed for the duration of the call only; the
//!   library keeps none and frees none of the caller's. Options and plans are the library's
//!   own objects, made and freed by the caller through their functions.
//! - **No partial results**: outputs are written only when `GRAD_STATUS_OK` is returned.
//! - **Errors**: a `grad_status`; `grad_last_error()` gives this thread's detail.
//! - **Threads**: every function is reentrant. Concurrent calls are safe provided no call
//!   writes memory that another concurrent call reads or writes.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod boundary;
mod call;
mod plan;
mod status;
mod types;
mod validate;
mod view;

pub use plan::{
    grad_block_halo, grad_options, grad_options_free, grad_options_new, grad_options_set_axes,
    grad_options_set_block, grad_options_set_edge_order, grad_options_set_scheme,
    grad_options_set_spacing, grad_options_set_threads, grad_plan, grad_plan_execute,
    grad_plan_free, grad_plan_new, grad_plan_output_count, grad_plan_output_dtype,
};
pub use status::grad_status;
pub use types::{
    GRAD_ELEMENTS_PER_THREAD, GRAD_MAX_NDIM, grad_dtype, grad_layout, grad_scheme, grad_spacing,
    grad_spacing_kind,
};

use call::{Arrays, OutputStrides, Outputs, SpacingArg, borrow, copy};
use libc::{c_char, c_void};
use ndgradient::Spacing;
use status::Failure;
use validate::f_strides;

/// A per-call list with one entry per axis (shape, strides, axes, spacing arguments):
/// inline up to four entries, as the core keeps its own, so that a call on an array of up
/// to four axes allocates nothing for it.
pub(crate) type PerAxis<T> = smallvec::SmallVec<[T; 4]>;

/// Computes the gradient of an N-dimensional array along the requested axes, exactly as
/// `numpy.gradient(f, *spacing, axis=axes, edge_order=edge_order)` does, into the
/// caller's output arrays.
///
/// - `dtype`: the `grad_dtype` of `f`'s elements. Outputs have the same dtype, except that
///   integer inputs give `GRAD_DTYPE_F64` outputs.
/// - `f`, `ndim`, `shape`, `strides`: the input. `ndim` is 1 to `GRAD_MAX_NDIM`; `shape`
///   holds `ndim` lengths; `strides` holds `ndim` strides in elements (negative and zero
///   allowed) or is NULL for C-contiguous. `f` may be NULL only if some length is 0.
/// - `spacing`, `n_spacing`: `n_spacing` is 0 (unit spacing on every axis), 1 with a
///   scalar or unit kind (that spacing for every axis), or one `grad_spacing` per requested
///   axis, in the order of `axes`. NULL allowed only when `n_spacing` is 0.
/// - `axes`, `n_axes`: the axes to differentiate, in any order, negative counting from
///   the end; NULL with `n_axes == 0` means every axis in order `0..ndim`. A non-NULL
///   `axes` with `n_axes == 0` requests nothing: the call validates and returns OK.
/// - `edge_order`: 1 or 2, the accuracy order of the one-sided differences at both ends.
/// - `out`, `n_out`, `out_strides`: `n_out` (the number of requested axes) pointers to
///   output arrays of `f`'s shape; `out[k]` receives the derivative along the k-th
///   requested axis. `out_strides` is NULL (every output C-contiguous) or holds
///   `n_out * ndim` element strides, output by output. Outputs must not share memory with
///   `f`, a coordinate array, or each other. Slices of one array along one of its axes
///   (`P[:, j, :]` for distinct `j`: the components of one `(..., n_out)` array; `f` may be
///   another slice) and ranges of one axis are accepted or refused exactly, whatever their
///   size; other interleaved layouts are searched for at most 2^20 steps per call and
///   refused as GRAD_STATUS_OVERLAP if that does not settle them. Each output's strides
///   must nest (sorted by size, each at least the extent of the smaller ones), as in any
///   array whose elements are distinct in the usual way.
/// - `n_threads`: 0 or 1 to compute on the calling thread; N > 1 to use up to N threads,
///   started and joined within the call (no pool is kept), at most one per
///   `GRAD_ELEMENTS_PER_THREAD` (2^18) elements of `f`: smaller arrays run on the calling
///   thread. The results are bit-identical for every value.
///
/// Returns `GRAD_STATUS_OK`, or the first failure in the order of checks of `grad_status`
/// (every stage applies); PANIC for a bug. On failure no output element is written. The
/// same as a plan made by `grad_plan_new` and executed once by `grad_plan_execute`, except
/// that coordinate arrays are read where they lie (so no output may overlap them).
///
/// Thread-safety: reentrant; safe to call concurrently on memory no other call writes.
///
/// # Safety
/// Every non-NULL pointer must point to memory valid for the extent its arguments
/// describe (readable for inputs, writable for outputs) for the duration of the call:
/// `shape` and `strides` `ndim` elements, `axes` `n_axes`, `spacing` `n_spacing`, `out`
/// `n_out`, `out_strides` `n_out * ndim`, and every array its shape and strides.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_gradient(
    dtype: i32,
    f: *const c_void,
    ndim: usize,
    shape: *const usize,
    strides: *const isize,
    spacing: *const grad_spacing,
    n_spacing: usize,
    axes: *const i32,
    n_axes: usize,
    edge_order: i32,
    out: *const *mut c_void,
    n_out: usize,
    out_strides: *const isize,
    n_threads: usize,
) -> grad_status {
    boundary::status(|| {
        // Stage 1: tags and counts, in parameter order.
        let dtype = grad_dtype::from_tag(dtype, &"dtype")?;
        validate::ndim(ndim)?;
        let all_axes = axes.is_null() && n_axes == 0;
        let requested = if all_axes { ndim } else { n_axes };
        call::spacing_count(n_spacing)?;
        call::axes_count(n_axes)?;
        if n_out != requested {
            return Err(Failure::new(
                grad_status::OutputCount,
                format!("n_out is {n_out} but {requested} axes are requested"),
            ));
        }
        // Stage 2: the argument arrays, in parameter order. Each pointer holds the number of
        // elements this function's contract gives; `copy` and `borrow` check NULL,
        // alignment and size before reading.
        // SAFETY: `shape` holds `ndim` elements (contract).
        let shape = unsafe { copy(shape, ndim, &"shape") }?;
        // SAFETY: a non-NULL `strides` holds `ndim` elements (contract).
        let strides = unsafe { call::strides_arg(strides, ndim) }?;
        // SAFETY: `spacing` holds `n_spacing` structs (contract).
        let spacing = unsafe { borrow(spacing, n_spacing, &"spacing") }?;
        // SAFETY: `axes` holds `n_axes` elements (contract).
        let axes = unsafe { call::axes_arg(axes, n_axes) }?;
        // SAFETY: `out` holds `n_out` pointers (contract).
        let out = unsafe { call::out_arg(out, n_out) }?;
        // SAFETY: a non-NULL `out_strides` holds `n_out * ndim` elements (contract).
        let outputs = unsafe { call::out_strides_arg(out_strides, n_out, ndim) }?;
        // Stage 3: the spacing entries.
        let args = call::spacing_args(spacing)?;
        // SAFETY: validated descriptors; the caller's contract makes the coordinates
        // readable, and not written, for the call, which the views do not outlive.
        let steps: PerAxis<Spacing<'_>> = args.iter().map(|&a| unsafe { a.to_core() }).collect();
        // Stages 4 and 5.
        let arrays = Arrays::new(dtype, shape.clone(), shape, strides, outputs, n_out)?;
        let options = (&steps[..], axes.as_deref(), edge_order, n_threads);
        // Stages 6 and 7, and the computation.
        let coordinates = args.iter().enumerate().filter_map(|(i, a)| match a {
            SpacingArg::Coordinates(_, x) => Some((i, x)),
            _ => None,
        });
        // SAFETY: the caller's contract: every array is valid for its described extent.
        unsafe { arrays.run_once(options, f as usize, Outputs::List(&out), coordinates) }
    })
}

/// The common case in one call with only scalars and flat pointers (for Julia's `ccall`,
/// MATLAB's `calllib`, ctypes): the gradient of a contiguous `double` array along every
/// axis, with one step per axis, all outputs stacked in one buffer.
///
/// - `f`, `ndim`, `shape`: the input, `shape[0..ndim]` lengths, contiguous in `layout`.
/// - `layout`: `GRAD_LAYOUT_ROW_MAJOR` (C order) or `GRAD_LAYOUT_COLUMN_MAJOR` (Fortran
///   order: pass Julia's `size(A)` or MATLAB's `size(A)` as they are).
/// - `spacing`: NULL for unit spacing, or `ndim` steps, `spacing[k]` for axis k.
/// - `edge_order`: 1 or 2.
/// - `out`, `out_len`: a buffer of `out_len >= ndim * prod(shape)` doubles. The derivative
///   along axis k is written at `out + k * prod(shape)`, in the same layout as `f`.
/// - `n_threads`: 0 or 1 for the calling thread only; N > 1 for up to N threads, started
///   and joined within the call, at most one per `GRAD_ELEMENTS_PER_THREAD` (2^18)
///   elements of `f`. Results are bit-identical for every value.
///
/// Equals `numpy.gradient(f, *spacing, edge_order=edge_order)` bit for bit.
///
/// Returns `GRAD_STATUS_OK` or the first failure in the order of checks of `grad_status`:
/// INVALID_NDIM, INVALID_LAYOUT, NULL_POINTER / MISALIGNED (`shape`, `spacing`), OVERFLOW
/// and OUTPUT_TOO_SMALL (sizes), INVALID_EDGE_ORDER, AXIS_TOO_SHORT, then NULL_POINTER /
/// MISALIGNED / OVERFLOW for `f` and the output blocks, OVERLAP; PANIC for a bug. On
/// failure nothing is written.
///
/// Thread-safety: reentrant; safe to call concurrently on memory no other call writes.
///
/// # Safety
/// `shape` points to `ndim` lengths, `f` to `prod(shape)` doubles, `spacing` (if not NULL)
/// to `ndim` doubles, and `out` to `out_len` writable doubles, for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_gradient_f64(
    f: *const f64,
    ndim: usize,
    shape: *const usize,
    layout: i32,
    spacing: *const f64,
    edge_order: i32,
    out: *mut f64,
    out_len: usize,
    n_threads: usize,
) -> grad_status {
    boundary::status(|| {
        // Stage 1: tags and counts, in parameter order.
        validate::ndim(ndim)?;
        let column_major = match layout {
            l if l == grad_layout::RowMajor as i32 => false,
            l if l == grad_layout::ColumnMajor as i32 => true,
            other => {
                return Err(Failure::new(
                    grad_status::InvalidLayout,
                    format!("layout {other} is not 0 or 1"),
                ));
            }
        };
        // Stage 2: the argument arrays.
        // SAFETY: `shape` holds `ndim` readable elements (contract); checked by `copy`.
        let shape = unsafe { copy(shape, ndim, &"shape") }?;
        let steps = match spacing.is_null() {
            true => None,
            // SAFETY: a non-NULL `spacing` holds `ndim` doubles (contract); checked by `borrow`.
            false => Some(unsafe { borrow(spacing, ndim, &"spacing") }?),
        };
        // Stage 4: sizes (each output has the input's), then the output buffer's.
        let input_strides = match column_major {
            true => f_strides(&shape),
            false => validate::c_strides(&shape),
        };
        let (dtype, outputs) = (grad_dtype::F64, OutputStrides::like_input());
        let arrays = Arrays::new(
            dtype,
            shape.clone(),
            shape,
            Some(input_strides),
            outputs,
            ndim,
        )?;
        let itemsize = size_of::<f64>();
        let count: usize = arrays.shape().iter().product(); // fits: checked by `Arrays::new`
        // `count` doubles fit in isize::MAX bytes; `ndim` times that may not.
        let needed = count
            .checked_mul(ndim)
            .filter(|&n| {
                n.checked_mul(itemsize)
                    .is_some_and(|b| b <= isize::MAX as usize)
            })
            .ok_or_else(|| {
                Failure::new(
                    grad_status::Overflow,
                    "ndim * prod(shape) outputs do not fit in memory",
                )
            })?;
        if out_len < needed {
            return Err(Failure::new(
                grad_status::OutputTooSmall,
                format!("out holds {out_len} doubles; {ndim} outputs of {count} need {needed}"),
            ));
        }
        let steps: PerAxis<Spacing<'_>> = steps
            .iter()
            .flat_map(|h| h.iter().map(|&h| Spacing::Scalar(h)))
            .collect();
        // Stages 5 to 7: output k is the block at `out + k * count`.
        let out = Outputs::Stacked {
            base: out as usize,
            bytes: count * itemsize,
        };
        let options = (&steps[..], None, edge_order, n_threads);
        // SAFETY: the caller's contract: `f` holds `count` doubles, `out` `out_len`.
        unsafe { arrays.run_once(options, f as usize, out, std::iter::empty()) }
    })
}

/// A fixed, NUL-terminated description of a status code (any `int32_t`, including values
/// that are not `grad_status` codes). Never NULL; the string is static.
///
/// Thread-safety: safe to call from any thread at any time.
#[unsafe(no_mangle)]
pub extern "C" fn grad_status_message(status: i32) -> *const c_char {
    boundary::value(c"internal error".as_ptr(), || {
        grad_status::ALL
            .into_iter()
            .find(|&s| s as i32 == status)
            .map_or(c"unknown status code".as_ptr(), |s| s.message().as_ptr())
    })
}

/// The detail of the last failure of a `grad_` call on the calling thread: what was
/// wrong, naming the argument and axis. Empty after a successful call. Never NULL.
///
/// The string belongs to the library and stays valid until the next `grad_` call on the
/// same thread (other than this one); copy it to keep it. In Julia, read it right after
/// the failing call, before anything that may yield to another task.
///
/// Thread-safety: each thread has its own message.
#[unsafe(no_mangle)]
pub extern "C" fn grad_last_error() -> *const c_char {
    boundary::value(c"".as_ptr(), status::last_error)
}

/// Copies the detail of the last failure of a `grad_` call on the calling thread (what
/// `grad_last_error()` points to) into `buf`, as `snprintf` does: at most `len - 1` bytes
/// and a terminating NUL (nothing when `len` is 0 or `buf` is NULL). Returns the detail's
/// full length in bytes, without the NUL: a result of `len` or more means it was cut.
/// Empty after a successful call.
///
/// The copy belongs to the caller, so nothing it holds is invalidated by later calls: for
/// runtimes that may move a task to another thread between two foreign calls (Julia),
/// call it right after the failing call, as `grad_last_error()`.
///
/// Thread-safety: safe to call from any thread; each thread has its own detail.
///
/// # Safety
/// `buf` is NULL or writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_last_error_copy(buf: *mut c_char, len: usize) -> usize {
    boundary::value(0, || {
        status::with_last_error(|detail| {
            let bytes = detail.to_bytes();
            if !buf.is_null() && len > 0 {
                let n = bytes.len().min(len - 1);
                // SAFETY: `buf` is writable for `len > n` bytes (contract); the detail is a
                // separate, library-owned string.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), buf, n);
                    buf.add(n).write(0);
                }
            }
            bytes.len()
        })
    })
}

/// The version of the loaded library, packed as `(MAJOR << 16) | (MINOR << 8) | PATCH`,
/// the same packing as the `GRAD_VERSION` macro of the header compiled against.
///
/// Thread-safety: safe to call from any thread at any time.
#[unsafe(no_mangle)]
pub extern "C" fn grad_version() -> u32 {
    boundary::value(0, || {
        let part = |s: &str| s.parse::<u32>().unwrap_or(0);
        (part(env!("CARGO_PKG_VERSION_MAJOR")) << 16)
            | (part(env!("CARGO_PKG_VERSION_MINOR")) << 8)
            | part(env!("CARGO_PKG_VERSION_PATCH"))
    })
}

/// The version of the loaded library as a static, NUL-terminated string such as "0.1.0".
///
/// Thread-safety: safe to call from any thread at any time.
#[unsafe(no_mangle)]
pub extern "C" fn grad_version_string() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
