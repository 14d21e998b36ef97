// Reference quantisers: f32 rows into every supported type, round-to-nearest with a small scale search
// for the non-linear and K-quant formats. Written for the writer and the model generator: blocks must be
// valid and the error realistic for the format, not bit-identical to llama-quantize.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "gpu/gguf/ggml_quants.h"
#include "gpu/gguf/ggml_quants_internal.h"

namespace nd {

namespace {

void wr16(uint8_t *p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v & 0xFF);
    p[1] = static_cast<uint8_t>(v >> 8);
}

// Stores d as fp16 and returns the value a reader will see, so the codes are chosen against it.
float put_half(uint8_t *p, float d) {
    const uint16_t h = ggml_fp32_to_fp16(d);
    wr16(p, h);
    return ggml_fp16_to_fp32(h);
}

int clampi(int v, int lo, int hi) {
    return std::min(hi, std::max(lo, v));
}

int round_code(float v) {
    return static_cast<int>(std::lround(v));
}

// The element with the largest magnitude, sign kept (the symmetric formats map it to the extreme code).
float signed_absmax(const float *x, int n) {
    float amax = 0, max = 0;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    }
    return max;
}

void quant_q8_0(const float *x, uint8_t *b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j)
        amax = std::max(amax, std::fabs(x[j]));
    const float d = put_half(b, amax / 127.0f);
    const float id = d != 0 ? 1.0f / d : 0.0f;
    for (int j = 0; j < 32; ++j)
        b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(clampi(round_code(x[j] * id), -127, 127)));
}

// Q4_0 / Q5_0: symmetric, the signed extreme maps to code 0 (value -2^(bits-1)).
void quant_sym(const float *x, uint8_t *b, int bits) {
    const int half = 1 << (bits - 1);
    const float d = put_half(b, signed_absmax(x, 32) / static_cast<float>(-half));
    const float id = d != 0 ? 1.0f / d : 0.0f;
    uint8_t *qs = b + (bits == 4 ? 2 : 6);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        const int lo = clampi(round_code(x[j] * id) + half, 0, 2 * half - 1);
        const int hi = clampi(round_code(x[j + 16] * id) + half, 0, 2 * half - 1);
        qs[j] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
        qh |= static_cast<uint32_t>((lo >> 4) & 1) << j;
        qh |= static_cast<uint32_t>((hi >> 4) & 1) << (j + 16);
    }
    if (bits == 5)
        for (int k = 0; k < 4; ++k)
            b[2 + k] = static_cast<uint8_t>(qh >> (8 * k));
}

// Q4_1 / Q5_1: affine, min and step over the block.
void quant_affine(const float *x, uint8_t *b, int bits) {
    const int levels = (1 << bits) - 1;
    float mn = x[0], mx = x[0];
    for (int j = 1; j < 32; ++j) {
        mn = std::min(mn, x[j]);
        mx = std::max(mx, x[j]);
    }
    const float d = put_half(b, (mx - mn) / static_cast<float>(levels));
    const float m = put_half(b + 2, mn);
    const float id = d != 0 ? 1.0f / d : 0.0f;
    uint8_t *qs = b + (bits == 4 ? 4 : 8);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
        const int lo = clampi(round_code((x[j] - m) * id), 0, levels);
        const int hi = clampi(round_code((x[j + 16] - m) * id), 0, levels);
        qs[j] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
        qh |= static_cast<uint32_t>((lo >> 4) & 1) << j;
        qh |= static_cast<uint32_t>((hi >> 4) & 1) << (j + 16);
    }
    if (bits == 5)
        for (int k = 0; k < 4; ++k)
            b[4 + k] = static_cast<uint8_t>(qh >> (8 * k));
}

constexpr float kIq4nlGrid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

int nearest_iq4nl(float v) {
    // The grid is sorted: find the first entry >= v and compare with its left neighbour.
    int i = static_cast<int>(std::lower_bound(kIq4nlGrid, kIq4nlGrid + 16, v) - kIq4nlGrid);
    if (i == 16)
        return 15;
    if (i > 0 && v - kIq4nlGrid[i - 1] < kIq4nlGrid[i] - v)
        return i - 1;
    return i;
}

void quant_iq4_nl(const float *x, uint8_t *b) {
    const float max = signed_absmax(x, 32);
    uint8_t best_codes[32] = {};
    float best_d = 0, best_err = INFINITY;
    if (max != 0) {
        // Scales around "the extreme hits -127", each followed by the least-squares step for its codes.
        for (int k = -2; k <= 2; ++k) {
            const float d0 = max / (-127.0f + 8.0f * static_cast<float>(k));
            uint8_t codes[32];
            float sxt = 0, stt = 0;
            const float id0 = 1.0f / d0;
            for (int j = 0; j < 32; ++j) {
                codes[j] = static_cast<uint8_t>(nearest_iq4nl(x[j] * id0));
                sxt += x[j] * kIq4nlGrid[codes[j]];
                stt += kIq4nlGrid[codes[j]] * kIq4nlGrid[codes[j]];
            }
            const float d = stt > 0 ? sxt / stt : d0;
            float err = 0;
            for (int j = 0; j < 32; ++j) {
                const float e = x[j] - d * kIq4nlGrid[codes[j]];
                err += e * e;
            }
            if (err < best_err) {
                best_err = err;
                best_d = d;
                std::memcpy(best_codes, codes, 32);
            }
        }
    }
    const float d = put_half(b, best_d);
    if (d != 0)  // re-pick the codes for the stored (rounded) scale
        for (int j = 0; j < 32; ++j)
            best_codes[j] = static_cast<uint8_t>(nearest_iq4nl(x[j] / d));
    for (int j = 0; j < 16; ++j)
        b[2 + j] = static_cast<uint8_t>(best_codes[j] | (best_codes[j + 16] << 4));
}

// Scale and min of one 32-element K-quant sub-block: x ≈ scale*q - min with q in 0..levels, min >= 0
// (the format stores mins as positive offsets below zero). Start from the range, then alternate code
// assignment and a least-squares fit while the error drops.
void fit_scale_min(const float *x, int levels, float *scale_out, float *min_out) {
    float lo = 0, hi = x[0];
    for (int i = 0; i < 32; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    float scale = (hi - lo) / static_cast<float>(levels), mn = -lo;
    if (scale <= 0) {
        *scale_out = 0;
        *min_out = mn;
        return;
    }
    auto error_of = [&](float s, float m) {
        float err = 0;
        for (int i = 0; i < 32; ++i) {
            const int q = clampi(round_code((x[i] + m) / s), 0, levels);
            const float e = x[i] - (s * static_cast<float>(q) - m);
            err += e * e;
        }
        return err;
    };
    float best = error_of(scale, mn);
    for (int iter = 0; iter < 4; ++iter) {
        double sq = 0, sqq = 0, sx = 0, sxq = 0;
        for (int i = 0; i < 32; ++i) {
            const double q = clampi(round_code((x[i] + mn) / scale), 0, levels);
            sq += q;
            sqq += q * q;
            sx += x[i];
            sxq += x[i] * q;
        }
        const double det = 32 * sqq - sq * sq;
        if (det <= 0)
            break;
        float s = static_cast<float>((32 * sxq - sq * sx) / det);
        float m = -static_cast<float>((sx - s * sq) / 32);
        if (m < 0) {  // the fit wants a positive offset, which the format cannot store: pin it at 0
            m = 0;
            s = sqq > 0 ? static_cast<float>(sxq / sqq) : s;
        }
        if (s <= 0)
            break;
        const float err = error_of(s, m);
        if (err >= best)
            break;
        best = err;
        scale = s;
        mn = m;
    }
    *scale_out = scale;
    *min_out = mn;
}

// Q4_K (bits 4) and Q5_K (bits 5).
void quant_kx(const float *x, uint8_t *b, int bits) {
    const int levels = (1 << bits) - 1;
    float scales[8], mins[8], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
        fit_scale_min(x + 32 * j, levels, &scales[j], &mins[j]);
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }
    const float d = put_half(b, max_scale / 63.0f);
    const float dmin = put_half(b + 2, max_min / 63.0f);
    uint8_t sc[8], mn[8];
    for (int j = 0; j < 8; ++j) {
        sc[j] = static_cast<uint8_t>(d > 0 ? clampi(round_code(scales[j] / d), 0, 63) : 0);
        mn[j] = static_cast<uint8_t>(dmin > 0 ? clampi(round_code(mins[j] / dmin), 0, 63) : 0);
    }
    uint8_t *q = b + 4;
    for (int j = 0; j < 4; ++j) {
        q[j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
        q[j + 4] = static_cast<uint8_t>(mn[j] | ((mn[j + 4] >> 4) << 6));
        q[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
    }
    uint8_t codes[256];
    for (int j = 0; j < 8; ++j) {
        const float ds = d * sc[j], dm = dmin * mn[j];
        for (int i = 0; i < 32; ++i)
            codes[32 * j + i] =
                static_cast<uint8_t>(ds > 0 ? clampi(round_code((x[32 * j + i] + dm) / ds), 0, levels) : 0);
    }
    uint8_t *qh = b + 16;
    uint8_t *qs = b + (bits == 4 ? 16 : 48);
    if (bits == 5)
        std::memset(qh, 0, 32);
    for (int c = 0; c < 4; ++c) {
        for (int l = 0; l < 32; ++l) {
            const uint8_t lo = codes[64 * c + l], hi = codes[64 * c + 32 + l];
            qs[32 * c + l] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
            if (bits == 5)
                qh[l] = static_cast<uint8_t>(qh[l] | (((lo >> 4) & 1) << (2 * c)) |
                                             (((hi >> 4) & 1) << (2 * c + 1)));
        }
    }
}

void quant_q6_k(const float *x, uint8_t *b) {
    float scales[16], max_scale = 0;
    for (int j = 0; j < 16; ++j) {
        scales[j] = signed_absmax(x + 16 * j, 16) / -32.0f;
        if (std::fabs(scales[j]) > std::fabs(max_scale))
            max_scale = scales[j];
    }
    int8_t *sc = reinterpret_cast<int8_t *>(b + 192);
    float d = 0;
    if (max_scale != 0) {
        const float iscale = -128.0f / max_scale;
        d = put_half(b + 208, 1.0f / iscale);
        for (int j = 0; j < 16; ++j)
            sc[j] = static_cast<int8_t>(clampi(round_code(iscale * scales[j]), -128, 127));
    } else {
        put_half(b + 208, 0);
        std::memset(sc, 0, 16);
    }
    uint8_t codes[256];
    for (int j = 0; j < 16; ++j) {
        const float ds = d * static_cast<float>(sc[j]);
        for (int i = 0; i < 16; ++i)
            codes[16 * j + i] =
                static_cast<uint8_t>((ds != 0 ? clampi(round_code(x[16 * j + i] / ds), -32, 31) : 0) + 32);
    }
    for (int n = 0; n < 2; ++n) {
        uint8_t *ql = b + 64 * n;
        uint8_t *qh = b + 128 + 32 * n;
        const uint8_t *c = codes + 128 * n;
        for (int l = 0; l < 32; ++l) {
            const uint8_t q1 = c[l], q2 = c[l + 32], q3 = c[l + 64], q4 = c[l + 96];
            ql[l] = static_cast<uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
            ql[l + 32] = static_cast<uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
            qh[l] = static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
        }
    }
}

}  // namespace

Status ggml_quantize_row(GgmlType type, const float *src, int64_t n, void *dst) {
    const int64_t bs = ggml_type_block_size(type);
    if (bs == 0 || !ggml_type_supported(static_cast<uint32_t>(type)))
        return ND_STATUS(StatusCode::unsupported,
                         "cannot quantise to type " + ggml_type_name(static_cast<uint32_t>(type)));
    if (n < 0 || n % bs != 0)
        return ND_STATUS(StatusCode::invalid_argument, "row of " + std::to_string(n) +
                                                           " elements is not a multiple of " +
                                                           ggml_type_name(static_cast<uint32_t>(type)) +
                                                           "'s block size " + std::to_string(bs));
    auto *p = static_cast<uint8_t *>(dst);
    const int64_t bytes = ggml_type_block_bytes(type);
    switch (type) {
        case GgmlType::f32:
            std::memcpy(p, src, static_cast<size_t>(n) * 4);
            return {};
        case GgmlType::f16:
            for (int64_t i = 0; i < n; ++i)
                wr16(p + 2 * i, ggml_fp32_to_fp16(src[i]));
            return {};
        case GgmlType::bf16:
            for (int64_t i = 0; i < n; ++i)
                wr16(p + 2 * i, ggml_fp32_to_bf16(src[i]));
            return {};
        default:
            break;
    }
    for (int64_t i = 0; i < n / bs; ++i) {
        const float *x = src + i * bs;
        uint8_t *b = p + i * bytes;
        switch (type) {
            case GgmlType::q8_0:
                quant_q8_0(x, b);
                break;
            case GgmlType::q4_0:
                quant_sym(x, b, 4);
                break;
            case GgmlType::q5_0:
                quant_sym(x, b, 5);
                break;
            case GgmlType::q4_1:
                quant_affine(x, b, 4);
                break;
            case GgmlType::q5_1:
                quant_affine(x, b, 5);
                break;
            case GgmlType::iq4_nl:
                quant_iq4_nl(x, b);
                break;
            case GgmlType::q4_k:
                quant_kx(x, b, 4);
                break;
            case GgmlType::q5_k:
                quant_kx(x, b, 5);
                break;
            case GgmlType::q6_k:
                quant_q6_k(x, b);
                break;
            default:
                return ND_STATUS(StatusCode::internal,
                                 "no quantiser for " + ggml_type_name(static_cast<uint32_t>(type)));
        }
    }
    return {};
}

}  // namespace nd
