// Causal attention on the CPU (see cpu_attention.h).
//
// Two schedules, with identical arithmetic per output value:
// - per (token, KV head): one task computes the scores, the softmax and Σ p·v of the query heads that share
//   the KV head. Prefill has n·Hkv such tasks, plenty for every thread.
// - decode over a long context (one token, positions >= kSplitMinPositions): H tasks would leave threads
//   idle and each task streams the whole cache, so the work is done in three passes over the pool:
//   scores by (KV head, block of positions), the softmax by head, and Σ p·v by (KV head, block of output
//   dims).
//   Each score is the same dot product and each output element the same sum in position order, so the
//   two schedules give the same bits.
#include "gpu/cpu/cpu_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gpu/cpu/cpu_ops.h"
#include "gpu/cpu/cpu_ops_simd.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd::cpu {

namespace {

constexpr int64_t kSplitMinPositions = 512;
constexpr int64_t kScoreBlock = 256;  // positions per score task in the split schedule
constexpr int64_t kDimBlock = 16;     // output dims per Σ p·v task (a multiple of every SIMD width)

// The cache of one layer as the kernels see it. The q heads of one KV head (a GQA group) are always
// processed together, so each cache row is fetched from memory once per group, not once per head.
struct CacheView {
    const KvLayer &cache;
    const AttentionShape &s;
    const SimdKernels &kern;
    int64_t k_row, v_row;  // elements per cache row

    // scores[j − j0] = q · K[j][kv_head] for j in [j0, j1)
    void dots(float *scores, const float *q, int64_t j0, int64_t j1, int64_t kv_head) const {
        const int64_t off = j0 * k_row + kv_head * s.head_dim_k;
        if (cache.type == KvType::f16)
            kern.dots_f16(scores, q, static_cast<const uint16_t *>(cache.k) + off, k_row, j1 - j0,
                          s.head_dim_k);
        else
            kern.dots_f32(scores, q, static_cast<const float *>(cache.k) + off, k_row, j1 - j0, s.head_dim_k);
    }
    // For the m heads a of y (stride ldy) and p (stride ldp): y[a][0..n) += Σ_{j < n_pos} p[a][j] ·
    // V[j][kv_head][d0..d0+n)
    void wsum(float *y, int64_t ldy, const float *p, int64_t ldp, int64_t m, int64_t n_pos, int64_t kv_head,
              int64_t d0, int64_t n) const {
        const int64_t off = kv_head * s.head_dim_v + d0;
        if (cache.type == KvType::f16)
            kern.wsum_f16(y, ldy, p, ldp, m, static_cast<const uint16_t *>(cache.v) + off, v_row, n_pos, n);
        else
            kern.wsum_f32(y, ldy, p, ldp, m, static_cast<const float *>(cache.v) + off, v_row, n_pos, n);
    }
};

// softmax in place over p[0..n) of the scaled scores: p = exp(p·scale − max) / Σ, ggml's soft_max_ext
// arithmetic.
void softmax_row(const SimdKernels &kern, float *p, int64_t n, float scale) {
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n; ++j) {
        p[j] *= scale;
        max = std::max(max, p[j]);
    }
    const float inv = static_cast<float>(1.0 / kern.softmax_exp(p, n, max));
    for (int64_t j = 0; j < n; ++j)
        p[j] *= inv;
}

// One task per (token, KV head): the scores, softmax and Σ p·v of the group's query heads.
void attention_rows(const CacheView &cv, int64_t pos0, const float *q, int64_t ldq, int64_t n, float *out,
                    ThreadPool *pool) {
    const AttentionShape &s = cv.s;
    const int64_t group = s.n_head / s.n_head_kv;
    const int64_t cost = group * (pos0 + n) * (s.head_dim_k + s.head_dim_v);
    parallel_for(pool, n * s.n_head_kv, grain_for(cost), [&](int64_t i0, int64_t i1) {
        thread_local std::vector<float> scores;  // [group][n_pos]
        for (int64_t i = i0; i < i1; ++i) {
            const int64_t t = i / s.n_head_kv, kvh = i % s.n_head_kv;
            const int64_t n_pos = pos0 + t + 1;
            scores.resize(static_cast<size_t>(group * n_pos));
            for (int64_t g = 0; g < group; ++g) {
                float *sc = scores.data() + g * n_pos;
                cv.dots(sc, q + t * ldq + (kvh * group + g) * s.head_dim_k, 0, n_pos, kvh);
                softmax_row(cv.kern, sc, n_pos, s.scale);
            }
            float *o = out + t * s.n_head * s.head_dim_v + kvh * group * s.head_dim_v;
            std::memset(o, 0, static_cast<size_t>(group * s.head_dim_v) * sizeof(float));
            cv.wsum(o, s.head_dim_v, scores.data(), n_pos, group, n_pos, kvh, 0, s.head_dim_v);
        }
    });
}

void attention_decode_split(const CacheView &cv, int64_t pos, const float *q, float *out, ThreadPool *pool) {
    const AttentionShape &s = cv.s;
    const int64_t group = s.n_head / s.n_head_kv;
    const int64_t n_pos = pos + 1;
    thread_local std::vector<float> probs;  // [H][n_pos], owned by the calling thread
    probs.resize(static_cast<size_t>(s.n_head * n_pos));
    float *p = probs.data();

    // Scores by (KV head, block of positions): the block's K rows are read once for the whole group.
    const int64_t n_blocks = (n_pos + kScoreBlock - 1) / kScoreBlock;
    parallel_for(pool, s.n_head_kv * n_blocks, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
            const int64_t kvh = i / n_blocks, j0 = (i % n_blocks) * kScoreBlock;
            const int64_t j1 = std::min(n_pos, j0 + kScoreBlock);
            for (int64_t h = kvh * group; h < (kvh + 1) * group; ++h)
                cv.dots(p + h * n_pos + j0, q + h * s.head_dim_k, j0, j1, kvh);
        }
    });
    parallel_for(pool, s.n_head, 1, [&](int64_t h0, int64_t h1) {
        for (int64_t h = h0; h < h1; ++h)
            softmax_row(cv.kern, p + h * n_pos, n_pos, s.scale);
    });
    // Σ p·v by (KV head, block of output dims): the block's column of V stays in cache for the group.
    const int64_t n_dblocks = (s.head_dim_v + kDimBlock - 1) / kDimBlock;
    parallel_for(pool, s.n_head_kv * n_dblocks, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
            const int64_t kvh = i / n_dblocks, d0 = (i % n_dblocks) * kDimBlock;
            const int64_t nd = std::min(kDimBlock, s.head_dim_v - d0);
            float *o = out + kvh * group * s.head_dim_v + d0;
            for (int64_t g = 0; g < group; ++g)
                std::memset(o + g * s.head_dim_v, 0, static_cast<size_t>(nd) * sizeof(float));
            cv.wsum(o, s.head_dim_v, p + kvh * group * n_pos, n_pos, group, n_pos, kvh, d0, nd);
        }
    });
}

}  // namespace

void attention_store_kv(const KvLayer &cache, int64_t pos0, const float *k, int64_t ldk, const float *v,
                        int64_t ldv, int64_t n, const AttentionShape &s) {
    const int64_t k_row = s.n_head_kv * s.head_dim_k, v_row = s.n_head_kv * s.head_dim_v;
    for (int64_t t = 0; t < n; ++t) {
        const int64_t p = pos0 + t;
        if (cache.type == KvType::f16) {
            uint16_t *kd = static_cast<uint16_t *>(cache.k) + p * k_row;
            uint16_t *vd = static_cast<uint16_t *>(cache.v) + p * v_row;
            for (int64_t i = 0; i < k_row; ++i)
                kd[i] = ggml_fp32_to_fp16(k[t * ldk + i]);
            for (int64_t i = 0; i < v_row; ++i)
                vd[i] = ggml_fp32_to_fp16(v[t * ldv + i]);
        } else {
            std::memcpy(static_cast<float *>(cache.k) + p * k_row, k + t * ldk,
                        static_cast<size_t>(k_row) * sizeof(float));
            std::memcpy(static_cast<float *>(cache.v) + p * v_row, v + t * ldv,
                        static_cast<size_t>(v_row) * sizeof(float));
        }
    }
}

void attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq, const float *k, int64_t ldk,
               const float *v, int64_t ldv, int64_t n, const AttentionShape &s, float *out,
               ThreadPool *pool) {
    attention_store_kv(cache, pos0, k, ldk, v, ldv, n, s);
    const CacheView cv{cache, s, simd_kernels(), s.n_head_kv * s.head_dim_k, s.n_head_kv * s.head_dim_v};
    if (n == 1 && pos0 + 1 >= kSplitMinPositions)
        attention_decode_split(cv, pos0, q, out, pool);
    else
        attention_rows(cv, pos0, q, ldq, n, out, pool);
}

}  // namespace nd::cpu
