// AVX2 + FMA + F16C inner loops (compiled with -mavx2 -mfma -mf16c; used only when the CPU reports them).
// 8 f32 lanes; two accumulators where a loop is a reduction so the FMA latency is hidden; scalar tails.
#include <immintrin.h>

#include <cmath>

#include "gpu/cpu/cpu_ops_simd.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd::cpu {

namespace {

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline __m256 load_f16(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
}

inline float load_scalar(float x) {
    return x;
}
inline float load_scalar(uint16_t x) {
    return ggml_fp16_to_fp32(x);
}

float dot_f32(const float *a, const float *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float sum = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; ++i)
        sum += a[i] * b[i];
    return sum;
}

float dot_f16(const float *a, const uint16_t *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load_f16(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), load_f16(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load_f16(b + i), s0);
    float sum = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; ++i)
        sum += a[i] * ggml_fp16_to_fp32(b[i]);
    return sum;
}

void axpy_f32(float *y, float a, const float *x, int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i)
        y[i] += a * x[i];
}

void axpy_f16(float *y, float a, const uint16_t *x, int64_t n) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, load_f16(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i)
        y[i] += a * ggml_fp16_to_fp32(x[i]);
}

// Scores of one query against `rows` cache rows. Each row has one accumulator chain over its 8-wide
// chunks, reduced, then its scalar tail added in order, so a row's result does not depend on which rows
// share its call; four rows at a time keep four independent chains in flight.
template <typename T, typename Load>
void dots(float *out, const float *q, const T *k, int64_t ldk, int64_t rows, int64_t n, Load load) {
    const int64_t n8 = n / 8 * 8;
    auto tail = [&](float sum, const T *row) {
        for (int64_t i = n8; i < n; ++i)
            sum += q[i] * load_scalar(row[i]);
        return sum;
    };
    int64_t j = 0;
    for (; j + 4 <= rows; j += 4) {
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(),
               acc3 = _mm256_setzero_ps();
        const T *k0 = k + j * ldk;
        for (int64_t i = 0; i < n8; i += 8) {
            const __m256 qv = _mm256_loadu_ps(q + i);
            acc0 = _mm256_fmadd_ps(qv, load(k0 + i), acc0);
            acc1 = _mm256_fmadd_ps(qv, load(k0 + ldk + i), acc1);
            acc2 = _mm256_fmadd_ps(qv, load(k0 + 2 * ldk + i), acc2);
            acc3 = _mm256_fmadd_ps(qv, load(k0 + 3 * ldk + i), acc3);
        }
        out[j] = tail(hsum(acc0), k0);
        out[j + 1] = tail(hsum(acc1), k0 + ldk);
        out[j + 2] = tail(hsum(acc2), k0 + 2 * ldk);
        out[j + 3] = tail(hsum(acc3), k0 + 3 * ldk);
    }
    for (; j < rows; ++j) {
        __m256 acc = _mm256_setzero_ps();
        for (int64_t i = 0; i < n8; i += 8)
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load(k + j * ldk + i), acc);
        out[j] = tail(hsum(acc), k + j * ldk);
    }
}

void dots_f32(float *out, const float *q, const float *k, int64_t ldk, int64_t rows, int64_t n) {
    dots(out, q, k, ldk, rows, n, [](const float *x) { return _mm256_loadu_ps(x); });
}

void dots_f16(float *out, const float *q, const uint16_t *k, int64_t ldk, int64_t rows, int64_t n) {
    dots(out, q, k, ldk, rows, n, [](const uint16_t *x) { return load_f16(x); });
}

// Columns in blocks of 8 (then a scalar tail, exactly as axpy treats them); up to 8 heads at a time, each
// with its own accumulator chain, share every V load.
template <typename T, typename Load>
void wsum(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const T *v, int64_t ldv,
          int64_t rows, int64_t n, Load load) {
    constexpr int kHeads = 8;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int64_t a0 = 0; a0 < m; a0 += kHeads) {
            const int64_t na = m - a0 < kHeads ? m - a0 : kHeads;
            __m256 acc[kHeads];
            for (int a = 0; a < kHeads; ++a)
                acc[a] = a < na ? _mm256_loadu_ps(y + (a0 + a) * ldy + i) : _mm256_setzero_ps();
            const float *pa = p + a0 * ldp;
            for (int64_t j = 0; j < rows; ++j) {
                const __m256 vj = load(v + j * ldv + i);
                for (int a = 0; a < kHeads; ++a)
                    if (a < na)
                        acc[a] = _mm256_fmadd_ps(_mm256_set1_ps(pa[a * ldp + j]), vj, acc[a]);
            }
            for (int a = 0; a < na; ++a)
                _mm256_storeu_ps(y + (a0 + a) * ldy + i, acc[a]);
        }
    }
    for (; i < n; ++i) {
        for (int64_t a = 0; a < m; ++a) {
            float acc = y[a * ldy + i];
            for (int64_t j = 0; j < rows; ++j)
                acc += p[a * ldp + j] * load_scalar(v[j * ldv + i]);
            y[a * ldy + i] = acc;
        }
    }
}

void wsum_f32(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const float *v, int64_t ldv,
              int64_t rows, int64_t n) {
    wsum(y, ldy, p, ldp, m, v, ldv, rows, n, [](const float *x) { return _mm256_loadu_ps(x); });
}

void wsum_f16(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const uint16_t *v, int64_t ldv,
              int64_t rows, int64_t n) {
    wsum(y, ldy, p, ldp, m, v, ldv, rows, n, [](const uint16_t *x) { return load_f16(x); });
}

// expf on 8 lanes: n = round(x·log2 e), r = x − n·ln 2 (in two parts), Cephes' degree-6 polynomial for
// e^r, times 2^n built in the exponent bits. Where 2^n would be subnormal (x below about −86.6) the
// result is 0: off from expf by less than 3e-38, nothing next to the 1 a softmax row always holds.
inline __m256 exp_ps(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.33654f);
    const __m256 tiny = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.7228f)), lo);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    // 2^n for n in [-126, 128): (n + 127) << 23; n = 128 only at the clamp, where y·2^127·2 stays finite
    // enough: split it as 2^(n−1)·2.
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(126)), 23);
    const __m256 res = _mm256_mul_ps(_mm256_mul_ps(y, _mm256_castsi256_ps(e)), _mm256_set1_ps(2.0f));
    return _mm256_andnot_ps(tiny, res);
}

inline __m256 silu_ps(__m256 x) {
    const __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

inline float silu1(float x) {
    return x / (1.0f + std::exp(-x));
}

double softmax_exp(float *p, int64_t n, float max) {
    const __m256 vmax = _mm256_set1_ps(max);
    double sum = 0.0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(p + i), vmax));
        _mm256_storeu_ps(p + i, e);
        sum += static_cast<double>(hsum(e));
    }
    for (; i < n; ++i) {
        p[i] = std::exp(p[i] - max);
        sum += static_cast<double>(p[i]);
    }
    return sum;
}

void silu_mul(float *y, const float *a, const float *b, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(silu_ps(_mm256_loadu_ps(a + i)), _mm256_loadu_ps(b + i)));
    for (; i < n; ++i)
        y[i] = silu1(a[i]) * b[i];
}

void silu(float *y, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, silu_ps(_mm256_loadu_ps(x + i)));
    for (; i < n; ++i)
        y[i] = silu1(x[i]);
}

inline float scan_row(float *s, const float *B, const float *C, float dA, float x_dt, int64_t n) {
    const __m256 vdA = _mm256_set1_ps(dA), vxdt = _mm256_set1_ps(x_dt);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 t0 =
            _mm256_fmadd_ps(_mm256_loadu_ps(s + i), vdA, _mm256_mul_ps(_mm256_loadu_ps(B + i), vxdt));
        const __m256 t1 =
            _mm256_fmadd_ps(_mm256_loadu_ps(s + i + 8), vdA, _mm256_mul_ps(_mm256_loadu_ps(B + i + 8), vxdt));
        acc0 = _mm256_fmadd_ps(t0, _mm256_loadu_ps(C + i), acc0);
        acc1 = _mm256_fmadd_ps(t1, _mm256_loadu_ps(C + i + 8), acc1);
        _mm256_storeu_ps(s + i, t0);
        _mm256_storeu_ps(s + i + 8, t1);
    }
    for (; i + 8 <= n; i += 8) {
        const __m256 t0 =
            _mm256_fmadd_ps(_mm256_loadu_ps(s + i), vdA, _mm256_mul_ps(_mm256_loadu_ps(B + i), vxdt));
        acc0 = _mm256_fmadd_ps(t0, _mm256_loadu_ps(C + i), acc0);
        _mm256_storeu_ps(s + i, t0);
    }
    float sum = hsum(_mm256_add_ps(acc0, acc1));
    for (; i < n; ++i) {
        const float state = s[i] * dA + B[i] * x_dt;
        sum += state * C[i];
        s[i] = state;
    }
    return sum;
}

void scan_head(float *s, const float *x, const float *B, const float *C, float dA, float dt, float D,
               int64_t P, int64_t N, float *y) {
    for (int64_t p = 0; p < P; ++p)
        y[p] = scan_row(s + p * N, B, C, dA, x[p] * dt, N) + x[p] * D;
}

double sum_sq(const float *x, int64_t n) {
    // Squares in f32 (as ggml), widened to double before they are added.
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 sq = _mm256_mul_ps(v, v);
        acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(sq)));
        acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(sq, 1)));
    }
    alignas(32) double lanes[4];
    _mm256_store_pd(lanes, _mm256_add_pd(acc0, acc1));
    double sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; i < n; ++i)
        sum += static_cast<double>(x[i] * x[i]);
    return sum;
}

void scale_mul(float *y, const float *x, float scale, const float *w, int64_t n) {
    const __m256 vs = _mm256_set1_ps(scale);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i,
                         _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vs), _mm256_loadu_ps(w + i)));
    for (; i < n; ++i)
        y[i] = x[i] * scale * w[i];
}

const SimdKernels kAvx2 = {
    .isa = CpuIsa::avx2,
    .dot_f32 = dot_f32,
    .dot_f16 = dot_f16,
    .axpy_f32 = axpy_f32,
    .axpy_f16 = axpy_f16,
    .dots_f32 = dots_f32,
    .dots_f16 = dots_f16,
    .wsum_f32 = wsum_f32,
    .wsum_f16 = wsum_f16,
    .softmax_exp = softmax_exp,
    .silu_mul = silu_mul,
    .silu = silu,
    .scan_row = scan_row,
    .scan_head = scan_head,
    .sum_sq = sum_sq,
    .scale_mul = scale_mul,
};

}  // namespace

const SimdKernels &simd_kernels_avx2() {
    return kAvx2;
}

}  // namespace nd::cpu
