// gemv: matrix-vector products for decode and small batches (cuda_kernels.h), every weight type
// dequantised on the fly, f32 accumulation. The CPU twin is cpu::matmul (gpu/cpu/cpu_matmul.cpp).
//
//   W (n_out, n_in) in its GGUF type (expert `expert` of a stack)   x (n, ldx) f32, n = 1 .. 8
//   y (n, ldy) f32 = x · Wᵀ (+ bias (n_out))
//
// Launch: one block of 128 threads per 4 output rows (grid.x = ceil(n_out / 4));
// the block body is gemv_block_rows (cuda_gemv_row.cuh): each weight is read once for all n rows.
// One kernel per (type, n): the n accumulators of each row live in registers.
//
// Quantized types (with act_scratch): x is first converted to the type's ggml dot type (quantize_act,
// cuda_quantize_act.cu, the CPU backend's bits), then mmvq_kernel: 4 warps per block, a warp per
// kMmvqRowsPerWarp<n> output rows (mmvq_warp_rows, cuda_gemv_row.cuh), integer block dots via __dp4a.
#include "gpu/cuda/cuda_gemv_row.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

template <GgmlType T, int N>
__global__ void __launch_bounds__(kGemvThreads) gemv_kernel(GemvRowArgs a) {
    gemv_block_rows<T, N>(a, static_cast<int64_t>(blockIdx.x) * kGemvRowsPerBlock);
}

template <GgmlType T, int N>
void launch(const GemvRowArgs &a, cudaStream_t stream) {
    const unsigned blocks = grid_for(a.n_out, kGemvRowsPerBlock);
    gemv_kernel<T, N><<<blocks, kGemvThreads, 0, stream>>>(a);
}

template <GgmlType T>
void launch_n(const GemvRowArgs &a, int n, cudaStream_t stream) {
    switch (n) {
        case 1:
            launch<T, 1>(a, stream);
            break;
        case 2:
            launch<T, 2>(a, stream);
            break;
        case 3:
            launch<T, 3>(a, stream);
            break;
        case 4:
            launch<T, 4>(a, stream);
            break;
        case 5:
            launch<T, 5>(a, stream);
            break;
        case 6:
            launch<T, 6>(a, stream);
            break;
        case 7:
            launch<T, 7>(a, stream);
            break;
        case 8:
            launch<T, 8>(a, stream);
            break;
        default:
            break;
    }
}

template <GgmlType T, int N>
__global__ void __launch_bounds__(kGemvThreads) mmvq_kernel(MmvqArgs a) {
    const int64_t warp = static_cast<int64_t>(blockIdx.x) * kGemvWarps + threadIdx.x / kWarp;
    mmvq_warp_rows<T, N>(a, warp * kMmvqRowsPerWarp<N>);
}

template <GgmlType T, int N>
void launch_mmvq(const MmvqArgs &a, cudaStream_t stream) {
    const unsigned blocks = grid_for(a.n_out, kGemvWarps * kMmvqRowsPerWarp<N>);
    mmvq_kernel<T, N><<<blocks, kGemvThreads, 0, stream>>>(a);
}

template <GgmlType T>
void launch_mmvq_n(const MmvqArgs &a, int n, cudaStream_t stream) {
    switch (n) {
        case 1:
            launch_mmvq<T, 1>(a, stream);
            break;
        case 2:
            launch_mmvq<T, 2>(a, stream);
            break;
        case 3:
            launch_mmvq<T, 3>(a, stream);
            break;
        case 4:
            launch_mmvq<T, 4>(a, stream);
            break;
        case 5:
            launch_mmvq<T, 5>(a, stream);
            break;
        case 6:
            launch_mmvq<T, 6>(a, stream);
            break;
        case 7:
            launch_mmvq<T, 7>(a, stream);
            break;
        case 8:
            launch_mmvq<T, 8>(a, stream);
            break;
        default:
            break;
    }
}

}  // namespace

bool matrix_type_supported(GgmlType type) {
    return quant::dispatch_type(type, [](auto) {});
}

void gemv(const DevMatrix &w, int64_t expert, const float *x, int64_t ldx, int n, float *y, int64_t ldy,
          const float *bias, void *act_scratch, cudaStream_t stream) {
    if (n <= 0 || n > kGemvMaxRows || w.n_out <= 0 || w.n_in <= 0)
        return;
    const ActQ kind = act_q_for(w.type);
    if (kind != ActQ::none && act_scratch) {
        const ActQLayout l = act_q_layout(kind, w.n_in, n);
        quantize_act(l, x, ldx, act_scratch, stream);
        MmvqArgs m;
        m.mat = w.data + expert * w.expert_bytes;
        m.row_bytes = w.row_bytes;
        m.n_in = w.n_in;
        m.n_out = w.n_out;
        m.act = act_q_view(l, act_scratch);
        m.y = y;
        m.ldy = ldy;
        m.bias = bias;
        quant::dispatch_type(w.type, [&](auto t) {
            if constexpr (act_q_for(decltype(t)::value) != ActQ::none)
                launch_mmvq_n<decltype(t)::value>(m, n, stream);
        });
        return;
    }
    GemvRowArgs a;
    a.mat = w.data + expert * w.expert_bytes;
    a.row_bytes = w.row_bytes;
    a.n_in = w.n_in;
    a.n_out = w.n_out;
    a.x = x;
    a.ldx = ldx;
    a.y = y;
    a.ldy = ldy;
    a.bias = bias;
    a.wvec = quant::rows_16b_aligned(a.mat, w.row_bytes);
    a.xvec = gemv_x_vec(x, ldx);
    quant::dispatch_type(w.type, [&](auto t) { launch_n<decltype(t)::value>(a, n, stream); });
}

}  // namespace nd::cuda
