// backend_open.h
#include "gpu/session/backend_open.h"

#include <charconv>

#include "gpu/cpu/cpu_backend.h"
#include "gpu/cuda/cuda_backend.h"
#include "gpu/session/split_backend.h"

namespace nd {

namespace {

// The CUDA backend, whole or sharing the model's layers with the CPU.
Status open_cuda(const CudaBackendOptions &cuda, const CpuBackendOptions &cpu, int64_t gpu_layers,
                 std::unique_ptr<Backend> *out) {
    std::unique_ptr<Backend> device;
    if (Status s = cuda_backend_create(cuda, &device); !s.ok())
        return s;
    if (gpu_layers < 0)
        *out = std::move(device);
    else
        *out = std::make_unique<SplitBackend>(cpu_backend_create(cpu), std::move(device), gpu_layers);
    return Status::success();
}

}  // namespace

Status backend_open(std::string_view spec, const BackendOpenOptions &options, std::unique_ptr<Backend> *out,
                    std::string *note) {
    out->reset();
    CpuBackendOptions cpu;
    cpu.n_threads = options.cpu_threads;
    CudaBackendOptions cuda;
    cuda.graphs = options.cuda_graphs ? CudaGraphs::on : CudaGraphs::off;
    if (spec == "cpu") {
        if (options.gpu_layers >= 0)
            return ND_STATUS(StatusCode::invalid_argument,
                             "--gpu-layers puts layers on a GPU; it needs --device cuda, cuda:N or auto");
        *out = cpu_backend_create(cpu);
        return Status::success();
    }
    if (spec == "auto" || spec.empty()) {
        const Status s = open_cuda(cuda, cpu, options.gpu_layers, out);
        if (s.ok())
            return s;
        if (note)
            *note = "running on the CPU: " + s.message;
        *out = cpu_backend_create(cpu);
        return Status::success();
    }
    if (spec.substr(0, 4) == "cuda") {
        std::string_view rest = spec.substr(4);
        if (!rest.empty()) {
            int device = -1;
            const auto r = rest.size() > 1 && rest[0] == ':'
                               ? std::from_chars(rest.data() + 1, rest.data() + rest.size(), device)
                               : std::from_chars_result{rest.data(), std::errc::invalid_argument};
            if (r.ec != std::errc() || r.ptr != rest.data() + rest.size() || device < 0)
                return ND_STATUS(
                    StatusCode::invalid_argument,
                    "device '" + std::string(spec) + "': write cuda:N with N a device number (cuda:0)");
            cuda.device = device;
        }
        return open_cuda(cuda, cpu, options.gpu_layers, out);
    }
    return ND_STATUS(StatusCode::invalid_argument,
                     "device '" + std::string(spec) + "' is not one of cpu, cuda, cuda:N, auto");
}

}  // namespace nd
