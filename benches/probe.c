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
 *   what the order of the writes costs here (ndim 2 or 3);
 * - probe_streaming_2threads: probe_streaming with each of two threads taking half;
 * - c_gradient, c_gradient_2threads: numpy's all-axes gradient of a C-ordered 2-D or 3-D
 *   array (unit spacing, edge_order 1, edges included) written by hand: plain C, AVX2
 *   intrinsics, and AVX2 with non-temporal stores; the benchmark checks each against
 *   numpy bit for bit before timing it;
 * - c_gradient_f32: the same for a C-ordered 2-D float32 array, AVX2 with ordinary or
 *   non-temporal stores: what that traffic costs here when the arithmetic is float32's;
 * - c_gradient_c128: the same for a C-ordered 2-D complex128 array, with numpy's complex
 *   division by a real step. */
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

/* *p = v, with a non-temporal store (MOVNTI) if nt: a loop that streams stores every point
 * of its outputs so, row ends and scalar heads included, since a cache line written partly
 * with ordinary stores is read from memory first and written twice. */
static inline void put_d(int nt, double *p, double v) {
#if defined(__x86_64__)
    if (nt) {
        long long bits;
        memcpy(&bits, &v, sizeof bits);
        _mm_stream_si64((long long *)p, bits);
        return;
    }
#endif
    *p = v;
}

static inline void put_f(int nt, float *p, float v) {
#if defined(__x86_64__)
    if (nt) {
        int bits;
        memcpy(&bits, &v, sizeof bits);
        _mm_stream_si32((int *)p, bits);
        return;
    }
#endif
    *p = v;
}

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

/* probe_streaming on two threads, each writing a contiguous half (n even is not needed:
 * the halves are split at an even index so both stay 16-byte aligned); nout <= 3. Returns 0
 * if the thread cannot be started or streaming stores are not available here. */
struct shalf {
    const double *in;
    double *out[3];
    size_t nout, n;
};

static void *streaming_half(void *arg) {
    struct shalf *h = arg;
    probe_streaming(h->in, h->out, h->nout, h->n);
    return NULL;
}

int probe_streaming_2threads(const double *in, double *const *out, size_t nout, size_t n) {
#if defined(__x86_64__)
    size_t first = (n / 2) & ~(size_t)1;
    struct shalf a = {in, {0}, nout, first}, b = {in + first, {0}, nout, n - first};
    for (size_t k = 0; k < nout && k < 3; k++) {
        a.out[k] = out[k];
        b.out[k] = out[k] + first;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, streaming_half, &b) != 0) return 0;
    streaming_half(&a);
    pthread_join(t, NULL);
    return 1;
#else
    (void)in; (void)out; (void)nout; (void)n;
    return 0;
#endif
}

/* numpy.gradient of a C-ordered 2-D or 3-D float64 array, every axis, unit spacing,
 * edge_order 1, written by hand as a C programmer would: one sweep over the rows, each
 * output's point j of a row computed side by side from the rows it needs, the interior of
 * every row in one loop and its two end points apart. `variant`: 0 plain C (the compiler
 * vectorises it for this CPU), 1 AVX2 intrinsics, 2 AVX2 intrinsics with non-temporal
 * stores for every point, scalar ones included (put_d), if every output is on one 32-byte
 * phase, else 1. Only indices `p0..p1` of axis 0 (planes in 3-D, rows in 2-D; 0..shape[0]
 * for all), for threads. Bit for bit numpy's: each point is (hi - lo) * m with m 0.5
 * (numpy's division by 2) or 1 (its division by 1 at the edges). */
struct rowjob {
    const double *lo[3], *hi[3];
    double m[3];
    double *o[3];
};

static void row_plain(const struct rowjob *r, size_t nout, const double *row, size_t n) {
    /* axis along the row: the last output */
    double *oi = r->o[nout - 1];
    if (nout == 2) {
        const double *l0 = r->lo[0], *h0 = r->hi[0];
        double m0 = r->m[0], *o0 = r->o[0];
        for (size_t j = 1; j + 1 < n; j++) {
            o0[j] = (h0[j] - l0[j]) * m0;
            oi[j] = (row[j + 1] - row[j - 1]) * 0.5;
        }
    } else {
        const double *l0 = r->lo[0], *h0 = r->hi[0], *l1 = r->lo[1], *h1 = r->hi[1];
        double m0 = r->m[0], m1 = r->m[1], *o0 = r->o[0], *o1 = r->o[1];
        for (size_t j = 1; j + 1 < n; j++) {
            o0[j] = (h0[j] - l0[j]) * m0;
            o1[j] = (h1[j] - l1[j]) * m1;
            oi[j] = (row[j + 1] - row[j - 1]) * 0.5;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2_ROW(NAME, STORE, NT)                                                                \
__attribute__((target("avx2"))) static void NAME(const struct rowjob *r, size_t nout,            \
                                                  const double *row, size_t n) {                  \
    double *oi = r->o[nout - 1];                                                                  \
    size_t j = 1;                                                                                 \
    /* a scalar head up to a 32-byte boundary of the outputs (all on one phase) */                \
    while (j + 1 < n && ((size_t)(oi + j) & 31) != 0) {                                           \
        for (size_t k = 0; k + 1 < nout; k++)                                                     \
            put_d(NT, r->o[k] + j, (r->hi[k][j] - r->lo[k][j]) * r->m[k]);                        \
        put_d(NT, oi + j, (row[j + 1] - row[j - 1]) * 0.5);                                       \
        j++;                                                                                      \
    }                                                                                             \
    const __m256d half = _mm256_set1_pd(0.5), m0 = _mm256_set1_pd(r->m[0]),                       \
                  m1 = _mm256_set1_pd(nout == 3 ? r->m[1] : 0.0);                                 \
    if (nout == 2) {                                                                              \
        for (; j + 4 < n; j += 4) {                                                               \
            __m256d a = _mm256_sub_pd(_mm256_loadu_pd(r->hi[0] + j), _mm256_loadu_pd(r->lo[0] + j)); \
            __m256d c = _mm256_sub_pd(_mm256_loadu_pd(row + j + 1), _mm256_loadu_pd(row + j - 1));  \
            STORE(r->o[0] + j, _mm256_mul_pd(a, m0));                                             \
            STORE(oi + j, _mm256_mul_pd(c, half));                                                \
        }                                                                                         \
    } else {                                                                                      \
        for (; j + 4 < n; j += 4) {                                                               \
            __m256d a = _mm256_sub_pd(_mm256_loadu_pd(r->hi[0] + j), _mm256_loadu_pd(r->lo[0] + j)); \
            __m256d b = _mm256_sub_pd(_mm256_loadu_pd(r->hi[1] + j), _mm256_loadu_pd(r->lo[1] + j)); \
            __m256d c = _mm256_sub_pd(_mm256_loadu_pd(row + j + 1), _mm256_loadu_pd(row + j - 1));  \
            STORE(r->o[0] + j, _mm256_mul_pd(a, m0));                                             \
            STORE(r->o[1] + j, _mm256_mul_pd(b, m1));                                             \
            STORE(oi + j, _mm256_mul_pd(c, half));                                                \
        }                                                                                         \
    }                                                                                             \
    for (; j + 1 < n; j++) {                                                                      \
        for (size_t k = 0; k + 1 < nout; k++)                                                     \
            put_d(NT, r->o[k] + j, (r->hi[k][j] - r->lo[k][j]) * r->m[k]);                        \
        put_d(NT, oi + j, (row[j + 1] - row[j - 1]) * 0.5);                                       \
    }                                                                                             \
}
AVX2_ROW(row_avx2, _mm256_storeu_pd, 0)
AVX2_ROW(row_avx2_nt, _mm256_stream_pd, 1)
#endif

int c_gradient(const double *f, double *const *out, size_t ndim, const size_t *shape, int variant,
               size_t p0, size_t p1) {
#if !defined(__x86_64__)
    if (variant != 0) return 0;
#endif
    if (ndim != 2 && ndim != 3) return 0;
    size_t n = shape[ndim - 1], rows = shape[ndim - 2], planes = ndim == 3 ? shape[0] : 1;
    size_t nout = ndim;
    if (n < 2 || rows < 2 || planes < (ndim == 3 ? 2 : 1)) return 0;
    /* streaming needs every output on one 32-byte phase; else ordinary AVX2 stores */
    for (size_t k = 1; k < nout; k++)
        if (variant == 2 && (((size_t)out[k] - (size_t)out[0]) & 31) != 0) variant = 1;
    /* p0..p1: a range of axis 0 (planes in 3-D, rows in 2-D) */
    size_t q0 = ndim == 3 ? p0 : 0, q1 = ndim == 3 ? p1 : 1;
    for (size_t p = q0; p < q1; p++) {
        for (size_t i = (ndim == 2 ? p0 : 0); i < (ndim == 2 ? p1 : rows); i++) {
            size_t at = (p * rows + i) * n;
            const double *row = f + at;
            struct rowjob r;
            size_t k = 0;
            /* the outer axes: planes (3-D), then rows */
            size_t idx[2] = {p, i}, len[2] = {planes, rows}, stride[2] = {rows * n, n};
            for (size_t a = (ndim == 3 ? 0 : 1); a < 2; a++, k++) {
                size_t ix = idx[a], s = stride[a];
                r.lo[k] = ix == 0 ? row : row - s;
                r.hi[k] = ix + 1 == len[a] ? row : row + s;
                r.m[k] = (ix == 0 || ix + 1 == len[a]) ? 1.0 : 0.5;
                r.o[k] = out[k] + at;
            }
            r.o[k] = out[k] + at;
#if defined(__x86_64__)
            if (variant == 1) row_avx2(&r, nout, row, n);
            else if (variant == 2) row_avx2_nt(&r, nout, row, n);
            else
#endif
                row_plain(&r, nout, row, n);
            /* the row's two end points, every output */
            int nt = variant == 2;
            for (size_t q = 0; q + 1 < nout; q++) {
                put_d(nt, r.o[q], (r.hi[q][0] - r.lo[q][0]) * r.m[q]);
                put_d(nt, r.o[q] + n - 1, (r.hi[q][n - 1] - r.lo[q][n - 1]) * r.m[q]);
            }
            put_d(nt, r.o[nout - 1], row[1] - row[0]);
            put_d(nt, r.o[nout - 1] + n - 1, row[n - 1] - row[n - 2]);
        }
    }
#if defined(__x86_64__)
    if (variant == 2) _mm_sfence();
#endif
    return 1;
}

struct cjob {
    const double *f;
    double *const *out;
    size_t ndim;
    const size_t *shape;
    int variant;
    size_t p0, p1;
};

static void *c_gradient_job(void *arg) {
    struct cjob *j = arg;
    c_gradient(j->f, j->out, j->ndim, j->shape, j->variant, j->p0, j->p1);
    return NULL;
}

/* c_gradient on two threads, each taking half of axis 0. */
int c_gradient_2threads(const double *f, double *const *out, size_t ndim, const size_t *shape,
                        int variant) {
    pthread_t t;
    size_t half = shape[0] / 2;
    struct cjob a = {f, out, ndim, shape, variant, 0, half}, b = {f, out, ndim, shape, variant, half, shape[0]};
    if (pthread_create(&t, NULL, c_gradient_job, &b) != 0) return 0;
    c_gradient_job(&a);
    pthread_join(t, NULL);
    return 1;
}

/* numpy.gradient of a C-ordered 2-D float32 array, both axes, unit spacing, edge_order 1:
 * c_gradient's loop with 8 float32 lanes. `variant`: 1 AVX2, 2 AVX2 with non-temporal
 * stores (if both outputs are on one 32-byte phase, else 1). Bit for bit numpy's: each
 * point is (hi - lo) * m in float32, m 0.5 (numpy's float32 division by 2) or 1. Returns 0
 * where AVX2 code is not built (not x86-64) or the shape is too small. */
#if defined(__x86_64__)
#define F32_ROW(NAME, STORE, NT)                                                                \
__attribute__((target("avx2"))) static void NAME(const float *lo, const float *hi, float m,     \
                                                  const float *row, float *o0, float *o1,        \
                                                  size_t n) {                                    \
    size_t j = 1;                                                                                \
    while (j + 1 < n && ((size_t)(o1 + j) & 31) != 0) {                                          \
        put_f(NT, o0 + j, (hi[j] - lo[j]) * m);                                                  \
        put_f(NT, o1 + j, (row[j + 1] - row[j - 1]) * 0.5f);                                     \
        j++;                                                                                     \
    }                                                                                            \
    const __m256 half = _mm256_set1_ps(0.5f), mm = _mm256_set1_ps(m);                            \
    for (; j + 8 < n; j += 8) {                                                                  \
        __m256 a = _mm256_sub_ps(_mm256_loadu_ps(hi + j), _mm256_loadu_ps(lo + j));              \
        __m256 c = _mm256_sub_ps(_mm256_loadu_ps(row + j + 1), _mm256_loadu_ps(row + j - 1));    \
        STORE(o0 + j, _mm256_mul_ps(a, mm));                                                     \
        STORE(o1 + j, _mm256_mul_ps(c, half));                                                   \
    }                                                                                            \
    for (; j + 1 < n; j++) {                                                                     \
        put_f(NT, o0 + j, (hi[j] - lo[j]) * m);                                                  \
        put_f(NT, o1 + j, (row[j + 1] - row[j - 1]) * 0.5f);                                     \
    }                                                                                            \
}
F32_ROW(row_f32_avx2, _mm256_storeu_ps, 0)
F32_ROW(row_f32_avx2_nt, _mm256_stream_ps, 1)
#endif

int c_gradient_f32(const float *f, float *const *out, const size_t *shape, int variant) {
#if defined(__x86_64__)
    size_t rows = shape[0], n = shape[1];
    if (rows < 2 || n < 2 || (variant != 1 && variant != 2)) return 0;
    if (variant == 2 && (((size_t)out[1] - (size_t)out[0]) & 31) != 0) variant = 1;
    for (size_t i = 0; i < rows; i++) {
        const float *row = f + i * n;
        const float *lo = i == 0 ? row : row - n, *hi = i + 1 == rows ? row : row + n;
        float m = (i == 0 || i + 1 == rows) ? 1.0f : 0.5f;
        float *o0 = out[0] + i * n, *o1 = out[1] + i * n;
        if (variant == 2) row_f32_avx2_nt(lo, hi, m, row, o0, o1, n);
        else row_f32_avx2(lo, hi, m, row, o0, o1, n);
        int nt = variant == 2;
        put_f(nt, o0, (hi[0] - lo[0]) * m);
        put_f(nt, o0 + n - 1, (hi[n - 1] - lo[n - 1]) * m);
        put_f(nt, o1, row[1] - row[0]);
        put_f(nt, o1 + n - 1, row[n - 1] - row[n - 2]);
    }
    if (variant == 2) _mm_sfence();
    return 1;
#else
    (void)f; (void)out; (void)shape; (void)variant;
    return 0;
#endif
}

/* numpy.gradient of a C-ordered 2-D complex128 array (re, im pairs of doubles), both axes,
 * unit spacing, edge_order 1: c_gradient's loop on 2 complex numbers per AVX2 vector.
 * `variant`: 1 AVX2, 2 AVX2 with non-temporal stores (if both outputs are on one 32-byte
 * phase, else 1). Bit for bit numpy's: numpy divides the difference z by the real step d
 * as the complex d + 0j (Smith's method, the branch |re| >= |im|): with rat = 0 / d and
 * scl = 1 / (d + 0 * rat), the quotient is ((z.re + z.im * rat) * scl, (z.im - z.re * rat)
 * * scl); d is 2 in the interior and 1 at the edges. Returns 0 where AVX2 code is not built
 * (not x86-64) or the shape is too small. */
struct cdiv {
    double rat, scl;
};

static struct cdiv cdiv_of(double d) {
    struct cdiv c;
    c.rat = 0.0 / d;
    c.scl = 1.0 / (d + 0.0 * c.rat);
    return c;
}

/* *out = (*hi - *lo) / d for one complex number (two doubles at each pointer), with
 * non-temporal stores if nt. */
static void cdiv_point(int nt, double *out, const double *lo, const double *hi, struct cdiv c) {
    double re = hi[0] - lo[0], im = hi[1] - lo[1];
    put_d(nt, out, (re + im * c.rat) * c.scl);
    put_d(nt, out + 1, (im - re * c.rat) * c.scl);
}

#if defined(__x86_64__)
/* The quotients of two complex numbers: with z = hi - lo as (re0, im0, re1, im1), addsub
 * of (im, re) and z * rat gives (im - re * rat, re + im * rat), scaled by scl and swapped
 * back. */
__attribute__((target("avx2"))) static inline __m256d cdiv_pair(const double *lo, const double *hi,
                                                                __m256d rat, __m256d scl) {
    __m256d z = _mm256_sub_pd(_mm256_loadu_pd(hi), _mm256_loadu_pd(lo));
    __m256d s = _mm256_addsub_pd(_mm256_permute_pd(z, 0x5), _mm256_mul_pd(z, rat));
    return _mm256_permute_pd(_mm256_mul_pd(s, scl), 0x5);
}

/* Points 1..n-1 of a row (n complex numbers at `row`): o0 from lo, hi and m, o1 from the
 * row's neighbours over 2. Double index 2 * j is complex number j. */
#define C128_ROW(NAME, STORE, NT)                                                                \
__attribute__((target("avx2"))) static void NAME(const double *lo, const double *hi,            \
                                                  struct cdiv m, const double *row, double *o0,  \
                                                  double *o1, size_t n) {                        \
    struct cdiv half = cdiv_of(2.0);                                                             \
    size_t j = 1;                                                                                \
    while (j + 1 < n && ((size_t)(o1 + 2 * j) & 31) != 0) {                                     \
        cdiv_point(NT, o0 + 2 * j, lo + 2 * j, hi + 2 * j, m);                                   \
        cdiv_point(NT, o1 + 2 * j, row + 2 * j - 2, row + 2 * j + 2, half);                      \
        j++;                                                                                     \
    }                                                                                            \
    const __m256d mr = _mm256_set1_pd(m.rat), ms = _mm256_set1_pd(m.scl),                        \
                  hr = _mm256_set1_pd(half.rat), hs = _mm256_set1_pd(half.scl);                  \
    for (; j + 2 < n; j += 2) {                                                                  \
        __m256d a = cdiv_pair(lo + 2 * j, hi + 2 * j, mr, ms);                                   \
        __m256d c = cdiv_pair(row + 2 * j - 2, row + 2 * j + 2, hr, hs);                         \
        STORE(o0 + 2 * j, a);                                                                    \
        STORE(o1 + 2 * j, c);                                                                    \
    }                                                                                            \
    for (; j + 1 < n; j++) {                                                                     \
        cdiv_point(NT, o0 + 2 * j, lo + 2 * j, hi + 2 * j, m);                                   \
        cdiv_point(NT, o1 + 2 * j, row + 2 * j - 2, row + 2 * j + 2, half);                      \
    }                                                                                            \
}
C128_ROW(row_c128_avx2, _mm256_storeu_pd, 0)
C128_ROW(row_c128_avx2_nt, _mm256_stream_pd, 1)
#endif

int c_gradient_c128(const double *f, double *const *out, const size_t *shape, int variant) {
#if defined(__x86_64__)
    size_t rows = shape[0], n = shape[1];
    if (rows < 2 || n < 2 || (variant != 1 && variant != 2)) return 0;
    if (variant == 2 && (((size_t)out[1] - (size_t)out[0]) & 31) != 0) variant = 1;
    struct cdiv one = cdiv_of(1.0);
    for (size_t i = 0; i < rows; i++) {
        const double *row = f + 2 * i * n;
        const double *lo = i == 0 ? row : row - 2 * n, *hi = i + 1 == rows ? row : row + 2 * n;
        struct cdiv m = cdiv_of((i == 0 || i + 1 == rows) ? 1.0 : 2.0);
        double *o0 = out[0] + 2 * i * n, *o1 = out[1] + 2 * i * n;
        size_t e = 2 * (n - 1);
        if (variant == 2) row_c128_avx2_nt(lo, hi, m, row, o0, o1, n);
        else row_c128_avx2(lo, hi, m, row, o0, o1, n);
        int nt = variant == 2;
        cdiv_point(nt, o0, lo, hi, m);
        cdiv_point(nt, o0 + e, lo + e, hi + e, m);
        cdiv_point(nt, o1, row, row + 2, one);
        cdiv_point(nt, o1 + e, row + e - 2, row + e, one);
    }
    if (variant == 2) _mm_sfence();
    return 1;
#else
    (void)f; (void)out; (void)shape; (void)variant;
    return 0;
#endif
}
