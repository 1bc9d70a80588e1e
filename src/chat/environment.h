// The filters and tests a template can use, by name: Jinja2's built-in set plus transformers'
// `tojson` (json.dumps with ensure_ascii=False and no HTML escaping).
//
// Filters and tests receive the Environment so higher-order ones (map, select, selectattr...) can
// apply other filters and tests by name.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>

#include "chat/value.h"

namespace ruvllm::chat {

class Environment;
using FilterFn = std::function<Value(const Environment&, const Value& input, CallArgs& args)>;
using TestFn = std::function<bool(const Environment&, const Value& input, CallArgs& args)>;

class Environment {
 public:
  // An environment with all built-in filters and tests.
  Environment();

  void add_filter(const std::string& name, FilterFn fn) { filters_[name] = std::move(fn); }
  void add_test(const std::string& name, TestFn fn) { tests_[name] = std::move(fn); }
  bool has_filter(const std::string& name) const { return filters_.count(name) != 0; }
  bool has_test(const std::string& name) const { return tests_.count(name) != 0; }

  // Apply by name; unknown names raise TemplateAssertionError ("No filter named 'x'.").
  Value apply_filter(const std::string& name, const Value& input, CallArgs& args) const;
  bool apply_test(const std::string& name, const Value& input, CallArgs& args) const;

  // The shared environment with the built-ins (filters and tests are stateless).
  static const Environment& standard();

 private:
  std::unordered_map<std::string, FilterFn> filters_;
  std::unordered_map<std::string, TestFn> tests_;
};

// Registration of the built-in sets (each in its own file).
void register_text_filters(Environment& env);
void register_collection_filters(Environment& env);
void register_tests(Environment& env);

// Jinja2's make_attrgetter: "a.b.0" looked up part by part with item-then-attribute semantics
// (digit parts are integer indexes). An empty attribute returns the item itself.
Value lookup_attribute_path(const Value& item, const std::string& path);

}  // namespace ruvllm::chat
