//! `ndgradient`: `numpy.gradient`, bit for bit, on `ndarray` views.
//!
//! The derivative of a sampled function along each requested axis: second-order central
//! differences in the interior (`(f[i+1] - f[i-1]) / 2h`, or the three-point formula on
//! non-uniform coordinates) and first- or second-order one-sided differences at the ends,
//! with numpy ≥ 2.0's exact operations, operation order and precision rules.
//!
//! This crate is the safe core: it knows nothing of C, and has no `unsafe` outside one
//! small private module (`simd`: AVX2 loops and non-temporal stores, chosen at run time,
//! behind a safe API with a portable fallback; the environment variable
//! `NDGRADIENT_KERNELS=portable|avx2|avx2-stream` forces a variant, and
//! `NDGRADIENT_STREAM_BYTES` sets the size above which a call streams its stores). The C
//! library `libgradient` (header `gradient.h`) is a separate package of the same
//! repository that validates raw pointers and calls this crate; a Rust project that
//! depends on `ndgradient` builds neither it nor its header generator.
//!
//! ```
//! use ndgradient::{gradient, Spacing};
//! use ndgradient::ndarray::arr1;
//! let f = arr1(&[5.0, 7.0, 4.0, 8.0]);
//! let g = gradient(f.view(), &[Spacing::Scalar(0.5)], None, 1).unwrap();
//! assert_eq!(g[0], arr1(&[4.0, -1.0, 1.0, 8.0]));
//! ```
//!
//! The modules, each in one place:
//! - [`value`]: numpy's precision rules (which dtype each operation happens in);
//! - [`spacing`](self::Spacing): the spacing arguments and their parsing;
//! - `stencil`: the interior and edge formulas, written once, and their coefficients;
//! - `sweep`: applying one axis's formulas along that axis of any layout;
//! - `fused`: one sweep over memory computing every axis, for contiguous layouts;
//! - `simd`: its central-quotient loops for `f32`, `f64` and `complex128` in AVX2, with
//!   streaming stores when a sweep's traffic exceeds the last-level cache (or
//!   `NDGRADIENT_STREAM_BYTES`);
//! - [`Plan`] and [`Options`]: the plan/execute split; `Jobs` (here): the checks in
//!   numpy's order, the stencils, and the thread split.
//!
//! [`ndarray`] and [`num_complex`] are re-exported, so that a dependent uses the versions
//! this crate was built with.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod error;
mod fused;
mod plan;
mod simd;
mod spacing;
mod stencil;
mod sweep;
pub mod value;

pub use error::GradError;
pub use plan::{Block, Options, Plan, Scheme, block_halo};
pub use spacing::{CoordinateValues, Coordinates, Spacing};
pub use value::{Element, Real, Value};

/// The version of `ndarray` whose views this crate takes, re-exported so that a dependent
/// names the same types.
pub use ndarray;
/// The version of `num-complex` whose `Complex` this crate takes, re-exported likewise.
pub use num_complex;
/// Complex numbers as the crate takes them (`#[repr(C)]`, laid out as C99 `_Complex`).
pub use num_complex::Complex;

use ndarray::{Array, ArrayView, ArrayViewD, ArrayViewMut, ArrayViewMutD, Axis, Dimension, Slice};
use spacing::AxisSpacing;
use stencil::AxisStencil;

/// The largest number of dimensions accepted by the C ABI (numpy's own limit is 64).
pub const MAX_NDIM: usize = 64;

/// The examples of the crate's README.md, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// A per-call list with one entry per axis or per output (axes, strides, stencils, output
/// slices): inline up to four entries, as `ndarray`'s `IxDyn` keeps its shape, so that a
/// call on an array of up to four axes allocates nothing for it; on the heap beyond. Not
/// for views (88 bytes each): moving four of them inline cost more than a `Vec` in a
/// side-by-side run.
pub(crate) type PerAxis<T> = smallvec::SmallVec<[T; 4]>;

/// Computes the gradient of `f` along each requested axis into the caller's arrays, as
/// `numpy.gradient(f, *spacing, axis=axes, edge_order=edge_order)` would, bit for bit.
///
/// - `spacing`: empty (unit spacing), one scalar [`Spacing`] for every axis, or exactly
///   one entry per requested axis (scalars and coordinate arrays mixed freely).
/// - `axes`: `None` for all axes in order, or any list of axes in any order; negative
///   values count from the end. `out[k]` receives the derivative along `axes[k]`.
/// - `edge_order`: 1 (first-order one-sided differences at both ends) or 2 (second-order).
/// - `out`: one array per requested axis, each of `f`'s shape, any layout.
///
/// Element types and precisions follow numpy: integers are converted to `f64` first; `f32`
/// and `Complex<f32>` data are computed in single precision unless a spacing is a numpy
/// float64 scalar or array ([`Spacing::ScalarF64`], `f64` coordinates), which promotes
/// that axis's arithmetic to double precision with one rounding at the end.
///
/// # Errors
/// A [`GradError`], in numpy's order of checks; on any error nothing is written.
///
/// # Threads
/// Pure function of its arguments: any number of calls may run concurrently.
pub fn gradient_into<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    spacing: &[Spacing<'_>],
    axes: Option<&[isize]>,
    edge_order: i32,
    out: &mut [ArrayViewMut<'_, T::Out, D>],
) -> Result<(), GradError> {
    gradient_into_threads(f, spacing, axes, edge_order, out, 1)
}

/// Fewest input elements worth a thread of their own: below this many per thread, starting
/// and joining the thread costs a large part of what it saves. `sh benches/run.sh` prints
/// what a thread costs on the machine at hand and the time of a 2 x `ELEMENTS_PER_THREAD`
/// array on one and on two threads.
pub const ELEMENTS_PER_THREAD: usize = 1 << 18;

/// [`gradient_into`] on up to `threads` threads (0 and 1 both mean the calling thread
/// only), and at most one thread per [`ELEMENTS_PER_THREAD`] elements of `f`: arrays
/// smaller than twice that are computed on the calling thread. The threads are scoped:
/// started and joined within the call. The results are bit-identical for every thread
/// count.
///
/// # Errors
/// As [`gradient_into`].
///
/// # Threads
/// Pure function of its arguments: any number of calls may run concurrently.
pub fn gradient_into_threads<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    spacing: &[Spacing<'_>],
    axes: Option<&[isize]>,
    edge_order: i32,
    out: &mut [ArrayViewMut<'_, T::Out, D>],
    threads: usize,
) -> Result<(), GradError> {
    Plan::build(f.shape(), spacing, axes, edge_order, threads)?.execute(f, out)
}

/// How many of `threads` an array of `count` elements gets (0 or 1: the calling thread).
/// Fuzzing builds (cargo-fuzz sets `--cfg fuzzing`) give every array all its threads, so
/// that the fuzzers, whose arrays are small, keep exercising the split.
fn useful_threads(count: usize, threads: usize) -> usize {
    if cfg!(fuzzing) {
        return threads;
    }
    threads.min(count / ELEMENTS_PER_THREAD)
}

/// Like [`gradient_into`], but allocates the outputs (C order) and returns them, one per
/// requested axis in the order of `axes`.
///
/// # Errors
/// As [`gradient_into`]; nothing is allocated for the outputs when it fails.
///
/// # Threads
/// Pure function of its arguments: any number of calls may run concurrently.
pub fn gradient<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    spacing: &[Spacing<'_>],
    axes: Option<&[isize]>,
    edge_order: i32,
) -> Result<Vec<Array<T::Out, D>>, GradError>
where
    T::Out: Default,
{
    let plan = Plan::build(f.shape(), spacing, axes, edge_order, 1)?;
    let mut out: Vec<Array<T::Out, D>> = (0..plan.outputs())
        .map(|_| Array::from_elem(f.raw_dim(), T::Out::default()))
        .collect();
    let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
    plan.execute(f, &mut views)?;
    drop(views);
    Ok(out)
}

/// Everything about a call that does not depend on the data: the number of outputs and,
/// for each, its normalised axis and stencil. Building it performs every check. The
/// public [`Plan`] holds one, with the shape and thread count it was built for.
#[derive(Debug)]
pub(crate) struct Jobs<'a, V: Value> {
    outputs: usize,
    /// One per output; none when `f` is empty (there is nothing to compute).
    jobs: PerAxis<fused::Job<'a, V>>,
}

impl<'a, V: Value> Jobs<'a, V> {
    /// No jobs yet: [`Jobs::fill`] makes them.
    fn empty() -> Self {
        Jobs {
            outputs: 0,
            jobs: PerAxis::new(),
        }
    }

    /// Performs every check, in numpy's order, and makes one job per requested axis of an
    /// array of `shape`, in place (the list is several hundred bytes: a small call spends
    /// more on moving it than on filling it). On error `self` is left with no jobs.
    /// `shape` is the whole array's; `part` the shape of the part of it a plan computes
    /// (`shape` itself, or a block's), which decides whether anything is computed and how
    /// many lanes each stencil serves.
    fn fill(
        &mut self,
        shape: &[usize],
        part: &[usize],
        spacing: &[Spacing<'a>],
        axes: Option<&[isize]>,
        edge_order: i32,
        scheme: Scheme,
    ) -> Result<(), GradError> {
        let axes = normalize_axes(axes, shape.len())?;
        let spacings = spacing::parse(spacing, &axes, shape)?;
        let edge_order = match (edge_order, scheme) {
            (1, _) => 1u8,
            (2, Scheme::Numpy) => 2u8,
            (given, Scheme::Numpy) => return Err(GradError::EdgeOrder { given }),
            (given, Scheme::Matlab) => return Err(GradError::SchemeEdgeOrder { given }),
        };
        // MATLAB's scheme takes every length (a length-1 axis has the derivative zero, an
        // empty one nothing to compute).
        let min_len = match scheme {
            Scheme::Numpy => stencil::min_len(edge_order),
            Scheme::Matlab => 0,
        };
        if let Some(&axis) = axes.iter().find(|&&a| shape[a] < min_len) {
            return Err(GradError::AxisTooShort {
                axis,
                len: shape[axis],
                edge_order,
            });
        }
        self.outputs = axes.len();
        self.jobs.clear();
        let count: usize = part.iter().product();
        if count == 0 {
            // Nothing to compute: no coefficients (nor a scan of the coordinates) needed.
            return Ok(());
        }
        for (&axis, sp) in axes.iter().zip(spacings) {
            let lanes = count / part[axis];
            let sp = AxisSpacing::of(sp);
            let made = AxisStencil::with_scheme(sp, shape[axis], edge_order, lanes, scheme);
            match made {
                Ok(stencil) => self.jobs.push((axis, stencil)),
                Err(e) => {
                    self.jobs.clear();
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Computes every output, on up to `threads` threads (each output element is computed
    /// by the same formula whatever the split, so the bits never depend on `threads`).
    /// `f` and the outputs are windows of the whole array starting at global indices
    /// `f_start` and `out_start` (all zeros for the whole array; a block's otherwise), `f`
    /// holding every sample the outputs read.
    fn run<'o, T: Element<Out = V>, D: Dimension>(
        &self,
        f: &ArrayView<'_, T, D>,
        out: impl Iterator<Item = ArrayViewMut<'o, V, D>>,
        threads: usize,
        f_start: &[usize],
        out_start: &[usize],
    ) {
        let f = f.view().into_dyn();
        let mut outs: Vec<ArrayViewMutD<'o, V>> = out.map(|o| o.into_dyn()).collect();
        let jobs = &self.jobs[..];
        if outs.is_empty() || outs[0].is_empty() {
            return;
        }
        // Threads split the outermost axis (largest stride) into contiguous row ranges.
        let split = (0..f.ndim())
            .max_by_key(|&k| (f.shape()[k] > 1, f.strides()[k].unsigned_abs()))
            .unwrap_or(0);
        let n = outs[0].shape()[split];
        let threads = threads.clamp(1, n);
        if threads == 1 {
            run_window(&f, f_start, &mut outs, out_start, jobs, 1);
            return;
        }
        let bounds: Vec<usize> = (0..=threads).map(|i| i * n / threads).collect();
        let mut pieces: Vec<Vec<ArrayViewMutD<'o, V>>> = (0..threads).map(|_| Vec::new()).collect();
        for mut rest in outs {
            for (piece, w) in pieces.iter_mut().zip(bounds.windows(2)) {
                let (head, tail) = rest.split_at(Axis(split), w[1] - w[0]);
                piece.push(head);
                rest = tail;
            }
        }
        std::thread::scope(|scope| {
            for (mut piece, w) in pieces.into_iter().zip(bounds.windows(2)) {
                // The global rows of these outputs.
                let rows = out_start[split] + w[0]..out_start[split] + w[1];
                // The input rows they read: their own, and those the stencil of each
                // output along the split axis reads.
                let need = (jobs.iter().filter(|(axis, _)| *axis == split))
                    .map(|(_, stencil)| stencil.input_range(rows.clone()))
                    .fold(rows.clone(), |a, b| a.start.min(b.start)..a.end.max(b.end));
                let local = need.start - f_start[split]..need.end - f_start[split];
                let window = f.slice_axis(Axis(split), Slice::from(local));
                let (mut f_start, mut out_start) = (
                    PerAxis::<usize>::from_slice(f_start),
                    PerAxis::<usize>::from_slice(out_start),
                );
                (f_start[split], out_start[split]) = (need.start, rows.start);
                scope.spawn(move || {
                    run_window(&window, &f_start, &mut piece, &out_start, jobs, threads)
                });
            }
        });
    }
}

/// Computes the outputs `outs`, windows of the whole array starting at global index
/// `out_start[k]` along each axis `k`, from the input window starting at `f_start[k]`
/// (which holds every sample they read): the single sweep when the layouts allow it, else
/// axis by axis. The call is split into `parts` such windows (threads).
fn run_window<T: Element>(
    f: &ArrayViewD<'_, T>,
    f_start: &[usize],
    outs: &mut [ArrayViewMutD<'_, T::Out>],
    out_start: &[usize],
    jobs: &[fused::Job<'_, T::Out>],
    parts: usize,
) {
    if fused::sweep(f, f_start, outs, out_start, jobs, parts) {
        return;
    }
    for (o, (axis, stencil)) in outs.iter_mut().zip(jobs) {
        sweep::derivative(f, f_start, o.view_mut(), out_start, (*axis, stencil));
    }
}

/// numpy's `normalize_axis_tuple`: every axis is range-checked first, then duplicates are
/// rejected.
fn normalize_axes(axes: Option<&[isize]>, ndim: usize) -> Result<PerAxis<usize>, GradError> {
    let Some(axes) = axes else {
        return Ok((0..ndim).collect());
    };
    let resolved = axes
        .iter()
        .map(|&axis| {
            let n = ndim as isize;
            match axis {
                a if (0..n).contains(&a) => Ok(a as usize),
                a if (-n..0).contains(&a) => Ok((a + n) as usize),
                _ => Err(GradError::AxisOutOfBounds { axis, ndim }),
            }
        })
        .collect::<Result<PerAxis<_>, _>>()?;
    for (i, a) in resolved.iter().enumerate() {
        if resolved[..i].contains(a) {
            return Err(GradError::RepeatedAxis { axis: *a });
        }
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2, arr1, arr2, s};
    use num_complex::Complex;

    /// A plan under the MATLAB scheme, executed on views.
    fn matlab<D: Dimension>(
        f: ArrayView<'_, f64, D>,
        spacing: &[Spacing<'_>],
        axes: Option<&[isize]>,
    ) -> Result<Vec<Array<f64, D>>, GradError> {
        let mut options = Options::new().spacing(spacing).scheme(Scheme::Matlab);
        if let Some(axes) = axes {
            options = options.axes(axes);
        }
        let plan = Plan::<f64>::new(f.shape(), &options)?;
        let mut out: Vec<_> = (0..plan.outputs())
            .map(|_| Array::from_elem(f.raw_dim(), f64::NAN))
            .collect();
        let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
        plan.execute(f, &mut views)?;
        drop(views);
        Ok(out)
    }

    #[test]
    fn matlab_scheme_by_hand() {
        // MATLAB: gradient([5 7 4 8], [0 1 3 3.5]) = [2, (4-5)/3, (8-7)/2.5, (8-4)/0.5].
        let f = arr1(&[5.0, 7.0, 4.0, 8.0]);
        let x = arr1(&[0.0, 1.0, 3.0, 3.5]);
        let c = [Spacing::Coordinates(Coordinates::F64(x.view()))];
        let g = matlab(f.view(), &c, None).unwrap();
        assert_eq!(g[0], arr1(&[2.0, -1.0 / 3.0, 0.4, 8.0]));
        // numpy's second-order interior differs there: 0.8333333333333336, 6.1000000000000005.
        assert_ne!(g[0], gradient(f.view(), &c, None, 1).unwrap()[0]);
        // Uniform steps: numpy's formulas with edge_order 1, bit for bit.
        let sp = [Spacing::Scalar(0.3)];
        assert_eq!(
            matlab(f.view(), &sp, None).unwrap(),
            gradient(f.view(), &sp, None, 1).unwrap()
        );
        // A length-1 axis: zeros (MATLAB raises nothing), whatever the data, infinities too.
        let a = arr2(&[[1.0, f64::INFINITY, 4.0]]);
        let g = matlab(a.view(), &[], None).unwrap();
        assert_eq!(g[0], arr2(&[[0.0, 0.0, 0.0]]));
        assert_eq!(g[1].row(0)[0], f64::INFINITY);
        let g = matlab(arr1(&[f64::NAN]).view(), &[], None).unwrap();
        assert_eq!(g[0], arr1(&[0.0]));
        // Edge order 2 has no MATLAB formula; numpy's length check does not apply.
        let options = Options::new().scheme(Scheme::Matlab).edge_order(2);
        assert_eq!(
            Plan::<f64>::new(&[3], &options).unwrap_err(),
            GradError::SchemeEdgeOrder { given: 2 }
        );
        let options = options.edge_order(0);
        assert_eq!(
            Plan::<f64>::new(&[3], &options).unwrap_err(),
            GradError::SchemeEdgeOrder { given: 0 }
        );
        assert!(matches!(
            matlab(arr1(&[1.0; 0]).view(), &[], None).unwrap()[..],
            [ref g] if g.is_empty()
        ));
    }

    #[test]
    fn matlab_scheme_matches_its_definition_on_every_layout_and_thread_count() {
        // The definition, point by point, against the plan on C, Fortran and reversed
        // layouts, axis subsets, and threads (which split the array).
        // 2 x ELEMENTS_PER_THREAD elements: two threads.
        let (m, n) = (4, ELEMENTS_PER_THREAD / 2 + 3);
        let f = Array2::from_shape_fn((m, n), |(i, j)| ((i * 37 + j * 11) % 23) as f64 * 0.7 - 3.1);
        let xs = Array1::from_shape_fn(m, |i| (i * i) as f64 * 0.3 + i as f64);
        let xl = Array1::from_shape_fn(n, |j| j as f64 * 0.1 + ((j * 7) % 5) as f64 * 0.013);
        let want = |axis: usize, i: usize, j: usize| {
            let (x, len, k) = if axis == 0 { (&xs, m, i) } else { (&xl, n, j) };
            let at = |q: usize| if axis == 0 { f[[q, j]] } else { f[[i, q]] };
            let (lo, hi) = (k.saturating_sub(1), (k + 1).min(len - 1));
            (at(hi) - at(lo)) / (x[hi] - x[lo])
        };
        let sp = [
            Spacing::Coordinates(Coordinates::F64(xs.view())),
            Spacing::Coordinates(Coordinates::F64(xl.view())),
        ];
        let fortran = {
            let mut t = Array2::zeros(ndarray::ShapeBuilder::f((m, n)));
            t.assign(&f);
            t
        };
        for threads in [1, 2] {
            for view in [f.view(), fortran.view()] {
                let options = Options::new()
                    .spacing(&sp)
                    .scheme(Scheme::Matlab)
                    .threads(threads);
                let plan = Plan::<f64>::new(&[m, n], &options).unwrap();
                let mut out = [Array2::zeros((m, n)), Array2::zeros((m, n))];
                let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
                plan.execute(view, &mut views).unwrap();
                for (axis, out) in out.iter().enumerate() {
                    for ((i, j), o) in out.indexed_iter() {
                        assert_eq!(o.to_bits(), want(axis, i, j).to_bits(), "{axis} {i} {j}");
                    }
                }
            }
        }
        // Reversed data, one axis: the definition on the reversed array.
        let r = f.slice(s![.., ..;-1]);
        let rx: Array1<f64> = xl.slice(s![..;-1]).to_owned();
        let c = [Spacing::Coordinates(Coordinates::F64(rx.view()))];
        let g = matlab(r, &c, Some(&[1])).unwrap();
        for ((i, j), o) in g[0].indexed_iter() {
            let (lo, hi) = (j.saturating_sub(1), (j + 1).min(n - 1));
            assert_eq!(*o, (r[[i, hi]] - r[[i, lo]]) / (rx[hi] - rx[lo]));
        }
    }

    #[test]
    fn worked_examples() {
        let g = gradient(arr1(&[1.0, 2.0, 4.0, 7.0, 11.0, 16.0]).view(), &[], None, 1).unwrap();
        assert_eq!(g[0], arr1(&[1.0, 1.5, 2.5, 3.5, 4.5, 5.0]));
        let f = arr1(&[5.0, 7.0, 4.0, 8.0]);
        let g = gradient(f.view(), &[Spacing::Scalar(0.5)], None, 1).unwrap();
        assert_eq!(g[0], arr1(&[4.0, -1.0, 1.0, 8.0]));
        let x = arr1(&[0.0, 1.0, 3.0, 3.5]);
        let c = [Spacing::Coordinates(Coordinates::F64(x.view()))];
        // numpy: [2.0, 0.8333333333333336, 6.1000000000000005, 8.0]
        assert_eq!(
            gradient(f.view(), &c, None, 1).unwrap()[0],
            arr1(&[2.0, 0.8333333333333336, 6.1000000000000005, 8.0])
        );
        assert_eq!(
            gradient(f.view(), &c, None, 2).unwrap()[0],
            arr1(&[
                3.1666666666666674,
                0.8333333333333336,
                6.1000000000000005,
                9.899999999999999
            ])
        );
    }

    #[test]
    fn two_dimensions_give_one_array_per_axis_in_the_requested_order() {
        let a = arr2(&[[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]]);
        let g = gradient(a.view(), &[], None, 1).unwrap();
        assert_eq!(g[0], arr2(&[[2.0, 2.0, -1.0], [2.0, 2.0, -1.0]]));
        assert_eq!(g[1], arr2(&[[1.0, 2.5, 4.0], [1.0, 1.0, 1.0]]));
        let x = arr1(&[1.0, 2.0, 4.0]);
        let sp = [
            Spacing::Coordinates(Coordinates::F64(x.view())),
            Spacing::Scalar(2.0),
        ];
        let g = gradient(a.view(), &sp, Some(&[-1, 0]), 1).unwrap();
        assert_eq!(
            g[0],
            arr2(&[
                [1.0, 1.3333333333333335, 2.0],
                [1.0, 0.8333333333333333, 0.5]
            ])
        );
        assert_eq!(g[1], arr2(&[[1.0, 1.0, -0.5], [1.0, 1.0, -0.5]]));
    }

    #[test]
    fn float32_follows_both_numpy_modes() {
        // numpy reference values (numpy-gradient.md §1.7), f = [1,2,4,7,11,16] as float32.
        let f = arr1(&[1.0f32, 2.0, 4.0, 7.0, 11.0, 16.0]);
        let weak = gradient(f.view(), &[Spacing::Scalar(0.3)], None, 2).unwrap();
        let want: [f64; 6] = [
            1.6666665077209473,
            5.0,
            8.333333015441895,
            11.666666030883789,
            14.999999046325684,
            18.333335876464844,
        ];
        assert_eq!(weak[0].to_vec(), want.map(|v| v as f32));
        let strong = gradient(f.view(), &[Spacing::ScalarF64(0.3)], None, 2).unwrap();
        let want: [f64; 6] = [
            1.6666666269302368,
            5.0,
            8.333333015441895,
            11.666666984558105,
            15.0,
            18.33333396911621,
        ];
        assert_eq!(strong[0].to_vec(), want.map(|v| v as f32));
    }

    #[test]
    fn integers_do_not_wrap() {
        let g = gradient(arr1(&[0u8, 255, 0]).view(), &[], None, 1).unwrap();
        assert_eq!(g[0], arr1(&[255.0, 0.0, -255.0]));
        let g = gradient(arr1(&[-128i8, 127, -128]).view(), &[], None, 1).unwrap();
        assert_eq!(g[0], arr1(&[255.0, 0.0, -255.0]));
    }

    #[test]
    fn complex_infinities_spread_as_in_numpy() {
        // numpy: [1+1j, inf+1j, 3, 4+4j], h = 0.5 -> [inf+nanj, 2-1j, -inf+nanj, 2+8j]
        let c = |re, im| Complex::new(re, im);
        let f = arr1(&[c(1.0, 1.0), c(f64::INFINITY, 1.0), c(3.0, 0.0), c(4.0, 4.0)]);
        let g = &gradient(f.view(), &[Spacing::Scalar(0.5)], None, 1).unwrap()[0];
        assert!(g[0].re == f64::INFINITY && g[0].im.is_nan());
        assert_eq!(g[1], c(2.0, -1.0));
        assert!(g[2].re == f64::NEG_INFINITY && g[2].im.is_nan());
        assert_eq!(g[3], c(2.0, 8.0));
    }

    #[test]
    fn uniform_collapse_changes_infinity_handling() {
        let f = arr1(&[0.0, f64::INFINITY, 0.0, 0.0, 0.0]);
        let x = arr1(&[0.0, 1.0, 2.0, 3.0, 4.0]);
        let g = gradient(
            f.view(),
            &[Spacing::Coordinates(Coordinates::F64(x.view()))],
            None,
            1,
        )
        .unwrap();
        assert_eq!(
            g[0].to_vec(),
            [f64::INFINITY, 0.0, f64::NEG_INFINITY, 0.0, 0.0]
        );
        let x = arr1(&[0.0, 1.0, 2.0, 3.0, 4.0000000001]);
        let g = gradient(
            f.view(),
            &[Spacing::Coordinates(Coordinates::F64(x.view()))],
            None,
            1,
        )
        .unwrap();
        assert!(g[0][1].is_nan() && g[0][0] == f64::INFINITY && g[0][2] == f64::NEG_INFINITY);
    }

    #[test]
    fn errors_come_in_numpy_order_and_write_nothing() {
        let f = Array2::<f64>::zeros((2, 3));
        let mut o = [
            Array2::from_elem((2, 3), 7.0),
            Array2::from_elem((2, 3), 7.0),
        ];
        let mut views: Vec<_> = o.iter_mut().map(|a| a.view_mut()).collect();
        let call =
            |sp: &[Spacing<'_>], axes: Option<&[isize]>, eo, v: &mut [ArrayViewMut<'_, f64, _>]| {
                gradient_into(f.view(), sp, axes, eo, v)
            };
        assert_eq!(
            call(&[], Some(&[2]), 3, &mut views),
            Err(GradError::AxisOutOfBounds { axis: 2, ndim: 2 })
        );
        assert_eq!(
            call(&[], Some(&[0, -2]), 1, &mut views),
            Err(GradError::RepeatedAxis { axis: 0 })
        );
        let three = [Spacing::Unit; 3];
        assert_eq!(
            call(&three, None, 3, &mut views),
            Err(GradError::SpacingCount { given: 3, axes: 2 })
        );
        assert_eq!(
            call(&[], None, 0, &mut views),
            Err(GradError::EdgeOrder { given: 0 })
        );
        assert_eq!(
            call(&[], None, 2, &mut views),
            Err(GradError::AxisTooShort {
                axis: 0,
                len: 2,
                edge_order: 2
            })
        );
        assert_eq!(
            call(&[], Some(&[1]), 1, &mut views),
            Err(GradError::OutputCount {
                given: 2,
                expected: 1
            })
        );
        drop(views);
        assert!(o.iter().all(|a| a.iter().all(|&v| v == 7.0)));
    }

    /// Runs the plan split into exactly `pieces` threads (at most one per index of the split
    /// axis), however small the array: the split itself, which `gradient_into_threads`
    /// keeps for large arrays.
    fn split(
        f: ArrayViewD<'_, f64>,
        spacing: &[Spacing<'_>],
        edge_order: i32,
        out: &mut [ArrayViewMutD<'_, f64>],
        pieces: usize,
    ) {
        let mut jobs = Jobs::<f64>::empty();
        jobs.fill(
            f.shape(),
            f.shape(),
            spacing,
            None,
            edge_order,
            Scheme::Numpy,
        )
        .unwrap();
        let zeros = vec![0; f.ndim()];
        let out = out.iter_mut().map(|o| o.view_mut());
        jobs.run(&f, out, pieces, &zeros, &zeros);
    }

    #[test]
    fn single_sweep_general_path_and_threads_agree_bit_for_bit() {
        // The fused sweep (contiguous layouts), the axis-by-axis path (any other layout)
        // and every thread count must give identical bits.
        use ndarray::{ArrayD, IxDyn, ShapeBuilder};
        // Short rows are taken several at a time (up to 8192 points, `fused::GROUP`): 3000
        // rows of 3 and 1700 rows of 5 end in a partial group, rows of 2 are all ends.
        let shapes: [&[usize]; 11] = [
            &[7],
            &[1300],
            &[1, 1100, 1],
            &[5, 9],
            &[3, 1, 6],
            &[4, 3, 5],
            &[2, 3, 2, 4],
            &[1100, 3],
            &[3000, 3],
            &[2, 1700, 5],
            &[700, 2],
        ];
        for (case, shape) in shapes.iter().enumerate() {
            let f = ArrayD::from_shape_fn(IxDyn(shape), |ix| {
                let k: usize = ix
                    .slice()
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (i * 7 + 3) * v)
                    .sum();
                ((k * 2654435761) % 1000) as f64 / 7.0 - 50.0
            });
            let coords: Vec<Vec<f64>> = shape
                .iter()
                .map(|&len| (0..len).map(|i| (i * i) as f64 * 0.3 + i as f64).collect())
                .collect();
            for eo in [1, 2] {
                if shape.iter().any(|&l| l < eo as usize + 1) {
                    continue;
                }
                // Steps that divide, steps that multiply (2h a power of two), both mixed,
                // and coordinates: the sweep computes two outputs side by side only where
                // both divisors are of one kind.
                for kind in ["divide", "multiply", "mixed", "coordinates"] {
                    let step = |axis: usize, len: usize| match (kind, axis) {
                        ("multiply", _) | ("mixed", 0) => Spacing::Scalar(0.5),
                        _ => Spacing::Scalar(0.25 + len as f64),
                    };
                    let spacing: Vec<Spacing<'_>> = if kind == "coordinates" {
                        coords
                            .iter()
                            .map(|c| {
                                Spacing::Coordinates(Coordinates::F64(ndarray::ArrayView1::from(c)))
                            })
                            .collect()
                    } else {
                        shape.iter().enumerate().map(|(k, &l)| step(k, l)).collect()
                    };
                    let reference = gradient(f.view(), &spacing, None, eo).unwrap();
                    for threads in [1, 2, 3, 8] {
                        let mut c_order: Vec<ArrayD<f64>> = reference
                            .iter()
                            .map(|_| ArrayD::zeros(IxDyn(shape)))
                            .collect();
                        let mut views: Vec<_> = c_order.iter_mut().map(|o| o.view_mut()).collect();
                        split(f.view(), &spacing, eo, &mut views, threads);
                        assert_eq!(c_order, reference, "case {case} eo {eo} threads {threads}");
                        // Fortran-ordered input and outputs: the sweep runs along axis 0.
                        let mut ff = ArrayD::zeros(IxDyn(shape).f());
                        ff.assign(&f);
                        let mut f_order: Vec<ArrayD<f64>> = reference
                            .iter()
                            .map(|_| ArrayD::zeros(IxDyn(shape).f()))
                            .collect();
                        let mut views: Vec<_> = f_order.iter_mut().map(|o| o.view_mut()).collect();
                        split(ff.view(), &spacing, eo, &mut views, threads);
                        assert_eq!(
                            f_order, reference,
                            "case {case} eo {eo} threads {threads} (F order)"
                        );
                        // Strided outputs force the general path.
                        let big: Vec<usize> = shape.iter().map(|&l| 2 * l).collect();
                        let mut wide: Vec<ArrayD<f64>> = reference
                            .iter()
                            .map(|_| ArrayD::zeros(IxDyn(&big)))
                            .collect();
                        let mut views: Vec<_> = wide
                            .iter_mut()
                            .map(|o| o.slice_each_axis_mut(|_| Slice::new(0, None, 2)))
                            .collect();
                        split(f.view(), &spacing, eo, &mut views, threads);
                        drop(views);
                        for (w, r) in wide.iter().zip(&reference) {
                            assert_eq!(
                                w.slice_each_axis(|_| Slice::new(0, None, 2)),
                                r,
                                "case {case} strided threads {threads}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn arrays_with_many_axes_match_their_squeezed_form() {
        // More axes than the single sweep handles (16), and than the C ABI accepts (64):
        // the Rust API takes them, and axes of length 1 change nothing.
        use ndarray::{ArrayD, IxDyn};
        let f2 = Array2::from_shape_fn((4, 5), |(i, j)| ((i * 7 + j * j * 3) % 11) as f64);
        let want = gradient(f2.view(), &[Spacing::Scalar(0.5)], None, 2).unwrap();
        for ndim in [17, 70] {
            let mut shape = vec![1; ndim];
            shape[3] = 4;
            shape[ndim - 2] = 5;
            let f = ArrayD::from_shape_vec(IxDyn(&shape), f2.iter().copied().collect()).unwrap();
            let axes = [3, -2];
            let got = gradient(f.view(), &[Spacing::Scalar(0.5)], Some(&axes), 2).unwrap();
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(
                    g.iter().collect::<Vec<_>>(),
                    w.iter().collect::<Vec<_>>(),
                    "{ndim}"
                );
            }
        }
    }

    #[test]
    fn dense_slices_give_the_bits_of_views() {
        // `Plan::execute_dense` (the C ABI's path for dense arrays): C order, Fortran order,
        // a permutation of axes, any stride on an axis of length 1, more axes than the
        // sweep takes, and two threads; every one as `gradient` on a C-order view.
        use ndarray::{ArrayD, IxDyn, ShapeBuilder};
        let dense = |shape: &[usize], order: &[usize]| -> Vec<isize> {
            // Strides of the layout whose axes, fastest first, are `order`.
            let mut strides = vec![0isize; shape.len()];
            let mut step = 1;
            for &k in order {
                strides[k] = step;
                step *= shape[k] as isize;
            }
            strides
        };
        let cases: Vec<(Vec<usize>, Vec<usize>, usize)> = vec![
            (vec![9], vec![0], 1),
            (vec![5, 7], vec![1, 0], 1),
            (vec![5, 7], vec![0, 1], 1),
            (vec![4, 3, 6], vec![1, 2, 0], 1),
            (vec![4, 1, 6], vec![2, 1, 0], 1),
            (
                [[2; 17].as_slice(), &[3]].concat(),
                (0..18).rev().collect(),
                1,
            ),
            (vec![1024, 520], vec![1, 0], 2),
            (vec![1024, 520], vec![0, 1], 2),
        ];
        for (shape, order, threads) in cases {
            let mut strides = dense(&shape, &order);
            // The stride of an axis of length 1 reaches nothing: any value will do.
            for (s, _) in strides.iter_mut().zip(&shape).filter(|(_, n)| **n == 1) {
                *s = -7;
            }
            let count: usize = shape.iter().product();
            let data: Vec<f64> = (0..count)
                .map(|i| ((i * 2654435761) % 1000) as f64 / 7.0)
                .collect();
            // The C-order view of the same elements.
            let positive: Vec<usize> = (strides.iter().zip(&shape))
                .map(|(&s, &n)| if n > 1 { s as usize } else { 0 })
                .collect();
            let f = ArrayViewD::from_shape(IxDyn(&shape).strides(IxDyn(&positive)), &data).unwrap();
            let spacing = [Spacing::Scalar(0.3)];
            // Every axis long enough for edge order 2.
            let axes: Vec<isize> = (0..shape.len() as isize)
                .filter(|&k| shape[k as usize] > 2)
                .collect();
            let axes = Some(&axes[..]);
            let want = gradient(f, &spacing, axes, 2).unwrap();
            let mut got = vec![vec![f64::NAN; count]; want.len()];
            let mut outs: Vec<&mut [f64]> = got.iter_mut().map(|o| &mut o[..]).collect();
            Plan::build(&shape, &spacing, axes, 2, threads)
                .unwrap()
                .execute_dense(&data, &strides, &mut outs)
                .unwrap();
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                let g = ArrayD::from_shape_vec(IxDyn(&shape).strides(IxDyn(&positive)), g.clone());
                assert_eq!(&g.unwrap(), w, "shape {shape:?} order {order:?} axis {k}");
            }
        }
    }

    #[test]
    fn a_zero_length_axis_that_is_not_requested_is_fine() {
        let f = Array2::<f64>::zeros((0, 3));
        let g = gradient(f.view(), &[], Some(&[1]), 1).unwrap();
        assert_eq!(g[0].shape(), &[0, 3]);
        assert!(gradient(f.view(), &[], None, 1).is_err());
    }

    #[test]
    fn weights_computed_on_demand_match_the_table_for_every_coordinate_form() {
        // A 1-D axis computes its weights on demand (from contiguous coordinates as it
        // goes, or block by block for strided ones); a column of a 2-D array uses the
        // table. All give the same bits, across block boundaries, for every precision.
        let n = 2 * fused::BLOCK + 77;
        let f = Array1::from_shape_fn(n, |i| ((i * 37) % 101) as f64 * 0.173 - 3.0);
        let steps = |i: usize| 1 + (i * i % 7) as i32;
        let x: Array1<i32> = (0..n)
            .scan(0, |x, i| Some(std::mem::replace(x, *x + steps(i))))
            .collect();
        let xf = x.mapv(|v| f64::from(v) * 0.01);
        let xs = x.mapv(|v| v as f32 * 0.01);
        let reversed = xf.slice(s![..;-1]).to_owned();
        let strided = reversed.slice(s![..;-1]);
        let columns = ndarray::stack![Axis(1), f, f];
        for eo in [1, 2] {
            for coords in [
                Coordinates::F64(xf.view()),
                Coordinates::F64(strided),
                Coordinates::F32(xs.view()),
                Coordinates::I32(x.view()),
            ] {
                let sp = [Spacing::Coordinates(coords)];
                let one = gradient(f.view(), &sp, None, eo).unwrap().remove(0);
                let table = gradient(columns.view(), &sp, Some(&[0]), eo)
                    .unwrap()
                    .remove(0);
                assert_eq!(one, table.column(0), "eo {eo} {coords:?}");
                assert_eq!(one, table.column(1), "eo {eo} {coords:?}");
            }
        }
    }

    #[test]
    fn threads_go_only_to_arrays_large_enough_to_pay_for_them() {
        assert_eq!(useful_threads(16, 8), 0);
        assert_eq!(useful_threads(2 * ELEMENTS_PER_THREAD - 1, 2), 1);
        assert_eq!(useful_threads(2 * ELEMENTS_PER_THREAD, 2), 2);
        assert_eq!(useful_threads(2 * ELEMENTS_PER_THREAD, 8), 2);
        assert_eq!(useful_threads(usize::MAX, 3), 3);
        // An array that gets two threads through the public entry: the same bits.
        let (rows, cols) = (2 * ELEMENTS_PER_THREAD / 500 + 1, 500);
        let f = Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 31 + j * 7) % 97) as f64);
        // Steps of 3 +- 2 halves: increasing, never uniform.
        let x: Array1<f64> = (0..rows)
            .map(|i| (i * i % 5) as f64 * 0.5 + i as f64 * 3.0)
            .collect();
        let sp = [
            Spacing::Coordinates(Coordinates::F64(x.view())),
            Spacing::Scalar(0.5),
        ];
        let want = gradient(f.view(), &sp, None, 2).unwrap();
        let mut got = [Array2::zeros((rows, cols)), Array2::zeros((rows, cols))];
        let mut views: Vec<_> = got.iter_mut().map(|o| o.view_mut()).collect();
        assert_eq!(useful_threads(f.len(), 2), 2);
        gradient_into_threads(f.view(), &sp, None, 2, &mut views, 2).unwrap();
        assert_eq!(got.as_slice(), want.as_slice());
    }
}
