/* The matlab scheme (grad_options_set_scheme), against its definition computed here:
 *
 * - on coordinates, the interior quotient (f[i+1] - f[i-1]) / (x[i+1] - x[i-1]) and the
 *   one-sided edges (f[1] - f[0]) / (x[1] - x[0]), (f[n-1] - f[n-2]) / (x[n-1] - x[n-2]),
 *   for double data in C and Fortran order (both axes) and for float data with double
 *   coordinates (computed in double, rounded once: numpy's precision rule);
 * - complex data, each part the same quotient;
 * - a length-1 axis gives zeros, even for NaN and Inf data;
 * - an unknown scheme is INVALID_SCHEME, edge_order 2 is INVALID_EDGE_ORDER, and neither
 *   writes an output; switching back to GRAD_SCHEME_NUMPY gives numpy's formulas again.
 * Exit status 0 means every check passed.
 */
#include "gradient.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                        \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                              \
            printf(__VA_ARGS__);                                                                \
            printf(" [%s]\n", grad_last_error());                                               \
            failures++;                                                                         \
        }                                                                                       \
    } while (0)

#define R 5
#define C 7

static double xr[R], xc[C];

/* The definition: the derivative at index i of samples g(0..n-1) at positions x. */
static double matlab_at(const double *x, size_t n, size_t i, double (*g)(size_t, size_t),
                        size_t other) {
    size_t lo = i == 0 ? 0 : i - 1, hi = i + 1 == n ? n - 1 : i + 1;
    return (g(hi, other) - g(lo, other)) / (x[hi] - x[lo]);
}

static double value(size_t i, size_t j) {
    return (double)((i * 31u + j * 17u) % 23u) * 0.37 - 4.1;
}
/* Samples along axis 0 at column j, and along axis 1 at row i. */
static double along0(size_t i, size_t j) { return value(i, j); }
static double along1(size_t j, size_t i) { return value(i, j); }

/* A plan for `dtype`, shape {R, C} with `strides` (input and outputs), float64 coordinates
 * xr and xc, `scheme` and `edge_order`, executed on `f` into out0, out1. */
static grad_status run(int32_t dtype, const ptrdiff_t *strides, const void *f, void *out0,
                       void *out1, int32_t scheme, int32_t edge_order) {
    grad_options *options = NULL;
    grad_plan *plan = NULL;
    size_t shape[2] = {R, C};
    grad_spacing sp[2];
    void *out[2];
    grad_status s;
    memset(sp, 0, sizeof sp);
    sp[0].kind = GRAD_SPACING_KIND_COORDINATES;
    sp[0].dtype = GRAD_DTYPE_F64;
    sp[0].coordinates = xr;
    sp[0].length = R;
    sp[0].stride = 1;
    sp[1] = sp[0];
    sp[1].coordinates = xc;
    sp[1].length = C;
    out[0] = out0;
    out[1] = out1;
    s = grad_options_new(&options);
    if (s == GRAD_STATUS_OK) s = grad_options_set_spacing(options, sp, 2);
    if (s == GRAD_STATUS_OK) s = grad_options_set_scheme(options, scheme);
    if (s == GRAD_STATUS_OK) s = grad_options_set_edge_order(options, edge_order);
    if (s == GRAD_STATUS_OK) s = grad_plan_new(&plan, dtype, 2, shape, strides, strides, options);
    if (s == GRAD_STATUS_OK) s = grad_plan_execute(plan, f, out, 2);
    grad_plan_free(plan);
    grad_options_free(options);
    return s;
}

static void doubles(void) {
    double f[R * C], d0[R * C], d1[R * C];
    ptrdiff_t c_order[4] = {C, 1, C, 1}, f_order[4] = {1, R, 1, R};
    const ptrdiff_t *layouts[2] = {c_order, f_order};
    size_t i, j, k;
    for (k = 0; k < 2; k++) {
        const ptrdiff_t *st = layouts[k];
        for (i = 0; i < R; i++)
            for (j = 0; j < C; j++) f[i * st[0] + j * st[1]] = value(i, j);
        CHECK(run(GRAD_DTYPE_F64, st, f, d0, d1, GRAD_SCHEME_MATLAB, 1) == GRAD_STATUS_OK,
              "layout %zu", k);
        for (i = 0; i < R; i++) {
            for (j = 0; j < C; j++) {
                size_t at = i * st[0] + j * st[1];
                double w0 = matlab_at(xr, R, i, along0, j), w1 = matlab_at(xc, C, j, along1, i);
                CHECK(memcmp(&d0[at], &w0, sizeof w0) == 0, "d0[%zu][%zu] %.17g vs %.17g", i,
                      j, d0[at], w0);
                CHECK(memcmp(&d1[at], &w1, sizeof w1) == 0, "d1[%zu][%zu] %.17g vs %.17g", i,
                      j, d1[at], w1);
            }
        }
    }
}

static void floats_and_complex(void) {
    float f[R * C], d0[R * C], d1[R * C];
    double complex z[R * C], z0[R * C], z1[R * C];
    ptrdiff_t st[4] = {C, 1, C, 1};
    size_t i, j;
    for (i = 0; i < R; i++) {
        for (j = 0; j < C; j++) {
            f[i * C + j] = (float)value(i, j);
            z[i * C + j] = value(i, j) + I * value(j % R, i);
        }
    }
    CHECK(run(GRAD_DTYPE_F32, st, f, d0, d1, GRAD_SCHEME_MATLAB, 1) == GRAD_STATUS_OK, "f32");
    CHECK(run(GRAD_DTYPE_C128, st, z, z0, z1, GRAD_SCHEME_MATLAB, 1) == GRAD_STATUS_OK, "c128");
    for (i = 0; i < R; i++) {
        for (j = 0; j < C; j++) {
            /* float data, double coordinates (numpy's rule): the difference in float, the
             * division in double, rounded once. */
            size_t lo = j == 0 ? 0 : j - 1, hi = j + 1 == C ? C - 1 : j + 1;
            float df = f[i * C + hi] - f[i * C + lo];
            float w = (float)((double)df / (xc[hi] - xc[lo]));
            /* complex over real, as numpy divides (its complex loop multiplies each part by
             * the divisor's reciprocal when the divisor is real and finite). */
            double complex dz = z[i * C + hi] - z[i * C + lo];
            double r = 1.0 / (xc[hi] - xc[lo]);
            CHECK(d1[i * C + j] == w, "f32 d1[%zu][%zu] %.9g vs %.9g", i, j, d1[i * C + j], w);
            CHECK(creal(z1[i * C + j]) == creal(dz) * r && cimag(z1[i * C + j]) == cimag(dz) * r,
                  "c128 z1[%zu][%zu]", i, j);
        }
    }
}

static void length_one_and_errors(void) {
    double f[3] = {NAN, INFINITY, 2.0}, out[3];
    size_t shape[1] = {1};
    grad_options *options = NULL;
    grad_plan *plan = NULL;
    void *outs[1];
    size_t k;
    double x[3] = {0.0, 1.0, 3.0};
    grad_spacing sp;
    for (k = 0; k < 3; k++) {
        out[0] = -7.0;
        outs[0] = out;
        CHECK(grad_options_new(&options) == GRAD_STATUS_OK, "new");
        CHECK(grad_options_set_scheme(options, GRAD_SCHEME_MATLAB) == GRAD_STATUS_OK, "scheme");
        CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 1, shape, NULL, NULL, options) ==
                  GRAD_STATUS_OK, "length 1");
        CHECK(grad_plan_execute(plan, &f[k], outs, 1) == GRAD_STATUS_OK, "execute");
        CHECK(out[0] == 0.0 && !signbit(out[0]), "f = %g gives %g", f[k], out[0]);
        grad_plan_free(plan);
        plan = NULL;
        /* Back to numpy's scheme: a length-1 axis is too short again. */
        CHECK(grad_options_set_scheme(options, GRAD_SCHEME_NUMPY) == GRAD_STATUS_OK, "numpy");
        CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 1, shape, NULL, NULL, options) ==
                  GRAD_STATUS_AXIS_TOO_SHORT, "numpy length 1");
        CHECK(plan == NULL, "plan_out written on failure");
        grad_options_free(options);
    }
    /* An unknown scheme leaves the options as they were (here: matlab). */
    CHECK(grad_options_new(&options) == GRAD_STATUS_OK, "new");
    CHECK(grad_options_set_scheme(options, GRAD_SCHEME_MATLAB) == GRAD_STATUS_OK, "matlab");
    CHECK(grad_options_set_scheme(options, 2) == GRAD_STATUS_INVALID_SCHEME, "scheme 2");
    CHECK(strstr(grad_last_error(), "scheme 2") != NULL, "message");
    CHECK(grad_options_set_scheme(options, -1) == GRAD_STATUS_INVALID_SCHEME, "scheme -1");
    memset(&sp, 0, sizeof sp);
    sp.kind = GRAD_SPACING_KIND_COORDINATES;
    sp.dtype = GRAD_DTYPE_F64;
    sp.coordinates = x;
    sp.length = 3;
    sp.stride = 1;
    CHECK(grad_options_set_spacing(options, &sp, 1) == GRAD_STATUS_OK, "spacing");
    shape[0] = 3;
    CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 1, shape, NULL, NULL, options) == GRAD_STATUS_OK,
          "plan");
    f[0] = 1.0;
    f[1] = 2.0;
    f[2] = 4.0;
    outs[0] = out;
    CHECK(grad_plan_execute(plan, f, outs, 1) == GRAD_STATUS_OK, "execute");
    /* (2-1)/1, (4-1)/3, (4-2)/2 */
    CHECK(out[0] == 1.0 && out[1] == 1.0 && out[2] == 1.0, "%g %g %g", out[0], out[1], out[2]);
    grad_plan_free(plan);
    plan = NULL;
    CHECK(grad_options_set_edge_order(options, 2) == GRAD_STATUS_OK, "edge order");
    CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 1, shape, NULL, NULL, options) ==
              GRAD_STATUS_INVALID_EDGE_ORDER, "edge_order 2");
    CHECK(strstr(grad_last_error(), "matlab scheme") != NULL, "message");
    CHECK(plan == NULL, "plan_out written on failure");
    grad_options_free(options);
}

int main(void) {
    size_t i;
    for (i = 0; i < R; i++) xr[i] = (double)(i * i) * 0.3 + (double)i;
    for (i = 0; i < C; i++) xc[i] = (double)i * 0.1 + (double)((i * 7u) % 5u) * 0.013;
    doubles();
    floats_and_complex();
    length_one_and_errors();
    if (failures) {
        printf("%d failures\n", failures);
        return 1;
    }
    printf("test_scheme: all checks passed\n");
    return 0;
}
