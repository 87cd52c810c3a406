/* Per-call cost and memory use of the C ABI, for the benchmark (benches/bench.py builds
 * and runs it against the release library). Prints two lines:
 *   small_call_ns <median ns per call of grad_gradient_f64 on 16 doubles>
 *   peak_rss_growth_kib <growth of the peak RSS during an all-axes 4096 x 4096 call whose
 *                        input and outputs were allocated and touched beforehand>      */
#define _POSIX_C_SOURCE 199309L
#include "gradient.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
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

static long peak_rss_kib(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

int main(void) {
    double f[16], out[16];
    for (int i = 0; i < 16; i++) f[i] = (double)(i * i);
    size_t shape[1] = {16};
    enum { BATCH = 20000, BATCHES = 31 };
    double per_call[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_ns();
        for (int i = 0; i < BATCH; i++) {
            if (grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, out, 16, 1) != GRAD_STATUS_OK) return 1;
        }
        per_call[b] = (now_ns() - t0) / BATCH;
    }
    qsort(per_call, BATCHES, sizeof per_call[0], cmp);
    printf("small_call_ns %.1f\n", per_call[BATCHES / 2]);

    size_t n = 4096, count = n * n;
    double *big = malloc(count * sizeof(double)), *outs = malloc(2 * count * sizeof(double));
    if (!big || !outs) return 1;
    for (size_t i = 0; i < count; i++) big[i] = (double)(i % 1000);
    for (size_t i = 0; i < 2 * count; i++) outs[i] = 0.0;
    size_t shape2[2] = {n, n};
    long before = peak_rss_kib();
    if (grad_gradient_f64(big, 2, shape2, GRAD_LAYOUT_ROW_MAJOR, NULL, 2, outs, 2 * count, 1) != GRAD_STATUS_OK) return 1;
    printf("peak_rss_growth_kib %ld\n", peak_rss_kib() - before);
    free(big);
    free(outs);
    return 0;
}
