#pragma once
// Rewriting a GGUF with changes, to craft files that contradict themselves (forward/session tests): every
// metadata value and tensor is copied as is unless the caller changes it.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "gpu/gguf/gguf_file.h"
#include "gpu/gguf/gguf_writer.h"

namespace nd::test {

inline GgufWriteValue to_write_value(const GgufValue &v) {
    GgufWriteValue w;
    w.type = v.type;
    w.u = v.u;
    w.i = v.i;
    w.f = v.f;
    w.s = std::string(v.s);
    if (v.type != GgufType::array)
        return w;
    w.elem_type = v.elem_type;
    for (uint64_t k = 0; k < v.count; ++k) {
        GgufWriteValue e;
        e.type = v.elem_type;
        if (v.elem_type == GgufType::string) {
            e.s = std::string(v.strings[k]);
        } else if (v.elem_type == GgufType::array) {
            e = to_write_value(v.nested[k]);
        } else if (v.elem_type == GgufType::float32 || v.elem_type == GgufType::float64) {
            e.f = v.array_float(k).value_or(0);
        } else if (v.elem_type == GgufType::boolean) {
            e.u = static_cast<uint64_t>(v.array_int(k).value_or(0));
        } else {
            const int64_t x = v.array_int(k).value_or(0);
            e.i = x;
            e.u = static_cast<uint64_t>(x);
        }
        w.elems.push_back(std::move(e));
    }
    return w;
}

struct GgufEdit {
    // Return false to drop the key / tensor; may change the value / tensor in place.
    std::function<bool(const std::string &key, GgufWriteValue &value)> metadata;
    std::function<bool(GgufWriteTensor &tensor)> tensor;
    std::vector<std::pair<std::string, GgufWriteValue>> add_metadata;
    std::vector<GgufWriteTensor> add_tensors;
};

inline void gguf_rewrite(const std::string &in, const std::string &out, const GgufEdit &edit) {
    GgufFile *f = nullptr;
    Status st = gguf_open(in, {}, &f);
    ASSERT_TRUE(st.ok()) << st.describe();
    GgufFilePtr file(f);
    GgufWriter w;
    for (const GgufKeyValue &kv : gguf_metadata(f)) {
        const std::string key(kv.key);
        if (key == "general.alignment")
            continue;
        GgufWriteValue v = to_write_value(kv.value);
        if (!edit.metadata || edit.metadata(key, v))
            w.set(key, std::move(v));
    }
    for (const auto &[k, v] : edit.add_metadata)
        w.set(k, v);
    for (const GgufTensor &t : gguf_tensors(f)) {
        GgufWriteTensor wt;
        wt.name = std::string(t.name);
        wt.type = t.type();
        wt.ne.assign(t.ne.begin(), t.ne.begin() + std::max(1, t.n_dims));
        wt.data.assign(t.data, t.data + t.n_bytes);
        if (!edit.tensor || edit.tensor(wt))
            w.add_tensor(std::move(wt));
    }
    for (const GgufWriteTensor &t : edit.add_tensors)
        w.add_tensor(t);
    st = w.write(out, {}, nullptr);
    ASSERT_TRUE(st.ok()) << st.describe();
}

}  // namespace nd::test
