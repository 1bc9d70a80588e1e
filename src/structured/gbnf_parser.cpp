#include "structured/gbnf_parser.h"

#include "structured/gbnf_reader.h"
#include "structured/grammar_builder.h"

namespace ruvllm::structured {

namespace {

// Builds syntax trees. A sequence or alternation of one child is that child. Children are
// collected on `pending_` (a stack: nested groups push above and pop back before their parent
// continues) and moved into an exactly sized vector at the end, which saves the allocations of
// growing each node's vector one child at a time.
class TreeBuilder {
 public:
  using Piece = GbnfExpr;
  using Seq = size_t;  // where the sequence's children start on pending_
  using Alt = size_t;

  Seq begin_sequence() { return pending_.size(); }
  void before_item(Seq&) {}
  void append(Seq&, GbnfExpr item) { pending_.push_back(std::move(item)); }
  GbnfExpr end_sequence(Seq& base) {
    if (pending_.size() == base) {
      GbnfExpr empty;
      empty.kind = GbnfExpr::Kind::kSequence;
      return empty;
    }
    return take_pending(base, GbnfExpr::Kind::kSequence);
  }

  Alt begin_alternation() { return pending_.size(); }
  void before_alternative(Alt&) {}
  void add_alternative(Alt&, GbnfExpr seq) { pending_.push_back(std::move(seq)); }
  GbnfExpr end_alternation(Alt& base) { return take_pending(base, GbnfExpr::Kind::kAlternation); }

  GbnfExpr literal(const std::vector<uint32_t>& code_points) {
    GbnfExpr item;
    item.kind = GbnfExpr::Kind::kLiteral;
    item.code_points = code_points;
    return item;
  }
  GbnfExpr char_class(const std::vector<CodePointRange>& ranges, bool negated) {
    GbnfExpr item;
    item.kind = GbnfExpr::Kind::kCharClass;
    item.ranges = ranges;
    item.negated = negated;
    return item;
  }
  GbnfExpr rule_ref(std::string name) {
    GbnfExpr item;
    item.kind = GbnfExpr::Kind::kRuleRef;
    item.name = std::move(name);
    return item;
  }
  GbnfExpr group(GbnfExpr alternation) { return alternation; }
  GbnfExpr repeat(GbnfExpr item, uint32_t min_count, uint32_t max_count) {
    GbnfExpr rep;
    rep.kind = GbnfExpr::Kind::kRepeat;
    rep.min_count = min_count;
    rep.max_count = max_count;
    rep.children.push_back(std::move(item));
    return rep;
  }

 private:
  GbnfExpr take_pending(size_t base, GbnfExpr::Kind kind) {
    if (pending_.size() == base + 1) {
      GbnfExpr only = std::move(pending_.back());
      pending_.pop_back();
      return only;
    }
    GbnfExpr node;
    node.kind = kind;
    node.children.reserve(pending_.size() - base);
    for (size_t i = base; i < pending_.size(); ++i) node.children.push_back(std::move(pending_[i]));
    pending_.resize(base);
    return node;
  }

  std::vector<GbnfExpr> pending_;
};

}  // namespace

std::vector<GbnfRule> parse_gbnf_rules(std::string_view text) {
  TreeBuilder builder;
  std::vector<GbnfRule> rules;
  gbnf_detail::GbnfReader<TreeBuilder>(text, builder)
      .read_rules([&](std::string name, GbnfExpr body) {
        rules.push_back({std::move(name), std::move(body)});
      });
  return rules;
}

Grammar parse_gbnf(std::string_view text, std::string_view root) {
  return build_grammar(parse_gbnf_rules(text), root);
}

}  // namespace ruvllm::structured
