//! One library call, what it must return, and the checks after it.
//!
//! A call is described by its raw C arguments plus the arena that backs them. Before the
//! call, [`GeneralCall::predict`] / [`F64Call::predict`] work out, from the header's contract alone,
//! which statuses are acceptable:
//!
//! - argument errors (NULL, ndim, dtype, overflow, alignment, counts, kinds, overlap) as a
//!   *set*: the library may report any one of those that apply;
//! - if none applies, numpy's own errors in numpy's order: exactly the first one;
//! - otherwise success, with the outputs given by the [`reference`](crate::reference).
//!
//! After the call: the status is acceptable and never `PANIC`; `grad_last_error()` is
//! empty exactly after success; on failure every byte of every buffer is unchanged; on
//! success every output element equals the reference bit for bit (NaN matches NaN) and
//! every other byte (inputs, padding between strided elements) is unchanged.

use crate::memory::{
    Arena, DType, Desc, Elem, Fit, Home, c_strides, f_strides, for_each_index, overlaps,
    overlaps_itself, status::*,
};
use crate::reference::{AxisSpacing, Coords, derivative, same};
use gradient::ffi::{grad_gradient, grad_gradient_f64, grad_last_error, grad_spacing};
use std::ffi::{CStr, c_void};

/// A pointer argument: the address passed, and the buffer behind it, if any.
#[derive(Clone, Copy, Debug)]
pub struct Ptr {
    /// Address given to the library.
    pub addr: usize,
    /// Buffer index and byte offset of the address in it.
    pub home: Home,
}

impl Ptr {
    /// The NULL pointer.
    pub const NULL: Ptr = Ptr {
        addr: 0,
        home: None,
    };

    /// `offset` bytes into buffer `buf` of `arena`.
    pub fn into_buf(arena: &Arena, buf: usize, offset: usize) -> Ptr {
        Ptr {
            addr: arena.bufs[buf].addr() + offset,
            home: Some((buf, offset)),
        }
    }
}

/// The arguments of one `grad_gradient` call and the memory behind them.
#[derive(Debug, Default)]
pub struct GeneralCall {
    /// Every buffer the call's pointers lead to.
    pub arena: Arena,
    /// `dtype` argument.
    pub dtype: i32,
    /// `ndim` argument.
    pub ndim: usize,
    /// `shape` array (None: NULL). Holds `ndim` entries unless `ndim` is invalid.
    pub shape: Option<Vec<usize>>,
    /// `strides` array (None: NULL, C-contiguous).
    pub strides: Option<Vec<isize>>,
    /// `f`.
    pub f: Option<Ptr>,
    /// `spacing` array (None: NULL).
    pub spacing: Option<Vec<grad_spacing>>,
    /// Where each spacing entry's coordinates live.
    pub coord_homes: Vec<Home>,
    /// `n_spacing`.
    pub n_spacing: usize,
    /// `axes` array (None: NULL).
    pub axes: Option<Vec<i32>>,
    /// `n_axes`.
    pub n_axes: usize,
    /// `edge_order`.
    pub edge_order: i32,
    /// `out` array (None: NULL).
    pub out: Option<Vec<Ptr>>,
    /// `n_out`.
    pub n_out: usize,
    /// `out_strides` (None: NULL, every output C-contiguous).
    pub out_strides: Option<Vec<isize>>,
    /// `n_threads`.
    pub n_threads: usize,
}

/// The arguments of one `grad_gradient_f64` call.
#[derive(Debug, Default)]
pub struct F64Call {
    /// Every buffer the call's pointers lead to.
    pub arena: Arena,
    /// `ndim`.
    pub ndim: usize,
    /// `shape` (None: NULL).
    pub shape: Option<Vec<usize>>,
    /// `layout`.
    pub layout: i32,
    /// `f`.
    pub f: Option<Ptr>,
    /// `spacing` (None: NULL, unit spacing).
    pub spacing: Option<Vec<f64>>,
    /// `edge_order`.
    pub edge_order: i32,
    /// `out`.
    pub out: Option<Ptr>,
    /// `out_len`.
    pub out_len: usize,
    /// `n_threads`.
    pub n_threads: usize,
}

/// What a call may return.
#[derive(Debug)]
pub enum Expect {
    /// The call must not be made: a descriptor claims memory it does not have and nothing
    /// makes the library fail before it would touch that memory.
    Skip,
    /// The call must fail with one of these statuses.
    Fail(Vec<i32>),
    /// The call must succeed; these are the outputs to compare.
    Succeed(Vec<Planned>),
    /// Either success (`Succeed`) or one of the statuses (order-dependent overflow of an
    /// empty array's size).
    Either(Vec<i32>, Vec<Planned>),
}

impl Expect {
    /// A short label of the outcome: `skip`, `ok`, or `fail:<statuses>`.
    pub fn label(&self) -> String {
        match self {
            Expect::Skip => "skip".into(),
            Expect::Fail(s) => format!("fail:{s:?}"),
            Expect::Succeed(_) => "ok".into(),
            Expect::Either(s, _) => format!("ok-or:{s:?}"),
        }
    }
}

/// One output of a successful call: where it is, and how to compute it.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The output array.
    pub desc: Desc,
    /// The axis it differentiates.
    pub axis: usize,
    /// Its spacing, parsed as numpy does.
    pub spacing: AxisSpacing,
}

/// One decoded input: a call of either entry point, with everything it will be given.
#[derive(Debug)]
pub enum Call {
    /// `grad_gradient`.
    General(GeneralCall),
    /// `grad_gradient_f64`.
    F64(F64Call),
}

impl Call {
    /// A one-line summary of the call and its predicted outcome.
    pub fn label(&self) -> String {
        match self {
            Call::General(c) => c.label(),
            Call::F64(c) => c.label(),
        }
    }

    /// The call in full, every argument, buffer and pointer (for triage).
    pub fn describe(&self) -> String {
        match self {
            Call::General(c) => format!("{c:#?}"),
            Call::F64(c) => format!("{c:#?}"),
        }
    }

    /// Makes the call and checks its outcome against the prediction (panics on mismatch).
    pub fn run(&mut self) {
        install_panic_hook();
        match self {
            Call::General(c) => c.run(),
            Call::F64(c) => c.run(),
        }
    }
}

/// Whether to accept known, reported library bugs so that fuzzing can go on past them
/// (the harness then allows `GRAD_STATUS_PANIC` for exactly those inputs, and silences the
/// panic hook for panics inside library calls, see [`install_panic_hook`]). None is open:
/// the five found so far are fixed and are rows of `tests/bad_inputs.rs` (fuzz/README.md
/// lists them). To tolerate the next one while it is open, set this and add its
/// `e.maybe.push(PANIC)` where its inputs are judged.
pub const TOLERATE_KNOWN_BUGS: bool = false;

/// Largest array the harness lets the library compute on (larger honest arrays can only
/// come from zero strides; they are called only when the call must fail anyway). The
/// out-of-memory path for huge coordinate arrays is tested in `tests/bad_inputs.rs`.
pub const MAX_CHECKED_ELEMENTS: usize = 1 << 16;

/// Set while a library call runs (the library may panic on its worker threads too).
static IN_LIBRARY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// While known bugs are tolerated, silences the panic hook for panics raised inside a
/// library call (the library catches them and returns `GRAD_STATUS_PANIC`, which the
/// checks judge); every other panic still reaches libFuzzer's hook, which aborts. With
/// `GRADIENT_FUZZ_VERBOSE` set, library panics are printed with a backtrace (for triage).
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if !TOLERATE_KNOWN_BUGS {
            return;
        }
        let previous = std::panic::take_hook();
        let verbose = std::env::var_os("GRADIENT_FUZZ_VERBOSE").is_some();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_LIBRARY.load(std::sync::atomic::Ordering::SeqCst) {
                previous(info);
            } else if verbose {
                eprintln!(
                    "panic inside the library: {info}\n{}",
                    std::backtrace::Backtrace::force_capture()
                );
            }
        }));
    });
}

/// Runs a library call with [`IN_LIBRARY`] set, then waits until every thread it started
/// has fully exited.
///
/// `std::thread::scope` (the library's worker threads, `n_threads > 1`) returns once the
/// workers' closures are done, while the OS threads are still exiting and freeing std's
/// and glibc's per-thread records. libFuzzer checks each input for leaks right after it
/// returns, and would report those records. A thread is gone from `/proc/self/task` only
/// after all of that; waiting for the count to drop back makes the leak check exact.
fn in_library<R>(call: impl FnOnce() -> R) -> R {
    let threads = || std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count);
    let before = threads();
    IN_LIBRARY.store(true, std::sync::atomic::Ordering::SeqCst);
    let r = call();
    IN_LIBRARY.store(false, std::sync::atomic::Ordering::SeqCst);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while threads() > before && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    r
}

/// Collects the statuses argument checks must produce.
#[derive(Default)]
struct Errors {
    /// Statuses of which the library must return one.
    definite: Vec<i32>,
    /// Statuses it may return instead of proceeding.
    maybe: Vec<i32>,
    /// A descriptor lies about its buffer (or is too large to check): call only if a
    /// definite error makes the library stop before touching memory.
    lie: bool,
}

impl Errors {
    fn add(&mut self, s: i32) {
        self.definite.push(s);
    }

    /// Judges one descriptor.
    fn judge(&mut self, d: &Desc, arena: &Arena) -> bool {
        if d.has_min_stride() {
            // The header lists "a stride is PTRDIFF_MIN" under OVERFLOW; on an axis of
            // length 1 (where it reaches nothing) the library accepts it. Either will do.
            self.maybe.push(OVERFLOW);
        }
        match d.fit(|b| arena.len_of(b)) {
            Fit::Empty => false,
            // Honest but huge (zero strides over long axes): the library would allocate
            // O(length) for coordinates, and the brute-force checks would not finish.
            Fit::Inside { .. } if d.shape.iter().product::<usize>() > MAX_CHECKED_ELEMENTS => {
                self.lie = true;
                false
            }
            Fit::Inside { .. } => true,
            Fit::Lie => {
                self.lie = true;
                false
            }
            Fit::Rejected(v) => {
                self.definite.extend(v);
                false
            }
        }
    }

    /// The expectation once every argument check is known; `success` computes the rest.
    fn finish(self, success: impl FnOnce() -> Result<Vec<Planned>, i32>) -> Expect {
        if !self.definite.is_empty() {
            let mut all = self.definite;
            all.extend(self.maybe);
            return Expect::Fail(all);
        }
        if self.lie {
            return Expect::Skip;
        }
        match (success(), self.maybe.is_empty()) {
            (Err(s), true) => Expect::Fail(vec![s]),
            (Err(s), false) => Expect::Fail([vec![s], self.maybe].concat()),
            (Ok(p), true) => Expect::Succeed(p),
            (Ok(p), false) => Expect::Either(self.maybe, p),
        }
    }
}

/// Element layout for a dtype tag that may be invalid (8 bytes, as a stand-in).
pub fn elem_of(tag: i32) -> Elem {
    DType::from_tag(tag).map_or(Elem { size: 8, align: 8 }, DType::layout)
}

impl GeneralCall {
    /// The input's descriptor (valid `ndim` and shape only).
    pub fn f_desc(&self) -> Desc {
        let shape = self.shape.clone().expect("shape");
        let strides = self.strides.clone().unwrap_or_else(|| c_strides(&shape));
        let f = self.f.unwrap_or(Ptr::NULL);
        Desc {
            addr: f.addr,
            shape,
            strides,
            elem: elem_of(self.dtype),
            home: f.home,
        }
    }

    /// Output `k`'s descriptor.
    pub fn out_desc(&self, k: usize) -> Desc {
        let shape = self.shape.clone().expect("shape");
        let strides = match &self.out_strides {
            Some(s) => s[k * self.ndim..(k + 1) * self.ndim].to_vec(),
            None => c_strides(&shape),
        };
        let p = self.out.as_ref().expect("out")[k];
        let elem =
            DType::from_tag(self.dtype).map_or(Elem { size: 8, align: 8 }, |d| d.output().layout());
        Desc {
            addr: p.addr,
            shape,
            strides,
            elem,
            home: p.home,
        }
    }

    /// Spacing entry `i`'s coordinate descriptor, if it is a coordinate array of a real dtype.
    pub fn coord_desc(&self, i: usize) -> Option<(DType, Desc)> {
        let s = self.spacing.as_ref()?.get(i)?;
        let d = DType::from_tag(s.dtype).filter(|d| !d.is_complex())?;
        (s.kind == 4).then(|| {
            (
                d,
                Desc {
                    addr: s.coordinates as usize,
                    shape: vec![s.length],
                    strides: vec![s.stride],
                    elem: d.layout(),
                    home: self.coord_homes.get(i).copied().flatten(),
                },
            )
        })
    }

    /// The statuses this call may return, from the header's contract.
    pub fn predict(&self) -> Expect {
        let mut e = Errors::default();
        let dtype = DType::from_tag(self.dtype);
        if dtype.is_none() {
            e.add(INVALID_DTYPE);
        }
        if self.ndim == 0 || self.ndim > 64 {
            e.add(INVALID_NDIM);
        }
        if self.shape.is_none() {
            e.add(NULL_POINTER);
        }
        if !e.definite.is_empty() {
            return e.finish(|| unreachable!());
        }
        let arena = &self.arena;
        if self.axes.is_none() && self.n_axes > 0 {
            e.add(NULL_POINTER);
        }
        if self.n_axes > 64 {
            e.add(REPEATED_AXIS);
        }
        let requested = if self.axes.is_none() && self.n_axes == 0 {
            self.ndim
        } else {
            self.n_axes
        };
        if self.n_out != requested {
            e.add(OUTPUT_COUNT);
        }
        // A count of spacings is checked against the axes in numpy's order (after the
        // axes), except one that no array could use.
        if self.n_spacing > 64 {
            e.add(SPACING_COUNT);
        }
        if self.out.is_none() && self.n_out > 0 {
            e.add(NULL_POINTER);
        }
        if self.spacing.is_none() && self.n_spacing > 0 {
            e.add(NULL_POINTER);
        }
        let f = self.f_desc();
        let f_in = e.judge(&f, arena);
        let mut outs = Vec::new();
        if self.out.is_some() && self.n_out == requested {
            for k in 0..self.n_out {
                let d = self.out_desc(k);
                let inside = e.judge(&d, arena);
                outs.push((d, inside));
            }
        }
        let mut coords = Vec::new();
        if let Some(sp) = &self.spacing {
            for (i, s) in sp.iter().take(self.n_spacing).enumerate() {
                match s.kind {
                    0..=3 => {}
                    4 => match self.coord_desc(i) {
                        None => e.add(INVALID_DTYPE),
                        Some((_, d)) => {
                            if e.judge(&d, arena) {
                                coords.push(d);
                            }
                        }
                    },
                    _ => e.add(INVALID_SPACING_KIND),
                }
            }
        }
        if e.definite.is_empty() && !e.lie {
            // Brute-force overlap on the non-empty arrays.
            let reads: Vec<_> = f_in
                .then(|| f.intervals())
                .into_iter()
                .chain(coords.iter().map(Desc::intervals))
                .collect();
            let mut seen: Vec<Vec<(i128, i128)>> = Vec::new();
            for (d, inside) in &outs {
                if !inside {
                    continue;
                }
                let iv = d.intervals();
                // An output whose strides do not nest is refused (ndarray's rule for mutable
                // views), even when its elements happen to be distinct.
                let refused = overlaps_itself(&iv) || d.ndarray_suspects_overlap();
                if refused || reads.iter().chain(&seen).any(|r| overlaps(&iv, r)) {
                    e.add(OVERLAP);
                    break;
                }
                seen.push(iv);
            }
        }
        e.finish(|| self.numpy_outcome(&outs))
    }

    /// numpy's own checks, in numpy's order, then the plan of the outputs.
    fn numpy_outcome(&self, outs: &[(Desc, bool)]) -> Result<Vec<Planned>, i32> {
        let shape = self.shape.as_ref().expect("shape");
        let ndim = self.ndim as i64;
        let axes: Vec<usize> = match &self.axes {
            None => (0..self.ndim).collect(),
            Some(a) => {
                let mut v = Vec::new();
                for &x in a.iter().take(self.n_axes) {
                    let x = i64::from(x);
                    if x < -ndim || x >= ndim {
                        return Err(AXIS_OUT_OF_BOUNDS);
                    }
                    v.push(if x < 0 {
                        (x + ndim) as usize
                    } else {
                        x as usize
                    });
                }
                for i in 0..v.len() {
                    if v[..i].contains(&v[i]) {
                        return Err(REPEATED_AXIS);
                    }
                }
                v
            }
        };
        let sp = self.spacing.as_deref().unwrap_or(&[]);
        let sp = &sp[..self.n_spacing.min(sp.len())];
        let per_axis: Vec<grad_spacing> = match sp {
            [] => vec![
                grad_spacing {
                    kind: 0,
                    dtype: 0,
                    h: 1.0,
                    coordinates: std::ptr::null(),
                    length: 0,
                    stride: 0
                };
                axes.len()
            ],
            [one] if one.kind != 4 => vec![*one; axes.len()],
            many if many.len() == axes.len() => many.to_vec(),
            _ => return Err(SPACING_COUNT),
        };
        let mut parsed = Vec::new();
        for (i, (s, &axis)) in per_axis.iter().zip(&axes).enumerate() {
            parsed.push(match s.kind {
                0 => AxisSpacing::Weak(1.0),
                1 => AxisSpacing::Weak(s.h),
                2 => AxisSpacing::StrongF64(s.h),
                3 => AxisSpacing::StrongF32(s.h as f32),
                _ => {
                    if s.length != shape[axis] {
                        return Err(COORDINATES_LENGTH);
                    }
                    if s.length < 2 {
                        return Err(COORDINATES_TOO_SHORT);
                    }
                    let (dt, d) = self.coord_desc(i).expect("validated");
                    self.read_coords(dt, &d).parse()
                }
            });
        }
        if !(1..=2).contains(&self.edge_order) {
            return Err(INVALID_EDGE_ORDER);
        }
        if axes
            .iter()
            .any(|&a| shape[a] < self.edge_order as usize + 1)
        {
            return Err(AXIS_TOO_SHORT);
        }
        Ok(axes
            .iter()
            .zip(parsed)
            .zip(outs)
            .map(|((&axis, spacing), (desc, _))| Planned {
                desc: desc.clone(),
                axis,
                spacing,
            })
            .collect())
    }

    fn read_coords(&self, dt: DType, d: &Desc) -> Coords {
        let bytes = self.arena.bufs[d.home.expect("inside").0].bytes();
        let at = |i: usize| {
            let o = d.offset(&[i]);
            dt.decode(&bytes[o..o + d.elem.size]).0
        };
        match dt {
            DType::F32 => Coords::F32((0..d.shape[0]).map(|i| at(i) as f32).collect()),
            _ => Coords::F64((0..d.shape[0]).map(at).collect()),
        }
    }

    /// A one-line summary of the call's shape and predicted outcome (for seed selection).
    pub fn label(&self) -> String {
        let kinds: Vec<i32> = self
            .spacing
            .iter()
            .flatten()
            .map(|s| {
                if s.kind == 4 {
                    40i32.saturating_add(s.dtype)
                } else {
                    s.kind
                }
            })
            .collect();
        format!(
            "general dt{} nd{} axes{:?} sp{kinds:?} eo{} thr{} {}",
            self.dtype,
            self.ndim,
            self.axes.as_ref().map(Vec::len),
            self.edge_order,
            self.n_threads.min(2),
            self.predict().label()
        )
    }

    /// Makes the call and checks everything; `Skip` cases are not called.
    pub fn run(&mut self) {
        let expect = self.predict();
        if matches!(expect, Expect::Skip) {
            return;
        }
        let before = self.arena.snapshot();
        let shape = self.shape.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
        let strides = self
            .strides
            .as_ref()
            .map_or(std::ptr::null(), |v| v.as_ptr());
        let spacing = self
            .spacing
            .as_ref()
            .map_or(std::ptr::null(), |v| v.as_ptr());
        let axes = self.axes.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
        let out_ptrs: Option<Vec<*mut c_void>> = self
            .out
            .as_ref()
            .map(|v| v.iter().map(|p| p.addr as *mut c_void).collect());
        let out = out_ptrs.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
        let out_strides = self
            .out_strides
            .as_ref()
            .map_or(std::ptr::null(), |v| v.as_ptr());
        let f = self.f.map_or(0, |p| p.addr) as *const c_void;
        // SAFETY: every array argument holds its count of elements (or the library rejects
        // the count before reading, as its contract lists); every data pointer either
        // leads to a buffer that holds the extent its descriptor claims, or the prediction
        // shows the library must reject the call before touching it.
        let status = in_library(|| unsafe {
            grad_gradient(
                self.dtype,
                f,
                self.ndim,
                shape,
                strides,
                spacing,
                self.n_spacing,
                axes,
                self.n_axes,
                self.edge_order,
                out,
                self.n_out,
                out_strides,
                self.n_threads,
            )
        }) as i32;
        let succeeds = matches!(expect, Expect::Succeed(_) | Expect::Either(..));
        let f = succeeds.then(|| self.f_desc());
        let dt = DType::from_tag(self.dtype);
        check(
            status,
            &expect,
            &before,
            &self.arena,
            &|p: &Planned, idx: &[usize]| {
                let (f, dt) = (f.as_ref().expect("planned"), dt.expect("valid"));
                let bytes = self.arena.bufs[f.home.expect("inside").0].bytes();
                let n = f.shape[p.axis];
                let line = |j: usize| {
                    let mut at = idx.to_vec();
                    at[p.axis] = j;
                    let o = f.offset(&at);
                    dt.decode(&bytes[o..o + f.elem.size])
                };
                let v = derivative(
                    &line,
                    dt.is_single(),
                    dt.is_complex(),
                    &p.spacing,
                    n,
                    self.edge_order,
                    idx[p.axis],
                );
                dt.output().encode(v)
            },
        );
    }
}

impl F64Call {
    fn strides(&self) -> Vec<isize> {
        let shape = self.shape.as_ref().expect("shape");
        if self.layout == 1 {
            f_strides(shape)
        } else {
            c_strides(shape)
        }
    }

    fn f_desc(&self) -> Desc {
        let f = self.f.unwrap_or(Ptr::NULL);
        let shape = self.shape.clone().expect("shape");
        Desc {
            addr: f.addr,
            strides: self.strides(),
            shape,
            elem: DType::F64.layout(),
            home: f.home,
        }
    }

    /// The statuses this call may return.
    pub fn predict(&self) -> Expect {
        let mut e = Errors::default();
        if self.ndim == 0 || self.ndim > 64 {
            e.add(INVALID_NDIM);
        }
        if self.shape.is_none() {
            e.add(NULL_POINTER);
        }
        if !e.definite.is_empty() {
            return e.finish(|| unreachable!());
        }
        if !(0..=1).contains(&self.layout) {
            e.add(INVALID_LAYOUT);
        }
        let f = self.f_desc();
        let f_in = e.judge(&f, &self.arena);
        let shape = self.shape.as_ref().expect("shape");
        let mut outs = Vec::new();
        match crate::memory::element_count(shape) {
            Some(count) if (count as u128) * (self.ndim as u128) * 8 <= isize::MAX as u128 => {
                let needed = count * self.ndim;
                if self.out_len < needed {
                    e.add(OUTPUT_TOO_SMALL);
                }
                let out = self.out.unwrap_or(Ptr::NULL);
                for k in 0..self.ndim {
                    let step = k * count * 8;
                    let addr = if out.addr == 0 {
                        Some(0)
                    } else {
                        out.addr.checked_add(step)
                    };
                    let Some(addr) = addr else {
                        e.add(OVERFLOW);
                        break;
                    };
                    let d = Desc {
                        addr,
                        shape: shape.clone(),
                        strides: self.strides(),
                        elem: DType::F64.layout(),
                        home: out.home.map(|(b, o)| (b, o + step)),
                    };
                    let inside = e.judge(&d, &self.arena);
                    outs.push((d, inside));
                }
            }
            _ => e.add(OVERFLOW),
        }
        if e.definite.is_empty() && !e.lie && f_in {
            let fi = f.intervals();
            if outs
                .iter()
                .any(|(d, inside)| *inside && overlaps(&d.intervals(), &fi))
            {
                e.add(OVERLAP);
            }
        }
        e.finish(|| {
            if !(1..=2).contains(&self.edge_order) {
                return Err(INVALID_EDGE_ORDER);
            }
            if shape.iter().any(|&n| n < self.edge_order as usize + 1) {
                return Err(AXIS_TOO_SHORT);
            }
            Ok(outs
                .iter()
                .enumerate()
                .map(|(axis, (desc, _))| Planned {
                    desc: desc.clone(),
                    axis,
                    spacing: AxisSpacing::Weak(self.spacing.as_ref().map_or(1.0, |h| h[axis])),
                })
                .collect())
        })
    }

    /// A one-line summary of the call's shape and predicted outcome (for seed selection).
    pub fn label(&self) -> String {
        format!(
            "f64 nd{} layout{} sp{} eo{} {}",
            self.ndim,
            self.layout,
            self.spacing.is_some(),
            self.edge_order,
            self.predict().label()
        )
    }

    /// Makes the call and checks everything; `Skip` cases are not called.
    pub fn run(&mut self) {
        let expect = self.predict();
        if matches!(expect, Expect::Skip) {
            return;
        }
        let before = self.arena.snapshot();
        let shape = self.shape.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
        let spacing = self
            .spacing
            .as_ref()
            .map_or(std::ptr::null(), |v| v.as_ptr());
        let f = self.f.map_or(0, |p| p.addr) as *const f64;
        let out = self.out.map_or(0, |p| p.addr) as *mut f64;
        // SAFETY: as in `GeneralCall::run`: honest buffers, or a predicted rejection.
        let status = in_library(|| unsafe {
            grad_gradient_f64(
                f,
                self.ndim,
                shape,
                self.layout,
                spacing,
                self.edge_order,
                out,
                self.out_len,
                self.n_threads,
            )
        }) as i32;
        let succeeds = matches!(expect, Expect::Succeed(_) | Expect::Either(..));
        let f = succeeds.then(|| self.f_desc());
        check(
            status,
            &expect,
            &before,
            &self.arena,
            &|p: &Planned, idx: &[usize]| {
                let f = f.as_ref().expect("planned");
                let bytes = self.arena.bufs[f.home.expect("inside").0].bytes();
                let line = |j: usize| {
                    let mut at = idx.to_vec();
                    at[p.axis] = j;
                    let o = f.offset(&at);
                    DType::F64.decode(&bytes[o..o + 8])
                };
                let v = derivative(
                    &line,
                    false,
                    false,
                    &p.spacing,
                    f.shape[p.axis],
                    self.edge_order,
                    idx[p.axis],
                );
                DType::F64.encode(v)
            },
        );
    }
}

/// The checks after a call (see the module documentation). `value(p, idx)` is the
/// reference bytes of planned output `p` at `idx`.
fn check(
    status: i32,
    expect: &Expect,
    before: &[Vec<u8>],
    arena: &Arena,
    value: &dyn Fn(&Planned, &[usize]) -> Vec<u8>,
) {
    // SAFETY: grad_last_error returns a valid NUL-terminated string.
    let message = unsafe { CStr::from_ptr(grad_last_error()) }
        .to_string_lossy()
        .into_owned();
    let tolerated = matches!(expect, Expect::Fail(a) | Expect::Either(a, _) if a.contains(&PANIC));
    assert!(status != PANIC || tolerated, "library panicked: {message}");
    assert_eq!(
        status == OK,
        message.is_empty(),
        "status {status} with last error {message:?}"
    );
    let after = arena.snapshot();
    let plan = match (expect, status) {
        (Expect::Fail(allowed), s) | (Expect::Either(allowed, _), s) if s != OK => {
            assert!(
                allowed.contains(&s),
                "status {s} ({message}), expected one of {allowed:?}"
            );
            assert!(before == after, "a failed call (status {s}) changed memory");
            return;
        }
        (Expect::Succeed(p), OK) | (Expect::Either(_, p), OK) => p,
        (e, s) => panic!("status {s} ({message}), expected {e:?}"),
    };
    let mut expected = before.to_vec();
    for p in plan {
        let (buf, _) = match p.desc.home {
            Some(h) => h,
            None => continue, // empty
        };
        for_each_index(&p.desc.shape, |idx| {
            let o = p.desc.offset(idx);
            let v = value(p, idx);
            expected[buf][o..o + v.len()].copy_from_slice(&v);
        });
    }
    for (b, (want, got)) in expected.iter().zip(&after).enumerate() {
        if want == got {
            continue;
        }
        let i = want
            .iter()
            .zip(got)
            .position(|(x, y)| x != y)
            .expect("differ");
        // Tolerate NaN payload/sign differences within output elements.
        if nan_equivalent(plan, b, want, got) {
            continue;
        }
        panic!(
            "buffer {b} differs at byte {i}: want {:?} got {:?} (plan {plan:?})",
            &want[i.saturating_sub(8)..(i + 8).min(want.len())],
            &got[i.saturating_sub(8)..(i + 8).min(got.len())]
        );
    }
}

/// Whether two buffer images differ only in the bits of NaNs inside output elements.
fn nan_equivalent(plan: &[Planned], buf: usize, want: &[u8], got: &[u8]) -> bool {
    let mut covered = vec![false; want.len()];
    let mut ok = true;
    for p in plan
        .iter()
        .filter(|p| p.desc.home.map(|h| h.0) == Some(buf))
    {
        // Parts are floats of the element's alignment: f32/complex64 4 bytes, else 8.
        let (size, part) = (p.desc.elem.size, p.desc.elem.align);
        for_each_index(&p.desc.shape, |idx| {
            let o = p.desc.offset(idx);
            for q in (o..o + size).step_by(part) {
                covered[q..q + part].iter_mut().for_each(|c| *c = true);
                let (w, g) = if part == 8 {
                    (
                        f64::from_le_bytes(want[q..q + 8].try_into().unwrap()),
                        f64::from_le_bytes(got[q..q + 8].try_into().unwrap()),
                    )
                } else {
                    (
                        f64::from(f32::from_le_bytes(want[q..q + 4].try_into().unwrap())),
                        f64::from(f32::from_le_bytes(got[q..q + 4].try_into().unwrap())),
                    )
                };
                if !same(w, g) {
                    ok = false;
                }
            }
        });
    }
    ok && want
        .iter()
        .zip(got)
        .zip(&covered)
        .all(|((a, b), &c)| c || a == b)
}
