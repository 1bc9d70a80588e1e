#include "chat/environment.h"

#include <optional>

#include "chat/operations.h"
#include "chat/py_number.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

Environment::Environment() {
  register_text_filters(*this);
  register_collection_filters(*this);
  register_tests(*this);
}

Value Environment::apply_filter(const std::string& name, const Value& input, CallArgs& args) const {
  auto it = filters_.find(name);
  if (it == filters_.end())
    throw TemplateError("TemplateAssertionError", "No filter named '" + name + "'.");
  return it->second(*this, input, args);
}

bool Environment::apply_test(const std::string& name, const Value& input, CallArgs& args) const {
  auto it = tests_.find(name);
  if (it == tests_.end())
    throw TemplateError("TemplateAssertionError", "No test named '" + name + "'.");
  return it->second(*this, input, args);
}

const Environment& Environment::standard() {
  static const Environment env;
  return env;
}

Value lookup_attribute_path(const Value& item, const std::string& path) {
  Value v = item;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    std::optional<int64_t> index = digits ? py::parse_int(part) : std::nullopt;
    v = index ? get_item(v, Value(*index)) : get_item(v, Value(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return v;
}

}  // namespace ruvllm::chat
