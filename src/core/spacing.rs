//! Spacing arguments: numpy's `*varargs`, and how each becomes a step or a table of
//! differences for one axis.

use super::error::GradError;
use ndarray::ArrayView1;

/// The sample spacing along one axis, as numpy.gradient's `varargs` entries express it.
///
/// For `f64` (and integer) data the three scalar forms give identical results. For `f32`
/// and `Complex<f32>` data they differ in the precision of the arithmetic, exactly as in
/// numpy ≥ 2.0 (NEP 50): a Python number is "weak" and takes the data's precision, a numpy
/// `float64` scalar forces double precision with one rounding at the end.
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
#[derive(Clone, Copy, Debug)]
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

    /// `np.diff` of the coordinates in numpy's dtype for them.
    fn differences(&self) -> Result<Differences, GradError> {
        fn diff<T: Copy, R>(
            x: &ArrayView1<'_, T>,
            d: impl Fn(T, T) -> R,
        ) -> Result<Vec<R>, GradError> {
            let mut v = Vec::new();
            let n = x.len().saturating_sub(1);
            v.try_reserve_exact(n).map_err(|_| GradError::OutOfMemory {
                bytes: n.saturating_mul(size_of::<R>()),
            })?;
            v.extend(x.iter().zip(x.iter().skip(1)).map(|(&a, &b)| d(a, b)));
            Ok(v)
        }
        // Integers are converted to float64 first (numpy: `d.astype(float64)`).
        macro_rules! ints {
            ($x:expr) => {
                Differences::F64(diff($x, |a, b| b as f64 - a as f64)?)
            };
        }
        Ok(match self {
            Coordinates::F64(x) => Differences::F64(diff(x, |a, b| b - a)?),
            Coordinates::F32(x) => Differences::F32(diff(x, |a, b| b - a)?),
            Coordinates::I8(x) => ints!(x),
            Coordinates::I16(x) => ints!(x),
            Coordinates::I32(x) => ints!(x),
            Coordinates::I64(x) => ints!(x),
            Coordinates::U8(x) => ints!(x),
            Coordinates::U16(x) => ints!(x),
            Coordinates::U32(x) => ints!(x),
            Coordinates::U64(x) => ints!(x),
        })
    }
}

/// Differences between consecutive coordinates, in the precision numpy computes them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Differences {
    F64(Vec<f64>),
    F32(Vec<f32>),
}

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
pub(crate) enum AxisSpacing {
    Uniform(Step),
    Nonuniform(Differences),
}

/// Parses the spacing arguments as numpy does: none (unit), one scalar for every axis, or
/// exactly one per requested axis. `axes` are already normalised; `shape` is f's shape.
///
/// Coordinate arrays are differenced here and collapse to a scalar step when every
/// difference equals the first exactly (numpy's `(diffx == diffx[0]).all()`).
pub(crate) fn parse(
    spacing: &[Spacing<'_>],
    axes: &[usize],
    shape: &[usize],
) -> Result<Vec<AxisSpacing>, GradError> {
    let is_scalar = |s: &Spacing<'_>| !matches!(s, Spacing::Coordinates(_));
    let per_axis: Vec<Spacing<'_>> = match spacing {
        [] => vec![Spacing::Unit; axes.len()],
        [one] if is_scalar(one) => vec![*one; axes.len()],
        many if many.len() == axes.len() => many.to_vec(),
        many => {
            return Err(GradError::SpacingCount {
                given: many.len(),
                axes: axes.len(),
            });
        }
    };
    per_axis
        .iter()
        .zip(axes)
        .map(|(s, &axis)| resolve(s, axis, shape[axis]))
        .collect()
}

fn resolve(spacing: &Spacing<'_>, axis: usize, len: usize) -> Result<AxisSpacing, GradError> {
    Ok(AxisSpacing::Uniform(match *spacing {
        Spacing::Unit => Step::Weak(1.0),
        Spacing::Scalar(h) => Step::Weak(h),
        Spacing::ScalarF64(h) => Step::F64(h),
        Spacing::ScalarF32(h) => Step::F32(h),
        Spacing::Coordinates(ref x) => {
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
            return Ok(collapse(x.differences()?));
        }
    }))
}

/// numpy replaces exactly uniform differences by the scalar first difference (a numpy
/// scalar of the coordinates' dtype). NaN never compares equal, and `-0.0 == 0.0`.
fn collapse(d: Differences) -> AxisSpacing {
    match d {
        Differences::F64(v) if v.iter().all(|&x| x == v[0]) => {
            AxisSpacing::Uniform(Step::F64(v[0]))
        }
        Differences::F32(v) if v.iter().all(|&x| x == v[0]) => {
            AxisSpacing::Uniform(Step::F32(v[0]))
        }
        other => AxisSpacing::Nonuniform(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    #[test]
    fn uniform_coordinates_collapse_to_a_float64_step() {
        let x = arr1(&[3.0, 2.0, 1.0]);
        let s = parse(
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
        let s = parse(
            &[Spacing::Coordinates(Coordinates::F64(x.view()))],
            &[0],
            &[6],
        )
        .unwrap();
        assert!(matches!(s[0], AxisSpacing::Nonuniform(Differences::F64(_))));
    }

    #[test]
    fn nan_coordinates_never_collapse_and_signed_zeros_do() {
        let x = arr1(&[0.0, f64::NAN, 2.0]);
        let s = parse(
            &[Spacing::Coordinates(Coordinates::F64(x.view()))],
            &[0],
            &[3],
        )
        .unwrap();
        assert!(matches!(s[0], AxisSpacing::Nonuniform(_)));
        let x = arr1(&[1.0, 1.0, 1.0]);
        let s = parse(
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
        let s = parse(
            &[Spacing::Coordinates(Coordinates::U8(x.view()))],
            &[0],
            &[3],
        )
        .unwrap();
        assert_eq!(
            s[0],
            AxisSpacing::Nonuniform(Differences::F64(vec![-250.0, 5.0]))
        );
        let x = arr1(&[1i32, 3, 5]);
        let s = parse(
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
        let s = parse(
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
            parse(&[Spacing::Scalar(2.0)], &[0, 1], &[3, 3])
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            parse(&[c], &[0, 1], &[3, 3]),
            Err(GradError::SpacingCount { given: 1, axes: 2 })
        );
        assert_eq!(
            parse(
                &[Spacing::Unit, Spacing::Unit, Spacing::Unit],
                &[0, 1],
                &[3, 3]
            ),
            Err(GradError::SpacingCount { given: 3, axes: 2 })
        );
        assert_eq!(
            parse(&[Spacing::Unit, c], &[1, 0], &[4, 3]),
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
            parse(&[c], &[0], &[1]),
            Err(GradError::CoordinatesTooShort { axis: 0, len: 1 })
        );
    }
}
