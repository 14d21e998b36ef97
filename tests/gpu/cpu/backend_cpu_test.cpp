// The CPU backend's memory ops, weight checks, matmul wiring (bias, expert slices) and failure recording.
#include <gtest/gtest.h>

#include <cstring>

#include "gpu/cpu/thread_pool.h"
#include "ops_test_util.h"

namespace nd::test {
namespace {

TEST(CpuBackend, NameSaysIsaAndThreads) {
    EXPECT_NE(make_backend(3)->name().find("3 threads"), std::string::npos);
    EXPECT_NE(make_backend(1)->name().find("1 thread)"), std::string::npos);
    const std::string all = cpu_backend_create()->name();
    EXPECT_NE(all.find(std::to_string(cpu::default_thread_count()) + " thread"), std::string::npos) << all;
}

TEST(CpuBackend, MemoryIsAlignedZeroedAndCopies) {
    auto be = make_backend();
    for (size_t bytes : {size_t{0}, size_t{1}, size_t{100}, size_t{4096}}) {
        void *p = nullptr;
        ASSERT_TRUE(be->alloc(bytes, &p).ok());
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
        for (size_t i = 0; i < bytes; ++i)
            ASSERT_EQ(static_cast<unsigned char *>(p)[i], 0);
        be->release(p);
    }
    void *a = nullptr, *b = nullptr;
    ASSERT_TRUE(be->alloc(16, &a).ok());
    ASSERT_TRUE(be->alloc(16, &b).ok());
    const char src[16] = "fifteen chars!!";
    char back[16] = {};
    be->upload(a, src, 16);
    be->copy(b, a, 16);
    be->download(back, b, 16);
    EXPECT_EQ(std::memcmp(src, back, 16), 0);
    be->fill_zero(b, 16);
    be->download(back, b, 16);
    EXPECT_EQ(back[0], 0);
    be->release(a);
    be->release(b);
    void *huge = nullptr;
    const Status st = be->alloc(size_t{1} << 62, &huge);
    EXPECT_EQ(st.code, StatusCode::out_of_memory);
    EXPECT_NE(st.message.find(std::to_string(size_t{1} << 62)), std::string::npos) << st.message;
    EXPECT_EQ(huge, nullptr);
}

TEST(CpuBackend, PrepareWeightChecksTypeAndShape) {
    auto be = make_backend();
    OwnedWeight w(random_vec(64, 1), 32, 2);
    EXPECT_TRUE(be->prepare_weight(w.w).ok());
    Weight bad = w.w;
    bad.row_bytes = 100;
    EXPECT_EQ(be->prepare_weight(bad).code, StatusCode::invalid_argument);
    bad = w.w;
    bad.type = static_cast<GgmlType>(16);  // IQ2_XXS: a ggml type the engine does not compute with
    const Status st = be->prepare_weight(bad);
    EXPECT_EQ(st.code, StatusCode::unsupported);
    EXPECT_NE(st.message.find("IQ2_XXS"), std::string::npos) << st.message;
    bad = w.w;
    bad.type = GgmlType::q8_0;
    bad.n_in = 33;  // not whole blocks of 32
    bad.row_bytes = 34;
    EXPECT_EQ(be->prepare_weight(bad).code, StatusCode::invalid_argument);
}

TEST(CpuBackend, MatmulAddsBiasAndPicksExperts) {
    auto be = make_backend();
    const int64_t n_in = 32, n_out = 5, E = 3, n = 4, ldx = 40, ldy = 9;
    OwnedWeight w(random_vec(n_in * n_out * E, 2), n_in, n_out, E, "stack");
    OwnedWeight bias(random_vec(n_out, 3), n_out);
    const auto x = random_vec(n * ldx, 4);
    for (int64_t e = 0; e < E; ++e) {
        std::vector<float> y(static_cast<size_t>(n * ldy), -7.0f);
        be->matmul(w.w, e, x.data(), ldx, n, y.data(), ldy, &bias.w);
        ASSERT_TRUE(be->sync().ok());
        for (int64_t t = 0; t < n; ++t)
            for (int64_t o = 0; o < ldy; ++o) {
                if (o >= n_out) {
                    ASSERT_EQ(y[t * ldy + o], -7.0f);  // beyond the row: untouched
                    continue;
                }
                double want = bias.f()[o];
                for (int64_t i = 0; i < n_in; ++i)
                    want += double(w.f()[(e * n_out + o) * n_in + i]) * x[t * ldx + i];
                ASSERT_NEAR(y[t * ldy + o], want, 1e-4);
            }
    }
    std::vector<float> y(static_cast<size_t>(n * ldy));
    be->matmul(w.w, E, x.data(), ldx, n, y.data(), ldy);
    EXPECT_EQ(be->sync().code, StatusCode::invalid_argument);
}

TEST(CpuBackend, FailureIsRecordedOnceAndLaterOpsAreSkipped) {
    auto be = make_backend();
    OwnedWeight w(random_vec(8, 1), 8);
    std::vector<float> x(16, 1.0f), y(16, 0.0f);
    be->rms_norm(x.data(), w.w, 1, 9, 1e-5f, y.data());  // the weight has 8 values, not 9
    be->add(y.data(), x.data(), 16);                     // skipped after the failure
    Weight absent;
    absent.name = "second";
    be->rms_norm(x.data(), absent, 1, 8, 1e-5f, y.data());  // a second failure does not replace the first
    const Status st = be->sync();
    EXPECT_EQ(st.code, StatusCode::invalid_argument);
    EXPECT_NE(st.message.find("rms_norm"), std::string::npos) << st.message;
    EXPECT_EQ(st.message.find("second"), std::string::npos) << st.message;
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_TRUE(be->sync().ok());
    be->add(y.data(), x.data(), 16);
    EXPECT_TRUE(be->sync().ok());
    EXPECT_EQ(y[15], 1.0f);
}

}  // namespace
}  // namespace nd::test
