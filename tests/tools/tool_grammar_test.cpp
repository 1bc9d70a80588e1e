// The call grammars: every format's grammar accepts its own calls with valid arguments and
// rejects invalid arguments, unknown tools, extra calls when parallel calls are off, and text
// after the calls.
#include <gtest/gtest.h>

#include "core/error.h"
#include "structured/gbnf_parser.h"
#include "structured/grammar_compiler.h"
#include "structured/grammar_matcher.h"
#include "tool_test_support.h"
#include "tools/tool_calling.h"
#include "tools/tool_grammar.h"
#include "tools/tool_validation.h"

namespace ruvllm::tools {
namespace {

using test::example_calls;
using test::example_tools;

const std::vector<ToolFormat> kFormats = {ToolFormat::kHermes,         ToolFormat::kLlama3,
                                          ToolFormat::kMistral,        ToolFormat::kFunctionaryV31,
                                          ToolFormat::kFunctionaryV32, ToolFormat::kCommandR,
                                          ToolFormat::kDeepSeekR1,     ToolFormat::kGeneric};

class ToolGrammarTest : public ::testing::Test {
 protected:
  structured::GrammarCompiler compiler{test::byte_vocabulary()};
  chat::ChatTemplate chatml{std::nullopt, "<s>", "</s>"};

  // Whether the forced grammar of `format` accepts `calls` written in that format, with the
  // forced prefix already in the prompt.
  bool forced_accepts(ToolFormat format, const std::vector<ToolCall>& calls, bool parallel,
                      ToolChoice choice = {ToolChoice::Mode::kRequired, ""}) {
    ToolCalling calling(chatml, format);
    const ToolGrammarPlan plan = calling.plan(example_tools(), choice, parallel, "prompt");
    std::string text = calling.syntax().write_calls(calls);
    EXPECT_TRUE(text.starts_with(plan.prompt_suffix)) << text;
    text = text.substr(plan.prompt_suffix.size());
    structured::GrammarMatcher matcher(compiler.compile_gbnf(plan.gbnf));
    return matcher.accept_bytes(text) && matcher.can_terminate();
  }
};

TEST_F(ToolGrammarTest, ForcedGrammarAcceptsValidCalls) {
  for (ToolFormat f : kFormats) {
    EXPECT_TRUE(forced_accepts(f, {example_calls()[0]}, false)) << tool_format_name(f);
    EXPECT_TRUE(forced_accepts(f, example_calls(), true)) << tool_format_name(f);
  }
}

TEST_F(ToolGrammarTest, ParallelAllowsFiveCallsAndSequentialOnlyOne) {
  std::vector<ToolCall> five;
  for (int i = 0; i < 5; ++i) five.push_back(example_calls()[i % 2]);
  for (ToolFormat f : kFormats) {
    EXPECT_TRUE(forced_accepts(f, five, true)) << tool_format_name(f);
    EXPECT_FALSE(forced_accepts(f, example_calls(), false)) << tool_format_name(f);
  }
}

TEST_F(ToolGrammarTest, RejectsInvalidArguments) {
  const std::vector<ToolCall> bad = {
      {"", "get_weather", R"({"unit":"celsius"})"},                   // required missing
      {"", "get_weather", R"({"location":"Oslo","unit":"kelvin"})"},  // not in enum
      {"", "get_weather", R"({"location":"Oslo","extra":1})"},        // additionalProperties
      {"", "search_web", R"({"query":"x","limit":0})"},               // below minimum
      {"", "search_web", R"({"query":7})"},                           // wrong type
      {"", "delete_everything", R"({})"},                             // unknown tool
  };
  for (ToolFormat f : kFormats)
    for (const ToolCall& call : bad)
      EXPECT_FALSE(forced_accepts(f, {call}, true)) << tool_format_name(f) << " " << call.arguments;
}

// search_web's schema does not say whether other keys are allowed: the grammar takes only the
// listed ones (the validator, reading the schema as written, would accept both).
TEST_F(ToolGrammarTest, ObjectsWithListedPropertiesAreClosed) {
  const ToolCall extra{"", "search_web", R"({"query":"x","other":true})"};
  EXPECT_FALSE(ToolCallValidator(example_tools()).check(extra).has_value());
  for (ToolFormat f : kFormats)
    EXPECT_FALSE(forced_accepts(f, {extra}, true)) << tool_format_name(f);
}

TEST_F(ToolGrammarTest, NumbersHaveBoundedDigits) {
  EXPECT_TRUE(forced_accepts(
      ToolFormat::kHermes, {{"", "search_web", R"({"query":"x","limit":123456789012345})"}}, true));
  EXPECT_FALSE(forced_accepts(ToolFormat::kHermes,
                              {{"", "search_web", R"({"query":"x","limit":1234567890123456})"}},
                              true));
}

TEST_F(ToolGrammarTest, StringsTakeEscapesButNoLoneSurrogates) {
  ToolCalling calling(chatml, ToolFormat::kHermes);
  const ToolGrammarPlan plan =
      calling.plan(example_tools(), {ToolChoice::Mode::kRequired, ""}, false, "");
  auto grammar = compiler.compile_gbnf(plan.gbnf);
  const auto accepts = [&](const std::string& query) {
    structured::GrammarMatcher matcher(grammar);
    return matcher.accept_bytes("\n{\"name\": \"search_web\", \"arguments\": {\"query\": \"" +
                                query + "\"}}\n</tool_call>") &&
           matcher.can_terminate();
  };
  EXPECT_TRUE(accepts(R"(a\n\u00e9\"\\)"));
  EXPECT_TRUE(accepts(R"(\uFFFD\u0041)"));
  EXPECT_FALSE(accepts(R"(\ud800)"));
  EXPECT_FALSE(accepts(R"(\uDFFF)"));
}

TEST_F(ToolGrammarTest, NamedChoiceAllowsOnlyThatTool) {
  const ToolChoice named{ToolChoice::Mode::kNamed, "search_web"};
  for (ToolFormat f : kFormats) {
    EXPECT_TRUE(forced_accepts(f, {example_calls()[1]}, false, named)) << tool_format_name(f);
    EXPECT_FALSE(forced_accepts(f, {example_calls()[0]}, false, named)) << tool_format_name(f);
  }
  ToolCalling calling(chatml, ToolFormat::kHermes);
  EXPECT_THROW(calling.plan(example_tools(), {ToolChoice::Mode::kNamed, "nope"}, true, ""),
               FormatError);
}

// Auto mode: free text until a trigger, then the grammar of what follows it.
TEST_F(ToolGrammarTest, AutoModeTriggersAcceptTheRestOfTheCalls) {
  for (ToolFormat f : kFormats) {
    ToolCalling calling(chatml, f);
    const ToolGrammarPlan plan =
        calling.plan(example_tools(), {ToolChoice::Mode::kAuto, ""}, true, "prompt");
    const std::string text = calling.syntax().write_calls(example_calls());
    ASSERT_FALSE(plan.lazy.empty()) << tool_format_name(f);
    EXPECT_TRUE(plan.prompt_suffix.empty());
    const auto& lazy = plan.lazy.front();
    const size_t at = text.find(lazy.trigger);
    ASSERT_NE(at, std::string::npos) << tool_format_name(f);
    structured::GrammarMatcher matcher(compiler.compile_gbnf(lazy.gbnf));
    EXPECT_TRUE(matcher.accept_bytes(text.substr(at + lazy.trigger.size())) &&
                matcher.can_terminate())
        << tool_format_name(f) << ": " << text;
  }
}

TEST_F(ToolGrammarTest, FunctionaryV32AutoAfterPromptMarkerAllowsTextOrCalls) {
  ToolCalling calling(chatml, ToolFormat::kFunctionaryV32);
  const ToolGrammarPlan plan =
      calling.plan(example_tools(), {ToolChoice::Mode::kAuto, ""}, true, "assistant\n\n>>>");
  ASSERT_FALSE(plan.gbnf.empty());
  auto grammar = compiler.compile_gbnf(plan.gbnf);
  for (const char* text :
       {"all\nJust text.", "all\nLet me look.>>>get_weather\n{\"location\": \"Oslo\"}",
        "get_weather\n{\"location\": \"Oslo\"}>>>search_web\n{\"query\": \"x\"}"}) {
    structured::GrammarMatcher matcher(grammar);
    EXPECT_TRUE(matcher.accept_bytes(text) && matcher.can_terminate()) << text;
  }
  structured::GrammarMatcher matcher(grammar);
  EXPECT_FALSE(matcher.accept_bytes("get_weather\n{\"unit\": \"celsius\"}") &&
               matcher.can_terminate());
}

TEST_F(ToolGrammarTest, NoneModeAndNoToolsHaveNoGrammar) {
  ToolCalling calling(chatml, ToolFormat::kHermes);
  EXPECT_FALSE(calling.plan(example_tools(), {ToolChoice::Mode::kNone, ""}, true, "").active());
  EXPECT_FALSE(calling.plan({}, {ToolChoice::Mode::kRequired, ""}, true, "").active());
}

TEST_F(ToolGrammarTest, EmptyAndUntypedParameterSchemasMeanObjects) {
  std::vector<FunctionTool> tools = {
      {"ping", "", nlohmann::ordered_json::object()},
      {"echo", "", nlohmann::ordered_json::parse(R"({"properties": {"x": {"type": "string"}}})")}};
  ToolCalling calling(chatml, ToolFormat::kHermes);
  const ToolGrammarPlan plan = calling.plan(tools, {ToolChoice::Mode::kRequired, ""}, false, "");
  auto grammar = compiler.compile_gbnf(plan.gbnf);
  const auto accepts = [&](const std::string& text) {
    structured::GrammarMatcher matcher(grammar);
    return matcher.accept_bytes(text) && matcher.can_terminate();
  };
  EXPECT_TRUE(accepts("\n{\"name\": \"ping\", \"arguments\": {}}\n</tool_call>"));
  EXPECT_TRUE(accepts("\n{\"name\": \"echo\", \"arguments\": {\"x\": \"y\"}}\n</tool_call>"));
  EXPECT_FALSE(accepts("\n{\"name\": \"ping\", \"arguments\": []}\n</tool_call>"));
}

TEST_F(ToolGrammarTest, InvalidSchemasAreFormatErrors) {
  std::vector<FunctionTool> tools = {
      {"bad", "",
       nlohmann::ordered_json::parse(
           R"({"type": "object", "properties": {"a": {"$ref": "#/definitions/missing"}}})")}};
  EXPECT_THROW(tool_argument_rules(tools), FormatError);
  EXPECT_THROW(ToolCallValidator{tools}, FormatError);
}

TEST(ToolCallValidatorTest, ChecksNameAndSchema) {
  ToolCallValidator validator(example_tools());
  EXPECT_FALSE(validator.check(example_calls()[0]).has_value());
  EXPECT_TRUE(validator.check({"", "nope", "{}"}).has_value());
  EXPECT_TRUE(validator.check({"", "get_weather", "{}"}).has_value());
  EXPECT_TRUE(validator.check({"", "get_weather", "[1]"}).has_value());
  EXPECT_TRUE(validator.check({"", "get_weather", "{bad"}).has_value());
}

TEST(GbnfPrinting, PrintedRulesParseToTheSameGrammar) {
  const std::string text =
      "root ::= \"a\\n\\\"\" [^x-z\\]] (b | c){2,5} d*\nb ::= \"b\"\nc ::= [0-9]+ \"\"\nd ::= "
      "\"é\"?\n";
  const auto rules = structured::parse_gbnf_rules(text);
  EXPECT_EQ(print_gbnf_rules(structured::parse_gbnf_rules(print_gbnf_rules(rules))),
            print_gbnf_rules(rules));
}

}  // namespace
}  // namespace ruvllm::tools
