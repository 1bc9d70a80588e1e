// Command-R / Command-R+ (tool_use template): the answer opens with "Action:" and a JSON list of
// {"tool_name": "f", "parameters": {...}} objects in a ```json fence. The special tool
// "directly-answer" means "no call". The template prints every parameter's description and
// tests membership in `required`, so tools get empty descriptions and lists where missing.
#include "tools/call_text.h"
#include "tools/formats.h"
#include "tools/python_json.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools::detail {

namespace {

constexpr std::string_view kAction = "Action:";
const std::string kCallOpen = "    {\n        \"tool_name\": \"";
const std::string kCallMid = "\",\n        \"parameters\": ";
const std::string kCallClose = "\n    }";

class CommandRSyntax final : public ToolSyntax {
 public:
  ToolFormat format() const override { return ToolFormat::kCommandR; }

  nlohmann::ordered_json adapt_messages(nlohmann::ordered_json messages) const override {
    for (nlohmann::ordered_json& message : messages)
      if (message.contains("tool_calls") && !message["content"].is_string())
        message["content"] = "";
    return messages;
  }

  nlohmann::ordered_json adapt_tools(nlohmann::ordered_json tools) const override {
    for (nlohmann::ordered_json& tool : tools) {
      nlohmann::ordered_json& fn = tool["function"];
      if (!fn.contains("description")) fn["description"] = "";
      nlohmann::ordered_json& params = fn["parameters"];
      if (!params.is_object()) params = nlohmann::ordered_json::object();
      if (!params.contains("properties")) params["properties"] = nlohmann::ordered_json::object();
      if (!params.contains("required")) params["required"] = nlohmann::ordered_json::array();
      for (auto& [name, prop] : params["properties"].items())
        if (prop.is_object() && !prop.contains("description")) prop["description"] = "";
    }
    return tools;
  }

  std::string write_calls(const std::vector<ToolCall>& calls) const override {
    std::string out = std::string(kAction) + "\n```json\n[\n";
    for (size_t i = 0; i < calls.size(); ++i) {
      if (i) out += ",\n";
      out += kCallOpen + calls[i].name + kCallMid + python_json_dumps(arguments_object(calls[i])) +
             kCallClose;
    }
    return out + "\n]```";
  }

  CallMarkers call_markers() const override { return {"\"tool_name\": \"", kCallMid}; }

  std::vector<std::string> triggers() const override { return {std::string(kAction)}; }

  std::string after_trigger_gbnf(size_t, const CallGrammarInput& input) const override {
    const std::string call = call_alternatives(input, kCallOpen, kCallMid, kCallClose);
    return "root ::= \"\\n```json\\n[\\n\" " +
           gbnf_repeat(call, "\",\\n\" " + call, input.max_calls - 1) + " \"\\n]```\"\n";
  }

  ParsedOutput parse(std::string_view text) const override {
    ParsedOutput out;
    const size_t at = text.find(kAction);
    auto json = at == std::string_view::npos ? std::nullopt : read_json(text, at + kAction.size());
    if (!json) {
      out.content = std::string(text);
      return out;
    }
    nlohmann::ordered_json list =
        json->value.is_array() ? json->value : nlohmann::ordered_json::array({json->value});
    for (const auto& item : list) {
      auto call = call_from_object(item, "tool_name");
      if (call && call->name != "directly-answer" && call->name != "directly_answer")
        out.calls.push_back(std::move(*call));
    }
    size_t end = json->end;
    if (text.substr(end, 3) == "```") end += 3;
    out.content = std::string(trim(text.substr(0, at))) + std::string(text.substr(end));
    return out;
  }
};

}  // namespace

std::unique_ptr<ToolSyntax> make_command_r_syntax() {
  return std::make_unique<CommandRSyntax>();
}

}  // namespace ruvllm::tools::detail
