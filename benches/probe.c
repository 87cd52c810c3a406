/* Memory-bandwidth probe for the benchmark: the traffic shape of an all-axes gradient
 * ("read one array, write k arrays"), with ordinary and with non-temporal stores, timed by
 * the caller on the same buffers as the gradient. Built by benches/bench.py with
 * -O3 -march=native; non-temporal stores use SSE2 (every x86-64). */
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
