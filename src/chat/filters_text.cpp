// Built-in filters on text and scalars: trim, upper, replace, indent, tojson, default, int, ...
#include <algorithm>
#include <cmath>

#include "chat/args.h"
#include "chat/environment.h"
#include "chat/json_value.h"
#include "chat/operations.h"
#include "chat/py_number.h"
#include "chat/py_string.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

// Jinja2's soft_str: strings (and markup) as they are, anything else through str().
Value soft_str(const Value& v) {
  if (v.is_string()) return v;
  return Value(v.str());
}

Value same_kind(const Value& like, std::string s) {
  return Value(std::move(s), like.is_markup());
}

Value filter_trim(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("trim", args, {"chars"});
  Value s = soft_str(input);
  return same_kind(s, py::strip(s.as_string(), a.get_optional_string(0), true, true));
}

// Jinja2's title filter: capitalize each word, words starting after '-', whitespace or ([{<.
std::string jinja_title(const std::string& s) {
  std::u32string cps = py::decode_utf8(s);
  std::string out;
  auto is_boundary = [](char32_t c) {
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || py::is_space(c);
  };
  size_t i = 0;
  while (i < cps.size()) {
    size_t j = i;
    bool boundary = is_boundary(cps[i]);
    while (j < cps.size() && is_boundary(cps[j]) == boundary) ++j;
    std::string chunk = py::encode_utf8(std::u32string_view(cps).substr(i, j - i));
    std::string first = py::encode_utf8(std::u32string_view(cps).substr(i, 1));
    std::string rest = py::encode_utf8(std::u32string_view(cps).substr(i + 1, j - i - 1));
    out += py::upper(first) + py::lower(rest);
    i = j;
  }
  return out;
}

Value filter_indent(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("indent", args, {"width", "first", "blank"});
  Value s = soft_str(input);
  std::string indention;
  Value width = a.get(0, Value(static_cast<int64_t>(4)));
  if (width.is_string()) {
    indention = width.as_string();
  } else {
    int64_t n = a.get_int(0, 4);
    check_built_size(static_cast<long double>(n));
    indention = std::string(static_cast<size_t>(std::max<int64_t>(0, n)), ' ');
  }
  bool first = a.get_bool(1, false);
  bool blank = a.get_bool(2, false);
  std::vector<std::string> lines = py::splitlines(s.as_string() + "\n", false);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (first) rv = indention + rv;
  return same_kind(s, std::move(rv));
}

Value filter_tojson(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.ensure_ascii = a.get_bool(0, false);
  o.sort_keys = a.get_bool(3, false);
  Value indent = a.get(1, Value::none());
  if (indent.is_string()) {
    o.indent = indent.as_string();
  } else if (!indent.is_none() && !indent.is_undefined()) {
    int64_t n = a.get_int(1, 0);
    check_built_size(static_cast<long double>(n));
    o.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, n)), ' ');
  }
  if (o.indent) o.item_separator = ",";
  Value separators = a.get(2, Value::none());
  if (!separators.is_none() && !separators.is_undefined()) {
    auto parts = iterate(separators);
    if (parts.size() != 2 || !parts[0].is_string() || !parts[1].is_string())
      throw_value_error("separators must be a pair of strings");
    o.item_separator = parts[0].as_string();
    o.key_separator = parts[1].as_string();
  }
  return Value(json_dumps(input, o));
}

Value filter_default(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("default", args, {"default_value", "boolean"});
  Value fallback = a.get(0, Value(""));
  if (input.is_undefined() || (a.get_bool(1, false) && !input.truthy())) return fallback;
  return input;
}

Value filter_int(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("int", args, {"default", "base"});
  Value fallback = a.get(0, Value(static_cast<int64_t>(0)));
  if (input.is_undefined()) input.fail_undefined();
  if (input.is_int()) return input;
  if (input.is_bool()) return Value(static_cast<int64_t>(input.as_bool()));
  if (input.is_float()) {
    double f = input.as_float();
    if (!std::isfinite(f) || std::fabs(f) >= 9.2e18) return fallback;
    return Value(static_cast<int64_t>(std::trunc(f)));
  }
  if (input.is_string()) {
    if (auto v = py::parse_int(input.as_string(), static_cast<int>(a.get_int(1, 10)))) return *v;
    if (auto f = py::parse_float(input.as_string())) {
      if (std::isfinite(*f) && std::fabs(*f) < 9.2e18)
        return Value(static_cast<int64_t>(std::trunc(*f)));
    }
  }
  return fallback;
}

Value filter_float(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("float", args, {"default"});
  Value fallback = a.get(0, Value(0.0));
  if (input.is_undefined()) input.fail_undefined();
  if (input.is_number()) return Value(input.as_number());
  if (input.is_string()) {
    if (auto f = py::parse_float(input.as_string())) return Value(*f);
  }
  return fallback;
}

Value filter_round(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("round", args, {"precision", "method"});
  int64_t precision = a.get_int(0, 0);
  std::string method = a.get(1, Value("common")).str();
  if (method != "common" && method != "ceil" && method != "floor")
    throw TemplateError("FilterArgumentError", "method must be common, ceil or floor");
  if (input.is_undefined()) input.fail_undefined();
  if (!input.is_number())
    throw_type_error("type " + input.type_name() + " doesn't define __round__ method");
  if (method == "common") {
    if (!input.is_float()) {
      if (precision >= 0) return Value(static_cast<int64_t>(input.as_number()));
      return Value(py::round_half_even(
          input.as_number(), static_cast<int>(std::clamp<int64_t>(precision, -400, 400))));
    }
    return Value(py::round_half_even(input.as_float(),
                                     static_cast<int>(std::clamp<int64_t>(precision, -400, 400))));
  }
  double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision, -400, 400)));
  double v = input.as_number() * scale;
  return Value((method == "ceil" ? std::ceil(v) : std::floor(v)) / scale);
}

Value filter_truncate(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("truncate", args, {"length", "killwords", "end", "leeway"});
  std::u32string s = py::decode_utf8(soft_str(input).as_string());
  int64_t length = a.get_int(0, 255);
  bool killwords = a.get_bool(1, false);
  std::u32string end = py::decode_utf8(a.get(2, Value("...")).str());
  int64_t leeway = a.get_int(3, 5);
  if (length < static_cast<int64_t>(end.size()))
    throw TemplateError("AssertionError", "expected length >= " + std::to_string(end.size()) +
                                              ", got " + std::to_string(length));
  if (leeway < 0)
    throw TemplateError("AssertionError", "expected leeway >= 0, got " + std::to_string(leeway));
  if (static_cast<int64_t>(s.size()) <= length + leeway) return Value(py::encode_utf8(s));
  std::u32string head = s.substr(0, static_cast<size_t>(length) - end.size());
  if (!killwords) {
    size_t space = head.rfind(U' ');
    if (space != std::u32string::npos) head = head.substr(0, space);
  }
  return Value(py::encode_utf8(head + end));
}

Value filter_wordcount(const Environment&, const Value& input, CallArgs& args) {
  expect_no_args("wordcount", args);
  int64_t words = 0;
  bool in_word = false;
  for (char32_t c : py::decode_utf8(soft_str(input).as_string())) {
    bool word_char = c == '_' || py::is_alnum(py::encode_utf8(std::u32string(1, c)));
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value(words);
}

Value filter_format(const Environment&, const Value& input, CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty())
    throw TemplateError("FilterArgumentError",
                        "can't handle positional and keyword arguments at the same time");
  Value format_args;
  if (!args.keyword.empty()) {
    format_args = Value::dict();
    for (auto& [k, v] : args.keyword) format_args.dict_data().set(Value(k), v);
  } else {
    format_args = Value::tuple(args.positional);
  }
  Value s = soft_str(input);
  return same_kind(s, percent_format(s.as_string(), format_args));
}

Value filter_abs(const Environment&, const Value& input, CallArgs& args) {
  expect_no_args("abs", args);
  if (input.is_undefined()) input.fail_undefined();
  if (input.is_int() || input.is_bool()) {
    int64_t v = input.is_bool() ? input.as_bool() : input.as_int();
    if (v == INT64_MIN) throw TemplateError("OverflowError", "integer overflow in abs()");
    return Value(v < 0 ? -v : v);
  }
  if (input.is_float()) return Value(std::fabs(input.as_float()));
  throw_type_error("bad operand type for abs(): '" + input.type_name() + "'");
}

using StringFn = std::string (*)(std::string_view);

FilterFn string_filter(const char* name, StringFn fn) {
  std::string n = name;
  return [n, fn](const Environment&, const Value& input, CallArgs& args) {
    expect_no_args(n, args);
    Value s = soft_str(input);
    return same_kind(s, fn(s.as_string()));
  };
}

}  // namespace

void register_text_filters(Environment& env) {
  env.add_filter("trim", filter_trim);
  env.add_filter("upper", string_filter("upper", py::upper));
  env.add_filter("lower", string_filter("lower", py::lower));
  env.add_filter("capitalize", string_filter("capitalize", py::capitalize));
  env.add_filter("title", [](const Environment&, const Value& input, CallArgs& args) {
    expect_no_args("title", args);
    Value s = soft_str(input);
    return same_kind(s, jinja_title(s.as_string()));
  });
  env.add_filter("replace", [](const Environment&, const Value& input, CallArgs& args) {
    BoundArgs a("replace", args, {"old", "new", "count"}, 2);
    int64_t count = a.get(2, Value::none()).is_none() ? -1 : a.get_int(2, -1);
    return Value(py::replace(input.str(), a.get(0).str(), a.get(1).str(), count));
  });
  env.add_filter("indent", filter_indent);
  env.add_filter("center", [](const Environment&, const Value& input, CallArgs& args) {
    BoundArgs a("center", args, {"width"});
    return Value(py::center(input.str(), a.get_int(0, 80), ' '));
  });
  env.add_filter("truncate", filter_truncate);
  env.add_filter("wordcount", filter_wordcount);
  env.add_filter("string", [](const Environment&, const Value& input, CallArgs& args) {
    expect_no_args("string", args);
    return soft_str(input);
  });
  env.add_filter("safe", [](const Environment&, const Value& input, CallArgs& args) {
    expect_no_args("safe", args);
    return Value::markup(input.str());
  });
  FilterFn escape = [](const Environment&, const Value& input, CallArgs& args) {
    expect_no_args("escape", args);
    if (input.is_markup()) return input;
    return Value::markup(py::html_escape(input.str()));
  };
  env.add_filter("escape", escape);
  env.add_filter("e", escape);
  env.add_filter("forceescape", [](const Environment&, const Value& input, CallArgs& args) {
    expect_no_args("forceescape", args);
    return Value::markup(py::html_escape(input.str()));
  });
  env.add_filter("tojson", filter_tojson);
  env.add_filter("default", filter_default);
  env.add_filter("d", filter_default);
  env.add_filter("int", filter_int);
  env.add_filter("float", filter_float);
  env.add_filter("round", filter_round);
  env.add_filter("abs", filter_abs);
  env.add_filter("format", filter_format);
}

}  // namespace ruvllm::chat
