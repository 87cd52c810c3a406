"""Writes numpy.gradient's results for the MATLAB/Octave and Julia bindings' tests:

    bindings/matlab/tests/golden_numpy.m   (an Octave/MATLAB function returning the cases)
    bindings/julia/test/golden.jl          (a Julia file defining GOLDEN, the same cases)

Each case is an array F (given by its size in MATLAB/Julia dimension order, column-major
values), one spacing per dimension (unit, a Python-float step, or a float64 coordinate
vector), an edge order, and numpy's derivative along every dimension of length at least
edge_order + 1 (numpy's arguments: the same array, axis = dimension - 1). Every number is
written as the hexadecimal pattern of its bits, so the files hold numpy's exact results.

Run with the repository's pinned numpy (the Python tests' .venv):
    .venv/bin/python bindings/make-golden.py            # rewrite both files
    .venv/bin/python bindings/make-golden.py --check    # exit 1 if a file differs
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MATLAB = ROOT / "bindings/matlab/tests/golden_numpy.m"
JULIA = ROOT / "bindings/julia/test/golden.jl"


def values(size, dtype, seed):
    """A reproducible array of ``size`` (column-major fill), exactly representable."""
    n = int(np.prod(size))
    k = np.arange(n, dtype=np.int64)
    v = ((k * 2654435761 + seed * 40503) % 1000) / 8.0 - 60.0
    if np.dtype(dtype).kind == "c":
        w = ((k * 40503 + seed * 2654435761) % 1000) / 16.0 - 30.0
        v = v + 1j * w
    return np.asarray(v, dtype=dtype).reshape(size, order="F")


def coords(n, seed):
    """Non-uniform increasing float64 coordinates."""
    k = np.arange(n)
    return np.cumsum(0.25 + ((k * 37 + seed * 11) % 7) * 0.3) + 0.1 * seed


# (name, size, dtype, spacing per dimension, edge order)
CASES = [
    ("row_unit_eo1", (1, 6), np.float64, ["unit", "unit"], 1),
    ("row_step_eo2", (1, 7), np.float64, ["unit", 0.3], 2),
    ("column_coords_eo2", (6, 1), np.float64, [("x", 1), "unit"], 2),
    ("matrix_mixed_eo1", (4, 5), np.float64, [("x", 2), 0.5], 1),
    ("matrix_mixed_eo2", (4, 5), np.float64, [("x", 3), 0.5], 2),
    ("cube_step_eo2", (3, 4, 5), np.float64, [0.3, 0.3, 0.3], 2),
    ("cube_coords_eo1", (3, 4, 5), np.float64, [("x", 4), 2.0, ("x", 5)], 1),
    ("complex_eo1", (4, 3), np.complex128, [0.25, ("x", 6)], 1),
    ("complex_eo2", (5, 3), np.complex128, [("x", 7), 0.7], 2),
    ("single_step_eo2", (4, 5), np.float32, [0.3, 0.3], 2),
    ("single_coords_eo1", (5, 4), np.float32, [("x", 8), ("x", 9)], 1),
    ("hyper_unit_eo1", (2, 3, 2, 3), np.float64, ["unit"] * 4, 1),
]


def build():
    out = []
    for seed, (name, size, dtype, spacing, eo) in enumerate(CASES):
        f = values(size, dtype, seed)
        sp = []
        for d, s in enumerate(spacing):
            if isinstance(s, tuple):
                sp.append(coords(size[d], s[1]))
            else:
                sp.append(s)
        derivs = {}
        for d in range(len(size)):
            if size[d] < eo + 1:
                continue
            arg = [] if isinstance(sp[d], str) else [sp[d]]
            derivs[d] = np.gradient(f, *arg, axis=d, edge_order=eo)
        out.append((name, size, np.dtype(dtype), sp, eo, f, derivs))
    return out


def hexes(a):
    """The bit patterns of a real array, column-major, as hex strings."""
    a = np.asarray(a)
    bits = a.ravel(order="F").view(np.uint64 if a.dtype.itemsize == 8 else np.uint32)
    width = a.dtype.itemsize * 2
    return [format(int(b), f"0{width}x") for b in bits]


def real_parts(a):
    if a.dtype.kind == "c":
        return a.real.copy(), a.imag.copy()
    return a, None


def matlab_array(a):
    """An Octave/MATLAB expression rebuilding ``a`` exactly."""
    precision = "single" if a.dtype in (np.float32, np.complex64) else "double"
    def one(part):
        cells = ", ".join(f"'{h}'" for h in hexes(part))
        size = "[" + " ".join(str(s) for s in a.shape) + "]"
        if a.ndim == 1:
            size = f"[{a.shape[0]} 1]"
        return f"reshape(hex2num({{{cells}}}, '{precision}'), {size})"
    re, im = real_parts(a)
    return one(re) if im is None else f"complex({one(re)}, {one(im)})"


def julia_array(a):
    """A Julia expression rebuilding ``a`` exactly."""
    t, u = ("Float32", "UInt32") if a.dtype in (np.float32, np.complex64) else ("Float64", "UInt64")
    shape = ", ".join(str(s) for s in a.shape)
    def one(part):
        items = ", ".join("0x" + h for h in hexes(part))
        return f"collect(reshape(reinterpret({t}, {u}[{items}]), {shape}))"
    re, im = real_parts(a)
    return one(re) if im is None else f"complex.({one(re)}, {one(im)})"


def write_matlab(cases):
    lines = [
        "function cases = golden_numpy()",
        "% GOLDEN_NUMPY  numpy.gradient's results (numpy " + np.__version__ + "), written by",
        "% bindings/make-golden.py: do not edit. Each case: F, spacing{d} per dimension",
        "% ('unit', a scalar step or coordinates), edge_order, and want{d}, numpy's",
        "% derivative along dimension d ([] where the dimension is too short).",
        "  cases = struct('name', {}, 'F', {}, 'spacing', {}, 'edge_order', {}, 'want', {});",
    ]
    for i, (name, size, dtype, sp, eo, f, derivs) in enumerate(cases, start=1):
        lines.append(f"  cases({i}).name = '{name}';")
        lines.append(f"  cases({i}).F = {matlab_array(f)};")
        lines.append(f"  cases({i}).edge_order = {eo};")
        spacing = []
        for s in sp:
            if isinstance(s, str):
                spacing.append("'unit'")
            elif np.ndim(s) == 0:
                spacing.append(f"hex2num('{hexes(np.float64(s))[0]}')")
            else:
                spacing.append(matlab_array(np.asarray(s)) + ".'")
        lines.append(f"  cases({i}).spacing = {{{', '.join(spacing)}}};")
        want = [matlab_array(derivs[d]) if d in derivs else "[]" for d in range(len(size))]
        lines.append(f"  cases({i}).want = {{{', '.join(want)}}};")
    lines.append("end")
    return "\n".join(lines) + "\n"


def write_julia(cases):
    lines = [
        "# numpy.gradient's results (numpy " + np.__version__ + "), written by",
        "# bindings/make-golden.py: do not edit. Each case: F, one spacing per dimension",
        "# (nothing for unit spacing, a Float64 step or a coordinate vector), the edge order,",
        "# and numpy's derivative along each dimension long enough for it (others: nothing).",
        "const GOLDEN = [",
    ]
    for name, size, dtype, sp, eo, f, derivs in cases:
        spacing = []
        for s in sp:
            if isinstance(s, str):
                spacing.append("nothing")
            elif np.ndim(s) == 0:
                spacing.append(f"reinterpret(Float64, 0x{hexes(np.float64(s))[0]})")
            else:
                spacing.append(julia_array(np.asarray(s)))
        want = [julia_array(derivs[d]) if d in derivs else "nothing" for d in range(len(size))]
        lines.append(f"    (name = \"{name}\", F = {julia_array(f)},")
        lines.append(f"     spacing = Any[{', '.join(spacing)}], edge_order = {eo},")
        lines.append(f"     want = Any[{', '.join(want)}]),")
    lines.append("]")
    return "\n".join(lines) + "\n"


def main():
    cases = build()
    files = {MATLAB: write_matlab(cases), JULIA: write_julia(cases)}
    if "--check" in sys.argv[1:]:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"{p.relative_to(ROOT)} differs from what bindings/make-golden.py writes "
                  f"with numpy {np.__version__}")
        if not stale:
            print(f"make-golden: {MATLAB.relative_to(ROOT)} and {JULIA.relative_to(ROOT)} are "
                  f"what bindings/make-golden.py writes with numpy {np.__version__}")
        sys.exit(1 if stale else 0)
    for p, text in files.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


if __name__ == "__main__":
    main()
