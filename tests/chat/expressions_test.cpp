// Expressions with Python semantics: literals and their printed forms, arithmetic, comparison
// chains, boolean short-circuit values, membership, slicing, attribute and item access, undefined.
#include <gtest/gtest.h>

#include "test_util.h"

namespace ruvllm::chat {
namespace {

using testing_util::render;
using testing_util::render_error;

TEST(ChatExpressions, NumbersPrintLikePython) {
  EXPECT_EQ(render("{{ 1.0 }} {{ 0.1 }} {{ 1e-5 }} {{ 1e16 }} {{ 123456789.5 }} {{ 2.50 }}"),
            "1.0 0.1 1e-05 1e+16 123456789.5 2.5");
  EXPECT_EQ(render("{{ 1/3 }} {{ 10/2 }} {{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }} {{ 7.5 % 2 }}"),
            "0.3333333333333333 5.0 3 -4 2 1.5");
  EXPECT_EQ(render("{{ 2**10 }} {{ 2**-1 }} {{ 1 + 2.0 }} {{ true + 1 }} {{ 3 * 'ab' }}"),
            "1024 0.5 3.0 2 ababab");
  EXPECT_EQ(render("{{ 1_000 }} {{ 0x1F }} {{ -3|abs }}"), "1000 31 3");
}

TEST(ChatExpressions, ContainersPrintAsPythonRepr) {
  EXPECT_EQ(render("{{ none }} {{ true }} {{ False }}"), "None True False");
  EXPECT_EQ(render("{{ [1, 'a', none, 1.5] }}"), "[1, 'a', None, 1.5]");
  EXPECT_EQ(render("{{ {'a': 1, 'b': [true]} }}"), "{'a': 1, 'b': [True]}");
  EXPECT_EQ(render("{{ (1,) }} {{ (1, 2) }} {{ () }}"), "(1,) (1, 2) ()");
  EXPECT_EQ(render("{{ [\"it's\", 'a\\nb'] }}"), "[\"it's\", 'a\\nb']");
}

TEST(ChatExpressions, StringLiteralEscapes) {
  EXPECT_EQ(render("{{ 'a\\tb' }}|{{ \"q\\\"q\" }}|{{ '\\u00e9\\x41' }}|{{ 'a' 'b' }}"),
            "a\tb|q\"q|\xc3\xa9"
            "A|ab");
  EXPECT_EQ(render("{{ '\\d' }}"), "\\d");  // unknown escapes stay
}

TEST(ChatExpressions, ConcatenationAndTypeErrors) {
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none ~ missing }}"), "a1None");
  EXPECT_EQ(render("{{ [1] + [2] }}"), "[1, 2]");
  EXPECT_EQ(render_error("{{ 'a' + 1 }}"),
            "TypeError: can only concatenate str (not \"int\") to str");
  EXPECT_EQ(render_error("{{ 1 + 'a' }}"),
            "TypeError: unsupported operand type(s) for +: 'int' and 'str'");
  EXPECT_EQ(render_error("{{ [1] + 'a' }}"),
            "TypeError: can only concatenate list (not \"str\") to list");
  EXPECT_EQ(render_error("{{ 1 / 0 }}"), "ZeroDivisionError: division by zero");
  EXPECT_EQ(render_error("{{ 1 < 'a' }}"),
            "TypeError: '<' not supported between instances of 'int' and 'str'");
}

TEST(ChatExpressions, LogicReturnsOperandsAndShortCircuits) {
  EXPECT_EQ(render("{{ 0 or 'x' }}|{{ 'a' and 'b' }}|{{ '' and missing.x }}|{{ 1 or missing.x }}"),
            "x|b||1");
  EXPECT_EQ(render("{{ not '' }} {{ not [1] }} {{ not missing }}"), "True False True");
}

TEST(ChatExpressions, ComparisonChainsAndMembership) {
  EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ 'a' != 'b' }}"),
            "True False True True");
  EXPECT_EQ(render("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 1 not in [1] }}"),
            "True True True False");
  EXPECT_EQ(render("{{ [1, 2] < [1, 3] }} {{ 'abc' < 'abd' }}"), "True True");
  EXPECT_EQ(render_error("{{ 1 in 'abc' }}"),
            "TypeError: 'in <string>' requires string as left operand, not int");
}

TEST(ChatExpressions, ConditionalExpressions) {
  EXPECT_EQ(
      render("[{{ 'x' if false }}] {{ 'x' if false else 'y' }} {{ 1 if 0 else 2 if 1 else 3 }}"),
      "[] y 2");
}

TEST(ChatExpressions, SlicingIsPythonSlicingByCodePoint) {
  EXPECT_EQ(render("{{ [1, 2, 3][::-1] }} {{ [1, 2, 3, 4][1::2] }} {{ [1, 2, 3][-2:] }}"),
            "[3, 2, 1] [2, 4] [2, 3]");
  EXPECT_EQ(render("{{ 'h\xc3\xa9llo'[1:3] }} {{ 'abc'[-1] }} {{ 'abc'[::-1] }} {{ 'abc'[5:] }}"),
            "\xc3\xa9l c cba ");
}

TEST(ChatExpressions, AttributeAndItemAccess) {
  const char* ctx = R"({"m": {"role": "user", "items": 7, "tool_calls": [{"id": "a"}]}})";
  EXPECT_EQ(
      render("{{ m.role }} {{ m['role'] }} {{ m.tool_calls[0].id }} {{ m.tool_calls.0.id }}", ctx),
      "user user a a");
  // `.items` is the dict method (attribute first); ['items'] is the key (item first).
  EXPECT_EQ(render("{{ m['items'] }} {{ m.items is callable }}", ctx), "7 True");
  EXPECT_EQ(render("{{ m.missing is defined }} {{ m['missing'] is defined }}", ctx), "False False");
}

TEST(ChatExpressions, UndefinedBehavesLikeJinja2DefaultUndefined) {
  EXPECT_EQ(render("[{{ missing }}] {{ missing is defined }} {{ missing|length }} "
                   "{{ missing|default('d') }}{% for x in missing %}x{% endfor %}"),
            "[] False 0 d");
  EXPECT_EQ(render_error("{{ missing + 'a' }}"), "UndefinedError: 'missing' is undefined");
  EXPECT_EQ(render_error("{{ missing.attr }}"), "UndefinedError: 'missing' is undefined");
  EXPECT_EQ(render_error("{{ missing['k'] }}"), "UndefinedError: 'missing' is undefined");
  EXPECT_EQ(render_error("{{ {}.x + 'a' }}"), "UndefinedError: 'dict object' has no attribute 'x'");
  EXPECT_EQ(render_error("{{ [1][5] + 1 }}"), "UndefinedError: list object has no element 5");
  EXPECT_EQ(render_error("{{ missing() }}"), "UndefinedError: 'missing' is undefined");
}

TEST(ChatExpressions, NoneIsNotUndefined) {
  EXPECT_EQ(render("{{ x }} {{ x is none }} {{ x is defined }}", R"({"x": null})"),
            "None True True");
  EXPECT_EQ(render_error("{% for a in x %}{% endfor %}", R"({"x": null})"),
            "TypeError: 'NoneType' object is not iterable");
  EXPECT_EQ(render_error("{{ x|length }}", R"({"x": null})"),
            "TypeError: object of type 'NoneType' has no len()");
}

}  // namespace
}  // namespace ruvllm::chat
