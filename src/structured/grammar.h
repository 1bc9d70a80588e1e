// The grammar intermediate representation that every constrained-decoding front end produces.
//
// A `Grammar` is a context-free grammar over BYTES: each rule is a list of alternatives, each
// alternative a sequence of elements, and an element is either a set of bytes (one input byte
// drawn from the set) or a reference to another rule. Text-level constructs (code point classes,
// literals, repetition) are lowered to this form by `GrammarBuilder`, so the matcher never sees
// UTF-8 decoding, only bytes. Alternatives may be empty (they match the empty string).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ruvllm::structured {

// A set of byte values, used for one input byte.
struct ByteSet {
  uint64_t words[4] = {0, 0, 0, 0};

  bool contains(uint8_t b) const { return (words[b >> 6] >> (b & 63)) & 1u; }
  void insert(uint8_t b) { words[b >> 6] |= uint64_t{1} << (b & 63); }
  void insert_range(uint8_t lo, uint8_t hi) {
    for (unsigned b = lo; b <= hi; ++b) insert(static_cast<uint8_t>(b));
  }
  bool empty() const { return (words[0] | words[1] | words[2] | words[3]) == 0; }
  bool operator==(const ByteSet& o) const {
    return words[0] == o.words[0] && words[1] == o.words[1] && words[2] == o.words[2] &&
           words[3] == o.words[3];
  }
};

struct GrammarElement {
  enum class Kind : uint8_t { kBytes, kRule };
  Kind kind;
  uint32_t index;  // into Grammar::byte_sets for kBytes, into Grammar::rules for kRule

  static GrammarElement bytes(uint32_t set) { return {Kind::kBytes, set}; }
  static GrammarElement rule(uint32_t id) { return {Kind::kRule, id}; }
  bool operator==(const GrammarElement& o) const { return kind == o.kind && index == o.index; }
};

using GrammarSequence = std::vector<GrammarElement>;

struct GrammarRule {
  std::string name;
  std::vector<GrammarSequence> alternatives;
};

class Grammar {
 public:
  // Interns a byte set and returns its index (equal sets share one index).
  uint32_t add_byte_set(const ByteSet& set);
  // Adds a rule with no alternatives yet and returns its id.
  uint32_t add_rule(std::string name);
  // Room for `n` rules in all without moving them (a hint, like std::vector::reserve).
  void reserve_rules(size_t n) { rules_.reserve(n); }

  GrammarRule& rule(uint32_t id) { return rules_[id]; }
  const GrammarRule& rule(uint32_t id) const { return rules_[id]; }
  const std::vector<GrammarRule>& rules() const { return rules_; }
  const ByteSet& byte_set(uint32_t index) const { return byte_sets_[index]; }
  size_t num_byte_sets() const { return byte_sets_.size(); }

  uint32_t root() const { return root_; }
  void set_root(uint32_t id) { root_ = id; }

  // Which rules can match the empty string.
  std::vector<bool> nullable_rules() const;

  // Throws FormatError when a rule can reach itself without consuming a byte (left recursion),
  // which a pushdown matcher cannot run.
  void check_no_left_recursion() const;

  // A readable GBNF-like dump, for debugging and error messages.
  std::string to_string() const;

 private:
  std::vector<GrammarRule> rules_;
  std::vector<ByteSet> byte_sets_;
  struct ByteSetHash {
    size_t operator()(const ByteSet& s) const {
      uint64_t h = 0x9E3779B97F4A7C15ull;
      for (uint64_t w : s.words) h = (h ^ w) * 0xFF51AFD7ED558CCDull;
      return static_cast<size_t>(h ^ (h >> 32));
    }
  };
  std::unordered_map<ByteSet, uint32_t, ByteSetHash> byte_set_index_;
  uint32_t root_ = 0;
};

}  // namespace ruvllm::structured
