/* Memory layouts: every result equals a plain C reference computed on a contiguous copy.
 *
 * Inputs are stored C-ordered, Fortran-ordered, strided (gaps between elements and rows),
 * with negative strides, with a rotated axis order (a transpose), all of these mixed, and
 * broadcast (a zero stride). Outputs are stored C-ordered, Fortran-ordered, strided with
 * negative strides, and interleaved (the components of one (..., n_out) array). Axes are
 * requested in subsets, in any order, and negative. Spacing is none, one scalar for every
 * axis, or one per axis (scalar steps and coordinate arrays, some stored strided or
 * reversed). Calls run with n_threads 0, and the float64 edge_order-2 ones also with
 * n_threads 3, which must give identical bits.
 *
 * The reference (ref_* below) is numpy's formulas written out in C, evaluated on a
 * contiguous copy of the input, one line at a time. This file is compiled with
 * -ffp-contract=off, so its arithmetic rounds exactly as written. The test also checks
 * that output buffer elements outside an output's view are left untouched.
 *
 * Exit status 0 means every check passed; failures print the case and the first
 * mismatching element.
 */
#include "gradient.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXD 4
#define MAXN 8 /* longest axis */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int failures = 0;
static int checks = 0;

/* ---------------------------------------------------------------------------------------
 * Layouts: how a logical array of a given shape is placed in a buffer.
 */

/* Memory axis order: C (last axis fastest), F (first axis fastest), or rotated. */
enum order { ORDER_C, ORDER_F, ORDER_ROTATED };

typedef struct {
    const char *name;
    enum order order;
    size_t step;       /* distance between neighbours along the fastest axis */
    size_t pad;        /* extra (unused) elements after every line of every axis */
    unsigned negative; /* bit k set: axis k is stored backwards (negative stride) */
    int broadcast;     /* axis 1 (if any) has stride 0 (inputs only) */
} layout;

static const layout input_layouts[] = {
    {"C-contiguous", ORDER_C, 1, 0, 0, 0},
    {"Fortran", ORDER_F, 1, 0, 0, 0},
    {"strided (step 2, padded rows)", ORDER_C, 2, 1, 0, 0},
    {"negative strides on axes 0 and 2", ORDER_C, 1, 0, 5, 0},
    {"transposed (rotated axis order)", ORDER_ROTATED, 1, 0, 0, 0},
    {"rotated, strided and negative", ORDER_ROTATED, 3, 2, 6, 0},
    {"broadcast (stride 0 on axis 1)", ORDER_C, 1, 0, 0, 1},
};

/* Output layouts; "interleaved" is handled specially (one buffer for all outputs). */
static const layout output_layouts[] = {
    {"C-contiguous", ORDER_C, 1, 0, 0, 0},
    {"Fortran", ORDER_F, 1, 0, 0, 0},
    {"strided with negative strides", ORDER_ROTATED, 2, 1, 3, 0},
    {"interleaved components of one (..., n_out) array", ORDER_C, 0, 0, 0, 0},
};

static size_t memory_axis(enum order order, size_t ndim, size_t j) {
    switch (order) {
    case ORDER_F:
        return ndim - 1 - j;
    case ORDER_ROTATED:
        return (j + 1) % ndim;
    default:
        return j;
    }
}

/* Strides (in elements) of `shape` placed by `lay`; returns the buffer length needed and
 * sets *offset, the element index of [0, ..., 0] within the buffer. */
static size_t place(const size_t *shape, size_t ndim, const layout *lay, ptrdiff_t *strides,
                    size_t *offset) {
    size_t acc = lay->step, j;
    *offset = 0;
    for (j = ndim; j-- > 0;) {
        size_t ax = memory_axis(lay->order, ndim, j);
        strides[ax] = (ptrdiff_t)acc;
        acc *= shape[ax] + lay->pad;
    }
    for (j = 0; j < ndim; j++) {
        if (lay->negative & (1u << j)) {
            *offset += (shape[j] - 1) * (size_t)strides[j];
            strides[j] = -strides[j];
        }
    }
    if (lay->broadcast && ndim > 1) {
        strides[1] = 0;
    }
    return acc;
}

static size_t element_count(const size_t *shape, size_t ndim) {
    size_t n = 1, k;
    for (k = 0; k < ndim; k++) {
        n *= shape[k];
    }
    return n;
}

/* Buffer index of the element with C-order flat index `flat`. */
static size_t locate(size_t flat, const size_t *shape, size_t ndim, const ptrdiff_t *strides,
                     size_t offset) {
    ptrdiff_t at = (ptrdiff_t)offset;
    size_t k = ndim;
    while (k-- > 0) {
        at += (ptrdiff_t)(flat % shape[k]) * strides[k];
        flat /= shape[k];
    }
    return (size_t)at;
}

/* ---------------------------------------------------------------------------------------
 * Data types under test.
 */

enum kind { KIND_F64, KIND_F32, KIND_I16, KIND_C128 };

typedef struct {
    const char *name;
    enum kind kind;
    int32_t dtype;
    size_t in_size, out_size; /* element sizes of input and output */
} dtype_case;

static const dtype_case dtypes[] = {
    {"float64", KIND_F64, GRAD_DTYPE_F64, 8, 8},
    {"float32", KIND_F32, GRAD_DTYPE_F32, 4, 4},
    {"int16", KIND_I16, GRAD_DTYPE_I16, 2, 8},
    {"complex128", KIND_C128, GRAD_DTYPE_C128, 16, 16},
};

/* A small deterministic generator (xorshift64). */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random double in [-8, 8) with 53 significant bits. */
static double random_double(void) {
    return (double)(next_random() >> 11) * (16.0 / 9007199254740992.0) - 8.0;
}

/* Fills one element of type `kind` at `p` with a random value. */
static void random_element(enum kind kind, void *p) {
    switch (kind) {
    case KIND_F64: {
        double v = random_double();
        memcpy(p, &v, sizeof v);
        break;
    }
    case KIND_F32: {
        float v = (float)random_double();
        memcpy(p, &v, sizeof v);
        break;
    }
    case KIND_I16: {
        int16_t v = (int16_t)((int)(next_random() % 60001) - 30000);
        memcpy(p, &v, sizeof v);
        break;
    }
    case KIND_C128: {
        double v[2];
        v[0] = random_double();
        v[1] = random_double();
        memcpy(p, v, sizeof v);
        break;
    }
    }
}

/* ---------------------------------------------------------------------------------------
 * Spacing: the arguments passed to the library and what the reference makes of them.
 */

enum spacing_mode { SPACING_NONE, SPACING_ONE_SCALAR, SPACING_PER_AXIS };

static const char *const spacing_names[] = {"no spacing", "one scalar 0.45 for all axes",
                                            "one per axis (scalar, coordinates)"};

/* Coordinates per axis for SPACING_PER_AXIS, stored in ways the library must undo. */
static double reversed_x[MAXN];         /* axis 1: float64, stored backwards (stride -1) */
static int32_t strided_x[2 * MAXN];     /* axis 2: int32, every other element (stride 2) */

/* What the reference uses for one axis: a uniform step, or coordinates. */
typedef struct {
    int has_coordinates;
    double h;
    double x[MAXN];
} ref_spacing;

/* The library argument and the reference spacing for axis `axis` of length n. */
static void axis_spacing(enum spacing_mode mode, size_t axis, size_t n, grad_spacing *arg,
                         ref_spacing *ref) {
    size_t k;
    memset(arg, 0, sizeof *arg);
    memset(ref, 0, sizeof *ref);
    ref->h = 1.0;
    if (mode == SPACING_ONE_SCALAR) {
        arg->kind = GRAD_SPACING_KIND_SCALAR;
        arg->h = 0.45;
        ref->h = 0.45;
        return;
    }
    if (mode == SPACING_NONE) {
        return;
    }
    switch (axis % 4) {
    case 0: /* a scalar step, numpy's np.gradient(f, 0.3) */
        arg->kind = GRAD_SPACING_KIND_SCALAR;
        arg->h = 0.3;
        ref->h = 0.3;
        break;
    case 1: /* float64 coordinates x[k] = k + 0.1 k^2, stored reversed */
        for (k = 0; k < n; k++) {
            ref->x[k] = (double)k + 0.1 * (double)(k * k);
            reversed_x[n - 1 - k] = ref->x[k];
        }
        ref->has_coordinates = 1;
        arg->kind = GRAD_SPACING_KIND_COORDINATES;
        arg->dtype = GRAD_DTYPE_F64;
        arg->coordinates = &reversed_x[n - 1];
        arg->length = n;
        arg->stride = -1;
        break;
    case 2: /* int32 coordinates x[k] = k^2 + k, stride 2 */
        for (k = 0; k < n; k++) {
            strided_x[2 * k] = (int32_t)(k * k + k);
            strided_x[2 * k + 1] = -12345;
            ref->x[k] = (double)strided_x[2 * k];
        }
        ref->has_coordinates = 1;
        arg->kind = GRAD_SPACING_KIND_COORDINATES;
        arg->dtype = GRAD_DTYPE_I32;
        arg->coordinates = strided_x;
        arg->length = n;
        arg->stride = 2;
        break;
    default: /* np.gradient(f, np.float64(0.7)) */
        arg->kind = GRAD_SPACING_KIND_SCALAR_F64;
        arg->h = 0.7;
        ref->h = 0.7;
        break;
    }
}

/* ---------------------------------------------------------------------------------------
 * The reference: numpy.gradient along one line of n values, as numpy evaluates it.
 */

/* float64 (and integer data, converted first), any spacing. */
static void ref_line_f64(const double *f, size_t n, const ref_spacing *s, int edge_order,
                         double *out) {
    double dx[MAXN] = {0};
    size_t i;
    int uniform = 1;
    double h = s->h;
    if (s->has_coordinates) {
        for (i = 0; i + 1 < n; i++) {
            dx[i] = s->x[i + 1] - s->x[i];
            uniform = uniform && dx[i] == dx[0];
        }
        h = dx[0];
    }
    if (uniform) {
        for (i = 1; i + 1 < n; i++) {
            out[i] = (f[i + 1] - f[i - 1]) / (2.0 * h);
        }
        if (edge_order == 1) {
            out[0] = (f[1] - f[0]) / h;
            out[n - 1] = (f[n - 1] - f[n - 2]) / h;
        } else {
            double a = -1.5 / h, b = 2. / h, c = -0.5 / h;
            out[0] = a * f[0] + b * f[1] + c * f[2];
            a = 0.5 / h;
            b = -2. / h;
            c = 1.5 / h;
            out[n - 1] = a * f[n - 3] + b * f[n - 2] + c * f[n - 1];
        }
        return;
    }
    for (i = 1; i + 1 < n; i++) {
        double dx1 = dx[i - 1], dx2 = dx[i];
        double a = -(dx2) / (dx1 * (dx1 + dx2));
        double b = (dx2 - dx1) / (dx1 * dx2);
        double c = dx1 / (dx2 * (dx1 + dx2));
        out[i] = a * f[i - 1] + b * f[i] + c * f[i + 1];
    }
    if (edge_order == 1) {
        out[0] = (f[1] - f[0]) / dx[0];
        out[n - 1] = (f[n - 1] - f[n - 2]) / dx[n - 2];
    } else {
        double dx1 = dx[0], dx2 = dx[1];
        double a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2));
        double b = (dx1 + dx2) / (dx1 * dx2);
        double c = -dx1 / (dx2 * (dx1 + dx2));
        out[0] = a * f[0] + b * f[1] + c * f[2];
        dx1 = dx[n - 3];
        dx2 = dx[n - 2];
        a = (dx2) / (dx1 * (dx1 + dx2));
        b = -(dx2 + dx1) / (dx1 * dx2);
        c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2));
        out[n - 1] = a * f[n - 3] + b * f[n - 2] + c * f[n - 1];
    }
}

/* float32 with a Python-number step h: single-precision arithmetic, except that the
 * edge_order-2 coefficients are divided in double and then rounded (numpy 2). */
static void ref_line_f32(const float *f, size_t n, double h, int edge_order, float *out) {
    const float two_h = (float)(2.0 * h), hf = (float)h;
    size_t i;
    for (i = 1; i + 1 < n; i++) {
        out[i] = (f[i + 1] - f[i - 1]) / two_h;
    }
    if (edge_order == 1) {
        out[0] = (f[1] - f[0]) / hf;
        out[n - 1] = (f[n - 1] - f[n - 2]) / hf;
    } else {
        float a = (float)(-1.5 / h), b = (float)(2. / h), c = (float)(-0.5 / h);
        out[0] = a * f[0] + b * f[1] + c * f[2];
        a = (float)(0.5 / h);
        b = (float)(-2. / h);
        c = (float)(1.5 / h);
        out[n - 1] = a * f[n - 3] + b * f[n - 2] + c * f[n - 1];
    }
}

/* numpy's complex divide of (re, im) by the real d (as d + 0j). */
static void complex_divide(const double *z, double d, double *out) {
    const double rat = 0.0 / d;
    const double scl = 1.0 / (d + 0.0 * rat);
    out[0] = (z[0] + z[1] * rat) * scl;
    out[1] = (z[1] - z[0] * rat) * scl;
}

/* numpy's complex multiply of the real a (as a + 0j) by z. */
static void complex_scale(double a, const double *z, double *out) {
    out[0] = a * z[0] - 0.0 * z[1];
    out[1] = a * z[1] + 0.0 * z[0];
}

/* (a*z0 + b*z1) + c*z2, each product a complex multiply, as numpy's eo2 edges. */
static void complex_edge(double a, double b, double c, const double *z0, const double *z1,
                         const double *z2, double *out) {
    double p[2], q[2], r[2];
    complex_scale(a, z0, p);
    complex_scale(b, z1, q);
    complex_scale(c, z2, r);
    out[0] = (p[0] + q[0]) + r[0];
    out[1] = (p[1] + q[1]) + r[1];
}

/* complex128 with a scalar step h: f and out hold (re, im) pairs. */
static void ref_line_c128(const double *f, size_t n, double h, int edge_order, double *out) {
    double d[2];
    size_t i;
    for (i = 1; i + 1 < n; i++) {
        d[0] = f[2 * (i + 1)] - f[2 * (i - 1)];
        d[1] = f[2 * (i + 1) + 1] - f[2 * (i - 1) + 1];
        complex_divide(d, 2.0 * h, &out[2 * i]);
    }
    if (edge_order == 1) {
        d[0] = f[2] - f[0];
        d[1] = f[3] - f[1];
        complex_divide(d, h, &out[0]);
        d[0] = f[2 * (n - 1)] - f[2 * (n - 2)];
        d[1] = f[2 * (n - 1) + 1] - f[2 * (n - 2) + 1];
        complex_divide(d, h, &out[2 * (n - 1)]);
    } else {
        complex_edge(-1.5 / h, 2. / h, -0.5 / h, &f[0], &f[2], &f[4], &out[0]);
        complex_edge(0.5 / h, -2. / h, 1.5 / h, &f[2 * (n - 3)], &f[2 * (n - 2)],
                     &f[2 * (n - 1)], &out[2 * (n - 1)]);
    }
}

/* The reference derivative along `axis` of the contiguous (C-order) copy `f` of type
 * `kind`, written into the contiguous output `out` (output element type). */
static void reference(enum kind kind, const void *f, const size_t *shape, size_t ndim,
                      size_t axis, const ref_spacing *s, int edge_order, void *out) {
    size_t count = element_count(shape, ndim), n = shape[axis], stride = 1, flat, k;
    for (k = axis + 1; k < ndim; k++) {
        stride *= shape[k];
    }
    for (flat = 0; flat < count; flat++) {
        if ((flat / stride) % n != 0) {
            continue; /* not the start of a line along `axis` */
        }
        if (kind == KIND_F32) {
            float line[MAXN], res[MAXN];
            for (k = 0; k < n; k++) {
                line[k] = ((const float *)f)[flat + k * stride];
            }
            ref_line_f32(line, n, s->h, edge_order, res);
            for (k = 0; k < n; k++) {
                ((float *)out)[flat + k * stride] = res[k];
            }
        } else if (kind == KIND_C128) {
            double line[2 * MAXN], res[2 * MAXN];
            for (k = 0; k < n; k++) {
                line[2 * k] = ((const double *)f)[2 * (flat + k * stride)];
                line[2 * k + 1] = ((const double *)f)[2 * (flat + k * stride) + 1];
            }
            ref_line_c128(line, n, s->h, edge_order, res);
            for (k = 0; k < n; k++) {
                ((double *)out)[2 * (flat + k * stride)] = res[2 * k];
                ((double *)out)[2 * (flat + k * stride) + 1] = res[2 * k + 1];
            }
        } else {
            double line[MAXN], res[MAXN];
            for (k = 0; k < n; k++) {
                line[k] = kind == KIND_I16 ? (double)((const int16_t *)f)[flat + k * stride]
                                           : ((const double *)f)[flat + k * stride];
            }
            ref_line_f64(line, n, s, edge_order, res);
            for (k = 0; k < n; k++) {
                ((double *)out)[flat + k * stride] = res[k];
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * One case: build the input, call the library, compare with the reference.
 */

typedef struct {
    size_t ndim;
    size_t shape[MAXD];
    size_t n_axes_lists;
    struct {
        int use_null; /* axes NULL: every axis */
        size_t n;
        int32_t axes[MAXD];
    } axes[4];
} shape_case;

static const shape_case shapes[] = {
    {3, {4, 5, 6, 0}, 4, {{1, 0, {0}}, {0, 2, {2, 0}}, {0, 1, {-1}}, {0, 2, {1, -3}}}},
    {1, {7, 0, 0, 0}, 2, {{1, 0, {0}}, {0, 1, {-1}}}},
    {4, {3, 1, 4, 3}, 2, {{0, 3, {0, -2, 3}}, {0, 2, {3, 0}}}},
};

static const unsigned char SENTINEL = 0xA5;

static int is_sentinel(const unsigned char *p, size_t size) {
    size_t i;
    for (i = 0; i < size; i++) {
        if (p[i] != SENTINEL) {
            return 0;
        }
    }
    return 1;
}

/* Prints a one-line description of the current case. */
static void describe(const dtype_case *dt, const shape_case *sc, size_t axes_index,
                     const layout *in, const layout *out, enum spacing_mode mode, int edge_order,
                     size_t threads) {
    size_t k;
    printf("  case: %s shape (", dt->name);
    for (k = 0; k < sc->ndim; k++) {
        printf(k ? ", %zu" : "%zu", sc->shape[k]);
    }
    printf("), axes ");
    if (sc->axes[axes_index].use_null) {
        printf("NULL");
    } else {
        printf("{");
        for (k = 0; k < sc->axes[axes_index].n; k++) {
            printf(k ? ", %d" : "%d", (int)sc->axes[axes_index].axes[k]);
        }
        printf("}");
    }
    printf(", input %s, output %s, %s, edge_order %d, n_threads %zu\n", in->name, out->name,
           spacing_names[mode], edge_order, threads);
}

/* Compares two output elements bit for bit (NaN never occurs here). */
static void report(const char *what, size_t output, size_t flat, const void *got,
                   const void *want, size_t size) {
    double g = 0, w = 0;
    if (size == 4) {
        float gf, wf;
        memcpy(&gf, got, 4);
        memcpy(&wf, want, 4);
        g = gf;
        w = wf;
    } else {
        memcpy(&g, got, 8);
        memcpy(&w, want, 8);
    }
    printf("FAIL %s: output %zu, element %zu is %.17g (%a); the reference gives %.17g (%a)\n",
           what, output, flat, g, g, w, w);
}

static void run_case(const dtype_case *dt, const shape_case *sc, size_t axes_index,
                     const layout *in_layout, size_t out_layout_index, enum spacing_mode mode,
                     int edge_order) {
    const layout *out_layout = &output_layouts[out_layout_index];
    const int interleaved = out_layout_index == COUNT(output_layouts) - 1;
    const size_t ndim = sc->ndim, count = element_count(sc->shape, ndim);
    const int use_null = sc->axes[axes_index].use_null;
    const size_t n_req = use_null ? ndim : sc->axes[axes_index].n;
    size_t axis_of[MAXD]; /* requested axes, normalised */
    ptrdiff_t in_strides[MAXD], out_strides[MAXD * MAXD];
    size_t in_offset, in_len, out_len, out_offset[MAXD], k, flat, r;
    unsigned char *in_buf, *contiguous, *expected, *out_buf;
    void *outs[MAXD];
    grad_spacing args[MAXD];
    ref_spacing refs[MAXD];
    /* Threads are checked on the float64, edge_order 2 cases (they are slow under valgrind). */
    const size_t threads_list[2] = {0, 3};
    const size_t n_threads_runs = dt->kind == KIND_F64 && edge_order == 2 ? 2 : 1;
    size_t t;

    for (r = 0; r < n_req; r++) {
        int32_t a = use_null ? (int32_t)r : sc->axes[axes_index].axes[r];
        axis_of[r] = (size_t)(a < 0 ? a + (int32_t)ndim : a);
        axis_spacing(mode, axis_of[r], sc->shape[axis_of[r]], &args[r], &refs[r]);
    }

    /* The input: random values in the strided buffer, and their contiguous copy. */
    in_len = place(sc->shape, ndim, in_layout, in_strides, &in_offset);
    in_buf = malloc(in_len * dt->in_size);
    contiguous = malloc(count * dt->in_size);
    for (k = 0; k < in_len; k++) {
        random_element(dt->kind, in_buf + k * dt->in_size);
    }
    for (flat = 0; flat < count; flat++) {
        memcpy(contiguous + flat * dt->in_size,
               in_buf + locate(flat, sc->shape, ndim, in_strides, in_offset) * dt->in_size,
               dt->in_size);
    }

    /* The reference results, output after output, contiguous. */
    expected = malloc(n_req * count * dt->out_size);
    for (r = 0; r < n_req; r++) {
        reference(dt->kind, contiguous, sc->shape, ndim, axis_of[r], &refs[r], edge_order,
                  expected + r * count * dt->out_size);
    }

    /* The outputs: one buffer holding every output's view. */
    if (interleaved) {
        layout lay = *out_layout;
        lay.step = n_req;
        out_len = place(sc->shape, ndim, &lay, out_strides, &out_offset[0]);
        for (r = 0; r < n_req; r++) {
            memcpy(&out_strides[r * ndim], out_strides, ndim * sizeof(ptrdiff_t));
            out_offset[r] = r;
        }
    } else {
        size_t one = place(sc->shape, ndim, out_layout, out_strides, &out_offset[0]);
        for (r = 0; r < n_req; r++) {
            memcpy(&out_strides[r * ndim], out_strides, ndim * sizeof(ptrdiff_t));
            out_offset[r] = r * one + out_offset[0];
        }
        out_len = n_req * one;
    }
    out_buf = malloc(out_len * dt->out_size + 1);

    for (t = 0; t < n_threads_runs; t++) {
        grad_status status;
        unsigned char *touched = calloc(out_len + 1, 1);
        int failed = 0;
        memset(out_buf, SENTINEL, out_len * dt->out_size);
        for (r = 0; r < n_req; r++) {
            outs[r] = out_buf + out_offset[r] * dt->out_size;
        }
        checks++;
        status = grad_gradient(dt->dtype, in_buf + in_offset * dt->in_size, ndim, sc->shape,
                               in_strides, mode == SPACING_NONE ? NULL : args,
                               mode == SPACING_NONE ? 0 : (mode == SPACING_ONE_SCALAR ? 1 : n_req),
                               use_null ? NULL : sc->axes[axes_index].axes,
                               use_null ? 0 : n_req, edge_order, outs, n_req, out_strides,
                               threads_list[t]);
        if (status != GRAD_STATUS_OK) {
            printf("FAIL: status %d (%s): %s\n", (int)status, grad_status_message(status),
                   grad_last_error());
            failed = 1;
        }
        for (r = 0; r < n_req && !failed; r++) {
            for (flat = 0; flat < count; flat++) {
                size_t at = locate(flat, sc->shape, ndim, &out_strides[r * ndim], out_offset[r]);
                const unsigned char *got = out_buf + at * dt->out_size;
                const unsigned char *want = expected + (r * count + flat) * dt->out_size;
                touched[at] = 1;
                if (memcmp(got, want, dt->out_size) != 0) {
                    report("result differs", r, flat, got, want,
                           dt->kind == KIND_F32 ? 4 : 8);
                    if (dt->kind == KIND_C128) {
                        report("(imaginary part)", r, flat, got + 8, want + 8, 8);
                    }
                    failed = 1;
                    break;
                }
            }
        }
        for (k = 0; k < out_len && !failed; k++) {
            if (!touched[k] && !is_sentinel(out_buf + k * dt->out_size, dt->out_size)) {
                printf("FAIL: buffer element %zu outside every output view was written\n", k);
                failed = 1;
            }
        }
        if (failed) {
            describe(dt, sc, axes_index, in_layout, out_layout, mode, edge_order,
                     threads_list[t]);
            failures++;
        }
        free(touched);
    }
    free(in_buf);
    free(contiguous);
    free(expected);
    free(out_buf);
}

int main(void) {
    size_t d, s, a, i, o;
    int mode, edge_order;
    for (d = 0; d < COUNT(dtypes); d++) {
        for (s = 0; s < COUNT(shapes); s++) {
            for (a = 0; a < shapes[s].n_axes_lists; a++) {
                for (i = 0; i < COUNT(input_layouts); i++) {
                    for (o = 0; o < COUNT(output_layouts); o++) {
                        for (mode = SPACING_NONE; mode <= SPACING_PER_AXIS; mode++) {
                            /* float32 and complex references cover scalar steps only. */
                            if (mode == SPACING_PER_AXIS &&
                                (dtypes[d].kind == KIND_F32 || dtypes[d].kind == KIND_C128)) {
                                continue;
                            }
                            for (edge_order = 1; edge_order <= 2; edge_order++) {
                                run_case(&dtypes[d], &shapes[s], a, &input_layouts[i], o,
                                         (enum spacing_mode)mode, edge_order);
                            }
                        }
                    }
                }
            }
        }
    }
    if (failures != 0) {
        printf("test_layouts: %d of %d calls failed\n", failures, checks);
        return 1;
    }
    printf("test_layouts: all %d calls passed\n", checks);
    return 0;
}
