#pragma once
// Internal to gpu/cpu: the activation formats the matrix products run on, and their conversion from f32.
//
// Like ggml, the activations are converted once per call to the weight type's "dot type" (cpu_matmul.h).
// The values are ggml's bit for bit (the x86 quantize_row_q8_0/q8_1 and quantize_row_q8_K_ref), but the
// layout is ours, chosen for the kernels: one token row holds all its int8 quants contiguously, then one
// float scale per block, then the per-block sums the kernels need:
//
//   Q8_0 (32 per block): qs[nb*32] int8 | d[nb] float (the fp16-rounded scale)  | sum[nb] float (Σ qs)
//   Q8_1 (32 per block): qs[nb*32] int8 | d[nb] float (fp16-rounded)            | s[nb] float (fp16(d·Σqs))
//   Q8_K (256 per block): qs[nb*256] int8 | d[nb] float (negative: ggml's sign) | bsums[nb*16] int16
//   F16 / BF16: n floats, each rounded to the half format (nearest even) and widened back (exact), so
//   kernels broadcast plain floats;  F32: the caller's floats, unconverted.
//
// The sums let kernels that multiply unsigned weight codes (u8 × s8 instructions) subtract the code
// offset per block: Σ (q - 8)·x = Σ q·x - 8·Σ x.
#include <cstdint>

#include "gpu/gguf/gguf_types.h"

namespace nd::cpu {

enum class ActFormat { f32 = 1, f16, bf16, q8_0, q8_1, q8_k };

ActFormat act_format_for(GgmlType weight_type);

// Offsets inside one converted token row, in bytes. row_bytes is rounded up to 64 so rows stay aligned.
struct ActLayout {
    ActFormat format = ActFormat::f32;
    int64_t n = 0;        // elements
    int64_t nb = 0;       // blocks (n for f32/f16/bf16)
    int64_t d_off = 0;    // float d[nb]
    int64_t aux_off = 0;  // float sum[nb] / float s[nb] / int16 bsums[nb*16]
    int64_t row_bytes = 0;
};

ActLayout act_layout(ActFormat format, int64_t n);

// Converts one row of n floats (n a multiple of the format's block size) into dst (layout.row_bytes).
// Not for f32 (the kernels read the caller's rows). Scalar, and the only conversion: every ISA's kernels
// read the same bytes, so the paths can differ only in the order of float additions.
void act_quantize_row(const ActLayout &layout, const float *x, uint8_t *dst);
// The same for blocks [block_begin, block_end) of the row only (threads split a long row).
void act_quantize_blocks(const ActLayout &layout, const float *x, uint8_t *dst, int64_t block_begin,
                         int64_t block_end);

}  // namespace nd::cpu
