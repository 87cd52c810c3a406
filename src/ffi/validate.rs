//! Every rule a C caller can break, in one place. Nothing here dereferences a pointer:
//! addresses are checked as integers, so this file is safe code.
//!
//! - NULL: a pointer may be NULL only where its element count is 0.
//! - ndim: `1..=GRAD_MAX_NDIM`.
//! - dtypes: known tags only; coordinates must be real.
//! - extent: element counts and `sum(|stride| * (len - 1)) * itemsize` fit in `isize`, and
//!   the lowest and highest byte addresses do not wrap around the address space.
//! - alignment: every pointer is aligned for its element type.
//! - aliasing ([`no_overlap`]): each output's strides nest (sorted by size, each at least
//!   the extent of the smaller ones), so that its own elements are distinct; otherwise
//!   OVERLAP, "output k shares memory with itself, or its strides do not nest". And no
//!   output shares a byte with the input, a coordinate array or another output. Each such
//!   pair of non-empty arrays is decided by the first of these that applies:
//!   1. Disjoint byte ranges: no overlap. O(ndim).
//!   2. Boxes of one nested lattice ([`Strided::one_parent`]): exact, in O(ndim log ndim)
//!      time whatever the lengths. The axes longer than 1 of both arrays, strides made
//!      positive and axes of equal byte stride taken as one, together with the distance
//!      between the two lowest elements written as `sum(c_k * stride_k) + rho` in one of
//!      three ways (all `c_k = 0`; mixed-radix digits from the largest stride down,
//!      rounded down; rounded to the nearest), span a lattice whose strides must nest for
//!      elements of the larger itemsize. When one does, the arrays share a byte exactly
//!      when `rho == 0` and their index ranges meet on every axis (proof at
//!      [`ParentAxis`]). This decides every pair of distinct-index slices of one array
//!      whose strides nest, along any one of its axes: `P[:, j, :]` and `P[:, k, :]`,
//!      whether both are outputs (the components of one `(..., n_out)` array) or one is
//!      the input (or, in 1-D, a coordinate array) taken from the same `P`, in C, Fortran
//!      or any order of axes, with any strides reversed; and every pair of index ranges
//!      of one axis (`P[a:b]`, `P[c:d]`), overlapping or not. Many other pairs are
//!      decided here too, e.g. a coordinate array `P[:, j, 0]` and an output
//!      `P[:, k, :]`. (No decomposition is tried beyond these three: deciding an
//!      arbitrary translate of a nested layout exactly can need a search that branches
//!      at every axis.)
//!   3. Anything else: an exact bisection search ([`Block::overlaps`]) that may examine
//!      [`WORK_BOUND`] (2^20) sub-blocks in all for one call. Arrays it cannot separate
//!      within that bound are refused, conservatively, as OVERLAP with "output k and X
//!      interleave in a way too complex to prove disjoint; use separate buffers", though
//!      they may share no byte: e.g. outputs with element strides `(4, 1)` and `(8, 5)` on
//!      shape `(2^20, 2)` (elements `4i, 4i+1` and `8i+2, 8i+7`), which are not slices of
//!      one nested array and interleave on every row.

use super::PerAxis;
use super::status::{Failure, grad_status};
use super::types::grad_dtype;
use ndgradient::MAX_NDIM;
use std::fmt::Display;

impl grad_dtype {
    /// Every dtype, in tag order.
    pub(crate) const ALL: [grad_dtype; 12] = [
        grad_dtype::F64,
        grad_dtype::F32,
        grad_dtype::C128,
        grad_dtype::C64,
        grad_dtype::I8,
        grad_dtype::I16,
        grad_dtype::I32,
        grad_dtype::I64,
        grad_dtype::U8,
        grad_dtype::U16,
        grad_dtype::U32,
        grad_dtype::U64,
    ];

    /// The dtype with this tag; `what` names the argument in the error.
    pub(crate) fn from_tag(tag: i32, what: &dyn Display) -> Result<Self, Failure> {
        Self::ALL
            .into_iter()
            .find(|&d| d as i32 == tag)
            .ok_or_else(|| {
                Failure::new(
                    grad_status::InvalidDtype,
                    format!("{what}: unknown dtype tag {tag}"),
                )
            })
    }

    /// Size and alignment in bytes.
    pub(crate) fn layout(self) -> (usize, usize) {
        use grad_dtype::*;
        match self {
            F64 | I64 | U64 => (8, align_of::<f64>()),
            C128 => (16, align_of::<f64>()),
            C64 => (8, align_of::<f32>()),
            F32 | I32 | U32 => (4, 4),
            I16 | U16 => (2, 2),
            I8 | U8 => (1, 1),
        }
    }

    /// The dtype of the results: integers give `f64`, the rest themselves.
    pub(crate) fn output(self) -> grad_dtype {
        match self {
            grad_dtype::F32 | grad_dtype::C128 | grad_dtype::C64 => self,
            _ => grad_dtype::F64,
        }
    }
}

/// `ndim` must be `1..=GRAD_MAX_NDIM`.
pub(crate) fn ndim(ndim: usize) -> Result<(), Failure> {
    if ndim == 0 || ndim > MAX_NDIM {
        return Err(Failure::new(
            grad_status::InvalidNdim,
            format!("ndim is {ndim}; it must be between 1 and {MAX_NDIM}"),
        ));
    }
    Ok(())
}

/// A NULL pointer is allowed only when the count of what it points to is 0.
pub(crate) fn non_null<T>(ptr: *const T, count: usize, name: &dyn Display) -> Result<(), Failure> {
    if ptr.is_null() && count != 0 {
        return Err(Failure::new(
            grad_status::NullPointer,
            format!("{name} is NULL"),
        ));
    }
    Ok(())
}

/// C-order (row-major) element strides for `shape`. Wrapping arithmetic: a shape whose
/// element count overflows gets meaningless strides, and [`Strided::new`] refuses that
/// shape before using them.
pub(crate) fn c_strides(shape: &[usize]) -> PerAxis<isize> {
    let mut strides = PerAxis::from_elem(0, shape.len());
    running_products(strides.iter_mut().zip(shape).rev());
    strides
}

/// Fortran-order (column-major) element strides for `shape`, as [`c_strides`].
pub(crate) fn f_strides(shape: &[usize]) -> PerAxis<isize> {
    let mut strides = PerAxis::from_elem(0, shape.len());
    running_products(strides.iter_mut().zip(shape));
    strides
}

/// Each stride, fastest axis first, is the product of the lengths before it, lengths of 0
/// counted as 1 (an empty array's strides reach no element either way).
fn running_products<'s>(axes: impl Iterator<Item = (&'s mut isize, &'s usize)>) {
    let mut step = 1isize;
    for (s, &n) in axes {
        *s = step;
        step = step.wrapping_mul(n.max(1) as isize);
    }
}

/// What the shape and strides of a non-empty array say of its memory, whatever its
/// address: computed once by [`size`] (a plan keeps it), used at every execution.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    /// Elements reachable below element `[0, …, 0]`.
    below: usize,
    /// Elements reachable above it.
    above: usize,
    /// Whether the strides nest (see [`nested_extent`]); known for outputs only
    /// ([`output_size`]), false for other arrays.
    nests: bool,
}

/// Stage 4 for one array: its element count and the bytes its shape and strides span
/// fit in `isize`, whatever its address. Returns its [`Span`], or `None` for an empty
/// array.
pub(crate) fn size(
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    name: &dyn Display,
) -> Result<Option<Span>, Failure> {
    debug_assert_eq!(shape.len(), strides.len());
    let overflow = |what: String| Failure::new(grad_status::Overflow, format!("{name}: {what}"));
    // numpy and ndarray require the product of the non-zero lengths to fit, even for an
    // empty array (`np.empty((0, 3, 2**62))` is "too big").
    let fits = |elements: usize| {
        elements
            .checked_mul(itemsize)
            .is_some_and(|b| b <= isize::MAX as usize)
    };
    let count = (shape.iter().filter(|&&n| n != 0))
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .filter(|&c| fits(c))
        .ok_or_else(|| {
            overflow(format!(
                "shape {shape:?} has more elements than fit in memory"
            ))
        })?;
    if count == 0 || shape.contains(&0) {
        return Ok(None);
    }
    let (mut below, mut above) = (0usize, 0usize);
    let span = (shape.iter().zip(strides)).try_for_each(|(&n, &st)| {
        let reach = st.unsigned_abs().checked_mul(n - 1)?;
        let side = if st < 0 { &mut below } else { &mut above };
        *side = side.checked_add(reach)?;
        Some(())
    });
    let spanned = span
        .and_then(|()| below.checked_add(above)?.checked_add(1))
        .is_some_and(fits);
    if !spanned {
        return Err(overflow(format!(
            "strides {strides:?} with shape {shape:?} reach beyond the address space"
        )));
    }
    // Known for outputs only (`output_size`), the arrays that must nest.
    let nests = false;
    Ok(Some(Span {
        below,
        above,
        nests,
    }))
}

/// [`size`] for an output, whose span also records whether its strides nest (checked in
/// stage 7, with the overlaps).
pub(crate) fn output_size(
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    name: &dyn Display,
) -> Result<Option<Span>, Failure> {
    let span = size(shape, strides, itemsize, name)?;
    Ok(span.map(|s| Span {
        nests: nested_extent(shape, strides, itemsize).is_some(),
        ..s
    }))
}

/// The bytes from the lowest element to one past the highest of a non-empty array, if
/// its strides nest: sorted by size, each is at least the extent (in bytes) of the smaller
/// ones, so no two elements can meet (the condition ndarray asserts for a mutable view,
/// which every ordinary layout meets); `None` if they do not. Within a span that [`size`]
/// accepted, no sum overflows.
fn nested_extent(shape: &[usize], strides: &[isize], itemsize: usize) -> Option<usize> {
    let mut dims: PerAxis<(usize, usize)> = (shape.iter().zip(strides))
        .filter(|&(&n, _)| n > 1)
        .map(|(&n, &s)| (n, s.unsigned_abs() * itemsize))
        .collect();
    dims.sort_unstable_by_key(|&(_, s)| s);
    (dims.iter()).try_fold(itemsize, |extent, &(n, s)| {
        (s >= extent).then_some(extent + s * (n - 1))
    })
}

/// A validated strided array: address of element `[0, …, 0]`, shape, strides in elements.
/// Invariants: aligned; element count and byte extent fit in `isize`; the addresses it
/// covers do not wrap; the pointer is non-NULL unless the array is empty. Shape and
/// strides are borrowed from the exported function's own copies of the caller's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Strided<'a> {
    pub(crate) addr: usize,
    pub(crate) shape: &'a [usize],
    pub(crate) strides: &'a [isize],
    pub(crate) itemsize: usize,
    /// `None` for an empty array.
    span: Option<Span>,
}

impl<'a> Strided<'a> {
    /// Validates a descriptor (`shape` and `strides` of one length): its size, as
    /// [`output_size`] (so that it may serve as an output), then its pointer, as
    /// [`Strided::placed`].
    pub(crate) fn new(
        addr: usize,
        shape: &'a [usize],
        strides: &'a [isize],
        (itemsize, align): (usize, usize),
        name: &dyn Display,
    ) -> Result<Self, Failure> {
        let span = output_size(shape, strides, itemsize, name)?;
        Self::placed(addr, shape, strides, (itemsize, align), span, name)
    }

    /// Stage 6 for one array whose [`size`] gave `span`: its pointer, NULL (only an empty
    /// array may have one), alignment, and an extent that does not wrap around the address
    /// space from `addr`. Inlined: returned through a `Result`, the descriptor was copied
    /// piecewise and read back, a measurable cost on a small call.
    #[inline(always)]
    pub(crate) fn placed(
        addr: usize,
        shape: &'a [usize],
        strides: &'a [isize],
        (itemsize, align): (usize, usize),
        span: Option<Span>,
        name: &dyn Display,
    ) -> Result<Self, Failure> {
        let s = Strided {
            addr,
            shape,
            strides,
            itemsize,
            span,
        };
        let Some(Span { below, above, .. }) = span else {
            return Ok(s);
        };
        if addr == 0 {
            let count: usize = shape.iter().product(); // fits: checked by `size`
            return Err(Failure::new(
                grad_status::NullPointer,
                format!("{name} is NULL but has {count} elements"),
            ));
        }
        if addr % align != 0 {
            return Err(Failure::new(
                grad_status::Misaligned,
                format!("{name} at address {addr:#x} is not aligned to {align} bytes"),
            ));
        }
        // With the span within isize (`size`), these products cannot overflow. The lowest
        // element may not lie at address 0 either: no allocation does, and a view of it
        // would start at NULL.
        let in_space = addr
            .checked_sub(below * itemsize)
            .is_some_and(|lowest| lowest > 0)
            && addr.checked_add((above + 1) * itemsize).is_some();
        if !in_space {
            return Err(Failure::new(
                grad_status::Overflow,
                format!(
                    "{name}: strides {strides:?} with shape {shape:?} at {addr:#x} reach \
                     address 0 or beyond the address space"
                ),
            ));
        }
        Ok(s)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.span.is_none()
    }

    /// `[lo, hi)`: the lowest and one past the highest byte (for a non-empty array).
    fn byte_range(&self) -> (i128, i128) {
        let Span { below, above, .. } = self.span.expect("a non-empty array");
        let (addr, size) = (self.addr as i128, self.itemsize as i128);
        (
            addr - below as i128 * size,
            addr + (above as i128 + 1) * size,
        )
    }

    /// Whether the strides nest (see [`nested_extent`]), for a non-empty array whose span
    /// [`output_size`] gave: the outputs.
    fn nests(&self) -> bool {
        self.span.is_some_and(|s| s.nests)
    }

    /// Whether some byte belongs to both (empty arrays share none); `None` if the bounded
    /// search ran out of work. Disjoint byte ranges, then [`Strided::one_parent`] (exact,
    /// O(ndim log ndim)), then [`Block::overlaps`] (exact, bounded) for what neither
    /// decides.
    fn overlaps(&self, other: &Strided<'_>, budget: &mut usize) -> Option<bool> {
        if self.is_empty() || other.is_empty() {
            return Some(false);
        }
        let ((a0, a1), (b0, b1)) = (self.byte_range(), other.byte_range());
        if a1 <= b0 || b1 <= a0 {
            return Some(false);
        }
        if let Some(shared) = self.one_parent(other) {
            return Some(shared);
        }
        self.block()?.overlaps(&other.block()?, budget)
    }

    /// The array as a lattice of byte addresses: the address of its lowest element and,
    /// for each axis longer than 1, `(stride in bytes made positive, length)`. Reversing
    /// an axis permutes the elements but not the set of addresses, so negative strides
    /// become positive ones from the lowest element. Non-empty arrays only.
    fn lattice(&self) -> (i128, impl Iterator<Item = (i128, i128)> + '_) {
        let size = self.itemsize as i128;
        let long = (self.shape.iter().zip(self.strides)).filter(|&(&n, _)| n > 1);
        let lowest = long.clone().fold(self.addr as i128, |lo, (&n, &s)| {
            lo + (s as i128 * size * (n as i128 - 1)).min(0)
        });
        let axes = long.map(move |(&n, &s)| (s.unsigned_abs() as i128 * size, n as i128));
        (lowest, axes)
    }

    /// The exact answer for two arrays that are boxes of one nested lattice, in O(ndim log
    /// ndim) time whatever their lengths; `None` when no such lattice is found (the
    /// caller then searches). This decides every pair of distinct-index slices of one
    /// array along one of its axes (`P[:, j, :]` and `P[:, k, :]`, `j != k`), and every
    /// pair of index ranges of one array along one axis (`P[:, a:b]` and `P[:, c:d]`),
    /// overlapping or not, whatever the signs and order of the parent's strides, the
    /// itemsize, or which of the two is an input; see [`ParentAxis`] for the proof.
    ///
    /// Axes of equal stride in the two arrays are taken as one axis of the parent; each
    /// array has length 1 on the parent's axes it lacks. With `d` the distance from the
    /// lowest element of `self` to that of `other` (the two swapped so that `d >= 0`),
    /// the candidates `d = sum(c_k * stride_k) + rho` tried are: all `c_k = 0` (the
    /// slices of one axis), and the mixed-radix digits of `d`, from the largest stride
    /// down, rounded down (ranges of one axis) or to the nearest.
    fn one_parent(&self, other: &Strided<'_>) -> Option<bool> {
        let ((lo_a, axes_a), (lo_b, axes_b)) = (self.lattice(), other.lattice());
        let mut axes: PairAxes<ParentAxis> = (axes_a.map(|(stride, n)| ParentAxis {
            stride,
            len: [n, 1],
            digit: 0,
        }))
        .chain(axes_b.map(|(stride, n)| ParentAxis {
            stride,
            len: [1, n],
            digit: 0,
        }))
        .collect();
        axes.sort_unstable_by_key(|a| a.stride);
        // Merge equal strides; two axes of one array with one stride never nest.
        let mut merged = PairAxes::<ParentAxis>::new();
        for a in axes {
            match merged.last_mut() {
                Some(m) if m.stride == a.stride => {
                    if (m.len[0] > 1 && a.len[0] > 1) || (m.len[1] > 1 && a.len[1] > 1) {
                        return None;
                    }
                    m.len = [m.len[0].max(a.len[0]), m.len[1].max(a.len[1])];
                }
                _ => merged.push(a),
            }
        }
        if merged.first().is_some_and(|a| a.stride == 0) {
            return None; // a broadcast axis: its elements meet, no parent nests
        }
        let mut d = lo_b - lo_a;
        if d < 0 {
            d = -d;
            merged.iter_mut().for_each(|a| a.len.reverse());
        }
        let size = self.itemsize.max(other.itemsize) as i128;
        // Rounding of each digit: none (all zero), down, to the nearest.
        let rounds: [fn(i128, i128) -> i128; 3] = [
            |_, _| 0,
            |x, s| x.div_euclid(s),
            |x, s| (2 * x + s).div_euclid(2 * s),
        ];
        rounds.into_iter().find_map(|round| {
            let mut rho = d;
            for a in merged.iter_mut().rev() {
                a.digit = round(rho, a.stride);
                rho -= a.digit * a.stride;
            }
            ParentAxis::decide(&merged, size, rho)
        })
    }

    fn block(&self) -> Option<Block> {
        (!self.is_empty()).then(|| Block {
            base: self.addr as i128,
            size: self.itemsize as i128,
            dims: self
                .shape
                .iter()
                .zip(self.strides)
                .filter(|&(&n, _)| n > 1)
                .map(|(&n, &s)| (n as i128, s as i128 * self.itemsize as i128))
                .collect(),
        })
    }
}

/// Whether an input of `shape` and `strides` and outputs of `outputs` strides lay out
/// their elements alike and densely: the same element strides on every axis longer than 1,
/// none of them negative, strides that nest and no gap between elements (their nested
/// extent is exactly the elements' bytes). Each array is then the slice of its element
/// count that starts at its address: a C or Fortran array, or any permutation of its
/// axes. False for an empty shape.
pub(crate) fn dense_alike<'s>(
    shape: &[usize],
    strides: &[isize],
    mut outputs: impl Iterator<Item = &'s [isize]>,
    itemsize: usize,
) -> bool {
    let long = || {
        (shape.iter().zip(strides))
            .enumerate()
            .filter(|(_, (n, _))| **n > 1)
    };
    let count: usize = shape.iter().product();
    count > 0
        && long().all(|(_, (_, &s))| s >= 0)
        && nested_extent(shape, strides, itemsize) == Some(count * itemsize)
        && outputs.all(|o| long().all(|(k, (_, &s))| o[k] == s))
}

/// Outputs must not share memory with `reads` (input and coordinates), each other, or
/// themselves. `outputs[k]` is named "output k". Each pair is decided as the module doc
/// says: byte ranges, then [`Strided::one_parent`], then the bounded search.
pub(crate) fn no_overlap<'r>(
    reads: impl Iterator<Item = (impl Display, &'r Strided<'r>)> + Clone,
    outputs: &[Strided<'_>],
) -> Result<(), Failure> {
    let mut budget = WORK_BOUND;
    for (k, out) in outputs.iter().enumerate() {
        let decided = |r: Option<bool>, other: &dyn Display| match r {
            Some(false) => Ok(()),
            Some(true) => Err(Failure::new(
                grad_status::Overlap,
                format!("output {k} shares memory with {other}"),
            )),
            None => Err(Failure::new(
                grad_status::Overlap,
                format!(
                    "output {k} and {other} interleave in a way too complex to prove disjoint; \
                     use separate buffers"
                ),
            )),
        };
        if out.is_empty() {
            continue;
        }
        // Mutable views need strides that nest (ndarray asserts it in debug builds): then
        // no two elements of the output can meet. Outputs whose own elements interleave
        // without nesting, such as strides (3, 2) on shape (4, 3), are not supported.
        if !out.nests() {
            return Err(Failure::new(
                grad_status::Overlap,
                format!(
                    "output {k} shares memory with itself, or its strides do not nest: each \
                     stride must be at least the extent of the smaller ones (shape {:?}, \
                     strides {:?})",
                    out.shape, out.strides
                ),
            ));
        }
        for (name, r) in reads.clone() {
            decided(out.overlaps(r, &mut budget), &name)?;
        }
        for (j, other) in outputs[..k].iter().enumerate() {
            decided(
                out.overlaps(other, &mut budget),
                &format_args!("output {j}"),
            )?;
        }
    }
    Ok(())
}

/// The axes of two arrays together, and one more for `rho`: inline (no allocation) up to
/// four axes each.
type PairAxes<T> = smallvec::SmallVec<[T; 9]>;

/// One axis of a candidate parent lattice of two arrays `A` and `B` (see
/// [`Strided::one_parent`]): `A` covers indices `0..len[0]` of it, `B` covers
/// `digit..digit + len[1]`.
///
/// Proof of [`ParentAxis::decide`]. Let `lo_A + d = lo_B` with `d = sum(c_k s_k) + rho`,
/// and let the parent `P` have, on each axis `k`, the indices from `min(0, c_k)` to
/// `max(len_A, c_k + len_B) - 1` (stride `s_k`), plus, if `rho != 0`, one axis of length 2
/// and stride `|rho|` (index 0 for the lower of `A` and `B`, 1 for the other), each index
/// tuple standing for `size` bytes, `size` the larger itemsize. Then every element of `A`
/// and of `B` starts at the address of one tuple of `P`, `A`'s at the tuples of one box
/// and `B`'s at those of another. If `P`'s strides nest (sorted, each at least `size`
/// plus the reach `sum(s_i * (l_i - 1))` of the smaller ones), two distinct tuples differ
/// first, from the largest stride down, on some axis `k`, so their addresses differ by at
/// least `s_k - reach(smaller) >= size`: their `size`-byte windows are disjoint. An
/// element's bytes lie in its tuple's window, so `A` and `B` share a byte exactly when
/// they share a tuple (one tuple's first byte is in both), that is when `rho == 0` and
/// the index ranges `0..len_A` and `c_k..c_k + len_B` intersect on every axis. Any
/// decomposition whose parent nests therefore gives the exact answer; one that does not
/// nest proves nothing, and the caller tries another or searches.
///
/// Slices `P[.., j, ..]` and `P[.., j', ..]` of one nested array along axis `p`: with the
/// lowest first, `d = |j - j'| s_p`, and the all-zero candidate's parent is `P` with axis
/// `p` replaced by one of length 2 and stride `d`. It nests: `d >= s_p`, at least the
/// reach of `P`'s smaller axes, and its own reach `d <= (N_p - 1) s_p` leaves `P`'s larger
/// strides at least the reach below them. Ranges `a..a+n` and `b..b+m` of axis `p` (with
/// `b >= a`): `d = (b - a) s_p` is below every larger stride of `P`, so the digits rounded
/// down are `b - a` on axis `p`, 0 elsewhere, `rho = 0`, and the parent is `P` restricted
/// to indices `a..max(a+n, b+m)` of axis `p`, a part of `P`, which nests.
#[derive(Clone, Copy, Debug)]
struct ParentAxis {
    /// In bytes, positive.
    stride: i128,
    /// The lengths of `A` and `B` on this axis.
    len: [i128; 2],
    /// Where `B`'s indices start (`c_k`); `A`'s start at 0.
    digit: i128,
}

impl ParentAxis {
    /// Whether `A` and `B` share a byte, if the parent of `axes` (sorted by stride) and
    /// `rho` nests for elements of `size` bytes; `None` if it does not.
    fn decide(axes: &[ParentAxis], size: i128, rho: i128) -> Option<bool> {
        let span = |a: &ParentAxis| a.len[0].max(a.digit + a.len[1]) - a.digit.min(0);
        let mut dims: PairAxes<(i128, i128)> = axes.iter().map(|a| (a.stride, span(a))).collect();
        if rho != 0 {
            let at = dims.partition_point(|&(s, _)| s < rho.abs());
            dims.insert(at, (rho.abs(), 2));
        }
        // All terms are below 2^80 (strides and digits times strides below 2^66), so the
        // sums cannot overflow.
        let mut reach = size;
        for (stride, len) in dims {
            if stride < reach {
                return None;
            }
            reach += stride * (len - 1);
        }
        Some(rho == 0 && (axes.iter()).all(|a| a.digit < a.len[0] && a.digit + a.len[1] > 0))
    }
}

/// How many sub-blocks the bisection search ([`Block::overlaps`]) may examine in one call
/// before it gives up (and reports an overlap, conservatively). Pairs decided by byte
/// ranges or by [`Strided::one_parent`] use none of it.
const WORK_BOUND: usize = 1 << 20;

/// Bytes covered by a strided array: `base + sum(i_k * stride_k) + [0, size)` for
/// `0 <= i_k < len_k`. Only axes longer than 1 are kept; strides are in bytes.
#[derive(Clone, Debug)]
struct Block {
    base: i128,
    size: i128,
    dims: Vec<(i128, i128)>,
}

impl Block {
    /// `[lo, hi)`: the lowest and one past the highest byte.
    fn range(&self) -> (i128, i128) {
        self.dims
            .iter()
            .fold((self.base, self.base + self.size), |(lo, hi), &(n, s)| {
                let reach = s * (n - 1);
                (lo + reach.min(0), hi + reach.max(0))
            })
    }

    /// Splits the axis of widest reach into two halves.
    fn split(&self) -> (Block, Block) {
        let (axis, &(n, s)) = self
            .dims
            .iter()
            .enumerate()
            .max_by_key(|(_, (n, s))| s.abs() * (n - 1))
            .expect("split is only called on blocks with an axis");
        let half = n / 2;
        let part = |base: i128, len: i128| {
            let mut dims = self.dims.clone();
            if len > 1 {
                dims[axis].0 = len
            } else {
                dims.remove(axis);
            }
            Block {
                base,
                size: self.size,
                dims,
            }
        };
        (part(self.base, half), part(self.base + s * half, n - half))
    }

    /// All bytes of `self` lie at `base + [0, size)` modulo the gcd `g` of all strides of
    /// both blocks; so do those of `other`. If those residue windows miss each other, the
    /// blocks are disjoint (this is what separates interleaved arrays).
    fn residues_disjoint(&self, other: &Block) -> bool {
        let g = self
            .dims
            .iter()
            .chain(&other.dims)
            .fold(0i128, |g, &(_, s)| gcd(g, s.abs()));
        if g == 0 || self.size + other.size > g {
            return false;
        }
        let d = (other.base - self.base).rem_euclid(g);
        d >= self.size && d <= g - other.size
    }

    /// Whether some byte belongs to both blocks; `None` if the work bound ran out.
    fn overlaps(&self, other: &Block, budget: &mut usize) -> Option<bool> {
        let ((a0, a1), (b0, b1)) = (self.range(), other.range());
        if a1 <= b0 || b1 <= a0 || self.residues_disjoint(other) {
            return Some(false);
        }
        if self.dims.is_empty() && other.dims.is_empty() {
            return Some(true);
        }
        *budget = budget.checked_sub(1)?;
        let (big, small) = if !self.dims.is_empty() && (other.dims.is_empty() || a1 - a0 >= b1 - b0)
        {
            (self, other)
        } else {
            (other, self)
        };
        let (h1, h2) = big.split();
        Some(h1.overlaps(small, budget)? || h2.overlaps(small, budget)?)
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strided<'a>(
        addr: usize,
        shape: &'a [usize],
        strides: &'a [isize],
        itemsize: usize,
    ) -> Strided<'a> {
        Strided::new(addr, shape, strides, (itemsize, 1), &"t").unwrap()
    }

    /// Every byte address of every element, by brute force: the independent oracle.
    fn bytes(s: &Strided) -> Vec<(i128, usize)> {
        let mut out = Vec::new();
        let count: usize = s.shape.iter().product();
        for flat in 0..count {
            let (mut rem, mut off) = (flat, 0i128);
            for (&n, &st) in s.shape.iter().zip(s.strides).rev() {
                off += (rem % n) as i128 * st as i128;
                rem /= n;
            }
            for b in 0..s.itemsize as i128 {
                out.push((s.addr as i128 + off * s.itemsize as i128 + b, flat));
            }
        }
        out
    }

    fn brute_overlap(a: &Strided, b: &Strided) -> bool {
        let bb: std::collections::HashSet<i128> = bytes(b).into_iter().map(|(x, _)| x).collect();
        bytes(a).iter().any(|(x, _)| bb.contains(x))
    }

    fn brute_self_overlap(a: &Strided) -> bool {
        let mut seen = std::collections::HashMap::new();
        bytes(a)
            .into_iter()
            .any(|(x, e)| *seen.entry(x).or_insert(e) != e)
    }

    /// A small deterministic generator (no extra dependency): xorshift.
    struct Rng(u64);

    impl Rng {
        /// A number in `0..m`.
        fn below(&mut self, m: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % m
        }
    }

    #[test]
    fn exact_aliasing_test_agrees_with_brute_force() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut decided_by_parent = 0;
        for _ in 0..20_000 {
            let mut make = || {
                let ndim = 1 + rng.below(3) as usize;
                let shape: Vec<usize> = (0..ndim).map(|_| 1 + rng.below(4) as usize).collect();
                let strides: Vec<isize> = (0..ndim).map(|_| rng.below(13) as isize - 6).collect();
                let itemsize = [1, 2, 4, 8][rng.below(4) as usize];
                (1000 + rng.below(40) as usize, shape, strides, itemsize)
            };
            let (a, b) = (make(), make());
            let a = strided(a.0, &a.1, &a.2, a.3);
            let b = strided(b.0, &b.1, &b.2, b.3);
            let truth = brute_overlap(&a, &b);
            let mut budget = WORK_BOUND;
            assert_eq!(
                a.block()
                    .unwrap()
                    .overlaps(&b.block().unwrap(), &mut budget),
                Some(truth),
                "{a:?} {b:?}"
            );
            // The fast path, when it decides, and the whole test agree with brute force.
            if let Some(shared) = a.one_parent(&b) {
                assert_eq!(shared, truth, "{a:?} {b:?}");
                decided_by_parent += 1;
            }
            assert_eq!(a.overlaps(&b, &mut WORK_BOUND.clone()), Some(truth));
            // Nesting strides are sufficient for distinct elements (they are what ndarray
            // accepts for a mutable view).
            if a.nests() {
                assert!(!brute_self_overlap(&a), "{a:?}");
            }
        }
        assert!(decided_by_parent > 1000, "{decided_by_parent}");
    }

    /// A random array whose strides nest, in elements: 1 to 4 axes of length 1 to 4, in a
    /// random order, with random gaps and signs; its address leaves room for the
    /// negative strides. Returns `(addr, shape, strides, itemsize)`.
    fn nested_parent(rng: &mut Rng) -> (usize, Vec<usize>, Vec<isize>, usize) {
        let ndim = 1 + rng.below(4) as usize;
        let shape: Vec<usize> = (0..ndim).map(|_| 1 + rng.below(4) as usize).collect();
        let mut order: Vec<usize> = (0..ndim).collect();
        for i in (1..ndim).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut strides = vec![0isize; ndim];
        let mut reach = 1isize;
        for &k in &order {
            let stride = reach + [0, 0, 1, 2, 5][rng.below(5) as usize];
            strides[k] = if rng.below(3) == 0 { -stride } else { stride };
            reach += stride * (shape[k] as isize - 1);
        }
        let itemsize = [1, 2, 4, 8, 16][rng.below(5) as usize];
        (
            (1 << 20) + 16 * rng.below(8) as usize,
            shape,
            strides,
            itemsize,
        )
    }

    #[test]
    fn slices_of_one_parent_are_decided_exactly_without_search() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for _ in 0..5_000 {
            let (addr, shape, strides, itemsize) = nested_parent(&mut rng);
            let axis = rng.below(shape.len() as u64) as usize;
            // `shape[axis]` indices `from..from + len` of `axis`: a slice when len is 1.
            let part = |from: usize, len: usize| {
                let mut sub = shape.clone();
                sub[axis] = len;
                let offset = from as isize * strides[axis] * itemsize as isize;
                ((addr as isize + offset) as usize, sub)
            };
            let n = shape[axis];
            let (j, k) = (rng.below(n as u64) as usize, rng.below(n as u64) as usize);
            let (aj, sj) = part(j, 1);
            let (ak, sk) = part(k, 1);
            let (a, b) = (
                strided(aj, &sj, &strides, itemsize),
                strided(ak, &sk, &strides, itemsize),
            );
            // Distinct indices: disjoint; the same index: the same array.
            assert_eq!(a.one_parent(&b), Some(j == k), "{a:?} {b:?}");
            assert_eq!(brute_overlap(&a, &b), j == k, "{a:?} {b:?}");
            // Ranges of indices along the axis, overlapping or not.
            let (len_a, len_b) = (
                1 + rng.below(n as u64) as usize,
                1 + rng.below(n as u64) as usize,
            );
            let (ra, sa) = part(rng.below((n - len_a + 1) as u64) as usize, len_a);
            let (rb, sb) = part(rng.below((n - len_b + 1) as u64) as usize, len_b);
            let (a, b) = (
                strided(ra, &sa, &strides, itemsize),
                strided(rb, &sb, &strides, itemsize),
            );
            assert_eq!(a.one_parent(&b), Some(brute_overlap(&a, &b)), "{a:?} {b:?}");
        }
    }

    #[test]
    fn translates_of_one_nested_layout_agree_with_brute_force() {
        // Two arrays of one shape and strides (random nesting strides, negative ones
        // included) at random offsets: whatever decides, the answer is brute force's.
        let mut rng = Rng(0xD1B5_4A32_D192_ED03);
        let mut decided_by_parent = 0;
        for _ in 0..5_000 {
            let (addr, shape, strides, itemsize) = nested_parent(&mut rng);
            let a = strided(addr, &shape, &strides, itemsize);
            let b = strided(addr + rng.below(200) as usize, &shape, &strides, itemsize);
            let truth = brute_overlap(&a, &b);
            if let Some(shared) = a.one_parent(&b) {
                assert_eq!(shared, truth, "{a:?} {b:?}");
                decided_by_parent += 1;
            }
            assert_eq!(
                a.overlaps(&b, &mut WORK_BOUND.clone()),
                Some(truth),
                "{a:?} {b:?}"
            );
        }
        assert!(decided_by_parent > 2_500, "{decided_by_parent}");
    }

    /// No array read: the outputs are checked against each other only.
    fn no_reads<'r>() -> impl Iterator<Item = (&'static str, &'r Strided<'r>)> + Clone {
        std::iter::empty()
    }

    #[test]
    fn only_arrays_laid_out_alike_without_gaps_are_dense() {
        let dense =
            |shape: &[usize], strides: &[isize]| dense_alike(shape, strides, std::iter::empty(), 8);
        // C order, Fortran order, a permutation of axes; any stride on an axis of length 1.
        assert!(dense(&[3, 4], &[4, 1]));
        assert!(dense(&[3, 4], &[1, 3]));
        assert!(dense(&[2, 3, 4], &[1, 8, 2]));
        assert!(dense(&[3, 1, 4], &[4, -7, 1]));
        assert!(dense(&[1, 5], &[isize::MIN, 1]));
        // A gap, a reversed axis, elements that meet (positions 0..12 reached, 2 and 9
        // not), a broadcast axis, an empty array.
        assert!(!dense(&[3, 4], &[5, 1]));
        assert!(!dense(&[3, 4], &[-4, 1]));
        assert!(!dense(&[2, 3, 2], &[1, 3, 4]));
        assert!(!dense(&[3, 4], &[0, 1]));
        assert!(!dense(&[0, 4], &[4, 1]));
        // Outputs must share the input's strides (on axes longer than 1).
        let alike = |outs: &[&[isize]]| dense_alike(&[3, 4], &[4, 1], outs.iter().copied(), 8);
        assert!(alike(&[&[4, 1], &[4, 1]]));
        assert!(!alike(&[&[4, 1], &[1, 3]]));
        assert!(dense_alike(
            &[1, 4],
            &[9, 1],
            [&[4isize, 1][..]].into_iter(),
            8
        ));
    }

    #[test]
    fn interleaved_components_of_one_array_are_disjoint() {
        // Three outputs that are the components of one (1000, 1000, 3) float64 array.
        let outs: Vec<Strided> = (0..3)
            .map(|k| strided(4096 + 8 * k, &[1000, 1000], &[3000, 3], 8))
            .collect();
        assert!(no_overlap(no_reads(), &outs).is_ok());
        // Column blocks of one row-major matrix: M[:, :500] and M[:, 500:].
        let left = strided(4096, &[1000, 500], &[1000, 1], 8);
        let right = strided(4096 + 8 * 500, &[1000, 500], &[1000, 1], 8);
        assert!(no_overlap(no_reads(), &[left, right]).is_ok());
        let shifted = strided(4096 + 8 * 499, &[1000, 500], &[1000, 1], 8);
        assert_eq!(
            no_overlap(no_reads(), &[left, shifted]).unwrap_err().status,
            grad_status::Overlap
        );
    }

    /// The components `big[:, j, :]` (`j` = 0, 1) of a float64 array `big` of shape
    /// `(n, 2, 2)`, C order, at the made-up address `addr` (nothing is dereferenced).
    fn components(addr: usize, n: usize) -> [Strided<'static>; 2] {
        let shape: &'static [usize] = Box::leak(Box::new([n, 2]));
        [0, 1].map(|j| strided(addr + 16 * j, shape, &[4, 1], 8))
    }

    #[test]
    fn components_of_a_large_array_are_disjoint_at_any_size() {
        // Refused as OVERLAP (work bound exhausted) from n = 2^19 before the fast path.
        for n in [1 << 19, 1 << 22, 1 << 30] {
            let outs = components(1 << 40, n);
            assert!(no_overlap(no_reads(), &outs).is_ok(), "n = {n}");
        }
    }

    /// The message of a refused check.
    fn refusal<'r>(
        reads: impl Iterator<Item = (&'static str, &'r Strided<'r>)> + Clone,
        outputs: &[Strided<'_>],
    ) -> String {
        let failure = no_overlap(reads, outputs).unwrap_err();
        assert_eq!(failure.status, grad_status::Overlap);
        failure.message
    }

    #[test]
    fn slices_of_one_large_parent_in_any_layout_are_decided_exactly() {
        let n = 1usize << 22;
        let (p, q) = (1usize << 40, 1usize << 41); // two parents, made-up addresses
        let shape = [n, 2];
        // The input P[:, 0, :] and outputs P[:, 1, :], P[:, 2, :] of a (n, 3, 2) float64
        // array; the coordinates of axis 0 P[:, 0, 1] (read twice, fine) and those of
        // axis 1 elsewhere.
        let input = strided(p, &shape, &[6, 1], 8);
        let outs = [1, 2].map(|j| strided(p + 16 * j, &shape, &[6, 1], 8));
        let (x0, x1) = (
            strided(p + 8, &shape[..1], &[6], 8),
            strided(q, &[2], &[1], 8),
        );
        let reads = [("f", &input), ("x0", &x0), ("x1", &x1)];
        assert!(no_overlap(reads.into_iter(), &outs).is_ok());
        // The same with the input a slice of another parent.
        let other = strided(q + 16, &shape, &[6, 1], 8);
        assert!(no_overlap([("f", &other)].into_iter(), &outs).is_ok());
        // Fortran order (strides (1, n, 3n) for (n, 3, 2)), one output reversed along
        // axis 0, one along axis 1.
        let (forward, backward, n3) = ([1, 3 * n as isize], [-1, 3 * n as isize], 3 * n);
        let reversed_1 = [1, -(n3 as isize)];
        let f_outs = [
            strided(p + 8 * n, &shape, &forward, 8),
            strided(p + 8 * (2 * n + n - 1), &shape, &backward, 8),
            strided(p + 8 * n3, &shape, &reversed_1, 8),
        ];
        assert!(no_overlap(no_reads(), &f_outs[..2]).is_ok());
        // f_outs[2] is P[:, 0, ::-1]: it shares every element with P[:, 0, :].
        let f_input = strided(p, &shape, &forward, 8);
        let f_reads = [("the input f", &f_input)];
        assert!(no_overlap(f_reads.into_iter(), &f_outs[..2]).is_ok());
        let message = refusal(f_reads.into_iter(), &f_outs);
        assert!(
            message.contains("output 2 shares memory with the input f"),
            "{message}"
        );
        // Outputs that do overlap are refused as overlapping, not as too complex: a
        // component shifted by one element, and two ranges of rows that meet.
        let [c0, _] = components(p, n);
        let shifted = strided(p + 8, &shape, &[4, 1], 8);
        let message = refusal(no_reads(), &[c0, shifted]);
        assert!(
            message.contains("output 1 shares memory with output 0"),
            "{message}"
        );
        let half = [n / 2, 2];
        let rows = |from: usize| strided(p + 8 * 2 * from, &half, &[2, 1], 8);
        assert!(no_overlap(no_reads(), &[rows(0), rows(n / 2)]).is_ok());
        let message = refusal(no_reads(), &[rows(0), rows(n / 2 - 1)]);
        assert!(
            message.contains("output 1 shares memory with output 0"),
            "{message}"
        );
    }

    #[test]
    fn other_interleavings_are_searched_within_the_work_bound() {
        // Elements {4i, 4i + 1} and {8i + 2, 8i + 7} (strides (4, 1) and (8, 5)): disjoint,
        // but not two boxes of one nested lattice; the search splits them row by row.
        let at = |n: usize| {
            let shape: &'static [usize] = Box::leak(Box::new([n, 2]));
            [
                strided(1 << 40, shape, &[4, 1], 8),
                strided((1 << 40) + 16, shape, &[8, 5], 8),
            ]
        };
        assert!(at(1 << 10)[0].one_parent(&at(1 << 10)[1]).is_none());
        assert!(no_overlap(no_reads(), &at(1 << 10)).is_ok());
        let message = refusal(no_reads(), &at(1 << 20));
        assert!(
            message.contains("output 1 and output 0 interleave in a way too complex"),
            "{message}"
        );
    }

    /// The aliasing check's time on the components of `(n, 2, 2)` arrays, printed with
    /// its verdict (`cargo test --release --lib timing -- --ignored --nocapture`); no
    /// assertion on either.
    #[test]
    #[ignore = "prints a timing"]
    fn timing_of_the_check_on_large_components() {
        for log_n in [18, 24] {
            let outs = components(1 << 40, 1 << log_n);
            let reps = 20u32;
            let start = std::time::Instant::now();
            let accepted = (0..reps)
                .filter(|_| no_overlap(no_reads(), std::hint::black_box(&outs)).is_ok())
                .count();
            println!(
                "no_overlap on the components of a (2^{log_n}, 2, 2) array: {:?} per call, {}",
                start.elapsed() / reps,
                if accepted == reps as usize {
                    "accepted"
                } else {
                    "refused"
                }
            );
        }
    }

    #[test]
    fn broadcast_outputs_overlap_themselves_but_inputs_may_broadcast() {
        let out = strided(64, &[4, 3], &[0, 1], 8);
        assert_eq!(
            no_overlap(no_reads(), &[out]).unwrap_err().status,
            grad_status::Overlap
        );
        let input = strided(64, &[4, 3], &[0, 1], 8);
        let out = strided(4096, &[4, 3], &[3, 1], 8);
        assert!(no_overlap([("the input", &input)].into_iter(), &[out]).is_ok());
    }

    #[test]
    fn extents_are_checked_without_overflow() {
        let e = |shape: &[usize], strides: &[isize], addr| {
            Strided::new(addr, shape, strides, (8, 8), &"f")
                .map(|_| ())
                .map_err(|f| f.status)
        };
        assert_eq!(e(&[2], &[isize::MIN], 4096), Err(grad_status::Overflow));
        assert_eq!(e(&[3], &[isize::MAX / 4], 4096), Err(grad_status::Overflow));
        assert_eq!(
            e(&[usize::MAX, 2], &[1, 1], 4096),
            Err(grad_status::Overflow)
        );
        assert_eq!(e(&[3], &[-1], 8), Err(grad_status::Overflow)); // would reach below address 0
        assert_eq!(e(&[3], &[-1], 24), Ok(()));
        assert_eq!(e(&[3], &[1], 12), Err(grad_status::Misaligned));
        assert_eq!(e(&[3], &[1], 0), Err(grad_status::NullPointer));
        assert_eq!(e(&[0, 3], &[isize::MIN, 1], 0), Ok(())); // empty: nothing is reachable
    }
}
