#pragma once
// The routed part of a Nemotron-H MoE layer on the CPU (spec §2.4.4-2.4.5): sigmoid router with a
// selection-only bias, optional group-limited routing, top-k, normalised and scaled weights; then each
// chosen expert's relu² FFN, computed per expert over all of the batch's tokens that chose it (one matmul
// for up and one for down per expert, so prefill streams each expert's weights once), summed per token in
// top-k order like llama.cpp.
#include <cstdint>
#include <vector>

#include "gpu/cpu/cpu_matmul.h"
#include "gpu/model/backend.h"

namespace nd::cpu {

class ThreadPool;

// Routing of n tokens: ids [n][k] (expert indices) and weights [n][k], from router_logits [n][n_expert].
void moe_route(const float *router_logits, const MoeRouting &r, int64_t n, int32_t *ids, float *weights);

// Buffers kept between calls so a decode step does not allocate.
struct MoeScratch {
    std::vector<int32_t> ids;
    std::vector<float> weights;
    std::vector<int64_t> order;   // (token, slot) pairs grouped by expert
    std::vector<int64_t> starts;  // per expert, its first entry in `order` (n_expert + 1)
    std::vector<int64_t> active;  // experts with at least one token
    std::vector<float> x, h, d;   // gathered inputs, hidden, expert outputs
    std::vector<float> per_slot;  // [n][k][n_out]: each slot's expert output, summed in slot order
};

// How the experts share the pool: one after another with each matmul on every thread, or several experts
// at once with each matmul on one thread. `automatic` picks what measured faster (cpu_moe.cpp).
enum class MoeSchedule { automatic = 1, experts_in_turn, experts_in_parallel };

// out [n][n_out] = Σ_j w_j · down_{e_j}(relu²(up_{e_j}(x))) for the k experts of each token; x [n][n_in].
void moe_ffn(const float *router_logits, const MoeRouting &r, const WeightMatrix &up_exps,
             const WeightMatrix &down_exps, const float *x, int64_t n, float *out, MoeScratch *scratch,
             ThreadPool *pool, MoeSchedule schedule = MoeSchedule::automatic);

}  // namespace nd::cpu
