// Mamba-2 conv, scan and gated group norm on the CPU against double-precision loops: d_state 24 (not a
// SIMD multiple), 4 heads in 2 groups (repeat_interleave), the batch split into chunks that carry state.
#include <gtest/gtest.h>

#include <cmath>

#include "ops_test_util.h"

namespace nd::test {
namespace {

MambaShape shape() {
    MambaShape s;
    s.n_head = 4;
    s.d_inner = 40;  // head_dim 10
    s.d_state = 24;
    s.n_group = 2;
    s.d_conv = 4;
    return s;
}

const std::vector<std::pair<int64_t, int64_t>> kChunks = {{0, 5}, {5, 6}, {6, 9}};

TEST(CpuOpsMamba, ConvInChunksMatchesWholeSequence) {
    auto be = make_backend();
    const MambaShape s = shape();
    const int64_t C = s.conv_dim(), dc = s.d_conv, n = 9, ld = C + 5;
    const auto in = random_vec(n * ld, 50);
    OwnedWeight w(random_vec(C * dc, 51, 0.5f), dc, C, 1, "ssm_conv1d.weight");
    OwnedWeight b(random_vec(C, 52), C, 1, 1, "ssm_conv1d.bias");
    std::vector<double> want;
    for (int64_t t = 0; t < n; ++t)
        for (int64_t c = 0; c < C; ++c) {
            double sum = b.f()[c];
            for (int64_t k = 0; k < dc; ++k) {
                const int64_t src = t - (dc - 1) + k;  // inputs before 0 are the zero initial state
                if (src >= 0)
                    sum += double(w.f()[c * dc + k]) * in[src * ld + c];
            }
            want.push_back(silu_d(sum));
        }
    std::vector<float> state(static_cast<size_t>(C * (dc - 1)), 0.0f), got(static_cast<size_t>(n * C));
    for (const auto &[t0, t1] : kChunks)
        be->ssm_conv(in.data() + t0 * ld, ld, t1 - t0, state.data(), w.w, b.w, s, got.data() + t0 * C);
    ASSERT_TRUE(be->sync().ok());
    expect_close(got, want, 1e-5, "ssm_conv");
    for (int64_t c = 0; c < C; ++c)  // the state is the last d_conv-1 raw inputs, oldest first
        for (int64_t j = 0; j < dc - 1; ++j)
            ASSERT_EQ(state[c * (dc - 1) + j], in[(n - (dc - 1) + j) * ld + c]);
}

TEST(CpuOpsMamba, ScanInChunksMatchesDoubleRecurrence) {
    auto be = make_backend();
    const MambaShape s = shape();
    const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, G = s.n_group, Di = s.d_inner;
    const int64_t n = 9, ld_x = s.conv_dim() + 3, ld_dt = nh + 2;
    const auto xbc = random_vec(n * ld_x, 60);
    auto dt_raw = random_vec(n * ld_dt, 61);
    dt_raw[static_cast<size_t>(2 * ld_dt + 1)] = 25.0f;  // softplus's x > 20 branch
    OwnedWeight dt_bias(random_vec(nh, 62, 0.5f), nh), d(random_vec(nh, 63), nh);
    std::vector<float> a_vals(static_cast<size_t>(nh));
    for (int64_t h = 0; h < nh; ++h)
        a_vals[h] = -std::exp(0.3f * static_cast<float>(h) - 0.5f);
    OwnedWeight a(a_vals, nh);

    std::vector<double> S(static_cast<size_t>(nh * P * N), 0.0), want;
    for (int64_t t = 0; t < n; ++t) {
        const float *row = xbc.data() + t * ld_x;
        std::vector<double> yt(static_cast<size_t>(Di));
        for (int64_t h = 0; h < nh; ++h) {
            const int64_t g = h / (nh / G);
            const double raw = double(dt_raw[t * ld_dt + h]) + dt_bias.f()[h];
            const double dt = raw > 20 ? raw : std::log1p(std::exp(raw));
            const double dA = std::exp(dt * a.f()[h]);
            for (int64_t p = 0; p < P; ++p) {
                const double x = row[h * P + p];
                double y = 0;
                for (int64_t k = 0; k < N; ++k) {
                    double &st = S[(h * P + p) * N + k];
                    st = st * dA + dt * x * row[Di + g * N + k];
                    y += st * row[Di + G * N + g * N + k];
                }
                yt[h * P + p] = y + d.f()[h] * x;
            }
        }
        want.insert(want.end(), yt.begin(), yt.end());
    }
    std::vector<float> state(S.size(), 0.0f), got(static_cast<size_t>(n * Di));
    for (const auto &[t0, t1] : kChunks)
        be->ssm_scan(xbc.data() + t0 * ld_x, ld_x, dt_raw.data() + t0 * ld_dt, ld_dt, dt_bias.w, a.w, d.w,
                     t1 - t0, state.data(), s, got.data() + t0 * Di);
    ASSERT_TRUE(be->sync().ok());
    expect_close(got, want, 2e-5, "ssm_scan");
    std::vector<float> state_f(S.begin(), S.end());
    expect_close(state, std::vector<double>(S.begin(), S.end()), 2e-5, "ssm state");
}

TEST(CpuOpsMamba, GatedGroupNormGatesThenNormalisesEachGroup) {
    auto be = make_backend();
    const MambaShape s = shape();
    const int64_t n = 3, Di = s.d_inner, gs = Di / s.n_group, ld_z = Di + 7;
    const auto y0 = random_vec(n * Di, 70, 2.0f), z = random_vec(n * ld_z, 71);
    OwnedWeight w(random_vec(Di, 72), gs, s.n_group, 1, "ssm_norm.weight");  // stored (Di/G, G)
    std::vector<double> want(y0.size());
    for (int64_t t = 0; t < n; ++t)
        for (int64_t g = 0; g < s.n_group; ++g) {
            double ss = 0;
            std::vector<double> v(static_cast<size_t>(gs));
            for (int64_t j = 0; j < gs; ++j) {
                v[j] = y0[t * Di + g * gs + j] * silu_d(z[t * ld_z + g * gs + j]);
                ss += v[j] * v[j];
            }
            const double scale = 1.0 / std::sqrt(ss / gs + 1e-5);
            for (int64_t j = 0; j < gs; ++j)
                want[t * Di + g * gs + j] = v[j] * scale * w.f()[g * gs + j];
        }
    std::vector<float> y = y0;
    be->gated_group_norm(y.data(), z.data(), ld_z, n, w.w, s, 1e-5f);
    ASSERT_TRUE(be->sync().ok());
    expect_close(y, want, 1e-5, "gated_group_norm");
}

TEST(CpuOpsMamba, RejectsInconsistentShapes) {
    auto be = make_backend();
    MambaShape s = shape();
    s.n_group = 3;  // 4 heads cannot form 3 groups
    OwnedWeight v(random_vec(4, 1), 4);
    std::vector<float> buf(4096);
    be->ssm_scan(buf.data(), 200, buf.data(), 4, v.w, v.w, v.w, 1, buf.data(), s, buf.data());
    EXPECT_EQ(be->sync().code, StatusCode::invalid_argument);
    s = shape();
    OwnedWeight short_w(random_vec(10, 2), 10);  // conv weight of the wrong size
    be->ssm_conv(buf.data(), s.conv_dim(), 1, buf.data(), short_w.w, short_w.w, s, buf.data());
    const Status st = be->sync();
    EXPECT_EQ(st.code, StatusCode::invalid_argument);
    EXPECT_NE(st.message.find("test.weight"), std::string::npos) << st.message;
    // After a failure is reported and cleared, the backend works again.
    be->add(buf.data(), buf.data(), 4);
    EXPECT_TRUE(be->sync().ok());
}

}  // namespace
}  // namespace nd::test
