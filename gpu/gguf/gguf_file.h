#pragma once
// A memory-mapped GGUF v3 file (spec §1): metadata, the tensor table and zero-copy views of tensor data.
//
// gguf_open() validates everything it will ever hand out before it returns: header, every metadata value
// (types, lengths, counts against the bytes left in the file), tensor names, dimensions, types, offsets
// (inside the data section, aligned, in file order without gaps or overlap) and sizes. Afterwards no
// accessor can read outside the mapping. A split model ("name-00001-of-00003.gguf") is opened through its
// first shard: the other shards are found next to it, checked (same split.count, every split.no once) and
// their tensors appended; metadata comes from the first shard.
//
// Strings and arrays are views into the mapping: they live as long as the GgufFile.
// Thread-safety: a GgufFile is immutable after gguf_open(); any number of threads may read it.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_types.h"

namespace nd {

// Metadata value types; the values are the on-disk ids (spec §1.2).
enum class GgufType : uint32_t {
    uint8 = 0,
    int8 = 1,
    uint16 = 2,
    int16 = 3,
    uint32 = 4,
    int32 = 5,
    float32 = 6,
    boolean = 7,
    string = 8,
    array = 9,
    uint64 = 10,
    int64 = 11,
    float64 = 12,
};
const char *gguf_type_name(GgufType type);  // "u32", "string", "array", …

// One metadata value. Scalars are decoded; strings are views into the mapping; arrays keep their element
// type, count and a view of their encoded bytes, read element by element through the accessors below
// (a 269,443-string merges array costs nothing until it is read).
struct GgufValue {
    GgufType type = GgufType::uint8;
    // Scalars: exactly one of these is meaningful, by type.
    uint64_t u = 0;      // uint8/16/32/64, boolean (0/1)
    int64_t i = 0;       // int8/16/32/64
    double f = 0;        // float32/64
    std::string_view s;  // string
    // Arrays.
    GgufType elem_type = GgufType::uint8;
    uint64_t count = 0;
    const uint8_t *elems = nullptr;         // numeric elements, packed little-endian, possibly unaligned
    std::vector<std::string_view> strings;  // string elements
    std::vector<GgufValue> nested;          // array elements (arrays of arrays)

    bool is_integer() const;  // any integer scalar type (not boolean)
    // Integer scalars of any width/signedness, when the value fits; booleans are not integers.
    std::optional<int64_t> to_int() const;
    std::optional<double> to_float() const;  // float32/64 scalars, and integer scalars
    // Array elements, converted as above; nullopt when the index is out of range or the type does not fit.
    std::optional<int64_t> array_int(uint64_t index) const;
    std::optional<double> array_float(uint64_t index) const;
    // "u32 4096", "string \"llama\"", "array[i32, 52]", for messages and `nemoctl info`.
    std::string describe() const;
};

struct GgufKeyValue {
    std::string_view key;
    GgufValue value;
};

struct GgufTensor {
    std::string_view name;
    uint32_t type_id = 0;  // the raw id; GgmlType(type_id) when ggml_type_supported(type_id)
    int n_dims = 0;
    std::array<int64_t, 4> ne = {1, 1, 1, 1};  // ne[0] innermost (spec conventions)
    uint64_t offset = 0;                       // from the start of its shard's data section
    uint64_t n_bytes = 0;                      // unpadded
    const uint8_t *data = nullptr;             // into the mapping of its shard
    int shard = 0;                             // 0 for unsplit files

    int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    GgmlType type() const { return static_cast<GgmlType>(type_id); }
    int64_t row_bytes() const;  // bytes of one ne[0] row
};

struct GgufOpenOptions {
    // Split models: open every shard (default), or only the file named (tools that inspect one shard).
    bool follow_splits = true;
    // Tensors of types the engine cannot dequantise: an error naming the tensor and its type (default),
    // or accepted (`nemoctl info` shows what a file holds even when we cannot run it).
    bool allow_unsupported_types = false;
};

struct GgufFile;  // opaque

// Errors name the file and what is wrong: "model.gguf: tensor 'blk.3.ffn_up.weight' has type IQ2_XXS, which
// NemoDesk cannot read (supported: F32, F16, …)", "model.gguf: truncated: the metadata value of
// 'tokenizer.ggml.tokens' needs 1.2 GB but the file has 3.1 MB left".
Status gguf_open(const std::string &path, const GgufOpenOptions &options, GgufFile **out);
// The same checks on bytes already in memory (the fuzz target, tests, files received over the network).
// Nothing is copied: `data` must outlive the GgufFile. Splits are not followed (there are no siblings);
// `name` stands for the file in messages and gguf_path().
Status gguf_open_memory(const void *data, size_t size, const std::string &name,
                        const GgufOpenOptions &options, GgufFile **out);
void gguf_free(GgufFile *file);
struct GgufFileDeleter {
    void operator()(GgufFile *file) const { gguf_free(file); }
};
using GgufFilePtr = std::unique_ptr<GgufFile, GgufFileDeleter>;

const std::string &gguf_path(const GgufFile *file);  // the path given to gguf_open
uint32_t gguf_version(const GgufFile *file);
uint32_t gguf_alignment(const GgufFile *file);
int gguf_shard_count(const GgufFile *file);
uint64_t gguf_file_bytes(const GgufFile *file);  // all shards together

const std::vector<GgufKeyValue> &gguf_metadata(const GgufFile *file);
const GgufValue *gguf_find(const GgufFile *file, std::string_view key);  // nullptr when absent
const std::vector<GgufTensor> &gguf_tensors(const GgufFile *file);
const GgufTensor *gguf_find_tensor(const GgufFile *file, std::string_view name);

// Typed lookups for loaders: nullopt when the key is absent; a Status error when it is present with a type
// that does not convert ("model.gguf: key 'llama.block_count' is a string, expected an integer").
Status gguf_get_int(const GgufFile *file, std::string_view key, std::optional<int64_t> *out);
Status gguf_get_float(const GgufFile *file, std::string_view key, std::optional<double> *out);
Status gguf_get_bool(const GgufFile *file, std::string_view key, std::optional<bool> *out);
Status gguf_get_string(const GgufFile *file, std::string_view key, std::optional<std::string_view> *out);
// Integer arrays (any integer element type); a scalar integer is accepted as an array of `broadcast`
// copies when broadcast > 0 (per-layer keys that older files store as one number).
Status gguf_get_int_array(const GgufFile *file, std::string_view key, uint64_t broadcast,
                          std::optional<std::vector<int64_t>> *out);

// Dequantises a whole tensor (any supported type) to f32, `n_elements()` values.
Status gguf_tensor_to_f32(const GgufFile *file, const GgufTensor &tensor, std::vector<float> *out);

}  // namespace nd
