// JSON Schema (Draft 7 core, with 2019-09/2020-12 spellings) to GBNF.
//
// The grammar accepts exactly the JSON texts the converter can decide are valid, spelled as
// compact JSON or, with flexible whitespace, with up to `max_whitespace` blanks between tokens
// (Python's ", " and ": " separators fit). Keywords that a context-free grammar cannot enforce
// (uniqueItems, not, if/then/else, multipleOf, dependencies, minProperties...) are listed in
// `unenforced`: the output must be checked by the schema validator afterwards. The grammar never
// rejects a valid instance because of such a keyword; it may accept some invalid ones.
//
// Objects: properties may come in any order. Required properties are tracked exactly when there
// are at most `max_tracked_required` of them (else "required" is unenforced). When
// additionalProperties is absent or true, other keys are allowed (any key except the listed
// ones, whose values must follow their own schemas).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ruvllm::structured {

struct JsonSchemaGrammarOptions {
  enum class Whitespace { kCompact, kFlexible };
  Whitespace whitespace = Whitespace::kCompact;
  // Flexible: most blanks (space, tab, newline, return) between two tokens.
  int max_whitespace = 4;
  // Throw UnsupportedError instead of listing unenforced keywords.
  bool strict = false;
  int max_tracked_required = 6;
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

// GBNF for any JSON value (the plain "JSON mode"); `object_only` restricts the root to objects.
SchemaGrammar any_json_gbnf(bool object_only, const JsonSchemaGrammarOptions& options = {});

}  // namespace ruvllm::structured
