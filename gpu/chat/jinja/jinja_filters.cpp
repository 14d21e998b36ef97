// Jinja2's built-in filters (the ones chat templates use) and Hugging Face's tojson.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "gpu/chat/jinja/jinja_interp.h"
#include "gpu/chat/jinja/jinja_json.h"
#include "gpu/chat/jinja/jinja_unicode.h"

namespace nd::jinja {
namespace {

const std::unordered_set<std::string> kFilters = {
    "abs",      "attr",       "batch",    "capitalize", "center",  "count",       "d",      "default",
    "dictsort", "e",          "escape",   "first",      "float",   "forceescape", "format", "indent",
    "int",      "items",      "join",     "last",       "length",  "list",        "lower",  "map",
    "max",      "min",        "reject",   "rejectattr", "replace", "reverse",     "round",  "safe",
    "select",   "selectattr", "sort",     "string",     "sum",     "title",       "tojson", "trim",
    "unique",   "upper",      "wordcount"};

const Value *arg(const CallArgs &args, size_t index, std::string_view name) {
    return args.get(index, name);
}

bool bool_arg(const CallArgs &args, size_t index, std::string_view name, bool dflt) {
    const Value *v = arg(args, index, name);
    return v ? truthy(*v) : dflt;
}

// Jinja's make_attrgetter: "a.b.0" looks up each part with getitem (then getattr).
Value attr_path(const Value &item, const std::string &path) {
    Value cur = item;
    size_t start = 0;
    for (;;) {
        size_t dot = path.find('.', start);
        std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        bool numeric = !part.empty() &&
                       std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
        cur = numeric && part.size() < 18 ? op_getitem(cur, Value::integer(std::stoll(part)))
                                          : op_getitem(cur, Value::string(part));
        if (dot == std::string::npos)
            return cur;
        start = dot + 1;
    }
}

Value sort_key(const Value &v, bool case_sensitive) {
    if (!case_sensitive && v.is_string())
        return Value::string(py_lower(v.str()));
    return v;
}

// Python's sorted(): a stable merge sort; incomparable values raise.
void py_sort(ValueList *items, const std::vector<Value> &keys, bool reverse) {
    std::vector<size_t> order(items->size());
    for (size_t k = 0; k < order.size(); ++k)
        order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return reverse ? less_than(keys[b], keys[a]) : less_than(keys[a], keys[b]);
    });
    ValueList sorted;
    sorted.reserve(items->size());
    for (size_t k : order)
        sorted.push_back((*items)[k]);
    *items = std::move(sorted);
}

}  // namespace

std::string html_escape(const std::string &s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&#34;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

namespace {

// str.splitlines() boundaries.
std::vector<std::string> split_lines(const std::string &s) {
    std::vector<std::string> lines;
    std::string cur;
    for (size_t pos = 0; pos < s.size();) {
        size_t start = pos;
        uint32_t cp = utf8_next(s, &pos);
        bool boundary = cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x1C || cp == 0x1D ||
                        cp == 0x1E || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
        if (!boundary) {
            cur.append(s, start, pos - start);
            continue;
        }
        if (cp == '\r' && pos < s.size() && s[pos] == '\n')
            ++pos;
        lines.push_back(std::move(cur));
        cur.clear();
    }
    if (!cur.empty())
        lines.push_back(std::move(cur));
    return lines;
}

Value do_indent(Interp &in, const std::string &text, const CallArgs &args) {
    const Value *w = arg(args, 0, "width");
    std::string indention =
        (w && w->is_string())
            ? w->str()
            : std::string(static_cast<size_t>(std::clamp<int64_t>(w ? w->as_int() : 4, 0, 1 << 16)), ' ');
    bool first = bool_arg(args, 1, "first", false);
    bool blank = bool_arg(args, 2, "blank", false);
    auto lines = split_lines(text + "\n");
    std::string rv;
    if (blank) {
        for (size_t k = 0; k < lines.size(); ++k) {
            if (k)
                rv += "\n" + indention;
            rv += lines[k];
            in.charge_bytes(rv.size());
        }
    } else if (!lines.empty()) {
        rv = lines[0];
        for (size_t k = 1; k < lines.size(); ++k) {
            rv += "\n";
            if (!lines[k].empty())
                rv += indention;
            rv += lines[k];
            in.charge_bytes(rv.size());
        }
    }
    if (first)
        rv = indention + rv;
    return Value::string(std::move(rv));
}

Value do_tojson(Interp &in, const Value &v, const CallArgs &args) {
    // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
    args.check("tojson", 4, {"ensure_ascii", "indent", "separators", "sort_keys"});
    JsonDumpOptions opt;
    opt.ensure_ascii = bool_arg(args, 0, "ensure_ascii", false);
    const Value *indent = arg(args, 1, "indent");
    if (indent && !indent->is_none()) {
        opt.has_indent = true;
        if (indent->is_string()) {
            opt.indent = indent->str();
        } else if (indent->kind == Kind::integer || indent->kind == Kind::boolean) {
            opt.indent =
                std::string(static_cast<size_t>(std::clamp<int64_t>(indent->as_int(), 0, 1 << 12)), ' ');
        } else {
            throw Error("tojson: indent must be an int or a string, not " + type_name(*indent));
        }
        opt.item_separator = ",";
    }
    const Value *seps = arg(args, 2, "separators");
    if (seps && !seps->is_none()) {
        if (!seps->is_list() || seps->items().size() != 2 || !seps->items()[0].is_string() ||
            !seps->items()[1].is_string()) {
            throw Error("tojson: separators must be a pair of strings");
        }
        opt.item_separator = seps->items()[0].str();
        opt.key_separator = seps->items()[1].str();
    }
    opt.sort_keys = bool_arg(args, 3, "sort_keys", false);
    std::string text = json_dumps(v, opt, in.output_budget());
    in.charge_bytes(text.size());
    return Value::string(std::move(text));
}

Value select_like(Interp &in, const Value &seq, CallArgs &args, bool by_attr, bool keep) {
    size_t first_test_arg = by_attr ? 1 : 0;
    std::string attribute;
    if (by_attr) {
        const Value *a = arg(args, 0, "");
        if (!a)
            throw Error("selectattr/rejectattr need an attribute name");
        attribute = to_str(*a);
    }
    const Value *test = first_test_arg < args.pos.size() ? &args.pos[first_test_arg] : nullptr;
    CallArgs test_args;
    for (size_t k = first_test_arg + 1; k < args.pos.size(); ++k)
        test_args.pos.push_back(args.pos[k]);
    test_args.kw = args.kw;
    ValueList out;
    if (!truthy(seq))
        return Value::make_seq({}, Seq::generator);  // Jinja2: `if seq:` before iterating
    for (const auto &item : iterate(in, seq)) {
        in.charge_steps(1);
        Value probe = by_attr ? attr_path(item, attribute) : item;
        bool r = test ? in.apply_test(to_str(*test), probe, test_args) : truthy(probe);
        if (r == keep)
            out.push_back(item);
    }
    return Value::make_seq(std::move(out), Seq::generator);
}

Value do_map(Interp &in, const Value &seq, CallArgs &args) {
    ValueList out;
    if (!truthy(seq))
        return Value::make_seq({}, Seq::generator);
    const Value *attribute = nullptr;
    for (const auto &[k, v] : args.kw) {
        if (k == "attribute")
            attribute = &v;
    }
    if (attribute) {
        const Value *dflt = nullptr;
        for (const auto &[k, v] : args.kw) {
            if (k == "default")
                dflt = &v;
        }
        for (const auto &item : iterate(in, seq)) {
            in.charge_steps(1);
            Value v = attr_path(item, to_str(*attribute));
            out.push_back(v.is_undefined() && dflt ? *dflt : v);
        }
        return Value::make_seq(std::move(out), Seq::generator);
    }
    if (args.pos.empty())
        throw Error("map requires a filter argument");
    std::string filter = to_str(args.pos[0]);
    CallArgs rest;
    rest.pos.assign(args.pos.begin() + 1, args.pos.end());
    rest.kw = args.kw;
    for (const auto &item : iterate(in, seq)) {
        in.charge_steps(1);
        CallArgs copy = rest;
        out.push_back(in.apply_filter(filter, item, copy));
    }
    return Value::make_seq(std::move(out), Seq::generator);
}

Value min_max(Interp &in, const Value &seq, const CallArgs &args, bool want_max) {
    bool cs = bool_arg(args, 0, "case_sensitive", false);
    const Value *attribute = arg(args, 1, "attribute");
    ValueList items = iterate(in, seq);
    if (items.empty())
        return Value::undefined("No aggregated item, sequence was empty.");
    size_t best = 0;
    auto key = [&](size_t k) {
        Value v = attribute && !attribute->is_none() ? attr_path(items[k], to_str(*attribute)) : items[k];
        return sort_key(v, cs);
    };
    Value best_key = key(0);
    for (size_t k = 1; k < items.size(); ++k) {
        Value kk = key(k);
        if (want_max ? less_than(best_key, kk) : less_than(kk, best_key)) {
            best = k;
            best_key = kk;
        }
    }
    return items[best];
}

Value do_round(const Value &v, const CallArgs &args) {
    if (!v.is_number())
        throw Error("round: expected a number, not " + type_name(v));
    int64_t precision = arg(args, 0, "precision") ? arg(args, 0, "precision")->as_int() : 0;
    std::string method = arg(args, 1, "method") ? to_str(*arg(args, 1, "method")) : "common";
    double scale = std::pow(10.0, static_cast<double>(precision));
    double x = v.as_double() * scale;
    double r = 0;
    if (method == "common") {
        if (v.kind != Kind::floating)
            return Value::integer(v.as_int());
        r = std::nearbyint(x);  // Python's round(): half to even
    } else if (method == "ceil") {
        r = std::ceil(x);
    } else if (method == "floor") {
        r = std::floor(x);
    } else {
        throw Error("method must be 'common', 'ceil' or 'floor'");
    }
    return Value::floating(r / scale);
}

Value do_int(const Value &v, const CallArgs &args) {
    const Value *dflt = arg(args, 0, "default");
    Value fallback = dflt ? *dflt : Value::integer(0);
    switch (v.kind) {
        case Kind::integer:
        case Kind::boolean:
            return Value::integer(v.as_int());
        case Kind::floating:
            if (!std::isfinite(v.f) || std::fabs(v.f) >= 9.2e18)
                return fallback;
            return Value::integer(static_cast<int64_t>(v.f));
        case Kind::string: {
            std::string s = v.str();
            size_t a = s.find_first_not_of(" \t\n\r\f\v"), b = s.find_last_not_of(" \t\n\r\f\v");
            if (a == std::string::npos)
                return fallback;
            s = s.substr(a, b - a + 1);
            s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
            char *end = nullptr;
            errno = 0;
            long long i = std::strtoll(s.c_str(), &end, 10);
            if (*end == '\0' && errno == 0)
                return Value::integer(i);
            double d = std::strtod(s.c_str(), &end);
            if (*end == '\0' && std::isfinite(d) && std::fabs(d) < 9.2e18)
                return Value::integer(static_cast<int64_t>(d));
            return fallback;
        }
        default:
            return fallback;
    }
}

Value do_float(const Value &v, const CallArgs &args) {
    const Value *dflt = arg(args, 0, "default");
    Value fallback = dflt ? *dflt : Value::floating(0.0);
    if (v.is_number())
        return Value::floating(v.as_double());
    if (v.is_string()) {
        std::string s = v.str();
        char *end = nullptr;
        size_t a = s.find_first_not_of(" \t\n\r\f\v");
        if (a == std::string::npos)
            return fallback;
        double d = std::strtod(s.c_str() + a, &end);
        while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
            ++end;
        if (end != s.c_str() + a && *end == '\0')
            return Value::floating(d);
    }
    return fallback;
}

}  // namespace

bool filter_exists(const std::string &name) {
    return kFilters.count(name) != 0;
}

Value Interp::apply_filter(const std::string &name, const Value &v, CallArgs &args) {
    charge_steps(1);
    const std::string &s = v.str();
    if (name == "tojson")
        return do_tojson(*this, v, args);
    if (name == "default" || name == "d") {
        const Value *dflt = arg(args, 0, "default_value");
        bool boolean = bool_arg(args, 1, "boolean", false);
        if (v.is_undefined() || (boolean && !truthy(v)))
            return dflt ? *dflt : Value::string("");
        return v;
    }
    if (name == "length" || name == "count") {
        switch (v.kind) {
            case Kind::undefined:
                return Value::integer(0);
            case Kind::string:
                return Value::integer(static_cast<int64_t>(utf8_length(s)));
            case Kind::list:
                if (v.seq == Seq::generator)
                    throw Error("object of type 'generator' has no len()");
                return Value::integer(static_cast<int64_t>(v.items().size()));
            case Kind::dict:
                return Value::integer(static_cast<int64_t>(v.mapping().size()));
            default:
                throw Error("object of type '" + type_name(v) + "' has no len()");
        }
    }
    if (name == "string")
        return v.is_string() ? v : Value::string(to_str(v));
    if (name == "safe")
        return v.is_markup ? v : Value::markup(to_str(v));
    if (name == "e" || name == "escape")
        return v.is_markup ? v : Value::markup(html_escape(to_str(v)));
    if (name == "forceescape")
        return Value::markup(html_escape(to_str(v)));
    if (name == "trim") {
        CallArgs a;
        if (const Value *chars = arg(args, 0, "chars"))
            a.pos.push_back(*chars);
        return call_method(*this, v.is_string() ? v : Value::string(to_str(v)), "strip", a);
    }
    if (name == "upper" || name == "lower") {
        Value r = Value::string(name == "upper" ? py_upper(to_str(v)) : py_lower(to_str(v)));
        r.is_markup = v.is_markup;
        return r;
    }
    if (name == "title")
        return Value::string(py_title(to_str(v)));
    if (name == "capitalize")
        return Value::string(py_capitalize(to_str(v)));
    if (name == "replace") {
        CallArgs a;
        for (size_t k = 0; k < 3; ++k) {
            const Value *x = arg(args, k, k == 0 ? "old" : k == 1 ? "new" : "count");
            if (x)
                a.pos.push_back(k < 2 ? Value::string(to_str(*x)) : *x);
        }
        return call_method(*this, v.is_string() ? v : Value::string(to_str(v)), "replace", a);
    }
    if (name == "join") {
        const Value *sep = arg(args, 0, "d");
        const Value *attribute = arg(args, 1, "attribute");
        std::string out;
        bool first = true;
        for (const auto &item : iterate(*this, v)) {
            if (!first)
                out += sep ? to_str(*sep) : "";
            first = false;
            out += to_str(attribute && !attribute->is_none() ? attr_path(item, to_str(*attribute)) : item);
            charge_bytes(out.size());
        }
        return Value::string(std::move(out));
    }
    if (name == "first") {
        ValueList items = iterate(*this, v);
        return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
    }
    if (name == "last") {
        ValueList items = iterate(*this, v);
        return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
    }
    if (name == "list")
        return Value::make_list(iterate(*this, v));
    if (name == "reverse") {
        if (v.is_string()) {
            auto offsets = utf8_offsets(s);
            std::string out;
            for (size_t k = offsets.size() - 1; k > 0; --k)
                out.append(s, offsets[k - 1], offsets[k] - offsets[k - 1]);
            return Value::string(std::move(out));
        }
        ValueList items = iterate(*this, v);
        std::reverse(items.begin(), items.end());
        return Value::make_seq(std::move(items), Seq::generator);
    }
    if (name == "items") {
        if (v.is_undefined())
            return Value::make_list({});
        if (!v.is_dict())
            throw Error("items: can only get item pairs from a mapping, not " + type_name(v));
        CallArgs none;
        Value items = call_method(*this, v, "items", none);
        items.seq = Seq::generator;
        return items;
    }
    if (name == "dictsort") {
        if (!v.is_dict())
            throw Error("dictsort: expected a mapping, not " + type_name(v));
        bool cs = bool_arg(args, 0, "case_sensitive", false);
        std::string by = arg(args, 1, "by") ? to_str(*arg(args, 1, "by")) : "key";
        bool reverse = bool_arg(args, 2, "reverse", false);
        if (by != "key" && by != "value")
            throw Error("You can only sort by either 'key' or 'value'");
        ValueList items;
        std::vector<Value> keys;
        for (const auto &[k, x] : v.mapping().items()) {
            items.push_back(Value::make_tuple({k, x}));
            keys.push_back(sort_key(by == "key" ? k : x, cs));
        }
        py_sort(&items, keys, reverse);
        return Value::make_list(std::move(items));
    }
    if (name == "sort") {
        bool reverse = bool_arg(args, 0, "reverse", false);
        bool cs = bool_arg(args, 1, "case_sensitive", false);
        const Value *attribute = arg(args, 2, "attribute");
        ValueList items = iterate(*this, v);
        std::vector<Value> keys;
        for (const auto &item : items) {
            keys.push_back(sort_key(
                attribute && !attribute->is_none() ? attr_path(item, to_str(*attribute)) : item, cs));
        }
        charge_steps(items.size() * 4);
        py_sort(&items, keys, reverse);
        return Value::make_list(std::move(items));
    }
    if (name == "unique") {
        bool cs = bool_arg(args, 0, "case_sensitive", false);
        const Value *attribute = arg(args, 1, "attribute");
        ValueList out, seen;
        for (const auto &item : iterate(*this, v)) {
            Value key =
                sort_key(attribute && !attribute->is_none() ? attr_path(item, to_str(*attribute)) : item, cs);
            charge_steps(seen.size() / 8 + 1);
            bool dup = std::any_of(seen.begin(), seen.end(), [&](const Value &x) { return equals(x, key); });
            if (!dup) {
                seen.push_back(key);
                out.push_back(item);
            }
        }
        return Value::make_seq(std::move(out), Seq::generator);
    }
    if (name == "map")
        return do_map(*this, v, args);
    if (name == "select")
        return select_like(*this, v, args, false, true);
    if (name == "reject")
        return select_like(*this, v, args, false, false);
    if (name == "selectattr")
        return select_like(*this, v, args, true, true);
    if (name == "rejectattr")
        return select_like(*this, v, args, true, false);
    if (name == "min" || name == "max")
        return min_max(*this, v, args, name == "max");
    if (name == "sum") {
        const Value *attribute = arg(args, 0, "attribute");
        const Value *start = arg(args, 1, "start");
        Value total = start ? *start : Value::integer(0);
        for (const auto &item : iterate(*this, v)) {
            total =
                op_binary(*this, "+", total,
                          attribute && !attribute->is_none() ? attr_path(item, to_str(*attribute)) : item);
        }
        return total;
    }
    if (name == "abs") {
        if (v.kind == Kind::floating)
            return Value::floating(std::fabs(v.f));
        if (v.kind == Kind::integer || v.kind == Kind::boolean) {
            if (v.as_int() == INT64_MIN)
                throw Error("integer overflow");
            return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
        }
        throw Error("bad operand type for abs(): '" + type_name(v) + "'");
    }
    if (name == "round")
        return do_round(v, args);
    if (name == "int")
        return do_int(v, args);
    if (name == "float")
        return do_float(v, args);
    if (name == "indent")
        return do_indent(*this, to_str(v), args);
    if (name == "center") {
        int64_t width = arg(args, 0, "width") ? arg(args, 0, "width")->as_int() : 80;
        std::string text = to_str(v);
        auto len = static_cast<int64_t>(utf8_length(text));
        if (width <= len)
            return Value::string(text);
        width = std::min<int64_t>(width, static_cast<int64_t>(output_budget()));
        int64_t pad = width - len;
        int64_t left = pad / 2 + (pad & width & 1);  // CPython's centering
        return Value::string(std::string(static_cast<size_t>(left), ' ') + text +
                             std::string(static_cast<size_t>(pad - left), ' '));
    }
    if (name == "wordcount") {
        int64_t n = 0;
        bool in_word = false;
        std::string text = to_str(v);
        for (size_t pos = 0; pos < text.size();) {
            uint32_t cp = utf8_next(text, &pos);
            bool w = py_isalnum(cp) || cp == '_';
            if (w && !in_word)
                ++n;
            in_word = w;
        }
        return Value::integer(n);
    }
    if (name == "format") {
        if (!args.kw.empty()) {
            Dict d;
            for (const auto &[k, x] : args.kw)
                d.set(k, x);
            return Value::string(py_percent_format(*this, to_str(v), Value::make_dict(std::move(d))));
        }
        return Value::string(py_percent_format(*this, to_str(v), Value::make_tuple(args.pos)));
    }
    if (name == "batch") {
        int64_t size = arg(args, 0, "linecount") ? arg(args, 0, "linecount")->as_int() : 1;
        if (size <= 0)
            throw Error("batch: the line count must be positive");
        const Value *fill = arg(args, 1, "fill_with");
        ValueList out, cur;
        for (const auto &item : iterate(*this, v)) {
            cur.push_back(item);
            if (static_cast<int64_t>(cur.size()) == size) {
                out.push_back(Value::make_list(std::move(cur)));
                cur.clear();
            }
        }
        if (!cur.empty()) {
            while (fill && !fill->is_none() && static_cast<int64_t>(cur.size()) < size)
                cur.push_back(*fill);
            out.push_back(Value::make_list(std::move(cur)));
        }
        return Value::make_seq(std::move(out), Seq::generator);
    }
    if (name == "attr") {
        const Value *a = arg(args, 0, "name");
        if (!a)
            throw Error("attr requires a name");
        Value out;
        if (v.kind == Kind::object && v.obj->get_attr(to_str(*a), &out))
            return out;
        if (builtin_method(v, to_str(*a), &out))
            return out;
        return Value::undefined("'" + type_name(v) + " object' has no attribute '" + to_str(*a) + "'");
    }
    throw Error("No filter named '" + name + "' found.");
}

}  // namespace nd::jinja
