// Every SIMD path the CPU has, for every weight type and odd shapes, against the scalar path: the same
// integers, so they agree up to the order of float additions (1e-5 of Σ|w·x|).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gpu/cpu/cpu_isa.h"
#include "gpu/cpu/cpu_matmul.h"
#include "gpu/cpu/thread_pool.h"
#include "matmul_test_util.h"

namespace nd::cpu {
namespace {

struct IsaGuard {
    CpuIsa before = cpu_isa_active();
    ~IsaGuard() { cpu_isa_set_for_testing(before); }
};

void compare_paths(GgmlType type, int64_t n_in, int64_t n_out, int64_t n_tok, CpuIsa isa) {
    IsaGuard guard;
    const int64_t ldx = n_in + 3, ldy = n_out + 1;
    const auto m = test::make_matrix(type, n_in, n_out, 100u + static_cast<uint32_t>(n_out));
    const auto x = test::make_activations(n_in, n_tok, ldx, 200u + static_cast<uint32_t>(n_tok));
    std::vector<float> ys(static_cast<size_t>(ldy * n_tok), -3.f), yv(ys.size(), -3.f);
    cpu_isa_set_for_testing(CpuIsa::scalar);
    matmul(m.w, x.data(), ldx, n_tok, ys.data(), ldy, nullptr);
    ASSERT_EQ(cpu_isa_set_for_testing(isa), isa);
    ThreadPool pool(2);
    matmul(m.w, x.data(), ldx, n_tok, yv.data(), ldy, &pool);
    int bad = 0;
    for (int64_t t = 0; t < n_tok; ++t) {
        for (int64_t r = 0; r < n_out; ++r) {
            double sum_abs = 0;
            for (int64_t k = 0; k < n_in; ++k)
                sum_abs += std::fabs(static_cast<double>(m.dequant[static_cast<size_t>(r * n_in + k)]) *
                                     x[static_cast<size_t>(t * ldx + k)]);
            const size_t i = static_cast<size_t>(t * ldy + r);
            const double tol = 1e-5 * sum_abs + 1e-6;
            if (!(std::fabs(static_cast<double>(yv[i]) - ys[i]) <= tol) && bad++ < 3)
                ADD_FAILURE() << cpu_isa_name(isa) << " " << test::shape_name(type, n_in, n_out, n_tok)
                              << " t=" << t << " r=" << r << ": " << yv[i] << " vs scalar " << ys[i];
        }
        EXPECT_EQ(yv[static_cast<size_t>(t * ldy + n_out)], -3.f) << "row padding written";
    }
}

class MatmulSimd : public ::testing::TestWithParam<GgmlType> {};

TEST_P(MatmulSimd, EveryPathMatchesScalar) {
    const GgmlType type = GetParam();
    const int64_t n_in = test::test_width(type);
    for (CpuIsa isa : {CpuIsa::avx2, CpuIsa::avx512}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_isa_detected()))
            continue;  // reported by AvailablePaths below
        for (int64_t n_out : {1, 5, 67})
            for (int64_t n_tok : {1, 2, 3, 9})
                compare_paths(type, n_in, n_out, n_tok, isa);
        compare_paths(type, n_in * 2, 13, 17, isa);
        // Wider than one panel chunk (the AVX-512 prompt path accumulates over chunks): 64 blocks of 32,
        // 8 super-blocks, 512 floats.
        const int64_t bs = ggml_type_block_size(type);
        const int64_t wide = bs == 32 ? 32 * 70 : (bs == 256 ? 256 * 10 : 1100);
        compare_paths(type, wide, 19, 7, isa);
        // A last token tile with one token: the chunks after the first must not read the partial sums of
        // the tile's missing tokens (past the end of y; the sanitizer pass catches such a read).
        compare_paths(type, wide, 19, 9, isa);
        // Decode over several groups of 16 blocks, also with an odd block count (the last pair's second
        // block is missing).
        compare_paths(type, wide, 19, 1, isa);
        compare_paths(type, wide + bs, 6, 1, isa);
    }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulSimd, ::testing::ValuesIn(kSupportedGgmlTypes),
                         [](const ::testing::TestParamInfo<GgmlType> &param_info) {
                             return ggml_type_name(static_cast<uint32_t>(param_info.param));
                         });

TEST(MatmulSimdPaths, AvailablePaths) {
    if (cpu_isa_detected() == CpuIsa::scalar)
        GTEST_SKIP() << "this CPU has no AVX2: only the scalar path is tested";
    if (cpu_isa_detected() == CpuIsa::avx2)
        GTEST_SKIP() << "this CPU has no AVX-512 VNNI: the avx512 path is not tested here";
    SUCCEED() << "avx2 and avx512-vnni both tested";
}

}  // namespace
}  // namespace nd::cpu
