#pragma once
// A status value returned across the gpu/ module boundary: a code, a message a person can act on, and
// the place it came from. gpu/ never exits or throws across its API.
#include <string>
#include <utility>

namespace nd {

enum class StatusCode {
    ok = 1,
    invalid_argument,
    not_found,
    unavailable,  // the thing exists in principle but not here (no driver, no GPU, not compiled in)
    io_error,
    unsupported,
    out_of_memory,
    device_error,  // a CUDA or NVML call failed
    internal,
};

const char *status_code_name(StatusCode code);

struct Status {
    StatusCode code = StatusCode::ok;
    std::string message;
    const char *file = "";
    int line = 0;

    bool ok() const { return code == StatusCode::ok; }
    static Status success() { return {}; }
    // "device_error: NVML nvmlInit_v2 failed: Driver Not Loaded (gpu/telemetry/nvml_loader.cpp:42)"
    std::string describe() const;
};

}  // namespace nd

#define ND_STATUS(code, msg) (::nd::Status{(code), (msg), __FILE__, __LINE__})
