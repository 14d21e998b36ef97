// Greedy sampling: the index of each row's largest logit (no CPU twin in nd::Backend; the test checks it
// against a host loop).
//
//   logits (n, width; row stride ld) → out (n) int32: argmax, ties to the lower index. NaN never wins (a
//   comparison with NaN is false); a row of only NaN gives 0.
//
// Launch: one block per row (grid.x = n), 256 threads; each thread scans a stride of the row keeping
// (value, index), then warp shuffles and one shared-memory round combine the candidates with the same
// rule (larger value, or equal value and lower index).
// Precision: exact (comparisons only).
#include <climits>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ bool better(float v, int i, float best, int best_i) {
    return v > best || (v == best && i < best_i);
}

__global__ void argmax_rows_kernel(const float *__restrict__ logits, int64_t ld, int64_t width,
                                   int32_t *__restrict__ out) {
    __shared__ float s_val[kWarp];
    __shared__ int s_idx[kWarp];
    const float *row = logits + static_cast<int64_t>(blockIdx.x) * ld;
    float best = -INFINITY;
    int best_i = INT_MAX;  // INT_MAX: nothing yet (−inf at any index beats it; NaN never does)
    for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
        const float v = row[i];
        if (better(v, static_cast<int>(i), best, best_i)) {
            best = v;
            best_i = static_cast<int>(i);
        }
    }
#pragma unroll
    for (int o = kWarp / 2; o > 0; o >>= 1) {
        const float v = __shfl_xor_sync(0xffffffffu, best, o);
        const int i = __shfl_xor_sync(0xffffffffu, best_i, o);
        if (better(v, i, best, best_i)) {
            best = v;
            best_i = i;
        }
    }
    const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
    if (lane == 0) {
        s_val[warp] = best;
        s_idx[warp] = best_i;
    }
    __syncthreads();
    if (warp == 0) {
        const int n_warps = blockDim.x / kWarp;
        best = lane < n_warps ? s_val[lane] : -INFINITY;
        best_i = lane < n_warps ? s_idx[lane] : INT_MAX;
#pragma unroll
        for (int o = kWarp / 2; o > 0; o >>= 1) {
            const float v = __shfl_xor_sync(0xffffffffu, best, o);
            const int i = __shfl_xor_sync(0xffffffffu, best_i, o);
            if (better(v, i, best, best_i)) {
                best = v;
                best_i = i;
            }
        }
        if (lane == 0)
            out[blockIdx.x] = best_i == INT_MAX ? 0 : best_i;
    }
}

}  // namespace

void argmax_rows(const float *logits, int64_t ld, int64_t n, int64_t width, int32_t *out,
                 cudaStream_t stream) {
    if (n <= 0 || width <= 0)
        return;
    argmax_rows_kernel<<<static_cast<unsigned>(n), kThreads, 0, stream>>>(logits, ld, width, out);
}

}  // namespace nd::cuda
