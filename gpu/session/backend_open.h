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
};

// invalid_argument for a spec that is none of the forms above; unavailable (with the reason) for "cuda…"
// on a machine or build without it. With "auto", *note (when given) says why the CPU was chosen.
Status backend_open(std::string_view spec, const BackendOpenOptions &options, std::unique_ptr<Backend> *out,
                    std::string *note = nullptr);

}  // namespace nd
