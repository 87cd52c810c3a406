//! Decoder of the `gradient_valid` target: well-formed calls over honest buffers.
//!
//! Every array descriptor fits the buffer behind it (negative, zero and padded strides,
//! permuted axis orders, huge strides on axes of length 0 or 1), so the library may read
//! and write everything it is told about. Argument mistakes that the library can detect
//! are still mixed in (wrong counts, kinds, dtypes, axes, edge orders, NULL or misaligned
//! pointers, outputs aliasing the input, a coordinate array or each other) so that every
//! status is exercised next to successful calls. Every `grad_gradient` call is also made
//! through the plan API, and a successful plan executed a second time on another input
//! (see [`harness`](crate::harness)).

use crate::harness::{Call, F64Call, GeneralCall, Ptr, elem_of};
use crate::memory::{Arena, DType, Elem, c_strides, element_count, for_each_index};
use crate::reader::Reader;
use gradient::ffi::grad_spacing;

/// Largest number of elements of a generated array.
const MAX_ELEMENTS: usize = 256;

/// Byte every output buffer is filled with before the call (a NaN pattern for floats).
pub const SENTINEL: u8 = 0xA5;

/// Decodes one input into the call it describes (one call in eight is to `grad_gradient_f64`).
pub fn decode(data: &[u8]) -> Call {
    let mut r = Reader::new(data);
    if r.below(8) == 7 {
        Call::F64(f64_call(&mut r))
    } else {
        Call::General(general_call(&mut r))
    }
}

/// `ndim` (usually 1-4, sometimes 0 or 65) and a shape of at most [`MAX_ELEMENTS`].
fn shape(r: &mut Reader) -> (usize, Vec<usize>) {
    let ndim = match r.below(32) {
        0..=9 => 1,
        10..=19 => 2,
        20..=26 => 3,
        27..=29 => 4,
        30 => 0,
        _ => 65,
    };
    if ndim > 64 {
        return (ndim, vec![1; ndim]);
    }
    let mut total = 1usize;
    let shape = (0..ndim)
        .map(|_| {
            let n = r.pick(&[5, 3, 2, 4, 1, 0, 6, 7]);
            if total * n.max(1) > MAX_ELEMENTS {
                1
            } else {
                total *= n.max(1);
                n
            }
        })
        .collect();
    (ndim, shape)
}

/// A non-overlapping strided layout of `shape` (unless `allow_zero` and a zero stride is
/// drawn): a random axis order, padding, reversed axes, and any stride at all on axes of
/// length 0 or 1.
fn layout(r: &mut Reader, shape: &[usize], allow_zero: bool) -> Vec<isize> {
    let ndim = shape.len();
    let mut order: Vec<usize> = (0..ndim).rev().collect(); // innermost first
    for i in 0..ndim {
        let j = i + r.below(ndim - i);
        order.swap(i, j);
    }
    let mut strides = vec![0isize; ndim];
    let mut acc: isize = 1;
    for &ax in &order {
        // Saturating: with ndim 65 (an invalid call) the product is never used.
        let base = acc
            .saturating_mul(r.pick(&[1, 1, 1, 2, 3]))
            .saturating_add(r.pick(&[0, 0, 0, 1]));
        let mut st = if r.one_in(4) { -base } else { base };
        if allow_zero && r.one_in(8) {
            st = 0;
        }
        if shape[ax] <= 1 && r.one_in(4) {
            st = r.wild_isize();
        }
        strides[ax] = st;
        acc = base.saturating_mul(shape[ax].max(1) as isize);
    }
    strides
}

/// Elements below and above element `[0…]` (the descriptor is small and valid).
fn reach(shape: &[usize], strides: &[isize]) -> (usize, usize) {
    let (mut below, mut above) = (0, 0);
    for (&n, &st) in shape.iter().zip(strides) {
        if n > 1 {
            let r = st.unsigned_abs() * (n - 1);
            if st < 0 { below += r } else { above += r }
        }
    }
    (below, above)
}

/// Allocates a buffer exactly as large as the descriptor claims (plus one byte when the
/// pointer is deliberately misaligned); rarely NULL instead.
fn place(r: &mut Reader, arena: &mut Arena, shape: &[usize], strides: &[isize], elem: Elem) -> Ptr {
    let empty = shape.contains(&0);
    if r.one_in(64) || (empty && r.one_in(2)) {
        return Ptr::NULL;
    }
    let (below, above) = if empty { (0, 0) } else { reach(shape, strides) };
    let skew = usize::from(elem.align > 1 && r.one_in(32));
    let buf = arena.add((below + above + 1) * elem.size * usize::from(!empty) + skew);
    Ptr::into_buf(arena, buf, below * elem.size + skew)
}

/// Writes a value drawn from `r` into every element of an input array.
fn fill(r: &mut Reader, arena: &mut Arena, p: Ptr, shape: &[usize], strides: &[isize], dt: DType) {
    let Some((buf, base)) = p.home else { return };
    let size = dt.layout().size;
    let bytes = arena.bufs[buf].bytes_mut();
    for_each_index(shape, |idx| {
        let off = idx.iter().zip(strides).fold(base as isize, |o, (&i, &s)| {
            o + i as isize * s * size as isize
        });
        let v = element_bytes(r, dt);
        bytes[off as usize..off as usize + size].copy_from_slice(&v);
    });
}

/// One element's bytes: floats from [`Reader::float`], integers small or extreme.
fn element_bytes(r: &mut Reader, dt: DType) -> Vec<u8> {
    let int = |r: &mut Reader| -> i128 {
        let b = r.u8();
        match b {
            0..=239 => i128::from(b as i8),
            _ => r.pick(&[
                i128::from(i64::MIN),
                i128::from(i64::MAX),
                i128::from(u64::MAX),
                255,
                -128,
                i128::from(i32::MIN),
                i128::from(u32::MAX),
                1 << 53 | 1,
            ]),
        }
    };
    match dt {
        DType::F64 => r.float().to_le_bytes().to_vec(),
        DType::F32 => (r.float() as f32).to_le_bytes().to_vec(),
        DType::C128 => [r.float().to_le_bytes(), r.float().to_le_bytes()].concat(),
        DType::C64 => [
            (r.float() as f32).to_le_bytes(),
            (r.float() as f32).to_le_bytes(),
        ]
        .concat(),
        DType::I8 | DType::U8 => vec![int(r) as u8],
        DType::I16 | DType::U16 => (int(r) as u16).to_le_bytes().to_vec(),
        DType::I32 | DType::U32 => (int(r) as u32).to_le_bytes().to_vec(),
        DType::I64 | DType::U64 => (int(r) as u64).to_le_bytes().to_vec(),
    }
}

/// `edge_order`: mostly 1 or 2.
fn edge_order(r: &mut Reader) -> i32 {
    match r.below(16) {
        0..=7 => 1,
        8..=14 => 2,
        _ => r.pick(&[0, 3, -1, i32::MIN, i32::MAX, -2]),
    }
}

/// Moves a descriptor's start to its opposite corner and negates its strides: the same
/// elements, traversed backwards.
fn flip(p: Ptr, shape: &[usize], strides: &[isize], size: usize) -> (Ptr, Vec<isize>) {
    if shape.contains(&0) || p.home.is_none() {
        return (p, strides.to_vec());
    }
    let shift: isize = shape
        .iter()
        .zip(strides)
        .map(|(&n, &s)| if n > 1 { s * (n as isize - 1) } else { 0 })
        .sum();
    let delta = shift * size as isize;
    let (buf, off) = p.home.expect("checked");
    let p = Ptr {
        addr: (p.addr as isize + delta) as usize,
        home: Some((buf, (off as isize + delta) as usize)),
    };
    let strides = shape
        .iter()
        .zip(strides)
        .map(|(&n, &s)| if n > 1 { -s } else { s })
        .collect();
    (p, strides)
}

/// A `grad_gradient` call.
pub fn general_call(r: &mut Reader) -> GeneralCall {
    let mut c = GeneralCall::default();
    let dtype = match r.below(16) {
        i @ 0..=11 => Some(DType::ALL[i]),
        _ => None,
    };
    c.dtype = dtype.map_or_else(|| r.pick(&[0, 13, -1, i32::MAX, 99]), DType::tag);
    let in_elem = elem_of(c.dtype);
    let (ndim, shape) = shape(r);
    c.ndim = ndim;
    let valid_ndim = (1..=64).contains(&ndim);

    // The input.
    let f_strides = if r.below(2) == 0 {
        None
    } else {
        Some(layout(r, &shape, true))
    };
    let eff = f_strides.clone().unwrap_or_else(|| c_strides(&shape));
    let f = if valid_ndim {
        place(r, &mut c.arena, &shape, &eff, in_elem)
    } else {
        Ptr::NULL
    };
    if let Some(dt) = dtype {
        fill(r, &mut c.arena, f, &shape, &eff, dt);
    }
    c.f = Some(f);
    c.strides = f_strides;

    // Axes.
    let n = ndim as i32;
    let (axes, n_axes) = match r.below(8) {
        0..=5 => (None, 0),
        6 => {
            let k = r.below(ndim.min(64) + 2);
            (
                Some(
                    (0..k)
                        .map(|_| r.below(2 * ndim.min(64) + 3) as i32 - (n + 1))
                        .collect::<Vec<_>>(),
                ),
                k,
            )
        }
        _ => {
            if r.one_in(4) {
                (None, 1 + r.below(2))
            } else {
                (Some(vec![]), 0)
            }
        }
    };
    let resolved: Vec<Option<usize>> = match &axes {
        None => (0..ndim).map(Some).collect(),
        Some(a) => a
            .iter()
            .map(|&x| (x >= -n && x < n).then(|| if x < 0 { (x + n) as usize } else { x as usize }))
            .collect(),
    };
    let requested = if axes.is_none() && n_axes == 0 {
        ndim
    } else {
        n_axes
    };
    c.axes = axes;
    c.n_axes = n_axes;

    // Spacing.
    let n_spacing = match r.below(8) {
        0 | 1 => 0,
        2 | 3 => 1,
        4..=6 => requested,
        _ => r.below(6),
    };
    let mut spacing = Vec::new();
    for i in 0..n_spacing {
        let kind = match r.below(16) {
            0 | 1 => 0,
            2..=4 => 1,
            5 | 6 => 2,
            7 | 8 => 3,
            9..=14 => 4,
            _ => r.pick(&[5, -1, 100, i32::MIN]),
        };
        let mut s = grad_spacing {
            kind,
            dtype: 0,
            h: r.float(),
            coordinates: std::ptr::null(),
            length: 0,
            stride: 0,
        };
        let mut home = None;
        if kind == 4 {
            let axis = resolved
                .get(i)
                .copied()
                .flatten()
                .or(resolved.first().copied().flatten());
            let len = match axis {
                Some(a) if !r.one_in(8) => shape[a],
                _ => r.below(8),
            };
            let dt = match r.below(16) {
                0..=4 => Some(DType::F64),
                5 | 6 => Some(DType::F32),
                i @ 7..=14 => Some(DType::ALL[i - 3]),
                _ => r.pick(&[Some(DType::C128), None]),
            };
            s.dtype = dt.map_or(77, DType::tag);
            s.length = len;
            s.stride = r.pick(&[1, 1, -1, 2, 0, -2, 3]);
            let elem = elem_of(s.dtype);
            let p = place(r, &mut c.arena, &[len], &[s.stride], elem);
            if let Some(dt) = dt.filter(|d| !d.is_complex()) {
                coordinates(r, &mut c.arena, p, len, s.stride, dt);
            }
            s.coordinates = p.addr as *const _;
            home = p.home;
        }
        spacing.push(s);
        c.coord_homes.push(home);
    }
    c.spacing = if n_spacing > 0 && r.one_in(64) {
        None
    } else {
        Some(spacing)
    };
    c.n_spacing = n_spacing;
    c.edge_order = edge_order(r);

    // Outputs.
    let n_out = if r.one_in(32) {
        if r.below(2) == 0 {
            requested + 1
        } else {
            requested.saturating_sub(1)
        }
    } else {
        requested
    };
    let out_elem = dtype.map_or(Elem { size: 8, align: 8 }, |d| d.output().layout());
    let explicit = r.below(2) == 1;
    let mut outs: Vec<(Ptr, Vec<isize>)> = Vec::new();
    // The components of one (..., n_out) array: one buffer, outputs interleaved.
    let interleaved = (valid_ndim && n_out >= 2 && r.one_in(8)).then(|| {
        let count: usize = shape.iter().product();
        let buf = c.arena.add(count * n_out * out_elem.size);
        c.arena.bufs[buf].bytes_mut().fill(SENTINEL);
        let st: Vec<isize> = c_strides(&shape)
            .iter()
            .map(|&s| s * n_out as isize)
            .collect();
        (buf, st)
    });
    for k in 0..n_out.min(70) {
        if !valid_ndim {
            outs.push((Ptr::NULL, vec![0; ndim]));
            continue;
        }
        if let Some((buf, st)) = &interleaved {
            outs.push((Ptr::into_buf(&c.arena, *buf, k * out_elem.size), st.clone()));
            continue;
        }
        let alias = r.below(32);
        let mut entry = None;
        if alias == 4 {
            // Small arbitrary strides: distinct, interleaved or colliding elements, as the
            // brute-force test decides.
            let st: Vec<isize> = shape.iter().map(|_| r.below(9) as isize - 4).collect();
            let p = place(r, &mut c.arena, &shape, &st, out_elem);
            if let Some((b, _)) = p.home {
                c.arena.bufs[b].bytes_mut().fill(SENTINEL);
            }
            entry = Some((p, st));
        } else if alias == 0 && in_elem == out_elem && dtype.is_some() {
            entry = Some((f, eff.clone()));
        } else if alias == 1 && k > 0 {
            let j = r.below(k);
            entry = Some(outs[j].clone());
        } else if alias == 2 && ndim == 1 {
            let found = (0..c.coord_homes.len()).find(|&i| c.coord_homes[i].is_some());
            if let (Some(i), Some(sp)) = (found, c.spacing.as_ref()) {
                let s = sp[i];
                let ce = elem_of(s.dtype);
                if ce == out_elem && s.length == shape[0] {
                    let p = Ptr {
                        addr: s.coordinates as usize,
                        home: c.coord_homes[i],
                    };
                    entry = Some((p, vec![s.stride]));
                }
            }
        } else if alias == 3 && shape.iter().any(|&n| n > 1) && !shape.contains(&0) {
            // Two elements at one address: a zero stride on an axis longer than 1.
            let mut st = layout(r, &shape, false);
            let ax = shape.iter().position(|&n| n > 1).expect("some axis");
            st[ax] = 0;
            let p = place(r, &mut c.arena, &shape, &st, out_elem);
            entry = Some((p, st));
        }
        let (p, st) = match entry {
            Some((p, st)) if r.below(2) == 1 => flip(p, &shape, &st, out_elem.size),
            Some(e) => e,
            None => {
                let st = if explicit {
                    layout(r, &shape, false)
                } else {
                    c_strides(&shape)
                };
                let p = place(r, &mut c.arena, &shape, &st, out_elem);
                if let Some((b, _)) = p.home {
                    c.arena.bufs[b].bytes_mut().fill(SENTINEL);
                }
                (p, st)
            }
        };
        outs.push((p, st));
    }
    let c_order = valid_ndim && outs.iter().all(|(_, st)| *st == c_strides(&shape));
    c.out_strides = if c_order && !explicit {
        None
    } else {
        Some(outs.iter().flat_map(|(_, st)| st.clone()).collect())
    };
    c.out = if n_out > 0 && r.one_in(64) {
        None
    } else {
        Some(outs.into_iter().map(|(p, _)| p).collect())
    };
    c.n_out = n_out;
    c.shape = if r.one_in(64) { None } else { Some(shape) };
    c.n_threads = threads(r);
    // Read last, so that inputs written before this choice existed decode as they did
    // (numpy's scheme).
    c.scheme = i32::from(r.one_in(3));
    c
}

/// `n_threads`: mostly the calling thread only (0 or 1), sometimes 2-4.
fn threads(r: &mut Reader) -> usize {
    match r.below(16) {
        0..=12 => r.below(2),
        _ => 2 + r.below(3),
    }
}

/// Writes coordinates: an arithmetic progression (which numpy collapses to a scalar step
/// when its differences are exactly equal), a perturbed one, or arbitrary values.
fn coordinates(r: &mut Reader, arena: &mut Arena, p: Ptr, len: usize, stride: isize, dt: DType) {
    let Some((buf, base)) = p.home else { return };
    if len == 0 {
        return;
    }
    let mode = r.below(4);
    let (start, step) = (
        r.float(),
        r.pick(&[1.0, 0.5, 0.1, -1.0, 2.0, 0.0, 3.0, -0.25]),
    );
    let bump = r.below(len);
    let size = dt.layout().size;
    let values: Vec<f64> = (0..len)
        .map(|k| match mode {
            0 => start + k as f64 * step,
            1 => (k as f64 * step).round(),
            2 => r.float(),
            _ => start + k as f64 * step + if k == bump { 0.001 } else { 0.0 },
        })
        .collect();
    let bytes = arena.bufs[buf].bytes_mut();
    for (k, v) in values.into_iter().enumerate() {
        let off = (base as isize + k as isize * stride * size as isize) as usize;
        let b = match dt {
            DType::F64 => v.to_le_bytes().to_vec(),
            DType::F32 => (v as f32).to_le_bytes().to_vec(),
            DType::I8 => vec![v as i8 as u8],
            DType::U8 => vec![v as u8],
            DType::I16 => (v as i16).to_le_bytes().to_vec(),
            DType::U16 => (v as u16).to_le_bytes().to_vec(),
            DType::I32 => (v as i32).to_le_bytes().to_vec(),
            DType::U32 => (v as u32).to_le_bytes().to_vec(),
            DType::I64 => (v as i64).to_le_bytes().to_vec(),
            DType::U64 => (v as u64).to_le_bytes().to_vec(),
            DType::C128 | DType::C64 => unreachable!("coordinates are real"),
        };
        bytes[off..off + size].copy_from_slice(&b);
    }
}

/// A `grad_gradient_f64` call.
pub fn f64_call(r: &mut Reader) -> F64Call {
    let mut c = F64Call::default();
    let (ndim, shape) = shape(r);
    c.ndim = ndim;
    c.layout = match r.below(16) {
        0..=7 => 0,
        8..=14 => 1,
        _ => r.pick(&[2, -1, i32::MAX]),
    };
    let count = element_count(&shape).unwrap_or(0);
    let needed = count * ndim;
    c.out_len = match r.below(16) {
        0..=11 => needed,
        12 => needed + 1,
        13 => needed + 5,
        14 => needed.saturating_sub(1),
        _ => 0,
    };
    let f64_elem = DType::F64.layout();
    let valid = (1..=64).contains(&ndim);
    if valid && r.below(16) == 0 {
        // f and out in one buffer, out starting `off` elements after f.
        let off = r.below(count + 1);
        let buf = c.arena.add((count.max(off + c.out_len)) * 8);
        c.f = Some(Ptr::into_buf(&c.arena, buf, 0));
        c.out = Some(Ptr::into_buf(&c.arena, buf, off * 8));
    } else if valid {
        let f = place(r, &mut c.arena, &[count], &[1], f64_elem);
        c.f = Some(f);
        let out = place(r, &mut c.arena, &[c.out_len], &[1], f64_elem);
        if let Some((b, _)) = out.home {
            c.arena.bufs[b].bytes_mut().fill(SENTINEL);
        }
        c.out = Some(out);
    }
    if let Some(f) = c.f {
        fill(r, &mut c.arena, f, &[count], &[1], DType::F64);
    }
    c.spacing = if r.below(4) == 0 {
        None
    } else {
        Some((0..ndim).map(|_| r.float()).collect())
    };
    c.edge_order = edge_order(r);
    c.shape = if r.one_in(64) { None } else { Some(shape) };
    c.n_threads = threads(r);
    c
}
