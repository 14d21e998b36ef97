#pragma once
// Shared pieces of the forward passes (forward_*.cpp): the scratch buffers of a ForwardState and one batch's
// context. Every buffer is backend memory; the passes only call Backend ops on them.
#include <cstdint>
#include <vector>

#include "gpu/model/forward.h"

namespace nd::fwd {

// Logit rows computed per output matmul: bounds the logits scratch to kLogitRows × n_vocab however large
// the batch (a 512-token prefill with all logits of a 131072-token vocabulary would need 268 MB at once).
constexpr int64_t kLogitRows = 16;

// ForwardState::scratch, in this order.
enum ScratchIndex {
    kScratchH = 0,
    kScratchU,
    kScratchA,
    kScratchB,
    kScratchC,
    kScratchLogits,
    kScratchBest,
    kScratchCount
};

struct Scratch {
    float *h = nullptr;  // [max_batch][n_embd] the residual stream
    float *u = nullptr;  // [max_batch][n_embd] the normed input of a mixer
    float *a = nullptr;  // [max_batch][width] three work buffers, each used with its own row stride
    float *b = nullptr;
    float *c = nullptr;
    float *logits = nullptr;  // [kLogitRows][n_vocab]
    float *best = nullptr;    // [2][kTopKMax]: LogitsBest's ids (as int32) then values
};

// The widest row any of layers [il0, il1) (and the output) writes into a, b or c.
int64_t scratch_width(const Model &m, int64_t il0, int64_t il1);
Scratch scratch_of(const ForwardPart &part);

// One batch being evaluated: n rows made of one or more sequences (segments). Row-wise ops run over all
// n rows; the ops that read or update a sequence's state (attention, ssm_conv, ssm_scan) run once per
// segment on its rows.
struct Batch {
    const Model &m;
    const ForwardSegment *seg;
    int64_t n_seg = 0;
    Backend &be;
    int64_t n = 0;
    const int32_t *pos = nullptr;  // host, n positions (RoPE)
    Scratch s;
    int64_t il0 = 0;  // the layers [il0, il1) this backend runs
    int64_t il1 = 0;
};

inline const Weight *opt(const Weight &w) {
    return w.present() ? &w : nullptr;
}
inline int64_t layer_head_kv(const ModelHparams &hp, int64_t il) {
    const auto i = static_cast<size_t>(il);
    return i < hp.head_count_kv.size() ? hp.head_count_kv[i] : hp.n_head_kv;
}
// Width of a q|k|v row of layer il (the projections are written side by side into one buffer).
int64_t qkv_width(const ModelHparams &hp, int64_t il);
MambaShape mamba_shape(const ModelHparams &hp);

// Attention mixer of layer il on b.s.u, result [n][n_embd] in b.s.c (uses a and b). RoPE when `rope`.
void attention_mixer(const Batch &b, int64_t il, bool rope);

// Layers [b.il0, b.il1) of each architecture, from the residual stream in s.h to the one after them in s.h.
void forward_llama_layers(const Batch &b);
void forward_nemotron_layers(const Batch &b);
void forward_nemotron_h_layers(const Batch &b);

}  // namespace nd::fwd
