// Every weight type × odd shapes: the active path (and the scalar path) against matmul_reference, within
// the activation-conversion bound derived in matmul_test_util.h; plus the driver's contract (strides,
// threads, experts, scratch size, malformed input).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gpu/cpu/cpu_isa.h"
#include "gpu/cpu/cpu_matmul.h"
#include "gpu/cpu/thread_pool.h"
#include "matmul_test_util.h"

namespace nd::cpu {
namespace {

void check_against_reference(GgmlType type, int64_t n_out, int64_t n_tok, ThreadPool *pool) {
    const int64_t n_in = test::test_width(type);
    const int64_t ldx = n_in + 5, ldy = n_out + 3;
    const auto m = test::make_matrix(type, n_in, n_out, 7u + static_cast<uint32_t>(type));
    const auto x = test::make_activations(n_in, n_tok, ldx, 11u + static_cast<uint32_t>(n_tok));
    std::vector<float> y(static_cast<size_t>(ldy * n_tok), -7.f), ref(y.size(), -7.f);
    matmul(m.w, x.data(), ldx, n_tok, y.data(), ldy, pool);
    matmul_reference(m.w, x.data(), ldx, n_tok, ref.data(), ldy);
    int bad = 0;
    for (int64_t t = 0; t < n_tok; ++t) {
        for (int64_t r = 0; r < n_out; ++r) {
            const size_t i = static_cast<size_t>(t * ldy + r);
            const double bound = test::bound_for(m, x.data() + t * ldx, r);
            if (!(std::fabs(static_cast<double>(y[i]) - ref[i]) <= bound) && bad++ < 3)
                ADD_FAILURE() << test::shape_name(type, n_in, n_out, n_tok) << " t=" << t << " r=" << r
                              << ": " << y[i] << " vs reference " << ref[i] << " (bound " << bound << ")";
        }
        for (int64_t r = n_out; r < ldy; ++r)  // the row padding is not written
            EXPECT_EQ(y[static_cast<size_t>(t * ldy + r)], -7.f);
    }
}

class MatmulReference : public ::testing::TestWithParam<GgmlType> {};

TEST_P(MatmulReference, ActivePathWithinConversionBound) {
    for (int64_t n_tok : {1, 3, 17})
        check_against_reference(GetParam(), 67, n_tok, nullptr);
}

TEST_P(MatmulReference, ScalarPathWithinConversionBound) {
    const CpuIsa before = cpu_isa_active();
    cpu_isa_set_for_testing(CpuIsa::scalar);
    for (int64_t n_tok : {1, 3})
        check_against_reference(GetParam(), 67, n_tok, nullptr);
    cpu_isa_set_for_testing(before);
}

TEST_P(MatmulReference, ThreadsSplitRows) {
    ThreadPool pool(3);
    check_against_reference(GetParam(), 67, 5, &pool);
    check_against_reference(GetParam(), 2, 1, &pool);  // fewer rows than threads
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulReference, ::testing::ValuesIn(kSupportedGgmlTypes),
                         [](const ::testing::TestParamInfo<GgmlType> &param_info) {
                             return ggml_type_name(static_cast<uint32_t>(param_info.param));
                         });

TEST(Matmul, LargeActivationsConvertOnAllThreads) {
    // Enough elements that the driver converts in parallel (by tokens, and by blocks for one token).
    ThreadPool pool(2);
    for (int64_t n_tok : {1, 24}) {
        const int64_t n_in = 256 * 160;
        const auto m = test::make_matrix(GgmlType::q4_k, n_in, 3, 5);
        const auto x = test::make_activations(n_in, n_tok, n_in, 9);
        std::vector<float> y(static_cast<size_t>(3 * n_tok)), ref(y.size());
        matmul(m.w, x.data(), n_in, n_tok, y.data(), 3, &pool);
        matmul_reference(m.w, x.data(), n_in, n_tok, ref.data(), 3);
        for (int64_t t = 0; t < n_tok; ++t)
            for (int64_t r = 0; r < 3; ++r)
                EXPECT_NEAR(y[static_cast<size_t>(t * 3 + r)], ref[static_cast<size_t>(t * 3 + r)],
                            test::bound_for(m, x.data() + t * n_in, r));
    }
}

TEST(Matmul, ExpertIsItsSliceOfTheStack) {
    const auto m = test::make_matrix(GgmlType::q8_0, 64, 12, 3);  // 3 experts of 4 rows
    WeightMatrix stack = m.w;
    stack.n_out = 4;
    const WeightMatrix e2 = weight_expert(stack, 2);
    EXPECT_EQ(e2.data, m.w.data + 8 * m.w.row_bytes);
    EXPECT_EQ(e2.n_out, 4);
    EXPECT_EQ(e2.type, GgmlType::q8_0);
    const auto x = test::make_activations(64, 1, 64, 1);
    float y_all[12], y_e[4];
    matmul(m.w, x.data(), 64, 1, y_all, 12, nullptr);
    matmul(e2, x.data(), 64, 1, y_e, 4, nullptr);
    for (int r = 0; r < 4; ++r)
        EXPECT_FLOAT_EQ(y_e[r], y_all[8 + r]);
}

TEST(Matmul, ActivationBytes) {
    EXPECT_EQ(matmul_activation_bytes(GgmlType::f32, 4096, 8), 0);
    EXPECT_GE(matmul_activation_bytes(GgmlType::f16, 4096, 1), 8192);
    EXPECT_GE(matmul_activation_bytes(GgmlType::q4_0, 4096, 2), 2 * (4096 + 128 * 8));
    EXPECT_GE(matmul_activation_bytes(GgmlType::q6_k, 4096, 1), 4096 + 16 * 4 + 16 * 32);
    EXPECT_EQ(matmul_activation_bytes(GgmlType::q8_0, 4096, 3) % 64, 0);
}

TEST(Matmul, MalformedMatrixGivesNaNNotACrash) {
    std::vector<uint8_t> bytes(1024);
    WeightMatrix w;
    w.type = GgmlType::q4_0;
    w.n_in = 40;  // not whole blocks
    w.n_out = 2;
    w.data = bytes.data();
    w.row_bytes = 36;
    std::vector<float> x(40, 1.f), y(2, 0.f);
    matmul(w, x.data(), 40, 1, y.data(), 2, nullptr);
    EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
    w.type = static_cast<GgmlType>(16);  // IQ2_XXS: not supported
    w.n_in = 256;
    y.assign(2, 0.f);
    x.assign(256, 1.f);
    matmul(w, x.data(), 256, 1, y.data(), 2, nullptr);
    EXPECT_TRUE(std::isnan(y[0]));
    w.data = nullptr;
    w.type = GgmlType::f32;
    matmul(w, x.data(), 256, 1, y.data(), 2, nullptr);
    EXPECT_TRUE(std::isnan(y[1]));
    matmul(w, x.data(), 256, 0, y.data(), 2, nullptr);  // nothing to do
}

}  // namespace
}  // namespace nd::cpu
