// Helpers for the chat template tests: render a template source with a JSON context, or get the
// "Type: message" of the error it raises.
#pragma once

#include <string>

#include "chat/template.h"

namespace ruvllm::chat::testing_util {

inline std::string pinned_date(const std::string&) {
  return "26 Jul 2024";
}

inline std::string render(const std::string& source, const std::string& context_json = "{}") {
  RenderOptions options;
  options.strftime_now = pinned_date;
  return Template::parse(source).render(nlohmann::ordered_json::parse(context_json), options);
}

// The error a template raises at parse or render time, as "Type: message"; "" if none.
inline std::string render_error(const std::string& source, const std::string& context_json = "{}") {
  try {
    render(source, context_json);
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

}  // namespace ruvllm::chat::testing_util
