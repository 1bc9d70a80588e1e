#include "chat/operations.h"

#include <cmath>
#include <cstdio>

#include "chat/methods.h"
#include "chat/py_number.h"
#include "chat/py_string.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

using ast::BinaryOp;
using ast::CompareOp;

const char* op_symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return "+";
    case BinaryOp::Sub:
      return "-";
    case BinaryOp::Mul:
      return "*";
    case BinaryOp::Div:
      return "/";
    case BinaryOp::FloorDiv:
      return "//";
    case BinaryOp::Mod:
      return "%";
    case BinaryOp::Pow:
      return "** or pow()";
    default:
      return "?";
  }
}

[[noreturn]] void unsupported(BinaryOp op, const Value& a, const Value& b) {
  throw_type_error(std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" +
                   a.type_name() + "' and '" + b.type_name() + "'");
}

// int or bool as int64.
bool int_like(const Value& v) {
  return v.is_int() || v.is_bool();
}
int64_t to_int(const Value& v) {
  return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_int();
}

[[noreturn]] void overflow() {
  throw TemplateError("OverflowError", "integer result does not fit in 64 bits");
}

Value int_arith(BinaryOp op, int64_t x, int64_t y) {
  int64_t r = 0;
  switch (op) {
    case BinaryOp::Add:
      if (__builtin_add_overflow(x, y, &r)) overflow();
      return Value(r);
    case BinaryOp::Sub:
      if (__builtin_sub_overflow(x, y, &r)) overflow();
      return Value(r);
    case BinaryOp::Mul:
      if (__builtin_mul_overflow(x, y, &r)) overflow();
      return Value(r);
    case BinaryOp::Div:
      if (y == 0) throw TemplateError("ZeroDivisionError", "division by zero");
      return Value(static_cast<double>(x) / static_cast<double>(y));
    case BinaryOp::FloorDiv: {
      if (y == 0) throw TemplateError("ZeroDivisionError", "integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) overflow();
      int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
      return Value(q);
    }
    case BinaryOp::Mod: {
      if (y == 0) throw TemplateError("ZeroDivisionError", "integer modulo by zero");
      if (y == -1) return Value(static_cast<int64_t>(0));
      int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value(m);
    }
    case BinaryOp::Pow: {
      if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
      int64_t result = 1, base = x;
      while (y > 0) {
        if (y & 1)
          if (__builtin_mul_overflow(result, base, &result)) overflow();
        y >>= 1;
        if (y > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
      }
      return Value(result);
    }
    default:
      break;
  }
  return Value();
}

Value float_arith(BinaryOp op, double x, double y) {
  switch (op) {
    case BinaryOp::Add:
      return Value(x + y);
    case BinaryOp::Sub:
      return Value(x - y);
    case BinaryOp::Mul:
      return Value(x * y);
    case BinaryOp::Div:
      if (y == 0) throw TemplateError("ZeroDivisionError", "float division by zero");
      return Value(x / y);
    case BinaryOp::FloorDiv:
      if (y == 0) throw TemplateError("ZeroDivisionError", "float floor division by zero");
      return Value(std::floor(x / y));
    case BinaryOp::Mod: {
      if (y == 0) throw TemplateError("ZeroDivisionError", "float modulo");
      double m = std::fmod(x, y);
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value(m);
    }
    case BinaryOp::Pow:
      if (x == 0 && y < 0)
        throw TemplateError("ZeroDivisionError", "0.0 cannot be raised to a negative power");
      return Value(std::pow(x, y));
    default:
      break;
  }
  return Value();
}

Value repeat(const Value& seq, int64_t n) {
  long double unit = seq.is_string() ? seq.as_string().size() : seq.items().size();
  check_built_size(unit * static_cast<long double>(n));
  if (seq.is_string()) {
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value(std::move(out), seq.is_markup());
  }
  std::vector<Value> out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.items().begin(), seq.items().end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

std::string escape_for_markup(const Value& v) {
  return v.is_markup() ? v.as_string() : py::html_escape(v.str());
}

Value add(const Value& a, const Value& b) {
  if (a.is_string() && b.is_string()) {
    if (a.is_markup()) return Value::markup(a.as_string() + escape_for_markup(b));
    if (b.is_markup()) return Value::markup(escape_for_markup(a) + b.as_string());
    return Value(a.as_string() + b.as_string());
  }
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    std::vector<Value> out = a.items();
    out.insert(out.end(), b.items().begin(), b.items().end());
    return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  if (a.is_string() && !a.is_markup())
    throw_type_error("can only concatenate str (not \"" + b.type_name() + "\") to str");
  if (a.is_list())
    throw_type_error("can only concatenate " + a.type_name() + " (not \"" + b.type_name() +
                     "\") to " + a.type_name());
  unsupported(BinaryOp::Add, a, b);
}

}  // namespace

Value binary_op(BinaryOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) a.fail_undefined();
  if (b.is_undefined()) b.fail_undefined();
  if (a.is_number() && b.is_number()) {
    if (int_like(a) && int_like(b)) return int_arith(op, to_int(a), to_int(b));
    return float_arith(op, a.as_number(), b.as_number());
  }
  switch (op) {
    case BinaryOp::Add:
      return add(a, b);
    case BinaryOp::Mul:
      if ((a.is_string() || a.is_list()) && int_like(b)) return repeat(a, to_int(b));
      if (int_like(a) && (b.is_string() || b.is_list())) return repeat(b, to_int(a));
      break;
    case BinaryOp::Mod:
      if (a.is_string()) {
        std::string s = percent_format(a.as_string(), b);
        return Value(std::move(s), a.is_markup());
      }
      break;
    default:
      break;
  }
  unsupported(op, a, b);
}

Value negate(const Value& v) {
  if (v.is_undefined()) v.fail_undefined();
  if (int_like(v)) {
    if (to_int(v) == INT64_MIN) overflow();
    return Value(-to_int(v));
  }
  if (v.is_float()) return Value(-v.as_float());
  throw_type_error("bad operand type for unary -: '" + v.type_name() + "'");
}

Value unary_plus(const Value& v) {
  if (v.is_undefined()) v.fail_undefined();
  if (int_like(v)) return Value(to_int(v));
  if (v.is_float()) return v;
  throw_type_error("bad operand type for unary +: '" + v.type_name() + "'");
}

namespace {

// -1, 0, 1 for orderable pairs; throws for the others.
int order(const Value& a, const Value& b, const char* symbol) {
  if (a.is_undefined()) a.fail_undefined();
  if (b.is_undefined()) b.fail_undefined();
  if (a.is_number() && b.is_number()) {
    if (int_like(a) && int_like(b)) {
      int64_t x = to_int(a), y = to_int(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    double x = a.as_number(), y = b.as_number();
    if (std::isnan(x) || std::isnan(y)) return 2;  // every comparison false
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());  // UTF-8 byte order == code point order
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (py_equals(x[i], y[i])) continue;
      return order(x[i], y[i], symbol);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  throw_type_error(std::string("'") + symbol + "' not supported between instances of '" +
                   a.type_name() + "' and '" + b.type_name() + "'");
}

}  // namespace

bool compare(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::Eq:
      return py_equals(a, b);
    case CompareOp::Ne:
      return !py_equals(a, b);
    case CompareOp::Lt:
      return order(a, b, "<") == -1;
    case CompareOp::Le: {
      int c = order(a, b, "<=");
      return c == -1 || c == 0;
    }
    case CompareOp::Gt:
      return order(a, b, ">") == 1;
    case CompareOp::Ge: {
      int c = order(a, b, ">=");
      return c == 1 || c == 0;
    }
    case CompareOp::In:
      return contains(b, a);
    case CompareOp::NotIn:
      return !contains(b, a);
  }
  return false;
}

bool less_than(const Value& a, const Value& b) {
  return order(a, b, "<") == -1;
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::String:
      if (item.is_undefined()) item.fail_undefined();
      if (!item.is_string())
        throw_type_error("'in <string>' requires string as left operand, not " + item.type_name());
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const auto& v : container.items())
        if (py_equals(v, item)) return true;
      return false;
    case Value::Kind::Dict:
      return container.dict_data().find(item) != nullptr;
    case Value::Kind::Undefined:
      return false;
    case Value::Kind::Generator:
      for (const auto& v : iterate(container))
        if (py_equals(v, item)) return true;
      return false;
    default:
      throw_type_error("argument of type '" + container.type_name() + "' is not iterable");
  }
}

Value concat(const Value& a, const Value& b) {
  return Value(a.str() + b.str());
}

// ---------------------------------------------------------------- lookup

Value get_attribute(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Value::Kind::Undefined:
      obj.fail_undefined();
    case Value::Kind::Object: {
      if (const Value* v = obj.object_data().find(name)) return *v;
      return Value::undefined_attribute(obj, Value(name));
    }
    case Value::Kind::Dict: {
      if (auto m = bound_method(obj, name)) return *m;
      if (const Value* v = obj.dict_data().find(Value(name))) return *v;
      return Value::undefined_attribute(obj, Value(name));
    }
    default:
      if (auto m = bound_method(obj, name)) return *m;
      return Value::undefined_attribute(obj, Value(name));
  }
}

namespace {

// Python index normalization; nullopt when out of range.
std::optional<size_t> normalize_index(int64_t i, size_t size) {
  int64_t n = static_cast<int64_t>(size);
  if (i < 0) i += n;
  if (i < 0 || i >= n) return std::nullopt;
  return static_cast<size_t>(i);
}

}  // namespace

Value get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Value::Kind::Undefined:
      obj.fail_undefined();
    case Value::Kind::Dict: {
      if (key.is_list() && !key.is_tuple()) break;  // unhashable: TypeError -> undefined
      if (key.is_dict()) break;
      if (const Value* v = obj.dict_data().find(key)) return *v;
      break;
    }
    case Value::Kind::List:
      if (int_like(key)) {
        if (auto i = normalize_index(to_int(key), obj.items().size())) return obj.items()[*i];
      }
      break;
    case Value::Kind::String:
      if (int_like(key)) {
        std::u32string cps = py::decode_utf8(obj.as_string());
        if (auto i = normalize_index(to_int(key), cps.size()))
          return Value(py::encode_utf8(std::u32string(1, cps[*i])), obj.is_markup());
      }
      break;
    default:
      break;
  }
  if (key.is_string()) {
    if (obj.is_object()) {
      if (const Value* v = obj.object_data().find(key.as_string())) return *v;
    } else if (auto m = bound_method(obj, key.as_string())) {
      return *m;
    }
  }
  return Value::undefined_attribute(obj, key);
}

namespace {

// Python slice.indices(): resolved start, stop, step for a sequence of length n.
void slice_indices(const Value& start_v, const Value& stop_v, const Value& step_v, int64_t n,
                   int64_t* start, int64_t* stop, int64_t* step) {
  auto as_index = [](const Value& v) -> std::optional<int64_t> {
    if (v.is_none() || v.is_undefined()) return std::nullopt;
    if (!int_like(v))
      throw_type_error("slice indices must be integers or None or have an __index__ method");
    return to_int(v);
  };
  auto st = as_index(step_v);
  *step = st.value_or(1);
  if (*step == 0) throw_value_error("slice step cannot be zero");
  auto clamp = [&](std::optional<int64_t> v, int64_t def) {
    if (!v) return def;
    int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < 0) x = *step < 0 ? -1 : 0;
    } else if (x >= n) {
      x = *step < 0 ? n - 1 : n;
    }
    return x;
  };
  *start = clamp(as_index(start_v), *step < 0 ? n - 1 : 0);
  *stop = clamp(as_index(stop_v), *step < 0 ? -1 : n);
}

template <typename Seq>
Seq slice_seq(const Seq& seq, int64_t start, int64_t stop, int64_t step) {
  Seq out;
  if (step > 0) {
    for (int64_t i = start; i < stop; i += step) out.push_back(seq[static_cast<size_t>(i)]);
  } else {
    for (int64_t i = start; i > stop; i += step) out.push_back(seq[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace

Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  if (obj.is_undefined()) obj.fail_undefined();
  int64_t b, e, s;
  if (obj.is_list()) {
    const auto& items = obj.items();
    slice_indices(start, stop, step, static_cast<int64_t>(items.size()), &b, &e, &s);
    auto out = slice_seq(items, b, e, s);
    return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  if (obj.is_string()) {
    std::u32string cps = py::decode_utf8(obj.as_string());
    slice_indices(start, stop, step, static_cast<int64_t>(cps.size()), &b, &e, &s);
    return Value(py::encode_utf8(slice_seq(cps, b, e, s)), obj.is_markup());
  }
  // Jinja2 turns the TypeError of an unsliceable object into an undefined.
  return Value::undefined(object_type_repr(obj) + " has no element slice(" + start.repr() + ", " +
                          stop.repr() + ", " + step.repr() + ")");
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::List:
      return v.items();
    case Value::Kind::Dict: {
      std::vector<Value> keys;
      keys.reserve(v.dict_data().size());
      for (const auto& [k, _] : v.dict_data().entries()) keys.push_back(k);
      return keys;
    }
    case Value::Kind::String: {
      std::vector<Value> chars;
      for (char32_t c : py::decode_utf8(v.as_string()))
        chars.emplace_back(py::encode_utf8(std::u32string(1, c)), v.is_markup());
      return chars;
    }
    case Value::Kind::Generator: {
      auto& g = v.generator_data();
      if (g.consumed) return {};
      g.consumed = true;
      return std::move(g.items);
    }
    case Value::Kind::Undefined:
      return {};
    default:
      throw_type_error("'" + v.type_name() + "' object is not iterable");
  }
}

int64_t length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::String:
      return static_cast<int64_t>(py::length(v.as_string()));
    case Value::Kind::List:
      return static_cast<int64_t>(v.items().size());
    case Value::Kind::Dict:
      return static_cast<int64_t>(v.dict_data().size());
    case Value::Kind::Undefined:
      return 0;
    default:
      throw_type_error("object of type '" + v.type_name() + "' has no len()");
  }
}

Value call_value(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) callee.fail_undefined();
  if (callee.is_function()) return callee.function_data().call(args);
  if (callee.is_object() && callee.object_data().call) return callee.object_data().call(args);
  throw_type_error("'" + callee.type_name() + "' object is not callable");
}

// ---------------------------------------------------------------- printf formatting

namespace {

std::string format_one(char conv, const std::string& flags, int width, int precision,
                       const Value& v) {
  std::string body;
  auto numeric = [&](const char* what) -> double {
    if (v.is_undefined()) v.fail_undefined();
    if (!v.is_number())
      throw_type_error(std::string("%") + conv + " format: a " + what + " is required, not " +
                       v.type_name());
    return v.as_number();
  };
  switch (conv) {
    case 's':
      body = v.str();
      break;
    case 'r':
    case 'a':
      body = v.repr();
      break;
    case 'd':
    case 'i':
    case 'u': {
      double d = numeric("real number");
      int64_t i = int_like(v) ? to_int(v) : static_cast<int64_t>(std::trunc(d));
      body = std::to_string(i);
      if (flags.find('+') != std::string::npos && i >= 0) body = "+" + body;
      break;
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      double d = numeric("real number");
      char buf[1600];
      std::string fmt = "%" + flags + "." + std::to_string(precision < 0 ? 6 : precision) + conv;
      std::snprintf(buf, sizeof buf, fmt.c_str(), d);
      body = buf;
      break;
    }
    case 'x':
    case 'X':
    case 'o': {
      if (!int_like(v))
        throw_type_error(std::string("%") + conv + " format: an integer is required, not " +
                         v.type_name());
      int64_t i = to_int(v);
      char buf[64];
      std::string fmt = std::string("%") + (conv == 'o' ? "llo" : conv == 'x' ? "llx" : "llX");
      // magnitude printed unsigned so INT64_MIN does not overflow
      unsigned long long magnitude =
          i < 0 ? 0ULL - static_cast<unsigned long long>(i) : static_cast<unsigned long long>(i);
      std::snprintf(buf, sizeof buf, fmt.c_str(), magnitude);
      body = (i < 0 ? "-" : "") + std::string(buf);
      break;
    }
    case 'c':
      if (int_like(v)) {
        if (to_int(v) < 0 || to_int(v) > 0x10FFFF)
          throw TemplateError("OverflowError", "%c arg not in range(0x110000)");
        py::append_utf8(body, static_cast<char32_t>(to_int(v)));
      } else {
        body = v.str();
      }
      break;
    default:
      throw_value_error(std::string("unsupported format character '") + conv + "'");
  }
  if (conv == 's' && precision >= 0) {
    std::u32string cps = py::decode_utf8(body);
    if (static_cast<int>(cps.size()) > precision) body = py::encode_utf8(cps.substr(0, precision));
  }
  int len = static_cast<int>(py::length(body));
  check_built_size(width);
  if (width > len) {
    bool left = flags.find('-') != std::string::npos;
    bool zero = flags.find('0') != std::string::npos && conv != 's' && conv != 'r';
    std::string pad(static_cast<size_t>(width - len), zero && !left ? '0' : ' ');
    if (left) {
      body += pad;
    } else if (zero && !body.empty() && (body[0] == '-' || body[0] == '+')) {
      body = body.substr(0, 1) + pad + body.substr(1);
    } else {
      body = pad + body;
    }
  }
  return body;
}

}  // namespace

std::string percent_format(const std::string& format, const Value& args) {
  std::vector<Value> positional;
  const Value* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.items();
  } else if (args.is_dict()) {
    mapping = &args;
  } else {
    positional.push_back(args);
  }
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    if (++i >= format.size()) throw_value_error("incomplete format");
    if (format[i] == '%') {
      out.push_back('%');
      continue;
    }
    const Value* value = nullptr;
    Value looked_up;
    if (format[i] == '(') {
      size_t close = format.find(')', i);
      if (close == std::string::npos) throw_value_error("incomplete format key");
      if (!mapping) throw_type_error("format requires a mapping");
      std::string key = format.substr(i + 1, close - i - 1);
      const Value* found = mapping->dict_data().find(Value(key));
      if (!found) throw TemplateError("KeyError", py::repr(key));
      looked_up = *found;
      value = &looked_up;
      i = close + 1;
    }
    std::string flags;
    while (i < format.size() && std::string("-+ #0").find(format[i]) != std::string::npos)
      flags.push_back(format[i++]);
    int width = -1, precision = -1;
    while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
      width = (width < 0 ? 0 : width) * 10 + (format[i++] - '0');
      check_built_size(width);
    }
    if (i < format.size() && format[i] == '.') {
      precision = 0;
      ++i;
      while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
        precision = precision * 10 + (format[i++] - '0');
        if (precision > 1000) throw TemplateError("ValueError", "precision too big");
      }
    }
    if (i >= format.size()) throw_value_error("incomplete format");
    if (!value) {
      if (mapping) {
        looked_up = *mapping;
        value = &looked_up;
      } else {
        if (next >= positional.size()) throw_type_error("not enough arguments for format string");
        value = &positional[next++];
      }
    }
    out += format_one(format[i], flags, width, precision, *value);
  }
  if (!mapping && next < positional.size())
    throw_type_error("not all arguments converted during string formatting");
  return out;
}

}  // namespace ruvllm::chat
