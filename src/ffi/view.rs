//! Validated descriptors to slices (dense arrays, see `validate::dense_alike`) or to
//! `ndarray` views (any other layout).
//!
//! ndarray wants non-negative strides: a view starts at the lowest address with absolute
//! strides, and every axis whose stride was negative is then inverted.

use super::validate::Strided;
use ndarray::{ArrayView1, ArrayViewD, ArrayViewMutD, Axis, Dimension, IxDyn, ShapeBuilder};

/// Address of the element with the lowest address, and the absolute strides. The stride
/// of an axis of length 1 is never used to reach an element, so it is set to 0: the caller
/// may pass any value there (even `PTRDIFF_MIN`, whose absolute value is no `isize`).
fn lowest(s: &Strided<'_>) -> (usize, IxDyn) {
    let mut strides = IxDyn::zeros(s.shape.len());
    let mut below = 0;
    for ((abs, &n), &st) in strides.slice_mut().iter_mut().zip(s.shape).zip(s.strides) {
        if n > 1 {
            *abs = st.unsigned_abs();
            if st < 0 {
                below += *abs * (n - 1);
            }
        }
    }
    (s.addr - below * s.itemsize, strides)
}

/// The axes to invert after building the view: longer than 1, with a negative stride.
fn negative_axes<'s>(s: &'s Strided<'_>) -> impl Iterator<Item = Axis> + 's {
    let negative = s
        .shape
        .iter()
        .zip(s.strides)
        .map(|(&n, &st)| n > 1 && st < 0);
    negative
        .enumerate()
        .filter(|&(_, neg)| neg)
        .map(|(i, _)| Axis(i))
}

/// # Safety
/// `s` was validated by [`Strided::new`] for `T`'s size and alignment, every element it
/// describes is initialised memory readable for `'a`, and nothing writes to it for `'a`.
pub(crate) unsafe fn array<'a, T>(s: &Strided<'_>) -> ArrayViewD<'a, T> {
    debug_assert_eq!(s.itemsize, size_of::<T>());
    if s.is_empty() {
        return ArrayViewD::from_shape(IxDyn(s.shape), &[])
            .expect("an empty shape fits an empty slice");
    }
    let (addr, strides) = lowest(s);
    // SAFETY: validation proved the pointer non-NULL and aligned, the extent within isize
    // and the address space; the caller guarantees the memory is readable and unaliased by
    // writers for 'a. Strides are non-negative here, as ndarray requires.
    let mut v =
        unsafe { ArrayViewD::from_shape_ptr(IxDyn(s.shape).strides(strides), addr as *const T) };
    negative_axes(s).for_each(|ax| v.invert_axis(ax));
    v
}

/// # Safety
/// As [`array`], and the memory is writable and accessed by nothing else for `'a`;
/// [`super::validate::no_overlap`] proved that no two elements share an address.
pub(crate) unsafe fn array_mut<'a, T>(s: &Strided<'_>) -> ArrayViewMutD<'a, T> {
    debug_assert_eq!(s.itemsize, size_of::<T>());
    if s.is_empty() {
        return ArrayViewMutD::from_shape(IxDyn(s.shape), &mut [])
            .expect("an empty shape fits an empty slice");
    }
    let (addr, strides) = lowest(s);
    // SAFETY: as in `array`, plus: the caller guarantees exclusive access for 'a and the
    // aliasing check proved the elements distinct, as a mutable view requires.
    let mut v =
        unsafe { ArrayViewMutD::from_shape_ptr(IxDyn(s.shape).strides(strides), addr as *mut T) };
    negative_axes(s).for_each(|ax| v.invert_axis(ax));
    v
}

/// The `count` elements of a dense array (see [`super::validate::dense_alike`]) at
/// `addr`, in memory order.
///
/// # Safety
/// `addr` was validated (stage 6) as a non-empty dense array of `count` elements of `T`
/// (so non-NULL, aligned, its bytes within the address space), and the memory is
/// readable and not written for `'a`.
pub(crate) unsafe fn slice<'a, T>(addr: usize, count: usize) -> &'a [T] {
    // SAFETY: a dense array has no negative stride, so its elements are exactly the
    // `count` elements from its address; the rest is the caller's contract.
    unsafe { std::slice::from_raw_parts(addr as *const T, count) }
}

/// The `count` elements of a dense output at `addr`, in memory order.
///
/// # Safety
/// As [`slice`], and the memory is writable and accessed by nothing else for `'a` (stage 7
/// proved the outputs disjoint from every other array).
pub(crate) unsafe fn slice_mut<'a, T>(addr: usize, count: usize) -> &'a mut [T] {
    // SAFETY: as in `slice`, plus the caller's exclusive access.
    unsafe { std::slice::from_raw_parts_mut(addr as *mut T, count) }
}

/// # Safety
/// As [`array`], for a one-dimensional descriptor.
pub(crate) unsafe fn vector<'a, T>(s: &Strided<'_>) -> ArrayView1<'a, T> {
    // SAFETY: forwarded contract.
    let v = unsafe { array::<T>(s) };
    v.into_dimensionality()
        .expect("coordinate descriptors are one-dimensional")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_stride_is_accepted_on_an_axis_of_length_one() {
        // Found by fuzzing: PTRDIFF_MIN on a length-1 axis passed validation (it reaches
        // nothing) but its absolute value made ndarray's debug checks panic.
        let data = [1.0f64, 2.0, 3.0];
        for st in [isize::MIN, isize::MAX, -5, 0] {
            let strides = [st, 1];
            let s = Strided::new(data.as_ptr() as usize, &[1, 3], &strides, (8, 8), &"f").unwrap();
            // SAFETY: `s` describes `data`, which outlives the view and is not written.
            let v = unsafe { array::<f64>(&s) };
            assert_eq!(v.iter().copied().collect::<Vec<_>>(), data, "stride {st}");
        }
        let last = data.as_ptr() as usize + 16;
        let s = Strided::new(last, &[3, 1], &[-1, isize::MIN], (8, 8), &"f").unwrap();
        // SAFETY: as above; the reversed view starts at the last element.
        let v = unsafe { array::<f64>(&s) };
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), [3.0, 2.0, 1.0]);
    }
}
