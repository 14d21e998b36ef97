// Mamba-2 selective scan for long prompts: the chunked SSD (state-space duality) form of the op that
// cuda_ssm_scan.cu computes as a recurrence (backend.h ssm_scan, spec §2.4.1 steps 4-6, §5.3). Within a
// chunk of kSsdChunkTokens tokens the scan is a few small matrix products; only the chunk states are carried
// from chunk to chunk. Its host twin, the same algorithm as loops validated against the CPU backend's
// sequential scan: tests/gpu/cpu/ssm_chunked_reference_test.cpp.
//
//   xbc    (n, conv_dim)  rows stride ld_xbc: x = [0, Di) viewed (nh, P), B = [Di, Di+GN) viewed (G, N),
//                         C = [Di+GN, Di+2GN) viewed (G, N)
//   dt_raw (n, nh)        rows stride ld_dt
//   dt_bias, a, d (nh)
//   state  (nh, P, N)     f32: the state before token 0 on entry, the state after token n−1 on return
//   y      (n, Di)        contiguous
//   work                  ssm_scan_chunked_work_floats(n, s) floats of device scratch
//
// For head h (group g = h / (nh/G)) and a chunk of tokens 0..len−1 (len ≤ L = kSsdChunkTokens):
//   dt_t = softplus(dt_raw[t][h] + dt_bias[h]),  l_t = dt_t · a[h]   (dA_t = exp(l_t) in the sequential scan)
//   seg(t, s) = Σ_{k=s+1..t} l_k for s ≤ t,   cum(t) = Σ_{k=0..t} l_k
//   y_t    = Σ_{s≤t} (C_t·B_s) · exp(seg(t,s)) · dt_s · x_s      intra-chunk: (CBᵀ ⊙ decay mask ⊙ dt) · X
//          + exp(cum(t)) · S_prev C_t                           the state entering the chunk
//          + D · x_t
//   S_next = exp(cum(len−1)) · S_prev + Σ_s exp(seg(len−1,s)) · dt_s · x_s ⊗ B_s
// The segment sums are summed directly (a running sum down each column of the chunk), never formed as
// differences of cumulative sums: l ≤ 0, so every exponent is ≤ 0 (exp never overflows) and carries no
// cancellation error. (cum(t) − cum(s) loses digits when cum(s) is large: 17× the error in the host twin.)
//
// Launches, per pass over up to kSsdMaxChunks chunks (scratch is bounded by the pass, not by n):
//   1. cb_kernel     block per (chunk, group):  CB[t][s] = C_t · B_s                      (L×L, K = N)
//   2. state_kernel  block per (chunk, head, 64×64 tile of (P, N)): the chunk's own state
//                    S_loc[p][i] = Σ_s w_s x_s[p] B_s[i], w_s = exp(seg(len−1,s)) dt_s; and exp(cum(len−1))
//   3. pass_kernel   thread per state element (h, p, i): in chunk order, S_loc[c] ← the state entering
//                    chunk c, S ← exp(cum_c(len−1)) · S + S_loc[c]; the last S is written to `state`
//   4. out_kernel    block per (chunk, head, 64 columns of P): y = G · X + diag(exp(cum)) C · S_prevᵀ + D x,
//                    G[t][s] = CB[t][s] · exp(seg(t,s)) · dt_s (s ≤ t), built in shared memory
// The products are shared-memory tiled (256 threads, a 64×64 output tile, 4×4 outputs per thread in rows
// ty + 16r and columns tx + 16c, k-tiles of 16); odd P and N are bounds-checked, zero-padded tiles.
// Grids are one-dimensional in (chunk, head) with the chunk slowest, so the blocks that share a chunk's B
// and C run together.
//
// Precision: f32 throughout (no tensor cores). Against the sequential kernel the sums are reassociated:
// decays are exp of summed logs rather than products of exps, and a state's terms are added in another
// order. The host twin agrees with the CPU's sequential scan to ~1e-6 of max |y| and of max |state|.
#include <algorithm>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int kL = static_cast<int>(kSsdChunkTokens);  // tokens per chunk
// Chunks per pass: the scratch holds one state per (head, chunk) of a pass, so it is at most 16 states
// (64 MiB at Nemotron-H's 4 MiB) whatever n; a pass of 1024 tokens still gives 16 · nh blocks per launch.
constexpr int64_t kSsdMaxChunks = 16;
constexpr int kThreads = 256;
constexpr int kTile = 64;             // output tile edge of the products
constexpr int kK = 16;                // k-tile depth
constexpr int kMicro = 4;             // outputs per thread per dimension (kTile / 16)
constexpr int kSegs = kThreads / kL;  // row segments per column when building the decay mask
static_assert(kL == kTile, "the chunk is one output tile of rows");
static_assert(kThreads == (kTile / kMicro) * (kTile / kMicro), "16×16 threads of 4×4 outputs");
static_assert(kL % kSegs == 0 && kThreads > kL, "mask segments and the cum thread");

struct SsdArgs {
    const float *xbc;
    int64_t ld_xbc;
    const float *dt_raw;
    int64_t ld_dt;
    const float *dt_bias;
    const float *a;
    const float *d;
    float *state;  // (nh, P, N)
    float *y;      // (n, Di)
    int64_t nh, P, N, G, Di;
    // This pass: tokens [t0, t0 + n_tok), chunks 0..n_chunks−1 of it.
    int64_t t0, n_tok, n_chunks;
    float *cb;      // (G, n_chunks, L, L)
    float *states;  // (nh, n_chunks, P, N): the chunk's own state, then the state entering the chunk
    float *decay;   // (nh, n_chunks): exp(cum(len−1))
};

// Tokens in chunk c of the pass (kL except for the last chunk).
__device__ __forceinline__ int chunk_len(const SsdArgs &a, int64_t c) {
    const int64_t left = a.n_tok - c * kL;
    return left < kL ? static_cast<int>(left) : kL;
}

// dt_t and l_t of chunk c of head h into shared memory (zeros past the chunk's end); returns len.
__device__ __forceinline__ int load_dt(const SsdArgs &a, int64_t h, int64_t c, float *dt, float *l) {
    const int64_t tc = a.t0 + c * kL;
    const int len = chunk_len(a, c);
    const int k = threadIdx.x;
    if (k < kL) {
        float v = 0.0f;
        if (k < len)
            v = ssm_softplus(a.dt_raw[(tc + k) * a.ld_dt + h] + a.dt_bias[h]);
        dt[k] = v;
        l[k] = v * a.a[h];
    }
    return len;
}

// acc[r][q] += Σ_k As[k][ty + 16r] · Bs[k][tx + 16q] over one k-tile (both tiles [kK][stride]).
template <int SA, int SB>
__device__ __forceinline__ void mma_tile(const float (&As)[kK][SA], const float (&Bs)[kK][SB],
                                         float (&acc)[kMicro][kMicro], int ty, int tx) {
#pragma unroll
    for (int k = 0; k < kK; ++k) {
        float av[kMicro], bv[kMicro];
#pragma unroll
        for (int r = 0; r < kMicro; ++r)
            av[r] = As[k][ty + 16 * r];
#pragma unroll
        for (int q = 0; q < kMicro; ++q)
            bv[q] = Bs[k][tx + 16 * q];
#pragma unroll
        for (int r = 0; r < kMicro; ++r)
#pragma unroll
            for (int q = 0; q < kMicro; ++q)
                acc[r][q] = fmaf(av[r], bv[q], acc[r][q]);
    }
}

// 1. CB[t][s] = Σ_i C_t[i] · B_s[i] for one (chunk, group); rows and columns past len are zero.
__global__ void __launch_bounds__(kThreads) cb_kernel(const SsdArgs a) {
    __shared__ float Cs[kK][kL + 1];  // Cs[i][t]
    __shared__ float Bs[kK][kL + 1];  // Bs[i][s]
    const int64_t c = blockIdx.x / a.G, g = blockIdx.x % a.G;
    const int64_t tc = a.t0 + c * kL;
    const int len = chunk_len(a, c);
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const float *B = a.xbc + tc * a.ld_xbc + a.Di + g * a.N;
    const float *C = a.xbc + tc * a.ld_xbc + a.Di + a.G * a.N + g * a.N;
    float acc[kMicro][kMicro] = {};
    for (int64_t i0 = 0; i0 < a.N; i0 += kK) {
        for (int e = tid; e < kK * kL; e += kThreads) {  // 16 consecutive i per row: coalesced
            const int k = e % kK, t = e / kK;
            const bool in = t < len && i0 + k < a.N;
            Cs[k][t] = in ? C[t * a.ld_xbc + i0 + k] : 0.0f;
            Bs[k][t] = in ? B[t * a.ld_xbc + i0 + k] : 0.0f;
        }
        __syncthreads();
        mma_tile(Cs, Bs, acc, ty, tx);
        __syncthreads();
    }
    float *out = a.cb + (g * a.n_chunks + c) * kL * kL;  // (L, L)
#pragma unroll
    for (int r = 0; r < kMicro; ++r)
#pragma unroll
        for (int q = 0; q < kMicro; ++q)
            out[(ty + 16 * r) * kL + tx + 16 * q] = acc[r][q];
}

// 2. The chunk's own state S_loc[p][i] = Σ_s w_s · x_s[p] · B_s[i] for one 64×64 tile of (P, N), and the
// chunk's decay exp(cum(len−1)).
__global__ void __launch_bounds__(kThreads) state_kernel(const SsdArgs a) {
    __shared__ float dt[kL], l[kL], w[kL];
    __shared__ float Xs[kK][kTile];  // Xs[s][p] = w_s · x_s[p]
    __shared__ float Bs[kK][kTile];  // Bs[s][i]
    const int64_t c = blockIdx.x / a.nh, h = blockIdx.x % a.nh, g = h / (a.nh / a.G);
    const int64_t p0 = static_cast<int64_t>(blockIdx.y) * kTile,
                  i0 = static_cast<int64_t>(blockIdx.z) * kTile;
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int len = load_dt(a, h, c, dt, l);
    __syncthreads();
    if (tid < len) {
        float r = 0.0f;  // seg(len−1, tid)
        for (int k = tid + 1; k < len; ++k)
            r += l[k];
        w[tid] = expf(r) * dt[tid];
    } else if (tid == kL && blockIdx.y == 0 && blockIdx.z == 0) {
        float cum = 0.0f;  // cum(len−1)
        for (int k = 0; k < len; ++k)
            cum += l[k];
        a.decay[h * a.n_chunks + c] = expf(cum);
    }
    __syncthreads();

    const int64_t tc = a.t0 + c * kL;
    const float *X = a.xbc + tc * a.ld_xbc + h * a.P;
    const float *B = a.xbc + tc * a.ld_xbc + a.Di + g * a.N;
    float acc[kMicro][kMicro] = {};
    for (int s0 = 0; s0 < len; s0 += kK) {
        for (int e = tid; e < kK * kTile; e += kThreads) {  // consecutive p (i): coalesced
            const int k = e / kTile, j = e % kTile, s = s0 + k;
            Xs[k][j] = s < len && p0 + j < a.P ? w[s] * X[s * a.ld_xbc + p0 + j] : 0.0f;
            Bs[k][j] = s < len && i0 + j < a.N ? B[s * a.ld_xbc + i0 + j] : 0.0f;
        }
        __syncthreads();
        mma_tile(Xs, Bs, acc, ty, tx);
        __syncthreads();
    }
    float *S = a.states + (h * a.n_chunks + c) * a.P * a.N;  // (P, N)
#pragma unroll
    for (int r = 0; r < kMicro; ++r) {
        const int64_t p = p0 + ty + 16 * r;
#pragma unroll
        for (int q = 0; q < kMicro; ++q) {
            const int64_t i = i0 + tx + 16 * q;
            if (p < a.P && i < a.N)
                S[p * a.N + i] = acc[r][q];
        }
    }
}

// 3. The states from chunk to chunk, one thread per state element; grid.x = nh · ⌈P·N / kThreads⌉.
__global__ void __launch_bounds__(kThreads) pass_kernel(const SsdArgs a, int64_t blocks_per_head) {
    const int64_t h = blockIdx.x / blocks_per_head, PN = a.P * a.N;
    const int64_t e = (blockIdx.x % blocks_per_head) * kThreads + threadIdx.x;
    if (e >= PN)
        return;
    float *st = a.state + h * PN + e;
    float S = *st;
    for (int64_t c = 0; c < a.n_chunks; ++c) {
        float *slot = a.states + (h * a.n_chunks + c) * PN + e;
        const float loc = *slot;
        *slot = S;  // the state entering chunk c
        S = fmaf(a.decay[h * a.n_chunks + c], S, loc);
    }
    *st = S;
}

// 4. y for one (chunk, head) and 64 columns of P.
__global__ void __launch_bounds__(kThreads) out_kernel(const SsdArgs a) {
    __shared__ float dt[kL], l[kL], ec[kL];
    __shared__ float Gm[kL][kL + 1];  // Gm[t][s] = CB[t][s] · exp(seg(t,s)) · dt_s, s ≤ t < len; else 0
    __shared__ float As[kK][kL + 1];  // As[i][t] = exp(cum(t)) · C_t[i]
    __shared__ float Bs[kK][kTile + 1];  // Bs[s][p] = x_s[p], then Bs[i][p] = S_prev[p][i]
    const int64_t c = blockIdx.x / a.nh, h = blockIdx.x % a.nh, g = h / (a.nh / a.G);
    const int64_t p0 = static_cast<int64_t>(blockIdx.y) * kTile;
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int len = load_dt(a, h, c, dt, l);
    __syncthreads();

    // exp(cum(t)) for the entering state's term.
    if (tid < kL) {
        float cum = 0.0f;
        for (int k = 0; k <= tid && k < len; ++k)
            cum += l[k];
        ec[tid] = tid < len ? expf(cum) : 0.0f;
    }
    // The decay mask with dt and CB folded in: column s = tid % L, rows [seg·L/kSegs, (seg+1)·L/kSegs).
    // r starts as Σ_{k=s+1..row0−1} l_k, then runs down the segment: seg(t, s) = Σ_{k=s+1..t} l_k.
    {
        const int s = tid % kL, row0 = (tid / kL) * (kL / kSegs);
        const float *cb = a.cb + (g * a.n_chunks + c) * kL * kL;
        float r = 0.0f;
        for (int k = s + 1; k < row0; ++k)
            r += l[k];
        for (int t = row0; t < row0 + kL / kSegs; ++t) {
            float v = 0.0f;
            if (t < len && s <= t) {
                if (t > s)
                    r += l[t];
                v = cb[t * kL + s] * expf(r) * dt[s];
            }
            Gm[t][s] = v;
        }
    }
    __syncthreads();

    const int64_t tc = a.t0 + c * kL;
    const float *X = a.xbc + tc * a.ld_xbc + h * a.P;
    const float *C = a.xbc + tc * a.ld_xbc + a.Di + a.G * a.N + g * a.N;
    const float *Sp = a.states + (h * a.n_chunks + c) * a.P * a.N;  // (P, N): the state entering the chunk
    float acc[kMicro][kMicro] = {};

    // Intra-chunk: Σ_s Gm[t][s] · x_s[p].
    for (int s0 = 0; s0 < len; s0 += kK) {
        for (int e = tid; e < kK * kTile; e += kThreads) {
            const int k = e / kTile, j = e % kTile, s = s0 + k;
            Bs[k][j] = s < len && p0 + j < a.P ? X[s * a.ld_xbc + p0 + j] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < kK; ++k) {
            float av[kMicro], bv[kMicro];
#pragma unroll
            for (int r = 0; r < kMicro; ++r)
                av[r] = Gm[ty + 16 * r][s0 + k];
#pragma unroll
            for (int q = 0; q < kMicro; ++q)
                bv[q] = Bs[k][tx + 16 * q];
#pragma unroll
            for (int r = 0; r < kMicro; ++r)
#pragma unroll
                for (int q = 0; q < kMicro; ++q)
                    acc[r][q] = fmaf(av[r], bv[q], acc[r][q]);
        }
        __syncthreads();
    }

    // The entering state: Σ_i exp(cum(t)) · C_t[i] · S_prev[p][i].
    for (int64_t i0 = 0; i0 < a.N; i0 += kK) {
        for (int e = tid; e < kK * kTile; e += kThreads) {  // 16 consecutive i per row: coalesced
            const int k = e % kK, j = e / kK;
            const bool i_ok = i0 + k < a.N;
            As[k][j] = i_ok && j < len ? ec[j] * C[j * a.ld_xbc + i0 + k] : 0.0f;
            Bs[k][j] = i_ok && p0 + j < a.P ? Sp[(p0 + j) * a.N + i0 + k] : 0.0f;
        }
        __syncthreads();
        mma_tile(As, Bs, acc, ty, tx);
        __syncthreads();
    }

    const float D = a.d[h];
#pragma unroll
    for (int r = 0; r < kMicro; ++r) {
        const int t = ty + 16 * r;
        if (t >= len)
            continue;
#pragma unroll
        for (int q = 0; q < kMicro; ++q) {
            const int64_t p = p0 + tx + 16 * q;
            if (p < a.P)
                a.y[(tc + t) * a.Di + h * a.P + p] = __fadd_rn(acc[r][q], __fmul_rn(X[t * a.ld_xbc + p], D));
        }
    }
}

int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

}  // namespace

int64_t ssm_scan_chunked_work_floats(int64_t n, const MambaShape &s) {
    const int64_t nc = std::min<int64_t>(kSsdMaxChunks, ceil_div(std::max<int64_t>(n, 1), kL));
    return s.n_group * nc * kL * kL + s.n_head * nc * s.head_dim() * s.d_state + s.n_head * nc;
}

void ssm_scan_chunked(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt,
                      const float *dt_bias, const float *a, const float *d, int64_t n, float *state,
                      const MambaShape &s, float *y, float *work, cudaStream_t stream) {
    if (n <= 0 || s.n_head <= 0 || s.d_inner <= 0 || s.d_state <= 0 || s.n_group <= 0)
        return;
    SsdArgs args{xbc,          ld_xbc,    dt_raw,    ld_dt,     dt_bias, a, d, state,   y,       s.n_head,
                 s.head_dim(), s.d_state, s.n_group, s.d_inner, 0,       0, 0, nullptr, nullptr, nullptr};
    const int64_t nh = args.nh, P = args.P, N = args.N, G = args.G;
    const int64_t pass_tokens = kSsdMaxChunks * kL;
    for (int64_t t0 = 0; t0 < n; t0 += pass_tokens) {
        args.t0 = t0;
        args.n_tok = std::min(pass_tokens, n - t0);
        args.n_chunks = ceil_div(args.n_tok, kL);
        // The pass's scratch, laid out as ssm_scan_chunked_work_floats counts it.
        args.cb = work;
        args.states = args.cb + G * args.n_chunks * kL * kL;
        args.decay = args.states + nh * args.n_chunks * P * N;
        const auto chunk_heads = static_cast<unsigned>(args.n_chunks * nh);
        cb_kernel<<<static_cast<unsigned>(args.n_chunks * G), kThreads, 0, stream>>>(args);
        state_kernel<<<dim3(chunk_heads, static_cast<unsigned>(ceil_div(P, kTile)),
                            static_cast<unsigned>(ceil_div(N, kTile))),
                       kThreads, 0, stream>>>(args);
        const int64_t blocks_per_head = ceil_div(P * N, kThreads);
        pass_kernel<<<static_cast<unsigned>(nh * blocks_per_head), kThreads, 0, stream>>>(args,
                                                                                          blocks_per_head);
        out_kernel<<<dim3(chunk_heads, static_cast<unsigned>(ceil_div(P, kTile))), kThreads, 0, stream>>>(
            args);
    }
}

}  // namespace nd::cuda
