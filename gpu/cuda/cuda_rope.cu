// RoPE in place (CPU twin: gpu/cpu/cpu_ops.cpp rope, rope_angles).
//
//   x (n, n_head * head_dim; row stride ldx), pos (n) int32 in device memory.
//   For pair i < n_rot/2 of every head: angle_i = freq_scale · (θ_i / ff_i), θ_0 = pos, θ_{i+1} = θ_i ·
//   theta_scale (f32, built by repeated multiplication as ggml's CPU does; theta_scale = base^(−2/n_rot)
//   is computed on the host with the CPU's std::pow so both start from the same bits). NORM rotates
//   (2i, 2i+1), NEOX (i, i + n_rot/2); dims >= n_rot pass through.
//
// Launch: one block per token (grid.x = n), 128 threads. The block first builds the cos/sin table of its
// position in shared memory (thread i computes θ_i with its own i multiplications: the same sequence of
// f32 roundings as the CPU's loop), then rotates every (head, pair) of the row.
// Precision: f32; sincosf (accurate, not __sinf) so angles of large positions keep ~1 ulp.
#include <cmath>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int kThreads = 128;

// dynamic shared: cs[n_rot] (cos, sin of each pair)
__global__ void rope_kernel(float *x, int64_t ldx, int64_t n_head, int64_t head_dim, const int32_t *pos,
                            int neox, int64_t n_rot, float theta_scale, float freq_scale,
                            const float *__restrict__ freq_factors) {
    extern __shared__ float cs[];
    const int64_t t = blockIdx.x;
    const int64_t half = n_rot / 2;
    const float p = static_cast<float>(pos[t]);
    for (int64_t i = threadIdx.x; i < half; i += blockDim.x) {
        float theta = p;
        for (int64_t k = 0; k < i; ++k)
            theta = __fmul_rn(theta, theta_scale);
        const float ff = freq_factors ? freq_factors[i] : 1.0f;
        const float angle = __fmul_rn(freq_scale, __fdiv_rn(theta, ff));
        float s, c;
        sincosf(angle, &s, &c);
        cs[2 * i] = c;
        cs[2 * i + 1] = s;
    }
    __syncthreads();
    const int64_t step = neox ? 1 : 2, off = neox ? half : 1;
    float *row = x + t * ldx;
    for (int64_t e = threadIdx.x; e < n_head * half; e += blockDim.x) {
        const int64_t h = e / half, i = e % half;
        float *a = row + h * head_dim + i * step;
        const float c = cs[2 * i], s = cs[2 * i + 1];
        const float x0 = a[0], x1 = a[off];
        a[0] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
        a[off] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
    }
}

}  // namespace

void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
          const RopeArgs &a, cudaStream_t stream) {
    const int64_t half = a.n_rot / 2;
    if (n <= 0 || n_head <= 0 || half <= 0)
        return;
    const float theta_scale = std::pow(a.freq_base, -2.0f / static_cast<float>(a.n_rot));
    const size_t smem = static_cast<size_t>(2 * half) * sizeof(float);
    rope_kernel<<<static_cast<unsigned>(n), kThreads, smem, stream>>>(
        x, ldx, n_head, head_dim, pos, a.mode == RopeMode::neox ? 1 : 0, a.n_rot, theta_scale, a.freq_scale,
        a.freq_factors);
}

}  // namespace nd::cuda
