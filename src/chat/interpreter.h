// Renders a parsed template: executes statements (interpreter.cpp) and evaluates expressions
// (interpreter_expr.cpp) against a scope chain, appending output to a string.
//
// An Interpreter lives for one render call; macros and loop objects created while rendering refer
// back to it. Recursion (macros calling themselves) is bounded so a hostile template raises
// TemplateError instead of overflowing the stack; output is bounded too.
#pragma once

#include <memory>
#include <string>

#include "chat/ast.h"
#include "chat/environment.h"
#include "chat/render_arena.h"
#include "chat/scope.h"

namespace ruvllm::chat {

class Interpreter {
 public:
  Interpreter(const Environment& env, RenderArena& arena) : env_(env), arena_(arena) {}

  void render(const ast::Body& body, const ScopePtr& scope, std::string& out);
  Value eval(const ast::Expr& expr, const ScopePtr& scope);

  static constexpr int kMaxCallDepth = 200;
  static constexpr size_t kMaxOutputBytes = size_t{256} << 20;

 private:
  enum class Flow { Normal, Break, Continue };

  Flow exec_body(const ast::Body& body, const ScopePtr& scope, std::string& out);
  Flow exec(const ast::Node& node, const ScopePtr& scope, std::string& out);
  void exec_if(const ast::If& node, const ScopePtr& scope, std::string& out, Flow* flow);
  void exec_for(const ast::For& node, const ScopePtr& scope, std::string& out);
  void run_loop(const ast::For& node, const Value& iterable, const ScopePtr& scope,
                std::string& out, int depth);
  void exec_call_block(const ast::CallBlock& node, const ScopePtr& scope, std::string& out);
  void assign(const ast::Target& target, const Value& value, Scope& scope);

  // A callable that renders `body` with `params` bound, in a scope under `closure`.
  Value make_macro(const std::string& name, const std::vector<ast::MacroParam>& params,
                   const ast::Body& body, const ScopePtr& closure);
  Value call_macro(const std::string& name, const std::vector<ast::MacroParam>& params,
                   const ast::Body& body, const ScopePtr& closure, CallArgs& args);

  // Expressions.
  Value eval_filter(const ast::Filter& f, const ScopePtr& scope, const Value* block_input);
  Value eval_test(const ast::Test& t, const ScopePtr& scope);
  Value eval_call(const ast::Call& c, const ScopePtr& scope);
  Value eval_binary(const ast::Binary& b, const ScopePtr& scope);
  Value eval_compare(const ast::Compare& c, const ScopePtr& scope);
  CallArgs eval_arguments(const ast::Arguments& a, const ScopePtr& scope);
  // Applies a filter chain whose innermost operand is null to `input` (filter/set blocks).
  Value apply_filter_chain(const ast::Expr& chain, const ScopePtr& scope, const Value& input);

  void check_output(const std::string& out) const;

  const Environment& env_;
  RenderArena& arena_;
  int depth_ = 0;
  friend struct CallDepthGuard;
};

}  // namespace ruvllm::chat
