// Internal: the state of one JSON Schema → GBNF conversion (see json_schema_to_gbnf.h).
//
// Split by concern: schema_converter.cpp (dispatch, scalars, arrays, literals),
// schema_objects.cpp (objects and key exclusion), schema_refs.cpp ($ref resolution and allOf
// merging).
#pragma once

#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "structured/json_schema_to_gbnf.h"

namespace ruvllm::structured::schema_detail {

using Json = nlohmann::ordered_json;

class SchemaConverter {
 public:
  SchemaConverter(const Json& root, const JsonSchemaGrammarOptions& options);

  // GBNF expression for instances of `schema` (found at JSON pointer `path`).
  std::string visit(const Json& schema, const std::string& path);
  // All rules so far, "name ::= body" lines.
  std::string rules_text() const;
  // All rules so far, as (name, body) pairs in definition order.
  const std::vector<std::pair<std::string, std::string>>& rules() const { return rules_; }
  void set_root(const std::string& expression) { define("root", expression); }

  // Named base rules (ws, value, object, array, string, jchar, jstr-body, number, integer...).
  std::string base(const std::string& name);

  std::vector<std::string> unenforced;

 private:
  // --- rules
  std::string fresh_name(const std::string& hint);
  // Bodies are taken by value: most are temporaries, moved into the rule list.
  void define(const std::string& name, std::string body);
  std::string add_rule(const std::string& hint, std::string body);
  void note(const std::string& keyword, const std::string& path);
  std::string ws();
  std::string seq(std::initializer_list<std::string> parts) const;
  std::string sep() { return seq({ws(), "\",\"", ws()}); }

  // --- values
  std::string visit_typed(const std::string& type, const Json& schema, const std::string& path);
  std::string literal(const Json& value);
  std::string string_schema(const Json& schema, const std::string& path);
  std::string bounded_string(size_t min_len, std::optional<size_t> max_len);
  std::string number_schema(const Json& schema, const std::string& path, bool integer);
  std::string array_schema(const Json& schema, const std::string& path);
  std::string object_schema(const Json& schema, const std::string& path);
  struct ObjectMember {
    std::string kv;  // rule for "name": value
    bool required = false;
  };
  // The members after "{": each listed member at most once; `extra` (may be empty) is the rule
  // of members that may repeat (other keys, pattern keys).
  std::string members_any_order(const std::vector<ObjectMember>& listed, const std::string& extra,
                                bool non_empty);
  std::string members_in_order(const std::vector<ObjectMember>& listed, const std::string& extra,
                               bool non_empty);
  std::string other_key(const std::vector<std::string>& excluded_names, const std::string& path);

  // --- references and merging
  const Json& resolve(const std::string& ref, const std::string& path);
  const Json& deref(const Json& schema, const std::string& path);
  std::string ref_rule(const std::string& ref, const std::string& path);
  Json merge(const Json& a, const Json& b, const std::string& path);
  bool has_validation_keywords(const Json& schema) const;
  const Json* find_id(const Json& node, const std::string& id) const;

  const Json& root_;
  JsonSchemaGrammarOptions options_;
  std::vector<std::pair<std::string, std::string>> rules_;
  std::unordered_map<std::string, size_t> rule_index_;
  std::unordered_map<std::string, std::string> rule_by_body_;
  std::unordered_map<std::string, std::string> rule_by_ref_;
  std::unordered_map<std::string, int> next_suffix_;  // fresh_name: first suffix not yet tried
  std::deque<Json> owned_;                            // merged schemas kept alive while visited
  int depth_ = 0;
};

}  // namespace ruvllm::structured::schema_detail
