// Parsing of OpenAI request bodies: valid requests, every wrong-type case, edge values.
#include "server/openai_request.h"

#include <gtest/gtest.h>

#include <string>

#include "server/api_error.h"

namespace ruvllm::server {
namespace {

using nlohmann::json;

json chat_body(json extra = json::object()) {
  json body = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return body;
}

// Runs `parse` on `body`, expecting a 400 whose param and message are given.
template <typename Parse>
void expect_invalid(Parse parse, const json& body, const std::string& param,
                    const std::string& message_part) {
  try {
    parse(body);
    ADD_FAILURE() << "accepted: " << body.dump();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400) << body.dump();
    EXPECT_EQ(e.type(), "invalid_request_error");
    EXPECT_EQ(e.param(), param) << e.what();
    EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos)
        << "message: " << e.what() << " expected to contain: " << message_part;
  }
}

void expect_chat_invalid(const json& extra, const std::string& param, const std::string& part) {
  expect_invalid(parse_chat_completion_request, chat_body(extra), param, part);
}

TEST(OpenAIRequest, MinimalChatRequestGetsDefaults) {
  ChatCompletionRequest r = parse_chat_completion_request(chat_body());
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].role, Role::kUser);
  EXPECT_EQ(r.messages[0].content, "hi");
  EXPECT_FALSE(r.options.max_tokens.has_value());
  EXPECT_FLOAT_EQ(r.options.temperature, 0.8f);
  EXPECT_EQ(r.options.top_k, 40);
  EXPECT_FALSE(r.options.stream);
  EXPECT_FALSE(r.options.seed.has_value());
  EXPECT_EQ(r.tool_choice.mode, ToolChoice::Mode::kNone);
  EXPECT_EQ(r.options.response_format.kind, ResponseFormat::Kind::kText);
  EXPECT_EQ(r.options.model, "m");
}

TEST(OpenAIRequest, FullChatRequest) {
  json body = chat_body({{"max_tokens", 10},
                         {"temperature", 0},
                         {"top_p", 0.5},
                         {"top_k", 7},
                         {"min_p", 0.1},
                         {"seed", 42},
                         {"stop", {"a", "bb"}},
                         {"presence_penalty", -2},
                         {"frequency_penalty", 2.0},
                         {"logit_bias", {{"15", -100}, {"7", 3.5}}},
                         {"logprobs", true},
                         {"top_logprobs", 20},
                         {"n", 1},
                         {"stream", true},
                         {"stream_options", {{"include_usage", true}}},
                         {"user", "u1"},
                         {"unknown_field", {{"anything", 1}}}});
  ChatCompletionRequest r = parse_chat_completion_request(body);
  const GenerationOptions& o = r.options;
  EXPECT_EQ(o.max_tokens, 10);
  EXPECT_FLOAT_EQ(o.temperature, 0.0f);
  EXPECT_FLOAT_EQ(o.top_p, 0.5f);
  EXPECT_EQ(o.top_k, 7);
  EXPECT_FLOAT_EQ(o.min_p, 0.1f);
  EXPECT_EQ(o.seed, 42u);
  EXPECT_EQ(o.stop, (std::vector<std::string>{"a", "bb"}));
  EXPECT_FLOAT_EQ(o.presence_penalty, -2.0f);
  EXPECT_FLOAT_EQ(o.frequency_penalty, 2.0f);
  ASSERT_EQ(o.logit_bias.size(), 2u);
  EXPECT_TRUE(o.logprobs);
  EXPECT_EQ(o.top_logprobs, 20);
  EXPECT_TRUE(o.stream);
  EXPECT_TRUE(o.include_usage);
  EXPECT_EQ(o.user, "u1");
}

TEST(OpenAIRequest, MaxCompletionTokensWinsAndMinusOneMeansNoLimit) {
  EXPECT_EQ(
      parse_chat_completion_request(chat_body({{"max_tokens", 5}, {"max_completion_tokens", 9}}))
          .options.max_tokens,
      9);
  EXPECT_FALSE(parse_chat_completion_request(chat_body({{"max_tokens", -1}}))
                   .options.max_tokens.has_value());
  EXPECT_EQ(parse_chat_completion_request(chat_body({{"max_tokens", 0}})).options.max_tokens, 0);
}

TEST(OpenAIRequest, NullMeansNotGiven) {
  ChatCompletionRequest r = parse_chat_completion_request(chat_body(
      {{"temperature", nullptr}, {"stop", nullptr}, {"max_tokens", nullptr}, {"seed", nullptr}}));
  EXPECT_FLOAT_EQ(r.options.temperature, 0.8f);
  EXPECT_TRUE(r.options.stop.empty());
  EXPECT_FALSE(r.options.max_tokens.has_value());
}

TEST(OpenAIRequest, SeedMinusOneIsRandomAndNegativeSeedsAreAccepted) {
  EXPECT_FALSE(parse_chat_completion_request(chat_body({{"seed", -1}})).options.seed.has_value());
  EXPECT_TRUE(parse_chat_completion_request(chat_body({{"seed", -5}})).options.seed.has_value());
}

TEST(OpenAIRequest, StopAsStringAndEmptyEntriesDropped) {
  EXPECT_EQ(parse_chat_completion_request(chat_body({{"stop", "END"}})).options.stop,
            std::vector<std::string>{"END"});
  EXPECT_TRUE(parse_chat_completion_request(chat_body({{"stop", ""}})).options.stop.empty());
  EXPECT_EQ(parse_chat_completion_request(chat_body({{"stop", {"", "x"}}})).options.stop,
            std::vector<std::string>{"x"});
}

TEST(OpenAIRequest, WrongTypesNameTheField) {
  expect_chat_invalid({{"temperature", "hot"}}, "temperature", "'temperature' must be a number");
  expect_chat_invalid({{"top_p", true}}, "top_p", "'top_p' must be a number");
  expect_chat_invalid({{"top_k", 1.5}}, "top_k", "'top_k' must be an integer");
  expect_chat_invalid({{"min_p", "0.1"}}, "min_p", "must be a number");
  expect_chat_invalid({{"max_tokens", "10"}}, "max_tokens", "'max_tokens' must be an integer");
  expect_chat_invalid({{"max_tokens", 10.5}}, "max_tokens", "must be an integer");
  expect_chat_invalid({{"max_completion_tokens", {1}}}, "max_completion_tokens",
                      "must be an integer");
  expect_chat_invalid({{"seed", "42"}}, "seed", "'seed' must be an integer");
  expect_chat_invalid({{"stop", 5}}, "stop", "must be a string or an array of strings");
  expect_chat_invalid({{"stop", {"a", 1}}}, "stop[1]", "must be a string");
  expect_chat_invalid({{"presence_penalty", "x"}}, "presence_penalty", "must be a number");
  expect_chat_invalid({{"frequency_penalty", json::object()}}, "frequency_penalty",
                      "must be a number");
  expect_chat_invalid({{"logit_bias", {1, 2}}}, "logit_bias", "'logit_bias' must be an object");
  expect_chat_invalid({{"logit_bias", {{"5", "x"}}}}, "logit_bias.5", "must be a number");
  expect_chat_invalid({{"logit_bias", {{"abc", 1}}}}, "logit_bias", "keys must be token ids");
  expect_chat_invalid({{"logit_bias", {{"-3", 1}}}}, "logit_bias", "keys must be token ids");
  expect_chat_invalid({{"logprobs", 1}}, "logprobs", "'logprobs' must be a boolean");
  expect_chat_invalid({{"logprobs", true}, {"top_logprobs", "2"}}, "top_logprobs",
                      "must be an integer");
  expect_chat_invalid({{"n", "1"}}, "n", "must be an integer");
  expect_chat_invalid({{"stream", "true"}}, "stream", "'stream' must be a boolean");
  expect_chat_invalid({{"stream_options", true}}, "stream_options", "must be an object");
  expect_chat_invalid({{"stream_options", {{"include_usage", 1}}}}, "stream_options.include_usage",
                      "must be a boolean");
  expect_chat_invalid({{"user", 7}}, "user", "'user' must be a string");
  expect_chat_invalid({{"model", 7}}, "model", "'model' must be a string");
  expect_chat_invalid({{"grammar", json::object()}}, "grammar", "must be a string");
  expect_chat_invalid({{"response_format", "json"}}, "response_format", "must be an object");
  expect_chat_invalid({{"tools", json::array({"x"})}}, "tools[0]", "must be an object");
  expect_chat_invalid({{"tools", "x"}}, "tools", "must be an array");
  expect_chat_invalid({{"parallel_tool_calls", "yes"}}, "parallel_tool_calls", "must be a boolean");
  expect_chat_invalid({{"tool_choice", 3}}, "tool_choice", "must be a string or an object");
}

TEST(OpenAIRequest, OutOfRangeValues) {
  expect_chat_invalid({{"temperature", 2.5}}, "temperature", "between 0 and 2");
  expect_chat_invalid({{"temperature", -0.1}}, "temperature", "between 0 and 2");
  expect_chat_invalid({{"top_p", 1.01}}, "top_p", "between 0 and 1");
  expect_chat_invalid({{"presence_penalty", 2.5}}, "presence_penalty", "between -2 and 2");
  expect_chat_invalid({{"frequency_penalty", -3}}, "frequency_penalty", "between -2 and 2");
  expect_chat_invalid({{"logit_bias", {{"5", 101}}}}, "logit_bias.5", "between -100 and 100");
  expect_chat_invalid({{"logprobs", true}, {"top_logprobs", 21}}, "top_logprobs",
                      "between 0 and 20");
  expect_chat_invalid({{"top_logprobs", 2}}, "top_logprobs", "requires 'logprobs'");
  expect_chat_invalid({{"max_tokens", -2}}, "max_tokens", "between -1 and");
  expect_chat_invalid({{"n", 2}}, "n", "must be 1");
  expect_chat_invalid({{"n", 0}}, "n", "must be 1");
  expect_chat_invalid({{"stop", {"a", "b", "c", "d", "e"}}}, "stop", "at most 4");
}

TEST(OpenAIRequest, EdgeValuesAccepted) {
  ChatCompletionRequest r = parse_chat_completion_request(chat_body({{"temperature", 2},
                                                                     {"top_p", 0},
                                                                     {"logit_bias", {{"0", -100}}},
                                                                     {"logprobs", true},
                                                                     {"top_logprobs", 0},
                                                                     {"stop", {"a", "b", "c", "d"}},
                                                                     {"presence_penalty", 2}}));
  EXPECT_FLOAT_EQ(r.options.temperature, 2.0f);
  EXPECT_EQ(r.options.stop.size(), 4u);
  EXPECT_EQ(r.options.logit_bias[0], (std::pair<int32_t, float>{0, -100.0f}));
}

TEST(OpenAIRequest, MessagesShapes) {
  json messages = json::array({
      {{"role", "system"}, {"content", "be brief"}},
      {{"role", "developer"}, {"content", "dev"}},
      {{"role", "user"},
       {"content", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}},
      {{"role", "assistant"},
       {"content", nullptr},
       {"tool_calls",
        {{{"id", "call_1"},
          {"type", "function"},
          {"function", {{"name", "get_weather"}, {"arguments", "{\"city\":\"Paris\"}"}}}}}}},
      {{"role", "tool"}, {"tool_call_id", "call_1"}, {"name", "get_weather"}, {"content", "sunny"}},
      {{"role", "assistant"}, {"content", "It is sunny."}},
  });
  ChatCompletionRequest r = parse_chat_completion_request({{"messages", messages}});
  ASSERT_EQ(r.messages.size(), 6u);
  EXPECT_EQ(r.messages[0].role, Role::kSystem);
  EXPECT_EQ(r.messages[1].role, Role::kDeveloper);
  EXPECT_EQ(r.messages[2].content, "a\nb");
  EXPECT_FALSE(r.messages[3].content.has_value());
  ASSERT_EQ(r.messages[3].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[3].tool_calls[0].id, "call_1");
  EXPECT_EQ(r.messages[3].tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.messages[3].tool_calls[0].arguments, "{\"city\":\"Paris\"}");
  EXPECT_EQ(r.messages[4].role, Role::kTool);
  EXPECT_EQ(r.messages[4].tool_call_id, "call_1");
  EXPECT_EQ(r.messages[4].name, "get_weather");
  EXPECT_STREQ(role_name(r.messages[5].role), "assistant");
}

TEST(OpenAIRequest, ToolCallArgumentsGivenAsObjectAreSerialized) {
  json messages =
      json::array({{{"role", "assistant"},
                    {"tool_calls",
                     {{{"id", "c"}, {"function", {{"name", "f"}, {"arguments", {{"x", 1}}}}}}}}}});
  ChatCompletionRequest r = parse_chat_completion_request({{"messages", messages}});
  EXPECT_EQ(r.messages[0].tool_calls[0].arguments, "{\"x\":1}");
}

TEST(OpenAIRequest, BadMessages) {
  auto with_messages = [](json messages) { return json{{"messages", messages}}; };
  auto p = parse_chat_completion_request;
  expect_invalid(p, json::object(), "messages", "'messages' is required");
  expect_invalid(p, with_messages("hi"), "messages", "must be an array");
  expect_invalid(p, with_messages(json::array()), "messages", "at least one message");
  expect_invalid(p, with_messages({"hi"}), "messages[0]", "must be an object");
  expect_invalid(p, with_messages({{{"content", "x"}}}), "messages[0].role", "is required");
  expect_invalid(p, with_messages({{{"role", 1}, {"content", "x"}}}), "messages[0].role",
                 "must be a string");
  expect_invalid(p, with_messages({{{"role", "wizard"}, {"content", "x"}}}), "messages[0].role",
                 "must be one of");
  expect_invalid(p, with_messages({{{"role", "user"}}}), "messages[0].content", "is required");
  expect_invalid(p, with_messages({{{"role", "user"}, {"content", 5}}}), "messages[0].content",
                 "must be a string or an array of content parts");
  expect_invalid(p, with_messages({{{"role", "user"}, {"content", {"x"}}}}),
                 "messages[0].content[0]", "must be an object");
  expect_invalid(p, with_messages({{{"role", "user"}, {"content", {{{"type", "text"}}}}}}),
                 "messages[0].content[0].text", "is required");
  expect_invalid(
      p, with_messages({{{"role", "user"}, {"content", {{{"type", "text"}, {"text", 3}}}}}}),
      "messages[0].content[0].text", "must be a string");
  expect_invalid(p,
                 with_messages({{{"role", "user"},
                                 {"content", {{{"type", "image_url"}, {"image_url", "u"}}}}}}),
                 "messages[0].content[0].type", "not supported");
  expect_invalid(p, with_messages({{{"role", "assistant"}}}), "messages[0].content",
                 "unless the message has tool_calls");
  expect_invalid(p, with_messages({{{"role", "tool"}, {"content", "x"}}}),
                 "messages[0].tool_call_id", "is required");
  expect_invalid(
      p, with_messages({{{"role", "user"}, {"content", "x"}, {"tool_calls", json::array()}}}),
      "messages[0].tool_calls", "only allowed on assistant");
  expect_invalid(p,
                 with_messages({{{"role", "assistant"},
                                 {"tool_calls", {{{"id", "c"}, {"function", {{"name", 3}}}}}}}}),
                 "messages[0].tool_calls[0].function.name", "must be a string");
  expect_invalid(
      p,
      with_messages({{{"role", "assistant"},
                      {"tool_calls", {{{"function", {{"name", "f"}, {"arguments", 3}}}}}}}}),
      "messages[0].tool_calls[0].function.arguments", "must be a string");
  expect_invalid(p, json::array(), "", "must be a JSON object");
}

json weather_tool() {
  return {{"type", "function"},
          {"function",
           {{"name", "get_weather"},
            {"description", "Weather for a city"},
            {"parameters",
             {{"type", "object"},
              {"properties", {{"city", {{"type", "string"}}}}},
              {"required", {"city"}}}},
            {"strict", true}}}};
}

TEST(OpenAIRequest, ToolsAndToolChoice) {
  ChatCompletionRequest r = parse_chat_completion_request(chat_body({{"tools", {weather_tool()}}}));
  ASSERT_EQ(r.tools.size(), 1u);
  EXPECT_EQ(r.tools[0].name, "get_weather");
  EXPECT_EQ(r.tools[0].description, "Weather for a city");
  EXPECT_EQ(r.tools[0].parameters["required"][0], "city");
  EXPECT_TRUE(r.tools[0].strict);
  EXPECT_EQ(r.tool_choice.mode, ToolChoice::Mode::kAuto);
  EXPECT_TRUE(r.parallel_tool_calls);

  r = parse_chat_completion_request(chat_body(
      {{"tools", {weather_tool()}}, {"tool_choice", "required"}, {"parallel_tool_calls", false}}));
  EXPECT_EQ(r.tool_choice.mode, ToolChoice::Mode::kRequired);
  EXPECT_FALSE(r.parallel_tool_calls);
  r = parse_chat_completion_request(
      chat_body({{"tools", {weather_tool()}}, {"tool_choice", "none"}}));
  EXPECT_EQ(r.tool_choice.mode, ToolChoice::Mode::kNone);
  r = parse_chat_completion_request(chat_body(
      {{"tools", {weather_tool()}},
       {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_weather"}}}}}}));
  EXPECT_EQ(r.tool_choice.mode, ToolChoice::Mode::kNamed);
  EXPECT_EQ(r.tool_choice.function_name, "get_weather");
}

TEST(OpenAIRequest, BadTools) {
  expect_chat_invalid({{"tools", {{{"type", "retrieval"}}}}}, "tools[0].type",
                      "must be 'function'");
  expect_chat_invalid({{"tools", {{{"type", "function"}}}}}, "tools[0].function", "is required");
  expect_chat_invalid({{"tools", {{{"type", "function"}, {"function", {{"name", 1}}}}}}},
                      "tools[0].function.name", "must be a string");
  expect_chat_invalid({{"tools", {{{"type", "function"}, {"function", {{"name", "a b"}}}}}}},
                      "tools[0].function.name", "may contain only");
  expect_chat_invalid(
      {{"tools", {{{"type", "function"}, {"function", {{"name", "f"}, {"parameters", "x"}}}}}}},
      "tools[0].function.parameters", "must be an object");
  expect_chat_invalid({{"tools", {weather_tool()}}, {"tool_choice", "sometimes"}}, "tool_choice",
                      "must be 'auto'");
  expect_chat_invalid({{"tools", {weather_tool()}},
                       {"tool_choice", {{"type", "function"}, {"function", {{"name", "nope"}}}}}},
                      "tool_choice.function.name", "names no tool");
  expect_chat_invalid({{"tool_choice", "required"}}, "tool_choice", "requires 'tools'");
}

TEST(OpenAIRequest, ResponseFormats) {
  auto kind = [](json rf) {
    return parse_chat_completion_request(chat_body({{"response_format", rf}}))
        .options.response_format;
  };
  EXPECT_EQ(kind({{"type", "text"}}).kind, ResponseFormat::Kind::kText);
  EXPECT_EQ(kind({{"type", "json_object"}}).kind, ResponseFormat::Kind::kJsonObject);
  ResponseFormat f = kind(
      {{"type", "json_schema"},
       {"json_schema", {{"name", "person"}, {"strict", true}, {"schema", {{"type", "object"}}}}}});
  EXPECT_EQ(f.kind, ResponseFormat::Kind::kJsonSchema);
  EXPECT_EQ(f.schema_name, "person");
  EXPECT_TRUE(f.strict);
  EXPECT_EQ(f.schema["type"], "object");

  expect_chat_invalid({{"response_format", {{"type", "xml"}}}}, "response_format.type",
                      "must be 'text'");
  expect_chat_invalid({{"response_format", {{"type", "json_schema"}}}},
                      "response_format.json_schema", "is required");
  expect_chat_invalid({{"response_format",
                        {{"type", "json_schema"}, {"json_schema", {{"schema", json::object()}}}}}},
                      "response_format.json_schema.name", "is required");
  expect_chat_invalid(
      {{"response_format",
        {{"type", "json_schema"}, {"json_schema", {{"name", "x"}, {"schema", "s"}}}}}},
      "response_format.json_schema.schema", "must be an object");
  expect_chat_invalid(
      {{"grammar", "root ::= \"a\""}, {"response_format", {{"type", "json_object"}}}}, "grammar",
      "cannot be combined");
  EXPECT_EQ(
      parse_chat_completion_request(chat_body({{"grammar", "root ::= \"a\""}})).options.grammar,
      "root ::= \"a\"");
}

TEST(OpenAIRequest, CompletionPrompts) {
  CompletionRequest r = parse_completion_request({{"prompt", "Once upon"}, {"echo", true}});
  EXPECT_EQ(std::get<std::string>(r.prompt), "Once upon");
  EXPECT_TRUE(r.echo);
  r = parse_completion_request({{"prompt", {"only one"}}});
  EXPECT_EQ(std::get<std::string>(r.prompt), "only one");
  r = parse_completion_request({{"prompt", {1, 2, 3}}});
  EXPECT_EQ(std::get<std::vector<int32_t>>(r.prompt), (std::vector<int32_t>{1, 2, 3}));
  r = parse_completion_request({{"prompt", {{4, 5}}}});
  EXPECT_EQ(std::get<std::vector<int32_t>>(r.prompt), (std::vector<int32_t>{4, 5}));
  r = parse_completion_request({{"prompt", ""}, {"logprobs", 3}});
  EXPECT_TRUE(r.options.logprobs);
  EXPECT_EQ(r.options.top_logprobs, 3);
}

TEST(OpenAIRequest, BadCompletionRequests) {
  auto p = parse_completion_request;
  expect_invalid(p, json::object(), "prompt", "'prompt' is required");
  expect_invalid(p, {{"prompt", 5}}, "prompt", "must be a string");
  expect_invalid(p, {{"prompt", {"a", "b"}}}, "prompt", "exactly one prompt");
  expect_invalid(p, {{"prompt", {1, -2}}}, "prompt[1]", "must be a token id");
  expect_invalid(p, {{"prompt", {1, "x"}}}, "prompt[1]", "must be a token id");
  expect_invalid(p, {{"prompt", {true}}}, "prompt[0]", "must be a string or an array");
  expect_invalid(p, {{"prompt", "x"}, {"echo", "yes"}}, "echo", "must be a boolean");
  expect_invalid(p, {{"prompt", "x"}, {"logprobs", true}}, "logprobs", "must be an integer");
  expect_invalid(p, {{"prompt", "x"}, {"logprobs", 21}}, "logprobs", "between 0 and 20");
  expect_invalid(p, {{"prompt", "x"}, {"suffix", "y"}}, "suffix", "not supported");
  expect_invalid(p, {{"prompt", "x"}, {"best_of", 2}}, "best_of", "must be 1");
  expect_invalid(p, {{"prompt", "x"}, {"n", 3}}, "n", "must be 1");
  expect_invalid(p, {{"prompt", "x"}, {"temperature", "0"}}, "temperature", "must be a number");
}

TEST(OpenAIRequest, EmbeddingInputs) {
  EmbeddingRequest r = parse_embedding_request({{"input", "hello"}, {"model", "m"}});
  ASSERT_EQ(r.inputs.size(), 1u);
  EXPECT_FALSE(r.base64);
  r = parse_embedding_request({{"input", {"a", "b", "c"}}, {"encoding_format", "base64"}});
  EXPECT_EQ(r.inputs.size(), 3u);
  EXPECT_TRUE(r.base64);
  r = parse_embedding_request({{"input", {1, 2}}});
  ASSERT_EQ(r.inputs.size(), 1u);
  EXPECT_EQ(std::get<std::vector<int32_t>>(r.inputs[0]).size(), 2u);
  r = parse_embedding_request({{"input", {{1, 2}, {3}}}});
  EXPECT_EQ(r.inputs.size(), 2u);

  auto p = parse_embedding_request;
  expect_invalid(p, json::object(), "input", "'input' is required");
  expect_invalid(p, {{"input", ""}}, "input", "must not be empty");
  expect_invalid(p, {{"input", 3}}, "input", "must be a string");
  expect_invalid(p, {{"input", json::array()}}, "input", "must be a string");
  expect_invalid(p, {{"input", {"a", 3}}}, "input[1]", "must be a non-empty string");
  expect_invalid(p, {{"input", "a"}, {"encoding_format", "int8"}}, "encoding_format",
                 "must be 'float' or 'base64'");
}

TEST(OpenAIRequest, JsonBody) {
  EXPECT_EQ(parse_json_body("{\"a\": 1}")["a"], 1);
  for (const char* bad : {"", "{", "{\"a\":}", "nul", "[1,2]", "\"str\"", "{\"a\":1} trailing"}) {
    try {
      parse_json_body(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 400);
      EXPECT_EQ(e.param(), "");
    }
  }
}

TEST(ApiErrorObject, HasOpenAIShape) {
  json e = ApiError::invalid_param("temperature", "'temperature' must be a number").to_json();
  EXPECT_EQ(e["error"]["message"], "'temperature' must be a number");
  EXPECT_EQ(e["error"]["type"], "invalid_request_error");
  EXPECT_EQ(e["error"]["param"], "temperature");
  EXPECT_TRUE(e["error"]["code"].is_null());
  EXPECT_EQ(ApiError::unauthorized("no key").status(), 401);
  EXPECT_EQ(ApiError::not_found("x").status(), 404);
  EXPECT_EQ(ApiError::payload_too_large(10).status(), 413);
  EXPECT_EQ(ApiError::rate_limited("full").status(), 429);
  EXPECT_EQ(ApiError::internal("bug").status(), 500);
  EXPECT_EQ(ApiError::unavailable("loading").status(), 503);
  json u = ApiError::unauthorized("no key").to_json();
  EXPECT_EQ(u["error"]["type"], "authentication_error");
  EXPECT_EQ(u["error"]["code"], "invalid_api_key");
  EXPECT_TRUE(u["error"]["param"].is_null());
}

}  // namespace
}  // namespace ruvllm::server
