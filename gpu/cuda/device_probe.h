#pragma once
// CUDA device probe: which devices the CUDA runtime sees, and a self-test that launches a kernel on one
// and checks its result against the CPU. The self-test is what tells a user "this build has no code for
// your GPU" (a missing architecture) before a model job fails with it.
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/common/status.h"

namespace nd {

struct CudaDeviceInfo {
    int ordinal = 0;
    std::string name;
    int compute_capability_major = 0;
    int compute_capability_minor = 0;
    uint64_t memory_total_mib = 0;
    int multiprocessor_count = 0;
    std::string pci_bus_id;
};

// True when this build compiled the CUDA backend (nvcc was found at configure time).
bool cuda_backend_compiled();
// "13.0" or "" when not compiled in.
std::string cuda_runtime_version();
// The newest CUDA version the installed driver supports ("13.0"), or "" when there is no driver or
// no CUDA backend in this build.
std::string cuda_driver_version();

// Devices visible to this process (after CUDA_VISIBLE_DEVICES). unavailable: not compiled in, no driver,
// or no device; the message says which.
Status cuda_devices_list(std::vector<CudaDeviceInfo> *out);

// Largest n cuda_device_selftest accepts (256 MiB of device memory).
constexpr int kCudaSelftestMaxElements = 1 << 26;

// Launches the probe kernel on `ordinal` over `n` elements (1..kCudaSelftestMaxElements) and compares
// with its CPU twin. Leaves the calling thread's current device as it found it.
Status cuda_device_selftest(int ordinal, int n);

// The CPU twin of the probe kernel: out[i] = (i * 2654435761u) ^ seed.
void probe_pattern_cpu(uint32_t seed, int n, uint32_t *out);

}  // namespace nd
