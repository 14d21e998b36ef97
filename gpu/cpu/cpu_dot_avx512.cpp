// The AVX-512 kernels (F/BW/VL/DQ + VNNI; compiled with those flags, used only when the CPU has them):
// the x86 kernels on 512-bit vectors, u8×s8 dots through vpdpbusd and scaled i16 sums through vpdpwssd,
// and the interleaved panels for prompt processing.
#define ND_DOT_AVX512 1
#include "gpu/cpu/cpu_dot.h"
#include "gpu/cpu/cpu_dot_x86_vec.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd::cpu {
namespace {
// 32 zmm registers: a 4 × 4 tile of accumulators (16 zmm) plus codes, activations and scales.
constexpr int kTileRows = 4, kTileToks = 4;
constexpr int kRowAlign = 16;  // a panel's rows: threads split the rows in multiples of this
}  // namespace
}  // namespace nd::cpu

// In this order: the kernels, the panels (which use the kernels' decoders), the table of both.
#include "gpu/cpu/cpu_dot_x86_kernels.h"
// (keep)
#include "gpu/cpu/cpu_dot_avx512_gemv.h"
#include "gpu/cpu/cpu_dot_avx512_panel.h"
#include "gpu/cpu/cpu_dot_avx512_quant.h"
// (keep)
#include "gpu/cpu/cpu_dot_x86_table.h"

namespace nd::cpu {

const DotTable &dot_table_avx512() {
    static const DotTable table = make_x86_table();
    return table;
}

}  // namespace nd::cpu
