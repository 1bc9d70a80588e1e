#include "structured/gbnf_parser.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "matcher_support.h"

namespace ruvllm::structured {
namespace {

using test::accepts;
using test::accepts_prefix;
using test::compile;

// A JSON grammar in llama.cpp's json.gbnf style (multi-line rules, nested groups, comments).
const char* const kJsonGbnf = R"(
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws

object ::=
  "{" ws (
            string ":" ws value
    ("," ws string ":" ws value)*
  )? "}" ws

array  ::=
  "[" ws (
            value
    ("," ws value)*
  )? "]" ws

string ::=
  "\"" (
    [^"\\\x7F\x00-\x1F] |
    "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
  )* "\"" ws

number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

# Optional space: by convention, applied in this grammar after literal chars when allowed
ws ::= | " " | "\n" [ \t]{0,20}
)";

TEST(GbnfParser, ParsesJsonGrammar) {
  auto g = compile(kJsonGbnf);
  EXPECT_TRUE(accepts(g, R"({"a": [1, 2.5, -3e4], "b": {"c": "d\n\u00e9"}, "e": true})"));
  EXPECT_TRUE(accepts(g, "{}"));
  EXPECT_TRUE(accepts(g, "{\"k\": \"h\xC3\xA9llo \xF0\x9F\x98\x80\"}"));
  EXPECT_FALSE(accepts(g, "{\"a\": }"));
  EXPECT_FALSE(accepts(g, "[1]"));  // root is an object
  EXPECT_FALSE(accepts(g, "{\"a\": 01x}"));
  EXPECT_TRUE(accepts_prefix(g, "{\"a\": [1,"));
  EXPECT_FALSE(accepts(g, "{\"a\": [1,"));
}

TEST(GbnfParser, RepetitionCounts) {
  auto g = compile("root ::= \"a\"{2} \"b\"{1,3} \"c\"{2,} \"d\"{0,1}");
  EXPECT_TRUE(accepts(g, "aabcc"));
  EXPECT_TRUE(accepts(g, "aabbbcccccd"));
  EXPECT_FALSE(accepts(g, "abcc"));
  EXPECT_FALSE(accepts(g, "aabbbbcc"));
  EXPECT_FALSE(accepts(g, "aabc"));
  EXPECT_FALSE(accepts(g, "aabccdd"));
}

TEST(GbnfParser, CharClassesAndEscapes) {
  auto g = compile(R"(root ::= [a-c\x41] [^a-z] "\u00e9" "\U0001F600" . [\]\-])");
  EXPECT_TRUE(accepts(g, "aZ\xC3\xA9\xF0\x9F\x98\x80x]"));
  EXPECT_TRUE(accepts(g, "A1\xC3\xA9\xF0\x9F\x98\x80\xE4\xB8\xAD-"));
  EXPECT_FALSE(accepts(g, "dZ\xC3\xA9\xF0\x9F\x98\x80x]"));
  EXPECT_FALSE(accepts(g, "aa\xC3\xA9\xF0\x9F\x98\x80x]"));
  // A negated class includes multi-byte characters but never invalid UTF-8.
  EXPECT_TRUE(accepts(compile("root ::= [^a]"), "\xE2\x82\xAC"));
  EXPECT_FALSE(accepts_prefix(compile("root ::= [^a]"), "\xC0"));
  EXPECT_FALSE(accepts_prefix(compile("root ::= [^a]"), "\xED\xA0\x80"));  // surrogate
}

TEST(GbnfParser, ClassesSharingTheirNonAsciiPartKeepTheirOwnAsciiPart) {
  // Lowering computes the UTF-8 sequences of a class's code points from U+0080 on once per
  // grammar and shares them: each class must still exclude exactly its own characters.
  auto g = compile(R"(root ::= "1" [^a] | "2" [^b] | "3" [^ab] | "4" [^a\u00e9] | "5" [^a] [^b])");
  for (const char* rest : {"b", "z", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"})
    EXPECT_TRUE(accepts(g, std::string("1") + rest)) << rest;
  EXPECT_FALSE(accepts(g, "1a"));
  EXPECT_TRUE(accepts(g, "2a"));
  EXPECT_FALSE(accepts(g, "2b"));
  EXPECT_FALSE(accepts(g, "3a"));
  EXPECT_FALSE(accepts(g, "3b"));
  EXPECT_TRUE(accepts(g, "3\xC3\xA9"));
  EXPECT_FALSE(accepts(g, "4a"));
  EXPECT_FALSE(accepts(g, "4\xC3\xA9"));
  EXPECT_TRUE(accepts(g, "4\xC3\xA8"));
  EXPECT_TRUE(accepts(g, "4b"));
  EXPECT_TRUE(accepts(g, "5ba"));
  EXPECT_FALSE(accepts(g, "5ab"));
  EXPECT_TRUE(accepts(g, "5\xE2\x82\xAC\xE2\x82\xAC"));
}

TEST(GbnfParser, AlternativesOnFollowingLines) {
  auto g = compile("root ::= \"x\"\n  | \"y\"\n");
  EXPECT_TRUE(accepts(g, "x"));
  EXPECT_TRUE(accepts(g, "y"));
}

void expect_error(const std::string& text, const std::string& where) {
  try {
    parse_gbnf(text);
    FAIL() << "no error for: " << text;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
  }
}

TEST(GbnfParser, ErrorsCarryLineAndColumn) {
  expect_error("root ::= \"abc", "line 1 column 14");
  expect_error("root ::= a\na ::= [a-", "line 2 column 10");
  expect_error("root ::= (\"a\" | \"b\"", "line 1 column 20");
  expect_error("root ::= \"a\"{3,1}", "line 1");
  expect_error("root ::= \"\\q\"", "unknown escape");
  expect_error("root ::= undefined-rule", "undefined rule 'undefined-rule'");
  expect_error("a ::= \"x\"", "no 'root' rule");
  expect_error("root ::= root \"x\" | \"y\"", "left-recursive");
  expect_error("root ::= \"a\"\nroot ::= \"b\"", "defined twice");
  expect_error("root := \"a\"", "expected '::='");
}

}  // namespace
}  // namespace ruvllm::structured
