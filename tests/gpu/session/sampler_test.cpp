// The sampler on hand-made logits: each filter alone, the chain in llama.cpp's order, penalties,
// determinism per seed, the distribution (counted over many draws with a fixed seed, so the counts are
// always the same), validation messages and non-finite logits.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "gpu/session/sampler.h"

namespace nd {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Only the named filter is on; temperature 1.
SamplerParams plain(uint64_t seed = 7) {
    SamplerParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.seed = seed;
    return p;
}

// The set of ids drawn over many samples.
std::set<int32_t> support(const SamplerParams &params, const std::vector<float> &logits,
                          const std::vector<int32_t> &history = {}, int draws = 2000) {
    Sampler s(params);
    std::set<int32_t> seen;
    for (int i = 0; i < draws; ++i)
        seen.insert(s.sample(logits, history));
    return seen;
}

std::vector<float> logs(const std::vector<double> &probs) {
    std::vector<float> out;
    for (double p : probs)
        out.push_back(static_cast<float>(std::log(p)));
    return out;
}

TEST(Sampler, GreedyIsArgmaxWithLowestIdOnTies) {
    Sampler s(SamplerParams::greedy());
    EXPECT_EQ(s.sample(std::vector<float>{0.1f, 3.0f, -2.0f, 2.9f}, {}), 1);
    EXPECT_EQ(s.sample(std::vector<float>{1.0f, 5.0f, 5.0f, 5.0f}, {}), 1);
    SamplerParams p = plain();
    p.temperature = 0.0f;
    p.top_k = 1;  // filters do not matter to greedy
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{-1.0f, -0.5f}, {}), 1);
}

TEST(Sampler, TopKKeepsTheKBest) {
    SamplerParams p = plain();
    p.top_k = 2;
    EXPECT_EQ(support(p, {1.0f, 4.0f, 2.0f, 3.9f, 0.0f}), (std::set<int32_t>{1, 3}));
    p.top_k = 1;
    EXPECT_EQ(support(p, {1.0f, 4.0f, 2.0f, 4.0f}), (std::set<int32_t>{1}));  // tie: lowest id
    p.top_k = 100;                                                            // more than the vocabulary: off
    EXPECT_EQ(support(p, logs({0.25, 0.25, 0.25, 0.25})).size(), 4u);
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
    SamplerParams p = plain();
    const std::vector<float> l = logs({0.5, 0.3, 0.15, 0.05});
    p.top_p = 0.5f;  // 0.5 alone reaches it
    EXPECT_EQ(support(p, l), (std::set<int32_t>{0}));
    p.top_p = 0.75f;  // 0.5 + 0.3
    EXPECT_EQ(support(p, l), (std::set<int32_t>{0, 1}));
    p.top_p = 0.9f;
    EXPECT_EQ(support(p, l), (std::set<int32_t>{0, 1, 2}));
    p.top_p = 1.0f;
    EXPECT_EQ(support(p, l).size(), 4u);
}

TEST(Sampler, MinPDropsTokensBelowAFractionOfTheBest) {
    SamplerParams p = plain();
    p.min_p = 0.25f;  // threshold 0.4 · 0.25 = 0.1
    EXPECT_EQ(support(p, logs({0.4, 0.3, 0.2, 0.09, 0.01})), (std::set<int32_t>{0, 1, 2}));
}

TEST(Sampler, ChainRunsTopKThenTopPOnTheRemainder) {
    // After top-k 3 the kept mass renormalises: 0.4/0.8 = 0.5, 0.3/0.8, 0.1/0.8. top_p 0.45 is reached by
    // the first token alone there, while on the full distribution (0.4 < 0.45) it takes two.
    SamplerParams p = plain();
    const std::vector<float> l = logs({0.4, 0.3, 0.1, 0.1, 0.1});
    p.top_k = 3;
    p.top_p = 0.45f;
    EXPECT_EQ(support(p, l), (std::set<int32_t>{0}));
    p.top_k = 0;
    EXPECT_EQ(support(p, l), (std::set<int32_t>{0, 1}));
}

TEST(Sampler, DistributionFollowsTheProbabilities) {
    Sampler s(plain(1234));
    const std::vector<float> l = logs({0.5, 0.3, 0.2});
    std::map<int32_t, int> counts;
    const int n = 20000;
    for (int i = 0; i < n; ++i)
        ++counts[s.sample(l, {})];
    // Fixed seed: these counts never change; the bounds are ~5 standard deviations wide anyway.
    EXPECT_NEAR(counts[0], 0.5 * n, 400);
    EXPECT_NEAR(counts[1], 0.3 * n, 400);
    EXPECT_NEAR(counts[2], 0.2 * n, 400);
}

TEST(Sampler, TemperatureSharpensAndFlattens) {
    const std::vector<float> l = logs({0.6, 0.4});
    const auto share0 = [&](float t) {
        SamplerParams p = plain(99);
        p.temperature = t;
        Sampler s(p);
        int zero = 0;
        for (int i = 0; i < 10000; ++i)
            zero += s.sample(l, {}) == 0;
        return zero / 10000.0;
    };
    // p0 at temperature t: 0.6^(1/t) / (0.6^(1/t) + 0.4^(1/t)).
    EXPECT_NEAR(share0(0.25f), 0.835, 0.03);
    EXPECT_NEAR(share0(1.0f), 0.6, 0.03);
    EXPECT_NEAR(share0(4.0f), 0.525, 0.03);
}

TEST(Sampler, SameSeedSameDrawsOtherSeedOtherDraws) {
    const std::vector<float> l = logs({0.2, 0.2, 0.2, 0.2, 0.2});
    const auto draws = [&](uint64_t seed) {
        Sampler s(plain(seed));
        std::vector<int32_t> out;
        for (int i = 0; i < 64; ++i)
            out.push_back(s.sample(l, {}));
        return out;
    };
    EXPECT_EQ(draws(42), draws(42));
    EXPECT_NE(draws(42), draws(43));
    EXPECT_EQ(Sampler(plain(42)).seed(), 42u);
    SamplerParams r = plain();
    r.random_seed = true;
    EXPECT_NE(Sampler(r).seed(), Sampler(r).seed());  // the clock and random_device differ per call
}

TEST(Sampler, RepeatPenaltyDividesPositiveAndMultipliesNegativeOncePerToken) {
    SamplerParams p = SamplerParams::greedy();
    p.repeat_penalty = 2.0f;
    // Token 0 (logit 3 → 1.5) loses to token 1 (2.0); a second occurrence does not penalise again.
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f}, std::vector<int32_t>{0, 0, 0}), 1);
    // Negative: -1 → -2 falls below -1.5.
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{-1.0f, -1.5f}, std::vector<int32_t>{0}), 1);
    // Only the window counts: token 0 is outside the last 2.
    p.penalty_last_n = 2;
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f}, std::vector<int32_t>{0, 1, 1}), 0);
    p.penalty_last_n = 0;  // off
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f}, std::vector<int32_t>{0}), 0);
    p.penalty_last_n = -1;                      // the whole history
    std::vector<int32_t> long_history(500, 2);  // token 2's logit 0 stays 0
    long_history[0] = 0;
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f, 0.0f}, long_history), 1);
}

TEST(Sampler, FrequencyAndPresencePenaltiesSubtract) {
    SamplerParams p = SamplerParams::greedy();
    p.frequency_penalty = 0.4f;
    // Token 0: 3 - 3·0.4 = 1.8 < 2.0.
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f}, std::vector<int32_t>{0, 0, 0}), 1);
    // Twice only: 3 - 0.8 = 2.2 > 2.0.
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f}, std::vector<int32_t>{0, 0}), 0);
    p.frequency_penalty = 0.0f;
    p.presence_penalty = 1.5f;  // once, whatever the count: 3 - 1.5 = 1.5 < 2
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f}, std::vector<int32_t>{0}), 1);
    p.presence_penalty = 0.9f;  // 2.1 > 2 even with many occurrences
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f}, std::vector<int32_t>{0, 0, 0, 0}), 0);
    // History ids outside the vocabulary are ignored, not read.
    EXPECT_EQ(Sampler(p).sample(std::vector<float>{3.0f, 2.0f}, std::vector<int32_t>{-5, 70000}), 0);
}

TEST(Sampler, NonFiniteLogitsNeverCrash) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    Sampler g(SamplerParams::greedy());
    EXPECT_EQ(g.sample(std::vector<float>{nan, 1.0f, nan}, {}), 1);
    EXPECT_EQ(g.sample(std::vector<float>{-kInf, -kInf, -kInf}, {}), 0);  // fallback: lowest id
    EXPECT_EQ(g.sample(std::vector<float>{nan, nan}, {}), 0);
    EXPECT_EQ(g.sample(std::vector<float>{1.0f, kInf, 2.0f}, {}), 1);
    EXPECT_EQ(g.sample(std::vector<float>{}, {}), -1);

    SamplerParams p = plain();
    p.top_k = 2;
    p.top_p = 0.9f;
    p.min_p = 0.1f;
    EXPECT_EQ(support(p, {nan, 1.0f, nan, -kInf}), (std::set<int32_t>{1}));
    EXPECT_EQ(support(p, {-kInf, nan, -kInf}), (std::set<int32_t>{0}));
    EXPECT_EQ(support(p, {0.0f, kInf, kInf, 1.0f}), (std::set<int32_t>{1, 2}));
    p.temperature = 1e-30f;  // tiny: must not overflow into NaN
    EXPECT_EQ(support(p, {0.0f, 50.0f, 49.0f}, {}, 50), (std::set<int32_t>{1}));
}

TEST(Sampler, ParamsThatDoNotValidateStillGiveAnIdInRange) {
    // The constructor's precondition is validation; a caller that skips it gets nonsense, not a crash.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    SamplerParams p = plain();
    p.min_p = 2.0f;
    p.repeat_penalty = 0.0f;
    p.top_k = -4;
    p.top_p = nan;
    for (float t : {1.0f, nan, kInf}) {
        p.temperature = t;
        Sampler s(p);
        for (int i = 0; i < 20; ++i) {
            const int32_t id = s.sample(std::vector<float>{1.0f, 2.0f, -3.0f}, std::vector<int32_t>{1, 2});
            EXPECT_GE(id, 0);
            EXPECT_LT(id, 3);
        }
    }
}

TEST(Sampler, LargeVocabularyWithTopK) {
    std::vector<float> l(131072, 0.0f);
    for (size_t i = 0; i < l.size(); ++i)
        l[i] = static_cast<float>((i * 2654435761u) % 1000) / 100.0f;
    SamplerParams p = plain(3);
    p.top_k = 40;
    p.top_p = 0.95f;
    p.min_p = 0.05f;
    Sampler s(p);
    for (int i = 0; i < 20; ++i) {
        const int32_t id = s.sample(l, {});
        ASSERT_GE(id, 0);
        EXPECT_GE(l[static_cast<size_t>(id)], 9.5f);  // among the best 40 (all near 9.99)
    }
}

TEST(SamplerParams, ValidationNamesTheParameterAndTheValue) {
    EXPECT_TRUE(sampler_params_validate(SamplerParams{}).ok());
    EXPECT_TRUE(sampler_params_validate(SamplerParams::greedy()).ok());
    const auto message = [](auto mutate) {
        SamplerParams p;
        mutate(p);
        const Status st = sampler_params_validate(p);
        EXPECT_EQ(st.code, StatusCode::invalid_argument);
        return st.message;
    };
    const float nan = std::numeric_limits<float>::quiet_NaN();
    EXPECT_NE(message([](SamplerParams &p) { p.temperature = -1; }).find("temperature must be >= 0"),
              std::string::npos);
    EXPECT_NE(message([](SamplerParams &p) { p.temperature = -1; }).find("(got -1)"), std::string::npos);
    EXPECT_NE(message([&](SamplerParams &p) { p.temperature = nan; }).find("temperature"), std::string::npos);
    EXPECT_NE(message([](SamplerParams &p) { p.top_k = -3; }).find("top_k must be >= 0 (0: off) (got -3)"),
              std::string::npos);
    EXPECT_NE(message([](SamplerParams &p) { p.top_p = 1.5f; }).find("top_p must be in (0, 1]"),
              std::string::npos);
    EXPECT_NE(message([](SamplerParams &p) { p.top_p = 0.0f; }).find("(got 0)"), std::string::npos);
    EXPECT_NE(message([&](SamplerParams &p) { p.top_p = nan; }).find("top_p"), std::string::npos);
    EXPECT_NE(message([](SamplerParams &p) { p.min_p = 1.0f; }).find("min_p must be in [0, 1)"),
              std::string::npos);
    EXPECT_NE(message([](SamplerParams &p) { p.repeat_penalty = 0.0f; }).find("repeat_penalty must be > 0"),
              std::string::npos);
    EXPECT_NE(message([&](SamplerParams &p) { p.presence_penalty = nan; }).find("presence_penalty"),
              std::string::npos);
    EXPECT_NE(message([&](SamplerParams &p) { p.frequency_penalty = kInf; }).find("frequency_penalty"),
              std::string::npos);
    EXPECT_NE(message([](SamplerParams &p) { p.penalty_last_n = -2; }).find("penalty_last_n must be >= -1"),
              std::string::npos);
}

}  // namespace
}  // namespace nd
