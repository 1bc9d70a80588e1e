#include "server/tool_call_output.h"

#include <algorithm>

namespace ruvllm::server {

namespace {

using nlohmann::json;

// Arguments sent whole are cut in pieces of about this many bytes (at character boundaries).
constexpr size_t kArgumentFragment = 24;

json call_open_delta(size_t index, const tools::ToolCall& call) {
  return {{"tool_calls",
           {{{"index", index},
             {"id", call.id},
             {"type", "function"},
             {"function", {{"name", call.name}, {"arguments", ""}}}}}}};
}

json arguments_delta(size_t index, std::string fragment) {
  return {{"tool_calls", {{{"index", index}, {"function", {{"arguments", std::move(fragment)}}}}}}};
}

}  // namespace

ToolCallOutput::ToolCallOutput(PreparedJob::ToolOutput spec) : spec_(std::move(spec)) {
  if (spec_.forced) start_section(0);
}

void ToolCallOutput::start_section(size_t at) {
  in_calls_ = true;
  section_ = at;
  fed_ = at;
  if (!spec_.streamable) return;
  const tools::CallMarkers markers = spec_.calling->syntax().call_markers();
  stream_.emplace(markers, spec_.names);
  // A forced section's opening is in the prompt (Functionary v3.2's ">>>" may be all of it).
  if (spec_.forced)
    stream_->feed(spec_.output_prefix.empty() ? markers.name_prefix : spec_.output_prefix);
}

void ToolCallOutput::feed_stream(std::vector<json>& deltas) {
  if (!stream_ || fed_ >= text_.size()) return;
  const std::vector<tools::CallStream::Event> events =
      stream_->feed(std::string_view(text_).substr(fed_));
  fed_ = text_.size();
  for (const tools::CallStream::Event& e : events) {
    if (e.opened) deltas.push_back(call_open_delta(e.index, stream_->calls()[e.index]));
    if (!e.arguments.empty()) deltas.push_back(arguments_delta(e.index, e.arguments));
  }
}

ToolCallOutput::Update ToolCallOutput::push(std::string_view text) {
  Update out;
  text_ += text;
  if (!in_calls_) {
    size_t safe = text_.size();
    size_t first = std::string::npos;
    for (const std::string& trigger : spec_.triggers)
      first = std::min(first, text_.find(trigger, sent_));
    if (first != std::string::npos) {
      safe = first;
      start_section(first);
    } else {
      // Hold back a tail that could be the start of a trigger.
      for (const std::string& trigger : spec_.triggers)
        for (size_t n = std::min(trigger.size() - 1, text_.size() - sent_); n > 0; --n)
          if (text_.compare(text_.size() - n, n, trigger, 0, n) == 0) {
            safe = std::min(safe, text_.size() - n);
            break;
          }
    }
    out.content = text_.substr(sent_, safe - sent_);
    sent_ = safe;
  }
  if (in_calls_) feed_stream(out.deltas);
  return out;
}

bool ToolCallOutput::valid(const tools::ToolCall& call) const {
  const json args = json::parse(call.arguments, nullptr, false);
  if (args.is_discarded() || !args.is_object()) return false;
  return !spec_.validator || !spec_.validator->check(call).has_value();
}

ToolCallOutput::Final ToolCallOutput::finish() {
  Final out;
  feed_stream(out.deltas);
  if (stream_ && !stream_->calls().empty()) {
    // Calls streamed as they came: the answer is those that completed and validate (the
    // scheduler completes the section within the budget; an answer cut off otherwise, by a
    // cancellation or an error, may end inside one).
    for (const tools::ToolCall& c : stream_->calls())
      if (valid(c)) out.calls.push_back({c.id, c.name, c.arguments});
    return out;
  }
  const std::string section = in_calls_ ? text_.substr(section_) : text_;
  const tools::ParsedOutput parsed =
      spec_.calling->parse((spec_.forced ? spec_.output_prefix : "") + section);
  for (const tools::ToolCall& c : parsed.calls)
    if (valid(c)) out.calls.push_back({c.id, c.name, c.arguments});
  if (!in_calls_) {
    // No trigger appeared; the parser may still have read calls out of the free text.
    out.content = out.calls.empty() ? text_.substr(sent_)
                                    : parsed.content.substr(std::min(parsed.content.size(), sent_));
  }
  out.deltas = tool_call_deltas(out.calls);
  sent_ = text_.size();
  return out;
}

void ToolCallOutput::split(const PreparedJob::ToolOutput& spec, const std::string& text,
                           ChatResult& result) {
  ToolCallOutput output(spec);
  std::string content = output.push(text).content;
  Final final = output.finish();
  result.content = content + final.content;
  result.tool_calls = std::move(final.calls);
  result.finish_reason = finish_reason_with_calls(result.finish_reason, !result.tool_calls.empty());
}

std::vector<json> tool_call_deltas(const std::vector<ToolCall>& calls, size_t first_index) {
  std::vector<json> deltas;
  for (size_t i = 0; i < calls.size(); ++i) {
    const ToolCall& call = calls[i];
    const size_t index = first_index + i;
    deltas.push_back(call_open_delta(index, {call.id, call.name, ""}));
    const std::string& args = call.arguments;
    for (size_t pos = 0; pos < args.size();) {
      size_t end = std::min(args.size(), pos + kArgumentFragment);
      while (end < args.size() && (static_cast<unsigned char>(args[end]) & 0xC0) == 0x80) ++end;
      deltas.push_back(arguments_delta(index, args.substr(pos, end - pos)));
      pos = end;
    }
  }
  return deltas;
}

FinishReason finish_reason_with_calls(FinishReason reason, bool called) {
  return called && reason == FinishReason::kStop ? FinishReason::kToolCalls : reason;
}

}  // namespace ruvllm::server
