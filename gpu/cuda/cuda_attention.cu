// Causal attention over the KV cache (CPU twin: gpu/cpu/cpu_attention.cpp).
//
//   k_cache (n_ctx, Hkv·hd_k), v_cache (n_ctx, Hkv·hd_v) of f32 or f16 (raw half bits)
//   q (n, H·hd_k; row stride ldq), k (n, Hkv·hd_k; ldk), v (n, Hkv·hd_v; ldv), out (n, H·hd_v) contiguous
//   pos0 (device, one int32). Token t attends to cache rows 0..pos0+t; query head h reads KV head h / G,
//   G = H / Hkv. score = (q·k)·scale, softmax, Σ p·v.
//
// Three steps, on one stream:
// 1. store_kv: k, v → cache rows pos0..pos0+n−1 (f16: __float2half_rn, round to nearest even as the CPU).
// 2a. decode (n <= kDecodeMaxN): split-KV ("flash-decoding"). The grid is sized from n_ctx, never from
//    pos0 (a captured graph replays it for every position): grid (n_split, Hkv · head blocks, n), 128
//    threads. A block takes up to kDecHeads query heads of one KV head (so each K/V row it loads serves
//    the whole GQA group) and one chunk of rows; it walks the chunk in tiles of 32 rows staged in shared
//    memory (a thread per (head, row) for q·k, a warp per head for the online softmax, a thread per (head,
//    dim) for Σ p·v) and writes a partial (max, sum, acc[hd_v]) into work. A chunk beyond the visible rows
//    writes (−inf, 0). Then decode_combine (grid (H, n)) merges the partials of each head.
// 2b. prefill (larger n): an f16 cache with head dims 64 or 128 from kAttentionTcMinTokens tokens goes to the
//    tensor cores (cuda_attention_tc.cu). Otherwise flash-attention tiles in shared memory: grid (ceil(n/32),
//    H), 128 threads; a block holds 32 queries of one head, stages K and then V tiles of BK rows (32, or 16
//    for heads over 128) and keeps an online softmax per query; 4 threads per query, each with hd_v/4
//    accumulators. Query tiles are taken longest-first (causal work grows with t).
// Precision: f32 throughout (f16 cache values are widened exactly); differs from the CPU only by the
// order of f32 sums (~1e-6 relative). Head dims up to kMaxHd; larger ones are refused with a launch error.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int64_t kDecodeMaxN = 4;  // batches up to this size take the split-KV path
constexpr int kMaxHd = 256;

constexpr int kDecThreads = 128;  // 4 warps
constexpr int kDecWarps = kDecThreads / kWarp;
constexpr int kDecTile = 32;  // rows per tile (one score per lane in the softmax step)
constexpr int kDecHeads = 8;  // query heads per block
constexpr int kDecAcc = kDecHeads * kMaxHd / kDecThreads;  // accumulators per thread
// Rows per split: one tile, so that a short context (the first few hundred positions) is spread over as
// many blocks as it has tiles instead of walking 4 tiles in one block with every load's latency exposed
// (nano3-6L decode at position ~100: the op took ~60 µs with 128-row chunks).
constexpr int64_t kChunkMin = kDecTile;
constexpr int64_t kMaxSplits = 256;  // beyond this the chunk grows
constexpr int kCombineThreads = 128;

constexpr int kPreThreads = 128;
constexpr int kPreQ = 32;  // queries per block (4 threads each)

struct DecodePlan {
    int64_t chunk = 0;
    int64_t n_split = 0;
};

DecodePlan decode_plan(int64_t n_ctx) {
    DecodePlan p;
    p.chunk = kChunkMin;
    p.n_split = (n_ctx + p.chunk - 1) / p.chunk;
    if (p.n_split > kMaxSplits) {
        p.chunk = (n_ctx + kMaxSplits - 1) / kMaxSplits;
        p.chunk = (p.chunk + kDecTile - 1) / kDecTile * kDecTile;
        p.n_split = (n_ctx + p.chunk - 1) / p.chunk;
    }
    return p;
}

__device__ __forceinline__ int64_t min64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

__device__ __forceinline__ float load_f(const float *p) {
    return *p;
}
__device__ __forceinline__ float load_f(const __half *p) {
    return __half2float(*p);
}
__device__ __forceinline__ void store_f(float *p, float v) {
    *p = v;
}
__device__ __forceinline__ void store_f(__half *p, float v) {
    *p = __float2half_rn(v);
}

// Leading dimensions of shared tiles: odd, so rows fall in different banks.
__host__ __device__ inline int odd_ld(int x) {
    return x | 1;
}

// rows × width values of a cache tile (row stride src_row) → shared floats (row stride ld_dst), all
// threads of the block. An f16 cache whose rows and offsets are 8-element multiples (every shape in use)
// is read 8 halves per 16-byte load — 8× fewer load instructions in flight for the same bytes.
template <typename T>
__device__ __forceinline__ void load_tile_rows(float *dst, int ld_dst, const T *src, int64_t src_row,
                                               int rows, int width) {
    if constexpr (std::is_same_v<T, __half>) {
        if ((width & 7) == 0 && (src_row & 7) == 0 && (reinterpret_cast<uintptr_t>(src) & 15) == 0) {
            const int vec = width / 8;
            for (int e = threadIdx.x; e < rows * vec; e += blockDim.x) {
                const int r = e / vec, c = e - r * vec;
                const uint4 v = *reinterpret_cast<const uint4 *>(src + r * src_row + c * 8);
                const __half2 *h2 = reinterpret_cast<const __half2 *>(&v);
                float *o = dst + r * ld_dst + c * 8;
#pragma unroll
                for (int i = 0; i < 4; ++i) {
                    const float2 f = __half22float2(h2[i]);
                    o[2 * i] = f.x;
                    o[2 * i + 1] = f.y;
                }
            }
            return;
        }
    }
#pragma unroll 8
    for (int e = threadIdx.x; e < rows * width; e += blockDim.x) {
        const int r = e / width, d = e - r * width;
        dst[r * ld_dst + d] = load_f(src + r * src_row + d);
    }
}

// cache (n_ctx, row) rows pos0..pos0+n−1 = src (n, row; stride ld)
template <typename T>
__global__ void store_kv_kernel(T *cache, int64_t row, const float *__restrict__ src, int64_t ld, int64_t n,
                                const int32_t *pos0) {
    const int64_t p0 = *pos0;
    for (int64_t t = blockIdx.y; t < n; t += gridDim.y)
        for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < row;
             i += static_cast<int64_t>(gridDim.x) * blockDim.x)
            store_f(cache + (p0 + t) * row + i, src[t * ld + i]);
}

// Split-KV partials. grid (n_split, Hkv · n_hb, n); block kDecThreads.
// work (n, H, n_split, 2 + hd_v): [0] max of the scaled scores (−inf: empty), [1] Σ exp(s − max),
// [2..] Σ exp(s − max) · v.
// dynamic shared: q [kDecHeads][hd_k], K or V tile [kDecTile][hd], p [kDecHeads][kDecTile], corr/l/m
// [kDecHeads] (at most 42 KiB)
template <typename T>
__global__ void __launch_bounds__(kDecThreads)
    decode_partial_kernel(const T *__restrict__ kc, const T *__restrict__ vc, const float *__restrict__ q,
                          int64_t ldq, const int32_t *pos0, int64_t chunk, int n_split, int H, int Hkv,
                          int hdk, int hdv, float scale, int n_hb, float *__restrict__ work) {
    extern __shared__ float sm[];
    float *qs = sm;
    float *kvs = qs + kDecHeads * hdk;
    const int ldk_s = odd_ld(hdk);  // K tile row stride: odd, so the rows of a warp fall in distinct banks
    float *ps = kvs + kDecTile * max(ldk_s, hdv);
    float *corr_s = ps + kDecHeads * kDecTile;
    float *l_s = corr_s + kDecHeads;
    float *m_s = l_s + kDecHeads;

    const int G = H / Hkv;
    const int split = blockIdx.x;
    const int kvh = blockIdx.y / n_hb, hb = blockIdx.y % n_hb;
    const int t = blockIdx.z;
    const int h0 = kvh * G + hb * kDecHeads;
    const int nh = min(kDecHeads, G - hb * kDecHeads);
    const int tid = threadIdx.x, lane = tid % kWarp, warp = tid / kWarp;
    const int64_t stride = 2 + hdv;
    auto part = [&](int g) {
        return work + ((static_cast<int64_t>(t) * H + h0 + g) * n_split + split) * stride;
    };

    const int64_t n_pos = static_cast<int64_t>(*pos0) + t + 1;  // visible rows
    const int64_t j_begin = split * chunk;
    const int64_t j_end = min64(j_begin + chunk, n_pos);
    if (j_begin >= j_end) {  // uniform over the block: no barrier is skipped by part of it
        if (tid < nh) {
            part(tid)[0] = -INFINITY;
            part(tid)[1] = 0.0f;
        }
        return;
    }

    for (int e = tid; e < nh * hdk; e += kDecThreads) {
        const int g = e / hdk, d = e % hdk;
        qs[g * hdk + d] = q[t * ldq + static_cast<int64_t>(h0 + g) * hdk + d];
    }
    if (tid < kDecHeads) {
        m_s[tid] = -INFINITY;
        l_s[tid] = 0.0f;
    }
    // this thread's (head, dim) accumulators: element e = tid + i·kDecThreads of [nh][hd_v]
    float acc[kDecAcc];
    int p_off[kDecAcc];
    int v_d[kDecAcc];
#pragma unroll
    for (int i = 0; i < kDecAcc; ++i) {
        const int e = tid + i * kDecThreads;
        const int g = e / hdv, d = e % hdv;
        acc[i] = 0.0f;
        p_off[i] = g * kDecTile;
        v_d[i] = d;
    }
    const int n_acc = nh * hdv;
    const int64_t k_row = static_cast<int64_t>(Hkv) * hdk, v_row = static_cast<int64_t>(Hkv) * hdv;
    __syncthreads();

    for (int64_t j0 = j_begin; j0 < j_end; j0 += kDecTile) {
        const int rows = static_cast<int>(min64(kDecTile, j_end - j0));
        const T *kt = kc + j0 * k_row + static_cast<int64_t>(kvh) * hdk;
        const T *vt = vc + j0 * v_row + static_cast<int64_t>(kvh) * hdv;
        // K tile → shared (all threads, independent loads in flight)
        load_tile_rows(kvs, ldk_s, kt, k_row, rows, hdk);
        __syncthreads();
        // scores: a thread per (head, row); a warp shares the head (q broadcast), rows hit distinct banks
        for (int e = tid; e < nh * kDecTile; e += kDecThreads) {
            const int g = e / kDecTile, r = e % kDecTile;
            float dot = 0.0f;
            if (r < rows) {
                const float *qg = qs + g * hdk, *kr = kvs + r * ldk_s;
                for (int d = 0; d < hdk; ++d)
                    dot = fmaf(qg[d], kr[d], dot);
            }
            ps[g * kDecTile + r] = r < rows ? dot * scale : -INFINITY;
        }
        __syncthreads();  // K consumed
        // V tile → shared, while a warp per head runs the online softmax (a lane per row of the tile)
        load_tile_rows(kvs, hdv, vt, v_row, rows, hdv);
        for (int g = warp; g < nh; g += kDecWarps) {
            const float s = ps[g * kDecTile + lane];
            const float m_old = m_s[g];
            const float m_new = fmaxf(m_old, warp_max(s));  // finite: the tile has a visible row
            const float p = expf(s - m_new);
            ps[g * kDecTile + lane] = p;
            const float sum = warp_sum(p);  // every lane has read m_s[g] before lane 0 passes this
            if (lane == 0) {
                const float corr = expf(m_old - m_new);
                corr_s[g] = corr;
                l_s[g] = l_s[g] * corr + sum;
                m_s[g] = m_new;
            }
        }
        __syncthreads();
        // Σ p·v: a thread per (head, dim); rows >= rows of the tile are not read (never loaded)
#pragma unroll
        for (int i = 0; i < kDecAcc; ++i)
            if (tid + i * kDecThreads < n_acc)
                acc[i] *= corr_s[p_off[i] / kDecTile];
        for (int r = 0; r < rows; ++r) {
#pragma unroll
            for (int i = 0; i < kDecAcc; ++i)
                if (tid + i * kDecThreads < n_acc)
                    acc[i] = fmaf(ps[p_off[i] + r], kvs[r * hdv + v_d[i]], acc[i]);
        }
        __syncthreads();  // ps is rewritten by the next tile
    }

#pragma unroll
    for (int i = 0; i < kDecAcc; ++i) {
        const int e = tid + i * kDecThreads;
        if (e < n_acc)
            part(e / hdv)[2 + e % hdv] = acc[i];
    }
    if (tid < nh) {
        part(tid)[0] = m_s[tid];
        part(tid)[1] = l_s[tid];
    }
}

// out (n, H, hd_v) from the partials. grid (H, n), block kCombineThreads.
__global__ void __launch_bounds__(kCombineThreads)
    decode_combine_kernel(const float *__restrict__ work, int n_split, int H, int hdv,
                          float *__restrict__ out) {
    __shared__ float red[32];
    __shared__ float wgt[kMaxSplits];
    const int h = blockIdx.x, t = blockIdx.y;
    const int64_t stride = 2 + hdv;
    const float *base = work + (static_cast<int64_t>(t) * H + h) * n_split * stride;
    float m = -INFINITY;
    for (int s = threadIdx.x; s < n_split; s += blockDim.x)
        m = fmaxf(m, base[s * stride]);
    m = block_max(m, red);
    float l = 0.0f;
    for (int s = threadIdx.x; s < n_split; s += blockDim.x) {
        const float ms = base[s * stride];
        // an empty split (−inf) weighs 0 and its acc (never written) is not read
        const float w = ms == -INFINITY ? 0.0f : expf(ms - m);
        wgt[s] = w;
        if (w != 0.0f)
            l += w * base[s * stride + 1];
    }
    l = block_sum(l, red);  // synchronises: wgt is complete
    const float inv = 1.0f / l;
    for (int d = threadIdx.x; d < hdv; d += blockDim.x) {
        float a = 0.0f;
        for (int s = 0; s < n_split; ++s)
            if (wgt[s] != 0.0f)
                a = fmaf(wgt[s], base[s * stride + 2 + d], a);
        out[(static_cast<int64_t>(t) * H + h) * hdv + d] = a * inv;
    }
}

size_t prefill_smem_floats(int bk, int hdk, int hdv) {
    return static_cast<size_t>(kPreQ) * odd_ld(hdk) + static_cast<size_t>(bk) * odd_ld(std::max(hdk, hdv)) +
           static_cast<size_t>(kPreQ) * (bk + 1);
}

// Flash attention for a batch. grid (ceil(n/kPreQ), H), block kPreThreads; thread = (query i = tid/4,
// quarter jq = tid%4): scores of columns jq + 4c of each tile, outputs dims jq + 4a (a < ACC, 4·ACC >= hd_v).
// dynamic shared: Q [kPreQ][odd(hd_k)], K or V tile [BK][odd(max(hd_k, hd_v))], P [kPreQ][BK+1]
template <typename T, int BK, int ACC>
__global__ void __launch_bounds__(kPreThreads)
    prefill_kernel(const T *__restrict__ kc, const T *__restrict__ vc, const float *__restrict__ q,
                   int64_t ldq, const int32_t *pos0, int64_t n, int H, int Hkv, int hdk, int hdv, float scale,
                   float *__restrict__ out) {
    extern __shared__ float sm[];
    const int ldq_s = odd_ld(hdk), ldkv_s = odd_ld(max(hdk, hdv)), ldp_s = BK + 1;
    float *qs = sm;
    float *kvs = qs + kPreQ * ldq_s;
    float *ps = kvs + BK * ldkv_s;

    const int h = blockIdx.y, kvh = h / (H / Hkv);
    const int64_t t0 = static_cast<int64_t>(gridDim.x - 1 - blockIdx.x) * kPreQ;  // longest tiles first
    const int64_t p0 = *pos0;
    const int tid = threadIdx.x, i = tid >> 2, jq = tid & 3;
    const int64_t k_row = static_cast<int64_t>(Hkv) * hdk, v_row = static_cast<int64_t>(Hkv) * hdv;
    const T *kbase = kc + static_cast<int64_t>(kvh) * hdk;
    const T *vbase = vc + static_cast<int64_t>(kvh) * hdv;

    for (int e = tid; e < kPreQ * hdk; e += kPreThreads) {
        const int r = e / hdk, d = e % hdk;
        const int64_t t = t0 + r;
        qs[r * ldq_s + d] = t < n ? q[t * ldq + static_cast<int64_t>(h) * hdk + d] : 0.0f;
    }
    const int64_t t_i = t0 + i;
    const bool row_valid = t_i < n;
    const int64_t last_j = p0 + t_i;                   // row i sees cache rows 0..last_j
    const int64_t kv_end = p0 + min64(t0 + kPreQ, n);  // rows any query of the block sees

    float m = -INFINITY, l = 0.0f;
    float acc[ACC];
#pragma unroll
    for (int a = 0; a < ACC; ++a)
        acc[a] = 0.0f;

    for (int64_t kv0 = 0; kv0 < kv_end; kv0 += BK) {
        __syncthreads();  // the previous V tile is consumed (and Q is loaded)
        for (int e = tid; e < BK * hdk; e += kPreThreads) {
            const int r = e / hdk, d = e % hdk;
            const int64_t j = kv0 + r;
            kvs[r * ldkv_s + d] = j < kv_end ? load_f(kbase + j * k_row + d) : 0.0f;
        }
        __syncthreads();
        float s[BK / 4];
#pragma unroll
        for (int c = 0; c < BK / 4; ++c)
            s[c] = 0.0f;
        const float *qr = qs + i * ldq_s;
        for (int d = 0; d < hdk; ++d) {
            const float qv = qr[d];
#pragma unroll
            for (int c = 0; c < BK / 4; ++c)
                s[c] = fmaf(qv, kvs[(jq + 4 * c) * ldkv_s + d], s[c]);
        }
        float tmax = -INFINITY;
#pragma unroll
        for (int c = 0; c < BK / 4; ++c) {
            const int64_t j = kv0 + jq + 4 * c;
            s[c] = row_valid && j <= last_j ? s[c] * scale : -INFINITY;
            tmax = fmaxf(tmax, s[c]);
        }
        // the 4 threads of a query are adjacent lanes
        tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 1));
        tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 2));
        const float m_new = fmaxf(m, tmax);
        const float m_use = m_new == -INFINITY ? 0.0f : m_new;  // a row with nothing visible yet
        const float corr = expf(m - m_use);
        float psum = 0.0f;
#pragma unroll
        for (int c = 0; c < BK / 4; ++c) {
            const float p = expf(s[c] - m_use);
            ps[i * ldp_s + jq + 4 * c] = p;
            psum += p;
        }
        psum += __shfl_xor_sync(0xffffffffu, psum, 1);
        psum += __shfl_xor_sync(0xffffffffu, psum, 2);
        l = l * corr + psum;
        m = m_new;
#pragma unroll
        for (int a = 0; a < ACC; ++a)
            acc[a] *= corr;
        __syncthreads();  // K consumed, P complete
        for (int e = tid; e < BK * hdv; e += kPreThreads) {
            const int r = e / hdv, d = e % hdv;
            const int64_t j = kv0 + r;
            kvs[r * ldkv_s + d] = j < kv_end ? load_f(vbase + j * v_row + d) : 0.0f;
        }
        __syncthreads();
        const float *pr = ps + i * ldp_s;
#pragma unroll 4
        for (int r = 0; r < BK; ++r) {
            const float p = pr[r];
            const float *vr = kvs + r * ldkv_s;
#pragma unroll
            for (int a = 0; a < ACC; ++a)
                if (jq + 4 * a < hdv)
                    acc[a] = fmaf(p, vr[jq + 4 * a], acc[a]);
        }
    }
    if (row_valid) {
        const float inv = 1.0f / l;
        float *o = out + (t_i * H + h) * static_cast<int64_t>(hdv);
#pragma unroll
        for (int a = 0; a < ACC; ++a)
            if (jq + 4 * a < hdv)
                o[jq + 4 * a] = acc[a] * inv;
    }
}

__global__ void refuse_kernel() {}

// A launch that fails (empty grid: cudaErrorInvalidConfiguration), so the backend's cudaGetLastError
// reports a shape these kernels do not handle instead of leaving `out` unwritten silently.
void refuse(cudaStream_t stream) {
    refuse_kernel<<<0, 1, 0, stream>>>();
}

template <typename T, int BK, int ACC>
void launch_prefill(const AttentionArgs &a, const T *kc, const T *vc, cudaStream_t stream) {
    const AttentionShape &s = a.shape;
    const int hdk = static_cast<int>(s.head_dim_k), hdv = static_cast<int>(s.head_dim_v);
    const size_t smem = prefill_smem_floats(BK, hdk, hdv) * sizeof(float);
    auto kernel = prefill_kernel<T, BK, ACC>;
    if (smem > 48 * 1024)  // opt in above the default (at most ~51 KiB here: every GPU since Volta allows it)
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    const dim3 grid(static_cast<unsigned>((a.n + kPreQ - 1) / kPreQ), static_cast<unsigned>(s.n_head));
    kernel<<<grid, kPreThreads, smem, stream>>>(kc, vc, a.q, a.ldq, a.pos0, a.n, static_cast<int>(s.n_head),
                                                static_cast<int>(s.n_head_kv), hdk, hdv, s.scale, a.out);
}

template <typename T, int BK>
void launch_prefill_bk(const AttentionArgs &a, const T *kc, const T *vc, cudaStream_t stream) {
    const int64_t hdv = a.shape.head_dim_v;
    if (hdv <= 32)
        launch_prefill<T, BK, 8>(a, kc, vc, stream);
    else if (hdv <= 64)
        launch_prefill<T, BK, 16>(a, kc, vc, stream);
    else if (hdv <= 128)
        launch_prefill<T, BK, 32>(a, kc, vc, stream);
    else
        launch_prefill<T, BK, 64>(a, kc, vc, stream);
}

template <typename T>
void run(const AttentionArgs &a, cudaStream_t stream) {
    const AttentionShape &s = a.shape;
    T *kc = static_cast<T *>(a.k_cache);
    T *vc = static_cast<T *>(a.v_cache);
    const int64_t k_row = s.n_head_kv * s.head_dim_k, v_row = s.n_head_kv * s.head_dim_v;

    // 1. the new rows into the cache
    const unsigned rows_y = static_cast<unsigned>(std::min<int64_t>(a.n, 65535));
    store_kv_kernel<T>
        <<<dim3(grid_for(k_row, 256), rows_y), 256, 0, stream>>>(kc, k_row, a.k, a.ldk, a.n, a.pos0);
    store_kv_kernel<T>
        <<<dim3(grid_for(v_row, 256), rows_y), 256, 0, stream>>>(vc, v_row, a.v, a.ldv, a.n, a.pos0);

    const int H = static_cast<int>(s.n_head), Hkv = static_cast<int>(s.n_head_kv);
    const int hdk = static_cast<int>(s.head_dim_k), hdv = static_cast<int>(s.head_dim_v);
    if (a.n <= kDecodeMaxN) {
        // 2a. split-KV decode
        const DecodePlan plan = decode_plan(a.n_ctx);
        const int G = H / Hkv;
        const int n_hb = (G + kDecHeads - 1) / kDecHeads;
        const size_t smem = (static_cast<size_t>(kDecHeads) * (hdk + kDecTile) +
                             static_cast<size_t>(kDecTile) * std::max(odd_ld(hdk), hdv) + 3 * kDecHeads) *
                            sizeof(float);
        const dim3 grid(static_cast<unsigned>(plan.n_split), static_cast<unsigned>(Hkv * n_hb),
                        static_cast<unsigned>(a.n));
        decode_partial_kernel<T><<<grid, kDecThreads, smem, stream>>>(kc, vc, a.q, a.ldq, a.pos0, plan.chunk,
                                                                      static_cast<int>(plan.n_split), H, Hkv,
                                                                      hdk, hdv, s.scale, n_hb, a.work);
        decode_combine_kernel<<<dim3(static_cast<unsigned>(H), static_cast<unsigned>(a.n)), kCombineThreads,
                                0, stream>>>(a.work, static_cast<int>(plan.n_split), H, hdv, a.out);
        return;
    }
    // 2b. prefill: on the tensor cores where the shape allows (cuda_attention_tc.cu), else f32 tiles
    if (attention_prefill_tc_supported(a)) {
        attention_prefill_tc(a, stream);
        return;
    }
    if (std::max(hdk, hdv) <= 128)
        launch_prefill_bk<T, 32>(a, kc, vc, stream);
    else
        launch_prefill_bk<T, 16>(a, kc, vc, stream);
}

}  // namespace

int64_t attention_work_floats(int64_t n, int64_t n_ctx, const AttentionShape &s) {
    if (n > kDecodeMaxN)
        return 0;
    return n * s.n_head * decode_plan(n_ctx).n_split * (2 + s.head_dim_v);
}

void attention(const AttentionArgs &a, cudaStream_t stream) {
    const AttentionShape &s = a.shape;
    if (a.n <= 0)
        return;
    if (s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head % s.n_head_kv != 0 || s.head_dim_k <= 0 ||
        s.head_dim_k > kMaxHd || s.head_dim_v <= 0 || s.head_dim_v > kMaxHd || s.n_head > 65535 ||
        (a.n <= kDecodeMaxN && !a.work)) {
        refuse(stream);
        return;
    }
    if (a.kv_type == KvType::f16)
        run<__half>(a, stream);
    else
        run<float>(a, stream);
}

}  // namespace nd::cuda
