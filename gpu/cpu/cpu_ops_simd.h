#pragma once
// The inner loops of the CPU backend's hot ops (attention, the Mamba scan, norms), one implementation per
// instruction set: scalar (cpu_ops_simd.cpp, any CPU, the reference), AVX2 + FMA + F16C
// (cpu_ops_simd_avx2.cpp) and AVX-512 (cpu_ops_simd_avx512.cpp), each compiled with its own flags. The op
// code (cpu_ops.cpp, cpu_attention.cpp, cpu_mamba.cpp) is written once and calls through the table that
// simd_kernels() picks for cpu_isa_active(), so one binary runs on every x86-64 CPU.
//
// Precision: every variant computes the same formula in f32 (the double sums stay double); they differ only
// in the order of additions, which tests bound against the scalar path.
#include <cstdint>

#include "gpu/cpu/cpu_isa.h"

namespace nd::cpu {

struct SimdKernels {
    CpuIsa isa = CpuIsa::scalar;
    // Σ a[i]·b[i] in f32 lanes (attention q·k).
    float (*dot_f32)(const float *a, const float *b, int64_t n);
    // Σ a[i]·f32(b[i]) for an f16 row b (f16 KV cache; the conversion is exact).
    float (*dot_f16)(const float *a, const uint16_t *b, int64_t n);
    // y[i] += a·x[i] (attention Σ p·v).
    void (*axpy_f32)(float *y, float a, const float *x, int64_t n);
    void (*axpy_f16)(float *y, float a, const uint16_t *x, int64_t n);
    // out[j] = Σ_i q[i]·K[j][i] for j < rows, K rows of n values at stride ldk (scores of one query against
    // a block of cache rows; each is exactly dot_f32 / dot_f16 of that row).
    void (*dots_f32)(float *out, const float *q, const float *k, int64_t ldk, int64_t rows, int64_t n);
    void (*dots_f16)(float *out, const float *q, const uint16_t *k, int64_t ldk, int64_t rows, int64_t n);
    // For each of m query heads a: y[a][i] += Σ_j p[a][j]·V[j][i] for i < n, j in order (the same sums as
    // rows × axpy, kept in registers; the heads share each V load). y rows at stride ldy, p rows at ldp, V
    // rows at ldv.
    void (*wsum_f32)(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const float *v,
                     int64_t ldv, int64_t rows, int64_t n);
    void (*wsum_f16)(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const uint16_t *v,
                     int64_t ldv, int64_t rows, int64_t n);
    // Softmax numerators: p[i] = exp(p[i] − max), returns Σ p[i] (per-vector f32 sums added in double, as
    // ggml's soft_max). The SIMD variants use a polynomial expf (Cephes, within 2 ulp of expf).
    double (*softmax_exp)(float *p, int64_t n, float max);
    // y[i] = silu(a[i]) · b[i] with silu(x) = x / (1 + exp(−x)) (SwiGLU, the Mamba gate); y may alias a or b.
    void (*silu_mul)(float *y, const float *a, const float *b, int64_t n);
    // y[i] = silu(x[i]); y may equal x.
    void (*silu)(float *y, const float *x, int64_t n);
    // One Mamba-2 state row (spec §2.4.1 step 6): s[i] = s[i]·dA + B[i]·x_dt, returns Σ s[i]·C[i].
    float (*scan_row)(float *s, const float *B, const float *C, float dA, float x_dt, int64_t n);
    // One head of one token (spec §2.4.1 step 6 for every p < P): s [P][N] updated, y[p] = Σ s[p]·C + D·x[p].
    // Each row is exactly scan_row with x_dt = x[p]·dt; one call per head lets rows overlap.
    void (*scan_head)(float *s, const float *x, const float *B, const float *C, float dA, float dt, float D,
                      int64_t P, int64_t N, float *y);
    // Σ double(x[i]·x[i]): the products in f32, the sum in double, as ggml's rms_norm.
    double (*sum_sq)(const float *x, int64_t n);
    // y[i] = x[i]·scale·w[i] (norm output; y may equal x).
    void (*scale_mul)(float *y, const float *x, float scale, const float *w, int64_t n);
};

// The table for cpu_isa_active() (re-read on every call, so cpu_isa_set_for_testing takes effect).
const SimdKernels &simd_kernels();
// The table for one instruction set (scalar when it is not compiled in); tests compare them.
const SimdKernels &simd_kernels_for(CpuIsa isa);

// Defined in the per-ISA files; only on x86-64.
const SimdKernels &simd_kernels_avx2();
const SimdKernels &simd_kernels_avx512();

}  // namespace nd::cpu
