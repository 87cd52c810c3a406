/* Machine-limit probes for the benchmark, timed by the caller on the same buffers as the
 * gradient. Built by benches/bench.py with -O3 -march=native -ffp-contract=off -pthread.
 * - probe_ordinary, probe_streaming: the traffic shape of an all-axes gradient ("read one
 *   array, write k arrays") with ordinary and with non-temporal stores (SSE2, every x86-64);
 * - probe_ordinary_2threads: probe_ordinary with each of two threads taking half;
 * - probe_nonuniform: numpy's interior formula on coordinates, compiled for this CPU's
 *   widest vectors: what the arithmetic of the 1-D coordinates case costs here;
 * - probe_central: the all-axes central difference of a C-ordered 2-D or 3-D array (unit
 *   spacing, interior points only), with the outputs written one block after another along
 *   each row (as the library does for long rows in 3-D) or side by side, point by point:
 *   what the order of the writes costs here (ndim 2 or 3). */
#include <pthread.h>
#include <stddef.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

/* out[k][i] = (k + 0.5) * in[i] for k < nout, ordinary stores. */
void probe_ordinary(const double *in, double *const *out, size_t nout, size_t n) {
    if (nout == 1) {
        for (size_t i = 0; i < n; i++) out[0][i] = 0.5 * in[i];
    } else if (nout == 2) {
        double *o0 = out[0], *o1 = out[1];
        for (size_t i = 0; i < n; i++) { double x = in[i]; o0[i] = 0.5 * x; o1[i] = 1.5 * x; }
    } else {
        double *o0 = out[0], *o1 = out[1], *o2 = out[2];
        for (size_t i = 0; i < n; i++) { double x = in[i]; o0[i] = 0.5 * x; o1[i] = 1.5 * x; o2[i] = 2.5 * x; }
    }
}

struct half {
    const double *in;
    double *out[3];
    size_t nout, n;
};

static void *ordinary_half(void *arg) {
    struct half *h = arg;
    probe_ordinary(h->in, h->out, h->nout, h->n);
    return NULL;
}

/* probe_ordinary on two threads (the calling one and one started and joined here), each
 * writing a contiguous half; nout <= 3. Returns 0 if the thread cannot be started. */
int probe_ordinary_2threads(const double *in, double *const *out, size_t nout, size_t n) {
    size_t first = n / 2;
    struct half a = {in, {0}, nout, first}, b = {in + first, {0}, nout, n - first};
    for (size_t k = 0; k < nout && k < 3; k++) {
        a.out[k] = out[k];
        b.out[k] = out[k] + first;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, ordinary_half, &b) != 0) return 0;
    ordinary_half(&a);
    pthread_join(t, NULL);
    return 1;
}

/* numpy's interior formula on coordinates x (np.gradient, non-uniform, 1-D), in its order
 * of operations: out[i] = a*f[i-1] + b*f[i] + c*f[i+1] for 0 < i < n-1. */
void probe_nonuniform(const double *f, const double *x, double *out, size_t n) {
    for (size_t i = 1; i + 1 < n; i++) {
        double dx1 = x[i] - x[i - 1], dx2 = x[i + 1] - x[i];
        double a = -dx2 / (dx1 * (dx1 + dx2));
        double b = (dx2 - dx1) / (dx1 * dx2);
        double c = dx1 / (dx2 * (dx1 + dx2));
        out[i] = a * f[i - 1] + b * f[i] + c * f[i + 1];
    }
}

/* Interior central differences of f (shape n[0..ndim], C order, ndim 2 or 3, unit spacing)
 * into out[k] for each axis k: out[k][p] = (f[p + s_k] - f[p - s_k]) * 0.5. With block > 0,
 * each row's interior is done `block` points at a time, output 0's block, then output 1's,
 * ...; with block == 0, every output's point p before any output's point p + 1. */
void probe_central(const double *f, double *const *out, size_t ndim, const size_t *n, size_t block) {
    size_t cols = n[ndim - 1], rows = n[ndim - 2], plane = rows * cols;
    size_t p0 = ndim == 3 ? 1 : 0, p1 = ndim == 3 ? n[0] - 1 : 1;
    size_t step = block ? block : cols;
    double *o0 = out[0], *o1 = out[1], *o2 = ndim == 3 ? out[2] : NULL;
    /* The strides of the axes: the first is a plane in 3-D, a row in 2-D. */
    size_t s0 = ndim == 3 ? plane : cols, s1 = cols;
    for (size_t p = p0; p < p1; p++) {
        for (size_t r = 1; r + 1 < rows; r++) {
            size_t row = p * plane + r * cols;
            for (size_t b0 = 1; b0 + 1 < cols; b0 += step) {
                size_t lo = row + b0, hi = row + (b0 + step < cols - 1 ? b0 + step : cols - 1);
                if (ndim == 2 && block == 0) {
                    for (size_t i = lo; i < hi; i++) {
                        o0[i] = (f[i + s0] - f[i - s0]) * 0.5;
                        o1[i] = (f[i + 1] - f[i - 1]) * 0.5;
                    }
                } else if (ndim == 2) {
                    for (size_t i = lo; i < hi; i++) o0[i] = (f[i + s0] - f[i - s0]) * 0.5;
                    for (size_t i = lo; i < hi; i++) o1[i] = (f[i + 1] - f[i - 1]) * 0.5;
                } else if (block == 0) {
                    for (size_t i = lo; i < hi; i++) {
                        o0[i] = (f[i + s0] - f[i - s0]) * 0.5;
                        o1[i] = (f[i + s1] - f[i - s1]) * 0.5;
                        o2[i] = (f[i + 1] - f[i - 1]) * 0.5;
                    }
                } else {
                    for (size_t i = lo; i < hi; i++) o0[i] = (f[i + s0] - f[i - s0]) * 0.5;
                    for (size_t i = lo; i < hi; i++) o1[i] = (f[i + s1] - f[i - s1]) * 0.5;
                    for (size_t i = lo; i < hi; i++) o2[i] = (f[i + 1] - f[i - 1]) * 0.5;
                }
            }
        }
    }
}

/* The same with non-temporal (streaming) stores; outputs must be 16-byte aligned.
 * Returns 0 when not available on this target. */
int probe_streaming(const double *in, double *const *out, size_t nout, size_t n) {
#if defined(__x86_64__)
    size_t m = n & ~(size_t)1;
    const __m128d c0 = _mm_set1_pd(0.5), c1 = _mm_set1_pd(1.5), c2 = _mm_set1_pd(2.5);
    if (nout == 1) {
        for (size_t i = 0; i < m; i += 2) _mm_stream_pd(out[0] + i, _mm_mul_pd(_mm_loadu_pd(in + i), c0));
    } else if (nout == 2) {
        for (size_t i = 0; i < m; i += 2) {
            __m128d x = _mm_loadu_pd(in + i);
            _mm_stream_pd(out[0] + i, _mm_mul_pd(x, c0));
            _mm_stream_pd(out[1] + i, _mm_mul_pd(x, c1));
        }
    } else {
        for (size_t i = 0; i < m; i += 2) {
            __m128d x = _mm_loadu_pd(in + i);
            _mm_stream_pd(out[0] + i, _mm_mul_pd(x, c0));
            _mm_stream_pd(out[1] + i, _mm_mul_pd(x, c1));
            _mm_stream_pd(out[2] + i, _mm_mul_pd(x, c2));
        }
    }
    for (size_t i = m; i < n; i++)
        for (size_t k = 0; k < nout; k++) out[k][i] = (0.5 + (double)k) * in[i];
    _mm_sfence();
    return 1;
#else
    (void)in; (void)out; (void)nout; (void)n;
    return 0;
#endif
}
