//! Spacing arguments: numpy's `*varargs`, and how each becomes a step or a table of
//! differences for one axis.

use super::error::GradError;
use super::value::Real;
use ndarray::ArrayView1;

/// Evaluates `$body` with `$x` bound to the coordinates' typed view, whatever their dtype.
macro_rules! with_coordinates {
    ($coords:expr, $x:ident => $body:expr) => {
        match $coords {
            Coordinates::F64($x) => $body,
            Coordinates::F32($x) => $body,
            Coordinates::I8($x) => $body,
            Coordinates::I16($x) => $body,
            Coordinates::I32($x) => $body,
            Coordinates::I64($x) => $body,
            Coordinates::U8($x) => $body,
            Coordinates::U16($x) => $body,
            Coordinates::U32($x) => $body,
            Coordinates::U64($x) => $body,
        }
    };
}
pub(crate) use with_coordinates;

/// The sample spacing along one axis, as numpy.gradient's `varargs` entries express it.
///
/// For `f64`, `Complex<f64>` and integer data, `Scalar(h)` and `ScalarF64(h)` give identical
/// results; `ScalarF32` does not, since its step is an `f32` (numpy's float32 scalar: 0.1
/// is 0.100000001490116...) and its edge-order-2 edge coefficients are computed in `f32`,
/// as in `np.gradient(f, np.float32(h))`. For `f32` and `Complex<f32>` data the three forms
/// differ in the precision of the arithmetic, exactly as in numpy ≥ 2.0 (NEP 50): a Python
/// number is "weak" and takes the data's precision, a numpy `float64` scalar forces double
/// precision with one rounding at the end, and a numpy `float32` scalar keeps single
/// precision.
#[derive(Clone, Copy, Debug)]
pub enum Spacing<'a> {
    /// Unit spacing: numpy's default (the Python float `1.0`).
    Unit,
    /// A step given as a Python number would be: arithmetic in the data's own precision.
    /// This is the default form for a scalar step.
    Scalar(f64),
    /// A step given as a numpy `float64` scalar: arithmetic in at least double precision.
    ScalarF64(f64),
    /// A step given as a numpy `float32` scalar: coefficients computed in single precision.
    ScalarF32(f32),
    /// Sample coordinates along the axis, one per element of that axis (any stride).
    Coordinates(Coordinates<'a>),
}

/// A one-dimensional array of coordinates, in any dtype numpy accepts for them.
///
/// Integer coordinates are converted to `f64` before differencing, as numpy does; `f32`
/// coordinates are differenced and turned into coefficients in single precision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Coordinates<'a> {
    /// `float64` coordinates.
    F64(ArrayView1<'a, f64>),
    /// `float32` coordinates.
    F32(ArrayView1<'a, f32>),
    /// `int8` coordinates.
    I8(ArrayView1<'a, i8>),
    /// `int16` coordinates.
    I16(ArrayView1<'a, i16>),
    /// `int32` coordinates.
    I32(ArrayView1<'a, i32>),
    /// `int64` coordinates.
    I64(ArrayView1<'a, i64>),
    /// `uint8` coordinates.
    U8(ArrayView1<'a, u8>),
    /// `uint16` coordinates.
    U16(ArrayView1<'a, u16>),
    /// `uint32` coordinates.
    U32(ArrayView1<'a, u32>),
    /// `uint64` coordinates.
    U64(ArrayView1<'a, u64>),
}

impl Coordinates<'_> {
    /// Number of coordinates.
    pub fn len(&self) -> usize {
        match self {
            Coordinates::F64(x) => x.len(),
            Coordinates::F32(x) => x.len(),
            Coordinates::I8(x) => x.len(),
            Coordinates::I16(x) => x.len(),
            Coordinates::I32(x) => x.len(),
            Coordinates::I64(x) => x.len(),
            Coordinates::U8(x) => x.len(),
            Coordinates::U16(x) => x.len(),
            Coordinates::U32(x) => x.len(),
            Coordinates::U64(x) => x.len(),
        }
    }

    /// True when there are no coordinates.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bits of the precision numpy computes differences and coefficients in: 32 for
    /// `float32` coordinates, 64 for the rest (integers are converted to float64 first).
    pub(crate) fn precision_bits(&self) -> u32 {
        match self {
            Coordinates::F32(_) => 32,
            _ => 64,
        }
    }

    /// A copy of the coordinates in the precision numpy differences them in: float32 ones
    /// as they are, every other dtype as float64 (integers converted as numpy's
    /// `astype(float64)` does). These are the values the stencils difference,
    /// so the copy computes the same bits as the original. `Err` with the number of
    /// coordinates when the copy cannot be allocated.
    pub fn copy_values(&self) -> Result<CoordinateValues, usize> {
        fn copied<K: Real>(values: impl ExactSizeIterator<Item = K>) -> Result<Box<[K]>, usize> {
            let mut copy = Vec::new();
            let len = values.len();
            copy.try_reserve_exact(len).map_err(|_| len)?;
            copy.extend(values);
            Ok(copy.into_boxed_slice())
        }
        Ok(match self {
            Coordinates::F32(x) => CoordinateValues::F32(copied(x.iter().map(|v| v.k()))?),
            other => with_coordinates!(other, x => {
                CoordinateValues::F64(copied(x.iter().map(|v| v.k().to_f64()))?)
            }),
        })
    }

    /// numpy's collapse of exactly uniform coordinates: `Some(x[1] - x[0])` when every
    /// difference equals the first (`(diffx == diffx[0]).all()`: NaN never does, and
    /// `-0.0 == 0.0`), as a numpy scalar of the coordinates' precision.
    fn uniform_step(&self) -> Option<Step> {
        fn step<T: Coordinate>(x: &ArrayView1<'_, T>) -> Option<T::K> {
            let first = x[1].k() - x[0].k();
            let uniform = match x.as_slice() {
                Some(x) => x.windows(2).all(|w| w[1].k() - w[0].k() == first),
                None => x
                    .iter()
                    .zip(x.iter().skip(1))
                    .all(|(a, b)| b.k() - a.k() == first),
            };
            uniform.then_some(first)
        }
        match self {
            Coordinates::F32(x) => step(x).map(Step::F32),
            other => with_coordinates!(other, x => step(x).map(|h| Step::F64(h.to_f64()))),
        }
    }
}

/// Coordinates copied by [`Coordinates::copy_values`], in the precision numpy differences
/// them in.
#[derive(Clone, Debug, PartialEq)]
pub enum CoordinateValues {
    /// Float64 coordinates, and integer ones converted.
    F64(Box<[f64]>),
    /// Float32 coordinates.
    F32(Box<[f32]>),
}

/// An element type of a coordinate array, and the precision numpy differences it in.
pub(crate) trait Coordinate: Copy {
    /// `f32` for float32 coordinates, `f64` for float64 and every integer type.
    type K: Real;
    /// The value in that precision (integers are converted, as numpy's `astype(float64)`).
    fn k(self) -> Self::K;
}

macro_rules! coordinate {
    ($($t:ty => $k:ty),*) => {$(
        impl Coordinate for $t {
            type K = $k;
            fn k(self) -> $k {
                self as $k
            }
        }
    )*};
}
coordinate!(f64 => f64, f32 => f32, i8 => f64, i16 => f64, i32 => f64, i64 => f64);
coordinate!(u8 => f64, u16 => f64, u32 => f64, u64 => f64);

/// A uniform step, with the precision class numpy gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Step {
    /// A Python number: converted to the data's precision at each use.
    Weak(f64),
    /// A numpy float64 scalar.
    F64(f64),
    /// A numpy float32 scalar.
    F32(f32),
}

/// What one axis's spacing resolves to once parsed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AxisSpacing<'a> {
    Uniform(Step),
    /// Coordinates that are not exactly uniform, used where they lie.
    Nonuniform(Coordinates<'a>),
}

/// Parses the spacing arguments as numpy does: none (unit), one scalar for every axis, or
/// exactly one per requested axis, each coordinate array as long as its axis (and at least
/// 2). `axes` are already normalised; `shape` is f's shape. Every check is made before the
/// entries are handed out, one per axis in order (without allocating).
pub(crate) fn parse<'s, 'a>(
    spacing: &'s [Spacing<'a>],
    axes: &[usize],
    shape: &[usize],
) -> Result<impl Iterator<Item = Spacing<'a>> + 's, GradError> {
    let is_scalar = |s: &Spacing<'_>| !matches!(s, Spacing::Coordinates(_));
    let shared = match spacing {
        [] => Some(Spacing::Unit),
        [one] if is_scalar(one) => Some(*one),
        many if many.len() == axes.len() => None,
        many => {
            return Err(GradError::SpacingCount {
                given: many.len(),
                axes: axes.len(),
            });
        }
    };
    let per_axis = move |k: usize| shared.unwrap_or_else(|| spacing[k]);
    for (k, &axis) in axes.iter().enumerate() {
        if let Spacing::Coordinates(x) = per_axis(k) {
            let len = shape[axis];
            if x.len() != len {
                return Err(GradError::CoordinatesLength {
                    axis,
                    len: x.len(),
                    expected: len,
                });
            }
            if x.len() < 2 {
                return Err(GradError::CoordinatesTooShort { axis, len: x.len() });
            }
        }
    }
    Ok((0..axes.len()).map(per_axis))
}

impl<'a> AxisSpacing<'a> {
    /// What a parsed spacing means: coordinate arrays collapse to a scalar step when every
    /// difference equals the first exactly (numpy's `(diffx == diffx[0]).all()`).
    pub(crate) fn of(spacing: Spacing<'a>) -> Self {
        AxisSpacing::Uniform(match spacing {
            Spacing::Unit => Step::Weak(1.0),
            Spacing::Scalar(h) => Step::Weak(h),
            Spacing::ScalarF64(h) => Step::F64(h),
            Spacing::ScalarF32(h) => Step::F32(h),
            Spacing::Coordinates(x) => match x.uniform_step() {
                Some(step) => step,
                None => return AxisSpacing::Nonuniform(x),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    /// Parses and resolves, as a plan does.
    fn resolved<'a>(
        spacing: &[Spacing<'a>],
        axes: &[usize],
        shape: &[usize],
    ) -> Result<Vec<AxisSpacing<'a>>, GradError> {
        Ok(parse(spacing, axes, shape)?.map(AxisSpacing::of).collect())
    }

    #[test]
    fn uniform_coordinates_collapse_to_a_float64_step() {
        let x = arr1(&[3.0, 2.0, 1.0]);
        let s = resolved(
            &[Spacing::Coordinates(Coordinates::F64(x.view()))],
            &[0],
            &[3],
        )
        .unwrap();
        assert_eq!(s, vec![AxisSpacing::Uniform(Step::F64(-1.0))]);
    }

    #[test]
    fn arange_times_a_tenth_is_not_uniform() {
        let x = ndarray::Array1::from_iter((0..6).map(|i| i as f64 * 0.1));
        let s = resolved(
            &[Spacing::Coordinates(Coordinates::F64(x.view()))],
            &[0],
            &[6],
        )
        .unwrap();
        assert!(matches!(s[0], AxisSpacing::Nonuniform(Coordinates::F64(_))));
    }

    #[test]
    fn nan_coordinates_never_collapse_and_signed_zeros_do() {
        let x = arr1(&[0.0, f64::NAN, 2.0]);
        let s = resolved(
            &[Spacing::Coordinates(Coordinates::F64(x.view()))],
            &[0],
            &[3],
        )
        .unwrap();
        assert!(matches!(s[0], AxisSpacing::Nonuniform(_)));
        let x = arr1(&[1.0, 1.0, 1.0]);
        let s = resolved(
            &[Spacing::Coordinates(Coordinates::F64(x.view()))],
            &[0],
            &[3],
        )
        .unwrap();
        assert_eq!(s[0], AxisSpacing::Uniform(Step::F64(0.0)));
    }

    #[test]
    fn integer_coordinates_are_differenced_in_f64() {
        let x = arr1(&[250u8, 0, 5]);
        let s = resolved(
            &[Spacing::Coordinates(Coordinates::U8(x.view()))],
            &[0],
            &[3],
        )
        .unwrap();
        assert!(matches!(s[0], AxisSpacing::Nonuniform(Coordinates::U8(_))));
        // 127 - (-128) wraps in int8 arithmetic; numpy converts to float64 first.
        let x = arr1(&[-128i8, 127]);
        let s = resolved(
            &[Spacing::Coordinates(Coordinates::I8(x.view()))],
            &[0],
            &[2],
        )
        .unwrap();
        assert_eq!(s[0], AxisSpacing::Uniform(Step::F64(255.0)));
        let x = arr1(&[1i32, 3, 5]);
        let s = resolved(
            &[Spacing::Coordinates(Coordinates::I32(x.view()))],
            &[0],
            &[3],
        )
        .unwrap();
        assert_eq!(s[0], AxisSpacing::Uniform(Step::F64(2.0)));
    }

    #[test]
    fn float32_coordinates_stay_float32() {
        let x = arr1(&[0.0f32, 0.5, 1.0]);
        let s = resolved(
            &[Spacing::Coordinates(Coordinates::F32(x.view()))],
            &[0],
            &[3],
        )
        .unwrap();
        assert_eq!(s[0], AxisSpacing::Uniform(Step::F32(0.5)));
    }

    #[test]
    fn counts_follow_numpy_varargs() {
        let x = arr1(&[0.0, 1.0, 3.0]);
        let c = Spacing::Coordinates(Coordinates::F64(x.view()));
        // One scalar serves every axis; one array cannot.
        assert_eq!(
            resolved(&[Spacing::Scalar(2.0)], &[0, 1], &[3, 3])
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            resolved(&[c], &[0, 1], &[3, 3]),
            Err(GradError::SpacingCount { given: 1, axes: 2 })
        );
        assert_eq!(
            resolved(
                &[Spacing::Unit, Spacing::Unit, Spacing::Unit],
                &[0, 1],
                &[3, 3]
            ),
            Err(GradError::SpacingCount { given: 3, axes: 2 })
        );
        assert_eq!(
            resolved(&[Spacing::Unit, c], &[1, 0], &[4, 3]),
            Err(GradError::CoordinatesLength {
                axis: 0,
                len: 3,
                expected: 3 + 1
            })
        );
    }

    #[test]
    fn a_single_coordinate_is_too_short_even_when_its_length_matches() {
        let x = arr1(&[3.0]);
        let c = Spacing::Coordinates(Coordinates::F64(x.view()));
        assert_eq!(
            resolved(&[c], &[0], &[1]),
            Err(GradError::CoordinatesTooShort { axis: 0, len: 1 })
        );
    }
}

#[cfg(test)]
mod copy_tests {
    use super::*;
    use crate::gradient;
    use ndarray::{Array1, Array2};

    #[test]
    fn copied_coordinates_give_the_bits_of_the_originals() {
        // Integer coordinates copied as float64, float32 ones as float32: on 1-D data
        // (weights computed on demand) and on columns (the weight table), both edge orders.
        let f = Array2::from_shape_fn((9, 3), |(i, j)| ((i * 7 + j * 5) % 11) as f64 * 0.3);
        let steps = [0i64, 3, 4, 9, 10, 17, 18, 30, 31];
        let as_i8 = Array1::from_iter(steps.iter().map(|&v| v as i8 - 20));
        let as_u64 = Array1::from_iter(steps.iter().map(|&v| (v as u64) << 55));
        let as_f32 = Array1::from_iter(steps.iter().map(|&v| v as f32 * 0.1));
        for original in [
            Coordinates::I8(as_i8.view()),
            Coordinates::U64(as_u64.view()),
            Coordinates::F32(as_f32.view()),
        ] {
            let values = original.copy_values().unwrap();
            let copy = match &values {
                CoordinateValues::F64(x) => Coordinates::F64(ArrayView1::from(&x[..])),
                CoordinateValues::F32(x) => Coordinates::F32(ArrayView1::from(&x[..])),
            };
            fn run(
                f: &ndarray::ArrayD<f64>,
                c: Coordinates<'_>,
                eo: i32,
            ) -> Vec<ndarray::ArrayD<f64>> {
                gradient(f.view(), &[Spacing::Coordinates(c)], Some(&[0]), eo).unwrap()
            }
            for eo in [1, 2] {
                for f in [f.column(1).to_owned().into_dyn(), f.clone().into_dyn()] {
                    assert_eq!(
                        run(&f, original, eo),
                        run(&f, copy, eo),
                        "{original:?} eo {eo}"
                    );
                }
            }
        }
    }
}
