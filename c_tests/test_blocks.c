/* Blocks with halos through the C ABI: grad_block_halo and grad_options_set_block.
 *
 * - Every block of several chunkings (1-wide, uneven, one chunk) of a 2-D float64 and a 3-D
 *   float32 array, computed from the block and the halo grad_block_halo asks for, equals
 *   the same block of the whole array's result bit for bit: both edge orders, unit
 *   spacing, a scalar, and global coordinate arrays (irregular, and uniform on a stretch
 *   only). The input is read in place (a pointer into the whole array with its strides)
 *   and, for the 2-D array, from a copy of block and halo in Fortran order.
 * - Halo widths by hand; a wider halo is accepted.
 * - INVALID_BLOCK, HALO_TOO_SMALL, INVALID_NDIM and the NULL checks, with outputs
 *   untouched; ndim 0 restores the whole array.
 * Exit status 0 means every check passed.
 */
#include "gradient.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

#define MAXN 4096

/* Reproducible test data, exactly representable. */
static double sample(size_t i) {
    return (double)((i * 2654435761u) % 1000u) / 8.0 - 60.0;
}

/* Chunkings of an axis of length n, as cut lists: one chunk, 1-wide chunks, and uneven
 * chunks of 3, 1, 2, 3, 1, 2, ... */
static size_t cuts(int kind, size_t n, size_t *cut) {
    size_t k = 0, at = 0;
    static const size_t uneven[3] = {3, 1, 2};
    cut[k++] = 0;
    while (at < n) {
        size_t len = kind == 0 ? n : kind == 1 ? 1 : uneven[(k - 1) % 3];
        at = at + len < n ? at + len : n;
        cut[k++] = at;
    }
    return k - 1; /* the number of chunks */
}

/* Sets `options` for the case: spacing 0 unit, 1 a scalar, 2 coordinates on the last
 * axis (irregular) and a scalar elsewhere, 3 coordinates uniform on the first half of the
 * last axis only. */
static double coords[64];

static void set_case(grad_options *options, int spacing, int edge_order, size_t ndim,
                     const size_t *shape) {
    grad_spacing sp[3];
    size_t k, n = shape[ndim - 1];
    for (k = 0; k < n; k++) {
        coords[k] = spacing == 2   ? (double)(k * k) * 0.25 + (double)k
                    : k < n / 2    ? 0.5 * (double)k
                                   : 0.5 * (double)(n / 2) + 0.75 * (double)(k - n / 2);
    }
    for (k = 0; k < ndim; k++) {
        memset(&sp[k], 0, sizeof sp[k]);
        sp[k].kind = GRAD_SPACING_KIND_SCALAR;
        sp[k].h = 0.5 + (double)k;
    }
    sp[ndim - 1].kind = GRAD_SPACING_KIND_COORDINATES;
    sp[ndim - 1].coordinates = coords;
    sp[ndim - 1].dtype = GRAD_DTYPE_F64;
    sp[ndim - 1].length = n;
    sp[ndim - 1].stride = 1;
    CHECK(grad_options_set_edge_order(options, edge_order) == GRAD_STATUS_OK, "edge order");
    if (spacing == 0) {
        CHECK(grad_options_set_spacing(options, NULL, 0) == GRAD_STATUS_OK, "unit");
    } else if (spacing == 1) {
        CHECK(grad_options_set_spacing(options, sp, 1) == GRAD_STATUS_OK, "scalar");
    } else {
        CHECK(grad_options_set_spacing(options, sp, ndim) == GRAD_STATUS_OK, "coordinates");
    }
}

/* The whole array's gradient of the `ndim`-D C-order array `f` of `shape` (element size
 * `size`) into `want` (ndim outputs, C order, one after the other). */
static void whole(int dtype, const void *f, size_t ndim, const size_t *shape, size_t count,
                  size_t size, grad_options *options, unsigned char *want) {
    grad_plan *plan = NULL;
    void *out[3];
    size_t k;
    CHECK(grad_options_set_block(options, 0, NULL, NULL, NULL, NULL) == GRAD_STATUS_OK, "clear");
    CHECK(grad_plan_new(&plan, dtype, ndim, shape, NULL, NULL, options) == GRAD_STATUS_OK,
          "whole plan");
    for (k = 0; k < ndim; k++) {
        out[k] = want + k * count * size;
    }
    CHECK(grad_plan_execute(plan, f, (void *const *)out, ndim) == GRAD_STATUS_OK, "whole");
    grad_plan_free(plan);
}

/* Every block of the chunking `kinds` (one per axis) of the C-order array `f`, compared
 * with `want`. `fortran_copy`: the block and halo are copied into a Fortran-order buffer
 * first (2-D only), else read in place with the whole array's strides. */
static void blocks(int dtype, const unsigned char *f, size_t ndim, const size_t *shape,
                   size_t size, grad_options *options, const unsigned char *want,
                   const int *kinds, int fortran_copy, const char *label) {
    size_t cut[3][MAXN + 1], chunks[3], idx[3] = {0, 0, 0}, k, count = 1;
    ptrdiff_t strides[3];
    static unsigned char buf[MAXN * 8], got[3][MAXN * 8];
    for (k = 0; k < ndim; k++) {
        chunks[k] = cuts(kinds[k], shape[k], cut[k]);
        count *= shape[k];
    }
    for (k = ndim; k-- > 0;) {
        strides[k] = k + 1 == ndim ? 1 : strides[k + 1] * (ptrdiff_t)shape[k + 1];
    }
    for (;;) {
        size_t start[3], len[3], before[3], after[3], in_shape[3], n_block = 1;
        size_t offset = 0, j, o;
        ptrdiff_t in_strides[3];
        const void *input;
        void *out[3];
        grad_plan *plan = NULL;
        for (k = 0; k < ndim; k++) {
            start[k] = cut[k][idx[k]];
            len[k] = cut[k][idx[k] + 1] - start[k];
            n_block *= len[k];
        }
        CHECK(grad_block_halo(options, ndim, shape, start, len, before, after) ==
                  GRAD_STATUS_OK,
              "%s: halo", label);
        for (k = 0; k < ndim; k++) {
            /* Alternately one more sample of halo than needed, where there is one. */
            if ((idx[k] % 2) == 1 && before[k] < start[k]) {
                before[k]++;
            }
            in_shape[k] = before[k] + len[k] + after[k];
            offset += (start[k] - before[k]) * (size_t)strides[k];
        }
        CHECK(grad_options_set_block(options, ndim, shape, start, before, after) ==
                  GRAD_STATUS_OK,
              "%s: set block", label);
        if (fortran_copy) {
            size_t r, c;
            for (r = 0; r < in_shape[0]; r++) {
                for (c = 0; c < in_shape[1]; c++) {
                    memcpy(buf + (r + c * in_shape[0]) * size,
                           f + (offset + r * (size_t)strides[0] + c) * size, size);
                }
            }
            in_strides[0] = 1;
            in_strides[1] = (ptrdiff_t)in_shape[0];
            input = buf;
        } else {
            for (k = 0; k < ndim; k++) {
                in_strides[k] = strides[k];
            }
            input = f + offset * size;
        }
        CHECK(grad_plan_new(&plan, dtype, ndim, len, in_strides, NULL, options) ==
                  GRAD_STATUS_OK,
              "%s: block plan", label);
        for (k = 0; k < ndim; k++) {
            out[k] = got[k];
        }
        CHECK(grad_plan_execute(plan, input, (void *const *)out, ndim) == GRAD_STATUS_OK,
              "%s: block execute", label);
        grad_plan_free(plan);
        /* Compare with the whole array's result, element by element (outputs C order). */
        for (o = 0; o < ndim; o++) {
            for (j = 0; j < n_block; j++) {
                size_t rest = j, at = 0;
                for (k = ndim; k-- > 0;) {
                    at += (start[k] + rest % len[k]) * (size_t)strides[k];
                    rest /= len[k];
                }
                if (memcmp(got[o] + j * size, want + (o * count + at) * size, size) != 0) {
                    CHECK(0, "%s: output %zu differs at block element %zu (block start %zu)",
                          label, o, j, start[0]);
                    return;
                }
            }
        }
        for (k = ndim; k-- > 0;) {
            if (++idx[k] < chunks[k]) {
                break;
            }
            idx[k] = 0;
            if (k == 0) {
                return;
            }
        }
    }
}

static void stitched_blocks(void) {
    static double f2[9 * 8];
    static float f3[5 * 4 * 7];
    static unsigned char want[3 * MAXN * 8];
    const size_t s2[2] = {9, 8}, s3[3] = {5, 4, 7};
    size_t i;
    int spacing, eo, a, b;
    char label[96];
    grad_options *options = NULL;
    CHECK(grad_options_new(&options) == GRAD_STATUS_OK, "options");
    for (i = 0; i < 9 * 8; i++) {
        f2[i] = sample(i);
    }
    for (i = 0; i < 5 * 4 * 7; i++) {
        f3[i] = (float)sample(i * 7 + 3);
    }
    for (spacing = 0; spacing < 4; spacing++) {
        for (eo = 1; eo <= 2; eo++) {
            set_case(options, spacing, eo, 2, s2);
            whole(GRAD_DTYPE_F64, f2, 2, s2, 72, 8, options, want);
            for (a = 0; a < 3; a++) {
                for (b = 0; b < 3; b++) {
                    const int kinds[2] = {a, b};
                    snprintf(label, sizeof label, "2-D spacing %d eo %d chunks %d/%d", spacing,
                             eo, a, b);
                    blocks(GRAD_DTYPE_F64, (const unsigned char *)f2, 2, s2, 8, options, want,
                           kinds, 0, label);
                    blocks(GRAD_DTYPE_F64, (const unsigned char *)f2, 2, s2, 8, options, want,
                           kinds, 1, label);
                }
            }
            set_case(options, spacing, eo, 3, s3);
            whole(GRAD_DTYPE_F32, f3, 3, s3, 140, 4, options, want);
            for (a = 0; a < 3; a++) {
                const int kinds[3] = {a, (a + 1) % 3, (a + 2) % 3};
                snprintf(label, sizeof label, "3-D spacing %d eo %d chunks %d", spacing, eo, a);
                blocks(GRAD_DTYPE_F32, (const unsigned char *)f3, 3, s3, 4, options, want,
                       kinds, 0, label);
            }
        }
    }
    grad_options_free(options);
}

static void halo_widths_and_errors(void) {
    grad_options *options = NULL;
    grad_plan *plan = NULL;
    const size_t global[2] = {10, 8}, start[2] = {3, 2}, len[2] = {4, 3};
    size_t before[2] = {7, 7}, after[2] = {7, 7};
    const size_t one[1] = {1}, zero[1] = {0}, ten[1] = {10}, nine[1] = {9}, two[1] = {2};
    double f[4] = {1, 2, 4, 7}, out[2] = {-1, -1};
    void *outs[1] = {out};
    CHECK(grad_options_new(&options) == GRAD_STATUS_OK, "options");
    /* Interior block: one sample each side of each axis; NULL options are the defaults. */
    CHECK(grad_block_halo(NULL, 2, global, start, len, before, after) == GRAD_STATUS_OK, "halo");
    CHECK(before[0] == 1 && before[1] == 1 && after[0] == 1 && after[1] == 1, "interior halo");
    /* Edge order 2: a 1-sample block at the global end reads two samples before it. */
    CHECK(grad_options_set_edge_order(options, 2) == GRAD_STATUS_OK, "eo");
    CHECK(grad_block_halo(options, 1, ten, nine, one, before, after) == GRAD_STATUS_OK, "halo");
    CHECK(before[0] == 2 && after[0] == 0, "edge halo %zu %zu", before[0], after[0]);
    CHECK(grad_block_halo(options, 1, ten, zero, two, before, after) == GRAD_STATUS_OK, "halo");
    CHECK(before[0] == 0 && after[0] == 1, "edge halo %zu %zu", before[0], after[0]);
    /* Failures write nothing. */
    before[0] = after[0] = 77;
    CHECK(grad_block_halo(options, 1, ten, ten, one, before, after) == GRAD_STATUS_INVALID_BLOCK,
          "block past the end");
    CHECK(grad_block_halo(options, 1, two, zero, one, before, after) ==
              GRAD_STATUS_AXIS_TOO_SHORT,
          "numpy's check on the global shape");
    CHECK(grad_block_halo(options, 0, ten, zero, one, before, after) == GRAD_STATUS_INVALID_NDIM,
          "ndim 0");
    CHECK(grad_block_halo(options, 1, ten, zero, one, NULL, after) == GRAD_STATUS_NULL_POINTER,
          "NULL halo_before");
    CHECK(grad_block_halo(options, 1, NULL, zero, one, before, after) == GRAD_STATUS_NULL_POINTER,
          "NULL global_shape");
    CHECK(before[0] == 77 && after[0] == 77, "failures wrote the halo");
    /* Setter: NULL arrays only with ndim 0; ndim above the maximum. */
    CHECK(grad_options_set_block(options, 1, ten, NULL, zero, zero) == GRAD_STATUS_NULL_POINTER,
          "NULL start");
    CHECK(grad_options_set_block(options, GRAD_MAX_NDIM + 1, ten, zero, zero, zero) ==
              GRAD_STATUS_INVALID_NDIM,
          "ndim");
    CHECK(grad_options_set_block(NULL, 0, NULL, NULL, NULL, NULL) == GRAD_STATUS_NULL_POINTER,
          "NULL options");
    /* A block whose ndim differs from the plan's, or whose halo leaves the array. */
    CHECK(grad_options_set_edge_order(options, 1) == GRAD_STATUS_OK, "eo");
    CHECK(grad_options_set_block(options, 1, ten, one, one, one) == GRAD_STATUS_OK, "block");
    CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 2, len, NULL, NULL, options) ==
              GRAD_STATUS_INVALID_BLOCK,
          "ndim mismatch");
    CHECK(grad_options_set_block(options, 1, ten, one, two, one) == GRAD_STATUS_OK, "block");
    CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 1, two, NULL, NULL, options) ==
              GRAD_STATUS_INVALID_BLOCK,
          "halo before the global start");
    /* Too thin a halo, found after numpy's checks. */
    CHECK(grad_options_set_block(options, 1, ten, one, zero, one) == GRAD_STATUS_OK, "block");
    CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 1, two, NULL, NULL, options) ==
              GRAD_STATUS_HALO_TOO_SMALL,
          "halo too small");
    CHECK(plan == NULL, "a failed plan_new wrote *plan_out");
    /* A valid block: samples 1 and 2 of a length-10 axis from [f0, f1, f2, f3]. */
    CHECK(grad_options_set_block(options, 1, ten, one, one, one) == GRAD_STATUS_OK, "block");
    CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 1, two, NULL, NULL, options) == GRAD_STATUS_OK,
          "block plan");
    CHECK(grad_plan_execute(plan, f, (void *const *)outs, 1) == GRAD_STATUS_OK, "execute");
    CHECK(out[0] == 1.5 && out[1] == 2.5, "central differences %g %g", out[0], out[1]);
    grad_plan_free(plan);
    plan = NULL;
    /* ndim 0 restores the whole array: a plan of shape {2} is then a 2-sample array. */
    CHECK(grad_options_set_block(options, 0, NULL, NULL, NULL, NULL) == GRAD_STATUS_OK, "clear");
    CHECK(grad_plan_new(&plan, GRAD_DTYPE_F64, 1, two, NULL, NULL, options) == GRAD_STATUS_OK,
          "whole plan");
    CHECK(grad_plan_execute(plan, f, (void *const *)outs, 1) == GRAD_STATUS_OK, "execute");
    CHECK(out[0] == 1.0 && out[1] == 1.0, "whole two-sample array %g %g", out[0], out[1]);
    grad_plan_free(plan);
    grad_options_free(options);
}

int main(void) {
    stitched_blocks();
    halo_widths_and_errors();
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("test_blocks: all checks passed\n");
    return 0;
}
