/* The plan API: options, plans, execution, queries and grad_last_error_copy.
 *
 * - A plan gives the bits of grad_gradient called with the same arguments, for every
 *   dtype class, strided, reversed and Fortran-order layouts, coordinates and both edge
 *   orders, and keeps giving them when executed again on new data;
 * - a plan is independent of its options and of the caller's coordinate array once made;
 * - every failure of grad_plan_new and grad_plan_execute leaves its outputs (and
 *   *plan_out) untouched, with the status of the order of checks;
 * - grad_last_error_copy copies snprintf-style;
 * - 16 threads executing one plan at once get the serial bits.
 * Exit status 0 means every check passed.
 */
#include "gradient.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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

#define ROWS 13
#define COLS 11
#define N (ROWS * COLS)

/* A reproducible, exactly representable test function. */
static double sample(size_t i, int seed) {
    return (double)((i * 2654435761u + (size_t)seed * 40503u) % 1000u) / 8.0 - 60.0;
}

static const unsigned char SENTINEL = 0xA5;

static int untouched(const void *p, size_t bytes) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < bytes; i++) {
        if (b[i] != SENTINEL) {
            return 0;
        }
    }
    return 1;
}

/* Coordinates along axis 1 (non-uniform) and a scalar step for axis 0. */
static double xs[COLS];

static void set_up_coordinates(void) {
    size_t j;
    for (j = 0; j < COLS; j++) {
        xs[j] = (double)j * 0.5 + (double)(j * j % 5) * 0.125;
    }
}

static grad_spacing scalar(double h) {
    grad_spacing s;
    memset(&s, 0, sizeof s);
    s.kind = GRAD_SPACING_KIND_SCALAR;
    s.h = h;
    return s;
}

static grad_spacing coordinates(const double *x, size_t length, ptrdiff_t stride) {
    grad_spacing s;
    memset(&s, 0, sizeof s);
    s.kind = GRAD_SPACING_KIND_COORDINATES;
    s.dtype = GRAD_DTYPE_F64;
    s.coordinates = x;
    s.length = length;
    s.stride = stride;
    return s;
}

/* Options for: spacing (scalar 0.3 on axis 0, coordinates on axis 1), `axes` as given
 * (NULL for all), edge order `eo`. NULL on failure. */
static grad_options *make_options(const int32_t *axes, size_t n_axes, int eo) {
    grad_options *o = NULL;
    grad_spacing sp[2];
    grad_status s;
    sp[0] = scalar(0.3);
    sp[1] = coordinates(xs, COLS, 1);
    s = grad_options_new(&o);
    if (s == GRAD_STATUS_OK) s = grad_options_set_axes(o, axes, n_axes);
    /* The spacing list follows the order of the axes. */
    if (s == GRAD_STATUS_OK && axes != NULL && n_axes == 2 && axes[0] != 0) {
        grad_spacing t = sp[0];
        sp[0] = sp[1];
        sp[1] = t;
    }
    if (s == GRAD_STATUS_OK) s = grad_options_set_spacing(o, sp, 2);
    if (s == GRAD_STATUS_OK) s = grad_options_set_edge_order(o, eo);
    if (s == GRAD_STATUS_OK) s = grad_options_set_threads(o, 1);
    CHECK(s == GRAD_STATUS_OK, "options: status %d", (int)s);
    if (s != GRAD_STATUS_OK) {
        grad_options_free(o);
        return NULL;
    }
    return o;
}

/* One layout of the 13 x 11 input inside a buffer of `room` doubles. */
typedef struct {
    const char *name;
    ptrdiff_t strides[2];
    ptrdiff_t offset; /* element [0, 0] within the buffer */
    ptrdiff_t out_strides[4];
    int out_given;
} layout;

static void plan_matches_one_call(void) {
    static const layout layouts[] = {
        {"C order", {COLS, 1}, 0, {0}, 0},
        {"Fortran order, Fortran outputs", {1, ROWS}, 0, {1, ROWS, 1, ROWS}, 1},
        {"padded rows, reversed columns", {16, -1}, COLS - 1, {COLS, 1, 1, ROWS}, 1},
        {"reversed rows", {-COLS, 1}, (ROWS - 1) * COLS, {0}, 0},
    };
    static const int32_t swapped[2] = {-1, 0};
    static double buffer[ROWS * 16 + 8];
    size_t li, i;
    int eo, which, seed;
    for (li = 0; li < COUNT(layouts); li++) {
        const layout *l = &layouts[li];
        for (eo = 1; eo <= 2; eo++) {
            for (which = 0; which < 2; which++) {
                const int32_t *axes = which ? swapped : NULL;
                size_t n_axes = which ? 2 : 0;
                grad_options *o = make_options(axes, n_axes, eo);
                grad_plan *plan = NULL;
                size_t shape[2] = {ROWS, COLS};
                const ptrdiff_t *out_strides = l->out_given ? l->out_strides : NULL;
                grad_status s;
                if (o == NULL) {
                    continue;
                }
                s = grad_plan_new(&plan, GRAD_DTYPE_F64, 2, shape, l->strides, out_strides, o);
                CHECK(s == GRAD_STATUS_OK, "%s eo %d: grad_plan_new status %d", l->name, eo, (int)s);
                CHECK(grad_plan_output_count(plan) == 2, "%s: output count", l->name);
                CHECK(grad_plan_output_dtype(plan) == GRAD_DTYPE_F64, "%s: output dtype", l->name);
                for (seed = 0; seed < 3 && plan != NULL; seed++) {
                    double want0[N], want1[N], got0[N], got1[N];
                    void *want[2] = {want0, want1};
                    void *got[2] = {got0, got1};
                    grad_spacing sp[2];
                    for (i = 0; i < COUNT(buffer); i++) {
                        buffer[i] = sample(i, seed);
                    }
                    sp[0] = scalar(0.3);
                    sp[1] = coordinates(xs, COLS, 1);
                    if (which) {
                        grad_spacing t = sp[0];
                        sp[0] = sp[1];
                        sp[1] = t;
                    }
                    s = grad_gradient(GRAD_DTYPE_F64, buffer + l->offset, 2, shape, l->strides, sp,
                                      2, axes, n_axes, eo, want, 2, out_strides, 1);
                    CHECK(s == GRAD_STATUS_OK, "%s: grad_gradient status %d", l->name, (int)s);
                    memset(got0, SENTINEL, sizeof got0);
                    memset(got1, SENTINEL, sizeof got1);
                    s = grad_plan_execute(plan, buffer + l->offset, got, 2);
                    CHECK(s == GRAD_STATUS_OK, "%s: grad_plan_execute status %d", l->name, (int)s);
                    CHECK(memcmp(want0, got0, sizeof got0) == 0 &&
                              memcmp(want1, got1, sizeof got1) == 0,
                          "%s eo %d axes %d seed %d: the plan's bits differ", l->name, eo, which,
                          seed);
                }
                grad_plan_free(plan);
                grad_options_free(o);
            }
        }
    }
}

static void plan_is_independent_of_its_options(void) {
    double f[N], want0[N], want1[N], got0[N], got1[N];
    double x[COLS];
    void *want[2] = {want0, want1};
    void *got[2] = {got0, got1};
    size_t shape[2] = {ROWS, COLS};
    grad_spacing sp[2];
    grad_options *o = NULL;
    grad_plan *plan = NULL;
    grad_status s;
    size_t i;
    for (i = 0; i < N; i++) f[i] = sample(i, 7);
    memcpy(x, xs, sizeof x);
    sp[0] = scalar(0.3);
    sp[1] = coordinates(x, COLS, 1);
    s = grad_gradient(GRAD_DTYPE_F64, f, 2, shape, NULL, sp, 2, NULL, 0, 2, want, 2, NULL, 1);
    CHECK(s == GRAD_STATUS_OK, "reference: status %d", (int)s);
    s = grad_options_new(&o);
    CHECK(s == GRAD_STATUS_OK, "grad_options_new: status %d", (int)s);
    CHECK(grad_options_set_spacing(o, sp, 2) == GRAD_STATUS_OK, "set_spacing");
    CHECK(grad_options_set_edge_order(o, 2) == GRAD_STATUS_OK, "set_edge_order");
    s = grad_plan_new(&plan, GRAD_DTYPE_F64, 2, shape, NULL, NULL, o);
    CHECK(s == GRAD_STATUS_OK, "grad_plan_new: status %d", (int)s);
    /* Change everything the plan was made from, then free the options. */
    for (i = 0; i < COLS; i++) x[i] = -1.0;
    CHECK(grad_options_set_edge_order(o, 1) == GRAD_STATUS_OK, "set_edge_order again");
    CHECK(grad_options_set_spacing(o, NULL, 0) == GRAD_STATUS_OK, "set_spacing again");
    grad_options_free(o);
    s = grad_plan_execute(plan, f, got, 2);
    CHECK(s == GRAD_STATUS_OK, "execute: status %d", (int)s);
    CHECK(memcmp(want0, got0, sizeof got0) == 0 && memcmp(want1, got1, sizeof got1) == 0,
          "the plan changed with its options or the caller's coordinates");
    grad_plan_free(plan);
}

static void defaults_and_dtypes(void) {
    /* NULL options: unit spacing, every axis, edge order 1. Integer data: double outputs. */
    int16_t f[6] = {1, 2, 6, 3, 4, 5};
    double g0[6], g1[6];
    void *out[2] = {g0, g1};
    size_t shape[2] = {2, 3};
    static const double want0[6] = {2, 2, -1, 2, 2, -1}, want1[6] = {1, 2.5, 4, 1, 1, 1};
    grad_plan *plan = NULL;
    grad_status s = grad_plan_new(&plan, GRAD_DTYPE_I16, 2, shape, NULL, NULL, NULL);
    CHECK(s == GRAD_STATUS_OK, "int16 plan: status %d", (int)s);
    CHECK(grad_plan_output_dtype(plan) == GRAD_DTYPE_F64, "int16 gives double outputs");
    s = grad_plan_execute(plan, f, out, 2);
    CHECK(s == GRAD_STATUS_OK, "int16 execute: status %d", (int)s);
    /* numpy: np.gradient(np.array([[1,2,6],[3,4,5]], dtype=np.int16)) */
    CHECK(memcmp(g0, want0, sizeof g0) == 0 && memcmp(g1, want1, sizeof g1) == 0,
          "int16 values differ from numpy's");
    grad_plan_free(plan);
    plan = NULL;
    s = grad_plan_new(&plan, GRAD_DTYPE_C64, 2, shape, NULL, NULL, NULL);
    CHECK(s == GRAD_STATUS_OK && grad_plan_output_dtype(plan) == GRAD_DTYPE_C64,
          "complex64 plan gives complex64 outputs");
    grad_plan_free(plan);
    CHECK(grad_plan_output_count(NULL) == 0 && grad_plan_output_dtype(NULL) == 0,
          "queries on NULL answer 0");
    grad_plan_free(NULL);
    grad_options_free(NULL);
}

/* grad_plan_new fails with `want` for `options` on a 2 x 3 float64 array. */
static void plan_new_fails(grad_options *options, size_t ndim, grad_status want,
                           const char *mentions) {
    size_t shape[2] = {2, 3};
    grad_plan *plan = (grad_plan *)&shape; /* any non-NULL value: must stay as it is */
    grad_plan *const before = plan;
    grad_status s = grad_plan_new(&plan, GRAD_DTYPE_F64, ndim, shape, NULL, NULL, options);
    char detail[512];
    CHECK(s == want, "grad_plan_new: status %d, want %d", (int)s, (int)want);
    CHECK(plan == before, "*plan_out written on failure");
    grad_last_error_copy(detail, sizeof detail);
    CHECK(strstr(detail, mentions) != NULL, "\"%s\" does not mention \"%s\"", detail, mentions);
}

static void plan_errors(void) {
    grad_options *o = NULL;
    int32_t out_of_bounds[1] = {2}, repeated[2] = {0, -2}, one[1] = {0};
    double x2[2] = {0, 1};
    grad_spacing sp[3];
    sp[0] = scalar(1);
    sp[1] = scalar(1);
    sp[2] = scalar(1);
    CHECK(grad_options_new(&o) == GRAD_STATUS_OK, "grad_options_new");
    plan_new_fails(o, 0, GRAD_STATUS_INVALID_NDIM, "ndim");
    CHECK(grad_options_set_axes(o, out_of_bounds, 1) == GRAD_STATUS_OK, "set_axes");
    plan_new_fails(o, 2, GRAD_STATUS_AXIS_OUT_OF_BOUNDS, "axis 2 is out of bounds");
    CHECK(grad_options_set_axes(o, repeated, 2) == GRAD_STATUS_OK, "set_axes");
    plan_new_fails(o, 2, GRAD_STATUS_REPEATED_AXIS, "repeated");
    CHECK(grad_options_set_axes(o, NULL, 0) == GRAD_STATUS_OK, "set_axes");
    CHECK(grad_options_set_spacing(o, sp, 3) == GRAD_STATUS_OK, "set_spacing");
    plan_new_fails(o, 2, GRAD_STATUS_SPACING_COUNT, "3 spacing values for 2 axes");
    sp[1] = coordinates(x2, 2, 1);
    CHECK(grad_options_set_spacing(o, sp, 2) == GRAD_STATUS_OK, "set_spacing");
    plan_new_fails(o, 2, GRAD_STATUS_COORDINATES_LENGTH, "axis 1 has 3 elements");
    CHECK(grad_options_set_spacing(o, NULL, 0) == GRAD_STATUS_OK, "set_spacing");
    CHECK(grad_options_set_edge_order(o, 3) == GRAD_STATUS_OK, "set_edge_order");
    plan_new_fails(o, 2, GRAD_STATUS_INVALID_EDGE_ORDER, "got 3");
    CHECK(grad_options_set_edge_order(o, 2) == GRAD_STATUS_OK, "set_edge_order");
    plan_new_fails(o, 2, GRAD_STATUS_AXIS_TOO_SHORT, "axis 0 has 2 elements");
    CHECK(grad_options_set_axes(o, one, 0) == GRAD_STATUS_OK, "set_axes (none)");
    {
        /* No axis requested: a valid plan with no outputs. */
        size_t shape[2] = {2, 3};
        double f[6] = {0};
        grad_plan *plan = NULL;
        CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 2, shape, NULL, NULL, o) == GRAD_STATUS_OK,
              "a plan of no axes");
        CHECK(grad_plan_output_count(plan) == 0, "no outputs");
        CHECK(grad_plan_execute(plan, f, NULL, 0) == GRAD_STATUS_OK, "executes");
        grad_plan_free(plan);
    }
    /* Setters refuse what they can check alone and leave the options unchanged. */
    CHECK(grad_options_set_axes(o, NULL, 1) == GRAD_STATUS_NULL_POINTER, "axes NULL");
    CHECK(grad_options_set_axes(o, one, 65) == GRAD_STATUS_REPEATED_AXIS, "n_axes 65");
    CHECK(grad_options_set_spacing(o, NULL, 1) == GRAD_STATUS_NULL_POINTER, "spacing NULL");
    sp[0].kind = 77;
    CHECK(grad_options_set_spacing(o, sp, 1) == GRAD_STATUS_INVALID_SPACING_KIND, "kind 77");
    sp[0] = coordinates(NULL, 3, 1);
    CHECK(grad_options_set_spacing(o, sp, 1) == GRAD_STATUS_NULL_POINTER, "coordinates NULL");
    CHECK(grad_options_set_edge_order(NULL, 1) == GRAD_STATUS_NULL_POINTER, "options NULL");
    grad_options_free(o);
}

static void execute_errors(void) {
    double f[6] = {1, 2, 6, 3, 4, 5};
    double o0[7], o1[7];
    size_t shape[2] = {2, 3};
    grad_plan *plan = NULL;
    void *out[2];
    grad_status s = grad_plan_new(&plan, GRAD_DTYPE_F64, 2, shape, NULL, NULL, NULL);
    CHECK(s == GRAD_STATUS_OK, "plan: status %d", (int)s);
    memset(o0, SENTINEL, sizeof o0);
    memset(o1, SENTINEL, sizeof o1);
    out[0] = o0;
    out[1] = o1;
    CHECK(grad_plan_execute(NULL, f, out, 2) == GRAD_STATUS_NULL_POINTER, "plan NULL");
    CHECK(grad_plan_execute(plan, f, out, 1) == GRAD_STATUS_OUTPUT_COUNT, "n_out 1");
    CHECK(grad_plan_execute(plan, f, NULL, 2) == GRAD_STATUS_NULL_POINTER, "out NULL");
    CHECK(grad_plan_execute(plan, NULL, out, 2) == GRAD_STATUS_NULL_POINTER, "f NULL");
    out[1] = (char *)o1 + 1;
    CHECK(grad_plan_execute(plan, f, out, 2) == GRAD_STATUS_MISALIGNED, "out[1] misaligned");
    out[1] = (void *)f;
    CHECK(grad_plan_execute(plan, f, out, 2) == GRAD_STATUS_OVERLAP, "out[1] is f");
    out[1] = o0 + 1;
    CHECK(grad_plan_execute(plan, f, out, 2) == GRAD_STATUS_OVERLAP, "outputs overlap");
    CHECK(untouched(o0, sizeof o0) && untouched(o1, sizeof o1), "an output was written");
    grad_plan_free(plan);
}

static void last_error_copy(void) {
    char buf[300], small[6];
    size_t n, full;
    grad_status s = grad_plan_new(NULL, GRAD_DTYPE_F64, 1, NULL, NULL, NULL, NULL);
    CHECK(s == GRAD_STATUS_NULL_POINTER, "plan_out NULL: status %d", (int)s);
    full = strlen(grad_last_error());
    CHECK(full > 5, "a detail is recorded");
    n = grad_last_error_copy(buf, sizeof buf);
    CHECK(n == full && strcmp(buf, grad_last_error()) == 0, "the whole detail is copied");
    memset(small, 'x', sizeof small);
    n = grad_last_error_copy(small, sizeof small);
    CHECK(n == full && small[5] == '\0' && strncmp(small, buf, 5) == 0,
          "a short buffer gets the first 5 bytes and a NUL, and the full length is returned");
    CHECK(grad_last_error_copy(NULL, 0) == full, "NULL, 0 returns the length");
    small[0] = 'x';
    CHECK(grad_last_error_copy(small, 0) == full && small[0] == 'x', "len 0 writes nothing");
    CHECK(grad_plan_new(NULL, GRAD_DTYPE_F64, 1, NULL, NULL, NULL, NULL) != GRAD_STATUS_OK,
          "fails again");
    {
        double f[3] = {1, 2, 4}, g[3];
        void *out[1] = {g};
        size_t shape[1] = {3};
        s = grad_gradient(GRAD_DTYPE_F64, f, 1, shape, NULL, NULL, 0, NULL, 0, 1, out, 1, NULL, 0);
        CHECK(s == GRAD_STATUS_OK, "a successful call");
    }
    buf[0] = 'x';
    CHECK(grad_last_error_copy(buf, sizeof buf) == 0 && buf[0] == '\0',
          "empty after a successful call");
}

/* ---------------------------------------------------------------------------------------
 * 16 threads executing one plan at once.
 */

#define THREADS 16
#define REPS 40
#define BIG_ROWS 96
#define BIG_COLS 80
#define BIG (BIG_ROWS * BIG_COLS)

typedef struct {
    const grad_plan *plan;
    int seed;
    int mismatches;
    int errors;
} worker;

static double reference[THREADS][2][BIG];

static void *work(void *arg) {
    worker *w = (worker *)arg;
    double *f = (double *)malloc(BIG * sizeof(double));
    double *g0 = (double *)malloc(BIG * sizeof(double));
    double *g1 = (double *)malloc(BIG * sizeof(double));
    void *out[2];
    int r;
    size_t i;
    if (f == NULL || g0 == NULL || g1 == NULL) {
        w->errors++;
    } else {
        out[0] = g0;
        out[1] = g1;
        for (i = 0; i < BIG; i++) f[i] = sample(i, w->seed);
        for (r = 0; r < REPS; r++) {
            if (grad_plan_execute(w->plan, f, out, 2) != GRAD_STATUS_OK) {
                w->errors++;
            }
            if (memcmp(g0, reference[w->seed][0], sizeof reference[0][0]) != 0 ||
                memcmp(g1, reference[w->seed][1], sizeof reference[0][1]) != 0) {
                w->mismatches++;
            }
        }
    }
    free(f);
    free(g0);
    free(g1);
    return NULL;
}

static void one_plan_many_threads(void) {
    size_t shape[2] = {BIG_ROWS, BIG_COLS};
    double x[BIG_COLS];
    grad_spacing sp[2];
    grad_options *o = NULL;
    grad_plan *plan = NULL;
    pthread_t threads[THREADS];
    worker workers[THREADS];
    static double f[BIG];
    int t;
    size_t i;
    for (i = 0; i < BIG_COLS; i++) x[i] = (double)i + (double)(i % 3) * 0.25;
    sp[0] = scalar(0.5);
    sp[1] = coordinates(x, BIG_COLS, 1);
    CHECK(grad_options_new(&o) == GRAD_STATUS_OK, "options");
    CHECK(grad_options_set_spacing(o, sp, 2) == GRAD_STATUS_OK, "spacing");
    CHECK(grad_options_set_edge_order(o, 2) == GRAD_STATUS_OK, "edge order");
    CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 2, shape, NULL, NULL, o) == GRAD_STATUS_OK, "plan");
    grad_options_free(o);
    for (t = 0; t < THREADS; t++) {
        void *out[2] = {reference[t][0], reference[t][1]};
        for (i = 0; i < BIG; i++) f[i] = sample(i, t);
        CHECK(grad_gradient(GRAD_DTYPE_F64, f, 2, shape, NULL, sp, 2, NULL, 0, 2, out, 2, NULL, 1) ==
                  GRAD_STATUS_OK,
              "reference %d", t);
    }
    for (t = 0; t < THREADS; t++) {
        workers[t].plan = plan;
        workers[t].seed = t;
        workers[t].mismatches = 0;
        workers[t].errors = 0;
        CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0, "pthread_create %d", t);
    }
    for (t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        CHECK(workers[t].errors == 0, "thread %d: %d failed executions", t, workers[t].errors);
        CHECK(workers[t].mismatches == 0, "thread %d: %d executions gave other bits", t,
              workers[t].mismatches);
    }
    grad_plan_free(plan);
}

int main(void) {
    set_up_coordinates();
    plan_matches_one_call();
    plan_is_independent_of_its_options();
    defaults_and_dtypes();
    plan_errors();
    execute_errors();
    last_error_copy();
    one_plan_many_threads();
    if (failures != 0) {
        printf("test_plan: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_plan: all checks passed\n");
    return 0;
}
