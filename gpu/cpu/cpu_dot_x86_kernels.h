// Internal to gpu/cpu, included by cpu_dot_avx2.cpp and cpu_dot_avx512.cpp after cpu_dot_x86_vec.h (no
// include guard): the x86 kernels of every weight type, written once in the 64-byte vocabulary.
//
// Tiling: a tile is kRows weight rows × kToks tokens (kRows × 1 for decode). Per step, each weight row's
// next 64 elements are decoded once into codes and used for every token of the tile, and each token's
// activations once for every row; a tile's accumulators stay in registers (16 zmm for 4 × 4). Rows or
// tokens past the end of a partial tile repeat the last one (computed, never stored).
//
// Exactness: integer dots per block are exact; each block's int32 lanes are converted to f32 and scaled by
// dw·dx as ggml does, so only the order of the float additions differs from the scalar kernels.
namespace nd::cpu {
namespace {

// Decode reads every weight once, so the one-token tiles are bound by memory latency, not arithmetic: a
// tile's rows are short streams (a 1024-wide Q4_0 row is 9 cache lines) that the hardware prefetcher
// barely trains on. So while a tile computes, it prefetches the next tile's rows (they follow in memory),
// spread over its steps, and a core keeps enough misses in flight to reach the memory bandwidth.
// Prefetching past the matrix is harmless (prefetches never fault).
template <int R>
struct NextTilePrefetch {
    const char *base;
    int64_t bytes, per_step;
    NextTilePrefetch(const DotArgs &a, int64_t r0, int64_t n_steps)
        : base(reinterpret_cast<const char *>(a.w + (r0 + R) * a.w_row_bytes)), bytes(R * a.w_row_bytes) {
        per_step = ((bytes + n_steps - 1) / n_steps + 63) / 64 * 64;
    }
    void step(int64_t s) const {
        const int64_t end = std::min(bytes, (s + 1) * per_step);
        for (int64_t off = s * per_step; off < end; off += 64)
            _mm_prefetch(base + off, _MM_HINT_T0);
    }
};

// ---- what every register tile shares -----------------------------------------------------------------

// The tile's weight rows and token rows (past the end of a partial tile: the last real one again) and its
// zeroed accumulators.
template <int R, int T>
inline void tile_begin(const DotArgs &a, int64_t r0, int nr, int64_t t0, int nt, const uint8_t *(&w)[R],
                       const uint8_t *(&x)[T], VF (&acc)[R][T]) {
    for (int i = 0; i < R; ++i)
        w[i] = a.w + (r0 + (i < nr ? i : nr - 1)) * a.w_row_bytes;
    for (int j = 0; j < T; ++j)
        x[j] = a.xq + (t0 + (j < nt ? j : nt - 1)) * a.xq_row_bytes;
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < T; ++j)
            acc[i][j] = vf_zero();
}

// Stores the real rows × tokens of the tile.
template <int R, int T>
inline void tile_end(const DotArgs &a, int64_t r0, int nr, int64_t t0, int nt, const VF (&acc)[R][T]) {
    for (int j = 0; j < nt; ++j)
        for (int i = 0; i < nr; ++i)
            a.y[(t0 + j) * a.ldy + r0 + i] = vf_hsum(acc[i][j]);
}

// ---- the legacy 32-element types against Q8_0 / Q8_1 activations: two blocks per 64-byte step ----------

// Each decoder returns the 64 weight codes of blocks p0 and p1 (p1 may repeat p0 at a row's odd end).
// kOffset: codes are unsigned, stored value = code + kOffset (the dot subtracts kOffset·Σx per lane);
// kSigned: codes are signed int8 (Q8_0, IQ4_NL); kMin: the block has a min m (adds m·s).
struct DecQ8_0 {
    static constexpr int kBytes = 34, kOffset = 0;
    static constexpr bool kSigned = true, kMin = false;
    static VI codes(const uint8_t *p0, const uint8_t *p1) { return vi_cat(load256(p0 + 2), load256(p1 + 2)); }
};
struct DecQ4_0 {
    static constexpr int kBytes = 18, kOffset = 8;
    static constexpr bool kSigned = false, kMin = false;
    static VI codes(const uint8_t *p0, const uint8_t *p1) { return vi_nibbles2(p0 + 2, p1 + 2); }
};
struct DecQ4_1 {
    static constexpr int kBytes = 20, kOffset = 0;
    static constexpr bool kSigned = false, kMin = true;
    static VI codes(const uint8_t *p0, const uint8_t *p1) { return vi_nibbles2(p0 + 4, p1 + 4); }
};
struct DecQ5_0 {
    static constexpr int kBytes = 22, kOffset = 16;
    static constexpr bool kSigned = false, kMin = false;
    static VI codes(const uint8_t *p0, const uint8_t *p1) {
        return vi_or(vi_nibbles2(p0 + 6, p1 + 6), vi_bits2(p0 + 2, p1 + 2));
    }
};
struct DecQ5_1 {
    static constexpr int kBytes = 24, kOffset = 0;
    static constexpr bool kSigned = false, kMin = true;
    static VI codes(const uint8_t *p0, const uint8_t *p1) {
        return vi_or(vi_nibbles2(p0 + 8, p1 + 8), vi_bits2(p0 + 4, p1 + 4));
    }
};
struct DecIq4Nl {
    static constexpr int kBytes = 18, kOffset = 0;
    static constexpr bool kSigned = true, kMin = false;
    static VI codes(const uint8_t *p0, const uint8_t *p1) {
        const __m256i grid =
            _mm256_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113, -127,
                             -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
        return vi_shuffle8(vi_cat(grid, grid), vi_nibbles2(p0 + 2, p1 + 2));
    }
};

template <class Dec, int R, int T>
void legacy_tile(const DotArgs &a, int64_t r0, int nr, int64_t t0, int nt) {
    const ActLayout &l = a.layout;
    const uint8_t *w[R];
    const uint8_t *x[T];
    VF acc[R][T];
    tile_begin(a, r0, nr, t0, nt, w, x, acc);
    // The lane-wise offset to take out of u8·s8 dots: -off·Σx per 4 bytes, the start of each dot.
    constexpr int kOff = Dec::kSigned ? kSignedOffset : Dec::kOffset;
    const int64_t nb = l.nb;
    const NextTilePrefetch<R> pf(a, r0, (nb + 1) / 2);
    for (int64_t b = 0; b < nb; b += 2) {
        if (T == 1)
            pf.step(b / 2);
        const bool tail = b + 1 == nb;  // an odd last block: its pair repeats it with scale 0
        const int64_t b1 = tail ? b : b + 1;
        VI xv[T], init[T];
        VF dx[T], sx[T];
        for (int j = 0; j < T; ++j) {
            const uint8_t *xr = x[j];
            xv[j] = tail ? vi_cat(load256(xr + 32 * b), load256(xr + 32 * b)) : vi_load(xr + 32 * b);
            dx[j] = vf_pair_ptr(xr + l.d_off + 4 * b, !tail);
            if (kOff != 0)
                init[j] = vi_dpbusd(vi_zero(), vi_set1_8(static_cast<char>(kOff)), vi_sub8(vi_zero(), xv[j]));
            else
                init[j] = vi_zero();
            if (Dec::kMin)
                sx[j] = vf_pair_ptr(xr + l.aux_off + 4 * b, !tail);
        }
        for (int i = 0; i < R; ++i) {
            const uint8_t *p0 = w[i] + b * Dec::kBytes, *p1 = w[i] + b1 * Dec::kBytes;
            const VI codes = Dec::codes(p0, p1);
            VF dw, mw;
            if (Dec::kMin)
                vf_pair_dm(p0, p1, &dw, &mw);
            else
                dw = vf_pair_f16(p0, p1);
            if (Dec::kSigned) {
                const VI prep = vi_prep_signed(codes);
                for (int j = 0; j < T; ++j) {
                    const VI dot = vi_dot_signed(init[j], codes, prep, xv[j]);
                    acc[i][j] = vf_fma(vf_cvt(dot), vf_mul(dw, dx[j]), acc[i][j]);
                }
            } else {
                for (int j = 0; j < T; ++j) {
                    const VI dot = vi_dpbusd(init[j], codes, xv[j]);
                    acc[i][j] = vf_fma(vf_cvt(dot), vf_mul(dw, dx[j]), acc[i][j]);
                    if (Dec::kMin)
                        acc[i][j] = vf_fma(mw, sx[j], acc[i][j]);
                }
            }
        }
    }
    tile_end(a, r0, nr, t0, nt, acc);
}

// ---- Q4_K / Q5_K / Q6_K against Q8_K: 256 per super-block, 64 per step ----------------------------------

// The 8 six-bit scales and mins of a Q4_K/Q5_K super-block (spec §1.3), unpacked 4 at a time from u32s.
inline void kquant_scales(const uint8_t *q, uint8_t sc[8], uint8_t mn[8]) {
    uint32_t s0, s1, s2;
    std::memcpy(&s0, q, 4);
    std::memcpy(&s1, q + 4, 4);
    std::memcpy(&s2, q + 8, 4);
    const uint32_t lo_sc = s0 & 0x3f3f3f3fu, lo_mn = s1 & 0x3f3f3f3fu;
    const uint32_t hi_sc = (s2 & 0x0f0f0f0fu) | (((s0 >> 6) & 0x03030303u) << 4);
    const uint32_t hi_mn = ((s2 >> 4) & 0x0f0f0f0fu) | (((s1 >> 6) & 0x03030303u) << 4);
    std::memcpy(sc, &lo_sc, 4);
    std::memcpy(sc + 4, &hi_sc, 4);
    std::memcpy(mn, &lo_mn, 4);
    std::memcpy(mn + 4, &hi_mn, 4);
}

template <bool kFive, int R, int T>
void q45k_tile(const DotArgs &a, int64_t r0, int nr, int64_t t0, int nt) {
    constexpr int kBytes = kFive ? 176 : 144;
    const ActLayout &l = a.layout;
    const uint8_t *w[R];
    const uint8_t *x[T];
    VF acc[R][T];
    tile_begin(a, r0, nr, t0, nt, w, x, acc);
    const VI low4 = vi_set1_8(0x0F);
    const NextTilePrefetch<R> pf(a, r0, l.nb);
    for (int64_t b = 0; b < l.nb; ++b) {
        if (T == 1)
            pf.step(b);
        // Each token's 256 activations as the codes pair them: xg[c] = elements 128p + 32n + [0, 32) and
        // 128p + 32n + 64 + [0, 32), for c = 2p + n.
        VI xg[T][4];
        for (int j = 0; j < T; ++j) {
            const uint8_t *xq = x[j] + 256 * b;
            for (int c = 0; c < 4; ++c) {
                const uint8_t *base = xq + 128 * (c / 2) + 32 * (c % 2);
                xg[j][c] = vi_cat(load256(base), load256(base + 64));
            }
        }
        for (int i = 0; i < R; ++i) {
            const uint8_t *blk = w[i] + b * kBytes;
            uint8_t sc[8], mn[8];
            kquant_scales(blk + 4, sc, mn);
            const uint8_t *qs = blk + (kFive ? 48 : 16);
            VI codes[4], scales[4];
            const __m256i qh = kFive ? load256(blk + 16) : _mm256_setzero_si256();
            vi_kscales(sc, scales);
            // 64 bytes of qs at a time: their low nibbles are sub-blocks 4p and 4p+2, their high nibbles
            // 4p+1 and 4p+3 (the activations are gathered to match below, once per token, not per row).
            for (int pr = 0; pr < 2; ++pr) {
                const VI q = vi_load(qs + 64 * pr);
                VI lo = vi_and(q, low4), hi = vi_and(vi_srl16(q, 4), low4);
                if (kFive) {
                    const auto bit = [&](int s) {
                        const __m256i h0 = _mm256_srl_epi16(qh, _mm_cvtsi32_si128(s));
                        const __m256i h2 = _mm256_srl_epi16(qh, _mm_cvtsi32_si128(s + 2));
                        return vi_sll16(vi_and(vi_cat(h0, h2), vi_set1_8(0x01)), 4);
                    };
                    lo = vi_or(lo, bit(4 * pr));
                    hi = vi_or(hi, bit(4 * pr + 1));
                }
                codes[2 * pr] = lo;
                codes[2 * pr + 1] = hi;
            }
            // Each min twice, against the two 16-element bsums of its 32-element sub-block.
            const __m128i mn8 = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(mn));
            const __m256i mins = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mn8, mn8));
            const float d = half_to_f32(blk), dmin = half_to_f32(blk + 2);
            for (int j = 0; j < T; ++j) {
                const VI *xv = xg[j];
                VI dot = vi_zero();
                for (int c = 0; c < 4; ++c)
                    dot = vi_dpwssd(dot, vi_maddubs(codes[c], xv[c]), scales[c]);
                const __m256i bsums = load256(x[j] + l.aux_off + 32 * b);
                const VI msum = vi_zext(_mm256_madd_epi16(bsums, mins));
                const float dx = load_f32(x[j] + l.d_off + 4 * b);
                acc[i][j] = vf_fma(vf_cvt(dot), vf_set1(d * dx), acc[i][j]);
                acc[i][j] = vf_fma(vf_cvt(msum), vf_set1(-dmin * dx), acc[i][j]);
            }
        }
    }
    tile_end(a, r0, nr, t0, nt, acc);
}

template <int R, int T>
void q6k_tile(const DotArgs &a, int64_t r0, int nr, int64_t t0, int nt) {
    const ActLayout &l = a.layout;
    const uint8_t *w[R];
    const uint8_t *x[T];
    VF acc[R][T];
    tile_begin(a, r0, nr, t0, nt, w, x, acc);
    const VI low4 = vi_set1_8(0x0F), low2 = vi_set1_8(0x03);
    const NextTilePrefetch<R> pf(a, r0, l.nb);
    for (int64_t b = 0; b < l.nb; ++b) {
        if (T == 1)
            pf.step(b);
        for (int i = 0; i < R; ++i) {
            const uint8_t *blk = w[i] + b * 210;
            const auto *sc = reinterpret_cast<const int8_t *>(blk + 192);
            VI codes[4], scales[4];
            vi_q6scales(sc, scales);
            for (int n = 0; n < 2; ++n) {
                const VI ql = vi_load(blk + 64 * n);
                const __m256i qh = load256(blk + 128 + 32 * n);
                const VI h01 = vi_cat(qh, _mm256_srli_epi16(qh, 2));
                const VI h23 = vi_cat(_mm256_srli_epi16(qh, 4), _mm256_srli_epi16(qh, 6));
                codes[2 * n] = vi_or(vi_and(ql, low4), vi_sll16(vi_and(h01, low2), 4));
                codes[2 * n + 1] = vi_or(vi_and(vi_srl16(ql, 4), low4), vi_sll16(vi_and(h23, low2), 4));
            }
            // The codes are q + 32: Σ sc·(q+32)·x - 32·Σ_g sc_g·bsum_g.
            const __m256i sc_m32 = _mm256_slli_epi16(
                _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_cvtepi8_epi16(load128(sc))), 5);
            const float d = half_to_f32(blk + 208);
            for (int j = 0; j < T; ++j) {
                const uint8_t *xq = x[j] + 256 * b;
                VI dot = vi_zext(_mm256_madd_epi16(load256(x[j] + l.aux_off + 32 * b), sc_m32));
                for (int c = 0; c < 4; ++c)
                    dot = vi_dpwssd(dot, vi_maddubs(codes[c], vi_load(xq + 64 * c)), scales[c]);
                acc[i][j] = vf_fma(vf_cvt(dot), vf_set1(d * load_f32(x[j] + l.d_off + 4 * b)), acc[i][j]);
            }
        }
    }
    tile_end(a, r0, nr, t0, nt, acc);
}

// ---- F32 / F16 / BF16: 16 elements per step, f32 FMAs ----------------------------------------------

struct LoadF32 {
    static constexpr int kElemBytes = 4;
    static VF load(const uint8_t *p) { return vf_load(reinterpret_cast<const float *>(p)); }
};
struct LoadF16 {
    static constexpr int kElemBytes = 2;
    static VF load(const uint8_t *p) { return vf_load_f16(reinterpret_cast<const uint16_t *>(p)); }
};
struct LoadBf16 {
    static constexpr int kElemBytes = 2;
    static VF load(const uint8_t *p) { return vf_load_bf16(reinterpret_cast<const uint16_t *>(p)); }
};

// Ld reads the weights; the activations are always f32 (F16/BF16 ones already rounded, cpu_quant.h).
template <class Ld, int R, int T>
void float_tile(const DotArgs &a, int64_t r0, int nr, int64_t t0, int nt) {
    constexpr int kE = Ld::kElemBytes;
    const uint8_t *w[R];
    const uint8_t *x[T];
    VF acc[R][T];
    tile_begin(a, r0, nr, t0, nt, w, x, acc);
    const int64_t n = a.n_in, n16 = n / 16 * 16;
    const NextTilePrefetch<R> pf(a, r0, n16 / 16 > 0 ? n16 / 16 : 1);
    for (int64_t k = 0; k < n16; k += 16) {
        if (T == 1)
            pf.step(k / 16);
        VF xv[T];
        for (int j = 0; j < T; ++j)
            xv[j] = LoadF32::load(x[j] + k * 4);
        for (int i = 0; i < R; ++i) {
            const VF wv = Ld::load(w[i] + k * kE);
            for (int j = 0; j < T; ++j)
                acc[i][j] = vf_fma(wv, xv[j], acc[i][j]);
        }
    }
    if (n16 < n) {  // the last < 16 elements, through zero-padded copies (never read past a row)
        alignas(64) uint8_t xt[T][64], wt[64];
        VF xv[T];
        const size_t bytes = static_cast<size_t>((n - n16) * kE);
        for (int j = 0; j < T; ++j) {
            std::memset(xt[j], 0, sizeof xt[j]);
            std::memcpy(xt[j], x[j] + n16 * 4, static_cast<size_t>(n - n16) * 4);
            xv[j] = LoadF32::load(xt[j]);
        }
        for (int i = 0; i < R; ++i) {
            std::memset(wt, 0, sizeof wt);
            std::memcpy(wt, w[i] + n16 * kE, bytes);
            const VF wv = Ld::load(wt);
            for (int j = 0; j < T; ++j)
                acc[i][j] = vf_fma(wv, xv[j], acc[i][j]);
        }
    }
    tile_end(a, r0, nr, t0, nt, acc);
}

// ---- the driver: row groups of R, token groups of T (one token at a time for decode) -----------------

using TileFn = void (*)(const DotArgs &, int64_t, int, int64_t, int);

template <int R, TileFn kTileT, int T, TileFn kTile1>
void drive(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    for (int64_t r = row_begin; r < row_end; r += R) {
        const int nr = static_cast<int>(row_end - r < R ? row_end - r : R);
        int64_t t = 0;
        for (; t + T <= a.n_tok; t += T)
            kTileT(a, r, nr, t, T);
        const int rest = static_cast<int>(a.n_tok - t);
        if (rest == 1)
            kTile1(a, r, nr, t, 1);
        else if (rest > 1)
            kTileT(a, r, nr, t, rest);
    }
}

}  // namespace
}  // namespace nd::cpu
