// Parser, expressions: Jinja2's grammar (parser.py) level by level, from the conditional expression down
// to primaries, postfix access, calls, filters and tests.
#include "gpu/chat/jinja/jinja_parser_internal.h"

namespace nd::jinja {

ExprPtr Parser::parse_tuple(bool with_condexpr, std::initializer_list<const char *> extra_end,
                            bool explicit_parens) {
    const Token start = cur();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    for (;;) {
        if (!items.empty())
            expect_op(",");
        if (is_tuple_end(extra_end))
            break;
        items.push_back(parse_expression(with_condexpr));
        if (is_op(",")) {
            is_tuple = true;
        } else {
            break;
        }
    }
    if (!is_tuple) {
        if (!items.empty())
            return std::move(items[0]);
        if (!explicit_parens)
            fail_at(cur(), "expected an expression, got " + describe(cur()));
    }
    auto e = node(ExprKind::tuple, start);
    e->args = std::move(items);
    return e;
}

bool Parser::is_tuple_end(std::initializer_list<const char *> extra_end) const {
    auto t = cur().type;
    if (t == TokenType::var_end || t == TokenType::block_end || t == TokenType::eof)
        return true;
    if (t == TokenType::op && cur().text == ")")
        return true;
    for (const char *e : extra_end) {
        if (cur().type == TokenType::name && cur().text == e)
            return true;
    }
    return false;
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
    DepthGuard guard(this);
    return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
    ExprPtr expr = parse_or();
    ChainGuard chain(this);
    while (is_name("if")) {
        chain.link();
        const Token at = cur();
        advance();
        auto e = node(ExprKind::cond, at);
        ExprPtr cond = parse_or();
        ExprPtr other;
        if (skip_name("else"))
            other = parse_condexpr();
        e->args.push_back(std::move(expr));
        e->args.push_back(std::move(cond));
        e->args.push_back(std::move(other));
        expr = std::move(e);
    }
    return expr;
}

ExprPtr Parser::parse_or() {
    ExprPtr left = parse_and();
    ChainGuard chain(this);
    while (is_name("or")) {
        chain.link();
        auto e = node(ExprKind::or_, cur());
        advance();
        e->args.push_back(std::move(left));
        e->args.push_back(parse_and());
        left = std::move(e);
    }
    return left;
}

ExprPtr Parser::parse_and() {
    ExprPtr left = parse_not();
    ChainGuard chain(this);
    while (is_name("and")) {
        chain.link();
        auto e = node(ExprKind::and_, cur());
        advance();
        e->args.push_back(std::move(left));
        e->args.push_back(parse_not());
        left = std::move(e);
    }
    return left;
}

ExprPtr Parser::parse_not() {
    if (is_name("not")) {
        DepthGuard guard(this);
        auto e = node(ExprKind::not_, cur());
        advance();
        e->args.push_back(parse_not());
        return e;
    }
    return parse_compare();
}

ExprPtr Parser::parse_compare() {
    const Token start = cur();
    ExprPtr first = parse_math1();
    std::vector<ExprPtr> operands;
    std::vector<std::string> ops;
    for (;;) {
        if (cur().type == TokenType::op && (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
                                            cur().text == "<=" || cur().text == ">" || cur().text == ">=")) {
            ops.push_back(cur().text);
            advance();
        } else if (is_name("in")) {
            ops.push_back("in");
            advance();
        } else if (is_name("not") && peek().type == TokenType::name && peek().text == "in") {
            ops.push_back("not in");
            advance();
            advance();
        } else {
            break;
        }
        operands.push_back(parse_math1());
    }
    if (ops.empty())
        return first;
    auto e = node(ExprKind::compare, start);
    e->args.push_back(std::move(first));
    for (auto &o : operands)
        e->args.push_back(std::move(o));
    e->ops = std::move(ops);
    return e;
}

ExprPtr Parser::binary(const Token &at, const std::string &op, ExprPtr left, ExprPtr right) {
    auto e = node(ExprKind::binary, at);
    e->name = op;
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
    return e;
}

ExprPtr Parser::parse_math1() {
    ExprPtr left = parse_concat();
    ChainGuard chain(this);
    while (is_op("+") || is_op("-")) {
        chain.link();
        const Token at = cur();
        advance();
        left = binary(at, at.text, std::move(left), parse_concat());
    }
    return left;
}

ExprPtr Parser::parse_concat() {
    const Token start = cur();
    ExprPtr first = parse_math2();
    if (!is_op("~"))
        return first;
    auto e = node(ExprKind::concat, start);
    e->args.push_back(std::move(first));
    while (skip_op("~"))
        e->args.push_back(parse_math2());
    return e;
}

ExprPtr Parser::parse_math2() {
    ExprPtr left = parse_pow();
    ChainGuard chain(this);
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
        chain.link();
        const Token at = cur();
        advance();
        left = binary(at, at.text, std::move(left), parse_pow());
    }
    return left;
}

ExprPtr Parser::parse_pow() {
    ExprPtr left = parse_unary(true);
    ChainGuard chain(this);
    while (is_op("**")) {
        chain.link();
        const Token at = cur();
        advance();
        left = binary(at, "**", std::move(left), parse_unary(true));
    }
    return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
    DepthGuard guard(this);
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
        auto u = node(is_op("-") ? ExprKind::neg : ExprKind::pos, cur());
        advance();
        u->args.push_back(parse_unary(false));
        e = std::move(u);
    } else {
        e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter)
        e = parse_filter_expr(std::move(e));
    return e;
}

ExprPtr Parser::parse_primary() {
    DepthGuard guard(this);
    const Token t = cur();
    switch (t.type) {
        case TokenType::name: {
            advance();
            auto e = node(ExprKind::constant, t);
            if (t.text == "true" || t.text == "True") {
                e->value = Value::boolean(true);
            } else if (t.text == "false" || t.text == "False") {
                e->value = Value::boolean(false);
            } else if (t.text == "none" || t.text == "None") {
                e->value = Value::none();
            } else {
                e->kind = ExprKind::name;
                e->name = t.text;
            }
            return e;
        }
        case TokenType::string: {
            std::string s;
            while (cur().type == TokenType::string) {
                s += cur().text;
                advance();
            }
            auto e = node(ExprKind::constant, t);
            e->value = Value::string(std::move(s));
            return e;
        }
        case TokenType::integer: {
            advance();
            auto e = node(ExprKind::constant, t);
            e->value = Value::integer(t.int_value);
            return e;
        }
        case TokenType::floating: {
            advance();
            auto e = node(ExprKind::constant, t);
            e->value = Value::floating(t.float_value);
            return e;
        }
        case TokenType::op:
            if (t.text == "(") {
                advance();
                ExprPtr e = parse_tuple(true, {}, true);
                expect_op(")");
                return e;
            }
            if (t.text == "[")
                return parse_list();
            if (t.text == "{")
                return parse_dict();
            break;
        default:
            break;
    }
    fail_at(t, "unexpected " + describe(t));
}

ExprPtr Parser::parse_list() {
    auto e = node(ExprKind::list, cur());
    expect_op("[");
    while (!is_op("]")) {
        if (!e->args.empty())
            expect_op(",");
        if (is_op("]"))
            break;
        e->args.push_back(parse_expression(true));
    }
    expect_op("]");
    return e;
}

ExprPtr Parser::parse_dict() {
    auto e = node(ExprKind::dict, cur());
    expect_op("{");
    while (!is_op("}")) {
        if (!e->args.empty())
            expect_op(",");
        if (is_op("}"))
            break;
        e->args.push_back(parse_expression(true));
        expect_op(":");
        e->args.push_back(parse_expression(true));
    }
    expect_op("}");
    return e;
}

ExprPtr Parser::parse_postfix(ExprPtr e) {
    ChainGuard chain(this);
    for (;;) {
        chain.link();
        if (is_op(".") || is_op("[")) {
            e = parse_subscript(std::move(e));
        } else if (is_op("(")) {
            e = parse_call(std::move(e));
        } else {
            return e;
        }
    }
}

ExprPtr Parser::parse_filter_expr(ExprPtr e) {
    ChainGuard chain(this);
    for (;;) {
        chain.link();
        if (is_op("|")) {
            e = parse_filter(std::move(e), false);
        } else if (is_name("is")) {
            e = parse_test(std::move(e));
        } else if (is_op("(")) {
            e = parse_call(std::move(e));
        } else {
            return e;
        }
    }
}

ExprPtr Parser::parse_subscript(ExprPtr obj) {
    DepthGuard guard(this);
    const Token at = cur();
    if (skip_op(".")) {
        const Token attr = cur();
        if (attr.type == TokenType::name) {
            advance();
            auto e = node(ExprKind::getattr, at);
            e->name = attr.text;
            e->args.push_back(std::move(obj));
            return e;
        }
        if (attr.type == TokenType::integer) {
            advance();
            auto e = node(ExprKind::getitem, at);
            auto idx = node(ExprKind::constant, attr);
            idx->value = Value::integer(attr.int_value);
            e->args.push_back(std::move(obj));
            e->args.push_back(std::move(idx));
            return e;
        }
        fail_at(attr, "expected an attribute name, got " + describe(attr));
    }
    expect_op("[");
    std::vector<ExprPtr> items;
    while (!is_op("]")) {
        if (!items.empty())
            expect_op(",");
        items.push_back(parse_subscribed(obj));
        if (!obj)
            return finish_slice(std::move(items.back()));
    }
    expect_op("]");
    if (items.empty())
        fail_at(at, "expected a subscript");
    auto e = node(ExprKind::getitem, at);
    e->args.push_back(std::move(obj));
    if (items.size() == 1) {
        e->args.push_back(std::move(items[0]));
    } else {
        auto tup = node(ExprKind::tuple, at);
        tup->args = std::move(items);
        e->args.push_back(std::move(tup));
    }
    return e;
}

ExprPtr Parser::finish_slice(ExprPtr slice) {
    expect_op("]");
    return slice;
}

ExprPtr Parser::parse_subscribed(ExprPtr &obj) {
    const Token at = cur();
    ExprPtr start;
    if (!is_op(":")) {
        start = parse_expression(true);
        if (!is_op(":"))
            return start;
    }
    advance();  // ':'
    auto e = node(ExprKind::slice, at);
    ExprPtr stop, step;
    if (!is_op("]") && !is_op(",") && !is_op(":"))
        stop = parse_expression(true);
    if (skip_op(":")) {
        if (!is_op("]") && !is_op(","))
            step = parse_expression(true);
    }
    e->args.push_back(std::move(obj));
    e->args.push_back(std::move(start));
    e->args.push_back(std::move(stop));
    e->args.push_back(std::move(step));
    return e;
}

void Parser::parse_call_args(CallSyntax *call) {
    expect_op("(");
    bool need_comma = false;
    while (!is_op(")")) {
        if (need_comma) {
            expect_op(",");
            if (is_op(")"))
                break;
        }
        if (skip_op("*")) {
            call->star_args = parse_expression(true);
        } else if (skip_op("**")) {
            call->star_kwargs = parse_expression(true);
        } else if (cur().type == TokenType::name && peek().type == TokenType::op && peek().text == "=") {
            std::string key = cur().text;
            advance();
            advance();
            call->kw.emplace_back(std::move(key), parse_expression(true));
        } else {
            call->pos.push_back(parse_expression(true));
        }
        need_comma = true;
    }
    expect_op(")");
}

ExprPtr Parser::parse_call(ExprPtr callee) {
    DepthGuard guard(this);
    auto e = node(ExprKind::call, cur());
    e->args.push_back(std::move(callee));
    parse_call_args(&e->call);
    return e;
}

std::string Parser::dotted_name() {
    std::string n = expect_name();
    while (skip_op("."))
        n += "." + expect_name();
    return n;
}

ExprPtr Parser::parse_filter(ExprPtr operand, bool start_inline) {
    ChainGuard chain(this);
    while (is_op("|") || start_inline) {
        chain.link();
        DepthGuard guard(this);
        if (!start_inline)
            advance();
        start_inline = false;
        auto e = node(ExprKind::filter, cur());
        e->name = dotted_name();
        if (is_op("("))
            parse_call_args(&e->call);
        e->args.push_back(std::move(operand));
        operand = std::move(e);
    }
    return operand;
}

ExprPtr Parser::parse_test(ExprPtr operand) {
    DepthGuard guard(this);
    const Token at = cur();
    advance();  // 'is'
    auto e = node(ExprKind::test, at);
    e->negated = skip_name("not");
    e->name = dotted_name();
    auto t = cur().type;
    if (is_op("(")) {
        parse_call_args(&e->call);
    } else if ((t == TokenType::name || t == TokenType::string || t == TokenType::integer ||
                t == TokenType::floating || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
        if (is_name("is"))
            fail_at(cur(), "you cannot chain multiple tests with is");
        ExprPtr arg = parse_primary();
        e->call.pos.push_back(parse_postfix(std::move(arg)));
    }
    e->args.push_back(std::move(operand));
    return e;
}

}  // namespace nd::jinja
