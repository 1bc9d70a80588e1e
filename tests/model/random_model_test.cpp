#include "model/random_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <unordered_set>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "kernels/dequantize.h"

using namespace ruvllm;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ruvllm-test-" + name)).string();
}

}  // namespace

TEST(RandomModel, SmolLM2ShapeQ8_0) {
  const std::string path = temp_path("smollm2-q8_0.gguf");
  RandomModelOptions o;
  o.type = GgmlType::Q8_0;
  o.seed = 3;
  const ModelShape& s = find_model_shape("smollm2-135m");
  write_random_model(s, o, path);
  auto f = gguf::GgufFile::open(path);
  EXPECT_EQ(f->get_string("general.architecture"), "llama");
  EXPECT_EQ(f->get_int("llama.embedding_length"), 576);
  EXPECT_EQ(f->get_int("llama.block_count"), 30);
  EXPECT_EQ(f->get_int("llama.attention.head_count_kv"), 3);
  EXPECT_EQ(f->tensors().size(), 2u + 30u * 9u);  // tied: no output.weight
  EXPECT_EQ(f->tensor("output.weight"), nullptr);
  const auto* q = f->tensor("blk.7.attn_k.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, GgmlType::Q8_0);
  EXPECT_EQ(q->dims, (std::vector<int64_t>{576, 192}));
  EXPECT_EQ(f->tensor("blk.7.attn_norm.weight")->type, GgmlType::F32);

  // Weights have the intended spread; norms are ones.
  std::vector<float> row(576);
  kernels::dequantize_row(q->type, q->data, row.data(), 576);
  double ss = 0;
  for (float x : row) ss += double(x) * x;
  EXPECT_NEAR(std::sqrt(ss / 576), 0.02, 0.004);
  const auto* norm = f->tensor("output_norm.weight");
  EXPECT_EQ(reinterpret_cast<const float*>(norm->data)[100], 1.0f);

  // The synthetic vocabulary has the shape's size and every merge yields a token.
  auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  auto merges = f->get_string_array("tokenizer.ggml.merges");
  ASSERT_TRUE(tokens && merges);
  EXPECT_EQ(int64_t(tokens->size()), s.n_vocab);
  std::unordered_set<std::string_view> vocab(tokens->begin(), tokens->end());
  EXPECT_EQ(vocab.size(), tokens->size());
  for (const auto& m : *merges) {
    const auto sp = m.find(' ');
    ASSERT_NE(sp, std::string_view::npos);
    std::string joined = std::string(m.substr(0, sp)) + std::string(m.substr(sp + 1));
    ASSERT_TRUE(vocab.count(joined)) << m;
  }
  std::filesystem::remove(path);
}

TEST(RandomModel, SameSeedSameBytes) {
  const std::string a = temp_path("seed-a.gguf"), b = temp_path("seed-b.gguf");
  RandomModelOptions o;
  o.type = GgmlType::Q8_0;
  ModelShape s = find_model_shape("smollm2-135m");
  s.n_layer = 2;
  s.n_vocab = 1024;
  write_random_model(s, o, a);
  write_random_model(s, o, b);
  auto fa = gguf::GgufFile::open(a), fb = gguf::GgufFile::open(b);
  ASSERT_EQ(fa->file_size(), fb->file_size());
  const auto* ta = fa->tensor("blk.1.ffn_up.weight");
  const auto* tb = fb->tensor("blk.1.ffn_up.weight");
  EXPECT_EQ(std::memcmp(ta->data, tb->data, ta->n_bytes), 0);
  o.seed = 2;
  write_random_model(s, o, b);
  fb = gguf::GgufFile::open(b);
  EXPECT_NE(std::memcmp(ta->data, fb->tensor("blk.1.ffn_up.weight")->data, ta->n_bytes), 0);
  std::filesystem::remove(a);
  std::filesystem::remove(b);
}

TEST(RandomModel, Lfm2LayoutAndLlama3RopeFactors) {
  const std::string path = temp_path("lfm2.gguf");
  ModelShape s = find_model_shape("lfm2-350m");
  s.n_vocab = 1024;  // keep the test small; the layout is what matters
  RandomModelOptions o;
  o.type = GgmlType::Q8_0;
  write_random_model(s, o, path);
  auto f = gguf::GgufFile::open(path);
  EXPECT_EQ(f->get_int_array("lfm2.attention.head_count_kv"),
            (std::vector<int64_t>{0, 0, 8, 0, 0, 8, 0, 0, 8, 0, 8, 0, 8, 0, 8, 0}));
  EXPECT_NE(f->tensor("blk.0.shortconv.conv.weight"), nullptr);
  EXPECT_EQ(f->tensor("blk.0.attn_q.weight"), nullptr);
  EXPECT_NE(f->tensor("blk.2.attn_q_norm.weight"), nullptr);
  EXPECT_NE(f->tensor("token_embd_norm.weight"), nullptr);

  ModelShape l = find_model_shape("llama-3.2-1b");
  l.n_layer = 1;
  l.n_vocab = 1024;
  write_random_model(l, o, path);
  f = gguf::GgufFile::open(path);
  const auto* rf = f->tensor("rope_freqs.weight");
  ASSERT_NE(rf, nullptr);
  ASSERT_EQ(rf->n_elements, 32);
  const float* fac = reinterpret_cast<const float*>(rf->data);
  EXPECT_FLOAT_EQ(fac[0], 1.0f);    // high frequencies unscaled
  EXPECT_FLOAT_EQ(fac[31], 32.0f);  // low frequencies divided by the factor
  std::filesystem::remove(path);
}

TEST(RandomModel, UnknownShapeListsKnownOnes) {
  try {
    find_model_shape("gpt-5");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("smollm2-135m"), std::string::npos);
  }
}
