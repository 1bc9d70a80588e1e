// Hyper-parameters of real models, for writing random-weight stand-ins of the same shape.
//
// Decode and prefill speed depend on shapes and types, not on weight values, so benchmarks run
// on random-weight models with the exact dimensions, vocabulary size and layer layout of the
// models our users run (real weights cannot be downloaded on the build machines).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ruvllm {

struct ModelShape {
  std::string name;  // e.g. "smollm2-135m"
  std::string arch;  // GGUF general.architecture
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;  // attention layers' KV heads
  int64_t head_dim = 0;   // 0: n_embd / n_head
  int64_t n_ff = 0;
  int64_t n_vocab = 0;
  int64_t n_ctx = 0;  // context_length written to metadata
  bool tied_embeddings = true;
  bool qkv_bias = false;  // qwen2
  bool qk_norm = false;   // qwen3, gemma3, lfm2
  float rope_base = 10000.f;
  float rope_base_local = 0;  // gemma3 sliding-window layers (0: none)
  float rms_eps = 1e-5f;
  int64_t sliding_window = 0;
  // Llama-3 rope scaling (0 factor: none).
  float rope_scale_factor = 0, rope_low_freq_factor = 0, rope_high_freq_factor = 0;
  int64_t rope_orig_ctx = 0;
  // lfm2: which layers are attention (others are short-convolution) and the conv width.
  std::vector<int> attention_layers;
  int64_t conv_l_cache = 0;

  int64_t attn_head_dim() const { return head_dim ? head_dim : n_embd / n_head; }
};

// The shapes `ruvllm make-model --shape` knows.
const std::vector<ModelShape>& known_model_shapes();

// Finds a shape by name; throws Error listing the known names when absent.
const ModelShape& find_model_shape(const std::string& name);

}  // namespace ruvllm
