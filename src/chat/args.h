// Binding call arguments to a Python-style parameter list, for filters, tests, methods and
// global functions: positional arguments fill parameters in order, keywords by name, and unknown
// or duplicate arguments raise TypeError as Python would.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chat/value.h"

namespace ruvllm::chat {

class BoundArgs {
 public:
  // `params` are the parameter names in order; the first `required` of them must be given.
  BoundArgs(const std::string& function_name, CallArgs& args,
            const std::vector<std::string>& params, size_t required = 0);

  bool has(size_t i) const { return values_[i].has_value(); }
  // The argument, or `fallback` when it was not given.
  Value get(size_t i, Value fallback = Value()) const {
    return values_[i] ? *values_[i] : std::move(fallback);
  }
  int64_t get_int(size_t i, int64_t fallback) const;
  bool get_bool(size_t i, bool fallback) const;
  std::optional<std::string> get_optional_string(size_t i) const;

 private:
  std::string name_;
  std::vector<std::string> params_;
  std::vector<std::optional<Value>> values_;
};

// Rejects any arguments for a function that takes none.
void expect_no_args(const std::string& function_name, const CallArgs& args);

}  // namespace ruvllm::chat
