#pragma once
// Choosing where the engine runs from what a user types: "cpu", "cuda", "cuda:N" or "auto" (the first
// CUDA device when this build has CUDA and the machine a usable GPU, else the CPU). Shared by nemoctl's
// eval/run/bench and every later user of the engine.
#include <memory>
#include <string>
#include <string_view>

#include "gpu/common/status.h"
#include "gpu/model/backend.h"

namespace nd {

struct BackendOpenOptions {
    int cpu_threads = 0;  // 0: every core this process may use
    bool cuda_graphs = true;
    // --gpu-layers N: < 0 runs the whole model on the device chosen; N >= 0 on a CUDA device puts only the
    // last N layers (and the output) there and the rest on the CPU (split_backend.h).
    int64_t gpu_layers = -1;
};

// invalid_argument for a spec that is none of the forms above, or for gpu_layers with "cpu"; unavailable
// (with the reason) for "cuda…" on a machine or build without it. With "auto", *note (when given) says why
// the CPU was chosen.
Status backend_open(std::string_view spec, const BackendOpenOptions &options, std::unique_ptr<Backend> *out,
                    std::string *note = nullptr);

}  // namespace nd
