// BatchGenerator (batch_generator.h): admission into slots with prefix reuse, one forward pass per step
// over every running request, host sampling per request, and the same stop rules as generate()
// (GenerationLoop).
#include "gpu/session/batch_generator.h"

#include <algorithm>

#include "gpu/model/forward.h"
#include "gpu/session/generate_loop.h"
#include "gpu/session/sampler.h"

namespace nd {

namespace {

double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

std::string mib(uint64_t bytes) {
    return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB";
}

}  // namespace

// A request in a slot. The loop refers to request.options, request.on_token and result, so an Active never
// moves (it lives behind a unique_ptr).
struct BatchGenerator::Active {
    int64_t id = 0;
    int64_t order = 0;  // admission order
    BatchRequest request;
    GenerateResult result;
    std::unique_ptr<Sampler> sampler;
    std::unique_ptr<GenerationLoop> loop;
    std::vector<int32_t> pending;  // to evaluate: the rest of the prompt, then each sampled token
    size_t pending_at = 0;         // pending[0, pending_at) is evaluated
    bool prefill = true;
    int64_t cached = 0;
    Clock::time_point submitted, first_token;
};

BatchGenerator::BatchGenerator(const Model &model, Backend *backend) : m_model(model), m_backend(backend) {}

BatchGenerator::~BatchGenerator() {
    const Status down =
        ND_STATUS(StatusCode::unavailable, "the batch generator shut down before the request finished");
    for (Slot &s : m_slots)
        if (s.active)
            finish(s, down);
    std::deque<Queued> queue;
    {
        std::lock_guard lock(m_mutex);
        queue.swap(m_queue);
    }
    for (Queued &q : queue)
        finish_unadmitted(q, down);
}

Status BatchGenerator::create(const Model &model, Backend *backend, const BatchGeneratorOptions &options,
                              std::unique_ptr<BatchGenerator> *out) {
    if (!backend || !out)
        return ND_STATUS(StatusCode::invalid_argument, "BatchGenerator::create: null backend or output");
    if (options.n_slots < 1 || options.n_ctx < 0 || options.n_batch < 0)
        return ND_STATUS(StatusCode::invalid_argument,
                         "a batch generator needs at least one slot (got " + std::to_string(options.n_slots) +
                             "), a context (got " + std::to_string(options.n_ctx) +
                             ", 0: the model's) and a "
                             "batch size (got " +
                             std::to_string(options.n_batch) + ", 0: the backend's)");
    std::unique_ptr<BatchGenerator> g(new BatchGenerator(model, backend));
    g->m_recurrent =
        std::find(model.hp.layers.begin(), model.hp.layers.end(), LayerKind::mamba) != model.hp.layers.end();
    g->m_n_ctx = options.n_ctx > 0 ? options.n_ctx : model_default_ctx(model.hp);
    // The weights are prepared by a one-token session, so that they are placed (and a GPU too small for
    // them is reported) exactly as for any session.
    SessionOptions so;
    so.n_ctx = 1;
    so.n_batch = 1;
    so.kv_type = options.kv_type;
    if (Status st = Session::create(model, backend, so, &g->m_weights); !st.ok())
        return st;
    g->m_n_batch = options.n_batch > 0 ? options.n_batch : backend->preferred_batch();
    g->m_scratch = std::make_unique<ForwardState>();
    if (Status st = forward_scratch_create(model, backend, g->m_n_batch, g->m_scratch.get()); !st.ok()) {
        st.message = "cannot allocate the scratch of a " + std::to_string(g->m_n_batch) + "-token batch on " +
                     backend->name() + ": " + st.message + "; try a smaller n_batch";
        return st;
    }
    g->m_slots.resize(static_cast<size_t>(options.n_slots));
    for (size_t i = 0; i < g->m_slots.size(); ++i) {
        Slot &s = g->m_slots[i];
        s.state = std::make_unique<ForwardState>();
        if (Status st = forward_state_create(model, backend, g->m_n_ctx, options.kv_type, 0, s.state.get());
            !st.ok()) {
            const uint64_t bytes = forward_state_bytes(model, g->m_n_ctx, options.kv_type);
            st.message = "cannot allocate the state of slot " + std::to_string(i + 1) + " of " +
                         std::to_string(options.n_slots) + " (" + std::to_string(g->m_n_ctx) + " tokens, " +
                         mib(bytes) + " each) on " + backend->name() + ": " + st.message +
                         "; try fewer slots or a smaller context";
            return st;
        }
    }
    *out = std::move(g);
    return {};
}

int64_t BatchGenerator::submit(BatchRequest request) {
    std::lock_guard lock(m_mutex);
    const int64_t id = m_next_id++;
    m_queue.push_back(Queued{id, std::move(request), Clock::now()});
    m_live.insert(id);
    m_cv.notify_all();
    return id;
}

bool BatchGenerator::cancel(int64_t id) {
    std::lock_guard lock(m_mutex);
    if (!m_live.count(id))
        return false;
    m_cancelled.insert(id);
    m_cv.notify_all();
    return true;
}

bool BatchGenerator::idle() const {
    std::lock_guard lock(m_mutex);
    return m_live.empty();
}

BatchGeneratorStats BatchGenerator::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

void BatchGenerator::stop() {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    m_cv.notify_all();
}

void BatchGenerator::run() {
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        if (m_live.empty()) {
            m_cv.wait(lock, [&] { return m_stop || !m_live.empty(); });
            continue;
        }
        lock.unlock();
        step();
        lock.lock();
    }
}

void BatchGenerator::forget(int64_t id) {
    std::lock_guard lock(m_mutex);
    m_live.erase(id);
    m_cancelled.erase(id);
    ++m_stats.finished;
}

void BatchGenerator::finish_unadmitted(Queued &q, const Status &status) {
    BatchDone done;
    done.id = q.id;
    done.status = status;
    done.result.prompt_tokens = static_cast<int64_t>(q.request.prompt.size());
    done.result.stop_reason = StopReason::callback;
    forget(q.id);
    if (q.request.on_done)
        q.request.on_done(done);
}

void BatchGenerator::finish(Slot &slot, const Status &status) {
    std::unique_ptr<Active> a = std::move(slot.active);
    a->loop->finish(status);
    if (!a->prefill)
        a->result.decode_seconds = seconds(Clock::now() - a->first_token);
    BatchDone done;
    done.id = a->id;
    done.status = status;
    done.result = std::move(a->result);
    done.cached_tokens = a->cached;
    forget(a->id);
    if (a->request.on_done)
        a->request.on_done(done);
}

// The free slot to continue from: the longest reusable prefix of the prompt, then the least recently used.
// A slot's tokens are reusable up to their common prefix with the prompt on an attention-only model (the
// KV rows past it are overwritten later); a recurrent state only as a whole. At least one prompt token is
// always evaluated (its logits choose the first token).
BatchGenerator::Slot *BatchGenerator::choose_slot(const std::vector<int32_t> &prompt, int64_t *reuse) {
    Slot *best = nullptr;
    size_t best_reuse = 0;
    for (Slot &s : m_slots) {
        if (s.active)
            continue;
        const size_t common = static_cast<size_t>(
            std::mismatch(s.tokens.begin(), s.tokens.end(), prompt.begin(), prompt.end()).first -
            s.tokens.begin());
        size_t r = std::min(common, prompt.size() - 1);
        if (m_recurrent && r != s.tokens.size())
            r = 0;
        if (!best || r > best_reuse || (r == best_reuse && s.last_used < best->last_used)) {
            best = &s;
            best_reuse = r;
        }
    }
    *reuse = static_cast<int64_t>(best_reuse);
    return best;
}

void BatchGenerator::admit(Queued q) {
    const std::vector<int32_t> &prompt = q.request.prompt;
    Status st = generate_check(m_model, q.request.options, prompt.size());
    if (st.ok() && static_cast<int64_t>(prompt.size()) > m_n_ctx)
        st = ND_STATUS(StatusCode::invalid_argument,
                       "the prompt has " + std::to_string(prompt.size()) +
                           " tokens but a slot's context holds " + std::to_string(m_n_ctx) +
                           "; shorten the conversation or create the generator with a larger context");
    for (size_t i = 0; st.ok() && i < prompt.size(); ++i)
        if (prompt[i] < 0 || prompt[i] >= m_model.hp.n_vocab)
            st = ND_STATUS(StatusCode::invalid_argument, "token " + std::to_string(prompt[i]) +
                                                             " is outside the vocabulary (0.." +
                                                             std::to_string(m_model.hp.n_vocab - 1) + ")");
    if (!st.ok()) {
        finish_unadmitted(q, st);
        return;
    }
    int64_t reuse = 0;
    Slot *slot = choose_slot(prompt, &reuse);
    if (reuse == 0) {
        slot->tokens.clear();
        forward_state_reset(m_model, slot->state.get());
    } else {
        slot->tokens.resize(static_cast<size_t>(reuse));
    }
    slot->last_used = m_step;
    auto a = std::make_unique<Active>();
    a->id = q.id;
    a->order = m_admitted++;
    a->request = std::move(q.request);
    a->submitted = q.submitted;
    a->cached = reuse;
    a->sampler = std::make_unique<Sampler>(a->request.options.sampling);
    a->result.seed = a->sampler->seed();
    a->result.prompt_tokens = static_cast<int64_t>(a->request.prompt.size());
    a->loop = std::make_unique<GenerationLoop>(m_model, a->request.options, a->request.on_token, &a->result);
    a->pending.assign(a->request.prompt.begin() + reuse, a->request.prompt.end());
    slot->active = std::move(a);
    std::lock_guard lock(m_mutex);
    m_stats.cached_tokens += reuse;
}

// The logits of the last evaluated token of a slot's request: generate()'s loop body.
void BatchGenerator::after_logits(Slot &slot, const float *logits) {
    Active &a = *slot.active;
    if (a.prefill) {
        a.prefill = false;
        a.first_token = Clock::now();
        a.result.prompt_seconds = seconds(a.first_token - a.submitted);
    }
    const auto n_past = static_cast<int64_t>(slot.tokens.size());
    if (a.loop->should_stop(n_past, m_n_ctx)) {
        finish(slot, {});
        return;
    }
    const int32_t token = a.sampler->sample(
        std::span<const float>(logits, static_cast<size_t>(std::max<int64_t>(a.loop->n_vocab(), 0))),
        slot.tokens);
    {
        std::lock_guard lock(m_mutex);
        ++m_stats.sampled_tokens;
    }
    Status status;
    if (token < 0)
        status = ND_STATUS(StatusCode::internal, "the model produced no logits to sample from");
    if (!status.ok() || !a.loop->accept(token, &status) || a.loop->should_stop(n_past, m_n_ctx)) {
        finish(slot, status);
        return;
    }
    a.pending.assign(1, token);
    a.pending_at = 0;
}

bool BatchGenerator::step() {
    std::vector<Queued> admitted, dropped;
    std::unordered_set<int64_t> cancelled;
    {
        std::lock_guard lock(m_mutex);
        cancelled = m_cancelled;
        size_t free_slots = 0;
        for (const Slot &s : m_slots)
            free_slots += s.active ? 0 : 1;
        for (auto it = m_queue.begin(); it != m_queue.end();) {
            if (cancelled.count(it->id)) {
                dropped.push_back(std::move(*it));
            } else if (admitted.size() < free_slots) {
                admitted.push_back(std::move(*it));
            } else {
                ++it;
                continue;
            }
            it = m_queue.erase(it);
        }
    }
    bool worked = !admitted.empty() || !dropped.empty();
    for (Queued &q : dropped)
        finish_unadmitted(q, {});
    for (Slot &s : m_slots)
        if (s.active && cancelled.count(s.active->id)) {
            s.active->loop->cancel();
            finish(s, {});
            worked = true;
        }
    for (Queued &q : admitted)
        admit(std::move(q));
    ++m_step;

    // The batch: one row for each decoding request (taken in turn from m_next_decode, so that all get
    // their turn when n_batch < n_slots), then prompt chunks, oldest request first.
    std::vector<ForwardSegment> segs;
    std::vector<Slot *> seg_slot;
    std::vector<int32_t> tokens;
    const auto add = [&](Slot &s, int64_t n) {
        Active &a = *s.active;
        segs.push_back(
            {s.state.get(), static_cast<int64_t>(tokens.size()), n, static_cast<int64_t>(s.tokens.size())});
        seg_slot.push_back(&s);
        tokens.insert(tokens.end(), a.pending.begin() + static_cast<std::ptrdiff_t>(a.pending_at),
                      a.pending.begin() + static_cast<std::ptrdiff_t>(a.pending_at + static_cast<size_t>(n)));
    };
    const size_t ns = m_slots.size();
    for (size_t k = 0; k < ns && static_cast<int64_t>(tokens.size()) < m_n_batch; ++k) {
        Slot &s = m_slots[(m_next_decode + k) % ns];
        if (s.active && !s.active->prefill)
            add(s, 1);
    }
    m_next_decode = (m_next_decode + 1) % ns;
    std::vector<Slot *> prefilling;
    for (Slot &s : m_slots)
        if (s.active && s.active->prefill)
            prefilling.push_back(&s);
    std::sort(prefilling.begin(), prefilling.end(),
              [](const Slot *x, const Slot *y) { return x->active->order < y->active->order; });
    for (Slot *s : prefilling) {
        const int64_t room = m_n_batch - static_cast<int64_t>(tokens.size());
        if (room <= 0)
            break;
        add(*s,
            std::min<int64_t>(room, static_cast<int64_t>(s->active->pending.size() - s->active->pending_at)));
    }
    if (tokens.empty())
        return worked;

    // Logits for each segment that ends its pending tokens (the prompt's last chunk, or a decode row).
    const int64_t V = m_model.hp.n_vocab;
    std::vector<int64_t> rows(tokens.size(), -1);
    std::vector<size_t> logit_of(segs.size(), SIZE_MAX);
    size_t n_logits = 0;
    for (size_t i = 0; i < segs.size(); ++i) {
        const Active &a = *seg_slot[i]->active;
        if (a.pending_at + static_cast<size_t>(segs[i].n) == a.pending.size()) {
            logit_of[i] = n_logits;
            rows[static_cast<size_t>(segs[i].row0 + segs[i].n - 1)] = static_cast<int64_t>(n_logits++);
        }
    }
    std::vector<float> logits(n_logits * static_cast<size_t>(V));
    const Clock::time_point t0 = Clock::now();
    const Status st =
        forward_batch_segments(m_model, m_scratch.get(), tokens.data(), static_cast<int64_t>(tokens.size()),
                               segs.data(), static_cast<int64_t>(segs.size()), rows.data(), logits.data());
    {
        std::lock_guard lock(m_mutex);
        ++m_stats.steps;
        for (size_t i = 0; i < segs.size(); ++i)
            (seg_slot[i]->active->prefill ? m_stats.prompt_tokens : m_stats.decode_tokens) += segs[i].n;
    }
    if (!st.ok()) {
        // The states of every sequence in the pass may have advanced: they start over.
        for (Slot *s : seg_slot) {
            s->tokens.clear();
            forward_state_reset(m_model, s->state.get());
            finish(*s, st);
        }
    } else {
        for (size_t i = 0; i < segs.size(); ++i) {
            Slot &s = *seg_slot[i];
            Active &a = *s.active;
            const auto n = static_cast<size_t>(segs[i].n);
            s.tokens.insert(s.tokens.end(), a.pending.begin() + static_cast<std::ptrdiff_t>(a.pending_at),
                            a.pending.begin() + static_cast<std::ptrdiff_t>(a.pending_at + n));
            a.pending_at += n;
            if (logit_of[i] != SIZE_MAX)
                after_logits(s, logits.data() + logit_of[i] * static_cast<size_t>(V));
        }
    }
    std::lock_guard lock(m_mutex);
    m_stats.busy_seconds += seconds(Clock::now() - t0);
    return true;
}

}  // namespace nd
