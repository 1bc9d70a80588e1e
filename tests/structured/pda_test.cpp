// Structural hashes of PDA positions: equal for positions that behave alike, even across
// grammars with other rule names and orders, and different whenever anything reachable differs
// (the shared position mask cache relies on that: a false match serves a wrong mask).
#include "structured/pda.h"

#include <gtest/gtest.h>

#include "structured/gbnf_parser.h"

namespace ruvllm::structured {
namespace {

// The structural hash of the first position of rule `name`'s first alternative.
uint64_t hash_of(const std::string& gbnf, const std::string& name) {
  const Grammar g = parse_gbnf(gbnf);
  const Pda pda(g);
  std::vector<uint64_t> memo;
  for (uint32_t r = 0; r < g.rules().size(); ++r) {
    if (g.rule(r).name == name) return pda.structural_hash(pda.alternatives(r)[0], memo);
  }
  ADD_FAILURE() << "no rule " << name;
  return 0;
}

TEST(PdaStructuralHash, EqualAcrossRuleNamesAndOrder) {
  const uint64_t a = hash_of(
      "root ::= item\n"
      "item ::= \"x\" tail\n"
      "tail ::= \"y\" item | \"z\"\n",
      "item");
  const uint64_t b = hash_of(
      "root ::= \"q\" | thing\n"
      "rest ::= \"y\" thing | \"z\"\n"
      "thing ::= \"x\" rest\n",
      "thing");
  EXPECT_EQ(a, b);
}

TEST(PdaStructuralHash, DiffersBelowTheComponent) {
  // The difference is three calls deep, outside the rule's own component.
  const uint64_t a = hash_of("root ::= a\na ::= \"x\" b\nb ::= \"y\" c\nc ::= \"z\"\n", "a");
  const uint64_t b = hash_of("root ::= a\na ::= \"x\" b\nb ::= \"y\" c\nc ::= \"w\"\n", "a");
  EXPECT_NE(a, b);
}

TEST(PdaStructuralHash, DiffersDeepInsideARecursiveComponent) {
  // r1 -> r2 -> r3 -> r1 is one component; only r3's byte differs.
  const uint64_t a =
      hash_of("root ::= r1\nr1 ::= \"x\" r2 | \"e\"\nr2 ::= \"y\" r3\nr3 ::= \"z\" r1\n", "r1");
  const uint64_t b =
      hash_of("root ::= r1\nr1 ::= \"x\" r2 | \"e\"\nr2 ::= \"y\" r3\nr3 ::= \"w\" r1\n", "r1");
  EXPECT_NE(a, b);
  // Same for a component that calls a component that differs deep inside.
  const uint64_t c = hash_of(
      "root ::= s\ns ::= \"(\" r1 \")\" s | \"\"\n"
      "r1 ::= \"x\" r2 | \"e\"\nr2 ::= \"y\" r3\nr3 ::= \"z\" r1\n",
      "s");
  const uint64_t d = hash_of(
      "root ::= s\ns ::= \"(\" r1 \")\" s | \"\"\n"
      "r1 ::= \"x\" r2 | \"e\"\nr2 ::= \"y\" r3\nr3 ::= \"w\" r1\n",
      "s");
  EXPECT_NE(c, d);
}

TEST(PdaStructuralHash, DependsOnThePlaceInTheRule) {
  const Grammar g = parse_gbnf("root ::= \"a\" \"a\"\n");
  const Pda pda(g);
  std::vector<uint64_t> memo;
  const uint32_t first = pda.alternatives(g.root())[0];
  EXPECT_NE(pda.structural_hash(first, memo), pda.structural_hash(first + 1, memo));
}

TEST(PdaStructuralHash, DeepChainsDoNotRecurse) {
  // 20,000 nested rules: hashed with an explicit stack, not one C++ frame per rule.
  std::string gbnf = "root ::= r0\n";
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    gbnf += "r" + std::to_string(i) + " ::= \"a\" " +
            (i + 1 < n ? "r" + std::to_string(i + 1) : std::string("\"b\"")) + "\n";
  }
  EXPECT_NE(hash_of(gbnf, "r0"), 0u);
}

}  // namespace
}  // namespace ruvllm::structured
