//! The block entry points, `grad_block_halo` and `grad_options_set_block`, on fuzzed
//! blocks of fuzzed arrays: shapes of up to 3 axes (lengths 0 to 9), blocks anywhere (and,
//! sometimes, outside the array or with lists of the wrong length), halos exact, wider,
//! thinner, or reaching outside the array, every spacing form, edge orders valid and not,
//! both schemes, one axis or all, 1 to 3 threads.
//!
//! The halo a block needs is derived here independently, from numpy's formulas (which
//! samples each output reads), not from the library. numpy's own checks on the global
//! shape are those of the same plan without a block (the valid target checks them against
//! its own walk). Then:
//! - `grad_block_halo` returns INVALID_BLOCK for a block outside the array, else the
//!   whole-array plan's status, else OK with exactly the derived widths; on failure it
//!   writes nothing;
//! - `grad_plan_new` with the block returns INVALID_BLOCK first, then numpy's status, then
//!   HALO_TOO_SMALL for the first requested axis (before, then after) whose halo is
//!   thinner than derived, else OK; `grad_plan_execute` then writes the block of the
//!   whole-array result, bit for bit, reading only the exactly sized block-and-halo buffer
//!   (AddressSanitizer watches it); on failure the outputs are untouched.

use crate::harness::{in_library, last_error};
use crate::memory::status::*;
use crate::memory::{c_strides, for_each_index};
use crate::reader::Reader;
use crate::reference::same;
use gradient::ffi::{
    grad_block_halo, grad_options, grad_options_free, grad_options_new, grad_options_set_axes,
    grad_options_set_block, grad_options_set_edge_order, grad_options_set_scheme,
    grad_options_set_spacing, grad_options_set_threads, grad_plan, grad_plan_execute,
    grad_plan_free, grad_plan_new, grad_spacing,
};
use std::ffi::c_void;
use std::ptr::{null, null_mut};

/// `GRAD_DTYPE_F64` and the spacing kinds used here.
const F64: i32 = 1;
const SCALAR: i32 = 1;
const COORDINATES: i32 = 4;

/// A sentinel no computation produces.
const SENTINEL: u64 = 0x7FF4_DEAD_BEEF_0002;

/// One fuzzed block case.
#[derive(Debug)]
pub struct BlockCase {
    global: Vec<usize>,
    data: Vec<f64>,
    start: Vec<usize>,
    len: Vec<usize>,
    /// Halo widths as given (after the fuzzed adjustments).
    before: Vec<usize>,
    after: Vec<usize>,
    /// Extra entries on every list given to `grad_options_set_block` (a wrong ndim).
    extra_axes: usize,
    edge_order: i32,
    scheme: i32,
    /// `None`: every axis.
    axis: Option<i32>,
    /// 0 unit, 1 one scalar, 2 one entry per requested axis.
    spacing_form: u8,
    steps: Vec<f64>,
    coords: Vec<Option<Vec<f64>>>,
    threads: usize,
}

/// Decodes a case from fuzzer bytes.
pub fn decode(data: &[u8]) -> BlockCase {
    let mut r = Reader::new(data);
    let ndim = 1 + r.below(3);
    let global: Vec<usize> = (0..ndim).map(|_| r.below(10)).collect();
    let count: usize = global.iter().product();
    let data: Vec<f64> = (0..count).map(|_| r.float()).collect();
    let mut start = Vec::new();
    let mut len = Vec::new();
    for &n in &global {
        let s = r.below(n + 1);
        let l = r.below(n - s + 1);
        match r.one_in(24) {
            true => {
                // Outside the array (INVALID_BLOCK).
                start.push(s + r.below(3));
                len.push(l + 1 + r.below(3));
            }
            false => {
                start.push(s);
                len.push(l);
            }
        }
    }
    let edge_order = r.pick(&[1, 2, 1, 2, 1, 2, 0, 3]);
    let scheme = r.pick(&[0, 0, 0, 1, 2]);
    let axis = match r.one_in(3) {
        true => Some(r.below(ndim + 2) as i32 - ndim as i32),
        false => None,
    };
    let requested = axis.map_or(ndim, |_| 1);
    let spacing_form = r.pick(&[0u8, 1, 2, 2]);
    let steps: Vec<f64> = (0..requested).map(|_| r.float()).collect();
    let coords = (0..requested)
        .map(|i| {
            let axis_len = match axis {
                Some(a) => global.get(a.rem_euclid(ndim as i32) as usize).copied(),
                None => Some(global[i]),
            };
            let n = axis_len.unwrap_or(2) + usize::from(r.one_in(16));
            r.one_in(2).then(|| match r.below(3) {
                0 => (0..n).map(|k| k as f64 * 0.5).collect(),
                _ => {
                    let mut x = 0.0;
                    (0..n)
                        .map(|_| {
                            x += 0.25 + r.below(8) as f64 * 0.125;
                            x
                        })
                        .collect()
                }
            })
        })
        .collect();
    let extra_axes = usize::from(r.one_in(24));
    let threads = 1 + r.below(3);
    let mut case = BlockCase {
        global,
        data,
        start,
        len,
        before: vec![],
        after: vec![],
        extra_axes,
        edge_order,
        scheme,
        axis,
        spacing_form,
        steps,
        coords,
        threads,
    };
    // Halos: the derived widths (0 where not derivable), adjusted.
    let (need_before, need_after) = case.needed();
    for k in 0..ndim {
        let adjust = |r: &mut Reader, need: usize| match r.below(6) {
            0 => need.saturating_sub(1),
            1 => need + r.below(3),
            _ => need,
        };
        case.before.push(adjust(&mut r, need_before[k]));
        case.after.push(adjust(&mut r, need_after[k]));
    }
    case
}

impl BlockCase {
    fn ndim(&self) -> usize {
        self.global.len()
    }

    /// Whether the block lies in the array.
    fn block_inside(&self) -> bool {
        (0..self.ndim()).all(|k| self.start[k] + self.len[k] <= self.global[k])
    }

    /// Whether the halo as given lies in the array too.
    fn halo_inside(&self) -> bool {
        (0..self.ndim()).all(|k| {
            self.before[k] <= self.start[k]
                && self.start[k] + self.len[k] + self.after[k] <= self.global[k]
        })
    }

    /// The requested axes, non-negative (`None` if out of bounds).
    fn axes(&self) -> Option<Vec<usize>> {
        let ndim = self.ndim() as i32;
        match self.axis {
            None => Some((0..self.ndim()).collect()),
            Some(a) if (-ndim..ndim).contains(&a) => Some(vec![a.rem_euclid(ndim) as usize]),
            Some(_) => None,
        }
    }

    /// The halo each side of each axis, from the samples numpy's formulas read: output `j`
    /// of an axis of `n` reads `j - 1` and `j + 1` inside, `0, 1` (`0, 1, 2` with edge
    /// order 2) at `j = 0`, the mirror image at `j = n - 1`, and nothing when `n` is 1 (the
    /// MATLAB scheme's zero). Zero where the block is empty or outside the array.
    fn needed(&self) -> (Vec<usize>, Vec<usize>) {
        let ndim = self.ndim();
        let (mut before, mut after) = (vec![0; ndim], vec![0; ndim]);
        let empty = (0..ndim).any(|k| self.len[k] == 0);
        if !self.block_inside() || empty {
            return (before, after);
        }
        let eo = if self.edge_order == 2 { 2 } else { 1 };
        for k in self.axes().unwrap_or_default() {
            let n = self.global[k];
            let (s, e) = (self.start[k], self.start[k] + self.len[k]);
            let (mut lo, mut hi) = (s, e);
            for j in s..e {
                let reads: Vec<usize> = match j {
                    _ if n == 1 => vec![j],
                    0 => (0..=eo.min(n - 1)).collect(),
                    j if j == n - 1 => ((n - 1).saturating_sub(eo)..n).collect(),
                    j => vec![j - 1, j + 1],
                };
                lo = lo.min(reads.iter().copied().min().unwrap_or(j));
                hi = hi.max(reads.iter().copied().max().unwrap_or(j) + 1);
            }
            (before[k], after[k]) = (s - lo, hi - e);
        }
        (before, after)
    }

    /// Options for this case (no block), `spacing` kept alive by the caller.
    ///
    /// # Safety
    /// `spacing` outlives the call (the options copy it).
    unsafe fn options(&self, spacing: &[grad_spacing]) -> *mut grad_options {
        let mut o: *mut grad_options = null_mut();
        // SAFETY: valid pointers for the counts given.
        unsafe {
            assert_eq!(grad_options_new(&mut o) as i32, OK);
            assert_eq!(grad_options_set_edge_order(o, self.edge_order) as i32, OK);
            let scheme = grad_options_set_scheme(o, self.scheme) as i32;
            assert_eq!(scheme, if self.scheme <= 1 { OK } else { INVALID_SCHEME });
            assert_eq!(grad_options_set_threads(o, self.threads) as i32, OK);
            if let Some(a) = self.axis {
                assert_eq!(grad_options_set_axes(o, &a, 1) as i32, OK);
            }
            assert_eq!(
                grad_options_set_spacing(o, spacing.as_ptr(), spacing.len()) as i32,
                OK
            );
        }
        o
    }

    fn spacing(&self) -> Vec<grad_spacing> {
        let step = |h: f64| grad_spacing {
            kind: SCALAR,
            dtype: 0,
            h,
            coordinates: null(),
            length: 0,
            stride: 0,
        };
        match self.spacing_form {
            0 => vec![],
            1 => vec![step(self.steps[0])],
            _ => (self.coords.iter().zip(&self.steps))
                .map(|(c, &h)| match c {
                    Some(x) => grad_spacing {
                        kind: COORDINATES,
                        dtype: F64,
                        h: 0.0,
                        coordinates: x.as_ptr().cast(),
                        length: x.len(),
                        stride: 1,
                    },
                    None => step(h),
                })
                .collect(),
        }
    }

    /// Runs the case and checks every outcome; panics (a finding) on any mismatch.
    pub fn run(&self) {
        if self.scheme > 1 {
            // The scheme setter's own check; nothing else to do with these options.
            // SAFETY: no spacing array is read.
            unsafe { grad_options_free(self.options(&[])) };
            return;
        }
        let ndim = self.ndim();
        let spacing = self.spacing();
        // SAFETY: `spacing` and every array below live for the calls; everything made is
        // freed.
        unsafe {
            let options = self.options(&spacing);
            // The whole array: numpy's checks and the result.
            let count: usize = self.global.iter().product();
            let mut whole_plan: *mut grad_plan = null_mut();
            let numpy = grad_plan_new(
                &mut whole_plan,
                F64,
                ndim,
                self.global.as_ptr(),
                null(),
                null(),
                options,
            ) as i32;
            let requested = self.axes().map_or(0, |a| a.len());
            let mut whole = vec![vec![0.0f64; count]; requested];
            if numpy == OK {
                let outs: Vec<*mut c_void> =
                    whole.iter_mut().map(|w| w.as_mut_ptr().cast()).collect();
                let f = self.data.as_ptr().cast();
                let s = in_library(|| grad_plan_execute(whole_plan, f, outs.as_ptr(), requested));
                assert_eq!(s as i32, OK, "{}", last_error());
                grad_plan_free(whole_plan);
            }
            // The halo query.
            let (need_before, need_after) = self.needed();
            let (mut hb, mut ha) = (vec![usize::MAX; ndim], vec![usize::MAX; ndim]);
            let s = grad_block_halo(
                options,
                ndim,
                self.global.as_ptr(),
                self.start.as_ptr(),
                self.len.as_ptr(),
                hb.as_mut_ptr(),
                ha.as_mut_ptr(),
            ) as i32;
            let inside = self.block_inside();
            let want = if !inside { INVALID_BLOCK } else { numpy };
            assert_eq!(s, want, "grad_block_halo: {} {self:?}", last_error());
            match s {
                OK => assert_eq!((&hb, &ha), (&need_before, &need_after), "{self:?}"),
                _ => assert!(hb.iter().chain(&ha).all(|&v| v == usize::MAX)),
            }
            // The block's plan.
            let lists = ndim + self.extra_axes;
            let pad = |v: &[usize]| -> Vec<usize> {
                (0..lists).map(|k| v.get(k).copied().unwrap_or(0)).collect()
            };
            let (g, st, b, a) = (
                pad(&self.global),
                pad(&self.start),
                pad(&self.before),
                pad(&self.after),
            );
            let s = grad_options_set_block(
                options,
                lists,
                g.as_ptr(),
                st.as_ptr(),
                b.as_ptr(),
                a.as_ptr(),
            );
            assert_eq!(s as i32, OK);
            let mut plan: *mut grad_plan = null_mut();
            let s = grad_plan_new(
                &mut plan,
                F64,
                ndim,
                self.len.as_ptr(),
                null(),
                null(),
                options,
            ) as i32;
            let thin = self
                .axes()
                .unwrap_or_default()
                .into_iter()
                .any(|k| self.before[k] < need_before[k] || self.after[k] < need_after[k]);
            let want = match () {
                _ if self.extra_axes > 0 || !inside || !self.halo_inside() => INVALID_BLOCK,
                _ if numpy != OK => numpy,
                _ if thin => HALO_TOO_SMALL,
                _ => OK,
            };
            assert_eq!(s, want, "grad_plan_new: {} {self:?}", last_error());
            grad_options_free(options);
            if s != OK {
                assert!(plan.is_null());
                return;
            }
            // The input: exactly the block and its halo, C order, in its own allocation.
            let in_shape: Vec<usize> = (0..ndim)
                .map(|k| self.before[k] + self.len[k] + self.after[k])
                .collect();
            // C-order offsets in the whole array of index `idx` of a box whose first
            // element is at global index `corner`.
            let strides = c_strides(&self.global);
            let at = |idx: &[usize], corner: &[usize]| -> usize {
                (0..ndim)
                    .map(|k| (corner[k] + idx[k]) * strides[k] as usize)
                    .sum()
            };
            let corner: Vec<usize> = (0..ndim).map(|k| self.start[k] - self.before[k]).collect();
            let mut input = Vec::with_capacity(in_shape.iter().product());
            for_each_index(&in_shape, |idx| input.push(self.data[at(idx, &corner)]));
            let n_block: usize = self.len.iter().product();
            let mut out = vec![vec![SENTINEL; n_block]; requested];
            let outs: Vec<*mut c_void> = out.iter_mut().map(|o| o.as_mut_ptr().cast()).collect();
            let f = input.as_ptr().cast();
            let s = in_library(|| grad_plan_execute(plan, f, outs.as_ptr(), requested));
            assert_eq!(s as i32, OK, "{}", last_error());
            grad_plan_free(plan);
            for (o, w) in out.iter().zip(&whole) {
                let mut got = o.iter();
                for_each_index(&self.len, |idx| {
                    let (got, want) = (
                        f64::from_bits(*got.next().unwrap()),
                        w[at(idx, &self.start)],
                    );
                    assert!(
                        same(got, want),
                        "block element {idx:?}: {got} != {want}; {self:?}"
                    );
                });
            }
        }
    }
}
