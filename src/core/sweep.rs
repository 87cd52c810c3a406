//! Applying one axis's stencil along that axis of an array of any layout.
//!
//! The interior is one elementwise pass over three (or four) shifted views of the array,
//! which is numpy's slicing formulation without its temporaries; each edge is one pass
//! over a hyperplane. `ndarray::Zip` chooses the traversal order from the layouts, so the
//! same code serves C, Fortran, transposed, sliced and reversed arrays.

use super::fused::BLOCK;
use super::stencil::{AxisStencil, Interior, Point, Stencil, quotient, three_point};
use super::value::{Element, Real, Value, Work};
use ndarray::{ArrayView1, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice, Zip};

/// Writes into `out` the derivative of `f` along `axis`. `f` and `out` may be windows of
/// axis `split` (for threads): `f` holds global indices `f_start..` of it, `out` global
/// indices `out_start..`. Every other axis is whole. For the whole array: `0, 0`.
pub(crate) fn derivative<T: Element>(
    f: &ArrayViewD<'_, T>,
    f_start: usize,
    out: ArrayViewMutD<'_, T::Out>,
    out_start: usize,
    split: usize,
    (axis, stencil): (usize, &AxisStencil<'_, T::Out>),
) {
    if axis != split {
        // Only the rows of `out` are needed, and the stencil runs along another axis.
        let rows = out_start - f_start..out_start - f_start + out.len_of(Axis(split));
        let f = f.slice_axis(Axis(split), Slice::from(rows));
        return derivative(&f, 0, out, 0, axis, (axis, stencil));
    }
    match stencil {
        AxisStencil::Native(s) => window::<T, T::Out>(f, f_start, axis, s, out, out_start),
        AxisStencil::Wide(s) => {
            window::<T, <T::Out as Value>::Wide>(f, f_start, axis, s, out, out_start)
        }
    }
}

/// Computes the outputs at global indices `out_start .. out_start + out.len_of(axis)` of
/// an axis whose full length is `stencil.len`, from a window of `f` that begins at global
/// index `f_start`. The window must hold every sample those outputs read: one beyond each
/// end of the output range, and the first or last three samples for a second-order edge.
///
/// This is the kernel's only entry: the whole-array case is the window that starts at 0.
pub(crate) fn window<T: Element, W: Work<T::Out>>(
    f: &ArrayViewD<'_, T>,
    f_start: usize,
    axis: usize,
    stencil: &Stencil<'_, W::Real>,
    mut out: ArrayViewMutD<'_, T::Out>,
    out_start: usize,
) {
    let ax = Axis(axis);
    let n = stencil.len;
    let out_end = out_start + out.len_of(ax);
    let local = |j: usize| j - f_start;

    for j in [0, n - 1] {
        if (out_start..out_end).contains(&j) {
            let plane = out.index_axis_mut(ax, j - out_start);
            match stencil.point(j) {
                Point::Quotient { lo, hi, div } => Zip::from(plane)
                    .and(f.index_axis(ax, local(lo)))
                    .and(f.index_axis(ax, local(hi)))
                    .for_each(|o, &a, &b| *o = quotient::<T::Out, W>(a.value(), b.value(), div)),
                Point::ThreePoint { at, coef } => Zip::from(plane)
                    .and(f.index_axis(ax, local(at)))
                    .and(f.index_axis(ax, local(at + 1)))
                    .and(f.index_axis(ax, local(at + 2)))
                    .for_each(|o, &a, &b, &c| {
                        *o = three_point::<T::Out, W>(a.value(), b.value(), c.value(), &coef)
                    }),
            }
        }
    }

    let (lo, hi) = (out_start.max(1), out_end.min(n - 1));
    if lo >= hi {
        return;
    }
    let shifted = |by: usize| f.slice_axis(ax, Slice::from(local(lo + by - 1)..local(hi + by - 1)));
    let inner = out.slice_axis_mut(ax, Slice::from(lo - out_start..hi - out_start));
    match &stencil.interior {
        Interior::Central { two_h } => {
            let div = *two_h;
            Zip::from(inner)
                .and(shifted(0))
                .and(shifted(2))
                .for_each(|o, &a, &b| *o = quotient::<T::Out, W>(a.value(), b.value(), div));
        }
        Interior::Weights(_) | Interior::OnDemand(_) => {
            // Block by block, so that weights computed on demand need no allocation; the
            // weights vary along `axis` only and are broadcast over the other axes.
            let mut buf = [[W::Real::ZERO; 3]; BLOCK];
            let mut inner = inner;
            let mut shape = vec![1; f.ndim()];
            for b0 in (lo..hi).step_by(BLOCK) {
                let b1 = (b0 + BLOCK).min(hi);
                shape[axis] = b1 - b0;
                let w = stencil.weights(b0, b1, &mut buf);
                let weights = ArrayView1::from(w)
                    .into_shape_with_order(IxDyn(&shape))
                    .expect("weights are a contiguous vector");
                let block = inner.slice_axis_mut(ax, Slice::from(b0 - lo..b1 - lo));
                let weights = weights
                    .broadcast(block.raw_dim())
                    .expect("shapes agree along the axis");
                let at = |by: usize| {
                    f.slice_axis(ax, Slice::from(local(b0 + by - 1)..local(b1 + by - 1)))
                };
                Zip::from(block)
                    .and(at(0))
                    .and(at(1))
                    .and(at(2))
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
    use crate::core::spacing::{AxisSpacing, Coordinates, Step};
    use ndarray::{Array, ArrayD, ShapeBuilder, s};

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
        derivative(&f.view(), 0, out.view_mut(), 0, axis, (axis, st));
        out
    }

    #[test]
    fn every_window_agrees_with_the_whole_axis() {
        // Any sub-range of the axis, computed from a window holding just the samples it
        // needs, gives the same bits as the whole-array computation.
        let f = Array::from_shape_fn((9, 4), |(i, j)| ((i * 7 + j * 3) % 11) as f64 * 0.37 - 1.0)
            .into_dyn();
        for eo in [1, 2] {
            for coords in [false, true] {
                let st = stencil(9, eo, coords, 4);
                let AxisStencil::Native(s) = &st else {
                    panic!()
                };
                let whole = full(&f, 0, &st);
                // Weights computed on demand give the same bits as the table.
                assert_eq!(full(&f, 0, &stencil(9, eo, coords, 1)), whole);
                for a in 0..9 {
                    for b in a + 1..=9 {
                        let need_lo = if a == 0 {
                            0
                        } else if eo == 2 && a == 8 {
                            6
                        } else {
                            a - 1
                        };
                        let need_hi = if b == 9 {
                            9
                        } else if eo == 2 && b == 1 {
                            3
                        } else {
                            b + 1
                        };
                        let win = f.slice(s![need_lo..need_hi, ..]).into_dyn();
                        let mut out = ArrayD::zeros(IxDyn(&[b - a, 4]));
                        window::<f64, f64>(&win, need_lo, 0, s, out.view_mut(), a);
                        assert_eq!(
                            out,
                            whole.slice(s![a..b, ..]).into_dyn(),
                            "eo {eo} coords {coords} {a}..{b}"
                        );
                    }
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
        for axis in 0..3 {
            let n = base.shape()[axis];
            let st = stencil(n, 2, true, 2);
            let want = full(&base.clone().into_dyn(), axis, &st);
            assert_eq!(full(&fortran.clone().into_dyn(), axis, &st), want);
            // Reversing axes other than `axis` just permutes the result.
            let mut got = ArrayD::zeros(IxDyn(base.shape()));
            let view = reversed.slice(s![..;-1, .., ..;-1]).into_dyn();
            derivative(&view, 0, got.view_mut(), 0, axis, (axis, &st));
            assert_eq!(got, want);
            // An output with its own odd strides.
            let mut big = Array::zeros((10, 6, 14));
            {
                let o = big.slice_mut(s![..;2, .., ..;-2]).into_dyn();
                derivative(&base.view().into_dyn(), 0, o, 0, axis, (axis, &st));
            }
            assert_eq!(big.slice(s![..;2, .., ..;-2]).into_dyn(), want);
        }
    }
}
