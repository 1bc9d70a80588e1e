#include "structured/grammar_builder.h"

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include "core/error.h"

namespace ruvllm::structured {

namespace {

class Lowering {
 public:
  Lowering() { std::fill(std::begin(single_byte_sets_), std::end(single_byte_sets_), kNone); }

  Grammar run(const std::vector<GbnfRule>& rules, std::string_view root) {
    // Sized up front: growing the rule list moves every rule, growing a map rehashes it. Helper
    // rules typically about match the named ones in number.
    grammar_.reserve_rules(2 * rules.size());
    rule_ids_.reserve(rules.size());
    helpers_.reserve(rules.size());
    for (const auto& r : rules) {
      const auto [it, fresh] = rule_ids_.try_emplace(r.name, 0);
      if (!fresh) throw FormatError("GBNF grammar: rule '" + r.name + "' is defined twice");
      it->second = grammar_.add_rule(r.name);
    }
    auto it = rule_ids_.find(std::string(root));
    if (it == rule_ids_.end()) {
      throw FormatError("GBNF grammar: no '" + std::string(root) + "' rule");
    }
    grammar_.set_root(it->second);
    for (size_t i = 0; i < rules.size(); ++i) {
      // Named rules have ids 0..n-1 in order (added above; names are unique).
      auto alts = lower_alternatives(rules[i].body);
      grammar_.rule(static_cast<uint32_t>(i)).alternatives = std::move(alts);
    }
    splice_classes();
    grammar_.check_no_left_recursion();
    return std::move(grammar_);
  }

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
    for (const auto& alt : alts) {
      append_u32(static_cast<uint32_t>(alt.size()), key);
      for (const auto& e : alt) {
        key += e.kind == GrammarElement::Kind::kRule ? 'r' : 'b';
        append_u32(e.index, key);
      }
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
      case GbnfExpr::Kind::kLiteral: {
        std::string bytes;
        for (uint32_t cp : e.code_points) append_utf8(cp, bytes);
        out.reserve(out.size() + bytes.size());
        for (char c : bytes)
          out.push_back(GrammarElement::bytes(add_byte(static_cast<uint8_t>(c))));
        return;
      }
      case GbnfExpr::Kind::kCharClass:
        lower_char_class(e, out);
        return;
      case GbnfExpr::Kind::kRuleRef: {
        auto it = rule_ids_.find(e.name);
        if (it == rule_ids_.end()) {
          throw FormatError("GBNF grammar: reference to undefined rule '" + e.name + "'");
        }
        out.push_back(GrammarElement::rule(it->second));
        return;
      }
      case GbnfExpr::Kind::kRepeat:
        lower_repeat(e, out);
        return;
    }
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

  void lower_char_class(const GbnfExpr& e, GrammarSequence& out) {
    // Schemas repeat the same classes (the string character class in every bounded-length
    // string rule): a class is lowered once per grammar, later uses reuse its element.
    std::string key(1, e.negated ? '^' : '=');
    for (const auto& r : e.ranges) {
      append_u32(r.lo, key);
      append_u32(r.hi, key);
    }
    auto [it, fresh] = class_elements_.try_emplace(std::move(key), GrammarElement::bytes(0));
    if (fresh) it->second = lower_char_class_once(e);
    out.push_back(it->second);
  }

  GrammarElement lower_char_class_once(const GbnfExpr& e) {
    std::vector<CodePointRange> ranges =
        e.negated ? complement_ranges(e.ranges) : normalize_ranges(e.ranges);
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
    for (const auto& r : multibyte) {
      append_u32(r.lo, key);
      append_u32(r.hi, key);
    }
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

  void lower_repeat(const GbnfExpr& e, GrammarSequence& out) {
    GrammarSequence item;
    lower_into(e.children[0], item);
    for (uint32_t i = 0; i < e.min_count; ++i) out.insert(out.end(), item.begin(), item.end());
    if (e.max_count == e.min_count) return;
    if (e.max_count == GbnfExpr::kUnbounded) {
      // star ::= item star | ""  (the self-reference is a tail call, so stacks stay flat)
      std::string key = "star:";
      append_u32(1, key);  // one alternative, as append_key writes it
      append_u32(static_cast<uint32_t>(item.size()), key);
      for (const auto& e : item) {
        key += e.kind == GrammarElement::Kind::kRule ? 'r' : 'b';
        append_u32(e.index, key);
      }
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
    for (uint32_t k = 2; k <= e.max_count - e.min_count; ++k) {
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

}  // namespace ruvllm::structured
