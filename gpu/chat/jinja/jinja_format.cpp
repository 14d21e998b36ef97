// Python string formatting: str.format() with the format-spec mini language, and printf-style `%`.
#include <cmath>
#include <cstdio>

#include "gpu/chat/jinja/jinja_interp.h"
#include "gpu/chat/jinja/jinja_unicode.h"

namespace nd::jinja {
namespace {

struct Spec {
    uint32_t fill = ' ';
    char align = '\0';
    char sign = '-';
    bool alt = false;
    bool zero = false;
    int64_t width = -1;
    bool comma = false;
    int64_t precision = -1;
    char type = '\0';
};

int64_t parse_num(const std::string &s, size_t *k) {
    int64_t n = 0;
    while (*k < s.size() && s[*k] >= '0' && s[*k] <= '9') {
        n = n * 10 + (s[*k] - '0');
        if (n > 100000)
            throw Error("format width or precision is too large");
        ++*k;
    }
    return n;
}

Spec parse_spec(const std::string &s) {
    Spec spec;
    size_t k = 0;
    auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    if (!s.empty()) {
        size_t p = 0;
        uint32_t cp = utf8_next(s, &p);
        if (p < s.size() && is_align(s[p])) {
            spec.fill = cp;
            spec.align = s[p];
            k = p + 1;
        } else if (is_align(s[0])) {
            spec.align = s[0];
            k = 1;
        }
    }
    if (k < s.size() && (s[k] == '+' || s[k] == '-' || s[k] == ' '))
        spec.sign = s[k++];
    if (k < s.size() && s[k] == '#') {
        spec.alt = true;
        ++k;
    }
    if (k < s.size() && s[k] == '0') {
        spec.zero = true;
        ++k;
    }
    if (k < s.size() && s[k] >= '0' && s[k] <= '9')
        spec.width = parse_num(s, &k);
    if (k < s.size() && (s[k] == ',' || s[k] == '_')) {
        spec.comma = true;
        ++k;
    }
    if (k < s.size() && s[k] == '.') {
        ++k;
        spec.precision = parse_num(s, &k);
    }
    if (k < s.size())
        spec.type = s[k++];
    if (k != s.size())
        throw Error("Invalid format specifier '" + s + "'");
    return spec;
}

std::string pad(const std::string &body, const Spec &spec, char default_align, size_t sign_len) {
    auto len = static_cast<int64_t>(utf8_length(body));
    if (spec.width <= len)
        return body;
    char align = spec.align ? spec.align : (spec.zero && default_align == '>' ? '=' : default_align);
    uint32_t fill = spec.align ? spec.fill : (spec.zero ? '0' : ' ');
    int64_t n = spec.width - len;
    std::string f;
    for (int64_t k = 0; k < n; ++k)
        utf8_append(&f, fill);
    if (align == '<')
        return body + f;
    if (align == '>')
        return f + body;
    if (align == '=')
        return body.substr(0, sign_len) + f + body.substr(sign_len);
    std::string left, right;
    for (int64_t k = 0; k < n / 2; ++k)
        utf8_append(&left, fill);
    for (int64_t k = n / 2; k < n; ++k)
        utf8_append(&right, fill);
    return left + body + right;
}

std::string group_thousands(const std::string &digits) {
    std::string out;
    int count = 0;
    for (size_t k = digits.size(); k > 0; --k) {
        out.insert(out.begin(), digits[k - 1]);
        if (++count % 3 == 0 && k > 1)
            out.insert(out.begin(), ',');
    }
    return out;
}

std::string format_float(double d, char type, int64_t precision, bool alt) {
    if (std::isnan(d))
        return type >= 'A' && type <= 'Z' ? "NAN" : "nan";
    if (std::isinf(d))
        return type >= 'A' && type <= 'Z' ? "INF" : "inf";
    if (type == '\0') {
        if (precision < 0)
            return py_float_repr(d);
        // Python's '' type with a precision: 'g', but a fixed-point result keeps a digit after the point.
        std::string g = format_float(d, 'g', precision, false);
        if (g.find_first_of(".e") == std::string::npos)
            g += ".0";
        return g;
    }
    if (precision < 0)
        precision = 6;
    double value = type == '%' ? d * 100 : d;
    const char *fmt = "%.*f";
    switch (type) {
        case 'e':
            fmt = alt ? "%#.*e" : "%.*e";
            break;
        case 'E':
            fmt = alt ? "%#.*E" : "%.*E";
            break;
        case 'g':
            fmt = alt ? "%#.*g" : "%.*g";
            break;
        case 'G':
            fmt = alt ? "%#.*G" : "%.*G";
            break;
        case 'F':
            fmt = alt ? "%#.*F" : "%.*F";
            break;
        default:
            fmt = alt ? "%#.*f" : "%.*f";
            break;
    }
        // The format is one of the literals above; -Wformat-nonliteral cannot see that through the switch.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    char small[64];
    int n = std::snprintf(small, sizeof small, fmt, static_cast<int>(precision), value);
    std::string out;
    if (n < static_cast<int>(sizeof small)) {
        out.assign(small, static_cast<size_t>(n));
    } else {
        out.resize(static_cast<size_t>(n) + 1);
        std::snprintf(out.data(), out.size(), fmt, static_cast<int>(precision), value);
        out.resize(static_cast<size_t>(n));
    }
#pragma GCC diagnostic pop
    if (type == '%')
        out += '%';
    return out;
}

std::string format_value(Interp &in, const Value &v, const std::string &spec_text) {
    if (spec_text.empty())
        return to_str(v);
    Spec spec = parse_spec(spec_text);
    if (spec.width > static_cast<int64_t>(in.output_budget()))
        in.check_string_size(static_cast<size_t>(spec.width));
    if (v.is_string() || (!v.is_number())) {
        if (spec.type != '\0' && spec.type != 's') {
            throw Error("Unknown format code '" + std::string(1, spec.type) + "' for object of type '" +
                        type_name(v) + "'");
        }
        std::string s = to_str(v);
        if (spec.precision >= 0) {
            auto offsets = utf8_offsets(s);
            if (static_cast<size_t>(spec.precision) < offsets.size() - 1)
                s = s.substr(0, offsets[static_cast<size_t>(spec.precision)]);
        }
        return pad(s, spec, '<', 0);
    }
    bool is_integer = v.kind != Kind::floating;
    std::string body;
    bool negative = false;
    char t = spec.type;
    if (is_integer &&
        (t == '\0' || t == 'd' || t == 'x' || t == 'X' || t == 'o' || t == 'b' || t == 'c' || t == 'n')) {
        int64_t x = v.as_int();
        negative = x < 0;
        uint64_t mag = negative ? 0 - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
        if (t == 'c')
            return pad(
                [&] {
                    std::string c;
                    utf8_append(&c, static_cast<uint32_t>(mag));
                    return c;
                }(),
                spec, '<', 0);
        int base = t == 'x' || t == 'X' ? 16 : t == 'o' ? 8 : t == 'b' ? 2 : 10;
        const char *digits = t == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        do {
            body.insert(body.begin(), digits[mag % static_cast<uint64_t>(base)]);
            mag /= static_cast<uint64_t>(base);
        } while (mag);
        if (spec.comma && base == 10)
            body = group_thousands(body);
        if (spec.alt && base != 10)
            body = std::string("0") + (t == 'X' ? 'X' : t) + body;
    } else {
        if (t != '\0' && t != 'f' && t != 'F' && t != 'e' && t != 'E' && t != 'g' && t != 'G' && t != '%') {
            throw Error("Unknown format code '" + std::string(1, t) + "' for object of type '" +
                        type_name(v) + "'");
        }
        double d = v.as_double();
        negative = std::signbit(d) && !std::isnan(d);
        if (is_integer && t == '\0') {
            body = std::to_string(negative ? -v.as_int() : v.as_int());
        } else {
            body = format_float(std::fabs(d), t, spec.precision, spec.alt);
        }
        if (spec.comma) {
            size_t dot = body.find_first_not_of("0123456789");
            body = group_thousands(body.substr(0, dot)) + (dot == std::string::npos ? "" : body.substr(dot));
        }
    }
    std::string sign = negative ? "-" : spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
    return pad(sign + body, spec, '>', sign.size());
}

// The value of a replacement field's name: "0", "name", "0.attr", "name[key]".
Value field_value(const std::string &field, const CallArgs &args, size_t *auto_index) {
    size_t k = 0;
    while (k < field.size() && field[k] != '.' && field[k] != '[')
        ++k;
    std::string head = field.substr(0, k);
    Value v;
    if (head.empty()) {
        if (*auto_index >= args.pos.size())
            throw Error("Replacement index " + std::to_string(*auto_index) +
                        " out of range for positional args tuple");
        v = args.pos[(*auto_index)++];
    } else if (head.find_first_not_of("0123456789") == std::string::npos) {
        size_t idx = head.size() > 9 ? SIZE_MAX : std::stoul(head);
        if (idx >= args.pos.size())
            throw Error("Replacement index " + head + " out of range for positional args tuple");
        v = args.pos[idx];
    } else {
        const Value *kw = nullptr;
        for (const auto &[name, x] : args.kw) {
            if (name == head)
                kw = &x;
        }
        if (!kw)
            throw Error("KeyError: '" + head + "'");
        v = *kw;
    }
    while (k < field.size()) {
        if (field[k] == '.') {
            size_t e = k + 1;
            while (e < field.size() && field[e] != '.' && field[e] != '[')
                ++e;
            v = op_getattr(v, field.substr(k + 1, e - k - 1));
            k = e;
        } else {
            size_t e = field.find(']', k);
            if (e == std::string::npos)
                throw Error("Missing ']' in format string");
            std::string key = field.substr(k + 1, e - k - 1);
            bool numeric =
                !key.empty() && key.size() < 10 && key.find_first_not_of("0123456789") == std::string::npos;
            v = op_getitem(v, numeric ? Value::integer(std::stoll(key)) : Value::string(key));
            k = e + 1;
        }
    }
    return v;
}

}  // namespace

std::string py_format(Interp &in, const std::string &fmt, const CallArgs &args) {
    std::string out;
    size_t auto_index = 0;
    for (size_t k = 0; k < fmt.size();) {
        char c = fmt[k];
        if (c == '}') {
            if (k + 1 < fmt.size() && fmt[k + 1] == '}') {
                out += '}';
                k += 2;
                continue;
            }
            throw Error("Single '}' encountered in format string");
        }
        if (c != '{') {
            out += c;
            ++k;
            continue;
        }
        if (k + 1 < fmt.size() && fmt[k + 1] == '{') {
            out += '{';
            k += 2;
            continue;
        }
        size_t end = fmt.find('}', k);
        if (end == std::string::npos)
            throw Error("Single '{' encountered in format string");
        std::string field = fmt.substr(k + 1, end - k - 1);
        std::string spec;
        char conversion = '\0';
        size_t colon = field.find(':');
        if (colon != std::string::npos) {
            spec = field.substr(colon + 1);
            field = field.substr(0, colon);
        }
        size_t bang = field.find('!');
        if (bang != std::string::npos) {
            conversion = bang + 1 < field.size() ? field[bang + 1] : '\0';
            field = field.substr(0, bang);
        }
        Value v = field_value(field, args, &auto_index);
        if (conversion == 'r' || conversion == 'a')
            v = Value::string(repr(v));
        else if (conversion == 's')
            v = Value::string(to_str(v));
        out += format_value(in, v, spec);
        in.charge_bytes(out.size());
        k = end + 1;
    }
    return out;
}

std::string py_percent_format(Interp &in, const std::string &fmt, const Value &args) {
    ValueList positional = args.is_list() && args.is_tuple ? args.items() : ValueList{args};
    size_t next = 0;
    std::string out;
    for (size_t k = 0; k < fmt.size();) {
        if (fmt[k] != '%') {
            out += fmt[k++];
            continue;
        }
        ++k;
        if (k < fmt.size() && fmt[k] == '%') {
            out += '%';
            ++k;
            continue;
        }
        Value v;
        bool have = false;
        if (k < fmt.size() && fmt[k] == '(') {
            size_t close = fmt.find(')', k);
            if (close == std::string::npos)
                throw Error("incomplete format key");
            if (!args.is_dict())
                throw Error("format requires a mapping");
            const Value *x = args.mapping().find(fmt.substr(k + 1, close - k - 1));
            if (!x)
                throw Error("KeyError: '" + fmt.substr(k + 1, close - k - 1) + "'");
            v = *x;
            have = true;
            k = close + 1;
        }
        std::string flags;
        while (k < fmt.size() &&
               (fmt[k] == '-' || fmt[k] == '+' || fmt[k] == ' ' || fmt[k] == '#' || fmt[k] == '0'))
            flags += fmt[k++];
        int64_t width = -1, precision = -1;
        if (k < fmt.size() && fmt[k] >= '0' && fmt[k] <= '9')
            width = parse_num(fmt, &k);
        if (k < fmt.size() && fmt[k] == '.') {
            ++k;
            precision = parse_num(fmt, &k);
        }
        if (k >= fmt.size())
            throw Error("incomplete format");
        char type = fmt[k++];
        if (!have) {
            if (next >= positional.size())
                throw Error("not enough arguments for format string");
            v = positional[next++];
        }
        Spec spec;
        spec.width = width;
        spec.precision = precision;
        spec.align = flags.find('-') != std::string::npos ? '<' : '\0';
        spec.zero = flags.find('0') != std::string::npos && spec.align == '\0';
        spec.sign = flags.find('+') != std::string::npos   ? '+'
                    : flags.find(' ') != std::string::npos ? ' '
                                                           : '-';
        std::string body;
        if (type == 's' || type == 'r' || type == 'a') {
            body = type == 's' ? to_str(v) : repr(v);
            Spec s = spec;
            s.zero = false;
            if (precision >= 0) {
                auto offsets = utf8_offsets(body);
                if (static_cast<size_t>(precision) < offsets.size() - 1)
                    body = body.substr(0, offsets[static_cast<size_t>(precision)]);
            }
            body = pad(body, s, s.align ? s.align : '>', 0);
        } else if (type == 'd' || type == 'i' || type == 'u') {
            if (!v.is_number())
                throw Error("%d format: a real number is required, not " + type_name(v));
            Value n = v.kind == Kind::floating ? Value::integer(static_cast<int64_t>(v.f))
                                               : Value::integer(v.as_int());
            spec.type = 'd';
            spec.precision = -1;
            body = format_value(in, n, "");
            std::string sign = n.i < 0 ? "-" : spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
            body = pad(sign + std::to_string(n.i < 0 ? -n.i : n.i), spec, '>', sign.size());
        } else if (type == 'f' || type == 'F' || type == 'e' || type == 'E' || type == 'g' || type == 'G' ||
                   type == 'x' || type == 'X' || type == 'o') {
            if (!v.is_number())
                throw Error("%" + std::string(1, type) + " format: a real number is required, not " +
                            type_name(v));
            std::string st;
            if (spec.align)
                st += '<';
            if (spec.sign != '-')
                st += spec.sign;
            if (spec.zero)
                st += '0';
            if (width >= 0)
                st += std::to_string(width);
            if (precision >= 0 && type != 'x' && type != 'X' && type != 'o')
                st += "." + std::to_string(precision);
            st += type;
            Value n = (type == 'x' || type == 'X' || type == 'o')
                          ? Value::integer(v.kind == Kind::floating ? static_cast<int64_t>(v.f) : v.as_int())
                          : Value::floating(v.as_double());
            body = format_value(in, n, st);
        } else if (type == 'c') {
            body = v.is_string() ? v.str() : std::string(1, static_cast<char>(v.as_int()));
        } else {
            throw Error(std::string("unsupported format character '") + type + "'");
        }
        out += body;
        in.charge_bytes(out.size());
    }
    if (!args.is_dict() && next < positional.size())
        throw Error("not all arguments converted during string formatting");
    return out;
}

}  // namespace nd::jinja
