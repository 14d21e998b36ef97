// The tensors of each layer kind and the shapes the metadata implies (spec §2.3, §3.2, §8).
#include <string>

#include "gpu/model/model_weights.h"
#include "gpu/model/model_weights_layers.h"

namespace nd {

namespace {

std::string num(const char *what, int64_t v) {
    return std::string(what) + " " + std::to_string(v);
}

class LayerBinder {
public:
    LayerBinder(WeightBinder &b, int64_t il) : m_b(b), m_il(il) {}

    Status mat(const char *what, std::vector<int64_t> ne, const std::string &why, Weight *out,
               WeightNeed need = WeightNeed::required) {
        return m_b.bind(name(what), ne, why, WeightRole::matrix, need, out);
    }
    Status vec(const char *what, std::vector<int64_t> ne, const std::string &why, Weight *out,
               WeightNeed need = WeightNeed::required) {
        return m_b.bind(name(what), ne, why, WeightRole::vector, need, out);
    }
    bool has(const char *what) const { return m_b.has(name(what)); }
    void zeros(const char *what, int64_t n, Weight *out) { m_b.zeros(name(what), n, out); }

private:
    std::string name(const char *what) const { return "blk." + std::to_string(m_il) + "." + what; }
    WeightBinder &m_b;
    int64_t m_il;
};

#define ND_BIND(expr)                       \
    do {                                    \
        if (Status _st = (expr); !_st.ok()) \
            return _st;                     \
    } while (false)

Status bind_norm(LayerBinder &b, const LayerShapes &s, const char *w, const char *bias, bool with_bias,
                 Weight *out_w, Weight *out_b) {
    const std::string why = num("n_embd", s.n_embd);
    ND_BIND(b.vec(w, {s.n_embd}, why, out_w));
    if (with_bias)
        ND_BIND(b.vec(bias, {s.n_embd}, why, out_b));
    return {};
}

Status bind_attention(LayerBinder &b, const LayerShapes &s, LayerWeights *l) {
    const int64_t E = s.n_embd, q = s.n_head * s.head_dim_k, k = s.n_head_kv * s.head_dim_k,
                  v = s.n_head_kv * s.head_dim_v;
    const std::string why_q =
        num("n_embd", E) + ", " + num("n_head", s.n_head) + ", " + num("head_dim", s.head_dim_k);
    const std::string why_kv =
        num("n_embd", E) + ", " + num("n_head_kv", s.n_head_kv) + ", " + num("head_dim", s.head_dim_k);
    if (b.has("attn_qkv.weight") && !b.has("attn_q.weight")) {
        // Fused Q|K|V: one matmul whose output rows are split by the forward pass (wk/wv stay absent).
        const std::string why = why_q + ", " + num("n_head_kv", s.n_head_kv);
        ND_BIND(b.mat("attn_qkv.weight", {E, q + k + v}, why, &l->wq));
        ND_BIND(b.vec("attn_qkv.bias", {q + k + v}, why, &l->bq, WeightNeed::optional));
    } else {
        ND_BIND(b.mat("attn_q.weight", {E, q}, why_q, &l->wq));
        ND_BIND(b.mat("attn_k.weight", {E, k}, why_kv, &l->wk));
        ND_BIND(b.mat("attn_v.weight", {E, v}, why_kv, &l->wv));
        ND_BIND(b.vec("attn_q.bias", {q}, why_q, &l->bq, WeightNeed::optional));
        ND_BIND(b.vec("attn_k.bias", {k}, why_kv, &l->bk, WeightNeed::optional));
        ND_BIND(b.vec("attn_v.bias", {v}, why_kv, &l->bv, WeightNeed::optional));
    }
    const std::string why_o =
        num("n_head", s.n_head) + ", " + num("head_dim", s.head_dim_v) + ", " + num("n_embd", E);
    ND_BIND(b.mat("attn_output.weight", {s.n_head * s.head_dim_v, E}, why_o, &l->wo));
    ND_BIND(b.vec("attn_output.bias", {E}, num("n_embd", E), &l->bo, WeightNeed::optional));
    return {};
}

// up (+ gate) + down with optional biases; n_ff from the layer's feed_forward_length.
Status bind_ffn(LayerBinder &b, const LayerShapes &s, bool gated, LayerWeights *l) {
    const int64_t E = s.n_embd, ff = s.n_ff;
    const std::string why = num("n_embd", E) + ", " + num("feed_forward_length", ff);
    if (gated)
        ND_BIND(b.mat("ffn_gate.weight", {E, ff}, why, &l->ffn_gate));
    ND_BIND(b.mat("ffn_up.weight", {E, ff}, why, &l->ffn_up));
    ND_BIND(b.mat("ffn_down.weight", {ff, E}, why, &l->ffn_down));
    ND_BIND(b.vec("ffn_up.bias", {ff}, why, &l->ffn_up_b, WeightNeed::optional));
    ND_BIND(b.vec("ffn_down.bias", {E}, why, &l->ffn_down_b, WeightNeed::optional));
    return {};
}

Status bind_mamba(LayerBinder &b, const LayerShapes &s, LayerWeights *l) {
    const MambaShape &m = s.mamba;
    const int64_t E = s.n_embd, nh = m.n_head;
    const std::string why = num("n_embd", E) + ", " + num("ssm.inner_size", m.d_inner) + ", " +
                            num("ssm.state_size", m.d_state) + ", " + num("ssm.group_count", m.n_group) +
                            ", " + num("ssm.time_step_rank", nh) + ", " + num("ssm.conv_kernel", m.d_conv);
    ND_BIND(b.mat("ssm_in.weight", {E, m.d_in_proj()}, why, &l->ssm_in));
    ND_BIND(b.vec("ssm_conv1d.weight", {m.d_conv, m.conv_dim()}, why, &l->ssm_conv1d));
    ND_BIND(b.vec("ssm_conv1d.bias", {m.conv_dim()}, why, &l->ssm_conv1d_b, WeightNeed::optional));
    if (!l->ssm_conv1d_b.present())
        b.zeros("ssm_conv1d.bias", m.conv_dim(), &l->ssm_conv1d_b);
    ND_BIND(b.vec("ssm_dt.bias", {nh}, why, &l->ssm_dt_b));
    ND_BIND(b.vec("ssm_a", {1, nh}, why, &l->ssm_a));
    ND_BIND(b.vec("ssm_d", {1, nh}, why, &l->ssm_d));
    ND_BIND(b.vec("ssm_norm.weight", {m.d_inner / m.n_group, m.n_group}, why, &l->ssm_norm));
    ND_BIND(b.mat("ssm_out.weight", {m.d_inner, E}, why, &l->ssm_out));
    return {};
}

Status bind_moe(LayerBinder &b, const LayerShapes &s, LayerWeights *l) {
    const int64_t E = s.n_embd, X = s.n_expert, ff = s.n_ff_expert, sh = s.n_ff_shared;
    const int64_t Ein = s.moe_latent > 0 ? s.moe_latent : E;
    const std::string why = num("n_embd", E) + ", " + num("expert_count", X) + ", " +
                            num("expert_feed_forward_length", ff) + ", " +
                            num("expert_shared_feed_forward_length", sh) +
                            (s.moe_latent > 0 ? ", " + num("moe_latent_size", s.moe_latent) : std::string());
    ND_BIND(b.mat("ffn_gate_inp.weight", {E, X}, why, &l->ffn_gate_inp));
    ND_BIND(b.vec("exp_probs_b.bias", {X}, why, &l->exp_probs_b, WeightNeed::optional));
    ND_BIND(b.mat("ffn_up_exps.weight", {Ein, ff, X}, why, &l->ffn_up_exps));
    ND_BIND(b.mat("ffn_down_exps.weight", {ff, Ein, X}, why, &l->ffn_down_exps));
    if (sh > 0) {
        ND_BIND(b.mat("ffn_up_shexp.weight", {E, sh}, why, &l->ffn_up_shexp));
        ND_BIND(b.mat("ffn_down_shexp.weight", {sh, E}, why, &l->ffn_down_shexp));
    }
    if (s.moe_latent > 0) {
        ND_BIND(b.mat("ffn_latent_down.weight", {E, Ein}, why, &l->ffn_latent_down));
        ND_BIND(b.mat("ffn_latent_up.weight", {Ein, E}, why, &l->ffn_latent_up));
    }
    return {};
}

}  // namespace

Status model_bind_layer(WeightBinder &binder, ModelArch arch, const LayerShapes &s, int64_t il,
                        LayerWeights *l) {
    LayerBinder b(binder, il);
    l->kind = s.kind;
    const bool nemotron = arch == ModelArch::nemotron;
    ND_BIND(bind_norm(b, s, "attn_norm.weight", "attn_norm.bias", nemotron, &l->attn_norm, &l->attn_norm_b));
    switch (s.kind) {
        case LayerKind::attention_ffn:
            ND_BIND(bind_attention(b, s, l));
            ND_BIND(
                bind_norm(b, s, "ffn_norm.weight", "ffn_norm.bias", nemotron, &l->ffn_norm, &l->ffn_norm_b));
            return bind_ffn(b, s, arch == ModelArch::llama, l);
        case LayerKind::attention:
            return bind_attention(b, s, l);
        case LayerKind::mlp:
            return bind_ffn(b, s, false, l);
        case LayerKind::mamba:
            return bind_mamba(b, s, l);
        case LayerKind::moe:
            return bind_moe(b, s, l);
    }
    return ND_STATUS(StatusCode::internal, "unknown layer kind");
}

}  // namespace nd
