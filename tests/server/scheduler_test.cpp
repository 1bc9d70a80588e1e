// The scheduler with a real model (stories260K): results do not depend on how requests are
// interleaved, chunked or cached; limits, cancellation, timeouts and the bounded queue.
#include "server/scheduler.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/golden.h"

namespace ruvllm::server {
namespace {

using namespace std::chrono_literals;

struct Finished {
  std::string text;
  size_t pieces = 0;
  GenerationOutcome outcome;
};

Finished wait(RequestChannel& channel) {
  Finished f;
  GeneratedPiece piece;
  bool timed_out = false;
  while (channel.next(piece, 10000ms, &timed_out)) {
    f.text += piece.text;
    ++f.pieces;
  }
  EXPECT_FALSE(timed_out) << "generation stalled";
  f.outcome = channel.outcome();
  return f;
}

class SchedulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto path = test::golden("models/stories260Ktok512.gguf");
    if (!std::filesystem::exists(path)) return;
    model_ = Model::load(path.string());
    tokenizer_ = Tokenizer::from_gguf(model_->file());
  }
  static void TearDownTestSuite() {
    tokenizer_.reset();
    model_.reset();
  }
  void SetUp() override { RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf")); }

  std::unique_ptr<Scheduler> make(SchedulerParams params) {
    return std::make_unique<Scheduler>(model_, *tokenizer_, params, nullptr, &metrics_);
  }
  GenerationJob job(const std::string& prompt, uint64_t seed, int32_t max_tokens) {
    GenerationJob j;
    j.prompt = tokenizer_->encode(prompt, true, false);
    j.sampling.seed = seed;
    j.sampling.temperature = 1.0f;
    j.max_tokens = max_tokens;
    return j;
  }

  static inline std::shared_ptr<const Model> model_;
  static inline std::unique_ptr<Tokenizer> tokenizer_;
  ServerMetrics metrics_;
};

TEST_F(SchedulerTest, SameSeedSameTextAndUsage) {
  auto s = make({});
  Finished a = wait(*s->submit(job("Once upon a time", 7, 20)));
  Finished b = wait(*s->submit(job("Once upon a time", 7, 20)));
  Finished c = wait(*s->submit(job("Once upon a time", 8, 20)));
  ASSERT_FALSE(a.outcome.error.has_value());
  EXPECT_FALSE(a.text.empty());
  EXPECT_EQ(a.text, b.text);
  EXPECT_NE(a.text, c.text);  // a different seed samples differently
  EXPECT_EQ(a.outcome.usage.prompt_tokens, int64_t(job("Once upon a time", 0, 0).prompt.size()));
  EXPECT_LE(a.outcome.usage.completion_tokens, 20);
  if (a.outcome.finish_reason == FinishReason::kLength) {
    EXPECT_EQ(a.outcome.usage.completion_tokens, 20);
  }
  // The second identical prompt reused the cached prefix (all but the last token).
  EXPECT_EQ(b.outcome.usage.cached_tokens, b.outcome.usage.prompt_tokens - 1);
}

TEST_F(SchedulerTest, InterleavingAndChunkingDoNotChangeResults) {
  const std::vector<std::string> prompts = {"Once upon a time", "The dog ran to the park and saw",
                                            "Lily was", "Tom and his friend found a big red ball"};
  // Reference: one slot, one request at a time.
  std::vector<std::string> expected;
  {
    auto s = make({.n_slots = 1});
    for (size_t i = 0; i < prompts.size(); ++i)
      expected.push_back(wait(*s->submit(job(prompts[i], 100 + i, 24))).text);
  }
  // Four slots at once, prompts evaluated 3 tokens per step.
  auto s = make({.n_slots = 4, .prefill_chunk = 3});
  std::vector<std::shared_ptr<RequestChannel>> channels;
  for (size_t i = 0; i < prompts.size(); ++i)
    channels.push_back(s->submit(job(prompts[i], 100 + i, 24)));
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(wait(*channels[i]).text, expected[i]) << i;
}

TEST_F(SchedulerTest, MaxTokensAndZero) {
  auto s = make({});
  GenerationJob j = job("Once", 1, 5);
  j.sampling.logit_bias.emplace_back(tokenizer_->eos_id(), -INFINITY);  // never stop early
  Finished f = wait(*s->submit(j));
  EXPECT_EQ(f.outcome.finish_reason, FinishReason::kLength);
  EXPECT_EQ(f.outcome.usage.completion_tokens, 5);
  Finished zero = wait(*s->submit(job("Once", 1, 0)));
  EXPECT_EQ(zero.outcome.finish_reason, FinishReason::kLength);
  EXPECT_EQ(zero.outcome.usage.completion_tokens, 0);
  EXPECT_EQ(zero.text, "");
}

TEST_F(SchedulerTest, ContextEndsGenerationWithLength) {
  auto s = make({.n_ctx = 32});
  GenerationJob j = job("Once upon a time", 3, -1);
  j.sampling.logit_bias.emplace_back(tokenizer_->eos_id(), -INFINITY);
  Finished f = wait(*s->submit(j));
  EXPECT_EQ(f.outcome.finish_reason, FinishReason::kLength);
  EXPECT_EQ(f.outcome.usage.prompt_tokens + f.outcome.usage.completion_tokens, 33);
}

TEST_F(SchedulerTest, StopStringCutsTheText) {
  auto s = make({});
  Finished full = wait(*s->submit(job("Once upon a time", 11, 40)));
  ASSERT_GE(full.text.size(), 12u);
  const std::string stop = full.text.substr(full.text.size() / 2, 3);
  GenerationJob j = job("Once upon a time", 11, 40);
  j.stop = {stop};
  Finished cut = wait(*s->submit(j));
  EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(stop)));
  EXPECT_EQ(cut.outcome.finish_reason, FinishReason::kStop);
}

TEST_F(SchedulerTest, RejectsPromptsThatDoNotFit) {
  auto s = make({.n_ctx = 16});
  std::string long_prompt;
  for (int i = 0; i < 40; ++i) long_prompt += "the dog ran ";
  try {
    s->submit(job(long_prompt, 1, 4));
    FAIL() << "accepted a prompt longer than the context";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "context_length_exceeded");
  }
  GenerationJob bad = job("x", 1, 4);
  bad.prompt.push_back(100000);
  EXPECT_THROW(s->submit(bad), ApiError);
  // Still serving.
  EXPECT_FALSE(wait(*s->submit(job("Once", 1, 3))).outcome.error.has_value());
}

TEST_F(SchedulerTest, CancelReleasesTheSlot) {
  auto s = make({.n_slots = 1});
  GenerationJob endless = job("Once upon a time", 5, -1);
  endless.sampling.logit_bias.emplace_back(tokenizer_->eos_id(), -INFINITY);
  auto channel = s->submit(endless);
  GeneratedPiece piece;
  bool timed_out = false;
  ASSERT_TRUE(channel->next(piece, 10000ms, &timed_out));
  channel->cancel();
  Finished f = wait(*channel);
  EXPECT_TRUE(f.outcome.cancelled);
  EXPECT_GE(metrics_.cancelled_requests.value(), 1);
  // The slot is free again.
  EXPECT_FALSE(wait(*s->submit(job("Once", 1, 3))).outcome.error.has_value());
}

TEST_F(SchedulerTest, TimeoutEndsWithAnError) {
  auto s = make({.n_slots = 1});
  GenerationJob j = job("Once upon a time", 5, -1);
  j.sampling.logit_bias.emplace_back(tokenizer_->eos_id(), -INFINITY);
  j.timeout = 1ms;
  Finished f = wait(*s->submit(j));
  ASSERT_TRUE(f.outcome.error.has_value());
  EXPECT_EQ(f.outcome.error->code(), "timeout");
}

TEST_F(SchedulerTest, FullQueueAnswers429) {
  auto s = make({.n_slots = 1, .n_ctx = 128, .max_queue = 1});
  GenerationJob endless = job("Once upon a time", 5, -1);
  endless.sampling.logit_bias.emplace_back(tokenizer_->eos_id(), -INFINITY);
  auto running = s->submit(endless);
  GeneratedPiece piece;
  bool timed_out = false;
  ASSERT_TRUE(running->next(piece, 10000ms, &timed_out));  // admitted into the only slot
  auto queued = s->submit(job("Once", 1, 2));
  try {
    s->submit(job("Once", 1, 2));
    ADD_FAILURE() << "a full queue accepted a request";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 429);
  }
  running->cancel();
  EXPECT_FALSE(wait(*queued).outcome.error.has_value());
}

TEST_F(SchedulerTest, StopFinishesEverythingWith503) {
  auto s = make({.n_slots = 1});
  GenerationJob endless = job("Once upon a time", 5, -1);
  endless.sampling.logit_bias.emplace_back(tokenizer_->eos_id(), -INFINITY);
  auto running = s->submit(endless);
  auto queued = s->submit(job("Once", 1, 2));
  s->stop();
  for (auto* c : {running.get(), queued.get()}) {
    Finished f = wait(*c);
    ASSERT_TRUE(f.outcome.error.has_value());
    EXPECT_EQ(f.outcome.error->status(), 503);
  }
  EXPECT_THROW(s->submit(job("Once", 1, 2)), ApiError);
}

}  // namespace
}  // namespace ruvllm::server
