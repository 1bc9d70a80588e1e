// Function calling for one chat template: rendering conversations with tools, the grammar plan
// that keeps calls well-formed, and reading calls back out of the model's text.
//
//   ToolCalling calling(chat_template);                 // format detected from the template
//   std::string prompt = calling.render(messages, tools, true);
//   ToolGrammarPlan plan = calling.plan(tools, choice, parallel, prompt);
//   // generate from prompt + plan.prompt_suffix, constrained by plan.grammar, or lazily by
//   // plan.lazy[i].grammar once plan.lazy[i].trigger appears in the output
//   ParsedOutput out = calling.parse(plan.output_prefix + generated_text);
//
// Modes: `none` (no grammar), `required` / named (the call section is forced: its opening text
// is appended to the prompt and the grammar covers the rest of the turn), `auto` (the model
// writes freely; when it writes the format's trigger the grammar takes over). With
// parallel_tool_calls a turn may hold up to kMaxParallelCalls calls.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "tools/tool_format.h"
#include "tools/tool_types.h"

namespace ruvllm::tools {

inline constexpr size_t kMaxParallelCalls = 8;

// How a generation must be constrained for a request's tools.
struct ToolGrammarPlan {
  struct LazyGrammar {
    std::string trigger;  // generated text that activates the grammar
    std::string gbnf;     // constrains the text after the trigger
  };
  std::string prompt_suffix;  // appended to the rendered prompt (forced modes)
  std::string output_prefix;  // text that precedes the generated text, for parse()
  std::string gbnf;           // constrains generation from its first token (empty: none)
  std::vector<LazyGrammar> lazy;
  std::vector<std::string> unenforced;  // schema keywords the grammar does not check
  bool active() const { return !gbnf.empty() || !lazy.empty(); }
};

class ToolCalling {
 public:
  // `format` overrides the format detected from the template's source.
  explicit ToolCalling(const chat::ChatTemplate& chat_template,
                       std::optional<ToolFormat> format = std::nullopt);

  ToolFormat format() const { return syntax_->format(); }
  const ToolSyntax& syntax() const { return *syntax_; }

  // Renders `messages` (transformers' shape with OpenAI fields; tool-call arguments as objects
  // where they are JSON objects) with `tools` through the template. Templates that cannot show
  // tools (or raise on them) get the tools described in the system prompt. Throws
  // chat::TemplateError when the template rejects the conversation.
  std::string render(const nlohmann::ordered_json& messages, const std::vector<FunctionTool>& tools,
                     bool add_generation_prompt,
                     const nlohmann::ordered_json& extra = nlohmann::ordered_json()) const;

  // The constraint for a request. Throws FormatError for invalid parameter schemas or a named
  // tool that is not in `tools`, UnsupportedError for strict tools with unenforceable schemas.
  ToolGrammarPlan plan(const std::vector<FunctionTool>& tools, const ToolChoice& choice,
                       bool parallel_tool_calls, std::string_view prompt) const;

  ParsedOutput parse(std::string_view text) const { return syntax_->parse(text); }

 private:
  const chat::ChatTemplate& template_;
  std::unique_ptr<ToolSyntax> syntax_;
  bool template_shows_tools_ = false;
};

}  // namespace ruvllm::tools
