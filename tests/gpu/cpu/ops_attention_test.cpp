// CPU attention against a double-precision reference: GQA 8:2, head_dim 40 (no SIMD-width multiple),
// prefill in batches then decode, f32 and f16 caches, and the long-context decode schedule.
#include <gtest/gtest.h>

#include <cmath>

#include "ops_test_util.h"

namespace nd::test {
namespace {

struct AttnCase {
    AttentionShape s;
    int64_t n_ctx;
    std::vector<float> q, k, v;  // [n_ctx][row] for every position
    int64_t q_row() const { return s.n_head * s.head_dim_k; }
    int64_t k_row() const { return s.n_head_kv * s.head_dim_k; }
    int64_t v_row() const { return s.n_head_kv * s.head_dim_v; }
};

AttnCase make_case(int64_t n_ctx, uint32_t seed) {
    AttnCase c;
    c.s.n_head = 8;
    c.s.n_head_kv = 2;
    c.s.head_dim_k = 40;
    c.s.head_dim_v = 40;
    c.s.scale = 1.0f / std::sqrt(40.0f);
    c.n_ctx = n_ctx;
    c.q = random_vec(n_ctx * c.q_row(), seed);
    c.k = random_vec(n_ctx * c.k_row(), seed + 1);
    c.v = random_vec(n_ctx * c.v_row(), seed + 2);
    return c;
}

// Output rows for positions [p0, p1) given the K/V of every position (f16-rounded when asked).
std::vector<double> reference(const AttnCase &c, int64_t p0, int64_t p1, bool f16) {
    const auto &s = c.s;
    auto kv = [&](const std::vector<float> &src, size_t i) {
        return f16 ? double(ggml_fp16_to_fp32(ggml_fp32_to_fp16(src[i]))) : double(src[i]);
    };
    std::vector<double> out;
    for (int64_t p = p0; p < p1; ++p) {
        for (int64_t h = 0; h < s.n_head; ++h) {
            const int64_t kvh = h / (s.n_head / s.n_head_kv);
            std::vector<double> w(static_cast<size_t>(p + 1));
            double mx = -1e300, sum = 0;
            for (int64_t j = 0; j <= p; ++j) {
                double d = 0;
                for (int64_t i = 0; i < s.head_dim_k; ++i)
                    d += double(c.q[p * c.q_row() + h * s.head_dim_k + i]) *
                         kv(c.k, static_cast<size_t>(j * c.k_row() + kvh * s.head_dim_k + i));
                w[j] = d * s.scale;
                mx = std::max(mx, w[j]);
            }
            for (auto &x : w)
                sum += (x = std::exp(x - mx));
            for (int64_t i = 0; i < s.head_dim_v; ++i) {
                double o = 0;
                for (int64_t j = 0; j <= p; ++j)
                    o += w[j] / sum * kv(c.v, static_cast<size_t>(j * c.v_row() + kvh * s.head_dim_v + i));
                out.push_back(o);
            }
        }
    }
    return out;
}

// Runs positions [p0, p1) as one attention call on `be`, returns its output.
std::vector<float> run(Backend &be, const KvLayer &cache, const AttnCase &c, int64_t p0, int64_t p1) {
    const int64_t n = p1 - p0;
    std::vector<float> out(static_cast<size_t>(n * c.s.n_head * c.s.head_dim_v));
    be.attention(cache, p0, c.q.data() + p0 * c.q_row(), c.q_row(), c.k.data() + p0 * c.k_row(), c.k_row(),
                 c.v.data() + p0 * c.v_row(), c.v_row(), n, c.s, out.data());
    EXPECT_TRUE(be.sync().ok());
    return out;
}

struct Cache {
    Backend &be;
    KvLayer layer;
    Cache(Backend &b, const AttnCase &c, KvType type) : be(b) {
        const size_t el = type == KvType::f16 ? 2 : 4;
        EXPECT_TRUE(be.alloc(static_cast<size_t>(c.n_ctx * c.k_row()) * el, &layer.k).ok());
        EXPECT_TRUE(be.alloc(static_cast<size_t>(c.n_ctx * c.v_row()) * el, &layer.v).ok());
        layer.type = type;
        layer.n_ctx = c.n_ctx;
    }
    ~Cache() {
        be.release(layer.k);
        be.release(layer.v);
    }
};

TEST(CpuOpsAttention, PrefillBatchesThenDecodeGqa) {
    for (const KvType type : {KvType::f32, KvType::f16}) {
        auto be = make_backend();
        const AttnCase c = make_case(12, 20);
        Cache cache(*be, c, type);
        const bool f16 = type == KvType::f16;
        // 5 tokens, then 4, then single tokens: each call sees the rows earlier calls stored.
        const std::vector<std::pair<int64_t, int64_t>> calls = {{0, 5}, {5, 9}, {9, 10}, {10, 11}, {11, 12}};
        for (const auto &[p0, p1] : calls)
            expect_close(run(*be, cache.layer, c, p0, p1), reference(c, p0, p1, f16), 2e-5,
                         std::string(f16 ? "f16" : "f32") + " positions " + std::to_string(p0));
    }
}

TEST(CpuOpsAttention, LongContextDecodeSplitMatchesRowsBitForBit) {
    // Positions >= 512 decode through the three-pass schedule; the last row of a 2-token batch goes
    // through the per-(token, head) one. Same cache contents: the outputs must be identical.
    auto be = make_backend();
    const int64_t n_ctx = 700;
    const AttnCase c = make_case(n_ctx, 30);
    for (const KvType type : {KvType::f32, KvType::f16}) {
        Cache a(*be, c, type), b(*be, c, type);
        run(*be, a.layer, c, 0, n_ctx - 1);
        const auto split = run(*be, a.layer, c, n_ctx - 1, n_ctx);
        run(*be, b.layer, c, 0, n_ctx - 2);
        const auto rows = run(*be, b.layer, c, n_ctx - 2, n_ctx);
        const size_t row = static_cast<size_t>(c.s.n_head * c.s.head_dim_v);
        ASSERT_EQ(split.size(), row);
        EXPECT_EQ(split, std::vector<float>(rows.begin() + static_cast<long>(row), rows.end()));
        expect_close(split, reference(c, n_ctx - 1, n_ctx, type == KvType::f16), 2e-5, "long decode");
    }
}

TEST(CpuOpsAttention, RejectsContextOverflowAndBadShape) {
    auto be = make_backend();
    const AttnCase c = make_case(4, 40);
    Cache cache(*be, c, KvType::f32);
    std::vector<float> out(1000);
    be->attention(cache.layer, 3, c.q.data(), c.q_row(), c.k.data(), c.k_row(), c.v.data(), c.v_row(), 2, c.s,
                  out.data());
    const Status st = be->sync();
    EXPECT_EQ(st.code, StatusCode::invalid_argument);
    EXPECT_NE(st.message.find("context"), std::string::npos) << st.message;
    AttentionShape bad = c.s;
    bad.n_head_kv = 3;
    be->attention(cache.layer, 0, c.q.data(), c.q_row(), c.k.data(), c.k_row(), c.v.data(), c.v_row(), 1, bad,
                  out.data());
    EXPECT_EQ(be->sync().code, StatusCode::invalid_argument);
}

}  // namespace
}  // namespace nd::test
