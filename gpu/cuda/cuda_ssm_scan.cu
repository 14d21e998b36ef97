// Mamba-2 selective scan (backend.h ssm_scan, spec §2.4.1 steps 4-6; CPU twin gpu/cpu/cpu_mamba.cpp
// ssm_scan with SimdKernels::scan_head).
//
//   xbc    (n, conv_dim)   rows stride ld_xbc: x = [0, Di) viewed (nh, P), B = [Di, Di+GN) viewed (G, N),
//                          C = [Di+GN, Di+2GN) viewed (G, N)
//   dt_raw (n, nh)         rows stride ld_dt
//   dt_bias, a, d (nh)
//   state  (nh, P, N)      f32, updated in place
//   y      (n, Di)         contiguous
// For each token t in order, head h (group g = h / (nh / G)), row p and state index i:
//   dt = softplus(dt_raw[t][h] + dt_bias[h]), dA = expf(dt · a[h])
//   S[h][p][i] = S[h][p][i] · dA + B[g][i] · (x[h][p] · dt)
//   y[t][h][p] = Σ_i S[h][p][i] · C[g][i] + x[h][p] · d[h]
//
// Launch: a row (h, p) of the state belongs to a segment of L lanes of a warp (L = 8, 16 or 32, the
// smallest power of two ≥ N up to 32); lane l holds S[h][p][l + j·L] for j < K in registers (K·L ≥ N,
// K ≤ 8, so N ≤ 256; larger N reads and writes the state in global memory instead). A block of
// kScanWarps warps holds kScanWarps · 32 / L consecutive rows of one head; grid.x = nh · ⌈P / rows⌉
// (one dimension: no 65535 limit). The recurrence runs through the batch's tokens inside the kernel
// (decode: one token), with the next token's B, C, x and dt loaded while the current one is computed; the
// Σ over i is a lane sum then a shuffle tree inside the segment. The state is read once at the start
// and written once at the end. All lanes run every token (rows past P compute on zeros and store
// nothing), so the shuffles are convergent.
//
// Precision: f32 throughout, the element update as the CPU's AVX-512 kernel computes it (one FMA:
// fmaf(S, dA, B · x·dt)); softplus(v) = v > 20 ? v : log1pf(expf(v)). The Σ over i runs in a different
// order from the CPU's SIMD lanes, and CUDA's expf/log1pf may differ from glibc's by an ulp, so results
// agree to rounding (about 1e-6 relative), not bit for bit.
#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int kScanWarps = 4;
constexpr int kScanThreads = kScanWarps * kWarp;

struct ScanArgs {
    const float *xbc;
    int64_t ld_xbc;
    const float *dt_raw;
    int64_t ld_dt;
    const float *dt_bias;
    const float *a;
    const float *d;
    int64_t n;
    float *state;
    float *y;
    int64_t nh, P, N, G, Di;
    int64_t tiles_per_head;  // ⌈P / rows per block⌉
};

// One token's inputs for one lane: B and C at its K state indices, x at its row, dt_raw at its head.
template <int K>
struct TokenIn {
    float b[K > 0 ? K : 1];
    float c[K > 0 ? K : 1];
    float x;
    float dt_raw;
};

// L lanes per state row, K state values per lane in registers (K = 0: the state stays in global memory).
template <int L, int K>
__global__ void __launch_bounds__(kScanThreads) scan_kernel(const ScanArgs a) {
    constexpr int kRowsPerBlock = kScanThreads / L;
    const int64_t h = blockIdx.x / a.tiles_per_head;
    const int64_t tile = blockIdx.x % a.tiles_per_head;
    const int lane = threadIdx.x % L;
    const int64_t p = tile * kRowsPerBlock + threadIdx.x / L;
    const bool row_ok = p < a.P;
    const int64_t g = h / (a.nh / a.G);  // repeat_interleave, not modulo (spec §2.4.1 step 5)
    const int64_t N = a.N;
    float *S = a.state + (h * a.P + (row_ok ? p : 0)) * N;  // (N): this row's state
    const float A = a.a[h], D = a.d[h], dt_bias = a.dt_bias[h];
    const int64_t b_off = a.Di + g * N, c_off = a.Di + a.G * N + g * N, x_off = h * a.P + p;

    float s[K > 0 ? K : 1];
    if constexpr (K > 0) {
#pragma unroll
        for (int j = 0; j < K; ++j) {
            const int64_t i = lane + j * L;
            s[j] = row_ok && i < N ? S[i] : 0.0f;
        }
    }

    auto load = [&](int64_t t, TokenIn<K> &in) {
        const float *row = a.xbc + t * a.ld_xbc;  // (conv_dim)
        in.x = row_ok ? row[x_off] : 0.0f;
        in.dt_raw = a.dt_raw[t * a.ld_dt + h];
        if constexpr (K > 0) {
#pragma unroll
            for (int j = 0; j < K; ++j) {
                const int64_t i = lane + j * L;
                in.b[j] = i < N ? row[b_off + i] : 0.0f;
                in.c[j] = i < N ? row[c_off + i] : 0.0f;
            }
        }
    };

    TokenIn<K> cur, nxt;
    load(0, cur);
    nxt = cur;
    for (int64_t t = 0; t < a.n; ++t) {
        if (t + 1 < a.n)
            load(t + 1, nxt);
        const float dt = ssm_softplus(cur.dt_raw + dt_bias);
        const float dA = expf(dt * A);
        const float x_dt = cur.x * dt;
        float sum = 0.0f;
        if constexpr (K > 0) {
#pragma unroll
            for (int j = 0; j < K; ++j) {
                s[j] = fmaf(s[j], dA, __fmul_rn(cur.b[j], x_dt));
                sum = fmaf(s[j], cur.c[j], sum);
            }
        } else {
            const float *row = a.xbc + t * a.ld_xbc;
            for (int64_t i = lane; i < N; i += L) {
                const float v = row_ok ? fmaf(S[i], dA, __fmul_rn(row[b_off + i], x_dt)) : 0.0f;
                if (row_ok)
                    S[i] = v;
                sum = fmaf(v, row[c_off + i], sum);
            }
        }
#pragma unroll
        for (int o = L / 2; o > 0; o >>= 1)
            sum += __shfl_xor_sync(0xffffffffu, sum, o);
        if (row_ok && lane == 0)
            a.y[t * a.Di + x_off] = __fadd_rn(sum, __fmul_rn(cur.x, D));  // unfused, like the CPU
        cur = nxt;
    }

    if constexpr (K > 0) {
        if (row_ok) {
#pragma unroll
            for (int j = 0; j < K; ++j) {
                const int64_t i = lane + j * L;
                if (i < N)
                    S[i] = s[j];
            }
        }
    }
}

template <int L, int K>
void launch(const ScanArgs &base, cudaStream_t stream) {
    constexpr int kRowsPerBlock = kScanThreads / L;
    ScanArgs a = base;
    a.tiles_per_head = (a.P + kRowsPerBlock - 1) / kRowsPerBlock;
    const int64_t blocks = a.nh * a.tiles_per_head;
    scan_kernel<L, K><<<static_cast<unsigned>(blocks), kScanThreads, 0, stream>>>(a);
}

}  // namespace

void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt, const float *dt_bias,
              const float *a, const float *d, int64_t n, float *state, const MambaShape &s, float *y,
              cudaStream_t stream) {
    if (n <= 0 || s.n_head <= 0 || s.d_inner <= 0 || s.d_state <= 0)
        return;
    ScanArgs args{xbc,   ld_xbc, dt_raw,   ld_dt,        dt_bias,   a,         d,         n,
                  state, y,      s.n_head, s.head_dim(), s.d_state, s.n_group, s.d_inner, 0};
    const int64_t N = s.d_state;
    if (N <= 8)
        launch<8, 1>(args, stream);
    else if (N <= 16)
        launch<16, 1>(args, stream);
    else if (N <= 32)
        launch<32, 1>(args, stream);
    else if (N <= 64)
        launch<32, 2>(args, stream);
    else if (N <= 128)
        launch<32, 4>(args, stream);
    else if (N <= 256)
        launch<32, 8>(args, stream);
    else
        launch<32, 0>(args, stream);
}

}  // namespace nd::cuda
