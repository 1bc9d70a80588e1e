// The syntax tree of a GBNF grammar, between parsing and lowering to bytes.
//
// Text-level: literals and character classes are Unicode code points; repetition and grouping
// are still explicit. `GrammarBuilder` lowers a set of these rules to a byte-level `Grammar`.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "structured/utf8_ranges.h"

namespace ruvllm::structured {

struct GbnfExpr {
  enum class Kind : uint8_t {
    kSequence,     // children in order (an empty sequence matches "")
    kAlternation,  // one of children
    kLiteral,      // code_points in order
    kCharClass,    // one code point in ranges (or not in them when negated)
    kRuleRef,      // the rule called name
    kRepeat,       // children[0] between min_count and max_count times
  };
  static constexpr uint32_t kUnbounded = std::numeric_limits<uint32_t>::max();

  Kind kind = Kind::kSequence;
  std::vector<GbnfExpr> children;
  std::vector<uint32_t> code_points;
  std::vector<CodePointRange> ranges;
  bool negated = false;
  std::string name;
  uint32_t min_count = 0;
  uint32_t max_count = 0;
};

struct GbnfRule {
  std::string name;
  GbnfExpr body;
};

}  // namespace ruvllm::structured
