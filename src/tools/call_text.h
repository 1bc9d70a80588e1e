// Helpers the call formats share for writing calls and reading them back from model text.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/tool_format.h"
#include "tools/tool_types.h"

namespace ruvllm::tools::detail {

// A JSON value read from text.
struct JsonSpan {
  nlohmann::ordered_json value;
  size_t begin = 0, end = 0;  // byte span in the text searched
};

// The first JSON object or array at or after `pos` (repaired when malformed or cut off).
std::optional<JsonSpan> read_json(std::string_view text, size_t pos = 0);

// A call to `name` with `arguments` (an object, or JSON text of one); nullopt when the
// arguments are not an object even after repair.
std::optional<ToolCall> make_call(const std::string& name, const nlohmann::ordered_json& arguments);

// Reads a {"name": ..., "arguments"|"parameters": ...} object into a call.
std::optional<ToolCall> call_from_object(const nlohmann::ordered_json& object,
                                         const char* name_key = "name");

// The arguments of `call` as an object (an empty object when they do not parse).
nlohmann::ordered_json arguments_object(const ToolCall& call);

std::string_view trim(std::string_view text);

// Appends text to content, separating pieces by nothing (model text is kept verbatim).
void add_content(ParsedOutput& out, std::string_view text);

// For formats whose templates print arguments as text: tool_calls[].function.arguments becomes
// JSON text (Python spelling) when it is an object.
nlohmann::ordered_json arguments_as_strings(nlohmann::ordered_json messages);

// The name alternatives of a call grammar: one GBNF alternative per tool, `before + name +
// between + args + after`.
std::string call_alternatives(const CallGrammarInput& input, const std::string& before,
                              const std::string& between, const std::string& after);

}  // namespace ruvllm::tools::detail
