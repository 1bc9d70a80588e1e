// Grammars of tool calls: each tool's argument schema as GBNF rules of its own, for the call
// formats to wrap in their syntax (`<tool_call>{"name": "f", "arguments": ARGS}</tool_call>`...).
//
// Every tool's JSON Schema is converted by the structured module's converter and its rules are
// renamed with a per-tool prefix ("t3-"), so the schemas of all tools live in one grammar
// without clashing. Arguments are always JSON objects; a schema without a type is read as an
// object schema, and objects that list their properties without saying whether others are
// allowed take only those (additionalProperties false), and numbers have at most 15 digits
// before and after the point (what a double holds). Whitespace is flexible (one blank between tokens), so both compact JSON and
// Python's ", "/": " spelling (the one chat templates show the model) are accepted.
#pragma once

#include <string>
#include <vector>

#include "structured/gbnf_ast.h"
#include "tools/tool_types.h"

namespace ruvllm::tools {

struct ToolArgumentRules {
  std::string rules;                    // GBNF rules (without a root rule)
  std::vector<std::string> rule_names;  // per tool: the rule matching its arguments object
  std::vector<std::string> unenforced;  // schema keywords checked only after generation
};

// Throws FormatError for a malformed schema (naming the tool) and, for `strict` tools,
// UnsupportedError when a keyword cannot be enforced by a grammar.
ToolArgumentRules tool_argument_rules(const std::vector<FunctionTool>& tools);

// GBNF text of parsed rules (the inverse of structured::parse_gbnf_rules, up to spacing).
std::string print_gbnf_rules(const std::vector<structured::GbnfRule>& rules);

// A GBNF literal for `text` (quoted and escaped).
std::string gbnf_quote(const std::string& text);

// `first` then up to `max_more` repetitions of `more`, as a GBNF expression.
std::string gbnf_repeat(const std::string& first, const std::string& more, size_t max_more);

}  // namespace ruvllm::tools
