// CUDA attention against the CPU backend through nd::Backend: f32 and f16 caches, GQA ratios 1/2/4/8,
// head dims 8/40/64/72/128 (and hd_k != hd_v), prefill batches (n = 1, 2, 7, 64, 300) at pos0 = 0 and at
// pos0 > 0 after earlier calls, decode steps (the split-KV path, n <= 4) at positions up to a few thousand,
// and a large n_ctx with few rows used (the decode grid is sized from n_ctx; most splits are empty).
//
// Both backends store the same cache values (f16: round to nearest even on both), so the only difference
// is the order of f32 sums (dot products, softmax sums, the online-softmax rescaling): ~1e-6 relative.
// Tolerance 1e-5 for the f32 cache; 1e-3 for the f16 cache as the conformance tables use for f16 data
// (the real gap is the same as for f32, but a kernel that computed in f16 would still pass), except for
// the tensor-core prefill's own test, which holds it to 3e-5.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/gpu/cuda/cuda_test_util.h"

namespace nd::test {
namespace {

struct Shape {
    int64_t n_head, n_head_kv, hd_k, hd_v;
};

// One cache per backend, fed the same calls.
class Pair {
public:
    Pair(Backend &cuda, Backend &cpu, const Shape &sh, KvType type, int64_t n_ctx)
        : m_cuda(cuda), m_cpu(cpu), m_type(type), m_n_ctx(n_ctx) {
        m_s.n_head = sh.n_head;
        m_s.n_head_kv = sh.n_head_kv;
        m_s.head_dim_k = sh.hd_k;
        m_s.head_dim_v = sh.hd_v;
        m_s.scale = 1.0f / std::sqrt(static_cast<float>(sh.hd_k));
        const size_t el = type == KvType::f16 ? 2 : 4;
        const size_t kb = static_cast<size_t>(n_ctx * sh.n_head_kv * sh.hd_k) * el;
        const size_t vb = static_cast<size_t>(n_ctx * sh.n_head_kv * sh.hd_v) * el;
        m_gk = std::make_unique<Buffer>(cuda, kb);
        m_gv = std::make_unique<Buffer>(cuda, vb);
        m_ck = std::make_unique<Buffer>(cpu, kb);
        m_cv = std::make_unique<Buffer>(cpu, vb);
    }

    // One call of n tokens at pos0; q/k/v rows with padded strides; compares the outputs.
    void step(int64_t pos0, int64_t n, uint32_t seed, const std::string &what, double tol_f16 = 1e-3) {
        const AttentionShape &s = m_s;
        const int64_t ldq = s.n_head * s.head_dim_k + 3, ldk = s.n_head_kv * s.head_dim_k + 1,
                      ldv = s.n_head_kv * s.head_dim_v + 5;
        const auto q = random_floats(static_cast<size_t>(n * ldq), seed, -2.0f, 2.0f);
        const auto k = random_floats(static_cast<size_t>(n * ldk), seed + 1, -2.0f, 2.0f);
        const auto v = random_floats(static_cast<size_t>(n * ldv), seed + 2);
        const size_t n_out = static_cast<size_t>(n * s.n_head * s.head_dim_v);
        std::vector<float> got, want;
        for (int side = 0; side < 2; ++side) {
            Backend &be = side == 0 ? m_cuda : m_cpu;
            KvLayer cache;
            cache.k = (side == 0 ? m_gk : m_ck)->p();
            cache.v = (side == 0 ? m_gv : m_cv)->p();
            cache.type = m_type;
            cache.n_ctx = m_n_ctx;
            Buffer bq(be, q), bk(be, k), bv(be, v), out(be, n_out * sizeof(float));
            be.attention(cache, pos0, bq.f(), ldq, bk.f(), ldk, bv.f(), ldv, n, s, out.f());
            ASSERT_TRUE(be.sync().ok()) << what;
            (side == 0 ? got : want) = out.floats(n_out);
        }
        const double tol = m_type == KvType::f16 ? tol_f16 : 1e-5;
        expect_close(got, want, tol,
                     what + (m_type == KvType::f16 ? " f16" : " f32") + " pos0 " + std::to_string(pos0) +
                         " n " + std::to_string(n));
    }

private:
    Backend &m_cuda, &m_cpu;
    KvType m_type;
    int64_t m_n_ctx;
    AttentionShape m_s;
    std::unique_ptr<Buffer> m_gk, m_gv, m_ck, m_cv;
};

std::string name(const Shape &sh) {
    return "H " + std::to_string(sh.n_head) + " Hkv " + std::to_string(sh.n_head_kv) + " hd " +
           std::to_string(sh.hd_k) + "/" + std::to_string(sh.hd_v);
}

// Prefill batches at 0 and after earlier rows, then decode steps, for every ratio and head dim.
TEST(CudaAttention, PrefillThenDecode) {
    ND_BACKENDS_OR_SKIP();
    const Shape shapes[] = {{4, 4, 8, 8},      {8, 4, 40, 40}, {8, 2, 64, 64}, {8, 1, 72, 72},
                            {16, 2, 128, 128}, {4, 2, 64, 40}, {6, 3, 40, 72}, {2, 1, 256, 256}};
    uint32_t seed = 100;
    for (KvType type : {KvType::f32, KvType::f16}) {
        for (const Shape &sh : shapes) {
            Pair p(cuda, cpu, sh, type, 1024);
            int64_t pos = 0;
            // prefill sizes (the tiled kernel for n > 4, the split-KV kernel for n <= 4)
            for (int64_t n : {7, 1, 2, 64, 300}) {
                p.step(pos, n, seed += 3, name(sh));
                pos += n;
            }
            for (int i = 0; i < 3; ++i, ++pos)
                p.step(pos, 1, seed += 3, name(sh) + " decode");
            p.step(pos, 4, seed += 3, name(sh) + " decode n 4");
        }
    }
}

// n = 1, 2 and 64 as the very first call (pos0 = 0).
TEST(CudaAttention, FirstCallSizes) {
    ND_BACKENDS_OR_SKIP();
    const Shape sh{8, 8, 64, 64};
    for (KvType type : {KvType::f32, KvType::f16})
        for (int64_t n : {1, 2, 5, 64, 300}) {
            Pair p(cuda, cpu, sh, type, 512);
            p.step(0, n, 7 + static_cast<uint32_t>(n), "first call");
        }
}

// Long contexts: a 3000-token prefill, then decode steps around a few thousand; n_ctx 8192 (64 splits of
// 128 rows, most empty) and 40000 (the chunk grows past 128 rows so splits stay <= 256).
TEST(CudaAttention, LongContextDecode) {
    ND_BACKENDS_OR_SKIP();
    const Shape sh{32, 8, 128, 128};
    for (KvType type : {KvType::f16, KvType::f32}) {
        for (int64_t n_ctx : {int64_t{8192}, int64_t{40000}}) {
            Pair p(cuda, cpu, sh, type, n_ctx);
            p.step(0, 3000, 500, "long prefill");
            for (int64_t pos = 3000; pos < 3003; ++pos)
                p.step(pos, 1, 600 + static_cast<uint32_t>(pos), "long decode");
            p.step(3003, 3, 700, "long decode n 3");
        }
    }
}

// The tensor-core prefill (f16 cache, head dims 64 and 128, batches of 64 tokens or more): Q and P are split
// into two f16 parts each, so the result keeps f32-like accuracy (the f16 cache values are exact inputs) —
// checked at 3e-5, far below what f16 rounding of Q or P would give (~1e-3). Odd batch sizes leave partial
// query tiles; later batches start mid-tile of the 64-key walk; GQA ratios 1, 4 and 16.
TEST(CudaAttention, TensorCorePrefillKeepsF32Accuracy) {
    ND_BACKENDS_OR_SKIP();
    const Shape shapes[] = {{32, 2, 128, 128}, {8, 8, 64, 64}, {12, 3, 128, 128}, {4, 1, 64, 64}};
    uint32_t seed = 2000;
    for (const Shape &sh : shapes) {
        Pair p(cuda, cpu, sh, KvType::f16, 4096);
        int64_t pos = 0;
        for (int64_t n : {64, 65, 200, 1000, 129}) {
            p.step(pos, n, seed += 3, name(sh) + " tensor cores", 3e-5);
            pos += n;
        }
        p.step(pos, 1, seed += 3, name(sh) + " decode after", 3e-5);
    }
}

// A large n_ctx with only a few rows used: empty splits must not disturb the result.
TEST(CudaAttention, LargeContextFewRows) {
    ND_BACKENDS_OR_SKIP();
    const Shape sh{8, 2, 40, 40};
    Pair p(cuda, cpu, sh, KvType::f16, 65536);
    p.step(0, 1, 900, "few rows");
    p.step(1, 1, 901, "few rows");
    p.step(2, 9, 902, "few rows prefill");
    p.step(11, 1, 903, "few rows");
}

}  // namespace
}  // namespace nd::test
