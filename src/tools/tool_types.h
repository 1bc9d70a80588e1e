// The vocabulary of function calling: tools a model may call, the calls it makes, and how the
// client lets it choose (OpenAI's `tools`, `tool_calls` and `tool_choice`).
//
// These are the tools module's own types, independent of the HTTP layer: the server translates
// its parsed request into them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ruvllm::tools {

// A function the model may call (OpenAI `tools[i]` of type "function").
struct FunctionTool {
  std::string name;
  std::string description;
  nlohmann::ordered_json parameters = nlohmann::ordered_json::object();  // JSON Schema
  bool strict = false;
};

// One call: `arguments` is JSON text (an object), as OpenAI's API carries it.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;

  bool operator==(const ToolCall&) const = default;
};

// Whether and which tools the model must call.
struct ToolChoice {
  enum class Mode { kAuto, kNone, kRequired, kNamed };
  Mode mode = Mode::kAuto;
  std::string name;  // kNamed only
};

// A model's answer split into its parts.
struct ParsedOutput {
  std::string content;    // text meant for the user
  std::string reasoning;  // thinking text of reasoning models (DeepSeek-R1 <think>), kept apart
  std::vector<ToolCall> calls;
};

// OpenAI's `tools` array for `tools` (null when empty), as chat templates receive it.
nlohmann::ordered_json openai_tools_json(const std::vector<FunctionTool>& tools);

// A fresh call id in OpenAI's style ("call_" and 24 random letters and digits).
std::string new_tool_call_id();

}  // namespace ruvllm::tools
