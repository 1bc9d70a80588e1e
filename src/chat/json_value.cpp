#include "chat/json_value.h"

#include <algorithm>
#include <cmath>

#include "chat/operations.h"
#include "chat/py_number.h"
#include "chat/py_string.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

Value from_json_at(const nlohmann::ordered_json& json, int depth) {
  if (depth > kMaxNestingDepth)
    throw TemplateError("RecursionError", "context JSON nested too deeply");
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value::none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(json.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      uint64_t u = json.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(json.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_json_at(item, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Value dict = Value::dict();
      for (auto it = json.begin(); it != json.end(); ++it)
        dict.dict_data().set(Value(it.key()), from_json_at(it.value(), depth + 1));
      return dict;
    }
    default:
      return Value::none();
  }
}

}  // namespace

Value from_json(const nlohmann::ordered_json& json) {
  return from_json_at(json, 0);
}

namespace {

void append_hex4(std::string& out, uint32_t v) {
  static const char* kHex = "0123456789abcdef";
  out += "\\u";
  for (int i = 3; i >= 0; --i) out.push_back(kHex[(v >> (4 * i)) & 0xF]);
}

void dump_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out.push_back('"');
  for (char32_t c : py::decode_utf8(s)) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          append_hex4(out, c);
        } else if (ensure_ascii && c > 0x7E) {
          if (c >= 0x10000) {
            uint32_t v = c - 0x10000;
            append_hex4(out, 0xD800 + (v >> 10));
            append_hex4(out, 0xDC00 + (v & 0x3FF));
          } else {
            append_hex4(out, c);
          }
        } else {
          py::append_utf8(out, c);
        }
    }
  }
  out.push_back('"');
}

std::string float_json(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return py::float_repr(v);
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& o) : o_(o) {}

  void dump(const Value& v, int depth) {
    if (depth > 512) throw_value_error("Circular reference detected");
    switch (v.kind()) {
      case Value::Kind::None:
        out += "null";
        return;
      case Value::Kind::Bool:
        out += v.as_bool() ? "true" : "false";
        return;
      case Value::Kind::Int:
        out += std::to_string(v.as_int());
        return;
      case Value::Kind::Float:
        out += float_json(v.as_float());
        return;
      case Value::Kind::String:
        dump_string(out, v.as_string(), o_.ensure_ascii);
        return;
      case Value::Kind::List:
        dump_list(v.items(), depth);
        return;
      case Value::Kind::Dict:
        dump_dict(v, depth);
        return;
      default:
        throw_type_error("Object of type " + v.type_name() + " is not JSON serializable");
    }
  }

  std::string out;

 private:
  void newline(int depth) {
    out.push_back('\n');
    for (int i = 0; i < depth; ++i) out += *o_.indent;
  }

  void dump_list(const std::vector<Value>& items, int depth) {
    if (items.empty()) {
      out += "[]";
      return;
    }
    out.push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += o_.item_separator;
      if (o_.indent) newline(depth + 1);
      dump(items[i], depth + 1);
    }
    if (o_.indent) newline(depth);
    out.push_back(']');
  }

  static std::string key_text(const Value& k) {
    switch (k.kind()) {
      case Value::Kind::String:
        return k.as_string();
      case Value::Kind::Bool:
        return k.as_bool() ? "true" : "false";
      case Value::Kind::Int:
        return std::to_string(k.as_int());
      case Value::Kind::Float:
        return float_json(k.as_float());
      case Value::Kind::None:
        return "null";
      default:
        throw_type_error("keys must be str, int, float, bool or None, not " + k.type_name());
    }
  }

  void dump_dict(const Value& d, int depth) {
    std::vector<std::pair<Value, Value>> entries = d.dict_data().entries();
    if (entries.empty()) {
      out += "{}";
      return;
    }
    if (o_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return less_than(a.first, b.first); });
    }
    out.push_back('{');
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) out += o_.item_separator;
      if (o_.indent) newline(depth + 1);
      dump_string(out, key_text(entries[i].first), o_.ensure_ascii);
      out += o_.key_separator;
      dump(entries[i].second, depth + 1);
    }
    if (o_.indent) newline(depth);
    out.push_back('}');
  }

  const JsonDumpOptions& o_;
};

}  // namespace

std::string json_dumps(const Value& value, const JsonDumpOptions& options) {
  Dumper d(options);
  d.dump(value, 0);
  return std::move(d.out);
}

}  // namespace ruvllm::chat
