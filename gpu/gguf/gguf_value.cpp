// GgufValue accessors and descriptions, and the typed lookups loaders use.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "gpu/gguf/gguf_internal.h"

namespace nd {

// Bytes of one element of a fixed-size type; 0 for string/array.
uint64_t gguf_scalar_bytes(GgufType t) {
    switch (t) {
        case GgufType::uint8:
        case GgufType::int8:
        case GgufType::boolean:
            return 1;
        case GgufType::uint16:
        case GgufType::int16:
            return 2;
        case GgufType::uint32:
        case GgufType::int32:
        case GgufType::float32:
            return 4;
        case GgufType::uint64:
        case GgufType::int64:
        case GgufType::float64:
            return 8;
        default:
            return 0;
    }
}

namespace {

bool is_int_type(GgufType t) {
    switch (t) {
        case GgufType::uint8:
        case GgufType::int8:
        case GgufType::uint16:
        case GgufType::int16:
        case GgufType::uint32:
        case GgufType::int32:
        case GgufType::uint64:
        case GgufType::int64:
            return true;
        default:
            return false;
    }
}

bool is_unsigned(GgufType t) {
    return t == GgufType::uint8 || t == GgufType::uint16 || t == GgufType::uint32 || t == GgufType::uint64;
}

// Decodes numeric element `index` of an array into a scalar GgufValue.
GgufValue element(const GgufValue &array, uint64_t index) {
    GgufValue e;
    e.type = array.elem_type;
    const uint64_t n = gguf_scalar_bytes(array.elem_type);
    const uint8_t *p = array.elems + index * n;
    uint64_t raw = 0;
    std::memcpy(&raw, p, n);  // little-endian host (x86-64, aarch64)
    switch (array.elem_type) {
        case GgufType::int8:
            e.i = static_cast<int8_t>(raw);
            break;
        case GgufType::int16:
            e.i = static_cast<int16_t>(raw);
            break;
        case GgufType::int32:
            e.i = static_cast<int32_t>(raw);
            break;
        case GgufType::int64:
            e.i = static_cast<int64_t>(raw);
            break;
        case GgufType::float32: {
            float f;
            std::memcpy(&f, p, 4);
            e.f = f;
            break;
        }
        case GgufType::float64: {
            double f;
            std::memcpy(&f, p, 8);
            e.f = f;
            break;
        }
        case GgufType::boolean:
            e.u = raw != 0;
            break;
        default:
            e.u = raw;
            break;
    }
    return e;
}

std::string fmt_double(double f) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", f);
    return buf;
}

}  // namespace

const char *gguf_type_name(GgufType type) {
    switch (type) {
        case GgufType::uint8:
            return "u8";
        case GgufType::int8:
            return "i8";
        case GgufType::uint16:
            return "u16";
        case GgufType::int16:
            return "i16";
        case GgufType::uint32:
            return "u32";
        case GgufType::int32:
            return "i32";
        case GgufType::float32:
            return "f32";
        case GgufType::boolean:
            return "bool";
        case GgufType::string:
            return "string";
        case GgufType::array:
            return "array";
        case GgufType::uint64:
            return "u64";
        case GgufType::int64:
            return "i64";
        case GgufType::float64:
            return "f64";
    }
    return "unknown";
}

bool GgufValue::is_integer() const {
    return is_int_type(type);
}

std::optional<int64_t> GgufValue::to_int() const {
    if (!is_int_type(type))
        return std::nullopt;
    if (is_unsigned(type)) {
        if (u > static_cast<uint64_t>(INT64_MAX))
            return std::nullopt;
        return static_cast<int64_t>(u);
    }
    return i;
}

std::optional<double> GgufValue::to_float() const {
    if (type == GgufType::float32 || type == GgufType::float64)
        return f;
    if (is_int_type(type))
        return is_unsigned(type) ? static_cast<double>(u) : static_cast<double>(i);
    return std::nullopt;
}

std::optional<int64_t> GgufValue::array_int(uint64_t index) const {
    if (type != GgufType::array || index >= count || !is_int_type(elem_type))
        return std::nullopt;
    return element(*this, index).to_int();
}

std::optional<double> GgufValue::array_float(uint64_t index) const {
    if (type != GgufType::array || index >= count || gguf_scalar_bytes(elem_type) == 0 ||
        elem_type == GgufType::boolean)
        return std::nullopt;
    return element(*this, index).to_float();
}

std::string GgufValue::describe() const {
    switch (type) {
        case GgufType::string: {
            std::string shown(s.substr(0, 60));
            return "string \"" + shown + (s.size() > 60 ? "…\"" : "\"");
        }
        case GgufType::array:
            return std::string("array[") + gguf_type_name(elem_type) + ", " + std::to_string(count) + "]";
        case GgufType::boolean:
            return u ? "bool true" : "bool false";
        case GgufType::float32:
        case GgufType::float64:
            return std::string(gguf_type_name(type)) + " " + fmt_double(f);
        default:
            break;
    }
    return std::string(gguf_type_name(type)) + " " +
           (is_unsigned(type) ? std::to_string(u) : std::to_string(i));
}

int64_t GgufTensor::row_bytes() const {
    if (!ggml_type_supported(type_id))
        return 0;
    return ggml_row_bytes(type(), ne[0]);
}

namespace {

Status wrong_type(const GgufFile *file, std::string_view key, const GgufValue &v, const char *expected) {
    return ND_STATUS(StatusCode::invalid_argument, file->path + ": key '" + std::string(key) + "' is " +
                                                       v.describe() + ", expected " + expected);
}

}  // namespace

Status gguf_get_int(const GgufFile *file, std::string_view key, std::optional<int64_t> *out) {
    out->reset();
    const GgufValue *v = gguf_find(file, key);
    if (!v)
        return {};
    const auto i = v->to_int();
    if (!i)
        return wrong_type(file, key, *v, "an integer");
    *out = *i;
    return {};
}

Status gguf_get_float(const GgufFile *file, std::string_view key, std::optional<double> *out) {
    out->reset();
    const GgufValue *v = gguf_find(file, key);
    if (!v)
        return {};
    const auto f = v->to_float();
    if (!f)
        return wrong_type(file, key, *v, "a number");
    *out = *f;
    return {};
}

Status gguf_get_bool(const GgufFile *file, std::string_view key, std::optional<bool> *out) {
    out->reset();
    const GgufValue *v = gguf_find(file, key);
    if (!v)
        return {};
    if (v->type != GgufType::boolean)
        return wrong_type(file, key, *v, "a bool");
    *out = v->u != 0;
    return {};
}

Status gguf_get_string(const GgufFile *file, std::string_view key, std::optional<std::string_view> *out) {
    out->reset();
    const GgufValue *v = gguf_find(file, key);
    if (!v)
        return {};
    if (v->type != GgufType::string)
        return wrong_type(file, key, *v, "a string");
    *out = v->s;
    return {};
}

Status gguf_get_int_array(const GgufFile *file, std::string_view key, uint64_t broadcast,
                          std::optional<std::vector<int64_t>> *out) {
    out->reset();
    const GgufValue *v = gguf_find(file, key);
    if (!v)
        return {};
    if (v->is_integer() && broadcast > 0) {
        const auto i = v->to_int();
        if (!i)
            return wrong_type(file, key, *v, "an integer array");
        if (broadcast > (1u << 24))
            return ND_STATUS(StatusCode::invalid_argument, file->path + ": key '" + std::string(key) +
                                                               "': " + std::to_string(broadcast) +
                                                               " copies requested, too many");
        *out = std::vector<int64_t>(broadcast, *i);
        return {};
    }
    if (v->type != GgufType::array || !is_int_type(v->elem_type))
        return wrong_type(file, key, *v, "an integer array");
    std::vector<int64_t> values;
    values.reserve(v->count);  // bounded: the parser checked the elements are in the file
    for (uint64_t k = 0; k < v->count; ++k) {
        const auto i = v->array_int(k);
        if (!i)
            return ND_STATUS(StatusCode::invalid_argument, file->path + ": key '" + std::string(key) + "'[" +
                                                               std::to_string(k) +
                                                               "] does not fit in 64 bits");
        values.push_back(*i);
    }
    *out = std::move(values);
    return {};
}

}  // namespace nd
