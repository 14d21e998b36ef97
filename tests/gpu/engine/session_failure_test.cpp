// The session when the backend fails: an allocation that does not fit (an error with the sizes) and an op
// failure during eval (nothing appended; a recurrent state that advanced is reset, and says so).
#include <gtest/gtest.h>

#include "engine/forward_test_util.h"

namespace nd::test {
namespace {

// The CPU backend, with allocations above a limit refused and a failure injected into sync() on demand.
class FailingBackend : public Backend {
public:
    explicit FailingBackend(size_t max_alloc) : m_cpu(cpu_backend_create({})), m_max_alloc(max_alloc) {}
    void fail_next_sync() { m_fail = true; }

    std::string name() const override { return "failing " + m_cpu->name(); }
    Status alloc(size_t n, void **out) override {
        if (n > m_max_alloc)
            return ND_STATUS(StatusCode::out_of_memory,
                             "out of memory allocating " + std::to_string(n) + " bytes");
        return m_cpu->alloc(n, out);
    }
    void release(void *p) override { m_cpu->release(p); }
    void upload(void *d, const void *s, size_t n) override { m_cpu->upload(d, s, n); }
    void download(void *d, const void *s, size_t n) override { m_cpu->download(d, s, n); }
    void copy(void *d, const void *s, size_t n) override { m_cpu->copy(d, s, n); }
    void fill_zero(void *d, size_t n) override { m_cpu->fill_zero(d, n); }
    Status prepare_weight(const Weight &w) override { return m_cpu->prepare_weight(w); }
    Status sync() override {
        Status st = m_cpu->sync();
        if (m_fail && st.ok()) {
            m_fail = false;
            return ND_STATUS(StatusCode::device_error, "injected failure");
        }
        return st;
    }
    void get_rows(const Weight &e, const int32_t *ids, int64_t n, float *out) override {
        m_cpu->get_rows(e, ids, n, out);
    }
    void matmul(const Weight &w, int64_t e, const float *x, int64_t ldx, int64_t n, float *y, int64_t ldy,
                const Weight *bias) override {
        m_cpu->matmul(w, e, x, ldx, n, y, ldy, bias);
    }
    void rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps, float *y) override {
        m_cpu->rms_norm(x, w, n, width, eps, y);
    }
    void layer_norm(const float *x, const Weight &w, const Weight *b, int64_t n, int64_t width, float eps,
                    float *y) override {
        m_cpu->layer_norm(x, w, b, n, width, eps, y);
    }
    void add(float *y, const float *x, int64_t count) override { m_cpu->add(y, x, count); }
    void relu_sqr(float *x, int64_t count) override { m_cpu->relu_sqr(x, count); }
    void swiglu(float *g, int64_t ldg, const float *u, int64_t ldu, int64_t n, int64_t width) override {
        m_cpu->swiglu(g, ldg, u, ldu, n, width);
    }
    void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
              const RopeParams &p) override {
        m_cpu->rope(x, ldx, n, n_head, head_dim, pos, p);
    }
    void attention(const KvLayer &c, int64_t pos0, const float *q, int64_t ldq, const float *k, int64_t ldk,
                   const float *v, int64_t ldv, int64_t n, const AttentionShape &s, float *out) override {
        m_cpu->attention(c, pos0, q, ldq, k, ldk, v, ldv, n, s, out);
    }
    void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *state, const Weight &w, const Weight &b,
                  const MambaShape &s, float *out) override {
        m_cpu->ssm_conv(in, ld_in, n, state, w, b, s, out);
    }
    void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt, int64_t ld_dt, const Weight &dt_b,
                  const Weight &a, const Weight &d, int64_t n, float *state, const MambaShape &s,
                  float *y) override {
        m_cpu->ssm_scan(xbc, ld_xbc, dt, ld_dt, dt_b, a, d, n, state, s, y);
    }
    void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const Weight &w,
                          const MambaShape &s, float eps) override {
        m_cpu->gated_group_norm(y, z, ld_z, n, w, s, eps);
    }
    void moe_ffn(const float *logits, const MoeRouting &r, const Weight &up, const Weight &down,
                 const float *x, int64_t n, float *out) override {
        m_cpu->moe_ffn(logits, r, up, down, x, n, out);
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
