// The helper each architecture's loader uses to read metadata and bind tensors.
//
// Metadata keys are given without the architecture prefix ("embedding_length" reads
// "<arch>.embedding_length"). Tensor look-ups never throw on their own: missing and misshapen
// tensors are collected, and `finish()` throws one FormatError naming all of them, so a broken
// file is diagnosed in one go.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace ruvllm {

class ModelLoader {
 public:
  ModelLoader(Model& model, const gguf::GgufFile& file, std::string arch);

  const std::string& arch() const { return arch_; }
  ModelConfig& config() { return model_.config_; }
  ModelWeights& weights() { return model_.weights_; }

  // Metadata under "<arch>.<key>".
  bool has(std::string_view key) const;
  int64_t require_int(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  // A per-layer value stored either as one scalar or as an array of n_layer integers.
  std::vector<int64_t> per_layer_int(std::string_view key, int64_t n_layer,
                                     std::optional<int64_t> fallback) const;

  bool has_tensor(const std::string& name) const;
  // A matrix of `rows` rows of `cols` elements (GGUF dims {cols, rows}).
  kernels::WeightView matrix(const std::string& name, int64_t cols, int64_t rows,
                             bool required = true);
  // A 1-D tensor of n elements (or any shape with n elements, e.g. a conv kernel).
  VectorView vector(const std::string& name, int64_t n, bool required = true);

  // The hyper-parameters shared by the transformer architectures: vocabulary, context,
  // widths, heads (per-layer head_count_kv), head sizes, norm epsilon, rope base / dims /
  // scaling. Architecture loaders call it first and then adjust.
  void read_common_hparams(kernels::RopeParams rope_defaults);

  // Throws FormatError listing every missing or misshapen tensor found so far, or else
  // UnsupportedError listing tensors whose types have no kernels.
  void finish() const;

 private:
  std::string key(std::string_view k) const { return arch_ + "." + std::string(k); }
  const gguf::TensorInfo* find_checked(const std::string& name, const std::vector<int64_t>& dims,
                                       bool required, bool any_shape);

  Model& model_;
  const gguf::GgufFile& file_;
  std::string arch_;
  std::vector<std::string> missing_;
  std::vector<std::string> problems_;
  std::vector<std::string> unsupported_;
};

// Architecture loaders (one file each): fill config and weights through the loader.
void load_llama(ModelLoader& ld);
void load_qwen2(ModelLoader& ld);
void load_qwen3(ModelLoader& ld);
void load_phi3(ModelLoader& ld);
void load_gemma2(ModelLoader& ld);
void load_gemma3(ModelLoader& ld);
void load_lfm2(ModelLoader& ld);

// Shared tensor binding: output norm and head (tied to token_embd when output.weight is absent).
void bind_embeddings_and_head(ModelLoader& ld, const std::string& output_norm_name);
// attn_norm, separate q/k/v/o (with optional biases and q/k norms when asked), ffn_norm and the
// gated FFN of layer il.
struct AttentionBinding {
  bool biases = false;      // attn_q/k/v.bias required
  bool qk_norm = false;     // attn_q_norm / attn_k_norm required
  bool post_norms = false;  // post_attention_norm / post_ffw_norm required
};
void bind_attention(ModelLoader& ld, int il, const AttentionBinding& b);
void bind_gated_ffn(ModelLoader& ld, int il);

}  // namespace ruvllm
