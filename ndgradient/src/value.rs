//! The number types the stencils compute with, and numpy's precision rules for them.
//!
//! numpy evaluates every operation of `gradient` in the dtype that its promotion rules
//! (NEP 50) pick for that operation. Three kinds of type take part:
//!
//! - the **element** type of `f` ([`Element`]): what the caller stores;
//! - the **value** type ([`Value`]): the dtype numpy computes and returns in for that element
//!   type (`f64` for every integer type, the type itself for floats and complex numbers);
//! - the **working** type of one axis ([`Work`]): the value type, or its double-precision
//!   widening when the spacing of that axis is a float64 scalar or coordinate array.
//!
//! Complex values are divided and multiplied by real numbers exactly as numpy's complex
//! loops do it (numpy has no mixed real/complex loops: the real operand becomes `x + 0j`).

use num_complex::Complex;
use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

mod sealed {
    pub trait Sealed {}
}

/// A real floating-point type in which coefficients and spacings are held: `f32` or `f64`.
pub trait Real:
    Copy
    + PartialEq
    + PartialOrd
    + Debug
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + 'static
    + sealed::Sealed
{
    /// Width of the significand's storage, to compare precisions: 32 or 64.
    const BITS: u32;
    /// `0.0`.
    const ZERO: Self;
    /// `1.0`.
    const ONE: Self;
    /// `x` rounded to this type (to nearest, ties to even), as numpy's casts do.
    fn from_f64(x: f64) -> Self;
    /// The exact `f64` value of `self`.
    fn to_f64(self) -> f64;
    /// `|self|`.
    fn abs(self) -> Self;
    /// True for `±2^k` in the normal range, whose reciprocal `2^-k` is exact.
    fn is_power_of_two(self) -> bool;
}

/// A real divisor, with its reciprocal when multiplying by that gives the same bits as
/// dividing: for `d = ±2^k`, `x / d` and `x * 2^-k` are the same real number, rounded once
/// the same way, for every `x`. Division is several times slower than multiplication, and
/// unit spacing (`2h = 2`) is the most common case.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divisor<R> {
    value: R,
    reciprocal: Option<R>,
}

impl<R: Real> Divisor<R> {
    /// The divisor `value`.
    pub fn new(value: R) -> Self {
        Divisor {
            value,
            reciprocal: value.is_power_of_two().then(|| R::ONE / value),
        }
    }

    /// The divisor itself.
    pub fn value(self) -> R {
        self.value
    }

    /// Its reciprocal, when dividing by it is a multiplication by that.
    pub(crate) fn reciprocal(self) -> Option<R> {
        self.reciprocal
    }

    /// Whether dividing by it is a multiplication by its reciprocal.
    pub(crate) fn has_reciprocal(self) -> bool {
        self.reciprocal.is_some()
    }

    /// The same divisor, rebuilt with [`Self::has_reciprocal`] equal to the constant
    /// `RECIPROCAL`: where this is inlined into a loop, the optimiser knows which way
    /// [`Value::over`] goes and can vectorise the loop.
    #[inline(always)]
    pub(crate) fn settled<const RECIPROCAL: bool>(self) -> Self {
        debug_assert_eq!(RECIPROCAL, self.has_reciprocal());
        Divisor {
            value: self.value,
            reciprocal: match RECIPROCAL {
                true => Some(self.reciprocal.unwrap_or(R::ONE)),
                false => None,
            },
        }
    }
}

impl sealed::Sealed for f32 {}
impl sealed::Sealed for f64 {}

impl Real for f32 {
    const BITS: u32 = 32;
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn abs(self) -> Self {
        f32::abs(self)
    }
    fn is_power_of_two(self) -> bool {
        self.is_normal() && self.to_bits() & 0x007f_ffff == 0
    }
}

impl Real for f64 {
    const BITS: u32 = 64;
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn abs(self) -> Self {
        f64::abs(self)
    }
    fn is_power_of_two(self) -> bool {
        self.is_normal() && self.to_bits() & 0x000f_ffff_ffff_ffff == 0
    }
}

/// A number type that numpy.gradient computes and returns: `f32`, `f64`, `Complex<f32>`
/// or `Complex<f64>`.
///
/// The operations are the ones the stencils need, each exactly as numpy evaluates it;
/// `Default` is zero (the MATLAB scheme's derivative along an axis of length 1).
pub trait Value:
    Copy + PartialEq + Debug + Default + Send + Sync + 'static + sealed::Sealed
{
    /// The type of the real and imaginary parts.
    type Real: Real;
    /// The same kind of number in double precision (`f64` or `Complex<f64>`).
    type Wide: Work<Self, Real = f64>;
    /// `self - rhs`, in this type.
    fn minus(self, rhs: Self) -> Self;
    /// `self + rhs`, in this type.
    fn plus(self, rhs: Self) -> Self;
    /// `self / d` for a real divisor `d`, as numpy divides an array by a real scalar.
    fn over(self, d: Divisor<Self::Real>) -> Self;
    /// `c * self` for a real coefficient `c`, as numpy multiplies.
    fn scaled(self, c: Self::Real) -> Self;
}

/// A working type `Self` for data of value type `V`: where one axis's arithmetic happens.
///
/// `load` is exact (a widening or the identity); `store` rounds to nearest, as numpy's
/// assignment into the output array does.
pub trait Work<V>: Value {
    /// `v` converted to the working type (exact).
    fn load(v: V) -> Self;
    /// The working value rounded to the output's value type.
    fn store(self) -> V;
}

impl<V: Value> Work<V> for V {
    fn load(v: V) -> Self {
        v
    }
    fn store(self) -> V {
        self
    }
}

macro_rules! real_value {
    ($t:ty) => {
        impl Value for $t {
            type Real = $t;
            type Wide = f64;
            fn minus(self, rhs: Self) -> Self {
                self - rhs
            }
            fn plus(self, rhs: Self) -> Self {
                self + rhs
            }
            fn over(self, d: Divisor<$t>) -> Self {
                match d.reciprocal {
                    Some(r) => self * r,
                    None => self / d.value,
                }
            }
            fn scaled(self, c: Self::Real) -> Self {
                c * self
            }
        }
    };
}
real_value!(f32);
real_value!(f64);

impl Work<f32> for f64 {
    fn load(v: f32) -> Self {
        f64::from(v)
    }
    fn store(self) -> f32 {
        self as f32
    }
}

impl<R: Real> sealed::Sealed for Complex<R> {}

macro_rules! complex_value {
    ($r:ty) => {
        impl Value for Complex<$r> {
            type Real = $r;
            type Wide = Complex<f64>;
            fn minus(self, rhs: Self) -> Self {
                Complex::new(self.re - rhs.re, self.im - rhs.im)
            }
            fn plus(self, rhs: Self) -> Self {
                Complex::new(self.re + rhs.re, self.im + rhs.im)
            }
            fn over(self, d: Divisor<$r>) -> Self {
                complex_divide(self, Complex::new(d.value, 0.0))
            }
            fn scaled(self, c: $r) -> Self {
                // numpy's complex multiply with `c + 0j` as the first operand.
                let (ar, ai) = (c, 0.0);
                Complex::new(ar * self.re - ai * self.im, ar * self.im + ai * self.re)
            }
        }
    };
}
complex_value!(f32);
complex_value!(f64);

impl Work<Complex<f32>> for Complex<f64> {
    fn load(v: Complex<f32>) -> Self {
        Complex::new(f64::from(v.re), f64::from(v.im))
    }
    fn store(self) -> Complex<f32> {
        Complex::new(self.re as f32, self.im as f32)
    }
}

/// numpy's complex division loop (Smith's method, `numpy/_core/src/umath/loops.c.src`):
/// for a divisor with a zero imaginary part and finite operands it multiplies by the
/// reciprocal `1/d`, which is not the same as dividing each part by `d`.
fn complex_divide<R: Real>(n: Complex<R>, d: Complex<R>) -> Complex<R> {
    let (in1r, in1i, in2r, in2i) = (n.re, n.im, d.re, d.im);
    let (in2r_abs, in2i_abs) = (in2r.abs(), in2i.abs());
    if in2r_abs >= in2i_abs {
        if in2r_abs == R::ZERO && in2i_abs == R::ZERO {
            Complex::new(in1r / in2r_abs, in1i / in2r_abs)
        } else {
            let rat = in2i / in2r;
            let scl = R::ONE / (in2r + in2i * rat);
            Complex::new((in1r + in1i * rat) * scl, (in1i - in1r * rat) * scl)
        }
    } else {
        let rat = in2r / in2i;
        let scl = R::ONE / (in2i + in2r * rat);
        Complex::new((in1r * rat + in1i) * scl, (in1i * rat - in1r) * scl)
    }
}

/// An element type of the input array `f`.
///
/// Floats and complex numbers are computed in their own type; every integer type is
/// converted to `f64` before any subtraction, as numpy does (so `u8` data never wraps).
pub trait Element: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The type numpy computes and returns for this element type.
    type Out: Value;
    /// The element converted to [`Element::Out`].
    fn value(self) -> Self::Out;
}

macro_rules! element {
    ($($t:ty => $out:ty),* $(,)?) => {$(
        impl Element for $t {
            type Out = $out;
            fn value(self) -> $out {
                self as $out
            }
        }
    )*};
}
element!(f64 => f64, f32 => f32);
macro_rules! int_element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        element!($t => f64);
    )*};
}
int_element!(i8, i16, i32, i64, u8, u16, u32, u64);

impl<R: Real> Element for Complex<R>
where
    Complex<R>: Value,
{
    type Out = Complex<R>;
    fn value(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_division_by_a_real_is_a_reciprocal_multiply() {
        // 1/0.7 is inexact, so dividing each part by 0.7 rounds differently from numpy.
        let z = Complex::new(0.3_f64, -1.1);
        let q = z.over(Divisor::new(0.7));
        let r = 1.0 / 0.7;
        assert_eq!(
            q,
            Complex::new((0.3 + -1.1 * 0.0) * r, (-1.1 - 0.3 * 0.0) * r)
        );
    }

    #[test]
    fn complex_division_by_zero_gives_infinities() {
        let q = Complex::new(1.0_f64, -2.0).over(Divisor::new(0.0));
        assert_eq!((q.re, q.im), (f64::INFINITY, f64::NEG_INFINITY));
        let q = Complex::new(0.0_f64, 1.0).over(Divisor::new(-0.0));
        assert!(q.re.is_nan() && q.im == f64::INFINITY);
    }

    #[test]
    fn complex_scaling_turns_an_infinite_part_into_nan_in_the_other() {
        // numpy: (inf+1j) * (2+0j) = (inf, 2 + 0*inf) = (inf, nan).
        let z = Complex::new(f64::INFINITY, 1.0).scaled(2.0);
        assert!(z.re == f64::INFINITY && z.im.is_nan());
    }

    #[test]
    fn dividing_by_a_power_of_two_equals_multiplying_by_its_reciprocal() {
        // The shortcut must never change a bit: check normal, subnormal, huge, tiny, inf
        // and nan dividends against every power-of-two divisor of both signs.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut xs: Vec<f64> = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
            1.0,
            3.0,
        ];
        xs.extend((0..2000).map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            f64::from_bits(state)
        }));
        for k in -1074..=1023 {
            for sign in [1.0, -1.0] {
                let d = sign * 2f64.powi(k);
                let div = Divisor::new(d);
                assert_eq!(
                    div.reciprocal.is_some(),
                    (-1022..=1023).contains(&k),
                    "2^{k}"
                );
                for &x in &xs {
                    let (a, b) = (x.over(div), x / d);
                    assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "{x:e} / {d:e}"
                    );
                }
            }
        }
        for k in -149..=127 {
            let d = 2f32.powi(k);
            for &x in &xs {
                let x = x as f32;
                let (a, b) = (x.over(Divisor::new(d)), x / d);
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{x:e} / {d:e}"
                );
            }
        }
        assert!(
            Divisor::new(3.0f64).reciprocal.is_none() && Divisor::new(0.0f64).reciprocal.is_none()
        );
    }

    #[test]
    fn integers_become_f64_before_subtraction() {
        assert_eq!(255u8.value().minus(0u8.value()), 255.0);
        assert_eq!(u64::MAX.value(), 18446744073709551616.0);
        assert_eq!((-128i8).value(), -128.0);
    }

    #[test]
    fn widening_is_exact_and_storing_rounds_to_nearest() {
        let x = 0.1_f32;
        assert_eq!(<f64 as Work<f32>>::load(x), 0.10000000149011612);
        assert_eq!(<f64 as Work<f32>>::store(1.0 + 2f64.powi(-24)), 1.0); // tie to even
        assert_eq!(
            <f64 as Work<f32>>::store(1.0 + 3.0 * 2f64.powi(-24)),
            1.0 + 2f32.powi(-22)
        );
    }
}
