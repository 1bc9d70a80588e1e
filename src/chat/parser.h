// Parser for Jinja2 templates: tokens (lexer.h) to a syntax tree (ast.h).
//
// Follows Jinja2's grammar and operator precedence: conditional expressions, or, and, not,
// comparisons, + -, ~, * / // %, **, unary - +, then postfix access, calls, filters and tests.
// Statements: if/elif/else, for (with else, inline if filter, recursive), set (expression or
// block, namespace attributes, tuple targets), macro, call, filter, with, block, generation,
// break and continue. Errors are TemplateSyntaxError with the line number.
#pragma once

#include <string_view>

#include "chat/ast.h"

namespace ruvllm::chat {

ast::Body parse_template(std::string_view source);

}  // namespace ruvllm::chat
