// The run-time instruction-set choice: names, the testing override and its cap.
#include <gtest/gtest.h>

#include "gpu/cpu/cpu_isa.h"

namespace nd::cpu {
namespace {

TEST(CpuIsa, Names) {
    EXPECT_EQ(cpu_isa_name(CpuIsa::scalar), "scalar");
    EXPECT_EQ(cpu_isa_name(CpuIsa::avx2), "avx2");
    EXPECT_EQ(cpu_isa_name(CpuIsa::avx512), "avx512-vnni");
}

TEST(CpuIsa, ActiveNeverExceedsDetected) {
    EXPECT_LE(static_cast<int>(cpu_isa_active()), static_cast<int>(cpu_isa_detected()));
#if !defined(__x86_64__) && !defined(__i386__)
    EXPECT_EQ(cpu_isa_detected(), CpuIsa::scalar);
#endif
    if (cpu_has_avx512_bf16()) {
        EXPECT_EQ(cpu_isa_detected(), CpuIsa::avx512);
    }
}

TEST(CpuIsa, SetForTestingIsCappedByTheCpu) {
    const CpuIsa before = cpu_isa_active();
    EXPECT_EQ(cpu_isa_set_for_testing(CpuIsa::scalar), CpuIsa::scalar);
    EXPECT_EQ(cpu_isa_active(), CpuIsa::scalar);
    EXPECT_EQ(cpu_isa_set_for_testing(CpuIsa::avx512), cpu_isa_detected());
    EXPECT_EQ(cpu_isa_active(), cpu_isa_detected());
    const CpuIsa avx2 = cpu_isa_set_for_testing(CpuIsa::avx2);
    EXPECT_EQ(avx2, cpu_isa_detected() == CpuIsa::scalar ? CpuIsa::scalar : CpuIsa::avx2);
    cpu_isa_set_for_testing(before);
}

}  // namespace
}  // namespace nd::cpu
