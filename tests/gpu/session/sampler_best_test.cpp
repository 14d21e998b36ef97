// The sampler's backend path (Sampler::best_plan → Backend::apply_penalties and top_k → sample_best)
// against its host path (sample over every logit): the same token on every draw, for greedy and top-k
// chains with penalties, on logits with exact ties, NaN and ±inf, and the host implementations of the two
// ops (backend_sampling.cpp, the CPU twins of the CUDA kernels) against a plain sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gpu/cpu/cpu_backend.h"
#include "gpu/model/logit_select.h"
#include "gpu/session/sampler.h"

namespace nd {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Random logits drawn from `distinct` values (many exact ties), with some NaN and ±inf.
std::vector<float> logits(size_t n, uint32_t seed, int distinct, bool odd_values) {
    std::mt19937 rng(seed);
    std::vector<float> v(n);
    for (float &x : v)
        x = static_cast<float>(static_cast<int>(rng() % static_cast<uint32_t>(distinct))) * 0.37f - 3.0f;
    if (odd_values) {
        v[rng() % n] = std::nanf("");
        v[rng() % n] = kInf;
        v[rng() % n] = -kInf;
        v[rng() % n] = std::nanf("");
    }
    return v;
}

// What the backend does for a plan, on the CPU backend (its ops are the host implementations).
void best_on_backend(Backend &be, const std::vector<float> &host, int64_t n_vocab,
                     const SamplerBestPlan &plan, std::vector<float> *vals, std::vector<int32_t> *ids) {
    void *d = nullptr, *out_ids = nullptr, *out_vals = nullptr;
    ASSERT_TRUE(be.alloc(host.size() * sizeof(float), &d).ok());
    ASSERT_TRUE(be.alloc(kTopKMax * 4, &out_ids).ok());
    ASSERT_TRUE(be.alloc(kTopKMax * 4, &out_vals).ok());
    be.upload(d, host.data(), host.size() * sizeof(float));
    auto *l = static_cast<float *>(d);
    if (!plan.ids.empty())
        be.apply_penalties(l, n_vocab, plan.ids.data(), plan.counts.data(),
                           static_cast<int64_t>(plan.ids.size()), plan.repeat, plan.frequency, plan.presence);
    be.top_k(l, n_vocab, plan.k, static_cast<int32_t *>(out_ids), static_cast<float *>(out_vals));
    vals->resize(static_cast<size_t>(plan.k));
    ids->resize(static_cast<size_t>(plan.k));
    be.download(vals->data(), out_vals, vals->size() * 4);
    be.download(ids->data(), out_ids, ids->size() * 4);
    ASSERT_TRUE(be.sync().ok());
    be.release(d);
    be.release(out_ids);
    be.release(out_vals);
}

struct Chain {
    float temperature;
    int top_k;
    float top_p;
    float min_p;
    float repeat;
    float frequency;
    float presence;
    int window;
};

TEST(SamplerBest, BackendPathDrawsWhatTheHostPathDraws) {
    auto be = cpu_backend_create({1});
    const Chain chains[] = {
        {0.0f, 0, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 64},     // greedy
        {0.0f, 0, 1.0f, 0.0f, 1.3f, 0.2f, 0.5f, 64},     // greedy with penalties
        {0.8f, 40, 0.95f, 0.05f, 1.0f, 0.0f, 0.0f, 64},  // the defaults
        {0.8f, 40, 1.0f, 0.0f, 1.1f, 0.1f, -0.4f, 32},   // top-k alone, penalties (a negative presence lifts)
        {1.5f, 256, 0.9f, 0.02f, 0.9f, 0.0f, 0.3f, 16},  // the largest k, a repeat penalty below 1
        {0.7f, 3, 1.0f, 0.0f, 1.2f, 0.0f, 0.0f, 1000},   // a window longer than the history
    };
    const std::vector<float> base = logits(5000, 1, 9, true);
    std::mt19937 rng(5);
    for (const Chain &c : chains) {
        SamplerParams p;
        p.temperature = c.temperature;
        p.top_k = c.top_k;
        p.top_p = c.top_p;
        p.min_p = c.min_p;
        p.repeat_penalty = c.repeat;
        p.frequency_penalty = c.frequency;
        p.presence_penalty = c.presence;
        p.penalty_last_n = c.window;
        p.seed = 42;
        ASSERT_TRUE(sampler_params_validate(p).ok());
        Sampler host(p), dev(p);
        std::vector<int32_t> history;
        for (int step = 0; step < 60; ++step) {
            // Each step other logits; the history repeats a few ids so counts exceed 1.
            std::vector<float> l =
                logits(base.size(), 100 + static_cast<uint32_t>(step), 7 + step % 5, step % 3 == 0);
            const int64_t n_vocab = static_cast<int64_t>(l.size()) - (step % 2) * 17;  // a padded vocabulary
            SamplerBestPlan plan;
            ASSERT_TRUE(dev.best_plan(history, n_vocab, &plan));
            std::vector<float> vals;
            std::vector<int32_t> ids;
            ASSERT_NO_FATAL_FAILURE(best_on_backend(*be, l, n_vocab, plan, &vals, &ids));
            const int32_t want =
                host.sample(std::span<const float>(l.data(), static_cast<size_t>(n_vocab)), history);
            const int32_t got = dev.sample_best(vals, ids);
            ASSERT_EQ(got, want) << "step " << step << ", top_k " << c.top_k << ", temperature "
                                 << c.temperature;
            history.push_back(got);
            if (rng() % 3 == 0 && !history.empty())
                history.push_back(history[rng() % history.size()]);
        }
    }
}

TEST(SamplerBest, PlanOnlyWhenTheBestFewDecide) {
    SamplerParams p;
    p.temperature = 0.8f;
    p.top_k = 0;  // top-p over the whole vocabulary
    SamplerBestPlan plan;
    EXPECT_FALSE(Sampler(p).best_plan({}, 1000, &plan));
    p.top_k = static_cast<int>(kTopKMax) + 1;
    EXPECT_FALSE(Sampler(p).best_plan({}, 1000, &plan));
    p.top_k = 40;
    p.repeat_penalty = 1.1f;
    p.penalty_last_n = -1;  // the whole sequence: a window that keeps growing
    EXPECT_FALSE(Sampler(p).best_plan({}, 1000, &plan));
    p.penalty_last_n = 8;
    const std::vector<int32_t> history = {5, 9, 5, 2000, 7, 5, 9};
    ASSERT_TRUE(Sampler(p).best_plan(history, 1000, &plan));
    EXPECT_EQ(plan.k, 40);
    // Distinct ids of the window with their counts (2000 is outside the vocabulary), padded to 8.
    EXPECT_EQ(plan.ids, (std::vector<int32_t>{5, 7, 9, -1, -1, -1, -1, -1}));
    EXPECT_EQ(plan.counts, (std::vector<int32_t>{3, 1, 2, 0, 0, 0, 0, 0}));
    p.temperature = 0.0f;
    ASSERT_TRUE(Sampler(p).best_plan(history, 1000, &plan));
    EXPECT_EQ(plan.k, 1);
}

TEST(SamplerBest, HostTopKIsASortByLogitThenId) {
    auto be = cpu_backend_create({1});
    for (int64_t n : {1, 7, 300, 70000}) {
        for (int64_t k : {1, 2, 40, 256}) {
            if (k > n)
                continue;
            const std::vector<float> l =
                logits(static_cast<size_t>(n), static_cast<uint32_t>(n + k), 5, n > 10);
            SamplerBestPlan plan;
            plan.k = k;
            std::vector<float> vals;
            std::vector<int32_t> ids;
            ASSERT_NO_FATAL_FAILURE(best_on_backend(*be, l, n, plan, &vals, &ids));
            std::vector<std::pair<float, int32_t>> all;
            for (int64_t i = 0; i < n; ++i)
                all.emplace_back(logit_sanitize(l[static_cast<size_t>(i)]), static_cast<int32_t>(i));
            std::sort(all.begin(), all.end(), logit_better);
            for (int64_t i = 0; i < k; ++i) {
                EXPECT_EQ(ids[static_cast<size_t>(i)], all[static_cast<size_t>(i)].second)
                    << n << " " << k << " " << i;
                EXPECT_EQ(vals[static_cast<size_t>(i)], all[static_cast<size_t>(i)].first);
            }
        }
    }
}

}  // namespace
}  // namespace nd
