//! Applying one axis's stencil along that axis of an array of any layout: the general path,
//! and the reference the fused sweep is tested against.
//!
//! One kernel serves every stencil geometry. The interior is one elementwise pass over
//! shifted views of the array (one per term of the interior formula, starting at the
//! stencil's `interior_taps` of the first interior output), which is numpy's slicing
//! formulation without its temporaries; each boundary point is one pass over a
//! hyperplane. The formulas and the geometry come from `stencil`. `ndarray::Zip` chooses
//! the traversal order from the layouts, so the same code serves C, Fortran, transposed,
//! sliced and reversed arrays.
//!
//! Input and output may be windows of the whole array on every axis (for threads and
//! blocks); the whole array is the window that starts at 0 on every axis.

use super::fused::BLOCK;
use super::stencil::{AxisStencil, Interior, Point, Stencil, quotient, three_point};
use super::value::{Element, Real, Value, Work};
use ndarray::{ArrayView1, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice, Zip};

/// Writes into `out` the derivative of `f` along `axis`. Both are windows of the whole
/// array: along each axis `k`, `f` holds global indices `f_start[k]..` and `out` global
/// indices `out_start[k]..`. Along `axis`, `f` must hold the stencil's `input_range` of the
/// output's range; along every other axis, the output's own range. For the whole array,
/// both are all zeros.
pub(crate) fn derivative<T: Element>(
    f: &ArrayViewD<'_, T>,
    f_start: &[usize],
    out: ArrayViewMutD<'_, T::Out>,
    out_start: &[usize],
    (axis, stencil): (usize, &AxisStencil<'_, T::Out>),
) {
    // Along the other axes, only the output's own samples are read.
    let f = f.slice_each_axis(|d| {
        let k = d.axis.index();
        match k == axis {
            true => Slice::from(..),
            false => {
                let start = out_start[k] - f_start[k];
                Slice::from(start..start + out.len_of(Axis(k)))
            }
        }
    });
    let (f_start, out_start) = (f_start[axis], out_start[axis]);
    match stencil {
        AxisStencil::Native(s) => window::<T, T::Out>(&f, f_start, axis, s, out, out_start),
        AxisStencil::Wide(s) => {
            window::<T, <T::Out as Value>::Wide>(&f, f_start, axis, s, out, out_start)
        }
        AxisStencil::Zero => {
            let mut out = out;
            out.fill(T::Out::default());
        }
    }
}

/// The kernel: computes the outputs at global indices `out_start .. out_start +
/// out.len_of(axis)` of an axis whose full length is `stencil.len`, from a window of `f`
/// that begins at global index `f_start` along `axis` and holds the stencil's
/// `input_range` of those outputs. Every other axis of `f` matches `out`'s.
fn window<T: Element, W: Work<T::Out>>(
    f: &ArrayViewD<'_, T>,
    f_start: usize,
    axis: usize,
    stencil: &Stencil<'_, W::Real>,
    mut out: ArrayViewMutD<'_, T::Out>,
    out_start: usize,
) {
    let ax = Axis(axis);
    let local = |j: usize| j - f_start;
    let [head, inner, tail] = stencil.parts(out_start..out_start + out.len_of(ax));

    for j in head.chain(tail) {
        let plane = out.index_axis_mut(ax, j - out_start);
        let at = |i: usize| f.index_axis(ax, local(i));
        match stencil.point(j) {
            Point::Quotient { lo, hi, div } => Zip::from(plane)
                .and(at(lo))
                .and(at(hi))
                .for_each(|o, &a, &b| *o = quotient::<T::Out, W>(a.value(), b.value(), div)),
            Point::ThreePoint {
                at: [i0, i1, i2],
                coef,
            } => Zip::from(plane)
                .and(at(i0))
                .and(at(i1))
                .and(at(i2))
                .for_each(|o, &a, &b, &c| {
                    *o = three_point::<T::Out, W>(a.value(), b.value(), c.value(), &coef)
                }),
        }
    }

    if inner.is_empty() {
        return;
    }
    // The samples of each term of the interior formula for the outputs `run`: those of its
    // first output, shifted by one per output.
    let shifted = |tap: usize, run: &std::ops::Range<usize>| {
        f.slice_axis(ax, Slice::from(local(tap)..local(tap) + run.len()))
    };
    let inner_out = out.slice_axis_mut(
        ax,
        Slice::from(inner.start - out_start..inner.end - out_start),
    );
    match &stencil.interior {
        Interior::Central { two_h } => {
            let div = *two_h;
            let [lo, _, hi] = stencil.interior_taps(inner.start);
            Zip::from(inner_out)
                .and(shifted(lo, &inner))
                .and(shifted(hi, &inner))
                .for_each(|o, &a, &b| *o = quotient::<T::Out, W>(a.value(), b.value(), div));
        }
        Interior::Quotients(_) => {
            // One hyperplane per point: each has its own divisor.
            let mut inner_out = inner_out;
            for j in inner.clone() {
                let plane = inner_out.index_axis_mut(ax, j - inner.start);
                let Point::Quotient { lo, hi, div } = stencil.point(j) else {
                    unreachable!("a quotient interior has quotient points")
                };
                Zip::from(plane)
                    .and(f.index_axis(ax, local(lo)))
                    .and(f.index_axis(ax, local(hi)))
                    .for_each(|o, &a, &b| *o = quotient::<T::Out, W>(a.value(), b.value(), div));
            }
        }
        Interior::Weights(_) | Interior::OnDemand(_) => {
            // Block by block, so that weights computed on demand need no allocation; the
            // weights vary along `axis` only and are broadcast over the other axes.
            let mut buf = [[W::Real::ZERO; 3]; BLOCK];
            let mut inner_out = inner_out;
            let mut shape = vec![1; f.ndim()];
            for b0 in inner.clone().step_by(BLOCK) {
                let block = b0..(b0 + BLOCK).min(inner.end);
                shape[axis] = block.len();
                let w = stencil.weights(block.start, block.end, &mut buf);
                let weights = ArrayView1::from(w)
                    .into_shape_with_order(IxDyn(&shape))
                    .expect("weights are a contiguous vector");
                let o = (block.start - inner.start)..(block.end - inner.start);
                let o = inner_out.slice_axis_mut(ax, Slice::from(o));
                let weights = weights
                    .broadcast(o.raw_dim())
                    .expect("shapes agree along the axis");
                let [t0, t1, t2] = stencil.interior_taps(block.start);
                Zip::from(o)
                    .and(shifted(t0, &block))
                    .and(shifted(t1, &block))
                    .and(shifted(t2, &block))
                    .and(weights)
                    .for_each(|o, &a, &b, &c, coef| {
                        *o = three_point::<T::Out, W>(a.value(), b.value(), c.value(), coef)
                    });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spacing::{AxisSpacing, Coordinates, Step};
    use ndarray::{Array, ArrayD, ShapeBuilder, SliceInfoElem, s};

    fn stencil(n: usize, eo: u8, coords: bool, lanes: usize) -> AxisStencil<'static, f64> {
        let sp = if coords {
            // Steps 0.5 + (i*i % 7)/4: never uniform. Leaked to get a 'static test view.
            let x: Vec<f64> = (0..n)
                .scan(0.0, |x, i| {
                    Some(std::mem::replace(x, *x + 0.5 + (i * i % 7) as f64 * 0.25))
                })
                .collect();
            AxisSpacing::Nonuniform(Coordinates::F64(ndarray::ArrayView1::from(&*x.leak())))
        } else {
            AxisSpacing::Uniform(Step::Weak(0.3))
        };
        AxisStencil::new(sp, n, eo, lanes).unwrap()
    }

    fn full(f: &ArrayD<f64>, axis: usize, st: &AxisStencil<'_, f64>) -> ArrayD<f64> {
        let mut out = ArrayD::zeros(f.raw_dim());
        let zeros = vec![0; f.ndim()];
        derivative(&f.view(), &zeros, out.view_mut(), &zeros, (axis, st));
        out
    }

    /// The slice `ranges[k]` along every axis `k`.
    fn boxed(ranges: &[std::ops::Range<usize>]) -> Vec<SliceInfoElem> {
        ranges
            .iter()
            .map(|r| Slice::from(r.clone()).into())
            .collect()
    }

    #[test]
    fn every_window_agrees_with_the_whole_array() {
        // Any box of outputs, computed from a window holding just the samples it needs (the
        // stencil's input range along the derivative's axis, the box's own range along the
        // others) or more, gives the same bits as the whole-array computation.
        let shape = [9, 4, 5];
        let f = Array::from_shape_fn(shape, |(i, j, k)| {
            ((i * 7 + j * 3 + k * 5) % 11) as f64 * 0.37 - 1.0
        })
        .into_dyn();
        for axis in 0..3 {
            let n = shape[axis];
            for eo in [1, 2] {
                for coords in [false, true] {
                    let st = stencil(n, eo, coords, 4);
                    let whole = full(&f, axis, &st);
                    // Weights computed on demand give the same bits as the table.
                    assert_eq!(full(&f, axis, &stencil(n, eo, coords, 1)), whole);
                    let others = [0..shape[(axis + 1) % 3], 1..2];
                    let mut tried = 0;
                    for a in 0..n {
                        for b in a + 1..=n {
                            // Along the other axes: the whole axis, or one inner index
                            // read from a window one sample wider on each side.
                            for (o, pad) in others.iter().zip([0, 1]) {
                                let mut out_box = vec![0..0; 3];
                                let mut f_box = vec![0..0; 3];
                                for k in 0..3 {
                                    (out_box[k], f_box[k]) = if k == axis {
                                        (a..b, st.input_range(a..b))
                                    } else {
                                        let o = o.start..o.end.min(shape[k]);
                                        (o.clone(), o.start - pad..o.end + pad)
                                    };
                                }
                                let win = f.slice(boxed(&f_box).as_slice());
                                let dims: Vec<usize> = out_box.iter().map(|r| r.len()).collect();
                                let mut out = ArrayD::zeros(IxDyn(&dims));
                                let starts = |b: &[std::ops::Range<usize>]| -> Vec<usize> {
                                    b.iter().map(|r| r.start).collect()
                                };
                                derivative(
                                    &win,
                                    &starts(&f_box),
                                    out.view_mut(),
                                    &starts(&out_box),
                                    (axis, &st),
                                );
                                let want = whole.slice(boxed(&out_box).as_slice());
                                assert_eq!(
                                    out, want,
                                    "axis {axis} eo {eo} coords {coords} {a}..{b}"
                                );
                                tried += 1;
                            }
                        }
                    }
                    assert_eq!(tried, n * (n + 1));
                }
            }
        }
    }

    #[test]
    fn every_layout_gives_the_same_bits() {
        let base = Array::from_shape_fn((5, 6, 7), |(i, j, k)| {
            ((i * 31 + j * 17 + k * 5) % 23) as f64 / 3.0
        });
        let fortran = {
            let mut a = Array::zeros(base.raw_dim().f());
            a.assign(&base);
            a
        };
        let reversed = base.slice(s![..;-1, .., ..;-1]).to_owned();
        let zeros = [0; 3];
        for axis in 0..3 {
            let n = base.shape()[axis];
            let st = stencil(n, 2, true, 2);
            let want = full(&base.clone().into_dyn(), axis, &st);
            assert_eq!(full(&fortran.clone().into_dyn(), axis, &st), want);
            // Reversing axes other than `axis` just permutes the result.
            let mut got = ArrayD::zeros(IxDyn(base.shape()));
            let view = reversed.slice(s![..;-1, .., ..;-1]).into_dyn();
            derivative(&view, &zeros, got.view_mut(), &zeros, (axis, &st));
            assert_eq!(got, want);
            // An output with its own odd strides.
            let mut big = Array::zeros((10, 6, 14));
            {
                let o = big.slice_mut(s![..;2, .., ..;-2]).into_dyn();
                derivative(&base.view().into_dyn(), &zeros, o, &zeros, (axis, &st));
            }
            assert_eq!(big.slice(s![..;2, .., ..;-2]).into_dyn(), want);
        }
    }
}
