//! The plan/execute split, as FFTW has it: [`Options`] say what to compute besides the
//! data (spacing, axes, edge order, threads); a [`Plan`] is made once for an element type
//! and a shape, performing every check and computing every coefficient; executing it on
//! data does only the work that depends on the data.
//!
//! The one-call functions ([`gradient_into`](super::gradient_into) and the rest) make a
//! plan and execute it once.
//!
//! A plan may compute one [`Block`] of a larger array, from the block and a halo around
//! it: the block contract (what is global, how wide the halo must be) is written here,
//! with [`block_halo`](super::block_halo) which answers the widths.

use super::stencil::AxisStencil;
use super::value::Value;
use super::{Element, GradError, Jobs, PerAxis, Spacing, fused, useful_threads};
use ndarray::{ArrayView, ArrayViewD, ArrayViewMut, ArrayViewMutD, Dimension, IxDyn, ShapeBuilder};
use std::marker::PhantomData;

/// Which finite-difference formulas a gradient uses.
///
/// # Threads
/// A plain value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// numpy.gradient's, bit for bit (the default): second-order interior, `edge_order` 1
    /// or 2, axes of at least `edge_order + 1` samples.
    #[default]
    Numpy,
    /// MATLAB's `gradient`: the same formulas on uniform steps (numpy's with `edge_order`
    /// 1), but on non-uniform coordinates the first-order interior quotient
    /// `(f[i+1] - f[i-1]) / (x[i+1] - x[i-1])` (numpy's is a second-order three-point
    /// sum); first-order one-sided edges, so `edge_order` must be 1
    /// ([`GradError::SchemeEdgeOrder`](super::GradError::SchemeEdgeOrder) otherwise); an
    /// axis of length 1 has the derivative zero instead of an error. The arithmetic's
    /// precision follows numpy's rules, as for [`Scheme::Numpy`].
    Matlab,
}

/// What a gradient computes besides the data, as numpy.gradient's arguments other than `f`
/// say it, plus the thread count. Built with setters, so that options can be added
/// without changing the existing ones. The defaults are numpy's: unit spacing, every axis,
/// `edge_order` 1; and the calling thread only.
///
/// Nothing is checked here: [`Plan::new`] checks the options against the shape, in
/// numpy's order.
///
/// # Threads
/// A plain value: `Send` and `Sync` when its coordinate views are.
#[derive(Clone, Debug)]
pub struct Options<'a> {
    spacing: Vec<Spacing<'a>>,
    axes: Option<Vec<isize>>,
    edge_order: i32,
    threads: usize,
    scheme: Scheme,
    block: Option<Block>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options::new()
    }
}

impl<'a> Options<'a> {
    /// numpy's defaults: unit spacing on every axis, `edge_order` 1, one thread.
    pub fn new() -> Self {
        Options {
            spacing: Vec::new(),
            axes: None,
            edge_order: 1,
            threads: 1,
            scheme: Scheme::Numpy,
            block: None,
        }
    }

    /// numpy's `*varargs`: empty (unit spacing), one scalar [`Spacing`] for every requested
    /// axis, or exactly one entry per requested axis, in the order of the axes (scalars and
    /// coordinate arrays mixed freely). Coordinate arrays are borrowed for `'a`.
    pub fn spacing(mut self, spacing: &[Spacing<'a>]) -> Self {
        self.spacing = spacing.to_vec();
        self
    }

    /// numpy's `axis`: the axes to differentiate, in any order, negative values counting
    /// from the end. Output `k` is the derivative along `axes[k]`. An empty list requests
    /// nothing.
    pub fn axes(mut self, axes: &[isize]) -> Self {
        self.axes = Some(axes.to_vec());
        self
    }

    /// numpy's `axis=None` (the default): every axis, in order.
    pub fn all_axes(mut self) -> Self {
        self.axes = None;
        self
    }

    /// numpy's `edge_order`: 1 or 2, the accuracy order of the one-sided differences at
    /// both ends of each axis. Other values are refused by [`Plan::new`].
    pub fn edge_order(mut self, edge_order: i32) -> Self {
        self.edge_order = edge_order;
        self
    }

    /// The formulas: [`Scheme::Numpy`] (the default) or [`Scheme::Matlab`]. Checked with
    /// the edge order by [`Plan::new`].
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Computes one block of a larger array (see [`Block`]): a plan made with these options
    /// takes the block's shape, and its input is the block with its halo. `None` (the
    /// default): the whole array.
    pub fn block(mut self, block: Option<Block>) -> Self {
        self.block = block;
        self
    }

    /// Up to `threads` threads per execution (0 and 1: the calling thread only), at most
    /// one per [`ELEMENTS_PER_THREAD`](super::ELEMENTS_PER_THREAD) elements. Threads are
    /// started and joined within each execution; the bits never depend on their number.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }
}

/// One block of a larger ("global") array, for computing a gradient piece by piece (Dask
/// chunks, MPI ranks): the block's outputs are the corresponding block of the whole-array
/// gradient, bit for bit, computed from the block and a halo of neighbouring samples.
///
/// The contract, per axis `k` of the global array:
/// - the outputs cover global indices `start[k] .. start[k] + shape[k]`, where `shape` is
///   the shape the plan is made for (the block's own shape);
/// - the input covers `start[k] - halo_before[k] .. start[k] + shape[k] + halo_after[k]`:
///   the block and its halo, which lies inside the global array (`halo_before[k] <=
///   start[k]`, and the end within `global_shape[k]`);
/// - everything else is global: the spacing (scalars, or coordinate arrays of the global
///   axis's length), numpy's checks (axis lengths, coordinate lengths), and numpy's
///   decisions over a whole axis (such as treating exactly uniform coordinates as one
///   step) are those of the whole array, never of the block;
/// - the halo must be at least what [`block_halo`](super::block_halo) answers for the
///   block (0 along an axis not differentiated, at most the stencil's reach otherwise,
///   less where the block touches a global edge); a wider halo is accepted.
///
/// Checked by [`Plan::new`]: [`GradError::InvalidBlock`] if the lists do not have one
/// entry per axis or the block or its halo leaves the global array (checked first),
/// [`GradError::HaloTooSmall`] after numpy's checks.
///
/// # Threads
/// A plain value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Block {
    global_shape: PerAxis<usize>,
    start: PerAxis<usize>,
    halo_before: PerAxis<usize>,
    halo_after: PerAxis<usize>,
}

impl Block {
    /// A block at global index `start` of an array of `global_shape`, its input holding
    /// `halo_before[k]` samples before it and `halo_after[k]` after it along each axis `k`
    /// (in elements). Nothing is checked here: [`Plan::new`] checks it against the
    /// block's shape.
    pub fn new(
        global_shape: &[usize],
        start: &[usize],
        halo_before: &[usize],
        halo_after: &[usize],
    ) -> Self {
        Block {
            global_shape: PerAxis::from_slice(global_shape),
            start: PerAxis::from_slice(start),
            halo_before: PerAxis::from_slice(halo_before),
            halo_after: PerAxis::from_slice(halo_after),
        }
    }

    /// The global array's shape.
    pub fn global_shape(&self) -> &[usize] {
        &self.global_shape
    }

    /// The global index of the block's first element along each axis.
    pub fn start(&self) -> &[usize] {
        &self.start
    }

    /// The halo before the block along each axis, in elements.
    pub fn halo_before(&self) -> &[usize] {
        &self.halo_before
    }

    /// The halo after the block along each axis, in elements.
    pub fn halo_after(&self) -> &[usize] {
        &self.halo_after
    }

    /// The shape of the input (the block and its halo) for a block of `shape`.
    ///
    /// # Errors
    /// [`GradError::InvalidBlock`]: a list's length differs from `shape`'s, or along an
    /// axis the block or its halo reaches outside the global array.
    pub fn input_shape(&self, shape: &[usize]) -> Result<Vec<usize>, GradError> {
        let ndim = shape.len();
        let lists = [
            ("global_shape", self.global_shape.len()),
            ("start", self.start.len()),
            ("halo_before", self.halo_before.len()),
            ("halo_after", self.halo_after.len()),
        ];
        if let Some((name, len)) = lists.iter().find(|(_, len)| *len != ndim) {
            return Err(GradError::InvalidBlock {
                axis: None,
                detail: format!("{name} has {len} entries but the block has {ndim} axes"),
            });
        }
        (0..ndim)
            .map(|k| {
                let (n, start, len) = (self.global_shape[k], self.start[k], shape[k]);
                let (before, after) = (self.halo_before[k], self.halo_after[k]);
                let fault = |detail: String| GradError::InvalidBlock {
                    axis: Some(k),
                    detail,
                };
                let end = (start.checked_add(len))
                    .filter(|&end| end <= n)
                    .ok_or_else(|| {
                        fault(format!(
                            "the block covers {start}..{start}+{len} of a global length {n}"
                        ))
                    })?;
                if before > start {
                    return Err(fault(format!(
                        "halo_before {before} reaches before the global start (the block starts at {start})"
                    )));
                }
                if after > n - end {
                    return Err(fault(format!(
                        "halo_after {after} reaches past the global end (the block ends at {end} of {n})"
                    )));
                }
                Ok(before + len + after)
            })
            .collect()
    }
}

/// The halo a block of `shape` at global index `start` of an array of `global_shape` needs
/// for a gradient with `options` (its spacing, axes, edge order and scheme; a block in
/// them is ignored): `(before, after)`, the samples needed before and after the block
/// along each axis, in elements. It is 0 along an axis not differentiated and where the
/// block touches the global edge on that side; otherwise the reach of the stencil: 1 for
/// the interior formula, and 2 with `edge_order` 2 for a block of a single sample at a
/// global edge (the edge formula there reads 3 samples). An empty block needs none.
///
/// ```
/// use ndgradient::{block_halo, Options};
/// let options = Options::new().edge_order(2);
/// // The last sample of a 10 x 10 array, alone: its edge formula reads rows 7, 8, 9.
/// let (before, after) = block_halo(&[10, 10], &[9, 0], &[1, 10], &options).unwrap();
/// assert_eq!((before, after), (vec![2, 0], vec![0, 0]));
/// ```
///
/// # Errors
/// As [`Plan::new`] with a block of zero halos, but for `HaloTooSmall`: `InvalidBlock`,
/// then numpy's checks on the global shape, then `OutOfMemory`.
///
/// # Threads
/// Pure function of its arguments.
pub fn block_halo(
    global_shape: &[usize],
    start: &[usize],
    shape: &[usize],
    options: &Options<'_>,
) -> Result<(Vec<usize>, Vec<usize>), GradError> {
    let zeros = vec![0; shape.len()];
    Block::new(global_shape, start, &zeros, &zeros).input_shape(shape)?;
    let mut jobs = Jobs::<f64>::empty();
    let (spacing, axes) = (&options.spacing, options.axes.as_deref());
    // Only the stencils' geometry is needed: made as for a block of one lane (empty if the
    // block is), no coefficient table is built.
    let one_lane: PerAxis<usize> = shape.iter().map(|&n| n.min(1)).collect();
    jobs.fill(
        global_shape,
        &one_lane,
        spacing,
        axes,
        options.edge_order,
        options.scheme,
    )?;
    let (mut before, mut after) = (zeros.clone(), zeros);
    for (axis, stencil) in &jobs.jobs {
        (before[*axis], after[*axis]) = stencil_halo(stencil, start[*axis], shape[*axis]);
    }
    Ok((before, after))
}

/// Where a plan's input and outputs lie in the global array: the first global index of
/// each along every axis (all zeros for a plan of the whole array).
#[derive(Clone, Debug, Default)]
struct Placement {
    input_shape: PerAxis<usize>,
    f_start: PerAxis<usize>,
    out_start: PerAxis<usize>,
}

/// The halo each side of a stencil's outputs `start..start + len` along its axis needs:
/// what its `input_range` reaches beyond them.
pub(crate) fn stencil_halo<V: Value>(
    stencil: &AxisStencil<'_, V>,
    start: usize,
    len: usize,
) -> (usize, usize) {
    if len == 0 {
        return (0, 0);
    }
    let reads = stencil.input_range(start..start + len);
    (start - reads.start, reads.end - (start + len))
}

/// A gradient made ready for one element type `T` and one shape: every check of numpy's
/// is done and every coefficient computed when it is made, so executing it on data only
/// checks the arrays' shapes and computes.
///
/// ```
/// use ndgradient::{Options, Plan, Spacing};
/// use ndgradient::ndarray::{Array2, arr2};
/// let options = Options::new().spacing(&[Spacing::Scalar(0.5)]).axes(&[1]);
/// let plan = Plan::<f64>::new(&[2, 3], &options).unwrap();
/// let mut out = [Array2::zeros((2, 3))];
/// for step in 0..3 {
///     let f = arr2(&[[0.0, 1.0, 4.0], [1.0, 2.0, 3.0]]) * f64::from(step);
///     let mut views = [out[0].view_mut()];
///     plan.execute(f.view(), &mut views).unwrap();
/// }
/// assert_eq!(out[0], arr2(&[[4.0, 8.0, 12.0], [4.0, 4.0, 4.0]]));
/// ```
///
/// # Threads
/// `Send` and `Sync`: any number of threads may execute one plan at the same time (on
/// outputs no other execution writes).
#[derive(Debug)]
pub struct Plan<'a, T: Element> {
    shape: PerAxis<usize>,
    jobs: Jobs<'a, T::Out>,
    threads: usize,
    /// `Some` for a plan of one block of a larger array.
    place: Option<Box<Placement>>,
    element: PhantomData<fn(T)>,
}

impl<'a, T: Element> Plan<'a, T> {
    /// Makes the plan for arrays of `shape` (any number of axes); with a [`Block`] in the
    /// options, for a block of that shape (the outputs' shape), whose input is the block
    /// with its halo ([`Plan::input_shape`]).
    ///
    /// # Errors
    /// With a block, first `InvalidBlock`. Then every error of numpy.gradient, in numpy's
    /// order, for an array of `shape` or the block's global shape (see [`GradError`]):
    /// `AxisOutOfBounds`, `RepeatedAxis`, `SpacingCount`, `CoordinatesLength`,
    /// `CoordinatesTooShort`, `EdgeOrder`, `AxisTooShort`; `OutOfMemory` if a coefficient
    /// table (one entry per point of a non-uniform axis) cannot be allocated; with a
    /// block, last, `HaloTooSmall`. Under [`Scheme::Matlab`], `SchemeEdgeOrder` replaces
    /// `EdgeOrder` and there is no `AxisTooShort`.
    pub fn new(shape: &[usize], options: &Options<'a>) -> Result<Self, GradError> {
        let mut plan = Plan::empty(shape, options.threads);
        let (spacing, axes) = (&options.spacing, options.axes.as_deref());
        let (edge_order, scheme) = (options.edge_order, options.scheme);
        match &options.block {
            None => plan.fill_scheme(spacing, axes, edge_order, scheme)?,
            Some(block) => plan.fill_block(block, spacing, axes, edge_order, scheme)?,
        }
        Ok(plan)
    }

    /// The plan of one block (see [`Block`]): its checks in order, then the stencils of the
    /// global axes.
    fn fill_block(
        &mut self,
        block: &Block,
        spacing: &[Spacing<'a>],
        axes: Option<&[isize]>,
        edge_order: i32,
        scheme: Scheme,
    ) -> Result<(), GradError> {
        let input_shape = block.input_shape(&self.shape)?;
        let global = block.global_shape();
        self.jobs
            .fill(global, &self.shape, spacing, axes, edge_order, scheme)?;
        let thin = self.jobs.jobs.iter().find_map(|(axis, stencil)| {
            let (before, after) = stencil_halo(stencil, block.start[*axis], self.shape[*axis]);
            let sides = [
                (false, block.halo_before[*axis], before),
                (true, block.halo_after[*axis], after),
            ];
            let side = sides.into_iter().find(|(_, given, needed)| given < needed);
            side.map(|(after, given, needed)| GradError::HaloTooSmall {
                axis: *axis,
                after,
                given,
                needed,
            })
        });
        if let Some(e) = thin {
            self.jobs = Jobs::empty();
            return Err(e);
        }
        let f_start = (block.start.iter().zip(&block.halo_before))
            .map(|(s, b)| s - b)
            .collect();
        self.place = Some(Box::new(Placement {
            input_shape: input_shape.into_iter().collect(),
            f_start,
            out_start: block.start.clone(),
        }));
        Ok(())
    }

    /// [`Plan::new`] from the options' parts, borrowed: a one-call function's plan, made
    /// without allocating for them.
    pub fn build(
        shape: &[usize],
        spacing: &[Spacing<'a>],
        axes: Option<&[isize]>,
        edge_order: i32,
        threads: usize,
    ) -> Result<Self, GradError> {
        let mut plan = Plan::empty(shape, threads);
        plan.fill(spacing, axes, edge_order)?;
        Ok(plan)
    }

    /// A plan for `shape` and `threads` with no outputs yet: [`Plan::fill`] completes it.
    /// With `fill`, a caller builds a plan where it keeps it, without moving it (several
    /// hundred bytes), which a call on a small array would notice.
    pub fn empty(shape: &[usize], threads: usize) -> Self {
        Plan {
            shape: PerAxis::from_slice(shape),
            jobs: Jobs::empty(),
            threads,
            place: None,
            element: PhantomData,
        }
    }

    /// Performs numpy's checks and computes the coefficients for `spacing`, `axes` and
    /// `edge_order` (see [`Plan::new`]).
    ///
    /// # Errors
    /// As [`Plan::new`]; the plan then has no outputs.
    pub fn fill(
        &mut self,
        spacing: &[Spacing<'a>],
        axes: Option<&[isize]>,
        edge_order: i32,
    ) -> Result<(), GradError> {
        self.fill_scheme(spacing, axes, edge_order, Scheme::Numpy)
    }

    /// [`Plan::fill`] with the formulas of `scheme`.
    ///
    /// # Errors
    /// As [`Plan::new`]; the plan then has no outputs.
    pub fn fill_scheme(
        &mut self,
        spacing: &[Spacing<'a>],
        axes: Option<&[isize]>,
        edge_order: i32,
        scheme: Scheme,
    ) -> Result<(), GradError> {
        self.place = None;
        self.jobs
            .fill(&self.shape, &self.shape, spacing, axes, edge_order, scheme)
    }

    /// The shape the plan was made for: the outputs' shape (with a [`Block`], the block's).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The shape of the input: [`Plan::shape`], or with a [`Block`] the block and its halo.
    pub fn input_shape(&self) -> &[usize] {
        match &self.place {
            Some(place) => &place.input_shape,
            None => &self.shape,
        }
    }

    /// How many outputs an execution writes: one per requested axis.
    pub fn outputs(&self) -> usize {
        self.jobs.outputs
    }

    /// Computes the gradient of `f` into `out`, as `numpy.gradient` would with the plan's
    /// options, bit for bit: `out[k]` receives the derivative along the k-th requested
    /// axis (with a [`Block`], the block of the whole array's derivative). `f` and the
    /// outputs may have any layout (strides, negative ones included).
    ///
    /// # Errors
    /// `InputShape` if `f`'s shape is not [`Plan::input_shape`], `OutputCount` if `out`
    /// does not hold one array per requested axis, `OutputShape` if an output's shape is
    /// not [`Plan::shape`]. On error nothing is written.
    pub fn execute<D: Dimension>(
        &self,
        f: ArrayView<'_, T, D>,
        out: &mut [ArrayViewMut<'_, T::Out, D>],
    ) -> Result<(), GradError> {
        self.check_outputs(out.len())?;
        if f.shape() != self.input_shape() {
            return Err(GradError::InputShape {
                shape: f.shape().to_vec(),
                expected: self.input_shape().to_vec(),
            });
        }
        let shape = &self.shape[..];
        if let Some((output, o)) = out.iter().enumerate().find(|(_, o)| o.shape() != shape) {
            return Err(GradError::OutputShape {
                output,
                shape: o.shape().to_vec(),
                expected: self.shape.to_vec(),
            });
        }
        self.run(&f, out.iter_mut().map(|o| o.view_mut()));
        Ok(())
    }

    /// Computes checked arrays, placed in the global array if the plan is a block's.
    fn run<'o, D: Dimension>(
        &self,
        f: &ArrayView<'_, T, D>,
        out: impl Iterator<Item = ArrayViewMut<'o, T::Out, D>>,
    ) {
        let threads = useful_threads(f.len(), self.threads);
        let whole: PerAxis<usize>;
        let (f_start, out_start) = match &self.place {
            Some(place) => (&place.f_start, &place.out_start),
            None => {
                whole = self.shape.iter().map(|_| 0).collect();
                (&whole, &whole)
            }
        };
        self.jobs.run(f, out, threads, f_start, out_start);
    }

    /// [`Plan::execute`] on a dense array and dense outputs given as slices of their
    /// elements in memory order, which spares a call on a small array the cost of views.
    /// `f` and every output have the plan's shape and the same `strides` (in elements; any
    /// value on an axis of length 1), no negative stride on a longer axis, and no gap or
    /// overlap between their elements: the layout of a C or Fortran array, or any
    /// permutation of its axes; each slice holds exactly `prod(shape)` elements.
    ///
    /// # Errors
    /// `OutputCount` if `out` does not hold one slice per requested axis; `InputShape` for
    /// a [`Block`]'s plan whose input has a halo (its shape is not the outputs': use
    /// [`Plan::execute`]).
    ///
    /// # Panics
    /// If the slices do not have that layout (the caller's contract).
    pub fn execute_dense(
        &self,
        f: &[T],
        strides: &[isize],
        out: &mut [&mut [T::Out]],
    ) -> Result<(), GradError> {
        self.check_outputs(out.len())?;
        let jobs = &self.jobs.jobs;
        if jobs.is_empty() {
            return Ok(());
        }
        let shape = &self.shape[..];
        if self.input_shape() != shape {
            return Err(GradError::InputShape {
                shape: shape.to_vec(),
                expected: self.input_shape().to_vec(),
            });
        }
        let threads = useful_threads(f.len(), self.threads);
        if threads <= 1 && self.place.is_none() && fused::sweep_dense(f, shape, strides, out, jobs)
        {
            return Ok(());
        }
        // Threads, or more axes than the sweep takes: as views.
        let strides: PerAxis<usize> = (strides.iter().zip(shape))
            .map(|(&s, &n)| if n > 1 { s as usize } else { 0 })
            .collect();
        let dim = || IxDyn(shape).strides(IxDyn(&strides));
        let contract = "dense slices of the plan's shape and the strides given";
        let f = ArrayViewD::from_shape(dim(), f).expect(contract);
        let out = out
            .iter_mut()
            .map(|o| ArrayViewMutD::from_shape(dim(), o).expect(contract));
        self.run(&f, out);
        Ok(())
    }

    /// `given` outputs must be one per requested axis.
    fn check_outputs(&self, given: usize) -> Result<(), GradError> {
        match given == self.jobs.outputs {
            true => Ok(()),
            false => Err(GradError::OutputCount {
                given,
                expected: self.jobs.outputs,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Coordinates, gradient};
    use ndarray::{Array1, Array2, Array3, ShapeBuilder, arr1};

    fn data(shape: (usize, usize), seed: usize) -> Array2<f64> {
        Array2::from_shape_fn(shape, |(i, j)| {
            (((i * 31 + j * 7 + seed * 13) * 2654435761) % 1000) as f64 / 8.0
        })
    }

    #[test]
    fn a_plan_executed_many_times_gives_the_one_call_bits() {
        let x = Array1::from_shape_fn(9, |j| j as f64 + (j % 3) as f64 * 0.25);
        let spacing = [
            Spacing::Coordinates(Coordinates::F64(x.view())),
            Spacing::ScalarF64(0.3),
        ];
        let options = Options::new()
            .spacing(&spacing)
            .axes(&[-1, 0])
            .edge_order(2);
        let plan = Plan::<f64>::new(&[7, 9], &options).unwrap();
        assert_eq!((plan.shape(), plan.outputs()), (&[7, 9][..], 2));
        for seed in 0..4 {
            let f = data((7, 9), seed);
            let want = gradient(f.view(), &spacing, Some(&[-1, 0]), 2).unwrap();
            // Outputs in Fortran order: any layout will do.
            let mut out = [Array2::zeros((7, 9).f()), Array2::zeros((7, 9).f())];
            let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
            plan.execute(f.view(), &mut views).unwrap();
            assert_eq!(out[0], want[0], "seed {seed}");
            assert_eq!(out[1], want[1], "seed {seed}");
        }
    }

    #[test]
    fn options_are_checked_by_the_plan_in_numpys_order() {
        let options = Options::new().axes(&[0, 2]).edge_order(3);
        assert_eq!(
            Plan::<f32>::new(&[4, 4], &options).unwrap_err(),
            GradError::AxisOutOfBounds { axis: 2, ndim: 2 }
        );
        let options = options.all_axes();
        assert_eq!(
            Plan::<f32>::new(&[4, 4], &options).unwrap_err(),
            GradError::EdgeOrder { given: 3 }
        );
        let options = options.edge_order(2).spacing(&[Spacing::Unit; 3]);
        assert_eq!(
            Plan::<i16>::new(&[4, 4], &options).unwrap_err(),
            GradError::SpacingCount { given: 3, axes: 2 }
        );
        assert_eq!(
            Plan::<u8>::new(&[2, 4], &Options::default().edge_order(2)).unwrap_err(),
            GradError::AxisTooShort {
                axis: 0,
                len: 2,
                edge_order: 2
            }
        );
    }

    #[test]
    fn execution_checks_the_arrays_and_writes_nothing_on_error() {
        let plan = Plan::<f64>::new(&[3, 4], &Options::new()).unwrap();
        let f = data((3, 4), 0);
        let mut out = [
            Array2::from_elem((3, 4), 7.0),
            Array2::from_elem((3, 4), 7.0),
        ];
        let other = data((4, 3), 0);
        let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
        assert_eq!(
            plan.execute(other.view(), &mut views),
            Err(GradError::InputShape {
                shape: vec![4, 3],
                expected: vec![3, 4]
            })
        );
        assert_eq!(
            plan.execute(f.view(), &mut views[..1]),
            Err(GradError::OutputCount {
                given: 1,
                expected: 2
            })
        );
        let mut wrong = Array2::zeros((3, 5));
        let mut mixed = [views.remove(0), wrong.view_mut()];
        assert_eq!(
            plan.execute(f.view(), &mut mixed),
            Err(GradError::OutputShape {
                output: 1,
                shape: vec![3, 5],
                expected: vec![3, 4]
            })
        );
        drop((mixed, views));
        assert!(out.iter().flatten().all(|&v| v == 7.0));
    }

    #[test]
    fn one_plan_serves_many_threads_at_once() {
        fn shared<T: Send + Sync>(_: &T) {}
        let plan =
            Plan::<f64>::new(&[40, 30], &Options::new().spacing(&[Spacing::Scalar(0.5)])).unwrap();
        shared(&plan);
        std::thread::scope(|scope| {
            for seed in 0..8 {
                let plan = &plan;
                scope.spawn(move || {
                    let f = data((40, 30), seed);
                    let want = gradient(f.view(), &[Spacing::Scalar(0.5)], None, 1).unwrap();
                    for _ in 0..20 {
                        let mut out = [Array2::zeros((40, 30)), Array2::zeros((40, 30))];
                        let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
                        plan.execute(f.view(), &mut views).unwrap();
                        assert_eq!(&out[..], &want[..]);
                    }
                });
            }
        });
    }

    #[test]
    fn plans_take_every_element_type_and_thread_count() {
        // numpy: np.gradient(np.array([[1,2,6],[3,4,5]], dtype=np.int8), 2.0)
        let f = ndarray::arr2(&[[1i8, 2, 6], [3, 4, 5]]);
        let plan =
            Plan::<i8>::new(&[2, 3], &Options::new().spacing(&[Spacing::Scalar(2.0)])).unwrap();
        let mut out = [Array2::zeros((2, 3)), Array2::zeros((2, 3))];
        let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
        plan.execute(f.view(), &mut views).unwrap();
        assert_eq!(out[0], ndarray::arr2(&[[1.0, 1.0, -0.5], [1.0, 1.0, -0.5]]));
        assert_eq!(out[1], ndarray::arr2(&[[0.5, 1.25, 2.0], [0.5, 0.5, 0.5]]));
        // A 3-D array large enough for two threads: the bits of one.
        let shape = (64, 64, 130);
        let f = Array3::from_shape_fn(shape, |(i, j, k)| ((i * 7 + j * 3 + k) % 17) as f32);
        let one = Plan::<f32>::new(&[64, 64, 130], &Options::new()).unwrap();
        let two = Plan::<f32>::new(&[64, 64, 130], &Options::new().threads(2)).unwrap();
        let run = |plan: &Plan<'_, f32>| {
            let mut out: Vec<Array3<f32>> = (0..3).map(|_| Array3::zeros(shape)).collect();
            let mut views: Vec<_> = out.iter_mut().map(|o| o.view_mut()).collect();
            plan.execute(f.view(), &mut views).unwrap();
            out
        };
        assert_eq!(run(&one), run(&two));
        // An empty request and a 1-D one.
        let none = Plan::<f64>::new(&[5], &Options::new().axes(&[])).unwrap();
        assert_eq!(none.outputs(), 0);
        none.execute(arr1(&[1.0, 2.0, 3.0, 4.0, 5.0]).view(), &mut [])
            .unwrap();
    }
}
