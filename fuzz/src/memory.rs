//! Buffers of exactly known size, element types, and array descriptors.
//!
//! Each array a call reads or writes lives in its own heap allocation of exactly the bytes
//! its descriptor covers, so AddressSanitizer (on by default under `cargo fuzz`) reports
//! any access outside what a descriptor claims. The descriptor rules here are written
//! from the header's contract, not from the library's validation code.

use std::alloc::{Layout, alloc_zeroed, dealloc};

/// A heap block of exactly `len` bytes (at least one byte is allocated), 16-byte aligned.
#[derive(Debug)]
pub struct Buf {
    ptr: *mut u8,
    len: usize,
}

impl Buf {
    /// A zero-filled block of `len` bytes.
    pub fn new(len: usize) -> Buf {
        let layout = Layout::from_size_align(len.max(1), 16).expect("small sizes");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        assert!(!ptr.is_null(), "allocation of {len} bytes failed");
        Buf { ptr, len }
    }

    /// Address of the first byte.
    pub fn addr(&self) -> usize {
        self.ptr as usize
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the block holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes (call only while no library call runs).
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `len` initialised bytes are owned by `self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The bytes, writable.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and `&mut self` is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(self.len.max(1), 16).expect("as allocated");
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.ptr, layout) }
    }
}

/// The element types of the C ABI (`grad_dtype`), restated for the fuzzer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// `double`
    F64,
    /// `float`
    F32,
    /// `double _Complex`
    C128,
    /// `float _Complex`
    C64,
    /// `int8_t`
    I8,
    /// `int16_t`
    I16,
    /// `int32_t`
    I32,
    /// `int64_t`
    I64,
    /// `uint8_t`
    U8,
    /// `uint16_t`
    U16,
    /// `uint32_t`
    U32,
    /// `uint64_t`
    U64,
}

impl DType {
    /// Every dtype, in the order of their tags (1..=12).
    pub const ALL: [DType; 12] = [
        DType::F64,
        DType::F32,
        DType::C128,
        DType::C64,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
    ];

    /// The `grad_dtype` tag.
    pub fn tag(self) -> i32 {
        Self::ALL.iter().position(|&d| d == self).expect("listed") as i32 + 1
    }

    /// The dtype with this tag, if any.
    pub fn from_tag(tag: i32) -> Option<DType> {
        usize::try_from(tag)
            .ok()
            .and_then(|t| t.checked_sub(1))
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// Size and alignment in bytes (C's, on this platform).
    pub fn layout(self) -> Elem {
        let (size, align) = match self {
            DType::F64 | DType::I64 | DType::U64 => (8, align_of::<f64>()),
            DType::C128 => (16, align_of::<f64>()),
            DType::C64 => (8, align_of::<f32>()),
            DType::F32 | DType::I32 | DType::U32 => (4, 4),
            DType::I16 | DType::U16 => (2, 2),
            DType::I8 | DType::U8 => (1, 1),
        };
        Elem { size, align }
    }

    /// Complex types.
    pub fn is_complex(self) -> bool {
        matches!(self, DType::C128 | DType::C64)
    }

    /// Integer types.
    pub fn is_integer(self) -> bool {
        !matches!(self, DType::F64 | DType::F32 | DType::C128 | DType::C64)
    }

    /// The type of the results (numpy: integers give float64).
    pub fn output(self) -> DType {
        if self.is_integer() { DType::F64 } else { self }
    }

    /// Single-precision types (their arithmetic may happen in `f32`).
    pub fn is_single(self) -> bool {
        matches!(self, DType::F32 | DType::C64)
    }

    /// Element `bytes` (exactly `size` of them) as an exact `(re, im)` pair of doubles:
    /// the value numpy computes with (integers converted to float64 as `astype` does).
    pub fn decode(self, b: &[u8]) -> (f64, f64) {
        let a = |n: usize| -> [u8; 8] {
            let mut x = [0u8; 8];
            x[..n].copy_from_slice(&b[..n]);
            x
        };
        let f32_at = |o: usize| f64::from(f32::from_le_bytes(b[o..o + 4].try_into().unwrap()));
        let f64_at = |o: usize| f64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        match self {
            DType::F64 => (f64_at(0), 0.0),
            DType::F32 => (f32_at(0), 0.0),
            DType::C128 => (f64_at(0), f64_at(8)),
            DType::C64 => (f32_at(0), f32_at(4)),
            DType::I8 => (f64::from(b[0] as i8), 0.0),
            DType::I16 => (f64::from(i16::from_le_bytes([b[0], b[1]])), 0.0),
            DType::I32 => (
                f64::from(i32::from_le_bytes(b[..4].try_into().unwrap())),
                0.0,
            ),
            DType::I64 => (i64::from_le_bytes(a(8)) as f64, 0.0),
            DType::U8 => (f64::from(b[0]), 0.0),
            DType::U16 => (f64::from(u16::from_le_bytes([b[0], b[1]])), 0.0),
            DType::U32 => (
                f64::from(u32::from_le_bytes(b[..4].try_into().unwrap())),
                0.0,
            ),
            DType::U64 => (u64::from_le_bytes(a(8)) as f64, 0.0),
        }
    }

    /// A value (already of this floating type's precision) as its element bytes.
    pub fn encode(self, (re, im): (f64, f64)) -> Vec<u8> {
        match self {
            DType::F64 => re.to_le_bytes().to_vec(),
            DType::F32 => (re as f32).to_le_bytes().to_vec(),
            DType::C128 => [re.to_le_bytes(), im.to_le_bytes()].concat(),
            DType::C64 => [(re as f32).to_le_bytes(), (im as f32).to_le_bytes()].concat(),
            _ => unreachable!("outputs are floating"),
        }
    }
}

/// Size and alignment of an element, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elem {
    /// Bytes per element.
    pub size: usize,
    /// Required alignment.
    pub align: usize,
}

/// Where an array's element `[0, …, 0]` lives in the arena, if it is backed by a real
/// buffer: buffer index and byte offset.
pub type Home = Option<(usize, usize)>;

/// One array as a call describes it: address of element `[0, …, 0]`, shape, element
/// strides, element layout, and where it really lives.
#[derive(Clone, Debug)]
pub struct Desc {
    /// Address passed to the library.
    pub addr: usize,
    /// Lengths.
    pub shape: Vec<usize>,
    /// Strides in elements.
    pub strides: Vec<isize>,
    /// Element size and alignment.
    pub elem: Elem,
    /// The real buffer behind it (None: a made-up address).
    pub home: Home,
}

/// Status numbers (`grad_status`), restated.
pub mod status {
    /// Success.
    pub const OK: i32 = 0;
    /// NULL pointer.
    pub const NULL_POINTER: i32 = 1;
    /// ndim 0 or above 64.
    pub const INVALID_NDIM: i32 = 2;
    /// Unknown or forbidden dtype.
    pub const INVALID_DTYPE: i32 = 3;
    /// Sizes overflow.
    pub const OVERFLOW: i32 = 4;
    /// Misaligned pointer.
    pub const MISALIGNED: i32 = 5;
    /// Axis out of bounds.
    pub const AXIS_OUT_OF_BOUNDS: i32 = 6;
    /// Repeated axis.
    pub const REPEATED_AXIS: i32 = 7;
    /// Wrong number of spacings.
    pub const SPACING_COUNT: i32 = 8;
    /// Unknown spacing kind.
    pub const INVALID_SPACING_KIND: i32 = 9;
    /// Coordinates length differs from the axis length.
    pub const COORDINATES_LENGTH: i32 = 10;
    /// Fewer than 2 coordinates.
    pub const COORDINATES_TOO_SHORT: i32 = 11;
    /// edge_order not 1 or 2.
    pub const INVALID_EDGE_ORDER: i32 = 12;
    /// Axis shorter than edge_order + 1.
    pub const AXIS_TOO_SHORT: i32 = 13;
    /// Outputs share memory.
    pub const OVERLAP: i32 = 14;
    /// Allocation failed.
    pub const OUT_OF_MEMORY: i32 = 15;
    /// n_out differs from the number of requested axes.
    pub const OUTPUT_COUNT: i32 = 16;
    /// grad_gradient_f64 output buffer too small.
    pub const OUTPUT_TOO_SMALL: i32 = 17;
    /// Unknown layout.
    pub const INVALID_LAYOUT: i32 = 18;
    /// `GRAD_STATUS_INVALID_SCHEME`.
    pub const INVALID_SCHEME: i32 = 20;
    /// `GRAD_STATUS_INVALID_BLOCK`.
    pub const INVALID_BLOCK: i32 = 21;
    /// `GRAD_STATUS_HALO_TOO_SMALL`.
    pub const HALO_TOO_SMALL: i32 = 22;
    /// Caught panic: always a bug.
    pub const PANIC: i32 = 99;
}

/// C-order strides (a length 0 counts as 1, as the library documents for NULL strides).
pub fn c_strides(shape: &[usize]) -> Vec<isize> {
    let mut out = vec![0isize; shape.len()];
    let mut step: isize = 1;
    for k in (0..shape.len()).rev() {
        out[k] = step;
        step = step.wrapping_mul(shape[k].max(1) as isize);
    }
    out
}

/// Fortran-order strides.
pub fn f_strides(shape: &[usize]) -> Vec<isize> {
    let mut out = vec![0isize; shape.len()];
    let mut step: isize = 1;
    for k in 0..shape.len() {
        out[k] = step;
        step = step.wrapping_mul(shape[k].max(1) as isize);
    }
    out
}

/// Number of elements, or `None` if the product of the non-zero lengths overflows
/// `usize` (numpy's rule: such a shape is refused even when a length is 0).
pub fn element_count(shape: &[usize]) -> Option<usize> {
    let mut p: usize = 1;
    for &n in shape.iter().filter(|&&n| n != 0) {
        p = p.checked_mul(n)?;
    }
    Some(if shape.contains(&0) { 0 } else { p })
}

impl Desc {
    /// Whether the array has no element (some length is 0).
    pub fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }

    /// Number of elements (saturating).
    pub fn count(&self) -> u128 {
        self.shape
            .iter()
            .fold(1u128, |p, &n| p.saturating_mul(n as u128))
    }

    /// Elements reachable below and above element `[0, …, 0]`, exactly (each term is
    /// below 2^127; the sums over up to 64 axes are checked): `None` if they overflow.
    fn reach(&self) -> Option<(u128, u128)> {
        let (mut below, mut above) = (0u128, 0u128);
        for (&n, &st) in self.shape.iter().zip(&self.strides) {
            let reach = u128::from(st.unsigned_abs() as u64) * (n as u128).saturating_sub(1);
            let side = if st < 0 { &mut below } else { &mut above };
            *side = side.checked_add(reach)?;
        }
        Some((below, above))
    }

    /// The size check of the order of checks (stage 4 for the input and the outputs, part
    /// of stage 3 for coordinates): OVERFLOW if the product of the non-zero lengths times
    /// the element size exceeds `PTRDIFF_MAX` (numpy's rule, also for an empty array:
    /// "array is too big"), or, for an array with elements, if the bytes its shape and
    /// strides span do.
    pub fn size_fault(&self) -> Option<i32> {
        use status::*;
        const IMAX: u128 = isize::MAX as u128;
        let size = self.elem.size as u128;
        let mut product: u128 = 1;
        for &n in self.shape.iter().filter(|&&n| n != 0) {
            product = product.saturating_mul(n as u128);
        }
        if product.saturating_mul(size) > IMAX {
            return Some(OVERFLOW);
        }
        if self.is_empty() {
            return None;
        }
        let span_bytes = self
            .reach()
            .and_then(|(b, a)| b.checked_add(a))
            .and_then(|e| e.checked_add(1))
            .and_then(|e| e.checked_mul(size));
        span_bytes.is_none_or(|b| b > IMAX).then_some(OVERFLOW)
    }

    /// The pointer checks of the order of checks (stage 6 for the input and the outputs,
    /// part of stage 3 for coordinates), for an array with elements whose size passed: the
    /// first of NULL_POINTER, MISALIGNED, and OVERFLOW (its lowest or highest byte lies
    /// beyond the address space from this address). `None` for an empty array.
    pub fn pointer_fault(&self) -> Option<i32> {
        use status::*;
        if self.is_empty() {
            return None;
        }
        if self.addr == 0 {
            return Some(NULL_POINTER);
        }
        if !self.addr.is_multiple_of(self.elem.align) {
            return Some(MISALIGNED);
        }
        let (below, above) = self.reach().expect("size checked first");
        let size = self.elem.size as u128;
        let lo = self.addr as u128 as i128 - (below * size) as i128;
        let hi = self.addr as u128 + (above + 1) * size;
        // The lowest element may not lie at address 0 (it would make a view start at NULL).
        (lo <= 0 || hi > usize::MAX as u128).then_some(OVERFLOW)
    }

    /// Whether every element lies inside the real buffer behind the descriptor (`buf_len`
    /// gives a buffer's size): an empty array always does; a made-up address never.
    pub fn inside(&self, buf_len: impl Fn(usize) -> usize) -> bool {
        if self.is_empty() {
            return true;
        }
        if self.size_fault().is_some() || self.pointer_fault().is_some() {
            return false;
        }
        let (below, above) = self.reach().expect("size checked");
        let size = self.elem.size as u128;
        let (below_b, above_b) = (below * size, (above + 1) * size);
        match self.home {
            Some((buf, off)) => {
                off as u128 >= below_b && off as u128 + above_b <= buf_len(buf) as u128
            }
            None => false,
        }
    }

    /// Whether the array has elements and a stride of `isize::MIN` (`PTRDIFF_MIN`), which
    /// the header says is rejected with OVERFLOW whatever the axis length.
    pub fn has_min_stride(&self) -> bool {
        !self.shape.contains(&0) && self.strides.contains(&isize::MIN)
    }

    /// ndarray's conservative self-overlap test (`dim_stride_overlap`, used by its debug
    /// assertions): axes longer than 1 sorted by |stride| must each step past the extent
    /// of the smaller ones. True also for layouts whose elements are in fact distinct.
    pub fn ndarray_suspects_overlap(&self) -> bool {
        if self.shape.contains(&0) {
            return false;
        }
        let mut dims: Vec<(usize, u128)> = self
            .shape
            .iter()
            .zip(&self.strides)
            .map(|(&n, &s)| (n, s.unsigned_abs() as u128))
            .collect();
        dims.sort_by_key(|&(_, s)| s);
        let mut sum = 0u128;
        for (n, s) in dims {
            if n > 1 {
                if s <= sum {
                    return true;
                }
                sum += (n as u128 - 1) * s;
            }
        }
        false
    }

    /// Byte offset (in its buffer) of the element at `idx`; the descriptor must be Inside.
    pub fn offset(&self, idx: &[usize]) -> usize {
        let (_, base) = self.home.expect("backed");
        let mut off = base as i128;
        for (&i, &st) in idx.iter().zip(&self.strides) {
            off += i as i128 * st as i128 * self.elem.size as i128;
        }
        usize::try_from(off).expect("inside its buffer")
    }

    /// The byte intervals `[start, end)` of all elements, as absolute addresses (for the
    /// brute-force overlap test; small arrays only).
    pub fn intervals(&self) -> Vec<(i128, i128)> {
        let mut out = Vec::new();
        for_each_index(&self.shape, |idx| {
            let mut a = self.addr as i128;
            for (&i, &st) in idx.iter().zip(&self.strides) {
                a += i as i128 * st as i128 * self.elem.size as i128;
            }
            out.push((a, a + self.elem.size as i128));
        });
        out.sort_unstable();
        out
    }
}

/// Calls `f` with every index tuple of `shape`, in C order (nothing if a length is 0).
pub fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    if shape.contains(&0) {
        return;
    }
    let mut idx = vec![0usize; shape.len()];
    loop {
        f(&idx);
        let mut k = shape.len();
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
}

/// Whether two distinct elements of one sorted interval list share a byte.
pub fn overlaps_itself(a: &[(i128, i128)]) -> bool {
    a.windows(2).any(|w| w[1].0 < w[0].1)
}

/// Whether two sorted interval lists share a byte.
pub fn overlaps(a: &[(i128, i128)], b: &[(i128, i128)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].0 < b[j].1 && b[j].0 < a[i].1 {
            return true;
        }
        if a[i].1 <= b[j].1 { i += 1 } else { j += 1 }
    }
    false
}

/// All buffers of one call.
#[derive(Debug, Default)]
pub struct Arena {
    /// The buffers, by index.
    pub bufs: Vec<Buf>,
}

impl Arena {
    /// Adds a zero-filled buffer of `len` bytes; returns its index.
    pub fn add(&mut self, len: usize) -> usize {
        self.bufs.push(Buf::new(len));
        self.bufs.len() - 1
    }

    /// A copy of every buffer's bytes.
    pub fn snapshot(&self) -> Vec<Vec<u8>> {
        self.bufs.iter().map(|b| b.bytes().to_vec()).collect()
    }

    /// Writes a snapshot back (buffers added since keep their bytes).
    pub fn restore(&mut self, snapshot: &[Vec<u8>]) {
        for (b, bytes) in self.bufs.iter_mut().zip(snapshot) {
            b.bytes_mut().copy_from_slice(bytes);
        }
    }

    /// Length of buffer `i`.
    pub fn len_of(&self, i: usize) -> usize {
        self.bufs[i].len()
    }
}
