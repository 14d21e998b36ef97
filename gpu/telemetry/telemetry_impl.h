#pragma once
// Private to gpu/telemetry: the Telemetry object behind the opaque pointer in telemetry.h, and the
// two sources it dispatches to (NVML and synthetic).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gpu/telemetry/telemetry.h"

namespace nd {

// ---- NVML source (nvml_source.cpp) ----------------------------------------------------------------
struct NvmlSession;  // the loaded library, nvmlInit done, one device handle per inventory slot
void nvml_session_free(NvmlSession *session);
struct NvmlSessionDeleter {
    void operator()(NvmlSession *s) const { nvml_session_free(s); }
};
using NvmlSessionPtr = std::unique_ptr<NvmlSession, NvmlSessionDeleter>;

struct NvmlOpenResult {
    NvmlSessionPtr session;  // null: no driver, no GPU, or NVML failed to start; message says which
    std::string message;
    std::string driver_version;
    std::vector<GpuInfo> inventory;
};
// Never fails in the Status sense: "no driver" is a normal state of the machine, not an error.
NvmlOpenResult nvml_source_open(const std::string &library);
Status nvml_source_sample(NvmlSession *session, int64_t time_ms, std::vector<GpuSample> *out);

// ---- synthetic source (fake_source.cpp) -----------------------------------------------------------
std::vector<GpuInfo> fake_source_inventory(const std::vector<uint64_t> &memory_mib);
// A pure function of the GPU's specs and time_ms: same inputs, same sample.
GpuSample fake_source_sample(const GpuInfo &gpu, int64_t time_ms);

// ---- the object behind the opaque pointer ---------------------------------------------------------
struct Telemetry {
    TelemetrySource source = TelemetrySource::none;
    std::string message;
    std::string driver_version;
    std::vector<GpuInfo> inventory;
    NvmlSessionPtr nvml;  // source nvml only
};

}  // namespace nd
