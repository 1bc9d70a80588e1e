// Keywords for strings: minLength, maxLength, pattern, format.
#include "structured/json_validator_format.h"
#include "structured/json_validator_internal.h"
#include "structured/json_validator_regex.h"

namespace ruvllm::structured::detail {
namespace {

// Lengths count Unicode code points, not UTF-8 bytes.
class LengthKeyword final : public Keyword {
 public:
  LengthKeyword(SchemaBuilder& builder, const SchemaLocation& where, const char* keyword,
                bool upper)
      : Keyword(keyword, where.keyword_uri(keyword)),
        limit_(count_member(builder, where, keyword)),
        upper_(upper) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_string()) return true;
    std::size_t length = utf8_length(instance.get_ref<const std::string&>());
    if (upper_ ? length <= limit_ : length >= limit_) return true;
    return ctx.fail(*this, std::string("string is ") + (upper_ ? "longer" : "shorter") + " than " +
                               name() + " " + std::to_string(limit_));
  }

 private:
  std::size_t limit_;
  bool upper_;
};

class PatternKeyword final : public Keyword {
 public:
  PatternKeyword(SchemaBuilder& builder, const SchemaLocation& where)
      : Keyword("pattern", where.keyword_uri("pattern")), regex_(pattern_text(builder, where)) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_string() || regex_.search(instance.get_ref<const std::string&>())) {
      return true;
    }
    return ctx.fail(*this, "string " + short_dump(instance, 60) + " does not match pattern " +
                               regex_.pattern());
  }

 private:
  static std::string pattern_text(SchemaBuilder& builder, const SchemaLocation& where) {
    const json& pattern = where.value->at("pattern");
    if (!pattern.is_string()) builder.fail(where, "pattern", "must be a string");
    try {
      EcmaRegex check(pattern.get<std::string>());
    } catch (const std::exception& e) {
      builder.fail(where, "pattern", e.what());
    }
    return pattern.get<std::string>();
  }

  EcmaRegex regex_;
};

class FormatKeyword final : public Keyword {
 public:
  FormatKeyword(const SchemaLocation& where, std::string format)
      : Keyword("format", where.keyword_uri("format")), format_(std::move(format)) {}

  bool validate(const json& instance, ValidationContext& ctx) const override {
    if (!instance.is_string() || check_format(format_, instance.get_ref<const std::string&>())) {
      return true;
    }
    return ctx.fail(*this, "string " + short_dump(instance, 60) + " is not a valid " + format_);
  }

 private:
  std::string format_;
};

}  // namespace

void add_string_keywords(SchemaBuilder& builder, const SchemaLocation& where, SchemaNode& node) {
  const json& schema = *where.value;
  if (schema.contains("minLength")) {
    node.keywords.push_back(std::make_unique<LengthKeyword>(builder, where, "minLength", false));
  }
  if (schema.contains("maxLength")) {
    node.keywords.push_back(std::make_unique<LengthKeyword>(builder, where, "maxLength", true));
  }
  if (schema.contains("pattern")) {
    node.keywords.push_back(std::make_unique<PatternKeyword>(builder, where));
  }
  auto format = schema.find("format");
  if (builder.assert_formats() && format != schema.end() && format->is_string()) {
    node.keywords.push_back(std::make_unique<FormatKeyword>(where, format->get<std::string>()));
  }
}

}  // namespace ruvllm::structured::detail
