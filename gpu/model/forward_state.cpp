// A sequence's state (KV cache rows, Mamba conv/SSM states, scratch) and forward_batch, which embeds a
// batch, runs the architecture's layers and computes the logits of the rows asked for (forward.h).
#include <algorithm>
#include <string>

#include "gpu/model/forward_internal.h"
#include "gpu/model/logit_select.h"

namespace nd {

namespace fwd {

int64_t qkv_width(const ModelHparams &hp, int64_t il) {
    const int64_t hkv = layer_head_kv(hp, il);
    return hp.n_head * hp.head_dim_k + hkv * hp.head_dim_k + hkv * hp.head_dim_v;
}

MambaShape mamba_shape(const ModelHparams &hp) {
    MambaShape s;
    s.d_inner = hp.ssm_d_inner;
    s.d_state = hp.ssm_d_state;
    s.n_group = hp.ssm_n_group;
    s.n_head = hp.ssm_n_head;
    s.d_conv = hp.ssm_d_conv;
    return s;
}

int64_t scratch_width(const Model &m, int64_t il0, int64_t il1) {
    const ModelHparams &hp = m.hp;
    int64_t w = hp.n_embd;
    for (int64_t il = il0; il < il1; ++il) {
        const LayerWeights &l = m.layers[static_cast<size_t>(il)];
        switch (l.kind) {
            case LayerKind::attention_ffn:
            case LayerKind::attention:
                w = std::max({w, qkv_width(hp, il), hp.n_head * hp.head_dim_v});
                if (l.ffn_up.present())
                    w = std::max(w, l.ffn_up.n_out);
                break;
            case LayerKind::mlp:
                w = std::max(w, l.ffn_up.n_out);
                break;
            case LayerKind::mamba: {
                const MambaShape s = mamba_shape(hp);
                w = std::max({w, s.d_in_proj(), s.conv_dim(), s.d_inner});
                break;
            }
            case LayerKind::moe:
                w = std::max({w, l.ffn_gate_inp.n_out, l.ffn_up_exps.n_in, l.ffn_up_shexp.n_out});
                break;
        }
    }
    return w;
}

Scratch scratch_of(const ForwardPart &part) {
    Scratch s;
    if (part.scratch.size() != kScratchCount)
        return s;
    auto f = [&](int i) { return static_cast<float *>(part.scratch[static_cast<size_t>(i)]); };
    s.h = f(kScratchH);
    s.u = f(kScratchU);
    s.a = f(kScratchA);
    s.b = f(kScratchB);
    s.c = f(kScratchC);
    s.logits = f(kScratchLogits);
    s.best = f(kScratchBest);
    return s;
}

}  // namespace fwd

namespace {

size_t kv_elem(KvType t) {
    return t == KvType::f16 ? 2 : 4;
}
bool has_kv(LayerKind k) {
    return k == LayerKind::attention || k == LayerKind::attention_ffn;
}

Status alloc_into(ForwardState *st, Backend *backend, size_t bytes, void **out) {
    // Zero-byte buffers (d_conv 1 has no conv state) still get a distinct pointer.
    if (Status s = backend->alloc(std::max<size_t>(bytes, 16), out); !s.ok())
        return s;
    st->owned.emplace_back(backend, *out);
    return {};
}

// The residual stream of n tokens crosses from one part's backend to the next: the previous part is
// finished first (its sync also completes the download on a GPU that records).
Status hand_over(const fwd::Batch &from, const fwd::Batch &to) {
    const size_t bytes = static_cast<size_t>(from.n * from.m.hp.n_embd) * sizeof(float);
    std::vector<float> h(bytes / sizeof(float));
    from.be.download(h.data(), from.s.h, bytes);
    if (Status s = from.be.sync(); !s.ok())
        return s;
    to.be.upload(to.s.h, h.data(), bytes);
    return {};
}

void run_layers(const Model &model, const fwd::Batch &b) {
    switch (model.hp.arch) {
        case ModelArch::llama:
            fwd::forward_llama_layers(b);
            break;
        case ModelArch::nemotron:
            fwd::forward_nemotron_layers(b);
            break;
        case ModelArch::nemotron_h:
        case ModelArch::nemotron_h_moe:
            fwd::forward_nemotron_h_layers(b);
            break;
    }
}

// The logits of the rows asked for: the final norm and the output matmul only on those rows, gathered
// kLogitRows at a time into a.
void output_logits(const fwd::Batch &b, const int64_t *logits_rows, float *logits_out) {
    const Model &m = b.m;
    const int64_t E = m.hp.n_embd, V = m.hp.n_vocab;
    std::vector<int64_t> rows;
    for (int64_t t = 0; t < b.n; ++t)
        if (logits_rows[t] >= 0)
            rows.push_back(t);
    for (size_t r0 = 0; r0 < rows.size(); r0 += fwd::kLogitRows) {
        const int64_t k = std::min<int64_t>(fwd::kLogitRows, static_cast<int64_t>(rows.size() - r0));
        for (int64_t j = 0; j < k; ++j)
            b.be.copy(b.s.a + j * E, b.s.h + rows[r0 + static_cast<size_t>(j)] * E,
                      static_cast<size_t>(E) * 4);
        if (m.hp.arch == ModelArch::nemotron)
            b.be.layer_norm(b.s.a, m.output_norm, fwd::opt(m.output_norm_b), k, E,
                            static_cast<float>(m.hp.norm_eps), b.s.a);
        else
            b.be.rms_norm(b.s.a, m.output_norm, k, E, static_cast<float>(m.hp.norm_eps), b.s.a);
        b.be.matmul(m.output, 0, b.s.a, E, k, b.s.logits, V);
        for (int64_t j = 0; j < k; ++j) {
            const int64_t t = rows[r0 + static_cast<size_t>(j)];
            b.be.download(logits_out + logits_rows[t] * V, b.s.logits + j * V, static_cast<size_t>(V) * 4);
        }
    }
}

// The last token's logits on the backend, the sampler's penalties, the k best down to the host.
void output_best(const fwd::Batch &b, const LogitsBest &best) {
    const Model &m = b.m;
    const int64_t E = m.hp.n_embd, V = m.hp.n_vocab;
    b.be.copy(b.s.a, b.s.h + (b.n - 1) * E, static_cast<size_t>(E) * 4);
    if (m.hp.arch == ModelArch::nemotron)
        b.be.layer_norm(b.s.a, m.output_norm, fwd::opt(m.output_norm_b), 1, E,
                        static_cast<float>(m.hp.norm_eps), b.s.a);
    else
        b.be.rms_norm(b.s.a, m.output_norm, 1, E, static_cast<float>(m.hp.norm_eps), b.s.a);
    b.be.matmul(m.output, 0, b.s.a, E, 1, b.s.logits, V);
    if (best.n_penalty > 0)
        b.be.apply_penalties(b.s.logits, best.n_vocab, best.penalty_ids, best.penalty_counts, best.n_penalty,
                             best.repeat, best.frequency, best.presence);
    auto *ids = reinterpret_cast<int32_t *>(b.s.best);
    float *vals = b.s.best + kTopKMax;
    b.be.top_k(b.s.logits, best.n_vocab, best.k, ids, vals);
    b.be.download(best.out_ids, ids, static_cast<size_t>(best.k) * sizeof(int32_t));
    b.be.download(best.out_vals, vals, static_cast<size_t>(best.k) * sizeof(float));
}

}  // namespace

ForwardState::~ForwardState() {
    for (auto [owner, p] : owned)
        owner->release(p);
}

std::vector<ForwardPart> forward_parts(const Model &model, Backend *backend) {
    const int64_t nl = model.hp.n_layer;
    const LayerSplit *split = backend ? backend->layer_split() : nullptr;
    if (!split)
        return {ForwardPart{backend, 0, nl, {}}};
    const int64_t on_device = std::clamp<int64_t>(split->device_layers, 0, nl);
    if (on_device == 0)
        return {ForwardPart{split->host, 0, nl, {}}};
    if (on_device == nl)
        return {ForwardPart{split->device, 0, nl, {}}};
    return {ForwardPart{split->host, 0, nl - on_device, {}},
            ForwardPart{split->device, nl - on_device, nl, {}}};
}

uint64_t forward_state_bytes(const Model &model, int64_t n_ctx, KvType kv_type) {
    const ModelHparams &hp = model.hp;
    const MambaShape ms = fwd::mamba_shape(hp);
    uint64_t bytes = 0;
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        const LayerKind k = hp.layers[static_cast<size_t>(il)];
        if (has_kv(k))
            bytes += static_cast<uint64_t>(n_ctx) * static_cast<uint64_t>(fwd::layer_head_kv(hp, il)) *
                     static_cast<uint64_t>(hp.head_dim_k + hp.head_dim_v) * kv_elem(kv_type);
        else if (k == LayerKind::mamba)
            bytes += static_cast<uint64_t>((ms.d_conv - 1) * ms.conv_dim() +
                                           ms.n_head * ms.head_dim() * ms.d_state) *
                     4;
    }
    return bytes;
}

namespace {

// Scratch of every part for batches of st->max_batch rows.
Status alloc_scratch(const Model &model, ForwardState *st) {
    const ModelHparams &hp = model.hp;
    const auto B = static_cast<size_t>(st->max_batch), E = static_cast<size_t>(hp.n_embd);
    for (ForwardPart &p : st->parts) {
        const bool last = &p == &st->parts.back();
        const auto W = static_cast<size_t>(fwd::scratch_width(model, p.layer_begin, p.layer_end));
        // Only the last part computes logits.
        const size_t logits =
            last ? std::min<size_t>(B, fwd::kLogitRows) * static_cast<size_t>(hp.n_vocab) : 0;
        const size_t best = last ? 2 * static_cast<size_t>(kTopKMax) : 0;
        const size_t sizes[fwd::kScratchCount] = {B * E, B * E, B * W, B * W, B * W, logits, best};
        p.scratch.assign(fwd::kScratchCount, nullptr);
        for (int i = 0; i < fwd::kScratchCount; ++i)
            if (Status s =
                    alloc_into(st, p.backend, sizes[i] * sizeof(float), &p.scratch[static_cast<size_t>(i)]);
                !s.ok())
                return s;
    }
    return {};
}

}  // namespace

namespace {
// The parts the model runs in on `backend`, and each layer's (still empty) state slots and backend.
void init_layers(const Model &model, Backend *backend, ForwardState *st) {
    const auto nl = static_cast<size_t>(model.hp.n_layer);
    st->parts = forward_parts(model, backend);
    st->kv.assign(nl, KvLayer{});
    st->conv_state.assign(nl, nullptr);
    st->ssm_state.assign(nl, nullptr);
    st->layer_backend.assign(nl, nullptr);
    for (const ForwardPart &p : st->parts)
        for (int64_t il = p.layer_begin; il < p.layer_end; ++il)
            st->layer_backend[static_cast<size_t>(il)] = p.backend;
}
}  // namespace

Status forward_scratch_create(const Model &model, Backend *backend, int64_t max_batch, ForwardState *st) {
    if (!backend || !st || max_batch <= 0)
        return ND_STATUS(StatusCode::invalid_argument, "forward_scratch_create: max_batch " +
                                                           std::to_string(max_batch) +
                                                           " must be positive, backend and state given");
    st->backend = backend;
    st->n_ctx = 0;
    st->max_batch = max_batch;
    init_layers(model, backend, st);
    return alloc_scratch(model, st);
}

Status forward_state_create(const Model &model, Backend *backend, int64_t n_ctx, KvType kv_type,
                            int64_t max_batch, ForwardState *st) {
    if (!backend || !st || n_ctx <= 0 || max_batch < 0)
        return ND_STATUS(StatusCode::invalid_argument,
                         "forward_state_create: n_ctx " + std::to_string(n_ctx) +
                             " must be positive, max_batch " + std::to_string(max_batch) +
                             " not negative, backend and state given");
    const ModelHparams &hp = model.hp;
    const MambaShape ms = fwd::mamba_shape(hp);
    st->backend = backend;
    st->n_ctx = n_ctx;
    st->kv_type = kv_type;
    st->max_batch = max_batch;
    init_layers(model, backend, st);
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        const auto i = static_cast<size_t>(il);
        const LayerKind k = hp.layers[i];
        Backend *be = st->layer_backend[i];
        if (has_kv(k)) {
            const auto hkv = static_cast<size_t>(fwd::layer_head_kv(hp, il));
            const size_t rows = static_cast<size_t>(n_ctx) * kv_elem(kv_type) * hkv;
            KvLayer &kv = st->kv[i];
            kv.type = kv_type;
            kv.n_ctx = n_ctx;
            if (Status s = alloc_into(st, be, rows * static_cast<size_t>(hp.head_dim_k), &kv.k); !s.ok())
                return s;
            if (Status s = alloc_into(st, be, rows * static_cast<size_t>(hp.head_dim_v), &kv.v); !s.ok())
                return s;
        } else if (k == LayerKind::mamba) {
            void *conv = nullptr, *ssm = nullptr;
            if (Status s =
                    alloc_into(st, be, static_cast<size_t>((ms.d_conv - 1) * ms.conv_dim()) * 4, &conv);
                !s.ok())
                return s;
            if (Status s = alloc_into(st, be, static_cast<size_t>(ms.d_inner * ms.d_state) * 4, &ssm);
                !s.ok())
                return s;
            st->conv_state[i] = static_cast<float *>(conv);
            st->ssm_state[i] = static_cast<float *>(ssm);
        }
    }
    return max_batch > 0 ? alloc_scratch(model, st) : Status{};
}

void forward_state_reset(const Model &model, ForwardState *st) {
    const MambaShape ms = fwd::mamba_shape(model.hp);
    for (size_t i = 0; i < st->conv_state.size(); ++i) {
        if (st->conv_state[i])
            st->layer_backend[i]->fill_zero(st->conv_state[i],
                                            static_cast<size_t>((ms.d_conv - 1) * ms.conv_dim()) * 4);
        if (st->ssm_state[i])
            st->layer_backend[i]->fill_zero(st->ssm_state[i],
                                            static_cast<size_t>(ms.d_inner * ms.d_state) * 4);
    }
}

namespace {

// Segments in row order covering rows 0..n-1 exactly, each state once and able to hold its rows, states
// of the scratch's backend (the same layer split), tokens in the vocabulary.
Status check_segments(const Model &model, const ForwardState *scratch, const int32_t *tokens, int64_t n,
                      const ForwardSegment *seg, int64_t n_seg) {
    if (!scratch || !scratch->backend || !tokens || !seg || n_seg <= 0 || n <= 0 || n > scratch->max_batch ||
        scratch->parts.empty())
        return ND_STATUS(StatusCode::invalid_argument,
                         "forward_batch: " + std::to_string(n) + " tokens in " + std::to_string(n_seg) +
                             " sequence(s) do not fit the scratch (max_batch " +
                             std::to_string(scratch ? scratch->max_batch : 0) + ")");
    int64_t row = 0;
    for (int64_t i = 0; i < n_seg; ++i) {
        const ForwardSegment &g = seg[i];
        if (!g.state || g.state->backend != scratch->backend || g.row0 != row || g.n <= 0 || g.pos0 < 0 ||
            g.pos0 + g.n > g.state->n_ctx)
            return ND_STATUS(StatusCode::invalid_argument,
                             "forward_batch: sequence " + std::to_string(i) + " (rows " +
                                 std::to_string(g.row0) + ".." + std::to_string(g.row0 + g.n - 1) +
                                 ", position " + std::to_string(g.pos0) + ", context " +
                                 std::to_string(g.state ? g.state->n_ctx : 0) + ") must follow row " +
                                 std::to_string(row - 1) + ", fit its state and share the batch's backend");
        for (int64_t j = 0; j < i; ++j)
            if (seg[j].state == g.state)
                return ND_STATUS(StatusCode::invalid_argument, "forward_batch: sequences " +
                                                                   std::to_string(j) + " and " +
                                                                   std::to_string(i) + " share one state");
        row += g.n;
    }
    if (row != n)
        return ND_STATUS(StatusCode::invalid_argument, "forward_batch: the sequences cover " +
                                                           std::to_string(row) + " rows of a batch of " +
                                                           std::to_string(n));
    for (int64_t t = 0; t < n; ++t)
        if (tokens[t] < 0 || tokens[t] >= model.hp.n_vocab)
            return ND_STATUS(StatusCode::invalid_argument, "token " + std::to_string(tokens[t]) +
                                                               " is outside the vocabulary (0.." +
                                                               std::to_string(model.hp.n_vocab - 1) + ")");
    return {};
}

// forward_batch, forward_batch_best and forward_batch_segments: the layers over the segments, then either
// the rows asked for or the best logits of the last row.
Status run_batch(const Model &model, ForwardState *st, const int32_t *tokens, int64_t n,
                 const ForwardSegment *seg, int64_t n_seg, const int64_t *logits_rows, float *logits_out,
                 const LogitsBest *best) {
    if (Status s = check_segments(model, st, tokens, n, seg, n_seg); !s.ok())
        return s;
    std::vector<int32_t> pos(static_cast<size_t>(n));
    for (int64_t i = 0; i < n_seg; ++i)
        for (int64_t t = 0; t < seg[i].n; ++t)
            pos[static_cast<size_t>(seg[i].row0 + t)] = static_cast<int32_t>(seg[i].pos0 + t);
    Status result;
    for (size_t i = 0; i < st->parts.size(); ++i) {
        const ForwardPart &part = st->parts[i];
        Backend &be = *part.backend;
        be.begin_forward(n);
        const fwd::Batch b{
            model, seg, n_seg, be, n, pos.data(), fwd::scratch_of(part), part.layer_begin, part.layer_end};
        if (i == 0) {
            be.get_rows(model.token_embd, tokens, n, b.s.h);
        } else {
            const ForwardPart &prev = st->parts[i - 1];
            const fwd::Batch from{model, seg, n_seg, *prev.backend, n, pos.data(), fwd::scratch_of(prev),
                                  0,     0};
            if (result = hand_over(from, b); !result.ok()) {
                be.sync();  // ends the pass this backend began
                return result;
            }
        }
        run_layers(model, b);
        if (i + 1 == st->parts.size()) {
            if (best)
                output_best(b, *best);
            else if (logits_rows && logits_out)
                output_logits(b, logits_rows, logits_out);
            result = be.sync();
        }
    }
    return result;
}

// The single-sequence calls: one segment of the state itself, checked with the state's own message.
Status check_single(const ForwardState *st, int64_t n, int64_t pos0) {
    if (!st || !st->backend || n <= 0 || n > st->max_batch || pos0 < 0 || pos0 + n > st->n_ctx ||
        st->parts.empty())
        return ND_STATUS(StatusCode::invalid_argument,
                         "forward_batch: " + std::to_string(n) + " tokens at position " +
                             std::to_string(pos0) + " do not fit the state (max_batch " +
                             std::to_string(st ? st->max_batch : 0) + ", n_ctx " +
                             std::to_string(st ? st->n_ctx : 0) + ")");
    return {};
}

}  // namespace

Status forward_batch(const Model &model, ForwardState *st, const int32_t *tokens, int64_t n, int64_t pos0,
                     const int64_t *logits_rows, float *logits_out) {
    if (Status s = check_single(st, n, pos0); !s.ok())
        return s;
    const ForwardSegment seg{st, 0, n, pos0};
    return run_batch(model, st, tokens, n, &seg, 1, logits_rows, logits_out, nullptr);
}

Status forward_batch_segments(const Model &model, ForwardState *scratch, const int32_t *tokens, int64_t n,
                              const ForwardSegment *segments, int64_t n_segments, const int64_t *logits_rows,
                              float *logits_out) {
    return run_batch(model, scratch, tokens, n, segments, n_segments, logits_rows, logits_out, nullptr);
}

Status forward_batch_best(const Model &model, ForwardState *st, const int32_t *tokens, int64_t n,
                          int64_t pos0, const LogitsBest &best) {
    if (best.k < 1 || best.k > std::min(best.n_vocab, kTopKMax) || best.n_vocab > model.hp.n_vocab ||
        !best.out_ids || !best.out_vals || best.n_penalty < 0 ||
        (best.n_penalty > 0 && (!best.penalty_ids || !best.penalty_counts)))
        return ND_STATUS(StatusCode::invalid_argument,
                         "forward_batch_best: " + std::to_string(best.k) + " best of " +
                             std::to_string(best.n_vocab) + " logits (at most " + std::to_string(kTopKMax) +
                             " of the model's " + std::to_string(model.hp.n_vocab) + "), outputs given");
    if (Status s = check_single(st, n, pos0); !s.ok())
        return s;
    const ForwardSegment seg{st, 0, n, pos0};
    return run_batch(model, st, tokens, n, &seg, 1, nullptr, nullptr, &best);
}

}  // namespace nd
