//! The C types of the ABI, other than the status enum.

use libc::c_void;

/// The largest `ndim` accepted (numpy's own limit).
pub const GRAD_MAX_NDIM: usize = 64;

/// Fewest elements of `f` that get a thread of their own when `n_threads > 1`: a call uses
/// at most `count / GRAD_ELEMENTS_PER_THREAD` threads, so arrays below twice this many
/// elements run on the calling thread: starting and joining a thread costs tens of
/// microseconds, about what two threads save on an array of twice this size (`sh
/// benches/run.sh` prints both).
pub const GRAD_ELEMENTS_PER_THREAD: usize = 1 << 18;
const _: () = assert!(GRAD_ELEMENTS_PER_THREAD == ndgradient::ELEMENTS_PER_THREAD);

/// Element types (`dtype` arguments take these values as `int32_t`).
///
/// The output dtype equals the input dtype for floating and complex types; every integer
/// input gives `GRAD_DTYPE_F64` output (converted before any subtraction, as numpy does).
/// Complex types are C99 `double _Complex` / `float _Complex` (real part first).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum grad_dtype {
    /// `double`.
    F64 = 1,
    /// `float`.
    F32 = 2,
    /// `double _Complex` (numpy complex128).
    C128 = 3,
    /// `float _Complex` (numpy complex64).
    C64 = 4,
    /// `int8_t`.
    I8 = 5,
    /// `int16_t`.
    I16 = 6,
    /// `int32_t`.
    I32 = 7,
    /// `int64_t`.
    I64 = 8,
    /// `uint8_t`.
    U8 = 9,
    /// `uint16_t`.
    U16 = 10,
    /// `uint32_t`.
    U32 = 11,
    /// `uint64_t`.
    U64 = 12,
}

/// How a `grad_spacing` gives the sample spacing of one axis (`kind` field values).
///
/// The three scalar kinds are numpy's three kinds of scalar step: `GRAD_SPACING_KIND_SCALAR`
/// is `np.gradient(f, h)` with a Python number, `GRAD_SPACING_KIND_SCALAR_F64` is
/// `np.gradient(f, np.float64(h))` and `GRAD_SPACING_KIND_SCALAR_F32` is
/// `np.gradient(f, np.float32(h))`.
///
/// - `double`, `double _Complex` and integer data: `SCALAR` and `SCALAR_F64` give identical
///   results. `SCALAR_F32` does not: it rounds `h` to `float` (0.1 becomes
///   0.100000001490116...), and with `edge_order = 2` it computes the edge coefficients
///   (`-1.5 / h`, ...) in single precision, as numpy does with a float32 step, so its
///   results usually differ from theirs, unless `h` is exactly a `float` (and, for
///   `edge_order = 2`, so are those coefficients).
/// - `float` and `float _Complex` data: `SCALAR` (a Python number) computes in single
///   precision, `SCALAR_F64` in double precision, rounded once when stored, and
///   `SCALAR_F32` in single precision from `(float)h`.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum grad_spacing_kind {
    /// Unit spacing (numpy's default). A zero-initialised `grad_spacing` is this kind.
    Unit = 0,
    /// The step `h`, as a Python number: arithmetic in the data's precision. The default.
    Scalar = 1,
    /// The step `h`, as a numpy float64 scalar: arithmetic in double precision.
    ScalarF64 = 2,
    /// The step `(float)h`, as a numpy float32 scalar: coefficients in single precision.
    ScalarF32 = 3,
    /// A coordinate array: `length` samples of type `dtype` at `coordinates`, `stride`
    /// elements apart. An exactly uniform array is used as the scalar step `x[1] - x[0]`
    /// (of the coordinates' precision), as numpy does.
    Coordinates = 4,
}

/// Memory order of the contiguous arrays of `grad_gradient_f64` (`layout` argument).
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum grad_layout {
    /// C order: the last axis is contiguous (C, C++, numpy's default, Python).
    RowMajor = 0,
    /// Fortran order: the first axis is contiguous (Julia, MATLAB, Fortran, R).
    ColumnMajor = 1,
}

/// Which formulas a plan uses (`grad_options_set_scheme`'s `scheme`, as `int32_t`).
///
/// - `GRAD_SCHEME_NUMPY` (the default): numpy.gradient's, bit for bit.
/// - `GRAD_SCHEME_MATLAB`: MATLAB's `gradient`: on uniform steps the same formulas as
///   numpy with `edge_order` 1; on coordinates `x` the interior quotient
///   `(f[i+1] - f[i-1]) / (x[i+1] - x[i-1])` (first order) instead of numpy's three-point
///   sum; first-order edges only (`edge_order` must be 1); an axis of length 1 gives zeros
///   instead of AXIS_TOO_SHORT. Precision rules (spacing kinds, dtypes) are numpy's.
///
/// The one-call functions (`grad_gradient`, `grad_gradient_f64`) are numpy's only.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum grad_scheme {
    /// numpy.gradient's formulas (the default).
    Numpy = 0,
    /// MATLAB's `gradient` formulas.
    Matlab = 1,
}

/// The spacing of one axis. Zero-initialised, it means unit spacing.
///
/// Only the fields its `kind` names are read. The struct is read during the call only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct grad_spacing {
    /// A `grad_spacing_kind` value.
    pub kind: i32,
    /// For `GRAD_SPACING_KIND_COORDINATES`: the coordinates' `grad_dtype`, real only
    /// (`F64`, `F32` or an integer type; integers are converted to double first).
    pub dtype: i32,
    /// For the scalar kinds: the step between samples, in coordinate units. Zero,
    /// negative, infinite or NaN steps are accepted and give numpy's inf/nan results.
    pub h: f64,
    /// For `GRAD_SPACING_KIND_COORDINATES`: the first coordinate. NULL only if `length` is 0.
    pub coordinates: *const c_void,
    /// For `GRAD_SPACING_KIND_COORDINATES`: the number of coordinates; must equal the
    /// length of the axis (and be at least 2).
    pub length: usize,
    /// For `GRAD_SPACING_KIND_COORDINATES`: distance between consecutive coordinates, in
    /// elements (not bytes); negative and zero allowed.
    pub stride: isize,
}
