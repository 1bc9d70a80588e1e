// The SIMD activation conversions (Q8_0, Q8_K, F16) against the scalar ones, bit for bit: the
// matmul converts its input with the best instruction set, and the dot products' reference
// results assume the scalar conversion.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "kernel_test_util.h"
#include "kernels/quantize.h"

namespace ruvllm::kernels {
namespace {

class QuantizeSimd : public ::testing::TestWithParam<GgmlType> {
 protected:
  void TearDown() override { set_isa_cap(IsaLevel::Avx512); }

  // quantize_row's output at the best instruction set and with the scalar cap.
  std::pair<std::vector<uint8_t>, std::vector<uint8_t>> both(const std::vector<float>& x) {
    const GgmlType type = GetParam();
    const int64_t n = int64_t(x.size());
    std::vector<uint8_t> fast(ggml_row_size(type, n), 0xCD), slow(fast.size(), 0x5A);
    set_isa_cap(IsaLevel::Avx512);
    quantize_row(type, x.data(), fast.data(), n);
    set_isa_cap(IsaLevel::Scalar);
    quantize_row(type, x.data(), slow.data(), n);
    set_isa_cap(IsaLevel::Avx512);
    return {fast, slow};
  }
};

TEST_P(QuantizeSimd, MatchesScalarOnRandomRows) {
  if (isa_level() == IsaLevel::Scalar) GTEST_SKIP() << "no SIMD level on this CPU";
  std::mt19937 rng(11);
  for (float sigma : {1e-3f, 1.0f, 300.0f}) {
    const auto [fast, slow] = both(test::random_floats(2048, rng, sigma));
    EXPECT_EQ(fast, slow) << "sigma " << sigma;
  }
}

// Rounding ties, zero blocks, a block whose largest magnitude appears twice with both signs,
// and subnormal scales.
TEST_P(QuantizeSimd, MatchesScalarOnEdgeCases) {
  if (isa_level() == IsaLevel::Scalar) GTEST_SKIP() << "no SIMD level on this CPU";
  std::vector<float> x(1024, 0.f);
  for (int i = 256; i < 512; ++i) x[size_t(i)] = float(i % 41 - 20) * 0.5f;
  x[300] = -127.f;
  x[301] = 127.f;
  for (int i = 512; i < 768; ++i) x[size_t(i)] = float(i % 7) * 1e-9f;
  for (int i = 768; i < 1024; ++i) x[size_t(i)] = float(i % 255 - 127) + 0.5f;
  const auto [fast, slow] = both(x);
  EXPECT_EQ(fast, slow);
}

INSTANTIATE_TEST_SUITE_P(Types, QuantizeSimd,
                         ::testing::Values(GgmlType::Q8_0, GgmlType::Q8_K, GgmlType::F16),
                         [](const auto& info) { return test::type_label(info.param); });

}  // namespace
}  // namespace ruvllm::kernels
