#include "tools/call_stream.h"

namespace ruvllm::tools {

CallStream::CallStream(CallMarkers markers, std::vector<std::string> names)
    : markers_(std::move(markers)), names_(std::move(names)) {}

std::vector<CallStream::Event> CallStream::feed(std::string_view text) {
  std::vector<Event> events;
  text_ += text;
  while (!failed_) {
    if (!in_arguments_) {
      if (!open_call()) break;
      events.push_back({calls_.size() - 1, true, {}});
    }
    std::string fragment = scan_arguments();
    if (!fragment.empty()) {
      if (events.empty() || events.back().index != calls_.size() - 1)
        events.push_back({calls_.size() - 1, false, {}});
      events.back().arguments += fragment;
    }
    if (in_arguments_) break;  // the object goes on in text still to come
  }
  return events;
}

bool CallStream::open_call() {
  const size_t at = text_.find(markers_.name_prefix, pos_);
  if (at == std::string::npos) return false;
  const std::string_view rest = std::string_view(text_).substr(at + markers_.name_prefix.size());
  bool partial = false;
  for (const std::string& name : names_) {
    const std::string head = name + markers_.args_prefix;
    if (rest.size() <= head.size()) {
      // Not all there yet: wait while the text so far could still become this name.
      if (std::string_view(head).starts_with(rest)) partial = true;
      continue;
    }
    if (!rest.starts_with(head) || rest[head.size()] != '{') continue;
    calls_.push_back({new_tool_call_id(), name, ""});
    pos_ = at + markers_.name_prefix.size() + head.size();
    in_arguments_ = true;
    depth_ = 0;
    in_string_ = escaped_ = false;
    return true;
  }
  if (!partial) failed_ = true;  // something other than a call the grammar allows
  return false;
}

std::string CallStream::scan_arguments() {
  std::string out;
  for (; pos_ < text_.size() && in_arguments_; ++pos_) {
    const char c = text_[pos_];
    if (in_string_) {
      out += c;
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    out += c;
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) in_arguments_ = false;
    }
  }
  calls_.back().arguments += out;
  return out;
}

}  // namespace ruvllm::tools
