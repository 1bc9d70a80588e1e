// Parser for llama.cpp's GBNF grammar notation.
//
//   root  ::= object            # rules end at a newline unless inside ( ) or after |
//   name  ::= "lit\n" [a-z0-9_] [^"\\] . ( x | y )* z+ w? v{2} v{2,} v{2,5}
//
// Literals accept \n \r \t \\ \" \[ \] \xHH \uHHHH \UHHHHHHHH escapes; character classes accept
// ranges, negation with ^ and the same escapes; `.` is any code point. Errors are FormatError
// with the line and column of the problem.
#pragma once

#include <string_view>
#include <vector>

#include "structured/gbnf_ast.h"
#include "structured/grammar.h"

namespace ruvllm::structured {

// Parses GBNF text into rules (syntax only; references are not resolved here).
std::vector<GbnfRule> parse_gbnf_rules(std::string_view text);

// Parses GBNF text and lowers it to a byte-level grammar rooted at `root`. Throws FormatError on
// syntax errors, undefined or missing rules and left recursion.
Grammar parse_gbnf(std::string_view text, std::string_view root = "root");

}  // namespace ruvllm::structured
