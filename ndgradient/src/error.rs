//! Why a gradient could not be computed.

use std::fmt;

/// Why a gradient could not be computed. Nothing has been written to any output when one
/// of these is returned.
///
/// The checks run in numpy's order (axes, then spacing, then `edge_order`, then axis
/// lengths), so the first error numpy would raise is the one reported.
///
/// Exhaustive on purpose: the C library matches every variant to its status without a
/// wildcard, so a new error cannot ship without one. A new variant comes with a new minor
/// version (0.x).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GradError {
    /// A requested axis is outside `-ndim..ndim` (numpy: `AxisError`).
    AxisOutOfBounds {
        /// The axis as given.
        axis: isize,
        /// The number of dimensions of `f`.
        ndim: usize,
    },
    /// The same axis is requested twice (after negative indices are resolved).
    RepeatedAxis {
        /// The repeated axis, non-negative.
        axis: usize,
    },
    /// The number of spacing arguments is neither 0, 1 scalar, nor one per requested axis
    /// (numpy: `TypeError: invalid number of arguments`).
    SpacingCount {
        /// How many were given.
        given: usize,
        /// How many axes were requested.
        axes: usize,
    },
    /// A coordinate array's length differs from its axis's length.
    CoordinatesLength {
        /// The axis (non-negative).
        axis: usize,
        /// The coordinate array's length.
        len: usize,
        /// The axis's length.
        expected: usize,
    },
    /// A coordinate array has fewer than 2 entries (numpy: `IndexError`).
    CoordinatesTooShort {
        /// The axis (non-negative).
        axis: usize,
        /// The coordinate array's length.
        len: usize,
    },
    /// `edge_order` is not 1 or 2.
    EdgeOrder {
        /// The value given.
        given: i32,
    },
    /// `edge_order` is not 1 under [`Scheme::Matlab`](super::Scheme::Matlab), whose edges
    /// are first-order only (the C ABI reports it as an invalid edge order).
    SchemeEdgeOrder {
        /// The value given.
        given: i32,
    },
    /// A requested axis has fewer than `edge_order + 1` elements.
    AxisTooShort {
        /// The axis (non-negative).
        axis: usize,
        /// Its length.
        len: usize,
        /// The edge order asked for.
        edge_order: u8,
    },
    /// A [`Block`](super::Block) does not fit its global array: its lists do not have one
    /// entry per axis of the block's shape, or along some axis the block, or its halo,
    /// reaches outside `0..global_len` (a halo holds samples of the global array: there
    /// are none beyond its ends).
    InvalidBlock {
        /// The axis at fault; `None` when the lists' lengths differ from the block's
        /// number of axes.
        axis: Option<usize>,
        /// What is wrong, in words.
        detail: String,
    },
    /// A block's halo along an axis is thinner than the stencil reads there (see
    /// [`block_halo`](super::block_halo)).
    HaloTooSmall {
        /// The axis (non-negative).
        axis: usize,
        /// `true`: the halo after the block (higher indices); `false`: before it.
        after: bool,
        /// The halo given.
        given: usize,
        /// The halo the block needs on that side.
        needed: usize,
    },
    /// The number of output arrays differs from the number of requested axes.
    OutputCount {
        /// How many outputs were given.
        given: usize,
        /// How many axes were requested.
        expected: usize,
    },
    /// The input's shape differs from the shape the plan was made for.
    InputShape {
        /// Its shape.
        shape: Vec<usize>,
        /// The plan's shape.
        expected: Vec<usize>,
    },
    /// An output array's shape differs from the input's (and the plan's).
    OutputShape {
        /// Which output (in requested-axis order).
        output: usize,
        /// Its shape.
        shape: Vec<usize>,
        /// The input's (and the plan's) shape.
        expected: Vec<usize>,
    },
    /// A coefficient table could not be allocated.
    OutOfMemory {
        /// The size of the failed request.
        bytes: usize,
    },
}

impl fmt::Display for GradError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GradError::AxisOutOfBounds { axis, ndim } => {
                write!(
                    f,
                    "axis {axis} is out of bounds for array of dimension {ndim}"
                )
            }
            GradError::RepeatedAxis { axis } => {
                write!(f, "repeated axis: axis {axis} is requested twice")
            }
            GradError::SpacingCount { given, axes } => write!(
                f,
                "invalid number of arguments: {given} spacing values for {axes} axes \
                 (give none, one scalar, or one per axis)"
            ),
            GradError::CoordinatesLength {
                axis,
                len,
                expected,
            } => write!(
                f,
                "when 1d, distances must match the length of the corresponding dimension: \
                 axis {axis} has {expected} elements but {len} coordinates were given"
            ),
            GradError::CoordinatesTooShort { axis, len } => write!(
                f,
                "coordinates for axis {axis} have {len} entries; at least 2 are needed to form a difference"
            ),
            GradError::EdgeOrder { given } => write!(f, "edge_order must be 1 or 2, got {given}"),
            GradError::SchemeEdgeOrder { given } => write!(
                f,
                "edge_order must be 1 under the matlab scheme (first-order edges), got {given}"
            ),
            GradError::AxisTooShort {
                axis,
                len,
                edge_order,
            } => write!(
                f,
                "Shape of array too small to calculate a numerical gradient, at least \
                 (edge_order + 1) elements are required: axis {axis} has {len} elements \
                 and edge_order is {edge_order}"
            ),
            GradError::InvalidBlock { axis, detail } => match axis {
                Some(axis) => write!(f, "invalid block: axis {axis}: {detail}"),
                None => write!(f, "invalid block: {detail}"),
            },
            GradError::HaloTooSmall {
                axis,
                after,
                given,
                needed,
            } => write!(
                f,
                "halo too small: axis {axis} has {given} halo samples {} the block but the \
                 stencil reads {needed}",
                if *after { "after" } else { "before" }
            ),
            GradError::OutputCount { given, expected } => {
                write!(
                    f,
                    "{given} output arrays given for {expected} requested axes"
                )
            }
            GradError::InputShape { shape, expected } => {
                write!(
                    f,
                    "the input has shape {shape:?}, the plan was made for shape {expected:?}"
                )
            }
            GradError::OutputShape {
                output,
                shape,
                expected,
            } => {
                write!(
                    f,
                    "output {output} has shape {shape:?}, the input has shape {expected:?}"
                )
            }
            GradError::OutOfMemory { bytes } => {
                write!(
                    f,
                    "out of memory: could not allocate {bytes} bytes for coefficients"
                )
            }
        }
    }
}

impl std::error::Error for GradError {}
