#pragma once
// Internal to gpu/gguf: the parsed form of one GGUF file (a shard) and the parser that builds it from
// bytes. gguf_file.cpp maps files, follows splits and merges shards.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_file.h"

namespace nd {

// Bytes of one element of a fixed-size metadata type; 0 for string and array (gguf_value.cpp).
uint64_t gguf_scalar_bytes(GgufType type);

struct GgufShard {
    std::string path;
    const uint8_t *base = nullptr;  // the whole file
    uint64_t size = 0;
    void *map = nullptr;  // non-null when we mapped it (unmapped in gguf_free)
    uint32_t version = 0;
    uint32_t alignment = 32;
    uint64_t data_start = 0;
    std::vector<GgufKeyValue> metadata;
    std::vector<GgufTensor> tensors;
};

struct GgufFile {
    std::string path;
    std::vector<GgufShard> shards;
    // Views into shard 0's metadata and every shard's tensors, with name indexes.
    std::vector<GgufKeyValue> metadata;
    std::vector<GgufTensor> tensors;
    std::unordered_map<std::string_view, size_t> key_index;
    std::unordered_map<std::string_view, size_t> tensor_index;
};

// Parses and validates one file held in [data, data + size). `name` prefixes every error message. Tensor
// views point into `data`; `shard_no` is stored in each tensor.
Status gguf_parse(const uint8_t *data, uint64_t size, const std::string &name, const GgufOpenOptions &options,
                  int shard_no, GgufShard *out);

// Hard limits of the format as ggml defines them.
inline constexpr uint64_t kGgufMaxNameBytes = 63;  // GGML_MAX_NAME is 64 including the terminator
inline constexpr int kGgufMaxDims = 4;
inline constexpr int kGgufMaxArrayDepth = 8;  // arrays of arrays; deeper nesting is refused, not recursed

}  // namespace nd
