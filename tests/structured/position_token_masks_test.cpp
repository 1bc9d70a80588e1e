// Position token masks against a token-by-token oracle: the vocabulary walk (trie sharing,
// skipped dead subtrees, plain-byte runs accepted without stepping), studies composed from
// subtrees shared across grammars and the refinement of a study with its caller's frame must
// classify every token exactly as stepping its bytes one by one does.
#include "structured/position_token_masks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "structured/gbnf_parser.h"
#include "structured/json_schema_to_gbnf.h"
#include "structured/pda.h"

namespace ruvllm::structured {
namespace {

struct Verdict {
  enum Kind { kAccepted, kRejected, kUncertain } kind = kRejected;
  std::set<std::string> suffixes;
  bool operator==(const Verdict& o) const { return kind == o.kind && suffixes == o.suffixes; }
};

std::ostream& operator<<(std::ostream& os, const Verdict& v) {
  os << (v.kind == Verdict::kAccepted   ? "accepted"
         : v.kind == Verdict::kRejected ? "rejected"
                                        : "uncertain");
  for (const auto& s : v.suffixes) os << " [" << s << "]";
  return os;
}

// Steps the token's bytes one at a time from the studied frames (definition of the study).
Verdict oracle(const Pda& pda, const std::vector<uint32_t>& positions,
               std::optional<uint32_t> caller_pos, const std::string& token) {
  StackPool pool;
  PdaStepper stepper(pda, pool);
  const uint32_t below =
      caller_pos ? pool.intern(*caller_pos, StackPool::kUnknownCaller) : StackPool::kUnknownCaller;
  ByteSet follow;
  if (caller_pos) {
    follow = pda.follow(pda.rule_of(*caller_pos));
  } else {
    for (uint32_t pos : positions) {
      for (int w = 0; w < 4; ++w) follow.words[w] |= pda.follow(pda.rule_of(pos)).words[w];
    }
  }
  std::vector<PdaFrontier> at(1);
  for (uint32_t pos : positions) at[0].tops.push_back(pool.intern(pos, below));
  Verdict v;
  for (size_t d = 0; d < token.size(); ++d) {
    at.emplace_back();
    stepper.advance(at[d].tops, static_cast<uint8_t>(token[d]), at[d + 1]);
    if (at[d + 1].dead()) {
      for (size_t k = 1; k <= d; ++k) {
        if (at[k].left_rule && follow.contains(static_cast<uint8_t>(token[k]))) {
          v.suffixes.insert(token.substr(k));
        }
      }
      v.kind = v.suffixes.empty() ? Verdict::kRejected : Verdict::kUncertain;
      return v;
    }
  }
  v.kind = Verdict::kAccepted;
  return v;
}

Verdict verdict_of(const PositionTokenMasks& m, int32_t id) {
  Verdict v;
  const auto u = std::lower_bound(m.uncertain_ids.begin(), m.uncertain_ids.end(), id);
  if (u != m.uncertain_ids.end() && *u == id) {
    const size_t i = u - m.uncertain_ids.begin();
    v.kind = Verdict::kUncertain;
    for (uint32_t j = m.suffix_begin[i]; j < m.suffix_begin[i + 1]; ++j) {
      v.suffixes.insert(m.suffixes[m.suffix_of[j]]);
    }
    return v;
  }
  const bool listed = std::binary_search(m.listed.begin(), m.listed.end(), id);
  v.kind = listed != m.lists_rejected ? Verdict::kAccepted : Verdict::kRejected;
  return v;
}

// Tokens that exercise strings: plain runs, runs that leave a string through its closing quote
// into many different continuations (more than the matcher's deepening threshold), escapes,
// multi-byte characters and all single bytes.
std::shared_ptr<const TokenVocabulary> string_vocab() {
  std::vector<std::string> t;
  for (int b = 0; b < 256; ++b) t.push_back(std::string(1, static_cast<char>(b)));
  for (const char* w : {"hello",
                        " world",
                        "abc def",
                        "a",
                        "ab",
                        "abc",
                        "abcd",
                        "x y z ~!",
                        "\\n",
                        "\\u00e9",
                        "\\\"",
                        "caf\xC3\xA9",
                        "\xC3\xA9t\xC3\xA9",
                        "\xE2\x82",
                        "tab\t",
                        "{\"",
                        "\":",
                        "\": \"",
                        "[\"",
                        "null",
                        "12",
                        "true"}) {
    t.push_back(w);
  }
  const std::vector<std::string> after = {",", "}", "]", ":", " ", "\n", ", ", "},", "}]", "],"};
  const std::vector<std::string> heads = {"", "abc", "name", " x"};
  for (const std::string& a : after) {
    for (const std::string& head : heads) {
      t.push_back(head + "\"" + a);
      t.push_back(head + "\"" + a + "\"");
      t.push_back(head + "\"" + a + " \"k");
    }
  }
  std::vector<bool> special(t.size() + 1, false);
  t.push_back("<eos>");
  const auto eos = static_cast<int32_t>(t.size() - 1);
  return std::make_shared<const TokenVocabulary>(std::move(t), std::move(special),
                                                 std::vector<int32_t>{eos});
}

struct Group {
  std::vector<uint32_t> positions;
  uint32_t caller;  // stack node below them
};

// The groups of stack tops (sharing a caller) after each prefix of `text`.
void for_each_group(const Pda& pda, const std::string& text,
                    const std::function<void(const StackPool&, const Group&)>& fn) {
  StackPool pool;
  PdaStepper stepper(pda, pool);
  PdaFrontier cur, next;
  stepper.initial(cur);
  for (size_t i = 0;; ++i) {
    std::map<uint32_t, std::vector<uint32_t>> groups;
    for (uint32_t top : cur.tops) groups[pool.parent(top)].push_back(pool.pos(top));
    for (auto& [caller, positions] : groups) {
      std::sort(positions.begin(), positions.end());
      positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
      fn(pool, Group{positions, caller});
    }
    if (i == text.size()) break;
    stepper.advance(cur.tops, static_cast<uint8_t>(text[i]), next);
    ASSERT_FALSE(next.dead()) << "sample rejected at byte " << i;
    std::swap(cur, next);
  }
}

const char* kSchema = R"({"type":"object","properties":{
  "name":{"type":"string"},
  "tags":{"type":"array","items":{"type":"string","maxLength":6}},
  "n":{"type":"integer"}},"required":["name"]})";
const char* kSample = R"({"name": "caf\u00e9 \"x\"", "tags": ["ab", "é"], "n": -12})";

Grammar schema_grammar() {
  JsonSchemaGrammarOptions o;
  o.whitespace = JsonSchemaGrammarOptions::Whitespace::kFlexible;
  return parse_gbnf(json_schema_to_gbnf(nlohmann::ordered_json::parse(kSchema), o).gbnf);
}

TEST(PositionTokenMasks, WalkAgreesWithTokenByTokenOracle) {
  const Grammar g = schema_grammar();
  const Pda pda(g);
  const auto vocab = string_vocab();
  size_t studied = 0, plain_accepted = 0;
  for_each_group(pda, kSample, [&](const StackPool& pool, const Group& group) {
    std::vector<std::optional<uint32_t>> callers = {std::nullopt};
    if (group.caller > StackPool::kUnknownCaller) callers.push_back(pool.pos(group.caller));
    for (const auto& caller_pos : callers) {
      const PositionTokenMasks m =
          compute_position_token_masks(pda, group.positions, caller_pos, *vocab);
      ASSERT_FALSE(m.gave_up);
      for (int32_t id : vocab->sorted_ids()) {
        const Verdict want = oracle(pda, group.positions, caller_pos, vocab->bytes(id));
        ASSERT_EQ(verdict_of(m, id), want) << "token '" << vocab->bytes(id) << "'";
        plain_accepted += want.kind == Verdict::kAccepted && vocab->bytes(id).size() > 3;
      }
      ++studied;
    }
  });
  EXPECT_GT(studied, 50u);
  EXPECT_GT(plain_accepted, 100u);  // multi-byte runs accepted inside strings were checked
}

TEST(PositionTokenMasks, RefinementWithTheCallerEqualsAFullStudy) {
  const Grammar g = schema_grammar();
  const Pda pda(g);
  const auto vocab = string_vocab();
  size_t refined = 0, uncertain_before = 0;
  for_each_group(pda, kSample, [&](const StackPool& pool, const Group& group) {
    if (group.caller <= StackPool::kUnknownCaller) return;
    const uint32_t caller_pos = pool.pos(group.caller);
    const PositionTokenMasks alone =
        compute_position_token_masks(pda, group.positions, std::nullopt, *vocab);
    const PositionTokenMasks full =
        compute_position_token_masks(pda, group.positions, caller_pos, *vocab);
    const PositionTokenMasks refined_masks =
        refine_position_token_masks(pda, group.positions, caller_pos, *vocab, alone);
    ASSERT_FALSE(refined_masks.gave_up);
    for (int32_t id : vocab->sorted_ids()) {
      ASSERT_EQ(verdict_of(refined_masks, id), verdict_of(full, id))
          << "token '" << vocab->bytes(id) << "'";
    }
    ASSERT_TRUE(std::is_sorted(refined_masks.listed.begin(), refined_masks.listed.end()));
    ++refined;
    uncertain_before += alone.uncertain_ids.size();
  });
  EXPECT_GT(refined, 20u);
  EXPECT_GT(uncertain_before, 100u);  // the refinement had tokens to decide
}

// Every token's verdict in `got` equals the one in `want`.
void expect_same_classes(const PositionTokenMasks& got, const PositionTokenMasks& want,
                         const TokenVocabulary& vocab) {
  ASSERT_FALSE(got.gave_up);
  ASSERT_TRUE(std::is_sorted(got.listed.begin(), got.listed.end()));
  for (int32_t id : vocab.sorted_ids()) {
    ASSERT_EQ(verdict_of(got, id), verdict_of(want, id)) << "token '" << vocab.bytes(id) << "'";
  }
}

TEST(PositionTokenMasks, StudiesComposedFromSharedSubtreesEqualTheWalk) {
  // Composed studies (subtrees split down to a few tokens, or walked whole per first byte), run
  // twice so the second run reuses subtrees cached by the first, against the plain walk. The
  // vocabulary spells "a" twice (a prefix that is several tokens).
  const Grammar g = schema_grammar();
  const Pda pda(g);
  const auto vocab = string_vocab();
  std::vector<uint64_t> rule_hashes, suffix_hashes;
  const PositionHash hash = [&](uint32_t pos) {
    return pda.suffix_hash(pos, rule_hashes, suffix_hashes);
  };
  size_t studied = 0;
  for (int round = 0; round < 2; ++round) {
    for_each_group(pda, kSample, [&](const StackPool& pool, const Group& group) {
      std::vector<std::optional<uint32_t>> callers = {std::nullopt};
      if (group.caller > StackPool::kUnknownCaller) callers.push_back(pool.pos(group.caller));
      for (const auto& caller_pos : callers) {
        const PositionTokenMasks want =
            compute_position_token_masks(pda, group.positions, caller_pos, *vocab);
        for (size_t walk_up_to : {size_t{2}, size_t{16}, size_t{2048}}) {
          SCOPED_TRACE("round " + std::to_string(round) + " walk_up_to " +
                       std::to_string(walk_up_to) + " studies " + std::to_string(studied) +
                       (caller_pos ? " with caller" : ""));
          const PositionTokenMasks got = compute_position_token_masks(
              pda, group.positions, caller_pos, *vocab, SIZE_MAX, &hash, walk_up_to);
          expect_same_classes(got, want, *vocab);
          ++studied;
        }
      }
    });
  }
  EXPECT_GT(studied, 300u);
}

// Two grammars whose frontiers after "a" sit at the same positions of identical rules (s), below
// callers that differ ("x" or "y" after s): a subtree key that left out the stacks below the
// tops would hand the second grammar the first one's verdicts for "a1x" and "a1y".
TEST(PositionTokenMasks, SharedSubtreesKeepTheStacksBelowTheirTops) {
  std::vector<std::string> t;
  for (int b = 0; b < 128; ++b) t.push_back(std::string(1, static_cast<char>(b)));
  for (const char* w : {"a1", "a1x", "a1y", "a1xq", "a2y", "a12", "a1x\\"}) t.push_back(w);
  const auto vocab = std::make_shared<const TokenVocabulary>(t, std::vector<bool>(t.size(), false),
                                                             std::vector<int32_t>{});
  const Grammar g1 = parse_gbnf("root ::= \"a\" s \"x\" | \"q\"\ns ::= \"1\" | \"2\"\n");
  const Grammar g2 = parse_gbnf("root ::= \"a\" s \"y\" | \"q\"\ns ::= \"1\" | \"2\"\n");
  clear_shared_subtree_cache();
  for (const Grammar* g : {&g1, &g2, &g1, &g2, &g1}) {
    const Pda pda(*g);
    std::vector<uint64_t> rule_hashes, suffix_hashes;
    const PositionHash hash = [&](uint32_t pos) {
      return pda.suffix_hash(pos, rule_hashes, suffix_hashes);
    };
    std::vector<uint32_t> starts = pda.alternatives(pda.root_rule());
    const PositionTokenMasks want = compute_position_token_masks(pda, starts, std::nullopt, *vocab);
    for (size_t walk_up_to : {size_t{1}, size_t{2048}}) {
      const PositionTokenMasks got = compute_position_token_masks(pda, starts, std::nullopt, *vocab,
                                                                  SIZE_MAX, &hash, walk_up_to);
      expect_same_classes(got, want, *vocab);
    }
  }
}

TEST(Pda, SuffixHashesAreEqualExactlyWhereTheRestOfTheAlternativeIs) {
  // r1 and r2 differ in their first byte and share what follows; r3 differs after it.
  const Grammar g = parse_gbnf(
      "root ::= r1 | r2 | r3\n"
      "r1 ::= \"k\" \"a\" s\n"
      "r2 ::= \"z\" \"a\" s | \"w\"\n"
      "r3 ::= \"k\" \"a\" t\n"
      "s ::= [0-9] s | \"\"\n"
      "t ::= [0-8] t | \"\"\n");
  const Pda pda(g);
  std::vector<uint64_t> rule_hashes, suffix_hashes;
  auto first_of = [&](const char* name) {
    for (uint32_t r = 0; r < g.rules().size(); ++r) {
      if (g.rule(r).name == name) return pda.alternatives(r)[0];
    }
    ADD_FAILURE() << name;
    return 0u;
  };
  auto h = [&](uint32_t pos) { return pda.suffix_hash(pos, rule_hashes, suffix_hashes); };
  const uint32_t r1 = first_of("r1"), r2 = first_of("r2"), r3 = first_of("r3");
  EXPECT_NE(h(r1), h(r2));
  EXPECT_EQ(h(r1 + 1), h(r2 + 1));  // "a" s, then the end of the alternative
  EXPECT_EQ(h(r1 + 2), h(r2 + 2));
  EXPECT_NE(h(r1 + 1), h(r3 + 1));  // s and t differ
  EXPECT_NE(h(r1), h(r3));
}

TEST(TokenVocabulary, PlainFromIsWhereTheLastRunOfPlainBytesStarts) {
  const TokenVocabulary v({"abc", "a\"bc", "ab\\", "\xC3\xA9x", "\"", "x\n"}, std::vector<bool>(6),
                          {});
  std::map<std::string, size_t> got;
  for (size_t i = 0; i < v.sorted_ids().size(); ++i) {
    got[v.bytes(v.sorted_ids()[i])] = v.sorted_plain_from(i);
  }
  EXPECT_EQ(got["abc"], 0u);
  EXPECT_EQ(got["a\"bc"], 2u);
  EXPECT_EQ(got["ab\\"], 3u);
  EXPECT_EQ(got["\xC3\xA9x"], 2u);
  EXPECT_EQ(got["\""], 1u);
  EXPECT_EQ(got["x\n"], 2u);
}

}  // namespace
}  // namespace ruvllm::structured
