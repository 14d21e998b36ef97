// MoE routing and the row movements around the experts (spec §2.4.4-2.4.5; CPU twin gpu/cpu/cpu_moe.cpp).
//
// moe_route:   logits (n, E) → ids (n, k), weights (n, k).
//   p = sigmoid(logit), sel = p + bias (bias for choosing only), optional group-limited routing (a
//   group scores the sum of its two best sel; experts outside the n_group_used best groups get −inf),
//   then k times "take the largest untaken sel" in cpu::moe_route's order; w_j = p[id_j], optionally
//   divided by max(Σ w, 2^−14) (Σ in double, in top-k order), times scale.
//   Launch: one block per token (grid.x = n), blockDim = min(256, E rounded up to a warp); p, sel and the
//   taken flags in dynamic shared memory (9·E + 5·n_group bytes). Each take is a block argmax; the group
//   scores are a warp per group; the small serial parts (choosing groups, the weights) are thread 0.
//   Precision: bit-for-bit the CPU's. sigmoid = 1 / (1 + e) with e = expf(−x) computed as exp in double
//   rounded to f32 (glibc's expf is correctly rounded in practice, CUDA's expf is not); the adds and the
//   divisions are the IEEE-rounded intrinsics, so --use_fast_math cannot change them. The argmax keeps
//   the CPU's rule exactly: scanning in index order, a value replaces the best only when strictly
//   greater, so ties go to the lower index, a NaN never replaces a number, and a NaN at the first
//   untaken index is never replaced.
//
// moe_combine: y (n·k, width) rows stride ldy, weights (n, k) → out (n, width):
//   out[t] = w_0·y_0 + w_1·y_1 + … (top-k order, each product rounded, no FMA: the CPU's arithmetic).
//   A thread per output value (grid-stride, 1-D).
// gather_rows: out (n, width) = x[rows[i]] (x rows stride ldx). A thread per value.
// scatter_rows: dst[rows[i]] (rows stride ldd) = src (n, width). A thread per value.
#include <climits>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int kRouteMaxThreads = 256;
constexpr int kRowThreads = 256;
constexpr unsigned kMaxRowBlocks = 65535u * 16u;

// A candidate of an argmax: the best non-NaN value and its index (i < 0: none yet), and the lowest
// untaken index seen (INT_MAX: none).
struct Cand {
    float v;
    int i;
    int first;
};

__device__ __forceinline__ Cand cand_merge(Cand a, Cand b) {
    Cand r;
    r.first = min(a.first, b.first);
    const bool take_b = b.i >= 0 && (a.i < 0 || b.v > a.v || (b.v == a.v && b.i < a.i));
    r.v = take_b ? b.v : a.v;
    r.i = take_b ? b.i : a.i;
    return r;
}

__device__ __forceinline__ Cand cand_add(Cand c, float v, int i) {
    c.first = min(c.first, i);
    if (!isnan(v) && (c.i < 0 || v > c.v || (v == c.v && i < c.i))) {
        c.v = v;
        c.i = i;
    }
    return c;
}

__device__ __forceinline__ Cand warp_cand(Cand c) {
#pragma unroll
    for (int o = kWarp / 2; o > 0; o >>= 1) {
        Cand other;
        other.v = __shfl_xor_sync(0xffffffffu, c.v, o);
        other.i = __shfl_xor_sync(0xffffffffu, c.i, o);
        other.first = __shfl_xor_sync(0xffffffffu, c.first, o);
        c = cand_merge(c, other);
    }
    return c;
}

// cpu take_max's answer from the merged candidate: the first untaken index when its value is NaN (the
// sequential scan starts there and nothing compares greater than NaN), else the best number; 0 when
// nothing is left.
__device__ __forceinline__ int cand_pick(const Cand &c, const float *v) {
    if (c.first == INT_MAX)
        return 0;
    if (isnan(v[c.first]) || c.i < 0)
        return c.first;
    return c.i;
}

// The block's take_max over v[0, count) skipping taken[]; marks the answer taken (when something was
// left) and returns it to every thread. All threads of the block call it.
__device__ int block_take_max(const float *v, int count, unsigned char *taken, Cand *s_cand, int *s_pick) {
    Cand c{0.0f, -1, INT_MAX};
    for (int e = threadIdx.x; e < count; e += blockDim.x)
        if (!taken[e])
            c = cand_add(c, v[e], e);
    c = warp_cand(c);
    const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp, n_warps = blockDim.x / kWarp;
    if (lane == 0)
        s_cand[warp] = c;
    __syncthreads();
    if (warp == 0) {
        c = lane < n_warps ? s_cand[lane] : Cand{0.0f, -1, INT_MAX};
        c = warp_cand(c);
        if (lane == 0) {
            const int pick = cand_pick(c, v);
            if (c.first != INT_MAX)
                taken[pick] = 1;
            *s_pick = pick;
        }
    }
    __syncthreads();
    return *s_pick;
}

// One warp's take_max over v[lo, hi) skipping index `skip` (−1: none); every lane gets the answer.
__device__ int warp_take_max(const float *v, int lo, int hi, int skip) {
    Cand c{0.0f, -1, INT_MAX};
    for (int e = lo + static_cast<int>(threadIdx.x % kWarp); e < hi; e += kWarp)
        if (e != skip)
            c = cand_add(c, v[e], e);
    c = warp_cand(c);
    return c.first == INT_MAX ? lo : cand_pick(c, v);
}

__device__ __forceinline__ float route_sigmoid(float x) {
    const float e = static_cast<float>(exp(-static_cast<double>(x)));
    return __fdiv_rn(1.0f, __fadd_rn(1.0f, e));
}

// One block per token.
__global__ void route_kernel(const MoeRouteArgs a) {
    extern __shared__ float smem[];
    __shared__ Cand s_cand[kWarp];
    __shared__ int s_pick;
    const int E = static_cast<int>(a.n_expert), k = static_cast<int>(a.n_used);
    const int n_group = static_cast<int>(a.n_group);
    float *p = smem;                                                             // (E) sigmoid
    float *sel = p + E;                                                          // (E) selection scores
    float *gscore = sel + E;                                                     // (n_group)
    unsigned char *taken = reinterpret_cast<unsigned char *>(gscore + n_group);  // (E)
    unsigned char *gkeep = taken + E;                                            // (n_group)
    const int64_t t = blockIdx.x;
    const float *logits = a.logits + t * a.n_expert;  // (E)

    for (int e = threadIdx.x; e < E; e += blockDim.x) {
        const float pe = route_sigmoid(logits[e]);
        p[e] = pe;
        sel[e] = a.selection_bias ? __fadd_rn(pe, a.selection_bias[e]) : __fadd_rn(pe, 0.0f);
        taken[e] = 0;
    }
    __syncthreads();

    if (n_group > 1) {
        const int per = E / n_group;
        const int warp = threadIdx.x / kWarp, n_warps = blockDim.x / kWarp;
        for (int g = warp; g < n_group; g += n_warps) {  // warp-uniform loop
            const int lo = g * per, hi = lo + per;
            const int first = warp_take_max(sel, lo, hi, -1);
            float score = __fadd_rn(0.0f, sel[first]);
            if (per >= 2)
                score = __fadd_rn(score, sel[warp_take_max(sel, lo, hi, first)]);
            if (threadIdx.x % kWarp == 0)
                gscore[g] = score;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            // cpu take_max over the group scores, n_group_used times (serial: n_group is small).
            for (int g = 0; g < n_group; ++g)
                gkeep[g] = 0;
            for (int64_t j = 0; j < a.n_group_used; ++j) {
                int best = -1;
                for (int g = 0; g < n_group; ++g) {
                    if (gkeep[g])
                        continue;
                    if (best < 0 || gscore[g] > gscore[best])
                        best = g;
                }
                if (best >= 0)
                    gkeep[best] = 1;
            }
        }
        __syncthreads();
        for (int e = threadIdx.x; e < E; e += blockDim.x)
            if (!gkeep[e / per])
                sel[e] = -INFINITY;
        __syncthreads();
    }

    int32_t *ids = a.ids + t * a.n_used;  // (k)
    float *w = a.weights + t * a.n_used;  // (k)
    for (int j = 0; j < k; ++j) {
        const int id = block_take_max(sel, E, taken, s_cand, &s_pick);
        if (threadIdx.x == 0)
            ids[j] = id;
    }
    if (threadIdx.x == 0) {
        double sum = 0.0;
        for (int j = 0; j < k; ++j) {
            w[j] = p[ids[j]];
            sum += static_cast<double>(w[j]);
        }
        if (a.normalize) {
            // std::max(sum, 2^-14) as the CPU writes it: a NaN sum stays NaN (fmaxf would drop it).
            const float fsum = static_cast<float>(sum);
            const float denom = fsum < 6.103515625e-5f ? 6.103515625e-5f : fsum;
            for (int j = 0; j < k; ++j)
                w[j] = __fdiv_rn(w[j], denom);
        }
        for (int j = 0; j < k; ++j)
            w[j] = __fmul_rn(w[j], a.scale);
    }
}

__global__ void combine_kernel(const float *__restrict__ y, int64_t ldy, const float *__restrict__ weights,
                               int64_t n, int64_t k, int64_t width, float *__restrict__ out) {
    const int64_t count = n * width;
    for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < count;
         idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t t = idx / width, i = idx % width;
        const float *wt = weights + t * k;      // (k)
        const float *yt = y + t * k * ldy + i;  // column i of the token's k rows
        float acc = __fmul_rn(wt[0], yt[0]);
        for (int64_t j = 1; j < k; ++j)
            acc = __fadd_rn(acc, __fmul_rn(wt[j], yt[j * ldy]));  // unfused, like the CPU
        out[idx] = acc;
    }
}

__global__ void gather_kernel(const float *__restrict__ x, int64_t ldx, const int32_t *__restrict__ rows,
                              int64_t n, int64_t width, float *__restrict__ out) {
    const int64_t count = n * width;
    for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < count;
         idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t r = idx / width, i = idx % width;
        out[idx] = x[static_cast<int64_t>(rows[r]) * ldx + i];
    }
}

__global__ void scatter_kernel(const float *__restrict__ src, const int32_t *__restrict__ rows, int64_t n,
                               int64_t width, float *__restrict__ dst, int64_t ldd) {
    const int64_t count = n * width;
    for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < count;
         idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t r = idx / width, i = idx % width;
        dst[static_cast<int64_t>(rows[r]) * ldd + i] = src[idx];
    }
}

unsigned row_blocks(int64_t count) {
    const unsigned b = grid_for(count, kRowThreads);
    return b < kMaxRowBlocks ? b : kMaxRowBlocks;
}

}  // namespace

void moe_route(const MoeRouteArgs &a, cudaStream_t stream) {
    if (a.n <= 0 || a.n_expert <= 0 || a.n_used <= 0)
        return;
    const int64_t n_group = a.n_group > 1 ? a.n_group : 1;
    const size_t smem = static_cast<size_t>(a.n_expert) * (2 * sizeof(float) + 1) +
                        static_cast<size_t>(n_group) * (sizeof(float) + 1);
    int64_t threads = (a.n_expert + kWarp - 1) / kWarp * kWarp;
    threads = threads < kRouteMaxThreads ? threads : kRouteMaxThreads;
    route_kernel<<<static_cast<unsigned>(a.n), static_cast<unsigned>(threads), smem, stream>>>(a);
}

void moe_combine(const float *y, int64_t ldy, const float *weights, int64_t n, int64_t n_used, int64_t width,
                 float *out, cudaStream_t stream) {
    if (n <= 0 || width <= 0 || n_used <= 0)
        return;
    combine_kernel<<<row_blocks(n * width), kRowThreads, 0, stream>>>(y, ldy, weights, n, n_used, width, out);
}

void gather_rows(const float *x, int64_t ldx, const int32_t *rows, int64_t n, int64_t width, float *out,
                 cudaStream_t stream) {
    if (n <= 0 || width <= 0)
        return;
    gather_kernel<<<row_blocks(n * width), kRowThreads, 0, stream>>>(x, ldx, rows, n, width, out);
}

void scatter_rows(const float *src, const int32_t *rows, int64_t n, int64_t width, float *dst, int64_t ldd,
                  cudaStream_t stream) {
    if (n <= 0 || width <= 0)
        return;
    scatter_kernel<<<row_blocks(n * width), kRowThreads, 0, stream>>>(src, rows, n, width, dst, ldd);
}

}  // namespace nd::cuda
