// The scalar kernels: plain C++ for every weight type, any CPU. They follow ggml's per-block formulas
// (ggml_vec_dot_*_generic): an exact integer dot per block, then scaled in f32 and summed block by block.
// The SIMD paths are tested against these (same integers; only the order of float additions differs).
#include <cstring>

#include "gpu/cpu/cpu_dot.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd::cpu {

namespace {

constexpr int8_t kIq4nlGrid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

float half_at(const uint8_t *p) {
    return ggml_fp16_to_fp32(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}

uint32_t u32_at(const uint8_t *p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

float f32_at(const uint8_t *p) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
}

// One row · one token. w: the weight row; x: the converted token row.
using RowDot = float (*)(const uint8_t *w, const uint8_t *x, const ActLayout &l);

float dot_f32(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    double s = 0;
    for (int64_t k = 0; k < l.n; ++k)
        s += static_cast<double>(f32_at(w + 4 * k)) * f32_at(x + 4 * k);
    return static_cast<float>(s);
}

float dot_f16(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    double s = 0;
    for (int64_t k = 0; k < l.n; ++k)
        s += static_cast<double>(half_at(w + 2 * k)) * f32_at(x + 4 * k);
    return static_cast<float>(s);
}

float bf16_at(const uint8_t *p) {
    return ggml_bf16_to_fp32(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}

float dot_bf16(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    double s = 0;
    for (int64_t k = 0; k < l.n; ++k)
        s += static_cast<double>(bf16_at(w + 2 * k)) * f32_at(x + 4 * k);
    return static_cast<float>(s);
}

// The legacy 32-element types against Q8_0/Q8_1: decode a block's 32 weight codes to ints (without the
// scale), then sumi·dw·dx (+ m·s for the types with a min).
template <int kBlockBytes, typename Decode>
float dot_legacy(const uint8_t *w, const uint8_t *x, const ActLayout &l, Decode decode, bool has_min) {
    const auto *qs = reinterpret_cast<const int8_t *>(x);
    float sumf = 0.f;
    for (int64_t b = 0; b < l.nb; ++b) {
        const uint8_t *blk = w + b * kBlockBytes;
        int v[32];
        decode(blk, v);
        int sumi = 0;
        for (int j = 0; j < 32; ++j)
            sumi += v[j] * qs[b * 32 + j];
        const float dx = f32_at(x + l.d_off + 4 * b);
        if (has_min)
            sumf += (half_at(blk) * dx) * static_cast<float>(sumi) +
                    half_at(blk + 2) * f32_at(x + l.aux_off + 4 * b);
        else
            sumf += static_cast<float>(sumi) * half_at(blk) * dx;
    }
    return sumf;
}

float dot_q8_0(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    return dot_legacy<34>(
        w, x, l,
        [](const uint8_t *b, int *v) {
            for (int j = 0; j < 32; ++j)
                v[j] = static_cast<int8_t>(b[2 + j]);
        },
        false);
}

float dot_q4_0(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    return dot_legacy<18>(
        w, x, l,
        [](const uint8_t *b, int *v) {
            for (int j = 0; j < 16; ++j) {
                v[j] = (b[2 + j] & 0xF) - 8;
                v[j + 16] = (b[2 + j] >> 4) - 8;
            }
        },
        false);
}

float dot_q4_1(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    return dot_legacy<20>(
        w, x, l,
        [](const uint8_t *b, int *v) {
            for (int j = 0; j < 16; ++j) {
                v[j] = b[4 + j] & 0xF;
                v[j + 16] = b[4 + j] >> 4;
            }
        },
        true);
}

float dot_q5_0(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    return dot_legacy<22>(
        w, x, l,
        [](const uint8_t *b, int *v) {
            const uint32_t h = u32_at(b + 2);
            for (int j = 0; j < 16; ++j) {
                v[j] = static_cast<int>((b[6 + j] & 0xF) | (((h >> j) & 1) << 4)) - 16;
                v[j + 16] = static_cast<int>((b[6 + j] >> 4) | (((h >> (j + 16)) & 1) << 4)) - 16;
            }
        },
        false);
}

float dot_q5_1(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    return dot_legacy<24>(
        w, x, l,
        [](const uint8_t *b, int *v) {
            const uint32_t h = u32_at(b + 4);
            for (int j = 0; j < 16; ++j) {
                v[j] = static_cast<int>((b[8 + j] & 0xF) | (((h >> j) & 1) << 4));
                v[j + 16] = static_cast<int>((b[8 + j] >> 4) | (((h >> (j + 16)) & 1) << 4));
            }
        },
        true);
}

float dot_iq4_nl(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    return dot_legacy<18>(
        w, x, l,
        [](const uint8_t *b, int *v) {
            for (int j = 0; j < 16; ++j) {
                v[j] = kIq4nlGrid[b[2 + j] & 0xF];
                v[j + 16] = kIq4nlGrid[b[2 + j] >> 4];
            }
        },
        false);
}

// The 6-bit scale and min of sub-block j of a Q4_K/Q5_K super-block (spec §1.3).
void scale_min(int j, const uint8_t *q, int *sc, int *mn) {
    if (j < 4) {
        *sc = q[j] & 63;
        *mn = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

// Q4_K and Q5_K against Q8_K: per super-block, d·dx·Σ_j sc_j·(q·x)_j - dmin·dx·Σ_j mn_j·(Σx)_j, where the
// sums of x over each 32 come from the two 16-element bsums.
template <bool kFive>
float dot_q45_k(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    constexpr int kBytes = kFive ? 176 : 144;
    const auto *xq = reinterpret_cast<const int8_t *>(x);
    float sumf = 0.f;
    for (int64_t b = 0; b < l.nb; ++b) {
        const uint8_t *blk = w + b * kBytes;
        const uint8_t *scales = blk + 4;
        const uint8_t *qh = blk + 16;
        const uint8_t *qs = blk + (kFive ? 48 : 16);
        const int8_t *q8 = xq + b * 256;
        int16_t bsums[16];
        std::memcpy(bsums, x + l.aux_off + 32 * b, 32);
        int sumi = 0, summ = 0;
        for (int c = 0; c < 4; ++c) {
            int lo = 0, hi = 0;
            for (int i = 0; i < 32; ++i) {
                int ql = qs[32 * c + i] & 0xF, qhi = qs[32 * c + i] >> 4;
                if (kFive) {
                    ql += ((qh[i] >> (2 * c)) & 1) << 4;
                    qhi += ((qh[i] >> (2 * c + 1)) & 1) << 4;
                }
                lo += ql * q8[64 * c + i];
                hi += qhi * q8[64 * c + 32 + i];
            }
            int sc, mn;
            scale_min(2 * c, scales, &sc, &mn);
            sumi += sc * lo;
            summ += mn * (bsums[4 * c] + bsums[4 * c + 1]);
            scale_min(2 * c + 1, scales, &sc, &mn);
            sumi += sc * hi;
            summ += mn * (bsums[4 * c + 2] + bsums[4 * c + 3]);
        }
        const float dx = f32_at(x + l.d_off + 4 * b);
        sumf += half_at(blk) * dx * static_cast<float>(sumi);
        sumf -= half_at(blk + 2) * dx * static_cast<float>(summ);
    }
    return sumf;
}

float dot_q4_k(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    return dot_q45_k<false>(w, x, l);
}

float dot_q5_k(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    return dot_q45_k<true>(w, x, l);
}

// Q6_K against Q8_K: d·dx·Σ over 16 groups of 16 of sc_g·Σ (q - 32)·x.
float dot_q6_k(const uint8_t *w, const uint8_t *x, const ActLayout &l) {
    const auto *xq = reinterpret_cast<const int8_t *>(x);
    float sumf = 0.f;
    for (int64_t b = 0; b < l.nb; ++b) {
        const uint8_t *blk = w + b * 210;
        int8_t a[256];
        for (int n = 0; n < 2; ++n) {
            const uint8_t *ql = blk + 64 * n;
            const uint8_t *qh = blk + 128 + 32 * n;
            int8_t *an = a + 128 * n;
            for (int i = 0; i < 32; ++i) {
                an[i] = static_cast<int8_t>(((ql[i] & 0xF) | (((qh[i] >> 0) & 3) << 4)) - 32);
                an[i + 32] = static_cast<int8_t>(((ql[i + 32] & 0xF) | (((qh[i] >> 2) & 3) << 4)) - 32);
                an[i + 64] = static_cast<int8_t>(((ql[i] >> 4) | (((qh[i] >> 4) & 3) << 4)) - 32);
                an[i + 96] = static_cast<int8_t>(((ql[i + 32] >> 4) | (((qh[i] >> 6) & 3) << 4)) - 32);
            }
        }
        const auto *sc = reinterpret_cast<const int8_t *>(blk + 192);
        const int8_t *q8 = xq + b * 256;
        int sumi = 0;
        for (int g = 0; g < 16; ++g) {
            int s = 0;
            for (int i = 0; i < 16; ++i)
                s += a[16 * g + i] * q8[16 * g + i];
            sumi += sc[g] * s;
        }
        sumf += half_at(blk + 208) * f32_at(x + l.d_off + 4 * b) * static_cast<float>(sumi);
    }
    return sumf;
}

template <RowDot kDot>
void kernel(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    for (int64_t t = 0; t < a.n_tok; ++t) {
        const uint8_t *x = a.xq + t * a.xq_row_bytes;
        for (int64_t r = row_begin; r < row_end; ++r)
            a.y[t * a.ldy + r] = kDot(a.w + r * a.w_row_bytes, x, a.layout);
    }
}

DotTable make_table() {
    DotTable t{};
    auto set = [&t](DotType type, DotKernel k) { t.kernel[static_cast<int>(type)] = k; };
    set(DotType::f32, kernel<dot_f32>);
    set(DotType::f16, kernel<dot_f16>);
    set(DotType::bf16, kernel<dot_bf16>);
    set(DotType::q8_0, kernel<dot_q8_0>);
    set(DotType::q4_0, kernel<dot_q4_0>);
    set(DotType::q4_1, kernel<dot_q4_1>);
    set(DotType::q5_0, kernel<dot_q5_0>);
    set(DotType::q5_1, kernel<dot_q5_1>);
    set(DotType::iq4_nl, kernel<dot_iq4_nl>);
    set(DotType::q4_k, kernel<dot_q4_k>);
    set(DotType::q5_k, kernel<dot_q5_k>);
    set(DotType::q6_k, kernel<dot_q6_k>);
    t.row_tile = 1;
    t.quantize = act_quantize_blocks;
    return t;
}

}  // namespace

int dot_type_index(GgmlType type) {
    switch (type) {
        case GgmlType::f32:
            return static_cast<int>(DotType::f32);
        case GgmlType::f16:
            return static_cast<int>(DotType::f16);
        case GgmlType::bf16:
            return static_cast<int>(DotType::bf16);
        case GgmlType::q8_0:
            return static_cast<int>(DotType::q8_0);
        case GgmlType::q4_0:
            return static_cast<int>(DotType::q4_0);
        case GgmlType::q4_1:
            return static_cast<int>(DotType::q4_1);
        case GgmlType::q5_0:
            return static_cast<int>(DotType::q5_0);
        case GgmlType::q5_1:
            return static_cast<int>(DotType::q5_1);
        case GgmlType::iq4_nl:
            return static_cast<int>(DotType::iq4_nl);
        case GgmlType::q4_k:
            return static_cast<int>(DotType::q4_k);
        case GgmlType::q5_k:
            return static_cast<int>(DotType::q5_k);
        case GgmlType::q6_k:
            return static_cast<int>(DotType::q6_k);
    }
    return -1;
}

const DotTable &dot_table_scalar() {
    static const DotTable table = make_table();
    return table;
}

}  // namespace nd::cpu
