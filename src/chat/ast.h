// The syntax tree of a parsed Jinja2 template: expressions (Expr) and statements (Node).
//
// Nodes are plain structs owned through unique_ptr; a `kind` tag lets the interpreter switch on
// them. Every node records the template line it came from for error messages.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace ruvllm::chat::ast {

// ---------------------------------------------------------------- expressions

struct Expr {
  enum class Kind {
    Literal,
    Name,
    List,
    Dict,
    GetAttr,
    GetItem,
    Slice,
    Call,
    Filter,
    Test,
    Unary,
    Binary,
    Compare,
    Conditional
  };
  Expr(Kind k, int l) : kind(k), line(l) {}
  virtual ~Expr() = default;
  Kind kind;
  int line;
};
using ExprPtr = std::unique_ptr<Expr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star_args;    // *args
  ExprPtr star_kwargs;  // **kwargs
};

struct Literal : Expr {
  Literal(Value v, int l) : Expr(Kind::Literal, l), value(std::move(v)) {}
  Value value;
};

struct Name : Expr {
  Name(std::string n, int l) : Expr(Kind::Name, l), name(std::move(n)) {}
  std::string name;
};

// A list or tuple display: [a, b] or (a, b).
struct List : Expr {
  List(int l, bool tuple) : Expr(Kind::List, l), is_tuple(tuple) {}
  std::vector<ExprPtr> items;
  bool is_tuple;
};

struct Dict : Expr {
  explicit Dict(int l) : Expr(Kind::Dict, l) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
};

// obj.name
struct GetAttr : Expr {
  GetAttr(ExprPtr o, std::string n, int l)
      : Expr(Kind::GetAttr, l), object(std::move(o)), name(std::move(n)) {}
  ExprPtr object;
  std::string name;
};

// obj[index]
struct GetItem : Expr {
  GetItem(ExprPtr o, ExprPtr i, int l)
      : Expr(Kind::GetItem, l), object(std::move(o)), index(std::move(i)) {}
  ExprPtr object;
  ExprPtr index;
};

// obj[start:stop:step]; absent parts are null.
struct Slice : Expr {
  explicit Slice(int l) : Expr(Kind::Slice, l) {}
  ExprPtr object, start, stop, step;
};

struct Call : Expr {
  Call(ExprPtr c, int l) : Expr(Kind::Call, l), callee(std::move(c)) {}
  ExprPtr callee;
  Arguments args;
};

// operand|name(args). In {% filter %} and {% set x | f %} blocks the innermost operand is null
// and stands for the block's rendered text.
struct Filter : Expr {
  Filter(ExprPtr o, std::string n, int l)
      : Expr(Kind::Filter, l), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;
  std::string name;
  Arguments args;
};

// operand is [not] name(args)
struct Test : Expr {
  Test(ExprPtr o, std::string n, int l)
      : Expr(Kind::Test, l), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;
  std::string name;
  Arguments args;
  bool negated = false;
};

enum class UnaryOp { Not, Neg, Pos };
struct Unary : Expr {
  Unary(UnaryOp o, ExprPtr e, int l) : Expr(Kind::Unary, l), op(o), operand(std::move(e)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Concat, And, Or };
struct Binary : Expr {
  Binary(BinaryOp o, ExprPtr a, ExprPtr b, int l)
      : Expr(Kind::Binary, l), op(o), left(std::move(a)), right(std::move(b)) {}
  BinaryOp op;
  ExprPtr left, right;
};

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };
// a < b <= c: Python comparison chains.
struct Compare : Expr {
  Compare(ExprPtr f, int l) : Expr(Kind::Compare, l), first(std::move(f)) {}
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};

// then_expr if condition else else_expr (else_expr may be null: undefined).
struct Conditional : Expr {
  Conditional(ExprPtr c, ExprPtr t, ExprPtr e, int l)
      : Expr(Kind::Conditional, l),
        condition(std::move(c)),
        then_expr(std::move(t)),
        else_expr(std::move(e)) {}
  ExprPtr condition, then_expr, else_expr;
};

// ---------------------------------------------------------------- statements

struct Node {
  enum class Kind {
    Text,
    Print,
    If,
    For,
    Set,
    SetBlock,
    Macro,
    CallBlock,
    FilterBlock,
    Break,
    Continue,
    Scope,
    With
  };
  Node(Kind k, int l) : kind(k), line(l) {}
  virtual ~Node() = default;
  Kind kind;
  int line;
};
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

// Left side of an assignment or loop variable: a name, a namespace attribute (ns.x), or a tuple.
struct Target {
  enum class Kind { Name, Attribute, Tuple };
  Kind kind = Kind::Name;
  std::string name;  // variable name (Name, Attribute)
  std::string attribute;
  std::vector<Target> items;  // Tuple
};

struct Text : Node {
  Text(std::string t, int l) : Node(Kind::Text, l), text(std::move(t)) {}
  std::string text;
};

struct Print : Node {
  Print(ExprPtr e, int l) : Node(Kind::Print, l), expr(std::move(e)) {}
  ExprPtr expr;
};

struct If : Node {
  explicit If(int l) : Node(Kind::If, l) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if + elifs
  Body else_body;
};

struct For : Node {
  explicit For(int l) : Node(Kind::For, l) {}
  Target target;
  ExprPtr iterable;
  ExprPtr filter;  // {% for x in xs if cond %}; may be null
  Body body;
  Body else_body;
  bool recursive = false;
};

struct Set : Node {
  explicit Set(int l) : Node(Kind::Set, l) {}
  Target target;
  ExprPtr value;
};

// {% set x %}...{% endset %}, optionally filtered.
struct SetBlock : Node {
  explicit SetBlock(int l) : Node(Kind::SetBlock, l) {}
  Target target;
  ExprPtr filter;  // Filter chain with a null innermost operand, or null
  Body body;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct Macro : Node {
  explicit Macro(int l) : Node(Kind::Macro, l) {}
  std::string name;
  std::vector<MacroParam> params;
  Body body;
};

// {% call(params) callee(args) %}body{% endcall %}
struct CallBlock : Node {
  explicit CallBlock(int l) : Node(Kind::CallBlock, l) {}
  ExprPtr call;  // a Call expression
  std::vector<MacroParam> params;
  Body body;
};

struct FilterBlock : Node {
  explicit FilterBlock(int l) : Node(Kind::FilterBlock, l) {}
  ExprPtr filter;  // Filter chain with a null innermost operand
  Body body;
};

struct Break : Node {
  explicit Break(int l) : Node(Kind::Break, l) {}
};
struct Continue : Node {
  explicit Continue(int l) : Node(Kind::Continue, l) {}
};

// A body rendered in place: {% generation %} (transformers' AssistantTracker) and {% block %}.
struct Scope : Node {
  explicit Scope(int l) : Node(Kind::Scope, l) {}
  Body body;
  bool new_scope = false;  // blocks get their own scope, generation does not
};

// {% with a = 1, b = 2 %}...{% endwith %}
struct With : Node {
  explicit With(int l) : Node(Kind::With, l) {}
  std::vector<std::pair<Target, ExprPtr>> assignments;
  Body body;
};

}  // namespace ruvllm::chat::ast
