// response_format json_schema keywords a grammar cannot enforce: strict schemas that use them are
// refused before generation (400 unsupported_schema); otherwise the finished output is validated
// and an answer that does not match ends with 500 output_validation_failed (an error event when
// streaming) instead of reaching the client as if it were valid.
#include <gtest/gtest.h>
#include <httplib.h>

#include "server/http_server.h"
#include "support/golden.h"

namespace ruvllm::server {
namespace {

using nlohmann::json;

const char* kModel = "models/tiny-llama3-chat-q8_0.gguf";

class OutputValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto path = ruvllm::test::golden(kModel);
    if (!std::filesystem::exists(path)) return;
    ModelServiceParams params;
    params.model_path = path.string();
    params.model_id = "tiny";
    params.threads = 1;
    params.scheduler.n_slots = 1;
    params.scheduler.n_ctx = 512;
    metrics_ = std::make_unique<ServerMetrics>();
    service_ = std::make_unique<ModelService>(params, metrics_.get());
    HttpServerParams http;
    http.port = 0;
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

  static httplib::Result post(const json& body) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c.Post("/v1/chat/completions", body.dump(), "application/json");
  }

  static json request(const json& schema, int seed, bool stream = false, bool strict = false) {
    return {{"messages", {{{"role", "user"}, {"content", "Answer in JSON."}}}},
            {"temperature", 1.0},
            {"seed", seed},
            {"max_tokens", 40},
            {"stream", stream},
            {"response_format",
             {{"type", "json_schema"},
              {"json_schema", {{"name", "answer"}, {"strict", strict}, {"schema", schema}}}}}};
  }

  static inline std::unique_ptr<ServerMetrics> metrics_;
  static inline std::unique_ptr<ModelService> service_;
  static inline std::unique_ptr<HttpServer> server_;
  static inline int port_ = 0;
};

TEST_F(OutputValidationTest, StrictSchemasWithUnenforceableKeywordsAre400) {
  const json schema = {{"type", "object"},
                       {"properties", {{"n", {{"type", "integer"}, {"multipleOf", 3}}}}},
                       {"required", {"n"}}};
  auto r = post(request(schema, 1, false, /*strict=*/true));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  const json body = json::parse(r->body);
  EXPECT_EQ(body["error"]["code"], "unsupported_schema") << r->body;
  EXPECT_NE(body["error"]["message"].get<std::string>().find("multipleOf"), std::string::npos);
}

TEST_F(OutputValidationTest, OutputsBreakingUnenforcedKeywordsAreErrors) {
  // The grammar produces an integer 1..9; "not" (unenforceable) rejects every integer, so every
  // finished answer fails validation.
  const json schema = {
      {"type", "integer"}, {"minimum", 1}, {"maximum", 9}, {"not", {{"type", "integer"}}}};
  auto r = post(request(schema, 2));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500) << r->body;
  json body = json::parse(r->body);
  EXPECT_EQ(body["error"]["code"], "output_validation_failed") << r->body;
  EXPECT_EQ(body["error"]["param"], "response_format") << r->body;
  EXPECT_NE(body["error"]["message"].get<std::string>().find("not"), std::string::npos);

  // Streaming: the text went out already; the stream ends with the error object, no finish.
  r = post(request(schema, 3, /*stream=*/true));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("output_validation_failed"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("\"finish_reason\":\"stop\""), std::string::npos) << r->body;
}

TEST_F(OutputValidationTest, OutputsMeetingUnenforcedKeywordsPass) {
  // uniqueItems is checked after generation; a one-item array always has unique items.
  const json schema = {{"type", "array"},
                       {"items", {{"type", "integer"}, {"minimum", 0}, {"maximum", 99}}},
                       {"minItems", 1},
                       {"maxItems", 1},
                       {"uniqueItems", true}};
  for (int seed = 1; seed <= 3; ++seed) {
    auto r = post(request(schema, seed));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json body = json::parse(r->body);
    EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
    const json value = json::parse(body["choices"][0]["message"]["content"].get<std::string>());
    ASSERT_TRUE(value.is_array());
    EXPECT_EQ(value.size(), 1u);
  }
}

TEST_F(OutputValidationTest, ObjectsWithManyRequiredKeysAreEnforcedInSchemaOrder) {
  // Eight required keys, more than an any-order grammar tracks: generation writes them in schema
  // order, so "required" is enforced (and a strict schema accepted) instead of checked after.
  json properties = json::object();
  json required = json::array();
  for (const char* key : {"a", "b", "c", "d", "e", "f", "g", "h"}) {
    properties[key] = {{"type", "boolean"}};
    required.push_back(key);
  }
  const json schema = {{"type", "object"},
                       {"properties", properties},
                       {"required", required},
                       {"additionalProperties", false}};
  for (int seed = 1; seed <= 2; ++seed) {
    json body = request(schema, seed, false, /*strict=*/true);
    body["max_tokens"] = 200;
    auto r = post(body);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json answer = json::parse(r->body);
    ASSERT_EQ(answer["choices"][0]["finish_reason"], "stop") << r->body;
    const auto value = nlohmann::ordered_json::parse(
        answer["choices"][0]["message"]["content"].get<std::string>());
    std::string keys;
    for (const auto& [key, v] : value.items()) keys += key;
    EXPECT_EQ(keys, "abcdefgh") << value.dump();
  }
}

TEST_F(OutputValidationTest, SchemasTheValidatorRejectsAre400BeforeGeneration) {
  // "minimum" must be a number: the validator refuses the schema, so nothing is generated.
  auto r = post(request({{"type", "integer"}, {"minimum", "zero"}}, 1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(json::parse(r->body)["error"]["param"], "response_format") << r->body;
}

}  // namespace
}  // namespace ruvllm::server
