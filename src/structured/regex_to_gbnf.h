// ECMAScript regular expressions (the JSON Schema "pattern" dialect) as GBNF over JSON text.
//
// The regex describes a decoded string value; the grammar matches that value's JSON encoding
// between the quotes (a literal `"` in the regex is `\"` in the grammar, a newline is `\n`).
// Supported: literals, escapes (\d \w \s \D \W \S \t \n \r \v \f \0 \xHH \uHHHH \u{...} \cX and
// identity escapes), `.`, classes with ranges and negation, groups ((...), (?:...),
// (?<name>...)), alternation, quantifiers * + ? {m} {m,} {m,n} (lazy forms match the same set),
// and ^ / $ anchors at the ends of top-level alternatives. JSON Schema patterns are unanchored:
// an alternative without ^ may be preceded by any text, without $ followed by any text.
// Lookarounds, backreferences, word boundaries and Unicode property escapes are not supported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "structured/utf8_ranges.h"

namespace ruvllm::structured {

struct RegexGbnf {
  std::string expression;  // GBNF for the JSON string contents (no quotes)
  bool exact = true;       // false when large repetition counts were relaxed to unbounded
};

// Converts `pattern`. `any_char_rule` names a GBNF rule matching one JSON string character (used
// for unanchored ends). Returns nullopt with `why` set when the pattern uses unsupported syntax.
std::optional<RegexGbnf> regex_to_gbnf(const std::string& pattern, const std::string& any_char_rule,
                                       std::string* why = nullptr);

// GBNF matching the JSON encoding of one character from a set of code points (ranges).
std::string json_char_set_gbnf(const std::vector<CodePointRange>& ranges);

}  // namespace ruvllm::structured
