// Structural hashes of PDA positions: equal for positions that behave alike, even across
// grammars with other rule names and orders, and different whenever anything reachable differs
// (the shared position mask cache relies on that: a false match serves a wrong mask); FOLLOW sets
// against their definition.
#include "structured/pda.h"

#include <gtest/gtest.h>

#include "structured/gbnf_parser.h"
#include "structured/json_schema_to_gbnf.h"
#include "structured/maskbench.h"
#include "support/golden.h"

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

namespace ruvllm::structured {
namespace {

// FOLLOW sets by their definition, swept to a fixed point over the grammar (FIRST, nullable,
// then what can come after every call site).
std::vector<ByteSet> naive_follow(const Grammar& g) {
  const size_t n = g.rules().size();
  auto unite = [](ByteSet& into, const ByteSet& from) {
    bool changed = false;
    for (int w = 0; w < 4; ++w) {
      changed |= (into.words[w] | from.words[w]) != into.words[w];
      into.words[w] |= from.words[w];
    }
    return changed;
  };
  std::vector<ByteSet> first(n), follow(n);
  std::vector<bool> nullable(n, false);
  // FIRST of alt[from..], and whether all of it can be empty.
  auto first_of = [&](const GrammarSequence& alt, size_t from, ByteSet& out) {
    for (size_t i = from; i < alt.size(); ++i) {
      if (alt[i].kind == GrammarElement::Kind::kBytes) {
        unite(out, g.byte_set(alt[i].index));
        return false;
      }
      unite(out, first[alt[i].index]);
      if (!nullable[alt[i].index]) return false;
    }
    return true;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t r = 0; r < n; ++r) {
      for (const auto& alt : g.rule(r).alternatives) {
        ByteSet f = first[r];
        const bool empty = first_of(alt, 0, f);
        changed |= unite(first[r], f);
        if (empty && !nullable[r]) nullable[r] = changed = true;
      }
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (uint32_t r = 0; r < n; ++r) {
      for (const auto& alt : g.rule(r).alternatives) {
        for (size_t i = 0; i < alt.size(); ++i) {
          if (alt[i].kind != GrammarElement::Kind::kRule) continue;
          ByteSet after;
          if (first_of(alt, i + 1, after)) unite(after, follow[r]);
          changed |= unite(follow[alt[i].index], after);
        }
      }
    }
  }
  return follow;
}

TEST(PdaFollow, EqualsTheFixedPointByDefinition) {
  const char* grammars[] = {
      "root ::= a \"x\" | b\na ::= \"1\" a | \"\"\nb ::= a c \"y\"\nc ::= \"2\" | \"\"\n",
      "root ::= \"{\" m \"}\"\nm ::= kv (\",\" kv)*\nkv ::= s \":\" v\nv ::= s | \"[\" v* \"]\" | "
      "m\n"
      "s ::= \"\\\"\" [a-z]* \"\\\"\"\n",
      "root ::= x y z\nx ::= \"a\"?\ny ::= \"b\"? x\nz ::= x | \"c\" root\n",
      // Callees before callers, and recursive components reached through nullable prefixes
      // (FIRST is computed component by component, callees first).
      "q ::= \"b\" p | \"\"\nr ::= q q \"c\" | \"h\" p\np ::= q \"a\" | r \"d\"\nroot ::= p \"z\" "
      "| s\n"
      "s ::= t? \"e\" s | u\nt ::= u \"f\"\nu ::= q | \"g\" t\n",
  };
  std::vector<std::string> texts(std::begin(grammars), std::end(grammars));
  JsonSchemaGrammarOptions flexible;
  flexible.whitespace = JsonSchemaGrammarOptions::Whitespace::kFlexible;
  for (const char* schema :
       {R"({"type":"object","properties":{"a":{"type":"array","items":{"$ref":"#"}},
            "b":{"type":"string","pattern":"^[a-z]+(-[0-9]+)?$"},"c":{"type":"integer",
            "minimum":-5,"maximum":120}},"required":["c"]})",
        R"({"anyOf":[{"type":"number"},{"type":"object","additionalProperties":
            {"enum":["x","y",null]}}]})"}) {
    texts.push_back(json_schema_to_gbnf(nlohmann::ordered_json::parse(schema), flexible).gbnf);
  }
  // And schemas as MaskBench has them (every 25th file of the golden set).
  const auto dir = test::golden("maskbench");
  if (std::filesystem::exists(dir)) {
    for (const auto& path : maskbench_files(dir, maskbench_files(dir, 0).size() / 25)) {
      try {
        const auto doc = nlohmann::ordered_json::parse(test::read_file(path));
        texts.push_back(json_schema_to_gbnf(doc.at("schema"), flexible).gbnf);
      } catch (const std::exception&) {
        // Schemas the converter refuses are not this test's subject.
      }
    }
    EXPECT_GT(texts.size(), 80u);
  } else {
    EXPECT_FALSE(test::in_ci()) << "golden data missing under CI: " << dir;
  }
  for (const std::string& text : texts) {
    const Grammar g = parse_gbnf(text);
    const Pda pda(g);
    const auto want = naive_follow(g);
    for (uint32_t r = 0; r < g.rules().size(); ++r) {
      EXPECT_TRUE(pda.follow(r) == want[r]) << g.rule(r).name << " in\n" << text;
    }
  }
}

}  // namespace
}  // namespace ruvllm::structured
