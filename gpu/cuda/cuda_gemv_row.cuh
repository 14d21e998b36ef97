#pragma once
// The block-level body of the matrix-vector kernels (cuda_gemv.cu, cuda_gemv_experts.cu): one thread
// block computes kGemvRowsPerBlock consecutive outputs o of y[t][o] = Σ_i W[o][i]·x[t][i] for N
// activation rows t, reading each weight once for all N rows.
//
//   W  (n_out, row_bytes) in its GGUF type     x (N, ldx) f32     y (N, ldy) f32
//
// Launch shape: kGemvThreads = 4 warps per block. Lane l of warp w handles the groups of 8 elements
// g = 32w + l + 128i (i = 0, 1, …) of each of the block's rows: a warp step covers 256 consecutive
// elements, so the weight bytes of a row are read contiguously and the x reads (two float4 per lane and
// row of x) are contiguous across the warp. Each lane decodes its group of every block row first, then
// loads each x row once and uses it for all block rows (x traffic / kGemvRowsPerBlock).
// Precision: weights decoded exactly (cuda_quant.cuh) as a·q (+ b) per group of 8, x in f32, f32 FMA
// accumulation of a·Σq·x (+ b·Σx) per group, then a warp shuffle sum and a sum over the 4 warps in shared
// memory.
#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_quant.cuh"
#include "gpu/cuda/cuda_quantize_act.cuh"

namespace nd::cuda {

constexpr int kGemvWarps = 4;
constexpr int kGemvThreads = kGemvWarps * kWarp;
constexpr int kGemvRowsPerBlock = 4;

// 8 consecutive x values of group g (elements 8g ..), zero past n_in. xvec: x rows are 16-byte aligned.
__device__ __forceinline__ void gemv_load_x8(const float *x, int64_t g, int64_t n_in, bool xvec, float *v) {
    const int64_t e0 = g * quant::kGroup;
    if (xvec && e0 + quant::kGroup <= n_in) {
        const float4 a = __ldg(reinterpret_cast<const float4 *>(x + e0));
        const float4 b = __ldg(reinterpret_cast<const float4 *>(x + e0) + 1);
        v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = b.x, v[5] = b.y, v[6] = b.z, v[7] = b.w;
        return;
    }
#pragma unroll
    for (int i = 0; i < quant::kGroup; ++i)
        v[i] = e0 + i < n_in ? __ldg(x + e0 + i) : 0.0f;
}

// What the block body needs besides the matrix type and N (all uniform over the grid).
struct GemvRowArgs {
    const uint8_t *mat = nullptr;  // the (expert) matrix: row o at mat + o * row_bytes
    int64_t row_bytes = 0;
    int64_t n_in = 0;
    int64_t n_out = 0;
    const float *x = nullptr;  // (N, ldx)
    int64_t ldx = 0;
    float *y = nullptr;  // (N, ldy)
    int64_t ldy = 0;
    const float *bias = nullptr;  // (n_out) or nullptr
    bool wvec = false;            // F32/F16/BF16 rows 16-byte aligned
    bool xvec = false;            // x and ldx allow float4 loads
};

// Computes outputs row0 .. row0 + kGemvRowsPerBlock − 1 (those < n_out). Called by all kGemvThreads
// threads of the block (it synchronises once).
template <GgmlType T, int N>
__device__ __forceinline__ void gemv_block_rows(const GemvRowArgs &a, int64_t row0) {
    constexpr int R = kGemvRowsPerBlock;
    const int lane = static_cast<int>(threadIdx.x) % kWarp, warp = static_cast<int>(threadIdx.x) / kWarp;
    const uint8_t *rows[R];
#pragma unroll
    for (int r = 0; r < R; ++r) {
        // Rows past the end re-read the last row (no divergence) and are not written.
        const int64_t o = row0 + r < a.n_out ? row0 + r : a.n_out - 1;
        rows[r] = a.mat + o * a.row_bytes;
    }
    float acc[R][N];
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
        for (int t = 0; t < N; ++t)
            acc[r][t] = 0.0f;

    const int64_t n_groups = quant::groups_per_row(a.n_in);
#pragma unroll 2
    for (int64_t g = warp * kWarp + lane; g < n_groups; g += kGemvThreads) {
        float q[R][quant::kGroup], sa[R], sb[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            quant::decode_group<T>(rows[r], g, a.n_in, a.wvec, q[r], &sa[r], &sb[r]);
#pragma unroll
        for (int t = 0; t < N; ++t) {
            float xv[quant::kGroup];
            gemv_load_x8(a.x + t * a.ldx, g, a.n_in, a.xvec, xv);
            float sx = 0.0f;  // Σ x_i, for the offset b of Q4_1/Q5_1/Q4_K/Q5_K
            if constexpr (quant::kHasOffset<T>) {
#pragma unroll
                for (int i = 0; i < quant::kGroup; ++i)
                    sx += xv[i];
            }
#pragma unroll
            for (int r = 0; r < R; ++r) {
                float s = q[r][0] * xv[0];
#pragma unroll
                for (int i = 1; i < quant::kGroup; ++i)
                    s = fmaf(q[r][i], xv[i], s);
                acc[r][t] = fmaf(sa[r], s, acc[r][t]);
                if constexpr (quant::kHasOffset<T>)
                    acc[r][t] = fmaf(sb[r], sx, acc[r][t]);
            }
        }
    }

    __shared__ float part[kGemvWarps][R * N];
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
        for (int t = 0; t < N; ++t) {
            const float s = warp_sum(acc[r][t]);
            if (lane == 0)
                part[warp][r * N + t] = s;
        }
    __syncthreads();
    if (threadIdx.x < R * N) {
        const int r = static_cast<int>(threadIdx.x) / N, t = static_cast<int>(threadIdx.x) % N;
        const int64_t o = row0 + r;
        if (o < a.n_out) {
            float s = 0.0f;
#pragma unroll
            for (int w = 0; w < kGemvWarps; ++w)
                s += part[w][threadIdx.x];
            if (a.bias)
                s += a.bias[o];
            a.y[t * a.ldy + o] = s;
        }
    }
}

inline bool gemv_x_vec(const float *x, int64_t ldx) {
    return reinterpret_cast<uintptr_t>(x) % 16 == 0 && ldx % 4 == 0;
}

// --- MMVQ: the quantized types against int8 activations (cuda_quantize_act.cuh) --------------------------
//
// A row is cut into "units" of 32 elements: one legacy block (Q4_0 .. IQ4_NL), or an eighth of a K-quant
// super-block. A unit decodes to 8 int32 words of 4 signed weight codes (wq, elements in the order of the
// activation words xv that load_x gives), dotted with __dp4a, then scaled in f32 as the CPU's scalar
// kernel (gpu/cpu/cpu_dot_scalar.cpp) does per block (legacy) or per super-block (K-quants: per unit, the
// same products on the unit's part of sumi / summ, so only the order of f32 additions differs).
//
// Launch shape: kGemvThreads (4 warps) per block, a warp per R consecutive output rows; lane l takes
// units l, l + 32, ...: a warp step reads 32 consecutive legacy blocks / 4 super-blocks of each row.
// Each weight unit is decoded once and used for all N activation rows.

// bits [sh, sh + 32) of the 64-bit value hi:lo
__device__ __forceinline__ uint32_t mmvq_fs(uint32_t lo, uint32_t hi, int sh) {
    return __funnelshift_r(lo, hi, sh);
}

// The first ceil(B / 4) 32-bit words of the B bytes at a 2-byte aligned p, read as 8-byte words from p
// rounded down to 8 (the last load may read up to 6 bytes past the block, inside the same 8-byte word).
template <int B>
__device__ __forceinline__ void mmvq_load_words(const uint8_t *p, uint32_t (&w)[(B + 3) / 4]) {
    constexpr int kW = (B + 3) / 4, kL = (B + 6 + 7) / 8;
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    const uint2 *base = reinterpret_cast<const uint2 *>(a & ~uintptr_t{7});
    uint32_t r[2 * kL + 2];
#pragma unroll
    for (int i = 0; i < kL; ++i) {
        const uint2 v = __ldg(base + i);
        r[2 * i] = v.x, r[2 * i + 1] = v.y;
    }
    r[2 * kL] = 0, r[2 * kL + 1] = 0;
    const bool odd = (a & 4) != 0;
    const int sh = static_cast<int>(a & 2) * 8;
#pragma unroll
    for (int i = 0; i < kW; ++i) {
        const uint32_t lo = odd ? r[i + 1] : r[i];
        const uint32_t hi = odd ? r[i + 2] : r[i + 1];
        w[i] = mmvq_fs(lo, hi, sh);
    }
}

__device__ __forceinline__ float mmvq_half(uint32_t bits) {
    return f16_bits_to_float(static_cast<uint16_t>(bits & 0xFFFFu));
}

// Activation words of one unit for one activation row.
struct MmvqX {
    int v[8];
    float d, s;    // Q8_0/Q8_1/Q8_K d; Q8_1 s
    int bs0, bs1;  // Q4_K/Q5_K: the bsums of the unit's two 16-element halves... see MmvqUnit
};

// One weight unit, decoded.
struct MmvqW {
    int q[8];
    float d, m;    // legacy: d, m (Q4_1/Q5_1); K: d, dmin (already f32); Q6_K: d
    int sc0, sc1;  // Q4_K/Q5_K: scales of the unit's two sub-blocks; Q6_K: unused
    int mn0, mn1;  // Q4_K/Q5_K mins
    int sc6[4];    // Q6_K: the 4 int8 scales
};

template <GgmlType T>
inline constexpr bool kMmvqK = T == GgmlType::q4_k || T == GgmlType::q5_k || T == GgmlType::q6_k;

template <GgmlType T>
__host__ __device__ constexpr int64_t mmvq_units_per_row(int64_t n_in) {
    return n_in / 32;
}

// The 6-bit scale and min of sub-blocks j of a Q4_K/Q5_K super-block (scales s0 s1 s2: bytes 0..11).
__device__ __forceinline__ void mmvq_scale_min(uint32_t s0, uint32_t s1, uint32_t s2, int j, int *sc,
                                               int *mn) {
    using quant::scale_byte;
    if (j < 4) {
        *sc = static_cast<int>(scale_byte(s0, s1, s2, j) & 63);
        *mn = static_cast<int>(scale_byte(s0, s1, s2, j + 4) & 63);
    } else {
        *sc = static_cast<int>((scale_byte(s0, s1, s2, j + 4) & 0xF) |
                               ((scale_byte(s0, s1, s2, j - 4) >> 6) << 4));
        *mn =
            static_cast<int>((scale_byte(s0, s1, s2, j + 4) >> 4) | ((scale_byte(s0, s1, s2, j) >> 6) << 4));
    }
}

template <GgmlType T>
__device__ __forceinline__ void mmvq_load_w(const uint8_t *row, int64_t u, MmvqW &w) {
    constexpr uint32_t k0F = 0x0F0F0F0Fu;
    if constexpr (T == GgmlType::q8_0) {
        uint32_t b[9];
        mmvq_load_words<34>(row + u * 34, b);
        w.d = mmvq_half(b[0]);
#pragma unroll
        for (int k = 0; k < 8; ++k)
            w.q[k] = static_cast<int>(mmvq_fs(b[k], b[k + 1], 16));
    } else if constexpr (T == GgmlType::q4_0 || T == GgmlType::iq4_nl) {
        uint32_t b[5];
        mmvq_load_words<18>(row + u * 18, b);
        w.d = mmvq_half(b[0]);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const uint32_t q = mmvq_fs(b[k], b[k + 1], 16);
            if constexpr (T == GgmlType::q4_0) {
                w.q[k] = static_cast<int>(__vsub4(q & k0F, 0x08080808u));
                w.q[4 + k] = static_cast<int>(__vsub4((q >> 4) & k0F, 0x08080808u));
            } else {
                w.q[k] = static_cast<int>(quant::iq4nl_lookup4(q & k0F));
                w.q[4 + k] = static_cast<int>(quant::iq4nl_lookup4((q >> 4) & k0F));
            }
        }
    } else if constexpr (T == GgmlType::q4_1) {
        uint32_t b[5];
        mmvq_load_words<20>(row + u * 20, b);
        w.d = mmvq_half(b[0]);
        w.m = mmvq_half(b[0] >> 16);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            w.q[k] = static_cast<int>(b[1 + k] & k0F);
            w.q[4 + k] = static_cast<int>((b[1 + k] >> 4) & k0F);
        }
    } else if constexpr (T == GgmlType::q5_0) {
        uint32_t b[6];
        mmvq_load_words<22>(row + u * 22, b);
        w.d = mmvq_half(b[0]);
        const uint32_t qh = mmvq_fs(b[0], b[1], 16);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const uint32_t q = mmvq_fs(b[1 + k], b[2 + k], 16);
            w.q[k] = static_cast<int>(__vsub4((q & k0F) | quant::spread4(qh >> (4 * k)), 0x10101010u));
            w.q[4 + k] =
                static_cast<int>(__vsub4(((q >> 4) & k0F) | quant::spread4(qh >> (16 + 4 * k)), 0x10101010u));
        }
    } else if constexpr (T == GgmlType::q5_1) {
        uint32_t b[6];
        mmvq_load_words<24>(row + u * 24, b);
        w.d = mmvq_half(b[0]);
        w.m = mmvq_half(b[0] >> 16);
        const uint32_t qh = b[1];
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const uint32_t q = b[2 + k];
            w.q[k] = static_cast<int>((q & k0F) | quant::spread4(qh >> (4 * k)));
            w.q[4 + k] = static_cast<int>(((q >> 4) & k0F) | quant::spread4(qh >> (16 + 4 * k)));
        }
    } else if constexpr (T == GgmlType::q4_k || T == GgmlType::q5_k) {
        // Unit i of super-block sb: c = i / 2, h = i % 2: qs bytes 32c + 16h .. + 16, whose low nibbles are
        // elements 64c + 16h + (0..15) (sub-block 2c) and high nibbles 64c + 32 + 16h + (0..15) (2c + 1).
        constexpr int kBytes = T == GgmlType::q4_k ? 144 : 176;
        const int64_t sb = u >> 3;
        const int i = static_cast<int>(u & 7), c = i >> 1, h = i & 1;
        const uint8_t *blk = row + sb * kBytes;
        const uint4 hd = __ldg(reinterpret_cast<const uint4 *>(blk));  // d dmin | scales[12]
        w.d = mmvq_half(hd.x);
        w.m = mmvq_half(hd.x >> 16);
        mmvq_scale_min(hd.y, hd.z, hd.w, 2 * c, &w.sc0, &w.mn0);
        mmvq_scale_min(hd.y, hd.z, hd.w, 2 * c + 1, &w.sc1, &w.mn1);
        const uint4 qv =
            __ldg(reinterpret_cast<const uint4 *>(blk + (T == GgmlType::q4_k ? 16 : 48) + 32 * c + 16 * h));
        const uint32_t qq[4] = {qv.x, qv.y, qv.z, qv.w};
        uint32_t hh[4] = {0, 0, 0, 0};
        if constexpr (T == GgmlType::q5_k) {
            const uint4 hv = __ldg(reinterpret_cast<const uint4 *>(blk + 16 + 16 * h));
            hh[0] = hv.x, hh[1] = hv.y, hh[2] = hv.z, hh[3] = hv.w;
        }
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            uint32_t lo = qq[k] & k0F, hi = (qq[k] >> 4) & k0F;
            if constexpr (T == GgmlType::q5_k) {
                lo |= ((hh[k] >> (2 * c)) & 0x01010101u) << 4;
                hi |= ((hh[k] >> (2 * c + 1)) & 0x01010101u) << 4;
            }
            w.q[k] = static_cast<int>(lo);
            w.q[4 + k] = static_cast<int>(hi);
        }
    } else if constexpr (T == GgmlType::q6_k) {
        // Unit i: half n = i / 4, l = 8(i % 4) .. + 8: elements 128n + 32p + l (p = 0..3), words 2p, 2p + 1.
        const int64_t sb = u >> 3;
        const int i = static_cast<int>(u & 7), n = i >> 2, l0 = 8 * (i & 3);
        const uint8_t *blk = row + sb * 210;
        const uint2 ql0 = quant::ld_u64_a2(blk + 64 * n + l0);
        const uint2 ql1 = quant::ld_u64_a2(blk + 64 * n + 32 + l0);
        const uint2 qh = quant::ld_u64_a2(blk + 128 + 32 * n + l0);
        const uint2 scw = quant::ld_u64_a2(blk + 192 + 8 * n);
        w.d = quant::ld_half(blk + 208);
        const uint32_t a0[2] = {ql0.x, ql0.y}, a1[2] = {ql1.x, ql1.y}, hq[2] = {qh.x, qh.y};
#pragma unroll
        for (int e = 0; e < 2; ++e) {
            const uint32_t v0 = (a0[e] & k0F) | ((hq[e] & 0x03030303u) << 4);
            const uint32_t v1 = (a1[e] & k0F) | (((hq[e] >> 2) & 0x03030303u) << 4);
            const uint32_t v2 = ((a0[e] >> 4) & k0F) | (((hq[e] >> 4) & 0x03030303u) << 4);
            const uint32_t v3 = ((a1[e] >> 4) & k0F) | (((hq[e] >> 6) & 0x03030303u) << 4);
            w.q[0 + e] = static_cast<int>(__vsub4(v0, 0x20202020u));
            w.q[2 + e] = static_cast<int>(__vsub4(v1, 0x20202020u));
            w.q[4 + e] = static_cast<int>(__vsub4(v2, 0x20202020u));
            w.q[6 + e] = static_cast<int>(__vsub4(v3, 0x20202020u));
        }
        const int hi16 = (i & 3) >> 1;  // l0 / 16
#pragma unroll
        for (int p = 0; p < 4; ++p) {
            const int byte = 2 * p + hi16;
            const uint32_t word = byte < 4 ? scw.x : scw.y;
            w.sc6[p] = static_cast<int>(static_cast<int8_t>((word >> (8 * (byte & 3))) & 0xFFu));
        }
    }
}

// The activation words of unit u of activation row t, in the order of MmvqW::q.
template <GgmlType T>
__device__ __forceinline__ void mmvq_load_x(const ActQView &a, int64_t t, int64_t u, MmvqX &x) {
    const int8_t *qs = a.qs + t * a.n_in;
    if constexpr (!kMmvqK<T>) {
        const int4 *p = reinterpret_cast<const int4 *>(qs + 32 * u);
        const int4 v0 = __ldg(p), v1 = __ldg(p + 1);
        x.v[0] = v0.x, x.v[1] = v0.y, x.v[2] = v0.z, x.v[3] = v0.w;
        x.v[4] = v1.x, x.v[5] = v1.y, x.v[6] = v1.z, x.v[7] = v1.w;
        x.d = __ldg(a.d + t * a.nb + u);
        if constexpr (T == GgmlType::q4_1 || T == GgmlType::q5_1)
            x.s = __ldg(a.s + t * a.nb + u);
    } else {
        const int64_t sb = u >> 3;
        const int i = static_cast<int>(u & 7);
        const int8_t *xb = qs + 256 * sb;
        x.d = __ldg(a.d + t * a.nb + sb);
        if constexpr (T == GgmlType::q6_k) {
            const int n = i >> 2, l0 = 8 * (i & 3);
#pragma unroll
            for (int p = 0; p < 4; ++p) {
                const int2 v = __ldg(reinterpret_cast<const int2 *>(xb + 128 * n + 32 * p + l0));
                x.v[2 * p] = v.x, x.v[2 * p + 1] = v.y;
            }
        } else {
            const int c = i >> 1, h = i & 1;
            const int4 v0 = __ldg(reinterpret_cast<const int4 *>(xb + 64 * c + 16 * h));
            const int4 v1 = __ldg(reinterpret_cast<const int4 *>(xb + 64 * c + 32 + 16 * h));
            x.v[0] = v0.x, x.v[1] = v0.y, x.v[2] = v0.z, x.v[3] = v0.w;
            x.v[4] = v1.x, x.v[5] = v1.y, x.v[6] = v1.z, x.v[7] = v1.w;
            const int16_t *bs = a.bsums + (t * a.nb + sb) * 16;
            x.bs0 = __ldg(bs + 4 * c + h);
            x.bs1 = __ldg(bs + 4 * c + 2 + h);
        }
    }
}

// The unit's contribution, with the CPU scalar kernel's per-block arithmetic.
template <GgmlType T>
__device__ __forceinline__ float mmvq_dot(const MmvqW &w, const MmvqX &x) {
    if constexpr (!kMmvqK<T>) {
        int sumi = 0;
#pragma unroll
        for (int k = 0; k < 8; ++k)
            sumi = __dp4a(w.q[k], x.v[k], sumi);
        if constexpr (T == GgmlType::q4_1 || T == GgmlType::q5_1)
            return __fadd_rn(__fmul_rn(__fmul_rn(w.d, x.d), static_cast<float>(sumi)), __fmul_rn(w.m, x.s));
        else
            return __fmul_rn(__fmul_rn(static_cast<float>(sumi), w.d), x.d);
    } else if constexpr (T == GgmlType::q6_k) {
        int sumi = 0;
#pragma unroll
        for (int p = 0; p < 4; ++p)
            sumi += w.sc6[p] * __dp4a(w.q[2 * p + 1], x.v[2 * p + 1], __dp4a(w.q[2 * p], x.v[2 * p], 0));
        return __fmul_rn(__fmul_rn(w.d, x.d), static_cast<float>(sumi));
    } else {
        int lo = 0, hi = 0;
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            lo = __dp4a(w.q[k], x.v[k], lo);
            hi = __dp4a(w.q[4 + k], x.v[4 + k], hi);
        }
        const int sumi = w.sc0 * lo + w.sc1 * hi;
        const int summ = w.mn0 * x.bs0 + w.mn1 * x.bs1;
        return __fsub_rn(__fmul_rn(__fmul_rn(w.d, x.d), static_cast<float>(sumi)),
                         __fmul_rn(__fmul_rn(w.m, x.d), static_cast<float>(summ)));
    }
}

// Output rows handled by one warp for N activation rows (x words are reused across them).
template <int N>
inline constexpr int kMmvqRowsPerWarp = N >= 3 ? 2 : 1;

// What the MMVQ body needs besides T and N.
struct MmvqArgs {
    const uint8_t *mat = nullptr;  // row o at mat + o * row_bytes
    int64_t row_bytes = 0;
    int64_t n_in = 0;
    int64_t n_out = 0;
    ActQView act;  // activation rows xrow0 .. xrow0 + N - 1 are used
    int64_t xrow0 = 0;
    float *y = nullptr;  // (N, ldy)
    int64_t ldy = 0;
    const float *bias = nullptr;
};

// Rows row0 .. row0 + R − 1 (those < n_out), by one warp (lane = threadIdx.x % 32).
template <GgmlType T, int N>
__device__ __forceinline__ void mmvq_warp_rows(const MmvqArgs &a, int64_t row0) {
    constexpr int R = kMmvqRowsPerWarp<N>;
    if (row0 >= a.n_out)
        return;
    const int lane = static_cast<int>(threadIdx.x) % kWarp;
    const uint8_t *rows[R];
#pragma unroll
    for (int r = 0; r < R; ++r) {
        const int64_t o = row0 + r < a.n_out ? row0 + r : a.n_out - 1;
        rows[r] = a.mat + o * a.row_bytes;
    }
    float acc[R][N];
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
        for (int t = 0; t < N; ++t)
            acc[r][t] = 0.0f;
    const int64_t units = mmvq_units_per_row<T>(a.n_in);
#pragma unroll 2
    for (int64_t u = lane; u < units; u += kWarp) {
        MmvqW w[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            mmvq_load_w<T>(rows[r], u, w[r]);
#pragma unroll
        for (int t = 0; t < N; ++t) {
            MmvqX x;
            mmvq_load_x<T>(a.act, a.xrow0 + t, u, x);
#pragma unroll
            for (int r = 0; r < R; ++r)
                acc[r][t] = __fadd_rn(acc[r][t], mmvq_dot<T>(w[r], x));
        }
    }
#pragma unroll
    for (int r = 0; r < R; ++r)
#pragma unroll
        for (int t = 0; t < N; ++t) {
            const float s = warp_sum(acc[r][t]);
            const int64_t o = row0 + r;
            if (lane == r * N + t && o < a.n_out)
                a.y[t * a.ldy + o] = a.bias ? s + a.bias[o] : s;
        }
}

}  // namespace nd::cuda
