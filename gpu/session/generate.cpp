// generate(): prompt evaluation, then sample → end-of-generation check → decode → stop strings → callback
// → evaluate the token, until a stop condition. Text flows through two hold-back stages: the
// TokenStreamDecoder keeps the bytes of an unfinished UTF-8 character, the StopStringFilter keeps text
// that could still begin a stop string; only what both release reaches the callback.
//
// The sequence (prompt + generated tokens) never exceeds the context: when the session is full the loop
// stops before sampling (StopReason::context_full). The last token of a max_tokens stop is not evaluated
// (nothing would read its logits), so the session then holds every generated token but that one.
#include "gpu/session/generate.h"

#include <algorithm>
#include <chrono>

#include "gpu/model/forward.h"
#include "gpu/session/stop_strings.h"
#include "gpu/tokenizer/tokenizer.h"

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
    const Model &model = session->model();
    const Tokenizer *tokenizer = model.tokenizer.get();
    if (!tokenizer)
        return ND_STATUS(StatusCode::invalid_argument,
                         "the model '" + model.name +
                             "' has no tokenizer, so its output cannot be turned into text (evaluate token "
                             "ids with `nemoctl eval` instead)");
    if (Status st = sampler_params_validate(options.sampling); !st.ok())
        return st;
    for (const std::string &s : options.stop)
        if (s.empty())
            return ND_STATUS(StatusCode::invalid_argument, "a stop string must not be empty");
    if (prompt.empty())
        return ND_STATUS(StatusCode::invalid_argument,
                         "the prompt is empty: generation needs at least one token to continue from");

    Sampler sampler(options.sampling);
    result->seed = sampler.seed();
    result->prompt_tokens = static_cast<int64_t>(prompt.size());

    // Ids the tokenizer cannot decode (a vocabulary padded beyond the tokenizer's size) are never sampled.
    const int64_t n_vocab = std::min<int64_t>(session->n_vocab(), tokenizer_vocab_size(tokenizer));
    const auto is_eog = [&](int32_t id) {
        return (options.stop_at_eog && tokenizer_is_eog(tokenizer, id)) ||
               std::find(options.extra_eog.begin(), options.extra_eog.end(), id) != options.extra_eog.end();
    };

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

    TokenStreamDecoder decoder(tokenizer);
    StopStringFilter stops(options.stop);
    std::string piece, text;
    StopReason reason = StopReason::eog;
    bool done = false;
    int32_t last = -1;
    Status status;
    while (!done) {
        if (options.max_tokens > 0 && static_cast<int64_t>(result->tokens.size()) >= options.max_tokens) {
            reason = StopReason::max_tokens;
            break;
        }
        if (session->n_past() >= session->n_ctx()) {
            reason = StopReason::context_full;
            break;
        }
        const int32_t token =
            have_best ? sampler.sample_best(best_vals, best_ids)
                      : sampler.sample(std::span<const float>(
                                           logits.data(), static_cast<size_t>(std::max<int64_t>(n_vocab, 0))),
                                       session->tokens());
        if (token < 0) {
            status = ND_STATUS(StatusCode::internal, "the model produced no logits to sample from");
            break;
        }
        if (is_eog(token)) {
            reason = StopReason::eog;
            break;
        }
        last = token;
        result->tokens.push_back(token);
        piece.clear();
        if (status = decoder.push(token, &piece); !status.ok())
            break;
        text.clear();
        if (stops.push(piece, &text)) {
            reason = StopReason::stop_string;
            done = true;
        }
        result->text += text;
        // Called for every token, even when its text is held back, so a caller can stop at once.
        if (on_token && !on_token(text, token)) {
            reason = StopReason::callback;
            break;
        }
        if (done)
            break;
        const bool will_stop =
            options.max_tokens > 0 && static_cast<int64_t>(result->tokens.size()) >= options.max_tokens;
        if (will_stop)
            continue;  // the loop head reports max_tokens; the last token's logits are never needed
        if (session->n_past() >= session->n_ctx())
            continue;  // likewise context_full
        if (status = evaluate(std::span<const int32_t>(&token, 1)); !status.ok())
            break;
    }

    // The end of the stream releases what the two stages still hold (unless a stop string cut it off or
    // the caller asked to stop: then nothing more is shown).
    if (status.ok() && reason != StopReason::stop_string && reason != StopReason::callback) {
        text.clear();
        if (stops.push(decoder.flush(), &text))
            reason = StopReason::stop_string;
        stops.finish(&text);
        if (!text.empty()) {
            result->text += text;
            if (on_token)
                on_token(text, last);
        }
    }
    result->stop_reason = reason;
    result->completion_tokens = static_cast<int64_t>(result->tokens.size());
    result->decode_seconds = seconds_since(t_decode);
    return status;
}

}  // namespace nd
