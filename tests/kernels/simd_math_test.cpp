// The AVX2 vector math against the standard library.
#include "kernels/simd_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/cpu_features.h"
#include "kernels/ops.h"

namespace ruvllm::kernels {
namespace {

TEST(SimdMath, ExpWithinTwoUlpOfStdExp) {
  if (isa_level() < IsaLevel::Avx2 || !cpu_features().fma) GTEST_SKIP() << "no AVX2/FMA";
  std::vector<float> x;
  for (float v = -87.3f; v <= 88.0f; v += 0.0137f) x.push_back(v);
  for (float v : {0.0f, -0.0f, -1e-8f, 1e-8f, -87.3f, 88.0f}) x.push_back(v);
  std::vector<float> e(x.size());
  avx2::exp_f32(x.data(), e.data(), int64_t(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = std::exp(x[i]);
    const float ulp = std::nextafter(want, INFINITY) - want;
    ASSERT_LE(std::fabs(e[i] - want), 2 * ulp) << "x=" << x[i];
  }
  const float below[3] = {-88.0f, -100.0f, -1e30f};
  float out[3];
  avx2::exp_f32(below, out, 3);
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(SimdMath, SwigluMatchesTheFormula) {
  if (isa_level() < IsaLevel::Avx2 || !cpu_features().fma) GTEST_SKIP() << "no AVX2/FMA";
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.f, 4.f);
  for (int64_t n : {1, 7, 8, 300, 1536}) {
    std::vector<float> gate(static_cast<size_t>(n)), up(gate.size()), out(gate.size());
    for (auto& v : gate) v = dist(rng);
    for (auto& v : up) v = dist(rng);
    gate[0] = -200.0f;  // e^200 overflows: silu must still be (-)0
    avx2::swiglu(gate.data(), up.data(), out.data(), n);
    for (size_t i = 0; i < gate.size(); ++i) {
      const double g = gate[i], want = g / (1 + std::exp(-g)) * up[i];
      ASSERT_NEAR(out[i], want, 4e-7 * std::fabs(want) + 1e-30) << "n=" << n << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace ruvllm::kernels
