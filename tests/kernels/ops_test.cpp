// The transformer ops (norms, activations, soft-capping, softmax, RoPE) against direct double-
// precision formulas.
#include "kernels/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "kernels/ops_rope.h"

namespace ruvllm::kernels {
namespace {

std::vector<float> random_vector(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

TEST(Ops, RmsNormMatchesFormulaForEveryRow) {
  const int64_t n = 37, rows = 3;
  auto x = random_vector(n * rows, 1, 3.0f);
  auto w = random_vector(n, 2);
  std::vector<float> y(x.size());
  rms_norm(x.data(), w.data(), n, rows, 1e-5f, y.data());
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += double(x[size_t(r * n + i)]) * x[size_t(r * n + i)];
    const double scale = 1.0 / std::sqrt(ss / n + 1e-5);
    for (int64_t i = 0; i < n; ++i)
      EXPECT_NEAR(y[size_t(r * n + i)], x[size_t(r * n + i)] * scale * w[size_t(i)], 1e-5);
  }
  // In place and without weights.
  std::vector<float> z = x;
  rms_norm(z.data(), nullptr, n, rows, 1e-5f, z.data());
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(z[size_t(i)] * w[size_t(i)], y[size_t(i)], 1e-5);
}

TEST(Ops, GatedActivations) {
  const float gate[] = {-12.0f, -1.5f, 0.0f, 0.7f, 3.0f};
  const float up[] = {2.0f, -1.0f, 5.0f, 0.5f, 1.5f};
  float out[5];
  swiglu(gate, up, out, 5);
  for (int i = 0; i < 5; ++i) {
    const double g = gate[i];
    EXPECT_NEAR(out[i], g / (1 + std::exp(-g)) * up[i], 1e-6);
  }
  geglu_tanh(gate, up, out, 5);
  for (int i = 0; i < 5; ++i) {
    const double g = gate[i];
    const double gelu =
        0.5 * g * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (g + 0.044715 * g * g * g)));
    EXPECT_NEAR(out[i], gelu * up[i], 1e-6);
  }
}

TEST(Ops, SoftcapBoundsValues) {
  std::vector<float> x = {-1000.0f, -10.0f, 0.0f, 1.0f, 1000.0f};
  softcap_inplace(x.data(), 30.0f, int64_t(x.size()));
  EXPECT_NEAR(x[0], -30.0f, 1e-4);
  EXPECT_NEAR(x[1], 30.0 * std::tanh(-10.0 / 30.0), 1e-5);
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_NEAR(x[4], 30.0f, 1e-4);
}

TEST(Ops, SoftmaxSumsToOneAndHandlesMaskedEntries) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {1.0f, -inf, 3.0f, 100.0f};
  softmax_inplace(x.data(), 4);
  const double e1 = std::exp(1.0 - 100.0), e3 = std::exp(3.0 - 100.0);
  const double sum = e1 + e3 + 1.0;
  EXPECT_NEAR(x[0], e1 / sum, 1e-12);
  EXPECT_EQ(x[1], 0.0f);
  EXPECT_NEAR(x[3], 1.0 / sum, 1e-6);
  std::vector<float> all_masked = {-inf, -inf};
  softmax_inplace(all_masked.data(), 2);
  EXPECT_EQ(all_masked[0], 0.0f);
  EXPECT_EQ(argmax(x.data(), 4), 3);
}

// RoPE against the textbook rotation, in both pairings, with partial rotation.
void check_rope(bool neox) {
  const int64_t head_dim = 16, n_heads = 2, n_dims = 12;
  RopeParams p;
  p.n_dims = int32_t(n_dims);
  p.neox = neox;
  p.freq_base = 10000.0f;
  const int64_t pos = 37;
  auto x = random_vector(head_dim * n_heads, 5);
  auto y = x;
  std::vector<float> c(n_dims / 2), s(n_dims / 2);
  rope_angles(p, pos, c.data(), s.data());
  rope_apply(y.data(), n_heads, head_dim, int32_t(n_dims), neox, c.data(), s.data());
  for (int64_t h = 0; h < n_heads; ++h) {
    const float* a = x.data() + h * head_dim;
    const float* b = y.data() + h * head_dim;
    for (int64_t i = 0; i < n_dims / 2; ++i) {
      const double theta = double(pos) * std::pow(10000.0, -2.0 * double(i) / double(n_dims));
      const int64_t i0 = neox ? i : 2 * i, i1 = neox ? i + n_dims / 2 : 2 * i + 1;
      EXPECT_NEAR(b[i0], a[i0] * std::cos(theta) - a[i1] * std::sin(theta), 2e-5);
      EXPECT_NEAR(b[i1], a[i0] * std::sin(theta) + a[i1] * std::cos(theta), 2e-5);
    }
    for (int64_t i = n_dims; i < head_dim; ++i) EXPECT_EQ(b[i], a[i]);  // not rotated
  }
}

TEST(Ops, RopeNormalPairsAdjacentDimensions) {
  check_rope(false);
}
TEST(Ops, RopeNeoxPairsHalves) {
  check_rope(true);
}

TEST(Ops, RopeScalingAndFrequencyFactors) {
  RopeParams p;
  p.n_dims = 8;
  p.freq_scale = 0.25f;
  const float factors[] = {1.0f, 2.0f, 4.0f, 8.0f};
  p.freq_factors = factors;
  std::vector<float> c(4), s(4);
  rope_angles(p, 100, c.data(), s.data());
  for (int i = 0; i < 4; ++i) {
    const double theta = 100.0 * std::pow(10000.0, -2.0 * i / 8.0) / factors[i] * 0.25;
    EXPECT_NEAR(c[size_t(i)], std::cos(theta), 1e-5);
    EXPECT_NEAR(s[size_t(i)], std::sin(theta), 1e-5);
  }
  // Position 0 is the identity.
  rope_angles(p, 0, c.data(), s.data());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(c[size_t(i)], 1.0f);
    EXPECT_EQ(s[size_t(i)], 0.0f);
  }
}

TEST(Ops, RopeYarnKeepsHighFrequenciesAndScalesMagnitude) {
  RopeParams p;
  p.n_dims = 64;
  p.freq_scale = 0.25f;
  p.ext_factor = 1.0f;
  p.n_ctx_orig = 4096;
  std::vector<float> c(32), s(32);
  rope_angles(p, 1000, c.data(), s.data());
  const double mscale = 1.0 + 0.1 * std::log(4.0);
  // Pair 0 (highest frequency) is extrapolated (unscaled angle); the last pair is interpolated.
  EXPECT_NEAR(c[0], std::cos(1000.0) * mscale, 1e-4);
  const double theta_last = 1000.0 * std::pow(10000.0, -62.0 / 64.0) * 0.25;
  EXPECT_NEAR(c[31], std::cos(theta_last) * mscale, 1e-4);
}

}  // namespace
}  // namespace ruvllm::kernels
