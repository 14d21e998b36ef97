// Python's view of JSON values for the built-in family formats: what str(), repr(), str.strip(),
// truthiness and json.dumps(ensure_ascii=False) give in the real templates, reproduced exactly.
#include <cstdint>
#include <cstdio>

#include "gpu/chat/chat_format_internal.h"
#include "gpu/chat/jinja/jinja_unicode.h"

namespace nd::chat_format_detail {

// ---- Python's view of values ----------------------------------------------------------------------

// str.isspace() for the code point starting at text[pos]; *len its UTF-8 length.
bool py_space_at(std::string_view text, size_t pos, size_t *len) {
    size_t next = pos;
    uint32_t cp = jinja::utf8_next(text, &next);
    *len = next - pos;
    return jinja::py_isspace(cp);
}

// str.strip() / Jinja's trim.
std::string py_strip(std::string_view text) {
    size_t begin = 0;
    size_t len = 0;
    while (begin < text.size() && py_space_at(text, begin, &len))
        begin += len;
    size_t end = begin;
    for (size_t pos = begin; pos < text.size(); pos += len) {
        if (!py_space_at(text, pos, &len))
            end = pos + len;
    }
    return std::string(text.substr(begin, end - begin));
}

// repr() of a str: Python's choice of quotes, and escapes for what str.isprintable() rejects.
std::string py_string_repr(std::string_view s) {
    bool has_single = s.find('\'') != std::string_view::npos;
    char quote = has_single && s.find('"') == std::string_view::npos ? '"' : '\'';
    std::string out(1, quote);
    for (size_t pos = 0; pos < s.size();) {
        size_t start = pos;
        uint32_t cp = jinja::utf8_next(s, &pos);
        if (cp == static_cast<unsigned char>(quote) || cp == '\\') {
            out += '\\';
            out += static_cast<char>(cp);
        } else if (cp == '\n') {
            out += "\\n";
        } else if (cp == '\r') {
            out += "\\r";
        } else if (cp == '\t') {
            out += "\\t";
        } else if (!jinja::py_isprintable(cp)) {
            char buf[12];
            if (cp < 0x100)
                std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
            else if (cp < 0x10000)
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
            else
                std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
            out += buf;
        } else {
            out.append(s.substr(start, pos - start));
        }
    }
    out += quote;
    return out;
}

// Variables may come from an API request: nesting deeper than this is refused, not recursed into.
constexpr int kMaxDepth = 256;

void check_depth(int depth) {
    if (depth > kMaxDepth)
        throw FormatError{"a value is nested deeper than " + std::to_string(kMaxDepth) + " levels"};
}

// str(v) as Jinja prints it (an undefined value, a nullptr to str_of, prints as "").
std::string py_str(const Json &v, int depth) {
    check_depth(depth);
    switch (v.type()) {
        case Json::value_t::string:
            return v.get<std::string>();
        case Json::value_t::null:
            return "None";
        case Json::value_t::boolean:
            return v.get<bool>() ? "True" : "False";
        case Json::value_t::number_float:  // nlohmann's shortest round trip spells floats as repr() does
            return v.dump();
        case Json::value_t::array: {
            std::string out = "[";
            for (size_t i = 0; i < v.size(); ++i)
                out += (i ? ", " : "") + py_repr(v[i], depth + 1);
            return out + "]";
        }
        case Json::value_t::object: {
            std::string out = "{";
            bool first = true;
            for (const auto &[key, value] : v.items()) {
                out += (first ? "" : ", ") + py_string_repr(key) + ": " + py_repr(value, depth + 1);
                first = false;
            }
            return out + "}";
        }
        default:
            return v.dump();
    }
}

std::string py_repr(const Json &v, int depth) {
    return v.is_string() ? py_string_repr(v.get<std::string>()) : py_str(v, depth);
}

std::string str_of(const Json *v) {
    return v == nullptr ? std::string() : py_str(*v);
}

void json_string(std::string_view s, std::string *out) {
    *out += '"';
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                *out += "\\\"";
                break;
            case '\\':
                *out += "\\\\";
                break;
            case '\n':
                *out += "\\n";
                break;
            case '\r':
                *out += "\\r";
                break;
            case '\t':
                *out += "\\t";
                break;
            case '\b':
                *out += "\\b";
                break;
            case '\f':
                *out += "\\f";
                break;
            default:
                if (c < 0x20) {
                    static const char kHex[] = "0123456789abcdef";
                    *out += "\\u00";
                    *out += kHex[c >> 4];
                    *out += kHex[c & 15];
                } else {
                    *out += ch;
                }
        }
    }
    *out += '"';
}

// json.dumps(v, ensure_ascii=False[, indent=n]): ", " and ": " without indent, "," and ": " with it.
void py_json(const Json &v, int indent, int level, std::string *out) {
    check_depth(level);
    auto newline = [&](int lvl) {
        if (indent >= 0) {
            *out += '\n';
            out->append(static_cast<size_t>(indent * lvl), ' ');
        }
    };
    const char *item_sep = indent >= 0 ? "," : ", ";
    if (v.is_array()) {
        if (v.empty()) {
            *out += "[]";
            return;
        }
        *out += '[';
        for (size_t i = 0; i < v.size(); ++i) {
            if (i)
                *out += item_sep;
            newline(level + 1);
            py_json(v[i], indent, level + 1, out);
        }
        newline(level);
        *out += ']';
    } else if (v.is_object()) {
        if (v.empty()) {
            *out += "{}";
            return;
        }
        *out += '{';
        bool first = true;
        for (const auto &[key, value] : v.items()) {
            if (!first)
                *out += item_sep;
            first = false;
            newline(level + 1);
            json_string(key, out);
            *out += ": ";
            py_json(value, indent, level + 1, out);
        }
        newline(level);
        *out += '}';
    } else if (v.is_string()) {
        json_string(v.get_ref<const std::string &>(), out);
    } else {
        *out += v.dump();  // numbers, true/false/null: Python writes the same
    }
}

std::string tojson(const Json &v, int indent) {
    std::string out;
    py_json(v, indent, 0, &out);
    return out;
}

bool truthy(const Json *v) {
    if (v == nullptr)
        return false;
    switch (v->type()) {
        case Json::value_t::null:
            return false;
        case Json::value_t::boolean:
            return v->get<bool>();
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
            return v->get<int64_t>() != 0;
        case Json::value_t::number_float:
            return v->get<double>() != 0.0;
        case Json::value_t::string:  // json::empty() is false for every string: ask the string
            return !v->get_ref<const std::string &>().empty();
        case Json::value_t::array:
        case Json::value_t::object:
            return !v->empty();
        default:
            return false;
    }
}

// obj.key / obj["key"]: nullptr when undefined (not an object, or no such key).
const Json *field(const Json *obj, std::string_view key) {
    if (obj == nullptr || !obj->is_object())
        return nullptr;
    auto it = obj->find(key);
    return it == obj->end() ? nullptr : &*it;
}

bool is_mapping(const Json *v) {
    return v != nullptr && v->is_object();
}
bool is_string(const Json *v) {
    return v != nullptr && v->is_string();
}
// Jinja's `sequence` test minus strings and mappings: a list.
bool is_list(const Json *v) {
    return v != nullptr && v->is_array();
}

// `x | default('', true)`: the value, or "" when undefined or falsy.
Json default_empty(const Json *v) {
    return truthy(v) ? *v : Json("");
}

std::string role_of(const Json &message) {
    const Json *role = field(&message, "role");
    if (!is_string(role))
        throw FormatError{"a message has no \"role\" string"};
    return role->get<std::string>();
}

const Json &messages_of(const Json &vars) {
    const Json *messages = field(&vars, "messages");
    if (!is_list(messages))
        throw FormatError{"\"messages\" must be a list"};
    for (const Json &m : *messages) {
        if (!m.is_object())
            throw FormatError{"each message must be an object"};
    }
    return *messages;
}

std::string content_str(const Json &message) {
    return str_of(field(&message, "content"));
}

// A message's content where the template concatenates it with `+` (a string is required there).
std::string content_concat(const Json &message) {
    const Json *content = field(&message, "content");
    if (!is_string(content))
        throw FormatError{"the content of a \"" + role_of(message) + "\" message must be a string"};
    return content->get<std::string>();
}

bool contains(std::string_view text, std::string_view what) {
    return text.find(what) != std::string_view::npos;
}

// Python's s.replace(a, b) for all occurrences.
std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
    return s;
}

// Tool-call arguments as a mapping: a JSON object, or a string holding one (the OpenAI wire format).
Json arguments_object(const Json *args) {
    if (args == nullptr)
        return Json::object();
    if (args->is_string()) {
        Json parsed = Json::parse(args->get<std::string>(), nullptr, false);
        if (!parsed.is_discarded() && parsed.is_object())
            return parsed;
        throw FormatError{"tool-call arguments must be a JSON object, got the string " + args->dump()};
    }
    if (!args->is_object())
        throw FormatError{"tool-call arguments must be a JSON object, got " + args->dump()};
    return *args;
}

// tool_call.function if defined, else the call itself (both templates accept both shapes).
const Json &function_of(const Json &call) {
    const Json *fn = field(&call, "function");
    return fn != nullptr ? *fn : call;
}

}  // namespace nd::chat_format_detail
