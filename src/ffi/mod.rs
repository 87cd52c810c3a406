//! The C ABI: the exported `grad_` functions. Each one runs inside the panic boundary,
//! validates every argument (see `validate`), converts the arrays to slices when they are
//! dense and alike (the common case, which spares a small call the cost of views) or to
//! `ndarray` views (see `view`), and calls the safe core. The only module with `unsafe`.
//!
//! Conventions for C callers, stated once:
//! - **Units**: shapes and lengths count elements; strides count elements (not bytes) and
//!   may be negative or zero; a NULL strides pointer means C-contiguous (row-major).
//! - **Ownership**: every pointer is borrowed for the duration of the call only; the
//!   library keeps none and frees none, and allocates nothing that outlives a call.
//! - **No partial results**: outputs are written only when `GRAD_STATUS_OK` is returned.
//! - **Errors**: a `grad_status`; `grad_last_error()` gives this thread's detail.
//! - **Threads**: every function is reentrant. Concurrent calls are safe provided no call
//!   writes memory that another concurrent call reads or writes.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod boundary;
mod status;
mod types;
mod validate;
mod view;

pub use status::grad_status;
pub use types::{
    GRAD_ELEMENTS_PER_THREAD, GRAD_MAX_NDIM, grad_dtype, grad_layout, grad_spacing,
    grad_spacing_kind,
};

use crate::core::{
    Coordinates, Element, PerAxis, Spacing, gradient_into_dense, gradient_into_threads,
};
use libc::{c_char, c_void};
use num_complex::Complex;
use status::Failure;
use validate::{Strided, c_strides, f_strides};

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
///   `f`, a coordinate array, or each other; interleaved outputs (the components of one
///   `(..., ndim)` array) share none and are accepted. Each output's strides must nest
///   (sorted by size, each at least the extent of the smaller ones), as in any array whose
///   elements are distinct in the usual way.
/// - `n_threads`: 0 or 1 to compute on the calling thread; N > 1 to use up to N threads,
///   started and joined within the call (no pool is kept), at most one per
///   `GRAD_ELEMENTS_PER_THREAD` (2^18) elements of `f`: smaller arrays run on the calling
///   thread. The results are bit-identical for every value.
///
/// Returns `GRAD_STATUS_OK`, or the first failure found: NULL_POINTER, INVALID_NDIM,
/// INVALID_DTYPE, OVERFLOW, MISALIGNED, OUTPUT_COUNT, INVALID_SPACING_KIND, OVERLAP, then
/// in numpy's order AXIS_OUT_OF_BOUNDS, REPEATED_AXIS, SPACING_COUNT, COORDINATES_LENGTH,
/// COORDINATES_TOO_SHORT, INVALID_EDGE_ORDER, AXIS_TOO_SHORT; OUT_OF_MEMORY; PANIC (a bug).
/// On failure no output element is written.
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
        let dtype = grad_dtype::from_tag(dtype, &"dtype")?;
        validate::ndim(ndim)?;
        // SAFETY: `shape` holds `ndim` readable elements (this function's contract); `copy`
        // checks NULL, alignment and size before reading.
        let shape = unsafe { copy(shape, ndim, &"shape") }?;
        // C order: the strides of a NULL `strides` and of outputs without `out_strides`.
        let c_order = c_strides(&shape);
        let strides = match strides.is_null() {
            true => None,
            // SAFETY: a non-NULL `strides` holds `ndim` elements (contract); checked by `copy`.
            false => Some(unsafe { copy(strides, ndim, &"strides") }?),
        };
        let axes: Option<PerAxis<isize>> = match (axes.is_null(), n_axes) {
            (true, 0) => None,
            _ if n_axes > GRAD_MAX_NDIM => {
                return Err(Failure::new(
                    grad_status::RepeatedAxis,
                    format!("n_axes is {n_axes}, more than any array has axes: some axis repeats"),
                ));
            }
            // SAFETY: `axes` holds `n_axes` elements (contract); checked by `borrow`.
            _ => Some(
                unsafe { borrow(axes, n_axes, &"axes") }?
                    .iter()
                    .map(|&a| a as isize)
                    .collect(),
            ),
        };
        let axes: Option<&[isize]> = axes.as_deref();
        let requested = axes.map_or(ndim, <[isize]>::len);
        if n_out != requested {
            return Err(Failure::new(
                grad_status::OutputCount,
                format!("n_out is {n_out} but {requested} axes are requested"),
            ));
        }
        // The count is checked against the axes by the core, after the axes themselves (as
        // numpy does); a count no array could use is refused before reading that many.
        if n_spacing > GRAD_MAX_NDIM {
            return Err(Failure::new(
                grad_status::SpacingCount,
                format!(
                    "invalid number of arguments: {n_spacing} spacing values for {requested} axes"
                ),
            ));
        }
        // SAFETY: `out` holds `n_out` pointers (contract; n_out <= GRAD_MAX_NDIM, the number
        // of axes requested); checked by `copy`.
        let out = unsafe { copy(out, n_out, &"out") }?;
        let out_strides = match out_strides.is_null() {
            true => None,
            // SAFETY: a non-NULL `out_strides` holds `n_out * ndim` elements (contract;
            // n_out <= GRAD_MAX_NDIM, so the product cannot overflow); checked by `copy`.
            false => Some(unsafe { copy(out_strides, n_out * ndim, &"out_strides") }?),
        };
        // SAFETY: `spacing` holds `n_spacing` structs (contract); checked by `copy`.
        let spacing = unsafe { copy(spacing, n_spacing, &"spacing") }?;

        let strides = strides.as_deref().unwrap_or(&c_order);
        let input = Strided::new(f as usize, &shape, strides, dtype.layout(), &"f")?;
        // Lists of validated arguments are pushed one by one: collecting into a `Result`
        // would move the list, a measurable cost on a small call.
        let mut outputs = PerAxis::new();
        for (k, &p) in out.iter().enumerate() {
            let st = out_strides
                .as_ref()
                .map_or(&c_order[..], |s| &s[k * ndim..(k + 1) * ndim]);
            let name = format_args!("out[{k}]");
            outputs.push(Strided::new(
                p as usize,
                &shape,
                st,
                dtype.output().layout(),
                &name,
            )?);
        }
        let mut steps = PerAxis::new();
        for (i, s) in spacing.iter().enumerate() {
            steps.push(SpacingArg::new((i, s))?);
        }
        execute(&Request {
            dtype,
            input,
            spacing: &steps,
            axes,
            edge_order,
            outputs: &outputs,
            threads: n_threads,
        })
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
/// Returns `GRAD_STATUS_OK` or the first failure: NULL_POINTER, INVALID_NDIM,
/// INVALID_LAYOUT, OVERFLOW, OUTPUT_TOO_SMALL, MISALIGNED, OVERLAP, INVALID_EDGE_ORDER,
/// AXIS_TOO_SHORT, PANIC. On failure nothing is written.
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
        validate::ndim(ndim)?;
        // SAFETY: `shape` holds `ndim` readable elements (contract); checked by `copy`.
        let shape = unsafe { copy(shape, ndim, &"shape") }?;
        let steps = match spacing.is_null() {
            true => None,
            // SAFETY: a non-NULL `spacing` holds `ndim` doubles (contract); checked by `borrow`.
            false => Some(unsafe { borrow(spacing, ndim, &"spacing") }?),
        };
        let strides = match layout {
            l if l == grad_layout::RowMajor as i32 => c_strides(&shape),
            l if l == grad_layout::ColumnMajor as i32 => f_strides(&shape),
            other => {
                return Err(Failure::new(
                    grad_status::InvalidLayout,
                    format!("layout {other} is not 0 or 1"),
                ));
            }
        };
        let f64_layout = grad_dtype::F64.layout();
        let input = Strided::new(f as usize, &shape, &strides, f64_layout, &"f")?;
        let count: usize = shape.iter().product(); // fits: checked by Strided::new
        // `count` doubles fit in isize::MAX bytes, `ndim` times that may not even fit in usize.
        let needed = count
            .checked_mul(ndim)
            .filter(|&n| {
                n.checked_mul(size_of::<f64>())
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
        // Pushed one by one, as in `grad_gradient`.
        let mut outputs = PerAxis::new();
        for k in 0..ndim {
            let name = format_args!("out (axis {k})");
            let addr = match out as usize {
                0 => 0,
                base => base
                    .checked_add(k * count * size_of::<f64>())
                    .ok_or_else(|| {
                        Failure::new(
                            grad_status::Overflow,
                            format!("{name} lies beyond the address space"),
                        )
                    })?,
            };
            outputs.push(Strided::new(addr, &shape, &strides, f64_layout, &name)?);
        }
        let spacing = match steps {
            None => PerAxis::new(),
            Some(h) => h.iter().copied().map(SpacingArg::Scalar).collect(),
        };
        execute(&Request {
            dtype: grad_dtype::F64,
            input,
            spacing: &spacing,
            axes: None,
            edge_order,
            outputs: &outputs,
            threads: n_threads,
        })
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

/// One spacing argument, validated.
enum SpacingArg<'a> {
    Unit,
    Scalar(f64),
    ScalarF64(f64),
    ScalarF32(f32),
    Coordinates(grad_dtype, Strided<'a>),
}

impl<'a> SpacingArg<'a> {
    fn new((i, s): (usize, &'a grad_spacing)) -> Result<Self, Failure> {
        use grad_spacing_kind as K;
        Ok(match s.kind {
            k if k == K::Unit as i32 => SpacingArg::Unit,
            k if k == K::Scalar as i32 => SpacingArg::Scalar(s.h),
            k if k == K::ScalarF64 as i32 => SpacingArg::ScalarF64(s.h),
            k if k == K::ScalarF32 as i32 => SpacingArg::ScalarF32(s.h as f32),
            k if k == K::Coordinates as i32 => {
                let name = format_args!("spacing[{i}].coordinates");
                let dtype = grad_dtype::from_tag(s.dtype, &name)?;
                if matches!(dtype, grad_dtype::C128 | grad_dtype::C64) {
                    return Err(Failure::new(
                        grad_status::InvalidDtype,
                        format!("{name}: coordinates must be real"),
                    ));
                }
                let x = Strided::new(
                    s.coordinates as usize,
                    std::slice::from_ref(&s.length),
                    std::slice::from_ref(&s.stride),
                    dtype.layout(),
                    &name,
                )?;
                SpacingArg::Coordinates(dtype, x)
            }
            k => {
                return Err(Failure::new(
                    grad_status::InvalidSpacingKind,
                    format!("spacing[{i}].kind is {k}, not a grad_spacing_kind"),
                ));
            }
        })
    }

    /// # Safety
    /// The coordinates' memory is valid for reading for `'a` (the caller's contract).
    unsafe fn to_core<'v>(&self) -> Spacing<'v> {
        macro_rules! coords {
            ($variant:ident, $t:ty, $x:expr) => {
                Spacing::Coordinates(Coordinates::$variant(
                    // SAFETY: a validated descriptor of `$t` (SpacingArg::new), readable for
                    // 'a per this function's contract.
                    unsafe { view::vector::<$t>($x) },
                ))
            };
        }
        match self {
            SpacingArg::Unit => Spacing::Unit,
            SpacingArg::Scalar(h) => Spacing::Scalar(*h),
            SpacingArg::ScalarF64(h) => Spacing::ScalarF64(*h),
            SpacingArg::ScalarF32(h) => Spacing::ScalarF32(*h),
            SpacingArg::Coordinates(dtype, x) => match dtype {
                grad_dtype::F64 => coords!(F64, f64, x),
                grad_dtype::F32 => coords!(F32, f32, x),
                grad_dtype::I8 => coords!(I8, i8, x),
                grad_dtype::I16 => coords!(I16, i16, x),
                grad_dtype::I32 => coords!(I32, i32, x),
                grad_dtype::I64 => coords!(I64, i64, x),
                grad_dtype::U8 => coords!(U8, u8, x),
                grad_dtype::U16 => coords!(U16, u16, x),
                grad_dtype::U32 => coords!(U32, u32, x),
                grad_dtype::U64 => coords!(U64, u64, x),
                grad_dtype::C128 | grad_dtype::C64 => unreachable!("rejected by SpacingArg::new"),
            },
        }
    }
}

/// An array the call reads, as the aliasing check names it.
#[derive(Clone, Copy)]
enum Read {
    Input,
    /// The coordinates of `spacing[i]`.
    Coordinates(usize),
}

impl std::fmt::Display for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Read::Input => write!(f, "the input f"),
            Read::Coordinates(i) => write!(f, "spacing[{i}].coordinates"),
        }
    }
}

/// A fully validated call, ready for the aliasing check and the core.
struct Request<'a> {
    dtype: grad_dtype,
    input: Strided<'a>,
    spacing: &'a [SpacingArg<'a>],
    axes: Option<&'a [isize]>,
    edge_order: i32,
    outputs: &'a [Strided<'a>],
    threads: usize,
}

fn execute(req: &Request<'_>) -> Result<(), Failure> {
    let coordinates = req.spacing.iter().enumerate().filter_map(|(i, s)| match s {
        SpacingArg::Coordinates(_, x) => Some((Read::Coordinates(i), x)),
        _ => None,
    });
    let reads = std::iter::once((Read::Input, &req.input)).chain(coordinates);
    validate::no_overlap(reads, req.outputs)?;
    // SAFETY: every descriptor is validated (extent, alignment, non-NULL, no output aliases
    // anything), and the caller's contract makes the memory valid for the call.
    unsafe {
        match req.dtype {
            grad_dtype::F64 => compute::<f64>(req),
            grad_dtype::F32 => compute::<f32>(req),
            grad_dtype::C128 => compute::<Complex<f64>>(req),
            grad_dtype::C64 => compute::<Complex<f32>>(req),
            grad_dtype::I8 => compute::<i8>(req),
            grad_dtype::I16 => compute::<i16>(req),
            grad_dtype::I32 => compute::<i32>(req),
            grad_dtype::I64 => compute::<i64>(req),
            grad_dtype::U8 => compute::<u8>(req),
            grad_dtype::U16 => compute::<u16>(req),
            grad_dtype::U32 => compute::<u32>(req),
            grad_dtype::U64 => compute::<u64>(req),
        }
    }
}

/// # Safety
/// `req` is validated for element type `T` (as `execute` guarantees) and its memory is
/// valid for the call.
unsafe fn compute<T: Element>(req: &Request<'_>) -> Result<(), Failure> {
    // SAFETY: forwarded contract, for the coordinate arrays; views live only within this call.
    let spacing: PerAxis<Spacing<'_>> =
        req.spacing.iter().map(|s| unsafe { s.to_core() }).collect();
    let (axes, edge_order, threads) = (req.axes, req.edge_order, req.threads);
    if validate::dense_alike(&req.input, req.outputs) {
        let (shape, strides) = (req.input.shape, req.input.strides);
        // SAFETY: forwarded contract; dense, as just checked.
        let f = unsafe { view::slice::<T>(&req.input) };
        // SAFETY: as above; outputs are pairwise disjoint and disjoint from every input.
        let mut out: PerAxis<_> = (req.outputs.iter())
            .map(|o| unsafe { view::slice_mut::<T::Out>(o) })
            .collect();
        return gradient_into_dense(
            f, shape, strides, &spacing, axes, edge_order, &mut out, threads,
        )
        .map_err(Failure::from);
    }
    // SAFETY: forwarded contract.
    let f = unsafe { view::array::<T>(&req.input) };
    // SAFETY: as above; outputs are pairwise disjoint and disjoint from every input.
    let mut out: Vec<_> = req
        .outputs
        .iter()
        .map(|o| unsafe { view::array_mut::<T::Out>(o) })
        .collect();
    gradient_into_threads(f, &spacing, axes, edge_order, &mut out, threads).map_err(Failure::from)
}

/// A copy of the `len` elements of a C array (NULL allowed only when `len` is 0), held by
/// the exported function, so that nothing the library later writes can change it. Inline
/// (no allocation) up to four elements.
///
/// # Safety
/// As [`borrow`].
unsafe fn copy<T: Copy>(
    ptr: *const T,
    len: usize,
    name: &dyn std::fmt::Display,
) -> Result<PerAxis<T>, Failure> {
    // SAFETY: forwarded contract.
    Ok(PerAxis::from_slice(unsafe { borrow(ptr, len, name) }?))
}

/// The `len` elements of a C array (NULL allowed only when `len` is 0), checked for
/// alignment and size. Callers copy what they keep, so the borrow ends before any output
/// is written.
///
/// # Safety
/// A non-NULL `ptr` points to `len` readable, initialised elements.
unsafe fn borrow<'p, T: Copy>(
    ptr: *const T,
    len: usize,
    name: &dyn std::fmt::Display,
) -> Result<&'p [T], Failure> {
    validate::non_null(ptr, len, name)?;
    if len == 0 {
        return Ok(&[]);
    }
    if (ptr as usize) % align_of::<T>() != 0 {
        return Err(Failure::new(
            grad_status::Misaligned,
            format!("{name} is not aligned for its element type"),
        ));
    }
    if len
        .checked_mul(size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(Failure::new(
            grad_status::Overflow,
            format!("{name}: {len} elements do not fit in memory"),
        ));
    }
    // SAFETY: non-NULL and aligned (checked above), `len` readable elements (the caller's
    // contract), total size within isize (checked above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}
