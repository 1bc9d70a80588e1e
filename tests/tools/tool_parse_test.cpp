// Reading calls out of unconstrained model output: text kept apart from calls, malformed JSON
// repaired, DeepSeek-R1 reasoning kept out of both.
#include <gtest/gtest.h>

#include "tool_test_support.h"
#include "tools/tool_format.h"

namespace ruvllm::tools {
namespace {

ParsedOutput parse(ToolFormat format, const std::string& text) {
  return make_tool_syntax(format)->parse(text);
}

nlohmann::json args(const ToolCall& call) {
  return nlohmann::json::parse(call.arguments);
}

TEST(ToolParse, HermesTextAndRepairedCall) {
  const ParsedOutput out =
      parse(ToolFormat::kHermes,
            "Let me check.\n<tool_call>\n{'name': 'get_weather', "
            "'arguments': {location: 'Oslo', unit: 'celsius',}}\n</tool_call>");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.calls[0].name, "get_weather");
  EXPECT_EQ(args(out.calls[0]), nlohmann::json::parse(R"({"location":"Oslo","unit":"celsius"})"));
  EXPECT_EQ(out.content, "Let me check.\n");
}

TEST(ToolParse, HermesTruncatedCallIsClosed) {
  const ParsedOutput out =
      parse(ToolFormat::kHermes,
            "<tool_call>\n{\"name\": \"search_web\", \"arguments\": {\"query\": \"cats");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(args(out.calls[0])["query"], "cats");
}

TEST(ToolParse, PlainTextHasNoCalls) {
  for (ToolFormat f : {ToolFormat::kHermes, ToolFormat::kLlama3, ToolFormat::kMistral,
                       ToolFormat::kFunctionaryV31, ToolFormat::kCommandR, ToolFormat::kGeneric}) {
    const ParsedOutput out = parse(f, "The weather is {mild} today.");
    EXPECT_TRUE(out.calls.empty()) << tool_format_name(f);
    EXPECT_EQ(out.content, "The weather is {mild} today.") << tool_format_name(f);
  }
}

TEST(ToolParse, Llama3PythonTagAndBareJson) {
  ParsedOutput out =
      parse(ToolFormat::kLlama3,
            "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Oslo\"}}");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(args(out.calls[0])["location"], "Oslo");
  EXPECT_EQ(out.content, "");
  out =
      parse(ToolFormat::kLlama3,
            "{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}");
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(out.calls[1].name, "b");
}

TEST(ToolParse, MistralArrayWithIds) {
  const ParsedOutput out =
      parse(ToolFormat::kMistral,
            "[TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {\"x\": 1}, \"id\": "
            "\"abcdefghi\"}, {\"name\": \"b\", \"arguments\": \"{\\\"y\\\": 2}\"}]");
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(args(out.calls[1])["y"], 2);  // arguments given as a JSON string
}

TEST(ToolParse, FunctionaryV31MixedTextAndCalls) {
  const ParsedOutput out = parse(
      ToolFormat::kFunctionaryV31,
      "Sure.<function=a>{\"x\": 1}</function><function=b>{\"y\": \"</function>\"}</function>");
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(args(out.calls[1])["y"], "</function>");
  EXPECT_EQ(out.content, "Sure.");
}

TEST(ToolParse, FunctionaryV32TextPartAndCalls) {
  const ParsedOutput out =
      parse(ToolFormat::kFunctionaryV32, "all\nChecking both.>>>a\n{\"q\": \">>>\"}>>>b\n{}");
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(args(out.calls[0])["q"], ">>>");
  EXPECT_EQ(out.content, "Checking both.");
}

TEST(ToolParse, CommandRSkipsDirectAnswer) {
  ParsedOutput out = parse(ToolFormat::kCommandR,
                           "Plan: look it up.\nAction:\n```json\n[\n    {\n        \"tool_name\": "
                           "\"search\",\n        \"parameters\": {\"q\": \"x\"}\n    }\n]```");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(out.content, "Plan: look it up.");
  out = parse(ToolFormat::kCommandR,
              "Action: ```json\n[{\"tool_name\": \"directly-answer\", \"parameters\": {}}]```");
  EXPECT_TRUE(out.calls.empty());
}

TEST(ToolParse, DeepSeekR1ReasoningKeptApart) {
  const ParsedOutput out = parse(
      ToolFormat::kDeepSeekR1,
      "I should call get_weather {\"location\": \"x\"}.\n</think>\n\nOne moment."
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
      "{\"location\": \"Oslo\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>");
  EXPECT_EQ(out.reasoning, "I should call get_weather {\"location\": \"x\"}.");
  EXPECT_EQ(out.content, "One moment.");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(args(out.calls[0])["location"], "Oslo");
}

TEST(ToolParse, DeepSeekR1AnswerWithoutCalls) {
  const ParsedOutput out = parse(ToolFormat::kDeepSeekR1, "<think>\nhmm\n</think>\n\nHello!");
  EXPECT_EQ(out.reasoning, "hmm");
  EXPECT_EQ(out.content, "Hello!");
  EXPECT_TRUE(out.calls.empty());
}

TEST(ToolParse, GenericCallsInsideText) {
  const ParsedOutput out = parse(ToolFormat::kGeneric,
                                 "Calling now: {\"tool_calls\": [{\"name\": \"a\", \"arguments\": "
                                 "{\"x\": [1, 2]}}]} done");
  ASSERT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(args(out.calls[0])["x"], nlohmann::json::parse("[1,2]"));
  EXPECT_EQ(out.content, "Calling now:  done");
}

TEST(ToolParse, ArbitraryBytesNeverThrow) {
  std::string noise;
  uint32_t state = 12345;
  for (int i = 0; i < 4000; ++i) {
    state = state * 1664525u + 1013904223u;
    const char* pieces[] = {"<tool_call>",
                            "{",
                            "}",
                            "\"",
                            "[TOOL_CALLS]",
                            ">>>",
                            "<function=",
                            "Action:",
                            "</think>",
                            "<｜tool▁call▁begin｜>",
                            "{\"tool_calls\"",
                            "x",
                            "\n",
                            "]",
                            ":",
                            ","};
    noise += pieces[(state >> 16) % 16];
  }
  for (ToolFormat f : {ToolFormat::kHermes, ToolFormat::kLlama3, ToolFormat::kMistral,
                       ToolFormat::kFunctionaryV31, ToolFormat::kFunctionaryV32,
                       ToolFormat::kCommandR, ToolFormat::kDeepSeekR1, ToolFormat::kGeneric})
    for (size_t len = 0; len < noise.size(); len += 397)
      EXPECT_NO_THROW(parse(f, noise.substr(0, len))) << tool_format_name(f);
}

}  // namespace
}  // namespace ruvllm::tools
