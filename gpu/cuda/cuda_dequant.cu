// dequantize: rows of a weight matrix → a dense f16/bf16/f32 tile for cuBLAS (the prefill path), and
// convert_rows: f32 activations → f16/bf16 rows (cuda_kernels.h). CPU twin: ggml_dequantize_row
// (gpu/gguf/ggml_quants.cpp), whose f32 values dequantize reproduces exactly before rounding to the tile.
//
//   dequantize:   W rows row0 .. row0 + n_rows − 1 (n_in elements each) → out (n_rows, n_in) tile
//   convert_rows: x (n, ldx) f32 → out (n, width) f16/bf16, round to nearest even
//
// Launch: one thread per group of 8 elements (dequantize: it decodes the group with cuda_quant.cuh and
// writes 8 tile elements, 16- or 32-byte stores when aligned), or per element (convert_rows); a 1-D grid
// of 256-thread blocks over all of them.
#include <algorithm>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"
#include "gpu/cuda/cuda_quant.cuh"

namespace nd::cuda {

namespace {

constexpr int kThreads = 256;

template <TileType kTile>
__device__ __forceinline__ void store_group(void *out, int64_t e, int valid, bool vec, const float *w) {
    if constexpr (kTile == TileType::f32) {
        float *o = static_cast<float *>(out) + e;
        if (vec && valid == quant::kGroup) {
            reinterpret_cast<float4 *>(o)[0] = make_float4(w[0], w[1], w[2], w[3]);
            reinterpret_cast<float4 *>(o)[1] = make_float4(w[4], w[5], w[6], w[7]);
            return;
        }
        for (int i = 0; i < valid; ++i)
            o[i] = w[i];
    } else {
        uint16_t h[quant::kGroup];
#pragma unroll
        for (int i = 0; i < quant::kGroup; ++i) {
            if constexpr (kTile == TileType::f16)
                h[i] = __half_as_ushort(__float2half_rn(w[i]));
            else
                h[i] = __bfloat16_as_ushort(__float2bfloat16_rn(w[i]));
        }
        uint16_t *o = static_cast<uint16_t *>(out) + e;
        if (vec && valid == quant::kGroup) {
            uint4 v;
            v.x = h[0] | (static_cast<uint32_t>(h[1]) << 16);
            v.y = h[2] | (static_cast<uint32_t>(h[3]) << 16);
            v.z = h[4] | (static_cast<uint32_t>(h[5]) << 16);
            v.w = h[6] | (static_cast<uint32_t>(h[7]) << 16);
            *reinterpret_cast<uint4 *>(o) = v;
            return;
        }
        for (int i = 0; i < valid; ++i)
            o[i] = h[i];
    }
}

// out (n_rows, n_in): thread i → row i / gpr, group i % gpr. ovec: every row of the tile starts 16-byte
// aligned, so a full group's 8 elements can be stored at once.
template <GgmlType T, TileType kTile>
__global__ void __launch_bounds__(kThreads)
    dequantize_kernel(const uint8_t *mat, int64_t row_bytes, int64_t n_in, int64_t n_rows, bool wvec,
                      bool ovec, void *out) {
    const int64_t gpr = quant::groups_per_row(n_in);
    const int64_t i = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    if (i >= n_rows * gpr)
        return;
    const int64_t r = i / gpr, g = i % gpr;
    float w[quant::kGroup];
    quant::decode_values<T>(mat + r * row_bytes, g, n_in, wvec, w);
    const int64_t e = g * quant::kGroup;
    const int valid = static_cast<int>(n_in - e < quant::kGroup ? n_in - e : quant::kGroup);
    store_group<kTile>(out, r * n_in + e, valid, ovec, w);
}

template <TileType kTile>
__global__ void __launch_bounds__(kThreads)
    convert_kernel(const float *x, int64_t ldx, int64_t n, int64_t width, void *out) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    if (i >= n * width)
        return;
    const int64_t t = i / width, c = i % width;
    const float v = x[t * ldx + c];
    uint16_t *o = static_cast<uint16_t *>(out);
    if constexpr (kTile == TileType::f16)
        o[i] = __half_as_ushort(__float2half_rn(v));
    else
        o[i] = __bfloat16_as_ushort(__float2bfloat16_rn(v));
}

}  // namespace

void dequantize(const DevMatrix &w, int64_t expert, int64_t row0, int64_t n_rows, TileType tile, void *out,
                cudaStream_t stream) {
    if (n_rows <= 0 || w.n_in <= 0)
        return;
    const uint8_t *mat = w.data + expert * w.expert_bytes + row0 * w.row_bytes;
    const bool wvec = quant::rows_16b_aligned(mat, w.row_bytes);
    const int64_t elem_bytes = tile == TileType::f32 ? 4 : 2;
    const bool ovec = reinterpret_cast<uintptr_t>(out) % 16 == 0 && (w.n_in * elem_bytes) % 16 == 0;
    const unsigned blocks = grid_for(n_rows * quant::groups_per_row(w.n_in), kThreads);
    quant::dispatch_type(w.type, [&](auto t) {
        constexpr GgmlType T = decltype(t)::value;
        switch (tile) {
            case TileType::f16:
                dequantize_kernel<T, TileType::f16>
                    <<<blocks, kThreads, 0, stream>>>(mat, w.row_bytes, w.n_in, n_rows, wvec, ovec, out);
                break;
            case TileType::bf16:
                dequantize_kernel<T, TileType::bf16>
                    <<<blocks, kThreads, 0, stream>>>(mat, w.row_bytes, w.n_in, n_rows, wvec, ovec, out);
                break;
            case TileType::f32:
                dequantize_kernel<T, TileType::f32>
                    <<<blocks, kThreads, 0, stream>>>(mat, w.row_bytes, w.n_in, n_rows, wvec, ovec, out);
                break;
        }
    });
}

void convert_rows(const float *x, int64_t ldx, int64_t n, int64_t width, TileType tile, void *out,
                  cudaStream_t stream) {
    if (n <= 0 || width <= 0)
        return;
    const unsigned blocks = grid_for(n * width, kThreads);
    if (tile == TileType::f16)
        convert_kernel<TileType::f16><<<blocks, kThreads, 0, stream>>>(x, ldx, n, width, out);
    else if (tile == TileType::bf16)
        convert_kernel<TileType::bf16><<<blocks, kThreads, 0, stream>>>(x, ldx, n, width, out);
}

}  // namespace nd::cuda
