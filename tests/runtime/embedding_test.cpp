// Hidden-state output and pooled embeddings: the hidden rows are exactly what the output head
// reads (they reproduce the logits and leave the cache as eval does), and pooled embeddings are
// normalised, deterministic and independent of how the input is split into batches.
#include "runtime/embedding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/matmul.h"
#include "model/model.h"
#include "support/golden.h"

namespace ruvllm {
namespace {

const std::vector<int32_t> kTokens = {1, 403, 407, 261, 378, 432, 261, 376, 352, 414, 430, 309};

std::shared_ptr<const Model> load(const char* rel) {
  return Model::load(test::golden(rel).string());
}

TEST(Embedding, HiddenRowsAreTheOutputHeadsInput) {
  for (const char* rel : {"models/stories260Ktok512.gguf", "models/tiny-llama-q8_0.gguf",
                          "models/tiny-qwen3-f32.gguf", "models/tiny-lfm2-f32.gguf"}) {
    SCOPED_TRACE(rel);
    RUVLLM_REQUIRE_GOLDEN(test::golden(rel));
    auto model = load(rel);
    const int64_t n = int64_t(kTokens.size()), E = model->config().n_embd,
                  V = model->config().n_vocab;
    ASSERT_EQ(model->config().final_softcap, 0.0f);
    Session a(model, {}, nullptr), b(model, {}, nullptr);
    const std::span<float> all = a.eval(kTokens, true);
    const std::vector<float> logits(all.begin(), all.end());

    std::vector<float> hidden(size_t(n * E));
    b.eval_hidden(kTokens, hidden.data());
    EXPECT_EQ(b.tokens(), kTokens);
    std::vector<float> head(size_t(n * V));
    kernels::matmul(model->weights().output, hidden.data(), n, head.data(), nullptr);
    EXPECT_EQ(head, logits);  // same rows through the same product: bit for bit

    // The cache holds the same keys and values: both continue alike.
    const int32_t next = 300;
    const std::span<float> la = a.eval(std::span(&next, 1));
    const std::vector<float> after_a(la.begin(), la.end());
    const std::span<float> lb = b.eval(std::span(&next, 1));
    EXPECT_EQ(std::vector<float>(lb.begin(), lb.end()), after_a);
  }
}

TEST(Embedding, PooledVectorsAreUnitLengthDeterministicAndBatchIndependent) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/tiny-llama-q8_0.gguf"));
  auto model = load("models/tiny-llama-q8_0.gguf");
  EXPECT_EQ(model_pooling(*model), Pooling::Mean);
  Session whole(model, {}, nullptr);
  Session chunked(model, SessionParams{.max_batch = 5}, nullptr);
  for (Pooling pooling : {Pooling::Mean, Pooling::First, Pooling::Last}) {
    const std::vector<float> e = embed_tokens(whole, kTokens, pooling);
    ASSERT_EQ(int64_t(e.size()), model->config().n_embd);
    double norm = 0;
    for (float v : e) norm += double(v) * v;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
    EXPECT_EQ(embed_tokens(whole, kTokens, pooling), e);  // the session was reset in between
    const std::vector<float> c = embed_tokens(chunked, kTokens, pooling);
    for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(c[i], e[i], 2e-4) << i;
  }
  const std::vector<float> mean = embed_tokens(whole, kTokens, Pooling::Mean);
  const std::vector<float> other = embed_tokens(whole, std::span(kTokens).first(6), Pooling::Mean);
  EXPECT_NE(mean, other);
  EXPECT_NE(embed_tokens(whole, kTokens, Pooling::Last), mean);
}

TEST(Embedding, InputsLongerThanTheContextAreRefused) {
  RUVLLM_REQUIRE_GOLDEN(test::golden("models/stories260Ktok512.gguf"));
  auto model = load("models/stories260Ktok512.gguf");
  Session session(model, SessionParams{.n_ctx = 8}, nullptr);
  EXPECT_THROW(embed_tokens(session, kTokens, Pooling::Mean), ContextFullError);
  EXPECT_THROW(embed_tokens(session, {}, Pooling::Mean), Error);
}

}  // namespace
}  // namespace ruvllm
