// Internal to gpu/cpu, included last by cpu_dot_avx2.cpp and cpu_dot_avx512.cpp (no include guard): the
// table of the x86 kernels. The AVX-512 build sends prompt-sized legacy products to the panels
// (cpu_dot_avx512_panel.h).
namespace nd::cpu {
namespace {

template <class Dec>
constexpr DotKernel legacy_tiles =
    drive<kTileRows, legacy_tile<Dec, kTileRows, kTileToks>, kTileToks, legacy_tile<Dec, kTileRows, 1>>;
#if ND_DOT_AVX512
#define ND_LEGACY_KERNEL(Dec, Gemv) legacy_kernel<Dec, Gemv, legacy_tiles<Dec>>
#define ND_KQUANT_KERNEL(Src, ...) kquant_kernel<Src, __VA_ARGS__>
#define ND_FLOAT_KERNEL(Ld, ...) float_kernel<Ld, __VA_ARGS__>
#else
#define ND_LEGACY_KERNEL(Dec, Gemv) legacy_tiles<Dec>
#define ND_KQUANT_KERNEL(Src, ...) __VA_ARGS__
#define ND_FLOAT_KERNEL(Ld, ...) __VA_ARGS__
#endif

DotTable make_x86_table() {
    DotTable t = dot_table_scalar();
    auto set = [&t](DotType type, DotKernel k) { t.kernel[static_cast<int>(type)] = k; };
    set(DotType::f32, ND_FLOAT_KERNEL(LoadF32, drive<kTileRows, float_tile<LoadF32, kTileRows, kTileToks>,
                                                     kTileToks, float_tile<LoadF32, kTileRows, 1>>));
    set(DotType::f16, ND_FLOAT_KERNEL(LoadF16, drive<kTileRows, float_tile<LoadF16, kTileRows, kTileToks>,
                                                     kTileToks, float_tile<LoadF16, kTileRows, 1>>));
    set(DotType::bf16, ND_FLOAT_KERNEL(LoadBf16, drive<kTileRows, float_tile<LoadBf16, kTileRows, kTileToks>,
                                                       kTileToks, float_tile<LoadBf16, kTileRows, 1>>));
    set(DotType::q8_0, ND_LEGACY_KERNEL(DecQ8_0, GemvQ8_0));
    set(DotType::q4_0, ND_LEGACY_KERNEL(DecQ4_0, GemvQ4_0));
    set(DotType::q4_1, ND_LEGACY_KERNEL(DecQ4_1, GemvQ4_1));
    set(DotType::q5_0, ND_LEGACY_KERNEL(DecQ5_0, GemvQ5_0));
    set(DotType::q5_1, ND_LEGACY_KERNEL(DecQ5_1, GemvQ5_1));
    set(DotType::iq4_nl, ND_LEGACY_KERNEL(DecIq4Nl, GemvIq4Nl));
    set(DotType::q4_k,
        ND_KQUANT_KERNEL(KPanQ45<false>, drive<kTileRows, q45k_tile<false, kTileRows, kTileToks>, kTileToks,
                                               q45k_tile<false, kTileRows, 1>>));
    set(DotType::q5_k, ND_KQUANT_KERNEL(KPanQ45<true>, drive<kTileRows, q45k_tile<true, kTileRows, kTileToks>,
                                                             kTileToks, q45k_tile<true, kTileRows, 1>>));
    set(DotType::q6_k,
        ND_KQUANT_KERNEL(
            KPanQ6, drive<kTileRows, q6k_tile<kTileRows, kTileToks>, kTileToks, q6k_tile<kTileRows, 1>>));
    t.row_tile = kRowAlign;
#if ND_DOT_AVX512
    t.quantize = quantize_avx512;
#endif
    return t;
}

#undef ND_LEGACY_KERNEL
#undef ND_KQUANT_KERNEL
#undef ND_FLOAT_KERNEL

}  // namespace
}  // namespace nd::cpu
