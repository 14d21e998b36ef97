// A conversation's state on a backend: eval in batches, the context limit, reset/truncate, snapshots
// (session.h).
#include "gpu/session/session.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_set>

#include "gpu/model/forward.h"

namespace nd {

namespace {

std::string mib(uint64_t bytes) {
    return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB";
}

bool has_recurrent(const Model &m) {
    return std::find(m.hp.layers.begin(), m.hp.layers.end(), LayerKind::mamba) != m.hp.layers.end();
}

// Row bytes of K and V for layer il of this model (0 for layers without a cache).
struct KvRow {
    size_t k = 0;
    size_t v = 0;
};
KvRow kv_row(const Model &m, const ForwardState &st, size_t il) {
    if (!st.kv[il].k)
        return {};
    const size_t elem = st.kv_type == KvType::f16 ? 2 : 4;
    const auto hkv =
        static_cast<size_t>(il < m.hp.head_count_kv.size() ? m.hp.head_count_kv[il] : m.hp.n_head_kv);
    return {hkv * static_cast<size_t>(m.hp.head_dim_k) * elem,
            hkv * static_cast<size_t>(m.hp.head_dim_v) * elem};
}
size_t conv_bytes(const Model &m) {
    return static_cast<size_t>((m.hp.ssm_d_conv - 1) *
                               (m.hp.ssm_d_inner + 2 * m.hp.ssm_n_group * m.hp.ssm_d_state)) *
           sizeof(float);
}
size_t ssm_bytes(const Model &m) {
    return static_cast<size_t>(m.hp.ssm_d_inner * m.hp.ssm_d_state) * sizeof(float);
}

// The weights each part of the forward pass uses, each tensor once per backend (a tied output shares the
// embedding's data): the first part embeds, the last computes the logits.
std::vector<std::vector<const Weight *>> part_weights(const Model &model,
                                                      const std::vector<ForwardPart> &parts) {
    std::vector<std::vector<const Weight *>> out(parts.size());
    for (size_t i = 0; i < parts.size(); ++i) {
        std::vector<const Weight *> slots = {&model.rope_freqs};
        if (i == 0)
            slots.push_back(&model.token_embd);
        if (i + 1 == parts.size())
            slots.insert(slots.end(), {&model.output_norm, &model.output_norm_b, &model.output});
        for (int64_t il = parts[i].layer_begin; il < parts[i].layer_end; ++il)
            for (const Weight *w : model_layer_weights(model, il))
                slots.push_back(w);
        std::unordered_set<const uint8_t *> seen;
        for (const Weight *w : slots)
            if (w->present() && seen.insert(w->data).second)
                out[i].push_back(w);
    }
    return out;
}

uint64_t weights_bytes(const std::vector<const Weight *> &weights) {
    uint64_t bytes = 0;
    for (const Weight *w : weights)
        bytes += static_cast<uint64_t>(w->row_bytes) * static_cast<uint64_t>(w->n_out * w->n_expert);
    return bytes;
}

// Uploads (where a backend needs it) each part's weights to its backend. A GPU too small for the model
// says so with its numbers; the advice to split names the layer sizes so the user can pick N.
Status prepare_parts(const Model &model, Backend *backend) {
    const std::vector<ForwardPart> parts = forward_parts(model, backend);
    const auto weights = part_weights(model, parts);
    for (size_t i = 0; i < parts.size(); ++i) {
        Status st = parts[i].backend->prepare_weights(weights[i]);
        if (st.code == StatusCode::out_of_memory && model.hp.n_layer > 0) {
            const uint64_t per_layer =
                weights_bytes(weights[i]) / static_cast<uint64_t>(parts[i].layer_end - parts[i].layer_begin);
            st.message += "; or keep only some of its " + std::to_string(model.hp.n_layer) +
                          " layers on the GPU with --gpu-layers N (about " + mib(per_layer) +
                          " per layer, the rest runs on the CPU)";
        }
        if (!st.ok())
            return st;
    }
    return {};
}

}  // namespace

Session::Session(const Model &model, Backend *backend) : m_model(model), m_backend(backend) {}
Session::~Session() = default;

int64_t Session::n_vocab() const {
    return m_model.hp.n_vocab;
}

Status Session::create(const Model &model, Backend *backend, const SessionOptions &options,
                       std::unique_ptr<Session> *out) {
    if (!backend || !out)
        return ND_STATUS(StatusCode::invalid_argument, "Session::create: null backend or output");
    const int64_t n_ctx = options.n_ctx > 0 ? options.n_ctx : model_default_ctx(model.hp);
    if (options.n_ctx < 0 || n_ctx > (int64_t{1} << 31) - 1)
        return ND_STATUS(StatusCode::invalid_argument, "the context size " + std::to_string(options.n_ctx) +
                                                           " must be between 1 and 2147483647");
    if (options.n_batch < 0)
        return ND_STATUS(StatusCode::invalid_argument,
                         "the batch size " + std::to_string(options.n_batch) + " must be positive");
    std::unique_ptr<Session> s(new Session(model, backend));
    s->m_n_ctx = n_ctx;
    if (Status st = prepare_parts(model, backend); !st.ok())
        return st;
    // After the weights: a GPU's preference depends on the memory they leave.
    s->m_n_batch = std::min(options.n_batch > 0 ? options.n_batch : backend->preferred_batch(), n_ctx);
    s->m_state = std::make_unique<ForwardState>();
    if (Status st =
            forward_state_create(model, backend, n_ctx, options.kv_type, s->m_n_batch, s->m_state.get());
        !st.ok()) {
        const uint64_t bytes = forward_state_bytes(model, n_ctx, options.kv_type);
        st.message = "cannot allocate the state of a " + std::to_string(n_ctx) + "-token context (" +
                     mib(bytes) + " of KV cache and recurrent state, plus scratch for " +
                     std::to_string(s->m_n_batch) + " tokens) on " + backend->name() + ": " + st.message +
                     "; try a smaller --ctx or --batch";
        return st;
    }
    *out = std::move(s);
    return {};
}

Status Session::eval(std::span<const int32_t> tokens, bool all_logits, std::vector<float> *logits) {
    return run(tokens, all_logits, logits, nullptr);
}

Status Session::eval_best(std::span<const int32_t> tokens, const LogitsBest &best) {
    if (tokens.empty())
        return ND_STATUS(StatusCode::invalid_argument, "eval_best needs at least one token");
    return run(tokens, false, nullptr, &best);
}

Status Session::run(std::span<const int32_t> tokens, bool all_logits, std::vector<float> *logits,
                    const LogitsBest *best) {
    const int64_t n = static_cast<int64_t>(tokens.size()), V = n_vocab();
    for (int32_t id : tokens)
        if (id < 0 || id >= V)
            return ND_STATUS(StatusCode::invalid_argument, "token " + std::to_string(id) +
                                                               " is outside the vocabulary (0.." +
                                                               std::to_string(V - 1) + ")");
    if (n_past() + n > m_n_ctx)
        return ND_STATUS(StatusCode::invalid_argument, "the context is full: " + std::to_string(n_past()) +
                                                           " tokens + " + std::to_string(n) + " new > " +
                                                           std::to_string(m_n_ctx) +
                                                           "; start a new conversation or raise --ctx");
    if (logits)
        logits->assign(static_cast<size_t>((all_logits ? n : (n > 0 ? 1 : 0)) * V), 0.0f);
    std::vector<int64_t> rows(static_cast<size_t>(m_n_batch));
    for (int64_t t0 = 0; t0 < n; t0 += m_n_batch) {
        const int64_t nb = std::min(m_n_batch, n - t0);
        float *out = nullptr;
        if (logits) {
            std::fill(rows.begin(), rows.end(), -1);
            if (all_logits) {
                for (int64_t t = 0; t < nb; ++t)
                    rows[static_cast<size_t>(t)] = t;
                out = logits->data() + t0 * V;
            } else if (t0 + nb == n) {
                rows[static_cast<size_t>(nb - 1)] = 0;
                out = logits->data();
            }
        }
        const auto start = std::chrono::steady_clock::now();
        Status st = best && t0 + nb == n ? forward_batch_best(m_model, m_state.get(), tokens.data() + t0, nb,
                                                              n_past() + t0, *best)
                                         : forward_batch(m_model, m_state.get(), tokens.data() + t0, nb,
                                                         n_past() + t0, out ? rows.data() : nullptr, out);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!st.ok()) {
            // KV rows past n_past are never read, but a recurrent state has already advanced: it no longer
            // belongs to the tokens kept, so the conversation starts over.
            if (has_recurrent(m_model)) {
                reset();
                st.message += " (the conversation state was reset)";
            }
            return st;
        }
        (nb > 1 ? m_stats.prompt_tokens : m_stats.decode_tokens) += nb;
        (nb > 1 ? m_stats.prompt_seconds : m_stats.decode_seconds) += seconds;
    }
    m_tokens.insert(m_tokens.end(), tokens.begin(), tokens.end());
    return {};
}

void Session::reset() {
    m_tokens.clear();
    forward_state_reset(m_model, m_state.get());
}

Status Session::truncate(int64_t n) {
    if (n < 0 || n > n_past())
        return ND_STATUS(StatusCode::invalid_argument, "cannot truncate to " + std::to_string(n) +
                                                           " tokens: the session holds " +
                                                           std::to_string(n_past()));
    if (n == n_past())
        return {};
    if (n == 0) {
        reset();
        return {};
    }
    if (has_recurrent(m_model))
        return ND_STATUS(
            StatusCode::unsupported,
            "cannot go back to token " + std::to_string(n) + " of " + std::to_string(n_past()) +
                ": this model has recurrent (Mamba) layers whose state cannot be rolled back; restore a "
                "snapshot taken at that point instead");
    m_tokens.resize(static_cast<size_t>(n));
    return {};
}

Status Session::snapshot(SessionSnapshot *out) const {
    if (!out)
        return ND_STATUS(StatusCode::invalid_argument, "Session::snapshot: null output");
    if (Status st = m_backend->sync(); !st.ok())
        return st;
    SessionSnapshot s;
    s.tokens = m_tokens;
    s.n_ctx = m_n_ctx;
    s.kv_type = m_state->kv_type;
    s.model_fingerprint = m_model.fingerprint;
    const auto np = static_cast<size_t>(n_past());
    for (size_t il = 0; il < m_state->kv.size(); ++il) {
        const KvRow r = kv_row(m_model, *m_state, il);
        if (!r.k)
            continue;
        const size_t off = s.kv.size();
        s.kv.resize(off + np * (r.k + r.v));
        Backend *be = m_state->layer_backend[il];
        be->download(s.kv.data() + off, m_state->kv[il].k, np * r.k);
        be->download(s.kv.data() + off + np * r.k, m_state->kv[il].v, np * r.v);
    }
    for (size_t il = 0; il < m_state->conv_state.size(); ++il) {
        if (!m_state->conv_state[il])
            continue;
        const size_t off = s.recurrent.size(), cb = conv_bytes(m_model), sb = ssm_bytes(m_model);
        s.recurrent.resize(off + cb + sb);
        Backend *be = m_state->layer_backend[il];
        be->download(s.recurrent.data() + off, m_state->conv_state[il], cb);
        be->download(s.recurrent.data() + off + cb, m_state->ssm_state[il], sb);
    }
    if (Status st = m_backend->sync(); !st.ok())
        return st;
    *out = std::move(s);
    return {};
}

Status Session::restore(const SessionSnapshot &s) {
    const auto np = static_cast<int64_t>(s.tokens.size());
    if (np > m_n_ctx)
        return ND_STATUS(StatusCode::invalid_argument, "the snapshot holds " + std::to_string(np) +
                                                           " tokens, more than this session's context of " +
                                                           std::to_string(m_n_ctx));
    if (s.model_fingerprint != m_model.fingerprint)
        return ND_STATUS(StatusCode::invalid_argument,
                         "the snapshot was taken from another model (or another quantization of it) than '" +
                             m_model.name + "'; its state cannot continue here");
    if (s.kv_type != m_state->kv_type)
        return ND_STATUS(StatusCode::invalid_argument, std::string("the snapshot's KV cache is ") +
                                                           (s.kv_type == KvType::f16 ? "f16" : "f32") +
                                                           " but this session's is " +
                                                           (m_state->kv_type == KvType::f16 ? "f16" : "f32"));
    size_t kv_bytes = 0, rec_bytes = 0;
    for (size_t il = 0; il < m_state->kv.size(); ++il) {
        const KvRow r = kv_row(m_model, *m_state, il);
        kv_bytes += static_cast<size_t>(np) * (r.k + r.v);
        if (m_state->conv_state[il])
            rec_bytes += conv_bytes(m_model) + ssm_bytes(m_model);
    }
    if (s.kv.size() != kv_bytes || s.recurrent.size() != rec_bytes)
        return ND_STATUS(StatusCode::invalid_argument,
                         "the snapshot is not from this model: it holds " + std::to_string(s.kv.size()) +
                             " bytes of KV cache and " + std::to_string(s.recurrent.size()) +
                             " bytes of recurrent state for " + std::to_string(np) +
                             " tokens, this model needs " + std::to_string(kv_bytes) + " and " +
                             std::to_string(rec_bytes));
    for (int32_t id : s.tokens)
        if (id < 0 || id >= n_vocab())
            return ND_STATUS(StatusCode::invalid_argument, "the snapshot holds token " + std::to_string(id) +
                                                               ", outside this model's vocabulary");
    size_t off = 0;
    const auto n = static_cast<size_t>(np);
    for (size_t il = 0; il < m_state->kv.size(); ++il) {
        const KvRow r = kv_row(m_model, *m_state, il);
        if (!r.k)
            continue;
        Backend *be = m_state->layer_backend[il];
        be->upload(m_state->kv[il].k, s.kv.data() + off, n * r.k);
        be->upload(m_state->kv[il].v, s.kv.data() + off + n * r.k, n * r.v);
        off += n * (r.k + r.v);
    }
    off = 0;
    for (size_t il = 0; il < m_state->conv_state.size(); ++il) {
        if (!m_state->conv_state[il])
            continue;
        const size_t cb = conv_bytes(m_model), sb = ssm_bytes(m_model);
        Backend *be = m_state->layer_backend[il];
        be->upload(m_state->conv_state[il], s.recurrent.data() + off, cb);
        be->upload(m_state->ssm_state[il], s.recurrent.data() + off + cb, sb);
        off += cb + sb;
    }
    if (Status st = m_backend->sync(); !st.ok())
        return st;
    m_tokens = s.tokens;
    return {};
}

}  // namespace nd
