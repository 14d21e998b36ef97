// Global functions: Jinja2's range, dict, namespace, and Hugging Face's raise_exception and strftime_now.
#include <ctime>
#include <functional>

#include "gpu/chat/jinja/jinja_interp.h"

namespace nd::jinja {

bool Namespace::get_attr(std::string_view name, Value *out) const {
    const Value *v = m_attrs.find(name);
    if (!v)
        return false;
    *out = *v;
    return true;
}

bool Namespace::set_attr(std::string_view name, const Value &value) {
    m_attrs.set(name, value);
    return true;
}

// Python's dict repr guards against cycles ("{...}" for a dict already being printed); namespaces can
// hold themselves or long chains of namespaces, so the depth is bounded too.
namespace {
thread_local int g_repr_depth = 0;
}

std::string Namespace::repr() const {
    if (m_in_repr)
        return "<Namespace {...}>";
    if (g_repr_depth >= kMaxValueNesting)
        throw Error("namespaces nested too deep to print");
    m_in_repr = true;
    ++g_repr_depth;
    struct Restore {
        const Namespace *ns;
        ~Restore() {
            ns->m_in_repr = false;
            --g_repr_depth;
        }
    } restore{this};
    return "<Namespace " + to_str(Value::make_dict(m_attrs)) + ">";
}

namespace {

using Fn = std::function<Value(Interp &, CallArgs &)>;

class Builtin : public Object {
public:
    Builtin(std::string name, Fn fn) : m_name(std::move(name)), m_fn(std::move(fn)) {}
    std::string type_name() const override { return "builtin_function_or_method"; }
    bool callable() const override { return true; }
    std::string repr() const override { return "<built-in function " + m_name + ">"; }
    Value call(Interp &in, CallArgs &args) override { return m_fn(in, args); }

private:
    std::string m_name;
    Fn m_fn;
};

int64_t int_param(const Value &v, const char *function) {
    if (v.kind == Kind::integer || v.kind == Kind::boolean)
        return v.as_int();
    throw Error(std::string("'") + type_name(v) + "' object cannot be interpreted as an integer (in " +
                function + ")");
}

Value fn_range(Interp &in, CallArgs &args) {
    if (!args.kw.empty())
        throw Error("range() takes no keyword arguments");
    if (args.pos.empty() || args.pos.size() > 3)
        throw Error("range expected 1 to 3 arguments");
    int64_t start = 0, stop = 0, step = 1;
    if (args.pos.size() == 1) {
        stop = int_param(args.pos[0], "range");
    } else {
        start = int_param(args.pos[0], "range");
        stop = int_param(args.pos[1], "range");
        if (args.pos.size() == 3)
            step = int_param(args.pos[2], "range");
    }
    if (step == 0)
        throw Error("range() arg 3 must not be zero");
    // The length, computed in unsigned arithmetic (no overflow), is charged before anything is allocated.
    uint64_t span = 0;
    if (step > 0 && stop > start)
        span = static_cast<uint64_t>(stop) - static_cast<uint64_t>(start);
    if (step < 0 && start > stop)
        span = static_cast<uint64_t>(start) - static_cast<uint64_t>(stop);
    uint64_t abs_step = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
    uint64_t n = span / abs_step + (span % abs_step != 0 ? 1 : 0);
    in.charge_steps(n);
    ValueList out;
    out.reserve(static_cast<size_t>(n));
    int64_t x = start;
    for (uint64_t k = 0; k < n;
         ++k, x = static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(step))) {
        out.push_back(Value::integer(x));
    }
    return Value::make_seq(std::move(out), Seq::range);
}

Dict dict_from_args(Interp &in, const CallArgs &args, const char *function) {
    Dict d;
    if (args.pos.size() > 1)
        throw Error(std::string(function) + " expected at most 1 positional argument");
    if (!args.pos.empty()) {
        const Value &src = args.pos[0];
        if (src.is_dict()) {
            d = src.mapping();
        } else if (src.is_list()) {
            for (const auto &pair : iterate(in, src)) {
                if (!pair.is_list() || pair.items().size() != 2) {
                    throw Error(std::string(function) + ": sequence elements must be pairs");
                }
                d.set(pair.items()[0], pair.items()[1]);
            }
        } else if (!src.is_undefined()) {
            throw Error(std::string("'") + type_name(src) + "' object is not a mapping (in " + function +
                        ")");
        }
    }
    for (const auto &[k, v] : args.kw)
        d.set(k, v);
    return d;
}

Value fn_strftime_now(Interp &in, CallArgs &args) {
    const Value *fmt = args.get(0, "format");
    if (!fmt || !fmt->is_string())
        throw Error("strftime_now() needs a format string");
    if (fmt->str().size() > 256)
        throw Error("strftime_now(): the format is longer than 256 bytes");
    std::time_t now = in.now_unix_s() != 0 ? static_cast<std::time_t>(in.now_unix_s()) : std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::string buf(4096, '\0');
    // The format is the template's, as Python hands it to the C library's strftime.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t n = fmt->str().empty() ? 0 : std::strftime(buf.data(), buf.size(), fmt->str().c_str(), &tm);
#pragma GCC diagnostic pop
    buf.resize(n);
    return Value::string(std::move(buf));
}

}  // namespace

void add_globals(Dict *globals) {
    auto add = [&](const char *name, Fn fn) {
        globals->set(name, Value::object(std::make_shared<Builtin>(name, std::move(fn))));
    };
    add("range", fn_range);
    add("dict",
        [](Interp &in, CallArgs &args) { return Value::make_dict(dict_from_args(in, args, "dict")); });
    add("namespace", [](Interp &in, CallArgs &args) {
        auto ns = std::make_shared<Namespace>();
        Dict attrs = dict_from_args(in, args, "namespace");
        for (const auto &[k, v] : attrs.items())
            ns->set_attr(to_str(k), v);
        in.track_namespace(ns);
        return Value::object(ns);
    });
    add("raise_exception", [](Interp &, CallArgs &args) -> Value {
        const Value *msg = args.get(0, "message");
        throw RaisedError(msg ? to_str(*msg) : "");
    });
    add("strftime_now", fn_strftime_now);
}

}  // namespace nd::jinja
