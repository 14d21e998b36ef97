#pragma once
// cuBLAS, loaded when the CUDA backend first needs it (dlopen), never a link-time dependency: every
// NemoDesk program then starts on machines without the CUDA toolkit, and only a CUDA backend asks for
// libcublas.so.13 — with a message that says what to install when it is missing.
#include <cublas_v2.h>

#include "gpu/common/status.h"

namespace nd::cuda {

struct CublasApi {
    cublasStatus_t (*create)(cublasHandle_t *);
    cublasStatus_t (*destroy)(cublasHandle_t);
    cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t);
    cublasStatus_t (*sgemm)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                            const float *, const float *, int, const float *, int, const float *, float *,
                            int);
    cublasStatus_t (*gemm_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                              const void *, const void *, cudaDataType, int, const void *, cudaDataType, int,
                              const void *, void *, cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t);
    cublasStatus_t (*gemm_strided_batched_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int,
                                              int, const void *, const void *, cudaDataType, int, long long,
                                              const void *, cudaDataType, int, long long, const void *,
                                              void *, cudaDataType, int, long long, int, cublasComputeType_t,
                                              cublasGemmAlgo_t);
    const char *(*status_name)(cublasStatus_t);
    const char *(*status_string)(cublasStatus_t);
};

// The library's functions, loaded once (thread-safe); unavailable with what to install when it is missing.
Status cublas_load(const CublasApi **out);

}  // namespace nd::cuda
