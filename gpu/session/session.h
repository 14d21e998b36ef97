#pragma once
// A conversation with a model: the tokens seen so far and the state they left (KV cache rows, Mamba conv
// and SSM states), prefill in batches, one-token decode, snapshots to continue or branch without re-reading
// a prompt, and the context limit enforced with a clear message.
//
// Recurrent (Mamba) state cannot be rolled back to an earlier position (spec §5.1): going back means
// restoring a snapshot taken there. truncate() therefore only works on models without Mamba layers, or to
// a position where a snapshot exists — the caller restores it.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/model/backend.h"
#include "gpu/model/model.h"

namespace nd {

struct ForwardState;
struct LogitsBest;

struct SessionOptions {
    int64_t n_ctx = 0;    // 0: model_default_ctx (training context capped at 8192)
    int64_t n_batch = 0;  // tokens per forward pass during prefill; 0: the backend's preferred_batch()
    KvType kv_type = KvType::f16;
};

// A copy of a session's state in host memory: the tokens and every state row they produced.
struct SessionSnapshot {
    std::vector<int32_t> tokens;
    std::vector<uint8_t> kv;         // per attention layer: K then V rows 0..n_past-1
    std::vector<uint8_t> recurrent;  // per Mamba layer: conv state then SSM state
    int64_t n_ctx = 0;
    KvType kv_type = KvType::f16;
    uint64_t model_fingerprint = 0;  // Model::fingerprint of the model it was taken from
    uint64_t bytes() const { return kv.size() + recurrent.size() + tokens.size() * sizeof(int32_t); }
};

struct SessionStats {
    int64_t prompt_tokens = 0;  // tokens evaluated in batches of more than one
    double prompt_seconds = 0;
    int64_t decode_tokens = 0;  // tokens evaluated one at a time
    double decode_seconds = 0;
};

class Session {
public:
    // The backend must outlive the session; the model too.
    static Status create(const Model &model, Backend *backend, const SessionOptions &options,
                         std::unique_ptr<Session> *out);
    ~Session();

    const Model &model() const { return m_model; }
    Backend *backend() const { return m_backend; }
    int64_t n_ctx() const { return m_n_ctx; }
    int64_t n_batch() const { return m_n_batch; }
    int64_t n_past() const { return static_cast<int64_t>(m_tokens.size()); }
    const std::vector<int32_t> &tokens() const { return m_tokens; }
    int64_t n_vocab() const;

    // Appends tokens and evaluates them (in batches of n_batch). logits: nullptr for none; otherwise
    // all_logits ? n × n_vocab values (every position, row-major) : n_vocab values (the last position).
    // Errors (nothing is appended): an id outside the vocabulary ("token 70000 is outside the
    // vocabulary (0..65535)"), the context full ("the context is full: 4090 tokens + 10 new > 4096;
    // start a new conversation or raise --ctx"), a backend failure.
    Status eval(std::span<const int32_t> tokens, bool all_logits, std::vector<float> *logits);
    // The same, but of the last token only what a sampler with a top-k needs (forward.h LogitsBest): the
    // penalties applied and the k best (logit, id) pairs, computed on the backend — on a GPU, k pairs cross
    // to the host instead of the vocabulary. Errors as eval's, and for a LogitsBest out of range.
    Status eval_best(std::span<const int32_t> tokens, const LogitsBest &best);

    // Forget everything (recurrent state zeroed).
    void reset();
    // Keep only the first n tokens. Allowed when the model has no recurrent layers (KV rows beyond n are
    // simply overwritten later); otherwise an error that says to restore a snapshot.
    Status truncate(int64_t n);

    Status snapshot(SessionSnapshot *out) const;
    // Restores a snapshot taken from a session of the same model (any n_ctx >= its token count, same KV
    // type); errors say what does not match.
    Status restore(const SessionSnapshot &snapshot);

    const SessionStats &stats() const { return m_stats; }
    void reset_stats() { m_stats = {}; }

private:
    Session(const Model &model, Backend *backend);
    Status run(std::span<const int32_t> tokens, bool all_logits, std::vector<float> *logits,
               const LogitsBest *best);
    const Model &m_model;
    Backend *m_backend;
    int64_t m_n_ctx = 0;
    int64_t m_n_batch = 512;
    std::unique_ptr<ForwardState> m_state;
    std::vector<int32_t> m_tokens;
    SessionStats m_stats;
};

}  // namespace nd
