// The compiled form of a pre-tokenizer regex (see regex.h): a tree of nodes over symbol
// classes, and the parser that builds it.
#pragma once

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/regex.h"

namespace ruvllm::tokenizer_detail {

// A set of symbols: a bitmap for the first 256 symbols plus ranges above.
struct SymbolSet {
  std::bitset<256> low;
  std::vector<std::pair<uint32_t, uint32_t>> high;  // ranges at or above 256

  void add_range(uint32_t a, uint32_t b) {
    if (a > b) std::swap(a, b);
    for (uint32_t c = a; c <= std::min<uint32_t>(b, 255); ++c) low.set(c);
    if (b >= 256) high.emplace_back(std::max<uint32_t>(a, 256), b);
  }
  void add(uint32_t c) { add_range(c, c); }
  void add_set(const SymbolSet& other) {
    low |= other.low;
    high.insert(high.end(), other.high.begin(), other.high.end());
  }
  bool contains_raw(uint32_t c) const {
    if (c < 256) return low.test(c);
    for (const auto& [a, b] : high)
      if (c >= a && c <= b) return true;
    return false;
  }
};

// A bracket class: plain members, plus negated escapes such as \S or \W inside it.
struct CharClass {
  SymbolSet members;
  std::vector<SymbolSet> negated_members;  // c matches if it is outside any of these
  bool negated = false;

  bool matches(uint32_t c) const {
    bool in = members.contains_raw(c);
    if (!in)
      for (const auto& s : negated_members)
        if (!s.contains_raw(c)) {
          in = true;
          break;
        }
    return in != negated;
  }
};

enum class Kind {
  Empty,
  Class,
  ClassAnd,
  Any,
  Seq,
  Alt,
  Repeat,
  Look,
  Begin,
  End,
  WordB,
  NotWordB
};

struct Node {
  Kind kind = Kind::Empty;
  std::vector<int> kids;
  int cls = -1, cls2 = -1;  // Class / ClassAnd
  int min = 0, max = -1;    // Repeat (max < 0: unbounded)
  bool greedy = true;
  bool negative = false;  // Look
};

inline bool single_symbol(const Node& n) {
  return n.kind == Kind::Class || n.kind == Kind::ClassAnd || n.kind == Kind::Any;
}

struct Regex::Program {
  std::vector<Node> nodes;
  std::vector<CharClass> classes;
  int root = -1;
  // An unbounded one-symbol repeat the whole pattern starts with, or -1 (see Regex::split).
  int lead_repeat = -1;
};

// Parses `pattern` (code points; collapsed: \p{..} allowed, only ASCII) into `out`. Throws
// Error for syntax the matcher does not support.
void compile_regex(std::vector<uint32_t> pattern, bool collapsed, std::string_view source,
                   Regex::Program& out);

}  // namespace ruvllm::tokenizer_detail
