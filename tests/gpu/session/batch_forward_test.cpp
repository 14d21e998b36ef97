// forward_batch_segments (continuous batching): several sequences in one forward pass give, row by row,
// the logits each sequence gets evaluated alone, for every architecture — on one CPU backend and on a
// layer split of two (the residual stream of all the sequences crosses once).
#include <gtest/gtest.h>

#include "engine/forward_test_util.h"
#include "gpu/session/split_backend.h"

namespace nd::test {
namespace {

std::unique_ptr<Backend> cpu() {
    CpuBackendOptions o;
    o.n_threads = 2;
    return cpu_backend_create(o);
}

// Each sequence alone: all logits of its tokens.
std::vector<float> alone(const Model &m, Backend *be, const std::vector<int32_t> &tokens) {
    auto s = make_session(m, be, 64, 64);
    std::vector<float> all;
    EXPECT_TRUE(s->eval(tokens, true, &all).ok());
    return all;
}

// Three sequences of different lengths, evaluated in two passes of three segments each (every pass mixes
// a one-token "decode" segment with longer "prompt" ones); all logits of every row, per sequence.
std::vector<std::vector<float>> together(const Model &m, Backend *be,
                                         const std::vector<std::vector<int32_t>> &seqs,
                                         const std::vector<int64_t> &first_pass) {
    const int64_t V = m.hp.n_vocab;
    ForwardState scratch;
    EXPECT_TRUE(forward_scratch_create(m, be, 32, &scratch).ok());
    std::vector<std::unique_ptr<ForwardState>> states;
    for (size_t i = 0; i < seqs.size(); ++i) {
        states.push_back(std::make_unique<ForwardState>());
        EXPECT_TRUE(forward_state_create(m, be, 64, KvType::f32, 0, states.back().get()).ok());
    }
    std::vector<std::vector<float>> out(seqs.size());
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<ForwardSegment> segs;
        std::vector<int32_t> tokens;
        for (size_t i = 0; i < seqs.size(); ++i) {
            const int64_t begin = pass == 0 ? 0 : first_pass[i];
            const int64_t end = pass == 0 ? first_pass[i] : static_cast<int64_t>(seqs[i].size());
            segs.push_back({states[i].get(), static_cast<int64_t>(tokens.size()), end - begin, begin});
            tokens.insert(tokens.end(), seqs[i].begin() + begin, seqs[i].begin() + end);
        }
        std::vector<int64_t> rows(tokens.size());
        for (size_t t = 0; t < rows.size(); ++t)
            rows[t] = static_cast<int64_t>(t);
        std::vector<float> logits(tokens.size() * static_cast<size_t>(V));
        const Status st = forward_batch_segments(
            m, &scratch, tokens.data(), static_cast<int64_t>(tokens.size()), segs.data(),
            static_cast<int64_t>(segs.size()), rows.data(), logits.data());
        EXPECT_TRUE(st.ok()) << st.describe();
        for (size_t i = 0; i < seqs.size(); ++i)
            out[i].insert(out[i].end(), logits.begin() + segs[i].row0 * V,
                          logits.begin() + (segs[i].row0 + segs[i].n) * V);
    }
    return out;
}

class BatchForward : public ::testing::TestWithParam<ModelArch> {};

TEST_P(BatchForward, SegmentsGiveEachSequencesOwnLogits) {
    auto m = load_cached(GetParam());
    ASSERT_TRUE(m);
    const std::vector<std::vector<int32_t>> seqs = {
        test_tokens(6, m->hp.n_vocab, 1), test_tokens(8, m->hp.n_vocab, 2), test_tokens(5, m->hp.n_vocab, 3)};
    // Pass 1: 5 + 1 + 2 rows; pass 2: 1 + 7 + 3 rows.
    const std::vector<int64_t> first = {5, 1, 2};
    auto be = cpu();
    const auto got = together(*m, be.get(), seqs, first);
    for (size_t i = 0; i < seqs.size(); ++i)
        EXPECT_LT(rel_diff(got[i], alone(*m, be.get(), seqs[i])), 1e-4) << "sequence " << i;

    // A layer split of two CPU backends: every split point.
    for (int64_t dev : {int64_t{1}, m->hp.n_layer - 1}) {
        SplitBackend split(cpu(), cpu(), dev);
        const auto got_split = together(*m, &split, seqs, first);
        for (size_t i = 0; i < seqs.size(); ++i)
            EXPECT_LT(rel_diff(got_split[i], got[i]), 1e-6) << "split " << dev << ", sequence " << i;
    }
}

TEST_P(BatchForward, RefusesSegmentsThatDoNotTileTheBatch) {
    auto m = load_cached(GetParam());
    ASSERT_TRUE(m);
    auto be = cpu();
    ForwardState scratch, a, b;
    ASSERT_TRUE(forward_scratch_create(*m, be.get(), 8, &scratch).ok());
    ASSERT_TRUE(forward_state_create(*m, be.get(), 16, KvType::f32, 0, &a).ok());
    ASSERT_TRUE(forward_state_create(*m, be.get(), 16, KvType::f32, 0, &b).ok());
    const std::vector<int32_t> t = test_tokens(4, m->hp.n_vocab);
    const auto run = [&](std::vector<ForwardSegment> segs) {
        return forward_batch_segments(*m, &scratch, t.data(), 4, segs.data(),
                                      static_cast<int64_t>(segs.size()), nullptr, nullptr);
    };
    EXPECT_TRUE(run({{&a, 0, 2, 0}, {&b, 2, 2, 0}}).ok());
    EXPECT_FALSE(run({{&a, 0, 2, 0}, {&b, 3, 1, 0}}).ok());   // a gap
    EXPECT_FALSE(run({{&a, 0, 2, 0}, {&b, 2, 1, 0}}).ok());   // rows left over
    EXPECT_FALSE(run({{&a, 0, 2, 0}, {&a, 2, 2, 2}}).ok());   // one state twice
    EXPECT_FALSE(run({{&a, 0, 2, 0}, {&b, 2, 2, 15}}).ok());  // past the context
    // A state without scratch cannot be evaluated alone.
    EXPECT_FALSE(forward_batch(*m, &a, t.data(), 1, 0, nullptr, nullptr).ok());
}

INSTANTIATE_TEST_SUITE_P(Arch, BatchForward, testing::ValuesIn(kModelArchs), [](const auto &param_info) {
    return std::string(model_arch_name(param_info.param));
});

}  // namespace
}  // namespace nd::test
