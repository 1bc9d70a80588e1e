// Quantizers: error bounds of quantize -> dequantize on Gaussian data, exact round trips of
// representable values, and the properties of the activation formats.
#include "kernels/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "kernel_test_util.h"
#include "kernels/dequantize.h"
#include "kernels/quant_blocks.h"

namespace ruvllm::kernels {
namespace {

struct Bound {
  GgmlType type;
  double max_rel_rmse;  // RMSE / std of the data, for N(0, 1) rows
};

// Measured on N(0, 1) data: 0.0054 (Q8_0), 0.018 (Q6_K), 0.036-0.043 (5 bit), 0.072-0.086
// (4 bit), 0.15 (Q3_K), 0.30 (Q2_K); the bounds leave ~25% headroom. A layout or scale bug
// gives errors near 1.
const Bound kBounds[] = {
    {GgmlType::Q8_0, 0.007},   {GgmlType::Q8_K, 0.009}, {GgmlType::Q6_K, 0.025},
    {GgmlType::Q5_0, 0.055},   {GgmlType::Q5_1, 0.05},  {GgmlType::Q5_K, 0.045},
    {GgmlType::Q4_0, 0.11},    {GgmlType::Q4_1, 0.1},   {GgmlType::Q4_K, 0.09},
    {GgmlType::Q3_K, 0.19},    {GgmlType::Q2_K, 0.37},  {GgmlType::F16, 0.0003},
    {GgmlType::BF16, 0.0021},  {GgmlType::Q8_1, 0.007}, {GgmlType::IQ4_NL, 0.095},
    {GgmlType::IQ4_XS, 0.095},
};

class QuantizeBound : public ::testing::TestWithParam<Bound> {};

TEST_P(QuantizeBound, RoundTripErrorWithinBound) {
  const GgmlType type = GetParam().type;
  std::mt19937 rng(17);
  std::normal_distribution<float> normal(0.f, 1.f);
  const int64_t n = 4096;
  std::vector<float> x(n), y(n);
  for (auto& v : x) v = normal(rng);
  std::vector<uint8_t> q(ggml_row_size(type, n));
  quantize_row(type, x.data(), q.data(), n);
  dequantize_row(type, q.data(), y.data(), n);
  double err = 0, var = 0;
  for (int64_t i = 0; i < n; ++i) {
    err += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
    var += double(x[i]) * x[i];
  }
  const double rel = std::sqrt(err / var);
  EXPECT_LT(rel, GetParam().max_rel_rmse) << ggml_type_name(type);
  EXPECT_GT(rel, 0.0) << "quantization cannot be lossless on Gaussian data";
  RecordProperty("rel_rmse", std::to_string(rel));
}

TEST_P(QuantizeBound, ZerosStayZero) {
  const GgmlType type = GetParam().type;
  std::vector<float> x(512, 0.f), y(512, 1.f);
  std::vector<uint8_t> q(ggml_row_size(type, 512));
  quantize_row(type, x.data(), q.data(), 512);
  dequantize_row(type, q.data(), y.data(), 512);
  for (float v : y) EXPECT_EQ(v, 0.f);
}

INSTANTIATE_TEST_SUITE_P(Types, QuantizeBound, ::testing::ValuesIn(kBounds),
                         [](const auto& info) { return test::type_label(info.param.type); });

// Values on a type's grid (integer levels times an F16-exact scale) survive unchanged.
TEST(QuantizeExact, RepresentableValuesRoundTrip) {
  std::mt19937 rng(5);
  const float d = 0.03125f;  // exact in F16
  struct Case {
    GgmlType type;
    int lo, hi;  // levels, the extreme one pinned so the quantizer picks the same scale
  };
  for (const Case c : {Case{GgmlType::Q8_0, -127, 127}, Case{GgmlType::Q4_0, -8, 7},
                       Case{GgmlType::Q5_0, -16, 15}}) {
    std::vector<float> x(256), y(256);
    std::uniform_int_distribution<int> pick(c.lo, c.hi);
    for (size_t i = 0; i < x.size(); ++i) {
      const int l = (i % 32 == 0) ? (c.type == GgmlType::Q8_0 ? 127 : c.lo) : pick(rng);
      x[i] = float(l) * d;
    }
    std::vector<uint8_t> q(ggml_row_size(c.type, 256));
    quantize_row(c.type, x.data(), q.data(), 256);
    dequantize_row(c.type, q.data(), y.data(), 256);
    EXPECT_EQ(x, y) << ggml_type_name(c.type);
  }
  // Affine types: min and max pinned at levels 0 and 15 / 31.
  for (const auto [type, top] : {std::pair{GgmlType::Q4_1, 15}, std::pair{GgmlType::Q5_1, 31}}) {
    std::vector<float> x(64), y(64);
    std::uniform_int_distribution<int> pick(0, top);
    for (size_t i = 0; i < x.size(); ++i) {
      const int l = i % 32 == 0 ? 0 : i % 32 == 1 ? top : pick(rng);
      x[i] = -1.0f + float(l) * d;
    }
    std::vector<uint8_t> q(ggml_row_size(type, 64));
    quantize_row(type, x.data(), q.data(), 64);
    dequantize_row(type, q.data(), y.data(), 64);
    EXPECT_EQ(x, y) << ggml_type_name(type);
  }
}

TEST(QuantizeActivations, Q8_KMapsLargestMagnitudeToMinus127AndSumsGroups) {
  std::mt19937 rng(8);
  auto x = test::random_floats(512, rng);
  x[300] = -50.f;  // the largest magnitude of the second block
  std::vector<BlockQ8_K> q(2);
  quantize_row(GgmlType::Q8_K, x.data(), q.data(), 512);
  EXPECT_EQ(q[1].qs[300 - 256], -127);
  EXPECT_FLOAT_EQ(q[1].d, 50.f / 127.f);
  for (const auto& b : q)
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += b.qs[16 * g + l];
      EXPECT_EQ(b.bsums[g], sum);
    }
}

TEST(QuantizeActivations, Q8_0RoundsHalfAwayFromZero) {
  // amax 127 makes the scale exactly 1, so the values below are the rounding inputs.
  std::vector<float> x(32, 0.f);
  const float in[] = {127.f, 2.5f, -2.5f, 0.5f, -0.5f, 1.4999999f, -1.4999999f, 126.5f};
  const int expect[] = {127, 3, -3, 1, -1, 1, -1, 127};
  std::copy(std::begin(in), std::end(in), x.begin());
  BlockQ8_0 q;
  quantize_row(GgmlType::Q8_0, x.data(), &q, 32);
  EXPECT_EQ(fp16_to_fp32(q.d), 1.0f);
  for (size_t i = 0; i < std::size(expect); ++i) EXPECT_EQ(q.qs[i], expect[i]) << in[i];
}

TEST(QuantizeActivations, Q8_1StoresScaledSum) {
  std::mt19937 rng(9);
  const auto x = test::random_floats(64, rng);
  std::vector<BlockQ8_1> q(2);
  quantize_row(GgmlType::Q8_1, x.data(), q.data(), 64);
  for (const auto& b : q) {
    int sum = 0;
    for (int j = 0; j < 32; ++j) sum += b.qs[j];
    EXPECT_NEAR(fp16_to_fp32(b.s), float(sum) * fp16_to_fp32(b.d),
                std::fabs(float(sum) * fp16_to_fp32(b.d)) * 1e-3 + 1e-6);
  }
}

TEST(QuantizeErrors, RejectsUnsupportedTypesAndPartialBlocks) {
  std::vector<float> x(256);
  std::vector<uint8_t> q(1024);
  EXPECT_FALSE(can_quantize(GgmlType::IQ2_XXS));
  EXPECT_THROW(quantize_row(GgmlType::IQ2_XXS, x.data(), q.data(), 256), UnsupportedError);
  EXPECT_THROW(quantize_row(GgmlType::Q4_K, x.data(), q.data(), 128), Error);
}

}  // namespace
}  // namespace ruvllm::kernels
