//! Decoder of the `gradient_hostile` target: descriptors built from arbitrary integers.
//!
//! Shapes, strides, lengths, counts, `ndim`, dtype and kind tags, axes and edge orders are
//! drawn from integers biased to the limits (`usize::MAX`, `isize::MIN`, `isize::MAX / 8`,
//! `2^62`, …); data pointers are NULL, misaligned, made-up addresses, or real buffers.
//!
//! The library cannot detect a descriptor that claims more memory than its buffer holds.
//! The harness therefore makes the call only when every descriptor is honest (a real
//! buffer of the claimed extent, allocated here when the extent is small), empty, or
//! provably rejectable without touching memory (its extent overflows `isize`/`usize` or
//! wraps the address space, its pointer is NULL or misaligned), or when another argument
//! makes the call fail before any memory is touched. Rejected calls must return a status,
//! never crash, and leave every buffer unchanged; honest calls get the full checks of the
//! valid target. Each general call is also made through the plan API (see
//! [`harness`](crate::harness)), sometimes with argument arrays passed misaligned or a NULL
//! or misaligned handle or result pointer given to one of its steps.

use crate::harness::{BadHandle, Call, F64Call, GeneralCall, Ptr, Step, elem_of};
use crate::memory::{Arena, DType, Elem, c_strides, f_strides};
use crate::reader::Reader;
use crate::valid::SENTINEL;
use gradient::ffi::grad_spacing;

/// Largest buffer allocated for an honest descriptor.
const MAX_BYTES: usize = 4096;

/// Decodes one input into the call it describes (one call in four is to `grad_gradient_f64`).
pub fn decode(data: &[u8]) -> Call {
    let mut r = Reader::new(data);
    if r.below(4) == 3 {
        Call::F64(f64_call(&mut r))
    } else {
        Call::General(general_call(&mut r))
    }
}

/// What a pointer argument will be.
#[derive(Clone, Copy, Debug)]
enum Choice {
    /// A real buffer: exactly the claimed extent if that is small, else a 16-byte one.
    Buffer,
    /// NULL.
    Null,
    /// A real buffer, one byte past an aligned address.
    Misaligned,
    /// A made-up address.
    Fake(usize),
}

fn choice(r: &mut Reader) -> Choice {
    match r.below(16) {
        0..=9 => Choice::Buffer,
        10 | 11 => Choice::Null,
        12 => Choice::Misaligned,
        _ => {
            let raw = r.u64() as usize;
            Choice::Fake(r.pick(&[
                8,
                16,
                4096,
                usize::MAX & !15,
                usize::MAX - 15,
                1 << 47,
                raw & !15,
                raw,
            ]))
        }
    }
}

/// Bytes below element `[0…]` and total bytes of a descriptor, if they fit in
/// [`MAX_BYTES`] (empty shapes need none).
fn small_extent(shape: &[usize], strides: &[isize], size: usize) -> Option<(usize, usize)> {
    if shape.contains(&0) {
        return Some((0, 0));
    }
    let (mut below, mut above) = (0usize, 0usize);
    for (&n, &st) in shape.iter().zip(strides) {
        let reach = st.unsigned_abs().checked_mul(n - 1)?;
        if st < 0 {
            below = below.checked_add(reach)?;
        } else {
            above = above.checked_add(reach)?;
        }
    }
    let total = below
        .checked_add(above)?
        .checked_add(1)?
        .checked_mul(size)?;
    (total <= MAX_BYTES).then_some((below * size, total))
}

/// Turns a pointer choice into an address, allocating (and filling with bytes from `r`,
/// or the sentinel for outputs) the buffer behind it.
fn materialize(
    r: &mut Reader,
    arena: &mut Arena,
    c: Choice,
    shape: &[usize],
    strides: &[isize],
    elem: Elem,
    output: bool,
) -> Ptr {
    let skew = match c {
        Choice::Null => return Ptr::NULL,
        Choice::Fake(a) => {
            return Ptr {
                addr: a,
                home: None,
            };
        }
        Choice::Buffer => 0,
        Choice::Misaligned => 1,
    };
    let (below, total) = small_extent(shape, strides, elem.size).unwrap_or((0, 16));
    let buf = arena.add(total + skew);
    let bytes = arena.bufs[buf].bytes_mut();
    if output {
        bytes.fill(SENTINEL);
    } else {
        bytes.iter_mut().for_each(|b| *b = r.u8());
    }
    Ptr::into_buf(arena, buf, below + skew)
}

/// `ndim`: mostly 1-4, sometimes anything.
fn ndim(r: &mut Reader) -> usize {
    match r.below(8) {
        0..=4 => 1 + r.below(4),
        5 => r.below(70),
        6 => r.wild_usize(),
        _ => r.pick(&[64, 65, 0]),
    }
}

/// A small count, or anything up to 70 (arrays of that many entries are provided).
fn count(r: &mut Reader, usual: usize) -> usize {
    match r.below(8) {
        0..=5 => usual,
        6 => r.below(9),
        _ => r.below(71),
    }
}

/// `n_threads`: mostly 0 or 1, sometimes a few, rarely `usize::MAX`.
fn threads(r: &mut Reader) -> usize {
    match r.below(32) {
        0..=23 => r.below(2),
        24..=30 => 2 + r.below(3),
        _ => usize::MAX,
    }
}

/// A `grad_gradient` call from arbitrary integers.
pub fn general_call(r: &mut Reader) -> GeneralCall {
    let mut c = GeneralCall {
        dtype: if r.below(8) == 0 {
            r.wild_i32()
        } else {
            DType::ALL[r.below(12)].tag()
        },
        ndim: ndim(r),
        ..GeneralCall::default()
    };
    // Arrays hold `ndim` entries; past 64 the library must reject `ndim` before reading.
    let held = c.ndim.min(70);
    let shape: Vec<usize> = (0..held).map(|_| r.wild_usize()).collect();
    let strides = (r.below(3) != 0).then(|| (0..held).map(|_| r.wild_isize()).collect::<Vec<_>>());
    let eff = strides.clone().unwrap_or_else(|| c_strides(&shape));
    let fc = choice(r);
    c.f = Some(materialize(
        r,
        &mut c.arena,
        fc,
        &shape,
        &eff,
        elem_of(c.dtype),
        false,
    ));
    c.shape = (!r.one_in(32)).then_some(shape.clone());
    c.strides = strides;

    (c.axes, c.n_axes) = match r.below(8) {
        0..=3 => (None, 0),
        4..=6 => {
            let n = count(r, 1);
            (Some((0..n).map(|_| r.wild_i32()).collect()), n)
        }
        _ => (None, 1 + r.below(70)), // NULL with a count
    };
    let requested = if c.axes.is_none() && c.n_axes == 0 {
        c.ndim
    } else {
        c.n_axes
    };

    c.n_spacing = count(r, requested.min(70));
    let mut spacing = Vec::new();
    for _ in 0..c.n_spacing {
        let kind = if r.below(8) == 0 {
            r.wild_i32()
        } else {
            r.below(5) as i32
        };
        let dtype = if r.below(8) == 0 {
            r.wild_i32()
        } else {
            DType::ALL[r.below(12)].tag()
        };
        let (length, stride) = (r.wild_usize(), r.wild_isize());
        let ch = choice(r);
        let p = materialize(
            r,
            &mut c.arena,
            ch,
            &[length],
            &[stride],
            elem_of(dtype),
            false,
        );
        spacing.push(grad_spacing {
            kind,
            dtype,
            h: r.float(),
            coordinates: p.addr as *const _,
            length,
            stride,
        });
        c.coord_homes.push(p.home);
    }
    c.spacing = (!r.one_in(16)).then_some(spacing);

    c.n_out = count(r, requested.min(70));
    let explicit = r.below(2) == 0;
    let per = if c.ndim <= 64 { c.ndim } else { 0 };
    let out_strides: Vec<isize> = if explicit {
        (0..c.n_out * per).map(|_| r.wild_isize()).collect()
    } else {
        Vec::new()
    };
    let out_elem =
        DType::from_tag(c.dtype).map_or(Elem { size: 8, align: 8 }, |d| d.output().layout());
    let mut outs = Vec::new();
    for k in 0..c.n_out {
        let st = if explicit {
            out_strides[k * per..(k + 1) * per].to_vec()
        } else {
            c_strides(&shape)
        };
        let ch = choice(r);
        outs.push(materialize(
            r,
            &mut c.arena,
            ch,
            &shape,
            &st,
            out_elem,
            true,
        ));
    }
    c.out = (!r.one_in(16)).then_some(outs);
    c.out_strides = explicit.then_some(out_strides);
    c.edge_order = if r.below(4) == 0 {
        r.wild_i32()
    } else {
        1 + r.below(2) as i32
    };
    c.n_threads = threads(r);
    // Read last, so that inputs written before these choices existed decode as they did.
    if r.one_in(8) {
        c.misaligned = 1 << r.below(6);
    }
    if r.one_in(4) {
        c.handle = bad_handle(r);
    }
    c.scheme = match r.below(8) {
        0..=4 => 0,
        5 | 6 => 1,
        _ => r.wild_i32(),
    };
    c
}

/// A NULL or misaligned handle or result pointer for one step of the plan API.
fn bad_handle(r: &mut Reader) -> BadHandle {
    let step = r.pick(&[
        Step::OptionsNew,
        Step::SetSpacing,
        Step::SetAxes,
        Step::SetEdgeOrder,
        Step::SetThreads,
        Step::SetScheme,
        Step::PlanNew,
        Step::Execute,
    ]);
    match r.below(5) {
        0 | 1 => BadHandle::Null(step),
        2 | 3 => BadHandle::Misaligned(step),
        _ => BadHandle::PlanOptions,
    }
}

/// A `grad_gradient_f64` call from arbitrary integers.
pub fn f64_call(r: &mut Reader) -> F64Call {
    let mut c = F64Call {
        ndim: ndim(r),
        ..F64Call::default()
    };
    let held = c.ndim.min(70);
    let shape: Vec<usize> = (0..held).map(|_| r.wild_usize()).collect();
    c.layout = if r.below(4) == 0 {
        r.wild_i32()
    } else {
        r.below(2) as i32
    };
    let strides = if c.layout == 1 {
        f_strides(&shape)
    } else {
        c_strides(&shape)
    };
    let elem = DType::F64.layout();
    let fc = choice(r);
    c.f = Some(materialize(
        r,
        &mut c.arena,
        fc,
        &shape,
        &strides,
        elem,
        false,
    ));
    c.out_len = if r.below(2) == 0 {
        r.wild_usize()
    } else {
        shape
            .iter()
            .fold(1usize, |a, &n| a.wrapping_mul(n))
            .wrapping_mul(c.ndim)
    };
    let oc = choice(r);
    c.out = Some(materialize(
        r,
        &mut c.arena,
        oc,
        &[c.out_len],
        &[1],
        elem,
        true,
    ));
    c.spacing = (r.below(3) != 0).then(|| (0..held).map(|_| r.float()).collect());
    c.shape = (!r.one_in(32)).then_some(shape);
    c.edge_order = if r.below(4) == 0 {
        r.wild_i32()
    } else {
        1 + r.below(2) as i32
    };
    c.n_threads = threads(r);
    c
}
