// Values: construction, Python truthiness, equality, ordering, str() and repr().
#include "gpu/chat/jinja/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "gpu/chat/jinja/jinja_unicode.h"

namespace nd::jinja {

static const std::string kEmptyString;
static const ValueList kEmptyList;
static const Dict kEmptyDict;

Value Value::undefined(std::string hint) {
    Value v;
    if (!hint.empty())
        v.s = std::make_shared<const std::string>(std::move(hint));
    return v;
}
Value Value::none() {
    Value v;
    v.kind = Kind::none;
    return v;
}
Value Value::boolean(bool x) {
    Value v;
    v.kind = Kind::boolean;
    v.b = x;
    return v;
}
Value Value::integer(int64_t x) {
    Value v;
    v.kind = Kind::integer;
    v.i = x;
    return v;
}
Value Value::floating(double x) {
    Value v;
    v.kind = Kind::floating;
    v.f = x;
    return v;
}
Value Value::string(std::string x) {
    return string_shared(std::make_shared<const std::string>(std::move(x)));
}
Value Value::string_shared(std::shared_ptr<const std::string> x) {
    Value v;
    v.kind = Kind::string;
    v.s = std::move(x);
    return v;
}
static uint16_t nest_of(const ValueList &items) {
    int deepest = 0;
    for (const auto &item : items)
        deepest = std::max<int>(deepest, item.nest);
    if (deepest + 1 > kMaxValueNesting) {
        throw Error("values nested deeper than " + std::to_string(kMaxValueNesting) + " levels");
    }
    return static_cast<uint16_t>(deepest + 1);
}

Value Value::make_list(ValueList items) {
    Value v;
    v.kind = Kind::list;
    v.nest = nest_of(items);
    v.list = std::make_shared<const ValueList>(std::move(items));
    return v;
}
Value Value::make_tuple(ValueList items) {
    Value v = make_list(std::move(items));
    v.is_tuple = true;
    return v;
}
Value Value::make_seq(ValueList items, Seq seq) {
    Value v = make_list(std::move(items));
    v.seq = seq;
    return v;
}
Value Value::markup(std::string x) {
    Value v = string(std::move(x));
    v.is_markup = true;
    return v;
}
Value Value::make_dict(Dict d) {
    Value v;
    v.kind = Kind::dict;
    int deepest = 0;
    for (const auto &[k, x] : d.items())
        deepest = std::max<int>(deepest, std::max(k.nest, x.nest));
    if (deepest + 1 > kMaxValueNesting) {
        throw Error("values nested deeper than " + std::to_string(kMaxValueNesting) + " levels");
    }
    v.nest = static_cast<uint16_t>(deepest + 1);
    v.dict = std::make_shared<const Dict>(std::move(d));
    return v;
}
Value Value::object(std::shared_ptr<Object> o) {
    Value v;
    v.kind = Kind::object;
    v.obj = std::move(o);
    return v;
}

const std::string &Value::str() const {
    return kind == Kind::string && s ? *s : kEmptyString;
}
const ValueList &Value::items() const {
    return kind == Kind::list && list ? *list : kEmptyList;
}
const Dict &Value::mapping() const {
    return kind == Kind::dict && dict ? *dict : kEmptyDict;
}
double Value::as_double() const {
    switch (kind) {
        case Kind::boolean:
            return b ? 1.0 : 0.0;
        case Kind::integer:
            return static_cast<double>(i);
        case Kind::floating:
            return f;
        default:
            return 0.0;
    }
}
int64_t Value::as_int() const {
    if (kind == Kind::boolean)
        return b ? 1 : 0;
    if (kind == Kind::integer)
        return i;
    return 0;
}

const Value *Dict::find(std::string_view key) const {
    auto it = m_string_index.find(std::string(key));
    return it == m_string_index.end() ? nullptr : &m_items[it->second].second;
}

const Value *Dict::find(const Value &key) const {
    if (key.is_string())
        return find(key.str());
    for (const auto &[k, v] : m_items) {
        if (!k.is_string() && equals(k, key))
            return &v;
    }
    return nullptr;
}

void Dict::set(const Value &key, Value value) {
    if (key.is_string()) {
        auto [it, inserted] = m_string_index.emplace(key.str(), m_items.size());
        if (inserted) {
            m_items.emplace_back(key, std::move(value));
        } else {
            m_items[it->second].second = std::move(value);
        }
        return;
    }
    for (auto &[k, v] : m_items) {
        if (!k.is_string() && equals(k, key)) {
            v = std::move(value);
            return;
        }
    }
    m_items.emplace_back(key, std::move(value));
}

const Value *CallArgs::get(size_t index, std::string_view name) const {
    if (index < pos.size())
        return &pos[index];
    for (const auto &[k, v] : kw) {
        if (k == name)
            return &v;
    }
    return nullptr;
}

void CallArgs::check(std::string_view function, size_t max_positional,
                     std::initializer_list<std::string_view> names) const {
    if (pos.size() > max_positional) {
        throw Error(std::string(function) + "() takes at most " + std::to_string(max_positional) +
                    " positional arguments (" + std::to_string(pos.size()) + " given)");
    }
    for (const auto &[k, v] : kw) {
        bool known = false;
        size_t index = 0;
        for (auto n : names) {
            if (n == k) {
                known = true;
                if (index < pos.size()) {
                    throw Error(std::string(function) + "() got multiple values for argument '" + k + "'");
                }
            }
            ++index;
        }
        if (!known)
            throw Error(std::string(function) + "() got an unexpected keyword argument '" + k + "'");
    }
}

bool Object::get_attr(std::string_view, Value *) const {
    return false;
}
bool Object::set_attr(std::string_view, const Value &) {
    return false;
}
Value Object::call(Interp &, CallArgs &) {
    throw Error("'" + type_name() + "' object is not callable");
}
std::string Object::repr() const {
    return "<" + type_name() + " object>";
}

bool truthy(const Value &v) {
    switch (v.kind) {
        case Kind::undefined:
        case Kind::none:
            return false;
        case Kind::boolean:
            return v.b;
        case Kind::integer:
            return v.i != 0;
        case Kind::floating:
            return v.f != 0.0;
        case Kind::string:
            return !v.str().empty();
        case Kind::list:
            return v.seq == Seq::generator || !v.items().empty();
        case Kind::dict:
            return !v.mapping().empty();
        case Kind::object:
            return true;
    }
    return false;
}

bool equals(const Value &a, const Value &b) {
    if (a.is_number() && b.is_number()) {
        if (a.kind == Kind::floating || b.kind == Kind::floating)
            return a.as_double() == b.as_double();
        return a.as_int() == b.as_int();
    }
    if (a.kind != b.kind)
        return false;
    switch (a.kind) {
        case Kind::undefined:
        case Kind::none:
            return true;
        case Kind::string:
            return a.s == b.s || a.str() == b.str();
        case Kind::list: {
            if (a.is_tuple != b.is_tuple)
                return false;
            const auto &x = a.items();
            const auto &y = b.items();
            if (x.size() != y.size())
                return false;
            for (size_t k = 0; k < x.size(); ++k) {
                if (!equals(x[k], y[k]))
                    return false;
            }
            return true;
        }
        case Kind::dict: {
            const auto &x = a.mapping();
            const auto &y = b.mapping();
            if (x.size() != y.size())
                return false;
            for (const auto &[k, v] : x.items()) {
                const Value *other = y.find(k);
                if (!other || !equals(v, *other))
                    return false;
            }
            return true;
        }
        case Kind::object:
            return a.obj == b.obj;
        default:
            return false;
    }
}

bool less_than(const Value &a, const Value &b) {
    if (a.is_number() && b.is_number()) {
        if (a.kind == Kind::floating || b.kind == Kind::floating)
            return a.as_double() < b.as_double();
        return a.as_int() < b.as_int();
    }
    if (a.is_string() && b.is_string())
        return a.str() < b.str();  // UTF-8 byte order is code point order
    if (a.is_list() && b.is_list() && a.is_tuple == b.is_tuple) {
        const auto &x = a.items();
        const auto &y = b.items();
        for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
            if (!equals(x[k], y[k]))
                return less_than(x[k], y[k]);
        }
        return x.size() < y.size();
    }
    throw Error("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

std::string py_float_repr(double d) {
    if (std::isnan(d))
        return "nan";
    if (std::isinf(d))
        return d < 0 ? "-inf" : "inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);  // "-1.2345e+02": shortest round-trip digits
    std::string sign;
    if (!sci.empty() && sci[0] == '-') {
        sign = "-";
        sci.erase(0, 1);
    }
    size_t e = sci.find('e');
    std::string digits;
    for (size_t k = 0; k < e; ++k) {
        if (sci[k] != '.')
            digits.push_back(sci[k]);
    }
    int exp10 = std::atoi(sci.c_str() + e + 1);
    int decpt = exp10 + 1;  // value = 0.DIGITS * 10^decpt
    int n = static_cast<int>(digits.size());
    std::string out = sign;
    if (decpt <= -4 || decpt > 16) {
        out += digits[0];
        if (n > 1)
            out += "." + digits.substr(1);
        char ebuf[16];
        std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        out += ebuf;
    } else if (decpt <= 0) {
        out += "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (decpt >= n) {
        out += digits + std::string(static_cast<size_t>(decpt - n), '0') + ".0";
    } else {
        out += digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
    }
    return out;
}

std::string py_str_repr(std::string_view s) {
    bool has_single = s.find('\'') != std::string_view::npos;
    bool has_double = s.find('"') != std::string_view::npos;
    char quote = (has_single && !has_double) ? '"' : '\'';
    std::string out(1, quote);
    for (size_t pos = 0; pos < s.size();) {
        size_t start = pos;
        uint32_t cp = utf8_next(s, &pos);
        if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
            out += '\\';
            out += static_cast<char>(cp);
        } else if (cp == '\n') {
            out += "\\n";
        } else if (cp == '\r') {
            out += "\\r";
        } else if (cp == '\t') {
            out += "\\t";
        } else if (py_isprintable(cp)) {
            out.append(s.substr(start, pos - start));
        } else {
            char buf[16];
            if (cp >= 0xDC80u && cp <= 0xDCFFu) {
                std::snprintf(buf, sizeof buf, "\\udc%02x", cp - 0xDC00u);
            } else if (cp < 0x100) {
                std::snprintf(buf, sizeof buf, "\\x%02x", cp);
            } else if (cp < 0x10000) {
                std::snprintf(buf, sizeof buf, "\\u%04x", cp);
            } else {
                std::snprintf(buf, sizeof buf, "\\U%08x", cp);
            }
            out += buf;
        }
    }
    out += quote;
    return out;
}

static void append_repr(std::string *out, const Value &v);

static void append_sequence(std::string *out, const Value &v) {
    const auto &items = v.items();
    *out += v.is_tuple ? '(' : '[';
    for (size_t k = 0; k < items.size(); ++k) {
        if (k)
            *out += ", ";
        append_repr(out, items[k]);
    }
    if (v.is_tuple && items.size() == 1)
        *out += ',';
    *out += v.is_tuple ? ')' : ']';
}

static void append_dict(std::string *out, const Value &v) {
    *out += '{';
    bool first = true;
    for (const auto &[k, x] : v.mapping().items()) {
        if (!first)
            *out += ", ";
        first = false;
        append_repr(out, k);
        *out += ": ";
        append_repr(out, x);
    }
    *out += '}';
}

static void append_repr(std::string *out, const Value &v) {
    switch (v.kind) {
        case Kind::string:
            *out += py_str_repr(v.str());
            break;
        case Kind::list:
            switch (v.seq) {
                case Seq::generator:
                    *out += "<generator object>";
                    break;
                case Seq::dict_items:
                case Seq::dict_keys:
                case Seq::dict_values: {
                    Value plain = Value::make_list(v.items());
                    *out += v.seq == Seq::dict_items  ? "dict_items("
                            : v.seq == Seq::dict_keys ? "dict_keys("
                                                      : "dict_values(";
                    append_sequence(out, plain);
                    *out += ')';
                    break;
                }
                case Seq::range: {
                    const auto &items = v.items();
                    int64_t start = items.empty() ? 0 : items.front().i;
                    int64_t step = items.size() > 1 ? items[1].i - items[0].i : 1;
                    int64_t stop = items.empty() ? 0 : items.back().i + step;
                    *out += "range(" + std::to_string(start) + ", " + std::to_string(stop) +
                            (step != 1 ? ", " + std::to_string(step) : std::string()) + ")";
                    break;
                }
                default:
                    append_sequence(out, v);
                    break;
            }
            break;
        case Kind::dict:
            append_dict(out, v);
            break;
        case Kind::undefined:
            *out += "Undefined";
            break;
        default:
            *out += to_str(v);
            break;
    }
}

std::string to_str(const Value &v) {
    switch (v.kind) {
        case Kind::undefined:
            return "";
        case Kind::none:
            return "None";
        case Kind::boolean:
            return v.b ? "True" : "False";
        case Kind::integer:
            return std::to_string(v.i);
        case Kind::floating:
            return py_float_repr(v.f);
        case Kind::string:
            return v.str();
        case Kind::object:
            return v.obj->repr();
        case Kind::list:
        case Kind::dict: {
            std::string out;
            append_repr(&out, v);
            return out;
        }
    }
    return "";
}

std::string repr(const Value &v) {
    std::string out;
    append_repr(&out, v);
    return out;
}

std::string type_name(const Value &v) {
    switch (v.kind) {
        case Kind::undefined:
            return "Undefined";
        case Kind::none:
            return "NoneType";
        case Kind::boolean:
            return "bool";
        case Kind::integer:
            return "int";
        case Kind::floating:
            return "float";
        case Kind::string:
            return "str";
        case Kind::list:
            switch (v.seq) {
                case Seq::generator:
                    return "generator";
                case Seq::dict_items:
                    return "dict_items";
                case Seq::dict_keys:
                    return "dict_keys";
                case Seq::dict_values:
                    return "dict_values";
                case Seq::range:
                    return "range";
                default:
                    return v.is_tuple ? "tuple" : "list";
            }
        case Kind::dict:
            return "dict";
        case Kind::object:
            return v.obj->type_name();
    }
    return "object";
}

}  // namespace nd::jinja
