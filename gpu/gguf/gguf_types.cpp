// ggml type ids: names, block geometry, which ids the engine reads (spec §1.3).
#include "gpu/gguf/gguf_types.h"

#include <cctype>

#include "gpu/gguf/gguf_types_internal.h"

namespace nd {

namespace {

struct TypeInfo {
    uint32_t id;
    const char *name;
    int64_t block_size;   // elements per block
    int64_t block_bytes;  // bytes per block
};

// Every id ggml defines (Aug 2026), with the geometry needed to lay out a tensor even when we cannot
// dequantise it (`allow_unsupported_types`). NVFP4/Q1_0/Q2_0 are named but their layout is not known
// here, so a file holding them is refused with their name.
constexpr TypeInfo kTypes[] = {
    {0, "F32", 1, 4},         {1, "F16", 1, 2},         {2, "Q4_0", 32, 18},      {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},      {7, "Q5_1", 32, 24},      {8, "Q8_0", 32, 34},      {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84},    {11, "Q3_K", 256, 110},   {12, "Q4_K", 256, 144},   {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},   {15, "Q8_K", 256, 292},   {16, "IQ2_XXS", 256, 66}, {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98}, {19, "IQ1_S", 256, 50},   {20, "IQ4_NL", 32, 18},   {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},   {23, "IQ4_XS", 256, 136}, {24, "I8", 1, 1},         {25, "I16", 1, 2},
    {26, "I32", 1, 4},        {27, "I64", 1, 8},        {28, "F64", 1, 8},        {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},       {34, "TQ1_0", 256, 54},   {35, "TQ2_0", 256, 66},   {39, "MXFP4", 32, 17},
    {40, "NVFP4", 0, 0},      {41, "Q1_0", 0, 0},       {42, "Q2_0", 0, 0},
};

const TypeInfo *find_info(uint32_t id) {
    for (const TypeInfo &t : kTypes)
        if (t.id == id)
            return &t;
    return nullptr;
}

}  // namespace

std::string ggml_type_name(uint32_t type_id) {
    if (const TypeInfo *t = find_info(type_id))
        return t->name;
    return "type " + std::to_string(type_id);
}

bool ggml_type_supported(uint32_t type_id) {
    for (GgmlType t : kSupportedGgmlTypes)
        if (static_cast<uint32_t>(t) == type_id)
            return true;
    return false;
}

std::optional<GgmlType> ggml_type_from_name(std::string_view name) {
    for (GgmlType t : kSupportedGgmlTypes) {
        const std::string canonical = ggml_type_name(static_cast<uint32_t>(t));
        if (canonical.size() != name.size())
            continue;
        bool same = true;
        for (size_t i = 0; i < name.size() && same; ++i)
            same = std::toupper(static_cast<unsigned char>(name[i])) == canonical[i];
        if (same)
            return t;
    }
    return std::nullopt;
}

int64_t ggml_type_block_size(GgmlType type) {
    const TypeInfo *t = find_info(static_cast<uint32_t>(type));
    return t ? t->block_size : 0;
}

int64_t ggml_type_block_bytes(GgmlType type) {
    const TypeInfo *t = find_info(static_cast<uint32_t>(type));
    return t ? t->block_bytes : 0;
}

bool ggml_type_geometry(uint32_t type_id, int64_t *block_size, int64_t *block_bytes) {
    const TypeInfo *t = find_info(type_id);
    if (!t || t->block_size == 0)
        return false;
    *block_size = t->block_size;
    *block_bytes = t->block_bytes;
    return true;
}

std::string ggml_supported_type_list() {
    std::string out;
    for (GgmlType t : kSupportedGgmlTypes) {
        if (!out.empty())
            out += ", ";
        out += ggml_type_name(static_cast<uint32_t>(t));
    }
    return out;
}

}  // namespace nd
