// DeepSeek-R1 (and its distills): the model thinks in <think>...</think> first (the generation
// prompt opens the block), then answers; calls are
//   <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{...}\n```
//   <｜tool▁call▁end｜> ... <｜tool▁calls▁end｜>
// Reasoning is kept out of the content and the calls. The templates concatenate arguments as
// text and recognise call-only turns by a null content.
#include "tools/call_text.h"
#include "tools/formats.h"
#include "tools/python_json.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools::detail {

namespace {

constexpr std::string_view kCallsBegin = "<｜tool▁calls▁begin｜>";
constexpr std::string_view kCallsEnd = "<｜tool▁calls▁end｜>";
constexpr std::string_view kCallBegin = "<｜tool▁call▁begin｜>";
constexpr std::string_view kCallEnd = "<｜tool▁call▁end｜>";
constexpr std::string_view kSep = "<｜tool▁sep｜>";
constexpr std::string_view kThinkOpen = "<think>";
constexpr std::string_view kThinkClose = "</think>";

class DeepSeekR1Syntax final : public ToolSyntax {
 public:
  ToolFormat format() const override { return ToolFormat::kDeepSeekR1; }

  nlohmann::ordered_json adapt_messages(nlohmann::ordered_json messages) const override {
    messages = arguments_as_strings(std::move(messages));
    for (nlohmann::ordered_json& message : messages)
      if (message.contains("tool_calls") && !message["tool_calls"].empty())
        message["content"] = nullptr;
    return messages;
  }

  std::string write_calls(const std::vector<ToolCall>& calls) const override {
    std::string out(kCallsBegin);
    for (size_t i = 0; i < calls.size(); ++i) {
      if (i) out += "\n";
      out += std::string(kCallBegin) + "function" + std::string(kSep) + calls[i].name +
             "\n```json\n" + python_json_dumps(arguments_object(calls[i])) + "\n```" +
             std::string(kCallEnd);
    }
    return out + std::string(kCallsEnd);
  }

  CallMarkers call_markers() const override {
    return {"function" + std::string(kSep), "\n```json\n"};
  }

  std::vector<std::string> triggers() const override { return {std::string(kCallsBegin)}; }

  std::string forced_prefix(std::string_view prompt) const override {
    // A forced call skips the thinking the generation prompt opened.
    const bool thinking = prompt.ends_with("<think>\n") || prompt.ends_with("<think>");
    return (thinking ? std::string(kThinkClose) + "\n\n" : "") + std::string(kCallsBegin);
  }

  std::string after_trigger_gbnf(size_t, const CallGrammarInput& input) const override {
    const std::string call =
        call_alternatives(input, std::string(kCallBegin) + "function" + std::string(kSep),
                          "\n```json\n", "\n```" + std::string(kCallEnd));
    return "root ::= " + gbnf_repeat(call, "\"\\n\" " + call, input.max_calls - 1) + " " +
           gbnf_quote(std::string(kCallsEnd)) + "\n";
  }

  ParsedOutput parse(std::string_view text) const override {
    ParsedOutput out;
    const size_t close = text.find(kThinkClose);
    if (close != std::string_view::npos) {
      std::string_view thought = text.substr(0, close);
      if (const size_t open = thought.find(kThinkOpen); open != std::string_view::npos)
        thought = thought.substr(open + kThinkOpen.size());
      out.reasoning = std::string(trim(thought));
      text = text.substr(close + kThinkClose.size());
    }
    const size_t begin = text.find(kCallsBegin);
    if (begin == std::string_view::npos) {
      out.content = std::string(trim(text));
      return out;
    }
    size_t pos = begin + kCallsBegin.size();
    for (;;) {
      const size_t call_at = text.find(kCallBegin, pos);
      if (call_at == std::string_view::npos) break;
      const size_t sep = text.find(kSep, call_at);
      if (sep == std::string_view::npos) break;
      const size_t nl = text.find('\n', sep);
      if (nl == std::string_view::npos) break;
      auto json = read_json(text, nl);
      if (!json) break;
      auto call = make_call(
          std::string(trim(text.substr(sep + kSep.size(), nl - sep - kSep.size()))), json->value);
      if (!call) break;
      out.calls.push_back(std::move(*call));
      pos = json->end;
      if (const size_t end = text.find(kCallEnd, pos); end != std::string_view::npos)
        pos = end + kCallEnd.size();
    }
    if (const size_t end = text.find(kCallsEnd, pos); end != std::string_view::npos)
      pos = end + kCallsEnd.size();
    out.content = std::string(trim(text.substr(0, begin))) +
                  std::string(trim(text.substr(std::min(pos, text.size()))));
    return out;
  }
};

}  // namespace

std::unique_ptr<ToolSyntax> make_deepseek_r1_syntax() {
  return std::make_unique<DeepSeekR1Syntax>();
}

}  // namespace ruvllm::tools::detail
