// The sampler: penalties → top-k → top-p → min-p → temperature → draw (llama.cpp's default chain), or
// greedy argmax. Works on (logit, id) candidates rebuilt from the logits on every call; for a 131k
// vocabulary that copy costs far less than the forward pass that produced the logits, and it keeps the
// caller's logits untouched.
//
// Non-finite logits: NaN counts as -inf (never chosen while anything else is possible), +inf as the
// largest float (so a softmax stays finite: the +inf tokens share the mass). When every logit is -inf the
// choice falls back to argmax, i.e. the lowest id.
#include "gpu/session/sampler.h"

#include "gpu/model/logit_select.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

namespace nd {
namespace {

constexpr float k_neg_inf = -std::numeric_limits<float>::infinity();

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

Status bad(const std::string &what, double got) {
    return ND_STATUS(StatusCode::invalid_argument, what + " (got " + num(got) + ")");
}

float sanitize(float x) {
    return logit_sanitize(x);
}

bool better(const std::pair<float, int32_t> &a, const std::pair<float, int32_t> &b) {
    return logit_better(a, b);
}

// A uniform double in [0, 1) from 53 random bits: the same on every standard library (unlike
// std::uniform_real_distribution, whose algorithm is implementation-defined).
double uniform01(std::mt19937_64 &rng) {
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace

SamplerParams SamplerParams::greedy() {
    SamplerParams p;
    p.temperature = 0.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    return p;
}

Status sampler_params_validate(const SamplerParams &p) {
    if (!(p.temperature >= 0.0f) || std::isinf(p.temperature))
        return bad("temperature must be >= 0 and finite (0: greedy)", p.temperature);
    if (p.top_k < 0)
        return bad("top_k must be >= 0 (0: off)", p.top_k);
    if (!(p.top_p > 0.0f && p.top_p <= 1.0f))
        return bad("top_p must be in (0, 1] (1: off)", p.top_p);
    if (!(p.min_p >= 0.0f && p.min_p < 1.0f))
        return bad("min_p must be in [0, 1) (0: off)", p.min_p);
    if (!(p.repeat_penalty > 0.0f) || std::isinf(p.repeat_penalty))
        return bad("repeat_penalty must be > 0 and finite (1: off)", p.repeat_penalty);
    if (!std::isfinite(p.presence_penalty))
        return bad("presence_penalty must be a finite number (0: off)", p.presence_penalty);
    if (!std::isfinite(p.frequency_penalty))
        return bad("frequency_penalty must be a finite number (0: off)", p.frequency_penalty);
    if (p.penalty_last_n < -1)
        return bad("penalty_last_n must be >= -1 (-1: the whole sequence, 0: off)", p.penalty_last_n);
    return Status::success();
}

Sampler::Sampler(const SamplerParams &params) : m_params(params) {
    m_seed = params.seed;
    if (params.random_seed) {
        // Clock and random_device mixed: two runs started in the same tick still differ.
        const auto ticks = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        std::random_device rd;
        m_seed = ticks ^ (static_cast<uint64_t>(rd()) << 32) ^ rd();
    }
    m_rng.seed(m_seed);
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
    const auto n = static_cast<int64_t>(logits.size());
    if (n == 0)
        return -1;
    // A sanitised copy of the logits: penalties and greedy work on plain floats (cheap to scan); only
    // sampling builds (logit, id) candidates, and only of the possible tokens.
    const auto nv = static_cast<size_t>(n);
    m_logits.resize(nv);
    for (size_t i = 0; i < nv; ++i)
        m_logits[i] = sanitize(logits[i]);

    // Penalties over the window at the end of the history, once per distinct token (llama.cpp's rule:
    // the repeat penalty does not compound with the count; the frequency penalty does).
    const SamplerParams &p = m_params;
    const bool penalize =
        p.repeat_penalty != 1.0f || p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f;
    if (penalize && p.penalty_last_n != 0 && !history.empty()) {
        size_t window = history.size();
        if (p.penalty_last_n > 0)
            window = std::min(window, static_cast<size_t>(p.penalty_last_n));
        m_window.assign(history.end() - static_cast<std::ptrdiff_t>(window), history.end());
        std::sort(m_window.begin(), m_window.end());
        for (size_t i = 0; i < m_window.size();) {
            const int32_t id = m_window[i];
            size_t j = i;
            while (j < m_window.size() && m_window[j] == id)
                ++j;
            const auto count = j - i;
            i = j;
            if (id < 0 || id >= n)
                continue;  // not in this vocabulary: nothing to penalise
            float &logit = m_logits[static_cast<size_t>(id)];
            logit = logit_penalized(logit, static_cast<int32_t>(count), p.repeat_penalty, p.frequency_penalty,
                                    p.presence_penalty);
        }
    }

    if (p.temperature <= 0.0f) {
        size_t best = 0;  // strict '>' keeps the lowest id on ties, and id 0 when all are -inf
        for (size_t i = 1; i < nv; ++i)
            if (m_logits[i] > m_logits[best])
                best = i;
        return static_cast<int32_t>(best);
    }

    // Impossible tokens never become candidates; if none is possible, the argmax fallback (lowest id).
    m_candidates.clear();
    for (size_t i = 0; i < nv; ++i)
        if (m_logits[i] != k_neg_inf)
            m_candidates.emplace_back(m_logits[i], static_cast<int32_t>(i));
    if (m_candidates.empty())
        return 0;

    // top-k: a partial selection, never a sort of the whole vocabulary; the k kept are put in order, as a
    // backend's top_k returns them (sample_best), so both paths draw the same token.
    bool sorted = false;
    if (p.top_k > 0) {
        if (static_cast<size_t>(p.top_k) < m_candidates.size()) {
            const auto kth = m_candidates.begin() + p.top_k;
            std::nth_element(m_candidates.begin(), kth - 1, m_candidates.end(), better);
            m_candidates.resize(static_cast<size_t>(p.top_k));
        }
        std::sort(m_candidates.begin(), m_candidates.end(), better);
        sorted = true;
    }
    return draw(sorted);
}

bool Sampler::best_plan(std::span<const int32_t> history, int64_t n_vocab, SamplerBestPlan *plan) const {
    const SamplerParams &p = m_params;
    const int64_t k = p.temperature <= 0.0f ? 1 : p.top_k;
    if (k <= 0 || k > kTopKMax || k > n_vocab)
        return false;  // top-k off: top-p and the draw need every logit
    plan->k = k;
    plan->ids.clear();
    plan->counts.clear();
    plan->repeat = p.repeat_penalty;
    plan->frequency = p.frequency_penalty;
    plan->presence = p.presence_penalty;
    const bool penalize =
        p.repeat_penalty != 1.0f || p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f;
    if (!penalize || p.penalty_last_n == 0)
        return true;
    if (p.penalty_last_n < 0 || p.penalty_last_n > kMaxBestWindow)
        return false;  // a window that grows with the sequence: the host path
    // Distinct ids of the window with their counts, padded with −1 to the window's length so a GPU's
    // recorded decode step keeps its shape from one token to the next.
    const size_t window = std::min(history.size(), static_cast<size_t>(p.penalty_last_n));
    std::vector<int32_t> sorted_ids(history.end() - static_cast<std::ptrdiff_t>(window), history.end());
    std::sort(sorted_ids.begin(), sorted_ids.end());
    for (size_t i = 0; i < sorted_ids.size();) {
        size_t j = i;
        while (j < sorted_ids.size() && sorted_ids[j] == sorted_ids[i])
            ++j;
        if (sorted_ids[i] >= 0 && sorted_ids[i] < n_vocab) {
            plan->ids.push_back(sorted_ids[i]);
            plan->counts.push_back(static_cast<int32_t>(j - i));
        }
        i = j;
    }
    plan->ids.resize(static_cast<size_t>(p.penalty_last_n), -1);
    plan->counts.resize(static_cast<size_t>(p.penalty_last_n), 0);
    return true;
}

int32_t Sampler::sample_best(std::span<const float> values, std::span<const int32_t> ids) {
    if (ids.empty() || values.size() != ids.size())
        return -1;
    if (m_params.temperature <= 0.0f)
        return ids[0];  // the best, lowest id on ties — and id 0 when every logit is −inf, as sample()
    m_candidates.clear();
    for (size_t i = 0; i < ids.size(); ++i)
        if (values[i] != k_neg_inf)
            m_candidates.emplace_back(values[i], ids[i]);
    if (m_candidates.empty())
        return 0;
    return draw(true);
}

// top-p → min-p → temperature → draw, on m_candidates (`sorted`: already best first).
int32_t Sampler::draw(bool sorted) {
    const SamplerParams &p = m_params;
    // top-p: the smallest best-first prefix reaching p of the (renormalised) remaining mass. Ordered in
    // growing chunks (256, ×8, …): a peaked distribution needs only the first; a flat one ends with one
    // ordering of the whole set, plus linear selections on the way.
    if (p.top_p < 1.0f) {
        double max_l = k_neg_inf;
        for (const auto &c : m_candidates)
            max_l = std::max(max_l, static_cast<double>(c.first));
        double total = 0.0;
        for (const auto &c : m_candidates)
            total += std::exp(static_cast<double>(c.first) - max_l);
        const size_t count = m_candidates.size();
        size_t done = 0;  // [0, done) holds the best `done` candidates in order
        size_t keep = count;
        double cum = 0.0;
        for (size_t chunk = 256; done < count && keep == count; chunk *= 8) {
            const size_t end = std::min(count, done + chunk);
            const auto first = m_candidates.begin() + static_cast<std::ptrdiff_t>(done);
            const auto last = m_candidates.begin() + static_cast<std::ptrdiff_t>(end);
            if (end < count)
                std::nth_element(first, last - 1, m_candidates.end(), better);
            std::sort(first, last, better);
            for (size_t i = done; i < end; ++i) {
                cum += std::exp(static_cast<double>(m_candidates[i].first) - max_l) / total;
                if (cum >= p.top_p) {
                    keep = i + 1;
                    break;
                }
            }
            done = end;
        }
        m_candidates.resize(keep);
        sorted = true;
    }
    float max_logit = m_candidates.front().first;
    if (!sorted)
        for (const auto &c : m_candidates)
            max_logit = std::max(max_logit, c.first);
    if (p.min_p > 0.0f) {
        // p_i >= min_p * p_max  <=>  logit_i >= max_logit + ln(min_p): no softmax needed.
        const double floor = static_cast<double>(max_logit) + std::log(static_cast<double>(p.min_p));
        // The best token always stays (params that did not validate must not empty the set).
        std::erase_if(m_candidates, [&](const auto &c) {
            return static_cast<double>(c.first) < floor && c.first < max_logit;
        });
    }

    // Temperature and the draw, in double so that a small temperature cannot overflow.
    const double inv_t = 1.0 / static_cast<double>(p.temperature);
    m_probs.resize(m_candidates.size());
    double total = 0.0;
    for (size_t i = 0; i < m_candidates.size(); ++i) {
        m_probs[i] = std::exp((static_cast<double>(m_candidates[i].first) - max_logit) * inv_t);
        total += m_probs[i];
    }
    const double r = uniform01(m_rng) * total;
    double cum = 0.0;
    for (size_t i = 0; i < m_candidates.size(); ++i) {
        cum += m_probs[i];
        if (r < cum)
            return m_candidates[i].second;
    }
    // Rounding can leave r just above the last partial sum: the last candidate with any mass.
    for (size_t i = m_candidates.size(); i-- > 0;)
        if (m_probs[i] > 0.0)
            return m_candidates[i].second;
    return m_candidates.front().second;
}

}  // namespace nd
