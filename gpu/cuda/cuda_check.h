#pragma once
// CUDA and cuBLAS results as nd::Status values: the call, the file and line, and the runtime's words.
// Never an abort: the backend records the first failure and reports it from sync().
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "gpu/common/status.h"

namespace nd::cuda {

inline Status cuda_status(cudaError_t err, const char *call, const char *file, int line) {
    if (err == cudaSuccess)
        return Status::success();
    const StatusCode code =
        err == cudaErrorMemoryAllocation ? StatusCode::out_of_memory : StatusCode::device_error;
    return Status{
        code, std::string(call) + " failed: " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")",
        file, line};
}

// cuBLAS is loaded at run time (cublas_loader.h): its status text comes from there when it is loaded.
std::string cublas_status_text(cublasStatus_t err);

inline Status cublas_status(cublasStatus_t err, const char *call, const char *file, int line) {
    if (err == CUBLAS_STATUS_SUCCESS)
        return Status::success();
    const StatusCode code =
        err == CUBLAS_STATUS_ALLOC_FAILED ? StatusCode::out_of_memory : StatusCode::device_error;
    return Status{code, std::string(call) + " failed: " + cublas_status_text(err), file, line};
}

}  // namespace nd::cuda

// A Status for a CUDA runtime call: ND_CUDA(cudaMalloc(&p, n)).
#define ND_CUDA(call) (::nd::cuda::cuda_status((call), #call, __FILE__, __LINE__))
#define ND_CUBLAS(call) (::nd::cuda::cublas_status((call), #call, __FILE__, __LINE__))
