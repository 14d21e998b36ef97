// Template lexer (see jinja_lexer.h for the whitespace rules it reproduces).
#include "gpu/chat/jinja/jinja_lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "gpu/chat/jinja/jinja_unicode.h"
#include "gpu/chat/jinja/jinja_value.h"

namespace nd::jinja {
namespace {

bool is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Python's str.isspace over a whole (non-empty) UTF-8 range.
bool all_space(std::string_view text) {
    if (text.empty())
        return false;
    for (size_t pos = 0; pos < text.size();) {
        if (!py_isspace(utf8_next(text, &pos)))
            return false;
    }
    return true;
}

// Python's str.rstrip(): trailing Unicode whitespace.
std::string_view rstrip_py(std::string_view text) {
    size_t end = text.size();
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
            --start;
        size_t pos = start;
        if (!py_isspace(utf8_next(text, &pos)) || pos != end)
            break;
        end = start;
    }
    return text.substr(0, end);
}

std::string normalise_newlines(std::string_view source) {
    std::string out;
    out.reserve(source.size());
    for (size_t k = 0; k < source.size(); ++k) {
        if (source[k] == '\r') {
            out += '\n';
            if (k + 1 < source.size() && source[k + 1] == '\n')
                ++k;
        } else {
            out += source[k];
        }
    }
    if (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

// Python's unicode-escape decoding of a string literal's body (what Jinja2's lexer does).
std::string unescape(std::string_view body) {
    std::string out;
    out.reserve(body.size());
    for (size_t k = 0; k < body.size(); ++k) {
        char c = body[k];
        if (c != '\\' || k + 1 >= body.size()) {
            out += c;
            continue;
        }
        char e = body[++k];
        auto hex = [&](int n) -> bool {
            if (k + static_cast<size_t>(n) >= body.size())
                return false;
            uint32_t v = 0;
            for (int d = 1; d <= n; ++d) {
                char h = body[k + static_cast<size_t>(d)];
                int x = (h >= '0' && h <= '9')   ? h - '0'
                        : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                        : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                 : -1;
                if (x < 0)
                    return false;
                v = v * 16 + static_cast<uint32_t>(x);
            }
            if (v > 0x10FFFF)
                return false;
            utf8_append(&out, v);
            k += static_cast<size_t>(n);
            return true;
        };
        switch (e) {
            case '\n':
                break;  // line continuation
            case '\\':
                out += '\\';
                break;
            case '\'':
                out += '\'';
                break;
            case '"':
                out += '"';
                break;
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'v':
                out += '\v';
                break;
            case 'x':
                if (!hex(2))
                    throw Error("invalid \\x escape in a string literal");
                break;
            case 'u':
                if (!hex(4))
                    throw Error("invalid \\u escape in a string literal");
                break;
            case 'U':
                if (!hex(8))
                    throw Error("invalid \\U escape in a string literal");
                break;
            default:
                if (e >= '0' && e <= '7') {
                    uint32_t v = static_cast<uint32_t>(e - '0');
                    for (int d = 0; d < 2 && k + 1 < body.size() && body[k + 1] >= '0' && body[k + 1] <= '7';
                         ++d) {
                        v = v * 8 + static_cast<uint32_t>(body[++k] - '0');
                    }
                    utf8_append(&out, v);
                } else {
                    out += '\\';
                    out += e;
                }
        }
    }
    return out;
}

class Lexer {
public:
    explicit Lexer(std::string_view source) : m_src(normalise_newlines(source)) {}

    std::vector<Token> run() {
        size_t pos = 0;
        while (pos < m_src.size()) {
            size_t tag = find_tag(pos);
            std::string_view text(m_src.data() + pos, (tag == std::string::npos ? m_src.size() : tag) - pos);
            if (tag == std::string::npos) {
                emit_data(text, pos);
                break;
            }
            char kind = m_src[tag + 1];  // '{', '%' or '#'
            char sign = tag + 2 < m_src.size() ? m_src[tag + 2] : '\0';
            bool has_sign = sign == '-' || sign == '+';
            bool line_starting = pos == 0 || m_src[pos - 1] == '\n';
            if (sign == '-') {
                text = rstrip_py(text);
            } else if (sign != '+' && kind != '{') {
                size_t l_pos = text.rfind('\n');
                l_pos = l_pos == std::string_view::npos ? 0 : l_pos + 1;
                if ((l_pos > 0 || line_starting) && all_space(text.substr(l_pos)))
                    text = text.substr(0, l_pos);
            }
            emit_data(text, pos);
            size_t after = tag + 2 + (has_sign ? 1 : 0);
            if (kind == '#') {
                pos = skip_comment(tag, after);
            } else if (kind == '%' && is_raw_begin(after)) {
                pos = lex_raw(tag, after);
            } else {
                pos = lex_tag(tag, after, kind == '%');
            }
        }
        Token eof;
        eof.type = TokenType::eof;
        position(m_src.size(), &eof.line, &eof.col);
        m_tokens.push_back(std::move(eof));
        return std::move(m_tokens);
    }

private:
    std::string m_src;
    std::vector<Token> m_tokens;
    size_t m_line_pos = 0;  // incremental line/column bookkeeping
    int m_line = 1;

    size_t m_line_start = 0;

    // Line and column of `at`; positions are asked for in increasing order (restarts otherwise).
    void position(size_t at, int *line, int *col) {
        if (at < m_line_pos) {
            m_line_pos = 0;
            m_line = 1;
            m_line_start = 0;
        }
        for (; m_line_pos < at; ++m_line_pos) {
            if (m_src[m_line_pos] == '\n') {
                ++m_line;
                m_line_start = m_line_pos + 1;
            }
        }
        *line = m_line;
        *col = static_cast<int>(at - m_line_start) + 1;
    }

    [[noreturn]] void fail(size_t at, const std::string &message) {
        int line = 0, col = 0;
        position(at, &line, &col);
        throw Error(message, line, col);
    }

    size_t find_tag(size_t from) const {
        for (size_t k = m_src.find('{', from); k != std::string::npos; k = m_src.find('{', k + 1)) {
            if (k + 1 < m_src.size() && (m_src[k + 1] == '{' || m_src[k + 1] == '%' || m_src[k + 1] == '#')) {
                return k;
            }
        }
        return std::string::npos;
    }

    void emit_data(std::string_view text, size_t at) {
        if (text.empty())
            return;
        Token t;
        t.type = TokenType::data;
        t.text = std::string(text);
        position(at, &t.line, &t.col);
        m_tokens.push_back(std::move(t));
    }

    void emit(TokenType type, std::string text, size_t at) {
        Token t;
        t.type = type;
        t.text = std::move(text);
        position(at, &t.line, &t.col);
        m_tokens.push_back(std::move(t));
    }

    // Past a closing "%}"/"#}"/"}}" at `at` (the sign, if any, already at `at`): returns the next position.
    size_t close_tag(size_t at, size_t marker_len, bool trim_newline) {
        char sign = m_src[at];
        size_t pos = at + marker_len + ((sign == '-' || sign == '+') ? 1 : 0);
        if (sign == '-') {
            while (pos < m_src.size() && is_ws(m_src[pos]))
                ++pos;
        } else if (sign != '+' && trim_newline && pos < m_src.size() && m_src[pos] == '\n') {
            ++pos;
        }
        return pos;
    }

    size_t skip_comment(size_t tag, size_t from) {
        size_t end = m_src.find("#}", from);
        if (end == std::string::npos)
            fail(tag, "missing end of comment tag");
        size_t at = (end > from && (m_src[end - 1] == '-' || m_src[end - 1] == '+')) ? end - 1 : end;
        return close_tag(at, 2, true);
    }

    bool is_raw_begin(size_t from) const {
        size_t p = from;
        while (p < m_src.size() && is_ws(m_src[p]))
            ++p;
        if (m_src.compare(p, 3, "raw") != 0)
            return false;
        p += 3;
        if (p < m_src.size() && (std::isalnum(static_cast<unsigned char>(m_src[p])) || m_src[p] == '_'))
            return false;
        while (p < m_src.size() && is_ws(m_src[p]))
            ++p;
        return m_src.compare(p, 2, "%}") == 0 || m_src.compare(p, 3, "-%}") == 0;
    }

    size_t lex_raw(size_t tag, size_t from) {
        size_t p = m_src.find("%}", from);
        size_t body = (m_src[p - 1] == '-') ? close_tag(p - 1, 2, false) : p + 2;  // no trim_blocks here
        for (size_t k = m_src.find("{%", body); k != std::string::npos; k = m_src.find("{%", k + 1)) {
            size_t q = k + 2;
            char sign = q < m_src.size() ? m_src[q] : '\0';
            if (sign == '-' || sign == '+')
                ++q;
            while (q < m_src.size() && is_ws(m_src[q]))
                ++q;
            if (m_src.compare(q, 6, "endraw") != 0)
                continue;
            q += 6;
            while (q < m_src.size() && is_ws(m_src[q]))
                ++q;
            size_t at = q;
            if (q < m_src.size() && (m_src[q] == '-' || m_src[q] == '+'))
                ++q;
            if (m_src.compare(q, 2, "%}") != 0)
                continue;
            std::string_view text(m_src.data() + body, k - body);
            if (sign == '-') {
                text = rstrip_py(text);
            } else if (sign != '+') {
                size_t l_pos = text.rfind('\n');
                l_pos = l_pos == std::string_view::npos ? 0 : l_pos + 1;
                if (l_pos > 0 && all_space(text.substr(l_pos)))
                    text = text.substr(0, l_pos);
            }
            emit_data(text, body);
            return close_tag(at, 2, true);
        }
        fail(tag, "missing end of raw directive");
    }

    size_t lex_tag(size_t tag, size_t pos, bool block) {
        emit(block ? TokenType::block_begin : TokenType::var_begin, "", tag);
        int balance = 0;
        const char *end_marker = block ? "%}" : "}}";
        for (;;) {
            while (pos < m_src.size() && is_ws(m_src[pos]))
                ++pos;
            if (pos >= m_src.size())
                fail(tag, block ? "unexpected end of template: missing '%}'"
                                : "unexpected end of template: missing '}}'");
            if (balance == 0) {
                bool signed_end =
                    (m_src[pos] == '-' || m_src[pos] == '+') && m_src.compare(pos + 1, 2, end_marker) == 0;
                if (signed_end || m_src.compare(pos, 2, end_marker) == 0) {
                    if (m_src[pos] == '+' && !block) {
                        // "+}}" is not an end marker for variables: '+' is the operator
                    } else {
                        emit(block ? TokenType::block_end : TokenType::var_end, "", pos);
                        return close_tag(pos, 2, block);
                    }
                }
            }
            pos = lex_one(pos, &balance);
        }
    }

    size_t lex_one(size_t pos, int *balance) {
        char c = m_src[pos];
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t end = pos;
            while (end < m_src.size() &&
                   (std::isalnum(static_cast<unsigned char>(m_src[end])) || m_src[end] == '_'))
                ++end;
            emit(TokenType::name, m_src.substr(pos, end - pos), pos);
            return end;
        }
        if (std::isdigit(static_cast<unsigned char>(c)))
            return lex_number(pos);
        if (c == '\'' || c == '"') {
            size_t k = pos + 1;
            while (k < m_src.size() && m_src[k] != c)
                k += (m_src[k] == '\\') ? 2 : 1;
            if (k >= m_src.size())
                fail(pos, "unexpected end of string literal");
            std::string value;
            try {
                value = unescape(std::string_view(m_src).substr(pos + 1, k - pos - 1));
            } catch (const Error &e) {
                fail(pos, e.what());
            }
            emit(TokenType::string, std::move(value), pos);
            return k + 1;
        }
        static const char *const kOps[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "*",
                                           "/",  "%",  "~",  "(",  ")",  "[",  "]", "{", "}",
                                           ",",  ".",  ":",  "|",  "=",  "<",  ">", ";"};
        for (const char *op : kOps) {
            size_t n = std::char_traits<char>::length(op);
            if (m_src.compare(pos, n, op) == 0) {
                if (n == 1) {
                    if (c == '(' || c == '[' || c == '{')
                        ++*balance;
                    if (c == ')' || c == ']' || c == '}') {
                        if (*balance == 0)
                            fail(pos, std::string("unexpected '") + c + "'");
                        --*balance;
                    }
                }
                emit(TokenType::op, op, pos);
                return pos + n;
            }
        }
        fail(pos, std::string("unexpected character '") + c + "'");
    }

    size_t lex_number(size_t pos) {
        size_t k = pos;
        std::string digits;
        auto take_digits = [&]() {
            while (k < m_src.size() && (std::isdigit(static_cast<unsigned char>(m_src[k])) ||
                                        (m_src[k] == '_' && k + 1 < m_src.size() &&
                                         std::isdigit(static_cast<unsigned char>(m_src[k + 1]))))) {
                if (m_src[k] != '_')
                    digits += m_src[k];
                ++k;
            }
        };
        take_digits();
        bool is_float = false;
        if (k + 1 < m_src.size() && m_src[k] == '.' &&
            std::isdigit(static_cast<unsigned char>(m_src[k + 1]))) {
            is_float = true;
            digits += m_src[k++];
            take_digits();
        }
        if (k < m_src.size() && (m_src[k] == 'e' || m_src[k] == 'E')) {
            size_t e = k + 1;
            if (e < m_src.size() && (m_src[e] == '+' || m_src[e] == '-'))
                ++e;
            if (e < m_src.size() && std::isdigit(static_cast<unsigned char>(m_src[e]))) {
                is_float = true;
                digits += 'e';
                digits.append(m_src, k + 1, e - k - 1);
                k = e;
                take_digits();
            }
        }
        Token t;
        position(pos, &t.line, &t.col);
        t.text = digits;
        if (is_float) {
            t.type = TokenType::floating;
            t.float_value = std::strtod(digits.c_str(), nullptr);
        } else {
            t.type = TokenType::integer;
            errno = 0;
            char *end = nullptr;
            long long v = std::strtoll(digits.c_str(), &end, 10);
            if (errno == ERANGE)
                fail(pos, "integer literal " + digits + " is too large");
            t.int_value = v;
        }
        m_tokens.push_back(std::move(t));
        return k;
    }
};

}  // namespace

std::vector<Token> lex_template(std::string_view source) {
    return Lexer(source).run();
}

}  // namespace nd::jinja
