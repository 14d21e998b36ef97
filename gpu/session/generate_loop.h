#pragma once
// Internal to gpu/session: what generate() does between two forward passes, shared with the batch
// generator (batch_generator.h) so that both stop, hold back and stream text the same way.
//
// A generation is: check the options (generate_check), evaluate the prompt, then
//   while (!loop.should_stop(n_past, n_ctx)) {
//       token = sample(logits of the last evaluated token);
//       if (!loop.accept(token, &status)) break;        // EOG, a stop string, the callback, a decode error
//       if (loop.should_stop(n_past, n_ctx)) break;      // max_tokens / context: the token is not evaluated
//       evaluate(token);
//   }
//   loop.finish(status);
#include <cstdint>
#include <string>

#include "gpu/session/generate.h"
#include "gpu/session/stop_strings.h"
#include "gpu/tokenizer/tokenizer.h"

namespace nd {

// generate()'s argument checks that do not need a session: a tokenizer, sampler parameters, no empty stop
// string, a prompt of at least one token. The messages are generate()'s.
Status generate_check(const Model &model, const GenerateOptions &options, size_t n_prompt);

class GenerationLoop {
public:
    // The model has a tokenizer (generate_check). `result` is filled as the generation goes; the caller
    // sets its prompt fields, seed and timings.
    GenerationLoop(const Model &model, const GenerateOptions &options, const TokenCallback &on_token,
                   GenerateResult *result);

    // Ids a sampler may choose: the model's vocabulary, cut to what the tokenizer can decode.
    int64_t n_vocab() const { return m_n_vocab; }
    // The stop conditions that need no logits, in generate()'s order: max_tokens, then the context end
    // (n_past tokens evaluated of n_ctx). True: stop (the reason is recorded).
    bool should_stop(int64_t n_past, int64_t n_ctx);
    // The chosen token: EOG ends; otherwise it is decoded, passed through the stop strings and streamed.
    // False: stop (EOG, a stop string, the callback returned false, or a decode error in *status).
    bool accept(int32_t token, Status *status);
    // Stops as if the callback had returned false (a cancelled request): nothing more is streamed.
    void cancel() { m_reason = StopReason::callback; }
    // The end: releases the held-back text (unless a stop string or the callback ended it), records the
    // stop reason and token count.
    void finish(const Status &status);

private:
    const Tokenizer *m_tokenizer;
    const GenerateOptions &m_options;
    const TokenCallback &m_on_token;
    GenerateResult *m_result;
    int64_t m_n_vocab = 0;
    TokenStreamDecoder m_decoder;
    StopStringFilter m_stops;
    std::string m_piece, m_text;
    StopReason m_reason = StopReason::eog;
    int32_t m_last = -1;
};

}  // namespace nd
