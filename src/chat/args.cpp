#include "chat/args.h"

#include "chat/template_error.h"

namespace ruvllm::chat {

BoundArgs::BoundArgs(const std::string& function_name, CallArgs& args,
                     const std::vector<std::string>& params, size_t required)
    : name_(function_name), params_(params), values_(params.size()) {
  if (args.positional.size() > params.size()) {
    throw_type_error(function_name + "() takes at most " + std::to_string(params.size()) +
                     " argument" + (params.size() == 1 ? "" : "s") + " (" +
                     std::to_string(args.positional.size()) + " given)");
  }
  for (size_t i = 0; i < args.positional.size(); ++i) values_[i] = args.positional[i];
  for (auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < params.size() && params[i] != key) ++i;
    if (i == params.size())
      throw_type_error(function_name + "() got an unexpected keyword argument '" + key + "'");
    if (values_[i])
      throw_type_error(function_name + "() got multiple values for argument '" + key + "'");
    values_[i] = value;
  }
  for (size_t i = 0; i < required; ++i) {
    if (!values_[i])
      throw_type_error(function_name + "() missing required argument: '" + params[i] + "'");
  }
}

int64_t BoundArgs::get_int(size_t i, int64_t fallback) const {
  if (!values_[i]) return fallback;
  const Value& v = *values_[i];
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool() ? 1 : 0;
  if (v.is_undefined()) v.fail_undefined();
  throw_type_error("'" + v.type_name() +
                   "' object cannot be interpreted as an integer (argument '" + params_[i] +
                   "' of " + name_ + ")");
}

bool BoundArgs::get_bool(size_t i, bool fallback) const {
  return values_[i] ? values_[i]->truthy() : fallback;
}

std::optional<std::string> BoundArgs::get_optional_string(size_t i) const {
  if (!values_[i] || values_[i]->is_none()) return std::nullopt;
  const Value& v = *values_[i];
  if (!v.is_string())
    throw_type_error(name_ + "() argument '" + params_[i] + "' must be str or None, not " +
                     v.type_name());
  return v.as_string();
}

void expect_no_args(const std::string& function_name, const CallArgs& args) {
  if (!args.positional.empty() || !args.keyword.empty())
    throw_type_error(function_name + "() takes no arguments");
}

}  // namespace ruvllm::chat
