// Helpers of the prefix-cache tests: a model-free block pool whose blocks record the tokens they
// hold, so that any lookup can be checked against the tokens it claims to match.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "model/model_config.h"
#include "runtime/kv_block_pool.h"

namespace ruvllm::test {

// One attention layer with rows wide enough for a token id per row.
inline ModelConfig tiny_attention_config() {
  ModelConfig c;
  c.n_embd = 8;
  c.head_dim_k = c.head_dim_v = 4;
  LayerConfig att;
  att.kind = LayerKind::Attention;
  att.n_head_kv = 1;
  c.layers = {att};
  c.n_layer = 1;
  return c;
}

// Writes token ids into fresh blocks: row i of block b holds tokens[b * block_size + i] as the
// first 4 bytes of its K row. The caller owns one reference per returned block.
inline std::vector<KvBlock*> blocks_recording(KvBlockPool& pool, std::span<const int32_t> tokens) {
  std::vector<KvBlock*> blocks;
  const int64_t bs = pool.block_size();
  const size_t row = size_t(pool.k_row(0)) * 2;  // F16
  for (size_t pos = 0; pos < tokens.size(); ++pos) {
    if (pos % size_t(bs) == 0) blocks.push_back(pool.allocate());
    std::memcpy(blocks.back()->data + pool.k_offset(0) + (pos % size_t(bs)) * row, &tokens[pos],
                sizeof(int32_t));
  }
  return blocks;
}

// True when the blocks hold the token ids of tokens[0, n).
inline bool blocks_hold(const KvBlockPool& pool, std::span<KvBlock* const> blocks,
                        std::span<const int32_t> tokens, int64_t n) {
  const int64_t bs = pool.block_size();
  const size_t row = size_t(pool.k_row(0)) * 2;
  for (int64_t pos = 0; pos < n; ++pos) {
    int32_t got;
    std::memcpy(&got, blocks[size_t(pos / bs)]->data + pool.k_offset(0) + size_t(pos % bs) * row,
                sizeof(int32_t));
    if (got != tokens[size_t(pos)]) return false;
  }
  return true;
}

inline void release_all(KvBlockPool& pool, std::span<KvBlock* const> blocks) {
  for (KvBlock* b : blocks) pool.release(b);
}

}  // namespace ruvllm::test
