/* grad_gradient_f64: contiguous double arrays, row-major and column-major, with and
 * without spacing, both edge orders, stacked outputs.
 *
 * Small cases are checked against numpy 2.4.6's values (bit for bit). A 3-D array is
 * checked against grad_gradient with the equivalent strides (that function is checked
 * against numpy and a C reference by the other tests). The part of the output buffer past
 * ndim * prod(shape) must stay untouched. An array large enough for two threads (at least
 * 2 * GRAD_ELEMENTS_PER_THREAD elements) gives the same bits with n_threads 0, 2 and 3.
 * Exit status 0 means every check passed.
 */
#include "gradient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int failures = 0;
static const unsigned char SENTINEL = 0xA5;

static int ok(const char *what, grad_status status) {
    if (status == GRAD_STATUS_OK) {
        return 1;
    }
    printf("FAIL %s: status %d (%s): %s\n", what, (int)status, grad_status_message(status),
           grad_last_error());
    failures++;
    return 0;
}

/* got (rows x cols, stored in `layout`) against want (rows x cols, row-major). */
static void compare(const char *what, int32_t layout, const double *got, const double *want,
                    size_t rows, size_t cols) {
    size_t i, j;
    for (i = 0; i < rows; i++) {
        for (j = 0; j < cols; j++) {
            double g = layout == GRAD_LAYOUT_ROW_MAJOR ? got[i * cols + j] : got[i + j * rows];
            double w = want[i * cols + j];
            if (memcmp(&g, &w, sizeof g) != 0) {
                printf("FAIL %s: element [%zu][%zu] is %.17g (%a); numpy gives %.17g (%a)\n",
                       what, i, j, g, g, w, w);
                failures++;
            }
        }
    }
}

static int untouched(const double *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n * sizeof(double); i++) {
        if (b[i] != SENTINEL) {
            return 0;
        }
    }
    return 1;
}

/* B = [[1, 2, 6, 0.5], [3, 4, 5, -2], [0, 2, 9, 7.25]] in both layouts, against
 * np.gradient(B), np.gradient(B, 2, 0.3) and np.gradient(B, 2, 0.3, edge_order=2). */
static void matrix(void) {
    static const double row_major[12] = {1, 2, 6, 0.5, 3, 4, 5, -2, 0, 2, 9, 7.25};
    static const double unit0[12] = {2, 2, -1, -2.5, -0.5, 0, 1.5, 3.375, -3, -2, 4, 9.25};
    static const double unit1[12] = {1, 2.5, -0.75, -5.5, 1, 1, -3, -7, 2, 4.5, 2.625, -1.75};
    static const double h1_0[12] = {1.0, 1.0, -0.5, -1.25, -0.25, 0.0,
                                    0.75, 1.6875, -1.5, -1.0, 2.0, 4.625};
    static const double h1_1[12] = {3.3333333333333335, 8.333333333333334, -2.5,
                                    -18.333333333333336, 3.3333333333333335, 3.3333333333333335,
                                    -10.0, -23.333333333333336, 6.666666666666667, 15.0, 8.75,
                                    -5.833333333333334};
    static const double h2_0[12] = {2.25, 2.0, -1.75, -4.1875, -0.25, 0.0,
                                    0.75, 1.6875, -2.75, -2.0, 3.25, 7.5625};
    static const double h2_1[12] = {-1.666666666666666, 8.333333333333334, -2.5,
                                    -34.166666666666664, 3.333333333333334, 3.3333333333333335,
                                    -10.0, -36.66666666666667, -1.666666666666666, 15.0, 8.75,
                                    -20.416666666666664};
    static const double h[2] = {2, 0.3};
    static const struct {
        const char *call;
        const double *spacing;
        int edge_order;
        const double *want0, *want1;
    } cases[3] = {
        {"np.gradient(B)", NULL, 1, unit0, unit1},
        {"np.gradient(B, 2, 0.3)", h, 1, h1_0, h1_1},
        {"np.gradient(B, 2, 0.3, edge_order=2)", h, 2, h2_0, h2_1},
    };
    const size_t shape[2] = {3, 4};
    double column_major[12];
    double out[24 + 5];
    char what[160];
    size_t c, i, j, threads;
    int layout;

    for (i = 0; i < 3; i++) {
        for (j = 0; j < 4; j++) {
            column_major[i + j * 3] = row_major[i * 4 + j];
        }
    }
    for (c = 0; c < COUNT(cases); c++) {
        for (layout = GRAD_LAYOUT_ROW_MAJOR; layout <= GRAD_LAYOUT_COLUMN_MAJOR; layout++) {
            for (threads = 0; threads <= 2; threads += 2) {
                const double *f = layout == GRAD_LAYOUT_ROW_MAJOR ? row_major : column_major;
                snprintf(what, sizeof what, "%s, %s, n_threads %zu", cases[c].call,
                         layout == GRAD_LAYOUT_ROW_MAJOR ? "row-major" : "column-major",
                         threads);
                memset(out, SENTINEL, sizeof out);
                /* out_len is larger than needed: the 5 extra doubles must stay untouched. */
                if (!ok(what, grad_gradient_f64(f, 2, shape, layout, cases[c].spacing,
                                                cases[c].edge_order, out, COUNT(out),
                                                threads))) {
                    continue;
                }
                compare(what, layout, out, cases[c].want0, 3, 4);
                compare(what, layout, out + 12, cases[c].want1, 3, 4);
                if (!untouched(out + 24, 5)) {
                    printf("FAIL %s: wrote past ndim * prod(shape) doubles\n", what);
                    failures++;
                }
            }
        }
    }
}

/* 1-D: np.gradient([1., 2, 4, 7, 11, 16], 0.5): both layouts mean the same thing. */
static void vector(void) {
    static const double f[6] = {1, 2, 4, 7, 11, 16};
    static const double want[6] = {2.0, 3.0, 5.0, 7.0, 9.0, 10.0};
    static const double h = 0.5;
    const size_t shape[1] = {6};
    double out[6];
    if (ok("1-D row-major", grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_ROW_MAJOR, &h, 1, out,
                                              6, 0))) {
        compare("np.gradient([1., 2, 4, 7, 11, 16], 0.5), row-major", GRAD_LAYOUT_ROW_MAJOR, out,
                want, 1, 6);
    }
    if (ok("1-D column-major", grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_COLUMN_MAJOR, &h, 1,
                                                 out, 6, 0))) {
        compare("np.gradient([1., 2, 4, 7, 11, 16], 0.5), column-major", GRAD_LAYOUT_ROW_MAJOR,
                out, want, 1, 6);
    }
}

/* 3-D, 4 x 5 x 6: grad_gradient_f64 equals grad_gradient with C or Fortran strides. */
static void cube(void) {
    enum { D0 = 4, D1 = 5, D2 = 6, NE = D0 * D1 * D2 };
    static double f[NE], plain[3 * NE], general[3][NE];
    const size_t shape[3] = {D0, D1, D2};
    const ptrdiff_t c_strides[3] = {D1 * D2, D2, 1};
    const ptrdiff_t f_strides[3] = {1, D0, D0 * D1};
    const double h[3] = {0.3, 1.5, 0.7};
    grad_spacing spacing[3];
    void *outs[3];
    ptrdiff_t out_strides[9];
    size_t k, eo;
    int layout;
    for (k = 0; k < NE; k++) {
        f[k] = (double)((k * 37) % 101) / 7.0 - 3.0;
    }
    for (k = 0; k < 3; k++) {
        memset(&spacing[k], 0, sizeof spacing[k]);
        spacing[k].kind = GRAD_SPACING_KIND_SCALAR;
        spacing[k].h = h[k];
        outs[k] = general[k];
    }
    for (layout = GRAD_LAYOUT_ROW_MAJOR; layout <= GRAD_LAYOUT_COLUMN_MAJOR; layout++) {
        const ptrdiff_t *strides = layout == GRAD_LAYOUT_ROW_MAJOR ? c_strides : f_strides;
        for (k = 0; k < 9; k++) {
            out_strides[k] = strides[k % 3];
        }
        for (eo = 1; eo <= 2; eo++) {
            const char *name = layout == GRAD_LAYOUT_ROW_MAJOR ? "row-major" : "column-major";
            if (!ok(name, grad_gradient_f64(f, 3, shape, layout, h, (int32_t)eo, plain,
                                            3 * NE, 0)) ||
                !ok(name, grad_gradient(GRAD_DTYPE_F64, f, 3, shape, strides, spacing, 3, NULL,
                                        0, (int32_t)eo, outs, 3, out_strides, 0))) {
                continue;
            }
            for (k = 0; k < 3; k++) {
                if (memcmp(plain + k * NE, general[k], sizeof general[k]) != 0) {
                    printf("FAIL 3-D %s, edge_order %zu: axis %zu differs from grad_gradient\n",
                           name, eo, k);
                    failures++;
                }
            }
        }
    }
}

/* (2 * GRAD_ELEMENTS_PER_THREAD / 512 + 1) x 512: large enough for threads to be used. */
static void threaded(void) {
    const size_t cols = 512, rows = 2 * GRAD_ELEMENTS_PER_THREAD / 512 + 1;
    const size_t count = rows * cols, shape[2] = {rows, cols};
    const double h[2] = {0.3, 1.7};
    const size_t threads[3] = {0, 2, 3};
    double *f = malloc(count * sizeof *f);
    double *out[3] = {NULL, NULL, NULL};
    size_t k, t;
    int layout;
    for (t = 0; t < 3; t++) {
        out[t] = malloc(2 * count * sizeof *out[t]);
    }
    if (f == NULL || out[0] == NULL || out[1] == NULL || out[2] == NULL) {
        printf("FAIL threaded: out of memory\n");
        failures++;
    } else {
        for (k = 0; k < count; k++) {
            f[k] = (double)((k * 7919) % 1009) / 13.0 - 40.0;
        }
        for (layout = GRAD_LAYOUT_ROW_MAJOR; layout <= GRAD_LAYOUT_COLUMN_MAJOR; layout++) {
            for (t = 0; t < 3; t++) {
                ok("threaded", grad_gradient_f64(f, 2, shape, layout, h, 2, out[t], 2 * count,
                                                 threads[t]));
            }
            for (t = 1; t < 3; t++) {
                if (memcmp(out[0], out[t], 2 * count * sizeof *out[t]) != 0) {
                    printf("FAIL threaded, layout %d: n_threads %zu differs from n_threads 0\n",
                           layout, threads[t]);
                    failures++;
                }
            }
        }
    }
    free(f);
    for (t = 0; t < 3; t++) {
        free(out[t]);
    }
}

int main(void) {
    matrix();
    vector();
    cube();
    threaded();
    if (failures != 0) {
        printf("test_plain_f64: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_plain_f64: all checks passed\n");
    return 0;
}
