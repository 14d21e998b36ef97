#pragma once
// The activations of the quantized gemv path (cuda_gemv_row.cuh, MMVQ section), converted once per call
// to the weight type's ggml "dot type" with the values of gpu/cpu/cpu_quant.cpp, bit for bit:
//   Q8_0 (q4_0, q5_0, q8_0, iq4_nl): per 32: int8 codes, d = fp16(amax / 127)
//   Q8_1 (q4_1, q5_1):               as Q8_0, plus s = fp16(d_unrounded · Σq)
//   Q8_K (q4_k, q5_k, q6_k):         per 256: int8 codes, d = 1 / iscale (f32, ggml's sign), int16 bsums per
//   16
//
// Layout of the scratch (act_scratch of gemv / gemv_experts), for `rows` rows of n_in elements:
//   qs    int8  [rows][n_in]            at 0            (row r at r·n_in: 16-byte aligned, n_in % 32 == 0)
//   d     float [rows][nb]              at d_off
//   aux   Q8_1: float s [rows][nb]; Q8_K: int16 bsums [rows][nb·16]; Q8_0: none      at aux_off
#include <cuda_runtime.h>

#include <cstdint>

#include "gpu/gguf/gguf_types.h"

namespace nd::cuda {

enum class ActQ { none = 0, q8_0, q8_1, q8_k };

__host__ __device__ constexpr ActQ act_q_for(GgmlType t) {
    switch (t) {
        case GgmlType::q8_0:
        case GgmlType::q4_0:
        case GgmlType::q5_0:
        case GgmlType::iq4_nl:
            return ActQ::q8_0;
        case GgmlType::q4_1:
        case GgmlType::q5_1:
            return ActQ::q8_1;
        case GgmlType::q4_k:
        case GgmlType::q5_k:
        case GgmlType::q6_k:
            return ActQ::q8_k;
        default:
            return ActQ::none;
    }
}

struct ActQLayout {
    ActQ kind = ActQ::none;
    int64_t n_in = 0, rows = 0;
    int64_t qk = 0, nb = 0;  // block size, blocks per row
    int64_t d_off = 0, aux_off = 0, bytes = 0;
};

__host__ __device__ inline int64_t act_round16(int64_t v) {
    return (v + 15) / 16 * 16;
}

__host__ __device__ inline ActQLayout act_q_layout(ActQ kind, int64_t n_in, int64_t rows) {
    ActQLayout l;
    l.kind = kind;
    l.n_in = n_in;
    l.rows = rows;
    if (kind == ActQ::none)
        return l;
    l.qk = kind == ActQ::q8_k ? 256 : 32;
    l.nb = n_in / l.qk;
    l.d_off = act_round16(rows * n_in);
    l.aux_off = act_round16(l.d_off + rows * l.nb * 4);
    const int64_t aux = kind == ActQ::q8_1 ? rows * l.nb * 4 : (kind == ActQ::q8_k ? rows * l.nb * 32 : 0);
    l.bytes = act_round16(l.aux_off + aux) + 16;
    return l;
}

// Device view of one call's converted activations (row r: qs + r·n_in, d + r·nb, ...).
struct ActQView {
    const int8_t *qs = nullptr;
    const float *d = nullptr;
    const float *s = nullptr;        // Q8_1
    const int16_t *bsums = nullptr;  // Q8_K
    int64_t n_in = 0, nb = 0;
};

inline ActQView act_q_view(const ActQLayout &l, const void *base) {
    const auto *p = static_cast<const uint8_t *>(base);
    ActQView v;
    v.qs = reinterpret_cast<const int8_t *>(p);
    v.d = reinterpret_cast<const float *>(p + l.d_off);
    v.s = reinterpret_cast<const float *>(p + l.aux_off);
    v.bsums = reinterpret_cast<const int16_t *>(p + l.aux_off);
    v.n_in = l.n_in;
    v.nb = l.nb;
    return v;
}

// Converts rows r < l.rows of x (row r at x + r·ldx, f32) into `out` (l.bytes, 16-byte aligned).
void quantize_act(const ActQLayout &l, const float *x, int64_t ldx, void *out, cudaStream_t stream);

}  // namespace nd::cuda
