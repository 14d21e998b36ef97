// The CPU backend's element-wise ops, norms, RoPE and get_rows against double-precision loops.
#include <gtest/gtest.h>

#include <cmath>

#include "ops_test_util.h"

namespace nd::test {
namespace {

TEST(CpuOpsElementwise, RmsNormMatchesDoubleReferenceInPlaceAndNot) {
    auto be = make_backend();
    const int64_t n = 5, width = 67;
    const auto x = random_vec(n * width, 1, 3.0f);
    OwnedWeight w(random_vec(width, 2), width);
    std::vector<double> want(x.size());
    for (int64_t t = 0; t < n; ++t) {
        double ss = 0;
        for (int64_t i = 0; i < width; ++i)
            ss += double(x[t * width + i]) * x[t * width + i];
        const double scale = 1.0 / std::sqrt(ss / width + 1e-5);
        for (int64_t i = 0; i < width; ++i)
            want[t * width + i] = x[t * width + i] * scale * w.f()[i];
    }
    std::vector<float> y(x.size());
    be->rms_norm(x.data(), w.w, n, width, 1e-5f, y.data());
    ASSERT_TRUE(be->sync().ok());
    expect_close(y, want, 1e-5, "rms_norm");
    std::vector<float> inplace = x;
    be->rms_norm(inplace.data(), w.w, n, width, 1e-5f, inplace.data());
    ASSERT_TRUE(be->sync().ok());
    EXPECT_EQ(inplace, y);
}

TEST(CpuOpsElementwise, LayerNormWithAndWithoutBias) {
    auto be = make_backend();
    const int64_t n = 3, width = 40;
    const auto x = random_vec(n * width, 3, 2.0f, 5.0f);  // an offset, so the mean matters
    OwnedWeight w(random_vec(width, 4), width), b(random_vec(width, 5), width);
    for (const bool with_bias : {false, true}) {
        std::vector<double> want(x.size());
        for (int64_t t = 0; t < n; ++t) {
            double mean = 0, var = 0;
            for (int64_t i = 0; i < width; ++i)
                mean += x[t * width + i];
            mean /= width;
            for (int64_t i = 0; i < width; ++i)
                var += (x[t * width + i] - mean) * (x[t * width + i] - mean);
            var /= width;
            for (int64_t i = 0; i < width; ++i)
                want[t * width + i] = (x[t * width + i] - mean) / std::sqrt(var + 1e-5) * w.f()[i] +
                                      (with_bias ? b.f()[i] : 0.0);
        }
        std::vector<float> y = x;  // in place
        be->layer_norm(y.data(), w.w, with_bias ? &b.w : nullptr, n, width, 1e-5f, y.data());
        ASSERT_TRUE(be->sync().ok());
        expect_close(y, want, 1e-5, with_bias ? "layer_norm+b" : "layer_norm");
    }
}

TEST(CpuOpsElementwise, AddReluSqrSwiglu) {
    auto be = make_backend();
    const auto a = random_vec(1000, 6), b = random_vec(1000, 7);
    std::vector<float> y = a;
    be->add(y.data(), b.data(), 1000);
    for (size_t i = 0; i < y.size(); ++i)
        ASSERT_EQ(y[i], a[i] + b[i]);
    be->relu_sqr(y.data(), 1000);
    for (size_t i = 0; i < y.size(); ++i) {
        const float r = std::max(0.0f, a[i] + b[i]);
        ASSERT_EQ(y[i], r * r);
    }
    // swiglu on strided rows: gate [3][ld 50] of width 33, up [3][ld 40]; the padding must stay.
    auto gate = random_vec(150, 8), up = random_vec(120, 9);
    const auto gate0 = gate;
    be->swiglu(gate.data(), 50, up.data(), 40, 3, 33);
    ASSERT_TRUE(be->sync().ok());
    for (int64_t t = 0; t < 3; ++t) {
        for (int64_t i = 0; i < 50; ++i) {
            const size_t gi = static_cast<size_t>(t * 50 + i);
            if (i >= 33) {
                EXPECT_EQ(gate[gi], gate0[gi]);
                continue;
            }
            const double want = silu_d(gate0[gi]) * up[static_cast<size_t>(t * 40 + i)];
            EXPECT_NEAR(gate[gi], want, 1e-5 * std::max(1.0, std::fabs(want)));
        }
    }
}

// RoPE against θ_i = pos · freq_scale · base^(−2i/n_rot) / ff_i in double.
void check_rope(RopeMode mode, int64_t n_head, int64_t head_dim, int64_t n_rot, float freq_scale,
                const float *freq_factors) {
    auto be = make_backend();
    const int64_t n = 4, ldx = n_head * head_dim + 3;
    const std::vector<int32_t> pos = {0, 1, 17, 300};
    const auto x0 = random_vec(n * ldx, 10);
    RopeParams p;
    p.mode = mode;
    p.n_rot = n_rot;
    p.freq_base = 10000.0f;
    p.freq_scale = freq_scale;
    p.freq_factors = freq_factors;
    std::vector<double> want(x0.begin(), x0.end());
    for (int64_t t = 0; t < n; ++t) {
        for (int64_t h = 0; h < n_head; ++h) {
            const int64_t base = t * ldx + h * head_dim;
            for (int64_t i = 0; i < n_rot / 2; ++i) {
                const double theta = pos[t] * double(freq_scale) * std::pow(10000.0, -2.0 * i / n_rot) /
                                     (freq_factors ? freq_factors[i] : 1.0);
                const int64_t i0 = mode == RopeMode::neox ? i : 2 * i;
                const int64_t i1 = mode == RopeMode::neox ? i + n_rot / 2 : 2 * i + 1;
                const double a = x0[base + i0], b = x0[base + i1];
                want[base + i0] = a * std::cos(theta) - b * std::sin(theta);
                want[base + i1] = a * std::sin(theta) + b * std::cos(theta);
            }
        }
    }
    std::vector<float> x = x0;
    be->rope(x.data(), ldx, n, n_head, head_dim, pos.data(), p);
    ASSERT_TRUE(be->sync().ok());
    // f32 angles at position 300 carry ~300·2^-24 rad of error: a loose-but-meaningful bound.
    expect_close(x, want, 2e-4, "rope");
    for (int64_t t = 0; t < n; ++t) {  // the dims >= n_rot and the padding are untouched
        for (int64_t i = 0; i < ldx; ++i) {
            if (i >= n_head * head_dim || i % head_dim >= n_rot) {
                ASSERT_EQ(x[t * ldx + i], x0[t * ldx + i]);
            }
        }
    }
}

TEST(CpuOpsElementwise, RopeNeoxPartial) {
    check_rope(RopeMode::neox, 3, 64, 16, 1.0f, nullptr);
}
TEST(CpuOpsElementwise, RopeNormFullWithScaleAndFactors) {
    std::vector<float> ff(20);
    for (size_t i = 0; i < ff.size(); ++i)
        ff[i] = 1.0f + 0.5f * static_cast<float>(i);
    check_rope(RopeMode::norm, 2, 40, 40, 0.25f, ff.data());
}

TEST(CpuOpsElementwise, GetRowsDequantisesEveryType) {
    auto be = make_backend();
    const int64_t n_in = 256, n_rows = 5;
    const auto values = random_vec(n_in * n_rows, 11);
    for (GgmlType type : {GgmlType::f32, GgmlType::f16, GgmlType::q8_0, GgmlType::q4_k}) {
        const int64_t rb = ggml_row_bytes(type, n_in);
        std::vector<uint8_t> bytes(static_cast<size_t>(rb * n_rows));
        for (int64_t r = 0; r < n_rows; ++r)
            ASSERT_TRUE(ggml_quantize_row(type, values.data() + r * n_in, n_in, bytes.data() + r * rb).ok());
        Weight w;
        w.type = type;
        w.n_in = n_in;
        w.n_out = n_rows;
        w.row_bytes = rb;
        w.data = bytes.data();
        w.name = "token_embd.weight";
        const std::vector<int32_t> ids = {4, 0, 4};
        std::vector<float> out(3 * n_in), want(n_in);
        be->get_rows(w, ids.data(), 3, out.data());
        ASSERT_TRUE(be->sync().ok());
        for (int64_t t = 0; t < 3; ++t) {
            ASSERT_TRUE(ggml_dequantize_row(type, bytes.data() + ids[t] * rb, n_in, want.data()).ok());
            for (int64_t i = 0; i < n_in; ++i)
                ASSERT_EQ(out[t * n_in + i], want[i]) << ggml_type_name(static_cast<uint32_t>(type));
        }
        const int32_t bad = 5;
        be->get_rows(w, &bad, 1, out.data());
        EXPECT_EQ(be->sync().code, StatusCode::invalid_argument);
    }
}

}  // namespace
}  // namespace nd::test
