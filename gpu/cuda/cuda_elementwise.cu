// Element-wise ops (CPU twins: gpu/cpu/cpu_ops.cpp add, relu_sqr, swiglu; add_bias has none: it is the
// bias of a cuBLAS product, matmul's `+ bias[o]`).
//
//   add       y (count) += x (count)
//   relu_sqr  x (count) = max(x, 0)²
//   add_bias  y (n, width; row stride ldy) += bias (width) broadcast over rows
//   swiglu    gate (n, width; stride ld_gate) = silu(gate) · up (n, width; stride ld_up)
//
// Launch: flat ops use a grid-stride loop over 64-bit indices (count may exceed 2^31), float4 when the
// pointers are 16-byte aligned; row ops use blockIdx.y for rows (grid-stride past 65535) and x over the
// row, float4 when the rows (pointers and strides) are 16-byte aligned and width % 4 == 0.
// Precision: f32, the CPU's arithmetic (silu(x) = x / (1 + expf(−x)), the IEEE expf, not __expf).
#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int kThreads = 256;
constexpr unsigned kMaxBlocks = 65535u * 8u;  // grid-stride beyond this (plenty to fill any GPU)
constexpr unsigned kMaxRowsY = 65535u;

unsigned flat_grid(int64_t count) {
    const unsigned g = grid_for(count, kThreads);
    return g == 0 ? 1u : (g < kMaxBlocks ? g : kMaxBlocks);
}

bool aligned16(const void *p) {
    return (reinterpret_cast<uintptr_t>(p) & 15u) == 0;
}

__device__ __forceinline__ float relu_sqr1(float x) {
    // as the CPU: clear every value whose sign bit is set (negatives, −0, −inf → 0), then square
    uint32_t b = __float_as_uint(x);
    b &= ~static_cast<uint32_t>(static_cast<int32_t>(b) >> 31);
    const float r = __uint_as_float(b);
    return r * r;
}

__device__ __forceinline__ float silu_mul1(float g, float u) {
    return g / (1.0f + expf(-g)) * u;
}

__device__ __forceinline__ int64_t flat_index() {
    return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t flat_stride() {
    return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// y (count4 float4) += x (count4 float4)
__global__ void add_f4_kernel(float4 *__restrict__ y, const float4 *__restrict__ x, int64_t count4) {
    for (int64_t i = flat_index(); i < count4; i += flat_stride()) {
        float4 a = y[i];
        const float4 b = x[i];
        a.x += b.x;
        a.y += b.y;
        a.z += b.z;
        a.w += b.w;
        y[i] = a;
    }
}

__global__ void add_kernel(float *__restrict__ y, const float *__restrict__ x, int64_t begin, int64_t count) {
    for (int64_t i = begin + flat_index(); i < count; i += flat_stride())
        y[i] += x[i];
}

__global__ void relu_sqr_f4_kernel(float4 *x, int64_t count4) {
    for (int64_t i = flat_index(); i < count4; i += flat_stride()) {
        float4 a = x[i];
        a.x = relu_sqr1(a.x);
        a.y = relu_sqr1(a.y);
        a.z = relu_sqr1(a.z);
        a.w = relu_sqr1(a.w);
        x[i] = a;
    }
}

__global__ void relu_sqr_kernel(float *x, int64_t begin, int64_t count) {
    for (int64_t i = begin + flat_index(); i < count; i += flat_stride())
        x[i] = relu_sqr1(x[i]);
}

// y (n, width; stride ldy) += bias (width). VEC: width % 4 == 0 and rows 16-byte aligned.
template <bool VEC>
__global__ void add_bias_kernel(float *__restrict__ y, int64_t ldy, int64_t n, int64_t width,
                                const float *__restrict__ bias) {
    for (int64_t t = blockIdx.y; t < n; t += gridDim.y) {
        float *yr = y + t * ldy;
        if constexpr (VEC) {
            float4 *y4 = reinterpret_cast<float4 *>(yr);
            const float4 *b4 = reinterpret_cast<const float4 *>(bias);
            for (int64_t i = flat_index(); i < width / 4; i += flat_stride()) {
                float4 a = y4[i];
                const float4 b = b4[i];
                a.x += b.x;
                a.y += b.y;
                a.z += b.z;
                a.w += b.w;
                y4[i] = a;
            }
        } else {
            for (int64_t i = flat_index(); i < width; i += flat_stride())
                yr[i] += bias[i];
        }
    }
}

// gate (n, width; ld_gate) = silu(gate) · up (n, width; ld_up)
template <bool VEC>
__global__ void swiglu_kernel(float *__restrict__ gate, int64_t ld_gate, const float *__restrict__ up,
                              int64_t ld_up, int64_t n, int64_t width) {
    for (int64_t t = blockIdx.y; t < n; t += gridDim.y) {
        float *g = gate + t * ld_gate;
        const float *u = up + t * ld_up;
        if constexpr (VEC) {
            float4 *g4 = reinterpret_cast<float4 *>(g);
            const float4 *u4 = reinterpret_cast<const float4 *>(u);
            for (int64_t i = flat_index(); i < width / 4; i += flat_stride()) {
                float4 a = g4[i];
                const float4 b = u4[i];
                a.x = silu_mul1(a.x, b.x);
                a.y = silu_mul1(a.y, b.y);
                a.z = silu_mul1(a.z, b.z);
                a.w = silu_mul1(a.w, b.w);
                g4[i] = a;
            }
        } else {
            for (int64_t i = flat_index(); i < width; i += flat_stride())
                g[i] = silu_mul1(g[i], u[i]);
        }
    }
}

// Grid for a row op: x covers the row (in elements of 1 or 4 floats), y the rows.
dim3 row_grid(int64_t n, int64_t row_items) {
    unsigned gx = grid_for(row_items, kThreads);
    gx = gx == 0 ? 1u : (gx < kMaxBlocks ? gx : kMaxBlocks);
    const unsigned gy = static_cast<unsigned>(n < kMaxRowsY ? n : kMaxRowsY);
    return dim3(gx, gy);
}

bool rows_aligned16(const float *p, int64_t ld, int64_t width) {
    return aligned16(p) && ld % 4 == 0 && width % 4 == 0;
}

}  // namespace

void add(float *y, const float *x, int64_t count, cudaStream_t stream) {
    if (count <= 0)
        return;
    int64_t done = 0;
    if (aligned16(y) && aligned16(x) && count >= 4) {
        const int64_t count4 = count / 4;
        add_f4_kernel<<<flat_grid(count4), kThreads, 0, stream>>>(
            reinterpret_cast<float4 *>(y), reinterpret_cast<const float4 *>(x), count4);
        done = count4 * 4;
    }
    if (done < count)
        add_kernel<<<flat_grid(count - done), kThreads, 0, stream>>>(y, x, done, count);
}

void relu_sqr(float *x, int64_t count, cudaStream_t stream) {
    if (count <= 0)
        return;
    int64_t done = 0;
    if (aligned16(x) && count >= 4) {
        const int64_t count4 = count / 4;
        relu_sqr_f4_kernel<<<flat_grid(count4), kThreads, 0, stream>>>(reinterpret_cast<float4 *>(x), count4);
        done = count4 * 4;
    }
    if (done < count)
        relu_sqr_kernel<<<flat_grid(count - done), kThreads, 0, stream>>>(x, done, count);
}

void add_bias(float *y, int64_t ldy, int64_t n, int64_t width, const float *bias, cudaStream_t stream) {
    if (n <= 0 || width <= 0)
        return;
    if (rows_aligned16(y, ldy, width) && aligned16(bias))
        add_bias_kernel<true><<<row_grid(n, width / 4), kThreads, 0, stream>>>(y, ldy, n, width, bias);
    else
        add_bias_kernel<false><<<row_grid(n, width), kThreads, 0, stream>>>(y, ldy, n, width, bias);
}

void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n, int64_t width,
            cudaStream_t stream) {
    if (n <= 0 || width <= 0)
        return;
    if (rows_aligned16(gate, ld_gate, width) && rows_aligned16(up, ld_up, width))
        swiglu_kernel<true>
            <<<row_grid(n, width / 4), kThreads, 0, stream>>>(gate, ld_gate, up, ld_up, n, width);
    else
        swiglu_kernel<false><<<row_grid(n, width), kThreads, 0, stream>>>(gate, ld_gate, up, ld_up, n, width);
}

}  // namespace nd::cuda
