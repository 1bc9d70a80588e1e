// Lowering GBNF syntax trees to the byte-level `Grammar`.
//
// Literals become one byte set per UTF-8 byte; character classes become one byte set when they
// are pure ASCII, else a helper rule with one alternative per UTF-8 byte-range sequence; groups
// and repetitions become helper rules (x* as a right-recursive rule, x{m,n} as m copies then
// nested optionals). Identical helper rules are shared, which keeps the matcher's per-position
// token mask cache small.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "structured/gbnf_ast.h"
#include "structured/grammar.h"

namespace ruvllm::structured {

// Builds the grammar of `rules` rooted at the rule named `root`. Throws FormatError for a
// missing root, references to undefined rules, duplicate rules and left recursion.
Grammar build_grammar(const std::vector<GbnfRule>& rules, std::string_view root);

// The same for rules given as (name, GBNF body text) pairs, as "name ::= body" lines would be
// (bodies on one line): each body is read and lowered in one pass, without syntax trees, so a
// generator that holds its rules this way (the JSON Schema converter) skips the text round trip.
// Errors are FormatError as above; syntax errors count lines and columns within the body.
Grammar build_grammar(const std::vector<std::pair<std::string, std::string>>& rules,
                      std::string_view root);

}  // namespace ruvllm::structured
