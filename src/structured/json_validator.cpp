#include "structured/json_validator.h"

#include <cmath>

#include "structured/json_validator_internal.h"
#include "structured/json_validator_uri.h"

namespace ruvllm::structured {

std::string ValidationError::to_string() const {
  return (instance_location.empty() ? std::string("(root)") : instance_location) + ": " + message;
}

std::string ValidationResult::to_string() const {
  std::string out;
  for (const ValidationError& error : errors) {
    if (!out.empty()) out += '\n';
    out += error.to_string();
  }
  return out;
}

JsonSchemaValidator::JsonSchemaValidator(std::shared_ptr<const detail::CompiledSchema> compiled)
    : compiled_(std::move(compiled)) {}

ValidationResult JsonSchemaValidator::validate(const nlohmann::json& instance) const {
  ValidationResult result;
  detail::ValidationContext ctx(*compiled_, &result.errors);
  result.valid = ctx.validate(compiled_->root, instance);
  return result;
}

bool JsonSchemaValidator::is_valid(const nlohmann::json& instance) const {
  detail::ValidationContext ctx(*compiled_, nullptr);
  return ctx.validate(compiled_->root, instance);
}

namespace detail {

std::string SchemaLocation::keyword_uri(std::string_view keyword) const {
  return document_uri + "#" + pointer + "/" + escape_pointer_token(keyword);
}

// ---- ValidationContext -----------------------------------------------------------------------

ValidationContext::ValidationContext(const CompiledSchema& schema,
                                     std::vector<ValidationError>* errors)
    : schema_(schema), errors_(errors) {}

bool ValidationContext::validate(NodeId id, const json& instance) {
  const SchemaNode& node = *schema_.nodes[id];
  if (node.is_boolean) {
    if (node.boolean_value) return true;
    if (errors_ != nullptr && errors_->size() < schema_.max_errors) {
      errors_->push_back({instance_location(), "false", node.location,
                          "no value is allowed here (the schema is false)"});
    }
    return false;
  }
  // Each level of schema nesting costs a few stack frames; bound it so that a deep instance or a
  // pathological schema ends in an error, not a stack overflow.
  if (depth_ >= schema_.max_depth * 4 || path_.size() > schema_.max_depth) {
    if (errors_ != nullptr && errors_->size() < schema_.max_errors) {
      errors_->push_back({instance_location(), "$depth", node.location,
                          "instance or schema nesting is deeper than the limit of " +
                              std::to_string(schema_.max_depth)});
    }
    return false;
  }
  ++depth_;
  bool ok = true;
  for (const auto& keyword : node.keywords) {
    if (!keyword->validate(instance, *this)) {
      ok = false;
      if (stop_early()) break;
    }
  }
  --depth_;
  return ok;
}

bool ValidationContext::probe(NodeId id, const json& instance, std::vector<ValidationError>* sink) {
  std::vector<ValidationError>* saved = errors_;
  errors_ = sink;
  bool ok = validate(id, instance);
  errors_ = saved;
  return ok;
}

bool ValidationContext::fail(const Keyword& keyword, std::string message) {
  if (errors_ != nullptr && errors_->size() < schema_.max_errors) {
    errors_->push_back(
        {instance_location(), keyword.name(), keyword.location(), std::move(message)});
  }
  return false;
}

bool ValidationContext::fail_at(const std::string& token, const Keyword& keyword,
                                std::string message) {
  Child child(*this, token);
  return fail(keyword, std::move(message));
}

bool ValidationContext::stop_early() const {
  return errors_ == nullptr || errors_->size() >= schema_.max_errors;
}

ValidationContext::Child::Child(ValidationContext& ctx, const std::string& key) : ctx_(ctx) {
  ctx_.path_.push_back(escape_pointer_token(key));
}

ValidationContext::Child::Child(ValidationContext& ctx, std::size_t index) : ctx_(ctx) {
  ctx_.path_.push_back(std::to_string(index));
}

ValidationContext::Child::~Child() {
  ctx_.path_.pop_back();
}

bool ValidationContext::enter_ref(NodeId target, const json* instance) {
  for (const auto& [node, at] : active_refs_) {
    if (node == target && at == instance) return false;
  }
  active_refs_.emplace_back(target, instance);
  return true;
}

void ValidationContext::leave_ref() {
  active_refs_.pop_back();
}

std::string ValidationContext::instance_location() const {
  std::string out;
  for (const std::string& token : path_) {
    out += '/';
    out += token;
  }
  return out;
}

// ---- Helpers ---------------------------------------------------------------------------------

std::string describe_type(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float: {
      double v = value.get<double>();
      return std::isfinite(v) && std::floor(v) == v ? "integer" : "number";
    }
    default:
      return "binary";
  }
}

std::string short_dump(const json& value, std::size_t max_chars) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > max_chars) {
    text.resize(max_chars);
    text += "...";
  }
  return text;
}

long double number_value(const json& value) {
  // long double holds every int64, uint64 and double exactly on x86-64, so comparisons between
  // the three representations are exact.
  if (value.is_number_unsigned()) return static_cast<long double>(value.get<std::uint64_t>());
  if (value.is_number_integer()) return static_cast<long double>(value.get<std::int64_t>());
  return static_cast<long double>(value.get<double>());
}

bool json_equal(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return number_value(a) == number_value(b);
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!json_equal(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !json_equal(*it, *other)) return false;
    }
    return true;
  }
  return a == b;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::size_t count_member(SchemaBuilder& builder, const SchemaLocation& where, const char* keyword) {
  const json& value = where.value->at(keyword);
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::size_t>(value.get<std::int64_t>());
  }
  if (value.is_number_float()) {
    double v = value.get<double>();
    if (v >= 0 && std::floor(v) == v && v < 1.8e19) return static_cast<std::size_t>(v);
  }
  builder.fail(where, keyword, "must be a non-negative integer");
  return 0;  // not reached: fail throws
}

}  // namespace detail
}  // namespace ruvllm::structured
