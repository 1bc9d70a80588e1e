#include "gguf/gguf_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/error.h"
#include "gguf/gguf_writer.h"
#include "support/golden.h"

using namespace ruvllm;
using namespace ruvllm::gguf;

namespace {

// A small file using every metadata type, nested arrays and several tensor types.
std::string sample_file() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", 2);
  w.set_i32("signed", -7);
  w.set_u64("big", 1ull << 40);
  w.set_f32("llama.rope.freq_base", 10000.0f);
  w.set_bool("flag", true);
  w.set_string_array("tokenizer.ggml.tokens", {"<s>", "</s>", "hello", ""});
  w.set_f32_array("tokenizer.ggml.scores", {0.f, -1.f, -2.5f, 3.f});
  w.set_i32_array("per_layer", {0, 8, 0, 8});
  Value nested;
  nested.type = ValueType::Array;
  nested.elem_type = ValueType::Array;
  for (int k = 0; k < 2; ++k) {
    Value inner;
    inner.type = ValueType::Array;
    inner.elem_type = ValueType::U16;
    for (int j = 0; j <= k; ++j) {
      Value e;
      e.type = ValueType::U16;
      e.u = uint64_t(100 + j);
      inner.array.push_back(e);
    }
    nested.array.push_back(inner);
  }
  w.set_value("nested", nested);
  std::string f32(4 * 8 * 4, '\0');
  for (size_t i = 0; i < f32.size(); ++i) f32[i] = char(i * 7);
  w.add_tensor("a.weight", GgmlType::F32, {8, 4}, f32);
  w.add_tensor("b.weight", GgmlType::Q8_0, {32, 3}, std::string(34 * 3, '\x11'));
  w.add_tensor("c.bias", GgmlType::F16, {5}, std::string(10, '\x22'));
  return w.to_bytes();
}

}  // namespace

TEST(GgufFile, WriterRoundTrip) {
  auto f = GgufFile::from_memory(sample_file());
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->get_string("general.architecture"), "llama");
  EXPECT_EQ(f->get_int("llama.block_count"), 2);
  EXPECT_EQ(f->get_int("signed"), -7);
  EXPECT_EQ(f->get_int("big"), int64_t(1) << 40);
  EXPECT_FLOAT_EQ(float(*f->get_float("llama.rope.freq_base")), 10000.0f);
  EXPECT_EQ(f->get_bool("flag"), true);
  auto toks = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(toks);
  ASSERT_EQ(toks->size(), 4u);
  EXPECT_EQ((*toks)[2], "hello");
  EXPECT_EQ((*toks)[3], "");
  auto scores = f->get_float_array("tokenizer.ggml.scores");
  ASSERT_TRUE(scores);
  EXPECT_FLOAT_EQ((*scores)[2], -2.5f);
  EXPECT_EQ(f->get_int_array("per_layer"), (std::vector<int64_t>{0, 8, 0, 8}));
  const Value* nested = f->find("nested");
  ASSERT_NE(nested, nullptr);
  ASSERT_EQ(nested->array.size(), 2u);
  EXPECT_EQ(nested->array[1].array[1].u, 101u);
  EXPECT_FALSE(f->get_string("missing"));
  EXPECT_THROW(f->get_string("llama.block_count"), FormatError);

  ASSERT_EQ(f->tensors().size(), 3u);
  const TensorInfo* a = f->tensor("a.weight");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dims, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(a->n_bytes, 128u);
  EXPECT_EQ(a->data[5], char(35));
  const TensorInfo* b = f->tensor("b.weight");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->type, GgmlType::Q8_0);
  EXPECT_EQ(b->n_bytes, 102u);
  EXPECT_EQ(b->row_bytes(), 34u);
  EXPECT_EQ(uint64_t(b->data - a->data) % 32, 0u);
}

TEST(GgufFile, RejectsEveryTruncation) {
  const std::string bytes = sample_file();
  // Cutting only the padding after the last tensor's bytes leaves a complete file.
  auto full = GgufFile::from_memory(bytes);
  uint64_t end = 0;
  for (const auto& t : full->tensors())
    end = std::max(end, full->data_offset() + t.offset + t.n_bytes);
  ASSERT_LT(end, bytes.size());
  for (size_t n = 0; n < end; ++n) {
    try {
      GgufFile::from_memory(bytes.substr(0, n));
      ADD_FAILURE() << "truncation at " << n << " of " << bytes.size() << " was accepted";
    } catch (const FormatError&) {
    }
  }
}

TEST(GgufFile, SurvivesRandomByteFlips) {
  const std::string bytes = sample_file();
  std::mt19937 rng(1234);
  int rejected = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string b = bytes;
    const int flips = 1 + int(rng() % 4);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] ^= char(1 + rng() % 255);
    try {
      auto f = GgufFile::from_memory(b);
      // Accepted files must still be internally consistent.
      for (const auto& t : f->tensors()) {
        ASSERT_LE(t.data + t.n_bytes, reinterpret_cast<const uint8_t*>(0) + uintptr_t(-1));
        ASSERT_LE(t.offset + t.n_bytes + f->data_offset(), f->file_size());
      }
    } catch (const FormatError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 1000);
}

TEST(GgufFile, RejectsAbsurdValues) {
  const std::string good = sample_file();
  auto patch = [&](size_t at, uint64_t v, size_t width) {
    std::string b = good;
    std::memcpy(b.data() + at, &v, width);
    return b;
  };
  // Tensor count and metadata count right after magic + version.
  EXPECT_THROW(GgufFile::from_memory(patch(8, ~0ull, 8)), FormatError);
  EXPECT_THROW(GgufFile::from_memory(patch(16, ~0ull >> 1, 8)), FormatError);
  // First key's length.
  EXPECT_THROW(GgufFile::from_memory(patch(24, 1ull << 62, 8)), FormatError);
  // Bad magic and versions.
  EXPECT_THROW(GgufFile::from_memory(patch(0, 0x12345678, 4)), FormatError);
  EXPECT_THROW(GgufFile::from_memory(patch(4, 1, 4)), FormatError);
  EXPECT_THROW(GgufFile::from_memory(patch(4, 99, 4)), FormatError);
  EXPECT_THROW(GgufFile::from_memory(""), FormatError);
}

TEST(GgufFile, RejectsDuplicatesAndBadTensors) {
  {
    GgufWriter w;
    w.add_tensor("x", GgmlType::F32, {2}, std::string(8, '\0'));
    w.add_tensor("x", GgmlType::F32, {2}, std::string(8, '\0'));
    EXPECT_THROW(GgufFile::from_memory(w.to_bytes()), FormatError);
  }
  {
    // A Q8_0 row of 16 elements is not a whole block.
    GgufWriter w;
    w.add_tensor("q", GgmlType::Q8_0, {32}, std::string(34, '\0'));
    std::string b = w.to_bytes();
    const size_t at = b.find("q") + 1 + 4;  // name, then n_dims
    uint64_t sixteen = 16;
    std::memcpy(b.data() + at, &sixteen, 8);
    EXPECT_THROW(GgufFile::from_memory(b), FormatError);
  }
  {
    GgufWriter w(32);
    w.set_u32("general.alignment", 3);
    EXPECT_THROW(GgufFile::from_memory(w.to_bytes()), FormatError);
  }
}

TEST(GgufFile, ReadsGoldenModel) {
  const auto path = ruvllm::test::golden("models/stories260Ktok512.gguf");
  RUVLLM_REQUIRE_GOLDEN(path);
  auto f = GgufFile::open(path.string());
  EXPECT_EQ(f->get_string("general.architecture"), "llama");
  auto toks = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(toks);
  EXPECT_EQ(toks->size(), 512u);
  const TensorInfo* emb = f->tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->dim(1), 512);
}

TEST(GgufFile, ReadsEveryGoldenModelAndVocab) {
  const auto dir = ruvllm::test::golden("models");
  RUVLLM_REQUIRE_GOLDEN(dir);
  int n = 0;
  for (const auto& sub : {"models", "tokenizer"}) {
    for (const auto& e : std::filesystem::directory_iterator(ruvllm::test::golden(sub))) {
      if (e.path().extension() != ".gguf") continue;
      SCOPED_TRACE(e.path().string());
      EXPECT_NO_THROW(GgufFile::open(e.path().string()));
      ++n;
    }
  }
  EXPECT_GT(n, 20);
}

TEST(GgufFile, OpenMissingFileFails) {
  EXPECT_THROW(GgufFile::open("/nonexistent/model.gguf"), Error);
}
