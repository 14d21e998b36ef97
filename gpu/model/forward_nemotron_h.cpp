// The hybrid blocks of nemotron_h and nemotron_h_moe (spec §2.4): one RMS pre-norm and one mixer per
// block, h += Mixer(RMSNorm(h) ⊙ attn_norm), the mixer being Mamba-2, attention without RoPE, a relu² MLP
// or an MoE with a shared expert (and optional latent projections).
#include "gpu/model/forward_internal.h"

namespace nd::fwd {

namespace {

// relu² MLP: down(relu(up·x)²) with optional biases. x [n][E] → out [n][E]; `work` holds [n][ff].
void relu2_mlp(const Batch &b, const Weight &up, const Weight *up_b, const Weight &down, const Weight *down_b,
               const float *x, float *work, float *out) {
    const int64_t E = b.m.hp.n_embd, ff = up.n_out;
    b.be.matmul(up, 0, x, E, b.n, work, ff, up_b);
    b.be.relu_sqr(work, b.n * ff);
    b.be.matmul(down, 0, work, ff, b.n, out, E, down_b);
}

// Mamba-2 (§2.4.1): a = ssm_in·u = [z | xBC | dt] rows of d_in_proj; b = conv(xBC); c = scan → y;
// y = gated group norm(y, z); out b = ssm_out·y.
void mamba_mixer(const Batch &b, int64_t il) {
    const LayerWeights &l = b.m.layers[static_cast<size_t>(il)];
    const MambaShape ms = mamba_shape(b.m.hp);
    const int64_t E = b.m.hp.n_embd, Di = ms.d_inner, ld = ms.d_in_proj();
    const auto i = static_cast<size_t>(il);
    b.be.matmul(l.ssm_in, 0, b.s.u, E, b.n, b.s.a, ld);
    const int64_t cd = ms.conv_dim(), dt = 2 * Di + 2 * ms.n_group * ms.d_state;
    // The conv and the scan carry each sequence's state: once per segment, on its rows.
    for (int64_t g = 0; g < b.n_seg; ++g) {
        const ForwardSegment &sg = b.seg[g];
        const int64_t r = sg.row0;
        b.be.ssm_conv(b.s.a + r * ld + Di, ld, sg.n, sg.state->conv_state[i], l.ssm_conv1d, l.ssm_conv1d_b,
                      ms, b.s.b + r * cd);
        b.be.ssm_scan(b.s.b + r * cd, cd, b.s.a + r * ld + dt, ld, l.ssm_dt_b, l.ssm_a, l.ssm_d, sg.n,
                      sg.state->ssm_state[i], ms, b.s.c + r * Di);
    }
    b.be.gated_group_norm(b.s.c, b.s.a, ld, b.n, l.ssm_norm, ms, static_cast<float>(b.m.hp.norm_eps));
    b.be.matmul(l.ssm_out, 0, b.s.c, Di, b.n, b.s.b, E);
}

// MoE (§2.4.4-2.4.5): routed experts on u (or its latent projection) plus the shared expert on u;
// out = routed + shared, in b.
void moe_mixer(const Batch &b, int64_t il) {
    const LayerWeights &l = b.m.layers[static_cast<size_t>(il)];
    const int64_t E = b.m.hp.n_embd, X = l.ffn_gate_inp.n_out;
    MoeRouting r = b.m.routing;
    r.selection_bias = l.exp_probs_b.present() ? l.exp_probs_b.f32() : nullptr;
    b.be.matmul(l.ffn_gate_inp, 0, b.s.u, E, b.n, b.s.a, X);  // router logits [n][X]
    float *routed = b.s.c;
    if (l.ffn_latent_down.present()) {
        const int64_t Ein = l.ffn_latent_down.n_out;
        b.be.matmul(l.ffn_latent_down, 0, b.s.u, E, b.n, b.s.b, Ein);
        b.be.moe_ffn(b.s.a, r, l.ffn_up_exps, l.ffn_down_exps, b.s.b, b.n, b.s.c);
        b.be.matmul(l.ffn_latent_up, 0, b.s.c, Ein, b.n, b.s.b, E);
        routed = b.s.b;
    } else {
        b.be.moe_ffn(b.s.a, r, l.ffn_up_exps, l.ffn_down_exps, b.s.u, b.n, b.s.c);
    }
    if (!l.ffn_up_shexp.present()) {
        if (routed != b.s.b)
            b.be.copy(b.s.b, routed, static_cast<size_t>(b.n * E) * sizeof(float));
        return;
    }
    float *shared = routed == b.s.b ? b.s.c : b.s.b;
    relu2_mlp(b, l.ffn_up_shexp, nullptr, l.ffn_down_shexp, nullptr, b.s.u, b.s.a, shared);
    // routed + shared first, then the residual: the order llama.cpp adds them in.
    b.be.add(b.s.b, b.s.c, b.n * E);
}

}  // namespace

void forward_nemotron_h_layers(const Batch &b) {
    const ModelHparams &hp = b.m.hp;
    const int64_t E = hp.n_embd;
    const float eps = static_cast<float>(hp.norm_eps);
    for (int64_t il = b.il0; il < b.il1; ++il) {
        const LayerWeights &l = b.m.layers[static_cast<size_t>(il)];
        b.be.rms_norm(b.s.h, l.attn_norm, b.n, E, eps, b.s.u);
        const float *out = b.s.b;
        switch (l.kind) {
            case LayerKind::mamba:
                mamba_mixer(b, il);
                break;
            case LayerKind::attention:
            case LayerKind::attention_ffn:
                attention_mixer(b, il, false);
                out = b.s.c;
                break;
            case LayerKind::mlp:
                relu2_mlp(b, l.ffn_up, opt(l.ffn_up_b), l.ffn_down, opt(l.ffn_down_b), b.s.u, b.s.a, b.s.b);
                break;
            case LayerKind::moe:
                moe_mixer(b, il);
                break;
        }
        b.be.add(b.s.h, out, b.n * E);
    }
}

}  // namespace nd::fwd
