// Rotary position embeddings (RoPE), computed as ggml computes them, including linear position
// scaling, per-dimension frequency factors (Llama 3 `rope_freqs`, Phi-3 long/short factors) and
// YaRN.
//
// The rotated pairs are, for i in [0, n_dims/2):
//   Normal mode (Llama): (x[2i], x[2i+1]);
//   NEOX mode (GPT-NeoX, Qwen, Phi-3, Gemma...): (x[i], x[i + n_dims/2]),
// each rotated by the angle pos * freq_scale * base^(-2i/n_dims) / freq_factor[i] (YaRN mixes the
// scaled and unscaled angle per dimension). Dimensions from n_dims to head_dim pass unchanged.
#pragma once

#include <cstdint>

namespace ruvllm::kernels {

struct RopeParams {
  int32_t n_dims = 0;  // rotated dimensions per head (even, <= head_dim)
  bool neox = false;   // pairing: false = adjacent pairs, true = halves
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;   // 1 / linear scaling factor
  float ext_factor = 0.0f;   // YaRN extrapolation mix; 0 = off
  float attn_factor = 1.0f;  // magnitude scale of cos/sin
  float beta_fast = 32.0f;   // YaRN correction range
  float beta_slow = 1.0f;
  int32_t n_ctx_orig = 0;               // training context (YaRN)
  const float* freq_factors = nullptr;  // n_dims/2 divisors of the angle, or null
};

// The cos and sin of every rotated pair at position `pos` (n_dims/2 values each).
void rope_angles(const RopeParams& p, int64_t pos, float* cos_out, float* sin_out);

// Rotates `n_heads` consecutive heads of `head_dim` floats in place with angles from rope_angles.
void rope_apply(float* x, int64_t n_heads, int64_t head_dim, int32_t n_dims, bool neox,
                const float* cos_t, const float* sin_t);

}  // namespace ruvllm::kernels
