// Activation conversion for the quantized gemv path (cuda_quantize_act.cuh): the values of
// gpu/cpu/cpu_quant.cpp (act_quantize_row) bit for bit. Every f32 operation is written with an _rn
// intrinsic (no contraction into an FMA, IEEE division), in the CPU's order; the fp16 roundings are
// __float2half_rn (nearest even, overflow to inf: ggml_fp32_to_fp16's results for finite values).
//
// Launch: 256 threads per block; one warp per activation block (Q8_0/Q8_1: a lane per element; Q8_K: a
// lane per 8 elements).
#include <cuda_fp16.h>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"
#include "gpu/cuda/cuda_quantize_act.cuh"

namespace nd::cuda {

namespace {

constexpr int kQaThreads = 256;
constexpr int kQaWarps = kQaThreads / kWarp;

__device__ __forceinline__ float fp16_round(float v) {
    return __half2float(__float2half_rn(v));
}

// cpu_quant.cpp code_rne: clamp to ±127, round half to even.
__device__ __forceinline__ int code_rne(float v) {
    v = fminf(v, 127.f);
    v = fmaxf(v, -127.f);
    return __float2int_rn(v);
}

__device__ __forceinline__ int warp_isum(int v) {
#pragma unroll
    for (int o = kWarp / 2; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__global__ void __launch_bounds__(kQaThreads)
    quantize_q8_0_kernel(const float *x, int64_t ldx, ActQLayout l, uint8_t *out) {
    const int lane = static_cast<int>(threadIdx.x) % kWarp;
    const int64_t gw = static_cast<int64_t>(blockIdx.x) * kQaWarps + threadIdx.x / kWarp;
    if (gw >= l.rows * l.nb)
        return;
    const int64_t r = gw / l.nb, b = gw % l.nb;
    const float v = x[r * ldx + 32 * b + lane];
    float amax = fabsf(v);
#pragma unroll
    for (int o = kWarp / 2; o > 0; o >>= 1)
        amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
    const float d = __fdiv_rn(amax, 127.f);
    const float id = amax != 0.f ? __fdiv_rn(127.f, amax) : 0.f;
    const int q = code_rne(__fmul_rn(v, id));
    out[r * l.n_in + 32 * b + lane] = static_cast<uint8_t>(static_cast<int8_t>(q));
    const int sum = warp_isum(q);
    if (lane == 0) {
        reinterpret_cast<float *>(out + l.d_off)[r * l.nb + b] = fp16_round(d);
        if (l.kind == ActQ::q8_1)
            reinterpret_cast<float *>(out + l.aux_off)[r * l.nb + b] =
                fp16_round(__fmul_rn(d, static_cast<float>(sum)));
    }
}

__global__ void __launch_bounds__(kQaThreads)
    quantize_q8_k_kernel(const float *x, int64_t ldx, ActQLayout l, uint8_t *out) {
    const int lane = static_cast<int>(threadIdx.x) % kWarp;
    const int64_t gw = static_cast<int64_t>(blockIdx.x) * kQaWarps + threadIdx.x / kWarp;
    if (gw >= l.rows * l.nb)
        return;
    const int64_t r = gw / l.nb, b = gw % l.nb;
    const float *xb = x + r * ldx + 256 * b + 8 * lane;
    float v[8];
#pragma unroll
    for (int i = 0; i < 8; ++i)
        v[i] = xb[i];
    // The first element of largest magnitude (strictly greater, in element order), as the CPU's scan.
    float amax = 0.f, mx = 0.f;
    int idx = 1 << 30;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
        const float ax = fabsf(v[i]);
        if (ax > amax) {
            amax = ax;
            mx = v[i];
            idx = 8 * lane + i;
        }
    }
#pragma unroll
    for (int o = kWarp / 2; o > 0; o >>= 1) {
        const float oa = __shfl_xor_sync(0xffffffffu, amax, o);
        const float om = __shfl_xor_sync(0xffffffffu, mx, o);
        const int oi = __shfl_xor_sync(0xffffffffu, idx, o);
        if (oa > amax || (oa == amax && oi < idx)) {
            amax = oa;
            mx = om;
            idx = oi;
        }
    }
    int8_t q[8] = {};
    float d = 0.f;
    if (amax != 0.f && isfinite(amax)) {
        const float iscale = __fdiv_rn(-127.f, mx);
#pragma unroll
        for (int i = 0; i < 8; ++i)
            q[i] = static_cast<int8_t>(code_rne(__fmul_rn(iscale, v[i])));
        d = __fdiv_rn(1.f, iscale);
    } else if (amax != 0.f) {
        d = amax;  // an inf activation (cpu_quant.cpp keeps it visible)
    }
    uint32_t w0 = 0, w1 = 0;
    int s = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        w0 |= static_cast<uint32_t>(static_cast<uint8_t>(q[i])) << (8 * i);
        w1 |= static_cast<uint32_t>(static_cast<uint8_t>(q[4 + i])) << (8 * i);
        s += q[i] + q[4 + i];
    }
    *reinterpret_cast<uint2 *>(out + r * l.n_in + 256 * b + 8 * lane) = make_uint2(w0, w1);
    s += __shfl_xor_sync(0xffffffffu, s, 1);
    if (lane % 2 == 0)
        reinterpret_cast<int16_t *>(out + l.aux_off)[(r * l.nb + b) * 16 + lane / 2] =
            static_cast<int16_t>(s);
    if (lane == 0)
        reinterpret_cast<float *>(out + l.d_off)[r * l.nb + b] = d;
}

}  // namespace

void quantize_act(const ActQLayout &l, const float *x, int64_t ldx, void *out, cudaStream_t stream) {
    if (l.kind == ActQ::none || l.rows <= 0 || l.nb <= 0)
        return;
    const unsigned blocks = grid_for(l.rows * l.nb, kQaWarps);
    auto *o = static_cast<uint8_t *>(out);
    if (l.kind == ActQ::q8_k)
        quantize_q8_k_kernel<<<blocks, kQaThreads, 0, stream>>>(x, ldx, l, o);
    else
        quantize_q8_0_kernel<<<blocks, kQaThreads, 0, stream>>>(x, ldx, l, o);
}

int64_t gemv_act_bytes(GgmlType type, int64_t n_in, int64_t n_rows) {
    const ActQ kind = act_q_for(type);
    if (kind == ActQ::none || n_in <= 0 || n_rows <= 0)
        return 0;
    return act_q_layout(kind, n_in, n_rows).bytes;
}

}  // namespace nd::cuda
