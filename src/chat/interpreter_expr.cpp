// Expression evaluation for the Interpreter.
#include "chat/interpreter.h"
#include "chat/operations.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

using namespace ast;

Value Interpreter::eval(const Expr& expr, const ScopePtr& scope) {
  switch (expr.kind) {
    case Expr::Kind::Literal:
      return static_cast<const Literal&>(expr).value;
    case Expr::Kind::Name: {
      const auto& n = static_cast<const Name&>(expr);
      if (const Value* v = scope->find(n.name)) return *v;
      return Value::undefined_name(n.name);
    }
    case Expr::Kind::List: {
      const auto& l = static_cast<const ast::List&>(expr);
      std::vector<Value> items;
      items.reserve(l.items.size());
      for (const auto& item : l.items) items.push_back(eval(*item, scope));
      return l.is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    case Expr::Kind::Dict: {
      const auto& d = static_cast<const ast::Dict&>(expr);
      Value dict = Value::dict();
      for (const auto& [k, v] : d.entries) {
        Value key = eval(*k, scope);
        dict.dict_data().set(key, eval(*v, scope));
      }
      return dict;
    }
    case Expr::Kind::GetAttr: {
      const auto& g = static_cast<const GetAttr&>(expr);
      return get_attribute(eval(*g.object, scope), g.name);
    }
    case Expr::Kind::GetItem: {
      const auto& g = static_cast<const GetItem&>(expr);
      Value obj = eval(*g.object, scope);
      return get_item(obj, eval(*g.index, scope));
    }
    case Expr::Kind::Slice: {
      const auto& s = static_cast<const ast::Slice&>(expr);
      Value obj = eval(*s.object, scope);
      Value start = s.start ? eval(*s.start, scope) : Value::none();
      Value stop = s.stop ? eval(*s.stop, scope) : Value::none();
      Value step = s.step ? eval(*s.step, scope) : Value::none();
      return get_slice(obj, start, stop, step);
    }
    case Expr::Kind::Call:
      return eval_call(static_cast<const Call&>(expr), scope);
    case Expr::Kind::Filter:
      return eval_filter(static_cast<const ast::Filter&>(expr), scope, nullptr);
    case Expr::Kind::Test:
      return eval_test(static_cast<const ast::Test&>(expr), scope);
    case Expr::Kind::Unary: {
      const auto& u = static_cast<const Unary&>(expr);
      Value v = eval(*u.operand, scope);
      switch (u.op) {
        case UnaryOp::Not:
          return Value(!v.truthy());
        case UnaryOp::Neg:
          return negate(v);
        case UnaryOp::Pos:
          return unary_plus(v);
      }
      return v;
    }
    case Expr::Kind::Binary:
      return eval_binary(static_cast<const Binary&>(expr), scope);
    case Expr::Kind::Compare:
      return eval_compare(static_cast<const Compare&>(expr), scope);
    case Expr::Kind::Conditional: {
      const auto& c = static_cast<const Conditional&>(expr);
      if (eval(*c.condition, scope).truthy()) return eval(*c.then_expr, scope);
      if (c.else_expr) return eval(*c.else_expr, scope);
      return Value::undefined("the inline if-expression on line " + std::to_string(c.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  return Value();
}

Value Interpreter::eval_binary(const Binary& b, const ScopePtr& scope) {
  Value left = eval(*b.left, scope);
  switch (b.op) {
    case BinaryOp::And:
      return left.truthy() ? eval(*b.right, scope) : left;
    case BinaryOp::Or:
      return left.truthy() ? left : eval(*b.right, scope);
    case BinaryOp::Concat:
      return concat(left, eval(*b.right, scope));
    default:
      return binary_op(b.op, left, eval(*b.right, scope));
  }
}

Value Interpreter::eval_compare(const Compare& c, const ScopePtr& scope) {
  Value left = eval(*c.first, scope);
  for (const auto& [op, expr] : c.rest) {
    Value right = eval(*expr, scope);
    if (!compare(op, left, right)) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

CallArgs Interpreter::eval_arguments(const Arguments& a, const ScopePtr& scope) {
  CallArgs args;
  for (const auto& p : a.positional) args.positional.push_back(eval(*p, scope));
  if (a.star_args) {
    for (auto& v : iterate(eval(*a.star_args, scope))) args.positional.push_back(std::move(v));
  }
  for (const auto& [k, v] : a.keyword) args.keyword.emplace_back(k, eval(*v, scope));
  if (a.star_kwargs) {
    Value kw = eval(*a.star_kwargs, scope);
    if (!kw.is_dict())
      throw_type_error("argument after ** must be a mapping, not " + kw.type_name());
    for (const auto& [k, v] : kw.dict_data().entries()) {
      if (!k.is_string()) throw_type_error("keywords must be strings");
      args.keyword.emplace_back(k.as_string(), v);
    }
  }
  return args;
}

Value Interpreter::eval_call(const Call& c, const ScopePtr& scope) {
  Value callee = eval(*c.callee, scope);
  CallArgs args = eval_arguments(c.args, scope);
  return call_value(callee, args);
}

Value Interpreter::eval_filter(const ast::Filter& f, const ScopePtr& scope,
                               const Value* block_input) {
  Value input;
  if (f.operand) {
    if (f.operand->kind == Expr::Kind::Filter && block_input) {
      input = eval_filter(static_cast<const ast::Filter&>(*f.operand), scope, block_input);
    } else {
      input = eval(*f.operand, scope);
    }
  } else if (block_input) {
    input = *block_input;
  }
  CallArgs args = eval_arguments(f.args, scope);
  return env_.apply_filter(f.name, input, args);
}

Value Interpreter::apply_filter_chain(const Expr& chain, const ScopePtr& scope,
                                      const Value& input) {
  return eval_filter(static_cast<const ast::Filter&>(chain), scope, &input);
}

Value Interpreter::eval_test(const ast::Test& t, const ScopePtr& scope) {
  Value subject = eval(*t.operand, scope);
  CallArgs args = eval_arguments(t.args, scope);
  bool result = env_.apply_test(t.name, subject, args);
  return Value(t.negated ? !result : result);
}

}  // namespace ruvllm::chat
