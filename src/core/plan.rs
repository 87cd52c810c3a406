//! The plan/execute split, as FFTW has it: [`Options`] say what to compute besides the
//! data (spacing, axes, edge order, threads); a [`Plan`] is made once for an element type
//! and a shape, performing every check and computing every coefficient; executing it on
//! data does only the work that depends on the data.
//!
//! The one-call functions ([`gradient_into`](super::gradient_into) and the rest) make a
//! plan and execute it once.

use super::{Element, GradError, Jobs, PerAxis, Spacing, fused, useful_threads};
use ndarray::{ArrayView, ArrayViewD, ArrayViewMut, ArrayViewMutD, Dimension, IxDyn, ShapeBuilder};
use std::marker::PhantomData;

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

    /// Up to `threads` threads per execution (0 and 1: the calling thread only), at most
    /// one per [`ELEMENTS_PER_THREAD`](super::ELEMENTS_PER_THREAD) elements. Threads are
    /// started and joined within each execution; the bits never depend on their number.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }
}

/// A gradient made ready for one element type `T` and one shape: every check of numpy's
/// is done and every coefficient computed when it is made, so executing it on data only
/// checks the arrays' shapes and computes.
///
/// ```
/// use gradient::{Options, Plan, Spacing};
/// use ndarray::{Array2, arr2};
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
    element: PhantomData<fn(T)>,
}

impl<'a, T: Element> Plan<'a, T> {
    /// Makes the plan for arrays of `shape` (any number of axes).
    ///
    /// # Errors
    /// Every error of numpy.gradient, in numpy's order (see [`GradError`]):
    /// `AxisOutOfBounds`, `RepeatedAxis`, `SpacingCount`, `CoordinatesLength`,
    /// `CoordinatesTooShort`, `EdgeOrder`, `AxisTooShort`; and `OutOfMemory` if a
    /// coefficient table (one entry per point of a non-uniform axis) cannot be allocated.
    pub fn new(shape: &[usize], options: &Options<'a>) -> Result<Self, GradError> {
        Self::build(
            shape,
            &options.spacing,
            options.axes.as_deref(),
            options.edge_order,
            options.threads,
        )
    }

    /// [`Plan::new`] from the options' parts, borrowed: a one-call function's plan, made
    /// without allocating for them.
    pub(crate) fn build(
        shape: &[usize],
        spacing: &[Spacing<'a>],
        axes: Option<&[isize]>,
        edge_order: i32,
        threads: usize,
    ) -> Result<Self, GradError> {
        Ok(Plan {
            jobs: Jobs::new(shape, spacing, axes, edge_order)?,
            shape: PerAxis::from_slice(shape),
            threads,
            element: PhantomData,
        })
    }

    /// The shape the plan was made for.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// How many outputs an execution writes: one per requested axis.
    pub fn outputs(&self) -> usize {
        self.jobs.outputs
    }

    /// Computes the gradient of `f` into `out`, as `numpy.gradient` would with the plan's
    /// options, bit for bit: `out[k]` receives the derivative along the k-th requested
    /// axis. `f` and the outputs may have any layout (strides, negative ones included).
    ///
    /// # Errors
    /// `InputShape` if `f`'s shape is not the plan's, `OutputCount` if `out` does not hold
    /// one array per requested axis, `OutputShape` if an output's shape is not the plan's.
    /// On error nothing is written.
    pub fn execute<D: Dimension>(
        &self,
        f: ArrayView<'_, T, D>,
        out: &mut [ArrayViewMut<'_, T::Out, D>],
    ) -> Result<(), GradError> {
        self.check_outputs(out.len())?;
        if f.shape() != &self.shape[..] {
            return Err(GradError::InputShape {
                shape: f.shape().to_vec(),
                expected: self.shape.to_vec(),
            });
        }
        if let Some((output, o)) = out.iter().enumerate().find(|(_, o)| o.shape() != f.shape()) {
            return Err(GradError::OutputShape {
                output,
                shape: o.shape().to_vec(),
                expected: self.shape.to_vec(),
            });
        }
        let threads = useful_threads(f.len(), self.threads);
        self.jobs
            .run(&f, out.iter_mut().map(|o| o.view_mut()), threads);
        Ok(())
    }

    /// [`Plan::execute`] on a dense array and dense outputs given as slices of their
    /// elements in memory order, which spares a call on a small array the cost of views.
    /// `f` and every output have the plan's shape and the same `strides` (in elements; any
    /// value on an axis of length 1), no negative stride on a longer axis, and no gap or
    /// overlap between their elements: the layout of a C or Fortran array, or any
    /// permutation of its axes; each slice holds exactly `prod(shape)` elements.
    ///
    /// # Errors
    /// `OutputCount` if `out` does not hold one slice per requested axis.
    ///
    /// # Panics
    /// If the slices do not have that layout (the caller's contract).
    pub(crate) fn execute_dense(
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
        let threads = useful_threads(f.len(), self.threads);
        if threads <= 1 && fused::sweep_dense(f, shape, strides, out, jobs) {
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
        self.jobs.run(&f, out, threads);
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
