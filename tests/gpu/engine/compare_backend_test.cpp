// CompareBackend (compare_backend.h) on the CPU alone: two identical CPU backends must agree to the bit on
// every op of every architecture, and a tested backend with one planted fault (rms_norm's output raised by
// 1e-3) must be caught at exactly that op — and, with resync on, at no other.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "engine/compare_backend.h"
#include "engine/forward_test_util.h"
#include "gpu/model/forwarding_backend.h"

namespace nd::test {
namespace {

constexpr int64_t kCtx = 32, kPrompt = 7, kDecode = 3;
constexpr float kBump = 1e-3f;

// Logits of a prefill of kPrompt tokens (one batch, every position) and kDecode one-token steps.
std::vector<float> run_sequence(const Model &m, Backend *be, KvType kv = KvType::f32) {
    auto s = make_session(m, be, kCtx, 16, kv);
    if (!s)
        return {};
    const std::vector<int32_t> toks = test_tokens(kPrompt + kDecode, m.hp.n_vocab, 3);
    std::vector<float> all, step;
    Status st = s->eval(std::span<const int32_t>(toks.data(), kPrompt), true, &all);
    EXPECT_TRUE(st.ok()) << st.describe();
    for (int64_t i = kPrompt; i < kPrompt + kDecode && st.ok(); ++i) {
        st = s->eval(std::span<const int32_t>(toks.data() + i, 1), false, &step);
        EXPECT_TRUE(st.ok()) << st.describe();
        all.insert(all.end(), step.begin(), step.end());
    }
    return all;
}

std::set<std::string> ops_of(const std::vector<OpRecord> &report) {
    std::set<std::string> ops;
    for (const OpRecord &r : report)
        ops.insert(r.op);
    return ops;
}

std::set<std::string> expected_ops(ModelArch arch) {
    switch (arch) {
        case ModelArch::llama:
            return {"get_rows", "rms_norm", "matmul", "rope", "attention", "add", "swiglu"};
        case ModelArch::nemotron:
            return {"get_rows", "layer_norm", "matmul", "rope", "attention", "add", "relu_sqr"};
        case ModelArch::nemotron_h:
            return {"get_rows", "rms_norm", "matmul",           "attention", "add",
                    "ssm_conv", "ssm_scan", "gated_group_norm", "relu_sqr"};
        case ModelArch::nemotron_h_moe:
            return {"get_rows", "rms_norm", "matmul",           "attention", "add",
                    "ssm_conv", "ssm_scan", "gated_group_norm", "moe_ffn"};
    }
    return {};
}

// Every op and every buffer identical; the logits as the plain CPU session's; the report covers every op
// the architecture uses, in both the prompt and the decode path.
void check_identical(ModelArch arch, GgmlType type, KvType kv) {
    auto m = load_cached(arch, type);
    ASSERT_TRUE(m);
    auto plain = cpu_backend_create();
    const std::vector<float> want = run_sequence(*m, plain.get(), kv);
    auto ref = cpu_backend_create(), tested = cpu_backend_create();
    CompareBackend cmp(*ref, *tested);
    const std::vector<float> got = run_sequence(*m, &cmp, kv);
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(got, want);

    const std::vector<OpRecord> &report = cmp.report();
    int64_t differing = 0, decode_records = 0, cache_records = 0;
    for (const OpRecord &r : report) {
        differing += r.max_abs_diff != 0;
        decode_records += r.n_tokens == 1;
        if (r.output == "k cache" || r.output == "v cache") {
            ++cache_records;
            EXPECT_GT(r.max_abs_ref, 0) << "op " << r.seq << ": the cache rows written are compared";
        }
    }
    EXPECT_EQ(differing, 0) << compare_format_worst(report, 10);
    EXPECT_GT(decode_records, 0);
    EXPECT_GT(cache_records, 0);
    const std::set<std::string> seen = ops_of(report);
    for (const std::string &op : expected_ops(arch))
        EXPECT_TRUE(seen.count(op)) << op << " not in the report";
}

class CompareIdentical : public ::testing::TestWithParam<std::tuple<ModelArch, GgmlType>> {};

TEST_P(CompareIdentical, TwoCpuBackendsAgreeOnEveryOp) {
    check_identical(std::get<0>(GetParam()), std::get<1>(GetParam()), KvType::f32);
}

INSTANTIATE_TEST_SUITE_P(ArchsTypes, CompareIdentical,
                         ::testing::Combine(::testing::ValuesIn(kModelArchs),
                                            ::testing::Values(GgmlType::f32, GgmlType::q8_0, GgmlType::q4_k)),
                         [](const auto &p) {
                             return std::string(model_arch_name(std::get<0>(p.param))) + "_" +
                                    ggml_type_name(static_cast<uint32_t>(std::get<1>(p.param)));
                         });

TEST(CompareBackend, F16CacheRowsAreComparedAsHalves) {
    check_identical(ModelArch::llama, GgmlType::q8_0, KvType::f16);
}

// The CPU backend with every rms_norm output raised by kBump: a tested backend with one known fault.
class PerturbedRmsNorm final : public ForwardingBackend {
public:
    PerturbedRmsNorm() : ForwardingBackend(nullptr) { set_target(m_cpu.get()); }
    std::string name() const override { return "cpu with rms_norm + 1e-3"; }
    void rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps, float *y) override {
        m_cpu->rms_norm(x, w, n, width, eps, y);
        std::vector<float> v(static_cast<size_t>(n * width));
        m_cpu->download(v.data(), y, v.size() * 4);
        for (float &f : v)
            f += kBump;
        m_cpu->upload(y, v.data(), v.size() * 4);
    }

private:
    std::unique_ptr<Backend> m_cpu = cpu_backend_create();
};

class ComparePerturbed : public ::testing::TestWithParam<ModelArch> {};

TEST_P(ComparePerturbed, WithResyncOnlyThePerturbedOpDiffers) {
    auto m = load_cached(GetParam(), GgmlType::q8_0);
    ASSERT_TRUE(m);
    auto ref = cpu_backend_create();
    PerturbedRmsNorm tested;
    CompareBackend cmp(*ref, tested);
    auto plain = cpu_backend_create();
    // With resync every op's output is the reference's again, so the logits are the reference's.
    EXPECT_EQ(run_sequence(*m, &cmp), run_sequence(*m, plain.get()));
    int64_t norms = 0;
    for (const OpRecord &r : cmp.report()) {
        if (r.op == "rms_norm") {
            ++norms;
            // y + 1e-3f − y in float: 1e-3 up to the rounding of y's magnitude (|y| of a few units).
            EXPECT_NEAR(r.max_abs_diff, kBump, 1e-5) << "op " << r.seq;
            EXPECT_GE(r.worst, 0);
        } else {
            EXPECT_EQ(r.max_abs_diff, 0) << "op " << r.seq << " " << r.op << " after " << r.after
                                         << ": resync leaves no difference downstream";
        }
    }
    EXPECT_GT(norms, 0);
    const auto first = std::find_if(cmp.report().begin(), cmp.report().end(),
                                    [](const OpRecord &r) { return r.max_abs_diff > 0; });
    ASSERT_NE(first, cmp.report().end());
    EXPECT_EQ(first->op, "rms_norm");
    EXPECT_NE(compare_format_worst(cmp.report(), 3).find("rms_norm"), std::string::npos);
}

TEST_P(ComparePerturbed, WithoutResyncTheDifferencePropagates) {
    auto m = load_cached(GetParam(), GgmlType::q8_0);
    ASSERT_TRUE(m);
    auto ref = cpu_backend_create();
    PerturbedRmsNorm tested;
    CompareOptions o;
    o.resync = CompareResync::off;
    CompareBackend cmp(*ref, tested, o);
    auto plain = cpu_backend_create();
    EXPECT_NE(run_sequence(*m, &cmp), run_sequence(*m, plain.get()));
    const std::vector<OpRecord> &report = cmp.report();
    const auto first =
        std::find_if(report.begin(), report.end(), [](const OpRecord &r) { return r.max_abs_diff > 0; });
    ASSERT_NE(first, report.end());
    EXPECT_EQ(first->op, "rms_norm");
    EXPECT_TRUE(std::any_of(first, report.end(),
                            [](const OpRecord &r) { return r.op != "rms_norm" && r.max_abs_diff > 0; }));
}

INSTANTIATE_TEST_SUITE_P(Archs, ComparePerturbed, ::testing::Values(ModelArch::llama, ModelArch::nemotron_h),
                         [](const auto &p) { return std::string(model_arch_name(p.param)); });

TEST(CompareBackend, InteriorPointersReachTheSameOffsetInTheReference) {
    auto ref = cpu_backend_create(), tested = cpu_backend_create();
    CompareBackend cmp(*ref, *tested);
    void *p = nullptr, *q = nullptr;
    ASSERT_TRUE(cmp.alloc(64 * 4, &p).ok());
    ASSERT_TRUE(cmp.alloc(16 * 4, &q).ok());
    std::vector<float> host(64);
    for (size_t i = 0; i < host.size(); ++i)
        host[i] = static_cast<float>(i);
    cmp.upload(p, host.data(), host.size() * 4);
    float *f = static_cast<float *>(p);
    cmp.add(f + 8, f + 40, 16);  // both views inside one allocation
    ASSERT_TRUE(cmp.sync().ok());
    ASSERT_EQ(cmp.report().size(), 1u);
    EXPECT_EQ(cmp.report()[0].count, 16);
    EXPECT_EQ(cmp.report()[0].max_abs_diff, 0);
    EXPECT_EQ(cmp.report()[0].max_abs_ref, 8 + 40 + 15 + 15);
    std::vector<float> back(64);
    cmp.download(back.data(), p, back.size() * 4);
    EXPECT_EQ(back[8], 48.0f);
    EXPECT_EQ(back[23], 23.0f + 55.0f);
    EXPECT_EQ(back[24], 24.0f);

    // A pointer from elsewhere is an error at sync(), not a crash; the backend works afterwards.
    std::vector<float> foreign(16);
    cmp.relu_sqr(foreign.data(), 16);
    const Status s = cmp.sync();
    EXPECT_EQ(s.code, StatusCode::invalid_argument) << s.describe();
    EXPECT_EQ(cmp.report().size(), 1u);
    cmp.relu_sqr(static_cast<float *>(q), 16);
    EXPECT_TRUE(cmp.sync().ok());
    EXPECT_EQ(cmp.report().size(), 2u);
    cmp.release(q);
    cmp.release(p);
}

}  // namespace
}  // namespace nd::test
