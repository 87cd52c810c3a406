"""Benchmark: libgradient against numpy.gradient and against the machine's memory bandwidth.

Run it with `sh benches/run.sh` (which builds the release library and provides numpy).
Every workload is timed side by side in one process: in each repeat, numpy, the library
(1 and 2 threads) and the bandwidth probes each run once, in a fresh random order, and the
medians are reported. Figures:

- time: median time per call;
- GB/s: (bytes of the input read once + bytes of all outputs) / time, as in
  shared/reference/performance.md (coordinate arrays are not counted);
- probe: the same traffic shape ("read one array, write k") with ordinary stores and with
  non-temporal stores, on the same buffers, in the same run; "% NT" is our GB/s over the
  non-temporal probe's;
- vs numpy: numpy's median time over ours.

After the table: two threads over one, for us and for the ordinary-store probe split
between two threads (what the memory system itself gains from a second core), and, for the
1-D coordinates case, numpy's formula compiled in C for this CPU's widest vectors (what its
divisions cost here, at best); for 4096x4096, 256^3 and 128^3, numpy's central difference
in C with the outputs written one block after another (as the library does in 3-D for rows
longer than half a block) and side by side (what the order of the writes costs here); and
each axis of 256^3 alone.

The library writes into outputs allocated (and touched) once; numpy allocates its own at
every call, as it must. Inputs and outputs are carved from one allocation, 1088 bytes
apart ("staggered"), except where a row says "consecutive" (separate np.empty calls:
on AMD Zen, 2^27-byte arrays then lie 2^27 + 4 KiB apart, which slows some loops).
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
GRAD_DTYPE_F64 = 1
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
PROBE.probe_nonuniform.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, SIZE_T]
PROBE.probe_central.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), SIZE_T,
                                ctypes.POINTER(SIZE_T), SIZE_T]
# The library's block length along a row, read from its source (src/core/fused.rs).
with open(os.path.join(ROOT, "src", "core", "fused.rs")) as source:
    LIBRARY_BLOCK = int(re.search(r"const BLOCK: usize = (\d+);", source.read()).group(1))


def carve(shapes, order="C", stagger=1088):
    """Arrays of float64 with the given shapes from one allocation, `stagger` bytes apart."""
    sizes = [int(np.prod(s)) * 8 for s in shapes]
    total = sum(sizes) + stagger * (len(shapes) + 1) + 64
    buf = np.empty(total, dtype=np.uint8)
    base = (-buf.ctypes.data) % 64
    arrays, at = [], base
    for shape, size in zip(shapes, sizes):
        a = np.ndarray(shape, dtype=np.float64, buffer=buf, offset=at, order=order)
        arrays.append(a)
        at += size + stagger
    return arrays


def fill(a, seed):
    a[...] = np.random.default_rng(seed).standard_normal(a.shape)


class Call:
    """A prepared grad_gradient call on fixed arrays: every axis, or the listed `axes`
    (outs[k] receives the k-th requested axis)."""

    def __init__(self, f, outs, edge_order=1, coords=None, axes=None):
        ndim = f.ndim
        axes = list(range(ndim)) if axes is None else list(axes)
        n = len(axes)
        self.keep = [f, outs, coords]
        self.shape = (SIZE_T * ndim)(*f.shape)
        self.strides = (PTRDIFF * ndim)(*[s // 8 for s in f.strides])
        self.axes = (ctypes.c_int32 * n)(*axes)
        self.out = (ctypes.c_void_p * n)(*[o.ctypes.data for o in outs[:n]])
        self.out_strides = (PTRDIFF * (n * ndim))(*[s // 8 for o in outs[:n] for s in o.strides])
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
            GRAD_DTYPE_F64, self.f, self.ndim, self.shape, self.strides, self.spacing, self.n,
            self.axes, self.n, self.edge_order, self.out, self.n, self.out_strides, threads,
        )
        if status != 0:
            raise RuntimeError(f"grad_gradient failed ({status}): {LIB.grad_last_error().decode()}")


def probes(f, outs, threads):
    flat_in = f.reshape(-1, order="A")
    ptrs = (ctypes.c_void_p * len(outs))(*[o.ctypes.data for o in outs])
    n = flat_in.size
    found = {
        "probe ordinary": lambda: PROBE.probe_ordinary(flat_in.ctypes.data, ptrs, len(outs), n),
        "probe NT": lambda: PROBE.probe_streaming(flat_in.ctypes.data, ptrs, len(outs), n),
    }
    if 2 in threads:
        found["probe ordinary 2 threads"] = (
            lambda: PROBE.probe_ordinary_2threads(flat_in.ctypes.data, ptrs, len(outs), n))
    return found


def timed(variants, repeats):
    """Median seconds per variant; each repeat runs every variant once, shuffled."""
    times = {name: [] for name in variants}
    for fn in variants.values():  # warm-up: page faults, caches, code
        fn()
    for _ in range(repeats):
        order = list(variants)
        random.shuffle(order)
        for name in order:
            t0 = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


ROWS = []


def report(label, f, outs, med, ours_keys, numpy_key="numpy"):
    nbytes = f.nbytes + sum(o.nbytes for o in outs)
    gbs = lambda t: nbytes / t / 1e9
    nt = gbs(med["probe NT"]) if "probe NT" in med else float("nan")
    for key in ours_keys:
        t = med[key]
        ROWS.append((f"{label} [{key}]", t, gbs(t), gbs(med["probe ordinary"]), nt,
                     100 * gbs(t) / nt, med[numpy_key] / t if numpy_key in med else float("nan")))
    print(f"  {label}: numpy {med[numpy_key]*1e3:.1f} ms" if numpy_key in med else f"  {label}", flush=True)


def check_equal(ours, theirs):
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    for a, b in zip(ours, theirs):
        if not np.array_equal(a, b):
            raise AssertionError("library and numpy disagree")


def central_probes(f, outs):
    """numpy's central differences in C on the same buffers (C order, unit spacing, interior):
    the outputs one LIBRARY_BLOCK-point block after another, and side by side."""
    ptrs = (ctypes.c_void_p * len(outs))(*[o.ctypes.data for o in outs])
    shape = (SIZE_T * f.ndim)(*f.shape)
    run = lambda block: PROBE.probe_central(f.ctypes.data, ptrs, f.ndim, shape, block)
    return {"probe central blocks": lambda: run(LIBRARY_BLOCK), "probe central side by side": lambda: run(0)}


def workload(label, shape, edge_order=1, coords_axis=None, repeats=7, threads=(1, 2), order="C",
             transpose=False, stagger=1088, consecutive=False, central=False):
    ndim = len(shape)
    if consecutive:
        f = np.empty(shape, order=order)
        outs = [np.empty(shape, order=order) for _ in range(ndim)]
    else:
        f, *outs = carve([shape] * (ndim + 1), order=order, stagger=stagger)
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
    call = Call(f, outs, edge_order, coords)
    call()
    check_equal(outs, np.gradient(f, *varargs, edge_order=edge_order))
    variants = {"numpy": lambda: np.gradient(f, *varargs, edge_order=edge_order)}
    for t in threads:
        variants[f"{t} thread" + ("s" if t > 1 else "")] = (lambda t=t: call(t))
    variants.update(probes(f, outs, threads))
    if central:
        variants.update(central_probes(f, outs))
    if coords is not None and f.ndim == 1:
        variants["probe formula"] = (
            lambda: PROBE.probe_nonuniform(f.ctypes.data, coords[0].ctypes.data, outs[0].ctypes.data, f.size))
    med = timed(variants, repeats)
    report(label, f, outs, med, [k for k in variants if "thread" in k and not k.startswith("probe")])
    return med


def one_axis_at_a_time(shape, repeats):
    """Each axis of a C-ordered array differentiated alone (1 thread), as a percentage of
    the one-output ordinary-store probe's speed on the same buffers."""
    f, *outs = carve([shape] * 2)
    fill(f, 1)
    outs[0].fill(0.0)
    variants = {f"axis {k}": Call(f, outs, axes=[k]) for k in range(len(shape))}
    variants["probe ordinary"] = probes(f, outs, ())["probe ordinary"]
    med = timed(variants, repeats)
    return {k: med["probe ordinary"] / t for k, t in med.items() if k.startswith("axis")}


def main():
    random.seed(0)
    quick = os.environ.get("GRADIENT_BENCH_QUICK") == "1"
    reps = 3 if quick else 9
    print(f"numpy {np.__version__}, library {LIB_PATH}", flush=True)
    results = {}
    results["c1"] = workload("4096x4096 C, unit, eo1", (4096, 4096), repeats=reps, central=True)
    results["c2"] = workload("4096x4096 C, unit, eo2", (4096, 4096), edge_order=2, repeats=reps)
    workload("4096x4096 C, unit, eo1, consecutive", (4096, 4096), repeats=reps, consecutive=True)
    workload("4000x4000 C, unit, eo1", (4000, 4000), repeats=reps)
    results["f"] = workload("4096x4096 Fortran order, unit", (4096, 4096), order="F", repeats=reps, threads=(1,))
    results["t"] = workload("4096x4096 transposed (C array .T)", (4096, 4096), transpose=True, repeats=reps, threads=(1,))
    results["c2d"] = workload("4096x4096 C, coordinates on axis 0", (4096, 4096), coords_axis=0, repeats=reps)
    results["c3"] = workload("256^3 C, unit, eo1", (256, 256, 256), repeats=reps, central=True)
    results["c3s"] = workload("128^3 C, unit, eo1", (128, 128, 128), repeats=reps, central=True,
                              threads=(1,))
    results["c3d"] = workload("256^3 C, coordinates on axis 0", (256, 256, 256), coords_axis=0, repeats=reps)
    results["c1d"] = workload("1-D 2^25, coordinates", (1 << 25,), coords_axis=0, repeats=max(3, reps // 2),
                              threads=(1, 2))

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

    print()
    print(f"{'workload':58} {'time':>9} {'GB/s':>6} {'probe ord':>9} {'probe NT':>8} {'% NT':>5} {'vs numpy':>8}")
    for label, t, gbs, pord, pnt, pct, ratio in ROWS:
        print(f"{label:58} {t*1e3:7.2f}ms {gbs:6.1f} {pord:9.1f} {pnt:8.1f} {pct:5.0f} {ratio:7.1f}x")
    c1 = results["c1"]["1 thread"]
    print()
    print(f"Fortran order / C order (1 thread): {results['f']['1 thread'] / c1:.2f}")
    print(f"transposed / C order (1 thread):    {results['t']['1 thread'] / c1:.2f}")
    print("2 threads over 1, ours and the ordinary-store probe's (the memory system's own gain):")
    for key, label in [("c1", "4096x4096 eo1"), ("c2", "4096x4096 eo2"), ("c2d", "4096x4096 coordinates"),
                       ("c3", "256^3 eo1"), ("c3d", "256^3 coordinates"), ("c1d", "1-D 2^25 coordinates")]:
        r = results[key]
        print(f"  {label:24} ours {r['1 thread'] / r['2 threads']:.2f}x, "
              f"probe {r['probe ordinary'] / r['probe ordinary 2 threads']:.2f}x")
    print(f"numpy's central difference in C (interior points, -O3 -march=native), the outputs one "
          f"{LIBRARY_BLOCK}-point block after another / side by side; ours on 1 thread:")
    for key, label in [("c1", "4096x4096"), ("c3", "256^3"), ("c3s", "128^3")]:
        r = results[key]
        print(f"  {label:10} {r['probe central blocks'] * 1e3:.2f} ms / "
              f"{r['probe central side by side'] * 1e3:.2f} ms; ours {r['1 thread'] * 1e3:.2f} ms")
    per_axis = one_axis_at_a_time((256, 256, 256), reps)
    print("256^3, one axis at a time (1 thread), % of the one-output ordinary-store probe: "
          + ", ".join(f"{k} {100 * v:.0f}%" for k, v in per_axis.items()))
    c1d = results["c1d"]
    print(f"1-D 2^25 coordinates: numpy's formula in C for this CPU (-O3 -march=native, widest "
          f"vectors): {c1d['probe formula'] * 1e3:.2f} ms, {c1d['numpy'] / c1d['probe formula']:.1f}x numpy; "
          f"ours on 1 thread {c1d['numpy'] / c1d['1 thread']:.1f}x")
    calls_figures = dict(line.split() for line in call_out.splitlines())
    print(f"grad_gradient_f64 on 16 doubles, from C: {calls_figures['small_call_ns']} ns per call "
          f"(numpy.gradient on 16 doubles: {numpy_small_ns:.0f} ns per call)")
    print(f"16 doubles from C, side by side: grad_plan_execute on a plan made once "
          f"{calls_figures['small_plan_execute_ns']} ns, grad_gradient "
          f"{calls_figures['small_general_call_ns']} ns, grad_gradient_f64 "
          f"{calls_figures['small_f64_beside_ns']} ns per call "
          f"(numpy.gradient: {numpy_small_ns:.0f} ns)")
    print(f"  the same with n_threads 8 (kept on one thread): "
          f"{calls_figures['small_call_8_threads_ns']} ns per call")
    print(f"start and join one thread (pthread, empty): {calls_figures['thread_ns']} ns")
    print(f"2 x GRAD_ELEMENTS_PER_THREAD doubles (1024x512), 1 thread: "
          f"{calls_figures['threshold_1_thread_us']} us, 2 threads: "
          f"{calls_figures['threshold_2_threads_us']} us")
    print(f"peak RSS growth during a 4096x4096 call (outputs preallocated): "
          f"{calls_figures['peak_rss_growth_kib']} KiB")


if __name__ == "__main__":
    sys.exit(main())
