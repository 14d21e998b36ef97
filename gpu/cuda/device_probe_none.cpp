// device_probe.h for builds configured without nvcc: every CUDA query answers "unavailable" with the
// reason, so callers show one clear message instead of failing later with a missing symbol.
#include "gpu/cuda/device_probe.h"
#include "gpu/cuda/device_probe_args.h"

namespace nd {
namespace {
constexpr const char *kNoBackend =
    "this build has no CUDA backend: it was configured without nvcc (install the CUDA toolkit and "
    "reconfigure with -DNEMODESK_CUDA=ON); NemoDesk will run on the CPU";
}

bool cuda_backend_compiled() {
    return false;
}
std::string cuda_runtime_version() {
    return {};
}
std::string cuda_driver_version() {
    return {};
}

Status cuda_devices_list(std::vector<CudaDeviceInfo> *out) {
    if (!out)
        return ND_STATUS(StatusCode::invalid_argument, "cuda_devices_list: out must not be null");
    out->clear();
    return ND_STATUS(StatusCode::unavailable, kNoBackend);
}

Status cuda_device_selftest(int ordinal, int n) {
    if (Status args = cuda_selftest_check_arguments(ordinal, n); !args.ok())
        return args;
    return ND_STATUS(StatusCode::unavailable, kNoBackend);
}

}  // namespace nd
