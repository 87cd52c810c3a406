"""Side-by-side timing of builds of the library on the same arrays: what a change to the
library gains or loses, measured in one process so that the machine's drift hits every
build alike. Run through `sh benches/run.sh --compare` (see there).

Usage: compare.py LIB.so LIB.so [...] [reps=N] [eo=2] [coords=K] [order=F] SHAPE [SHAPE ...]

Each SHAPE (for example 128x128x128) is an all-axes gradient of a C-ordered (or with
`order=F`, Fortran-ordered) float64 array on unit spacing, or with a coordinate array on
axis K (`coords=K`), carved as the benchmark's arrays are. Every build's outputs are
first checked against numpy.gradient, bit for bit; then each repeat runs every build once
in a shuffled order, and the median time per call of each build is printed, one line per
shape.
"""
import ctypes
import sys

import numpy as np

import bench


def main(argv):
    libs = [a for a in argv if a.endswith(".so")]
    opts = dict(a.split("=", 1) for a in argv if "=" in a)
    shapes = [tuple(int(x) for x in a.split("x")) for a in argv if a not in libs and "=" not in a]
    if len(libs) < 2 or not shapes:
        sys.exit(__doc__)
    edge_order, reps = int(opts.get("eo", 1)), int(opts.get("reps", 11))
    loaded = []
    for path in libs:
        lib = ctypes.CDLL(path)
        lib.grad_gradient.restype = bench.LIB.grad_gradient.restype
        lib.grad_gradient.argtypes = bench.LIB.grad_gradient.argtypes
        loaded.append(lib)
    for shape in shapes:
        f, *outs = bench.carve([shape] * (len(shape) + 1), order=opts.get("order", "C"))
        bench.fill(f, 1)
        coords, varargs = None, ()
        if "coords" in opts:
            axis = int(opts["coords"])
            x = np.cumsum(np.random.default_rng(2).uniform(0.5, 1.5, shape[axis]))
            coords = [x if k == axis else None for k in range(len(shape))]
            varargs = tuple(x if k == axis else 1.0 for k in range(len(shape)))
        call = bench.Call(f, outs, edge_order=edge_order, coords=coords)
        want = np.gradient(f, *varargs, edge_order=edge_order)
        want = want if isinstance(want, (list, tuple)) else [want]

        def with_lib(lib):
            def run():
                bench.LIB = lib  # Call uses the module's library
                call(1)
            return run

        variants = {f"{k}: {path}": with_lib(lib) for k, (path, lib) in enumerate(zip(libs, loaded))}
        for name, run in variants.items():
            for o in outs:
                o.fill(0.0)
            run()
            bench.check_equal(outs, tuple(want))
        med = bench.timed(variants, reps)
        print("x".join(map(str, shape)), f"order {opts.get('order', 'C')}", f"eo {edge_order}",
              f"coords {opts.get('coords', '-')}:",
              "  ".join(f"[{name.split(':')[0]}] {t * 1e3:.3f} ms" for name, t in med.items()),
              flush=True)
    for k, path in enumerate(libs):
        print(f"[{k}] {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
