#pragma once
// The parsed template: expression and statement nodes. Every node keeps its line and column for error
// messages. The tree is immutable after parsing; rendering only reads it.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gpu/chat/jinja/jinja_value.h"

namespace nd::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind : uint8_t {
    constant = 1,
    name,
    list,
    tuple,
    dict,     // args: key, value, key, value, …
    getattr,  // args[0].name
    getitem,  // args[0][args[1]]
    slice,    // args[0][args[1]:args[2]:args[3]] (null parts allowed)
    call,     // args[0](call)
    filter,   // args[0] | name(call); args[0] null inside a filter block
    test,     // args[0] is [not] name(call)
    not_,
    neg,
    pos,
    binary,   // args[0] name args[1]; name: + - * / // % **
    concat,   // args[0] ~ args[1] ~ …
    compare,  // args[0] ops[0] args[1] ops[1] args[2] …
    and_,
    or_,
    cond,  // args[0] if args[1] else args[2] (args[2] may be null)
};

struct CallSyntax {
    std::vector<ExprPtr> pos;
    std::vector<std::pair<std::string, ExprPtr>> kw;
    ExprPtr star_args;    // *args
    ExprPtr star_kwargs;  // **kwargs
};

struct Expr {
    ExprKind kind = ExprKind::constant;
    int line = 0;
    int col = 0;
    Value value;       // constant
    std::string name;  // name, attribute, filter/test name, binary operator
    bool negated = false;
    std::vector<ExprPtr> args;
    std::vector<std::string> ops;  // compare: "==", "!=", "<", "<=", ">", ">=", "in", "not in"
    CallSyntax call;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class StmtKind : uint8_t {
    text = 1,
    print,
    if_,           // expr, body, else_body (an elif is an if in else_body)
    for_,          // targets in expr [if filter] body [else else_body]
    set,           // targets (or ns_name.attr) = expr
    set_block,     // targets = rendered body (| filter)
    macro,         // name(params) body
    call_block,    // {% call(params) expr %} body
    filter_block,  // expr (a filter chain on a null operand) applied to the rendered body
    break_,
    continue_,
    scope,  // a body rendered in place ({% generation %})
};

struct Param {
    std::string name;
    ExprPtr default_value;  // null: required
};

struct Stmt {
    StmtKind kind = StmtKind::text;
    int line = 0;
    int col = 0;
    std::string text;  // text; macro name; set: namespace attribute when attr_target
    ExprPtr expr;
    ExprPtr filter;  // for: the loop filter; set_block: the filter chain
    std::vector<std::string> targets;
    bool tuple_target = false;
    bool attr_target = false;  // set ns.attr: targets[0] is the namespace, text the attribute
    bool recursive = false;
    std::vector<Param> params;
    Body body;
    Body else_body;
};

struct Program {
    Body body;
};

}  // namespace nd::jinja
