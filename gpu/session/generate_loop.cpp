// GenerationLoop: generate()'s stop conditions and its two hold-back stages (generate.cpp has the order
// of the loop). Text flows through the TokenStreamDecoder, which keeps the bytes of an unfinished UTF-8
// character, then the StopStringFilter, which keeps text that could still begin a stop string; only what
// both release reaches the callback.
#include "gpu/session/generate_loop.h"

#include <algorithm>

namespace nd {

Status generate_check(const Model &model, const GenerateOptions &options, size_t n_prompt) {
    if (!model.tokenizer)
        return ND_STATUS(StatusCode::invalid_argument,
                         "the model '" + model.name +
                             "' has no tokenizer, so its output cannot be turned into text (evaluate token "
                             "ids with `nemoctl eval` instead)");
    if (Status st = sampler_params_validate(options.sampling); !st.ok())
        return st;
    for (const std::string &s : options.stop)
        if (s.empty())
            return ND_STATUS(StatusCode::invalid_argument, "a stop string must not be empty");
    if (n_prompt == 0)
        return ND_STATUS(StatusCode::invalid_argument,
                         "the prompt is empty: generation needs at least one token to continue from");
    return {};
}

GenerationLoop::GenerationLoop(const Model &model, const GenerateOptions &options,
                               const TokenCallback &on_token, GenerateResult *result)
    : m_tokenizer(model.tokenizer.get())
    , m_options(options)
    , m_on_token(on_token)
    , m_result(result)
    ,
    // Ids the tokenizer cannot decode (a vocabulary padded beyond the tokenizer's size) are never sampled.
    m_n_vocab(std::min<int64_t>(model.hp.n_vocab, tokenizer_vocab_size(m_tokenizer)))
    , m_decoder(m_tokenizer)
    , m_stops(options.stop) {}

bool GenerationLoop::should_stop(int64_t n_past, int64_t n_ctx) {
    if (m_options.max_tokens > 0 && static_cast<int64_t>(m_result->tokens.size()) >= m_options.max_tokens) {
        m_reason = StopReason::max_tokens;
        return true;
    }
    if (n_past >= n_ctx) {
        m_reason = StopReason::context_full;
        return true;
    }
    return false;
}

bool GenerationLoop::accept(int32_t token, Status *status) {
    const bool eog =
        (m_options.stop_at_eog && tokenizer_is_eog(m_tokenizer, token)) ||
        std::find(m_options.extra_eog.begin(), m_options.extra_eog.end(), token) != m_options.extra_eog.end();
    if (eog) {
        m_reason = StopReason::eog;
        return false;
    }
    m_last = token;
    m_result->tokens.push_back(token);
    m_piece.clear();
    if (*status = m_decoder.push(token, &m_piece); !status->ok())
        return false;
    m_text.clear();
    const bool stopped = m_stops.push(m_piece, &m_text);
    if (stopped)
        m_reason = StopReason::stop_string;
    m_result->text += m_text;
    // Called for every token, even when its text is held back, so a caller can stop at once.
    if (m_on_token && !m_on_token(m_text, token)) {
        m_reason = StopReason::callback;
        return false;
    }
    return !stopped;
}

void GenerationLoop::finish(const Status &status) {
    // The end of the stream releases what the two stages still hold (unless a stop string cut it off or
    // the caller asked to stop: then nothing more is shown).
    if (status.ok() && m_reason != StopReason::stop_string && m_reason != StopReason::callback) {
        m_text.clear();
        if (m_stops.push(m_decoder.flush(), &m_text))
            m_reason = StopReason::stop_string;
        m_stops.finish(&m_text);
        if (!m_text.empty()) {
            m_result->text += m_text;
            if (m_on_token)
                m_on_token(m_text, m_last);
        }
    }
    m_result->stop_reason = m_reason;
    m_result->completion_tokens = static_cast<int64_t>(m_result->tokens.size());
}

}  // namespace nd
