// The parts of the CUDA device probe that need no GPU: the CPU pattern, argument checks, and that
// the answers agree with how this build was configured.
#include <gtest/gtest.h>

#include "gpu/cuda/device_probe.h"

namespace nd {
namespace {

TEST(ProbePattern, KnownValues) {
    uint32_t out[4] = {};
    probe_pattern_cpu(0x12345678u, 4, out);
    EXPECT_EQ(out[0], 0x12345678u);
    EXPECT_EQ(out[1], 2654435761u ^ 0x12345678u);
    EXPECT_EQ(out[2], 1013904226u ^ 0x12345678u);  // 2 * 2654435761 wraps modulo 2^32
    EXPECT_EQ(out[3], 3668339987u ^ 0x12345678u);
}

TEST(ProbePattern, SeedChangesEveryValue) {
    std::vector<uint32_t> a(1000), b(1000);
    probe_pattern_cpu(1, 1000, a.data());
    probe_pattern_cpu(2, 1000, b.data());
    for (size_t i = 0; i < a.size(); ++i)
        EXPECT_NE(a[i], b[i]) << i;
}

TEST(ProbePattern, EmptyOrNullWritesNothing) {
    uint32_t sentinel = 0xDEADBEEFu;
    probe_pattern_cpu(7, 0, &sentinel);
    probe_pattern_cpu(7, -3, &sentinel);
    probe_pattern_cpu(7, 5, nullptr);
    EXPECT_EQ(sentinel, 0xDEADBEEFu);
}

TEST(CudaProbe, SelftestRejectsBadArgumentsBeforeTouchingCuda) {
    EXPECT_EQ(cuda_device_selftest(0, 0).code, StatusCode::invalid_argument);
    EXPECT_EQ(cuda_device_selftest(-1, 16).code, StatusCode::invalid_argument);
    const Status too_big = cuda_device_selftest(0, kCudaSelftestMaxElements + 1);
    EXPECT_EQ(too_big.code, StatusCode::invalid_argument);
    EXPECT_NE(too_big.message.find(std::to_string(kCudaSelftestMaxElements)), std::string::npos)
        << too_big.message;
}

TEST(CudaProbe, ListNeedsOutput) {
    EXPECT_EQ(cuda_devices_list(nullptr).code, StatusCode::invalid_argument);
}

TEST(CudaProbe, AgreesWithTheBuildConfiguration) {
#ifdef NEMODESK_HAVE_CUDA
    EXPECT_TRUE(cuda_backend_compiled());
    EXPECT_FALSE(cuda_runtime_version().empty());
#else
    EXPECT_FALSE(cuda_backend_compiled());
    EXPECT_TRUE(cuda_runtime_version().empty());
    EXPECT_TRUE(cuda_driver_version().empty());
    std::vector<CudaDeviceInfo> devices;
    const Status s = cuda_devices_list(&devices);
    EXPECT_EQ(s.code, StatusCode::unavailable);
    EXPECT_NE(s.message.find("this build has no CUDA backend: it was configured without nvcc"),
              std::string::npos)
        << s.message;
    EXPECT_EQ(cuda_device_selftest(0, 16).code, StatusCode::unavailable);
#endif
}

TEST(CudaProbe, ListEitherSucceedsOrSaysWhyNot) {
    std::vector<CudaDeviceInfo> devices;
    const Status s = cuda_devices_list(&devices);
    if (s.ok()) {
        EXPECT_FALSE(devices.empty());
    } else {
        EXPECT_EQ(s.code, StatusCode::unavailable) << s.describe();
        EXPECT_FALSE(s.message.empty());
        EXPECT_TRUE(devices.empty());
    }
}

}  // namespace
}  // namespace nd
