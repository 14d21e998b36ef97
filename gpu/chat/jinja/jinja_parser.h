#pragma once
// Parser: tokens to a Program, with Jinja2's grammar and operator precedence (parser.py): conditional
// expression < or < and < not < comparisons/in < + - < ~ < * / // % < ** < unary - + < postfix
// (. [] ()) and filters/tests. Nesting is bounded (kMaxNesting) so hostile input cannot exhaust the stack.
#include <string_view>

#include "gpu/chat/jinja/jinja_ast.h"

namespace nd::jinja {

inline constexpr int kMaxNesting = 200;

// Throws Error with line and column ("expected 'endfor', got 'endif'").
Program parse_template(std::string_view source);

}  // namespace nd::jinja
