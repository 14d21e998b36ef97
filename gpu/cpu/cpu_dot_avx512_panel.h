// Internal to gpu/cpu, included by cpu_dot_x86_kernels.h in the AVX-512 build only (no include guard).
// Prompt processing (many tokens) for the legacy 32-element types, through interleaved panels:
//
// 16 weight rows × up to 64 blocks are unpacked once into a panel on the stack: for block b and each
// 4-byte step k (0..7), one 64-byte vector holds bytes 4k..4k+3 of the 16 rows' codes. One vpdpbusd
// against the token's 4 activation bytes broadcast then advances all 16 rows' dots, so after 8 of them
// each i32 lane holds a whole block dot of one row: the block is scaled once per 16 rows (cvt, mul, fma)
// instead of once per row, and the activations are read once per panel, not once per row.
//   panel codes (64 blocks, 8 steps, 16 rows × 4 bytes); y[t][r0..r0+16] accumulates over the chunks.
// Per block and token: 8 vpdpbusd (512 MACs) and ~6 other vector ops, ~4× fewer than the 4 × 4 tiles.
namespace nd::cpu {
namespace {

constexpr int kPanelRows = 16;
constexpr int kPanelBlocks = 64;  // per chunk: 32 KiB of codes, stays in L1 while every token uses it
constexpr int kPanelMinTokens = 6;

template <class Dec>
struct alignas(64) LegacyPanel {
    uint8_t codes[kPanelBlocks][8][64];
    float dw[kPanelBlocks][kPanelRows];
    float m[Dec::kMin ? kPanelBlocks : 1][kPanelRows];
};

// Unpacks blocks [b0, b0 + kb) of rows r0 .. r0 + 16 (repeating the last real row past nr).
template <class Dec>
void panel_fill(LegacyPanel<Dec> &p, const DotArgs &a, int64_t r0, int nr, int64_t b0, int kb) {
    alignas(64) uint32_t tmp[16];
    for (int i = 0; i < kPanelRows; ++i) {
        const uint8_t *row = a.w + (r0 + (i < nr ? i : nr - 1)) * a.w_row_bytes;
        for (int bb = 0; bb < kb; bb += 2) {
            const uint8_t *p0 = row + (b0 + bb) * Dec::kBytes;
            const bool two = bb + 1 < kb;
            const uint8_t *p1 = two ? p0 + Dec::kBytes : p0;
            VI c = Dec::codes(p0, p1);
            if (Dec::kSigned)
                c = vi_xor(c, vi_set1_8(static_cast<char>(0x80)));  // s8 + 128: u8 for vpdpbusd
            _mm512_store_si512(tmp, c);
            for (int k = 0; k < 8; ++k)
                std::memcpy(&p.codes[bb][k][4 * i], &tmp[k], 4);
            p.dw[bb][i] = half_to_f32(p0);
            if (Dec::kMin)
                p.m[bb][i] = half_to_f32(p0 + 2);
            if (two) {
                for (int k = 0; k < 8; ++k)
                    std::memcpy(&p.codes[bb + 1][k][4 * i], &tmp[8 + k], 4);
                p.dw[bb + 1][i] = half_to_f32(p1);
                if (Dec::kMin)
                    p.m[bb + 1][i] = half_to_f32(p1 + 2);
            }
        }
    }
}

template <class Dec>
void legacy_panel(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    constexpr int kOff = Dec::kSigned ? 128 : Dec::kOffset;
    constexpr int kT = 4;  // tokens per pass over a panel chunk
    const ActLayout &l = a.layout;
    LegacyPanel<Dec> p;
    for (int64_t r0 = row_begin; r0 < row_end; r0 += kPanelRows) {
        const int nr = static_cast<int>(row_end - r0 < kPanelRows ? row_end - r0 : kPanelRows);
        const __mmask16 mask = static_cast<__mmask16>((1u << nr) - 1u);
        for (int64_t b0 = 0; b0 < l.nb; b0 += kPanelBlocks) {
            const int kb = static_cast<int>(l.nb - b0 < kPanelBlocks ? l.nb - b0 : kPanelBlocks);
            panel_fill(p, a, r0, nr, b0, kb);
            for (int64_t t0 = 0; t0 < a.n_tok; t0 += kT) {
                const int nt = static_cast<int>(a.n_tok - t0 < kT ? a.n_tok - t0 : kT);
                const uint8_t *x[kT];
                __m512 acc[kT];
                for (int j = 0; j < kT; ++j) {
                    x[j] = a.xq + (t0 + (j < nt ? j : nt - 1)) * a.xq_row_bytes;
                    acc[j] = b0 == 0 || j >= nt ? _mm512_setzero_ps()
                                                : _mm512_maskz_loadu_ps(mask, a.y + (t0 + j) * a.ldy + r0);
                }
                for (int bb = 0; bb < kb; ++bb) {
                    const int64_t b = b0 + bb;
                    __m512i w[8];
                    for (int k = 0; k < 8; ++k)
                        w[k] = _mm512_load_si512(p.codes[bb][k]);
                    const __m512 dw = _mm512_load_ps(p.dw[bb]);
                    for (int j = 0; j < kT; ++j) {
                        const uint8_t *xb = x[j] + 32 * b;
                        __m512i dot = _mm512_setzero_si512();
                        if (kOff != 0)  // the codes carry +kOff: start from -kOff·Σx (Σx exact in the float)
                            dot = _mm512_set1_epi32(-kOff *
                                                    static_cast<int32_t>(load_f32(x[j] + l.aux_off + 4 * b)));
                        for (int k = 0; k < 8; ++k)
                            dot = _mm512_dpbusd_epi32(
                                dot, w[k], _mm512_set1_epi32(static_cast<int>(load_u32(xb + 4 * k))));
                        const __m512 dx = _mm512_set1_ps(load_f32(x[j] + l.d_off + 4 * b));
                        acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw, dx), acc[j]);
                        if (Dec::kMin)
                            acc[j] =
                                _mm512_fmadd_ps(_mm512_load_ps(p.m[bb]),
                                                _mm512_set1_ps(load_f32(x[j] + l.aux_off + 4 * b)), acc[j]);
                    }
                }
                for (int j = 0; j < nt; ++j)
                    _mm512_mask_storeu_ps(a.y + (t0 + j) * a.ldy + r0, mask, acc[j]);
            }
        }
    }
}

// Many tokens: the panels; few: the register tiles (decoding a panel would not pay for itself); one: the
// matrix-vector kernel (cpu_dot_avx512_gemv.h).
template <class Dec, class Gemv, DotKernel kTiles>
void legacy_kernel(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    if (a.n_tok == 1)
        legacy_gemv<Gemv>(a, row_begin, row_end);
    else if (a.n_tok >= kPanelMinTokens)
        legacy_panel<Dec>(a, row_begin, row_end);
    else
        kTiles(a, row_begin, row_end);
}

// ---- the K-quants in panels: sub-blocks of 32 (Q4_K, Q5_K) or 16 (Q6_K) elements ----------------------
// Per sub-block and row the panel keeps the exact float scale d·sc (fp16 × 6 or 8 bits fits in f32) and,
// for Q4_K/Q5_K, dmin·mn; the token side brings dx and the bsums. Q6_K's codes are q + 32: its dots start
// at -32·bsum, as the legacy offsets do.

constexpr int kPanelSupers = 8;  // super-blocks per chunk: 2048 elements, 32 KiB of codes

template <bool kFive>
struct KPanQ45 {
    static constexpr int kS = 32, kBytes = kFive ? 176 : 144, kOff = 0;
    static constexpr bool kMin = true;
    // codes[c]: elements 64c..64c+63; scale/min per 32.
    static void decode(const uint8_t *blk, VI codes[4], float *scale, float *min) {
        uint8_t sc[8], mn[8];
        kquant_scales(blk + 4, sc, mn);
        const float d = half_to_f32(blk), dmin = half_to_f32(blk + 2);
        for (int j = 0; j < 8; ++j) {
            scale[j] = d * static_cast<float>(sc[j]);
            min[j] = dmin * static_cast<float>(mn[j]);
        }
        const uint8_t *qs = blk + (kFive ? 48 : 16);
        const __m256i qh = kFive ? load256(blk + 16) : _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c) {
            const __m256i q = load256(qs + 32 * c);
            VI v = vi_and(vi_cat(q, _mm256_srli_epi16(q, 4)), vi_set1_8(0x0F));
            if (kFive) {
                const VI h = vi_cat(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * c)),
                                    _mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * c + 1)));
                v = vi_or(v, vi_sll16(vi_and(h, vi_set1_8(0x01)), 4));
            }
            codes[c] = v;
        }
    }
};

struct KPanQ6 {
    static constexpr int kS = 16, kBytes = 210, kOff = 32;
    static constexpr bool kMin = false;
    static void decode(const uint8_t *blk, VI codes[4], float *scale, float *) {
        const auto *sc = reinterpret_cast<const int8_t *>(blk + 192);
        const float d = half_to_f32(blk + 208);
        for (int g = 0; g < 16; ++g)
            scale[g] = d * static_cast<float>(sc[g]);
        const VI low4 = vi_set1_8(0x0F), low2 = vi_set1_8(0x03);
        for (int n = 0; n < 2; ++n) {
            const VI ql = vi_load(blk + 64 * n);
            const __m256i qh = load256(blk + 128 + 32 * n);
            const VI h01 = vi_cat(qh, _mm256_srli_epi16(qh, 2));
            const VI h23 = vi_cat(_mm256_srli_epi16(qh, 4), _mm256_srli_epi16(qh, 6));
            codes[2 * n] = vi_or(vi_and(ql, low4), vi_sll16(vi_and(h01, low2), 4));
            codes[2 * n + 1] = vi_or(vi_and(vi_srl16(ql, 4), low4), vi_sll16(vi_and(h23, low2), 4));
        }
    }
};

template <class Src>
struct alignas(64) KPanel {
    static constexpr int kSteps = Src::kS / 4;   // vpdpbusd per sub-block
    static constexpr int kSubs = 256 / Src::kS;  // sub-blocks per super-block
    static constexpr int kChunkSubs = kPanelSupers * kSubs;
    uint8_t codes[kChunkSubs][kSteps][64];
    float scale[kChunkSubs][kPanelRows];
    float min[Src::kMin ? kChunkSubs : 1][kPanelRows];
};

template <class Src>
void kpanel_fill(KPanel<Src> &p, const DotArgs &a, int64_t r0, int nr, int64_t s0, int ns) {
    using P = KPanel<Src>;
    alignas(64) uint32_t tmp[16];
    float scale[16], min[8];
    for (int i = 0; i < kPanelRows; ++i) {
        const uint8_t *row = a.w + (r0 + (i < nr ? i : nr - 1)) * a.w_row_bytes;
        for (int s = 0; s < ns; ++s) {
            VI codes[4];
            Src::decode(row + (s0 + s) * Src::kBytes, codes, scale, min);
            for (int c = 0; c < 4; ++c) {
                _mm512_store_si512(tmp, codes[c]);
                for (int u = 0; u < 16; ++u) {
                    const int sub = s * P::kSubs + (16 * c + u) / P::kSteps;
                    std::memcpy(&p.codes[sub][u % P::kSteps][4 * i], &tmp[u], 4);
                }
            }
            for (int j = 0; j < P::kSubs; ++j) {
                p.scale[s * P::kSubs + j][i] = scale[j];
                if (Src::kMin)
                    p.min[s * P::kSubs + j][i] = min[j];
            }
        }
    }
}

template <class Src>
void kquant_panel(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    using P = KPanel<Src>;
    constexpr int kT = 4;
    const ActLayout &l = a.layout;
    P p;
    for (int64_t r0 = row_begin; r0 < row_end; r0 += kPanelRows) {
        const int nr = static_cast<int>(row_end - r0 < kPanelRows ? row_end - r0 : kPanelRows);
        const __mmask16 mask = static_cast<__mmask16>((1u << nr) - 1u);
        for (int64_t s0 = 0; s0 < l.nb; s0 += kPanelSupers) {
            const int ns = static_cast<int>(l.nb - s0 < kPanelSupers ? l.nb - s0 : kPanelSupers);
            kpanel_fill(p, a, r0, nr, s0, ns);
            for (int64_t t0 = 0; t0 < a.n_tok; t0 += kT) {
                const int nt = static_cast<int>(a.n_tok - t0 < kT ? a.n_tok - t0 : kT);
                const uint8_t *x[kT];
                __m512 acc[kT];
                for (int j = 0; j < kT; ++j) {
                    x[j] = a.xq + (t0 + (j < nt ? j : nt - 1)) * a.xq_row_bytes;
                    acc[j] = s0 == 0 || j >= nt ? _mm512_setzero_ps()
                                                : _mm512_maskz_loadu_ps(mask, a.y + (t0 + j) * a.ldy + r0);
                }
                for (int sub = 0; sub < ns * P::kSubs; ++sub) {
                    const int64_t sb = s0 + sub / P::kSubs;  // super-block
                    const int js = sub % P::kSubs;           // sub-block inside it
                    __m512i w[P::kSteps];
                    for (int k = 0; k < P::kSteps; ++k)
                        w[k] = _mm512_load_si512(p.codes[sub][k]);
                    const __m512 scale = _mm512_load_ps(p.scale[sub]);
                    for (int j = 0; j < kT; ++j) {
                        const uint8_t *xb = x[j] + 256 * sb + Src::kS * js;
                        int16_t bs[2] = {0, 0};
                        std::memcpy(bs, x[j] + l.aux_off + 32 * sb + (Src::kS / 8) * js, 2 * (Src::kS / 16));
                        __m512i dot = _mm512_setzero_si512();
                        if (Src::kOff != 0)
                            dot = _mm512_set1_epi32(-Src::kOff * bs[0]);
                        for (int k = 0; k < P::kSteps; ++k)
                            dot = _mm512_dpbusd_epi32(
                                dot, w[k], _mm512_set1_epi32(static_cast<int>(load_u32(xb + 4 * k))));
                        const float dx = load_f32(x[j] + l.d_off + 4 * sb);
                        acc[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot),
                                                 _mm512_mul_ps(scale, _mm512_set1_ps(dx)), acc[j]);
                        if (Src::kMin)
                            acc[j] = _mm512_fnmadd_ps(_mm512_load_ps(p.min[sub]),
                                                      _mm512_set1_ps(dx * static_cast<float>(bs[0] + bs[1])),
                                                      acc[j]);
                    }
                }
                for (int j = 0; j < nt; ++j)
                    _mm512_mask_storeu_ps(a.y + (t0 + j) * a.ldy + r0, mask, acc[j]);
            }
        }
    }
}

template <class Src, DotKernel kTiles>
void kquant_kernel(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    if (a.n_tok >= kPanelMinTokens)
        kquant_panel<Src>(a, row_begin, row_end);
    else
        kTiles(a, row_begin, row_end);
}

// Lanes past the last token (j >= nt) compute on a copy of the last token's x and are never stored,
// so they start from zero: reading their partial sums from y would run past the output.

// ---- F32 / F16 / BF16 in panels: 16 rows' element k side by side, one FMA per token and element --------
// The tiles load 64 bytes of every token per 4 rows and run out of L2 bandwidth; here a chunk of 512
// elements × 16 rows (32 KiB of f32) stays in L1 and each token's element is a broadcast.

constexpr int kFloatChunk = 512;

template <class Ld>
void float_panel(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    constexpr int kE = Ld::kElemBytes, kT = 8;
    alignas(64) float vals[kFloatChunk][kPanelRows];  // 32 KiB on the stack, as the other panels
    alignas(64) float tmp[16];
    for (int64_t r0 = row_begin; r0 < row_end; r0 += kPanelRows) {
        const int nr = static_cast<int>(row_end - r0 < kPanelRows ? row_end - r0 : kPanelRows);
        const __mmask16 mask = static_cast<__mmask16>((1u << nr) - 1u);
        for (int64_t k0 = 0; k0 < a.n_in; k0 += kFloatChunk) {
            const int kc = static_cast<int>(a.n_in - k0 < kFloatChunk ? a.n_in - k0 : kFloatChunk);
            for (int i = 0; i < kPanelRows; ++i) {
                const uint8_t *row = a.w + (r0 + (i < nr ? i : nr - 1)) * a.w_row_bytes + k0 * kE;
                int k = 0;
                for (; k + 16 <= kc; k += 16) {
                    _mm512_store_ps(tmp, Ld::load(row + k * kE));
                    for (int u = 0; u < 16; ++u)
                        vals[k + u][i] = tmp[u];
                }
                if (k < kc) {  // zero-padded copy: never read past the row
                    alignas(64) uint8_t pad[64] = {};
                    std::memcpy(pad, row + k * kE, static_cast<size_t>((kc - k) * kE));
                    _mm512_store_ps(tmp, Ld::load(pad));
                    for (int u = 0; u < kc - k; ++u)
                        vals[k + u][i] = tmp[u];
                }
            }
            for (int64_t t0 = 0; t0 < a.n_tok; t0 += kT) {
                const int nt = static_cast<int>(a.n_tok - t0 < kT ? a.n_tok - t0 : kT);
                const float *x[kT];
                __m512 acc[kT];
                for (int j = 0; j < kT; ++j) {
                    x[j] = reinterpret_cast<const float *>(a.xq +
                                                           (t0 + (j < nt ? j : nt - 1)) * a.xq_row_bytes) +
                           k0;
                    acc[j] = k0 == 0 || j >= nt ? _mm512_setzero_ps()
                                                : _mm512_maskz_loadu_ps(mask, a.y + (t0 + j) * a.ldy + r0);
                }
                for (int k = 0; k < kc; ++k) {
                    const __m512 w = _mm512_load_ps(vals[k]);
                    for (int j = 0; j < kT; ++j)
                        acc[j] = _mm512_fmadd_ps(w, _mm512_set1_ps(x[j][k]), acc[j]);
                }
                for (int j = 0; j < nt; ++j)
                    _mm512_mask_storeu_ps(a.y + (t0 + j) * a.ldy + r0, mask, acc[j]);
            }
        }
    }
}

template <class Ld, DotKernel kTiles>
void float_kernel(const DotArgs &a, int64_t row_begin, int64_t row_end) {
    if (a.n_tok >= kPanelMinTokens)
        float_panel<Ld>(a, row_begin, row_end);
    else
        kTiles(a, row_begin, row_end);
}

}  // namespace
}  // namespace nd::cpu
