// The session: snapshots (continue, restore, branch), the context limit, bad ids, truncate, KV types.
#include <gtest/gtest.h>

#include "engine/forward_test_util.h"

namespace nd::test {
namespace {

class SessionArch : public testing::TestWithParam<ModelArch> {
protected:
    void SetUp() override {
        model = load_cached(GetParam());
        ASSERT_TRUE(model);
        backend = cpu_backend_create({});
    }
    std::vector<float> eval(Session &s, const std::vector<int32_t> &ids, bool all = false) {
        std::vector<float> logits;
        const Status st = s.eval(ids, all, &logits);
        EXPECT_TRUE(st.ok()) << st.describe();
        return logits;
    }
    std::unique_ptr<Model> model;
    std::unique_ptr<Backend> backend;
};

TEST_P(SessionArch, SnapshotContinueRestoreContinueIsIdentical) {
    auto s = make_session(*model, backend.get(), 64, 4);
    const auto prompt = test_tokens(9, model->hp.n_vocab, 1), more = test_tokens(5, model->hp.n_vocab, 2);
    eval(*s, prompt);
    SessionSnapshot snap;
    ASSERT_TRUE(s->snapshot(&snap).ok());
    EXPECT_EQ(snap.tokens, prompt);
    EXPECT_GT(snap.bytes(), 0u);
    const auto first = eval(*s, more, true);
    ASSERT_TRUE(s->restore(snap).ok());
    EXPECT_EQ(s->n_past(), 9);
    const auto second = eval(*s, more, true);
    EXPECT_EQ(first, second);  // bit for bit: the same state, the same ops
}

TEST_P(SessionArch, BranchFromSnapshotMatchesFreshSessions) {
    const int64_t V = model->hp.n_vocab;
    const auto prompt = test_tokens(7, V, 3), a = test_tokens(3, V, 4), b = test_tokens(4, V, 5);
    auto s = make_session(*model, backend.get(), 64, 64);
    eval(*s, prompt);
    SessionSnapshot snap;
    ASSERT_TRUE(s->snapshot(&snap).ok());
    const auto la = eval(*s, a);
    // Restore into another session (a larger context is fine).
    auto s2 = make_session(*model, backend.get(), 128, 64);
    ASSERT_TRUE(s2->restore(snap).ok());
    const auto lb = eval(*s2, b);

    auto fa = make_session(*model, backend.get(), 64, 64), fb = make_session(*model, backend.get(), 64, 64);
    std::vector<int32_t> pa = prompt, pb = prompt;
    pa.insert(pa.end(), a.begin(), a.end());
    pb.insert(pb.end(), b.begin(), b.end());
    EXPECT_LT(rel_diff(la, eval(*fa, pa)), 1e-4);
    EXPECT_LT(rel_diff(lb, eval(*fb, pb)), 1e-4);
}

TEST_P(SessionArch, ContextOverflowIsAnErrorAndAppendsNothing) {
    auto s = make_session(*model, backend.get(), 8, 4);
    eval(*s, test_tokens(6, model->hp.n_vocab));
    std::vector<float> logits;
    const Status st = s->eval(test_tokens(3, model->hp.n_vocab), false, &logits);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("the context is full: 6 tokens + 3 new > 8"), std::string::npos) << st.message;
    EXPECT_EQ(s->n_past(), 6);
    eval(*s, test_tokens(2, model->hp.n_vocab));  // what fits still works
    EXPECT_EQ(s->n_past(), 8);
}

TEST_P(SessionArch, BadTokenIdIsAnErrorAndAppendsNothing) {
    auto s = make_session(*model, backend.get(), 16, 4);
    const int64_t V = model->hp.n_vocab;
    std::vector<float> logits;
    const std::vector<int32_t> bad = {1, static_cast<int32_t>(V), 2};
    Status st = s->eval(bad, false, &logits);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("token " + std::to_string(V) + " is outside the vocabulary (0.." +
                              std::to_string(V - 1) + ")"),
              std::string::npos)
        << st.message;
    const std::vector<int32_t> negative = {-1};
    EXPECT_FALSE(s->eval(negative, false, &logits).ok());
    EXPECT_EQ(s->n_past(), 0);
}

TEST_P(SessionArch, ResetStartsOver) {
    auto s = make_session(*model, backend.get(), 32, 8);
    const auto ids = test_tokens(5, model->hp.n_vocab);
    const auto first = eval(*s, ids);
    eval(*s, test_tokens(3, model->hp.n_vocab, 9));
    s->reset();
    EXPECT_EQ(s->n_past(), 0);
    EXPECT_EQ(eval(*s, ids), first);
}

TEST_P(SessionArch, TruncateOnlyWithoutRecurrentLayers) {
    auto s = make_session(*model, backend.get(), 32, 8);
    const auto ids = test_tokens(10, model->hp.n_vocab);
    const auto all = eval(*s, ids, true);
    const bool recurrent = GetParam() == ModelArch::nemotron_h || GetParam() == ModelArch::nemotron_h_moe;
    const Status st = s->truncate(6);
    EXPECT_FALSE(s->truncate(11).ok());
    if (recurrent) {
        ASSERT_FALSE(st.ok());
        EXPECT_NE(st.message.find("restore a snapshot"), std::string::npos) << st.message;
        EXPECT_EQ(s->n_past(), 10);
        EXPECT_TRUE(s->truncate(0).ok());  // going back to nothing is a reset
        EXPECT_EQ(s->n_past(), 0);
        return;
    }
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_EQ(s->n_past(), 6);
    const auto again = eval(*s, std::vector<int32_t>(ids.begin() + 6, ids.end()), true);
    const size_t V = static_cast<size_t>(model->hp.n_vocab);
    EXPECT_LT(rel_diff(again, std::vector<float>(all.begin() + 6 * V, all.end())), 1e-4);
}

TEST_P(SessionArch, F16KvCacheIsCloseToF32) {
    auto s32 = make_session(*model, backend.get(), 32, 4, KvType::f32);
    auto s16 = make_session(*model, backend.get(), 32, 4, KvType::f16);
    const auto ids = test_tokens(9, model->hp.n_vocab);
    EXPECT_LT(rel_diff(eval(*s16, ids, true), eval(*s32, ids, true)), 2e-2);
    // A snapshot keeps its KV type; restoring it into the other type is refused with the reason.
    SessionSnapshot snap;
    ASSERT_TRUE(s16->snapshot(&snap).ok());
    const Status st = s32->restore(snap);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("the snapshot's KV cache is f16 but this session's is f32"), std::string::npos)
        << st.message;
}

TEST_P(SessionArch, RestoreRefusesWhatDoesNotFit) {
    auto s = make_session(*model, backend.get(), 32, 8);
    eval(*s, test_tokens(12, model->hp.n_vocab));
    SessionSnapshot snap;
    ASSERT_TRUE(s->snapshot(&snap).ok());
    auto small = make_session(*model, backend.get(), 8, 8);
    Status st = small->restore(snap);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("holds 12 tokens, more than this session's context of 8"), std::string::npos)
        << st.message;
    SessionSnapshot other = snap;
    other.kv.resize(other.kv.size() / 2);
    other.recurrent.push_back(0);
    st = s->restore(other);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("the snapshot is not from this model"), std::string::npos) << st.message;
    EXPECT_EQ(s->n_past(), 12);  // unchanged
}

TEST_P(SessionArch, RestoreRefusesAnotherQuantizationOfTheSameShape) {
    // Same shapes, so the KV cache and recurrent state have the same sizes: only the fingerprint tells.
    auto other_model = load_cached(GetParam(), GgmlType::q8_0);
    ASSERT_TRUE(other_model);
    EXPECT_NE(other_model->fingerprint, model->fingerprint);
    EXPECT_EQ(load_cached(GetParam())->fingerprint, model->fingerprint);  // stable across loads
    auto s = make_session(*other_model, backend.get(), 32, 8);
    eval(*s, test_tokens(5, model->hp.n_vocab));
    SessionSnapshot snap;
    ASSERT_TRUE(s->snapshot(&snap).ok());
    auto mine = make_session(*model, backend.get(), 32, 8);
    const Status st = mine->restore(snap);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("another model"), std::string::npos) << st.message;
    EXPECT_EQ(mine->n_past(), 0);
}

TEST_P(SessionArch, LastLogitsOnlyAndNoLogits) {
    auto s = make_session(*model, backend.get(), 32, 4);
    const auto ids = test_tokens(6, model->hp.n_vocab);
    const auto all = eval(*s, ids, true);
    s->reset();
    const auto last = eval(*s, ids, false);
    const size_t V = static_cast<size_t>(model->hp.n_vocab);
    ASSERT_EQ(last.size(), V);
    EXPECT_EQ(last, std::vector<float>(all.end() - static_cast<std::ptrdiff_t>(V), all.end()));
    s->reset();
    ASSERT_TRUE(s->eval(ids, false, nullptr).ok());
    EXPECT_EQ(s->n_past(), 6);
}

INSTANTIATE_TEST_SUITE_P(Arch, SessionArch, testing::ValuesIn(kModelArchs), [](const auto &param_info) {
    return std::string(model_arch_name(param_info.param));
});

TEST(Session, DefaultContextAndOptionErrors) {
    TempDir dir("sessopt");
    auto m = write_and_load(dir, small_spec(ModelArch::llama));
    ASSERT_TRUE(m);
    auto be = cpu_backend_create({});
    std::unique_ptr<Session> s;
    ASSERT_TRUE(Session::create(*m, be.get(), {}, &s).ok());
    EXPECT_EQ(s->n_ctx(), model_default_ctx(m->hp));
    EXPECT_EQ(s->n_batch(), std::min<int64_t>(be->preferred_batch(), s->n_ctx()))
        << "0: the backend's choice";
    SessionOptions bad;
    bad.n_batch = -1;
    Status st = Session::create(*m, be.get(), bad, &s);
    EXPECT_FALSE(st.ok());
    bad = {};
    bad.n_ctx = -5;
    EXPECT_FALSE(Session::create(*m, be.get(), bad, &s).ok());
}

}  // namespace
}  // namespace nd::test
