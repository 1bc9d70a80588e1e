// Turning a chat generation's text into OpenAI's `tool_calls`.
//
// Whole answers are split once (content, calls, finish_reason "tool_calls"). Streamed answers go
// through ToolCallOutput: text is forwarded as content deltas until a call section may be
// starting (text that could be the beginning of a trigger is held back), nothing of the call
// section is shown as content, and at the end the calls are sent as OpenAI streams them: per
// call a delta with `index`, `id`, `type` and `function.name` (and empty arguments), then deltas
// carrying `function.arguments` fragments.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "server/model_service.h"
#include "server/openai_response.h"

namespace ruvllm::server {

class ToolCallOutput {
 public:
  explicit ToolCallOutput(PreparedJob::ToolOutput spec);

  // Streaming: the part of the text so far that can be sent as content now.
  std::string push(std::string_view text);

  struct Final {
    std::string content;  // content not sent yet
    std::vector<ToolCall> calls;
  };
  // Streaming: the end of the generation.
  Final finish();

  // A whole (non-streamed) answer: fills result.content and result.tool_calls, and sets
  // finish_reason to tool_calls when the model stopped after calling.
  static void split(const PreparedJob::ToolOutput& spec, const std::string& text,
                    ChatResult& result);

 private:
  PreparedJob::ToolOutput spec_;
  std::string text_;
  size_t sent_ = 0;
  bool in_calls_ = false;
};

// The `delta` objects that stream `calls`.
std::vector<nlohmann::json> tool_call_deltas(const std::vector<ToolCall>& calls);

// tool_calls when the model called tools and was not cut off.
FinishReason finish_reason_with_calls(FinishReason reason, bool called);

}  // namespace ruvllm::server
