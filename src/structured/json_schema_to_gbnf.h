// JSON Schema (Draft 7 core, with 2019-09/2020-12 spellings) to GBNF.
//
// The grammar accepts exactly the JSON texts the converter can decide are valid, spelled as
// compact JSON or, with flexible whitespace, with up to `max_whitespace` blanks between tokens
// (Python's ", " and ": " separators fit). Keywords that a context-free grammar cannot enforce
// (uniqueItems, not, if/then/else, multipleOf, dependencies, minProperties...) are listed in
// `unenforced`: the output must be checked by the schema validator afterwards. The grammar never
// rejects a valid instance because of such a keyword; it may accept some invalid ones.
//
// Objects: with at most `max_tracked_required` listed properties (under "properties" or
// "required") they come in any order, each at most once, the required ones always (the grammar
// tracks the set written so far). With more, either they come in the order the schema lists
// them, each at most once (`ordered_large_objects`, for generation, where one order suffices:
// the server and `ruvllm generate` set it),
// or in any order with only the required ones tracked (at most `max_tracked_required` of them,
// else "required" is unenforced) and optional keys free to repeat. When additionalProperties is
// absent or true, other keys are allowed (any key except the listed ones, whose values must
// follow their own schemas; after the listed ones when those are ordered).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "structured/grammar.h"

namespace ruvllm::structured {

struct JsonSchemaGrammarOptions {
  enum class Whitespace { kCompact, kFlexible };
  Whitespace whitespace = Whitespace::kCompact;
  // Flexible: most blanks (space, tab, newline, return) between two tokens.
  int max_whitespace = 4;
  // Throw UnsupportedError instead of listing unenforced keywords.
  bool strict = false;
  int max_tracked_required = 6;
  // Objects with more listed properties than max_tracked_required: schema order, no repeats.
  bool ordered_large_objects = false;
  // Longest minLength/maxLength/minItems/maxItems counted exactly; larger bounds are relaxed.
  int max_counted_repeat = 64;
};

struct SchemaGrammar {
  std::string gbnf;                     // rules, root rule "root"
  std::vector<std::string> unenforced;  // "keyword at /json/pointer"
};

// Converts `schema`. Throws FormatError for malformed schemas (bad types, unresolvable $ref)
// and, in strict mode, UnsupportedError for unenforceable keywords.
SchemaGrammar json_schema_to_gbnf(const nlohmann::ordered_json& schema,
                                  const JsonSchemaGrammarOptions& options = {});

// The grammar of `schema` lowered straight from the converter's rules, without writing the GBNF
// text and reading it back (most of the cost of compiling a schema was that round trip): the
// same Grammar as parse_gbnf(json_schema_to_gbnf(schema, options).gbnf). Throws as
// json_schema_to_gbnf does.
struct JsonSchemaGrammar {
  Grammar grammar;
  std::vector<std::string> unenforced;  // as SchemaGrammar::unenforced
};
JsonSchemaGrammar json_schema_to_grammar(const nlohmann::ordered_json& schema,
                                         const JsonSchemaGrammarOptions& options = {});

// GBNF for any JSON value (the plain "JSON mode"); `object_only` restricts the root to objects.
SchemaGrammar any_json_gbnf(bool object_only, const JsonSchemaGrammarOptions& options = {});
// The same as a Grammar, as json_schema_to_grammar builds it.
JsonSchemaGrammar any_json_grammar(bool object_only, const JsonSchemaGrammarOptions& options = {});

}  // namespace ruvllm::structured
