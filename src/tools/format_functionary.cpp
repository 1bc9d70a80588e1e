// Functionary (MeetKai) v3.1 and v3.2, Llama-3-based.
//   v3.1: <function=f>{...}</function> per call, calls back to back.
//   v3.2: every part of a turn opens with ">>>" and a recipient line: ">>>all\n" text for the
//         user, ">>>f\n{...}" for a call. Its generation prompt may already end in ">>>".
// Both templates print arguments as text, so they receive JSON strings.
#include "tools/call_text.h"
#include "tools/formats.h"
#include "tools/python_json.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools::detail {

namespace {

class FunctionaryV31Syntax final : public ToolSyntax {
 public:
  static constexpr std::string_view kOpen = "<function=";
  static constexpr std::string_view kClose = "</function>";

  ToolFormat format() const override { return ToolFormat::kFunctionaryV31; }
  nlohmann::ordered_json adapt_messages(nlohmann::ordered_json messages) const override {
    return arguments_as_strings(std::move(messages));
  }

  std::string write_calls(const std::vector<ToolCall>& calls) const override {
    std::string out;
    for (const ToolCall& call : calls)
      out += std::string(kOpen) + call.name + ">" + python_json_dumps(arguments_object(call)) +
             std::string(kClose);
    return out;
  }

  CallMarkers call_markers() const override { return {std::string(kOpen), ">"}; }

  std::vector<std::string> triggers() const override { return {std::string(kOpen)}; }

  std::string after_trigger_gbnf(size_t, const CallGrammarInput& input) const override {
    const std::string call = call_alternatives(input, "", ">", std::string(kClose));
    return "root ::= " +
           gbnf_repeat(call, gbnf_quote(std::string(kOpen)) + " " + call, input.max_calls - 1) +
           "\n";
  }

  ParsedOutput parse(std::string_view text) const override {
    ParsedOutput out;
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t open = text.find(kOpen, pos);
      if (open == std::string_view::npos) break;
      const size_t gt = text.find('>', open + kOpen.size());
      if (gt == std::string_view::npos) break;
      auto json = read_json(text, gt + 1);
      if (!json || !trim(text.substr(gt + 1, json->begin - gt - 1)).empty()) break;
      auto call = make_call(std::string(text.substr(open + kOpen.size(), gt - open - kOpen.size())),
                            json->value);
      if (!call) break;
      add_content(out, text.substr(pos, open - pos));
      out.calls.push_back(std::move(*call));
      pos = json->end;
      if (text.substr(pos, kClose.size()) == kClose) pos += kClose.size();
    }
    add_content(out, text.substr(std::min(pos, text.size())));
    return out;
  }
};

class FunctionaryV32Syntax final : public ToolSyntax {
 public:
  static constexpr std::string_view kStart = ">>>";

  ToolFormat format() const override { return ToolFormat::kFunctionaryV32; }
  nlohmann::ordered_json adapt_messages(nlohmann::ordered_json messages) const override {
    return arguments_as_strings(std::move(messages));
  }

  std::string write_calls(const std::vector<ToolCall>& calls) const override {
    std::string out;
    for (const ToolCall& call : calls)
      out += std::string(kStart) + call.name + "\n" + python_json_dumps(arguments_object(call));
    return out;
  }

  CallMarkers call_markers() const override { return {std::string(kStart), "\n"}; }

  std::vector<std::string> triggers() const override { return {std::string(kStart)}; }

  std::string forced_prefix(std::string_view prompt) const override {
    return prompt.ends_with(kStart) ? "" : std::string(kStart);
  }

  std::string after_trigger_gbnf(size_t, const CallGrammarInput& input) const override {
    const std::string call = call_alternatives(input, "", "\n", "");
    return "root ::= " +
           gbnf_repeat(call, gbnf_quote(std::string(kStart)) + " " + call, input.max_calls - 1) +
           "\n";
  }

  ParsedOutput parse(std::string_view text) const override {
    ParsedOutput out;
    // The first part's ">>>" may have been part of the prompt.
    std::string owned(text);
    if (!text.starts_with(kStart)) owned = std::string(kStart) + owned;
    std::string_view all = owned;
    size_t pos = 0;
    while (pos < all.size()) {
      size_t next = all.find(kStart, pos + kStart.size());
      if (next == std::string_view::npos) next = all.size();
      const std::string_view part = all.substr(pos + kStart.size(), next - pos - kStart.size());
      const size_t nl = part.find('\n');
      const std::string recipient(trim(part.substr(0, nl)));
      const std::string_view body = nl == std::string_view::npos ? "" : part.substr(nl + 1);
      std::optional<ToolCall> call;
      if (recipient != "all" && !recipient.empty() && nl != std::string_view::npos) {
        // The JSON may hold ">>>" inside strings: read it from the whole rest of the text.
        const size_t body_at = pos + kStart.size() + nl + 1;
        auto json = read_json(all, body_at);
        if (json && trim(all.substr(body_at, json->begin - body_at)).empty()) {
          call = make_call(recipient, json->value);
          if (call) next = std::min(all.size(), all.find(kStart, json->end));
        }
      }
      if (call) {
        out.calls.push_back(std::move(*call));
      } else {
        add_content(out, recipient == "all" ? body : part);
      }
      pos = next;
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<ToolSyntax> make_functionary_v31_syntax() {
  return std::make_unique<FunctionaryV31Syntax>();
}
std::unique_ptr<ToolSyntax> make_functionary_v32_syntax() {
  return std::make_unique<FunctionaryV32Syntax>();
}

}  // namespace ruvllm::tools::detail
