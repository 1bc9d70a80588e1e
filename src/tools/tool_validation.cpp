#include "tools/tool_validation.h"

#include "core/error.h"

namespace ruvllm::tools {

ToolCallValidator::ToolCallValidator(const std::vector<FunctionTool>& tools) {
  for (const FunctionTool& tool : tools) {
    try {
      const nlohmann::json schema = nlohmann::json::parse(tool.parameters.dump());
      validators_.insert_or_assign(tool.name, structured::JsonSchemaValidator::compile(schema));
    } catch (const Error& e) {
      throw FormatError("tool '" + tool.name + "' has invalid parameters: " + e.what());
    }
  }
}

std::optional<std::string> ToolCallValidator::check(const ToolCall& call) const {
  auto it = validators_.find(call.name);
  if (it == validators_.end()) return "unknown tool '" + call.name + "'";
  const nlohmann::json args = nlohmann::json::parse(call.arguments, nullptr, false);
  if (args.is_discarded()) return "arguments are not JSON: " + call.arguments;
  if (!args.is_object()) return "arguments are not a JSON object";
  const structured::ValidationResult result = it->second.validate(args);
  if (!result.valid) return result.to_string();
  return std::nullopt;
}

}  // namespace ruvllm::tools
