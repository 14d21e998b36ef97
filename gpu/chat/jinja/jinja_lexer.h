#pragma once
// The template lexer: text and tags, with Jinja2's whitespace control exactly as Hugging Face configures
// it (trim_blocks and lstrip_blocks on): `{%-`/`-%}` strip all whitespace on that side, `{%+`/`+%}` turn
// lstrip/trim off for that tag, trim_blocks drops the first newline after a block or comment tag,
// lstrip_blocks drops spaces/tabs before a block or comment tag at the start of a line. Newlines are
// normalised to "\n" and one trailing newline of the source is dropped (keep_trailing_newline off).
// Comments disappear; `{% raw %}…{% endraw %}` becomes text.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nd::jinja {

enum class TokenType : uint8_t {
    data = 1,
    var_begin,
    var_end,
    block_begin,
    block_end,
    name,
    string,
    integer,
    floating,
    op,  // text holds the operator: "+", "//", "(", "|", …
    eof,
};

struct Token {
    TokenType type = TokenType::eof;
    std::string text;  // data text, name, unescaped string, operator
    int64_t int_value = 0;
    double float_value = 0;
    int line = 1;
    int col = 1;
};

// Throws Error("line:col: message") on malformed input (unterminated tag/comment/string, bad character).
std::vector<Token> lex_template(std::string_view source);

}  // namespace nd::jinja
