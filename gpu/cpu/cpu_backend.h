#pragma once
// The CPU backend: every op of gpu/model/backend.h on host memory, on a thread pool, with SIMD kernels
// chosen at run time (cpu_isa.h). It is the reference the CUDA backend is tested against, and the engine
// on machines without an NVIDIA GPU.
#include <memory>

#include "gpu/model/backend.h"

namespace nd {

struct CpuBackendOptions {
    int n_threads = 0;  // 0: all cores this process may use (cpu::default_thread_count())
};

std::unique_ptr<Backend> cpu_backend_create(const CpuBackendOptions &options = {});

}  // namespace nd
