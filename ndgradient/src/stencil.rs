//! The finite-difference formulas, each written once, the geometry of the stencil they
//! form along an axis, and the per-axis tables of their coefficients. Every other module
//! asks a [`Stencil`] which formula an output index has and which samples it reads; none
//! assumes a shape of its own.
//!
//! # The two formulas
//!
//! Every output point of numpy.gradient is one of two formulas ([`Point`]):
//!
//! - a **quotient** `(f[hi] - f[lo]) / div` ([`quotient`]): the difference in the data's
//!   value type, divided in the working type;
//! - a **three-point** sum `c0*f[a] + c1*f[b] + c2*f[c]` ([`three_point`]), evaluated left to
//!   right without fused multiply-adds.
//!
//! # The interior formula (indices [`Stencil::interior`], `1..len-1`)
//!
//! - uniform step `h`: the central quotient `(f[j+1] - f[j-1]) / 2h`;
//! - coordinates `x`: the three-point sum on `f[j-1], f[j], f[j+1]` with numpy's weights
//!   `a = -hd / (hs (hs + hd))`, `b = (hd - hs) / (hs hd)`, `c = hs / (hd (hs + hd))`, where
//!   `hs = x[j] - x[j-1]` and `hd = x[j+1] - x[j]` ([`interior_weights`]).
//!
//! Both read `j - radius ..= j + radius` with [`Stencil::radius`] 1, and the formula of
//! point `j + 1` reads the samples of point `j` shifted by one: the kernels run it as loops
//! over shifted slices starting at [`Stencil::interior_taps`] of the first point.
//!
//! # The edge formulas (one point at each end: [`Stencil::head`], [`Stencil::tail`])
//!
//! - `edge_order = 1`: the quotients `(f[1] - f[0]) / h0` and `(f[n-1] - f[n-2]) / h_{n-2}`
//!   (`h` for a uniform step, else the first and last coordinate steps);
//! - `edge_order = 2`: three-point sums on `f[0], f[1], f[2]` and `f[n-3], f[n-2], f[n-1]`:
//!   `(-1.5, 2, -0.5) / h` and `(0.5, -2, 1.5) / h` for a uniform step, numpy's weights from
//!   the first and last two coordinate steps otherwise ([`edges`]).
//!
//! # Geometry
//!
//! An axis of length `len` is split into `head()` boundary points, the interior, and
//! `tail()` boundary points ([`Stencil::parts`] splits any output range the same way).
//! [`Stencil::boundary`] lists the boundary points with their formulas.
//! [`Stencil::reads`] gives the samples one output reads and [`Stencil::input_range`] those
//! a range of outputs reads: what a window of the input must hold (threads, blocks).
//!
//! A [`Stencil`] holds, for one axis, the coefficients numpy would compute, in the
//! precision numpy would compute them, and answers "which formula at index `j`".

use super::error::GradError;
use super::fused::BLOCK;
use super::plan::Scheme;
use super::spacing::{AxisSpacing, Coordinate, Coordinates, Step, with_coordinates};
use super::value::{Divisor, Real, Value, Work};
use ndarray::{ArrayView1, s};
use std::ops::Range;

/// `(hi - lo) / div`: the difference is taken in the data's value type, then divided in
/// the working type `W` and rounded back (numpy: `(f[i+1] - f[i-1]) / (2. * h)`).
#[inline(always)]
pub(crate) fn quotient<V: Value, W: Work<V>>(lo: V, hi: V, div: Divisor<W::Real>) -> V {
    W::load(hi.minus(lo)).over(div).store()
}

/// `c0*x0 + c1*x1 + c2*x2` in the working type `W`, summed left to right without fused
/// multiply-adds, then rounded back (numpy: `a * f[:-2] + b * f[1:-1] + c * f[2:]`).
#[inline(always)]
pub(crate) fn three_point<V: Value, W: Work<V>>(x0: V, x1: V, x2: V, c: &[W::Real; 3]) -> V {
    let sum = W::load(x0).scaled(c[0]).plus(W::load(x1).scaled(c[1]));
    sum.plus(W::load(x2).scaled(c[2])).store()
}

/// The formula of one output point, with the indices (along the axis) of the samples it
/// reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Point<R> {
    /// `(f[hi] - f[lo]) / div`.
    Quotient {
        lo: usize,
        hi: usize,
        div: Divisor<R>,
    },
    /// `coef[0]*f[at[0]] + coef[1]*f[at[1]] + coef[2]*f[at[2]]`.
    ThreePoint { at: [usize; 3], coef: [R; 3] },
}

impl<R: Real> Point<R> {
    /// The indices of the samples the formula reads: the smallest range holding them all.
    pub(crate) fn reads(&self) -> Range<usize> {
        let (lo, hi) = match self {
            Point::Quotient { lo, hi, .. } => (*lo.min(hi), *lo.max(hi)),
            Point::ThreePoint { at, .. } => {
                (at.iter()).fold((usize::MAX, 0), |(lo, hi), &i| (lo.min(i), hi.max(i)))
            }
        };
        lo..hi + 1
    }
}

/// Point `p`'s formula on the samples `get(i)` (`i` an index along the axis), in the
/// working type `W`.
#[inline(always)]
pub(crate) fn at_point<V: Value, W: Work<V>>(p: Point<W::Real>, get: impl Fn(usize) -> V) -> V {
    match p {
        Point::Quotient { lo, hi, div } => quotient::<V, W>(get(lo), get(hi), div),
        Point::ThreePoint {
            at: [a, b, c],
            coef,
        } => three_point::<V, W>(get(a), get(b), get(c), &coef),
    }
}

/// How the interior points ([`Stencil::interior`]) are computed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Interior<'a, R> {
    /// Central difference `(f[j+1] - f[j-1]) / two_h`.
    Central { two_h: Divisor<R> },
    /// Three-point weights on non-uniform coordinates; entry `j - head()` serves point `j`.
    Weights(Vec<[R; 3]>),
    /// The same weights, computed when needed from the coordinates where they lie: used
    /// when the axis is the whole array, where a table would be three times the array's
    /// size and cost more to write and read back than to compute.
    OnDemand(Coordinates<'a>),
    /// The MATLAB scheme on non-uniform coordinates: the quotient
    /// `(f[j+1] - f[j-1]) / (x[j+1] - x[j-1])`; entry `j - head()` is point `j`'s divisor.
    /// Only the general path (`sweep`) has a loop for it; the fused sweep declines it.
    Quotients(Vec<Divisor<R>>),
}

/// The number of points at each end of an axis computed by an edge formula ([`Stencil`]'s
/// `first` and `last`).
const END_POINTS: usize = 1;

/// The number of boundary points of an axis: `head() + tail()` of every [`Stencil`].
pub(crate) const BOUNDARY: usize = 2 * END_POINTS;

/// The fewest samples an axis needs for edge formulas of `edge_order`: a one-sided
/// difference of order k reads k + 1 samples (numpy's "at least (edge_order + 1) elements
/// are required").
pub(crate) fn min_len(edge_order: u8) -> usize {
    usize::from(edge_order) + 1
}

/// All coefficients of one axis of length `len`, held in the real type `R` of the
/// working precision. `len` is at least `head() + tail()`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stencil<'a, R> {
    /// The axis's length (samples).
    pub(crate) len: usize,
    /// The interior formula and its coefficients.
    pub(crate) interior: Interior<'a, R>,
    /// The edge formula of point 0, the `head()` boundary point.
    pub(crate) first: Point<R>,
    /// The edge formula of point `len - 1`, the `tail()` boundary point.
    pub(crate) last: Point<R>,
}

impl<'a, R: Real> Stencil<'a, R> {
    /// The interior formula's half-width (samples): the interior point `j` reads samples
    /// `j - radius ..= j + radius`, for the central quotient and the three-point weights.
    #[inline(always)]
    pub(crate) fn radius(&self) -> usize {
        match self.interior {
            Interior::Central { .. }
            | Interior::Weights(_)
            | Interior::OnDemand(_)
            | Interior::Quotients(_) => 1,
        }
    }

    /// How many points at the start of the axis have an edge formula of their own.
    #[inline(always)]
    pub(crate) fn head(&self) -> usize {
        END_POINTS
    }

    /// How many points at the end of the axis have an edge formula of their own.
    #[inline(always)]
    pub(crate) fn tail(&self) -> usize {
        END_POINTS
    }

    /// Every boundary point of the axis (index along it and formula): the head's, then the
    /// tail's. A fixed array, so that a loop over it is unrolled.
    #[inline(always)]
    pub(crate) fn boundary(&self) -> [(usize, Point<R>); BOUNDARY] {
        [(0, self.first), (self.len - 1, self.last)]
    }

    /// The indices computed by the interior formula: `head() .. len - tail()`.
    #[inline]
    pub(crate) fn interior(&self) -> Range<usize> {
        let start = self.head().min(self.len);
        start..self.len.saturating_sub(self.tail()).max(start)
    }

    /// `out` (indices within `0..len`) split into its points with the start's edge
    /// formulas, its interior points and its points with the end's edge formulas; each part
    /// may be empty, and together, in this order, they are `out`.
    #[inline]
    pub(crate) fn parts(&self, out: Range<usize>) -> [Range<usize>; 3] {
        let interior = self.interior();
        let start = out.start.max(interior.start).min(out.end);
        let end = out.end.min(interior.end).max(start);
        [out.start..start, start..end, end..out.end]
    }

    /// The sample indices the interior formula at point `j` reads, in the order of its
    /// terms: `[j - radius, j, j + radius]` (the central quotient reads the first and the
    /// last). Point `j + 1` reads each of them shifted by one.
    #[inline(always)]
    pub(crate) fn interior_taps(&self, j: usize) -> [usize; 3] {
        let r = self.radius();
        [j - r, j, j + r]
    }

    /// The indices of the samples output `j` reads (the smallest range holding them all).
    pub(crate) fn reads(&self, j: usize) -> Range<usize> {
        if self.interior().contains(&j) {
            let r = self.radius();
            j - r..j + r + 1
        } else {
            self.point(j).reads()
        }
    }

    /// The indices of the samples the outputs `out` read together (empty, at `out.start`,
    /// for no output): what a window of the input must hold to compute them. For interior
    /// outputs `out.start - radius .. out.end + radius`, extended to the samples of any
    /// boundary point in `out` (`0..3` for a second-order first point).
    pub(crate) fn input_range(&self, out: Range<usize>) -> Range<usize> {
        let [head, interior, tail] = self.parts(out.clone());
        // The interior outputs read a range that moves by one sample per output.
        let interior = (!interior.is_empty())
            .then(|| self.reads(interior.start).start..self.reads(interior.end - 1).end);
        let reads = (head.chain(tail)).map(|j| self.reads(j)).chain(interior);
        reads
            .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end))
            .unwrap_or(out.start..out.start)
    }

    /// The formula for output index `j` (global along the axis, `j < len`).
    #[inline]
    pub(crate) fn point(&self, j: usize) -> Point<R> {
        if j < self.head() {
            self.first
        } else if j >= self.len - self.tail() {
            self.last
        } else {
            match &self.interior {
                Interior::Central { two_h } => {
                    let [lo, _, hi] = self.interior_taps(j);
                    Point::Quotient {
                        lo,
                        hi,
                        div: *two_h,
                    }
                }
                Interior::OnDemand(_) => Point::ThreePoint {
                    at: self.interior_taps(j),
                    coef: self.weights(j, j + 1, &mut [[R::ZERO; 3]])[0],
                },
                Interior::Weights(w) => Point::ThreePoint {
                    at: self.interior_taps(j),
                    coef: w[j - self.head()],
                },
                Interior::Quotients(d) => {
                    let [lo, _, hi] = self.interior_taps(j);
                    Point::Quotient {
                        lo,
                        hi,
                        div: d[j - self.head()],
                    }
                }
            }
        }
    }

    /// The indices of `range` whose formula is the central quotient: its interior points
    /// ([`Self::parts`]), if the interior is central; else an empty range. Consecutive such
    /// points differ only by a shift of one index.
    pub(crate) fn central_run(&self, range: Range<usize>) -> Range<usize> {
        match self.interior {
            Interior::Central { .. } => {
                let [_, interior, _] = self.parts(range);
                interior
            }
            _ => range.end..range.end,
        }
    }

    /// A uniform step `h`. Every coefficient is computed in `K` (the step's own precision:
    /// `f64` for a Python number or a float64 scalar, `f32` for a float32 scalar) and then
    /// converted to `R`.
    fn uniform<K: Real>(h: K, len: usize, edge_order: u8) -> Self {
        let k = K::from_f64;
        let r = |x: K| R::from_f64(x.to_f64());
        let (first, last) = if edge_order == 1 {
            let div = Divisor::new(r(h));
            (
                Point::Quotient { lo: 0, hi: 1, div },
                Point::Quotient {
                    lo: len - 2,
                    hi: len - 1,
                    div,
                },
            )
        } else {
            let first = [k(-1.5) / h, k(2.0) / h, k(-0.5) / h].map(r);
            let last = [k(0.5) / h, k(-2.0) / h, k(1.5) / h].map(r);
            (
                Point::ThreePoint {
                    at: [0, 1, 2],
                    coef: first,
                },
                Point::ThreePoint {
                    at: [len - 3, len - 2, len - 1],
                    coef: last,
                },
            )
        };
        Stencil {
            len,
            interior: Interior::Central {
                two_h: Divisor::new(r(k(2.0) * h)),
            },
            first,
            last,
        }
    }

    /// Non-uniform coordinates `x` (at least 2). The interior weights are tabulated when
    /// the stencil serves several lanes (`lanes > 1`), and computed on demand otherwise.
    fn nonuniform(x: Coordinates<'a>, edge_order: u8, lanes: usize) -> Result<Self, GradError> {
        let (first, last) = with_coordinates!(&x, v => edges(v, edge_order));
        let interior = if lanes > 1 {
            Interior::Weights(with_coordinates!(&x, v => weight_table(v)?))
        } else {
            Interior::OnDemand(x)
        };
        Ok(Stencil {
            len: x.len(),
            interior,
            first,
            last,
        })
    }

    /// The MATLAB scheme on non-uniform coordinates `x` (at least 2): first-order edges as
    /// numpy's `edge_order` 1, and the interior quotients `(f[j+1] - f[j-1]) / (x[j+1] -
    /// x[j-1])`, each divisor computed in the coordinates' precision and converted to `R`.
    fn matlab_nonuniform(x: &Coordinates<'a>) -> Result<Self, GradError> {
        let (first, last) = with_coordinates!(x, v => edges(v, 1));
        let n = x.len().saturating_sub(2);
        let mut divisors = Vec::new();
        divisors
            .try_reserve_exact(n)
            .map_err(|_| GradError::OutOfMemory {
                bytes: n.saturating_mul(size_of::<Divisor<R>>()),
            })?;
        with_coordinates!(x, v => divisors.extend((1..=n).map(|j| {
            Divisor::new(R::from_f64((v[j + 1].k() - v[j - 1].k()).to_f64()))
        })));
        Ok(Stencil {
            len: x.len(),
            interior: Interior::Quotients(divisors),
            first,
            last,
        })
    }

    /// The interior weights of points `lo..hi` (within [`Self::interior`]): a slice of the
    /// table, or computed into `buf` (which must hold `hi - lo` entries).
    pub(crate) fn weights<'b>(
        &'b self,
        lo: usize,
        hi: usize,
        buf: &'b mut [[R; 3]],
    ) -> &'b [[R; 3]] {
        match &self.interior {
            Interior::Weights(w) => &w[lo - self.head()..hi - self.head()],
            Interior::OnDemand(x) => {
                let buf = &mut buf[..hi - lo];
                let r = self.radius();
                with_coordinates!(x, v => fill_weights(buf, v.slice(s![lo - r..hi + r])));
                buf
            }
            Interior::Central { .. } | Interior::Quotients(_) => {
                unreachable!("a quotient interior has no weights")
            }
        }
    }
}

/// numpy's interior weights for the point between steps `dx1` and `dx2`, computed in the
/// coordinates' precision `K` in numpy's operation order, then converted to `R`.
#[inline(always)]
fn interior_weights<K: Real, R: Real>(dx1: K, dx2: K) -> [R; 3] {
    let a = -(dx2) / (dx1 * (dx1 + dx2));
    let b = (dx2 - dx1) / (dx1 * dx2);
    let c = dx1 / (dx2 * (dx1 + dx2));
    [a, b, c].map(|x| R::from_f64(x.to_f64()))
}

/// The interior weights of points `lo..hi` (within `1..len-1`) from contiguous
/// coordinates `x`, computed as they are consumed: no buffer, and the loop that zips them
/// with the samples vectorises (three divisions per point are the cost here).
#[inline(always)]
pub(crate) fn weights_from<T: Coordinate, R: Real>(
    x: &[T],
    lo: usize,
    hi: usize,
) -> impl Iterator<Item = [R; 3]> + '_ {
    let x = &x[lo - 1..hi + 1];
    let steps = x.iter().zip(&x[1..]).zip(&x[2..]);
    steps.map(|((a, b), c)| interior_weights(b.k() - a.k(), c.k() - b.k()))
}

/// The weights of every interior point, from the coordinates.
fn weight_table<T: Coordinate, R: Real>(x: &ArrayView1<'_, T>) -> Result<Vec<[R; 3]>, GradError> {
    let n = x.len().saturating_sub(2);
    let mut table = Vec::new();
    table
        .try_reserve_exact(n)
        .map_err(|_| GradError::OutOfMemory {
            bytes: n.saturating_mul(size_of::<[R; 3]>()),
        })?;
    table.resize(n, [R::ZERO; 3]);
    fill_weights(&mut table, x.view());
    Ok(table)
}

/// `buf[i]` = the weights of the point at `x[i + 1]`, for `x` holding `buf.len() + 2`
/// coordinates. Differences are taken in the coordinates' precision, as `np.diff` does.
/// Works block by block through a buffer of converted coordinates, so that the three
/// divisions per point (the cost here) run in vector registers: four `f64` ones per
/// instruction with AVX2, where the CPU has it (see `fused::weighted_on_demand`).
#[cfg_attr(
    not(gradient_no_dispatch),
    multiversion::multiversion(targets("x86_64+avx2"))
)]
fn fill_weights<T: Coordinate, R: Real>(buf: &mut [[R; 3]], x: ArrayView1<'_, T>) {
    let mut k = [T::K::ZERO; BLOCK + 2];
    for (i, out) in buf.chunks_mut(BLOCK).enumerate() {
        let start = i * BLOCK;
        let k = &mut k[..out.len() + 2];
        for (d, c) in k.iter_mut().zip(x.slice(s![start..start + out.len() + 2])) {
            *d = c.k();
        }
        for (w, ((a, b), c)) in out.iter_mut().zip(k.iter().zip(&k[1..]).zip(&k[2..])) {
            *w = interior_weights(*b - *a, *c - *b);
        }
    }
}

/// The edge formulas on non-uniform coordinates, with numpy's operation order.
fn edges<T: Coordinate, R: Real>(x: &ArrayView1<'_, T>, edge_order: u8) -> (Point<R>, Point<R>) {
    let len = x.len();
    let dx = |i: usize| x[i + 1].k() - x[i].k();
    let r = |v: T::K| R::from_f64(v.to_f64());
    let two = T::K::from_f64(2.0);
    if edge_order == 1 {
        let first = Point::Quotient {
            lo: 0,
            hi: 1,
            div: Divisor::new(r(dx(0))),
        };
        let last = Point::Quotient {
            lo: len - 2,
            hi: len - 1,
            div: Divisor::new(r(dx(len - 2))),
        };
        return (first, last);
    }
    let (dx1, dx2) = (dx(0), dx(1));
    let first = [
        -(two * dx1 + dx2) / (dx1 * (dx1 + dx2)),
        (dx1 + dx2) / (dx1 * dx2),
        -dx1 / (dx2 * (dx1 + dx2)),
    ];
    let (dx1, dx2) = (dx(len - 3), dx(len - 2));
    let last = [
        dx2 / (dx1 * (dx1 + dx2)),
        -(dx2 + dx1) / (dx1 * dx2),
        (two * dx2 + dx1) / (dx2 * (dx1 + dx2)),
    ];
    (
        Point::ThreePoint {
            at: [0, 1, 2],
            coef: first.map(r),
        },
        Point::ThreePoint {
            at: [len - 3, len - 2, len - 1],
            coef: last.map(r),
        },
    )
}

/// One axis's stencil in the working precision numpy uses for it: the data's own
/// precision, or double precision when the spacing is a numpy float64 scalar or array (or
/// a float32 one with double-precision data).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AxisStencil<'a, V: Value> {
    /// Arithmetic in `V` itself.
    Native(Stencil<'a, V::Real>),
    /// Arithmetic in `V::Wide`, rounded to `V` when stored.
    Wide(Stencil<'a, f64>),
    /// Zero everywhere: the MATLAB scheme's derivative along an axis of length 1. Only
    /// the general path (`sweep`) writes it; the fused sweep declines it.
    Zero,
}

impl<'a, V: Value> AxisStencil<'a, V> {
    /// [`Stencil::central_run`] of whichever precision the stencil works in.
    pub(crate) fn central_run(&self, range: Range<usize>) -> Range<usize> {
        match self {
            AxisStencil::Native(s) => s.central_run(range),
            AxisStencil::Wide(s) => s.central_run(range),
            AxisStencil::Zero => range.end..range.end,
        }
    }

    /// [`Stencil::interior`] of whichever precision the stencil works in.
    pub(crate) fn interior(&self) -> Range<usize> {
        match self {
            AxisStencil::Native(s) => s.interior(),
            AxisStencil::Wide(s) => s.interior(),
            AxisStencil::Zero => 0..0,
        }
    }

    /// [`Stencil::input_range`] of whichever precision the stencil works in (a zero
    /// derivative reads nothing; its outputs' own range is returned).
    pub(crate) fn input_range(&self, out: Range<usize>) -> Range<usize> {
        match self {
            AxisStencil::Native(s) => s.input_range(out),
            AxisStencil::Wide(s) => s.input_range(out),
            AxisStencil::Zero => out,
        }
    }

    /// Whether the fused sweep has loops for this stencil: not for a zero derivative nor
    /// for the MATLAB scheme's non-uniform quotients, which the general path computes.
    pub(crate) fn fusable(&self) -> bool {
        match self {
            AxisStencil::Native(s) => !matches!(s.interior, Interior::Quotients(_)),
            AxisStencil::Wide(s) => !matches!(s.interior, Interior::Quotients(_)),
            AxisStencil::Zero => false,
        }
    }

    /// Builds the stencil for an axis of length `len` (at least `edge_order + 1`) that is
    /// applied to `lanes` lanes (the product of the other axes' lengths), numpy's scheme.
    #[cfg(test)]
    pub(crate) fn new(
        spacing: AxisSpacing<'a>,
        len: usize,
        edge_order: u8,
        lanes: usize,
    ) -> Result<Self, GradError> {
        Self::with_scheme(spacing, len, edge_order, lanes, Scheme::Numpy)
    }

    /// [`AxisStencil::new`] for either scheme. Under [`Scheme::Matlab`] (`edge_order` 1
    /// only, any `len` of at least 1), a length-1 axis is [`AxisStencil::Zero`] and
    /// non-uniform coordinates give quotients on `x[j+1] - x[j-1]`; numpy's precision
    /// rules are the same for both schemes.
    pub(crate) fn with_scheme(
        spacing: AxisSpacing<'a>,
        len: usize,
        edge_order: u8,
        lanes: usize,
        scheme: Scheme,
    ) -> Result<Self, GradError> {
        if scheme == Scheme::Matlab {
            let wide = |k_bits: u32| k_bits > V::Real::BITS;
            return Ok(match spacing {
                _ if len == 1 => AxisStencil::Zero,
                AxisSpacing::Nonuniform(x) if wide(x.precision_bits()) => {
                    AxisStencil::Wide(Stencil::matlab_nonuniform(&x)?)
                }
                AxisSpacing::Nonuniform(x) => AxisStencil::Native(Stencil::matlab_nonuniform(&x)?),
                // Uniform steps: MATLAB's formulas are numpy's with edge_order 1.
                uniform => Self::with_scheme(uniform, len, 1, lanes, Scheme::Numpy)?,
            });
        }
        // A Python number takes the data's precision; numpy scalars and arrays of kind K
        // promote the arithmetic to the wider of K and the data.
        let wide = |k_bits: u32| k_bits > V::Real::BITS;
        Ok(match spacing {
            AxisSpacing::Uniform(Step::Weak(h)) => {
                AxisStencil::Native(Stencil::uniform(h, len, edge_order))
            }
            AxisSpacing::Uniform(Step::F64(h)) if wide(64) => {
                AxisStencil::Wide(Stencil::uniform(h, len, edge_order))
            }
            AxisSpacing::Uniform(Step::F64(h)) => {
                AxisStencil::Native(Stencil::uniform(h, len, edge_order))
            }
            AxisSpacing::Uniform(Step::F32(h)) => {
                AxisStencil::Native(Stencil::uniform(h, len, edge_order))
            }
            AxisSpacing::Nonuniform(x) if wide(x.precision_bits()) => {
                AxisStencil::Wide(Stencil::nonuniform(x, edge_order, lanes)?)
            }
            AxisSpacing::Nonuniform(x) => {
                AxisStencil::Native(Stencil::nonuniform(x, edge_order, lanes)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(s: &Stencil<f64>, f: &[f64]) -> Vec<f64> {
        (0..f.len())
            .map(|j| at_point::<f64, f64>(s.point(j), |i| f[i]))
            .collect()
    }

    #[test]
    fn geometry_by_hand() {
        // numpy's stencils: radius 1, one edge point at each end, reading two samples
        // (edge order 1) or three (edge order 2).
        let x = [0.0, 2.0, 3.0, 6.0, 8.0, 9.0, 11.0, 12.5, 14.0];
        let coords = || Coordinates::F64(ndarray::ArrayView1::from(&x));
        for eo in [1, 2] {
            let edge = usize::from(eo) + 1;
            let stencils = [
                Stencil::<f64>::uniform(0.5, 9, eo),
                Stencil::<f64>::nonuniform(coords(), eo, 2).unwrap(),
                Stencil::<f64>::nonuniform(coords(), eo, 1).unwrap(),
            ];
            for s in &stencils {
                assert_eq!((s.radius(), s.head(), s.tail()), (1, 1, 1));
                assert_eq!(s.interior(), 1..8);
                assert_eq!(s.parts(0..9), [0..1, 1..8, 8..9]);
                assert_eq!(s.parts(3..5), [3..3, 3..5, 5..5]);
                assert_eq!(s.parts(8..9), [8..8, 8..8, 8..9]);
                assert_eq!(s.parts(0..1), [0..1, 1..1, 1..1]);
                assert_eq!(s.interior_taps(4), [3, 4, 5]);
                assert_eq!(s.input_range(3..5), 2..6);
                assert_eq!(s.input_range(1..8), 0..9);
                assert_eq!(s.input_range(0..1), 0..edge);
                assert_eq!(s.input_range(8..9), 9 - edge..9);
                assert_eq!(s.input_range(0..2), 0..3);
                assert_eq!(s.input_range(7..9), 6..9);
                assert_eq!(s.input_range(4..4), 4..4);
                // Each point reads what `reads` says, its interior formula the taps.
                for j in 0..9 {
                    assert_eq!(s.point(j).reads(), s.reads(j), "eo {eo} point {j}");
                    assert_eq!(s.input_range(j..j + 1), s.reads(j));
                    match s.point(j) {
                        Point::Quotient { lo, hi, .. } if s.interior().contains(&j) => {
                            assert_eq!([lo, hi], [j - 1, j + 1]);
                        }
                        Point::ThreePoint { at, .. } if s.interior().contains(&j) => {
                            assert_eq!(at, s.interior_taps(j));
                        }
                        _ => assert!(j == 0 || j == 8),
                    }
                }
            }
        }
        // The shortest axes: two points (both edges, no interior), three at edge order 2.
        let s = Stencil::<f64>::uniform(1.0, 2, 1);
        assert_eq!((s.interior(), s.parts(0..2)), (1..1, [0..1, 1..1, 1..2]));
        assert_eq!((s.input_range(0..1), s.input_range(1..2)), (0..2, 0..2));
        let s = Stencil::<f64>::uniform(1.0, 3, 2);
        assert_eq!(s.interior(), 1..2);
        assert_eq!((s.input_range(1..2), s.input_range(2..3)), (0..3, 0..3));
    }

    #[test]
    fn central_difference_by_hand() {
        // f = [5, 7, 4, 8], h = 1: interior (4-5)/2, (8-7)/2; edges 7-5, 8-4.
        let s = Stencil::<f64>::uniform(1.0, 4, 1);
        assert_eq!(apply(&s, &[5.0, 7.0, 4.0, 8.0]), [2.0, -0.5, 0.5, 4.0]);
        let s = Stencil::<f64>::uniform(0.5, 4, 1);
        assert_eq!(apply(&s, &[5.0, 7.0, 4.0, 8.0]), [4.0, -1.0, 1.0, 8.0]);
    }

    #[test]
    fn second_order_edges_by_hand() {
        // Edge: (-3 f0 + 4 f1 - f2) / 2h = (-15 + 28 - 4)/2 = 4.5; (f1 - 4 f2 + 3 f3)/2h = 7.5.
        let s = Stencil::<f64>::uniform(1.0, 4, 2);
        assert_eq!(apply(&s, &[5.0, 7.0, 4.0, 8.0]), [4.5, -0.5, 0.5, 7.5]);
    }

    #[test]
    fn nonuniform_interior_is_exact_for_quadratics() {
        // The three-point formula differentiates x^2 exactly: 2x, on any grid. The edges of
        // order 2 are exact too; order 1 gives the secant slope x0 + x1.
        let x = [0.0, 2.0, 3.0, 6.0, 8.0];
        let f: Vec<f64> = x.iter().map(|v| v * v).collect();
        let s = Stencil::<f64>::nonuniform(Coordinates::F64(ndarray::ArrayView1::from(&x)), 2, 2)
            .unwrap();
        // numpy documents this very example: [0, 4, 6, 12, 16] up to rounding.
        assert_eq!(apply(&s, &f), [0.0, 4.0, 6.0, 12.0, 15.999999999999996]);
        let s = Stencil::<f64>::nonuniform(Coordinates::F64(ndarray::ArrayView1::from(&x)), 1, 1)
            .unwrap();
        let g = apply(&s, &f);
        assert_eq!((g[0], g[4]), (2.0, 14.0));
        for (gi, xi) in g[1..4].iter().zip(&x[1..4]) {
            approx::assert_relative_eq!(*gi, 2.0 * xi, max_relative = 1e-15);
        }
    }

    #[test]
    fn length_two_uses_the_one_difference_twice() {
        let s = Stencil::<f64>::uniform(2.0, 2, 1);
        assert_eq!(apply(&s, &[1.0, 5.0]), [2.0, 2.0]);
    }

    #[test]
    fn weak_steps_round_coefficients_computed_in_double() {
        // np.gradient(f32, 1e39, edge_order=2): f32(1e39) is inf, but -1.5/1e39 computed in
        // double and rounded is a float32 subnormal.
        let s = Stencil::<f32>::uniform(1e39_f64, 4, 2);
        assert_eq!(
            s.interior,
            Interior::Central {
                two_h: Divisor::new(f32::INFINITY)
            }
        );
        let Point::ThreePoint { coef, .. } = s.first else {
            panic!()
        };
        assert_eq!(coef[0], (-1.5 / 1e39_f64) as f32);
        assert!(coef[0] != 0.0 && coef[0].is_subnormal());
    }

    #[test]
    fn float32_steps_promote_only_double_data() {
        let sp = AxisSpacing::Uniform(Step::F32(0.3));
        assert!(matches!(
            AxisStencil::<f32>::new(sp.clone(), 4, 2, 1).unwrap(),
            AxisStencil::Native(_)
        ));
        let AxisStencil::<f64>::Native(s) = AxisStencil::<f64>::new(sp.clone(), 4, 2, 1).unwrap()
        else {
            panic!()
        };
        // Coefficients computed in float32, then widened.
        let Point::ThreePoint { coef, .. } = s.first else {
            panic!()
        };
        assert_eq!(coef[0], f64::from(-1.5_f32 / 0.3_f32));
        let sp = AxisSpacing::Uniform(Step::F64(0.3));
        assert!(matches!(
            AxisStencil::<f32>::new(sp.clone(), 4, 2, 1).unwrap(),
            AxisStencil::Wide(_)
        ));
    }
}
