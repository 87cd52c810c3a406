//! Blocks with halos: stitched block results equal the whole-array result bit for bit, for
//! random arrays, random chunkings (uneven, 1-wide, one chunk), every spacing form, both
//! edge orders and both schemes, every element type; and the halo widths and the block
//! checks by hand.

use ndgradient::ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, ShapeBuilder, SliceInfoElem};
use ndgradient::{
    Block, Complex, Coordinates, Element, GradError, Options, Plan, Scheme, Spacing, block_halo,
    gradient,
};

/// xorshift64*: a small, seeded generator, so that a failure is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A random chunking of `n` samples: the chunks' starts and lengths, covering `0..n`.
fn chunking(rng: &mut Rng, n: usize) -> Vec<(usize, usize)> {
    let mut cuts = vec![0];
    match rng.below(4) {
        0 => {}                                                 // one chunk
        1 => cuts.extend(1..n),                                 // 1-wide chunks
        _ => cuts.extend((1..n).filter(|_| rng.below(3) == 0)), // uneven
    }
    cuts.push(n);
    cuts.dedup();
    cuts.windows(2).map(|w| (w[0], w[1] - w[0])).collect()
}

/// Coordinates for an axis of `n`: irregular, exactly uniform, or uniform on a stretch
/// only (uniform inside a chunk's window, not globally).
fn coordinates(rng: &mut Rng, n: usize) -> Vec<f64> {
    let kind = rng.below(3);
    let mut x = 0.0;
    (0..n)
        .map(|i| {
            let step = match kind {
                0 => 0.25 + rng.unit(),
                1 => 0.5,
                _ if i < n / 2 => 0.5,
                _ => 0.75,
            };
            x += step;
            x
        })
        .collect()
}

/// Every block of a random chunking of `shape`, computed from the block and a halo of
/// `block_halo`'s widths (plus, sometimes, more), stitched, and compared bit for bit with
/// the whole-array result.
fn check<T: Element + Default + std::fmt::Debug>(
    rng: &mut Rng,
    f: &ArrayD<T>,
    spacing: &[Spacing<'_>],
    axes: Option<&[isize]>,
    edge_order: i32,
    scheme: Scheme,
) where
    T::Out: Default + std::fmt::Debug,
{
    let shape = f.shape().to_vec();
    let mut options = Options::new()
        .spacing(spacing)
        .edge_order(edge_order)
        .scheme(scheme);
    if let Some(axes) = axes {
        options = options.axes(axes);
    }
    let whole = match Plan::<T>::new(&shape, &options) {
        Ok(plan) => {
            let mut out: Vec<ArrayD<T::Out>> = (0..plan.outputs())
                .map(|_| ArrayD::default(IxDyn(&shape)))
                .collect();
            let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
            plan.execute(f.view(), &mut views).unwrap();
            drop(views);
            out
        }
        Err(e) => {
            // The same error for any block (here the whole array as one block).
            let zeros = vec![0; shape.len()];
            let block = Block::new(&shape, &zeros, &zeros, &zeros);
            let e2 = Plan::<T>::new(&shape, &options.clone().block(Some(block))).unwrap_err();
            assert_eq!(e, e2);
            return;
        }
    };
    let chunks: Vec<_> = shape.iter().map(|&n| chunking(rng, n)).collect();
    let mut stitched: Vec<ArrayD<T::Out>> = (0..whole.len())
        .map(|_| ArrayD::default(IxDyn(&shape)))
        .collect();
    // Every combination of chunks: an odometer over the axes.
    let mut index = vec![0; shape.len()];
    loop {
        let start: Vec<usize> = (0..shape.len()).map(|k| chunks[k][index[k]].0).collect();
        let len: Vec<usize> = (0..shape.len()).map(|k| chunks[k][index[k]].1).collect();
        let (mut before, mut after) = block_halo(&shape, &start, &len, &options).unwrap();
        // Sometimes a wider halo than needed (as far as the global array allows).
        for k in 0..shape.len() {
            if rng.below(3) == 0 {
                before[k] = start[k].min(before[k] + rng.below(3));
                after[k] = (shape[k] - start[k] - len[k]).min(after[k] + rng.below(3));
            }
        }
        let block = Block::new(&shape, &start, &before, &after);
        let plan = Plan::<T>::new(&len, &options.clone().block(Some(block))).unwrap();
        let window = |_: usize, lo: usize, hi: usize| SliceInfoElem::Slice {
            start: lo as isize,
            end: Some(hi as isize),
            step: 1,
        };
        let input: Vec<_> = (0..shape.len())
            .map(|k| window(k, start[k] - before[k], start[k] + len[k] + after[k]))
            .collect();
        let input: ArrayViewD<'_, T> = f.slice(input.as_slice());
        assert_eq!(plan.input_shape(), input.shape());
        // The block and halo read in place, or copied into C or Fortran order, or into
        // memory laid out backwards along one axis (a negative stride); outputs in C or
        // Fortran order.
        let layout = rng.below(5);
        let copy = |fortran: bool, invert: Option<usize>| {
            let dim = IxDyn(input.shape());
            let mut c = match fortran {
                true => ArrayD::default(dim.f()),
                false => ArrayD::default(dim),
            };
            if let Some(k) = invert {
                c.invert_axis(Axis(k));
            }
            c.assign(&input);
            c
        };
        let copied = match layout {
            1 => Some(copy(true, None)),
            2 => Some(copy(false, Some(rng.below(shape.len())))),
            3 => Some(copy(false, None)),
            _ => None,
        };
        let input = copied.as_ref().map_or(input, |c| c.view());
        let fortran_out = rng.below(2) == 0;
        let mut out: Vec<ArrayD<T::Out>> = (0..plan.outputs())
            .map(|_| match fortran_out {
                true => ArrayD::default(IxDyn(&len).f()),
                false => ArrayD::default(IxDyn(&len)),
            })
            .collect();
        let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
        plan.execute(input, &mut views).unwrap();
        drop(views);
        let place: Vec<_> = (0..shape.len())
            .map(|k| window(k, start[k], start[k] + len[k]))
            .collect();
        for (s, o) in stitched.iter_mut().zip(&out) {
            s.slice_mut(place.as_slice()).assign(o);
        }
        // Next block.
        let mut k = shape.len();
        loop {
            if k == 0 {
                let bits = |a: &ArrayD<T::Out>| format!("{a:?}");
                for (s, w) in stitched.iter().zip(&whole) {
                    // Debug prints every digit of every float: equal strings, equal bits
                    // (up to the sign of NaN payloads, which the data here has none of).
                    assert_eq!(
                        bits(s),
                        bits(w),
                        "shape {shape:?} chunks {chunks:?} edge_order {edge_order}"
                    );
                }
                return;
            }
            k -= 1;
            index[k] += 1;
            if index[k] < chunks[k].len() {
                break;
            }
            index[k] = 0;
        }
    }
}

fn random_array<T>(rng: &mut Rng, shape: &[usize], make: impl Fn(f64) -> T) -> ArrayD<T> {
    ArrayD::from_shape_simple_fn(IxDyn(shape), || make((rng.unit() - 0.5) * 64.0))
}

#[test]
fn stitched_blocks_give_the_whole_arrays_bits() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..300 {
        let ndim = 1 + rng.below(3);
        let shape: Vec<usize> = (0..ndim).map(|_| 1 + rng.below(9)).collect();
        let edge_order = 1 + case % 2;
        let scheme = match rng.below(5) {
            0 => Scheme::Matlab,
            _ => Scheme::Numpy,
        };
        let edge_order = if scheme == Scheme::Matlab {
            1
        } else {
            edge_order
        };
        let axes: Option<Vec<isize>> = match rng.below(3) {
            0 => Some(vec![(rng.below(ndim) as isize) - ndim as isize]),
            _ => None,
        };
        let n_axes = axes.as_ref().map_or(ndim, |a| a.len());
        let axis_of = |i: usize| match &axes {
            Some(a) => (a[i] + ndim as isize) as usize % ndim,
            None => i,
        };
        let xs: Vec<Vec<f64>> = (0..n_axes)
            .map(|i| coordinates(&mut rng, shape[axis_of(i)]))
            .collect();
        let xf: Vec<Vec<f32>> = xs
            .iter()
            .map(|x| x.iter().map(|&v| v as f32).collect())
            .collect();
        let spacing: Vec<Spacing<'_>> = match rng.below(5) {
            0 => vec![],
            1 => vec![Spacing::Scalar(0.1 + rng.unit())],
            2 => vec![Spacing::ScalarF32(0.3)],
            _ => (0..n_axes)
                .map(|i| match rng.below(4) {
                    0 => Spacing::Coordinates(Coordinates::F32(xf[i].as_slice().into())),
                    1 => Spacing::ScalarF64(0.7),
                    _ => Spacing::Coordinates(Coordinates::F64(xs[i].as_slice().into())),
                })
                .collect(),
        };
        let axes = axes.as_deref();
        match case % 4 {
            0 => {
                let f = random_array(&mut rng, &shape, |v| v);
                check::<f64>(&mut rng, &f, &spacing, axes, edge_order, scheme);
            }
            1 => {
                let f = random_array(&mut rng, &shape, |v| v as f32);
                check::<f32>(&mut rng, &f, &spacing, axes, edge_order, scheme);
            }
            2 => {
                let f = random_array(&mut rng, &shape, |v| Complex::new(v, -v * 0.5));
                check::<Complex<f64>>(&mut rng, &f, &spacing, axes, edge_order, scheme);
            }
            _ => {
                let f = random_array(&mut rng, &shape, |v| v as i16);
                check::<i16>(&mut rng, &f, &spacing, axes, edge_order, scheme);
            }
        }
    }
}

#[test]
fn large_blocks_on_threads_give_the_whole_arrays_bits() {
    // Blocks large enough for the thread split (2 x ELEMENTS_PER_THREAD and more), with
    // halos on one axis (the fused sweep) and on both (the general path).
    let mut rng = Rng(7);
    let shape = [700, 1100];
    let f = random_array(&mut rng, &shape, |v| v);
    let x: Vec<f64> = coordinates(&mut rng, 1100);
    let spacing = [
        Spacing::Scalar(0.5),
        Spacing::Coordinates(Coordinates::F64(x.as_slice().into())),
    ];
    for edge_order in [1, 2] {
        let options = Options::new()
            .spacing(&spacing)
            .edge_order(edge_order)
            .threads(3);
        let want = gradient(f.view(), &spacing, None, edge_order).unwrap();
        for (start, len) in [
            ([0, 0], [700, 1100]),
            ([1, 0], [698, 1100]),
            ([5, 3], [600, 1096]),
        ] {
            let (before, after) = block_halo(&shape, &start, &len, &options).unwrap();
            let block = Block::new(&shape, &start, &before, &after);
            let plan = Plan::<f64>::new(&len, &options.clone().block(Some(block))).unwrap();
            let input = f.slice(ndgradient::ndarray::s![
                start[0] - before[0]..start[0] + len[0] + after[0],
                start[1] - before[1]..start[1] + len[1] + after[1]
            ]);
            let mut out = [ArrayD::zeros(IxDyn(&len)), ArrayD::zeros(IxDyn(&len))];
            let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
            plan.execute(input.into_dyn(), &mut views).unwrap();
            for (o, w) in out.iter().zip(&want) {
                let w = w.slice(ndgradient::ndarray::s![
                    start[0]..start[0] + len[0],
                    start[1]..start[1] + len[1]
                ]);
                assert!(
                    o.iter()
                        .zip(w.iter())
                        .all(|(a, b)| a.to_bits() == b.to_bits())
                );
            }
        }
    }
}

#[test]
fn halo_widths_by_hand() {
    let eo = |e| Options::new().edge_order(e);
    // Interior blocks read one sample each side along each differentiated axis.
    assert_eq!(
        block_halo(&[10, 8], &[3, 2], &[4, 3], &eo(1)).unwrap(),
        (vec![1, 1], vec![1, 1])
    );
    // Blocks touching a global edge need nothing beyond it.
    assert_eq!(
        block_halo(&[10, 8], &[0, 5], &[10, 3], &eo(2)).unwrap(),
        (vec![0, 1], vec![0, 0])
    );
    // Edge order 2 next to an edge: the edge formula reads three samples from the edge.
    assert_eq!(
        block_halo(&[10], &[0], &[1], &eo(2)).unwrap(),
        (vec![0], vec![2])
    );
    assert_eq!(
        block_halo(&[10], &[0], &[2], &eo(2)).unwrap(),
        (vec![0], vec![1])
    );
    assert_eq!(
        block_halo(&[10], &[8], &[2], &eo(2)).unwrap(),
        (vec![1], vec![0])
    );
    assert_eq!(
        block_halo(&[10], &[9], &[1], &eo(1)).unwrap(),
        (vec![1], vec![0])
    );
    // Only the requested axes; an empty block needs nothing.
    let axis1 = Options::new().axes(&[-1]);
    assert_eq!(
        block_halo(&[10, 8], &[3, 2], &[4, 3], &axis1).unwrap(),
        (vec![0, 1], vec![0, 1])
    );
    assert_eq!(
        block_halo(&[10, 8], &[3, 2], &[0, 3], &eo(1)).unwrap(),
        (vec![0, 0], vec![0, 0])
    );
    // The MATLAB scheme on a length-1 axis reads nothing.
    let matlab = Options::new().scheme(Scheme::Matlab);
    assert_eq!(
        block_halo(&[1, 5], &[0, 1], &[1, 2], &matlab).unwrap(),
        (vec![0, 1], vec![0, 1])
    );
}

#[test]
fn block_checks_in_order() {
    let options = Options::new();
    let plan = |len: &[usize], block: Block, options: &Options<'_>| {
        Plan::<f64>::new(len, &options.clone().block(Some(block))).unwrap_err()
    };
    // Lists of the wrong length, a block outside the global array, a halo outside it.
    assert!(matches!(
        plan(&[2], Block::new(&[5, 5], &[0], &[0], &[0]), &options),
        GradError::InvalidBlock { axis: None, .. }
    ));
    assert!(matches!(
        plan(&[4], Block::new(&[5], &[2], &[1], &[0]), &options),
        GradError::InvalidBlock { axis: Some(0), .. }
    ));
    assert!(matches!(
        plan(&[2], Block::new(&[5], &[1], &[2], &[1]), &options),
        GradError::InvalidBlock { axis: Some(0), .. }
    ));
    assert!(matches!(
        plan(&[2], Block::new(&[5], &[1], &[1], &[3]), &options),
        GradError::InvalidBlock { axis: Some(0), .. }
    ));
    assert!(matches!(
        block_halo(&[5], &[usize::MAX], &[2], &options).unwrap_err(),
        GradError::InvalidBlock { axis: Some(0), .. }
    ));
    // numpy's checks apply to the global shape, after the block's own.
    assert_eq!(
        plan(
            &[1],
            Block::new(&[2], &[0], &[0], &[1]),
            &options.clone().edge_order(2)
        ),
        GradError::AxisTooShort {
            axis: 0,
            len: 2,
            edge_order: 2
        }
    );
    let x = [0.0, 1.0, 3.0];
    let coords = [Spacing::Coordinates(Coordinates::F64(x.as_slice().into()))];
    assert_eq!(
        plan(
            &[2],
            Block::new(&[5], &[1], &[1], &[1]),
            &options.clone().spacing(&coords)
        ),
        GradError::CoordinatesLength {
            axis: 0,
            len: 3,
            expected: 5
        }
    );
    // Then the halo.
    assert_eq!(
        plan(&[2], Block::new(&[5], &[1], &[0], &[1]), &options),
        GradError::HaloTooSmall {
            axis: 0,
            after: false,
            given: 0,
            needed: 1
        }
    );
    assert_eq!(
        plan(
            &[1],
            Block::new(&[5], &[0], &[0], &[1]),
            &options.clone().edge_order(2)
        ),
        GradError::HaloTooSmall {
            axis: 0,
            after: true,
            given: 1,
            needed: 2
        }
    );
    // Execution checks the input against the block and its halo.
    let block = Block::new(&[5], &[1], &[1], &[1]);
    let p = Plan::<f64>::new(&[2], &options.clone().block(Some(block))).unwrap();
    assert_eq!((p.shape(), p.input_shape()), (&[2][..], &[4][..]));
    let f = ndgradient::ndarray::arr1(&[1.0, 2.0, 4.0]);
    let mut out = ndgradient::ndarray::Array1::zeros(2);
    assert_eq!(
        p.execute(f.view(), &mut [out.view_mut()]).unwrap_err(),
        GradError::InputShape {
            shape: vec![3],
            expected: vec![4]
        }
    );
    // [1, 2, 4, 7] around global samples 1 and 2 of a length-5 axis: central differences.
    let f = ndgradient::ndarray::arr1(&[1.0, 2.0, 4.0, 7.0]);
    p.execute(f.view(), &mut [out.view_mut()]).unwrap();
    assert_eq!(out, ndgradient::ndarray::arr1(&[1.5, 2.5]));
}
