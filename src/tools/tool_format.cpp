#include "tools/tool_format.h"

#include <array>
#include <utility>

#include "tools/python_json.h"

namespace ruvllm::tools {

namespace {

constexpr std::array<std::pair<ToolFormat, std::string_view>, 8> kNames = {{
    {ToolFormat::kHermes, "hermes"},
    {ToolFormat::kLlama3, "llama3"},
    {ToolFormat::kMistral, "mistral"},
    {ToolFormat::kFunctionaryV31, "functionary-v3.1"},
    {ToolFormat::kFunctionaryV32, "functionary-v3.2"},
    {ToolFormat::kCommandR, "command-r"},
    {ToolFormat::kDeepSeekR1, "deepseek-r1"},
    {ToolFormat::kGeneric, "generic"},
}};

bool has(std::string_view source, std::string_view marker) {
  return source.find(marker) != std::string_view::npos;
}

}  // namespace

std::string_view tool_format_name(ToolFormat format) {
  for (const auto& [f, name] : kNames)
    if (f == format) return name;
  return "generic";
}

std::optional<ToolFormat> tool_format_from_name(std::string_view name) {
  for (const auto& [f, n] : kNames)
    if (n == name) return f;
  return std::nullopt;
}

ToolFormat detect_tool_format(std::string_view source) {
  // Most specific markers first: DeepSeek and Functionary templates are Llama-3-shaped too.
  if (has(source, "<｜tool▁calls▁begin｜>")) return ToolFormat::kDeepSeekR1;
  if (has(source, "[TOOL_CALLS]")) return ToolFormat::kMistral;
  if (has(source, ">>>all")) return ToolFormat::kFunctionaryV32;
  if (has(source, "<function=")) return ToolFormat::kFunctionaryV31;
  if (has(source, "<tool_call>")) return ToolFormat::kHermes;
  if (has(source, "<|START_OF_TURN_TOKEN|>") && has(source, "tool_name"))
    return ToolFormat::kCommandR;
  if (has(source, "<|start_header_id|>") &&
      (has(source, "<|python_tag|>") || has(source, "\"parameters\"")) && has(source, "tools"))
    return ToolFormat::kLlama3;
  return ToolFormat::kGeneric;
}

std::string ToolSyntax::system_instructions(const std::vector<FunctionTool>& tools) const {
  std::string out =
      "# Tools\n\nYou may call one or more of these functions to answer the user. Their "
      "signatures, as JSON Schema:\n";
  for (const FunctionTool& tool : tools) {
    nlohmann::ordered_json function = {{"name", tool.name}};
    if (!tool.description.empty()) function["description"] = tool.description;
    function["parameters"] = tool.parameters;
    out += python_json_dumps(function) + "\n";
  }
  ToolCall example{"", tools.empty() ? "function_name" : tools.front().name, "{}"};
  out +=
      "\nTo call functions, answer with exactly this syntax (arguments as a JSON object "
      "matching the function's parameters), and nothing else:\n" +
      write_calls({example}) +
      "\nResults come back in the next message. When no function fits, answer in plain text.";
  return out;
}

}  // namespace ruvllm::tools

#include "tools/formats.h"

namespace ruvllm::tools {

std::unique_ptr<ToolSyntax> make_tool_syntax(ToolFormat format) {
  switch (format) {
    case ToolFormat::kHermes:
      return detail::make_hermes_syntax();
    case ToolFormat::kLlama3:
      return detail::make_llama3_syntax();
    case ToolFormat::kMistral:
      return detail::make_mistral_syntax();
    case ToolFormat::kFunctionaryV31:
      return detail::make_functionary_v31_syntax();
    case ToolFormat::kFunctionaryV32:
      return detail::make_functionary_v32_syntax();
    case ToolFormat::kCommandR:
      return detail::make_command_r_syntax();
    case ToolFormat::kDeepSeekR1:
      return detail::make_deepseek_r1_syntax();
    case ToolFormat::kGeneric:
      return detail::make_generic_syntax();
  }
  return detail::make_generic_syntax();
}

}  // namespace ruvllm::tools
