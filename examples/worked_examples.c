/* Worked examples: numpy.gradient from C with libgradient.
 *
 * Each block prints the numpy call it reproduces, then the libgradient function used and
 * its result, which equals numpy's bit for bit. Numbers are printed like Python's repr:
 * the shortest text that reads back as the same double.
 *
 * Two entry points are shown:
 * - grad_gradient_f64: contiguous double arrays, one scalar step per axis (or unit
 *   spacing), every axis, outputs stacked in one buffer. The simple one.
 * - grad_gradient: any dtype, any strides, coordinate arrays, a choice of axes, one
 *   output array per requested axis. The general one.
 * Both return a grad_status; on failure grad_last_error() says what was wrong.
 *
 * Run it:  cargo run --release --example worked_examples
 * Or by hand, from the crate root:
 *   cargo build --release
 *   cc -std=c99 -I include examples/worked_examples.c -L target/release -lgradient -o we
 *   LD_LIBRARY_PATH=target/release ./we
 */
#include "gradient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stops the program with the library's explanation if a call failed. */
static void check(grad_status status) {
    if (status != GRAD_STATUS_OK) {
        fprintf(stderr, "libgradient error %d: %s: %s\n", (int)status,
                grad_status_message(status), grad_last_error());
        exit(1);
    }
}

/* Formats x like Python's repr(x): the fewest significant digits that read back as x,
 * in positional notation for 1e-4 <= |x| < 1e16 (with ".0" if integral). */
static void repr(double x, char *buf, size_t size) {
    char sci[40];
    int digits, exponent;
    for (digits = 1; digits <= 17; digits++) {
        snprintf(sci, sizeof sci, "%.*e", digits - 1, x);
        if (strtod(sci, NULL) == x) {
            break;
        }
    }
    exponent = atoi(strchr(sci, 'e') + 1);
    if (exponent < -4 || exponent >= 16) {
        snprintf(buf, size, "%s", sci);
        return;
    }
    snprintf(buf, size, "%.*f", digits - 1 - exponent > 0 ? digits - 1 - exponent : 0, x);
    if (strchr(buf, '.') == NULL) {
        strncat(buf, ".0", size - strlen(buf) - 1);
    }
}

/* Prints [v0, v1, ...]. */
static void print_vector(const double *v, size_t n) {
    char text[40];
    size_t i;
    printf("[");
    for (i = 0; i < n; i++) {
        repr(v[i], text, sizeof text);
        printf(i ? ", %s" : "%s", text);
    }
    printf("]");
}

/* Prints a row-major rows x cols matrix as [[...], [...]]. */
static void print_matrix(const double *m, size_t rows, size_t cols) {
    size_t r;
    printf("[");
    for (r = 0; r < rows; r++) {
        if (r) {
            printf(", ");
        }
        print_vector(m + r * cols, cols);
    }
    printf("]");
}

/* The spacing of one axis given by coordinates (sample positions), as numpy accepts them. */
static grad_spacing coordinates(const double *x, size_t n) {
    grad_spacing s;
    memset(&s, 0, sizeof s); /* zero-initialised means unit spacing */
    s.kind = GRAD_SPACING_KIND_COORDINATES;
    s.dtype = GRAD_DTYPE_F64;
    s.coordinates = x;
    s.length = n;
    s.stride = 1; /* consecutive doubles */
    return s;
}

static void one_dimensional(void) {
    const double f[6] = {1, 2, 4, 7, 11, 16};
    const double g[4] = {5, 7, 4, 8};
    const double x[4] = {0, 1, 3, 3.5};
    const double half = 0.5;
    double out[6];
    void *outs[1];
    size_t shape[1];
    grad_spacing spacing;

    printf("np.gradient([1, 2, 4, 7, 11, 16])\n  grad_gradient_f64 -> ");
    shape[0] = 6;
    check(grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, out, 6, 0));
    print_vector(out, 6);
    printf("\n\n");

    shape[0] = 4;
    printf("np.gradient([5., 7., 4., 8.])\n  grad_gradient_f64 -> ");
    check(grad_gradient_f64(g, 1, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, out, 4, 0));
    print_vector(out, 4);
    printf("\n\n");

    printf("np.gradient([5., 7., 4., 8.], 0.5)\n  grad_gradient_f64 -> ");
    check(grad_gradient_f64(g, 1, shape, GRAD_LAYOUT_ROW_MAJOR, &half, 1, out, 4, 0));
    print_vector(out, 4);
    printf("\n\n");

    /* Coordinates need grad_gradient: one grad_spacing per axis, one output per axis. */
    spacing = coordinates(x, 4);
    outs[0] = out;
    printf("np.gradient([5., 7., 4., 8.], [0., 1., 3., 3.5])\n  grad_gradient     -> ");
    check(grad_gradient(GRAD_DTYPE_F64, g, 1, shape, NULL, &spacing, 1, NULL, 0, 1, outs, 1,
                        NULL, 0));
    print_vector(out, 4);
    printf("\n\n");

    printf("np.gradient([5., 7., 4., 8.], [0., 1., 3., 3.5], edge_order=2)\n"
           "  grad_gradient     -> ");
    check(grad_gradient(GRAD_DTYPE_F64, g, 1, shape, NULL, &spacing, 1, NULL, 0, 2, outs, 1,
                        NULL, 0));
    print_vector(out, 4);
    printf("\n\n");
}

static void two_dimensional(void) {
    const double a[6] = {1, 2, 6, 3, 4, 5}; /* [[1, 2, 6], [3, 4, 5]], row-major */
    const size_t shape[2] = {2, 3};
    const double x[3] = {1, 2, 4};
    const int32_t axis1[1] = {1};
    double stacked[12], d0[6], d1[6];
    void *outs[2];
    grad_spacing spacing[2];
    grad_status status;

    /* grad_gradient_f64 writes d/d(axis 0) at stacked[0..6], d/d(axis 1) at stacked[6..12]. */
    printf("np.gradient([[1., 2., 6.], [3., 4., 5.]])\n  grad_gradient_f64 -> axis 0: ");
    check(grad_gradient_f64(a, 2, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, stacked, 12, 0));
    print_matrix(stacked, 2, 3);
    printf("\n                       axis 1: ");
    print_matrix(stacked + 6, 2, 3);
    printf("\n\n");

    /* One spacing per axis: a step of 2 along axis 0, coordinates along axis 1. */
    memset(spacing, 0, sizeof spacing);
    spacing[0].kind = GRAD_SPACING_KIND_SCALAR;
    spacing[0].h = 2;
    spacing[1] = coordinates(x, 3);
    outs[0] = d0;
    outs[1] = d1;
    printf("np.gradient([[1., 2., 6.], [3., 4., 5.]], 2, [1., 2., 4.])\n"
           "  grad_gradient     -> axis 0: ");
    check(grad_gradient(GRAD_DTYPE_F64, a, 2, shape, NULL, spacing, 2, NULL, 0, 1, outs, 2,
                        NULL, 0));
    print_matrix(d0, 2, 3);
    printf("\n                       axis 1: ");
    print_matrix(d1, 2, 3);
    printf("\n\n");

    /* Only axis 1: one output. */
    outs[0] = d1;
    printf("np.gradient([[1., 2., 6.], [3., 4., 5.]], axis=1)\n  grad_gradient     -> ");
    check(grad_gradient(GRAD_DTYPE_F64, a, 2, shape, NULL, NULL, 0, axis1, 1, 1, outs, 1, NULL,
                        0));
    print_matrix(d1, 2, 3);
    printf("\n\n");

    /* A failure, as numpy raises ValueError: axis 0 has 2 rows, edge_order 2 needs 3. */
    printf("np.gradient([[1., 2., 6.], [3., 4., 5.]], edge_order=2)\n  grad_gradient_f64 -> ");
    status = grad_gradient_f64(a, 2, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 2, stacked, 12, 0);
    printf("status %d (%s)\n    grad_last_error(): %s\n", (int)status,
           grad_status_message(status), grad_last_error());
}

int main(void) {
    printf("numpy.gradient worked examples, computed by libgradient\n\n");
    one_dimensional();
    two_dimensional();
    return 0;
}
