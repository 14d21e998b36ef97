// A stand-in for libnvidia-ml.so.1, built as a shared library so the NVML telemetry source can be
// tested end to end (dlopen, symbol lookup, every field, NOT_SUPPORTED, the two-call process query,
// shutdown balance) on machines without a GPU. It exports the NVML C symbols with the layouts of
// NVIDIA's nvml.h, written out here independently of gpu/telemetry/nvml_api.h.
//
// Deliberately missing: nvmlDeviceGetFanSpeed (an optional symbol the loader must live without) and
// nvmlDeviceGetGraphicsRunningProcesses_v3 (so the _v2 fallback is used).
#include <cstdio>
#include <cstring>

#define MOCK_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

struct PciInfo {
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
};
struct Memory {
    unsigned long long total, free, used;
};
struct Utilization {
    unsigned int gpu, memory;
};
struct ProcessInfo {  // nvmlProcessInfo_v2_t
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId, computeInstanceId;
};

constexpr int kSuccess = 0, kInvalidArgument = 2, kNotSupported = 3, kInsufficientSize = 7,
              kDriverNotLoaded = 9, kGpuIsLost = 15;
constexpr unsigned long long kMib = 1024ull * 1024;
constexpr unsigned long long kNotAvailable = ~0ull;

// Scenarios, chosen by the test through mock_nvml_set_scenario.
constexpr int kTwoGpus = 1, kDriverMissing = 2, kNoGpu = 3, kGpuLost = 4;
int g_scenario = kTwoGpus;
int g_init_count = 0;

}  // namespace

struct nvmlDevice_st {
    unsigned int index;
};
static nvmlDevice_st g_devices[2] = {{0}, {1}};

MOCK_EXPORT void mock_nvml_set_scenario(int scenario) {
    g_scenario = scenario;
}
MOCK_EXPORT int mock_nvml_init_count() {
    return g_init_count;
}

MOCK_EXPORT int nvmlInit_v2() {
    if (g_scenario == kDriverMissing)
        return kDriverNotLoaded;
    ++g_init_count;
    return kSuccess;
}
MOCK_EXPORT int nvmlShutdown() {
    --g_init_count;
    return kSuccess;
}
MOCK_EXPORT const char *nvmlErrorString(int result) {
    switch (result) {
        case kSuccess:
            return "Success";
        case kNotSupported:
            return "Not Supported";
        case kDriverNotLoaded:
            return "Driver Not Loaded";
        case kGpuIsLost:
            return "GPU is lost";
        default:
            return "Unknown Error";
    }
}
MOCK_EXPORT int nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    std::snprintf(version, length, "999.99.99");
    return kSuccess;
}
MOCK_EXPORT int nvmlSystemGetNVMLVersion(char *version, unsigned int length) {
    std::snprintf(version, length, "99.999.99.99");
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetCount_v2(unsigned int *count) {
    *count = g_scenario == kNoGpu ? 0 : 2;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_st **device) {
    if (index >= 2)
        return kInvalidArgument;
    *device = &g_devices[index];
    return kSuccess;
}

#define MOCK_DEVICE_GUARD       \
    if (g_scenario == kGpuLost) \
    return kGpuIsLost

MOCK_EXPORT int nvmlDeviceGetName(nvmlDevice_st *d, char *name, unsigned int length) {
    MOCK_DEVICE_GUARD;
    std::snprintf(name, length, "Mock GPU %u", d->index);
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetUUID(nvmlDevice_st *d, char *uuid, unsigned int length) {
    MOCK_DEVICE_GUARD;
    std::snprintf(uuid, length, "GPU-12345678-mock-0000-0000-00000000000%u", d->index);
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetPciInfo_v3(nvmlDevice_st *d, PciInfo *pci) {
    MOCK_DEVICE_GUARD;
    std::memset(pci, 0, sizeof *pci);
    std::snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "0000:%02X:00.0", 0x3B + d->index);
    std::snprintf(pci->busId, sizeof pci->busId, "00000000:%02X:00.0", 0x3B + d->index);
    pci->bus = 0x3B + d->index;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetMemoryInfo(nvmlDevice_st *d, Memory *memory) {
    MOCK_DEVICE_GUARD;
    memory->total = (d->index == 0 ? 81559 : 24564) * kMib;
    memory->used = 1200 * kMib + kMib / 2;  // half a MiB rounds down
    memory->free = memory->total - memory->used;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetUtilizationRates(nvmlDevice_st *d, Utilization *utilization) {
    MOCK_DEVICE_GUARD;
    if (d->index == 1)
        return kNotSupported;  // as on a MIG-enabled GPU
    utilization->gpu = 37;
    utilization->memory = 12;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetTemperature(nvmlDevice_st *d, int sensor, unsigned int *temp) {
    MOCK_DEVICE_GUARD;
    if (sensor != 0)
        return kInvalidArgument;
    *temp = d->index == 0 ? 41 : 55;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetPowerUsage(nvmlDevice_st *d, unsigned int *power_mw) {
    MOCK_DEVICE_GUARD;
    if (d->index == 1)
        return kNotSupported;
    *power_mw = 118500;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_st *d, unsigned int *limit_mw) {
    MOCK_DEVICE_GUARD;
    *limit_mw = d->index == 0 ? 700000 : 450000;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetClockInfo(nvmlDevice_st *, int type, unsigned int *mhz) {
    MOCK_DEVICE_GUARD;
    if (type == 1)
        *mhz = 1755;
    else if (type == 2)
        *mhz = 2619;
    else
        return kInvalidArgument;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetMaxClockInfo(nvmlDevice_st *, int type, unsigned int *mhz) {
    MOCK_DEVICE_GUARD;
    if (type == 1)
        *mhz = 1980;
    else if (type == 2)
        *mhz = 2619;
    else
        return kInvalidArgument;
    return kSuccess;
}
MOCK_EXPORT int nvmlDeviceGetCudaComputeCapability(nvmlDevice_st *d, int *major, int *minor) {
    MOCK_DEVICE_GUARD;
    *major = d->index == 0 ? 9 : 8;
    *minor = d->index == 0 ? 0 : 6;
    return kSuccess;
}

namespace {
// NVML's two-call protocol: too small a buffer gets INSUFFICIENT_SIZE and the needed count.
int fill_processes(const ProcessInfo *list, unsigned n, unsigned *count, ProcessInfo *infos) {
    if (*count < n || (n > 0 && !infos)) {
        *count = n;
        return kInsufficientSize;
    }
    for (unsigned i = 0; i < n; ++i)
        infos[i] = list[i];
    *count = n;
    return kSuccess;
}
}  // namespace

MOCK_EXPORT int nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_st *d, unsigned *count,
                                                        ProcessInfo *infos) {
    MOCK_DEVICE_GUARD;
    static const ProcessInfo gpu0[] = {
        {4242, 1024 * kMib, 0, 0}, {4343, kNotAvailable, 0, 0}, {4444, 512 * kMib, 0, 0}};
    return d->index == 0 ? fill_processes(gpu0, 3, count, infos) : fill_processes(nullptr, 0, count, infos);
}
MOCK_EXPORT int nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_st *d, unsigned *count,
                                                         ProcessInfo *infos) {
    MOCK_DEVICE_GUARD;
    // 4242 does compute and graphics: it must be listed once.
    static const ProcessInfo gpu0[] = {{4242, 1024 * kMib, 0, 0}, {5000, 256 * kMib, 0, 0}};
    return d->index == 0 ? fill_processes(gpu0, 2, count, infos) : fill_processes(nullptr, 0, count, infos);
}
