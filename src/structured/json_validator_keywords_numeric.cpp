// Keywords for numbers: minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf.
#include <cfloat>
#include <cmath>

#include "structured/json_validator_internal.h"

namespace ruvllm::structured::detail {
namespace {

const json& number_member(SchemaBuilder& builder, const SchemaLocation& where, const char* key) {
  const json& value = where.value->at(key);
  if (!value.is_number()) builder.fail(where, key, "must be a number");
  return value;
}

// A lower or upper bound, inclusive or exclusive.
class BoundKeyword final : public Keyword {
 public:
  BoundKeyword(const SchemaLocation& where, const char* keyword, const json& limit, bool upper,
               bool exclusive)
      : Keyword(keyword, where.keyword_uri(keyword)),
        limit_(number_value(limit)),
        limit_text_(limit.dump()),
        upper_(upper),
        exclusive_(exclusive) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_number()) return true;
    long double v = number_value(instance);
    bool ok =
        upper_ ? (exclusive_ ? v < limit_ : v <= limit_) : (exclusive_ ? v > limit_ : v >= limit_);
    if (ok) return true;
    const char* relation = upper_ ? (exclusive_ ? "is not less than" : "is greater than")
                                  : (exclusive_ ? "is not greater than" : "is less than");
    return ctx.fail(
        *this, "number " + instance.dump() + " " + relation + " " + name() + " " + limit_text_);
  }

 private:
  long double limit_;
  std::string limit_text_;
  bool upper_;
  bool exclusive_;
};

class MultipleOfKeyword final : public Keyword {
 public:
  MultipleOfKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("multipleOf", where.keyword_uri("multipleOf")),
        divisor_(number_member(builder, where, "multipleOf")) {
    if (number_value(divisor_) <= 0) builder.fail(where, "multipleOf", "must be positive");
  }

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_number() || is_multiple(instance)) return true;
    return ctx.fail(*this,
                    "number " + instance.dump() + " is not a multiple of " + divisor_.dump());
  }

 private:
  bool is_multiple(const json& instance) const {
    if (!instance.is_number_float() && !divisor_.is_number_float()) {
      // Exact integer arithmetic: magnitudes fit in uint64.
      std::uint64_t magnitude = instance.get<std::uint64_t>();
      if (instance.is_number_integer() && instance.get<std::int64_t>() < 0) {
        magnitude = 0 - static_cast<std::uint64_t>(instance.get<std::int64_t>());
      }
      std::uint64_t divisor = divisor_.get<std::uint64_t>();
      return magnitude % divisor == 0;
    }
    // Floating point: 0.0075 / 0.0001 is 74.99999999999999, which should count as 75. A quotient
    // that overflows (1e308 / 0.123) is no multiple.
    double quotient = instance.get<double>() / divisor_.get<double>();
    if (!std::isfinite(quotient)) return false;
    double tolerance = std::max(1e-9, 8 * DBL_EPSILON * std::fabs(quotient));
    return std::fabs(quotient - std::nearbyint(quotient)) <= tolerance;
  }

  json divisor_;
};

// "minimum" / "maximum", with the Draft 4 boolean "exclusiveMinimum" / "exclusiveMaximum".
void add_bound(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node,
               const char* keyword, const char* exclusive_keyword, bool upper) {
  const json& schema = *where.value;
  if (schema.contains(keyword)) {
    auto exclusive = schema.find(exclusive_keyword);
    bool draft4_exclusive =
        exclusive != schema.end() && exclusive->is_boolean() && exclusive->get<bool>();
    node.keywords.push_back(std::make_unique<BoundKeyword>(
        where, keyword, number_member(builder, where, keyword), upper, draft4_exclusive));
  }
  auto exclusive = schema.find(exclusive_keyword);
  if (exclusive != schema.end() && !exclusive->is_boolean()) {
    node.keywords.push_back(std::make_unique<BoundKeyword>(
        where, exclusive_keyword, number_member(builder, where, exclusive_keyword), upper, true));
  }
}

}  // namespace

void add_numeric_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node) {
  add_bound(builder, where, node, "minimum", "exclusiveMinimum", false);
  add_bound(builder, where, node, "maximum", "exclusiveMaximum", true);
  if (where.value->contains("multipleOf")) {
    node.keywords.push_back(std::make_unique<MultipleOfKeyword>(builder, where));
  }
}

}  // namespace ruvllm::structured::detail
