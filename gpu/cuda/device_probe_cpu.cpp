// The CPU twin of the CUDA probe kernel (device_probe.cu). Always compiled: the self-test compares
// against it, and builds without CUDA still expose it for tests.
#include "gpu/cuda/device_probe.h"
#include "gpu/cuda/device_probe_args.h"

#include <string>

namespace nd {

void probe_pattern_cpu(uint32_t seed, int n, uint32_t *out) {
    if (!out || n <= 0)
        return;
    for (int i = 0; i < n; ++i)
        out[i] = (static_cast<uint32_t>(i) * 2654435761u) ^ seed;
}

Status cuda_selftest_check_arguments(int ordinal, int n) {
    if (ordinal >= 0 && n > 0 && n <= kCudaSelftestMaxElements)
        return Status::success();
    return ND_STATUS(StatusCode::invalid_argument, "cuda_device_selftest: ordinal must be >= 0 and n in 1.." +
                                                       std::to_string(kCudaSelftestMaxElements) +
                                                       " (got ordinal " + std::to_string(ordinal) + ", n " +
                                                       std::to_string(n) + ")");
}

}  // namespace nd
