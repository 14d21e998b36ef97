// The AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma -mf16c; used only when the CPU has them):
// the x86 kernels on pairs of 256-bit vectors, u8×s8 dots through vpmaddubsw.
#define ND_DOT_AVX512 0
#include "gpu/cpu/cpu_dot.h"
#include "gpu/cpu/cpu_dot_x86_vec.h"

namespace nd::cpu {
namespace {
// 16 ymm registers: a 2 × 2 tile of 64-byte accumulators (8 ymm) leaves room for codes and activations.
constexpr int kTileRows = 2, kTileToks = 2;
constexpr int kRowAlign = kTileRows;  // threads split the rows in multiples of this
}  // namespace
}  // namespace nd::cpu

#include "gpu/cpu/cpu_dot_x86_kernels.h"
#include "gpu/cpu/cpu_dot_x86_table.h"

namespace nd::cpu {

const DotTable &dot_table_avx2() {
    static const DotTable table = make_x86_table();
    return table;
}

}  // namespace nd::cpu
