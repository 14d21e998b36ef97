#pragma once
// Internal to gpu/cpu: the per-ISA matrix-product kernels and the table that dispatches to them.
//
// A kernel computes y[t][r] = Σ_k W[r][k] · xq[t][k] for rows [row_begin, row_end) and every token, from
// the converted activations (cpu_quant.h). Each ISA's file (cpu_dot_scalar.cpp, cpu_dot_avx2.cpp,
// cpu_dot_avx512.cpp) fills a table; the x86 files are compiled with their own -m flags, so they must use
// nothing inline from a header that other files also compile (the linker could keep their AVX-512 copy).
// That is why this header holds only plain structs and declarations.
#include <cstdint>

#include "gpu/cpu/cpu_quant.h"

namespace nd::cpu {

struct DotArgs {
    const uint8_t *w = nullptr;  // row 0 of the weight matrix
    int64_t w_row_bytes = 0;
    int64_t n_in = 0;
    const uint8_t *xq = nullptr;  // token 0's converted row
    int64_t xq_row_bytes = 0;     // stride between tokens
    ActLayout layout;             // of one converted row
    int64_t n_tok = 0;
    float *y = nullptr;  // y[t * ldy + r]
    int64_t ldy = 0;
};

using DotKernel = void (*)(const DotArgs &args, int64_t row_begin, int64_t row_end);

// Dense index of each supported weight type in a kernel table.
enum class DotType { f32 = 0, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl, q4_k, q5_k, q6_k, count };
int dot_type_index(GgmlType type);  // -1 when unsupported

// A plain aggregate (no member initialisers): no inline constructor an ISA file could emit.
struct DotTable {
    DotKernel kernel[static_cast<int>(DotType::count)];
    // Rows a kernel handles together best; the driver gives each thread a multiple of this.
    int row_tile;
    // The activation conversion (cpu_quant.h's act_quantize_blocks, or a SIMD copy with the same bits).
    void (*quantize)(const ActLayout &layout, const float *x, uint8_t *dst, int64_t block_begin,
                     int64_t block_end);
};

// Each table is complete for its ISA: a type without a SIMD kernel points at the scalar one.
const DotTable &dot_table_scalar();
#if defined(__x86_64__) || defined(_M_X64)
const DotTable &dot_table_avx2();
const DotTable &dot_table_avx512();
#endif

}  // namespace nd::cpu
