// Turning a chat generation's text into OpenAI's `tool_calls`.
//
// Text is content until a call section starts (a trigger in `auto` mode; the whole answer for
// required / named choices); nothing of the call section is shown as content. Calls reach the
// client as OpenAI streams them: per call a delta with `index`, `id`, `type` and
// `function.name` (and empty arguments), then deltas carrying `function.arguments` fragments.
//
// When the section is written under the call grammar and the grammar enforces the whole of every
// tool's schema, calls are read while they are generated (tools::CallStream): a call's name is
// sent once complete and its arguments fragment by fragment as tokens arrive, and the scheduler
// guarantees the section ends complete. Otherwise (calls without a grammar, schemas with
// keywords only the validator checks) the section is read at the end with the format's parser
// and each call is sent whole once it validated. Either way only calls whose arguments parse and
// validate against their tool's schema are returned; a section cut off before any call is
// complete returns none (finish_reason stays "length").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/model_service.h"
#include "server/openai_response.h"
#include "tools/call_stream.h"

namespace ruvllm::server {

class ToolCallOutput {
 public:
  explicit ToolCallOutput(PreparedJob::ToolOutput spec);

  // What can be sent now: content, and `delta` objects of calls being streamed.
  struct Update {
    std::string content;
    std::vector<nlohmann::json> deltas;
  };
  // Streaming: more generated text.
  Update push(std::string_view text);

  struct Final {
    std::string content;                 // content not sent yet
    std::vector<nlohmann::json> deltas;  // calls (or their rest) not sent yet
    std::vector<ToolCall> calls;         // every call of the answer
  };
  // The end of the generation.
  Final finish();

  // A whole (non-streamed) answer: fills result.content and result.tool_calls, and sets
  // finish_reason to tool_calls when the model stopped after calling. Gives the same calls as
  // streaming the same text.
  static void split(const PreparedJob::ToolOutput& spec, const std::string& text,
                    ChatResult& result);

 private:
  void start_section(size_t at);
  void feed_stream(std::vector<nlohmann::json>& deltas);
  bool valid(const tools::ToolCall& call) const;

  PreparedJob::ToolOutput spec_;
  std::string text_;
  size_t sent_ = 0;
  bool in_calls_ = false;
  size_t section_ = 0;  // where the call section starts in text_
  std::optional<tools::CallStream> stream_;
  size_t fed_ = 0;  // bytes of text_ given to stream_
};

// The `delta` objects that stream `calls` whole, the first with index `first_index`.
std::vector<nlohmann::json> tool_call_deltas(const std::vector<ToolCall>& calls,
                                             size_t first_index = 0);

// tool_calls when the model called tools and was not cut off.
FinishReason finish_reason_with_calls(FinishReason reason, bool called);

}  // namespace ruvllm::server
