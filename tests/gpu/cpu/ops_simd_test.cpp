// Every SIMD variant of the inner loops (cpu_ops_simd.h) against the scalar one, over sizes around the
// vector widths (remainders), and the backend's ops on each instruction set against the scalar path.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gpu/cpu/cpu_isa.h"
#include "gpu/cpu/cpu_ops_simd.h"
#include "ops_test_util.h"

namespace nd::test {
namespace {

std::vector<cpu::CpuIsa> simd_isas() {
    std::vector<cpu::CpuIsa> out;
    for (cpu::CpuIsa isa : {cpu::CpuIsa::avx2, cpu::CpuIsa::avx512})
        if (static_cast<int>(isa) <= static_cast<int>(cpu::cpu_isa_detected()))
            out.push_back(isa);
    return out;
}

std::vector<uint16_t> to_f16(const std::vector<float> &v) {
    std::vector<uint16_t> h(v.size());
    for (size_t i = 0; i < v.size(); ++i)
        h[i] = ggml_fp32_to_fp16(v[i]);
    return h;
}

TEST(CpuOpsSimd, KernelsMatchScalarAtEverySize) {
    const auto isas = simd_isas();
    if (isas.empty())
        GTEST_SKIP() << "this CPU has no AVX2: only the scalar kernels exist here";
    const cpu::SimdKernels &ref = cpu::simd_kernels_for(cpu::CpuIsa::scalar);
    for (cpu::CpuIsa isa : isas) {
        const cpu::SimdKernels &k = cpu::simd_kernels_for(isa);
        ASSERT_EQ(k.isa, isa);
        for (int64_t n : {1, 7, 8, 15, 16, 17, 24, 31, 33, 40, 64, 70, 128}) {
            SCOPED_TRACE(std::string(cpu::cpu_isa_name(isa)) + " n=" + std::to_string(n));
            const auto a = random_vec(n, 1), b = random_vec(n, 2), c = random_vec(n, 3);
            const auto bh = to_f16(b);
            const float tol = 1e-5f * static_cast<float>(n);
            EXPECT_NEAR(k.dot_f32(a.data(), b.data(), n), ref.dot_f32(a.data(), b.data(), n), tol);
            EXPECT_NEAR(k.dot_f16(a.data(), bh.data(), n), ref.dot_f16(a.data(), bh.data(), n), tol);
            EXPECT_NEAR(k.sum_sq(a.data(), n), ref.sum_sq(a.data(), n), 1e-9 * static_cast<double>(n));
            std::vector<float> y1 = c, y2 = c;
            k.axpy_f32(y1.data(), 0.7f, a.data(), n);
            ref.axpy_f32(y2.data(), 0.7f, a.data(), n);
            for (int64_t i = 0; i < n; ++i)
                ASSERT_NEAR(y1[i], y2[i], 1e-6f);
            k.axpy_f16(y1.data(), -1.3f, bh.data(), n);
            ref.axpy_f16(y2.data(), -1.3f, bh.data(), n);
            for (int64_t i = 0; i < n; ++i)
                ASSERT_NEAR(y1[i], y2[i], 1e-5f);
            std::vector<float> s1 = c, s2 = c;
            const float r1 = k.scan_row(s1.data(), a.data(), b.data(), 0.9f, 0.3f, n);
            const float r2 = ref.scan_row(s2.data(), a.data(), b.data(), 0.9f, 0.3f, n);
            EXPECT_NEAR(r1, r2, tol);
            for (int64_t i = 0; i < n; ++i)
                ASSERT_NEAR(s1[i], s2[i], 1e-6f);
            // 5 rows of n at stride n + 3: dots and weighted sums.
            const auto rows = random_vec(5 * (n + 3), 4);
            const auto rows_h = to_f16(rows);
            float d1[5], d2[5];
            k.dots_f32(d1, a.data(), rows.data(), n + 3, 5, n);
            ref.dots_f32(d2, a.data(), rows.data(), n + 3, 5, n);
            for (int j = 0; j < 5; ++j)
                ASSERT_NEAR(d1[j], d2[j], tol);
            k.dots_f16(d1, a.data(), rows_h.data(), n + 3, 5, n);
            ref.dots_f16(d2, a.data(), rows_h.data(), n + 3, 5, n);
            for (int j = 0; j < 5; ++j)
                ASSERT_NEAR(d1[j], d2[j], tol);
            y1 = c;
            y2 = c;
            // 10 heads (more than one batch of 8) with probabilities [10][5], outputs [10][n + 1].
            const auto pm = random_vec(50, 5);
            const auto y0 = random_vec(10 * (n + 1), 6);
            std::vector<float> w1 = y0, w2 = y0;
            k.wsum_f32(w1.data(), n + 1, pm.data(), 5, 10, rows.data(), n + 3, 5, n);
            ref.wsum_f32(w2.data(), n + 1, pm.data(), 5, 10, rows.data(), n + 3, 5, n);
            for (size_t i = 0; i < w1.size(); ++i)
                ASSERT_NEAR(w1[i], w2[i], 1e-5f) << i;
            k.wsum_f16(w1.data(), n + 1, pm.data(), 5, 10, rows_h.data(), n + 3, 5, n);
            ref.wsum_f16(w2.data(), n + 1, pm.data(), 5, 10, rows_h.data(), n + 3, 5, n);
            for (size_t i = 0; i < w1.size(); ++i)
                ASSERT_NEAR(w1[i], w2[i], 1e-5f) << i;
            k.scale_mul(y1.data(), a.data(), 1.7f, b.data(), n);
            ref.scale_mul(y2.data(), a.data(), 1.7f, b.data(), n);
            for (int64_t i = 0; i < n; ++i)
                ASSERT_EQ(y1[i], y2[i]);  // two roundings in the same order: exact
        }
    }
}

TEST(CpuOpsSimd, PolynomialExpIsWithinTwoUlpOfExpf) {
    // softmax_exp and the SiLUs of the SIMD paths use their own expf; over the whole useful range (and
    // beyond, where they must give 0 / x / 0 like expf) they stay within 2 ulp of the scalar path.
    const auto isas = simd_isas();
    if (isas.empty())
        GTEST_SKIP() << "this CPU has no AVX2";
    std::vector<float> x;
    for (float v = -120.0f; v <= 88.0f; v += 0.173f)
        x.push_back(v);
    x.push_back(0.0f);
    const int64_t n = static_cast<int64_t>(x.size());
    const cpu::SimdKernels &ref = cpu::simd_kernels_for(cpu::CpuIsa::scalar);
    auto ulps = [](float a, float b) {
        return std::fabs(a - b) / std::max(std::numeric_limits<float>::min(), std::fabs(b) * 1.1920929e-7f);
    };
    for (cpu::CpuIsa isa : isas) {
        SCOPED_TRACE(std::string(cpu::cpu_isa_name(isa)));
        const cpu::SimdKernels &k = cpu::simd_kernels_for(isa);
        std::vector<float> e1 = x, e2 = x;
        // Subtracting the max 88 gives the softmax range (≤ 0) for the sum; the values are e^(x − 88).
        const double s1 = k.softmax_exp(e1.data(), n, 88.0f), s2 = ref.softmax_exp(e2.data(), n, 88.0f);
        EXPECT_NEAR(s1, s2, 4e-7 * s2);
        e1 = x;
        e2 = x;
        k.softmax_exp(e1.data(), n, 0.0f);
        ref.softmax_exp(e2.data(), n, 0.0f);
        for (int64_t i = 0; i < n; ++i) {
            if (e2[i] < 1e-37f)  // subnormal results: the AVX2 path flushes them to 0
                ASSERT_LT(e1[i], 1e-37f) << x[i];
            else
                ASSERT_LE(ulps(e1[i], e2[i]), 2.0f) << "exp(" << x[i] << ") " << e1[i] << " vs " << e2[i];
        }
        std::vector<float> small(x.size());
        for (size_t i = 0; i < x.size(); ++i)
            small[i] = x[i] * 0.25f;  // SiLU's interesting range
        std::vector<float> y1(x.size()), y2(x.size());
        k.silu(y1.data(), small.data(), n);
        ref.silu(y2.data(), small.data(), n);
        for (int64_t i = 0; i < n; ++i)
            ASSERT_NEAR(y1[i], y2[i], 4e-7f * std::max(1.0f, std::fabs(y2[i]))) << small[i];
        const auto g = random_vec(n, 9);
        k.silu_mul(y1.data(), small.data(), g.data(), n);
        ref.silu_mul(y2.data(), small.data(), g.data(), n);
        for (int64_t i = 0; i < n; ++i)
            ASSERT_NEAR(y1[i], y2[i], 4e-7f * std::max(1.0f, std::fabs(y2[i]))) << small[i];
    }
}

TEST(CpuOpsSimd, ScanOpOnEveryIsaMatchesScalar) {
    // The whole op through the backend, scalar vs each SIMD path, on Nemotron-like d_state 128 and odd 24.
    const auto isas = simd_isas();
    if (isas.empty())
        GTEST_SKIP() << "this CPU has no AVX2";
    for (const int64_t N : {int64_t{24}, int64_t{128}}) {
        MambaShape s;
        s.n_head = 8;
        s.d_inner = 8 * 16;
        s.d_state = N;
        s.n_group = 2;
        s.d_conv = 4;
        const int64_t n = 3, ld = s.conv_dim();
        const auto xbc = random_vec(n * ld, 5), dt = random_vec(n * s.n_head, 6);
        OwnedWeight dt_b(random_vec(s.n_head, 7), s.n_head), d(random_vec(s.n_head, 8), s.n_head);
        OwnedWeight a(std::vector<float>(static_cast<size_t>(s.n_head), -0.5f), s.n_head);
        auto run = [&](cpu::CpuIsa isa) {
            cpu::cpu_isa_set_for_testing(isa);
            auto be = make_backend();
            std::vector<float> state(static_cast<size_t>(s.d_inner * N), 0.1f),
                y(static_cast<size_t>(n * s.d_inner));
            be->ssm_scan(xbc.data(), ld, dt.data(), s.n_head, dt_b.w, a.w, d.w, n, state.data(), s, y.data());
            EXPECT_TRUE(be->sync().ok());
            y.insert(y.end(), state.begin(), state.end());
            return y;
        };
        const auto want_f = run(cpu::CpuIsa::scalar);
        const std::vector<double> want(want_f.begin(), want_f.end());
        for (cpu::CpuIsa isa : isas)
            expect_close(run(isa), want, 1e-5,
                         std::string(cpu::cpu_isa_name(isa)) + " N=" + std::to_string(N));
        cpu::cpu_isa_set_for_testing(cpu::cpu_isa_detected());
    }
}

}  // namespace
}  // namespace nd::test
