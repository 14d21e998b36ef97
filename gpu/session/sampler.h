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

// What a backend computes for Sampler::sample_best (Session::eval_best): the k best logits after the
// penalties of the distinct window ids (padded with −1 to the window length).
struct SamplerBestPlan {
    int64_t k = 1;
    std::vector<int32_t> ids;
    std::vector<int32_t> counts;
    float repeat = 1.0f;
    float frequency = 0.0f;
    float presence = 0.0f;
};

class Sampler {
public:
    explicit Sampler(const SamplerParams &params);  // params must validate
    // Picks a token from logits (n_vocab values); `history` is every token of the sequence so far (the
    // penalty window is taken from its end). Returns -1 only for empty logits. NaN logits count as -inf;
    // when no token is possible (all -inf) the result is the argmax fallback, the lowest id.
    int32_t sample(std::span<const float> logits, std::span<const int32_t> history);
    // When this step's choice depends only on the best few logits — greedy, or a top-k of at most
    // kTopKMax, with a penalty window of at most kMaxBestWindow tokens — fills *plan and returns true; the
    // token sample_best then picks from the backend's result is the one sample() would pick from all the
    // logits (same seed, same draws). False: top-k off or an unbounded window; use sample().
    bool best_plan(std::span<const int32_t> history, int64_t n_vocab, SamplerBestPlan *plan) const;
    // The choice from the k best (value, id) pairs, best first, penalties applied.
    int32_t sample_best(std::span<const float> values, std::span<const int32_t> ids);
    static constexpr int32_t kMaxBestWindow = 1024;
    uint64_t seed() const { return m_seed; }  // the seed in use (reported so a run can be repeated)
    const SamplerParams &params() const { return m_params; }

private:
    int32_t draw(bool sorted);
    SamplerParams m_params;
    uint64_t m_seed = 0;
    std::mt19937_64 m_rng;
    std::vector<float> m_logits;                          // sanitised, penalised copy (reused)
    std::vector<std::pair<float, int32_t>> m_candidates;  // reused between calls
    std::vector<int32_t> m_window;                        // the penalty window, sorted (reused)
    std::vector<double> m_probs;                          // unnormalised probabilities (reused)
};

}  // namespace nd
