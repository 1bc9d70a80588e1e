// Position token masks against a token-by-token oracle: the vocabulary walk (trie sharing,
// skipped dead subtrees, plain-byte runs accepted without stepping) and the refinement of a study
// with its caller's frame must classify every token exactly as stepping its bytes one by one does.
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
