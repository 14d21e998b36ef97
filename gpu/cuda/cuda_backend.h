#pragma once
// The CUDA backend: every op of gpu/model/backend.h on an NVIDIA GPU (kernels in gpu/cuda/cuda_*.cu, the
// CPU backend is their reference). Weights are uploaded once per model into one device allocation and keep
// their GGUF types; one-token decode steps run as a CUDA graph captured once and replayed.
//
// Built always: without CUDA in the build (or without a driver or device at run time) create() returns
// `unavailable` with the reason, so callers need no #ifdef.
#include <memory>

#include "gpu/common/status.h"
#include "gpu/model/backend.h"

namespace nd {

enum class CudaGraphs { on = 1, off = 2 };

struct CudaBackendOptions {
    int device = 0;                      // CUDA ordinal (after CUDA_VISIBLE_DEVICES)
    CudaGraphs graphs = CudaGraphs::on;  // decode steps as a replayed CUDA graph
};

// unavailable: no CUDA in this build, no driver, or no such device (the message says which).
Status cuda_backend_create(const CudaBackendOptions &options, std::unique_ptr<Backend> *out);

}  // namespace nd
