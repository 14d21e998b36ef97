// The synthetic telemetry source: an inventory built from a parsed fake spec, and samples that are a
// pure function of (GPU, time_ms). The numbers move like a busy GPU's do — utilisation in waves with
// idle stretches, power following utilisation, temperature following power with a thermal lag, clocks
// dropping to idle when there is no work — so charts and the scheduler can be exercised on a machine
// without GPUs. Every GPU and sample is marked synthetic and the names say so.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "gpu/telemetry/telemetry_impl.h"

namespace nd {
namespace {

constexpr double kThermalTimeConstantMs = 20'000.0;  // how far temperature lags power
constexpr int kIdleSmClockMhz = 345;
constexpr int kIdleGddrClockMhz = 405;
constexpr uint64_t kHbmFromMib = 40 * 1024;  // larger parts are HBM data-centre GPUs in this model

// One sinusoidal component of a signal. Angles are computed from time_ms modulo the period in integer
// arithmetic, so epoch-sized times keep full precision.
struct Wave {
    int64_t period_ms;
    double amplitude;
    double phase_rad;

    double angle(int64_t time_ms) const {
        const int64_t t = ((time_ms % period_ms) + period_ms) % period_ms;
        return 2.0 * std::numbers::pi * static_cast<double>(t) / static_cast<double>(period_ms) + phase_rad;
    }
    double value(int64_t time_ms) const { return amplitude * std::sin(angle(time_ms)); }
    // The steady-state output of a first-order low-pass filter (time constant tau) fed this wave:
    // attenuated and delayed, exactly, without having to integrate over history.
    double low_passed(int64_t time_ms, double tau_ms) const {
        const double omega_tau = 2.0 * std::numbers::pi / static_cast<double>(period_ms) * tau_ms;
        return amplitude / std::sqrt(1.0 + omega_tau * omega_tau) *
               std::sin(angle(time_ms) - std::atan(omega_tau));
    }
};

// Per-GPU waves: periods and phases depend on the index so that GPUs do not move in lockstep.
struct Waves {
    Wave slow, fast, memory;
};
Waves waves_for(int index) {
    const double i = index;
    return {Wave{97'000 + 7'919 * int64_t{index}, 40.0, 1.7 * i},
            Wave{23'000 + 1'301 * int64_t{index}, 20.0, 0.5 + 0.9 * i},
            Wave{301'000 + 13'007 * int64_t{index}, 1.0, 2.3 * i}};
}

constexpr double kUtilizationMean = 45.0;  // with the two waves: from below 0 (idle) to above 100 (full)

double clamp_pct(double v) {
    return std::clamp(v, 0.0, 100.0);
}
double smoothstep01(double x) {
    x = std::clamp(x, 0.0, 1.0);
    return x * x * (3.0 - 2.0 * x);
}

std::string memory_label(uint64_t mib) {
    char text[32];
    if (mib % 1024 == 0) {
        std::snprintf(text, sizeof text, "%llu GiB", static_cast<unsigned long long>(mib / 1024));
    } else if (mib >= 1024) {
        std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(mib) / 1024.0);
    } else {
        std::snprintf(text, sizeof text, "%llu MiB", static_cast<unsigned long long>(mib));
    }
    return text;
}

double power_at(double limit_w, double utilization_pct) {
    const double idle_w = 0.10 * limit_w;
    const double busy_w = 0.92 * limit_w;
    return idle_w + (busy_w - idle_w) * utilization_pct / 100.0;
}

}  // namespace

std::vector<GpuInfo> fake_source_inventory(const std::vector<uint64_t> &memory_mib) {
    std::vector<GpuInfo> inventory;
    inventory.reserve(memory_mib.size());
    for (size_t i = 0; i < memory_mib.size(); ++i) {
        const uint64_t mib = memory_mib[i];
        GpuInfo gpu;
        gpu.index = static_cast<int>(i);
        gpu.name = "NemoDesk synthetic GPU " + std::to_string(i) + " (" + memory_label(mib) + ")";
        char uuid[64];
        std::snprintf(uuid, sizeof uuid, "GPU-00000000-fake-0000-0000-%012zu", i);
        gpu.uuid = uuid;
        gpu.pci_bus_id = "fake:00." + std::to_string(i);
        gpu.memory_total_mib = mib;
        // No compute capability: a synthetic GPU has no architecture, and claiming one would let
        // code paths that select kernels by architecture believe they can run.
        const double gib = static_cast<double>(mib) / 1024.0;
        gpu.power_limit_w = std::round(std::clamp(100.0 + 7.5 * gib, 100.0, 1000.0));
        gpu.clock_sm_max_mhz = 1980;
        gpu.clock_mem_max_mhz = mib >= kHbmFromMib ? 2619 : 10501;
        gpu.synthetic = true;
        inventory.push_back(std::move(gpu));
    }
    return inventory;
}

GpuSample fake_source_sample(const GpuInfo &gpu, int64_t time_ms) {
    const Waves w = waves_for(gpu.index);
    const double limit_w = gpu.power_limit_w.value_or(300.0);

    const double utilization = clamp_pct(kUtilizationMean + w.slow.value(time_ms) + w.fast.value(time_ms));
    const double lagged_utilization =
        clamp_pct(kUtilizationMean + w.slow.low_passed(time_ms, kThermalTimeConstantMs) +
                  w.fast.low_passed(time_ms, kThermalTimeConstantMs));

    GpuSample s;
    s.index = gpu.index;
    s.time_ms = time_ms;
    s.synthetic = true;
    s.memory_total_mib = gpu.memory_total_mib;

    // Memory: a slow wave of allocations on top of what the current work holds.
    const double memory_fraction =
        0.04 + 0.5 * (0.5 + 0.5 * w.memory.value(time_ms)) + 0.3 * utilization / 100.0;
    s.memory_used_mib =
        static_cast<uint64_t>(std::llround(memory_fraction * static_cast<double>(gpu.memory_total_mib)));
    s.memory_used_mib = std::min(s.memory_used_mib, gpu.memory_total_mib);

    s.utilization_gpu_pct = std::round(utilization);
    s.utilization_memory_pct = std::round(clamp_pct(0.6 * utilization + 3.0 * w.memory.value(time_ms)));

    const double power_w = power_at(limit_w, utilization);
    s.power_w = std::round(power_w * 10.0) / 10.0;

    // Temperature follows the low-passed power: 30 °C at idle draw, 85 °C at full draw.
    const double lagged_power_fraction = power_at(limit_w, lagged_utilization) / limit_w;
    const double temperature_c = 30.0 + 55.0 * (lagged_power_fraction - 0.10) / 0.82;
    s.temperature_c = std::round(temperature_c);
    s.fan_pct = static_cast<int>(std::lround(std::clamp(30.0 + (temperature_c - 30.0) * 1.2, 30.0, 100.0)));

    // Clocks: idle until there is work, then boost, easing off a little at full power.
    const double busy = smoothstep01(utilization / 8.0);
    const int sm_max = gpu.clock_sm_max_mhz.value_or(1980);
    s.clock_sm_mhz = static_cast<int>(std::lround(kIdleSmClockMhz + (sm_max - kIdleSmClockMhz) * busy *
                                                                        (1.0 - 0.12 * utilization / 100.0)));
    const int mem_max = gpu.clock_mem_max_mhz.value_or(2619);
    // HBM runs at one clock; GDDR drops to an idle clock like a desktop card.
    s.clock_mem_mhz =
        gpu.memory_total_mib >= kHbmFromMib
            ? mem_max
            : static_cast<int>(std::lround(kIdleGddrClockMhz + (mem_max - kIdleGddrClockMhz) * busy));
    return s;
}

}  // namespace nd
