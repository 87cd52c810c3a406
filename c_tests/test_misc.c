/* Status messages, versions, and the ABI facts a binding relies on.
 *
 * - grad_status_message: a distinct, non-empty, relevant text for every grad_status, and
 *   a non-NULL text for any other integer;
 * - grad_version() == GRAD_VERSION (header and library agree), and grad_version_string()
 *   spells the GRAD_VERSION_* macros;
 * - grad_last_error() is "" (not NULL) before any call;
 * - the numeric values of every enum constant and the layout of grad_spacing, which
 *   bindings (ctypes, Julia, MATLAB) hard-code;
 * - a zero-initialised grad_spacing means unit spacing.
 * Exit status 0 means every check passed.
 */
#include "gradient.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int failures = 0;

#define CHECK(cond, ...)                                                                        \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                              \
            printf(__VA_ARGS__);                                                                \
            printf("\n");                                                                       \
            failures++;                                                                         \
        }                                                                                       \
    } while (0)

static void status_messages(void) {
    static const struct {
        int32_t code;
        const char *mentions;
    } known[] = {
        {GRAD_STATUS_OK, "success"},
        {GRAD_STATUS_NULL_POINTER, "NULL"},
        {GRAD_STATUS_INVALID_NDIM, "ndim"},
        {GRAD_STATUS_INVALID_DTYPE, "dtype"},
        {GRAD_STATUS_OVERFLOW, "overflow"},
        {GRAD_STATUS_MISALIGNED, "aligned"},
        {GRAD_STATUS_AXIS_OUT_OF_BOUNDS, "out of bounds"},
        {GRAD_STATUS_REPEATED_AXIS, "repeated"},
        {GRAD_STATUS_SPACING_COUNT, "spacing"},
        {GRAD_STATUS_INVALID_SPACING_KIND, "spacing kind"},
        {GRAD_STATUS_COORDINATES_LENGTH, "length"},
        {GRAD_STATUS_COORDINATES_TOO_SHORT, "fewer than 2"},
        {GRAD_STATUS_INVALID_EDGE_ORDER, "edge_order"},
        {GRAD_STATUS_AXIS_TOO_SHORT, "too short"},
        {GRAD_STATUS_OVERLAP, "shares memory"},
        {GRAD_STATUS_OUT_OF_MEMORY, "memory"},
        {GRAD_STATUS_OUTPUT_COUNT, "number of outputs"},
        {GRAD_STATUS_OUTPUT_TOO_SMALL, "too small"},
        {GRAD_STATUS_INVALID_LAYOUT, "layout"},
        {GRAD_STATUS_SHAPE_MISMATCH, "shape"},
        {GRAD_STATUS_INVALID_SCHEME, "scheme"},
        {GRAD_STATUS_INVALID_BLOCK, "block"},
        {GRAD_STATUS_HALO_TOO_SMALL, "halo"},
        {GRAD_STATUS_PANIC, "internal error"},
    };
    static const int32_t unknown[] = {-1, 23, 42, 98, 100, 1000, INT32_MIN, INT32_MAX};
    size_t i, j;
    for (i = 0; i < COUNT(known); i++) {
        const char *m = grad_status_message(known[i].code);
        CHECK(m != NULL, "grad_status_message(%d) is NULL", (int)known[i].code);
        if (m == NULL) {
            continue;
        }
        CHECK(m[0] != '\0', "grad_status_message(%d) is empty", (int)known[i].code);
        CHECK(strstr(m, known[i].mentions) != NULL,
              "grad_status_message(%d) = \"%s\" does not mention \"%s\"", (int)known[i].code, m,
              known[i].mentions);
        CHECK(grad_status_message(known[i].code) == m,
              "grad_status_message(%d) is not a fixed (static) string", (int)known[i].code);
        for (j = 0; j < i; j++) {
            CHECK(strcmp(m, grad_status_message(known[j].code)) != 0,
                  "codes %d and %d share the message \"%s\"", (int)known[i].code,
                  (int)known[j].code, m);
        }
    }
    for (i = 0; i < COUNT(unknown); i++) {
        const char *m = grad_status_message(unknown[i]);
        CHECK(m != NULL, "grad_status_message(%d) is NULL", (int)unknown[i]);
        if (m == NULL) {
            continue;
        }
        CHECK(strstr(m, "unknown") != NULL,
              "grad_status_message(%d) = \"%s\" does not say the code is unknown",
              (int)unknown[i], m);
    }
}

static void versions(void) {
    char spelled[64];
    const char *s = grad_version_string();
    CHECK(GRAD_VERSION ==
              ((GRAD_VERSION_MAJOR << 16) | (GRAD_VERSION_MINOR << 8) | GRAD_VERSION_PATCH),
          "GRAD_VERSION is not packed from the GRAD_VERSION_* macros");
    CHECK(grad_version() == (uint32_t)GRAD_VERSION,
          "grad_version() = 0x%06lx but this header is GRAD_VERSION 0x%06lx",
          (unsigned long)grad_version(), (unsigned long)GRAD_VERSION);
    snprintf(spelled, sizeof spelled, "%d.%d.%d", GRAD_VERSION_MAJOR, GRAD_VERSION_MINOR,
             GRAD_VERSION_PATCH);
    CHECK(s != NULL && strcmp(s, spelled) == 0, "grad_version_string() = \"%s\", expected \"%s\"",
          s ? s : "(NULL)", spelled);
}

static void enum_values(void) {
    /* Fixed forever: bindings hard-code these numbers. */
    CHECK(GRAD_MAX_NDIM == 64, "GRAD_MAX_NDIM is %d", (int)GRAD_MAX_NDIM);
    CHECK(GRAD_STATUS_OK == 0 && GRAD_STATUS_NULL_POINTER == 1 && GRAD_STATUS_INVALID_NDIM == 2 &&
              GRAD_STATUS_INVALID_DTYPE == 3 && GRAD_STATUS_OVERFLOW == 4 &&
              GRAD_STATUS_MISALIGNED == 5 && GRAD_STATUS_AXIS_OUT_OF_BOUNDS == 6 &&
              GRAD_STATUS_REPEATED_AXIS == 7 && GRAD_STATUS_SPACING_COUNT == 8 &&
              GRAD_STATUS_INVALID_SPACING_KIND == 9 && GRAD_STATUS_COORDINATES_LENGTH == 10 &&
              GRAD_STATUS_COORDINATES_TOO_SHORT == 11 && GRAD_STATUS_INVALID_EDGE_ORDER == 12 &&
              GRAD_STATUS_AXIS_TOO_SHORT == 13 && GRAD_STATUS_OVERLAP == 14 &&
              GRAD_STATUS_OUT_OF_MEMORY == 15 && GRAD_STATUS_OUTPUT_COUNT == 16 &&
              GRAD_STATUS_OUTPUT_TOO_SMALL == 17 && GRAD_STATUS_INVALID_LAYOUT == 18 &&
              GRAD_STATUS_PANIC == 99,
          "a grad_status value changed");
    CHECK(GRAD_DTYPE_F64 == 1 && GRAD_DTYPE_F32 == 2 && GRAD_DTYPE_C128 == 3 &&
              GRAD_DTYPE_C64 == 4 && GRAD_DTYPE_I8 == 5 && GRAD_DTYPE_I16 == 6 &&
              GRAD_DTYPE_I32 == 7 && GRAD_DTYPE_I64 == 8 && GRAD_DTYPE_U8 == 9 &&
              GRAD_DTYPE_U16 == 10 && GRAD_DTYPE_U32 == 11 && GRAD_DTYPE_U64 == 12,
          "a grad_dtype value changed");
    CHECK(GRAD_SPACING_KIND_UNIT == 0 && GRAD_SPACING_KIND_SCALAR == 1 &&
              GRAD_SPACING_KIND_SCALAR_F64 == 2 && GRAD_SPACING_KIND_SCALAR_F32 == 3 &&
              GRAD_SPACING_KIND_COORDINATES == 4,
          "a grad_spacing_kind value changed");
    CHECK(GRAD_LAYOUT_ROW_MAJOR == 0 && GRAD_LAYOUT_COLUMN_MAJOR == 1,
          "a grad_layout value changed");
    CHECK(sizeof(grad_status) == 4, "sizeof(grad_status) is %zu", sizeof(grad_status));
}

static void spacing_layout(void) {
    /* Natural C layout: int32, int32, double, pointer, size_t, ptrdiff_t. */
    CHECK(offsetof(grad_spacing, kind) == 0, "kind at %zu", offsetof(grad_spacing, kind));
    CHECK(offsetof(grad_spacing, dtype) == 4, "dtype at %zu", offsetof(grad_spacing, dtype));
    CHECK(offsetof(grad_spacing, h) == 8, "h at %zu", offsetof(grad_spacing, h));
    CHECK(offsetof(grad_spacing, coordinates) == 16, "coordinates at %zu",
          offsetof(grad_spacing, coordinates));
    CHECK(offsetof(grad_spacing, length) == 16 + sizeof(void *), "length at %zu",
          offsetof(grad_spacing, length));
    CHECK(offsetof(grad_spacing, stride) == 16 + sizeof(void *) + sizeof(size_t),
          "stride at %zu", offsetof(grad_spacing, stride));
    if (sizeof(void *) == 8) {
        CHECK(sizeof(grad_spacing) == 40, "sizeof(grad_spacing) is %zu", sizeof(grad_spacing));
    }
}

/* A zero-initialised grad_spacing is unit spacing: the same as passing no spacing. */
static void zero_spacing_is_unit(void) {
    static const double f[5] = {1, 4, 9, 16, 25};
    const size_t shape[1] = {5};
    grad_spacing zero;
    double with[5], without[5];
    void *out_with[1], *out_without[1];
    grad_status a, b;
    memset(&zero, 0, sizeof zero);
    out_with[0] = with;
    out_without[0] = without;
    a = grad_gradient(GRAD_DTYPE_F64, f, 1, shape, NULL, &zero, 1, NULL, 0, 2, out_with, 1, NULL,
                      0);
    b = grad_gradient(GRAD_DTYPE_F64, f, 1, shape, NULL, NULL, 0, NULL, 0, 2, out_without, 1,
                      NULL, 0);
    CHECK(a == GRAD_STATUS_OK && b == GRAD_STATUS_OK, "statuses %d and %d: %s", (int)a, (int)b,
          grad_last_error());
    CHECK(memcmp(with, without, sizeof with) == 0,
          "zero-initialised spacing differs from no spacing");
}

int main(void) {
    const char *initial = grad_last_error();
    CHECK(initial != NULL && initial[0] == '\0',
          "grad_last_error() before any failure is \"%s\", expected \"\"",
          initial ? initial : "(NULL)");
    status_messages();
    versions();
    enum_values();
    spacing_layout();
    zero_spacing_is_unit();
    if (failures != 0) {
        printf("test_misc: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_misc: all checks passed\n");
    return 0;
}
