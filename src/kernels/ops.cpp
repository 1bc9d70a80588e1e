#include "kernels/ops.h"

#include <cmath>
#include <limits>

#include "core/cpu_features.h"
#include "kernels/simd_math.h"

namespace ruvllm::kernels {

namespace {

// Sum of squares with eight independent partial sums (vectorisable without -ffast-math).
double sum_of_squares(const float* x, int64_t n) {
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) part[k] += x[i + k] * x[i + k];
  double sum = 0;
  for (int k = 0; k < 8; ++k) sum += part[k];
  for (; i < n; ++i) sum += double(x[i]) * x[i];
  return sum;
}

}  // namespace

void rms_norm(const float* x, const float* w, int64_t n, int64_t n_rows, float eps, float* y) {
  for (int64_t r = 0; r < n_rows; ++r) {
    const float* xr = x + r * n;
    float* yr = y + r * n;
    const float mean = float(sum_of_squares(xr, n) / double(n));
    const float scale = 1.0f / std::sqrt(mean + eps);
    if (w) {
      for (int64_t i = 0; i < n; ++i) yr[i] = xr[i] * scale * w[i];
    } else {
      for (int64_t i = 0; i < n; ++i) yr[i] = xr[i] * scale;
    }
  }
}

void add_inplace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void add_bias(float* y, const float* b, int64_t n, int64_t n_rows) {
  for (int64_t r = 0; r < n_rows; ++r) add_inplace(y + r * n, b, n);
}

void scale_inplace(float* y, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= s;
}

float silu(float x) {
  return x / (1.0f + std::exp(-x));
}

float gelu_tanh(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  constexpr float kCoef = 0.044715f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoef * x * x)));
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) {
  static const bool simd = isa_level() >= IsaLevel::Avx2 && cpu_features().fma;
  if (simd) return avx2::swiglu(gate, up, out, n);
  for (int64_t i = 0; i < n; ++i) out[i] = silu(gate[i]) * up[i];
}

void geglu_tanh(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = gelu_tanh(gate[i]) * up[i];
}

void softcap_inplace(float* x, float cap, int64_t n) {
  const float inv = 1.0f / cap;
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

void softmax_inplace(float* x, int64_t n) {
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) max = x[i] > max ? x[i] : max;
  if (max == -std::numeric_limits<float>::infinity()) {
    // Nothing is allowed: an all-zero distribution rather than NaNs.
    for (int64_t i = 0; i < n; ++i) x[i] = 0;
    return;
  }
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = float(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

int64_t argmax(const float* x, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (x[i] > x[best]) best = i;
  return best;
}

}  // namespace ruvllm::kernels
