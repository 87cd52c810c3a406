//! The large conformance cases of `tests/conformance/large.txt` (written by
//! `tests/conformance/generate.py`, whose "Large cases" section and the file's own header
//! describe the format): arrays past every size at which the library changes path, rows of
//! several 512-point blocks, short rows taken together across 8192-point groups, and arrays
//! large enough for 2 and 3 threads. Each input is rebuilt from its integer formula, passed
//! to `grad_gradient` in its recorded layout with every listed thread count, the outputs
//! both laid out like the input (the dense path when the input is dense) and interleaved
//! with a gap (the view path), and the digests of the outputs' bytes compared with numpy's.

use super::{Buf, F64, c_strides, dtype_name, f_strides, itemsize, last_error, out_dtype, show};
use gradient::ffi::{grad_gradient, grad_spacing};
use std::ffi::c_void;
use std::fmt::Write as _;
use std::path::Path;

/// Elements per digest (`DIGEST_CHUNK` in the generator).
const CHUNK: usize = 1 << 16;

/// The splitmix64 finaliser: a bijection of `u64`.
fn mix(mut z: u64) -> u64 {
    z ^= z >> 30;
    z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 27;
    z = z.wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The digest of `b`, as the generator defines it: the sum (mod 2^64) over the zero-padded
/// little-endian 64-bit words `w[j]` of `mix(w[j] ^ (j + 1) * 0x9E3779B97F4A7C15)`, mixed
/// with the byte count. A change of any one word always changes it.
fn digest(b: &[u8]) -> u64 {
    let sum = b.chunks(8).enumerate().fold(0u64, |s, (j, w)| {
        let mut word = [0u8; 8];
        word[..w.len()].copy_from_slice(w);
        let key = (j as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        s.wrapping_add(mix(u64::from_le_bytes(word) ^ key))
    });
    mix(sum ^ b.len() as u64)
}

/// `2^e`, exactly (normal range only).
fn pow2(e: i32) -> f64 {
    assert!((-1022..=1023).contains(&e));
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// `v(i) = (mix(seed + i) % m - m / 2) / 2^d`: exact in float64 (and float32 for the
/// values used), the same on every CPU.
fn value(i: u64, (seed, m, d): (u64, u64, i32)) -> f64 {
    let r = (mix(seed.wrapping_add(i)) % m) as i64 - (m / 2) as i64;
    r as f64 * pow2(-d)
}

enum Sp {
    Unit,
    Scalar(i32, f64),
    /// `x(k) = (c k + mix(seed + k) % m) / 2^d`
    Coords(u64, u64, u64, i32),
}

struct Large {
    label: String,
    dtype: i32,
    shape: Vec<usize>,
    layout: String,
    values: (u64, u64, i32),
    edge_order: i32,
    axes: Option<Vec<i32>>,
    spacing: Vec<Sp>,
    threads: Vec<usize>,
    /// Per output: numpy's chunk digests and samples (index, element bytes).
    digests: Vec<Vec<u64>>,
    samples: Vec<Vec<(usize, Vec<u8>)>>,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|p| u8::from_str_radix(&s[p..p + 2], 16).unwrap())
        .collect()
}

fn read_large(path: &Path) -> (String, Vec<Large>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run tests/conformance/generate.py to create it",
            path.display()
        )
    });
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(
        lines.next(),
        Some("GRADLARGE 1"),
        "unknown large.txt format"
    );
    let numpy = lines
        .next()
        .unwrap()
        .strip_prefix("numpy ")
        .unwrap()
        .to_string();
    let n: usize = lines
        .next()
        .unwrap()
        .strip_prefix("cases ")
        .unwrap()
        .parse()
        .unwrap();
    let mut cases = Vec::new();
    let mut case: Option<Large> = None;
    for line in lines {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let words: Vec<&str> = rest.split_whitespace().collect();
        let num = |k: usize| words[k].parse::<u64>().unwrap();
        if key == "case" {
            case = Some(Large {
                label: rest.to_string(),
                dtype: 0,
                shape: Vec::new(),
                layout: String::new(),
                values: (0, 0, 0),
                edge_order: 0,
                axes: None,
                spacing: Vec::new(),
                threads: Vec::new(),
                digests: Vec::new(),
                samples: Vec::new(),
            });
            continue;
        }
        let c = case.as_mut().expect("a line outside a case");
        match key {
            "dtype" => {
                c.dtype = match rest {
                    "f64" => 1,
                    "f32" => 2,
                    "c128" => 3,
                    "c64" => 4,
                    d => panic!("{}: dtype {d}", c.label),
                }
            }
            "shape" => c.shape = words.iter().map(|w| w.parse().unwrap()).collect(),
            "layout" => c.layout = rest.to_string(),
            "values" => c.values = (num(0), num(1), num(2) as i32),
            "edge_order" => c.edge_order = rest.parse().unwrap(),
            "axes" if rest == "all" => c.axes = None,
            "axes" => c.axes = Some(words.iter().map(|w| w.parse().unwrap()).collect()),
            "spacing" => c.spacing.push(match words[0] {
                "unit" => Sp::Unit,
                "scalar" => Sp::Scalar(1, words[1].parse().unwrap()),
                "f64" => Sp::Scalar(2, words[1].parse().unwrap()),
                "coords" => Sp::Coords(num(1), num(2), num(3), num(4) as i32),
                k => panic!("{}: spacing {k}", c.label),
            }),
            "threads" => c.threads = words.iter().map(|w| w.parse().unwrap()).collect(),
            "output" => {
                assert_eq!(num(0) as usize, c.digests.len());
                let d = words[1..].iter();
                c.digests
                    .push(d.map(|w| u64::from_str_radix(w, 16).unwrap()).collect());
            }
            "sample" => c.samples.push(
                words[1..]
                    .iter()
                    .map(|w| {
                        let (i, b) = w.split_once(':').unwrap();
                        (i.parse().unwrap(), hex(b))
                    })
                    .collect(),
            ),
            "end" => cases.push(case.take().unwrap()),
            k => panic!("large.txt: unknown line {k}"),
        }
    }
    assert!(case.is_none(), "large.txt: last case has no end");
    assert_eq!(cases.len(), n, "large.txt: case count");
    (numpy, cases)
}

/// Element positions, in C order of the logical array, of a view (origin and strides in
/// elements).
fn c_positions(shape: &[usize], origin: isize, strides: &[isize]) -> Vec<isize> {
    let count: usize = shape.iter().product();
    let mut out = Vec::with_capacity(count);
    let mut idx = vec![0usize; shape.len()];
    let mut p = origin;
    for _ in 0..count {
        out.push(p);
        for d in (0..shape.len()).rev() {
            idx[d] += 1;
            p += strides[d];
            if idx[d] < shape[d] {
                break;
            }
            p -= strides[d] * shape[d] as isize;
            idx[d] = 0;
        }
    }
    out
}

/// Input element `i` (C order) as little-endian bytes of the case's dtype.
fn element(case: &Large, i: usize, count: usize) -> Vec<u8> {
    let re = value(i as u64, case.values);
    let im = || value((count + i) as u64, case.values);
    match case.dtype {
        1 => re.to_le_bytes().to_vec(),
        2 => (re as f32).to_le_bytes().to_vec(),
        3 => [re.to_le_bytes(), im().to_le_bytes()].concat(),
        4 => [(re as f32).to_le_bytes(), (im() as f32).to_le_bytes()].concat(),
        _ => unreachable!(),
    }
}

/// The input buffer, element `[0..0]` and strides for the case's layout.
fn build_input(case: &Large) -> (Buf, isize, Vec<isize>) {
    let count: usize = case.shape.iter().product();
    let c = c_strides(&case.shape);
    let (len, origin, strides) = match case.layout.as_str() {
        "C" => (count, 0, c),
        "F" => (count, 0, f_strides(&case.shape)),
        "S" => {
            let mut s: Vec<isize> = c.iter().map(|s| 2 * s).collect();
            let origin = (case.shape[0] as isize - 1) * s[0];
            s[0] = -s[0];
            (2 * count, origin, s)
        }
        l => panic!("{}: layout {l}", case.label),
    };
    let isz = itemsize(case.dtype);
    let mut buf = Buf::new(len * isz, 0);
    let bytes = buf.bytes_mut();
    for (i, p) in c_positions(&case.shape, origin, &strides)
        .into_iter()
        .enumerate()
    {
        bytes[p as usize * isz..][..isz].copy_from_slice(&element(case, i, count));
    }
    (buf, origin, strides)
}

fn coordinates(n: usize, (c, seed, m, d): (u64, u64, u64, i32)) -> Vec<f64> {
    (0..n as u64)
        .map(|k| (c * k + mix(seed.wrapping_add(k)) % m) as f64 * pow2(-d))
        .collect()
}

/// Output `k`'s chunk digests.
fn digests(b: &[u8], osz: usize) -> Vec<u64> {
    b.chunks(CHUNK * osz).map(digest).collect()
}

/// Runs one case with `threads` threads and outputs laid out like the input (`alike`) or
/// interleaved with a gap; returns each output's bytes in C order, or the call's failure.
fn run(
    case: &Large,
    input: &(Buf, isize, Vec<isize>),
    threads: usize,
    alike: bool,
) -> Result<Vec<Vec<u8>>, String> {
    let ndim = case.shape.len();
    let count: usize = case.shape.iter().product();
    let (isz, osz) = (itemsize(case.dtype), itemsize(out_dtype(case.dtype)));
    let axes: Vec<usize> = match &case.axes {
        None => (0..ndim).collect(),
        Some(a) => a
            .iter()
            .map(|&a| a.rem_euclid(ndim as i32) as usize)
            .collect(),
    };
    let n_out = axes.len();
    let coords: Vec<Vec<f64>> = case
        .spacing
        .iter()
        .enumerate()
        .map(|(k, s)| match *s {
            Sp::Coords(c, seed, m, d) => coordinates(case.shape[axes[k]], (c, seed, m, d)),
            _ => Vec::new(),
        })
        .collect();
    let spacing: Vec<grad_spacing> = case
        .spacing
        .iter()
        .zip(&coords)
        .map(|(s, x)| {
            let (kind, h) = match *s {
                Sp::Unit => (0, 0.0),
                Sp::Scalar(kind, h) => (kind, h),
                Sp::Coords(..) => (4, 0.0),
            };
            grad_spacing {
                kind,
                dtype: if kind == 4 { F64 } else { 0 },
                h,
                coordinates: if kind == 4 {
                    x.as_ptr().cast()
                } else {
                    std::ptr::null()
                },
                length: x.len(),
                stride: 1,
            }
        })
        .collect();
    // Outputs: (buffer, origin, strides) each.
    let c = c_strides(&case.shape);
    let layouts: Vec<(usize, isize, Vec<isize>)> = (0..n_out)
        .map(|k| {
            if !alike {
                let gap = n_out as isize + 1;
                (0, k as isize, c.iter().map(|s| s * gap).collect())
            } else if case.layout == "F" {
                (k, 0, f_strides(&case.shape))
            } else {
                (k, 0, c.clone())
            }
        })
        .collect();
    let mut bufs: Vec<Buf> = if alike {
        (0..n_out).map(|_| Buf::new(count * osz, 0xA5)).collect()
    } else {
        vec![Buf::new(count * (n_out + 1) * osz, 0xA5)]
    };
    let out_ptrs: Vec<*mut c_void> = layouts
        .iter()
        .map(|(b, origin, _)| bufs[*b].at_mut(*origin, osz))
        .collect();
    let out_strides: Vec<isize> = layouts.iter().flat_map(|l| l.2.iter().copied()).collect();
    let explicit = !alike || case.layout == "F";
    let axes_arg = case.axes.as_deref();
    // SAFETY: every pointer describes memory owned above, valid for the extents given.
    let status = unsafe {
        grad_gradient(
            case.dtype,
            input.0.at(input.1, isz),
            ndim,
            case.shape.as_ptr(),
            input.2.as_ptr(),
            if spacing.is_empty() {
                std::ptr::null()
            } else {
                spacing.as_ptr()
            },
            spacing.len(),
            axes_arg.map_or(std::ptr::null(), <[i32]>::as_ptr),
            axes_arg.map_or(0, <[i32]>::len),
            case.edge_order,
            out_ptrs.as_ptr(),
            n_out,
            if explicit {
                out_strides.as_ptr()
            } else {
                std::ptr::null()
            },
            threads,
        )
    } as i32;
    if status != 0 {
        return Err(format!(
            "grad_gradient returned status {status}: {}",
            last_error()
        ));
    }
    Ok(layouts
        .iter()
        .map(|(b, origin, strides)| {
            let bytes = bufs[*b].bytes();
            if *strides == c {
                return bytes[..count * osz].to_vec();
            }
            // Interleaved: C order with every stride times the same gap (no position list).
            let gap = strides[ndim - 1] as usize;
            if strides.iter().zip(&c).all(|(&s, &c)| s == c * gap as isize) {
                let mut o = Vec::with_capacity(count * osz);
                for element in bytes[*origin as usize * osz..]
                    .chunks(gap * osz)
                    .take(count)
                {
                    o.extend_from_slice(&element[..osz]);
                }
                return o;
            }
            let mut o = Vec::with_capacity(count * osz);
            for p in c_positions(&case.shape, *origin, strides) {
                o.extend_from_slice(&bytes[p as usize * osz..][..osz]);
            }
            o
        })
        .collect())
}

/// What differs: the chunks, the samples (numpy's and ours), and the first element that
/// differs from `reference` (an earlier run of the case that gave numpy's digests).
fn explain(case: &Large, k: usize, got: &[u8], reference: Option<&[u8]>) -> String {
    let od = out_dtype(case.dtype);
    let osz = itemsize(od);
    let mut s = String::new();
    let ours = digests(got, osz);
    let bad: Vec<usize> = (0..ours.len())
        .filter(|&c| ours[c] != case.digests[k][c])
        .collect();
    let _ = writeln!(
        s,
        "    output {k}: digests differ in chunk(s) {bad:?} of {} elements each",
        CHUNK
    );
    for (i, want) in &case.samples[k] {
        let g = &got[i * osz..][..osz];
        let mark = if g == &want[..] { "" } else { "   <-- differs" };
        let _ = writeln!(
            s,
            "    output {k} element {i} (C order): numpy {}, ours {}{mark}",
            show(od, want),
            show(od, g)
        );
    }
    if let Some(r) = reference {
        if let Some(i) =
            (0..got.len() / osz).find(|&i| got[i * osz..][..osz] != r[i * osz..][..osz])
        {
            let _ = writeln!(
                s,
                "    first element that differs from the earlier run (which gave numpy's digests): \
                 {i} (C order): numpy {}, ours {}",
                show(od, &r[i * osz..][..osz]),
                show(od, &got[i * osz..][..osz])
            );
        }
    }
    s
}

/// The cases of `large.txt` with an even index (the test harness runs the two halves on
/// two threads).
#[test]
fn numpy_large_cases_even() {
    check_large_cases(0);
}

/// The cases of `large.txt` with an odd index.
#[test]
fn numpy_large_cases_odd() {
    check_large_cases(1);
}

/// Checks the cases of `large.txt` whose index has parity `parity`.
fn check_large_cases(parity: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/large.txt");
    let start = std::time::Instant::now();
    let (numpy, cases) = read_large(&path);
    let cases: Vec<Large> = (cases.into_iter().enumerate())
        .filter_map(|(i, case)| (i % 2 == parity).then_some(case))
        .collect();
    let mut failures = Vec::new();
    let mut failing_cases: Vec<&str> = Vec::new();
    let mut runs = 0;
    for case in &cases {
        let input = build_input(case);
        let osz = itemsize(out_dtype(case.dtype));
        let mut reference: Vec<Option<Vec<u8>>> = vec![None; case.digests.len()];
        for &threads in &case.threads {
            for alike in [true, false] {
                runs += 1;
                let what = format!(
                    "large case {:?}: {} shape {:?} layout {}, n_threads {threads}, outputs {}",
                    case.label,
                    dtype_name(case.dtype),
                    case.shape,
                    case.layout,
                    if alike {
                        "laid out like the input"
                    } else {
                        "interleaved with a gap"
                    }
                );
                let outs = match run(case, &input, threads, alike) {
                    Ok(o) => o,
                    Err(e) => {
                        failures.push(format!("{what}\n    {e}"));
                        if failing_cases.last() != Some(&case.label.as_str()) {
                            failing_cases.push(&case.label);
                        }
                        continue;
                    }
                };
                assert_eq!(outs.len(), case.digests.len(), "{what}: output count");
                let mut msg = String::new();
                for (k, got) in outs.into_iter().enumerate() {
                    // Bytes equal to an earlier run's, which had numpy's digests, have
                    // them too: only the first run of each output is digested in full.
                    if reference[k].as_ref() == Some(&got) {
                        continue;
                    }
                    if digests(&got, osz) == case.digests[k] {
                        reference[k].get_or_insert(got);
                    } else {
                        msg += &explain(case, k, &got, reference[k].as_deref());
                    }
                }
                if !msg.is_empty() {
                    failures.push(format!("{what}\n{msg}"));
                }
                if !msg.is_empty() && failing_cases.last() != Some(&case.label.as_str()) {
                    failing_cases.push(&case.label);
                }
            }
        }
    }
    eprintln!(
        "large cases of parity {parity}: {} cases, {runs} calls checked against numpy {numpy} in {:.2?}",
        cases.len(),
        start.elapsed()
    );
    for f in failures.iter().take(20) {
        eprintln!("{f}");
    }
    if !failures.is_empty() {
        eprintln!(
            "{} of {} large cases fail: {failing_cases:?}",
            failing_cases.len(),
            cases.len()
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} large-case calls disagree with numpy {numpy}",
        failures.len()
    );
}

#[test]
fn digest_and_formulas_match_the_generator() {
    // Values printed by the generator's own functions (digest, formula_values with the
    // cases' VALUES, formula_coords with XN), so that a drift between the two
    // implementations shows here first.
    assert_eq!(mix(0x9E37_79B9_7F4A_7C15), 0xE220_A839_7B1D_CDAF); // splitmix64(0)'s first output
    assert_eq!(digest(b""), 0);
    assert_eq!(digest(b"abc"), 0xb9c4_be1e_add2_d38b);
    assert_eq!(digest(&(0..20).collect::<Vec<u8>>()), 0x4822_6c62_3f52_dc26);
    let values = (0x6772_6164_6965_6E74, 1 << 20, 10);
    let v: Vec<f64> = (0..3).map(|i| value(i, values)).collect();
    assert_eq!(v, [-227.1484375, 437.866_210_937_5, -191.676_757_812_5]);
    assert_eq!(
        coordinates(4, (16, 7, 13, 4)),
        [0.6875, 1.3125, 2.5, 3.1875]
    );
}
