// Sampling on the device (backend.h apply_penalties / top_k): the sampler's penalties applied to a few
// logits, and the k best logits of a row, so that a decode step sends the host k pairs instead of the
// vocabulary. Their CPU twins are the host implementations (gpu/model/backend_sampling.cpp, the
// arithmetic in gpu/model/logit_select.h); both kernels give exactly the twins' bits.
//
// apply_penalties: logits (n_vocab) f32, in place; ids, counts (n_ids) int32. One thread per id.
//   Precision: exact — logit_penalized's operations, each rounded on its own (__fmul_rn, __fdiv_rn,
//   __fadd_rn, __fsub_rn: never contracted into a fused multiply-add).
//
// top_k: logits (n) f32 → out_ids (k) int32, out_vals (k) f32, best first by logit_better.
//   Each value becomes a 64-bit key whose unsigned order is the ranking: the high word the sanitised
//   float mapped to an order-preserving uint32 (−0 as +0: they are equal logits), the low word
//   0xFFFFFFFF − id (equal logits: the lower id ranks higher). Key 0 is below every real key (padding).
//   Stage 1 (grid ceil(n / kTile), kThreads threads): each block keys its tile of kTile values in shared
//     memory, sorts runs of R = pow2 >= k keys descending (bitonic), then halves the tile until one run
//     is left: the pairwise maximum of run A and reversed run B holds the R best of A ∪ B as a bitonic
//     sequence, which one bitonic merge sorts again. The block's best R keys go to `work`.
//   Stage 2 (one block): the same halving over the blocks' runs, kTile / R runs per round (after the
//     first round the best run so far stays in front), then the first k keys become (id, value); the
//     value is read again from logits (so a −0 stays −0, as on the host).
//   Launch sizes depend only on (n, k), never on the data: the op is captured in a decode graph.
//   Precision: exact (integer keys; no arithmetic on the values).
#include <cstdint>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"
#include "gpu/model/logit_select.h"

namespace nd::cuda {

namespace {

constexpr int kPenaltyThreads = 256;
constexpr int kThreads = 512;                          // top_k blocks
constexpr int kTile = 4096;                            // keys in shared memory (32 KiB)
constexpr int kPairsPerThread = kTile / 2 / kThreads;  // compare-exchanges per thread per step
static_assert(kTile % (2 * kThreads) == 0, "each thread takes the same number of pairs");
static_assert(kTopKMax <= kTile / 16, "stage 2 takes at least 16 runs per round");

// logit_sanitize on the bits: NaN → −inf, +inf → FLT_MAX, everything else unchanged (−0, denormals).
__device__ __forceinline__ uint32_t sanitized_bits(float x) {
    const uint32_t u = __float_as_uint(x);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return 0xff800000u;
    if (u == 0x7f800000u)
        return 0x7f7fffffu;
    return u;
}

__device__ __forceinline__ float sanitize(float x) {
    return __uint_as_float(sanitized_bits(x));
}

// The ranking key of logit x at index id (see the file comment); never 0.
__device__ __forceinline__ uint64_t rank_key(float x, uint32_t id) {
    uint32_t u = sanitized_bits(x);
    if ((u & 0x7fffffffu) == 0)
        u = 0;  // −0 == +0
    const uint32_t ordered = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return (static_cast<uint64_t>(ordered) << 32) | (0xffffffffu - id);
}

__device__ __forceinline__ uint32_t key_id(uint64_t key) {
    return 0xffffffffu - static_cast<uint32_t>(key);
}

// One step of a bitonic network over s[0, len): pairs (i, i + stride) within blocks of 2 * stride,
// descending where `desc`, else ascending. Ends with a barrier.
__device__ __forceinline__ void bitonic_step(uint64_t *s, int len, int stride, int size, int run) {
    for (int t = threadIdx.x; t < len / 2; t += kThreads) {
        const int i = ((t & ~(stride - 1)) << 1) | (t & (stride - 1));  // stride: a power of two
        const int j = i + stride;
        // Within a run, sub-sequences alternate direction so that the next size merges bitonic ones;
        // the last size (a whole run) sorts every run descending.
        const bool desc = size >= run || (i & size) == 0;
        const uint64_t a = s[i], b = s[j];
        if (desc ? a < b : a > b) {
            s[i] = b;
            s[j] = a;
        }
    }
    __syncthreads();
}

// Sorts each run of `run` keys (a power of two dividing len) of s[0, len) descending.
__device__ void sort_runs(uint64_t *s, int len, int run) {
    for (int size = 2; size <= run; size <<= 1)
        for (int stride = size >> 1; stride > 0; stride >>= 1)
            bitonic_step(s, len, stride, size, run);
}

// s[0, len) holds len / run runs of `run` keys, each sorted descending, len / run a power of two.
// Leaves the best `run` keys of all of them in s[0, run), sorted descending. len <= kTile.
__device__ void reduce_runs(uint64_t *s, int len, int run) {
    while (len > run) {
        const int half = len / 2;
        // Runs 2p and 2p + 1 → run p: max(A[i], B[run − 1 − i]) is the best `run` of A ∪ B, bitonic.
        uint64_t best[kPairsPerThread] = {};
#pragma unroll
        for (int q = 0; q < kPairsPerThread; ++q) {
            const int t = threadIdx.x + q * kThreads;
            if (t < half) {
                const int i = t & (run - 1), pair = (t - i) << 1;  // pair p starts at 2 * p * run
                const uint64_t a = s[pair + i], b = s[pair + run + (run - 1 - i)];
                best[q] = a > b ? a : b;
            }
        }
        __syncthreads();
#pragma unroll
        for (int q = 0; q < kPairsPerThread; ++q) {
            const int t = threadIdx.x + q * kThreads;
            if (t < half)
                s[t] = best[q];  // run p, element i lands at p * run + i = t
        }
        __syncthreads();
        len = half;
        for (int stride = run >> 1; stride > 0; stride >>= 1)
            bitonic_step(s, len, stride, run, run);
    }
}

__global__ void __launch_bounds__(kThreads)
    top_k_tiles_kernel(const float *__restrict__ logits, int64_t n, int run, uint64_t *__restrict__ work) {
    __shared__ uint64_t s[kTile];
    const int64_t base = static_cast<int64_t>(blockIdx.x) * kTile;
    const int count = static_cast<int>(n - base < kTile ? n - base : kTile);  // the last tile may be short
    int len = run;
    while (len < count)
        len <<= 1;
    for (int t = threadIdx.x; t < len; t += kThreads)
        s[t] = t < count ? rank_key(logits[base + t], static_cast<uint32_t>(base + t)) : 0;
    __syncthreads();
    sort_runs(s, len, run);
    reduce_runs(s, len, run);
    uint64_t *out = work + static_cast<int64_t>(blockIdx.x) * run;
    for (int t = threadIdx.x; t < run; t += kThreads)
        out[t] = s[t];
}

__global__ void __launch_bounds__(kThreads)
    top_k_merge_kernel(const float *__restrict__ logits, const uint64_t *__restrict__ work, int n_runs,
                       int run, int k, int32_t *__restrict__ out_ids, float *__restrict__ out_vals) {
    __shared__ uint64_t s[kTile];
    const int per_round = kTile / run;
    int next = 0;     // the first run not taken yet
    int carried = 0;  // runs kept in front from the previous round (0 or 1)
    while (next < n_runs) {
        const int take = min(per_round - carried, n_runs - next);
        int len = run;
        while (len < (carried + take) * run)
            len <<= 1;
        const int filled = take * run;
        for (int t = threadIdx.x; t < len - carried * run; t += kThreads)
            s[carried * run + t] = t < filled ? work[static_cast<int64_t>(next) * run + t] : 0;
        __syncthreads();
        reduce_runs(s, len, run);
        next += take;
        carried = 1;
    }
    for (int t = threadIdx.x; t < k; t += kThreads) {
        const uint32_t id = key_id(s[t]);
        out_ids[t] = static_cast<int32_t>(id);
        out_vals[t] = sanitize(logits[id]);
    }
}

__global__ void apply_penalties_kernel(float *__restrict__ logits, int64_t n_vocab,
                                       const int32_t *__restrict__ ids, const int32_t *__restrict__ counts,
                                       int64_t n_ids, float repeat, float frequency, float presence) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n_ids)
        return;
    const int32_t id = ids[i];
    if (id < 0 || id >= n_vocab)
        return;
    float l = sanitize(logits[id]);
    l = l <= 0.0f ? __fmul_rn(l, repeat) : __fdiv_rn(l, repeat);
    const float f = __fmul_rn(__int2float_rn(counts[i]), frequency);
    logits[id] = sanitize(__fsub_rn(l, __fadd_rn(f, presence)));
}

int run_for(int64_t k) {
    int run = 1;
    while (run < k)
        run <<= 1;
    return run;
}

int64_t tiles_for(int64_t n) {
    return (n + kTile - 1) / kTile;
}

}  // namespace

void apply_penalties(float *logits, int64_t n_vocab, const int32_t *ids, const int32_t *counts, int64_t n_ids,
                     float repeat, float frequency, float presence, cudaStream_t stream) {
    if (n_ids <= 0 || n_vocab <= 0)
        return;
    apply_penalties_kernel<<<grid_for(n_ids, kPenaltyThreads), kPenaltyThreads, 0, stream>>>(
        logits, n_vocab, ids, counts, n_ids, repeat, frequency, presence);
}

int64_t top_k_work_bytes(int64_t n, int64_t k) {
    if (n <= 0 || k <= 0)
        return 0;
    return tiles_for(n) * run_for(k) * static_cast<int64_t>(sizeof(uint64_t));
}

void top_k(const float *logits, int64_t n, int64_t k, int32_t *out_ids, float *out_vals, void *work,
           cudaStream_t stream) {
    if (n <= 0 || k < 1 || k > kTopKMax || k > n)
        return;
    const int run = run_for(k);
    const int64_t tiles = tiles_for(n);
    auto *keys = static_cast<uint64_t *>(work);
    top_k_tiles_kernel<<<static_cast<unsigned>(tiles), kThreads, 0, stream>>>(logits, n, run, keys);
    top_k_merge_kernel<<<1, kThreads, 0, stream>>>(logits, keys, static_cast<int>(tiles), run,
                                                   static_cast<int>(k), out_ids, out_vals);
}

}  // namespace nd::cuda
