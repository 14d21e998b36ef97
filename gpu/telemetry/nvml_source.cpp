// The NVML telemetry source: inventory at open, one reading per GPU per telemetry_sample call.
// Every optional NVML entry point may be missing (older driver) and every query may answer
// NOT_SUPPORTED (MIG, vGPU, passively cooled cards): the field then stays empty, never a failure.
#include <algorithm>
#include <optional>

#include "gpu/telemetry/nvml_api.h"
#include "gpu/telemetry/telemetry_impl.h"

namespace nd {

struct NvmlSession {
    NvmlApi api;
    bool initialized = false;
    std::vector<NvmlDevice> devices;  // one per inventory slot; null when NVML gave no handle
    std::vector<uint64_t> memory_total_mib;
};

void nvml_session_free(NvmlSession *session) {
    if (!session)
        return;
    if (session->initialized)
        session->api.shutdown();  // NVML counts inits; this releases ours only
    nvml_api_free(&session->api);
    delete session;
}

namespace {

constexpr uint64_t kBytesPerMib = 1024 * 1024;
constexpr const char *kCpuFallback = "; NemoDesk will run on the CPU";

using StringQuery = NvmlReturn (*)(NvmlDevice, char *, unsigned int);

std::optional<std::string> query_string(StringQuery fn, NvmlDevice device) {
    if (!fn)
        return std::nullopt;
    char buffer[nvml_string_buffer_size] = {};
    if (fn(device, buffer, sizeof buffer) != nvml_success)
        return std::nullopt;
    buffer[sizeof buffer - 1] = '\0';
    return std::string(buffer);
}

std::string query_system_string(NvmlReturn (*fn)(char *, unsigned int)) {
    if (!fn)
        return {};
    char buffer[nvml_string_buffer_size] = {};
    if (fn(buffer, sizeof buffer) != nvml_success)
        return {};
    buffer[sizeof buffer - 1] = '\0';
    return buffer;
}

std::optional<unsigned> query_uint(NvmlReturn (*fn)(NvmlDevice, unsigned int *), NvmlDevice device) {
    unsigned value = 0;
    if (fn && fn(device, &value) == nvml_success)
        return value;
    return std::nullopt;
}

std::optional<unsigned> query_clock(NvmlReturn (*fn)(NvmlDevice, unsigned int, unsigned int *),
                                    NvmlDevice device, unsigned type) {
    unsigned value = 0;
    if (fn && fn(device, type, &value) == nvml_success)
        return value;
    return std::nullopt;
}

std::string init_failure_message(const NvmlApi &api, NvmlReturn rc) {
    const std::string error = nvml_api_error(api, rc);
    std::string why;
    switch (rc) {
        case nvml_error_driver_not_loaded:
            why = "the NVIDIA kernel driver is not loaded (" + error +
                  "); check that `nvidia-smi` works, or reboot after installing the driver";
            break;
        case nvml_error_lib_rm_version_mismatch:
            why = "the driver library and the loaded kernel module are different versions (" + error +
                  "), usually after a driver update: reboot";
            break;
        case nvml_error_no_permission:
            why = "no permission to open the GPU devices (" + error +
                  "); check the permissions of /dev/nvidia* or your user's groups";
            break;
        default:
            why = "NVML failed to start (" + error + ")";
            break;
    }
    return "NVIDIA driver library " + api.library_name + " found, but " + why + kCpuFallback;
}

GpuInfo read_info(const NvmlApi &api, unsigned index, NvmlDevice device) {
    GpuInfo gpu;
    gpu.index = static_cast<int>(index);
    gpu.name = query_string(api.device_get_name, device).value_or("NVIDIA GPU " + std::to_string(index));
    gpu.uuid = query_string(api.device_get_uuid, device).value_or("");
    NvmlPciInfo pci{};
    if (api.device_get_pci_info_v3 && api.device_get_pci_info_v3(device, &pci) == nvml_success) {
        pci.bus_id[sizeof pci.bus_id - 1] = '\0';
        gpu.pci_bus_id = pci.bus_id;
    }
    NvmlMemory memory{};
    if (api.device_get_memory_info && api.device_get_memory_info(device, &memory) == nvml_success)
        gpu.memory_total_mib = memory.total / kBytesPerMib;
    int major = 0, minor = 0;
    if (api.device_get_cuda_compute_capability &&
        api.device_get_cuda_compute_capability(device, &major, &minor) == nvml_success) {
        gpu.compute_capability_major = major;
        gpu.compute_capability_minor = minor;
    }
    if (auto limit_mw = query_uint(api.device_get_enforced_power_limit, device))
        gpu.power_limit_w = *limit_mw / 1000.0;
    if (auto mhz = query_clock(api.device_get_max_clock_info, device, nvml_clock_sm))
        gpu.clock_sm_max_mhz = static_cast<int>(*mhz);
    if (auto mhz = query_clock(api.device_get_max_clock_info, device, nvml_clock_mem))
        gpu.clock_mem_max_mhz = static_cast<int>(*mhz);
    gpu.synthetic = false;
    return gpu;
}

// Two-call protocol: ask for the count, then fill. Processes can start between the calls, so the
// buffer has slack and a second INSUFFICIENT_SIZE retries a few times.
template <typename Info>
NvmlReturn query_processes(NvmlReturn (*fn)(NvmlDevice, unsigned int *, Info *), NvmlDevice device,
                           std::vector<Info> *out) {
    out->clear();
    unsigned count = 0;
    NvmlReturn rc = fn(device, &count, nullptr);
    for (int attempt = 0; attempt < 4 && rc == nvml_error_insufficient_size; ++attempt) {
        out->assign(count + 8, Info{});
        count = static_cast<unsigned>(out->size());
        rc = fn(device, &count, out->data());
    }
    if (rc == nvml_success)
        out->resize(std::min<size_t>(count, out->size()));
    else
        out->clear();
    return rc;
}

template <typename Info>
void append_processes(const std::vector<Info> &infos, bool graphics, std::vector<GpuProcessUsage> *out) {
    for (const Info &info : infos) {
        // A process that does both compute and graphics is listed twice; keep the first (compute) entry.
        const bool listed = std::any_of(out->begin(), out->end(),
                                        [&](const GpuProcessUsage &p) { return p.pid == info.pid; });
        if (listed)
            continue;
        GpuProcessUsage usage;
        usage.pid = info.pid;
        if (info.used_gpu_memory != nvml_value_not_available)
            usage.used_mib = info.used_gpu_memory / kBytesPerMib;
        usage.graphics = graphics;
        out->push_back(usage);
    }
}

void read_processes(const NvmlApi &api, NvmlDevice device, std::vector<GpuProcessUsage> *out) {
    std::vector<NvmlProcessInfoV2> v2;
    std::vector<NvmlProcessInfoV1> v1;
    if (api.device_get_compute_processes_v2) {
        if (query_processes(api.device_get_compute_processes_v2, device, &v2) == nvml_success)
            append_processes(v2, false, out);
    } else if (api.device_get_compute_processes_v1) {
        if (query_processes(api.device_get_compute_processes_v1, device, &v1) == nvml_success)
            append_processes(v1, false, out);
    }
    if (api.device_get_graphics_processes_v2) {
        if (query_processes(api.device_get_graphics_processes_v2, device, &v2) == nvml_success)
            append_processes(v2, true, out);
    } else if (api.device_get_graphics_processes_v1) {
        if (query_processes(api.device_get_graphics_processes_v1, device, &v1) == nvml_success)
            append_processes(v1, true, out);
    }
}

}  // namespace

NvmlOpenResult nvml_source_open(const std::string &library) {
    NvmlOpenResult result;
    NvmlSessionPtr session(new NvmlSession);
    std::string why;
    if (!nvml_api_load(library, &session->api, &why)) {
        result.message = "no NVIDIA driver found: " + why + kCpuFallback;
        return result;
    }
    const NvmlApi &api = session->api;
    const NvmlReturn init_rc = api.init_v2();
    if (init_rc != nvml_success) {
        result.message = init_failure_message(api, init_rc);
        return result;
    }
    session->initialized = true;

    result.driver_version = query_system_string(api.system_get_driver_version);
    const std::string nvml_version = query_system_string(api.system_get_nvml_version);
    const std::string driver_label = result.driver_version.empty() ? "unknown" : result.driver_version;

    unsigned count = 0;
    const NvmlReturn count_rc = api.device_get_count_v2(&count);
    if (count_rc != nvml_success) {
        result.message = "NVIDIA driver " + driver_label + " found, but NVML could not count the GPUs (" +
                         nvml_api_error(api, count_rc) + ")" + kCpuFallback;
        return result;
    }
    if (count == 0) {
        result.message =
            "NVIDIA driver found but no GPU: driver " + driver_label +
            " reports no devices (check CUDA_VISIBLE_DEVICES/NVIDIA_VISIBLE_DEVICES and `nvidia-smi`)" +
            kCpuFallback;
        return result;
    }

    int unanswered = 0;
    for (unsigned i = 0; i < count; ++i) {
        NvmlDevice device = nullptr;
        const NvmlReturn rc = api.device_get_handle_by_index_v2(i, &device);
        if (rc != nvml_success) {
            // Keep the slot so indices stay those of nvidia-smi; the name says what went wrong.
            GpuInfo gpu;
            gpu.index = static_cast<int>(i);
            gpu.name =
                "NVIDIA GPU " + std::to_string(i) + " (not answering: " + nvml_api_error(api, rc) + ")";
            result.inventory.push_back(gpu);
            session->devices.push_back(nullptr);
            session->memory_total_mib.push_back(0);
            ++unanswered;
            continue;
        }
        result.inventory.push_back(read_info(api, i, device));
        session->devices.push_back(device);
        session->memory_total_mib.push_back(result.inventory.back().memory_total_mib);
    }

    result.message = "NVML " + (nvml_version.empty() ? std::string("(version unknown)") : nvml_version) +
                     ", driver " + driver_label + ": " + std::to_string(count) +
                     (count == 1 ? " GPU" : " GPUs");
    if (unanswered > 0)
        result.message += " (" + std::to_string(unanswered) + " not answering)";
    result.session = std::move(session);
    return result;
}

Status nvml_source_sample(NvmlSession *session, int64_t time_ms, std::vector<GpuSample> *out) {
    const NvmlApi &api = session->api;
    int answered = 0;
    for (size_t i = 0; i < session->devices.size(); ++i) {
        GpuSample s;
        s.index = static_cast<int>(i);
        s.time_ms = time_ms;
        s.memory_total_mib = session->memory_total_mib[i];
        NvmlDevice device = session->devices[i];
        if (!device) {
            out->push_back(std::move(s));
            continue;
        }
        bool any = false;
        NvmlMemory memory{};
        if (api.device_get_memory_info && api.device_get_memory_info(device, &memory) == nvml_success) {
            s.memory_total_mib = memory.total / kBytesPerMib;
            s.memory_used_mib = memory.used / kBytesPerMib;
            any = true;
        }
        NvmlUtilization utilization{};
        if (api.device_get_utilization_rates &&
            api.device_get_utilization_rates(device, &utilization) == nvml_success) {
            s.utilization_gpu_pct = utilization.gpu;
            s.utilization_memory_pct = utilization.memory;
            any = true;
        }
        unsigned temperature_c = 0;
        if (api.device_get_temperature &&
            api.device_get_temperature(device, nvml_temperature_gpu, &temperature_c) == nvml_success) {
            s.temperature_c = temperature_c;
            any = true;
        }
        if (auto power_mw = query_uint(api.device_get_power_usage, device)) {
            s.power_w = *power_mw / 1000.0;
            any = true;
        }
        if (auto mhz = query_clock(api.device_get_clock_info, device, nvml_clock_sm)) {
            s.clock_sm_mhz = static_cast<int>(*mhz);
            any = true;
        }
        if (auto mhz = query_clock(api.device_get_clock_info, device, nvml_clock_mem)) {
            s.clock_mem_mhz = static_cast<int>(*mhz);
            any = true;
        }
        if (auto pct = query_uint(api.device_get_fan_speed, device))
            s.fan_pct = static_cast<int>(*pct);
        read_processes(api, device, &s.processes);
        if (any)
            ++answered;
        out->push_back(std::move(s));
    }
    if (answered == 0 && !session->devices.empty()) {
        return ND_STATUS(
            StatusCode::device_error,
            "NVML answered for none of the " + std::to_string(session->devices.size()) +
                " GPUs (a GPU may have fallen off the bus: check `nvidia-smi` and the kernel log)");
    }
    return Status::success();
}

}  // namespace nd
