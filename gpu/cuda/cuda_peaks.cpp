// cuda_peaks.h
#include "gpu/cuda/cuda_peaks.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>

#include "gpu/cuda/cublas_loader.h"
#include "gpu/cuda/cuda_check.h"

namespace nd {

namespace {

template <typename Fn>
Status best_ms(cudaStream_t s, int reps, Fn run, float *best) {
    cudaEvent_t a = nullptr, b = nullptr;
    if (Status st = ND_CUDA(cudaEventCreate(&a)); !st.ok())
        return st;
    if (Status st = ND_CUDA(cudaEventCreate(&b)); !st.ok()) {
        cudaEventDestroy(a);
        return st;
    }
    *best = 1e30f;
    Status st;
    for (int i = 0; i < reps && st.ok(); ++i) {
        cudaEventRecord(a, s);
        run();
        cudaEventRecord(b, s);
        st = ND_CUDA(cudaEventSynchronize(b));
        float ms = 0;
        cudaEventElapsedTime(&ms, a, b);
        if (i > 0)  // the first is a warm-up
            *best = std::min(*best, ms);
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return st;
}

}  // namespace

Status cuda_measure_peaks(int device, CudaPeaks *out) {
    if (Status s = ND_CUDA(cudaSetDevice(device)); !s.ok()) {
        s.code = StatusCode::unavailable;
        return s;
    }
    cudaStream_t stream = nullptr;
    if (Status s = ND_CUDA(cudaStreamCreate(&stream)); !s.ok())
        return s;
    const size_t bytes = size_t{1} << 30;
    void *a = nullptr, *b = nullptr;
    Status st = ND_CUDA(cudaMalloc(&a, bytes));
    if (st.ok())
        st = ND_CUDA(cudaMalloc(&b, bytes));
    float ms = 0;
    if (st.ok())
        st = best_ms(
            stream, 11, [&] { cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, stream); }, &ms);
    if (st.ok())
        out->copy_gb_per_s = 2.0 * static_cast<double>(bytes) / (ms * 1e-3) / 1e9;
    cublasHandle_t h = nullptr;
    const cuda::CublasApi *blas = nullptr;
    if (st.ok())
        st = cuda::cublas_load(&blas);
    if (st.ok())
        st = ND_CUBLAS(blas->create(&h));
    if (st.ok())
        st = ND_CUBLAS(blas->set_stream(h, stream));
    if (st.ok()) {
        // 8192² f16 operands fit in the two 1 GiB buffers (128 MiB each); C (f32, 256 MiB) after A in a.
        const int n = 8192;
        const float one = 1.0f, zero = 0.0f;
        auto *A = static_cast<uint8_t *>(a), *B = static_cast<uint8_t *>(b);
        cudaMemsetAsync(a, 0, bytes, stream);
        cudaMemsetAsync(b, 0, bytes, stream);
        void *C = A + (size_t{n} * n * 2);
        st = best_ms(
            stream, 11,
            [&] {
                blas->gemm_ex(h, CUBLAS_OP_T, CUBLAS_OP_N, n, n, n, &one, A, CUDA_R_16F, n, B, CUDA_R_16F, n,
                              &zero, C, CUDA_R_32F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
            },
            &ms);
        if (st.ok())
            out->f16_tflops = 2.0 * n * static_cast<double>(n) * n / (ms * 1e-3) / 1e12;
    }
    if (h)
        blas->destroy(h);
    cudaFree(a);
    cudaFree(b);
    cudaStreamDestroy(stream);
    return st;
}

}  // namespace nd
