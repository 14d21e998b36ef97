#pragma once
// The arithmetic a sampler applies to logits before it draws, shared by the host sampler
// (gpu/session/sampler.cpp), the host implementation of Backend::apply_penalties / top_k
// (backend_sampling.cpp) and, written again with explicit rounding, the CUDA kernels
// (gpu/cuda/cuda_top_k.cu): one definition, so a token chosen from a GPU's best logits is the token the
// host would choose from all of them.
#include <cstdint>
#include <limits>
#include <utility>

namespace nd {

// Non-finite logits: NaN counts as −inf (never chosen while anything else is possible), +inf as the
// largest float (a softmax stays finite).
inline float logit_sanitize(float x) {
    if (x != x)
        return -std::numeric_limits<float>::infinity();
    if (x == std::numeric_limits<float>::infinity())
        return std::numeric_limits<float>::max();
    return x;
}

// llama.cpp's penalties for a token seen `count` times in the window (the repeat penalty does not
// compound with the count; the frequency penalty does). Each operation rounded on its own.
inline float logit_penalized(float logit, int32_t count, float repeat, float frequency, float presence) {
    float l = logit_sanitize(logit);
    l = l <= 0.0f ? l * repeat : l / repeat;
    const volatile float f = static_cast<float>(count) * frequency;  // no fused multiply-add
    return logit_sanitize(l - (f + presence));
}

// The order candidates are ranked in: higher logit first; equal logits: lower id first, so every ordering
// (and so every draw) is deterministic.
inline bool logit_better(const std::pair<float, int32_t> &a, const std::pair<float, int32_t> &b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
}

// Backend::top_k returns at most this many logits.
constexpr int64_t kTopKMax = 256;

}  // namespace nd
