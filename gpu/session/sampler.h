#pragma once
// Choosing the next token from logits: greedy, or temperature with top-k, top-p and min-p filters, after
// repetition / presence / frequency penalties over recent tokens; a fixed seed makes the choice
// reproducible (same seed, same model, same prompt → same text).
//
// Order (as llama.cpp's default chain): penalties → top-k → top-p → min-p → temperature → draw.
// temperature <= 0 means greedy (argmax after penalties; ties go to the lowest id).
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "gpu/common/status.h"

namespace nd {

struct SamplerParams {
    float temperature = 0.8f;
    int top_k = 40;                  // 0: off
    float top_p = 0.95f;             // 1: off
    float min_p = 0.05f;             // 0: off
    float repeat_penalty = 1.0f;     // 1: off; divides positive logits, multiplies negative ones
    float presence_penalty = 0.0f;   // subtracted once per token present in the window
    float frequency_penalty = 0.0f;  // subtracted per occurrence
    int penalty_last_n = 64;         // window of recent tokens the penalties look at; -1: all
    uint64_t seed = 0;               // 0 with random_seed: a seed from the clock
    bool random_seed = false;

    static SamplerParams greedy();
};

// "temperature must be >= 0 (got -1)", "top_p must be in (0, 1] (got 1.5)", …
Status sampler_params_validate(const SamplerParams &p);

class Sampler {
public:
    explicit Sampler(const SamplerParams &params);  // params must validate
    // Picks a token from logits (n_vocab values); `history` is every token of the sequence so far (the
    // penalty window is taken from its end). Returns -1 only for empty logits. NaN logits count as -inf;
    // when no token is possible (all -inf) the result is the argmax fallback, the lowest id.
    int32_t sample(std::span<const float> logits, std::span<const int32_t> history);
    uint64_t seed() const { return m_seed; }  // the seed in use (reported so a run can be repeated)
    const SamplerParams &params() const { return m_params; }

private:
    SamplerParams m_params;
    uint64_t m_seed = 0;
    std::mt19937_64 m_rng;
    std::vector<float> m_logits;                          // sanitised, penalised copy (reused)
    std::vector<std::pair<float, int32_t>> m_candidates;  // reused between calls
    std::vector<int32_t> m_window;                        // the penalty window, sorted (reused)
    std::vector<double> m_probs;                          // unnormalised probabilities (reused)
};

}  // namespace nd
