// Writing GBNF source text: quoting literals and character classes, and JSON string encoding.
//
// Generators (JSON Schema, regular expressions) build grammars as GBNF text, which keeps them
// readable and debuggable; these helpers produce the exact spelling the GBNF parser reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "structured/utf8_ranges.h"

namespace ruvllm::structured {

// A GBNF string literal matching `utf8` exactly, e.g. gbnf_literal("a\"b") == "\"a\\\"b\"".
std::string gbnf_literal(const std::string& utf8);

// A GBNF character class matching one code point in `ranges` (or outside them when negated).
std::string gbnf_char_class(const std::vector<CodePointRange>& ranges, bool negated = false);

// The JSON encoding of a string's contents, without the quotes, as Python's
// json.dumps(ensure_ascii=False) writes it: \" \\ \n \r \t \b \f and \u00XX for other controls,
// everything else raw.
std::string json_escape_contents(const std::string& utf8);

}  // namespace ruvllm::structured
