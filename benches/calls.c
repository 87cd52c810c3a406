/* Per-call cost, thread cost and memory use of the C ABI, for the benchmark
 * (benches/bench.py builds and runs it against the release library). Prints, one per line:
 *   small_call_ns <median ns per call of grad_gradient_f64 on 16 doubles>
 *   small_call_8_threads_ns <the same with n_threads 8: the library keeps it on one thread>
 *   small_general_call_ns, small_plan_execute_ns <median ns per call on the same 16 doubles
 *                        of grad_gradient (general form) and of grad_plan_execute on a plan
 *                        made once, timed batch by batch alternately with the f64 call, whose
 *                        median in that run is small_f64_beside_ns>
 *   thread_ns <median ns to start and join one empty POSIX thread>
 *   threshold_1_thread_us, threshold_2_threads_us <median µs of grad_gradient_f64 on
 *                        2 * GRAD_ELEMENTS_PER_THREAD doubles (512 columns), n_threads 1
 *                        and 2: the smallest array that gets two threads>
 *   peak_rss_growth_kib <growth of the peak RSS (VmHWM) during an all-axes 4096 x 4096
 *                        call whose input and outputs were allocated and touched
 *                        beforehand>                                                   */
#define _POSIX_C_SOURCE 200112L
#include "gradient.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* This process's peak resident set (VmHWM), in KiB. Not getrusage's ru_maxrss: that one
 * starts from the parent's peak across fork and exec, which hides any growth below the
 * benchmark's own (several GiB). */
static long peak_rss_kib(void) {
    char line[256];
    long kib = -1;
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) return -1;
    while (fgets(line, sizeof line, status) != NULL) {
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    }
    fclose(status);
    return kib;
}

enum { BATCHES = 31 };

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp);
    return v[n / 2];
}

/* Median ns per call of grad_gradient_f64 on 16 doubles with `threads`. */
static double small_call_ns(size_t threads) {
    enum { BATCH = 20000 };
    double f[16], out[16], per_call[BATCHES];
    size_t shape[1] = {16};
    for (int i = 0; i < 16; i++) f[i] = (double)(i * i);
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_ns();
        for (int i = 0; i < BATCH; i++) {
            if (grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, out, 16, threads) != GRAD_STATUS_OK) exit(1);
        }
        per_call[b] = (now_ns() - t0) / BATCH;
    }
    return median(per_call, BATCHES);
}

/* grad_gradient_f64, grad_gradient and grad_plan_execute on the same 16 doubles, one batch
 * of each in turn, so that all three see the same machine. */
static void small_calls_side_by_side(void) {
    enum { BATCH = 20000 };
    double f[16], out[16], flat[BATCHES], general[BATCHES], planned[BATCHES];
    size_t shape[1] = {16};
    void *outs[1] = {out};
    grad_plan *plan = NULL;
    for (int i = 0; i < 16; i++) f[i] = (double)(i * i);
    if (grad_plan_new(&plan, GRAD_DTYPE_F64, 1, shape, NULL, NULL, NULL) != GRAD_STATUS_OK) exit(1);
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_ns();
        for (int i = 0; i < BATCH; i++) {
            if (grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, out, 16, 1) != GRAD_STATUS_OK) exit(1);
        }
        double t1 = now_ns();
        for (int i = 0; i < BATCH; i++) {
            if (grad_gradient(GRAD_DTYPE_F64, f, 1, shape, NULL, NULL, 0, NULL, 0, 1, outs, 1, NULL, 1) != GRAD_STATUS_OK) exit(1);
        }
        double t2 = now_ns();
        for (int i = 0; i < BATCH; i++) {
            if (grad_plan_execute(plan, f, outs, 1) != GRAD_STATUS_OK) exit(1);
        }
        double t3 = now_ns();
        flat[b] = (t1 - t0) / BATCH;
        general[b] = (t2 - t1) / BATCH;
        planned[b] = (t3 - t2) / BATCH;
    }
    grad_plan_free(plan);
    printf("small_f64_beside_ns %.1f\n", median(flat, BATCHES));
    printf("small_general_call_ns %.1f\n", median(general, BATCHES));
    printf("small_plan_execute_ns %.1f\n", median(planned, BATCHES));
}

static void *nothing(void *arg) { return arg; }

int main(void) {
    printf("small_call_ns %.1f\n", small_call_ns(1));
    printf("small_call_8_threads_ns %.1f\n", small_call_ns(8));
    small_calls_side_by_side();

    double spawn[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        pthread_t t;
        double t0 = now_ns();
        if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0) return 1;
        spawn[b] = now_ns() - t0;
    }
    printf("thread_ns %.0f\n", median(spawn, BATCHES));

    size_t cols = 512, rows = 2 * GRAD_ELEMENTS_PER_THREAD / 512, cells = rows * cols;
    size_t shape_t[2] = {rows, cols};
    double *ft = malloc(cells * sizeof(double)), *ot = malloc(2 * cells * sizeof(double));
    double one[BATCHES], two[BATCHES];
    if (!ft || !ot) return 1;
    for (size_t i = 0; i < cells; i++) ft[i] = (double)(i % 1009);
    /* Not zeros: a compiler may turn malloc plus a zero fill into calloc, whose pages would
     * then be first touched inside the timed calls. */
    for (size_t i = 0; i < 2 * cells; i++) ot[i] = 1.0;
    for (int b = 0; b < BATCHES; b++) { /* alternating, so both see the same machine */
        double t0 = now_ns();
        if (grad_gradient_f64(ft, 2, shape_t, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, ot, 2 * cells, 1) != GRAD_STATUS_OK) return 1;
        double t1 = now_ns();
        if (grad_gradient_f64(ft, 2, shape_t, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, ot, 2 * cells, 2) != GRAD_STATUS_OK) return 1;
        double t2 = now_ns();
        one[b] = (t1 - t0) / 1e3;
        two[b] = (t2 - t1) / 1e3;
    }
    printf("threshold_1_thread_us %.1f\n", median(one, BATCHES));
    printf("threshold_2_threads_us %.1f\n", median(two, BATCHES));
    free(ft);
    free(ot);

    size_t n = 4096, count = n * n;
    double *big = malloc(count * sizeof(double)), *outs = malloc(2 * count * sizeof(double));
    if (!big || !outs) return 1;
    for (size_t i = 0; i < count; i++) big[i] = (double)(i % 1000);
    /* Not zeros, as above: the library's first writes would count as its growth. */
    for (size_t i = 0; i < 2 * count; i++) outs[i] = 1.0;
    size_t shape2[2] = {n, n};
    long before = peak_rss_kib();
    if (grad_gradient_f64(big, 2, shape2, GRAD_LAYOUT_ROW_MAJOR, NULL, 2, outs, 2 * count, 1) != GRAD_STATUS_OK) return 1;
    printf("peak_rss_growth_kib %ld\n", peak_rss_kib() - before);
    free(big);
    free(outs);
    return 0;
}
