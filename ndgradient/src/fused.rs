//! The fast path: one sweep over memory that computes every requested axis.
//!
//! When the input and all outputs are contiguous blocks of memory with the same strides
//! (C order, Fortran order, or any permutation of axes: what C, numpy, MATLAB and Julia
//! hand over), the arrays are walked row by row along the unit-stride axis, outermost
//! axes first. For each block of a row, every requested output is computed while the few
//! input rows it reads are still in the L1 cache: the input is read from memory once and
//! each output written once. The outputs of a block are written one after another, except
//! that two outputs whose formulas there are quotients (a 2-D array on uniform steps, away
//! from the row's ends) are written side by side, point by point, which the memory system
//! takes faster.
//!
//! Short rows (at most half a block) that follow one another in memory are instead taken
//! several at a time, up to `GROUP` points (their input rows are then read from L2, not L1):
//! each job's loop is set up once per group rather than once per row, and each output is
//! written in long runs. Where the stores stream past the cache, the derivative along such
//! rows is computed a few rows at a time in a small buffer, which then streams out in
//! order: the loop over the group would store the points at the rows' ends twice.
//!
//! The formulas, and which one each output index has, come from `stencil` (`point`,
//! `parts`, `interior_taps`, `central_run`), as on the general path (`sweep`), so the bits
//! are the same; a test runs both on the same inputs. Each row block is split by the
//! stencil into its boundary points (one formula each) and its interior (a loop over
//! shifted slices). The loops are written for the interiors of `stencil::Interior` (the
//! central quotient and the three-point weights, radius 1): another kind of interior needs
//! its own loop here, or the sweep declines it.
//!
//! It computes windows of the whole array (for threads, and for blocks with halos): the
//! outputs cover global indices `out_start[k]..` along each axis `k`, the input, which
//! holds every sample they read, `f_start[k]..`. The input may then be larger than the
//! outputs (its own strides, the same unit-stride axis); for a 1-D array the window is
//! the row itself.

use super::PerAxis;
use super::simd::{self, Stores};
use super::spacing::{Coordinate, Coordinates, with_coordinates};
use super::stencil::{
    AxisStencil, Interior, Point, Stencil, at_point, quotient, three_point, weights_from,
};
use super::value::{Divisor, Element, Real, Value, Work};
use ndarray::{ArrayViewD, ArrayViewMutD};
use std::ops::Range;

/// Elements of a row processed per step: the input rows of one step stay in L1.
pub(crate) const BLOCK: usize = 512;

/// Points computed per step when short rows (at most half a block) that follow one another
/// in memory are taken together: each output is then written in longer runs than a block's.
/// Timed side by side on 256^3 (rows of 256; builds with each size, `sh benches/run.sh
/// --compare`), groups of 8192 points were 7-13% faster than groups of 512, and larger
/// groups gained nothing more.
const GROUP: usize = 8192;

/// Points of the derivative along short rows computed in a buffer before they are
/// streamed out (`along_adjacent`): 4 KiB of `f64`, 8 KiB of complex128, in L1. A buffer
/// four times as large was no faster (256^3, `sh benches/run.sh --compare`).
const ROWS_BUFFER: usize = BLOCK;

/// The most axes the sweep handles (arrays with more, however rare, go axis by axis): its
/// odometer and layout live in fixed arrays of this length, so that it allocates nothing.
const AXES: usize = 16;

/// One requested output: its axis and that axis's stencil.
pub(crate) type Job<'a, V> = (usize, AxisStencil<'a, V>);

/// Runs the sweep if the layouts allow it; returns `false` (having written nothing) if not.
///
/// `f` and the outputs are windows of the whole array, as for `sweep::derivative`: along
/// each axis `k`, `f` holds global indices `f_start[k]..` and the outputs `out_start[k]..`
/// (all zeros for the whole array); `f` holds every sample the outputs read. The call is
/// split into `parts` windows like this one (threads), which decides whether its stores
/// stream past the cache.
pub(crate) fn sweep<T: Element>(
    f: &ArrayViewD<'_, T>,
    f_start: &[usize],
    outs: &mut [ArrayViewMutD<'_, T::Out>],
    out_start: &[usize],
    jobs: &[Job<'_, T::Out>],
    parts: usize,
) -> bool {
    if !jobs.iter().all(|(_, s)| s.fusable()) {
        return false;
    }
    // The outputs' shape, copied: the layout holds it while the outputs are written.
    let Some(shape) = outs.first().map(|o| PerAxis::from_slice(o.shape())) else {
        return false;
    };
    if shape.len() > AXES {
        return false;
    }
    let Some(layout) = RowLayout::of(&shape, f, outs) else {
        return false;
    };
    let Some(fs) = f.as_slice_memory_order() else {
        return false;
    };
    let Some(mut os) = outs
        .iter_mut()
        .map(|o| o.as_slice_memory_order_mut())
        .collect::<Option<PerAxis<_>>>()
    else {
        return false;
    };
    let (mut fs0, mut os0) = ([0; AXES], [0; AXES]);
    fs0[..shape.len()].copy_from_slice(f_start);
    os0[..shape.len()].copy_from_slice(out_start);
    let window = Window {
        f_start: fs0,
        f_len: f.shape()[layout.inner],
        out_start: os0,
        parts,
    };
    rows(fs, &mut os, &layout, window, jobs);
    true
}

/// The sweep over a dense array and dense outputs given as slices: the elements of each in
/// memory order, `shape` and `strides` (in elements) shared by all, every stride of an axis
/// longer than 1 non-negative, and no gap or overlap between elements (the layout of a C
/// or Fortran array, or any permutation of its axes), as the caller guarantees. Returns
/// `false`, having written nothing, if the layout has more than 16 axes or a negative
/// stride on a long axis, or if the slices are not as long as its reach.
pub(crate) fn sweep_dense<T: Element>(
    f: &[T],
    shape: &[usize],
    strides: &[isize],
    outs: &mut [&mut [T::Out]],
    jobs: &[Job<'_, T::Out>],
) -> bool {
    if !jobs.iter().all(|(_, s)| s.fusable()) {
        return false;
    }
    let Some(layout) = RowLayout::new(shape, strides) else {
        return false;
    };
    let count = shape.iter().product::<usize>();
    let extent = (layout.outer().iter())
        .map(|&k| (shape[k] - 1) * layout.strides[k])
        .sum::<usize>()
        + shape[layout.inner];
    if extent != count || f.len() != count || outs.iter().any(|o| o.len() != count) {
        return false;
    }
    let whole = Window {
        f_start: [0; AXES],
        f_len: shape[layout.inner],
        out_start: [0; AXES],
        parts: 1,
    };
    rows(f, outs, &layout, whole, jobs);
    true
}

/// Which part of the array a sweep computes: the outputs from global index `out_start[k]`
/// along each axis `k`, from the input's window from `f_start[k]` (all 0 for the whole
/// array), and the input's length along the rows' own axis; the call is split into
/// `parts` such windows.
#[derive(Clone, Copy)]
struct Window {
    f_start: [usize; AXES],
    f_len: usize,
    out_start: [usize; AXES],
    parts: usize,
}

/// The sweep's loop: every row of the outputs, block by block (or several short rows at a
/// time), every job per block.
fn rows<T: Element>(
    fs: &[T],
    os: &mut [&mut [T::Out]],
    layout: &RowLayout,
    window: Window,
    jobs: &[Job<'_, T::Out>],
) {
    let Window {
        f_start,
        f_len,
        out_start,
        parts,
    } = window;
    let shape = layout.shape;
    let (m, n) = (layout.inner, shape[layout.inner]);
    // Global indices along the rows of the first output and of the first input sample: an
    // output row starts `shift` samples into its input row.
    let (row_out, row_f) = (out_start[m], f_start[m]);
    let shift = row_out - row_f;
    // Streaming stores if the call's traffic (this window's, times the windows of the
    // call, which share the last-level cache) exceeds the threshold (`Stores::for_sweep`).
    let bytes = std::mem::size_of_val(fs)
        + os.iter()
            .map(|o| std::mem::size_of_val(&**o))
            .sum::<usize>();
    let st = &Stores::for_sweep(bytes.saturating_mul(parts));

    // Short rows that follow one another in memory (those of the fastest outer axis `r`,
    // when it steps by one row) are taken up to GROUP points at a time, so that each job
    // runs one loop over several rows instead of one per row.
    let adjacent = (layout.outer().last().copied()).filter(|&r| {
        n <= BLOCK / 2 && layout.strides[r] == n && layout.f_strides[r] == n && f_len == n
    });

    // Odometer over the outer axes (global indices), slowest-varying first.
    let mut index = out_start;
    let rows: usize = layout.outer().iter().map(|&k| shape[k]).product();
    let mut done = 0;
    while done < rows {
        let offset = |base: &[usize; AXES], strides: &[usize; AXES]| {
            (layout.outer().iter())
                .map(|&k| (index[k] - base[k]) * strides[k])
                .sum::<usize>()
        };
        // Where the rows at the odometer's position start: the input's at global index
        // `row_f` of the row, the outputs' at `row_out`.
        let (f_row, o_row) = (
            offset(&f_start, &layout.f_strides),
            offset(&out_start, &layout.strides),
        );
        // Where row `i` of axis k (not the rows' own axis) starts in `fs`, at the same
        // position on every other axis.
        let row_at =
            |k: usize, i: usize| f_row + i * layout.f_strides[k] - index[k] * layout.f_strides[k];
        // How many rows this step computes: those of axis `r` up to GROUP points, or one.
        let step = match adjacent {
            Some(r) => (GROUP / n).min(out_start[r] + shape[r] - index[r]),
            None => 1,
        };
        if let (Some(r), 2..) = (adjacent, step) {
            let len = step * n;
            for (out, &(k, ref stencil)) in os.iter_mut().zip(jobs) {
                let out = &mut out[o_row..o_row + len];
                if k == m {
                    along_adjacent_rows(st, stencil, &fs[f_row..f_row + len], n, out);
                } else if k == r {
                    let f_rows = |i: usize, count: usize| &fs[row_at(r, i)..][..count * n];
                    across_adjacent_rows(st, stencil, index[r]..index[r] + step, f_rows, n, out);
                } else {
                    across_rows(st, stencil, index[k], |i| &fs[row_at(k, i)..][..len], out);
                }
            }
        } else {
            // One row, block by block; where two outputs may be written side by side, the
            // whole row is one block: one loop over its interior, as a C programmer would
            // write it (its three input rows are read from L2 if not L1).
            let block = match jobs.len() == 2 {
                true => n.max(1),
                false => BLOCK,
            };
            for b0 in (0..n).step_by(block) {
                let b1 = (b0 + block).min(n);
                // Points c0..c1 of the block (row positions) are interior points of every
                // job along the row: there, two outputs may be written side by side (two
                // jobs, rows not split). None when they may not.
                let (c0, c1) = match jobs.len() == 2 {
                    true => {
                        let interior = (jobs.iter().filter(|&&(k, _)| k == m))
                            .map(|(_, s)| s.interior())
                            .fold(row_out + b0..row_out + b1, |r, i| {
                                r.start.max(i.start)..r.end.min(i.end)
                            });
                        let c0 = interior.start.saturating_sub(row_out).clamp(b0, b1);
                        (c0, interior.end.saturating_sub(row_out).clamp(c0, b1))
                    }
                    false => (b0, b0),
                };
                // Output `q`'s quotients at points c0..c1, if its formula there is one in the
                // data's own precision. Along the row, the formula of point c0 (an interior
                // point) holds for all of them, each shifted by one, and `lo`, `hi` are the
                // samples c0 reads; across rows, `lo`, `hi` are rows of axis k.
                let sources = |q: usize| -> Option<QuotientSources<'_, T>> {
                    let (k, ref stencil) = jobs[q];
                    let AxisStencil::Native(s) = stencil else {
                        return None;
                    };
                    let along = k == m;
                    let Point::Quotient { lo, hi, div } =
                        s.point(if along { row_out + c0 } else { index[k] })
                    else {
                        return None;
                    };
                    let at = |i: usize| {
                        if along {
                            f_row + i - row_f
                        } else {
                            row_at(k, i) + shift + c0
                        }
                    };
                    Some((&fs[at(lo)..][..c1 - c0], &fs[at(hi)..][..c1 - c0], div))
                };
                let paired =
                    c0 < c1 && two_side_by_side::<T>(st, os, o_row + c0..o_row + c1, sources);
                let parts: &[(usize, usize)] = match paired {
                    true => &[(b0, c0), (c1, b1)],
                    false => &[(b0, b1)],
                };
                for &(p0, p1) in parts.iter().filter(|(p0, p1)| p0 < p1) {
                    for (out, &(k, ref stencil)) in os.iter_mut().zip(jobs) {
                        let out = &mut out[o_row + p0..o_row + p1];
                        if k == m {
                            along_row(
                                st,
                                stencil,
                                &fs[f_row..f_row + f_len],
                                row_f,
                                out,
                                row_out + p0,
                            );
                        } else {
                            let row = |i: usize| {
                                let at = row_at(k, i) + shift;
                                &fs[at + p0..at + p1]
                            };
                            across_rows(st, stencil, index[k], row, out);
                        }
                    }
                }
            }
        }
        let mut by = step;
        for &k in layout.outer().iter().rev() {
            index[k] += by;
            if index[k] < out_start[k] + shape[k] {
                break;
            }
            index[k] = out_start[k];
            by = 1;
        }
        done += step;
    }
}

/// Where the rows are: the outputs' shape, the unit-stride axis, the others from slowest to
/// fastest, and the common element strides. Fixed arrays, as `sweep`'s index: no
/// allocation, and plain indexing in the per-row loop (`IxDyn` indexing there was slower
/// in a side-by-side run).
struct RowLayout<'s> {
    /// The outputs' shape (the input's window may be larger).
    shape: &'s [usize],
    inner: usize,
    /// `outer[..ndim - 1]`: the axes other than `inner`, slowest-varying first.
    outer: [usize; AXES],
    /// `strides[..ndim]`: the outputs'.
    strides: [usize; AXES],
    /// `f_strides[..ndim]`: the input's (the outputs' for a whole array).
    f_strides: [usize; AXES],
}

impl<'s> RowLayout<'s> {
    /// The layout of the outputs (of `shape`, all with the same strides), if they have a
    /// unit-stride axis and no negative strides, and the input's strides, if it has no
    /// negative stride and the same unit-stride axis.
    fn of<T, V>(
        shape: &'s [usize],
        f: &ArrayViewD<'_, T>,
        outs: &[ArrayViewMutD<'_, V>],
    ) -> Option<Self> {
        // Axes of length 1 may carry any stride: they do not count.
        let same = |a: &[isize], b: &[isize]| {
            a.iter()
                .zip(b)
                .zip(shape)
                .all(|((x, y), &n)| n <= 1 || x == y)
        };
        let first = outs.first()?.strides();
        if outs.iter().any(|o| !same(o.strides(), first)) {
            return None;
        }
        let mut layout = Self::new(shape, first)?;
        for (k, (&s, &n)) in f.strides().iter().zip(f.shape()).enumerate() {
            layout.f_strides[k] = match usize::try_from(s) {
                _ if n <= 1 => 0,
                Ok(s) => s,
                Err(_) => return None,
            };
        }
        (layout.f_strides[layout.inner] == 1).then_some(layout)
    }

    /// The layout of arrays of `shape` and `strides`, if it has a unit-stride axis, no
    /// negative stride on an axis longer than 1, and at most 16 axes.
    #[inline(always)]
    fn new(shape: &'s [usize], strides: &[isize]) -> Option<Self> {
        let ndim = shape.len();
        if ndim > AXES || strides.len() != ndim {
            return None;
        }
        // An axis of length 1 may carry any stride: a negative one is taken as 0 (it reaches
        // no other element of a whole array; `of` refuses it for windows).
        let mut unsigned = [0; AXES];
        for ((u, &s), &n) in unsigned.iter_mut().zip(strides).zip(shape) {
            *u = match usize::try_from(s) {
                Ok(s) => s,
                Err(_) if n <= 1 => 0,
                Err(_) => return None,
            };
        }
        let inner = (0..ndim)
            .filter(|&k| shape[k] > 1)
            .min_by_key(|&k| unsigned[k])?;
        if unsigned[inner] != 1 {
            return None;
        }
        let mut outer = [0; AXES];
        for (o, k) in outer.iter_mut().zip((0..ndim).filter(|&k| k != inner)) {
            *o = k;
        }
        // Axes of length 1 first: they do not step, and the fastest axis that does is last.
        outer[..ndim - 1].sort_by_key(|&k| (shape[k] > 1, std::cmp::Reverse(unsigned[k])));
        Some(RowLayout {
            shape,
            inner,
            outer,
            strides: unsigned,
            f_strides: unsigned,
        })
    }

    fn outer(&self) -> &[usize] {
        &self.outer[..self.shape.len() - 1]
    }
}

/// `lo`, `hi` and the divisor of the quotients `(hi[i] - lo[i]) / div` over a run of points.
type QuotientSources<'f, T> = (
    &'f [T],
    &'f [T],
    Divisor<<<T as Element>::Out as Value>::Real>,
);

/// Elements `at` of both outputs, side by side (each output's point `i` before either's
/// point `i + 1`), if `sources(q)` gives output `q`'s quotients there for both and their
/// divisors are of one kind (both multiplications or both divisions). Returns `false`,
/// having written nothing, if not. `sweep` writes the outputs one block after another
/// otherwise; side by side suits the memory system better (the benchmark's C central
/// difference shows how much on the machine at hand).
fn two_side_by_side<'f, T: Element>(
    st: &Stores,
    os: &mut [&mut [T::Out]],
    at: Range<usize>,
    sources: impl Fn(usize) -> Option<QuotientSources<'f, T>>,
) -> bool {
    let ([o0, o1], Some(q0), Some(q1)) = (os, sources(0), sources(1)) else {
        return false;
    };
    let (o0, o1) = (&mut o0[at.clone()], &mut o1[at]);
    if simd::two_quotients(st, o0, o1, q0, q1) {
        return true;
    }
    match (q0.2.has_reciprocal(), q1.2.has_reciprocal()) {
        (true, true) => two_quotients::<T, true>(o0, o1, q0, q1),
        (false, false) => two_quotients::<T, false>(o0, o1, q0, q1),
        _ => return false,
    }
    true
}

/// `o0[i] = quotient(lo0[i], hi0[i], d0)` and `o1[i] = quotient(lo1[i], hi1[i], d1)` in one
/// loop, for slices of one length; both divisors' `has_reciprocal()` is `RECIPROCAL`: the
/// portable loop, where `simd::two_quotients` declines the call. Never inlined: inlined into
/// `rows`, its loop kept the outputs' addresses on the stack rather than in registers
/// (reloaded at every point), 3% slower on 4096 x 4096.
#[inline(never)]
fn two_quotients<T: Element, const RECIPROCAL: bool>(
    o0: &mut [T::Out],
    o1: &mut [T::Out],
    (lo0, hi0, d0): QuotientSources<'_, T>,
    (lo1, hi1, d1): QuotientSources<'_, T>,
) {
    let n = o0.len();
    debug_assert!(
        [o1.len(), lo0.len(), hi0.len(), lo1.len(), hi1.len()]
            .iter()
            .all(|&l| l == n)
    );
    let inputs = lo0.iter().zip(hi0).zip(lo1.iter().zip(hi1));
    for ((x0, x1), ((l0, h0), (l1, h1))) in o0.iter_mut().zip(o1.iter_mut()).zip(inputs) {
        *x0 = quotient::<T::Out, T::Out>(l0.value(), h0.value(), d0.settled::<RECIPROCAL>());
        *x1 = quotient::<T::Out, T::Out>(l1.value(), h1.value(), d1.settled::<RECIPROCAL>());
    }
}

/// The output block `out` (global row indices `b0..b0 + out.len()`) of the derivative
/// along the row itself; `f` holds the row's samples from global index `f0` on.
fn along_row<T: Element>(
    st: &Stores,
    stencil: &AxisStencil<'_, T::Out>,
    f: &[T],
    f0: usize,
    out: &mut [T::Out],
    b0: usize,
) {
    match stencil {
        AxisStencil::Native(s) => along::<T, T::Out>(st, s, f, f0, out, b0),
        AxisStencil::Wide(s) => along::<T, <T::Out as Value>::Wide>(st, s, f, f0, out, b0),
        AxisStencil::Zero => unreachable!("the sweep declines what is not fusable"),
    }
}

/// Whether the loop over the interior of the derivative along a row streams its stores
/// (the central quotient, in the data's own precision, in a streaming sweep): then `along`
/// stores the boundary points one by one with streaming stores too, so that no cache line
/// of the output is written both ways (`simd::put`), and `along_adjacent` computes its rows
/// in a buffer that it streams out.
fn streams<T: Element, W: Work<T::Out>>(st: &Stores, s: &Stencil<'_, W::Real>) -> bool {
    match s.interior {
        Interior::Central { two_h } => simd::quotients_stream::<T, T::Out, _>(st, two_h),
        _ => false,
    }
}

/// [`along_row`] in the working type `W`: the block's boundary points one by one, its
/// interior points as one loop over shifted slices of the row.
fn along<T: Element, W: Work<T::Out>>(
    st: &Stores,
    s: &Stencil<'_, W::Real>,
    f: &[T],
    f0: usize,
    out: &mut [T::Out],
    b0: usize,
) {
    let [head, inner, tail] = s.parts(b0..b0 + out.len());
    let stream = streams::<T, W>(st, s);
    // Two plain loops: a chain of the two ranges costs more per block.
    for j in head {
        let v = at_point::<T::Out, W>(s.point(j), |i| f[i - f0].value());
        simd::put(st, stream, out, j - b0, v);
    }
    for j in tail {
        let v = at_point::<T::Out, W>(s.point(j), |i| f[i - f0].value());
        simd::put(st, stream, out, j - b0, v);
    }
    if inner.is_empty() {
        return;
    }
    // Each term's samples for the interior outputs: those of the first, shifted by one.
    let samples = |tap: usize| &f[tap - f0..][..inner.len()];
    let [t0, t1, t2] = s.interior_taps(inner.start);
    let (before, middle, after) = (samples(t0), samples(t1), samples(t2));
    let (lo, hi) = (inner.start, inner.end);
    let out = &mut out[lo - b0..hi - b0];
    match &s.interior {
        Interior::Central { two_h } => quotients::<T, W>(st, out, before, after, *two_h),
        Interior::Weights(_) => {
            let w = s.weights(lo, hi, &mut []).iter().copied();
            weighted::<T, W>(out, before, middle, after, w);
        }
        Interior::OnDemand(x) => with_coordinates!(x, x => match x.as_slice() {
            Some(x) => weighted_on_demand::<T, W, _>(out, before, middle, after, x, lo, hi),
            None => {
                let mut buf = [[W::Real::ZERO; 3]; BLOCK];
                let w = s.weights(lo, hi, &mut buf).iter().copied();
                weighted::<T, W>(out, before, middle, after, w);
            }
        }),
        Interior::Quotients(_) => unreachable!("the sweep declines what is not fusable"),
    }
}

/// The derivative along the rows of `f`, rows of `n` samples one after another (`f` and
/// `out` hold the same whole rows). A central interior is one loop over all of them, each
/// row's boundary points included (those read across into the next row), which are then
/// overwritten with their own formulas; that needs at least `radius` boundary points at
/// each end (the run leaves the first and last `radius` points out). Where that loop would
/// stream, it runs a few rows at a time into a buffer in the cache, streamed out from
/// there. Any other interior is computed row by row.
fn along_adjacent_rows<T: Element>(
    st: &Stores,
    stencil: &AxisStencil<'_, T::Out>,
    f: &[T],
    n: usize,
    out: &mut [T::Out],
) {
    match stencil {
        AxisStencil::Native(s) => along_adjacent::<T, T::Out>(st, s, f, n, out),
        AxisStencil::Wide(s) => along_adjacent::<T, <T::Out as Value>::Wide>(st, s, f, n, out),
        AxisStencil::Zero => unreachable!("the sweep declines what is not fusable"),
    }
}

/// [`along_adjacent_rows`] in the working type `W`.
fn along_adjacent<T: Element, W: Work<T::Out>>(
    st: &Stores,
    s: &Stencil<'_, W::Real>,
    f: &[T],
    n: usize,
    out: &mut [T::Out],
) {
    let (len, r) = (f.len(), s.radius());
    // Where the loop streams: a few rows at a time are computed in a buffer in L1 with
    // ordinary stores, their ends rewritten there, and then streamed out in order
    // (`simd::copy`), so that no streamed cache line is written twice. Side by side
    // (`sh benches/run.sh --compare`, two copies of each build), every-axis float64
    // gradients took 52.6-52.8 ms instead of 56.7-57.3 on 256^3 and 27.2 ms instead of
    // 35.9-36.1 on 100000 x 128.
    const {
        assert!(
            BLOCK / 2 <= ROWS_BUFFER,
            "the grouped rows fit in the buffer"
        )
    };
    if n <= ROWS_BUFFER && streams::<T, W>(st, s) {
        let ordinary = st.ordinary();
        let mut buffer = [<T::Out>::default(); ROWS_BUFFER];
        let chunk = ROWS_BUFFER / n * n;
        for (f, out) in f.chunks(chunk).zip(out.chunks_mut(chunk)) {
            let buffer = &mut buffer[..out.len()];
            along_adjacent::<T, W>(&ordinary, s, f, n, buffer);
            simd::copy(st, out, buffer);
        }
        return;
    }
    match s.interior {
        Interior::Central { two_h } if s.head() >= r && s.tail() >= r && len >= 2 * r => {
            let run = r..len - r;
            let [lo, _, hi] = s.interior_taps(run.start);
            let (lo, hi) = (&f[lo..][..run.len()], &f[hi..][..run.len()]);
            // Ordinary stores: the loop streams only where `streams` says, handled above.
            quotients::<T, W>(st, &mut out[run], lo, hi, two_h);
            // Every row's boundary points, with their formulas, looked up once.
            let ends = s.boundary();
            for (f, out) in f.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
                for &(j, p) in &ends {
                    out[j] = at_point::<T::Out, W>(p, |i| f[i].value());
                }
            }
        }
        _ => (f.chunks_exact(n).zip(out.chunks_exact_mut(n)))
            .for_each(|(f, out)| along::<T, W>(st, s, f, 0, out, 0)),
    }
}

/// The derivative across rows `rows` of its own axis (`out` holds them, `n` points each,
/// one after another); `f(i, count)` is the input's rows `i..i + count` of that axis. The
/// rows whose formula is the central quotient are one loop (the rows each reads follow one
/// another too, shifted by one from row to row); the others are computed one by one.
fn across_adjacent_rows<'f, T: Element>(
    st: &Stores,
    stencil: &AxisStencil<'_, T::Out>,
    rows: Range<usize>,
    f: impl Fn(usize, usize) -> &'f [T],
    n: usize,
    out: &mut [T::Out],
) {
    let run = stencil.central_run(rows.clone());
    let out_rows = |i: Range<usize>| (i.start - rows.start) * n..(i.end - rows.start) * n;
    for i in (rows.start..run.start).chain(run.end..rows.end) {
        across_rows(st, stencil, i, |j| f(j, 1), &mut out[out_rows(i..i + 1)]);
    }
    if !run.is_empty() {
        let count = run.len();
        across_rows(
            st,
            stencil,
            run.start,
            |j| f(j, count),
            &mut out[out_rows(run)],
        );
    }
}

/// [`weighted`] with the weights of points `lo..hi` computed from the contiguous
/// coordinates `x` as they are consumed: the loop of a 1-D array on coordinates, bound by
/// its three divisions per point. Compiled also for AVX2 (four `f64` divisions per
/// instruction instead of two), which runs where the CPU has it (detected on first use);
/// without `fma`, so every operation rounds as before and the bits are the same. Built with
/// `--cfg gradient_no_dispatch`, only the baseline version exists (CI tests it that way).
#[cfg_attr(
    not(gradient_no_dispatch),
    multiversion::multiversion(targets("x86_64+avx2"))
)]
fn weighted_on_demand<T: Element, W: Work<T::Out>, K: Coordinate>(
    out: &mut [T::Out],
    before: &[T],
    middle: &[T],
    after: &[T],
    x: &[K],
    lo: usize,
    hi: usize,
) {
    weighted::<T, W>(out, before, middle, after, weights_from(x, lo, hi));
}

/// `out[i]` = the three-point formula on `before[i], middle[i], after[i]` with the `i`-th
/// weights of `w`.
#[inline(always)]
fn weighted<T: Element, W: Work<T::Out>>(
    out: &mut [T::Out],
    before: &[T],
    middle: &[T],
    after: &[T],
    w: impl Iterator<Item = [W::Real; 3]>,
) {
    let samples = before.iter().zip(middle).zip(after);
    for ((o, c), ((a, b), d)) in out.iter_mut().zip(w).zip(samples) {
        *o = three_point::<T::Out, W>(a.value(), b.value(), d.value(), &c);
    }
}

/// The output block `out` of the derivative along another axis, at index `j` of that
/// axis; `row(i)` is the matching block of the input row at index `i` of that axis.
fn across_rows<'f, T: Element>(
    st: &Stores,
    stencil: &AxisStencil<'_, T::Out>,
    j: usize,
    row: impl Fn(usize) -> &'f [T],
    out: &mut [T::Out],
) {
    match stencil {
        AxisStencil::Native(s) => across::<T, T::Out>(st, s.point(j), row, out),
        AxisStencil::Wide(s) => across::<T, <T::Out as Value>::Wide>(st, s.point(j), row, out),
        AxisStencil::Zero => unreachable!("the sweep declines what is not fusable"),
    }
}

/// [`across_rows`] in the working type `W`, for the point whose formula is `p`.
fn across<'f, T: Element, W: Work<T::Out>>(
    st: &Stores,
    p: Point<W::Real>,
    row: impl Fn(usize) -> &'f [T],
    out: &mut [T::Out],
) {
    match p {
        Point::Quotient { lo, hi, div } => quotients::<T, W>(st, out, row(lo), row(hi), div),
        Point::ThreePoint {
            at: [i0, i1, i2],
            coef,
        } => {
            if simd::three_point(st, out, [row(i0), row(i1), row(i2)], coef) {
                return;
            }
            for (((o, a), b), c) in out.iter_mut().zip(row(i0)).zip(row(i1)).zip(row(i2)) {
                *o = three_point::<T::Out, W>(a.value(), b.value(), c.value(), &coef);
            }
        }
    }
}

/// `out[i] = quotient(lo[i], hi[i], div)`: the AVX2 loops of `simd` where they take the
/// call (`f32` or `f64` data in its own precision, an AVX2 CPU), else with the divisor's kind
/// (multiply or divide) settled outside the loop, so that the loop vectorises.
fn quotients<T: Element, W: Work<T::Out>>(
    st: &Stores,
    out: &mut [T::Out],
    lo: &[T],
    hi: &[T],
    div: Divisor<W::Real>,
) {
    if simd::quotients(st, out, lo, hi, div) {
        return;
    }
    match div.has_reciprocal() {
        true => settled_quotients::<T, W, true>(out, lo, hi, div),
        false => settled_quotients::<T, W, false>(out, lo, hi, div),
    }
}

/// [`quotients`] for a divisor whose `has_reciprocal()` is `RECIPROCAL`. Compiled also for
/// AVX2, as [`weighted_on_demand`].
#[cfg_attr(
    not(gradient_no_dispatch),
    multiversion::multiversion(targets("x86_64+avx2"))
)]
fn settled_quotients<T: Element, W: Work<T::Out>, const RECIPROCAL: bool>(
    out: &mut [T::Out],
    lo: &[T],
    hi: &[T],
    div: Divisor<W::Real>,
) {
    for ((o, a), b) in out.iter_mut().zip(lo).zip(hi) {
        *o = quotient::<T::Out, W>(a.value(), b.value(), div.settled::<RECIPROCAL>());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spacing::{AxisSpacing, Coordinates, Step};
    use crate::sweep;
    use ndarray::{ArrayD, Axis, IxDyn, ShapeBuilder, Slice};

    /// An array of `shape` whose axes, fastest first, are `order`, holding `value(i)` at
    /// memory position `i`.
    fn laid_out<T: Clone>(
        shape: &[usize],
        order: &[usize],
        value: impl Fn(usize) -> T,
    ) -> ArrayD<T> {
        let mut strides = vec![0; shape.len()];
        let mut step = 1;
        for &k in order {
            strides[k] = step;
            step *= shape[k];
        }
        let count = shape.iter().product();
        let data = (0..count).map(value).collect();
        ArrayD::from_shape_vec(IxDyn(shape).strides(IxDyn(&strides)), data).unwrap()
    }

    /// The bits of every element, in logical order.
    fn bits<V: Copy + Into<f64>>(a: &ArrayD<V>) -> Vec<u64> {
        a.iter().map(|&v| v.into().to_bits()).collect()
    }

    /// Runs the sweep and the general kernel on the same inputs and windows; panics unless
    /// the sweep takes them and both give the same bits.
    fn check<T: Element>(f: &ArrayD<T>, order: &[usize], jobs: &[Job<'_, T::Out>], what: &str)
    where
        T::Out: Into<f64> + Default,
    {
        let shape = f.shape();
        let ndim = shape.len();
        let blank = || laid_out(shape, order, |_| T::Out::default());
        let mut fused: Vec<ArrayD<T::Out>> = jobs.iter().map(|_| blank()).collect();
        let mut general: Vec<ArrayD<T::Out>> = jobs.iter().map(|_| blank()).collect();
        // The whole array, then the outermost axis in pieces as threads split it, each read
        // from a window holding the input range of the jobs along that axis.
        let split = *order.iter().rev().find(|&&k| shape[k] > 1).unwrap_or(&0);
        let n = shape[split];
        let mut windows = vec![(0..n, 0..n)];
        for pieces in [2, 3] {
            let bounds: Vec<usize> = (0..=pieces).map(|i| i * n / pieces).collect();
            for w in bounds.windows(2).filter(|w| w[0] < w[1]) {
                let rows = w[0]..w[1];
                let need = (jobs.iter().filter(|(k, _)| *k == split))
                    .map(|(_, s)| s.input_range(rows.clone()))
                    .fold(rows.clone(), |a, b| a.start.min(b.start)..a.end.max(b.end));
                windows.push((rows, need));
            }
        }
        for (rows, need) in windows {
            let window = f.slice_axis(Axis(split), Slice::from(need.clone()));
            let (mut f_start, mut out_start) = (vec![0; ndim], vec![0; ndim]);
            (f_start[split], out_start[split]) = (need.start, rows.start);
            let mut outs: Vec<_> = (fused.iter_mut())
                .map(|o| o.slice_axis_mut(Axis(split), Slice::from(rows.clone())))
                .collect();
            // The sweep needs an axis longer than 1 to run along.
            let runs = sweep(&window, &f_start, &mut outs, &out_start, jobs, 1);
            assert!(runs || outs[0].len() == 1, "{what}: the sweep declined");
            for (o, (axis, stencil)) in general.iter_mut().zip(jobs) {
                let o = o.slice_axis_mut(Axis(split), Slice::from(rows.clone()));
                sweep::derivative(&window, &f_start, o, &out_start, (*axis, stencil));
            }
            drop(outs);
            if runs {
                for (q, (a, b)) in fused.iter().zip(&general).enumerate() {
                    let part = |a: &ArrayD<T::Out>| {
                        bits(
                            &a.slice_axis(Axis(split), Slice::from(rows.clone()))
                                .to_owned(),
                        )
                    };
                    assert_eq!(part(a), part(b), "{what} rows {rows:?} output {q}");
                }
            }
        }
        // The same layout given as slices.
        let mut dense: Vec<ArrayD<T::Out>> = jobs.iter().map(|_| blank()).collect();
        let strides: Vec<isize> = f.strides().to_vec();
        let mut slices: Vec<&mut [T::Out]> = (dense.iter_mut())
            .map(|o| o.as_slice_memory_order_mut().unwrap())
            .collect();
        let fs = f.as_slice_memory_order().unwrap();
        assert!(
            sweep_dense(fs, shape, &strides, &mut slices, jobs),
            "{what}: dense"
        );
        for (q, (a, b)) in dense.iter().zip(&general).enumerate() {
            assert_eq!(bits(a), bits(b), "{what} dense output {q}");
        }
    }

    /// The spacings tried on every axis: steps that divide, steps that multiply (`2h` a
    /// power of two), both mixed, coordinates, and (for `f32` data) a float64 step, which
    /// computes in double precision.
    const SPACINGS: [&str; 5] = ["divide", "multiply", "mixed", "coordinates", "float64"];

    /// The stencils of `axes` of an array of `shape`, for `spacing` (one of [`SPACINGS`]);
    /// `lanes` 1 makes coordinate weights computed on demand.
    fn jobs<V: Value>(
        shape: &[usize],
        axes: &[usize],
        spacing: &str,
        eo: u8,
        lanes: usize,
        coords: &'static [Vec<f64>],
    ) -> Vec<Job<'static, V>> {
        (axes.iter())
            .map(|&k| {
                let sp = match (spacing, k) {
                    ("multiply", _) | ("mixed", 0) => AxisSpacing::Uniform(Step::Weak(0.5)),
                    ("coordinates", _) => AxisSpacing::Nonuniform(Coordinates::F64(
                        ndarray::ArrayView1::from(&coords[k][..]),
                    )),
                    ("float64", _) => AxisSpacing::Uniform(Step::F64(0.3)),
                    _ => AxisSpacing::Uniform(Step::Weak(0.25 + shape[k] as f64)),
                };
                (k, AxisStencil::new(sp, shape[k], eo, lanes).unwrap())
            })
            .collect()
    }

    /// 1-D and 2-D arrays: short rows taken several at a time (rows of 2, 3, 5 and 9), rows
    /// longer than a block. (The shapes are in two tests, which the harness runs at once.)
    #[test]
    fn the_sweep_gives_the_bits_of_the_general_kernel() {
        sweep_matches_general_kernel(&[
            &[2],
            &[3],
            &[7],
            &[1030],
            &[2, 2],
            &[5, 9],
            &[3, 600],
            &[3000, 3],
        ]);
    }

    /// The same for rows of 2 taken together, axes of length 1, and 3-D and 4-D arrays.
    #[test]
    fn the_sweep_gives_the_bits_of_the_general_kernel_in_more_axes() {
        sweep_matches_general_kernel(&[
            &[700, 2],
            &[3, 1, 6],
            &[4, 3, 5],
            &[2, 1700, 5],
            &[2, 3, 2, 4],
            &[1, 1100, 1],
        ]);
    }

    /// Every order of axes in memory, every subset of axes of one or two and all of them,
    /// whole arrays and thread windows, both edge orders, every spacing kind, f64 and f32.
    fn sweep_matches_general_kernel(shapes: &[&[usize]]) {
        for &shape in shapes {
            let ndim = shape.len();
            let coords: &'static [Vec<f64>] = shape
                .iter()
                .map(|&len| (0..len).map(|i| (i * i) as f64 * 0.3 + i as f64).collect())
                .collect::<Vec<_>>()
                .leak();
            // C order, Fortran order and a rotation of the axes; the large arrays (there
            // for the grouping of short rows) in C and Fortran order only.
            let mut orders: Vec<Vec<usize>> = vec![
                (0..ndim).rev().collect(),
                (0..ndim).collect(),
                (0..ndim).map(|i| (i + 1) % ndim).collect(),
            ];
            if shape.iter().product::<usize>() > 4000 {
                orders.truncate(2);
            }
            let mut subsets: Vec<Vec<usize>> = vec![(0..ndim).collect()];
            subsets.extend((0..ndim).map(|k| vec![k]));
            if ndim > 2 {
                subsets.push(vec![ndim - 1, 0]);
            }
            for order in &orders {
                let f64s = laid_out(shape, order, |i| {
                    ((i * 2654435761) % 1000) as f64 / 7.0 - 50.0
                });
                let f32s = f64s.mapv(|v| v as f32);
                for eo in [1u8, 2] {
                    for axes in &subsets {
                        if axes.iter().any(|&k| shape[k] <= usize::from(eo)) {
                            continue;
                        }
                        for spacing in SPACINGS {
                            // Weights computed on demand (one lane) or tabulated.
                            let lanes: &[usize] = match spacing {
                                "coordinates" => &[2, 1],
                                _ => &[2],
                            };
                            for &lanes in lanes {
                                let what = format!(
                                    "shape {shape:?} order {order:?} eo {eo} axes {axes:?} {spacing} lanes {lanes}"
                                );
                                let j = jobs::<f64>(shape, axes, spacing, eo, lanes, coords);
                                check(&f64s, order, &j, &format!("f64 {what}"));
                                let j = jobs::<f32>(shape, axes, spacing, eo, lanes, coords);
                                check(&f32s, order, &j, &format!("f32 {what}"));
                            }
                        }
                    }
                }
            }
        }
    }
}
