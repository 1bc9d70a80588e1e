// Function calling through the real HTTP server with the golden chat models (random weights,
// real vocabularies and templates): tool_choice required / named / auto / none, parallel calls,
// streamed tool-call deltas, multi-round conversations, and every returned `arguments` string
// validating against its tool's schema.
#include <gtest/gtest.h>
#include <httplib.h>

#include "server/http_server.h"
#include "support/golden.h"
#include "tools/tool_calling.h"
#include "tools/tool_validation.h"

namespace ruvllm::server {
namespace {

using nlohmann::json;

json weather_tool() {
  return json::parse(R"({"type": "function", "function": {"name": "get_weather",
    "description": "Current weather", "parameters": {"type": "object", "properties": {
      "location": {"type": "string", "maxLength": 12},
      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "required": ["location", "unit"], "additionalProperties": false}}})");
}

json light_tool() {
  return json::parse(R"({"type": "function", "function": {"name": "set_light",
    "description": "Dim a light", "parameters": {"type": "object", "properties": {
      "room": {"type": "string", "enum": ["kitchen", "hall"]},
      "level": {"type": "integer", "minimum": 0, "maximum": 10},
      "on": {"type": "boolean"}},
    "required": ["room", "level"], "additionalProperties": false}}})");
}

// Bans the end-of-turn tokens of both vocabularies' models (Llama 3, Phi-3).
json llama3_no_eog() {
  return {{"128001", -100}, {"128008", -100}, {"128009", -100}};
}

std::vector<tools::FunctionTool> function_tools_of(const json& tools) {
  std::vector<tools::FunctionTool> out;
  for (const json& t : tools)
    out.push_back({t["function"]["name"], "",
                   nlohmann::ordered_json::parse(t["function"]["parameters"].dump())});
  return out;
}

std::vector<json> sse_events(const std::string& body) {
  std::vector<json> events;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    const std::string data = body.substr(pos + 6, end - pos - 6);
    pos = end + 2;
    if (data != "[DONE]") events.push_back(json::parse(data));
  }
  return events;
}

class ToolServer {
 public:
  explicit ToolServer(const char* model) {
    ModelServiceParams params;
    params.model_path = ruvllm::test::golden(model).string();
    params.model_id = "tiny";
    params.threads = 1;
    params.scheduler.n_slots = 2;
    params.scheduler.n_ctx = 4096;
    service_ = std::make_unique<ModelService>(params, &metrics_);
    HttpServerParams http;
    http.port = 0;
    server_ = std::make_unique<HttpServer>(*service_, metrics_, http);
    port_ = server_->start();
  }
  ~ToolServer() { server_->stop(); }

  httplib::Result post(const json& body) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(300, 0);
    return c.Post("/v1/chat/completions", body.dump(), "application/json");
  }
  json chat(const json& body) const {
    auto r = post(body);
    EXPECT_TRUE(r);
    if (!r) return json();
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body);
  }
  const ModelService& service() const { return *service_; }

 private:
  ServerMetrics metrics_;
  std::unique_ptr<ModelService> service_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

json request(json tools, json tool_choice, uint64_t seed, json extra = json::object()) {
  json body = {{"model", "tiny"},
               {"messages", {{{"role", "user"}, {"content", "What's the weather in Oslo?"}}}},
               {"tools", tools},
               {"tool_choice", tool_choice},
               {"seed", seed},
               {"temperature", 1.0},
               {"max_tokens", 600}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return body;
}

// Checks the shape of every call and that its arguments validate; returns the calls.
json expect_valid_calls(const json& response, const json& tools) {
  const json& choice = response["choices"][0];
  const json& message = choice["message"];
  EXPECT_TRUE(message.contains("tool_calls")) << response.dump();
  if (!message.contains("tool_calls")) return json::array();
  EXPECT_EQ(choice["finish_reason"], "tool_calls") << response.dump();
  EXPECT_TRUE(message["content"].is_null()) << response.dump();
  tools::ToolCallValidator validator(function_tools_of(tools));
  for (const json& call : message["tool_calls"]) {
    EXPECT_EQ(call["type"], "function");
    EXPECT_TRUE(call["id"].get<std::string>().starts_with("call_"));
    const auto problem = validator.check({"", call["function"]["name"].get<std::string>(),
                                          call["function"]["arguments"].get<std::string>()});
    EXPECT_FALSE(problem.has_value()) << *problem << "\n" << call.dump();
  }
  return message["tool_calls"];
}

class Llama3ToolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::filesystem::exists(ruvllm::test::golden(kModel)))
      server_ = std::make_unique<ToolServer>(kModel);
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden(kModel)); }

  static constexpr const char* kModel = "models/tiny-llama3-chat-q8_0.gguf";
  static inline std::unique_ptr<ToolServer> server_;
};

TEST_F(Llama3ToolTest, DetectsTheLlama3Format) {
  EXPECT_EQ(server_->service().tool_calling().format(), tools::ToolFormat::kLlama3);
}

TEST_F(Llama3ToolTest, RequiredAlwaysCallsWithValidArguments) {
  const json tools = {weather_tool(), light_tool()};
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const json calls = expect_valid_calls(server_->chat(request(tools, "required", seed)), tools);
    EXPECT_GE(calls.size(), 1u) << "seed " << seed;
  }
}

TEST_F(Llama3ToolTest, NamedToolIsTheOnlyOneCalled) {
  const json tools = {weather_tool(), light_tool()};
  const json choice = {{"type", "function"}, {"function", {{"name", "set_light"}}}};
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const json calls = expect_valid_calls(server_->chat(request(tools, choice, seed)), tools);
    ASSERT_GE(calls.size(), 1u);
    for (const json& call : calls) EXPECT_EQ(call["function"]["name"], "set_light");
  }
}

TEST_F(Llama3ToolTest, ParallelCallsUpToTheLimitAndOneWithoutParallel) {
  const json tools = {light_tool()};
  // With the end-of-turn tokens banned the model keeps calling until the grammar's limit.
  json calls = expect_valid_calls(
      server_->chat(request(tools, "required", 7, {{"logit_bias", llama3_no_eog()}})), tools);
  EXPECT_EQ(calls.size(), tools::kMaxParallelCalls);
  EXPECT_GE(calls.size(), 5u);
  calls = expect_valid_calls(
      server_->chat(request(tools, "required", 7,
                            {{"logit_bias", llama3_no_eog()}, {"parallel_tool_calls", false}})),
      tools);
  EXPECT_EQ(calls.size(), 1u);
}

// Unbounded strings and a small max_tokens: random weights rarely close a string, so the call
// is completed when the budget is about to run out, and stays valid.
TEST_F(Llama3ToolTest, CallsCompleteWithinMaxTokens) {
  json open_weather = weather_tool();
  open_weather["function"]["parameters"]["properties"]["location"].erase("maxLength");
  const json tools = {open_weather};
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    for (int max_tokens : {24, 60}) {
      const json r = server_->chat(request(tools, "required", seed, {{"max_tokens", max_tokens}}));
      EXPECT_GE(expect_valid_calls(r, tools).size(), 1u) << r.dump();
      EXPECT_LE(r["usage"]["completion_tokens"].get<int>(), max_tokens);
    }
  }
}

// Budgets too small for some calls: an answer either holds calls that are complete and valid
// (finish_reason tool_calls, within max_tokens) or none at all (finish_reason length), for
// every tool choice; never a cut-off call.
TEST_F(Llama3ToolTest, TinyBudgetsGiveValidCallsOrNone) {
  const json tools = {weather_tool(), light_tool()};
  const json named = {{"type", "function"}, {"function", {{"name", "set_light"}}}};
  tools::ToolCallValidator validator(function_tools_of(tools));
  int with_calls = 0, without = 0;
  for (const json& choice : {json("required"), named, json("auto")}) {
    for (int max_tokens : {1, 3, 8, 16, 48}) {
      for (uint64_t seed = 1; seed <= 2; ++seed) {
        json extra = {{"max_tokens", max_tokens}};
        if (choice == "auto") extra["logit_bias"] = {{"128010", 100}};  // <|python_tag|>
        const json r = server_->chat(request(tools, choice, seed, extra));
        const json& c = r["choices"][0];
        EXPECT_LE(r["usage"]["completion_tokens"].get<int>(), max_tokens) << r.dump();
        if (c["message"].contains("tool_calls")) {
          ++with_calls;
          EXPECT_EQ(c["finish_reason"], "tool_calls") << r.dump();
          for (const json& call : c["message"]["tool_calls"]) {
            const auto problem =
                validator.check({"", call["function"]["name"].get<std::string>(),
                                 call["function"]["arguments"].get<std::string>()});
            EXPECT_FALSE(problem.has_value()) << *problem << "\n" << r.dump();
          }
        } else {
          ++without;
          EXPECT_EQ(c["finish_reason"], "length") << r.dump();
          if (choice != "auto")
            EXPECT_TRUE(c["message"]["content"].is_null() || c["message"]["content"] == "")
                << r.dump();
        }
      }
    }
  }
  // Both outcomes occur: 1 or 3 tokens hold no call, 48 hold one.
  EXPECT_GT(with_calls, 0);
  EXPECT_GT(without, 0);
}

// A call is streamed as it is generated: its name first, then its arguments over several
// deltas (one per few tokens), not in one piece at the end.
TEST_F(Llama3ToolTest, ArgumentsStreamAsTokensArrive) {
  const json tools = {weather_tool()};
  json body = request(tools, "required", 5, {{"stream", true}, {"parallel_tool_calls", false}});
  auto r = server_->post(body);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  int argument_deltas = 0;
  std::string arguments;
  bool named = false;
  for (const json& event : sse_events(r->body)) {
    const json& delta = event["choices"][0]["delta"];
    if (!delta.contains("tool_calls")) continue;
    const json& part = delta["tool_calls"][0];
    if (part["function"].contains("name")) named = true;
    const std::string fragment = part["function"].value("arguments", "");
    if (fragment.empty()) continue;
    EXPECT_TRUE(named) << "arguments before the name";
    ++argument_deltas;
    arguments += fragment;
  }
  EXPECT_GE(argument_deltas, 4) << arguments;
  tools::ToolCallValidator validator(function_tools_of(tools));
  EXPECT_FALSE(validator.check({"", "get_weather", arguments}).has_value()) << arguments;
}

TEST_F(Llama3ToolTest, NoneNeverCalls) {
  const json tools = {weather_tool()};
  const json r = server_->chat(request(tools, "none", 3, {{"max_tokens", 16}}));
  EXPECT_FALSE(r["choices"][0]["message"].contains("tool_calls"));
  EXPECT_TRUE(r["choices"][0]["message"]["content"].is_string());
  EXPECT_NE(r["choices"][0]["finish_reason"], "tool_calls");
}

// auto: free text until the model writes a trigger; <|python_tag|> (pushed by logit_bias)
// switches to the call grammar, so the call is valid.
TEST_F(Llama3ToolTest, AutoSwitchesToTheGrammarAtTheTrigger) {
  const json tools = {weather_tool(), light_tool()};
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const json r = server_->chat(request(tools, "auto", seed, {{"logit_bias", {{"128010", 100}}}}));
    EXPECT_GE(expect_valid_calls(r, tools).size(), 1u) << r.dump();
  }
  // Without the push, random weights write text; any call they make is still valid.
  const json r = server_->chat(request(tools, "auto", 5, {{"max_tokens", 24}}));
  if (r["choices"][0]["message"].contains("tool_calls"))
    expect_valid_calls(r, tools);
  else
    EXPECT_TRUE(r["choices"][0]["message"]["content"].is_string());
}

TEST_F(Llama3ToolTest, StreamedCallsMatchTheWholeAnswer) {
  const json tools = {weather_tool(), light_tool()};
  const json body = request(tools, "required", 11);
  const json whole = expect_valid_calls(server_->chat(body), tools);
  json streamed_body = body;
  streamed_body["stream"] = true;
  auto r = server_->post(streamed_body);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const std::vector<json> events = sse_events(r->body);
  ASSERT_GE(events.size(), 3u);
  std::vector<json> calls;  // reassembled as the SDKs do
  std::string finish;
  for (const json& event : events) {
    const json& choice = event["choices"][0];
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
    const json& delta = choice["delta"];
    if (!delta.contains("tool_calls")) continue;
    for (const json& part : delta["tool_calls"]) {
      const size_t index = part["index"];
      if (index == calls.size()) {
        // A call opens with its id, type and name.
        ASSERT_TRUE(part.contains("id"));
        EXPECT_EQ(part["type"], "function");
        ASSERT_TRUE(part["function"].contains("name"));
        calls.push_back({{"name", part["function"]["name"]}, {"arguments", ""}});
      }
      ASSERT_LT(index, calls.size());
      if (part["function"].contains("arguments"))
        calls[index]["arguments"] = calls[index]["arguments"].get<std::string>() +
                                    part["function"]["arguments"].get<std::string>();
    }
  }
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_EQ(calls.size(), whole.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i]["name"], whole[i]["function"]["name"]);
    EXPECT_EQ(calls[i]["arguments"], whole[i]["function"]["arguments"]);
  }
}

// Five rounds of call -> tool result -> call, the history rendered through the template.
TEST_F(Llama3ToolTest, FiveRoundsOfCallsAndResults) {
  const json tools = {weather_tool(), light_tool()};
  json messages = {{{"role", "user"}, {"content", "Check the weather, then set the lights."}}};
  for (int round = 0; round < 5; ++round) {
    json body = request(tools, "required", 100 + round);
    body["messages"] = messages;
    const json r = server_->chat(body);
    const json calls = expect_valid_calls(r, tools);
    ASSERT_GE(calls.size(), 1u) << "round " << round;
    messages.push_back({{"role", "assistant"}, {"content", nullptr}, {"tool_calls", calls}});
    for (const json& call : calls)
      messages.push_back({{"role", "tool"},
                          {"tool_call_id", call["id"]},
                          {"name", call["function"]["name"]},
                          {"content", "ok " + std::to_string(round)}});
  }
}

TEST_F(Llama3ToolTest, InvalidToolSchemasAre400) {
  json bad = weather_tool();
  bad["function"]["parameters"]["properties"]["location"] = {{"$ref", "#/definitions/none"}};
  auto r = server_->post(request({bad}, "required", 1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(json::parse(r->body)["error"]["param"], "tools") << r->body;
  // The server keeps serving.
  EXPECT_GE(expect_valid_calls(server_->chat(request({weather_tool()}, "required", 2)),
                               json::array({weather_tool()}))
                .size(),
            1u);
}

// Phi-3.5's template has no tool support: the generic format describes the tools in the
// system prompt and forces {"tool_calls": [...]}.
TEST(Phi3GenericToolTest, RequiredCallsThroughTheGenericFormat) {
  const char* model = "models/tiny-phi3-chat-q8_0.gguf";
  RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden(model));
  ToolServer server(model);
  EXPECT_EQ(server.service().tool_calling().format(), tools::ToolFormat::kGeneric);
  const json tools = {weather_tool(), light_tool()};
  for (uint64_t seed = 1; seed <= 3; ++seed)
    EXPECT_GE(expect_valid_calls(server.chat(request(tools, "required", seed)), tools).size(), 1u);
}

}  // namespace
}  // namespace ruvllm::server
