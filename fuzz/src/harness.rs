//! One library call (or plan API sequence), what it must return, and the checks after it.
//!
//! Before a call, [`GeneralCall::predict`] / [`F64Call::predict`] walk the header's **order
//! of checks** (the doc of `grad_status`) over the call's arguments, from the contract
//! alone: 1. handles, tags and counts in parameter order; 2. the argument arrays in
//! parameter order (NULL, then MISALIGNED); 3. each spacing entry (kind, coordinates'
//! dtype, their size, then their pointer); 4. the sizes of the input and then each output;
//! 5. numpy's checks in numpy's order; 6. the data pointers, input first (NULL, MISALIGNED,
//! address-space OVERFLOW); 7. OVERLAP, decided by brute force over every byte. The first
//! fault of that walk is the one status the call may return. One rule of the header the
//! library reads more leniently (a `PTRDIFF_MIN` stride on an axis of length 1, which
//! reaches nothing) is a *possible* fault at its place in the walk: the call may report
//! it, or go on to the next fault. Without faults, the call must succeed, with the outputs
//! of the [`reference`](crate::reference).
//!
//! Every general call is made twice: through `grad_gradient`, and through the plan API
//! (`grad_options_*`, `grad_plan_new`, `grad_plan_execute`, as `tests/bad_inputs.rs`'s
//! `Request::planned` maps one onto the other). There the walk is split between the calls
//! ([`Step`]): `grad_options_set_spacing` runs stage 3 (and copies the coordinates: an
//! array too large to copy gives OUT_OF_MEMORY there, while an output may then alias the
//! caller's coordinates), `grad_options_set_axes` its counts and array, `grad_plan_new`
//! stages 1, 2, 4 and 5, `grad_plan_execute` `n_out`, the `out` list, then stages 6 and 7.
//! An outcome is a step and a status.
//!
//! The walk also tracks memory: a descriptor that claims more than its buffer (or a
//! made-up address, or an array too large for the brute-force checks) may be passed only
//! if the walk has reached a fault before the point where the library would read or write
//! it (or the harness would have to enumerate it); otherwise the call is not made
//! ([`Expect::Skip`]).
//!
//! After each call: the status is acceptable and never `PANIC`; `grad_last_error()` is
//! empty exactly after success, and `grad_last_error_copy()` copies it (whole, cut short,
//! or not at all) as documented; on failure every byte of every buffer is unchanged; on
//! success every output element equals the reference bit for bit (NaN matches NaN) and
//! every other byte (inputs, padding between strided elements) is unchanged.

use crate::memory::{
    Arena, DType, Desc, Elem, Home, c_strides, f_strides, for_each_index, overlaps,
    overlaps_itself, status::*,
};
use crate::reference::{AxisSpacing, Coords, derivative, same};
use gradient::ffi::{
    grad_gradient, grad_gradient_f64, grad_last_error, grad_last_error_copy, grad_options,
    grad_options_free, grad_options_new, grad_options_set_axes, grad_options_set_edge_order,
    grad_options_set_scheme, grad_options_set_spacing, grad_options_set_threads, grad_plan,
    grad_plan_execute, grad_plan_free, grad_plan_new, grad_plan_output_count,
    grad_plan_output_dtype, grad_spacing,
};
use std::ffi::{CStr, c_void};
use std::ptr::{null, null_mut};

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

/// Bits of [`GeneralCall::misaligned`]: argument arrays passed one byte past an aligned
/// address (a copy of their elements is there; the library must refuse before reading).
pub const ARG_SHAPE: u8 = 1;
/// `strides` misaligned.
pub const ARG_STRIDES: u8 = 2;
/// `spacing` misaligned.
pub const ARG_SPACING: u8 = 4;
/// `axes` misaligned.
pub const ARG_AXES: u8 = 8;
/// The `out` list misaligned.
pub const ARG_OUT: u8 = 16;
/// `out_strides` misaligned.
pub const ARG_OUT_STRIDES: u8 = 32;

/// One call of a sequence: the one-call function, or a step of the plan API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `grad_gradient` or `grad_gradient_f64`.
    Call,
    /// `grad_options_new`.
    OptionsNew,
    /// `grad_options_set_spacing`.
    SetSpacing,
    /// `grad_options_set_axes`.
    SetAxes,
    /// `grad_options_set_edge_order`.
    SetEdgeOrder,
    /// `grad_options_set_threads`.
    SetThreads,
    /// `grad_options_set_scheme`.
    SetScheme,
    /// `grad_plan_new`.
    PlanNew,
    /// `grad_plan_execute`.
    Execute,
}

/// A failure: the step that reports it and its status.
pub type Outcome = (Step, i32);

/// A NULL or misaligned handle or result pointer given to one step of the plan API
/// (hostile target). A misaligned handle is a live one plus one byte: never dereferenced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BadHandle {
    /// Every handle is good.
    #[default]
    None,
    /// The step's handle or result pointer is NULL (`options_out`, the setter's options,
    /// `plan_out`, the executed plan).
    Null(Step),
    /// The step's handle or result pointer is misaligned.
    Misaligned(Step),
    /// `grad_plan_new`'s `options` is misaligned (NULL would mean the defaults).
    PlanOptions,
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
    /// The plan API's `grad_options_set_scheme` argument (0 numpy, 1 matlab; other values
    /// are INVALID_SCHEME); the one-call function is numpy's whatever it is.
    pub scheme: i32,
    /// Argument arrays passed misaligned (`ARG_*` bits).
    pub misaligned: u8,
    /// A bad handle in the plan API sequence.
    pub handle: BadHandle,
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

/// What a call (or sequence) may return.
#[derive(Debug)]
pub enum Expect {
    /// The call must not be made: a descriptor claims memory it does not have (or is too
    /// large to check) and no fault makes the library stop before it would touch it.
    Skip,
    /// The call must fail with one of these outcomes (possible faults, then the first
    /// definite one).
    Fail(Vec<Outcome>),
    /// The call must succeed; these are the outputs to compare.
    Succeed(Vec<Planned>),
    /// Either success (`Succeed`) or one of these possible faults.
    Either(Vec<Outcome>, Vec<Planned>),
}

impl Expect {
    /// A short label of the outcome: `skip`, `ok`, `ok-or:<statuses>` or `fail:<statuses>`.
    pub fn label(&self) -> String {
        let statuses = |s: &[Outcome]| s.iter().map(|o| o.1).collect::<Vec<_>>();
        match self {
            Expect::Skip => "skip".into(),
            Expect::Fail(s) => format!("fail:{:?}", statuses(s)),
            Expect::Succeed(_) => "ok".into(),
            Expect::Either(s, _) => format!("ok-or:{:?}", statuses(s)),
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
    /// `grad_gradient` (and the same through the plan API).
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

    /// The call in full, every argument, buffer and pointer (for triage), with the
    /// predicted outcomes.
    pub fn describe(&self) -> String {
        match self {
            Call::General(c) => format!(
                "{c:#?}\none call: {:?}\nplan API: {:?}",
                c.predict(),
                c.predict_plan()
            ),
            Call::F64(c) => format!("{c:#?}\n{:?}", c.predict()),
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
/// bugs 1-7 (fuzz/README.md) are fixed and are rows of `tests/bad_inputs.rs`.
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
pub(crate) fn in_library<R>(call: impl FnOnce() -> R) -> R {
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

/// Bytes of coordinates whose copy `grad_options_set_spacing` cannot allocate: above
/// AddressSanitizer's largest allocation (2^40 bytes; the targets set
/// `allocator_may_return_null`, so malloc returns NULL instead of aborting) and above this
/// machine's memory (for the examples, without AddressSanitizer). Copies between
/// [`MAX_CHECKED_ELEMENTS`] elements and this many bytes are not attempted.
pub const UNALLOCATABLE_BYTES: u128 = 1 << 40;

/// The walk of one call (or sequence) through the order of checks.
struct Order {
    /// The step the next checks belong to.
    step: Step,
    /// Possible faults met before the first definite one.
    maybe: Vec<Outcome>,
    /// The first definite fault.
    first: Option<Outcome>,
    /// The library would touch memory the harness cannot vouch for before any fault.
    skip: bool,
}

impl Order {
    fn new(step: Step) -> Self {
        Order {
            step,
            maybe: Vec::new(),
            first: None,
            skip: false,
        }
    }

    /// The checks that follow belong to `step`.
    fn at(&mut self, step: Step) {
        self.step = step;
    }

    fn open(&self) -> bool {
        self.first.is_none() && !self.skip
    }

    /// A definite fault (ignored after the first).
    fn fail(&mut self, status: i32) {
        if self.open() {
            self.first = Some((self.step, status));
        }
    }

    fn fail_if(&mut self, fault: bool, status: i32) {
        if fault {
            self.fail(status);
        }
    }

    fn fault(&mut self, status: Option<i32>) {
        if let Some(s) = status {
            self.fail(s);
        }
    }

    /// A fault the library may report here, or pass over.
    fn maybe(&mut self, status: i32) {
        if self.open() {
            self.maybe.push((self.step, status));
        }
    }

    /// The library reads or writes memory here (or the harness would have to enumerate
    /// an array): unless a definite fault came first, the call may be made only if
    /// `vouched` (honest and small).
    fn touch(&mut self, vouched: bool) {
        if !vouched && self.first.is_none() {
            self.skip = true;
        }
    }

    /// `None` once the walk is decided (a definite fault, or a skip).
    fn go(&self) -> Option<()> {
        self.open().then_some(())
    }

    /// The size check of an array, with the header's `PTRDIFF_MIN` rule as a possible
    /// fault where the library's span arithmetic accepts it (axes of length 1).
    fn size(&mut self, d: &Desc) {
        match d.size_fault() {
            Some(s) => self.fail(s),
            None if d.has_min_stride() => self.maybe(OVERFLOW),
            None => {}
        }
    }

    /// The size check of an array, then its pointer checks (coordinates, stage 3).
    fn array(&mut self, d: &Desc) {
        self.size(d);
        if d.size_fault().is_none() {
            self.fault(d.pointer_fault());
        }
    }

    fn finish(self, planned: Option<Vec<Planned>>) -> Expect {
        if self.skip {
            return Expect::Skip;
        }
        match (self.first, planned) {
            (Some(f), _) => Expect::Fail([self.maybe, vec![f]].concat()),
            (None, Some(p)) if self.maybe.is_empty() => Expect::Succeed(p),
            (None, Some(p)) => Expect::Either(self.maybe, p),
            (None, None) => unreachable!("a walk ends with a fault, a skip or a plan"),
        }
    }
}

/// Whether a descriptor is small enough for the brute-force checks and the reference.
fn small(d: &Desc) -> bool {
    d.is_empty() || d.count() <= MAX_CHECKED_ELEMENTS as u128
}

/// Element layout for a dtype tag that may be invalid (8 bytes, as a stand-in).
pub fn elem_of(tag: i32) -> Elem {
    DType::from_tag(tag).map_or(Elem { size: 8, align: 8 }, DType::layout)
}

/// An argument array as passed: its elements, or (deliberately misaligned) a copy of them
/// one byte past an aligned address, kept alive by `keep`.
fn arg_ptr<T: Copy>(v: Option<&[T]>, misaligned: bool, keep: &mut Vec<Vec<u64>>) -> *const T {
    match v {
        None => null(),
        Some(v) if !misaligned => v.as_ptr(),
        Some(v) => {
            let bytes = std::mem::size_of_val(v);
            let mut copy = vec![0u64; bytes / 8 + 2];
            let at = copy.as_mut_ptr().cast::<u8>().wrapping_add(1);
            // SAFETY: `copy` holds `bytes + 1` bytes past its start; `v` is `bytes` bytes.
            unsafe { at.copy_from_nonoverlapping(v.as_ptr().cast::<u8>(), bytes) };
            keep.push(copy);
            at.cast()
        }
    }
}

/// The C arguments of a general call, as pointers.
struct Args {
    shape: *const usize,
    strides: *const isize,
    spacing: *const grad_spacing,
    axes: *const i32,
    out: *const *mut c_void,
    out_strides: *const isize,
    f: *const c_void,
    /// The output pointers (for `grad_plan_execute` on a second input).
    _list: Vec<*mut c_void>,
    _keep: Vec<Vec<u64>>,
}

/// `grad_last_error()` after a call, with `grad_last_error_copy()` checked against it: the
/// length with NULL or a zero-length buffer (nothing written), the whole detail, a buffer
/// of half its length (ASan sees any write past it), and the detail unchanged after.
pub(crate) fn last_error() -> String {
    // SAFETY: grad_last_error returns a valid NUL-terminated string.
    let message = unsafe { CStr::from_ptr(grad_last_error()) }
        .to_bytes()
        .to_vec();
    let n = message.len();
    // SAFETY: every buffer is NULL or writable for the length passed.
    unsafe {
        assert_eq!(grad_last_error_copy(null_mut(), 0), n, "copy length");
        assert_eq!(grad_last_error_copy(null_mut(), 8), n, "copy length, NULL");
        let mut untouched = [0x55u8; 1];
        assert_eq!(grad_last_error_copy(untouched.as_mut_ptr().cast(), 0), n);
        assert_eq!(untouched[0], 0x55, "copy wrote into a zero-length buffer");
        let mut full = vec![0x55u8; n + 1];
        assert_eq!(grad_last_error_copy(full.as_mut_ptr().cast(), n + 1), n);
        assert_eq!(
            &full[..n],
            &message[..],
            "copy differs from grad_last_error"
        );
        assert_eq!(full[n], 0, "copy not NUL-terminated");
        let cut = n / 2 + 1;
        let mut short = vec![0x55u8; cut];
        assert_eq!(grad_last_error_copy(short.as_mut_ptr().cast(), cut), n);
        assert_eq!(&short[..cut - 1], &message[..cut - 1], "short copy");
        assert_eq!(short[cut - 1], 0, "short copy not NUL-terminated");
        assert_eq!(
            CStr::from_ptr(grad_last_error()).to_bytes(),
            &message[..],
            "grad_last_error_copy changed the detail"
        );
    }
    String::from_utf8_lossy(&message).into_owned()
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

    /// Output `k`'s descriptor (its pointer NULL if the list has none).
    pub fn out_desc(&self, k: usize) -> Desc {
        let shape = self.shape.clone().expect("shape");
        let strides = match &self.out_strides {
            Some(s) => s[k * self.ndim..(k + 1) * self.ndim].to_vec(),
            None => c_strides(&shape),
        };
        let p = (self.out.as_ref())
            .and_then(|o| o.get(k).copied())
            .unwrap_or(Ptr::NULL);
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

    /// The outcomes `grad_gradient` may return, from the header's contract.
    pub fn predict(&self) -> Expect {
        let mut e = Order::new(Step::Call);
        let planned = self.walk(&mut e, false);
        e.finish(planned)
    }

    /// The outcomes of the same call through the plan API (see the module documentation).
    pub fn predict_plan(&self) -> Expect {
        let mut e = Order::new(Step::OptionsNew);
        let planned = self.walk(&mut e, true);
        e.finish(planned)
    }

    /// The number of axes the call requests.
    fn requested(&self) -> usize {
        if self.axes.is_none() && self.n_axes == 0 {
            self.ndim
        } else {
            self.n_axes
        }
    }

    /// A bad handle given to the current step (plan API only).
    fn handle_check(&self, e: &mut Order) {
        match self.handle {
            BadHandle::Null(s) if s == e.step => e.fail(NULL_POINTER),
            BadHandle::Misaligned(s) if s == e.step => e.fail(MISALIGNED),
            _ => {}
        }
    }

    /// The walk through the order of checks: the outputs of a successful call, or `None`
    /// with the fault (or skip) recorded in `e`.
    fn walk(&self, e: &mut Order, plan: bool) -> Option<Vec<Planned>> {
        let dtype = DType::from_tag(self.dtype);
        let ndim_ok = (1..=64).contains(&self.ndim);
        let all_axes = self.axes.is_none() && self.n_axes == 0;
        let requested = self.requested();
        let n_outputs = if plan { requested } else { self.n_out };
        let mis = |bit: u8| self.misaligned & bit != 0;
        // Stage 2 for one argument array: NULL with elements to read, then alignment.
        let arg = |e: &mut Order, present: bool, count: usize, bit: u8| {
            if count > 0 {
                e.fail_if(!present, NULL_POINTER);
                e.fail_if(mis(bit), MISALIGNED);
            }
        };
        let strides_count = if self.strides.is_some() { self.ndim } else { 0 };
        let out_strides = |e: &mut Order| {
            if let Some(s) = &self.out_strides {
                let count = n_outputs.saturating_mul(self.ndim);
                arg(e, true, count, ARG_OUT_STRIDES);
                e.touch(s.len() >= count);
            }
        };
        if plan {
            e.at(Step::OptionsNew);
            self.handle_check(e);
            e.go()?;
            e.at(Step::SetSpacing);
            self.handle_check(e);
            e.fail_if(self.n_spacing > 64, SPACING_COUNT);
            arg(e, self.spacing.is_some(), self.n_spacing, ARG_SPACING);
            e.go()?;
            self.spacing_entries(e);
            e.go()?;
            // Every entry is checked before any is copied.
            let len = |b| self.arena.len_of(b);
            for i in 0..self.n_spacing {
                if let Some((_, d)) = self.coord_desc(i).filter(|(_, d)| !d.is_empty()) {
                    if d.count() * d.elem.size as u128 > UNALLOCATABLE_BYTES {
                        e.fail(OUT_OF_MEMORY);
                    }
                    e.touch(d.inside(len) && small(&d));
                    e.go()?;
                }
            }
            e.at(Step::SetAxes);
            self.handle_check(e);
            e.fail_if(self.n_axes > 64, REPEATED_AXIS);
            if !all_axes {
                arg(e, self.axes.is_some(), self.n_axes, ARG_AXES);
            }
            e.at(Step::SetEdgeOrder);
            self.handle_check(e);
            e.at(Step::SetThreads);
            self.handle_check(e);
            e.at(Step::SetScheme);
            self.handle_check(e);
            e.fail_if(!(0..=1).contains(&self.scheme), INVALID_SCHEME);
            e.go()?;
            e.at(Step::PlanNew);
            self.handle_check(e);
            e.fail_if(dtype.is_none(), INVALID_DTYPE);
            e.fail_if(!ndim_ok, INVALID_NDIM);
            e.fail_if(self.handle == BadHandle::PlanOptions, MISALIGNED);
            e.go()?;
            arg(e, self.shape.is_some(), self.ndim, ARG_SHAPE);
            arg(e, true, strides_count, ARG_STRIDES);
            out_strides(e);
            e.go()?;
        } else {
            // Stage 1.
            e.fail_if(dtype.is_none(), INVALID_DTYPE);
            e.fail_if(!ndim_ok, INVALID_NDIM);
            e.fail_if(self.n_spacing > 64, SPACING_COUNT);
            e.fail_if(self.n_axes > 64, REPEATED_AXIS);
            e.fail_if(self.n_out != requested, OUTPUT_COUNT);
            e.go()?;
            // Stage 2.
            arg(e, self.shape.is_some(), self.ndim, ARG_SHAPE);
            arg(e, true, strides_count, ARG_STRIDES);
            arg(e, self.spacing.is_some(), self.n_spacing, ARG_SPACING);
            if !all_axes {
                arg(e, self.axes.is_some(), self.n_axes, ARG_AXES);
            }
            arg(e, self.out.is_some(), self.n_out, ARG_OUT);
            out_strides(e);
            e.go()?;
            // Stage 3.
            self.spacing_entries(e);
            e.go()?;
        }
        // Stage 4.
        let f = self.f_desc();
        e.size(&f);
        let outs: Vec<Desc> = (0..n_outputs).map(|k| self.out_desc(k)).collect();
        for d in &outs {
            e.size(d);
        }
        e.go()?;
        // Stage 5 (the coefficient tables of coordinate axes hold one entry per
        // coordinate: small here, so never OUT_OF_MEMORY).
        let parsed = self.numpy(e, !plan)?;
        if plan {
            e.at(Step::Execute);
            self.handle_check(e);
            e.fail_if(self.n_out != requested, OUTPUT_COUNT);
            arg(e, self.out.is_some(), self.n_out, ARG_OUT);
            e.go()?;
        }
        // Stage 6.
        e.fault(f.pointer_fault());
        for d in &outs {
            e.fault(d.pointer_fault());
        }
        e.go()?;
        // Stage 7, by brute force over small arrays (the copied coordinates of a plan are
        // the library's own).
        let coords: Vec<Desc> = match plan {
            true => Vec::new(),
            false => (0..self.n_spacing)
                .filter_map(|i| self.coord_desc(i).map(|(_, d)| d))
                .filter(|d| !d.is_empty())
                .collect(),
        };
        let all_small = small(&f) && outs.iter().all(small) && coords.iter().all(small);
        e.touch(all_small);
        e.go()?;
        let reads: Vec<_> = (!f.is_empty())
            .then(|| f.intervals())
            .into_iter()
            .chain(coords.iter().map(Desc::intervals))
            .collect();
        let mut seen: Vec<Vec<(i128, i128)>> = Vec::new();
        for d in outs.iter().filter(|d| !d.is_empty()) {
            let iv = d.intervals();
            // An output whose strides do not nest is refused (ndarray's rule for mutable
            // views), even when its elements happen to be distinct.
            let refused = overlaps_itself(&iv) || d.ndarray_suspects_overlap();
            if refused || reads.iter().chain(&seen).any(|r| overlaps(&iv, r)) {
                e.fail(OVERLAP);
                break;
            }
            seen.push(iv);
        }
        e.go()?;
        // The computation reads the input and writes the outputs.
        let len = |b| self.arena.len_of(b);
        e.touch(f.inside(len) && outs.iter().all(|d| d.inside(len)));
        e.go()?;
        Some(
            parsed
                .into_iter()
                .zip(outs)
                .map(|((axis, spacing), desc)| Planned {
                    desc,
                    axis,
                    spacing,
                })
                .collect(),
        )
    }

    /// Stage 3: each spacing entry in order: its kind, then for coordinates their dtype,
    /// their size, then their pointer.
    fn spacing_entries(&self, e: &mut Order) {
        let Some(sp) = &self.spacing else { return };
        for (i, s) in sp.iter().take(self.n_spacing).enumerate() {
            match s.kind {
                0..=3 => {}
                4 => match self.coord_desc(i) {
                    None => e.fail(INVALID_DTYPE),
                    Some((_, d)) => e.array(&d),
                },
                _ => e.fail(INVALID_SPACING_KIND),
            }
        }
    }

    /// Stage 5: numpy's own checks, in numpy's order; the axes and their spacing. With
    /// `in_place`, coordinates are read where the caller keeps them, each after its own
    /// length checks (else they are the plan's copies, vouched for when they were made).
    fn numpy(&self, e: &mut Order, in_place: bool) -> Option<Vec<(usize, AxisSpacing)>> {
        let shape = self.shape.as_ref().expect("shape");
        // Plans take the scheme (a valid one: INVALID_SCHEME stopped the walk before).
        let matlab = !in_place && self.scheme == 1;
        let ndim = self.ndim as i64;
        let axes: Vec<usize> = match &self.axes {
            None => (0..self.ndim).collect(),
            Some(a) => {
                let mut v = Vec::new();
                for &x in a.iter().take(self.n_axes) {
                    let x = i64::from(x);
                    if x < -ndim || x >= ndim {
                        e.fail(AXIS_OUT_OF_BOUNDS);
                        return None;
                    }
                    v.push(if x < 0 {
                        (x + ndim) as usize
                    } else {
                        x as usize
                    });
                }
                if (0..v.len()).any(|i| v[..i].contains(&v[i])) {
                    e.fail(REPEATED_AXIS);
                    return None;
                }
                v
            }
        };
        let sp = self.spacing.as_deref().unwrap_or(&[]);
        let sp = &sp[..self.n_spacing.min(sp.len())];
        let unit = grad_spacing {
            kind: 0,
            dtype: 0,
            h: 1.0,
            coordinates: null(),
            length: 0,
            stride: 0,
        };
        let per_axis: Vec<grad_spacing> = match sp {
            [] => vec![unit; axes.len()],
            [one] if one.kind != 4 => vec![*one; axes.len()],
            many if many.len() == axes.len() => many.to_vec(),
            _ => {
                e.fail(SPACING_COUNT);
                return None;
            }
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
                        e.fail(COORDINATES_LENGTH);
                        return None;
                    }
                    if s.length < 2 {
                        e.fail(COORDINATES_TOO_SHORT);
                        return None;
                    }
                    let (dt, d) = self.coord_desc(i).expect("validated");
                    if in_place {
                        e.touch(d.inside(|b| self.arena.len_of(b)) && small(&d));
                        e.go()?;
                    }
                    let coords = self.read_coords(dt, &d);
                    if matlab {
                        coords.parse_matlab()
                    } else {
                        coords.parse()
                    }
                }
            });
        }
        // The MATLAB scheme (plans only): edge_order 1, and axes of any length.
        if matlab {
            if self.edge_order != 1 {
                e.fail(INVALID_EDGE_ORDER);
                return None;
            }
            return Some(axes.into_iter().zip(parsed).collect());
        }
        if !(1..=2).contains(&self.edge_order) {
            e.fail(INVALID_EDGE_ORDER);
            return None;
        }
        if axes
            .iter()
            .any(|&a| shape[a] < self.edge_order as usize + 1)
        {
            e.fail(AXIS_TOO_SHORT);
            return None;
        }
        Some(axes.into_iter().zip(parsed).collect())
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

    /// The C arguments (misaligned copies as `misaligned` asks).
    fn args(&self) -> Args {
        let mut keep = Vec::new();
        let mis = |bit: u8| self.misaligned & bit != 0;
        let list: Vec<*mut c_void> = (self.out.iter().flatten())
            .map(|p| p.addr as *mut c_void)
            .collect();
        Args {
            shape: arg_ptr(self.shape.as_deref(), mis(ARG_SHAPE), &mut keep),
            strides: arg_ptr(self.strides.as_deref(), mis(ARG_STRIDES), &mut keep),
            spacing: arg_ptr(self.spacing.as_deref(), mis(ARG_SPACING), &mut keep),
            axes: arg_ptr(self.axes.as_deref(), mis(ARG_AXES), &mut keep),
            out: arg_ptr(
                self.out.is_some().then_some(&list[..]),
                mis(ARG_OUT),
                &mut keep,
            ),
            out_strides: arg_ptr(self.out_strides.as_deref(), mis(ARG_OUT_STRIDES), &mut keep),
            f: self.f.map_or(0, |p| p.addr) as *const c_void,
            _list: list,
            _keep: keep,
        }
    }

    /// The reference bytes of planned output `p` at `idx`, from the input `f`.
    fn reference(&self, f: &Desc, p: &Planned, idx: &[usize]) -> Vec<u8> {
        let dt = DType::from_tag(self.dtype).expect("valid");
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
    }

    /// Makes the call, then the same through the plan API, and checks everything; `Skip`
    /// cases are not made.
    pub fn run(&mut self) {
        let before = self.arena.snapshot();
        let expect = self.predict();
        if !matches!(expect, Expect::Skip) {
            let a = self.args();
            // SAFETY: every array argument holds its count of elements (or the library
            // rejects the count or pointer before reading, as its contract lists); every data
            // pointer leads to a buffer that holds the extent its descriptor claims, or the
            // prediction shows the library must fail before touching it.
            let status = in_library(|| unsafe {
                grad_gradient(
                    self.dtype,
                    a.f,
                    self.ndim,
                    a.shape,
                    a.strides,
                    a.spacing,
                    self.n_spacing,
                    a.axes,
                    self.n_axes,
                    self.edge_order,
                    a.out,
                    self.n_out,
                    a.out_strides,
                    self.n_threads,
                )
            }) as i32;
            let message = last_error();
            let f =
                matches!(expect, Expect::Succeed(_) | Expect::Either(..)).then(|| self.f_desc());
            check(
                (Step::Call, status),
                &message,
                &expect,
                &before,
                &self.arena,
                &|p: &Planned, idx: &[usize]| self.reference(f.as_ref().expect("planned"), p, idx),
            );
            self.arena.restore(&before);
        }
        self.run_plan(&before);
    }

    /// The same call through the plan API: options, `grad_plan_new`, `grad_plan_execute`;
    /// after a success, the plan's accessors and a second execution on another input.
    fn run_plan(&mut self, before: &[Vec<u8>]) {
        let expect = self.predict_plan();
        if matches!(expect, Expect::Skip) {
            return;
        }
        let a = self.args();
        let mut options: *mut grad_options = null_mut();
        let mut plan: *mut grad_plan = null_mut();
        // A live handle plus one byte, or a misaligned result pointer into `spare`.
        let mut spare = [0u64; 2];
        let spare_at = (spare.as_mut_ptr() as usize) + 1;
        let bad = |step: Step| match self.handle {
            BadHandle::Null(s) if s == step => Some(0usize),
            BadHandle::Misaligned(s) if s == step => Some(spare_at),
            _ => None,
        };
        let opts = |step: Step, options: *mut grad_options| match bad(step) {
            Some(0) => null_mut(),
            Some(_) => (options as usize + 1) as *mut grad_options,
            None => options,
        };
        // SAFETY: as in `run`; handles are live, NULL, or misaligned (never dereferenced);
        // `out_strides` holds `requested * ndim` entries whenever `grad_plan_new` reads it
        // (the prediction skips the sequence otherwise). Everything made is freed.
        let outcome = in_library(|| unsafe {
            let options_out = bad(Step::OptionsNew).map_or(&raw mut options, |a| a as *mut _);
            let s = grad_options_new(options_out) as i32;
            if s != OK {
                return (Step::OptionsNew, s);
            }
            // Each setter in turn; the sequence stops at the first failure (whose detail
            // `grad_last_error` then holds).
            let setters: [(Step, &dyn Fn() -> i32); 5] = [
                (Step::SetSpacing, &|| {
                    let o = opts(Step::SetSpacing, options);
                    grad_options_set_spacing(o, a.spacing, self.n_spacing) as i32
                }),
                (Step::SetAxes, &|| {
                    grad_options_set_axes(opts(Step::SetAxes, options), a.axes, self.n_axes) as i32
                }),
                (Step::SetEdgeOrder, &|| {
                    let o = opts(Step::SetEdgeOrder, options);
                    grad_options_set_edge_order(o, self.edge_order) as i32
                }),
                (Step::SetThreads, &|| {
                    let o = opts(Step::SetThreads, options);
                    grad_options_set_threads(o, self.n_threads) as i32
                }),
                (Step::SetScheme, &|| {
                    let o = opts(Step::SetScheme, options);
                    grad_options_set_scheme(o, self.scheme) as i32
                }),
            ];
            for (step, set) in setters {
                let s = set();
                if s != OK {
                    return (step, s);
                }
            }
            let plan_out = bad(Step::PlanNew).map_or(&raw mut plan, |a| a as *mut _);
            let handle = match self.handle {
                BadHandle::PlanOptions => (options as usize + 1) as *const grad_options,
                _ => options,
            };
            let s = grad_plan_new(
                plan_out,
                self.dtype,
                self.ndim,
                a.shape,
                a.strides,
                a.out_strides,
                handle,
            ) as i32;
            if s != OK {
                return (Step::PlanNew, s);
            }
            assert_eq!(
                grad_plan_output_count(plan),
                self.requested(),
                "output count"
            );
            let dt = DType::from_tag(self.dtype).expect("planned").output().tag();
            assert_eq!(grad_plan_output_dtype(plan), dt, "output dtype");
            let skewed = (plan as usize + 1) as *const grad_plan;
            assert_eq!(grad_plan_output_count(null()), 0);
            assert_eq!(grad_plan_output_count(skewed), 0);
            assert_eq!(grad_plan_output_dtype(null()), 0);
            assert_eq!(grad_plan_output_dtype(skewed), 0);
            let handle = match bad(Step::Execute) {
                Some(0) => null(),
                Some(_) => skewed,
                None => plan,
            };
            let s = grad_plan_execute(handle, a.f, a.out, self.n_out) as i32;
            (Step::Execute, s)
        });
        let message = last_error();
        let succeeded = outcome.1 == OK;
        let f = succeeded.then(|| self.f_desc());
        check(
            outcome,
            &message,
            &expect,
            before,
            &self.arena,
            &|p: &Planned, idx: &[usize]| self.reference(f.as_ref().expect("planned"), p, idx),
        );
        if succeeded {
            self.reuse(plan, &a, before, &expect);
        }
        // SAFETY: made above (or NULL), freed once.
        unsafe {
            grad_plan_free(plan);
            grad_options_free(options);
        }
    }

    /// Executes a plan again, on a new input: `f`'s buffer copied with its bytes rotated by
    /// one element, at the same offset in a new buffer; the outputs must follow.
    fn reuse(&mut self, plan: *mut grad_plan, a: &Args, before: &[Vec<u8>], expect: &Expect) {
        let f = self.f_desc();
        let Some((buf, offset)) = f.home.filter(|_| !f.is_empty()) else {
            return;
        };
        let planned = match expect {
            Expect::Succeed(p) | Expect::Either(_, p) => p.clone(),
            _ => unreachable!("succeeded"),
        };
        self.arena.restore(before);
        let mut bytes = self.arena.bufs[buf].bytes().to_vec();
        let by = f.elem.size.min(bytes.len());
        bytes.rotate_left(by);
        let copy = self.arena.add(bytes.len());
        self.arena.bufs[copy].bytes_mut().copy_from_slice(&bytes);
        let f2 = Ptr::into_buf(&self.arena, copy, offset);
        let before2 = self.arena.snapshot();
        // SAFETY: a live plan; the new input holds the extent the plan's shape and strides
        // give; the outputs are those of the first execution.
        let s = in_library(|| unsafe {
            grad_plan_execute(plan, f2.addr as *const c_void, a.out, self.n_out)
        }) as i32;
        let message = last_error();
        let f2 = Desc {
            addr: f2.addr,
            home: f2.home,
            ..f
        };
        check(
            (Step::Execute, s),
            &message,
            &Expect::Succeed(planned),
            &before2,
            &self.arena,
            &|p: &Planned, idx: &[usize]| self.reference(&f2, p, idx),
        );
        self.arena.restore(before);
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

    /// The outcomes this call may return.
    pub fn predict(&self) -> Expect {
        let mut e = Order::new(Step::Call);
        let planned = self.walk(&mut e);
        e.finish(planned)
    }

    fn walk(&self, e: &mut Order) -> Option<Vec<Planned>> {
        // Stages 1 and 2.
        e.fail_if(self.ndim == 0 || self.ndim > 64, INVALID_NDIM);
        e.fail_if(!(0..=1).contains(&self.layout), INVALID_LAYOUT);
        e.fail_if(self.shape.is_none(), NULL_POINTER);
        e.go()?;
        // Stage 4: the input's size, then the output buffer's.
        let f = self.f_desc();
        e.size(&f);
        e.go()?;
        let shape = self.shape.as_ref().expect("shape");
        let count: usize = shape.iter().product();
        let needed = count as u128 * self.ndim as u128;
        e.fail_if(needed * 8 > isize::MAX as u128, OVERFLOW);
        e.fail_if((self.out_len as u128) < needed, OUTPUT_TOO_SMALL);
        e.go()?;
        // Stage 5.
        e.fail_if(!(1..=2).contains(&self.edge_order), INVALID_EDGE_ORDER);
        e.go()?;
        e.fail_if(
            shape.iter().any(|&n| n < self.edge_order as usize + 1),
            AXIS_TOO_SHORT,
        );
        e.go()?;
        // Stage 6: the input, then each output block (NULL, MISALIGNED, OVERFLOW, where a
        // block starting beyond the address space is OVERFLOW).
        e.fault(f.pointer_fault());
        let out = self.out.unwrap_or(Ptr::NULL);
        let mut outs = Vec::new();
        for k in 0..self.ndim {
            let step = k * count * 8;
            let addr = if out.addr == 0 {
                Some(0)
            } else {
                out.addr.checked_add(step)
            };
            let Some(addr) = addr else {
                e.fail(OVERFLOW);
                break;
            };
            let d = Desc {
                addr,
                shape: shape.clone(),
                strides: self.strides(),
                elem: DType::F64.layout(),
                home: out.home.map(|(b, o)| (b, o + step)),
            };
            e.fault(d.pointer_fault());
            outs.push(d);
        }
        e.go()?;
        // Stage 7.
        e.touch(small(&f));
        e.go()?;
        if !f.is_empty() {
            let fi = f.intervals();
            e.fail_if(outs.iter().any(|d| overlaps(&d.intervals(), &fi)), OVERLAP);
        }
        e.go()?;
        let len = |b| self.arena.len_of(b);
        e.touch(f.inside(len) && outs.iter().all(|d| d.inside(len)));
        e.go()?;
        Some(
            outs.into_iter()
                .enumerate()
                .map(|(axis, desc)| Planned {
                    desc,
                    axis,
                    spacing: AxisSpacing::Weak(self.spacing.as_ref().map_or(1.0, |h| h[axis])),
                })
                .collect(),
        )
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
        let shape = self.shape.as_ref().map_or(null(), |v| v.as_ptr());
        let spacing = self.spacing.as_ref().map_or(null(), |v| v.as_ptr());
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
        let message = last_error();
        let succeeds = matches!(expect, Expect::Succeed(_) | Expect::Either(..));
        let f = succeeds.then(|| self.f_desc());
        check(
            (Step::Call, status),
            &message,
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

/// The checks after a call (see the module documentation): `got` is the step that failed
/// and its status (or the last step and OK), `message` the detail `grad_last_error()` gave
/// right after it, `value(p, idx)` the reference bytes of planned output `p` at `idx`.
fn check(
    got: Outcome,
    message: &str,
    expect: &Expect,
    before: &[Vec<u8>],
    arena: &Arena,
    value: &dyn Fn(&Planned, &[usize]) -> Vec<u8>,
) {
    let status = got.1;
    let tolerated = matches!(expect, Expect::Fail(a) | Expect::Either(a, _)
        if a.iter().any(|o| o.1 == PANIC));
    assert!(status != PANIC || tolerated, "library panicked: {message}");
    assert_eq!(
        status == OK,
        message.is_empty(),
        "{got:?} with last error {message:?}"
    );
    let after = arena.snapshot();
    let plan = match (expect, status) {
        (Expect::Fail(allowed), s) | (Expect::Either(allowed, _), s) if s != OK => {
            assert!(
                allowed.contains(&got),
                "{got:?} ({message}), expected one of {allowed:?}"
            );
            assert!(before == after, "a failed call ({got:?}) changed memory");
            return;
        }
        (Expect::Succeed(p), OK) | (Expect::Either(_, p), OK) => p,
        (e, _) => panic!("{got:?} ({message}), expected {e:?}"),
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
