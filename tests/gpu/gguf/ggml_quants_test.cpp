// Dequantisation against blocks built by hand from the spec's layouts (§1.3), the fp16/bf16 conversions,
// and quantise -> dequantise error bounds for every type.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "gpu/gguf/ggml_quants.h"

namespace nd {
namespace {

constexpr int8_t kGrid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

std::vector<float> dequant(GgmlType type, const std::vector<uint8_t> &block, int64_t n) {
    std::vector<float> y(static_cast<size_t>(n));
    const Status st = ggml_dequantize_row(type, block.data(), n, y.data());
    EXPECT_TRUE(st.ok()) << st.describe();
    return y;
}

void put16(std::vector<uint8_t> &b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v & 0xFF);
    b[at + 1] = static_cast<uint8_t>(v >> 8);
}

// fp16 bit patterns used below: 2.0, 1.0, 0.5, 0.25, 0.125, -1.0.
constexpr uint16_t kH2 = 0x4000, kH1 = 0x3C00, kHalf = 0x3800, kQuarter = 0x3400, kEighth = 0x3000,
                   kHm1 = 0xBC00;

TEST(GgmlDequant, F32F16Bf16) {
    const float f[2] = {1.5f, -2.25f};
    std::vector<uint8_t> b(8);
    std::memcpy(b.data(), f, 8);
    EXPECT_EQ(dequant(GgmlType::f32, b, 2), (std::vector<float>{1.5f, -2.25f}));
    std::vector<uint8_t> h = {0x00, 0x3E, 0x80, 0xC0};  // 1.5, -2.25
    EXPECT_EQ(dequant(GgmlType::f16, h, 2), (std::vector<float>{1.5f, -2.25f}));
    std::vector<uint8_t> bf = {0xC0, 0x3F, 0x10, 0xC0};  // 1.5, -2.25
    EXPECT_EQ(dequant(GgmlType::bf16, bf, 2), (std::vector<float>{1.5f, -2.25f}));
}

TEST(GgmlDequant, Q8_0) {
    std::vector<uint8_t> b(34);
    put16(b, 0, kHalf);
    for (int j = 0; j < 32; ++j)
        b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(j * 8 - 128));
    const auto y = dequant(GgmlType::q8_0, b, 32);
    for (int j = 0; j < 32; ++j)
        EXPECT_EQ(y[j], 0.5f * static_cast<float>(j * 8 - 128)) << j;
}

TEST(GgmlDequant, Q4_0LowNibblesAreTheFirstHalf) {
    std::vector<uint8_t> b(18);
    put16(b, 0, kH2);
    for (int j = 0; j < 16; ++j)
        b[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    const auto y = dequant(GgmlType::q4_0, b, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 2.0f * static_cast<float>(j - 8)) << j;
        EXPECT_EQ(y[j + 16], 2.0f * static_cast<float>(7 - j)) << j;
    }
}

TEST(GgmlDequant, Q4_1) {
    std::vector<uint8_t> b(20);
    put16(b, 0, kHalf);
    put16(b, 2, kHm1);
    for (int j = 0; j < 16; ++j)
        b[4 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    const auto y = dequant(GgmlType::q4_1, b, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 0.5f * static_cast<float>(j) - 1.0f);
        EXPECT_EQ(y[j + 16], 0.5f * static_cast<float>(15 - j) - 1.0f);
    }
}

// qh = 0xAAAA5555 little-endian: bit j (j < 16) is set for even j, bit j+16 for odd j.
TEST(GgmlDequant, Q5_0FifthBitFromQh) {
    std::vector<uint8_t> b(22);
    put16(b, 0, kH1);
    b[2] = 0x55, b[3] = 0x55, b[4] = 0xAA, b[5] = 0xAA;
    for (int j = 0; j < 16; ++j)
        b[6 + j] = static_cast<uint8_t>(j | (((3 * j) & 15) << 4));
    const auto y = dequant(GgmlType::q5_0, b, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], static_cast<float>((j | (j % 2 == 0 ? 16 : 0)) - 16)) << j;
        EXPECT_EQ(y[j + 16], static_cast<float>((((3 * j) & 15) | (j % 2 == 1 ? 16 : 0)) - 16)) << j;
    }
}

TEST(GgmlDequant, Q5_1) {
    std::vector<uint8_t> b(24);
    put16(b, 0, kQuarter);
    put16(b, 2, kHalf);
    b[4] = 0x55, b[5] = 0x55, b[6] = 0xAA, b[7] = 0xAA;
    for (int j = 0; j < 16; ++j)
        b[8 + j] = static_cast<uint8_t>(j | (((3 * j) & 15) << 4));
    const auto y = dequant(GgmlType::q5_1, b, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 0.25f * static_cast<float>(j | (j % 2 == 0 ? 16 : 0)) + 0.5f) << j;
        EXPECT_EQ(y[j + 16], 0.25f * static_cast<float>(((3 * j) & 15) | (j % 2 == 1 ? 16 : 0)) + 0.5f) << j;
    }
}

TEST(GgmlDequant, Iq4Nl) {
    std::vector<uint8_t> b(18);
    put16(b, 0, kHalf);
    for (int j = 0; j < 16; ++j)
        b[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    const auto y = dequant(GgmlType::iq4_nl, b, 32);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[j], 0.5f * kGrid[j]);
        EXPECT_EQ(y[j + 16], 0.5f * kGrid[15 - j]);
    }
}

// Sub-block scales {1,2,3,4,40,50,60,63} and mins {0,5,10,15,20,33,47,62}, packed by hand into the
// 12-byte 6-bit layout (the high two bits of entries 4..7 live in bits 6-7 of bytes 0..7).
const uint8_t kScales12[12] = {0x81, 0xC2, 0xC3, 0xC4, 0x40, 0x85, 0x8A, 0xCF, 0x48, 0x12, 0xFC, 0xEF};
const int kSc[8] = {1, 2, 3, 4, 40, 50, 60, 63};
const int kMn[8] = {0, 5, 10, 15, 20, 33, 47, 62};

TEST(GgmlDequant, Q4_K) {
    std::vector<uint8_t> b(144);
    put16(b, 0, kH1);    // d
    put16(b, 2, kHalf);  // dmin
    std::memcpy(b.data() + 4, kScales12, 12);
    for (int i = 0; i < 128; ++i)
        b[16 + i] = static_cast<uint8_t>((i & 15) | (((7 * i) & 15) << 4));
    const auto y = dequant(GgmlType::q4_k, b, 256);
    for (int c = 0; c < 4; ++c) {
        for (int l = 0; l < 32; ++l) {
            const int q = 32 * c + l;
            EXPECT_EQ(y[64 * c + l], static_cast<float>(kSc[2 * c] * (q & 15)) - 0.5f * kMn[2 * c])
                << c << " " << l;
            EXPECT_EQ(y[64 * c + 32 + l],
                      static_cast<float>(kSc[2 * c + 1] * ((7 * q) & 15)) - 0.5f * kMn[2 * c + 1])
                << c << " " << l;
        }
    }
}

TEST(GgmlDequant, Q5_KQhIsIndexedByLOnly) {
    std::vector<uint8_t> b(176);
    put16(b, 0, kH1);
    put16(b, 2, kHalf);
    std::memcpy(b.data() + 4, kScales12, 12);
    for (int l = 0; l < 32; ++l)
        b[16 + l] = static_cast<uint8_t>(l * 37);
    for (int i = 0; i < 128; ++i)
        b[48 + i] = static_cast<uint8_t>((i & 15) | (((7 * i) & 15) << 4));
    const auto y = dequant(GgmlType::q5_k, b, 256);
    for (int c = 0; c < 4; ++c) {
        for (int l = 0; l < 32; ++l) {
            const int q = 32 * c + l, qh = (l * 37) & 0xFF;
            const int lo = (q & 15) + (((qh >> (2 * c)) & 1) ? 16 : 0);
            const int hi = ((7 * q) & 15) + (((qh >> (2 * c + 1)) & 1) ? 16 : 0);
            EXPECT_EQ(y[64 * c + l], static_cast<float>(kSc[2 * c] * lo) - 0.5f * kMn[2 * c]);
            EXPECT_EQ(y[64 * c + 32 + l], static_cast<float>(kSc[2 * c + 1] * hi) - 0.5f * kMn[2 * c + 1]);
        }
    }
}

TEST(GgmlDequant, Q6_KScaleComesLast) {
    std::vector<uint8_t> b(210);
    for (int k = 0; k < 128; ++k)
        b[k] = static_cast<uint8_t>(k * 13);
    for (int k = 0; k < 64; ++k)
        b[128 + k] = static_cast<uint8_t>(k * 29);
    int8_t sc[16];
    for (int i = 0; i < 16; ++i) {
        sc[i] = static_cast<int8_t>((i % 2 ? -1 : 1) * (i + 1) * 7);
        b[192 + i] = static_cast<uint8_t>(sc[i]);
    }
    put16(b, 208, kEighth);
    const auto y = dequant(GgmlType::q6_k, b, 256);
    for (int n = 0; n < 2; ++n) {
        for (int l = 0; l < 32; ++l) {
            const int ql0 = (64 * n + l) * 13 & 0xFF, ql32 = (64 * n + l + 32) * 13 & 0xFF;
            const int qh = (32 * n + l) * 29 & 0xFF;
            const int is = 8 * n + l / 16;
            const int q1 = ((ql0 & 15) | ((qh & 3) << 4)) - 32;
            const int q2 = ((ql32 & 15) | (((qh >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql0 >> 4) | (((qh >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql32 >> 4) | (((qh >> 6) & 3) << 4)) - 32;
            EXPECT_EQ(y[128 * n + l], 0.125f * static_cast<float>(sc[is] * q1));
            EXPECT_EQ(y[128 * n + l + 32], 0.125f * static_cast<float>(sc[is + 2] * q2));
            EXPECT_EQ(y[128 * n + l + 64], 0.125f * static_cast<float>(sc[is + 4] * q3));
            EXPECT_EQ(y[128 * n + l + 96], 0.125f * static_cast<float>(sc[is + 6] * q4));
        }
    }
}

TEST(GgmlDequant, RejectsPartialBlocksAndUnsupportedTypes) {
    std::vector<uint8_t> b(64);
    std::vector<float> y(64);
    EXPECT_EQ(ggml_dequantize_row(GgmlType::q8_0, b.data(), 33, y.data()).code, StatusCode::invalid_argument);
    EXPECT_EQ(ggml_dequantize_row(static_cast<GgmlType>(16), b.data(), 256, y.data()).code,
              StatusCode::unsupported);
}

uint32_t bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

TEST(Fp16, KnownValues) {
    EXPECT_EQ(ggml_fp32_to_fp16(1.0f), 0x3C00);
    EXPECT_EQ(ggml_fp32_to_fp16(-2.0f), 0xC000);
    EXPECT_EQ(ggml_fp32_to_fp16(65504.0f), 0x7BFF);
    EXPECT_EQ(ggml_fp32_to_fp16(65519.0f), 0x7BFF);  // below the halfway point to 65536
    EXPECT_EQ(ggml_fp32_to_fp16(65520.0f), 0x7C00);  // halfway: ties to even = infinity
    EXPECT_EQ(ggml_fp32_to_fp16(1e10f), 0x7C00);
    EXPECT_EQ(ggml_fp32_to_fp16(-std::numeric_limits<float>::infinity()), 0xFC00);
    EXPECT_EQ(ggml_fp32_to_fp16(0x1p-24f), 0x0001);      // the smallest subnormal
    EXPECT_EQ(ggml_fp32_to_fp16(0x1p-25f), 0x0000);      // halfway to it: ties to even = 0
    EXPECT_EQ(ggml_fp32_to_fp16(0x1.8p-25f), 0x0001);    // above halfway
    EXPECT_EQ(ggml_fp32_to_fp16(0x1.8p-24f), 0x0002);    // 1.5 units: ties to even = 2
    EXPECT_EQ(ggml_fp32_to_fp16(0x1.ff8p-15f), 0x03FF);  // the largest subnormal
    EXPECT_EQ(ggml_fp32_to_fp16(0x1.ffcp-15f), 0x0400);  // 1023.5 units: ties to even, the smallest normal
    EXPECT_EQ(ggml_fp32_to_fp16(-0.0f), 0x8000);
    EXPECT_EQ(ggml_fp32_to_fp16(1.0f + 0x1p-11f), 0x3C00);    // tie, even stays
    EXPECT_EQ(ggml_fp32_to_fp16(1.0f + 0x1.8p-10f), 0x3C02);  // tie from odd 0x3C01 goes up to even
    const uint16_t nan = ggml_fp32_to_fp16(std::numeric_limits<float>::quiet_NaN());
    EXPECT_EQ(nan & 0x7C00, 0x7C00);
    EXPECT_NE(nan & 0x03FF, 0);
    // A signalling NaN whose payload is only in the low bits must not become infinity.
    float snan;
    const uint32_t snan_bits = 0x7F800001u;
    std::memcpy(&snan, &snan_bits, 4);
    EXPECT_NE(ggml_fp32_to_fp16(snan) & 0x03FF, 0);
    EXPECT_EQ(ggml_fp16_to_fp32(0x0001), 0x1p-24f);
    EXPECT_EQ(ggml_fp16_to_fp32(0x03FF), 0x1.ff8p-15f);
    EXPECT_EQ(ggml_fp16_to_fp32(0x7C00), std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(ggml_fp16_to_fp32(0x7E00)));
    EXPECT_EQ(bits(ggml_fp16_to_fp32(0x8000)), 0x80000000u);
}

TEST(Fp16, EveryHalfRoundTrips) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = ggml_fp16_to_fp32(static_cast<uint16_t>(h));
        if (std::isnan(f)) {
            EXPECT_TRUE(std::isnan(ggml_fp16_to_fp32(ggml_fp32_to_fp16(f))));
            continue;
        }
        ASSERT_EQ(ggml_fp32_to_fp16(f), h) << std::hex << h;
    }
}

TEST(Bf16, KnownValuesAndRounding) {
    EXPECT_EQ(ggml_fp32_to_bf16(1.0f), 0x3F80);
    float f;
    uint32_t u = 0x3F808000u;  // tie, even (0x3F80) stays
    std::memcpy(&f, &u, 4);
    EXPECT_EQ(ggml_fp32_to_bf16(f), 0x3F80);
    u = 0x3F818000u;  // tie from odd goes up
    std::memcpy(&f, &u, 4);
    EXPECT_EQ(ggml_fp32_to_bf16(f), 0x3F82);
    u = 0x00008001u;  // a tiny subnormal rounds to the nearest bf16 subnormal
    std::memcpy(&f, &u, 4);
    EXPECT_EQ(ggml_fp32_to_bf16(f), 0x0001);
    EXPECT_EQ(ggml_fp32_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
    u = 0x7F800001u;  // NaN with a low payload stays NaN
    std::memcpy(&f, &u, 4);
    const uint16_t nan = ggml_fp32_to_bf16(f);
    EXPECT_TRUE(std::isnan(ggml_bf16_to_fp32(nan)));
    EXPECT_EQ(ggml_bf16_to_fp32(0x3F80), 1.0f);
    EXPECT_EQ(ggml_bf16_to_fp32(0x0001), 0x1p-133f);
}

// Relative RMS error (error RMS / data RMS) after quantise -> dequantise of N(0, 1) data, per type: the
// bounds are about 1.3x what these reference quantisers measure, so a broken layout fails loudly.
struct Bound {
    GgmlType type;
    double max_rel_rmse;
};

class RoundTrip : public testing::TestWithParam<Bound> {};

TEST_P(RoundTrip, ErrorWithinBound) {
    const Bound b = GetParam();
    std::mt19937 gen(42);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    const int64_t n = 256 * 64;
    std::vector<float> x(static_cast<size_t>(n));
    for (float &v : x)
        v = nd(gen);
    x[5] = 7.5f;  // an outlier, as real weights have
    std::vector<uint8_t> q(static_cast<size_t>(ggml_row_bytes(b.type, n)));
    ASSERT_TRUE(ggml_quantize_row(b.type, x.data(), n, q.data()).ok());
    std::vector<float> y(static_cast<size_t>(n));
    ASSERT_TRUE(ggml_dequantize_row(b.type, q.data(), n, y.data()).ok());
    double err = 0, ref = 0;
    for (int64_t i = 0; i < n; ++i) {
        err += (x[i] - y[i]) * (x[i] - y[i]);
        ref += x[i] * x[i];
    }
    const double rel = std::sqrt(err / ref);
    RecordProperty("rel_rmse", std::to_string(rel));
    EXPECT_LE(rel, b.max_rel_rmse) << ggml_type_name(static_cast<uint32_t>(b.type));
    // Zeros stay exactly zero in every format (no NaN from a zero scale).
    std::vector<float> zeros(256, 0.0f), back(256, 1.0f);
    std::vector<uint8_t> qz(static_cast<size_t>(ggml_row_bytes(b.type, 256)));
    ASSERT_TRUE(ggml_quantize_row(b.type, zeros.data(), 256, qz.data()).ok());
    ASSERT_TRUE(ggml_dequantize_row(b.type, qz.data(), 256, back.data()).ok());
    for (float v : back)
        ASSERT_EQ(v, 0.0f);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RoundTrip,
                         testing::Values(Bound{GgmlType::f32, 0.0}, Bound{GgmlType::f16, 3e-4},
                                         Bound{GgmlType::bf16, 2.2e-3}, Bound{GgmlType::q8_0, 0.007},
                                         Bound{GgmlType::q4_0, 0.112}, Bound{GgmlType::q4_1, 0.10},
                                         Bound{GgmlType::q5_0, 0.056}, Bound{GgmlType::q5_1, 0.05},
                                         Bound{GgmlType::iq4_nl, 0.097}, Bound{GgmlType::q4_k, 0.095},
                                         Bound{GgmlType::q5_k, 0.048}, Bound{GgmlType::q6_k, 0.025}),
                         [](const testing::TestParamInfo<Bound> &p) {
                             return ggml_type_name(static_cast<uint32_t>(p.param.type));
                         });

TEST(GgmlTypes, NamesAndGeometry) {
    EXPECT_EQ(ggml_type_name(12), "Q4_K");
    EXPECT_EQ(ggml_type_name(16), "IQ2_XXS");
    EXPECT_EQ(ggml_type_name(99), "type 99");
    EXPECT_FALSE(ggml_type_supported(16));
    EXPECT_TRUE(ggml_type_supported(30));
    EXPECT_EQ(ggml_type_from_name("q5_k"), GgmlType::q5_k);
    EXPECT_EQ(ggml_type_from_name("IQ4_nl"), GgmlType::iq4_nl);
    EXPECT_FALSE(ggml_type_from_name("q2_k").has_value());
    EXPECT_EQ(ggml_row_bytes(GgmlType::q6_k, 512), 420);
    EXPECT_EQ(ggml_row_bytes(GgmlType::q5_0, 64), 44);
    for (GgmlType t : kSupportedGgmlTypes)
        EXPECT_GT(ggml_type_block_bytes(t), 0);
}

}  // namespace
}  // namespace nd
