// Response objects: shapes the openai SDKs read, SSE framing, logprobs, embeddings.
#include "server/openai_response.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

namespace ruvllm::server {
namespace {

using nlohmann::json;

ResponseIdentity identity() {
  ResponseIdentity id = new_response_identity("chatcmpl-", "tiny", "fp_ruvllm");
  return id;
}

TEST(OpenAIResponse, IdentitiesAreUniqueAndPrefixed) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    ResponseIdentity id = new_response_identity("cmpl-", "m", "fp");
    EXPECT_EQ(id.id.rfind("cmpl-", 0), 0u);
    EXPECT_GT(id.created, 1700000000);
    ids.insert(id.id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST(OpenAIResponse, ChatCompletion) {
  ChatResult result;
  result.content = "Hello!";
  result.finish_reason = FinishReason::kLength;
  result.usage = {12, 3, 0};
  json j = chat_completion_json(identity(), result);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "tiny");
  EXPECT_EQ(j["system_fingerprint"], "fp_ruvllm");
  ASSERT_EQ(j["choices"].size(), 1u);
  EXPECT_EQ(j["choices"][0]["index"], 0);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "Hello!");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(j["choices"][0]["logprobs"].is_null());
  EXPECT_FALSE(j["choices"][0]["message"].contains("tool_calls"));
  EXPECT_EQ(j["usage"]["prompt_tokens"], 12);
  EXPECT_EQ(j["usage"]["completion_tokens"], 3);
  EXPECT_EQ(j["usage"]["total_tokens"], 15);
}

TEST(OpenAIResponse, ChatCompletionWithToolCalls) {
  ChatResult result;
  result.tool_calls = {{"call_abc", "get_weather", "{\"city\":\"Oslo\"}"}};
  result.finish_reason = FinishReason::kToolCalls;
  json j = chat_completion_json(identity(), result);
  const json& message = j["choices"][0]["message"];
  EXPECT_TRUE(message["content"].is_null());
  EXPECT_EQ(message["tool_calls"][0]["id"], "call_abc");
  EXPECT_EQ(message["tool_calls"][0]["type"], "function");
  EXPECT_EQ(message["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(message["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Oslo\"}");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "tool_calls");
}

TEST(OpenAIResponse, ChatLogprobs) {
  ChatResult result;
  result.with_logprobs = true;
  result.logprobs = {{"Hi", -0.25f, {{"Hi", -0.25f}, {"Yo", -1.5f}}}, {"\xe2\x80", -2.0f, {}}};
  json lp = chat_completion_json(identity(), result)["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(lp.size(), 2u);
  EXPECT_EQ(lp[0]["token"], "Hi");
  EXPECT_FLOAT_EQ(lp[0]["logprob"].get<float>(), -0.25f);
  EXPECT_EQ(lp[0]["bytes"], json::array({72, 105}));
  ASSERT_EQ(lp[0]["top_logprobs"].size(), 2u);
  EXPECT_EQ(lp[0]["top_logprobs"][1]["token"], "Yo");
  EXPECT_FLOAT_EQ(lp[0]["top_logprobs"][1]["logprob"].get<float>(), -1.5f);
  // A partial UTF-8 token keeps its exact bytes and gets a printable token string.
  EXPECT_EQ(lp[1]["token"], "\\xe2\\x80");
  EXPECT_EQ(lp[1]["bytes"], json::array({0xe2, 0x80}));
}

TEST(OpenAIResponse, ChatChunks) {
  ResponseIdentity id = identity();
  json first = chat_chunk_json(id, {{"role", "assistant"}, {"content", ""}}, std::nullopt);
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["id"], id.id);
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  EXPECT_TRUE(first["choices"][0]["finish_reason"].is_null());
  json last = chat_chunk_json(id, json::object(), FinishReason::kStop);
  EXPECT_EQ(last["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(last["choices"][0]["delta"].empty());
  json usage = usage_chunk_json(id, "chat.completion.chunk", {5, 2, 1});
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["total_tokens"], 7);
  EXPECT_EQ(usage["usage"]["prompt_tokens_details"]["cached_tokens"], 1);
}

TEST(OpenAIResponse, TextCompletionAndLegacyLogprobs) {
  TextResult result;
  result.text = "ab c";
  result.finish_reason = FinishReason::kStop;
  result.usage = {4, 2, 0};
  result.with_logprobs = true;
  result.offset_base = 10;
  result.logprobs = {{"ab", -0.5f, {{"ab", -0.5f}, {"x", -3.0f}}}, {" c", -1.0f, {}}};
  ResponseIdentity id = new_response_identity("cmpl-", "tiny", "fp");
  json j = text_completion_json(id, result);
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["choices"][0]["text"], "ab c");
  const json& lp = j["choices"][0]["logprobs"];
  EXPECT_EQ(lp["tokens"], json::array({"ab", " c"}));
  EXPECT_FLOAT_EQ(lp["token_logprobs"][1].get<float>(), -1.0f);
  EXPECT_FLOAT_EQ(lp["top_logprobs"][0]["x"].get<float>(), -3.0f);
  EXPECT_EQ(lp["text_offset"], json::array({10, 12}));
  json chunk = text_chunk_json(id, "ab", std::nullopt);
  EXPECT_EQ(chunk["choices"][0]["text"], "ab");
  EXPECT_TRUE(chunk["choices"][0]["finish_reason"].is_null());
}

TEST(OpenAIResponse, SseFraming) {
  std::string event = sse_event({{"a", 1}});
  EXPECT_EQ(event, "data: {\"a\":1}\n\n");
  EXPECT_EQ(kSseDone, "data: [DONE]\n\n");
}

TEST(OpenAIResponse, DumpNeverThrowsOnInvalidUtf8) {
  json j = {{"text", std::string("ok\xff\xfe")}};
  std::string out;
  EXPECT_NO_THROW(out = dump_json(j));
  EXPECT_NE(out.find("ok"), std::string::npos);
  EXPECT_TRUE(json::accept(out));
}

TEST(OpenAIResponse, PrintableToken) {
  EXPECT_EQ(printable_token("plain"), "plain");
  EXPECT_EQ(printable_token("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(printable_token("\xf0\x9f\x98"), "\\xf0\\x9f\\x98");
  EXPECT_EQ(printable_token("a\xc0\x80"), "a\\xc0\\x80");         // overlong NUL is invalid
  EXPECT_EQ(printable_token("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

TEST(OpenAIResponse, Models) {
  json j = model_list_json("tiny", 123);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["data"][0]["id"], "tiny");
  EXPECT_EQ(j["data"][0]["object"], "model");
  EXPECT_EQ(j["data"][0]["created"], 123);
  EXPECT_TRUE(j["data"][0]["owned_by"].is_string());
}

TEST(OpenAIResponse, EmbeddingsFloatAndBase64) {
  std::vector<std::vector<float>> vectors = {{1.0f, -0.5f}, {0.25f, 0.0f}};
  json f = embeddings_json("tiny", vectors, false, 7);
  EXPECT_EQ(f["object"], "list");
  EXPECT_EQ(f["data"][1]["index"], 1);
  EXPECT_EQ(f["data"][1]["object"], "embedding");
  EXPECT_FLOAT_EQ(f["data"][0]["embedding"][1].get<float>(), -0.5f);
  EXPECT_EQ(f["usage"]["prompt_tokens"], 7);
  json b = embeddings_json("tiny", vectors, true, 7);
  // 1.0f = 00 00 80 3f, -0.5f = 00 00 00 bf -> "AACAPwAAAL8="
  EXPECT_EQ(b["data"][0]["embedding"], "AACAPwAAAL8=");
}

}  // namespace
}  // namespace ruvllm::server
