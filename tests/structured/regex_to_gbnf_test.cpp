#include "structured/regex_to_gbnf.h"

#include <gtest/gtest.h>

#include "matcher_support.h"

namespace ruvllm::structured {
namespace {

using test::accepts;
using test::compile;

const char* const kJchar = R"(
jchar ::= [^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})
)";

// Grammar for the JSON string literal (with quotes) of strings matching `pattern`.
std::shared_ptr<const CompiledGrammar> pattern_grammar(const std::string& pattern) {
  std::string why;
  auto r = regex_to_gbnf(pattern, "jchar", &why);
  EXPECT_TRUE(r.has_value()) << pattern << ": " << why;
  return compile("root ::= \"\\\"\" " + r->expression + " \"\\\"\"" + kJchar);
}

bool matches(const std::shared_ptr<const CompiledGrammar>& g, const std::string& json_contents) {
  return accepts(g, "\"" + json_contents + "\"");
}

TEST(RegexToGbnf, AnchoredLiteralsClassesAndQuantifiers) {
  auto g = pattern_grammar("^[A-Z]{2,3}-\\d+(\\.\\d{1,2})?$");
  EXPECT_TRUE(matches(g, "AB-1"));
  EXPECT_TRUE(matches(g, "ABC-123.45"));
  EXPECT_FALSE(matches(g, "A-1"));
  EXPECT_FALSE(matches(g, "ABCD-1"));
  EXPECT_FALSE(matches(g, "AB-1.234"));
  EXPECT_FALSE(matches(g, "AB-"));
  EXPECT_FALSE(matches(g, "xAB-1"));
}

TEST(RegexToGbnf, UnanchoredPatternsSearchAnywhere) {
  auto g = pattern_grammar("ab+c");
  EXPECT_TRUE(matches(g, "abc"));
  EXPECT_TRUE(matches(g, "xxabbbcyy"));
  EXPECT_FALSE(matches(g, "ac"));
  auto start_only = pattern_grammar("^ab");
  EXPECT_TRUE(matches(start_only, "abzzz"));
  EXPECT_FALSE(matches(start_only, "zab"));
}

TEST(RegexToGbnf, AlternationGroupsAndEscapes) {
  auto g = pattern_grammar("^(?:cat|dog)s?$|^\\w+@\\w+$");
  EXPECT_TRUE(matches(g, "cats"));
  EXPECT_TRUE(matches(g, "dog"));
  EXPECT_TRUE(matches(g, "a_1@b"));
  EXPECT_FALSE(matches(g, "cow"));
  auto ws = pattern_grammar("^\\S+\\s\\S+$");
  EXPECT_TRUE(matches(ws, "a b"));
  EXPECT_TRUE(matches(ws, "a\\tb"));  // a tab is written \t inside JSON
  EXPECT_FALSE(matches(ws, "ab"));
}

TEST(RegexToGbnf, JsonEscapingOfSpecialCharacters) {
  auto quote = pattern_grammar("^a\"b\\\\c$");  // the value a"b\c
  EXPECT_TRUE(matches(quote, "a\\\"b\\\\c"));
  EXPECT_FALSE(matches(quote, "a\"b\\c"));
  auto dot = pattern_grammar("^.$");
  EXPECT_TRUE(matches(dot, "\xC3\xA9"));
  EXPECT_TRUE(matches(dot, "\\\""));
  EXPECT_FALSE(matches(dot, "\\n"));  // '.' does not match a line terminator
  auto negated = pattern_grammar("^[^a-c]+$");
  EXPECT_TRUE(matches(negated, "xyz\xE2\x82\xAC"));
  EXPECT_FALSE(matches(negated, "xbz"));
}

TEST(RegexToGbnf, UnsupportedSyntaxIsReported) {
  for (const char* p : {"(?=a)b", "(a)\\1", "\\bword", "\\p{L}", "a(?!b)", "a^b"}) {
    std::string why;
    EXPECT_FALSE(regex_to_gbnf(p, "jchar", &why).has_value()) << p;
    EXPECT_FALSE(why.empty()) << p;
  }
}

TEST(RegexToGbnf, LargeCountsAreRelaxedNotRejected) {
  auto r = regex_to_gbnf("^a{1,500}$", "jchar");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->exact);
  auto g = compile("root ::= \"\\\"\" " + r->expression + " \"\\\"\"" + kJchar);
  EXPECT_TRUE(matches(g, std::string(300, 'a')));
}

}  // namespace
}  // namespace ruvllm::structured
