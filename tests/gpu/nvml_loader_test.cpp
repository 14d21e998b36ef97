// The NVML telemetry source without a GPU: loader failures become source none with a message a person
// can act on, and the whole source runs end to end against mock_nvml.cpp (a stand-in libnvidia-ml).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gpu/telemetry/telemetry.h"

namespace nd {
namespace {

TelemetryPtr open_nvml(const std::string &library) {
    Telemetry *raw = nullptr;
    TelemetryOptions options;
    options.nvml_library = library;
    const Status s = telemetry_open(options, &raw);
    EXPECT_TRUE(s.ok()) << "a missing or broken driver is a state, not an error: " << s.describe();
    return TelemetryPtr(raw);
}

void expect_none(const Telemetry *t) {
    EXPECT_EQ(telemetry_source(t), TelemetrySource::none);
    EXPECT_TRUE(telemetry_inventory(t).empty());
    EXPECT_NE(telemetry_message(t).find("NemoDesk will run on the CPU"), std::string::npos)
        << telemetry_message(t);
}

TEST(NvmlLoader, MissingLibraryMeansNoDriver) {
    const std::string path = "/nonexistent/nemodesk-test/libnvidia-ml.so.1";
    TelemetryPtr t = open_nvml(path);
    expect_none(t.get());
    const std::string &m = telemetry_message(t.get());
    EXPECT_EQ(m.rfind("no NVIDIA driver found: " + path + " could not be loaded (", 0), 0u) << m;
    EXPECT_NE(m.find("No such file or directory"), std::string::npos) << "the loader's reason: " << m;
    EXPECT_TRUE(telemetry_driver_version(t.get()).empty());

    std::vector<GpuSample> samples = {GpuSample{}};
    EXPECT_TRUE(telemetry_sample(t.get(), 1, &samples).ok());
    EXPECT_TRUE(samples.empty());
}

TEST(NvmlLoader, FileThatIsNotALibrary) {
    const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                       ("nemodesk-not-a-library-" + std::to_string(getpid()) + ".so");
    { std::ofstream(path) << "this is a text file, not a shared library\n"; }
    TelemetryPtr t = open_nvml(path.string());
    std::filesystem::remove(path);
    expect_none(t.get());
    const std::string &m = telemetry_message(t.get());
    EXPECT_NE(m.find(path.string() + " could not be loaded"), std::string::npos) << m;
}

TEST(NvmlLoader, LibraryWithoutNvmlSymbols) {
    TelemetryPtr t = open_nvml("libm.so.6");  // a real shared library that every glibc system has
    expect_none(t.get());
    const std::string &m = telemetry_message(t.get());
    EXPECT_NE(m.find("libm.so.6 loaded but is not a usable NVIDIA management library"), std::string::npos)
        << m;
    EXPECT_NE(m.find("nvmlInit_v2"), std::string::npos) << m;
}

// ---- against the mock driver ----------------------------------------------------------------------

std::string mock_path() {
    // The mock is built next to this executable (tests/gpu/CMakeLists.txt), wherever the build tree is.
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe");
    return (exe.parent_path() / ND_MOCK_NVML_FILE_NAME).string();
}

class MockNvml : public ::testing::Test {
protected:
    void SetUp() override {
        m_library = dlopen(mock_path().c_str(), RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(m_library, nullptr) << dlerror();
        m_set_scenario = reinterpret_cast<void (*)(int)>(dlsym(m_library, "mock_nvml_set_scenario"));
        m_init_count = reinterpret_cast<int (*)()>(dlsym(m_library, "mock_nvml_init_count"));
        ASSERT_TRUE(m_set_scenario && m_init_count);
        m_set_scenario(kTwoGpus);
    }
    void TearDown() override {
        if (m_library) {
            EXPECT_EQ(m_init_count(), 0) << "every nvmlInit_v2 needs its nvmlShutdown";
            m_set_scenario(kTwoGpus);
            dlclose(m_library);
        }
    }

    static constexpr int kTwoGpus = 1, kDriverNotLoaded = 2, kNoGpu = 3, kGpuLost = 4;
    void *m_library = nullptr;
    void (*m_set_scenario)(int) = nullptr;
    int (*m_init_count)() = nullptr;
};

TEST_F(MockNvml, Inventory) {
    TelemetryPtr t = open_nvml(mock_path());
    ASSERT_EQ(telemetry_source(t.get()), TelemetrySource::nvml) << telemetry_message(t.get());
    EXPECT_EQ(m_init_count(), 1);
    EXPECT_EQ(telemetry_message(t.get()), "NVML 99.999.99.99, driver 999.99.99: 2 GPUs");
    EXPECT_EQ(telemetry_driver_version(t.get()), "999.99.99");

    const std::vector<GpuInfo> &gpus = telemetry_inventory(t.get());
    ASSERT_EQ(gpus.size(), 2u);
    const GpuInfo &g = gpus[0];
    EXPECT_EQ(g.index, 0);
    EXPECT_EQ(g.name, "Mock GPU 0");
    EXPECT_EQ(g.uuid, "GPU-12345678-mock-0000-0000-000000000000");
    EXPECT_EQ(g.pci_bus_id, "00000000:3B:00.0");
    EXPECT_EQ(g.memory_total_mib, 81559u);
    EXPECT_EQ(g.compute_capability_major, 9);
    EXPECT_EQ(g.compute_capability_minor, 0);
    EXPECT_EQ(g.power_limit_w, 700.0);
    EXPECT_EQ(g.clock_sm_max_mhz, 1980);
    EXPECT_EQ(g.clock_mem_max_mhz, 2619);
    EXPECT_FALSE(g.synthetic);
    EXPECT_EQ(gpus[1].pci_bus_id, "00000000:3C:00.0");
    EXPECT_EQ(gpus[1].compute_capability_minor, 6);
    EXPECT_EQ(gpus[1].power_limit_w, 450.0);
}

TEST_F(MockNvml, SampleReadsEveryFieldAndLeavesUnsupportedOnesEmpty) {
    TelemetryPtr t = open_nvml(mock_path());
    std::vector<GpuSample> s;
    ASSERT_TRUE(telemetry_sample(t.get(), 1764143000000, &s).ok());
    ASSERT_EQ(s.size(), 2u);

    EXPECT_EQ(s[0].index, 0);
    EXPECT_EQ(s[0].time_ms, 1764143000000);
    EXPECT_FALSE(s[0].synthetic);
    EXPECT_EQ(s[0].memory_total_mib, 81559u);
    EXPECT_EQ(s[0].memory_used_mib, 1200u);
    EXPECT_EQ(s[0].utilization_gpu_pct, 37.0);
    EXPECT_EQ(s[0].utilization_memory_pct, 12.0);
    EXPECT_EQ(s[0].temperature_c, 41.0);
    EXPECT_EQ(s[0].power_w, 118.5);  // NVML reports mW
    EXPECT_EQ(s[0].clock_sm_mhz, 1755);
    EXPECT_EQ(s[0].clock_mem_mhz, 2619);
    EXPECT_FALSE(s[0].fan_pct.has_value()) << "the mock exports no nvmlDeviceGetFanSpeed";

    EXPECT_FALSE(s[1].utilization_gpu_pct.has_value());
    EXPECT_FALSE(s[1].utilization_memory_pct.has_value());
    EXPECT_FALSE(s[1].power_w.has_value());
    EXPECT_EQ(s[1].temperature_c, 55.0);
    EXPECT_EQ(s[1].memory_total_mib, 24564u);
    EXPECT_TRUE(s[1].processes.empty());
}

TEST_F(MockNvml, ProcessesFromComputeAndGraphicsListedOnce) {
    TelemetryPtr t = open_nvml(mock_path());
    std::vector<GpuSample> s;
    ASSERT_TRUE(telemetry_sample(t.get(), 1, &s).ok());
    const std::vector<GpuProcessUsage> &p = s.at(0).processes;
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p[0].pid, 4242u);
    EXPECT_EQ(p[0].used_mib, 1024u);
    EXPECT_FALSE(p[0].graphics);
    EXPECT_EQ(p[1].pid, 4343u);
    EXPECT_FALSE(p[1].used_mib.has_value()) << "NVML_VALUE_NOT_AVAILABLE means unknown, not 16 EiB";
    EXPECT_EQ(p[2].pid, 4444u);
    EXPECT_EQ(p[2].used_mib, 512u);
    EXPECT_EQ(p[3].pid, 5000u);
    EXPECT_EQ(p[3].used_mib, 256u);
    EXPECT_TRUE(p[3].graphics);
}

TEST_F(MockNvml, KernelDriverNotLoaded) {
    m_set_scenario(kDriverNotLoaded);
    TelemetryPtr t = open_nvml(mock_path());
    expect_none(t.get());
    const std::string &m = telemetry_message(t.get());
    EXPECT_NE(m.find("kernel driver is not loaded"), std::string::npos) << m;
    EXPECT_NE(m.find("Driver Not Loaded (nvml error 9)"), std::string::npos) << m;
}

TEST_F(MockNvml, DriverWithoutGpus) {
    m_set_scenario(kNoGpu);
    TelemetryPtr t = open_nvml(mock_path());
    expect_none(t.get());
    EXPECT_EQ(telemetry_message(t.get()).rfind("NVIDIA driver found but no GPU", 0), 0u)
        << telemetry_message(t.get());
    EXPECT_EQ(telemetry_driver_version(t.get()), "999.99.99");
    t.reset();
    EXPECT_EQ(m_init_count(), 0) << "NVML must be shut down even when there is no GPU";
}

TEST_F(MockNvml, LostGpusKeepTheirSlotsAndTheSampleFails) {
    TelemetryPtr t = open_nvml(mock_path());
    m_set_scenario(kGpuLost);
    std::vector<GpuSample> s;
    const Status status = telemetry_sample(t.get(), 7, &s);
    EXPECT_EQ(status.code, StatusCode::device_error);
    EXPECT_NE(status.message.find("none of the 2 GPUs"), std::string::npos) << status.message;
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[1].index, 1);
    EXPECT_EQ(s[1].time_ms, 7);
    EXPECT_FALSE(s[1].temperature_c.has_value());
    EXPECT_TRUE(s[1].processes.empty());
}

TEST_F(MockNvml, TwoSessionsShareTheLibrary) {
    TelemetryPtr a = open_nvml(mock_path());
    TelemetryPtr b = open_nvml(mock_path());
    EXPECT_EQ(m_init_count(), 2);
    a.reset();
    std::vector<GpuSample> s;
    EXPECT_TRUE(telemetry_sample(b.get(), 1, &s).ok()) << "closing one session must not break another";
    EXPECT_EQ(s.size(), 2u);
}

}  // namespace
}  // namespace nd
