/* numpy.gradient of arrays split over MPI ranks, with libgradient's blocks.
 *
 * Each rank owns one block (a box of global indices) of a global 2-D or 3-D array. For
 * every case (a decomposition of the array, a spacing, an edge order) each rank:
 *   1. asks grad_block_halo for the halo its block needs (in elements, per axis and side);
 *   2. gets exactly those halo cells from the ranks that own them, with MPI_Sendrecv;
 *   3. makes a plan of its block (grad_options_set_block, grad_plan_new) and executes it
 *      on its block-with-halo array;
 * then rank 0 gathers the blocks of every output (MPI_Gatherv) and compares them with
 * memcmp against one grad_gradient call on the whole array: they must be equal bit for
 * bit. One line is printed per case; the exit status is 1 if any case differs.
 *
 * The exchange works for any tiling of the array by boxes, one per rank (1 to 8 ranks
 * here). The tilings tried split along one axis, or along two (two rows of ranks, each row
 * split along a second axis: a 2-D process grid when the rank count is even, a brick
 * layout when it is odd; 3 ranks or more), with uneven widths that include blocks 1 sample
 * wide at a global edge. With edge_order 2 such a block needs 2 halo cells, which may
 * belong to a rank that is not its neighbour: the owner of every halo cell is found from
 * the decomposition (every rank knows every block), so no split is restricted. A rank
 * sends to each other rank the part of its block that lies in that rank's halo (often
 * nothing: then it sends no message). Looking at every other rank costs a little local
 * arithmetic per rank, nothing on the network; a code on thousands of ranks would keep
 * the list of the few ranks whose blocks meet its halo instead.
 *
 * The cells of a block-with-halo array outside the block and its halo slabs (the corners
 * where the halos of two axes meet) are never read by the library: each output reads along
 * its own axis only. They are filled with NaN, so a read would show as a mismatch.
 *
 * Build and run with MPICH (Debian: apt-get install mpich libmpich-dev), from the crate root:
 *   cargo build
 *   mpicc.mpich -std=c99 -I include examples/mpi_blocks.c -L target/debug -lgradient \
 *       -Wl,-rpath,$PWD/target/debug -o mpi_blocks
 *   mpiexec.mpich -n 3 ./mpi_blocks 3
 * The argument is the rank count expected: the program fails if MPI_Comm_size differs (a
 * foreign `mpirun`, such as OpenMPI's, starts separate 1-rank processes instead).
 *   mpiexec.mpich -n 2 ./mpi_blocks 2 --time 4096 2048 [repetitions]
 * times instead, on a rows x cols float64 array split evenly along axis 0: the whole-array
 * execution on rank 0 alone (the other ranks sleep meanwhile), the halo exchange, and the
 * block executions (all ranks at once; the slowest rank's time), medians over the
 * repetitions.
 */
#define _POSIX_C_SOURCE 199309L /* nanosleep */

#include "gradient.h"

#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_DIM = 3, MAX_RANKS = 8 };

/* A box of global indices: start[k] .. start[k] + shape[k] along each axis k. Also the
 * description of an array holding that box in C order. */
typedef struct {
    size_t start[MAX_DIM];
    size_t shape[MAX_DIM];
} box;

/* A global array and its tiling: block[r] is rank r's. */
typedef struct {
    char name[160];
    size_t ndim;
    size_t global[MAX_DIM];
    int n_blocks;
    box block[MAX_RANKS];
} layout;

/* What to compute: numpy.gradient's arguments other than f, and the dtype. */
typedef struct {
    char name[96];
    int32_t dtype;
    size_t elsize;
    grad_spacing spacing[MAX_DIM];
    size_t n_spacing;
    int32_t axes[MAX_DIM];
    size_t n_axes; /* 0: every axis */
    int32_t edge_order;
    double coordinates[64]; /* storage for a coordinate spacing (axes here are shorter) */
} gradient_case;

/* The halos of every rank's block for one case: every rank computes all of them, so that
 * it knows what each other rank needs from it. */
typedef struct {
    const layout *lay;
    size_t elsize;
    size_t before[MAX_RANKS][MAX_DIM];
    size_t after[MAX_RANKS][MAX_DIM];
} halos;

static int rank, n_ranks;

/* Stops every rank with the library's explanation if a call failed. */
static void check(grad_status status, const char *call) {
    if (status != GRAD_STATUS_OK) {
        fprintf(stderr, "rank %d: %s failed: %s: %s\n", rank, call,
                grad_status_message(status), grad_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

static void fail(const char *message) {
    fprintf(stderr, "rank %d: %s\n", rank, message);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static void *allocate(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (p == NULL) {
        fail("out of memory");
    }
    return p;
}

static size_t box_count(const box *b, size_t ndim) {
    size_t n = 1, k;
    for (k = 0; k < ndim; k++) {
        n *= b->shape[k];
    }
    return n;
}

/* The intersection of a and b into *out; returns its element count (0: empty). */
static size_t overlap(const box *a, const box *b, size_t ndim, box *out) {
    size_t k;
    for (k = 0; k < ndim; k++) {
        size_t lo = a->start[k] > b->start[k] ? a->start[k] : b->start[k];
        size_t a_end = a->start[k] + a->shape[k], b_end = b->start[k] + b->shape[k];
        size_t hi = a_end < b_end ? a_end : b_end;
        out->start[k] = lo;
        out->shape[k] = hi > lo ? hi - lo : 0;
    }
    return box_count(out, ndim);
}

/* The offset (elements) of global index `index` in an array holding box `array`. */
static size_t offset_in(const box *array, const size_t *index, size_t ndim) {
    size_t off = 0, k;
    for (k = 0; k < ndim; k++) {
        off = off * array->shape[k] + (index[k] - array->start[k]);
    }
    return off;
}

/* Copies the elements of `region` from an array holding box `from` to one holding `to`
 * (both C order), a run along the last axis at a time. */
static void copy_box(const box *region, size_t ndim, size_t elsize, const unsigned char *src,
                     const box *from, unsigned char *dst, const box *to) {
    size_t index[MAX_DIM], k, run = region->shape[ndim - 1] * elsize;
    if (box_count(region, ndim) == 0) {
        return;
    }
    memcpy(index, region->start, sizeof index);
    for (;;) {
        memcpy(dst + offset_in(to, index, ndim) * elsize,
               src + offset_in(from, index, ndim) * elsize, run);
        for (k = ndim - 1; k-- > 0;) {
            if (++index[k] < region->start[k] + region->shape[k]) {
                break;
            }
            index[k] = region->start[k];
        }
        if (k == (size_t)-1) {
            return;
        }
    }
}

/* A deterministic value of full precision in [-4, 4) for each global linear index. */
static double value_at(uint64_t i) {
    uint64_t z = i * 0x9E3779B97F4A7C15u + 0x632BE59BD9B4E019u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53 * 8.0 - 4.0;
}

/* Writes the global array's values for `region` into an array holding box `array`. */
static void fill_values(const layout *lay, const box *region, int32_t dtype, void *data,
                        const box *array) {
    size_t index[MAX_DIM], k;
    if (box_count(region, lay->ndim) == 0) {
        return;
    }
    memcpy(index, region->start, sizeof index);
    for (;;) {
        uint64_t global = 0;
        size_t off = offset_in(array, index, lay->ndim);
        for (k = 0; k < lay->ndim; k++) {
            global = global * lay->global[k] + index[k];
        }
        if (dtype == GRAD_DTYPE_F64) {
            ((double *)data)[off] = value_at(global);
        } else {
            ((float *)data)[off] = (float)value_at(global);
        }
        for (k = lay->ndim; k-- > 0;) {
            if (++index[k] < region->start[k] + region->shape[k]) {
                break;
            }
            index[k] = region->start[k];
        }
        if (k == (size_t)-1) {
            return;
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Decompositions                                                                       */

enum split_pattern { THIN_EDGES, ASCENDING, DESCENDING, EVEN };

/* Widths of `parts` consecutive pieces of an axis of length n, each at least 1:
 * THIN_EDGES: 1 wide at the start, at the end (3 parts or more) and second (4 or more);
 * ASCENDING: growing widths, the first 1 wide; DESCENDING: the reverse; EVEN: as equal as
 * possible. Returns 0 if n < parts. */
static int split(size_t n, int parts, enum split_pattern pattern, size_t *widths) {
    size_t p = (size_t)parts, i, rest, middle = 0;
    if (parts < 1 || n < p) {
        return 0;
    }
    switch (pattern) {
    case THIN_EDGES:
        for (i = 0; i < p; i++) {
            widths[i] = 0;
        }
        widths[0] = 1;
        if (p >= 3) {
            widths[p - 1] = 1;
        }
        if (p >= 4) {
            widths[1] = 1;
        }
        rest = n;
        for (i = 0; i < p; i++) {
            rest -= widths[i];
            middle += widths[i] == 0;
        }
        if (middle == 0) {
            widths[p - 1] += rest;
            return 1;
        }
        for (i = 0; i < p; i++) {
            if (widths[i] == 0) {
                widths[i] = rest / middle + (rest % middle ? 1 : 0);
                rest -= widths[i];
                middle--;
            }
        }
        return 1;
    case ASCENDING:
    case DESCENDING: {
        /* Starts i + floor((n - p) * i(i-1)/2 / (p(p-1)/2)): strictly increasing. */
        size_t triangle = p * (p - 1) / 2, previous = 0;
        for (i = 1; i <= p; i++) {
            size_t start = i + (triangle ? (n - p) * (i * (i - 1) / 2) / triangle : n - p);
            size_t at = pattern == ASCENDING ? i - 1 : p - i;
            widths[at] = start - previous;
            previous = start;
        }
        return 1;
    }
    case EVEN:
        for (i = 0; i < p; i++) {
            widths[i] = n / p + (i < n % p ? 1 : 0);
        }
        return 1;
    }
    return 0;
}

/* Appends "w0+w1+..." to s. */
static void append_widths(char *s, size_t size, const size_t *widths, int parts) {
    int i;
    for (i = 0; i < parts; i++) {
        size_t used = strlen(s);
        snprintf(s + used, size - used, "%s%zu", i ? "+" : "", widths[i]);
    }
}

static void describe_shape(char *s, size_t size, const layout *lay) {
    size_t k;
    snprintf(s, size, "%zu-D ", lay->ndim);
    for (k = 0; k < lay->ndim; k++) {
        size_t used = strlen(s);
        snprintf(s + used, size - used, "%s%zu", k ? "x" : "", lay->global[k]);
    }
}

/* The box of the whole global array. */
static void whole_axes(const layout *lay, box *b) {
    size_t k;
    for (k = 0; k < lay->ndim; k++) {
        b->start[k] = 0;
        b->shape[k] = lay->global[k];
    }
}

/* `parts` blocks along `axis` of lay's global array, starting at block `first`, within
 * `within` (a box spanning the other axes). */
static int split_box(layout *lay, const box *within, size_t axis, int parts,
                     enum split_pattern pattern, int first, size_t *widths) {
    size_t at = within->start[axis];
    int i;
    if (!split(within->shape[axis], parts, pattern, widths)) {
        return 0;
    }
    for (i = 0; i < parts; i++) {
        box *b = &lay->block[first + i];
        *b = *within;
        b->start[axis] = at;
        b->shape[axis] = widths[i];
        at += widths[i];
    }
    return 1;
}

/* One block per rank along `axis`. */
static int one_axis(layout *lay, size_t ndim, const size_t *global, size_t axis,
                    enum split_pattern pattern, int parts) {
    size_t widths[MAX_RANKS];
    box all;
    lay->ndim = ndim;
    memcpy(lay->global, global, ndim * sizeof *global);
    lay->n_blocks = parts;
    whole_axes(lay, &all);
    if (!split_box(lay, &all, axis, parts, pattern, 0, widths)) {
        return 0;
    }
    describe_shape(lay->name, sizeof lay->name, lay);
    {
        size_t used = strlen(lay->name);
        snprintf(lay->name + used, sizeof lay->name - used, ", axis %zu split ", axis);
    }
    append_widths(lay->name, sizeof lay->name, widths, parts);
    return 1;
}

/* Two rows along `axis_a` (a third and two thirds), the first split into parts/2 blocks
 * and the second into the rest along `axis_b`. */
static int two_axes(layout *lay, size_t ndim, const size_t *global, size_t axis_a,
                    size_t axis_b, enum split_pattern pattern, int parts) {
    size_t rows[2], widths[MAX_RANKS], used;
    int counts[2], row, first = 0;
    box all;
    lay->ndim = ndim;
    memcpy(lay->global, global, ndim * sizeof *global);
    lay->n_blocks = parts;
    whole_axes(lay, &all);
    rows[0] = global[axis_a] / 3;
    rows[1] = global[axis_a] - rows[0];
    counts[0] = parts / 2;
    counts[1] = parts - parts / 2;
    describe_shape(lay->name, sizeof lay->name, lay);
    used = strlen(lay->name);
    snprintf(lay->name + used, sizeof lay->name - used,
             ", axis %zu split %zu+%zu, these along axis %zu as", axis_a, rows[0], rows[1],
             axis_b);
    for (row = 0; row < 2; row++) {
        box within = all;
        within.start[axis_a] = row ? rows[0] : 0;
        within.shape[axis_a] = rows[row];
        if (!split_box(lay, &within, axis_b, counts[row], pattern, first, widths)) {
            return 0;
        }
        first += counts[row];
        used = strlen(lay->name);
        snprintf(lay->name + used, sizeof lay->name - used, "%s", row ? " and " : " ");
        append_widths(lay->name, sizeof lay->name, widths, counts[row]);
    }
    return 1;
}

/* ------------------------------------------------------------------------------------ */
/* Cases                                                                                */

/* Non-uniform coordinates of an axis of length n. */
static void make_coordinates(double *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        x[i] = 0.5 * (double)i + 0.03 * (double)(i * i);
    }
}

/* Case number `which` for arrays of lay's shape; returns 0 past the last one. */
static int make_case(int which, const layout *lay, gradient_case *c) {
    size_t k, ndim = lay->ndim;
    memset(c, 0, sizeof *c);
    c->dtype = GRAD_DTYPE_F64;
    c->elsize = sizeof(double);
    c->edge_order = 2;
    switch (which) {
    case 0:
    case 1:
        c->edge_order = which + 1;
        snprintf(c->name, sizeof c->name, "unit spacing, edge_order %d", (int)c->edge_order);
        return 1;
    case 2:
        c->spacing[0].kind = GRAD_SPACING_KIND_SCALAR;
        c->spacing[0].h = 0.3;
        c->n_spacing = 1;
        snprintf(c->name, sizeof c->name, "h = 0.3 on every axis, edge_order 2");
        return 1;
    case 3:
    case 4:
        /* Global coordinates along axis 0, a different step on each other axis. */
        make_coordinates(c->coordinates, lay->global[0]);
        c->spacing[0].kind = GRAD_SPACING_KIND_COORDINATES;
        c->spacing[0].dtype = GRAD_DTYPE_F64;
        c->spacing[0].coordinates = c->coordinates;
        c->spacing[0].length = lay->global[0];
        c->spacing[0].stride = 1;
        for (k = 1; k < ndim; k++) {
            c->spacing[k].kind = GRAD_SPACING_KIND_SCALAR;
            c->spacing[k].h = 0.25 * (double)(k + 1);
        }
        c->n_spacing = ndim;
        c->edge_order = which - 2;
        snprintf(c->name, sizeof c->name, "coordinates on axis 0, steps elsewhere, edge_order %d",
                 (int)c->edge_order);
        return 1;
    case 5:
        /* The last axis only, with coordinates: no halo along the other axes. */
        make_coordinates(c->coordinates, lay->global[ndim - 1]);
        c->axes[0] = -1;
        c->n_axes = 1;
        c->spacing[0].kind = GRAD_SPACING_KIND_COORDINATES;
        c->spacing[0].dtype = GRAD_DTYPE_F64;
        c->spacing[0].coordinates = c->coordinates;
        c->spacing[0].length = lay->global[ndim - 1];
        c->spacing[0].stride = 1;
        c->n_spacing = 1;
        snprintf(c->name, sizeof c->name, "axis -1 only, coordinates, edge_order 2");
        return 1;
    case 6:
        c->dtype = GRAD_DTYPE_F32;
        c->elsize = sizeof(float);
        c->spacing[0].kind = GRAD_SPACING_KIND_SCALAR;
        c->spacing[0].h = 0.3;
        c->n_spacing = 1;
        snprintf(c->name, sizeof c->name, "float32, h = 0.3, edge_order 2");
        return 1;
    default:
        return 0;
    }
}

/* Options of numpy.gradient's arguments for case c (no block). */
static grad_options *case_options(const gradient_case *c) {
    grad_options *options;
    check(grad_options_new(&options), "grad_options_new");
    check(grad_options_set_spacing(options, c->spacing, c->n_spacing),
          "grad_options_set_spacing");
    if (c->n_axes > 0) {
        check(grad_options_set_axes(options, c->axes, c->n_axes), "grad_options_set_axes");
    }
    check(grad_options_set_edge_order(options, c->edge_order), "grad_options_set_edge_order");
    return options;
}

/* ------------------------------------------------------------------------------------ */
/* The halo exchange                                                                    */

/* Every rank's halo, from grad_block_halo. */
static void find_halos(halos *h, const layout *lay, const grad_options *options,
                       size_t elsize) {
    int q;
    h->lay = lay;
    h->elsize = elsize;
    for (q = 0; q < lay->n_blocks; q++) {
        check(grad_block_halo(options, lay->ndim, lay->global, lay->block[q].start,
                              lay->block[q].shape, h->before[q], h->after[q]),
              "grad_block_halo");
    }
}

/* Rank q's block with its halo: the box its plan's input holds. */
static box input_box(const halos *h, int q) {
    box in = h->lay->block[q];
    size_t k;
    for (k = 0; k < h->lay->ndim; k++) {
        in.start[k] -= h->before[q][k];
        in.shape[k] += h->before[q][k] + h->after[q][k];
    }
    return in;
}

/* The halo slabs of rank q: along each axis, the cells before and after its block (the
 * block's extent on the other axes). Returns how many, skipping empty ones. */
static int halo_slabs(const halos *h, int q, box *slabs) {
    const box *b = &h->lay->block[q];
    size_t k;
    int n = 0;
    for (k = 0; k < h->lay->ndim; k++) {
        if (h->before[q][k] > 0) {
            slabs[n] = *b;
            slabs[n].start[k] = b->start[k] - h->before[q][k];
            slabs[n].shape[k] = h->before[q][k];
            n++;
        }
        if (h->after[q][k] > 0) {
            slabs[n] = *b;
            slabs[n].start[k] = b->start[k] + b->shape[k];
            slabs[n].shape[k] = h->after[q][k];
            n++;
        }
    }
    return n;
}

enum direction { COUNT, PACK, UNPACK };

/* The pieces of `owner`'s block that lie in `needer`'s halo slabs, in the order of the
 * slabs: PACK copies them from `array` (holding box `array_box`) into `buffer`, one after
 * another; UNPACK copies them back from `buffer` into `array`; COUNT copies nothing.
 * Returns their element count. */
static size_t transfer(const halos *h, int owner, int needer, enum direction direction,
                       unsigned char *buffer, unsigned char *array, const box *array_box) {
    box slabs[2 * MAX_DIM], piece;
    size_t ndim = h->lay->ndim, total = 0;
    int n = halo_slabs(h, needer, slabs), i;
    for (i = 0; i < n; i++) {
        size_t count = overlap(&h->lay->block[owner], &slabs[i], ndim, &piece);
        unsigned char *packed = buffer + total * h->elsize;
        if (count > 0 && direction == PACK) {
            copy_box(&piece, ndim, h->elsize, array, array_box, packed, &piece);
        } else if (count > 0 && direction == UNPACK) {
            copy_box(&piece, ndim, h->elsize, packed, &piece, array, array_box);
        }
        total += count;
    }
    return total;
}

/* Fills this rank's halo cells in `input` (its block with halo, box `in`) from the ranks
 * that own them. At step d every rank sends to rank + d and receives from rank - d (modulo
 * the rank count) with one MPI_Sendrecv; a side with nothing to move uses MPI_PROC_NULL,
 * which both partners agree on since both compute the same pieces. Adds the cells and
 * messages received to *cells and *messages. */
static void exchange(const halos *h, unsigned char *input, const box *in, size_t *cells,
                     size_t *messages) {
    size_t limit = (size_t)INT32_MAX / h->elsize;
    int d;
    for (d = 1; d < n_ranks; d++) {
        int to = (rank + d) % n_ranks, from = (rank - d + n_ranks) % n_ranks;
        size_t n_send = transfer(h, rank, to, COUNT, NULL, NULL, in);
        size_t n_receive = transfer(h, from, rank, COUNT, NULL, NULL, in);
        unsigned char *send, *receive;
        if (n_send > limit || n_receive > limit) {
            fail("a halo message is too large for an int count");
        }
        send = allocate(n_send * h->elsize);
        receive = allocate(n_receive * h->elsize);
        transfer(h, rank, to, PACK, send, input, in);
        MPI_Sendrecv(send, (int)(n_send * h->elsize), MPI_BYTE, n_send ? to : MPI_PROC_NULL, 0,
                     receive, (int)(n_receive * h->elsize), MPI_BYTE,
                     n_receive ? from : MPI_PROC_NULL, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (n_receive > 0) {
            transfer(h, from, rank, UNPACK, receive, input, in);
            *cells += n_receive;
            *messages += 1;
        }
        free(send);
        free(receive);
    }
}

/* ------------------------------------------------------------------------------------ */
/* One case                                                                             */

/* This rank's block with its halo, for case c: the block's values, the halo's from the
 * other ranks, NaN in the corners (never read). Sets *in to its box. */
static unsigned char *block_input(const layout *lay, const gradient_case *c, const halos *h,
                                  box *in, size_t *cells, size_t *messages) {
    size_t i, n;
    unsigned char *input;
    *in = input_box(h, rank);
    n = box_count(in, lay->ndim);
    input = allocate(n * c->elsize);
    for (i = 0; i < n; i++) {
        if (c->dtype == GRAD_DTYPE_F64) {
            ((double *)input)[i] = NAN;
        } else {
            ((float *)input)[i] = NAN;
        }
    }
    fill_values(lay, &lay->block[rank], c->dtype, input, in);
    exchange(h, input, in, cells, messages);
    return input;
}

/* A plan of this rank's block for case c (options: c's, with the block set). */
static grad_plan *block_plan(const layout *lay, const gradient_case *c, grad_options *options,
                             const halos *h) {
    const box *mine = &lay->block[rank];
    grad_plan *plan;
    check(grad_options_set_block(options, lay->ndim, lay->global, mine->start, h->before[rank],
                                 h->after[rank]),
          "grad_options_set_block");
    check(grad_plan_new(&plan, c->dtype, lay->ndim, mine->shape, NULL, NULL, options),
          "grad_plan_new");
    return plan;
}

/* Rank 0: compares the gathered blocks of the n_out outputs (rank q's at displs[q], output
 * after output) with one grad_gradient call on the whole array; prints the result line. */
static int compare(const layout *lay, const gradient_case *c, const unsigned char *gathered,
                   const int *displs, size_t n_out, const unsigned long long *exchanged) {
    box all;
    size_t n, k, i, es = c->elsize;
    unsigned char *f, *whole, *assembled;
    void *outs[MAX_DIM];
    int q, same = 1;
    whole_axes(lay, &all);
    n = box_count(&all, lay->ndim);
    f = allocate(n * es);
    whole = allocate(n_out * n * es);
    assembled = allocate(n_out * n * es);
    fill_values(lay, &all, c->dtype, f, &all);
    for (k = 0; k < n_out; k++) {
        outs[k] = whole + k * n * es;
    }
    check(grad_gradient(c->dtype, f, lay->ndim, lay->global, NULL, c->spacing, c->n_spacing,
                        c->n_axes ? c->axes : NULL, c->n_axes, c->edge_order, outs, n_out, NULL,
                        1),
          "grad_gradient");
    memset(assembled, 0xFF, n_out * n * es);
    for (q = 0; q < lay->n_blocks; q++) {
        const box *b = &lay->block[q];
        size_t count = box_count(b, lay->ndim);
        for (k = 0; k < n_out; k++) {
            copy_box(b, lay->ndim, es, gathered + displs[q] + k * count * es, b,
                     assembled + k * n * es, &all);
        }
    }
    printf("[%d ranks] %s | %s: ", n_ranks, lay->name, c->name);
    for (k = 0; k < n_out && same; k++) {
        for (i = 0; i < n && same; i++) {
            if (memcmp(assembled + (k * n + i) * es, whole + (k * n + i) * es, es) != 0) {
                double got = c->dtype == GRAD_DTYPE_F64 ? ((double *)assembled)[k * n + i]
                                                        : ((float *)assembled)[k * n + i];
                double want = c->dtype == GRAD_DTYPE_F64 ? ((double *)whole)[k * n + i]
                                                         : ((float *)whole)[k * n + i];
                printf("MISMATCH in output %zu at flat index %zu: blocks %a, whole array %a\n",
                       k, i, got, want);
                same = 0;
            }
        }
    }
    if (same) {
        printf("bit-identical (%llu halo cells in %llu messages)\n", exchanged[0],
               exchanged[1]);
    }
    fflush(stdout);
    free(f);
    free(whole);
    free(assembled);
    return same;
}

/* Runs case c on layout lay on every rank; returns 1 on every rank if rank 0 found the
 * gathered result bit-identical to the whole-array call. */
static int run_case(const layout *lay, const gradient_case *c) {
    grad_options *options = case_options(c);
    halos h;
    box in;
    size_t cells = 0, messages = 0, n_out, n_mine, k;
    unsigned long long local[2], exchanged[2] = {0, 0};
    unsigned char *input, *out, *gathered = NULL;
    void *outs[MAX_DIM];
    int counts[MAX_RANKS], displs[MAX_RANKS], q, total = 0, same = 1;
    grad_plan *plan;

    find_halos(&h, lay, options, c->elsize);
    input = block_input(lay, c, &h, &in, &cells, &messages);
    plan = block_plan(lay, c, options, &h);
    n_out = grad_plan_output_count(plan);
    n_mine = box_count(&lay->block[rank], lay->ndim);
    out = allocate(n_out * n_mine * c->elsize);
    for (k = 0; k < n_out; k++) {
        outs[k] = out + k * n_mine * c->elsize;
    }
    check(grad_plan_execute(plan, input, outs, n_out), "grad_plan_execute");

    for (q = 0; q < n_ranks; q++) {
        counts[q] = (int)(n_out * box_count(&lay->block[q], lay->ndim) * c->elsize);
        displs[q] = total;
        total += counts[q];
    }
    if (rank == 0) {
        gathered = allocate((size_t)total);
    }
    MPI_Gatherv(out, counts[rank], MPI_BYTE, gathered, counts, displs, MPI_BYTE, 0,
                MPI_COMM_WORLD);
    local[0] = cells;
    local[1] = messages;
    MPI_Reduce(local, exchanged, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        same = compare(lay, c, gathered, displs, n_out, exchanged);
    }
    MPI_Bcast(&same, 1, MPI_INT, 0, MPI_COMM_WORLD);
    grad_plan_free(plan);
    grad_options_free(options);
    free(input);
    free(out);
    free(gathered);
    return same;
}

/* Every case on every layout; returns the number of mismatches. */
static int run_all(void) {
    static const size_t shape2[] = {13, 11}, shape3[] = {9, 7, 10};
    layout lays[6];
    int l, which, cases = 0, failures = 0, two = n_ranks >= 3;
    /* Each split is possible for up to MAX_RANKS ranks: every axis split is long enough. */
    int made = one_axis(&lays[0], 2, shape2, 0, THIN_EDGES, n_ranks) &&
               one_axis(&lays[1], 2, shape2, 1, ASCENDING, n_ranks) &&
               (!two || two_axes(&lays[2], 2, shape2, 0, 1, THIN_EDGES, n_ranks)) &&
               one_axis(&lays[3], 3, shape3, 0, DESCENDING, n_ranks) &&
               one_axis(&lays[4], 3, shape3, 2, THIN_EDGES, n_ranks) &&
               (!two || two_axes(&lays[5], 3, shape3, 1, 2, ASCENDING, n_ranks));
    if (!made) {
        fail("an axis is too short to split over this many ranks");
    }
    for (l = 0; l < 6; l++) {
        gradient_case c;
        if (l % 3 == 2 && !two) {
            if (rank == 0) {
                printf("[%d ranks] %zu-D splits along two axes skipped: they take 3 ranks or more\n",
                       n_ranks, l < 3 ? (size_t)2 : (size_t)3);
            }
            continue;
        }
        for (which = 0; make_case(which, &lays[l], &c); which++) {
            failures += !run_case(&lays[l], &c);
            cases++;
        }
    }
    if (rank == 0) {
        printf("[%d ranks] %d of %d cases bit-identical to the whole-array call\n", n_ranks,
               cases - failures, cases);
    }
    return failures;
}

/* ------------------------------------------------------------------------------------ */
/* Timing                                                                               */

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A barrier whose waiting ranks sleep between polls instead of spinning (MPICH's
 * blocking calls spin), so that they leave the CPU to a rank being timed alone. */
static void quiet_barrier(void) {
    const struct timespec pause = {0, 200000};
    MPI_Request request;
    int done = 0;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    for (;;) {
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (done) {
            return;
        }
        nanosleep(&pause, NULL);
    }
}

/* The slowest rank's time, on rank 0. */
static double slowest(double t) {
    double max = 0;
    MPI_Reduce(&t, &max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    return max;
}

/* Times the gradient of a rows x cols float64 array (unit spacing, edge_order 1) split
 * evenly along axis 0: the whole-array plan executed on rank 0 while the others wait, the
 * halo exchange, and the block plans executed on every rank at once. */
static void time_blocks(size_t rows, size_t cols, int reps) {
    size_t shape[2], cells = 0, messages = 0, n_mine, max_cells = 0;
    layout lay;
    gradient_case c;
    grad_options *options;
    halos h;
    box in;
    unsigned char *input, *out;
    double *whole_f = NULL, *whole_out = NULL, *t_whole, *t_exchange, *t_block;
    void *outs[2];
    grad_plan *plan, *whole_plan = NULL;
    int r;

    shape[0] = rows;
    shape[1] = cols;
    if (!one_axis(&lay, 2, shape, 0, EVEN, n_ranks)) {
        fail("more ranks than rows");
    }
    make_case(0, &lay, &c);
    options = case_options(&c);
    if (rank == 0) {
        box all;
        whole_axes(&lay, &all);
        whole_f = allocate(rows * cols * sizeof(double));
        whole_out = allocate(2 * rows * cols * sizeof(double));
        fill_values(&lay, &all, c.dtype, whole_f, &all);
        check(grad_plan_new(&whole_plan, c.dtype, 2, shape, NULL, NULL, options),
              "grad_plan_new");
    }
    find_halos(&h, &lay, options, c.elsize);
    input = block_input(&lay, &c, &h, &in, &cells, &messages);
    plan = block_plan(&lay, &c, options, &h);
    n_mine = box_count(&lay.block[rank], 2);
    out = allocate(2 * n_mine * sizeof(double));
    outs[0] = out;
    outs[1] = out + n_mine * sizeof(double);
    t_whole = allocate((size_t)reps * sizeof(double));
    t_exchange = allocate((size_t)reps * sizeof(double));
    t_block = allocate((size_t)reps * sizeof(double));
    for (r = 0; r < reps; r++) {
        double t;
        quiet_barrier();
        if (rank == 0) {
            void *whole_outs[2];
            whole_outs[0] = whole_out;
            whole_outs[1] = whole_out + rows * cols;
            t = MPI_Wtime();
            check(grad_plan_execute(whole_plan, whole_f, whole_outs, 2), "grad_plan_execute");
            t_whole[r] = MPI_Wtime() - t;
        }
        quiet_barrier();
        cells = 0;
        t = MPI_Wtime();
        exchange(&h, input, &in, &cells, &messages);
        t_exchange[r] = slowest(MPI_Wtime() - t);
        MPI_Barrier(MPI_COMM_WORLD);
        t = MPI_Wtime();
        check(grad_plan_execute(plan, input, outs, 2), "grad_plan_execute");
        t_block[r] = slowest(MPI_Wtime() - t);
    }
    {
        unsigned long long mine = cells, most = 0;
        MPI_Reduce(&mine, &most, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
        max_cells = (size_t)most;
    }
    if (rank == 0) {
        printf("%zu x %zu float64, axis 0 split evenly over %d ranks, medians of %d runs:\n"
               "  whole array, one rank:        %8.3f ms\n"
               "  blocks, slowest rank:         %8.3f ms\n"
               "  halo exchange, slowest rank:  %8.3f ms (at most %zu cells = %zu bytes "
               "received per rank)\n",
               rows, cols, n_ranks, reps, 1e3 * median(t_whole, reps),
               1e3 * median(t_block, reps), 1e3 * median(t_exchange, reps), max_cells,
               max_cells * sizeof(double));
    }
    grad_plan_free(plan);
    grad_plan_free(whole_plan);
    grad_options_free(options);
    free(input);
    free(out);
    free(whole_f);
    free(whole_out);
    free(t_whole);
    free(t_exchange);
    free(t_block);
}

int main(int argc, char **argv) {
    int expected, failures = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &n_ranks);
    expected = argc >= 2 ? atoi(argv[1]) : 0;
    if (expected != n_ranks || n_ranks > MAX_RANKS) {
        if (rank == 0) {
            fprintf(stderr,
                    "usage: mpiexec -n N %s N [--time rows cols [repetitions]] (1 <= N <= %d)\n"
                    "this process sees %d rank(s) but %d were asked for: start it with the "
                    "mpiexec of the MPI it was built with (mpiexec.mpich for mpicc.mpich)\n",
                    argv[0], MAX_RANKS, n_ranks, expected);
        }
        MPI_Finalize();
        return 2;
    }
    if (argc >= 5 && strcmp(argv[2], "--time") == 0) {
        time_blocks((size_t)atol(argv[3]), (size_t)atol(argv[4]), argc >= 6 ? atoi(argv[5]) : 20);
    } else {
        failures = run_all();
    }
    MPI_Finalize();
    return failures ? 1 : 0;
}
