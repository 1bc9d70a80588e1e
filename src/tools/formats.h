// The built-in tool-call formats (one file each); make_tool_syntax picks among them.
#pragma once

#include <memory>

#include "tools/tool_format.h"

namespace ruvllm::tools::detail {

std::unique_ptr<ToolSyntax> make_hermes_syntax();
std::unique_ptr<ToolSyntax> make_llama3_syntax();
std::unique_ptr<ToolSyntax> make_mistral_syntax();
std::unique_ptr<ToolSyntax> make_functionary_v31_syntax();
std::unique_ptr<ToolSyntax> make_functionary_v32_syntax();
std::unique_ptr<ToolSyntax> make_command_r_syntax();
std::unique_ptr<ToolSyntax> make_deepseek_r1_syntax();
std::unique_ptr<ToolSyntax> make_generic_syntax();

}  // namespace ruvllm::tools::detail
