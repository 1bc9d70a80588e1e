// Tool-call formats: how one family of models is shown tools and writes its calls.
//
// Each family was trained on its own syntax, which its chat template shows in the prompt:
//   Hermes / Qwen2.5   <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>
//   Llama 3.1-3.3      {"name": "f", "parameters": {...}}   (or after <|python_tag|>)
//   Mistral            [TOOL_CALLS][{"name": "f", "arguments": {...}}, ...]
//   Functionary v3.1   <function=f>{...}</function>
//   Functionary v3.2   >>>f\n{...}   (text as >>>all\ntext)
//   Command-R          Action:\n```json\n[{"tool_name": "f", "parameters": {...}}]```
//   DeepSeek-R1 <think>..</think><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f
//                      \n```json\n{...}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>
//   Generic            {"tool_calls": [{"name": "f", "arguments": {...}}]}, for templates without
//                      tool support (the tools are described in the system prompt)
//
// A ToolSyntax knows, for its family: how OpenAI-shaped messages must be adjusted before the
// template sees them (argument strings vs objects, id shapes, one call per turn...), the text of
// a turn's calls, the trigger text that opens a call section, the grammar of everything after
// that trigger, and how to read calls back out of a model's free text.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/tool_types.h"

namespace ruvllm::tools {

enum class ToolFormat {
  kHermes,
  kLlama3,
  kMistral,
  kFunctionaryV31,
  kFunctionaryV32,
  kCommandR,
  kDeepSeekR1,
  kGeneric,
};

// "hermes", "llama3", "mistral", "functionary-v3.1", "functionary-v3.2", "command-r",
// "deepseek-r1", "generic".
std::string_view tool_format_name(ToolFormat format);
std::optional<ToolFormat> tool_format_from_name(std::string_view name);

// The format a chat template was written for, from the markers in its source; kGeneric when
// it shows no known tool-call syntax.
ToolFormat detect_tool_format(std::string_view template_source);

// What a format's call grammar is built from.
struct CallGrammarInput {
  std::vector<std::string> names;       // the tools that may be called
  std::vector<std::string> args_rules;  // per tool: GBNF rule of its arguments object
  size_t max_calls = 1;                 // >= 1
};

// How one call's text reads in the grammar-constrained output: `name_prefix`, the tool's name,
// `args_prefix`, then the arguments object (what lets streamed arguments be sent as they come).
struct CallMarkers {
  std::string name_prefix;
  std::string args_prefix;
};

class ToolSyntax {
 public:
  virtual ~ToolSyntax() = default;
  virtual ToolFormat format() const = 0;

  // The conversation in the shape this family's templates expect. `messages` come in
  // transformers' shape with OpenAI fields (tool_calls[].function.arguments an object).
  virtual nlohmann::ordered_json adapt_messages(nlohmann::ordered_json messages) const {
    return messages;
  }
  virtual nlohmann::ordered_json adapt_tools(nlohmann::ordered_json tools) const { return tools; }

  // The text of an assistant turn that makes `calls` (what the model writes).
  virtual std::string write_calls(const std::vector<ToolCall>& calls) const = 0;

  // Texts that open a section of calls in free output; the first is the canonical one.
  virtual std::vector<std::string> triggers() const = 0;
  // What a forced call (tool_choice required or named) starts with, appended to `prompt`.
  virtual std::string forced_prefix(std::string_view prompt) const { return triggers().front(); }
  // GBNF of everything after trigger `trigger` up to the end of the turn (root rule "root";
  // `input.args_rules` are defined elsewhere in the same grammar).
  virtual std::string after_trigger_gbnf(size_t trigger, const CallGrammarInput& input) const = 0;

  // The text around each call's name in what after_trigger_gbnf allows.
  virtual CallMarkers call_markers() const = 0;

  // Splits a model's output into text, reasoning and calls. Never throws; malformed JSON is
  // repaired (structured::repair_json), unreadable calls are left in the content.
  virtual ParsedOutput parse(std::string_view text) const = 0;

  // A system-prompt section describing `tools` and this syntax, for templates that cannot show
  // tools themselves.
  virtual std::string system_instructions(const std::vector<FunctionTool>& tools) const;
};

std::unique_ptr<ToolSyntax> make_tool_syntax(ToolFormat format);

}  // namespace ruvllm::tools
