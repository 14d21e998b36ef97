// CUDA device probe: device enumeration through the CUDA runtime, and a self-test kernel.
//
// Kernel probe_pattern_kernel
//   computes  out[i] = (i * 2654435761u) ^ seed   (Knuth's multiplicative hash, wrapping in uint32)
//   shapes    out: (n,) uint32 in device memory
//   launch    1-D grid-stride loop, 256 threads per block, at most 4096 blocks
//   precision exact integer arithmetic: the GPU result must equal probe_pattern_cpu bit for bit
//
// Why a kernel at all: cudaGetDeviceProperties succeeds even when this binary has no machine code for
// the GPU's architecture. Only a launch reveals that, and we want the user to learn it here, with
// the compute capability named, rather than from a failing model job.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "gpu/cuda/device_probe.h"
#include "gpu/cuda/device_probe_args.h"

#ifndef NEMODESK_CUDA_ARCHITECTURES
#define NEMODESK_CUDA_ARCHITECTURES "unknown"
#endif

namespace nd {
namespace {

constexpr int kThreadsPerBlock = 256;
constexpr int kMaxBlocks = 4096;

__global__ void probe_pattern_kernel(uint32_t seed, int n, uint32_t *out) {
    const int stride = gridDim.x * blockDim.x;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = (static_cast<uint32_t>(i) * 2654435761u) ^ seed;
    }
}

std::string version_string(int version) {
    if (version <= 0)
        return {};
    return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

Status cuda_error_status(cudaError_t error, const char *what, const char *file, int line) {
    const StatusCode code =
        error == cudaErrorMemoryAllocation ? StatusCode::out_of_memory : StatusCode::device_error;
    return Status{code,
                  std::string("CUDA ") + what + " failed: " + cudaGetErrorName(error) + ": " +
                      cudaGetErrorString(error),
                  file, line};
}

#define ND_CUDA_TRY(call)                                                        \
    do {                                                                         \
        const cudaError_t nd_cuda_error_ = (call);                               \
        if (nd_cuda_error_ != cudaSuccess)                                       \
            return cuda_error_status(nd_cuda_error_, #call, __FILE__, __LINE__); \
    } while (0)

std::string visible_devices_note() {
    const char *visible = std::getenv("CUDA_VISIBLE_DEVICES");
    if (!visible)
        return "CUDA_VISIBLE_DEVICES is not set";
    return std::string("CUDA_VISIBLE_DEVICES=\"") + visible + "\"";
}

struct DeviceMemoryDeleter {
    void operator()(uint32_t *p) const { cudaFree(p); }
};

// Restores the calling thread's current device, so a self-test does not move later CUDA work.
class CurrentDeviceGuard {
public:
    CurrentDeviceGuard() { m_ok = cudaGetDevice(&m_device) == cudaSuccess; }
    ~CurrentDeviceGuard() {
        if (m_ok)
            cudaSetDevice(m_device);
    }
    CurrentDeviceGuard(const CurrentDeviceGuard &) = delete;
    CurrentDeviceGuard &operator=(const CurrentDeviceGuard &) = delete;

private:
    int m_device = 0;
    bool m_ok = false;
};

Status launch_failure(cudaError_t error, const CudaDeviceInfo &device) {
    const std::string who = "device " + std::to_string(device.ordinal) + " (" + device.name +
                            ", compute capability " + std::to_string(device.compute_capability_major) + "." +
                            std::to_string(device.compute_capability_minor) + ")";
    if (error == cudaErrorNoKernelImageForDevice || error == cudaErrorInvalidDeviceFunction) {
        return ND_STATUS(StatusCode::unsupported,
                         "this build lacks GPU code for the architecture of " + who +
                             ": it was compiled for CUDA architectures " + NEMODESK_CUDA_ARCHITECTURES +
                             "; use a release build, or rebuild with -DCMAKE_CUDA_ARCHITECTURES=" +
                             std::to_string(device.compute_capability_major) +
                             std::to_string(device.compute_capability_minor) +
                             " (CUDA: " + cudaGetErrorString(error) + ")");
    }
    if (error == cudaErrorUnsupportedPtxVersion) {
        return ND_STATUS(StatusCode::unsupported,
                         "the NVIDIA driver is too old to compile this build's PTX for " + who +
                             ": update the driver (CUDA: " + cudaGetErrorString(error) + ")");
    }
    return cuda_error_status(error, "probe kernel launch", __FILE__, __LINE__);
}

}  // namespace

bool cuda_backend_compiled() {
    return true;
}

std::string cuda_runtime_version() {
    int version = 0;
    if (cudaRuntimeGetVersion(&version) != cudaSuccess)
        return {};
    return version_string(version);
}

std::string cuda_driver_version() {
    int version = 0;  // 0: no driver installed
    if (cudaDriverGetVersion(&version) != cudaSuccess)
        return {};
    return version_string(version);
}

Status cuda_devices_list(std::vector<CudaDeviceInfo> *out) {
    if (!out)
        return ND_STATUS(StatusCode::invalid_argument, "cuda_devices_list: out must not be null");
    out->clear();

    const std::string driver = cuda_driver_version();
    if (driver.empty()) {
        return ND_STATUS(StatusCode::unavailable,
                         "no NVIDIA driver found: the CUDA driver library (libcuda.so.1) is not installed or "
                         "could not be loaded; NemoDesk will run on the CPU");
    }
    int count = 0;
    const cudaError_t error = cudaGetDeviceCount(&count);
    if (error == cudaErrorNoDevice || (error == cudaSuccess && count == 0)) {
        return ND_STATUS(StatusCode::unavailable,
                         "NVIDIA driver found (CUDA " + driver + ") but no CUDA device is visible (" +
                             visible_devices_note() + "); NemoDesk will run on the CPU");
    }
    if (error == cudaErrorInsufficientDriver || error == cudaErrorSystemDriverMismatch ||
        error == cudaErrorCompatNotSupportedOnDevice) {
        return ND_STATUS(StatusCode::unavailable,
                         "the NVIDIA driver supports CUDA " + driver + " but this build uses CUDA runtime " +
                             cuda_runtime_version() +
                             ": update the driver (CUDA: " + cudaGetErrorString(error) + ")");
    }
    ND_CUDA_TRY(error);

    for (int ordinal = 0; ordinal < count; ++ordinal) {
        cudaDeviceProp prop{};
        ND_CUDA_TRY(cudaGetDeviceProperties(&prop, ordinal));
        CudaDeviceInfo info;
        info.ordinal = ordinal;
        info.name = prop.name;
        info.compute_capability_major = prop.major;
        info.compute_capability_minor = prop.minor;
        info.memory_total_mib = static_cast<uint64_t>(prop.totalGlobalMem) / (1024 * 1024);
        info.multiprocessor_count = prop.multiProcessorCount;
        char bus_id[32] = {};  // "0000:3B:00.0"
        ND_CUDA_TRY(cudaDeviceGetPCIBusId(bus_id, sizeof bus_id, ordinal));
        info.pci_bus_id = bus_id;
        out->push_back(std::move(info));
    }
    return Status::success();
}

Status cuda_device_selftest(int ordinal, int n) {
    if (Status args = cuda_selftest_check_arguments(ordinal, n); !args.ok())
        return args;
    std::vector<CudaDeviceInfo> devices;
    Status listed = cuda_devices_list(&devices);
    if (!listed.ok())
        return listed;
    if (ordinal >= static_cast<int>(devices.size())) {
        return ND_STATUS(StatusCode::invalid_argument, "cuda_device_selftest: no CUDA device " +
                                                           std::to_string(ordinal) + "; this process sees " +
                                                           std::to_string(devices.size()) + " (" +
                                                           visible_devices_note() + ")");
    }
    const CudaDeviceInfo &device = devices[static_cast<size_t>(ordinal)];

    CurrentDeviceGuard restore_device;
    ND_CUDA_TRY(cudaSetDevice(ordinal));
    const size_t bytes = static_cast<size_t>(n) * sizeof(uint32_t);
    uint32_t *raw = nullptr;
    ND_CUDA_TRY(cudaMalloc(&raw, bytes));
    std::unique_ptr<uint32_t, DeviceMemoryDeleter> out(raw);  // (n,) uint32
    // Zeroed first, and the seed is odd, so a kernel that never ran cannot pass by accident.
    ND_CUDA_TRY(cudaMemset(out.get(), 0, bytes));
    const uint32_t seed =
        (0x9E3779B9u ^ (static_cast<uint32_t>(ordinal) * 0x85EBCA6Bu) ^ static_cast<uint32_t>(n)) | 1u;

    const int blocks = std::min((n + kThreadsPerBlock - 1) / kThreadsPerBlock, kMaxBlocks);
    probe_pattern_kernel<<<blocks, kThreadsPerBlock>>>(seed, n, out.get());
    cudaError_t error = cudaGetLastError();
    if (error == cudaSuccess)
        error = cudaDeviceSynchronize();
    if (error != cudaSuccess)
        return launch_failure(error, device);

    std::vector<uint32_t> got(static_cast<size_t>(n));
    std::vector<uint32_t> want(static_cast<size_t>(n));
    ND_CUDA_TRY(cudaMemcpy(got.data(), out.get(), bytes, cudaMemcpyDeviceToHost));
    probe_pattern_cpu(seed, n, want.data());

    size_t mismatches = 0;
    size_t first = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        if (got[i] != want[i] && mismatches++ == 0)
            first = i;
    }
    if (mismatches > 0) {
        return ND_STATUS(StatusCode::device_error,
                         "self-test on device " + std::to_string(ordinal) + " (" + device.name +
                             "): " + std::to_string(mismatches) + " of " + std::to_string(n) +
                             " values differ from the CPU (first at index " + std::to_string(first) +
                             ": got " + std::to_string(got[first]) + ", want " + std::to_string(want[first]) +
                             "); the GPU or its driver is not computing correctly");
    }
    return Status::success();
}

}  // namespace nd
