// MoE routing and experts on the CPU (see cpu_moe.h).
//
// Two schedules (pool runs never nest):
// - experts in turn: each expert's matmuls spread over the whole pool. Every thread is busy whatever the
//   number of experts, at the price of a pool round trip per matmul (2 per expert, plus relu²).
// - experts in parallel: each thread takes whole experts (largest first) with single-threaded matmuls: one
//   pool round trip for the layer. Balanced only when there are several experts per thread.
// `automatic` runs experts in parallel when there are at least two per thread, else in turn. Measured on 2
// threads (see tests/gpu/cpu/ops_bench_test.cpp), a decode token's 6 experts ran faster in parallel; with
// 16 threads the 6 experts of a decode token would leave 10 idle, so they run in turn.
#include "gpu/cpu/cpu_moe.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "gpu/cpu/cpu_ops.h"
#include "gpu/cpu/thread_pool.h"

namespace nd::cpu {

namespace {

// Index of the largest v[i] over i in [0, n) not yet taken; ties go to the lower index. NaN never wins
// against a number, but some index is always returned.
int64_t take_max(const float *v, int64_t n, std::vector<char> &taken) {
    int64_t best = -1;
    for (int64_t i = 0; i < n; ++i) {
        if (taken[static_cast<size_t>(i)])
            continue;
        if (best < 0 || v[i] > v[best])
            best = i;
    }
    if (best < 0)
        return 0;  // nothing left (callers never ask for more than n)
    taken[static_cast<size_t>(best)] = 1;
    return best;
}

}  // namespace

void moe_route(const float *router_logits, const MoeRouting &r, int64_t n, int32_t *ids, float *weights) {
    const int64_t E = r.n_expert, k = r.n_used;
    std::vector<float> p(static_cast<size_t>(E)), sel(static_cast<size_t>(E));
    std::vector<char> taken(static_cast<size_t>(E));
    for (int64_t t = 0; t < n; ++t) {
        const float *logits = router_logits + t * E;
        for (int64_t e = 0; e < E; ++e) {
            p[static_cast<size_t>(e)] = 1.0f / (1.0f + std::exp(-logits[e]));
            sel[static_cast<size_t>(e)] =
                p[static_cast<size_t>(e)] + (r.selection_bias ? r.selection_bias[e] : 0.0f);
        }
        if (r.n_group > 1) {
            // Group-limited routing (spec §2.4.5): a group scores the sum of its two best selections; the
            // experts outside the n_group_used best groups cannot be chosen.
            const int64_t per = E / r.n_group;
            std::vector<float> group_score(static_cast<size_t>(r.n_group));
            std::vector<char> gtaken(static_cast<size_t>(per));
            for (int64_t g = 0; g < r.n_group; ++g) {
                std::fill(gtaken.begin(), gtaken.end(), 0);
                float score = 0.0f;
                for (int64_t j = 0; j < std::min<int64_t>(2, per); ++j)
                    score += sel[static_cast<size_t>(g * per + take_max(sel.data() + g * per, per, gtaken))];
                group_score[static_cast<size_t>(g)] = score;
            }
            std::vector<char> gkeep(static_cast<size_t>(r.n_group), 0);
            for (int64_t j = 0; j < r.n_group_used; ++j)
                (void)take_max(group_score.data(), r.n_group, gkeep);  // marks the kept groups
            for (int64_t e = 0; e < E; ++e) {
                if (!gkeep[static_cast<size_t>(e / per)])
                    sel[static_cast<size_t>(e)] = -std::numeric_limits<float>::infinity();
            }
        }
        std::fill(taken.begin(), taken.end(), 0);
        int32_t *id = ids + t * k;
        float *w = weights + t * k;
        double sum = 0.0;
        for (int64_t j = 0; j < k; ++j) {
            id[j] = static_cast<int32_t>(take_max(sel.data(), E, taken));
            w[j] = p[static_cast<size_t>(id[j])];
            sum += static_cast<double>(w[j]);
        }
        if (r.normalize) {
            // llama.cpp clamps the sum at 2^-14 so an all-zero row does not divide by zero.
            const float denom = std::max(static_cast<float>(sum), 6.103515625e-5f);
            for (int64_t j = 0; j < k; ++j)
                w[j] /= denom;
        }
        for (int64_t j = 0; j < k; ++j)
            w[j] *= r.scale;
    }
}

void moe_ffn(const float *router_logits, const MoeRouting &r, const WeightMatrix &up_exps,
             const WeightMatrix &down_exps, const float *x, int64_t n, float *out, MoeScratch *sc,
             ThreadPool *pool, MoeSchedule schedule) {
    const int64_t E = r.n_expert, k = r.n_used;
    const int64_t n_in = up_exps.n_in, ff = up_exps.n_out, n_out = down_exps.n_out;
    const auto sz = [](int64_t v) { return static_cast<size_t>(v); };
    sc->ids.resize(sz(n * k));
    sc->weights.resize(sz(n * k));
    moe_route(router_logits, r, n, sc->ids.data(), sc->weights.data());

    // Group the (token, slot) pairs by expert (a counting sort keeps token order within an expert).
    sc->starts.assign(sz(E + 1), 0);
    for (int64_t i = 0; i < n * k; ++i)
        ++sc->starts[sz(sc->ids[sz(i)] + 1)];
    for (int64_t e = 0; e < E; ++e)
        sc->starts[sz(e + 1)] += sc->starts[sz(e)];
    sc->order.resize(sz(n * k));
    {
        std::vector<int64_t> fill(sc->starts.begin(), sc->starts.end() - 1);
        for (int64_t i = 0; i < n * k; ++i)
            sc->order[sz(fill[sz(sc->ids[sz(i)])]++)] = i;
    }

    int64_t max_m = 0;
    for (int64_t e = 0; e < E; ++e)
        max_m = std::max(max_m, sc->starts[sz(e + 1)] - sc->starts[sz(e)]);
    sc->x.resize(sz(max_m * n_in));
    sc->h.resize(sz(max_m * ff));
    sc->d.resize(sz(max_m * n_out));
    sc->per_slot.resize(sz(n * k * n_out));

    // One expert: gather its tokens, up, relu², down, scatter the rows to their (token, slot) places.
    auto run_expert = [&](int64_t e, float *xb, float *hb, float *db, ThreadPool *mp) {
        const int64_t b = sc->starts[sz(e)], m = sc->starts[sz(e + 1)] - b;
        for (int64_t i = 0; i < m; ++i) {
            const int64_t t = sc->order[sz(b + i)] / k;
            std::memcpy(xb + i * n_in, x + t * n_in, sz(n_in) * sizeof(float));
        }
        matmul(weight_expert(up_exps, e), xb, n_in, m, hb, ff, mp);
        relu_sqr(hb, m * ff, mp);
        matmul(weight_expert(down_exps, e), hb, ff, m, db, n_out, mp);
        for (int64_t i = 0; i < m; ++i) {
            const int64_t pair = sc->order[sz(b + i)];  // t * k + slot
            std::memcpy(sc->per_slot.data() + pair * n_out, db + i * n_out, sz(n_out) * sizeof(float));
        }
    };
    std::vector<int64_t> &active = sc->active;
    active.clear();
    for (int64_t e = 0; e < E; ++e)
        if (sc->starts[sz(e + 1)] > sc->starts[sz(e)])
            active.push_back(e);
    if (schedule == MoeSchedule::automatic)
        schedule = pool && static_cast<int64_t>(active.size()) >= 2 * pool->size()
                       ? MoeSchedule::experts_in_parallel
                       : MoeSchedule::experts_in_turn;
    if (schedule == MoeSchedule::experts_in_turn || !pool) {
        for (int64_t e : active)
            run_expert(e, sc->x.data(), sc->h.data(), sc->d.data(), pool);
    } else {
        // Largest first, handed out one at a time: the threads finish close together.
        std::stable_sort(active.begin(), active.end(), [&](int64_t a, int64_t b) {
            return sc->starts[sz(a + 1)] - sc->starts[sz(a)] > sc->starts[sz(b + 1)] - sc->starts[sz(b)];
        });
        parallel_for(pool, static_cast<int64_t>(active.size()), 1, [&](int64_t i0, int64_t i1) {
            thread_local std::vector<float> xb, hb, db;
            xb.resize(sc->x.size());
            hb.resize(sc->h.size());
            db.resize(sc->d.size());
            for (int64_t i = i0; i < i1; ++i)
                run_expert(active[sz(i)], xb.data(), hb.data(), db.data(), nullptr);
        });
    }

    // out[t] = w_0·d_0 + w_1·d_1 + … in slot order, as llama.cpp adds the weighted expert outputs.
    parallel_for(pool, n, grain_for(k * n_out), [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            float *o = out + t * n_out;
            for (int64_t j = 0; j < k; ++j) {
                const float w = sc->weights[sz(t * k + j)];
                const float *dj = sc->per_slot.data() + (t * k + j) * n_out;
                if (j == 0) {
                    for (int64_t i = 0; i < n_out; ++i)
                        o[i] = w * dj[i];
                } else {
                    for (int64_t i = 0; i < n_out; ++i)
                        o[i] += w * dj[i];
                }
            }
        }
    });
}

}  // namespace nd::cpu
