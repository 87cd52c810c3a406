//! A call as every exported function sees it: the argument checks of each stage of
//! `grad_status`'s order of checks, the [`Arrays`] of a call (stage 4) and its
//! [`TypedPlan`] (stage 5), which run together on data pointers (stages 6 and 7) and
//! call the safe core.
//!
//! The one-call functions make both and execute them once; `grad_plan_new` makes both for
//! `grad_plan_execute` to run many times. Both therefore check in one order.

use super::PerAxis;
use super::status::{Failure, grad_status};
use super::types::{GRAD_MAX_NDIM, grad_dtype, grad_spacing, grad_spacing_kind};
use super::validate::{self, Span, Strided, c_strides};
use super::view;
use ndgradient::{Coordinates, Element, Options, Plan, Spacing};
use num_complex::Complex;
use std::fmt::Display;

/// Where the outputs' strides come from: every output C-contiguous, every output with the
/// input's strides, or `n_out * ndim` strides given, output by output. A struct whose
/// fields are always set, rather than an enum carrying the given strides: the optimiser
/// read their length ahead of the choice, and valgrind reported that read of an enum's
/// absent payload on every plan (a branch whose outcome was discarded, but the reports
/// would bury a real one).
#[derive(Clone, Debug)]
pub(crate) struct OutputStrides {
    layout: OutputLayout,
    /// The strides given (`OutputLayout::Each`), else none.
    each: PerAxis<isize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutputLayout {
    COrder,
    LikeInput,
    Each,
}

impl OutputStrides {
    /// Every output is C-contiguous.
    pub(crate) fn c_order() -> Self {
        OutputStrides {
            layout: OutputLayout::COrder,
            each: PerAxis::new(),
        }
    }

    /// Every output has the input's strides.
    pub(crate) fn like_input() -> Self {
        OutputStrides {
            layout: OutputLayout::LikeInput,
            each: PerAxis::new(),
        }
    }

    /// `n_out * ndim` strides, output by output.
    fn each(all: PerAxis<isize>) -> Self {
        OutputStrides {
            layout: OutputLayout::Each,
            each: all,
        }
    }
}

/// One validated spacing argument (stage 3), its coordinates still where the caller keeps
/// them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SpacingArg<'a> {
    Unit,
    Scalar(f64),
    ScalarF64(f64),
    ScalarF32(f32),
    Coordinates(grad_dtype, Strided<'a>),
}

impl<'a> SpacingArg<'a> {
    /// Stage 3 for `spacing[i]`: its kind, then for coordinates their dtype, then their
    /// array (size, pointer).
    pub(crate) fn new(i: usize, s: &'a grad_spacing) -> Result<Self, Failure> {
        use grad_spacing_kind as K;
        Ok(match s.kind {
            k if k == K::Unit as i32 => SpacingArg::Unit,
            k if k == K::Scalar as i32 => SpacingArg::Scalar(s.h),
            k if k == K::ScalarF64 as i32 => SpacingArg::ScalarF64(s.h),
            k if k == K::ScalarF32 as i32 => SpacingArg::ScalarF32(s.h as f32),
            k if k == K::Coordinates as i32 => {
                let name = format_args!("spacing[{i}].coordinates");
                let dtype = grad_dtype::from_tag(s.dtype, &name)?;
                if matches!(dtype, grad_dtype::C128 | grad_dtype::C64) {
                    return Err(Failure::new(
                        grad_status::InvalidDtype,
                        format!("{name}: coordinates must be real"),
                    ));
                }
                let x = Strided::new(
                    s.coordinates as usize,
                    std::slice::from_ref(&s.length),
                    std::slice::from_ref(&s.stride),
                    dtype.layout(),
                    &name,
                )?;
                SpacingArg::Coordinates(dtype, x)
            }
            k => {
                return Err(Failure::new(
                    grad_status::InvalidSpacingKind,
                    format!("spacing[{i}].kind is {k}, not a grad_spacing_kind"),
                ));
            }
        })
    }

    /// The core's form of a unit or scalar step, which holds no memory of the caller's;
    /// `None` for coordinates.
    pub(crate) fn step<'v>(self) -> Option<Spacing<'v>> {
        Some(match self {
            SpacingArg::Unit => Spacing::Unit,
            SpacingArg::Scalar(h) => Spacing::Scalar(h),
            SpacingArg::ScalarF64(h) => Spacing::ScalarF64(h),
            SpacingArg::ScalarF32(h) => Spacing::ScalarF32(h),
            SpacingArg::Coordinates(..) => return None,
        })
    }

    /// The core's form of the argument, its coordinates viewed where they lie.
    ///
    /// # Safety
    /// The coordinates' memory is valid for reading, and not written, for `'v`.
    pub(crate) unsafe fn to_core<'v>(self) -> Spacing<'v> {
        macro_rules! coords {
            ($variant:ident, $t:ty, $x:expr) => {
                Spacing::Coordinates(Coordinates::$variant(
                    // SAFETY: a validated descriptor of `$t` (SpacingArg::new), readable for
                    // 'v per this function's contract.
                    unsafe { view::vector::<$t>(&$x) },
                ))
            };
        }
        match self {
            SpacingArg::Coordinates(dtype, x) => match dtype {
                grad_dtype::F64 => coords!(F64, f64, x),
                grad_dtype::F32 => coords!(F32, f32, x),
                grad_dtype::I8 => coords!(I8, i8, x),
                grad_dtype::I16 => coords!(I16, i16, x),
                grad_dtype::I32 => coords!(I32, i32, x),
                grad_dtype::I64 => coords!(I64, i64, x),
                grad_dtype::U8 => coords!(U8, u8, x),
                grad_dtype::U16 => coords!(U16, u16, x),
                grad_dtype::U32 => coords!(U32, u32, x),
                grad_dtype::U64 => coords!(U64, u64, x),
                grad_dtype::C128 | grad_dtype::C64 => unreachable!("rejected by SpacingArg::new"),
            },
            step => step.step().expect("not coordinates"),
        }
    }
}

/// Stage 3 for a whole spacing list, in order.
pub(crate) fn spacing_args(spacing: &[grad_spacing]) -> Result<PerAxis<SpacingArg<'_>>, Failure> {
    // Pushed one by one: collecting into a `Result` would move the list, a measurable cost
    // on a small call.
    let mut args = PerAxis::new();
    for (i, s) in spacing.iter().enumerate() {
        args.push(SpacingArg::new(i, s)?);
    }
    Ok(args)
}

/// Stage 1: `n_spacing` above any array's axis count is refused before that many entries
/// are read.
pub(crate) fn spacing_count(n_spacing: usize) -> Result<(), Failure> {
    if n_spacing > GRAD_MAX_NDIM {
        return Err(Failure::new(
            grad_status::SpacingCount,
            format!(
                "invalid number of arguments: {n_spacing} spacing values, more than any array \
                 has axes ({GRAD_MAX_NDIM})"
            ),
        ));
    }
    Ok(())
}

/// Stage 1: `n_axes` above any array's axis count must repeat some axis.
pub(crate) fn axes_count(n_axes: usize) -> Result<(), Failure> {
    if n_axes > GRAD_MAX_NDIM {
        return Err(Failure::new(
            grad_status::RepeatedAxis,
            format!("n_axes is {n_axes}, more than any array has axes: some axis repeats"),
        ));
    }
    Ok(())
}

/// Stage 2 for a `strides` argument: `None` (C order) for NULL, else `ndim` strides.
///
/// # Safety
/// A non-NULL `strides` points to `ndim` readable elements.
pub(crate) unsafe fn strides_arg(
    strides: *const isize,
    ndim: usize,
) -> Result<Option<PerAxis<isize>>, Failure> {
    match strides.is_null() {
        true => Ok(None),
        // SAFETY: forwarded contract; checked by `copy`.
        false => Ok(Some(unsafe { copy(strides, ndim, &"strides") }?)),
    }
}

/// Stage 2 for an `out_strides` argument: every output C-contiguous for NULL, else
/// `n_out * ndim` strides, output by output (`n_out <= GRAD_MAX_NDIM`).
///
/// # Safety
/// A non-NULL `out_strides` points to `n_out * ndim` readable elements.
pub(crate) unsafe fn out_strides_arg(
    out_strides: *const isize,
    n_out: usize,
    ndim: usize,
) -> Result<OutputStrides, Failure> {
    if out_strides.is_null() {
        return Ok(OutputStrides::c_order());
    }
    // SAFETY: forwarded contract (the product cannot overflow: both are at most
    // GRAD_MAX_NDIM); checked by `copy`.
    let all = unsafe { copy(out_strides, n_out * ndim, &"out_strides") }?;
    Ok(OutputStrides::each(all))
}

/// Stage 2 for an `out` argument: the `n_out` output addresses.
///
/// # Safety
/// A non-NULL `out` points to `n_out` readable pointers.
pub(crate) unsafe fn out_arg(
    out: *const *mut libc::c_void,
    n_out: usize,
) -> Result<PerAxis<usize>, Failure> {
    // SAFETY: forwarded contract; checked by `borrow`.
    let given = unsafe { borrow(out, n_out, &"out") }?;
    Ok(given.iter().map(|&p| p as usize).collect())
}

/// Stage 2 for the `axes` argument: `None` (every axis) for NULL with `n_axes` 0, else the
/// `n_axes` axes (NULL is then an error).
///
/// # Safety
/// A non-NULL `axes` points to `n_axes` readable elements.
pub(crate) unsafe fn axes_arg(
    axes: *const i32,
    n_axes: usize,
) -> Result<Option<PerAxis<isize>>, Failure> {
    if axes.is_null() && n_axes == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded contract; checked by `borrow`.
    let given = unsafe { borrow(axes, n_axes, &"axes") }?;
    Ok(Some(given.iter().map(|&a| a as isize).collect()))
}

/// Evaluates `$body` with `$t` bound to the element type of the `grad_dtype` `$dtype`.
macro_rules! with_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            grad_dtype::F64 => {
                type $t = f64;
                $body
            }
            grad_dtype::F32 => {
                type $t = f32;
                $body
            }
            grad_dtype::C128 => {
                type $t = Complex<f64>;
                $body
            }
            grad_dtype::C64 => {
                type $t = Complex<f32>;
                $body
            }
            grad_dtype::I8 => {
                type $t = i8;
                $body
            }
            grad_dtype::I16 => {
                type $t = i16;
                $body
            }
            grad_dtype::I32 => {
                type $t = i32;
                $body
            }
            grad_dtype::I64 => {
                type $t = i64;
                $body
            }
            grad_dtype::U8 => {
                type $t = u8;
                $body
            }
            grad_dtype::U16 => {
                type $t = u16;
                $body
            }
            grad_dtype::U32 => {
                type $t = u32;
                $body
            }
            grad_dtype::U64 => {
                type $t = u64;
                $body
            }
        }
    };
}

/// A core [`Plan`] of the element type a `grad_dtype` names, chosen at run time: what a
/// `grad_plan` holds.
pub(crate) trait TypedPlan: Send + Sync + std::fmt::Debug {
    /// [`Arrays::run`] with this plan, on arrays it was made for and no other array read.
    ///
    /// # Safety
    /// As [`Arrays::run`].
    unsafe fn run(&self, arrays: &Arrays, f: usize, out: Outputs<'_>) -> Result<(), Failure>;
}

impl<T: Element> TypedPlan for Plan<'_, T>
where
    Self: std::fmt::Debug,
{
    unsafe fn run(&self, arrays: &Arrays, f: usize, out: Outputs<'_>) -> Result<(), Failure> {
        // SAFETY: forwarded contract.
        unsafe { arrays.run(self, f, out, std::iter::empty()) }
    }
}

/// Stage 5: the core's plan (numpy's checks, coefficients) for `dtype`, behind its
/// element type.
pub(crate) fn typed_plan<'a>(
    dtype: grad_dtype,
    shape: &[usize],
    options: &Options<'a>,
) -> Result<Box<dyn TypedPlan + 'a>, Failure> {
    with_dtype!(dtype, T => Ok(Box::new(Plan::<T>::new(shape, options)?)))
}

/// The arrays of a call as its arguments describe them, checked through stage 4:
/// dtype, shape and strides of the input and the outputs, and what they say of memory
/// whatever the addresses. A plan holds one beside its [`TypedPlan`]; a one-call function
/// makes both and executes them once.
#[derive(Debug)]
pub(crate) struct Arrays {
    dtype: grad_dtype,
    /// The input's shape: the outputs' `shape`, or a block's with its halo.
    input_shape: PerAxis<usize>,
    shape: PerAxis<usize>,
    /// The input's strides.
    strides: PerAxis<isize>,
    /// The C-order strides of `shape` (for outputs without strides of their own).
    c_order: PerAxis<isize>,
    outputs: OutputStrides,
    /// How many outputs an execution writes.
    n_out: usize,
    /// What the input's shape and strides say of its memory (`None`: empty).
    input_span: Option<Span>,
    /// The same for each output.
    output_spans: PerAxis<Option<Span>>,
    /// The input and outputs are dense and laid out alike (`validate::dense_alike`).
    dense: bool,
}

impl Arrays {
    /// Stage 4: the sizes of the input (of `input_shape` and `strides`, `None` meaning C
    /// order), then of each of the `n_out` outputs (the requested axes) of `shape`. The two
    /// shapes differ only for a block with a halo.
    pub(crate) fn new(
        dtype: grad_dtype,
        input_shape: PerAxis<usize>,
        shape: PerAxis<usize>,
        strides: Option<PerAxis<isize>>,
        outputs: OutputStrides,
        n_out: usize,
    ) -> Result<Self, Failure> {
        let c_order = c_strides(&shape);
        let strides = strides.unwrap_or_else(|| c_strides(&input_shape));
        let out_strides = |k| output_strides(&outputs, &c_order, &strides, shape.len(), k);
        let input_span = validate::size(&input_shape, &strides, dtype.layout().0, &"f")?;
        let mut output_spans = PerAxis::new();
        for k in 0..n_out {
            // Outputs laid out alike (the usual case) share their span.
            let span = match k.checked_sub(1) {
                Some(j) if out_strides(j) == out_strides(k) => output_spans[j],
                _ => {
                    let name = format_args!("out[{k}]");
                    let itemsize = dtype.output().layout().0;
                    validate::output_size(&shape, out_strides(k), itemsize, &name)?
                }
            };
            output_spans.push(span);
        }
        let dense = input_shape == shape
            && validate::dense_alike(
                &shape,
                &strides,
                (0..n_out).map(out_strides),
                dtype.layout().0,
            );
        Ok(Arrays {
            dtype,
            input_shape,
            shape,
            strides,
            c_order,
            outputs,
            n_out,
            input_span,
            output_spans,
            dense,
        })
    }

    /// The shape of every output (and of the input, but for a block with a halo).
    pub(crate) fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Stage 6 for the input at address `f`.
    #[inline(always)]
    pub(crate) fn input_at(&self, f: usize) -> Result<Strided<'_>, Failure> {
        let (layout, span) = (self.dtype.layout(), self.input_span);
        Strided::placed(f, &self.input_shape, &self.strides, layout, span, &"f")
    }

    /// The strides of output `k`.
    fn output_strides(&self, k: usize) -> &[isize] {
        output_strides(
            &self.outputs,
            &self.c_order,
            &self.strides,
            self.shape.len(),
            k,
        )
    }

    /// The number of outputs an execution writes.
    pub(crate) fn output_count(&self) -> usize {
        self.n_out
    }

    /// The dtype of the outputs.
    pub(crate) fn output_dtype(&self) -> grad_dtype {
        self.dtype.output()
    }

    /// Stages 6 and 7 on the input at address `f` and the `output_count()` outputs at
    /// `out`, then the computation by `plan` (made for these arrays' dtype and shape, with
    /// `output_count()` outputs). `reads` are the other arrays the call reads (coordinates
    /// where the caller keeps them), which no output may overlap.
    ///
    /// # Safety
    /// Every address points to memory valid for the extent its description gives
    /// (readable for the input and `reads`, writable for the outputs) for the call.
    pub(crate) unsafe fn run<'r, T: Element>(
        &self,
        plan: &Plan<'_, T>,
        f: usize,
        out: Outputs<'_>,
        reads: impl Iterator<Item = (usize, &'r Strided<'r>)> + Clone,
    ) -> Result<(), Failure> {
        if reads.clone().next().is_none() {
            if let Some(out) = self.apart(f, out) {
                // SAFETY: `apart` checked what `place` would, and the caller's contract
                // makes the memory valid for the call.
                return unsafe { self.compute_dense(plan, f, &out) };
            }
        }
        let mut outputs = PerAxis::new();
        let input = self.place(f, out, reads, &mut outputs)?;
        if input.is_empty() {
            return Ok(());
        }
        if self.dense {
            let out: PerAxis<usize> = outputs.iter().map(|o| o.addr).collect();
            // SAFETY: validated descriptors (extent, alignment, non-NULL, no output overlaps
            // anything) of dense arrays; the caller's contract makes the memory valid.
            return unsafe { self.compute_dense(plan, input.addr, &out) };
        }
        // SAFETY: as above.
        let f = unsafe { view::array::<T>(&input) };
        // SAFETY: as above; outputs are pairwise disjoint and disjoint from every input.
        let mut out: Vec<_> = (outputs.iter())
            .map(|o| unsafe { view::array_mut::<T::Out>(o) })
            .collect();
        plan.execute(f, &mut out).map_err(Failure::from)
    }

    /// Stage 5 (the core's plan for these arrays' dtype and shape, with `spacing`, `axes`,
    /// `edge_order`, `threads`), then [`Arrays::run`] on it, once: the one-call functions.
    /// The plan stays where it is made, in this function's frame.
    ///
    /// # Safety
    /// As [`Arrays::run`].
    pub(crate) unsafe fn run_once<'r>(
        &self,
        (spacing, axes, edge_order, threads): (&[Spacing<'_>], Option<&[isize]>, i32, usize),
        f: usize,
        out: Outputs<'_>,
        reads: impl Iterator<Item = (usize, &'r Strided<'r>)> + Clone,
    ) -> Result<(), Failure> {
        with_dtype!(self.dtype, T => {
            let mut plan = Plan::<T>::empty(&self.shape, threads);
            plan.fill(spacing, axes, edge_order)?;
            // SAFETY: forwarded contract.
            unsafe { self.run(&plan, f, out, reads) }
        })
    }

    /// Stages 6 and 7: the input and outputs at their addresses, checked; the outputs'
    /// descriptors are pushed onto `outputs` (the caller's list: returning it would move
    /// it, a measurable cost on a small call).
    fn place<'s, 'r>(
        &'s self,
        f: usize,
        out: Outputs<'_>,
        reads: impl Iterator<Item = (usize, &'r Strided<'r>)> + Clone,
        outputs: &mut PerAxis<Strided<'s>>,
    ) -> Result<Strided<'s>, Failure> {
        let input = self.input_at(f)?;
        let shape = &self.shape[..];
        let layout = self.dtype.output().layout();
        for k in 0..self.n_out {
            let (strides, span) = (self.output_strides(k), self.output_spans[k]);
            let label = OutputName(out, k);
            outputs.push(Strided::placed(
                out.at(k)?,
                shape,
                strides,
                layout,
                span,
                &label,
            )?);
        }
        let reads = std::iter::once((Read::Input, &input))
            .chain(reads.map(|(i, x)| (Read::Coordinates(i), x)));
        validate::no_overlap(reads, outputs)?;
        Ok(input)
    }

    /// Stages 6 and 7 at once for the common case: dense arrays laid out alike (each is
    /// the `count * itemsize` bytes from its address), every pointer non-NULL, aligned and
    /// with its bytes below the top of the address space, and no two of those byte ranges
    /// meeting, which settles the overlap test. Returns the outputs' addresses, or `None`
    /// when any of this fails: [`Arrays::place`] then finds and names the first fault.
    fn apart(&self, f: usize, out: Outputs<'_>) -> Option<PerAxis<usize>> {
        if !self.dense {
            return None;
        }
        let count: usize = self.shape.iter().product();
        let range = |addr: usize, (size, align): (usize, usize)| {
            let end = addr.checked_add(count * size)?;
            (addr != 0 && addr % align == 0).then_some((addr, end))
        };
        let input = range(f, self.dtype.layout())?;
        let layout = self.dtype.output().layout();
        let mut addrs = PerAxis::new();
        let mut ranges: PerAxis<(usize, usize)> = PerAxis::new();
        for k in 0..self.n_out {
            let (lo, hi) = range(out.at(k).ok()?, layout)?;
            let meets = |&(a, b): &(usize, usize)| lo < b && a < hi;
            if meets(&input) || ranges.iter().any(meets) {
                return None;
            }
            ranges.push((lo, hi));
            addrs.push(lo);
        }
        Some(addrs)
    }

    /// The computation on dense arrays whose stages 6 and 7 passed: the input at `f`, the
    /// outputs at `out`.
    ///
    /// # Safety
    /// As [`Arrays::run`].
    unsafe fn compute_dense<T: Element>(
        &self,
        plan: &Plan<'_, T>,
        f: usize,
        out: &[usize],
    ) -> Result<(), Failure> {
        let count: usize = self.shape.iter().product();
        // SAFETY: dense arrays of `count` elements at addresses stage 6 validated; the input
        // is read-only and the outputs, disjoint (stage 7), are used by nothing else during
        // the call (the caller's contract).
        let f = unsafe { view::slice::<T>(f, count) };
        // SAFETY: as above.
        let mut out: PerAxis<&mut [T::Out]> = (out.iter())
            .map(|&o| unsafe { view::slice_mut::<T::Out>(o, count) })
            .collect();
        plan.execute_dense(f, &self.strides, &mut out)
            .map_err(Failure::from)
    }
}

/// The strides of output `k` of `ndim` axes.
fn output_strides<'s>(
    outputs: &'s OutputStrides,
    c_order: &'s [isize],
    strides: &'s [isize],
    ndim: usize,
    k: usize,
) -> &'s [isize] {
    match outputs.layout {
        OutputLayout::COrder => c_order,
        OutputLayout::LikeInput => strides,
        OutputLayout::Each => &outputs.each[k * ndim..(k + 1) * ndim],
    }
}

/// Where the outputs of an execution are.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outputs<'o> {
    /// `out[k]`: a list of output addresses.
    List(&'o [usize]),
    /// Output k at `base + k * bytes` (`grad_gradient_f64`'s blocks of one buffer; a NULL
    /// `base` makes every block NULL).
    Stacked { base: usize, bytes: usize },
}

impl Outputs<'_> {
    /// The address of output `k`; OVERFLOW where a block would lie beyond the address
    /// space.
    fn at(&self, k: usize) -> Result<usize, Failure> {
        match *self {
            Outputs::List(addrs) => Ok(addrs[k]),
            Outputs::Stacked { base: 0, .. } => Ok(0),
            Outputs::Stacked { base, bytes } => k
                .checked_mul(bytes)
                .and_then(|offset| base.checked_add(offset))
                .ok_or_else(|| {
                    Failure::new(
                        grad_status::Overflow,
                        format!("{} lies beyond the address space", OutputName(*self, k)),
                    )
                }),
        }
    }
}

/// Output `k`'s name in messages.
struct OutputName<'o>(Outputs<'o>, usize);

impl Display for OutputName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Outputs::List(_) => write!(f, "out[{}]", self.1),
            Outputs::Stacked { .. } => write!(f, "out (the block of axis {})", self.1),
        }
    }
}

/// An array the call reads, as the aliasing check names it.
#[derive(Clone, Copy)]
enum Read {
    Input,
    /// The coordinates of `spacing[i]`.
    Coordinates(usize),
}

impl Display for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Read::Input => write!(f, "the input f"),
            Read::Coordinates(i) => write!(f, "spacing[{i}].coordinates"),
        }
    }
}

/// A copy of the `len` elements of a C array (NULL allowed only when `len` is 0), held by
/// the exported function, so that nothing the library later writes can change it. Inline
/// (no allocation) up to four elements.
///
/// # Safety
/// As [`borrow`].
pub(crate) unsafe fn copy<T: Copy>(
    ptr: *const T,
    len: usize,
    name: &dyn Display,
) -> Result<PerAxis<T>, Failure> {
    // SAFETY: forwarded contract.
    Ok(PerAxis::from_slice(unsafe { borrow(ptr, len, name) }?))
}

/// Stage 2 for one argument array: the `len` elements of a C array (NULL allowed only when
/// `len` is 0), checked for NULL, then alignment, then size. Callers copy what they keep,
/// so the borrow ends before any output is written.
///
/// # Safety
/// A non-NULL `ptr` points to `len` readable, initialised elements.
pub(crate) unsafe fn borrow<'p, T: Copy>(
    ptr: *const T,
    len: usize,
    name: &dyn Display,
) -> Result<&'p [T], Failure> {
    array_arg(ptr, len, name)?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: non-NULL and aligned (checked above), `len` readable elements (the caller's
    // contract), total size within isize (checked above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Stage 2 for an argument array of `len` elements at `ptr`, read or written: NULL
/// (allowed only when `len` is 0), then alignment, then size; nothing is read.
pub(crate) fn array_arg<T>(ptr: *const T, len: usize, name: &dyn Display) -> Result<(), Failure> {
    validate::non_null(ptr, len, name)?;
    if len == 0 {
        return Ok(());
    }
    if (ptr as usize) % align_of::<T>() != 0 {
        return Err(Failure::new(
            grad_status::Misaligned,
            format!("{name} is not aligned for its element type"),
        ));
    }
    if len
        .checked_mul(size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(Failure::new(
            grad_status::Overflow,
            format!("{name}: {len} elements do not fit in memory"),
        ));
    }
    Ok(())
}
