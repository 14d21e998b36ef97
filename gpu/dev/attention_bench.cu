// Workbench: times nd::cuda::attention (gpu/cuda/cuda_attention.cu) for decode (split-KV) and prefill
// (tiled) at H = 32, Hkv = 8, hd = 128, f16 cache, and validates sampled outputs against a CPU loop in
// double (the cache is read back, so the f16 rounding is the same). Prints ms, GB/s (decode: K+V bytes
// read) and TFLOP/s (prefill: 4·hd per visible (query, key) pair per head).
//
// Build and run (from the repository root):
//   nvcc -std=c++20 -O3 -arch=sm_90 -I. gpu/dev/attention_bench.cu gpu/cuda/cuda_attention.cu -o
//   /tmp/attention_bench && /tmp/attention_bench
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "gpu/cuda/cuda_kernels.h"

#define CHECK(x)                                                                                     \
    do {                                                                                             \
        cudaError_t e_ = (x);                                                                        \
        if (e_ != cudaSuccess) {                                                                     \
            std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
            std::exit(1);                                                                            \
        }                                                                                            \
    } while (0)

namespace {

constexpr int H = 32, Hkv = 8, HD = 128;

std::vector<float> rnd(size_t n, uint32_t seed) {
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (auto &x : v)
        x = d(g);
    return v;
}

// n tokens at pos0 over an f16 cache of n_ctx rows (rows below pos0 random). Returns the max relative
// error of sampled outputs.
void bench(const char *what, int64_t n_ctx, int64_t pos0, int64_t n, int reps) {
    const int64_t kv_row = Hkv * HD, q_row = H * HD;
    nd::AttentionShape s;
    s.n_head = H;
    s.n_head_kv = Hkv;
    s.head_dim_k = HD;
    s.head_dim_v = HD;
    s.scale = 1.0f / std::sqrt(float(HD));
    std::vector<__half> kc(n_ctx * kv_row), vc(n_ctx * kv_row);
    {
        auto a = rnd(size_t(pos0) * kv_row, 1), b = rnd(size_t(pos0) * kv_row, 2);
        for (size_t i = 0; i < a.size(); ++i) {
            kc[i] = __float2half_rn(a[i]);
            vc[i] = __float2half_rn(b[i]);
        }
    }
    const auto q = rnd(n * q_row, 3), k = rnd(n * kv_row, 4), v = rnd(n * kv_row, 5);
    void *dk, *dv;
    float *dq, *dkn, *dvn, *dout, *dwork = nullptr;
    int32_t *dpos;
    CHECK(cudaMalloc(&dk, kc.size() * 2));
    CHECK(cudaMalloc(&dv, vc.size() * 2));
    CHECK(cudaMemcpy(dk, kc.data(), kc.size() * 2, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dv, vc.data(), vc.size() * 2, cudaMemcpyHostToDevice));
    CHECK(cudaMalloc(&dq, q.size() * 4));
    CHECK(cudaMalloc(&dkn, k.size() * 4));
    CHECK(cudaMalloc(&dvn, v.size() * 4));
    CHECK(cudaMalloc(&dout, n * q_row * 4));
    const int64_t wf = nd::cuda::attention_work_floats(n, n_ctx, s);
    if (wf)
        CHECK(cudaMalloc(&dwork, wf * 4));
    CHECK(cudaMalloc(&dpos, 4));
    const int32_t p32 = int32_t(pos0);
    CHECK(cudaMemcpy(dpos, &p32, 4, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dq, q.data(), q.size() * 4, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dkn, k.data(), k.size() * 4, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dvn, v.data(), v.size() * 4, cudaMemcpyHostToDevice));
    nd::cuda::AttentionArgs a;
    a.k_cache = dk;
    a.v_cache = dv;
    a.kv_type = nd::KvType::f16;
    a.n_ctx = n_ctx;
    a.pos0 = dpos;
    a.q = dq;
    a.ldq = q_row;
    a.k = dkn;
    a.ldk = kv_row;
    a.v = dvn;
    a.ldv = kv_row;
    a.n = n;
    a.shape = s;
    a.out = dout;
    a.work = dwork;
    nd::cuda::attention(a, nullptr);  // warm-up (also writes the new rows)
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());
    cudaEvent_t e0, e1;
    CHECK(cudaEventCreate(&e0));
    CHECK(cudaEventCreate(&e1));
    CHECK(cudaEventRecord(e0));
    for (int r = 0; r < reps; ++r)
        nd::cuda::attention(a, nullptr);
    CHECK(cudaEventRecord(e1));
    CHECK(cudaEventSynchronize(e1));
    CHECK(cudaGetLastError());
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, e0, e1));
    ms /= reps;

    // validate sampled (token, head) outputs against the cache as stored
    std::vector<float> out(n * q_row);
    CHECK(cudaMemcpy(out.data(), dout, out.size() * 4, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(kc.data(), dk, kc.size() * 2, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(vc.data(), dv, vc.size() * 2, cudaMemcpyDeviceToHost));
    double max_err = 0, max_ref = 0;
    for (int64_t t : {int64_t(0), n / 2, n - 1}) {
        for (int h : {0, 13, H - 1}) {
            const int kvh = h / (H / Hkv);
            const int64_t n_pos = pos0 + t + 1;
            std::vector<double> sc(n_pos);
            double m = -1e300;
            for (int64_t j = 0; j < n_pos; ++j) {
                double d = 0;
                for (int i = 0; i < HD; ++i)
                    d += double(q[t * q_row + h * HD + i]) * __half2float(kc[j * kv_row + kvh * HD + i]);
                sc[j] = d * s.scale;
                m = std::max(m, sc[j]);
            }
            double l = 0;
            for (auto &x : sc)
                l += (x = std::exp(x - m));
            for (int i = 0; i < HD; ++i) {
                double o = 0;
                for (int64_t j = 0; j < n_pos; ++j)
                    o += sc[j] * __half2float(vc[j * kv_row + kvh * HD + i]);
                o /= l;
                max_err = std::max(max_err, std::abs(o - out[t * q_row + h * HD + i]));
                max_ref = std::max(max_ref, std::abs(o));
            }
        }
    }
    double work_pairs = 0;  // visible (query, key) pairs per head
    for (int64_t t = 0; t < n; ++t)
        work_pairs += double(pos0 + t + 1);
    const double bytes = 2.0 * double(pos0 + n) * kv_row * 2.0;  // K and V, f16, read once per group
    const double flops = 4.0 * HD * work_pairs * H;
    std::printf(
        "%-8s n_ctx %6lld pos0 %6lld n %5lld | %8.3f ms | %7.1f GB/s | %6.2f TFLOP/s | rel err %.2e\n", what,
        (long long)n_ctx, (long long)pos0, (long long)n, ms, bytes / ms / 1e6, flops / ms / 1e9,
        max_err / std::max(max_ref, 1e-30));
    cudaFree(dk);
    cudaFree(dv);
    cudaFree(dq);
    cudaFree(dkn);
    cudaFree(dvn);
    cudaFree(dout);
    cudaFree(dwork);
    cudaFree(dpos);
}

}  // namespace

int main() {
    cudaDeviceProp prop{};
    CHECK(cudaGetDeviceProperties(&prop, 0));
    std::printf("%s, H %d Hkv %d hd %d, f16 cache\n", prop.name, H, Hkv, HD);
    bench("decode", 4096, 4095, 1, 200);
    bench("decode", 32768, 4095, 1, 200);
    bench("decode", 32768, 32767, 1, 100);
    bench("prefill", 4096, 0, 512, 10);
    bench("prefill", 4096, 0, 4096, 3);
    return 0;
}
