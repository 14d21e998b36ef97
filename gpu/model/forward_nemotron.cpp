// The classic nemotron block (spec §3.3): LayerNorm with bias (the GGUF weights already hold the "1p"),
// partial NEOX RoPE of the first n_rot dims, relu² MLP without gate, optional biases.
//   h += Wo · Attn(RoPE(q), RoPE(k), v) (+ bo),  on LayerNorm(h) ⊙ attn_norm + attn_norm_b
//   h += W_down · relu(W_up·f + b_up)² + b_down,  f = LayerNorm(h) ⊙ ffn_norm + ffn_norm_b
#include "gpu/model/forward_internal.h"

namespace nd::fwd {

void forward_nemotron_layers(const Batch &b) {
    const ModelHparams &hp = b.m.hp;
    const int64_t E = hp.n_embd;
    const float eps = static_cast<float>(hp.norm_eps);
    for (int64_t il = b.il0; il < b.il1; ++il) {
        const LayerWeights &l = b.m.layers[static_cast<size_t>(il)];
        b.be.layer_norm(b.s.h, l.attn_norm, opt(l.attn_norm_b), b.n, E, eps, b.s.u);
        attention_mixer(b, il, true);
        b.be.add(b.s.h, b.s.c, b.n * E);

        const int64_t ff = l.ffn_up.n_out;
        b.be.layer_norm(b.s.h, l.ffn_norm, opt(l.ffn_norm_b), b.n, E, eps, b.s.u);
        b.be.matmul(l.ffn_up, 0, b.s.u, E, b.n, b.s.a, ff, opt(l.ffn_up_b));
        b.be.relu_sqr(b.s.a, b.n * ff);
        b.be.matmul(l.ffn_down, 0, b.s.a, ff, b.n, b.s.c, E, opt(l.ffn_down_b));
        b.be.add(b.s.h, b.s.c, b.n * E);
    }
}

}  // namespace nd::fwd
