#pragma once
// Internal to gpu/gguf: block geometry of every id ggml defines, including the ones we cannot dequantise
// (the reader still has to lay them out when `allow_unsupported_types` is set).
#include <cstdint>
#include <string>

namespace nd {

// false for ids whose layout is unknown here.
bool ggml_type_geometry(uint32_t type_id, int64_t *block_size, int64_t *block_bytes);
// "F32, F16, BF16, …" for error messages.
std::string ggml_supported_type_list();

}  // namespace nd
