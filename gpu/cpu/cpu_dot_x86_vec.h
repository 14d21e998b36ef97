// Internal to gpu/cpu, included only by cpu_dot_avx2.cpp and cpu_dot_avx512.cpp (no include guard: each
// includes it once, compiled with its own -m flags). A 64-byte vector vocabulary the kernels are written in:
//   ND_DOT_AVX512 = 1: VI/VF are __m512i/__m512; u8×s8 dots use VNNI (vpdpbusd, vpdpwssd).
//   ND_DOT_AVX512 = 0: VI/VF are pairs of __m256i/__m256 (AVX2 + FMA + F16C); dots use vpmaddubsw.
// Everything is in an anonymous namespace: internal linkage, so no function compiled here can stand in for
// another file's copy at link time.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

// GCC 12 warns about the _mm512_undefined_*() placeholders inside its own intrinsics (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nd::cpu {
namespace {

inline float half_to_f32(const uint8_t *p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

inline float load_f32(const uint8_t *p) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
}

inline uint32_t load_u32(const uint8_t *p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

inline __m256i load256(const void *p) {
    return _mm256_loadu_si256(static_cast<const __m256i *>(p));
}

inline __m128i load128(const void *p) {
    return _mm_loadu_si128(static_cast<const __m128i *>(p));
}

// 16 packed bytes → 32 nibbles: the 16 low nibbles, then the 16 high ones (the legacy block order).
inline __m256i nibbles256(const uint8_t *p) {
    const __m128i q = load128(p);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(q, 4), q);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// The 32 bits of a little-endian u32 → 32 bytes, 0x10 where the bit is set (Q5_0/Q5_1 fifth bit).
inline __m256i bit16_bytes256(const uint8_t *p) {
    uint32_t h;
    std::memcpy(&h, p, 4);
    const __m256i v = _mm256_set1_epi32(static_cast<int32_t>(h));
    const __m256i spread = _mm256_shuffle_epi8(
        v, _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000));
    const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

#if ND_DOT_AVX512

using VI = __m512i;
using VF = __m512;

inline VI vi_zero() {
    return _mm512_setzero_si512();
}
inline VI vi_load(const void *p) {
    return _mm512_loadu_si512(p);
}
inline VI vi_cat(__m256i lo, __m256i hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}
inline VI vi_zext(__m256i lo) {
    return _mm512_zextsi256_si512(lo);
}
inline VI vi_set1_8(char c) {
    return _mm512_set1_epi8(c);
}
inline VI vi_and(VI a, VI b) {
    return _mm512_and_si512(a, b);
}
inline VI vi_or(VI a, VI b) {
    return _mm512_or_si512(a, b);
}
inline VI vi_xor(VI a, VI b) {
    return _mm512_xor_si512(a, b);
}
inline VI vi_srl16(VI a, int n) {
    return _mm512_srl_epi16(a, _mm_cvtsi32_si128(n));
}
inline VI vi_sll16(VI a, int n) {
    return _mm512_sll_epi16(a, _mm_cvtsi32_si128(n));
}
inline VI vi_sub8(VI a, VI b) {
    return _mm512_sub_epi8(a, b);
}
inline VI vi_add32(VI a, VI b) {
    return _mm512_add_epi32(a, b);
}
inline VI vi_shuffle8(VI table, VI idx) {
    return _mm512_shuffle_epi8(table, idx);
}
// Σ of 4 adjacent u8·s8 products into each i32 lane, added to acc. Exact (no saturation).
inline VI vi_dpbusd(VI acc, VI u, VI s) {
    return _mm512_dpbusd_epi32(acc, u, s);
}
// u8·s8 pairs → i16 (saturating: callers keep u·s pairs below 2^15).
inline VI vi_maddubs(VI u, VI s) {
    return _mm512_maddubs_epi16(u, s);
}
// acc + Σ of 2 adjacent i16·i16 products per i32 lane.
inline VI vi_dpwssd(VI acc, VI a, VI b) {
    return _mm512_dpwssd_epi32(acc, a, b);
}
// s8·s8 dot of signed weight codes w with x, into acc. VNNI multiplies u8·s8 only: w + 128 is unsigned
// and the caller's acc starts at -128·Σx (signed_dot_init) to take the offset back out.
inline VI vi_prep_signed(VI w) {
    return _mm512_xor_si512(w, _mm512_set1_epi8(static_cast<char>(0x80)));
}
inline VI vi_dot_signed(VI acc, VI w, VI w_prepared, VI x) {
    (void)w;
    return _mm512_dpbusd_epi32(acc, w_prepared, x);
}
constexpr int kSignedOffset = 128;
inline VI vi_set_scales_2x16(int a, int b) {
    return vi_cat(_mm256_set1_epi16(static_cast<short>(a)), _mm256_set1_epi16(static_cast<short>(b)));
}
// Four int8 scales, each over 8 i16 lanes.
inline VI vi_set_scales_4x8(const int8_t *s) {
    return vi_cat(_mm256_set_m128i(_mm_set1_epi16(s[1]), _mm_set1_epi16(s[0])),
                  _mm256_set_m128i(_mm_set1_epi16(s[3]), _mm_set1_epi16(s[2])));
}

inline VF vf_zero() {
    return _mm512_setzero_ps();
}
inline VF vf_set1(float v) {
    return _mm512_set1_ps(v);
}
inline VF vf_pair(float a, float b) {
    return _mm512_insertf32x8(_mm512_set1_ps(a), _mm256_set1_ps(b), 1);
}
// a in lane 0, b in lane 8, zero elsewhere.
inline VF vf_lanes_0_8(float a, float b) {
    return _mm512_maskz_mov_ps(0x0101, vf_pair(a, b));
}
inline VF vf_load(const float *p) {
    return _mm512_loadu_ps(p);
}
inline VF vf_load_f16(const uint16_t *p) {
    return _mm512_cvtph_ps(load256(p));
}
inline VF vf_load_bf16(const uint16_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(load256(p)), 16));
}
inline VF vf_cvt(VI v) {
    return _mm512_cvtepi32_ps(v);
}
inline VF vf_mul(VF a, VF b) {
    return _mm512_mul_ps(a, b);
}
inline VF vf_fma(VF a, VF b, VF c) {
    return _mm512_fmadd_ps(a, b, c);
}
inline float vf_hsum(VF v) {
    return _mm512_reduce_add_ps(v);
}

// Two blocks' fp16 scales (at p0 and p1) → lanes 0-7 and 8-15.
inline VF vf_pair_f16(const uint8_t *p0, const uint8_t *p1) {
    uint16_t h0, h1;
    std::memcpy(&h0, p0, 2);
    std::memcpy(&h1, p1, 2);
    const __m128 f =
        _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(h0 | (static_cast<uint32_t>(h1) << 16))));
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                                 _mm512_castps128_ps512(f));
}
// p[0] → lanes 0-7 and p[1] (or 0 when !both) → lanes 8-15.
inline VF vf_pair_ptr(const uint8_t *p, bool both) {
    // movq and movd are unaligned loads (the scales are only 4-byte aligned).
    const __m128 f = both ? _mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(p)))
                          : _mm_castsi128_ps(_mm_cvtsi32_si128(static_cast<int>(load_u32(p))));
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                                 _mm512_castps128_ps512(f));
}
// Q4_K/Q5_K, for the codes as q45k_tile builds them (c = 2·pair + nibble): out[c] = the scale of
// sub-block 4·pair + nibble in i16 lanes 0-15 and of sub-block 4·pair + nibble + 2 in lanes 16-31.
inline void vi_kscales(const uint8_t sc[8], VI out[4]) {
    const __m512i s =
        _mm512_castsi128_si512(_mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(sc))));
    for (int c = 0; c < 4; ++c) {
        const int lo = (c / 2) * 4 + c % 2;
        const __m512i idx = _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(lo)),
                                               _mm256_set1_epi16(static_cast<short>(lo + 2)), 1);
        out[c] = _mm512_permutexvar_epi16(idx, s);
    }
}
// Q6_K: out[k] = sc[4k + j] in i16 lanes 8j..8j+7.
inline void vi_q6scales(const int8_t sc[16], VI out[4]) {
    const __m512i s = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(load128(sc)));
    for (int k = 0; k < 4; ++k) {
        const __m512i idx = _mm512_add_epi16(
            _mm512_set1_epi16(static_cast<short>(4 * k)),
            _mm512_srli_epi16(_mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
                                               15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                              3));
        out[k] = _mm512_permutexvar_epi16(idx, s);
    }
}

// The 32 nibbles of each of two legacy blocks (16 packed bytes at p0 and at p1), in block order.
inline VI vi_nibbles2(const uint8_t *p0, const uint8_t *p1) {
    const __m512i t = _mm512_inserti32x4(_mm512_castsi128_si512(load128(p0)), load128(p1), 2);
    const __m512i u = _mm512_srli_epi16(t, 4);
    const __m512i v = _mm512_permutex2var_epi64(t, _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), u);
    return _mm512_and_si512(v, _mm512_set1_epi8(0x0F));
}
// 0x10 where bit j of the u32 at h0 (elements 0-31) or at h1 (elements 32-63) is set: a 64-bit mask.
inline VI vi_bits2(const uint8_t *h0, const uint8_t *h1) {
    const uint64_t bits = load_u32(h0) | (static_cast<uint64_t>(load_u32(h1)) << 32);
    return _mm512_maskz_mov_epi8(_cvtu64_mask64(bits), _mm512_set1_epi8(0x10));
}

// Q4_1/Q5_1: the fp16 d and m at the start of blocks p0 and p1 → dw = (d0 ×8, d1 ×8), mw = m0 in lane 0 and
// m1 in lane 8 (zero elsewhere), from one conversion.
inline void vf_pair_dm(const uint8_t *p0, const uint8_t *p1, VF *dw, VF *mw) {
    const __m128i h = _mm_unpacklo_epi32(_mm_cvtsi32_si128(static_cast<int>(load_u32(p0))),
                                         _mm_cvtsi32_si128(static_cast<int>(load_u32(p1))));
    const __m512 f = _mm512_castps128_ps512(_mm_cvtph_ps(h));  // d0 m0 d1 m1
    *dw = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2), f);
    *mw = _mm512_maskz_permutexvar_ps(0x0101,
                                      _mm512_setr_epi32(1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0), f);
}

#else  // AVX2: two 256-bit halves

struct VI {
    __m256i lo, hi;
};
struct VF {
    __m256 lo, hi;
};

inline VI vi_zero() {
    return {_mm256_setzero_si256(), _mm256_setzero_si256()};
}
inline VI vi_load(const void *p) {
    return {load256(p), load256(static_cast<const uint8_t *>(p) + 32)};
}
inline VI vi_cat(__m256i lo, __m256i hi) {
    return {lo, hi};
}
inline VI vi_zext(__m256i lo) {
    return {lo, _mm256_setzero_si256()};
}
inline VI vi_set1_8(char c) {
    return {_mm256_set1_epi8(c), _mm256_set1_epi8(c)};
}
inline VI vi_and(VI a, VI b) {
    return {_mm256_and_si256(a.lo, b.lo), _mm256_and_si256(a.hi, b.hi)};
}
inline VI vi_or(VI a, VI b) {
    return {_mm256_or_si256(a.lo, b.lo), _mm256_or_si256(a.hi, b.hi)};
}
inline VI vi_xor(VI a, VI b) {
    return {_mm256_xor_si256(a.lo, b.lo), _mm256_xor_si256(a.hi, b.hi)};
}
inline VI vi_srl16(VI a, int n) {
    const __m128i c = _mm_cvtsi32_si128(n);
    return {_mm256_srl_epi16(a.lo, c), _mm256_srl_epi16(a.hi, c)};
}
inline VI vi_sll16(VI a, int n) {
    const __m128i c = _mm_cvtsi32_si128(n);
    return {_mm256_sll_epi16(a.lo, c), _mm256_sll_epi16(a.hi, c)};
}
inline VI vi_sub8(VI a, VI b) {
    return {_mm256_sub_epi8(a.lo, b.lo), _mm256_sub_epi8(a.hi, b.hi)};
}
inline VI vi_add32(VI a, VI b) {
    return {_mm256_add_epi32(a.lo, b.lo), _mm256_add_epi32(a.hi, b.hi)};
}
inline VI vi_shuffle8(VI table, VI idx) {
    return {_mm256_shuffle_epi8(table.lo, idx.lo), _mm256_shuffle_epi8(table.hi, idx.hi)};
}
inline VI vi_maddubs(VI u, VI s) {
    return {_mm256_maddubs_epi16(u.lo, s.lo), _mm256_maddubs_epi16(u.hi, s.hi)};
}
inline VI vi_dpwssd(VI acc, VI a, VI b) {
    return {_mm256_add_epi32(acc.lo, _mm256_madd_epi16(a.lo, b.lo)),
            _mm256_add_epi32(acc.hi, _mm256_madd_epi16(a.hi, b.hi))};
}
// vpmaddubsw saturates at 2^15: callers keep u ≤ 128 with |s| ≤ 127 (2·128·127 < 2^15).
inline VI vi_dpbusd(VI acc, VI u, VI s) {
    const __m256i ones = _mm256_set1_epi16(1);
    return {_mm256_add_epi32(acc.lo, _mm256_madd_epi16(_mm256_maddubs_epi16(u.lo, s.lo), ones)),
            _mm256_add_epi32(acc.hi, _mm256_madd_epi16(_mm256_maddubs_epi16(u.hi, s.hi), ones))};
}
// s8·s8 via |w| · (x with w's sign): |w| ≤ 128 keeps vpmaddubsw from saturating; no offset to undo.
inline VI vi_prep_signed(VI w) {
    return {_mm256_abs_epi8(w.lo), _mm256_abs_epi8(w.hi)};
}
inline VI vi_dot_signed(VI acc, VI w, VI w_prepared, VI x) {
    const VI sx = {_mm256_sign_epi8(x.lo, w.lo), _mm256_sign_epi8(x.hi, w.hi)};
    return vi_dpbusd(acc, w_prepared, sx);
}
constexpr int kSignedOffset = 0;
inline VI vi_set_scales_2x16(int a, int b) {
    return {_mm256_set1_epi16(static_cast<short>(a)), _mm256_set1_epi16(static_cast<short>(b))};
}
inline VI vi_set_scales_4x8(const int8_t *s) {
    return {_mm256_set_m128i(_mm_set1_epi16(s[1]), _mm_set1_epi16(s[0])),
            _mm256_set_m128i(_mm_set1_epi16(s[3]), _mm_set1_epi16(s[2]))};
}

inline VF vf_zero() {
    return {_mm256_setzero_ps(), _mm256_setzero_ps()};
}
inline VF vf_set1(float v) {
    return {_mm256_set1_ps(v), _mm256_set1_ps(v)};
}
inline VF vf_pair(float a, float b) {
    return {_mm256_set1_ps(a), _mm256_set1_ps(b)};
}
inline VF vf_lanes_0_8(float a, float b) {
    return {_mm256_setr_ps(a, 0, 0, 0, 0, 0, 0, 0), _mm256_setr_ps(b, 0, 0, 0, 0, 0, 0, 0)};
}
inline VF vf_load(const float *p) {
    return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)};
}
inline VF vf_load_f16(const uint16_t *p) {
    return {_mm256_cvtph_ps(load128(p)), _mm256_cvtph_ps(load128(p + 8))};
}
inline __m256 bf16x8(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(load128(p)), 16));
}
inline VF vf_load_bf16(const uint16_t *p) {
    return {bf16x8(p), bf16x8(p + 8)};
}
inline VF vf_cvt(VI v) {
    return {_mm256_cvtepi32_ps(v.lo), _mm256_cvtepi32_ps(v.hi)};
}
inline VF vf_mul(VF a, VF b) {
    return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)};
}
inline VF vf_fma(VF a, VF b, VF c) {
    return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
}
inline float vf_hsum(VF v) {
    const __m256 s = _mm256_add_ps(v.lo, v.hi);
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_movehdup_ps(q));
    return _mm_cvtss_f32(q);
}

inline VF vf_pair_f16(const uint8_t *p0, const uint8_t *p1) {
    return vf_pair(half_to_f32(p0), half_to_f32(p1));
}
inline VF vf_pair_ptr(const uint8_t *p, bool both) {
    return vf_pair(load_f32(p), both ? load_f32(p + 4) : 0.f);
}
inline void vi_kscales(const uint8_t sc[8], VI out[4]) {
    for (int c = 0; c < 4; ++c) {
        const int lo = (c / 2) * 4 + c % 2;
        out[c] = vi_set_scales_2x16(sc[lo], sc[lo + 2]);
    }
}
inline void vi_q6scales(const int8_t sc[16], VI out[4]) {
    for (int k = 0; k < 4; ++k)
        out[k] = vi_set_scales_4x8(sc + 4 * k);
}

inline VI vi_nibbles2(const uint8_t *p0, const uint8_t *p1) {
    return {nibbles256(p0), nibbles256(p1)};
}
inline VI vi_bits2(const uint8_t *h0, const uint8_t *h1) {
    return {bit16_bytes256(h0), bit16_bytes256(h1)};
}

inline void vf_pair_dm(const uint8_t *p0, const uint8_t *p1, VF *dw, VF *mw) {
    *dw = vf_pair(half_to_f32(p0), half_to_f32(p1));
    *mw = vf_lanes_0_8(half_to_f32(p0 + 2), half_to_f32(p1 + 2));
}

#endif

}  // namespace
}  // namespace nd::cpu
