#pragma once
// Our own declarations of the small part of NVML (the NVIDIA Management Library) that telemetry uses,
// and a loader that resolves them from the driver's libnvidia-ml.so.1 at run time.
//
// Why not nvml.h: it ships with the CUDA toolkit, not everywhere we build, and linking libnvidia-ml
// would make every binary fail to start on a machine without the NVIDIA driver. The types and
// signatures below follow NVIDIA's public NVML API reference; the layouts of the structs we pass to the
// library are pinned by static_asserts, because a wrong layout corrupts memory silently.
#include <cstdint>
#include <string>

namespace nd {

using NvmlReturn = int;  // nvmlReturn_t (a C enum, int-sized)

// The nvmlReturn_t values we react to; others are only reported through nvmlErrorString.
enum : NvmlReturn {
    nvml_success = 0,
    nvml_error_uninitialized = 1,
    nvml_error_invalid_argument = 2,
    nvml_error_not_supported = 3,
    nvml_error_no_permission = 4,
    nvml_error_not_found = 6,
    nvml_error_insufficient_size = 7,
    nvml_error_driver_not_loaded = 9,
    nvml_error_timeout = 10,
    nvml_error_library_not_found = 12,
    nvml_error_function_not_found = 13,
    nvml_error_gpu_is_lost = 15,
    nvml_error_lib_rm_version_mismatch = 18,
    nvml_error_no_data = 21,
    nvml_error_unknown = 999,
};

struct NvmlDeviceSt;                // opaque
using NvmlDevice = NvmlDeviceSt *;  // nvmlDevice_t

constexpr unsigned nvml_string_buffer_size = 96;  // >= NVML_DEVICE_NAME_V2_BUFFER_SIZE, UUID_V2, driver
constexpr unsigned nvml_temperature_gpu = 0;      // NVML_TEMPERATURE_GPU
constexpr unsigned nvml_clock_sm = 1;             // NVML_CLOCK_SM
constexpr unsigned nvml_clock_mem = 2;            // NVML_CLOCK_MEM
constexpr unsigned long long nvml_value_not_available = ~0ULL;  // NVML_VALUE_NOT_AVAILABLE

struct NvmlPciInfo {  // nvmlPciInfo_t as filled by nvmlDeviceGetPciInfo_v3
    char bus_id_legacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pci_device_id;
    unsigned int pci_sub_system_id;
    char bus_id[32];  // "00000000:3B:00.0"
};
static_assert(sizeof(NvmlPciInfo) == 68, "nvmlPciInfo_t layout");

struct NvmlMemory {  // nvmlMemory_t, bytes
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
};
static_assert(sizeof(NvmlMemory) == 24, "nvmlMemory_t layout");

struct NvmlUtilization {  // nvmlUtilization_t, percent over the last sample period
    unsigned int gpu;
    unsigned int memory;
};
static_assert(sizeof(NvmlUtilization) == 8, "nvmlUtilization_t layout");

// nvmlProcessInfo_v2_t: what nvmlDevice{Compute,Graphics}RunningProcesses_v2 and _v3 fill in.
struct NvmlProcessInfoV2 {
    unsigned int pid;
    unsigned long long used_gpu_memory;  // bytes, or nvml_value_not_available
    unsigned int gpu_instance_id;
    unsigned int compute_instance_id;
};
static_assert(sizeof(NvmlProcessInfoV2) == 24, "nvmlProcessInfo_v2_t layout");

// nvmlProcessInfo_v1_t: what the unversioned (pre-R450) process queries fill in.
struct NvmlProcessInfoV1 {
    unsigned int pid;
    unsigned long long used_gpu_memory;
};
static_assert(sizeof(NvmlProcessInfoV1) == 16, "nvmlProcessInfo_v1_t layout");

// Function table. Required entries are non-null after a successful load; the others are null when the
// installed driver does not export them, and the field they feed stays empty.
struct NvmlApi {
    void *library = nullptr;   // dlopen handle
    std::string library_name;  // the name or path that loaded

    // required
    NvmlReturn (*init_v2)() = nullptr;
    NvmlReturn (*shutdown)() = nullptr;
    NvmlReturn (*device_get_count_v2)(unsigned int *count) = nullptr;
    NvmlReturn (*device_get_handle_by_index_v2)(unsigned int index, NvmlDevice *device) = nullptr;

    // optional
    const char *(*error_string)(NvmlReturn result) = nullptr;
    NvmlReturn (*system_get_driver_version)(char *version, unsigned int length) = nullptr;
    NvmlReturn (*system_get_nvml_version)(char *version, unsigned int length) = nullptr;
    NvmlReturn (*device_get_name)(NvmlDevice device, char *name, unsigned int length) = nullptr;
    NvmlReturn (*device_get_uuid)(NvmlDevice device, char *uuid, unsigned int length) = nullptr;
    NvmlReturn (*device_get_pci_info_v3)(NvmlDevice device, NvmlPciInfo *pci) = nullptr;
    NvmlReturn (*device_get_memory_info)(NvmlDevice device, NvmlMemory *memory) = nullptr;
    NvmlReturn (*device_get_utilization_rates)(NvmlDevice device, NvmlUtilization *utilization) = nullptr;
    NvmlReturn (*device_get_temperature)(NvmlDevice device, unsigned int sensor,
                                         unsigned int *temp_c) = nullptr;
    NvmlReturn (*device_get_power_usage)(NvmlDevice device, unsigned int *power_mw) = nullptr;
    NvmlReturn (*device_get_enforced_power_limit)(NvmlDevice device, unsigned int *limit_mw) = nullptr;
    NvmlReturn (*device_get_clock_info)(NvmlDevice device, unsigned int type,
                                        unsigned int *clock_mhz) = nullptr;
    NvmlReturn (*device_get_max_clock_info)(NvmlDevice device, unsigned int type,
                                            unsigned int *clock_mhz) = nullptr;
    NvmlReturn (*device_get_fan_speed)(NvmlDevice device, unsigned int *speed_pct) = nullptr;
    NvmlReturn (*device_get_cuda_compute_capability)(NvmlDevice device, int *major, int *minor) = nullptr;

    // Process queries: the newest version the driver exports wins (see nvml_api_load).
    using ProcessesV2Fn = NvmlReturn (*)(NvmlDevice device, unsigned int *count, NvmlProcessInfoV2 *infos);
    using ProcessesV1Fn = NvmlReturn (*)(NvmlDevice device, unsigned int *count, NvmlProcessInfoV1 *infos);
    ProcessesV2Fn device_get_compute_processes_v2 = nullptr;   // _v3, else _v2
    ProcessesV1Fn device_get_compute_processes_v1 = nullptr;   // unversioned, only when neither exists
    ProcessesV2Fn device_get_graphics_processes_v2 = nullptr;  // _v3, else _v2
    ProcessesV1Fn device_get_graphics_processes_v1 = nullptr;
};

// Loads NVML. `library` empty: "libnvidia-ml.so.1", then "libnvidia-ml.so". On failure returns false and
// sets *why to a sentence that names the library and the loader's reason; *api is left unloaded.
bool nvml_api_load(const std::string &library, NvmlApi *api, std::string *why);
// Closes the library (the caller has already called shutdown when init succeeded).
void nvml_api_free(NvmlApi *api);

// "Driver Not Loaded (nvml error 9)": the driver's own string when it has one.
std::string nvml_api_error(const NvmlApi &api, NvmlReturn result);

}  // namespace nd
