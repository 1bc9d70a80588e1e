// JSON Schema validation (Draft 7, with the cheap 2019-09/2020-12 spellings).
//
// A schema is compiled once into a graph of keyword checks (`JsonSchemaValidator::compile`) and
// then validates any number of instances, concurrently if wanted (validation never mutates the
// validator). Every failure names the instance location as a JSON pointer, the schema keyword
// that rejected it and a message meant for a person (or for an LLM being asked to fix its output):
//
//   /items/2/name: string is longer than maxLength 10
//
// Supported: type, enum, const, properties, required, additionalProperties, patternProperties,
// propertyNames, minProperties, maxProperties, dependencies (and dependentRequired /
// dependentSchemas), items (schema and array forms, and prefixItems), additionalItems, contains,
// minItems, maxItems, uniqueItems, minLength, maxLength (Unicode code points), pattern (ECMAScript
// regex through std::wregex: no \p{...} classes, no lookbehind, \w \d \b are ASCII-only), format
// (date, time, date-time, email, ipv4, ipv6, hostname, uri, uri-reference, uuid, json-pointer,
// relative-json-pointer, regex), multipleOf, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum (numeric form and the Draft 4 boolean form), allOf, anyOf, oneOf, not,
// if/then/else, $ref (JSON pointers, $id-based and plain-name identifiers, $anchor, remote
// documents through a resolver callback), boolean schemas. The Draft 7 meta-schema is built in.
//
// As in Draft 7, keywords next to a "$ref" are ignored, unless "$schema" names 2019-09 or 2020-12.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ruvllm::structured {

// Fetches a schema document that a "$ref" names by absolute URI (without fragment), e.g.
// "http://localhost:1234/integer.json". Returns nullopt when it does not know the URI; the
// compile then fails with a FormatError naming the URI.
using SchemaResolver = std::function<std::optional<nlohmann::json>(const std::string& uri)>;

struct JsonSchemaOptions {
  // Draft 7 makes "format" an annotation that validators may assert. We assert by default:
  // structured output that claims "format": "date" should be a date.
  bool assert_formats = true;
  // Used for "$ref"s to documents other than the schema itself and the built-in meta-schema.
  SchemaResolver resolver;
  // Base URI of the schema when it has no "$id" of its own.
  std::string base_uri = "urn:ruvllm:root-schema";
  // `validate` stops collecting after this many errors.
  std::size_t max_errors = 64;
  // Instances nested deeper than this are rejected instead of risking the stack.
  std::size_t max_depth = 512;
};

// One reason an instance does not match its schema.
struct ValidationError {
  std::string instance_location;  // JSON pointer into the instance ("" is the whole instance)
  std::string keyword;            // the schema keyword that failed, e.g. "maxLength"
  std::string schema_location;    // URI of the failing keyword, e.g. "urn:...#/properties/a/type"
  std::string message;            // e.g. "string is longer than maxLength 10"

  // "<instance_location>: <message>", with "(root)" for the whole instance.
  std::string to_string() const;
};

struct ValidationResult {
  bool valid = true;
  std::vector<ValidationError> errors;  // empty when valid; at most JsonSchemaOptions::max_errors

  explicit operator bool() const { return valid; }
  // All errors, one per line.
  std::string to_string() const;
};

namespace detail {
class CompiledSchema;
}

// A compiled JSON Schema. Cheap to copy (shares the immutable compiled graph).
class JsonSchemaValidator {
 public:
  // Compiles `schema` (an object or a boolean). Throws FormatError for schemas that are not valid
  // JSON Schema in a way that matters (a keyword of the wrong type, a bad regex, an unresolvable
  // "$ref").
  static JsonSchemaValidator compile(const nlohmann::json& schema,
                                     const JsonSchemaOptions& options = {});

  // Checks `instance` and reports every failure (up to max_errors).
  ValidationResult validate(const nlohmann::json& instance) const;
  // Checks `instance`, stopping at the first failure.
  bool is_valid(const nlohmann::json& instance) const;

 private:
  explicit JsonSchemaValidator(std::shared_ptr<const detail::CompiledSchema> compiled);
  std::shared_ptr<const detail::CompiledSchema> compiled_;
};

// The Draft 7 meta-schema (http://json-schema.org/draft-07/schema#).
const nlohmann::json& draft7_metaschema();

}  // namespace ruvllm::structured
