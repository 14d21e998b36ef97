// Activation conversion (cpu_quant.h): the values of ggml's x86 CPU backend, bit for bit.
//   Q8_0 / Q8_1: amax over 32; d = amax/127 (stored rounded to fp16); q = round_half_even(x · 127/amax).
//   Q8_K: max = the value of largest magnitude over 256; iscale = -127/max; q = min(127, rne(iscale·x));
//         d = 1/iscale (a float, negative for positive max: d·q still approximates x).
#include "gpu/cpu/cpu_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gpu/gguf/ggml_quants.h"

namespace nd::cpu {

namespace {

int64_t round_up(int64_t v, int64_t a) {
    return (v + a - 1) / a * a;
}

float fp16_round(float v) {
    return ggml_fp16_to_fp32(ggml_fp32_to_fp16(v));
}

// Round half to even to an int8 code, as vroundps/nearbyint do in the default rounding mode: adding
// 1.5·2^23 leaves the nearest integer (ties to even) in the low mantissa bits (ggml's nearest_int), for
// |v| < 2^22. Clamped first and with no float→int conversion, so the loops vectorise (std::nearbyint is a
// libm call on baseline x86-64) and NaN or inf activations give garbage codes, never undefined behaviour.
// (IEEE arithmetic: this project never builds with -ffast-math.)
inline int8_t code_rne(float v) {
    v = std::min(v, 127.f);
    v = std::max(v, -127.f);
    const float t = v + 12582912.f;
    int32_t i;
    std::memcpy(&i, &t, 4);
    return static_cast<int8_t>((i & 0x007fffff) - 0x00400000);
}

void quantize_q8_0(const ActLayout &l, const float *x, uint8_t *dst, bool with_s, int64_t b0, int64_t b1) {
    auto *qs = reinterpret_cast<int8_t *>(dst);
    float d_out[1];
    for (int64_t b = b0; b < b1; ++b) {
        const float *xb = x + b * 32;
        float amax = 0.f;
        for (int j = 0; j < 32; ++j) {
            const float a = std::fabs(xb[j]);
            amax = a > amax ? a : amax;
        }
        const float d = amax / 127.f;
        const float id = amax != 0.f ? 127.f / amax : 0.f;
        // Into a local first: int8 stores may alias x, which would keep the loop from vectorising.
        int8_t q[32];
        for (int j = 0; j < 32; ++j)
            q[j] = code_rne(xb[j] * id);
        int sum = 0;
        for (int j = 0; j < 32; ++j)
            sum += q[j];
        std::memcpy(qs + b * 32, q, 32);
        d_out[0] = fp16_round(d);
        std::memcpy(dst + l.d_off + b * 4, d_out, 4);
        // Q8_1's s is fp16(d · Σq) with the unrounded d (as ggml); Q8_0 keeps the plain integer sum.
        const float aux = with_s ? fp16_round(d * static_cast<float>(sum)) : static_cast<float>(sum);
        std::memcpy(dst + l.aux_off + b * 4, &aux, 4);
    }
}

void quantize_q8_k(const ActLayout &l, const float *x, uint8_t *dst, int64_t b0, int64_t b1) {
    auto *qs = reinterpret_cast<int8_t *>(dst);
    for (int64_t b = b0; b < b1; ++b) {
        const float *xb = x + b * 256;
        int8_t *q = qs + b * 256;
        float amax = 0.f, max = 0.f;
        for (int j = 0; j < 256; ++j) {
            const float ax = std::fabs(xb[j]);
            if (ax > amax) {
                amax = ax;
                max = xb[j];
            }
        }
        float d = 0.f;
        int16_t bsums[16] = {};
        if (amax == 0.f || !std::isfinite(amax)) {
            std::memset(q, 0, 256);
            if (!std::isfinite(amax) && amax != 0.f)
                d = amax;  // an inf activation: keep it visible in the output rather than silently 0
        } else {
            const float iscale = -127.f / max;
            // ggml: min(127, nearest_int(iscale·x)), round half to even; |iscale·x| <= 127 here.
            for (int j = 0; j < 256; ++j)
                q[j] = code_rne(iscale * xb[j]);
            for (int j = 0; j < 16; ++j) {
                int s = 0;
                for (int i = 0; i < 16; ++i)
                    s += q[16 * j + i];
                bsums[j] = static_cast<int16_t>(s);
            }
            d = 1.f / iscale;
        }
        std::memcpy(dst + l.d_off + b * 4, &d, 4);
        std::memcpy(dst + l.aux_off + b * 32, bsums, 32);
    }
}

}  // namespace

ActFormat act_format_for(GgmlType weight_type) {
    switch (weight_type) {
        case GgmlType::f16:
            return ActFormat::f16;
        case GgmlType::bf16:
            return ActFormat::bf16;
        case GgmlType::q8_0:
        case GgmlType::q4_0:
        case GgmlType::q5_0:
        case GgmlType::iq4_nl:
            return ActFormat::q8_0;
        case GgmlType::q4_1:
        case GgmlType::q5_1:
            return ActFormat::q8_1;
        case GgmlType::q4_k:
        case GgmlType::q5_k:
        case GgmlType::q6_k:
            return ActFormat::q8_k;
        default:
            return ActFormat::f32;
    }
}

ActLayout act_layout(ActFormat format, int64_t n) {
    ActLayout l;
    l.format = format;
    l.n = n;
    switch (format) {
        case ActFormat::f32:
            l.nb = n;
            l.row_bytes = round_up(n * 4, 64);
            break;
        case ActFormat::f16:
        case ActFormat::bf16:  // f32 values that are exactly representable in the half format
            l.nb = n;
            l.row_bytes = round_up(n * 4, 64);
            break;
        case ActFormat::q8_0:
        case ActFormat::q8_1:
            l.nb = n / 32;
            l.d_off = l.nb * 32;
            l.aux_off = l.d_off + l.nb * 4;
            l.row_bytes = round_up(l.aux_off + l.nb * 4, 64);
            break;
        case ActFormat::q8_k:
            l.nb = n / 256;
            l.d_off = l.nb * 256;
            l.aux_off = l.d_off + l.nb * 4;
            l.row_bytes = round_up(l.aux_off + l.nb * 32, 64);
            break;
    }
    return l;
}

void act_quantize_row(const ActLayout &l, const float *x, uint8_t *dst) {
    act_quantize_blocks(l, x, dst, 0, l.nb);
}

void act_quantize_blocks(const ActLayout &l, const float *x, uint8_t *dst, int64_t b0, int64_t b1) {
    switch (l.format) {
        case ActFormat::f32:
            std::memcpy(dst + 4 * b0, x + b0, static_cast<size_t>(b1 - b0) * 4);
            return;
        case ActFormat::f16:
            for (int64_t i = b0; i < b1; ++i) {
                const float v = ggml_fp16_to_fp32(ggml_fp32_to_fp16(x[i]));
                std::memcpy(dst + 4 * i, &v, 4);
            }
            return;
        case ActFormat::bf16:
            for (int64_t i = b0; i < b1; ++i) {
                const float v = ggml_bf16_to_fp32(ggml_fp32_to_bf16(x[i]));
                std::memcpy(dst + 4 * i, &v, 4);
            }
            return;
        case ActFormat::q8_0:
            quantize_q8_0(l, x, dst, false, b0, b1);
            return;
        case ActFormat::q8_1:
            quantize_q8_0(l, x, dst, true, b0, b1);
            return;
        case ActFormat::q8_k:
            quantize_q8_k(l, x, dst, b0, b1);
            return;
    }
}

}  // namespace nd::cpu
