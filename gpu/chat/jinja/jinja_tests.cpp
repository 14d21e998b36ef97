// Jinja2's tests (`x is defined`, `n is divisibleby 3`, `x is not none`, …).
#include <cmath>
#include <unordered_set>

#include "gpu/chat/jinja/jinja_interp.h"
#include "gpu/chat/jinja/jinja_unicode.h"

namespace nd::jinja {
namespace {

const std::unordered_set<std::string> kTests = {
    "defined",  "undefined", "none",    "string",      "number",  "integer", "float",    "mapping",
    "iterable", "sequence",  "boolean", "true",        "false",   "even",    "odd",      "divisibleby",
    "eq",       "equalto",   "==",      "ne",          "!=",      "lt",      "lessthan", "<",
    "le",       "<=",        "gt",      "greaterthan", ">",       "ge",      ">=",       "in",
    "sameas",   "callable",  "lower",   "upper",       "escaped", "filter",  "test"};

const Value &need(const CallArgs &args, const std::string &test) {
    const Value *v = args.get(0, "");
    if (!v)
        throw Error("test '" + test + "' needs an argument");
    return *v;
}

bool is_int(const Value &v) {
    return v.kind == Kind::integer;
}

}  // namespace

bool test_exists(const std::string &name) {
    return kTests.count(name) != 0;
}

bool Interp::apply_test(const std::string &name, const Value &v, CallArgs &args) {
    charge_steps(1);
    if (name == "defined")
        return !v.is_undefined();
    if (name == "undefined")
        return v.is_undefined();
    if (name == "none")
        return v.is_none();
    if (name == "string")
        return v.is_string();
    if (name == "number")
        return v.is_number();
    if (name == "integer")
        return is_int(v);
    if (name == "float")
        return v.kind == Kind::floating;
    if (name == "boolean")
        return v.kind == Kind::boolean;
    if (name == "true")
        return v.kind == Kind::boolean && v.b;
    if (name == "false")
        return v.kind == Kind::boolean && !v.b;
    if (name == "mapping")
        return v.is_dict();
    if (name == "iterable")
        return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
    if (name == "sequence") {  // len() and indexing: not generators or dict views
        return v.is_string() || v.is_dict() || (v.is_list() && (v.seq == Seq::list || v.seq == Seq::range));
    }
    if (name == "callable")
        return v.kind == Kind::object && v.obj->callable();
    if (name == "even" || name == "odd") {
        if (!(v.kind == Kind::integer || v.kind == Kind::boolean)) {
            if (v.kind == Kind::floating)
                return std::fmod(v.f, 2.0) == (name == "odd" ? 1.0 : 0.0);
            throw Error("test '" + name + "': expected a number, not " + type_name(v));
        }
        int64_t r = v.as_int() % 2;
        return name == "even" ? r == 0 : r != 0;
    }
    if (name == "divisibleby") {
        const Value &n = need(args, name);
        Value m = op_binary(*this, "%", v, n);
        return equals(m, Value::integer(0));
    }
    if (name == "eq" || name == "equalto" || name == "==")
        return equals(v, need(args, name));
    if (name == "ne" || name == "!=")
        return !equals(v, need(args, name));
    if (name == "lt" || name == "lessthan" || name == "<")
        return less_than(v, need(args, name));
    if (name == "gt" || name == "greaterthan" || name == ">")
        return less_than(need(args, name), v);
    if (name == "le" || name == "<=")
        return less_than(v, need(args, name)) || equals(v, need(args, name));
    if (name == "ge" || name == ">=")
        return less_than(need(args, name), v) || equals(v, need(args, name));
    if (name == "in")
        return op_contains(need(args, name), v);
    if (name == "sameas") {
        const Value &o = need(args, name);
        if (v.kind != o.kind)
            return false;
        switch (v.kind) {
            case Kind::none:
            case Kind::undefined:
                return true;
            case Kind::boolean:
                return v.b == o.b;
            case Kind::integer:
                return v.i == o.i && v.i >= -5 && v.i <= 256;  // CPython's small-int cache
            case Kind::string:
                return v.s == o.s;
            case Kind::list:
                return v.list == o.list;
            case Kind::dict:
                return v.dict == o.dict;
            case Kind::object:
                return v.obj == o.obj;
            default:
                return false;
        }
    }
    if (name == "lower" || name == "upper") {
        if (!v.is_string())
            return false;
        std::string cased = name == "lower" ? py_lower(v.str()) : py_upper(v.str());
        return cased == v.str();
    }
    if (name == "escaped")
        return false;
    if (name == "filter")
        return v.is_string() && filter_exists(v.str());
    if (name == "test")
        return v.is_string() && test_exists(v.str());
    throw Error("No test named '" + name + "' found.");
}

}  // namespace nd::jinja
