#include "server/json_fields.h"

#include <cmath>
#include <cstdio>

#include "server/api_error.h"

namespace ruvllm::server {

FieldReader::FieldReader(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {}

bool FieldReader::has(std::string_view key) const {
  return any(key) != nullptr;
}

std::string FieldReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const nlohmann::json* FieldReader::any(std::string_view key) const {
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

void FieldReader::fail(std::string_view key, const std::string& message) const {
  const std::string path = path_of(key);
  throw ApiError::invalid_param(path, "'" + path + "' " + message);
}

std::optional<std::string> FieldReader::string(std::string_view key) const {
  const nlohmann::json* v = any(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail(key, "must be a string");
  return v->get<std::string>();
}

std::optional<bool> FieldReader::boolean(std::string_view key) const {
  const nlohmann::json* v = any(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) fail(key, "must be a boolean");
  return v->get<bool>();
}

std::optional<double> FieldReader::number(std::string_view key, double min, double max) const {
  const nlohmann::json* v = any(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail(key, "must be a number");
  const double value = v->get<double>();
  if (!std::isfinite(value) || value < min || value > max)
    fail(key, "must be between " + format_bound(min) + " and " + format_bound(max));
  return value;
}

std::optional<int64_t> FieldReader::integer(std::string_view key, int64_t min, int64_t max) const {
  const nlohmann::json* v = any(key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) fail(key, "must be an integer");
  int64_t value;
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) fail(key, "is too large");
    value = static_cast<int64_t>(u);
  } else {
    value = v->get<int64_t>();
  }
  if (value < min || value > max) {
    if (max == INT64_MAX) fail(key, "must be at least " + std::to_string(min));
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

const nlohmann::json* FieldReader::object(std::string_view key) const {
  const nlohmann::json* v = any(key);
  if (v && !v->is_object()) fail(key, "must be an object");
  return v;
}

const nlohmann::json* FieldReader::array(std::string_view key) const {
  const nlohmann::json* v = any(key);
  if (v && !v->is_array()) fail(key, "must be an array");
  return v;
}

std::string json_type_phrase(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "an integer";
    case nlohmann::json::value_t::number_float:
      return "a number";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

std::string format_bound(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

}  // namespace ruvllm::server
