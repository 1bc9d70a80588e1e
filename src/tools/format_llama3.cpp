// Llama 3.1 / 3.2 / 3.3: a custom tool call is the JSON object
// {"name": "f", "parameters": {...}} as the whole answer (optionally after <|python_tag|>).
// The templates render one call per assistant turn and raise on more, so a turn with several
// calls is shown as assistant text with one call object per line (the same text the grammar
// lets the model write).
#include "tools/call_text.h"
#include "tools/formats.h"
#include "tools/python_json.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools::detail {

namespace {

constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr std::string_view kNameKey = "{\"name\"";

class Llama3Syntax final : public ToolSyntax {
 public:
  ToolFormat format() const override { return ToolFormat::kLlama3; }

  nlohmann::ordered_json adapt_messages(nlohmann::ordered_json messages) const override {
    for (nlohmann::ordered_json& message : messages) {
      auto calls = message.find("tool_calls");
      if (calls == message.end() || calls->size() <= 1) continue;
      std::vector<ToolCall> list;
      for (const auto& c : *calls) {
        const auto& fn = c["function"];
        const auto& args = fn["arguments"];
        list.push_back(
            {"", fn.value("name", ""), args.is_string() ? args.get<std::string>() : args.dump()});
      }
      std::string text = message.value("content", nlohmann::ordered_json()).is_string()
                             ? message["content"].get<std::string>()
                             : "";
      message["content"] = text + write_calls(list);
      message.erase("tool_calls");
    }
    return messages;
  }

  std::string write_calls(const std::vector<ToolCall>& calls) const override {
    std::string out;
    for (size_t i = 0; i < calls.size(); ++i) {
      if (i) out += "\n";
      out += "{\"name\": \"" + calls[i].name +
             "\", \"parameters\": " + python_json_dumps(arguments_object(calls[i])) + "}";
    }
    return out;
  }

  CallMarkers call_markers() const override { return {"{\"name\": \"", "\", \"parameters\": "}; }

  std::vector<std::string> triggers() const override {
    return {std::string(kNameKey), std::string(kPythonTag)};
  }

  std::string after_trigger_gbnf(size_t trigger, const CallGrammarInput& input) const override {
    const std::string call = call_alternatives(input, "", "\", \"parameters\": ", "}");
    const std::string more = gbnf_quote("\n{\"name\": \"") + " " + call;
    const std::string first =
        trigger == 0 ? gbnf_quote(": \"") + " " + call : gbnf_quote("{\"name\": \"") + " " + call;
    return "root ::= " + gbnf_repeat(first, more, input.max_calls - 1) + "\n";
  }

  ParsedOutput parse(std::string_view text) const override {
    ParsedOutput out;
    size_t start = text.find(kPythonTag);
    size_t body = start == std::string_view::npos ? start : start + kPythonTag.size();
    const size_t brace = text.find(kNameKey);
    if (brace != std::string_view::npos && (start == std::string_view::npos || brace < start))
      start = body = brace;
    if (start == std::string_view::npos) {
      out.content = std::string(text);
      return out;
    }
    size_t pos = body;
    while (pos < text.size()) {
      const std::string_view rest = trim(text.substr(pos));
      if (rest.empty() || rest.front() != '{') break;
      auto json = read_json(text, pos);
      if (!json) break;
      auto call = call_from_object(json->value);
      if (!call) break;
      out.calls.push_back(std::move(*call));
      pos = json->end;
      while (pos < text.size() && (text[pos] == '\n' || text[pos] == ' ' || text[pos] == ';'))
        ++pos;
    }
    if (out.calls.empty()) {
      out.content = std::string(text);
      return out;
    }
    out.content = std::string(text.substr(0, start)) + std::string(text.substr(pos));
    return out;
  }
};

}  // namespace

std::unique_ptr<ToolSyntax> make_llama3_syntax() {
  return std::make_unique<Llama3Syntax>();
}

}  // namespace ruvllm::tools::detail
