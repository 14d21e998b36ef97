// The attention mixer shared by every architecture, and the llama block (spec §8):
//   h += Wo · Attn(RoPE_norm(Wq·u), RoPE_norm(Wk·u), Wv·u),  u = RMSNorm(h) ⊙ attn_norm
//   h += W_down · (SiLU(W_gate·f) ⊙ W_up·f),                 f = RMSNorm(h) ⊙ ffn_norm
#include <cmath>

#include "gpu/model/forward_internal.h"

namespace nd::fwd {

void attention_mixer(const Batch &b, int64_t il, bool rope) {
    const ModelHparams &hp = b.m.hp;
    const LayerWeights &l = b.m.layers[static_cast<size_t>(il)];
    const int64_t E = hp.n_embd, H = hp.n_head, hkv = layer_head_kv(hp, il);
    const int64_t wq = H * hp.head_dim_k, wk = hkv * hp.head_dim_k, ld = qkv_width(hp, il);
    // q | k | v side by side in a, rows of `ld`: the fused attn_qkv is one matmul into the same layout.
    float *q = b.s.a, *k = b.s.a + wq, *v = b.s.a + wq + wk;
    b.be.matmul(l.wq, 0, b.s.u, E, b.n, q, ld, opt(l.bq));  // all of q|k|v when fused (wk absent)
    if (l.wk.present()) {
        b.be.matmul(l.wk, 0, b.s.u, E, b.n, k, ld, opt(l.bk));
        b.be.matmul(l.wv, 0, b.s.u, E, b.n, v, ld, opt(l.bv));
    }
    if (rope) {
        b.be.rope(q, ld, b.n, H, hp.head_dim_k, b.pos, b.m.rope);
        b.be.rope(k, ld, b.n, hkv, hp.head_dim_k, b.pos, b.m.rope);
    }
    AttentionShape shape;
    shape.n_head = H;
    shape.n_head_kv = hkv;
    shape.head_dim_k = hp.head_dim_k;
    shape.head_dim_v = hp.head_dim_v;
    shape.scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim_k));  // in float, as llama.cpp computes it
    // Each sequence attends to its own cache: q|k|v rows and the output rows offset to its segment.
    const int64_t wo = H * hp.head_dim_v;
    for (int64_t i = 0; i < b.n_seg; ++i) {
        const ForwardSegment &sg = b.seg[i];
        const int64_t r = sg.row0;
        b.be.attention(sg.state->kv[static_cast<size_t>(il)], sg.pos0, q + r * ld, ld, k + r * ld, ld,
                       v + r * ld, ld, sg.n, shape, b.s.b + r * wo);
    }
    b.be.matmul(l.wo, 0, b.s.b, wo, b.n, b.s.c, E, opt(l.bo));
}

void forward_llama_layers(const Batch &b) {
    const ModelHparams &hp = b.m.hp;
    const int64_t E = hp.n_embd;
    const float eps = static_cast<float>(hp.norm_eps);
    for (int64_t il = b.il0; il < b.il1; ++il) {
        const LayerWeights &l = b.m.layers[static_cast<size_t>(il)];
        b.be.rms_norm(b.s.h, l.attn_norm, b.n, E, eps, b.s.u);
        attention_mixer(b, il, true);
        b.be.add(b.s.h, b.s.c, b.n * E);

        const int64_t ff = l.ffn_up.n_out;
        b.be.rms_norm(b.s.h, l.ffn_norm, b.n, E, eps, b.s.u);
        b.be.matmul(l.ffn_gate, 0, b.s.u, E, b.n, b.s.a, ff);
        b.be.matmul(l.ffn_up, 0, b.s.u, E, b.n, b.s.b, ff, opt(l.ffn_up_b));
        b.be.swiglu(b.s.a, ff, b.s.b, ff, b.n, ff);
        b.be.matmul(l.ffn_down, 0, b.s.a, ff, b.n, b.s.c, E, opt(l.ffn_down_b));
        b.be.add(b.s.h, b.s.c, b.n * E);
    }
}

}  // namespace nd::fwd
