"""Benchmark: libgradient against numpy.gradient, hand-written C loops and the machine's
memory bandwidth, with the targets of the speed issue checked at the end.

Run it with `sh benches/run.sh` (which builds the release library and provides numpy and
matplotlib in .venv-bench). Every workload is timed side by side in one process: in each
repeat, numpy, the library (1 and 2 threads), the C loops and the bandwidth probes each run
once, in a fresh random order, and the medians are reported. Figures:

- time: median time per call;
- GB/s: (bytes of the input read once + bytes of all outputs) / time, as in
  shared/reference/performance.md (coordinate arrays are not counted);
- probe: the same traffic shape ("read one array, write k", the same bytes) with ordinary
  stores and with non-temporal stores, on the same buffers, in the same run; "% NT" is our
  GB/s over the non-temporal probe's;
- vs numpy: numpy's median time over ours;
- C loops (benches/probe.c, c_gradient; 2-D and 3-D C-ordered float64, and c_gradient_f32
  and c_gradient_c128 for the 2-D float32 and complex128 rows; unit spacing): numpy's
  all-axes gradient written by hand, one sweep, outputs side by side: plain C compiled
  -O3 -march=native, AVX2 intrinsics, AVX2 with non-temporal stores (each checked bit for
  bit against numpy first); "vs C" is their time over ours.

The library writes into outputs allocated (and touched) once; numpy allocates its own at
every call, as it must. Inputs and outputs are carved from one allocation, 1088 bytes
apart ("staggered"), except where a row says "consecutive" (separate np.empty calls).
At the end: each target with its measured figure, and the figure (ns per element against
size, 2^4 to 2^26 elements, 2-D arrays) written to benches/ns-per-element.png.
"""

import ctypes
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from timing import timed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB_PATH = os.environ.get("GRADIENT_LIBRARY", os.path.join(ROOT, "target", "release", "libgradient.so"))
LIB = ctypes.CDLL(LIB_PATH)

SIZE_T = ctypes.c_size_t
PTRDIFF = ctypes.c_ssize_t


class Spacing(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int32),
        ("dtype", ctypes.c_int32),
        ("h", ctypes.c_double),
        ("coordinates", ctypes.c_void_p),
        ("length", SIZE_T),
        ("stride", PTRDIFF),
    ]


LIB.grad_gradient.restype = ctypes.c_int32
LIB.grad_gradient.argtypes = [
    ctypes.c_int32, ctypes.c_void_p, SIZE_T, ctypes.POINTER(SIZE_T), ctypes.POINTER(PTRDIFF),
    ctypes.POINTER(Spacing), SIZE_T, ctypes.POINTER(ctypes.c_int32), SIZE_T, ctypes.c_int32,
    ctypes.POINTER(ctypes.c_void_p), SIZE_T, ctypes.POINTER(PTRDIFF), SIZE_T,
]
LIB.grad_last_error.restype = ctypes.c_char_p
GRAD_DTYPE_F64, GRAD_DTYPE_F32, GRAD_DTYPE_C128 = 1, 2, 3
DTYPE_CODES = {np.dtype(np.float64): GRAD_DTYPE_F64, np.dtype(np.float32): GRAD_DTYPE_F32,
               np.dtype(np.complex128): GRAD_DTYPE_C128}
KIND_UNIT, KIND_COORDINATES = 0, 4


def build_c(name, sources, extra):
    """Compiles a helper program or shared object with the system C compiler."""
    out = os.path.join(tempfile.gettempdir(), f"gradient-bench-{os.getpid()}-{name}")
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-O3", "-march=native", "-ffp-contract=off", "-std=c99", "-I", os.path.join(ROOT, "include")]
    subprocess.run(cmd + sources + ["-o", out] + extra, check=True)
    return out


PROBE = ctypes.CDLL(build_c("probe.so", [os.path.join(ROOT, "benches", "probe.c")],
                            ["-shared", "-fPIC", "-pthread"]))
PROBE.probe_ordinary.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), SIZE_T, SIZE_T]
PROBE.probe_streaming.argtypes = PROBE.probe_ordinary.argtypes
PROBE.probe_streaming.restype = ctypes.c_int
PROBE.probe_ordinary_2threads.argtypes = PROBE.probe_ordinary.argtypes
PROBE.probe_ordinary_2threads.restype = ctypes.c_int
PROBE.probe_streaming_2threads.argtypes = PROBE.probe_ordinary.argtypes
PROBE.probe_streaming_2threads.restype = ctypes.c_int
PROBE.c_gradient.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), SIZE_T,
                             ctypes.POINTER(SIZE_T), ctypes.c_int, SIZE_T, SIZE_T]
PROBE.c_gradient_2threads.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), SIZE_T,
                                      ctypes.POINTER(SIZE_T), ctypes.c_int]
PROBE.c_gradient_f32.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(SIZE_T),
                                 ctypes.c_int]
PROBE.c_gradient_c128.argtypes = PROBE.c_gradient_f32.argtypes
PROBE.probe_nonuniform.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, SIZE_T]
PROBE.probe_central.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), SIZE_T,
                                ctypes.POINTER(SIZE_T), SIZE_T]

def carve(shapes, order="C", stagger=1088, dtype=np.float64):
    """Arrays of `dtype` with the given shapes from one allocation, `stagger` bytes apart."""
    size = np.dtype(dtype).itemsize
    sizes = [int(np.prod(s)) * size for s in shapes]
    total = sum(sizes) + stagger * (len(shapes) + 1) + 64
    buf = np.empty(total, dtype=np.uint8)
    base = (-buf.ctypes.data) % 64
    arrays, at = [], base
    for shape, size in zip(shapes, sizes):
        a = np.ndarray(shape, dtype=dtype, buffer=buf, offset=at, order=order)
        arrays.append(a)
        at += size + stagger
    return arrays


def fill(a, seed):
    rng = np.random.default_rng(seed)
    a[...] = rng.standard_normal(a.shape)
    if a.dtype.kind == "c":
        a.imag = rng.standard_normal(a.shape)


class Call:
    """A prepared grad_gradient call on fixed arrays: every axis, or the listed `axes`
    (outs[k] receives the k-th requested axis)."""

    def __init__(self, f, outs, edge_order=1, coords=None, axes=None):
        ndim = f.ndim
        axes = list(range(ndim)) if axes is None else list(axes)
        n = len(axes)
        self.keep = [f, outs, coords]
        self.shape = (SIZE_T * ndim)(*f.shape)
        size = f.itemsize
        self.dtype = DTYPE_CODES[f.dtype]
        self.strides = (PTRDIFF * ndim)(*[s // size for s in f.strides])
        self.axes = (ctypes.c_int32 * n)(*axes)
        self.out = (ctypes.c_void_p * n)(*[o.ctypes.data for o in outs[:n]])
        self.out_strides = (PTRDIFF * (n * ndim))(*[s // size for o in outs[:n] for s in o.strides])
        spacing = (Spacing * n)()
        for i, k in enumerate(axes):
            if coords is not None and coords[k] is not None:
                x = coords[k]
                spacing[i] = Spacing(KIND_COORDINATES, GRAD_DTYPE_F64, 0.0, x.ctypes.data, len(x), x.strides[0] // 8)
            else:
                spacing[i] = Spacing(KIND_UNIT, 0, 0.0, None, 0, 0)
        self.spacing = spacing
        self.f = f.ctypes.data
        self.ndim = ndim
        self.n = n
        self.edge_order = edge_order

    def __call__(self, threads=1):
        status = LIB.grad_gradient(
            self.dtype, self.f, self.ndim, self.shape, self.strides, self.spacing, self.n,
            self.axes, self.n, self.edge_order, self.out, self.n, self.out_strides, threads,
        )
        if status != 0:
            raise RuntimeError(f"grad_gradient failed ({status}): {LIB.grad_last_error().decode()}")


def probes(f, outs, threads):
    """The bandwidth probes on the same buffers and byte count (any dtype: the bytes are
    taken as float64)."""
    flat_in = f.reshape(-1, order="A")
    ptrs = (ctypes.c_void_p * len(outs))(*[o.ctypes.data for o in outs])
    n = flat_in.nbytes // 8
    found = {
        "probe ordinary": lambda: PROBE.probe_ordinary(flat_in.ctypes.data, ptrs, len(outs), n),
        "probe NT": lambda: PROBE.probe_streaming(flat_in.ctypes.data, ptrs, len(outs), n),
    }
    if 2 in threads:
        found["probe ordinary 2 threads"] = (
            lambda: PROBE.probe_ordinary_2threads(flat_in.ctypes.data, ptrs, len(outs), n))
        found["probe NT 2 threads"] = (
            lambda: PROBE.probe_streaming_2threads(flat_in.ctypes.data, ptrs, len(outs), n))
    return found


C_VARIANTS = {"C plain": 0, "C AVX2": 1, "C AVX2+NT": 2}


def c_loops(f, outs, threads, check):
    """The hand-written C loops (C-ordered 2-D and 3-D float64, or 2-D float32; unit
    spacing, edge_order 1) on the same buffers, each checked against numpy's result `check`
    first."""
    ptrs = (ctypes.c_void_p * len(outs))(*[o.ctypes.data for o in outs])
    shape = (SIZE_T * f.ndim)(*f.shape)
    found = {}
    if f.dtype in (np.float32, np.complex128):
        loop = PROBE.c_gradient_f32 if f.dtype == np.float32 else PROBE.c_gradient_c128
        for name in ["C AVX2", "C AVX2+NT"]:
            v = C_VARIANTS[name]
            found[name] = (lambda v=v, loop=loop: loop(f.ctypes.data, ptrs, shape, v))
    else:
        for name, v in C_VARIANTS.items():
            found[name] = (lambda v=v: PROBE.c_gradient(f.ctypes.data, ptrs, f.ndim, shape, v, 0, f.shape[0]))
    if 2 in threads and f.dtype == np.float64:
        found["C AVX2+NT 2 threads"] = (
            lambda: PROBE.c_gradient_2threads(f.ctypes.data, ptrs, f.ndim, shape, 2))
    for name, run in found.items():
        for o in outs:
            o.fill(0.0)
        if not run():
            raise RuntimeError(f"{name}: the C loop is not built for this machine")
        check_equal(outs, check)
    return found


ROWS = []


def report(label, f, outs, med, ours_keys, numpy_key="numpy"):
    nbytes = f.nbytes + sum(o.nbytes for o in outs)
    gbs = lambda t: nbytes / t / 1e9
    nt = gbs(med["probe NT"]) if "probe NT" in med else float("nan")
    # The C loop to compare with: with streaming stores where the library streams (traffic
    # past the last-level cache), else with ordinary ones.
    streams = nbytes > stream_threshold()
    c_key = ("C AVX2+NT" if streams else "C AVX2") if "C AVX2" in med else None
    for key in ours_keys:
        t = med[key]
        c = med.get(c_key + " 2 threads" if key == "2 threads" else c_key, float("nan")) if c_key else 0
        ROWS.append((f"{label} [{key}]", t, gbs(t), gbs(med["probe ordinary"]), nt,
                     100 * gbs(t) / nt, med[numpy_key] / t if numpy_key in med else float("nan"),
                     c / t if c_key else float("nan")))
    for key in [k for k in med if k.startswith("C ")]:
        ROWS.append((f"{label} [{key}]", med[key], gbs(med[key]), gbs(med["probe ordinary"]), nt,
                     100 * gbs(med[key]) / nt, med[numpy_key] / med[key], float("nan")))
    print(f"  {label}: numpy {med[numpy_key]*1e3:.1f} ms, ours {med['1 thread']*1e3:.2f} ms", flush=True)


def check_equal(ours, theirs):
    theirs = theirs if isinstance(theirs, (tuple, list)) else (theirs,)
    for a, b in zip(ours, theirs):
        if not np.array_equal(a, b):
            raise AssertionError("outputs and numpy disagree")


def workload(label, shape, edge_order=1, coords_axis=None, repeats=7, threads=(1, 2), order="C",
             transpose=False, stagger=1088, consecutive=False, c=False, dtype=np.float64):
    ndim = len(shape)
    if consecutive:
        f = np.empty(shape, order=order, dtype=dtype)
        outs = [np.empty(shape, order=order, dtype=dtype) for _ in range(ndim)]
    else:
        f, *outs = carve([shape] * (ndim + 1), order=order, stagger=stagger, dtype=dtype)
    fill(f, 1)
    for o in outs:
        o.fill(0.0)
    if transpose:
        f, outs = f.T, [o.T for o in outs]
    coords = None
    varargs = ()
    if coords_axis is not None:
        x = np.cumsum(np.random.default_rng(2).uniform(0.5, 1.5, f.shape[coords_axis]))
        coords = [x if k == coords_axis else None for k in range(f.ndim)]
        varargs = tuple(x if k == coords_axis else 1.0 for k in range(f.ndim))
    want = np.gradient(f, *varargs, edge_order=edge_order)
    variants = {"numpy": lambda: np.gradient(f, *varargs, edge_order=edge_order)}
    if c:  # the C loops compute edge_order 1: checked against numpy's edge_order 1
        variants.update(c_loops(f, outs, threads, np.gradient(f)))
    call = Call(f, outs, edge_order, coords)
    for o in outs:
        o.fill(0.0)
    call()
    check_equal(outs, want)
    for t in threads:
        variants[f"{t} thread" + ("s" if t > 1 else "")] = (lambda t=t: call(t))
    variants.update(probes(f, outs, threads))
    if coords is not None and f.ndim == 1:
        variants["probe formula"] = (
            lambda: PROBE.probe_nonuniform(f.ctypes.data, coords[0].ctypes.data, outs[0].ctypes.data, f.size))
    del want
    med = timed(variants, repeats)
    report(label, f, outs, med, [k for k in variants if "thread" in k and not k.startswith(("probe", "C "))])
    med["GB"] = (f.nbytes + sum(o.nbytes for o in outs)) / 1e9
    return med


def parse_size(text):
    """Bytes from digits with an optional K, M or G suffix (sysfs's cache sizes, and
    NDGRADIENT_STREAM_BYTES), as ndgradient/src/simd.rs reads them; None if not a size."""
    text = text.strip()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    digits = text[:-1] if scale > 1 else text
    return int(digits) * scale if digits.isascii() and digits.isdigit() else None


def stream_threshold():
    """The traffic in bytes above which the library streams its stores: the environment's
    NDGRADIENT_STREAM_BYTES if it is a size, else the last-level cache (32 MiB if
    unknown), as ndgradient/src/simd.rs decides."""
    size = parse_size(os.environ.get("NDGRADIENT_STREAM_BYTES", ""))
    return size if size is not None else max((b for _, b in cache_sizes()), default=32 << 20)


def cache_sizes():
    """(name, bytes) of cpu0's data and unified caches, from Linux's sysfs."""
    found = []
    for index in range(8):
        base = f"/sys/devices/system/cpu/cpu0/cache/index{index}"
        try:
            kind = open(f"{base}/type").read().strip()
            level = open(f"{base}/level").read().strip()
            size = open(f"{base}/size").read().strip()
        except OSError:
            break
        if kind == "Instruction":
            continue
        if (n := parse_size(size)) is not None:
            found.append((f"L{level}", n))
    return found


def figure(path, quick):
    """ns per element against the number of elements (2-D float64 arrays, every axis, unit
    spacing, C order), 2^4 to 2^26, for numpy, us on 1 and 2 threads and the AVX2 C loop
    with ordinary and with non-temporal stores at every size; prints from which size on the
    C loop's non-temporal stores were at least as fast, beside the library's threshold."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes, lines = [], {}
    caches = cache_sizes()
    for k in range(4, 27, 2):
        shape = (1 << (k // 2), 1 << (k - k // 2))
        n = 1 << k
        f, *outs = carve([shape] * 3)
        fill(f, 1)
        call = Call(f, outs)
        ptrs = (ctypes.c_void_p * 2)(*[o.ctypes.data for o in outs])
        cshape = (SIZE_T * 2)(*shape)
        c_loop = lambda variant: PROBE.c_gradient(f.ctypes.data, ptrs, 2, cshape, variant, 0, shape[0])
        variants = {
            "numpy": lambda: np.gradient(f),
            "ours, 1 thread": lambda: call(1),
            "ours, 2 threads": lambda: call(2),
            "C loop (AVX2)": lambda: c_loop(1),
            "C loop (AVX2 + NT)": lambda: c_loop(2),
        }
        budget = 0.3 if quick else 1.0
        reps = int(max(3, min(3001, budget / 4 / max(n * 6e-9, 2e-5))))
        med = timed(variants, reps)
        sizes.append(n)
        for name, t in med.items():
            lines.setdefault(name, []).append(t / n * 1e9)
        print(f"  figure: 2^{k} elements, {reps} repeats", flush=True)
    # The smallest size from which on the C loop's non-temporal stores were never slower.
    nt_wins = [a <= b for a, b in zip(lines["C loop (AVX2 + NT)"], lines["C loop (AVX2)"])]
    first = next((i for i in range(len(sizes)) if all(nt_wins[i:])), None)
    if first is None:
        print("  figure: the C loop's non-temporal stores were slower at the largest size")
    else:
        print(f"  figure: the C loop's non-temporal stores were at least as fast from 2^{sizes[first].bit_length() - 1}"
              f" elements on ({24 * sizes[first] / 2**20:.2f} MiB of traffic); the library streams above "
              f"{stream_threshold() / 2**20:.2f} MiB (NDGRADIENT_STREAM_BYTES, else the last-level cache)")
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    for name, ys in lines.items():
        ax.plot(sizes, ys, marker="o", markersize=3, label=name)
    for name, b in caches:
        ax.axvline(b / 24, color="grey", linestyle=":", linewidth=1)
        text = f" {name} {b >> 10} KiB" if b < 1 << 20 else f" {name} {b >> 20} MiB"
        ax.text(b / 24, 0.02, text, rotation=90, va="bottom", fontsize=7, color="grey",
                transform=ax.get_xaxis_transform())
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("elements (2-D float64, all axes; caches marked where input + outputs fill them)")
    ax.set_ylabel("ns per element (median)")
    ax.set_title("gradient of a 2-D array, every axis", fontsize=10)
    ax.grid(True, which="major", linewidth=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return sizes, lines


def main():
    random.seed(0)
    quick = os.environ.get("GRADIENT_BENCH_QUICK") == "1"
    reps = 3 if quick else 9
    print(f"numpy {np.__version__}, library {LIB_PATH}", flush=True)
    r = {}
    r["2d1"] = workload("4096x4096 C, unit, eo1", (4096, 4096), repeats=reps, c=True)
    r["2d2"] = workload("4096x4096 C, unit, eo2", (4096, 4096), edge_order=2, repeats=reps, c=True)
    r["3d1"] = workload("256^3 C, unit, eo1", (256, 256, 256), repeats=reps, c=True)
    r["3d2"] = workload("256^3 C, unit, eo2", (256, 256, 256), edge_order=2, repeats=reps, c=True)
    r["2ds"] = workload("1000x1000 C, unit, eo1", (1000, 1000), repeats=5 * reps, c=True, threads=(1,))
    r["3ds"] = workload("64^3 C, unit, eo1", (64, 64, 64), repeats=5 * reps, c=True, threads=(1,))
    r["cons"] = workload("4096x4096 C, unit, eo1, consecutive", (4096, 4096), repeats=reps, consecutive=True,
                         threads=(1,))
    r["f"] = workload("4096x4096 Fortran order, unit", (4096, 4096), order="F", repeats=reps, threads=(1,))
    r["t"] = workload("4096x4096 transposed (C array .T)", (4096, 4096), transpose=True, repeats=reps,
                      threads=(1,))
    r["f32"] = workload("4096x4096 float32, unit", (4096, 4096), repeats=reps, threads=(1,), dtype=np.float32,
                        c=True)
    r["c128"] = workload("4096x4096 complex128, unit", (4096, 4096), repeats=reps, threads=(1,),
                         dtype=np.complex128, c=True)
    r["c2d"] = workload("4096x4096 C, coordinates on axis 0", (4096, 4096), coords_axis=0, repeats=reps)
    r["c3d"] = workload("256^3 C, coordinates on axis 0", (256, 256, 256), coords_axis=0, repeats=reps)
    r["c1d"] = workload("1-D 2^25, coordinates", (1 << 25,), coords_axis=0, repeats=max(3, reps // 2))

    small = np.arange(16.0) ** 2
    batches = []
    for _ in range(31):
        t0 = time.perf_counter()
        for _ in range(2000):
            np.gradient(small)
        batches.append((time.perf_counter() - t0) / 2000)
    numpy_small_ns = statistics.median(batches) * 1e9

    # The program records the library's soname (libgradient.so.0.MINOR), which cargo's
    # output directory does not hold: a private directory names LIB_PATH by it.
    with tempfile.TemporaryDirectory() as lib_dir:
        os.symlink(LIB_PATH, os.path.join(lib_dir, "libgradient.so"))
        soname = re.search(r"Library soname: \[(.+?)\]",
                           subprocess.run(["readelf", "-d", LIB_PATH], check=True,
                                          capture_output=True, text=True).stdout)
        if soname:
            os.symlink(LIB_PATH, os.path.join(lib_dir, soname.group(1)))
        calls = build_c("calls", [os.path.join(ROOT, "benches", "calls.c")],
                        ["-pthread", "-L", lib_dir, "-lgradient", "-Wl,-rpath," + lib_dir])
        env = dict(os.environ, LD_LIBRARY_PATH=lib_dir)
        call_out = subprocess.run([calls], check=True, capture_output=True, text=True,
                                  env=env).stdout
        os.unlink(calls)

    png = os.path.join(ROOT, "benches", "ns-per-element.png")
    figure(png, quick)

    print()
    print("'C / us': the hand-written C loop's time over ours (the AVX2 + NT loop where the traffic exceeds "
          "the last-level cache, else the AVX2 loop; above 1: we are faster)")
    print(f"{'workload':52} {'time':>9} {'GB/s':>6} {'probe ord':>9} {'probe NT':>8} {'% NT':>5} "
          f"{'vs numpy':>8} {'C / us':>7}")
    for label, t, gbs, pord, pnt, pct, ratio, vs_c in ROWS:
        c_text = f"{vs_c:6.2f}x" if vs_c == vs_c else ""
        print(f"{label:52} {t*1e3:7.2f}ms {gbs:6.1f} {pord:9.1f} {pnt:8.1f} {pct:5.0f} {ratio:7.1f}x {c_text:>7}")

    print()
    print("Targets (single thread unless said; 'C NT' = the AVX2 + non-temporal C loop, "
          "'C AVX2' = the AVX2 C loop, probe NT = read 1, write k with non-temporal stores):")
    results = []

    def target(text, value, ok):
        results.append(ok)
        print(f"  [{'met' if ok else 'MISSED'}] {text}: {value}")

    for key, label in [("2d1", "4096^2 eo1"), ("2d2", "4096^2 eo2"), ("3d1", "256^3 eo1"), ("3d2", "256^3 eo2")]:
        m = r[key]
        ours = m["1 thread"]
        target(f"{label} >= 6x numpy", f"{m['numpy'] / ours:.1f}x", m["numpy"] / ours >= 6)
        target(f"{label} within 10% of C NT", f"ours/C = {ours / m['C AVX2+NT']:.2f}",
               ours <= 1.10 * m["C AVX2+NT"])
        target(f"{label} >= 85% of probe NT", f"{100 * m['probe NT'] / ours:.0f}%",
               m["probe NT"] / ours >= 0.85)
    for key, label in [("2ds", "1000^2"), ("3ds", "64^3")]:
        m = r[key]
        target(f"{label} within 10% of C AVX2", f"ours/C = {m['1 thread'] / m['C AVX2']:.2f}",
               m["1 thread"] <= 1.10 * m["C AVX2"])
    for key, label, want in [("c2d", "2-D coordinates on axis 0", 7), ("c3d", "3-D coordinates on axis 0", 7),
                             ("c1d", "1-D 2^25 coordinates", 15)]:
        m = r[key]
        target(f"{label} >= {want}x numpy", f"{m['numpy'] / m['1 thread']:.1f}x",
               m["numpy"] / m["1 thread"] >= want)
    for key, label in [("f32", "float32 4096^2"), ("c128", "complex128 4096^2")]:
        m = r[key]
        target(f"{label} within 15% of probe NT's bandwidth", f"{100 * m['probe NT'] / m['1 thread']:.0f}%",
               m["probe NT"] / m["1 thread"] >= 0.85)
        print(f"  ({label}: the AVX2 + NT C loop in {label.split()[0]} reaches "
              f"{100 * m['probe NT'] / m['C AVX2+NT']:.0f}% of probe NT; ours/C = {m['1 thread'] / m['C AVX2+NT']:.2f})")
    for key, label in [("f", "Fortran order"), ("t", "transposed")]:
        ratio = r[key]["1 thread"] / r["2d1"]["1 thread"]
        target(f"{label} within 10% of C order (4096^2)", f"{ratio:.2f}", ratio <= 1.10)
    for key, label in [("2d1", "4096^2 eo1"), ("3d1", "256^3 eo1")]:
        m = r[key]
        gain = m["1 thread"] / m["2 threads"]
        target(f"{label}: 2 threads >= 1.3x 1 thread", f"{gain:.2f}x (probe NT {m['probe NT'] / m['probe NT 2 threads']:.2f}x, "
               f"probe ordinary {m['probe ordinary'] / m['probe ordinary 2 threads']:.2f}x, "
               f"C NT {m['C AVX2+NT'] / m['C AVX2+NT 2 threads']:.2f}x)", gain >= 1.3)
    print(f"  {sum(results)} of {len(results)} targets met")

    c1d = r["c1d"]
    print(f"1-D 2^25 coordinates: numpy's formula in C for this CPU (-O3 -march=native, widest "
          f"vectors): {c1d['probe formula'] * 1e3:.2f} ms, {c1d['numpy'] / c1d['probe formula']:.1f}x numpy; "
          f"ours on 1 thread {c1d['numpy'] / c1d['1 thread']:.1f}x")
    calls_figures = dict(line.split() for line in call_out.splitlines())
    print(f"16 doubles from C, side by side: grad_plan_execute on a plan made once "
          f"{calls_figures['small_plan_execute_ns']} ns, grad_gradient "
          f"{calls_figures['small_general_call_ns']} ns, grad_gradient_f64 "
          f"{calls_figures['small_f64_beside_ns']} ns per call "
          f"(numpy.gradient: {numpy_small_ns:.0f} ns)")
    print(f"start and join one thread (pthread, empty): {calls_figures['thread_ns']} ns")
    print(f"2 x GRAD_ELEMENTS_PER_THREAD doubles (1024x512), 1 thread: "
          f"{calls_figures['threshold_1_thread_us']} us, 2 threads: "
          f"{calls_figures['threshold_2_threads_us']} us")
    print(f"peak RSS growth during a 4096x4096 call (outputs preallocated): "
          f"{calls_figures['peak_rss_growth_kib']} KiB")
    print(f"figure: {os.path.relpath(png, ROOT)} (caches: "
          + ", ".join(f"{n} {b >> 10} KiB" for n, b in cache_sizes()) + ")")


if __name__ == "__main__":
    sys.exit(main())
