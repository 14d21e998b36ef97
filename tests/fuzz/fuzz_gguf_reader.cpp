// Fuzz target: bytes -> gguf_open_memory -> every accessor. gguf_open validates everything it hands out,
// so whatever the bytes, walking the metadata, the array elements and the tensors, and dequantising the
// first row of each tensor must stay inside the buffer (ASan proves it) and keep the reader's invariants.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "FuzzCheck.h"
#include "gpu/gguf/ggml_quants.h"
#include "gpu/gguf/gguf_file.h"

namespace {

void walk_value(const nd::GgufValue &v, int depth) {
    ND_FUZZ_CHECK(depth <= 16);
    (void)v.describe();
    (void)v.to_int();
    (void)v.to_float();
    if (v.type != nd::GgufType::array)
        return;
    if (v.elem_type == nd::GgufType::string) {
        ND_FUZZ_CHECK(v.strings.size() == v.count);
        size_t total = 0;
        for (std::string_view s : v.strings)
            total += s.size();
        (void)total;
    } else if (v.elem_type == nd::GgufType::array) {
        ND_FUZZ_CHECK(v.nested.size() == v.count);
        for (const nd::GgufValue &e : v.nested)
            walk_value(e, depth + 1);
    } else {
        for (uint64_t k = 0; k < v.count; ++k) {
            (void)v.array_int(k);
            (void)v.array_float(k);
        }
        ND_FUZZ_CHECK(!v.array_int(v.count));  // one past the end is refused
    }
}

void run(const uint8_t *data, size_t size, const nd::GgufOpenOptions &options) {
    nd::GgufFile *raw = nullptr;
    const nd::Status st = nd::gguf_open_memory(data, size, "fuzz.gguf", options, &raw);
    if (!st.ok()) {
        ND_FUZZ_CHECK(raw == nullptr);
        ND_FUZZ_CHECK(!st.message.empty());
        return;
    }
    nd::GgufFilePtr file(raw);
    ND_FUZZ_CHECK(nd::gguf_alignment(raw) > 0 &&
                  (nd::gguf_alignment(raw) & (nd::gguf_alignment(raw) - 1)) == 0);
    for (const nd::GgufKeyValue &kv : nd::gguf_metadata(raw)) {
        ND_FUZZ_CHECK(nd::gguf_find(raw, kv.key) == &kv.value);
        walk_value(kv.value, 0);
        std::optional<int64_t> i;
        (void)nd::gguf_get_int(raw, kv.key, &i);
        std::optional<std::vector<int64_t>> arr;
        (void)nd::gguf_get_int_array(raw, kv.key, 4, &arr);
    }
    const uint8_t *end = data + size;
    std::vector<float> row;
    for (const nd::GgufTensor &t : nd::gguf_tensors(raw)) {
        ND_FUZZ_CHECK(nd::gguf_find_tensor(raw, t.name) == &t);
        ND_FUZZ_CHECK(t.data >= data && t.n_bytes <= static_cast<uint64_t>(end - t.data));
        ND_FUZZ_CHECK(t.n_dims >= 0 && t.n_dims <= 4);
        if (!nd::ggml_type_supported(t.type_id))
            continue;
        ND_FUZZ_CHECK(t.n_elements() >= 0);
        if (t.n_elements() == 0)
            continue;
        // The first row: ne[0] elements, each row fits in the tensor's bytes.
        ND_FUZZ_CHECK(static_cast<uint64_t>(t.row_bytes()) <= t.n_bytes);
        if (t.ne[0] <= (1 << 20)) {
            row.resize(static_cast<size_t>(t.ne[0]));
            ND_FUZZ_CHECK(nd::ggml_dequantize_row(t.type(), t.data, t.ne[0], row.data()).ok());
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run(data, size, nd::GgufOpenOptions{});
    nd::GgufOpenOptions lenient;
    lenient.allow_unsupported_types = true;
    run(data, size, lenient);
    return 0;
}
