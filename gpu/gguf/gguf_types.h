#pragma once
// ggml tensor types as GGUF stores them (spec: specs/nemotron-gguf.md §1.3): ids, block sizes, byte
// sizes and names, for every id the format defines, and which of them this engine can read.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nd {

// The values are the on-disk ids. Only the ids the engine reads have names here; the others are still
// recognised by ggml_type_name() so that an error can say "IQ2_XXS" rather than "type 16".
enum class GgmlType : uint32_t {
    f32 = 0,
    f16 = 1,
    q4_0 = 2,
    q4_1 = 3,
    q5_0 = 6,
    q5_1 = 7,
    q8_0 = 8,
    q4_k = 12,
    q5_k = 13,
    q6_k = 14,
    iq4_nl = 20,
    bf16 = 30,
};

// Every type the engine dequantises, in a stable order (tests and the generator iterate over it).
inline constexpr GgmlType kSupportedGgmlTypes[] = {
    GgmlType::f32,  GgmlType::f16,  GgmlType::bf16,   GgmlType::q8_0, GgmlType::q4_0, GgmlType::q4_1,
    GgmlType::q5_0, GgmlType::q5_1, GgmlType::iq4_nl, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k,
};

// "Q4_K", "F32", …; for ids the engine does not read but ggml defines, their ggml name ("IQ2_XXS");
// for ids nobody defines, "type 99".
std::string ggml_type_name(uint32_t type_id);
bool ggml_type_supported(uint32_t type_id);
// Parses "q4_k", "Q4_K", "bf16", … (case-insensitive); only supported types.
std::optional<GgmlType> ggml_type_from_name(std::string_view name);

// Elements per block (1 for F32/F16/BF16, 32 for the legacy quants, 256 for K-quants) and bytes per block.
int64_t ggml_type_block_size(GgmlType type);
int64_t ggml_type_block_bytes(GgmlType type);
// Bytes of a row of n elements; n must be a multiple of the block size (checked by the caller).
inline int64_t ggml_row_bytes(GgmlType type, int64_t n) {
    return n / ggml_type_block_size(type) * ggml_type_block_bytes(type);
}

}  // namespace nd
