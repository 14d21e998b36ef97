// Real NVML on a machine with an NVIDIA driver and GPU (label gpu). Skips when NVML is not the source.
// The cross-check against the CUDA runtime is what proves our hand-written NVML struct layouts right:
// a wrong offset in nvmlPciInfo_t or nvmlMemory_t would not match what CUDA reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <regex>

#include "gpu/cuda/device_probe.h"
#include "gpu/telemetry/telemetry.h"

namespace nd {
namespace {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class RealNvml : public ::testing::Test {
protected:
    void SetUp() override {
        Telemetry *raw = nullptr;
        const Status s = telemetry_open(TelemetryOptions{}, &raw);
        ASSERT_TRUE(s.ok()) << s.describe();
        m_telemetry.reset(raw);
        if (telemetry_source(raw) != TelemetrySource::nvml)
            GTEST_SKIP() << "no NVML GPU here: " << telemetry_message(raw);
    }
    TelemetryPtr m_telemetry;
};

TEST_F(RealNvml, InventoryIsSane) {
    const std::vector<GpuInfo> &gpus = telemetry_inventory(m_telemetry.get());
    ASSERT_FALSE(gpus.empty());
    EXPECT_TRUE(
        std::regex_match(telemetry_driver_version(m_telemetry.get()), std::regex(R"(\d+\.\d+(\.\d+)*)")))
        << telemetry_driver_version(m_telemetry.get());
    const std::regex pci(R"([0-9A-Fa-f]{8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])");
    for (size_t i = 0; i < gpus.size(); ++i) {
        const GpuInfo &g = gpus[i];
        SCOPED_TRACE(g.name);
        EXPECT_EQ(g.index, static_cast<int>(i));
        EXPECT_FALSE(g.name.empty());
        EXPECT_EQ(g.name.find("not answering"), std::string::npos);
        EXPECT_EQ(g.uuid.rfind("GPU-", 0), 0u) << g.uuid;
        EXPECT_TRUE(std::regex_match(g.pci_bus_id, pci)) << g.pci_bus_id;
        EXPECT_GT(g.memory_total_mib, 1024u);
        EXPECT_LT(g.memory_total_mib, 4u * 1024 * 1024);
        EXPECT_FALSE(g.synthetic);
        ASSERT_TRUE(g.compute_capability_major.has_value());
        EXPECT_GE(*g.compute_capability_major, 3);
        EXPECT_LE(*g.compute_capability_major, 20);
        if (g.power_limit_w) {
            EXPECT_GT(*g.power_limit_w, 10.0);
            EXPECT_LT(*g.power_limit_w, 3000.0);
        }
        if (g.clock_sm_max_mhz) {
            EXPECT_GT(*g.clock_sm_max_mhz, 100);
            EXPECT_LT(*g.clock_sm_max_mhz, 10000);
        }
    }
}

TEST_F(RealNvml, SamplesAreSane) {
    const std::vector<GpuInfo> &gpus = telemetry_inventory(m_telemetry.get());
    for (int round = 0; round < 3; ++round) {
        const int64_t time = now_ms();
        std::vector<GpuSample> samples;
        const Status s = telemetry_sample(m_telemetry.get(), time, &samples);
        ASSERT_TRUE(s.ok()) << s.describe();
        ASSERT_EQ(samples.size(), gpus.size());
        for (const GpuSample &x : samples) {
            const GpuInfo &g = gpus[static_cast<size_t>(x.index)];
            SCOPED_TRACE(g.name);
            EXPECT_EQ(x.time_ms, time);
            EXPECT_FALSE(x.synthetic);
            EXPECT_EQ(x.memory_total_mib, g.memory_total_mib);
            EXPECT_LE(x.memory_used_mib, x.memory_total_mib);
            if (x.utilization_gpu_pct) {
                EXPECT_GE(*x.utilization_gpu_pct, 0.0);
                EXPECT_LE(*x.utilization_gpu_pct, 100.0);
            }
            ASSERT_TRUE(x.temperature_c.has_value()) << "every NVIDIA GPU reports its temperature";
            EXPECT_GT(*x.temperature_c, 0.0);
            EXPECT_LT(*x.temperature_c, 120.0);
            if (x.power_w && g.power_limit_w) {
                EXPECT_GT(*x.power_w, 1.0);
                EXPECT_LT(*x.power_w, *g.power_limit_w * 1.5);
            }
            if (x.clock_sm_mhz && g.clock_sm_max_mhz) {
                EXPECT_LE(*x.clock_sm_mhz, *g.clock_sm_max_mhz + 100);
            }
            for (const GpuProcessUsage &p : x.processes) {
                EXPECT_GT(p.pid, 0u);
                if (p.used_mib) {
                    EXPECT_LE(*p.used_mib, x.memory_total_mib);
                }
            }
        }
    }
}

// "00000000:3B:00.0" and "0000:3b:00.0" name the same device.
std::string normalize_pci(std::string id) {
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
    const size_t colon = id.find(':');
    if (colon == std::string::npos)
        return id;
    const std::string domain = id.substr(0, colon);
    const size_t nonzero = domain.find_first_not_of('0');
    return (nonzero == std::string::npos ? "0" : domain.substr(nonzero)) + id.substr(colon);
}

TEST_F(RealNvml, AgreesWithTheCudaRuntime) {
    if (!cuda_backend_compiled())
        GTEST_SKIP() << "no CUDA backend in this build";
    std::vector<CudaDeviceInfo> devices;
    const Status listed = cuda_devices_list(&devices);
    if (listed.code == StatusCode::unavailable)
        GTEST_SKIP() << listed.message;
    ASSERT_TRUE(listed.ok()) << listed.describe();
    const std::vector<GpuInfo> &gpus = telemetry_inventory(m_telemetry.get());
    if (std::getenv("CUDA_VISIBLE_DEVICES") == nullptr) {
        EXPECT_EQ(devices.size(), gpus.size());
    }
    for (const CudaDeviceInfo &d : devices) {
        SCOPED_TRACE(d.name + " " + d.pci_bus_id);
        const auto match = std::find_if(gpus.begin(), gpus.end(), [&](const GpuInfo &g) {
            return normalize_pci(g.pci_bus_id) == normalize_pci(d.pci_bus_id);
        });
        ASSERT_NE(match, gpus.end()) << "no NVML GPU has CUDA's PCI bus id";
        EXPECT_EQ(match->name, d.name);
        EXPECT_EQ(match->compute_capability_major, d.compute_capability_major);
        EXPECT_EQ(match->compute_capability_minor, d.compute_capability_minor);
        // The two count reserved memory differently (CUDA usually reports a little less); the same
        // device still agrees within 10%, a misread struct field would not.
        const double ratio =
            static_cast<double>(d.memory_total_mib) / static_cast<double>(match->memory_total_mib);
        EXPECT_GT(ratio, 0.9);
        EXPECT_LT(ratio, 1.1);
    }
}

}  // namespace
}  // namespace nd
