#include "structured/grammar_builder.h"

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include "core/error.h"
#include "structured/gbnf_reader.h"

namespace ruvllm::structured {

namespace {

class Lowering {
 public:
  Lowering() { std::fill(std::begin(single_byte_sets_), std::end(single_byte_sets_), kNone); }

  Grammar run(const std::vector<GbnfRule>& rules, std::string_view root) {
    std::vector<std::string_view> names;
    names.reserve(rules.size());
    for (const auto& r : rules) names.push_back(r.name);
    declare(names, root);
    for (size_t i = 0; i < rules.size(); ++i) {
      // Named rules have ids 0..n-1 in order (declared above; names are unique).
      auto alts = lower_alternatives(rules[i].body);
      grammar_.rule(static_cast<uint32_t>(i)).alternatives = std::move(alts);
    }
    return finish();
  }

  // The same grammar from (name, body text) pairs, each body read and lowered in one pass.
  Grammar run(const std::vector<std::pair<std::string, std::string>>& rules,
              std::string_view root) {
    std::vector<std::string_view> names;
    names.reserve(rules.size());
    for (const auto& r : rules) names.push_back(r.first);
    declare(names, root);
    ReadingBuilder builder{*this};
    for (size_t i = 0; i < rules.size(); ++i) {
      Piece body = gbnf_detail::GbnfReader<ReadingBuilder>(rules[i].second, builder).read_body();
      auto& alts = grammar_.rule(static_cast<uint32_t>(i)).alternatives;
      // A body that is one alternation (possibly in parentheses) lists its alternatives, as
      // lower_alternatives does for such a tree.
      if (body.alternation) {
        alts = std::move(body.alternatives);
      } else {
        alts.assign(1, std::move(body.elements));
      }
    }
    return finish();
  }

 private:
  void declare(const std::vector<std::string_view>& names, std::string_view root) {
    // Sized up front: growing the rule list moves every rule, growing a map rehashes it. Helper
    // rules typically about match the named ones in number.
    grammar_.reserve_rules(2 * names.size());
    rule_ids_.reserve(names.size());
    helpers_.reserve(names.size());
    for (std::string_view name : names) {
      const auto [it, fresh] = rule_ids_.try_emplace(std::string(name), 0);
      if (!fresh) throw FormatError("GBNF grammar: rule '" + it->first + "' is defined twice");
      it->second = grammar_.add_rule(it->first);
    }
    auto it = rule_ids_.find(std::string(root));
    if (it == rule_ids_.end()) {
      throw FormatError("GBNF grammar: no '" + std::string(root) + "' rule");
    }
    grammar_.set_root(it->second);
  }

  Grammar finish() {
    splice_classes();
    grammar_.check_no_left_recursion();
    return std::move(grammar_);
  }

  // What the reader hands back while lowering: the elements of an item or sequence, or an
  // alternation whose helper rule is not made yet ("pending"), because a body or group that is
  // only an alternation gives its alternatives to the enclosing rule or group instead.
  struct Piece {
    GrammarSequence elements;
    std::vector<GrammarSequence> alternatives;
    bool alternation = false;
  };

  // Lowers as the reader reads, making each helper rule at the moment lowering the syntax tree
  // would (lower_into visits the tree in reading order), so both give the same grammar.
  struct ReadingBuilder {
    using Piece = Lowering::Piece;
    struct Seq {
      GrammarSequence elements;
      Piece first;  // the first item while it is the only one (it may be a pending alternation)
      size_t items = 0;
    };
    struct Alt {
      std::vector<GrammarSequence> alternatives;
      Piece first;  // the first alternative while it is the only one
      size_t count = 0;
    };

    Lowering& l;

    // The elements of a piece, making the helper rule of a pending alternation.
    GrammarSequence elements_of(Piece&& p) {
      if (!p.alternation) return std::move(p.elements);
      return {GrammarElement::rule(l.helper_rule("alt", std::move(p.alternatives)))};
    }

    Seq begin_sequence() { return {}; }
    void before_item(Seq& seq) {
      if (seq.items == 1) seq.elements = elements_of(std::move(seq.first));
    }
    void append(Seq& seq, Piece item) {
      if (seq.items++ == 0) {
        seq.first = std::move(item);
        return;
      }
      GrammarSequence more = elements_of(std::move(item));
      seq.elements.insert(seq.elements.end(), more.begin(), more.end());
    }
    Piece end_sequence(Seq& seq) {
      if (seq.items == 1) return std::move(seq.first);
      Piece p;
      p.elements = std::move(seq.elements);
      return p;
    }

    Alt begin_alternation() { return {}; }
    void before_alternative(Alt& alt) {
      if (alt.count == 1) alt.alternatives.push_back(elements_of(std::move(alt.first)));
    }
    void add_alternative(Alt& alt, Piece seq) {
      if (alt.count++ == 0) {
        alt.first = std::move(seq);
        return;
      }
      alt.alternatives.push_back(elements_of(std::move(seq)));
    }
    Piece end_alternation(Alt& alt) {
      if (alt.count == 1) return std::move(alt.first);
      Piece p;
      p.alternatives = std::move(alt.alternatives);
      p.alternation = true;
      return p;
    }

    Piece literal(const std::vector<uint32_t>& code_points) {
      Piece p;
      l.lower_literal(code_points, p.elements);
      return p;
    }
    Piece char_class(const std::vector<CodePointRange>& ranges, bool negated) {
      Piece p;
      p.elements.push_back(l.lower_char_class(ranges, negated));
      return p;
    }
    Piece rule_ref(std::string name) {
      Piece p;
      p.elements.push_back(l.rule_ref(name));
      return p;
    }
    Piece group(Piece alternation) { return alternation; }
    Piece repeat(Piece item, uint32_t min_count, uint32_t max_count) {
      Piece p;
      l.lower_repeat(elements_of(std::move(item)), min_count, max_count, p.elements);
      return p;
    }
  };

 private:
  std::vector<GrammarSequence> lower_alternatives(const GbnfExpr& e) {
    std::vector<GrammarSequence> alts;
    if (e.kind == GbnfExpr::Kind::kAlternation) {
      alts.reserve(e.children.size());
      for (const auto& c : e.children) {
        GrammarSequence seq;
        lower_into(c, seq);
        alts.push_back(std::move(seq));
      }
    } else {
      GrammarSequence seq;
      lower_into(e, seq);
      alts.push_back(std::move(seq));
    }
    return alts;
  }

  // A key identifying a list of alternatives, for sharing identical helper rules: each
  // alternative is its length then its elements as raw bytes (kind, index), which is unambiguous
  // and much cheaper to build than a printed key.
  static void append_key(const std::vector<GrammarSequence>& alts, std::string& key) {
    for (const auto& alt : alts) append_sequence_key(alt, key);
  }
  static void append_sequence_key(const GrammarSequence& alt, std::string& key) {
    append_u32(static_cast<uint32_t>(alt.size()), key);
    for (const auto& e : alt) {
      key += e.kind == GrammarElement::Kind::kRule ? 'r' : 'b';
      append_u32(e.index, key);
    }
  }
  static void append_ranges_key(const std::vector<CodePointRange>& ranges, std::string& key) {
    for (const auto& r : ranges) {
      append_u32(r.lo, key);
      append_u32(r.hi, key);
    }
  }
  static void append_u32(uint32_t v, std::string& key) {
    key.append(reinterpret_cast<const char*>(&v), sizeof v);
  }

  uint32_t helper_rule(const std::string& kind, std::vector<GrammarSequence> alts) {
    std::string key = kind;
    key += ':';
    append_key(alts, key);
    auto it = helpers_.find(key);
    if (it != helpers_.end()) return it->second;
    uint32_t id = grammar_.add_rule("_" + kind + std::to_string(helpers_.size()));
    grammar_.rule(id).alternatives = std::move(alts);
    helpers_.emplace(std::move(key), id);
    return id;
  }

  void lower_into(const GbnfExpr& e, GrammarSequence& out) {
    switch (e.kind) {
      case GbnfExpr::Kind::kSequence:
        out.reserve(out.size() + e.children.size());
        for (const auto& c : e.children) lower_into(c, out);
        return;
      case GbnfExpr::Kind::kAlternation:
        out.push_back(GrammarElement::rule(helper_rule("alt", lower_alternatives(e))));
        return;
      case GbnfExpr::Kind::kLiteral:
        lower_literal(e.code_points, out);
        return;
      case GbnfExpr::Kind::kCharClass:
        out.push_back(lower_char_class(e.ranges, e.negated));
        return;
      case GbnfExpr::Kind::kRuleRef:
        out.push_back(rule_ref(e.name));
        return;
      case GbnfExpr::Kind::kRepeat: {
        GrammarSequence item;
        lower_into(e.children[0], item);
        lower_repeat(item, e.min_count, e.max_count, out);
        return;
      }
    }
  }

  void lower_literal(const std::vector<uint32_t>& code_points, GrammarSequence& out) {
    std::string bytes;
    for (uint32_t cp : code_points) append_utf8(cp, bytes);
    out.reserve(out.size() + bytes.size());
    for (char c : bytes) out.push_back(GrammarElement::bytes(add_byte(static_cast<uint8_t>(c))));
  }

  GrammarElement rule_ref(const std::string& name) {
    auto it = rule_ids_.find(name);
    if (it == rule_ids_.end()) {
      throw FormatError("GBNF grammar: reference to undefined rule '" + name + "'");
    }
    return GrammarElement::rule(it->second);
  }

  // The set of one byte, interned through a table (literals are most of a grammar's bytes).
  uint32_t add_byte(uint8_t b) {
    uint32_t& slot = single_byte_sets_[b];
    if (slot == kNone) {
      ByteSet set;
      set.insert(b);
      slot = grammar_.add_byte_set(set);
    }
    return slot;
  }

  GrammarElement lower_char_class(const std::vector<CodePointRange>& class_ranges, bool negated) {
    // Schemas repeat the same classes (the string character class in every bounded-length
    // string rule): a class is lowered once per grammar, later uses reuse its element.
    std::string key(1, negated ? '^' : '=');
    append_ranges_key(class_ranges, key);
    auto [it, fresh] = class_elements_.try_emplace(std::move(key), GrammarElement::bytes(0));
    if (fresh) it->second = lower_char_class_once(class_ranges, negated);
    return it->second;
  }

  GrammarElement lower_char_class_once(const std::vector<CodePointRange>& class_ranges,
                                       bool negated) {
    std::vector<CodePointRange> ranges =
        negated ? complement_ranges(class_ranges) : normalize_ranges(class_ranges);
    bool ascii = true;
    for (const auto& r : ranges) ascii = ascii && r.hi < 0x80;
    if (ascii) {
      ByteSet set;
      for (const auto& r : ranges) {
        set.insert_range(static_cast<uint8_t>(r.lo), static_cast<uint8_t>(r.hi));
      }
      return GrammarElement::bytes(grammar_.add_byte_set(set));
    }
    // The ASCII part becomes one byte set (the first alternative); the rest is a set of UTF-8
    // byte-range sequences, lowered once per grammar: most classes of a grammar share it (each
    // negated class of ASCII characters, such as the key exclusion rules', leaves all of
    // U+0080..U+10FFFF).
    ByteSet singles;
    bool any_single = false;
    std::vector<CodePointRange> multibyte;
    for (const auto& r : ranges) {
      if (r.lo < 0x80) {
        singles.insert_range(static_cast<uint8_t>(r.lo),
                             static_cast<uint8_t>(std::min(r.hi, 0x7Fu)));
        any_single = true;
      }
      if (r.hi >= 0x80) multibyte.push_back({std::max(r.lo, 0x80u), r.hi});
    }
    std::string key;
    append_ranges_key(multibyte, key);
    auto [it, fresh] = multibyte_alternatives_.try_emplace(std::move(key));
    if (fresh) {
      for (const auto& seq : utf8_sequences(multibyte)) {
        GrammarSequence alt;
        for (const auto& br : seq) {
          ByteSet set;
          set.insert_range(br.lo, br.hi);
          alt.push_back(GrammarElement::bytes(grammar_.add_byte_set(set)));
        }
        it->second.push_back(std::move(alt));
      }
    }
    std::vector<GrammarSequence> merged;
    merged.reserve(it->second.size() + 1);
    if (any_single) merged.push_back({GrammarElement::bytes(grammar_.add_byte_set(singles))});
    merged.insert(merged.end(), it->second.begin(), it->second.end());
    const uint32_t id = helper_rule("class", std::move(merged));
    if (class_rules_.size() <= id) class_rules_.resize(id + 1, false);
    class_rules_[id] = true;
    any_class_rule_ = true;
    return GrammarElement::rule(id);
  }

  // Appends `item` repeated min_count..max_count times (GbnfExpr::kUnbounded: no maximum).
  void lower_repeat(const GrammarSequence& item, uint32_t min_count, uint32_t max_count,
                    GrammarSequence& out) {
    for (uint32_t i = 0; i < min_count; ++i) out.insert(out.end(), item.begin(), item.end());
    if (max_count == min_count) return;
    if (max_count == GbnfExpr::kUnbounded) {
      // star ::= item star | ""  (the self-reference is a tail call, so stacks stay flat)
      std::string key = "star:";
      append_sequence_key(item, key);  // as append_key({item}) writes it, without the copy
      auto it = helpers_.find(key);
      if (it != helpers_.end()) {
        out.push_back(GrammarElement::rule(it->second));
        return;
      }
      uint32_t id = grammar_.add_rule("_star" + std::to_string(helpers_.size()));
      GrammarSequence loop = item;
      loop.push_back(GrammarElement::rule(id));
      grammar_.rule(id).alternatives = {loop, {}};
      helpers_.emplace(std::move(key), id);
      out.push_back(GrammarElement::rule(id));
      return;
    }
    // opt_1 ::= item | "" ; opt_k ::= item opt_{k-1} | ""
    uint32_t prev = helper_rule("opt", {item, {}});
    for (uint32_t k = 2; k <= max_count - min_count; ++k) {
      GrammarSequence alt = item;
      alt.push_back(GrammarElement::rule(prev));
      prev = helper_rule("opt", {alt, {}});
    }
    out.push_back(GrammarElement::rule(prev));
  }

  // Inlines the first non-ASCII class helper of every alternative (x [class] y becomes one
  // alternative per UTF-8 byte sequence of the class), so a loop such as a string body stays in
  // one rule while it consumes multi-byte characters.
  void splice_classes() {
    constexpr size_t kMaxSplice = 16;
    if (!any_class_rule_) return;
    class_rules_.resize(grammar_.rules().size(), false);
    auto splice_at = [&](const GrammarSequence& alt) {
      for (size_t i = 0; i < alt.size(); ++i) {
        if (alt[i].kind == GrammarElement::Kind::kRule && class_rules_[alt[i].index] &&
            grammar_.rule(alt[i].index).alternatives.size() <= kMaxSplice) {
          return i;
        }
      }
      return alt.size();
    };
    for (uint32_t r = 0; r < grammar_.rules().size(); ++r) {
      if (class_rules_[r]) continue;
      // Most rules hold no class to splice: leave them as they are.
      const auto& alts = grammar_.rule(r).alternatives;
      if (std::none_of(alts.begin(), alts.end(),
                       [&](const GrammarSequence& alt) { return splice_at(alt) < alt.size(); })) {
        continue;
      }
      std::vector<GrammarSequence> out;
      for (const auto& alt : grammar_.rule(r).alternatives) {
        const size_t at = splice_at(alt);
        if (at == alt.size()) {
          out.push_back(alt);
          continue;
        }
        for (const auto& piece : grammar_.rule(alt[at].index).alternatives) {
          GrammarSequence spliced;
          spliced.reserve(alt.size() - 1 + piece.size());
          spliced.insert(spliced.end(), alt.begin(), alt.begin() + at);
          spliced.insert(spliced.end(), piece.begin(), piece.end());
          spliced.insert(spliced.end(), alt.begin() + at + 1, alt.end());
          out.push_back(std::move(spliced));
        }
      }
      grammar_.rule(r).alternatives = std::move(out);
    }
  }

  static constexpr uint32_t kNone = ~0u;

  Grammar grammar_;
  uint32_t single_byte_sets_[256];
  std::unordered_map<std::string, GrammarElement> class_elements_;
  // Lowered UTF-8 alternatives of a class's code points from U+0080 on, by those ranges.
  std::unordered_map<std::string, std::vector<GrammarSequence>> multibyte_alternatives_;
  std::vector<bool> class_rules_;  // by rule id (a hash set lookup per element cost more)
  bool any_class_rule_ = false;
  std::unordered_map<std::string, uint32_t> rule_ids_;
  std::unordered_map<std::string, uint32_t> helpers_;
};

}  // namespace

Grammar build_grammar(const std::vector<GbnfRule>& rules, std::string_view root) {
  return Lowering().run(rules, root);
}

Grammar build_grammar(const std::vector<std::pair<std::string, std::string>>& rules,
                      std::string_view root) {
  return Lowering().run(rules, root);
}

}  // namespace ruvllm::structured
