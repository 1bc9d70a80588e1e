// Keywords that apply to any instance: type, enum, const.
#include <cmath>

#include "structured/json_validator_internal.h"

namespace ruvllm::structured::detail {
namespace {

enum TypeBit : unsigned {
  kNull = 1,
  kBoolean = 2,
  kObject = 4,
  kArray = 8,
  kNumber = 16,
  kInteger = 32,
  kString = 64
};

unsigned type_bit(const std::string& name) {
  if (name == "null") return kNull;
  if (name == "boolean") return kBoolean;
  if (name == "object") return kObject;
  if (name == "array") return kArray;
  if (name == "number") return kNumber;
  if (name == "integer") return kInteger;
  if (name == "string") return kString;
  return 0;
}

// Draft 6 and later: "integer" is any number with a zero fractional part, so 1.0 is an integer.
// Draft 4: only numbers written without a fraction are.
bool matches_type(const json& value, unsigned mask, Dialect dialect) {
  switch (value.type()) {
    case json::value_t::null:
      return mask & kNull;
    case json::value_t::boolean:
      return mask & kBoolean;
    case json::value_t::object:
      return mask & kObject;
    case json::value_t::array:
      return mask & kArray;
    case json::value_t::string:
      return mask & kString;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return mask & (kNumber | kInteger);
    case json::value_t::number_float: {
      if (mask & kNumber) return true;
      double v = value.get<double>();
      return (mask & kInteger) && dialect != Dialect::kDraft4 && std::isfinite(v) &&
             std::floor(v) == v;
    }
    default:
      return false;
  }
}

class TypeKeyword final : public Keyword {
 public:
  TypeKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("type", where.keyword_uri("type")), dialect_(where.dialect) {
    const json& spec = where.value->at("type");
    std::vector<std::string> names;
    if (spec.is_string()) {
      names.push_back(spec.get<std::string>());
    } else if (spec.is_array() && !spec.empty()) {
      for (const json& item : spec) {
        if (!item.is_string()) builder.fail(where, "type", "must list type names");
        names.push_back(item.get<std::string>());
      }
    } else {
      builder.fail(where, "type", "must be a type name or a non-empty array of them");
    }
    for (const std::string& name : names) {
      unsigned bit = type_bit(name);
      if (bit == 0) builder.fail(where, "type", "names an unknown type \"" + name + "\"");
      mask_ |= bit;
      expected_ += (expected_.empty() ? "" : " or ") + name;
    }
  }

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (matches_type(instance, mask_, dialect_)) return true;
    return ctx.fail(*this, "expected " + expected_ + ", got " + describe_type(instance));
  }

 private:
  unsigned mask_ = 0;
  std::string expected_;
  Dialect dialect_;
};

class EnumKeyword final : public Keyword {
 public:
  EnumKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("enum", where.keyword_uri("enum")), values_(where.value->at("enum")) {
    if (!values_.is_array()) builder.fail(where, "enum", "must be an array");
  }

  bool validate(const json& instance, ValidationContext& ctx) const override {
    for (const json& allowed : values_) {
      if (json_equal(instance, allowed)) return true;
    }
    return ctx.fail(
        *this, "value " + short_dump(instance, 40) + " is not one of " + short_dump(values_, 120));
  }

 private:
  json values_;
};

class ConstKeyword final : public Keyword {
 public:
  explicit ConstKeyword(const SchemaLocation& where)
      : Keyword("const", where.keyword_uri("const")), value_(where.value->at("const")) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (json_equal(instance, value_)) return true;
    return ctx.fail(*this, "value must be " + short_dump(value_, 120));
  }

 private:
  json value_;
};

}  // namespace

void add_generic_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node) {
  const json& schema = *where.value;
  if (schema.contains("type"))
    node.keywords.push_back(std::make_unique<TypeKeyword>(builder, where));
  if (schema.contains("enum"))
    node.keywords.push_back(std::make_unique<EnumKeyword>(builder, where));
  if (schema.contains("const")) node.keywords.push_back(std::make_unique<ConstKeyword>(where));
}

}  // namespace ruvllm::structured::detail
