// Keywords for arrays: items / prefixItems / additionalItems, contains (with minContains and
// maxContains), minItems, maxItems, uniqueItems.
#include <optional>

#include "structured/json_validator_internal.h"

namespace ruvllm::structured::detail {
namespace {

// Positional schemas for the first items, then one schema for the rest.
// Draft 7: items: [..] + additionalItems, or items: {..} for all.
// 2020-12: prefixItems: [..] + items.
class ItemsKeyword final : public Keyword {
 public:
  ItemsKeyword(const SchemaLocation& where, const char* keyword, std::vector<NodeId> prefix,
               std::optional<NodeId> rest, const char* rest_keyword, bool rest_forbidden)
      : Keyword(keyword, where.keyword_uri(keyword)),
        prefix_(std::move(prefix)),
        rest_(rest),
        rest_keyword_(rest_keyword),
        rest_forbidden_(rest_forbidden) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_array()) return true;
    if (rest_forbidden_ && instance.size() > prefix_.size()) {
      return ctx.fail(*this, "array has " + std::to_string(instance.size()) +
                                 " items but at most " + std::to_string(prefix_.size()) +
                                 " are allowed (" + rest_keyword_ + " is false)");
    }
    bool ok = true;
    for (std::size_t i = 0; i < instance.size(); ++i) {
      std::optional<NodeId> schema = i < prefix_.size() ? std::optional(prefix_[i]) : rest_;
      if (!schema) break;
      ValidationContext::Child child(ctx, i);
      if (!ctx.validate(*schema, instance[i])) {
        ok = false;
        if (ctx.stop_early()) break;
      }
    }
    return ok;
  }

 private:
  std::vector<NodeId> prefix_;
  std::optional<NodeId> rest_;
  std::string rest_keyword_;
  bool rest_forbidden_;
};

class ContainsKeyword final : public Keyword {
 public:
  ContainsKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("contains", where.keyword_uri("contains")),
        schema_(builder.child(where, {"contains"})) {
    if (where.value->contains("minContains")) {
      min_ = count_member(builder, where, "minContains");
    }
    if (where.value->contains("maxContains")) {
      max_ = count_member(builder, where, "maxContains");
    }
  }

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_array()) return true;
    std::size_t matches = 0;
    for (std::size_t i = 0; i < instance.size(); ++i) {
      ValidationContext::Child child(ctx, i);
      if (ctx.probe(schema_, instance[i], nullptr)) ++matches;
    }
    if (matches < min_) {
      return ctx.fail(*this, min_ == 1 ? "array has no item matching the contains schema"
                                       : "array has " + std::to_string(matches) +
                                             " items matching the contains schema, fewer than "
                                             "minContains " +
                                             std::to_string(min_));
    }
    if (max_ && matches > *max_) {
      return ctx.fail(*this, "array has " + std::to_string(matches) +
                                 " items matching the contains schema, more than maxContains " +
                                 std::to_string(*max_));
    }
    return true;
  }

 private:
  NodeId schema_;
  std::size_t min_ = 1;
  std::optional<std::size_t> max_;
};

class ItemCountKeyword final : public Keyword {
 public:
  ItemCountKeyword(SchemaBuilder& builder, const SchemaLocation& where, const char* keyword,
                   bool upper)
      : Keyword(keyword, where.keyword_uri(keyword)),
        limit_(count_member(builder, where, keyword)),
        upper_(upper) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_array()) return true;
    if (upper_ ? instance.size() <= limit_ : instance.size() >= limit_) return true;
    return ctx.fail(*this, "array has " + std::to_string(instance.size()) + " items, " +
                               (upper_ ? "more" : "fewer") + " than " + name() + " " +
                               std::to_string(limit_));
  }

 private:
  std::size_t limit_;
  bool upper_;
};

class UniqueItemsKeyword final : public Keyword {
 public:
  explicit UniqueItemsKeyword(const SchemaLocation& where)
      : Keyword("uniqueItems", where.keyword_uri("uniqueItems")) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_array()) return true;
    for (std::size_t i = 0; i < instance.size(); ++i) {
      for (std::size_t j = i + 1; j < instance.size(); ++j) {
        if (json_equal(instance[i], instance[j])) {
          return ctx.fail(*this, "items " + std::to_string(i) + " and " + std::to_string(j) +
                                     " are equal, but uniqueItems is true");
        }
      }
    }
    return true;
  }
};

std::vector<NodeId> schema_list(SchemaBuilder& builder, const SchemaLocation& where,
                                const char* keyword) {
  std::vector<NodeId> nodes;
  for (std::size_t i = 0; i < where.value->at(keyword).size(); ++i) {
    nodes.push_back(builder.child(where, {keyword, std::to_string(i)}));
  }
  return nodes;
}

bool is_false(const json& schema, const char* keyword) {
  auto it = schema.find(keyword);
  return it != schema.end() && it->is_boolean() && !it->get<bool>();
}

void add_items(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node) {
  const json& schema = *where.value;
  auto items = schema.find("items");
  auto prefix_items = schema.find("prefixItems");
  if (prefix_items != schema.end()) {
    if (!prefix_items->is_array()) builder.fail(where, "prefixItems", "must be an array");
    std::optional<NodeId> rest;
    if (items != schema.end()) rest = builder.child(where, {"items"});
    node.keywords.push_back(std::make_unique<ItemsKeyword>(
        where, "prefixItems", schema_list(builder, where, "prefixItems"), rest, "items",
        is_false(schema, "items")));
    return;
  }
  if (items == schema.end()) return;
  if (items->is_array()) {
    std::optional<NodeId> rest;
    if (schema.contains("additionalItems")) rest = builder.child(where, {"additionalItems"});
    node.keywords.push_back(
        std::make_unique<ItemsKeyword>(where, "items", schema_list(builder, where, "items"), rest,
                                       "additionalItems", is_false(schema, "additionalItems")));
  } else {
    node.keywords.push_back(std::make_unique<ItemsKeyword>(where, "items", std::vector<NodeId>{},
                                                           builder.child(where, {"items"}), "items",
                                                           is_false(schema, "items")));
  }
}

}  // namespace

void add_array_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node) {
  const json& schema = *where.value;
  add_items(builder, where, node);
  if (schema.contains("contains")) {
    node.keywords.push_back(std::make_unique<ContainsKeyword>(builder, where));
  }
  if (schema.contains("minItems")) {
    node.keywords.push_back(std::make_unique<ItemCountKeyword>(builder, where, "minItems", false));
  }
  if (schema.contains("maxItems")) {
    node.keywords.push_back(std::make_unique<ItemCountKeyword>(builder, where, "maxItems", true));
  }
  auto unique = schema.find("uniqueItems");
  if (unique != schema.end() && unique->is_boolean() && unique->get<bool>()) {
    node.keywords.push_back(std::make_unique<UniqueItemsKeyword>(where));
  }
}

}  // namespace ruvllm::structured::detail
