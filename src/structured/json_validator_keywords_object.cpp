// Keywords for objects: properties, patternProperties, additionalProperties, required,
// propertyNames, minProperties, maxProperties, dependencies (dependentRequired and
// dependentSchemas in 2019-09 spelling).
#include <memory>
#include <optional>
#include <set>

#include "structured/json_validator_internal.h"
#include "structured/json_validator_regex.h"

namespace ruvllm::structured::detail {
namespace {

const json& object_member(SchemaBuilder& builder, const SchemaLocation& where, const char* key) {
  const json& value = where.value->at(key);
  if (!value.is_object()) builder.fail(where, key, "must be an object");
  return value;
}

std::vector<std::string> string_list(SchemaBuilder& builder, const SchemaLocation& where,
                                     const char* key, const json& list) {
  if (!list.is_array()) builder.fail(where, key, "must be an array of strings");
  std::vector<std::string> out;
  for (const json& item : list) {
    if (!item.is_string()) builder.fail(where, key, "must be an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

class PropertiesKeyword final : public Keyword {
 public:
  PropertiesKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("properties", where.keyword_uri("properties")) {
    const json& properties = object_member(builder, where, "properties");
    for (auto it = properties.begin(); it != properties.end(); ++it) {
      schemas_.emplace_back(it.key(), builder.child(where, {"properties", it.key()}));
    }
  }

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_object()) return true;
    bool ok = true;
    for (const auto& [name, schema] : schemas_) {
      auto it = instance.find(name);
      if (it == instance.end()) continue;
      ValidationContext::Child child(ctx, name);
      if (!ctx.validate(schema, *it)) {
        ok = false;
        if (ctx.stop_early()) break;
      }
    }
    return ok;
  }

 private:
  std::vector<std::pair<std::string, NodeId>> schemas_;
};

struct PatternSchema {
  std::shared_ptr<const EcmaRegex> regex;
  NodeId schema;
};

std::vector<PatternSchema> compile_pattern_properties(SchemaBuilder& builder,
                                                      const SchemaLocation& where) {
  std::vector<PatternSchema> out;
  const json& patterns = object_member(builder, where, "patternProperties");
  for (auto it = patterns.begin(); it != patterns.end(); ++it) {
    std::shared_ptr<const EcmaRegex> regex;
    try {
      regex = std::make_shared<const EcmaRegex>(it.key());
    } catch (const std::exception& e) {
      builder.fail(where, "patternProperties", e.what());
    }
    out.push_back({regex, builder.child(where, {"patternProperties", it.key()})});
  }
  return out;
}

class PatternPropertiesKeyword final : public Keyword {
 public:
  PatternPropertiesKeyword(const SchemaLocation& where, std::vector<PatternSchema> patterns)
      : Keyword("patternProperties", where.keyword_uri("patternProperties")),
        patterns_(std::move(patterns)) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_object()) return true;
    bool ok = true;
    for (auto it = instance.begin(); it != instance.end(); ++it) {
      for (const PatternSchema& pattern : patterns_) {
        if (!pattern.regex->search(it.key())) continue;
        ValidationContext::Child child(ctx, it.key());
        if (!ctx.validate(pattern.schema, *it)) {
          ok = false;
          if (ctx.stop_early()) return false;
        }
      }
    }
    return ok;
  }

 private:
  std::vector<PatternSchema> patterns_;
};

// Applies to the members that neither "properties" nor "patternProperties" name.
class AdditionalPropertiesKeyword final : public Keyword {
 public:
  AdditionalPropertiesKeyword(SchemaBuilder& builder, const SchemaLocation& where,
                              std::vector<PatternSchema> patterns)
      : Keyword("additionalProperties", where.keyword_uri("additionalProperties")),
        patterns_(std::move(patterns)),
        schema_(builder.child(where, {"additionalProperties"})) {
    const json& additional = where.value->at("additionalProperties");
    forbidden_ = additional.is_boolean() && !additional.get<bool>();
    auto properties = where.value->find("properties");
    if (properties != where.value->end() && properties->is_object()) {
      for (auto it = properties->begin(); it != properties->end(); ++it) names_.insert(it.key());
    }
  }

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_object()) return true;
    bool ok = true;
    for (auto it = instance.begin(); it != instance.end(); ++it) {
      if (is_declared(it.key())) continue;
      if (forbidden_) {
        ok = ctx.fail_at(it.key(), *this,
                         "property \"" + it.key() +
                             "\" is not allowed (additionalProperties "
                             "is false)");
      } else {
        ValidationContext::Child child(ctx, it.key());
        if (!ctx.validate(schema_, *it)) ok = false;
      }
      if (!ok && ctx.stop_early()) return false;
    }
    return ok;
  }

 private:
  bool is_declared(const std::string& name) const {
    if (names_.count(name)) return true;
    for (const PatternSchema& pattern : patterns_) {
      if (pattern.regex->search(name)) return true;
    }
    return false;
  }

  std::set<std::string> names_;
  std::vector<PatternSchema> patterns_;
  NodeId schema_;
  bool forbidden_ = false;
};

class RequiredKeyword final : public Keyword {
 public:
  RequiredKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("required", where.keyword_uri("required")),
        names_(string_list(builder, where, "required", where.value->at("required"))) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_object()) return true;
    bool ok = true;
    for (const std::string& name : names_) {
      if (instance.contains(name)) continue;
      ok = ctx.fail(*this, "missing required property \"" + name + "\"");
      if (ctx.stop_early()) break;
    }
    return ok;
  }

 private:
  std::vector<std::string> names_;
};

class PropertyNamesKeyword final : public Keyword {
 public:
  PropertyNamesKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("propertyNames", where.keyword_uri("propertyNames")),
        schema_(builder.child(where, {"propertyNames"})) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_object()) return true;
    for (auto it = instance.begin(); it != instance.end(); ++it) {
      std::vector<ValidationError> reasons;
      if (!ctx.probe(schema_, json(it.key()), &reasons)) {
        std::string why = reasons.empty() ? std::string() : ": " + reasons.front().message;
        return ctx.fail(*this, "property name \"" + it.key() + "\" is not allowed" + why);
      }
    }
    return true;
  }

 private:
  NodeId schema_;
};

class PropertyCountKeyword final : public Keyword {
 public:
  PropertyCountKeyword(SchemaBuilder& builder, const SchemaLocation& where, const char* keyword,
                       bool upper)
      : Keyword(keyword, where.keyword_uri(keyword)),
        limit_(count_member(builder, where, keyword)),
        upper_(upper) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_object()) return true;
    if (upper_ ? instance.size() <= limit_ : instance.size() >= limit_) return true;
    return ctx.fail(*this, "object has " + std::to_string(instance.size()) + " properties, " +
                               (upper_ ? "more" : "fewer") + " than " + name() + " " +
                               std::to_string(limit_));
  }

 private:
  std::size_t limit_;
  bool upper_;
};

// "if property P is present, then these properties are required / this schema applies".
class DependenciesKeyword final : public Keyword {
 public:
  struct Dependency {
    std::string property;
    std::vector<std::string> required;
    std::optional<NodeId> schema;
  };

  DependenciesKeyword(const SchemaLocation& where, const char* keyword,
                      std::vector<Dependency> dependencies)
      : Keyword(keyword, where.keyword_uri(keyword)), dependencies_(std::move(dependencies)) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_object()) return true;
    bool ok = true;
    for (const Dependency& dependency : dependencies_) {
      if (!instance.contains(dependency.property)) continue;
      for (const std::string& name : dependency.required) {
        if (instance.contains(name)) continue;
        ok = ctx.fail(
            *this, "property \"" + dependency.property + "\" requires property \"" + name + "\"");
        if (ctx.stop_early()) return false;
      }
      if (dependency.schema && !ctx.validate(*dependency.schema, instance)) {
        ok = false;
        if (ctx.stop_early()) return false;
      }
    }
    return ok;
  }

 private:
  std::vector<Dependency> dependencies_;
};

// Draft 7 "dependencies" mixes both forms; 2019-09 splits them into dependentRequired and
// dependentSchemas.
void add_dependencies(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node,
                      const char* keyword) {
  if (!where.value->contains(keyword)) return;
  const json& spec = object_member(builder, where, keyword);
  std::vector<DependenciesKeyword::Dependency> dependencies;
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    DependenciesKeyword::Dependency dependency{it.key(), {}, std::nullopt};
    if (it->is_array()) {
      dependency.required = string_list(builder, where, keyword, *it);
    } else {
      dependency.schema = builder.child(where, {keyword, it.key()});
    }
    dependencies.push_back(std::move(dependency));
  }
  node.keywords.push_back(
      std::make_unique<DependenciesKeyword>(where, keyword, std::move(dependencies)));
}

}  // namespace

void add_object_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node) {
  const json& schema = *where.value;
  if (schema.contains("required")) {
    node.keywords.push_back(std::make_unique<RequiredKeyword>(builder, where));
  }
  if (schema.contains("properties")) {
    node.keywords.push_back(std::make_unique<PropertiesKeyword>(builder, where));
  }
  std::vector<PatternSchema> patterns;
  if (schema.contains("patternProperties")) {
    patterns = compile_pattern_properties(builder, where);
    node.keywords.push_back(std::make_unique<PatternPropertiesKeyword>(where, patterns));
  }
  if (schema.contains("additionalProperties")) {
    node.keywords.push_back(
        std::make_unique<AdditionalPropertiesKeyword>(builder, where, std::move(patterns)));
  }
  if (schema.contains("propertyNames")) {
    node.keywords.push_back(std::make_unique<PropertyNamesKeyword>(builder, where));
  }
  if (schema.contains("minProperties")) {
    node.keywords.push_back(
        std::make_unique<PropertyCountKeyword>(builder, where, "minProperties", false));
  }
  if (schema.contains("maxProperties")) {
    node.keywords.push_back(
        std::make_unique<PropertyCountKeyword>(builder, where, "maxProperties", true));
  }
  add_dependencies(builder, where, node, "dependencies");
  add_dependencies(builder, where, node, "dependentRequired");
  add_dependencies(builder, where, node, "dependentSchemas");
}

}  // namespace ruvllm::structured::detail
