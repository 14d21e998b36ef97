// MoE routing and experts on the CPU: 8 experts, top-3, selection bias, normalisation and scale, ties,
// group-limited routing with 2 groups; the experts' relu² FFN against a double-precision loop.
#include <gtest/gtest.h>

#include <cmath>

#include "gpu/cpu/cpu_moe.h"
#include "gpu/cpu/thread_pool.h"
#include "ops_test_util.h"

namespace nd::test {
namespace {

double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

TEST(CpuOpsMoe, RoutingPicksTopKBySelectionAndWeighsByProbability) {
    const std::vector<float> logits = {0.1f, 2.0f, -1.0f, 0.5f, 0.5f, 1.5f, -3.0f, 0.0f};
    std::vector<float> bias(8, 0.0f);
    bias[6] = 2.0f;  // sigmoid(-3) + 2 ≈ 2.05: chosen for the bias, weighed by its small probability
    MoeRouting r;
    r.n_expert = 8;
    r.n_used = 3;
    r.selection_bias = bias.data();
    r.normalize = true;
    r.scale = 2.5f;
    std::vector<int32_t> ids(3);
    std::vector<float> w(3);
    cpu::moe_route(logits.data(), r, 1, ids.data(), w.data());
    EXPECT_EQ(ids, (std::vector<int32_t>{6, 1, 5}));
    const double p[3] = {sigmoid(-3), sigmoid(2), sigmoid(1.5)};
    for (int j = 0; j < 3; ++j)
        EXPECT_NEAR(w[j], p[j] / (p[0] + p[1] + p[2]) * 2.5, 1e-6);

    // Ties go to the lower index; no normalisation keeps the plain probabilities.
    r.selection_bias = nullptr;
    r.normalize = false;
    r.scale = 1.0f;
    r.n_used = 4;
    ids.resize(4);
    w.resize(4);
    cpu::moe_route(logits.data(), r, 1, ids.data(), w.data());
    EXPECT_EQ(ids, (std::vector<int32_t>{1, 5, 3, 4}));
    EXPECT_NEAR(w[2], sigmoid(0.5), 1e-7);
}

TEST(CpuOpsMoe, GroupRoutingKeepsTheBestGroups) {
    // Group 0 = experts 0-3, group 1 = 4-7. Group 0 has the single best expert (0) but group 1 has the
    // better top-2 sum, so with one group used every choice comes from group 1.
    const std::vector<float> logits = {3.0f, -2.0f, -2.0f, -2.0f, 1.5f, 1.4f, 1.3f, -1.0f};
    MoeRouting r;
    r.n_expert = 8;
    r.n_used = 3;
    r.n_group = 2;
    r.n_group_used = 1;
    std::vector<int32_t> ids(3);
    std::vector<float> w(3);
    cpu::moe_route(logits.data(), r, 1, ids.data(), w.data());
    EXPECT_EQ(ids, (std::vector<int32_t>{4, 5, 6}));
    r.n_group_used = 2;  // both groups: plain top-k
    cpu::moe_route(logits.data(), r, 1, ids.data(), w.data());
    EXPECT_EQ(ids, (std::vector<int32_t>{0, 4, 5}));
}

TEST(CpuOpsMoe, ExpertsMatchDoubleReferenceForPrefillAndDecode) {
    auto be = make_backend();
    const int64_t E = 8, k = 3, n_in = 32, ff = 24, n_out = 32;
    OwnedWeight up(random_vec(n_in * ff * E, 80, 0.3f), n_in, ff, E, "blk.0.ffn_up_exps.weight");
    OwnedWeight down(random_vec(ff * n_out * E, 81, 0.3f), ff, n_out, E, "blk.0.ffn_down_exps.weight");
    const auto bias = random_vec(E, 82, 0.1f);
    MoeRouting r;
    r.n_expert = E;
    r.n_used = k;
    r.selection_bias = bias.data();
    r.normalize = true;
    r.scale = 2.5f;
    for (const int64_t n : {int64_t{6}, int64_t{1}}) {
        const auto x = random_vec(n * n_in, 83 + static_cast<uint32_t>(n));
        const auto logits = random_vec(n * E, 90 + static_cast<uint32_t>(n));
        std::vector<int32_t> ids(static_cast<size_t>(n * k));
        std::vector<float> w(static_cast<size_t>(n * k));
        cpu::moe_route(logits.data(), r, n, ids.data(), w.data());
        std::vector<double> want(static_cast<size_t>(n * n_out), 0.0);
        for (int64_t t = 0; t < n; ++t)
            for (int64_t j = 0; j < k; ++j) {
                const int64_t e = ids[t * k + j];
                std::vector<double> h(static_cast<size_t>(ff));
                for (int64_t o = 0; o < ff; ++o) {
                    double s = 0;
                    for (int64_t i = 0; i < n_in; ++i)
                        s += double(up.f()[(e * ff + o) * n_in + i]) * x[t * n_in + i];
                    h[o] = s > 0 ? s * s : 0;
                }
                for (int64_t o = 0; o < n_out; ++o) {
                    double s = 0;
                    for (int64_t i = 0; i < ff; ++i)
                        s += double(down.f()[(e * n_out + o) * ff + i]) * h[i];
                    want[t * n_out + o] += w[t * k + j] * s;
                }
            }
        std::vector<float> out(static_cast<size_t>(n * n_out), 1e30f);
        be->moe_ffn(logits.data(), r, up.w, down.w, x.data(), n, out.data());
        ASSERT_TRUE(be->sync().ok());
        expect_close(out, want, 1e-5, "moe n=" + std::to_string(n));
        // Both schedules, directly, on a pool of 3.
        cpu::ThreadPool pool(3);
        cpu::MoeScratch sc;
        const cpu::WeightMatrix up_m{GgmlType::f32, n_in, ff, up.w.data, up.w.row_bytes};
        const cpu::WeightMatrix down_m{GgmlType::f32, ff, n_out, down.w.data, down.w.row_bytes};
        for (const auto sched : {cpu::MoeSchedule::experts_in_turn, cpu::MoeSchedule::experts_in_parallel}) {
            std::fill(out.begin(), out.end(), 1e30f);
            cpu::moe_ffn(logits.data(), r, up_m, down_m, x.data(), n, out.data(), &sc, &pool, sched);
            expect_close(out, want, 1e-5, "moe schedule " + std::to_string(static_cast<int>(sched)));
        }
    }
    // A router that disagrees with the expert stacks is an error, not an out-of-bounds read.
    r.n_expert = 16;
    std::vector<float> logits(16), x(n_in), out(n_out);
    be->moe_ffn(logits.data(), r, up.w, down.w, x.data(), 1, out.data());
    EXPECT_EQ(be->sync().code, StatusCode::invalid_argument);
}

}  // namespace
}  // namespace nd::test
