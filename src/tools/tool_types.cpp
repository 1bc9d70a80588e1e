#include "tools/tool_types.h"

#include <random>

namespace ruvllm::tools {

nlohmann::ordered_json openai_tools_json(const std::vector<FunctionTool>& tools) {
  if (tools.empty()) return nullptr;
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const FunctionTool& tool : tools) {
    nlohmann::ordered_json function = {{"name", tool.name}};
    if (!tool.description.empty()) function["description"] = tool.description;
    function["parameters"] = tool.parameters;
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

std::string new_tool_call_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string id = "call_";
  for (int i = 0; i < 24; ++i) id += kAlphabet[pick(rng)];
  return id;
}

}  // namespace ruvllm::tools
