#pragma once
// Continuous batching: several generation requests of one model share each forward pass, so a server's
// aggregate tokens/s grows with the number of concurrent streams instead of the requests being served one
// after another.
//
// The generator owns n_slots sequences (a slot: a ForwardState of n_ctx positions and the tokens it holds)
// and one scratch for n_batch rows. Each step() evaluates, in one forward pass (forward_batch_segments),
// one token of every decoding request and prompt chunks of prefilling ones (long prompts are split
// across steps, within the n_batch budget), then samples each request that produced logits on the host
// with its own Sampler — a request's output does not depend on what runs beside it. Requests beyond n_slots
// wait in FIFO order. A new request goes to the free slot whose tokens are the longest prefix of its prompt
// (the next turn of a chat repeats the conversation) and evaluates only the rest; this holds for recurrent
// (Mamba) models too, whose state is exactly that of the slot's tokens.
//
// Threads: submit(), cancel(), stop(), idle() and stats() may be called from any thread. step() and run()
// are called by one thread (the generator's), and every callback runs on it; a callback may call submit()
// and cancel().
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/model/backend.h"
#include "gpu/model/model.h"
#include "gpu/session/generate.h"

namespace nd {

struct ForwardState;
class Sampler;
class GenerationLoop;

struct BatchGeneratorOptions {
    int64_t n_slots = 4;  // sequences evaluated together, each with its own context
    int64_t n_ctx = 0;    // positions per slot; 0: model_default_ctx
    int64_t n_batch = 0;  // rows per forward pass (prompt chunks + one per decoding request); 0: the
                          // backend's preferred_batch()
    KvType kv_type = KvType::f16;
};

// How a request ended. status not ok: an error (a prompt longer than a slot's context, a token outside the
// vocabulary, bad options, a backend failure, the generator shut down); result then holds what was
// generated before it. A cancelled request ends with status ok and StopReason::callback.
struct BatchDone {
    int64_t id = 0;
    Status status;
    // As generate()'s, except: prompt_seconds is the time from submit() to the prompt's logits (the time to
    // first token, waiting in the queue included); decode_seconds runs from there to the end.
    GenerateResult result;
    int64_t cached_tokens = 0;  // prompt tokens continued from a slot's state instead of evaluated
};

struct BatchRequest {
    std::vector<int32_t> prompt;
    // As generate()'s; sampling is always on the host (sample_on_backend is ignored), which chooses the
    // same tokens.
    GenerateOptions options;
    TokenCallback on_token;  // generate()'s semantics (pieces held back for stop strings; false stops)
    std::function<void(const BatchDone &)> on_done;  // called once, last
};

struct BatchGeneratorStats {
    int64_t steps = 0;           // forward passes
    int64_t prompt_tokens = 0;   // prompt tokens evaluated
    int64_t cached_tokens = 0;   // prompt tokens continued from a slot instead of evaluated
    int64_t decode_tokens = 0;   // generated tokens evaluated (one row each)
    int64_t sampled_tokens = 0;  // tokens chosen (end-of-generation ones included)
    int64_t finished = 0;        // requests that ended, any way
    double busy_seconds = 0;     // time spent in steps that evaluated something
};

class BatchGenerator {
public:
    // Prepares the model's weights on the backend (as Session::create) and allocates every slot's state
    // and the scratch. The model and the backend must outlive the generator.
    static Status create(const Model &model, Backend *backend, const BatchGeneratorOptions &options,
                         std::unique_ptr<BatchGenerator> *out);
    // Requests not finished yet end with an `unavailable` status (on_done runs on the destroying thread).
    // run() must have returned.
    ~BatchGenerator();
    BatchGenerator(const BatchGenerator &) = delete;
    BatchGenerator &operator=(const BatchGenerator &) = delete;

    // Queues a request; returns its id (>= 1). Its errors come through on_done.
    int64_t submit(BatchRequest request);
    // Ends a queued or running request at the next step (on_done: StopReason::callback). False when the id
    // is unknown or already finished.
    bool cancel(int64_t id);

    // One step: admits queued requests into free slots, evaluates one forward pass, samples, calls back.
    // Returns false when there was nothing to do.
    bool step();
    // Runs step() on the calling thread while there is work and waits for work otherwise, until stop().
    void run();
    // Makes run() return after its current step (final: a later run() returns at once).
    void stop();
    // No request queued or running.
    bool idle() const;
    BatchGeneratorStats stats() const;

    int64_t n_slots() const { return static_cast<int64_t>(m_slots.size()); }
    int64_t n_ctx() const { return m_n_ctx; }
    int64_t n_batch() const { return m_n_batch; }

private:
    using Clock = std::chrono::steady_clock;
    struct Queued {
        int64_t id = 0;
        BatchRequest request;
        Clock::time_point submitted;
    };
    struct Active;
    struct Slot {
        std::unique_ptr<ForwardState> state;
        std::vector<int32_t> tokens;  // what the state holds, exactly
        std::unique_ptr<Active> active;
        int64_t last_used = 0;  // step of the last admission (the least recently used slot is reused first)
    };

    BatchGenerator(const Model &model, Backend *backend);
    void admit(Queued queued);
    Slot *choose_slot(const std::vector<int32_t> &prompt, int64_t *reuse);
    void after_logits(Slot &slot, const float *logits);
    void finish(Slot &slot, const Status &status);
    void finish_unadmitted(Queued &queued, const Status &status);
    void forget(int64_t id);

    const Model &m_model;
    Backend *m_backend;
    bool m_recurrent = false;
    int64_t m_n_ctx = 0;
    int64_t m_n_batch = 0;
    std::unique_ptr<Session> m_weights;  // a one-token session: the weights prepared as for any session
    std::unique_ptr<ForwardState> m_scratch;
    std::vector<Slot> m_slots;
    int64_t m_step = 0;
    int64_t m_admitted = 0;    // admission order (prefill goes oldest first)
    size_t m_next_decode = 0;  // where the next step starts taking decode rows (fair when n_batch < n_slots)

    mutable std::mutex m_mutex;  // guards what follows
    std::condition_variable m_cv;
    std::deque<Queued> m_queue;
    std::unordered_set<int64_t> m_live;  // queued or running
    std::unordered_set<int64_t> m_cancelled;
    int64_t m_next_id = 1;
    bool m_stop = false;
    BatchGeneratorStats m_stats;
};

}  // namespace nd
