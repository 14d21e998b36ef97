#pragma once
// The engine's conformance suites (docs/conformance.md): one generated model is evaluated by the
// reference llama.cpp (nd_llama_eval, a child process) and by our engine in-process (model_load + Session
// on the CPU backend, F32 KV cache, small prefill batches), and the logits of every position compared.
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/model/model.h"
#include "gpu/model/model_gen.h"

namespace nd::test {

// How far two [n_pos][n_vocab] logit tables are apart.
struct LogitsDiff {
    int64_t n_pos = 0;
    int64_t top1_same = 0;
    // Top-1 mismatches where the reference's logits of the two ids are within tie_rel·max|logit| of each
    // other: at the precision quantized inference has, their order is not determined (near-ties are common
    // with random weights, spec §9). The others are "decisive" mismatches.
    int64_t near_ties = 0;
    int64_t first_top1_mismatch = -1;  // position, -1 when none
    double max_miss_gap = 0;           // largest reference gap (top-1 minus ours' top-1) at a mismatch
    double max_abs = 0;                // max |ours - ref| over every logit
    double max_ref = 0;                // max |ref| over every logit
    std::vector<double> pos_max_abs;   // max |ours - ref| of each position
    double rel() const { return max_ref > 0 ? max_abs / max_ref : max_abs; }
    // Positions whose max |Δ| exceeds rel · max_ref.
    int64_t positions_over(double rel) const;
    int64_t decisive_mismatches() const { return n_pos - top1_same - near_ties; }
};

LogitsDiff logits_compare(const std::vector<float> &ref, const std::vector<float> &ours, int64_t n_vocab,
                          double tie_rel = 0);

// Tolerances (docs/conformance.md): max|Δ| ≤ rel_bound·max|logit|. Both engines convert the activations
// to the weight type's dot type before the dot products (as ggml does; cpu_matmul.h): none for F32, f16 for
// F16, bf16 for BF16, 8-bit blocks of 32 (Q8_0/Q8_1) or 256 (Q8_K, for the K-quants) otherwise. One
// rounding that goes the other way (the inputs differ by float summation order, ~1e-7) re-rolls the
// rounding of everything downstream, so the logits then differ by the conversion's rounding noise — as
// much as our own SIMD paths differ from each other. The bounds are about 1.5–2× the largest difference
// measured for each dot type. The 1e-3 holds for F32 and F16; BF16 cannot meet it (3.4e-3).
// Top-1: identical at every position for F32/F16/BF16; for quantized types, a difference is accepted only
// where the reference's two logits are closer than the noise allows (2·rel_bound·max|logit|): a near-tie.
inline constexpr double kF32RelBound = 1e-4;
inline constexpr double kF16RelBound = 1e-3;
inline constexpr double kBf16RelBound = 1e-2;
inline constexpr double kQ8RelBound = 2e-2;   // Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL (Q8_0/Q8_1 activations)
inline constexpr double kQ8KRelBound = 5e-2;  // Q4_K, Q5_K, Q6_K (Q8_K activations)
bool is_float_type(GgmlType t);
double rel_bound(GgmlType weight_type);

// Fixed, pseudo-random token ids in [0, n_vocab) for a seed (the same on every run).
std::vector<int32_t> fixed_tokens(int64_t n, int64_t n_vocab, uint64_t seed);

// True when nd_llama_eval was built (the reference is installed).
bool reference_built();
// Runs nd_llama_eval on a model: the logits of every position, [n][n_vocab]. batch 0: all at once.
Status reference_eval(const std::string &model_path, const std::vector<int32_t> &ids, int batch,
                      const std::string &scratch_dir, std::vector<float> *logits, int64_t *n_vocab);

// Our engine on the CPU backend with a float KV cache. n_prefill < 0: every id through Session::eval in
// batches of n_batch; otherwise the first n_prefill ids in one eval call (split into n_batch batches) and
// then the rest one token at a time (the decode path).
struct EngineRun {
    int64_t n_batch = 16;
    int64_t n_prefill = -1;
    int n_threads = 2;
};
Status engine_eval(const Model &model, const std::vector<int32_t> &ids, const EngineRun &run,
                   std::vector<float> *logits);

// "nemotron_h Q4_K n=45: max|d| 3.73e-03 (rel 9.03e-04 of 4.1), top-1 45/45 (ties 0)" — the line each
// comparison prints, so docs/conformance.md can quote the numbers.
std::string diff_line(const std::string &what, const LogitsDiff &d);

// One conformance case: writes the model of `spec` to dir, evaluates each sequence (fixed_tokens of each
// length) with the reference and with our engine (batches of 16), then the longest again as prefill +
// one-token decodes, and checks the tolerances of spec.weight_type with GoogleTest assertions, printing
// one diff_line per comparison. `label` names the case in the lines ("llama f32", "nemotron_h 1 group").
void conformance_check(const ModelGenSpec &spec, const std::string &label,
                       const std::vector<int64_t> &lengths, const std::string &dir);

}  // namespace nd::test
