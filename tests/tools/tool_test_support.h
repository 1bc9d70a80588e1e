// Shared pieces of the tools tests: golden chat templates, example tools and calls, and a
// byte-level vocabulary for checking grammars on text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "structured/token_vocabulary.h"
#include "support/golden.h"
#include "tools/tool_types.h"

namespace ruvllm::tools::test {

// The template of golden chat file `name` (e.g. "Qwen-Qwen2.5-7B-Instruct.json").
inline std::unique_ptr<chat::ChatTemplate> golden_template(const std::string& name,
                                                           nlohmann::ordered_json* file = nullptr) {
  const auto json =
      nlohmann::ordered_json::parse(ruvllm::test::read_file(ruvllm::test::golden("chat/" + name)));
  if (file) *file = json;
  return std::make_unique<chat::ChatTemplate>(json["template"].get<std::string>(), "<s>", "</s>");
}

inline std::vector<FunctionTool> example_tools() {
  FunctionTool weather{"get_weather", "Get current weather for a location",
                       nlohmann::ordered_json::parse(R"({"type": "object", "properties": {
                         "location": {"type": "string", "description": "City name"},
                         "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                         "required": ["location"], "additionalProperties": false})")};
  FunctionTool search{"search_web", "Search the web",
                      nlohmann::ordered_json::parse(R"({"type": "object", "properties": {
                        "query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1}},
                        "required": ["query"]})")};
  return {weather, search};
}

inline std::vector<ToolCall> example_calls() {
  return {{"call_1", "get_weather", R"({"location":"San Francisco","unit":"celsius"})"},
          {"call_2", "search_web", R"({"query":"latest \"AI\" news >>> </tool_call>","limit":3})"}};
}

// OpenAI-shaped messages: a user question and an assistant turn making `calls`.
inline nlohmann::ordered_json conversation_with_calls(const std::vector<ToolCall>& calls) {
  nlohmann::ordered_json tool_calls = nlohmann::ordered_json::array();
  for (const ToolCall& c : calls)
    tool_calls.push_back(
        {{"id", c.id},
         {"type", "function"},
         {"function",
          {{"name", c.name}, {"arguments", nlohmann::ordered_json::parse(c.arguments)}}}});
  return nlohmann::ordered_json::array(
      {{{"role", "user"}, {"content", "What's the weather in SF and the latest AI news?"}},
       {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", tool_calls}}});
}

// A vocabulary of the 256 single bytes plus one end-of-generation token (id 256).
inline std::shared_ptr<const structured::TokenVocabulary> byte_vocabulary() {
  std::vector<std::string> bytes;
  std::vector<bool> special;
  for (int b = 0; b < 256; ++b) {
    bytes.emplace_back(1, char(b));
    special.push_back(false);
  }
  bytes.emplace_back("</s>");
  special.push_back(true);
  return std::make_shared<structured::TokenVocabulary>(bytes, special, std::vector<int32_t>{256});
}

// Calls equal up to ids and argument spelling.
inline bool same_calls(const std::vector<ToolCall>& a, const std::vector<ToolCall>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name ||
        nlohmann::json::parse(a[i].arguments) != nlohmann::json::parse(b[i].arguments))
      return false;
  return true;
}

}  // namespace ruvllm::tools::test
