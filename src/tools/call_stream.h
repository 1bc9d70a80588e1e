// Reading calls out of a call section while it is generated, for streaming: each call's name as
// soon as it is complete, then its arguments in fragments as their text arrives.
//
// This works on text that follows the format's call markers exactly (what the call grammar lets
// the model write): `name_prefix`, a tool's name, `args_prefix`, a JSON object. The arguments
// are passed on as written, without the blanks between JSON tokens (compact JSON), so the
// fragments concatenate to the call's final `arguments`. Text that departs from the markers
// marks the stream failed: the caller then reads the section with ToolSyntax::parse at the end.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tools/tool_format.h"
#include "tools/tool_types.h"

namespace ruvllm::tools {

class CallStream {
 public:
  CallStream(CallMarkers markers, std::vector<std::string> names);

  // What one feed() made known about call `index`.
  struct Event {
    size_t index = 0;
    bool opened = false;    // the call's id and name are new
    std::string arguments;  // arguments text new in this feed (may be empty)
  };

  // Appends `text` to the section and returns what it made known, in order.
  std::vector<Event> feed(std::string_view text);

  // The calls seen so far (`arguments` as far as written); ids are fresh call ids.
  const std::vector<ToolCall>& calls() const { return calls_; }
  // Whether the last call's arguments object is closed (true when there is none).
  bool all_closed() const { return !in_arguments_; }
  bool failed() const { return failed_; }

 private:
  // Looks for the next call's name; true when one opened.
  bool open_call();
  // Scans arguments text; returns the compact text scanned.
  std::string scan_arguments();

  CallMarkers markers_;
  std::vector<std::string> names_;
  std::string text_;
  size_t pos_ = 0;  // next byte to look at
  std::vector<ToolCall> calls_;
  bool in_arguments_ = false;
  bool failed_ = false;
  // The JSON scanner inside an arguments object.
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

}  // namespace ruvllm::tools
