// Internal to gpu/cpu, included by cpu_dot_avx512.cpp only (no include guard): the activation conversion
// to Q8_0 / Q8_1 / Q8_K with AVX-512, bit for bit the scalar one (cpu_quant.cpp): the same f32 products,
// rounded half to even (vcvtps2dq in the default rounding mode), the same scalar d and id. A block with a
// NaN, an inf or all zeros goes through the scalar code, so even garbage input converts identically.
namespace nd::cpu {
namespace {

inline bool block_finite_nonzero(const __m512 *v, int n, float *amax_out) {
    __m512 m = _mm512_setzero_ps();
    __mmask16 bad = 0;
    for (int k = 0; k < n; ++k) {
        bad |= _mm512_cmp_ps_mask(v[k], v[k], _CMP_UNORD_Q);
        m = _mm512_max_ps(m, _mm512_abs_ps(v[k]));
    }
    const float amax = _mm512_reduce_max_ps(m);
    *amax_out = amax;
    return bad == 0 && amax != 0.f && amax <= 3.4028235e38f;
}

void quantize_q8_0_avx512(const ActLayout &l, const float *x, uint8_t *dst, int64_t b0, int64_t b1) {
    const bool with_s = l.format == ActFormat::q8_1;
    for (int64_t b = b0; b < b1; ++b) {
        const float *xb = x + 32 * b;
        const __m512 v[2] = {_mm512_loadu_ps(xb), _mm512_loadu_ps(xb + 16)};
        float amax;
        if (!block_finite_nonzero(v, 2, &amax)) {
            act_quantize_blocks(l, x, dst, b, b + 1);
            continue;
        }
        const float d = amax / 127.f, id = 127.f / amax;
        const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(v[0], _mm512_set1_ps(id)));
        const __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(v[1], _mm512_set1_ps(id)));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + 32 * b), _mm512_cvtepi32_epi8(i0));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + 32 * b + 16), _mm512_cvtepi32_epi8(i1));
        const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
        const float dr = ggml_fp16_to_fp32(ggml_fp32_to_fp16(d));
        const float aux = with_s ? ggml_fp16_to_fp32(ggml_fp32_to_fp16(d * static_cast<float>(sum)))
                                 : static_cast<float>(sum);
        std::memcpy(dst + l.d_off + 4 * b, &dr, 4);
        std::memcpy(dst + l.aux_off + 4 * b, &aux, 4);
    }
}

void quantize_q8_k_avx512(const ActLayout &l, const float *x, uint8_t *dst, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
        const float *xb = x + 256 * b;
        __m512 v[16];
        for (int k = 0; k < 16; ++k)
            v[k] = _mm512_loadu_ps(xb + 16 * k);
        float amax;
        if (!block_finite_nonzero(v, 16, &amax)) {
            act_quantize_blocks(l, x, dst, b, b + 1);
            continue;
        }
        // The signed value of the first element of largest magnitude, as the scalar scan finds it.
        float max = amax;
        for (int k = 0; k < 16; ++k) {
            const __mmask16 m = _mm512_cmp_ps_mask(_mm512_abs_ps(v[k]), _mm512_set1_ps(amax), _CMP_EQ_OQ);
            if (m) {
                max = xb[16 * k + __builtin_ctz(m)];
                break;
            }
        }
        const float iscale = -127.f / max;
        int16_t bsums[16];
        for (int k = 0; k < 16; ++k) {
            const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(v[k], _mm512_set1_ps(iscale)));
            _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + 256 * b + 16 * k), _mm512_cvtepi32_epi8(q));
            bsums[k] = static_cast<int16_t>(_mm512_reduce_add_epi32(q));
        }
        const float d = 1.f / iscale;
        std::memcpy(dst + l.d_off + 4 * b, &d, 4);
        std::memcpy(dst + l.aux_off + 32 * b, bsums, 32);
    }
}

void quantize_avx512(const ActLayout &l, const float *x, uint8_t *dst, int64_t b0, int64_t b1) {
    switch (l.format) {
        case ActFormat::q8_0:
        case ActFormat::q8_1:
            quantize_q8_0_avx512(l, x, dst, b0, b1);
            return;
        case ActFormat::q8_k:
            quantize_q8_k_avx512(l, x, dst, b0, b1);
            return;
        default:
            act_quantize_blocks(l, x, dst, b0, b1);
    }
}

}  // namespace
}  // namespace nd::cpu
