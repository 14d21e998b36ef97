#pragma once
// The tree-walking interpreter: renders a Program with a variables dict. Scoping follows Jinja2: `if`
// does not open a scope, each `for` iteration and each macro call does (lookups fall back to the
// enclosing scopes; a macro sees the scope it was defined in, live). Budgets (steps, output bytes,
// depth) end a render with BudgetError; the filters, tests and methods charge the interpreter for the
// work they do (string bytes built, items visited) so time and memory stay bounded.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "gpu/chat/chat_template.h"
#include "gpu/chat/jinja/jinja_ast.h"
#include "gpu/chat/jinja/jinja_value.h"

namespace nd::jinja {

struct Scope {
    std::shared_ptr<Scope> parent;
    std::unordered_map<std::string, Value> vars;

    const Value *lookup(const std::string &name) const;
};
using ScopePtr = std::shared_ptr<Scope>;

enum class Flow { normal = 1, break_loop, continue_loop };

// namespace(): the one mutable object (`{% set ns.attr = … %}`).
class Namespace : public Object {
public:
    std::string type_name() const override { return "Namespace"; }
    bool get_attr(std::string_view name, Value *out) const override;
    bool set_attr(std::string_view name, const Value &value) override;
    std::string repr() const override;
    void clear() { m_attrs = Dict(); }

private:
    Dict m_attrs;
    mutable bool m_in_repr = false;
};

class Interp {
public:
    explicit Interp(const ChatRenderOptions &options);

    // Renders `program` with the top-level variables `vars`. Throws Error (with line/col when known).
    std::string render(const Program &program, const Dict &vars);

    // Budget accounting for the built-ins.
    void charge_steps(uint64_t n);
    void charge_bytes(size_t n);             // a string of n bytes is being built
    void check_string_size(size_t n) const;  // a single string may not exceed the output budget
    size_t output_budget() const { return static_cast<size_t>(m_options.max_output_bytes); }
    int64_t now_unix_s() const { return m_options.now_unix_s; }

    // Calls anything callable (macros, built-ins, bound methods, caller()).
    Value call(const Value &callee, CallArgs &args);
    // Renders a macro body (used by the Macro object).
    Value run_macro(const Stmt &macro, const ScopePtr &closure, CallArgs &args, const Value &caller);
    // Renders a call block's body as caller() (used by the Caller object).
    Value run_caller(const Stmt &block, const ScopePtr &closure, CallArgs &args);

    // Namespaces created by this render: emptied when it ends so reference cycles cannot leak.
    void track_namespace(const std::shared_ptr<Namespace> &ns);

    // Filters and tests; defined in jinja_filters.cpp and jinja_tests.cpp.
    Value apply_filter(const std::string &name, const Value &operand, CallArgs &args);
    bool apply_test(const std::string &name, const Value &operand, CallArgs &args);

private:
    ChatRenderOptions m_options;
    uint64_t m_steps = 0;
    int m_depth = 0;
    std::string *m_out = nullptr;
    std::vector<std::weak_ptr<Namespace>> m_namespaces;
    std::vector<ScopePtr> m_macro_scopes;  // scopes macros were defined in: kept alive for the render
    int m_line = 0;                        // where the interpreter is, for errors without their own position
    int m_col = 0;

    Flow exec_body(const Body &body, const ScopePtr &scope);
    Flow exec(const Stmt &stmt, const ScopePtr &scope);
    Flow exec_for(const Stmt &stmt, const ScopePtr &scope);
    void exec_set(const Stmt &stmt, const ScopePtr &scope, Value value);
    std::string capture(const Body &body, const ScopePtr &scope);
    void write(std::string_view text);

    Value eval(const Expr &e, const ScopePtr &scope);
    Value eval_call(const Expr &e, const ScopePtr &scope);
    void eval_args(const CallSyntax &call, const ScopePtr &scope, CallArgs *out);
    Value eval_filter(const Expr &e, const ScopePtr &scope, const Value *operand_override);
    Value eval_filter_operand(const Expr &e, const ScopePtr &scope, const Value *operand_override);
    void release();
    Value eval_compare(const Expr &e, const ScopePtr &scope);
    void at(const Expr &e) {
        m_line = e.line;
        m_col = e.col;
    }

    struct DepthGuard {
        Interp *in;
        explicit DepthGuard(Interp *interp);
        ~DepthGuard() { --in->m_depth; }
    };
    friend struct DepthGuard;
};

// Operators and access (jinja_ops.cpp).
Value op_binary(Interp &in, const std::string &op, const Value &a, const Value &b);
Value op_neg(const Value &a);
bool op_contains(const Value &container, const Value &item);  // `item in container`
Value op_getattr(const Value &obj, const std::string &name);
Value op_getitem(const Value &obj, const Value &key);
Value op_slice(Interp &in, const Value &obj, const Value &start, const Value &stop, const Value &step);
// The elements a for loop or a filter iterates: list items, dict keys, string characters; undefined and
// none-like values: Error unless iterable (undefined iterates as empty).
ValueList iterate(Interp &in, const Value &v);

// Attributes of built-in types that are methods (jinja_methods.cpp): a bound method, or false.
bool builtin_method(const Value &obj, const std::string &name, Value *out);
// markupsafe's escape: & < > " ' as entities.
std::string html_escape(const std::string &s);
// Calls a method of a str/dict/list by name (filters reuse them: trim is strip, …).
Value call_method(Interp &in, const Value &self, const std::string &name, CallArgs &args);
// Whether a filter or test of that name exists (unknown names outside `if` fail at parse time, as in
// Jinja2; inside `if` and conditional expressions only when evaluated).
bool filter_exists(const std::string &name);
bool test_exists(const std::string &name);
// Global functions (jinja_globals.cpp): range, namespace, dict, raise_exception, strftime_now, …
void add_globals(Dict *globals);
// str.format and printf-style % (jinja_format.cpp).
std::string py_format(Interp &in, const std::string &fmt, const CallArgs &args);
std::string py_percent_format(Interp &in, const std::string &fmt, const Value &args);

}  // namespace nd::jinja
