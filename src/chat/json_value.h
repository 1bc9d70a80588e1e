// Conversions between JSON and template values, and Python's json.dumps.
//
// Contexts arrive as nlohmann::ordered_json so dict key order is kept (Python dicts are ordered,
// and `tojson` must print keys in the order the caller gave them).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chat/value.h"

namespace ruvllm::chat {

// JSON -> value: objects become dicts (in order), arrays lists, integers int, other numbers float.
Value from_json(const nlohmann::ordered_json& json);

struct JsonDumpOptions {
  std::optional<std::string> indent;  // absent: one line; else this string per level
  std::string item_separator = ", ";  // Python's default separators without indent
  std::string key_separator = ": ";
  bool ensure_ascii = false;
  bool sort_keys = false;
};

// Python json.dumps(value, ...). Raises TypeError ("Object of type X is not JSON serializable")
// for undefined, generators, functions and objects.
std::string json_dumps(const Value& value, const JsonDumpOptions& options);

}  // namespace ruvllm::chat
