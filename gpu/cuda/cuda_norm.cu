// Row norms (CPU twins: gpu/cpu/cpu_ops.cpp rms_norm, layer_norm; gpu/cpu/cpu_mamba.cpp gated_group_norm).
//
//   rms_norm          y (n, width) = x (n, width) / sqrt(mean(x²) + eps) ⊙ w (width)
//   layer_norm        y (n, width) = (x − mean) / sqrt(var + eps) ⊙ w (+ b)
//   gated_group_norm  y (n, Di) in place: u = y ⊙ silu(z) (z rows stride ld_z), then per group of
//                     gs = Di / n_group: u / sqrt(mean(u²) + eps) ⊙ w (Di)
//
// Launch: one block per row (per (token, group) for the grouped norm), 32..1024 threads (a multiple of
// 32, fewer for narrow rows), each thread striding over the row. y may equal x: every element is read
// and written by the same thread, and all sums finish (block_sum synchronises) before the first write.
// Precision: f32 sums (per thread, then a tree), which stay within ~1e-6 relative of the CPU's double
// sums for these widths; the final products are rounded as the CPU does (x·scale, then ·w, then +b: no
// fused multiply-add).
#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

// Up to 1024 threads: a decode step's norm is one row, one block, so its time is the loads each thread
// makes in sequence (a 2688-wide row: 11 with 256 threads, 3 with 1024).
int threads_for(int64_t width) {
    int t = 32;
    while (t < 1024 && t < width)
        t *= 2;
    return t;
}

// one block per row of x (n, width)
__global__ void rms_norm_kernel(const float *x, const float *__restrict__ w, int64_t width, float eps,
                                float *y) {
    __shared__ float red[32];
    const int64_t row = blockIdx.x;
    const float *xr = x + row * width;
    float *yr = y + row * width;
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
        const float v = xr[i];
        sum = fmaf(v, v, sum);
    }
    sum = block_sum(sum, red);
    const float mean = sum / static_cast<float>(width);
    const float scale = 1.0f / sqrtf(mean + eps);
    for (int64_t i = threadIdx.x; i < width; i += blockDim.x)
        yr[i] = __fmul_rn(__fmul_rn(xr[i], scale), w[i]);
}

// one block per row of x (n, width); b may be null
__global__ void layer_norm_kernel(const float *x, const float *__restrict__ w, const float *__restrict__ b,
                                  int64_t width, float eps, float *y) {
    __shared__ float red[32];
    const int64_t row = blockIdx.x;
    const float *xr = x + row * width;
    float *yr = y + row * width;
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < width; i += blockDim.x)
        sum += xr[i];
    sum = block_sum(sum, red);
    const float mean = sum / static_cast<float>(width);
    float var_sum = 0.0f;
    for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
        const float v = __fsub_rn(xr[i], mean);
        var_sum = fmaf(v, v, var_sum);
    }
    var_sum = block_sum(var_sum, red);
    const float scale = 1.0f / sqrtf(var_sum / static_cast<float>(width) + eps);
    for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
        const float v = __fmul_rn(__fmul_rn(__fsub_rn(xr[i], mean), scale), w[i]);
        yr[i] = b ? __fadd_rn(v, b[i]) : v;
    }
}

// one block per (token t, group g): blockIdx.x = t * n_group + g
__global__ void gated_group_norm_kernel(float *y, const float *__restrict__ z, int64_t ld_z, int64_t d_inner,
                                        int64_t n_group, const float *__restrict__ w, float eps) {
    __shared__ float red[32];
    const int64_t t = blockIdx.x / n_group, g = blockIdx.x % n_group;
    const int64_t gs = d_inner / n_group, off = g * gs;
    float *yg = y + t * d_inner + off;
    const float *zg = z + t * ld_z + off;
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < gs; i += blockDim.x) {
        const float zi = zg[i];
        const float u = __fmul_rn(zi / (1.0f + expf(-zi)), yg[i]);
        yg[i] = u;  // read back below by this same thread
        sum = fmaf(u, u, sum);
    }
    sum = block_sum(sum, red);
    const float scale = 1.0f / sqrtf(sum / static_cast<float>(gs) + eps);
    for (int64_t i = threadIdx.x; i < gs; i += blockDim.x)
        yg[i] = __fmul_rn(__fmul_rn(yg[i], scale), w[off + i]);
}

}  // namespace

void rms_norm(const float *x, const float *w, int64_t n, int64_t width, float eps, float *y,
              cudaStream_t stream) {
    if (n <= 0 || width <= 0)
        return;
    rms_norm_kernel<<<static_cast<unsigned>(n), threads_for(width), 0, stream>>>(x, w, width, eps, y);
}

void layer_norm(const float *x, const float *w, const float *b, int64_t n, int64_t width, float eps, float *y,
                cudaStream_t stream) {
    if (n <= 0 || width <= 0)
        return;
    layer_norm_kernel<<<static_cast<unsigned>(n), threads_for(width), 0, stream>>>(x, w, b, width, eps, y);
}

void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const float *w, const MambaShape &s,
                      float eps, cudaStream_t stream) {
    if (n <= 0 || s.d_inner <= 0 || s.n_group <= 0)
        return;
    const int64_t gs = s.d_inner / s.n_group;
    gated_group_norm_kernel<<<static_cast<unsigned>(n * s.n_group), threads_for(gs), 0, stream>>>(
        y, z, ld_z, s.d_inner, s.n_group, w, eps);
}

}  // namespace nd::cuda
