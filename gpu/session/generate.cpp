// generate(): prompt evaluation, then sample → end-of-generation check → decode → stop strings → callback
// → evaluate the token, until a stop condition. The steps between two evaluations (stop conditions, the
// two hold-back stages of the text) are GenerationLoop's (generate_loop.h), shared with BatchGenerator.
//
// The sequence (prompt + generated tokens) never exceeds the context: when the session is full the loop
// stops before sampling (StopReason::context_full). The last token of a max_tokens stop is not evaluated
// (nothing would read its logits), so the session then holds every generated token but that one.
#include "gpu/session/generate.h"

#include <algorithm>
#include <chrono>

#include "gpu/model/forward.h"
#include "gpu/session/generate_loop.h"

namespace nd {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

const char *stop_reason_name(StopReason r) {
    switch (r) {
        case StopReason::eog:
            return "eog";
        case StopReason::stop_string:
            return "stop";
        case StopReason::max_tokens:
            return "length";
        case StopReason::context_full:
            return "context";
        case StopReason::callback:
            return "cancelled";
    }
    return "unknown";
}

Status generate(Session *session, std::span<const int32_t> prompt, const GenerateOptions &options,
                const TokenCallback &on_token, GenerateResult *result) {
    if (!session || !result)
        return ND_STATUS(StatusCode::invalid_argument, "generate: the session and the result are required");
    *result = GenerateResult{};
    if (Status st = generate_check(session->model(), options, prompt.size()); !st.ok())
        return st;

    Sampler sampler(options.sampling);
    result->seed = sampler.seed();
    result->prompt_tokens = static_cast<int64_t>(prompt.size());
    GenerationLoop loop(session->model(), options, on_token, result);
    const int64_t n_vocab = loop.n_vocab();

    // Each step's logits: all of them for sample(), or — when the sampler allows — only the best few,
    // found on the backend (eval_best), for sample_best().
    std::vector<float> logits, best_vals;
    std::vector<int32_t> best_ids, tail;
    SamplerBestPlan plan;
    bool have_best = false;
    const auto evaluate = [&](std::span<const int32_t> toks) -> Status {
        // The window the next choice penalises ends with these tokens.
        const std::vector<int32_t> &past = session->tokens();
        const size_t keep = std::min(past.size(), static_cast<size_t>(Sampler::kMaxBestWindow));
        tail.assign(past.end() - static_cast<std::ptrdiff_t>(keep), past.end());
        tail.insert(tail.end(), toks.begin(), toks.end());
        have_best = options.sample_on_backend && sampler.best_plan(tail, n_vocab, &plan);
        if (!have_best)
            return session->eval(toks, false, &logits);
        best_vals.resize(static_cast<size_t>(plan.k));
        best_ids.resize(static_cast<size_t>(plan.k));
        LogitsBest b;
        b.k = plan.k;
        b.n_vocab = n_vocab;
        b.penalty_ids = plan.ids.data();
        b.penalty_counts = plan.counts.data();
        b.n_penalty = static_cast<int64_t>(plan.ids.size());
        b.repeat = plan.repeat;
        b.frequency = plan.frequency;
        b.presence = plan.presence;
        b.out_ids = best_ids.data();
        b.out_vals = best_vals.data();
        return session->eval_best(toks, b);
    };
    const Clock::time_point t_prompt = Clock::now();
    if (Status st = evaluate(prompt); !st.ok())
        return st;
    result->prompt_seconds = seconds_since(t_prompt);
    const Clock::time_point t_decode = Clock::now();

    Status status;
    while (!loop.should_stop(session->n_past(), session->n_ctx())) {
        const int32_t token =
            have_best ? sampler.sample_best(best_vals, best_ids)
                      : sampler.sample(std::span<const float>(
                                           logits.data(), static_cast<size_t>(std::max<int64_t>(n_vocab, 0))),
                                       session->tokens());
        if (token < 0) {
            status = ND_STATUS(StatusCode::internal, "the model produced no logits to sample from");
            break;
        }
        if (!loop.accept(token, &status))
            break;
        // A max_tokens or context stop: the last token's logits are never needed, so it is not evaluated.
        if (loop.should_stop(session->n_past(), session->n_ctx()))
            break;
        if (status = evaluate(std::span<const int32_t>(&token, 1)); !status.ok())
            break;
    }
    loop.finish(status);
    result->decode_seconds = seconds_since(t_decode);
    return status;
}

}  // namespace nd
