// The scheduler and HTTP server with the prefix cache: a repeated or extended prompt is served
// from the cache (usage cached_tokens) with the same output as uncached, any slot can reuse any
// earlier request's tokens, `cache_prefix.enable: false` bypasses the cache, a tight budget makes
// admission wait instead of failing, GET /v1/cache/stats and /metrics report the counters, and a
// chat's next turn hits past the previous answer (its last token and the template's end of turn).
#include <httplib.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "server/http_server.h"
#include "server/model_service.h"
#include "server/openai_request.h"
#include "server/scheduler.h"
#include "support/golden.h"

namespace ruvllm::server {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const char* kStories = "models/stories260Ktok512.gguf";

struct Finished {
  std::string text;
  GenerationOutcome outcome;
};

Finished wait(RequestChannel& channel) {
  Finished f;
  GeneratedPiece piece;
  bool timed_out = false;
  while (channel.next(piece, 20000ms, &timed_out)) f.text += piece.text;
  EXPECT_FALSE(timed_out) << "generation stalled";
  f.outcome = channel.outcome();
  return f;
}

class PrefixCacheScheduler : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto path = test::golden(kStories);
    if (!std::filesystem::exists(path)) return;
    model_ = Model::load(path.string());
    tokenizer_ = Tokenizer::from_gguf(model_->file());
  }
  static void TearDownTestSuite() {
    tokenizer_.reset();
    model_.reset();
  }
  void SetUp() override { RUVLLM_REQUIRE_GOLDEN(test::golden(kStories)); }

  std::unique_ptr<Scheduler> make(SchedulerParams params) {
    return std::make_unique<Scheduler>(model_, *tokenizer_, params, nullptr, &metrics_);
  }
  GenerationJob job(const std::vector<int32_t>& prompt, int32_t max_tokens) {
    GenerationJob j;
    j.prompt = prompt;
    j.sampling.temperature = 0.0f;  // greedy
    j.max_tokens = max_tokens;
    return j;
  }
  std::vector<int32_t> tokens(const std::string& text) {
    return tokenizer_->encode(text, true, false);
  }

  static inline std::shared_ptr<const Model> model_;
  static inline std::unique_ptr<Tokenizer> tokenizer_;
  ServerMetrics metrics_;
};

TEST_F(PrefixCacheScheduler, RepeatedAndExtendedPromptsHitWithTheSameOutput) {
  SchedulerParams plain;
  plain.prefix_cache = false;
  auto uncached = make(plain);
  const auto prompt = tokens(
      "Once upon a time there was a little girl named Lily. She liked to play in the park with "
      "her friends and her dog. One day she found a shiny red ball under a big tree.");
  ASSERT_GT(prompt.size(), 20u);
  const Finished reference = wait(*uncached->submit(job(prompt, 12)));
  EXPECT_EQ(reference.outcome.usage.cached_tokens, 0);
  EXPECT_EQ(wait(*uncached->submit(job(prompt, 12))).outcome.usage.cached_tokens, 0);

  SchedulerParams params;
  params.n_slots = 2;
  auto s = make(params);
  const Finished first = wait(*s->submit(job(prompt, 12)));
  EXPECT_EQ(first.outcome.usage.cached_tokens, 0);
  EXPECT_EQ(first.text, reference.text);
  // Busy the slot that ran the first request, so the repeat runs in the other one.
  auto blocker = s->submit(job(tokens("A dog"), 40));
  const Finished again = wait(*s->submit(job(prompt, 12)));
  wait(*blocker);
  EXPECT_EQ(again.outcome.usage.cached_tokens, int64_t(prompt.size()) - 1);
  EXPECT_EQ(again.text, reference.text);

  // The next turn extends the first: prompt and generated tokens are cached.
  auto turn2 = prompt;
  const auto generated = tokenizer_->encode(first.text, false, false);
  turn2.insert(turn2.end(), generated.begin(), generated.end());
  const auto more = tokens(" The end.");
  turn2.insert(turn2.end(), more.begin() + 1, more.end());
  const Finished second = wait(*s->submit(job(turn2, 8)));
  EXPECT_GE(second.outcome.usage.cached_tokens, int64_t(prompt.size()));
  EXPECT_EQ(second.text, wait(*uncached->submit(job(turn2, 8))).text);

  const auto st = s->cache_stats();
  EXPECT_EQ(st.lookups, 4u);
  EXPECT_GE(st.hits, 2u);
  EXPECT_GT(st.hit_rate(), 0.0);
  EXPECT_GT(st.cached_bytes, 0u);
}

TEST_F(PrefixCacheScheduler, CachePrefixDisabledNeitherReadsNorWrites) {
  auto s = make({});
  const auto prompt = tokens("The little cat sat on the warm mat and looked at the moon.");
  GenerationJob off = job(prompt, 4);
  off.cache_enable = false;
  EXPECT_EQ(wait(*s->submit(off)).outcome.usage.cached_tokens, 0);
  EXPECT_EQ(s->cache_stats().cached_blocks, 0u);
  EXPECT_EQ(wait(*s->submit(job(prompt, 4))).outcome.usage.cached_tokens, 0);
  EXPECT_EQ(wait(*s->submit(off)).outcome.usage.cached_tokens, 0);
  EXPECT_EQ(wait(*s->submit(job(prompt, 4))).outcome.usage.cached_tokens,
            int64_t(prompt.size()) - 1);
}

TEST_F(PrefixCacheScheduler, PinnedPrefixIsKept) {
  auto s = make({});
  GenerationJob pinned = job(tokens("Tim had a big red truck and a small blue car."), 3);
  pinned.cache_key = "system";
  pinned.cache_ttl = std::chrono::seconds(60);
  wait(*s->submit(pinned));
  EXPECT_GT(s->cache_stats().pinned_blocks, 0u);
}

// cache_prefix.ttl_seconds is honoured: a pin expires, and pinning the same key again with a
// shorter TTL shortens it (the key names one pin, not a set of them).
TEST_F(PrefixCacheScheduler, PinTtlRunsOutAndARepinShortensIt) {
  auto s = make({});
  GenerationJob pinned = job(tokens("Tim had a big red truck and a small blue car."), 3);
  pinned.cache_key = "system";
  pinned.cache_ttl = std::chrono::hours(1);
  wait(*s->submit(pinned));
  const size_t blocks = s->cache_stats().pinned_blocks;
  EXPECT_GT(blocks, 0u);
  pinned.cache_ttl = std::chrono::seconds(1);
  wait(*s->submit(pinned));
  EXPECT_GE(s->cache_stats().pinned_blocks, blocks);
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(s->cache_stats().pinned_blocks, 0u);
}

TEST_F(PrefixCacheScheduler, TightBudgetMakesAdmissionWaitNotFail) {
  SchedulerParams params;
  params.n_slots = 4;
  params.n_ctx = 64;
  KvBlockPool probe(model_->config(), GgmlType::F16);
  params.cache_bytes = probe.blocks_for(64) * probe.block_bytes();  // one context for 4 slots
  auto s = make(params);
  std::vector<std::shared_ptr<RequestChannel>> channels;
  for (int i = 0; i < 8; ++i)
    channels.push_back(s->submit(job(tokens("Once upon a time " + std::to_string(i)), 20)));
  for (auto& c : channels) {
    const Finished f = wait(*c);
    EXPECT_FALSE(f.outcome.error.has_value()) << f.outcome.error->what();
    EXPECT_GT(f.outcome.usage.completion_tokens, 0);
  }
  EXPECT_LE(s->cache_stats().peak_pool_bytes, params.cache_bytes);
  params.cache_bytes = probe.block_bytes();  // below one context
  EXPECT_THROW(make(params), Error);
}

class PrefixCacheHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    RUVLLM_REQUIRE_GOLDEN(test::golden(kStories));
    ModelServiceParams params;
    params.model_path = test::golden(kStories).string();
    params.threads = 1;
    service_ = std::make_unique<ModelService>(params, &metrics_);
    HttpServerParams http;
    http.port = 0;
    server_ = std::make_unique<HttpServer>(*service_, metrics_, http);
    port_ = server_->start();
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  json complete(const json& extra) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    json body = {{"prompt", "Once upon a time there was a big brown dog who liked to run."},
                 {"max_tokens", 4},
                 {"temperature", 0}};
    if (extra.is_object()) body.update(extra);
    auto r = c.Post("/v1/completions", body.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body);
  }

  ServerMetrics metrics_;
  std::unique_ptr<ModelService> service_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(PrefixCacheHttp, UsageStatsEndpointAndMetrics) {
  const json a = complete({});
  EXPECT_EQ(a["usage"]["prompt_tokens_details"]["cached_tokens"], 0);
  const json b = complete({{"cache_prefix", {{"key", "story"}, {"ttl_seconds", 30}}}});
  const int64_t prompt_tokens = b["usage"]["prompt_tokens"];
  EXPECT_EQ(b["usage"]["prompt_tokens_details"]["cached_tokens"], prompt_tokens - 1);
  EXPECT_EQ(b["choices"][0]["text"], a["choices"][0]["text"]);
  const json off = complete({{"cache_prefix", {{"enable", false}}}});
  EXPECT_EQ(off["usage"]["prompt_tokens_details"]["cached_tokens"], 0);

  httplib::Client c("127.0.0.1", port_);
  auto bad = c.Post("/v1/completions",
                    json({{"prompt", "x"}, {"cache_prefix", {{"ttl_seconds", 5}}}}).dump(),
                    "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("cache_prefix.key"), std::string::npos) << bad->body;

  auto r = c.Get("/v1/cache/stats");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const json stats = json::parse(r->body);
  EXPECT_EQ(stats["lookups"], 2);
  EXPECT_EQ(stats["hits"], 1);
  EXPECT_EQ(stats["hit_tokens"], prompt_tokens - 1);
  EXPECT_GT(stats["cached_bytes"].get<int64_t>(), 0);
  EXPECT_GT(stats["pinned_blocks"].get<int64_t>(), 0);
  EXPECT_GT(stats["budget_bytes"].get<int64_t>(), 0);
  EXPECT_GT(stats["hit_rate"].get<double>(), 0.0);

  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  for (const char* name :
       {"ruvllm_prefix_cache_lookups_total 2", "ruvllm_prefix_cache_hits_total 1",
        "ruvllm_prefix_cache_hit_tokens_total", "ruvllm_prefix_cache_miss_tokens_total",
        "ruvllm_prefix_cache_evictions_total 0", "ruvllm_prefix_cache_bytes",
        "ruvllm_prefix_cache_hit_rate", "ruvllm_kv_pool_budget_bytes"})
    EXPECT_NE(m->body.find(name), std::string::npos) << name;
}

// The chat template's end of an assistant turn is found by probing the template, and a finished
// answer's sequence is cached with its last sampled token and that tail, so the next turn of the
// conversation hits past the answer (Llama 3: the answer, then <|eot_id|>).
TEST(PrefixCacheChat, NextTurnHitsPastTheAnswerAndTheEndOfTurn) {
  const auto path = test::golden("models/tiny-llama3-chat-q8_0.gguf");
  RUVLLM_REQUIRE_GOLDEN(path);
  ModelServiceParams params;
  params.model_path = path.string();
  params.threads = 1;
  ServerMetrics metrics;
  ModelService service(params, &metrics);
  const Tokenizer& tok = service.tokenizer();
  const auto eot = tok.encode("<|eot_id|>", false, true);
  ASSERT_EQ(eot.size(), 1u);
  EXPECT_EQ(service.assistant_tail(), eot);
  EXPECT_EQ(service.assistant_tail_text(), "<|eot_id|>");

  // One answer token, steered onto a word that tokenizes to itself (the template trims content).
  const auto hello = tok.encode("Hello", false, false);
  ASSERT_EQ(hello.size(), 1u);
  json messages = json::array({{{"role", "user"}, {"content", "Say hello"}}});
  const auto run = [&](const json& history) {
    const json body = {{"messages", history},
                       {"max_tokens", 1},
                       {"temperature", 0},
                       {"logit_bias", {{std::to_string(hello[0]), 100}}}};
    const PreparedJob prepared = service.prepare_chat(parse_chat_completion_request(body));
    Finished f = wait(*service.scheduler().submit(prepared.job));
    return std::make_pair(prepared.job.prompt.size(), f);
  };
  const auto [first_prompt, first] = run(messages);
  ASSERT_FALSE(first.outcome.error.has_value());
  EXPECT_EQ(first.text, "Hello");
  messages.push_back({{"role", "assistant"}, {"content", first.text}});
  messages.push_back({{"role", "user"}, {"content", "Again"}});
  const auto [second_prompt, second] = run(messages);
  ASSERT_FALSE(second.outcome.error.has_value());
  // The previous prompt, "Hello" and <|eot_id|>; the next user message's header may hit too.
  EXPECT_GE(second.outcome.usage.cached_tokens, int64_t(first_prompt) + 2);
  EXPECT_LT(second.outcome.usage.cached_tokens, int64_t(second_prompt));
}

}  // namespace
}  // namespace ruvllm::server
