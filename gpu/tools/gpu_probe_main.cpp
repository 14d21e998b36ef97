// nemodesk-gpu-probe: prints what NemoDesk sees of this machine's GPUs — the telemetry source and
// inventory, one live sample, and the CUDA devices with a kernel self-test on each. Plain text, for
// people and for the GPU-machine check script (tools/gpu-check.sh).
//
//   nemodesk-gpu-probe [--fake SPEC] [--nvml-library PATH] [--no-selftest]
//
// Exit status: 0 when everything that exists works (no GPU at all is fine), 1 when a self-test or a
// sample fails, 2 on bad arguments.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "gpu/cuda/device_probe.h"
#include "gpu/telemetry/telemetry.h"

namespace {

constexpr int kSelftestElements = 1'000'003;  // odd, not a multiple of the block size

enum class Selftest { run = 1, skip = 2 };

struct Options {
    nd::TelemetryOptions telemetry;
    Selftest selftest = Selftest::run;
};

void print_usage(FILE *to) {
    std::fprintf(to,
                 "usage: nemodesk-gpu-probe [--fake SPEC] [--nvml-library PATH] [--no-selftest]\n"
                 "  --fake SPEC          synthetic GPUs instead of NVML, e.g. 2x24576\n"
                 "  --nvml-library PATH  load NVML from PATH instead of libnvidia-ml.so.1\n"
                 "  --no-selftest        list CUDA devices without launching the probe kernel\n");
}

std::optional<Options> parse_args(int argc, char **argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--fake" && has_value) {
            options.telemetry.fake_spec = argv[++i];
        } else if (arg == "--nvml-library" && has_value) {
            options.telemetry.nvml_library = argv[++i];
        } else if (arg == "--no-selftest") {
            options.selftest = Selftest::skip;
        } else if (arg == "--help" || arg == "-h") {
            print_usage(stdout);
            std::exit(0);
        } else {
            std::fprintf(stderr, "nemodesk-gpu-probe: unknown or incomplete argument \"%s\"\n", arg.c_str());
            print_usage(stderr);
            return std::nullopt;
        }
    }
    return options;
}

// "n/a" for fields the GPU or driver does not report.
std::string or_na(const std::optional<int> &value) {
    return value ? std::to_string(*value) : "n/a";
}
std::string or_na(const std::optional<double> &value, int decimals) {
    if (!value)
        return "n/a";
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, *value);
    return text;
}

void print_inventory(const nd::Telemetry *telemetry) {
    for (const nd::GpuInfo &gpu : nd::telemetry_inventory(telemetry)) {
        std::printf("  GPU %d: %s%s\n", gpu.index, gpu.name.c_str(), gpu.synthetic ? "  [synthetic]" : "");
        std::printf("    uuid %s, pci %s, memory %llu MiB\n", gpu.uuid.c_str(), gpu.pci_bus_id.c_str(),
                    static_cast<unsigned long long>(gpu.memory_total_mib));
        const std::string cc = gpu.compute_capability_major
                                   ? std::to_string(*gpu.compute_capability_major) + "." +
                                         std::to_string(gpu.compute_capability_minor.value_or(0))
                                   : std::string("n/a");
        std::printf("    compute capability %s, power limit %s W, max clocks SM %s MHz / memory %s MHz\n",
                    cc.c_str(), or_na(gpu.power_limit_w, 1).c_str(), or_na(gpu.clock_sm_max_mhz).c_str(),
                    or_na(gpu.clock_mem_max_mhz).c_str());
    }
}

bool print_sample(nd::Telemetry *telemetry) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    std::vector<nd::GpuSample> samples;
    const nd::Status sampled = nd::telemetry_sample(telemetry, now_ms, &samples);
    if (!sampled.ok()) {
        std::printf("  sample FAILED: %s\n", sampled.describe().c_str());
        return false;
    }
    for (const nd::GpuSample &s : samples) {
        std::printf(
            "  sample GPU %d: util %s%% (memory %s%%), memory %llu/%llu MiB, %s C, %s W, SM %s MHz, "
            "memory %s MHz, fan %s%%, %zu process(es)\n",
            s.index, or_na(s.utilization_gpu_pct, 0).c_str(), or_na(s.utilization_memory_pct, 0).c_str(),
            static_cast<unsigned long long>(s.memory_used_mib),
            static_cast<unsigned long long>(s.memory_total_mib), or_na(s.temperature_c, 0).c_str(),
            or_na(s.power_w, 1).c_str(), or_na(s.clock_sm_mhz).c_str(), or_na(s.clock_mem_mhz).c_str(),
            or_na(s.fan_pct).c_str(), s.processes.size());
        for (const nd::GpuProcessUsage &p : s.processes) {
            std::printf("    pid %u %s %s MiB\n", p.pid, p.graphics ? "graphics" : "compute",
                        p.used_mib ? std::to_string(*p.used_mib).c_str() : "n/a");
        }
    }
    return true;
}

bool print_cuda(Selftest selftest) {
    if (!nd::cuda_backend_compiled()) {
        std::printf("cuda: not compiled into this build\n");
    } else {
        const std::string driver = nd::cuda_driver_version();
        std::printf("cuda: runtime %s, driver supports CUDA %s\n", nd::cuda_runtime_version().c_str(),
                    driver.empty() ? "(no driver)" : driver.c_str());
    }
    std::vector<nd::CudaDeviceInfo> devices;
    const nd::Status listed = nd::cuda_devices_list(&devices);
    if (!listed.ok()) {
        std::printf("  %s\n", listed.message.c_str());
        // No backend, driver or device is a state of this machine, not a failure of the probe.
        return listed.code == nd::StatusCode::unavailable;
    }
    bool ok = true;
    for (const nd::CudaDeviceInfo &d : devices) {
        std::printf("  device %d: %s, compute capability %d.%d, %llu MiB, %d SMs, pci %s\n", d.ordinal,
                    d.name.c_str(), d.compute_capability_major, d.compute_capability_minor,
                    static_cast<unsigned long long>(d.memory_total_mib), d.multiprocessor_count,
                    d.pci_bus_id.c_str());
        if (selftest == Selftest::skip)
            continue;
        const nd::Status tested = nd::cuda_device_selftest(d.ordinal, kSelftestElements);
        if (tested.ok()) {
            std::printf("    self-test ok (%d elements)\n", kSelftestElements);
        } else {
            std::printf("    self-test FAILED: %s\n", tested.describe().c_str());
            ok = false;
        }
    }
    return ok;
}

}  // namespace

int main(int argc, char **argv) {
    const std::optional<Options> options = parse_args(argc, argv);
    if (!options)
        return 2;

    nd::Telemetry *raw = nullptr;
    const nd::Status opened = nd::telemetry_open(options->telemetry, &raw);
    if (!opened.ok()) {
        std::fprintf(stderr, "nemodesk-gpu-probe: %s\n", opened.describe().c_str());
        return 2;
    }
    nd::TelemetryPtr telemetry(raw);
    bool ok = true;
    std::printf("telemetry: source %s: %s\n",
                nd::telemetry_source_name(nd::telemetry_source(telemetry.get())),
                nd::telemetry_message(telemetry.get()).c_str());
    print_inventory(telemetry.get());
    ok = print_sample(telemetry.get()) && ok;
    ok = print_cuda(options->selftest) && ok;
    std::printf("probe: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
