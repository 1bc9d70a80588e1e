// The values a chat template computes with: a model of the Python objects Jinja2 handles.
//
// Value is a small handle. Scalars (none, bool, int, float, string) are held by value; lists,
// dicts, functions, objects and generators are shared by reference, as in Python, so a namespace
// assigned in a loop is seen outside it. Strings are UTF-8; a string may be "markup"
// (markupsafe.Markup, made by the `safe` filter), which HTML-escapes plain strings added to it.
//
// Undefined is Jinja2's default `Undefined`: it prints as "", is false, iterates as empty, and
// raises UndefinedError (with the message saying what was missing) on any other use.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace ruvllm::chat {

class Value;

// Arguments of a call: positional then keyword, in call order.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

using NativeFunction = std::function<Value(CallArgs&)>;

// Why a value is undefined, and which exception using it raises.
struct UndefinedInfo {
  std::string message;                        // e.g. "'foo' is undefined"
  std::string error_type = "UndefinedError";  // "SecurityError" for unsafe attributes
};

struct ListData {
  std::vector<Value> items;
  bool is_tuple = false;
  int depth = 1;  // container nesting depth, bounded so printing and freeing cannot overflow
};

// An insertion-ordered dict with Python key equality (1 == 1.0 == True).
class DictData {
 public:
  const Value* find(const Value& key) const;
  void set(const Value& key, Value value);
  bool erase(const Value& key);
  size_t size() const { return entries_.size(); }
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }
  int depth() const { return depth_; }

 private:
  int depth_ = 1;
  std::vector<std::pair<Value, Value>> entries_;
  std::unordered_map<std::string, size_t> index_;  // hash_key(key) -> position in entries_
};

struct FunctionData {
  std::string name;
  std::string type_name;  // Python type for messages: "function", "builtin_function_or_method"
  NativeFunction call;
};

// An object with named attributes: Jinja2's Namespace, the loop variable, cycler, joiner.
struct ObjectData {
  std::string type_name;
  std::vector<std::pair<std::string, Value>> attributes;
  bool assignable = false;  // `{% set obj.attr = ... %}` is allowed (namespaces only)
  int depth = 1;            // nesting depth through attribute values
  NativeFunction call;      // set when the object itself is callable

  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value value);
};

// The result of map/select/reject: a one-shot iterator (iterating it a second time sees nothing,
// and json.dumps rejects it).
struct GeneratorData {
  std::vector<Value> items;
  bool consumed = false;
  std::string type_name = "generator";  // e.g. "list_reverseiterator" for reversed()
};

class Value {
 public:
  enum class Kind {
    Undefined,
    None,
    Bool,
    Int,
    Float,
    String,
    List,
    Dict,
    Function,
    Object,
    Generator
  };

  Value() : data_(std::shared_ptr<const UndefinedInfo>()) {}
  Value(bool b) : data_(b) {}
  Value(int v) : data_(static_cast<int64_t>(v)) {}
  Value(int64_t v) : data_(v) {}
  Value(uint64_t v) : data_(static_cast<int64_t>(v)) {}
  Value(double v) : data_(v) {}
  Value(std::string s, bool markup = false) : data_(std::move(s)), markup_(markup) {}
  Value(const char* s) : data_(std::string(s)) {}

  static Value undefined() { return Value(); }
  static Value undefined(std::string message, std::string error_type = "UndefinedError");
  // The undefined of a failed lookup, with Jinja2's message for it.
  static Value undefined_name(const std::string& name);
  static Value undefined_attribute(const Value& owner, const Value& name);
  static Value none();
  static Value markup(std::string s) { return Value(std::move(s), true); }
  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items);
  static Value dict();
  static Value dict(std::shared_ptr<DictData> data);
  static Value function(std::string name, NativeFunction fn,
                        std::string type_name = "builtin_function_or_method");
  static Value object(std::shared_ptr<ObjectData> data);
  static Value generator(std::vector<Value> items);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_float() const { return kind() == Kind::Float; }
  // int, float or bool (Python's numbers.Number).
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind() == Kind::String; }
  bool is_markup() const { return is_string() && markup_; }
  bool is_list() const { return kind() == Kind::List; }
  bool is_tuple() const { return is_list() && list_data().is_tuple; }
  bool is_dict() const { return kind() == Kind::Dict; }
  bool is_function() const { return kind() == Kind::Function; }
  bool is_object() const { return kind() == Kind::Object; }
  bool is_generator() const { return kind() == Kind::Generator; }
  bool is_callable() const { return is_function() || (is_object() && object_data().call); }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  // int or bool as an integer, float as a double.
  double as_number() const;
  const std::string& as_string() const { return std::get<std::string>(data_); }
  ListData& list_data() const { return *std::get<std::shared_ptr<ListData>>(data_); }
  const std::vector<Value>& items() const { return list_data().items; }
  DictData& dict_data() const { return *std::get<std::shared_ptr<DictData>>(data_); }
  const std::shared_ptr<DictData>& dict_ptr() const {
    return std::get<std::shared_ptr<DictData>>(data_);
  }
  FunctionData& function_data() const { return *std::get<std::shared_ptr<FunctionData>>(data_); }
  ObjectData& object_data() const { return *std::get<std::shared_ptr<ObjectData>>(data_); }
  GeneratorData& generator_data() const { return *std::get<std::shared_ptr<GeneratorData>>(data_); }
  // Why this undefined is undefined (message and exception type).
  UndefinedInfo undefined_info() const;

  // Raises the UndefinedError (or SecurityError) this undefined stands for.
  [[noreturn]] void fail_undefined() const;

  // Python bool(value).
  bool truthy() const;
  // Python str(value); undefined gives "".
  std::string str() const;
  // Python repr(value).
  std::string repr() const { return repr_at(0); }
  // Python type(value).__name__, as used in error messages ("str", "dict", "NoneType", ...).
  std::string type_name() const;
  // Same object (Python `is`) for shared kinds; equal value for scalars.
  bool same_as(const Value& other) const;

 private:
  using Storage = std::variant<std::shared_ptr<const UndefinedInfo>, std::nullptr_t, bool, int64_t,
                               double, std::string, std::shared_ptr<ListData>,
                               std::shared_ptr<DictData>, std::shared_ptr<FunctionData>,
                               std::shared_ptr<ObjectData>, std::shared_ptr<GeneratorData>>;
  explicit Value(Storage data) : data_(std::move(data)) {}
  std::string repr_at(int depth) const;

  Storage data_;
  bool markup_ = false;
};

// Containers may nest at most this deep (deeper raises RecursionError).
constexpr int kMaxNestingDepth = 512;

// Nesting depth of lists and dicts (0 for scalars).
int nesting_depth(const Value& v);

// Python `a == b`.
bool py_equals(const Value& a, const Value& b);

// A string identifying a hashable value for dict keys and unique(); throws TypeError for
// unhashable values (lists, dicts).
std::string hash_key(const Value& v);

// Jinja2's object_type_repr: "dict object", "list object", "None"...
std::string object_type_repr(const Value& v);

}  // namespace ruvllm::chat
