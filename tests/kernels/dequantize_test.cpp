// Dequantization: hand-built blocks with known values, and llama.cpp-quantized golden models
// compared with the F32 model they were made from.
#include "kernels/dequantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "gguf/gguf_file.h"
#include "kernels/quant_blocks.h"
#include "support/golden.h"

namespace ruvllm::kernels {
namespace {

TEST(Dequantize, Q4_0KnownBlock) {
  BlockQ4_0 b{};
  b.d = fp32_to_fp16(0.5f);
  for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | ((15 - j) << 4));
  float y[32];
  dequantize_row(GgmlType::Q4_0, &b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], (j - 8) * 0.5f) << j;
    EXPECT_EQ(y[j + 16], (7 - j) * 0.5f) << j;
  }
}

TEST(Dequantize, Q4_1KnownBlock) {
  BlockQ4_1 b{};
  b.d = fp32_to_fp16(0.25f);
  b.m = fp32_to_fp16(-1.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | (3 << 4));
  float y[32];
  dequantize_row(GgmlType::Q4_1, &b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], j * 0.25f - 1.0f);
    EXPECT_EQ(y[j + 16], 3 * 0.25f - 1.0f);
  }
}

TEST(Dequantize, Q5_0HighBitsComeFromQh) {
  BlockQ5_0 b{};
  b.d = fp32_to_fp16(1.0f);
  std::memset(b.qs, 0, sizeof(b.qs));
  const uint32_t qh = (1u << 3) | (1u << 20);  // element 3 and element 20 (= 16 + 4)
  std::memcpy(b.qh, &qh, 4);
  float y[32];
  dequantize_row(GgmlType::Q5_0, &b, y, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], (j == 3 || j == 20) ? 0.0f : -16.0f) << j;
}

TEST(Dequantize, Q8_0AndIq4Nl) {
  BlockQ8_0 q{};
  q.d = fp32_to_fp16(2.0f);
  for (int j = 0; j < 32; ++j) q.qs[j] = int8_t(j - 16);
  float y[32];
  dequantize_row(GgmlType::Q8_0, &q, y, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 2.0f * (j - 16));

  BlockIq4Nl nl{};
  nl.d = fp32_to_fp16(1.0f);
  for (int j = 0; j < 16; ++j) nl.qs[j] = uint8_t(j | ((15 - j) << 4));
  dequantize_row(GgmlType::IQ4_NL, &nl, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], float(kIq4nlValues[j]));
    EXPECT_EQ(y[j + 16], float(kIq4nlValues[15 - j]));
  }
}

TEST(Dequantize, Q4_KScalesAndMins) {
  BlockQ4_K b{};
  b.d = fp32_to_fp16(1.0f);
  b.dmin = fp32_to_fp16(0.5f);
  // Sub-block j gets scale j + 1 and min 2 j; sub-blocks 4-7 need the split 6-bit encoding.
  for (int j = 0; j < 8; ++j) {
    const int sc = j + 1 + (j >= 4 ? 40 : 0), m = 2 * j + (j >= 4 ? 33 : 0);
    if (j < 4) {
      b.scales[j] = uint8_t(sc);
      b.scales[j + 4] = uint8_t(m);
    } else {
      b.scales[j + 4] = uint8_t((sc & 0xF) | ((m & 0xF) << 4));
      b.scales[j - 4] |= uint8_t((sc >> 4) << 6);
      b.scales[j] |= uint8_t((m >> 4) << 6);
    }
  }
  for (int l = 0; l < 128; ++l) b.qs[l] = uint8_t(1 | (2 << 4));
  std::vector<float> y(256);
  dequantize_row(GgmlType::Q4_K, &b, y.data(), 256);
  for (int e = 0; e < 256; ++e) {
    const int j = e / 32;
    const int sc = j + 1 + (j >= 4 ? 40 : 0), m = 2 * j + (j >= 4 ? 33 : 0);
    const int q = (e % 64) < 32 ? 1 : 2;
    EXPECT_EQ(y[size_t(e)], float(sc) * float(q) - 0.5f * float(m)) << e;
  }
}

TEST(Dequantize, RejectsUnsupportedTypesAndPartialBlocks) {
  EXPECT_FALSE(can_dequantize(GgmlType::IQ2_XXS));
  EXPECT_TRUE(can_dequantize(GgmlType::Q6_K));
  std::vector<uint8_t> src(1024);
  std::vector<float> dst(256);
  EXPECT_THROW(dequantize_row(GgmlType::IQ2_XXS, src.data(), dst.data(), 256), UnsupportedError);
  EXPECT_THROW(dequantize_row(GgmlType::Q4_K, src.data(), dst.data(), 100), Error);
}

// A golden model quantized by llama.cpp, dequantized, against the F32 weights it came from.
struct GoldenCase {
  const char* file;
  double max_rel_rmse;  // worst tensor's RMSE / std of the original weights
};

class GoldenDequantize : public ::testing::TestWithParam<GoldenCase> {};

double rel_rmse(const float* a, const float* ref, int64_t n) {
  double err = 0, sum = 0, sum2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    err += (double(a[i]) - ref[i]) * (double(a[i]) - ref[i]);
    sum += ref[i];
    sum2 += double(ref[i]) * ref[i];
  }
  const double var = sum2 / double(n) - (sum / double(n)) * (sum / double(n));
  return std::sqrt(err / double(n) / var);
}

TEST_P(GoldenDequantize, CloseToF32Original) {
  const auto path = test::golden(std::string("models/") + GetParam().file);
  const auto ref_path = test::golden("models/tiny-llama-f32.gguf");
  RUVLLM_REQUIRE_GOLDEN(path);
  RUVLLM_REQUIRE_GOLDEN(ref_path);
  const auto q = gguf::GgufFile::open(path.string());
  const auto ref = gguf::GgufFile::open(ref_path.string());
  int checked = 0;
  double worst = 0;
  for (const auto& t : q->tensors()) {
    const auto* r = ref->tensor(t.name);
    ASSERT_NE(r, nullptr) << t.name;
    ASSERT_EQ(r->type, GgmlType::F32);
    if (t.type == GgmlType::F32) continue;
    std::vector<float> y(size_t(t.n_elements));
    for (int64_t row = 0; row < t.n_rows(); ++row)
      dequantize_row(t.type, t.data + size_t(row) * t.row_bytes(), y.data() + row * t.dims[0],
                     t.dims[0]);
    const double e = rel_rmse(y.data(), reinterpret_cast<const float*>(r->data), t.n_elements);
    EXPECT_LT(e, GetParam().max_rel_rmse) << t.name << " " << ggml_type_name(t.type);
    worst = std::max(worst, e);
    ++checked;
  }
  EXPECT_GT(checked, 0);
  RecordProperty("worst_rel_rmse", std::to_string(worst));
}

// Bounds sit a little above what each format's resolution allows; a wrong layout gives ~1.4.
INSTANTIATE_TEST_SUITE_P(Models, GoldenDequantize,
                         ::testing::Values(GoldenCase{"tiny-llama-f16.gguf", 0.0005},
                                           GoldenCase{"tiny-llama-bf16.gguf", 0.003},
                                           GoldenCase{"tiny-llama-q8_0.gguf", 0.008},
                                           GoldenCase{"tiny-llama-q6_k.gguf", 0.03},
                                           GoldenCase{"tiny-llama-q5_0.gguf", 0.06},
                                           GoldenCase{"tiny-llama-q5_k_m.gguf", 0.05},
                                           GoldenCase{"tiny-llama-q4_0.gguf", 0.11},
                                           GoldenCase{"tiny-llama-q4_1.gguf", 0.1},
                                           GoldenCase{"tiny-llama-q4_k_m.gguf", 0.1},
                                           GoldenCase{"tiny-llama-q2_k.gguf", 0.4}),
                         [](const auto& info) {
                           std::string s = info.param.file;
                           s = s.substr(11, s.size() - 16);
                           for (auto& c : s)
                             if (c == '-' || c == '.') c = '_';
                           return s;
                         });

}  // namespace
}  // namespace ruvllm::kernels
