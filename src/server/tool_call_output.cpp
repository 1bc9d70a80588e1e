#include "server/tool_call_output.h"

#include <algorithm>

namespace ruvllm::server {

namespace {

std::vector<ToolCall> server_calls(const std::vector<tools::ToolCall>& calls) {
  std::vector<ToolCall> out;
  for (const tools::ToolCall& c : calls) out.push_back({c.id, c.name, c.arguments});
  return out;
}

// Arguments are streamed in pieces of about this many bytes (cut at character boundaries).
constexpr size_t kArgumentFragment = 24;

}  // namespace

ToolCallOutput::ToolCallOutput(PreparedJob::ToolOutput spec) : spec_(std::move(spec)) {
  in_calls_ = spec_.forced;
}

std::string ToolCallOutput::push(std::string_view text) {
  text_ += text;
  if (in_calls_) return {};
  size_t safe = text_.size();
  for (const std::string& trigger : spec_.triggers) {
    const size_t at = text_.find(trigger, sent_);
    if (at != std::string::npos) {
      in_calls_ = true;
      safe = std::min(safe, at);
    }
  }
  if (!in_calls_) {
    // Hold back a tail that could be the start of a trigger.
    for (const std::string& trigger : spec_.triggers)
      for (size_t n = std::min(trigger.size() - 1, text_.size() - sent_); n > 0; --n)
        if (text_.compare(text_.size() - n, n, trigger, 0, n) == 0) {
          safe = std::min(safe, text_.size() - n);
          break;
        }
  }
  std::string out = text_.substr(sent_, safe - sent_);
  sent_ = safe;
  return out;
}

ToolCallOutput::Final ToolCallOutput::finish() {
  Final out;
  const tools::ParsedOutput parsed = spec_.calling->parse(spec_.output_prefix + text_);
  out.calls = server_calls(parsed.calls);
  if (out.calls.empty()) {
    out.content = text_.substr(sent_);
  } else if (!in_calls_) {
    out.content = parsed.content.substr(std::min(parsed.content.size(), sent_));
  }
  sent_ = text_.size();
  return out;
}

void ToolCallOutput::split(const PreparedJob::ToolOutput& spec, const std::string& text,
                           ChatResult& result) {
  const tools::ParsedOutput parsed = spec.calling->parse(spec.output_prefix + text);
  result.tool_calls = server_calls(parsed.calls);
  result.content = result.tool_calls.empty() ? text : parsed.content;
  result.finish_reason = finish_reason_with_calls(result.finish_reason, !result.tool_calls.empty());
}

std::vector<nlohmann::json> tool_call_deltas(const std::vector<ToolCall>& calls) {
  std::vector<nlohmann::json> deltas;
  for (size_t i = 0; i < calls.size(); ++i) {
    const ToolCall& call = calls[i];
    deltas.push_back({{"tool_calls",
                       {{{"index", i},
                         {"id", call.id},
                         {"type", "function"},
                         {"function", {{"name", call.name}, {"arguments", ""}}}}}}});
    const std::string& args = call.arguments;
    for (size_t pos = 0; pos < args.size();) {
      size_t end = std::min(args.size(), pos + kArgumentFragment);
      while (end < args.size() && (static_cast<unsigned char>(args[end]) & 0xC0) == 0x80) ++end;
      deltas.push_back(
          {{"tool_calls",
            {{{"index", i}, {"function", {{"arguments", args.substr(pos, end - pos)}}}}}}});
      pos = end;
    }
  }
  return deltas;
}

FinishReason finish_reason_with_calls(FinishReason reason, bool called) {
  return called && reason == FinishReason::kStop ? FinishReason::kToolCalls : reason;
}

}  // namespace ruvllm::server
