// A model split layer-wise between two backends (--gpu-layers, gpu/session/split_backend.h), checked with
// two CPU backends so it runs everywhere: every split point gives the logits of the unsplit model exactly
// (same ops on the same data; only the residual stream crosses), for every architecture, prefill and
// decode, and snapshots taken from a split session restore into one.
#include <gtest/gtest.h>

#include "forward_test_util.h"
#include "gpu/session/backend_open.h"
#include "gpu/session/split_backend.h"

namespace nd::test {
namespace {

std::unique_ptr<Backend> cpu() {
    CpuBackendOptions o;
    o.n_threads = 2;
    return cpu_backend_create(o);
}

std::unique_ptr<Backend> split(int64_t device_layers) {
    return std::make_unique<SplitBackend>(cpu(), cpu(), device_layers);
}

// Prefill of 9 tokens (batches of 4: the crossing carries several rows) then 3 decode steps: all logits.
std::vector<float> run(const Model &m, Backend *be) {
    auto s = make_session(m, be, 32, 4);
    const std::vector<int32_t> prompt = test_tokens(9, m.hp.n_vocab);
    std::vector<float> all, step;
    EXPECT_TRUE(s->eval(prompt, true, &all).ok());
    for (int32_t id : test_tokens(3, m.hp.n_vocab, 11)) {
        const Status st = s->eval(std::vector<int32_t>{id}, false, &step);
        EXPECT_TRUE(st.ok()) << st.describe();
        all.insert(all.end(), step.begin(), step.end());
    }
    return all;
}

class SplitBackendTest : public ::testing::TestWithParam<ModelArch> {};

TEST_P(SplitBackendTest, EverySplitPointGivesTheUnsplitLogits) {
    auto m = load_cached(GetParam(), GgmlType::q8_0);
    ASSERT_TRUE(m);
    auto whole = cpu();
    const std::vector<float> want = run(*m, whole.get());
    const int64_t nl = m->hp.n_layer;
    for (int64_t n : {int64_t{0}, int64_t{1}, nl / 2, nl - 1, nl, nl + 5}) {
        auto be = split(n);
        EXPECT_EQ(forward_parts(*m, be.get()).size(), n > 0 && n < nl ? 2u : 1u) << n;
        EXPECT_EQ(run(*m, be.get()), want) << n << " of " << nl << " layers on the second backend";
    }
}

TEST_P(SplitBackendTest, ASplitSessionsSnapshotContinuesAnywhere) {
    auto m = load_cached(GetParam(), GgmlType::f32);
    ASSERT_TRUE(m);
    auto be = split(m->hp.n_layer / 2 + 1);
    auto s = make_session(*m, be.get(), 32, 4);
    ASSERT_TRUE(s->eval(test_tokens(6, m->hp.n_vocab), false, nullptr).ok());
    SessionSnapshot snap;
    ASSERT_TRUE(s->snapshot(&snap).ok());
    const std::vector<int32_t> next = {3};
    std::vector<float> from_split, from_whole;
    ASSERT_TRUE(s->eval(next, false, &from_split).ok());

    auto whole = cpu();
    auto w = make_session(*m, whole.get(), 32, 4);
    const Status st = w->restore(snap);
    ASSERT_TRUE(st.ok()) << st.describe();
    ASSERT_TRUE(w->eval(next, false, &from_whole).ok());
    EXPECT_EQ(from_split, from_whole);

    // And back: a reset split session restores the same snapshot.
    s->reset();
    ASSERT_TRUE(s->restore(snap).ok());
    ASSERT_TRUE(s->eval(next, false, &from_split).ok());
    EXPECT_EQ(from_split, from_whole);
}

INSTANTIATE_TEST_SUITE_P(Arch, SplitBackendTest,
                         ::testing::Values(ModelArch::llama, ModelArch::nemotron, ModelArch::nemotron_h,
                                           ModelArch::nemotron_h_moe),
                         [](const ::testing::TestParamInfo<ModelArch> &p) {
                             return std::string(model_arch_name(p.param));
                         });

TEST(SplitBackend, NameSaysWhatRunsWhere) {
    auto be = split(7);
    EXPECT_NE(be->name().find("last 7 layers"), std::string::npos) << be->name();
    ASSERT_NE(be->layer_split(), nullptr);
    EXPECT_EQ(be->layer_split()->device_layers, 7);
}

TEST(SplitBackend, GpuLayersOnTheCpuIsAUsageError) {
    BackendOpenOptions o;
    o.gpu_layers = 4;
    std::unique_ptr<Backend> be;
    const Status s = backend_open("cpu", o, &be);
    EXPECT_EQ(s.code, StatusCode::invalid_argument);
    EXPECT_NE(s.message.find("--gpu-layers"), std::string::npos) << s.message;
}

}  // namespace
}  // namespace nd::test
