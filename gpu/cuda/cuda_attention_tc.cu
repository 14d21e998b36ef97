// Prefill attention on the tensor cores, for an f16 KV cache and head dims 64 or 128 (K and V alike): the
// shapes of Nemotron, Nemotron-H and most llama models. cuda_attention.cu calls it for batches of
// kAttentionTcMinTokens tokens and more after storing the batch's K and V rows; the f32 tiled kernel there
// takes every other case. CPU twin: gpu/cpu/cpu_attention.cpp (through the same Backend::attention).
//
// grid (ceil(n / 64), H), 4 warps; a block holds 64 queries of one head (16 rows per warp) and walks the
// visible cache rows in tiles of 64 keys: S = Q·Kᵀ (WMMA 16×16×16, f16 in, f32 accumulate), an online
// softmax per row in f32, O = O·corr + P·V (WMMA). Query tiles are taken longest-first.
//
// Precision: K and V are f16 in the cache already (exact as WMMA inputs). Q and P are f32 values; each is
// split into an f16 high part and an f16 remainder (x = hi + lo to ~22 bits) and both parts are multiplied,
// so the products keep about f32 accuracy instead of f16's 11 bits — twice the tensor-core work, still a
// small part of the time — and results differ from the CPU by the order of f32 sums (~1e-5), not by f16
// rounding (~1e-3).
#include <mma.h>

#include <algorithm>

#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

namespace wmma = nvcuda::wmma;

constexpr int kQ = 64;  // queries per block
constexpr int kK = 64;  // keys per tile
constexpr int kThreads = 128;

constexpr size_t align128(size_t x) {
    return (x + 127) / 128 * 128;
}

// Shared memory of one block, byte offsets (each 128-aligned: WMMA pointers must be 32-byte aligned, and
// every leading dimension below keeps 16-row fragment offsets aligned). 88,832 bytes at D 128 (within the
// 99 KiB a block may have on consumer Ampere, Ada and Blackwell), 64,256 at D 64 (within Turing's 64 KiB);
// attention_prefill_tc_supported checks the device's limit.
template <int D>
struct Layout {
    static constexpr int ldh = D + 8;   // Q and K/V tiles, halfs per row
    static constexpr int ldf = kK + 4;  // S, then (per warp, one 16×16 fragment at a time) the O round trip
    static constexpr int ldp = kK + 8;  // P, halfs per row
    static constexpr size_t q_hi = 0;
    static constexpr size_t q_lo = align128(q_hi + size_t{kQ} * ldh * 2);
    static constexpr size_t kv = align128(q_lo + size_t{kQ} * ldh * 2);
    static constexpr size_t f = align128(kv + size_t{kK} * ldh * 2);
    static constexpr size_t p_hi = align128(f + size_t{kQ} * ldf * 4);
    static constexpr size_t p_lo = align128(p_hi + size_t{kQ} * ldp * 2);
    static constexpr size_t rows = align128(p_lo + size_t{kQ} * ldp * 2);  // m, l, corr per query row
    static constexpr size_t bytes = align128(rows + size_t{3} * kQ * 4);
};

__device__ __forceinline__ void split_half(float x, __half *hi, __half *lo) {
    const __half h = __float2half_rn(x);
    *hi = h;
    *lo = __float2half_rn(x - __half2float(h));
}

// rows j0..j0+kK−1 of one head's K or V (16-byte vectors; rows at or past `end` are zero).
template <int D>
__device__ __forceinline__ void load_tile(__half *dst, const __half *base, int64_t row_stride, int64_t j0,
                                          int64_t end) {
    constexpr int kVec = D / 8;
    for (int e = threadIdx.x; e < kK * kVec; e += kThreads) {
        const int r = e / kVec, c = e % kVec;
        const int64_t j = j0 + r;
        const uint4 v = j < end ? *reinterpret_cast<const uint4 *>(base + j * row_stride + c * 8)
                                : make_uint4(0, 0, 0, 0);
        *reinterpret_cast<uint4 *>(dst + r * Layout<D>::ldh + c * 8) = v;
    }
}

template <int D>
__global__ void __launch_bounds__(kThreads)
    attention_tc_kernel(const __half *__restrict__ kc, const __half *__restrict__ vc,
                        const float *__restrict__ q, int64_t ldq, const int32_t *pos0, int64_t n, int H,
                        int Hkv, float scale, float *__restrict__ out) {
    using L = Layout<D>;
    extern __shared__ __align__(128) unsigned char sm[];
    __half *qh = reinterpret_cast<__half *>(sm + L::q_hi);
    __half *ql = reinterpret_cast<__half *>(sm + L::q_lo);
    __half *kv = reinterpret_cast<__half *>(sm + L::kv);
    float *fb = reinterpret_cast<float *>(sm + L::f);
    __half *ph = reinterpret_cast<__half *>(sm + L::p_hi);
    __half *pl = reinterpret_cast<__half *>(sm + L::p_lo);
    float *row_m = reinterpret_cast<float *>(sm + L::rows);
    float *row_l = row_m + kQ;
    float *row_c = row_l + kQ;

    const int h = blockIdx.y, kvh = h / (H / Hkv);
    const int64_t t0 = static_cast<int64_t>(gridDim.x - 1 - blockIdx.x) * kQ;  // longest tiles first
    const int64_t p0 = *pos0;
    const int tid = threadIdx.x, warp = tid / kWarp, lane = tid % kWarp;
    const int r0 = warp * 16;  // this warp's rows of the block's queries
    const int64_t row_stride = static_cast<int64_t>(Hkv) * D;
    const __half *kbase = kc + static_cast<int64_t>(kvh) * D;
    const __half *vbase = vc + static_cast<int64_t>(kvh) * D;

    for (int e = tid; e < kQ * D; e += kThreads) {
        const int r = e / D, d = e % D;
        const int64_t t = t0 + r;
        split_half(t < n ? q[t * ldq + static_cast<int64_t>(h) * D + d] : 0.0f, &qh[r * L::ldh + d],
                   &ql[r * L::ldh + d]);
    }
    if (tid < kQ) {
        row_m[tid] = -INFINITY;
        row_l[tid] = 0.0f;
    }
    const int64_t kv_end = p0 + min(t0 + kQ, n);  // rows any query of the block sees

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> o[D / 16];
#pragma unroll
    for (int i = 0; i < D / 16; ++i)
        wmma::fill_fragment(o[i], 0.0f);
    float *wf = fb + r0 * L::ldf;  // this warp's rows of S, then of the O round trip

    for (int64_t j0 = 0; j0 < kv_end; j0 += kK) {
        __syncthreads();  // the previous V tile is consumed (and Q loaded)
        load_tile<D>(kv, kbase, row_stride, j0, kv_end);
        __syncthreads();

        // S = Q·Kᵀ for this warp's 16 rows: Kᵀ is K read column-major.
#pragma unroll
        for (int kb = 0; kb < kK / 16; ++kb) {
            wmma::fragment<wmma::accumulator, 16, 16, 16, float> s;
            wmma::fill_fragment(s, 0.0f);
#pragma unroll
            for (int d0 = 0; d0 < D; d0 += 16) {
                wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a_hi, a_lo;
                wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> b;
                wmma::load_matrix_sync(a_hi, qh + r0 * L::ldh + d0, L::ldh);
                wmma::load_matrix_sync(a_lo, ql + r0 * L::ldh + d0, L::ldh);
                wmma::load_matrix_sync(b, kv + kb * 16 * L::ldh + d0, L::ldh);
                wmma::mma_sync(s, a_hi, b, s);
                wmma::mma_sync(s, a_lo, b, s);
            }
            wmma::store_matrix_sync(wf + kb * 16, s, L::ldf, wmma::mem_row_major);
        }
        __syncwarp();

        // Online softmax: lanes 2i and 2i+1 share row r0 + i, 32 columns each.
        {
            const int r = r0 + lane / 2, c0 = (lane % 2) * (kK / 2);
            const int64_t t = t0 + r, last = p0 + t;
            const bool valid = t < n;
            float *srow = fb + r * L::ldf;
            float mx = -INFINITY;
            for (int c = c0; c < c0 + kK / 2; ++c) {
                const int64_t j = j0 + c;
                const float v = valid && j <= last ? srow[c] * scale : -INFINITY;
                srow[c] = v;
                mx = fmaxf(mx, v);
            }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
            const float m_old = row_m[r];
            const float m_new = fmaxf(m_old, mx);
            const float m_use = m_new == -INFINITY ? 0.0f : m_new;  // nothing visible yet
            const float corr = expf(m_old - m_use);
            float sum = 0.0f;
            for (int c = c0; c < c0 + kK / 2; ++c) {
                const float p = expf(srow[c] - m_use);
                split_half(p, &ph[r * L::ldp + c], &pl[r * L::ldp + c]);
                sum += p;
            }
            sum += __shfl_xor_sync(0xffffffffu, sum, 1);
            __syncwarp();  // both lanes of the row have read row_m
            if (lane % 2 == 0) {
                row_m[r] = m_new;
                row_l[r] = row_l[r] * corr + sum;
                row_c[r] = corr;
            }
        }
        __syncwarp();

        // O ·= corr per row: WMMA accumulators have no row mapping, so through shared memory — this warp's
        // rows of S (consumed: P is written), one 16×16 fragment at a time.
#pragma unroll
        for (int i = 0; i < D / 16; ++i) {
            wmma::store_matrix_sync(wf, o[i], L::ldf, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 16 * 16; e += kWarp)
                wf[(e / 16) * L::ldf + e % 16] *= row_c[r0 + e / 16];
            __syncwarp();
            wmma::load_matrix_sync(o[i], wf, L::ldf, wmma::mem_row_major);
            __syncwarp();
        }

        __syncthreads();  // every warp is done with K
        load_tile<D>(kv, vbase, row_stride, j0, kv_end);
        __syncthreads();

        // O += P·V
#pragma unroll
        for (int kb = 0; kb < kK / 16; ++kb) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a_hi, a_lo;
            wmma::load_matrix_sync(a_hi, ph + r0 * L::ldp + kb * 16, L::ldp);
            wmma::load_matrix_sync(a_lo, pl + r0 * L::ldp + kb * 16, L::ldp);
#pragma unroll
            for (int i = 0; i < D / 16; ++i) {
                wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b;
                wmma::load_matrix_sync(b, kv + kb * 16 * L::ldh + i * 16, L::ldh);
                wmma::mma_sync(o[i], a_hi, b, o[i]);
                wmma::mma_sync(o[i], a_lo, b, o[i]);
            }
        }
    }

    __syncwarp();
#pragma unroll
    for (int i = 0; i < D / 16; ++i) {
        wmma::store_matrix_sync(wf, o[i], L::ldf, wmma::mem_row_major);
        __syncwarp();
        for (int e = lane; e < 16 * 16; e += kWarp) {
            const int rr = e / 16, c = e % 16;
            const int64_t t = t0 + r0 + rr;
            if (t < n)
                out[(t * H + h) * static_cast<int64_t>(D) + i * 16 + c] =
                    wf[rr * L::ldf + c] / row_l[r0 + rr];
        }
        __syncwarp();
    }
}

template <int D>
void launch(const AttentionArgs &a, cudaStream_t stream) {
    constexpr size_t smem = Layout<D>::bytes;
    auto kernel = attention_tc_kernel<D>;
    cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    const dim3 grid(static_cast<unsigned>((a.n + kQ - 1) / kQ), static_cast<unsigned>(a.shape.n_head));
    kernel<<<grid, kThreads, smem, stream>>>(
        static_cast<const __half *>(a.k_cache), static_cast<const __half *>(a.v_cache), a.q, a.ldq, a.pos0,
        a.n, static_cast<int>(a.shape.n_head), static_cast<int>(a.shape.n_head_kv), a.shape.scale, a.out);
}

}  // namespace

bool attention_prefill_tc_supported(const AttentionArgs &a) {
    const AttentionShape &s = a.shape;
    if (a.kv_type != KvType::f16 || a.n < kAttentionTcMinTokens || s.head_dim_k != s.head_dim_v ||
        (s.head_dim_k != 64 && s.head_dim_k != 128))
        return false;
    // The block's shared memory must fit what this device allows one block (Turing: 64 KiB, so D 128
    // stays on the f32 kernel there).
    int device = 0, optin = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    const size_t need = s.head_dim_k == 64 ? Layout<64>::bytes : Layout<128>::bytes;
    return need <= static_cast<size_t>(optin);
}

void attention_prefill_tc(const AttentionArgs &a, cudaStream_t stream) {
    if (a.shape.head_dim_k == 64)
        launch<64>(a, stream);
    else
        launch<128>(a, stream);
}

}  // namespace nd::cuda
