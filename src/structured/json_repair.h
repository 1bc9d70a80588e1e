// Recovering a JSON value from text a model produced without constrained decoding.
//
// Models asked for JSON wrap it in code fences and prose, write JavaScript or Python instead of
// JSON (single quotes, unquoted keys, True/None, comments, trailing commas, NaN), forget to escape
// newlines and quotes inside strings, and get cut off by the token limit. `repair_json` finds the
// value in such text and rewrites it as strict JSON:
//
//   repair_json("Sure! ```json\n{name: 'Ann', tags: ['a', 'b',], ok: True}\n```")
//     -> {"name":"Ann","tags":["a","b"],"ok":true}
//
// Truncated output is closed: open strings, arrays and objects are ended, and a member whose
// value never started (a dangling key) or a literal cut in half ("tru") is dropped, so the result
// is the longest sensible prefix of the intended document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ruvllm::structured {

// One kind of change the repair made.
enum class JsonFix : std::uint8_t {
  kExtracted,          // the value was cut out of surrounding prose
  kCodeFence,          // ... from inside a ``` code fence
  kComment,            // // /* */ # comments removed
  kTrailingComma,      // [1, 2,] -> [1, 2]
  kMissingComma,       // [1 2] -> [1, 2]
  kMissingColon,       // {"a" 1} or {"a" = 1} -> {"a": 1}
  kSingleQuotes,       // 'text' -> "text"
  kUnquotedKey,        // {a: 1} -> {"a": 1}
  kUnquotedString,     // {a: hello} -> {"a": "hello"}
  kPythonLiteral,      // True False None undefined -> true false null null
  kNonFiniteNumber,    // NaN Infinity -> null
  kNumberFormat,       // +1 .5 1. 007 -> 1 0.5 1 7
  kControlCharacter,   // raw newline or tab inside a string escaped
  kInvalidEscape,      // "\x" -> "\\x"; lone surrogate escapes -> U+FFFD
  kUnescapedQuote,     // "say "hi" now" -> "say \"hi\" now"
  kUnclosedString,     // missing closing quote
  kUnclosedContainer,  // missing ] or }
  kMismatchedBracket,  // [1, 2} -> [1, 2]
  kDroppedIncomplete,  // dangling key, key without value, or partial literal dropped
  kInvalidUtf8,        // invalid UTF-8 replaced by U+FFFD
  kStrayCharacter,     // characters that fit nowhere skipped
};

std::string_view to_string(JsonFix fix);

struct JsonRepairResult {
  std::string json;                // strict, compact JSON text
  nlohmann::ordered_json value;    // the same, parsed (member order kept)
  std::vector<JsonFix> fixes;      // each kind once, in the order first met; empty: was valid JSON
  bool truncated = false;          // the text ended inside the value
  std::size_t begin = 0, end = 0;  // byte span of the input the value was read from

  bool has(JsonFix fix) const;
};

struct JsonRepairOptions {
  // Containers nested deeper than this make a candidate unusable (the parser recurses).
  std::size_t max_depth = 256;
  // How many '{' / '[' positions are tried as the start of the value.
  std::size_t max_candidates = 64;
};

// Finds the JSON object or array in `text` and returns it as strict JSON, or nullopt when the
// text holds nothing that can be read as one. Text that is a bare JSON scalar ("42", "\"x\"")
// is returned as is. Never throws for any input.
std::optional<JsonRepairResult> repair_json(std::string_view text,
                                            const JsonRepairOptions& options = {});

}  // namespace ruvllm::structured
