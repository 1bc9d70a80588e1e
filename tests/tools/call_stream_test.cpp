// CallStream: calls read while their text arrives, for every format, in chunks of any size.
#include "tools/call_stream.h"

#include <gtest/gtest.h>

#include "tool_test_support.h"

namespace ruvllm::tools {
namespace {

const ToolFormat kFormats[] = {ToolFormat::kHermes,         ToolFormat::kLlama3,
                               ToolFormat::kMistral,        ToolFormat::kFunctionaryV31,
                               ToolFormat::kFunctionaryV32, ToolFormat::kCommandR,
                               ToolFormat::kDeepSeekR1,     ToolFormat::kGeneric};

std::vector<std::string> tool_names() {
  std::vector<std::string> names;
  for (const FunctionTool& t : test::example_tools()) names.push_back(t.name);
  return names;
}

TEST(CallStream, ReadsEveryFormatsCallsInAnyChunking) {
  const std::vector<ToolCall> calls = test::example_calls();
  for (ToolFormat format : kFormats) {
    const auto syntax = make_tool_syntax(format);
    const std::string text = syntax->write_calls(calls);
    for (size_t chunk : {size_t(1), size_t(3), size_t(7), text.size()}) {
      SCOPED_TRACE(std::string(tool_format_name(format)) + " chunk " + std::to_string(chunk));
      CallStream stream(syntax->call_markers(), tool_names());
      std::vector<std::string> streamed(calls.size());
      size_t opened = 0, fragments = 0;
      for (size_t pos = 0; pos < text.size(); pos += chunk) {
        for (const CallStream::Event& e : stream.feed(text.substr(pos, chunk))) {
          ASSERT_LT(e.index, calls.size());
          if (e.opened) {
            EXPECT_EQ(e.index, opened);
            ++opened;
          }
          EXPECT_LT(e.index, opened) << "arguments before the call opened";
          if (!e.arguments.empty()) ++fragments;
          streamed[e.index] += e.arguments;
        }
      }
      EXPECT_FALSE(stream.failed()) << text;
      EXPECT_TRUE(stream.all_closed());
      ASSERT_EQ(stream.calls().size(), calls.size()) << text;
      EXPECT_TRUE(test::same_calls(stream.calls(), calls)) << text;
      for (size_t i = 0; i < calls.size(); ++i) {
        EXPECT_EQ(streamed[i], stream.calls()[i].arguments);
        // Compact JSON: the model's blanks between tokens are dropped, strings kept verbatim.
        EXPECT_EQ(stream.calls()[i].arguments,
                  nlohmann::ordered_json::parse(calls[i].arguments).dump());
        EXPECT_TRUE(stream.calls()[i].id.starts_with("call_"));
      }
      if (chunk == 1) EXPECT_GT(fragments, 2 * calls.size());
    }
  }
}

TEST(CallStream, WaitsForACompleteNameAndFailsOnOtherText) {
  const auto syntax = make_tool_syntax(ToolFormat::kHermes);
  CallStream stream(syntax->call_markers(), tool_names());
  EXPECT_TRUE(stream.feed("<tool_call>\n{\"name\": \"get_wea").empty());
  EXPECT_FALSE(stream.failed());
  const auto events = stream.feed("ther\", \"arguments\": {\"loc");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].opened);
  EXPECT_EQ(events[0].arguments, "{\"loc");
  EXPECT_FALSE(stream.all_closed());

  CallStream unknown(syntax->call_markers(), tool_names());
  unknown.feed("<tool_call>\n{\"name\": \"delete_all\", \"arguments\": {}}");
  EXPECT_TRUE(unknown.failed());
  EXPECT_TRUE(unknown.calls().empty());
}

}  // namespace
}  // namespace ruvllm::tools
