// Operators, attribute/item access, slicing and iteration with Python's semantics.
#include <cmath>

#include "gpu/chat/jinja/jinja_interp.h"
#include "gpu/chat/jinja/jinja_unicode.h"

namespace nd::jinja {

static std::string undefined_hint(const Value &v) {
    return v.s ? *v.s : "value is undefined";
}

static std::string object_label(const Value &v) {
    return "'" + type_name(v) + " object'";
}

[[noreturn]] static void unsupported(const std::string &op, const Value &a, const Value &b) {
    if (a.is_undefined())
        throw Error(undefined_hint(a));
    if (b.is_undefined())
        throw Error(undefined_hint(b));
    throw Error("unsupported operand type(s) for " + op + ": '" + type_name(a) + "' and '" + type_name(b) +
                "'");
}

// Call as int_result(__builtin_*_overflow(...), &r): the flag is computed before r is read.
static Value int_result(bool overflow, const int64_t *r) {
    if (overflow)
        throw Error("integer overflow (values beyond 64 bits are not supported)");
    return Value::integer(*r);
}

static int64_t floor_div(int64_t a, int64_t b) {
    if (a == INT64_MIN && b == -1)
        throw Error("integer overflow (values beyond 64 bits are not supported)");
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

static Value repeat(Interp &in, const Value &seq, int64_t times) {
    if (times <= 0)
        return seq.is_string() ? Value::string("")
                               : (seq.is_tuple ? Value::make_tuple({}) : Value::make_list({}));
    if (seq.is_string()) {
        size_t n = seq.str().size();
        if (n != 0 && static_cast<uint64_t>(times) > in.output_budget() / n)
            in.check_string_size(in.output_budget() + 1);
        std::string out;
        in.charge_bytes(n * static_cast<size_t>(times));
        out.reserve(n * static_cast<size_t>(times));
        for (int64_t k = 0; k < times; ++k)
            out += seq.str();
        return Value::string(std::move(out));
    }
    size_t n = seq.items().size();
    in.charge_steps(n *
                    static_cast<uint64_t>(std::min<int64_t>(times, INT64_MAX / static_cast<int64_t>(n + 1))));
    ValueList out;
    for (int64_t k = 0; k < times; ++k)
        out.insert(out.end(), seq.items().begin(), seq.items().end());
    return seq.is_tuple ? Value::make_tuple(std::move(out)) : Value::make_list(std::move(out));
}

Value op_binary(Interp &in, const std::string &op, const Value &a, const Value &b) {
    bool nums = a.is_number() && b.is_number();
    bool ints = nums && a.kind != Kind::floating && b.kind != Kind::floating;
    int64_t r = 0;
    if (op == "+") {
        if (ints)
            return int_result(__builtin_add_overflow(a.as_int(), b.as_int(), &r), &r);
        if (nums)
            return Value::floating(a.as_double() + b.as_double());
        if (a.is_string() && b.is_string()) {
            in.charge_bytes(a.str().size() + b.str().size());
            if (a.is_markup != b.is_markup) {  // markupsafe: Markup + str escapes the str
                return Value::markup(a.is_markup ? a.str() + html_escape(b.str())
                                                 : html_escape(a.str()) + b.str());
            }
            Value joined = Value::string(a.str() + b.str());
            joined.is_markup = a.is_markup;
            return joined;
        }
        if (a.is_list() && b.is_list() && a.is_tuple == b.is_tuple && a.seq == Seq::list &&
            b.seq == Seq::list) {
            in.charge_steps(a.items().size() + b.items().size());
            ValueList out = a.items();
            out.insert(out.end(), b.items().begin(), b.items().end());
            return a.is_tuple ? Value::make_tuple(std::move(out)) : Value::make_list(std::move(out));
        }
        unsupported("+", a, b);
    }
    if (op == "-") {
        if (ints)
            return int_result(__builtin_sub_overflow(a.as_int(), b.as_int(), &r), &r);
        if (nums)
            return Value::floating(a.as_double() - b.as_double());
        unsupported("-", a, b);
    }
    if (op == "*") {
        if (ints)
            return int_result(__builtin_mul_overflow(a.as_int(), b.as_int(), &r), &r);
        if (nums)
            return Value::floating(a.as_double() * b.as_double());
        bool a_seq = a.is_string() || a.is_list();
        bool b_seq = b.is_string() || b.is_list();
        bool a_int = a.kind == Kind::integer || a.kind == Kind::boolean;
        bool b_int = b.kind == Kind::integer || b.kind == Kind::boolean;
        if (a_seq && b_int)
            return repeat(in, a, b.as_int());
        if (b_seq && a_int)
            return repeat(in, b, a.as_int());
        unsupported("*", a, b);
    }
    if (op == "/") {
        if (!nums)
            unsupported("/", a, b);
        if (b.as_double() == 0.0)
            throw Error("division by zero");
        return Value::floating(a.as_double() / b.as_double());
    }
    if (op == "//") {
        if (!nums)
            unsupported("//", a, b);
        if (b.as_double() == 0.0)
            throw Error("integer division or modulo by zero");
        if (ints)
            return Value::integer(floor_div(a.as_int(), b.as_int()));
        return Value::floating(std::floor(a.as_double() / b.as_double()));
    }
    if (op == "%") {
        if (a.is_string())
            return Value::string(py_percent_format(in, a.str(), b));
        if (!nums)
            unsupported("%", a, b);
        if (b.as_double() == 0.0)
            throw Error("integer division or modulo by zero");
        if (ints) {
            int64_t x = a.as_int(), y = b.as_int();
            if (y == -1)
                return Value::integer(0);
            int64_t m = x % y;
            if (m != 0 && ((m < 0) != (y < 0)))
                m += y;
            return Value::integer(m);
        }
        double x = a.as_double(), y = b.as_double();
        double m = std::fmod(x, y);
        if (m != 0 && ((m < 0) != (y < 0)))
            m += y;
        return Value::floating(m);
    }
    if (op == "**") {
        if (!nums)
            unsupported("**", a, b);
        if (ints && b.as_int() >= 0) {
            int64_t base = a.as_int(), e = b.as_int(), result = 1;
            while (e > 0) {
                if (e & 1) {
                    if (__builtin_mul_overflow(result, base, &result))
                        int_result(true, nullptr);
                }
                e >>= 1;
                if (e > 0 && __builtin_mul_overflow(base, base, &base))
                    int_result(true, nullptr);
            }
            return Value::integer(result);
        }
        if (a.as_double() == 0.0 && b.as_double() < 0)
            throw Error("0.0 cannot be raised to a negative power");
        return Value::floating(std::pow(a.as_double(), b.as_double()));
    }
    throw Error("unknown operator '" + op + "'");
}

Value op_neg(const Value &a) {
    if (a.kind == Kind::floating)
        return Value::floating(-a.f);
    if (a.kind == Kind::integer || a.kind == Kind::boolean) {
        if (a.as_int() == INT64_MIN)
            int_result(true, nullptr);
        return Value::integer(-a.as_int());
    }
    if (a.is_undefined())
        throw Error(undefined_hint(a));
    throw Error("bad operand type for unary -: '" + type_name(a) + "'");
}

bool op_contains(const Value &container, const Value &item) {
    switch (container.kind) {
        case Kind::string:
            if (!item.is_string()) {
                if (item.is_undefined())
                    throw Error(undefined_hint(item));
                throw Error("'in <string>' requires string as left operand, not " + type_name(item));
            }
            return container.str().find(item.str()) != std::string::npos;
        case Kind::list:
            for (const auto &v : container.items()) {
                if (equals(v, item))
                    return true;
            }
            return false;
        case Kind::dict:
            return container.mapping().find(item) != nullptr;
        case Kind::undefined:
            return false;
        default:
            throw Error("argument of type '" + type_name(container) + "' is not iterable");
    }
}

Value op_getattr(const Value &obj, const std::string &name) {
    Value out;
    switch (obj.kind) {
        case Kind::undefined:
            throw Error(undefined_hint(obj));
        case Kind::object:
            if (obj.obj->get_attr(name, &out))
                return out;
            break;
        case Kind::dict:
            if (builtin_method(obj, name, &out))
                return out;
            if (const Value *v = obj.mapping().find(name))
                return *v;
            break;
        default:
            if (builtin_method(obj, name, &out))
                return out;
            break;
    }
    return Value::undefined(object_label(obj) + " has no attribute '" + name + "'");
}

static bool normalise_index(int64_t index, size_t size, size_t *out) {
    if (index < 0)
        index += static_cast<int64_t>(size);
    if (index < 0 || static_cast<uint64_t>(index) >= size)
        return false;
    *out = static_cast<size_t>(index);
    return true;
}

Value op_getitem(const Value &obj, const Value &key) {
    bool int_key = key.kind == Kind::integer || key.kind == Kind::boolean;
    size_t idx = 0;
    switch (obj.kind) {
        case Kind::undefined:
            throw Error(undefined_hint(obj));
        case Kind::dict:
            if (const Value *v = obj.mapping().find(key))
                return *v;
            break;
        case Kind::list:
            if (obj.seq != Seq::list && obj.seq != Seq::range)
                break;  // generators and views: no indexing
            if (int_key && normalise_index(key.as_int(), obj.items().size(), &idx))
                return obj.items()[idx];
            break;
        case Kind::string:
            if (int_key) {
                auto offsets = utf8_offsets(obj.str());
                if (normalise_index(key.as_int(), offsets.size() - 1, &idx)) {
                    return Value::string(obj.str().substr(offsets[idx], offsets[idx + 1] - offsets[idx]));
                }
            }
            break;
        default:
            break;
    }
    if (key.is_string() && obj.kind != Kind::dict)
        return op_getattr(obj, key.str());
    if (key.is_string() && obj.kind == Kind::dict) {
        Value method;
        if (builtin_method(obj, key.str(), &method))
            return method;
    }
    return Value::undefined(object_label(obj) + " has no element " + repr(key));
}

// Python's slice.indices(): clamps start/stop for the step's direction.
static void slice_indices(int64_t len, const Value &start_v, const Value &stop_v, const Value &step_v,
                          int64_t *start, int64_t *stop, int64_t *step) {
    auto as_index = [](const Value &v, const char *what) -> int64_t {
        if (v.kind == Kind::integer || v.kind == Kind::boolean)
            return v.as_int();
        throw Error(std::string("slice ") + what + " must be an integer or None, not " + type_name(v));
    };
    *step = step_v.is_none() ? 1 : as_index(step_v, "step");
    if (*step == 0)
        throw Error("slice step cannot be zero");
    if (*step == INT64_MIN)
        *step = -INT64_MAX;
    int64_t lower = *step < 0 ? -1 : 0;
    int64_t upper = *step < 0 ? len - 1 : len;
    auto clamp = [&](const Value &v, int64_t dflt, const char *what) -> int64_t {
        if (v.is_none())
            return dflt;
        int64_t x = as_index(v, what);
        if (x < 0) {
            x = x < -len ? lower : x + len;
            if (x < lower)
                x = lower;
        } else if (x > upper) {
            x = upper;
        }
        return x;
    };
    *start = clamp(start_v, *step < 0 ? upper : lower, "start");
    *stop = clamp(stop_v, *step < 0 ? lower : upper, "stop");
}

Value op_slice(Interp &in, const Value &obj, const Value &start_v, const Value &stop_v, const Value &step_v) {
    if (obj.is_undefined())
        throw Error(undefined_hint(obj));
    if (!obj.is_string() && !obj.is_list())
        throw Error(object_label(obj) + " is not subscriptable");
    std::vector<size_t> offsets;
    int64_t len = 0;
    if (obj.is_string()) {
        offsets = utf8_offsets(obj.str());
        len = static_cast<int64_t>(offsets.size()) - 1;
    } else {
        len = static_cast<int64_t>(obj.items().size());
    }
    int64_t start = 0, stop = 0, step = 1;
    slice_indices(len, start_v, stop_v, step_v, &start, &stop, &step);
    in.charge_steps(static_cast<uint64_t>(len) / 16);
    if (obj.is_string()) {
        if (step == 1) {
            if (stop <= start)
                return Value::string("");
            auto a = offsets[static_cast<size_t>(start)], b = offsets[static_cast<size_t>(stop)];
            return Value::string(obj.str().substr(a, b - a));
        }
        std::string out;
        for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) {
            auto a = offsets[static_cast<size_t>(k)], b = offsets[static_cast<size_t>(k) + 1];
            out.append(obj.str(), a, b - a);
        }
        return Value::string(std::move(out));
    }
    ValueList out;
    for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step)
        out.push_back(obj.items()[static_cast<size_t>(k)]);
    return obj.is_tuple ? Value::make_tuple(std::move(out)) : Value::make_list(std::move(out));
}

ValueList iterate(Interp &in, const Value &v) {
    switch (v.kind) {
        case Kind::undefined:
            return {};
        case Kind::list:
            in.charge_steps(v.items().size() / 4);
            return v.items();
        case Kind::dict: {
            ValueList keys;
            keys.reserve(v.mapping().size());
            for (const auto &[k, x] : v.mapping().items())
                keys.push_back(k);
            in.charge_steps(keys.size() / 4);
            return keys;
        }
        case Kind::string: {
            ValueList chars;
            const std::string &s = v.str();
            in.charge_steps(s.size() / 4);
            for (size_t pos = 0; pos < s.size();) {
                size_t start = pos;
                utf8_next(s, &pos);
                chars.push_back(Value::string(s.substr(start, pos - start)));
            }
            return chars;
        }
        default:
            throw Error("'" + type_name(v) + "' object is not iterable");
    }
}

}  // namespace nd::jinja
