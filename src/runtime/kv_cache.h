// The state of one sequence between forward passes: keys and values of every attention layer
// (F16 by default, as llama.cpp stores them, or F32), and the rolling input window of every
// short-convolution layer (LFM2).
//
// Row p of a layer's K (and V) holds position p. `n_past` positions are filled; the next forward
// pass writes from there. Convolution state is not positional: it always describes the last
// conv_kernel - 1 positions, so it can be rewound only to the start.
#pragma once

#include <cstdint>
#include <vector>

#include "core/ggml_type.h"
#include "kernels/attention.h"
#include "model/model_config.h"

namespace ruvllm {

class KvCache {
 public:
  // type: GgmlType::F16 or GgmlType::F32.
  KvCache(const ModelConfig& config, int64_t n_ctx, GgmlType type = GgmlType::F16);

  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_past() const { return n_past_; }
  GgmlType type() const { return type_; }
  size_t bytes() const;

  // Forgets everything (position 0 next).
  void clear();
  // Keeps positions [0, n) and forgets the rest. Throws Error when the model has convolution
  // state and n is neither 0 nor n_past (that state cannot be rewound).
  void truncate(int64_t n);
  // Marks positions up to n as filled (called by the forward pass after it wrote them).
  void set_n_past(int64_t n) { n_past_ = n; }

  // Writes the key and value rows (F32) of position `pos` of attention layer `layer`.
  void store(int layer, int64_t pos, const float* k, const float* v);
  // The layer's cache with positions [0, n_kv) visible.
  kernels::KvView view(int layer, int64_t n_kv) const;

  // The convolution input window of a short-convolution layer: conv_kernel - 1 rows of n_embd
  // floats, oldest first.
  float* conv_state(int layer) { return conv_[size_t(layer)].data(); }

 private:
  int64_t n_ctx_;
  GgmlType type_;
  int64_t n_past_ = 0;
  bool has_conv_ = false;
  std::vector<int64_t> k_row_;  // elements per K row, per layer (0: not an attention layer)
  std::vector<int64_t> v_row_;
  std::vector<std::vector<uint8_t>> k_;
  std::vector<std::vector<uint8_t>> v_;
  std::vector<std::vector<float>> conv_;
};

}  // namespace ruvllm
