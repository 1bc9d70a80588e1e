// The state of one sequence between forward passes: keys and values of every attention layer
// (F16 by default, as llama.cpp stores them, or F32), and the rolling input window of every
// short-convolution layer (LFM2).
//
// Paged: positions live in fixed-size blocks of a KvBlockPool, found through this sequence's
// block table (block i holds positions [i * block_size, (i + 1) * block_size)). Blocks may be
// shared with other sequences and with the prefix cache; prepare() gives the sequence its own
// copy of a shared block before it writes there (copy-on-write). `n_past` positions are filled;
// the next forward pass writes from there.
//
// Convolution state is not positional: it describes the last conv_kernel - 1 positions. The
// forward pass snapshots it into each block it completes, so the state can be restored at any
// block boundary (truncate, map_prefix) but not in the middle of a block.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/ggml_type.h"
#include "kernels/attention.h"
#include "model/model_config.h"
#include "runtime/kv_block_pool.h"

namespace ruvllm {

class KvCache {
 public:
  // A cache with its own pool without a byte budget. type: GgmlType::F16 or GgmlType::F32.
  KvCache(const ModelConfig& config, int64_t n_ctx, GgmlType type = GgmlType::F16);
  // A cache whose blocks come from `pool`, which must be compatible with `config`.
  KvCache(const ModelConfig& config, int64_t n_ctx, std::shared_ptr<KvBlockPool> pool);
  ~KvCache();
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_past() const { return n_past_; }
  GgmlType type() const { return pool_->type(); }
  int64_t block_size() const { return pool_->block_size(); }
  const std::shared_ptr<KvBlockPool>& pool() const { return pool_; }
  // Bytes of the blocks this sequence holds (shared ones included) and of its convolution state.
  size_t bytes() const;

  // Forgets everything (position 0 next) and returns every block.
  void clear();
  // Keeps positions [0, n) and forgets the rest. Throws Error when the model has convolution
  // state and n is not 0, n_past or a multiple of the block size.
  void truncate(int64_t n);
  // Whether truncate(n) can restore the convolution state there.
  bool can_truncate(int64_t n) const;
  // Marks positions up to n as filled (called by the forward pass after it wrote them).
  void set_n_past(int64_t n) { n_past_ = n; }

  // Makes positions [n_past, n_past + n) writable: allocates their blocks and copies any shared
  // block among them. Throws Error beyond the context and KvBudgetError when the pool is full
  // (the cache stays valid: blocks already prepared are kept for the next attempt).
  void prepare(int64_t n);
  // Writes the key and value rows (F32) of position `pos` of attention layer `layer`; the
  // position must have been prepared.
  void store(int layer, int64_t pos, const float* k, const float* v);
  // The layer's cache with positions [0, n_kv) visible.
  kernels::KvView view(int layer, int64_t n_kv) const;

  // The convolution input window of a short-convolution layer: conv_kernel - 1 rows of n_embd
  // floats, oldest first.
  float* conv_state(int layer) { return conv_[size_t(layer)].data(); }
  // Saves the layer's convolution state into the block that ends at position `pos` (a prepared
  // multiple of the block size), as it stands after position pos - 1.
  void snapshot_conv(int layer, int64_t pos);

  // The block table: blocks()[i] holds positions [i * block_size, (i + 1) * block_size); only
  // the first ceil(n_past / block_size) are guaranteed to be filled.
  std::span<KvBlock* const> blocks() const { return table_; }
  // Replaces the contents with the first n positions held by `blocks` (ceil(n / block_size) of
  // them, from this cache's pool, taken read-only with a reference each). With convolution
  // state, n must be a multiple of the block size and the state is restored from the last
  // block's snapshot.
  void map_prefix(std::span<KvBlock* const> blocks, int64_t n);

 private:
  void release_from(size_t first_block);
  void restore_conv(int64_t n);

  std::shared_ptr<KvBlockPool> pool_;
  int64_t n_ctx_;
  int64_t n_past_ = 0;
  std::vector<KvBlock*> table_;
  std::vector<const uint8_t*> data_;  // table_[i]->data, the layout attention reads
  std::vector<std::vector<float>> conv_;
};

}  // namespace ruvllm
