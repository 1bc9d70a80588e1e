// A model loaded from a GGUF file: its configuration and its weights, bound to the mapped file.
//
// Matrices are views of the mmap'd tensor data; those the CPU's kernels read faster in another
// layout (kernels/packed_weights.h: Q8_0, Q4_0, Q5_0, IQ4_NL, Q4_K and Q6_K with AVX-512 VNNI) get
// a packed copy made at load, all in one buffer on huge pages, and their mapped pages are released.
// Small vectors (norm weights, biases, rope factors) are F32 views too, or F32 copies when the file
// stores them in another type. `Model::load` checks that the architecture is supported, that every
// tensor it needs is present with the right shape (the error names every missing or misshapen
// tensor), and that the kernels can multiply every matrix type.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/huge_page_buffer.h"
#include "gguf/gguf_file.h"
#include "kernels/matmul.h"
#include "model/model_config.h"

namespace ruvllm {

// A 1-D F32 tensor (norm weight, bias, factors); empty when the tensor is absent.
struct VectorView {
  const float* data = nullptr;
  int64_t n = 0;
  explicit operator bool() const { return data != nullptr; }
};

inline bool present(const kernels::WeightView& w) {
  return w.data != nullptr;
}

struct LayerWeights {
  VectorView attn_norm;
  // Attention: separate projections, or one fused [q | k | v] projection (Phi-3).
  kernels::WeightView wq, wk, wv, wqkv, wo;
  VectorView bq, bk, bv, bo;
  VectorView q_norm, k_norm;  // per-head RMS norms (head_dim)
  VectorView post_attn_norm;  // Gemma 2/3: norm of the attention output before the residual add
  // Feed-forward: gate and up, or ffn_up alone holding [gate | up] rows (Phi-3).
  VectorView ffn_norm;
  kernels::WeightView ffn_gate, ffn_up, ffn_down;
  VectorView post_ffn_norm;
  // LFM2 short convolution: in_proj to [b | c | x], depthwise kernel (conv_kernel taps per
  // channel, channel-major), out_proj.
  kernels::WeightView conv_in, conv_out;
  VectorView conv_kernel;
};

struct ModelWeights {
  kernels::WeightView token_embd;
  VectorView output_norm;
  kernels::WeightView output;  // the token embedding when tied
  std::vector<LayerWeights> layers;
};

class Model {
 public:
  // Opens, validates and binds a model; throws FormatError / UnsupportedError / Error.
  static std::shared_ptr<const Model> load(const std::string& path);
  static std::shared_ptr<const Model> from_gguf(std::shared_ptr<const gguf::GgufFile> file);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  const gguf::GgufFile& file() const { return *file_; }
  std::shared_ptr<const gguf::GgufFile> file_ptr() const { return file_; }

 private:
  friend class ModelLoader;
  Model() = default;

  std::shared_ptr<const gguf::GgufFile> file_;
  ModelConfig config_;
  ModelWeights weights_;
  // Copies every matrix the kernels read faster packed (skips the token embedding's look-ups).
  void pack_matrices();

  std::deque<std::vector<float>> converted_;  // F32 copies of small non-F32 vectors
  HugePageBuffer packed_;                     // packed copies of matrices, one after another
};

// The architectures Model::load accepts ("llama", "qwen2", ...).
std::vector<std::string_view> supported_architectures();

}  // namespace ruvllm
