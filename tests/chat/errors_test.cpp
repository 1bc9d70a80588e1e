// Syntax errors with line numbers, compile-time checks of filter/test names, runtime errors, and
// a robustness test: random and mutated templates either render or raise TemplateError, never
// crash, hang or throw anything else.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "chat/chat_template.h"
#include "support/golden.h"
#include "test_util.h"

namespace ruvllm::chat {
namespace {

using testing_util::render;
using testing_util::render_error;

int syntax_error_line(const std::string& source) {
  try {
    Template::parse(source);
  } catch (const TemplateSyntaxError& e) {
    return e.line();
  }
  return 0;
}

TEST(ChatErrors, SyntaxErrorsCarryLineNumbers) {
  EXPECT_EQ(syntax_error_line("line1\n{% if %}x{% endif %}"), 2);
  EXPECT_EQ(syntax_error_line("a\nb\n{{ 1 + }}"), 3);
  EXPECT_EQ(syntax_error_line("{% for x in y %}\n\nbody"), 3);  // unclosed: reported at the end
  EXPECT_EQ(syntax_error_line("\n{% foo %}"), 2);
  EXPECT_EQ(syntax_error_line("{{ 'unterminated }}"), 1);
  EXPECT_EQ(syntax_error_line("x\n{# never closed"), 2);
  EXPECT_EQ(syntax_error_line("{% break %}"), 1);
  EXPECT_EQ(syntax_error_line("{% if x %}{% endfor %}"), 1);
  EXPECT_EQ(render_error("{% foo %}"),
            "TemplateSyntaxError: Encountered unknown tag 'foo'. (line 1)");
  EXPECT_EQ(render_error("{% for x in y %}"),
            "TemplateSyntaxError: Unexpected end of template. Jinja was looking for the following "
            "tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'. (line "
            "1)");
  EXPECT_EQ(render_error("{% if x %}{% endfor %}"),
            "TemplateSyntaxError: Encountered unknown tag 'endfor'. Jinja was looking for the "
            "following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be "
            "closed is 'if'. (line 1)");
}

TEST(ChatErrors, UnknownFiltersAndTestsFailAtParseTime) {
  // Even in a branch that never renders, as when Jinja2 compiles the template.
  EXPECT_EQ(render_error("{% if false %}{{ x|nope }}{% endif %}"),
            "TemplateAssertionError: No filter named 'nope'. (line 1)");
  EXPECT_EQ(render_error("\n{{ x is nope }}"),
            "TemplateAssertionError: No test named 'nope'. (line 2)");
}

TEST(ChatErrors, RuntimeErrors) {
  EXPECT_EQ(render_error("{% for x in 1 %}{% endfor %}"),
            "TypeError: 'int' object is not iterable");
  EXPECT_EQ(render_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"),
            "RecursionError: maximum recursion depth exceeded");
  EXPECT_EQ(render_error("{{ 'a'.nope() }}"),
            "UndefinedError: 'str object' has no attribute 'nope'");
  EXPECT_EQ(render_error("{{ (1).x }}", "{}"), "");  // undefined attribute prints nothing
}

TEST(ChatErrors, ContextMustBeAnObject) {
  EXPECT_THROW(Template::parse("x").render(nlohmann::ordered_json::array()), TemplateError);
}

// Renders `source`; anything but success or a TemplateError fails the test.
void render_must_not_crash(const std::string& source, const nlohmann::ordered_json& context) {
  try {
    RenderOptions options;
    options.strftime_now = testing_util::pinned_date;
    Template::parse(source).render(context, options);
  } catch (const TemplateError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected " << typeid(e).name() << ": " << e.what() << "\nfor:\n" << source;
  }
}

TEST(ChatRobustness, RandomTokenSoupNeverCrashes) {
  static const std::vector<std::string> pieces = {
      "{{",         "}}",        "{%",     "%}",         "{#",     "#}",        "{%-",
      "-%}",        "{{-",       "-}}",    " ",          "\n",     "if",        "elif",
      "else",       "endif",     "for",    "in",         "endfor", "set",       "endset",
      "macro",      "endmacro",  "call",   "endcall",    "filter", "endfilter", "raw",
      "endraw",     "x",         "y",      "messages",   "m",      "loop",      "(",
      ")",          "[",         "]",      "{",          "}",      ",",         ":",
      ".",          "|",         "~",      "+",          "-",      "*",         "/",
      "//",         "%",         "**",     "==",         "!=",     "<",         ">=",
      "=",          "not",       "and",    "or",         "is",     "defined",   "none",
      "true",       "'s'",       "\"t\"",  "0",          "1",      "2.5",       "-1",
      "tojson",     "trim",      "length", "map",        "join",   "items",     "namespace",
      "ns.a",       "range",     "caller", "loop.index", "break",  "continue",  "recursive",
      "selectattr", "'\\u00e9'", "'\\x'",  "[::-1]",     "[1:]",   "\xff",      "\xc3",
      "é"};
  nlohmann::ordered_json ctx = nlohmann::ordered_json::parse(
      R"({"x": [1, "a", {"k": null}], "y": {"a": 1}, "m": "text",
          "messages": [{"role": "user", "content": "hi"}]})");
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 4000; ++iter) {
    std::string source;
    int n = 1 + static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) source += pieces[rng() % pieces.size()] + (rng() % 2 ? " " : "");
    render_must_not_crash(source, ctx);
  }
}

TEST(ChatRobustness, MutatedGoldenTemplatesNeverCrash) {
  auto dir = test::golden("chat");
  RUVLLM_REQUIRE_GOLDEN(dir);
  std::mt19937 rng(777);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto doc = nlohmann::ordered_json::parse(test::read_file(entry.path()));
    const std::string original = doc.at("template");
    const auto& context = doc.at("cases").at(0).at("context");
    for (int iter = 0; iter < 60; ++iter) {
      std::string s = original;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !s.empty(); ++e) {
        size_t pos = rng() % s.size();
        switch (rng() % 3) {
          case 0:
            s.erase(pos, 1 + rng() % 8);
            break;
          case 1:
            s.insert(pos, 1, "{}%#-+|()[]'\"\\x"[rng() % 16]);
            break;
          default:
            s[pos] = static_cast<char>(rng() % 256);
            break;
        }
      }
      render_must_not_crash(s, context);
    }
  }
}

TEST(ChatRobustness, DeepNestingIsRejectedNotOverflowed) {
  std::string deep = "{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}";
  EXPECT_THROW(Template::parse(deep), TemplateSyntaxError);
  std::string deep_blocks;
  for (int i = 0; i < 50000; ++i) deep_blocks += "{% if true %}";
  EXPECT_THROW(Template::parse(deep_blocks), TemplateSyntaxError);
}

TEST(ChatTemplateApi, DefaultsToChatMl) {
  ChatTemplate chat(std::nullopt, "<s>", "</s>");
  auto messages = nlohmann::ordered_json::parse(
      R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])");
  EXPECT_EQ(chat.apply(messages, nullptr, true),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(chat.apply(messages, nullptr, false),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
}

TEST(ChatTemplateApi, PassesToolsAndTokensLikeTransformers) {
  ChatTemplate chat(std::string("{{ bos_token }}{{ tools is none }}{{ tools|length if tools }}"
                                "{{ add_generation_prompt }}{{ extra }}{{ eos_token }}"),
                    "<s>", "</s>");
  auto messages = nlohmann::ordered_json::array();
  EXPECT_EQ(chat.apply(messages, nullptr, true), "<s>TrueTrue</s>");
  EXPECT_EQ(chat.apply(messages, nlohmann::ordered_json::parse(R"([{"type": "function"}])"), false,
                       nlohmann::ordered_json::parse(R"({"extra": "!"})")),
            "<s>False1False!</s>");
}

}  // namespace
}  // namespace ruvllm::chat
