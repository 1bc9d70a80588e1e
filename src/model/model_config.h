// What a loaded model computes: hyper-parameters and per-layer choices, read from GGUF metadata.
//
// One transformer skeleton runs every supported architecture; the differences between them are
// data here (fused projections, biases, q/k norms, post-norms, activation, soft-capping, sliding
// windows, rope mode and base per layer, short-convolution blocks) rather than code paths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/ops_rope.h"

namespace ruvllm {

enum class FfnActivation { Silu, GeluTanh };

enum class LayerKind {
  Attention,  // self-attention over the KV cache
  ShortConv,  // LFM2 gated short convolution with a rolling state of conv_kernel - 1 positions
};

struct LayerConfig {
  LayerKind kind = LayerKind::Attention;
  int32_t n_head_kv = 0;       // attention layers
  int32_t sliding_window = 0;  // 0: full causal attention
  kernels::RopeParams rope;    // freq_factors is filled in by the runtime (see ModelConfig)
};

struct ModelConfig {
  std::string architecture;  // GGUF general.architecture, e.g. "llama"
  std::string name;          // general.name, if any
  int64_t n_vocab = 0;
  int64_t n_ctx_train = 0;
  int64_t n_embd = 0;
  int64_t n_ff = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t head_dim_k = 0;
  int32_t head_dim_v = 0;
  float norm_eps = 1e-5f;
  float embedding_scale = 1.0f;  // token embeddings are multiplied by this (Gemma: sqrt(n_embd))
  float attention_scale = 1.0f;  // q.k scale (usually 1/sqrt(head_dim_k))
  float attn_softcap = 0.0f;     // 0: off
  float final_softcap = 0.0f;    // 0: off
  FfnActivation activation = FfnActivation::Silu;
  int32_t conv_kernel = 0;  // LFM2 short-convolution length (L_cache)
  std::vector<LayerConfig> layers;

  // Per-dimension rope divisors: `rope_freqs` (Llama 3, any context), or Phi-3's long / short
  // factors chosen by whether the context exceeds n_ctx_orig. Null when absent.
  const float* rope_freqs = nullptr;
  const float* rope_factors_long = nullptr;
  const float* rope_factors_short = nullptr;

  int32_t n_attention_layers() const;
  int32_t n_conv_layers() const;
};

}  // namespace ruvllm
