#pragma once
// A backend that passes every call to another one: the base of backends that change a few things and
// forward the rest unchanged — a layer split's device side (gpu/session/split_backend.h), tests that
// inject failures or plant faults. Subclasses override what they change.
#include "gpu/model/backend.h"

namespace nd {

class ForwardingBackend : public Backend {
public:
    explicit ForwardingBackend(Backend *target) : m_target(target) {}

    std::string name() const override { return m_target->name(); }
    int64_t preferred_batch() const override { return m_target->preferred_batch(); }
    const LayerSplit *layer_split() const override { return m_target->layer_split(); }

    Status alloc(size_t n_bytes, void **out) override { return m_target->alloc(n_bytes, out); }
    void release(void *p) override { m_target->release(p); }
    void upload(void *dst, const void *src_host, size_t n) override { m_target->upload(dst, src_host, n); }
    void download(void *dst_host, const void *src, size_t n) override {
        m_target->download(dst_host, src, n);
    }
    void copy(void *dst, const void *src, size_t n) override { m_target->copy(dst, src, n); }
    void fill_zero(void *dst, size_t n) override { m_target->fill_zero(dst, n); }
    Status prepare_weight(const Weight &w) override { return m_target->prepare_weight(w); }
    Status prepare_weights(const std::vector<const Weight *> &w) override {
        return m_target->prepare_weights(w);
    }
    void release_weights(const std::vector<const Weight *> &w) override { m_target->release_weights(w); }
    void begin_forward(int64_t n_tokens) override { m_target->begin_forward(n_tokens); }
    Status sync() override { return m_target->sync(); }

    void get_rows(const Weight &embd, const int32_t *ids, int64_t n, float *out) override {
        m_target->get_rows(embd, ids, n, out);
    }
    void matmul(const Weight &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                int64_t ldy, const Weight *bias) override {
        m_target->matmul(w, expert, x, ldx, n, y, ldy, bias);
    }
    void rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps, float *y) override {
        m_target->rms_norm(x, w, n, width, eps, y);
    }
    void layer_norm(const float *x, const Weight &w, const Weight *b, int64_t n, int64_t width, float eps,
                    float *y) override {
        m_target->layer_norm(x, w, b, n, width, eps, y);
    }
    void add(float *y, const float *x, int64_t count) override { m_target->add(y, x, count); }
    void relu_sqr(float *x, int64_t count) override { m_target->relu_sqr(x, count); }
    void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n,
                int64_t width) override {
        m_target->swiglu(gate, ld_gate, up, ld_up, n, width);
    }
    void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
              const RopeParams &p) override {
        m_target->rope(x, ldx, n, n_head, head_dim, pos, p);
    }
    void attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq, const float *k,
                   int64_t ldk, const float *v, int64_t ldv, int64_t n, const AttentionShape &s,
                   float *out) override {
        m_target->attention(cache, pos0, q, ldq, k, ldk, v, ldv, n, s, out);
    }
    void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const Weight &conv_w,
                  const Weight &conv_b, const MambaShape &s, float *out) override {
        m_target->ssm_conv(in, ld_in, n, conv_state, conv_w, conv_b, s, out);
    }
    void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt, const Weight &dt_bias,
                  const Weight &a, const Weight &d, int64_t n, float *state, const MambaShape &s,
                  float *y) override {
        m_target->ssm_scan(xbc, ld_xbc, dt_raw, ld_dt, dt_bias, a, d, n, state, s, y);
    }
    void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const Weight &w,
                          const MambaShape &s, float eps) override {
        m_target->gated_group_norm(y, z, ld_z, n, w, s, eps);
    }
    void moe_ffn(const float *router_logits, const MoeRouting &r, const Weight &up_exps,
                 const Weight &down_exps, const float *x, int64_t n, float *out) override {
        m_target->moe_ffn(router_logits, r, up_exps, down_exps, x, n, out);
    }
    void apply_penalties(float *logits, int64_t n_vocab, const int32_t *ids, const int32_t *counts,
                         int64_t n_ids, float repeat, float frequency, float presence) override {
        m_target->apply_penalties(logits, n_vocab, ids, counts, n_ids, repeat, frequency, presence);
    }
    void top_k(const float *logits, int64_t n, int64_t k, int32_t *out_ids, float *out_vals) override {
        m_target->top_k(logits, n, k, out_ids, out_vals);
    }

protected:
    Backend *target() const { return m_target; }
    // For a subclass that owns its target (created after this base).
    void set_target(Backend *target) { m_target = target; }

private:
    Backend *m_target;
};

}  // namespace nd
