// Statements: for loops (loop variable, else, inline filter, break/continue, unpacking,
// recursion), scoping of set, namespaces, block set, macros with defaults and caller(), call,
// filter and generation blocks.
#include <gtest/gtest.h>

#include "test_util.h"

namespace ruvllm::chat {
namespace {

using testing_util::render;
using testing_util::render_error;

TEST(ChatStatements, LoopVariable) {
  EXPECT_EQ(render("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
                   "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|"
                   "{% endfor %}"),
            "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}{{ loop.previtem|default('-') }}"
                   "{{ loop.nextitem|default('-') }} {% endfor %}"),
            "-2 13 2- ");
  EXPECT_EQ(render("{% for x in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}"), "ababa");
  EXPECT_EQ(render("{% for x in [1, 1, 2] %}{{ loop.changed(x) }} {% endfor %}"),
            "True False True ");
}

TEST(ChatStatements, LoopElseFilterBreakContinue) {
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in range(10) if x is odd %}{{ x }}/{{ loop.length }} {% endfor %}"),
            "1/5 3/5 5/5 7/5 9/5 ");
  EXPECT_EQ(render("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}"
                   "{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "0134");
}

TEST(ChatStatements, LoopUnpackingAndDictOrder) {
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
                   R"({"d": {"z": 1, "a": 2}})"),
            "z=1;a=2;");
  EXPECT_EQ(render("{% for k in d %}{{ k }}{% endfor %}", R"({"d": {"z": 1, "a": 2}})"), "za");
  EXPECT_EQ(render("{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }} {% endfor %}"), "3 7 ");
  EXPECT_EQ(render_error("{% for a, b in [(1, 2, 3)] %}{% endfor %}"),
            "ValueError: too many values to unpack (expected 2)");
}

TEST(ChatStatements, RecursiveLoops) {
  const char* ctx = R"({"tree": [{"name": "a", "children": [{"name": "b"}, {"name": "c"}]}]})";
  EXPECT_EQ(render("{% for item in tree recursive %}{{ item.name }}{{ loop.depth }}"
                   "{% if item.children %}({{ loop(item.children) }}){% endif %}{% endfor %}",
                   ctx),
            "a1(b2c2)");
}

TEST(ChatStatements, SetScoping) {
  // A loop body's assignments vanish with the iteration; an if block shares the scope.
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}"),
            "21");
  EXPECT_EQ(render("{% if true %}{% set y = 5 %}{% endif %}{{ y }}"), "5");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render("{% set messages = messages[1:] %}{{ messages|length }}",
                   R"({"messages": [1, 2, 3]})"),
            "2");
}

TEST(ChatStatements, Namespaces) {
  EXPECT_EQ(render("{% set ns = namespace(x=1, found=false) %}{% for i in [1, 2] %}"
                   "{% set ns.x = ns.x + i %}{% set ns.found = true %}{% endfor %}"
                   "{{ ns.x }} {{ ns.found }}"),
            "4 True");
  EXPECT_EQ(render_error("{% set d = {} %}{% set d.x = 1 %}"),
            "TemplateRuntimeError: cannot assign attribute on non-namespace object");
}

TEST(ChatStatements, BlockSet) {
  EXPECT_EQ(render("{% set x %}hello {{ 1 }}{% endset %}[{{ x }}]"), "[hello 1]");
  EXPECT_EQ(render("{% set x | upper | trim %}  ab {% endset %}[{{ x }}]"), "[AB]");
}

TEST(ChatStatements, Macros) {
  EXPECT_EQ(render("{% macro greet(name, greeting='Hi') %}{{ greeting }} {{ name }}{% endmacro %}"
                   "{{ greet('Bob') }}|{{ greet('Al', greeting='Yo') }}|{{ greet(name='Cy') }}"),
            "Hi Bob|Yo Al|Hi Cy");
  EXPECT_EQ(render("{% macro m(a) %}{{ a is defined }}{% endmacro %}{{ m() }}"), "False");
  EXPECT_EQ(
      render("{% macro m() %}{{ varargs|length }}{{ kwargs.k }}{% endmacro %}{{ m(1, 2, k=3) }}"),
      "23");
  // Macros return strings and can recurse.
  EXPECT_EQ(render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
                   "{{ f(3) + '!' }}"),
            "321!");
}

TEST(ChatStatements, CallBlocks) {
  EXPECT_EQ(
      render("{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}in{% endcall %}"),
      "[in]");
  EXPECT_EQ(render("{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}"
                   "{% call(v) each([1, 2]) %}<{{ v }}>{% endcall %}"),
            "<1><2>");
}

TEST(ChatStatements, FilterGenerationWithBlocks) {
  EXPECT_EQ(render("{% filter upper %}abc{{ 'd' }}{% endfilter %}"), "ABCD");
  EXPECT_EQ(render("{% filter trim|upper %}  x  {% endfilter %}"), "X");
  EXPECT_EQ(render("a{% generation %}b{{ 'c' }}{% endgeneration %}d"), "abcd");
  EXPECT_EQ(render("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"), "3[]");
}

TEST(ChatStatements, GlobalFunctions) {
  EXPECT_EQ(render("{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(3, 0, -1)|list }}"),
            "[0, 1, 2] [1, 3, 5] [3, 2, 1]");
  EXPECT_EQ(render("{{ dict(a=1, b=2) }}"), "{'a': 1, 'b': 2}");
  EXPECT_EQ(render("{{ strftime_now('%d %b %Y') }}"), "26 Jul 2024");
  EXPECT_EQ(render("{% set j = joiner('+') %}{% for x in 'abc' %}{{ j() }}{{ x }}{% endfor %}"),
            "a+b+c");
  EXPECT_EQ(render("{% set c = cycler('x', 'y') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}"),
            "xyx");
  EXPECT_EQ(render_error("{{ raise_exception('boom') }}"), "TemplateError: boom");
  EXPECT_EQ(render_error("{{ range(1000000)|length }}"),
            "OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE "
            "(100000).");
}

}  // namespace
}  // namespace ruvllm::chat
