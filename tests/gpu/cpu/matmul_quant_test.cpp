// The activation conversion matches ggml's x86 CPU backend bit for bit: scales, round-half-to-even codes,
// the Q8_1 sum and the Q8_K sign convention and bsums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gpu/cpu/cpu_dot.h"
#include "gpu/cpu/cpu_isa.h"
#include "gpu/cpu/cpu_quant.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd::cpu {
namespace {

float f32_at(const std::vector<uint8_t> &v, int64_t off) {
    float f;
    std::memcpy(&f, v.data() + off, 4);
    return f;
}

TEST(ActQuant, Q8_0RoundsHalfToEvenWithFp16Scale) {
    std::vector<float> x(64, 0.f);
    x[0] = 127.f;  // amax 127: codes are x rounded, ties to even
    x[1] = 2.5f;
    x[2] = 3.5f;
    x[3] = -2.5f;
    x[4] = -0.5f;
    x[5] = 1.49f;
    for (int j = 0; j < 32; ++j)
        x[32 + j] = 0.001f * static_cast<float>(j);  // second block: amax 0.031
    const ActLayout l = act_layout(ActFormat::q8_0, 64);
    EXPECT_EQ(l.nb, 2);
    std::vector<uint8_t> dst(static_cast<size_t>(l.row_bytes), 0xAA);
    act_quantize_row(l, x.data(), dst.data());
    const auto *q = reinterpret_cast<const int8_t *>(dst.data());
    EXPECT_EQ(q[0], 127);
    EXPECT_EQ(q[1], 2);
    EXPECT_EQ(q[2], 4);
    EXPECT_EQ(q[3], -2);
    EXPECT_EQ(q[4], 0);
    EXPECT_EQ(q[5], 1);
    EXPECT_EQ(f32_at(dst, l.d_off), 1.f);
    EXPECT_EQ(f32_at(dst, l.aux_off), 127.f + 2 + 4 - 2 + 1);  // Σq
    const float amax = 0.031f, d = amax / 127.f, id = 127.f / amax;
    EXPECT_EQ(f32_at(dst, l.d_off + 4), ggml_fp16_to_fp32(ggml_fp32_to_fp16(d)));
    EXPECT_EQ(q[32 + 31], 127);
    EXPECT_EQ(q[32 + 7], static_cast<int8_t>(std::nearbyint(0.007f * id)));
}

TEST(ActQuant, Q8_1StoresFp16OfScaleTimesSum) {
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j)
        x[j] = 0.37f * static_cast<float>(j) - 3.f;
    const ActLayout l = act_layout(ActFormat::q8_1, 32);
    std::vector<uint8_t> dst(static_cast<size_t>(l.row_bytes));
    act_quantize_row(l, x.data(), dst.data());
    const auto *q = reinterpret_cast<const int8_t *>(dst.data());
    int sum = 0;
    for (int j = 0; j < 32; ++j)
        sum += q[j];
    const float d = 8.47f / 127.f;  // amax = 0.37·31 - 3
    EXPECT_EQ(f32_at(dst, l.aux_off), ggml_fp16_to_fp32(ggml_fp32_to_fp16((0.37f * 31 - 3.f) / 127.f * sum)));
    EXPECT_NEAR(f32_at(dst, l.d_off), d, 1e-4);
}

TEST(ActQuant, Q8KUsesNegativeScaleOfTheLargestValue) {
    std::vector<float> x(256, 0.f);
    x[10] = -127.f;  // max = -127: iscale = 1, d = 1, codes = rne(x)... negated twice: q = rne(-(-127)/127·x)
    x[0] = 2.5f;
    x[1] = 3.5f;
    x[17] = -1.5f;
    const ActLayout l = act_layout(ActFormat::q8_k, 256);
    std::vector<uint8_t> dst(static_cast<size_t>(l.row_bytes));
    act_quantize_row(l, x.data(), dst.data());
    const auto *q = reinterpret_cast<const int8_t *>(dst.data());
    EXPECT_EQ(f32_at(dst, l.d_off), 1.f);
    EXPECT_EQ(q[10], -127);
    EXPECT_EQ(q[0], 2);
    EXPECT_EQ(q[1], 4);
    EXPECT_EQ(q[17], -2);
    int16_t bsums[16];
    std::memcpy(bsums, dst.data() + l.aux_off, 32);
    EXPECT_EQ(bsums[0], -127 + 2 + 4);
    EXPECT_EQ(bsums[1], -2);
    EXPECT_EQ(bsums[2], 0);

    x[10] = 127.f;  // positive max: iscale = -1, d = -1, codes negated
    act_quantize_row(l, x.data(), dst.data());
    EXPECT_EQ(f32_at(dst, l.d_off), -1.f);
    EXPECT_EQ(q[10], -127);
    EXPECT_EQ(q[0], -2);
    EXPECT_EQ(q[1], -4);
}

TEST(ActQuant, ZeroAndNonFiniteBlocksDoNotCrash) {
    std::vector<float> x(256, 0.f);
    for (ActFormat f : {ActFormat::q8_0, ActFormat::q8_1, ActFormat::q8_k}) {
        const ActLayout l = act_layout(f, 256);
        std::vector<uint8_t> dst(static_cast<size_t>(l.row_bytes), 0xAA);
        act_quantize_row(l, x.data(), dst.data());
        EXPECT_EQ(f32_at(dst, l.d_off), 0.f);
        EXPECT_EQ(dst[5], 0);
        std::vector<float> bad = x;
        bad[3] = std::numeric_limits<float>::quiet_NaN();
        bad[40] = std::numeric_limits<float>::infinity();
        act_quantize_row(l, bad.data(), dst.data());  // no UB (UBSan checks the float→int conversions)
    }
}

TEST(ActQuant, HalfFormatsRoundToNearestEven) {
    const float x[2] = {1.f + 0x1p-11f, 1.f + 3 * 0x1p-11f};  // ties in fp16
    const ActLayout l = act_layout(ActFormat::f16, 2);
    ASSERT_EQ(l.row_bytes, 64);
    uint8_t dst[64] = {};
    act_quantize_row(l, x, dst);
    float h[2];
    std::memcpy(h, dst, 8);
    EXPECT_EQ(h[0], 1.f);
    EXPECT_EQ(h[1], 1.f + 4 * 0x1p-11f);
    const ActLayout lb = act_layout(ActFormat::bf16, 2);
    act_quantize_row(lb, x, dst);
    std::memcpy(h, dst, 8);
    EXPECT_EQ(h[0], ggml_bf16_to_fp32(ggml_fp32_to_bf16(x[0])));
}

TEST(ActQuant, SimdConversionHasTheScalarBits) {
#if defined(__x86_64__) || defined(_M_X64)
    std::vector<const DotTable *> tables = {&dot_table_scalar()};
    if (cpu_isa_detected() >= CpuIsa::avx2)
        tables.push_back(&dot_table_avx2());
    if (cpu_isa_detected() >= CpuIsa::avx512)
        tables.push_back(&dot_table_avx512());
    const int64_t n = 256 * 6;
    std::vector<float> x(static_cast<size_t>(n));
    uint32_t seed = 12345;
    for (int64_t i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        x[static_cast<size_t>(i)] = static_cast<float>(static_cast<int32_t>(seed >> 8) % 2000) / 97.f;
    }
    for (int j = 0; j < 256; ++j)  // block 1: exact ties (amax 127: codes are x rounded half to even)
        x[static_cast<size_t>(256 + j)] = j == 5 ? -127.f : static_cast<float>(j % 9) - 3.5f;
    for (int j = 0; j < 256; ++j)
        x[static_cast<size_t>(512 + j)] = 0.f;                                   // block 2: zeros
    x[static_cast<size_t>(768 + 3)] = std::numeric_limits<float>::quiet_NaN();   // block 3: a NaN
    x[static_cast<size_t>(1024 + 7)] = -std::numeric_limits<float>::infinity();  // block 4: an inf
    x[static_cast<size_t>(1280 + 9)] = 50.f;  // block 5: +max and -max tie: first wins
    x[static_cast<size_t>(1280 + 200)] = -50.f;
    for (ActFormat f : {ActFormat::q8_0, ActFormat::q8_1, ActFormat::q8_k, ActFormat::f16, ActFormat::bf16}) {
        const ActLayout l = act_layout(f, n);
        std::vector<uint8_t> want(static_cast<size_t>(l.row_bytes), 0), got(want.size(), 0);
        act_quantize_blocks(l, x.data(), want.data(), 0, l.nb);
        for (const DotTable *t : tables) {
            std::fill(got.begin(), got.end(), 0);
            t->quantize(l, x.data(), got.data(), 0, l.nb);
            EXPECT_EQ(std::memcmp(want.data(), got.data(), want.size()), 0)
                << "format " << static_cast<int>(f);
        }
    }
#else
    GTEST_SKIP() << "no SIMD conversion on this architecture";
#endif
}

}  // namespace
}  // namespace nd::cpu
