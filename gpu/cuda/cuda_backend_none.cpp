// cuda_backend_create without CUDA in the build: says so, so callers need no #ifdef.
#include "gpu/cuda/cuda_backend.h"

namespace nd {

Status cuda_backend_create(const CudaBackendOptions &, std::unique_ptr<Backend> *out) {
    out->reset();
    return ND_STATUS(StatusCode::unavailable,
                     "this build of NemoDesk has no CUDA backend (nvcc was not found when it was built); "
                     "rebuild with the CUDA toolkit installed, or run on the CPU (--device cpu)");
}

}  // namespace nd
