// Built-in tests: `x is defined`, `x is string`, `n is divisibleby 3`, `a is equalto b`, ...
#include <cmath>

#include "chat/args.h"
#include "chat/environment.h"
#include "chat/operations.h"
#include "chat/py_string.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

using Predicate = bool (*)(const Value&);

TestFn unary_test(const char* name, Predicate p) {
  std::string n = name;
  return [n, p](const Environment&, const Value& v, CallArgs& args) {
    expect_no_args(n, args);
    return p(v);
  };
}

TestFn comparison_test(const char* name, ast::CompareOp op) {
  std::string n = name;
  return [n, op](const Environment&, const Value& v, CallArgs& args) {
    BoundArgs a(n, args, {"other"}, 1);
    return compare(op, v, a.get(0));
  };
}

int64_t integer_operand(const Value& v, const char* what) {
  if (v.is_undefined()) v.fail_undefined();
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool();
  throw_type_error(std::string("unsupported operand type(s) for %: '") + v.type_name() +
                   "' and 'int' (" + what + ")");
}

bool is_odd_or_even(const Value& v, bool odd) {
  if (v.is_float()) {
    double m = std::fmod(v.as_float(), 2.0);
    if (m < 0) m += 2.0;
    return odd ? m == 1.0 : m == 0.0;
  }
  int64_t i = integer_operand(v, odd ? "odd" : "even");
  int64_t m = ((i % 2) + 2) % 2;
  return odd ? m == 1 : m == 0;
}

bool is_iterable(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::String:
    case Value::Kind::List:
    case Value::Kind::Dict:
    case Value::Kind::Generator:
    case Value::Kind::Undefined:
      return true;
    default:
      return false;
  }
}

// Python: has both __len__ and __getitem__.
bool is_sequence(const Value& v) {
  return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
}

}  // namespace

void register_tests(Environment& env) {
  env.add_test("defined", unary_test("defined", [](const Value& v) { return !v.is_undefined(); }));
  env.add_test("undefined",
               unary_test("undefined", [](const Value& v) { return v.is_undefined(); }));
  env.add_test("none", unary_test("none", [](const Value& v) { return v.is_none(); }));
  env.add_test("boolean", unary_test("boolean", [](const Value& v) { return v.is_bool(); }));
  env.add_test("true",
               unary_test("true", [](const Value& v) { return v.is_bool() && v.as_bool(); }));
  env.add_test("false",
               unary_test("false", [](const Value& v) { return v.is_bool() && !v.as_bool(); }));
  env.add_test("integer", unary_test("integer", [](const Value& v) { return v.is_int(); }));
  env.add_test("float", unary_test("float", [](const Value& v) { return v.is_float(); }));
  env.add_test("number", unary_test("number", [](const Value& v) { return v.is_number(); }));
  env.add_test("string", unary_test("string", [](const Value& v) { return v.is_string(); }));
  env.add_test("mapping", unary_test("mapping", [](const Value& v) { return v.is_dict(); }));
  env.add_test("iterable", unary_test("iterable", is_iterable));
  env.add_test("sequence", unary_test("sequence", is_sequence));
  env.add_test("callable", unary_test("callable", [](const Value& v) { return v.is_callable(); }));
  env.add_test("escaped", unary_test("escaped", [](const Value& v) { return v.is_markup(); }));
  env.add_test("odd", unary_test("odd", [](const Value& v) { return is_odd_or_even(v, true); }));
  env.add_test("even", unary_test("even", [](const Value& v) { return is_odd_or_even(v, false); }));
  env.add_test("lower", unary_test("lower", [](const Value& v) { return py::is_lower(v.str()); }));
  env.add_test("upper", unary_test("upper", [](const Value& v) { return py::is_upper(v.str()); }));
  env.add_test("divisibleby", [](const Environment&, const Value& v, CallArgs& args) {
    BoundArgs a("divisibleby", args, {"num"}, 1);
    Value num = a.get(0);
    if (v.is_float() || num.is_float()) {
      if (num.as_number() == 0) throw TemplateError("ZeroDivisionError", "float modulo");
      return std::fmod(v.as_number(), num.as_number()) == 0;
    }
    int64_t d = integer_operand(num, "divisibleby");
    if (d == 0) throw TemplateError("ZeroDivisionError", "integer modulo by zero");
    return integer_operand(v, "divisibleby") % d == 0;
  });
  env.add_test("sameas", [](const Environment&, const Value& v, CallArgs& args) {
    BoundArgs a("sameas", args, {"other"}, 1);
    return v.same_as(a.get(0));
  });
  env.add_test("in", [](const Environment&, const Value& v, CallArgs& args) {
    BoundArgs a("in", args, {"seq"}, 1);
    return contains(a.get(0), v);
  });
  env.add_test("filter", [](const Environment& e, const Value& v, CallArgs& args) {
    expect_no_args("filter", args);
    return v.is_string() && e.has_filter(v.as_string());
  });
  env.add_test("test", [](const Environment& e, const Value& v, CallArgs& args) {
    expect_no_args("test", args);
    return v.is_string() && e.has_test(v.as_string());
  });
  struct Cmp {
    const char* name;
    ast::CompareOp op;
  };
  for (const Cmp& c :
       {Cmp{"eq", ast::CompareOp::Eq}, Cmp{"equalto", ast::CompareOp::Eq},
        Cmp{"==", ast::CompareOp::Eq}, Cmp{"ne", ast::CompareOp::Ne}, Cmp{"!=", ast::CompareOp::Ne},
        Cmp{"lt", ast::CompareOp::Lt}, Cmp{"lessthan", ast::CompareOp::Lt},
        Cmp{"<", ast::CompareOp::Lt}, Cmp{"le", ast::CompareOp::Le}, Cmp{"<=", ast::CompareOp::Le},
        Cmp{"gt", ast::CompareOp::Gt}, Cmp{"greaterthan", ast::CompareOp::Gt},
        Cmp{">", ast::CompareOp::Gt}, Cmp{"ge", ast::CompareOp::Ge},
        Cmp{">=", ast::CompareOp::Ge}}) {
    env.add_test(c.name, comparison_test(c.name, c.op));
  }
}

}  // namespace ruvllm::chat
