// gemv_experts: the MoE form of gemv (cuda_kernels.h): n_slots independent matrix-vector products,
// slot s with expert experts[s] on activation row s / x_div. CPU twin: cpu::moe_ffn's per-expert
// products (gpu/cpu/cpu_moe.cpp), i.e. cpu::matmul with one row.
//
//   W (n_expert, n_out, n_in) in its GGUF type, expert e at data + e * expert_bytes
//   experts (n_slots) int32 device      x (n_slots / x_div rows, ldx) f32      y (n_slots, ldy) f32
//
// Launch: grid.x = ceil(n_out / 4) blocks of 128 threads, grid.y = slots (at most 65535; the y-blocks
// loop over the rest). The block body is gemv_block_rows<T, 1> (cuda_gemv_row.cuh), so each slot reads
// its expert's matrix once. Quantized types with act_scratch: the distinct x rows are converted once
// (quantize_act), then mmvq_experts_kernel (a warp per output row, mmvq_warp_rows<T, 1>). The expert id
// is read on the device (a captured decode graph replays it).
#include <algorithm>

#include "gpu/cuda/cuda_gemv_row.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int64_t kMaxGridY = 65535;

template <GgmlType T>
__global__ void __launch_bounds__(kGemvThreads)
    gemv_experts_kernel(GemvRowArgs a, int64_t expert_bytes, const int32_t *experts, int64_t n_slots,
                        int64_t x_div) {
    const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kGemvRowsPerBlock;
    for (int64_t s = blockIdx.y; s < n_slots; s += gridDim.y) {
        GemvRowArgs b = a;
        b.mat = a.mat + static_cast<int64_t>(experts[s]) * expert_bytes;
        b.x = a.x + (s / x_div) * a.ldx;
        b.y = a.y + s * a.ldy;
        gemv_block_rows<T, 1>(b, row0);
        __syncthreads();  // the next slot reuses the block's shared partial sums
    }
}

// The quantized types: slot s dots its expert's rows with converted activation row s / x_div.
template <GgmlType T>
__global__ void __launch_bounds__(kGemvThreads)
    mmvq_experts_kernel(MmvqArgs a, int64_t expert_bytes, const int32_t *experts, int64_t n_slots,
                        int64_t x_div) {
    const int64_t row0 =
        (static_cast<int64_t>(blockIdx.x) * kGemvWarps + threadIdx.x / kWarp) * kMmvqRowsPerWarp<1>;
    for (int64_t s = blockIdx.y; s < n_slots; s += gridDim.y) {
        MmvqArgs b = a;
        b.mat = a.mat + static_cast<int64_t>(experts[s]) * expert_bytes;
        b.xrow0 = s / x_div;
        b.y = a.y + s * a.ldy;
        mmvq_warp_rows<T, 1>(b, row0);
    }
}

}  // namespace

void gemv_experts(const DevMatrix &w, const int32_t *experts, int64_t n_slots, const float *x, int64_t ldx,
                  int64_t x_div, float *y, int64_t ldy, void *act_scratch, cudaStream_t stream) {
    if (n_slots <= 0 || w.n_out <= 0 || w.n_in <= 0 || x_div <= 0)
        return;
    const ActQ kind = act_q_for(w.type);
    if (kind != ActQ::none && act_scratch) {
        const ActQLayout l = act_q_layout(kind, w.n_in, (n_slots + x_div - 1) / x_div);
        quantize_act(l, x, ldx, act_scratch, stream);
        MmvqArgs m;
        m.mat = w.data;
        m.row_bytes = w.row_bytes;
        m.n_in = w.n_in;
        m.n_out = w.n_out;
        m.act = act_q_view(l, act_scratch);
        m.y = y;
        m.ldy = ldy;
        const dim3 grid(grid_for(w.n_out, kGemvWarps * kMmvqRowsPerWarp<1>),
                        static_cast<unsigned>(std::min(n_slots, kMaxGridY)));
        quant::dispatch_type(w.type, [&](auto t) {
            if constexpr (act_q_for(decltype(t)::value) != ActQ::none)
                mmvq_experts_kernel<decltype(t)::value>
                    <<<grid, kGemvThreads, 0, stream>>>(m, w.expert_bytes, experts, n_slots, x_div);
        });
        return;
    }
    GemvRowArgs a;
    a.mat = w.data;
    a.row_bytes = w.row_bytes;
    a.n_in = w.n_in;
    a.n_out = w.n_out;
    a.x = x;
    a.ldx = ldx;
    a.y = y;
    a.ldy = ldy;
    a.wvec = quant::rows_16b_aligned(w.data, w.row_bytes) && w.expert_bytes % 16 == 0;
    a.xvec = gemv_x_vec(x, ldx);
    const dim3 grid(grid_for(w.n_out, kGemvRowsPerBlock),
                    static_cast<unsigned>(std::min(n_slots, kMaxGridY)));
    quant::dispatch_type(w.type, [&](auto t) {
        gemv_experts_kernel<decltype(t)::value>
            <<<grid, kGemvThreads, 0, stream>>>(a, w.expert_bytes, experts, n_slots, x_div);
    });
}

}  // namespace nd::cuda
