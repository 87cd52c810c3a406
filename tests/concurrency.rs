//! Many threads calling the C ABI at once.
//!
//! 24 threads start together (a barrier) and each makes 150 calls, alternating in a
//! thread-specific order between a valid request of its own (its own shape, dtype, spacing,
//! axes, edge order, internal thread count, and either `grad_gradient` or
//! `grad_gradient_f64`) and an invalid one whose error message carries a number unique to
//! the thread. Before the threads start, every request is run once on the main thread;
//! each concurrent call must then give the same status and bit-identical outputs, and
//! `grad_last_error()` must be the thread's own message right after its failures and empty
//! right after its successes (the message is thread-local: another thread's failure never
//! shows through).

use gradient::ffi::{grad_gradient, grad_gradient_f64, grad_last_error, grad_spacing, grad_status};
use std::ffi::{CStr, c_void};
use std::ptr;
use std::sync::{Arc, Barrier};

/// Threads calling at once.
const THREADS: usize = 24;
/// Calls per thread.
const CALLS: usize = 150;
/// Output bytes are set to this before each call.
const SENTINEL: u8 = 0xA5;

/// `grad_dtype` tags used here, and their element and output sizes.
const F64: i32 = 1;
const F32: i32 = 2;
const C128: i32 = 3;
const I32: i32 = 7;

fn sizes(dtype: i32) -> (usize, usize) {
    match dtype {
        F64 => (8, 8),
        F32 => (4, 4),
        C128 => (16, 16),
        I32 => (4, 8),
        _ => (8, 8), // invalid tags: the call fails before reading
    }
}

/// This thread's `grad_last_error()`, copied.
fn last_error() -> String {
    // SAFETY: grad_last_error returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(grad_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// One request, owning all its memory (so it can move to another thread).
#[derive(Clone, Debug)]
enum Request {
    /// `grad_gradient` on a C-contiguous array.
    General {
        dtype: i32,
        data: Vec<u8>,
        shape: Vec<usize>,
        /// Spacing kind and step for every requested axis (kind 4: `coords`).
        spacing: Vec<(i32, f64)>,
        coords: Vec<f64>,
        axes: Option<Vec<i32>>,
        edge_order: i32,
        n_threads: usize,
    },
    /// `grad_gradient_f64`.
    Flat {
        data: Vec<f64>,
        shape: Vec<usize>,
        layout: i32,
        steps: Option<Vec<f64>>,
        edge_order: i32,
        n_threads: usize,
    },
}

/// What a call gave: status, message, and every output's bytes.
#[derive(Debug, PartialEq)]
struct Outcome {
    status: grad_status,
    message: String,
    outputs: Vec<Vec<u8>>,
}

impl Request {
    /// Makes the call with fresh, sentinel-filled outputs.
    fn run(&self) -> Outcome {
        match self {
            Request::General {
                dtype,
                data,
                shape,
                spacing,
                coords,
                axes,
                edge_order,
                n_threads,
            } => {
                let count: usize = shape.iter().product();
                let n_out = axes.as_ref().map_or(shape.len(), Vec::len);
                let (_, out_size) = sizes(*dtype);
                // u64 storage keeps every output 8-byte aligned (16-byte complex needs 8).
                let mut outs: Vec<Vec<u64>> = (0..n_out)
                    .map(|_| {
                        vec![u64::from_ne_bytes([SENTINEL; 8]); (count * out_size).div_ceil(8)]
                    })
                    .collect();
                let ptrs: Vec<*mut c_void> =
                    outs.iter_mut().map(|o| o.as_mut_ptr().cast()).collect();
                let sp: Vec<grad_spacing> = spacing
                    .iter()
                    .map(|&(kind, h)| grad_spacing {
                        kind,
                        dtype: F64,
                        h,
                        coordinates: if kind == 4 {
                            coords.as_ptr().cast()
                        } else {
                            ptr::null()
                        },
                        length: if kind == 4 { coords.len() } else { 0 },
                        stride: 1,
                    })
                    .collect();
                // f must be aligned for its dtype: copy the bytes into u64 storage.
                let mut f = vec![0u64; data.len().div_ceil(8)];
                // SAFETY: `f` holds at least `data.len()` bytes.
                unsafe {
                    ptr::copy_nonoverlapping(data.as_ptr(), f.as_mut_ptr().cast::<u8>(), data.len())
                };
                // SAFETY: every array holds what its count and shape describe.
                let status = unsafe {
                    grad_gradient(
                        *dtype,
                        f.as_ptr().cast(),
                        shape.len(),
                        shape.as_ptr(),
                        ptr::null(),
                        if sp.is_empty() {
                            ptr::null()
                        } else {
                            sp.as_ptr()
                        },
                        sp.len(),
                        axes.as_ref().map_or(ptr::null(), |a| a.as_ptr()),
                        axes.as_ref().map_or(0, Vec::len),
                        *edge_order,
                        ptrs.as_ptr(),
                        ptrs.len(),
                        ptr::null(),
                        *n_threads,
                    )
                };
                let message = last_error();
                let outputs = outs
                    .iter()
                    .map(|o| {
                        o.iter()
                            .flat_map(|w| w.to_ne_bytes())
                            .take(count * out_size)
                            .collect()
                    })
                    .collect();
                Outcome {
                    status,
                    message,
                    outputs,
                }
            }
            Request::Flat {
                data,
                shape,
                layout,
                steps,
                edge_order,
                n_threads,
            } => {
                let count: usize = shape.iter().product();
                let mut out =
                    vec![f64::from_bits(u64::from_ne_bytes([SENTINEL; 8])); count * shape.len()];
                // SAFETY: as above.
                let status = unsafe {
                    grad_gradient_f64(
                        data.as_ptr(),
                        shape.len(),
                        shape.as_ptr(),
                        *layout,
                        steps.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
                        *edge_order,
                        out.as_mut_ptr(),
                        out.len(),
                        *n_threads,
                    )
                };
                let message = last_error();
                let outputs = vec![out.iter().flat_map(|v| v.to_ne_bytes()).collect()];
                Outcome {
                    status,
                    message,
                    outputs,
                }
            }
        }
    }
}

/// Deterministic, varied sample values for thread `t`.
fn samples(t: usize, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let x = (i * 7 + t * 13) as f64 * 0.37;
            x.sin() * (1.0 + t as f64) + (i % 5) as f64
        })
        .collect()
}

/// Thread `t`'s valid request.
fn valid(t: usize) -> Request {
    let rows = 3 + t % 5;
    let cols = 4 + t % 3;
    let edge_order = 1 + (t % 2) as i32;
    let n_threads = [0, 1, 2, 3][t % 4];
    match t % 6 {
        5 => Request::Flat {
            data: samples(t, rows * cols),
            shape: vec![rows, cols],
            layout: (t % 2) as i32,
            steps: (t % 3 != 0).then(|| vec![0.5 + t as f64, 0.25]),
            edge_order,
            n_threads,
        },
        kind => {
            let dtype = [F64, F32, I32, C128, F64][kind];
            let values = samples(t, rows * cols * if dtype == C128 { 2 } else { 1 });
            let data: Vec<u8> = match dtype {
                F32 => values
                    .iter()
                    .flat_map(|v| (*v as f32).to_ne_bytes())
                    .collect(),
                I32 => values
                    .iter()
                    .flat_map(|v| ((v * 100.0) as i32).to_ne_bytes())
                    .collect(),
                _ => values.iter().flat_map(|v| v.to_ne_bytes()).collect(),
            };
            // Axis 1 by coordinates (non-uniform), or both axes with scalar spacings.
            let (axes, spacing, coords) = if t % 3 == 0 {
                let x: Vec<f64> = (0..cols).map(|i| (i * i) as f64 * 0.5 + t as f64).collect();
                (Some(vec![-1]), vec![(4, 0.0)], x)
            } else {
                (None, vec![(1, 0.1 * (t + 1) as f64), (2, -0.75)], vec![])
            };
            Request::General {
                dtype,
                data,
                shape: vec![rows, cols],
                spacing,
                coords,
                axes,
                edge_order,
                n_threads,
            }
        }
    }
}

/// Thread `t`'s invalid request and the text its message must contain (unique to `t`).
fn invalid(t: usize) -> (Request, String) {
    let mut r = valid(t);
    let needle = match (&mut r, t % 4) {
        (Request::Flat { layout, .. }, _) => {
            *layout = 200 + t as i32;
            format!("layout {} is not 0 or 1", 200 + t)
        }
        (Request::General { dtype, .. }, 0) => {
            *dtype = 1000 + t as i32;
            format!("unknown dtype tag {}", 1000 + t)
        }
        (Request::General { edge_order, .. }, 1) => {
            *edge_order = 100 + t as i32;
            format!("got {}", 100 + t)
        }
        (Request::General { axes, spacing, .. }, _) => {
            *axes = Some(vec![10 + t as i32]);
            spacing.truncate(1);
            spacing[0] = (1, 1.0);
            format!("axis {} is out of bounds", 10 + t)
        }
    };
    (r, needle)
}

#[test]
fn concurrent_calls_match_single_threaded_results_and_keep_their_own_errors() {
    // Single-threaded results first.
    let plans: Vec<_> = (0..THREADS)
        .map(|t| {
            let good = valid(t);
            let want = good.run();
            assert_eq!(
                want.status,
                grad_status::Ok,
                "thread {t}'s valid request: {}",
                want.message
            );
            assert_eq!(want.message, "");
            assert!(want.outputs.iter().flatten().any(|&b| b != SENTINEL));
            let (bad, needle) = invalid(t);
            let fail = bad.run();
            assert_ne!(
                fail.status,
                grad_status::Ok,
                "thread {t}'s invalid request succeeded"
            );
            assert!(
                fail.message.contains(&needle),
                "{:?} lacks {needle:?}",
                fail.message
            );
            assert!(fail.outputs.iter().flatten().all(|&b| b == SENTINEL));
            (good, want, bad, needle, fail)
        })
        .collect();

    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = plans
        .into_iter()
        .enumerate()
        .map(|(t, (good, want, bad, needle, fail))| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let (mut ok, mut failed) = (0, 0);
                for i in 0..CALLS {
                    // A thread-specific mix: runs of failures and successes of varying length.
                    if (i / (1 + t % 4) + t) % 2 == 0 {
                        let got = good.run();
                        assert_eq!(
                            got.status,
                            grad_status::Ok,
                            "thread {t} call {i}: {}",
                            got.message
                        );
                        assert_eq!(
                            got.message, "",
                            "thread {t} call {i}: message after success"
                        );
                        assert!(
                            got.outputs == want.outputs,
                            "thread {t} call {i}: outputs differ"
                        );
                        ok += 1;
                    } else {
                        let got = bad.run();
                        assert_eq!(
                            got.status, fail.status,
                            "thread {t} call {i}: {}",
                            got.message
                        );
                        assert!(
                            got.message.contains(&needle),
                            "thread {t} call {i}: read {:?}, expected its own {needle:?}",
                            got.message
                        );
                        assert_eq!(got.message, fail.message);
                        assert!(got.outputs.iter().flatten().all(|&b| b == SENTINEL));
                        failed += 1;
                    }
                }
                (ok, failed)
            })
        })
        .collect();
    let mut totals = (0, 0);
    for h in handles {
        let (ok, failed) = h.join().expect("a calling thread panicked");
        assert!(
            ok > 0 && failed > 0,
            "every thread makes both kinds of call"
        );
        totals = (totals.0 + ok, totals.1 + failed);
    }
    assert_eq!(totals.0 + totals.1, THREADS * CALLS);
}

#[test]
fn an_error_on_one_thread_is_invisible_on_another() {
    // Thread A fails and holds its message while thread B succeeds and then fails
    // differently; A's message is unchanged afterwards.
    let (bad_a, needle_a) = invalid(0);
    let (bad_b, needle_b) = invalid(1);
    let good_b = valid(1);
    let step = Arc::new(Barrier::new(2));
    let s = Arc::clone(&step);
    let a = std::thread::spawn(move || {
        let first = bad_a.run();
        s.wait(); // B runs now
        s.wait(); // B is done
        (first.message, last_error())
    });
    step.wait();
    assert_eq!(good_b.run().message, "");
    let b = bad_b.run();
    assert!(b.message.contains(&needle_b));
    step.wait();
    let (first, later) = a.join().unwrap();
    assert!(first.contains(&needle_a), "{first:?}");
    assert_eq!(
        first, later,
        "thread A's message changed while thread B made calls"
    );
    assert!(!later.contains(&needle_b));
}
