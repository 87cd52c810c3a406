//! Validated descriptors to `ndarray` views.
//!
//! ndarray wants non-negative strides: a view starts at the lowest address with absolute
//! strides, and every axis whose stride was negative is then inverted.

use super::validate::Strided;
use ndarray::{ArrayView1, ArrayViewD, ArrayViewMutD, Axis, IxDyn, ShapeBuilder};

/// Address of the element with the lowest address, and the absolute strides.
fn lowest(s: &Strided) -> (usize, Vec<usize>) {
    let below: usize = s
        .shape
        .iter()
        .zip(&s.strides)
        .filter(|&(_, &st)| st < 0)
        .map(|(&n, &st)| st.unsigned_abs() * (n - 1))
        .sum();
    (
        s.addr - below * s.itemsize,
        s.strides.iter().map(|st| st.unsigned_abs()).collect(),
    )
}

fn negative_axes(s: &Strided) -> impl Iterator<Item = Axis> + '_ {
    s.strides
        .iter()
        .enumerate()
        .filter(|&(_, &st)| st < 0)
        .map(|(i, _)| Axis(i))
}

/// # Safety
/// `s` was validated by [`Strided::new`] for `T`'s size and alignment, every element it
/// describes is initialised memory readable for `'a`, and nothing writes to it for `'a`.
pub(crate) unsafe fn array<'a, T>(s: &Strided) -> ArrayViewD<'a, T> {
    debug_assert_eq!(s.itemsize, size_of::<T>());
    if s.is_empty() {
        return ArrayViewD::from_shape(IxDyn(&s.shape), &[])
            .expect("an empty shape fits an empty slice");
    }
    let (addr, strides) = lowest(s);
    // SAFETY: validation proved the pointer non-NULL and aligned, the extent within isize
    // and the address space; the caller guarantees the memory is readable and unaliased by
    // writers for 'a. Strides are non-negative here, as ndarray requires.
    let mut v = unsafe {
        ArrayViewD::from_shape_ptr(IxDyn(&s.shape).strides(IxDyn(&strides)), addr as *const T)
    };
    negative_axes(s).for_each(|ax| v.invert_axis(ax));
    v
}

/// # Safety
/// As [`array`], and the memory is writable and accessed by nothing else for `'a`;
/// [`super::validate::no_overlap`] proved that no two elements share an address.
pub(crate) unsafe fn array_mut<'a, T>(s: &Strided) -> ArrayViewMutD<'a, T> {
    debug_assert_eq!(s.itemsize, size_of::<T>());
    if s.is_empty() {
        return ArrayViewMutD::from_shape(IxDyn(&s.shape), &mut [])
            .expect("an empty shape fits an empty slice");
    }
    let (addr, strides) = lowest(s);
    // SAFETY: as in `array`, plus: the caller guarantees exclusive access for 'a and the
    // aliasing check proved the elements distinct, as a mutable view requires.
    let mut v = unsafe {
        ArrayViewMutD::from_shape_ptr(IxDyn(&s.shape).strides(IxDyn(&strides)), addr as *mut T)
    };
    negative_axes(s).for_each(|ax| v.invert_axis(ax));
    v
}

/// # Safety
/// As [`array`], for a one-dimensional descriptor.
pub(crate) unsafe fn vector<'a, T>(s: &Strided) -> ArrayView1<'a, T> {
    // SAFETY: forwarded contract.
    let v = unsafe { array::<T>(s) };
    v.into_dimensionality()
        .expect("coordinate descriptors are one-dimensional")
}
