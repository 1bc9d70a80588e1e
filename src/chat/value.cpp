#include "chat/value.h"

#include <algorithm>
#include <cmath>

#include "chat/py_number.h"
#include "chat/py_string.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

// ---- DictData / ObjectData ----

const Value* DictData::find(const Value& key) const {
  auto it = index_.find(hash_key(key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

void DictData::set(const Value& key, Value value) {
  int d = 1 + nesting_depth(value);
  if (d > kMaxNestingDepth) throw TemplateError("RecursionError", "maximum nesting depth exceeded");
  depth_ = std::max(depth_, d);
  std::string h = hash_key(key);
  auto it = index_.find(h);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(std::move(h), entries_.size());
  entries_.emplace_back(key, std::move(value));
}

bool DictData::erase(const Value& key) {
  auto it = index_.find(hash_key(key));
  if (it == index_.end()) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(hash_key(entries_[i].first), i);
  return true;
}

const Value* ObjectData::find(const std::string& name) const {
  for (const auto& [k, v] : attributes)
    if (k == name) return &v;
  return nullptr;
}

void ObjectData::set(const std::string& name, Value value) {
  int d = 1 + nesting_depth(value);
  if (d > kMaxNestingDepth) throw TemplateError("RecursionError", "maximum nesting depth exceeded");
  depth = std::max(depth, d);
  for (auto& [k, v] : attributes) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  attributes.emplace_back(name, std::move(value));
}

// ---- construction ----

Value Value::undefined(std::string message, std::string error_type) {
  auto info = std::make_shared<UndefinedInfo>();
  info->message = std::move(message);
  info->error_type = std::move(error_type);
  return Value(Storage(std::shared_ptr<const UndefinedInfo>(std::move(info))));
}

Value Value::undefined_name(const std::string& name) {
  return undefined(py::repr(name) + " is undefined");
}

Value Value::undefined_attribute(const Value& owner, const Value& name) {
  if (name.is_string())
    return undefined("'" + object_type_repr(owner) + "' has no attribute " + name.repr());
  return undefined(object_type_repr(owner) + " has no element " + name.repr());
}

Value Value::none() {
  return Value(Storage(nullptr));
}

namespace {

int items_depth(const std::vector<Value>& items) {
  int d = 1;
  for (const auto& v : items) d = std::max(d, 1 + nesting_depth(v));
  if (d > kMaxNestingDepth) throw TemplateError("RecursionError", "maximum nesting depth exceeded");
  return d;
}

}  // namespace

int nesting_depth(const Value& v) {
  if (v.is_list()) return v.list_data().depth;
  if (v.is_dict()) return v.dict_data().depth();
  if (v.is_object()) return v.object_data().depth;
  return 0;
}

Value Value::list(std::vector<Value> items) {
  auto d = std::make_shared<ListData>();
  d->depth = items_depth(items);
  d->items = std::move(items);
  return Value(Storage(std::move(d)));
}

Value Value::tuple(std::vector<Value> items) {
  auto d = std::make_shared<ListData>();
  d->depth = items_depth(items);
  d->items = std::move(items);
  d->is_tuple = true;
  return Value(Storage(std::move(d)));
}

Value Value::dict() {
  return Value(Storage(std::make_shared<DictData>()));
}

Value Value::dict(std::shared_ptr<DictData> data) {
  return Value(Storage(std::move(data)));
}

Value Value::function(std::string name, NativeFunction fn, std::string type_name) {
  auto d = std::make_shared<FunctionData>();
  d->name = std::move(name);
  d->type_name = std::move(type_name);
  d->call = std::move(fn);
  return Value(Storage(std::move(d)));
}

Value Value::object(std::shared_ptr<ObjectData> data) {
  return Value(Storage(std::move(data)));
}

Value Value::generator(std::vector<Value> items) {
  auto d = std::make_shared<GeneratorData>();
  d->items = std::move(items);
  return Value(Storage(std::move(d)));
}

// ---- inspection ----

double Value::as_number() const {
  switch (kind()) {
    case Kind::Bool:
      return as_bool() ? 1.0 : 0.0;
    case Kind::Int:
      return static_cast<double>(as_int());
    case Kind::Float:
      return as_float();
    default:
      throw_type_error("expected a number, got " + type_name());
  }
}

UndefinedInfo Value::undefined_info() const {
  const auto& p = std::get<std::shared_ptr<const UndefinedInfo>>(data_);
  if (p) return *p;
  return UndefinedInfo{"None is undefined", "UndefinedError"};
}

void Value::fail_undefined() const {
  UndefinedInfo info = undefined_info();
  throw TemplateError(info.error_type, info.message);
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::Undefined:
      return false;
    case Kind::None:
      return false;
    case Kind::Bool:
      return as_bool();
    case Kind::Int:
      return as_int() != 0;
    case Kind::Float:
      return as_float() != 0.0;
    case Kind::String:
      return !as_string().empty();
    case Kind::List:
      return !items().empty();
    case Kind::Dict:
      return dict_data().size() != 0;
    default:
      return true;
  }
}

std::string Value::str() const {
  switch (kind()) {
    case Kind::Undefined:
      return "";
    case Kind::String:
      return as_string();
    default:
      return repr();
  }
}

std::string Value::repr_at(int depth) const {
  // Objects can contain themselves (a namespace assigned to its own attribute).
  if (depth > kMaxNestingDepth)
    throw TemplateError("RecursionError",
                        "maximum recursion depth exceeded while getting the repr");
  switch (kind()) {
    case Kind::Undefined:
      return "Undefined";
    case Kind::None:
      return "None";
    case Kind::Bool:
      return as_bool() ? "True" : "False";
    case Kind::Int:
      return std::to_string(as_int());
    case Kind::Float:
      return py::float_repr(as_float());
    case Kind::String:
      return markup_ ? "Markup(" + py::repr(as_string()) + ")" : py::repr(as_string());
    case Kind::List: {
      const auto& d = list_data();
      std::string out = d.is_tuple ? "(" : "[";
      for (size_t i = 0; i < d.items.size(); ++i) {
        if (i) out += ", ";
        out += d.items[i].repr_at(depth + 1);
      }
      if (d.is_tuple && d.items.size() == 1) out += ",";
      return out + (d.is_tuple ? ")" : "]");
    }
    case Kind::Dict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : dict_data().entries()) {
        if (!first) out += ", ";
        first = false;
        out += k.repr_at(depth + 1) + ": " + v.repr_at(depth + 1);
      }
      return out + "}";
    }
    case Kind::Function:
      return "<" + function_data().type_name + " " + function_data().name + ">";
    case Kind::Object: {
      const auto& o = object_data();
      if (o.type_name != "Namespace") return "<" + o.type_name + " object>";
      std::string out = "<Namespace {";
      for (size_t i = 0; i < o.attributes.size(); ++i) {
        if (i) out += ", ";
        out += py::repr(o.attributes[i].first) + ": " + o.attributes[i].second.repr_at(depth + 1);
      }
      return out + "}>";
    }
    case Kind::Generator:
      return "<" + generator_data().type_name + " object>";
  }
  return "";
}

std::string Value::type_name() const {
  switch (kind()) {
    case Kind::Undefined:
      return "Undefined";
    case Kind::None:
      return "NoneType";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::String:
      return markup_ ? "Markup" : "str";
    case Kind::List:
      return is_tuple() ? "tuple" : "list";
    case Kind::Dict:
      return "dict";
    case Kind::Function:
      return function_data().type_name;
    case Kind::Object:
      return object_data().type_name;
    case Kind::Generator:
      return generator_data().type_name;
  }
  return "object";
}

bool Value::same_as(const Value& other) const {
  if (kind() != other.kind()) return false;
  switch (kind()) {
    case Kind::List:
      return &list_data() == &other.list_data();
    case Kind::Dict:
      return &dict_data() == &other.dict_data();
    case Kind::Function:
      return &function_data() == &other.function_data();
    case Kind::Object:
      return &object_data() == &other.object_data();
    case Kind::Generator:
      return &generator_data() == &other.generator_data();
    case Kind::Undefined:
      return true;
    default:
      return py_equals(*this, other);
  }
}

bool py_equals(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_number() == b.as_number();
    int64_t x = a.is_bool() ? a.as_bool() : a.as_int();
    int64_t y = b.is_bool() ? b.as_bool() : b.as_int();
    return x == y;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::Undefined:
      return true;  // Jinja2: Undefined == Undefined
    case K::None:
      return true;
    case K::String:
      return a.as_string() == b.as_string();
    case K::List: {
      if (a.is_tuple() != b.is_tuple()) return false;
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!py_equals(x[i], y[i])) return false;
      return true;
    }
    case K::Dict: {
      const auto& x = a.dict_data();
      const auto& y = b.dict_data();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries()) {
        const Value* other = y.find(k);
        if (!other || !py_equals(v, *other)) return false;
      }
      return true;
    }
    default:
      return a.same_as(b);
  }
}

std::string hash_key(const Value& v) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::None:
      return "N";
    case K::Bool:
      return "i" + std::to_string(v.as_bool() ? 1 : 0);
    case K::Int:
      return "i" + std::to_string(v.as_int());
    case K::Float: {
      double f = v.as_float();
      if (std::isfinite(f) && f == std::floor(f) && std::fabs(f) < 9.2e18)
        return "i" + std::to_string(static_cast<int64_t>(f));
      return "f" + py::float_repr(f);
    }
    case K::String:
      return "s" + v.as_string();
    case K::List: {
      if (!v.is_tuple()) throw_type_error("unhashable type: 'list'");
      std::string out = "t(";
      for (const auto& item : v.items()) {
        std::string h = hash_key(item);
        out += std::to_string(h.size()) + ":" + h;
      }
      return out + ")";
    }
    case K::Dict:
      throw_type_error("unhashable type: 'dict'");
    case K::Undefined:
      return "U";
    default:
      return "p" + v.repr();
  }
}

std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_markup()) return "markupsafe.Markup object";
  if (v.is_object()) {
    const std::string& t = v.object_data().type_name;
    if (t == "Namespace") return "jinja2.utils.Namespace object";
    if (t == "LoopContext") return "jinja2.runtime.LoopContext object";
    if (t == "Cycler" || t == "Joiner") return "jinja2.utils." + t + " object";
  }
  return v.type_name() + " object";
}

}  // namespace ruvllm::chat
