// The generic format, for chat templates that know nothing of tools: the tools are described in
// the system prompt, calls are one JSON object {"tool_calls": [{"name": "f", "arguments": {...}}]},
// and the conversation's calls and tool results are shown as ordinary assistant and user text
// (such templates render neither tool_calls nor the tool role).
#include "tools/call_text.h"
#include "tools/formats.h"
#include "tools/python_json.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools::detail {

namespace {

constexpr std::string_view kTrigger = "{\"tool_calls\"";

class GenericSyntax final : public ToolSyntax {
 public:
  ToolFormat format() const override { return ToolFormat::kGeneric; }

  nlohmann::ordered_json adapt_messages(nlohmann::ordered_json messages) const override {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    bool last_converted = false;
    for (nlohmann::ordered_json& message : messages) {
      const std::string role = message.value("role", "");
      const auto& content = message["content"];
      std::string text = content.is_string() ? content.get<std::string>() : "";
      bool converted = false;
      if (role == "assistant" && message.contains("tool_calls")) {
        std::vector<ToolCall> calls;
        for (const auto& c : message["tool_calls"]) {
          const auto& args = c["function"]["arguments"];
          calls.push_back({"", c["function"].value("name", ""),
                           args.is_string() ? args.get<std::string>() : args.dump()});
        }
        if (!text.empty()) text += "\n";
        message = {{"role", "assistant"}, {"content", text + write_calls(calls)}};
        converted = true;
      } else if (role == "tool") {
        nlohmann::ordered_json response = {{"tool_call_id", message.value("tool_call_id", "")}};
        if (message.contains("name")) response["name"] = message["name"];
        response["content"] = text;
        message = {{"role", "user"}, {"content", python_json_dumps({{"tool_response", response}})}};
        converted = true;
      }
      // Templates that want alternating roles get one user turn for consecutive results.
      if ((converted || last_converted) && !out.empty() && out.back()["role"] == message["role"]) {
        out.back()["content"] =
            out.back()["content"].get<std::string>() + "\n" + message["content"].get<std::string>();
      } else {
        out.push_back(std::move(message));
      }
      last_converted = converted;
    }
    return out;
  }

  std::string write_calls(const std::vector<ToolCall>& calls) const override {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const ToolCall& call : calls)
      list.push_back({{"name", call.name}, {"arguments", arguments_object(call)}});
    return python_json_dumps({{"tool_calls", list}});
  }

  CallMarkers call_markers() const override { return {"{\"name\": \"", "\", \"arguments\": "}; }

  std::vector<std::string> triggers() const override { return {std::string(kTrigger)}; }

  std::string after_trigger_gbnf(size_t, const CallGrammarInput& input) const override {
    const std::string call = call_alternatives(input, "{\"name\": \"", "\", \"arguments\": ", "}");
    return "root ::= \": [\" " + gbnf_repeat(call, "\", \" " + call, input.max_calls - 1) +
           " \"]}\"\n";
  }

  ParsedOutput parse(std::string_view text) const override {
    ParsedOutput out;
    const size_t at = text.find(kTrigger);
    auto json = at == std::string_view::npos ? std::nullopt : read_json(text, at);
    if (!json || !json->value.is_object() || !json->value.contains("tool_calls") ||
        !json->value["tool_calls"].is_array()) {
      out.content = std::string(text);
      return out;
    }
    for (const auto& item : json->value["tool_calls"])
      if (auto call = call_from_object(item)) out.calls.push_back(std::move(*call));
    out.content =
        std::string(trim(std::string(text.substr(0, at)) + std::string(text.substr(json->end))));
    return out;
  }
};

}  // namespace

std::unique_ptr<ToolSyntax> make_generic_syntax() {
  return std::make_unique<GenericSyntax>();
}

}  // namespace ruvllm::tools::detail
