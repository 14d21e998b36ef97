#pragma once
// Device helpers shared by the kernels of gpu/cuda/ (included by .cu files only).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace nd::cuda {

constexpr int kWarp = 32;

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = kWarp / 2; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = kWarp / 2; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread gets the result.
// `shared` holds 32 floats. Synchronises the block.
__device__ __forceinline__ float block_sum(float v, float *shared) {
    const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0)
        shared[warp] = v;
    __syncthreads();
    const int n_warps = (blockDim.x + kWarp - 1) / kWarp;
    v = lane < n_warps ? shared[lane] : 0.0f;
    return warp_sum(v);
}

// Mamba-2's dt = softplus(dt_raw + dt_bias) as the CPU twin computes it (cpu_mamba.cpp), shared by the
// sequential and the chunked scan so both start from the same dt.
__device__ __forceinline__ float ssm_softplus(float v) {
    return v > 20.0f ? v : log1pf(expf(v));
}

__device__ __forceinline__ float block_max(float v, float *shared) {
    const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0)
        shared[warp] = v;
    __syncthreads();
    const int n_warps = (blockDim.x + kWarp - 1) / kWarp;
    v = lane < n_warps ? shared[lane] : -INFINITY;
    return warp_max(v);
}

__device__ __forceinline__ float f16_bits_to_float(uint16_t h) {
    return __half2float(__ushort_as_half(h));
}
__device__ __forceinline__ float bf16_bits_to_float(uint16_t h) {
    return __uint_as_float(static_cast<uint32_t>(h) << 16);
}

inline unsigned grid_for(int64_t count, int threads) {
    return static_cast<unsigned>((count + threads - 1) / threads);
}

}  // namespace nd::cuda
