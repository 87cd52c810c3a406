//! An independent, deliberately plain `numpy.gradient` for the fuzzer's oracle.
//!
//! Written from `/work/shared/reference/numpy-gradient.md` (§1.5-§1.9), one output element
//! at a time: no sweeps, no fusion, no threads. Every value is carried as an exact
//! `(re, im)` pair of doubles; each operation is performed in the precision numpy uses for
//! it (NEP 50: a Python number takes the data's precision, numpy float64 scalars and arrays
//! promote single-precision data to double, float32 ones do not) and rounded to the output
//! precision once at the end.

/// A real floating type the reference computes in.
pub trait Float:
    Copy
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
{
    /// `x` rounded to this type.
    fn of(x: f64) -> Self;
    /// Exact widening to `f64`.
    fn wide(self) -> f64;
    /// `|self|`.
    fn abs(self) -> Self;
}

impl Float for f32 {
    fn of(x: f64) -> Self {
        x as f32
    }
    fn wide(self) -> f64 {
        f64::from(self)
    }
    fn abs(self) -> Self {
        f32::abs(self)
    }
}

impl Float for f64 {
    fn of(x: f64) -> Self {
        x
    }
    fn wide(self) -> f64 {
        self
    }
    fn abs(self) -> Self {
        f64::abs(self)
    }
}

/// The spacing of one axis after numpy's parsing (§1.2).
#[derive(Clone, Debug)]
pub enum AxisSpacing {
    /// A Python number (unit spacing is `1.0`): arithmetic in the data's precision.
    Weak(f64),
    /// A numpy float64 scalar (or uniform float64/integer coordinates).
    StrongF64(f64),
    /// A numpy float32 scalar (or uniform float32 coordinates).
    StrongF32(f32),
    /// Non-uniform float64/integer coordinates: the differences.
    Diffs64(Vec<f64>),
    /// Non-uniform float32 coordinates: the differences, computed in float32.
    Diffs32(Vec<f32>),
    /// Non-uniform float64/integer coordinates under the MATLAB scheme: the coordinates.
    Matlab64(Vec<f64>),
    /// Non-uniform float32 coordinates under the MATLAB scheme: the coordinates.
    Matlab32(Vec<f32>),
}

/// Coordinates as read from memory, in their dtype's own precision.
#[derive(Clone, Debug)]
pub enum Coords {
    /// float64 or integer coordinates (integers already converted to float64).
    F64(Vec<f64>),
    /// float32 coordinates.
    F32(Vec<f32>),
}

impl Coords {
    /// The MATLAB scheme's parsing: numpy's uniformity collapse (a uniform axis uses the
    /// step `x[1] - x[0]`, whose formulas are numpy's), else the coordinates themselves.
    pub fn parse_matlab(&self) -> AxisSpacing {
        match (self.parse(), self) {
            (AxisSpacing::Diffs64(_), Coords::F64(x)) => AxisSpacing::Matlab64(x.clone()),
            (AxisSpacing::Diffs32(_), Coords::F32(x)) => AxisSpacing::Matlab32(x.clone()),
            (uniform, _) => uniform,
        }
    }

    /// numpy's `np.diff`, then the exact-uniformity collapse (`(d == d[0]).all()`).
    /// The caller has checked the length is at least 2.
    pub fn parse(&self) -> AxisSpacing {
        match self {
            Coords::F64(x) => {
                let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
                if d.iter().all(|&v| v == d[0]) {
                    AxisSpacing::StrongF64(d[0])
                } else {
                    AxisSpacing::Diffs64(d)
                }
            }
            Coords::F32(x) => {
                let d: Vec<f32> = x.windows(2).map(|w| w[1] - w[0]).collect();
                if d.iter().all(|&v| v == d[0]) {
                    AxisSpacing::StrongF32(d[0])
                } else {
                    AxisSpacing::Diffs32(d)
                }
            }
        }
    }
}

/// A value: `(re, im)`; `im` is ignored (kept 0) for real data.
pub type Pair = (f64, f64);

/// numpy's complex division loop (Smith's method), transcribed from
/// `numpy/_core/src/umath/loops.c.src` `@TYPE@_divide`.
fn cdiv<W: Float>(a: (W, W), b: (W, W)) -> (W, W) {
    let (in1r, in1i, in2r, in2i) = (a.0, a.1, b.0, b.1);
    let (in2r_abs, in2i_abs) = (in2r.abs(), in2i.abs());
    let zero = W::of(0.0);
    let one = W::of(1.0);
    if in2r_abs >= in2i_abs {
        if in2r_abs == zero && in2i_abs == zero {
            (in1r / in2r_abs, in1i / in2i_abs)
        } else {
            let rat = in2i / in2r;
            let scl = one / (in2r + in2i * rat);
            ((in1r + in1i * rat) * scl, (in1i - in1r * rat) * scl)
        }
    } else {
        let rat = in2r / in2i;
        let scl = one / (in2i + in2r * rat);
        ((in1r * rat + in1i) * scl, (in1i * rat - in1r) * scl)
    }
}

/// One output element's formula: `(f[hi] - f[lo]) / d`, or `c0*f[at] + c1*f[at+1] +
/// c2*f[at+2]`, with coefficients already in the working precision `W`.
enum Formula<W> {
    Quotient(usize, usize, W),
    Three(usize, [W; 3]),
}

/// The formula numpy applies at index `i` of an axis of length `n` (§1.5, §1.6), with
/// coefficients computed in the precision the spacing dictates and converted to `W`.
fn formula<V: Float, W: Float>(sp: &AxisSpacing, n: usize, eo: i32, i: usize) -> Formula<W> {
    let w = |x: f64| W::of(x);
    // Uniform step: interior divisor, eo1 divisor, eo2 first and last coefficients.
    let uniform = |two_h: W, h: W, first: [W; 3], last: [W; 3]| {
        if i == 0 {
            if eo == 1 {
                Formula::Quotient(0, 1, h)
            } else {
                Formula::Three(0, first)
            }
        } else if i == n - 1 {
            if eo == 1 {
                Formula::Quotient(n - 2, n - 1, h)
            } else {
                Formula::Three(n - 3, last)
            }
        } else {
            Formula::Quotient(i - 1, i + 1, two_h)
        }
    };
    match *sp {
        AxisSpacing::Weak(h) => {
            // `2. * h` and `-1.5 / h` are Python floats (double); the data's precision
            // takes them over (rounding once).
            let v = |x: f64| W::of(V::of(x).wide());
            uniform(
                v(2.0 * h),
                v(h),
                [v(-1.5 / h), v(2.0 / h), v(-0.5 / h)],
                [v(0.5 / h), v(-2.0 / h), v(1.5 / h)],
            )
        }
        AxisSpacing::StrongF64(h) => uniform(
            w(2.0 * h),
            w(h),
            [w(-1.5 / h), w(2.0 / h), w(-0.5 / h)],
            [w(0.5 / h), w(-2.0 / h), w(1.5 / h)],
        ),
        AxisSpacing::StrongF32(h) => {
            let s = |x: f32| W::of(f64::from(x));
            uniform(
                s(2.0 * h),
                s(h),
                [s(-1.5 / h), s(2.0 / h), s(-0.5 / h)],
                [s(0.5 / h), s(-2.0 / h), s(1.5 / h)],
            )
        }
        AxisSpacing::Diffs64(ref dx) => nonuniform(dx, n, eo, i, |x: f64| W::of(x)),
        AxisSpacing::Diffs32(ref dx) => nonuniform(dx, n, eo, i, |x: f32| W::of(f64::from(x))),
        AxisSpacing::Matlab64(ref x) => matlab(x, n, i, |x: f64| W::of(x)),
        AxisSpacing::Matlab32(ref x) => matlab(x, n, i, |x: f32| W::of(f64::from(x))),
    }
}

/// MATLAB's formulas on coordinates `x` (first-order edges, the interior quotient on
/// `x[i+1] - x[i-1]`), the divisor computed in the coordinates' precision `K`.
fn matlab<K: Float, W: Float>(x: &[K], n: usize, i: usize, to_w: impl Fn(K) -> W) -> Formula<W> {
    let (lo, hi) = (i.saturating_sub(1), (i + 1).min(n - 1));
    Formula::Quotient(lo, hi, to_w(x[hi] - x[lo]))
}

/// §1.6, in the coordinates' precision `K`, converted by `to_w`.
fn nonuniform<K: Float, W: Float>(
    dx: &[K],
    n: usize,
    eo: i32,
    i: usize,
    to_w: impl Fn(K) -> W,
) -> Formula<W> {
    let two = K::of(2.0);
    if i == 0 {
        if eo == 1 {
            return Formula::Quotient(0, 1, to_w(dx[0]));
        }
        let (dx1, dx2) = (dx[0], dx[1]);
        let a = -(two * dx1 + dx2) / (dx1 * (dx1 + dx2));
        let b = (dx1 + dx2) / (dx1 * dx2);
        let c = -dx1 / (dx2 * (dx1 + dx2));
        return Formula::Three(0, [to_w(a), to_w(b), to_w(c)]);
    }
    if i == n - 1 {
        if eo == 1 {
            return Formula::Quotient(n - 2, n - 1, to_w(dx[n - 2]));
        }
        let (dx1, dx2) = (dx[n - 3], dx[n - 2]);
        let a = dx2 / (dx1 * (dx1 + dx2));
        let b = -(dx2 + dx1) / (dx1 * dx2);
        let c = (two * dx2 + dx1) / (dx2 * (dx1 + dx2));
        return Formula::Three(n - 3, [to_w(a), to_w(b), to_w(c)]);
    }
    let (dx1, dx2) = (dx[i - 1], dx[i]);
    let a = -(dx2) / (dx1 * (dx1 + dx2));
    let b = (dx2 - dx1) / (dx1 * dx2);
    let c = dx1 / (dx2 * (dx1 + dx2));
    Formula::Three(i - 1, [to_w(a), to_w(b), to_w(c)])
}

/// The derivative at index `i` of one line along the axis (`line[j]` = f at j, exact
/// values of the data precision `V`), computed in working precision `W` and rounded to
/// `V`. `complex` selects numpy's complex arithmetic.
fn element<V: Float, W: Float>(
    line: &dyn Fn(usize) -> Pair,
    complex: bool,
    sp: &AxisSpacing,
    n: usize,
    eo: i32,
    i: usize,
) -> Pair {
    let load = |j: usize| -> (W, W) {
        let (re, im) = line(j);
        (W::of(re), W::of(im))
    };
    let store = |(re, im): (W, W)| -> Pair {
        (
            V::of(re.wide()).wide(),
            if complex {
                V::of(im.wide()).wide()
            } else {
                0.0
            },
        )
    };
    match formula::<V, W>(sp, n, eo, i) {
        Formula::Quotient(lo, hi, d) => {
            // The difference is taken in the data's precision first.
            let (a, b) = (line(lo), line(hi));
            let diff = (V::of(b.0) - V::of(a.0), V::of(b.1) - V::of(a.1));
            let diff = (W::of(diff.0.wide()), W::of(diff.1.wide()));
            if complex {
                store(cdiv(diff, (d, W::of(0.0))))
            } else {
                store((diff.0 / d, W::of(0.0)))
            }
        }
        Formula::Three(at, c) => {
            let zero = W::of(0.0);
            // (c + 0j) * (re + im j), numpy's complex multiply; for real data, c * re.
            let scale = |c: W, (re, im): (W, W)| {
                if complex {
                    (c * re - zero * im, c * im + zero * re)
                } else {
                    (c * re, zero)
                }
            };
            let t0 = scale(c[0], load(at));
            let t1 = scale(c[1], load(at + 1));
            let t2 = scale(c[2], load(at + 2));
            let s = (t0.0 + t1.0, t0.1 + t1.1);
            store((s.0 + t2.0, s.1 + t2.1))
        }
    }
}

/// The derivative at index `i` (`0 <= i < n`, `n >= edge_order + 1`) of a line of data of
/// single (`single = true`: float32 / complex64) or double precision, for spacing `sp`.
/// An axis of length 1 (which only the MATLAB scheme accepts) has the derivative 0.
pub fn derivative(
    line: &dyn Fn(usize) -> Pair,
    single: bool,
    complex: bool,
    sp: &AxisSpacing,
    n: usize,
    eo: i32,
    i: usize,
) -> Pair {
    if n == 1 {
        return (0.0, 0.0);
    }
    let promotes = matches!(
        sp,
        AxisSpacing::StrongF64(_) | AxisSpacing::Diffs64(_) | AxisSpacing::Matlab64(_)
    );
    match (single, promotes) {
        (false, _) => element::<f64, f64>(line, complex, sp, n, eo, i),
        (true, false) => element::<f32, f32>(line, complex, sp, n, eo, i),
        (true, true) => element::<f32, f64>(line, complex, sp, n, eo, i),
    }
}

/// Whether two values are the same bits, counting any NaN equal to any NaN.
pub fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}
