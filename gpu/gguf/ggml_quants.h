#pragma once
// Row conversion between f32 and every supported ggml type (spec §1.3). Dequantisation follows the spec
// bit for bit; these loops are the CPU reference that every faster path (SIMD, CUDA) is tested against.
// Quantisation is the reference round-to-nearest of each format (what ggml's *_ref functions compute),
// used by the writer and the model generator: it only has to produce valid, realistic blocks.
#include <cstdint>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_types.h"

namespace nd {

// n must be a multiple of the type's block size; src holds ggml_row_bytes(type, n) bytes.
Status ggml_dequantize_row(GgmlType type, const void *src, int64_t n, float *dst);
Status ggml_quantize_row(GgmlType type, const float *src, int64_t n, void *dst);

// IEEE half and bfloat16 conversions (round to nearest even; NaN stays NaN).
float ggml_fp16_to_fp32(uint16_t h);
uint16_t ggml_fp32_to_fp16(float f);
float ggml_bf16_to_fp32(uint16_t h);
uint16_t ggml_fp32_to_bf16(float f);

}  // namespace nd
