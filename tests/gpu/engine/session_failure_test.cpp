// The session when the backend fails: an allocation that does not fit (an error with the sizes) and an op
// failure during eval (nothing appended; a recurrent state that advanced is reset, and says so).
#include <gtest/gtest.h>

#include "engine/forward_test_util.h"
#include "gpu/model/forwarding_backend.h"

namespace nd::test {
namespace {

// The CPU backend, with allocations above a limit refused and a failure injected into sync() on demand.
class FailingBackend : public ForwardingBackend {
public:
    explicit FailingBackend(size_t max_alloc)
        : ForwardingBackend(nullptr), m_cpu(cpu_backend_create({})), m_max_alloc(max_alloc) {
        set_target(m_cpu.get());
    }
    void fail_next_sync() { m_fail = true; }

    std::string name() const override { return "failing " + m_cpu->name(); }
    Status alloc(size_t n, void **out) override {
        if (n > m_max_alloc)
            return ND_STATUS(StatusCode::out_of_memory,
                             "out of memory allocating " + std::to_string(n) + " bytes");
        return m_cpu->alloc(n, out);
    }
    Status sync() override {
        Status st = m_cpu->sync();
        if (m_fail && st.ok()) {
            m_fail = false;
            return ND_STATUS(StatusCode::device_error, "injected failure");
        }
        return st;
    }

private:
    std::unique_ptr<Backend> m_cpu;
    size_t m_max_alloc;
    bool m_fail = false;
};

TEST(SessionFailure, AllocationErrorSaysWhatDidNotFit) {
    auto m = load_cached(ModelArch::llama);
    ASSERT_TRUE(m);
    FailingBackend be(1 << 20);
    SessionOptions o;
    o.n_ctx = 4096;
    o.kv_type = KvType::f32;
    std::unique_ptr<Session> s;
    const Status st = Session::create(*m, &be, o, &s);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code, StatusCode::out_of_memory);
    EXPECT_NE(st.message.find("cannot allocate the state of a 4096-token context"), std::string::npos)
        << st.message;
    EXPECT_NE(st.message.find("try a smaller --ctx"), std::string::npos) << st.message;
    // The state a context needs: 2 layers × 4096 × (K + V of 2 heads × 64) × 4 bytes.
    EXPECT_EQ(forward_state_bytes(*m, 4096, KvType::f32), 2u * 4096 * 2 * 128 * 4);
    EXPECT_EQ(forward_state_bytes(*m, 4096, KvType::f16), 2u * 4096 * 2 * 128 * 2);
    o.n_ctx = 64;
    EXPECT_TRUE(Session::create(*m, &be, o, &s).ok());
}

TEST(SessionFailure, BackendFailureAppendsNothing) {
    for (ModelArch arch : {ModelArch::llama, ModelArch::nemotron_h}) {
        auto m = load_cached(arch);
        ASSERT_TRUE(m);
        FailingBackend be(size_t{1} << 30);
        auto s = make_session(*m, &be, 32, 8);
        std::vector<float> logits;
        ASSERT_TRUE(s->eval(test_tokens(4, m->hp.n_vocab), false, &logits).ok());
        be.fail_next_sync();
        const Status st = s->eval(test_tokens(3, m->hp.n_vocab, 5), false, &logits);
        ASSERT_FALSE(st.ok());
        EXPECT_NE(st.message.find("injected failure"), std::string::npos);
        if (arch == ModelArch::nemotron_h) {
            // The Mamba state moved on with the failed batch: the conversation starts over.
            EXPECT_EQ(s->n_past(), 0);
            EXPECT_NE(st.message.find("reset"), std::string::npos) << st.message;
        } else {
            EXPECT_EQ(s->n_past(), 4);
        }
    }
}

}  // namespace
}  // namespace nd::test

namespace nd::test {
namespace {

// The state a session allocates is what `nemoctl info` estimates (f16 KV + f32 recurrent state).
TEST(SessionMemory, StateBytesMatchTheEstimate) {
    for (ModelArch arch : kModelArchs) {
        auto m = load_cached(arch);
        ASSERT_TRUE(m);
        const ModelMemoryEstimate e = model_memory_estimate(m->hp, m->weights_bytes, 1000);
        EXPECT_EQ(forward_state_bytes(*m, 1000, KvType::f16), e.kv_bytes + e.state_bytes)
            << model_arch_name(arch);
        EXPECT_EQ(forward_state_bytes(*m, 1000, KvType::f32) - forward_state_bytes(*m, 1000, KvType::f16),
                  e.kv_bytes)
            << model_arch_name(arch);
    }
}

}  // namespace
}  // namespace nd::test
