#include "chat/parser.h"

#include <initializer_list>

#include "chat/lexer.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

using namespace ast;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Body parse_all() {
    Body body = parse_body({});
    if (current().type != TokenType::End) fail("unexpected " + describe(current()));
    return body;
  }

 private:
  // ------------------------------------------------------------ token helpers

  const Token& current() const { return tokens_[pos_]; }
  const Token& peek(size_t ahead = 1) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool at_operator(std::string_view op) const {
    return current().type == TokenType::Operator && current().text == op;
  }
  bool at_name(std::string_view name) const {
    return current().type == TokenType::Name && current().text == name;
  }
  bool skip_operator(std::string_view op) {
    if (!at_operator(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!at_name(name)) return false;
    advance();
    return true;
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw TemplateSyntaxError(message, current().line);
  }
  void expect_operator(std::string_view op) {
    if (!skip_operator(op))
      fail("expected token '" + std::string(op) + "', got " + describe(current()));
  }
  void expect_name(std::string_view name) {
    if (!skip_name(name))
      fail("expected token '" + std::string(name) + "', got " + describe(current()));
  }
  std::string expect_identifier() {
    if (current().type != TokenType::Name)
      fail("expected token 'name', got " + describe(current()));
    return advance().text;
  }
  void expect_block_end() {
    if (current().type != TokenType::BlockEnd)
      fail("expected token 'end of statement block', got " + describe(current()));
    advance();
  }

  // ------------------------------------------------------------ statements

  // Parses nodes until a block tag whose name is in `end_tags` (left as the current token, after
  // its `{%`) or the end of the template.
  Body parse_body(std::initializer_list<std::string_view> end_tags) {
    Body body;
    while (true) {
      const Token& t = current();
      switch (t.type) {
        case TokenType::End:
          if (end_tags.size() != 0) fail_unclosed(end_tags);
          return body;
        case TokenType::Text:
          body.push_back(std::make_unique<ast::Text>(t.text, t.line));
          advance();
          break;
        case TokenType::VarBegin: {
          int line = t.line;
          advance();
          ExprPtr e = parse_tuple(true, false);
          if (current().type != TokenType::VarEnd)
            fail("expected token 'end of print statement', got " + describe(current()));
          advance();
          body.push_back(std::make_unique<Print>(std::move(e), line));
          break;
        }
        case TokenType::BlockBegin: {
          advance();
          if (current().type == TokenType::Name) {
            for (auto end : end_tags)
              if (current().text == end) return body;
          }
          body.push_back(parse_statement(end_tags));
          break;
        }
        default:
          fail("unexpected " + describe(t));
      }
    }
  }

  // "Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that
  // needs to be closed is 'for'." as Jinja2 words it.
  static std::string looking_for(std::initializer_list<std::string_view> end_tags) {
    std::string names, block;
    for (auto e : end_tags) {
      if (!names.empty()) names += " or ";
      names += "'" + std::string(e) + "'";
      if (block.empty() && e.substr(0, 3) == "end") block = std::string(e.substr(3));
    }
    std::string message = "Jinja was looking for the following tags: " + names + ".";
    if (!block.empty())
      message += " The innermost block that needs to be closed is '" + block + "'.";
    return message;
  }

  [[noreturn]] void fail_unclosed(std::initializer_list<std::string_view> end_tags) const {
    fail("Unexpected end of template. " + looking_for(end_tags));
  }

  NodePtr parse_statement(std::initializer_list<std::string_view> enclosing_end_tags) {
    NestingGuard guard(*this);
    if (current().type != TokenType::Name) fail("tag name expected");
    const std::string tag = current().text;
    int line = current().line;
    if (tag == "if") return parse_if();
    if (tag == "for") return parse_for();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "call") return parse_call_block();
    if (tag == "filter") return parse_filter_block();
    if (tag == "with") return parse_with();
    if (tag == "block") return parse_block();
    if (tag == "generation") return parse_generation();
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) fail("'" + tag + "' outside of a loop");
      advance();
      expect_block_end();
      if (tag == "break") return std::make_unique<Break>(line);
      return std::make_unique<Continue>(line);
    }
    std::string message = "Encountered unknown tag '" + tag + "'.";
    if (enclosing_end_tags.size() != 0) message += " " + looking_for(enclosing_end_tags);
    fail(message);
  }

  NodePtr parse_if() {
    auto node = std::make_unique<If>(current().line);
    advance();  // if
    while (true) {
      ExprPtr cond = parse_tuple(false, false);
      expect_block_end();
      Body body = parse_body({"elif", "else", "endif"});
      node->branches.emplace_back(std::move(cond), std::move(body));
      std::string tag = advance().text;
      if (tag == "elif") continue;
      if (tag == "else") {
        expect_block_end();
        node->else_body = parse_body({"endif"});
        advance();
      }
      expect_block_end();
      return node;
    }
  }

  NodePtr parse_for() {
    auto node = std::make_unique<For>(current().line);
    advance();  // for
    node->target = parse_target(false);
    expect_name("in");
    node->iterable = parse_tuple(false, false, "recursive");
    if (skip_name("if")) node->filter = parse_expression(true);
    if (skip_name("recursive")) node->recursive = true;
    expect_block_end();
    ++loop_depth_;
    node->body = parse_body({"endfor", "else"});
    --loop_depth_;
    if (advance().text == "else") {
      expect_block_end();
      node->else_body = parse_body({"endfor"});
      advance();
    }
    expect_block_end();
    return node;
  }

  NodePtr parse_set() {
    int line = current().line;
    advance();  // set
    Target target = parse_target(true);
    if (skip_operator("=")) {
      auto node = std::make_unique<Set>(line);
      node->target = std::move(target);
      node->value = parse_tuple(true, false);
      expect_block_end();
      return node;
    }
    auto node = std::make_unique<SetBlock>(line);
    node->target = std::move(target);
    if (at_operator("|")) node->filter = parse_filters(nullptr);
    expect_block_end();
    node->body = parse_body({"endset"});
    advance();
    expect_block_end();
    return node;
  }

  std::vector<MacroParam> parse_params() {
    std::vector<MacroParam> params;
    expect_operator("(");
    while (!at_operator(")")) {
      if (!params.empty()) expect_operator(",");
      if (at_operator(")")) break;
      MacroParam p;
      p.name = expect_identifier();
      if (skip_operator("=")) {
        p.default_value = parse_expression(true);
      } else if (!params.empty() && params.back().default_value) {
        fail("non-default argument follows default argument");
      }
      params.push_back(std::move(p));
    }
    advance();  // )
    return params;
  }

  NodePtr parse_macro() {
    auto node = std::make_unique<Macro>(current().line);
    advance();  // macro
    node->name = expect_identifier();
    node->params = parse_params();
    expect_block_end();
    int saved_depth = loop_depth_;
    loop_depth_ = 0;
    node->body = parse_body({"endmacro"});
    loop_depth_ = saved_depth;
    advance();
    if (current().type == TokenType::Name) advance();  // {% endmacro name %}
    expect_block_end();
    return node;
  }

  NodePtr parse_call_block() {
    auto node = std::make_unique<CallBlock>(current().line);
    advance();  // call
    if (at_operator("(")) node->params = parse_params();
    node->call = parse_expression(true);
    if (node->call->kind != Expr::Kind::Call) fail("expected call");
    expect_block_end();
    int saved_depth = loop_depth_;
    loop_depth_ = 0;
    node->body = parse_body({"endcall"});
    loop_depth_ = saved_depth;
    advance();
    expect_block_end();
    return node;
  }

  NodePtr parse_filter_block() {
    auto node = std::make_unique<FilterBlock>(current().line);
    advance();  // filter
    node->filter = parse_filter_chain(nullptr);
    expect_block_end();
    node->body = parse_body({"endfilter"});
    advance();
    expect_block_end();
    return node;
  }

  NodePtr parse_with() {
    auto node = std::make_unique<With>(current().line);
    advance();  // with
    while (current().type != TokenType::BlockEnd) {
      if (!node->assignments.empty()) expect_operator(",");
      Target t = parse_target(false);
      expect_operator("=");
      node->assignments.emplace_back(std::move(t), parse_expression(true));
    }
    expect_block_end();
    node->body = parse_body({"endwith"});
    advance();
    expect_block_end();
    return node;
  }

  NodePtr parse_block() {
    auto node = std::make_unique<Scope>(current().line);
    node->new_scope = true;
    advance();  // block
    expect_identifier();
    while (skip_name("scoped") || skip_name("required")) {
    }
    expect_block_end();
    node->body = parse_body({"endblock"});
    advance();
    if (current().type == TokenType::Name) advance();
    expect_block_end();
    return node;
  }

  NodePtr parse_generation() {
    auto node = std::make_unique<Scope>(current().line);
    advance();  // generation
    expect_block_end();
    node->body = parse_body({"endgeneration"});
    advance();
    expect_block_end();
    return node;
  }

  // name | ns.attr | a, b | (a, b)
  Target parse_target(bool allow_attribute) {
    Target first = parse_single_target(allow_attribute);
    if (!at_operator(",")) return first;
    Target tuple;
    tuple.kind = Target::Kind::Tuple;
    tuple.items.push_back(std::move(first));
    while (skip_operator(",")) {
      if (current().type != TokenType::Name && !at_operator("(")) break;
      tuple.items.push_back(parse_single_target(false));
    }
    return tuple;
  }

  Target parse_single_target(bool allow_attribute) {
    NestingGuard guard(*this);
    if (skip_operator("(")) {
      Target tuple;
      tuple.kind = Target::Kind::Tuple;
      while (!at_operator(")")) {
        if (!tuple.items.empty()) expect_operator(",");
        if (at_operator(")")) break;
        tuple.items.push_back(parse_single_target(false));
      }
      advance();
      return tuple;
    }
    Target t;
    t.name = expect_identifier();
    if (allow_attribute && at_operator(".") && peek().type == TokenType::Name) {
      advance();
      t.kind = Target::Kind::Attribute;
      t.attribute = advance().text;
    }
    if (t.name == "true" || t.name == "false" || t.name == "none" || t.name == "True" ||
        t.name == "False" || t.name == "None")
      fail("Can't assign to constant '" + t.name + "'");
    return t;
  }

  // ------------------------------------------------------------ expressions

  // Comma-separated expressions: a tuple when there is a comma (or the parentheses are explicit
  // and empty), else the single expression. `stop_name` ends the list (e.g. "recursive").
  ExprPtr parse_tuple(bool with_condexpr, bool explicit_parentheses,
                      std::string_view stop_name = {}) {
    NestingGuard guard(*this);
    int line = current().line;
    std::vector<ExprPtr> items;
    bool saw_comma = false;
    while (true) {
      if (!items.empty()) {
        if (!skip_operator(",")) break;
        saw_comma = true;
      }
      if (tuple_ends(stop_name)) break;
      items.push_back(parse_expression(with_condexpr));
    }
    if (!saw_comma) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parentheses) fail("Expected an expression, got " + describe(current()));
    }
    auto t = std::make_unique<ast::List>(line, true);
    t->items = std::move(items);
    return t;
  }

  bool tuple_ends(std::string_view stop_name) const {
    const Token& t = current();
    if (t.type == TokenType::VarEnd || t.type == TokenType::BlockEnd || t.type == TokenType::End)
      return true;
    if (t.type == TokenType::Operator && t.text == ")") return true;
    if (!stop_name.empty() && t.type == TokenType::Name && t.text == stop_name) return true;
    return false;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    NestingGuard guard(*this);
    return with_condexpr ? parse_conditional() : parse_or();
  }

  ExprPtr parse_conditional() {
    NestingGuard guard(*this);
    ChainGuard chain(*this);
    ExprPtr expr = parse_or();
    while (at_name("if")) {
      chain.link();
      int line = current().line;
      advance();
      ExprPtr cond = parse_or();
      ExprPtr otherwise;
      if (skip_name("else")) otherwise = parse_conditional();
      expr = std::make_unique<Conditional>(std::move(cond), std::move(expr), std::move(otherwise),
                                           line);
    }
    return expr;
  }

  ExprPtr parse_or() {
    ChainGuard chain(*this);
    ExprPtr left = parse_and();
    while (at_name("or")) {
      chain.link();
      int line = advance().line;
      left = std::make_unique<Binary>(BinaryOp::Or, std::move(left), parse_and(), line);
    }
    return left;
  }

  ExprPtr parse_and() {
    ChainGuard chain(*this);
    ExprPtr left = parse_not();
    while (at_name("and")) {
      chain.link();
      int line = advance().line;
      left = std::make_unique<Binary>(BinaryOp::And, std::move(left), parse_not(), line);
    }
    return left;
  }

  ExprPtr parse_not() {
    NestingGuard guard(*this);
    if (at_name("not")) {
      int line = advance().line;
      return std::make_unique<Unary>(UnaryOp::Not, parse_not(), line);
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = current().line;
    ExprPtr first = parse_math1();
    std::unique_ptr<Compare> cmp;
    while (true) {
      CompareOp op;
      if (at_operator("==")) {
        op = CompareOp::Eq;
      } else if (at_operator("!=")) {
        op = CompareOp::Ne;
      } else if (at_operator("<")) {
        op = CompareOp::Lt;
      } else if (at_operator("<=")) {
        op = CompareOp::Le;
      } else if (at_operator(">")) {
        op = CompareOp::Gt;
      } else if (at_operator(">=")) {
        op = CompareOp::Ge;
      } else if (at_name("in")) {
        op = CompareOp::In;
      } else if (at_name("not") && peek().type == TokenType::Name && peek().text == "in") {
        advance();
        op = CompareOp::NotIn;
      } else {
        break;
      }
      advance();
      if (!cmp) cmp = std::make_unique<Compare>(std::move(first), line);
      cmp->rest.emplace_back(op, parse_math1());
    }
    if (cmp) return cmp;
    return first;
  }

  ExprPtr parse_math1() {
    ChainGuard chain(*this);
    ExprPtr left = parse_concat();
    while (at_operator("+") || at_operator("-")) {
      chain.link();
      BinaryOp op = current().text == "+" ? BinaryOp::Add : BinaryOp::Sub;
      int line = advance().line;
      left = std::make_unique<Binary>(op, std::move(left), parse_concat(), line);
    }
    return left;
  }

  ExprPtr parse_concat() {
    ChainGuard chain(*this);
    ExprPtr left = parse_math2();
    while (at_operator("~")) {
      chain.link();
      int line = advance().line;
      left = std::make_unique<Binary>(BinaryOp::Concat, std::move(left), parse_math2(), line);
    }
    return left;
  }

  ExprPtr parse_math2() {
    ChainGuard chain(*this);
    ExprPtr left = parse_pow();
    while (true) {
      chain.link();
      BinaryOp op;
      if (at_operator("*")) {
        op = BinaryOp::Mul;
      } else if (at_operator("/")) {
        op = BinaryOp::Div;
      } else if (at_operator("//")) {
        op = BinaryOp::FloorDiv;
      } else if (at_operator("%")) {
        op = BinaryOp::Mod;
      } else {
        break;
      }
      int line = advance().line;
      left = std::make_unique<Binary>(op, std::move(left), parse_pow(), line);
    }
    return left;
  }

  ExprPtr parse_pow() {
    ChainGuard chain(*this);
    ExprPtr left = parse_unary(true);
    while (at_operator("**")) {
      chain.link();
      int line = advance().line;
      left = std::make_unique<Binary>(BinaryOp::Pow, std::move(left), parse_unary(true), line);
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    NestingGuard guard(*this);
    int line = current().line;
    ExprPtr node;
    if (skip_operator("-")) {
      node = std::make_unique<Unary>(UnaryOp::Neg, parse_unary(false), line);
    } else if (skip_operator("+")) {
      node = std::make_unique<Unary>(UnaryOp::Pos, parse_unary(false), line);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_or_test(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = current();
    int line = t.line;
    switch (t.type) {
      case TokenType::Name: {
        std::string name = advance().text;
        if (name == "true" || name == "True") return std::make_unique<Literal>(Value(true), line);
        if (name == "false" || name == "False")
          return std::make_unique<Literal>(Value(false), line);
        if (name == "none" || name == "None") return std::make_unique<Literal>(Value::none(), line);
        return std::make_unique<Name>(name, line);
      }
      case TokenType::String: {
        std::string s = advance().text;
        while (current().type == TokenType::String) s += advance().text;
        return std::make_unique<Literal>(Value(std::move(s)), line);
      }
      case TokenType::Integer:
        return std::make_unique<Literal>(Value(advance().int_value), line);
      case TokenType::Float:
        return std::make_unique<Literal>(Value(advance().float_value), line);
      case TokenType::Operator:
        if (t.text == "(") {
          advance();
          ExprPtr e = parse_tuple(true, true);
          expect_operator(")");
          return e;
        }
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      default:
        break;
    }
    fail("unexpected " + describe(t));
  }

  ExprPtr parse_list() {
    auto list = std::make_unique<ast::List>(advance().line, false);
    while (!at_operator("]")) {
      if (!list->items.empty()) expect_operator(",");
      if (at_operator("]")) break;
      list->items.push_back(parse_expression(true));
    }
    advance();
    return list;
  }

  ExprPtr parse_dict() {
    auto dict = std::make_unique<ast::Dict>(advance().line);
    while (!at_operator("}")) {
      if (!dict->entries.empty()) expect_operator(",");
      if (at_operator("}")) break;
      ExprPtr key = parse_expression(true);
      expect_operator(":");
      dict->entries.emplace_back(std::move(key), parse_expression(true));
    }
    advance();
    return dict;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    ChainGuard chain(*this);
    while (true) {
      chain.link();
      if (at_operator(".")) {
        int line = advance().line;
        if (current().type == TokenType::Name) {
          node = std::make_unique<GetAttr>(std::move(node), advance().text, line);
        } else if (current().type == TokenType::Integer) {
          auto index = std::make_unique<Literal>(Value(advance().int_value), line);
          node = std::make_unique<GetItem>(std::move(node), std::move(index), line);
        } else {
          fail("expected name or number");
        }
      } else if (at_operator("[")) {
        node = parse_subscript(std::move(node));
      } else if (at_operator("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr object) {
    int line = advance().line;  // [
    std::vector<ExprPtr> parts;
    bool saw_comma = false;
    while (!at_operator("]")) {
      if (!parts.empty()) {
        expect_operator(",");
        saw_comma = true;
        if (at_operator("]")) break;
      }
      parts.push_back(parse_subscribed(object, line));
    }
    advance();  // ]
    if (parts.empty()) fail("expected subscript expression");
    if (parts.size() == 1 && !saw_comma) {
      if (parts[0]->kind == Expr::Kind::Slice) return std::move(parts[0]);
      return std::make_unique<GetItem>(std::move(object), std::move(parts[0]), line);
    }
    auto tuple = std::make_unique<ast::List>(line, true);
    for (auto& p : parts) {
      if (p->kind == Expr::Kind::Slice) fail("slices in tuple subscripts are not supported");
      tuple->items.push_back(std::move(p));
    }
    return std::make_unique<GetItem>(std::move(object), std::move(tuple), line);
  }

  // One subscript: an expression, or a slice (which takes ownership of `object`).
  ExprPtr parse_subscribed(ExprPtr& object, int line) {
    ExprPtr start;
    if (!at_operator(":")) {
      start = parse_expression(true);
      if (!at_operator(":")) return start;
    }
    advance();  // :
    auto slice = std::make_unique<ast::Slice>(line);
    slice->start = std::move(start);
    if (!at_operator(":") && !at_operator("]") && !at_operator(","))
      slice->stop = parse_expression(true);
    if (skip_operator(":")) {
      if (!at_operator("]") && !at_operator(",")) slice->step = parse_expression(true);
    }
    if (!object) fail("invalid slice");
    slice->object = std::move(object);
    return slice;
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto call = std::make_unique<Call>(std::move(callee), current().line);
    call->args = parse_arguments();
    return call;
  }

  Arguments parse_arguments() {
    Arguments args;
    expect_operator("(");
    bool first = true;
    while (!at_operator(")")) {
      if (!first) {
        expect_operator(",");
        if (at_operator(")")) break;
      }
      first = false;
      if (skip_operator("*")) {
        args.star_args = parse_expression(true);
      } else if (skip_operator("**")) {
        args.star_kwargs = parse_expression(true);
      } else if (current().type == TokenType::Name && peek().type == TokenType::Operator &&
                 peek().text == "=") {
        std::string key = advance().text;
        advance();  // =
        args.keyword.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (!args.keyword.empty() || args.star_args || args.star_kwargs)
          fail("positional argument follows keyword argument");
        args.positional.push_back(parse_expression(true));
      }
    }
    advance();  // )
    return args;
  }

  std::string parse_dotted_name() {
    std::string name = expect_identifier();
    while (at_operator(".") && peek().type == TokenType::Name) {
      advance();
      name += "." + advance().text;
    }
    return name;
  }

  // `|f(args)` repeated, applied to `node` (null inside filter blocks).
  ExprPtr parse_filters(ExprPtr node) {
    ChainGuard chain(*this);
    while (skip_operator("|")) {
      chain.link();
      node = parse_one_filter(std::move(node));
    }
    return node;
  }

  // The argument of {% filter %}: a filter chain without the leading `|`.
  ExprPtr parse_filter_chain(ExprPtr node) {
    node = parse_one_filter(std::move(node));
    return parse_filters(std::move(node));
  }

  ExprPtr parse_one_filter(ExprPtr operand) {
    int line = current().line;
    auto f = std::make_unique<ast::Filter>(std::move(operand), parse_dotted_name(), line);
    if (at_operator("(")) f->args = parse_arguments();
    return f;
  }

  ExprPtr parse_filter_or_test(ExprPtr node) {
    ChainGuard chain(*this);
    while (true) {
      chain.link();
      if (at_operator("|")) {
        advance();
        node = parse_one_filter(std::move(node));
      } else if (at_name("is")) {
        node = parse_test(std::move(node));
      } else if (at_operator("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_test(ExprPtr operand) {
    int line = advance().line;  // is
    bool negated = skip_name("not");
    auto test = std::make_unique<ast::Test>(std::move(operand), parse_dotted_name(), line);
    test->negated = negated;
    const Token& t = current();
    if (at_operator("(")) {
      test->args = parse_arguments();
    } else if ((t.type == TokenType::Name || t.type == TokenType::String ||
                t.type == TokenType::Integer || t.type == TokenType::Float || at_operator("[") ||
                at_operator("{")) &&
               !(t.type == TokenType::Name &&
                 (t.text == "else" || t.text == "or" || t.text == "and"))) {
      if (at_name("is")) fail("You cannot chain multiple tests with is");
      ExprPtr arg = parse_postfix(parse_primary());
      test->args.positional.push_back(std::move(arg));
    }
    return test;
  }

  // Bounds recursion so hostile templates raise an error instead of overflowing the stack.
  struct NestingGuard {
    NestingGuard(Parser& p) : parser(p) {
      if (++parser.nesting_ > kMaxNesting) parser.fail("template nesting too deep");
    }
    ~NestingGuard() { --parser.nesting_; }
    Parser& parser;
  };
  // Left-leaning chains (a + b + c, x|f|g, a.b.c) deepen the tree one level per link.
  struct ChainGuard {
    explicit ChainGuard(Parser& p) : parser(p) {}
    void link() {
      ++links;
      if (++parser.nesting_ > kMaxNesting) parser.fail("expression too deeply nested");
    }
    ~ChainGuard() { parser.nesting_ -= links; }
    Parser& parser;
    int links = 0;
  };
  static constexpr int kMaxNesting = 1024;

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int loop_depth_ = 0;
  int nesting_ = 0;
};

}  // namespace

ast::Body parse_template(std::string_view source) {
  return Parser(tokenize(source)).parse_all();
}

}  // namespace ruvllm::chat
