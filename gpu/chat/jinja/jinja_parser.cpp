// Parser, statements and blocks (see jinja_parser.h); expressions are in jinja_parser_expr.cpp.
#include "gpu/chat/jinja/jinja_parser.h"

#include "gpu/chat/jinja/jinja_parser_internal.h"

namespace nd::jinja {

Program Parser::run() {
    Program program;
    std::string end = parse_body(&program.body, {});
    if (!end.empty())
        fail_at(cur(), "unexpected '" + end + "'");
    return program;
}

void Parser::advance() {
    if (m_pos + 1 < m_tokens.size())
        ++m_pos;
}

[[noreturn]] void Parser::fail_at(const Token &t, const std::string &message) const {
    throw Error(message, t.line, t.col);
}

std::string Parser::describe(const Token &t) {
    switch (t.type) {
        case TokenType::eof:
            return "end of template";
        case TokenType::block_end:
            return "end of statement block";
        case TokenType::var_end:
            return "end of print statement";
        case TokenType::string:
            return "string";
        case TokenType::integer:
        case TokenType::floating:
            return "number";
        case TokenType::data:
            return "text";
        default:
            return "'" + t.text + "'";
    }
}

bool Parser::skip_op(const char *op) {
    if (!is_op(op))
        return false;
    advance();
    return true;
}

bool Parser::skip_name(const char *name) {
    if (!is_name(name))
        return false;
    advance();
    return true;
}

void Parser::expect_op(const char *op) {
    if (!skip_op(op))
        fail_at(cur(), std::string("expected '") + op + "', got " + describe(cur()));
}

std::string Parser::expect_name() {
    if (cur().type != TokenType::name)
        fail_at(cur(), "expected a name, got " + describe(cur()));
    std::string n = cur().text;
    advance();
    return n;
}

void Parser::expect_block_end() {
    if (cur().type != TokenType::block_end)
        fail_at(cur(), "expected end of statement block, got " + describe(cur()));
    advance();
}

ExprPtr Parser::node(ExprKind kind, const Token &at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->col = at.col;
    return e;
}

std::string Parser::parse_body(Body *body, std::initializer_list<const char *> ends) {
    DepthGuard guard(this);
    for (;;) {
        const Token &t = cur();
        if (t.type == TokenType::eof) {
            if (ends.size() != 0) {
                std::string want;
                for (const char *e : ends)
                    want += (want.empty() ? "'" : " or '") + std::string(e) + "'";
                fail_at(t, "unexpected end of template: expected " + want);
            }
            return "";
        }
        if (t.type == TokenType::data) {
            auto s = std::make_unique<Stmt>();
            s->kind = StmtKind::text;
            s->line = t.line;
            s->col = t.col;
            s->text = t.text;
            body->push_back(std::move(s));
            advance();
        } else if (t.type == TokenType::var_begin) {
            auto s = std::make_unique<Stmt>();
            s->kind = StmtKind::print;
            s->line = t.line;
            s->col = t.col;
            advance();
            s->expr = parse_tuple(true, {}, false);
            if (cur().type != TokenType::var_end)
                fail_at(cur(), "expected end of print statement, got " + describe(cur()));
            advance();
            body->push_back(std::move(s));
        } else if (t.type == TokenType::block_begin) {
            advance();
            const Token &name = cur();
            if (name.type != TokenType::name)
                fail_at(name, "expected a statement name, got " + describe(name));
            for (const char *e : ends) {
                if (name.text == e) {
                    advance();
                    return name.text;
                }
            }
            bool closes = name.text.rfind("end", 0) == 0 || name.text == "elif" || name.text == "else";
            if (closes) {
                if (ends.size() == 0)
                    fail_at(name, "unexpected '" + name.text + "'");
                std::string want;
                for (const char *e : ends)
                    want += (want.empty() ? "'" : " or '") + std::string(e) + "'";
                fail_at(name, "expected " + want + ", got '" + name.text + "'");
            }
            body->push_back(parse_statement());
        } else {
            fail_at(t, "unexpected " + describe(t));
        }
    }
}

StmtPtr Parser::make_stmt(StmtKind kind, const Token &at) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->line = at.line;
    s->col = at.col;
    return s;
}

StmtPtr Parser::parse_statement() {
    const Token tag = cur();
    const std::string &n = tag.text;
    advance();
    if (n == "if")
        return parse_if(tag);
    if (n == "for")
        return parse_for(tag);
    if (n == "set")
        return parse_set(tag);
    if (n == "macro")
        return parse_macro(tag);
    if (n == "call")
        return parse_call_block(tag);
    if (n == "filter")
        return parse_filter_block(tag);
    if (n == "break" || n == "continue") {
        auto s = make_stmt(n == "break" ? StmtKind::break_ : StmtKind::continue_, tag);
        expect_block_end();
        return s;
    }
    if (n == "generation") {
        auto s = make_stmt(StmtKind::scope, tag);
        expect_block_end();
        parse_body(&s->body, {"endgeneration"});
        expect_block_end();
        return s;
    }
    if (n == "include" || n == "extends" || n == "import" || n == "from" || n == "block") {
        fail_at(tag, "'" + n + "' is not supported: chat templates are rendered without a template loader");
    }
    fail_at(tag, "unknown tag '" + n + "'");
}

StmtPtr Parser::parse_if(const Token &tag) {
    DepthGuard guard(this);  // an elif is an if nested in the else branch
    auto s = make_stmt(StmtKind::if_, tag);
    s->expr = parse_tuple(false, {}, false);
    expect_block_end();
    std::string end = parse_body(&s->body, {"elif", "else", "endif"});
    if (end == "elif") {
        const Token elif_tag = m_tokens[m_pos - 1];
        s->else_body.push_back(parse_if(elif_tag));
        return s;
    }
    if (end == "else") {
        expect_block_end();
        parse_body(&s->else_body, {"endif"});
    }
    expect_block_end();
    return s;
}

void Parser::parse_targets(Stmt *s, bool allow_namespace) {
    bool paren = skip_op("(");
    if (allow_namespace && !paren && cur().type == TokenType::name && peek().type == TokenType::op &&
        peek().text == ".") {
        s->targets.push_back(expect_name());
        advance();
        s->text = expect_name();
        s->attr_target = true;
        return;
    }
    s->targets.push_back(expect_name());
    while (skip_op(",")) {
        s->tuple_target = true;
        if (cur().type != TokenType::name)
            break;
        s->targets.push_back(expect_name());
    }
    if (paren) {
        expect_op(")");
        s->tuple_target = true;
    }
}

StmtPtr Parser::parse_for(const Token &tag) {
    auto s = make_stmt(StmtKind::for_, tag);
    parse_targets(s.get(), false);
    if (!skip_name("in"))
        fail_at(cur(), "expected 'in' in for loop, got " + describe(cur()));
    s->expr = parse_tuple(false, {"recursive"}, false);
    if (skip_name("if"))
        s->filter = parse_expression(true);
    if (skip_name("recursive"))
        s->recursive = true;
    expect_block_end();
    std::string end = parse_body(&s->body, {"endfor", "else"});
    if (end == "else") {
        expect_block_end();
        parse_body(&s->else_body, {"endfor"});
    }
    expect_block_end();
    return s;
}

StmtPtr Parser::parse_set(const Token &tag) {
    auto s = make_stmt(StmtKind::set, tag);
    parse_targets(s.get(), true);
    if (skip_op("=")) {
        s->expr = parse_tuple(true, {}, false);
        expect_block_end();
        return s;
    }
    s->kind = StmtKind::set_block;
    if (is_op("|"))
        s->filter = parse_filter(nullptr, false);
    expect_block_end();
    parse_body(&s->body, {"endset"});
    expect_block_end();
    return s;
}

void Parser::parse_params(Stmt *s) {
    expect_op("(");
    while (!is_op(")")) {
        if (!s->params.empty())
            expect_op(",");
        if (is_op(")"))
            break;
        Param p;
        p.name = expect_name();
        if (skip_op("="))
            p.default_value = parse_expression(true);
        s->params.push_back(std::move(p));
    }
    expect_op(")");
}

StmtPtr Parser::parse_macro(const Token &tag) {
    auto s = make_stmt(StmtKind::macro, tag);
    s->text = expect_name();
    parse_params(s.get());
    expect_block_end();
    parse_body(&s->body, {"endmacro"});
    if (cur().type == TokenType::name && cur().text == s->text)
        advance();  // {% endmacro name %}
    expect_block_end();
    return s;
}

StmtPtr Parser::parse_call_block(const Token &tag) {
    auto s = make_stmt(StmtKind::call_block, tag);
    if (is_op("("))
        parse_params(s.get());
    s->expr = parse_expression(true);
    if (s->expr->kind != ExprKind::call)
        fail_at(tag, "expected a call expression in {% call %}");
    expect_block_end();
    parse_body(&s->body, {"endcall"});
    expect_block_end();
    return s;
}

StmtPtr Parser::parse_filter_block(const Token &tag) {
    auto s = make_stmt(StmtKind::filter_block, tag);
    s->expr = parse_filter(nullptr, true);
    expect_block_end();
    parse_body(&s->body, {"endfilter"});
    expect_block_end();
    return s;
}

Program parse_template(std::string_view source) {
    return Parser(lex_template(source)).run();
}

}  // namespace nd::jinja
