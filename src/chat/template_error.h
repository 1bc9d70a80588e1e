// Errors raised while parsing or rendering a chat template.
//
// A TemplateError carries the name of the Python exception Jinja2 would raise (`UndefinedError`,
// `TypeError`, `TemplateError` for raise_exception(), `TemplateSyntaxError`, ...) and its message,
// so callers can report exactly what transformers would report: what() is "Type: message".
#pragma once

#include <string>

#include "core/error.h"

namespace ruvllm::chat {

class TemplateError : public ruvllm::Error {
 public:
  TemplateError(std::string type, std::string message)
      : ruvllm::Error(type + ": " + message),
        type_(std::move(type)),
        message_(std::move(message)) {}

  // The Python exception class name, e.g. "UndefinedError".
  const std::string& type() const { return type_; }
  // The message without the type prefix.
  const std::string& message() const { return message_; }

 private:
  std::string type_;
  std::string message_;
};

// A template that does not parse. `line` is 1-based; the message ends with " (line N)".
class TemplateSyntaxError : public TemplateError {
 public:
  TemplateSyntaxError(const std::string& message, int line)
      : TemplateError("TemplateSyntaxError", message + " (line " + std::to_string(line) + ")"),
        line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

// Shorthands for the runtime errors Python would raise.
[[noreturn]] inline void throw_type_error(const std::string& message) {
  throw TemplateError("TypeError", message);
}
[[noreturn]] inline void throw_value_error(const std::string& message) {
  throw TemplateError("ValueError", message);
}
[[noreturn]] inline void throw_runtime_error(const std::string& message) {
  throw TemplateError("TemplateRuntimeError", message);
}

// Strings and lists a template builds (padding, repetition) are capped at this many bytes/items,
// so a template cannot exhaust memory; Python would raise MemoryError much later.
constexpr size_t kMaxBuiltSize = size_t{256} << 20;
inline void check_built_size(long double size) {
  if (size > static_cast<long double>(kMaxBuiltSize))
    throw TemplateError("MemoryError", "result too large");
}

}  // namespace ruvllm::chat
