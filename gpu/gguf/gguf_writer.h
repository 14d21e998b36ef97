#pragma once
// Writes GGUF v3 files: metadata of every type, tensors of every supported type, chosen alignment, and
// split models (`-00001-of-0000N.gguf`, each shard a complete GGUF with split.no/split.count/
// split.tensors.count). Used by the model generator, tests and tools; the layout is exactly what
// gguf_open() expects (and what llama.cpp's reader expects).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_file.h"

namespace nd {

// An owned metadata value for writing (GgufValue is a view into a file).
struct GgufWriteValue {
    GgufType type = GgufType::uint32;
    uint64_t u = 0;
    int64_t i = 0;
    double f = 0;
    std::string s;
    GgufType elem_type = GgufType::uint32;  // arrays
    std::vector<GgufWriteValue> elems;      // arrays (any element type, nested arrays included)

    static GgufWriteValue u32(uint32_t v);
    static GgufWriteValue i32(int32_t v);
    static GgufWriteValue u64(uint64_t v);
    static GgufWriteValue f32(float v);
    static GgufWriteValue boolean(bool v);
    static GgufWriteValue str(std::string v);
    static GgufWriteValue scalar(GgufType type, int64_t integer_or_bool);  // any integer or boolean type
    static GgufWriteValue array(GgufType elem_type, std::vector<GgufWriteValue> elems);
    static GgufWriteValue i32_array(const std::vector<int32_t> &v);
    static GgufWriteValue f32_array(const std::vector<float> &v);
    static GgufWriteValue str_array(const std::vector<std::string> &v);
};

struct GgufWriteTensor {
    std::string name;
    GgmlType type = GgmlType::f32;
    std::vector<int64_t> ne;    // 1 to 4 dims, ne[0] innermost
    std::vector<uint8_t> data;  // exactly the tensor's bytes in `type`
};

struct GgufWriteOptions {
    uint32_t alignment = 32;  // written as general.alignment when not 32
    // > 0: split into shards of at most this many tensors; path must then be the first shard's name
    // ("dir/model-00001-of-00003.gguf" is computed from "dir/model.gguf").
    int max_tensors_per_shard = 0;
};

class GgufWriter {
public:
    // Later calls with the same key replace the value; keys keep their first insertion order.
    void set(std::string key, GgufWriteValue value);
    void add_tensor(GgufWriteTensor tensor);
    // Quantises f32 values into `type` (ne[0] must be a multiple of the block size).
    Status add_tensor_f32(std::string name, GgmlType type, std::vector<int64_t> ne,
                          const std::vector<float> &values);
    // Writes the file (or the shards), replacing existing files; returns the paths written.
    Status write(const std::string &path, const GgufWriteOptions &options,
                 std::vector<std::string> *paths_written) const;

private:
    std::vector<std::pair<std::string, GgufWriteValue>> m_metadata;
    std::vector<GgufWriteTensor> m_tensors;
};

// "dir/model.gguf", 2, 3 -> "dir/model-00002-of-00003.gguf"
std::string gguf_split_path(const std::string &path, int split_no, int split_count);

}  // namespace nd
