#include "tools/tool_calling.h"

#include "chat/template_error.h"
#include "core/error.h"
#include "tools/tool_grammar.h"

namespace ruvllm::tools {

using nlohmann::ordered_json;

namespace {

// Puts `instructions` in front of the system message (or in a new one).
ordered_json with_system_instructions(ordered_json messages, const std::string& instructions) {
  if (!messages.empty() && messages[0].value("role", "") == "system" &&
      messages[0]["content"].is_string()) {
    messages[0]["content"] = instructions + "\n\n" + messages[0]["content"].get<std::string>();
    return messages;
  }
  messages.insert(messages.begin(), ordered_json{{"role", "system"}, {"content", instructions}});
  return messages;
}

// For templates without a system role: the instructions open the first user message.
ordered_json with_user_instructions(ordered_json messages, const std::string& instructions) {
  for (ordered_json& message : messages) {
    if (message.value("role", "") != "user") continue;
    const std::string content =
        message["content"].is_string() ? message["content"].get<std::string>() : "";
    message["content"] = instructions + "\n\n" + content;
    return messages;
  }
  messages.insert(messages.begin(), ordered_json{{"role", "user"}, {"content", instructions}});
  return messages;
}

}  // namespace

ToolCalling::ToolCalling(const chat::ChatTemplate& chat_template, std::optional<ToolFormat> format)
    : template_(chat_template),
      syntax_(make_tool_syntax(format ? *format : detect_tool_format(chat_template.source()))) {
  template_shows_tools_ = syntax_->format() != ToolFormat::kGeneric &&
                          chat_template.source().find("tools") != std::string::npos;
}

std::string ToolCalling::render(const ordered_json& messages,
                                const std::vector<FunctionTool>& tools, bool add_generation_prompt,
                                const ordered_json& extra) const {
  const ordered_json adapted = syntax_->adapt_messages(messages);
  if (tools.empty()) return template_.apply(adapted, nullptr, add_generation_prompt, extra);
  if (template_shows_tools_) {
    try {
      return template_.apply(adapted, syntax_->adapt_tools(openai_tools_json(tools)),
                             add_generation_prompt, extra);
    } catch (const chat::TemplateError&) {
      // Some templates raise on tool shapes they were not written for (e.g. a filter that
      // yields a generator); describe the tools in the system prompt instead.
    }
  }
  const std::string instructions = syntax_->system_instructions(tools);
  try {
    return template_.apply(with_system_instructions(adapted, instructions), nullptr,
                           add_generation_prompt, extra);
  } catch (const chat::TemplateError&) {
    return template_.apply(with_user_instructions(adapted, instructions), nullptr,
                           add_generation_prompt, extra);
  }
}

ToolGrammarPlan ToolCalling::plan(const std::vector<FunctionTool>& tools, const ToolChoice& choice,
                                  bool parallel_tool_calls, std::string_view prompt) const {
  ToolGrammarPlan plan;
  if (tools.empty() || choice.mode == ToolChoice::Mode::kNone) return plan;
  std::vector<FunctionTool> selected;
  if (choice.mode == ToolChoice::Mode::kNamed) {
    for (const FunctionTool& tool : tools)
      if (tool.name == choice.name) selected.push_back(tool);
    if (selected.empty()) throw FormatError("tool_choice names no tool in 'tools': " + choice.name);
  } else {
    selected = tools;
  }
  const ToolArgumentRules rules = tool_argument_rules(selected);
  plan.unenforced = rules.unenforced;
  CallGrammarInput input;
  for (const FunctionTool& tool : selected) input.names.push_back(tool.name);
  input.args_rules = rules.rule_names;
  input.max_calls = parallel_tool_calls ? kMaxParallelCalls : 1;

  if (choice.mode == ToolChoice::Mode::kAuto) {
    const std::vector<std::string> triggers = syntax_->triggers();
    if (syntax_->forced_prefix(prompt).empty()) {
      // The prompt already opened the call section (Functionary v3.2's ">>>"): only a text
      // part or calls can follow, so the grammar applies from the start.
      std::string calls = syntax_->after_trigger_gbnf(0, input);
      calls.replace(0, calls.find("::="), "calls ");
      plan.gbnf = "root ::= (\"all\\n\" [^>]* (\">>>\" calls)?) | calls\n" + calls + rules.rules;
      return plan;
    }
    for (size_t i = 0; i < triggers.size(); ++i)
      plan.lazy.push_back({triggers[i], syntax_->after_trigger_gbnf(i, input) + rules.rules});
    return plan;
  }
  plan.prompt_suffix = syntax_->forced_prefix(prompt);
  plan.output_prefix = plan.prompt_suffix;
  plan.gbnf = syntax_->after_trigger_gbnf(0, input) + rules.rules;
  return plan;
}

}  // namespace ruvllm::tools
