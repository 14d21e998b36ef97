// JSON conversion with Python's json module semantics.
#include "gpu/chat/jinja/jinja_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "gpu/chat/jinja/jinja_unicode.h"

namespace nd::jinja {

static Value from_json(const nlohmann::ordered_json &json, int depth);

Value value_from_json(const nlohmann::ordered_json &json) {
    return from_json(json, 0);
}

// Checked before descending: variables come from API requests, and their depth must not become ours.
static Value from_json(const nlohmann::ordered_json &json, int depth) {
    if (depth >= kMaxValueNesting) {
        throw Error("the variables are nested deeper than " + std::to_string(kMaxValueNesting) + " levels");
    }
    using T = nlohmann::ordered_json::value_t;
    switch (json.type()) {
        case T::null:
            return Value::none();
        case T::boolean:
            return Value::boolean(json.get<bool>());
        case T::number_integer:
            return Value::integer(json.get<int64_t>());
        case T::number_unsigned: {
            auto u = json.get<uint64_t>();
            if (u > static_cast<uint64_t>(INT64_MAX))
                return Value::floating(static_cast<double>(u));
            return Value::integer(static_cast<int64_t>(u));
        }
        case T::number_float:
            return Value::floating(json.get<double>());
        case T::string:
            return Value::string(json.get<std::string>());
        case T::array: {
            ValueList items;
            items.reserve(json.size());
            for (const auto &e : json)
                items.push_back(from_json(e, depth + 1));
            return Value::make_list(std::move(items));
        }
        case T::object: {
            Dict d;
            for (auto it = json.begin(); it != json.end(); ++it)
                d.set(it.key(), from_json(it.value(), depth + 1));
            return Value::make_dict(std::move(d));
        }
        default:
            return Value::none();  // binary/discarded: not produced by the JSON parser
    }
}

namespace {

struct Dumper {
    const JsonDumpOptions &opt;
    size_t budget;
    std::string out;
    int depth = 0;

    void check() {
        if (out.size() > budget)
            throw BudgetError("tojson output exceeds the render's output budget");
    }

    void string(std::string_view s) {
        out += '"';
        for (size_t pos = 0; pos < s.size();) {
            size_t start = pos;
            uint32_t cp = utf8_next(s, &pos);
            switch (cp) {
                case '"':
                    out += "\\\"";
                    continue;
                case '\\':
                    out += "\\\\";
                    continue;
                case '\n':
                    out += "\\n";
                    continue;
                case '\r':
                    out += "\\r";
                    continue;
                case '\t':
                    out += "\\t";
                    continue;
                case '\b':
                    out += "\\b";
                    continue;
                case '\f':
                    out += "\\f";
                    continue;
                default:
                    break;
            }
            char buf[16];
            if (cp < 0x20 || (opt.ensure_ascii && cp >= 0x7F)) {
                if (cp >= 0x10000 && !(cp >= 0xDC80u && cp <= 0xDCFFu)) {
                    uint32_t v = cp - 0x10000;
                    std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (v >> 10),
                                  0xDC00 + (v & 0x3FF));
                } else {
                    std::snprintf(buf, sizeof buf, "\\u%04x", cp);
                }
                out += buf;
            } else {
                out.append(s.substr(start, pos - start));
            }
        }
        out += '"';
    }

    void newline_indent() {
        out += '\n';
        for (int k = 0; k < depth; ++k)
            out += opt.indent;
    }

    std::string key_text(const Value &k) {
        switch (k.kind) {
            case Kind::string:
                return k.str();
            case Kind::integer:
                return std::to_string(k.i);
            case Kind::boolean:
                return k.b ? "true" : "false";
            case Kind::none:
                return "null";
            case Kind::floating:
                return number(k.f);
            default:
                throw Error("keys must be str, int, float, bool or None, not " + type_name(k));
        }
    }

    static std::string number(double d) {
        if (std::isnan(d))
            return "NaN";
        if (std::isinf(d))
            return d < 0 ? "-Infinity" : "Infinity";
        return py_float_repr(d);
    }

    void value(const Value &v) {
        check();
        switch (v.kind) {
            case Kind::none:
                out += "null";
                return;
            case Kind::boolean:
                out += v.b ? "true" : "false";
                return;
            case Kind::integer:
                out += std::to_string(v.i);
                return;
            case Kind::floating:
                out += number(v.f);
                return;
            case Kind::string:
                string(v.str());
                return;
            case Kind::list:
                if (v.seq != Seq::list)
                    throw Error("Object of type " + type_name(v) + " is not JSON serializable");
                list(v.items());
                return;
            case Kind::dict:
                dict(v.mapping());
                return;
            default:
                throw Error("Object of type " + type_name(v) + " is not JSON serializable");
        }
    }

    void list(const ValueList &items) {
        if (items.empty()) {
            out += "[]";
            return;
        }
        if (++depth > 500)
            throw BudgetError("tojson: nesting deeper than 500");
        out += '[';
        if (opt.has_indent)
            newline_indent();
        for (size_t k = 0; k < items.size(); ++k) {
            if (k) {
                out += opt.item_separator;
                if (opt.has_indent)
                    newline_indent();
            }
            value(items[k]);
        }
        --depth;
        if (opt.has_indent)
            newline_indent();
        out += ']';
    }

    void dict(const Dict &d) {
        if (d.empty()) {
            out += "{}";
            return;
        }
        if (++depth > 500)
            throw BudgetError("tojson: nesting deeper than 500");
        std::vector<std::pair<std::string, const Value *>> entries;
        entries.reserve(d.size());
        for (const auto &[k, v] : d.items())
            entries.emplace_back(key_text(k), &v);
        if (opt.sort_keys) {
            std::stable_sort(entries.begin(), entries.end(),
                             [](const auto &a, const auto &b) { return a.first < b.first; });
        }
        out += '{';
        if (opt.has_indent)
            newline_indent();
        bool first = true;
        for (const auto &[k, v] : entries) {
            if (!first) {
                out += opt.item_separator;
                if (opt.has_indent)
                    newline_indent();
            }
            first = false;
            string(k);
            out += opt.key_separator;
            value(*v);
        }
        --depth;
        if (opt.has_indent)
            newline_indent();
        out += '}';
    }
};

}  // namespace

std::string json_dumps(const Value &v, const JsonDumpOptions &options, size_t budget_bytes) {
    Dumper d{options, budget_bytes, {}};
    d.value(v);
    d.check();
    return std::move(d.out);
}

}  // namespace nd::jinja
