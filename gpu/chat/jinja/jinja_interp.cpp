// The interpreter: statements, expressions, macros, loops (see jinja_interp.h).
#include "gpu/chat/jinja/jinja_interp.h"

#include <unordered_set>

#include "gpu/chat/jinja/jinja_parser.h"

namespace nd::jinja {

const Value *Scope::lookup(const std::string &name) const {
    for (const Scope *s = this; s; s = s->parent.get()) {
        auto it = s->vars.find(name);
        if (it != s->vars.end())
            return &it->second;
    }
    return nullptr;
}

namespace {

// Whether a body mentions a name (macros take varargs/kwargs/caller only when they use them, as Jinja2).
bool expr_mentions(const Expr *e, const std::string &name) {
    if (!e)
        return false;
    if (e->kind == ExprKind::name && e->name == name)
        return true;
    for (const auto &a : e->args) {
        if (expr_mentions(a.get(), name))
            return true;
    }
    for (const auto &a : e->call.pos) {
        if (expr_mentions(a.get(), name))
            return true;
    }
    for (const auto &[k, a] : e->call.kw) {
        if (expr_mentions(a.get(), name))
            return true;
    }
    return expr_mentions(e->call.star_args.get(), name) || expr_mentions(e->call.star_kwargs.get(), name);
}

bool body_mentions(const Body &body, const std::string &name) {
    for (const auto &s : body) {
        if (expr_mentions(s->expr.get(), name) || expr_mentions(s->filter.get(), name))
            return true;
        for (const auto &p : s->params) {
            if (expr_mentions(p.default_value.get(), name))
                return true;
        }
        if (body_mentions(s->body, name) || body_mentions(s->else_body, name))
            return true;
    }
    return false;
}

class Macro : public Object {
public:
    Macro(const Stmt *stmt, std::weak_ptr<Scope> closure) : m_stmt(stmt), m_closure(std::move(closure)) {}
    std::string type_name() const override { return "macro"; }
    bool callable() const override { return true; }
    std::string repr() const override { return "<Macro '" + m_stmt->text + "'>"; }
    Value call(Interp &in, CallArgs &args) override { return call_with(in, args, Value::undefined()); }
    Value call_with(Interp &in, CallArgs &args, const Value &caller) {
        auto closure = m_closure.lock();
        if (!closure)
            throw Error("macro '" + m_stmt->text + "' is no longer available");
        return in.run_macro(*m_stmt, closure, args, caller);
    }

private:
    const Stmt *m_stmt;
    std::weak_ptr<Scope> m_closure;
};

class Caller : public Object {
public:
    Caller(const Stmt *stmt, std::weak_ptr<Scope> scope) : m_stmt(stmt), m_scope(std::move(scope)) {}
    std::string type_name() const override { return "macro"; }
    bool callable() const override { return true; }
    std::string repr() const override { return "<Macro 'caller'>"; }
    Value call(Interp &in, CallArgs &args) override {
        auto scope = m_scope.lock();
        if (!scope)
            throw Error("caller() is no longer available");
        return in.run_caller(*m_stmt, scope, args);
    }

private:
    const Stmt *m_stmt;
    std::weak_ptr<Scope> m_scope;
};

class Loop : public Object {
public:
    Loop(std::shared_ptr<const ValueList> items, int depth0) : m_items(std::move(items)), m_depth0(depth0) {}
    size_t index0 = 0;

    std::string type_name() const override { return "LoopContext"; }
    std::string repr() const override {
        return "<LoopContext " + std::to_string(index0 + 1) + "/" + std::to_string(m_items->size()) + ">";
    }
    bool get_attr(std::string_view name, Value *out) const override {
        auto n = static_cast<int64_t>(m_items->size());
        auto i = static_cast<int64_t>(index0);
        if (name == "index")
            *out = Value::integer(i + 1);
        else if (name == "index0")
            *out = Value::integer(i);
        else if (name == "revindex")
            *out = Value::integer(n - i);
        else if (name == "revindex0")
            *out = Value::integer(n - i - 1);
        else if (name == "first")
            *out = Value::boolean(i == 0);
        else if (name == "last")
            *out = Value::boolean(i == n - 1);
        else if (name == "length")
            *out = Value::integer(n);
        else if (name == "depth")
            *out = Value::integer(m_depth0 + 1);
        else if (name == "depth0")
            *out = Value::integer(m_depth0);
        else if (name == "previtem") {
            *out = i > 0 ? (*m_items)[index0 - 1] : Value::undefined("there is no previous item");
        } else if (name == "nextitem") {
            *out = i + 1 < n ? (*m_items)[index0 + 1] : Value::undefined("there is no next item");
        } else if (name == "cycle" || name == "changed") {
            *out = Value::object(std::make_shared<LoopMethod>(
                const_cast<Loop *>(this)->shared_from_this_loop(), std::string(name)));
        } else {
            return false;
        }
        return true;
    }

    std::shared_ptr<Loop> shared_from_this_loop() { return m_self.lock(); }
    void set_self(const std::shared_ptr<Loop> &self) { m_self = self; }

private:
    class LoopMethod : public Object {
    public:
        LoopMethod(std::shared_ptr<Loop> loop, std::string name)
            : m_loop(std::move(loop)), m_name(std::move(name)) {}
        std::string type_name() const override { return "method"; }
        bool callable() const override { return true; }
        Value call(Interp &, CallArgs &args) override {
            if (m_name == "cycle") {
                if (args.pos.empty())
                    throw Error("no items for cycling given");
                return args.pos[m_loop->index0 % args.pos.size()];
            }
            Value now = Value::make_list(args.pos);
            bool changed = !m_loop->m_has_last || !equals(now, m_loop->m_last_changed);
            m_loop->m_last_changed = now;
            m_loop->m_has_last = true;
            return Value::boolean(changed);
        }

    private:
        std::shared_ptr<Loop> m_loop;
        std::string m_name;
    };

    std::shared_ptr<const ValueList> m_items;
    int m_depth0;
    std::weak_ptr<Loop> m_self;
    Value m_last_changed;
    bool m_has_last = false;
};

}  // namespace

Interp::DepthGuard::DepthGuard(Interp *interp) : in(interp) {
    if (++in->m_depth > in->m_options.max_depth) {
        throw BudgetError("recursion deeper than the limit of " + std::to_string(in->m_options.max_depth));
    }
}

Interp::Interp(const ChatRenderOptions &options) : m_options(options) {}

void Interp::charge_steps(uint64_t n) {
    m_steps += n;
    if (m_steps > m_options.max_steps) {
        throw BudgetError("the render took more than " + std::to_string(m_options.max_steps) +
                          " steps (a loop that does not end?)");
    }
}

void Interp::charge_bytes(size_t n) {
    check_string_size(n);
    charge_steps(n / 16);
}

void Interp::check_string_size(size_t n) const {
    if (n > m_options.max_output_bytes) {
        throw BudgetError("a string of " + std::to_string(n) + " bytes exceeds the output budget of " +
                          std::to_string(m_options.max_output_bytes) + " bytes");
    }
}

void Interp::write(std::string_view text) {
    charge_bytes(text.size());
    if (m_out->size() + text.size() > m_options.max_output_bytes) {
        throw BudgetError("the output exceeds the budget of " + std::to_string(m_options.max_output_bytes) +
                          " bytes");
    }
    m_out->append(text);
}

std::string Interp::render(const Program &program, const Dict &vars) {
    auto globals = std::make_shared<Scope>();
    Dict g;
    add_globals(&g);
    for (const auto &[k, v] : g.items())
        globals->vars[k.str()] = v;
    auto root = std::make_shared<Scope>();
    root->parent = globals;
    for (const auto &[k, v] : vars.items()) {
        if (k.is_string())
            root->vars[k.str()] = v;
    }
    std::string out;
    m_out = &out;
    m_macro_scopes.clear();
    try {
        exec_body(program.body, root);
    } catch (Error &e) {
        release();
        if (e.line == 0) {
            e.line = m_line;
            e.col = m_col;
        }
        throw;
    }
    release();
    return out;
}

void Interp::release() {
    // Namespaces may hold themselves (ns.self = ns): empty them so nothing outlives the render.
    for (auto &weak : m_namespaces) {
        if (auto ns = weak.lock())
            ns->clear();
    }
    m_namespaces.clear();
    m_macro_scopes.clear();
}

void Interp::track_namespace(const std::shared_ptr<Namespace> &ns) {
    m_namespaces.push_back(ns);
}

Flow Interp::exec_body(const Body &body, const ScopePtr &scope) {
    for (const auto &stmt : body) {
        Flow f = exec(*stmt, scope);
        if (f != Flow::normal)
            return f;
    }
    return Flow::normal;
}

std::string Interp::capture(const Body &body, const ScopePtr &scope) {
    std::string buffer;
    std::string *saved = m_out;
    m_out = &buffer;
    try {
        exec_body(body, scope);
    } catch (...) {
        m_out = saved;
        throw;
    }
    m_out = saved;
    return buffer;
}

Flow Interp::exec(const Stmt &s, const ScopePtr &scope) {
    charge_steps(1);
    m_line = s.line;
    m_col = s.col;
    switch (s.kind) {
        case StmtKind::text:
            write(s.text);
            return Flow::normal;
        case StmtKind::print: {
            Value v = eval(*s.expr, scope);
            if (v.is_string()) {
                write(v.str());
            } else {
                write(to_str(v));
            }
            return Flow::normal;
        }
        case StmtKind::if_:
            if (truthy(eval(*s.expr, scope)))
                return exec_body(s.body, scope);
            return exec_body(s.else_body, scope);
        case StmtKind::for_:
            return exec_for(s, scope);
        case StmtKind::set:
            exec_set(s, scope, eval(*s.expr, scope));
            return Flow::normal;
        case StmtKind::set_block: {
            Value v = Value::string(capture(s.body, scope));
            if (s.filter)
                v = eval_filter(*s.filter, scope, &v);
            exec_set(s, scope, std::move(v));
            return Flow::normal;
        }
        case StmtKind::macro: {
            m_macro_scopes.push_back(scope);
            scope->vars[s.text] = Value::object(std::make_shared<Macro>(&s, scope));
            return Flow::normal;
        }
        case StmtKind::call_block: {
            const Expr &call = *s.expr;
            Value callee = eval(*call.args[0], scope);
            CallArgs args;
            eval_args(call.call, scope, &args);
            m_macro_scopes.push_back(scope);
            Value caller = Value::object(std::make_shared<Caller>(&s, scope));
            at(call);
            Value result;
            if (callee.kind == Kind::object && dynamic_cast<Macro *>(callee.obj.get())) {
                result = static_cast<Macro *>(callee.obj.get())->call_with(*this, args, caller);
            } else {
                args.kw.emplace_back("caller", caller);
                result = this->call(callee, args);
            }
            write(to_str(result));
            return Flow::normal;
        }
        case StmtKind::filter_block: {
            Value body = Value::string(capture(s.body, scope));
            Value v = eval_filter(*s.expr, scope, &body);
            write(to_str(v));
            return Flow::normal;
        }
        case StmtKind::break_:
            return Flow::break_loop;
        case StmtKind::continue_:
            return Flow::continue_loop;
        case StmtKind::scope:
            return exec_body(s.body, scope);
    }
    return Flow::normal;
}

static void bind_targets(const Stmt &s, Scope *scope, const Value &value) {
    if (!s.tuple_target) {
        scope->vars[s.targets[0]] = value;
        return;
    }
    ValueList parts;
    if (value.is_list()) {
        parts = value.items();
    } else {
        throw Error("cannot unpack non-iterable " + type_name(value) + " object");
    }
    if (parts.size() != s.targets.size()) {
        throw Error(parts.size() > s.targets.size()
                        ? "too many values to unpack (expected " + std::to_string(s.targets.size()) + ")"
                        : "not enough values to unpack (expected " + std::to_string(s.targets.size()) +
                              ", got " + std::to_string(parts.size()) + ")");
    }
    for (size_t k = 0; k < parts.size(); ++k)
        scope->vars[s.targets[k]] = parts[k];
}

void Interp::exec_set(const Stmt &s, const ScopePtr &scope, Value value) {
    if (s.attr_target) {
        const Value *target = scope->lookup(s.targets[0]);
        if (!target || target->kind != Kind::object || !target->obj->set_attr(s.text, value)) {
            throw Error("cannot assign attribute on non-namespace object");
        }
        return;
    }
    bind_targets(s, scope.get(), value);
}

Flow Interp::exec_for(const Stmt &s, const ScopePtr &scope) {
    Value iterable = eval(*s.expr, scope);
    at(*s.expr);
    ValueList all = iterate(*this, iterable);
    ValueList items;
    if (s.filter) {
        for (auto &item : all) {
            auto probe = std::make_shared<Scope>();
            probe->parent = scope;
            bind_targets(s, probe.get(), item);
            if (truthy(eval(*s.filter, probe)))
                items.push_back(std::move(item));
        }
    } else {
        items = std::move(all);
    }
    if (items.empty()) {
        auto inner = std::make_shared<Scope>();
        inner->parent = scope;
        exec_body(s.else_body, inner);
        return Flow::normal;
    }
    auto shared_items = std::make_shared<const ValueList>(std::move(items));
    auto loop = std::make_shared<Loop>(shared_items, 0);
    loop->set_self(loop);
    Value loop_value = Value::object(loop);
    for (size_t k = 0; k < shared_items->size(); ++k) {
        charge_steps(1);
        loop->index0 = k;
        auto inner = std::make_shared<Scope>();
        inner->parent = scope;
        inner->vars["loop"] = loop_value;
        bind_targets(s, inner.get(), (*shared_items)[k]);
        Flow f = exec_body(s.body, inner);
        if (f == Flow::break_loop)
            break;
    }
    loop->set_self(nullptr);
    return Flow::normal;
}

Value Interp::run_macro(const Stmt &macro, const ScopePtr &closure, CallArgs &args, const Value &caller) {
    DepthGuard guard(this);
    auto scope = std::make_shared<Scope>();
    scope->parent = closure;
    size_t n_params = macro.params.size();
    ValueList varargs;
    for (size_t k = 0; k < args.pos.size(); ++k) {
        if (k < n_params) {
            scope->vars[macro.params[k].name] = args.pos[k];
        } else {
            varargs.push_back(args.pos[k]);
        }
    }
    bool uses_varargs = body_mentions(macro.body, "varargs");
    bool uses_kwargs = body_mentions(macro.body, "kwargs");
    if (!varargs.empty() && !uses_varargs) {
        throw Error("macro '" + macro.text + "' takes not more than " + std::to_string(n_params) +
                    " argument(s)");
    }
    Dict kwargs;
    for (auto &[name, v] : args.kw) {
        bool is_param = false;
        for (size_t k = 0; k < n_params; ++k) {
            if (macro.params[k].name == name) {
                if (k < args.pos.size())
                    throw Error("macro '" + macro.text + "' got multiple values for argument '" + name + "'");
                scope->vars[name] = v;
                is_param = true;
            }
        }
        if (is_param)
            continue;
        if (name == "caller" && caller.is_undefined()) {
            scope->vars["caller"] = v;
            continue;
        }
        if (!uses_kwargs)
            throw Error("macro '" + macro.text + "' takes no keyword argument '" + name + "'");
        kwargs.set(name, v);
    }
    for (size_t k = 0; k < n_params; ++k) {
        const Param &p = macro.params[k];
        if (scope->vars.count(p.name))
            continue;
        scope->vars[p.name] = p.default_value
                                  ? eval(*p.default_value, scope)
                                  : Value::undefined("parameter '" + p.name + "' was not provided");
    }
    scope->vars["varargs"] = Value::make_tuple(std::move(varargs));
    scope->vars["kwargs"] = Value::make_dict(std::move(kwargs));
    if (!caller.is_undefined())
        scope->vars["caller"] = caller;
    return Value::string(capture(macro.body, scope));
}

Value Interp::run_caller(const Stmt &block, const ScopePtr &closure, CallArgs &args) {
    DepthGuard guard(this);
    auto scope = std::make_shared<Scope>();
    scope->parent = closure;
    for (size_t k = 0; k < block.params.size(); ++k) {
        const Param &p = block.params[k];
        const Value *v = args.get(k, p.name);
        scope->vars[p.name] = v ? *v : p.default_value ? eval(*p.default_value, scope) : Value::undefined();
    }
    return Value::string(capture(block.body, scope));
}

Value Interp::call(const Value &callee, CallArgs &args) {
    if (callee.kind == Kind::object && callee.obj->callable()) {
        DepthGuard guard(this);
        return callee.obj->call(*this, args);
    }
    if (callee.is_undefined())
        throw Error(callee.s ? *callee.s : "'Undefined' object is not callable");
    throw Error("'" + type_name(callee) + "' object is not callable");
}

void Interp::eval_args(const CallSyntax &call, const ScopePtr &scope, CallArgs *out) {
    for (const auto &a : call.pos)
        out->pos.push_back(eval(*a, scope));
    if (call.star_args) {
        Value extra = eval(*call.star_args, scope);
        for (auto &v : iterate(*this, extra))
            out->pos.push_back(std::move(v));
    }
    for (const auto &[k, a] : call.kw)
        out->kw.emplace_back(k, eval(*a, scope));
    if (call.star_kwargs) {
        Value extra = eval(*call.star_kwargs, scope);
        if (!extra.is_dict())
            throw Error("argument after ** must be a mapping, not " + type_name(extra));
        for (const auto &[k, v] : extra.mapping().items())
            out->kw.emplace_back(to_str(k), v);
    }
}

Value Interp::eval_call(const Expr &e, const ScopePtr &scope) {
    Value callee = eval(*e.args[0], scope);
    CallArgs args;
    eval_args(e.call, scope, &args);
    at(e);
    return call(callee, args);
}

Value Interp::eval_filter(const Expr &e, const ScopePtr &scope, const Value *operand_override) {
    DepthGuard guard(this);
    Value operand = e.args[0] ? eval_filter_operand(*e.args[0], scope, operand_override) : *operand_override;
    CallArgs args;
    eval_args(e.call, scope, &args);
    at(e);
    return apply_filter(e.name, operand, args);
}

Value Interp::eval_filter_operand(const Expr &e, const ScopePtr &scope, const Value *operand_override) {
    // In a filter block or `set … | f`, the chain's innermost operand is the rendered body.
    if (e.kind == ExprKind::filter && operand_override)
        return eval_filter(e, scope, operand_override);
    return eval(e, scope);
}

Value Interp::eval_compare(const Expr &e, const ScopePtr &scope) {
    Value left = eval(*e.args[0], scope);
    for (size_t k = 0; k < e.ops.size(); ++k) {
        Value right = eval(*e.args[k + 1], scope);
        at(e);
        const std::string &op = e.ops[k];
        bool r = false;
        if (op == "==")
            r = equals(left, right);
        else if (op == "!=")
            r = !equals(left, right);
        else if (op == "<")
            r = less_than(left, right);
        else if (op == ">")
            r = less_than(right, left);
        else if (op == "<=")
            r = less_than(left, right) || equals(left, right);
        else if (op == ">=")
            r = less_than(right, left) || equals(left, right);
        else if (op == "in")
            r = op_contains(right, left);
        else
            r = !op_contains(right, left);
        if (!r)
            return Value::boolean(false);
        left = std::move(right);
    }
    return Value::boolean(true);
}

Value Interp::eval(const Expr &e, const ScopePtr &scope) {
    charge_steps(1);
    at(e);
    switch (e.kind) {
        case ExprKind::constant:
            return e.value;
        case ExprKind::name: {
            const Value *v = scope->lookup(e.name);
            return v ? *v : Value::undefined("'" + e.name + "' is undefined");
        }
        case ExprKind::list:
        case ExprKind::tuple: {
            ValueList items;
            items.reserve(e.args.size());
            for (const auto &a : e.args)
                items.push_back(eval(*a, scope));
            return e.kind == ExprKind::list ? Value::make_list(std::move(items))
                                            : Value::make_tuple(std::move(items));
        }
        case ExprKind::dict: {
            Dict d;
            for (size_t k = 0; k + 1 < e.args.size(); k += 2) {
                Value key = eval(*e.args[k], scope);
                if (key.is_list() && !key.is_tuple)
                    throw Error("unhashable type: 'list'");
                if (key.is_dict())
                    throw Error("unhashable type: 'dict'");
                d.set(key, eval(*e.args[k + 1], scope));
            }
            return Value::make_dict(std::move(d));
        }
        case ExprKind::getattr: {
            Value obj = eval(*e.args[0], scope);
            at(e);
            return op_getattr(obj, e.name);
        }
        case ExprKind::getitem: {
            Value obj = eval(*e.args[0], scope);
            Value key = eval(*e.args[1], scope);
            at(e);
            return op_getitem(obj, key);
        }
        case ExprKind::slice: {
            Value obj = eval(*e.args[0], scope);
            Value parts[3];
            for (int k = 0; k < 3; ++k) {
                if (e.args[static_cast<size_t>(k) + 1])
                    parts[k] = eval(*e.args[static_cast<size_t>(k) + 1], scope);
                else
                    parts[k] = Value::none();
            }
            at(e);
            return op_slice(*this, obj, parts[0], parts[1], parts[2]);
        }
        case ExprKind::call:
            return eval_call(e, scope);
        case ExprKind::filter:
            return eval_filter(e, scope, nullptr);
        case ExprKind::test: {
            Value operand = eval(*e.args[0], scope);
            CallArgs args;
            eval_args(e.call, scope, &args);
            at(e);
            bool r = apply_test(e.name, operand, args);
            return Value::boolean(e.negated ? !r : r);
        }
        case ExprKind::not_:
            return Value::boolean(!truthy(eval(*e.args[0], scope)));
        case ExprKind::neg: {
            Value v = eval(*e.args[0], scope);
            at(e);
            return op_neg(v);
        }
        case ExprKind::pos: {
            Value v = eval(*e.args[0], scope);
            at(e);
            if (!v.is_number())
                throw Error("bad operand type for unary +: '" + type_name(v) + "'");
            return v.kind == Kind::boolean ? Value::integer(v.as_int()) : v;
        }
        case ExprKind::binary: {
            Value a = eval(*e.args[0], scope);
            Value b = eval(*e.args[1], scope);
            at(e);
            return op_binary(*this, e.name, a, b);
        }
        case ExprKind::concat: {
            std::string out;
            for (const auto &a : e.args) {
                Value v = eval(*a, scope);
                out += v.is_string() ? v.str() : to_str(v);
                charge_bytes(out.size());
            }
            return Value::string(std::move(out));
        }
        case ExprKind::compare:
            return eval_compare(e, scope);
        case ExprKind::and_: {
            Value a = eval(*e.args[0], scope);
            return truthy(a) ? eval(*e.args[1], scope) : a;
        }
        case ExprKind::or_: {
            Value a = eval(*e.args[0], scope);
            return truthy(a) ? a : eval(*e.args[1], scope);
        }
        case ExprKind::cond:
            if (truthy(eval(*e.args[1], scope)))
                return eval(*e.args[0], scope);
            return e.args[2] ? eval(*e.args[2], scope)
                             : Value::undefined("the condition was false and there is no else");
    }
    return Value::undefined();
}

}  // namespace nd::jinja
