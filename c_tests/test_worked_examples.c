/* The worked examples of numpy.gradient, checked bit for bit.
 *
 * Every expected value below is what numpy 2.4.6 returns for the numpy call named next to
 * it (printed with repr, which round-trips exactly). Results are compared with memcmp,
 * never with a tolerance. Exit status 0 means every check passed; each failure prints the
 * call, the element, the value and the expected value.
 */
#include "gradient.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int failures = 0;

/* Reports a failed call with its status and the library's detail message. */
static int expect_ok(const char *call, grad_status status) {
    if (status == GRAD_STATUS_OK) {
        return 1;
    }
    printf("FAIL %s: status %d (%s): %s\n", call, (int)status, grad_status_message(status),
           grad_last_error());
    failures++;
    return 0;
}

/* Compares n doubles bit for bit. */
static void expect_doubles(const char *call, const double *got, const double *want, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        if (memcmp(&got[i], &want[i], sizeof(double)) != 0) {
            printf("FAIL %s: element %zu is %.17g (%a); numpy gives %.17g (%a)\n", call, i,
                   got[i], got[i], want[i], want[i]);
            failures++;
        }
    }
}

/* A unit (zero-initialised), scalar or coordinate spacing for one axis. */
static grad_spacing unit(void) {
    grad_spacing s;
    memset(&s, 0, sizeof s);
    return s;
}

static grad_spacing step(double h) {
    grad_spacing s = unit();
    s.kind = GRAD_SPACING_KIND_SCALAR;
    s.h = h;
    return s;
}

static grad_spacing coordinates(const double *x, size_t n) {
    grad_spacing s = unit();
    s.kind = GRAD_SPACING_KIND_COORDINATES;
    s.dtype = GRAD_DTYPE_F64;
    s.coordinates = x;
    s.length = n;
    s.stride = 1;
    return s;
}

/* grad_gradient on a 1-D double array of length n (at most 8). */
static void check_1d(const char *call, const double *f, size_t n, const grad_spacing *spacing,
                     size_t n_spacing, int edge_order, const double *want) {
    double out[8];
    void *outs[1];
    size_t shape[1];
    shape[0] = n;
    outs[0] = out;
    if (expect_ok(call, grad_gradient(GRAD_DTYPE_F64, f, 1, shape, NULL, spacing, n_spacing,
                                      NULL, 0, edge_order, outs, 1, NULL, 0))) {
        expect_doubles(call, out, want, n);
    }
}

/* grad_gradient on a rows x cols double array (C order), both axes. */
static void check_2d(const char *call, const double *f, size_t rows, size_t cols,
                     const grad_spacing *spacing, size_t n_spacing, int edge_order,
                     const double *want0, const double *want1) {
    double d0[16], d1[16];
    void *outs[2];
    size_t shape[2];
    shape[0] = rows;
    shape[1] = cols;
    outs[0] = d0;
    outs[1] = d1;
    if (expect_ok(call, grad_gradient(GRAD_DTYPE_F64, f, 2, shape, NULL, spacing, n_spacing,
                                      NULL, 0, edge_order, outs, 2, NULL, 0))) {
        expect_doubles(call, d0, want0, rows * cols);
        expect_doubles(call, d1, want1, rows * cols);
    }
}

static void one_dimensional(void) {
    /* np.gradient([1, 2, 4, 7, 11, 16]): an integer list, so int64 in, float64 out. */
    {
        const int64_t f[6] = {1, 2, 4, 7, 11, 16};
        const double want[6] = {1.0, 1.5, 2.5, 3.5, 4.5, 5.0};
        double out[6];
        void *outs[1];
        size_t shape[1] = {6};
        outs[0] = out;
        if (expect_ok("np.gradient([1, 2, 4, 7, 11, 16]) (int64)",
                      grad_gradient(GRAD_DTYPE_I64, f, 1, shape, NULL, NULL, 0, NULL, 0, 1,
                                    outs, 1, NULL, 0))) {
            expect_doubles("np.gradient([1, 2, 4, 7, 11, 16]) (int64)", out, want, 6);
        }
    }
    {
        const double f[6] = {1, 2, 4, 7, 11, 16};
        const double want[6] = {1.0, 1.5, 2.5, 3.5, 4.5, 5.0};
        double out[6];
        size_t shape[1] = {6};
        if (expect_ok("np.gradient([1., 2, 4, 7, 11, 16]) via grad_gradient_f64",
                      grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, out, 6, 0))) {
            expect_doubles("np.gradient([1., 2, 4, 7, 11, 16]) via grad_gradient_f64", out, want,
                           6);
        }
    }

    {
        const double f[4] = {5, 7, 4, 8};
        const double x[4] = {0, 1, 3, 3.5};
        const double want_unit[4] = {2.0, -0.5, 0.5, 4.0};
        const double want_half[4] = {4.0, -1.0, 1.0, 8.0};
        const double want_x[4] = {2.0, 0.8333333333333336, 6.1000000000000005, 8.0};
        const double want_x2[4] = {3.1666666666666674, 0.8333333333333336, 6.1000000000000005,
                                   9.899999999999999};
        const double want_unit2[4] = {4.5, -0.5, 0.5, 7.5};
        const double want_half2[4] = {9.0, -1.0, 1.0, 15.0};
        grad_spacing s;

        check_1d("np.gradient([5., 7, 4, 8])", f, 4, NULL, 0, 1, want_unit);
        s = unit();
        check_1d("np.gradient([5., 7, 4, 8], 1.0) (explicit unit kind)", f, 4, &s, 1, 1,
                 want_unit);
        s = step(0.5);
        check_1d("np.gradient([5., 7, 4, 8], 0.5)", f, 4, &s, 1, 1, want_half);
        s = coordinates(x, 4);
        check_1d("np.gradient([5., 7, 4, 8], [0, 1, 3, 3.5])", f, 4, &s, 1, 1, want_x);
        check_1d("np.gradient([5., 7, 4, 8], [0, 1, 3, 3.5], edge_order=2)", f, 4, &s, 1, 2,
                 want_x2);
        check_1d("np.gradient([5., 7, 4, 8], edge_order=2)", f, 4, NULL, 0, 2, want_unit2);
        s = step(0.5);
        check_1d("np.gradient([5., 7, 4, 8], 0.5, edge_order=2)", f, 4, &s, 1, 2, want_half2);
        {
            const double h = 0.5;
            double out[4];
            size_t shape[1] = {4};
            if (expect_ok("np.gradient([5., 7, 4, 8], 0.5) via grad_gradient_f64",
                          grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_ROW_MAJOR, &h, 1, out, 4,
                                            0))) {
                expect_doubles("np.gradient([5., 7, 4, 8], 0.5) via grad_gradient_f64", out,
                               want_half, 4);
            }
        }
    }

    /* The numpy docstring examples. */
    {
        const double f[6] = {1, 2, 4, 7, 11, 16};
        const double x[6] = {0, 1, 1.5, 3.5, 4, 6};
        const double want[6] = {1.0, 2.9999999999999996, 3.5, 6.700000000000001,
                                6.899999999999999, 2.5};
        grad_spacing s = coordinates(x, 6);
        check_1d("np.gradient([1., 2, 4, 7, 11, 16], [0, 1, 1.5, 3.5, 4, 6])", f, 6, &s, 1, 1,
                 want);
    }
    {
        const double x[5] = {0, 2, 3, 6, 8};
        const double y[5] = {0, 4, 9, 36, 64};
        const double want[5] = {0.0, 4.0, 6.0, 12.0, 15.999999999999996};
        grad_spacing s = coordinates(x, 5);
        check_1d("np.gradient(x**2, x, edge_order=2) with x = [0., 2, 3, 6, 8]", y, 5, &s, 1, 2,
                 want);
    }
}

static void two_dimensional(void) {
    const double a[6] = {1, 2, 6, 3, 4, 5}; /* [[1, 2, 6], [3, 4, 5]] */
    const double b[9] = {1, 2, 6, 3, 4, 5, 0, 2, 9}; /* [[1, 2, 6], [3, 4, 5], [0, 2, 9]] */
    const double x124[3] = {1, 2, 4};
    const double x05[2] = {0, 5};
    const double xdoc[3] = {1, 1.5, 3.5};
    grad_spacing s[2];

    {
        const double d0[6] = {2, 2, -1, 2, 2, -1};
        const double d1[6] = {1, 2.5, 4, 1, 1, 1};
        size_t shape[2] = {2, 3};
        double out[12];
        check_2d("np.gradient(A)", a, 2, 3, NULL, 0, 1, d0, d1);
        if (expect_ok("np.gradient(A) via grad_gradient_f64",
                      grad_gradient_f64(a, 2, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, out, 12, 0))) {
            expect_doubles("np.gradient(A)[0] via grad_gradient_f64", out, d0, 6);
            expect_doubles("np.gradient(A)[1] via grad_gradient_f64", out + 6, d1, 6);
        }
    }
    {
        const double d0[6] = {1, 1, -0.5, 1, 1, -0.5};
        const double d1[6] = {1.0, 1.3333333333333335, 2.0, 1.0, 0.8333333333333333, 0.5};
        s[0] = step(2);
        s[1] = coordinates(x124, 3);
        check_2d("np.gradient(A, 2, [1, 2, 4])", a, 2, 3, s, 2, 1, d0, d1);
    }
    {
        const double d0[6] = {1, 1, -0.5, 1, 1, -0.5};
        const double d1[6] = {2, 2, 2, 2.0, 1.6999999999999993, 0.5};
        s[0] = step(2);
        s[1] = coordinates(xdoc, 3);
        check_2d("np.gradient(A, 2., [1., 1.5, 3.5])", a, 2, 3, s, 2, 1, d0, d1);
    }
    {
        const double d0[6] = {0.4, 0.4, -0.2, 0.4, 0.4, -0.2};
        const double d1[6] = {1, 1.3333333333333335, 2, 1, 0.8333333333333333, 0.5};
        s[0] = coordinates(x05, 2);
        s[1] = coordinates(x124, 3);
        check_2d("np.gradient(A, [0, 5], [1, 2, 4])", a, 2, 3, s, 2, 1, d0, d1);
    }
    {
        const double d0[6] = {1, 1, -0.5, 1, 1, -0.5};
        const double d1[6] = {0.3333333333333333, 0.8333333333333334, 1.3333333333333333,
                              0.3333333333333333, 0.3333333333333333, 0.3333333333333333};
        const double h[2] = {2, 3};
        size_t shape[2] = {2, 3};
        double out[12];
        s[0] = step(2);
        s[1] = step(3);
        check_2d("np.gradient(A, 2, 3)", a, 2, 3, s, 2, 1, d0, d1);
        if (expect_ok("np.gradient(A, 2, 3) via grad_gradient_f64",
                      grad_gradient_f64(a, 2, shape, GRAD_LAYOUT_ROW_MAJOR, h, 1, out, 12, 0))) {
            expect_doubles("np.gradient(A, 2, 3)[0] via grad_gradient_f64", out, d0, 6);
            expect_doubles("np.gradient(A, 2, 3)[1] via grad_gradient_f64", out + 6, d1, 6);
        }
    }
    {
        /* np.gradient(A, 2, [1, 2, 4], edge_order=2): axis 0 has only 2 rows. */
        double d0[6], d1[6];
        void *outs[2];
        size_t shape[2] = {2, 3};
        grad_status status;
        outs[0] = d0;
        outs[1] = d1;
        s[0] = step(2);
        s[1] = coordinates(x124, 3);
        status = grad_gradient(GRAD_DTYPE_F64, a, 2, shape, NULL, s, 2, NULL, 0, 2, outs, 2, NULL,
                               0);
        if (status != GRAD_STATUS_AXIS_TOO_SHORT) {
            printf("FAIL np.gradient(A, 2, [1, 2, 4], edge_order=2): status %d, expected "
                   "GRAD_STATUS_AXIS_TOO_SHORT (numpy: ValueError, shape too small)\n",
                   (int)status);
            failures++;
        }
    }
    {
        const double d0[9] = {2.25, 2.0, -1.75, -0.25, 0.0, 0.75, -2.75, -2.0, 3.25};
        const double d1[9] = {0.6666666666666667, 1.3333333333333335, 2.6666666666666665,
                              1.1666666666666667, 0.8333333333333333, 0.16666666666666696,
                              1.5,                2.5,                4.5};
        s[0] = step(2);
        s[1] = coordinates(x124, 3);
        check_2d("np.gradient(B, 2, [1, 2, 4], edge_order=2)", b, 3, 3, s, 2, 2, d0, d1);
    }
    {
        const double d0[9] = {1.0, 1.0, -0.5, -0.25, 0.0, 0.75, -1.5, -1.0, 2.0};
        const double d1[9] = {1.0, 1.3333333333333335, 2.0, 1.0, 0.8333333333333333, 0.5,
                              2.0, 2.5,                3.5};
        s[0] = step(2);
        s[1] = coordinates(x124, 3);
        check_2d("np.gradient(B, 2, [1, 2, 4])", b, 3, 3, s, 2, 1, d0, d1);
    }
    {
        /* np.gradient(A, axis=(-1, 0)): outputs in the order of axis. */
        const double d1[6] = {1, 2.5, 4, 1, 1, 1};
        const double d0[6] = {2, 2, -1, 2, 2, -1};
        const int32_t axes[2] = {-1, 0};
        double first[6], second[6];
        void *outs[2];
        size_t shape[2] = {2, 3};
        outs[0] = first;
        outs[1] = second;
        if (expect_ok("np.gradient(A, axis=(-1, 0))",
                      grad_gradient(GRAD_DTYPE_F64, a, 2, shape, NULL, NULL, 0, axes, 2, 1, outs,
                                    2, NULL, 0))) {
            expect_doubles("np.gradient(A, axis=(-1, 0))[0]", first, d1, 6);
            expect_doubles("np.gradient(A, axis=(-1, 0))[1]", second, d0, 6);
        }
    }
}

int main(void) {
    one_dimensional();
    two_dimensional();
    if (failures != 0) {
        printf("test_worked_examples: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_worked_examples: all checks passed\n");
    return 0;
}
