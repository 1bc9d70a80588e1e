// Filters, tests and Python methods, with the outputs Jinja2 gives.
#include <gtest/gtest.h>

#include "test_util.h"

namespace ruvllm::chat {
namespace {

using testing_util::render;
using testing_util::render_error;

TEST(ChatFilters, ToJsonMatchesTransformers) {
  EXPECT_EQ(render("{{ {'b': 1, 'a': [1, 2.5, none, true, '\xc3\xa9\"<&>\\n']}|tojson }}"),
            "{\"b\": 1, \"a\": [1, 2.5, null, true, \"\xc3\xa9\\\"<&>\\n\"]}");
  EXPECT_EQ(render("{{ {'a': [1, {}], 'b': []}|tojson(indent=2) }}"),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}"), "{\"a\": 2, \"b\": 1}");
  EXPECT_EQ(render("{{ '\xc3\xa9'|tojson(ensure_ascii=true) }}"), "\"\\u00e9\"");
  EXPECT_EQ(render("{{ x|tojson }}", R"({"x": {"z": 1e-7, "y": 3.0, "big": 12345678901234567}})"),
            "{\"z\": 1e-07, \"y\": 3.0, \"big\": 12345678901234567}");
  EXPECT_EQ(render_error("{{ [1]|map('string')|tojson }}"),
            "TypeError: Object of type generator is not JSON serializable");
  EXPECT_EQ(render_error("{{ missing|tojson }}"),
            "TypeError: Object of type Undefined is not JSON serializable");
}

TEST(ChatFilters, TextFilters) {
  EXPECT_EQ(render("[{{ '  x \\n'|trim }}] [{{ 'xxaxx'|trim('x') }}]"), "[x] [a]");
  EXPECT_EQ(render("{{ 'hello wORLD-foo (bar)'|title }} {{ 'hELLO'|capitalize }}"),
            "Hello World-Foo (Bar) Hello");
  EXPECT_EQ(render("{{ 'ab'|upper }}{{ 'CD'|lower }} {{ 'aaa'|replace('a', 'b', 2) }}"),
            "ABcd bba");
  EXPECT_EQ(render("{{ 'a\\nb'|indent(2) }}|{{ 'a\\nb'|indent(2, first=true) }}|"
                   "{{ 'a\\n\\nb'|indent(2) }}|{{ 'a\\n\\nb'|indent('>', blank=true) }}"),
            "a\n  b|  a\n  b|a\n\n  b|a\n>\n>b");
  EXPECT_EQ(render("[{{ 'a'|center(5) }}] {{ 'a b  c'|wordcount }}"), "[  a  ] 3");
  EXPECT_EQ(render("{{ 'hello world foo bar'|truncate(9) }} {{ 'hello world'|truncate(9, true) }}"),
            "hello... hello world");
  EXPECT_EQ(render("{{ 'hello big world'|truncate(6, true, '..', 0) }}"), "hell..");
  EXPECT_EQ(render("{{ '%s-%d'|format('a', 3) }} {{ '%05.1f'|format(3.14159) }}"), "a-3 003.1");
}

TEST(ChatFilters, MarkupEscapesWhatIsAddedToIt) {
  EXPECT_EQ(render("{{ '<a>'|e }} {{ 'x'|safe + '<b>' }} {{ '<i>' + 'y'|safe }}"),
            "&lt;a&gt; x&lt;b&gt; &lt;i&gt;y");
  EXPECT_EQ(render("{{ 'x'|safe ~ '<b>' }}"), "x<b>");
}

TEST(ChatFilters, DefaultAndConversions) {
  EXPECT_EQ(render("[{{ ''|default('x', true) }}] [{{ ''|default('x') }}] [{{ none|d('n') }}]"),
            "[x] [] [None]");
  EXPECT_EQ(
      render("{{ '42'|int + 1 }} {{ '3.7'|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ 3.9|int }}"),
      "43 3 0 -1 3");
  EXPECT_EQ(render("{{ '2.5'|float }} {{ 3|float }} {{ 'x'|float }} {{ 1|string ~ 'a' }}"),
            "2.5 3.0 0.0 1a");
  EXPECT_EQ(render("{{ 2.5|round }} {{ 3.14159|round(2) }} {{ 2.1|round(method='ceil') }} "
                   "{{ 2.9|round(method='floor') }} {{ 3|round }}"),
            "2.0 3.14 3.0 2.0 3");
}

TEST(ChatFilters, SequenceFilters) {
  EXPECT_EQ(
      render("{{ [1, 2, 3]|join(', ') }} {{ [{'n': 'a'}, {'n': 'b'}]|join('-', attribute='n') }}"),
      "1, 2, 3 a-b");
  EXPECT_EQ(render("{{ [1, 2, 3]|first }}{{ [1, 2, 3]|last }} {{ 'h\xc3\xa9llo'|length }} "
                   "{{ {'a': 1}|count }}"),
            "13 5 1");
  EXPECT_EQ(render("{{ [{'a': 1}, {'a': 2}, {}]|map(attribute='a', default=0)|list }} "
                   "{{ ['a', 'b']|map('upper')|join }}"),
            "[1, 2, 0] AB");
  EXPECT_EQ(render("{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }} "
                   "{{ [0, 1, '', 'a']|select|list }} {{ [1, 5, 3]|select('>', 2)|list }}"),
            "[1, 3] [1, 3] [1, 'a'] [5, 3]");
  EXPECT_EQ(render("{{ xs|selectattr('t', 'equalto', 'b')|list }} {{ xs|rejectattr('t')|list }}",
                   R"({"xs": [{"t": "a"}, {"t": "b"}, {"u": 1}]})"),
            "[{'t': 'b'}] [{'u': 1}]");
  EXPECT_EQ(render("{{ 'ab'|list }} {{ ['a', 'A', 'b']|unique|list }} {{ [3, 1, 2]|sort }} "
                   "{{ ['b', 'A', 'c']|sort }} {{ [1, 3, 2]|sort(reverse=true) }}"),
            "['a', 'b'] ['a', 'b'] [1, 2, 3] ['A', 'b', 'c'] [3, 2, 1]");
  EXPECT_EQ(render("{{ xs|sort(attribute='n')|map(attribute='n')|join }}",
                   R"({"xs": [{"n": 2}, {"n": 1}, {"n": 3}]})"),
            "123");
  EXPECT_EQ(render("{{ 'abc'|reverse }} {{ [1, 2]|reverse|list }} {{ {'b': 1, 'a': 2}|dictsort }}"),
            "cba [2, 1] [('a', 2), ('b', 1)]");
  EXPECT_EQ(render("{% for k, v in {'x': 1, 'y': 2}|items %}{{ k }}{{ v }}{% endfor %}"), "x1y2");
  EXPECT_EQ(render("{{ [1, 2, 3]|batch(2)|list }} {{ [1, 2, 3]|sum }} {{ [3, 1, 2]|min }}"
                   "{{ [3, 1, 2]|max }} {{ []|max is defined }}"),
            "[[1, 2], [3]] 6 13 False");
  EXPECT_EQ(render_error("{{ 5|items|list }}"),
            "TypeError: Can only get item pairs from a mapping.");
}

TEST(ChatFilters, GeneratorsAreOneShot) {
  EXPECT_EQ(render("{% set g = [1, 2]|map('string') %}{{ g|join }}|{{ g|join }}"), "12|");
}

TEST(ChatTests, BuiltinTests) {
  EXPECT_EQ(render("{{ 1 is number }}{{ 1 is integer }}{{ 1.0 is float }}{{ true is integer }}"
                   "{{ 'a' is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 1 is iterable }}"),
            "TrueTrueTrueFalseTrueTrueTrueFalse");
  EXPECT_EQ(render("{{ none is none }}{{ true is boolean }}{{ true is true }}{{ 1 is true }}"
                   "{{ 6 is divisibleby 3 }}{{ 6 is divisibleby(4) }}{{ 3 is in [1, 3] }}"),
            "TrueTrueTrueFalseTrueFalseTrue");
  EXPECT_EQ(render("{{ 'a' is equalto 'a' }}{{ 1 is not string }}{{ 2 is even }}{{ 2 is odd }}"
                   "{{ 'ab' is lower }}{{ 'ab' is sequence }}{{ range is callable }}"),
            "TrueTrueTrueFalseTrueTrueTrue");
  EXPECT_EQ(render("{{ 1 is gt 0 }}{{ 1 is lt 0 }}{{ 1 is ne 1 }}{{ 'upper' is filter }}"),
            "TrueFalseFalseTrue");
}

TEST(ChatMethods, StringMethods) {
  EXPECT_EQ(render("[{{ ' a '.strip() }}] [{{ 'xxhixx'.strip('x') }}] [{{ '  a'.lstrip() }}] "
                   "[{{ 'a  '.rstrip() }}]"),
            "[a] [hi] [a] [a]");
  EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a,b,c'.split(',', 1) }} "
                   "{{ 'a,b,c'.rsplit(',', 1) }}"),
            "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b,c'] ['a,b', 'c']");
  EXPECT_EQ(render("{{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('bc') }} "
                   "{{ 'Hello'.upper() }} {{ 'a-b'.replace('-', '+') }}"),
            "True True HELLO a+b");
  EXPECT_EQ(render("{{ 'hello'.find('l') }} {{ 'hello'.count('l') }} {{ ', '.join(['a', 'b']) }} "
                   "{{ 'x y'.title() }} {{ '{} and {name}'.format('a', name='b') }}"),
            "2 2 a, b X Y a and b");
  EXPECT_EQ(render("{{ 'a</think>b'.split('</think>')[-1] }} {{ 'abc'.removeprefix('a') }}"),
            "b bc");
}

TEST(ChatMethods, DictAndListMethods) {
  EXPECT_EQ(render("{{ {'a': 1}.get('a') }}{{ {'a': 1}.get('b', 2) }}{{ {'a': 1}.get('b') }} "
                   "{{ {'a': 1}.keys()|list }} {{ {'a': 1}.values()|list }} "
                   "{{ {'items': 1}.items()|list }}"),
            "12None ['a'] [1] [('items', 1)]");
  EXPECT_EQ(render("{{ [1, 2, 3].index(2) }} {{ [1, 1].count(1) }}"), "1 2");
}

TEST(ChatMethods, ImmutableSandboxRefusesMutation) {
  EXPECT_EQ(render_error("{% set xs = [1] %}{{ xs.append(2) }}"),
            "SecurityError: access to attribute 'append' of 'list' object is unsafe.");
  EXPECT_EQ(render_error("{% set d = {} %}{{ d.update({'a': 1}) }}"),
            "SecurityError: access to attribute 'update' of 'dict' object is unsafe.");
}

}  // namespace
}  // namespace ruvllm::chat
