// The CUDA sampling ops (apply_penalties, top_k: gpu/cuda/cuda_top_k.cu) against the CPU backend, whose
// implementations are the host ones (gpu/model/backend_sampling.cpp). Both must be bit-exact: the same ids
// in the same order and the same float bits, since a token drawn from the GPU's k best must be the token
// the host would draw from the whole vocabulary.
//
// top_k over vocabulary sizes from 1 to 262144 (one tile, several, a short last tile) and k from 1 to
// kTopKMax, on random logits, on logits with many exact ties (8 distinct values), with NaN, ±inf and ±0
// sprinkled in, all −inf, all NaN, and with a tie at the k-th place; penalties with repeat above and below
// 1, frequency and presence (negative too), ids padded with −1 or out of range, counts up to 64; both ops
// replayed from a CUDA graph with new data each step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "gpu/model/logit_select.h"
#include "tests/gpu/cuda/cuda_test_util.h"

#if NEMODESK_HAVE_CUDA
#include "gpu/cuda/cuda_backend_impl.h"
#endif

namespace nd::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

const int64_t kSizes[] = {1, 7, 255, 256, 4097, 32000, 131072, 262144};
const int64_t kKs[] = {1, 2, 40, 100, 256};

struct Best {
    std::vector<int32_t> ids;
    std::vector<float> vals;
};

// top_k of `logits` on one backend (eagerly, through its own buffers).
Best run_top_k(Backend &be, const std::vector<float> &logits, int64_t k) {
    Buffer x(be, logits), ids(be, static_cast<size_t>(k) * 4), vals(be, static_cast<size_t>(k) * 4);
    be.top_k(x.f(), static_cast<int64_t>(logits.size()), k, static_cast<int32_t *>(ids.p()), vals.f());
    Best b;
    b.ids.resize(static_cast<size_t>(k));
    b.vals.resize(static_cast<size_t>(k));
    be.download(b.ids.data(), ids.p(), b.ids.size() * 4);
    be.download(b.vals.data(), vals.p(), b.vals.size() * 4);
    const Status s = be.sync();
    EXPECT_TRUE(s.ok()) << s.describe();
    return b;
}

// Exact equality: ids, and the values' bits (so −0 against +0, or NaN payloads, would show).
void expect_same(const Best &got, const Best &want, const std::string &what) {
    ASSERT_EQ(got.ids.size(), want.ids.size()) << what;
    for (size_t i = 0; i < want.ids.size(); ++i) {
        const bool same_bits = std::memcmp(&got.vals[i], &want.vals[i], sizeof(float)) == 0;
        if (got.ids[i] != want.ids[i] || !same_bits) {
            ADD_FAILURE() << what << ": place " << i << ": cuda (" << got.ids[i] << ", " << got.vals[i]
                          << ") cpu (" << want.ids[i] << ", " << want.vals[i] << ")";
            return;
        }
    }
}

void expect_same_bits(const std::vector<float> &got, const std::vector<float> &want,
                      const std::string &what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); ++i)
        if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            ADD_FAILURE() << what << ": logit " << i << ": cuda " << got[i] << " cpu " << want[i];
            return;
        }
}

enum class Fill { random = 1, ties, specials, all_neg_inf, all_nan, kth_tie };

const char *fill_name(Fill f) {
    switch (f) {
        case Fill::random:
            return "random";
        case Fill::ties:
            return "ties";
        case Fill::specials:
            return "specials";
        case Fill::all_neg_inf:
            return "all -inf";
        case Fill::all_nan:
            return "all NaN";
        case Fill::kth_tie:
            return "k-th tie";
    }
    return "?";
}

std::vector<float> make_logits(Fill fill, int64_t n, int64_t k, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> x = random_floats(static_cast<size_t>(n), seed, -8.0f, 8.0f);
    switch (fill) {
        case Fill::random:
            break;
        case Fill::ties:  // 8 distinct values, so every place is tied with many others
            for (float &v : x)
                v = static_cast<float>(rng() % 8) * 0.75f - 2.0f;
            break;
        case Fill::specials: {  // ties, NaN (both signs), ±inf, ±0, denormals and the extreme finite values
            const float special[] = {kNan,
                                     -kNan,
                                     kInf,
                                     -kInf,
                                     0.0f,
                                     -0.0f,
                                     1e-45f,
                                     -1e-45f,
                                     std::numeric_limits<float>::max(),
                                     -std::numeric_limits<float>::max()};
            for (size_t i = 0; i < x.size(); ++i)
                if (rng() % 4 == 0)
                    x[i] = special[rng() % std::size(special)];
                else if (rng() % 2 == 0)
                    x[i] = static_cast<float>(rng() % 8) - 4.0f;
            break;
        }
        case Fill::all_neg_inf:
            std::fill(x.begin(), x.end(), -kInf);
            break;
        case Fill::all_nan:
            std::fill(x.begin(), x.end(), kNan);
            break;
        case Fill::kth_tie: {
            // The k-th and (k+1)-th best made equal (and a third copy at a random place), so the ids decide
            // which of them make the cut.
            if (n <= k)
                break;
            std::vector<int32_t> order(static_cast<size_t>(n));
            std::iota(order.begin(), order.end(), 0);
            std::nth_element(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
                return logit_better({x[a], a}, {x[b], b});
            });
            std::partial_sort(order.begin(), order.begin() + k, order.begin() + k + 1,
                              [&](int32_t a, int32_t b) {
                                  return logit_better({x[a], a}, {x[b], b});
                              });
            const float kth = x[order[k - 1]];
            x[order[k]] = kth;
            x[rng() % n] = kth;
            break;
        }
    }
    return x;
}

TEST(CudaSampling, TopKMatchesTheHost) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 100;
    for (int64_t n : kSizes)
        for (int64_t k : kKs) {
            if (k > n)
                continue;
            for (Fill fill : {Fill::random, Fill::ties, Fill::specials, Fill::all_neg_inf, Fill::all_nan,
                              Fill::kth_tie}) {
                const auto x = make_logits(fill, n, k, ++seed);
                const std::string what =
                    std::string(fill_name(fill)) + " n " + std::to_string(n) + " k " + std::to_string(k);
                expect_same(run_top_k(cuda, x, k), run_top_k(cpu, x, k), what);
            }
        }
    // k = n at the sizes the list above skips for k (every logit returned, fully ordered).
    for (int64_t n : {int64_t{3}, int64_t{100}, int64_t{256}}) {
        const auto x = make_logits(Fill::specials, n, n, ++seed);
        expect_same(run_top_k(cuda, x, n), run_top_k(cpu, x, n), "specials k = n = " + std::to_string(n));
    }
}

TEST(CudaSampling, TopKRunsTwiceInTheSameBuffers) {
    ND_BACKENDS_OR_SKIP();
    const int64_t n = 32000, k = 40;
    Buffer x(cuda, static_cast<size_t>(n) * 4), ids(cuda, k * 4), vals(cuda, k * 4);
    for (uint32_t seed : {7u, 8u}) {
        const auto host = make_logits(seed == 7 ? Fill::random : Fill::specials, n, k, seed);
        cuda.upload(x.p(), host.data(), host.size() * 4);
        cuda.top_k(x.f(), n, k, static_cast<int32_t *>(ids.p()), vals.f());
        Best got;
        got.ids.resize(k);
        got.vals.resize(k);
        cuda.download(got.ids.data(), ids.p(), k * 4);
        cuda.download(got.vals.data(), vals.p(), k * 4);
        ASSERT_TRUE(cuda.sync().ok());
        expect_same(got, run_top_k(cpu, host, k), "second buffer use, seed " + std::to_string(seed));
    }
}

TEST(CudaSampling, TopKRefusesBadArguments) {
    ND_BACKENDS_OR_SKIP();
    Buffer x(cuda, std::vector<float>(300, 1.0f)), ids(cuda, 4 * 300), vals(cuda, 4 * 300);
    struct Case {
        int64_t n, k;
    };
    for (Case c : {Case{300, 0}, Case{300, -1}, Case{300, 257}, Case{10, 11}, Case{0, 1}, Case{-5, 1}}) {
        cuda.top_k(x.f(), c.n, c.k, static_cast<int32_t *>(ids.p()), vals.f());
        const Status s = cuda.sync();
        EXPECT_EQ(s.code, StatusCode::invalid_argument) << "n " << c.n << " k " << c.k;
    }
    cuda.top_k(x.f(), 300, 256, static_cast<int32_t *>(ids.p()), vals.f());
    EXPECT_TRUE(cuda.sync().ok()) << "the failure was cleared";
}

struct Penalties {
    float repeat, frequency, presence;
};
const Penalties kPenalties[] = {
    {1.1f, 0.0f, 0.0f}, {0.9f, 0.0f, 0.0f},         {1.1f, 0.5f, 0.25f}, {0.9f, 0.1f, -0.5f},
    {1.0f, 0.3f, 1.5f}, {1.3f, 1.0f / 3.0f, -2.0f}, {1.0f, 0.0f, 0.0f},
};

// n_ids ids: distinct valid ids mixed with −1 padding and ids >= n_vocab (skipped), counts 0..64.
void make_penalty_ids(int64_t n_vocab, int64_t n_ids, uint32_t seed, std::vector<int32_t> *ids,
                      std::vector<int32_t> *counts) {
    std::mt19937 rng(seed);
    std::vector<int32_t> pool(static_cast<size_t>(n_vocab));
    std::iota(pool.begin(), pool.end(), 0);
    std::shuffle(pool.begin(), pool.end(), rng);
    ids->assign(static_cast<size_t>(n_ids), -1);
    counts->assign(static_cast<size_t>(n_ids), 0);
    size_t used = 0;
    for (int64_t i = 0; i < n_ids; ++i) {
        const uint32_t r = rng() % 8;
        if (r == 0)
            (*ids)[i] = -1;
        else if (r == 1)
            (*ids)[i] = static_cast<int32_t>(n_vocab + rng() % 1000);
        else if (r == 2)
            (*ids)[i] = -static_cast<int32_t>(2 + rng() % 1000);
        else if (used < pool.size())
            (*ids)[i] = pool[used++];
        (*counts)[i] = static_cast<int32_t>(rng() % 65);
    }
}

TEST(CudaSampling, PenaltiesMatchTheHost) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 500;
    for (int64_t n_vocab : {int64_t{1}, int64_t{7}, int64_t{4097}, int64_t{262144}})
        for (int64_t n_ids : {int64_t{1}, int64_t{64}, int64_t{300}})
            for (const Penalties &p : kPenalties) {
                auto x = make_logits(Fill::random, n_vocab, 1, ++seed);
                std::vector<int32_t> ids, counts;
                make_penalty_ids(n_vocab, n_ids, ++seed, &ids, &counts);
                // The penalised logits include every special value and both signs.
                const float special[] = {kNan,
                                         kInf,
                                         -kInf,
                                         0.0f,
                                         -0.0f,
                                         1e-45f,
                                         -1e-45f,
                                         3.0f,
                                         -3.0f,
                                         std::numeric_limits<float>::max(),
                                         -std::numeric_limits<float>::max()};
                for (size_t i = 0; i < ids.size(); ++i)
                    if (ids[i] >= 0 && ids[i] < n_vocab && i % 3 == 0)
                        x[static_cast<size_t>(ids[i])] = special[(i / 3) % std::size(special)];
                Buffer gx(cuda, x), cx(cpu, x);
                cuda.apply_penalties(gx.f(), n_vocab, ids.data(), counts.data(), n_ids, p.repeat, p.frequency,
                                     p.presence);
                cpu.apply_penalties(cx.f(), n_vocab, ids.data(), counts.data(), n_ids, p.repeat, p.frequency,
                                    p.presence);
                ASSERT_TRUE(cuda.sync().ok());
                ASSERT_TRUE(cpu.sync().ok());
                const std::string what = "n_vocab " + std::to_string(n_vocab) + " n_ids " +
                                         std::to_string(n_ids) + " repeat " + std::to_string(p.repeat) +
                                         " frequency " + std::to_string(p.frequency) + " presence " +
                                         std::to_string(p.presence);
                const auto want = cx.floats(x.size());
                expect_same_bits(gx.floats(x.size()), want, what);
                // The penalised row's best, as a decode step asks for it.
                const int64_t k = std::min<int64_t>(n_vocab, 40);
                expect_same(run_top_k(cuda, want, k), run_top_k(cpu, want, k), what + " then top_k");
            }
}

#if NEMODESK_HAVE_CUDA
// A decode step records both ops into a CUDA graph; from the third step on the graph is replayed with the
// step's new logits (uploaded within the step), penalty ids and counts (staged), and must still give the
// host's answer every time.
TEST(CudaSampling, GraphReplayUsesEachStepsValues) {
    std::unique_ptr<Backend> owner;
    CudaBackendOptions o;
    o.graphs = CudaGraphs::on;
    if (const Status s = cuda_backend_create(o, &owner); !s.ok())
        GTEST_SKIP() << "no CUDA backend: " << s.describe();
    Backend &cuda = *owner;
    auto cpu = cpu_backend_create();
    const int64_t n = 32000, k = 40, n_ids = 64;
    const Penalties p = {1.1f, 0.2f, 0.5f};
    Buffer x(cuda, static_cast<size_t>(n) * 4), ids(cuda, k * 4), vals(cuda, k * 4);
    constexpr int kSteps = 6;
    for (int step = 0; step < kSteps; ++step) {
        const auto host = make_logits(step % 2 ? Fill::specials : Fill::random, n, k, 900 + step);
        std::vector<int32_t> pen_ids, pen_counts;
        make_penalty_ids(n, n_ids, 950 + step, &pen_ids, &pen_counts);
        Best got;
        got.ids.resize(k);
        got.vals.resize(k);
        cuda.begin_forward(1);
        cuda.upload(x.p(), host.data(), host.size() * 4);
        cuda.apply_penalties(x.f(), n, pen_ids.data(), pen_counts.data(), n_ids, p.repeat, p.frequency,
                             p.presence);
        cuda.top_k(x.f(), n, k, static_cast<int32_t *>(ids.p()), vals.f());
        cuda.download(got.ids.data(), ids.p(), k * 4);
        cuda.download(got.vals.data(), vals.p(), k * 4);
        const Status s = cuda.sync();
        ASSERT_TRUE(s.ok()) << s.describe();

        Buffer cx(*cpu, host);
        cpu->apply_penalties(cx.f(), n, pen_ids.data(), pen_counts.data(), n_ids, p.repeat, p.frequency,
                             p.presence);
        expect_same(got, run_top_k(*cpu, cx.floats(static_cast<size_t>(n)), k),
                    "step " + std::to_string(step));
    }
    const auto c = static_cast<cuda::CudaBackend &>(cuda).graph_counters();
    // The first step grows buffers (eager), the second captures, the rest replay.
    EXPECT_GE(c.captured, 1u);
    EXPECT_GE(c.replayed, static_cast<uint64_t>(kSteps - 2));
}
#endif

}  // namespace
}  // namespace nd::test
