/* Every spacing kind, both edge orders, every dtype: results bit for bit equal to numpy.
 *
 * Expected values are what numpy 2.4.6 returns for the call named in each check (printed
 * with repr, which round-trips exactly; float32 values are written with an `f` suffix,
 * which converts them to the same float). Comparison is bitwise; the only exception is
 * NaN, where any NaN matches, since numpy does not define NaN payloads.
 *
 * What is covered:
 * - kinds UNIT, SCALAR, SCALAR_F64, SCALAR_F32, COORDINATES (float64, float32 and every
 *   integer coordinate dtype, strided, reversed and zero-stride coordinates);
 * - float32 data in both precisions (numpy's Python-float vs np.float64 spacing);
 * - the uniform collapse of exactly uniform coordinate arrays (and its absence for
 *   np.arange(7) * 0.1), including the Inf/NaN behaviour it changes;
 * - zero, negative, infinite and NaN steps;
 * - integer data (converted to float64 before subtracting) and complex data (divisions
 *   by the spacing done as numpy's complex divide, i.e. via the reciprocal);
 * - 2-D arrays with one spacing for all axes and with one per axis.
 * Exit status 0 means every check passed.
 */
#include "gradient.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int failures = 0;

static int same_double(double a, double b) {
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

static int same_float(float a, float b) {
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

/* Number of scalar components of one output element, and whether they are floats. */
static size_t components(int32_t dtype) {
    return (dtype == GRAD_DTYPE_C128 || dtype == GRAD_DTYPE_C64) ? 2 : 1;
}

static int single_precision(int32_t dtype) {
    return dtype == GRAD_DTYPE_F32 || dtype == GRAD_DTYPE_C64;
}

/* Compares n output elements of `dtype`'s output type (doubles, floats, or pairs). */
static void compare(const char *call, int32_t dtype, const void *got, const void *want,
                    size_t n) {
    size_t i, count = n * components(dtype);
    for (i = 0; i < count; i++) {
        if (single_precision(dtype)) {
            float g = ((const float *)got)[i], w = ((const float *)want)[i];
            if (!same_float(g, w)) {
                printf("FAIL %s: component %zu is %.9g (%a); numpy gives %.9g (%a)\n", call, i,
                       (double)g, (double)g, (double)w, (double)w);
                failures++;
            }
        } else {
            double g = ((const double *)got)[i], w = ((const double *)want)[i];
            if (!same_double(g, w)) {
                printf("FAIL %s: component %zu is %.17g (%a); numpy gives %.17g (%a)\n", call, i,
                       g, g, w, w);
                failures++;
            }
        }
    }
}

static grad_spacing scalar(int32_t kind, double h) {
    grad_spacing s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.h = h;
    return s;
}

static grad_spacing coords(int32_t dtype, const void *x, size_t n, ptrdiff_t stride) {
    grad_spacing s;
    memset(&s, 0, sizeof s);
    s.kind = GRAD_SPACING_KIND_COORDINATES;
    s.dtype = dtype;
    s.coordinates = x;
    s.length = n;
    s.stride = stride;
    return s;
}

/* Gradient of a 1-D array of n (at most 16) elements with 0 or 1 spacing. */
static void check(const char *call, int32_t dtype, const void *f, size_t n,
                  const grad_spacing *spacing, int edge_order, const void *want) {
    double out[32]; /* room for 16 complex128 elements */
    void *outs[1];
    size_t shape[1];
    grad_status status;
    shape[0] = n;
    outs[0] = out;
    status = grad_gradient(dtype, f, 1, shape, NULL, spacing, spacing ? 1 : 0, NULL, 0,
                           edge_order, outs, 1, NULL, 0);
    if (status != GRAD_STATUS_OK) {
        printf("FAIL %s: status %d (%s): %s\n", call, (int)status, grad_status_message(status),
               grad_last_error());
        failures++;
        return;
    }
    compare(call, dtype, out, want, n);
}

/* float64 data, every spacing kind. */
static void float64_data(void) {
    static const double f[7] = {0.1, 0.7, 0.35, 2.9, 1.3, 5.55, 4.0};
    static const double x[7] = {0, 0.5, 1.75, 2.0, 3.1, 4.0, 5.5};
    static const float x32[7] = {0, 0.5f, 1.75f, 2.0f, 3.1f, 4.0f, 5.5f};
    static const double unit1[7] = {0.6, 0.12499999999999999, 1.1, 0.47500000000000003,
                                    1.325, 1.35, -1.5499999999999998};
    static const double unit2[7] = {1.075, 0.12499999999999999, 1.1, 0.47500000000000003,
                                    1.325, 1.35, -4.449999999999999};
    static const double h1[7] = {2.0, 0.41666666666666663, 3.666666666666667,
                                 1.5833333333333335, 4.416666666666667, 4.500000000000001,
                                 -5.166666666666666};
    static const double h2[7] = {3.5833333333333335, 0.41666666666666663, 3.666666666666667,
                                 1.5833333333333335, 4.416666666666667, 4.500000000000001,
                                 -14.833333333333336};
    static const double h32_1[7] = {1.9999999205271435, 0.4166666501098215, 3.6666665209664298,
                                    1.583333270417322,  4.416666491164109,  4.499999821186073,
                                    -5.166666461361786};
    static const double h32_2[7] = {3.58333323597908,  0.4166666501098215, 3.6666665209664298,
                                    1.583333270417322, 4.416666491164109,  4.499999821186073,
                                    -14.833332502841948};
    static const double x64_1[7] = {1.2, 0.777142857142857, 8.453333333333333, 8.04175084175084,
                                    1.9426767676767684, 2.563888888888889, -1.0333333333333332};
    static const double x64_2[7] = {1.6228571428571426, 0.777142857142857,  8.453333333333333,
                                    8.04175084175084,   1.9426767676767684, 2.563888888888889,
                                    -4.630555555555555};
    static const double x32_1[7] = {1.2,
                                     0.7771428875625134,
                                     8.453333081305026,
                                     8.04175063073635,
                                     1.9426760748028753,
                                     2.5638884767889976,
                                     -1.0333333333333332};
    static const double x32_2[7] = {1.6228571124374864, 0.7771428875625134, 8.453333081305026,
                                    8.04175063073635,   1.9426760748028753, 2.5638884767889976,
                                    -4.630554920434951};
    static const double neg1[7] = {-0.6,   -0.12499999999999999, -1.1, -0.47500000000000003,
                                   -1.325, -1.35,                1.5499999999999998};
    static const double neg2[7] = {-1.075, -0.12499999999999999, -1.1, -0.47500000000000003,
                                   -1.325, -1.35,                4.449999999999999};
    grad_spacing s;

    s = scalar(GRAD_SPACING_KIND_UNIT, 12345.0); /* h is ignored for the unit kind */
    check("np.gradient(f) (UNIT kind)", GRAD_DTYPE_F64, f, 7, &s, 1, unit1);
    check("np.gradient(f, edge_order=2) (UNIT kind)", GRAD_DTYPE_F64, f, 7, &s, 2, unit2);
    check("np.gradient(f) (no spacing)", GRAD_DTYPE_F64, f, 7, NULL, 1, unit1);
    check("np.gradient(f, edge_order=2) (no spacing)", GRAD_DTYPE_F64, f, 7, NULL, 2, unit2);

    s = scalar(GRAD_SPACING_KIND_SCALAR, 0.3);
    check("np.gradient(f, 0.3)", GRAD_DTYPE_F64, f, 7, &s, 1, h1);
    check("np.gradient(f, 0.3, edge_order=2)", GRAD_DTYPE_F64, f, 7, &s, 2, h2);
    s = scalar(GRAD_SPACING_KIND_SCALAR_F64, 0.3);
    check("np.gradient(f, np.float64(0.3))", GRAD_DTYPE_F64, f, 7, &s, 1, h1);
    check("np.gradient(f, np.float64(0.3), edge_order=2)", GRAD_DTYPE_F64, f, 7, &s, 2, h2);
    s = scalar(GRAD_SPACING_KIND_SCALAR_F32, 0.3);
    check("np.gradient(f, np.float32(0.3))", GRAD_DTYPE_F64, f, 7, &s, 1, h32_1);
    check("np.gradient(f, np.float32(0.3), edge_order=2)", GRAD_DTYPE_F64, f, 7, &s, 2, h32_2);
    s = scalar(GRAD_SPACING_KIND_SCALAR, -1.0);
    check("np.gradient(f, -1.0)", GRAD_DTYPE_F64, f, 7, &s, 1, neg1);
    check("np.gradient(f, -1.0, edge_order=2)", GRAD_DTYPE_F64, f, 7, &s, 2, neg2);

    s = coords(GRAD_DTYPE_F64, x, 7, 1);
    check("np.gradient(f, x)", GRAD_DTYPE_F64, f, 7, &s, 1, x64_1);
    check("np.gradient(f, x, edge_order=2)", GRAD_DTYPE_F64, f, 7, &s, 2, x64_2);
    s = coords(GRAD_DTYPE_F32, x32, 7, 1);
    check("np.gradient(f, x.astype(np.float32))", GRAD_DTYPE_F64, f, 7, &s, 1, x32_1);
    check("np.gradient(f, x.astype(np.float32), edge_order=2)", GRAD_DTYPE_F64, f, 7, &s, 2,
          x32_2);

    /* The same coordinates stored with stride 2, reversed (stride -1). */
    {
        static const double every_other[13] = {0, -99, 0.5, -99, 1.75, -99, 2.0,
                                               -99, 3.1, -99, 4.0, -99, 5.5};
        static const double reversed[7] = {5.5, 4.0, 3.1, 2.0, 1.75, 0.5, 0};
        s = coords(GRAD_DTYPE_F64, every_other, 7, 2);
        check("np.gradient(f, x) (x with stride 2)", GRAD_DTYPE_F64, f, 7, &s, 2, x64_2);
        s = coords(GRAD_DTYPE_F64, &reversed[6], 7, -1);
        check("np.gradient(f, x) (x with stride -1)", GRAD_DTYPE_F64, f, 7, &s, 2, x64_2);
    }

    /* Zero stride: x = [2.0] * 7 is exactly uniform, so it collapses to h = 0. */
    {
        static const double two = 2.0;
        static const double want[7] = {INFINITY, INFINITY, INFINITY, INFINITY,
                                       INFINITY, INFINITY, -INFINITY};
        s = coords(GRAD_DTYPE_F64, &two, 7, 0);
        check("np.gradient(f, np.full(7, 2.0)) (x with stride 0)", GRAD_DTYPE_F64, f, 7, &s, 1,
              want);
    }
}

/* Integer coordinates are converted to float64 before any difference (no wraparound). */
static void integer_coordinates(void) {
    static const double f[7] = {0.1, 0.7, 0.35, 2.9, 1.3, 5.55, 4.0};
    static const double want1[7] = {0.6,
                                    0.3416666666666667,
                                    1.6416666666666666,
                                    1.7791666666666666,
                                    3.0541666666666663,
                                    2.5749999999999997,
                                    -0.7749999999999999};
    static const double want2[7] = {0.8583333333333332, 0.3416666666666667, 1.6416666666666666,
                                    1.7791666666666666, 3.0541666666666663, 2.5749999999999997,
                                    -4.124999999999998};
    /* x = [0, 1, 3, 4, 7, 8, 10] in every integer dtype. */
    static const int8_t i8[7] = {0, 1, 3, 4, 7, 8, 10};
    static const int16_t i16[7] = {0, 1, 3, 4, 7, 8, 10};
    static const int32_t i32[7] = {0, 1, 3, 4, 7, 8, 10};
    static const int64_t i64[7] = {0, 1, 3, 4, 7, 8, 10};
    static const uint8_t u8[7] = {0, 1, 3, 4, 7, 8, 10};
    static const uint16_t u16[7] = {0, 1, 3, 4, 7, 8, 10};
    static const uint32_t u32[7] = {0, 1, 3, 4, 7, 8, 10};
    static const uint64_t u64[7] = {0, 1, 3, 4, 7, 8, 10};
    static const struct {
        const char *name;
        int32_t dtype;
        const void *x;
    } cases[8] = {{"int8", GRAD_DTYPE_I8, i8},       {"int16", GRAD_DTYPE_I16, i16},
                  {"int32", GRAD_DTYPE_I32, i32},    {"int64", GRAD_DTYPE_I64, i64},
                  {"uint8", GRAD_DTYPE_U8, u8},      {"uint16", GRAD_DTYPE_U16, u16},
                  {"uint32", GRAD_DTYPE_U32, u32},   {"uint64", GRAD_DTYPE_U64, u64}};
    size_t i;
    char call[128];
    grad_spacing s;
    for (i = 0; i < COUNT(cases); i++) {
        s = coords(cases[i].dtype, cases[i].x, 7, 1);
        snprintf(call, sizeof call, "np.gradient(f, np.array([0, 1, 3, 4, 7, 8, 10], %s))",
                 cases[i].name);
        check(call, GRAD_DTYPE_F64, f, 7, &s, 1, want1);
        snprintf(call, sizeof call,
                 "np.gradient(f, np.array([0, 1, 3, 4, 7, 8, 10], %s), edge_order=2)",
                 cases[i].name);
        check(call, GRAD_DTYPE_F64, f, 7, &s, 2, want2);
    }
    {
        static const double f3[3] = {1, 2, 4};
        static const double f4[4] = {1, 2, 4, 8};
        static const uint8_t dec[3] = {3, 2, 0};
        static const uint8_t wrap[4] = {0, 200, 100, 255};
        static const uint64_t big[3] = {UINT64_MAX, UINT64_C(9223372036854775808), 5};
        static const int64_t ext[3] = {INT64_MIN, 0, INT64_MAX};
        static const double want_dec[3] = {-1, -1, -1};
        static const double want_wrap[4] = {0.005, -0.045000000000000005, -0.10328445747800587,
                                            0.025806451612903226};
        static const double want_big[3] = {-1.0842021724855044e-19, -1.6263032587282567e-19,
                                           -2.168404344971009e-19};
        static const double want_ext[3] = {1.0842021724855044e-19, 1.6263032587282567e-19,
                                           2.168404344971009e-19};
        s = coords(GRAD_DTYPE_U8, dec, 3, 1);
        check("np.gradient([1., 2, 4], np.array([3, 2, 0], np.uint8))", GRAD_DTYPE_F64, f3, 3,
              &s, 1, want_dec);
        s = coords(GRAD_DTYPE_U8, wrap, 4, 1);
        check("np.gradient([1., 2, 4, 8], np.array([0, 200, 100, 255], np.uint8))",
              GRAD_DTYPE_F64, f4, 4, &s, 1, want_wrap);
        s = coords(GRAD_DTYPE_U64, big, 3, 1);
        check("np.gradient([1., 2, 4], np.array([2**64-1, 2**63, 5], np.uint64))",
              GRAD_DTYPE_F64, f3, 3, &s, 1, want_big);
        s = coords(GRAD_DTYPE_I64, ext, 3, 1);
        check("np.gradient([1., 2, 4], np.array([-2**63, 0, 2**63-1], np.int64))",
              GRAD_DTYPE_F64, f3, 3, &s, 1, want_ext);
    }
}

/* Exactly uniform coordinates collapse to the scalar x[1] - x[0]; others do not. */
static void uniform_collapse(void) {
    static const double f[7] = {0.1, 0.7, 0.35, 2.9, 1.3, 5.55, 4.0};
    static const double quarter[7] = {0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5};
    /* np.arange(7) * 0.1: its differences are not all equal. */
    static const double tenth[7] = {0.0, 0.1, 0.2, 0.30000000000000004,
                                    0.4, 0.5, 0.6000000000000001};
    static const double quarter1[7] = {2.4, 0.49999999999999994, 4.4, 1.9000000000000001,
                                       5.3, 5.4,                 -6.199999999999999};
    static const double quarter2[7] = {4.3, 0.49999999999999994, 4.4, 1.9000000000000001,
                                       5.3, 5.4,                 -17.799999999999997};
    static const double tenth1[7] = {5.999999999999999,  1.2499999999999996, 10.999999999999991,
                                     4.7499999999999885, 13.250000000000005, 13.500000000000028,
                                     -15.499999999999984};
    static const double tenth2[7] = {10.749999999999996, 1.2499999999999996, 10.999999999999991,
                                     4.7499999999999885, 13.250000000000005, 13.500000000000028,
                                     -44.5};
    static const double h_tenth1[7] = {5.999999999999999, 1.2499999999999998, 11.0, 4.75,
                                       13.249999999999998, 13.5, -15.499999999999998};
    grad_spacing s;

    s = coords(GRAD_DTYPE_F64, quarter, 7, 1);
    check("np.gradient(f, np.arange(7) * 0.25) (== np.gradient(f, 0.25))", GRAD_DTYPE_F64, f,
          7, &s, 1, quarter1);
    check("np.gradient(f, np.arange(7) * 0.25, edge_order=2)", GRAD_DTYPE_F64, f, 7, &s, 2,
          quarter2);
    s = scalar(GRAD_SPACING_KIND_SCALAR, 0.25);
    check("np.gradient(f, 0.25)", GRAD_DTYPE_F64, f, 7, &s, 1, quarter1);
    s = coords(GRAD_DTYPE_F64, tenth, 7, 1);
    check("np.gradient(f, np.arange(7) * 0.1) (not uniform: no collapse)", GRAD_DTYPE_F64, f, 7,
          &s, 1, tenth1);
    check("np.gradient(f, np.arange(7) * 0.1, edge_order=2)", GRAD_DTYPE_F64, f, 7, &s, 2,
          tenth2);
    s = scalar(GRAD_SPACING_KIND_SCALAR, 0.1);
    check("np.gradient(f, 0.1) (differs from the line above)", GRAD_DTYPE_F64, f, 7, &s, 1,
          h_tenth1);

    /* The collapse changes Inf handling: 0 * inf is NaN only in the non-uniform formula. */
    {
        static const double g[5] = {0, INFINITY, 0, 0, 0};
        static const double uniform[5] = {0, 1, 2, 3, 4};
        static const double almost[5] = {0, 1, 2, 3, 4.0000000001};
        static const double want_uniform[5] = {INFINITY, 0.0, -INFINITY, 0, 0};
        static const double want_almost[5] = {INFINITY, NAN, -INFINITY, 0, 0};
        s = coords(GRAD_DTYPE_F64, uniform, 5, 1);
        check("np.gradient([0, inf, 0, 0, 0], [0, 1, 2, 3, 4.])", GRAD_DTYPE_F64, g, 5, &s, 1,
              want_uniform);
        s = coords(GRAD_DTYPE_F64, almost, 5, 1);
        check("np.gradient([0, inf, 0, 0, 0], [0, 1, 2, 3, 4.0000000001])", GRAD_DTYPE_F64, g,
              5, &s, 1, want_almost);
    }
}

/* Zero, infinite and NaN steps give numpy's inf/nan (as np.float64 steps). */
static void special_steps(void) {
    static const double f[4] = {1, 2, 4, 7};
    static const double zero1[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
    static const double zero2[4] = {NAN, INFINITY, INFINITY, NAN};
    static const double zeros[4] = {0, 0, 0, 0};
    static const double nans[4] = {NAN, NAN, NAN, NAN};
    grad_spacing s;
    s = scalar(GRAD_SPACING_KIND_SCALAR_F64, 0.0);
    check("np.gradient([1., 2, 4, 7], np.float64(0))", GRAD_DTYPE_F64, f, 4, &s, 1, zero1);
    check("np.gradient([1., 2, 4, 7], np.float64(0), edge_order=2)", GRAD_DTYPE_F64, f, 4, &s,
          2, zero2);
    s = scalar(GRAD_SPACING_KIND_SCALAR, INFINITY);
    check("np.gradient([1., 2, 4, 7], inf)", GRAD_DTYPE_F64, f, 4, &s, 1, zeros);
    check("np.gradient([1., 2, 4, 7], inf, edge_order=2)", GRAD_DTYPE_F64, f, 4, &s, 2, zeros);
    s = scalar(GRAD_SPACING_KIND_SCALAR, NAN);
    check("np.gradient([1., 2, 4, 7], nan)", GRAD_DTYPE_F64, f, 4, &s, 1, nans);
    check("np.gradient([1., 2, 4, 7], nan, edge_order=2)", GRAD_DTYPE_F64, f, 4, &s, 2, nans);
}

/* float32 data: the reference note's §1.7 values, in both precision modes. */
static void float32_data(void) {
    static const float f[6] = {1, 2, 4, 7, 11, 16};
    static const double x[6] = {0, 0.5, 1.75, 2.0, 3.1, 4.0};
    static const float x32[6] = {0, 0.5f, 1.75f, 2.0f, 3.1f, 4.0f};
    static const int16_t xi16[6] = {0, 1, 3, 4, 7, 8};
    static const double quarter[6] = {0, 0.25, 0.5, 0.75, 1.0, 1.25};
    static const float eighth3[6] = {0, 0.375f, 0.75f, 1.125f, 1.5f, 1.875f};
    static const float unit1[6] = {1.0f, 1.5f, 2.5f, 3.5f, 4.5f, 5.0f};
    static const float unit2[6] = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f};
    static const float py1[6] = {3.3333332538604736f, 5.0f, 8.333333015441895f,
                                 11.666666030883789f, 14.999999046325684f, 16.66666603088379f};
    static const float py2[6] = {1.6666665077209473f, 5.0f, 8.333333015441895f,
                                 11.666666030883789f, 14.999999046325684f, 18.333335876464844f};
    static const float np64_1[6] = {3.3333332538604736f, 5.0f, 8.333333015441895f,
                                    11.666666984558105f, 15.0f, 16.66666603088379f};
    static const float np64_2[6] = {1.6666666269302368f, 5.0f, 8.333333015441895f,
                                    11.666666984558105f, 15.0f, 18.33333396911621f};
    /* h = 0.45, where numpy's two single-precision paths differ at edge_order 2. */
    static const float py45_2[6] = {1.1111116409301758f, 3.3333334922790527f, 5.555555820465088f,
                                    7.777778148651123f,  10.0f,              12.222217559814453f};
    static const float np32_45_2[6] = {1.1111111640930176f, 3.3333334922790527f,
                                       5.555555820465088f,  7.777778148651123f,
                                       10.0f,               12.222221374511719f};
    static const float x64_1[6] = {2.0f, 1.8857142925262451f, 10.266666412353516f,
                                   10.451178550720215f, 4.691919326782227f, 5.55555534362793f};
    static const float x64_2[6] = {2.114285707473755f,  1.8857142925262451f, 10.266666412353516f,
                                   10.451178550720215f, 4.691919326782227f,  6.419191837310791f};
    static const float x32_1[6] = {2.0f, 1.8857142925262451f, 10.2666654586792f,
                                   10.451179504394531f, 4.691918849945068f, 5.5555548667907715f};
    static const float x32_2[6] = {2.114285707473755f,  1.8857142925262451f, 10.2666654586792f,
                                   10.451179504394531f, 4.691918849945068f,  6.419191360473633f};
    static const float xi16_1[6] = {1.0f, 1.0f, 2.3333332538604736f, 2.5833332538604736f,
                                    4.083333492279053f, 5.0f};
    static const float xi16_2[6] = {1.0f, 1.0f, 2.3333332538604736f, 2.5833332538604736f,
                                    4.083333492279053f, 5.916666507720947f};
    static const float quarter1[6] = {4.0f, 6.0f, 10.0f, 14.0f, 18.0f, 20.0f};
    static const float quarter2[6] = {2.0f, 6.0f, 10.0f, 14.0f, 18.0f, 22.0f};
    static const float eighth3_1[6] = {2.6666667461395264f, 4.0f, 6.666666507720947f,
                                       9.333333015441895f,  12.0f, 13.333333015441895f};
    static const float eighth3_2[6] = {1.3333334922790527f, 4.0f, 6.666666507720947f,
                                       9.333333015441895f,  12.0f, 14.666664123535156f};
    grad_spacing s;

    check("np.gradient(f32)", GRAD_DTYPE_F32, f, 6, NULL, 1, unit1);
    check("np.gradient(f32, edge_order=2)", GRAD_DTYPE_F32, f, 6, NULL, 2, unit2);
    s = scalar(GRAD_SPACING_KIND_SCALAR, 0.3);
    check("np.gradient(f32, 0.3)", GRAD_DTYPE_F32, f, 6, &s, 1, py1);
    check("np.gradient(f32, 0.3, edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2, py2);
    s = scalar(GRAD_SPACING_KIND_SCALAR_F64, 0.3);
    check("np.gradient(f32, np.float64(0.3))", GRAD_DTYPE_F32, f, 6, &s, 1, np64_1);
    check("np.gradient(f32, np.float64(0.3), edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2,
          np64_2);
    s = scalar(GRAD_SPACING_KIND_SCALAR_F32, 0.3);
    check("np.gradient(f32, np.float32(0.3))", GRAD_DTYPE_F32, f, 6, &s, 1, py1);
    check("np.gradient(f32, np.float32(0.3), edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2, py2);
    s = scalar(GRAD_SPACING_KIND_SCALAR, 0.45);
    check("np.gradient(f32, 0.45, edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2, py45_2);
    s = scalar(GRAD_SPACING_KIND_SCALAR_F32, 0.45);
    check("np.gradient(f32, np.float32(0.45), edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2,
          np32_45_2);

    s = coords(GRAD_DTYPE_F64, x, 6, 1);
    check("np.gradient(f32, x)", GRAD_DTYPE_F32, f, 6, &s, 1, x64_1);
    check("np.gradient(f32, x, edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2, x64_2);
    s = coords(GRAD_DTYPE_F32, x32, 6, 1);
    check("np.gradient(f32, x.astype(np.float32))", GRAD_DTYPE_F32, f, 6, &s, 1, x32_1);
    check("np.gradient(f32, x.astype(np.float32), edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2,
          x32_2);
    s = coords(GRAD_DTYPE_I16, xi16, 6, 1);
    check("np.gradient(f32, np.array([0, 1, 3, 4, 7, 8], np.int16))", GRAD_DTYPE_F32, f, 6, &s,
          1, xi16_1);
    check("np.gradient(f32, np.array([0, 1, 3, 4, 7, 8], np.int16), edge_order=2)",
          GRAD_DTYPE_F32, f, 6, &s, 2, xi16_2);
    /* Uniform float64 coordinates act as np.float64(h); uniform float32 ones as np.float32(h). */
    s = coords(GRAD_DTYPE_F64, quarter, 6, 1);
    check("np.gradient(f32, np.arange(6) * 0.25)", GRAD_DTYPE_F32, f, 6, &s, 1, quarter1);
    check("np.gradient(f32, np.arange(6) * 0.25, edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2,
          quarter2);
    s = coords(GRAD_DTYPE_F32, eighth3, 6, 1);
    check("np.gradient(f32, (np.arange(6) * 0.375).astype(np.float32))", GRAD_DTYPE_F32, f, 6,
          &s, 1, eighth3_1);
    check("np.gradient(f32, (np.arange(6) * 0.375).astype(np.float32), edge_order=2)",
          GRAD_DTYPE_F32, f, 6, &s, 2, eighth3_2);

    /* Uniform integer coordinates become a float64 step: np.float64(3), not Python 3.0
     * (the two differ at edge_order 2). */
    {
        static const int32_t by3[6] = {0, 3, 6, 9, 12, 15};
        static const float want1[6] = {0.3333333432674408f, 0.5f, 0.8333333134651184f,
                                       1.1666666269302368f, 1.5f, 1.6666666269302368f};
        static const float want2[6] = {0.1666666716337204f, 0.5f, 0.8333333134651184f,
                                       1.1666666269302368f, 1.5f, 1.8333333730697632f};
        s = coords(GRAD_DTYPE_I32, by3, 6, 1);
        check("np.gradient(f32, np.int32([0, 3, 6, 9, 12, 15]))", GRAD_DTYPE_F32, f, 6, &s, 1,
              want1);
        check("np.gradient(f32, np.int32([0, 3, 6, 9, 12, 15]), edge_order=2)", GRAD_DTYPE_F32,
              f, 6, &s, 2, want2);
        s = scalar(GRAD_SPACING_KIND_SCALAR_F64, 3.0);
        check("np.gradient(f32, np.float64(3), edge_order=2)", GRAD_DTYPE_F32, f, 6, &s, 2,
              want2);
    }

    /* float32(1e39) is inf, but the edge_order-2 coefficients are computed in double. */
    {
        static const float g[4] = {1, 2, 4, 7};
        static const float want[4] = {5.000001076526666e-40f, 0.0f, 0.0f,
                                      3.5000007535686664e-39f};
        s = scalar(GRAD_SPACING_KIND_SCALAR, 1e39);
        check("np.gradient(np.float32([1, 2, 4, 7]), 1e39, edge_order=2)", GRAD_DTYPE_F32, g, 4,
              &s, 2, want);
    }
}

/* Integer data is converted to float64 before any subtraction. */
static void integer_data(void) {
    static const uint8_t u8[3] = {0, 255, 0};
    static const int8_t i8[3] = {-128, 127, -128};
    static const uint64_t u64[3] = {UINT64_MAX, 0, 5};
    static const double want_8[3] = {255, 0, -255};
    static const double want_u64[3] = {-1.8446744073709552e+19, -9.223372036854776e+18, 5.0};
    /* [3, 1, 4, 1, 5, 9] with h = 0.3 and edge_order 2, in every wider integer dtype. */
    static const int16_t i16[6] = {3, 1, 4, 1, 5, 9};
    static const int32_t i32[6] = {3, 1, 4, 1, 5, 9};
    static const int64_t i64[6] = {3, 1, 4, 1, 5, 9};
    static const uint16_t u16[6] = {3, 1, 4, 1, 5, 9};
    static const uint32_t u32[6] = {3, 1, 4, 1, 5, 9};
    static const double want_pi[6] = {-15.0, 1.6666666666666667, 0.0, 1.6666666666666667,
                                      13.333333333333334, 13.333333333333332};
    /* Extreme values of each dtype, h = 0.3, edge_order 1. */
    static const int16_t i16x[4] = {-32768, 32767, -32768, 5};
    static const int32_t i32x[4] = {INT32_MIN, INT32_MAX, INT32_MIN, 5};
    static const int64_t i64x[4] = {INT64_MIN, INT64_MAX, INT64_MIN, 5};
    static const uint16_t u16x[4] = {0, 65535, 0, 5};
    static const uint32_t u32x[4] = {0, UINT32_MAX, 0, 5};
    static const double want_i16x[4] = {218450.0, 0.0, -54603.333333333336, 109243.33333333334};
    static const double want_i32x[4] = {14316557650.0, 0.0, -3579139403.3333335,
                                        7158278843.333334};
    static const double want_i64x[4] = {6.1489146912365175e+19, 0.0, -1.5372286728091294e+19,
                                        3.0744573456182587e+19};
    static const double want_u16x[4] = {218450.0, 0.0, -109216.66666666667, 16.666666666666668};
    static const double want_u32x[4] = {14316557650.0, 0.0, -7158278816.666667,
                                        16.666666666666668};
    grad_spacing s;

    check("np.gradient(np.array([0, 255, 0], np.uint8))", GRAD_DTYPE_U8, u8, 3, NULL, 1, want_8);
    check("np.gradient(np.array([-128, 127, -128], np.int8))", GRAD_DTYPE_I8, i8, 3, NULL, 1,
          want_8);
    check("np.gradient(np.array([2**64-1, 0, 5], np.uint64))", GRAD_DTYPE_U64, u64, 3, NULL, 1,
          want_u64);
    s = scalar(GRAD_SPACING_KIND_SCALAR, 0.3);
    check("np.gradient(np.int16([3, 1, 4, 1, 5, 9]), 0.3, edge_order=2)", GRAD_DTYPE_I16, i16, 6,
          &s, 2, want_pi);
    check("np.gradient(np.int32([3, 1, 4, 1, 5, 9]), 0.3, edge_order=2)", GRAD_DTYPE_I32, i32, 6,
          &s, 2, want_pi);
    check("np.gradient(np.int64([3, 1, 4, 1, 5, 9]), 0.3, edge_order=2)", GRAD_DTYPE_I64, i64, 6,
          &s, 2, want_pi);
    check("np.gradient(np.uint16([3, 1, 4, 1, 5, 9]), 0.3, edge_order=2)", GRAD_DTYPE_U16, u16,
          6, &s, 2, want_pi);
    check("np.gradient(np.uint32([3, 1, 4, 1, 5, 9]), 0.3, edge_order=2)", GRAD_DTYPE_U32, u32,
          6, &s, 2, want_pi);
    check("np.gradient(np.int16([-32768, 32767, -32768, 5]), 0.3)", GRAD_DTYPE_I16, i16x, 4, &s,
          1, want_i16x);
    check("np.gradient(np.int32([-2**31, 2**31-1, -2**31, 5]), 0.3)", GRAD_DTYPE_I32, i32x, 4,
          &s, 1, want_i32x);
    check("np.gradient(np.int64([-2**63, 2**63-1, -2**63, 5]), 0.3)", GRAD_DTYPE_I64, i64x, 4,
          &s, 1, want_i64x);
    check("np.gradient(np.uint16([0, 65535, 0, 5]), 0.3)", GRAD_DTYPE_U16, u16x, 4, &s, 1,
          want_u16x);
    check("np.gradient(np.uint32([0, 2**32-1, 0, 5]), 0.3)", GRAD_DTYPE_U32, u32x, 4, &s, 1,
          want_u32x);
}

/* Complex data, stored as (real, imaginary) pairs. */
static void complex_data(void) {
    static const double x[7] = {0, 0.5, 1.75, 2.0, 3.1, 4.0, 5.5};
    static const float x32[7] = {0, 0.5f, 1.75f, 2.0f, 3.1f, 4.0f, 5.5f};
    /* numpy.random.default_rng(7): standard_normal(7) + 1j * standard_normal(7) */
    static const double z[14] = {
        0.0012301533574825742, 1.3402152455545335,  0.2987455375084699, -0.49220651855132963,
        -0.2741378553622176,   -0.6204748998199404, -0.8905918387572742, 0.4898420501851982,
        -0.45467078517172255,  0.35688700816006075, -0.9916465549964624, 0.10541424899789856,
        0.060143602597438485,  -0.9304680447082047};
    static const double h1[14] = {
        0.42502197735855335, -2.6177453772940904,  -0.19669143479978582, -1.4004929609817671,
        -0.8495266973326743, 0.7014632633832343,   -0.128952092721075,   0.6981156485571437,
        -0.07218194017084868, -0.27459128656235693, 0.36772456269225784,  -0.9195393234773324,
        1.502557367991287,    -1.479831848151576};
    static const double h2[14] = {
        1.0467353895168925,   -3.8349977936064135,  -0.19669143479978582, -1.4004929609817671,
        -0.8495266973326743,  0.7014632633832343,   -0.128952092721075,   0.6981156485571437,
        -0.07218194017084868, -0.27459128656235693, 0.36772456269225784,  -0.9195393234773324,
        2.637390173290316,    -2.0401243728258196};
    static const double x1[14] = {
        0.5950307683019747,   -3.664843528211726,   0.2940772018452533,   -2.647063864441201,
        -2.1312310636996137,  3.683954049181314,    -1.9357959705290815,  3.5964277963088125,
        -0.14982051923416095, -0.20806849627604931, -0.10995230075759414, -0.4336044339558051,
        0.7011934383959338,   -0.6905881958040687};
    static const double x2[14] = {
        0.8959843347586959,   -4.682623191982251,   0.2940772018452533,   -2.647063864441201,
        -2.1312310636996137,  3.683954049181314,    -1.9357959705290815,  3.5964277963088125,
        -0.14982051923416095, -0.20806849627604931, -0.10995230075759414, -0.4336044339558051,
        1.512339177549462,    -0.9475719576523327};
    static const double f32h1[14] = {
        0.4250219845966346,   -2.617745421874029,   -0.19669143814942103, -1.4004929848320204,
        -0.8495267118000279,  0.7014632753290826,   -0.12895209491711607, 0.6981156604459825,
        -0.07218194140009983, -0.27459129123861875, 0.36772456895456995,  -0.919539339136994,
        1.5025573935796868,   -1.4798318733529625};
    static const double f32h2[14] = {
        1.0467354146196546,   -3.834997725273778,   -0.19669143814942103, -1.4004929848320204,
        -0.8495267118000279,  0.7014632753290826,   -0.12895209491711607, 0.6981156604459825,
        -0.07218194140009983, -0.27459129123861875, 0.36772456895456995,  -0.919539339136994,
        2.6373902290009217,   -2.0401243105457407};
    /* The same numbers as complex64. */
    static const float z64[14] = {
        0.001230153371579945f, 1.3402152061462402f,  0.2987455427646637f, -0.49220651388168335f,
        -0.27413785457611084f, -0.6204748749732971f, -0.8905918598175049f, 0.4898420572280884f,
        -0.454670786857605f,   0.35688701272010803f, -0.9916465282440186f, 0.1054142490029335f,
        0.0601436011493206f,   -0.9304680228233337f};
    static const float c64h1[14] = {
        0.4250220060348511f,   -2.6177453994750977f, -0.19669143855571747f, -1.4004929065704346f,
        -0.8495267033576965f,  0.7014632821083069f,  -0.12895210087299347f, 0.6981156468391418f,
        -0.07218191027641296f, -0.2745912969112396f, 0.36772456765174866f,  -0.9195393323898315f,
        1.502557396888733f,    -1.4798318147659302f};
    static const float c64h2[14] = {
        1.0467355251312256f,   -3.8349976539611816f, -0.19669143855571747f, -1.4004929065704346f,
        -0.8495267033576965f,  0.7014632821083069f,  -0.12895210087299347f, 0.6981156468391418f,
        -0.07218191027641296f, -0.2745912969112396f, 0.36772456765174866f,  -0.9195393323898315f,
        2.63739013671875f,     -2.0401244163513184f};
    static const float c64d1[14] = {
        0.4250219762325287f,   -2.6177453994750977f, -0.19669143855571747f, -1.4004929065704346f,
        -0.8495267033576965f,  0.7014632821083069f,  -0.12895210087299347f, 0.6981156468391418f,
        -0.07218190282583237f, -0.2745912969112396f, 0.36772456765174866f,  -0.9195393323898315f,
        1.5025572776794434f,   -1.4798318147659302f};
    static const float c64d2[14] = {
        1.046735405921936f,    -3.8349976539611816f, -0.19669143855571747f, -1.4004929065704346f,
        -0.8495267033576965f,  0.7014632821083069f,  -0.12895210087299347f, 0.6981156468391418f,
        -0.07218190282583237f, -0.2745912969112396f, 0.36772456765174866f,  -0.9195393323898315f,
        2.63739013671875f,     -2.0401244163513184f};
    static const float c64x1[14] = {
        0.5950307846069336f,   -3.6648435592651367f,  0.29407721757888794f,  -2.647063732147217f,
        -2.1312308311462402f,  3.6839540004730225f,   -1.9357961416244507f,  3.5964279174804688f,
        -0.14982035756111145f, -0.20806849002838135f, -0.10995220392942429f, -0.4336044192314148f,
        0.7011934518814087f,   -0.6905881762504578f};
    static const float c64x2[14] = {
        0.8959843516349792f,   -4.682622909545898f,   0.29407721757888794f,  -2.647063732147217f,
        -2.1312308311462402f,  3.6839540004730225f,   -1.9357961416244507f,  3.5964279174804688f,
        -0.14982035756111145f, -0.20806849002838135f, -0.10995220392942429f, -0.4336044192314148f,
        1.5123391151428223f,   -0.9475719928741455f};
    grad_spacing s;

    /* Division by the real step is numpy's complex divide: inf * 0 gives a NaN part. */
    {
        static const double g[8] = {1, 1, INFINITY, 1, 3, 0, 4, 4};
        static const double want[8] = {INFINITY, NAN, 2.0, -1.0, -INFINITY, NAN, 2.0, 8.0};
        s = scalar(GRAD_SPACING_KIND_SCALAR, 0.5);
        check("np.gradient([1+1j, inf+1j, 3, 4+4j], 0.5)", GRAD_DTYPE_C128, g, 4, &s, 1, want);
    }
    s = scalar(GRAD_SPACING_KIND_SCALAR, 0.7);
    check("np.gradient(z, 0.7)", GRAD_DTYPE_C128, z, 7, &s, 1, h1);
    check("np.gradient(z, 0.7, edge_order=2)", GRAD_DTYPE_C128, z, 7, &s, 2, h2);
    s = scalar(GRAD_SPACING_KIND_SCALAR_F32, 0.7);
    check("np.gradient(z, np.float32(0.7))", GRAD_DTYPE_C128, z, 7, &s, 1, f32h1);
    check("np.gradient(z, np.float32(0.7), edge_order=2)", GRAD_DTYPE_C128, z, 7, &s, 2, f32h2);
    s = coords(GRAD_DTYPE_F64, x, 7, 1);
    check("np.gradient(z, x)", GRAD_DTYPE_C128, z, 7, &s, 1, x1);
    check("np.gradient(z, x, edge_order=2)", GRAD_DTYPE_C128, z, 7, &s, 2, x2);

    s = scalar(GRAD_SPACING_KIND_SCALAR, 0.7);
    check("np.gradient(z.astype(np.complex64), 0.7)", GRAD_DTYPE_C64, z64, 7, &s, 1, c64h1);
    check("np.gradient(z.astype(np.complex64), 0.7, edge_order=2)", GRAD_DTYPE_C64, z64, 7, &s,
          2, c64h2);
    s = scalar(GRAD_SPACING_KIND_SCALAR_F64, 0.7);
    check("np.gradient(z.astype(np.complex64), np.float64(0.7))", GRAD_DTYPE_C64, z64, 7, &s, 1,
          c64d1);
    check("np.gradient(z.astype(np.complex64), np.float64(0.7), edge_order=2)", GRAD_DTYPE_C64,
          z64, 7, &s, 2, c64d2);
    s = coords(GRAD_DTYPE_F32, x32, 7, 1);
    check("np.gradient(z.astype(np.complex64), x.astype(np.float32))", GRAD_DTYPE_C64, z64, 7,
          &s, 1, c64x1);
    check("np.gradient(z.astype(np.complex64), x.astype(np.float32), edge_order=2)",
          GRAD_DTYPE_C64, z64, 7, &s, 2, c64x2);
}

/* 2-D: one spacing for every axis, or one per axis (scalar and coordinates mixed). */
static void two_dimensional(void) {
    /* A, 3 x 4, C order */
    static const double a[12] = {0.1, 0.7, 0.35, 2.9, 1.3, 5.55, 4.0, -1.25, 2.5, 0.0, 3.75, 1.0};
    static const double x3[3] = {0, 1, 3};
    static const double unit0[12] = {1.2, 4.85, 3.65, -4.15, 1.2, -0.35,
                                     1.7, -0.95, 1.2, -5.55, -0.25, 2.25};
    static const double unit1[12] = {0.6,  0.12499999999999999, 1.1,   2.55,
                                     4.25, 1.35,                -3.4,  -5.25,
                                     -2.5, 0.625,               0.5,   -2.75};
    static const double h0[12] = {4.0, 16.166666666666668, 12.166666666666666, -13.833333333333336,
                                  4.0, -1.1666666666666667, 5.666666666666667, -3.1666666666666665,
                                  4.0, -18.5,               -0.8333333333333334, 7.5};
    static const double h1[12] = {2.0,                 0.41666666666666663, 3.666666666666667,
                                  8.5,                 14.166666666666668,  4.500000000000001,
                                  -11.333333333333334, -17.5,               -8.333333333333334,
                                  2.0833333333333335,  1.6666666666666667,  -9.166666666666668};
    static const double h0e2[12] = {
        4.000000000000001, 33.5,                18.666666666666668, -24.500000000000004,
        4.0,               -1.1666666666666667, 5.666666666666667,  -3.1666666666666665,
        3.9999999999999982, -35.833333333333336, -7.333333333333336, 18.166666666666668};
    static const double h1e2[12] = {
        3.5833333333333335,  0.41666666666666663, 3.666666666666667,  13.333333333333334,
        23.833333333333332,  4.500000000000001,   -11.333333333333334, -23.666666666666668,
        -18.75,              2.0833333333333335,  1.6666666666666667, -20.0};
    static const double x0[12] = {1.2, 4.85, 3.65, -4.15, 1.0, 2.308333333333333,
                                  2.3916666666666666, -2.3916666666666666, 0.6, -2.775, -0.125,
                                  1.125};
    static const struct {
        const char *call;
        size_t n_spacing;
        int edge_order;
        const double *want0, *want1;
    } cases[5] = {
        {"np.gradient(A, 0.3)", 1, 1, h0, h1},
        {"np.gradient(A, 0.3, edge_order=2)", 1, 2, h0e2, h1e2},
        {"np.gradient(A, [0, 1, 3], 0.3)", 2, 1, x0, h1},
        {"np.gradient(A, 1.0) (one UNIT spacing)", 1, 1, unit0, unit1},
        {"np.gradient(A, 1.0, 0.3) (UNIT, SCALAR)", 2, 1, unit0, h1},
    };
    grad_spacing spacings[5][2];
    size_t shape[2] = {3, 4};
    size_t i;
    spacings[0][0] = scalar(GRAD_SPACING_KIND_SCALAR, 0.3);
    spacings[1][0] = scalar(GRAD_SPACING_KIND_SCALAR, 0.3);
    spacings[2][0] = coords(GRAD_DTYPE_F64, x3, 3, 1);
    spacings[2][1] = scalar(GRAD_SPACING_KIND_SCALAR, 0.3);
    spacings[3][0] = scalar(GRAD_SPACING_KIND_UNIT, 0);
    spacings[4][0] = scalar(GRAD_SPACING_KIND_UNIT, 0);
    spacings[4][1] = scalar(GRAD_SPACING_KIND_SCALAR, 0.3);
    for (i = 0; i < COUNT(cases); i++) {
        double d0[12], d1[12];
        void *outs[2];
        grad_status status;
        outs[0] = d0;
        outs[1] = d1;
        status = grad_gradient(GRAD_DTYPE_F64, a, 2, shape, NULL, spacings[i], cases[i].n_spacing,
                               NULL, 0, cases[i].edge_order, outs, 2, NULL, 0);
        if (status != GRAD_STATUS_OK) {
            printf("FAIL %s: status %d: %s\n", cases[i].call, (int)status, grad_last_error());
            failures++;
            continue;
        }
        compare(cases[i].call, GRAD_DTYPE_F64, d0, cases[i].want0, 12);
        compare(cases[i].call, GRAD_DTYPE_F64, d1, cases[i].want1, 12);
    }
}

int main(void) {
    float64_data();
    integer_coordinates();
    uniform_collapse();
    special_steps();
    float32_data();
    integer_data();
    complex_data();
    two_dimensional();
    if (failures != 0) {
        printf("test_spacing: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_spacing: all checks passed\n");
    return 0;
}
