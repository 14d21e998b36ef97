#pragma once
// The parser's class, shared by its two halves: jinja_parser.cpp (statements and blocks) and
// jinja_parser_expr.cpp (expressions, Jinja2's precedence levels). Internal to gpu/chat/jinja.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "gpu/chat/jinja/jinja_lexer.h"
#include "gpu/chat/jinja/jinja_parser.h"

namespace nd::jinja {

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

    Program run();

private:
    std::vector<Token> m_tokens;
    size_t m_pos = 0;
    int m_depth = 0;

    struct DepthGuard {
        Parser *p;
        explicit DepthGuard(Parser *parser) : p(parser) {
            if (++p->m_depth > kMaxNesting)
                p->fail_at(p->cur(),
                           "template nesting is deeper than the limit of " + std::to_string(kMaxNesting));
        }
        ~DepthGuard() { --p->m_depth; }
    };

    // Left-deep chains (a + b + c …, x|f|g, a.b.c) deepen the tree without recursing in the parser:
    // each link counts as one level of nesting, so evaluating and freeing the tree stays shallow.
    struct ChainGuard {
        Parser *p;
        int links = 0;
        explicit ChainGuard(Parser *parser) : p(parser) {}
        void link() {
            ++links;
            if (++p->m_depth > kMaxNesting) {
                p->fail_at(p->cur(),
                           "template nesting is deeper than the limit of " + std::to_string(kMaxNesting));
            }
        }
        ~ChainGuard() { p->m_depth -= links; }
    };

    const Token &cur() const { return m_tokens[m_pos]; }
    const Token &peek(size_t n = 1) const { return m_tokens[std::min(m_pos + n, m_tokens.size() - 1)]; }
    void advance();

    [[noreturn]] void fail_at(const Token &t, const std::string &message) const;

    static std::string describe(const Token &t);

    bool is_op(const char *op) const { return cur().type == TokenType::op && cur().text == op; }
    bool is_name(const char *name) const { return cur().type == TokenType::name && cur().text == name; }
    bool skip_op(const char *op);
    bool skip_name(const char *name);
    void expect_op(const char *op);
    std::string expect_name();
    void expect_block_end();

    ExprPtr node(ExprKind kind, const Token &at);

    // ---- statements ----

    // Parses statements until a block tag whose name is in `ends` (returned; the position is after the
    // name) or the end of the template ("" returned).
    std::string parse_body(Body *body, std::initializer_list<const char *> ends);

    StmtPtr make_stmt(StmtKind kind, const Token &at);

    StmtPtr parse_statement();

    StmtPtr parse_if(const Token &tag);

    void parse_targets(Stmt *s, bool allow_namespace);

    StmtPtr parse_for(const Token &tag);

    StmtPtr parse_set(const Token &tag);

    void parse_params(Stmt *s);

    StmtPtr parse_macro(const Token &tag);

    StmtPtr parse_call_block(const Token &tag);

    StmtPtr parse_filter_block(const Token &tag);

    // ---- expressions ----

    bool is_tuple_end(std::initializer_list<const char *> extra_end) const;

    ExprPtr parse_tuple(bool with_condexpr, std::initializer_list<const char *> extra_end,
                        bool explicit_parens);

    ExprPtr parse_expression(bool with_condexpr);

    ExprPtr parse_condexpr();

    ExprPtr parse_or();

    ExprPtr parse_and();

    ExprPtr parse_not();

    ExprPtr parse_compare();

    ExprPtr binary(const Token &at, const std::string &op, ExprPtr left, ExprPtr right);

    ExprPtr parse_math1();

    ExprPtr parse_concat();

    ExprPtr parse_math2();

    ExprPtr parse_pow();

    ExprPtr parse_unary(bool with_filter);

    ExprPtr parse_primary();

    ExprPtr parse_list();

    ExprPtr parse_dict();

    ExprPtr parse_postfix(ExprPtr e);

    ExprPtr parse_filter_expr(ExprPtr e);

    ExprPtr parse_subscript(ExprPtr obj);

    // A slice node takes over the object it slices (obj becomes null, the slice is returned whole).
    ExprPtr finish_slice(ExprPtr slice);

    ExprPtr parse_subscribed(ExprPtr &obj);

    void parse_call_args(CallSyntax *call);

    ExprPtr parse_call(ExprPtr callee);

    std::string dotted_name();

    ExprPtr parse_filter(ExprPtr operand, bool start_inline);

    ExprPtr parse_test(ExprPtr operand);
};

}  // namespace nd::jinja
