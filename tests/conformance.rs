//! Conformance with numpy: every case of `tests/conformance/vectors.bin` (written by
//! `tests/conformance/generate.py`, whose docstring describes the format) is rebuilt in
//! memory with its recorded layout (offset, negative and zero strides, strided coordinate
//! arrays), passed to `grad_gradient` with outputs of varied layouts, and compared with
//! numpy's result bit for bit: a NaN matches any NaN, every other value (the sign of zero
//! included) must have numpy's exact bits. Error cases must return the recorded status and
//! leave every output byte untouched. Float64 all-axes cases also go through
//! `grad_gradient_f64`, in row-major and column-major order.
//!
//! The module `large` checks the arrays of `tests/conformance/large.txt`: lengths and
//! shapes past every block, group and thread-split size, stored as formulas and digests.

/// The large cases of `tests/conformance/large.txt`, stored as digests.
#[path = "conformance/large.rs"]
mod large;

use gradient::ffi::{grad_gradient, grad_gradient_f64, grad_last_error, grad_spacing};
use std::ffi::{CStr, c_void};
use std::fmt::Write as _;
use std::path::Path;

const SENTINEL: u8 = 0xA5;

// ---------------------------------------------------------------------------------------
// The file

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        s
    }
    fn arr<const N: usize>(&mut self) -> [u8; N] {
        self.bytes(N).try_into().unwrap()
    }
    fn u8(&mut self) -> u8 {
        self.bytes(1)[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.arr())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.arr())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.arr())
    }
    fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.arr())
    }
    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.arr())
    }
    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.arr())
    }
    fn str(&mut self) -> String {
        let n = self.u16() as usize;
        String::from_utf8(self.bytes(n).to_vec()).unwrap()
    }
    fn array(&mut self, rank: usize, itemsize: usize) -> ArrayRec {
        let offset = self.i64() as isize;
        let strides = (0..rank).map(|_| self.i64() as isize).collect();
        let len = self.u64() as usize;
        let bytes = self.bytes(len * itemsize).to_vec();
        ArrayRec {
            offset,
            strides,
            len,
            bytes,
        }
    }
}

/// A buffer and a view into it: element `[0, ..., 0]` at `offset`, strides in elements.
struct ArrayRec {
    offset: isize,
    strides: Vec<isize>,
    len: usize,
    bytes: Vec<u8>,
}

enum SpacingRec {
    Unit,
    Scalar {
        kind: i32,
        h: f64,
    },
    Coords {
        dtype: i32,
        length: usize,
        x: ArrayRec,
    },
}

struct Case {
    index: usize,
    label: String,
    dtype: i32,
    edge_order: i32,
    status: i32,
    shape: Vec<usize>,
    f: ArrayRec,
    axes: Option<Vec<i32>>,
    spacing: Vec<SpacingRec>,
    expected: Vec<Vec<u8>>,
}

struct Vectors {
    seed: u64,
    numpy: String,
    cases: Vec<Case>,
}

fn read_vectors(path: &Path) -> Vectors {
    let data = std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run tests/conformance/generate.py to create it",
            path.display()
        )
    });
    let mut r = Reader { b: &data, pos: 0 };
    assert_eq!(r.bytes(8), b"GRADVEC1", "not a conformance vector file");
    assert_eq!(r.u32(), 2, "unknown vectors.bin format version");
    let seed = r.u64();
    let numpy = r.str();
    let n = r.u32() as usize;
    let mut cases = Vec::with_capacity(n);
    for index in 0..n {
        let label = r.str();
        let dtype = r.i32();
        let edge_order = r.i32();
        let status = r.i32();
        let ndim = r.u8() as usize;
        let shape: Vec<usize> = (0..ndim).map(|_| r.u64() as usize).collect();
        let f = r.array(ndim, itemsize(dtype));
        let axes = match r.u8() {
            0 => None,
            1 => {
                let k = r.u8() as usize;
                Some((0..k).map(|_| r.i32()).collect())
            }
            m => panic!("case {index}: bad axes mode {m}"),
        };
        let n_spacing = r.u8() as usize;
        let spacing = (0..n_spacing)
            .map(|_| match r.i32() {
                0 => SpacingRec::Unit,
                kind @ 1..=3 => SpacingRec::Scalar { kind, h: r.f64() },
                4 => {
                    let dtype = r.i32();
                    let length = r.u64() as usize;
                    let x = r.array(1, itemsize(dtype));
                    SpacingRec::Coords { dtype, length, x }
                }
                k => panic!("case {index}: bad spacing kind {k}"),
            })
            .collect();
        let count: usize = shape.iter().product();
        let n_expected = r.u8() as usize;
        let expected = (0..n_expected)
            .map(|_| r.bytes(count * out_itemsize(dtype)).to_vec())
            .collect();
        cases.push(Case {
            index,
            label,
            dtype,
            edge_order,
            status,
            shape,
            f,
            axes,
            spacing,
            expected,
        });
    }
    assert_eq!(r.pos, data.len(), "trailing bytes in vectors.bin");
    Vectors { seed, numpy, cases }
}

// ---------------------------------------------------------------------------------------
// dtypes

const F64: i32 = 1;
const F32: i32 = 2;
const C128: i32 = 3;
const C64: i32 = 4;

fn dtype_name(tag: i32) -> &'static str {
    [
        "?", "f64", "f32", "c128", "c64", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64",
    ]
    .get(tag as usize)
    .copied()
    .unwrap_or("?")
}

fn itemsize(tag: i32) -> usize {
    match tag {
        1 | 8 | 12 | 4 => 8,
        3 => 16,
        2 | 7 | 11 => 4,
        6 | 10 => 2,
        5 | 9 => 1,
        _ => panic!("unknown dtype tag {tag}"),
    }
}

fn out_dtype(tag: i32) -> i32 {
    match tag {
        F32 | C128 | C64 => tag,
        _ => F64,
    }
}

fn out_itemsize(tag: i32) -> usize {
    itemsize(out_dtype(tag))
}

/// Size of one float component of the output dtype (complex: real and imaginary parts).
fn component_size(tag: i32) -> usize {
    match out_dtype(tag) {
        F64 | C128 => 8,
        _ => 4,
    }
}

/// One element as text, with its bits for floats.
fn show(tag: i32, b: &[u8]) -> String {
    let f8 = |b: &[u8]| {
        let v = f64::from_le_bytes(b.try_into().unwrap());
        format!("{v:e} (0x{:016x})", v.to_bits())
    };
    let f4 = |b: &[u8]| {
        let v = f32::from_le_bytes(b.try_into().unwrap());
        format!("{v:e} (0x{:08x})", v.to_bits())
    };
    match tag {
        1 => f8(b),
        2 => f4(b),
        3 => format!("({}, {})", f8(&b[..8]), f8(&b[8..])),
        4 => format!("({}, {})", f4(&b[..4]), f4(&b[4..])),
        5 => (b[0] as i8).to_string(),
        6 => i16::from_le_bytes(b.try_into().unwrap()).to_string(),
        7 => i32::from_le_bytes(b.try_into().unwrap()).to_string(),
        8 => i64::from_le_bytes(b.try_into().unwrap()).to_string(),
        9 => b[0].to_string(),
        10 => u16::from_le_bytes(b.try_into().unwrap()).to_string(),
        11 => u32::from_le_bytes(b.try_into().unwrap()).to_string(),
        12 => u64::from_le_bytes(b.try_into().unwrap()).to_string(),
        _ => "?".into(),
    }
}

/// Bitwise equality of one output element, except that NaN matches any NaN (per component).
fn same(tag: i32, want: &[u8], got: &[u8]) -> bool {
    let cs = component_size(tag);
    want.chunks(cs).zip(got.chunks(cs)).all(|(w, g)| {
        if cs == 8 {
            let (w, g) = (
                f64::from_le_bytes(w.try_into().unwrap()),
                f64::from_le_bytes(g.try_into().unwrap()),
            );
            w.to_bits() == g.to_bits() || (w.is_nan() && g.is_nan())
        } else {
            let (w, g) = (
                f32::from_le_bytes(w.try_into().unwrap()),
                f32::from_le_bytes(g.try_into().unwrap()),
            );
            w.to_bits() == g.to_bits() || (w.is_nan() && g.is_nan())
        }
    })
}

// ---------------------------------------------------------------------------------------
// Memory

/// An 8-byte-aligned byte buffer (enough for every dtype, `double _Complex` included).
struct Buf(Vec<u64>);

impl Buf {
    fn new(bytes: usize, fill: u8) -> Buf {
        let words = bytes.div_ceil(8).max(1);
        Buf(vec![u64::from_ne_bytes([fill; 8]); words])
    }
    fn from_bytes(b: &[u8]) -> Buf {
        let mut buf = Buf::new(b.len(), 0);
        buf.bytes_mut()[..b.len()].copy_from_slice(b);
        buf
    }
    fn bytes(&self) -> &[u8] {
        // SAFETY: u64 storage viewed as bytes; length in bytes.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast(), self.0.len() * 8) }
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above, uniquely borrowed.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), self.0.len() * 8) }
    }
    fn at(&self, element: isize, itemsize: usize) -> *const c_void {
        self.bytes()
            .as_ptr()
            .wrapping_offset(element * itemsize as isize)
            .cast()
    }
    fn at_mut(&mut self, element: isize, itemsize: usize) -> *mut c_void {
        self.bytes_mut()
            .as_mut_ptr()
            .wrapping_offset(element * itemsize as isize)
            .cast()
    }
}

fn c_strides(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![0isize; shape.len()];
    let mut step = 1isize;
    for d in (0..shape.len()).rev() {
        s[d] = step;
        step *= shape[d].max(1) as isize;
    }
    s
}

fn f_strides(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![0isize; shape.len()];
    let mut step = 1isize;
    for d in 0..shape.len() {
        s[d] = step;
        step *= shape[d].max(1) as isize;
    }
    s
}

/// The multi-index of C-order position `i`.
fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        idx[d] = i % shape[d];
        i /= shape[d];
    }
    idx
}

/// Element position of every logical element (C order) of a strided view.
fn positions(shape: &[usize], origin: isize, strides: &[isize]) -> Vec<isize> {
    let count: usize = shape.iter().product();
    (0..count)
        .map(|i| {
            unravel(i, shape)
                .iter()
                .zip(strides)
                .fold(origin, |p, (&k, &s)| p + k as isize * s)
        })
        .collect()
}

/// One output array: its buffer index, element `[0..0]` and strides, in elements.
struct OutLayout {
    buffer: usize,
    origin: isize,
    strides: Vec<isize>,
}

/// The output arrangement for a case: buffers (element counts) and one layout per output.
struct Outputs {
    name: &'static str,
    explicit: bool,
    buffers: Vec<usize>,
    layouts: Vec<OutLayout>,
}

/// Picks output layouts by case index: C-contiguous through NULL out_strides; explicit
/// strides mixing F order, reversed (all strides negative), padded (gaps, axis 0 negative)
/// and C order; or all outputs interleaved in one buffer as the components of an
/// `(..., n_out)` array.
fn output_layouts(index: usize, shape: &[usize], n_out: usize) -> Outputs {
    let count: usize = shape.iter().product();
    let c = c_strides(shape);
    match index % 3 {
        0 => Outputs {
            name: "C (out_strides NULL)",
            explicit: false,
            buffers: vec![count; n_out],
            layouts: (0..n_out)
                .map(|k| OutLayout {
                    buffer: k,
                    origin: 0,
                    strides: c.clone(),
                })
                .collect(),
        },
        1 => {
            let mut buffers = Vec::new();
            let layouts = (0..n_out)
                .map(|k| {
                    let (len, origin, strides) = match (index / 3 + k) % 4 {
                        0 => (count, 0, f_strides(shape)),
                        1 => (
                            count,
                            count.saturating_sub(1) as isize,
                            c.iter().map(|s| -s).collect(),
                        ),
                        2 => {
                            let mut s: Vec<isize> = c.iter().map(|s| 2 * s).collect();
                            s[0] = -s[0];
                            let origin = (shape[0].saturating_sub(1)) as isize * -s[0];
                            (2 * count + 1, origin, s)
                        }
                        _ => (count, 0, c.clone()),
                    };
                    buffers.push(len);
                    OutLayout {
                        buffer: k,
                        origin,
                        strides,
                    }
                })
                .collect();
            Outputs {
                name: "explicit strides: F / reversed / padded / C by output",
                explicit: true,
                buffers,
                layouts,
            }
        }
        _ => Outputs {
            name: "interleaved in one buffer",
            explicit: true,
            buffers: vec![count * n_out],
            layouts: (0..n_out)
                .map(|k| OutLayout {
                    buffer: 0,
                    origin: k as isize,
                    strides: c.iter().map(|s| s * n_out as isize).collect(),
                })
                .collect(),
        },
    }
}

/// The thread count passed for a case: mostly the calling thread (1 or 0), some with 2
/// or 3 threads (the results must not depend on it). These arrays are small, so the
/// library keeps them on the calling thread; the split itself is checked against numpy by
/// the large cases (`large.rs`), and in the core's unit tests.
fn n_threads(index: usize) -> usize {
    match index % 6 {
        0 | 2 => 1,
        1 => 0,
        3 => 2,
        4 => 3,
        _ => 1,
    }
}

// ---------------------------------------------------------------------------------------
// Describing a case

fn describe(case: &Case) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "case #{}: {}", case.index, case.label);
    let _ = writeln!(
        s,
        "  dtype {} shape {:?} strides {:?} offset {} (buffer of {})",
        dtype_name(case.dtype),
        case.shape,
        case.f.strides,
        case.f.offset,
        case.f.len
    );
    let count: usize = case.shape.iter().product();
    if count <= 64 {
        let isz = itemsize(case.dtype);
        let vals: Vec<String> = positions(&case.shape, case.f.offset, &case.f.strides)
            .into_iter()
            .map(|p| show(case.dtype, &case.f.bytes[p as usize * isz..][..isz]))
            .collect();
        let _ = writeln!(s, "  f (C order) = [{}]", vals.join(", "));
    }
    let _ = writeln!(
        s,
        "  axes {:?}, edge_order {}, expected status {}",
        case.axes, case.edge_order, case.status
    );
    for (k, sp) in case.spacing.iter().enumerate() {
        match sp {
            SpacingRec::Unit => {
                let _ = writeln!(s, "  spacing[{k}] UNIT");
            }
            SpacingRec::Scalar { kind, h } => {
                let kind = [
                    "",
                    "SCALAR (Python float)",
                    "SCALAR_F64 (np.float64)",
                    "SCALAR_F32 (np.float32)",
                ][*kind as usize];
                let _ = writeln!(
                    s,
                    "  spacing[{k}] {kind} h = {h:e} (0x{:016x})",
                    h.to_bits()
                );
            }
            SpacingRec::Coords { dtype, length, x } => {
                let isz = itemsize(*dtype);
                let vals: Vec<String> = positions(&[*length], x.offset, &x.strides)
                    .into_iter()
                    .map(|p| show(*dtype, &x.bytes[p as usize * isz..][..isz]))
                    .collect();
                let _ = writeln!(
                    s,
                    "  spacing[{k}] COORDINATES {} length {} stride {} offset {}: [{}]",
                    dtype_name(*dtype),
                    length,
                    x.strides[0],
                    x.offset,
                    vals.join(", ")
                );
            }
        }
    }
    s
}

fn last_error() -> String {
    // SAFETY: grad_last_error returns a valid NUL-terminated string.
    unsafe { CStr::from_ptr(grad_last_error()) }
        .to_string_lossy()
        .into_owned()
}

// ---------------------------------------------------------------------------------------
// Running one case

/// Runs a case through `grad_gradient`; `Err` describes the first disagreement.
fn run_grad_gradient(case: &Case) -> Result<(), String> {
    let ndim = case.shape.len();
    let isz = itemsize(case.dtype);
    let osz = out_itemsize(case.dtype);
    let f_buf = Buf::from_bytes(&case.f.bytes);
    let f_ptr = f_buf.at(case.f.offset, isz);

    let coord_bufs: Vec<Option<Buf>> = case
        .spacing
        .iter()
        .map(|s| match s {
            SpacingRec::Coords { x, .. } => Some(Buf::from_bytes(&x.bytes)),
            _ => None,
        })
        .collect();
    let spacing: Vec<grad_spacing> = case
        .spacing
        .iter()
        .zip(&coord_bufs)
        .map(|(s, b)| match s {
            SpacingRec::Unit => grad_spacing {
                kind: 0,
                dtype: 0,
                h: 0.0,
                coordinates: std::ptr::null(),
                length: 0,
                stride: 0,
            },
            SpacingRec::Scalar { kind, h } => grad_spacing {
                kind: *kind,
                dtype: 0,
                h: *h,
                coordinates: std::ptr::null(),
                length: 0,
                stride: 0,
            },
            SpacingRec::Coords { dtype, length, x } => grad_spacing {
                kind: 4,
                dtype: *dtype,
                h: 0.0,
                coordinates: b.as_ref().unwrap().at(x.offset, itemsize(*dtype)),
                length: *length,
                stride: x.strides[0],
            },
        })
        .collect();

    let n_out = case.axes.as_ref().map_or(ndim, Vec::len);
    let outs = output_layouts(case.index, &case.shape, n_out);
    let mut bufs: Vec<Buf> = outs
        .buffers
        .iter()
        .map(|&n| Buf::new(n * osz, SENTINEL))
        .collect();
    let out_ptrs: Vec<*mut c_void> = outs
        .layouts
        .iter()
        .map(|l| bufs[l.buffer].at_mut(l.origin, osz))
        .collect();
    let out_strides: Vec<isize> = outs
        .layouts
        .iter()
        .flat_map(|l| l.strides.iter().copied())
        .collect();
    let axes = case.axes.as_deref();
    let threads = n_threads(case.index);

    // SAFETY: every pointer describes memory owned above, valid for the extents given.
    let status = unsafe {
        grad_gradient(
            case.dtype,
            f_ptr,
            ndim,
            case.shape.as_ptr(),
            case.f.strides.as_ptr(),
            if spacing.is_empty() {
                std::ptr::null()
            } else {
                spacing.as_ptr()
            },
            spacing.len(),
            axes.map_or(std::ptr::null(), <[i32]>::as_ptr),
            axes.map_or(0, <[i32]>::len),
            case.edge_order,
            out_ptrs.as_ptr(),
            n_out,
            if outs.explicit {
                out_strides.as_ptr()
            } else {
                std::ptr::null()
            },
            threads,
        )
    } as i32;
    let context = || format!("{}  outputs: {}\n", describe(case), outs.name);
    if status != case.status {
        return Err(format!(
            "{}  grad_gradient returned status {status} ({}), numpy's is {}",
            context(),
            last_error(),
            case.status
        ));
    }
    // Which bytes belong to an output; the rest must keep the sentinel.
    let mut covered: Vec<Vec<bool>> = outs.buffers.iter().map(|&n| vec![false; n]).collect();
    if status == 0 {
        assert_eq!(case.expected.len(), n_out);
        for (k, (l, want)) in outs.layouts.iter().zip(&case.expected).enumerate() {
            for (i, p) in positions(&case.shape, l.origin, &l.strides)
                .into_iter()
                .enumerate()
            {
                let p = p as usize;
                covered[l.buffer][p] = true;
                let got = &bufs[l.buffer].bytes()[p * osz..][..osz];
                let want = &want[i * osz..][..osz];
                if !same(case.dtype, want, got) {
                    return Err(format!(
                        "{}  output {k} (axis {}) element {:?}: numpy {}, ours {}",
                        context(),
                        axes.map_or(k as i32, |a| a[k]),
                        unravel(i, &case.shape),
                        show(out_dtype(case.dtype), want),
                        show(out_dtype(case.dtype), got)
                    ));
                }
            }
        }
    }
    for (b, (buf, cov)) in bufs.iter_mut().zip(&covered).enumerate() {
        let bytes = buf.bytes();
        if let Some(p) = (0..bytes.len())
            .find(|&p| bytes[p] != SENTINEL && !cov.get(p / osz).copied().unwrap_or(false))
        {
            return Err(format!(
                "{}  status {status}: byte {p} of output buffer {b} was written outside every output",
                context()
            ));
        }
    }
    Ok(())
}

/// For float64 all-axes cases with scalar (or no) spacing: `grad_gradient_f64`, row-major
/// and column-major. Returns how many calls were checked.
fn run_grad_gradient_f64(case: &Case) -> Result<usize, String> {
    if case.dtype != F64 || case.axes.is_some() || ![0, 12, 13].contains(&case.status) {
        return Ok(0);
    }
    let ndim = case.shape.len();
    let steps: Option<Vec<f64>> = match case.spacing.as_slice() {
        [] => None,
        sp if sp.len() == 1 || sp.len() == ndim => {
            let mut h = Vec::new();
            for s in sp {
                match s {
                    SpacingRec::Unit => h.push(1.0),
                    // SCALAR and SCALAR_F64 are the same for double data; SCALAR_F32 is not.
                    SpacingRec::Scalar { kind: 1 | 2, h: v } => h.push(*v),
                    _ => return Ok(0),
                }
            }
            if h.len() == 1 {
                h = vec![h[0]; ndim];
            }
            Some(h)
        }
        _ => return Ok(0),
    };
    let count: usize = case.shape.iter().product();
    let logical: Vec<f64> = positions(&case.shape, case.f.offset, &case.f.strides)
        .into_iter()
        .map(|p| f64::from_le_bytes(case.f.bytes[p as usize * 8..][..8].try_into().unwrap()))
        .collect();
    let threads = n_threads(case.index + 1);
    let mut checked = 0;
    for (layout, name) in [(0, "row-major"), (1, "column-major")] {
        // Position in the buffer of each logical (C-order) element.
        let pos: Vec<usize> = if layout == 0 {
            (0..count).collect()
        } else {
            positions(&case.shape, 0, &f_strides(&case.shape))
                .into_iter()
                .map(|p| p as usize)
                .collect()
        };
        let mut data = vec![0.0f64; count];
        for (i, &p) in pos.iter().enumerate() {
            data[p] = logical[i];
        }
        let guard = 3;
        let sentinel = f64::from_bits(u64::from_ne_bytes([SENTINEL; 8]));
        let mut out = vec![sentinel; ndim * count + guard];
        // SAFETY: data holds count doubles, shape ndim, steps ndim, out ndim*count+guard.
        let status = unsafe {
            grad_gradient_f64(
                data.as_ptr(),
                ndim,
                case.shape.as_ptr(),
                layout,
                steps.as_ref().map_or(std::ptr::null(), |h| h.as_ptr()),
                case.edge_order,
                out.as_mut_ptr(),
                ndim * count,
                threads,
            )
        } as i32;
        let context = || {
            format!(
                "{}  grad_gradient_f64, {name}, n_threads {threads}\n",
                describe(case)
            )
        };
        if status != case.status {
            return Err(format!(
                "{}  returned status {status} ({}), expected {}",
                context(),
                last_error(),
                case.status
            ));
        }
        let written = if status == 0 { ndim * count } else { 0 };
        if let Some(p) = (written..out.len()).find(|&p| out[p].to_bits() != sentinel.to_bits()) {
            return Err(format!(
                "{}  status {status}: out[{p}] was written",
                context()
            ));
        }
        if status == 0 {
            for k in 0..ndim {
                for (i, &p) in pos.iter().enumerate() {
                    let want = &case.expected[k][i * 8..][..8];
                    let got = out[k * count + p].to_le_bytes();
                    if !same(F64, want, &got) {
                        return Err(format!(
                            "{}  axis {k} element {:?}: numpy {}, ours {}",
                            context(),
                            unravel(i, &case.shape),
                            show(F64, want),
                            show(F64, &got)
                        ));
                    }
                }
            }
        }
        checked += 1;
    }
    Ok(checked)
}

#[test]
fn numpy_conformance_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/vectors.bin");
    let start = std::time::Instant::now();
    let v = read_vectors(&path);
    eprintln!(
        "conformance vectors: numpy {}, generator seed {:#x}, {} cases",
        v.numpy,
        v.seed,
        v.cases.len()
    );
    let mut failures: Vec<(String, String)> = Vec::new();
    let (mut ok_cases, mut error_cases, mut plain_calls) = (0, 0, 0);
    for case in &v.cases {
        match run_grad_gradient(case) {
            Ok(()) if case.status == 0 => ok_cases += 1,
            Ok(()) => error_cases += 1,
            Err(e) => failures.push((case.label.clone(), e)),
        }
        match run_grad_gradient_f64(case) {
            Ok(n) => plain_calls += n,
            Err(e) => failures.push((case.label.clone(), e)),
        }
    }
    eprintln!(
        "checked {} cases against numpy {} ({ok_cases} results, {error_cases} errors) and \
         {plain_calls} grad_gradient_f64 calls in {:.2?}",
        v.cases.len(),
        v.numpy,
        start.elapsed()
    );
    if !failures.is_empty() {
        // Failure classes: the label's first words (family and dtype).
        let mut classes: Vec<(String, usize)> = Vec::new();
        for (label, _) in &failures {
            let key: String = label.split(' ').take(2).collect::<Vec<_>>().join(" ");
            match classes.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => classes.push((key, 1)),
            }
        }
        for (_, e) in failures.iter().take(40) {
            eprintln!("{e}");
        }
        eprintln!("failures by family and dtype: {classes:?}");
        panic!(
            "{} of {} checks disagree with numpy {}",
            failures.len(),
            v.cases.len(),
            v.numpy
        );
    }
}
