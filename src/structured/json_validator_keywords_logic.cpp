// Keywords that combine schemas: $ref, allOf, anyOf, oneOf, not, if/then/else.
#include <optional>

#include "structured/json_validator_internal.h"

namespace ruvllm::structured::detail {
namespace {

// Branch failures are folded into the message of anyOf / oneOf, one line per branch, so that a
// reader (or a model asked to fix its output) sees why each alternative was rejected.
std::string summarize_branches(const std::vector<std::vector<ValidationError>>& branches) {
  std::string out;
  for (std::size_t i = 0; i < branches.size() && i < 8; ++i) {
    out += "; option " + std::to_string(i) + ": ";
    if (branches[i].empty()) {
      out += "rejected";
    } else {
      out += branches[i].front().to_string();
      if (branches[i].size() > 1) out += " (+" + std::to_string(branches[i].size() - 1) + " more)";
    }
  }
  return out;
}

class RefKeyword final : public Keyword {
 public:
  RefKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("$ref", where.keyword_uri("$ref")) {
    const json& ref = where.value->at("$ref");
    if (!ref.is_string()) builder.fail(where, "$ref", "must be a string");
    target_ = builder.reference(where, ref.get<std::string>());
  }

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!ctx.enter_ref(target_, &instance)) {
      return ctx.fail(*this, "\"$ref\" loops back to itself without consuming the instance");
    }
    bool ok = ctx.validate(target_, instance);
    ctx.leave_ref();
    return ok;
  }

 private:
  NodeId target_ = 0;
};

std::vector<NodeId> schema_array(SchemaBuilder& builder, const SchemaLocation& where,
                                 const char* keyword) {
  const json& list = where.value->at(keyword);
  if (!list.is_array() || list.empty()) {
    builder.fail(where, keyword, "must be a non-empty array of schemas");
  }
  std::vector<NodeId> nodes;
  for (std::size_t i = 0; i < list.size(); ++i) {
    nodes.push_back(builder.child(where, {keyword, std::to_string(i)}));
  }
  return nodes;
}

class AllOfKeyword final : public Keyword {
 public:
  AllOfKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("allOf", where.keyword_uri("allOf")),
        schemas_(schema_array(builder, where, "allOf")) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    bool ok = true;
    for (NodeId schema : schemas_) {
      if (!ctx.validate(schema, instance)) {
        ok = false;
        if (ctx.stop_early()) break;
      }
    }
    return ok;
  }

 private:
  std::vector<NodeId> schemas_;
};

class AnyOfKeyword final : public Keyword {
 public:
  AnyOfKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("anyOf", where.keyword_uri("anyOf")),
        schemas_(schema_array(builder, where, "anyOf")) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    for (NodeId schema : schemas_) {
      if (ctx.probe(schema, instance, nullptr)) return true;
    }
    if (ctx.stop_early()) return ctx.fail(*this, "");
    std::vector<std::vector<ValidationError>> branches(schemas_.size());
    for (std::size_t i = 0; i < schemas_.size(); ++i)
      ctx.probe(schemas_[i], instance, &branches[i]);
    return ctx.fail(*this, "value matches none of the " + std::to_string(schemas_.size()) +
                               " anyOf options" + summarize_branches(branches));
  }

 private:
  std::vector<NodeId> schemas_;
};

class OneOfKeyword final : public Keyword {
 public:
  OneOfKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("oneOf", where.keyword_uri("oneOf")),
        schemas_(schema_array(builder, where, "oneOf")) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    std::vector<std::size_t> matching;
    for (std::size_t i = 0; i < schemas_.size() && matching.size() < 2; ++i) {
      if (ctx.probe(schemas_[i], instance, nullptr)) matching.push_back(i);
    }
    if (matching.size() == 1) return true;
    if (ctx.stop_early()) return ctx.fail(*this, "");
    if (matching.size() > 1) {
      return ctx.fail(*this, "value matches oneOf options " + std::to_string(matching[0]) +
                                 " and " + std::to_string(matching[1]) +
                                 ", but must match exactly one");
    }
    std::vector<std::vector<ValidationError>> branches(schemas_.size());
    for (std::size_t i = 0; i < schemas_.size(); ++i)
      ctx.probe(schemas_[i], instance, &branches[i]);
    return ctx.fail(*this, "value matches none of the " + std::to_string(schemas_.size()) +
                               " oneOf options" + summarize_branches(branches));
  }

 private:
  std::vector<NodeId> schemas_;
};

class NotKeyword final : public Keyword {
 public:
  NotKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("not", where.keyword_uri("not")), schema_(builder.child(where, {"not"})) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!ctx.probe(schema_, instance, nullptr)) return true;
    return ctx.fail(*this, "value must not match the schema in \"not\"");
  }

 private:
  NodeId schema_;
};

class IfThenElseKeyword final : public Keyword {
 public:
  IfThenElseKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("if", where.keyword_uri("if")), if_(builder.child(where, {"if"})) {
    if (where.value->contains("then")) then_ = builder.child(where, {"then"});
    if (where.value->contains("else")) else_ = builder.child(where, {"else"});
  }

  bool validate(const json& instance, ValidationContext& ctx) const override {
    std::optional<NodeId> next = ctx.probe(if_, instance, nullptr) ? then_ : else_;
    return !next || ctx.validate(*next, instance);
  }

 private:
  NodeId if_;
  std::optional<NodeId> then_, else_;
};

}  // namespace

void add_ref_keyword(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node) {
  if (where.value->contains("$ref")) {
    node.keywords.push_back(std::make_unique<RefKeyword>(builder, where));
  }
}

void add_logic_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node) {
  const json& schema = *where.value;
  if (schema.contains("allOf"))
    node.keywords.push_back(std::make_unique<AllOfKeyword>(builder, where));
  if (schema.contains("anyOf"))
    node.keywords.push_back(std::make_unique<AnyOfKeyword>(builder, where));
  if (schema.contains("oneOf"))
    node.keywords.push_back(std::make_unique<OneOfKeyword>(builder, where));
  if (schema.contains("not")) node.keywords.push_back(std::make_unique<NotKeyword>(builder, where));
  // "then" and "else" without "if" do nothing.
  if (schema.contains("if")) {
    node.keywords.push_back(std::make_unique<IfThenElseKeyword>(builder, where));
  }
}

}  // namespace ruvllm::structured::detail
