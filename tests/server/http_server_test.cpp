// The HTTP server end to end over loopback, with the Llama-3-vocabulary chat model: every
// route, streaming against non-streaming, usage, stop strings, errors and recovery, API keys,
// CORS, client disconnects and /metrics.
#include "server/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <thread>

#include "prometheus_text.h"
#include "support/golden.h"

namespace ruvllm::server {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const char* kModel = "models/tiny-llama3-chat-q8_0.gguf";
constexpr size_t kMaxBody = 64 * 1024;

// Bans the Llama 3 end-of-turn tokens so random weights cannot end a generation early.
json no_eog_bias() {
  return {{"128001", -100}, {"128008", -100}, {"128009", -100}};
}

json chat_request(json extra = json::object()) {
  json body = {{"model", "tiny"},
               {"messages",
                {{{"role", "system"}, {"content", "You are terse."}},
                 {{"role", "user"}, {"content", "Say something."}}}},
               {"seed", 1234},
               {"temperature", 1.0},
               {"max_tokens", 12},
               {"logit_bias", no_eog_bias()}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return body;
}

struct SseStream {
  std::vector<json> events;
  bool done = false;        // saw data: [DONE]
  bool well_formed = true;  // every block was "data: ...\n\n"
};

SseStream parse_sse(const std::string& body) {
  SseStream s;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) {
      s.well_formed = false;
      break;
    }
    const std::string block = body.substr(pos, end - pos);
    pos = end + 2;
    if (block.rfind("data: ", 0) != 0) {
      s.well_formed = false;
      continue;
    }
    const std::string data = block.substr(6);
    if (data == "[DONE]") {
      s.done = true;
      continue;
    }
    if (s.done) s.well_formed = false;  // nothing may follow [DONE]
    s.events.push_back(json::parse(data));
  }
  return s;
}

class HttpServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto path = ruvllm::test::golden(kModel);
    if (!std::filesystem::exists(path)) return;
    ModelServiceParams params;
    params.model_path = path.string();
    params.model_id = "tiny";
    params.threads = 1;
    params.scheduler.n_slots = 2;
    params.scheduler.n_ctx = 2048;
    metrics_ = std::make_unique<ServerMetrics>();
    service_ = std::make_unique<ModelService>(params, metrics_.get());
    HttpServerParams http;
    http.port = 0;
    http.max_body_bytes = kMaxBody;
    server_ = std::make_unique<HttpServer>(*service_, *metrics_, http);
    port_ = server_->start();
  }
  static void TearDownTestSuite() {
    if (server_) server_->stop();
    server_.reset();
    service_.reset();
    metrics_.reset();
  }
  void SetUp() override { RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden(kModel)); }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }
  static httplib::Result post(const std::string& path, const json& body) {
    return client().Post(path.c_str(), body.dump(), "application/json");
  }
  static void expect_error(const httplib::Result& r, int status, const std::string& param = {}) {
    ASSERT_TRUE(r) << "no response";
    EXPECT_EQ(r->status, status) << r->body;
    json body = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r->body;
    ASSERT_TRUE(body.contains("error")) << r->body;
    EXPECT_TRUE(body["error"]["message"].is_string());
    EXPECT_TRUE(body["error"]["type"].is_string());
    if (!param.empty()) {
      EXPECT_EQ(body["error"]["param"], param) << r->body;
    }
  }
  static void expect_still_serving() {
    auto r = post("/v1/chat/completions", chat_request({{"max_tokens", 2}}));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }

  static inline std::unique_ptr<ServerMetrics> metrics_;
  static inline std::unique_ptr<ModelService> service_;
  static inline std::unique_ptr<HttpServer> server_;
  static inline int port_ = 0;
};

TEST_F(HttpServerTest, HealthAndModels) {
  auto health = client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");
  auto models = client().Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(models->status, 200);
  json m = json::parse(models->body);
  EXPECT_EQ(m["object"], "list");
  EXPECT_EQ(m["data"][0]["id"], "tiny");
}

TEST_F(HttpServerTest, ChatCompletionWithUsageAndLength) {
  auto r = post("/v1/chat/completions", chat_request());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->get_header_value("Content-Type").find("application/json"), std::string::npos);
  json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "tiny");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_TRUE(j["choices"][0]["message"]["content"].is_string());
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 12);
  // The rendered Llama 3.1 prompt of a system and a user message is a few dozen tokens.
  EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 10);
  EXPECT_EQ(j["usage"]["total_tokens"].get<int>(),
            j["usage"]["prompt_tokens"].get<int>() + j["usage"]["completion_tokens"].get<int>());
}

TEST_F(HttpServerTest, StreamingMatchesNonStreaming) {
  auto plain = post("/v1/chat/completions", chat_request({{"seed", 99}}));
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200) << plain->body;
  json full = json::parse(plain->body);

  auto streamed =
      post("/v1/chat/completions",
           chat_request(
               {{"seed", 99}, {"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  ASSERT_TRUE(streamed);
  ASSERT_EQ(streamed->status, 200) << streamed->body;
  EXPECT_NE(streamed->get_header_value("Content-Type").find("text/event-stream"),
            std::string::npos);
  SseStream sse = parse_sse(streamed->body);
  EXPECT_TRUE(sse.well_formed);
  EXPECT_TRUE(sse.done);
  ASSERT_GE(sse.events.size(), 3u);
  EXPECT_EQ(sse.events.front()["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  std::optional<std::string> finish;
  json usage;
  const std::string id = sse.events.front()["id"];
  for (const json& e : sse.events) {
    EXPECT_EQ(e["object"], "chat.completion.chunk");
    EXPECT_EQ(e["id"], id);
    if (e.contains("usage") && !e["usage"].is_null()) usage = e["usage"];
    if (e["choices"].empty()) continue;
    const json& choice = e["choices"][0];
    if (choice["delta"].contains("content")) text += choice["delta"]["content"].get<std::string>();
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
  }
  EXPECT_EQ(text, full["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_EQ(finish, "length");
  // Token counts match; how much of the prompt a slot could reuse depends on which slot took
  // the request, so cached_tokens may differ between the two runs.
  for (const char* key : {"prompt_tokens", "completion_tokens", "total_tokens"})
    EXPECT_EQ(usage[key], full["usage"][key]) << key;
  EXPECT_LE(usage["prompt_tokens_details"]["cached_tokens"].get<int>(),
            usage["prompt_tokens"].get<int>());
  EXPECT_TRUE(sse.events.back()["choices"].empty());  // the usage chunk comes last
}

TEST_F(HttpServerTest, TextCompletionStreamingAndEcho) {
  json body = {{"prompt", "Once upon a time"},
               {"max_tokens", 6},
               {"seed", 5},
               {"logit_bias", no_eog_bias()},
               {"logprobs", 2}};
  auto plain = post("/v1/completions", body);
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200) << plain->body;
  json full = json::parse(plain->body);
  EXPECT_EQ(full["object"], "text_completion");
  EXPECT_EQ(full["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(full["usage"]["completion_tokens"], 6);
  const json& lp = full["choices"][0]["logprobs"];
  ASSERT_EQ(lp["tokens"].size(), 6u);
  EXPECT_EQ(lp["top_logprobs"][0].size(), 2u);
  for (const json& v : lp["token_logprobs"]) EXPECT_LE(v.get<double>(), 0.0);

  body["stream"] = true;
  auto streamed = post("/v1/completions", body);
  ASSERT_TRUE(streamed);
  SseStream sse = parse_sse(streamed->body);
  EXPECT_TRUE(sse.done);
  std::string text;
  for (const json& e : sse.events) text += e["choices"][0]["text"].get<std::string>();
  EXPECT_EQ(text, full["choices"][0]["text"].get<std::string>());

  body["stream"] = false;
  body["echo"] = true;
  auto echoed = post("/v1/completions", body);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(json::parse(echoed->body)["choices"][0]["text"].get<std::string>(),
            "Once upon a time" + full["choices"][0]["text"].get<std::string>());
}

TEST_F(HttpServerTest, StopStrings) {
  json body = chat_request({{"seed", 7}, {"max_tokens", 24}});
  auto r = post("/v1/chat/completions", body);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const std::string text = json::parse(r->body)["choices"][0]["message"]["content"];
  ASSERT_GE(text.size(), 8u);
  // A stop string from the middle of the text, cut at UTF-8 character boundaries.
  size_t begin = text.size() / 2;
  while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  size_t end = begin + 1;
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  const std::string stop = text.substr(begin, end - begin);
  body["stop"] = {stop};
  for (bool stream : {false, true}) {
    body["stream"] = stream;
    auto cut = post("/v1/chat/completions", body);
    ASSERT_TRUE(cut);
    std::string got;
    std::string finish;
    if (stream) {
      for (const json& e : parse_sse(cut->body).events) {
        const json& c = e["choices"][0];
        if (c["delta"].contains("content")) got += c["delta"]["content"].get<std::string>();
        if (!c["finish_reason"].is_null()) finish = c["finish_reason"];
      }
    } else {
      json j = json::parse(cut->body);
      got = j["choices"][0]["message"]["content"];
      finish = j["choices"][0]["finish_reason"];
    }
    EXPECT_EQ(got, text.substr(0, text.find(stop))) << "stream=" << stream;
    EXPECT_EQ(finish, "stop");
  }
}

TEST_F(HttpServerTest, MalformedRequestsGet4xxAndTheServerKeepsServing) {
  auto c = client();
  expect_error(c.Post("/v1/chat/completions", "{\"messages\": [", "application/json"), 400);
  expect_still_serving();
  expect_error(post("/v1/chat/completions", chat_request({{"temperature", "hot"}})), 400,
               "temperature");
  expect_error(post("/v1/chat/completions", chat_request({{"messages", "hi"}})), 400, "messages");
  expect_error(post("/v1/completions", {{"prompt", 12}}), 400, "prompt");
  expect_error(post("/v1/chat/completions", chat_request({{"n", 2}})), 400, "n");
  expect_error(post("/v1/chat/completions", chat_request({{"logit_bias", {{"999999", 1}}}})), 400,
               "logit_bias");
  expect_still_serving();

  // A body over the limit.
  std::string huge = "{\"prompt\": \"" + std::string(kMaxBody * 2, 'a') + "\"}";
  auto too_big = c.Post("/v1/completions", huge, "application/json");
  expect_error(too_big, 413);
  expect_still_serving();

  // A prompt longer than the context (2048 tokens).
  std::string long_prompt;
  for (int i = 0; i < 3000; ++i) long_prompt += " hello";
  auto too_long = post("/v1/completions", {{"prompt", long_prompt}, {"max_tokens", 1}});
  expect_error(too_long, 400);
  EXPECT_EQ(json::parse(too_long->body)["error"]["code"], "context_length_exceeded");
  expect_still_serving();

  expect_error(c.Get("/v1/nothing"), 404);
  expect_error(post("/v1/embeddings", {{"input", 3}}), 400, "input");
  expect_still_serving();
}

TEST_F(HttpServerTest, EmbeddingsOfTextAndTokenInputs) {
  auto r = post("/v1/embeddings",
                {{"model", "tiny"}, {"input", {"hello world", "a robot", "hello world"}}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  EXPECT_EQ(body["object"], "list");
  ASSERT_EQ(body["data"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const json& d = body["data"][i];
    EXPECT_EQ(d["index"], i);
    const std::vector<float> v = d["embedding"].get<std::vector<float>>();
    double norm = 0;
    for (float x : v) norm += double(x) * x;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-4);
  }
  EXPECT_EQ(body["data"][0]["embedding"], body["data"][2]["embedding"]);
  EXPECT_NE(body["data"][0]["embedding"], body["data"][1]["embedding"]);
  EXPECT_GT(body["usage"]["prompt_tokens"].get<int>(), 4);

  // Token arrays and base64; the same tokens as text give the same vector.
  const std::vector<int32_t> tokens = service_->tokenizer().encode("hello world", true, false);
  auto t = post("/v1/embeddings", {{"input", {tokens}}, {"encoding_format", "base64"}});
  ASSERT_TRUE(t);
  ASSERT_EQ(t->status, 200) << t->body;
  EXPECT_TRUE(json::parse(t->body)["data"][0]["embedding"].is_string());

  expect_error(post("/v1/embeddings", {{"input", {{1, 99999999}}}}), 400, "input[0]");
  std::string long_text;
  for (int i = 0; i < 3000; ++i) long_text += " hello";
  auto too_long = post("/v1/embeddings", {{"input", long_text}});
  expect_error(too_long, 400);
  EXPECT_EQ(json::parse(too_long->body)["error"]["code"], "context_length_exceeded");
  expect_still_serving();
}

TEST_F(HttpServerTest, CorsPreflight) {
  auto r = client().Options("/v1/chat/completions");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(r->get_header_value("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  auto get = client().Get("/health");
  EXPECT_EQ(get->get_header_value("Access-Control-Allow-Origin"), "*");
}

TEST_F(HttpServerTest, ApiKey) {
  HttpServerParams params;
  params.port = 0;
  params.api_key = "sekret";
  HttpServer secured(*service_, *metrics_, params);
  const int port = secured.start();
  httplib::Client c("127.0.0.1", port);
  expect_error(c.Get("/v1/models"), 401);
  expect_error(c.Get("/v1/models", {{"Authorization", "Bearer wrong"}}), 401);
  expect_error(c.Get("/v1/models", {{"Authorization", "Bearer sekret2"}}), 401);
  auto ok = c.Get("/v1/models", {{"Authorization", "Bearer sekret"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto health = c.Get("/health");  // open without a key
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  secured.stop();
}

TEST_F(HttpServerTest, ClientDisconnectCancelsGeneration) {
  const double before = metrics_->cancelled_requests.value();
  json body = chat_request({{"stream", true}, {"max_tokens", -1}});
  int chunks = 0;
  auto c = client();
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  // Hang up after a few chunks.
  req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++chunks < 3; };
  auto r = c.send(req);
  EXPECT_FALSE(r);  // the client aborted
  bool cancelled = false;
  for (int i = 0; i < 200 && !cancelled; ++i) {
    cancelled = metrics_->cancelled_requests.value() > before;
    if (!cancelled) std::this_thread::sleep_for(25ms);
  }
  EXPECT_TRUE(cancelled) << "the generation kept running after the client left";
  expect_still_serving();
}

TEST_F(HttpServerTest, ClientDisconnectCancelsNonStreamingGeneration) {
  const double before = metrics_->cancelled_requests.value();
  auto c = client();
  c.set_read_timeout(0, 300'000);  // give up after 300 ms, closing the connection
  auto r =
      c.Post("/v1/chat/completions", chat_request({{"max_tokens", -1}}).dump(), "application/json");
  EXPECT_FALSE(r);  // the client gave up before the answer
  bool cancelled = false;
  for (int i = 0; i < 200 && !cancelled; ++i) {
    cancelled = metrics_->cancelled_requests.value() > before;
    if (!cancelled) std::this_thread::sleep_for(25ms);
  }
  EXPECT_TRUE(cancelled) << "the generation kept running after the client left";
  expect_still_serving();
}

TEST_F(HttpServerTest, MetricsParseAndCount) {
  expect_still_serving();
  auto r = client().Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  auto parsed = test::parse_prometheus_text(r->body);
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0];
  EXPECT_GE(parsed.value("ruvllm_http_requests_total",
                         {{"endpoint", "/v1/chat/completions"}, {"status", "200"}}),
            1);
  EXPECT_GT(parsed.value("ruvllm_generated_tokens_total"), 0);
  EXPECT_GT(parsed.value("ruvllm_prompt_tokens_total"), 0);
  EXPECT_GE(parsed.value("ruvllm_request_prefill_seconds_count"), 1);
  EXPECT_EQ(parsed.value("ruvllm_slots"), 2);
  EXPECT_EQ(parsed.types["ruvllm_request_duration_seconds"], "histogram");
  EXPECT_EQ(parsed.value("ruvllm_kv_cache_cells"), 2 * 2048);
}

}  // namespace
}  // namespace ruvllm::server

namespace ruvllm::server {
namespace {

json constrained_request(json extra) {
  json body = {{"messages", {{{"role", "user"}, {"content", "Answer in JSON."}}}},
               {"temperature", 1.0},
               {"max_tokens", 60}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return body;
}

TEST_F(HttpServerTest, JsonSchemaConstrainsEveryAnswer) {
  const json schema = {{"type", "object"},
                       {"properties",
                        {{"digit", {{"type", "integer"}, {"minimum", 0}, {"maximum", 9}}},
                         {"ok", {{"type", "boolean"}}}}},
                       {"required", {"digit", "ok"}},
                       {"additionalProperties", false}};
  for (int seed = 1; seed <= 4; ++seed) {
    for (bool stream : {false, true}) {
      json body = constrained_request(
          {{"seed", seed},
           {"stream", stream},
           {"response_format",
            {{"type", "json_schema"}, {"json_schema", {{"name", "answer"}, {"schema", schema}}}}}});
      auto r = post("/v1/chat/completions", body);
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << r->body;
      std::string content, finish;
      if (stream) {
        for (const json& e : parse_sse(r->body).events) {
          const json& c = e["choices"][0];
          if (c["delta"].contains("content")) content += c["delta"]["content"].get<std::string>();
          if (!c["finish_reason"].is_null()) finish = c["finish_reason"];
        }
      } else {
        json j = json::parse(r->body);
        content = j["choices"][0]["message"]["content"];
        finish = j["choices"][0]["finish_reason"];
      }
      EXPECT_EQ(finish, "stop") << content;
      json value = json::parse(content, nullptr, false);
      ASSERT_TRUE(value.is_object()) << content;
      EXPECT_EQ(value.size(), 2u) << content;
      ASSERT_TRUE(value["digit"].is_number_integer()) << content;
      EXPECT_GE(value["digit"].get<int>(), 0);
      EXPECT_LE(value["digit"].get<int>(), 9);
      EXPECT_TRUE(value["ok"].is_boolean()) << content;
    }
  }
}

TEST_F(HttpServerTest, GbnfGrammarAndJsonObjectMode) {
  for (int seed = 1; seed <= 3; ++seed) {
    auto r = post("/v1/completions", {{"prompt", "Is it raining?"},
                                      {"seed", seed},
                                      {"max_tokens", 10},
                                      {"grammar", "root ::= \"yes\" | \"no\""}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const std::string text = json::parse(r->body)["choices"][0]["text"];
    EXPECT_TRUE(text == "yes" || text == "no") << text;
  }
  auto r =
      post("/v1/chat/completions",
           constrained_request(
               {{"seed", 3}, {"max_tokens", 400}, {"response_format", {{"type", "json_object"}}}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = json::parse(r->body);
  const std::string content = j["choices"][0]["message"]["content"];
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content[0], '{');  // even when cut by max_tokens, the text starts an object
  if (j["choices"][0]["finish_reason"] == "stop") {
    EXPECT_TRUE(json::parse(content, nullptr, false).is_object()) << content;
  }
}

TEST_F(HttpServerTest, BadGrammarsAndSchemasAre400) {
  expect_error(post("/v1/completions", {{"prompt", "x"}, {"grammar", "root ::= ("}}), 400,
               "grammar");
  expect_error(
      post("/v1/chat/completions",
           constrained_request({{"response_format",
                                 {{"type", "json_schema"},
                                  {"json_schema", {{"name", "x"}, {"schema", {{"type", 12}}}}}}}})),
      400, "response_format");
  expect_still_serving();
}

}  // namespace
}  // namespace ruvllm::server
