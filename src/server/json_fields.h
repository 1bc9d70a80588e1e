// Strictly typed reading of the fields of one JSON object in a request body.
//
// OpenAI's API rejects a field of the wrong type with a 400 that names the field, treats `null` as
// "not given", and ignores fields it does not know. `FieldReader` does the same: each getter
// returns nullopt for a missing or null field, the value when it has the right type and range,
// and otherwise throws ApiError::invalid_param with the field's full path ("messages[2].role").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ruvllm::server {

class FieldReader {
 public:
  // `object` must outlive the reader. `path` is the object's own path ("" for the body root).
  FieldReader(const nlohmann::json& object, std::string path);

  // True when the field is present and not null.
  bool has(std::string_view key) const;
  // The field's path for error messages: "key" at the root, "parent.key" below it.
  std::string path_of(std::string_view key) const;

  std::optional<std::string> string(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  // Any JSON number within [min, max].
  std::optional<double> number(std::string_view key, double min, double max) const;
  // A JSON integer (no fraction) within [min, max].
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max) const;
  // The raw value when it is an object / an array.
  const nlohmann::json* object(std::string_view key) const;
  const nlohmann::json* array(std::string_view key) const;
  // The raw value of any type (nullptr when missing or null).
  const nlohmann::json* any(std::string_view key) const;

  // Throws 400 "'<path>' <message>".
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

 private:
  const nlohmann::json& object_;
  std::string path_;
};

// The JSON type name used in error messages ("a string", "an integer", ...).
std::string json_type_phrase(const nlohmann::json& value);

// "%g" formatting of a bound for error messages (2 rather than 2.000000).
std::string format_bound(double value);

}  // namespace ruvllm::server
