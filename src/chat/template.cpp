#include "chat/template.h"

#include "chat/environment.h"
#include "chat/interpreter.h"
#include "chat/json_value.h"
#include "chat/parser.h"

namespace ruvllm::chat {

struct Template::Body {
  ast::Body nodes;
};

namespace {

// Jinja2 resolves filter and test names when it compiles a template; do the same so an unknown
// name fails at parse time, not only when (and if) that branch renders.
class NameChecker {
 public:
  explicit NameChecker(const Environment& env) : env_(env) {}

  void check(const ast::Body& body) {
    for (const auto& node : body) check(*node);
  }

 private:
  [[noreturn]] void fail(const std::string& what, const std::string& name, int line) {
    throw TemplateError("TemplateAssertionError", "No " + what + " named '" + name + "'. (line " +
                                                      std::to_string(line) + ")");
  }

  void check(const ast::Arguments& a) {
    for (const auto& p : a.positional) check(p.get());
    for (const auto& [k, v] : a.keyword) check(v.get());
    check(a.star_args.get());
    check(a.star_kwargs.get());
  }

  void check(const ast::Expr* e) {
    using K = ast::Expr::Kind;
    if (!e) return;
    switch (e->kind) {
      case K::Literal:
      case K::Name:
        return;
      case K::List:
        for (const auto& i : static_cast<const ast::List*>(e)->items) check(i.get());
        return;
      case K::Dict:
        for (const auto& [k, v] : static_cast<const ast::Dict*>(e)->entries) {
          check(k.get());
          check(v.get());
        }
        return;
      case K::GetAttr:
        check(static_cast<const ast::GetAttr*>(e)->object.get());
        return;
      case K::GetItem: {
        auto g = static_cast<const ast::GetItem*>(e);
        check(g->object.get());
        check(g->index.get());
        return;
      }
      case K::Slice: {
        auto s = static_cast<const ast::Slice*>(e);
        for (auto* p : {&s->object, &s->start, &s->stop, &s->step}) check(p->get());
        return;
      }
      case K::Call: {
        auto c = static_cast<const ast::Call*>(e);
        check(c->callee.get());
        check(c->args);
        return;
      }
      case K::Filter: {
        auto f = static_cast<const ast::Filter*>(e);
        if (!env_.has_filter(f->name)) fail("filter", f->name, f->line);
        check(f->operand.get());
        check(f->args);
        return;
      }
      case K::Test: {
        auto t = static_cast<const ast::Test*>(e);
        if (!env_.has_test(t->name)) fail("test", t->name, t->line);
        check(t->operand.get());
        check(t->args);
        return;
      }
      case K::Unary:
        check(static_cast<const ast::Unary*>(e)->operand.get());
        return;
      case K::Binary: {
        auto b = static_cast<const ast::Binary*>(e);
        check(b->left.get());
        check(b->right.get());
        return;
      }
      case K::Compare: {
        auto c = static_cast<const ast::Compare*>(e);
        check(c->first.get());
        for (const auto& [op, x] : c->rest) check(x.get());
        return;
      }
      case K::Conditional: {
        auto c = static_cast<const ast::Conditional*>(e);
        check(c->condition.get());
        check(c->then_expr.get());
        check(c->else_expr.get());
        return;
      }
    }
  }

  void check(const std::vector<ast::MacroParam>& params) {
    for (const auto& p : params) check(p.default_value.get());
  }

  void check(const ast::Node& n) {
    using K = ast::Node::Kind;
    switch (n.kind) {
      case K::Text:
      case K::Break:
      case K::Continue:
        return;
      case K::Print:
        check(static_cast<const ast::Print&>(n).expr.get());
        return;
      case K::If: {
        const auto& i = static_cast<const ast::If&>(n);
        for (const auto& [c, b] : i.branches) {
          check(c.get());
          check(b);
        }
        check(i.else_body);
        return;
      }
      case K::For: {
        const auto& f = static_cast<const ast::For&>(n);
        check(f.iterable.get());
        check(f.filter.get());
        check(f.body);
        check(f.else_body);
        return;
      }
      case K::Set:
        check(static_cast<const ast::Set&>(n).value.get());
        return;
      case K::SetBlock: {
        const auto& s = static_cast<const ast::SetBlock&>(n);
        check(s.filter.get());
        check(s.body);
        return;
      }
      case K::Macro: {
        const auto& m = static_cast<const ast::Macro&>(n);
        check(m.params);
        check(m.body);
        return;
      }
      case K::CallBlock: {
        const auto& c = static_cast<const ast::CallBlock&>(n);
        check(c.call.get());
        check(c.params);
        check(c.body);
        return;
      }
      case K::FilterBlock: {
        const auto& f = static_cast<const ast::FilterBlock&>(n);
        check(f.filter.get());
        check(f.body);
        return;
      }
      case K::Scope:
        check(static_cast<const ast::Scope&>(n).body);
        return;
      case K::With: {
        const auto& w = static_cast<const ast::With&>(n);
        for (const auto& [t, e] : w.assignments) check(e.get());
        check(w.body);
        return;
      }
    }
  }

  const Environment& env_;
};

}  // namespace

Template Template::parse(std::string_view source) {
  auto body = std::make_shared<Body>();
  body->nodes = parse_template(source);
  NameChecker(Environment::standard()).check(body->nodes);
  return Template(std::move(body));
}

std::string Template::render(const nlohmann::ordered_json& context,
                             const RenderOptions& options) const {
  // Declared first so it is destroyed last, after the scopes below have been released.
  RenderArena arena;
  auto globals = arena.new_scope(nullptr);
  install_globals(*globals, options.strftime_now, arena);
  auto scope = arena.new_scope(globals);
  if (!context.is_null()) {
    if (!context.is_object()) throw TemplateError("TypeError", "the context must be a JSON object");
    for (auto it = context.begin(); it != context.end(); ++it)
      scope->set(it.key(), from_json(it.value()));
  }
  Interpreter interpreter(Environment::standard(), arena);
  std::string out;
  interpreter.render(body_->nodes, scope, out);
  return out;
}

}  // namespace ruvllm::chat
