#include "chat/interpreter.h"

#include <optional>

#include "chat/operations.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

using namespace ast;

struct CallDepthGuard {
  explicit CallDepthGuard(Interpreter& i) : interp(i) {
    if (++interp.depth_ > Interpreter::kMaxCallDepth) {
      --interp.depth_;
      throw TemplateError("RecursionError", "maximum recursion depth exceeded");
    }
  }
  ~CallDepthGuard() { --interp.depth_; }
  Interpreter& interp;
};

void Interpreter::render(const Body& body, const ScopePtr& scope, std::string& out) {
  exec_body(body, scope, out);
}

void Interpreter::check_output(const std::string& out) const {
  if (out.size() > kMaxOutputBytes)
    throw TemplateError(
        "MemoryError", "template output exceeds " + std::to_string(kMaxOutputBytes >> 20) + " MiB");
}

Interpreter::Flow Interpreter::exec_body(const Body& body, const ScopePtr& scope,
                                         std::string& out) {
  for (const auto& node : body) {
    Flow f = exec(*node, scope, out);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Node& node, const ScopePtr& scope, std::string& out) {
  switch (node.kind) {
    case Node::Kind::Text:
      out += static_cast<const Text&>(node).text;
      check_output(out);
      return Flow::Normal;
    case Node::Kind::Print:
      out += eval(*static_cast<const Print&>(node).expr, scope).str();
      check_output(out);
      return Flow::Normal;
    case Node::Kind::If: {
      Flow flow = Flow::Normal;
      exec_if(static_cast<const If&>(node), scope, out, &flow);
      return flow;
    }
    case Node::Kind::For:
      exec_for(static_cast<const For&>(node), scope, out);
      return Flow::Normal;
    case Node::Kind::Set: {
      const auto& s = static_cast<const Set&>(node);
      assign(s.target, eval(*s.value, scope), *scope);
      return Flow::Normal;
    }
    case Node::Kind::SetBlock: {
      const auto& s = static_cast<const SetBlock&>(node);
      std::string captured;
      exec_body(s.body, scope, captured);
      Value v(std::move(captured));
      if (s.filter) v = apply_filter_chain(*s.filter, scope, v);
      assign(s.target, v, *scope);
      return Flow::Normal;
    }
    case Node::Kind::Macro: {
      const auto& m = static_cast<const Macro&>(node);
      scope->set(m.name, make_macro(m.name, m.params, m.body, scope));
      return Flow::Normal;
    }
    case Node::Kind::CallBlock:
      exec_call_block(static_cast<const CallBlock&>(node), scope, out);
      return Flow::Normal;
    case Node::Kind::FilterBlock: {
      const auto& f = static_cast<const FilterBlock&>(node);
      std::string captured;
      exec_body(f.body, scope, captured);
      out += apply_filter_chain(*f.filter, scope, Value(std::move(captured))).str();
      check_output(out);
      return Flow::Normal;
    }
    case Node::Kind::Break:
      return Flow::Break;
    case Node::Kind::Continue:
      return Flow::Continue;
    case Node::Kind::Scope: {
      const auto& s = static_cast<const ast::Scope&>(node);
      if (!s.new_scope) return exec_body(s.body, scope, out);
      exec_body(s.body, arena_.new_scope(scope), out);
      return Flow::Normal;
    }
    case Node::Kind::With: {
      const auto& w = static_cast<const With&>(node);
      auto inner = arena_.new_scope(scope);
      for (const auto& [target, expr] : w.assignments) assign(target, eval(*expr, scope), *inner);
      return exec_body(w.body, inner, out);
    }
  }
  return Flow::Normal;
}

void Interpreter::exec_if(const If& node, const ScopePtr& scope, std::string& out, Flow* flow) {
  for (const auto& [cond, body] : node.branches) {
    if (eval(*cond, scope).truthy()) {
      *flow = exec_body(body, scope, out);
      return;
    }
  }
  *flow = exec_body(node.else_body, scope, out);
}

void Interpreter::assign(const Target& target, const Value& value, chat::Scope& scope) {
  switch (target.kind) {
    case Target::Kind::Name:
      scope.set(target.name, value);
      return;
    case Target::Kind::Attribute: {
      const Value* obj = scope.find(target.name);
      if (!obj || !obj->is_object() || !obj->object_data().assignable)
        throw_runtime_error("cannot assign attribute on non-namespace object");
      obj->object_data().set(target.attribute, value);
      return;
    }
    case Target::Kind::Tuple: {
      std::vector<Value> items = iterate(value);
      if (items.size() < target.items.size())
        throw_value_error("not enough values to unpack (expected " +
                          std::to_string(target.items.size()) + ", got " +
                          std::to_string(items.size()) + ")");
      if (items.size() > target.items.size())
        throw_value_error("too many values to unpack (expected " +
                          std::to_string(target.items.size()) + ")");
      for (size_t i = 0; i < items.size(); ++i) assign(target.items[i], items[i], scope);
      return;
    }
  }
}

// ---------------------------------------------------------------- for loops

namespace {

// Indexes into the LoopContext attribute list, which is updated in place each iteration.
enum LoopAttr {
  kIndex,
  kIndex0,
  kRevindex,
  kRevindex0,
  kFirst,
  kLast,
  kLength,
  kDepth,
  kDepth0,
  kPrevitem,
  kNextitem,
  kCycle,
  kChanged,
  kLoopAttrCount
};

std::shared_ptr<ObjectData> make_loop_object(size_t length, int depth) {
  auto loop = std::make_shared<ObjectData>();
  loop->type_name = "LoopContext";
  const char* names[] = {"index", "index0", "revindex", "revindex0", "first", "last",   "length",
                         "depth", "depth0", "previtem", "nextitem",  "cycle", "changed"};
  for (const char* n : names) loop->attributes.emplace_back(n, Value());
  loop->attributes[kLength].second = Value(static_cast<int64_t>(length));
  loop->attributes[kDepth].second = Value(static_cast<int64_t>(depth));
  loop->attributes[kDepth0].second = Value(static_cast<int64_t>(depth - 1));
  std::weak_ptr<ObjectData> weak = loop;
  loop->attributes[kCycle].second = Value::function(
      "cycle",
      [weak](CallArgs& args) -> Value {
        if (args.positional.empty()) throw_type_error("no items for cycling given");
        auto self = weak.lock();
        int64_t i = self ? self->attributes[kIndex0].second.as_int() : 0;
        return args.positional[static_cast<size_t>(i) % args.positional.size()];
      },
      "method");
  auto last_changed = std::make_shared<std::optional<Value>>();
  loop->attributes[kChanged].second = Value::function(
      "changed",
      [last_changed](CallArgs& args) -> Value {
        Value current = Value::list(args.positional);
        if (*last_changed && py_equals(**last_changed, current)) return Value(false);
        *last_changed = current;
        return Value(true);
      },
      "method");
  return loop;
}

void update_loop_object(ObjectData& loop, const std::vector<Value>& items, size_t i) {
  int64_t n = static_cast<int64_t>(items.size());
  int64_t i0 = static_cast<int64_t>(i);
  auto& a = loop.attributes;
  a[kIndex].second = Value(i0 + 1);
  a[kIndex0].second = Value(i0);
  a[kRevindex].second = Value(n - i0);
  a[kRevindex0].second = Value(n - i0 - 1);
  a[kFirst].second = Value(i == 0);
  a[kLast].second = Value(i0 == n - 1);
  a[kPrevitem].second = i > 0 ? items[i - 1] : Value::undefined("there is no previous item");
  a[kNextitem].second = i0 + 1 < n ? items[i + 1] : Value::undefined("there is no next item");
}

}  // namespace

void Interpreter::exec_for(const For& node, const ScopePtr& scope, std::string& out) {
  run_loop(node, eval(*node.iterable, scope), scope, out, 1);
}

void Interpreter::run_loop(const For& node, const Value& iterable, const ScopePtr& scope,
                           std::string& out, int depth) {
  std::vector<Value> items = iterate(iterable);
  if (node.filter) {
    std::vector<Value> kept;
    for (auto& item : items) {
      auto probe = arena_.new_scope(scope);
      assign(node.target, item, *probe);
      if (eval(*node.filter, probe).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec_body(node.else_body, scope, out);
    return;
  }
  auto loop = make_loop_object(items.size(), depth);
  arena_.track(loop);
  if (node.recursive) {
    loop->call = [this, &node, scope, depth](CallArgs& args) -> Value {
      if (args.positional.size() != 1 || !args.keyword.empty())
        throw_type_error("loop() takes exactly one argument");
      CallDepthGuard guard(*this);
      std::string nested;
      run_loop(node, args.positional[0], scope, nested, depth + 1);
      return Value(std::move(nested));
    };
  }
  Value loop_value = Value::object(loop);
  for (size_t i = 0; i < items.size(); ++i) {
    update_loop_object(*loop, items, i);
    auto iteration = arena_.new_scope(scope);
    iteration->set("loop", loop_value);
    assign(node.target, items[i], *iteration);
    if (exec_body(node.body, iteration, out) == Flow::Break) break;
  }
}

// ---------------------------------------------------------------- macros and call blocks

Value Interpreter::make_macro(const std::string& name, const std::vector<MacroParam>& params,
                              const Body& body, const ScopePtr& closure) {
  return Value::function(
      name,
      [this, name, &params, &body, closure](CallArgs& args) {
        return call_macro(name, params, body, closure, args);
      },
      "Macro");
}

Value Interpreter::call_macro(const std::string& name, const std::vector<MacroParam>& params,
                              const Body& body, const ScopePtr& closure, CallArgs& args) {
  CallDepthGuard guard(*this);
  auto scope = arena_.new_scope(closure);
  std::vector<Value> varargs;
  for (size_t i = params.size(); i < args.positional.size(); ++i)
    varargs.push_back(args.positional[i]);
  Value kwargs = Value::dict();
  std::vector<bool> given(params.size(), false);
  for (size_t i = 0; i < params.size() && i < args.positional.size(); ++i) {
    scope->set(params[i].name, args.positional[i]);
    given[i] = true;
  }
  for (auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < params.size() && params[i].name != key) ++i;
    if (i < params.size()) {
      if (given[i])
        throw_type_error("macro '" + name + "' got multiple values for argument '" + key + "'");
      scope->set(key, value);
      given[i] = true;
    } else if (key == "caller") {
      scope->set("caller", value);
    } else {
      kwargs.dict_data().set(Value(key), value);
    }
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (given[i]) continue;
    if (params[i].default_value) {
      scope->set(params[i].name, eval(*params[i].default_value, scope));
    } else {
      scope->set(params[i].name,
                 Value::undefined("parameter '" + params[i].name + "' was not provided"));
    }
  }
  scope->set("varargs", Value::tuple(std::move(varargs)));
  scope->set("kwargs", kwargs);
  std::string out;
  exec_body(body, scope, out);
  return Value(std::move(out));
}

void Interpreter::exec_call_block(const CallBlock& node, const ScopePtr& scope, std::string& out) {
  const auto& call = static_cast<const Call&>(*node.call);
  Value callee = eval(*call.callee, scope);
  CallArgs args = eval_arguments(call.args, scope);
  args.keyword.emplace_back("caller", make_macro("caller", node.params, node.body, scope));
  out += call_value(callee, args).str();
  check_output(out);
}

}  // namespace ruvllm::chat
