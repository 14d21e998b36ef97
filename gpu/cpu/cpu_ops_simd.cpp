// The scalar inner loops (the reference every SIMD variant is tested against) and the run-time choice
// between them and the AVX2 / AVX-512 variants.
#include "gpu/cpu/cpu_ops_simd.h"

#include <cmath>

#include "gpu/gguf/ggml_quants.h"

namespace nd::cpu {

namespace {

float dot_f32_scalar(const float *a, const float *b, int64_t n) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i)
        sum += a[i] * b[i];
    return sum;
}

float dot_f16_scalar(const float *a, const uint16_t *b, int64_t n) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i)
        sum += a[i] * ggml_fp16_to_fp32(b[i]);
    return sum;
}

void axpy_f32_scalar(float *y, float a, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        y[i] += a * x[i];
}

void axpy_f16_scalar(float *y, float a, const uint16_t *x, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        y[i] += a * ggml_fp16_to_fp32(x[i]);
}

void dots_f32_scalar(float *out, const float *q, const float *k, int64_t ldk, int64_t rows, int64_t n) {
    for (int64_t j = 0; j < rows; ++j)
        out[j] = dot_f32_scalar(q, k + j * ldk, n);
}

void dots_f16_scalar(float *out, const float *q, const uint16_t *k, int64_t ldk, int64_t rows, int64_t n) {
    for (int64_t j = 0; j < rows; ++j)
        out[j] = dot_f16_scalar(q, k + j * ldk, n);
}

void wsum_f32_scalar(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const float *v,
                     int64_t ldv, int64_t rows, int64_t n) {
    for (int64_t a = 0; a < m; ++a)
        for (int64_t j = 0; j < rows; ++j)
            axpy_f32_scalar(y + a * ldy, p[a * ldp + j], v + j * ldv, n);
}

void wsum_f16_scalar(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, const uint16_t *v,
                     int64_t ldv, int64_t rows, int64_t n) {
    for (int64_t a = 0; a < m; ++a)
        for (int64_t j = 0; j < rows; ++j)
            axpy_f16_scalar(y + a * ldy, p[a * ldp + j], v + j * ldv, n);
}

double softmax_exp_scalar(float *p, int64_t n, float max) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        p[i] = std::exp(p[i] - max);
        sum += static_cast<double>(p[i]);
    }
    return sum;
}

inline float silu1(float x) {
    return x / (1.0f + std::exp(-x));
}

void silu_mul_scalar(float *y, const float *a, const float *b, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        y[i] = silu1(a[i]) * b[i];
}

void silu_scalar(float *y, const float *x, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        y[i] = silu1(x[i]);
}

inline float scan_row_scalar(float *s, const float *B, const float *C, float dA, float x_dt, int64_t n) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
        const float state = s[i] * dA + B[i] * x_dt;
        sum += state * C[i];
        s[i] = state;
    }
    return sum;
}

void scan_head_scalar(float *s, const float *x, const float *B, const float *C, float dA, float dt, float D,
                      int64_t P, int64_t N, float *y) {
    for (int64_t p = 0; p < P; ++p)
        y[p] = scan_row_scalar(s + p * N, B, C, dA, x[p] * dt, N) + x[p] * D;
}

double sum_sq_scalar(const float *x, int64_t n) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
        sum += static_cast<double>(x[i] * x[i]);
    return sum;
}

void scale_mul_scalar(float *y, const float *x, float scale, const float *w, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] * scale * w[i];
}

const SimdKernels kScalar = {
    .isa = CpuIsa::scalar,
    .dot_f32 = dot_f32_scalar,
    .dot_f16 = dot_f16_scalar,
    .axpy_f32 = axpy_f32_scalar,
    .axpy_f16 = axpy_f16_scalar,
    .dots_f32 = dots_f32_scalar,
    .dots_f16 = dots_f16_scalar,
    .wsum_f32 = wsum_f32_scalar,
    .wsum_f16 = wsum_f16_scalar,
    .softmax_exp = softmax_exp_scalar,
    .silu_mul = silu_mul_scalar,
    .silu = silu_scalar,
    .scan_row = scan_row_scalar,
    .scan_head = scan_head_scalar,
    .sum_sq = sum_sq_scalar,
    .scale_mul = scale_mul_scalar,
};

}  // namespace

const SimdKernels &simd_kernels_for(CpuIsa isa) {
    // Never hand out instructions the CPU lacks, whatever a test asks for.
    if (static_cast<int>(isa) > static_cast<int>(cpu_isa_detected()))
        isa = cpu_isa_detected();
#if defined(__x86_64__)
    if (isa == CpuIsa::avx512)
        return simd_kernels_avx512();
    if (isa == CpuIsa::avx2)
        return simd_kernels_avx2();
#endif
    (void)isa;
    return kScalar;
}

const SimdKernels &simd_kernels() {
    return simd_kernels_for(cpu_isa_active());
}

}  // namespace nd::cpu
