#pragma once
// Text generation on a session: feed a prompt, then sample token by token, streaming text pieces to a
// callback that can stop generation at once; stop at end-of-generation tokens, stop strings, a token
// limit or the context end.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/session/sampler.h"
#include "gpu/session/session.h"

namespace nd {

enum class StopReason {
    eog = 1,      // an end-of-generation token (not part of the text)
    stop_string,  // a stop string appeared (the text ends before it)
    max_tokens,
    context_full,  // the context limit was reached
    callback,      // the callback asked to stop
};
const char *stop_reason_name(StopReason r);  // "eog", "stop", "length", "context", "cancelled"

struct GenerateOptions {
    SamplerParams sampling;
    int64_t max_tokens = 256;        // generated tokens; <= 0: until EOG or the context is full
    std::vector<std::string> stop;   // stop strings (matched on the decoded text, across token edges)
    bool stop_at_eog = true;         // the tokenizer's end-of-generation ids
    std::vector<int32_t> extra_eog;  // more ids that end generation
    // Penalties and top-k on the backend when the sampler allows it (Sampler::best_plan): a GPU then sends
    // k logits per token instead of the vocabulary. The same tokens either way; false forces the host path.
    bool sample_on_backend = true;
};

// A piece of text as it becomes final. Text that could still be the start of a stop string is held back
// until it cannot (so the callback never sees text that is then retracted). Return false to stop now.
// Called once per generated token (EOG excluded), with an empty piece when that token's text is still
// held back, so a caller can stop at once; then once more at the end when held text is released.
using TokenCallback = std::function<bool(std::string_view piece, int32_t token)>;

struct GenerateResult {
    std::string text;             // everything streamed, without the stop string or EOG token
    std::vector<int32_t> tokens;  // generated ids (EOG excluded)
    StopReason stop_reason = StopReason::eog;
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
    double prompt_seconds = 0;  // time to evaluate the prompt (time to first token minus sampling)
    double decode_seconds = 0;
    uint64_t seed = 0;
};

// Evaluates `prompt` (appended to what the session holds) and generates. The model needs a tokenizer.
Status generate(Session *session, std::span<const int32_t> prompt, const GenerateOptions &options,
                const TokenCallback &on_token, GenerateResult *result);

}  // namespace nd
