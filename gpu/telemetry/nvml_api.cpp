// Loads libnvidia-ml at run time and resolves the NVML entry points declared in nvml_api.h.
#include "gpu/telemetry/nvml_api.h"

#include <dlfcn.h>

namespace nd {
namespace {

// dlsym returns void*; POSIX guarantees it converts to a function pointer. One place for the cast.
template <typename Fn>
void resolve(void *library, const char *symbol, Fn *out) {
    void *address = dlsym(library, symbol);
    *out = reinterpret_cast<Fn>(address);
}

std::string last_dl_error() {
    const char *error = dlerror();
    return error ? std::string(error) : std::string("unknown loader error");
}

// Names for the codes we may meet when the driver's nvmlErrorString is missing.
const char *fallback_error_name(NvmlReturn result) {
    switch (result) {
        case nvml_success:
            return "Success";
        case nvml_error_uninitialized:
            return "Uninitialized";
        case nvml_error_invalid_argument:
            return "Invalid Argument";
        case nvml_error_not_supported:
            return "Not Supported";
        case nvml_error_no_permission:
            return "Insufficient Permissions";
        case nvml_error_not_found:
            return "Not Found";
        case nvml_error_insufficient_size:
            return "Insufficient Size";
        case nvml_error_driver_not_loaded:
            return "Driver Not Loaded";
        case nvml_error_timeout:
            return "Timeout";
        case nvml_error_library_not_found:
            return "NVML Shared Library Not Found";
        case nvml_error_function_not_found:
            return "Function Not Found";
        case nvml_error_gpu_is_lost:
            return "GPU is lost";
        case nvml_error_lib_rm_version_mismatch:
            return "RM has detected an NVML/RM version mismatch";
        case nvml_error_no_data:
            return "No data";
        default:
            return "Unknown Error";
    }
}

}  // namespace

bool nvml_api_load(const std::string &library, NvmlApi *api, std::string *why) {
    *api = NvmlApi{};
    // The versioned soname is what the driver package installs; the unversioned one exists only with
    // development packages, so it is the fallback. The first error is the one worth reporting.
    const char *defaults[] = {"libnvidia-ml.so.1", "libnvidia-ml.so"};
    std::string first_error;
    void *handle = nullptr;
    if (!library.empty()) {
        handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle)
            first_error = last_dl_error();
        api->library_name = library;
    } else {
        for (const char *name : defaults) {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (handle) {
                api->library_name = name;
                break;
            }
            if (first_error.empty())
                first_error = last_dl_error();
        }
        if (!handle)
            api->library_name = defaults[0];
    }
    if (!handle) {
        *why = api->library_name + " could not be loaded (" + first_error + ")";
        return false;
    }
    api->library = handle;

    resolve(handle, "nvmlInit_v2", &api->init_v2);
    resolve(handle, "nvmlShutdown", &api->shutdown);
    resolve(handle, "nvmlDeviceGetCount_v2", &api->device_get_count_v2);
    resolve(handle, "nvmlDeviceGetHandleByIndex_v2", &api->device_get_handle_by_index_v2);
    const char *missing = !api->init_v2                         ? "nvmlInit_v2"
                          : !api->shutdown                      ? "nvmlShutdown"
                          : !api->device_get_count_v2           ? "nvmlDeviceGetCount_v2"
                          : !api->device_get_handle_by_index_v2 ? "nvmlDeviceGetHandleByIndex_v2"
                                                                : nullptr;
    if (missing) {
        *why = api->library_name + " loaded but is not a usable NVIDIA management library: it has no " +
               missing + " (the driver may be older than R418)";
        nvml_api_free(api);
        return false;
    }

    resolve(handle, "nvmlErrorString", &api->error_string);
    resolve(handle, "nvmlSystemGetDriverVersion", &api->system_get_driver_version);
    resolve(handle, "nvmlSystemGetNVMLVersion", &api->system_get_nvml_version);
    resolve(handle, "nvmlDeviceGetName", &api->device_get_name);
    resolve(handle, "nvmlDeviceGetUUID", &api->device_get_uuid);
    resolve(handle, "nvmlDeviceGetPciInfo_v3", &api->device_get_pci_info_v3);
    resolve(handle, "nvmlDeviceGetMemoryInfo", &api->device_get_memory_info);
    resolve(handle, "nvmlDeviceGetUtilizationRates", &api->device_get_utilization_rates);
    resolve(handle, "nvmlDeviceGetTemperature", &api->device_get_temperature);
    resolve(handle, "nvmlDeviceGetPowerUsage", &api->device_get_power_usage);
    resolve(handle, "nvmlDeviceGetEnforcedPowerLimit", &api->device_get_enforced_power_limit);
    resolve(handle, "nvmlDeviceGetClockInfo", &api->device_get_clock_info);
    resolve(handle, "nvmlDeviceGetMaxClockInfo", &api->device_get_max_clock_info);
    resolve(handle, "nvmlDeviceGetFanSpeed", &api->device_get_fan_speed);
    resolve(handle, "nvmlDeviceGetCudaComputeCapability", &api->device_get_cuda_compute_capability);

    // _v3 and _v2 take the same nvmlProcessInfo_v2_t array; the unversioned query takes the older,
    // shorter struct and is used only on drivers that have nothing newer.
    resolve(handle, "nvmlDeviceGetComputeRunningProcesses_v3", &api->device_get_compute_processes_v2);
    if (!api->device_get_compute_processes_v2)
        resolve(handle, "nvmlDeviceGetComputeRunningProcesses_v2", &api->device_get_compute_processes_v2);
    if (!api->device_get_compute_processes_v2)
        resolve(handle, "nvmlDeviceGetComputeRunningProcesses", &api->device_get_compute_processes_v1);
    resolve(handle, "nvmlDeviceGetGraphicsRunningProcesses_v3", &api->device_get_graphics_processes_v2);
    if (!api->device_get_graphics_processes_v2)
        resolve(handle, "nvmlDeviceGetGraphicsRunningProcesses_v2", &api->device_get_graphics_processes_v2);
    if (!api->device_get_graphics_processes_v2)
        resolve(handle, "nvmlDeviceGetGraphicsRunningProcesses", &api->device_get_graphics_processes_v1);
    return true;
}

void nvml_api_free(NvmlApi *api) {
    if (api->library)
        dlclose(api->library);
    *api = NvmlApi{};
}

std::string nvml_api_error(const NvmlApi &api, NvmlReturn result) {
    const char *text = api.error_string ? api.error_string(result) : nullptr;
    if (!text || !*text)
        text = fallback_error_name(result);
    return std::string(text) + " (nvml error " + std::to_string(result) + ")";
}

}  // namespace nd
