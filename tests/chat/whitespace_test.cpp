// Whitespace control as transformers configures Jinja2: trim_blocks, lstrip_blocks, `-` and `+`
// modifiers, comments, raw blocks, newline normalization and the dropped trailing newline.
#include <gtest/gtest.h>

#include "test_util.h"

namespace ruvllm::chat {
namespace {

using testing_util::render;

TEST(ChatWhitespace, TrimBlocksDropsNewlineAfterBlockTag) {
  EXPECT_EQ(render("{% if true %}\nA\n{% endif %}\nB"), "A\nB");
  // Not after print tags.
  EXPECT_EQ(render("{{ 'x' }}\ny"), "x\ny");
}

TEST(ChatWhitespace, LstripBlocksStripsIndentBeforeBlockTags) {
  EXPECT_EQ(render("  {% if true %}\n  x\n  {% endif %}\nz"), "  x\nz");
  // Only when the tag starts the line.
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");
  // Never before print tags.
  EXPECT_EQ(render("  {{ 'x' }}"), "  x");
}

TEST(ChatWhitespace, MinusStripsAllWhitespaceOnItsSide) {
  EXPECT_EQ(render("a  \n {%- if true -%} \n b \n {%- endif -%}  \nc"), "abc");
  EXPECT_EQ(render("a \n {{- 'b' -}} \n c"), "abc");
}

TEST(ChatWhitespace, PlusDisablesTrimAndLstrip) {
  EXPECT_EQ(render("{% if true +%}\nx{% endif %}"), "\nx");
  EXPECT_EQ(render("  {%+ if true %}x{% endif %}"), "  x");
}

TEST(ChatWhitespace, CommentsAreRemovedAndTrimmedLikeBlocks) {
  EXPECT_EQ(render("a {# note #} b"), "a  b");
  EXPECT_EQ(render("  {# note #}\nx"), "x");
  EXPECT_EQ(render("a {#- note -#} b"), "ab");
}

TEST(ChatWhitespace, TrailingNewlineAndLineEndings) {
  EXPECT_EQ(render("x\n"), "x");
  EXPECT_EQ(render("x\n\n"), "x\n");
  EXPECT_EQ(render("a\r\nb\rc"), "a\nb\nc");
}

TEST(ChatWhitespace, RawBlocksAreLiteral) {
  EXPECT_EQ(render("{% raw %}{{ x }}{% if %}{% endraw %}"), "{{ x }}{% if %}");
  EXPECT_EQ(render("a {%- raw -%} b {%- endraw -%} c"), "abc");
}

TEST(ChatWhitespace, BracesInsideExpressionsDoNotEndTags) {
  EXPECT_EQ(render("{{ {'a': {'b': 1}}['a']['b'] }}"), "1");
  EXPECT_EQ(render("{{ '}}' }}"), "}}");
}

}  // namespace
}  // namespace ruvllm::chat
