// get_rows: embedding lookup (cuda_kernels.h): out[t][:] = row ids[t] of the embedding matrix as f32,
// any weight type, the values ggml_dequantize_row gives. CPU twin: the CPU backend's get_rows.
//
//   embd (n_out, n_in) in its GGUF type    ids (n) int32 device    out (n, n_in) f32 contiguous
//
// Launch: one thread per group of 8 elements of the output (it decodes the group with cuda_quant.cuh and
// writes 8 floats, two float4 stores when aligned); a 1-D grid of 256-thread blocks. The ids are read on
// the device (a captured decode graph replays them).
#include <algorithm>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"
#include "gpu/cuda/cuda_quant.cuh"

namespace nd::cuda {

namespace {

constexpr int kThreads = 256;

template <GgmlType T>
__global__ void __launch_bounds__(kThreads)
    get_rows_kernel(const uint8_t *mat, int64_t row_bytes, int64_t n_in, const int32_t *ids, int64_t n,
                    bool wvec, bool ovec, float *out) {
    const int64_t gpr = quant::groups_per_row(n_in);
    const int64_t i = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    if (i >= n * gpr)
        return;
    const int64_t t = i / gpr, g = i % gpr;
    float w[quant::kGroup];
    quant::decode_values<T>(mat + static_cast<int64_t>(ids[t]) * row_bytes, g, n_in, wvec, w);
    const int64_t e = g * quant::kGroup;
    float *o = out + t * n_in + e;
    if (ovec && e + quant::kGroup <= n_in) {
        reinterpret_cast<float4 *>(o)[0] = make_float4(w[0], w[1], w[2], w[3]);
        reinterpret_cast<float4 *>(o)[1] = make_float4(w[4], w[5], w[6], w[7]);
        return;
    }
    const int valid = static_cast<int>(n_in - e < quant::kGroup ? n_in - e : quant::kGroup);
    for (int k = 0; k < valid; ++k)
        o[k] = w[k];
}

}  // namespace

void get_rows(const DevMatrix &embd, const int32_t *ids, int64_t n, float *out, cudaStream_t stream) {
    if (n <= 0 || embd.n_in <= 0)
        return;
    const bool wvec = quant::rows_16b_aligned(embd.data, embd.row_bytes);
    const bool ovec = reinterpret_cast<uintptr_t>(out) % 16 == 0 && embd.n_in % 4 == 0;
    const unsigned blocks = grid_for(n * quant::groups_per_row(embd.n_in), kThreads);
    quant::dispatch_type(embd.type, [&](auto t) {
        get_rows_kernel<decltype(t)::value>
            <<<blocks, kThreads, 0, stream>>>(embd.data, embd.row_bytes, embd.n_in, ids, n, wvec, ovec, out);
    });
}

}  // namespace nd::cuda
