#pragma once
// A model divided layer-wise between the CPU and a GPU (--gpu-layers N): for models larger than the GPU's
// memory, the last N layers and the output run on the GPU, the embedding lookup and the other layers on
// the CPU, and each batch's residual stream crosses once. The forward pass reads the split through
// Backend::layer_split() and drives both backends itself; used as a plain Backend (memory, ops), a
// SplitBackend is its device backend, and sync() waits for both.
#include <memory>

#include "gpu/model/backend.h"

namespace nd {

class SplitBackend final : public Backend {
public:
    // device_layers < 0 is refused by backend_open; here it is the count of last layers on `device`.
    SplitBackend(std::unique_ptr<Backend> host, std::unique_ptr<Backend> device, int64_t device_layers);

    std::string name() const override;
    const LayerSplit *layer_split() const override { return &m_split; }
    // The CPU's layers set the pace of a split prompt.
    int64_t preferred_batch() const override { return m_host->preferred_batch(); }
    Status sync() override;

    Status alloc(size_t n_bytes, void **out) override { return m_device->alloc(n_bytes, out); }
    void release(void *p) override { m_device->release(p); }
    void upload(void *dst, const void *src_host, size_t n) override { m_device->upload(dst, src_host, n); }
    void download(void *dst_host, const void *src, size_t n) override {
        m_device->download(dst_host, src, n);
    }
    void copy(void *dst, const void *src, size_t n) override { m_device->copy(dst, src, n); }
    void fill_zero(void *dst, size_t n) override { m_device->fill_zero(dst, n); }
    Status prepare_weight(const Weight &w) override { return m_device->prepare_weight(w); }
    Status prepare_weights(const std::vector<const Weight *> &w) override {
        return m_device->prepare_weights(w);
    }
    void release_weights(const std::vector<const Weight *> &w) override {
        m_host->release_weights(w);
        m_device->release_weights(w);
    }
    void begin_forward(int64_t n_tokens) override { m_device->begin_forward(n_tokens); }

    void get_rows(const Weight &embd, const int32_t *ids, int64_t n, float *out) override {
        m_device->get_rows(embd, ids, n, out);
    }
    void matmul(const Weight &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                int64_t ldy, const Weight *bias) override {
        m_device->matmul(w, expert, x, ldx, n, y, ldy, bias);
    }
    void rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps, float *y) override {
        m_device->rms_norm(x, w, n, width, eps, y);
    }
    void layer_norm(const float *x, const Weight &w, const Weight *b, int64_t n, int64_t width, float eps,
                    float *y) override {
        m_device->layer_norm(x, w, b, n, width, eps, y);
    }
    void add(float *y, const float *x, int64_t count) override { m_device->add(y, x, count); }
    void relu_sqr(float *x, int64_t count) override { m_device->relu_sqr(x, count); }
    void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n,
                int64_t width) override {
        m_device->swiglu(gate, ld_gate, up, ld_up, n, width);
    }
    void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
              const RopeParams &p) override {
        m_device->rope(x, ldx, n, n_head, head_dim, pos, p);
    }
    void attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq, const float *k,
                   int64_t ldk, const float *v, int64_t ldv, int64_t n, const AttentionShape &s,
                   float *out) override {
        m_device->attention(cache, pos0, q, ldq, k, ldk, v, ldv, n, s, out);
    }
    void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const Weight &conv_w,
                  const Weight &conv_b, const MambaShape &s, float *out) override {
        m_device->ssm_conv(in, ld_in, n, conv_state, conv_w, conv_b, s, out);
    }
    void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt, const Weight &dt_bias,
                  const Weight &a, const Weight &d, int64_t n, float *state, const MambaShape &s,
                  float *y) override {
        m_device->ssm_scan(xbc, ld_xbc, dt_raw, ld_dt, dt_bias, a, d, n, state, s, y);
    }
    void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const Weight &w,
                          const MambaShape &s, float eps) override {
        m_device->gated_group_norm(y, z, ld_z, n, w, s, eps);
    }
    void moe_ffn(const float *router_logits, const MoeRouting &r, const Weight &up_exps,
                 const Weight &down_exps, const float *x, int64_t n, float *out) override {
        m_device->moe_ffn(router_logits, r, up_exps, down_exps, x, n, out);
    }

    // The logits are the device's (it computes the output).
    void apply_penalties(float *logits, int64_t n_vocab, const int32_t *ids, const int32_t *counts,
                         int64_t n_ids, float repeat, float frequency, float presence) override {
        m_device->apply_penalties(logits, n_vocab, ids, counts, n_ids, repeat, frequency, presence);
    }
    void top_k(const float *logits, int64_t n, int64_t k, int32_t *out_ids, float *out_vals) override {
        m_device->top_k(logits, n, k, out_ids, out_vals);
    }

private:
    std::unique_ptr<Backend> m_host;
    std::unique_ptr<Backend> m_device;
    LayerSplit m_split;
};

}  // namespace nd
