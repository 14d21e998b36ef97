#pragma once
// GPU telemetry: the inventory and live samples of this machine's NVIDIA GPUs.
//
// Sources, chosen by telemetry_open():
//   nvml  - the driver's libnvidia-ml.so.1, loaded at run time with dlopen (no link-time dependency on
//           the driver, so the same binary runs on machines without one);
//   fake  - a synthetic inventory ("2x24576" = two 24 GiB GPUs) for machines without GPUs and for tests;
//           every GPU and sample is marked synthetic and named so that no one mistakes it for hardware;
//   none  - no driver or no GPU: an empty inventory and a message that says why.
// Not thread-safe: one Telemetry is used by one thread at a time.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gpu/common/status.h"

namespace nd {

enum class TelemetrySource { nvml = 1, fake = 2, none = 3 };
const char *telemetry_source_name(TelemetrySource source);  // "nvml", "fake", "none"

struct GpuInfo {
    int index = 0;  // NVML index (the order CUDA_VISIBLE_DEVICES uses with PCI_BUS_ID order)
    std::string name;
    std::string uuid;        // "GPU-…"
    std::string pci_bus_id;  // "00000000:3B:00.0"
    uint64_t memory_total_mib = 0;
    std::optional<int> compute_capability_major;
    std::optional<int> compute_capability_minor;
    std::optional<double> power_limit_w;
    std::optional<int> clock_sm_max_mhz;
    std::optional<int> clock_mem_max_mhz;
    bool synthetic = false;
};

struct GpuProcessUsage {
    uint32_t pid = 0;
    std::optional<uint64_t> used_mib;  // unknown under some drivers/containers
    bool graphics = false;             // false: compute process
};

// One reading of one GPU. Fields are empty when the GPU or driver does not report them.
struct GpuSample {
    int index = 0;
    int64_t time_ms = 0;  // Unix epoch, milliseconds
    uint64_t memory_total_mib = 0;
    uint64_t memory_used_mib = 0;
    std::optional<double> utilization_gpu_pct;
    std::optional<double> utilization_memory_pct;
    std::optional<double> temperature_c;
    std::optional<double> power_w;
    std::optional<int> clock_sm_mhz;
    std::optional<int> clock_mem_mhz;
    std::optional<int> fan_pct;
    std::vector<GpuProcessUsage> processes;
    bool synthetic = false;
};

struct TelemetryOptions {
    // Non-empty: a synthetic inventory instead of NVML. Grammar: ITEM[,ITEM…], ITEM = [COUNTx]MEMORY_MIB,
    // e.g. "2x24576" or "1x81920,1x24576". Comes from NEMODESK_FAKE_GPUS in the service layer.
    std::string fake_spec;
    // Empty: the driver's library by its usual names. Tests point it elsewhere to exercise "no driver".
    std::string nvml_library;
};

struct Telemetry;  // opaque

// Opens a telemetry source. A missing driver or GPU is not an error: the result has source none and
// telemetry_message() says why. Errors are for bad options (an unparsable fake_spec).
Status telemetry_open(const TelemetryOptions &options, Telemetry **out);
void telemetry_free(Telemetry *telemetry);

TelemetrySource telemetry_source(const Telemetry *telemetry);
// Human-readable state: "NVML 12.550.54 driver 550.54.15", "no NVIDIA driver found (libnvidia-ml.so.1: …)".
const std::string &telemetry_message(const Telemetry *telemetry);
const std::string &telemetry_driver_version(const Telemetry *telemetry);  // "" when unknown
const std::vector<GpuInfo> &telemetry_inventory(const Telemetry *telemetry);

// Reads every GPU once. time_ms stamps the samples (Unix epoch ms). A GPU that fails to answer keeps its
// slot with empty fields; the call fails only when nothing could be read.
Status telemetry_sample(Telemetry *telemetry, int64_t time_ms, std::vector<GpuSample> *out);

// Parses a fake spec into per-GPU memory sizes (exposed for validation messages and tests).
Status telemetry_parse_fake_spec(const std::string &spec, std::vector<uint64_t> *memory_mib);

struct TelemetryDeleter {
    void operator()(Telemetry *t) const { telemetry_free(t); }
};
using TelemetryPtr = std::unique_ptr<Telemetry, TelemetryDeleter>;

}  // namespace nd
