#include "chat/methods.h"

#include <unordered_map>
#include <unordered_set>

#include "chat/args.h"
#include "chat/operations.h"
#include "chat/py_number.h"
#include "chat/py_string.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

using MethodImpl = Value (*)(const Value& self, CallArgs& args);

// A str result keeps the markup flag of the string it came from.
Value same_kind(const Value& self, std::string s) {
  return Value(std::move(s), self.is_markup());
}

// Arguments to Markup methods are escaped, as markupsafe does.
std::string arg_text(const Value& self, const Value& arg) {
  if (self.is_markup() && !arg.is_markup()) return py::html_escape(arg.as_string());
  return arg.as_string();
}

std::string require_str(const std::string& method, const Value& v) {
  if (v.is_undefined()) v.fail_undefined();
  if (!v.is_string()) throw_type_error(method + " arg must be None or str, not " + v.type_name());
  return v.as_string();
}

Value strip_impl(const Value& self, CallArgs& args, const char* name, bool left, bool right) {
  BoundArgs a(name, args, {"chars"});
  return same_kind(self, py::strip(self.as_string(), a.get_optional_string(0), left, right));
}

Value split_impl(const Value& self, CallArgs& args, bool from_right) {
  BoundArgs a(from_right ? "rsplit" : "split", args, {"sep", "maxsplit"});
  auto sep = a.get_optional_string(0);
  if (sep && sep->empty()) throw_value_error("empty separator");
  int64_t maxsplit = a.get_int(1, -1);
  auto parts = from_right ? py::rsplit(self.as_string(), sep, maxsplit)
                          : py::split(self.as_string(), sep, maxsplit);
  std::vector<Value> out;
  for (auto& p : parts) out.push_back(same_kind(self, std::move(p)));
  return Value::list(std::move(out));
}

// startswith/endswith accept a string or a tuple of strings.
Value affix_impl(const Value& self, CallArgs& args, bool prefix) {
  const char* name = prefix ? "startswith" : "endswith";
  BoundArgs a(name, args, {"prefix"}, 1);
  Value arg = a.get(0);
  std::vector<Value> options = arg.is_tuple() ? arg.items() : std::vector<Value>{arg};
  const std::string& s = self.as_string();
  for (const auto& o : options) {
    if (!o.is_string())
      throw_type_error(std::string(name) + " first arg must be str or a tuple of str, not " +
                       o.type_name());
    const std::string& x = o.as_string();
    if (x.size() > s.size()) continue;
    if (prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0)
      return Value(true);
  }
  return Value(false);
}

Value find_impl(const Value& self, CallArgs& args, const char* name, bool reverse, bool raise) {
  BoundArgs a(name, args, {"sub"}, 1);
  std::string sub = require_str(name, a.get(0));
  int64_t r = reverse ? py::rfind(self.as_string(), sub) : py::find(self.as_string(), sub);
  if (r < 0 && raise) throw_value_error("substring not found");
  return Value(r);
}

Value justify_impl(const Value& self, CallArgs& args, const char* name) {
  BoundArgs a(name, args, {"width", "fillchar"}, 1);
  int64_t width = a.get_int(0, 0);
  char32_t fill = ' ';
  if (a.has(1)) {
    std::u32string f = py::decode_utf8(require_str(name, a.get(1)));
    if (f.size() != 1) throw_type_error("The fill character must be exactly one character long");
    fill = f[0];
  }
  std::string n = name;
  const std::string& s = self.as_string();
  if (n == "center") return same_kind(self, py::center(s, width, fill));
  if (n == "ljust") return same_kind(self, py::ljust(s, width, fill));
  return same_kind(self, py::rjust(s, width, fill));
}

Value partition_impl(const Value& self, CallArgs& args, bool from_right) {
  BoundArgs a(from_right ? "rpartition" : "partition", args, {"sep"}, 1);
  std::string sep = require_str("partition", a.get(0));
  if (sep.empty()) throw_value_error("empty separator");
  const std::string& s = self.as_string();
  size_t pos = from_right ? s.rfind(sep) : s.find(sep);
  if (pos == std::string::npos) {
    if (from_right) return Value::tuple({same_kind(self, ""), same_kind(self, ""), self});
    return Value::tuple({self, same_kind(self, ""), same_kind(self, "")});
  }
  return Value::tuple({same_kind(self, s.substr(0, pos)), same_kind(self, sep),
                       same_kind(self, s.substr(pos + sep.size()))});
}

// str.format with positional ({} {0}) and named ({name}) fields and attribute/index access.
Value format_impl(const Value& self, CallArgs& args) {
  const std::string& f = self.as_string();
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}') ++i;
      out.push_back('}');
      continue;
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    size_t close = f.find('}', i);
    if (close == std::string::npos) throw_value_error("Single '{' encountered in format string");
    std::string field = f.substr(i + 1, close - i - 1);
    i = close;
    size_t colon = field.find(':');
    std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    field = field.substr(0, colon);
    size_t bang = field.find('!');
    char conversion = 0;
    if (bang != std::string::npos) {
      conversion = bang + 1 < field.size() ? field[bang + 1] : 's';
      field = field.substr(0, bang);
    }
    size_t end = field.find_first_of(".[");
    std::string head = field.substr(0, end);
    Value v;
    if (head.empty()) {
      if (auto_index >= args.positional.size())
        throw TemplateError("IndexError", "Replacement index " + std::to_string(auto_index) +
                                              " out of range for positional args tuple");
      v = args.positional[auto_index++];
    } else if (std::isdigit(static_cast<unsigned char>(head[0]))) {
      auto parsed = py::parse_int(head);
      size_t idx = parsed && *parsed >= 0 ? static_cast<size_t>(*parsed) : SIZE_MAX;
      if (idx >= args.positional.size())
        throw TemplateError(
            "IndexError", "Replacement index " + head + " out of range for positional args tuple");
      v = args.positional[idx];
    } else {
      bool found = false;
      for (auto& [k, kv] : args.keyword)
        if (k == head) {
          v = kv;
          found = true;
        }
      if (!found) throw TemplateError("KeyError", py::repr(head));
    }
    while (end != std::string::npos && end < field.size()) {
      if (field[end] == '.') {
        size_t next = field.find_first_of(".[", end + 1);
        v = get_attribute(v, field.substr(end + 1, next - end - 1));
        end = next;
      } else {
        size_t rb = field.find(']', end);
        std::string key = field.substr(end + 1, rb - end - 1);
        bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
        auto index = numeric ? py::parse_int(key) : std::nullopt;
        v = get_item(v, index ? Value(*index) : Value(key));
        end = rb == std::string::npos ? rb : rb + 1;
      }
    }
    std::string text = conversion == 'r' ? v.repr() : v.str();
    if (!spec.empty()) {
      // Minimal format-spec support: [[fill]align][width].
      char align = 0, fill = ' ';
      size_t p = 0;
      if (spec.size() >= 2 && std::string("<>^").find(spec[1]) != std::string::npos) {
        fill = spec[0];
        align = spec[1];
        p = 2;
      } else if (std::string("<>^").find(spec[0]) != std::string::npos) {
        align = spec[0];
        p = 1;
      }
      int64_t width = 0;
      while (p < spec.size() && std::isdigit(static_cast<unsigned char>(spec[p]))) {
        width = width * 10 + (spec[p++] - '0');
        check_built_size(static_cast<long double>(width));
      }
      if (align == 0) align = v.is_number() ? '>' : '<';
      if (align == '<') text = py::ljust(text, width, static_cast<char32_t>(fill));
      if (align == '>') text = py::rjust(text, width, static_cast<char32_t>(fill));
      if (align == '^') text = py::center(text, width, static_cast<char32_t>(fill));
    }
    out += self.is_markup() && !(v.is_markup()) ? py::html_escape(text) : text;
  }
  return same_kind(self, std::move(out));
}

const std::unordered_map<std::string, MethodImpl>& string_methods() {
  static const std::unordered_map<std::string, MethodImpl> methods = {
      {"strip", [](const Value& s, CallArgs& a) { return strip_impl(s, a, "strip", true, true); }},
      {"lstrip",
       [](const Value& s, CallArgs& a) { return strip_impl(s, a, "lstrip", true, false); }},
      {"rstrip",
       [](const Value& s, CallArgs& a) { return strip_impl(s, a, "rstrip", false, true); }},
      {"split", [](const Value& s, CallArgs& a) { return split_impl(s, a, false); }},
      {"rsplit", [](const Value& s, CallArgs& a) { return split_impl(s, a, true); }},
      {"splitlines",
       [](const Value& s, CallArgs& a) {
         BoundArgs b("splitlines", a, {"keepends"});
         std::vector<Value> out;
         for (auto& l : py::splitlines(s.as_string(), b.get_bool(0, false)))
           out.push_back(same_kind(s, std::move(l)));
         return Value::list(std::move(out));
       }},
      {"startswith", [](const Value& s, CallArgs& a) { return affix_impl(s, a, true); }},
      {"endswith", [](const Value& s, CallArgs& a) { return affix_impl(s, a, false); }},
      {"upper",
       [](const Value& s, CallArgs& a) {
         expect_no_args("upper", a);
         return same_kind(s, py::upper(s.as_string()));
       }},
      {"lower",
       [](const Value& s, CallArgs& a) {
         expect_no_args("lower", a);
         return same_kind(s, py::lower(s.as_string()));
       }},
      {"title",
       [](const Value& s, CallArgs& a) {
         expect_no_args("title", a);
         return same_kind(s, py::title(s.as_string()));
       }},
      {"capitalize",
       [](const Value& s, CallArgs& a) {
         expect_no_args("capitalize", a);
         return same_kind(s, py::capitalize(s.as_string()));
       }},
      {"swapcase",
       [](const Value& s, CallArgs& a) {
         expect_no_args("swapcase", a);
         return same_kind(s, py::swapcase(s.as_string()));
       }},
      {"replace",
       [](const Value& s, CallArgs& a) {
         BoundArgs b("replace", a, {"old", "new", "count"}, 2);
         std::string old_s = require_str("replace", b.get(0));
         require_str("replace", b.get(1));
         std::string new_s = arg_text(s, b.get(1));
         return same_kind(s, py::replace(s.as_string(), old_s, new_s, b.get_int(2, -1)));
       }},
      {"find", [](const Value& s, CallArgs& a) { return find_impl(s, a, "find", false, false); }},
      {"rfind", [](const Value& s, CallArgs& a) { return find_impl(s, a, "rfind", true, false); }},
      {"index", [](const Value& s, CallArgs& a) { return find_impl(s, a, "index", false, true); }},
      {"rindex", [](const Value& s, CallArgs& a) { return find_impl(s, a, "rindex", true, true); }},
      {"count",
       [](const Value& s, CallArgs& a) {
         BoundArgs b("count", a, {"sub"}, 1);
         return Value(py::count(s.as_string(), require_str("count", b.get(0))));
       }},
      {"join",
       [](const Value& s, CallArgs& a) {
         BoundArgs b("join", a, {"iterable"}, 1);
         std::string out;
         bool first = true;
         for (const auto& item : iterate(b.get(0))) {
           if (!item.is_string())
             throw_type_error("sequence item: expected str instance, " + item.type_name() +
                              " found");
           if (!first) out += s.as_string();
           first = false;
           out += arg_text(s, item);
         }
         return same_kind(s, std::move(out));
       }},
      {"format", format_impl},
      {"center", [](const Value& s, CallArgs& a) { return justify_impl(s, a, "center"); }},
      {"ljust", [](const Value& s, CallArgs& a) { return justify_impl(s, a, "ljust"); }},
      {"rjust", [](const Value& s, CallArgs& a) { return justify_impl(s, a, "rjust"); }},
      {"zfill",
       [](const Value& s, CallArgs& a) {
         BoundArgs b("zfill", a, {"width"}, 1);
         std::string str = s.as_string();
         std::string sign;
         if (!str.empty() && (str[0] == '-' || str[0] == '+')) {
           sign = str.substr(0, 1);
           str = str.substr(1);
         }
         int64_t width = b.get_int(0, 0) - static_cast<int64_t>(sign.size());
         return same_kind(s, sign + py::rjust(str, width, '0'));
       }},
      {"partition", [](const Value& s, CallArgs& a) { return partition_impl(s, a, false); }},
      {"rpartition", [](const Value& s, CallArgs& a) { return partition_impl(s, a, true); }},
      {"removeprefix",
       [](const Value& s, CallArgs& a) {
         BoundArgs b("removeprefix", a, {"prefix"}, 1);
         std::string p = require_str("removeprefix", b.get(0));
         const std::string& str = s.as_string();
         return same_kind(s, str.compare(0, p.size(), p) == 0 ? str.substr(p.size()) : str);
       }},
      {"removesuffix",
       [](const Value& s, CallArgs& a) {
         BoundArgs b("removesuffix", a, {"suffix"}, 1);
         std::string p = require_str("removesuffix", b.get(0));
         const std::string& str = s.as_string();
         bool has = !p.empty() && str.size() >= p.size() &&
                    str.compare(str.size() - p.size(), p.size(), p) == 0;
         return same_kind(s, has ? str.substr(0, str.size() - p.size()) : str);
       }},
      {"isdigit", [](const Value& s, CallArgs&) { return Value(py::is_digit(s.as_string())); }},
      {"isnumeric", [](const Value& s, CallArgs&) { return Value(py::is_digit(s.as_string())); }},
      {"isdecimal", [](const Value& s, CallArgs&) { return Value(py::is_digit(s.as_string())); }},
      {"isalpha", [](const Value& s, CallArgs&) { return Value(py::is_alpha(s.as_string())); }},
      {"isalnum", [](const Value& s, CallArgs&) { return Value(py::is_alnum(s.as_string())); }},
      {"isspace", [](const Value& s, CallArgs&) { return Value(py::is_all_space(s.as_string())); }},
      {"isupper", [](const Value& s, CallArgs&) { return Value(py::is_upper(s.as_string())); }},
      {"islower", [](const Value& s, CallArgs&) { return Value(py::is_lower(s.as_string())); }},
  };
  return methods;
}

const std::unordered_map<std::string, MethodImpl>& dict_methods() {
  static const std::unordered_map<std::string, MethodImpl> methods = {
      {"keys",
       [](const Value& d, CallArgs& a) {
         expect_no_args("keys", a);
         return Value::list(iterate(d));
       }},
      {"values",
       [](const Value& d, CallArgs& a) {
         expect_no_args("values", a);
         std::vector<Value> out;
         for (const auto& [k, v] : d.dict_data().entries()) out.push_back(v);
         return Value::list(std::move(out));
       }},
      {"items",
       [](const Value& d, CallArgs& a) {
         expect_no_args("items", a);
         std::vector<Value> out;
         for (const auto& [k, v] : d.dict_data().entries()) out.push_back(Value::tuple({k, v}));
         return Value::list(std::move(out));
       }},
      {"get",
       [](const Value& d, CallArgs& a) {
         if (!a.keyword.empty()) throw_type_error("get() takes no keyword arguments");
         if (a.positional.empty() || a.positional.size() > 2)
           throw_type_error("get expected 1 or 2 arguments, got " +
                            std::to_string(a.positional.size()));
         const Value& key = a.positional[0];
         hash_key(key);  // unhashable keys raise TypeError
         if (const Value* v = d.dict_data().find(key)) return *v;
         return a.positional.size() == 2 ? a.positional[1] : Value::none();
       }},
      {"copy",
       [](const Value& d, CallArgs& a) {
         expect_no_args("copy", a);
         return Value::dict(std::make_shared<DictData>(d.dict_data()));
       }},
  };
  return methods;
}

const std::unordered_map<std::string, MethodImpl>& list_methods() {
  static const std::unordered_map<std::string, MethodImpl> methods = {
      {"index",
       [](const Value& l, CallArgs& a) {
         BoundArgs b("index", a, {"value"}, 1);
         const auto& items = l.items();
         for (size_t i = 0; i < items.size(); ++i)
           if (py_equals(items[i], b.get(0))) return Value(static_cast<int64_t>(i));
         throw_value_error(b.get(0).repr() + " is not in " + l.type_name());
       }},
      {"count",
       [](const Value& l, CallArgs& a) {
         BoundArgs b("count", a, {"value"}, 1);
         int64_t n = 0;
         for (const auto& v : l.items()) n += py_equals(v, b.get(0));
         return Value(n);
       }},
      {"copy",
       [](const Value& l, CallArgs& a) {
         expect_no_args("copy", a);
         return l.is_tuple() ? l : Value::list(l.items());
       }},
  };
  return methods;
}

// Methods that exist in Python but mutate; the immutable sandbox refuses them.
bool is_unsafe_mutator(const Value& self, const std::string& name) {
  static const std::unordered_set<std::string> list_mutators = {
      "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};
  static const std::unordered_set<std::string> dict_mutators = {"pop", "popitem", "setdefault",
                                                                "update", "clear"};
  if (self.is_list() && !self.is_tuple()) return list_mutators.count(name) != 0;
  if (self.is_dict()) return dict_mutators.count(name) != 0;
  return false;
}

}  // namespace

std::optional<Value> bound_method(const Value& self, const std::string& name) {
  if (is_unsafe_mutator(self, name)) {
    return Value::undefined(
        "access to attribute '" + name + "' of '" + self.type_name() + "' object is unsafe.",
        "SecurityError");
  }
  const std::unordered_map<std::string, MethodImpl>* table = nullptr;
  if (self.is_string()) {
    table = &string_methods();
  } else if (self.is_dict()) {
    table = &dict_methods();
  } else if (self.is_list()) {
    table = &list_methods();
    if (self.is_tuple() && name == "copy") return std::nullopt;
  } else {
    return std::nullopt;
  }
  auto it = table->find(name);
  if (it == table->end()) return std::nullopt;
  MethodImpl impl = it->second;
  return Value::function(
      name, [self, impl](CallArgs& args) { return impl(self, args); }, "method");
}

}  // namespace ruvllm::chat
