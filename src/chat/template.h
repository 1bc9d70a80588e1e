// A Jinja2 template engine that renders Hugging Face chat templates byte-for-byte as transformers
// does (ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and loop controls, its
// `tojson`, `raise_exception` and `strftime_now`).
//
//   auto t = ruvllm::chat::Template::parse(source);        // once; throws TemplateSyntaxError
//   std::string prompt = t.render(context_json);          // many times; throws TemplateError
//
// The context is a JSON object whose keys become template variables; key order is kept so
// `tojson` prints objects in the caller's order. Errors carry the Python exception type Jinja2
// would raise (see template_error.h). A Template is immutable and safe to render concurrently.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "chat/globals.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace ast {
struct Node;
}

struct RenderOptions {
  // What strftime_now(format) returns; defaults to the local time.
  StrftimeFn strftime_now = strftime_local_now;
};

class Template {
 public:
  // Parses and checks a template: syntax errors and unknown filters/tests raise here, as they do
  // when Jinja2 compiles a template.
  static Template parse(std::string_view source);

  std::string render(const nlohmann::ordered_json& context,
                     const RenderOptions& options = {}) const;

 private:
  struct Body;
  explicit Template(std::shared_ptr<const Body> body) : body_(std::move(body)) {}
  std::shared_ptr<const Body> body_;
};

}  // namespace ruvllm::chat
