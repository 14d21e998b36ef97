// The GGUF parser (spec §1.1–1.2): one pass over the bytes, every length and count checked against what is
// left before anything is allocated or read, so hostile files end in an error that names the problem.
// Versions: 3 is current; 2 has the identical layout (v3 only added the big-endian variant), so both are
// read. Version 1 (32-bit counts) is obsolete and refused, as is anything above 3.
#include <cstring>
#include <stdexcept>
#include <unordered_set>

#include "gpu/gguf/gguf_internal.h"
#include "gpu/gguf/gguf_types_internal.h"

namespace nd {

namespace {

struct ParseError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string human_bytes(uint64_t n) {
    char buf[64];
    if (n < 10 * 1024)
        std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
    else if (n < 10ull * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
    else if (n < 10ull * 1024 * 1024 * 1024)
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024.0 * 1024));
    else
        std::snprintf(buf, sizeof buf, "%.3g GiB", static_cast<double>(n) / (1024.0 * 1024 * 1024));
    return buf;
}

class Cursor {
public:
    Cursor(const uint8_t *data, uint64_t size) : m_data(data), m_size(size) {}
    uint64_t pos() const { return m_pos; }
    uint64_t left() const { return m_size - m_pos; }

    void need(uint64_t n, const std::string &what) const {
        if (n > left())
            throw ParseError("truncated: " + what + " needs " + human_bytes(n) + " at offset " +
                             std::to_string(m_pos) + " but the file has " + human_bytes(left()) + " left");
    }
    const uint8_t *take(uint64_t n, const std::string &what) {
        need(n, what);
        const uint8_t *p = m_data + m_pos;
        m_pos += n;
        return p;
    }
    template <typename T>
    T read(const std::string &what) {
        T v;
        std::memcpy(&v, take(sizeof(T), what), sizeof(T));
        return v;
    }
    std::string_view string(const std::string &what) {
        const auto len = read<uint64_t>(what + " length");
        const uint8_t *p = take(len, what);
        return {reinterpret_cast<const char *>(p), static_cast<size_t>(len)};
    }

private:
    const uint8_t *m_data;
    uint64_t m_size;
    uint64_t m_pos = 0;
};

GgufType checked_type(uint32_t raw, const std::string &where) {
    if (raw > static_cast<uint32_t>(GgufType::float64))
        throw ParseError(where + " has unknown value type " + std::to_string(raw) +
                         " (GGUF defines 0 to 12)");
    return static_cast<GgufType>(raw);
}

void decode_scalar(GgufType t, const uint8_t *p, GgufValue *v) {
    switch (t) {
        case GgufType::uint8:
            v->u = p[0];
            break;
        case GgufType::int8:
            v->i = static_cast<int8_t>(p[0]);
            break;
        case GgufType::boolean:
            v->u = p[0] != 0;
            break;
        case GgufType::uint16: {
            uint16_t x;
            std::memcpy(&x, p, 2);
            v->u = x;
            break;
        }
        case GgufType::int16: {
            int16_t x;
            std::memcpy(&x, p, 2);
            v->i = x;
            break;
        }
        case GgufType::uint32: {
            uint32_t x;
            std::memcpy(&x, p, 4);
            v->u = x;
            break;
        }
        case GgufType::int32: {
            int32_t x;
            std::memcpy(&x, p, 4);
            v->i = x;
            break;
        }
        case GgufType::float32: {
            float x;
            std::memcpy(&x, p, 4);
            v->f = x;
            break;
        }
        case GgufType::uint64:
            std::memcpy(&v->u, p, 8);
            break;
        case GgufType::int64:
            std::memcpy(&v->i, p, 8);
            break;
        case GgufType::float64:
            std::memcpy(&v->f, p, 8);
            break;
        default:
            break;
    }
}

GgufValue read_value(Cursor &c, GgufType type, const std::string &where, int depth) {
    GgufValue v;
    v.type = type;
    if (type == GgufType::string) {
        v.s = c.string(where);
        return v;
    }
    if (type != GgufType::array) {
        decode_scalar(type, c.take(gguf_scalar_bytes(type), where), &v);
        return v;
    }
    if (depth >= kGgufMaxArrayDepth)
        throw ParseError(where + " nests arrays deeper than " + std::to_string(kGgufMaxArrayDepth) +
                         " levels");
    v.elem_type = checked_type(c.read<uint32_t>(where + " element type"), where + " (array)");
    v.count = c.read<uint64_t>(where + " element count");
    const std::string count_text = std::to_string(v.count);
    if (const uint64_t eb = gguf_scalar_bytes(v.elem_type)) {
        if (v.count > c.left() / eb)
            throw ParseError("truncated: " + where + " claims " + count_text + " elements of " +
                             gguf_type_name(v.elem_type) + ", which need more than the " +
                             human_bytes(c.left()) + " left in the file");
        v.elems = c.take(v.count * eb, where);
        return v;
    }
    // Strings need at least their 8-byte length and arrays 12 bytes of header each: a count the rest of
    // the file cannot hold is refused before anything is reserved for it.
    const uint64_t min_bytes = v.elem_type == GgufType::string ? 8 : 12;
    if (v.count > c.left() / min_bytes)
        throw ParseError("truncated: " + where + " claims " + count_text + " " + gguf_type_name(v.elem_type) +
                         " elements, more than the " + human_bytes(c.left()) + " left in the file can hold");
    v.elems = c.take(0, where);
    if (v.elem_type == GgufType::string) {
        v.strings.reserve(v.count);
        for (uint64_t k = 0; k < v.count; ++k)
            v.strings.push_back(c.string(where + "[" + std::to_string(k) + "]"));
    } else {
        v.nested.reserve(v.count);
        for (uint64_t k = 0; k < v.count; ++k)
            v.nested.push_back(
                read_value(c, GgufType::array, where + "[" + std::to_string(k) + "]", depth + 1));
    }
    return v;
}

uint64_t align_up(uint64_t x, uint64_t a) {
    return (x + a - 1) / a * a;
}

void parse(const uint8_t *data, uint64_t size, const GgufOpenOptions &options, int shard_no, GgufShard *out) {
    Cursor c(data, size);
    if (size < 4 || std::memcmp(data, "GGUF", 4) != 0)
        throw ParseError("not a GGUF file (it does not start with the bytes 'GGUF')");
    c.take(4, "magic");
    const auto version = c.read<uint32_t>("the version");
    if (version == 0x03000000u || version == 0x02000000u)
        throw ParseError("big-endian GGUF files are not supported");
    if (version != 2 && version != 3)
        throw ParseError("GGUF version " + std::to_string(version) +
                         " is not supported (versions 2 and 3 are)");
    out->version = version;
    const auto n_tensors = c.read<uint64_t>("the tensor count");
    const auto n_kv = c.read<uint64_t>("the metadata count");
    // Smallest records: a key/value is 8 (key length) + 4 (type) + 1 (a u8 value); a tensor info is
    // 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset).
    if (n_kv > c.left() / 13)
        throw ParseError("truncated: the header claims " + std::to_string(n_kv) +
                         " metadata entries, more than the " + human_bytes(c.left()) +
                         " left in the file can hold");
    if (n_tensors > c.left() / 24)
        throw ParseError("truncated: the header claims " + std::to_string(n_tensors) +
                         " tensors, more than the " + human_bytes(c.left()) + " left in the file can hold");

    out->metadata.reserve(n_kv);
    std::unordered_set<std::string_view> keys;
    for (uint64_t k = 0; k < n_kv; ++k) {
        const std::string_view key = c.string("metadata key #" + std::to_string(k));
        const std::string where = "the metadata value of '" + std::string(key) + "'";
        if (!keys.insert(key).second)
            throw ParseError("metadata key '" + std::string(key) + "' appears twice");
        const GgufType type =
            checked_type(c.read<uint32_t>(where + " type"), "metadata key '" + std::string(key) + "'");
        out->metadata.push_back({key, read_value(c, type, where, 0)});
    }
    for (const GgufKeyValue &kv : out->metadata) {
        if (kv.key != "general.alignment")
            continue;
        if (kv.value.type != GgufType::uint32)
            throw ParseError("general.alignment is " + kv.value.describe() + ", expected a u32");
        if (kv.value.u == 0 || (kv.value.u & (kv.value.u - 1)) != 0)
            throw ParseError("general.alignment is " + std::to_string(kv.value.u) + ", not a power of 2");
        out->alignment = static_cast<uint32_t>(kv.value.u);
    }

    out->tensors.reserve(n_tensors);
    std::unordered_set<std::string_view> names;
    for (uint64_t k = 0; k < n_tensors; ++k) {
        GgufTensor t;
        const std::string what = "tensor #" + std::to_string(k);
        t.name = c.string(what + " name");
        const std::string tn = "tensor '" + std::string(t.name) + "'";
        if (t.name.empty())
            throw ParseError(what + " has an empty name");
        if (t.name.size() > kGgufMaxNameBytes)
            throw ParseError(what + " has a name of " + std::to_string(t.name.size()) + " bytes (at most " +
                             std::to_string(kGgufMaxNameBytes) + " allowed)");
        if (!names.insert(t.name).second)
            throw ParseError(tn + " appears twice");
        const auto n_dims = c.read<uint32_t>(tn + " dimension count");
        if (n_dims > kGgufMaxDims)
            throw ParseError(tn + " has " + std::to_string(n_dims) + " dimensions (at most 4)");
        t.n_dims = static_cast<int>(n_dims);
        for (uint32_t d = 0; d < n_dims; ++d) {
            const auto ne = c.read<uint64_t>(tn + " dimensions");
            if (ne > static_cast<uint64_t>(INT64_MAX))
                throw ParseError(tn + " has dimension " + std::to_string(d) + " = " + std::to_string(ne) +
                                 ", too large");
            t.ne[d] = static_cast<int64_t>(ne);
        }
        t.type_id = c.read<uint32_t>(tn + " type");
        t.offset = c.read<uint64_t>(tn + " offset");
        t.shard = shard_no;
        int64_t block_size = 0, block_bytes = 0;
        if (!ggml_type_supported(t.type_id)) {
            if (!options.allow_unsupported_types)
                throw ParseError(tn + " has type " + ggml_type_name(t.type_id) +
                                 ", which NemoDesk cannot read (supported: " + ggml_supported_type_list() +
                                 ")");
            if (!ggml_type_geometry(t.type_id, &block_size, &block_bytes))
                throw ParseError(tn + " has type " + ggml_type_name(t.type_id) + ", whose layout is unknown");
        } else {
            ggml_type_geometry(t.type_id, &block_size, &block_bytes);
        }
        if (t.ne[0] % block_size != 0)
            throw ParseError(tn + " has " + std::to_string(t.ne[0]) +
                             " elements per row, not a multiple of " + ggml_type_name(t.type_id) +
                             "'s block size " + std::to_string(block_size));
        // Bytes = blocks per row * block bytes * rows; every product checked, since the dims are hostile.
        int64_t bytes = t.ne[0] / block_size;
        bool overflow = __builtin_mul_overflow(bytes, block_bytes, &bytes);
        // Elements and rows too: with a zero dimension the byte count stays 0 while the other dims may
        // still multiply past 64 bits, and readers compute both.
        int64_t elements = t.ne[0], rows = 1;
        for (int d = 1; d < 4; ++d) {
            overflow = overflow || __builtin_mul_overflow(bytes, t.ne[d], &bytes);
            overflow = overflow || __builtin_mul_overflow(elements, t.ne[d], &elements);
            overflow = overflow || __builtin_mul_overflow(rows, t.ne[d], &rows);
        }
        if (overflow)
            throw ParseError(tn + " is too large: its dimensions overflow 64 bits");
        t.n_bytes = static_cast<uint64_t>(bytes);
        out->tensors.push_back(t);
    }

    if (n_tensors == 0) {
        out->data_start = align_up(c.pos(), out->alignment);
        return;
    }
    const uint64_t data_start = align_up(c.pos(), out->alignment);
    if (data_start > size)
        throw ParseError("truncated: the tensor data should start at offset " + std::to_string(data_start) +
                         " but the file has " + std::to_string(size) + " bytes");
    out->data_start = data_start;
    const uint64_t data_bytes = size - data_start;
    uint64_t expected = 0;
    for (GgufTensor &t : out->tensors) {
        const std::string tn = "tensor '" + std::string(t.name) + "'";
        if (t.offset != expected)
            throw ParseError(tn + " starts at data offset " + std::to_string(t.offset) + ", expected " +
                             std::to_string(expected) +
                             " (tensors follow each other in file order, each padded to " +
                             std::to_string(out->alignment) + " bytes)");
        if (t.offset > data_bytes || t.n_bytes > data_bytes - t.offset)
            throw ParseError("truncated: " + tn + " needs " + human_bytes(t.n_bytes) + " at data offset " +
                             std::to_string(t.offset) + " but the data section has " +
                             human_bytes(data_bytes) + " in all");
        t.data = data + data_start + t.offset;
        // n_bytes <= data_bytes, so the sum cannot overflow.
        expected = t.offset + align_up(t.n_bytes, out->alignment);
    }
}

}  // namespace

Status gguf_parse(const uint8_t *data, uint64_t size, const std::string &name, const GgufOpenOptions &options,
                  int shard_no, GgufShard *out) {
    try {
        parse(data, size, options, shard_no, out);
    } catch (const ParseError &e) {
        return ND_STATUS(StatusCode::invalid_argument, name + ": " + e.what());
    } catch (const std::bad_alloc &) {
        return ND_STATUS(StatusCode::out_of_memory, name + ": out of memory while reading the metadata");
    }
    return {};
}

}  // namespace nd
