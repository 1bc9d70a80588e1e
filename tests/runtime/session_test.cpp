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
