#pragma once
// One forward pass of a batch of tokens through a model on a backend, updating a sequence's state (KV
// cache rows of attention layers, conv + SSM state of Mamba layers). gpu/model/forward_{llama,nemotron,
// nemotron_h}.cpp hold the architectures (nemotron_h_moe shares nemotron_h's); the session (gpu/session)
// owns the state and decides the batching.
#include <cstdint>
#include <utility>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/model/backend.h"
#include "gpu/model/model.h"

namespace nd {

// One backend's share of a forward pass: layers [layer_begin, layer_end) and the scratch they work in. The
// first part also embeds the tokens, the last computes the logits. One part, unless the backend is a
// layer split (backend.h LayerSplit), then two.
struct ForwardPart {
    Backend *backend = nullptr;
    int64_t layer_begin = 0;
    int64_t layer_end = 0;
    std::vector<void *> scratch;  // fwd::ScratchIndex order, on this part's backend
};

// The parts a model runs in on `backend`, in layer order, scratch not yet allocated. A split whose share
// for one side is empty (N = 0, N >= n_layer) is one part on the other side.
std::vector<ForwardPart> forward_parts(const Model &model, Backend *backend);

// A sequence's state in backend memory: each layer's state on the backend of the part that runs the layer.
// Built by forward_state_create for a context length.
struct ForwardState {
    Backend *backend = nullptr;  // the backend the state was created for (a split: the whole of it)
    int64_t n_ctx = 0;
    KvType kv_type = KvType::f32;
    std::vector<KvLayer> kv;               // per layer; empty KvLayer for layers without attention
    std::vector<float *> conv_state;       // per layer; nullptr for non-Mamba layers ([conv_dim][d_conv-1])
    std::vector<float *> ssm_state;        // per layer; nullptr for non-Mamba layers ([nh][P][N])
    std::vector<Backend *> layer_backend;  // per layer: where its state lives and its ops run
    // Scratch for up to max_batch tokens, allocated once per part (max_batch 0: none, see below).
    int64_t max_batch = 0;
    std::vector<ForwardPart> parts;
    std::vector<std::pair<Backend *, void *>> owned;  // everything above, released by the destructor

    ForwardState() = default;
    ForwardState(const ForwardState &) = delete;
    ForwardState &operator=(const ForwardState &) = delete;
    ~ForwardState();
};

// max_batch 0: the state alone, no scratch — a sequence that is only ever evaluated as a segment of a
// batch whose scratch another state holds (forward_batch_segments); forward_batch refuses it.
Status forward_state_create(const Model &model, Backend *backend, int64_t n_ctx, KvType kv_type,
                            int64_t max_batch, ForwardState *state);
// Scratch alone for batches of up to max_batch rows (n_ctx 0, no per-layer state): the scratch of
// forward_batch_segments, shared by the sequences it evaluates.
Status forward_scratch_create(const Model &model, Backend *backend, int64_t max_batch, ForwardState *state);
// Bytes of state (KV + conv + SSM) a sequence of n_ctx positions needs (no scratch).
uint64_t forward_state_bytes(const Model &model, int64_t n_ctx, KvType kv_type);
// Zero the recurrent states (a fresh sequence). KV rows need no clearing (positions say what is valid).
void forward_state_reset(const Model &model, ForwardState *state);

// Evaluates tokens [n] at positions pos0..pos0+n-1 (n <= max_batch, pos0 + n <= n_ctx, ids checked by
// the caller). For every t with logits_rows[t] >= 0, writes the logits of token t to host memory
// logits_out + logits_rows[t] * n_vocab (logits_rows may be nullptr: no logits).
Status forward_batch(const Model &model, ForwardState *state, const int32_t *tokens, int64_t n, int64_t pos0,
                     const int64_t *logits_rows, float *logits_out);

// What a sampler needs of the last position instead of its logits: the sampler's penalties applied and
// the k best (value, id) pairs found on the backend (Backend::apply_penalties, top_k), so that k pairs
// cross to the host instead of the vocabulary.
struct LogitsBest {
    int64_t k = 1;                            // 1 <= k <= kTopKMax (logit_select.h)
    int64_t n_vocab = 0;                      // ids considered: [0, n_vocab), at most the model's
    const int32_t *penalty_ids = nullptr;     // host, n_penalty distinct ids (−1: padding)
    const int32_t *penalty_counts = nullptr;  // host, n_penalty
    int64_t n_penalty = 0;
    float repeat = 1.0f;
    float frequency = 0.0f;
    float presence = 0.0f;
    int32_t *out_ids = nullptr;  // host, k: best first (logit_better)
    float *out_vals = nullptr;   // host, k
};

// One sequence's share of a batch of several (continuous batching): its rows [row0, row0 + n) of the
// batch, at positions pos0.., against its own state.
struct ForwardSegment {
    ForwardState *state = nullptr;  // KV cache rows and recurrent state of the sequence (scratch unused)
    int64_t row0 = 0;
    int64_t n = 0;
    int64_t pos0 = 0;
};

// Several sequences in one forward pass: the matmuls, norms and MoE run once over all n rows (the weights
// are read once for every sequence); attention and the Mamba conv/scan run per segment on its rows.
// Segments are in row order and cover rows 0..n-1 exactly, each state at most once, created on the same
// backend as `scratch`, pos0 + n <= its n_ctx. `scratch` is any state with max_batch >= n (typically from
// forward_scratch_create); only its scratch is used. Logits as forward_batch (rows of the whole batch).
// One segment of scratch's own state is exactly forward_batch.
Status forward_batch_segments(const Model &model, ForwardState *scratch, const int32_t *tokens, int64_t n,
                              const ForwardSegment *segments, int64_t n_segments, const int64_t *logits_rows,
                              float *logits_out);

// forward_batch, then LogitsBest for the last token of the batch (the others' logits are not computed).
Status forward_batch_best(const Model &model, ForwardState *state, const int32_t *tokens, int64_t n,
                          int64_t pos0, const LogitsBest &best);

}  // namespace nd
