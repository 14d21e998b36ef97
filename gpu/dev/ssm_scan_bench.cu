// Workbench for the Mamba-2 selective scan: times the sequential kernel (gpu/cuda/cuda_ssm_scan.cu,
// nd::cuda::ssm_scan) and the chunked SSD kernel (gpu/cuda/cuda_ssm_scan_chunked.cu,
// nd::cuda::ssm_scan_chunked, which CudaBackend::ssm_scan uses from kSsdChunkTokens tokens) on Nemotron-H 8B
// shapes (nh 128, head_dim 64, d_state 128, 8 groups: the shape of gpu/dev/NOTES.md's table) and Nemotron 3
// Nano's (nh 64, the rest the same), for one decode token (sequential only) and prefills of 64, 512 and
// 4096 tokens. Validates each against a plain CPU loop (a few heads, to keep the CPU side short) and prints
// a table; "x seq" is the chunked kernel's speed-up over the sequential one at the same shape and length.
//
// Build (from the repository root):
//   /usr/local/cuda/bin/nvcc -std=c++20 -O3 -arch=sm_90 -I. gpu/dev/ssm_scan_bench.cu
//   gpu/cuda/cuda_ssm_scan.cu gpu/cuda/cuda_ssm_scan_chunked.cu -o /tmp/ssm_scan_bench
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "gpu/cuda/cuda_kernels.h"

namespace {

#define CHECK(call)                                                                                     \
    do {                                                                                                \
        const cudaError_t e_ = (call);                                                                  \
        if (e_ != cudaSuccess) {                                                                        \
            std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
            return 1;                                                                                   \
        }                                                                                               \
    } while (0)

std::vector<float> random_vec(size_t n, uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float &x : v)
        x = dist(rng);
    return v;
}

float softplus(float x) {
    return x > 20.0f ? x : std::log1p(std::exp(x));
}

// The CPU twin's arithmetic (cpu_mamba.cpp + the SIMD scan_row's FMA), for the heads in `heads`.
void scan_ref(const std::vector<float> &xbc, int64_t ld, const std::vector<float> &dt_raw, int64_t ld_dt,
              const std::vector<float> &dt_bias, const std::vector<float> &a, const std::vector<float> &d,
              int64_t n, std::vector<float> &state, const nd::MambaShape &s, std::vector<float> &y,
              const std::vector<int64_t> &heads) {
    const int64_t P = s.head_dim(), N = s.d_state, G = s.n_group, Di = s.d_inner, hpg = s.n_head / G;
    for (int64_t h : heads) {
        const int64_t g = h / hpg;
        for (int64_t t = 0; t < n; ++t) {
            const float *row = xbc.data() + t * ld;
            const float dt = softplus(dt_raw[t * ld_dt + h] + dt_bias[h]);
            const float dA = std::exp(dt * a[h]);
            for (int64_t p = 0; p < P; ++p) {
                const float x = row[h * P + p], x_dt = x * dt;
                float *S = state.data() + (h * P + p) * N;
                float sum = 0.0f;
                for (int64_t i = 0; i < N; ++i) {
                    S[i] = std::fma(S[i], dA, row[Di + g * N + i] * x_dt);
                    sum = std::fma(S[i], row[Di + G * N + g * N + i], sum);
                }
                y[t * Di + h * P + p] = sum + x * d[h];
            }
        }
    }
}

struct Shape {
    const char *name;
    int64_t nh;
};

enum class Kernel { sequential = 1, chunked = 2 };

// Validates one kernel from state0 on the check heads, then times it; prints one row. Returns 0 or 1 (a
// CUDA error).
int bench_one(Kernel kernel, const nd::MambaShape &s, int64_t n, const std::vector<float> &xbc,
              const std::vector<float> &dt_raw, const std::vector<float> &dt_bias,
              const std::vector<float> &a, const std::vector<float> &d, const std::vector<float> &state0,
              const float *d_xbc, const float *d_dt, const float *d_dt_bias, const float *d_a,
              const float *d_d, float *d_state, float *d_y, float *d_work, double seq_ms, double *ms_out) {
    const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, Di = s.d_inner, ld = s.conv_dim(),
                  ld_dt = nh;
    const std::vector<int64_t> check_heads = {0, 1, 17, nh / 2, nh - 1};
    const int64_t state_n = nh * P * N;
    auto call = [&] {
        if (kernel == Kernel::sequential)
            nd::cuda::ssm_scan(d_xbc, ld, d_dt, ld_dt, d_dt_bias, d_a, d_d, n, d_state, s, d_y, nullptr);
        else
            nd::cuda::ssm_scan_chunked(d_xbc, ld, d_dt, ld_dt, d_dt_bias, d_a, d_d, n, d_state, s, d_y,
                                       d_work, nullptr);
    };

    // Validation: one call from state0.
    CHECK(cudaMemcpy(d_state, state0.data(), state_n * sizeof(float), cudaMemcpyHostToDevice));
    call();
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());
    std::vector<float> y(n * Di), st(state_n), y_ref(n * Di, 0.0f), st_ref = state0;
    CHECK(cudaMemcpy(y.data(), d_y, y.size() * sizeof(float), cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(st.data(), d_state, st.size() * sizeof(float), cudaMemcpyDeviceToHost));
    scan_ref(xbc, ld, dt_raw, ld_dt, dt_bias, a, d, n, st_ref, s, y_ref, check_heads);
    double max_ref = 1e-6, max_diff = 0.0;
    for (int64_t h : check_heads)
        for (int64_t t = 0; t < n; ++t)
            for (int64_t p = 0; p < P; ++p) {
                const size_t i = size_t(t * Di + h * P + p);
                max_ref = std::max(max_ref, double(std::fabs(y_ref[i])));
                max_diff = std::max(max_diff, double(std::fabs(y[i] - y_ref[i])));
            }
    double smax = 1e-6, sdiff = 0.0;
    for (int64_t h : check_heads)
        for (int64_t i = h * P * N; i < (h + 1) * P * N; ++i) {
            smax = std::max(smax, double(std::fabs(st_ref[i])));
            sdiff = std::max(sdiff, double(std::fabs(st[i] - st_ref[i])));
        }
    const double err = std::max(max_diff / max_ref, sdiff / smax);
    // The chunked kernel reassociates f32 sums over a chunk (see its header): 1e-4, the test's tolerance.
    const double tol = kernel == Kernel::sequential ? 2e-5 : 1e-4;

    // Timing.
    const int iters = n == 1 ? 200 : (n <= 512 ? 20 : 5);
    for (int i = 0; i < 3; ++i)
        call();
    cudaEvent_t e0, e1;
    CHECK(cudaEventCreate(&e0));
    CHECK(cudaEventCreate(&e1));
    CHECK(cudaEventRecord(e0));
    for (int i = 0; i < iters; ++i)
        call();
    CHECK(cudaEventRecord(e1));
    CHECK(cudaEventSynchronize(e1));
    CHECK(cudaGetLastError());
    float ms = 0.0f;
    CHECK(cudaEventElapsedTime(&ms, e0, e1));
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    ms /= float(iters);
    *ms_out = ms;
    const double gbs = 2.0 * state_n * 4.0 / (ms * 1e-3) / 1e9;  // state read + written once per call
    char speedup[32] = "";
    if (kernel == Kernel::chunked && seq_ms > 0)
        std::snprintf(speedup, sizeof speedup, "%.2f", seq_ms / ms);
    std::printf("%-12lld %-10s %12.4f %14.3f %14.1f %12.2e %8s %s\n", (long long)n,
                kernel == Kernel::sequential ? "sequential" : "chunked", ms, ms * 1e3 / double(n), gbs, err,
                speedup, err < tol ? "ok" : "FAIL");
    return 0;
}

int run_shape(const Shape &shape) {
    nd::MambaShape s;
    s.n_head = shape.nh;
    s.d_inner = shape.nh * 64;
    s.d_state = 128;
    s.n_group = 8;
    s.d_conv = 4;
    const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, Di = s.d_inner, ld = s.conv_dim(),
                  ld_dt = nh;
    const int64_t state_n = nh * P * N;
    const auto dt_bias = random_vec(nh, 1, -1.0f, 0.5f), d = random_vec(nh, 2, -1.0f, 1.0f);
    std::vector<float> a(nh);
    for (int64_t h = 0; h < nh; ++h)
        a[h] = -std::exp(-2.3f + 4.4f * float(h) / float(nh));
    const auto state0 = random_vec(state_n, 3, -0.5f, 0.5f);

    float *d_dt_bias, *d_a, *d_d, *d_state, *d_work;
    CHECK(cudaMalloc(&d_dt_bias, nh * sizeof(float)));
    CHECK(cudaMalloc(&d_a, nh * sizeof(float)));
    CHECK(cudaMalloc(&d_d, nh * sizeof(float)));
    CHECK(cudaMalloc(&d_state, state_n * sizeof(float)));
    const int64_t work_floats = nd::cuda::ssm_scan_chunked_work_floats(4096, s);  // the most any n here needs
    CHECK(cudaMalloc(&d_work, work_floats * sizeof(float)));
    CHECK(cudaMemcpy(d_dt_bias, dt_bias.data(), nh * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_a, a.data(), nh * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_d, d.data(), nh * sizeof(float), cudaMemcpyHostToDevice));

    std::printf("\nssm_scan, %s: nh %lld P %lld N %lld G %lld (state %.1f MiB, chunked scratch %.1f MiB)\n",
                shape.name, (long long)nh, (long long)P, (long long)N, (long long)s.n_group,
                state_n * 4.0 / (1 << 20), work_floats * 4.0 / (1 << 20));
    std::printf("%-12s %-10s %12s %14s %14s %12s %8s\n", "tokens", "kernel", "ms/call", "us/token",
                "state GB/s", "max rel err", "x seq");
    for (int64_t n : {int64_t{1}, int64_t{64}, int64_t{512}, int64_t{4096}}) {
        const auto xbc = random_vec(n * ld, 10 + uint32_t(n), -1.0f, 1.0f);
        const auto dt_raw = random_vec(n * ld_dt, 20 + uint32_t(n), -3.0f, 1.0f);
        float *d_xbc, *d_dt, *d_y;
        CHECK(cudaMalloc(&d_xbc, xbc.size() * sizeof(float)));
        CHECK(cudaMalloc(&d_dt, dt_raw.size() * sizeof(float)));
        CHECK(cudaMalloc(&d_y, n * Di * sizeof(float)));
        CHECK(cudaMemcpy(d_xbc, xbc.data(), xbc.size() * sizeof(float), cudaMemcpyHostToDevice));
        CHECK(cudaMemcpy(d_dt, dt_raw.data(), dt_raw.size() * sizeof(float), cudaMemcpyHostToDevice));
        double seq_ms = 0.0, chunked_ms = 0.0;
        if (bench_one(Kernel::sequential, s, n, xbc, dt_raw, dt_bias, a, d, state0, d_xbc, d_dt, d_dt_bias,
                      d_a, d_d, d_state, d_y, d_work, 0.0, &seq_ms))
            return 1;
        if (n >= nd::cuda::kSsdChunkTokens &&
            bench_one(Kernel::chunked, s, n, xbc, dt_raw, dt_bias, a, d, state0, d_xbc, d_dt, d_dt_bias, d_a,
                      d_d, d_state, d_y, d_work, seq_ms, &chunked_ms))
            return 1;
        cudaFree(d_xbc);
        cudaFree(d_dt);
        cudaFree(d_y);
    }
    cudaFree(d_dt_bias);
    cudaFree(d_a);
    cudaFree(d_d);
    cudaFree(d_state);
    cudaFree(d_work);
    return 0;
}

int run() {
    for (const Shape &shape : {Shape{"Nemotron-H 8B", 128}, Shape{"Nemotron 3 Nano 30B-A3B", 64}})
        if (run_shape(shape))
            return 1;
    return 0;
}

}  // namespace

int main() {
    return run();
}
