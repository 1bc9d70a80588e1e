#include "runtime/session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "model/model.h"
#include "support/golden.h"

namespace ruvllm {
namespace {

const std::vector<int32_t> kTokens = {1, 403, 407, 261, 378, 432, 261, 376, 352, 414, 430, 309};

std::shared_ptr<const Model> stories() {
  return Model::load(test::golden("models/stories260Ktok512.gguf").string());
}

double max_abs_diff(std::span<const float> a, std::span<const float> b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
  return m;
}

TEST(Session, DefaultContextIsTheModelsCappedAt4096) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  auto model = stories();
  Session session(model, {}, nullptr);
  EXPECT_EQ(session.n_ctx(), 128);  // stories260K was trained with 128
  ModelConfig big;
  big.n_ctx_train = 131072;
  EXPECT_EQ(default_context_size(big, 0), 4096);
  EXPECT_EQ(default_context_size(big, 100), 100);
}

TEST(Session, ContextOverflowThrowsAndLeavesTheSessionUnchanged) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Session session(stories(), SessionParams{.n_ctx = 8}, nullptr);
  session.eval(std::span(kTokens).first(6));
  EXPECT_THROW(session.eval(std::span(kTokens).subspan(6, 3)), ContextFullError);
  EXPECT_EQ(session.n_past(), 6);
  session.eval(std::span(kTokens).subspan(6, 2));
  EXPECT_EQ(session.n_past(), 8);
  EXPECT_THROW(session.eval(std::span(kTokens).first(1)), ContextFullError);
}

TEST(Session, InvalidTokenIsAnError) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Session session(stories(), {}, nullptr);
  const int32_t bad[] = {512};
  EXPECT_THROW(session.eval(bad), Error);
  const int32_t negative[] = {-1};
  EXPECT_THROW(session.eval(negative), Error);
}

TEST(Session, ChunkedPromptEqualsOneBatch) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  auto model = stories();
  Session whole(model, {}, nullptr);
  auto a = whole.eval(kTokens, true);
  std::vector<float> all(a.begin(), a.end());
  Session chunked(model, SessionParams{.max_batch = 5}, nullptr);
  auto b = chunked.eval(kTokens, true);
  ASSERT_EQ(b.size(), all.size());
  EXPECT_LT(max_abs_diff(all, b), 1e-4);
}

TEST(Session, TruncateThenReevaluateGivesTheSameLogits) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  Session session(stories(), {}, nullptr);
  auto first = session.eval(kTokens);
  std::vector<float> expected(first.begin(), first.end());
  session.truncate(5);
  EXPECT_EQ(session.n_past(), 5);
  EXPECT_EQ(session.tokens().size(), 5u);
  auto again = session.eval(std::span(kTokens).subspan(5));
  EXPECT_LT(max_abs_diff(expected, again), 1e-4);
  EXPECT_THROW(session.truncate(100), Error);
}

TEST(Session, F32CacheAgreesWithF16Cache) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  auto model = stories();
  Session f16(model, {}, nullptr);
  Session f32(model, SessionParams{.kv_type = GgmlType::F32}, nullptr);
  auto a = f16.eval(kTokens);
  std::vector<float> la(a.begin(), a.end());
  auto lb = f32.eval(kTokens);
  EXPECT_LT(max_abs_diff(la, lb), 0.05);
  EXPECT_GT(f16.cache().bytes(), 0u);
  EXPECT_EQ(f32.cache().bytes(), 2 * f16.cache().bytes());
}

TEST(Session, RecurrentStateCannotBeRewoundMidway) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-lfm2-f32.gguf"));
  Session session(Model::load(test::golden("models/tiny-lfm2-f32.gguf").string()), {}, nullptr);
  auto first = session.eval(kTokens);
  std::vector<float> expected(first.begin(), first.end());
  EXPECT_THROW(session.truncate(4), Error);
  session.truncate(0);
  auto again = session.eval(kTokens);
  EXPECT_LT(max_abs_diff(expected, again), 1e-5);
}

}  // namespace
}  // namespace ruvllm

namespace ruvllm {
namespace {

// Several sequences in one forward pass give each the logits it gets alone.
void check_batch_matches_alone(const std::string& model_name) {
  auto model = Model::load(test::golden("models/" + model_name + ".gguf").string());
  const std::vector<int32_t> a = {1, 403, 407, 261, 378, 432};
  const std::vector<int32_t> b = {1, 376, 352, 414};
  const std::vector<int32_t> c = {1, 309, 395, 368, 302, 416, 422};
  std::vector<std::vector<float>> expected;
  for (const auto* seq : {&a, &b, &c}) {
    Session alone(model, {}, nullptr);
    alone.eval(std::span(*seq).first(seq->size() - 1));
    auto l = alone.eval(std::span(*seq).last(1));
    expected.emplace_back(l.begin(), l.end());
  }
  // The largest context hosts the pass; its batch limit of 4 forces prompts to be split.
  Session sa(model, SessionParams{.n_ctx = 64}, nullptr),
      sb(model, SessionParams{.n_ctx = 32}, nullptr),
      sc(model, SessionParams{.n_ctx = 128, .max_batch = 4}, nullptr);
  // Prompts (minus their last token) together, with a batch limit that forces splitting...
  Session::BatchItem prompts[] = {{&sa, std::span(a).first(a.size() - 1)},
                                  {&sb, std::span(b).first(b.size() - 1)},
                                  {&sc, std::span(c).first(c.size() - 1)}};
  Session::eval_batch(prompts);
  // ...then one decode token each in one pass.
  Session::BatchItem step[] = {
      {&sa, std::span(a).last(1)}, {&sb, std::span(b).last(1)}, {&sc, std::span(c).last(1)}};
  Session::eval_batch(step);
  Session* sessions[] = {&sa, &sb, &sc};
  for (int i = 0; i < 3; ++i) {
    const size_t len = i == 0 ? a.size() : i == 1 ? b.size() : c.size();
    EXPECT_EQ(sessions[i]->n_past(), int64_t(len));
    EXPECT_LT(max_abs_diff(expected[size_t(i)], sessions[i]->last_logits()), 1e-4) << i;
  }
}

TEST(SessionBatch, SequencesBatchedTogetherMatchEvaluationAlone) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-f32.gguf"));
  check_batch_matches_alone("tiny-llama-f32");
}

TEST(SessionBatch, RecurrentAndSlidingWindowModelsBatchToo) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-lfm2-f32.gguf"));
  check_batch_matches_alone("tiny-lfm2-f32");
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-gemma2-f16.gguf"));
  check_batch_matches_alone("tiny-gemma2-f16");
}

TEST(SessionBatch, RejectsFullContextsAndRepeatedSessions) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  auto model = stories();
  Session a(model, SessionParams{.n_ctx = 4}, nullptr), b(model, {}, nullptr);
  Session::BatchItem too_long[] = {{&b, std::span(kTokens).first(2)},
                                   {&a, std::span(kTokens).first(5)}};
  EXPECT_THROW(Session::eval_batch(too_long), ContextFullError);
  EXPECT_EQ(b.n_past(), 0);  // nothing evaluated
  Session::BatchItem twice[] = {{&b, std::span(kTokens).first(1)},
                                {&b, std::span(kTokens).first(1)}};
  EXPECT_THROW(Session::eval_batch(twice), Error);
}

}  // namespace
}  // namespace ruvllm
