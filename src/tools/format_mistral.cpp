// Mistral (v0.3, Nemo, Small): [TOOL_CALLS][{"name": "f", "arguments": {...}, "id": "a1b2c3d4e"}]
// with every call of a turn in one JSON array. Mistral templates require call ids of exactly
// nine letters and digits, so OpenAI ids are mapped to such ids consistently across a
// conversation (calls and the tool messages answering them).
#include <map>

#include "tools/call_text.h"
#include "tools/formats.h"
#include "tools/python_json.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools::detail {

namespace {

constexpr std::string_view kTrigger = "[TOOL_CALLS]";

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

class MistralSyntax final : public ToolSyntax {
 public:
  ToolFormat format() const override { return ToolFormat::kMistral; }

  nlohmann::ordered_json adapt_messages(nlohmann::ordered_json messages) const override {
    std::map<std::string, std::string> ids;
    const auto nine = [&](const std::string& id) {
      auto it = ids.find(id);
      if (it != ids.end()) return it->second;
      std::string alnum;
      for (char c : id)
        if (is_alnum(c)) alnum += c;
      std::string short_id = alnum.size() >= 9 ? alnum.substr(alnum.size() - 9) : "";
      for (const auto& [k, v] : ids)
        if (v == short_id) short_id.clear();
      if (short_id.empty()) {
        const std::string n = std::to_string(ids.size());
        short_id = std::string(9 - n.size(), '0') + n;
      }
      ids.emplace(id, short_id);
      return short_id;
    };
    for (nlohmann::ordered_json& message : messages) {
      if (auto calls = message.find("tool_calls"); calls != message.end())
        for (auto& call : *calls)
          if (call.contains("id") && call["id"].is_string()) call["id"] = nine(call["id"]);
      if (auto id = message.find("tool_call_id"); id != message.end() && id->is_string())
        *id = nine(*id);
    }
    return messages;
  }

  std::string write_calls(const std::vector<ToolCall>& calls) const override {
    std::string out = std::string(kTrigger) + "[";
    for (size_t i = 0; i < calls.size(); ++i) {
      if (i) out += ", ";
      out += "{\"name\": \"" + calls[i].name +
             "\", \"arguments\": " + python_json_dumps(arguments_object(calls[i])) + "}";
    }
    return out + "]";
  }

  CallMarkers call_markers() const override { return {"{\"name\": \"", "\", \"arguments\": "}; }

  std::vector<std::string> triggers() const override { return {std::string(kTrigger)}; }

  std::string after_trigger_gbnf(size_t, const CallGrammarInput& input) const override {
    std::string call = "(";
    for (size_t i = 0; i < input.names.size(); ++i) {
      if (i) call += " | ";
      call += gbnf_quote("{\"name\": \"" + input.names[i] + "\", \"arguments\": ") + " " +
              input.args_rules[i] + " call-id? \"}\"";
    }
    call += ")";
    return "root ::= \" \"? \"[\" " + gbnf_repeat(call, "\", \" " + call, input.max_calls - 1) +
           " \"]\"\n"
           "call-id ::= \", \\\"id\\\": \\\"\" [a-zA-Z0-9]{9} \"\\\"\"\n";
  }

  ParsedOutput parse(std::string_view text) const override {
    ParsedOutput out;
    const size_t at = text.find(kTrigger);
    if (at == std::string_view::npos) {
      out.content = std::string(text);
      return out;
    }
    auto json = read_json(text, at + kTrigger.size());
    if (!json) {
      out.content = std::string(text);
      return out;
    }
    nlohmann::ordered_json list =
        json->value.is_array() ? json->value : nlohmann::ordered_json::array({json->value});
    for (const auto& item : list)
      if (auto call = call_from_object(item)) out.calls.push_back(std::move(*call));
    out.content = std::string(text.substr(0, at)) + std::string(text.substr(json->end));
    return out;
  }
};

}  // namespace

std::unique_ptr<ToolSyntax> make_mistral_syntax() {
  return std::make_unique<MistralSyntax>();
}

}  // namespace ruvllm::tools::detail
