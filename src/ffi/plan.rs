//! The plan/execute API (FFTW's split, with rustls-ffi's opaque configs): a
//! `grad_options` object built with setters says what to compute besides the data; a
//! `grad_plan` made from a dtype, a shape, strides and options is checked once (stages 1
//! to 5 of `grad_status`'s order) and holds every coefficient; executing it on data
//! pointers checks only what depends on them (stages 6 and 7).

use super::PerAxis;
use super::boundary;
use super::call::{self, Arrays, Outputs, SpacingArg, TypedPlan, borrow, copy};
use super::status::{Failure, grad_status};
use super::types::{grad_dtype, grad_scheme, grad_spacing};
use super::validate;
use libc::c_void;
use ndarray::ArrayView1;
use ndgradient::{Block, CoordinateValues, Coordinates, Options, Scheme, Spacing};
use std::sync::Arc;

/// Options of a plan: spacing, axes, edge order, threads, and whatever options come
/// later (each a new setter function, never a changed struct). Opaque: made by
/// `grad_options_new`, changed by the `grad_options_set_*` functions, freed by
/// `grad_options_free`. A plan keeps what it needs of them: options may be changed or
/// freed once a plan is made, without effect on it.
///
/// Defaults are numpy's: unit spacing, every axis in order, `edge_order` 1; and one
/// thread. Setters store their values after checking only what they can check alone
/// (pointers, counts, spacing kinds); `grad_plan_new` checks the rest against the shape,
/// in numpy's order.
///
/// Thread-safety: an options object may be read by any number of concurrent
/// `grad_plan_new` calls; a setter or `grad_options_free` must not run concurrently with
/// any other use of the same object.
#[derive(Clone, Debug)]
pub struct grad_options {
    /// Shared with the plans made from these options (never changed in place: a setter
    /// replaces it).
    spacing: Arc<[OwnedSpacing]>,
    /// `None`: every axis.
    axes: Option<PerAxis<isize>>,
    edge_order: i32,
    threads: usize,
    scheme: Scheme,
    /// `None`: the whole array.
    block: Option<Block>,
}

impl grad_options {
    /// numpy's defaults, one thread.
    fn defaults() -> Self {
        grad_options {
            spacing: Arc::new([]),
            axes: None,
            edge_order: 1,
            threads: 1,
            scheme: Scheme::Numpy,
            block: None,
        }
    }

    /// The options without the block, as the core takes them, viewing `spacing` (the
    /// core's form of `self.spacing`).
    fn core<'s>(&self, spacing: &[Spacing<'s>]) -> Options<'s> {
        let options = Options::new()
            .spacing(spacing)
            .edge_order(self.edge_order)
            .scheme(self.scheme)
            .threads(self.threads);
        match &self.axes {
            Some(axes) => options.axes(axes),
            None => options,
        }
    }
}

/// The options behind a handle that may be NULL (the defaults, made in `defaults`).
///
/// # Safety
/// `options` is NULL or a live options object, only read during the borrow.
unsafe fn options_or_defaults(
    options: *const grad_options,
    defaults: &mut Option<grad_options>,
) -> Result<&grad_options, Failure> {
    if options.is_null() {
        return Ok(defaults.insert(grad_options::defaults()));
    }
    handle(options, "options")?;
    // SAFETY: a live options object (contract), only read.
    Ok(unsafe { &*options })
}

/// A spacing argument, its coordinates copied (by the core's
/// [`Coordinates::copy_values`](ndgradient::Coordinates), in the precision numpy
/// differences them in, so the copy computes the bits the original would).
#[derive(Clone, Debug)]
enum OwnedSpacing {
    /// Unit or a scalar step: no memory of the caller's.
    Step(Spacing<'static>),
    Coordinates(CoordinateValues),
}

impl OwnedSpacing {
    /// A copy of a validated spacing argument.
    ///
    /// # Safety
    /// The coordinates' memory is valid for reading for the call.
    unsafe fn copy(arg: SpacingArg<'_>) -> Result<Self, Failure> {
        if let Some(step) = arg.step() {
            return Ok(OwnedSpacing::Step(step));
        }
        // SAFETY: forwarded contract; the view does not outlive this function.
        let Spacing::Coordinates(x) = (unsafe { arg.to_core() }) else {
            unreachable!("every other kind is a step")
        };
        let values = x.copy_values().map_err(|len| {
            Failure::new(
                grad_status::OutOfMemory,
                format!("could not copy {len} coordinates"),
            )
        })?;
        Ok(OwnedSpacing::Coordinates(values))
    }

    /// The core's form, viewing the copied coordinates.
    ///
    /// # Safety
    /// `self` (its coordinates' heap memory) outlives every use of the result and is not
    /// changed meanwhile.
    unsafe fn to_core(&self) -> Spacing<'static> {
        let values = match self {
            OwnedSpacing::Step(step) => return *step,
            OwnedSpacing::Coordinates(values) => values,
        };
        /// A view of `b`'s elements for as long as the caller keeps `b`.
        ///
        /// # Safety
        /// As the enclosing function.
        unsafe fn view<T>(b: &[T]) -> ArrayView1<'static, T> {
            // SAFETY: `b` is a live, initialised slice (its pointer is non-NULL and aligned
            // even when empty), and the caller keeps its memory alive and unchanged for as
            // long as the view is used.
            ArrayView1::from(unsafe { std::slice::from_raw_parts(b.as_ptr(), b.len()) })
        }
        Spacing::Coordinates(match values {
            CoordinateValues::F64(b) => {
                // SAFETY: forwarded contract.
                Coordinates::F64(unsafe { view(b) })
            }
            CoordinateValues::F32(b) => {
                // SAFETY: forwarded contract.
                Coordinates::F32(unsafe { view(b) })
            }
        })
    }
}

/// A gradient made ready for one dtype, shape and layout: every check of
/// `grad_gradient` that does not depend on the data pointers is done, and every
/// coefficient computed, when it is made (`grad_plan_new`); `grad_plan_execute` runs it
/// on data. Opaque; freed by `grad_plan_free`.
///
/// Thread-safety: any number of threads may execute one plan at the same time (on
/// outputs no other call writes); `grad_plan_free` must not run concurrently with any
/// other use of the plan.
#[derive(Debug)]
pub struct grad_plan {
    arrays: Arrays,
    // Declared before `_spacing`, so dropped first: it views the coordinates held there.
    plan: Box<dyn TypedPlan>,
    /// The coordinates `plan` views (shared with the options it was made from; never
    /// changed).
    _spacing: Arc<[OwnedSpacing]>,
}

// The C API shares plans between threads (concurrent `grad_plan_execute`) and options
// between concurrent `grad_plan_new` calls through raw pointers, where the compiler checks
// nothing: this fails to compile if either type stops being `Send + Sync`.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<grad_plan>();
    shared::<grad_options>();
};

/// Stage 1 for a handle or result pointer: non-NULL and aligned.
fn handle<T>(ptr: *const T, name: &str) -> Result<(), Failure> {
    validate::non_null(ptr, 1, &name)?;
    if (ptr as usize) % align_of::<T>() != 0 {
        return Err(Failure::new(
            grad_status::Misaligned,
            format!("{name} is not aligned"),
        ));
    }
    Ok(())
}

/// Makes an options object with numpy's defaults (unit spacing, every axis, `edge_order`
/// 1) and one thread, and stores its address in `*options_out`.
///
/// Returns `GRAD_STATUS_OK`, or NULL_POINTER / MISALIGNED for `options_out`; on failure
/// `*options_out` is not written. Free the object with `grad_options_free`.
///
/// Thread-safety: safe to call from any thread at any time.
///
/// # Safety
/// `options_out` is NULL or points to writable memory for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_options_new(options_out: *mut *mut grad_options) -> grad_status {
    boundary::status(|| {
        handle(options_out, "options_out")?;
        let options = Box::into_raw(Box::new(grad_options::defaults()));
        // SAFETY: checked non-NULL and aligned; writable by the contract.
        unsafe { options_out.write(options) };
        Ok(())
    })
}

/// Frees an options object made by `grad_options_new`. NULL is ignored. Plans made from
/// it are not affected.
///
/// Thread-safety: must not run concurrently with any other use of the same object.
///
/// # Safety
/// `options` is NULL or a pointer from `grad_options_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_options_free(options: *mut grad_options) {
    boundary::value((), || {
        if !options.is_null() {
            // SAFETY: made by Box::into_raw in grad_options_new and not yet freed (contract).
            drop(unsafe { Box::from_raw(options) });
        }
    })
}

/// The options object behind a handle, for a setter.
///
/// # Safety
/// `options` is NULL or a live options object not used concurrently.
unsafe fn options_mut<'o>(options: *mut grad_options) -> Result<&'o mut grad_options, Failure> {
    handle(options, "options")?;
    // SAFETY: non-NULL and aligned (checked); a live object used by this call alone.
    Ok(unsafe { &mut *options })
}

/// Sets the axes to differentiate, as numpy's `axis`: `n_axes` axes in any order, negative
/// counting from the end; output `k` of a plan is the derivative along `axes[k]`. `axes`
/// NULL with `n_axes` 0 restores the default, every axis in order; a non-NULL `axes` with
/// `n_axes` 0 requests no axis. Bounds and repeats are checked by `grad_plan_new`, against
/// the shape.
///
/// Returns `GRAD_STATUS_OK` or, in order: NULL_POINTER / MISALIGNED (`options`),
/// REPEATED_AXIS (`n_axes` above `GRAD_MAX_NDIM`), NULL_POINTER / MISALIGNED (`axes`). On
/// failure the options are unchanged.
///
/// Thread-safety: must not run concurrently with any other use of the same object.
///
/// # Safety
/// `options` is NULL or a live options object; `axes` is NULL or holds `n_axes` elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_options_set_axes(
    options: *mut grad_options,
    axes: *const i32,
    n_axes: usize,
) -> grad_status {
    boundary::status(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { options_mut(options) }?;
        call::axes_count(n_axes)?;
        // SAFETY: `axes` holds `n_axes` elements (contract).
        options.axes = unsafe { call::axes_arg(axes, n_axes) }?;
        Ok(())
    })
}

/// Sets the spacing, as numpy's `*varargs`: `n_spacing` 0 (unit spacing on every axis), 1
/// with a scalar or unit kind (that spacing for every requested axis), or one
/// `grad_spacing` per requested axis, in the order of the axes. Coordinate arrays are
/// copied: the caller's memory is not used after the call. Counts and lengths are checked
/// against the axes by `grad_plan_new`.
///
/// Returns `GRAD_STATUS_OK` or, in order: NULL_POINTER / MISALIGNED (`options`),
/// SPACING_COUNT (`n_spacing` above `GRAD_MAX_NDIM`), NULL_POINTER / MISALIGNED
/// (`spacing`), then for each entry INVALID_SPACING_KIND, INVALID_DTYPE, and for its
/// coordinates OVERFLOW, NULL_POINTER, MISALIGNED; OUT_OF_MEMORY (the copy). On failure
/// the options are unchanged.
///
/// Thread-safety: must not run concurrently with any other use of the same object.
///
/// # Safety
/// `options` is NULL or a live options object; `spacing` is NULL or holds `n_spacing`
/// structs, each coordinate array readable for the extent it describes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_options_set_spacing(
    options: *mut grad_options,
    spacing: *const grad_spacing,
    n_spacing: usize,
) -> grad_status {
    boundary::status(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { options_mut(options) }?;
        call::spacing_count(n_spacing)?;
        // SAFETY: `spacing` holds `n_spacing` structs (contract); checked by `borrow`.
        let spacing = unsafe { borrow(spacing, n_spacing, &"spacing") }?;
        let args = call::spacing_args(spacing)?;
        let mut copies = Vec::with_capacity(args.len());
        for arg in &args {
            // SAFETY: validated descriptors; readable for the call (contract).
            copies.push(unsafe { OwnedSpacing::copy(*arg) }?);
        }
        options.spacing = copies.into();
        Ok(())
    })
}

/// Sets numpy's `edge_order`: 1 or 2, the accuracy order of the one-sided differences at
/// both ends of each axis. Checked by `grad_plan_new` (INVALID_EDGE_ORDER, after the axes
/// and spacing, as numpy does).
///
/// Returns `GRAD_STATUS_OK`, or NULL_POINTER / MISALIGNED (`options`).
///
/// Thread-safety: must not run concurrently with any other use of the same object.
///
/// # Safety
/// `options` is NULL or a live options object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_options_set_edge_order(
    options: *mut grad_options,
    edge_order: i32,
) -> grad_status {
    boundary::status(|| {
        // SAFETY: forwarded contract.
        unsafe { options_mut(options) }?.edge_order = edge_order;
        Ok(())
    })
}

/// Sets the formulas: `GRAD_SCHEME_NUMPY` (the default, numpy.gradient's) or
/// `GRAD_SCHEME_MATLAB` (MATLAB's `gradient`: see `grad_scheme`). Under the matlab scheme
/// `grad_plan_new` refuses an `edge_order` other than 1 (INVALID_EDGE_ORDER, at numpy's
/// place for that check) and accepts axes of any length (length 1 gives zeros).
///
/// Returns `GRAD_STATUS_OK`, or NULL_POINTER / MISALIGNED (`options`), INVALID_SCHEME
/// (`scheme` is not a `grad_scheme` value; the options are then unchanged).
///
/// Thread-safety: must not run concurrently with any other use of the same object.
///
/// # Safety
/// `options` is NULL or a live options object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_options_set_scheme(
    options: *mut grad_options,
    scheme: i32,
) -> grad_status {
    boundary::status(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { options_mut(options) }?;
        options.scheme = match scheme {
            s if s == grad_scheme::Numpy as i32 => Scheme::Numpy,
            s if s == grad_scheme::Matlab as i32 => Scheme::Matlab,
            other => {
                return Err(Failure::new(
                    grad_status::InvalidScheme,
                    format!("scheme {other} is not 0 (numpy) or 1 (matlab)"),
                ));
            }
        };
        Ok(())
    })
}

/// Makes plans from these options compute one block of a larger ("global") array, from
/// the block and a halo of its neighbouring samples: the block's outputs are the
/// corresponding block of the whole array's gradient, bit for bit.
///
/// Along each axis `k` (all counts in elements):
/// - `global_shape[k]`: the global array's length;
/// - `start[k]`: the global index of the block's first element; the block's length is the
///   `shape` given to `grad_plan_new`, which with a block is the outputs' shape;
/// - `halo_before[k]`, `halo_after[k]`: the samples of the global array the input holds
///   before and after the block. The input given to `grad_plan_execute` is the block with
///   its halo, of shape `halo_before + shape + halo_after` (the plan's `strides` are its
///   strides); the halo lies inside the global array.
///
/// Everything else is global: the spacing (coordinate arrays have the global axis's
/// length), numpy's checks (on `global_shape`), and numpy's decisions over a whole axis. The
/// halo must be at least what `grad_block_halo` answers for the block (wider is accepted).
/// `ndim` 0 (the pointers may then be NULL) restores the default: the whole array.
/// `grad_plan_new` checks the block against its shape: INVALID_BLOCK (at the start of stage
/// 4) and HALO_TOO_SMALL (after numpy's checks, stage 5).
///
/// Returns `GRAD_STATUS_OK` or, in order: NULL_POINTER / MISALIGNED (`options`),
/// INVALID_NDIM (`ndim` above `GRAD_MAX_NDIM`), NULL_POINTER / MISALIGNED (`global_shape`,
/// `start`, `halo_before`, `halo_after`). On failure the options are unchanged.
///
/// Thread-safety: must not run concurrently with any other use of the same object.
///
/// # Safety
/// `options` is NULL or a live options object; each array is NULL or holds `ndim`
/// elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_options_set_block(
    options: *mut grad_options,
    ndim: usize,
    global_shape: *const usize,
    start: *const usize,
    halo_before: *const usize,
    halo_after: *const usize,
) -> grad_status {
    boundary::status(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { options_mut(options) }?;
        if ndim != 0 {
            validate::ndim(ndim)?;
        }
        // SAFETY: each array holds `ndim` elements (contract); checked by `borrow`.
        let [global_shape, start, halo_before, halo_after] = unsafe {
            [
                borrow(global_shape, ndim, &"global_shape")?,
                borrow(start, ndim, &"start")?,
                borrow(halo_before, ndim, &"halo_before")?,
                borrow(halo_after, ndim, &"halo_after")?,
            ]
        };
        options.block =
            (ndim != 0).then(|| Block::new(global_shape, start, halo_before, halo_after));
        Ok(())
    })
}

/// The halo a block needs: for a block of `shape` at global index `start` of an array of
/// `global_shape` (each `ndim` elements), differentiated with `options` (NULL: the
/// defaults; a block set in them is ignored), writes to `halo_before[k]` and
/// `halo_after[k]` the samples needed before and after the block along each axis `k`, in
/// elements: 0 along an axis not differentiated, where the block touches the global edge
/// on that side, and for an empty block; otherwise the stencil's reach, 1 for the interior
/// formula, and 2 with `edge_order` 2 for a block of a single sample at a global edge
/// (the edge formula there reads 3 samples). The widths depend on the block's position,
/// not on the spacing's values.
///
/// Returns `GRAD_STATUS_OK` or, in order: NULL_POINTER / MISALIGNED (`options`),
/// INVALID_NDIM, NULL_POINTER / MISALIGNED (`global_shape`, `start`, `shape`,
/// `halo_before`, `halo_after`), INVALID_BLOCK (the block reaches outside the global
/// array), then numpy's checks on `global_shape` (stage 5, as `grad_plan_new`: the axes,
/// spacing and edge order of `options`) and OUT_OF_MEMORY. On failure nothing is written.
///
/// Thread-safety: reentrant; `options` may be shared by concurrent calls.
///
/// # Safety
/// `options` is NULL or a live options object; `global_shape`, `start` and `shape` hold
/// `ndim` readable elements, `halo_before` and `halo_after` `ndim` writable ones, not
/// overlapping the others.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_block_halo(
    options: *const grad_options,
    ndim: usize,
    global_shape: *const usize,
    start: *const usize,
    shape: *const usize,
    halo_before: *mut usize,
    halo_after: *mut usize,
) -> grad_status {
    boundary::status(|| {
        let mut defaults = None;
        // SAFETY: forwarded contract.
        let options = unsafe { options_or_defaults(options, &mut defaults) }?;
        validate::ndim(ndim)?;
        // SAFETY: each array holds `ndim` elements (contract); checked by `copy`.
        let [global_shape, start, shape] = unsafe {
            [
                copy(global_shape, ndim, &"global_shape")?,
                copy(start, ndim, &"start")?,
                copy(shape, ndim, &"shape")?,
            ]
        };
        call::array_arg(halo_before, ndim, &"halo_before")?;
        call::array_arg(halo_after, ndim, &"halo_after")?;
        // SAFETY: the views borrow `options.spacing`, alive and unchanged for the call.
        let spacing: PerAxis<Spacing<'_>> = options
            .spacing
            .iter()
            .map(|s| unsafe { s.to_core() })
            .collect();
        let (before, after) =
            ndgradient::block_halo(&global_shape, &start, &shape, &options.core(&spacing))?;
        // SAFETY: `ndim` writable elements each (contract), checked non-NULL and aligned.
        unsafe {
            std::ptr::copy_nonoverlapping(before.as_ptr(), halo_before, ndim);
            std::ptr::copy_nonoverlapping(after.as_ptr(), halo_after, ndim);
        }
        Ok(())
    })
}

/// Sets the number of threads an execution may use: 0 or 1 for the calling thread only;
/// N > 1 for up to N threads, started and joined within each execution (no pool is kept),
/// at most one per `GRAD_ELEMENTS_PER_THREAD` elements. Results are bit-identical for
/// every value.
///
/// Returns `GRAD_STATUS_OK`, or NULL_POINTER / MISALIGNED (`options`).
///
/// Thread-safety: must not run concurrently with any other use of the same object.
///
/// # Safety
/// `options` is NULL or a live options object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_options_set_threads(
    options: *mut grad_options,
    n_threads: usize,
) -> grad_status {
    boundary::status(|| {
        // SAFETY: forwarded contract.
        unsafe { options_mut(options) }?.threads = n_threads;
        Ok(())
    })
}

/// Makes a plan: the gradient of arrays of `dtype`, `shape` and `strides` into outputs of
/// `out_strides`, with `options`, checked and with its coefficients computed, and stores
/// its address in `*plan_out`.
///
/// - `dtype`: a `grad_dtype`; the outputs' dtype is `grad_plan_output_dtype()`.
/// - `ndim`, `shape`, `strides`: as in `grad_gradient` (strides in elements, negative and
///   zero allowed, NULL for C order). With a block in `options`
///   (`grad_options_set_block`), `shape` is the block's, which the outputs have, and
///   `strides` are the input's: the block with its halo, of shape `halo_before + shape +
///   halo_after` (NULL: C order of that shape).
/// - `out_strides`: NULL (every output C-contiguous), or `n_out * ndim` element strides,
///   output by output, where `n_out` is the number of requested axes (the options' axes,
///   or `ndim`).
/// - `options`: NULL for the defaults. The plan keeps what it needs: the options may be
///   changed or freed afterwards.
///
/// Returns `GRAD_STATUS_OK` or the first failure of stages 1 to 5 of `grad_status`'s order
/// (NULL_POINTER / MISALIGNED for `plan_out` first); on failure `*plan_out` is not
/// written. Free the plan with `grad_plan_free`.
///
/// Thread-safety: reentrant; `options` may be shared by concurrent calls.
///
/// # Safety
/// `plan_out` is NULL or writable for one pointer; `shape` and `strides` hold `ndim`
/// elements, `out_strides` `n_out * ndim`; `options` is NULL or a live options object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_plan_new(
    plan_out: *mut *mut grad_plan,
    dtype: i32,
    ndim: usize,
    shape: *const usize,
    strides: *const isize,
    out_strides: *const isize,
    options: *const grad_options,
) -> grad_status {
    boundary::status(|| {
        // Stage 1.
        handle(plan_out, "plan_out")?;
        let dtype = grad_dtype::from_tag(dtype, &"dtype")?;
        validate::ndim(ndim)?;
        let mut defaults = None;
        // SAFETY: forwarded contract.
        let options = unsafe { options_or_defaults(options, &mut defaults) }?;
        let n_out = options.axes.as_ref().map_or(ndim, |a| a.len());
        // Stage 2: each pointer holds the number of elements this function's contract gives
        // (n_out <= GRAD_MAX_NDIM, as `grad_options_set_axes` checked).
        // SAFETY: as just said.
        let shape = unsafe { copy(shape, ndim, &"shape") }?;
        // SAFETY: as above.
        let strides = unsafe { call::strides_arg(strides, ndim) }?;
        // SAFETY: as above.
        let outputs = unsafe { call::out_strides_arg(out_strides, n_out, ndim) }?;
        // Stages 4 and 5 (stage 3 ran in grad_options_set_spacing).
        let held = Arc::clone(&options.spacing);
        // SAFETY: the views borrow `held`'s coordinates, which the plan keeps (unchanged:
        // an Arc's contents are never mutated here) for longer than `plan`, dropped first.
        let spacing: PerAxis<Spacing<'static>> =
            held.iter().map(|s| unsafe { s.to_core() }).collect();
        let input_shape = match &options.block {
            Some(block) => PerAxis::from_vec(block.input_shape(&shape)?),
            None => shape.clone(),
        };
        let arrays = Arrays::new(dtype, input_shape, shape, strides, outputs, n_out)?;
        let core = options.core(&spacing).block(options.block.clone());
        let plan = call::typed_plan(dtype, arrays.shape(), &core)?;
        let plan = Box::into_raw(Box::new(grad_plan {
            arrays,
            plan,
            _spacing: held,
        }));
        // SAFETY: checked non-NULL and aligned; writable by the contract.
        unsafe { plan_out.write(plan) };
        Ok(())
    })
}

/// Executes a plan: the gradient of the array at `f` into the `n_out` arrays at `out[0]`,
/// ..., `out[n_out - 1]` (the derivative along the k-th requested axis into `out[k]`), with
/// the dtype, shape, strides and options the plan was made with; bit for bit what
/// `grad_gradient` and numpy give.
///
/// Returns `GRAD_STATUS_OK` or, in order: NULL_POINTER / MISALIGNED (`plan`), OUTPUT_COUNT
/// (`n_out` is not `grad_plan_output_count(plan)`), NULL_POINTER / MISALIGNED (`out`),
/// then stages 6 and 7 (`f`, each output: NULL_POINTER, MISALIGNED, OVERFLOW; OVERLAP).
/// On failure no output element is written.
///
/// Thread-safety: any number of threads may execute one plan at the same time, on
/// outputs that no other call reads or writes.
///
/// # Safety
/// `plan` is NULL or a live plan; `out` holds `n_out` pointers; `f` and every output are
/// valid for the extent the plan's shape and strides give (readable, writable) for the
/// call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_plan_execute(
    plan: *const grad_plan,
    f: *const c_void,
    out: *const *mut c_void,
    n_out: usize,
) -> grad_status {
    boundary::status(|| {
        handle(plan, "plan")?;
        // SAFETY: a live plan (contract), only read.
        let plan = unsafe { &*plan };
        let expected = plan.arrays.output_count();
        if n_out != expected {
            return Err(Failure::new(
                grad_status::OutputCount,
                format!("n_out is {n_out} but the plan writes {expected} outputs"),
            ));
        }
        // SAFETY: `out` holds `n_out` pointers (contract; n_out <= GRAD_MAX_NDIM); checked
        // by `copy`.
        let out = unsafe { call::out_arg(out, n_out) }?;
        // SAFETY: forwarded contract.
        unsafe {
            let out = Outputs::List(&out);
            plan.plan.run(&plan.arrays, f as usize, out)
        }
    })
}

/// Frees a plan made by `grad_plan_new`. NULL is ignored.
///
/// Thread-safety: must not run concurrently with any other use of the same plan.
///
/// # Safety
/// `plan` is NULL or a pointer from `grad_plan_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_plan_free(plan: *mut grad_plan) {
    boundary::value((), || {
        if !plan.is_null() {
            // SAFETY: made by Box::into_raw in grad_plan_new and not yet freed (contract).
            drop(unsafe { Box::from_raw(plan) });
        }
    })
}

/// How many output arrays `grad_plan_execute` writes: one per requested axis. 0 for a
/// NULL plan.
///
/// Thread-safety: safe to call concurrently with executions of the same plan.
///
/// # Safety
/// `plan` is NULL or a live plan.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_plan_output_count(plan: *const grad_plan) -> usize {
    boundary::value(0, || match handle(plan, "plan") {
        // SAFETY: a live plan (contract), only read.
        Ok(()) => unsafe { (*plan).arrays.output_count() },
        Err(_) => 0,
    })
}

/// The `grad_dtype` of the outputs (`GRAD_DTYPE_F64` for integer inputs, else the
/// input's), as `int32_t`. 0 for a NULL plan.
///
/// Thread-safety: safe to call concurrently with executions of the same plan.
///
/// # Safety
/// `plan` is NULL or a live plan.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn grad_plan_output_dtype(plan: *const grad_plan) -> i32 {
    boundary::value(0, || match handle(plan, "plan") {
        // SAFETY: a live plan (contract), only read.
        Ok(()) => unsafe { (*plan).arrays.output_dtype() as i32 },
        Err(_) => 0,
    })
}
