//! What a call allocates, counted by a global allocator that forwards to the system one.
//!
//! - No allocation proportional to the array: with unit spacing every allocation is a
//!   small list (of outputs, views, stencils); on coordinates the largest is the interior
//!   weight table of one axis (3 values per point), whatever the number of lanes. One and
//!   two threads.
//! - A call on a dense array of up to four axes, on one thread, allocates nothing: its
//!   per-axis lists (shapes, strides, outputs, stencils) are inline, and it reaches the
//!   sweep through slices rather than views (allocations were a large part of what a
//!   16-element call cost; `sh benches/run.sh` prints that cost).
//!
//! One test function: the counters are global, and other tests running at the same time
//! in this binary would add to them.

use gradient::ffi::{
    grad_dtype, grad_gradient, grad_gradient_f64, grad_layout, grad_spacing, grad_spacing_kind,
    grad_status,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting.
struct Counting;

/// Allocations (and reallocations) since the last `measure`.
static CALLS: AtomicUsize = AtomicUsize::new(0);
/// The largest of them, in bytes.
static LARGEST: AtomicUsize = AtomicUsize::new(0);

fn counted(layout: Layout) {
    CALLS.fetch_add(1, Relaxed);
    LARGEST.fetch_max(layout.size(), Relaxed);
}

// SAFETY: every method forwards to the system allocator with the caller's arguments
// unchanged, so `System`'s guarantees are this allocator's; counting touches only atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted(layout);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is System's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        counted(layout);
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A grown block counts as an allocation of its new size.
        counted(Layout::from_size_align(new_size, layout.align()).unwrap_or(layout));
        // SAFETY: `ptr` came from this allocator, i.e. from System (the caller's contract).
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as in `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `call` and returns (allocations, largest allocation in bytes) made during it.
fn measure(call: impl FnOnce() -> grad_status) -> (usize, usize) {
    CALLS.store(0, Relaxed);
    LARGEST.store(0, Relaxed);
    assert_eq!(call(), grad_status::Ok);
    (CALLS.load(Relaxed), LARGEST.load(Relaxed))
}

/// `grad_gradient_f64` on a C-ordered array into one stacked output buffer.
fn f64_call(f: &[f64], shape: &[usize], out: &mut [f64], threads: usize) -> grad_status {
    assert_eq!(f.len(), shape.iter().product::<usize>());
    assert_eq!(out.len(), shape.len() * f.len());
    // SAFETY: `f` holds prod(shape) doubles and `out` ndim times that (asserted above),
    // both alive for the call.
    unsafe {
        grad_gradient_f64(
            f.as_ptr(),
            shape.len(),
            shape.as_ptr(),
            grad_layout::RowMajor as i32,
            ptr::null(),
            1,
            out.as_mut_ptr(),
            out.len(),
            threads,
        )
    }
}

/// Bytes of the largest list a call may allocate (descriptors, views or stencils of a few
/// outputs: hundreds of bytes here), far below any array's size here.
const LIST: usize = 4096;

#[test]
fn allocations_stay_small_and_few() {
    // Warm-up: the first call on a thread sets up its error message, and the CPU feature
    // detection of the AVX2 loops runs once per process.
    let small: Vec<f64> = (0..16).map(|i| f64::from(i * i)).collect();
    let mut out = vec![0.0; 16];
    f64_call(&small, &[16], &mut out, 1);

    // 16 elements as 1, 2, 3 and 4 axes: nothing at all.
    let mut outs = vec![0.0; 4 * 16];
    for shape in [&[16][..], &[4, 4], &[2, 2, 4], &[2, 2, 2, 2]] {
        let out = &mut outs[..16 * shape.len()];
        let (count, largest) = measure(|| f64_call(&small, shape, out, 1));
        assert_eq!(
            count, 0,
            "{count} allocations ({largest} bytes) for shape {shape:?}"
        );
    }
    // The same through `grad_gradient`, with strides, axes and a step per axis given.
    let step = |h| grad_spacing {
        kind: grad_spacing_kind::Scalar as i32,
        dtype: 0,
        h,
        coordinates: ptr::null(),
        length: 0,
        stride: 0,
    };
    let (steps, axes, strides) = ([step(0.5), step(2.0)], [-1, 0], [4isize, 1]);
    let (first, second) = outs.split_at_mut(16);
    let pointers = [
        first.as_mut_ptr().cast::<c_void>(),
        second.as_mut_ptr().cast(),
    ];
    let (count, largest) = measure(|| {
        // SAFETY: every pointer covers what its arguments describe (4 x 4 C-ordered
        // arrays, two steps, two axes, two outputs), all alive for the call.
        unsafe {
            grad_gradient(
                grad_dtype::F64 as i32,
                small.as_ptr().cast(),
                2,
                [4, 4].as_ptr(),
                strides.as_ptr(),
                steps.as_ptr(),
                2,
                axes.as_ptr(),
                2,
                1,
                pointers.as_ptr(),
                2,
                ptr::null(),
                1,
            )
        }
    });
    assert_eq!(
        count, 0,
        "{count} allocations ({largest} bytes) through grad_gradient"
    );

    // 1100 x 900 doubles (7.9 MB in, 15.8 MB out), unit spacing, on 1 and 2 threads:
    // nothing grows with the array.
    let (rows, cols) = (1100, 900);
    let f: Vec<f64> = (0..rows * cols).map(|i| ((i * 37) % 101) as f64).collect();
    let mut out = vec![0.0; 2 * rows * cols];
    for threads in [1, 2] {
        let (count, largest) = measure(|| f64_call(&f, &[rows, cols], &mut out, threads));
        assert!(
            largest <= LIST,
            "{largest} bytes on {threads} threads ({count} allocations)"
        );
    }

    // Coordinates along axis 0: the weight table of that axis (3 doubles per point) is the
    // largest allocation, on any thread count.
    let x: Vec<f64> = (0..rows)
        .map(|i| (i * i % 7) as f64 * 0.1 + i as f64)
        .collect();
    let spacing = [
        grad_spacing {
            kind: grad_spacing_kind::Coordinates as i32,
            dtype: grad_dtype::F64 as i32,
            h: 0.0,
            coordinates: x.as_ptr().cast(),
            length: rows,
            stride: 1,
        },
        grad_spacing {
            kind: grad_spacing_kind::Unit as i32,
            dtype: 0,
            h: 0.0,
            coordinates: ptr::null(),
            length: 0,
            stride: 0,
        },
    ];
    let (first, second) = out.split_at_mut(rows * cols);
    let outs = [
        first.as_mut_ptr().cast::<c_void>(),
        second.as_mut_ptr().cast(),
    ];
    let shape = [rows, cols];
    for threads in [1, 2] {
        let (count, largest) = measure(|| {
            // SAFETY: every pointer covers what its arguments describe (C-ordered arrays of
            // `shape`, `rows` coordinates), all alive for the call.
            unsafe {
                grad_gradient(
                    grad_dtype::F64 as i32,
                    f.as_ptr().cast(),
                    2,
                    shape.as_ptr(),
                    ptr::null(),
                    spacing.as_ptr(),
                    2,
                    ptr::null(),
                    0,
                    2,
                    outs.as_ptr(),
                    2,
                    ptr::null(),
                    threads,
                )
            }
        });
        let table = 3 * rows * size_of::<f64>();
        assert!(
            largest <= table,
            "{largest} bytes on {threads} threads ({count} allocations); the table is {table}"
        );
    }
}
