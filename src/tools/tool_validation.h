// Checking calls against the tools they name: the tool exists and the arguments are a JSON
// object valid against its parameters schema (the grammar leaves some keywords to this check).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "structured/json_validator.h"
#include "tools/tool_types.h"

namespace ruvllm::tools {

class ToolCallValidator {
 public:
  // Throws FormatError naming the tool when a parameters schema is invalid.
  explicit ToolCallValidator(const std::vector<FunctionTool>& tools);

  // nullopt when `call` is valid, else why not ("unknown tool 'f'", "/a: ...").
  std::optional<std::string> check(const ToolCall& call) const;

 private:
  std::unordered_map<std::string, structured::JsonSchemaValidator> validators_;
};

}  // namespace ruvllm::tools
