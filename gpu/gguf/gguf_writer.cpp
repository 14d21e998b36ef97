// The GGUF writer (spec §1.1): header, metadata, tensor infos, padding to the alignment, tensor data each
// padded to the alignment, offsets as the running sum of padded sizes (what ggml's reader requires).
#include "gpu/gguf/gguf_writer.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <unordered_set>

#include "gpu/gguf/ggml_quants.h"
#include "gpu/gguf/gguf_internal.h"

namespace nd {

GgufWriteValue GgufWriteValue::u32(uint32_t v) {
    return scalar(GgufType::uint32, v);
}
GgufWriteValue GgufWriteValue::i32(int32_t v) {
    return scalar(GgufType::int32, v);
}
GgufWriteValue GgufWriteValue::u64(uint64_t v) {
    GgufWriteValue w;
    w.type = GgufType::uint64;
    w.u = v;
    return w;
}
GgufWriteValue GgufWriteValue::f32(float v) {
    GgufWriteValue w;
    w.type = GgufType::float32;
    w.f = v;
    return w;
}
GgufWriteValue GgufWriteValue::boolean(bool v) {
    return scalar(GgufType::boolean, v ? 1 : 0);
}
GgufWriteValue GgufWriteValue::str(std::string v) {
    GgufWriteValue w;
    w.type = GgufType::string;
    w.s = std::move(v);
    return w;
}
GgufWriteValue GgufWriteValue::scalar(GgufType type, int64_t integer_or_bool) {
    GgufWriteValue w;
    w.type = type;
    w.i = integer_or_bool;
    w.u = static_cast<uint64_t>(integer_or_bool);
    return w;
}
GgufWriteValue GgufWriteValue::array(GgufType elem_type, std::vector<GgufWriteValue> elems) {
    GgufWriteValue w;
    w.type = GgufType::array;
    w.elem_type = elem_type;
    w.elems = std::move(elems);
    return w;
}
GgufWriteValue GgufWriteValue::i32_array(const std::vector<int32_t> &v) {
    std::vector<GgufWriteValue> e;
    e.reserve(v.size());
    for (int32_t x : v)
        e.push_back(i32(x));
    return array(GgufType::int32, std::move(e));
}
GgufWriteValue GgufWriteValue::f32_array(const std::vector<float> &v) {
    std::vector<GgufWriteValue> e;
    e.reserve(v.size());
    for (float x : v)
        e.push_back(f32(x));
    return array(GgufType::float32, std::move(e));
}
GgufWriteValue GgufWriteValue::str_array(const std::vector<std::string> &v) {
    std::vector<GgufWriteValue> e;
    e.reserve(v.size());
    for (const std::string &x : v)
        e.push_back(str(x));
    return array(GgufType::string, std::move(e));
}

void GgufWriter::set(std::string key, GgufWriteValue value) {
    for (auto &kv : m_metadata) {
        if (kv.first == key) {
            kv.second = std::move(value);
            return;
        }
    }
    m_metadata.emplace_back(std::move(key), std::move(value));
}

void GgufWriter::add_tensor(GgufWriteTensor tensor) {
    m_tensors.push_back(std::move(tensor));
}

Status GgufWriter::add_tensor_f32(std::string name, GgmlType type, std::vector<int64_t> ne,
                                  const std::vector<float> &values) {
    if (ne.empty() || ne.size() > 4)
        return ND_STATUS(StatusCode::invalid_argument,
                         "tensor '" + name + "': 1 to 4 dimensions, got " + std::to_string(ne.size()));
    int64_t n = 1;
    for (int64_t d : ne) {
        if (d < 0)
            return ND_STATUS(StatusCode::invalid_argument, "tensor '" + name + "': negative dimension");
        n *= d;
    }
    if (static_cast<int64_t>(values.size()) != n)
        return ND_STATUS(StatusCode::invalid_argument, "tensor '" + name +
                                                           "': " + std::to_string(values.size()) +
                                                           " values for " + std::to_string(n) + " elements");
    const int64_t bs = ggml_type_block_size(type);
    if (bs == 0 || ne[0] % bs != 0)
        return ND_STATUS(StatusCode::invalid_argument, "tensor '" + name + "': " + std::to_string(ne[0]) +
                                                           " elements per row is not a multiple of " +
                                                           ggml_type_name(static_cast<uint32_t>(type)) +
                                                           "'s block size " + std::to_string(bs));
    GgufWriteTensor t;
    t.name = std::move(name);
    t.type = type;
    t.ne = std::move(ne);
    const int64_t row_bytes = ggml_row_bytes(type, t.ne[0]);
    const int64_t rows = t.ne[0] == 0 ? 0 : n / t.ne[0];
    t.data.resize(static_cast<size_t>(row_bytes * rows));
    for (int64_t r = 0; r < rows; ++r) {
        Status st =
            ggml_quantize_row(type, values.data() + r * t.ne[0], t.ne[0], t.data.data() + r * row_bytes);
        if (!st.ok())
            return st;
    }
    m_tensors.push_back(std::move(t));
    return {};
}

namespace {

class Bytes {
public:
    template <typename T>
    void put(T v) {
        const size_t at = m_b.size();
        m_b.resize(at + sizeof(T));
        std::memcpy(m_b.data() + at, &v, sizeof(T));
    }
    void put_string(const std::string &s) {
        put<uint64_t>(s.size());
        m_b.insert(m_b.end(), s.begin(), s.end());
    }
    void pad_to(uint64_t alignment) {
        while (m_b.size() % alignment != 0)
            m_b.push_back(0);
    }
    const std::vector<uint8_t> &data() const { return m_b; }

private:
    std::vector<uint8_t> m_b;
};

Status put_value(Bytes &b, const GgufWriteValue &v, const std::string &key, bool with_type) {
    if (with_type)
        b.put<uint32_t>(static_cast<uint32_t>(v.type));
    switch (v.type) {
        case GgufType::uint8:
            b.put<uint8_t>(static_cast<uint8_t>(v.u));
            break;
        case GgufType::int8:
            b.put<int8_t>(static_cast<int8_t>(v.i));
            break;
        case GgufType::uint16:
            b.put<uint16_t>(static_cast<uint16_t>(v.u));
            break;
        case GgufType::int16:
            b.put<int16_t>(static_cast<int16_t>(v.i));
            break;
        case GgufType::uint32:
            b.put<uint32_t>(static_cast<uint32_t>(v.u));
            break;
        case GgufType::int32:
            b.put<int32_t>(static_cast<int32_t>(v.i));
            break;
        case GgufType::float32:
            b.put<float>(static_cast<float>(v.f));
            break;
        case GgufType::boolean:
            b.put<uint8_t>(v.u ? 1 : 0);
            break;
        case GgufType::string:
            b.put_string(v.s);
            break;
        case GgufType::uint64:
            b.put<uint64_t>(v.u);
            break;
        case GgufType::int64:
            b.put<int64_t>(v.i);
            break;
        case GgufType::float64:
            b.put<double>(v.f);
            break;
        case GgufType::array:
            b.put<uint32_t>(static_cast<uint32_t>(v.elem_type));
            b.put<uint64_t>(v.elems.size());
            for (const GgufWriteValue &e : v.elems) {
                if (e.type != v.elem_type)
                    return ND_STATUS(StatusCode::invalid_argument, "metadata '" + key + "': an array of " +
                                                                       gguf_type_name(v.elem_type) +
                                                                       " holds a " + gguf_type_name(e.type));
                if (Status st = put_value(b, e, key, false); !st.ok())
                    return st;
            }
            break;
        default:
            return ND_STATUS(StatusCode::invalid_argument, "metadata '" + key + "': unknown value type");
    }
    return {};
}

uint64_t align_up(uint64_t x, uint64_t a) {
    return (x + a - 1) / a * a;
}

Status check_tensor(const GgufWriteTensor &t) {
    if (t.name.empty() || t.name.size() > kGgufMaxNameBytes)
        return ND_STATUS(StatusCode::invalid_argument, "tensor '" + t.name + "': names are 1 to 63 bytes");
    if (t.ne.empty() || t.ne.size() > 4)
        return ND_STATUS(StatusCode::invalid_argument, "tensor '" + t.name + "': 1 to 4 dimensions");
    const int64_t bs = ggml_type_block_size(t.type);
    if (bs == 0 || t.ne[0] % bs != 0)
        return ND_STATUS(StatusCode::invalid_argument,
                         "tensor '" + t.name + "': row length is not a multiple of " +
                             ggml_type_name(static_cast<uint32_t>(t.type)) + "'s block size");
    int64_t bytes = ggml_row_bytes(t.type, t.ne[0]);
    for (size_t d = 1; d < t.ne.size(); ++d)
        bytes *= t.ne[d];
    if (bytes != static_cast<int64_t>(t.data.size()))
        return ND_STATUS(StatusCode::invalid_argument,
                         "tensor '" + t.name + "': " + std::to_string(t.data.size()) +
                             " bytes of data, its shape and type need " + std::to_string(bytes));
    return {};
}

}  // namespace

std::string gguf_split_path(const std::string &path, int split_no, int split_count) {
    std::string base = path;
    if (base.size() >= 5 && base.compare(base.size() - 5, 5, ".gguf") == 0)
        base.resize(base.size() - 5);
    char suffix[40];
    std::snprintf(suffix, sizeof suffix, "-%05d-of-%05d.gguf", split_no, split_count);
    return base + suffix;
}

Status GgufWriter::write(const std::string &path, const GgufWriteOptions &options,
                         std::vector<std::string> *paths_written) const {
    if (paths_written)
        paths_written->clear();
    const uint32_t alignment = options.alignment;
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        return ND_STATUS(StatusCode::invalid_argument,
                         "alignment " + std::to_string(alignment) + " is not a power of 2");
    std::unordered_set<std::string> names;
    for (const GgufWriteTensor &t : m_tensors) {
        if (Status st = check_tensor(t); !st.ok())
            return st;
        if (!names.insert(t.name).second)
            return ND_STATUS(StatusCode::invalid_argument, "tensor '" + t.name + "' added twice");
    }
    const bool split = options.max_tensors_per_shard > 0;
    const size_t per_shard =
        split ? static_cast<size_t>(options.max_tensors_per_shard) : m_tensors.size() + 1;
    const int n_shards =
        split ? std::max<int>(1, static_cast<int>((m_tensors.size() + per_shard - 1) / per_shard)) : 1;
    if (n_shards > 99999)
        return ND_STATUS(StatusCode::invalid_argument, "too many shards");

    for (int shard = 0; shard < n_shards; ++shard) {
        const size_t first = static_cast<size_t>(shard) * per_shard;
        const size_t last = std::min(m_tensors.size(), first + per_shard);
        // Metadata of this shard: everything on the first shard, only the split keys on the others;
        // general.alignment from the options, on every shard (each is read on its own).
        std::vector<std::pair<std::string, GgufWriteValue>> kvs;
        if (alignment != 32)
            kvs.emplace_back("general.alignment", GgufWriteValue::u32(alignment));
        if (shard == 0) {
            for (const auto &kv : m_metadata) {
                if (kv.first == "general.alignment" || (split && kv.first.rfind("split.", 0) == 0))
                    continue;
                kvs.push_back(kv);
            }
        }
        if (split) {
            kvs.emplace_back("split.no", GgufWriteValue::scalar(GgufType::uint16, shard));
            kvs.emplace_back("split.count", GgufWriteValue::scalar(GgufType::uint16, n_shards));
            kvs.emplace_back("split.tensors.count",
                             GgufWriteValue::i32(static_cast<int32_t>(m_tensors.size())));
        }
        Bytes h;
        h.put<uint32_t>(0x46554747u);  // "GGUF"
        h.put<uint32_t>(3);
        h.put<uint64_t>(last - first);
        h.put<uint64_t>(kvs.size());
        for (const auto &kv : kvs) {
            h.put_string(kv.first);
            if (Status st = put_value(h, kv.second, kv.first, true); !st.ok())
                return st;
        }
        uint64_t offset = 0;
        for (size_t k = first; k < last; ++k) {
            const GgufWriteTensor &t = m_tensors[k];
            h.put_string(t.name);
            h.put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
            for (int64_t d : t.ne)
                h.put<uint64_t>(static_cast<uint64_t>(d));
            h.put<uint32_t>(static_cast<uint32_t>(t.type));
            h.put<uint64_t>(offset);
            offset += align_up(t.data.size(), alignment);
        }
        h.pad_to(alignment);

        const std::string out_path = split ? gguf_split_path(path, shard + 1, n_shards) : path;
        std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
        if (!out)
            return ND_STATUS(StatusCode::io_error, out_path + ": cannot create: " + std::strerror(errno));
        out.write(reinterpret_cast<const char *>(h.data().data()),
                  static_cast<std::streamsize>(h.data().size()));
        static const char zeros[4096] = {};
        for (size_t k = first; k < last; ++k) {
            const GgufWriteTensor &t = m_tensors[k];
            out.write(reinterpret_cast<const char *>(t.data.data()),
                      static_cast<std::streamsize>(t.data.size()));
            uint64_t pad = align_up(t.data.size(), alignment) - t.data.size();
            while (pad > 0) {
                const uint64_t n = std::min<uint64_t>(pad, sizeof zeros);
                out.write(zeros, static_cast<std::streamsize>(n));
                pad -= n;
            }
        }
        out.close();
        if (!out)
            return ND_STATUS(StatusCode::io_error, out_path + ": write failed: " + std::strerror(errno));
        if (paths_written)
            paths_written->push_back(out_path);
    }
    return {};
}

}  // namespace nd
