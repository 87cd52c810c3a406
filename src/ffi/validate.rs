//! Every rule a C caller can break, in one place. Nothing here dereferences a pointer:
//! addresses are checked as integers, so this file is safe code.
//!
//! - NULL: a pointer may be NULL only where its element count is 0.
//! - ndim: `1..=GRAD_MAX_NDIM`.
//! - dtypes: known tags only; coordinates must be real.
//! - extent: element counts and `sum(|stride| * (len - 1)) * itemsize` fit in `isize`, and
//!   the lowest and highest byte addresses do not wrap around the address space.
//! - alignment: every pointer is aligned for its element type.
//! - aliasing: no output shares a byte with the input, a coordinate array or another output
//!   (an exact test, so interleaved outputs are accepted, within a work bound), and each
//!   output's strides nest, so that its own elements are distinct.

use super::status::{Failure, grad_status};
use super::types::grad_dtype;
use crate::core::{MAX_NDIM, PerAxis};
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

/// Stage 4 for one array: its element count and the bytes its shape and strides span
/// fit in `isize`, whatever its address. Returns the elements reachable below and above
/// element `[0, …, 0]` (in element units), or `None` for an empty array.
pub(crate) fn size(
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    name: &dyn Display,
) -> Result<Option<(usize, usize)>, Failure> {
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
    Ok(Some((below, above)))
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
}

impl<'a> Strided<'a> {
    /// Validates a descriptor (`shape` and `strides` of one length): its size, as
    /// [`size`], then its pointer: NULL (only an empty array may have one), alignment, and
    /// an extent that does not wrap around the address space from `addr`.
    pub(crate) fn new(
        addr: usize,
        shape: &'a [usize],
        strides: &'a [isize],
        (itemsize, align): (usize, usize),
        name: &dyn Display,
    ) -> Result<Self, Failure> {
        let s = Strided {
            addr,
            shape,
            strides,
            itemsize,
        };
        let Some((below, above)) = size(shape, strides, itemsize, name)? else {
            return Ok(s);
        };
        if addr == 0 {
            return Err(Failure::new(
                grad_status::NullPointer,
                format!("{name} is NULL but has elements"),
            ));
        }
        if addr % align != 0 {
            return Err(Failure::new(
                grad_status::Misaligned,
                format!("{name} at address {addr:#x} is not aligned to {align} bytes"),
            ));
        }
        // With the span within isize (`size`), these products cannot overflow.
        let in_space = addr.checked_sub(below * itemsize).is_some()
            && addr.checked_add((above + 1) * itemsize).is_some();
        if !in_space {
            return Err(Failure::new(
                grad_status::Overflow,
                format!(
                    "{name}: strides {strides:?} with shape {shape:?} at {addr:#x} reach \
                     beyond the address space"
                ),
            ));
        }
        Ok(s)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }

    /// `[lo, hi)`: the lowest and one past the highest byte (for a non-empty array).
    fn byte_range(&self) -> (i128, i128) {
        self.shape.iter().zip(self.strides).fold(
            (self.addr as i128, (self.addr + self.itemsize) as i128),
            |(lo, hi), (&n, &s)| {
                let reach = s as i128 * self.itemsize as i128 * (n as i128 - 1);
                (lo + reach.min(0), hi + reach.max(0))
            },
        )
    }

    /// Whether the strides nest: sorted by size, each is at least the extent (in bytes)
    /// of the smaller ones, so no two elements can meet. This is the condition ndarray
    /// asserts for a mutable view, and it holds for every ordinary layout. Non-empty only.
    fn nests(&self) -> bool {
        self.nested_extent().is_some()
    }

    /// The bytes from the lowest element to one past the highest, if the strides nest;
    /// `None` if they do not. (Within the validated span, so no sum overflows.)
    fn nested_extent(&self) -> Option<usize> {
        let mut dims: PerAxis<(usize, usize)> = (self.shape.iter().zip(self.strides))
            .filter(|&(&n, _)| n > 1)
            .map(|(&n, &s)| (n, s.unsigned_abs() * self.itemsize))
            .collect();
        dims.sort_unstable_by_key(|&(_, s)| s);
        (dims.iter()).try_fold(self.itemsize, |extent, &(n, s)| {
            (s >= extent).then_some(extent + s * (n - 1))
        })
    }

    /// Whether some byte belongs to both (empty arrays share none); `None` if the exact
    /// test ran out of work.
    fn overlaps(&self, other: &Strided<'_>, budget: &mut usize) -> Option<bool> {
        if self.is_empty() || other.is_empty() {
            return Some(false);
        }
        let ((a0, a1), (b0, b1)) = (self.byte_range(), other.byte_range());
        if a1 <= b0 || b1 <= a0 {
            return Some(false);
        }
        self.block()?.overlaps(&other.block()?, budget)
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
    let input = Strided {
        addr: 0,
        shape,
        strides,
        itemsize,
    };
    count > 0
        && long().all(|(_, (_, &s))| s >= 0)
        && input.nested_extent() == Some(count * itemsize)
        && outputs.all(|o| long().all(|(k, (_, &s))| o[k] == s))
}

/// Outputs must not share memory with `reads` (input and coordinates), each other, or
/// themselves. `outputs[k]` is named "output k".
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

/// How many sub-blocks the exact aliasing test may examine in one call before it gives up
/// (and reports an overlap, conservatively).
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

    #[test]
    fn exact_aliasing_test_agrees_with_brute_force() {
        // A small deterministic generator (no extra dependency): xorshift.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for _ in 0..20_000 {
            let mut make = || {
                let ndim = 1 + next(3) as usize;
                let shape: Vec<usize> = (0..ndim).map(|_| 1 + next(4) as usize).collect();
                let strides: Vec<isize> = (0..ndim).map(|_| next(13) as isize - 6).collect();
                let itemsize = [1, 2, 4, 8][next(4) as usize];
                (1000 + next(40) as usize, shape, strides, itemsize)
            };
            let (a, b) = (make(), make());
            let a = strided(a.0, &a.1, &a.2, a.3);
            let b = strided(b.0, &b.1, &b.2, b.3);
            let mut budget = WORK_BOUND;
            assert_eq!(
                a.block()
                    .unwrap()
                    .overlaps(&b.block().unwrap(), &mut budget),
                Some(brute_overlap(&a, &b)),
                "{a:?} {b:?}"
            );
            // Nesting strides are sufficient for distinct elements (they are what ndarray
            // accepts for a mutable view).
            if a.nests() {
                assert!(!brute_self_overlap(&a), "{a:?}");
            }
        }
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
