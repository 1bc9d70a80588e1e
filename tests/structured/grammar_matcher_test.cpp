#include "structured/grammar_matcher.h"

#include <gtest/gtest.h>

#include <random>

#include "matcher_support.h"
#include "structured/json_schema_to_gbnf.h"

namespace ruvllm::structured {
namespace {

using test::compile;
using test::make_vocab;

bool bit(const std::vector<uint32_t>& mask, int32_t id) {
  return (mask[id / 32] >> (id % 32)) & 1u;
}

// The mask must equal, token by token, whether the matcher accepts the token's bytes.
void expect_mask_matches_brute_force(GrammarMatcher& m) {
  const TokenVocabulary& vocab = m.grammar().vocab();
  std::vector<uint32_t> mask(vocab.mask_words());
  m.fill_next_token_mask(mask.data());
  for (size_t id = 0; id < vocab.size(); ++id) {
    const bool accepted = m.accept_token(static_cast<int32_t>(id));
    if (accepted) m.rollback(1);
    ASSERT_EQ(bit(mask, static_cast<int32_t>(id)), accepted)
        << "token " << id << " '" << vocab.bytes(static_cast<int32_t>(id)) << "' after "
        << m.num_steps() << " steps";
  }
}

std::vector<std::string> json_fragments() {
  return {"{",        "}",    "[",  "]",   ",",   ":",     "\"",  "\":",  "\",",  "\"}",
          "{\"",      "\"a",  "a",  "ab",  "abc", "b",     " ",   ", ",   ": ",   "1",
          "12",       "0",    "-",  ".",   "5",   "e",     "E+",  "true", "tr",   "ue",
          "null",     "n",    "\\", "\\n", "\\u", "00",    "e9",  "\xC3", "\xA9", "\xC3\xA9",
          "\xE2\x82", "\xAC", "}}", "]}",  "\"]", "\"a\"", " \"", "x\"",  "\n",   "f"};
}

TEST(GrammarMatcher, MaskMatchesBruteForceAlongRandomWalks) {
  JsonSchemaGrammarOptions opts;
  opts.whitespace = JsonSchemaGrammarOptions::Whitespace::kFlexible;
  opts.max_whitespace = 2;
  const char* schemas[] = {
      R"({"type":"object","properties":{"a":{"type":"string"},"ab":{"type":"integer","minimum":-5,"maximum":120}},"required":["a"]})",
      R"({"type":"array","items":{"anyOf":[{"type":"number"},{"type":"boolean"},{"type":"null"}]},"maxItems":3})",
      R"({"type":"string","pattern":"^a[bc]*\\.?$"})",
      R"({})",
  };
  auto vocab = make_vocab(json_fragments());
  std::mt19937 rng(7);
  for (const char* schema : schemas) {
    SCOPED_TRACE(schema);
    auto gbnf = json_schema_to_gbnf(nlohmann::ordered_json::parse(schema), opts).gbnf;
    auto g = compile(gbnf, vocab);
    for (int walk = 0; walk < 6; ++walk) {
      GrammarMatcher m(g);
      for (int step = 0; step < 25; ++step) {
        expect_mask_matches_brute_force(m);
        if (HasFatalFailure()) return;
        std::vector<uint32_t> mask(vocab->mask_words());
        m.fill_next_token_mask(mask.data());
        std::vector<int32_t> allowed;
        for (size_t id = 0; id + 1 < vocab->size(); ++id) {
          if (bit(mask, static_cast<int32_t>(id))) allowed.push_back(static_cast<int32_t>(id));
        }
        if (allowed.empty()) break;
        ASSERT_TRUE(m.accept_token(allowed[rng() % allowed.size()]));
      }
    }
  }
}

TEST(GrammarMatcher, RollbackRestoresEarlierStates) {
  auto vocab = make_vocab({"{\"", "a\"", ":", "1", "}", "2"});
  auto g = compile(R"(root ::= "{\"a\":" [0-9]+ "}")", vocab);
  GrammarMatcher m(g);
  ASSERT_TRUE(m.accept_token(0));
  ASSERT_TRUE(m.accept_token(1));
  ASSERT_TRUE(m.accept_token(2));
  ASSERT_TRUE(m.accept_token(3));
  EXPECT_FALSE(m.can_terminate());
  ASSERT_TRUE(m.accept_token(4));
  EXPECT_TRUE(m.can_terminate());
  m.rollback(2);  // back to after ':'
  EXPECT_EQ(m.num_steps(), 3u);
  EXPECT_FALSE(m.accept_token(4));  // '}' needs a digit first
  ASSERT_TRUE(m.accept_token(5));
  ASSERT_TRUE(m.accept_token(4));
  EXPECT_TRUE(m.can_terminate());
  m.rollback(100);
  EXPECT_EQ(m.num_steps(), 0u);
  EXPECT_TRUE(m.accept_token(0));
}

TEST(GrammarMatcher, EndOfGenerationOnlyWhenComplete) {
  auto vocab = make_vocab({"a", "b"});
  const int32_t eos = 2;
  auto g = compile(R"(root ::= "a" "b"?)", vocab);
  GrammarMatcher m(g);
  std::vector<uint32_t> mask(vocab->mask_words());
  m.fill_next_token_mask(mask.data());
  EXPECT_FALSE(bit(mask, eos));
  EXPECT_FALSE(m.accept_token(eos));
  ASSERT_TRUE(m.accept_token(0));
  m.fill_next_token_mask(mask.data());
  EXPECT_TRUE(bit(mask, eos));
  EXPECT_TRUE(bit(mask, 1));
  ASSERT_TRUE(m.accept_token(eos));
  EXPECT_TRUE(m.is_terminated());
  m.fill_next_token_mask(mask.data());
  for (uint32_t w : mask) EXPECT_EQ(w, 0u);
  EXPECT_FALSE(m.accept_token(1));
  m.rollback(1);
  EXPECT_FALSE(m.is_terminated());
  EXPECT_TRUE(m.accept_token(1));
}

TEST(GrammarMatcher, SpecialTokensAreNeverAllowed) {
  std::vector<std::string> bytes = {"a", "<ctl>", "b", "<eos>"};
  auto vocab = std::make_shared<const TokenVocabulary>(
      bytes, std::vector<bool>{false, true, false, true}, std::vector<int32_t>{3});
  auto g = compile(R"(root ::= [a-z<>]*)", vocab);
  GrammarMatcher m(g);
  std::vector<uint32_t> mask(vocab->mask_words());
  m.fill_next_token_mask(mask.data());
  EXPECT_TRUE(bit(mask, 0));
  EXPECT_FALSE(bit(mask, 1));  // its text would fit, but control tokens are not text
  EXPECT_TRUE(bit(mask, 3));
  EXPECT_FALSE(m.accept_token(1));
}

TEST(GrammarMatcher, Utf8CharactersSplitAcrossTokens) {
  // "é" is C3 A9 and "€" is E2 82 AC; tokens carry partial characters.
  auto vocab = make_vocab({"\"", "\xC3", "\xA9", "\xE2\x82", "\xAC", "\xA9\"", "x"});
  auto g = compile(R"(root ::= "\"" [^"a-z]* "\"")", vocab);
  GrammarMatcher m(g);
  ASSERT_TRUE(m.accept_token(0));
  std::vector<uint32_t> mask(vocab->mask_words());
  m.fill_next_token_mask(mask.data());
  EXPECT_TRUE(bit(mask, 1));
  EXPECT_FALSE(bit(mask, 2));  // a continuation byte cannot start a character
  EXPECT_TRUE(bit(mask, 3));
  EXPECT_FALSE(bit(mask, 6));
  ASSERT_TRUE(m.accept_token(1));
  m.fill_next_token_mask(mask.data());
  EXPECT_TRUE(bit(mask, 2));
  EXPECT_TRUE(bit(mask, 5));
  EXPECT_FALSE(bit(mask, 0));  // the character is incomplete
  EXPECT_FALSE(bit(mask, 3));
  ASSERT_TRUE(m.accept_token(5));
  EXPECT_TRUE(m.can_terminate());
  expect_mask_matches_brute_force(m);
}

TEST(GrammarMatcher, DeepRecursionStaysCorrect) {
  auto vocab = make_vocab({"[", "]", "[[", "]]", ","});
  auto g = compile(R"(root ::= list
list ::= "[" (list ("," list)*)? "]")",
                   vocab);
  GrammarMatcher m(g);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(m.accept_token(2));
  for (int i = 0; i < 199; ++i) {
    expect_mask_matches_brute_force(m);
    ASSERT_TRUE(m.accept_token(3));
  }
  EXPECT_FALSE(m.can_terminate());
  ASSERT_TRUE(m.accept_token(1));
  EXPECT_FALSE(m.can_terminate());
  ASSERT_TRUE(m.accept_token(1));
  EXPECT_TRUE(m.can_terminate());
}

// From inside `inner`, more than a thousand tokens can leave it after their first byte, so the
// study of `inner` alone gives up and the matcher studies it together with its caller.
TEST(GrammarMatcher, PositionsWhereMostTokensLeaveTheRuleStayCorrect) {
  std::vector<std::string> tokens = {"<", ">", "a", "b", "q", "7", "<a", "z>"};
  for (char x = 'a'; x <= 'z'; ++x) {
    for (char y = 'a'; y <= 'z'; ++y) {
      for (char digit : {'0', '1', '2'}) tokens.push_back(std::string{x, y, digit});
    }
    tokens.push_back(std::string{x, '9', '>'});
  }
  auto vocab = make_vocab(tokens);
  auto g = compile(R"(root ::= "<" inner rest ">"
inner ::= [a-z]*
rest ::= [0-9] [a-z0-9]*)",
                   vocab);
  GrammarMatcher m(g);
  for (const char* piece : {"<", "a", "ab0", "ab1", "z>"}) {
    expect_mask_matches_brute_force(m);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(m.accept_bytes(piece)) << piece;
  }
  EXPECT_TRUE(m.can_terminate());
}

}  // namespace
}  // namespace ruvllm::structured
