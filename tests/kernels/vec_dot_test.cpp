// Dot products: the scalar reference against a double-precision dot of the dequantized operands,
// and every SIMD kernel against the scalar reference.
#include "kernels/vec_dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/half.h"
#include "kernel_test_util.h"
#include "kernels/dequantize.h"
#include "kernels/quant_blocks.h"
#include "kernels/quantize.h"

namespace ruvllm::kernels {
namespace {

struct Operands {
  std::vector<uint8_t> w;
  std::vector<uint8_t> x;  // activations converted to vec_dot_type
  double exact = 0;        // double dot of the dequantized operands
  double magnitude = 0;    // sum of |w_i x_i|
};

Operands make_operands(GgmlType type, int64_t n, std::mt19937& rng) {
  Operands o;
  o.w = test::random_rows(type, 1, n, rng);
  const GgmlType act = vec_dot_type(type);
  const auto xf = test::random_floats(n, rng);
  o.x.resize(ggml_row_size(act, n));
  quantize_row(act, xf.data(), o.x.data(), n);
  std::vector<float> wd(static_cast<size_t>(n)), xd(static_cast<size_t>(n));
  dequantize_row(type, o.w.data(), wd.data(), n);
  dequantize_row(act, o.x.data(), xd.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    o.exact += double(wd[size_t(i)]) * xd[size_t(i)];
    o.magnitude += std::fabs(double(wd[size_t(i)]) * xd[size_t(i)]);
  }
  if (act == GgmlType::Q8_1) {
    // Q4_1 / Q5_1 apply their min through Q8_1's s = fp16(d * sum(q)), which is rounded: use
    // the stored s, as the format defines the product.
    const auto* xb = reinterpret_cast<const BlockQ8_1*>(o.x.data());
    const size_t w_block = ggml_traits(type).type_size;
    for (int64_t b = 0; b < n / kBlock; ++b) {
      uint16_t m_bits;
      std::memcpy(&m_bits, o.w.data() + size_t(b) * w_block + 2, 2);
      int qsum = 0;
      for (int j = 0; j < kBlock; ++j) qsum += xb[b].qs[j];
      const double m = fp16_to_fp32(m_bits), d = fp16_to_fp32(xb[b].d);
      o.exact += m * (double(fp16_to_fp32(xb[b].s)) - d * qsum);
    }
  }
  return o;
}

class VecDot : public ::testing::TestWithParam<GgmlType> {
 protected:
  void TearDown() override { set_isa_cap(IsaLevel::Avx512); }
};

TEST_P(VecDot, ReferenceMatchesDequantizedDot) {
  std::mt19937 rng(1234);
  for (int64_t n : {256, 512, 2048, 4096}) {
    for (int rep = 0; rep < 4; ++rep) {
      const auto o = make_operands(GetParam(), n, rng);
      const float got = vec_dot_reference(GetParam(), n, o.w.data(), o.x.data());
      // Only float rounding of per-block scales separates the two.
      EXPECT_NEAR(got, o.exact, 2e-6 * o.magnitude + 1e-30) << "n=" << n;
    }
  }
}

TEST_P(VecDot, BestIsaMatchesReference) {
  if (isa_level() == IsaLevel::Scalar) GTEST_SKIP() << "no SIMD level on this CPU (or capped)";
  std::mt19937 rng(99);
  for (int64_t n : {256, 768, 1536, 4096, 11008 / 256 * 256}) {
    for (int rep = 0; rep < 6; ++rep) {
      const auto o = make_operands(GetParam(), n, rng);
      const float ref = vec_dot_reference(GetParam(), n, o.w.data(), o.x.data());
      const float got = vec_dot(GetParam(), n, o.w.data(), o.x.data());
      EXPECT_NEAR(got, ref, 2e-6 * o.magnitude + 1e-30) << "n=" << n;
    }
  }
}

// Each SIMD level this CPU has, not only the best: AVX-512 machines must still test AVX2.
TEST_P(VecDot, EveryIsaLevelMatchesReference) {
  int levels = 0;
  for (IsaLevel level : {IsaLevel::Avx2, IsaLevel::Avx512}) {
    set_isa_cap(level);
    if (isa_level() != level) continue;
    ++levels;
    std::mt19937 rng(2024);
    for (int64_t n : {256, 1024, 4096}) {
      const auto o = make_operands(GetParam(), n, rng);
      const float ref = vec_dot_reference(GetParam(), n, o.w.data(), o.x.data());
      EXPECT_NEAR(vec_dot(GetParam(), n, o.w.data(), o.x.data()), ref, 2e-6 * o.magnitude + 1e-30)
          << "n=" << n << " isa=" << isa_name(level);
    }
  }
  if (levels == 0) GTEST_SKIP() << "no SIMD level on this CPU";
}

// Rows whose block count is not a multiple of the kernels' step (2 or 4 blocks): every tail.
// Rows of the 32-element block types whose block count is not a multiple of the kernels' step.
class VecDotTails : public VecDot {};

TEST_P(VecDotTails, BlockCountTailsMatchReference) {
  int levels = 0;
  for (IsaLevel level : {IsaLevel::Avx2, IsaLevel::Avx512}) {
    set_isa_cap(level);
    if (isa_level() != level) continue;
    ++levels;
    std::mt19937 rng(31);
    for (int64_t n : {32, 64, 96, 160, 544, 576, 608}) {
      const auto o = make_operands(GetParam(), n, rng);
      const float ref = vec_dot_reference(GetParam(), n, o.w.data(), o.x.data());
      EXPECT_NEAR(vec_dot(GetParam(), n, o.w.data(), o.x.data()), ref, 2e-6 * o.magnitude + 1e-30)
          << "n=" << n << " isa=" << isa_name(level);
    }
  }
  if (levels == 0) GTEST_SKIP() << "no SIMD level on this CPU";
}

TEST_P(VecDot, ScalarCapUsesReference) {
  std::mt19937 rng(7);
  const auto o = make_operands(GetParam(), 1024, rng);
  set_isa_cap(IsaLevel::Scalar);
  EXPECT_EQ(vec_dot(GetParam(), 1024, o.w.data(), o.x.data()),
            vec_dot_reference(GetParam(), 1024, o.w.data(), o.x.data()));
}

INSTANTIATE_TEST_SUITE_P(Types, VecDot, ::testing::ValuesIn(test::weight_types()),
                         [](const auto& info) { return test::type_label(info.param); });
INSTANTIATE_TEST_SUITE_P(Types, VecDotTails, ::testing::ValuesIn(test::block32_weight_types()),
                         [](const auto& info) { return test::type_label(info.param); });

TEST(VecDotType, PairsAsLlamaCpp) {
  EXPECT_EQ(vec_dot_type(GgmlType::Q4_0), GgmlType::Q8_0);
  EXPECT_EQ(vec_dot_type(GgmlType::Q5_0), GgmlType::Q8_0);
  EXPECT_EQ(vec_dot_type(GgmlType::IQ4_NL), GgmlType::Q8_0);
  EXPECT_EQ(vec_dot_type(GgmlType::Q4_1), GgmlType::Q8_1);
  EXPECT_EQ(vec_dot_type(GgmlType::Q5_1), GgmlType::Q8_1);
  EXPECT_EQ(vec_dot_type(GgmlType::Q2_K), GgmlType::Q8_K);
  EXPECT_EQ(vec_dot_type(GgmlType::Q6_K), GgmlType::Q8_K);
  EXPECT_EQ(vec_dot_type(GgmlType::IQ4_XS), GgmlType::Q8_K);
  EXPECT_EQ(vec_dot_type(GgmlType::F16), GgmlType::F16);
  EXPECT_EQ(vec_dot_type(GgmlType::BF16), GgmlType::BF16);
  EXPECT_THROW(vec_dot_type(GgmlType::IQ2_XXS), UnsupportedError);
  EXPECT_FALSE(can_vec_dot(GgmlType::IQ2_XXS));
}

}  // namespace
}  // namespace ruvllm::kernels
