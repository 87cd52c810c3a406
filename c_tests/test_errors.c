/* Every grad_status failure that a caller can provoke, and the guarantees around it.
 *
 * For each failing call this checks that
 *   1. the status is the expected one;
 *   2. grad_last_error() is non-NULL, non-empty and mentions something specific (a
 *      substring chosen per case: the argument, the axis, the value);
 *   3. no output element was written (outputs are filled with a sentinel byte first);
 *   4. the next successful call returns GRAD_STATUS_OK and clears grad_last_error() to "".
 * GRAD_STATUS_PANIC (a library bug) is the one status that cannot be provoked.
 *
 * It also checks the documented precedence between failures, and calls that look odd but
 * are valid (NULL data with zero elements, an empty axes list, complex64 at 4-byte
 * alignment). Exit status 0 means every check passed.
 */
#define _POSIX_C_SOURCE 200809L /* fork, setrlimit */
#include "gradient.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int failures = 0;
static int cases = 0;

/* ---------------------------------------------------------------------------------------
 * Fixtures: a valid 4 x 4 float64 call that each case breaks in one place.
 */

#define ROWS 4
#define COLS 4
#define N (ROWS * COLS)

static double data[N + 8];   /* the input (room for misaligned and shifted views) */
static double out_a[2 * N + 8]; /* output 0, or both outputs of grad_gradient_f64 */
static double out_b[2 * N + 8]; /* output 1 */
static double x4[4] = {0, 1, 3, 3.5};
static const unsigned char SENTINEL = 0xA5;

/* Every argument of grad_gradient, so that each case changes one field of a valid call. */
typedef struct {
    int32_t dtype;
    const void *f;
    size_t ndim;
    const size_t *shape;
    const ptrdiff_t *strides;
    const grad_spacing *spacing;
    size_t n_spacing;
    const int32_t *axes;
    size_t n_axes;
    int32_t edge_order;
    void *const *out;
    size_t n_out;
    const ptrdiff_t *out_strides;
    size_t n_threads;
} call_args;

static size_t shape_4x4[2] = {ROWS, COLS};
static void *outs_ab[2];

/* np.gradient(data) on a 4 x 4 array: valid. */
static call_args valid(void) {
    call_args a;
    memset(&a, 0, sizeof a);
    a.dtype = GRAD_DTYPE_F64;
    a.f = data;
    a.ndim = 2;
    a.shape = shape_4x4;
    a.edge_order = 1;
    outs_ab[0] = out_a;
    outs_ab[1] = out_b;
    a.out = outs_ab;
    a.n_out = 2;
    return a;
}

static grad_status call(const call_args *a) {
    return grad_gradient(a->dtype, a->f, a->ndim, a->shape, a->strides, a->spacing,
                         a->n_spacing, a->axes, a->n_axes, a->edge_order, a->out, a->n_out,
                         a->out_strides, a->n_threads);
}

static grad_spacing coordinates(int32_t dtype, const void *x, size_t n, ptrdiff_t stride) {
    grad_spacing s;
    memset(&s, 0, sizeof s);
    s.kind = GRAD_SPACING_KIND_COORDINATES;
    s.dtype = dtype;
    s.coordinates = x;
    s.length = n;
    s.stride = stride;
    return s;
}

/* A pointer `bytes` past p, for misaligned views (never dereferenced as such by C). */
static void *shifted(void *p, size_t bytes) {
    return (unsigned char *)p + bytes;
}

/* ---------------------------------------------------------------------------------------
 * Checks.
 */

static void arm(void) {
    memset(out_a, SENTINEL, sizeof out_a);
    memset(out_b, SENTINEL, sizeof out_b);
}

static int untouched(const void *p, size_t size) {
    const unsigned char *b = p;
    size_t i;
    for (i = 0; i < size; i++) {
        if (b[i] != SENTINEL) {
            return 0;
        }
    }
    return 1;
}

static const char *last_error(void) {
    const char *e = grad_last_error();
    return e ? e : "(NULL)";
}

/* A call that must succeed and leave grad_last_error() empty. */
static void expect_success(const char *what, grad_status status) {
    const char *e = grad_last_error();
    cases++;
    if (status != GRAD_STATUS_OK) {
        printf("FAIL %s: status %d (%s), expected GRAD_STATUS_OK; grad_last_error: %s\n", what,
               (int)status, grad_status_message(status), last_error());
        failures++;
    } else if (e == NULL || e[0] != '\0') {
        printf("FAIL %s: succeeded but grad_last_error() is \"%s\", expected \"\"\n", what,
               last_error());
        failures++;
    }
}

/* A succeeding call unrelated to the case: after it grad_last_error() must be "". */
static void clears_last_error(const char *after) {
    static const double f[4] = {1, 2, 4, 8};
    static size_t shape[1] = {4};
    double out[4];
    void *outs[1];
    grad_status status;
    outs[0] = out;
    status = grad_gradient(GRAD_DTYPE_F64, f, 1, shape, NULL, NULL, 0, NULL, 0, 1, outs, 1, NULL,
                           0);
    if (status != GRAD_STATUS_OK || grad_last_error() == NULL || grad_last_error()[0] != '\0') {
        printf("FAIL %s: the next successful call gave status %d and grad_last_error() \"%s\"; "
               "expected 0 and \"\"\n",
               after, (int)status, last_error());
        failures++;
    }
}

/* The core check: status, message, untouched outputs, then cleared by a success. */
static void expect_failure(const char *what, grad_status status, grad_status want,
                           const char *mention) {
    const char *e = grad_last_error();
    cases++;
    if (status != want) {
        printf("FAIL %s: status %d (%s), expected %d (%s); grad_last_error: %s\n", what,
               (int)status, grad_status_message(status), (int)want, grad_status_message(want),
               last_error());
        failures++;
    } else if (e == NULL || e[0] == '\0') {
        printf("FAIL %s: grad_last_error() is empty after a failure\n", what);
        failures++;
    } else if (strstr(e, mention) == NULL) {
        printf("FAIL %s: grad_last_error() \"%s\" does not mention \"%s\"\n", what, e, mention);
        failures++;
    }
    if (!untouched(out_a, sizeof out_a) || !untouched(out_b, sizeof out_b)) {
        printf("FAIL %s: an output was written although the call failed\n", what);
        failures++;
    }
    clears_last_error(what);
}

/* Runs `a` with armed outputs and checks the failure. */
static void fails(const char *what, call_args a, grad_status want, const char *mention) {
    arm();
    expect_failure(what, call(&a), want, mention);
}

/* ---------------------------------------------------------------------------------------
 * grad_gradient
 */

static void null_pointers(void) {
    call_args a;
    grad_spacing s[2];
    int32_t axes[2] = {0, 1};
    void *outs[2];

    a = valid();
    a.f = NULL;
    fails("NULL f with 16 elements", a, GRAD_STATUS_NULL_POINTER, "f is NULL");
    a = valid();
    a.shape = NULL;
    fails("NULL shape", a, GRAD_STATUS_NULL_POINTER, "shape is NULL");
    a = valid();
    a.axes = NULL;
    a.n_axes = 2;
    fails("NULL axes with n_axes 2", a, GRAD_STATUS_NULL_POINTER, "axes is NULL");
    a = valid();
    a.spacing = NULL;
    a.n_spacing = 2;
    fails("NULL spacing with n_spacing 2", a, GRAD_STATUS_NULL_POINTER, "spacing is NULL");
    a = valid();
    a.out = NULL;
    fails("NULL out list", a, GRAD_STATUS_NULL_POINTER, "out is NULL");
    a = valid();
    outs[0] = out_a;
    outs[1] = NULL;
    a.out = outs;
    fails("NULL out[1]", a, GRAD_STATUS_NULL_POINTER, "out[1] is NULL");
    a = valid();
    s[0] = coordinates(GRAD_DTYPE_F64, x4, 4, 1);
    s[1] = coordinates(GRAD_DTYPE_F64, NULL, 4, 1);
    a.spacing = s;
    a.n_spacing = 2;
    fails("NULL coordinates with length 4", a, GRAD_STATUS_NULL_POINTER,
          "spacing[1].coordinates is NULL");
    a = valid();
    a.axes = axes;
    a.n_axes = 2;
    a.out = NULL;
    fails("NULL out list with explicit axes", a, GRAD_STATUS_NULL_POINTER, "out is NULL");
}

static void ndim_and_dtype(void) {
    call_args a;
    grad_spacing s[2];
    static size_t shape65[GRAD_MAX_NDIM + 1];
    size_t k;
    for (k = 0; k < COUNT(shape65); k++) {
        shape65[k] = 1;
    }

    a = valid();
    a.ndim = 0;
    fails("ndim 0", a, GRAD_STATUS_INVALID_NDIM, "ndim is 0");
    a = valid();
    a.ndim = GRAD_MAX_NDIM + 1;
    a.shape = shape65;
    fails("ndim GRAD_MAX_NDIM + 1", a, GRAD_STATUS_INVALID_NDIM, "ndim is 65");

    a = valid();
    a.dtype = 0;
    fails("dtype 0", a, GRAD_STATUS_INVALID_DTYPE, "unknown dtype tag 0");
    a = valid();
    a.dtype = 13;
    fails("dtype 13", a, GRAD_STATUS_INVALID_DTYPE, "unknown dtype tag 13");
    a = valid();
    a.dtype = -1;
    fails("dtype -1", a, GRAD_STATUS_INVALID_DTYPE, "unknown dtype tag -1");

    a = valid();
    s[0] = coordinates(GRAD_DTYPE_C128, x4, 2, 1);
    s[1] = coordinates(GRAD_DTYPE_F64, x4, 4, 1);
    a.spacing = s;
    a.n_spacing = 2;
    fails("complex128 coordinates", a, GRAD_STATUS_INVALID_DTYPE, "coordinates must be real");
    s[0] = coordinates(GRAD_DTYPE_C64, x4, 4, 1);
    fails("complex64 coordinates", a, GRAD_STATUS_INVALID_DTYPE, "coordinates must be real");
    s[0] = coordinates(99, x4, 4, 1);
    fails("coordinates with dtype 99", a, GRAD_STATUS_INVALID_DTYPE,
          "spacing[0].coordinates: unknown dtype tag 99");
}

static void overflow(void) {
    call_args a;
    grad_spacing s[2];
    size_t huge[2] = {SIZE_MAX / 2, 4};
    ptrdiff_t min_stride[2] = {PTRDIFF_MIN, 1};
    ptrdiff_t big_stride[2] = {PTRDIFF_MAX / 4, 1};
    ptrdiff_t below_zero[2] = {-(PTRDIFF_MAX / 64), 1};
    ptrdiff_t out_strides[4] = {4, 1, PTRDIFF_MAX / 2, 1};

    a = valid();
    a.shape = huge;
    fails("shape {SIZE_MAX / 2, 4}", a, GRAD_STATUS_OVERFLOW, "more elements than fit");
    a = valid();
    a.strides = min_stride;
    fails("stride PTRDIFF_MIN", a, GRAD_STATUS_OVERFLOW, "beyond the address space");
    a = valid();
    a.strides = big_stride;
    fails("stride PTRDIFF_MAX / 4", a, GRAD_STATUS_OVERFLOW, "beyond the address space");
    a = valid();
    a.strides = below_zero;
    fails("negative stride reaching below address 0", a, GRAD_STATUS_OVERFLOW,
          "beyond the address space");
    a = valid();
    a.out_strides = out_strides;
    fails("out_strides of out[1] overflowing", a, GRAD_STATUS_OVERFLOW, "out[1]");
    a = valid();
    s[0] = coordinates(GRAD_DTYPE_F64, x4, 4, PTRDIFF_MAX);
    s[1] = coordinates(GRAD_DTYPE_F64, x4, 4, 1);
    a.spacing = s;
    a.n_spacing = 2;
    fails("coordinate stride PTRDIFF_MAX", a, GRAD_STATUS_OVERFLOW, "spacing[0].coordinates");
}

static void misaligned(void) {
    call_args a;
    grad_spacing s[2];
    void *outs[2];
    double x_storage[5] = {0, 0, 1, 3, 3.5};

    a = valid();
    a.f = shifted(data, 1);
    fails("f one byte past a double", a, GRAD_STATUS_MISALIGNED, "not aligned to 8 bytes");
    a = valid();
    a.dtype = GRAD_DTYPE_F32;
    a.f = shifted(data, 2);
    fails("float32 f two bytes past a float", a, GRAD_STATUS_MISALIGNED, "not aligned to 4");
    a = valid();
    outs[0] = out_a;
    outs[1] = shifted(out_b, 4);
    a.out = outs;
    fails("out[1] four bytes past a double", a, GRAD_STATUS_MISALIGNED, "out[1]");
    a = valid();
    s[0] = coordinates(GRAD_DTYPE_F64, x4, 4, 1);
    s[1] = coordinates(GRAD_DTYPE_F64, shifted(x_storage, 4), 4, 1);
    a.spacing = s;
    a.n_spacing = 2;
    fails("coordinates four bytes past a double", a, GRAD_STATUS_MISALIGNED,
          "spacing[1].coordinates");
}

static void output_count_and_spacing(void) {
    call_args a;
    grad_spacing s[3];
    int32_t axis1[1] = {1};
    memset(s, 0, sizeof s);

    a = valid();
    a.n_out = 1;
    fails("n_out 1 for 2 axes", a, GRAD_STATUS_OUTPUT_COUNT, "n_out is 1 but 2 axes");
    a = valid();
    a.n_out = 3;
    fails("n_out 3 for 2 axes", a, GRAD_STATUS_OUTPUT_COUNT, "n_out is 3 but 2 axes");

    a = valid();
    s[0].kind = 5;
    a.spacing = s;
    a.n_spacing = 2;
    fails("spacing kind 5", a, GRAD_STATUS_INVALID_SPACING_KIND, "spacing[0].kind is 5");
    s[0].kind = GRAD_SPACING_KIND_UNIT;
    s[1].kind = -1;
    fails("spacing kind -1", a, GRAD_STATUS_INVALID_SPACING_KIND, "spacing[1].kind is -1");

    a = valid();
    memset(s, 0, sizeof s);
    a.spacing = s;
    a.n_spacing = 3;
    fails("3 spacings for 2 axes", a, GRAD_STATUS_SPACING_COUNT, "invalid number of arguments");
    a = valid();
    a.axes = axis1;
    a.n_axes = 1;
    a.n_out = 1;
    a.spacing = s;
    a.n_spacing = 2;
    fails("2 spacings for axes {1}", a, GRAD_STATUS_SPACING_COUNT,
          "invalid number of arguments");
    a = valid();
    s[0] = coordinates(GRAD_DTYPE_F64, x4, 4, 1);
    a.spacing = s;
    a.n_spacing = 1;
    fails("one coordinate array for 2 axes (numpy: TypeError)", a, GRAD_STATUS_SPACING_COUNT,
          "invalid number of arguments");
}

static void overlap(void) {
    call_args a;
    grad_spacing s[2];
    void *outs[2];
    ptrdiff_t zero_stride[4] = {4, 1, 4, 0};
    double coords_and_out[4 + N];

    a = valid();
    outs[0] = data;
    outs[1] = out_b;
    a.out = outs;
    fails("out[0] is the input", a, GRAD_STATUS_OVERLAP, "output 0 shares memory with the input");
    a = valid();
    outs[0] = out_a;
    outs[1] = out_a;
    a.out = outs;
    fails("out[1] is out[0]", a, GRAD_STATUS_OVERLAP, "output 1 shares memory with output 0");
    a = valid();
    outs[0] = out_a;
    outs[1] = out_a + N - 1; /* shares one element */
    a.out = outs;
    fails("out[1] starts on the last element of out[0]", a, GRAD_STATUS_OVERLAP,
          "output 1 shares memory with output 0");
    a = valid();
    a.out_strides = zero_stride;
    fails("out[1] with a zero stride", a, GRAD_STATUS_OVERLAP,
          "output 1 shares memory with itself");
    a = valid();
    memcpy(coords_and_out, x4, sizeof x4);
    s[0] = coordinates(GRAD_DTYPE_F64, x4, 4, 1);
    s[1] = coordinates(GRAD_DTYPE_F64, coords_and_out, 4, 1);
    a.spacing = s;
    a.n_spacing = 2;
    outs[0] = out_a;
    outs[1] = coords_and_out + 3; /* starts on the last coordinate */
    a.out = outs;
    fails("out[1] overlaps a coordinate array", a, GRAD_STATUS_OVERLAP, "spacing[1].coordinates");
    a = valid();
    outs[0] = out_a;
    outs[1] = data + 8; /* inside the input */
    a.out = outs;
    fails("out[1] inside the input", a, GRAD_STATUS_OVERLAP,
          "output 1 shares memory with the input");
}

static void axes_and_edges(void) {
    call_args a;
    grad_spacing s[2];
    int32_t two[1] = {2}, minus_three[1] = {-3}, zero_zero[2] = {0, 0}, zero_minus2[2] = {0, -2};
    static int32_t many[GRAD_MAX_NDIM + 1];
    static size_t shape_1x4[2] = {1, 4}, shape_2x4[2] = {2, 4}, shape_1[1] = {1};
    static size_t shape_0[1] = {0};
    double one_coordinate[1] = {0};
    void *outs[1];
    size_t k;
    for (k = 0; k < COUNT(many); k++) {
        many[k] = 0;
    }
    memset(s, 0, sizeof s);

    a = valid();
    a.axes = two;
    a.n_axes = 1;
    a.n_out = 1;
    fails("axis 2 of a 2-D array", a, GRAD_STATUS_AXIS_OUT_OF_BOUNDS,
          "axis 2 is out of bounds for array of dimension 2");
    a.axes = minus_three;
    fails("axis -3 of a 2-D array", a, GRAD_STATUS_AXIS_OUT_OF_BOUNDS,
          "axis -3 is out of bounds for array of dimension 2");
    a = valid();
    a.axes = zero_zero;
    a.n_axes = 2;
    fails("axes {0, 0}", a, GRAD_STATUS_REPEATED_AXIS, "repeated axis");
    a.axes = zero_minus2;
    fails("axes {0, -2}", a, GRAD_STATUS_REPEATED_AXIS, "repeated axis");
    a = valid();
    a.axes = many;
    a.n_axes = COUNT(many);
    fails("65 axes", a, GRAD_STATUS_REPEATED_AXIS, "n_axes is 65");

    a = valid();
    s[0] = coordinates(GRAD_DTYPE_F64, x4, 3, 1);
    a.spacing = s;
    a.n_spacing = 2;
    fails("3 coordinates for an axis of 4", a, GRAD_STATUS_COORDINATES_LENGTH,
          "distances must match the length");
    a = valid();
    a.shape = shape_1x4;
    s[0] = coordinates(GRAD_DTYPE_F64, one_coordinate, 1, 1);
    s[1] = coordinates(GRAD_DTYPE_F64, x4, 4, 1);
    a.spacing = s;
    a.n_spacing = 2;
    fails("1 coordinate for an axis of 1 (numpy: IndexError)", a,
          GRAD_STATUS_COORDINATES_TOO_SHORT, "axis 0 have 1 entries");
    a = valid();
    a.f = NULL; /* allowed: no elements */
    a.ndim = 1;
    a.shape = shape_0;
    s[0] = coordinates(GRAD_DTYPE_F64, NULL, 0, 1);
    a.spacing = s;
    a.n_spacing = 1;
    outs[0] = NULL;
    a.out = outs;
    a.n_out = 1;
    fails("0 coordinates for an axis of 0", a, GRAD_STATUS_COORDINATES_TOO_SHORT,
          "0 entries");

    a = valid();
    a.edge_order = 0;
    fails("edge_order 0", a, GRAD_STATUS_INVALID_EDGE_ORDER, "got 0");
    a.edge_order = 3;
    fails("edge_order 3", a, GRAD_STATUS_INVALID_EDGE_ORDER, "got 3");
    a.edge_order = -1;
    fails("edge_order -1", a, GRAD_STATUS_INVALID_EDGE_ORDER, "got -1");

    a = valid();
    a.shape = shape_2x4;
    a.edge_order = 2;
    fails("edge_order 2 on an axis of 2", a, GRAD_STATUS_AXIS_TOO_SHORT,
          "axis 0 has 2 elements and edge_order is 2");
    a = valid();
    a.ndim = 1;
    a.shape = shape_1;
    outs[0] = out_a;
    a.out = outs;
    a.n_out = 1;
    fails("edge_order 1 on an axis of 1", a, GRAD_STATUS_AXIS_TOO_SHORT,
          "Shape of array too small");
}

/* The only allocation proportional to an axis is the table of non-uniform weights (24
 * bytes per point), made when a coordinate axis serves several lanes. Here f is broadcast
 * (2^22 x 2 elements over 8 bytes of data), the coordinates are real and non-uniform, and
 * a child process caps its address space 48 MiB above what it uses, below the 96 MiB the
 * table needs: the call must return GRAD_STATUS_OUT_OF_MEMORY, not abort, and write
 * nothing. Skipped where an address-space cap cannot work (sanitizers, valgrind: the
 * runner sets GRADIENT_NO_RLIMIT). */
static void out_of_memory(void) {
    size_t n = (size_t)1 << 22, i;
    double one = 1.0, *x, *out;
    pid_t child;
    int status = 0;
    cases++;
    if (getenv("GRADIENT_NO_RLIMIT") != NULL) {
        printf("out_of_memory: skipped (no address-space cap under this tool)\n");
        return;
    }
    x = malloc(n * sizeof *x);
    out = malloc(2 * n * sizeof *out);
    if (x == NULL || out == NULL) {
        printf("FAIL out_of_memory: could not allocate the test's own arrays\n");
        failures++;
        free(x);
        free(out);
        return;
    }
    for (i = 0; i < n; i++) x[i] = (double)i + 0.25 * (double)(i % 3);
    memset(out, SENTINEL, 2 * n * sizeof *out);
    fflush(stdout);
    child = fork();
    if (child == 0) {
        size_t shape[2];
        ptrdiff_t strides[2] = {0, 0};
        int32_t axis0[1] = {0};
        void *outs[1];
        grad_spacing s[1];
        unsigned long pages = 0;
        struct rlimit lim;
        FILE *statm = fopen("/proc/self/statm", "r");
        grad_status got;
        shape[0] = n;
        shape[1] = 2;
        outs[0] = out;
        s[0] = coordinates(GRAD_DTYPE_F64, x, n, 1);
        if (statm == NULL || fscanf(statm, "%lu", &pages) != 1) _exit(3);
        fclose(statm);
        lim.rlim_cur = lim.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)48 << 20);
        if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(3);
        got = grad_gradient(GRAD_DTYPE_F64, &one, 2, shape, strides, s, 1, axis0, 1, 1, outs, 1,
                            NULL, 1);
        if (got != GRAD_STATUS_OUT_OF_MEMORY) {
            printf("FAIL out_of_memory: status %d (%s): %s\n", (int)got, grad_status_message(got),
                   grad_last_error());
            _exit(1);
        }
        if (strstr(grad_last_error(), "out of memory") == NULL || !untouched(out, 2 * n * sizeof *out)) {
            printf("FAIL out_of_memory: message \"%s\", or the output was written\n", grad_last_error());
            _exit(1);
        }
        _exit(0);
    }
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("FAIL out_of_memory: the child process failed (status %d)\n", status);
        failures++;
    }
    free(x);
    free(out);
}

/* When several arguments are wrong, the first failure in the documented order wins. */
static void precedence(void) {
    call_args a;
    grad_spacing s[1];
    static size_t shape4[1] = {4};
    int32_t five[1] = {5};
    void *outs[1];
    /* np.gradient(f1d, [0, 1], edge_order=3): the length error, not the edge_order one. */
    a = valid();
    a.ndim = 1;
    a.shape = shape4;
    s[0] = coordinates(GRAD_DTYPE_F64, x4, 2, 1);
    a.spacing = s;
    a.n_spacing = 1;
    a.edge_order = 3;
    outs[0] = out_a;
    a.out = outs;
    a.n_out = 1;
    fails("coordinate length before edge_order", a, GRAD_STATUS_COORDINATES_LENGTH,
          "distances must match");
    /* np.gradient(f2d, axis=5, edge_order=3): AxisError. */
    a = valid();
    a.axes = five;
    a.n_axes = 1;
    a.n_out = 1;
    a.edge_order = 3;
    fails("axis before edge_order", a, GRAD_STATUS_AXIS_OUT_OF_BOUNDS, "axis 5");
    /* The dtype is checked before any pointer. */
    a = valid();
    a.dtype = 77;
    a.shape = NULL;
    fails("dtype before NULL shape", a, GRAD_STATUS_INVALID_DTYPE, "unknown dtype tag 77");
}

/* Calls that look unusual but are valid. */
static void valid_oddities(void) {
    call_args a;
    static size_t shape_0x4[2] = {0, 4};
    int32_t axis1[1] = {1};
    int32_t no_axes[1] = {0};
    void *outs[1];
    float c64_storage[2 * N + 2];
    size_t k;

    a = valid();
    a.f = NULL;
    a.shape = shape_0x4;
    a.axes = axis1;
    a.n_axes = 1;
    outs[0] = NULL;
    a.out = outs;
    a.n_out = 1;
    expect_success("NULL f and NULL output with a zero-length axis", call(&a));

    a = valid();
    a.axes = no_axes;
    a.n_axes = 0;
    a.out = NULL;
    a.n_out = 0;
    arm();
    expect_success("an empty axes list (non-NULL axes, n_axes 0)", call(&a));
    if (!untouched(out_a, sizeof out_a) || !untouched(out_b, sizeof out_b)) {
        printf("FAIL an empty axes list wrote an output\n");
        failures++;
    }

    /* float _Complex has 4-byte alignment: a complex64 array may start 4 bytes into a
     * double-aligned buffer. */
    for (k = 0; k < COUNT(c64_storage); k++) {
        c64_storage[k] = (float)k;
    }
    a = valid();
    a.dtype = GRAD_DTYPE_C64;
    a.f = &c64_storage[1];
    expect_success("complex64 data at 4-byte alignment", call(&a));
}

/* ---------------------------------------------------------------------------------------
 * grad_gradient_f64
 */

static void plain_f64(void) {
    static const size_t shape[2] = {ROWS, COLS};
    static const size_t shape_2x4[2] = {2, 4};
    static const size_t shape_huge[2] = {SIZE_MAX / 4, 8};
    size_t shape65[GRAD_MAX_NDIM + 1];
    size_t k;
    for (k = 0; k < COUNT(shape65); k++) {
        shape65[k] = 1;
    }

#define F64_CASE(what, call_expr, want, mention)                                                \
    do {                                                                                        \
        arm();                                                                                  \
        expect_failure("grad_gradient_f64: " what, call_expr, want, mention);                   \
    } while (0)

    F64_CASE("NULL f", grad_gradient_f64(NULL, 2, shape, 0, NULL, 1, out_a, 2 * N, 0),
             GRAD_STATUS_NULL_POINTER, "f is NULL");
    F64_CASE("NULL shape", grad_gradient_f64(data, 2, NULL, 0, NULL, 1, out_a, 2 * N, 0),
             GRAD_STATUS_NULL_POINTER, "shape is NULL");
    F64_CASE("NULL out", grad_gradient_f64(data, 2, shape, 0, NULL, 1, NULL, 2 * N, 0),
             GRAD_STATUS_NULL_POINTER, "out (the block of axis 0) is NULL");
    F64_CASE("ndim 0", grad_gradient_f64(data, 0, shape, 0, NULL, 1, out_a, 2 * N, 0),
             GRAD_STATUS_INVALID_NDIM, "ndim is 0");
    F64_CASE("ndim 65", grad_gradient_f64(data, 65, shape65, 0, NULL, 1, out_a, 2 * N, 0),
             GRAD_STATUS_INVALID_NDIM, "ndim is 65");
    F64_CASE("layout 2", grad_gradient_f64(data, 2, shape, 2, NULL, 1, out_a, 2 * N, 0),
             GRAD_STATUS_INVALID_LAYOUT, "layout 2 is not 0 or 1");
    F64_CASE("layout -1", grad_gradient_f64(data, 2, shape, -1, NULL, 1, out_a, 2 * N, 0),
             GRAD_STATUS_INVALID_LAYOUT, "layout -1");
    F64_CASE("shape overflow",
             grad_gradient_f64(data, 2, shape_huge, 0, NULL, 1, out_a, 2 * N, 0),
             GRAD_STATUS_OVERFLOW, "more elements than fit");
    F64_CASE("out_len one short",
             grad_gradient_f64(data, 2, shape, 0, NULL, 1, out_a, 2 * N - 1, 0),
             GRAD_STATUS_OUTPUT_TOO_SMALL, "out holds 31 doubles");
    F64_CASE("out_len 0", grad_gradient_f64(data, 2, shape, 0, NULL, 1, out_a, 0, 0),
             GRAD_STATUS_OUTPUT_TOO_SMALL, "need 32");
    F64_CASE("misaligned f",
             grad_gradient_f64((const double *)shifted(data, 1), 2, shape, 0, NULL, 1, out_a,
                               2 * N, 0),
             GRAD_STATUS_MISALIGNED, "not aligned");
    F64_CASE("misaligned out",
             grad_gradient_f64(data, 2, shape, 0, NULL, 1, (double *)shifted(out_b, 4), 2 * N, 0),
             GRAD_STATUS_MISALIGNED, "not aligned");
    F64_CASE("out is f", grad_gradient_f64(data, 2, shape, 0, NULL, 1, data, 2 * N, 0),
             GRAD_STATUS_OVERLAP, "the input f");
    F64_CASE("out overlaps f by two elements",
             grad_gradient_f64(out_a + 2, 1, shape, 0, NULL, 1, out_a, 4, 0),
             GRAD_STATUS_OVERLAP, "the input f");
    F64_CASE("edge_order 3", grad_gradient_f64(data, 2, shape, 0, NULL, 3, out_a, 2 * N, 0),
             GRAD_STATUS_INVALID_EDGE_ORDER, "got 3");
    F64_CASE("edge_order 0", grad_gradient_f64(data, 2, shape, 0, NULL, 0, out_a, 2 * N, 0),
             GRAD_STATUS_INVALID_EDGE_ORDER, "got 0");
    F64_CASE("axis too short",
             grad_gradient_f64(data, 2, shape_2x4, 0, NULL, 2, out_a, 2 * 8, 0),
             GRAD_STATUS_AXIS_TOO_SHORT, "axis 0 has 2 elements");
#undef F64_CASE
}

int main(void) {
    size_t k;
    const char *initial = grad_last_error();
    for (k = 0; k < COUNT(data); k++) {
        data[k] = (double)(k * k % 7) - 0.5 * (double)k;
    }
    if (initial == NULL || initial[0] != '\0') {
        printf("FAIL grad_last_error() before any call is \"%s\", expected \"\"\n",
               initial ? initial : "(NULL)");
        failures++;
    }
    null_pointers();
    ndim_and_dtype();
    overflow();
    misaligned();
    output_count_and_spacing();
    overlap();
    axes_and_edges();
    out_of_memory();
    precedence();
    valid_oddities();
    plain_f64();
    if (failures != 0) {
        printf("test_errors: %d of %d checks failed\n", failures, cases);
        return 1;
    }
    printf("test_errors: all %d checks passed\n", cases);
    return 0;
}
