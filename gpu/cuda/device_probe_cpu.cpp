// The CPU twin of the CUDA probe kernel (device_probe.cu). Always compiled: the self-test compares
// against it, and builds without CUDA still expose it for tests.
#include "gpu/cuda/device_probe.h"

namespace nd {

void probe_pattern_cpu(uint32_t seed, int n, uint32_t *out) {
    if (!out || n <= 0)
        return;
    for (int i = 0; i < n; ++i)
        out[i] = (static_cast<uint32_t>(i) * 2654435761u) ^ seed;
}

}  // namespace nd
