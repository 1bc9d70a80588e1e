// Hermes 2/3 and Qwen2.5: <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>, one
// block per call, blocks separated by a newline.
#include "tools/call_text.h"
#include "tools/formats.h"
#include "tools/python_json.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools::detail {

namespace {

constexpr std::string_view kOpen = "<tool_call>";
constexpr std::string_view kClose = "</tool_call>";

class HermesSyntax final : public ToolSyntax {
 public:
  ToolFormat format() const override { return ToolFormat::kHermes; }

  std::string write_calls(const std::vector<ToolCall>& calls) const override {
    std::string out;
    for (size_t i = 0; i < calls.size(); ++i) {
      if (i) out += "\n";
      out += std::string(kOpen) + "\n{\"name\": \"" + calls[i].name +
             "\", \"arguments\": " + python_json_dumps(arguments_object(calls[i])) + "}\n" +
             std::string(kClose);
    }
    return out;
  }

  CallMarkers call_markers() const override { return {"{\"name\": \"", "\", \"arguments\": "}; }

  std::vector<std::string> triggers() const override { return {std::string(kOpen)}; }

  std::string after_trigger_gbnf(size_t, const CallGrammarInput& input) const override {
    const std::string call = call_alternatives(input, "{\"name\": \"",
                                               "\", \"arguments\": ", "}\n" + std::string(kClose));
    return "root ::= \"\\n\" " +
           gbnf_repeat(call, gbnf_quote("\n" + std::string(kOpen) + "\n") + " " + call,
                       input.max_calls - 1) +
           "\n";
  }

  ParsedOutput parse(std::string_view text) const override {
    ParsedOutput out;
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t open = text.find(kOpen, pos);
      if (open == std::string_view::npos) break;
      auto json = read_json(text, open + kOpen.size());
      std::optional<ToolCall> call;
      if (json) call = call_from_object(json->value);
      if (!call) break;
      add_content(out, text.substr(pos, open - pos));
      out.calls.push_back(std::move(*call));
      pos = json->end;
      const size_t close = text.find(kClose, pos);
      if (close != std::string_view::npos && trim(text.substr(pos, close - pos)).empty())
        pos = close + kClose.size();
      // Blank lines between blocks belong to the calls, not the content.
      while (pos < text.size() && (text[pos] == '\n' || text[pos] == ' ')) ++pos;
    }
    add_content(out, text.substr(std::min(pos, text.size())));
    return out;
  }
};

}  // namespace

std::unique_ptr<ToolSyntax> make_hermes_syntax() {
  return std::make_unique<HermesSyntax>();
}

}  // namespace ruvllm::tools::detail
