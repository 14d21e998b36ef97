// Methods of str, dict and list that templates call (`s.strip()`, `d.items()`, `s.split(',', 1)` …).
// Mutating methods (list.append, dict.update, …) are refused as Hugging Face's immutable sandbox refuses
// them: calling one is an error.
#include <algorithm>
#include <unordered_set>

#include "gpu/chat/jinja/jinja_interp.h"
#include "gpu/chat/jinja/jinja_unicode.h"

namespace nd::jinja {
namespace {

std::vector<uint32_t> code_points(std::string_view s) {
    std::vector<uint32_t> cps;
    for (size_t pos = 0; pos < s.size();)
        cps.push_back(utf8_next(s, &pos));
    return cps;
}

std::string strip_impl(const std::string &s, const Value *chars, bool left, bool right) {
    std::vector<uint32_t> set;
    bool whitespace = !chars || chars->is_none();
    if (!whitespace) {
        if (!chars->is_string())
            throw Error("strip arg must be None or str");
        set = code_points(chars->str());
    }
    auto strip_cp = [&](uint32_t cp) {
        return whitespace ? py_isspace(cp) : std::find(set.begin(), set.end(), cp) != set.end();
    };
    auto offsets = utf8_offsets(s);
    size_t n = offsets.size() - 1;
    size_t begin = 0, end = n;
    auto cp_at = [&](size_t k) {
        size_t pos = offsets[k];
        return utf8_next(s, &pos);
    };
    if (left) {
        while (begin < end && strip_cp(cp_at(begin)))
            ++begin;
    }
    if (right) {
        while (end > begin && strip_cp(cp_at(end - 1)))
            --end;
    }
    return s.substr(offsets[begin], offsets[end] - offsets[begin]);
}

int64_t int_arg(const Value *v, int64_t dflt, const char *what) {
    if (!v || v->is_none())
        return dflt;
    if (v->kind != Kind::integer && v->kind != Kind::boolean) {
        throw Error(std::string(what) + " must be an integer, not " + type_name(*v));
    }
    return v->as_int();
}

const std::string &str_arg(const Value *v, const char *method) {
    if (!v || !v->is_string()) {
        throw Error(std::string(method) + "() argument must be str, not " + (v ? type_name(*v) : "nothing"));
    }
    return v->str();
}

ValueList split_whitespace(Interp &in, const std::string &s, int64_t maxsplit, bool from_right) {
    auto cps = code_points(s);
    std::vector<std::pair<size_t, size_t>> words;  // byte ranges
    auto offsets = utf8_offsets(s);
    size_t n = cps.size();
    if (!from_right) {
        size_t k = 0;
        while (k < n) {
            while (k < n && py_isspace(cps[k]))
                ++k;
            if (k >= n)
                break;
            if (maxsplit >= 0 && static_cast<int64_t>(words.size()) == maxsplit) {
                size_t end = n;
                while (end > k && py_isspace(cps[end - 1]))
                    --end;
                words.emplace_back(offsets[k], offsets[end]);
                break;
            }
            size_t start = k;
            while (k < n && !py_isspace(cps[k]))
                ++k;
            words.emplace_back(offsets[start], offsets[k]);
        }
    } else {
        size_t k = n;
        while (k > 0) {
            while (k > 0 && py_isspace(cps[k - 1]))
                --k;
            if (k == 0)
                break;
            if (maxsplit >= 0 && static_cast<int64_t>(words.size()) == maxsplit) {
                size_t begin = 0;
                while (begin < k && py_isspace(cps[begin]))
                    ++begin;
                words.emplace_back(offsets[begin], offsets[k]);
                break;
            }
            size_t end = k;
            while (k > 0 && !py_isspace(cps[k - 1]))
                --k;
            words.emplace_back(offsets[k], offsets[end]);
        }
        std::reverse(words.begin(), words.end());
    }
    in.charge_steps(words.size());
    ValueList out;
    for (auto [a, b] : words)
        out.push_back(Value::string(s.substr(a, b - a)));
    return out;
}

ValueList split_sep(Interp &in, const std::string &s, const std::string &sep, int64_t maxsplit,
                    bool from_right) {
    if (sep.empty())
        throw Error("empty separator");
    std::vector<std::string> parts;
    if (!from_right) {
        size_t pos = 0;
        for (;;) {
            size_t hit = s.find(sep, pos);
            if (hit == std::string::npos ||
                (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit)) {
                parts.push_back(s.substr(pos));
                break;
            }
            parts.push_back(s.substr(pos, hit - pos));
            pos = hit + sep.size();
            in.charge_steps(1);
        }
    } else {
        size_t end = s.size();
        for (;;) {
            size_t hit = end >= sep.size() ? s.rfind(sep, end - sep.size()) : std::string::npos;
            if (hit == std::string::npos ||
                (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit)) {
                parts.push_back(s.substr(0, end));
                break;
            }
            parts.push_back(s.substr(hit + sep.size(), end - hit - sep.size()));
            end = hit;
            in.charge_steps(1);
        }
        std::reverse(parts.begin(), parts.end());
    }
    ValueList out;
    for (auto &p : parts)
        out.push_back(Value::string(std::move(p)));
    return out;
}

// Python's start/end arguments of find/startswith as byte offsets (code point indices, clamped).
std::pair<size_t, size_t> byte_range(const std::string &s, const Value *start, const Value *end) {
    auto offsets = utf8_offsets(s);
    auto n = static_cast<int64_t>(offsets.size()) - 1;
    auto clamp = [&](int64_t x) {
        if (x < 0)
            x += n;
        return static_cast<size_t>(std::clamp<int64_t>(x, 0, n));
    };
    size_t a = clamp(int_arg(start, 0, "start")), b = clamp(int_arg(end, n, "end"));
    return {offsets[a], offsets[std::max(a, b)]};
}

int64_t cp_index(const std::string &s, size_t byte_pos) {
    return static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, byte_pos)));
}

Value call_str_method(Interp &in, const std::string &s, const std::string &m, CallArgs &args) {
    const Value *a0 = args.get(0, m == "split" || m == "rsplit" ? "sep" : m == "replace" ? "old" : "chars");
    if (m == "strip" || m == "lstrip" || m == "rstrip") {
        args.check(m, 1, {"chars"});
        return Value::string(strip_impl(s, a0, m != "rstrip", m != "lstrip"));
    }
    if (m == "split" || m == "rsplit") {
        args.check(m, 2, {"sep", "maxsplit"});
        int64_t maxsplit = int_arg(args.get(1, "maxsplit"), -1, "maxsplit");
        bool right = m == "rsplit";
        if (!a0 || a0->is_none())
            return Value::make_list(split_whitespace(in, s, maxsplit, right));
        return Value::make_list(split_sep(in, s, str_arg(a0, m.c_str()), maxsplit, right));
    }
    if (m == "splitlines") {
        ValueList out;
        size_t pos = 0;
        while (pos < s.size()) {
            size_t nl = s.find_first_of("\n\r", pos);
            if (nl == std::string::npos) {
                out.push_back(Value::string(s.substr(pos)));
                break;
            }
            out.push_back(Value::string(s.substr(pos, nl - pos)));
            pos = nl + ((s[nl] == '\r' && nl + 1 < s.size() && s[nl + 1] == '\n') ? 2 : 1);
        }
        return Value::make_list(std::move(out));
    }
    if (m == "startswith" || m == "endswith") {
        const Value *prefix = args.get(0, "prefix");
        if (!prefix)
            throw Error(m + "() takes at least 1 argument (0 given)");
        auto [a, b] = byte_range(s, args.get(1, "start"), args.get(2, "end"));
        std::string_view view = std::string_view(s).substr(a, b - a);
        ValueList candidates = prefix->is_list() && prefix->is_tuple ? prefix->items() : ValueList{*prefix};
        for (const auto &c : candidates) {
            if (!c.is_string()) {
                throw Error(m + " first arg must be str or a tuple of str, not " + type_name(c));
            }
            const std::string &p = c.str();
            if (p.size() <= view.size() && (m == "startswith" ? view.substr(0, p.size()) == p
                                                              : view.substr(view.size() - p.size()) == p)) {
                return Value::boolean(true);
            }
        }
        return Value::boolean(false);
    }
    if (m == "replace") {
        args.check(m, 3, {"old", "new", "count"});
        const std::string &from = str_arg(a0, "replace");
        const std::string &to = str_arg(args.get(1, "new"), "replace");
        int64_t count = int_arg(args.get(2, "count"), -1, "count");
        std::string out;
        if (from.empty()) {  // Python inserts `to` between every character
            auto offsets = utf8_offsets(s);
            int64_t done = 0;
            for (size_t k = 0; k + 1 < offsets.size() + 1; ++k) {
                if (count < 0 || done < count) {
                    out += to;
                    ++done;
                }
                if (k + 1 < offsets.size())
                    out.append(s, offsets[k], offsets[k + 1] - offsets[k]);
                in.charge_bytes(out.size());
            }
            return Value::string(std::move(out));
        }
        size_t pos = 0;
        int64_t done = 0;
        for (;;) {
            size_t hit = s.find(from, pos);
            if (hit == std::string::npos || (count >= 0 && done >= count))
                break;
            out.append(s, pos, hit - pos);
            out += to;
            in.charge_bytes(out.size());
            pos = hit + from.size();
            ++done;
        }
        out.append(s, pos, std::string::npos);
        in.charge_bytes(out.size());
        return Value::string(std::move(out));
    }
    if (m == "upper")
        return Value::string(py_upper(s));
    if (m == "lower")
        return Value::string(py_lower(s));
    if (m == "title")
        return Value::string(py_str_title(s));
    if (m == "capitalize")
        return Value::string(py_capitalize(s));
    if (m == "find" || m == "rfind" || m == "index" || m == "rindex" || m == "count") {
        const std::string &sub = str_arg(args.get(0, "sub"), m.c_str());
        auto [a, b] = byte_range(s, args.get(1, "start"), args.get(2, "end"));
        std::string_view view = std::string_view(s).substr(0, b);
        if (m == "count") {
            if (sub.empty())
                return Value::integer(static_cast<int64_t>(utf8_length(view.substr(a))) + 1);
            int64_t n = 0;
            for (size_t p = view.find(sub, a); p != std::string_view::npos;
                 p = view.find(sub, p + sub.size()))
                ++n;
            return Value::integer(n);
        }
        size_t hit = std::string_view::npos;
        if (m == "find" || m == "index") {
            hit = view.find(sub, a);
        } else if (b >= a + sub.size()) {
            hit = view.rfind(sub);
            if (hit != std::string_view::npos && hit < a)
                hit = std::string_view::npos;
        }
        if (hit == std::string_view::npos) {
            if (m == "index" || m == "rindex")
                throw Error("substring not found");
            return Value::integer(-1);
        }
        return Value::integer(cp_index(s, hit));
    }
    if (m == "join") {
        const Value *items = args.get(0, "iterable");
        if (!items)
            throw Error("join() takes exactly one argument (0 given)");
        std::string out;
        bool first = true;
        for (const auto &v : iterate(in, *items)) {
            if (!v.is_string())
                throw Error("sequence item: expected str instance, " + type_name(v) + " found");
            if (!first)
                out += s;
            first = false;
            out += v.str();
            in.charge_bytes(out.size());
        }
        return Value::string(std::move(out));
    }
    if (m == "format")
        return Value::string(py_format(in, s, args));
    if (m == "removeprefix" || m == "removesuffix") {
        const std::string &x = str_arg(a0, m.c_str());
        if (m == "removeprefix" && s.compare(0, x.size(), x) == 0)
            return Value::string(s.substr(x.size()));
        if (m == "removesuffix" && !x.empty() && s.size() >= x.size() &&
            s.compare(s.size() - x.size(), x.size(), x) == 0) {
            return Value::string(s.substr(0, s.size() - x.size()));
        }
        return Value::string(s);
    }
    auto all_cps = [&](auto pred) {
        if (s.empty())
            return Value::boolean(false);
        for (size_t pos = 0; pos < s.size();) {
            if (!pred(utf8_next(s, &pos)))
                return Value::boolean(false);
        }
        return Value::boolean(true);
    };
    if (m == "isdigit" || m == "isnumeric" || m == "isdecimal")
        return all_cps(py_isdigit);
    if (m == "isalpha")
        return all_cps(py_isalpha);
    if (m == "isalnum")
        return all_cps(py_isalnum);
    if (m == "isspace")
        return all_cps(py_isspace);
    if (m == "isupper" || m == "islower") {
        bool cased = false;
        for (size_t pos = 0; pos < s.size();) {
            uint32_t cp = utf8_next(s, &pos);
            if (m == "isupper" ? py_islower_cp(cp) : py_isupper_cp(cp))
                return Value::boolean(false);
            cased = cased || py_islower_cp(cp) || py_isupper_cp(cp);
        }
        return Value::boolean(cased);
    }
    throw Error("'str' object has no attribute '" + m + "'");
}

Value call_dict_method(Interp &in, const Value &self, const std::string &m, CallArgs &args) {
    const Dict &d = self.mapping();
    if (m == "items" || m == "keys" || m == "values") {
        args.check(m, 0, {});
        in.charge_steps(d.size());
        ValueList out;
        out.reserve(d.size());
        for (const auto &[k, v] : d.items()) {
            if (m == "items")
                out.push_back(Value::make_tuple({k, v}));
            else
                out.push_back(m == "keys" ? k : v);
        }
        return Value::make_seq(std::move(out), m == "items"  ? Seq::dict_items
                                               : m == "keys" ? Seq::dict_keys
                                                             : Seq::dict_values);
    }
    if (m == "get") {
        args.check(m, 2, {});
        const Value *key = args.get(0, "");
        if (!key)
            throw Error("get expected at least 1 argument, got 0");
        if (const Value *v = d.find(*key))
            return *v;
        const Value *dflt = args.get(1, "");
        return dflt ? *dflt : Value::none();
    }
    if (m == "copy")
        return self;
    throw Error("'dict' object has no attribute '" + m + "'");
}

Value call_list_method(Interp &in, const Value &self, const std::string &m, CallArgs &args) {
    const ValueList &items = self.items();
    if (m == "index" || m == "count") {
        const Value *x = args.get(0, "");
        if (!x)
            throw Error(m + "() takes at least 1 argument (0 given)");
        in.charge_steps(items.size());
        int64_t n = 0;
        for (size_t k = 0; k < items.size(); ++k) {
            if (equals(items[k], *x)) {
                if (m == "index")
                    return Value::integer(static_cast<int64_t>(k));
                ++n;
            }
        }
        if (m == "index")
            throw Error(repr(*x) + " is not in list");
        return Value::integer(n);
    }
    if (m == "copy")
        return self;
    throw Error("'list' object has no attribute '" + m + "'");
}

class BoundMethod : public Object {
public:
    BoundMethod(Value self, std::string name) : m_self(std::move(self)), m_name(std::move(name)) {}
    std::string type_name() const override { return "builtin_function_or_method"; }
    bool callable() const override { return true; }
    std::string repr() const override {
        return "<built-in method " + m_name + " of " + nd::jinja::type_name(m_self) + " object>";
    }
    Value call(Interp &in, CallArgs &args) override {
        switch (m_self.kind) {
            case Kind::string:
                return call_str_method(in, m_self.str(), m_name, args);
            case Kind::dict:
                return call_dict_method(in, m_self, m_name, args);
            default:
                return call_list_method(in, m_self, m_name, args);
        }
    }

private:
    Value m_self;
    std::string m_name;
};

const std::unordered_set<std::string> kStrMethods = {
    "strip",     "lstrip",  "rstrip",  "split",   "rsplit",       "splitlines",   "startswith", "endswith",
    "replace",   "upper",   "lower",   "title",   "capitalize",   "find",         "rfind",      "index",
    "rindex",    "count",   "join",    "format",  "removeprefix", "removesuffix", "isdigit",    "isnumeric",
    "isdecimal", "isalpha", "isalnum", "isspace", "isupper",      "islower"};
const std::unordered_set<std::string> kDictMethods = {"items", "keys", "values", "get", "copy"};
const std::unordered_set<std::string> kDictUnsafe = {"pop", "popitem", "setdefault", "update", "clear"};
const std::unordered_set<std::string> kListMethods = {"index", "count", "copy"};
const std::unordered_set<std::string> kListUnsafe = {"append", "extend",  "insert", "pop",
                                                     "remove", "reverse", "sort",   "clear"};

}  // namespace

bool builtin_method(const Value &obj, const std::string &name, Value *out) {
    const std::unordered_set<std::string> *safe = nullptr;
    const std::unordered_set<std::string> *unsafe = nullptr;
    if (obj.is_string())
        safe = &kStrMethods;
    else if (obj.is_dict()) {
        safe = &kDictMethods;
        unsafe = &kDictUnsafe;
    } else if (obj.is_list()) {
        safe = &kListMethods;
        unsafe = obj.is_tuple ? nullptr : &kListUnsafe;
    } else {
        return false;
    }
    if (safe->count(name)) {
        *out = Value::object(std::make_shared<BoundMethod>(obj, name));
        return true;
    }
    if (unsafe && unsafe->count(name)) {
        // The sandbox answers with an undefined that fails when used (called).
        *out = Value::undefined("access to attribute '" + name + "' of '" + type_name(obj) +
                                "' object is unsafe (templates cannot modify lists and dicts)");
        return true;
    }
    return false;
}

}  // namespace nd::jinja

namespace nd::jinja {

Value call_method(Interp &in, const Value &self, const std::string &name, CallArgs &args) {
    Value method;
    if (!builtin_method(self, name, &method))
        throw Error("'" + type_name(self) + "' object has no attribute '" + name + "'");
    return in.call(method, args);
}

}  // namespace nd::jinja
