// Real CUDA devices (label gpu): enumeration and the kernel self-test on every visible device.
// Skips when this build has no CUDA backend or the machine has no driver or device.
#include <gtest/gtest.h>

#include "gpu/cuda/device_probe.h"

namespace nd {
namespace {

class RealCuda : public ::testing::Test {
protected:
    void SetUp() override {
        if (!cuda_backend_compiled())
            GTEST_SKIP() << "this build has no CUDA backend";
        const Status s = cuda_devices_list(&m_devices);
        if (s.code == StatusCode::unavailable)
            GTEST_SKIP() << s.message;
        ASSERT_TRUE(s.ok()) << s.describe();
    }
    std::vector<CudaDeviceInfo> m_devices;
};

TEST_F(RealCuda, VersionsAreKnown) {
    EXPECT_FALSE(cuda_runtime_version().empty());
    EXPECT_FALSE(cuda_driver_version().empty());
}

TEST_F(RealCuda, ListsAtLeastOneSaneDevice) {
    ASSERT_FALSE(m_devices.empty());
    for (size_t i = 0; i < m_devices.size(); ++i) {
        const CudaDeviceInfo &d = m_devices[i];
        SCOPED_TRACE(d.name);
        EXPECT_EQ(d.ordinal, static_cast<int>(i));
        EXPECT_FALSE(d.name.empty());
        EXPECT_GE(d.compute_capability_major, 5);
        EXPECT_GT(d.memory_total_mib, 512u);
        EXPECT_GT(d.multiprocessor_count, 0);
        EXPECT_FALSE(d.pci_bus_id.empty());
    }
}

TEST_F(RealCuda, SelftestPassesOnEveryDevice) {
    // Sizes around the block size, odd sizes, and one larger than one pass of the grid (grid-stride).
    const int sizes[] = {1, 255, 256, 257, 1'000'003, 4096 * 256 * 2 + 7};
    for (const CudaDeviceInfo &d : m_devices) {
        for (int n : sizes) {
            const Status s = cuda_device_selftest(d.ordinal, n);
            EXPECT_TRUE(s.ok()) << d.name << " n=" << n << ": " << s.describe();
        }
    }
}

TEST_F(RealCuda, SelftestOnAMissingDeviceSaysSo) {
    const int missing = static_cast<int>(m_devices.size());
    const Status s = cuda_device_selftest(missing, 16);
    EXPECT_EQ(s.code, StatusCode::invalid_argument);
    EXPECT_NE(s.message.find("no CUDA device " + std::to_string(missing)), std::string::npos) << s.message;
}

}  // namespace
}  // namespace nd
