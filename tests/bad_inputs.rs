//! The bad-input table: one test per row, each breaking an otherwise valid call in one way
//! and asserting the `grad_status` code, a distinctive part of `grad_last_error()`, and
//! that no output element was written. A few rows are *not* errors (NaN and Inf in the
//! data or the coordinates, NULL data with a zero length, interleaved outputs): those check
//! numpy 2.4.6's values instead.
//!
//! The README's status-code table is this table in prose; its example messages are the ones
//! these tests print: `cargo test --test bad_inputs -- --nocapture --test-threads=1`.
//!
//! The last three rows reproduce library bugs found by fuzzing, now fixed.
//!
//! Every `grad_gradient` row is also made through the plan API (`grad_options_*`,
//! `grad_plan_new`, `grad_plan_execute`) with the same arguments: it must end with the same
//! status, and on success write the same bits (see `Request::call`).

use gradient::ffi::{
    GRAD_MAX_NDIM, grad_block_halo, grad_gradient, grad_gradient_f64, grad_last_error,
    grad_options, grad_options_free, grad_options_new, grad_options_set_axes,
    grad_options_set_block, grad_options_set_edge_order, grad_options_set_scheme,
    grad_options_set_spacing, grad_options_set_threads, grad_plan, grad_plan_execute,
    grad_plan_free, grad_plan_new, grad_spacing, grad_status,
};
use std::ffi::{CStr, c_void};
use std::ptr;

/// A NaN bit pattern no computation produces: outputs are filled with it before each call.
const SENTINEL: u64 = 0x7FF4_DEAD_BEEF_0001;

/// `grad_dtype` tags used here.
const F64: i32 = 1;
const C128: i32 = 3;

/// `grad_spacing_kind` values used here.
const COORDINATES: i32 = 4;

/// This thread's `grad_last_error()`.
fn last_error() -> String {
    // SAFETY: grad_last_error returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(grad_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// Unit spacing (a zero-initialised `grad_spacing`).
fn unit() -> grad_spacing {
    grad_spacing {
        kind: 0,
        dtype: 0,
        h: 0.0,
        coordinates: ptr::null(),
        length: 0,
        stride: 0,
    }
}

/// A coordinate-array spacing over `x` (float64, stride 1).
fn coords(x: &[f64]) -> grad_spacing {
    grad_spacing {
        kind: COORDINATES,
        dtype: F64,
        h: 0.0,
        coordinates: x.as_ptr().cast(),
        length: x.len(),
        stride: 1,
    }
}

/// A `grad_gradient` call that starts valid (the 2x3 float64 array `[[1,2,6],[3,4,5]]`,
/// C-contiguous, both axes, unit spacing, edge_order 1, two sentinel-filled outputs) and
/// that each test breaks in one way. `None` fields mean "the valid default"; the pointer
/// overrides pass exactly what they hold.
struct Request {
    dtype: i32,
    f: Vec<f64>,
    f_ptr: Option<*const c_void>,
    ndim: usize,
    shape: Vec<usize>,
    shape_ptr: Option<*const usize>,
    strides: Option<Vec<isize>>,
    spacing: Vec<grad_spacing>,
    spacing_ptr: Option<*const grad_spacing>,
    n_spacing: Option<usize>,
    axes: Option<Vec<i32>>,
    axes_ptr: Option<*const i32>,
    n_axes: Option<usize>,
    edge_order: i32,
    /// Output buffers (sentinel-filled), one per requested axis unless changed.
    outs: Vec<Vec<u64>>,
    out_ptrs: Option<Vec<*mut c_void>>,
    out_list_ptr: Option<*const *mut c_void>,
    n_out: Option<usize>,
    out_strides: Option<Vec<isize>>,
    /// Whether `call` also makes the request through the plan API (see `planned`).
    mirror: bool,
}

impl Request {
    fn new() -> Self {
        Request {
            dtype: F64,
            f: vec![1.0, 2.0, 6.0, 3.0, 4.0, 5.0],
            f_ptr: None,
            ndim: 2,
            shape: vec![2, 3],
            shape_ptr: None,
            strides: None,
            spacing: vec![],
            spacing_ptr: None,
            n_spacing: None,
            axes: None,
            axes_ptr: None,
            n_axes: None,
            edge_order: 1,
            outs: vec![vec![SENTINEL; 6], vec![SENTINEL; 6]],
            out_ptrs: None,
            out_list_ptr: None,
            n_out: None,
            out_strides: None,
            mirror: true,
        }
    }

    /// A 1-D request over `f` with one output.
    fn one_d(f: &[f64]) -> Self {
        Request {
            f: f.to_vec(),
            ndim: 1,
            shape: vec![f.len()],
            outs: vec![vec![SENTINEL; f.len()]],
            ..Request::new()
        }
    }

    /// Makes the call through `grad_gradient`, then again through the plan API, and
    /// checks that both end alike (same status; on success the same bits, on failure no
    /// output written); returns `grad_gradient`'s status and `grad_last_error()`.
    fn call(&mut self) -> (grad_status, String) {
        let (status, message) = self.one_call();
        let written = self.outs.clone();
        if status == grad_status::Ok {
            self.outs.iter_mut().for_each(|o| o.fill(SENTINEL));
        }
        if let Some(planned) = self.planned() {
            assert_eq!(
                planned, status,
                "the plan API disagrees (one call: {message})"
            );
            assert_eq!(self.outs, written, "the plan API wrote other bits");
        }
        self.outs = written;
        (status, message)
    }

    /// The output pointers the call passes: the override, else the buffers'.
    fn out_ptrs(&mut self) -> Vec<*mut c_void> {
        match &self.out_ptrs {
            Some(p) => p.clone(),
            None => self
                .outs
                .iter_mut()
                .map(|o| o.as_mut_ptr().cast())
                .collect(),
        }
    }

    /// The `axes` pointer and `n_axes` the call passes.
    fn axes_arg(&self) -> (*const i32, usize) {
        let ptr = (self.axes_ptr)
            .unwrap_or_else(|| self.axes.as_ref().map_or(ptr::null(), |a| a.as_ptr()));
        let n = (self.n_axes).unwrap_or_else(|| self.axes.as_ref().map_or(0, Vec::len));
        (ptr, n)
    }

    /// The `spacing` pointer the call passes (NULL for an empty list).
    fn spacing_ptr(&self) -> *const grad_spacing {
        (self.spacing_ptr).unwrap_or(match self.spacing.is_empty() {
            true => ptr::null(),
            false => self.spacing.as_ptr(),
        })
    }

    /// `grad_gradient` with the request's arguments.
    fn one_call(&mut self) -> (grad_status, String) {
        let out_ptrs = self.out_ptrs();
        let (axes_ptr, n_axes) = self.axes_arg();
        // SAFETY: every pointer is NULL, a deliberately bad value the library must reject
        // before use, or points to memory holding what its count describes.
        let status = unsafe {
            grad_gradient(
                self.dtype,
                self.f_ptr.unwrap_or(self.f.as_ptr().cast()),
                self.ndim,
                self.shape_ptr.unwrap_or(self.shape.as_ptr()),
                self.strides.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
                self.spacing_ptr(),
                self.n_spacing.unwrap_or(self.spacing.len()),
                axes_ptr,
                n_axes,
                self.edge_order,
                self.out_list_ptr.unwrap_or(out_ptrs.as_ptr()),
                self.n_out.unwrap_or(out_ptrs.len()),
                self.out_strides
                    .as_ref()
                    .map_or(ptr::null(), |s| s.as_ptr()),
                0,
            )
        };
        (status, last_error())
    }

    /// The request through the plan API: options set from the same pointers and counts,
    /// a plan, one execution. `None` where the plan API cannot be given the same arguments
    /// (`out_strides` shorter than the requested axes need: `grad_plan_new` reads that many).
    fn planned(&mut self) -> Option<grad_status> {
        let (axes_ptr, n_axes) = self.axes_arg();
        let requested = match axes_ptr.is_null() && n_axes == 0 {
            true => self.ndim,
            false => n_axes,
        };
        if !self.mirror {
            return None;
        }
        if let Some(s) = &self.out_strides {
            if requested > GRAD_MAX_NDIM || s.len() < requested * self.ndim {
                return None;
            }
        }
        let out_ptrs = self.out_ptrs();
        let spacing_ptr = self.spacing_ptr();
        let mut options: *mut grad_options = ptr::null_mut();
        let mut plan: *mut grad_plan = ptr::null_mut();
        // SAFETY: as in `one_call`; the options and plan are freed before returning.
        let status = unsafe {
            let steps = [
                grad_options_new(&mut options),
                grad_options_set_spacing(
                    options,
                    spacing_ptr,
                    self.n_spacing.unwrap_or(self.spacing.len()),
                ),
                grad_options_set_axes(options, axes_ptr, n_axes),
                grad_options_set_edge_order(options, self.edge_order),
                grad_options_set_threads(options, 0),
            ];
            let mut status = steps.into_iter().find(|&s| s != grad_status::Ok);
            if status.is_none() {
                let s = grad_plan_new(
                    &mut plan,
                    self.dtype,
                    self.ndim,
                    self.shape_ptr.unwrap_or(self.shape.as_ptr()),
                    self.strides.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
                    self.out_strides
                        .as_ref()
                        .map_or(ptr::null(), |s| s.as_ptr()),
                    options,
                );
                status = (s != grad_status::Ok).then_some(s);
            }
            let status = status.unwrap_or_else(|| {
                grad_plan_execute(
                    plan,
                    self.f_ptr.unwrap_or(self.f.as_ptr().cast()),
                    self.out_list_ptr.unwrap_or(out_ptrs.as_ptr()),
                    self.n_out.unwrap_or(out_ptrs.len()),
                )
            });
            grad_plan_free(plan);
            grad_options_free(options);
            status
        };
        Some(status)
    }

    /// Whether every output buffer still holds only the sentinel.
    fn untouched(&self) -> bool {
        self.outs.iter().flatten().all(|&v| v == SENTINEL)
    }

    /// Output `k` as doubles.
    fn out(&self, k: usize) -> Vec<f64> {
        self.outs[k].iter().map(|&b| f64::from_bits(b)).collect()
    }
}

/// Runs `req`, prints the row (for the README table), and checks the status, that the
/// message contains `needle`, and that no output was written.
fn rejects(req: &mut Request, status: grad_status, needle: &str) {
    let (got, message) = req.call();
    println!("| {} | {status:?} | {message} |", status as i32);
    assert_eq!(got, status, "message: {message}");
    assert!(
        message.contains(needle),
        "message {message:?} lacks {needle:?}"
    );
    assert!(req.untouched(), "an output was written");
}

/// Runs `req`, expecting success with an empty message.
fn succeeds(req: &mut Request) {
    let (got, message) = req.call();
    println!("| 0 | Ok | {message} |");
    assert_eq!(got, grad_status::Ok, "message: {message}");
    assert_eq!(message, "", "a successful call leaves an empty message");
}

/// Bitwise equality, NaN matching NaN.
fn same(got: &[f64], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()))
}

/// A `grad_gradient_f64` call that starts valid (the same 2x3 array, row-major, unit
/// spacing, edge_order 1, a sentinel-filled output of 12 doubles).
struct Flat {
    f: Vec<f64>,
    f_ptr: Option<*const f64>,
    ndim: usize,
    shape: Vec<usize>,
    shape_ptr: Option<*const usize>,
    layout: i32,
    edge_order: i32,
    out: Vec<u64>,
    out_ptr: Option<*mut f64>,
    out_len: Option<usize>,
}

impl Flat {
    fn new() -> Self {
        Flat {
            f: vec![1.0, 2.0, 6.0, 3.0, 4.0, 5.0],
            f_ptr: None,
            ndim: 2,
            shape: vec![2, 3],
            shape_ptr: None,
            layout: 0,
            edge_order: 1,
            out: vec![SENTINEL; 12],
            out_ptr: None,
            out_len: None,
        }
    }

    fn call(&mut self) -> (grad_status, String) {
        // SAFETY: as in `Request::call`.
        let status = unsafe {
            grad_gradient_f64(
                self.f_ptr.unwrap_or(self.f.as_ptr()),
                self.ndim,
                self.shape_ptr.unwrap_or(self.shape.as_ptr()),
                self.layout,
                ptr::null(),
                self.edge_order,
                self.out_ptr.unwrap_or(self.out.as_mut_ptr().cast()),
                self.out_len.unwrap_or(self.out.len()),
                0,
            )
        };
        (status, last_error())
    }

    fn rejects(&mut self, status: grad_status, needle: &str) {
        let (got, message) = self.call();
        println!(
            "| {} | {status:?} | {message} | (grad_gradient_f64)",
            status as i32
        );
        assert_eq!(got, status, "message: {message}");
        assert!(
            message.contains(needle),
            "message {message:?} lacks {needle:?}"
        );
        assert!(self.out.iter().all(|&v| v == SENTINEL), "out was written");
    }
}

// ---------------------------------------------------------------- 0 OK (not errors)

#[test]
fn ok_the_valid_request_gives_numpys_values() {
    let mut r = Request::new();
    succeeds(&mut r);
    // numpy: np.gradient([[1,2,6],[3,4,5]])
    assert!(same(&r.out(0), &[2.0, 2.0, -1.0, 2.0, 2.0, -1.0]));
    assert!(same(&r.out(1), &[1.0, 2.5, 4.0, 1.0, 1.0, 1.0]));
}

#[test]
fn ok_null_data_with_a_zero_length_is_an_empty_array() {
    let mut r = Request {
        f_ptr: Some(ptr::null()),
        shape: vec![0, 3],
        axes: Some(vec![1]),
        outs: vec![vec![]],
        out_ptrs: Some(vec![ptr::null_mut()]),
        ..Request::new()
    };
    succeeds(&mut r);
}

#[test]
fn ok_nan_in_data_propagates() {
    let mut r = Request::one_d(&[1.0, f64::NAN, 4.0, 5.0, 6.0]);
    succeeds(&mut r);
    // numpy: [nan, 1.5, nan, 1, 1]
    assert!(same(&r.out(0), &[f64::NAN, 1.5, f64::NAN, 1.0, 1.0]));
}

#[test]
fn ok_inf_in_data_propagates() {
    let mut r = Request::one_d(&[1.0, f64::INFINITY, 4.0, 5.0, 6.0]);
    succeeds(&mut r);
    // numpy: [inf, 1.5, -inf, 1, 1]
    let inf = f64::INFINITY;
    assert!(same(&r.out(0), &[inf, 1.5, -inf, 1.0, 1.0]));
    r.outs[0].fill(SENTINEL);
    r.edge_order = 2;
    succeeds(&mut r);
    // numpy (edge_order=2): [inf, 1.5, -inf, 1, 1]
    assert!(same(&r.out(0), &[inf, 1.5, -inf, 1.0, 1.0]));
}

#[test]
fn ok_nan_in_coordinates_is_not_an_error() {
    let x = [0.0, 1.0, f64::NAN, 3.0, 4.0];
    let mut r = Request {
        spacing: vec![coords(&x)],
        ..Request::one_d(&[1.0, 2.0, 4.0, 7.0, 11.0])
    };
    succeeds(&mut r);
    // numpy: [1, nan, nan, nan, 4]; edge_order=2: all nan
    let nan = f64::NAN;
    assert!(same(&r.out(0), &[1.0, nan, nan, nan, 4.0]));
    r.outs[0].fill(SENTINEL);
    r.edge_order = 2;
    succeeds(&mut r);
    assert!(same(&r.out(0), &[nan; 5]));
}

#[test]
fn ok_inf_in_coordinates_is_not_an_error() {
    let x = [0.0, 1.0, f64::INFINITY, 3.0, 4.0];
    let mut r = Request {
        spacing: vec![coords(&x)],
        ..Request::one_d(&[1.0, 2.0, 4.0, 7.0, 11.0])
    };
    succeeds(&mut r);
    // numpy: [1, nan, nan, nan, 4]
    let nan = f64::NAN;
    assert!(same(&r.out(0), &[1.0, nan, nan, nan, 4.0]));
}

#[test]
fn ok_interleaved_outputs_share_no_memory() {
    // Both derivatives into one (2, 3, 2) array: components interleaved.
    let mut r = Request::new();
    r.outs = vec![vec![SENTINEL; 12]];
    let base = r.outs[0].as_mut_ptr();
    // SAFETY: offset 1 of a 12-element buffer.
    r.out_ptrs = Some(vec![base.cast(), unsafe { base.add(1) }.cast()]);
    r.out_strides = Some(vec![6, 2, 6, 2]);
    succeeds(&mut r);
    let all = r.out(0);
    let d0: Vec<f64> = all.iter().step_by(2).copied().collect();
    let d1: Vec<f64> = all.iter().skip(1).step_by(2).copied().collect();
    assert!(same(&d0, &[2.0, 2.0, -1.0, 2.0, 2.0, -1.0]));
    assert!(same(&d1, &[1.0, 2.5, 4.0, 1.0, 1.0, 1.0]));
}

#[test]
fn ok_components_of_a_large_array_share_no_memory() {
    // Both derivatives of a (2^19, 2) array into big[:, 0, :] and big[:, 1, :] of one
    // (2^19, 2, 2) array: refused as "too complex" before the aliasing check knew slices
    // of one array. f[i, k] = i * (k + 1): d/d(axis 0) is k + 1, d/d(axis 1) is i.
    let n = 1usize << 19;
    let mut r = Request {
        f: (0..n).flat_map(|i| [i as f64, 2.0 * i as f64]).collect(),
        shape: vec![n, 2],
        outs: vec![vec![SENTINEL; 4 * n]],
        out_strides: Some(vec![4, 1, 4, 1]),
        ..Request::new()
    };
    let base = r.outs[0].as_mut_ptr();
    // SAFETY: offset 2 of a 4n-element buffer.
    r.out_ptrs = Some(vec![base.cast(), unsafe { base.add(2) }.cast()]);
    succeeds(&mut r);
    let all = r.out(0);
    assert!(
        all.chunks(4)
            .enumerate()
            .all(|(i, row)| { same(row, &[1.0, 2.0, i as f64, i as f64]) })
    );
}

// ---------------------------------------------------------------- 1 NULL_POINTER

#[test]
fn null_data_with_elements() {
    let mut r = Request {
        f_ptr: Some(ptr::null()),
        ..Request::new()
    };
    rejects(&mut r, grad_status::NullPointer, "f is NULL");
}

#[test]
fn null_shape() {
    let mut r = Request {
        shape_ptr: Some(ptr::null()),
        ..Request::new()
    };
    rejects(&mut r, grad_status::NullPointer, "shape is NULL");
}

#[test]
fn null_output_list() {
    let mut r = Request {
        out_list_ptr: Some(ptr::null()),
        ..Request::new()
    };
    rejects(&mut r, grad_status::NullPointer, "out is NULL");
}

#[test]
fn null_output_array() {
    let mut r = Request::new();
    r.out_ptrs = Some(vec![r.outs[0].as_mut_ptr().cast(), ptr::null_mut()]);
    rejects(&mut r, grad_status::NullPointer, "out[1] is NULL");
}

#[test]
fn null_spacing_with_a_count() {
    let mut r = Request {
        spacing_ptr: Some(ptr::null()),
        n_spacing: Some(2),
        ..Request::new()
    };
    rejects(&mut r, grad_status::NullPointer, "spacing is NULL");
}

#[test]
fn null_axes_with_a_count() {
    let mut r = Request {
        axes_ptr: Some(ptr::null()),
        n_axes: Some(2),
        ..Request::new()
    };
    rejects(&mut r, grad_status::NullPointer, "axes is NULL");
}

#[test]
fn null_coordinates_with_a_length() {
    let mut s = coords(&[0.0, 1.0, 3.0]);
    s.coordinates = ptr::null();
    let mut r = Request {
        spacing: vec![unit(), s],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::NullPointer,
        "spacing[1].coordinates is NULL",
    );
}

#[test]
fn null_output_buffer_of_the_flat_call() {
    let mut r = Flat {
        out_ptr: Some(ptr::null_mut()),
        ..Flat::new()
    };
    r.rejects(grad_status::NullPointer, "is NULL");
}

// ---------------------------------------------------------------- 2 INVALID_NDIM

#[test]
fn ndim_zero() {
    let mut r = Request {
        ndim: 0,
        ..Request::new()
    };
    rejects(&mut r, grad_status::InvalidNdim, "ndim is 0");
}

#[test]
fn ndim_above_the_maximum() {
    let mut r = Request {
        ndim: GRAD_MAX_NDIM + 1,
        shape: vec![1; GRAD_MAX_NDIM + 1],
        ..Request::new()
    };
    rejects(&mut r, grad_status::InvalidNdim, "ndim is 65");
}

#[test]
fn ndim_zero_in_the_flat_call() {
    let mut r = Flat {
        ndim: 0,
        ..Flat::new()
    };
    r.rejects(grad_status::InvalidNdim, "ndim is 0");
}

// ---------------------------------------------------------------- 3 INVALID_DTYPE

#[test]
fn unknown_dtype_tag() {
    let mut r = Request {
        dtype: 13,
        ..Request::new()
    };
    rejects(&mut r, grad_status::InvalidDtype, "unknown dtype tag 13");
    r.dtype = 0;
    rejects(&mut r, grad_status::InvalidDtype, "unknown dtype tag 0");
}

#[test]
fn complex_coordinates() {
    let x = [0.0f64; 6];
    let mut s = coords(&x);
    s.dtype = C128;
    s.length = 3;
    let mut r = Request {
        spacing: vec![unit(), s],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::InvalidDtype,
        "coordinates must be real",
    );
}

#[test]
fn unknown_coordinates_dtype_tag() {
    let x = [0.0, 1.0, 3.0];
    let mut s = coords(&x);
    s.dtype = -7;
    let mut r = Request {
        spacing: vec![unit(), s],
        ..Request::new()
    };
    rejects(&mut r, grad_status::InvalidDtype, "unknown dtype tag -7");
}

// ---------------------------------------------------------------- 4 OVERFLOW

#[test]
fn shape_product_overflows_usize() {
    let mut r = Request {
        shape: vec![usize::MAX, 2],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::Overflow,
        "more elements than fit in memory",
    );
}

#[test]
fn shape_bytes_overflow_isize() {
    // 2^62 elements fit in usize, but not 2^65 bytes.
    let mut r = Request {
        shape: vec![1 << 61, 2],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::Overflow,
        "more elements than fit in memory",
    );
}

#[test]
fn stride_offsets_overflow_isize() {
    // Element [1, 0] would lie 2^60 * 8 bytes away.
    let mut r = Request {
        strides: Some(vec![1 << 60, 1]),
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::Overflow,
        "reach beyond the address space",
    );
}

#[test]
fn stride_ptrdiff_min() {
    let mut r = Request {
        strides: Some(vec![isize::MIN, 1]),
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::Overflow,
        "reach beyond the address space",
    );
}

#[test]
fn ptrdiff_min_stride_on_an_axis_of_length_one_reaches_nothing() {
    // Not an error: a stride on an axis of length 1 is never used (the header's OVERFLOW
    // entry mentions PTRDIFF_MIN; it is rejected where it would reach an element).
    let mut r = Request {
        f: vec![1.0, 2.0, 4.0],
        shape: vec![1, 3],
        strides: Some(vec![isize::MIN, 1]),
        axes: Some(vec![1]),
        outs: vec![vec![SENTINEL; 3]],
        out_strides: Some(vec![isize::MIN, 1]),
        ..Request::new()
    };
    succeeds(&mut r);
    assert!(same(&r.out(0), &[1.0, 1.5, 2.0]));
}

#[test]
fn negative_strides_reach_below_address_zero() {
    // A (never dereferenced) address 4096 with 3 rows 1000 elements apart downwards.
    let mut r = Request {
        f_ptr: Some(4096 as *const c_void),
        strides: Some(vec![-1000, 1]),
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::Overflow,
        "reach address 0 or beyond the address space",
    );
}

/// Found by fuzzing: coordinates whose lowest element lay exactly at address 0 passed
/// validation, and making their view panicked in debug builds (PANIC, not the first fault).
#[test]
fn coordinates_whose_lowest_element_is_at_address_zero_are_rejected() {
    // uint16 coordinates at address 8, 3 of them 2 elements apart downwards: 8 - 2*2*2 = 0.
    // The axis is out of bounds too, but the coordinates come first (stage 3 before 5).
    let s = grad_spacing {
        kind: COORDINATES,
        dtype: 10,
        h: 0.0,
        coordinates: 8 as *const c_void,
        length: 3,
        stride: -2,
    };
    let mut r = Request {
        spacing: vec![s],
        axes: Some(vec![5]),
        ..Request::one_d(&[1.0, 2.0, 4.0])
    };
    rejects(
        &mut r,
        grad_status::Overflow,
        "spacing[0].coordinates: strides [-2] with shape [3] at 0x8 reach address 0",
    );
}

/// Found by fuzzing: `grad_gradient_f64` checked where every output block starts before
/// checking block 0's pointer, so a misaligned `out` near the top of memory gave OVERFLOW
/// (block 1 lies beyond the address space) instead of block 0's MISALIGNED.
#[test]
fn flat_call_reports_a_misaligned_out_before_its_later_blocks() {
    let mut r = Flat::new();
    r.out_ptr = Some(ptr::without_provenance_mut(usize::MAX));
    r.rejects(
        grad_status::Misaligned,
        "out (the block of axis 0) at address",
    );
}

#[test]
fn output_strides_overflow() {
    let mut r = Request {
        out_strides: Some(vec![3, 1, 1 << 62, 1]),
        ..Request::new()
    };
    rejects(&mut r, grad_status::Overflow, "out[1]: strides");
}

#[test]
fn coordinates_whose_stride_overflows() {
    let x = [0.0, 1.0, 3.0];
    let mut s = coords(&x);
    s.stride = isize::MAX / 2;
    let mut r = Request {
        spacing: vec![unit(), s],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::Overflow,
        "spacing[1].coordinates: strides",
    );
}

#[test]
fn flat_call_shape_overflows() {
    let mut r = Flat {
        shape: vec![1 << 62, 4],
        ..Flat::new()
    };
    r.rejects(grad_status::Overflow, "more elements than fit in memory");
}

#[test]
fn flat_call_outputs_overflow() {
    // 2^59 doubles fit (2^62 bytes), two outputs of them do not.
    let mut r = Flat {
        shape: vec![1 << 58, 2],
        ..Flat::new()
    };
    r.rejects(grad_status::Overflow, "outputs do not fit in memory");
}

// ---------------------------------------------------------------- 5 MISALIGNED

/// A pointer one byte into a buffer: misaligned for every element type but bytes.
fn skewed(buf: &mut [u64]) -> *mut c_void {
    // SAFETY: one byte into a non-empty buffer.
    unsafe { buf.as_mut_ptr().cast::<u8>().add(1) }.cast()
}

#[test]
fn misaligned_data() {
    let mut buf = vec![0u64; 7];
    let mut r = Request {
        f_ptr: Some(skewed(&mut buf)),
        ..Request::new()
    };
    rejects(&mut r, grad_status::Misaligned, "f at address");
}

#[test]
fn misaligned_output() {
    let mut buf = vec![SENTINEL; 7];
    let mut r = Request::new();
    r.out_ptrs = Some(vec![r.outs[0].as_mut_ptr().cast(), skewed(&mut buf)]);
    rejects(&mut r, grad_status::Misaligned, "out[1] at address");
    assert!(buf.iter().all(|&v| v == SENTINEL));
}

#[test]
fn misaligned_coordinates() {
    let mut buf = vec![0u64; 4];
    let s = grad_spacing {
        coordinates: skewed(&mut buf),
        ..coords(&[0.0, 1.0, 3.0])
    };
    let mut r = Request {
        spacing: vec![unit(), s],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::Misaligned,
        "spacing[1].coordinates at address",
    );
}

#[test]
fn misaligned_shape_array() {
    let mut buf = vec![0u64; 3];
    let mut r = Request {
        shape_ptr: Some(skewed(&mut buf).cast()),
        ..Request::new()
    };
    rejects(&mut r, grad_status::Misaligned, "shape is not aligned");
}

#[test]
fn misaligned_data_in_the_flat_call() {
    let mut buf = vec![0u64; 7];
    let mut r = Flat {
        f_ptr: Some(skewed(&mut buf).cast()),
        ..Flat::new()
    };
    r.rejects(grad_status::Misaligned, "f at address");
}

// ---------------------------------------------------------------- 6 AXIS_OUT_OF_BOUNDS

#[test]
fn axis_out_of_bounds() {
    let mut r = Request {
        axes: Some(vec![2]),
        outs: vec![vec![SENTINEL; 6]],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::AxisOutOfBounds,
        "axis 2 is out of bounds for array of dimension 2",
    );
    r.axes = Some(vec![-3]);
    rejects(
        &mut r,
        grad_status::AxisOutOfBounds,
        "axis -3 is out of bounds",
    );
}

// ---------------------------------------------------------------- 7 REPEATED_AXIS

#[test]
fn repeated_axis() {
    let mut r = Request {
        axes: Some(vec![0, -2]),
        ..Request::new()
    };
    rejects(&mut r, grad_status::RepeatedAxis, "repeated axis");
}

#[test]
fn more_axes_than_any_array_has() {
    let mut r = Request {
        axes: Some(vec![0; GRAD_MAX_NDIM + 1]),
        ..Request::new()
    };
    r.outs = vec![vec![SENTINEL; 6]; GRAD_MAX_NDIM + 1];
    rejects(&mut r, grad_status::RepeatedAxis, "n_axes is 65");
}

// ---------------------------------------------------------------- 8 SPACING_COUNT

#[test]
fn too_many_spacings() {
    let mut r = Request {
        spacing: vec![unit(); 3],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::SpacingCount,
        "invalid number of arguments: 3 spacing values for 2 axes",
    );
}

#[test]
fn one_coordinate_array_for_two_axes() {
    let x = [0.0, 1.0, 3.0];
    let mut r = Request {
        spacing: vec![coords(&x)],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::SpacingCount,
        "invalid number of arguments",
    );
}

// ---------------------------------------------------------------- 9 INVALID_SPACING_KIND

#[test]
fn unknown_spacing_kind() {
    let mut s = unit();
    s.kind = 5;
    let mut r = Request {
        spacing: vec![unit(), s],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::InvalidSpacingKind,
        "spacing[1].kind is 5",
    );
    r.spacing[1].kind = -1;
    rejects(
        &mut r,
        grad_status::InvalidSpacingKind,
        "spacing[1].kind is -1",
    );
}

// ---------------------------------------------------------------- 10 COORDINATES_LENGTH

#[test]
fn coordinates_of_the_wrong_length() {
    let x = [0.0, 1.0, 3.0, 4.0];
    let mut r = Request {
        spacing: vec![unit(), coords(&x)],
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::CoordinatesLength,
        "axis 1 has 3 elements but 4 coordinates were given",
    );
}

// ---------------------------------------------------------------- 11 COORDINATES_TOO_SHORT

#[test]
fn a_single_coordinate() {
    let x = [3.0];
    let mut r = Request {
        spacing: vec![coords(&x)],
        ..Request::one_d(&[5.0])
    };
    rejects(
        &mut r,
        grad_status::CoordinatesTooShort,
        "have 1 entries; at least 2",
    );
}

// ---------------------------------------------------------------- 12 INVALID_EDGE_ORDER

#[test]
fn edge_order_zero() {
    let mut r = Request {
        edge_order: 0,
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::InvalidEdgeOrder,
        "edge_order must be 1 or 2, got 0",
    );
}

#[test]
fn edge_order_three() {
    let mut r = Request {
        edge_order: 3,
        ..Request::new()
    };
    rejects(&mut r, grad_status::InvalidEdgeOrder, "got 3");
}

#[test]
fn edge_order_negative() {
    let mut r = Request {
        edge_order: -1,
        ..Request::new()
    };
    rejects(&mut r, grad_status::InvalidEdgeOrder, "got -1");
    r.edge_order = i32::MIN;
    rejects(&mut r, grad_status::InvalidEdgeOrder, "got -2147483648");
}

#[test]
fn edge_order_three_in_the_flat_call() {
    let mut r = Flat {
        edge_order: 3,
        ..Flat::new()
    };
    r.rejects(grad_status::InvalidEdgeOrder, "got 3");
}

// ---------------------------------------------------------------- 13 AXIS_TOO_SHORT

#[test]
fn axis_shorter_than_edge_order_plus_one() {
    // Axis 0 has 2 elements: enough for edge_order 1, not 2.
    let mut r = Request {
        edge_order: 2,
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::AxisTooShort,
        "axis 0 has 2 elements and edge_order is 2",
    );
}

#[test]
fn axis_of_one_element() {
    let mut r = Request::one_d(&[5.0]);
    rejects(
        &mut r,
        grad_status::AxisTooShort,
        "axis 0 has 1 elements and edge_order is 1",
    );
}

#[test]
fn axis_too_short_in_the_flat_call() {
    let mut r = Flat {
        edge_order: 2,
        ..Flat::new()
    };
    r.rejects(grad_status::AxisTooShort, "Shape of array too small");
}

// ---------------------------------------------------------------- 14 OVERLAP

#[test]
fn output_aliases_the_input() {
    let mut r = Request::new();
    r.out_ptrs = Some(vec![r.f.as_mut_ptr().cast(), r.outs[1].as_mut_ptr().cast()]);
    let before = r.f.clone();
    rejects(
        &mut r,
        grad_status::Overlap,
        "output 0 shares memory with the input f",
    );
    assert_eq!(r.f, before);
}

#[test]
fn outputs_alias_each_other() {
    let mut r = Request::new();
    let p = r.outs[0].as_mut_ptr().cast();
    r.out_ptrs = Some(vec![p, p]);
    rejects(
        &mut r,
        grad_status::Overlap,
        "output 1 shares memory with output 0",
    );
}

#[test]
fn outputs_overlap_by_one_element() {
    let mut r = Request::new();
    r.outs = vec![vec![SENTINEL; 11]];
    let p = r.outs[0].as_mut_ptr();
    // SAFETY: offset 5 of 11: the second output spans elements 5..11.
    r.out_ptrs = Some(vec![p.cast(), unsafe { p.add(5) }.cast()]);
    rejects(
        &mut r,
        grad_status::Overlap,
        "output 1 shares memory with output 0",
    );
}

#[test]
fn output_overlaps_itself() {
    // A zero stride on an axis of length 2: two elements at one address.
    let mut r = Request {
        out_strides: Some(vec![3, 1, 0, 1]),
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::Overlap,
        "output 1 shares memory with itself",
    );
}

#[test]
fn output_aliases_the_coordinates() {
    let mut x = vec![0.0, 1.0, 3.0, 3.5];
    let mut r = Request {
        spacing: vec![coords(&x)],
        ..Request::one_d(&[5.0, 7.0, 4.0, 8.0])
    };
    r.out_ptrs = Some(vec![x.as_mut_ptr().cast()]);
    // A plan copies the coordinates, so its output may be the caller's array
    // (`plan_output_may_reuse_the_coordinates_given_to_the_options`).
    r.mirror = false;
    rejects(
        &mut r,
        grad_status::Overlap,
        "output 0 shares memory with spacing[0].coordinates",
    );
    assert_eq!(x, [0.0, 1.0, 3.0, 3.5]);
}

#[test]
fn flat_call_output_overlaps_the_input() {
    let mut buf = vec![1.0f64; 15];
    let mut r = Flat::new();
    // f = buf[0..6], out = buf[3..15]: the first output overlaps f.
    r.f_ptr = Some(buf.as_ptr());
    // SAFETY: offset 3 of 15, 12 doubles.
    r.out_ptr = Some(unsafe { buf.as_mut_ptr().add(3) });
    r.rejects(grad_status::Overlap, "shares memory with the input f");
    assert!(buf.iter().all(|&v| v == 1.0));
}

// ---------------------------------------------------------------- 15 OUT_OF_MEMORY

/// Runs `call` on another thread; fails the test if it has not returned in 20 s (a scan
/// or an allocation proportional to a claimed length of 2^40 or more would not).
fn within_20s<R: Send + 'static>(call: impl FnOnce() -> R + Send + 'static) -> R {
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(call());
    });
    wait.recv_timeout(std::time::Duration::from_secs(20))
        .expect("the call did not return within 20 s")
}

#[test]
fn huge_coordinate_array_needs_no_memory_when_the_output_is_empty() {
    // f has shape (0, 2^59): no elements (NULL is fine). Axis 1 is requested with a
    // coordinate array that claims 2^59 values at stride 0 over a real 8-byte buffer
    // (valid: it only ever covers those 8 bytes). There is nothing to compute, and the
    // library must neither scan 2^59 coordinates nor allocate for them: OK, at once.
    let (status, message) = within_20s(|| {
        let one = [1.0f64];
        let s = grad_spacing {
            kind: COORDINATES,
            dtype: F64,
            h: 0.0,
            coordinates: one.as_ptr().cast(),
            length: 1 << 59,
            stride: 0,
        };
        let mut r = Request {
            f_ptr: Some(ptr::null()),
            shape: vec![0, 1 << 59],
            axes: Some(vec![1]),
            spacing: vec![s],
            outs: vec![vec![]],
            out_ptrs: Some(vec![ptr::null_mut()]),
            // Options copy their coordinates: 2^59 of them cannot be
            // (`options_refuse_coordinates_they_cannot_copy`).
            mirror: false,
            ..Request::new()
        };
        r.call()
    });
    println!("| 0 | Ok | {message} | (empty f, 2^59 coordinates)");
    assert_eq!(status, grad_status::Ok, "message: {message}");
}

#[test]
fn coefficient_table_too_large_is_out_of_memory_not_an_abort() {
    // What does reach the O(axis length) allocation: a non-empty f with several lanes along
    // a non-uniform axis, whose interior weights (3 doubles per point) are tabulated.
    // f: shape (2, 2^40), broadcast from one element (strides 0, 0: inputs may repeat).
    // Coordinates: 2^40 NaNs at stride 0 (non-uniform at the first difference: NaN never
    // equals NaN). Output: 2 x 2^40 doubles (16 TiB) of address space reserved with
    // MAP_NORESERVE, never touched. The table would need 24 TiB: it cannot be had, and the
    // call must return OUT_OF_MEMORY before writing anything.
    let overcommit = std::fs::read_to_string("/proc/sys/vm/overcommit_memory").unwrap_or_default();
    if overcommit.trim() == "1" {
        // "Always overcommit": the 24 TiB table would be granted and then filled.
        println!("skipped: vm.overcommit_memory = 1");
        return;
    }
    let n: usize = 1 << 40;
    let bytes = 2 * n * size_of::<f64>();
    // SAFETY: an anonymous private mapping; checked for failure below.
    let out = unsafe {
        libc::mmap(
            ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if out == libc::MAP_FAILED {
        println!("skipped: cannot reserve {bytes} bytes of address space");
        return;
    }
    let out_addr = out as usize;
    let (status, message) = within_20s(move || {
        let f = [3.0f64];
        let nan = [f64::NAN];
        let s = grad_spacing {
            kind: COORDINATES,
            dtype: F64,
            h: 0.0,
            coordinates: nan.as_ptr().cast(),
            length: n,
            stride: 0,
        };
        let mut r = Request {
            f_ptr: Some(f.as_ptr().cast()),
            shape: vec![2, n],
            strides: Some(vec![0, 0]),
            axes: Some(vec![1]),
            spacing: vec![s],
            outs: vec![vec![]],
            out_ptrs: Some(vec![out_addr as *mut c_void]),
            ..Request::new()
        };
        r.call()
    });
    println!("| 15 | OutOfMemory | {message} |");
    // Untouched: the first and last elements still read as the mapping's zeros.
    // SAFETY: both lie inside the mapping.
    let (first, last) = unsafe {
        let p = out.cast::<u64>();
        (*p, *p.add(2 * n - 1))
    };
    // SAFETY: the mapping made above.
    unsafe { libc::munmap(out, bytes) };
    assert_eq!(status, grad_status::OutOfMemory, "message: {message}");
    assert!(message.contains("out of memory"), "message: {message}");
    assert_eq!((first, last), (0, 0), "the output was written");
}

// ---------------------------------------------------------------- 16 OUTPUT_COUNT

#[test]
fn output_count_differs_from_the_axes() {
    let mut r = Request {
        n_out: Some(1),
        ..Request::new()
    };
    rejects(
        &mut r,
        grad_status::OutputCount,
        "n_out is 1 but 2 axes are requested",
    );
}

// ---------------------------------------------------------------- 17 OUTPUT_TOO_SMALL

#[test]
fn flat_call_output_too_small() {
    let mut r = Flat {
        out_len: Some(11),
        ..Flat::new()
    };
    r.rejects(grad_status::OutputTooSmall, "out holds 11 doubles");
}

// ---------------------------------------------------------------- 18 INVALID_LAYOUT

#[test]
fn flat_call_unknown_layout() {
    let mut r = Flat {
        layout: 2,
        ..Flat::new()
    };
    r.rejects(grad_status::InvalidLayout, "layout 2 is not 0 or 1");
}

// ---------------------------------------------------------------- found by fuzzing

#[test]
fn empty_shape_whose_other_lengths_overflow_is_rejected() {
    // numpy rejects np.empty((0, 3, 2**62)) ("array is too big"): the product of the
    // non-zero lengths must fit. This gave GRAD_STATUS_PANIC before the fix (ndarray
    // refused the shape after validation had accepted it).
    let mut r = Request {
        f_ptr: Some(ptr::null()),
        ndim: 3,
        shape: vec![0, 3, 1 << 62],
        axes: Some(vec![1]),
        outs: vec![vec![]],
        out_ptrs: Some(vec![ptr::null_mut()]),
        ..Request::new()
    };
    rejects(&mut r, grad_status::Overflow, "fit");
}

#[test]
fn empty_output_accepts_any_strides() {
    // Shape (0, 2): empty, so any strides do. This gave GRAD_STATUS_PANIC in debug builds
    // before the fix (an unchecked multiplication in the aliasing check).
    let mut r = Request {
        f_ptr: Some(ptr::null()),
        shape: vec![0, 2],
        axes: Some(vec![1]),
        outs: vec![vec![]],
        out_ptrs: Some(vec![ptr::null_mut()]),
        out_strides: Some(vec![1, 1 << 62]),
        ..Request::new()
    };
    succeeds(&mut r);
}

#[test]
fn output_strides_that_do_not_nest_are_rejected() {
    // Output strides (3, 2) on shape (4, 3): offsets 0,2,4 / 3,5,7 / 6,8,10 / 9,11,13 are
    // distinct, but the strides do not nest, which mutable ndarray views require (debug
    // builds asserted it: GRAD_STATUS_PANIC before the fix). Such outputs are refused.
    let f: Vec<f64> = (0..12).map(|v| f64::from(v * v)).collect();
    let mut r = Request {
        f,
        shape: vec![4, 3],
        axes: Some(vec![1]),
        outs: vec![vec![SENTINEL; 14]],
        out_strides: Some(vec![3, 2]),
        ..Request::new()
    };
    rejects(&mut r, grad_status::Overlap, "must be at least the extent");
}

/// Found by fuzzing: `prod(shape) * ndim` was computed unchecked (a panic in debug builds).
#[test]
fn flat_call_whose_outputs_overflow_usize_is_rejected() {
    // f would hold 2^59 doubles (2^62 bytes: within PTRDIFF_MAX), but 32 outputs of them
    // need 2^64 elements: `count * ndim` overflows before the checked test that reports
    // OVERFLOW ("ndim * prod(shape) outputs do not fit in memory"). Nothing is read.
    let mut shape = vec![1usize; 32];
    shape[0] = 1 << 59;
    let mut r = Flat {
        ndim: 32,
        shape,
        ..Flat::new()
    };
    r.rejects(grad_status::Overflow, "outputs do not fit in memory");
}

// ---------------------------------------------------------------- the order of checks

/// One fault: the status it must give, and how it breaks a valid call.
type Fault<R> = (grad_status, fn(&mut R));

/// Applies each fault alone, every pair and every triple of `faults` (listed in the
/// documented order of checks, `grad_status`'s doc) to a fresh valid call: the call must
/// report the status of the earliest fault, and write nothing.
fn earliest_fault_wins<R>(
    faults: &[Fault<R>],
    make: fn() -> R,
    run: fn(&mut R) -> (grad_status, bool),
) {
    let n = faults.len();
    let mut sets: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    for i in 0..n {
        for j in i + 1..n {
            sets.push(vec![i, j]);
            sets.extend((j + 1..n).map(|k| vec![i, j, k]));
        }
    }
    for set in sets {
        let mut req = make();
        // Applied last to first, so that a fault that replaces a whole argument does not
        // undo an earlier one's change to it.
        for &i in set.iter().rev() {
            (faults[i].1)(&mut req);
        }
        let (got, untouched) = run(&mut req);
        assert_eq!(got, faults[set[0]].0, "faults {set:?}: {}", last_error());
        assert!(untouched, "faults {set:?}: an output was written");
    }
}

#[test]
fn grad_gradient_reports_the_earliest_of_several_faults() {
    // One fault per stage and argument, in the documented order (a 2x3 call with explicit
    // axes [0, 1] and one unit spacing entry, so that every argument array is read).
    let faults: [Fault<Request>; 15] = [
        (grad_status::InvalidDtype, |r| r.dtype = 99),
        (grad_status::InvalidNdim, |r| r.ndim = 0),
        (grad_status::SpacingCount, |r| r.n_spacing = Some(65)),
        (grad_status::RepeatedAxis, |r| r.n_axes = Some(65)),
        (grad_status::OutputCount, |r| r.n_out = Some(3)),
        (grad_status::NullPointer, |r| {
            r.shape_ptr = Some(ptr::null())
        }),
        (grad_status::Misaligned, |r| {
            // SAFETY: one byte into the spacing list: never read, rejected for alignment.
            r.spacing_ptr = Some(unsafe { r.spacing.as_ptr().byte_add(1) })
        }),
        (grad_status::NullPointer, |r| r.axes_ptr = Some(ptr::null())),
        (grad_status::InvalidSpacingKind, |r| r.spacing[0].kind = 42),
        (grad_status::Overflow, |r| {
            r.strides = Some(vec![1 << 62, 1])
        }),
        (grad_status::AxisOutOfBounds, |r| r.axes = Some(vec![0, 5])),
        (grad_status::InvalidEdgeOrder, |r| r.edge_order = 3),
        (grad_status::NullPointer, |r| r.f_ptr = Some(ptr::null())),
        (grad_status::Misaligned, |r| {
            let mut outs = r.out_ptrs();
            // SAFETY: one byte into output 1's buffer: rejected for alignment, never written.
            outs[1] = unsafe { outs[1].byte_add(1) };
            r.out_ptrs = Some(outs);
        }),
        (grad_status::Overlap, |r| {
            r.out_strides = Some(vec![3, 1, 0, 1])
        }),
    ];
    let make = || Request {
        axes: Some(vec![0, 1]),
        spacing: vec![unit()],
        // The plan API checks `n_out` at execution: its order is tested on its own.
        mirror: false,
        ..Request::new()
    };
    earliest_fault_wins(&faults, make, |r| (r.call().0, r.untouched()));
}

#[test]
fn grad_gradient_f64_reports_the_earliest_of_several_faults() {
    let faults: [Fault<Flat>; 7] = [
        (grad_status::InvalidNdim, |r| r.ndim = 0),
        (grad_status::InvalidLayout, |r| r.layout = 7),
        (grad_status::NullPointer, |r| {
            r.shape_ptr = Some(ptr::null())
        }),
        (grad_status::OutputTooSmall, |r| r.out_len = Some(5)),
        (grad_status::InvalidEdgeOrder, |r| r.edge_order = 3),
        (grad_status::NullPointer, |r| r.f_ptr = Some(ptr::null())),
        (grad_status::Misaligned, |r| {
            // SAFETY: one byte into the output buffer: rejected for alignment, never written.
            r.out_ptr = Some(unsafe { r.out.as_mut_ptr().cast::<f64>().byte_add(1) })
        }),
    ];
    earliest_fault_wins(&faults, Flat::new, |r| {
        let status = r.call().0;
        (status, r.out.iter().all(|&v| v == SENTINEL))
    });
}

/// A plan API call sequence that starts valid (the 2x3 array, both axes, edge order 1):
/// options, `grad_plan_new`, `grad_plan_execute`.
struct Planned {
    request: Request,
    plan_out_null: bool,
    plan_null: bool,
}

impl Planned {
    fn new() -> Self {
        Planned {
            request: Request::new(),
            plan_out_null: false,
            plan_null: false,
        }
    }

    /// Runs the sequence; the first failing step's status.
    fn run(&mut self) -> grad_status {
        let r = &mut self.request;
        let mut options: *mut grad_options = ptr::null_mut();
        let mut plan: *mut grad_plan = ptr::null_mut();
        let out_ptrs = r.out_ptrs();
        // SAFETY: every pointer is NULL, a deliberately bad value the library rejects before
        // use, or valid for what its count describes; everything made is freed.
        unsafe {
            assert_eq!(grad_options_new(&mut options), grad_status::Ok);
            assert_eq!(
                grad_options_set_edge_order(options, r.edge_order),
                grad_status::Ok
            );
            let plan_out = match self.plan_out_null {
                true => ptr::null_mut(),
                false => &mut plan as *mut *mut grad_plan,
            };
            let mut status = grad_plan_new(
                plan_out,
                r.dtype,
                r.ndim,
                r.shape_ptr.unwrap_or(r.shape.as_ptr()),
                r.strides.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
                ptr::null(),
                options,
            );
            if status == grad_status::Ok {
                let handle = match self.plan_null {
                    true => ptr::null(),
                    false => plan.cast_const(),
                };
                status = grad_plan_execute(
                    handle,
                    r.f_ptr.unwrap_or(r.f.as_ptr().cast()),
                    r.out_list_ptr.unwrap_or(out_ptrs.as_ptr()),
                    r.n_out.unwrap_or(out_ptrs.len()),
                );
            }
            grad_plan_free(plan);
            grad_options_free(options);
            status
        }
    }
}

#[test]
fn the_plan_api_reports_the_earliest_of_several_faults() {
    let faults: [Fault<Planned>; 12] = [
        (grad_status::NullPointer, |p| p.plan_out_null = true),
        (grad_status::InvalidDtype, |p| p.request.dtype = 0),
        (grad_status::InvalidNdim, |p| p.request.ndim = 65),
        (grad_status::NullPointer, |p| {
            p.request.shape_ptr = Some(ptr::null())
        }),
        (grad_status::Overflow, |p| {
            p.request.strides = Some(vec![1, 1 << 62])
        }),
        (grad_status::InvalidEdgeOrder, |p| p.request.edge_order = 0),
        (grad_status::NullPointer, |p| p.plan_null = true),
        (grad_status::OutputCount, |p| p.request.n_out = Some(1)),
        (grad_status::NullPointer, |p| {
            p.request.out_list_ptr = Some(ptr::null())
        }),
        (grad_status::NullPointer, |p| {
            p.request.f_ptr = Some(ptr::null())
        }),
        (grad_status::Misaligned, |p| {
            let r = &mut p.request;
            let mut outs = r.out_ptrs();
            // SAFETY: one byte into output 0's buffer: rejected for alignment, never written.
            outs[0] = unsafe { outs[0].byte_add(1) };
            r.out_ptrs = Some(outs);
        }),
        (grad_status::Overlap, |p| {
            // Output 1 is the input itself.
            let r = &mut p.request;
            let f = r.f.as_mut_ptr().cast();
            let mut outs = r.out_ptrs();
            outs[1] = f;
            r.out_ptrs = Some(outs);
        }),
    ];
    earliest_fault_wins(&faults, Planned::new, |p| {
        let status = p.run();
        (status, p.request.untouched())
    });
}

// ---------------------------------------------------------------- the plan API's own rows

/// `grad_last_error()` after a plan API call, printed as a table row.
fn plan_row(what: &str, status: grad_status) -> String {
    let message = last_error();
    println!("| {} | {status:?} | {message} | ({what})", status as i32);
    message
}

#[test]
fn plan_api_handles_must_not_be_null_or_misaligned() {
    let null_options: *mut grad_options = ptr::null_mut();
    let misaligned = ptr::without_provenance_mut::<grad_options>(1);
    // SAFETY: NULL and misaligned handles are rejected before use.
    unsafe {
        let s = grad_options_new(ptr::null_mut());
        assert_eq!(s, grad_status::NullPointer);
        assert!(plan_row("grad_options_new", s).contains("options_out is NULL"));
        for options in [null_options, misaligned] {
            let want = match options.is_null() {
                true => grad_status::NullPointer,
                false => grad_status::Misaligned,
            };
            assert_eq!(grad_options_set_axes(options, ptr::null(), 0), want);
            assert_eq!(grad_options_set_spacing(options, ptr::null(), 0), want);
            assert_eq!(grad_options_set_edge_order(options, 2), want);
            assert_eq!(grad_options_set_threads(options, 2), want);
            assert_eq!(grad_options_set_scheme(options, 1), want);
            let none = ptr::null();
            assert_eq!(
                grad_options_set_block(options, 0, none, none, none, none),
                want
            );
            assert!(plan_row("grad_options_set_threads", want).contains("options"));
        }
        let shape = [3usize];
        let mut plan: *mut grad_plan = ptr::null_mut();
        let s = grad_plan_new(
            &mut plan,
            F64,
            1,
            shape.as_ptr(),
            ptr::null(),
            ptr::null(),
            misaligned,
        );
        assert_eq!(s, grad_status::Misaligned);
        assert!(plan.is_null(), "plan_out written on failure");
        let f = [1.0f64, 2.0, 4.0];
        let mut out = [0.0f64; 3];
        let outs = [out.as_mut_ptr().cast::<c_void>()];
        let s = grad_plan_execute(ptr::null(), f.as_ptr().cast(), outs.as_ptr(), 1);
        assert_eq!(s, grad_status::NullPointer);
        assert!(plan_row("grad_plan_execute", s).contains("plan is NULL"));
        assert_eq!(out, [0.0; 3]);
        // Freeing NULL is a no-op; queries on NULL answer 0.
        grad_plan_free(ptr::null_mut());
        grad_options_free(ptr::null_mut());
        assert_eq!(gradient::ffi::grad_plan_output_count(ptr::null()), 0);
        assert_eq!(gradient::ffi::grad_plan_output_dtype(ptr::null()), 0);
    }
}

#[test]
fn options_refuse_coordinates_they_cannot_copy() {
    // 2^59 coordinates at stride 0 over one real double: a valid description that options
    // must copy (a plan outlives the caller's arrays), which cannot be done: OUT_OF_MEMORY,
    // and the options keep their previous spacing.
    let one = [1.0f64];
    let s = grad_spacing {
        length: 1 << 59,
        stride: 0,
        ..coords(&one)
    };
    let mut options: *mut grad_options = ptr::null_mut();
    // SAFETY: the coordinate descriptor covers `one` only (stride 0); options are freed.
    unsafe {
        assert_eq!(grad_options_new(&mut options), grad_status::Ok);
        let status = grad_options_set_spacing(options, &s, 1);
        assert_eq!(status, grad_status::OutOfMemory);
        assert!(plan_row("grad_options_set_spacing", status).contains("could not copy"));
        grad_options_free(options);
    }
}

#[test]
fn plan_output_may_reuse_the_coordinates_given_to_the_options() {
    // A plan keeps its own copy of the coordinates: the caller's array may then be an
    // output (with grad_gradient it could not: OVERLAP).
    let mut x = vec![0.0, 1.0, 3.0, 3.5];
    let f = [5.0, 7.0, 4.0, 8.0];
    let shape = [4usize];
    let mut options: *mut grad_options = ptr::null_mut();
    let mut plan: *mut grad_plan = ptr::null_mut();
    // SAFETY: valid arrays of the lengths given; everything made is freed.
    unsafe {
        assert_eq!(grad_options_new(&mut options), grad_status::Ok);
        assert_eq!(
            grad_options_set_spacing(options, &coords(&x), 1),
            grad_status::Ok
        );
        x.fill(f64::NAN); // the plan must not read the caller's array again
        let s = grad_plan_new(
            &mut plan,
            F64,
            1,
            shape.as_ptr(),
            ptr::null(),
            ptr::null(),
            options,
        );
        assert_eq!(s, grad_status::Ok);
        grad_options_free(options);
        let outs = [x.as_mut_ptr().cast::<c_void>()];
        assert_eq!(
            grad_plan_execute(plan, f.as_ptr().cast(), outs.as_ptr(), 1),
            grad_status::Ok
        );
        grad_plan_free(plan);
    }
    // numpy: np.gradient([5, 7, 4, 8], [0, 1, 3, 3.5])
    assert!(same(
        &x,
        &[2.0, 0.8333333333333336, 6.1000000000000005, 8.0]
    ));
}

// ------------------------------------------- 20 INVALID_SCHEME, and the matlab scheme's rows

/// `GRAD_SCHEME_MATLAB`.
const MATLAB: i32 = 1;

/// A plan of `f` (1-D float64, unit spacing) under `scheme` with `edge_order`, executed
/// into a sentinel-filled output: the first failing status (with the message) and the
/// output.
fn matlab_plan(f: &[f64], scheme: i32, edge_order: i32) -> (grad_status, String, Vec<u64>) {
    let mut options: *mut grad_options = ptr::null_mut();
    let mut plan: *mut grad_plan = ptr::null_mut();
    let mut out = vec![SENTINEL; f.len()];
    let shape = [f.len()];
    // SAFETY: valid pointers for what their counts describe; everything made is freed.
    unsafe {
        assert_eq!(grad_options_new(&mut options), grad_status::Ok);
        let mut status = grad_options_set_scheme(options, scheme);
        if status == grad_status::Ok {
            assert_eq!(
                grad_options_set_edge_order(options, edge_order),
                grad_status::Ok
            );
            status = grad_plan_new(
                &mut plan,
                F64,
                1,
                shape.as_ptr(),
                ptr::null(),
                ptr::null(),
                options,
            );
        }
        if status == grad_status::Ok {
            let outs = [out.as_mut_ptr().cast::<c_void>()];
            status = grad_plan_execute(plan, f.as_ptr().cast(), outs.as_ptr(), 1);
        }
        let message = last_error();
        grad_plan_free(plan);
        grad_options_free(options);
        (status, message, out)
    }
}

#[test]
fn scheme_not_a_grad_scheme() {
    for scheme in [2, -1, i32::MIN] {
        let (status, message, out) = matlab_plan(&[1.0, 2.0, 4.0], scheme, 1);
        println!("| {} | {status:?} | {message} |", status as i32);
        assert_eq!(status, grad_status::InvalidScheme);
        assert!(
            message.contains(&format!("scheme {scheme} is not 0")),
            "{message}"
        );
        assert!(out.iter().all(|&v| v == SENTINEL));
    }
}

#[test]
fn matlab_scheme_refuses_second_order_edges() {
    for edge_order in [2, 0, 3] {
        let (status, message, out) = matlab_plan(&[1.0, 2.0, 4.0], MATLAB, edge_order);
        println!("| {} | {status:?} | {message} |", status as i32);
        assert_eq!(status, grad_status::InvalidEdgeOrder);
        assert!(message.contains("1 under the matlab scheme"), "{message}");
        assert!(message.contains(&format!("got {edge_order}")), "{message}");
        assert!(out.iter().all(|&v| v == SENTINEL));
    }
}

#[test]
fn matlab_scheme_takes_a_length_one_axis_as_zero() {
    // numpy: AXIS_TOO_SHORT; MATLAB: gradient(NaN) and gradient(Inf) are 0.
    let (status, message, _) = matlab_plan(&[5.0], 0, 1);
    assert_eq!(status, grad_status::AxisTooShort, "{message}");
    for v in [5.0, f64::NAN, f64::INFINITY] {
        let (status, message, out) = matlab_plan(&[v], MATLAB, 1);
        assert_eq!(status, grad_status::Ok, "{message}");
        assert_eq!(out, [0.0f64.to_bits()]);
    }
    // Longer axes: numpy's edge_order 1 bits on unit spacing (the same formulas).
    let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
    let (_, _, numpy) = matlab_plan(&f, 0, 1);
    let (status, _, matlab) = matlab_plan(&f, MATLAB, 1);
    assert_eq!(status, grad_status::Ok);
    assert_eq!(matlab, numpy);
    let want: Vec<u64> = [1.0f64, 1.5, 2.5, 3.5, 4.5, 5.0]
        .iter()
        .map(|v| v.to_bits())
        .collect();
    assert_eq!(matlab, want);
}

// ------------------------------------ 21 INVALID_BLOCK, 22 HALO_TOO_SMALL, and block rows

/// A block of a length-10 axis: the plan of the block of `len` samples at `start` with the
/// halo `before` / `after` and `edge_order`, executed on an input of the block and its
/// halo into a sentinel-filled output; the first failing status, the message, the output.
fn block_plan(
    ndim: usize,
    (start, len, before, after): (usize, usize, usize, usize),
    edge_order: i32,
) -> (grad_status, String, Vec<u64>) {
    let mut options: *mut grad_options = ptr::null_mut();
    let mut plan: *mut grad_plan = ptr::null_mut();
    let f: Vec<f64> = (0..10).map(|i| (i * i) as f64).collect();
    let mut out = vec![SENTINEL; len];
    let (global, shape) = ([10usize], [len]);
    // SAFETY: valid pointers for what their counts describe (`ndim` is 0 or 1); everything
    // made is freed.
    unsafe {
        assert_eq!(grad_options_new(&mut options), grad_status::Ok);
        assert_eq!(
            grad_options_set_edge_order(options, edge_order),
            grad_status::Ok
        );
        let mut status = grad_options_set_block(
            options,
            1,
            global.as_ptr(),
            [start].as_ptr(),
            [before].as_ptr(),
            [after].as_ptr(),
        );
        assert_eq!(status, grad_status::Ok);
        let shape = [shape[0], 1];
        status = grad_plan_new(
            &mut plan,
            F64,
            ndim,
            shape.as_ptr(),
            ptr::null(),
            ptr::null(),
            options,
        );
        if status == grad_status::Ok {
            let outs = [out.as_mut_ptr().cast::<c_void>()];
            let input = f[start - before..].as_ptr().cast();
            status = grad_plan_execute(plan, input, outs.as_ptr(), 1);
        }
        let message = last_error();
        grad_plan_free(plan);
        grad_options_free(options);
        (status, message, out)
    }
}

#[test]
fn block_outside_its_global_array() {
    for (case, ndim, want) in [
        ((8, 3, 0, 0), 1, "covers 8..8+3 of a global length 10"),
        (
            (2, 3, 3, 1),
            1,
            "halo_before 3 reaches before the global start",
        ),
        ((2, 3, 1, 6), 1, "halo_after 6 reaches past the global end"),
        (
            (2, 3, 1, 1),
            2,
            "global_shape has 1 entries but the block has 2 axes",
        ),
    ] {
        let (status, message, out) = block_plan(ndim, case, 1);
        println!("| {} | {status:?} | {message} |", status as i32);
        assert_eq!(status, grad_status::InvalidBlock);
        assert!(message.contains(want), "{message}");
        assert!(out.iter().all(|&v| v == SENTINEL));
    }
}

#[test]
fn block_halo_thinner_than_the_stencil_reads() {
    for (case, edge_order, want) in [
        (
            (2, 3, 0, 1),
            1,
            "axis 0 has 0 halo samples before the block but the stencil reads 1",
        ),
        (
            (2, 3, 1, 0),
            1,
            "0 halo samples after the block but the stencil reads 1",
        ),
        (
            (0, 1, 0, 1),
            2,
            "1 halo samples after the block but the stencil reads 2",
        ),
        (
            (9, 1, 1, 0),
            2,
            "1 halo samples before the block but the stencil reads 2",
        ),
    ] {
        let (status, message, out) = block_plan(1, case, edge_order);
        println!("| {} | {status:?} | {message} |", status as i32);
        assert_eq!(status, grad_status::HaloTooSmall);
        assert!(message.contains(want), "{message}");
        assert!(out.iter().all(|&v| v == SENTINEL));
    }
    // Enough halo, or more: numpy's bits for f = i^2 (interior 2i, edges 1 and 17).
    for (case, edge_order, want) in [
        ((2, 3, 1, 1), 1, vec![4.0, 6.0, 8.0]),
        ((0, 1, 0, 2), 2, vec![0.0]),
        ((9, 1, 3, 0), 1, vec![17.0]),
        ((9, 1, 2, 0), 2, vec![18.0]),
    ] {
        let (status, message, out) = block_plan(1, case, edge_order);
        assert_eq!(status, grad_status::Ok, "{message}");
        let want: Vec<u64> = want.iter().map(|v: &f64| v.to_bits()).collect();
        assert_eq!(out, want, "{case:?}");
    }
}

#[test]
fn block_checks_come_in_the_documented_order() {
    // INVALID_BLOCK (start of stage 4) before OVERFLOW (the input's size, stage 4), and
    // numpy's AXIS_TOO_SHORT (stage 5) before HALO_TOO_SMALL.
    let mut options: *mut grad_options = ptr::null_mut();
    let mut plan: *mut grad_plan = ptr::null_mut();
    let (global, start, zero, two) = ([2usize], [0usize], [0usize], [2usize]);
    // SAFETY: valid pointers for what their counts describe; everything made is freed.
    unsafe {
        assert_eq!(grad_options_new(&mut options), grad_status::Ok);
        let block = |after: &[usize; 1]| {
            grad_options_set_block(
                options,
                1,
                global.as_ptr(),
                start.as_ptr(),
                zero.as_ptr(),
                after.as_ptr(),
            )
        };
        let shape = [1usize];
        let plan_out: *mut *mut grad_plan = &mut plan;
        let new_plan = |strides: *const isize| {
            grad_plan_new(
                plan_out,
                F64,
                1,
                shape.as_ptr(),
                strides,
                ptr::null(),
                options,
            )
        };
        assert_eq!(block(&two), grad_status::Ok); // halo after reaches past the end
        let huge = [isize::MAX];
        let s = new_plan(huge.as_ptr());
        assert_eq!(s, grad_status::InvalidBlock, "{}", last_error());
        assert_eq!(block(&zero), grad_status::Ok); // no halo: too thin
        assert_eq!(grad_options_set_edge_order(options, 2), grad_status::Ok);
        let s = new_plan(ptr::null());
        assert_eq!(s, grad_status::AxisTooShort, "{}", last_error());
        assert_eq!(grad_options_set_edge_order(options, 1), grad_status::Ok);
        let s = new_plan(ptr::null());
        assert_eq!(s, grad_status::HaloTooSmall, "{}", last_error());
        assert!(plan.is_null(), "plan_out written on failure");
        grad_options_free(options);
    }
}

#[test]
fn block_setter_and_halo_query_arguments() {
    let mut options: *mut grad_options = ptr::null_mut();
    let (global, start, len) = ([10usize, 4], [3usize, 0], [2usize, 4]);
    let (mut before, mut after) = ([77usize; 2], [77usize; 2]);
    let misaligned = ptr::without_provenance_mut::<usize>(1);
    // SAFETY: NULL, misaligned and oversized arguments are rejected before use; the rest
    // are valid for `ndim` elements; everything made is freed.
    unsafe {
        assert_eq!(grad_options_new(&mut options), grad_status::Ok);
        let s = grad_options_set_block(
            options,
            GRAD_MAX_NDIM + 1,
            ptr::null(),
            ptr::null(),
            ptr::null(),
            ptr::null(),
        );
        assert_eq!(s, grad_status::InvalidNdim);
        assert!(plan_row("grad_options_set_block", s).contains("ndim is 65"));
        let s = grad_options_set_block(
            options,
            2,
            global.as_ptr(),
            start.as_ptr(),
            ptr::null(),
            start.as_ptr(),
        );
        assert_eq!(s, grad_status::NullPointer);
        assert!(plan_row("grad_options_set_block", s).contains("halo_before is NULL"));
        let s = grad_options_set_block(
            options,
            2,
            global.as_ptr(),
            misaligned,
            start.as_ptr(),
            start.as_ptr(),
        );
        assert_eq!(s, grad_status::Misaligned);
        assert!(plan_row("grad_options_set_block", s).contains("start is not aligned"));
        let after_ptr = after.as_mut_ptr();
        let query = |options: *const grad_options, ndim, g: *const usize, b: *mut usize| {
            grad_block_halo(options, ndim, g, start.as_ptr(), len.as_ptr(), b, after_ptr)
        };
        let bad_options = ptr::without_provenance::<grad_options>(1);
        let (g, b) = (global.as_ptr(), before.as_mut_ptr());
        let short = [2usize, 4];
        let cases: [(_, usize, _, _, &str, grad_status); 6] = [
            (
                bad_options,
                2,
                g,
                b,
                "options is not aligned",
                grad_status::Misaligned,
            ),
            (options, 0, g, b, "ndim is 0", grad_status::InvalidNdim),
            (
                options,
                2,
                ptr::null(),
                b,
                "global_shape is NULL",
                grad_status::NullPointer,
            ),
            (
                options,
                2,
                g,
                ptr::null_mut(),
                "halo_before is NULL",
                grad_status::NullPointer,
            ),
            (
                options,
                2,
                g,
                misaligned,
                "halo_before is not aligned",
                grad_status::Misaligned,
            ),
            (
                options,
                2,
                short.as_ptr(),
                b,
                "covers 3..3+2 of a global length 2",
                grad_status::InvalidBlock,
            ),
        ];
        for (o, ndim, g, b, want, expected) in cases {
            let status = query(o, ndim, g, b);
            let message = plan_row("grad_block_halo", status);
            assert_eq!(status, expected, "{message}");
            assert!(message.contains(want), "{message}");
            assert_eq!((before, after), ([77; 2], [77; 2]), "written on failure");
        }
        // numpy's checks, on the global shape.
        assert_eq!(
            grad_options_set_axes(options, [2].as_ptr(), 1),
            grad_status::Ok
        );
        let s = query(options, 2, global.as_ptr(), before.as_mut_ptr());
        assert_eq!(s, grad_status::AxisOutOfBounds);
        assert_eq!(
            grad_options_set_axes(options, [0].as_ptr(), 1),
            grad_status::Ok
        );
        let s = query(options, 2, global.as_ptr(), before.as_mut_ptr());
        assert_eq!(s, grad_status::Ok);
        assert_eq!((before, after), ([1, 0], [1, 0]), "axis 0 only");
        grad_options_free(options);
    }
}
