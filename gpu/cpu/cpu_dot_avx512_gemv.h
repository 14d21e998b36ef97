// Internal to gpu/cpu, included by cpu_dot_avx512.cpp after cpu_dot_x86_kernels.h (no include guard).
// Decode (one token) for the legacy 32-element types: matrix × vector, bound by how fast a core gets
// through the weights, so every instruction per block counts and the shuffle port (p5) is the scarce one.
//
// Per row and pair of blocks the register tile (legacy_tile) spends three p5 ops on the pair's codes and
// fp16 scales. Here instead:
// - codes: each block's bytes are broadcast from memory into the vector's halves (a load, no shuffle) and
//   joined with a blend; nibbles are split with a masked shift, so the codes come out in the activations'
//   natural order;
// - scales: for 16 blocks of a row at once, one gather reads the fp16 d (and m) words, one conversion
//   makes floats, times the activations' scales; the products wait in a small array and each pair's
//   scale vector is two broadcasts and a blend;
// - the mins of Q4_1/Q5_1 (m·s per block) are summed per 16 blocks in one FMA, apart from the dots.
// Exactness is the tile's: exact integer block dots, each scaled by the same f32 product dw·dx.
namespace nd::cpu {
namespace {

// Decoders: the 64 codes of blocks p0 and p1 (p1 may repeat p0 at a row's odd end), in element order.
inline __m512i gemv_join256(const uint8_t *p0, const uint8_t *p1) {
    return _mm512_mask_blend_epi64(0xF0, _mm512_broadcast_i64x4(load256(p0)),
                                   _mm512_broadcast_i64x4(load256(p1)));
}
// 16 bytes of nibbles per block: [p0 lo, p0 hi, p1 lo, p1 hi] nibbles, each 16 elements.
inline __m512i gemv_nibbles(const uint8_t *p0, const uint8_t *p1) {
    const __m512i v = _mm512_mask_blend_epi64(0xF0, _mm512_broadcast_i32x4(load128(p0)),
                                              _mm512_broadcast_i32x4(load128(p1)));
    return _mm512_and_si512(_mm512_mask_srli_epi16(v, 0xFF00FF00u, v, 4), _mm512_set1_epi8(0x0F));
}

struct GemvQ8_0 {
    static constexpr int kBytes = 34, kOffset = 0;
    static constexpr bool kSigned = true, kMin = false;
    static __m512i codes(const uint8_t *p0, const uint8_t *p1) { return gemv_join256(p0 + 2, p1 + 2); }
};
struct GemvQ4_0 {
    static constexpr int kBytes = 18, kOffset = 8;
    static constexpr bool kSigned = false, kMin = false;
    static __m512i codes(const uint8_t *p0, const uint8_t *p1) { return gemv_nibbles(p0 + 2, p1 + 2); }
};
struct GemvQ4_1 {
    static constexpr int kBytes = 20, kOffset = 0;
    static constexpr bool kSigned = false, kMin = true;
    static __m512i codes(const uint8_t *p0, const uint8_t *p1) { return gemv_nibbles(p0 + 4, p1 + 4); }
};
struct GemvQ5_0 {
    static constexpr int kBytes = 22, kOffset = 16;
    static constexpr bool kSigned = false, kMin = false;
    static __m512i codes(const uint8_t *p0, const uint8_t *p1) {
        return _mm512_or_si512(gemv_nibbles(p0 + 6, p1 + 6), vi_bits2(p0 + 2, p1 + 2));
    }
};
struct GemvQ5_1 {
    static constexpr int kBytes = 24, kOffset = 0;
    static constexpr bool kSigned = false, kMin = true;
    static __m512i codes(const uint8_t *p0, const uint8_t *p1) {
        return _mm512_or_si512(gemv_nibbles(p0 + 8, p1 + 8), vi_bits2(p0 + 4, p1 + 4));
    }
};
struct GemvIq4Nl {
    static constexpr int kBytes = 18, kOffset = 0;
    static constexpr bool kSigned = true, kMin = false;
    static __m512i codes(const uint8_t *p0, const uint8_t *p1) {
        const __m512i grid = _mm512_broadcast_i32x4(
            _mm_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113));
        return _mm512_shuffle_epi8(grid, gemv_nibbles(p0 + 2, p1 + 2));
    }
};

template <class G>
void legacy_gemv(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    constexpr int R = 4, kGroup = 16;
    constexpr int kOff = G::kSigned ? 128 : G::kOffset;
    const ActLayout &l = a.layout;
    const int64_t nb = l.nb;
    const uint8_t *xr = a.xq;
    const auto *xd = reinterpret_cast<const float *>(xr + l.d_off);
    const auto *xs = reinterpret_cast<const float *>(xr + l.aux_off);
    const __m512i block_offsets =
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(G::kBytes));
    // dw·dx per block of the group; rows of 32 floats keep each 64-byte aligned, [kGroup] stays 0 (read
    // as the missing second block of an odd tail).
    alignas(64) float sc[R][2 * kGroup];
    for (int i = 0; i < R; ++i)
        sc[i][kGroup] = 0.f;
    for (int64_t r0 = row_begin; r0 < row_end; r0 += R) {
        const int nr = static_cast<int>(row_end - r0 < R ? row_end - r0 : R);
        const uint8_t *w[R];
        for (int i = 0; i < R; ++i)
            w[i] = a.w + (r0 + (i < nr ? i : nr - 1)) * a.w_row_bytes;
        const NextTilePrefetch<R> pf(a, r0, (nb + 1) / 2);
        __m512 acc[R], macc[R];
        for (int i = 0; i < R; ++i)
            acc[i] = macc[i] = _mm512_setzero_ps();
        for (int64_t g0 = 0; g0 < nb; g0 += kGroup) {
            const int ng = static_cast<int>(nb - g0 < kGroup ? nb - g0 : kGroup);
            const __mmask16 gm = static_cast<__mmask16>((1u << ng) - 1u);
            const __m512 dx = _mm512_maskz_loadu_ps(gm, xd + g0);
            for (int i = 0; i < R; ++i) {
                // d is the block's first fp16 word, m (Q4_1/Q5_1) its second: one 32-bit gather has both.
                const __m512i dm = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), gm, block_offsets,
                                                               w[i] + g0 * G::kBytes, 1);
                const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dm));
                _mm512_store_ps(sc[i], _mm512_mul_ps(dw, dx));
                if (G::kMin) {
                    const __m512 m = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(dm, 16)));
                    macc[i] = _mm512_fmadd_ps(m, _mm512_maskz_loadu_ps(gm, xs + g0), macc[i]);
                }
            }
            for (int k = 0; k < ng; k += 2) {
                const int64_t b = g0 + k;
                pf.step(b / 2);
                const bool tail = b + 1 == nb;  // an odd last block: its pair repeats it with scale 0
                const __m512i xv = tail ? _mm512_broadcast_i64x4(load256(xr + 32 * b)) : vi_load(xr + 32 * b);
                __m512i init = _mm512_setzero_si512();
                if (kOff != 0)
                    init = _mm512_dpbusd_epi32(init, _mm512_set1_epi8(static_cast<char>(kOff)),
                                               _mm512_sub_epi8(_mm512_setzero_si512(), xv));
                for (int i = 0; i < R; ++i) {
                    const uint8_t *p0 = w[i] + b * G::kBytes;
                    __m512i codes = G::codes(p0, tail ? p0 : p0 + G::kBytes);
                    if (G::kSigned)
                        codes = _mm512_xor_si512(codes, _mm512_set1_epi8(static_cast<char>(0x80)));
                    const __m512i dot = _mm512_dpbusd_epi32(init, codes, xv);
                    const __m512 s =
                        _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(sc[i][k]), _mm512_set1_ps(sc[i][k + 1]));
                    acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), s, acc[i]);
                }
            }
        }
        for (int i = 0; i < nr; ++i)
            a.y[r0 + i] = _mm512_reduce_add_ps(acc[i]) + (G::kMin ? _mm512_reduce_add_ps(macc[i]) : 0.f);
    }
}

}  // namespace
}  // namespace nd::cpu
