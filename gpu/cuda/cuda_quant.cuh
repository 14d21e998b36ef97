#pragma once
// Device-side decoding of every weight type of kSupportedGgmlTypes (block layouts: spec §1.3 and
// gpu/gguf/ggml_quants.cpp, whose values these reproduce bit for bit).
//
// The unit of work is a "group": 8 consecutive elements of a row, group g = elements 8g .. 8g+7.
// decode_group<T>(row, g, n_in, wvec, q, &a, &b) gives them as w_i = a·q_i (+ b) (for the dot products),
// decode_values<T>(row, g, n_in, wvec, w) as the f32 values themselves. Quantized types have whole
// groups (n_in is a multiple of 32); for F32/F16/BF16 the last group may be partial and its missing
// elements decode as 0. A warp working on 32 consecutive groups covers 256 consecutive elements (one
// K-quant super-block, eight legacy blocks), so its loads of a row are contiguous.
//
// Arithmetic is the CPU's: f32 operations in the same order, with __fmul_rn/__fadd_rn so that nvcc does
// not contract a product and a sum into one FMA (which would round differently from ggml_quants.cpp).
//
// Alignment: the matrix data must start 16-byte aligned (the backend's device copy is 256-byte
// aligned). Row starts inside it are then only as aligned as row_bytes: 2 bytes for Q4_0, Q5_0, Q8_0,
// IQ4_NL and Q6_K (18-, 22-, 34- and 210-byte blocks), so those are read 16 bits at a time; Q4_1 (20),
// Q5_1 (24), Q4_K (144) and Q5_K (176) keep 4, 8, 16 and 16 bytes and use wider loads where they can.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/gguf/gguf_types.h"

namespace nd::cuda::quant {

constexpr int kGroup = 8;  // elements per group

// --- loads ---------------------------------------------------------------------------------------------

__device__ __forceinline__ uint32_t ld_u16(const uint8_t *p) {
    return __ldg(reinterpret_cast<const unsigned short *>(p));
}
// 4 bytes from a 2-byte aligned address.
__device__ __forceinline__ uint32_t ld_u32_a2(const uint8_t *p) {
    return ld_u16(p) | (ld_u16(p + 2) << 16);
}
__device__ __forceinline__ uint32_t ld_u32_a4(const uint8_t *p) {
    return __ldg(reinterpret_cast<const unsigned int *>(p));
}
__device__ __forceinline__ uint2 ld_u64_a8(const uint8_t *p) {
    return __ldg(reinterpret_cast<const uint2 *>(p));
}
// 8 bytes from a 2-byte aligned address.
__device__ __forceinline__ uint2 ld_u64_a2(const uint8_t *p) {
    return make_uint2(ld_u32_a2(p), ld_u32_a2(p + 4));
}
__device__ __forceinline__ float ld_half(const uint8_t *p) {
    return f16_bits_to_float(static_cast<uint16_t>(ld_u16(p)));
}

// --- per-type block decoding --------------------------------------------------------------------------
//
// decode_group<T>(row, g, n_in, wvec, q, &a, &b): the group's values are w_i = a·q_i (+ b when
// kHasOffset<T>), q_i small integers held exactly in floats (for F32/F16/BF16: q_i = w_i, a = 1). The
// dot product uses it as a·Σ q_i·x_i (+ b·Σ x_i): one FFMA per element and weight row, no integer to
// float conversion (those run at a quarter of the FMA rate). value<T>() forms w_i with the CPU's rounding.

template <GgmlType T>
inline constexpr bool kHasOffset =
    T == GgmlType::q4_1 || T == GgmlType::q5_1 || T == GgmlType::q4_k || T == GgmlType::q5_k;

template <GgmlType T>
__device__ __forceinline__ float value(float q, float a, float b) {
    if constexpr (kHasOffset<T>)
        return __fadd_rn(__fmul_rn(a, q), b);
    else
        return __fmul_rn(a, q);
}

// Byte i of `word` (0..255) minus kBias, as a float, without an integer conversion: 0x4B0000bb is the
// float 2^23 + bb, and subtracting 2^23 + kBias is exact.
template <int kBias>
__device__ __forceinline__ float byte_minus(uint32_t word, int i) {
    return __int_as_float(static_cast<int>(__byte_perm(word, 0x4B000000u, 0x7540u | i))) -
           (8388608.0f + static_cast<float>(kBias));
}
template <int kBias>
__device__ __forceinline__ void bytes_minus(uint32_t lo, uint32_t hi, float *q) {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        q[i] = byte_minus<kBias>(lo, i);
        q[4 + i] = byte_minus<kBias>(hi, i);
    }
}
// Bits 0..3 of h4 moved to bit 4 of bytes 0..3 (the 5th bit of four Q5 values).
__device__ __forceinline__ uint32_t spread4(uint32_t h4) {
    return (((h4 & 0xFu) * 0x00204081u) & 0x01010101u) << 4;
}

// The IQ4_NL grid values (int8) of the four nibbles in bytes 0..3 of t (each 0..15), as four int8 bytes:
// two byte permutes over the table, picked per byte by the nibble's bit 3.
__device__ __forceinline__ uint32_t iq4nl_lookup4(uint32_t t) {
    // grid {-127, -104, -83, -65}, {-49, -35, -22, -10}, {1, 13, 25, 38}, {53, 69, 89, 113}
    const uint32_t s = t | (t >> 4);                            // n0 n1 in byte 0, n2 n3 in byte 2
    const uint32_t sel = __byte_perm(s, 0, 0x4420u) & 0x7777u;  // 4 selector nibbles, bit 3 cleared
    const uint32_t lo = __byte_perm(0xBFAD9881u, 0xF6EADDCFu, sel);
    const uint32_t hi = __byte_perm(0x26190D01u, 0x71594535u, sel);
    const uint32_t m = ((t >> 3) & 0x01010101u) * 0xFFu;
    return (hi & m) | (lo & ~m);
}

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K super-block from its 12 scale bytes, as
// kquant_scale_min() computes them.
__device__ __forceinline__ uint32_t scale_byte(uint32_t s0, uint32_t s1, uint32_t s2, int i) {
    const uint32_t w = i < 4 ? s0 : (i < 8 ? s1 : s2);
    return (w >> (8 * (i & 3))) & 0xFFu;
}
__device__ __forceinline__ void kquant_scale_min(const uint8_t *scales12, int j, float *sc, float *mn) {
    const uint32_t s0 = ld_u32_a4(scales12), s1 = ld_u32_a4(scales12 + 4), s2 = ld_u32_a4(scales12 + 8);
    uint32_t a, b;
    if (j < 4) {
        a = scale_byte(s0, s1, s2, j) & 63;
        b = scale_byte(s0, s1, s2, j + 4) & 63;
    } else {
        a = (scale_byte(s0, s1, s2, j + 4) & 0xF) | ((scale_byte(s0, s1, s2, j - 4) >> 6) << 4);
        b = (scale_byte(s0, s1, s2, j + 4) >> 4) | ((scale_byte(s0, s1, s2, j) >> 6) << 4);
    }
    *sc = static_cast<float>(a);
    *mn = static_cast<float>(b);
}

template <GgmlType T>
__device__ __forceinline__ void decode_group(const uint8_t *row, int64_t g, int64_t n_in, bool wvec, float *q,
                                             float *a, float *b);

// F32: row [n_in] floats. wvec: the row start is 16-byte aligned (data and row_bytes).
template <>
__device__ __forceinline__ void decode_group<GgmlType::f32>(const uint8_t *row, int64_t g, int64_t n_in,
                                                            bool wvec, float *w, float *a, float *b) {
    *a = 1.0f, *b = 0.0f;
    const float *r = reinterpret_cast<const float *>(row);
    const int64_t e0 = g * kGroup;
    if (wvec && e0 + kGroup <= n_in) {
        const float4 u = __ldg(reinterpret_cast<const float4 *>(r + e0));
        const float4 v = __ldg(reinterpret_cast<const float4 *>(r + e0) + 1);
        w[0] = u.x, w[1] = u.y, w[2] = u.z, w[3] = u.w, w[4] = v.x, w[5] = v.y, w[6] = v.z, w[7] = v.w;
        return;
    }
#pragma unroll
    for (int i = 0; i < kGroup; ++i)
        w[i] = e0 + i < n_in ? __ldg(r + e0 + i) : 0.0f;
}

template <bool kBf16>
__device__ __forceinline__ float half16_to_float(uint32_t bits) {
    return kBf16 ? bf16_bits_to_float(static_cast<uint16_t>(bits))
                 : f16_bits_to_float(static_cast<uint16_t>(bits));
}

template <bool kBf16>
__device__ __forceinline__ void decode_group_16bit(const uint8_t *row, int64_t g, int64_t n_in, bool wvec,
                                                   float *w, float *a, float *b) {
    *a = 1.0f, *b = 0.0f;
    const int64_t e0 = g * kGroup;
    if (wvec && e0 + kGroup <= n_in) {
        const uint4 v = __ldg(reinterpret_cast<const uint4 *>(row + 2 * e0));
        const uint32_t u[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            w[2 * i] = half16_to_float<kBf16>(u[i] & 0xFFFFu);
            w[2 * i + 1] = half16_to_float<kBf16>(u[i] >> 16);
        }
        return;
    }
#pragma unroll
    for (int i = 0; i < kGroup; ++i)
        w[i] = e0 + i < n_in ? half16_to_float<kBf16>(ld_u16(row + 2 * (e0 + i))) : 0.0f;
}

template <>
__device__ __forceinline__ void decode_group<GgmlType::f16>(const uint8_t *row, int64_t g, int64_t n_in,
                                                            bool wvec, float *w, float *a, float *b) {
    decode_group_16bit<false>(row, g, n_in, wvec, w, a, b);
}
template <>
__device__ __forceinline__ void decode_group<GgmlType::bf16>(const uint8_t *row, int64_t g, int64_t n_in,
                                                             bool wvec, float *w, float *a, float *b) {
    decode_group_16bit<true>(row, g, n_in, wvec, w, a, b);
}

// Q8_0: 34-byte blocks {f16 d, int8 qs[32]}; y = d·q. Group k (0..3) of a block is qs[8k .. 8k+7].
template <>
__device__ __forceinline__ void decode_group<GgmlType::q8_0>(const uint8_t *row, int64_t g, int64_t, bool,
                                                             float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 2) * 34;
    const int k = static_cast<int>(g & 3);
    *a = ld_half(blk), *b = 0.0f;
    const uint2 v = ld_u64_a2(blk + 2 + 8 * k);
    bytes_minus<128>(v.x ^ 0x80808080u, v.y ^ 0x80808080u, q);  // int8 + 128, then − 128
}

// Q4_0: 18-byte blocks {f16 d, qs[16]}: element j < 16 is the low nibble of qs[j], j >= 16 the high
// nibble of qs[j − 16]; y = d·(q − 8). Group k reads qs[8(k & 1) ..] and nibble k >> 1.
template <>
__device__ __forceinline__ void decode_group<GgmlType::q4_0>(const uint8_t *row, int64_t g, int64_t, bool,
                                                             float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 2) * 18;
    const int k = static_cast<int>(g & 3);
    *a = ld_half(blk), *b = 0.0f;
    const uint2 v = ld_u64_a2(blk + 2 + 8 * (k & 1));
    const int sh = 4 * (k >> 1);
    bytes_minus<8>((v.x >> sh) & 0x0F0F0F0Fu, (v.y >> sh) & 0x0F0F0F0Fu, q);
}

// IQ4_NL: as Q4_0 with y = d·grid[q].
template <>
__device__ __forceinline__ void decode_group<GgmlType::iq4_nl>(const uint8_t *row, int64_t g, int64_t, bool,
                                                               float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 2) * 18;
    const int k = static_cast<int>(g & 3);
    *a = ld_half(blk), *b = 0.0f;
    const uint2 v = ld_u64_a2(blk + 2 + 8 * (k & 1));
    const int sh = 4 * (k >> 1);
    const uint32_t lo = iq4nl_lookup4((v.x >> sh) & 0x0F0F0F0Fu);
    const uint32_t hi = iq4nl_lookup4((v.y >> sh) & 0x0F0F0F0Fu);
    bytes_minus<128>(lo ^ 0x80808080u, hi ^ 0x80808080u, q);
}

// Q4_1: 20-byte blocks {f16 d, f16 m, qs[16]}; y = d·q + m.
template <>
__device__ __forceinline__ void decode_group<GgmlType::q4_1>(const uint8_t *row, int64_t g, int64_t, bool,
                                                             float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 2) * 20;
    const int k = static_cast<int>(g & 3);
    const uint32_t dm = ld_u32_a4(blk);
    *a = f16_bits_to_float(static_cast<uint16_t>(dm & 0xFFFFu));
    *b = f16_bits_to_float(static_cast<uint16_t>(dm >> 16));
    const uint8_t *qs = blk + 4 + 8 * (k & 1);
    const int sh = 4 * (k >> 1);
    bytes_minus<0>((ld_u32_a4(qs) >> sh) & 0x0F0F0F0Fu, (ld_u32_a4(qs + 4) >> sh) & 0x0F0F0F0Fu, q);
}

// Q5_0: 22-byte blocks {f16 d, u32 qh, qs[16]}: the 5th bit of element j is bit j of qh; y = d·(q − 16).
template <>
__device__ __forceinline__ void decode_group<GgmlType::q5_0>(const uint8_t *row, int64_t g, int64_t, bool,
                                                             float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 2) * 22;
    const int k = static_cast<int>(g & 3);
    *a = ld_half(blk), *b = 0.0f;
    const uint32_t qh = ld_u32_a2(blk + 2) >> (8 * k);  // bits of elements 8k ..
    const uint2 v = ld_u64_a2(blk + 6 + 8 * (k & 1));
    const int sh = 4 * (k >> 1);
    bytes_minus<16>(((v.x >> sh) & 0x0F0F0F0Fu) | spread4(qh), ((v.y >> sh) & 0x0F0F0F0Fu) | spread4(qh >> 4),
                    q);
}

// Q5_1: 24-byte blocks {f16 d, f16 m, u32 qh, qs[16]}; y = d·q + m.
template <>
__device__ __forceinline__ void decode_group<GgmlType::q5_1>(const uint8_t *row, int64_t g, int64_t, bool,
                                                             float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 2) * 24;
    const int k = static_cast<int>(g & 3);
    const uint2 head = ld_u64_a8(blk);  // d, m, qh
    *a = f16_bits_to_float(static_cast<uint16_t>(head.x & 0xFFFFu));
    *b = f16_bits_to_float(static_cast<uint16_t>(head.x >> 16));
    const uint32_t qh = head.y >> (8 * k);
    const uint2 v = ld_u64_a8(blk + 8 + 8 * (k & 1));
    const int sh = 4 * (k >> 1);
    bytes_minus<0>(((v.x >> sh) & 0x0F0F0F0Fu) | spread4(qh), ((v.y >> sh) & 0x0F0F0F0Fu) | spread4(qh >> 4),
                   q);
}

// Q4_K: 144-byte super-blocks of 256 {f16 d, f16 dmin, scales[12], qs[128]}. Sub-block j (32 elements)
// has scale sc_j and min m_j; elements 64c + l (l < 32) are the low nibbles of qs[32c + l] (j = 2c), 64c +
// 32 + l the high nibbles (j = 2c + 1); y = (d·sc_j)·q − dmin·m_j. Group k (0..31) of a super-block:
// sub-block j = k / 4, bytes qs[32(j / 2) + 8(k % 4) ..].
template <>
__device__ __forceinline__ void decode_group<GgmlType::q4_k>(const uint8_t *row, int64_t g, int64_t, bool,
                                                             float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 5) * 144;
    const int k = static_cast<int>(g & 31), j = k >> 2;
    const uint32_t dd = ld_u32_a4(blk);
    float sc, mn;
    kquant_scale_min(blk + 4, j, &sc, &mn);
    *a = __fmul_rn(f16_bits_to_float(static_cast<uint16_t>(dd & 0xFFFFu)), sc);
    *b = -__fmul_rn(f16_bits_to_float(static_cast<uint16_t>(dd >> 16)), mn);
    const uint2 v = ld_u64_a8(blk + 16 + 32 * (j >> 1) + 8 * (k & 3));
    const int sh = 4 * (j & 1);
    bytes_minus<0>((v.x >> sh) & 0x0F0F0F0Fu, (v.y >> sh) & 0x0F0F0F0Fu, q);
}

// Q5_K: 176-byte super-blocks {f16 d, f16 dmin, scales[12], qh[32], qs[128]}: as Q4_K, with the 5th bit
// of element 32j + l in bit j of qh[l].
template <>
__device__ __forceinline__ void decode_group<GgmlType::q5_k>(const uint8_t *row, int64_t g, int64_t, bool,
                                                             float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 5) * 176;
    const int k = static_cast<int>(g & 31), j = k >> 2;
    const uint32_t dd = ld_u32_a4(blk);
    float sc, mn;
    kquant_scale_min(blk + 4, j, &sc, &mn);
    *a = __fmul_rn(f16_bits_to_float(static_cast<uint16_t>(dd & 0xFFFFu)), sc);
    *b = -__fmul_rn(f16_bits_to_float(static_cast<uint16_t>(dd >> 16)), mn);
    const uint2 h = ld_u64_a8(blk + 16 + 8 * (k & 3));
    const uint2 v = ld_u64_a8(blk + 48 + 32 * (j >> 1) + 8 * (k & 3));
    const int sh = 4 * (j & 1);
    bytes_minus<0>(((v.x >> sh) & 0x0F0F0F0Fu) | (((h.x >> j) & 0x01010101u) << 4),
                   ((v.y >> sh) & 0x0F0F0F0Fu) | (((h.y >> j) & 0x01010101u) << 4), q);
}

// Q6_K: 210-byte super-blocks {ql[128], qh[64], int8 scales[16], f16 d}, two halves of 128. In half n,
// for l < 32: y[l + 32·p] (p = 0..3) = d·sc[8n + l/16 + 2p]·(q − 32), q = (low nibble of ql[64n + l] for
// p = 0, of ql[64n + l + 32] for p = 1, their high nibbles for p = 2, 3) | ((qh[32n + l] >> 2p) & 3) << 4.
// Group k (0..31): half n = k / 16, p = (k / 4) % 4, l = 8(k % 4) ..
template <>
__device__ __forceinline__ void decode_group<GgmlType::q6_k>(const uint8_t *row, int64_t g, int64_t, bool,
                                                             float *q, float *a, float *b) {
    const uint8_t *blk = row + (g >> 5) * 210;
    const int k = static_cast<int>(g & 31), n = k >> 4, p = (k >> 2) & 3, l0 = 8 * (k & 3);
    const float d = ld_half(blk + 208);
    const int8_t sc = static_cast<int8_t>(__ldg(blk + 192 + 8 * n + (l0 >> 4) + 2 * p));
    *a = __fmul_rn(d, static_cast<float>(sc)), *b = 0.0f;
    const uint2 ql = ld_u64_a2(blk + 64 * n + 32 * (p & 1) + l0);
    const uint2 qh = ld_u64_a2(blk + 128 + 32 * n + l0);
    const int sl = 4 * (p >> 1), shh = 2 * p;
    bytes_minus<32>(((ql.x >> sl) & 0x0F0F0F0Fu) | (((qh.x >> shh) & 0x03030303u) << 4),
                    ((ql.y >> sl) & 0x0F0F0F0Fu) | (((qh.y >> shh) & 0x03030303u) << 4), q);
}

// The group's 8 values as ggml_dequantize_row computes them (F32/F16/BF16: exactly the elements).
template <GgmlType T>
__device__ __forceinline__ void decode_values(const uint8_t *row, int64_t g, int64_t n_in, bool wvec,
                                              float *w) {
    float a, b;
    decode_group<T>(row, g, n_in, wvec, w, &a, &b);
    if constexpr (T != GgmlType::f32 && T != GgmlType::f16 && T != GgmlType::bf16) {
#pragma unroll
        for (int i = 0; i < kGroup; ++i)
            w[i] = value<T>(w[i], a, b);
    }
}

// --- host side -----------------------------------------------------------------------------------------

// Calls f(std::integral_constant<GgmlType, T>{}) for the type's T; returns false for a type the kernels
// do not handle.
template <class F>
bool dispatch_type(GgmlType type, F &&f) {
    switch (type) {
#define ND_CUDA_QUANT_CASE(T)                               \
    case GgmlType::T:                                       \
        f(std::integral_constant<GgmlType, GgmlType::T>{}); \
        return true;
        ND_CUDA_QUANT_CASE(f32)
        ND_CUDA_QUANT_CASE(f16)
        ND_CUDA_QUANT_CASE(bf16)
        ND_CUDA_QUANT_CASE(q8_0)
        ND_CUDA_QUANT_CASE(q4_0)
        ND_CUDA_QUANT_CASE(q4_1)
        ND_CUDA_QUANT_CASE(q5_0)
        ND_CUDA_QUANT_CASE(q5_1)
        ND_CUDA_QUANT_CASE(iq4_nl)
        ND_CUDA_QUANT_CASE(q4_k)
        ND_CUDA_QUANT_CASE(q5_k)
        ND_CUDA_QUANT_CASE(q6_k)
#undef ND_CUDA_QUANT_CASE
    }
    return false;
}

// Whether a row start of `data + k·row_bytes` is 16-byte aligned for every k (F32/F16/BF16 vector loads).
inline bool rows_16b_aligned(const void *data, int64_t row_bytes) {
    return reinterpret_cast<uintptr_t>(data) % 16 == 0 && row_bytes % 16 == 0;
}

// Groups of 8 in a row of n_in elements.
__host__ __device__ inline int64_t groups_per_row(int64_t n_in) {
    return (n_in + kGroup - 1) / kGroup;
}

}  // namespace nd::cuda::quant
