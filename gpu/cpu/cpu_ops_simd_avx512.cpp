// AVX-512 F/BW/VL/DQ inner loops (compiled with those flags; used only when the CPU reports them). 16 f32
// lanes; remainders use masked loads/stores instead of scalar tails, so odd sizes (d_state 24, head_dim 40)
// stay in vector code.
#include <immintrin.h>

// GCC 12 warns that the _mm512_undefined_*() placeholders inside its own cvtps_pd / reduce_add intrinsics
// are uninitialised (GCC bug 105593); they are, by design. Silence that for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "gpu/cpu/cpu_ops_simd.h"

namespace nd::cpu {

namespace {

inline __mmask16 tail_mask(int64_t left) {
    return static_cast<__mmask16>((1u << left) - 1u);
}

inline __m512 load_f16(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p)));
}
inline __m512 load_f16_mask(const uint16_t *p, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

float dot_f32(const float *a, const float *b, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

float dot_f16(const float *a, const uint16_t *b, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), load_f16(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), load_f16(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), load_f16(b + i), s0);
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), load_f16_mask(b + i, m), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

void axpy_f32(float *y, float a, const float *x, int64_t n) {
    const __m512 va = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(
            y + i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
}

void axpy_f16(float *y, float a, const uint16_t *x, int64_t n) {
    const __m512 va = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, load_f16(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m,
                              _mm512_fmadd_ps(va, load_f16_mask(x + i, m), _mm512_maskz_loadu_ps(m, y + i)));
    }
}

// Scores of one query against `rows` cache rows. Each row has one accumulator chain over its columns (the
// last chunk masked), reduced at the end, so a row's result does not depend on which rows share its call;
// four rows at a time keep four independent chains in flight.
template <typename T, typename Load>
void dots(float *out, const float *q, const T *k, int64_t ldk, int64_t rows, int64_t n, Load load) {
    int64_t j = 0;
    for (; j + 4 <= rows; j += 4) {
        __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), acc2 = _mm512_setzero_ps(),
               acc3 = _mm512_setzero_ps();
        const T *k0 = k + j * ldk;
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
            const __m512 qv = _mm512_maskz_loadu_ps(m, q + i);
            acc0 = _mm512_fmadd_ps(qv, load(k0 + i, m), acc0);
            acc1 = _mm512_fmadd_ps(qv, load(k0 + ldk + i, m), acc1);
            acc2 = _mm512_fmadd_ps(qv, load(k0 + 2 * ldk + i, m), acc2);
            acc3 = _mm512_fmadd_ps(qv, load(k0 + 3 * ldk + i, m), acc3);
        }
        out[j] = _mm512_reduce_add_ps(acc0);
        out[j + 1] = _mm512_reduce_add_ps(acc1);
        out[j + 2] = _mm512_reduce_add_ps(acc2);
        out[j + 3] = _mm512_reduce_add_ps(acc3);
    }
    for (; j < rows; ++j) {
        __m512 acc = _mm512_setzero_ps();
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
            acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + i), load(k + j * ldk + i, m), acc);
        }
        out[j] = _mm512_reduce_add_ps(acc);
    }
}

void dots_f32(float *out, const float *q, const float *k, int64_t ldk, int64_t rows, int64_t n) {
    dots(out, q, k, ldk, rows, n, [](const float *x, __mmask16 m) { return _mm512_maskz_loadu_ps(m, x); });
}

void dots_f16(float *out, const float *q, const uint16_t *k, int64_t ldk, int64_t rows, int64_t n) {
    dots(out, q, k, ldk, rows, n, [](const uint16_t *x, __mmask16 m) { return load_f16_mask(x, m); });
}

// Columns in blocks of 16 (the last one masked, exactly as axpy treats it); up to 8 heads at a time, each
// with its own accumulator chain, share every V load.
template <typename T, typename Load>
void wsum(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const T *v, int64_t ldv,
          int64_t rows, int64_t n, Load load) {
    constexpr int kHeads = 8;
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 mk = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
        for (int64_t a0 = 0; a0 < m; a0 += kHeads) {
            const int64_t na = m - a0 < kHeads ? m - a0 : kHeads;
            __m512 acc[kHeads];
            for (int a = 0; a < kHeads; ++a)
                acc[a] = a < na ? _mm512_maskz_loadu_ps(mk, y + (a0 + a) * ldy + i) : _mm512_setzero_ps();
            const float *pa = p + a0 * ldp;
            for (int64_t j = 0; j < rows; ++j) {
                const __m512 vj = load(v + j * ldv + i, mk);
                for (int a = 0; a < kHeads; ++a)
                    if (a < na)
                        acc[a] = _mm512_fmadd_ps(_mm512_set1_ps(pa[a * ldp + j]), vj, acc[a]);
            }
            for (int a = 0; a < na; ++a)
                _mm512_mask_storeu_ps(y + (a0 + a) * ldy + i, mk, acc[a]);
        }
    }
}

void wsum_f32(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const float *v, int64_t ldv,
              int64_t rows, int64_t n) {
    wsum(y, ldy, p, ldp, m, v, ldv, rows, n,
         [](const float *x, __mmask16 mk) { return _mm512_maskz_loadu_ps(mk, x); });
}

void wsum_f16(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const uint16_t *v, int64_t ldv,
              int64_t rows, int64_t n) {
    wsum(y, ldy, p, ldp, m, v, ldv, rows, n,
         [](const uint16_t *x, __mmask16 mk) { return load_f16_mask(x, mk); });
}

// expf on 16 lanes: n = round(x·log2 e), r = x − n·ln 2 (in two parts), Cephes' degree-6 polynomial for
// e^r, then scalef by 2^n (which also gives 0 and inf at the ends of the range).
inline __m512 exp_ps(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.7228f)), _mm512_set1_ps(-104.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(y, n);
}

inline __m512 silu_ps(__m512 x) {
    const __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), x));
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

double softmax_exp(float *p, int64_t n, float max) {
    const __m512 vmax = _mm512_set1_ps(max);
    double sum = 0.0;
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
        const __m512 e = exp_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, p + i), vmax));
        _mm512_mask_storeu_ps(p + i, m, e);
        sum += static_cast<double>(_mm512_reduce_add_ps(_mm512_maskz_mov_ps(m, e)));
    }
    return sum;
}

void silu_mul(float *y, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
        const __m512 r =
            _mm512_mul_ps(silu_ps(_mm512_maskz_loadu_ps(m, a + i)), _mm512_maskz_loadu_ps(m, b + i));
        _mm512_mask_storeu_ps(y + i, m, r);
    }
}

void silu(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, silu_ps(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

inline float scan_row(float *s, const float *B, const float *C, float dA, float x_dt, int64_t n) {
    const __m512 vdA = _mm512_set1_ps(dA), vxdt = _mm512_set1_ps(x_dt);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 t0 =
            _mm512_fmadd_ps(_mm512_loadu_ps(s + i), vdA, _mm512_mul_ps(_mm512_loadu_ps(B + i), vxdt));
        const __m512 t1 = _mm512_fmadd_ps(_mm512_loadu_ps(s + i + 16), vdA,
                                          _mm512_mul_ps(_mm512_loadu_ps(B + i + 16), vxdt));
        acc0 = _mm512_fmadd_ps(t0, _mm512_loadu_ps(C + i), acc0);
        acc1 = _mm512_fmadd_ps(t1, _mm512_loadu_ps(C + i + 16), acc1);
        _mm512_storeu_ps(s + i, t0);
        _mm512_storeu_ps(s + i + 16, t1);
    }
    for (; i + 16 <= n; i += 16) {
        const __m512 t0 =
            _mm512_fmadd_ps(_mm512_loadu_ps(s + i), vdA, _mm512_mul_ps(_mm512_loadu_ps(B + i), vxdt));
        acc0 = _mm512_fmadd_ps(t0, _mm512_loadu_ps(C + i), acc0);
        _mm512_storeu_ps(s + i, t0);
    }
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 t0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, s + i), vdA,
                                          _mm512_mul_ps(_mm512_maskz_loadu_ps(m, B + i), vxdt));
        acc1 = _mm512_fmadd_ps(t0, _mm512_maskz_loadu_ps(m, C + i), acc1);
        _mm512_mask_storeu_ps(s + i, m, t0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

void scan_head(float *s, const float *x, const float *B, const float *C, float dA, float dt, float D,
               int64_t P, int64_t N, float *y) {
    for (int64_t p = 0; p < P; ++p)
        y[p] = scan_row(s + p * N, B, C, dA, x[p] * dt, N) + x[p] * D;
}

double sum_sq(const float *x, int64_t n) {
    // Squares in f32 (as ggml), widened to double before they are added.
    __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __m512 sq = _mm512_mul_ps(v, v);
        acc0 = _mm512_add_pd(acc0, _mm512_cvtps_pd(_mm512_castps512_ps256(sq)));
        acc1 = _mm512_add_pd(acc1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(sq, 1)));
    }
    if (i < n) {
        const __m512 v = _mm512_maskz_loadu_ps(tail_mask(n - i), x + i);
        const __m512 sq = _mm512_mul_ps(v, v);
        acc0 = _mm512_add_pd(acc0, _mm512_cvtps_pd(_mm512_castps512_ps256(sq)));
        acc1 = _mm512_add_pd(acc1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(sq, 1)));
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
}

void scale_mul(float *y, const float *x, float scale, const float *w, int64_t n) {
    const __m512 vs = _mm512_set1_ps(scale);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i,
                         _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i), vs), _mm512_loadu_ps(w + i)));
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m,
                              _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vs),
                                            _mm512_maskz_loadu_ps(m, w + i)));
    }
}

const SimdKernels kAvx512 = {
    .isa = CpuIsa::avx512,
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

const SimdKernels &simd_kernels_avx512() {
    return kAvx512;
}

}  // namespace nd::cpu
