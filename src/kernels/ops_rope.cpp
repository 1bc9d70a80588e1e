#include "kernels/ops_rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ruvllm::kernels {

namespace {

// The dimension at which `n_rot` full rotations fit the original context (YaRN paper, eq. 17).
float yarn_corr_dim(int n_dims, int n_ctx_orig, float n_rot, float base) {
  return float(n_dims) * std::log(float(n_ctx_orig) / (n_rot * 2.0f * std::numbers::pi_v<float>)) /
         (2.0f * std::log(base));
}

// Weight of extrapolation for pair i: 1 below `low`, 0 above `high`, linear in between.
float yarn_ramp(float low, float high, int64_t i) {
  const float y = (float(i) - low) / std::max(0.001f, high - low);
  return 1.0f - std::min(1.0f, std::max(0.0f, y));
}

}  // namespace

void rope_angles(const RopeParams& p, int64_t pos, float* cos_out, float* sin_out) {
  const int64_t half = p.n_dims / 2;
  const float theta_scale = std::pow(p.freq_base, -2.0f / float(p.n_dims));
  float corr_low = 0, corr_high = 0;
  if (p.ext_factor != 0.0f) {
    corr_low =
        std::max(0.0f, std::floor(yarn_corr_dim(p.n_dims, p.n_ctx_orig, p.beta_fast, p.freq_base)));
    corr_high =
        std::min(float(p.n_dims - 1),
                 std::ceil(yarn_corr_dim(p.n_dims, p.n_ctx_orig, p.beta_slow, p.freq_base)));
  }
  // The angle is advanced by repeated multiplication, as ggml does, so that both agree to the ulp.
  float theta_extrap = float(pos);
  for (int64_t i = 0; i < half; ++i) {
    const float factor = p.freq_factors ? p.freq_factors[i] : 1.0f;
    const float extrap = theta_extrap / factor;
    const float interp = p.freq_scale * extrap;
    float theta = interp;
    float mscale = p.attn_factor;
    if (p.ext_factor != 0.0f) {
      const float mix = yarn_ramp(corr_low, corr_high, i) * p.ext_factor;
      theta = interp * (1 - mix) + extrap * mix;
      mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
    }
    cos_out[i] = std::cos(theta) * mscale;
    sin_out[i] = std::sin(theta) * mscale;
    theta_extrap *= theta_scale;
  }
}

void rope_apply(float* x, int64_t n_heads, int64_t head_dim, int32_t n_dims, bool neox,
                const float* cos_t, const float* sin_t) {
  const int64_t half = n_dims / 2;
  for (int64_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    const int64_t stride = neox ? half : 1;
    for (int64_t i = 0; i < half; ++i) {
      const int64_t a = neox ? i : 2 * i;
      const float x0 = v[a];
      const float x1 = v[a + stride];
      v[a] = x0 * cos_t[i] - x1 * sin_t[i];
      v[a + stride] = x0 * sin_t[i] + x1 * cos_t[i];
    }
  }
}

}  // namespace ruvllm::kernels
