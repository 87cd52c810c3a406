//! The one module of the core with `unsafe` code, for speed only: the loops of the uniform
//! interior (the central quotient, for `f32`, `f64` and `complex128` data in their own
//! precision) and of the three-point formula across rows (coordinates on an outer axis,
//! `f32` and `f64`), written with AVX2 intrinsics and chosen at run time where the CPU has
//! AVX2, optionally with non-temporal ("streaming") stores, which write whole cache lines
//! to memory without first reading them (used only when a call's traffic exceeds the
//! last-level cache; the quotient loops then also prefetch their `hi` samples a few
//! kilobytes ahead, since those come from memory). Everything here has a safe API; where
//! it declines a call (another type, no AVX2, another architecture, the portable variant
//! forced), it returns `false` having written nothing, and the caller runs its portable
//! loop.
//!
//! Bits: each quotient is `(hi - lo) * r` or `(hi - lo) / d`, a complex one numpy's
//! division by `d + 0j` in its own order of operations, a three-point value
//! `c0*x0 + c1*x1 + c2*x2` summed left to right; each operation rounds as in the portable
//! loop (no FMA), with the operands in the same order (which decides the sign of a NaN);
//! lanes are independent, so the vector width changes nothing.
//!
//! The variant can be forced for tests and measurements with the environment variable
//! `NDGRADIENT_KERNELS`, read once per process: `portable` (these loops decline every call),
//! `avx2` (AVX2, ordinary stores), `avx2-stream` (AVX2, streaming stores at every size, so
//! that small test arrays take that path too); unset or anything else: AVX2 where the CPU
//! has it, streaming stores above the size threshold: the last-level cache's size, or
//! `NDGRADIENT_STREAM_BYTES` (bytes, with an optional `K`, `M` or `G` suffix), also read
//! once per process, where it is set to such a size. A build with
//! `--cfg gradient_no_dispatch` has only the portable variant.
#![allow(unsafe_code)]

use super::value::{Divisor, Real};
use num_complex::Complex;
use std::any::{Any, TypeId};
use std::marker::PhantomData;
use std::sync::OnceLock;

/// Which loops run: the portable ones, or AVX2 with ordinary or streaming stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// The caller's portable loops (this module declines every call).
    Portable,
    /// AVX2 loops, with streaming stores as `streams` says.
    Avx2 { streams: Streams },
}

/// When the AVX2 loops stream their stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Streams {
    /// Above the size threshold (the default).
    AboveThreshold,
    /// Never (`NDGRADIENT_KERNELS=avx2`).
    Never,
    /// At every size (`NDGRADIENT_KERNELS=avx2-stream`).
    Always,
}

/// The variant this process runs (see the module's documentation), and the size in bytes
/// above which a sweep streams its stores.
fn selected() -> (Variant, usize) {
    static CHOICE: OnceLock<(Variant, usize)> = OnceLock::new();
    *CHOICE.get_or_init(|| {
        let forced = std::env::var("NDGRADIENT_KERNELS").unwrap_or_default();
        let variant = match forced.as_str() {
            "portable" => Variant::Portable,
            _ if !has_avx2() => Variant::Portable,
            "avx2-stream" => Variant::Avx2 {
                streams: Streams::Always,
            },
            "avx2" => Variant::Avx2 {
                streams: Streams::Never,
            },
            _ => Variant::Avx2 {
                streams: Streams::AboveThreshold,
            },
        };
        let threshold = std::env::var("NDGRADIENT_STREAM_BYTES")
            .ok()
            .and_then(|text| parse_size(&text))
            .unwrap_or_else(last_level_cache_bytes);
        (variant, threshold)
    })
}

/// A size in bytes written as digits with an optional `K`, `M` or `G` suffix (powers of
/// 1024), as sysfs gives cache sizes; `None` if `text` is not one or overflows.
fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, scale) = match text.strip_suffix(['K', 'M', 'G']) {
        Some(d) => (d, 1usize << (10 * (1 + "KMG".find(&text[d.len()..])?))),
        None => (text, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<usize>().ok()?.checked_mul(scale)
}

#[cfg(all(target_arch = "x86_64", not(gradient_no_dispatch)))]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

#[cfg(not(all(target_arch = "x86_64", not(gradient_no_dispatch))))]
fn has_avx2() -> bool {
    false
}

/// The largest CPU cache's size in bytes, from Linux's sysfs (cpu0's caches), or 32 MiB
/// where that is not readable.
fn last_level_cache_bytes() -> usize {
    let mut largest = 0;
    for index in 0..8 {
        let path = format!("/sys/devices/system/cpu/cpu0/cache/index{index}/size");
        let Ok(text) = std::fs::read_to_string(path) else {
            break;
        };
        if let Some(n) = parse_size(&text) {
            largest = largest.max(n);
        }
    }
    if largest == 0 { 32 << 20 } else { largest }
}

/// How one sweep stores its results: made once per sweep (per thread), passed to every
/// loop of it. When it allowed streaming stores, dropping it fences them (`sfence`), so
/// that they are ordered before anything the thread does next, such as ending a scoped
/// thread that another joins: the results are then visible like ordinary stores. Not
/// `Send`: the thread that made it, and stored through it, is the one that fences.
pub(crate) struct Stores {
    variant: Variant,
    stream: bool,
    not_send: PhantomData<*const ()>,
}

impl Stores {
    /// The stores of a sweep that reads and writes `bytes` bytes in all: streaming ones
    /// if that exceeds the threshold (`NDGRADIENT_STREAM_BYTES`, else the last-level
    /// cache's size), or if the `avx2-stream` variant is forced.
    pub(crate) fn for_sweep(bytes: usize) -> Self {
        let (variant, threshold) = selected();
        let stream = match variant {
            Variant::Portable => false,
            Variant::Avx2 { streams } => match streams {
                Streams::AboveThreshold => bytes > threshold,
                Streams::Never => false,
                Streams::Always => true,
            },
        };
        Stores {
            variant,
            stream,
            not_send: PhantomData,
        }
    }

    /// The same loops with ordinary stores: for points computed in a buffer in the cache
    /// before [`copy`] streams them out.
    pub(crate) fn ordinary(&self) -> Self {
        Stores {
            variant: self.variant,
            stream: false,
            not_send: PhantomData,
        }
    }
}

impl Drop for Stores {
    /// Orders this sweep's streaming stores before whatever the thread does next
    /// (`sfence`; nothing if it does not stream).
    fn drop(&mut self) {
        #[cfg(all(target_arch = "x86_64", not(gradient_no_dispatch)))]
        if self.stream {
            // SAFETY: `sfence` is part of SSE, which every x86-64 CPU has; it only orders
            // stores and touches no memory.
            unsafe { std::arch::x86_64::_mm_sfence() };
        }
    }
}

/// `s` as a slice of `B`, if `A` is `B`.
fn slice_as<A: 'static, B: 'static>(s: &[A]) -> Option<&[B]> {
    if TypeId::of::<A>() != TypeId::of::<B>() {
        return None;
    }
    // SAFETY: `A` and `B` are the same type (equal `TypeId`s), so the pointer, length,
    // alignment, validity and lifetime of `s` are those of a `&[B]`.
    Some(unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<B>(), s.len()) })
}

/// `s` as a mutable slice of `B`, if `A` is `B`.
fn slice_as_mut<A: 'static, B: 'static>(s: &mut [A]) -> Option<&mut [B]> {
    if TypeId::of::<A>() != TypeId::of::<B>() {
        return None;
    }
    // SAFETY: as in `slice_as`; `s` is borrowed mutably for the result's lifetime.
    Some(unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<B>(), s.len()) })
}

/// The divisor as `(d, Some(1/d))` (multiply) or `(d, None)` (divide), if its type is `R`.
fn divisor_as<D: Any + Copy, R: Real>(d: D) -> Option<(R, Option<R>)>
where
    Divisor<R>: Any,
{
    let d = *(&d as &dyn Any).downcast_ref::<Divisor<R>>()?;
    Some((d.value(), d.reciprocal()))
}

/// `out[i] = (hi[i] - lo[i]) / div` for every `i` (slices of one length), if the data and
/// the working type are both `f64` or both `f32` (`X` the samples', `O` the outputs', `D`
/// the divisor's type) and this process runs an AVX2 variant. Returns `false`, having
/// written nothing, otherwise.
pub(crate) fn quotients<X: 'static, O: 'static, D: Any + Copy>(
    stores: &Stores,
    out: &mut [O],
    lo: &[X],
    hi: &[X],
    div: D,
) -> bool {
    if stores.variant == Variant::Portable {
        return false;
    }
    debug_assert!(lo.len() == out.len() && hi.len() == out.len());
    if let (Some(lo), Some(hi), Some(d)) = (slice_as(lo), slice_as(hi), divisor_as::<D, f64>(div))
        && let Some(out) = slice_as_mut::<O, f64>(out)
    {
        return arch::quotients_f64(stores.stream, out, lo, hi, d);
    }
    if let (Some(lo), Some(hi), Some(d)) = (slice_as(lo), slice_as(hi), divisor_as::<D, f32>(div))
        && let Some(out) = slice_as_mut::<O, f32>(out)
    {
        return arch::quotients_f32(stores.stream, out, lo, hi, d);
    }
    if let (Some(lo), Some(hi), Some((d, _))) = (
        slice_as::<X, Complex<f64>>(lo),
        slice_as::<X, Complex<f64>>(hi),
        divisor_as::<D, f64>(div),
    ) && let Some(out) = slice_as_mut::<O, Complex<f64>>(out)
        && let Some(d) = ComplexDivisor::new(d)
    {
        return arch::quotients_c128(stores.stream, out, lo, hi, d);
    }
    false
}

/// `out[i] = c[0] * x0[i] + c[1] * x1[i] + c[2] * x2[i]` (numpy's three-point formula on
/// coordinates, summed left to right, no FMA) for slices of one length, if the samples,
/// the outputs and the weights are all `f64` or all `f32` and this process runs an AVX2
/// variant. Returns `false`, having written nothing, otherwise.
pub(crate) fn three_point<X: 'static, O: 'static, C: Any + Copy>(
    stores: &Stores,
    out: &mut [O],
    [x0, x1, x2]: [&[X]; 3],
    c: C,
) -> bool {
    if stores.variant == Variant::Portable {
        return false;
    }
    debug_assert!([x0.len(), x1.len(), x2.len()] == [out.len(); 3]);
    macro_rules! typed {
        ($t:ty, $f:ident) => {
            if let (Some(a), Some(b), Some(d), Some(&c)) = (
                slice_as::<X, $t>(x0),
                slice_as::<X, $t>(x1),
                slice_as::<X, $t>(x2),
                (&c as &dyn Any).downcast_ref::<[$t; 3]>(),
            ) && let Some(out) = slice_as_mut::<O, $t>(out)
            {
                return arch::$f(stores.stream, out, [a, b, d], c);
            }
        };
    }
    typed!(f64, three_point_f64);
    typed!(f32, three_point_f32);
    false
}

/// numpy's division of a complex number by the real `d` (as `d + 0j`), in the branch of
/// its algorithm that a nonzero, non-NaN `d` takes: `((re + im * rat) * scl, (im - re *
/// rat) * scl)` with `rat = 0 / d` and `scl = 1 / (d + 0 * rat)` (`value::complex_divide`).
#[derive(Clone, Copy)]
#[cfg_attr(
    not(all(target_arch = "x86_64", not(gradient_no_dispatch))),
    allow(dead_code, reason = "only the AVX2 loops read it")
)]
pub(crate) struct ComplexDivisor {
    rat: f64,
    scl: f64,
}

impl ComplexDivisor {
    /// `None` for a zero or NaN divisor (another branch of numpy's algorithm).
    fn new(d: f64) -> Option<Self> {
        let imag = 0.0f64;
        // `complex_divide` takes this branch when |re| >= |im| (= 0), which fails only for
        // NaN, and re is not zero.
        if d.is_nan() || d == 0.0 {
            return None;
        }
        let rat = imag / d;
        let scl = 1.0 / (d + imag * rat);
        Some(ComplexDivisor { rat, scl })
    }

    /// The quotient of `z` (as `complex_divide` computes it in this branch).
    #[cfg(all(target_arch = "x86_64", not(gradient_no_dispatch)))]
    fn apply(self, z: Complex<f64>) -> Complex<f64> {
        Complex::new(
            (z.re + z.im * self.rat) * self.scl,
            (z.im - z.re * self.rat) * self.scl,
        )
    }
}

/// [`quotients`] for two outputs in one loop, side by side: `o0` from `lo0`, `hi0` and
/// `d0`, `o1` from `lo1`, `hi1` and `d1` (slices of one length). Returns `false`, having
/// written nothing, where [`quotients`] would.
#[allow(clippy::too_many_arguments)]
pub(crate) fn two_quotients<X: 'static, O: 'static, D: Any + Copy>(
    stores: &Stores,
    o0: &mut [O],
    o1: &mut [O],
    (lo0, hi0, d0): (&[X], &[X], D),
    (lo1, hi1, d1): (&[X], &[X], D),
) -> bool {
    if stores.variant == Variant::Portable {
        return false;
    }
    let n = o0.len();
    debug_assert!([o1.len(), lo0.len(), hi0.len(), lo1.len(), hi1.len()] == [n; 5]);
    macro_rules! typed {
        ($t:ty, $f:ident) => {
            if let (Some(a0), Some(b0), Some(a1), Some(b1), Some(d0), Some(d1)) = (
                slice_as::<X, $t>(lo0),
                slice_as::<X, $t>(hi0),
                slice_as::<X, $t>(lo1),
                slice_as::<X, $t>(hi1),
                divisor_as::<D, $t>(d0),
                divisor_as::<D, $t>(d1),
            ) && d0.1.is_some() == d1.1.is_some()
                && let (Some(o0), Some(o1)) = (slice_as_mut::<O, $t>(o0), slice_as_mut::<O, $t>(o1))
            {
                return arch::$f(stores.stream, [o0, o1], [a0, a1], [b0, b1], [d0, d1]);
            }
        };
    }
    typed!(f64, two_quotients_f64);
    typed!(f32, two_quotients_f32);
    if let (Some(a0), Some(b0), Some(a1), Some(b1), Some((d0, _)), Some((d1, _))) = (
        slice_as::<X, Complex<f64>>(lo0),
        slice_as::<X, Complex<f64>>(hi0),
        slice_as::<X, Complex<f64>>(lo1),
        slice_as::<X, Complex<f64>>(hi1),
        divisor_as::<D, f64>(d0),
        divisor_as::<D, f64>(d1),
    ) && let (Some(d0), Some(d1)) = (ComplexDivisor::new(d0), ComplexDivisor::new(d1))
        && let (Some(o0), Some(o1)) = (
            slice_as_mut::<O, Complex<f64>>(o0),
            slice_as_mut::<O, Complex<f64>>(o1),
        )
    {
        return arch::two_quotients_c128(stores.stream, [o0, o1], [a0, a1], [b0, b1], [d0, d1]);
    }
    false
}

/// Whether [`quotients`] streams its stores in this sweep for samples `X`, outputs `O` and
/// the divisor `div`: where it does, the points of the same output stored one at a time
/// outside it should be stored with [`put`] and `stream` true.
pub(crate) fn quotients_stream<X: 'static, O: 'static, D: Any + Copy>(
    stores: &Stores,
    div: D,
) -> bool {
    let (x, o) = (TypeId::of::<X>(), TypeId::of::<O>());
    stores.stream
        && x == o
        && ((o == TypeId::of::<f64>() && divisor_as::<D, f64>(div).is_some())
            || (o == TypeId::of::<f32>() && divisor_as::<D, f32>(div).is_some())
            || (o == TypeId::of::<Complex<f64>>()
                && divisor_as::<D, f64>(div)
                    .and_then(|(d, _)| ComplexDivisor::new(d))
                    .is_some()))
}

/// `out[i] = v`, with a streaming store if `stream` and `O` is `f64`, `f32` or
/// `Complex<f64>` (else an ordinary one). Where a sweep streams an output, every point of
/// it must be stored so, the row ends a loop here does not compute included: a cache line
/// written partly with ordinary stores is read from memory and written back apart from
/// the streaming ones. Timed side by side (`sh benches/run.sh --compare`, 31 repeats, two
/// copies of each build), streaming these points instead of storing them the ordinary way
/// took every-axis gradients of float64 arrays from 41.6-42.2 ms to 36.1 ms on 4096 x 4096
/// and from 110.7-114.9 ms to 73.6-75.1 ms on 200 x 300 x 400. A streaming store happens
/// only where `stores` streams, whose drop fences it.
#[inline]
pub(crate) fn put<O: 'static + Copy>(stores: &Stores, stream: bool, out: &mut [O], i: usize, v: O) {
    let slot = &mut out[i];
    if !(stream && stores.stream && arch::stream_any(slot, v)) {
        *slot = v;
    }
}

/// `out.copy_from_slice(src)`, with streaming stores if `stores` streams and `O` is `f64`,
/// `f32` or `Complex<f64>` (ordinary ones otherwise): for points computed in a small buffer
/// first, so that each point of a streamed output is stored there once, in order.
pub(crate) fn copy<O: 'static + Copy>(stores: &Stores, out: &mut [O], src: &[O]) {
    assert_eq!(out.len(), src.len());
    if !(stores.stream && copy_streaming(out, src)) {
        out.copy_from_slice(src);
    }
}

/// `arch`'s streaming copy of `src` into `out` for `O`; `false`, having written nothing,
/// where it declines (no AVX2, or `O` none of its types).
fn copy_streaming<O: 'static + Copy>(out: &mut [O], src: &[O]) -> bool {
    if let (Some(o), Some(s)) = (slice_as_mut::<O, f64>(out), slice_as(src)) {
        return arch::copy_f64(o, s);
    }
    if let (Some(o), Some(s)) = (slice_as_mut::<O, f32>(out), slice_as(src)) {
        return arch::copy_f32(o, s);
    }
    if let (Some(o), Some(s)) = (slice_as_mut::<O, Complex<f64>>(out), slice_as(src)) {
        return arch::copy_c128(o, s);
    }
    false
}

#[cfg(all(target_arch = "x86_64", not(gradient_no_dispatch)))]
mod arch {
    //! The AVX2 loops. Each public function checks that the CPU has AVX2 (cached by the
    //! standard library) and the slices' lengths, then calls a `#[target_feature]`
    //! function; loads are unaligned, stores aligned only when streaming (after a scalar
    //! head that reaches a 32-byte boundary).
    use super::ComplexDivisor;
    use num_complex::Complex;
    use std::any::Any;
    use std::arch::x86_64::*;

    /// The scalar quotient, as the portable loop computes it.
    macro_rules! scalar {
        ($lo:expr, $hi:expr, $d:expr) => {
            match $d.1 {
                Some(r) => ($hi - $lo) * r,
                None => ($hi - $lo) / $d.0,
            }
        };
    }

    /// A value the loops here store one at a time, with a streaming store or not.
    pub(super) trait Scalar: Copy {
        /// Stores `v` in `slot` with a streaming store (MOVNTI, SSE2: every x86-64 CPU).
        fn stream(slot: &mut Self, v: Self);
    }

    impl Scalar for f64 {
        #[inline]
        fn stream(slot: &mut f64, v: f64) {
            // SAFETY: `slot` is a valid, exclusive, 8-byte aligned place of 8 bytes, as an
            // `i64` needs, and MOVNTI is part of SSE2, which every x86-64 CPU has.
            unsafe { _mm_stream_si64(std::ptr::from_mut(slot).cast(), v.to_bits() as i64) }
        }
    }

    impl Scalar for f32 {
        #[inline]
        fn stream(slot: &mut f32, v: f32) {
            // SAFETY: as for `f64`, with 4 bytes and `i32`.
            unsafe { _mm_stream_si32(std::ptr::from_mut(slot).cast(), v.to_bits() as i32) }
        }
    }

    impl Scalar for Complex<f64> {
        #[inline]
        fn stream(slot: &mut Complex<f64>, v: Complex<f64>) {
            f64::stream(&mut slot.re, v.re);
            f64::stream(&mut slot.im, v.im);
        }
    }

    /// `*slot = v`, with a streaming store if `STREAM`: the loops here store every point of
    /// a streaming call that way, scalar heads and tails included (see [`super::put`]).
    #[inline]
    pub(super) fn put<const STREAM: bool, V: Scalar>(slot: &mut V, v: V) {
        if STREAM {
            V::stream(slot, v);
        } else {
            *slot = v;
        }
    }

    /// `*slot = v` with a streaming store, if `O` is one of the [`Scalar`] types; `false`,
    /// having stored nothing, if not.
    #[inline]
    pub(super) fn stream_any<O: 'static + Copy>(slot: &mut O, v: O) -> bool {
        let (slot, v) = (slot as &mut dyn Any, &v as &dyn Any);
        if let (Some(s), Some(&v)) = (slot.downcast_mut::<f64>(), v.downcast_ref()) {
            f64::stream(s, v);
        } else if let (Some(s), Some(&v)) = (slot.downcast_mut::<f32>(), v.downcast_ref()) {
            f32::stream(s, v);
        } else if let (Some(s), Some(&v)) = (slot.downcast_mut::<Complex<f64>>(), v.downcast_ref())
        {
            Complex::<f64>::stream(s, v);
        } else {
            return false;
        }
        true
    }

    /// How far ahead (in bytes) the streaming quotient loops prefetch their `hi` samples
    /// (on a large array, those of the next row or plane along an outer axis are read from
    /// memory rather than from the cache; the loops over two outputs prefetch both
    /// outputs' `hi`, since which one that is depends on the layout). Timed side by side
    /// (`sh benches/run.sh --compare`, two copies of each build) on 4096 x 4096: with
    /// `hi0` alone, 2-4% faster at both edge orders than without (61 repeats; the copies
    /// of one build differed by 0.3-2%), and 1 and 16 KiB ahead were no faster than 4;
    /// with both, in Fortran order 34.9-35.3 ms instead of 40.9-42.3 ms with `hi0` alone,
    /// in C order 33.0-33.8 instead of 34.7-35.6 (31 repeats).
    const PREFETCH: usize = 4096;

    /// Prefetches `s`'s element `i` plus [`PREFETCH`] bytes, wherever that is.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn prefetch_ahead<T>(s: &[T], i: usize) {
        let at = s.as_ptr().wrapping_add(i + PREFETCH / size_of::<T>());
        // A hint: it never faults, whatever the address.
        _mm_prefetch::<_MM_HINT_T0>(at.cast());
    }

    macro_rules! kernels {
        ($t:ty, $lanes:expr, $vec:ty, $set1:ident, $loadu:ident, $storeu:ident, $stream:ident,
         $sub:ident, $mul:ident, $div:ident, $add:ident) => {
            /// One vector of quotients from `lo`, `hi` at `i`.
            #[target_feature(enable = "avx2")]
            #[inline]
            fn one_vector<const RECIP: bool>(lo: &[$t], hi: &[$t], i: usize, k: $vec) -> $vec {
                assert!(i + $lanes <= lo.len() && i + $lanes <= hi.len());
                // SAFETY: `i + lanes` is within both slices (asserted), and the loads are
                // unaligned.
                unsafe {
                    let x = $sub($loadu(hi.as_ptr().add(i)), $loadu(lo.as_ptr().add(i)));
                    if RECIP { $mul(x, k) } else { $div(x, k) }
                }
            }

            /// Stores `v` at `out[i..i + lanes]`, streaming if `STREAM` (then `out[i]` must
            /// be 32-byte aligned, which the callers arrange).
            #[target_feature(enable = "avx2")]
            #[inline]
            fn store<const STREAM: bool>(out: &mut [$t], i: usize, v: $vec) {
                assert!(i + $lanes <= out.len());
                let p = out[i..].as_mut_ptr();
                if STREAM {
                    debug_assert_eq!(p as usize % 32, 0);
                    // SAFETY: `i + lanes` is within `out` (asserted) and `p` is 32-byte
                    // aligned (the callers' scalar heads).
                    unsafe { $stream(p, v) }
                } else {
                    // SAFETY: `i + lanes` is within `out` (asserted); an unaligned store.
                    unsafe { $storeu(p, v) }
                }
            }

            /// `out[i] = (hi[i] - lo[i]) / d` (or `* 1/d` if `RECIP`), streaming if `STREAM`.
            #[target_feature(enable = "avx2")]
            pub(super) fn one<const STREAM: bool, const RECIP: bool>(
                out: &mut [$t],
                lo: &[$t],
                hi: &[$t],
                d: ($t, Option<$t>),
            ) {
                let n = out.len();
                // One length for all, so that the per-vector bounds checks fold away.
                let (lo, hi) = (&lo[..n], &hi[..n]);
                let mut i = 0;
                if STREAM {
                    while i < n && out[i..].as_ptr() as usize % 32 != 0 {
                        put::<STREAM, _>(&mut out[i], scalar!(lo[i], hi[i], d));
                        i += 1;
                    }
                }
                let k = $set1(d.1.unwrap_or(d.0));
                while i + 2 * $lanes <= n {
                    if STREAM {
                        prefetch_ahead(hi, i);
                    }
                    let (a, b) = (
                        one_vector::<RECIP>(lo, hi, i, k),
                        one_vector::<RECIP>(lo, hi, i + $lanes, k),
                    );
                    store::<STREAM>(out, i, a);
                    store::<STREAM>(out, i + $lanes, b);
                    i += 2 * $lanes;
                }
                while i + $lanes <= n {
                    store::<STREAM>(out, i, one_vector::<RECIP>(lo, hi, i, k));
                    i += $lanes;
                }
                for j in i..n {
                    put::<STREAM, _>(&mut out[j], scalar!(lo[j], hi[j], d));
                }
            }

            /// The same for two outputs, side by side; with `STREAM`, `o0` and `o1` must be
            /// on the same 32-byte phase.
            #[target_feature(enable = "avx2")]
            pub(super) fn two<const STREAM: bool, const RECIP: bool>(
                [o0, o1]: [&mut [$t]; 2],
                [lo0, lo1]: [&[$t]; 2],
                [hi0, hi1]: [&[$t]; 2],
                [d0, d1]: [($t, Option<$t>); 2],
            ) {
                let n = o0.len();
                let (o1, lo0, hi0) = (&mut o1[..n], &lo0[..n], &hi0[..n]);
                let (lo1, hi1) = (&lo1[..n], &hi1[..n]);
                let mut i = 0;
                if STREAM {
                    while i < n && o0[i..].as_ptr() as usize % 32 != 0 {
                        put::<STREAM, _>(&mut o0[i], scalar!(lo0[i], hi0[i], d0));
                        put::<STREAM, _>(&mut o1[i], scalar!(lo1[i], hi1[i], d1));
                        i += 1;
                    }
                }
                let k0 = $set1(d0.1.unwrap_or(d0.0));
                let k1 = $set1(d1.1.unwrap_or(d1.0));
                while i + $lanes <= n {
                    if STREAM {
                        // Either output's samples may be the ones from memory.
                        prefetch_ahead(hi0, i);
                        prefetch_ahead(hi1, i);
                    }
                    let a = one_vector::<RECIP>(lo0, hi0, i, k0);
                    let b = one_vector::<RECIP>(lo1, hi1, i, k1);
                    store::<STREAM>(o0, i, a);
                    store::<STREAM>(o1, i, b);
                    i += $lanes;
                }
                for j in i..n {
                    put::<STREAM, _>(&mut o0[j], scalar!(lo0[j], hi0[j], d0));
                    put::<STREAM, _>(&mut o1[j], scalar!(lo1[j], hi1[j], d1));
                }
            }

            /// `out.copy_from_slice(src)` with streaming stores, scalar ones up to a 32-byte
            /// boundary and after the last whole vector.
            #[target_feature(enable = "avx2")]
            pub(super) fn copy_stream(out: &mut [$t], src: &[$t]) {
                let n = out.len();
                let src = &src[..n];
                let mut i = 0;
                while i < n && out[i..].as_ptr() as usize % 32 != 0 {
                    put::<true, _>(&mut out[i], src[i]);
                    i += 1;
                }
                while i + $lanes <= n {
                    assert!(i + $lanes <= src.len());
                    // SAFETY: `i + lanes` is within `src` (asserted); an unaligned load.
                    let v = unsafe { $loadu(src.as_ptr().add(i)) };
                    store::<true>(out, i, v);
                    i += $lanes;
                }
                for j in i..n {
                    put::<true, _>(&mut out[j], src[j]);
                }
            }

            /// `out[i] = c[0] * x0[i] + c[1] * x1[i] + c[2] * x2[i]`, summed left to right
            /// (no FMA), streaming if `STREAM`.
            #[target_feature(enable = "avx2")]
            pub(super) fn three<const STREAM: bool>(
                out: &mut [$t],
                [x0, x1, x2]: [&[$t]; 3],
                c: [$t; 3],
            ) {
                let n = out.len();
                let (x0, x1, x2) = (&x0[..n], &x1[..n], &x2[..n]);
                let scalar = |i: usize| c[0] * x0[i] + c[1] * x1[i] + c[2] * x2[i];
                let mut i = 0;
                if STREAM {
                    while i < n && out[i..].as_ptr() as usize % 32 != 0 {
                        put::<STREAM, _>(&mut out[i], scalar(i));
                        i += 1;
                    }
                }
                let (c0, c1, c2) = ($set1(c[0]), $set1(c[1]), $set1(c[2]));
                while i + $lanes <= n {
                    assert!(
                        i + $lanes <= x0.len() && i + $lanes <= x1.len() && i + $lanes <= x2.len()
                    );
                    // SAFETY: `i + lanes` is within all three slices (asserted); unaligned.
                    let (a, b, d) = unsafe {
                        (
                            $loadu(x0.as_ptr().add(i)),
                            $loadu(x1.as_ptr().add(i)),
                            $loadu(x2.as_ptr().add(i)),
                        )
                    };
                    let v = $add($add($mul(c0, a), $mul(c1, b)), $mul(c2, d));
                    store::<STREAM>(out, i, v);
                    i += $lanes;
                }
                for j in i..n {
                    put::<STREAM, _>(&mut out[j], scalar(j));
                }
            }
        };
    }

    mod f64s {
        use super::*;
        kernels!(
            f64,
            4,
            __m256d,
            _mm256_set1_pd,
            _mm256_loadu_pd,
            _mm256_storeu_pd,
            _mm256_stream_pd,
            _mm256_sub_pd,
            _mm256_mul_pd,
            _mm256_div_pd,
            _mm256_add_pd
        );
    }
    mod f32s {
        use super::*;
        kernels!(
            f32,
            8,
            __m256,
            _mm256_set1_ps,
            _mm256_loadu_ps,
            _mm256_storeu_ps,
            _mm256_stream_ps,
            _mm256_sub_ps,
            _mm256_mul_ps,
            _mm256_div_ps,
            _mm256_add_ps
        );
    }

    macro_rules! entry {
        ($t:ty, $m:ident, $one_name:ident, $two_name:ident, $three_name:ident,
         $copy_name:ident) => {
            pub(super) fn $copy_name(out: &mut [$t], src: &[$t]) -> bool {
                if !std::is_x86_feature_detected!("avx2") {
                    return false;
                }
                assert!(src.len() == out.len());
                // SAFETY: the CPU has AVX2 (checked just above).
                unsafe { $m::copy_stream(out, src) };
                true
            }

            pub(super) fn $three_name(
                stream: bool,
                out: &mut [$t],
                x: [&[$t]; 3],
                c: [$t; 3],
            ) -> bool {
                if !std::is_x86_feature_detected!("avx2") {
                    return false;
                }
                assert!(x.iter().all(|s| s.len() == out.len()));
                // SAFETY: the CPU has AVX2 (checked just above).
                unsafe {
                    match stream {
                        true => $m::three::<true>(out, x, c),
                        false => $m::three::<false>(out, x, c),
                    }
                }
                true
            }

            pub(super) fn $one_name(
                stream: bool,
                out: &mut [$t],
                lo: &[$t],
                hi: &[$t],
                d: ($t, Option<$t>),
            ) -> bool {
                if !std::is_x86_feature_detected!("avx2") {
                    return false;
                }
                assert!(lo.len() == out.len() && hi.len() == out.len());
                // SAFETY: the CPU has AVX2 (checked just above).
                unsafe {
                    match (stream, d.1.is_some()) {
                        (true, true) => $m::one::<true, true>(out, lo, hi, d),
                        (true, false) => $m::one::<true, false>(out, lo, hi, d),
                        (false, true) => $m::one::<false, true>(out, lo, hi, d),
                        (false, false) => $m::one::<false, false>(out, lo, hi, d),
                    }
                }
                true
            }

            pub(super) fn $two_name(
                stream: bool,
                [o0, o1]: [&mut [$t]; 2],
                lo: [&[$t]; 2],
                hi: [&[$t]; 2],
                d: [($t, Option<$t>); 2],
            ) -> bool {
                if !std::is_x86_feature_detected!("avx2") || d[0].1.is_some() != d[1].1.is_some() {
                    return false;
                }
                let n = o0.len();
                assert!(o1.len() == n && lo.iter().chain(&hi).all(|s| s.len() == n));
                // Streaming side by side needs both outputs on the same 32-byte phase (one
                // scalar head aligns both); else each streams in its own loop, so that a
                // streaming call stores every point with streaming stores.
                if stream && (o0.as_ptr() as usize).abs_diff(o1.as_ptr() as usize) % 32 != 0 {
                    return $one_name(true, o0, lo[0], hi[0], d[0])
                        && $one_name(true, o1, lo[1], hi[1], d[1]);
                }
                let outs = [o0, o1];
                // SAFETY: the CPU has AVX2 (checked above).
                unsafe {
                    match (stream, d[0].1.is_some()) {
                        (true, true) => $m::two::<true, true>(outs, lo, hi, d),
                        (true, false) => $m::two::<true, false>(outs, lo, hi, d),
                        (false, true) => $m::two::<false, true>(outs, lo, hi, d),
                        (false, false) => $m::two::<false, false>(outs, lo, hi, d),
                    }
                }
                true
            }
        };
    }
    entry!(
        f64,
        f64s,
        quotients_f64,
        two_quotients_f64,
        three_point_f64,
        copy_f64
    );
    entry!(
        f32,
        f32s,
        quotients_f32,
        two_quotients_f32,
        three_point_f32,
        copy_f32
    );

    /// [`copy_f64`] for complex128 values, as twice as many `f64`.
    pub(super) fn copy_c128(out: &mut [Complex<f64>], src: &[Complex<f64>]) -> bool {
        let n = 2 * out.len();
        assert!(src.len() == out.len());
        // SAFETY: `Complex<f64>` is `#[repr(C)]` (re, im): `n` `f64` of the same alignment
        // fill each slice exactly, any bits are valid in both types, and `out` is borrowed
        // mutably for the new slice's lifetime.
        let (out, src) = unsafe {
            (
                std::slice::from_raw_parts_mut(out.as_mut_ptr().cast::<f64>(), n),
                std::slice::from_raw_parts(src.as_ptr().cast::<f64>(), n),
            )
        };
        copy_f64(out, src)
    }

    /// complex128 quotients: `Complex<f64>` is `#[repr(C)]` (re, im), so two of them fill
    /// a vector of four `f64`.
    mod c128 {
        use super::*;

        /// The quotients of the two complex numbers at `i`, `i + 1`.
        #[target_feature(enable = "avx2")]
        #[inline]
        fn pair(lo: &[Complex<f64>], hi: &[Complex<f64>], i: usize, d: ComplexDivisor) -> __m256d {
            assert!(i + 2 <= lo.len() && i + 2 <= hi.len());
            // SAFETY: elements `i, i + 1` are within both slices (asserted); a complex
            // number is two `f64` (`repr(C)`), so four `f64` are read from each; unaligned.
            let z = unsafe {
                _mm256_sub_pd(
                    _mm256_loadu_pd(hi.as_ptr().add(i).cast()),
                    _mm256_loadu_pd(lo.as_ptr().add(i).cast()),
                )
            };
            // In swapped order, with the operands in the scalar formula's order (which also
            // decides which NaN comes out): (im, re) -/+ (re * rat, im * rat) gives
            // (im - re * rat, re + im * rat); times scl, then swapped back.
            let products = _mm256_mul_pd(z, _mm256_set1_pd(d.rat));
            let sums = _mm256_addsub_pd(_mm256_permute_pd(z, 0b0101), products);
            _mm256_permute_pd(_mm256_mul_pd(sums, _mm256_set1_pd(d.scl)), 0b0101)
        }

        #[target_feature(enable = "avx2")]
        #[inline]
        fn store<const STREAM: bool>(out: &mut [Complex<f64>], i: usize, v: __m256d) {
            assert!(i + 2 <= out.len());
            let p = out[i..].as_mut_ptr().cast::<f64>();
            if STREAM {
                debug_assert_eq!(p as usize % 32, 0);
                // SAFETY: elements `i, i + 1` are within `out` (asserted), 32-byte aligned
                // (the callers' scalar heads).
                unsafe { _mm256_stream_pd(p, v) }
            } else {
                // SAFETY: elements `i, i + 1` are within `out` (asserted); unaligned.
                unsafe { _mm256_storeu_pd(p, v) }
            }
        }

        /// `out[i] = (hi[i] - lo[i]) / d`, streaming if `STREAM`.
        #[target_feature(enable = "avx2")]
        pub(in super::super) fn one<const STREAM: bool>(
            out: &mut [Complex<f64>],
            lo: &[Complex<f64>],
            hi: &[Complex<f64>],
            d: ComplexDivisor,
        ) {
            let n = out.len();
            let mut i = 0;
            if STREAM {
                while i < n && out[i..].as_ptr() as usize % 32 != 0 {
                    put::<STREAM, _>(&mut out[i], d.apply(hi[i] - lo[i]));
                    i += 1;
                }
            }
            while i + 2 <= n {
                if STREAM {
                    prefetch_ahead(hi, i);
                }
                store::<STREAM>(out, i, pair(lo, hi, i, d));
                i += 2;
            }
            for j in i..n {
                put::<STREAM, _>(&mut out[j], d.apply(hi[j] - lo[j]));
            }
        }

        /// The same for two outputs side by side (with `STREAM`, on one 32-byte phase).
        #[target_feature(enable = "avx2")]
        pub(in super::super) fn two<const STREAM: bool>(
            [o0, o1]: [&mut [Complex<f64>]; 2],
            [lo0, lo1]: [&[Complex<f64>]; 2],
            [hi0, hi1]: [&[Complex<f64>]; 2],
            [d0, d1]: [ComplexDivisor; 2],
        ) {
            let n = o0.len();
            let mut i = 0;
            if STREAM {
                while i < n && o0[i..].as_ptr() as usize % 32 != 0 {
                    put::<STREAM, _>(&mut o0[i], d0.apply(hi0[i] - lo0[i]));
                    put::<STREAM, _>(&mut o1[i], d1.apply(hi1[i] - lo1[i]));
                    i += 1;
                }
            }
            while i + 2 <= n {
                if STREAM {
                    // Either output's samples may be the ones from memory.
                    prefetch_ahead(hi0, i);
                    prefetch_ahead(hi1, i);
                }
                let (a, b) = (pair(lo0, hi0, i, d0), pair(lo1, hi1, i, d1));
                store::<STREAM>(o0, i, a);
                store::<STREAM>(o1, i, b);
                i += 2;
            }
            for j in i..n {
                put::<STREAM, _>(&mut o0[j], d0.apply(hi0[j] - lo0[j]));
                put::<STREAM, _>(&mut o1[j], d1.apply(hi1[j] - lo1[j]));
            }
        }
    }

    pub(super) fn quotients_c128(
        stream: bool,
        out: &mut [Complex<f64>],
        lo: &[Complex<f64>],
        hi: &[Complex<f64>],
        d: ComplexDivisor,
    ) -> bool {
        if !std::is_x86_feature_detected!("avx2") {
            return false;
        }
        assert!(lo.len() == out.len() && hi.len() == out.len());
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe {
            match stream {
                true => c128::one::<true>(out, lo, hi, d),
                false => c128::one::<false>(out, lo, hi, d),
            }
        }
        true
    }

    pub(super) fn two_quotients_c128(
        stream: bool,
        [o0, o1]: [&mut [Complex<f64>]; 2],
        lo: [&[Complex<f64>]; 2],
        hi: [&[Complex<f64>]; 2],
        d: [ComplexDivisor; 2],
    ) -> bool {
        if !std::is_x86_feature_detected!("avx2") {
            return false;
        }
        let n = o0.len();
        assert!(o1.len() == n && lo.iter().chain(&hi).all(|s| s.len() == n));
        // As for `f64`: outputs on different 32-byte phases stream in a loop each.
        if stream && (o0.as_ptr() as usize).abs_diff(o1.as_ptr() as usize) % 32 != 0 {
            return quotients_c128(true, o0, lo[0], hi[0], d[0])
                && quotients_c128(true, o1, lo[1], hi[1], d[1]);
        }
        let outs = [o0, o1];
        // SAFETY: the CPU has AVX2 (checked above).
        unsafe {
            match stream {
                true => c128::two::<true>(outs, lo, hi, d),
                false => c128::two::<false>(outs, lo, hi, d),
            }
        }
        true
    }
}

#[cfg(not(all(target_arch = "x86_64", not(gradient_no_dispatch))))]
mod arch {
    //! No vector loops on this target or build: every call is declined.
    use super::ComplexDivisor;
    use num_complex::Complex;
    pub(super) fn stream_any<O>(_: &mut O, _: O) -> bool {
        false
    }
    pub(super) fn copy_f64(_: &mut [f64], _: &[f64]) -> bool {
        false
    }
    pub(super) fn copy_f32(_: &mut [f32], _: &[f32]) -> bool {
        false
    }
    pub(super) fn copy_c128(_: &mut [Complex<f64>], _: &[Complex<f64>]) -> bool {
        false
    }
    pub(super) fn quotients_f64(
        _: bool,
        _: &mut [f64],
        _: &[f64],
        _: &[f64],
        _: (f64, Option<f64>),
    ) -> bool {
        false
    }
    pub(super) fn quotients_f32(
        _: bool,
        _: &mut [f32],
        _: &[f32],
        _: &[f32],
        _: (f32, Option<f32>),
    ) -> bool {
        false
    }
    pub(super) fn two_quotients_f64(
        _: bool,
        _: [&mut [f64]; 2],
        _: [&[f64]; 2],
        _: [&[f64]; 2],
        _: [(f64, Option<f64>); 2],
    ) -> bool {
        false
    }
    pub(super) fn two_quotients_f32(
        _: bool,
        _: [&mut [f32]; 2],
        _: [&[f32]; 2],
        _: [&[f32]; 2],
        _: [(f32, Option<f32>); 2],
    ) -> bool {
        false
    }
    pub(super) fn three_point_f64(_: bool, _: &mut [f64], _: [&[f64]; 3], _: [f64; 3]) -> bool {
        false
    }
    pub(super) fn three_point_f32(_: bool, _: &mut [f32], _: [&[f32]; 3], _: [f32; 3]) -> bool {
        false
    }
    pub(super) fn quotients_c128(
        _: bool,
        _: &mut [Complex<f64>],
        _: &[Complex<f64>],
        _: &[Complex<f64>],
        _: ComplexDivisor,
    ) -> bool {
        false
    }
    pub(super) fn two_quotients_c128(
        _: bool,
        _: [&mut [Complex<f64>]; 2],
        _: [&[Complex<f64>]; 2],
        _: [&[Complex<f64>]; 2],
        _: [ComplexDivisor; 2],
    ) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stores of an AVX2 sweep, streaming or not, whatever this process's variant (a
    /// streaming one's drop fences what it streamed).
    fn avx2_stores(stream: bool) -> Stores {
        Stores {
            variant: Variant::Avx2 {
                streams: Streams::AboveThreshold,
            },
            stream,
            not_send: PhantomData,
        }
    }

    /// Every variant this CPU can run gives the bits of the scalar formula, on every
    /// length and misalignment around a vector's width, both divisor kinds, with and
    /// without streaming.
    #[test]
    fn the_vector_loops_give_the_scalar_bits() {
        // Ordinary values, and now and then a signed zero, an infinity or a NaN (whose sign
        // the operand order decides).
        let special = [-0.0, f64::INFINITY, f64::NAN, -f64::NAN, 0.0];
        let data: Vec<f64> = (0..200)
            .map(|i| match i % 11 {
                3 => special[i % 5],
                _ => ((i * 7919) % 263) as f64 * 0.37 - 40.0,
            })
            .collect();
        let b64 = |v: &[f64]| -> Vec<u64> { v.iter().map(|x| x.to_bits()).collect() };
        let b32 = |v: &[f32]| -> Vec<u32> { v.iter().map(|x| x.to_bits()).collect() };
        let d32: Vec<f32> = data.iter().map(|&v| v as f32).collect();
        for stream in [false, true] {
            let stores = avx2_stores(stream);
            for div in [2.0, 0.3, 0.5] {
                for start in 0..9 {
                    for len in [0, 1, 3, 4, 5, 8, 9, 17, 33, 100] {
                        let (lo, hi) =
                            (&data[start..start + len], &data[start + 2..start + 2 + len]);
                        let want: Vec<f64> =
                            lo.iter().zip(hi).map(|(a, b)| (b - a) / div).collect();
                        let mut out = vec![0.0; len + 9];
                        let d = Divisor::new(div);
                        let done = quotients(&stores, &mut out[start..start + len], lo, hi, d);
                        if done {
                            assert_eq!(
                                b64(&out[start..start + len]),
                                b64(&want),
                                "f64 {div} {start} {len} {stream}"
                            );
                        }
                        assert_eq!(done, has_avx2());
                        let mut o1 = vec![0.0; len + 9];
                        let mut o0 = vec![0.0; len + 9];
                        let d1 = Divisor::new(div * 4.0);
                        let want1: Vec<f64> = lo
                            .iter()
                            .zip(hi)
                            .map(|(a, b)| (a - b) / (div * 4.0))
                            .collect();
                        let done = two_quotients(
                            &stores,
                            &mut o0[start..start + len],
                            &mut o1[1..1 + len],
                            (lo, hi, d),
                            (hi, lo, d1),
                        );
                        if done {
                            assert_eq!(b64(&o0[start..start + len]), b64(&want));
                            assert_eq!(b64(&o1[1..1 + len]), b64(&want1));
                        }
                        let (lo, hi) = (&d32[start..start + len], &d32[start + 2..start + 2 + len]);
                        let want: Vec<f32> = lo
                            .iter()
                            .zip(hi)
                            .map(|(a, b)| (b - a) / div as f32)
                            .collect();
                        let mut out = vec![0.0f32; len];
                        if quotients(&stores, &mut out, lo, hi, Divisor::new(div as f32)) {
                            assert_eq!(b32(&out), b32(&want), "f32 {div} {start} {len} {stream}");
                        }
                    }
                }
            }
        }
    }

    /// `copy` stores exactly `src`'s bits over exactly `out`, for each type it streams and
    /// one it does not, on every length and misalignment around a vector's width, with
    /// streaming stores and without; the elements around `out` keep theirs.
    #[test]
    fn copy_stores_the_source_bits_and_nothing_else() {
        // Values compared by their bits (`key`), so that NaNs compare too.
        fn check<O: 'static + Copy, K: PartialEq + std::fmt::Debug>(
            make: impl Fn(usize) -> O,
            key: impl Fn(O) -> K,
        ) {
            let src: Vec<O> = (0..120).map(&make).collect();
            for stream in [false, true] {
                let stores = avx2_stores(stream);
                for start in 0..9 {
                    for len in [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 100] {
                        let mut out = vec![make(1000); start + len + 9];
                        copy(&stores, &mut out[start..start + len], &src[3..3 + len]);
                        // The streaming loop itself, where it runs: `copy` would fall back
                        // to `copy_from_slice` if it declined.
                        let mut again = vec![make(1000); start + len + 9];
                        let streamed =
                            copy_streaming(&mut again[start..start + len], &src[3..3 + len]);
                        assert_eq!(streamed, has_avx2() && is_streamed::<O>(), "{start} {len}");
                        if streamed {
                            let again: Vec<K> = again.iter().map(|&v| key(v)).collect();
                            let out: Vec<K> = out.iter().map(|&v| key(v)).collect();
                            assert_eq!(again, out, "{start} {len}");
                        }
                        let got: Vec<K> = out.iter().map(|&v| key(v)).collect();
                        let want: Vec<K> = (0..out.len())
                            .map(|i| match i.checked_sub(start) {
                                Some(k) if k < len => key(src[3 + k]),
                                _ => key(make(1000)),
                            })
                            .collect();
                        assert_eq!(got, want, "{start} {len} {stream}");
                    }
                }
            }
        }
        // Whether `O` is a type `copy` streams.
        fn is_streamed<O: 'static>() -> bool {
            let o = TypeId::of::<O>();
            [
                TypeId::of::<f64>(),
                TypeId::of::<f32>(),
                TypeId::of::<Complex<f64>>(),
            ]
            .contains(&o)
        }
        // Any bits, NaNs of every payload among them.
        let f = |i: usize| f64::from_bits((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        check(f, f64::to_bits);
        check(|i| f(i) as f32, f32::to_bits);
        check(
            |i| Complex::new(f(2 * i), f(2 * i + 1)),
            |z| (z.re.to_bits(), z.im.to_bits()),
        );
        check(|i| i as u16, |v| v);
    }

    /// complex128: the bits of the portable quotient (numpy's complex division by `d + 0j`),
    /// signed zeros and infinities included, on every length and misalignment; zero and NaN
    /// divisors are declined. A NaN matches any NaN, as in the conformance tests: which
    /// operand's NaN the portable formula passes on is the optimiser's choice (LLVM does
    /// not keep NaN signs), so it differs between optimisation levels.
    #[test]
    fn the_complex_loops_give_the_portable_bits() {
        use crate::stencil::quotient;
        let specials = [
            0.0,
            -0.0,
            1.5,
            -2.25,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e308,
            -7.0,
        ];
        let values: Vec<Complex<f64>> = (0..120)
            .map(|i| {
                Complex::new(
                    specials[i % 9],
                    specials[(i * 5 + 2) % 9] + (i / 9) as f64 * 0.1,
                )
            })
            .collect();
        let bits = |v: &[Complex<f64>]| -> Vec<(u64, u64)> {
            let b = |x: f64| {
                if x.is_nan() {
                    f64::NAN.to_bits()
                } else {
                    x.to_bits()
                }
            };
            v.iter().map(|z| (b(z.re), b(z.im))).collect()
        };
        for stream in [false, true] {
            let stores = avx2_stores(stream);
            for div in [2.0, 0.7, -3.0, f64::INFINITY, 0.0, -0.0, f64::NAN] {
                let d = Divisor::new(div);
                for start in 0..5 {
                    for len in [0, 1, 2, 3, 5, 8, 33, 100] {
                        let (lo, hi) = (
                            &values[start..start + len],
                            &values[start + 7..start + 7 + len],
                        );
                        let want: Vec<_> = (lo.iter().zip(hi))
                            .map(|(&a, &b)| quotient::<Complex<f64>, Complex<f64>>(a, b, d))
                            .collect();
                        let mut out = vec![Complex::new(0.0, 0.0); len + 5];
                        let done = quotients(&stores, &mut out[start..start + len], lo, hi, d);
                        let declined = div == 0.0 || div.is_nan();
                        assert_eq!(done, has_avx2() && !declined, "{div}");
                        if done {
                            assert_eq!(
                                bits(&out[start..start + len]),
                                bits(&want),
                                "{div} {start} {len}"
                            );
                        }
                        let mut o0 = vec![Complex::new(0.0, 0.0); len + 5];
                        let mut o1 = vec![Complex::new(0.0, 0.0); len + 5];
                        let want1: Vec<_> = (lo.iter().zip(hi))
                            .map(|(&a, &b)| quotient::<Complex<f64>, Complex<f64>>(b, a, d))
                            .collect();
                        let done = two_quotients(
                            &stores,
                            &mut o0[start..start + len],
                            &mut o1[start..start + len],
                            (lo, hi, d),
                            (hi, lo, d),
                        );
                        if done {
                            assert_eq!(bits(&o0[start..start + len]), bits(&want));
                            assert_eq!(bits(&o1[start..start + len]), bits(&want1));
                        }
                    }
                }
            }
        }
    }

    /// Other types are declined: the caller's loop runs.
    #[test]
    fn other_types_are_declined() {
        let stores = Stores::for_sweep(0);
        let mut out = [0.0f64; 4];
        assert!(!quotients(
            &stores,
            &mut out,
            &[1u8; 4],
            &[2u8; 4],
            Divisor::new(2.0f64)
        ));
        assert!(!quotients(
            &stores,
            &mut out,
            &[1.0f64; 4],
            &[2.0f64; 4],
            Divisor::new(2.0f32)
        ));
    }

    /// Sizes as `NDGRADIENT_STREAM_BYTES` and sysfs write them.
    #[test]
    fn sizes_parse_as_written() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("4194304\n"), Some(4 << 20));
        assert_eq!(parse_size("48K"), Some(48 << 10));
        assert_eq!(parse_size(" 6M "), Some(6 << 20));
        assert_eq!(parse_size("2G"), Some(2 << 30));
        for bad in [
            "",
            "M",
            "-1",
            "1.5M",
            "4MB",
            "4k",
            "0x10",
            "99999999999999999999",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
        assert_eq!(parse_size(&format!("{}G", usize::MAX >> 20)), None);
    }

    /// `put` stores the value, every bit of it, with streaming stores and without, for
    /// the types it streams and for others.
    #[test]
    fn put_stores_the_value() {
        fn check<O: 'static + Copy>(values: &[O], zero: O, bits: impl Fn(&O) -> Vec<u64>) {
            for stream in [false, true] {
                let mut out = vec![zero; values.len()];
                let stores = avx2_stores(true);
                for (i, &v) in values.iter().enumerate() {
                    put(&stores, stream, &mut out, i, v);
                }
                drop(stores);
                let got: Vec<_> = out.iter().flat_map(&bits).collect();
                let want: Vec<_> = values.iter().flat_map(&bits).collect();
                assert_eq!(got, want, "stream {stream}");
            }
        }
        // Signed zeros, an infinity, a subnormal, NaNs with a payload and either sign.
        let nan = f64::from_bits(0xfff8_0000_dead_beef);
        let specials = [
            -0.0,
            f64::INFINITY,
            f64::MIN_POSITIVE / 2.0,
            1.0 / 3.0,
            nan,
            -nan,
        ];
        let f32_nan = f32::from_bits(0x7fc0_beef);
        let singles = [-0.0f32, f32::NEG_INFINITY, 1.0e-40, f32_nan, -f32_nan];
        check(&specials, 1.0, |v| vec![v.to_bits()]);
        check(&singles, 1.0, |v| vec![u64::from(v.to_bits())]);
        check(
            &specials.map(|v| Complex::new(v, -v)),
            Complex::new(1.0, 1.0),
            |v| vec![v.re.to_bits(), v.im.to_bits()],
        );
        check(
            &singles.map(|v| Complex::new(v, 1.0)),
            Complex::new(1.0f32, 1.0),
            |v| vec![u64::from(v.re.to_bits()), u64::from(v.im.to_bits())],
        );
        check(&[i16::MIN, 3], 1, |v| vec![*v as u64]);
    }

    /// The quotient loops stream where `quotients_stream` says: for samples, outputs and
    /// divisor of one precision among `f64`, `f32` and `Complex<f64>` (and for complex
    /// data a nonzero, non-NaN step), in a sweep that streams; elsewhere they decline and
    /// the caller's loops store the ordinary way.
    #[test]
    fn quotients_stream_names_the_streaming_loops() {
        let (ordinary, streaming) = (avx2_stores(false), avx2_stores(true));
        let two = Divisor::new(2.0f64);
        assert!(quotients_stream::<f64, f64, _>(&streaming, two));
        assert!(quotients_stream::<f32, f32, _>(
            &streaming,
            Divisor::new(2.0f32)
        ));
        assert!(quotients_stream::<Complex<f64>, Complex<f64>, _>(
            &streaming, two
        ));
        assert!(!quotients_stream::<f64, f64, _>(&ordinary, two));
        // Data of another type than the outputs, arithmetic in a wider type, complex64,
        // complex data on a zero or NaN step.
        assert!(!quotients_stream::<i16, f64, _>(&streaming, two));
        assert!(!quotients_stream::<f32, f32, _>(&streaming, two));
        let c64 = Divisor::new(2.0f32);
        assert!(!quotients_stream::<Complex<f32>, Complex<f32>, _>(
            &streaming, c64
        ));
        for d in [0.0, -0.0, f64::NAN] {
            let d = Divisor::new(d);
            assert!(!quotients_stream::<Complex<f64>, Complex<f64>, _>(
                &streaming, d
            ));
        }
        // Where it says so and the CPU has AVX2, the loops take the call; where it says
        // not, they decline it.
        if has_avx2() {
            let mut out = [0.0f64; 9];
            assert!(quotients(&streaming, &mut out, &[1.0; 9], &[2.0; 9], two));
            let mut out = [Complex::new(0.0, 0.0); 9];
            let z = [Complex::new(1.0, 1.0); 9];
            assert!(quotients(&streaming, &mut out, &z, &z, two));
            assert!(!quotients(&streaming, &mut out, &z, &z, Divisor::new(0.0)));
        }
    }
}
