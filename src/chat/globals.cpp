#include "chat/globals.h"

#include <ctime>

#include "chat/args.h"
#include "chat/operations.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

constexpr int64_t kMaxRange = 100000;  // Jinja2's sandbox MAX_RANGE

Value builtin_range(CallArgs& args) {
  if (!args.keyword.empty()) throw_type_error("range() takes no keyword arguments");
  std::vector<int64_t> n;
  for (const auto& v : args.positional) {
    if (v.is_undefined()) v.fail_undefined();
    if (!v.is_int() && !v.is_bool())
      throw_type_error("'" + v.type_name() + "' object cannot be interpreted as an integer");
    n.push_back(v.is_bool() ? v.as_bool() : v.as_int());
  }
  if (n.empty() || n.size() > 3)
    throw_type_error("range expected at most 3 arguments, got " + std::to_string(n.size()));
  int64_t start = n.size() == 1 ? 0 : n[0];
  int64_t stop = n.size() == 1 ? n[0] : n[1];
  int64_t step = n.size() == 3 ? n[2] : 1;
  if (step == 0) throw_value_error("range() arg 3 must not be zero");
  // Count without overflow: use long double arithmetic for the bound check.
  long double span = static_cast<long double>(stop) - static_cast<long double>(start);
  long double count = span / static_cast<long double>(step);
  if (count > kMaxRange)
    throw TemplateError("OverflowError",
                        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  std::vector<Value> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.emplace_back(i);
  return Value::list(std::move(out));
}

// dict(mapping or pairs, **kwargs) and namespace(...) share this.
void fill_from_args(DictData& d, CallArgs& args, const char* name) {
  if (args.positional.size() > 1)
    throw_type_error(std::string(name) + " expected at most 1 argument, got " +
                     std::to_string(args.positional.size()));
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      for (const auto& [k, v] : src.dict_data().entries()) d.set(k, v);
    } else {
      for (const auto& pair : iterate(src)) {
        auto kv = iterate(pair);
        if (kv.size() != 2)
          throw_value_error("dictionary update sequence element has length " +
                            std::to_string(kv.size()) + "; 2 is required");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : args.keyword) d.set(Value(k), v);
}

Value builtin_namespace(CallArgs& args, RenderArena& arena) {
  DictData attrs;
  fill_from_args(attrs, args, "namespace");
  auto ns = std::make_shared<ObjectData>();
  ns->type_name = "Namespace";
  ns->assignable = true;
  arena.track(ns);
  for (const auto& [k, v] : attrs.entries()) {
    if (!k.is_string()) throw_type_error("keywords must be strings");
    ns->set(k.as_string(), v);
  }
  return Value::object(ns);
}

Value builtin_cycler(CallArgs& args) {
  if (args.positional.empty()) throw_runtime_error("at least one item has to be provided");
  auto cyc = std::make_shared<ObjectData>();
  cyc->type_name = "Cycler";
  auto items = std::make_shared<std::vector<Value>>(args.positional);
  auto position = std::make_shared<size_t>(0);
  std::weak_ptr<ObjectData> weak = cyc;
  cyc->set("current", (*items)[0]);
  cyc->set("next", Value::function(
                       "next",
                       [items, position, weak](CallArgs& a) {
                         expect_no_args("next", a);
                         Value rv = (*items)[*position];
                         *position = (*position + 1) % items->size();
                         if (auto self = weak.lock()) self->set("current", (*items)[*position]);
                         return rv;
                       },
                       "method"));
  cyc->set("reset", Value::function(
                        "reset",
                        [items, position, weak](CallArgs& a) {
                          expect_no_args("reset", a);
                          *position = 0;
                          if (auto self = weak.lock()) self->set("current", (*items)[0]);
                          return Value::none();
                        },
                        "method"));
  return Value::object(cyc);
}

Value builtin_joiner(CallArgs& args) {
  BoundArgs a("joiner", args, {"sep"});
  std::string sep = a.get(0, Value(", ")).str();
  auto used = std::make_shared<bool>(false);
  auto j = std::make_shared<ObjectData>();
  j->type_name = "Joiner";
  j->call = [sep, used](CallArgs& call_args) {
    expect_no_args("joiner", call_args);
    if (!*used) {
      *used = true;
      return Value("");
    }
    return Value(sep);
  };
  return Value::object(j);
}

}  // namespace

std::string strftime_local_now(const std::string& format) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::string buf(256 + format.size() * 8, '\0');
  size_t n = std::strftime(buf.data(), buf.size(), format.c_str(), &local);
  buf.resize(n);
  return buf;
}

void install_globals(Scope& scope, StrftimeFn strftime_now, RenderArena& arena) {
  scope.set("range", Value::function("range", builtin_range, "type"));
  scope.set("dict", Value::function(
                        "dict",
                        [](CallArgs& args) {
                          Value d = Value::dict();
                          fill_from_args(d.dict_data(), args, "dict");
                          return d;
                        },
                        "type"));
  RenderArena* arena_ptr = &arena;
  scope.set(
      "namespace",
      Value::function(
          "namespace", [arena_ptr](CallArgs& args) { return builtin_namespace(args, *arena_ptr); },
          "type"));
  scope.set("cycler", Value::function("cycler", builtin_cycler, "type"));
  scope.set("joiner", Value::function("joiner", builtin_joiner, "type"));
  scope.set("raise_exception", Value::function(
                                   "raise_exception",
                                   [](CallArgs& args) -> Value {
                                     BoundArgs a("raise_exception", args, {"message"}, 1);
                                     throw TemplateError("TemplateError", a.get(0).str());
                                   },
                                   "function"));
  scope.set("strftime_now", Value::function(
                                "strftime_now",
                                [fn = std::move(strftime_now)](CallArgs& args) {
                                  BoundArgs a("strftime_now", args, {"format"}, 1);
                                  return Value(fn(a.get(0).str()));
                                },
                                "function"));
}

}  // namespace ruvllm::chat
