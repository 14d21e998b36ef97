// Dequantisation of every supported ggml type (spec §1.3) and the fp16/bf16 conversions. This is the
// reference: plain loops written from the spec's formulas, one block at a time, with no SIMD.
#include "gpu/gguf/ggml_quants.h"

#include <cmath>
#include <cstring>
#include <string>

#include "gpu/gguf/ggml_quants_internal.h"

namespace nd {

namespace {

uint32_t f32_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

float bits_f32(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

uint16_t rd16(const uint8_t *p) {
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

float half_at(const uint8_t *p) {
    return ggml_fp16_to_fp32(rd16(p));
}

// The 4-bit non-linear grid of IQ4_NL (spec §1.3).
constexpr int8_t kIq4nlGrid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

void dequant_q8_0(const uint8_t *b, float *y) {
    const float d = half_at(b);
    for (int j = 0; j < 32; ++j)
        y[j] = d * static_cast<float>(static_cast<int8_t>(b[2 + j]));
}

void dequant_q4_0(const uint8_t *b, float *y) {
    const float d = half_at(b);
    const uint8_t *qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>((qs[j] & 0xF) - 8);
        y[j + 16] = d * static_cast<float>((qs[j] >> 4) - 8);
    }
}

void dequant_q4_1(const uint8_t *b, float *y) {
    const float d = half_at(b);
    const float m = half_at(b + 2);
    const uint8_t *qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(qs[j] & 0xF) + m;
        y[j + 16] = d * static_cast<float>(qs[j] >> 4) + m;
    }
}

uint32_t rd32(const uint8_t *p) {
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

void dequant_q5_0(const uint8_t *b, float *y) {
    const float d = half_at(b);
    const uint32_t h = rd32(b + 2);
    const uint8_t *qs = b + 6;
    for (int j = 0; j < 16; ++j) {
        const int lo = static_cast<int>((qs[j] & 0xF) | (((h >> j) & 1) << 4));
        const int hi = static_cast<int>((qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4));
        y[j] = d * static_cast<float>(lo - 16);
        y[j + 16] = d * static_cast<float>(hi - 16);
    }
}

void dequant_q5_1(const uint8_t *b, float *y) {
    const float d = half_at(b);
    const float m = half_at(b + 2);
    const uint32_t h = rd32(b + 4);
    const uint8_t *qs = b + 8;
    for (int j = 0; j < 16; ++j) {
        const uint32_t lo = (qs[j] & 0xF) | (((h >> j) & 1) << 4);
        const uint32_t hi = (qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4);
        y[j] = d * static_cast<float>(lo) + m;
        y[j + 16] = d * static_cast<float>(hi) + m;
    }
}

void dequant_iq4_nl(const uint8_t *b, float *y) {
    const float d = half_at(b);
    const uint8_t *qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(kIq4nlGrid[qs[j] & 0xF]);
        y[j + 16] = d * static_cast<float>(kIq4nlGrid[qs[j] >> 4]);
    }
}

void dequant_q4_k(const uint8_t *b, float *y) {
    const float d = half_at(b);
    const float dmin = half_at(b + 2);
    const uint8_t *scales = b + 4;
    const uint8_t *qs = b + 16;
    for (int c = 0; c < 4; ++c) {
        uint8_t sc, mn;
        kquant_scale_min(2 * c, scales, &sc, &mn);
        const float d1 = d * sc, m1 = dmin * mn;
        kquant_scale_min(2 * c + 1, scales, &sc, &mn);
        const float d2 = d * sc, m2 = dmin * mn;
        for (int l = 0; l < 32; ++l) {
            y[64 * c + l] = d1 * static_cast<float>(qs[32 * c + l] & 0xF) - m1;
            y[64 * c + 32 + l] = d2 * static_cast<float>(qs[32 * c + l] >> 4) - m2;
        }
    }
}

void dequant_q5_k(const uint8_t *b, float *y) {
    const float d = half_at(b);
    const float dmin = half_at(b + 2);
    const uint8_t *scales = b + 4;
    const uint8_t *qh = b + 16;
    const uint8_t *qs = b + 48;
    for (int c = 0; c < 4; ++c) {
        uint8_t sc, mn;
        kquant_scale_min(2 * c, scales, &sc, &mn);
        const float d1 = d * sc, m1 = dmin * mn;
        kquant_scale_min(2 * c + 1, scales, &sc, &mn);
        const float d2 = d * sc, m2 = dmin * mn;
        for (int l = 0; l < 32; ++l) {
            const int lo = (qs[32 * c + l] & 0xF) + (((qh[l] >> (2 * c)) & 1) ? 16 : 0);
            const int hi = (qs[32 * c + l] >> 4) + (((qh[l] >> (2 * c + 1)) & 1) ? 16 : 0);
            y[64 * c + l] = d1 * static_cast<float>(lo) - m1;
            y[64 * c + 32 + l] = d2 * static_cast<float>(hi) - m2;
        }
    }
}

void dequant_q6_k(const uint8_t *b, float *y) {
    const float d = half_at(b + 208);
    for (int n = 0; n < 2; ++n) {
        const uint8_t *ql = b + 64 * n;
        const uint8_t *qh = b + 128 + 32 * n;
        const int8_t *sc = reinterpret_cast<const int8_t *>(b + 192 + 8 * n);
        float *yy = y + 128 * n;
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            yy[l] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
            yy[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
            yy[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
            yy[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
        }
    }
}

}  // namespace

void kquant_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *mn) {
    if (j < 4) {
        *sc = q[j] & 63;
        *mn = q[j + 4] & 63;
    } else {
        *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *mn = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

float ggml_fp16_to_fp32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1F;
    const uint32_t mant = h & 0x3FF;
    if (exp == 0) {
        // Zero or subnormal: mant * 2^-24, exact in f32.
        const float v = static_cast<float>(mant) * 0x1p-24f;
        return (h & 0x8000) ? -v : v;
    }
    if (exp == 31)  // inf, or NaN with its payload kept
        return bits_f32(sign | 0x7F800000u | (mant << 13));
    return bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t ggml_fp32_to_fp16(float f) {
    const uint32_t x = f32_bits(f);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
    const uint32_t absx = x & 0x7FFFFFFFu;
    if (absx > 0x7F800000u)  // NaN: keep the top payload bits, force quiet so it stays a NaN
        return static_cast<uint16_t>(sign | 0x7E00 | ((absx >> 13) & 0x3FF));
    if (absx >= 0x477FF000u)  // >= 65520 rounds (to even) past the largest half, 65504
        return static_cast<uint16_t>(sign | 0x7C00);
    if (absx < 0x38800000u) {  // below 2^-14: a half subnormal, in units of 2^-24, rounded to nearest even
        const float units = std::nearbyint(bits_f32(absx) * 0x1p24f);
        return static_cast<uint16_t>(sign | static_cast<uint16_t>(units));
    }
    // Normal: rebias the exponent and round the 13 dropped mantissa bits to nearest even (a carry may
    // move into the exponent, which is the right answer).
    const uint32_t rounded = absx + 0xFFFu + ((absx >> 13) & 1u);
    return static_cast<uint16_t>(sign | ((rounded - (112u << 23)) >> 13));
}

float ggml_bf16_to_fp32(uint16_t h) {
    return bits_f32(static_cast<uint32_t>(h) << 16);
}

uint16_t ggml_fp32_to_bf16(float f) {
    const uint32_t x = f32_bits(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u)  // NaN: truncate and force quiet, so it cannot become inf
        return static_cast<uint16_t>((x >> 16) | 0x40);
    return static_cast<uint16_t>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

Status ggml_dequantize_row(GgmlType type, const void *src, int64_t n, float *dst) {
    const int64_t bs = ggml_type_block_size(type);
    if (bs == 0 || !ggml_type_supported(static_cast<uint32_t>(type)))
        return ND_STATUS(StatusCode::unsupported,
                         "cannot dequantise type " + ggml_type_name(static_cast<uint32_t>(type)));
    if (n < 0 || n % bs != 0)
        return ND_STATUS(StatusCode::invalid_argument, "row of " + std::to_string(n) +
                                                           " elements is not a multiple of " +
                                                           ggml_type_name(static_cast<uint32_t>(type)) +
                                                           "'s block size " + std::to_string(bs));
    const auto *p = static_cast<const uint8_t *>(src);
    const int64_t bytes = ggml_type_block_bytes(type);
    const int64_t nb = n / bs;
    switch (type) {
        case GgmlType::f32:
            std::memcpy(dst, p, static_cast<size_t>(n) * 4);
            return {};
        case GgmlType::f16:
            for (int64_t i = 0; i < n; ++i)
                dst[i] = ggml_fp16_to_fp32(rd16(p + 2 * i));
            return {};
        case GgmlType::bf16:
            for (int64_t i = 0; i < n; ++i)
                dst[i] = ggml_bf16_to_fp32(rd16(p + 2 * i));
            return {};
        default:
            break;
    }
    void (*block_fn)(const uint8_t *, float *) = nullptr;
    switch (type) {
        case GgmlType::q8_0:
            block_fn = dequant_q8_0;
            break;
        case GgmlType::q4_0:
            block_fn = dequant_q4_0;
            break;
        case GgmlType::q4_1:
            block_fn = dequant_q4_1;
            break;
        case GgmlType::q5_0:
            block_fn = dequant_q5_0;
            break;
        case GgmlType::q5_1:
            block_fn = dequant_q5_1;
            break;
        case GgmlType::iq4_nl:
            block_fn = dequant_iq4_nl;
            break;
        case GgmlType::q4_k:
            block_fn = dequant_q4_k;
            break;
        case GgmlType::q5_k:
            block_fn = dequant_q5_k;
            break;
        case GgmlType::q6_k:
            block_fn = dequant_q6_k;
            break;
        default:
            return ND_STATUS(StatusCode::internal,
                             "no dequantiser for " + ggml_type_name(static_cast<uint32_t>(type)));
    }
    for (int64_t i = 0; i < nb; ++i)
        block_fn(p + i * bytes, dst + i * bs);
    return {};
}

}  // namespace nd
