// Internals of the JSON Schema validator: the compiled schema graph, the keyword interface, the
// compiler interface keywords use to build their subschemas, and the per-validation context.
//
// A compiled schema is a vector of nodes; a node is a boolean schema or a list of keyword checks.
// Keywords refer to subschemas by node id, so "$ref" cycles (recursive schemas) are plain edges.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "structured/json_validator.h"

namespace ruvllm::structured::detail {

using json = nlohmann::json;
using NodeId = std::size_t;

class ValidationContext;

// One keyword check of a schema object, e.g. {"maxLength": 10}.
class Keyword {
 public:
  Keyword(std::string name, std::string schema_location)
      : name_(std::move(name)), location_(std::move(schema_location)) {}
  virtual ~Keyword() = default;

  // Checks `instance`, reporting failures through `ctx`. Returns true when it passes.
  virtual bool validate(const json& instance, ValidationContext& ctx) const = 0;

  const std::string& name() const { return name_; }
  const std::string& location() const { return location_; }

 private:
  std::string name_;
  std::string location_;
};

struct SchemaNode {
  bool is_boolean = false;
  bool boolean_value = true;
  std::vector<std::unique_ptr<Keyword>> keywords;
  std::string location;  // URI of this schema, for error reports
};

class CompiledSchema {
 public:
  std::vector<std::unique_ptr<SchemaNode>> nodes;
  NodeId root = 0;
  std::size_t max_errors = 64;
  std::size_t max_depth = 512;
};

// The JSON Schema version a document declares with "$schema". Draft 6/7 is the default; Draft 4
// (and 3) spell the identifier "id" and count 1.0 as not an integer; 2019-09 and 2020-12 apply the
// keywords beside "$ref" and know "$anchor".
enum class Dialect { kDraft4, kDraft7, kModern };

// Where a schema (or subschema) sits: which document, at which JSON pointer, under which base URI.
struct SchemaLocation {
  const json* value = nullptr;
  std::size_t document = 0;
  std::string pointer;       // JSON pointer of `value` inside its document
  std::string base_uri;      // for resolving "$ref" inside it
  std::string document_uri;  // the document's retrieval URI, for error reports
  Dialect dialect = Dialect::kDraft7;

  // Location of keyword `keyword` of this schema as a URI, for error reports.
  std::string keyword_uri(std::string_view keyword) const;
};

// What keyword constructors need from the compiler.
class SchemaBuilder {
 public:
  virtual ~SchemaBuilder() = default;
  // Compiles the subschema at `parent`/`tokens` (e.g. {"properties", "name"}).
  virtual NodeId child(const SchemaLocation& parent, const std::vector<std::string>& tokens) = 0;
  // Compiles the schema that `reference` (a "$ref" value) names, relative to `where`.
  virtual NodeId reference(const SchemaLocation& where, const std::string& reference) = 0;
  virtual bool assert_formats() const = 0;
  // Throws FormatError naming the schema location and keyword.
  [[noreturn]] virtual void fail(const SchemaLocation& where, std::string_view keyword,
                                 const std::string& message) const = 0;
};

// Appends the checks for each keyword group present in schema object `where` to `node`.
// Each group lives in its own file (json_validator_keywords_<group>.cpp).
void add_generic_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node);
void add_numeric_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node);
void add_string_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node);
void add_array_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node);
void add_object_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node);
void add_logic_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node);
// The "$ref" check alone (Draft 7 ignores the keywords beside it).
void add_ref_keyword(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node);

// Calls `visit(tokens, subschema)` for every subschema position of schema object `schema`
// (properties/x, items/0, allOf/1, ...), so that "$id"s are found only where schemas are.
template <typename Visit>
void for_each_subschema(const json& schema, Visit&& visit);

// State of one validation: the instance path, the error sink and recursion guards.
class ValidationContext {
 public:
  ValidationContext(const CompiledSchema& schema, std::vector<ValidationError>* errors);

  // Applies node `id` to `instance` (at the current instance path).
  bool validate(NodeId id, const json& instance);
  // Like validate, but errors go to `sink` (nullptr: nowhere, stop at the first).
  bool probe(NodeId id, const json& instance, std::vector<ValidationError>* sink);

  // Records a failure of `keyword` at the current instance location; returns false.
  bool fail(const Keyword& keyword, std::string message);
  // Same, at the child `token` of the current instance location.
  bool fail_at(const std::string& token, const Keyword& keyword, std::string message);
  // True when the caller may stop at the first failure (nobody collects errors, or enough are).
  bool stop_early() const;

  // Keeps the instance path pointing at a child while in scope.
  class Child {
   public:
    Child(ValidationContext& ctx, const std::string& key);
    Child(ValidationContext& ctx, std::size_t index);
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

   private:
    ValidationContext& ctx_;
  };

  // Guards against a "$ref" cycle that never descends into the instance.
  bool enter_ref(NodeId target, const json* instance);
  void leave_ref();

  std::string instance_location() const;

 private:
  const CompiledSchema& schema_;
  std::vector<ValidationError>* errors_;
  std::vector<std::string> path_;  // escaped pointer tokens
  std::vector<std::pair<NodeId, const json*>> active_refs_;
  std::size_t depth_ = 0;
};

// Shared helpers for keyword implementations.
std::string describe_type(const json& value);  // "string", "integer", "number", "object"...
std::string short_dump(const json& value, std::size_t max_chars = 80);
bool json_equal(const json& a, const json& b);   // numbers compare by value: 1 == 1.0
std::size_t utf8_length(std::string_view text);  // code points
// The value of member `keyword` of the schema, which must be a non-negative integer (2.0 counts).
std::size_t count_member(SchemaBuilder& builder, const SchemaLocation& where, const char* keyword);
// The value of a number as long double: exact for int64, uint64 and double on x86-64.
long double number_value(const json& value);

// ----------------------------------------------------------------------------------------------

template <typename Visit>
void for_each_subschema(const json& schema, Visit&& visit) {
  if (!schema.is_object()) return;
  static const char* const kSingle[] = {"additionalItems",
                                        "additionalProperties",
                                        "contains",
                                        "propertyNames",
                                        "not",
                                        "if",
                                        "then",
                                        "else",
                                        "items",
                                        "unevaluatedItems",
                                        "unevaluatedProperties"};
  static const char* const kMaps[] = {"definitions",      "$defs",
                                      "properties",       "patternProperties",
                                      "dependentSchemas", "dependencies"};
  static const char* const kArrays[] = {"allOf", "anyOf", "oneOf", "items", "prefixItems"};
  for (const char* key : kSingle) {
    auto it = schema.find(key);
    if (it != schema.end() && (it->is_object() || it->is_boolean())) visit({key}, *it);
  }
  for (const char* key : kMaps) {
    auto it = schema.find(key);
    if (it == schema.end() || !it->is_object()) continue;
    for (auto member = it->begin(); member != it->end(); ++member) {
      if (member->is_object() || member->is_boolean()) visit({key, member.key()}, *member);
    }
  }
  for (const char* key : kArrays) {
    auto it = schema.find(key);
    if (it == schema.end() || !it->is_array()) continue;
    for (std::size_t i = 0; i < it->size(); ++i) visit({key, std::to_string(i)}, (*it)[i]);
  }
}

}  // namespace ruvllm::structured::detail
