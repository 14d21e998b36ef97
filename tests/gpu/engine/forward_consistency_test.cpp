// Self-consistency of the forward passes on every architecture: one prefill, token-by-token decode and
// prefill in batches of 3 give the same logits at every position.
#include <gtest/gtest.h>

#include "engine/forward_test_util.h"

namespace nd::test {
namespace {

class ForwardConsistency : public testing::TestWithParam<ModelArch> {};

TEST_P(ForwardConsistency, PrefillEqualsDecodeEqualsBatches) {
    auto m = load_cached(GetParam());
    ASSERT_TRUE(m);
    auto be = cpu_backend_create({});
    const auto tokens = test_tokens(11, m->hp.n_vocab);

    std::vector<float> all, step, tri, one;
    auto s1 = make_session(*m, be.get(), 64, 64);
    ASSERT_TRUE(s1->eval(tokens, true, &all).ok());
    ASSERT_EQ(all.size(), tokens.size() * static_cast<size_t>(m->hp.n_vocab));

    auto s2 = make_session(*m, be.get(), 64, 64);
    for (int32_t t : tokens) {
        ASSERT_TRUE(s2->eval(std::span<const int32_t>(&t, 1), false, &one).ok());
        step.insert(step.end(), one.begin(), one.end());
    }
    EXPECT_LT(rel_diff(step, all), 1e-4);

    auto s3 = make_session(*m, be.get(), 64, 3);
    ASSERT_TRUE(s3->eval(tokens, true, &tri).ok());
    EXPECT_LT(rel_diff(tri, all), 1e-4);
    EXPECT_EQ(s3->stats().prompt_tokens, 11);  // batches 3+3+3+2
    EXPECT_EQ(s3->stats().decode_tokens, 0);
    EXPECT_EQ(s2->stats().decode_tokens, 11);

    // Logits are finite and not all equal.
    bool finite = true;
    for (float v : all)
        finite = finite && std::isfinite(v);
    EXPECT_TRUE(finite);
    EXPECT_NE(all[0], all[1]);
}

INSTANTIATE_TEST_SUITE_P(Arch, ForwardConsistency, testing::ValuesIn(kModelArchs),
                         [](const auto &param_info) {
                             return std::string(model_arch_name(param_info.param));
                         });

}  // namespace
}  // namespace nd::test
